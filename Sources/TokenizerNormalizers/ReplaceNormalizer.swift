// Replace: a literal string or a regex, every leftmost non-overlapping match -> content.
import M2VSupport
import TokenizerCore

/// HuggingFace `Replace`. The pattern (`TextPattern`, shared with `Split`) is a `String`,
/// matched literally on scalars (an empty pattern matches before every scalar and at the end,
/// as the crate's escaped regex does), or a `Regex`, run on Oniguruma as the crate does; each
/// match of HF's `find_matches` is replaced by `content`.
public struct ReplaceNormalizer: Normalizer {
    public let content: [UInt32]
    let pattern: TextPattern

    public init(literal: String, content: String) {
        self.pattern = .literal(literal.unicodeScalars.map { $0.value })
        self.content = content.unicodeScalars.map { $0.value }
    }

    /// Compiles `pattern` with Oniguruma (errors as `OnigRegex.init`).
    public init(regex pattern: String, content: String) throws(M2VError) {
        self.pattern = try TextPattern.compile(regex: pattern, what: "normalizer Replace")
        self.content = content.unicodeScalars.map { $0.value }
    }

    /// An expansion stops once its output holds this many scalars: the tokenizer rejects a
    /// text that normalizes to more than `Limits.textCodePoints`, so the rest is never needed
    /// and never allocated (a 1000-character replacement of every character of a long text
    /// would otherwise ask for terabytes).
    static let outputCap = Limits.textCodePoints + 1

    /// HF's `replace`: the text between matches keeps its alignments; the content of a match
    /// is aligned like the match's last scalar (like the scalar before an empty match, or to
    /// offset 0 for one at the very start, even when the first scalar is not). So the leading
    /// aligned run goes on through the output until a scalar comes from at or after `origin`.
    public func origin(after text: [UInt32], origin: Int) throws(M2VError) -> Int {
        if text.isEmpty { return 0 }
        let r = max(0, min(origin, text.count))
        var out = 0, copied = 0, open = true
        let n = content.count
        try text.withUnsafeBufferPointer { (buf) throws(M2VError) in
            try pattern.forEachMatch(buf, 0, buf.count, scratch: scratchForCall()) { lo, hi in
                guard open else { return }
                if lo > copied {                       // kept text before the match
                    out += max(0, min(lo, r) - copied)
                    if lo > r { open = false; return }
                }
                let aligned = hi > lo ? hi - 1 < r : (lo == 0 || lo - 1 < r)
                if n > 0 {
                    if !aligned { open = false; return }
                    out += n
                }
                copied = hi
            }
        }
        if open && copied < r { out += r - copied }
        return out
    }

    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) throws(M2VError) {
        if text.isEmpty { return }
        if case .literal(let p) = pattern, p.isEmpty {
            expandEmpty(&text, &scratch)
            return
        }
        let content = content
        let cap = Self.outputCap
        scratch.removeAll(keepingCapacity: true)
        var copied = 0
        var changed = false
        var failure: M2VError?
        text.withUnsafeBufferPointer { buf in
            do throws(M2VError) {
                try pattern.forEachMatch(buf, 0, buf.count, scratch: scratchForCall()) { lo, hi in
                    // Expanded past the limit: stop (see outputCap).
                    guard scratch.count < cap, lo >= copied, hi <= buf.count else { return }
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buf[copied..<lo]))
                    scratch.append(contentsOf: content)
                    copied = hi
                    changed = true
                }
            } catch {
                failure = error
            }
        }
        if let e = failure { throw e.context("normalizer Replace") }
        guard changed else { return }
        if scratch.count < cap { scratch.append(contentsOf: text[copied...]) }
        swap(&text, &scratch)
    }

    /// A regex needs buffers of its own per call; a literal uses none (the shared one is
    /// never written).
    private func scratchForCall() -> PatternScratch {
        if case .regex = pattern { return PatternScratch() }
        return Self.unusedScratch
    }
    private static let unusedScratch = PatternScratch()

    /// The empty literal: `content` before every scalar and at the end.
    private func expandEmpty(_ text: inout [UInt32], _ out: inout [UInt32]) {
        out.removeAll(keepingCapacity: true)
        let n = text.count
        let cap = Self.outputCap
        let (need, overflow) = n.multipliedReportingOverflow(by: content.count + 1)
        out.reserveCapacity(overflow ? cap : min(cap, need &+ content.count))
        for c in text {
            if out.count >= cap { break }
            out.append(contentsOf: content); out.append(c)
        }
        if out.count < cap { out.append(contentsOf: content) }
        swap(&text, &out)
    }
}
