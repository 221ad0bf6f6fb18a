// StaticModel/ModelFolder — the one writer of model2vec model folders, used by save_pretrained
// (StaticModel.save) and by the distiller: model.safetensors ("embeddings", plus "weights" and
// "mapping" when present), tokenizer.json, config.json (the config with "embedding_dtype" and
// "vocabulary_quantization" set as model2vec 0.10's save_pretrained sets them, indent 4),
// modules.json (a Normalize module when config "normalize" is true) and the README.md model card,
// published all at once and durably by M2VSupport's AtomicFolder.
import M2VSupport
import SafeTensors

public enum ModelFolder {
    /// Everything a model folder holds.
    public struct Contents {
        public var embeddings: ModelTensor
        public var weights: ModelTensor?
        public var mapping: ModelTensor?
        public var tokenizerJSON: [UInt8]
        /// config.json's object before save_pretrained's own keys are set.
        public var config: JSON
        public var baseModel: String?
        public var language: [String]?
        /// The card's model name; nil = the folder's name (as model2vec).
        public var modelName: String?
        /// Further files of the folder (a pipeline's head.safetensors), written before the model.
        public var extraFiles: [FileIO.Content]

        public init(embeddings: ModelTensor, weights: ModelTensor?, mapping: ModelTensor?, tokenizerJSON: [UInt8],
                    config: JSON, baseModel: String?, language: [String]?, modelName: String?,
                    extraFiles: [FileIO.Content] = []) {
            self.embeddings = embeddings; self.weights = weights; self.mapping = mapping
            self.tokenizerJSON = tokenizerJSON; self.config = config; self.baseModel = baseModel
            self.language = language; self.modelName = modelName; self.extraFiles = extraFiles
        }
    }

    /// numpy's dtype name, as model2vec writes "embedding_dtype".
    public static func numpyName(_ d: DType) -> String {
        switch d {
        case .F64: return "float64"
        case .F32: return "float32"
        case .F16: return "float16"
        case .BF16: return "bfloat16"
        case .I64: return "int64"
        case .I32: return "int32"
        case .I16: return "int16"
        case .I8: return "int8"
        case .U8: return "uint8"
        case .BOOL: return "bool"
        }
    }

    /// The config.json save_pretrained writes for `c`.
    public static func savedConfig(_ c: Contents) -> JSON {
        c.config.setting("embedding_dtype", .string(numpyName(c.embeddings.dtype)))
            .setting("vocabulary_quantization", c.mapping == nil ? nil : .number(Double(c.embeddings.shape.first ?? 0)))
    }

    /// The files of the folder, in the order a file-by-file save renames them into place:
    /// model.safetensors last, so that a reader of a folder that had no model sees none until
    /// every other file is in place.
    public static func files(_ c: Contents, folderName: String) throws(M2VError) -> [FileIO.Content] {
        var writer = SafeTensorsWriter()
        func add(_ name: String, _ t: ModelTensor) throws(M2VError) {
            try writer.add(name: name, dtype: t.dtype, shape: t.shape, bytes: Array(t.bytes))
        }
        try add("embeddings", c.embeddings)
        if let w = c.weights { try add("weights", w) }
        if let m = c.mapping { try add("mapping", m) }
        let config = savedConfig(c)
        var modules: [JSON] = [.object([("idx", .number(0)), ("name", .string("0")), ("path", .string(".")),
                                        ("type", .string("sentence_transformers.models.StaticEmbedding"))])]
        if config["normalize"]?.bool == true {
            modules.append(.object([("idx", .number(1)), ("name", .string("1")), ("path", .string("1_Normalize")),
                                    ("type", .string("sentence_transformers.models.Normalize"))]))
        }
        let name = c.modelName ?? folderName
        return c.extraFiles + [
            FileIO.Content(name: "README.md", bytes: Array(ModelCard.render(baseModel: c.baseModel, language: c.language, name: name).utf8)),
            FileIO.Content(name: "modules.json", bytes: Array(JSON.array(modules).serialized(indent: 4).utf8)),
            FileIO.Content(name: "config.json", bytes: Array(config.serialized(indent: 4).utf8)),
            FileIO.Content(name: "tokenizer.json", bytes: c.tokenizerJSON),
            FileIO.Content(name: "model.safetensors", bytes: writer.serialize()),
        ]
    }

    /// Writes the folder `dir` (or `dir/subfolder`; missing parents are created) all at once
    /// (AtomicFolder): a crash or a failure at any point leaves the old folder or the new one,
    /// every file complete and fsync'ed, never a file rewritten in place. The old folder's other
    /// entries (user files, subfolders) are kept. Returns how the folder was published.
    @discardableResult
    public static func write(_ c: Contents, to dir: String, subfolder: String? = nil) throws(M2VError) -> AtomicFolder.Method {
        var folder = dir
        if let s = subfolder, !s.isEmpty { folder = FileIO.join(dir, s) }
        return try AtomicFolder.write(files(c, folderName: FileIO.lastComponent(folder)), to: folder)
    }
}
