// Distill/Pipeline — model2vec 0.10's distill(): vocabulary → teacher forward → pooling →
// nan_to_num → SIF weights → PCA → rows × weights → quantize → the model folder (config.json,
// model.safetensors, tokenizer.json, modules.json, README.md) exactly as save_pretrained writes it.
import M2VSupport
import SafeTensors
import StaticModel
#if canImport(Glibc)
import Glibc
#endif

/// The table dtype of the distilled model (model2vec's quantize_to).
public enum QuantizeTo: String, Sendable, CaseIterable {
    case float16, float32, float64, int8
}

/// The options of `Distiller.distill`, defaulting to model2vec's.
public struct DistillOptions: Sendable {
    public var pcaDims: PCADims = .components(256)
    /// SIF coefficient a in (0, 1), or nil for no weighting.
    public var sifCoefficient: Double? = 1e-4
    public var tokenRemovePattern: TokenRemovePattern = .unusedTokens
    public var quantizeTo: QuantizeTo = .float16
    public var pooling: PoolingMode = .mean
    /// model2vec's custom `vocabulary`: words added to the tokenizer (see DistillVocabulary).
    public var vocabulary: [String] = []
    /// model2vec's `vocabulary_quantization`: the number of k-means clusters, or nil.
    public var vocabularyQuantization: Int? = nil
    /// Threads for the forward pass; 0 = all cores.
    public var threads: Int = 0
    /// "tokenizer_name" in config.json and the card's base model; nil = as model2vec: the teacher
    /// as given (path or hub id) in config.json, the folder's name (or the hub id) in the card.
    public var baseModelName: String? = nil
    public var progress: DistillProgress? = nil
    public init() {}
}

/// A distilled model in memory, before it is written.
public struct DistilledModel: Sendable {
    public var vocabulary: DistillVocabulary
    /// [rows, dim] float64 (rows × SIF weights), before quantization.
    public var table: [Double]
    public var dim: Int
    /// Per-token SIF weights and cluster of each token (vocabulary quantization only).
    public var weights: [Double]? = nil
    public var mapping: [Int32]? = nil
    public var options: DistillOptions
    /// config.json's "tokenizer_name": the teacher as the caller named it (model2vec's name_or_path).
    public var baseModelName: String
    /// The model card's base model: the folder's name for a local teacher, else the hub id.
    public var cardModelName: String
}

extension Distiller {
    /// Distills the teacher (a Hugging Face folder: config.json, model.safetensors,
    /// tokenizer.json; or a hub id "org/name" found in the local Hugging Face cache) into a
    /// model2vec folder at `outputDir`.
    public static func distill(teacher dir: String, options: DistillOptions = DistillOptions(),
                               to outputDir: String) throws(M2VError) {
        let model = try build(teacher: dir, options: options)
        try write(model, to: outputDir)
    }

    /// The in-memory steps of `distill`.
    public static func build(teacher dir: String, options: DistillOptions) throws(M2VError) -> DistilledModel {
        if let a = options.sifCoefficient, !(a > 0 && a < 1) {
            throw .invalidArgument("SIF coefficient must be > 0 and < 1 (got \(a))")
        }
        let given = dir
        let dir = try HubCache.resolve(given)
        let tokPath = FileIO.join(dir, "tokenizer.json")
        guard FileIO.isRegularFile(tokPath) else { throw .notFound("teacher tokenizer.json not found in \(dir)") }
        let vocab = try DistillVocabulary(teacherTokenizerJSON: FileIO.read(tokPath, limit: Limits.tokenizerJSONBytes),
                                          config: TeacherTokenizerConfig(folder: dir), remove: options.tokenRemovePattern,
                                          words: options.vocabulary)
        let teacher = try Transformer(folder: dir)
        let raw = try embed(model: teacher, sequences: vocab.teacherInputs, pooling: options.pooling,
                            padId: vocab.padId, threads: options.threads, progress: options.progress)
        return try finish(raw: raw, vocabulary: vocab, hidden: teacher.config.hidden, options: options,
                          baseModelName: options.baseModelName ?? given,
                          cardModelName: options.baseModelName ?? (dir == given ? FileIO.lastComponent(given) : given))
    }

    /// PCA and SIF weighting of the pooled teacher vectors `raw` ([rows, hidden]).
    public static func finish(raw: [Float], vocabulary: DistillVocabulary, hidden: Int, options: DistillOptions,
                              baseModelName: String, cardModelName: String? = nil) throws(M2VError) -> DistilledModel {
        let rows = vocabulary.tokens.count
        let weights = PCA.sifWeights(count: rows, sif: options.sifCoefficient)
        if let k = options.vocabularyQuantization {
            let (centers, labels) = try KMeans.fit(raw, rows: rows, dim: hidden, k: k)
            let (reduced, dim) = try PCA.apply(centers, rows: k, dim: hidden, options.pcaDims)
            return DistilledModel(vocabulary: vocabulary, table: reduced.map { Double($0) }, dim: dim, weights: weights,
                                  mapping: labels, options: options, baseModelName: baseModelName,
                                  cardModelName: cardModelName ?? baseModelName)
        }
        let (reduced, dim) = try PCA.apply(raw, rows: rows, dim: hidden, options.pcaDims)
        var table = [Double](repeating: 0, count: rows * dim)
        for r in 0..<rows { for j in 0..<dim { table[r * dim + j] = Double(reduced[r * dim + j]) * weights[r] } }
        return DistilledModel(vocabulary: vocabulary, table: table, dim: dim, options: options, baseModelName: baseModelName,
                              cardModelName: cardModelName ?? baseModelName)
    }

    /// model2vec's quantize_embeddings on a float64 table: (dtype, bytes) (Requantize's `cast`).
    public static func quantize(_ t: [Double], to q: QuantizeTo) -> (DType, [UInt8]) {
        cast(t, from: .F64, to: q)
    }

    /// Writes the model folder (created if needed) in model2vec 0.10's format.
    public static func write(_ m: DistilledModel, to dir: String) throws(M2VError) {
        let rows = m.table.count / max(m.dim, 1)
        let (dtype, bytes) = quantize(m.table, to: m.options.quantizeTo)
        let apply: JSON
        switch m.options.pcaDims {
        case .none: apply = .null
        case .auto: apply = .string("auto")
        case .components(let k): apply = .number(Double(k))
        case .explainedVariance(let v): apply = .number(v)
        }
        let config: JSON = .object([
            ("model_type", .string("model2vec")), ("architectures", .array([.string("StaticModel")])),
            ("tokenizer_name", .string(m.baseModelName)), ("apply_pca", apply),
            ("sif_coefficient", m.options.sifCoefficient.map { .number($0) } ?? .null),
            ("hidden_dim", .number(Double(m.dim))), ("seq_length", .number(1_000_000)),
            ("normalize", .bool(true)), ("pooling", .string(m.options.pooling.rawValue)),
            ("max_length", .number(512)), ("embedding_dtype", .string(m.options.quantizeTo.rawValue)),
        ] + (m.mapping == nil ? [] : [("vocabulary_quantization", .number(Double(rows)))]))
        // One writer for distilled and saved models (StaticModel's ModelFolder).
        let weights = m.weights ?? [], mapping = m.mapping ?? []
        // withUnsafeBytes is not typed-throws: the writer's error is carried out as a value.
        let failure: M2VError? = bytes.withUnsafeBytes { e -> M2VError? in
            weights.withUnsafeBytes { w -> M2VError? in
                mapping.withUnsafeBytes { map -> M2VError? in
                    let hasVQ = m.weights != nil && m.mapping != nil
                    let contents = ModelFolder.Contents(
                        embeddings: ModelTensor(dtype: dtype, shape: [rows, m.dim], bytes: e),
                        weights: hasVQ ? ModelTensor(dtype: .F64, shape: [weights.count], bytes: w) : nil,
                        mapping: hasVQ ? ModelTensor(dtype: .I32, shape: [mapping.count], bytes: map) : nil,
                        tokenizerJSON: m.vocabulary.tokenizerJSON, config: config,
                        baseModel: m.cardModelName, language: nil, modelName: nil)
                    do throws(M2VError) { try ModelFolder.write(contents, to: dir); return nil } catch { return error }
                }
            }
        }
        if let failure { throw failure }
    }
}
