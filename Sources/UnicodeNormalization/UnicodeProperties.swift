// UnicodeProperties — per-code-point properties from the generated tables: general category and
// canonical combining class (Unicode 14.0.0, as Python 3.11's unicodedata), the full lowercase
// mapping and `is_numeric` as the reference's Rust std gives them (Unicode 17), BERT punctuation
// as tokenizers' BertPreTokenizer splits, and the other predicates the tokenizer stages use.
// Every function is total over UInt32.

/// Unicode general category (two-letter names as in UnicodeData.txt).
public enum GeneralCategory: UInt8, Sendable {
    case Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No, Pc, Pd, Ps, Pe, Pi, Pf, Po, Sm, Sc, Sk, So,
         Zs, Zl, Zp, Cc, Cf, Cs, Co, Cn
}

/// Per-code-point Unicode properties. O(1) table lookups; thread-safe.
public enum UnicodeProperties {
    /// General category of `cp` (Cn for unassigned and for values above U+10FFFF; Cs for
    /// surrogates), as Python's `unicodedata.category`.
    @inline(__always)
    public static func generalCategory(_ cp: UInt32) -> GeneralCategory {
        GeneralCategory(rawValue: UInt8(truncatingIfNeeded: unicodeTables.info(cp) & Info.categoryMask)) ?? .Cn
    }

    /// Canonical combining class of `cp` (0 for starters and for values above U+10FFFF), as
    /// Python's `unicodedata.combining`.
    @inline(__always)
    public static func combiningClass(_ cp: UInt32) -> UInt8 {
        UInt8(truncatingIfNeeded: unicodeTables.ccc(cp))
    }

    /// Appends the full lowercase mapping of `cp` (as Rust's `char::to_lowercase`, e.g. U+0130 ->
    /// "i\u{307}") to `output`: probed from the reference tokenizers' `Lowercase` (Rust std,
    /// Unicode 17), which equals Python's `chr(cp).lower()` (Unicode 14) plus 55 mappings of
    /// letters added since (e.g. U+A7CB -> U+0264). No final-sigma context: U+03A3 -> U+03C3.
    /// Surrogates and values above U+10FFFF are appended unchanged.
    @inline(__always)
    public static func appendLowercase(_ cp: UInt32, into output: inout [UInt32]) {
        if cp < 0x80 {
            output.append(cp &- 0x41 < 26 ? cp + 0x20 : cp)
            return
        }
        guard cp < 0x110000 else { output.append(cp); return }
        let t = unicodeTables
        let rb = t.recordBase(cp)
        let word = t.records[rb + 3]
        if t.records[rb] & Info.lowerMulti != 0 {
            output.append(contentsOf: t.poolSlice(word))
        } else {
            output.append(cp &+ word)
        }
    }

    /// The lowercase mapping of `cp` when it is a single scalar (every code point but U+0130,
    /// whose full mapping has two); `cp` itself when it has no lowercase mapping. For U+0130 this
    /// returns U+0069 (the first scalar); use `appendLowercase` for the full mapping.
    @inline(__always)
    public static func lowercaseFirst(_ cp: UInt32) -> UInt32 {
        if cp < 0x80 { return cp &- 0x41 < 26 ? cp + 0x20 : cp }
        guard cp < 0x110000 else { return cp }
        let t = unicodeTables
        let rb = t.recordBase(cp)
        let word = t.records[rb + 3]
        if t.records[rb] & Info.lowerMulti != 0 {
            return t.poolSlice(word).first ?? cp
        }
        return cp &+ word
    }

    /// The White_Space property (= Rust `char::is_whitespace`): U+0009-000D, U+0020, U+0085,
    /// U+00A0, U+1680, U+2000-200A, U+2028, U+2029, U+202F, U+205F, U+3000.
    @inline(__always)
    public static func isWhitespace(_ cp: UInt32) -> Bool {
        if cp < 0x80 { return cp == 0x20 || cp &- 0x09 < 5 }
        switch cp {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// The derived Alphabetic property (≈ Rust `char::is_alphabetic`), from the Swift standard
    /// library's `Unicode.Scalar.Properties.isAlphabetic` (its own, newer Unicode version, closer
    /// to the reference's Rust std at Unicode 17 than Python's 14; Python's unicodedata has no
    /// Other_Alphabetic). ASCII fast path; false for surrogates and values above U+10FFFF.
    public static func isAlphabetic(_ cp: UInt32) -> Bool {
        if cp < 0x80 { return (cp | 0x20) &- 0x61 < 26 }
        guard let s = Unicode.Scalar(cp) else { return false }
        return s.properties.isAlphabetic
    }

    /// Numeric as Rust's `char::is_numeric` in the reference tokenizers build (general category
    /// Nd, Nl or No at Unicode 17, probed from the `Digits` pre-tokenizer: the Unicode 14 N* set
    /// plus digits added since, e.g. U+11F50 KAWI DIGIT ZERO).
    @inline(__always)
    public static func isNumeric(_ cp: UInt32) -> Bool {
        if cp < 0x80 { return cp &- 0x30 < 10 }
        return unicodeTables.info(cp) & Info.rustNumeric != 0
    }

    /// Punctuation as tokenizers' `BertPreTokenizer` (and `BertNormalizer`-era BERT code) splits
    /// on it: ASCII punctuation and symbols (`!`..`/`, `:`..`@`, `[`..`` ` ``, `{`..`~`) plus the
    /// P* categories of the Rust `unicode_categories` crate, whose tables are older than Unicode
    /// 14 (it lacks e.g. U+2E43..U+2E5D and still has U+166D and U+111C9). Probed from the
    /// reference.
    @inline(__always)
    public static func isBertPunctuation(_ cp: UInt32) -> Bool {
        unicodeTables.info(cp) & Info.bertPunctuation != 0
    }

    /// Punctuation: general category Pc, Pd, Ps, Pe, Pi, Pf or Po. (ASCII symbols such as `$`,
    /// `+`, `^` are S*, not P*: BERT-style splitting adds ASCII punctuation itself.)
    @inline(__always)
    public static func isPunctuation(_ cp: UInt32) -> Bool {
        switch generalCategory(cp) {
        case .Pc, .Pd, .Ps, .Pe, .Pi, .Pf, .Po: return true
        default: return false
        }
    }

    /// Mark: general category Mn, Mc or Me.
    @inline(__always)
    public static func isMark(_ cp: UInt32) -> Bool {
        if cp < 0x300 { return false }
        switch generalCategory(cp) {
        case .Mn, .Mc, .Me: return true
        default: return false
        }
    }

    /// Other: general category Cc, Cf, Cs, Co or Cn (the categories of the Rust crate
    /// `unicode_categories`' `is_other`, which tokenizers' BertNormalizer uses for control
    /// characters; that crate's own tables may be of another Unicode version). Values above
    /// U+10FFFF count as Cn.
    @inline(__always)
    public static func isOther(_ cp: UInt32) -> Bool {
        switch generalCategory(cp) {
        case .Cc, .Cf, .Cs, .Co, .Cn: return true
        default: return false
        }
    }
}
