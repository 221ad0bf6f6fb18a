// NFC / NFD / NFKC / NFKD, Lowercase, Nmt and StripAccents: scalar-wise rewrites.
import TokenizerCore
import UnicodeNormalization

/// HuggingFace `NFC`, `NFD`, `NFKC`, `NFKD` (through the `UnicodeNormalization` module, in its
/// `matchingHFTokenizers` mode: code points the crate's older Unicode data does not know are left
/// alone, as the reference does).
public struct UnicodeNormalizer: Normalizer {
    public let form: NormalizationForm
    public init(_ form: NormalizationForm) { self.form = form }

    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        var acc: UInt32 = 0
        for s in text { acc |= s }
        if acc < 0x80 { return }                       // ASCII is stable under every form
        if form == .nfc, text.allSatisfy({ $0 < 0x300 }) { return } // no marks, no Hangul: NFC-stable
        scratch.removeAll(keepingCapacity: true)
        text.withUnsafeBufferPointer { UnicodeNormalization.normalize($0, form, into: &scratch, matchingHFTokenizers: true) }
        swap(&text, &scratch)
    }
}

/// HuggingFace `Lowercase`: Rust `char::to_lowercase` on every scalar (full mappings, no
/// context: Σ always becomes σ).
public struct LowercaseNormalizer: Normalizer {
    public init() {}

    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        if isAllASCII(text) {
            for i in text.indices where text[i] >= 0x41 && text[i] <= 0x5A { text[i] |= 0x20 }
            return
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(text.count)
        for c in text {
            if c < 0x80 { scratch.append(c >= 0x41 && c <= 0x5A ? c | 0x20 : c) }
            else { UnicodeProperties.appendLowercase(c, into: &scratch) }
        }
        swap(&text, &scratch)
    }
}

/// HuggingFace `StripAccents`: drops combining marks (General_Category M* of the Unicode tables
/// of unicode-normalization-alignments, about Unicode 9). It does no NFD of its own: precomposed
/// letters such as "é" are kept; put an NFD before it to strip them.
public struct StripAccentsNormalizer: Normalizer {
    public init() {}

    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        var w = 0
        for r in 0..<text.count {
            let c = text[r]
            if c >= 0x300 && inRanges(combiningMarkRanges, c) { continue }
            text[w] = c
            w += 1
        }
        if w < text.count { text.removeSubrange(w...) }
    }
}

/// HuggingFace `Nmt`: drops some control characters and maps others (and a few spaces) to U+0020.
public struct NmtNormalizer: Normalizer {
    public init() {}

    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        var w = 0
        for r in 0..<text.count {
            var c = text[r]
            switch c {
            case 0x01...0x08, 0x0B, 0x0E...0x1F, 0x7F, 0x8F, 0x9F: continue
            case 0x09, 0x0A, 0x0C, 0x0D, 0x1680, 0x200B...0x200F, 0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD:
                c = 0x20
            default: break
            }
            text[w] = c
            w += 1
        }
        if w < text.count { text.removeSubrange(w...) }
    }
}
