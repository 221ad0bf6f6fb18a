// Distill/Transformer — the teacher: an encoder loaded from a Hugging Face folder (config.json +
// model.safetensors) and run on the CPU in float32 with OpenBLAS sgemm. One forward pass serves
// every family of TransformerConfig: the post-norm BERT layer (BERT, RoBERTa/XLM-R, DistilBERT,
// MPNet with its relative position bias), the pre-norm ModernBERT layer (rotary positions,
// GeGLU, sliding-window local layers) and the pre-norm decoder layer (RMSNorm, causal
// grouped-query attention, SwiGLU, Qwen3's query/key norms). Tensor names per family are in
// `TeacherWeights`.
import CBLAS
import LinearAlgebra
import M2VSupport
import SafeTensors
#if canImport(Glibc)
import Glibc
#endif

/// One encoder layer's weights (row-major [out, in] as in PyTorch's Linear; nil = no bias).
struct EncoderLayer: Sendable {
    var qkvW: [Float]      // [3H, H]: query, key, value stacked
    var qkvB: [Float]?
    var attnOutW: [Float]  // [H, H]
    var attnOutB: [Float]?
    /// Post-norm: the LayerNorm after attention. Pre-norm: the one before it (nil = identity).
    var ln1W: [Float]?, ln1B: [Float]?
    var interW: [Float]    // [I, H], or [2I, H] for GeGLU (input rows, then gate rows)
    var interB: [Float]?
    var outW: [Float]      // [H, I]
    var outB: [Float]?
    /// Post-norm: the LayerNorm after the feed-forward block. Pre-norm: the one before it.
    var ln2W: [Float], ln2B: [Float]?
    /// false: attention limited to the sliding window (ModernBERT local layers).
    var global: Bool
    /// Qwen3: RMSNorm weights over one query / key head ([headDim]).
    var qNormW: [Float]? = nil
    var kNormW: [Float]? = nil
}

/// The result of a forward pass over `count` sequences padded to `seqLen`.
public struct TransformerOutput: Sendable {
    /// Last hidden state, [count, seqLen, hidden] row-major (padded positions hold zeros or garbage).
    public var hidden: [Float]
    /// Hidden states after the embeddings and after each layer (only when requested), as
    /// transformers' `hidden_states` (ModernBERT's last entry is after its final norm).
    public var layers: [[Float]]
    /// tanh(W · h[first] + b) per sequence, [count, hidden]; nil when the model has no pooler.
    public var pooler: [Float]?
}

/// A teacher encoder in float32. Immutable after loading; `forward` may run on several threads.
public final class Transformer: Sendable {
    public let config: TransformerConfig
    /// OpenBLAS, bound at run time.
    let blas: BLAS.Functions
    let wordEmb: [Float], posEmb: [Float]?, typeEmb: [Float]?
    let embLnW: [Float], embLnB: [Float]?
    let layers: [EncoderLayer]
    /// MPNet: [buckets, heads].
    let relativeBias: [Float]?
    /// ModernBERT and decoders: the norm after the last layer.
    let finalLnW: [Float]?, finalLnB: [Float]?
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
            if FileIO.isRegularFile(FileIO.join(dir, "pytorch_model.bin")) {
                throw .unsupported("teacher \(dir) has only pytorch_model.bin: convert it to model.safetensors "
                                   + "(transformers: AutoModel.from_pretrained(dir).save_pretrained(dir, safe_serialization=True))")
            }
            throw .notFound("teacher model.safetensors not found in \(dir)")
        }
        let w = try TeacherWeights(file: SafeTensorsFile(path: stPath), config: cfg)
        wordEmb = w.wordEmb; posEmb = w.posEmb; typeEmb = w.typeEmb
        embLnW = w.embLnW; embLnB = w.embLnB
        layers = w.layers
        relativeBias = w.relativeBias
        finalLnW = w.finalLnW; finalLnB = w.finalLnB
        poolerW = w.poolerW; poolerB = w.poolerB
    }

    public var hasPooler: Bool { poolerW != nil }

    /// The position id of every slot of `ids` ([count * seqLen]).
    func positionIds(ids: [Int32], lengths: [Int], seqLen L: Int) -> [Int] {
        var pos = [Int](repeating: 0, count: ids.count)
        switch config.positions {
        case .sequential, .rotary:
            for t in 0..<ids.count { pos[t] = t % L }
        case .countedFromPadding(let pad):
            for b in 0..<lengths.count {
                var n = 0
                for k in 0..<L {
                    // Padded slots are masked out; they sit at the padding position.
                    if k >= lengths[b] || Int(ids[b * L + k]) == pad { pos[b * L + k] = pad; continue }
                    n += 1
                    pos[b * L + k] = pad + n
                }
            }
        }
        return pos
    }

    /// Runs the encoder on `lengths.count` sequences, each padded to `seqLen` in `ids`
    /// ([count * seqLen], row-major). Positions at or after a sequence's length are masked out of
    /// attention (as model2vec's attention mask does); token types are all 0.
    public func forward(ids: [Int32], lengths: [Int], seqLen: Int, keepLayers: Bool = false) throws(M2VError) -> TransformerOutput {
        let B = lengths.count, L = seqLen, H = config.hidden, I = config.intermediate
        guard L > 0, B > 0, ids.count == B * L else { throw .invalidArgument("forward: ids.count \(ids.count) != \(B) x \(L)") }
        guard L <= config.maxSequenceLength else {
            throw .invalidArgument("forward: sequence length \(L) exceeds the teacher's \(config.maxSequenceLength) positions")
        }
        for n in lengths where n < 1 || n > L { throw .invalidArgument("forward: sequence length \(n) not in 1...\(L)") }
        for id in ids where id < 0 || Int(id) >= config.vocabSize {
            throw .invalidArgument("forward: token id \(id) outside the teacher's vocabulary of \(config.vocabSize)")
        }
        let N = B * L
        let pos = positionIds(ids: ids, lengths: lengths, seqLen: L)
        var x = [Float](repeating: 0, count: N * H)
        // Embeddings: word + position + token type 0, then LayerNorm.
        x.withUnsafeMutableBufferPointer { xb in
            wordEmb.withUnsafeBufferPointer { we in
                for t in 0..<N {
                    let w = Int(ids[t]) * H, o = t * H
                    for j in 0..<H { xb[o + j] = we[w + j] }
                }
            }
            if let posEmb {
                posEmb.withUnsafeBufferPointer { pe in
                    for t in 0..<N {
                        let p = pos[t] * H, o = t * H
                        for j in 0..<H { xb[o + j] += pe[p + j] }
                    }
                }
            }
            if let typeEmb {
                typeEmb.withUnsafeBufferPointer { te in
                    for t in 0..<N { let o = t * H; for j in 0..<H { xb[o + j] += te[j] } }
                }
            }
        }
        if !embLnW.isEmpty { norm(&x, rows: N, embLnW, embLnB) }
        var kept: [[Float]] = keepLayers ? [x] : []
        let preNorm = config.architecture == .modernbert || config.architecture == .decoder
        let glu = preNorm
        let Q = config.queryWidth, QKV = config.queryWidth + 2 * config.keyWidth
        var qkv = [Float](repeating: 0, count: N * QKV)
        var ctx = [Float](repeating: 0, count: N * Q)
        var tmp = [Float](repeating: 0, count: N * H)
        var normed = preNorm ? [Float](repeating: 0, count: N * H) : []
        var inter = [Float](repeating: 0, count: N * (glu ? 2 : 1) * I)
        var act = glu ? [Float](repeating: 0, count: N * I) : []
        let attention = Attention(config: config, blas: blas, lengths: lengths, seqLen: L, positions: pos,
                                  relativeBias: relativeBias)
        for layer in layers {
            // Attention block.
            if preNorm {
                normed = x
                if let w = layer.ln1W { norm(&normed, rows: N, w, layer.ln1B) }
                linear(normed, rows: N, inDim: H, layer.qkvW, layer.qkvB, outDim: QKV, into: &qkv)
            } else {
                linear(x, rows: N, inDim: H, layer.qkvW, layer.qkvB, outDim: QKV, into: &qkv)
            }
            if let qw = layer.qNormW, let kw = layer.kNormW { headNorms(&qkv, rows: N, qw, kw) }
            attention.run(qkv: &qkv, into: &ctx, global: layer.global)
            linear(ctx, rows: N, inDim: Q, layer.attnOutW, nil, outDim: H, into: &tmp)
            addInPlace(&x, tmp, bias: layer.attnOutB, rows: N)
            if !preNorm, let w = layer.ln1W { layerNorm(&x, rows: N, w, layer.ln1B) }
            // Feed-forward block.
            if preNorm {
                normed = x
                norm(&normed, rows: N, layer.ln2W, layer.ln2B)
                linear(normed, rows: N, inDim: H, layer.interW, layer.interB, outDim: 2 * I, into: &inter)
                inter.withUnsafeBufferPointer { v in act.withUnsafeMutableBufferPointer { a in
                    guard let vp = v.baseAddress, let ap = a.baseAddress else { return }
                    for r in 0..<N {
                        let src = vp + r * 2 * I, dst = ap + r * I
                        dst.update(from: src, count: I)
                        activate(UnsafeMutableBufferPointer(start: dst, count: I))
                        for j in 0..<I { dst[j] *= src[I + j] }
                    }
                } }
                linear(act, rows: N, inDim: I, layer.outW, nil, outDim: H, into: &tmp)
                addInPlace(&x, tmp, bias: layer.outB, rows: N)
            } else {
                // The bias is added in the activation's pass, not copied in before the sgemm.
                linear(x, rows: N, inDim: H, layer.interW, nil, outDim: I, into: &inter)
                let interB = layer.interB ?? []
                inter.withUnsafeMutableBufferPointer { v in interB.withUnsafeBufferPointer { b in
                    guard let vp = v.baseAddress else { return }
                    for r in 0..<N {
                        let row = vp + r * I
                        let bp = b.count == I ? b.baseAddress : nil
                        if config.activation == .gelu { Kernels.biasGELU(row, bias: bp, count: I); continue }
                        if let bp { Kernels.add(row, bp, count: I) }
                        activate(UnsafeMutableBufferPointer(start: row, count: I))
                    }
                } }
                linear(inter, rows: N, inDim: I, layer.outW, nil, outDim: H, into: &tmp)
                addInPlace(&x, tmp, bias: layer.outB, rows: N)
                layerNorm(&x, rows: N, layer.ln2W, layer.ln2B)
            }
            if keepLayers { kept.append(x) }
        }
        if let w = finalLnW {
            // transformers reports the last hidden state after the final norm.
            norm(&x, rows: N, w, finalLnB)
            if keepLayers, !kept.isEmpty { kept[kept.count - 1] = x }
        }
        var pooled: [Float]? = nil
        if let pw = poolerW, let pb = poolerB {
            var first = [Float](repeating: 0, count: B * H)
            for b in 0..<B { for j in 0..<H { first[b * H + j] = x[b * L * H + j] } }
            var out = [Float](repeating: 0, count: B * H)
            linear(first, rows: B, inDim: H, pw, pb, outDim: H, into: &out)
            for i in 0..<out.count { out[i] = tanhf(out[i]) }
            pooled = out
        }
        return TransformerOutput(hidden: x, layers: kept, pooler: pooled)
    }

    /// The configured activation, in place.
    private func activate(_ v: UnsafeMutableBufferPointer<Float>) {
        switch config.activation {
        case .gelu:
            if let p = v.baseAddress { Kernels.biasGELU(p, bias: nil, count: v.count) }
        case .geluTanh:
            for i in 0..<v.count {
                let a = v[i]
                v[i] = 0.5 * a * (1 + tanhf(0.79788456080286536 * (a + 0.044715 * a * a * a)))
            }
        case .geluFast:
            for i in 0..<v.count { let a = v[i]; v[i] = 0.5 * a * (1 + tanhf(a * 0.7978845608 * (1 + 0.044715 * a * a))) }
        case .quickGelu:
            for i in 0..<v.count { let a = v[i]; v[i] = a / (1 + expf(-1.702 * a)) }
        case .relu:
            for i in 0..<v.count { v[i] = max(0, v[i]) }
        case .silu:
            for i in 0..<v.count { let a = v[i]; v[i] = a / (1 + expf(-a)) }
        }
    }

    /// y[rows, outDim] = x[rows, inDim] · W^T + b, W row-major [outDim, inDim].
    private func linear(_ x: [Float], rows: Int, inDim: Int, _ w: [Float], _ b: [Float]?, outDim: Int, into y: inout [Float]) {
        y.withUnsafeMutableBufferPointer { yb in
            guard let yp = yb.baseAddress else { return }
            if let b {
                b.withUnsafeBufferPointer { bb in
                    guard let bp = bb.baseAddress else { return }
                    for r in 0..<rows { (yp + r * outDim).update(from: bp, count: outDim) }
                }
            }
            x.withUnsafeBufferPointer { xb in w.withUnsafeBufferPointer { wb in
                blas.sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outDim), Int32(inDim),
                           1, xb.baseAddress, Int32(inDim), wb.baseAddress, Int32(inDim), b == nil ? 0 : 1, yp, Int32(outDim))
            } }
        }
    }

    /// x += y (+ the bias of y's linear layer, per row of `rows`).
    private func addInPlace(_ x: inout [Float], _ y: [Float], bias: [Float]? = nil, rows: Int = 1) {
        let b = bias ?? []
        x.withUnsafeMutableBufferPointer { xb in y.withUnsafeBufferPointer { yb in b.withUnsafeBufferPointer { bb in
            guard let xp = xb.baseAddress, let yp = yb.baseAddress else { return }
            let n = min(xb.count, yb.count)
            guard let bp = bb.baseAddress, !bb.isEmpty, rows > 0, n == rows * bb.count else {
                Kernels.add(xp, yp, count: n); return
            }
            for r in 0..<rows { Kernels.add(xp + r * bb.count, yp + r * bb.count, bp, count: bb.count) }
        } } }
    }

    /// The family's normalization of each of `rows` rows of width hidden: LayerNorm or RMSNorm.
    private func norm(_ x: inout [Float], rows: Int, _ w: [Float], _ b: [Float]?) {
        if config.rmsNorm { rmsNorm(&x, rows: rows, width: config.hidden, stride: config.hidden, offset: 0, w) }
        else { layerNorm(&x, rows: rows, w, b) }
    }

    /// Qwen3: RMSNorm over every query head and every key head of the stacked projections.
    private func headNorms(_ qkv: inout [Float], rows: Int, _ qw: [Float], _ kw: [Float]) {
        let d = config.headDim, stride = config.queryWidth + 2 * config.keyWidth
        for h in 0..<config.heads { rmsNorm(&qkv, rows: rows, width: d, stride: stride, offset: h * d, qw) }
        for h in 0..<config.kvHeads {
            rmsNorm(&qkv, rows: rows, width: d, stride: stride, offset: config.queryWidth + h * d, kw)
        }
    }

    /// x · w / sqrt(mean(x²) + eps) over `width` values at `offset + r · stride` for each row r
    /// (transformers' LlamaRMSNorm / Qwen3RMSNorm, in float32 with the weight applied last).
    private func rmsNorm(_ x: inout [Float], rows: Int, width: Int, stride: Int, offset: Int, _ w: [Float]) {
        let eps = config.layerNormEps
        x.withUnsafeMutableBufferPointer { xb in w.withUnsafeBufferPointer { wb in
            guard let xp = xb.baseAddress, let wp = wb.baseAddress, wb.count >= width,
                  rows == 0 || (rows - 1) * stride + offset + width <= xb.count else { return }
            for r in 0..<rows {
                let row = xp + r * stride + offset
                var ss: Float = 0
                for j in 0..<width { ss += row[j] * row[j] }
                let inv = 1 / (ss / Float(width) + eps).squareRoot()
                for j in 0..<width { row[j] = wp[j] * (row[j] * inv) }
            }
        } }
    }

    private func layerNorm(_ x: inout [Float], rows: Int, _ w: [Float], _ b: [Float]?) {
        let H = config.hidden, eps = config.layerNormEps
        let bias = b ?? []
        x.withUnsafeMutableBufferPointer { xb in w.withUnsafeBufferPointer { wb in bias.withUnsafeBufferPointer { bb in
            guard let xp = xb.baseAddress, let wp = wb.baseAddress, xb.count >= rows * H, wb.count >= H else { return }
            let bp = bb.count >= H ? bb.baseAddress : nil
            for r in 0..<rows { Kernels.layerNorm(xp + r * H, count: H, weight: wp, bias: bp, eps: eps) }
        } } }
    }
}
