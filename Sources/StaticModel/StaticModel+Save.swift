// Saving in model2vec's folder format: config.json (indent 4, embedding_dtype,
// vocabulary_quantization), model.safetensors ("embeddings" + optional "weights" / "mapping"),
// tokenizer.json, modules.json and a README.md model card — what `save_pretrained` writes.
import M2VSupport
import SafeTensors

extension StaticModel {
    /// numpy's dtype name for a table dtype, as model2vec writes "embedding_dtype".
    static func numpyName(_ d: DType) -> String {
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

    /// Writes the model to `dir` (created if needed).
    public func save(to dir: String) throws(M2VError) {
        try FileIO.makeDirectories(dir)
        var writer = SafeTensorsWriter()
        try writer.add(name: "embeddings", dtype: dtype, shape: [rows, dim],
                       bytes: Array(UnsafeRawBufferPointer(start: table, count: rows * dim * dtype.size)))
        if let w = weightsTensor { try writer.add(name: "weights", dtype: w.dtype, shape: w.shape, bytes: Array(file.bytes(w))) }
        if let m = mappingTensor { try writer.add(name: "mapping", dtype: m.dtype, shape: m.shape, bytes: Array(file.bytes(m))) }
        try writer.write(to: FileIO.join(dir, "model.safetensors"))
        try FileIO.write(FileIO.join(dir, "tokenizer.json"), tokenizer.sourceJSON)

        var members = config.object ?? []
        func set(_ key: String, _ value: JSON?) {
            members.removeAll { $0.key == key }
            if let value { members.append((key, value)) }
        }
        set("normalize", .bool(normalize))
        set("max_length", maxLength.map { .number(Double($0)) } ?? .null)
        set("embedding_dtype", .string(Self.numpyName(dtype)))
        set("vocabulary_quantization", mapping == nil ? nil : .number(Double(rows)))
        try FileIO.write(FileIO.join(dir, "config.json"), string: JSON.object(members).serialized(indent: 4))

        var modules: [JSON] = [.object([("idx", .number(0)), ("name", .string("0")), ("path", .string(".")),
                                        ("type", .string("sentence_transformers.models.StaticEmbedding"))])]
        if normalize {
            modules.append(.object([("idx", .number(1)), ("name", .string("1")), ("path", .string("1_Normalize")),
                                    ("type", .string("sentence_transformers.models.Normalize"))]))
        }
        try FileIO.write(FileIO.join(dir, "modules.json"), string: JSON.array(modules).serialized(indent: 4))
        try FileIO.write(FileIO.join(dir, "README.md"), string: modelCard())
    }

    func modelCard() -> String {
        let base = config["tokenizer_name"]?.string ?? config["base_model"]?.string ?? "unknown"
        return """
        ---
        library_name: model2vec
        license: mit
        model_name: m2v-static-model
        tags:
        - embeddings
        - static-embeddings
        - sentence-transformers
        ---

        # Static embedding model

        A [Model2Vec](https://github.com/MinishLab/model2vec) static embedding model saved by m2v
        \(M2VVersion.string). Base model: \(base). Dimensions: \(dim), vocabulary: \(tokenizer.vocabSize) tokens,
        table dtype: \(Self.numpyName(dtype)), normalize: \(normalize).

        ## Usage

        ```python
        from model2vec import StaticModel
        model = StaticModel.from_pretrained("path/to/this/folder")
        embeddings = model.encode(["It's dangerous to go alone!"])
        ```

        or with m2v: `m2v_native.StaticModel.from_pretrained(...)`, or `m2v_model_load()` from C.

        """
    }
}

/// The package version, as in include/m2v.h (kept equal by a test).
public enum M2VVersion {
    public static let string = "0.1.0"
}
