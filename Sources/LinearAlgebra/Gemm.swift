// LinearAlgebra/Gemm — a row-major float32 matrix product over the bound cblas_sgemm, with the
// sizes checked to fit OpenBLAS's 32-bit arguments: C = alpha * op(A) op(B) + beta * C.
import CBLAS
import M2VSupport

extension BLAS.Core {
    /// Row-major `C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C`, where op(A) is A
    /// (stored m x k) or, with `transA`, A stored k x m; likewise B. Sizes must fit in Int32
    /// (callers check their allocations; this precondition-free version clamps nothing and
    /// returns false when they do not fit, doing no work).
    @discardableResult
    public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                     _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, beta: Float,
                     _ c: UnsafeMutablePointer<Float>) -> Bool {
        let limit = Int(Int32.max)
        guard m >= 0, n >= 0, k >= 0, m <= limit, n <= limit, k <= limit else { return false }
        guard m > 0, n > 0 else { return true }
        let lda = transA ? m : k, ldb = transB ? k : n
        sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
              Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)), beta, c, Int32(max(n, 1)))
        return true
    }
}
