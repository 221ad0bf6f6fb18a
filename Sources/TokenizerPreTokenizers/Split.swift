// `Split`: splits on the matches of a literal string or a regex, with a split behaviour and
// optional inversion. Rust compiles both with Oniguruma; here literals (and regexes that are
// only literal alternatives, TextPattern) are matched by hand, the GPT-2 / Llama-3 / Qwen2 /
// Qwen3.5 patterns are recognised and matched by hand (exact: a pattern-level differential test
// checks them against Oniguruma), and any other regex runs on Oniguruma itself, compiled once
// at load.
import M2VSupport
import TokenizerCore

/// `Split` pre-tokenizer.
public struct SplitPreTokenizer: PreTokenizer {
    /// What `Split` matches.
    public enum Pattern: Sendable {
        /// A literal string (Unicode scalars); empty matches the empty string everywhere.
        case string([UInt32])
        /// A regex source (Oniguruma syntax).
        case regex(String)
    }

    enum Matcher: Sendable {
        case gpt2
        /// Llama-3 (`maxDigits` 3), Qwen2 (`maxDigits` 1) and Qwen3.5 (`maxDigits` 1, marks
        /// count as letters: `letters` = L|M) patterns.
        case llama3(maxDigits: Int, letters: UInt8)
        case pattern(TextPattern)
    }

    public let pattern: Pattern
    public let behavior: SplitBehavior
    public let invert: Bool
    let matcher: Matcher

    /// Compiles the pattern: an invalid regex is `M2VError.format`; a regex that needs
    /// Oniguruma where it cannot be loaded is `M2VError.unsupported`. `handMatched: false`
    /// sends the known patterns to Oniguruma too (the pattern-level differential test).
    public init(pattern: Pattern, behavior: SplitBehavior, invert: Bool, handMatched: Bool = true) throws(M2VError) {
        self.pattern = pattern
        self.behavior = behavior
        self.invert = invert
        switch pattern {
        case .string(let s):
            matcher = .pattern(.literal(s))
        case .regex(let r):
            if handMatched, let known = KnownPatterns.matcher(for: r) {
                matcher = known
            } else {
                matcher = .pattern(try TextPattern.compile(regex: r, what: "pre_tokenizer Split", handMatched: handMatched))
            }
        }
    }

    /// Whether this Split runs a hand-written matcher rather than Oniguruma.
    public var isHandMatched: Bool {
        if case .pattern(let p) = matcher { return p.isHandMatched }
        return true
    }

    public func preTokenize(_ s: inout PreTokenizedString) throws(M2VError) {
        let behavior = behavior, invert = invert, matcher = matcher
        let flags = CharFlags.shared
        let scratch = s.patternScratch
        var failure: M2VError?
        s.refine { piece, out in
            if failure != nil { return }
            out.splitting { buf, pieces in
                var sink = SplitSink(behavior, originEnd: piece.originEnd)
                let start = piece.start, end = piece.end
                switch matcher {
                case .gpt2:
                    var i = start
                    while i < end {
                        let j = gpt2MatchEnd(buf, i, end, flags)
                        sink.add(i, j, isMatch: !invert, &pieces)
                        i = j
                    }
                case .llama3(let maxDigits, let letters):
                    var i = start
                    while i < end {
                        let (ms, me) = llama3Match(buf, i, end, flags, maxDigits: maxDigits, letters: letters)
                        if ms > i { sink.add(i, ms, isMatch: invert, &pieces) }
                        sink.add(ms, me, isMatch: !invert, &pieces)
                        i = me
                    }
                case .pattern(let p):
                    // HF `find_matches`: the gaps between matches are non-matches.
                    var prev = start
                    do throws(M2VError) {
                        try p.forEachMatch(buf, start, end, scratch: scratch) { lo, hi in
                            if lo > prev { sink.add(prev, lo, isMatch: invert, &pieces) }
                            sink.add(lo, hi, isMatch: !invert, &pieces)
                            prev = hi
                        }
                    } catch {
                        failure = error
                    }
                    if end > prev { sink.add(prev, end, isMatch: invert, &pieces) }
                }
                sink.finish(&pieces)
            }
        }
        if let e = failure { throw e.context("pre_tokenizer Split") }
    }
}

/// The regex sources recognised and matched by hand.
enum KnownPatterns {
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    static let llama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen35 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    static func matcher(for source: String) -> SplitPreTokenizer.Matcher? {
        let u = source.utf8
        if u.elementsEqual(gpt2.utf8) { return .gpt2 }
        if u.elementsEqual(llama3.utf8) { return .llama3(maxDigits: 3, letters: CharFlags.letter) }
        if u.elementsEqual(qwen2.utf8) { return .llama3(maxDigits: 1, letters: CharFlags.letter) }
        if u.elementsEqual(qwen35.utf8) { return .llama3(maxDigits: 1, letters: CharFlags.letter | CharFlags.mark) }
        return nil
    }
}

/// The first match of the Llama-3 pattern at or after `i` (< `end`), as (start, end).
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
///  ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+` — every scalar starts a match, so the
/// match always starts at `i`; Qwen2 is the same with `\p{N}`, Qwen3.5 also with `[\p{L}\p{M}]`
/// for `\p{L}` (`letters`: the flags of what counts as a letter).
@inline(__always)
func llama3Match(_ buf: UnsafeBufferPointer<UInt32>, _ i: Int, _ end: Int, _ flags: CharFlags,
                 maxDigits: Int, letters: UInt8) -> (Int, Int) {
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
    let L = letters, N = CharFlags.number, S = CharFlags.onigSpace
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
