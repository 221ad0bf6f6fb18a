// Classifier/TrainNetwork — the trainable model of model2vec.train's BaseFinetuneable: the
// float32 table, token mapping and token weights (the weighted mean / mean, then L2 norm), the
// head (construct_head's layers and initialization), the forward and backward passes (head
// matmuls through OpenBLAS), Adam for the head, dense Adam (model2vec's) or lazy SparseAdam-style Adam for the table rows
// and token weights a batch touches, checkpoints, and the conversion to a Pipeline.
import LinearAlgebra
import M2VSupport
import SafeTensors
import StaticModel
#if canImport(Glibc)
import Glibc
#endif

/// Floats the trainer owns (zeroed on creation), addressed by pointer.
final class FloatBuffer {
    let p: UnsafeMutablePointer<Float>
    let count: Int
    init(count: Int) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
    }
    convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { if let b = $0.baseAddress { p.update(from: b, count: values.count) } }
    }
    deinit { p.deallocate() }
    var array: [Float] { Array(UnsafeBufferPointer(start: p, count: count)) }
    func copy() -> FloatBuffer {
        let c = FloatBuffer(count: count)
        c.p.update(from: p, count: count)
        return c
    }
    func zero() { p.update(repeating: 0, count: count) }
}

/// Adam's moments of one parameter tensor.
final class Moments {
    let m: FloatBuffer, v: FloatBuffer
    init(count: Int) { m = FloatBuffer(count: count); v = FloatBuffer(count: count) }
}

/// One nn.Linear: weight [outputs x inputs], bias, their gradients and Adam moments.
final class TrainLayer {
    let inputs: Int, outputs: Int
    let weight: FloatBuffer, bias: FloatBuffer
    let gWeight: FloatBuffer, gBias: FloatBuffer
    let mWeight: Moments, mBias: Moments
    init(inputs: Int, outputs: Int) {
        self.inputs = inputs; self.outputs = outputs
        weight = FloatBuffer(count: inputs * outputs); bias = FloatBuffer(count: outputs)
        gWeight = FloatBuffer(count: inputs * outputs); gBias = FloatBuffer(count: outputs)
        mWeight = Moments(count: inputs * outputs); mBias = Moments(count: outputs)
    }
}

/// The parameters at one validation check (state_dict's deep copy): the trainable rows (the
/// live rows in lazy mode, else every row), token weights (likewise) and the head. Written in
/// place by `TrainNetwork.save(into:)`, so one checkpoint's memory serves every check.
struct TrainCheckpoint {
    let table: FloatBuffer?
    let weights: FloatBuffer?
    let layers: [(FloatBuffer, FloatBuffer)]
}

/// A subset of 0..<count: its members ascending, and each index's position among them (-1 = not a member).
struct LiveSet {
    let members: [Int32]
    let index: [Int32]
    init(marked: [Bool]) {
        var index = [Int32](repeating: -1, count: marked.count)
        var members: [Int32] = []
        for (i, m) in marked.enumerated() where m {
            index[i] = Int32(members.count)
            members.append(Int32(i))
        }
        self.members = members; self.index = index
    }
}

/// Hyper-parameters of one optimizer step.
struct AdamStep {
    let lr: Float
    let t: Int
    static let beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8
    var bc1: Double { 1 - pow(Double(Self.beta1), Double(t)) }
    var bc2: Double { 1 - pow(Double(Self.beta2), Double(t)) }
}

final class TrainNetwork {
    let dim: Int
    let rows: Int
    /// rows x dim, float32, finite.
    let table: FloatBuffer
    /// token id -> row (identity when the base model has no mapping).
    let mapping: [Int32]
    let hasMapping: Bool
    /// Per token id, when the model has weights (its own, or ones with freezeWeights == false).
    let weights: FloatBuffer?
    let tableTrainable: Bool
    let weightsTrainable: Bool
    let normalize: Bool
    let layers: [TrainLayer]
    let outputs: Int
    let blas: BLAS.Core
    let threads: Int
    /// Adam's moments of the table: every row (dense Adam), or one slot per row of `liveRows`.
    private(set) var tableMoments: Moments?
    /// Dense Adam on the table and weights (model2vec's), instead of lazy Adam.
    let denseAdam: Bool
    /// Moments of the token weights: every id, or one slot per id of `liveIds`.
    private(set) var weightMoments: Moments?
    /// Lazy Adam with a training set: the rows and token ids the training texts contain, the
    /// only ones a step can touch (token dropout only removes tokens). Moments and checkpoints
    /// cover only these; the other rows and weights keep their initial values. nil = all.
    let liveRows: LiveSet?
    let liveIds: LiveSet?
    /// The widest activation (scratch width).
    let widest: Int

    static let normEps: Float = 1e-12

    /// `training`: the tokens and members of the training set; with lazy Adam, moments and
    /// checkpoints then cover only their rows and ids (nil: every row and id).
    init(base: StaticModel, outputs: Int, options o: TrainOptions, regression: Bool, rng: inout SplitMix64,
         blas: BLAS.Core, training: (tokens: TrainTokens, members: [Int])? = nil) throws(M2VError) {
        dim = base.dim; rows = base.rows; self.outputs = outputs; self.blas = blas; threads = o.threads
        normalize = o.normalize
        let (cells, ovf) = rows.multipliedReportingOverflow(by: dim)
        guard !ovf, cells <= Int(Int32.max) * 4 else { throw .outOfMemory("the table (\(rows) x \(dim)) is too large to train") }
        // from_pretrained's nan_to_num (in the table's dtype), then float32, converted in blocks
        // straight into the table (no second full-size copy).
        let finite = try Pipeline.finiteTable(base)
        let source = finite.embeddingTensor
        let size = source.dtype.size
        guard source.bytes.count / size == cells else { throw .format("the table has \(source.bytes.count / size) values, expected \(cells)") }
        table = FloatBuffer(count: cells)
        let block = 1 << 16
        var lo = 0
        while lo < cells {
            let hi = min(cells, lo + block)
            let values = TensorValues.floats(UnsafeRawBufferPointer(rebasing: source.bytes[(lo * size)..<(hi * size)]), source.dtype)
            let dst = table.p + lo
            for (k, v) in values.enumerated() {
                dst[k] = v.isFinite ? v : (v.isNaN ? 0 : (v > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude))
            }
            lo = hi
        }
        if let m = base.mappingTensor, let v = TensorValues.int64s(m.bytes, m.dtype) {
            mapping = v.map { Int32(clamping: $0) }
            hasMapping = true
        } else {
            guard base.mappingTensor == nil else { throw .format("the model's mapping is not an integer tensor") }
            mapping = (0..<rows).map { Int32($0) }
            hasMapping = false
        }
        let nRows = rows
        guard mapping.count >= base.tokenizer.vocabSize, mapping.allSatisfy({ $0 >= 0 && Int($0) < nRows }) else {
            throw .format("the model's mapping does not cover the vocabulary with rows of the table")
        }
        // _has_weights: given weights, or freezeWeights == false (then ones, one per mapping entry).
        if let w = base.weightsTensor {
            weights = FloatBuffer(TensorValues.floats(w.bytes, w.dtype))
        } else if o.freezeWeights == false {
            let ones = FloatBuffer(count: mapping.count)
            ones.p.update(repeating: 1, count: mapping.count)
            weights = ones
        } else {
            weights = nil
        }
        if let weights, weights.count < base.tokenizer.vocabSize { throw .format("the model's weights do not cover the vocabulary") }
        tableTrainable = !o.freeze
        denseAdam = o.embeddingOptimizer == .dense
        weightsTrainable = weights != nil && o.freezeWeights != true
        if !denseAdam, let training {
            var rowMarks = [Bool](repeating: false, count: tableTrainable ? rows : 0)
            var idMarks = [Bool](repeating: false, count: weightsTrainable ? weights?.count ?? 0 : 0)
            for i in training.members {
                for k in training.tokens.offsets[i]..<training.tokens.offsets[i + 1] {
                    let tok = Int(training.tokens.ids[k])
                    if tableTrainable { rowMarks[Int(mapping[tok])] = true }
                    if weightsTrainable { idMarks[tok] = true }
                }
            }
            liveRows = tableTrainable ? LiveSet(marked: rowMarks) : nil
            liveIds = weightsTrainable ? LiveSet(marked: idMarks) : nil
        } else {
            liveRows = nil; liveIds = nil
        }
        tableMoments = tableTrainable ? Moments(count: (liveRows?.members.count ?? rows) * dim) : nil
        let weightSlots = liveIds?.members.count ?? weights?.count ?? 0
        weightMoments = weightsTrainable ? Moments(count: weightSlots) : nil

        // construct_head: regression/base with n_layers 0 and width == dim has none; classification
        // always at least one Linear.
        var shapes: [(Int, Int)] = []
        if o.nLayers == 0 {
            if !(regression && outputs == dim) { shapes = [(dim, outputs)] }
        } else {
            let (hh, o1) = o.hiddenDim.multipliedReportingOverflow(by: max(dim, o.hiddenDim))
            guard !o1, hh <= 1 << 30 else { throw .invalidArgument("hiddenDim \(o.hiddenDim) is too large for dim \(dim)") }
            shapes.append((dim, o.hiddenDim))
            for _ in 1..<o.nLayers { shapes.append((o.hiddenDim, o.hiddenDim)) }
            shapes.append((o.hiddenDim, outputs))
        }
        let (lastCells, o2) = (shapes.last?.0 ?? 0).multipliedReportingOverflow(by: outputs)
        guard !o2, lastCells <= 1 << 30 else { throw .invalidArgument("the head's last layer (\(outputs) outputs) is too large") }
        var built: [TrainLayer] = []
        for (i, (fanIn, fanOut)) in shapes.enumerated() {
            let l = TrainLayer(inputs: fanIn, outputs: fanOut)
            // kaiming_uniform_(relu): bound sqrt(6 / fan_in); the last layer xavier_uniform_:
            // sqrt(6 / (fan_in + fan_out)); zero biases.
            let bound = i == shapes.count - 1 ? sqrtf(6 / Float(fanIn + fanOut)) : sqrtf(6 / Float(fanIn))
            for k in 0..<(fanIn * fanOut) { l.weight.p[k] = rng.symmetric(bound) }
            built.append(l)
        }
        layers = built
        widest = built.reduce(dim) { max($0, $1.outputs) }
    }

    // MARK: Checkpoints

    /// A checkpoint of the current parameters.
    func checkpoint() -> TrainCheckpoint {
        let c = TrainCheckpoint(table: tableTrainable ? FloatBuffer(count: (liveRows?.members.count ?? rows) * dim) : nil,
                                weights: weightsTrainable ? weights.map { FloatBuffer(count: liveIds?.members.count ?? $0.count) } : nil,
                                layers: layers.map { (FloatBuffer(count: $0.weight.count), FloatBuffer(count: $0.bias.count)) })
        save(into: c)
        return c
    }

    /// Overwrites `c` (made by `checkpoint()`) with the current parameters.
    func save(into c: TrainCheckpoint) {
        if let t = c.table {
            if let live = liveRows {
                for (k, r) in live.members.enumerated() { (t.p + k * dim).update(from: table.p + Int(r) * dim, count: dim) }
            } else {
                t.p.update(from: table.p, count: t.count)
            }
        }
        if let w = c.weights, let src = weights {
            if let live = liveIds {
                for (k, id) in live.members.enumerated() { w.p[k] = src.p[Int(id)] }
            } else {
                w.p.update(from: src.p, count: w.count)
            }
        }
        for (l, (w, b)) in zip(layers, c.layers) {
            w.p.update(from: l.weight.p, count: w.count)
            b.p.update(from: l.bias.p, count: b.count)
        }
    }

    func restore(_ c: TrainCheckpoint) {
        if let t = c.table {
            if let live = liveRows {
                for (k, r) in live.members.enumerated() { (table.p + Int(r) * dim).update(from: t.p + k * dim, count: dim) }
            } else {
                table.p.update(from: t.p, count: t.count)
            }
        }
        if let w = c.weights, let dst = weights {
            if let live = liveIds {
                for (k, id) in live.members.enumerated() { dst.p[Int(id)] = w.p[k] }
            } else {
                dst.p.update(from: w.p, count: w.count)
            }
        }
        for (l, (w, b)) in zip(layers, c.layers) {
            l.weight.p.update(from: w.p, count: w.count)
            l.bias.p.update(from: b.p, count: b.count)
        }
    }

    /// Drops the table's and weights' Adam moments (after the last step).
    func releaseMoments() { tableMoments = nil; weightMoments = nil }

    // MARK: Result

    /// to_static_model + to_pipeline: without vocabulary quantization (as many mapping entries
    /// as rows, model2vec's test) the weights are folded into the rows and the mapping dropped;
    /// else the table, weights and mapping are kept. config {} with normalize and max_length
    /// set, as StaticModel(...) builds it. Folds the weights into the table in place: the
    /// network is spent afterwards.
    func pipeline(task: TrainTask, base: StaticModel, maxLength: Int?, normalize: Bool) throws(M2VError) -> Pipeline {
        releaseMoments()
        var keepWeights: [Float]?
        var keepMapping: [Int64]?
        if mapping.count == rows {
            if let w = weights {
                for r in 0..<rows { for j in 0..<dim { table.p[r * dim + j] *= w.p[r] } }
            }
        } else {
            keepWeights = weights?.array
            keepMapping = mapping.map { Int64($0) }
        }
        let model: StaticModel = try typed {
            try {
                let tb = UnsafeRawBufferPointer(start: table.p, count: rows * dim * MemoryLayout<Float>.stride)
                let t = ModelTensor(dtype: .F32, shape: [rows, dim], bytes: tb)
                return try Self.withOptionalBytes(keepWeights) { wb in
                    try Self.withOptionalBytes(keepMapping) { mb in
                        try StaticModel(tokenizerJSON: base.tokenizer.sourceJSON, embeddings: t,
                                        weights: wb.map { ModelTensor(dtype: .F32, shape: [keepWeights?.count ?? 0], bytes: $0) },
                                        mapping: mb.map { ModelTensor(dtype: .I64, shape: [keepMapping?.count ?? 0], bytes: $0) },
                                        config: .object([]), normalize: normalize,
                                        maxLength: maxLength.map { .tokens($0) } ?? MaxLengthChoice.none,
                                        baseModelName: nil, language: nil)
                    }
                }
            }()
        }
        var dense: [DenseLayer] = []
        for l in layers {
            dense.append(try DenseLayer(inputs: l.inputs, outputs: l.outputs, weight: l.weight.array, bias: l.bias.array))
        }
        let activation: HeadActivation
        switch task.kind {
        case .single: activation = .softmax
        case .multi: activation = .sigmoid
        case .regression: activation = .identity
        }
        let head = try MLPHead(layers: dense, activation: activation, classes: task.classes, inputDim: dim)
        return try Pipeline(model: model, head: head)
    }

    private static func withOptionalBytes<T, R>(_ a: [T]?, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        guard let a else { return try body(nil) }
        return try a.withUnsafeBytes { try body($0) }
    }
}

/// Buffers of one batch: pooled vectors, activations, gradients and the sparse gradients of
/// the rows and token weights the batch touches.
final class TrainWork {
    let capacity: Int
    let dim: Int
    /// Pooled vectors before normalization, their norms, the inputs of the head.
    let pooled: FloatBuffer, norms: FloatBuffer, x: FloatBuffer
    /// Each layer's output (ReLU applied except after the last).
    let acts: [FloatBuffer]
    /// Gradients by the current and the previous activation.
    let g0: FloatBuffer, g1: FloatBuffer
    /// The batch's token ids (after dropout) and offsets.
    var ids: [Int32] = []
    var offsets: [Int] = [0]
    /// row -> slot in `rowGrad` (-1 = untouched), the touched rows in first-touch order.
    var rowSlot: [Int32]
    var touchedRows: [Int32] = []
    var rowGrad: [Float] = []
    var idSlot: [Int32]
    var touchedIds: [Int32] = []
    var idGrad: [Float] = []

    init(net: TrainNetwork, capacity: Int) throws(M2VError) {
        self.capacity = capacity; dim = net.dim
        let (bd, o1) = capacity.multipliedReportingOverflow(by: max(net.widest, net.dim))
        guard !o1, bd <= 1 << 31 else { throw .outOfMemory("a batch of \(capacity) texts x \(net.widest) floats is too large") }
        pooled = FloatBuffer(count: capacity * net.dim); norms = FloatBuffer(count: capacity); x = FloatBuffer(count: capacity * net.dim)
        acts = net.layers.map { FloatBuffer(count: capacity * $0.outputs) }
        g0 = FloatBuffer(count: capacity * net.widest); g1 = FloatBuffer(count: capacity * net.widest)
        rowSlot = net.tableTrainable ? [Int32](repeating: -1, count: net.rows) : []
        idSlot = net.weightsTrainable ? [Int32](repeating: -1, count: net.weights?.count ?? 0) : []
    }

    /// Loads the tokens of `members` of `tokens`, dropping each token with probability
    /// `dropout` (keeping the first token of a text that would lose all), as _apply_token_dropout.
    func load(_ tokens: TrainTokens, _ members: ArraySlice<Int>, dropout: Float, rng: inout SplitMix64) {
        ids.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
        for i in members {
            let lo = tokens.offsets[i], hi = tokens.offsets[i + 1]
            if dropout > 0 {
                let start = ids.count
                for k in lo..<hi where rng.unit() >= dropout { ids.append(tokens.ids[k]) }
                if ids.count == start, hi > lo { ids.append(tokens.ids[lo]) }
            } else {
                ids.append(contentsOf: tokens.ids[lo..<hi])
            }
            offsets.append(ids.count)
        }
    }
}

extension TrainNetwork {
    /// _encode then the head for the loaded batch: returns the logits (rows x outputs).
    func forward(_ w: TrainWork, rows n: Int) -> UnsafeMutablePointer<Float> {
        pool(w, rows: n)
        var input = UnsafePointer(w.x.p)
        for (li, l) in layers.enumerated() {
            let out = w.acts[li].p
            for r in 0..<n { (out + r * l.outputs).update(from: l.bias.p, count: l.outputs) }
            blas.gemm(transA: false, transB: true, m: n, n: l.outputs, k: l.inputs, alpha: 1, input, l.weight.p, beta: 1, out)
            if li < layers.count - 1 {
                for k in 0..<(n * l.outputs) where !(out[k] > 0) { out[k] = 0 }
            }
            input = UnsafePointer(out)
        }
        return UnsafeMutablePointer(mutating: input)
    }

    /// The weighted mean (sum of w[id] * row / max(len, 1)) or mean of each text's rows, then
    /// x / max(|x|, 1e-12). Texts are independent, so threads cannot change the result.
    func pool(_ w: TrainWork, rows n: Int) {
        let dim = self.dim
        let threads = Parallel.threads(requested: self.threads, work: n, minPerThread: 64)
        let pooled = UInt(bitPattern: w.pooled.p), xs = UInt(bitPattern: w.x.p), norms = UInt(bitPattern: w.norms.p)
        let table = UInt(bitPattern: self.table.p), weights = UInt(bitPattern: self.weights?.p)
        let normalize = self.normalize
        w.ids.withUnsafeBufferPointer { idb in
            w.offsets.withUnsafeBufferPointer { ob in
                mapping.withUnsafeBufferPointer { mb in
                    let ids = UInt(bitPattern: idb.baseAddress), offs = UInt(bitPattern: ob.baseAddress)
                    let map = UInt(bitPattern: mb.baseAddress)
                    Parallel.forChunks(count: n, threads: threads) { _, range in
                        guard let e = UnsafeMutablePointer<Float>(bitPattern: pooled), let x = UnsafeMutablePointer<Float>(bitPattern: xs),
                              let nm = UnsafeMutablePointer<Float>(bitPattern: norms),
                              let t = UnsafePointer<Float>(bitPattern: table), let off = UnsafePointer<Int>(bitPattern: offs),
                              let mp = UnsafePointer<Int32>(bitPattern: map) else { return }
                        let id = UnsafePointer<Int32>(bitPattern: ids)
                        let wt = UnsafePointer<Float>(bitPattern: weights)
                        for r in range {
                            let er = e + r * dim
                            er.update(repeating: 0, count: dim)
                            let lo = off[r], hi = off[r + 1]
                            if let id {
                                for k in lo..<hi {
                                    let tok = Int(id[k])
                                    let row = t + Int(mp[tok]) * dim
                                    if let wt {
                                        let f = wt[tok]
                                        for j in 0..<dim { er[j] += f * row[j] }
                                    } else {
                                        for j in 0..<dim { er[j] += row[j] }
                                    }
                                }
                            }
                            let len = Float(max(hi - lo, 1))
                            for j in 0..<dim { er[j] /= len }
                            let xr = x + r * dim
                            if normalize {
                                var s: Float = 0
                                for j in 0..<dim { s += er[j] * er[j] }
                                let norm = sqrtf(s)
                                nm[r] = norm
                                let d = max(norm, TrainNetwork.normEps)
                                for j in 0..<dim { xr[j] = er[j] / d }
                            } else {
                                xr.update(from: er, count: dim)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Backpropagates `dz` (the loss's gradient by the logits, rows x outputs, in w.g0) into
    /// the layers' gWeight / gBias, and, when the table or weights train, into the sparse
    /// rowGrad / idGrad of the rows and ids of the batch (in a fixed order: batch order).
    func backward(_ w: TrainWork, rows n: Int) {
        var g = w.g0.p, spare = w.g1.p
        let needInput = tableTrainable || weightsTrainable
        for li in stride(from: layers.count - 1, through: 0, by: -1) {
            let l = layers[li]
            let input = li == 0 ? w.x.p : w.acts[li - 1].p
            // dW = g^T input; db = column sums of g.
            blas.gemm(transA: true, transB: false, m: l.outputs, n: l.inputs, k: n, alpha: 1, g, input, beta: 0, l.gWeight.p)
            l.gBias.zero()
            for r in 0..<n { for o in 0..<l.outputs { l.gBias.p[o] += g[r * l.outputs + o] } }
            if li > 0 || needInput {
                blas.gemm(transA: false, transB: false, m: n, n: l.inputs, k: l.outputs, alpha: 1, g, l.weight.p, beta: 0, spare)
                if li > 0 {
                    let a = w.acts[li - 1].p
                    for k in 0..<(n * l.inputs) where !(a[k] > 0) { spare[k] = 0 }
                }
                swap(&g, &spare)
            }
        }
        guard needInput else { return }
        // g holds dL/dx (rows x dim); through the normalization into dL/d(pooled), in place.
        let dim = self.dim
        if normalize {
            for r in 0..<n {
                let gr = g + r * dim, xr = w.x.p + r * dim
                let norm = w.norms.p[r]
                if norm > Self.normEps {
                    var dot: Float = 0
                    for j in 0..<dim { dot += xr[j] * gr[j] }
                    for j in 0..<dim { gr[j] = (gr[j] - xr[j] * dot) / norm }
                } else {
                    for j in 0..<dim { gr[j] /= Self.normEps }
                }
            }
        }
        for r in w.touchedRows { w.rowSlot[Int(r)] = -1 }
        for i in w.touchedIds { w.idSlot[Int(i)] = -1 }
        w.touchedRows.removeAll(keepingCapacity: true); w.rowGrad.removeAll(keepingCapacity: true)
        w.touchedIds.removeAll(keepingCapacity: true); w.idGrad.removeAll(keepingCapacity: true)
        for r in 0..<n {
            let lo = w.offsets[r], hi = w.offsets[r + 1]
            guard hi > lo else { continue }
            let gr = g + r * dim
            let inv = 1 / Float(hi - lo)
            for k in lo..<hi {
                let tok = Int(w.ids[k]), row = Int(mapping[tok])
                if tableTrainable {
                    var slot = Int(w.rowSlot[row])
                    if slot < 0 {
                        slot = w.touchedRows.count
                        w.rowSlot[row] = Int32(slot)
                        w.touchedRows.append(Int32(row))
                        w.rowGrad.append(contentsOf: repeatElement(0, count: dim))
                    }
                    let f = (weights.map { $0.p[tok] } ?? 1) * inv
                    w.rowGrad.withUnsafeMutableBufferPointer { rg in
                        let dst = rg.baseAddress! + slot * dim
                        for j in 0..<dim { dst[j] += f * gr[j] }
                    }
                }
                if weightsTrainable {
                    var slot = Int(w.idSlot[tok])
                    if slot < 0 {
                        slot = w.touchedIds.count
                        w.idSlot[tok] = Int32(slot)
                        w.touchedIds.append(Int32(tok))
                        w.idGrad.append(0)
                    }
                    let e = table.p + row * dim
                    var dot: Float = 0
                    for j in 0..<dim { dot += e[j] * gr[j] }
                    w.idGrad[slot] += dot * inv
                }
            }
        }
    }

    /// One optimizer step: torch's Adam on the head; lazy Adam on the touched table rows and
    /// token weights (torch.optim.SparseAdam's update: moments and parameters change only where
    /// the batch has a gradient, with the global step's bias corrections). model2vec's dense
    /// Adam also keeps moving untouched rows with their decaying moments; this does not.
    func step(_ w: TrainWork, _ s: AdamStep) {
        let b1 = AdamStep.beta1, b2 = AdamStep.beta2, eps = AdamStep.eps
        // Dense Adam: p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps).
        let stepSize = Float(Double(s.lr) / s.bc1), bc2Sqrt = Float(s.bc2.squareRoot())
        func dense(_ p: FloatBuffer, _ g: FloatBuffer, _ mo: Moments) {
            let m = mo.m.p, v = mo.v.p
            for k in 0..<p.count {
                let gk = g.p[k]
                m[k] = b1 * m[k] + (1 - b1) * gk
                v[k] = b2 * v[k] + (1 - b2) * gk * gk
                p.p[k] -= stepSize * m[k] / (v[k].squareRoot() / bc2Sqrt + eps)
            }
        }
        for l in layers {
            dense(l.weight, l.gWeight, l.mWeight)
            dense(l.bias, l.gBias, l.mBias)
        }
        guard !denseAdam else { denseEmbeddingStep(w, s); return }
        // SparseAdam: p -= lr * sqrt(bc2) / bc1 * m / (sqrt(v) + eps) on the touched entries.
        let sparseSize = Float(Double(s.lr) * s.bc2.squareRoot() / s.bc1)
        let dim = self.dim
        if let mo = tableMoments {
            let live = liveRows
            w.rowGrad.withUnsafeBufferPointer { rg in
                guard let g = rg.baseAddress else { return }
                for (slot, row) in w.touchedRows.enumerated() {
                    let base = Int(row) * dim, mBase = (live.map { Int($0.index[Int(row)]) } ?? Int(row)) * dim
                    let m = mo.m.p + mBase, v = mo.v.p + mBase, p = table.p + base, gr = g + slot * dim
                    for j in 0..<dim {
                        m[j] = b1 * m[j] + (1 - b1) * gr[j]
                        v[j] = b2 * v[j] + (1 - b2) * gr[j] * gr[j]
                        p[j] -= sparseSize * m[j] / (v[j].squareRoot() + eps)
                    }
                }
            }
        }
        if let mo = weightMoments, let wt = weights {
            let live = liveIds
            for (slot, id) in w.touchedIds.enumerated() {
                let k = Int(id), mk = live.map { Int($0.index[k]) } ?? k, gk = w.idGrad[slot]
                mo.m.p[mk] = b1 * mo.m.p[mk] + (1 - b1) * gk
                mo.v.p[mk] = b2 * mo.v.p[mk] + (1 - b2) * gk * gk
                wt.p[k] -= sparseSize * mo.m.p[mk] / (mo.v.p[mk].squareRoot() + eps)
            }
        }
    }

    /// torch's dense Adam on the table and the weights, as model2vec runs it (its EmbeddingBag
    /// is not sparse): the untouched entries have a zero gradient, so their moments decay and
    /// they keep moving while their first moment is not zero. Every entry every step.
    func denseEmbeddingStep(_ w: TrainWork, _ s: AdamStep) {
        let b1 = AdamStep.beta1, b2 = AdamStep.beta2, eps = AdamStep.eps
        let stepSize = Float(Double(s.lr) / s.bc1), bc2Sqrt = Float(s.bc2.squareRoot())
        let dim = self.dim
        // b1 * m + (1 - b1) * g as two roundings: b1 * m for every entry, then + (1 - b1) * g
        // where g is not zero (the same float operations as torch's lerp-free Adam on a dense g).
        func update(_ p: UnsafeMutablePointer<Float>, _ mo: Moments, count: Int, scatter: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
            let m = mo.m.p, v = mo.v.p
            for k in 0..<count { m[k] *= b1; v[k] *= b2 }
            scatter(m, v)
            for k in 0..<count where m[k] != 0 || v[k] != 0 {
                p[k] -= stepSize * m[k] / (v[k].squareRoot() / bc2Sqrt + eps)
            }
        }
        if let mo = tableMoments {
            update(table.p, mo, count: rows * dim) { m, v in
                w.rowGrad.withUnsafeBufferPointer { rg in
                    guard let g = rg.baseAddress else { return }
                    for (slot, row) in w.touchedRows.enumerated() {
                        let base = Int(row) * dim, gr = g + slot * dim
                        for j in 0..<dim {
                            m[base + j] += (1 - b1) * gr[j]
                            v[base + j] += (1 - b2) * gr[j] * gr[j]
                        }
                    }
                }
            }
        }
        if let mo = weightMoments, let wt = weights {
            update(wt.p, mo, count: wt.count) { m, v in
                for (slot, id) in w.touchedIds.enumerated() {
                    let k = Int(id), gk = w.idGrad[slot]
                    m[k] += (1 - b1) * gk
                    v[k] += (1 - b2) * gk * gk
                }
            }
        }
    }
}
