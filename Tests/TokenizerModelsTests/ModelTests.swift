import XCTest
import M2VSupport
import TokenizerCore
@testable import TokenizerModels

/// Tokenizes `text` (as Unicode scalars) with a fresh output array.
func tok(_ m: any TokenizerModel, _ text: String, scratch: inout ModelScratch) -> [Int32] {
    let scalars = text.unicodeScalars.map { $0.value }
    var out: [Int32] = []
    scalars.withUnsafeBufferPointer { m.tokenize($0, into: &out, scratch: &scratch) }
    return out
}

func tok(_ m: any TokenizerModel, _ text: String) -> [Int32] {
    var s = ModelScratch()
    return tok(m, text, scratch: &s)
}

func model(_ json: String) throws -> any TokenizerModel { try makeModel(JSON.parse(json)) }

func assertFormatError(_ json: String, _ contains: String = "", file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try makeModel(JSON.parse(json))
        XCTFail("expected a format error for \(json)", file: file, line: line)
    } catch {
        let e = error
        XCTAssertEqual(e.code, .format, e.message, file: file, line: line)
        if !contains.isEmpty { XCTAssertTrue(e.message.contains(contains), e.message, file: file, line: line) }
    }
}

final class WordPieceTests: XCTestCase {
    let json = #"""
    {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
     "max_input_chars_per_word": 10,
     "vocab": {"[UNK]": 0, "un": 1, "##aff": 2, "##able": 3, "a": 4, "##a": 5, "é": 6, "##é": 7, "u": 8, "##n": 9}}
    """#

    func testGreedyLongestMatchFirst() throws {
        let m = try model(json)
        XCTAssertEqual(tok(m, "unaffable"), [1, 2, 3])
        XCTAssertEqual(tok(m, "un"), [1])
        XCTAssertEqual(tok(m, "aa"), [4, 5])
        XCTAssertEqual(tok(m, "éé"), [6, 7])
        XCTAssertEqual(tok(m, "aé"), [4, 7])
        XCTAssertEqual(m.unkId, 0)
        XCTAssertEqual(m.vocabSize, 10)
    }

    func testAnyUnmatchedPartMakesTheWholeWordUnk() throws {
        let m = try model(json)
        XCTAssertEqual(tok(m, "unx"), [0])
        XCTAssertEqual(tok(m, "xa"), [0])
        XCTAssertEqual(tok(m, "ü"), [0])
    }

    func testMaxInputCharsCountsChars() throws {
        let m = try model(json)
        XCTAssertEqual(tok(m, String(repeating: "é", count: 10)), [6] + [Int32](repeating: 7, count: 9))
        XCTAssertEqual(tok(m, String(repeating: "é", count: 11)), [0])
    }

    func testLookupsAndTokens() throws {
        let m = try model(json)
        XCTAssertEqual(Array("##é".utf8).withUnsafeBufferPointer { m.id(forToken: $0) }, 7)
        XCTAssertEqual(m.token(forId: 2), Array("##aff".utf8))
        XCTAssertNil(m.token(forId: 10))
        XCTAssertNil(m.token(forId: -1))
    }

    func testScratchReuseAcrossPieces() throws {
        let m = try model(json)
        var s = ModelScratch()
        XCTAssertEqual(tok(m, "unaffable", scratch: &s), [1, 2, 3])
        XCTAssertEqual(tok(m, "a", scratch: &s), [4])
        XCTAssertEqual(tok(m, "unx", scratch: &s), [0])
        XCTAssertEqual(tok(m, "éé", scratch: &s), [6, 7])
    }

    func testErrors() {
        assertFormatError(###"{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 10, "vocab": {"a": 0}}"###, "unk_token")
        assertFormatError(###"{"type": "WordPiece", "unk_token": "a", "continuing_subword_prefix": "##", "vocab": {"a": 0}}"###, "max_input_chars_per_word")
        assertFormatError(###"{"type": "WordPiece", "unk_token": "a", "continuing_subword_prefix": "##", "max_input_chars_per_word": 3, "vocab": {"a": 0, "b": 0}}"###, "id 0")
        assertFormatError(###"{"type": "WordPiece", "unk_token": "a", "continuing_subword_prefix": "##", "max_input_chars_per_word": 3, "vocab": {"a": -1}}"###)
        assertFormatError(###"{"type": "WordPiece", "unk_token": "a", "continuing_subword_prefix": "##", "max_input_chars_per_word": 3, "vocab": {"a": 4294967296}}"###)
        assertFormatError(###"{"type": "WordPiece", "unk_token": "a", "continuing_subword_prefix": "##", "max_input_chars_per_word": 3, "vocab": ["a"]}"###)
    }
}

final class BPETests: XCTestCase {
    func testMergesByRankThenLeftmost() throws {
        let m = try model(#"""
        {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "bc": 4, "abc": 5, "aa": 6},
         "merges": ["b c", "a b", "ab c", "a a"]}
        """#)
        XCTAssertEqual(tok(m, "abc"), [0, 4])      // "b c" (rank 0) first, then no "a bc"
        XCTAssertEqual(tok(m, "ab"), [3])
        XCTAssertEqual(tok(m, "aaa"), [6, 0])      // leftmost first on equal rank
        XCTAssertEqual(tok(m, "aaaa"), [6, 6])
        XCTAssertEqual(tok(m, "abab"), [3, 3])
    }

    func testPairFormMergesAndChainedMerges() throws {
        let m = try model(#"""
        {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4},
         "merges": [["a", "b"], ["ab", "c"]]}
        """#)
        XCTAssertEqual(tok(m, "abc"), [4])
        XCTAssertEqual(tok(m, "cab"), [2, 3])
    }

    func testUnknownCharsWithoutUnkAreDropped() throws {
        let m = try model(#"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}"#)
        XCTAssertEqual(tok(m, "axb"), [2])         // x dropped: a and b become adjacent and merge
        XCTAssertEqual(tok(m, "xx"), [])
        XCTAssertNil(m.unkId)
    }

    /// The "▁" run split (splitScalar) must see through dropped chars: "▁*▁" is "▁▁" to HF when
    /// "*" has no token and there is no unk (config fuzz case 295fae0fc205); with an unk it is not.
    func testDroppedCharBetweenMetaspacesMerges() throws {
        let vocab = #""vocab": {"▁": 0, "a": 1, "▁▁": 2, "▁a": 3}, "merges": ["▁ ▁", "▁ a"]"#
        let m = try model("{\"type\": \"BPE\", \(vocab)}")
        XCTAssertEqual((m as? BPEModel)?.splitScalar, 0x2581)
        XCTAssertEqual(tok(m, "▁*▁"), [2])
        XCTAssertEqual(tok(m, "▁**▁a▁"), [2, 1, 0])
        XCTAssertEqual(tok(m, "a*▁a"), [1, 3])
        XCTAssertEqual(tok(m, "*▁a"), [3])
        let withUnk = try model(#"{"type": "BPE", "vocab": {"▁": 0, "a": 1, "▁▁": 2, "▁a": 3, "<unk>": 4}, "merges": ["▁ ▁", "▁ a"], "unk_token": "<unk>"}"#)
        XCTAssertEqual(tok(withUnk, "▁*▁"), [0, 4, 0])
    }

    func testUnkAndFuseUnk() throws {
        let base = #""vocab": {"<unk>": 0, "a": 1, "b": 2}, "merges": [], "unk_token": "<unk>""#
        let fused = try model("{\"type\": \"BPE\", \(base), \"fuse_unk\": true}")
        XCTAssertEqual(tok(fused, "axyb"), [1, 0, 2])
        XCTAssertEqual(tok(fused, "xé"), [0])
        let unfused = try model("{\"type\": \"BPE\", \(base), \"fuse_unk\": false}")
        XCTAssertEqual(tok(unfused, "axyb"), [1, 0, 0, 2])
        XCTAssertEqual(unfused.unkId, 0)
    }

    func testByteFallback() throws {
        let m = try model(#"""
        {"type": "BPE", "unk_token": "<unk>", "byte_fallback": true, "fuse_unk": true,
         "vocab": {"<unk>": 0, "<0xC3>": 1, "<0xA9>": 2, "a": 3, "<0x78>": 4},
         "merges": []}
        """#)
        XCTAssertEqual(tok(m, "aéx"), [3, 1, 2, 4])
        XCTAssertEqual(tok(m, "ü"), [0])         // 0xC3 0xBC: 0xBC is missing -> unk
        XCTAssertEqual(tok(m, "üü"), [0])        // fused
    }

    func testPrefixSuffixAndIgnoreMerges() throws {
        let m = try model(#"""
        {"type": "BPE", "continuing_subword_prefix": "##", "end_of_word_suffix": "</w>",
         "vocab": {"a": 0, "##b": 1, "##c</w>": 2, "c</w>": 3, "a##b": 4, "ab": 5, "##b##c</w>": 6, "abc</w>": 7},
         "merges": ["a ##b", "ab ##c</w>"]}
        """#)
        XCTAssertEqual(tok(m, "ab"), [0])  // "##b" + suffix: "##b</w>" unknown -> dropped
        XCTAssertEqual(tok(m, "abc"), [7])
        XCTAssertEqual(tok(m, "c"), [3])
        let ig = try model(#"""
        {"type": "BPE", "ignore_merges": true, "vocab": {"a": 0, "b": 1, "ab": 2, "abb": 3},
         "merges": []}
        """#)
        XCTAssertEqual(tok(ig, "abb"), [3])
        XCTAssertEqual(tok(ig, "ba"), [1, 0])
    }

    func testDuplicateMergeLastRankWins() throws {
        let m = try model(#"""
        {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3, "bc": 4},
         "merges": ["a b", "b c", "a b"]}
        """#)
        XCTAssertEqual(tok(m, "abc"), [0, 4])
    }

    func testErrors() {
        assertFormatError(#"{"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}"#, "\"b\"")
        assertFormatError(#"{"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}"#, "\"ab\"")
        assertFormatError(#"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b c"]}"#)
        assertFormatError(#"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [["a"]]}"#)
        assertFormatError(#"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": [3]}"#)
        assertFormatError(#"{"type": "BPE", "vocab": {"a": 0}}"#)
        assertFormatError(#"{"type": "BPE", "vocab": {"a": 0}, "merges": [], "unk_token": "<unk>"}"#, "unk_token")
        assertFormatError(#"{"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}"#, "id 0")
        assertFormatError(#"{"type": "BPE", "vocab": {"a": 0}, "merges": [], "dropout": 2}"#)
        assertFormatError(#"{"type": "BPE", "vocab": {"a": 0}, "merges": [], "fuse_unk": "yes"}"#)
    }

    func testVersionLineIsSkipped() throws {
        let m = try model(##"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["#version: 0.2", "a b"]}"##)
        XCTAssertEqual(tok(m, "ab"), [2])
    }
}

final class UnigramTests: XCTestCase {
    let json = #"""
    {"type": "Unigram", "unk_id": 0, "byte_fallback": false,
     "vocab": [["<unk>", 0.0], ["a", -1.0], ["b", -2.0], ["ab", -1.5], ["c", -3.0], ["bc", -4.5], ["é", -1.0]]}
    """#

    func testViterbiBestPath() throws {
        let m = try model(json)
        XCTAssertEqual(tok(m, "ab"), [3])          // -1.5 beats -3
        XCTAssertEqual(tok(m, "abc"), [3, 4])      // ab c: -4.5 vs a bc: -5.5
        XCTAssertEqual(tok(m, "é"), [6])
        XCTAssertEqual(m.vocabSize, 7)
        XCTAssertEqual(m.token(forId: 3), Array("ab".utf8))
    }

    func testUnknownCharsAreFused() throws {
        let m = try model(json)
        XCTAssertEqual(tok(m, "xy"), [0])
        XCTAssertEqual(tok(m, "axyb"), [1, 0, 2])
        XCTAssertEqual(tok(m, "a<unk>"), [1, 0])   // the unk piece is matched and fused with its unknown neighbours
    }

    func testTiesKeepTheFirstCandidate() throws {
        // "ab" (one piece, -2) ties with "a" + "b" (-1 + -1): the first candidate reaching the end
        // wins. Candidates for end=2: from start 0 ("ab") first, then from start 1 ("b").
        let m = try model(#"{"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["a", -1], ["b", -1], ["ab", -2]]}"#)
        XCTAssertEqual(tok(m, "ab"), [3])
    }

    func testByteFallback() throws {
        let m = try model(#"""
        {"type": "Unigram", "unk_id": 0, "byte_fallback": true,
         "vocab": [["<unk>", 0], ["a", -1], ["<0x78>", -5], ["<0xC3>", -5], ["<0xA9>", -5]]}
        """#)
        XCTAssertEqual(tok(m, "axé"), [1, 2, 3, 4])   // "xé" fused, then bytes
        XCTAssertEqual(tok(m, "aü"), [1, 0])
    }

    func testNoUnkIdDropsUnknownChars() throws {
        let m = try model(#"{"type": "Unigram", "vocab": [["a", -1], ["b", -2]]}"#)
        XCTAssertEqual(tok(m, "axb"), [0, 1])
        XCTAssertNil(m.unkId)
    }

    func testDuplicatePieceLastIdWins() throws {
        let m = try model(#"{"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0], ["a", -1], ["a", -1]]}"#)
        XCTAssertEqual(tok(m, "a"), [2])
        XCTAssertEqual(m.token(forId: 1), [UInt8(ascii: "a")])
    }

    func testErrors() {
        assertFormatError(#"{"type": "Unigram", "unk_id": 3, "vocab": [["a", -1]]}"#, "unk_id")
        assertFormatError(#"{"type": "Unigram", "unk_id": 0, "vocab": []}"#)
        assertFormatError(#"{"type": "Unigram", "unk_id": 0, "vocab": [["a"]]}"#)
        assertFormatError(#"{"type": "Unigram", "unk_id": 0, "vocab": [["a", "x"]]}"#)
        assertFormatError(#"{"type": "Unigram", "unk_id": -1, "vocab": [["a", 0]]}"#)
        assertFormatError(#"{"type": "Unigram", "unk_id": 0}"#)
    }
}

final class WordLevelTests: XCTestCase {
    func testLookupElseUnk() throws {
        let m = try model(#"{"type": "WordLevel", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "hello": 1, "café": 2}}"#)
        XCTAssertEqual(tok(m, "hello"), [1])
        XCTAssertEqual(tok(m, "café"), [2])
        XCTAssertEqual(tok(m, "cafe\u{301}"), [0])   // bytes, not canonical equivalence
        XCTAssertEqual(tok(m, "x"), [0])
    }

    func testErrors() {
        assertFormatError(#"{"type": "WordLevel", "unk_token": "[UNK]", "vocab": {"a": 0}}"#, "unk_token")
        assertFormatError(#"{"type": "WordLevel", "vocab": {"a": 0}}"#, "unk_token")
    }
}

final class FactoryTests: XCTestCase {
    func testUnknownTypeIsUnsupported() {
        XCTAssertThrowsError(try makeModel(JSON.parse(#"{"type": "Foo", "vocab": {}}"#))) { e in
            XCTAssertEqual((e as? M2VError)?.code, .unsupported)
            XCTAssertEqual((e as? M2VError)?.message, "unsupported model \"Foo\"")
        }
        assertFormatError(#"[1]"#)
    }

    func testLegacyUntaggedModels() throws {
        XCTAssertTrue(try model(#"{"vocab": {"a": 0}, "merges": []}"#) is BPEModel)
        XCTAssertTrue(try model(#"{"vocab": [["a", 0]]}"#) is UnigramModel)
        XCTAssertTrue(try model(###"{"vocab": {"a": 0}, "unk_token": "a", "continuing_subword_prefix": "##", "max_input_chars_per_word": 5}"###) is WordPieceModel)
        XCTAssertTrue(try model(#"{"vocab": {"a": 0}, "unk_token": "a"}"#) is WordLevelModel)
    }

    func testByteVocabGrowsAndFindsEverything() {
        var v = ByteVocab()
        for i in 0..<5000 { _ = v.add("tok\(i)é", id: Int32(i)) }
        for i in stride(from: 0, to: 5000, by: 7) { XCTAssertEqual(v.id("tok\(i)é"), Int32(i)) }
        XCTAssertNil(v.id("tok5000é"))
        XCTAssertNil(v.id(""))
    }
}

final class RobustnessTests: XCTestCase {
    /// Random scalars (ASCII, Latin, CJK, astral, combining) through every kind of model: no
    /// trap, and the output only holds ids of the vocabulary.
    func testRandomInputNeverTraps() throws {
        let models: [any TokenizerModel] = [
            try model(###"{"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "a": 1, "##a": 2, "é": 3, "##b": 4}}"###),
            try model(#"{"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true, "vocab": {"<unk>": 0, "a": 1, "b": 2, "ab": 3, "<0xC3>": 4, "<0xF0>": 5}, "merges": ["a b"]}"#),
            try model(#"{"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2, "abab": 3}, "merges": ["a b", "ab ab"]}"#),
            try model(#"{"type": "Unigram", "unk_id": 0, "byte_fallback": true, "vocab": [["<unk>", 0], ["a", -1], ["ab", -1.5], ["b", -2], ["<0xC3>", -3]]}"#),
            try model(#"{"type": "Unigram", "vocab": [["a", -1], ["b", -2]]}"#),
            try model(#"{"type": "WordLevel", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1}}"#),
        ]
        var rng = SystemRandomNumberGenerator()
        let pool: [UInt32] = [0x61, 0x62, 0x41, 0x20, 0xE9, 0xFC, 0x301, 0x4E2D, 0xAC00, 0x1F600, 0x10FFFF, 0xFFFD, 0, 0xD800, 0x110000, 0xFFFF_FFFF]
        var scratch = ModelScratch()
        var out: [Int32] = []
        for _ in 0..<2000 {
            let n = Int.random(in: 1...40, using: &rng)
            let piece = (0..<n).map { _ in pool.randomElement(using: &rng) ?? 0x61 }
            for m in models {
                out.removeAll(keepingCapacity: true)
                piece.withUnsafeBufferPointer { m.tokenize($0, into: &out, scratch: &scratch) }
                for id in out { XCTAssertNotNil(m.token(forId: id)) }
            }
        }
    }
}
