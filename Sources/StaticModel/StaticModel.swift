// StaticModel — owns model2vec models: loading a model folder (config.json, model.safetensors
// mapped without copying, tokenizer.json) or building one from caller arrays, the defaults of
// model2vec 0.10 (`ModelDefaults`: max_length, normalize, batch size — decided here only),
// encode / encode_as_sequence / tokenize with model2vec 0.10's exact semantics, the pooling
// kernels, threading over texts, and the one model-folder writer (`ModelFolder`) used by
// save_pretrained and the distiller.
import M2VSupport
import SafeTensors
import Tokenizers

/// model2vec 0.10's defaults, decided once here; the C API's default params and the Python
/// layer derive from these values.
public enum ModelDefaults {
    /// `DEFAULT_MAX_LENGTH`: encode's truncation in tokens when config.json has no "max_length".
    public static let maxLength = 512
    /// `_DEFAULT_NORMALIZE`: when neither the call nor config.json says.
    public static let normalize = false
    /// Texts per batch of encode (between progress calls), as model2vec's `batch_size`.
    public static let batchSize = 1024
    /// Load: map model.safetensors (true) or read it into memory (false). See m2v_load_params.mmap.
    public static let mmap = true
}

/// How a model's default max_length is chosen at load.
public enum MaxLengthChoice: Sendable, Equatable {
    /// config.json's "max_length" (null = none), else `ModelDefaults.maxLength`.
    case fromConfig
    /// No truncation.
    case none
    /// This many tokens (> 0).
    case tokens(Int)
}

/// A tensor of a model: its bytes stay valid (and unchanged) for the model's lifetime — a view
/// into the mapped file, or into a copy the model owns.
public struct ModelTensor: @unchecked Sendable {
    public let dtype: DType
    public let shape: [Int]
    public let bytes: UnsafeRawBufferPointer
    public init(dtype: DType, shape: [Int], bytes: UnsafeRawBufferPointer) {
        self.dtype = dtype; self.shape = shape; self.bytes = bytes
    }
}

/// A loaded static embedding model. Immutable after `load`; every method may be called from
/// many threads at once.
public final class StaticModel: @unchecked Sendable {
    public let tokenizer: Tokenizer
    /// config.json as loaded (or as given), without the load-time overrides.
    public let config: JSON
    /// Embedding width.
    public let dim: Int
    /// Rows of the embedding table (vocabulary size, or cluster count with a mapping).
    public let rows: Int
    public let dtype: DType
    /// Whether encode L2-normalizes by default.
    public let normalize: Bool
    /// Default truncation of encode in tokens; nil means none.
    public let maxLength: Int?
    /// `int(numpy.median([len(token) for token in vocabulary]))`, lengths in code points.
    public let medianTokenLength: Int
    /// The unknown token's id, dropped from every tokenization.
    public let unkId: Int32?
    /// Folder the model was loaded from ("" for a model built from arrays).
    public let path: String
    /// The model card's `base_model` and `language` (README.md front matter), as model2vec
    /// reads them into `base_model_name` / `language`.
    public let baseModelName: String?
    public let language: [String]?

    /// The mapped file (nil for a model built from arrays); keeps the tensor views valid.
    let file: SafeTensorsFile?
    /// The table (mapped, or an aligned copy when the file's data is misaligned).
    let table: UnsafeRawPointer
    /// Memory the model owns (copies), freed in deinit.
    let owned: [UnsafeMutableRawPointer]
    /// token id -> row, when the model was vocabulary-quantized.
    let mapping: [Int32]?
    /// per-token weights, when present.
    let weights: [Float]?
    /// Adds one row of the table to an accumulator (chosen for the dtype and the CPU at load).
    let rowKernel: RowKernel
    /// Whether model2vec computes this model's mean in float64 (a float64 table or weights, or
    /// an integer table without weights, which numpy's mean widens to float64); then long texts
    /// are summed with a float64 total (see `poolBlock`), else in float32 in token order as
    /// numpy's float32 mean along the token axis does.
    let wideAccumulation: Bool
    /// The tensors as stored: "embeddings", and "weights" / "mapping" when present.
    public let embeddingTensor: ModelTensor
    public let weightsTensor: ModelTensor?
    public let mappingTensor: ModelTensor?

    /// Every token string, NUL-terminated, for `tokenCString` (stable for the model's lifetime).
    let tokenArena: UnsafeMutablePointer<CChar>
    let tokenStarts: [Int]
    /// `effectiveConfig` serialized (config.json as model2vec holds it after load), NUL-terminated.
    let configArena: [CChar]
    /// `metadata` serialized, NUL-terminated.
    let metadataArena: [CChar]

    deinit {
        for p in owned { p.deallocate() }
        tokenArena.deallocate()
    }

    /// Token `id` as a NUL-terminated C string owned by the model, with its byte length.
    public func tokenCString(_ id: Int32) -> (UnsafePointer<CChar>, Int)? {
        let i = Int(id)
        guard i >= 0, i + 1 < tokenStarts.count else { return nil }
        let start = tokenStarts[i]
        return (UnsafePointer(tokenArena + start), tokenStarts[i + 1] - start - 1)
    }

    /// {"base_model": ..., "language": [...]} (null when absent), model2vec's card metadata.
    public var metadata: JSON {
        .object([("base_model", baseModelName.map { .string($0) } ?? .null),
                 ("language", language.map { .array($0.map { .string($0) }) } ?? .null)])
    }

    /// `metadata` as NUL-terminated compact JSON owned by the model, with its byte length.
    public func withMetadataJSON<R>(_ body: (UnsafePointer<CChar>, Int) -> R) -> R {
        metadataArena.withUnsafeBufferPointer { b in body(b.baseAddress!, b.count - 1) }
    }

    /// `effectiveConfig` as NUL-terminated compact JSON owned by the model, with its byte length.
    public func withConfigJSON<R>(_ body: (UnsafePointer<CChar>, Int) -> R) -> R {
        configArena.withUnsafeBufferPointer { b in body(b.baseAddress!, b.count - 1) }
    }

    /// config.json as model2vec holds it after loading: the file's object with "max_length"
    /// and then "normalize" set to the model's values (replaced in place when present,
    /// appended otherwise), as StaticModel.__init__'s setters do.
    public var effectiveConfig: JSON {
        config.setting("max_length", maxLength.map { .number(Double($0)) } ?? .null)
            .setting("normalize", .bool(normalize))
    }

    /// Loads a model folder. `normalize` overrides config.json's "normalize"; `maxLength`
    /// chooses encode's default truncation; `mmap` maps model.safetensors (the table is used in
    /// place; truncating the file in place while loaded is fatal, SIGBUS) or reads it into
    /// memory the model owns (later changes to the file cannot affect the model).
    public convenience init(path: String, normalize normalizeOverride: Bool? = nil,
                            maxLength: MaxLengthChoice = .fromConfig, mmap: Bool = ModelDefaults.mmap) throws(M2VError) {
        guard FileIO.isDirectory(path) else {
            if FileIO.exists(path) { throw .invalidArgument("\(path): not a folder (give the model folder)") }
            throw .notFound("\(path): no such model folder")
        }
        let layout = try ModelLayout.find(in: path)
        let cfgBytes = try FileIO.read(layout.config, limit: Limits.configJSONBytes)
        var cfg: JSON
        do { cfg = try JSON.parse(cfgBytes) } catch { throw error.context(layout.config) }
        if cfg.object == nil { throw .format("\(layout.config): must hold a JSON object") }

        let tokenizer = try Tokenizer(path: layout.tokenizer)
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(path: layout.weights, mapped: mmap)
        } catch {
            throw error.context(layout.weights)
        }
        let stName = layout.weights
        guard let emb = file.tensor(named: layout.embeddingName) ?? file.tensor(named: "embeddings")
                ?? file.tensor(named: "embedding.weight") else {
            throw .format("\(stName): no \"\(layout.embeddingName)\" tensor (found: \(file.tensors.map { $0.name }.joined(separator: ", ")))")
        }
        func view(_ t: TensorInfo) -> ModelTensor { ModelTensor(dtype: t.dtype, shape: t.shape, bytes: file.bytes(t)) }
        let card = FileIO.isRegularFile(FileIO.join(layout.folder, "README.md"))
            ? ModelCard.metadata(readme: (try? FileIO.read(FileIO.join(layout.folder, "README.md"), limit: Limits.readmeBytes)) ?? [])
            : ModelCard.Metadata()
        try self.init(tokenizer: tokenizer, config: cfg, configName: layout.config, tensorsName: stName,
                      embeddings: view(emb), weights: file.tensor(named: "weights").map(view),
                      mapping: file.tensor(named: "mapping").map(view), file: file, owned: [],
                      normalize: normalizeOverride, maxLength: maxLength, path: path,
                      baseModelName: card.baseModel, language: card.language)
    }

    /// Builds a model from caller memory, as model2vec's `StaticModel(vectors, tokenizer, ...)`:
    /// every array is copied (the caller keeps ownership of its buffers). `config` must be a
    /// JSON object; `normalize` nil = config's "normalize", else false; `maxLength` as for
    /// loading.
    public convenience init(tokenizerJSON: [UInt8], embeddings: ModelTensor, weights: ModelTensor?,
                            mapping: ModelTensor?, config: JSON, normalize: Bool?, maxLength: MaxLengthChoice,
                            baseModelName: String?, language: [String]?) throws(M2VError) {
        guard config.object != nil else { throw .invalidArgument("config must be a JSON object") }
        let tokenizer = try Tokenizer(jsonBytes: tokenizerJSON)
        var owned: [UnsafeMutableRawPointer] = []
        func copy(_ t: ModelTensor) -> ModelTensor {
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(t.bytes.count, 1), alignment: 16)
            if let b = t.bytes.baseAddress, t.bytes.count > 0 { p.copyMemory(from: b, byteCount: t.bytes.count) }
            owned.append(p)
            return ModelTensor(dtype: t.dtype, shape: t.shape, bytes: UnsafeRawBufferPointer(start: p, count: t.bytes.count))
        }
        let e = copy(embeddings), w = weights.map(copy), m = mapping.map(copy)
        do {
            try self.init(tokenizer: tokenizer, config: config, configName: "config", tensorsName: "vectors",
                          embeddings: e, weights: w, mapping: m, file: nil, owned: owned,
                          normalize: normalize, maxLength: maxLength, path: "",
                          baseModelName: baseModelName, language: language)
        } catch {
            for p in owned { p.deallocate() }
            throw error
        }
    }

    /// The checks and derived state shared by both initializers. Takes ownership of `owned`
    /// only on success.
    private init(tokenizer: Tokenizer, config cfg: JSON, configName: String, tensorsName stName: String,
                 embeddings emb: ModelTensor, weights w: ModelTensor?, mapping m: ModelTensor?,
                 file: SafeTensorsFile?, owned ownedIn: [UnsafeMutableRawPointer],
                 normalize normalizeOverride: Bool?, maxLength maxLengthChoice: MaxLengthChoice, path: String,
                 baseModelName: String?, language: [String]?) throws(M2VError) {
        self.tokenizer = tokenizer
        self.config = cfg.deduplicatingKeys()  // as model2vec's json.load holds it
        self.file = file
        self.path = path
        self.baseModelName = baseModelName
        self.language = language
        guard emb.shape.count == 2, emb.shape[0] > 0, emb.shape[1] > 0 else {
            throw .format("\(stName): the embedding table must be a non-empty 2-D table, shape is \(emb.shape)")
        }
        switch emb.dtype {
        case .F32, .F16, .BF16, .F64, .I8, .U8: break
        default: throw .unsupported("\(stName): embedding dtype \(emb.dtype.rawValue) is not supported")
        }
        let (cells, o1) = emb.shape[0].multipliedReportingOverflow(by: emb.shape[1])
        let (need, o2) = cells.multipliedReportingOverflow(by: emb.dtype.size)
        guard !o1, !o2, emb.bytes.count == need else {
            throw .format("\(stName): the embedding table has \(emb.bytes.count) bytes, shape \(emb.shape) of \(emb.dtype.rawValue) needs \(o1 || o2 ? "more than Int.max" : String(need))")
        }
        dtype = emb.dtype
        rowKernel = Pooling.kernel(for: emb.dtype)
        rows = emb.shape[0]
        dim = emb.shape[1]
        guard emb.bytes.baseAddress != nil else { throw .format("\(stName): empty embedding data") }

        let vocab = tokenizer.vocabSize
        // mapping (vocabulary quantization): token id -> row
        if let m {
            guard m.dtype.isInteger, m.dtype != .BOOL, m.shape.count == 1 else {
                throw .format("\(stName): \"mapping\" must be a 1-D integer tensor")
            }
            let values = try tensorInt64s(m, stName, "mapping")
            guard values.count >= vocab else {
                throw .format("\(stName): \"mapping\" has \(values.count) entries, the tokenizer has \(vocab) tokens")
            }
            var out = [Int32](repeating: 0, count: values.count)
            for (i, v) in values.enumerated() {
                guard v >= 0, v < Int64(rows) else {
                    throw .format("\(stName): mapping[\(i)] = \(v) is outside the \(rows) rows of the table")
                }
                out[i] = Int32(v)
            }
            mapping = out
            mappingTensor = m
        } else {
            guard rows == vocab else {
                throw .format("\(stName): the table has \(rows) rows but the tokenizer has \(vocab) tokens (and there is no \"mapping\")")
            }
            mapping = nil
            mappingTensor = nil
        }
        if let w {
            guard w.shape.count == 1, w.dtype.isFloatingPoint else {
                throw .format("\(stName): \"weights\" must be a 1-D float tensor")
            }
            let values = try tensorFloats(w, stName, "weights")
            guard values.count >= vocab else {
                throw .format("\(stName): \"weights\" has \(values.count) entries, the tokenizer has \(vocab) tokens")
            }
            weights = values
            weightsTensor = w
        } else {
            weights = nil
            weightsTensor = nil
        }

        wideAccumulation = emb.dtype == .F64 || w?.dtype == .F64 || (emb.dtype.isInteger && w == nil)
        // normalize: argument, else config, else false. max_length: argument, else config
        // (null = none), else 512.
        if let n = normalizeOverride {
            normalize = n
        } else if let v = cfg["normalize"], !v.isNull {
            guard let b = v.bool else {
                throw .format("\(configName): \"normalize\" must be true, false or null")
            }
            normalize = b
        } else {
            normalize = ModelDefaults.normalize
        }
        switch maxLengthChoice {
        case .none: maxLength = nil
        case .tokens(let n):
            guard n > 0 else { throw .invalidArgument("max_length must be > 0 (got \(n))") }
            maxLength = n
        case .fromConfig:
            if let ml = cfg["max_length"] {
                if ml.isNull { maxLength = nil } else if let v = ml.int, v > 0 { maxLength = v } else {
                    throw .format("\(configName): \"max_length\" must be a positive integer or null")
                }
            } else {
                maxLength = ModelDefaults.maxLength
            }
        }
        medianTokenLength = Self.medianLength(tokenizer)
        var arena: [UInt8] = []
        var starts: [Int] = []
        for id in 0..<tokenizer.vocabSize {
            starts.append(arena.count)
            arena.append(contentsOf: tokenizer.token(forId: Int32(id)) ?? [])
            arena.append(0)
        }
        starts.append(arena.count)
        let buf = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, arena.count))
        arena.withUnsafeBytes { raw in
            if let b = raw.baseAddress { UnsafeMutableRawPointer(buf).copyMemory(from: b, byteCount: raw.count) }
        }
        tokenArena = buf
        tokenStarts = starts
        unkId = tokenizer.unkId
        // Last, so that nothing can throw after this allocation: a misaligned table (possible
        // in a mapped file) gets an aligned copy the model owns.
        var owned = ownedIn
        let base = emb.bytes.baseAddress!
        if Int(bitPattern: base) % max(1, emb.dtype.size) != 0 {
            let copy = UnsafeMutableRawPointer.allocate(byteCount: emb.bytes.count, alignment: 16)
            copy.copyMemory(from: base, byteCount: emb.bytes.count)
            owned.append(copy)
            embeddingTensor = ModelTensor(dtype: emb.dtype, shape: emb.shape,
                                          bytes: UnsafeRawBufferPointer(start: copy, count: emb.bytes.count))
        } else {
            embeddingTensor = emb
        }
        table = embeddingTensor.bytes.baseAddress!
        self.owned = owned
        let effective = config.setting("max_length", maxLength.map { .number(Double($0)) } ?? .null)
            .setting("normalize", .bool(normalize))
        configArena = Array(effective.serialized().utf8).map { CChar(bitPattern: $0) } + [0]
        let meta: JSON = .object([("base_model", baseModelName.map { .string($0) } ?? .null),
                                  ("language", language.map { .array($0.map { .string($0) }) } ?? .null)])
        metadataArena = Array(meta.serialized().utf8).map { CChar(bitPattern: $0) } + [0]
    }

    /// numpy's median of token lengths in code points, truncated to an int.
    static func medianLength(_ tok: Tokenizer) -> Int {
        var lengths: [Int] = []
        lengths.reserveCapacity(tok.vocabSize)
        for id in 0..<tok.vocabSize {
            guard let bytes = tok.token(forId: Int32(id)) else { continue }
            var n = 0
            for b in bytes where b & 0xC0 != 0x80 { n += 1 }
            lengths.append(n)
        }
        guard !lengths.isEmpty else { return 1 }
        lengths.sort()
        let c = lengths.count
        let median = c % 2 == 1 ? Double(lengths[c / 2]) : Double(lengths[c / 2 - 1] + lengths[c / 2]) / 2
        return Int(median)
    }
}

/// The integer values of a tensor given to a model (a `.format` error naming it otherwise).
private func tensorInt64s(_ t: ModelTensor, _ file: String, _ name: String) throws(M2VError) -> [Int64] {
    guard t.bytes.count % t.dtype.size == 0, let v = TensorValues.int64s(t.bytes, t.dtype) else {
        throw .format("\(file): \"\(name)\" must be a whole integer tensor (dtype \(t.dtype.rawValue), \(t.bytes.count) bytes)")
    }
    return v
}

/// The float values of a tensor given to a model.
private func tensorFloats(_ t: ModelTensor, _ file: String, _ name: String) throws(M2VError) -> [Float] {
    guard t.bytes.count % t.dtype.size == 0 else {
        throw .format("\(file): \"\(name)\" has \(t.bytes.count) bytes, not a whole number of \(t.dtype.rawValue) values")
    }
    return TensorValues.floats(t.bytes, t.dtype)
}

/// Where the files of a model folder are (model2vec's layout or a sentence-transformers one).
struct ModelLayout {
    /// The folder itself.
    var folder: String = ""
    var config: String
    var weights: String
    var tokenizer: String
    var embeddingName: String

    static func find(in dir: String) throws(M2VError) -> ModelLayout {
        let j = FileIO.join
        let candidates = [
            ModelLayout(config: j(dir, "config.json"), weights: j(dir, "model.safetensors"),
                        tokenizer: j(dir, "tokenizer.json"), embeddingName: "embeddings"),
            ModelLayout(config: j(dir, "config_sentence_transformers.json"), weights: j(dir, "model.safetensors"),
                        tokenizer: j(dir, "tokenizer.json"), embeddingName: "embedding.weight"),
            ModelLayout(config: j(dir, "config_sentence_transformers.json"),
                        weights: j(dir, "0_StaticEmbedding/model.safetensors"),
                        tokenizer: j(dir, "0_StaticEmbedding/tokenizer.json"), embeddingName: "embedding.weight"),
        ]
        for c in candidates where FileIO.isRegularFile(c.config) && FileIO.isRegularFile(c.weights)
            && FileIO.isRegularFile(c.tokenizer) {
            var found = c
            found.folder = dir
            return found
        }
        var missing: [String] = []
        // isRegularFile, not exists: a folder named config.json must be named here too (issue 8).
        for name in ["config.json", "model.safetensors", "tokenizer.json"] where !FileIO.isRegularFile(j(dir, name)) {
            missing.append(name)
        }
        throw .notFound("\(dir): not a model2vec model folder (missing or not a file: \(missing.joined(separator: ", ")); also tried the sentence-transformers layouts)")
    }
}
