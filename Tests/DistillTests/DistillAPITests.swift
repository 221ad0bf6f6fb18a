// m2v_distill through the C API: default params, argument checks, error codes for a missing or
// unsupported teacher, and cancellation from the progress callback (nothing written).
import XCTest
import CM2V
import M2V
import M2VSupport
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

final class DistillAPITests: XCTestCase {
    func testDefaultParams() {
        let p = M2V.m2v_distill_default_params()
        XCTAssertEqual(p.struct_size, MemoryLayout<m2v_distill_params>.size)
        XCTAssertEqual(p.pca_dims, 256)
        XCTAssertEqual(p.explained_variance, 0)
        XCTAssertEqual(p.sif_coefficient, 1e-4)
        XCTAssertEqual(p.quantize_to, Int32(M2V_QUANTIZE_FLOAT16.rawValue))
        XCTAssertEqual(p.pooling, Int32(M2V_POOLING_MEAN.rawValue))
        XCTAssertEqual(p.n_threads, 0)
        XCTAssertEqual(p.remove_unused_tokens, 1)
        XCTAssertEqual(p.vocabulary_quantization, 0)
        XCTAssertNil(p.base_model_name)
        XCTAssertNil(p.progress)
    }

    func testArgumentErrors() throws {
        let out = "/tmp/m2v-distill-api-\(getpid())"
        XCTAssertEqual(M2V.m2v_distill(nil, nil, out), M2V_ERR_INVALID_ARGUMENT)
        XCTAssertEqual(M2V.m2v_distill("/nonexistent", nil, nil), M2V_ERR_INVALID_ARGUMENT)
        XCTAssertEqual(M2V.m2v_distill("/nonexistent-teacher", nil, out), M2V_ERR_NOT_FOUND)
        XCTAssertTrue(String(cString: m2v_last_error()).contains("not found"))
        let teacher = try Teacher.dir()
        var p = M2V.m2v_distill_default_params()
        p.struct_size = 8
        XCTAssertEqual(M2V.m2v_distill(teacher, &p, out), M2V_ERR_INVALID_ARGUMENT)
        for change in [{ (q: inout m2v_distill_params) in q.pca_dims = -2 },
                       { $0.explained_variance = 1.5 }, { $0.sif_coefficient = 1 }, { $0.quantize_to = 9 },
                       { $0.pooling = -1 }, { $0.n_threads = -1 }, { $0.remove_unused_tokens = 2 },
                       { $0.vocabulary_quantization = -1 }] {
            var q = M2V.m2v_distill_default_params()
            change(&q)
            XCTAssertEqual(M2V.m2v_distill(teacher, &q, out), M2V_ERR_INVALID_ARGUMENT, String(cString: m2v_last_error()))
        }
        var v = M2V.m2v_distill_default_params()
        v.n_vocabulary = 1
        XCTAssertEqual(M2V.m2v_distill(teacher, &v, out), M2V_ERR_INVALID_ARGUMENT)
        let bad: [CChar] = [CChar(bitPattern: 0xFF), 0x41]
        var lengths = [2]
        bad.withUnsafeBufferPointer { b in
            var ptrs: [UnsafePointer<CChar>?] = [b.baseAddress]
            ptrs.withUnsafeBufferPointer { pp in lengths.withUnsafeBufferPointer { lp in
                v.vocabulary = pp.baseAddress
                v.vocabulary_lengths = lp.baseAddress
                XCTAssertEqual(M2V.m2v_distill(teacher, &v, out), M2V_ERR_INVALID_UTF8)
            } }
            _ = ptrs
        }
        _ = lengths
        XCTAssertFalse(FileIO.exists(out))
    }

    func testUnsupportedTeacher() throws {
        let tmp = try TemporaryFolder("distill-gpt2")
        defer { tmp.remove() }
        let dir = tmp.path
        try FileIO.write(dir + "/config.json", string: #"{"model_type": "gpt2", "hidden_size": 8}"#)
        try FileIO.write(dir + "/tokenizer.json", FileIO.read(Teacher.dir() + "/tokenizer.json"))
        XCTAssertEqual(M2V.m2v_distill(dir, nil, dir + "/out"), M2V_ERR_UNSUPPORTED)
        XCTAssertTrue(String(cString: m2v_last_error()).contains("gpt2"))
    }

    func testCancelFromProgress() throws {
        let teacher = try Teacher.dir()
        let out = "/tmp/m2v-distill-cancel-\(getpid())"
        var p = M2V.m2v_distill_default_params()
        p.progress = { _, _, _ in 1 }
        XCTAssertEqual(M2V.m2v_distill(teacher, &p, out), M2V_ERR_CANCELLED)
        XCTAssertFalse(FileIO.exists(out))
    }
}
