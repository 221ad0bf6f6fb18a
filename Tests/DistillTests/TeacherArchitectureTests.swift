// Every teacher family's forward pass against transformers: the committed tiny teachers in
// Tests/teachers/<name>/ (scripts/gen_teacher_fixtures.py: seeded random weights, made with
// transformers' own model classes) with the hidden states of every layer, the last hidden state,
// the pooler output and a padded batch, all within 1e-4. $M2V_TEACHER_FIXTURES points elsewhere.
import Foundation
import XCTest
import M2VSupport
import SafeTensors
import TestSupport
@testable import Distill

final class TeacherArchitectureTests: XCTestCase {
    static var root: String {
        if let env = getenv("M2V_TEACHER_FIXTURES") { return String(cString: env) }
        return Fixtures.repoRoot + "/Tests/teachers"
    }

    /// The fixture folders (each with a layers.safetensors).
    static func folders() throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let found = names.filter { FileIO.isRegularFile(root + "/" + $0 + "/layers.safetensors") }.sorted()
        if found.isEmpty { XCTFail("no teacher fixtures under \(root)") }
        return found
    }

    static func teacherDir(_ name: String) -> String {
        let t = root + "/" + name + "/teacher"
        return FileIO.isDirectory(t) ? t : root + "/" + name
    }

    func worst(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        var w: Float = 0
        for (x, y) in zip(a, b) { w = max(w, abs(x - y)) }
        return a.count == b.count ? w : .infinity
    }

    func testEveryLayerMatchesTransformers() throws {
        var architectures = Set<TeacherArchitecture>()
        for name in try Self.folders() {
            let model = try Transformer(folder: Self.teacherDir(name))
            architectures.insert(model.config.architecture)
            let f = try SafeTensorsFile(path: Self.root + "/" + name + "/layers.safetensors")
            let H = model.config.hidden
            var sawPooler = false
            let cases = f.tensors.map { $0.name }.filter { $0.hasSuffix(".input_ids") }.map { String($0.dropLast(10)) }
            XCTAssertFalse(cases.isEmpty, name)
            for c in cases {
                let idsT = try XCTUnwrap(f.tensor(named: c + ".input_ids"))
                let ids = try f.int64s(idsT).map { Int32($0) }
                let (B, L) = idsT.shape.count == 2 ? (idsT.shape[0], idsT.shape[1]) : (1, ids.count)
                var lengths = [Int](repeating: L, count: B)
                if let m = f.tensor(named: c + ".attention_mask") {
                    let mask = try f.int64s(m)
                    for b in 0..<B { lengths[b] = (0..<L).filter { mask[b * L + $0] != 0 }.count }
                }
                let out = try model.forward(ids: ids, lengths: lengths, seqLen: L, keepLayers: true)
                if let hsT = f.tensor(named: c + ".hidden_states"), B == 1 {
                    let hs = try f.floats(hsT)
                    XCTAssertEqual(out.layers.count * L * H, hs.count, "\(name) \(c): layer count")
                    for (l, layer) in out.layers.enumerated() where (l + 1) * L * H <= hs.count {
                        XCTAssertLessThan(worst(layer[...], hs[(l * L * H)..<((l + 1) * L * H)]), 1e-4, "\(name) \(c) layer \(l)")
                    }
                }
                let last = try f.floats(XCTUnwrap(f.tensor(named: c + ".last_hidden_state")))
                for b in 0..<B {
                    let n = lengths[b] * H, o = b * L * H
                    XCTAssertLessThan(worst(out.hidden[o..<(o + n)], last[o..<(o + n)]), 1e-4, "\(name) \(c)[\(b)] last hidden")
                }
                if let p = f.tensor(named: c + ".pooler_output") {
                    let ref = try f.floats(p)
                    XCTAssertLessThan(worst(try XCTUnwrap(out.pooler)[...], ref[...]), 1e-4, "\(name) \(c) pooler")
                    sawPooler = true
                }
            }
            XCTAssertEqual(model.hasPooler, sawPooler, "\(name): pooler present in one and not the other")
        }
        if getenv("M2V_TEACHER_FIXTURES") == nil {
            XCTAssertEqual(architectures, Set(TeacherArchitecture.allCases), "a family without a fixture")
        }
    }

    /// MPNet's buckets against transformers' relative_position_bucket (values from torch).
    func testRelativeBuckets() {
        XCTAssertEqual(Attention.relativeBucket(0), 0)
        XCTAssertEqual((1...7).map { Attention.relativeBucket(-$0) }, Array(1...7))
        XCTAssertEqual((1...7).map { Attention.relativeBucket($0) }, (1...7).map { 16 + $0 })
    }

    func testUnknownModelTypeListsSupported() throws {
        let json = try JSON.parse(#"{"model_type":"t5","hidden_size":8}"#)
        XCTAssertThrowsError(try TransformerConfig(json: json)) { e in
            let err = e as? M2VError
            XCTAssertEqual(err?.code, .unsupported)
            XCTAssertTrue("\(err?.message ?? "")".contains("modernbert"), "\(String(describing: err))")
        }
    }

    /// Damaged teachers give an error, never a trap: a config whose sizes disagree with the
    /// weights (.format), one without model.safetensors but with pytorch_model.bin (.unsupported,
    /// naming the conversion), a ModernBERT with the wrong number of layer types (.format).
    func testDamagedTeachersAreErrors() throws {
        let fm = FileManager.default
        for name in try Self.folders() {
            let tmp = try TemporaryFolder("damaged-\(name)")
            defer { tmp.remove() }
            let src = Self.teacherDir(name)
            let dst = tmp.path + "/t"
            try fm.copyItem(atPath: src, toPath: dst)
            let cfgPath = dst + "/config.json"
            let original = try String(contentsOfFile: cfgPath, encoding: .utf8)
            for (key, bump) in [("intermediate_size", 8), ("hidden_dim", 8), ("vocab_size", 1), ("dim", 4),
                                ("max_position_embeddings", 1), ("num_hidden_layers", 1), ("n_layers", 1),
                                ("num_key_value_heads", 1), ("head_dim", 2)] {
                guard var cfg = try JSONSerialization.jsonObject(with: Data(original.utf8)) as? [String: Any],
                      let v = cfg[key] as? Int else { continue }
                // Rotary families have no position table: their max_position_embeddings is only a limit.
                let rotary = ["modernbert", "llama", "mistral", "qwen2", "qwen3"].contains(cfg["model_type"] as? String ?? "")
                if key == "max_position_embeddings", rotary { continue }
                cfg[key] = v + bump
                try JSONSerialization.data(withJSONObject: cfg).write(to: URL(fileURLWithPath: cfgPath))
                XCTAssertThrowsError(try Transformer(folder: dst), "\(name) \(key)+\(bump)") { e in
                    XCTAssertEqual((e as? M2VError)?.code, .format, "\(name) \(key): \(e)")
                }
            }
            try original.write(toFile: cfgPath, atomically: true, encoding: .utf8)
            try fm.moveItem(atPath: dst + "/model.safetensors", toPath: dst + "/pytorch_model.bin")
            XCTAssertThrowsError(try Transformer(folder: dst)) { e in
                let err = e as? M2VError
                XCTAssertEqual(err?.code, .unsupported)
                XCTAssertTrue((err?.message ?? "").contains("safetensors"), "\(String(describing: err))")
            }
        }
        let bad = try JSON.parse(#"{"model_type":"modernbert","vocab_size":10,"hidden_size":8,"num_hidden_layers":3,"num_attention_heads":2,"intermediate_size":8,"layer_types":["full_attention"]}"#)
        XCTAssertThrowsError(try TransformerConfig(json: bad)) { e in XCTAssertEqual((e as? M2VError)?.code, .format) }
    }

    /// Decoder configs: what the forward pass cannot run is .unsupported (naming it), sizes that
    /// cannot fit are .format; a valid one derives the widths and biases as transformers does.
    func testDecoderConfigs() throws {
        let base = #""vocab_size":10,"hidden_size":8,"num_hidden_layers":1,"num_attention_heads":4,"intermediate_size":8"#
        func config(_ extra: String) throws -> TransformerConfig { try TransformerConfig(json: JSON.parse("{" + base + "," + extra + "}")) }
        func code(_ extra: String) -> M2VError.Code? {
            do { _ = try config(extra); return nil } catch { return (error as? M2VError)?.code }
        }
        XCTAssertEqual(code(#""model_type":"llama","rope_scaling":{"rope_type":"llama3","factor":8}"#), .unsupported)
        XCTAssertEqual(code(#""model_type":"qwen3","rope_parameters":{"rope_type":"yarn","rope_theta":1e6}"#), .unsupported)
        XCTAssertEqual(try config(#""model_type":"qwen2","use_sliding_window":true,"sliding_window":4,"layer_types":["full_attention"]"#).causalWindow, Int.max)
        // Qwen's windows: layers from max_window_layers (default 28) on slide.
        XCTAssertEqual(try config(#""model_type":"qwen2","use_sliding_window":true,"sliding_window":4,"max_window_layers":0"#).causalWindow, 4)
        XCTAssertEqual(try config(#""model_type":"qwen2","use_sliding_window":true,"sliding_window":4"#).causalWindow, Int.max)
        let twoLayers = #"{"model_type":"qwen2","vocab_size":10,"hidden_size":8,"num_hidden_layers":2,"num_attention_heads":4,"intermediate_size":8,"use_sliding_window":true,"sliding_window":4,"max_window_layers":1}"#
        XCTAssertThrowsError(try TransformerConfig(json: JSON.parse(twoLayers))) { e in
            XCTAssertEqual((e as? M2VError)?.code, .unsupported)
        }
        XCTAssertEqual(code(#""model_type":"qwen3","layer_types":["sliding_attention"]"#), .unsupported)
        XCTAssertEqual(code(#""model_type":"llama","num_key_value_heads":3"#), .format)
        XCTAssertEqual(code(#""model_type":"llama","num_key_value_heads":0"#), .format)
        XCTAssertEqual(code(#""model_type":"qwen3","head_dim":3"#), .format)  // odd: no rotary pairs
        XCTAssertEqual(code(#""model_type":"mistral","sliding_window":0"#), .format)
        XCTAssertEqual(code(#""model_type":"llama","rope_theta":1"#), .format)
        let q3 = try config(#""model_type":"qwen3","num_key_value_heads":2,"head_dim":6"#)
        XCTAssertEqual([q3.queryWidth, q3.keyWidth], [24, 12])
        XCTAssertTrue(q3.qkNorm && q3.causal && q3.rmsNorm && !q3.qkvBias && !q3.outBias)
        // Qwen3-Embedding-0.6B's config.json (its published shape: nulls included).
        let q3e = try TransformerConfig(json: JSON.parse(#"""
            {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 151643, "eos_token_id": 151643, "head_dim": 128, "hidden_act": "silu",
             "hidden_size": 1024, "initializer_range": 0.02, "intermediate_size": 3072,
             "max_position_embeddings": 32768, "max_window_layers": 28, "model_type": "qwen3",
             "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8,
             "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null,
             "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true,
             "use_sliding_window": false, "vocab_size": 151669}
            """#))
        XCTAssertEqual([q3e.queryWidth, q3e.keyWidth, q3e.headDim, q3e.layers], [2048, 1024, 128, 28])
        XCTAssertEqual(q3e.ropeThetaGlobal, 1_000_000)
        XCTAssertEqual(q3e.causalWindow, Int.max)
        XCTAssertEqual(q3e.layerNormEps, 1e-6)
        let q2 = try config(#""model_type":"qwen2""#)
        XCTAssertTrue(q2.qkvBias && !q2.outBias && !q2.qkNorm)
        XCTAssertEqual(q2.headDim, 2)
        let mistral = try config(#""model_type":"mistral","sliding_window":6"#)
        XCTAssertEqual(mistral.causalWindow, 6)
        let mistralFull = try config(#""model_type":"mistral","sliding_window":null"#)
        XCTAssertEqual(mistralFull.causalWindow, Int.max)
    }
}
