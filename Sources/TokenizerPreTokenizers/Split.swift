// `Split`: splits on the matches of a literal string or a regex, with a split behaviour and
// optional inversion. Rust compiles both with Oniguruma; here literals are matched by hand, the
// GPT-2 / Llama-3 / Qwen2 patterns are recognised and matched by hand, and any other regex runs
// on Swift's `Regex` (slow path: one String per piece), compiled once at load.
import M2VSupport
import TokenizerCore

/// `Split` pre-tokenizer.
public struct SplitPreTokenizer: PreTokenizer {
    /// What `Split` matches.
    public enum Pattern: Sendable {
        /// A literal string (Unicode scalars); empty matches the empty string everywhere.
        case string([UInt32])
        /// A regex source, compiled with Swift `Regex` (Unicode scalar semantics).
        case regex(String)
    }

    enum Matcher: Sendable {
        case literal([UInt32])
        case gpt2
        /// Llama-3 (`maxDigits` 3) and Qwen2 (`maxDigits` 1) patterns.
        case llama3(maxDigits: Int)
        case regex(RegexBox)
    }

    public let pattern: Pattern
    public let behavior: SplitBehavior
    public let invert: Bool
    let matcher: Matcher

    /// Compiles the pattern; an invalid regex is `M2VError.format`.
    public init(pattern: Pattern, behavior: SplitBehavior, invert: Bool) throws(M2VError) {
        self.pattern = pattern
        self.behavior = behavior
        self.invert = invert
        switch pattern {
        case .string(let s):
            matcher = .literal(s)
        case .regex(let r):
            if r.utf8.elementsEqual(KnownPatterns.gpt2.utf8) {
                matcher = .gpt2
            } else if r.utf8.elementsEqual(KnownPatterns.llama3.utf8) {
                matcher = .llama3(maxDigits: 3)
            } else if r.utf8.elementsEqual(KnownPatterns.qwen2.utf8) {
                matcher = .llama3(maxDigits: 1)
            } else {
                matcher = .regex(try RegexBox(r))
            }
        }
    }

    public func preTokenize(_ s: inout PreTokenizedString) {
        let behavior = behavior, invert = invert, matcher = matcher
        let flags = CharFlags.shared
        s.refine { piece, out in
            out.splitting { buf, pieces in
                var sink = SplitSink(behavior, parentStart: piece.start, atTextStart: piece.atTextStart)
                let start = piece.start, end = piece.end
                switch matcher {
                case .gpt2:
                    var i = start
                    while i < end {
                        let j = gpt2MatchEnd(buf, i, end, flags)
                        sink.add(i, j, isMatch: !invert, &pieces)
                        i = j
                    }
                case .llama3(let maxDigits):
                    var i = start
                    while i < end {
                        let (ms, me) = llama3Match(buf, i, end, flags, maxDigits: maxDigits)
                        if ms > i { sink.add(i, ms, isMatch: invert, &pieces) }
                        sink.add(ms, me, isMatch: !invert, &pieces)
                        i = me
                    }
                case .literal(let needle):
                    literalSegments(buf, start, end, needle, invert, &sink, &pieces)
                case .regex(let box):
                    box.segments(buf, start, end, invert, &sink, &pieces)
                }
                sink.finish(&pieces)
            }
        }
    }
}

/// The regex sources recognised and matched by hand.
enum KnownPatterns {
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
}

/// Leftmost non-overlapping occurrences of `needle` in `buf[start..<end]`, reported as segments.
/// An empty needle matches the empty string at every position (as the Rust crate's escaped
/// empty regex does).
@inline(__always)
func literalSegments(_ buf: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int, _ needle: [UInt32],
                     _ invert: Bool, _ sink: inout SplitSink, _ pieces: inout [Piece]) {
    let m = needle.count
    if m == 0 {
        sink.add(start, start, isMatch: !invert, &pieces)
        for i in start..<end {
            sink.add(i, i + 1, isMatch: invert, &pieces)
            sink.add(i + 1, i + 1, isMatch: !invert, &pieces)
        }
        return
    }
    let first = needle[0]
    var prev = start
    var i = start
    while i + m <= end {
        if buf[i] == first {
            var k = 1
            while k < m && buf[i + k] == needle[k] { k += 1 }
            if k == m {
                if i > prev { sink.add(prev, i, isMatch: invert, &pieces) }
                sink.add(i, i + m, isMatch: !invert, &pieces)
                i += m
                prev = i
                continue
            }
        }
        i += 1
    }
    if end > prev { sink.add(prev, end, isMatch: invert, &pieces) }
}

/// The first match of the Llama-3 pattern at or after `i` (< `end`), as (start, end).
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
///  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+` — every scalar starts a match, so the
/// match always starts at `i`; Qwen2 is the same with `\p{N}`.
@inline(__always)
func llama3Match(_ buf: UnsafeBufferPointer<UInt32>, _ i: Int, _ end: Int, _ flags: CharFlags,
                 maxDigits: Int) -> (Int, Int) {
    let c = buf[i]
    if c == 0x27 && i + 1 < end {
        let n = buf[i + 1] | 0x20   // ASCII case fold (only letters are compared below)
        if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 || buf[i + 1] == 0x17F {
            return (i, i + 2)
        }
        if i + 2 < end {
            let n2 = buf[i + 2] | 0x20
            if (n == 0x72 && n2 == 0x65) || (n == 0x76 && n2 == 0x65) || (n == 0x6C && n2 == 0x6C) {
                return (i, i + 3)
            }
        }
    }
    let fc = flags(c)
    let L = CharFlags.letter, N = CharFlags.number, S = CharFlags.onigSpace
    // [^\r\n\p{L}\p{N}]?\p{L}+
    var k = -1
    if fc & L != 0 {
        k = i
    } else if c != 0x0D && c != 0x0A && fc & N == 0 && i + 1 < end && flags(buf[i + 1]) & L != 0 {
        k = i + 1
    }
    if k >= 0 {
        var j = k + 1
        while j < end && flags(buf[j]) & L != 0 { j += 1 }
        return (i, j)
    }
    // \p{N}{1,maxDigits}
    if fc & N != 0 {
        var j = i + 1
        while j < end && j - i < maxDigits && flags(buf[j]) & N != 0 { j += 1 }
        return (i, j)
    }
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    let o = (c == 0x20 && i + 1 < end) ? i + 1 : i
    if flags(buf[o]) & (S | L | N) == 0 {
        var j = o + 1
        while j < end && flags(buf[j]) & (S | L | N) == 0 { j += 1 }
        while j < end && (buf[j] == 0x0D || buf[j] == 0x0A) { j += 1 }
        return (i, j)
    }
    if fc & S == 0 { return (i, i + 1) }   // unreachable
    var j = i + 1
    while j < end && flags(buf[j]) & S != 0 { j += 1 }
    // \s*[\r\n]+ : up to the last newline of the whitespace run
    var p = j - 1
    while p >= i && buf[p] != 0x0D && buf[p] != 0x0A { p -= 1 }
    if p >= i { return (i, p + 1) }
    // \s+(?!\S) | \s+
    if j == end || j - i == 1 { return (i, j) }
    return (i, j - 1)
}

/// A compiled Swift `Regex`. Immutable once built; `Regex` values are safe to share for
/// matching (their lazily lowered program is initialised atomically).
final class RegexBox: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>

    init(_ source: String) throws(M2VError) {
        do {
            regex = try Regex(RegexBox.onigurumaClasses(source)).matchingSemantics(.unicodeScalar)
        } catch {
            throw .format("Split: invalid regex \"\(source)\": \(error)")
        }
    }

    /// Rewrites `\w`, `\W`, `\d`, `\D` to the classes Oniguruma gives them (Swift's differ:
    /// its `\d` takes any numeric scalar, its `\w` leaves out marks such as U+FE0F):
    /// `\d` = Nd; `\w` = Alphabetic, M*, Nd, Pc and the Latin-1 digits ² ³ ¹ ¼ ½ ¾.
    /// (`\W` inside a bracket expression is left to Swift.)
    static func onigurumaClasses(_ source: String) -> String {
        let word = #"\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\u{00B2}\u{00B3}\u{00B9}\u{00BC}-\u{00BE}"#
        var out = ""
        var depth = 0            // bracket-expression nesting
        var justOpened = false   // right after "[" or "[^": a "]" is literal
        var it = source.unicodeScalars.makeIterator()
        while let c = it.next() {
            if c == "\\" {
                guard let e = it.next() else { out.unicodeScalars.append(c); break }
                justOpened = false
                switch e {
                case "w": out += depth > 0 ? word : "[" + word + "]"
                case "W" where depth == 0: out += "[^" + word + "]"
                case "d": out += #"\p{Nd}"#
                case "D": out += #"\P{Nd}"#
                default: out.unicodeScalars.append(c); out.unicodeScalars.append(e)
                }
                continue
            }
            out.unicodeScalars.append(c)
            if c == "[" {
                depth += 1; justOpened = true
                continue
            }
            if depth > 0 {
                if c == "^" && justOpened { continue }
                if c == "]" && !justOpened { depth -= 1 }
            }
            justOpened = false
        }
        return out
    }

    /// Reports the matches in `buf[start..<end]` as segments. As Oniguruma's `find_iter` in
    /// the Rust crate, an empty match right where the previous match ended is skipped.
    func segments(_ buf: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int, _ invert: Bool,
                  _ sink: inout SplitSink, _ pieces: inout [Piece]) {
        var str = ""
        var scalarAt: [Int] = []   // UTF-8 offset -> scalar offset (at scalar boundaries)
        scalarAt.reserveCapacity((end - start) * 2 + 1)
        for k in start..<end {
            let sc = Unicode.Scalar(buf[k]) ?? "\u{FFFD}"
            str.unicodeScalars.append(sc)
            for _ in 0..<UTF8.width(sc) { scalarAt.append(k - start) }
        }
        scalarAt.append(end - start)
        var prev = 0
        var lastEnd = -1
        for m in str.matches(of: regex) {
            let lo8 = str.utf8.distance(from: str.startIndex, to: m.range.lowerBound)
            let hi8 = str.utf8.distance(from: str.startIndex, to: m.range.upperBound)
            guard lo8 >= 0, hi8 >= lo8, hi8 < scalarAt.count else { continue }
            let lo = scalarAt[lo8], hi = scalarAt[hi8]
            if lo == hi && lo == lastEnd { continue }
            if lo < prev { continue }
            if lo > prev { sink.add(start + prev, start + lo, isMatch: invert, &pieces) }
            sink.add(start + lo, start + hi, isMatch: !invert, &pieces)
            prev = hi
            lastEnd = hi
        }
        if end - start > prev { sink.add(start + prev, end, isMatch: invert, &pieces) }
    }
}
