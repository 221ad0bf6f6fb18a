// UnicodeProperties — per-code-point properties from the generated tables (Unicode 14.0.0, as
// Python 3.11's unicodedata): general category, canonical combining class, full lowercase
// mapping, and the derived predicates the tokenizer stages use (Rust `char::is_whitespace`,
// `is_alphabetic`, `is_numeric`, punctuation, marks). Every function is total over UInt32.

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
    /// "i\u{307}") to `output`. No final-sigma context: U+03A3 -> U+03C3. Surrogates and values
    /// above U+10FFFF are appended unchanged.
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

    /// The derived Alphabetic property (= Rust `char::is_alphabetic`): Lu|Ll|Lt|Lm|Lo|Nl from the
    /// Unicode 14 tables, plus Other_Alphabetic, which Python's unicodedata lacks and is taken
    /// from the Swift standard library's `Unicode.Scalar.Properties.isAlphabetic` restricted to
    /// code points assigned in Unicode 14 (so code points added after 14 stay non-alphabetic, as
    /// they are unassigned in every other table here).
    public static func isAlphabetic(_ cp: UInt32) -> Bool {
        if cp < 0x80 { return (cp | 0x20) &- 0x61 < 26 }
        switch generalCategory(cp) {
        case .Lu, .Ll, .Lt, .Lm, .Lo, .Nl: return true
        case .Cn, .Cs, .Co, .Cc: return false
        default:
            guard let s = Unicode.Scalar(cp) else { return false }
            return s.properties.isAlphabetic
        }
    }

    /// Numeric: general category Nd, Nl or No (= Rust `char::is_numeric`).
    @inline(__always)
    public static func isNumeric(_ cp: UInt32) -> Bool {
        if cp < 0x80 { return cp &- 0x30 < 10 }
        switch generalCategory(cp) {
        case .Nd, .Nl, .No: return true
        default: return false
        }
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
