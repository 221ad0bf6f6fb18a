// TransformerKernelsX86V3 — TransformerKernels' forward-pass kernels compiled for x86-64-v3
// (AVX2, FMA): this module alone (with PoolingKernelsX86V3) is built with `-target-cpu
// haswell`, and its wrappers inline the @inlinable bodies here, so they are vectorized for
// eight-lane AVX2 with fused multiply-adds. Distill calls them only after M2VSupport's CPU
// check, so libm2v.so still runs on any x86-64.
import TransformerKernels

public enum KernelsX86V3 {
    @inline(never)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) -> Float {
        Vec.dot(x, y, count: n)
    }

    @inline(never)
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        Vec.axpy(a, x, y, count: n)
    }

    @inline(never)
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) {
        Vec.add(x, y, count: n)
    }

    @inline(never)
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) {
        Vec.add(x, y, b, count: n)
    }

    @inline(never)
    public static func layerNorm(_ x: UnsafeMutablePointer<Float>, count n: Int, weight w: UnsafePointer<Float>,
                                 bias b: UnsafePointer<Float>?, eps: Float) {
        Vec.layerNorm(x, count: n, weight: w, bias: b, eps: eps)
    }

    @inline(never)
    public static func biasGELU(_ x: UnsafeMutablePointer<Float>, bias b: UnsafePointer<Float>?, count n: Int) {
        Vec.biasGELU(x, bias: b, count: n)
    }
}
