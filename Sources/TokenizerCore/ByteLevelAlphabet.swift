// The GPT-2 byte <-> visible-character table used by the ByteLevel pre-tokenizer, normalizer
// and decoder: printable bytes map to themselves, the other 68 bytes to U+0100 and up.

public enum ByteLevelAlphabet {
    /// `scalarForByte[b]` is the visible scalar standing for byte `b`.
    public static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable { table[b] = UInt32(b) } else { table[b] = next; next += 1 }
        }
        return table
    }()

    /// The byte a visible scalar stands for, or nil when it is not in the alphabet.
    @inline(__always)
    public static func byte(forScalar s: UInt32) -> UInt8? {
        if s < 256 {
            let b = Int(s)
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            return printable ? UInt8(b) : nil
        }
        return s < 256 + 68 ? byteForExtra[Int(s - 256)] : nil
    }

    private static let byteForExtra: [UInt8] = {
        var out = [UInt8](repeating: 0, count: 68)
        for b in 0..<256 where scalarForByte[b] >= 256 { out[Int(scalarForByte[b] - 256)] = UInt8(b) }
        return out
    }()
}
