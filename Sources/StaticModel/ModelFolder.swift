// StaticModel/ModelFolder — the one writer of model2vec model folders, used by save_pretrained
// (StaticModel.save) and by the distiller: model.safetensors ("embeddings", plus "weights" and
// "mapping" when present), tokenizer.json, config.json (the config with "embedding_dtype" and
// "vocabulary_quantization" set as model2vec 0.10's save_pretrained sets them, indent 4),
// modules.json (a Normalize module when config "normalize" is true) and the README.md model card.
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

        public init(embeddings: ModelTensor, weights: ModelTensor?, mapping: ModelTensor?, tokenizerJSON: [UInt8],
                    config: JSON, baseModel: String?, language: [String]?, modelName: String?) {
            self.embeddings = embeddings; self.weights = weights; self.mapping = mapping
            self.tokenizerJSON = tokenizerJSON; self.config = config; self.baseModel = baseModel
            self.language = language; self.modelName = modelName
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

    /// Writes the folder `dir` (or `dir/subfolder`), created if needed; existing files of the
    /// same names are replaced.
    public static func write(_ c: Contents, to dir: String, subfolder: String? = nil) throws(M2VError) {
        var folder = dir
        if let s = subfolder, !s.isEmpty { folder = FileIO.join(dir, s) }
        try FileIO.makeDirectories(folder)
        var writer = SafeTensorsWriter()
        func add(_ name: String, _ t: ModelTensor) throws(M2VError) {
            try writer.add(name: name, dtype: t.dtype, shape: t.shape, bytes: Array(t.bytes))
        }
        try add("embeddings", c.embeddings)
        if let w = c.weights { try add("weights", w) }
        if let m = c.mapping { try add("mapping", m) }
        try writer.write(to: FileIO.join(folder, "model.safetensors"))
        try FileIO.write(FileIO.join(folder, "tokenizer.json"), c.tokenizerJSON)
        let config = savedConfig(c)
        try FileIO.write(FileIO.join(folder, "config.json"), string: config.serialized(indent: 4))

        var modules: [JSON] = [.object([("idx", .number(0)), ("name", .string("0")), ("path", .string(".")),
                                        ("type", .string("sentence_transformers.models.StaticEmbedding"))])]
        if config["normalize"]?.bool == true {
            modules.append(.object([("idx", .number(1)), ("name", .string("1")), ("path", .string("1_Normalize")),
                                    ("type", .string("sentence_transformers.models.Normalize"))]))
        }
        try FileIO.write(FileIO.join(folder, "modules.json"), string: JSON.array(modules).serialized(indent: 4))
        let name = c.modelName ?? FileIO.lastComponent(folder)
        try FileIO.write(FileIO.join(folder, "README.md"),
                         string: ModelCard.render(baseModel: c.baseModel, language: c.language, name: name))
    }
}
