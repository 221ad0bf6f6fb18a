// TokenizerPreTokenizers — owns the HuggingFace `tokenizers` pre-tokenizers (tokenizer.json
// "pre_tokenizer"): BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation, Digits,
// ByteLevel, Metaspace, Split, UnicodeScripts, CharDelimiterSplit, FixedLength, Sequence, and
// the factory `makePreTokenizer(_:)`. Each follows the Rust crate (tokenizers/src/pre_tokenizers)
// piece for piece; the split behaviours follow `NormalizedString::split` (SplitSink.swift).
// Everything works on the scalar arena of `PreTokenizedString`; no regex engine on the hot
// paths (the GPT-2 pattern is matched by hand), no allocation per piece.
//
// This file: the character classes the pre-tokenizers need, from the Swift standard library's
// Unicode properties, cached in a 64 KiB table for the BMP (built once, on first use).

/// Bit flags of one scalar.
@usableFromInline
struct CharFlags: Sendable {
    /// White_Space (Rust `char::is_whitespace`, regex `\s`, Oniguruma `\s`).
    @usableFromInline static let space: UInt8 = 1
    /// BERT punctuation: ASCII punctuation or general category P* (Rust `is_bert_punc`).
    @usableFromInline static let punct: UInt8 = 2
    /// Rust regex `\w`: Alphabetic, M*, Nd, Pc, Join_Control.
    @usableFromInline static let word: UInt8 = 4
    /// General category L* (`\p{L}`).
    @usableFromInline static let letter: UInt8 = 8
    /// General category N* (`\p{N}`, Rust `char::is_numeric`).
    @usableFromInline static let number: UInt8 = 16

    /// Flags of U+0000 ... U+FFFF.
    @usableFromInline let bmp: [UInt8]

    @usableFromInline static let shared = CharFlags()

    init() {
        var t = [UInt8](repeating: 0, count: 0x10000)
        for c in 0..<0x10000 { t[c] = CharFlags.compute(UInt32(c)) }
        bmp = t
    }

    @inline(__always) @usableFromInline
    func callAsFunction(_ c: UInt32) -> UInt8 {
        c < 0x10000 ? bmp[Int(c)] : CharFlags.compute(c)
    }

    @usableFromInline
    static func compute(_ c: UInt32) -> UInt8 {
        guard let s = Unicode.Scalar(c) else { return 0 }
        let p = s.properties
        var f: UInt8 = 0
        if p.isWhitespace { f |= space }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            f |= letter
        case .decimalNumber:
            f |= number | word
        case .letterNumber, .otherNumber:
            f |= number
        case .connectorPunctuation:
            f |= punct | word
        case .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            f |= punct
        case .nonspacingMark, .spacingMark, .enclosingMark:
            f |= word
        default:
            break
        }
        if p.isAlphabetic || p.isJoinControl { f |= word }
        if (0x21...0x2F).contains(c) || (0x3A...0x40).contains(c) || (0x5B...0x60).contains(c)
            || (0x7B...0x7E).contains(c) {
            f |= punct
        }
        return f
    }
}
