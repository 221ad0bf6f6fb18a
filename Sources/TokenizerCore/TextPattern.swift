// The one pattern type of `Split` (pre-tokenizer) and `Replace` (normalizer): tokenizer.json's
// {"String": ...} (matched literally on scalars, as the Rust crate's escaped regex) or
// {"Regex": ...} (Oniguruma, as the Rust crate). Both report HF's `find_matches` ranges:
// leftmost non-overlapping matches in order; an empty match right where the previous match
// ended is skipped. Hand-matched fast paths for known regexes live with their users (Split).
import M2VSupport
import Oniguruma

/// A compiled `Split` / `Replace` pattern. Immutable, shared by all threads.
public enum TextPattern: Sendable {
    /// A literal string (Unicode scalars); empty matches the empty string at every position.
    case literal([UInt32])
    /// A regex that is only literals joined by `|` (`\[INST\]|\[/INST\]|...`, what converted
    /// tokenizers use for user-defined pieces): at the leftmost position where one matches,
    /// the first alternative that matches wins, as in Oniguruma. Matched by hand.
    case alternatives(LiteralAlternatives)
    /// `\A` followed by a literal: a match only at the start of the text. Matched by hand.
    case anchoredLiteral([UInt32])
    /// An Oniguruma regex (UTF-8, default syntax, no options: what rust-onig compiles).
    case regex(OnigRegex)

    /// Compiles a regex source; see `OnigRegex.init` for the errors. Literal alternations and
    /// `\A` + literal are matched by hand unless `handMatched` is false (the differential test).
    public static func compile(regex source: String, what: String, handMatched: Bool = true) throws(M2VError) -> TextPattern {
        if handMatched {
            if let alts = LiteralAlternatives.parse(source) { return .alternatives(alts) }
            if source.hasPrefix("\\A"), let rest = LiteralAlternatives.parse(String(source.dropFirst(2))),
               rest.alternatives.count == 1 {
                return .anchoredLiteral(rest.alternatives[0])
            }
        }
        return .regex(try OnigRegex(source, what: what))
    }

    /// Whether the pattern is matched without Oniguruma.
    public var isHandMatched: Bool {
        if case .regex = self { return false }
        return true
    }

    /// Calls `body(lo, hi)` for every match in `buf[start..<end]` (absolute scalar offsets), in
    /// order. A regex sees only `buf[start..<end]` (as HF matches each piece on its own).
    /// Throws only for a regex search error (Oniguruma's retry limit).
    public func forEachMatch(_ buf: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int,
                             scratch: PatternScratch, _ body: (Int, Int) -> Void) throws(M2VError) {
        switch self {
        case .literal(let needle):
            TextPattern.literalMatches(buf, start, end, needle, body)
        case .alternatives(let alts):
            alts.matches(buf, start, end, body)
        case .anchoredLiteral(let needle):
            if start >= end || end - start < needle.count { return }
            for k in 0..<needle.count where buf[start + k] != needle[k] { return }
            body(start, start + needle.count)
        case .regex(let re):
            if start >= end { return }   // HF: an empty text has no match
            scratch.bytes.removeAll(keepingCapacity: true)
            for k in start..<end { appendUTF8(&scratch.bytes, buf[k]) }
            // Byte offsets arrive in increasing order: map them with a forward cursor.
            var byte = 0, scalar = start
            try scratch.bytes.withUnsafeBufferPointer { (bytes) throws(M2VError) in
                func scalarOffset(_ b: Int) -> Int {
                    while byte < b {
                        byte += 1
                        while byte < b && bytes[byte] & 0xC0 == 0x80 { byte += 1 }
                        scalar += 1
                    }
                    return scalar
                }
                try re.forEachMatch(bytes, region: scratch.region) { s, e in
                    let lo = scalarOffset(s)
                    let hi = scalarOffset(e)
                    body(lo, hi)
                }
            }
        }
    }

    /// Leftmost non-overlapping occurrences of `needle`; an empty needle matches at every
    /// position from `start` to `end` (what rust-onig's `find_iter` gives for "").
    @inline(__always)
    static func literalMatches(_ buf: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int,
                               _ needle: [UInt32], _ body: (Int, Int) -> Void) {
        let m = needle.count
        guard let first = needle.first else {
            if start == end { return }   // HF: an empty text has no match
            for i in start...end { body(i, i) }
            return
        }
        var i = start
        while i + m <= end {
            if buf[i] == first {
                var k = 1
                while k < m && buf[i + k] == needle[k] { k += 1 }
                if k == m {
                    body(i, i + m)
                    i += m
                    continue
                }
            }
            i += 1
        }
    }
}

/// Literals joined by `|`, none empty, in order (see `TextPattern.alternatives`).
public struct LiteralAlternatives: Sendable {
    public let alternatives: [[UInt32]]
    /// ASCII first scalars of some alternative (bit c of the 128), and whether any starts
    /// above ASCII (then every non-ASCII position is tried).
    let asciiFirst: (UInt64, UInt64)
    let nonASCIIFirst: Bool

    init(_ alternatives: [[UInt32]]) {
        self.alternatives = alternatives
        var lo: UInt64 = 0, hi: UInt64 = 0, other = false
        for a in alternatives {
            guard let c = a.first else { continue }
            if c < 64 { lo |= 1 << c } else if c < 128 { hi |= 1 << (c - 64) } else { other = true }
        }
        asciiFirst = (lo, hi)
        nonASCIIFirst = other
    }

    /// The alternatives of `source` when it is nothing but literals (ASCII punctuation or space
    /// escaped with `\\`, `\\t` `\\n` `\\r`, any other scalar that is not a metacharacter)
    /// joined by `|`, none empty; nil otherwise (Oniguruma then compiles it).
    public static func parse(_ source: String) -> LiteralAlternatives? {
        var alts: [[UInt32]] = []
        var cur: [UInt32] = []
        var it = source.unicodeScalars.makeIterator()
        while let c = it.next() {
            switch c {
            case "|":
                if cur.isEmpty { return nil }
                alts.append(cur); cur = []
            case "\\":
                guard let e = it.next() else { return nil }
                switch e {
                case "t": cur.append(0x09)
                case "n": cur.append(0x0A)
                case "r": cur.append(0x0D)
                default:
                    // Only escapes that mean the character itself in every syntax.
                    guard e.isASCII, !(e.properties.isAlphabetic || ("0"..."9").contains(e)) else { return nil }
                    cur.append(e.value)
                }
            case ".", "^", "$", "*", "+", "?", "(", ")", "[", "]", "{", "}", "#":
                return nil
            default:
                cur.append(c.value)
            }
        }
        if cur.isEmpty { return nil }
        alts.append(cur)
        return LiteralAlternatives(alts)
    }

    @inline(__always)
    func mayStart(_ c: UInt32) -> Bool {
        if c < 64 { return asciiFirst.0 & (1 << c) != 0 }
        if c < 128 { return asciiFirst.1 & (1 << (c - 64)) != 0 }
        return nonASCIIFirst
    }

    func matches(_ buf: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int, _ body: (Int, Int) -> Void) {
        var i = start
        scan: while i < end {
            if mayStart(buf[i]) {
                for a in alternatives where a.count <= end - i && a[0] == buf[i] {
                    var k = 1
                    while k < a.count && buf[i + k] == a[k] { k += 1 }
                    if k == a.count {
                        body(i, i + k)
                        i += k
                        continue scan
                    }
                }
            }
            i += 1
        }
    }
}

/// The reusable buffers of pattern matching (the UTF-8 copy a regex searches, Oniguruma's
/// match region). Owned by one workspace, which one thread uses at a time (hence unchecked).
public final class PatternScratch: @unchecked Sendable {
    var bytes: [UInt8] = []
    let region = OnigRegionBox()
    public init() {}
}
