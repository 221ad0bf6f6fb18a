// Distill/TeacherTokenizerJSON — tokenizer.json as HF tokenizers 0.22 writes it, for the distilled
// model's tokenizer.json (`Tokenizer.save(pretty=False)`: serde_json's compact serializer) and
// for reading a teacher's components in the form skeletoken sees them (it always reads a
// tokenizer through `Tokenizer.to_str()`, so every component arrives with the Rust crate's field
// order and defaults: `canonicalComponent`).
//
// serde_json differs from M2VSupport's JSON writer in two places that matter here: strings
// escape \b and \f with their short forms, and f64/f32 values (Unigram scores, BPE dropout) are
// written by ryu: shortest round-trip digits, always with a decimal point or an exponent
// ("0.0", "-100.0", "1e-7", "1.5e20").
import M2VSupport

/// A compact serde_json writer.
struct SerdeJSONWriter {
    var out: [UInt8] = []

    mutating func raw(_ s: String) { out.append(contentsOf: s.utf8) }

    mutating func string(_ s: String) { string(bytes: s.utf8) }

    /// A JSON string as serde_json escapes it: `"` `\` and the controls below 0x20 (\b \t \n \f
    /// \r short, the others \u00xx); everything else as raw UTF-8 (M2VSupport's serde escaper).
    mutating func string<C: Collection>(bytes: C) where C.Element == UInt8 {
        JSON.appendSerdeString(bytes, to: &out)
    }

    mutating func int(_ v: Int) { out.append(contentsOf: String(v).utf8) }

    mutating func bool(_ b: Bool) { raw(b ? "true" : "false") }

    /// An f64 as serde_json writes it (ryu); non-finite values are `null`.
    mutating func f64(_ d: Double) {
        guard d.isFinite else { raw("null"); return }
        ryu(d.sign == .minus, d == 0 ? nil : Self.digits(d.magnitude.description), maxInteger: 16)
    }

    /// An f32 as serde_json writes it (ryu's format32).
    mutating func f32(_ f: Float) {
        guard f.isFinite else { raw("null"); return }
        ryu(f.sign == .minus, f == 0 ? nil : Self.digits(f.magnitude.description), maxInteger: 13)
    }

    /// The shortest round-trip digits of a positive finite value from Swift's description (which
    /// prints the same digits as ryu), as (digits without leading/trailing zeros, kk) where the
    /// value is 0.d1d2... x 10^kk.
    static func digits(_ text: String) -> (digits: [UInt8], kk: Int) {
        var mant = Substring(text), exp = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mant = text[..<e]
            exp = Int(text[text.index(after: e)...]) ?? 0
        }
        var ds: [UInt8] = []
        var point = -1
        for c in mant.utf8 {
            if c == UInt8(ascii: ".") { point = ds.count } else { ds.append(c) }
        }
        if point < 0 { point = ds.count }
        var kk = point + exp
        var lead = 0
        while lead < ds.count - 1, ds[lead] == UInt8(ascii: "0") { lead += 1 }
        ds.removeFirst(lead)
        kk -= lead
        while ds.count > 1, ds.last == UInt8(ascii: "0") { ds.removeLast() }
        return (ds, kk)
    }

    /// ryu's pretty format (`format64`/`format32`; `maxInteger` 16 / 13).
    private mutating func ryu(_ negative: Bool, _ v: (digits: [UInt8], kk: Int)?, maxInteger: Int) {
        if negative { out.append(UInt8(ascii: "-")) }
        guard let v else { raw("0.0"); return }
        let (d, kk) = v
        let length = d.count, k = kk - length
        if k >= 0 && kk <= maxInteger {
            out.append(contentsOf: d)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: k))
            raw(".0")
        } else if kk > 0 && kk <= maxInteger {
            out.append(contentsOf: d[0..<kk]); out.append(UInt8(ascii: ".")); out.append(contentsOf: d[kk...])
        } else if kk > -5 && kk <= 0 {
            raw("0."); out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -kk)); out.append(contentsOf: d)
        } else if length == 1 {
            out.append(d[0]); raw("e"); int(kk - 1)
        } else {
            out.append(d[0]); out.append(UInt8(ascii: ".")); out.append(contentsOf: d[1...]); raw("e"); int(kk - 1)
        }
    }

    /// A JSON value holding no floats (the components): integral numbers as integers.
    mutating func value(_ j: JSON) {
        switch j {
        case .null: raw("null")
        case .bool(let b): bool(b)
        case .number(let d):
            if d == d.rounded(), abs(d) <= 9.007199254740992e15 { int(Int(d)) } else { f64(d) }
        case .string(let s): string(s)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, v) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                value(v)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                string(m.key)
                out.append(UInt8(ascii: ":"))
                value(m.value)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// `"key":` (after a comma unless `first`).
    mutating func key(_ k: String, first: Bool = false) {
        if !first { out.append(UInt8(ascii: ",")) }
        string(k)
        out.append(UInt8(ascii: ":"))
    }
}

/// serde_json's f64 parsing without its `float_roundtrip` feature, as HF tokenizers reads numbers:
/// the decimal digits are gathered into a u64 (digits past its range are dropped) and the value is
/// that integer converted to f64, then multiplied or divided by a power of ten once. That can be
/// one ulp off the correctly rounded value ("-7.2419164465305625" reads as -7.241916446530563),
/// and the distilled tokenizer.json carries exactly those values.
enum SerdeFloat {
    static let pow10: [Double] = (0...308).map { Double("1e\($0)") ?? 0 }

    /// The value serde_json reads from the JSON number `text` (nil if it is not one).
    static func parse<C: Collection>(_ text: C) -> Double? where C.Element == UInt8 {
        let b = Array(text)
        var i = 0
        var positive = true
        if i < b.count, b[i] == UInt8(ascii: "-") { positive = false; i += 1 }
        func digit(_ k: Int) -> UInt64? { k < b.count && b[k] >= 0x30 && b[k] <= 0x39 ? UInt64(b[k] - 0x30) : nil }
        func overflows(_ a: UInt64, _ d: UInt64) -> Bool {
            a >= UInt64.max / 10 && (a > UInt64.max / 10 || d > UInt64.max % 10)
        }
        guard let first = digit(i) else { return nil }
        var significand = first
        var exponent = 0
        i += 1
        if first != 0 {
            while let d = digit(i) {
                if overflows(significand, d) {
                    // parse_long_integer: the remaining integer digits only raise the exponent.
                    while digit(i) != nil { i += 1; exponent += 1 }
                    break
                }
                significand = significand * 10 + d
                i += 1
            }
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digit(i) != nil else { return nil }
            while let d = digit(i) {
                if overflows(significand, d) {
                    while digit(i) != nil { i += 1 }
                    break
                }
                significand = significand * 10 + d
                exponent -= 1
                i += 1
            }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            var positiveExp = true
            if i < b.count, b[i] == UInt8(ascii: "+") { i += 1 } else if i < b.count, b[i] == UInt8(ascii: "-") { positiveExp = false; i += 1 }
            guard let e0 = digit(i) else { return nil }
            var e = Int(e0)
            i += 1
            while let d = digit(i) {
                guard e <= (Int(Int32.max) - Int(d)) / 10 else { return significand == 0 || !positiveExp ? (positive ? 0 : -0.0) : nil }
                e = e * 10 + Int(d)
                i += 1
            }
            exponent = positiveExp ? exponent + e : exponent - e
        }
        guard i == b.count else { return nil }
        var f = Double(significand)
        while true {
            let k = exponent.magnitude
            if k < UInt(pow10.count) {
                if exponent >= 0 {
                    f *= pow10[Int(k)]
                    if f.isInfinite { return nil }
                } else {
                    f /= pow10[Int(k)]
                }
                break
            }
            if f == 0 { break }
            if exponent >= 0 { return nil }
            f /= 1e308
            exponent += 308
        }
        return positive ? f : -f
    }

    /// What serde_json reads back from ryu's text of `d` (the value after a to_str / from_str
    /// round trip through a Python float).
    static func roundTrip(_ d: Double) -> Double {
        guard d.isFinite else { return d }
        var w = SerdeJSONWriter()
        w.f64(d)
        return parse(w.out) ?? d
    }

    /// ryu's text of an f64.
    static func shortest(_ d: Double) -> [UInt8] {
        var w = SerdeJSONWriter()
        w.f64(d)
        return w.out
    }

    /// The same for an f32 field (serde reads an f64 and casts it).
    static func roundTrip32(_ f: Float) -> Float {
        guard f.isFinite else { return f }
        var w = SerdeJSONWriter()
        w.f32(f)
        return parse(w.out).map { Float($0) } ?? f
    }
}

// MARK: - Components as the Rust crate re-serializes them

/// Which tokenizer.json component a value is.
enum TokenizerComponent: String {
    case normalizer, preTokenizer = "pre_tokenizer", decoder, postProcessor = "post_processor"
}

/// `json` (a normalizer, pre-tokenizer, decoder or post-processor object, or null) as
/// `Tokenizer.from_str(...).to_str()` writes it: the Rust struct's members in their order, the
/// defaults the Rust deserializer fills in, legacy forms (Metaspace's add_prefix_space) mapped.
/// A type skeletoken 0.6.1 (and the Rust crate) do not know is `.unsupported`; a missing or
/// mistyped member the Rust crate requires is `.format`.
func canonicalComponent(_ json: JSON, _ kind: TokenizerComponent, depth: Int = 0) throws(M2VError) -> JSON {
    if depth == 0, json.isNull { return .null }
    let what = kind.rawValue
    guard json.object != nil else { throw .format("\(what): expected an object") }
    guard depth < 64 else { throw .format("\(what): Sequence nested too deeply") }
    guard let type = json["type"]?.string else { throw .format("\(what): missing \"type\"") }
    let ctx = "\(what) \(type)"
    var members: [(key: String, value: JSON)] = [("type", .string(type))]
    func req(_ key: String) throws(M2VError) -> JSON {
        guard let v = json[key] else { throw .format("\(ctx): missing \"\(key)\"") }
        return v
    }
    func bool(_ key: String, default def: Bool? = nil) throws(M2VError) {
        guard let v = json[key] else {
            guard let def else { throw .format("\(ctx): missing \"\(key)\"") }
            members.append((key, .bool(def)))
            return
        }
        guard let b = v.bool else { throw .format("\(ctx): \"\(key)\" must be a boolean") }
        members.append((key, .bool(b)))
    }
    func string(_ key: String, char: Bool = false, default def: String? = nil) throws(M2VError) {
        guard let v = json[key] else {
            guard let def else { throw .format("\(ctx): missing \"\(key)\"") }
            members.append((key, .string(def)))
            return
        }
        guard let s = v.string else { throw .format("\(ctx): \"\(key)\" must be a string") }
        if char, s.unicodeScalars.count != 1 { throw .format("\(ctx): \"\(key)\" must be one character") }
        members.append((key, .string(s)))
    }
    func uint(_ key: String, default def: Int? = nil) throws(M2VError) {
        guard let v = json[key] else {
            guard let def else { throw .format("\(ctx): missing \"\(key)\"") }
            members.append((key, .number(Double(def))))
            return
        }
        guard let i = v.int, i >= 0 else { throw .format("\(ctx): \"\(key)\" must be a non-negative integer") }
        members.append((key, .number(Double(i))))
    }
    func pattern() throws(M2VError) {
        let p = try req("pattern")
        guard let o = p.object, o.count == 1, let m = o.first, m.key == "String" || m.key == "Regex",
              let s = m.value.string else {
            throw .format("\(ctx): \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}")
        }
        members.append(("pattern", .object([(m.key, .string(s))])))
    }
    func behavior(default def: String? = nil) throws(M2VError) {
        let names = ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]
        guard let v = json["behavior"] else {
            guard let def else { throw .format("\(ctx): missing \"behavior\"") }
            members.append(("behavior", .string(def)))
            return
        }
        guard let s = v.string, names.contains(s) else { throw .format("\(ctx): unknown \"behavior\"") }
        members.append(("behavior", .string(s)))
    }
    func list(_ key: String, _ k: TokenizerComponent) throws(M2VError) {
        guard let a = try req(key).array else { throw .format("\(ctx): \"\(key)\" must be an array") }
        var items: [JSON] = []
        for (i, item) in a.enumerated() {
            do { items.append(try canonicalComponent(item, k, depth: depth + 1)) } catch { throw error.context("\(ctx)[\(i)]") }
        }
        members.append((key, .array(items)))
    }
    func byteLevel() throws(M2VError) {
        try bool("add_prefix_space"); try bool("trim_offsets"); try bool("use_regex", default: true)
    }
    func metaspace() throws(M2VError) {
        try string("replacement", char: true)
        var scheme = "always"
        if let v = json["prepend_scheme"] {
            guard let s = v.string, ["first", "never", "always"].contains(s) else { throw .format("\(ctx): unknown \"prepend_scheme\"") }
            scheme = s
        }
        if let v = json["add_prefix_space"], !v.isNull {
            guard let b = v.bool else { throw .format("\(ctx): \"add_prefix_space\" must be a boolean") }
            // Rust: prepend_scheme defaults to "always", so a lone add_prefix_space=false fails too.
            if !b {
                guard scheme == "never" else { throw .format("\(ctx): add_prefix_space does not match declared prepend_scheme") }
            }
        }
        members.append(("prepend_scheme", .string(scheme)))
        var split = true
        if let v = json["split"], !v.isNull {
            guard let b = v.bool else { throw .format("\(ctx): \"split\" must be a boolean") }
            split = b
        }
        members.append(("split", .bool(split)))
    }
    switch (kind, type) {
    case (.normalizer, "BertNormalizer"):
        try bool("clean_text"); try bool("handle_chinese_chars")
        let s = json["strip_accents"] ?? .null
        guard s.isNull || s.bool != nil else { throw .format("\(ctx): \"strip_accents\" must be a boolean or null") }
        members.append(("strip_accents", s))
        try bool("lowercase")
    case (.normalizer, "Strip"): try bool("strip_left"); try bool("strip_right")
    case (.normalizer, "StripAccents"), (.normalizer, "NFC"), (.normalizer, "NFD"), (.normalizer, "NFKC"),
         (.normalizer, "NFKD"), (.normalizer, "Lowercase"), (.normalizer, "Nmt"), (.normalizer, "ByteLevel"):
        break
    case (.normalizer, "Replace"), (.decoder, "Replace"): try pattern(); try string("content")
    case (.normalizer, "Prepend"): try string("prepend")
    case (.normalizer, "Precompiled"): try string("precompiled_charsmap")
    case (.normalizer, "Sequence"): try list("normalizers", .normalizer)
    case (.preTokenizer, "BertPreTokenizer"), (.preTokenizer, "Whitespace"), (.preTokenizer, "WhitespaceSplit"),
         (.preTokenizer, "UnicodeScripts"):
        break
    case (.preTokenizer, "ByteLevel"), (.decoder, "ByteLevel"), (.postProcessor, "ByteLevel"): try byteLevel()
    case (.preTokenizer, "CharDelimiterSplit"): try string("delimiter", char: true)
    case (.preTokenizer, "Digits"): try bool("individual_digits")
    case (.preTokenizer, "FixedLength"): try uint("length", default: 5)
    case (.preTokenizer, "Metaspace"), (.decoder, "Metaspace"): try metaspace()
    case (.preTokenizer, "Punctuation"): try behavior(default: "Isolated")
    case (.preTokenizer, "Split"): try pattern(); try behavior(); try bool("invert")
    case (.preTokenizer, "Sequence"): try list("pretokenizers", .preTokenizer)
    case (.decoder, "BPEDecoder"): try string("suffix")
    case (.decoder, "ByteFallback"), (.decoder, "Fuse"): break
    case (.decoder, "CTC"): try string("pad_token"); try string("word_delimiter_token"); try bool("cleanup")
    case (.decoder, "Strip"): try string("content", char: true); try uint("start"); try uint("stop")
    case (.decoder, "WordPiece"): try string("prefix"); try bool("cleanup")
    case (.decoder, "Sequence"): try list("decoders", .decoder)
    case (.postProcessor, "BertProcessing"), (.postProcessor, "RobertaProcessing"):
        for key in ["sep", "cls"] {
            guard let a = try req(key).array, a.count == 2, let t = a[0].string, let id = a[1].int, id >= 0,
                  id <= Limits.maxTokenId else {
                throw .format("\(ctx): \"\(key)\" must be [token, id]")
            }
            members.append((key, .array([.string(t), .number(Double(id))])))
        }
        if type == "RobertaProcessing" {
            try bool("trim_offsets", default: true); try bool("add_prefix_space", default: true)
        }
    case (.postProcessor, "TemplateProcessing"):
        for key in ["single", "pair"] {
            guard let a = try req(key).array else { throw .format("\(ctx): \"\(key)\" must be an array") }
            var pieces: [JSON] = []
            for p in a {
                guard let o = p.object, o.count == 1, let m = o.first, m.key == "SpecialToken" || m.key == "Sequence",
                      let id = m.value["id"]?.string else {
                    throw .unsupported("\(ctx): template pieces other than {\"SpecialToken\"|\"Sequence\": {...}}")
                }
                let typeId = m.value["type_id"]?.int ?? 0
                guard typeId >= 0 else { throw .format("\(ctx): bad type_id") }
                if m.key == "Sequence", id != "A", id != "B" { throw .format("\(ctx): unknown sequence \"\(id)\"") }
                pieces.append(.object([(m.key, .object([("id", .string(id)), ("type_id", .number(Double(typeId)))]))]))
            }
            members.append((key, .array(pieces)))
        }
        var specials: [(key: String, value: JSON)] = []
        for e in json["special_tokens"]?.object ?? [] {
            guard let id = e.value["id"]?.string, let ids = e.value["ids"]?.array, let toks = e.value["tokens"]?.array else {
                throw .format("\(ctx): special token \"\(e.key)\" needs id, ids and tokens")
            }
            var idList: [JSON] = [], tokList: [JSON] = []
            for v in ids {
                guard let i = v.int, i >= 0, i <= Limits.maxTokenId else { throw .format("\(ctx): bad special token id") }
                idList.append(.number(Double(i)))
            }
            for v in toks {
                guard let s = v.string else { throw .format("\(ctx): special token tokens must be strings") }
                tokList.append(.string(s))
            }
            guard idList.count == tokList.count else {
                throw .format("\(ctx): special token \"\(e.key)\" has \(idList.count) ids and \(tokList.count) tokens")
            }
            // A repeated key: the last one (serde's map).
            specials.removeAll { $0.key.utf8.elementsEqual(e.key.utf8) }
            specials.append((e.key, .object([("id", .string(id)), ("ids", .array(idList)), ("tokens", .array(tokList))])))
        }
        // Rust writes the map sorted by key.
        specials.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        members.append(("special_tokens", .object(specials)))
    case (.postProcessor, "Sequence"): try list("processors", .postProcessor)
    default:
        throw .unsupported("\(what) \"\(type)\" (not one skeletoken 0.6.1 reads)")
    }
    return .object(members)
}
