// Classifier/TrainLoop — model2vec 0.10's run_training_loop (train/trainer.py): shuffled
// batches each epoch, validation every epoch or every N steps (_determine_val_check_interval),
// the best checkpoint kept by the validation metric and restored at the end, EarlyStopper
// (min_delta 0.001), ReduceLROnPlateau on val_loss once per epoch, min_epochs / max_epochs.
import M2VSupport

/// torch's ReduceLROnPlateau(mode="min", factor=0.5, patience=3, threshold=0.03 rel, min_lr=1e-6).
struct PlateauScheduler {
    var lr: Float
    var best = Double.infinity
    var bad = 0
    static let factor: Float = 0.5, patience = 3, threshold = 0.03, minLR: Float = 1e-6

    mutating func step(_ value: Double) {
        if value < best * (1 - Self.threshold) { best = value; bad = 0 } else { bad += 1 }
        if bad > Self.patience {
            let new = max(lr * Self.factor, Self.minLR)
            if Double(lr) - Double(new) > 1e-8 { lr = new }
            bad = 0
        }
    }
}

/// model2vec's EarlyStopper.
struct EarlyStopper {
    let maximize: Bool
    let patience: Int
    var best: Double
    var wait = 0
    static let minDelta = 0.001
    init(maximize: Bool, patience: Int) {
        self.maximize = maximize; self.patience = patience; best = maximize ? -.infinity : .infinity
    }
    mutating func step(_ v: Double) -> Bool {
        let improved = maximize ? v > best + Self.minDelta : v < best - Self.minDelta
        if improved { best = v; wait = 0 } else { wait += 1 }
        return wait >= patience
    }
}

struct TrainLoop {
    let net: TrainNetwork
    let train: TrainSet
    let val: TrainSet
    let batchSize: Int
    let options: TrainOptions

    struct Outcome {
        let epochs: Int, steps: Int, best: Double
        let history: [TrainCheck]
    }

    /// Single- and multi-label maximize their accuracy; regression minimizes val_loss.
    var maximize: Bool { !train.task.isRegression }

    func run(shuffle: inout SplitMix64, dropout: inout SplitMix64) throws(M2VError) -> Outcome {
        let n = train.members.count
        let capacity = min(batchSize, max(n, val.members.count))
        let work = try TrainWork(net: net, capacity: capacity)
        let stepsPerEpoch = (n + batchSize - 1) / batchSize
        // _determine_val_check_interval.
        var interval: Int? = nil
        var everyEpoch = true
        if let s = options.validationSteps {
            interval = s; everyEpoch = false
        } else if n / batchSize > 250 {
            interval = max(250, (n / batchSize) / 4); everyEpoch = false
        }
        let maxEpochs = options.maxEpochs.flatMap { $0 < 0 ? nil : $0 } ?? TrainOptions.unboundedEpochs
        var scheduler = PlateauScheduler(lr: options.learningRate)
        var stopper = options.earlyStoppingPatience.map { EarlyStopper(maximize: maximize, patience: $0) }
        let best = net.checkpoint()
        var bestMetric = maximize ? -Double.infinity : .infinity
        var latestValLoss: Double?
        var history: [TrainCheck] = []
        var epoch = 0, step = 0

        func validate(_ epoch: Int, _ step: Int, lastLoss: Double) throws(M2VError) -> Bool {
            let (loss, metricValue) = evaluate(work)
            latestValLoss = loss
            let current = maximize ? metricValue : loss
            if maximize ? current > bestMetric : current < bestMetric {
                bestMetric = current
                net.save(into: best)
            }
            history.append(TrainCheck(epoch: epoch, step: step, valLoss: loss, valMetric: current))
            if let p = options.progress,
               p(TrainProgress(epoch: epoch, step: step, stepsPerEpoch: stepsPerEpoch, trainLoss: lastLoss, valLoss: loss, valMetric: current)) {
                throw .cancelled("training cancelled by the progress callback after \(step) steps")
            }
            guard var s = stopper else { return false }
            defer { stopper = s }
            return s.step(current)
        }

        var lastLoss = Double.nan
        while true {
            let order = shuffle.shuffled(train.members)
            var lo = 0
            while lo < n {
                let batch = order[lo..<min(n, lo + batchSize)]
                lo += batchSize
                work.load(train.tokens, batch, dropout: options.tokenDropout, rng: &dropout)
                let z = net.forward(work, rows: batch.count)
                lastLoss = train.task.loss(z, members: batch, grad: work.g0.p).loss
                net.backward(work, rows: batch.count)
                step += 1
                net.step(work, AdamStep(lr: scheduler.lr, t: step))
                if let p = options.progress,
                   p(TrainProgress(epoch: epoch, step: step, stepsPerEpoch: stepsPerEpoch, trainLoss: lastLoss, valLoss: nil, valMetric: nil)) {
                    throw .cancelled("training cancelled by the progress callback after \(step) steps")
                }
                if let interval, step % interval == 0 {
                    let stop = try validate(epoch, step, lastLoss: lastLoss)
                    if stop && (options.minEpochs.map { epoch >= $0 } ?? true) { return finish(best, epoch, step, bestMetric, history) }
                }
            }
            epoch += 1
            if everyEpoch {
                let stop = try validate(epoch, step, lastLoss: lastLoss)
                if stop && (options.minEpochs.map { epoch >= $0 } ?? true) { return finish(best, epoch, step, bestMetric, history) }
            }
            if let l = latestValLoss { scheduler.step(l) }
            if epoch >= maxEpochs { return finish(best, epoch, step, bestMetric, history) }
        }
    }

    private func finish(_ best: TrainCheckpoint, _ epochs: Int, _ steps: Int, _ metric: Double, _ history: [TrainCheck]) -> Outcome {
        net.restore(best)
        return Outcome(epochs: epochs, steps: steps, best: metric, history: history)
    }

    /// _run_validation: batches in order, each batch's loss and metric weighted by its size.
    func evaluate(_ work: TrainWork) -> (loss: Double, metric: Double) {
        var rng = SplitMix64(seed: 0)  // unused: no dropout in validation
        var lossSum: Double = 0, metricSum: Double = 0
        let members = val.members
        var lo = 0
        while lo < members.count {
            let batch = members[lo..<min(members.count, lo + batchSize)]
            lo += batchSize
            work.load(val.tokens, batch, dropout: 0, rng: &rng)
            let z = net.forward(work, rows: batch.count)
            let (l, m) = val.task.loss(z, members: batch, grad: nil)
            lossSum += l * Double(batch.count)
            metricSum += m
        }
        let total = Double(members.count)
        return (lossSum / total, metricSum / total)
    }
}
