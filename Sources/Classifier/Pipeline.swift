// Classifier/Pipeline — model2vec 0.10's StaticModelPipeline: a StaticModel whose vectors go
// through an MLPHead. Loads and saves the pipeline folder (the model's files plus
// head.safetensors, the head's metadata in config.json's "head_config"), and predicts in
// bounded chunks: encode (the model's pool of threads), then the head.
import M2VSupport
import SafeTensors
import StaticModel

/// What a pipeline predicts, from its head's activation.
public enum PipelineTask: Int32, Sendable {
    case singleLabel = 0
    case multiLabel = 1
    case regression = 2
}

public final class Pipeline: @unchecked Sendable {
    /// The file of the head's tensors in a pipeline folder.
    public static let headFile = "head.safetensors"
    /// Texts encoded per chunk of a prediction (bounds the scratch to chunk x dim floats).
    public static let chunkTexts = 4096
    /// model2vec's default multi-label threshold.
    public static let defaultThreshold: Float = 0.5

    public let model: StaticModel
    public let head: MLPHead

    public var task: PipelineTask {
        switch head.activation {
        case .softmax: return .singleLabel
        case .sigmoid: return .multiLabel
        case .identity: return .regression
        }
    }

    public init(model: StaticModel, head: MLPHead) throws(M2VError) {
        guard head.inputDim == model.dim else {
            throw .invalidArgument("the head takes \(head.inputDim)-dim inputs but the model's dim is \(model.dim)")
        }
        self.model = model; self.head = head
    }

    /// Loads a pipeline folder (or a hub id in the local cache) as model2vec's
    /// `StaticModelPipeline.from_pretrained`: the model as `StaticModel` loads it, with
    /// non-finite table values replaced as numpy's nan_to_num does, and the head.
    public convenience init(path pathOrId: String, normalize: Bool? = nil, maxLength: MaxLengthChoice = .fromConfig,
                            mmap: Bool = ModelDefaults.mmap) throws(M2VError) {
        let dir = try HubCache.resolve(pathOrId)
        let headPath = FileIO.join(dir, Self.headFile)
        guard FileIO.isRegularFile(headPath) else {
            if FileIO.isRegularFile(FileIO.join(dir, "pipeline.skops")) {
                throw .unsupported("\(dir): a legacy pipeline (pipeline.skops, scikit-learn); convert it with model2vec.inference.convert_legacy_pipeline and save_pretrained")
            }
            throw .notFound("\(dir): no \(Self.headFile) (not a model2vec pipeline)")
        }
        var model = try StaticModel(path: dir, normalize: normalize, maxLength: maxLength, mmap: mmap)
        let file = try SafeTensorsFile(path: headPath, mapped: false)
        let head: MLPHead
        do throws(M2VError) { head = try MLPHead(headConfig: model.config["head_config"], tensors: file, inputDim: model.dim) } catch {
            throw error.context(dir)
        }
        model = try Self.finiteTable(model)
        try self.init(model: model, head: head)
    }

    /// numpy's nan_to_num on the table (NaN 0, ±inf the dtype's largest finite value), which
    /// from_pretrained applies; a model whose table is finite is returned as it is.
    static func finiteTable(_ m: StaticModel) throws(M2VError) -> StaticModel {
        let t = m.embeddingTensor
        switch t.dtype {
        case .F32:
            let f = t.bytes.bindMemory(to: Float.self)
            guard f.contains(where: { !$0.isFinite }) else { return m }
            var copy = Array(f)
            for i in copy.indices where !copy[i].isFinite {
                copy[i] = copy[i].isNaN ? 0 : (copy[i] > 0 ? Float.greatestFiniteMagnitude : -Float.greatestFiniteMagnitude)
            }
            return try typed { try copy.withUnsafeBytes { b in try rebuilt(m, ModelTensor(dtype: .F32, shape: t.shape, bytes: b)) } }
        case .F16, .BF16:
            // Exponent all ones = inf or NaN; the largest finite values are 0x7BFF (F16), 0x7F7F (BF16).
            let h = t.bytes.bindMemory(to: UInt16.self)
            let (expMask, maxFinite): (UInt16, UInt16) = t.dtype == .F16 ? (0x7C00, 0x7BFF) : (0x7F80, 0x7F7F)
            guard h.contains(where: { $0 & expMask == expMask }) else { return m }
            var copy = Array(h)
            for i in copy.indices where copy[i] & expMask == expMask {
                let mant = copy[i] & ~expMask & 0x7FFF
                copy[i] = mant != 0 ? 0 : (copy[i] & 0x8000) | maxFinite
            }
            return try typed { try copy.withUnsafeBytes { b in try rebuilt(m, ModelTensor(dtype: t.dtype, shape: t.shape, bytes: b)) } }
        case .F64:
            let d = t.bytes.bindMemory(to: Double.self)
            guard d.contains(where: { !$0.isFinite }) else { return m }
            var copy = Array(d)
            for i in copy.indices where !copy[i].isFinite {
                copy[i] = copy[i].isNaN ? 0 : (copy[i] > 0 ? Double.greatestFiniteMagnitude : -Double.greatestFiniteMagnitude)
            }
            return try typed { try copy.withUnsafeBytes { b in try rebuilt(m, ModelTensor(dtype: .F64, shape: t.shape, bytes: b)) } }
        default:
            return m
        }
    }

    private static func rebuilt(_ m: StaticModel, _ table: ModelTensor) throws(M2VError) -> StaticModel {
        try StaticModel(tokenizerJSON: m.tokenizer.sourceJSON, embeddings: table, weights: m.weightsTensor,
                        mapping: m.mappingTensor, config: m.config, normalize: m.normalize,
                        maxLength: m.maxLength.map { .tokens($0) } ?? .none,
                        baseModelName: m.baseModelName, language: m.language)
    }

    // MARK: Predicting

    /// The head's outputs for every text into `out` (batch.count x head.outputDim floats):
    /// probabilities (softmax / sigmoid) or the raw regression values, as model2vec's
    /// predict_proba / predict on regression heads. `options` are encode's; its progress
    /// callback sees the whole batch.
    public func scores(_ batch: TextBatch, options: EncodeOptions, out: UnsafeMutablePointer<Float>,
                       status: UnsafeMutablePointer<Int32>? = nil) throws(M2VError) {
        try forEachChunk(batch, options: options, status: status) { lo, rows, logits in
            head.activate(logits, rows: rows)
            (out + lo * head.outputDim).update(from: logits, count: rows * head.outputDim)
        }
    }

    /// The predicted labels into `out`: for single-label heads one class index per text (the
    /// argmax of the logits), for multi-label heads batch.count x classes flags (1 where the
    /// probability is above `threshold`). Regression heads have no labels (use `scores`).
    public func predict(_ batch: TextBatch, options: EncodeOptions, threshold: Float = Pipeline.defaultThreshold,
                        out: UnsafeMutablePointer<Int32>, status: UnsafeMutablePointer<Int32>? = nil) throws(M2VError) {
        let n = head.outputDim
        switch task {
        case .regression:
            throw .invalidArgument("a regression head predicts values, not labels: use predict_proba (the raw outputs)")
        case .singleLabel:
            try forEachChunk(batch, options: options, status: status) { lo, rows, logits in
                for r in 0..<rows { out[lo + r] = Int32(MLPHead.argmax(logits + r * n, n)) }
            }
        case .multiLabel:
            guard !threshold.isNaN else { throw .invalidArgument("threshold is NaN") }
            try forEachChunk(batch, options: options, status: status) { lo, rows, logits in
                head.activate(logits, rows: rows)
                let o = out + lo * n
                for k in 0..<(rows * n) { o[k] = logits[k] > threshold ? 1 : 0 }
            }
        }
    }

    /// The head on `rows` vectors (`x`, rows x model dim) into `out` (rows x outputDim): the
    /// logits, or with `activate` the activated outputs. Works in chunks of `chunkTexts` rows.
    public func forward(_ x: UnsafePointer<Float>, rows: Int, activate: Bool, out: UnsafeMutablePointer<Float>) {
        guard rows > 0 else { return }
        let chunk = min(rows, Self.chunkTexts)
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(head.scratchFloats(rows: chunk), 1))
        defer { scratch.deallocate() }
        var lo = 0
        while lo < rows {
            let n = min(chunk, rows - lo)
            let o = out + lo * head.outputDim
            head.logits(x + lo * head.inputDim, rows: n, out: o, scratch: scratch)
            if activate { head.activate(o, rows: n) }
            lo += n
        }
    }

    /// Encodes the batch in chunks of `chunkTexts` and runs the head's logits on each chunk;
    /// `body(first text, rows, logits)` receives rows x outputDim logits it may overwrite.
    private func forEachChunk(_ batch: TextBatch, options: EncodeOptions, status: UnsafeMutablePointer<Int32>?,
                              _ body: (Int, Int, UnsafeMutablePointer<Float>) -> Void) throws(M2VError) {
        let total = batch.count
        guard total > 0 else { return }
        let chunk = min(total, Self.chunkTexts)
        let dim = model.dim
        // Sizes: chunk <= 4096 rows of the model's dim and the head's widths (both bounded by
        // tensors that exist in memory), so these products cannot overflow in practice; checked.
        let (embFloats, o1) = chunk.multipliedReportingOverflow(by: dim)
        let (outFloats, o2) = chunk.multipliedReportingOverflow(by: head.outputDim)
        guard !o1, !o2 else { throw .outOfMemory("prediction scratch too large") }
        let emb = UnsafeMutablePointer<Float>.allocate(capacity: max(embFloats, 1))
        defer { emb.deallocate() }
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: max(outFloats, 1))
        defer { logits.deallocate() }
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(head.scratchFloats(rows: chunk), 1))
        defer { scratch.deallocate() }
        var lo = 0
        while lo < total {
            let rows = min(chunk, total - lo)
            var o = options
            if let p = options.progress {
                let base = lo
                o.progress = { done, _ in p(base + done, total) }
            }
            try model.encode(batch.slice(lo..<(lo + rows)), options: o, out: emb, status: status.map { $0 + lo })
            if model.dtype == .F16 {
                // model2vec's encode returns a float16 table's dtype: the head reads rounded vectors.
                for k in 0..<(rows * dim) { emb[k] = halfToFloat(floatToHalf(emb[k])) }
            }
            head.logits(emb, rows: rows, out: logits, scratch: scratch)
            body(lo, rows, logits)
            lo += rows
        }
    }

    // MARK: Saving

    /// Writes the pipeline folder as model2vec's `save_pretrained`: the model's files with
    /// config.json's "head_config" set, and head.safetensors.
    @discardableResult
    public func save(to dir: String, options: SaveOptions = SaveOptions()) throws(M2VError) -> AtomicFolder.Method {
        var o = options
        let config = (options.config ?? model.effectiveConfig).setting("head_config", head.headConfig)
        o.config = config
        o.extraFiles = [FileIO.Content(name: Self.headFile, bytes: try head.safetensors())]
        return try model.save(to: dir, options: o)
    }
}
