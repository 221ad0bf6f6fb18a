// Distill/Kernels — the forward pass's element-wise kernels, chosen once: TransformerKernelsX86V3's
// (AVX2 + FMA) when the CPU has x86-64-v3 (M2VSupport.CPU), else TransformerKernels' baseline
// build of the same source.
import M2VSupport
import TransformerKernels
import TransformerKernelsX86V3

enum Kernels {
    static let v3 = CPU.hasX86V3

    @inline(__always)
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) -> Float {
        v3 ? KernelsX86V3.dot(x, y, count: n) : Vec.dot(x, y, count: n)
    }

    @inline(__always)
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        if v3 { KernelsX86V3.axpy(a, x, y, count: n) } else { Vec.axpy(a, x, y, count: n) }
    }

    @inline(__always)
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) {
        if v3 { KernelsX86V3.add(x, y, count: n) } else { Vec.add(x, y, count: n) }
    }

    @inline(__always)
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) {
        if v3 { KernelsX86V3.add(x, y, b, count: n) } else { Vec.add(x, y, b, count: n) }
    }

    @inline(__always)
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, count n: Int, weight w: UnsafePointer<Float>,
                          bias b: UnsafePointer<Float>?, eps: Float) {
        if v3 { KernelsX86V3.layerNorm(x, count: n, weight: w, bias: b, eps: eps) }
        else { Vec.layerNorm(x, count: n, weight: w, bias: b, eps: eps) }
    }

    @inline(__always)
    static func biasGELU(_ x: UnsafeMutablePointer<Float>, bias b: UnsafePointer<Float>?, count n: Int) {
        if v3 { KernelsX86V3.biasGELU(x, bias: b, count: n) } else { Vec.biasGELU(x, bias: b, count: n) }
    }
}
