// TokenizerNormalizers — owns the `normalizer` stage of tokenizer.json: one type per HuggingFace
// `tokenizers` normalizer (BertNormalizer, NFC/NFD/NFKC/NFKD, Lowercase, Strip, StripAccents,
// Replace, Prepend, Precompiled, ByteLevel, Nmt, Sequence), each conforming to
// `TokenizerCore.Normalizer`, and `makeNormalizer`, which builds them from the JSON value.
// Behaviour follows the Rust crate (tokenizers/src/normalizers/*.rs, spm_precompiled); where it
// relies on old Unicode tables the sets are measured from the reference
// (Generated/ReferenceTables.generated.swift, scripts/gen_normalizer_cases.py).
import M2VSupport
import TokenizerCore

/// Builds the normalizer described by `json` (the `"normalizer"` value of tokenizer.json).
///
/// - Returns: nil for JSON `null` (no normalizer).
/// - Throws: `.unsupported("unsupported normalizer \"X\"")` for an unknown `"type"`;
///   `.format(...)` for a missing or wrongly typed key, an invalid regex or charsmap.
public func makeNormalizer(_ json: JSON) throws(M2VError) -> (any Normalizer)? {
    if json.isNull { return nil }
    return try makeNormalizer(json, depth: 0)
}

func makeNormalizer(_ json: JSON, depth: Int) throws(M2VError) -> any Normalizer {
    let what = "normalizer"
    guard json.object != nil else { throw .format("\(what): expected an object") }
    guard depth < Limits.normalizerNesting else { throw .format("\(what): Sequence nested too deeply") }
    let type = try json.requireString("type", in: what)
    let ctx = "normalizer \(type)"
    switch type {
    case "BertNormalizer":
        let clean = try requireBool(json, "clean_text", ctx)
        let chinese = try requireBool(json, "handle_chinese_chars", ctx)
        let lower = try requireBool(json, "lowercase", ctx)
        var strip: Bool? = nil
        if let v = json["strip_accents"], !v.isNull {
            guard let b = v.bool else { throw .format("\(ctx): \"strip_accents\" must be a boolean or null") }
            strip = b
        }
        return BertNormalizer(cleanText: clean, handleChineseChars: chinese, stripAccents: strip,
                              lowercase: lower)
    case "NFC": return UnicodeNormalizer(.nfc)
    case "NFD": return UnicodeNormalizer(.nfd)
    case "NFKC": return UnicodeNormalizer(.nfkc)
    case "NFKD": return UnicodeNormalizer(.nfkd)
    case "Lowercase": return LowercaseNormalizer()
    case "Nmt": return NmtNormalizer()
    case "StripAccents": return StripAccentsNormalizer()
    case "ByteLevel": return ByteLevelNormalizer()
    case "Strip":
        return StripNormalizer(left: try requireBool(json, "strip_left", ctx),
                               right: try requireBool(json, "strip_right", ctx))
    case "Prepend":
        return PrependNormalizer(prepend: try json.requireString("prepend", in: ctx))
    case "Replace":
        let pattern = try json.require("pattern", in: ctx)
        let content = try json.requireString("content", in: ctx)
        guard let members = pattern.object, members.count == 1, let m = members.first else {
            throw .format("\(ctx): \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}")
        }
        guard let p = m.value.string else { throw .format("\(ctx): pattern \"\(m.key)\" must be a string") }
        if m.key.utf8.elementsEqual("String".utf8) {
            return ReplaceNormalizer(literal: p, content: content)
        } else if m.key.utf8.elementsEqual("Regex".utf8) {
            return try ReplaceNormalizer(regex: p, content: content)
        }
        throw .format("\(ctx): unknown pattern kind \"\(m.key)\" (expected String or Regex)")
    case "Precompiled":
        let v = try json.require("precompiled_charsmap", in: ctx)
        guard let b64 = v.string else { throw .format("\(ctx): \"precompiled_charsmap\" must be a string") }
        return try PrecompiledNormalizer(base64: b64)
    case "Sequence":
        let items = try json.requireArray("normalizers", in: ctx)
        var list: [any Normalizer] = []
        list.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            do { list.append(try makeNormalizer(item, depth: depth + 1)) } catch {
                throw error.context("Sequence item \(i)")
            }
        }
        return SequenceNormalizer(list)
    default:
        throw .unsupported("unsupported normalizer \"\(type)\"")
    }
}

/// A required boolean member (Rust's serde rejects a missing or non-boolean field).
func requireBool(_ json: JSON, _ key: String, _ ctx: String) throws(M2VError) -> Bool {
    guard let b = try json.require(key, in: ctx).bool else { throw .format("\(ctx): \"\(key)\" must be a boolean") }
    return b
}

/// True when every scalar is ASCII.
@inline(__always)
func isAllASCII(_ text: [UInt32]) -> Bool {
    var acc: UInt32 = 0
    for s in text { acc |= s }
    return acc < 0x80
}

/// Membership in a flattened sorted inclusive range table [lo0, hi0, lo1, hi1, ...].
@inline(__always)
func inRanges(_ table: [UInt32], _ cp: UInt32) -> Bool {
    var lo = 0, hi = table.count / 2 // ranges [lo, hi)
    while lo < hi {
        let mid = (lo + hi) >> 1
        if cp < table[2 * mid] { hi = mid } else if cp > table[2 * mid + 1] { lo = mid + 1 } else { return true }
    }
    return false
}

/// Rust's `char::is_whitespace` (the Unicode White_Space property, stable since Unicode 6.3).
@inline(__always)
func isRustWhitespace(_ c: UInt32) -> Bool {
    switch c {
    case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
        return true
    default:
        return false
    }
}

