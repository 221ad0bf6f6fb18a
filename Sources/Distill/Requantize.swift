// Distill/Requantize — model2vec's quantize_model() on a loaded model: vocabulary quantization
// (k-means of the rows; weights = row norms when the model has none, rows divided by them),
// then quantize_embeddings (float casts; int8 with one global scale max|x| / 127 computed in the
// table's precision, the float16 division and rint of numpy), then the first `dimensionality`
// columns. The result is a new StaticModel built from memory; the source model is unchanged.
import M2VSupport
import SafeTensors
import StaticModel

public struct RequantizeOptions: Sendable {
    /// nil = keep the dtype.
    public var quantizeTo: QuantizeTo?
    /// nil = keep all columns.
    public var dimensionality: Int?
    /// nil = no vocabulary quantization.
    public var vocabularyQuantization: Int?
    public init(quantizeTo: QuantizeTo? = nil, dimensionality: Int? = nil, vocabularyQuantization: Int? = nil) {
        self.quantizeTo = quantizeTo; self.dimensionality = dimensionality
        self.vocabularyQuantization = vocabularyQuantization
    }
}

extension Distiller {
    /// The table's values as Double (exact for every supported dtype).
    static func doubles(_ t: ModelTensor) -> [Double] {
        if t.dtype == .F64 {
            let n = t.bytes.count / 8
            return (0..<n).map { Double(bitPattern: UInt64(littleEndian: t.bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
        return TensorValues.floats(t.bytes, t.dtype).map { Double($0) }
    }

    /// Rounds `d` to the precision of `dtype` (the precision numpy computes a scalar of it in).
    static func rounded(_ d: Double, like dtype: DType) -> Double {
        switch dtype {
        case .F16: return Double(halfToFloat(doubleToHalf(d)))
        case .F64: return d
        default: return Double(Float(d))
        }
    }

    /// Values in `dtype` → bytes of `target`, as numpy's quantize_embeddings.
    static func cast(_ v: [Double], from dtype: DType, to target: QuantizeTo) -> (DType, [UInt8]) {
        switch target {
        case .float64: return (.F64, v.withUnsafeBytes { Array($0) })
        case .float32: return (.F32, v.map { Float($0) }.withUnsafeBytes { Array($0) })
        case .float16: return (.F16, v.map { doubleToHalf($0) }.withUnsafeBytes { Array($0) })
        case .int8:
            var m = 0.0
            for x in v { m = max(m, abs(x)) }
            // scale = np.max(np.abs(e)) / 127.0, a scalar of the table's dtype.
            let scale = rounded(m / 127, like: dtype)
            let q: [Int8] = v.map { x in
                let h = Double(halfToFloat(doubleToHalf(x)))        // astype(float16)
                let quotient = dtype == .F64 ? h / scale : Double(Float(h) / Float(scale))
                let d = Double(halfToFloat(doubleToHalf(scale > 0 ? quotient : 0))) // out=float16 buffer
                return Int8(max(-127, min(127, d.rounded(.toNearestOrEven))))
            }
            return (.I8, q.withUnsafeBytes { Array($0) })
        }
    }

    /// model2vec's quantize_model(model, vocabulary_quantization, quantize_to, dimensionality).
    public static func requantize(_ model: StaticModel, _ o: RequantizeOptions) throws(M2VError) -> StaticModel {
        let emb = model.embeddingTensor
        var rows = model.rows
        let dim = model.dim
        var dtype = emb.dtype
        var values = doubles(emb)
        var weights: (DType, [UInt8])? = model.weightsTensor.map { ($0.dtype, Array($0.bytes)) }
        var mapping: (DType, [UInt8])? = model.mappingTensor.map { ($0.dtype, Array($0.bytes)) }
        if let d = o.dimensionality {
            guard d > 0 else { throw .invalidArgument("dimensionality must be > 0 (got \(d))") }
            guard d <= dim else {
                throw .invalidArgument("Dimensionality \(d) is greater than the model dimensionality \(dim)")
            }
        }
        if let k = o.vocabularyQuantization {
            guard model.mappingTensor == nil, rows == model.tokenizer.vocabSize else {
                throw .invalidArgument("Model already has been vocabulary quantized, cannot quantize again.")
            }
            var norms: [Double]? = nil
            if model.weightsTensor == nil {
                // weights = ||row|| + 1e-32 in the table's precision; rows divided by them.
                var n = [Double](repeating: 0, count: rows)
                for r in 0..<rows {
                    var s = 0.0
                    for j in 0..<dim { s += values[r * dim + j] * values[r * dim + j] }
                    n[r] = rounded(rounded(s.squareRoot(), like: dtype) + 1e-32, like: dtype)
                    for j in 0..<dim { values[r * dim + j] = rounded(values[r * dim + j] / n[r], like: dtype) }
                }
                norms = n
            }
            let (centers, labels) = try KMeans.fit(values.map { Float($0) }, rows: rows, dim: dim, k: k)
            values = centers.map { rounded(Double($0), like: dtype) }
            rows = k
            mapping = (.I32, labels.withUnsafeBytes { Array($0) })
            if let n = norms {
                weights = cast(n, from: dtype, to: QuantizeTo(dtype) ?? .float64)
            }
        }
        var tableBytes: [UInt8]
        if let q = o.quantizeTo, q.dtype != dtype {
            (dtype, tableBytes) = cast(values, from: dtype, to: q)
        } else if o.vocabularyQuantization != nil {
            guard let q = QuantizeTo(dtype) else {
                throw .unsupported("vocabulary quantization of a \(dtype.rawValue) table: pass quantize_to as well")
            }
            (dtype, tableBytes) = cast(values, from: dtype, to: q)
        } else {
            tableBytes = Array(emb.bytes)
        }
        var outDim = dim
        if let d = o.dimensionality, d < dim {
            let size = dtype.size
            var sliced = [UInt8](); sliced.reserveCapacity(rows * d * size)
            for r in 0..<rows { sliced.append(contentsOf: tableBytes[(r * dim * size)..<(r * dim * size + d * size)]) }
            tableBytes = sliced
            outDim = d
        }
        let meta = model.effectiveConfig
        let wd = weights?.0 ?? .F64, md = mapping?.0 ?? .I32
        return try withOptionalBytes(tableBytes) { (t0: UnsafeRawBufferPointer?) throws(M2VError) -> StaticModel in
            let t = t0 ?? UnsafeRawBufferPointer(start: nil, count: 0)
            return try withOptionalBytes(weights?.1) { (w: UnsafeRawBufferPointer?) throws(M2VError) -> StaticModel in
                try withOptionalBytes(mapping?.1) { (m: UnsafeRawBufferPointer?) throws(M2VError) -> StaticModel in
                    try StaticModel(
                        tokenizerJSON: model.tokenizer.sourceJSON,
                        embeddings: ModelTensor(dtype: dtype, shape: [rows, outDim], bytes: t),
                        weights: w.map { ModelTensor(dtype: wd, shape: [$0.count / wd.size], bytes: $0) },
                        mapping: m.map { ModelTensor(dtype: md, shape: [$0.count / md.size], bytes: $0) },
                        config: meta, normalize: model.normalize,
                        maxLength: model.maxLength.map { .tokens($0) } ?? MaxLengthChoice.none,
                        baseModelName: model.baseModelName, language: model.language)
                }
            }
        }
    }
}

/// `body` with the bytes of `a` (nil when `a` is nil); typed throws through.
func withOptionalBytes<R>(_ a: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws(M2VError) -> R) throws(M2VError) -> R {
    guard let a else { return try body(nil) }
    let p = UnsafeMutableRawBufferPointer.allocate(byteCount: max(a.count, 1), alignment: 16)
    defer { p.deallocate() }
    a.withUnsafeBytes { src in
        if let b = src.baseAddress, let d = p.baseAddress { d.copyMemory(from: b, byteCount: src.count) }
    }
    return try body(UnsafeRawBufferPointer(start: p.baseAddress, count: a.count))
}

extension QuantizeTo {
    /// The safetensors dtype of this target.
    var dtype: DType {
        switch self {
        case .float16: return .F16
        case .float32: return .F32
        case .float64: return .F64
        case .int8: return .I8
        }
    }
    /// The target that keeps `d` (nil for dtypes quantize_to cannot name).
    init?(_ d: DType) {
        switch d {
        case .F16: self = .float16
        case .F32: self = .float32
        case .F64: self = .float64
        case .I8: self = .int8
        default: return nil
        }
    }
}
