// C API: training classifiers (m2v_classifier_train). Checks the pointers, converts the params
// struct and the label arrays to Classifier's TrainOptions / TrainTargets (whose defaults are
// the C defaults) and calls Trainer.fit. No logic.
import CM2V
import Classifier
import M2VSupport
import StaticModel

@_cdecl("m2v_train_default_params")
public func m2v_train_default_params() -> m2v_train_params {
    let d = TrainOptions()
    var p = m2v_train_params()
    p.struct_size = MemoryLayout<m2v_train_params>.size
    p.n_layers = Int32(d.nLayers)
    p.hidden_dim = Int32(d.hiddenDim)
    p.learning_rate = d.learningRate
    p.batch_size = Int32(d.batchSize ?? 0)
    p.min_epochs = Int32(d.minEpochs ?? -1)
    p.max_epochs = Int32(d.maxEpochs ?? -1)
    p.early_stopping_patience = Int32(d.earlyStoppingPatience ?? -1)
    p.validation_steps = Int32(d.validationSteps ?? 0)
    switch d.testSize {
    case .fraction(let f): p.test_size = f
    case .count(let n): p.test_size = Double(n)
    }
    p.seed = d.seed
    p.freeze = d.freeze ? 1 : 0
    p.normalize = d.normalize ? 1 : 0
    p.freeze_weights = d.freezeWeights.map { $0 ? 1 : 0 } ?? -1
    p.max_length = -1
    p.token_dropout = d.tokenDropout
    p.focal_gamma = d.focalGamma
    p.n_threads = Int32(d.threads)
    p.lazy_embeddings = d.embeddingOptimizer == .lazy ? 1 : 0
    return p
}

/// m2v_train_params -> TrainOptions (the field names in messages).
func trainOptions(_ params: UnsafePointer<m2v_train_params>?, classes: Int) throws(M2VError) -> TrainOptions {
    let v = try params.map { p throws(M2VError) in
        try readParams(p, defaults: m2v_train_default_params(), minimum: MemoryLayout<m2v_train_params>.size, "m2v_train_params")
    } ?? m2v_train_default_params()
    var o = TrainOptions()
    func atLeast(_ x: Int32, _ min: Int32, _ name: String) throws(M2VError) -> Int {
        guard x >= min else { throw .invalidArgument("m2v_train_params.\(name) must be >= \(min) (got \(x))") }
        return Int(x)
    }
    o.nLayers = try atLeast(v.n_layers, 0, "n_layers")
    o.hiddenDim = try atLeast(v.hidden_dim, 1, "hidden_dim")
    o.learningRate = v.learning_rate
    o.batchSize = v.batch_size == 0 ? nil : try atLeast(v.batch_size, 1, "batch_size")
    o.minEpochs = v.min_epochs == -1 ? nil : try atLeast(v.min_epochs, 0, "min_epochs")
    o.maxEpochs = v.max_epochs < 0 ? -1 : Int(v.max_epochs)
    o.earlyStoppingPatience = v.early_stopping_patience == -1 ? nil : try atLeast(v.early_stopping_patience, 1, "early_stopping_patience")
    o.validationSteps = v.validation_steps == 0 ? nil : try atLeast(v.validation_steps, 1, "validation_steps")
    guard v.test_size.isFinite, v.test_size > 0 else { throw .invalidArgument("m2v_train_params.test_size must be > 0 (got \(v.test_size))") }
    if v.test_size < 1 { o.testSize = .fraction(v.test_size) } else {
        guard v.test_size == v.test_size.rounded(), v.test_size <= Double(TrainOptions.maxTexts) else {
            throw .invalidArgument("m2v_train_params.test_size >= 1 must be a whole number of texts (got \(v.test_size))")
        }
        o.testSize = .count(Int(v.test_size))
    }
    o.seed = v.seed
    o.freeze = try flag(v.freeze, "m2v_train_params.freeze")
    o.normalize = try flag(v.normalize, "m2v_train_params.normalize")
    o.freezeWeights = try triState(v.freeze_weights, "m2v_train_params.freeze_weights")
    o.maxLength = try maxLengthChoice(v.max_length, "m2v_train_params.max_length")
    o.tokenDropout = v.token_dropout
    o.focalGamma = v.focal_gamma
    if let w = v.class_weight { o.classWeight = Array(UnsafeBufferPointer(start: w, count: classes)) }
    o.threads = try atLeast(v.n_threads, 0, "n_threads")
    o.embeddingOptimizer = try flag(v.lazy_embeddings, "m2v_train_params.lazy_embeddings") ? .lazy : .dense
    if let fn = v.progress {
        let user = UInt(bitPattern: v.progress_user_data)
        o.progress = { p in
            var c = m2v_train_progress(epoch: p.epoch, step: p.step, steps_per_epoch: p.stepsPerEpoch, train_loss: p.trainLoss,
                                       val_loss: p.valLoss ?? .nan, val_metric: p.valMetric ?? .nan)
            return fn(&c, UnsafeMutableRawPointer(bitPattern: user)) != 0
        }
    }
    return o
}

/// One m2v_train_set -> (texts, targets); `what` names it in messages.
func trainSet(_ s: UnsafePointer<m2v_train_set>, _ what: String) throws(M2VError) -> (TextBatch, TrainTargets) {
    let set = s.pointee
    guard set.n_texts > 0 else { throw .invalidArgument("\(what): n_texts is 0") }
    guard let batch = try textBatch(set.texts, set.lengths, set.n_texts) else {
        throw .invalidArgument("\(what): no texts")
    }
    let n = set.n_texts, t = set.targets
    let k = t.n_outputs
    guard k > 0, k <= MLPHead.maxClasses else {
        throw .invalidArgument("\(what).targets.n_outputs must be 1 .. \(MLPHead.maxClasses) (got \(UInt(bitPattern: k)))")
    }
    let (cells, overflow) = n.multipliedReportingOverflow(by: k)
    guard !overflow else { throw .invalidArgument("\(what): n_texts x n_outputs overflows") }
    func classes() throws(M2VError) -> [ClassLabel] {
        if let names = t.class_names {
            var out: [ClassLabel] = []
            out.reserveCapacity(k)
            for i in 0..<k {
                guard let p = names[i] else { throw .invalidArgument("\(what).targets.class_names[\(i)] is NULL") }
                guard let s = String(validatingCString: p) else {
                    throw .invalidUTF8("\(what).targets.class_names[\(i)] is not valid UTF-8")
                }
                out.append(.string(s))
            }
            return out
        }
        if let ids = t.class_ids { return (0..<k).map { .integer(Int(ids[$0])) } }
        throw .invalidArgument("\(what).targets: a classification needs class_names or class_ids")
    }
    switch t.task {
    case Int32(M2V_TASK_SINGLE_LABEL.rawValue):
        guard let labels = t.labels else { throw .invalidArgument("\(what).targets.labels is NULL") }
        let l = Array(UnsafeBufferPointer(start: labels, count: n))
        if let bad = l.firstIndex(where: { $0 < 0 || Int($0) >= k }) {
            throw .invalidArgument("\(what).targets.labels[\(bad)] is \(l[bad]), not a class index 0 .. \(k - 1)")
        }
        return (batch, .singleLabel(classes: try classes(), labels: l))
    case Int32(M2V_TASK_MULTI_LABEL.rawValue):
        guard let labels = t.labels else { throw .invalidArgument("\(what).targets.labels is NULL") }
        var rows: [[Int32]] = []
        rows.reserveCapacity(n)
        for i in 0..<n {
            var row: [Int32] = []
            for j in 0..<k {
                switch labels[i * k + j] {
                case 0: break
                case 1: row.append(Int32(j))
                case let f: throw .invalidArgument("\(what).targets.labels[\(i * k + j)] is \(f), not a 0/1 flag")
                }
            }
            rows.append(row)
        }
        return (batch, .multiLabel(classes: try classes(), labels: rows))
    case Int32(M2V_TASK_REGRESSION.rawValue):
        guard let values = t.values else { throw .invalidArgument("\(what).targets.values is NULL") }
        let v = Array(UnsafeBufferPointer(start: values, count: cells))
        if let bad = v.firstIndex(where: { !$0.isFinite }) {
            throw .invalidArgument("\(what).targets.values[\(bad)] is \(v[bad]), not finite")
        }
        return (batch, .regression(values: v, width: k))
    default:
        throw .invalidArgument("\(what).targets.task must be an m2v_task (got \(t.task))")
    }
}

@_cdecl("m2v_classifier_train")
public func m2v_classifier_train(_ base: OpaquePointer?, _ train: UnsafePointer<m2v_train_set>?,
                                 _ validation: UnsafePointer<m2v_train_set>?, _ params: UnsafePointer<m2v_train_params>?,
                                 _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                 _ result: UnsafeMutablePointer<m2v_train_result>?) -> m2v_status {
    guard let out else { return fail(.invalidArgument, "m2v_classifier_train: out is NULL") }
    out.pointee = nil
    return guarded { () throws(M2VError) in
        guard let base else { throw .invalidArgument("m2v_classifier_train: base is NULL") }
        guard let train else { throw .invalidArgument("m2v_classifier_train: train is NULL") }
        let model = borrow(base, as: StaticModel.self)
        let (texts, targets) = try trainSet(train, "train")
        let options = try trainOptions(params, classes: Int(train.pointee.targets.n_outputs))
        var val: (texts: TextBatch, targets: TrainTargets)?
        if let validation {
            let (vt, vtar) = try trainSet(validation, "validation")
            guard validation.pointee.targets.task == train.pointee.targets.task,
                  validation.pointee.targets.n_outputs == train.pointee.targets.n_outputs else {
                throw .invalidArgument("m2v_classifier_train: the validation set's task and n_outputs must be the training set's")
            }
            val = (vt, vtar)
        }
        let r = try Trainer.fit(base: model, texts: texts, targets: targets, validation: val, options: options)
        result?.pointee = m2v_train_result(epochs: r.epochs, steps: r.steps, best_val_metric: r.bestValMetric)
        out.pointee = retain(ClassifierHandle(r.pipeline))
    }
}
