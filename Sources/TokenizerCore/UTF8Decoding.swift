// Strict UTF-8 -> Unicode scalar decoding for text coming through the C API (no replacement:
// invalid input is reported with its byte offset), with an ASCII fast path.
import M2VSupport

public enum UTF8Decoding {
    /// Appends the scalars of `bytes` to `out`. Throws `.invalidUTF8` naming the first bad byte
    /// offset (overlong forms, surrogates, values above U+10FFFF and truncated sequences are
    /// invalid, as in Rust's `str::from_utf8`). On error `out` holds a prefix.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout [UInt32]) throws(M2VError) {
        guard let p = bytes.baseAddress else { return }
        let n = bytes.count
        let base = out.count
        // Room for the worst case (one scalar per byte), written through a pointer, then cut to
        // what was decoded (also on error, so `out` holds the valid prefix).
        out.append(contentsOf: repeatElement(0, count: n))
        var w = 0
        var failedAt = -1
        out.withUnsafeMutableBufferPointer { buf in
            guard let o = buf.baseAddress.map({ $0 + base }) else { return }
            var i = 0
            while i < n {
                // ASCII, eight bytes at a time.
                while i + 8 <= n {
                    let word = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    for k in 0..<8 { o[w + k] = UInt32(truncatingIfNeeded: (word >> UInt64(8 * k)) & 0xFF) }
                    w += 8; i += 8
                }
                if i >= n { break }
                let b0 = p[i]
                if b0 < 0x80 {
                    o[w] = UInt32(b0); w += 1; i += 1
                    continue
                }
                var cp: UInt32
                var need: Int
                var minimum: UInt32
                if b0 & 0xE0 == 0xC0 { cp = UInt32(b0 & 0x1F); need = 1; minimum = 0x80 }
                else if b0 & 0xF0 == 0xE0 { cp = UInt32(b0 & 0x0F); need = 2; minimum = 0x800 }
                else if b0 & 0xF8 == 0xF0 { cp = UInt32(b0 & 0x07); need = 3; minimum = 0x10000 }
                else { failedAt = i; return }
                guard i + need < n else { failedAt = i; return }
                for k in 1...need {
                    let b = p[i + k]
                    guard b & 0xC0 == 0x80 else { failedAt = i; return }
                    cp = cp << 6 | UInt32(b & 0x3F)
                }
                guard cp >= minimum, cp <= 0x10FFFF, !(0xD800...0xDFFF).contains(cp) else { failedAt = i; return }
                o[w] = cp; w += 1
                i += need + 1
            }
        }
        out.removeSubrange((base + w)...)
        if failedAt >= 0 { throw invalid(failedAt) }
    }

    static func invalid(_ offset: Int) -> M2VError {
        .invalidUTF8("invalid UTF-8 at byte \(offset)")
    }

    /// UTF-8 encoding of `scalars` (assumed valid scalar values).
    public static func encode(_ scalars: some Sequence<UInt32>, into out: inout [UInt8]) {
        for s in scalars { appendUTF8(&out, s) }
    }
}
