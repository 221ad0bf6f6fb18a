// Saving: save_pretrained's folder, written by the one model-folder writer (ModelFolder).
import M2VSupport
import SafeTensors

/// Options of `StaticModel.save` (model2vec's save_pretrained arguments and the model's
/// mutable Python-side state).
public struct SaveOptions: Sendable {
    /// The config to write instead of `effectiveConfig` (model2vec writes its `config` dict).
    public var config: JSON?
    /// The card's model name; nil = the folder's name.
    public var modelName: String?
    /// Save into `path/subfolder`.
    public var subfolder: String?
    /// With `replaceMetadata`, the card's base model / language instead of the model's own
    /// (nil = none).
    public var baseModelName: String?
    public var language: [String]?
    public var replaceMetadata = false
    /// Files written into the folder with the model's (a pipeline's head.safetensors).
    public var extraFiles: [FileIO.Content] = []
    public init(config: JSON? = nil, modelName: String? = nil, subfolder: String? = nil,
                baseModelName: String? = nil, language: [String]? = nil) {
        self.config = config; self.modelName = modelName; self.subfolder = subfolder
        self.baseModelName = baseModelName; self.language = language
    }
}

extension StaticModel {
    /// numpy's dtype name for a table dtype, as model2vec writes "embedding_dtype".
    static func numpyName(_ d: DType) -> String { ModelFolder.numpyName(d) }

    /// Writes the model to `dir` (created if needed) as model2vec's save_pretrained does, all at
    /// once and durably (ModelFolder.write); returns how the folder was published.
    @discardableResult
    public func save(to dir: String, options: SaveOptions = SaveOptions()) throws(M2VError) -> AtomicFolder.Method {
        if let c = options.config, c.object == nil { throw .invalidArgument("config must be a JSON object") }
        let contents = ModelFolder.Contents(
            embeddings: embeddingTensor, weights: weightsTensor, mapping: mappingTensor,
            tokenizerJSON: tokenizer.sourceJSON, config: options.config ?? effectiveConfig,
            baseModel: options.replaceMetadata ? options.baseModelName : baseModelName,
            language: options.replaceMetadata ? options.language : language,
            modelName: options.modelName, extraFiles: options.extraFiles)
        return try ModelFolder.write(contents, to: dir, subfolder: options.subfolder)
    }
}
