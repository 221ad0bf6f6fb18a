// StaticModel/ModelCard — the README.md model card model2vec 0.10 writes with every saved or
// distilled model (its model_card_template.md rendered through huggingface_hub's ModelCardData:
// sorted YAML front matter, then the template filled with the base model and the model name),
// and reading `base_model` / `language` back from a card's front matter, as model2vec's
// `get_metadata_from_readme` does.
import M2VSupport

public enum ModelCard {
    /// What model2vec reads from a card: `base_model` and `language`.
    public struct Metadata: Sendable {
        public var baseModel: String?
        public var language: [String]?
        public init(baseModel: String? = nil, language: [String]? = nil) {
            self.baseModel = baseModel; self.language = language
        }
    }

    /// The card model2vec writes: `baseModel` nil = no base model ("a Sentence Transformer"),
    /// `language` nil = none, `name` the model name (model2vec: `model_name` or the folder name).
    public static func render(baseModel: String?, language: [String]?, name: String) -> String {
        var yaml = "---\n"
        if let b = baseModel { yaml += "base_model: \(yamlScalar(b))\n" }
        // An empty list is written as huggingface_hub dumps it (`language: []`), so model2vec
        // reads back [] (not None); nil writes no key.
        if let l = language {
            yaml += l.isEmpty ? "language: []\n" : "language:\n" + l.map { "- \(yamlScalar($0))\n" }.joined()
        }
        yaml += """
        library_name: model2vec
        license: mit
        model_name: \(yamlScalar(name))
        tags:
        - embeddings
        - static-embeddings
        - sentence-transformers
        ---


        """
        let baseSentence = baseModel.map { "the \($0)(https://huggingface.co/\($0))" } ?? "a"
        return yaml + """
        # \(name) Model Card

        This [Model2Vec](https://github.com/MinishLab/model2vec) model is a distilled version of \(baseSentence) Sentence Transformer. It uses static embeddings, allowing text embeddings to be computed orders of magnitude faster on both GPU and CPU. It is designed for applications where computational resources are limited or where real-time performance is critical. Model2Vec models are the smallest, fastest, and most performant static embedders available. The distilled models are up to 50 times smaller and 500 times faster than traditional Sentence Transformers.


        ## Installation

        Install model2vec using pip:
        ```
        pip install model2vec
        ```

        ## Usage

        ### Using Model2Vec

        The [Model2Vec library](https://github.com/MinishLab/model2vec) is the fastest and most lightweight way to run Model2Vec models.

        Load this model using the `from_pretrained` method:
        ```python
        from model2vec import StaticModel

        # Load a pretrained Model2Vec model
        model = StaticModel.from_pretrained("\(name)")

        # Compute text embeddings
        embeddings = model.encode(["Example sentence"])
        ```

        ### Using Sentence Transformers

        You can also use the [Sentence Transformers library](https://github.com/UKPLab/sentence-transformers) to load and use the model:

        ```python
        from sentence_transformers import SentenceTransformer

        # Load a pretrained Sentence Transformer model
        model = SentenceTransformer("\(name)")

        # Compute text embeddings
        embeddings = model.encode(["Example sentence"])
        ```

        ### Distilling a Model2Vec model

        You can distill a Model2Vec model from a Sentence Transformer model using the `distill` method. First, install the `distill` extra with `pip install model2vec[distill]`. Then, run the following code:

        ```python
        from model2vec.distill import distill

        # Distill a Sentence Transformer model, in this case the BAAI/bge-base-en-v1.5 model
        m2v_model = distill(model_name="BAAI/bge-base-en-v1.5", pca_dims=256)

        # Save the model
        m2v_model.save_pretrained("m2v_model")
        ```

        ## How it works

        Model2vec creates a small, fast, and powerful model that outperforms other static embedding models by a large margin on all tasks we could find, while being much faster to create than traditional static embedding models such as GloVe. Best of all, you don't need any data to distill a model using Model2Vec.

        It works by passing a vocabulary through a sentence transformer model, then reducing the dimensionality of the resulting embeddings using PCA, and finally weighting the embeddings using [SIF weighting](https://openreview.net/pdf?id=SyK00v5xx). During inference, we simply take the mean of all token embeddings occurring in a sentence.

        ## Additional Resources

        - [Model2Vec Repo](https://github.com/MinishLab/model2vec)
        - [Model2Vec Base Models](https://huggingface.co/collections/minishlab/model2vec-base-models-66fd9dd9b7c3b3c0f25ca90e)
        - [Model2Vec Results](https://github.com/MinishLab/model2vec/tree/main/results)
        - [Model2Vec Docs](https://minish.ai/packages/model2vec/introduction)


        ## Library Authors

        Model2Vec was developed by the [Minish Lab](https://github.com/MinishLab) team consisting of [Stephan Tulkens](https://github.com/stephantul) and [Thomas van Dongen](https://github.com/Pringled).

        ## Citation

        Please cite the [Model2Vec repository](https://github.com/MinishLab/model2vec) if you use this model in your work.
        ```
        @software{minishlab2024model2vec,
          author       = {Stephan Tulkens and {van Dongen}, Thomas},
          title        = {Model2Vec: Fast State-of-the-Art Static Embeddings},
          year         = {2024},
          publisher    = {Zenodo},
          doi          = {10.5281/zenodo.17270888},
          url          = {https://github.com/MinishLab/model2vec},
          license      = {MIT}
        }
        ```
        """
    }

    /// A YAML plain scalar when that reads back as the same string, else single-quoted (as
    /// PyYAML's dump chooses for the strings model cards hold).
    static func yamlScalar(_ s: String) -> String {
        let plain = !s.isEmpty && s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == 0x2D || b == 0x5F || b == 0x2E || b == 0x2F
        } && s.utf8.first != 0x2D && s.utf8.first != 0x2E
            && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(s.lowercased())
            && Double(s) == nil
        if plain { return s }
        // Control characters (a newline would end the line the reader sees): double-quoted with
        // escapes, as PyYAML dumps such strings; everything else single-quoted.
        if s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0x85
                                               || $0.value == 0x2028 || $0.value == 0x2029 }) {
            var out = "\""
            for c in s.unicodeScalars {
                switch c.value {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x09: out += "\\t"
                case 0x0D: out += "\\r"
                case 0..<0x20, 0x7F, 0x85, 0x2028, 0x2029:
                    let h = String(c.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                default: out.unicodeScalars.append(c)
                }
            }
            return out + "\""
        }
        return "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }

    /// `base_model` and `language` from a README's YAML front matter (the block between the
    /// first two `---` lines). Only the simple forms model cards use are read: `key: value`,
    /// quoted values, `- item` lists and one-line flow lists (`language: []`, `[en, fr]`, items
    /// without commas); anything else is ignored.
    public static func metadata(readme: [UInt8]) -> Metadata {
        var out = Metadata()
        let text = String(decoding: readme.prefix(Limits.readmeFrontMatterBytes), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }[...]
        guard lines.first == "---" else { return out }
        lines = lines.dropFirst()
        var key: String? = nil
        var list: [String] = []
        func flush() {
            if key == "language", !list.isEmpty { out.language = list }
            list = []
        }
        for line in lines {
            if line == "---" { break }
            if line.hasPrefix("- ") || line.hasPrefix("  - ") {
                let item = line.drop(while: { $0 == " " }).dropFirst(2)
                list.append(unquote(String(item)))
                continue
            }
            guard !line.hasPrefix(" "), let colon = line.firstIndex(of: ":") else { continue }
            flush()
            key = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingSpaces()
            guard !value.isEmpty else { continue }
            if key == "base_model" { out.baseModel = unquote(value) }
            if key == "language" {
                if value.hasPrefix("["), value.hasSuffix("]") {
                    let inner = value.dropFirst().dropLast().trimmingSpaces()
                    out.language = inner.isEmpty ? [] : inner.split(separator: ",", omittingEmptySubsequences: false)
                        .map { unquote(String($0)) }
                } else {
                    out.language = [unquote(value)]
                }
            }
        }
        flush()
        return out
    }

    /// The string a YAML scalar stands for: single-quoted ('' = '), double-quoted (escapes
    /// \\ \" \n \t \r \0 \xHH \uHHHH \UHHHHHHHH), or plain. Works on Unicode scalars, not
    /// Characters: a quote followed by a combining mark is still a quote.
    static func unquote(_ s: String) -> String {
        let t = Array(s.trimmingSpaces().unicodeScalars)
        guard t.count >= 2, let q = t.first, q == t.last, q == "'" || q == "\"" else {
            var plain = String(); plain.unicodeScalars.append(contentsOf: t); return plain
        }
        let body = t[1..<(t.count - 1)]
        var out = String()
        if q == "'" {
            var i = body.startIndex
            while i < body.endIndex {
                out.unicodeScalars.append(body[i])
                if body[i] == "'", i + 1 < body.endIndex, body[i + 1] == "'" { i += 1 }
                i += 1
            }
            return out
        }
        var i = body.startIndex
        while i < body.endIndex {
            let c = body[i]
            i += 1
            guard c == "\\", i < body.endIndex else { out.unicodeScalars.append(c); continue }
            let e = body[i]
            i += 1
            switch e {
            case "n": out += "\n"
            case "t": out += "\t"
            case "r": out += "\r"
            case "0": out += "\u{0}"
            case "x", "u", "U":
                let n = e == "x" ? 2 : (e == "u" ? 4 : 8)
                let digits = body[i..<min(body.endIndex, i + n)]
                if digits.count == n, let v = UInt32(String(String.UnicodeScalarView(digits)), radix: 16),
                   let u = Unicode.Scalar(v) {
                    out.unicodeScalars.append(u)
                    i += n
                } else {
                    out.unicodeScalars.append("\\"); out.unicodeScalars.append(e)
                }
            default: out.unicodeScalars.append(e)  // \\ \" \/ and the rest: the character itself
            }
        }
        return out
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
