// Distill/TeacherWeights — a teacher's model.safetensors read into the forward pass's weights:
// the tensor names of each family (BERT/RoBERTa's encoder.layer.N.attention.self.*, DistilBERT's
// transformer.layer.N.*, MPNet's attention.attn.*, ModernBERT's layers.N.*, the decoders'
// layers.N.self_attn.* / mlp.gate_proj …), found under the
// checkpoint's prefix ("", "bert.", "roberta.", "model.", …), every shape checked against the
// config before a value is read.
import M2VSupport
import SafeTensors

struct TeacherWeights {
    var wordEmb: [Float] = [], posEmb: [Float]?, typeEmb: [Float]?
    var embLnW: [Float] = [], embLnB: [Float]?
    var layers: [EncoderLayer] = []
    var relativeBias: [Float]?
    var finalLnW: [Float]?, finalLnB: [Float]?
    var poolerW: [Float]?, poolerB: [Float]?

    private let file: SafeTensorsFile
    private var prefix = ""

    init(file: SafeTensorsFile, config cfg: TransformerConfig) throws(M2VError) {
        self.file = file
        let H = cfg.hidden, I = cfg.intermediate
        let wordName: String
        switch cfg.architecture {
        case .modernbert: wordName = "embeddings.tok_embeddings.weight"
        case .decoder: wordName = "embed_tokens.weight"
        default: wordName = "embeddings.word_embeddings.weight"
        }
        let prefixes = ["", String(cfg.modelType.map { $0 == "-" ? "_" : $0 }) + ".", "\(cfg.architecture.rawValue).",
                        "model.", "bert.", "roberta.", "encoder."]
        guard let p = prefixes.first(where: { file.tensor(named: $0 + wordName) != nil }) else {
            throw .format("teacher model.safetensors: no \(wordName) (a \(cfg.modelType) checkpoint has it, possibly under a prefix)")
        }
        prefix = p
        wordEmb = try load(wordName, [cfg.vocabSize, H])
        switch cfg.architecture {
        case .bert, .roberta, .distilbert, .mpnet:
            posEmb = try load("embeddings.position_embeddings.weight", [cfg.maxPositions, H])
            if cfg.typeVocab > 0 {
                typeEmb = try load("embeddings.token_type_embeddings.weight", [cfg.typeVocab, H])
            }
            embLnW = try load("embeddings.LayerNorm.weight", [H])
            embLnB = try load("embeddings.LayerNorm.bias", [H])
        case .modernbert:
            embLnW = try load("embeddings.norm.weight", [H])
            embLnB = cfg.normBias ? try load("embeddings.norm.bias", [H]) : nil
        case .decoder:
            break  // no embedding norm, no learned positions
        }
        for l in 0..<cfg.layers {
            switch cfg.architecture {
            case .bert, .roberta:
                layers.append(try postNormLayer(
                    "encoder.layer.\(l).", q: "attention.self.query", k: "attention.self.key", v: "attention.self.value",
                    o: "attention.output.dense", ln1: "attention.output.LayerNorm", inter: "intermediate.dense",
                    out: "output.dense", ln2: "output.LayerNorm", H: H, I: I))
            case .distilbert:
                layers.append(try postNormLayer(
                    "transformer.layer.\(l).", q: "attention.q_lin", k: "attention.k_lin", v: "attention.v_lin",
                    o: "attention.out_lin", ln1: "sa_layer_norm", inter: "ffn.lin1", out: "ffn.lin2",
                    ln2: "output_layer_norm", H: H, I: I))
            case .mpnet:
                layers.append(try postNormLayer(
                    "encoder.layer.\(l).", q: "attention.attn.q", k: "attention.attn.k", v: "attention.attn.v",
                    o: "attention.attn.o", ln1: "attention.LayerNorm", inter: "intermediate.dense",
                    out: "output.dense", ln2: "output.LayerNorm", H: H, I: I))
            case .modernbert:
                let p = "layers.\(l)."
                func bias(_ on: Bool, _ name: String, _ n: Int) throws(M2VError) -> [Float]? {
                    on ? try load(p + name, [n]) : nil
                }
                layers.append(EncoderLayer(
                    qkvW: try load(p + "attn.Wqkv.weight", [3 * H, H]), qkvB: try bias(cfg.attentionBias, "attn.Wqkv.bias", 3 * H),
                    attnOutW: try load(p + "attn.Wo.weight", [H, H]), attnOutB: try bias(cfg.attentionBias, "attn.Wo.bias", H),
                    ln1W: l == 0 ? nil : try load(p + "attn_norm.weight", [H]),
                    ln1B: l == 0 ? nil : try bias(cfg.normBias, "attn_norm.bias", H),
                    interW: try load(p + "mlp.Wi.weight", [2 * I, H]), interB: try bias(cfg.mlpBias, "mlp.Wi.bias", 2 * I),
                    outW: try load(p + "mlp.Wo.weight", [H, I]), outB: try bias(cfg.mlpBias, "mlp.Wo.bias", H),
                    ln2W: try load(p + "mlp_norm.weight", [H]), ln2B: try bias(cfg.normBias, "mlp_norm.bias", H),
                    global: cfg.globalLayer.indices.contains(l) ? cfg.globalLayer[l] : true))
            case .decoder:
                layers.append(try decoderLayer("layers.\(l).", cfg))
            }
        }
        if cfg.architecture == .mpnet {
            relativeBias = try load("encoder.relative_attention_bias.weight", [cfg.relativeBuckets, cfg.heads])
        }
        if cfg.architecture == .decoder {
            finalLnW = try load("norm.weight", [H])
        }
        if cfg.architecture == .modernbert {
            finalLnW = try load("final_norm.weight", [H])
            finalLnB = cfg.normBias ? try load("final_norm.bias", [H]) : nil
        }
        if [.bert, .roberta, .mpnet].contains(cfg.architecture), has("pooler.dense.weight") {
            poolerW = try load("pooler.dense.weight", [H, H])
            poolerB = try load("pooler.dense.bias", [H])
        }
    }

    private func has(_ name: String) -> Bool { file.tensor(named: prefix + name) != nil }

    /// The tensor `prefix + name` as Float, which must have `shape`. A LayerNorm's weight/bias may
    /// also be stored under the old names gamma/beta.
    private func load(_ name: String, _ shape: [Int]) throws(M2VError) -> [Float] {
        var t = file.tensor(named: prefix + name)
        if t == nil, name.hasSuffix("LayerNorm.weight") || name.hasSuffix("LayerNorm.bias") {
            let old = name.hasSuffix(".weight") ? String(name.dropLast(6)) + "gamma" : String(name.dropLast(4)) + "beta"
            t = file.tensor(named: prefix + old)
        }
        guard let t else { throw .format("teacher model.safetensors: tensor \(prefix + name) missing") }
        guard t.shape == shape else {
            throw .format("teacher tensor \(prefix + name) has shape \(t.shape), expected \(shape)")
        }
        return try file.floats(t)
    }

    /// A Llama-style decoder layer: RMSNorm before attention and MLP; q/k/v stacked as
    /// [queryWidth + 2 keyWidth, H]; gate rows then up rows as the GLU's [2I, H].
    private func decoderLayer(_ p: String, _ cfg: TransformerConfig) throws(M2VError) -> EncoderLayer {
        let H = cfg.hidden, I = cfg.intermediate, Q = cfg.queryWidth, K = cfg.keyWidth
        let a = p + "self_attn.", m = p + "mlp."
        let qkvW = try load(a + "q_proj.weight", [Q, H]) + load(a + "k_proj.weight", [K, H]) + load(a + "v_proj.weight", [K, H])
        let qkvB = cfg.qkvBias ? try load(a + "q_proj.bias", [Q]) + load(a + "k_proj.bias", [K]) + load(a + "v_proj.bias", [K]) : nil
        var interB: [Float]? = nil
        if cfg.mlpBias { interB = try load(m + "gate_proj.bias", [I]) + load(m + "up_proj.bias", [I]) }
        return EncoderLayer(
            qkvW: qkvW, qkvB: qkvB,
            attnOutW: try load(a + "o_proj.weight", [H, Q]), attnOutB: cfg.outBias ? try load(a + "o_proj.bias", [H]) : nil,
            ln1W: try load(p + "input_layernorm.weight", [H]), ln1B: nil,
            interW: try load(m + "gate_proj.weight", [I, H]) + load(m + "up_proj.weight", [I, H]), interB: interB,
            outW: try load(m + "down_proj.weight", [H, I]), outB: cfg.mlpBias ? try load(m + "down_proj.bias", [H]) : nil,
            ln2W: try load(p + "post_attention_layernorm.weight", [H]), ln2B: nil,
            global: true,
            qNormW: cfg.qkNorm ? try load(a + "q_norm.weight", [cfg.headDim]) : nil,
            kNormW: cfg.qkNorm ? try load(a + "k_norm.weight", [cfg.headDim]) : nil)
    }

    private func postNormLayer(_ p: String, q: String, k: String, v: String, o: String, ln1: String, inter: String,
                               out: String, ln2: String, H: Int, I: Int) throws(M2VError) -> EncoderLayer {
        let qkvW = try load(p + q + ".weight", [H, H]) + load(p + k + ".weight", [H, H]) + load(p + v + ".weight", [H, H])
        let qkvB = try load(p + q + ".bias", [H]) + load(p + k + ".bias", [H]) + load(p + v + ".bias", [H])
        return EncoderLayer(
            qkvW: qkvW, qkvB: qkvB,
            attnOutW: try load(p + o + ".weight", [H, H]), attnOutB: try load(p + o + ".bias", [H]),
            ln1W: try load(p + ln1 + ".weight", [H]), ln1B: try load(p + ln1 + ".bias", [H]),
            interW: try load(p + inter + ".weight", [I, H]), interB: try load(p + inter + ".bias", [I]),
            outW: try load(p + out + ".weight", [H, I]), outB: try load(p + out + ".bias", [H]),
            ln2W: try load(p + ln2 + ".weight", [H]), ln2B: try load(p + ln2 + ".bias", [H]),
            global: true)
    }
}
