// Conformance with HuggingFace `tokenizers`: for every fixture tokenizer, every text of the dev
// corpus and of the edge cases must give exactly the reference's `plain_ids`
// (add_special_tokens=False) and `special_ids` (add_special_tokens=True). Not 99%: 100%.
import XCTest
import M2VSupport
import SafeTensors
import TestSupport
@testable import Tokenizers

final class ConformanceTests: XCTestCase {
    /// Fixture name -> where its tokenizer.json is.
    static func tokenizerPath(_ name: String) throws -> String {
        switch name {
        case "minilm-teacher": return try Fixtures.teacherModelDir() + "/tokenizer.json"
        case "minilm-distilled": return try Fixtures.path("models/minilm-default/tokenizer.json")
        case "minilm-distilled-vocab": return try Fixtures.path("models/minilm-vocab-pca64/tokenizer.json")
        case "llama2-bpe": return try Fixtures.path("models/wordllama-l2bpe-32/tokenizer.json")
        case "tokenlearn-unigram": return try Fixtures.tokenlearnModelDir() + "/tokenizer.json"
        case "trained-bytebpe-8k": return try Fixtures.path("models/trained-bytebpe-8k/tokenizer.json")
        case "trained-unigram-6k": return try Fixtures.path("models/trained-unigram-6k-weights/tokenizer.json")
        case "trained-wordlevel-5k": return try Fixtures.path("models/trained-wordlevel-5k-nonorm/tokenizer.json")
        default: throw XCTSkip("unknown fixture \(name)")
        }
    }

    /// Ragged ids of a reference file: text i -> ids.
    static func ragged(_ file: SafeTensorsFile, ids: String, offsets: String) throws -> [[Int32]]? {
        guard let idT = file.tensor(named: ids), let offT = file.tensor(named: offsets) else { return nil }
        let flat = try file.int64s(idT)
        let off = try file.int64s(offT)
        var out: [[Int32]] = []
        for i in 0..<(off.count - 1) {
            out.append(flat[Int(off[i])..<Int(off[i + 1])].map { Int32($0) })
        }
        return out
    }

    func check(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let tok = try Tokenizer(path: Self.tokenizerPath(name))
        let ws = TokenizerWorkspace()
        for corpus in ["dev", "edge"] {
            let texts = corpus == "dev" ? try Fixtures.devTexts() : try Fixtures.edgeTexts()
            let ref = try SafeTensorsFile(path: Fixtures.path("reference/tokenizers/\(name)/\(corpus).safetensors"))
            let plain = try XCTUnwrap(Self.ragged(ref, ids: "plain_ids", offsets: "plain_offsets"))
            let special = try Self.ragged(ref, ids: "special_ids", offsets: "special_offsets")
            XCTAssertEqual(plain.count, texts.count, file: file, line: line)
            var bad = 0
            var ids: [Int32] = []
            for (i, text) in texts.enumerated() where i < plain.count {
                var utf8 = Array(text.utf8)
                try utf8.withUnsafeMutableBufferPointer { buf in
                    try tok.encode(utf8: UnsafeBufferPointer(buf), addSpecialTokens: false, into: &ids, workspace: ws)
                }
                if ids != plain[i] {
                    bad += 1
                    if bad <= 5 {
                        XCTFail("\(name) \(corpus)[\(i)] plain ids differ\n text: \(String(text.debugDescription.prefix(300)))\n ours: \(ids.prefix(40))\n ref:  \(plain[i].prefix(40))", file: file, line: line)
                    }
                }
                if let special, i < special.count {
                    try utf8.withUnsafeMutableBufferPointer { buf in
                        try tok.encode(utf8: UnsafeBufferPointer(buf), addSpecialTokens: true, into: &ids, workspace: ws)
                    }
                    if ids != special[i] {
                        bad += 1
                        if bad <= 5 {
                            XCTFail("\(name) \(corpus)[\(i)] special ids differ\n ours: \(ids.prefix(20))\n ref:  \(special[i].prefix(20))", file: file, line: line)
                        }
                    }
                }
                utf8.removeAll()
            }
            XCTAssertEqual(bad, 0, "\(name) \(corpus): \(bad) of \(texts.count) texts differ", file: file, line: line)
        }
    }

    func testMiniLMTeacher() throws { try check("minilm-teacher") }
    func testMiniLMDistilled() throws { try check("minilm-distilled") }
    func testMiniLMDistilledVocab() throws { try check("minilm-distilled-vocab") }
    func testLlama2BPE() throws { try check("llama2-bpe") }
    func testTokenlearnUnigram() throws { try check("tokenlearn-unigram") }
    func testTrainedByteBPE() throws { try check("trained-bytebpe-8k") }
    func testTrainedUnigram() throws { try check("trained-unigram-6k") }
    func testTrainedWordLevel() throws { try check("trained-wordlevel-5k") }
}
