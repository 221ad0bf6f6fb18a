// StaticModel — owns model2vec models: loading a model folder (config.json, model.safetensors
// mapped without copying, tokenizer.json), encode / encode_as_sequence / tokenize with
// model2vec 0.10's exact semantics, the pooling kernels, threading over texts, and saving in
// model2vec's folder format.
import M2VSupport
import SafeTensors
import Tokenizers

/// A loaded static embedding model. Immutable after `load`; every method may be called from
/// many threads at once.
public final class StaticModel: @unchecked Sendable {
    public let tokenizer: Tokenizer
    /// The parsed config.json (model2vec's keys: normalize, max_length, apply_pca, ...).
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
    /// Folder the model was loaded from.
    public let path: String

    let file: SafeTensorsFile
    /// The table (mapped, or an aligned copy when the file's data is misaligned).
    let table: UnsafeRawPointer
    let ownedTable: UnsafeMutableRawPointer?
    /// token id -> row, when the model was vocabulary-quantized.
    let mapping: [Int32]?
    /// per-token weights, when present.
    let weights: [Float]?
    /// Adds one row of the table to an accumulator (chosen for the dtype and the CPU at load).
    let rowKernel: RowKernel
    /// Tensors saved back as they were read.
    let weightsTensor: TensorInfo?
    let mappingTensor: TensorInfo?

    /// Every token string, NUL-terminated, for `tokenCString` (stable for the model's lifetime).
    let tokenArena: UnsafeMutablePointer<CChar>
    let tokenStarts: [Int]

    deinit {
        ownedTable?.deallocate()
        tokenArena.deallocate()
    }

    /// Token `id` as a NUL-terminated C string owned by the model, with its byte length.
    public func tokenCString(_ id: Int32) -> (UnsafePointer<CChar>, Int)? {
        let i = Int(id)
        guard i >= 0, i + 1 < tokenStarts.count else { return nil }
        let start = tokenStarts[i]
        return (UnsafePointer(tokenArena + start), tokenStarts[i + 1] - start - 1)
    }

    /// Loads a model folder. `normalize` overrides config.json's "normalize".
    public init(path: String, normalize normalizeOverride: Bool? = nil) throws(M2VError) {
        guard FileIO.isDirectory(path) else {
            if FileIO.exists(path) { throw .invalidArgument("\(path): not a folder (give the model folder)") }
            throw .notFound("\(path): no such model folder")
        }
        let layout = try ModelLayout.find(in: path)
        self.path = path
        let cfgBytes = try FileIO.read(layout.config, limit: 64 << 20)
        var cfg: JSON
        do { cfg = try JSON.parse(cfgBytes) } catch { throw error.context(layout.config) }
        if cfg.object == nil { throw .format("\(layout.config): must hold a JSON object") }
        config = cfg

        tokenizer = try Tokenizer(path: layout.tokenizer)
        do {
            file = try SafeTensorsFile(path: layout.weights)
        } catch {
            throw error.context(layout.weights)
        }
        let stName = layout.weights
        guard let emb = file.tensor(named: layout.embeddingName) ?? file.tensor(named: "embeddings")
                ?? file.tensor(named: "embedding.weight") else {
            throw .format("\(stName): no \"\(layout.embeddingName)\" tensor (found: \(file.tensors.map { $0.name }.joined(separator: ", ")))")
        }
        guard emb.shape.count == 2, emb.shape[0] > 0, emb.shape[1] > 0 else {
            throw .format("\(stName): \"\(emb.name)\" must be a non-empty 2-D table, shape is \(emb.shape)")
        }
        switch emb.dtype {
        case .F32, .F16, .BF16, .F64, .I8, .U8: break
        default: throw .unsupported("\(stName): embedding dtype \(emb.dtype.rawValue) is not supported")
        }
        dtype = emb.dtype
        rowKernel = Pooling.kernel(for: emb.dtype)
        rows = emb.shape[0]
        dim = emb.shape[1]
        let raw = file.bytes(emb)
        guard let base = raw.baseAddress else { throw .format("\(stName): empty embedding data") }
        if Int(bitPattern: base) % max(1, emb.dtype.size) != 0 {
            let copy = UnsafeMutableRawPointer.allocate(byteCount: raw.count, alignment: 16)
            copy.copyMemory(from: base, byteCount: raw.count)
            ownedTable = copy
            table = UnsafeRawPointer(copy)
        } else {
            ownedTable = nil
            table = base
        }

        let vocab = tokenizer.vocabSize
        // mapping (vocabulary quantization): token id -> row
        if let m = file.tensor(named: "mapping") {
            guard m.dtype.isInteger, m.shape.count == 1 else {
                throw .format("\(stName): \"mapping\" must be a 1-D integer tensor")
            }
            let values = try file.int64s(m)
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
                throw .format("\(stName): the table has \(rows) rows but tokenizer.json has \(vocab) tokens (and there is no \"mapping\")")
            }
            mapping = nil
            mappingTensor = nil
        }
        if let w = file.tensor(named: "weights") {
            guard w.shape.count == 1, w.dtype.isFloatingPoint else {
                throw .format("\(stName): \"weights\" must be a 1-D float tensor")
            }
            let values = try file.floats(w)
            guard values.count >= vocab else {
                throw .format("\(stName): \"weights\" has \(values.count) entries, the tokenizer has \(vocab) tokens")
            }
            weights = values
            weightsTensor = w
        } else {
            weights = nil
            weightsTensor = nil
        }

        // normalize: argument, else config, else false. max_length: config, else 512 (null = none).
        if let n = normalizeOverride {
            normalize = n
        } else if let v = cfg["normalize"], !v.isNull {
            guard let b = v.bool else {
                throw .format("\(layout.config): \"normalize\" must be true, false or null")
            }
            normalize = b
        } else {
            normalize = false
        }
        if let ml = cfg["max_length"] {
            if ml.isNull { maxLength = nil } else if let v = ml.int, v > 0 { maxLength = v } else {
                throw .format("\(layout.config): \"max_length\" must be a positive integer or null")
            }
        } else {
            maxLength = 512
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

/// Where the files of a model folder are (model2vec's layout or a sentence-transformers one).
struct ModelLayout {
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
            return c
        }
        var missing: [String] = []
        // isRegularFile, not exists: a folder named config.json must be named here too (issue 8).
        for name in ["config.json", "model.safetensors", "tokenizer.json"] where !FileIO.isRegularFile(j(dir, name)) {
            missing.append(name)
        }
        throw .notFound("\(dir): not a model2vec model folder (missing or not a file: \(missing.joined(separator: ", ")); also tried the sentence-transformers layouts)")
    }
}
