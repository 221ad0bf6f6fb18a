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

    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil,
                lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents ?? lowercase
        self.lowercase = lowercase
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
        // Pass 1: clean_text and handle_chinese_chars into scratch.
        if cleanText || handleChineseChars {
            scratch.removeAll(keepingCapacity: true)
            scratch.reserveCapacity(text.count + 8)
            for c in text {
                if cleanText {
                    if c < 0x80 {
                        if c == 0x09 || c == 0x0A || c == 0x0D { scratch.append(0x20); continue }
                        if c < 0x20 || c == 0x7F { continue }
                    } else {
                        if inRanges(bertRemovedRanges, c) { continue }
                        if isRustWhitespace(c) { scratch.append(0x20); continue }
                    }
                }
                if handleChineseChars && c >= 0x3400 && Self.isChinese(c) {
                    scratch.append(0x20); scratch.append(c); scratch.append(0x20)
                } else {
                    scratch.append(c)
                }
            }
            swap(&text, &scratch)
        }
        if stripAccents {
            scratch.removeAll(keepingCapacity: true)
            text.withUnsafeBufferPointer { UnicodeNormalization.normalize($0, .nfd, into: &scratch, matchingHFTokenizers: true) }
            swap(&text, &scratch)
        }
        if stripAccents || lowercase {
            scratch.removeAll(keepingCapacity: true)
            scratch.reserveCapacity(text.count)
            for c in text {
                if c < 0x80 {
                    scratch.append(lowercase && c >= 0x41 && c <= 0x5A ? c | 0x20 : c)
                    continue
                }
                if stripAccents && inRanges(bertNonspacingMarkRanges, c) { continue }
                if lowercase { UnicodeProperties.appendLowercase(c, into: &scratch) } else { scratch.append(c) }
            }
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
