// Classifier: the MLP head's forward pass against hand-computed numpy semantics, its checks on
// files, and the committed pipelines trained by model2vec (Tests/classifiers, made by
// scripts/gen_classifier_fixtures.py) against what model2vec predicted with them.
import XCTest
import M2VSupport
import SafeTensors
import StaticModel
import TestSupport
@testable import Classifier

final class PipelineTests: XCTestCase {
    func layer(_ outputs: Int, _ inputs: Int, _ w: [Float], _ b: [Float]) throws -> DenseLayer {
        try DenseLayer(inputs: inputs, outputs: outputs, weight: w, bias: b)
    }

    func testForwardIsLinearReluLinear() throws {
        // x = [1, -2, 3]; W0 2x3, ReLU, W1 2x2.
        let l0 = try layer(2, 3, [1, 0, 1, 0, 1, 0], [0.5, 0])      // -> [4.5, -2] -> relu [4.5, 0]
        let l1 = try layer(2, 2, [1, 1, -1, 2], [0, 1])              // -> [4.5, -3.5]
        let head = try MLPHead(layers: [l0, l1], activation: .identity, classes: nil, inputDim: 3)
        var out = [Float](repeating: 0, count: 2)
        var scratch = [Float](repeating: 0, count: head.scratchFloats(rows: 1))
        let x: [Float] = [1, -2, 3]
        head.logits(x, rows: 1, out: &out, scratch: &scratch)
        XCTAssertEqual(out, [4.5, -3.5])
    }

    func testBlockOfFourRowsEqualsOneRowAtATime() throws {
        var rng = SplitMix(seed: 7)
        func r() -> Float { Float(rng.below(2001)) / 1000 - 1 }
        let dims = (37, 19, 5)
        let l0 = try layer(dims.1, dims.0, (0..<(dims.0 * dims.1)).map { _ in r() }, (0..<dims.1).map { _ in r() })
        let l1 = try layer(dims.2, dims.1, (0..<(dims.1 * dims.2)).map { _ in r() }, (0..<dims.2).map { _ in r() })
        let head = try MLPHead(layers: [l0, l1], activation: .softmax, classes: (0..<5).map { .integer($0) }, inputDim: dims.0)
        let rows = 7
        let x = (0..<(rows * dims.0)).map { _ in r() }
        var all = [Float](repeating: 0, count: rows * dims.2)
        var scratch = [Float](repeating: 0, count: head.scratchFloats(rows: rows))
        head.logits(x, rows: rows, out: &all, scratch: &scratch)
        for i in 0..<rows {
            var one = [Float](repeating: 0, count: dims.2)
            Array(x[(i * dims.0)..<((i + 1) * dims.0)]).withUnsafeBufferPointer { xb in
                head.logits(xb.baseAddress!, rows: 1, out: &one, scratch: &scratch)
            }
            XCTAssertEqual(one, Array(all[(i * dims.2)..<((i + 1) * dims.2)]), "row \(i)")
        }
    }

    func testActivationsAndArgmax() throws {
        let soft = try MLPHead(layers: [], activation: .softmax, classes: [.string("a"), .string("b")], inputDim: 2)
        var v: [Float] = [1, 1, 0, 1000]
        soft.activate(&v, rows: 2)
        XCTAssertEqual(v, [0.5, 0.5, 0, 1])
        let sig = try MLPHead(layers: [], activation: .sigmoid, classes: [.string("a"), .string("b")], inputDim: 2)
        var s: [Float] = [0, -1000]
        sig.activate(&s, rows: 1)
        XCTAssertEqual(s, [0.5, 0])
        XCTAssertEqual(MLPHead.argmax([1, 3, 3, 2], 4), 1, "the first maximum, as numpy")
        XCTAssertEqual(MLPHead.argmax([1, .nan, 3], 3), 1, "the first NaN, as numpy")
    }

    func testHeadsThatDoNotFitAreFormatErrors() throws {
        let l = try layer(2, 3, [Float](repeating: 0, count: 6), [0, 0])
        XCTAssertThrowsError(try MLPHead(layers: [l], activation: .identity, classes: nil, inputDim: 4)) {
            XCTAssertEqual(($0 as? M2VError)?.code, .format)
        }
        XCTAssertThrowsError(try MLPHead(layers: [l], activation: .softmax, classes: [.string("x")], inputDim: 3)) {
            XCTAssertEqual(($0 as? M2VError)?.code, .format)
        }
        XCTAssertThrowsError(try MLPHead(layers: [l], activation: .sigmoid, classes: nil, inputDim: 3))
        XCTAssertThrowsError(try DenseLayer(inputs: 3, outputs: 2, weight: [0, 0], bias: [0, 0]))
        // From files: a missing tensor, a bad activation, too many layers.
        var w = SafeTensorsWriter()
        try w.add(name: "head.0.weight", dtype: .F32, shape: [2, 3], bytes: [UInt8](repeating: 0, count: 24))
        try w.add(name: "head.0.bias", dtype: .F32, shape: [2], bytes: [UInt8](repeating: 0, count: 8))
        let file = try SafeTensorsFile(bytes: w.serialize())
        let ok = try MLPHead(headConfig: try JSON.parse("{\"n_layers\":1,\"activation\":\"identity\",\"classes\":null}"),
                             tensors: file, inputDim: 3)
        XCTAssertEqual(ok.outputDim, 2)
        for bad in ["{\"n_layers\":2}", "{\"n_layers\":1,\"activation\":\"relu\"}", "{\"n_layers\":65}",
                    "{\"n_layers\":-1}", "{\"n_layers\":1,\"activation\":\"softmax\",\"classes\":[1,2,3]}",
                    "{\"n_layers\":1,\"activation\":\"softmax\",\"classes\":[1.5,2]}", "[]"] {
            XCTAssertThrowsError(try MLPHead(headConfig: try JSON.parse(bad), tensors: file, inputDim: 3), bad) {
                XCTAssertEqual(($0 as? M2VError)?.code, .format, bad)
            }
        }
    }

    /// The committed model2vec pipelines: the same labels, probabilities within 1e-5.
    func testTrainedPipelinesMatchModel2vec() throws {
        let dir = FileIO.join(Fixtures.repoRoot, "Tests/classifiers")
        let expected = try JSON.parse(FileIO.read(FileIO.join(dir, "expected.json")))
        for task in ["single-label", "multi-label", "regression"] {
            guard let e = expected[task], let texts = e["texts"]?.array?.compactMap(\.string),
                  let predict = e["predict"]?.array else { return XCTFail("expected.json: \(task)") }
            let p = try Pipeline(path: FileIO.join(dir, task))
            let n = texts.count, k = p.head.outputDim
            var scores = [Float](repeating: 0, count: n * k)
            try TextBatch.with(texts) { b throws(M2VError) in try p.scores(b, options: EncodeOptions(maxLength: p.model.maxLength), out: &scores) }
            switch p.task {
            case .regression:
                for i in 0..<n {
                    for j in 0..<k {
                        let want = Float(predict[i].array?[j].double ?? .nan)
                        XCTAssertEqual(scores[i * k + j], want, accuracy: 1e-5 * max(1, abs(want)), "\(task) text \(i)")
                    }
                }
            case .singleLabel, .multiLabel:
                let proba = e["predict_proba"]?.array ?? []
                for i in 0..<n {
                    for j in 0..<k {
                        XCTAssertEqual(scores[i * k + j], Float(proba[i].array?[j].double ?? .nan), accuracy: 1e-5, "\(task) text \(i)")
                    }
                }
                let width = p.task == .multiLabel ? k : 1
                var labels = [Int32](repeating: -1, count: n * width)
                try TextBatch.with(texts) { b throws(M2VError) in try p.predict(b, options: EncodeOptions(maxLength: p.model.maxLength), out: &labels) }
                let names = (p.head.classes ?? []).map(\.description)
                for i in 0..<n {
                    if p.task == .singleLabel {
                        XCTAssertEqual(names[Int(labels[i])], predict[i].string, "\(task) text \(i)")
                    } else {
                        let got = (0..<k).filter { labels[i * k + $0] == 1 }.map { names[$0] }
                        XCTAssertEqual(got, predict[i].array?.compactMap(\.string), "\(task) text \(i)")
                    }
                }
            }
        }
    }

    func testSaveAndReloadKeepsTheHead() throws {
        let tmp = try TemporaryFolder("pipeline")
        defer { tmp.remove() }
        let p = try Pipeline(path: FileIO.join(Fixtures.repoRoot, "Tests/classifiers/multi-label"))
        let out = FileIO.join(tmp.path, "saved")
        try p.save(to: out)
        let q = try Pipeline(path: out)
        XCTAssertEqual(q.head.headConfig.serialized(), p.head.headConfig.serialized())
        XCTAssertEqual(q.head.layers.map(\.weight), p.head.layers.map(\.weight))
        XCTAssertEqual(q.head.layers.map(\.bias), p.head.layers.map(\.bias))
        XCTAssertEqual(q.model.effectiveConfig.serialized(), p.model.effectiveConfig.serialized())
    }

    func testAFolderWithoutAHeadIsNotFound() throws {
        XCTAssertThrowsError(try Pipeline(path: FileIO.join(Fixtures.repoRoot, "Tests/classifiers"))) {
            XCTAssertEqual(($0 as? M2VError)?.code, .notFound)
        }
    }
}
