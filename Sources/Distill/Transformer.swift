// Distill/Transformer — the teacher: a BERT-family encoder loaded from a Hugging Face folder
// (config.json + model.safetensors) and run on the CPU in float32 with OpenBLAS sgemm.
// Supported: model_type "bert" (absolute positions, erf GELU). RoBERTa/XLM-R differ only in the
// position ids (padding_idx + 1 + i) and the tensor prefix: see `TransformerConfig.positionOffset`.
import CBLAS
import M2VSupport
import SafeTensors
#if canImport(Glibc)
import Glibc
#endif

/// The hyper-parameters of the encoder, from config.json.
public struct TransformerConfig: Sendable {
    public var modelType: String
    public var hidden: Int
    public var layers: Int
    public var heads: Int
    public var intermediate: Int
    public var maxPositions: Int
    public var typeVocab: Int
    public var vocabSize: Int
    public var layerNormEps: Float
    /// First position id: 0 for BERT; `pad_token_id + 1` for RoBERTa-style models.
    public var positionOffset: Int
    public var padTokenId: Int

    /// Parses config.json; throws `.unsupported` for architectures the forward pass cannot run.
    public init(json: JSON) throws(M2VError) {
        let what = "config.json"
        modelType = json["model_type"]?.string ?? "(missing)"
        guard modelType == "bert" else {
            throw .unsupported("teacher model_type \"\(modelType)\": only \"bert\" is supported")
        }
        hidden = try json.requireInt("hidden_size", in: what)
        layers = try json.requireInt("num_hidden_layers", in: what)
        heads = try json.requireInt("num_attention_heads", in: what)
        intermediate = try json.requireInt("intermediate_size", in: what)
        maxPositions = try json.optionalInt("max_position_embeddings", in: what) ?? 512
        typeVocab = try json.optionalInt("type_vocab_size", in: what) ?? 2
        vocabSize = try json.requireInt("vocab_size", in: what)
        layerNormEps = Float(json["layer_norm_eps"]?.double ?? 1e-12)
        padTokenId = try json.optionalInt("pad_token_id", in: what) ?? 0
        positionOffset = 0
        let act = json["hidden_act"]?.string ?? "gelu"
        guard act == "gelu" else { throw .unsupported("teacher hidden_act \"\(act)\": only \"gelu\" (erf) is supported") }
        let pos = json["position_embedding_type"]?.string ?? "absolute"
        guard pos == "absolute" else { throw .unsupported("teacher position_embedding_type \"\(pos)\"") }
        guard hidden > 0, layers > 0, heads > 0, hidden % heads == 0, intermediate > 0, maxPositions > 0,
              typeVocab > 0, vocabSize > 0, hidden <= 1 << 16, intermediate <= 1 << 18, layers <= 256 else {
            throw .format("config.json: inconsistent sizes (hidden \(hidden), heads \(heads), layers \(layers))")
        }
    }
}

/// One encoder layer's weights (row-major [out, in] as in PyTorch's Linear).
struct EncoderLayer: Sendable {
    var qkvW: [Float]      // [3H, H]: query, key, value stacked
    var qkvB: [Float]      // [3H]
    var attnOutW: [Float]  // [H, H]
    var attnOutB: [Float]
    var ln1W: [Float], ln1B: [Float]
    var interW: [Float]    // [I, H]
    var interB: [Float]
    var outW: [Float]      // [H, I]
    var outB: [Float]
    var ln2W: [Float], ln2B: [Float]
}

/// The result of a forward pass over `count` sequences padded to `seqLen`.
public struct TransformerOutput: Sendable {
    /// Last hidden state, [count, seqLen, hidden] row-major (padded positions hold garbage).
    public var hidden: [Float]
    /// Hidden states after the embeddings and after each layer (only when requested).
    public var layers: [[Float]]
    /// tanh(W · h[CLS] + b) per sequence, [count, hidden]; nil when the model has no pooler.
    public var pooler: [Float]?
}

/// A BERT encoder in float32. Immutable after loading; `forward` may run on several threads.
public final class Transformer: Sendable {
    public let config: TransformerConfig
    /// OpenBLAS, bound at run time.
    let blas: BLAS.Functions
    let wordEmb: [Float], posEmb: [Float], typeEmb: [Float]
    let embLnW: [Float], embLnB: [Float]
    let layers: [EncoderLayer]
    let poolerW: [Float]?, poolerB: [Float]?

    /// Loads `dir/config.json` and `dir/model.safetensors` (F32, F16 or BF16 tensors).
    public init(folder dir: String) throws(M2VError) {
        blas = try BLAS.require()
        let cfgPath = FileIO.join(dir, "config.json")
        guard FileIO.isRegularFile(cfgPath) else { throw .notFound("teacher config.json not found in \(dir)") }
        let cfg = try TransformerConfig(json: JSON.parse(FileIO.read(cfgPath, limit: Limits.configJSONBytes)))
        config = cfg
        let stPath = FileIO.join(dir, "model.safetensors")
        guard FileIO.isRegularFile(stPath) else {
            throw .notFound("teacher model.safetensors not found in \(dir) (pytorch_model.bin is not supported)")
        }
        let file = try SafeTensorsFile(path: stPath)
        var prefix = ""
        for p in ["", "bert.", "model."] where file.tensor(named: p + "embeddings.word_embeddings.weight") != nil {
            prefix = p; break
        }
        let H = cfg.hidden, I = cfg.intermediate
        func load(_ name: String, _ shape: [Int]) throws(M2VError) -> [Float] {
            guard let t = file.tensor(named: prefix + name) else {
                throw .format("teacher model.safetensors: tensor \(prefix + name) missing")
            }
            guard t.shape == shape else {
                throw .format("teacher tensor \(prefix + name) has shape \(t.shape), expected \(shape)")
            }
            return try file.floats(t)
        }
        wordEmb = try load("embeddings.word_embeddings.weight", [cfg.vocabSize, H])
        posEmb = try load("embeddings.position_embeddings.weight", [cfg.maxPositions, H])
        typeEmb = try load("embeddings.token_type_embeddings.weight", [cfg.typeVocab, H])
        embLnW = try load("embeddings.LayerNorm.weight", [H])
        embLnB = try load("embeddings.LayerNorm.bias", [H])
        var ls: [EncoderLayer] = []
        for l in 0..<cfg.layers {
            let p = "encoder.layer.\(l)."
            let qkvW = try load(p + "attention.self.query.weight", [H, H]) + load(p + "attention.self.key.weight", [H, H])
                + load(p + "attention.self.value.weight", [H, H])
            let qkvB = try load(p + "attention.self.query.bias", [H]) + load(p + "attention.self.key.bias", [H])
                + load(p + "attention.self.value.bias", [H])
            ls.append(EncoderLayer(
                qkvW: qkvW, qkvB: qkvB,
                attnOutW: try load(p + "attention.output.dense.weight", [H, H]),
                attnOutB: try load(p + "attention.output.dense.bias", [H]),
                ln1W: try load(p + "attention.output.LayerNorm.weight", [H]),
                ln1B: try load(p + "attention.output.LayerNorm.bias", [H]),
                interW: try load(p + "intermediate.dense.weight", [I, H]),
                interB: try load(p + "intermediate.dense.bias", [I]),
                outW: try load(p + "output.dense.weight", [H, I]),
                outB: try load(p + "output.dense.bias", [H]),
                ln2W: try load(p + "output.LayerNorm.weight", [H]),
                ln2B: try load(p + "output.LayerNorm.bias", [H])))
        }
        layers = ls
        if file.tensor(named: prefix + "pooler.dense.weight") != nil {
            poolerW = try load("pooler.dense.weight", [H, H])
            poolerB = try load("pooler.dense.bias", [H])
        } else {
            poolerW = nil; poolerB = nil
        }
    }

    public var hasPooler: Bool { poolerW != nil }

    /// Runs the encoder on `lengths.count` sequences, each padded to `seqLen` in `ids`
    /// ([count * seqLen], row-major). Positions at or after a sequence's length are masked out of
    /// attention (as the attention mask does in the reference); token types are all 0.
    public func forward(ids: [Int32], lengths: [Int], seqLen: Int, keepLayers: Bool = false) throws(M2VError) -> TransformerOutput {
        let B = lengths.count, L = seqLen, H = config.hidden, I = config.intermediate
        let nh = config.heads, dh = H / nh
        guard L > 0, ids.count == B * L else { throw .invalidArgument("forward: ids.count \(ids.count) != \(B) x \(L)") }
        guard L + config.positionOffset <= config.maxPositions else {
            throw .invalidArgument("forward: sequence length \(L) exceeds the teacher's \(config.maxPositions) positions")
        }
        for n in lengths where n < 1 || n > L { throw .invalidArgument("forward: sequence length \(n) not in 1...\(L)") }
        for id in ids where id < 0 || Int(id) >= config.vocabSize {
            throw .invalidArgument("forward: token id \(id) outside the teacher's vocabulary of \(config.vocabSize)")
        }
        let N = B * L
        var x = [Float](repeating: 0, count: N * H)
        // Embeddings.
        wordEmb.withUnsafeBufferPointer { we in posEmb.withUnsafeBufferPointer { pe in typeEmb.withUnsafeBufferPointer { te in
            x.withUnsafeMutableBufferPointer { xb in
                for t in 0..<N {
                    let w = Int(ids[t]) * H, p = (t % L + config.positionOffset) * H
                    let o = t * H
                    for j in 0..<H { xb[o + j] = we[w + j] + pe[p + j] + te[j] }
                }
            }
        } } }
        layerNorm(&x, rows: N, embLnW, embLnB)
        var kept: [[Float]] = keepLayers ? [x] : []
        var qkv = [Float](repeating: 0, count: N * 3 * H)
        var ctx = [Float](repeating: 0, count: N * H)
        var tmp = [Float](repeating: 0, count: N * H)
        var inter = [Float](repeating: 0, count: N * I)
        var scores = [Float](repeating: 0, count: L * L)
        let scale = 1 / Float(dh).squareRoot()
        for layer in layers {
            linear(x, rows: N, inDim: H, layer.qkvW, layer.qkvB, outDim: 3 * H, into: &qkv)
            qkv.withUnsafeBufferPointer { q in ctx.withUnsafeMutableBufferPointer { c in scores.withUnsafeMutableBufferPointer { s in
                guard let qp = q.baseAddress, let cp = c.baseAddress, let sp = s.baseAddress else { return }
                for b in 0..<B {
                    let len = lengths[b]
                    let base = qp + b * L * 3 * H
                    for h in 0..<nh {
                        let qh = base + h * dh, kh = base + H + h * dh, vh = base + 2 * H + h * dh
                        // scores[L, len] = Q_h · K_h^T * scale (only the unmasked keys)
                        blas.sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(L), Int32(len), Int32(dh),
                                    scale, qh, Int32(3 * H), kh, Int32(3 * H), 0, sp, Int32(L))
                        for r in 0..<L {
                            let row = sp + r * L
                            var m = -Float.infinity
                            for k in 0..<len { m = max(m, row[k]) }
                            var sum: Float = 0
                            for k in 0..<len { let e = expf(row[k] - m); row[k] = e; sum += e }
                            let inv = 1 / sum
                            for k in 0..<len { row[k] *= inv }
                        }
                        // ctx_h[L, dh] = P[L, len] · V_h[len, dh]
                        blas.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(L), Int32(dh), Int32(len),
                                    1, sp, Int32(L), vh, Int32(3 * H), 0, cp + b * L * H + h * dh, Int32(H))
                    }
                }
            } } }
            linear(ctx, rows: N, inDim: H, layer.attnOutW, layer.attnOutB, outDim: H, into: &tmp)
            addInPlace(&x, tmp)
            layerNorm(&x, rows: N, layer.ln1W, layer.ln1B)
            linear(x, rows: N, inDim: H, layer.interW, layer.interB, outDim: I, into: &inter)
            inter.withUnsafeMutableBufferPointer { v in
                for i in 0..<v.count { let a = v[i]; v[i] = 0.5 * a * (1 + erff(a * 0.70710678118654752)) }
            }
            linear(inter, rows: N, inDim: I, layer.outW, layer.outB, outDim: H, into: &tmp)
            addInPlace(&x, tmp)
            layerNorm(&x, rows: N, layer.ln2W, layer.ln2B)
            if keepLayers { kept.append(x) }
        }
        var pooled: [Float]? = nil
        if let pw = poolerW, let pb = poolerB {
            var cls = [Float](repeating: 0, count: B * H)
            for b in 0..<B { for j in 0..<H { cls[b * H + j] = x[b * L * H + j] } }
            var out = [Float](repeating: 0, count: B * H)
            linear(cls, rows: B, inDim: H, pw, pb, outDim: H, into: &out)
            for i in 0..<out.count { out[i] = tanhf(out[i]) }
            pooled = out
        }
        return TransformerOutput(hidden: x, layers: kept, pooler: pooled)
    }

    /// y[rows, outDim] = x[rows, inDim] · W^T + b, W row-major [outDim, inDim].
    private func linear(_ x: [Float], rows: Int, inDim: Int, _ w: [Float], _ b: [Float], outDim: Int, into y: inout [Float]) {
        y.withUnsafeMutableBufferPointer { yb in
            guard let yp = yb.baseAddress else { return }
            b.withUnsafeBufferPointer { bb in
                guard let bp = bb.baseAddress else { return }
                for r in 0..<rows { (yp + r * outDim).update(from: bp, count: outDim) }
            }
            x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in
                blas.sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outDim), Int32(inDim),
                            1, xb.baseAddress, Int32(inDim), wb.baseAddress, Int32(inDim), 1, yp, Int32(outDim))
            } }
        }
    }

    private func addInPlace(_ x: inout [Float], _ y: [Float]) {
        x.withUnsafeMutableBufferPointer { xb in y.withUnsafeBufferPointer { yb in
            for i in 0..<xb.count { xb[i] += yb[i] }
        } }
    }

    private func layerNorm(_ x: inout [Float], rows: Int, _ w: [Float], _ b: [Float]) {
        let H = config.hidden, eps = config.layerNormEps
        x.withUnsafeMutableBufferPointer { xb in w.withUnsafeBufferPointer { wb in b.withUnsafeBufferPointer { bb in
            for r in 0..<rows {
                let o = r * H
                var mean: Float = 0
                for j in 0..<H { mean += xb[o + j] }
                mean /= Float(H)
                var v: Float = 0
                for j in 0..<H { let d = xb[o + j] - mean; v += d * d }
                v /= Float(H)
                let inv = 1 / (v + eps).squareRoot()
                for j in 0..<H { xb[o + j] = (xb[o + j] - mean) * inv * wb[j] + bb[j] }
            }
        } } }
    }
}
