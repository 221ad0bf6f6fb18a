// Classifier/Train — the public face of fine-tuning (model2vec 0.10 `model2vec.train`:
// StaticModelForClassification / StaticModelForRegression `fit`): what is learned
// (`TrainTargets`), the options and their checks (`TrainOptions`), progress and result types,
// and `Trainer.fit`, which tokenizes, splits, runs the loop (TrainLoop.swift) and builds the
// pipeline. The math is in TrainNetwork.swift, the seeded randomness in TrainRandom.swift.
import LinearAlgebra
import M2VSupport
import SafeTensors
import StaticModel

/// What the head learns, with one entry per training text.
public enum TrainTargets: Sendable {
    /// One class index (into `classes`) per text: softmax head, cross-entropy (or focal) loss,
    /// validation accuracy.
    case singleLabel(classes: [ClassLabel], labels: [Int32])
    /// The class indices present in each text (multi-hot): sigmoid head, binary cross-entropy
    /// (or focal) loss, validation Jaccard accuracy.
    case multiLabel(classes: [ClassLabel], labels: [[Int32]])
    /// `width` values per text (texts x width, row-major): identity head, MSE loss, validation loss.
    case regression(values: [Float], width: Int)

    /// Texts these targets describe (nil when a regression's values are not a whole number of rows).
    var count: Int? {
        switch self {
        case .singleLabel(_, let l): return l.count
        case .multiLabel(_, let l): return l.count
        case .regression(let v, let w): return w > 0 && v.count % w == 0 ? v.count / w : nil
        }
    }

    /// Outputs of the head (classes, or the regression width).
    var outputs: Int {
        switch self {
        case .singleLabel(let c, _), .multiLabel(let c, _): return c.count
        case .regression(_, let w): return w
        }
    }
}

/// The size of the validation split taken from the training texts (when no validation set is given).
public enum TestSize: Sendable, Equatable {
    /// This fraction of the texts (Python's round, half to even), at most 10,000 texts.
    case fraction(Double)
    /// This many texts.
    case count(Int)
}

/// The options of `Trainer.fit`, with model2vec 0.10's defaults.
public struct TrainOptions: Sendable {
    /// Hidden layers of the head (0 = one linear layer; for regression with width == dim, none).
    public var nLayers: Int = 1
    public var hiddenDim: Int = 512
    public var learningRate: Float = 1e-3
    /// nil = model2vec's automatic size, min(max(1, (n / 30) // 32), 16) * 32 for n training texts.
    public var batchSize: Int?
    public var minEpochs: Int?
    /// nil or < 0: until early stopping, at most 9999 epochs (model2vec's cap).
    public var maxEpochs: Int? = -1
    /// Validation checks without improvement (by more than 0.001) before stopping; nil = never stop early.
    public var earlyStoppingPatience: Int? = 5
    public var testSize: TestSize = .fraction(0.1)
    /// Validate every this many steps instead of every epoch; nil = model2vec's choice (every
    /// epoch, or about four times an epoch when an epoch has more than 250 batches).
    public var validationSteps: Int?
    /// One weight per class: cross-entropy's class weights, or binary cross-entropy's pos_weight.
    public var classWeight: [Float]?
    /// Seeds the validation split, the head's initialization, the shuffles and token dropout
    /// (m2v's own SplitMix64 streams, not torch's: the same seed gives the same result here,
    /// not the same numbers as model2vec).
    public var seed: UInt64 = 42
    /// Keep the embedding table fixed.
    public var freeze: Bool = false
    /// L2-normalize the pooled vectors (in training and in the resulting model).
    public var normalize: Bool = true
    /// nil: train the model's own token weights, and use none when it has none; false: a model
    /// without weights learns weights starting at 1; true: keep the weights fixed.
    public var freezeWeights: Bool?
    /// Truncation in tokens (and the character cut at 10x it) of training and of the result;
    /// `.fromConfig` = the base model's max_length.
    public var maxLength: MaxLengthChoice = .fromConfig
    /// Fraction of the tokens of each training text dropped per step (at least one kept), in [0, 1).
    public var tokenDropout: Float = 0
    /// Focal loss gamma (0 = plain cross-entropy).
    public var focalGamma: Float = 0
    /// How the table rows and token weights are updated (see `EmbeddingOptimizer`); lazy by
    /// default (model2vec's dense Adam is `.dense`).
    public var embeddingOptimizer: EmbeddingOptimizer = .lazy
    /// Threads for tokenizing and pooling (0 = all cores). The result does not depend on it.
    public var threads: Int = 0
    /// Called after every step and every validation, on the calling thread; returning true
    /// cancels the training (`.cancelled`).
    public var progress: (@Sendable (TrainProgress) -> Bool)?

    public init() {}

    /// model2vec's defaults for a task: StaticModelForClassification and
    /// StaticModelForRegression (through StaticModelForSimilarity) both default to n_layers 1,
    /// hidden_dim 512 (BaseFinetuneable's 0 / 256 are not used by either), so these are `init()`'s.
    public static func defaults(for targets: TrainTargets) -> TrainOptions { TrainOptions() }

    /// Most hidden units, texts and batch size accepted.
    public static let maxHiddenDim = 1 << 16
    public static let maxBatchSize = 1 << 20
    public static let maxTexts = 1 << 28
    static let unboundedEpochs = 9999
    static let maxValidationSize = 10_000
}

/// The optimizer of the table rows and token weights.
public enum EmbeddingOptimizer: Sendable, Equatable {
    /// torch's Adam on every row and weight every step, as model2vec (its nn.EmbeddingBag is
    /// dense): rows not in the batch have a zero gradient but keep moving with their decaying
    /// first moment. Costs rows x dim per step, and moments for every row.
    case dense
    /// Lazy Adam (torch.optim.SparseAdam's update): moments and parameters change only for the
    /// rows and weights the batch touches, with the global step's bias corrections. Costs only
    /// the batch's rows per step, and moments (and checkpoints) only for the rows and weights the
    /// training texts contain, but rare tokens move less than under model2vec's dense Adam. The default.
    case lazy
}

/// Where the training is, as the progress callback sees it.
public struct TrainProgress: Sendable {
    /// Epochs completed.
    public let epoch: Int
    /// Steps done (over all epochs).
    public let step: Int
    public let stepsPerEpoch: Int
    /// The last step's training loss.
    public let trainLoss: Double
    /// Set when this call follows a validation.
    public let valLoss: Double?
    public let valMetric: Double?
}

/// One validation check.
public struct TrainCheck: Sendable, Equatable {
    /// Epochs completed when it ran, and the step.
    public let epoch: Int
    public let step: Int
    public let valLoss: Double
    /// Accuracy (single-label), Jaccard accuracy (multi-label) or the loss (regression).
    public let valMetric: Double
}

public struct TrainResult: @unchecked Sendable {
    /// The best checkpoint (by the validation metric) as a pipeline.
    public let pipeline: Pipeline
    /// Epochs completed.
    public let epochs: Int
    public let steps: Int
    /// The best validation metric (accuracy, Jaccard accuracy, or the regression loss).
    public let bestValMetric: Double
    public let history: [TrainCheck]
}

public enum Trainer {
    /// Trains a head (and the table and token weights, unless frozen) on `texts` as model2vec's
    /// `fit`, and returns the best checkpoint as a pipeline. `validation`, when given, replaces
    /// the split of `options.testSize` texts off the training texts. Needs OpenBLAS at run time
    /// (`.unsupported` otherwise).
    public static func fit(base: StaticModel, texts: TextBatch, targets: TrainTargets,
                           validation: (texts: TextBatch, targets: TrainTargets)? = nil,
                           options: TrainOptions) throws(M2VError) -> TrainResult {
        let blas = try BLAS.requireCore(for: "training (Trainer.fit)")
        let plan = try TrainPlan(base: base, texts: texts, targets: targets, validation: validation, options: options)
        let maxLength: Int? = {
            switch options.maxLength {
            case .fromConfig: return base.maxLength
            case .none: return nil
            case .tokens(let n): return n
            }
        }()
        let trainTokens = try TrainTokens.tokenize(base, texts, maxLength: maxLength, threads: options.threads)
        let valTokens = try validation.map { v throws(M2VError) in
            try TrainTokens.tokenize(base, v.texts, maxLength: maxLength, threads: options.threads)
        }
        let task = try TrainTask(targets, options: options)
        let valTask = try validation.map { v throws(M2VError) in try TrainTask(v.targets, options: options) }
        var root = SplitMix64(seed: options.seed)
        var splitRNG = root.fork(), initRNG = root.fork(), shuffleRNG = root.fork(), dropRNG = root.fork()

        // The training and validation sets: given, or split off (stratified for single labels).
        let train: TrainSet, val: TrainSet
        if let valTokens, let valTask {
            train = TrainSet(tokens: trainTokens, task: task, members: Array(0..<plan.count))
            val = TrainSet(tokens: valTokens, task: valTask, members: Array(0..<valTokens.count))
        } else {
            let (tr, te) = Split.indices(n: plan.count, testSize: options.testSize, maxTestSize: TrainOptions.maxValidationSize,
                                         stratifyBy: task.singleLabels, rng: &splitRNG)
            train = TrainSet(tokens: trainTokens, task: task, members: tr)
            val = TrainSet(tokens: trainTokens, task: task, members: te)
        }
        guard !train.members.isEmpty, !val.members.isEmpty else {
            throw .invalidArgument("training needs at least one training and one validation text (got \(train.members.count) and \(val.members.count))")
        }
        let batchSize = options.batchSize ?? Self.autoBatchSize(train.members.count)
        let net = try TrainNetwork(base: base, outputs: targets.outputs, options: options, regression: task.isRegression,
                                   rng: &initRNG, blas: blas, training: (train.tokens, train.members))
        let saved = blas.getThreads()
        blas.setThreads(1)  // one thread: sgemm's sums then never depend on a thread count
        defer { blas.setThreads(saved) }
        let loop = TrainLoop(net: net, train: train, val: val, batchSize: batchSize, options: options)
        let outcome = try loop.run(shuffle: &shuffleRNG, dropout: &dropRNG)
        let pipeline = try net.pipeline(task: task, base: base, maxLength: maxLength, normalize: options.normalize)
        return TrainResult(pipeline: pipeline, epochs: outcome.epochs, steps: outcome.steps,
                           bestValMetric: outcome.best, history: outcome.history)
    }

    /// model2vec's `_determine_batch_size`: a multiple of 32 between 32 and 512.
    public static func autoBatchSize(_ trainTexts: Int) -> Int {
        let base = min(max(1, Int((Double(trainTexts) / 30 / 32).rounded(.down))), 16)
        return base * 32
    }
}

/// The checks of `fit`'s arguments, before anything is allocated.
struct TrainPlan {
    let count: Int

    init(base: StaticModel, texts: TextBatch, targets: TrainTargets,
         validation: (texts: TextBatch, targets: TrainTargets)?, options o: TrainOptions) throws(M2VError) {
        guard texts.count > 0 else { throw .invalidArgument("texts: no training texts") }
        guard texts.count <= TrainOptions.maxTexts else { throw .invalidArgument("texts: \(texts.count) texts, at most \(TrainOptions.maxTexts)") }
        try Self.check(targets, texts: texts.count, name: "targets")
        if let v = validation {
            guard v.texts.count > 0, v.texts.count <= TrainOptions.maxTexts else {
                throw .invalidArgument("validation: \(v.texts.count) texts (need 1...\(TrainOptions.maxTexts))")
            }
            try Self.check(v.targets, texts: v.texts.count, name: "validation targets")
            switch (targets, v.targets) {
            case (.singleLabel(let a, _), .singleLabel(let b, _)), (.multiLabel(let a, _), .multiLabel(let b, _)):
                guard a == b else { throw .invalidArgument("validation targets: their classes differ from the training targets'") }
            case (.regression(_, let a), .regression(_, let b)):
                guard a == b else { throw .invalidArgument("validation targets: width \(b), the training targets' is \(a)") }
            default:
                throw .invalidArgument("validation targets: a different task from the training targets")
            }
        }
        guard o.nLayers >= 0, o.nLayers < MLPHead.maxLayers else {
            throw .invalidArgument("nLayers must be in 0...\(MLPHead.maxLayers - 1) (got \(o.nLayers))")
        }
        guard o.hiddenDim > 0, o.hiddenDim <= TrainOptions.maxHiddenDim else {
            throw .invalidArgument("hiddenDim must be in 1...\(TrainOptions.maxHiddenDim) (got \(o.hiddenDim))")
        }
        guard o.learningRate.isFinite, o.learningRate > 0 else { throw .invalidArgument("learningRate must be positive and finite (got \(o.learningRate))") }
        if let b = o.batchSize, !(1...TrainOptions.maxBatchSize).contains(b) {
            throw .invalidArgument("batchSize must be in 1...\(TrainOptions.maxBatchSize) (got \(b))")
        }
        if let m = o.minEpochs, m < 0 { throw .invalidArgument("minEpochs must be >= 0 (got \(m))") }
        if let p = o.earlyStoppingPatience, p < 0 { throw .invalidArgument("earlyStoppingPatience must be >= 0 (got \(p))") }
        if let s = o.validationSteps, s < 1 { throw .invalidArgument("validationSteps must be >= 1 (got \(s))") }
        switch o.testSize {
        case .fraction(let f): guard f.isFinite, f > 0, f < 1 else { throw .invalidArgument("testSize fraction must be in (0, 1) (got \(f))") }
        case .count(let c): guard c >= 0 else { throw .invalidArgument("testSize count must be >= 0 (got \(c))") }
        }
        guard o.tokenDropout >= 0, o.tokenDropout < 1 else { throw .invalidArgument("tokenDropout must be in [0, 1) (got \(o.tokenDropout))") }
        guard o.focalGamma.isFinite, o.focalGamma >= 0 else { throw .invalidArgument("focalGamma must be non-negative (got \(o.focalGamma))") }
        guard o.threads >= 0 else { throw .invalidArgument("threads must be >= 0 (got \(o.threads))") }
        if case .tokens(let n) = o.maxLength, n <= 0 { throw .invalidArgument("maxLength must be > 0 (got \(n))") }
        if let w = o.classWeight {
            switch targets {
            case .regression: throw .invalidArgument("classWeight: a regression has no classes")
            case .singleLabel(let c, _), .multiLabel(let c, _):
                guard w.count == c.count else { throw .invalidArgument("classWeight has \(w.count) weights for \(c.count) classes") }
            }
            guard w.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw .invalidArgument("classWeight: weights must be finite and >= 0") }
        }
        if validation == nil, texts.count < 2 {
            throw .invalidArgument("texts: a validation split needs at least 2 texts (or give a validation set)")
        }
        count = texts.count
    }

    static func check(_ t: TrainTargets, texts: Int, name: String) throws(M2VError) {
        switch t {
        case .singleLabel(let classes, let labels):
            guard !classes.isEmpty, classes.count <= MLPHead.maxClasses else {
                throw .invalidArgument("\(name): \(classes.count) classes (need 1...\(MLPHead.maxClasses))")
            }
            guard labels.count == texts else { throw .invalidArgument("\(name): \(labels.count) labels for \(texts) texts") }
            if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= classes.count }) {
                throw .invalidArgument("\(name): label \(labels[bad]) of text \(bad) is not a class index (\(classes.count) classes)")
            }
        case .multiLabel(let classes, let labels):
            guard !classes.isEmpty, classes.count <= MLPHead.maxClasses else {
                throw .invalidArgument("\(name): \(classes.count) classes (need 1...\(MLPHead.maxClasses))")
            }
            guard labels.count == texts else { throw .invalidArgument("\(name): \(labels.count) label lists for \(texts) texts") }
            let (cells, o) = texts.multipliedReportingOverflow(by: classes.count)
            guard !o, cells <= 1 << 31 else { throw .invalidArgument("\(name): \(texts) texts x \(classes.count) classes is too many targets") }
            for (i, l) in labels.enumerated() {
                if let bad = l.first(where: { $0 < 0 || Int($0) >= classes.count }) {
                    throw .invalidArgument("\(name): label \(bad) of text \(i) is not a class index (\(classes.count) classes)")
                }
            }
        case .regression(let values, let width):
            guard width > 0, width <= MLPHead.maxClasses else { throw .invalidArgument("\(name): width must be in 1...\(MLPHead.maxClasses) (got \(width))") }
            let (cells, o) = texts.multipliedReportingOverflow(by: width)
            guard !o, values.count == cells else {
                throw .invalidArgument("\(name): \(values.count) values for \(texts) texts x width \(width)")
            }
            guard values.allSatisfy({ $0.isFinite }) else { throw .invalidArgument("\(name): values must be finite") }
        }
    }
}
