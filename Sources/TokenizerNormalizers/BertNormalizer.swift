// BertNormalizer: clean_text, handle_chinese_chars, strip_accents, lowercase — in that order,
// as tokenizers/src/normalizers/bert.rs.
import TokenizerCore
import UnicodeNormalization

/// HuggingFace `BertNormalizer`.
///
/// - clean_text: drops U+0000, U+FFFD and Rust-`is_control` scalars (Cc/Cf/Co of the crate's old
///   tables, except \t \n \r), then maps White_Space (and \t \n \r) to U+0020.
/// - handle_chinese_chars: surrounds each CJK ideograph of the BERT ranges with spaces.
/// - strip_accents (nil follows `lowercase`): NFD (HF-matching mode), then drops non-spacing marks.
/// - lowercase: Rust `char::to_lowercase` (full mappings, e.g. U+0130 -> "i\u{307}").
public struct BertNormalizer: Normalizer {
    public let cleanText: Bool
    public let handleChineseChars: Bool
    /// The effective strip_accents (`strip_accents ?? lowercase`).
    public let stripAccents: Bool
    public let lowercase: Bool
    /// One bit per 256-scalar block: the block holds a scalar clean_text removes / a
    /// non-spacing mark. Most non-ASCII text (Latin, Cyrillic, CJK...) skips the range search.
    let removedBlocks: [UInt64]
    let markBlocks: [UInt64]
    /// Scalars 0x80..<`smallEnd` (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic...) looked up
    /// directly, each entry computed at init by the general code below. clean_text: 0 keep,
    /// 1 drop, 2 becomes U+0020. strip_accents + lowercase: the output scalar, or `smallDrop`
    /// (a mark strip_accents drops), or `smallSlow` (U+0130: the general code).
    let smallClean: [UInt8]
    let smallLower: [UInt32]
    static let smallEnd: UInt32 = 0x800
    static let smallDrop: UInt32 = 0xFFFF_FFFF
    static let smallSlow: UInt32 = 0xFFFF_FFFE

    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil,
                lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents ?? lowercase
        self.lowercase = lowercase
        removedBlocks = BertNormalizer.blocks(bertRemovedRanges)
        markBlocks = BertNormalizer.blocks(bertNonspacingMarkRanges)
        var clean = [UInt8](repeating: 0, count: Int(BertNormalizer.smallEnd) - 0x80)
        var lower = [UInt32](repeating: 0, count: Int(BertNormalizer.smallEnd) - 0x80)
        for c in UInt32(0x80)..<BertNormalizer.smallEnd {
            let i = Int(c) - 0x80
            if cleanText {
                if BertNormalizer.member(c, removedBlocks, bertRemovedRanges) { clean[i] = 1 }
                else if isRustWhitespace(c) { clean[i] = 2 }
            }
            if (stripAccents ?? lowercase) && BertNormalizer.member(c, markBlocks, bertNonspacingMarkRanges) {
                lower[i] = BertNormalizer.smallDrop
            } else if !lowercase {
                lower[i] = c
            } else if c == 0x130 {
                lower[i] = BertNormalizer.smallSlow
            } else {
                lower[i] = UnicodeProperties.lowercaseFirst(c)
            }
        }
        smallClean = clean
        smallLower = lower
    }

    static let blockCount = 0x110000 >> 8

    /// The block bitmap of a flattened range table [lo0, hi0, lo1, hi1, ...].
    static func blocks(_ ranges: [UInt32]) -> [UInt64] {
        var bits = [UInt64](repeating: 0, count: (blockCount + 63) / 64)
        var i = 0
        while i + 1 < ranges.count {
            var b = Int(ranges[i] >> 8)
            let last = min(Int(ranges[i + 1] >> 8), blockCount - 1)
            while b <= last { bits[b >> 6] |= 1 << UInt64(b & 63); b += 1 }
            i += 2
        }
        return bits
    }

    /// Whether `c` is in `ranges`, checking the block bitmap first.
    @inline(__always)
    static func member(_ c: UInt32, _ blocks: [UInt64], _ ranges: [UInt32]) -> Bool {
        let b = Int(c >> 8)
        if b < blockCount && blocks[b >> 6] & (1 << UInt64(b & 63)) == 0 { return false }
        return inRanges(ranges, c)
    }

    @inline(__always)
    static func isChinese(_ c: UInt32) -> Bool {
        switch c {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }


    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        if isAllASCII(text) { normalizeASCII(&text); return }
        // Pass 1: clean_text and handle_chinese_chars into scratch (at most 3 scalars each).
        if cleanText || handleChineseChars {
            let n = text.count
            if scratch.count < 3 * n { scratch.append(contentsOf: repeatElement(0, count: 3 * n - scratch.count)) }
            let w = text.withUnsafeBufferPointer { t -> Int in
                scratch.withUnsafeMutableBufferPointer { ob -> Int in
                  smallClean.withUnsafeBufferPointer { small -> Int in
                    guard let o = ob.baseAddress else { return 0 }
                    var w = 0
                    for c in t {
                        if cleanText {
                            if c < 0x80 {
                                if c == 0x09 || c == 0x0A || c == 0x0D { o[w] = 0x20; w += 1; continue }
                                if c < 0x20 || c == 0x7F { continue }
                            } else if c < Self.smallEnd, Int(c) - 0x80 < small.count {
                                // (No CJK ideograph below smallEnd: handle_chinese_chars has
                                // nothing to do here.)
                                switch small[Int(c) - 0x80] {
                                case 0: o[w] = c; w += 1
                                case 1: break
                                default: o[w] = 0x20; w += 1
                                }
                                continue
                            } else {
                                if Self.member(c, removedBlocks, bertRemovedRanges) { continue }
                                if isRustWhitespace(c) { o[w] = 0x20; w += 1; continue }
                            }
                        }
                        if handleChineseChars && c >= 0x3400 && Self.isChinese(c) {
                            o[w] = 0x20; o[w + 1] = c; o[w + 2] = 0x20; w += 3
                        } else {
                            o[w] = c; w += 1
                        }
                    }
                    return w
                  }
                }
            }
            scratch.removeSubrange(w...)
            swap(&text, &scratch)
        }
        if stripAccents {
            scratch.removeAll(keepingCapacity: true)
            text.withUnsafeBufferPointer { UnicodeNormalization.normalize($0, .nfd, into: &scratch, matchingHFTokenizers: true) }
            swap(&text, &scratch)
        }
        if stripAccents || lowercase {
            // At most 2 scalars each (U+0130 lowercases to "i\u{307}", every other to one).
            let n = text.count
            if scratch.count < 2 * n { scratch.append(contentsOf: repeatElement(0, count: 2 * n - scratch.count)) }
            let w = text.withUnsafeBufferPointer { t -> Int in
                scratch.withUnsafeMutableBufferPointer { ob -> Int in
                  smallLower.withUnsafeBufferPointer { small -> Int in
                    guard let o = ob.baseAddress else { return 0 }
                    var w = 0
                    for c in t {
                        if c < 0x80 {
                            o[w] = lowercase && c >= 0x41 && c <= 0x5A ? c | 0x20 : c
                            w += 1
                            continue
                        }
                        if c < Self.smallEnd, Int(c) - 0x80 < small.count {
                            let v = small[Int(c) - 0x80]
                            if v == Self.smallDrop { continue }
                            if v != Self.smallSlow { o[w] = v; w += 1; continue }
                        }
                        if stripAccents && Self.member(c, markBlocks, bertNonspacingMarkRanges) { continue }
                        if !lowercase { o[w] = c; w += 1; continue }
                        if c == 0x130 {
                            o[w] = 0x69; o[w + 1] = 0x307; w += 2
                        } else {
                            o[w] = UnicodeProperties.lowercaseFirst(c); w += 1
                        }
                    }
                    return w
                  }
                }
            }
            scratch.removeSubrange(w...)
            swap(&text, &scratch)
        }
    }

    /// All-ASCII text: no Unicode tables needed (NFD and mark stripping are no-ops).
    private func normalizeASCII(_ text: inout [UInt32]) {
        var w = 0
        for r in 0..<text.count {
            var c = text[r]
            if cleanText {
                if c == 0x09 || c == 0x0A || c == 0x0D { c = 0x20 }
                else if c < 0x20 || c == 0x7F { continue }
            }
            if lowercase && c >= 0x41 && c <= 0x5A { c |= 0x20 }
            text[w] = c
            w += 1
        }
        if w < text.count { text.removeSubrange(w...) }
    }
}
