// Replace: a literal string or a regex, every leftmost non-overlapping match -> content.
import M2VSupport
import TokenizerCore

/// Holds a compiled Swift `Regex`. `Regex` is immutable once built and its lazily compiled
/// program is initialised atomically, so sharing it between threads is safe.
final class RegexBox: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>
    init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }
}

/// HuggingFace `Replace`. A `String` pattern is matched literally on scalars (an empty pattern
/// matches before every scalar and at the end, as the crate's escaped regex does). A `Regex`
/// pattern (Oniguruma syntax in the crate) is compiled with Swift's `Regex`, with unicode-scalar
/// semantics and `^`/`$` matching at line ends (Ruby syntax); an empty match right where the
/// previous match ended is skipped, as rust-onig's `find_iter` does. Regex syntax beyond the
/// common subset shared by both engines may behave differently, and the regex path is slow
/// (it builds a `String` per call).
public struct ReplaceNormalizer: Normalizer {
    public let content: [UInt32]
    let literal: [UInt32]?
    let regex: RegexBox?

    public init(literal: String, content: String) {
        self.literal = literal.unicodeScalars.map { $0.value }
        self.content = content.unicodeScalars.map { $0.value }
        self.regex = nil
    }

    public init(regex pattern: String, content: String) throws(M2VError) {
        let r: Regex<AnyRegexOutput>
        do { r = try Regex(pattern) } catch {
            throw .format("normalizer Replace: invalid regex \"\(pattern)\": \(error)")
        }
        self.regex = RegexBox(r.matchingSemantics(.unicodeScalar).anchorsMatchLineEndings())
        self.literal = nil
        self.content = content.unicodeScalars.map { $0.value }
    }

    /// An expansion stops once its output holds this many scalars: the tokenizer rejects a
    /// text that normalizes to more than `Limits.textCodePoints`, so the rest is never needed
    /// and never allocated (a 1000-character replacement of every character of a long text
    /// would otherwise ask for terabytes).
    static let outputCap = Limits.textCodePoints + 1

    /// With an empty content, a non-empty match at the start removes the first scalar (with a
    /// non-empty content the replacement takes its place, aligned to it).
    public func dropsFirst(_ text: [UInt32]) -> Bool {
        guard content.isEmpty, !text.isEmpty else { return false }
        if let p = literal { return !p.isEmpty && text.starts(with: p) }
        guard let r = regex else { return false }
        guard let m = Self.string(text).prefixMatch(of: r.regex) else { return false }
        return m.range.lowerBound != m.range.upperBound
    }

    /// `text` as a String for Swift's Regex (a value that is not a scalar becomes U+FFFD).
    static func string(_ text: [UInt32]) -> String {
        var s = String()
        s.unicodeScalars.reserveCapacity(text.count)
        for c in text { s.unicodeScalars.append(Unicode.Scalar(c) ?? "\u{FFFD}") }
        return s
    }

    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        if text.isEmpty { return }
        if let p = literal { replaceLiteral(p, &text, &scratch) } else if let r = regex { replaceRegex(r.regex, &text, &scratch) }
    }

    private func replaceLiteral(_ p: [UInt32], _ text: inout [UInt32], _ out: inout [UInt32]) {
        out.removeAll(keepingCapacity: true)
        let n = text.count, m = p.count
        let cap = Self.outputCap
        if m == 0 {
            let (need, overflow) = n.multipliedReportingOverflow(by: content.count + 1)
            out.reserveCapacity(overflow ? cap : min(cap, need &+ content.count))
            for c in text {
                if out.count >= cap { break }
                out.append(contentsOf: content); out.append(c)
            }
            if out.count < cap { out.append(contentsOf: content) }
            swap(&text, &out)
            return
        }
        guard let first = p.first else { return }
        var i = 0
        var changed = false
        while i < n {
            let c = text[i]
            if c == first && n - i >= m {
                var k = 1
                while k < m && text[i + k] == p[k] { k += 1 }
                if k == m {
                    out.append(contentsOf: content); i += m; changed = true
                    if out.count >= cap { break }  // expanded past the limit: stop (see outputCap)
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        if changed { swap(&text, &out) }
    }

    private func replaceRegex(_ regex: Regex<AnyRegexOutput>, _ text: inout [UInt32], _ out: inout [UInt32]) {
        let s = Self.string(text)
        let scalars = s.unicodeScalars
        out.removeAll(keepingCapacity: true)
        var copied = 0                       // scalars of `text` already handled
        var lastEnd = -1                     // scalar offset where the last kept match ended
        var idx = scalars.startIndex, off = 0 // a position and its scalar offset, moving forward
        var changed = false
        for m in s.matches(of: regex) {
            let lo = m.range.lowerBound, hi = m.range.upperBound
            guard lo >= idx else { continue }
            let start = off + scalars.distance(from: idx, to: lo)
            let end = start + scalars.distance(from: lo, to: hi)
            idx = hi; off = end
            if start == end && start == lastEnd { continue }
            guard start >= copied, end <= text.count else { continue }
            out.append(contentsOf: text[copied..<start])
            out.append(contentsOf: content)
            copied = end
            lastEnd = end
            changed = true
            if out.count >= Self.outputCap { swap(&text, &out); return }  // see outputCap
        }
        guard changed else { return }
        out.append(contentsOf: text[copied...])
        swap(&text, &out)
    }
}
