// The one-pass path (OnePassPath.swift) against the general pipeline it replaces: random
// BERT-style tokenizers (normalizer flags and kinds, added tokens raw and normalized, special or
// not, single_word / lstrip / rstrip) and random texts (ASCII control bytes, brackets, the added
// tokens' contents, punctuation, runs of spaces; accented Latin precomposed and decomposed,
// Greek, Cyrillic, Arabic, U+0130, NBSP, C1 controls, scalars of three and four bytes, malformed
// UTF-8), with and without special tokens and with truncation. The general path is the one the
// conformance tests hold to HF `tokenizers`.
import XCTest
import M2VSupport
import TestSupport
@testable import Tokenizers

final class OnePassPathTests: XCTestCase {
    static let normalizers: [String] = [
        #"{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}"#,
        #"{"type": "BertNormalizer", "clean_text": false, "handle_chinese_chars": false, "strip_accents": false, "lowercase": false}"#,
        #"{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": true, "lowercase": false}"#,
        #"{"type": "BertNormalizer", "clean_text": false, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}"#,
        #"{"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "Lowercase"}, {"type": "StripAccents"}]}"#,
        #"{"type": "NFKC"}"#,
        "null",
    ]
    static let words = ["the", "dog", "run", "##s", "##ning", "a", "b", "hello", "world", "x", "un", "##aff", "##able",
                        "[", "]", ".", ",", "!", "'", "-", "cls", "sep", "Hello", "THE", "A", "\\", "#"]
    static let added = ["[CLS]", "[SEP]", "[MASK]", "hello", "<s>", "a", "x y", "THE", "##", "!", "\u{e9}t\u{e9}", "\u{3b1}"]
    static let wide = ["caf\u{e9}", "e\u{301}t\u{e9}", "\u{395}\u{3bb}\u{3bb}\u{3ac}\u{3b4}\u{3b1}", "\u{41c}\u{43e}\u{441}\u{43a}\u{432}\u{430}",
                       "\u{627}\u{644}\u{639}\u{631}\u{628}\u{64a}\u{629}", "\u{130}stanbul", "\u{a0}", "\u{85}", "\u{9f}", "\u{bf}qu\u{e9}?", "\u{ab}x\u{bb}",
                       "\u{df}", "\u{3a3}\u{3a3}", "\u{5d0}\u{5b8}", "\u{20ac}5", "\u{4e2d}\u{6587}", "\u{1f600}", "\u{301}", "\u{bc}", "\u{2c65}"]

    func tokenizerJSON(_ rng: inout SplitMix, normalizer: String, addedTokens: Bool = true) -> String {
        var vocab = ["[UNK]": 0]
        for w in Self.words where vocab[w] == nil { vocab[w] = vocab.count }
        var added: [String] = []
        for content in Self.added where addedTokens && rng.below(3) == 0 {
            let special = rng.below(2) == 0
            let normalized = rng.below(2) == 0
            func b() -> String { rng.below(4) == 0 ? "true" : "false" }
            let esc = content.replacingOccurrences(of: "\\", with: "\\\\")
            added.append(#"{"id": \#(vocab.count + added.count), "content": "\#(esc)", "single_word": \#(b()), "lstrip": \#(b()), "rstrip": \#(b()), "normalized": \#(normalized), "special": \#(special)}"#)
        }
        let vocabJSON = vocab.map { #""\#($0.key.replacingOccurrences(of: "\\", with: "\\\\"))": \#($0.value)"# }.joined(separator: ", ")
        return #"""
        {"version": "1.0", "added_tokens": [\#(added.joined(separator: ", "))], "normalizer": \#(normalizer),
         "pre_tokenizer": {"type": "BertPreTokenizer"},
         "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                   "max_input_chars_per_word": \#(rng.below(2) == 0 ? 100 : 6), "vocab": {\#(vocabJSON)}}}
        """#
    }

    func text(_ rng: inout SplitMix) -> [UInt8] {
        var t: [UInt8] = []
        for _ in 0..<rng.below(12) {
            switch rng.below(9) {
            case 6, 7: t += Array(Self.wide[rng.below(Self.wide.count)].utf8)
            case 8: t += Array(String(UnicodeScalar(UInt32(0x80 + rng.below(0x780))) ?? " ").utf8)  // any two-byte scalar
            case 0: t += Array(Self.added[rng.below(Self.added.count)].utf8)
            case 1: t.append(UInt8(rng.below(128)))  // any ASCII byte, controls included
            case 2: t += Array(" \t\n\r  ".utf8).prefix(1 + rng.below(3))
            default: t += Array(Self.words[rng.below(Self.words.count)].utf8)
            }
            if rng.below(2) == 0 { t.append(0x20) }
        }
        return t
    }

    func testMatchesTheGeneralPath() throws {
        var rng = SplitMix(seed: 11)
        var fused = 0, total = 0
        for k in 0..<140 {
            let json = tokenizerJSON(&rng, normalizer: Self.normalizers[k % Self.normalizers.count])
            let tok = try Tokenizer(jsonBytes: Array(json.utf8))
            XCTAssertNotNil(tok.onePass, json)
            let ws = TokenizerWorkspace(), ws2 = TokenizerWorkspace()
            for _ in 0..<60 {
                let t = text(&rng)
                let special = rng.below(2) == 0
                let maxTokens = rng.below(4) == 0 ? rng.below(6) : Int.max
                // The general path: scalars in, no ASCII shortcut.
                var general: [Int32] = []
                let scalars = String(decoding: t, as: UTF8.self).unicodeScalars.map { $0.value }
                try typed {
                    try scalars.withUnsafeBufferPointer { (s: UnsafeBufferPointer<UInt32>) throws(M2VError) in
                        try tok.encode(scalars: s, addSpecialTokens: special, maxTokens: maxTokens, into: &general, workspace: ws2)
                    }
                }
                var ids: [Int32] = [99]
                let took = t.withUnsafeBufferPointer {
                    tok.encodeOnePass($0, maxScalars: $0.count, addSpecialTokens: special, maxTokens: maxTokens, into: &ids, workspace: ws)
                }
                total += 1
                if took {
                    fused += 1
                    XCTAssertEqual(ids, general, "\(json)\ntext \(t)")
                } else {
                    XCTAssertEqual(ids, [99], "a declined text leaves ids alone")
                }
                // encode(utf8:) takes whichever path applies: always the general path's ids.
                var viaUTF8: [Int32] = []
                try t.withUnsafeBufferPointer {
                    try tok.encode(utf8: $0, addSpecialTokens: special, maxTokens: maxTokens, into: &viaUTF8, workspace: ws)
                }
                XCTAssertEqual(viaUTF8, general, "\(json)\ntext \(t)")
            }
        }
        // The test must exercise the path, not only its refusals.
        XCTAssertGreaterThan(fused, total / 4, "\(fused) of \(total)")
    }

    /// The cut: `maxScalars` code points are tokenized, the rest must still be valid and of the
    /// path's kind; malformed UTF-8 and longer scalars decline.
    func testCutAndDeclines() throws {
        var rng = SplitMix(seed: 5)
        let tok = try Tokenizer(jsonBytes: Array(tokenizerJSON(&rng, normalizer: Self.normalizers[0], addedTokens: false).utf8))
        let ws = TokenizerWorkspace()
        var ids: [Int32] = []
        var whole: [Int32] = []
        let t = Array("h\u{e9}llo w\u{f6}rld the dog".utf8)
        XCTAssertTrue(t.withUnsafeBufferPointer { tok.encodeOnePass($0, maxScalars: 11, addSpecialTokens: false, maxTokens: .max, into: &ids, workspace: ws) })
        let cut = Array(String(String(decoding: t, as: UTF8.self).unicodeScalars.prefix(11)).utf8)
        XCTAssertTrue(cut.withUnsafeBufferPointer { tok.encodeOnePass($0, maxScalars: 99, addSpecialTokens: false, maxTokens: .max, into: &whole, workspace: ws) })
        XCTAssertEqual(ids, whole)
        XCTAssertFalse(ids.isEmpty)
        let malformed: [[UInt8]] = [[0x61, 0xFF], [0xC0, 0x80], [0xC1, 0xBF], [0x61, 0xC3], [0x80, 0x61], [0xC3, 0x41], [0xE2, 0x82, 0xAC],
                                    [0xF0, 0x9F, 0x98, 0x80], [0xED, 0xA0, 0x80]]
        for bad in malformed + [Array("the dog\u{20ac}".utf8), Array("x\u{4e2d}".utf8)] {
            for keep in [1, bad.count] {
                ids = [7]
                XCTAssertFalse(bad.withUnsafeBufferPointer { tok.encodeOnePass($0, maxScalars: keep, addSpecialTokens: false, maxTokens: .max, into: &ids, workspace: ws) }, "\(bad)")
                XCTAssertEqual(ids, [7])
            }
        }
        // Long texts take the general path.
        let long = [UInt8](repeating: 0x61, count: OnePassPath.maxScalars + 1)
        XCTAssertFalse(long.withUnsafeBufferPointer { tok.encodeOnePass($0, maxScalars: .max, addSpecialTokens: false, maxTokens: .max, into: &ids, workspace: ws) })
    }

    /// Normalizers that are not per-scalar on ASCII (Replace, Prepend, Strip) turn the path off;
    /// so do pre-tokenizers other than BertPreTokenizer.
    func testOffWhereNotContextFree() throws {
        let base = ###"{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "a": 1}}"###
        for (norm, pre) in [(#"{"type": "Replace", "pattern": {"String": "ab"}, "content": "x"}"#, #"{"type": "BertPreTokenizer"}"#),
                            (#"{"type": "Prepend", "prepend": "_"}"#, #"{"type": "BertPreTokenizer"}"#),
                            (#"{"type": "Strip", "strip_left": true, "strip_right": true}"#, #"{"type": "BertPreTokenizer"}"#),
                            ("null", #"{"type": "Whitespace"}"#)] {
            let json = #"{"version": "1.0", "added_tokens": [], "normalizer": \#(norm), "pre_tokenizer": \#(pre), "model": \#(base)}"#
            let tok = try Tokenizer(jsonBytes: Array(json.utf8))
            XCTAssertNil(tok.onePass, json)
        }
    }
}
