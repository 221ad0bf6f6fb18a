// Small behaviours of StaticModel that the conformance fixtures do not pin: empty batches,
// thread-count independence, save/reload, and clear errors for folders that are not models.
import XCTest
import M2VSupport
import TestSupport
@testable import StaticModel

final class StaticModelBasicsTests: XCTestCase {
    func model() throws -> StaticModel {
        try StaticModel(path: Fixtures.path("models/trained-wordlevel-5k-nonorm"))
    }

    func testEmptyBatchAndEmptyText() throws {
        let m = try model()
        XCTAssertEqual(try m.encode([]), [])
        XCTAssertEqual(try m.encode([""]), [Float](repeating: 0, count: m.dim))
        let ids = try TextBatch.with([]) { (b: TextBatch) throws(M2VError) in try m.tokenize(b, options: EncodeOptions()) }
        XCTAssertEqual(ids.count, 0)
    }

    func testSameBytesWhateverTheThreadCount() throws {
        let m = try model()
        let texts = try Array(Fixtures.devTexts().prefix(700))
        let one = try m.encode(texts, options: EncodeOptions(threads: 1))
        let all = try m.encode(texts, options: EncodeOptions(threads: 0, batchSize: 33))
        let four = try m.encode(texts, options: EncodeOptions(threads: 4, progress: { _, _ in false }))
        XCTAssertEqual(one, all)
        XCTAssertEqual(one, four)
    }

    func testSaveAndReloadGiveTheSameVectors() throws {
        let m = try model()
        let tmp = try TemporaryFolder("swift-save")
        defer { tmp.remove() }
        let dir = tmp.path + "/model"
        try m.save(to: dir)
        let again = try StaticModel(path: dir)
        let texts = ["hello world", "a b c", ""]
        XCTAssertEqual(try m.encode(texts), try again.encode(texts))
        XCTAssertEqual(again.normalize, m.normalize)
        XCTAssertEqual(again.maxLength, m.maxLength)
    }

    func testFolderErrors() {
        XCTAssertThrowsError(try StaticModel(path: "/nonexistent/model")) { e in
            XCTAssertEqual((e as? M2VError)?.code, .notFound)
        }
        XCTAssertThrowsError(try StaticModel(path: "/tmp")) { e in
            XCTAssertEqual((e as? M2VError)?.code, .notFound)
            XCTAssertTrue((e as? M2VError)?.message.contains("config.json") ?? false)
        }
    }
}

/// The model card's YAML (issue 14 fuzz findings config-card-*): what render writes, metadata
/// reads back, for strings with newlines, quotes, backslashes and leading combining marks.
final class ModelCardRoundTripTests: XCTestCase {
    func testMetadataSurvivesTheCard() {
        let cases: [(String, [String])] = [
            ("a\nb", ["\u{301}en", "x\"y\\z"]), ("it's", ["fr", "tab\there", "\u{2028}"]),
            ("org/name", ["en"]), (" spaced ", ["yes", "1.5", "null", "\u{7F}", ""]),
            ("org/name", []), // fuzz/regressions/config-card-empty-language: [] came back as nil
        ]
        for (base, language) in cases {
            let card = ModelCard.render(baseModel: base, language: language, name: "m")
            let back = ModelCard.metadata(readme: Array(card.utf8))
            XCTAssertEqual(back.baseModel, base, card)
            XCTAssertEqual(back.language, language, card)
        }
        // No language: no key, nil back.
        let none = ModelCard.render(baseModel: nil, language: nil, name: "m")
        XCTAssertFalse(none.contains("language"))
        XCTAssertNil(ModelCard.metadata(readme: Array(none.utf8)).language)
    }

    /// One-line flow lists, as hand-written cards (and huggingface_hub for []) spell them.
    func testFlowLists() {
        for (yaml, want) in [("language: []", [String]()), ("language: [en, fr]", ["en", "fr"]),
                             ("language: ['en', \"nl\"]", ["en", "nl"]), ("language: en", ["en"])] {
            let readme = "---\n\(yaml)\nlicense: mit\n---\n# x\n"
            XCTAssertEqual(ModelCard.metadata(readme: Array(readme.utf8)).language, want, yaml)
        }
    }
}
