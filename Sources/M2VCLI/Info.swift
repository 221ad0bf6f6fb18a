// `m2v info`: what a model folder holds — dimensions, table dtype, vocabulary, weights and
// mapping, normalization, truncation, the tokenizer's components, the config and model card
// metadata, and for a classifier pipeline its head — as text or one JSON object (--json).
import CM2V
import M2VSupport

enum InfoCommand {
    static let options = [
        OptionSpec(name: "json", short: nil, value: nil, help: "one JSON object instead of text"),
        helpOption,
    ]

    static let help = usage("info", "MODEL [options]",
        """
        Describe MODEL, a model or classifier folder or a hub id in the local cache.
        """, options)

    static let dtypeNames = ["float32", "float16", "float64", "int8", "bfloat16", "uint8", "int16", "int32", "int64", "bool"]

    /// "Sequence[NFD, Lowercase]" for a component object of tokenizer.json; nil for null.
    static func component(_ j: JSON?) -> String? {
        guard let j, !j.isNull else { return nil }
        let type = j["type"]?.string ?? "?"
        for key in ["normalizers", "pretokenizers", "processors", "decoders"] {
            if let parts = j[key]?.array {
                return "\(type)[" + parts.map { component($0) ?? "null" }.joined(separator: ", ") + "]"
            }
        }
        return type
    }

    static func run(_ argv: ArraySlice<String>) throws(M2VError) {
        let args = try Arguments(argv, options: options, verb: "info")
        if args.flag("help") { print(help, terminator: ""); return }
        let pos = try args.positionals("info", ["MODEL"])
        let folder = try resolve(pos[0])
        var classifier: Classifier?
        if FileIO.exists(folder + "/head.safetensors") { classifier = try Classifier(path: folder) }
        let model: Model
        if let classifier { model = try Model(borrowedFrom: classifier) } else { model = try Model(path: folder) }

        var fields: [(key: String, value: JSON)] = [("path", .string(folder))]
        if folder != pos[0] { fields.append(("hub_id", .string(pos[0]))) }
        fields.append(("dim", .number(Double(model.dim))))
        fields.append(("vocab_size", .number(Double(model.vocabSize))))
        if let t = model.tensor("embeddings") {
            fields.append(("rows", .number(Double(t.shape.0))))
            let d = Int(t.dtype)
            fields.append(("dtype", .string(d >= 0 && d < dtypeNames.count ? dtypeNames[d] : "dtype \(d)")))
        }
        fields.append(("weights", .bool(model.tensor("weights") != nil)))
        fields.append(("mapping", .bool(model.tensor("mapping") != nil)))
        fields.append(("normalize", .bool(m2v_model_normalize(model.handle) != 0)))
        let maxLength = m2v_model_max_length(model.handle)
        fields.append(("max_length", maxLength > 0 ? .number(Double(maxLength)) : .null))
        fields.append(("median_token_length", .number(Double(m2v_model_median_token_length(model.handle)))))
        let unk = m2v_model_unk_token_id(model.handle)
        fields.append(("unk_token", unk >= 0 ? .string(model.token(unk) ?? "?") : .null))

        let tok = try JSON.parse(try model.tokenizerJSON())
        var t: [(key: String, value: JSON)] = [("model", .string(tok["model"]?["type"]?.string ?? "?"))]
        for key in ["normalizer", "pre_tokenizer", "post_processor", "decoder"] {
            t.append((key, component(tok[key]).map { .string($0) } ?? .null))
        }
        let added = tok["added_tokens"]?.array ?? []
        t.append(("added_tokens", .number(Double(added.count))))
        t.append(("special_tokens", .array(added.filter { $0["special"]?.bool == true }.compactMap { $0["content"]?.string }.map { .string($0) })))
        fields.append(("tokenizer", .object(t)))
        fields.append(("config", (try? JSON.parse(model.configJSON())) ?? .null))
        fields.append(("metadata", (try? JSON.parse(model.metadataJSON())) ?? .null))

        if let c = classifier {
            let tasks = ["single-label", "multi-label", "regression"]
            let task = Int(m2v_classifier_task(c.handle))
            var classes: [JSON] = []
            for i in 0..<m2v_classifier_n_classes(c.handle) {
                var len = 0
                if let p = m2v_classifier_class_name(c.handle, i, &len) {
                    classes.append(.string(String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)))
                }
            }
            fields.append(("head", .object([
                ("task", .string(task >= 0 && task < tasks.count ? tasks[task] : "?")),
                ("layers", .number(Double(m2v_classifier_n_layers(c.handle)))),
                ("outputs", .number(Double(m2v_classifier_n_outputs(c.handle)))),
                ("classes", .array(classes)),
            ])))
        }

        if args.flag("json") {
            print(JSON.object(fields).serialized(indent: 2))
            return
        }
        for (key, value) in fields {
            switch value {
            case .string(let s): print(pad(key) + s)
            case .object(let members) where key == "tokenizer" || key == "head":
                print(pad(key) + members.map { "\($0.key) \(plain($0.value))" }.joined(separator: "; "))
            default: print(pad(key) + value.serialized())
            }
        }
    }

    static func pad(_ key: String) -> String { key + String(repeating: " ", count: max(1, 21 - key.count)) }

    static func plain(_ v: JSON) -> String {
        if case .string(let s) = v { return s }
        return v.serialized()
    }
}
