// Added tokens ("added_tokens" of tokenizer.json): found in the text before the model runs, as
// HuggingFace's AddedVocabulary does — tokens with `normalized: false` on the raw text, the others
// on the normalized text — with leftmost-longest matching and the `single_word`, `lstrip` and
// `rstrip` rules.
import M2VSupport
import TokenizerCore

/// One entry of "added_tokens".
public struct AddedToken: Sendable {
    public let id: Int32
    public let content: String
    public let special: Bool
    public let singleWord: Bool
    public let lstrip: Bool
    public let rstrip: Bool
    public let normalized: Bool
}

/// A piece of text after added-token extraction: either a run of plain text or one added token.
struct Segment {
    var start: Int
    var end: Int
    var token: Int32   // -1 for plain text
}

/// Leftmost-longest matcher over a set of scalar patterns (a trie keyed by (node, scalar)).
struct AddedTokenMatcher: Sendable {
    /// (node << 32 | scalar) -> child node, open addressing: two words a slot, the key (~0 =
    /// empty) and the child (a cheap mixer instead of a Dictionary's SipHash on the hot path).
    private var edgeSlots: [UInt64] = [~0, 0]
    private var edgeMask = 0
    private var terminal: [Int32] = [-1]         // node -> index into `tokens`, -1 if none
    /// Bit `s & 0xFFFF` is set when some pattern starts with a scalar congruent to s: a cheap
    /// filter that lets the scan skip most positions without a hash lookup.
    private var firstMask = [UInt64](repeating: 0, count: 1024)
    let tokens: [AddedToken]

    var isEmpty: Bool { tokens.isEmpty }

    /// False when no pattern starts with scalar `s` (true may be a false positive: the filter
    /// keeps the low 16 bits).
    @inline(__always)
    func mayStart(with s: UInt32) -> Bool {
        let b = Int(s & 0xFFFF)
        return firstMask[b >> 6] & (1 << UInt64(b & 63)) != 0
    }

    /// `patterns[i]` is what token `tokens[i]` looks like in the text it is matched on.
    init(tokens: [AddedToken], patterns: [[UInt32]]) {
        self.tokens = tokens
        var edges: [UInt64: Int32] = [:]
        for (i, pat) in patterns.enumerated() where !pat.isEmpty {
            var node: Int32 = 0
            for s in pat {
                let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(s)
                if let next = edges[key] { node = next } else {
                    let next = Int32(terminal.count)
                    terminal.append(-1)
                    edges[key] = next
                    node = next
                }
            }
            if terminal[Int(node)] < 0 { terminal[Int(node)] = Int32(i) }
            let b = Int(pat[0] & 0xFFFF)
            firstMask[b >> 6] |= 1 << UInt64(b & 63)
        }
        var cap = 2
        while cap < edges.count * 2 { cap *= 2 }
        var slots = [UInt64](repeating: ~0, count: 2 * cap)
        for (key, child) in edges {
            var i = AddedTokenMatcher.slot(key, cap - 1)
            while slots[2 * i] != ~0 { i = (i + 1) & (cap - 1) }
            slots[2 * i] = key
            slots[2 * i + 1] = UInt64(UInt32(bitPattern: child))
        }
        edgeSlots = slots
        edgeMask = cap - 1
    }

    @inline(__always)
    static func slot(_ key: UInt64, _ mask: Int) -> Int {
        var x = key &* 0x9e37_79b9_7f4a_7c15
        x ^= x >> 29
        return Int(truncatingIfNeeded: x) & mask
    }

    /// The child of the edge `key`, or nil.
    @inline(__always)
    private func edge(_ key: UInt64) -> Int32? {
        edgeSlots.withUnsafeBufferPointer { sl -> Int32? in
            var i = AddedTokenMatcher.slot(key, edgeMask)
            while true {
                let k = sl[2 * i]
                if k == key { return Int32(truncatingIfNeeded: sl[2 * i + 1]) }
                if k == ~0 { return nil }
                i = (i + 1) & edgeMask
            }
        }
    }

    /// Longest pattern starting at `pos`: (token index, end) or nil.
    @inline(__always)
    private func longest(_ text: UnsafeBufferPointer<UInt32>, at pos: Int) -> (Int, Int)? {
        var node: Int32 = 0
        var best: (Int, Int)? = nil
        var i = pos
        while i < text.count {
            let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(text[i])
            guard let next = edge(key) else { break }
            node = next
            i += 1
            let t = terminal[Int(node)]
            if t >= 0 { best = (Int(t), i) }
        }
        return best
    }

    /// Splits `text` into plain runs and added tokens (HF `find_matches`), appending to `out`
    /// with positions offset by `base`.
    func split(_ text: UnsafeBufferPointer<UInt32>, base: Int, into out: inout [Segment]) {
        let n = text.count
        if tokens.isEmpty || n == 0 {
            if n > 0 { out.append(Segment(start: base, end: base + n, token: -1)) }
            return
        }
        var startOffset = 0
        var pos = 0
        while pos < n {
            if !mayStart(with: text[pos]) { pos += 1; continue }
            guard let (ti, matchEnd) = longest(text, at: pos) else {
                pos += 1
                continue
            }
            let tok = tokens[ti]
            var start = pos
            var stop = matchEnd
            if tok.singleWord {
                let startOK = start == 0 || !isWordChar(text[start - 1])
                let stopOK = stop == n || !isWordChar(text[stop])
                if !(startOK && stopOK) { pos = matchEnd; continue } // skipped, as aho-corasick moves past it
            }
            if tok.lstrip {
                var s = start
                while s > 0, isWhitespace(text[s - 1]) { s -= 1 }
                start = max(s, startOffset)
            }
            if tok.rstrip {
                while stop < n, isWhitespace(text[stop]) { stop += 1 }
            }
            if startOffset < start { out.append(Segment(start: base + startOffset, end: base + start, token: -1)) }
            // After an overlap (below) an lstrip can move `start` up to `stop`: HF's split is
            // then empty and dropped (PreTokenizedString::split keeps no empty piece), or
            // inverted and HF panics ("AddedVocabulary bad split"); no token either way.
            if start < stop { out.append(Segment(start: base + start, end: base + stop, token: tok.id)) }
            startOffset = stop
            // The next match is searched from the end of this one, not of its rstrip: HF's
            // aho-corasick iterator does not know about the extension, so a token whose content
            // is whitespace matches again inside the whitespace an rstrip took ("  " with an
            // rstrip " " gives the token twice).
            pos = matchEnd
        }
        if startOffset < n { out.append(Segment(start: base + startOffset, end: base + n, token: -1)) }
    }

    @inline(__always) private func isWhitespace(_ s: UInt32) -> Bool {
        if s < 0x80 { return s == 0x20 || (s >= 0x09 && s <= 0x0D) }
        return Unicode.Scalar(s)?.properties.isWhitespace ?? false
    }

    @inline(__always) private func isWordChar(_ s: UInt32) -> Bool {
        if s < 0x80 {
            return (s >= 0x30 && s <= 0x39) || (s >= 0x41 && s <= 0x5A) || (s >= 0x61 && s <= 0x7A) || s == 0x5F
        }
        guard let u = Unicode.Scalar(s) else { return false }
        let p = u.properties
        switch p.generalCategory {
        case .decimalNumber, .connectorPunctuation, .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return p.isAlphabetic || p.isJoinControl
        }
    }
}
