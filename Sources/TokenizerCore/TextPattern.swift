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
    /// An Oniguruma regex (UTF-8, default syntax, no options: what rust-onig compiles).
    case regex(OnigRegex)

    /// Compiles a regex source; see `OnigRegex.init` for the errors.
    public static func compile(regex source: String, what: String) throws(M2VError) -> TextPattern {
        .regex(try OnigRegex(source, what: what))
    }

    /// Calls `body(lo, hi)` for every match in `buf[start..<end]` (absolute scalar offsets), in
    /// order. A regex sees only `buf[start..<end]` (as HF matches each piece on its own).
    /// Throws only for a regex search error (Oniguruma's retry limit).
    public func forEachMatch(_ buf: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int,
                             scratch: PatternScratch, _ body: (Int, Int) -> Void) throws(M2VError) {
        switch self {
        case .literal(let needle):
            TextPattern.literalMatches(buf, start, end, needle, body)
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

    /// Whether the first match of the pattern in `text` starts at 0 and is not empty.
    public func matchesNonEmptyPrefix(_ text: [UInt32], scratch: PatternScratch) throws(M2VError) -> Bool {
        var found = false, first = true
        try text.withUnsafeBufferPointer { (buf) throws(M2VError) in
            try forEachMatch(buf, 0, buf.count, scratch: scratch) { lo, hi in
                if first { found = lo == 0 && hi > 0; first = false }
            }
        }
        return found
    }
}

/// The reusable buffers of pattern matching (the UTF-8 copy a regex searches, Oniguruma's
/// match region). Owned by one workspace, which one thread uses at a time (hence unchecked).
public final class PatternScratch: @unchecked Sendable {
    var bytes: [UInt8] = []
    let region = OnigRegionBox()
    public init() {}
}
