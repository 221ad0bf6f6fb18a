// Lazy training's memory savings must not change its numbers: moments and checkpoints cover
// only the rows and token weights the training texts contain (TrainNetwork's live sets), and
// this gives the same parameters as moments for every row; checkpoints restore exactly; the
// result does not depend on the thread count with a checkpoint at every step; dense and lazy
// Adam both learn.
import XCTest
import LinearAlgebra
import M2VSupport
import SafeTensors
import StaticModel
import TestSupport
@testable import Classifier

final class TrainMemoryTests: XCTestCase {
    struct Setup {
        let base: StaticModel
        let tokens: TrainTokens
        let task: TrainTask
        let members: [Int]
        let options: TrainOptions
    }

    func setup(_ model: String, freezeWeights: Bool? = nil) throws -> Setup {
        let base = try StaticModel(path: Fixtures.path("models/" + model))
        let texts = Array(try Fixtures.devTexts().prefix(600))
        var o = TrainOptions()
        o.hiddenDim = 16; o.freezeWeights = freezeWeights; o.tokenDropout = 0.2; o.threads = 1
        let tokens = try TextBatch.with(texts) { b throws(M2VError) in try TrainTokens.tokenize(base, b, maxLength: 64, threads: 1) }
        let labels = texts.map { Int32($0.utf8.count % 3) }
        let task = try TrainTask(.singleLabel(classes: [.integer(0), .integer(1), .integer(2)], labels: labels), options: o)
        // Every other text trains: the rest holds rows the training never touches.
        return Setup(base: base, tokens: tokens, task: task, members: Array(stride(from: 0, to: texts.count, by: 2)), options: o)
    }

    /// `steps` steps of batches of 32 (with token dropout), a checkpoint after `checkAt`, restored at the end.
    func train(_ s: Setup, live: Bool, steps: Int, checkAt: Int) throws -> TrainNetwork {
        let blas = try BLAS.requireCore(for: "the test")
        var rng = SplitMix64(seed: 5), drop = SplitMix64(seed: 6)
        let net = try TrainNetwork(base: s.base, outputs: 3, options: s.options, regression: false, rng: &rng, blas: blas,
                                   training: live ? (s.tokens, s.members) : nil)
        let work = try TrainWork(net: net, capacity: 32)
        let best = net.checkpoint()
        var lo = 0
        for step in 1...steps {
            if lo >= s.members.count { lo = 0 }
            let batch = s.members[lo..<min(s.members.count, lo + 32)]
            lo += 32
            work.load(s.tokens, batch, dropout: s.options.tokenDropout, rng: &drop)
            let z = net.forward(work, rows: batch.count)
            _ = s.task.loss(z, members: batch, grad: work.g0.p)
            net.backward(work, rows: batch.count)
            net.step(work, AdamStep(lr: 1e-2, t: step))
            if step <= checkAt { net.save(into: best) }
        }
        net.restore(best)
        return net
    }

    func parameters(_ n: TrainNetwork) -> [[Float]] {
        [n.table.array, n.weights?.array ?? []] + n.layers.flatMap { [$0.weight.array, $0.bias.array] }
    }

    func testLiveMomentsAndCheckpointsGiveTheSameParameters() throws {
        for (model, fw) in [("trained-unigram-6k-weights", nil), ("minilm-vq256-int8", nil), ("trained-wordlevel-5k-nonorm", false)] as [(String, Bool?)] {
            let s = try setup(model, freezeWeights: fw)
            for checkAt in [0, 7, 40] {
                let full = try train(s, live: false, steps: 40, checkAt: checkAt)
                let compact = try train(s, live: true, steps: 40, checkAt: checkAt)
                XCTAssertNil(full.liveRows)
                let live = try XCTUnwrap(compact.liveRows)
                XCTAssertLessThan(live.members.count, compact.rows, "\(model): some rows are not in the training texts")
                XCTAssertEqual(compact.tableMoments?.m.count, live.members.count * compact.dim)
                if let ids = compact.liveIds { XCTAssertEqual(compact.weightMoments?.m.count, ids.members.count) }
                XCTAssertEqual(parameters(full), parameters(compact), "\(model), checkpoint after step \(checkAt)")
                // Restored to the initial checkpoint: the table is the base's again.
                if checkAt == 0 {
                    let initial = try train(s, live: true, steps: 1, checkAt: 0)
                    XCTAssertEqual(compact.table.array, initial.table.array, "\(model): the initial checkpoint restores the table")
                }
            }
        }
    }

    func testLazyWithACheckpointEveryStepIsThreadIndependent() throws {
        let base = try StaticModel(path: Fixtures.path("models/trained-unigram-6k-weights"))
        let texts = Array(try Fixtures.devTexts().prefix(800))
        let sources = Array(try (Fixtures.json("corpus/dev_sources.json").array ?? []).compactMap { $0.string }
            .map { $0.hasPrefix("mo_") ? "mo" : $0 }.prefix(texts.count))
        let classes = Array(Set(sources)).sorted()
        let labels = sources.map { Int32(classes.firstIndex(of: $0)!) }
        let majority = Double(Dictionary(grouping: labels, by: { $0 }).values.map(\.count).max()!) / Double(labels.count)
        func fit(_ threads: Int, _ optimizer: EmbeddingOptimizer) throws -> TrainResult {
            var o = TrainOptions()
            o.hiddenDim = 32; o.maxEpochs = 4; o.batchSize = 32; o.validationSteps = 1; o.tokenDropout = 0.1; o.learningRate = 2e-2
            o.earlyStoppingPatience = nil
            o.threads = threads; o.embeddingOptimizer = optimizer
            return try TextBatch.with(texts) { b throws(M2VError) in
                try Trainer.fit(base: base, texts: b, targets: .singleLabel(classes: classes.map { .string($0) }, labels: labels), options: o)
            }
        }
        let probe = Array(texts.prefix(100))
        let a = try fit(1, .lazy), b = try fit(0, .lazy), c = try fit(2, .lazy)
        XCTAssertGreaterThan(a.history.count, 60, "a validation and possibly a new checkpoint every step")
        for other in [b, c] {
            XCTAssertEqual(try a.pipeline.head.safetensors(), try other.pipeline.head.safetensors())
            XCTAssertEqual(try a.pipeline.model.encode(probe, options: EncodeOptions()), try other.pipeline.model.encode(probe, options: EncodeOptions()))
            XCTAssertEqual(a.history, other.history)
        }
        for r in [a, try fit(0, .dense)] {
            XCTAssertGreaterThan(r.bestValMetric, majority + 0.1, "both optimizers learn the texts' sources (majority \(majority))")
        }
    }
}
