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
        out.reserveCapacity(out.count + n)
        var i = 0
        while i < n {
            let b0 = p[i]
            if b0 < 0x80 {
                out.append(UInt32(b0)); i += 1
                continue
            }
            var cp: UInt32
            var need: Int
            var minimum: UInt32
            if b0 & 0xE0 == 0xC0 { cp = UInt32(b0 & 0x1F); need = 1; minimum = 0x80 }
            else if b0 & 0xF0 == 0xE0 { cp = UInt32(b0 & 0x0F); need = 2; minimum = 0x800 }
            else if b0 & 0xF8 == 0xF0 { cp = UInt32(b0 & 0x07); need = 3; minimum = 0x10000 }
            else { throw invalid(i) }
            guard i + need < n else { throw invalid(i) }
            for k in 1...need {
                let b = p[i + k]
                guard b & 0xC0 == 0x80 else { throw invalid(i) }
                cp = cp << 6 | UInt32(b & 0x3F)
            }
            guard cp >= minimum, cp <= 0x10FFFF, !(0xD800...0xDFFF).contains(cp) else { throw invalid(i) }
            out.append(cp)
            i += need + 1
        }
    }

    static func invalid(_ offset: Int) -> M2VError {
        .invalidUTF8("invalid UTF-8 at byte \(offset)")
    }

    /// UTF-8 encoding of `scalars` (assumed valid scalar values).
    public static func encode(_ scalars: some Sequence<UInt32>, into out: inout [UInt8]) {
        for s in scalars { appendUTF8(&out, s) }
    }
}
