// A small, defensive JSON parser and writer (RFC 8259) for tokenizer.json, config.json and
// safetensors headers. Malformed input, nesting deeper than `maxDepth`, and invalid UTF-8 are
// reported as `M2VError.format`, never a trap. Strings keep their exact UTF-8 bytes: object keys
// are compared byte-wise (`utf8`), never with `String ==` (canonical equivalence).

/// A parsed JSON value. Objects keep their members in file order.
public enum JSON: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([(key: String, value: JSON)])

    // MARK: Accessors (nil when the type does not match)

    public var isNull: Bool { if case .null = self { return true } else { return false } }
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var double: Double? { if case .number(let d) = self { return d } else { return nil } }
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var array: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
    public var object: [(key: String, value: JSON)]? {
        if case .object(let o) = self { return o } else { return nil }
    }

    /// The number as an exact integer, or nil when it is not a number, not integral, or out of
    /// the Int range.
    public var int: Int? {
        guard case .number(let d) = self, d.isFinite, d == d.rounded(),
              d >= -9.007199254740992e15, d <= 9.007199254740992e15 else { return nil }
        return Int(d)
    }

    /// Member lookup by key (byte-wise comparison); nil when not an object or absent. A key
    /// given twice has its last value, as Python's json and serde_json's maps take it.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        for m in members.reversed() where m.key.utf8.elementsEqual(key.utf8) { return m.value }
        return nil
    }

    /// The document as Python's `json.loads` holds it: in every object a repeated key appears
    /// once, at its first position, with its last value (quadratic per object: for small
    /// documents such as config.json, not vocabularies).
    public func deduplicatingKeys() -> JSON {
        switch self {
        case .object(let members):
            var out: [(key: String, value: JSON)] = []
            for m in members {
                let v = m.value.deduplicatingKeys()
                if let i = out.firstIndex(where: { $0.key.utf8.elementsEqual(m.key.utf8) }) {
                    out[i].value = v
                } else {
                    out.append((m.key, v))
                }
            }
            return .object(out)
        case .array(let items):
            return .array(items.map { $0.deduplicatingKeys() })
        default:
            return self
        }
    }

    /// This object with `key` set to `value`: replaced in place when present (its position
    /// kept, as a Python dict assignment does), appended otherwise; `nil` removes the key (as
    /// `dict.pop`). A non-object is returned unchanged.
    public func setting(_ key: String, _ value: JSON?) -> JSON {
        guard case .object(var members) = self else { return self }
        if let i = members.firstIndex(where: { $0.key.utf8.elementsEqual(key.utf8) }) {
            if let value { members[i].value = value } else { members.remove(at: i) }
        } else if let value {
            members.append((key, value))
        }
        return .object(members)
    }

    // MARK: Typed access that throws format errors naming the key

    public func require(_ key: String, in what: String) throws(M2VError) -> JSON {
        guard let v = self[key] else { throw .format("\(what): missing key \"\(key)\"") }
        return v
    }
    public func requireString(_ key: String, in what: String) throws(M2VError) -> String {
        guard let s = try require(key, in: what).string else {
            throw .format("\(what): \"\(key)\" must be a string")
        }
        return s
    }
    public func requireInt(_ key: String, in what: String) throws(M2VError) -> Int {
        guard let i = try require(key, in: what).int else {
            throw .format("\(what): \"\(key)\" must be an integer")
        }
        return i
    }
    public func requireArray(_ key: String, in what: String) throws(M2VError) -> [JSON] {
        guard let a = try require(key, in: what).array else {
            throw .format("\(what): \"\(key)\" must be an array")
        }
        return a
    }
    /// Optional bool: absent or null gives `default`; another type is an error.
    public func optionalBool(_ key: String, default def: Bool, in what: String) throws(M2VError) -> Bool {
        guard let v = self[key], !v.isNull else { return def }
        guard let b = v.bool else { throw .format("\(what): \"\(key)\" must be a boolean") }
        return b
    }
    /// Optional string: absent or null gives nil; another type is an error.
    public func optionalString(_ key: String, in what: String) throws(M2VError) -> String? {
        guard let v = self[key], !v.isNull else { return nil }
        guard let s = v.string else { throw .format("\(what): \"\(key)\" must be a string") }
        return s
    }
    /// Optional integer: absent or null gives nil; another type is an error.
    public func optionalInt(_ key: String, in what: String) throws(M2VError) -> Int? {
        guard let v = self[key], !v.isNull else { return nil }
        guard let i = v.int else { throw .format("\(what): \"\(key)\" must be an integer") }
        return i
    }

    // MARK: Parsing

    public static let maxDepth = Limits.jsonDepth

    /// Parses a complete JSON document. Trailing non-whitespace is an error.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(M2VError) -> JSON {
        var p = JSONParser(bytes)
        p.skipWS()
        let v = try p.value(depth: 0)
        p.skipWS()
        guard p.pos == p.end else { throw p.error("unexpected data after the JSON value") }
        return v
    }

    public static func parse(_ bytes: [UInt8]) throws(M2VError) -> JSON {
        do {
            return try typed { try bytes.withUnsafeBytes { buf in try parse(buf) } }
        }
    }

    public static func parse(_ text: String) throws(M2VError) -> JSON {
        try parse(Array(text.utf8))
    }
}

struct JSONParser {
    let base: UnsafePointer<UInt8>?
    var pos: Int = 0
    let end: Int
    var scratch: [UInt8] = []

    init(_ buf: UnsafeRawBufferPointer) {
        base = buf.baseAddress?.assumingMemoryBound(to: UInt8.self)
        end = buf.count
    }

    @inline(__always) func peek() -> UInt8? {
        guard pos < end, let b = base else { return nil }
        return b[pos]
    }

    func error(_ what: String) -> M2VError {
        .format("invalid JSON at byte \(pos): \(what)")
    }

    mutating func skipWS() {
        guard let b = base else { return }
        while pos < end {
            let c = b[pos]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { pos += 1 } else { break }
        }
    }

    mutating func expectLiteral(_ lit: StaticString) throws(M2VError) {
        let n = lit.utf8CodeUnitCount
        guard let b = base, end - pos >= n else { throw error("truncated literal") }
        let p = lit.utf8Start
        for i in 0..<n where b[pos + i] != p[i] { throw error("invalid literal") }
        pos += n
    }

    mutating func value(depth: Int) throws(M2VError) -> JSON {
        guard depth < JSON.maxDepth else { throw error("nesting deeper than \(JSON.maxDepth) levels") }
        guard let c = peek() else { throw error("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"):
            pos += 1
            var members: [(key: String, value: JSON)] = []
            skipWS()
            if peek() == UInt8(ascii: "}") { pos += 1; return .object(members) }
            while true {
                skipWS()
                guard peek() == UInt8(ascii: "\"") else { throw error("expected a string key") }
                let key = try string()
                skipWS()
                guard peek() == UInt8(ascii: ":") else { throw error("expected ':'") }
                pos += 1
                skipWS()
                let v = try value(depth: depth + 1)
                members.append((key, v))
                skipWS()
                guard let d = peek() else { throw error("unterminated object") }
                pos += 1
                if d == UInt8(ascii: ",") { continue }
                if d == UInt8(ascii: "}") { return .object(members) }
                throw error("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            pos += 1
            var items: [JSON] = []
            skipWS()
            if peek() == UInt8(ascii: "]") { pos += 1; return .array(items) }
            while true {
                skipWS()
                items.append(try value(depth: depth + 1))
                skipWS()
                guard let d = peek() else { throw error("unterminated array") }
                pos += 1
                if d == UInt8(ascii: ",") { continue }
                if d == UInt8(ascii: "]") { return .array(items) }
                throw error("expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try number())
        case UInt8(ascii: "N"):
            // Python's json writes NaN for float('nan'); accept it as the reference does.
            try expectLiteral("NaN"); return .number(.nan)
        case UInt8(ascii: "I"):
            try expectLiteral("Infinity"); return .number(.infinity)
        default:
            throw error("unexpected character")
        }
    }

    mutating func number() throws(M2VError) -> Double {
        guard let b = base else { throw error("empty") }
        let start = pos
        if b[pos] == UInt8(ascii: "-") {
            pos += 1
            if peek() == UInt8(ascii: "I") { try expectLiteral("Infinity"); return -.infinity }
        }
        var digits = 0
        let first = pos
        while pos < end, b[pos] >= 0x30, b[pos] <= 0x39 { pos += 1; digits += 1 }
        guard digits > 0 else { throw error("invalid number") }
        // RFC 8259 (and Python's json, serde_json): no leading zeros ("022", "00", "01.5").
        guard digits == 1 || b[first] != UInt8(ascii: "0") else { throw error("invalid number (leading zero)") }
        if pos < end, b[pos] == UInt8(ascii: ".") {
            pos += 1
            var frac = 0
            while pos < end, b[pos] >= 0x30, b[pos] <= 0x39 { pos += 1; frac += 1 }
            guard frac > 0 else { throw error("invalid number") }
        }
        if pos < end, b[pos] == UInt8(ascii: "e") || b[pos] == UInt8(ascii: "E") {
            pos += 1
            if pos < end, b[pos] == UInt8(ascii: "+") || b[pos] == UInt8(ascii: "-") { pos += 1 }
            var e = 0
            while pos < end, b[pos] >= 0x30, b[pos] <= 0x39 { pos += 1; e += 1 }
            guard e > 0 else { throw error("invalid number") }
        }
        let text = String(decoding: UnsafeBufferPointer(start: b + start, count: pos - start), as: UTF8.self)
        guard let d = Double(text) else { throw error("invalid number") }
        return d
    }

    mutating func hex4() throws(M2VError) -> UInt32 {
        guard let b = base, end - pos >= 4 else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[pos]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | d
            pos += 1
        }
        return v
    }

    mutating func string() throws(M2VError) -> String {
        guard let b = base else { throw error("empty") }
        pos += 1 // opening quote
        // Fast path: no escapes.
        let start = pos
        while pos < end {
            let c = b[pos]
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
            pos += 1
        }
        guard pos < end else { throw error("unterminated string") }
        if b[pos] == UInt8(ascii: "\"") {
            let raw = UnsafeBufferPointer(start: b + start, count: pos - start)
            pos += 1
            guard let s = String(validating: raw, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
            return s
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: b + start, count: pos - start))
        while true {
            guard pos < end else { throw error("unterminated string") }
            let c = b[pos]
            if c == UInt8(ascii: "\"") { pos += 1; break }
            if c < 0x20 { throw error("control character in string") }
            if c != UInt8(ascii: "\\") { scratch.append(c); pos += 1; continue }
            pos += 1
            guard pos < end else { throw error("unterminated escape") }
            let e = b[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var cp = try hex4()
                if cp >= 0xD800 && cp < 0xDC00 {
                    // A high surrogate must be followed by a low one; a lone one becomes U+FFFD
                    // (as serde_json would reject it; U+FFFD keeps the parse total and visible).
                    if end - pos >= 6, b[pos] == UInt8(ascii: "\\"), b[pos + 1] == UInt8(ascii: "u") {
                        let save = pos
                        pos += 2
                        let lo = try hex4()
                        if lo >= 0xDC00 && lo < 0xE000 {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                        } else { pos = save; cp = 0xFFFD }
                    } else { cp = 0xFFFD }
                } else if cp >= 0xDC00 && cp < 0xE000 {
                    cp = 0xFFFD
                }
                appendUTF8(&scratch, cp)
            default:
                throw error("invalid escape")
            }
        }
        guard let s = String(validating: scratch, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
        return s
    }
}

/// Appends the UTF-8 encoding of `cp` to `out`; a value that is not a Unicode scalar
/// (a surrogate, or above U+10FFFF) is written as U+FFFD. The one UTF-8 encoder of m2v.
@inline(__always)
public func appendUTF8(_ out: inout [UInt8], _ cp: UInt32) {
    var cp = cp
    if cp >= 0x80 && (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) { cp = 0xFFFD }
    if cp < 0x80 {
        out.append(UInt8(cp))
    } else if cp < 0x800 {
        out.append(UInt8(0xC0 | (cp >> 6)))
        out.append(UInt8(0x80 | (cp & 0x3F)))
    } else if cp < 0x10000 {
        out.append(UInt8(0xE0 | (cp >> 12)))
        out.append(UInt8(0x80 | ((cp >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (cp & 0x3F)))
    } else {
        out.append(UInt8(0xF0 | (cp >> 18)))
        out.append(UInt8(0x80 | ((cp >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((cp >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (cp & 0x3F)))
    }
}

/// The number of bytes `appendUTF8` writes for `cp`.
@inline(__always)
public func utf8Width(_ cp: UInt32) -> Int {
    cp < 0x80 ? 1 : cp < 0x800 ? 2 : (cp < 0x10000 || cp > 0x10FFFF) ? 3 : 4
}

// MARK: - Writing

extension JSON {
    /// Serializes the value. `indent` > 0 pretty-prints with that many spaces per level.
    public func serialized(indent: Int = 0) -> String {
        var out: [UInt8] = []
        write(into: &out, indent: indent, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    private func newline(_ out: inout [UInt8], _ indent: Int, _ level: Int) {
        guard indent > 0 else { return }
        out.append(0x0A)
        out.append(contentsOf: repeatElement(0x20, count: indent * level))
    }

    func write(into out: inout [UInt8], indent: Int, level: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let d):
            if d.isNaN { out.append(contentsOf: "NaN".utf8) }
            else if d.isInfinite { out.append(contentsOf: (d < 0 ? "-Infinity" : "Infinity").utf8) }
            // Integral values that `int` reads back exactly (|d| <= 2^53) print as integers, as
            // Python's json prints the ints a config holds (1e15 and above used to get ".0").
            else if d == d.rounded(), abs(d) <= 9.007199254740992e15 { out.append(contentsOf: String(Int64(d)).utf8) }
            else { out.append(contentsOf: "\(d)".utf8) }
        case .string(let s): JSON.writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, v) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")); if indent == 0 { } }
                newline(&out, indent, level + 1)
                v.write(into: &out, indent: indent, level: level + 1)
            }
            if !items.isEmpty { newline(&out, indent, level) }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(&out, indent, level + 1)
                JSON.writeString(m.key, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent > 0 { out.append(0x20) }
                m.value.write(into: &out, indent: indent, level: level + 1)
            }
            if !members.isEmpty { newline(&out, indent, level) }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        for c in s.utf8 {
            switch c {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(c >> 4)]); out.append(hex[Int(c & 15)])
            default: out.append(c)
            }
        }
        out.append(0x22)
    }
}

extension JSON {
    /// Appends `bytes` (UTF-8) as a JSON string the way serde_json writes it (the safetensors
    /// header, HF tokenizers' tokenizer.json): `"` and `\` escaped, \b \t \n \f \r short forms,
    /// other controls below 0x20 as \u00xx (lower-case hex), everything else raw.
    public static func appendSerdeString<C: Collection>(_ bytes: C, to out: inout [UInt8]) where C.Element == UInt8 {
        let hex: StaticString = "0123456789abcdef"
        out.append(0x22)
        for c in bytes {
            switch c {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0..<0x20:
                out.append(contentsOf: "\\u00".utf8)
                hex.withUTF8Buffer { h in
                    out.append(h[Int(c >> 4)])
                    out.append(h[Int(c & 15)])
                }
            default: out.append(c)
            }
        }
        out.append(0x22)
    }

    /// `appendSerdeString` of a String's UTF-8.
    public static func appendSerdeString(_ s: String, to out: inout [UInt8]) {
        appendSerdeString(s.utf8, to: &out)
    }
}
