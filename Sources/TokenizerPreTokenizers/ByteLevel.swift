// `ByteLevel` (GPT-2): optional prefix space, the GPT-2 split pattern matched by hand, then every
// UTF-8 byte of every piece mapped to its visible stand-in (`ByteLevelAlphabet`).
import TokenizerCore

/// `ByteLevel` pre-tokenizer. `trim_offsets` only moves offsets, so it is not kept.
public struct ByteLevelPreTokenizer: PreTokenizer {
    /// Prepend a space to every piece that does not start with one (Rust does it per piece).
    public let addPrefixSpace: Bool
    /// Split with the GPT-2 pattern before mapping bytes.
    public let useRegex: Bool

    public init(addPrefixSpace: Bool = true, useRegex: Bool = true) {
        self.addPrefixSpace = addPrefixSpace
        self.useRegex = useRegex
    }

    public func preTokenize(_ s: inout PreTokenizedString) {
        let table = ByteLevelAlphabet.scalarForByte
        let flags = CharFlags.shared
        let addPrefixSpace = addPrefixSpace, useRegex = useRegex
        s.refine { piece, out in
            var src = piece.start, end = piece.end
            // Source scalars before `originEnd` are aligned to original offset 0; each byte
            // stand-in is aligned like its scalar (HF's transform), so they count too.
            var originEnd = piece.originEnd
            if addPrefixSpace && out.scalars[src] != 0x20 {
                let mark = out.scalars.count
                out.scalars.append(0x20)
                for i in src..<end { out.scalars.append(out.scalars[i]) }
                // The prepended space is aligned like the first scalar (HF's prepend).
                originEnd = piece.atTextStart ? mark + 1 + (piece.originEnd - piece.start) : 0
                src = mark; end = out.scalars.count
            }
            // Without the regex the whole piece is one run.
            var i = src
            while i < end {
                let j = useRegex ? out.scalars.withUnsafeBufferPointer { gpt2MatchEnd($0, i, end, flags) } : end
                let mark = out.scalars.count
                var origin = 0
                for k in i..<j {
                    let before = out.scalars.count
                    appendBytes(out.scalars[k], table, &out.scalars)
                    if k < originEnd { origin += out.scalars.count - before }
                }
                out.emitAppended(since: mark, origin: origin)
                i = j
            }
        }
    }
}

/// Appends the byte-level stand-ins of the UTF-8 bytes of scalar `c`.
@inline(__always)
func appendBytes(_ c: UInt32, _ table: [UInt32], _ out: inout [UInt32]) {
    if c < 0x80 {
        out.append(table[Int(c)])
    } else if c < 0x800 {
        out.append(table[Int(0xC0 | (c >> 6))])
        out.append(table[Int(0x80 | (c & 0x3F))])
    } else if c < 0x10000 {
        out.append(table[Int(0xE0 | (c >> 12))])
        out.append(table[Int(0x80 | ((c >> 6) & 0x3F))])
        out.append(table[Int(0x80 | (c & 0x3F))])
    } else {
        let c = min(c, 0x10FFFF)
        out.append(table[Int(0xF0 | (c >> 18))])
        out.append(table[Int(0x80 | ((c >> 12) & 0x3F))])
        out.append(table[Int(0x80 | ((c >> 6) & 0x3F))])
        out.append(table[Int(0x80 | (c & 0x3F))])
    }
}

/// The end of the match of the GPT-2 pattern
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// starting at `i` (< `end`), with Oniguruma's leftmost-first alternation. Every scalar is
/// covered by some alternative, so the matches tile the text; the result is always > `i`.
@inline(__always)
func gpt2MatchEnd(_ buf: UnsafeBufferPointer<UInt32>, _ i: Int, _ end: Int, _ flags: CharFlags) -> Int {
    let c = buf[i]
    if c == 0x27 && i + 1 < end {               // 's 't 're 've 'm 'll 'd
        let n = buf[i + 1]
        if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 { return i + 2 }
        if i + 2 < end {
            let n2 = buf[i + 2]
            if (n == 0x72 && n2 == 0x65) || (n == 0x76 && n2 == 0x65) || (n == 0x6C && n2 == 0x6C) {
                return i + 3
            }
        }
    }
    // ` ?X+` for X in \p{L}, \p{N}, [^\s\p{L}\p{N}]: the optional space, then a run of one class.
    let k = (c == 0x20 && i + 1 < end) ? i + 1 : i
    let fk = flags(buf[k])
    if fk & CharFlags.letter != 0 {
        var j = k + 1
        while j < end && flags(buf[j]) & CharFlags.letter != 0 { j += 1 }
        return j
    }
    if fk & CharFlags.number != 0 {
        var j = k + 1
        while j < end && flags(buf[j]) & CharFlags.number != 0 { j += 1 }
        return j
    }
    let notOther = CharFlags.onigSpace | CharFlags.letter | CharFlags.number
    if fk & notOther == 0 {
        var j = k + 1
        while j < end && flags(buf[j]) & notOther == 0 { j += 1 }
        return j
    }
    if flags(c) & CharFlags.onigSpace == 0 {
        return i + 1    // unreachable: a non-space scalar is L, N or other
    }
    // `\s+(?!\S)|\s+`: the whitespace run, minus its last scalar when a non-space follows
    // (that scalar then starts the next match), unless the run is a single scalar.
    var j = i + 1
    while j < end && flags(buf[j]) & CharFlags.onigSpace != 0 { j += 1 }
    if j == end || j - i == 1 { return j }
    return j - 1
}
