// Classifier training (Trainer.fit): analytic gradients against finite differences (head,
// table rows, token weights; cross-entropy, binary cross-entropy, MSE), determinism for a seed
// and across thread counts, learning on the dev corpus with the committed word-level fixture
// model (single-label source, multi-label scripts, regression), and the saved pipeline's round trip.
import XCTest
import LinearAlgebra
import M2VSupport
import SafeTensors
import StaticModel
import TestSupport
@testable import Classifier

final class TrainTests: XCTestCase {
    // MARK: A tiny model

    static let tinyTokenizer = """
    {"version":"1.0","truncation":null,"padding":null,"added_tokens":[],"normalizer":null,
     "pre_tokenizer":{"type":"WhitespaceSplit"},"post_processor":null,"decoder":null,
     "model":{"type":"WordLevel","vocab":{"[UNK]":0,"a":1,"b":2,"c":3,"d":4,"e":5},"unk_token":"[UNK]"}}
    """

    func tinyModel(weights: Bool, dim: Int = 4) throws -> StaticModel {
        var rng = SplitMix(seed: 3)
        let table: [Float] = (0..<(6 * dim)).map { _ in Float(rng.below(2001)) / 1000 - 1 }
        let w: [Float] = [1, 0.5, 1.5, 0.8, 1.2, 0.9]
        return try table.withUnsafeBytes { tb in
            try w.withUnsafeBytes { wb in
                try StaticModel(tokenizerJSON: Array(Self.tinyTokenizer.utf8),
                                embeddings: ModelTensor(dtype: .F32, shape: [6, dim], bytes: tb),
                                weights: weights ? ModelTensor(dtype: .F32, shape: [6], bytes: wb) : nil,
                                mapping: nil, config: .object([]), normalize: nil, maxLength: .fromConfig,
                                baseModelName: nil, language: nil)
            }
        }
    }

    /// Finite differences of the loss against the analytic gradient of every head parameter,
    /// every touched table row and token weight.
    func gradientCheck(_ targets: TrainTargets, regression: Bool, weights: Bool, normalize: Bool, gamma: Float = 0,
                       classWeight: [Float]? = nil, nLayers: Int = 1) throws {
        let base = try tinyModel(weights: weights)
        let blas = try BLAS.requireCore(for: "the test")
        var o = TrainOptions()
        o.nLayers = nLayers; o.hiddenDim = 5; o.normalize = normalize; o.focalGamma = gamma; o.classWeight = classWeight
        o.freezeWeights = weights ? nil : false
        o.threads = 1
        var rng = SplitMix64(seed: 9)
        let outputs = targets.outputs
        let net = try TrainNetwork(base: base, outputs: outputs, options: o, regression: regression, rng: &rng, blas: blas)
        // Non-zero biases, so their gradients are exercised away from 0.
        for l in net.layers { for k in 0..<l.outputs { l.bias.p[k] = Float(k) * 0.1 - 0.15 } }
        let tokens = TrainTokens(ids: [1, 2, 2, 3, 4, 1, 5, 3, 3, 2], offsets: [0, 3, 5, 5, 8, 10])
        let task = try TrainTask(targets, options: o)
        let members = Array(0..<5)[...]
        let work = try TrainWork(net: net, capacity: 5)
        var drng = SplitMix64(seed: 0)
        work.load(tokens, members, dropout: 0, rng: &drng)
        func loss() -> Double {
            let z = net.forward(work, rows: 5)
            return task.loss(z, members: members, grad: nil).loss
        }
        let z = net.forward(work, rows: 5)
        _ = task.loss(z, members: members, grad: work.g0.p)
        net.backward(work, rows: 5)

        var checked = 0
        func check(_ p: UnsafeMutablePointer<Float>, _ analytic: Float, _ what: String) {
            let h: Float = 3e-3
            let saved = p.pointee
            p.pointee = saved + h; let up = loss()
            p.pointee = saved - h; let down = loss()
            p.pointee = saved
            let numeric = Float((up - down) / Double(2 * h))
            XCTAssertEqual(analytic, numeric, accuracy: 2e-3 + 3e-2 * abs(numeric), what)
            checked += 1
        }
        for (li, l) in net.layers.enumerated() {
            let gw = l.gWeight.array, gb = l.gBias.array
            for k in 0..<gw.count { check(l.weight.p + k, gw[k], "layer \(li) weight \(k)") }
            for k in 0..<gb.count { check(l.bias.p + k, gb[k], "layer \(li) bias \(k)") }
        }
        let rowGrad = work.rowGrad, rows = work.touchedRows
        XCTAssertEqual(Set(rows), [1, 2, 3, 4, 5], "the rows of the batch's tokens, and only those")
        for (slot, r) in rows.enumerated() {
            for j in 0..<net.dim { check(net.table.p + Int(r) * net.dim + j, rowGrad[slot * net.dim + j], "row \(r) dim \(j)") }
        }
        if let w = net.weights {
            let idGrad = work.idGrad
            for (slot, id) in work.touchedIds.enumerated() { check(w.p + Int(id), idGrad[slot], "weight of token \(id)") }
        }
        XCTAssertGreaterThan(checked, 30)
    }

    func testGradientsCrossEntropy() throws {
        let t = TrainTargets.singleLabel(classes: [.string("x"), .string("y"), .string("z")], labels: [0, 2, 1, 1, 0])
        try gradientCheck(t, regression: false, weights: true, normalize: true)
        try gradientCheck(t, regression: false, weights: false, normalize: false, nLayers: 2)
        try gradientCheck(t, regression: false, weights: true, normalize: true, gamma: 2, classWeight: [1, 2, 0.5])
        try gradientCheck(t, regression: false, weights: true, normalize: false, nLayers: 0)
    }

    func testGradientsBinaryCrossEntropy() throws {
        let t = TrainTargets.multiLabel(classes: [.integer(0), .integer(1), .integer(2)], labels: [[0], [1, 2], [], [0, 2], [1]])
        try gradientCheck(t, regression: false, weights: true, normalize: true)
        try gradientCheck(t, regression: false, weights: true, normalize: true, classWeight: [2, 0.5, 1])
        try gradientCheck(t, regression: false, weights: false, normalize: true, gamma: 1.5, classWeight: [2, 0.5, 1])
    }

    func testGradientsMSE() throws {
        let t = TrainTargets.regression(values: [0.5, -1, 2, 0, 1, 1, -0.5, 0.25, 0, 3], width: 2)
        try gradientCheck(t, regression: true, weights: true, normalize: true)
        try gradientCheck(t, regression: true, weights: false, normalize: false, nLayers: 3)
    }

    // MARK: Splits

    func testStratumTestSizesAndSplit() {
        XCTAssertEqual(Split.stratumTestSizes([10, 10], 4), [2, 2])
        XCTAssertEqual(Split.stratumTestSizes([2, 2, 100], 3), [1, 1, 1])
        XCTAssertEqual(Split.stratumTestSizes([5, 15], 2).reduce(0, +), 2)
        var rng = SplitMix64(seed: 1)
        let labels: [Int32] = (0..<100).map { Int32($0 % 3) }
        let (tr, te) = Split.indices(n: 100, testSize: .fraction(0.1), maxTestSize: 10_000, stratifyBy: labels, rng: &rng)
        XCTAssertEqual(te.count, 10)
        XCTAssertEqual(Set(tr).union(te), Set(0..<100))
        XCTAssertTrue(Set(tr).isDisjoint(with: te))
        for c in 0..<3 { XCTAssertGreaterThanOrEqual(te.filter { labels[$0] == Int32(c) }.count, 3) }
        XCTAssertEqual(Trainer.autoBatchSize(100), 32)
        XCTAssertEqual(Trainer.autoBatchSize(4000), 128)
        XCTAssertEqual(Trainer.autoBatchSize(1_000_000), 512)
    }

    // MARK: The dev corpus

    struct Corpus {
        let model: StaticModel
        let texts: [String]
        let sources: [String]
    }

    func corpus() throws -> Corpus {
        let model = try StaticModel(path: Fixtures.path("models/trained-wordlevel-5k-nonorm"))
        let texts = try Fixtures.devTexts()
        let sources = try (Fixtures.json("corpus/dev_sources.json").array ?? []).compactMap { $0.string }
            .map { $0.hasPrefix("mo_") ? "mo" : $0 }
        XCTAssertEqual(texts.count, sources.count)
        return Corpus(model: model, texts: texts, sources: sources)
    }

    func split<T>(_ a: [T]) -> (train: [T], test: [T]) {
        (a.enumerated().filter { $0.offset % 5 != 0 }.map(\.element), a.enumerated().filter { $0.offset % 5 == 0 }.map(\.element))
    }

    func singleLabelFit(_ c: Corpus, threads: Int = 0, epochs: Int = 30, seed: UInt64 = 42) throws -> (TrainResult, Double, Double) {
        let classes = Array(Set(c.sources)).sorted()
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Int32($0)) })
        let (trX, teX) = split(c.texts), (trY, teY) = split(c.sources.map { index[$0]! })
        var o = TrainOptions()
        o.nLayers = 1; o.hiddenDim = 32; o.maxEpochs = epochs; o.batchSize = 64; o.threads = threads; o.seed = seed
        let start = Self.now()
        let r = try TextBatch.with(trX) { b throws(M2VError) in
            try Trainer.fit(base: c.model, texts: b, targets: .singleLabel(classes: classes.map { .string($0) }, labels: trY), options: o)
        }
        let seconds = Self.now() - start
        var pred = [Int32](repeating: -1, count: teX.count)
        try TextBatch.with(teX) { b throws(M2VError) in
            try pred.withUnsafeMutableBufferPointer { p throws(M2VError) in
                try r.pipeline.predict(b, options: EncodeOptions(maxLength: r.pipeline.model.maxLength), out: p.baseAddress!)
            }
        }
        let acc = Double(zip(pred, teY).filter { $0 == $1 }.count) / Double(teY.count)
        return (r, acc, seconds)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    func headBytes(_ p: Pipeline) throws -> [UInt8] { try p.head.safetensors() }

    func testSingleLabelLearnsDevCorpusAndRoundTrips() throws {
        let c = try corpus()
        let (r, acc, seconds) = try singleLabelFit(c)
        print("train single-label dev corpus: accuracy \(acc), \(r.epochs) epochs, \(r.steps) steps, \(seconds) s, best val \(r.bestValMetric)")
        XCTAssertGreaterThan(acc, 0.7)
        XCTAssertEqual(r.pipeline.task, .singleLabel)
        XCTAssertFalse(r.history.isEmpty)

        // Saved and loaded, the pipeline predicts the same probabilities.
        let tmp = try TemporaryFolder("train")
        defer { tmp.remove() }
        let dir = tmp.path + "/pipe"
        try r.pipeline.save(to: dir)
        let loaded = try Pipeline(path: dir)
        let probe = Array(c.texts.prefix(200))
        func scores(_ p: Pipeline) throws -> [Float] {
            var out = [Float](repeating: 0, count: probe.count * p.head.outputDim)
            try TextBatch.with(probe) { b throws(M2VError) in
                try out.withUnsafeMutableBufferPointer { o throws(M2VError) in
                    try p.scores(b, options: EncodeOptions(maxLength: p.model.maxLength), out: o.baseAddress!)
                }
            }
            return out
        }
        XCTAssertEqual(try scores(loaded), try scores(r.pipeline))
        XCTAssertEqual(loaded.model.normalize, true)
        XCTAssertEqual(loaded.model.maxLength, c.model.maxLength)
    }

    func testDeterministicForSeedAndThreads() throws {
        let c = try corpus()
        let (a, _, _) = try singleLabelFit(c, threads: 1, epochs: 2)
        let (b, _, _) = try singleLabelFit(c, threads: 0, epochs: 2)
        let (d, _, _) = try singleLabelFit(c, threads: 2, epochs: 2, seed: 43)
        XCTAssertEqual(try headBytes(a.pipeline), try headBytes(b.pipeline), "thread count changed the head")
        let probe = Array(c.texts.prefix(50))
        XCTAssertEqual(try a.pipeline.model.encode(probe, options: EncodeOptions()),
                       try b.pipeline.model.encode(probe, options: EncodeOptions()), "thread count changed the table")
        XCTAssertNotEqual(try headBytes(a.pipeline), try headBytes(d.pipeline), "another seed, another head")
    }

    /// Scripts of a text: Latin, Cyrillic, Han, other non-ASCII letters.
    static func scripts(_ s: String) -> [Int32] {
        var found = Set<Int32>()
        for u in s.unicodeScalars {
            let v = u.value
            if (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) || (0xC0...0x24F).contains(v) { found.insert(0) }
            else if (0x400...0x4FF).contains(v) { found.insert(1) }
            else if (0x4E00...0x9FFF).contains(v) { found.insert(2) }
            else if v > 0x24F && u.properties.isAlphabetic { found.insert(3) }
        }
        return found.sorted()
    }

    func testMultiLabelScriptsLearn() throws {
        let c = try corpus()
        let labels = c.texts.map(Self.scripts)
        let (trX, teX) = split(c.texts), (trY, teY) = split(labels)
        var o = TrainOptions()
        o.nLayers = 1; o.hiddenDim = 32; o.maxEpochs = 12; o.batchSize = 64
        let classes: [ClassLabel] = ["latin", "cyrillic", "han", "other"].map { .string($0) }
        let r = try TextBatch.with(trX) { b throws(M2VError) in
            try Trainer.fit(base: c.model, texts: b, targets: .multiLabel(classes: classes, labels: trY), options: o)
        }
        XCTAssertEqual(r.pipeline.task, .multiLabel)
        var flags = [Int32](repeating: 0, count: teX.count * 4)
        try TextBatch.with(teX) { b throws(M2VError) in
            try flags.withUnsafeMutableBufferPointer { p throws(M2VError) in
                try r.pipeline.predict(b, options: EncodeOptions(), out: p.baseAddress!)
            }
        }
        func jaccard(_ pred: (Int) -> Set<Int32>) -> Double {
            var s = 0.0
            for (i, y) in teY.enumerated() {
                let t = Set(y), p = pred(i)
                let u = t.union(p).count
                s += u > 0 ? Double(t.intersection(p).count) / Double(u) : 0
            }
            return s / Double(teY.count)
        }
        let trained = jaccard { i in Set((0..<4).filter { flags[i * 4 + $0] == 1 }.map { Int32($0) }) }
        // The best constant: every class present in more than half the training texts.
        let constant = Set((0..<4).filter { k in trY.filter { $0.contains(Int32(k)) }.count * 2 > trY.count }.map { Int32($0) })
        let baseline = jaccard { _ in constant }
        print("train multi-label scripts: Jaccard \(trained), constant \(baseline), \(r.epochs) epochs")
        XCTAssertGreaterThan(trained, baseline)
        XCTAssertGreaterThan(r.history.last!.valMetric, 0)
    }

    func testRegressionLearns() throws {
        let c = try corpus()
        // Two values per text: the fractions of ASCII letters and of Cyrillic letters.
        func target(_ s: String) -> [Float] {
            let n = Float(max(s.unicodeScalars.count, 1))
            let ascii = Float(s.unicodeScalars.filter { $0.isASCII && $0.properties.isAlphabetic }.count)
            let cyr = Float(s.unicodeScalars.filter { (0x400...0x4FF).contains($0.value) }.count)
            return [ascii / n, cyr / n]
        }
        let ys = c.texts.map(target)
        let (trX, teX) = split(c.texts), (trY, teY) = split(ys)
        var o = TrainOptions()
        o.nLayers = 1; o.hiddenDim = 32; o.maxEpochs = 12; o.batchSize = 64
        let r = try TextBatch.with(trX) { b throws(M2VError) in
            try Trainer.fit(base: c.model, texts: b, targets: .regression(values: trY.flatMap { $0 }, width: 2), options: o)
        }
        XCTAssertEqual(r.pipeline.task, .regression)
        XCTAssertLessThan(r.bestValMetric, r.history.first!.valLoss + 1e-12)
        var out = [Float](repeating: 0, count: teX.count * 2)
        try TextBatch.with(teX) { b throws(M2VError) in
            try out.withUnsafeMutableBufferPointer { p throws(M2VError) in
                try r.pipeline.scores(b, options: EncodeOptions(), out: p.baseAddress!)
            }
        }
        let mean = (0..<2).map { j in trY.reduce(0) { $0 + Double($1[j]) } / Double(trY.count) }
        var mse = 0.0, constant = 0.0
        for (i, y) in teY.enumerated() {
            for j in 0..<2 {
                mse += pow(Double(out[i * 2 + j]) - Double(y[j]), 2)
                constant += pow(mean[j] - Double(y[j]), 2)
            }
        }
        print("train regression: MSE \(mse / Double(teY.count * 2)), constant \(constant / Double(teY.count * 2)), \(r.epochs) epochs")
        XCTAssertLessThan(mse, constant)
    }

    // MARK: Options

    func testInvalidOptionsAreNamed() throws {
        let base = try tinyModel(weights: false)
        func fails(_ change: (inout TrainOptions) -> Void, _ word: String) throws {
            var o = TrainOptions()
            change(&o)
            do {
                _ = try TextBatch.with(["a b", "c d", "e"]) { b throws(M2VError) in
                    try Trainer.fit(base: base, texts: b, targets: .singleLabel(classes: [.integer(0), .integer(1)], labels: [0, 1, 0]), options: o)
                }
                XCTFail("\(word): no error")
            } catch {
                XCTAssertEqual(error.code, .invalidArgument, "\(word)")
                XCTAssertTrue(error.message.contains(word), "\(error.message) names \(word)")
            }
        }
        try fails({ $0.hiddenDim = 0 }, "hiddenDim")
        try fails({ $0.learningRate = -1 }, "learningRate")
        try fails({ $0.batchSize = 0 }, "batchSize")
        try fails({ $0.tokenDropout = 1 }, "tokenDropout")
        try fails({ $0.focalGamma = -1 }, "focalGamma")
        try fails({ $0.classWeight = [1] }, "classWeight")
        try fails({ $0.validationSteps = 0 }, "validationSteps")
        try fails({ $0.testSize = .fraction(1.5) }, "testSize")
    }

    func testCancelledByProgress() throws {
        let base = try tinyModel(weights: false)
        var o = TrainOptions()
        o.progress = { p in p.step >= 2 }
        o.batchSize = 1
        do {
            _ = try TextBatch.with(["a b", "c d", "e", "a", "b c"]) { b throws(M2VError) in
                try Trainer.fit(base: base, texts: b, targets: .singleLabel(classes: [.integer(0), .integer(1)], labels: [0, 1, 0, 1, 0]), options: o)
            }
            XCTFail("not cancelled")
        } catch {
            XCTAssertEqual(error.code, .cancelled)
        }
    }
}
