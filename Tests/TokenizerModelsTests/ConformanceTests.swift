// Conformance with the reference: pieces of the dev/edge corpora, normalized and pre-tokenized
// by HF tokenizers, and the ids its model gave them (scripts/gen_model_cases.py). Each piece must
// give identical ids here.
import XCTest
import M2VSupport
import TokenizerCore
import TestSupport
@testable import TokenizerModels

final class ConformanceTests: XCTestCase {
    struct Case { var piece: [UInt32]; var ids: [Int32] }

    static let cases: [(name: String, source: String, cases: [Case])] = {
        guard let root = try? JSON.parse(modelCasesJSON), let models = root["models"]?.array else { return [] }
        return models.map { m in
            let cs = (m["cases"]?.array ?? []).map { c -> Case in
                let a = c.array ?? []
                let piece = (a.first?.string ?? "").unicodeScalars.map { $0.value }
                let ids = (a.count > 1 ? a[1].array ?? [] : []).map { Int32($0.int ?? -1) }
                return Case(piece: piece, ids: ids)
            }
            return (m["name"]?.string ?? "", m["source"]?.string ?? "", cs)
        }
    }()

    func loadModel(_ source: String) throws -> any TokenizerModel {
        let path = source == "tokenlearn" ? try Fixtures.tokenlearnModelDir() + "/tokenizer.json" : try Fixtures.path(source)
        let json = try JSON.parse(FileIO.read(path))
        guard let model = json["model"] else { throw M2VError.format("\(path): no model") }
        return try makeModel(model)
    }

    func check(_ name: String) throws {
        guard let entry = Self.cases.first(where: { $0.name == name }) else {
            return XCTFail("no generated cases for \(name)")
        }
        XCTAssertGreaterThan(entry.cases.count, 20)
        let model = try loadModel(entry.source)
        var scratch = ModelScratch()
        var out: [Int32] = []
        var failures = 0
        for c in entry.cases {
            out.removeAll(keepingCapacity: true)
            c.piece.withUnsafeBufferPointer { model.tokenize($0, into: &out, scratch: &scratch) }
            if out != c.ids {
                failures += 1
                if failures <= 5 {
                    let text = String(String.UnicodeScalarView(c.piece.compactMap(Unicode.Scalar.init)))
                    XCTFail("\(name): \(text.debugDescription) gave \(out), expected \(c.ids)")
                }
            }
        }
        XCTAssertEqual(failures, 0, "\(name): \(failures) of \(entry.cases.count) pieces differ")
    }

    func testWordPieceMiniLM() throws { try check("minilm-default") }
    func testBPEWordLlamaByteFallback() throws { try check("wordllama-l2bpe-32") }
    func testByteLevelBPE() throws { try check("trained-bytebpe-8k") }
    func testUnigramTrained() throws { try check("trained-unigram-6k-weights") }
    func testWordLevel() throws { try check("trained-wordlevel-5k-nonorm") }
    func testUnigramTokenlearn() throws { try check("tokenlearn") }

    /// Token <-> id round trip over whole real vocabularies.
    func testIdTokenRoundTrip() throws {
        for entry in Self.cases {
            let model = try loadModel(entry.source)
            var checked = 0
            for id in stride(from: 0, to: model.vocabSize, by: 13) {
                guard let tok = model.token(forId: Int32(id)) else { continue }
                let back = tok.withUnsafeBufferPointer { model.id(forToken: $0) }
                XCTAssertEqual(back, Int32(id), "\(entry.name): id \(id)")
                checked += 1
            }
            XCTAssertGreaterThan(checked, 100, entry.name)
        }
    }
}
