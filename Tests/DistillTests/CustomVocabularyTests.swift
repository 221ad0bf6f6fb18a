// Custom vocabulary (model2vec's `vocabulary=`): the tokenizer.json of minilm-vocab-pca64 and the
// raw teacher vectors of its multi-piece words (teacher_raw_minilm_vocab_multitoken).
import XCTest
import M2VSupport
import SafeTensors
import TestSupport
@testable import Distill

final class CustomVocabularyTests: XCTestCase {
    func words() throws -> [String] {
        let j = try JSON.parse(FileIO.read(Fixtures.path("models/minilm-vocab-pca64.vocabulary.json")))
        return (j.array ?? []).compactMap { $0.string }
    }

    func testTokenizerJSONMatchesReference() throws {
        let v = try DistillVocabulary(teacherTokenizerJSON: FileIO.read(Teacher.dir() + "/tokenizer.json"),
                                      words: words())
        let ref = try FileIO.read(Fixtures.path("models/minilm-vocab-pca64/tokenizer.json"))
        XCTAssertEqual(v.tokens.count, 29712)
        XCTAssertTrue(v.tokenizerJSON == ref, "tokenizer.json differs from minilm-vocab-pca64's")
    }

    func testMultiPieceTeacherVectors() throws {
        let v = try DistillVocabulary(teacherTokenizerJSON: FileIO.read(Teacher.dir() + "/tokenizer.json"),
                                      words: words())
        let f = try SafeTensorsFile(path: Fixtures.path("teacher/teacher_raw_minilm_vocab_multitoken.safetensors"))
        let rows = try f.int64s(XCTUnwrap(f.tensor(named: "rows")))
        let offs = try f.int64s(XCTUnwrap(f.tensor(named: "input_offsets")))
        let ref = try f.floats(XCTUnwrap(f.tensor(named: "embeddings")))
        let n = ProcessInfoLite.full ? rows.count : 16
        var seqs: [[Int32]] = []
        for i in 0..<n {
            let s = v.teacherInputs[Int(rows[i])]
            XCTAssertEqual(Int64(s.count), offs[i + 1] - offs[i], "row \(rows[i])")
            seqs.append(s)
        }
        let model = try Teacher.model()
        let ours = try Distiller.embed(model: model, sequences: seqs, pooling: .mean, padId: v.padId, threads: 0)
        var worst: Float = 0
        for i in 0..<(n * 384) { worst = max(worst, abs(ours[i] - ref[i])) }
        XCTAssertLessThan(worst, 1e-4)
    }
}
