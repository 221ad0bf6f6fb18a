// Distill/PCA — model2vec 0.10's apply_pca (covariance eigendecomposition in float32 with
// LAPACKE_ssyevd, components by decreasing eigenvalue, each component's sign fixed so that its
// largest-|score| entry is positive) and compute_weights (Zipf probabilities + SIF).
import CBLAS
import LinearAlgebra
import M2VSupport

/// model2vec's `pca_dims`: None, "auto", an int, or a float (explained-variance fraction).
public enum PCADims: Sendable, Equatable {
    case none
    case auto
    case components(Int)
    case explainedVariance(Double)
}

public enum PCA {
    /// Applies model2vec's apply_pca to `x` ([rows, dim] row-major). Returns the new matrix and
    /// its dimension (unchanged input when PCA does not apply, as in the reference).
    public static func apply(_ x: [Float], rows: Int, dim: Int, _ dims: PCADims) throws(M2VError) -> (values: [Float], dim: Int) {
        guard x.count == rows * dim else { throw .invalidArgument("PCA: \(x.count) values is not \(rows) x \(dim)") }
        var target: Double
        var isFloat = false
        switch dims {
        case .none: return (x, dim)
        case .auto: target = Double(dim)
        case .components(let k):
            guard k > 0 else { throw .invalidArgument("pca_dims must be positive (got \(k))") }
            target = Double(k)
        case .explainedVariance(let v):
            guard v > 0, v < 1 else { throw .invalidArgument("explained variance must be in (0, 1) (got \(v))") }
            target = v; isFloat = true
        }
        if target > Double(dim) { target = Double(dim); isFloat = false }
        if target >= Double(rows) { return (x, dim) }
        guard target <= Double(dim) else { return (x, dim) }
        return try fitTransform(x, rows: rows, dim: dim, k: isFloat ? nil : Int(target), variance: isFloat ? target : nil)
    }

    static func fitTransform(_ x: [Float], rows n: Int, dim d: Int, k fixedK: Int?, variance: Double?) throws(M2VError) -> (values: [Float], dim: Int) {
        let blas = try BLAS.require()
        // mean (float64 accumulation, stored as float32 like numpy's float32 result) and centring.
        var mean = [Double](repeating: 0, count: d)
        for r in 0..<n { for j in 0..<d { mean[j] += Double(x[r * d + j]) } }
        let meanF = mean.map { Float($0 / Double(n)) }
        var xc = x
        xc.withUnsafeMutableBufferPointer { b in
            for r in 0..<n { for j in 0..<d { b[r * d + j] -= meanF[j] } }
        }
        // cov = Xc^T Xc / (n - 1), float32.
        var cov = [Float](repeating: 0, count: d * d)
        xc.withUnsafeBufferPointer { a in cov.withUnsafeMutableBufferPointer { c in
            blas.sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(d), Int32(d), Int32(n),
                        1 / Float(n - 1), a.baseAddress, Int32(d), a.baseAddress, Int32(d), 0, c.baseAddress, Int32(d))
        } }
        var w = [Float](repeating: 0, count: d)
        let info = cov.withUnsafeMutableBufferPointer { c in w.withUnsafeMutableBufferPointer { wb in
            blas.ssyevd(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "L")), Int32(d),
                           c.baseAddress, Int32(d), wb.baseAddress)
        } }
        guard info == 0 else { throw .format("PCA: LAPACKE_ssyevd failed (info \(info))") }
        // Descending eigenvalues, clipped at 0.
        let eig = w.reversed().map { max($0, 0) }
        var k = fixedK ?? d
        if let v = variance {
            var total: Float = 0
            for e in eig { total += e }
            var cum: Float = 0
            var idx = d
            for (i, e) in eig.enumerated() {
                cum += e
                if Double(cum / total) >= v { idx = i; break }
            }
            k = min(idx + 1, d)
        }
        // W[d, k]: column c = eigenvector of the c-th largest eigenvalue (ssyevd column d-1-c).
        var proj = [Float](repeating: 0, count: d * k)
        for r in 0..<d { for c in 0..<k { proj[r * k + c] = cov[r * d + (d - 1 - c)] } }
        var scores = [Float](repeating: 0, count: n * k)
        xc.withUnsafeBufferPointer { a in proj.withUnsafeBufferPointer { p in scores.withUnsafeMutableBufferPointer { s in
            blas.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(k), Int32(d),
                        1, a.baseAddress, Int32(d), p.baseAddress, Int32(k), 0, s.baseAddress, Int32(k))
        } } }
        // Deterministic sign: the entry with the largest |score| (first one on ties) is positive.
        for c in 0..<k {
            var best: Float = -1, bestV: Float = 0
            for r in 0..<n {
                let v = scores[r * k + c]
                if abs(v) > best { best = abs(v); bestV = v }
            }
            let sign: Float = bestV > 0 ? 1 : (bestV < 0 ? -1 : 0)
            if sign != 1 { for r in 0..<n { scores[r * k + c] *= sign } }
        }
        return (scores, k)
    }

    /// model2vec's compute_weights: w_i = a / (a + p_i), p_i = (1/(i+2)) / sum_j 1/(j+2); all ones
    /// when `sif` is nil.
    public static func sifWeights(count n: Int, sif: Double?) -> [Double] {
        guard let a = sif else { return [Double](repeating: 1, count: n) }
        let inv = (0..<n).map { 1 / Double($0 + 2) }
        let total = pairwiseSum(inv[...])
        return inv.map { a / (a + $0 / total) }
    }

    /// numpy's pairwise summation (blocks of 8 unrolled, 128-element leaves).
    static func pairwiseSum(_ a: ArraySlice<Double>) -> Double {
        let n = a.count, s = a.startIndex
        if n < 8 {
            var r = 0.0
            for v in a { r += v }
            return r
        }
        if n <= 128 {
            var r = [Double](repeating: 0, count: 8)
            for j in 0..<8 { r[j] = a[s + j] }
            var i = 8
            while i < n - (n % 8) {
                for j in 0..<8 { r[j] += a[s + i + j] }
                i += 8
            }
            var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n { res += a[s + i]; i += 1 }
            return res
        }
        var n2 = n / 2
        n2 -= n2 % 8
        return pairwiseSum(a[s..<(s + n2)]) + pairwiseSum(a[(s + n2)...])
    }
}
