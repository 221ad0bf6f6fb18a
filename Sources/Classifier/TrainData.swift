// Classifier/TrainData — what the trainer reads: every text tokenized once as model2vec's
// `_tokenize_ids` does (`TrainTokens`), the targets in a form the losses read (`TrainTask`),
// and the losses themselves with their gradients and validation metrics (cross-entropy / focal,
// binary cross-entropy / focal with pos_weight, MSE), as train/classifier.py and regression.py.
import M2VSupport
import StaticModel
#if canImport(Glibc)
import Glibc
#endif

/// Token ids of every text, flattened: text i is ids[offsets[i] ..< offsets[i + 1]].
struct TrainTokens {
    let ids: [Int32]
    let offsets: [Int]
    var count: Int { offsets.count - 1 }

    /// model2vec's BaseFinetuneable._tokenize_ids: each text cut to maxLength * 10 code points
    /// (when maxLength is set), tokenized without truncation or special tokens, the unknown
    /// token dropped, then truncated to maxLength tokens. Tokenization is StaticModel.tokenize's.
    static func tokenize(_ model: StaticModel, _ texts: TextBatch, maxLength: Int?, threads: Int) throws(M2VError) -> TrainTokens {
        var lengths = [Int](repeating: 0, count: texts.count)
        var pointers = [UnsafePointer<CChar>?](repeating: nil, count: texts.count)
        let (cut, overflow) = (maxLength ?? 0).multipliedReportingOverflow(by: 10)
        for i in 0..<texts.count {
            let t = texts.text(i)
            pointers[i] = t.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            var n = t.count
            if maxLength != nil, !overflow {
                // Python's text[:cut] on code points: the byte where scalar number `cut` starts.
                var scalars = 0
                for (k, b) in t.enumerated() where b & 0xC0 != 0x80 {
                    if scalars == cut { n = k; break }
                    scalars += 1
                }
            }
            lengths[i] = n
        }
        var options = EncodeOptions(maxLength: nil, normalize: nil, threads: threads)
        options.characterCut = false
        let lists: [[Int32]] = try typed {
            try pointers.withUnsafeBufferPointer { pb in
                try lengths.withUnsafeBufferPointer { lb in
                    guard let p = pb.baseAddress, let l = lb.baseAddress else { return [] }
                    return try model.tokenize(TextBatch(count: texts.count, pointers: p, lengths: l), options: options)
                }
            }
        }
        var ids: [Int32] = []
        var offsets = [0]
        offsets.reserveCapacity(texts.count + 1)
        let vocab = model.tokenizer.vocabSize
        for list in lists {
            let kept = maxLength.map { min($0, list.count) } ?? list.count
            for id in list[..<kept] {
                guard id >= 0, Int(id) < vocab else { throw M2VError(.internal, "token id \(id) outside the vocabulary") }
                ids.append(id)
            }
            offsets.append(ids.count)
        }
        return TrainTokens(ids: ids, offsets: offsets)
    }
}

/// The targets as the losses read them, and the loss of the task.
struct TrainTask {
    enum Kind { case single, multi, regression }
    let kind: Kind
    let outputs: Int
    /// Single label: class per text.
    let labels: [Int32]
    /// Multi-label: texts x classes multi-hot; regression: texts x width values.
    let dense: [Float]
    let classes: [ClassLabel]?
    let classWeight: [Float]?
    let gamma: Float

    var isRegression: Bool { kind == .regression }
    var singleLabels: [Int32]? { kind == .single ? labels : nil }

    init(_ t: TrainTargets, options: TrainOptions) throws(M2VError) {
        gamma = options.focalGamma
        classWeight = options.classWeight
        switch t {
        case .singleLabel(let c, let l):
            kind = .single; outputs = c.count; labels = l; dense = []; classes = c
        case .multiLabel(let c, let l):
            kind = .multi; outputs = c.count; labels = []; classes = c
            var d = [Float](repeating: 0, count: l.count * c.count)
            for (i, list) in l.enumerated() { for k in list { d[i * c.count + Int(k)] = 1 } }
            dense = d
        case .regression(let v, let w):
            kind = .regression; outputs = w; labels = []; dense = v; classes = nil
        }
    }

    /// The loss of `rows` logits (rows x outputs) for the texts `members` (as the loss modules
    /// reduce it), and the sum over the rows of the per-text metric (correct predictions,
    /// Jaccard scores; 0 for regression). With `grad`, the loss's gradient by the logits.
    func loss(_ z: UnsafePointer<Float>, members: ArraySlice<Int>, grad: UnsafeMutablePointer<Float>?) -> (loss: Double, metric: Double) {
        let rows = members.count, c = outputs
        guard rows > 0 else { return (0, 0) }
        switch kind {
        case .single:
            return singleLabel(z, members, rows, c, grad)
        case .multi:
            return multiLabel(z, members, rows, c, grad)
        case .regression:
            var s: Double = 0
            let scale = 2 / Float(rows * c)
            for (r, i) in members.enumerated() {
                for j in 0..<c {
                    let d = z[r * c + j] - dense[i * c + j]
                    s += Double(d * d)
                    grad?[r * c + j] = scale * d
                }
            }
            return (s / Double(rows * c), 0)
        }
    }

    /// FocalLoss: nll = -log_softmax[y], loss = (1 - p)^gamma * nll with 1 - p = -expm1(-nll)
    /// clamped to the smallest normal float; mean, or with class weights sum(w[y] loss) / sum(w[y]).
    private func singleLabel(_ z: UnsafePointer<Float>, _ members: ArraySlice<Int>, _ rows: Int, _ c: Int,
                             _ grad: UnsafeMutablePointer<Float>?) -> (loss: Double, metric: Double) {
        var weightSum: Double = 0
        for i in members { weightSum += Double(classWeight.map { $0[Int(labels[i])] } ?? 1) }
        var total: Double = 0, correct: Double = 0
        for (r, i) in members.enumerated() {
            let row = z + r * c, y = Int(labels[i])
            var m = row[0]
            for j in 1..<max(c, 1) where row[j] > m { m = row[j] }
            var s: Float = 0
            for j in 0..<c { s += expf(row[j] - m) }
            let lse = m + logf(s)
            let nll = lse - row[y]
            var factor: Float = 1, dFactor: Float = 0
            if gamma != 0 {
                let omp = -expm1f(-nll)
                let clamped = max(omp, Float.leastNormalMagnitude)
                factor = powf(clamped, gamma)
                if omp > Float.leastNormalMagnitude { dFactor = gamma * powf(clamped, gamma - 1) * expf(-nll) }
            }
            let sw = Double(classWeight.map { $0[y] } ?? 1)
            total += sw * Double(factor * nll)
            if MLPHead.argmax(row, c) == y { correct += 1 }
            if let g = grad?.advanced(by: r * c) {
                // d loss / d nll, times d nll / d z = softmax - onehot.
                let scale = Float(weightSum > 0 ? sw / weightSum : 0) * (factor + nll * dFactor)
                for j in 0..<c { g[j] = scale * (expf(row[j] - lse) - (j == y ? 1 : 0)) }
            }
        }
        return (weightSum > 0 ? total / weightSum : .nan, correct)
    }

    /// BinaryFocalLoss: binary_cross_entropy_with_logits with pos_weight (the class weights),
    /// times (1 - p)^gamma of the unweighted BCE when gamma > 0; mean over texts x classes.
    /// Metric: Jaccard of sigmoid > 0.5 against the targets (0 when both are empty).
    private func multiLabel(_ z: UnsafePointer<Float>, _ members: ArraySlice<Int>, _ rows: Int, _ c: Int,
                            _ grad: UnsafeMutablePointer<Float>?) -> (loss: Double, metric: Double) {
        var total: Double = 0, jaccard: Double = 0
        let inv = 1 / Float(rows * c)
        for (r, i) in members.enumerated() {
            var inter: Float = 0, union: Float = 0
            for j in 0..<c {
                let x = z[r * c + j], y = dense[i * c + j]
                let pw = classWeight?[j] ?? 1
                let lw = 1 + (pw - 1) * y
                let softplusNeg = log1pf(expf(-abs(x))) + max(-x, 0)   // log(1 + e^-x)
                let weighted = (1 - y) * x + lw * softplusNeg
                let sigNeg = sigmoid(-x)
                var l = weighted
                var g = (1 - y) - lw * sigNeg
                if gamma != 0 {
                    let nll = (1 - y) * x + softplusNeg
                    let omp = -expm1f(-nll)
                    let clamped = max(omp, Float.leastNormalMagnitude)
                    let f = powf(clamped, gamma)
                    let df: Float = omp > Float.leastNormalMagnitude ? gamma * powf(clamped, gamma - 1) * expf(-nll) : 0
                    let dnll = (1 - y) - sigNeg   // = sigmoid(x) - y
                    l = f * weighted
                    g = df * dnll * weighted + f * g
                }
                total += Double(l)
                grad?[r * c + j] = g * inv
                let pred: Float = sigmoid(x) > 0.5 ? 1 : 0
                inter += y * pred
                if y + pred > 0 { union += 1 }
            }
            jaccard += union > 0 ? Double(inter / union) : 0
        }
        return (total / Double(rows * c), jaccard)
    }

    @inline(__always)
    private func sigmoid(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + expf(-x)) }
        let e = expf(x)
        return e / (1 + e)
    }
}

/// One side of the data: the tokenized texts, their task, and which of them belong to it.
struct TrainSet {
    let tokens: TrainTokens
    let task: TrainTask
    let members: [Int]
}
