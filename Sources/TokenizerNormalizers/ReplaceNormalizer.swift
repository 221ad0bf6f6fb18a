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

    /// With an empty content, a non-empty match at the start removes the first scalar (with a
    /// non-empty content the replacement takes its place, aligned to it).
    public func dropsFirst(_ text: [UInt32]) throws(M2VError) -> Bool {
        guard content.isEmpty, !text.isEmpty else { return false }
        return try pattern.matchesNonEmptyPrefix(text, scratch: scratchForCall())
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
