// `makePreTokenizer(_:)`: the tokenizer.json "pre_tokenizer" value -> a `PreTokenizer`, with the
// Rust crate's defaults and required keys.
import M2VSupport
import TokenizerCore

/// Builds the pre-tokenizer described by a tokenizer.json "pre_tokenizer" value.
/// Returns nil for JSON null. Unknown types throw `.unsupported`, missing or mistyped keys and
/// invalid regexes throw `.format`.
public func makePreTokenizer(_ json: JSON) throws(M2VError) -> (any PreTokenizer)? {
    if json.isNull { return nil }
    return try makePreTokenizer(json, depth: 0)
}

private func makePreTokenizer(_ json: JSON, depth: Int) throws(M2VError) -> any PreTokenizer {
    guard json.object != nil else { throw .format("pre_tokenizer: expected an object") }
    let type = try json.requireString("type", in: "pre_tokenizer")
    let what = "pre_tokenizer \(type)"
    switch type {
    case "BertPreTokenizer":
        return BertPreTokenizer()
    case "Whitespace":
        return WhitespacePreTokenizer()
    case "WhitespaceSplit":
        return WhitespaceSplit()
    case "Punctuation":
        let b = try json.optionalString("behavior", in: what)
        return PunctuationPreTokenizer(behavior: try b.map { (s) throws(M2VError) in try SplitBehavior.parse(s, in: what) } ?? .isolated)
    case "Digits":
        let v = try json.require("individual_digits", in: what)
        guard let individual = v.bool else { throw .format("\(what): \"individual_digits\" must be a boolean") }
        return DigitsPreTokenizer(individualDigits: individual)
    case "ByteLevel":
        return ByteLevelPreTokenizer(
            addPrefixSpace: try json.optionalBool("add_prefix_space", default: true, in: what),
            useRegex: try json.optionalBool("use_regex", default: true, in: what))
    case "Metaspace":
        let replacement = try singleScalar(json.requireString("replacement", in: what), key: "replacement", in: what)
        var scheme: MetaspacePreTokenizer.PrependScheme
        switch try json.optionalString("prepend_scheme", in: what) {
        case nil, "always": scheme = .always
        case "first": scheme = .first
        case "never": scheme = .never
        case let s?: throw .format("\(what): unknown prepend_scheme \"\(s)\"")
        }
        let addPrefixSpace = try json.optionalBool("add_prefix_space", default: true, in: what)
        if !addPrefixSpace {
            // Rust: add_prefix_space=false must agree with the declared scheme.
            if scheme != .never && json["prepend_scheme"].map({ !$0.isNull }) == true {
                throw .format("\(what): add_prefix_space does not match declared prepend_scheme")
            }
            scheme = .never
        }
        let split = try json.optionalBool("split", default: true, in: what)
        return MetaspacePreTokenizer(replacement: replacement, prependScheme: scheme, split: split)
    case "Split":
        let p = try json.require("pattern", in: what)
        let pattern: SplitPreTokenizer.Pattern
        if let s = p["String"]?.string {
            pattern = .string(s.unicodeScalars.map { $0.value })
        } else if let r = p["Regex"]?.string {
            pattern = .regex(r)
        } else {
            throw .format("\(what): \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}")
        }
        let behavior = try SplitBehavior.parse(json.requireString("behavior", in: what), in: what)
        guard let invert = try json.require("invert", in: what).bool else {
            throw .format("\(what): \"invert\" must be a boolean")
        }
        return try SplitPreTokenizer(pattern: pattern, behavior: behavior, invert: invert)
    case "UnicodeScripts":
        return UnicodeScriptsPreTokenizer()
    case "CharDelimiterSplit", "Delimiter":
        let d = try singleScalar(json.requireString("delimiter", in: what), key: "delimiter", in: what)
        return CharDelimiterSplit(delimiter: d)
    case "FixedLength":
        let n = try json.optionalInt("length", in: what) ?? 5
        guard n > 0 else { throw .format("\(what): \"length\" must be positive") }
        return FixedLength(length: n)
    case "Sequence":
        guard depth < Limits.preTokenizerNesting else { throw .format("pre_tokenizer: Sequence nested too deeply") }
        var items: [any PreTokenizer] = []
        for (i, item) in try json.requireArray("pretokenizers", in: what).enumerated() {
            do {
                items.append(try makePreTokenizer(item, depth: depth + 1))
            } catch {
                throw error.context("\(what)[\(i)]")
            }
        }
        return SequencePreTokenizer(items)
    default:
        throw .unsupported("unsupported pre-tokenizer \"\(type)\"")
    }
}

/// A JSON string that must hold exactly one Unicode scalar (a Rust `char`).
private func singleScalar(_ s: String, key: String, in what: String) throws(M2VError) -> UInt32 {
    var it = s.unicodeScalars.makeIterator()
    guard let c = it.next(), it.next() == nil else {
        throw .format("\(what): \"\(key)\" must be a single character")
    }
    return c.value
}
