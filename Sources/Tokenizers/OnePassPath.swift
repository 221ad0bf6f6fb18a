// The one-pass path of BERT-style tokenizers for texts whose scalars are all below U+0800
// (ASCII, Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic...: one or two UTF-8 bytes each):
// one table-driven pass over the UTF-8 bytes does what decoding, both added-token scans, the
// normalizer and BertPreTokenizer do to them; the WordPiece model then runs on the pieces as on
// the general path's.
import M2VSupport
import TokenizerCore
import TokenizerNormalizers
import TokenizerPreTokenizers
import UnicodeNormalization

/// What each scalar below U+0800 becomes, for a tokenizer where that is context-free: the
/// pre-tokenizer is BertPreTokenizer, the model WordPiece, and the normalizer (if any) is built
/// from BertNormalizer, Lowercase, NFD/NFC/NFKD/NFKC and StripAccents. Each entry is computed at
/// load by running the real normalizer on that scalar alone; an entry is usable only when the
/// result is at most two scalars with no combining mark among them (so canonical reordering
/// cannot join it to a neighbour), the normalizer does not compose (NFC / NFKC: then only the
/// ASCII entries are used), and the scalar cannot begin an added token (raw, or normalized after
/// normalization). The whole table is then checked against the
/// normalizer on long mixed strings. A text with any other scalar, an overlong or malformed
/// sequence, or a byte of a three- or four-byte sequence takes the general path.
struct OnePassPath: Sendable {
    /// Per scalar below U+0800: bits 0-20 the first output scalar, 21-41 the second, 42-43 the
    /// output count (0: dropped), 44-45 / 46-47 the outputs' classes, bit 48 "general path".
    private let table: [UInt64]
    static let end: UInt32 = 0x800
    /// Longer texts take the general path (this one sizes its buffers for the worst case, two
    /// scalars per code point; a long text's per-text cost is small beside its tokens anyway).
    static let maxScalars = 16_384
    private static let countShift: UInt64 = 42, generalBit: UInt64 = 1 << 48
    private static let word: UInt64 = 0, space: UInt64 = 1, punct: UInt64 = 2

    init?(normalizer: (any Normalizer)?, raw: AddedTokenMatcher, normalized: AddedTokenMatcher) {
        var composes = false
        if let n = normalizer, !OnePassPath.perScalar(n, composes: &composes) { return nil }
        var t = [UInt64](repeating: OnePassPath.generalBit, count: Int(OnePassPath.end))
        var scratch: [UInt32] = []
        for c in UInt32(0)..<OnePassPath.end {
            if raw.mayStart(with: c) || (c >= 0x80 && composes) { continue }
            var s: [UInt32] = [c]
            do { try normalizer?.normalize(&s, scratch: &scratch) } catch { return nil }
            guard s.count <= 2, s.allSatisfy({ $0 <= 0x1F_FFFF && UnicodeProperties.combiningClass($0) == 0 && !normalized.mayStart(with: $0) })
            else { continue }
            var e = UInt64(s.count) << OnePassPath.countShift
            for (k, o) in s.enumerated() {
                let cls: UInt64
                switch BertPreTokenizer.scalarClass(o) {
                case .word: cls = OnePassPath.word
                case .space: cls = OnePassPath.space
                case .punct: cls = OnePassPath.punct
                }
                e |= UInt64(o) << UInt64(21 * k) | cls << UInt64(44 + 2 * k)
            }
            t[Int(c)] = e
        }
        // The per-scalar results must be the normalizer's on whole strings: every usable scalar in
        // several orders, each ASCII one next to every other, each non-ASCII one next to a
        // sample of others.
        let usable = (UInt32(0)..<OnePassPath.end).filter { t[Int($0)] & OnePassPath.generalBit == 0 }
        let ascii = usable.filter { $0 < 0x80 }
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        func shuffled(_ a: [UInt32]) -> [UInt32] {
            a.map { c -> (UInt64, UInt32) in
                rng = rng &* 6364136223846793005 &+ 1442695040888963407
                return (rng >> 33, c)
            }.sorted { $0.0 < $1.0 }.map { $0.1 }
        }
        var orders: [[UInt32]] = [usable, usable.reversed()]
        for _ in 0..<2 { orders.append(shuffled(usable)) }
        orders.append(ascii.flatMap { c in ascii.flatMap { [c, $0] } })
        for _ in 0..<2 { orders.append(zip(usable, shuffled(usable)).flatMap { [$0.0, $0.1, $0.0] }) }
        for text in orders {
            var s = text
            do { try normalizer?.normalize(&s, scratch: &scratch) } catch { return nil }
            var expect: [UInt32] = []
            for c in text {
                let e = t[Int(c)]
                let n = Int(e >> OnePassPath.countShift & 3)
                for k in 0..<n { expect.append(UInt32(truncatingIfNeeded: e >> UInt64(21 * k) & 0x1F_FFFF)) }
            }
            if s != expect { return nil }
        }
        table = t
    }

    /// Whether each of `n`'s parts treats a scalar below U+0800 on its own (`composes`: some part
    /// is NFC / NFKC, which can join a scalar to the one before: non-ASCII entries are then off).
    private static func perScalar(_ n: any Normalizer, composes: inout Bool) -> Bool {
        switch n {
        case is BertNormalizer, is LowercaseNormalizer, is StripAccentsNormalizer: return true
        case let u as UnicodeNormalizer:
            if u.form == .nfc || u.form == .nfkc { composes = true }
            return true
        case let s as SequenceNormalizer: return s.normalizers.allSatisfy { perScalar($0, composes: &composes) }
        default: return false
        }
    }

    /// Decodes the first `maxScalars` code points of `text`, normalizes them into
    /// `segment[..<scalars]` and cuts that into `pieces[..<count]` (BertPreTokenizer's pieces of
    /// the normalized text); nil when some scalar of `text` (all of it: the rest, which the caller
    /// drops, must be valid too) needs the general path, or more than `maxScalars` code points
    /// would be kept. Both buffers only grow.
    func run(_ text: UnsafeBufferPointer<UInt8>, maxScalars: Int, segment: inout [UInt32],
             pieces: inout [Piece]) -> (scalars: Int, count: Int)? {
        let keep = min(text.count, max(0, maxScalars))  // code points kept are at most the bytes
        guard keep <= OnePassPath.maxScalars else { return nil }
        let room = 2 * keep  // each code point gives at most two scalars
        if segment.count < room { segment.append(contentsOf: repeatElement(0, count: room - segment.count)) }
        if pieces.count < room + 1 { pieces.append(contentsOf: repeatElement(Piece(start: 0, end: 0, originEnd: 0), count: room + 1 - pieces.count)) }
        let bytes = text.count
        return table.withUnsafeBufferPointer { t -> (Int, Int)? in
            segment.withUnsafeMutableBufferPointer { seg -> (Int, Int)? in
                pieces.withUnsafeMutableBufferPointer { pc -> (Int, Int)? in
                    // j <= 2 * decoded <= room <= seg.count; a piece holds at least one scalar,
                    // so np <= j < pc.count.
                    var i = 0, decoded = 0, j = 0, np = 0, runStart = 0
                    while i < bytes && decoded < keep {
                        let b0 = text[i]
                        let c: Int
                        if b0 < 0x80 {
                            c = Int(b0)
                            i += 1
                        } else if b0 >= 0xC2 && b0 <= 0xDF && i + 1 < bytes && text[i + 1] & 0xC0 == 0x80 {
                            c = Int(b0 & 0x1F) << 6 | Int(text[i + 1] & 0x3F)
                            i += 2
                        } else {
                            return nil
                        }
                        decoded += 1
                        let e = t[c]
                        if e >> OnePassPath.countShift == 1 {  // one word scalar: the common case
                            seg[j] = UInt32(truncatingIfNeeded: e & 0x1F_FFFF)
                            j += 1
                            continue
                        }
                        if e & OnePassPath.generalBit != 0 { return nil }
                        let n = Int(e >> OnePassPath.countShift & 3)
                        for k in 0..<n {
                            seg[j] = UInt32(truncatingIfNeeded: e >> UInt64(21 * k) & 0x1F_FFFF)
                            let cls = e >> UInt64(44 + 2 * k) & 3
                            if cls == OnePassPath.word {
                                j += 1
                                continue
                            }
                            if j > runStart {
                                pc[np] = Piece(start: runStart, end: j, originEnd: 0)
                                np += 1
                            }
                            if cls == OnePassPath.punct {
                                pc[np] = Piece(start: j, end: j + 1, originEnd: 0)
                                np += 1
                            }
                            j += 1
                            runStart = j
                        }
                    }
                    // The rest is dropped by the cut, but must be valid (and of this path's kind).
                    while i < bytes {
                        let b0 = text[i]
                        if b0 < 0x80 { i += 1; continue }
                        guard b0 >= 0xC2 && b0 <= 0xDF && i + 1 < bytes && text[i + 1] & 0xC0 == 0x80 else { return nil }
                        i += 2
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
