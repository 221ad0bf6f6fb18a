// UTF-8 -> Unicode scalar decoding for text coming through the C API, with an ASCII fast path:
// strict (invalid input is reported with its byte offset) or replacing (each maximal invalid
// subsequence becomes U+FFFD, as Python's `bytes.decode("utf-8", "replace")`), and bounded (at
// most `limit` scalars are written; the rest is validated, not stored).
import M2VSupport

public enum UTF8Decoding {
    /// Appends the scalars of `bytes` to `out`, at most `limit` of them. Strict mode throws
    /// `.invalidUTF8` naming the first bad byte offset (overlong forms, surrogates, values above
    /// U+10FFFF and truncated sequences are invalid, as in Rust's `str::from_utf8`), also when the
    /// bad byte lies beyond `limit`; `out` then holds a prefix. With `replace`, nothing throws.
    /// Returns whether all of `bytes` is valid UTF-8 (always true in strict mode, which throws
    /// otherwise; with `replace`, false when something was or would have been replaced).
    @discardableResult
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt32],
                              limit: Int = .max, replace: Bool = false) throws(M2VError) -> Bool {
        guard let p = bytes.baseAddress else { return true }
        let n = bytes.count
        let base = out.count
        // Room for the worst case (one scalar per byte, at most `limit`), written through a
        // pointer, then cut to what was decoded (also on error, so `out` holds the valid prefix).
        let room = min(n, max(0, limit))
        out.append(contentsOf: repeatElement(0, count: room))
        var w = 0
        var i = 0
        var failedAt = -1
        var valid = true
        out.withUnsafeMutableBufferPointer { buf in
            guard let o = buf.baseAddress.map({ $0 + base }) else { return }
            while i < n && w < room {
                // ASCII, eight bytes at a time.
                while i + 8 <= n && w + 8 <= room {
                    let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    for k in 0..<8 { o[w + k] = UInt32(truncatingIfNeeded: (word >> UInt64(8 * k)) & 0xFF) }
                    w += 8; i += 8
                }
                if i >= n || w >= room { break }
                let b0 = p[i]
                if b0 < 0x80 {
                    o[w] = UInt32(b0); w += 1; i += 1
                    continue
                }
                let (cp, len) = scalar(p, i, n)
                if cp < 0 {
                    if !replace { failedAt = i; return }
                    o[w] = 0xFFFD
                    valid = false
                } else {
                    o[w] = UInt32(cp)
                }
                w += 1; i += len
            }
        }
        out.removeSubrange((base + w)...)
        if failedAt >= 0 { throw invalid(failedAt) }
        // Beyond the limit: validated, not stored.
        if valid && i < n {
            guard isValid(UnsafeBufferPointer(start: p + i, count: n - i)) else {
                if replace { return false }
                // The offset of the first bad byte, for the message.
                while i < n {
                    if p[i] < 0x80 { i += 1; continue }
                    let (cp, len) = scalar(p, i, n)
                    if cp < 0 { break }
                    i += len
                }
                throw invalid(i)
            }
        }
        return valid
    }

    /// Whether `bytes` is valid UTF-8 (no allocation).
    public static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = bytes.baseAddress else { return true }
        let n = bytes.count
        var i = 0
        while i < n {
            while i + 8 <= n && UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { i += 8 }
            if i >= n { break }
            if p[i] < 0x80 { i += 1; continue }
            let (cp, len) = scalar(p, i, n)
            if cp < 0 { return false }
            i += len
        }
        return true
    }

    /// The scalar starting at the non-ASCII byte `p[i]` and its length in bytes; or -1 and the
    /// length of the maximal invalid subpart (the lead byte plus the continuation bytes that
    /// could still have completed it; Unicode's "best practice" that Python and Swift follow).
    @inline(__always)
    static func scalar(_ p: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> (Int32, Int) {
        let b0 = p[i]
        var need: Int, cp: UInt32
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF  // valid range of the second byte
        switch b0 {
        case 0xC2...0xDF: need = 1; cp = UInt32(b0 & 0x1F)
        case 0xE0: need = 2; cp = UInt32(b0 & 0x0F); lo = 0xA0
        case 0xE1...0xEC, 0xEE, 0xEF: need = 2; cp = UInt32(b0 & 0x0F)
        case 0xED: need = 2; cp = UInt32(b0 & 0x0F); hi = 0x9F
        case 0xF0: need = 3; cp = UInt32(b0 & 0x07); lo = 0x90
        case 0xF1...0xF3: need = 3; cp = UInt32(b0 & 0x07)
        case 0xF4: need = 3; cp = UInt32(b0 & 0x07); hi = 0x8F
        default: return (-1, 1)  // continuation byte, C0, C1, F5...FF
        }
        for k in 1...need {
            guard i + k < n else { return (-1, k) }
            let b = p[i + k]
            let ok = k == 1 ? (b >= lo && b <= hi) : (b & 0xC0 == 0x80)
            guard ok else { return (-1, k) }
            cp = cp << 6 | UInt32(b & 0x3F)
        }
        return (Int32(bitPattern: cp), need + 1)
    }

    static func invalid(_ offset: Int) -> M2VError {
        .invalidUTF8("invalid UTF-8 at byte \(offset)")
    }

    /// UTF-8 encoding of `scalars` (assumed valid scalar values).
    public static func encode(_ scalars: some Sequence<UInt32>, into out: inout [UInt8]) {
        for s in scalars { appendUTF8(&out, s) }
    }
}
