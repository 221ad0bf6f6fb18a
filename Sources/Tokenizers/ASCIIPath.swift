// The fused path of BERT-style tokenizers for pure-ASCII text: one pass over the UTF-8 bytes
// does what UTF-8 decoding, both added-token scans, the normalizer and BertPreTokenizer do to
// them, then the WordPiece model runs on the pieces as on the general path's.
import M2VSupport
import TokenizerCore
import TokenizerNormalizers
import TokenizerPreTokenizers

/// A table of what each ASCII byte becomes, for a tokenizer where that is context-free: the
/// pre-tokenizer is BertPreTokenizer, the model WordPiece, and the normalizer (if any) is built
/// from BertNormalizer, Lowercase, NFD/NFC/NFKD/NFKC and StripAccents, which treat an ASCII
/// scalar on its own. Each entry is computed at load by running the real normalizer on that
/// byte, and the whole table is checked against the normalizer on long mixed ASCII strings, so
/// the path cannot drift from the general one. A byte that does not map to at most one ASCII
/// scalar, that could begin an added token (raw, or normalized after normalization), or that is
/// not ASCII sends the text to the general path.
struct ASCIIPath: Sendable {
    /// Per byte: the normalized scalar (low 7 bits) and the flags below.
    private let table: [UInt16]
    private static let drop: UInt16 = 0x100, space: UInt16 = 0x200, punct: UInt16 = 0x400, general: UInt16 = 0x800

    init?(normalizer: (any Normalizer)?, raw: AddedTokenMatcher, normalized: AddedTokenMatcher) {
        if let n = normalizer, !ASCIIPath.perScalar(n) { return nil }
        var t = [UInt16](repeating: ASCIIPath.general, count: 256)
        var scratch: [UInt32] = []
        for c in UInt32(0)..<0x80 {
            if raw.mayStart(with: c) { continue }
            var s: [UInt32] = [c]
            do { try normalizer?.normalize(&s, scratch: &scratch) } catch { return nil }
            if s.isEmpty { t[Int(c)] = ASCIIPath.drop; continue }
            guard s.count == 1, s[0] < 0x80, !normalized.mayStart(with: s[0]) else { continue }
            switch BertPreTokenizer.scalarClass(s[0]) {
            case .word: t[Int(c)] = UInt16(s[0])
            case .space: t[Int(c)] = UInt16(s[0]) | ASCIIPath.space
            case .punct: t[Int(c)] = UInt16(s[0]) | ASCIIPath.punct
            }
        }
        // The per-byte results must be the normalizer's on whole strings (each byte next to
        // every other, in several orders).
        let usable = (UInt32(0)..<0x80).filter { t[Int($0)] & ASCIIPath.general == 0 }
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        var orders: [[UInt32]] = [usable, usable.reversed()]
        for _ in 0..<4 {
            orders.append(usable.map { c -> (UInt64, UInt32) in
                rng = rng &* 6364136223846793005 &+ 1442695040888963407
                return (rng >> 33, c)
            }.sorted { $0.0 < $1.0 }.map { $0.1 })
        }
        orders.append(usable.flatMap { c in usable.map { [c, $0] } }.flatMap { $0 })  // every pair
        for text in orders {
            var s = text
            do { try normalizer?.normalize(&s, scratch: &scratch) } catch { return nil }
            let expect = text.compactMap { c -> UInt32? in t[Int(c)] & ASCIIPath.drop != 0 ? nil : UInt32(t[Int(c)] & 0x7F) }
            if s != expect { return nil }
        }
        table = t
    }

    /// Whether each of `n`'s parts treats an ASCII scalar on its own.
    private static func perScalar(_ n: any Normalizer) -> Bool {
        switch n {
        case is BertNormalizer, is LowercaseNormalizer, is UnicodeNormalizer, is StripAccentsNormalizer: return true
        case let s as SequenceNormalizer: return s.normalizers.allSatisfy(perScalar)
        default: return false
        }
    }

    /// Normalizes `text[..<prefix]` into `segment[..<scalars]` and cuts it into
    /// `pieces[..<count]` (BertPreTokenizer's pieces of the normalized text), or returns nil when
    /// some byte of `text` (the whole of it: the rest must be ASCII too) needs the general path.
    /// Both buffers only grow.
    func run(_ text: UnsafeBufferPointer<UInt8>, prefix n: Int, segment: inout [UInt32],
             pieces: inout [Piece]) -> (scalars: Int, count: Int)? {
        guard n >= 0, n <= text.count else { return nil }
        if n < text.count {
            for i in n..<text.count where text[i] >= 0x80 { return nil }
        }
        if segment.count < n { segment.append(contentsOf: repeatElement(0, count: n - segment.count)) }
        if pieces.count < n + 1 { pieces.append(contentsOf: repeatElement(Piece(start: 0, end: 0, originEnd: 0), count: n + 1 - pieces.count)) }
        return table.withUnsafeBufferPointer { t -> (Int, Int)? in
            segment.withUnsafeMutableBufferPointer { seg -> (Int, Int)? in
                pieces.withUnsafeMutableBufferPointer { pc -> (Int, Int)? in
                    // j <= i < n <= seg.count; a piece needs at least one scalar, so np <= j <= n < pc.count.
                    var j = 0, np = 0, runStart = 0
                    for i in 0..<n {
                        let e = t[Int(text[i])]
                        if e & 0xF00 == 0 {
                            seg[j] = UInt32(e)
                            j += 1
                            continue
                        }
                        if e & ASCIIPath.general != 0 { return nil }
                        if e & ASCIIPath.drop != 0 { continue }
                        seg[j] = UInt32(e & 0x7F)
                        if j > runStart {
                            pc[np] = Piece(start: runStart, end: j, originEnd: 0)
                            np += 1
                        }
                        if e & ASCIIPath.punct != 0 {
                            pc[np] = Piece(start: j, end: j + 1, originEnd: 0)
                            np += 1
                        }
                        j += 1
                        runStart = j
                    }
                    if j > runStart {
                        pc[np] = Piece(start: runStart, end: j, originEnd: 0)
                        np += 1
                    }
                    return (j, np)
                }
            }
        }
    }
}
