// Classifier — owns model2vec's classification and regression heads: the MLP head of a
// `StaticModelPipeline` (model2vec 0.10 `inference/mlp.py`: linear layers with ReLU between
// them, then softmax / sigmoid / identity), its load from head.safetensors + config.json's
// "head_config", pipelines (a StaticModel followed by a head: predict, predict_proba, save) and
// training (Train.swift). This file: the head and its forward pass.
import M2VSupport
import SafeTensors
import StaticModel
#if canImport(Glibc)
import Glibc
#endif

/// The output activation of a head, as config.json's head_config "activation" names it.
public enum HeadActivation: String, Sendable, CaseIterable {
    /// Single-label classification: the most probable class.
    case softmax
    /// Multi-label classification: every class whose probability is above a threshold.
    case sigmoid
    /// Regression (or a projector): the raw outputs.
    case identity
}

/// One linear layer: `y = W x + b`, W row-major [outputs x inputs] as torch's nn.Linear holds it.
public struct DenseLayer: Sendable {
    public let inputs: Int
    public let outputs: Int
    public let weight: [Float]
    public let bias: [Float]
    /// W transposed ([inputs x outputs]): the forward pass adds x[j] * column j, an
    /// element-wise loop the compiler vectorizes (a dot product would need reassociation).
    let weightT: [Float]

    public init(inputs: Int, outputs: Int, weight: [Float], bias: [Float]) throws(M2VError) {
        guard inputs > 0, outputs > 0 else { throw .format("a layer needs inputs and outputs (got \(outputs) x \(inputs))") }
        let (n, o) = inputs.multipliedReportingOverflow(by: outputs)
        guard !o, weight.count == n else {
            throw .format("a [\(outputs), \(inputs)] layer needs \(outputs) x \(inputs) weights, got \(weight.count)")
        }
        guard bias.count == outputs else { throw .format("a layer with \(outputs) outputs needs \(outputs) biases, got \(bias.count)") }
        self.inputs = inputs; self.outputs = outputs; self.weight = weight; self.bias = bias
        var t = [Float](repeating: 0, count: n)
        for o in 0..<outputs {
            for j in 0..<inputs { t[j * outputs + o] = weight[o * inputs + j] }
        }
        weightT = t
    }
}

/// A class label as model2vec keeps it: config.json's "classes" holds strings or integers
/// (the labels given to fit), and predictions return them as given.
public enum ClassLabel: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case integer(Int)
    public var description: String {
        switch self {
        case .string(let s): return s
        case .integer(let i): return String(i)
        }
    }
    public var json: JSON {
        switch self {
        case .string(let s): return .string(s)
        case .integer(let i): return .number(Double(i))
        }
    }
}

/// model2vec's MLPHead: `layers` applied in order with ReLU between them (none after the last),
/// then `activation`. With no layers the input passes through unchanged.
public struct MLPHead: Sendable {
    /// The most layers and classes a head may have (they come from files).
    public static let maxLayers = 64
    public static let maxClasses = 1 << 20

    public let layers: [DenseLayer]
    public let activation: HeadActivation
    /// nil for regression heads; else one per output.
    public let classes: [ClassLabel]?
    /// The embedding dimension the head takes.
    public let inputDim: Int
    /// The width of the output (classes, or regression targets).
    public var outputDim: Int { layers.last?.outputs ?? inputDim }
    /// The widest layer output (scratch size of one forward pass).
    let widest: Int

    public init(layers: [DenseLayer], activation: HeadActivation, classes: [ClassLabel]?, inputDim: Int) throws(M2VError) {
        guard inputDim > 0 else { throw .format("head: the input dimension must be positive") }
        guard layers.count <= Self.maxLayers else { throw .format("head: \(layers.count) layers, at most \(Self.maxLayers)") }
        var width = inputDim
        for (i, l) in layers.enumerated() {
            guard l.inputs == width else {
                throw .format("head.\(i).weight takes \(l.inputs) inputs, but its input has \(width) (\(i == 0 ? "the model's dim" : "head.\(i - 1)'s outputs"))")
            }
            width = l.outputs
        }
        if activation != .identity {
            guard let classes else { throw .format("head: a \(activation.rawValue) head needs \"classes\" in head_config") }
            guard classes.count == width else {
                throw .format("head: \(classes.count) classes for \(width) outputs")
            }
        }
        if let classes, classes.count > Self.maxClasses { throw .format("head: \(classes.count) classes, at most \(Self.maxClasses)") }
        self.layers = layers; self.activation = activation; self.classes = classes; self.inputDim = inputDim
        self.widest = layers.reduce(inputDim) { max($0, $1.outputs) }
    }

    /// Reads the head of a pipeline: `headConfig` is config.json's "head_config" object (absent
    /// = no layers, identity), `tensors` head.safetensors with head.{i}.weight / head.{i}.bias.
    public init(headConfig: JSON?, tensors: SafeTensorsFile, inputDim: Int) throws(M2VError) {
        let cfg = headConfig ?? .object([])
        guard cfg.object != nil else { throw .format("config.json: \"head_config\" must be an object") }
        var activation = HeadActivation.identity
        if let a = cfg["activation"], !a.isNull {
            guard let s = a.string, let v = HeadActivation(rawValue: s) else {
                throw .format("config.json: head_config \"activation\" must be one of \(HeadActivation.allCases.map(\.rawValue))")
            }
            activation = v
        }
        var nLayers = 0
        if let n = cfg["n_layers"], !n.isNull {
            guard let v = n.int, v >= 0 else { throw .format("config.json: head_config \"n_layers\" must be a non-negative integer") }
            guard v <= Self.maxLayers else { throw .format("config.json: head_config \"n_layers\" is \(v), at most \(Self.maxLayers)") }
            nLayers = v
        }
        var classes: [ClassLabel]?
        if let c = cfg["classes"], !c.isNull {
            guard let list = c.array else { throw .format("config.json: head_config \"classes\" must be a list") }
            guard list.count <= Self.maxClasses else { throw .format("config.json: \(list.count) classes, at most \(Self.maxClasses)") }
            var out: [ClassLabel] = []
            out.reserveCapacity(list.count)
            for v in list {
                if let s = v.string { out.append(.string(s)) } else if let i = v.int { out.append(.integer(i)) } else {
                    throw .format("config.json: head_config \"classes\" must hold strings or integers")
                }
            }
            classes = out
        }
        var layers: [DenseLayer] = []
        for i in 0..<nLayers {
            guard let w = tensors.tensor(named: "head.\(i).weight") else { throw .format("head.safetensors: no tensor head.\(i).weight") }
            guard let b = tensors.tensor(named: "head.\(i).bias") else { throw .format("head.safetensors: no tensor head.\(i).bias") }
            guard w.shape.count == 2 else { throw .format("head.safetensors: head.\(i).weight has shape \(w.shape), not 2-D") }
            guard b.shape.count == 1 else { throw .format("head.safetensors: head.\(i).bias has shape \(b.shape), not 1-D") }
            let layer: DenseLayer
            do throws(M2VError) {
                layer = try DenseLayer(inputs: w.shape[1], outputs: w.shape[0], weight: try tensors.floats(w),
                                       bias: try tensors.floats(b))
            } catch { throw error.context("head.safetensors: head.\(i)") }
            layers.append(layer)
        }
        try self.init(layers: layers, activation: activation, classes: classes, inputDim: inputDim)
    }

    /// config.json's "head_config" for this head, as model2vec's save writes it.
    public var headConfig: JSON {
        .object([("n_layers", .number(Double(layers.count))), ("activation", .string(activation.rawValue)),
                 ("classes", classes.map { .array($0.map(\.json)) } ?? .null)])
    }

    /// head.safetensors' bytes (float32 head.{i}.weight / head.{i}.bias).
    public func safetensors() throws(M2VError) -> [UInt8] {
        var w = SafeTensorsWriter()
        for (i, l) in layers.enumerated() {
            try w.add(name: "head.\(i).weight", dtype: .F32, shape: [l.outputs, l.inputs], bytes: l.weight.withUnsafeBytes { Array($0) })
            try w.add(name: "head.\(i).bias", dtype: .F32, shape: [l.outputs], bytes: l.bias.withUnsafeBytes { Array($0) })
        }
        return w.serialize()
    }

    // MARK: Forward

    /// Scratch of one forward pass of `rows` inputs (two buffers of rows x widest floats).
    public func scratchFloats(rows: Int) -> Int { 2 * rows * widest }

    /// The logits of `rows` inputs (`x`, rows x inputDim) into `out` (rows x outputDim):
    /// float32 `x @ W.T + b` per layer, ReLU between layers, as numpy. `scratch` holds
    /// scratchFloats(rows) floats.
    public func logits(_ x: UnsafePointer<Float>, rows: Int, out: UnsafeMutablePointer<Float>,
                       scratch: UnsafeMutablePointer<Float>) {
        guard !layers.isEmpty else {
            out.update(from: x, count: rows * inputDim)
            return
        }
        var input = x
        let a = scratch, b = scratch + rows * widest
        for (li, layer) in layers.enumerated() {
            let last = li == layers.count - 1
            let dst = last ? out : (li % 2 == 0 ? a : b)
            Self.dense(layer, input, rows: rows, dst)
            if !last {
                for k in 0..<(rows * layer.outputs) {
                    let v = dst[k]
                    // np.maximum(v, 0.0): NaN stays NaN.
                    if !(v >= 0) && !v.isNaN { dst[k] = 0 }
                }
            }
            input = UnsafePointer(dst)
        }
    }

    /// Applies the output activation to logits in place (rows x outputDim): numpy's stable
    /// softmax over each row, its stable sigmoid, or nothing.
    public func activate(_ v: UnsafeMutablePointer<Float>, rows: Int) {
        let n = outputDim
        switch activation {
        case .identity: return
        case .sigmoid:
            for k in 0..<(rows * n) {
                let x = v[k]
                if x >= 0 { v[k] = 1 / (1 + expf(-x)) } else {
                    let e = expf(x)
                    v[k] = e / (1 + e)
                }
            }
        case .softmax:
            for r in 0..<rows {
                let row = v + r * n
                // x.max(axis=-1): NaN if any element is NaN.
                var m = row[0]
                for j in 0..<n {
                    if row[j].isNaN { m = row[j]; break }
                    if row[j] > m { m = row[j] }
                }
                var s: Float = 0
                for j in 0..<n { row[j] = expf(row[j] - m); s += row[j] }
                for j in 0..<n { row[j] /= s }
            }
        }
    }

    /// numpy's argmax of one row: the first maximum, or the first NaN.
    @inline(__always)
    public static func argmax(_ row: UnsafePointer<Float>, _ n: Int) -> Int {
        var best = 0
        var m = row[0]
        if m.isNaN { return 0 }
        for j in 1..<max(n, 1) {
            let v = row[j]
            if v.isNaN { return j }
            if v > m { m = v; best = j }
        }
        return best
    }

    /// `dst[r][o] = sum_j W[o][j] x[r][j] + b[o]` for `rows` rows: dst starts at 0 and gets
    /// x[r][j] * column j of W added for j in order (StaticModel's weighted row sum, the 4-row
    /// AVX2 kernel where the CPU has it), then the bias: `x @ W.T + b` with the sums in another
    /// order than BLAS's (float tolerance).
    static func dense(_ l: DenseLayer, _ x: UnsafePointer<Float>, rows: Int, _ dst: UnsafeMutablePointer<Float>) {
        let n = l.inputs, m = l.outputs
        l.weightT.withUnsafeBufferPointer { wb in
            l.bias.withUnsafeBufferPointer { bb in
                guard let wt = wb.baseAddress, let b = bb.baseAddress else { return }
                withUnsafeTemporaryAllocation(of: UnsafeRawPointer.self, capacity: n) { cols in
                    guard let c = cols.baseAddress else { return }
                    for j in 0..<n { (c + j).initialize(to: UnsafeRawPointer(wt + j * m)) }
                    for r in 0..<rows {
                        let d = dst + r * m
                        d.update(repeating: 0, count: m)
                        Pooling.accumulateRowsF32(UnsafePointer(c), x + r * n, n, m, d)
                        for o in 0..<m { d[o] += b[o] }
                    }
                }
            }
        }
    }
}
