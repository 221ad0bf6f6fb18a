// The one-pass ASCII path (ASCIIPath.swift) against the general pipeline it replaces: random
// BERT-style tokenizers (normalizer flags and kinds, added tokens raw and normalized, special or
// not, single_word / lstrip / rstrip) and random ASCII texts (control bytes, brackets, the added
// tokens' contents, punctuation, runs of spaces), with and without special tokens and with
// truncation. The general path is the one the conformance tests hold to HF `tokenizers`.
import XCTest
import M2VSupport
import TestSupport
@testable import Tokenizers

final class ASCIIPathTests: XCTestCase {
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
    static let added = ["[CLS]", "[SEP]", "[MASK]", "hello", "<s>", "a", "x y", "THE", "##", "!"]

    func tokenizerJSON(_ rng: inout SplitMix, normalizer: String) -> String {
        var vocab = ["[UNK]": 0]
        for w in Self.words where vocab[w] == nil { vocab[w] = vocab.count }
        var added: [String] = []
        for content in Self.added where rng.below(3) == 0 {
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
            switch rng.below(6) {
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
        for k in 0..<240 {
            let json = tokenizerJSON(&rng, normalizer: Self.normalizers[k % Self.normalizers.count])
            let tok = try Tokenizer(jsonBytes: Array(json.utf8))
            XCTAssertNotNil(tok.asciiPath, json)
            let ws = TokenizerWorkspace(), ws2 = TokenizerWorkspace()
            for _ in 0..<60 {
                let t = text(&rng)
                let special = rng.below(2) == 0
                let maxTokens = rng.below(4) == 0 ? rng.below(6) : Int.max
                // The general path: scalars in, no ASCII shortcut.
                var general: [Int32] = []
                let scalars = t.map { UInt32($0) }
                try typed {
                    try scalars.withUnsafeBufferPointer { (s: UnsafeBufferPointer<UInt32>) throws(M2VError) in
                        try tok.encode(scalars: s, addSpecialTokens: special, maxTokens: maxTokens, into: &general, workspace: ws2)
                    }
                }
                var ids: [Int32] = [99]
                let took = t.withUnsafeBufferPointer {
                    tok.encodeASCII($0, prefix: $0.count, addSpecialTokens: special, maxTokens: maxTokens, into: &ids, workspace: ws)
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

    /// The cut: `prefix` bytes are tokenized, the rest must still be ASCII.
    func testPrefixAndNonASCII() throws {
        var rng = SplitMix(seed: 5)
        let tok = try Tokenizer(jsonBytes: Array(tokenizerJSON(&rng, normalizer: Self.normalizers[0]).utf8))
        let ws = TokenizerWorkspace()
        var ids: [Int32] = []
        var whole: [Int32] = []
        let t = Array("hello world the dog".utf8)
        XCTAssertTrue(t.withUnsafeBufferPointer { tok.encodeASCII($0, prefix: 11, addSpecialTokens: false, maxTokens: .max, into: &ids, workspace: ws) })
        let cut = Array(t.prefix(11))
        XCTAssertTrue(cut.withUnsafeBufferPointer { tok.encodeASCII($0, prefix: 11, addSpecialTokens: false, maxTokens: .max, into: &whole, workspace: ws) })
        XCTAssertEqual(ids, whole)
        for bad in [Array("caf\u{e9}".utf8), Array("the dog\u{e9}".utf8), [0x61, 0xFF]] {
            ids = [7]
            XCTAssertFalse(bad.withUnsafeBufferPointer { tok.encodeASCII($0, prefix: min(3, $0.count), addSpecialTokens: false, maxTokens: .max, into: &ids, workspace: ws) })
            XCTAssertEqual(ids, [7])
        }
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
            XCTAssertNil(tok.asciiPath, json)
        }
    }
}
