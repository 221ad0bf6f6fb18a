// Distill/TransformerConfig — a teacher's config.json read into one description of its encoder:
// the architecture family, sizes, how positions enter (learned absolute, RoBERTa's ids counted
// from the padding id, rotary), the activation, and the family's extras (MPNet's relative
// attention buckets, ModernBERT's local/global layers, the decoders' grouped-query heads, causal mask
// and RMSNorm). Everything the forward pass branches on
// is decided here, once; unknown model types and options fail naming what is supported.
import M2VSupport

/// The encoder families the forward pass runs (each `model_type` maps to one).
public enum TeacherArchitecture: String, Sendable, CaseIterable {
    /// BERT and the BERT-shaped E5 / GTE / BGE / MiniLM models: post-norm, learned positions, token types.
    case bert
    /// RoBERTa, XLM-RoBERTa, CamemBERT: BERT with positions counted from `pad_token_id + 1`.
    case roberta
    /// DistilBERT: BERT without token types, its own tensor names, LayerNorm eps 1e-12.
    case distilbert
    /// MPNet: RoBERTa-style positions plus a relative position bias shared by all layers.
    case mpnet
    /// ModernBERT: pre-norm without biases, rotary positions, GeGLU, alternating local/global attention.
    case modernbert
    /// Llama-style decoders (Llama, Mistral, Qwen2, Qwen3): pre-norm RMSNorm, rotary positions,
    /// causal attention with grouped-query heads, SwiGLU; Qwen3 normalizes queries and keys per head.
    /// model2vec distills them like any AutoModel (usually with `pooling="last"`).
    case decoder

    /// config.json `model_type` values and their family.
    public static let modelTypes: [(String, TeacherArchitecture)] = [
        ("bert", .bert), ("roberta", .roberta), ("xlm-roberta", .roberta), ("camembert", .roberta),
        ("distilbert", .distilbert), ("mpnet", .mpnet), ("modernbert", .modernbert),
        ("llama", .decoder), ("mistral", .decoder), ("qwen2", .decoder), ("qwen3", .decoder),
    ]

    /// "bert, roberta, …" for error messages.
    public static var supportedList: String { modelTypes.map { $0.0 }.joined(separator: ", ") }
}

/// The element-wise activation of the feed-forward block (transformers' ACT2FN names).
public enum TeacherActivation: String, Sendable {
    /// erf GELU ("gelu").
    case gelu
    /// tanh approximation ("gelu_new", "gelu_pytorch_tanh").
    case geluTanh
    /// "gelu_fast": the tanh approximation written as x·0.7978845608·(1 + 0.044715·x²).
    case geluFast
    /// x·sigmoid(1.702·x) ("quick_gelu").
    case quickGelu
    case relu
    /// x·sigmoid(x) ("silu", "swish").
    case silu

    static let names: [(String, TeacherActivation)] = [
        ("gelu", .gelu), ("gelu_new", .geluTanh), ("gelu_pytorch_tanh", .geluTanh), ("gelu_fast", .geluFast),
        ("quick_gelu", .quickGelu), ("relu", .relu), ("silu", .silu), ("swish", .silu),
    ]

    init(name: String) throws(M2VError) {
        guard let a = Self.names.first(where: { $0.0 == name })?.1 else {
            throw .unsupported("teacher activation \"\(name)\": supported are \(Self.names.map { $0.0 }.joined(separator: ", "))")
        }
        self = a
    }
}

/// How position information enters the encoder.
public enum TeacherPositions: Sendable, Equatable {
    /// Learned embeddings at 0, 1, 2, … (BERT, DistilBERT).
    case sequential
    /// Learned embeddings at `padding + 1 + (non-padding ids so far)`, the padding id itself at
    /// `padding` (fairseq's make_positions: RoBERTa, XLM-R, MPNet).
    case countedFromPadding(Int)
    /// Rotary embeddings on queries and keys (ModernBERT).
    case rotary
}

/// The hyper-parameters of the encoder, from config.json.
public struct TransformerConfig: Sendable {
    public var modelType: String
    public var architecture: TeacherArchitecture
    public var hidden: Int
    public var layers: Int
    public var heads: Int
    public var intermediate: Int
    public var maxPositions: Int
    /// Rows of the token type table; 0 when the model has none (its token type is always 0).
    public var typeVocab: Int
    public var vocabSize: Int
    public var layerNormEps: Float
    public var padTokenId: Int
    public var positions: TeacherPositions
    public var activation: TeacherActivation
    /// MPNet: rows of the relative attention bias table (buckets are computed for 32, as transformers does).
    public var relativeBuckets: Int = 0
    /// ModernBERT: per layer, true for global attention, false for the sliding window.
    public var globalLayer: [Bool] = []
    /// ModernBERT: a local layer attends to keys at most this far away (local_attention / 2).
    public var slidingWindow: Int = 0
    /// Rotary bases of global and local layers (ModernBERT); a decoder's one base is the global one
    /// (all its layers are global).
    public var ropeThetaGlobal: Float = 160_000
    public var ropeThetaLocal: Float = 10_000
    /// Whether LayerNorms, attention and MLP linears carry biases (all true except ModernBERT's defaults).
    public var normBias = true
    public var attentionBias = true
    public var mlpBias = true
    /// Key/value heads (grouped-query attention; = heads for every encoder).
    public var kvHeads: Int = 0
    /// Width of one attention head (hidden / heads, except where config.json sets head_dim).
    public var headDim: Int = 0
    /// Decoders: biases on the query/key/value projections (Qwen2 always, Llama/Qwen3 with
    /// attention_bias) and on the output projection (attention_bias; never Qwen2).
    public var qkvBias = true
    public var outBias = true
    /// Decoders: a query attends to keys at or before it (and, with `causalWindow`, less than
    /// that many positions back: Mistral's sliding_window).
    public var causal = false
    public var causalWindow = Int.max
    /// Decoders: RMSNorm (x / rms(x) · w) in place of LayerNorm.
    public var rmsNorm = false
    /// Qwen3: RMSNorm over each query and key head before the rotation.
    public var qkNorm = false

    /// Width of the stacked query projection (heads · headDim) and of key or value (kvHeads · headDim).
    public var queryWidth: Int { heads * headDim }
    public var keyWidth: Int { kvHeads * headDim }

    /// The longest input the position scheme can place.
    public var maxSequenceLength: Int {
        switch positions {
        case .sequential, .rotary: return maxPositions
        case .countedFromPadding(let p): return max(0, maxPositions - p - 1)
        }
    }

    /// Parses config.json; throws `.unsupported` for architectures the forward pass cannot run.
    public init(json: JSON) throws(M2VError) {
        let what = "config.json"
        let type = json["model_type"]?.string ?? "(missing)"
        modelType = type
        guard let arch = TeacherArchitecture.modelTypes.first(where: { $0.0 == type })?.1 else {
            throw .unsupported("teacher model_type \"\(type)\": supported are \(TeacherArchitecture.supportedList)")
        }
        architecture = arch
        vocabSize = try json.requireInt("vocab_size", in: what)
        maxPositions = try json.optionalInt("max_position_embeddings", in: what) ?? 512
        padTokenId = try json.optionalInt("pad_token_id", in: what) ?? 0
        switch arch {
        case .distilbert:
            hidden = try json.optionalInt("dim", in: what) ?? 768
            layers = try json.optionalInt("n_layers", in: what) ?? 6
            heads = try json.optionalInt("n_heads", in: what) ?? 12
            intermediate = try json.optionalInt("hidden_dim", in: what) ?? 4 * hidden
            typeVocab = 0
            layerNormEps = 1e-12  // hard-coded in DistilBERT's modules
            activation = try TeacherActivation(name: json["activation"]?.string ?? "gelu")
            positions = .sequential
        case .modernbert:
            hidden = try json.optionalInt("hidden_size", in: what) ?? 768
            layers = try json.optionalInt("num_hidden_layers", in: what) ?? 22
            heads = try json.optionalInt("num_attention_heads", in: what) ?? 12
            intermediate = try json.optionalInt("intermediate_size", in: what) ?? 1152
            typeVocab = 0
            layerNormEps = Float(json["norm_eps"]?.double ?? 1e-5)
            activation = try TeacherActivation(name: json["hidden_activation"]?.string ?? "gelu")
            positions = .rotary
            normBias = json["norm_bias"]?.bool ?? false
            attentionBias = json["attention_bias"]?.bool ?? false
            mlpBias = json["mlp_bias"]?.bool ?? false
            let local = try json.optionalInt("local_attention", in: what) ?? 128
            guard local >= 0 else { throw .format("config.json: local_attention \(local) < 0") }
            slidingWindow = local / 2
            if let types = json["layer_types"]?.array {
                var g: [Bool] = []
                for t in types {
                    switch t.string {
                    case "full_attention": g.append(true)
                    case "sliding_attention": g.append(false)
                    default: throw .unsupported("config.json: ModernBERT layer type \(t.string ?? "?")")
                    }
                }
                globalLayer = g
            } else {
                let every = try json.optionalInt("global_attn_every_n_layers", in: what) ?? 3
                guard every > 0 else { throw .format("config.json: global_attn_every_n_layers \(every)") }
                globalLayer = (0..<max(0, layers)).map { $0 % every == 0 }
            }
            guard globalLayer.count == layers else {
                throw .format("config.json: \(globalLayer.count) layer_types for \(layers) layers")
            }
            func theta(_ type: String, _ legacy: String, _ fallback: Double) -> Float {
                Float(json["rope_parameters"]?[type]?["rope_theta"]?.double ?? json[legacy]?.double ?? fallback)
            }
            ropeThetaGlobal = theta("full_attention", "global_rope_theta", 160_000)
            ropeThetaLocal = theta("sliding_attention", "local_rope_theta", 10_000)
            for type in ["full_attention", "sliding_attention"] {
                let kind = json["rope_parameters"]?[type]?["rope_type"]?.string ?? "default"
                guard kind == "default" else { throw .unsupported("config.json: ModernBERT rope_type \"\(kind)\"") }
            }
            if let s = json["rope_scaling"], !s.isNull { throw .unsupported("config.json: ModernBERT rope_scaling") }
            guard ropeThetaGlobal > 1, ropeThetaLocal > 1 else { throw .format("config.json: rope_theta must be > 1") }
        case .decoder:
            hidden = try json.requireInt("hidden_size", in: what)
            layers = try json.requireInt("num_hidden_layers", in: what)
            heads = try json.requireInt("num_attention_heads", in: what)
            intermediate = try json.requireInt("intermediate_size", in: what)
            typeVocab = 0
            layerNormEps = Float(json["rms_norm_eps"]?.double ?? 1e-6)
            activation = try TeacherActivation(name: json["hidden_act"]?.string ?? "silu")
            positions = .rotary
            kvHeads = try json.optionalInt("num_key_value_heads", in: what) ?? heads
            if let d = json["head_dim"], !d.isNull {
                headDim = try json.requireInt("head_dim", in: what)
            } else {
                headDim = heads > 0 ? hidden / heads : 0
            }
            causal = true
            rmsNorm = true
            qkNorm = type == "qwen3"
            normBias = false
            let bias = json["attention_bias"]?.bool ?? false
            qkvBias = type == "qwen2" ? true : bias
            outBias = type == "qwen2" ? false : bias
            attentionBias = qkvBias
            mlpBias = json["mlp_bias"]?.bool ?? false
            let rope = json["rope_parameters"]
            let kind = rope?["rope_type"]?.string ?? json["rope_scaling"]?["rope_type"]?.string
                ?? json["rope_scaling"]?["type"]?.string ?? "default"
            guard kind == "default" else {
                throw .unsupported("teacher rope_type \"\(kind)\": only the default rotary embedding is supported")
            }
            ropeThetaGlobal = Float(rope?["rope_theta"]?.double ?? json["rope_theta"]?.double ?? 10_000)
            guard ropeThetaGlobal > 1 else { throw .format("config.json: rope_theta must be > 1") }
            // Sliding windows: Mistral's applies to every layer; Qwen's only with use_sliding_window.
            var window: Int? = nil
            if type == "mistral" {
                window = try json.optionalInt("sliding_window", in: what)
            } else if json["use_sliding_window"]?.bool == true, let w = try json.optionalInt("sliding_window", in: what) {
                // Qwen: layers from max_window_layers on slide (transformers' layer_types).
                let sliding: [Bool]
                if let types = json["layer_types"]?.array {
                    sliding = types.map { $0.string == "sliding_attention" }
                } else {
                    let from = try json.optionalInt("max_window_layers", in: what) ?? 28
                    sliding = (0..<max(0, layers)).map { $0 >= from }
                }
                if sliding.allSatisfy({ $0 }) {
                    window = w
                } else if sliding.contains(true) {
                    throw .unsupported("config.json: \(type) with sliding-window attention on some layers only")
                }
            }
            if let types = json["layer_types"]?.array, window == nil, json["use_sliding_window"]?.bool != true,
               types.contains(where: { $0.string != "full_attention" }) {
                throw .unsupported("config.json: \(type) layer types other than full_attention")
            }
            if let w = window {
                guard w > 0 else { throw .format("config.json: sliding_window \(w) must be > 0") }
                causalWindow = w
            }
        case .bert, .roberta, .mpnet:
            hidden = try json.requireInt("hidden_size", in: what)
            layers = try json.requireInt("num_hidden_layers", in: what)
            heads = try json.requireInt("num_attention_heads", in: what)
            intermediate = try json.requireInt("intermediate_size", in: what)
            typeVocab = arch == .mpnet ? 0 : try json.optionalInt("type_vocab_size", in: what) ?? 2
            layerNormEps = Float(json["layer_norm_eps"]?.double ?? 1e-12)
            activation = try TeacherActivation(name: json["hidden_act"]?.string ?? "gelu")
            // MPNet's embeddings count from a padding index of 1 whatever the config says.
            positions = arch == .bert ? .sequential : .countedFromPadding(arch == .mpnet ? 1 : padTokenId)
            if arch == .mpnet {
                relativeBuckets = try json.optionalInt("relative_attention_num_buckets", in: what) ?? 32
                guard relativeBuckets >= 32 else {
                    throw .format("config.json: relative_attention_num_buckets \(relativeBuckets) < 32 (transformers computes 32 buckets)")
                }
            } else {
                let pos = json["position_embedding_type"]?.string ?? "absolute"
                guard pos == "absolute" else {
                    throw .unsupported("teacher position_embedding_type \"\(pos)\": only \"absolute\" is supported")
                }
            }
            if let e = json["embedding_size"]?.int, e != hidden {
                throw .unsupported("teacher embedding_size \(e) != hidden_size \(hidden) (ALBERT/ELECTRA-style projection)")
            }
        }
        if case .countedFromPadding(let p) = positions, p < 0 || p + 1 >= maxPositions {
            throw .format("config.json: pad_token_id \(p) leaves no positions of \(maxPositions)")
        }
        if architecture != .decoder {
            kvHeads = heads
            headDim = heads > 0 ? hidden / heads : 0
            qkvBias = attentionBias
            outBias = attentionBias
            guard heads > 0, hidden % heads == 0 else {
                throw .format("config.json: hidden size \(hidden) is not a multiple of \(heads) heads")
            }
        }
        guard kvHeads > 0, kvHeads <= heads, heads % kvHeads == 0, headDim > 0, headDim <= 1 << 12,
              heads <= 1 << 10 else {
            throw .format("config.json: \(heads) attention heads, \(kvHeads) key/value heads, head_dim \(headDim)")
        }
        guard hidden > 0, layers > 0, heads > 0, intermediate > 0, maxPositions > 0,
              typeVocab >= 0, vocabSize > 0, hidden <= 1 << 16, intermediate <= 1 << 18, layers <= 256,
              vocabSize <= Limits.maxTokenId, maxPositions <= 1 << 20, typeVocab <= 1 << 16 else {
            throw .format("config.json: inconsistent sizes (hidden \(hidden), heads \(heads), layers \(layers), vocab \(vocabSize))")
        }
        if positions == .rotary, headDim % 2 != 0 {
            throw .format("config.json: rotary embeddings need an even head size (got \(headDim))")
        }
    }
}
