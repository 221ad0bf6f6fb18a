// Precompiled: SentencePiece's normalization rules as a double-array trie plus a blob of
// NUL-terminated replacement strings (spm_precompiled), applied per grapheme cluster as
// tokenizers/src/normalizers/precompiled.rs does.
import M2VSupport
import TokenizerCore

/// HuggingFace `Precompiled` (`precompiled_charsmap`, base64 of
/// `[u32 LE trie byte size][trie: u32 LE units][normalized strings, NUL-separated]`).
///
/// For each extended grapheme cluster: when it is shorter than 6 UTF-8 bytes and the trie has a
/// key that is a prefix of it, the WHOLE cluster is replaced by the replacement of the SHORTEST
/// such key (spm_precompiled's `transform` takes the first `common_prefix_search` result);
/// otherwise each scalar is looked up alone. Grapheme clusters come from the Swift standard
/// library's `Character` segmentation (the crate uses unicode-segmentation; both follow UAX #29,
/// possibly at different Unicode versions), run only on the stretches of text holding non-ASCII
/// scalars (two ASCII scalars other than CR LF always have a cluster break between them). Trie walks are bounds-checked: a corrupt trie gives "no match",
/// never a trap. An empty charsmap is the identity.
public struct PrecompiledNormalizer: Normalizer {
    let trie: [UInt32]
    let blob: [UInt8]
    /// For each ASCII byte, the replacement of that single byte, or nil.
    let asciiReplacement: [[UInt32]?]

    public init(base64: String) throws(M2VError) {
        guard let raw = decodeBase64(base64) else {
            throw .format("normalizer Precompiled: \"precompiled_charsmap\" is not valid base64")
        }
        try self.init(charsmap: raw)
    }

    public init(charsmap raw: [UInt8]) throws(M2VError) {
        if raw.isEmpty {
            trie = []; blob = []; asciiReplacement = []
            return
        }
        guard raw.count >= 4 else { throw .format("normalizer Precompiled: charsmap shorter than its header") }
        let size = Int(raw[0]) | Int(raw[1]) << 8 | Int(raw[2]) << 16 | Int(raw[3]) << 24
        let units = size / 4
        guard units <= (raw.count - 4) / 4 else {
            throw .format("normalizer Precompiled: trie size \(size) exceeds the charsmap (\(raw.count) bytes)")
        }
        var t = [UInt32](repeating: 0, count: units)
        for i in 0..<units {
            let p = 4 + 4 * i
            t[i] = UInt32(raw[p]) | UInt32(raw[p + 1]) << 8 | UInt32(raw[p + 2]) << 16 | UInt32(raw[p + 3]) << 24
        }
        let rest = Array(raw[(4 + 4 * units)...])
        guard String(validating: rest, as: UTF8.self) != nil else {
            throw .format("normalizer Precompiled: normalized strings are not valid UTF-8")
        }
        trie = t
        blob = rest
        var ascii: [[UInt32]?] = []
        ascii.reserveCapacity(128)
        for b in 0..<128 {
            let key = [UInt8(b)]
            ascii.append(key.withUnsafeBufferPointer { Self.lookup(trie: t, blob: rest, key: $0) })
        }
        asciiReplacement = ascii
    }

    /// spm_precompiled `transform`: the replacement of the shortest trie key that is a prefix of
    /// `key`, or nil.
    static func lookup(trie: [UInt32], blob: [UInt8], key: UnsafeBufferPointer<UInt8>) -> [UInt32]? {
        guard !trie.isEmpty else { return nil }
        @inline(__always) func offset(_ u: UInt32) -> Int { Int((u >> 10) << ((u & (1 << 9)) >> 6)) }
        var node = offset(trie[0])
        for c in key {
            if c == 0 { break }
            node ^= Int(c)
            guard node >= 0, node < trie.count else { return nil }
            let unit = trie[node]
            if unit & ((1 << 31) | 0xFF) != UInt32(c) { return nil }
            node ^= offset(unit)
            if (unit >> 8) & 1 == 1 {
                guard node >= 0, node < trie.count else { return nil }
                return decode(blob: blob, at: Int(trie[node] & ((1 << 31) - 1)))
            }
        }
        return nil
    }

    /// The NUL-terminated UTF-8 string of the blob at byte `index`, as scalars.
    static func decode(blob: [UInt8], at index: Int) -> [UInt32]? {
        guard index <= blob.count else { return nil }
        var end = index
        while end < blob.count && blob[end] != 0 { end += 1 }
        guard let s = String(validating: blob[index..<end], as: UTF8.self) else { return nil }
        return s.unicodeScalars.map { $0.value }
    }


    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        if trie.isEmpty || text.isEmpty { return }
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(text.count)
        // Between two ASCII scalars there is always a grapheme break, except inside CR LF. So
        // the text splits at such points into runs: all-ASCII runs are handled scalar by scalar,
        // and only runs holding non-ASCII scalars go through String segmentation.
        let n = text.count
        var runStart = 0
        var i = 1
        while i <= n {
            if i == n || (text[i] < 0x80 && text[i - 1] < 0x80 && !(text[i - 1] == 0x0D && text[i] == 0x0A)) {
                appendRun(text, runStart, i, into: &scratch)
                runStart = i
            }
            i += 1
        }
        swap(&text, &scratch)
    }

    /// Normalizes `text[start..<end]`, which starts and ends at grapheme cluster boundaries.
    private func appendRun(_ text: [UInt32], _ start: Int, _ end: Int, into out: inout [UInt32]) {
        if end - start == 1 {
            let c = text[start]
            if c < 0x80, let r = asciiReplacement[Int(c)] { out.append(contentsOf: r) }
            else if c < 0x80 { out.append(c) }
            else { appendCluster(text, start, end, into: &out) }
            return
        }
        var allASCII = true
        for j in start..<end where text[j] >= 0x80 { allASCII = false; break }
        if allASCII {
            // Only CR LF can be a multi-scalar cluster here.
            var j = start
            while j < end {
                if text[j] == 0x0D && j + 1 < end && text[j + 1] == 0x0A {
                    appendCluster(text, j, j + 2, into: &out)
                    j += 2
                } else {
                    appendCluster(text, j, j + 1, into: &out)
                    j += 1
                }
            }
            return
        }
        var s = String()
        s.unicodeScalars.reserveCapacity(end - start)
        for j in start..<end { s.unicodeScalars.append(Unicode.Scalar(text[j]) ?? "\u{FFFD}") }
        var j = start
        for ch in s {
            let k = min(j + ch.unicodeScalars.count, end)
            appendCluster(text, j, k, into: &out)
            j = k
        }
        if j < end { out.append(contentsOf: text[j..<end]) }
    }

    /// Normalizes the grapheme cluster `text[start..<end]`, appending to `out`.
    private func appendCluster(_ text: [UInt32], _ start: Int, _ end: Int, into out: inout [UInt32]) {
        var bytes = 0
        for j in start..<end { bytes += utf8Width(text[j]) }
        var key: [UInt8] = []
        if bytes < 6 {
            key.reserveCapacity(bytes)
            for j in start..<end { appendUTF8(&key, text[j]) }
            if let r = key.withUnsafeBufferPointer({ Self.lookup(trie: trie, blob: blob, key: $0) }) {
                out.append(contentsOf: r)
                return
            }
        }
        for j in start..<end {
            let c = text[j]
            if c < 0x80 {
                if let r = asciiReplacement[Int(c)] { out.append(contentsOf: r) } else { out.append(c) }
                continue
            }
            key.removeAll(keepingCapacity: true)
            appendUTF8(&key, c)
            if let r = key.withUnsafeBufferPointer({ Self.lookup(trie: trie, blob: blob, key: $0) }) {
                out.append(contentsOf: r)
            } else {
                out.append(c)
            }
        }
    }
}

/// Standard base64 (RFC 4648, with padding, whitespace not allowed), nil when malformed.
func decodeBase64(_ s: String) -> [UInt8]? {
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count / 4 * 3)
    var acc: UInt32 = 0, bits = 0, pad = 0, count = 0
    for ch in s.utf8 {
        let v: UInt32
        switch ch {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = UInt32(ch - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): v = UInt32(ch - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt32(ch - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): v = 62
        case UInt8(ascii: "/"): v = 63
        case UInt8(ascii: "="): pad += 1; count += 1; continue
        default: return nil
        }
        if pad > 0 { return nil } // data after padding
        count += 1
        acc = acc << 6 | v
        bits += 6
        if bits >= 8 {
            bits -= 8
            out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
        }
    }
    guard count % 4 == 0, pad <= 2 else { return nil }
    return out
}
