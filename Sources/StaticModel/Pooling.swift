// Pooling kernels: add one (weighted) table row to a float32 accumulator, for every table dtype,
// and L2 normalization. The portable kernels are straight loops over raw pointers that the
// optimizer vectorizes for baseline x86-64 (SSE2), with float16 widened by a branch-free bit
// trick; on CPUs with AVX2+FMA+F16C the kernels of PoolingKernelsX86V3 are used instead
// (chosen once, at run time).
import M2VSupport
import SafeTensors
import PoolingKernelsX86V3
#if canImport(Glibc)
import Glibc
#endif

/// Adds a row to an accumulator: (row pointer, dim, weight, accumulator).
typealias RowKernel = (UnsafeRawPointer, Int, Float, UnsafeMutablePointer<Float>) -> Void

/// Adds several rows in order: (row pointers, weights, row count, dim, accumulator).
typealias RowsKernel = (UnsafePointer<UnsafeRawPointer>, UnsafePointer<Float>, Int, Int, UnsafeMutablePointer<Float>) -> Void

enum Pooling {
    /// A kernel adding several rows a call for `dtype` on this CPU (the same sums as the row
    /// kernel one row at a time), or nil: add them one by one with `kernel(for:)`.
    @inline(__always)
    static func rowsKernel(for dtype: DType, allowV3: Bool = hasX86V3) -> RowsKernel? {
        guard allowV3 else { return nil }
        switch dtype {
        case .F16: return KernelsX86V3.accumulateRowsF16
        case .F32: return KernelsX86V3.accumulateRowsF32
        default: return nil
        }
    }

    /// The x86-64-v3 kernels may run (M2VSupport's CPU check).
    static var hasX86V3: Bool { CPU.hasX86V3 }

    /// The kernel for `dtype` on this CPU.
    static func kernel(for dtype: DType, allowV3: Bool = hasX86V3) -> RowKernel {
        if allowV3 {
            switch dtype {
            case .F16: return KernelsX86V3.accumulateF16
            case .F32: return KernelsX86V3.accumulateF32
            case .I8: return KernelsX86V3.accumulateI8
            default: break
            }
        }
        switch dtype {
        case .F16: return accumulateF16
        case .F32: return accumulateF32
        case .BF16: return accumulateBF16
        case .I8: return accumulateI8
        case .U8: return accumulateU8
        case .F64: return accumulateF64
        default: return { _, _, _, _ in } // other dtypes are rejected at load
        }
    }

    /// float16 bits -> Float, exact for every value (normals, subnormals, inf, NaN).
    @inline(__always)
    static func half(_ h: UInt16) -> Float {
        let hv = UInt32(h)
        let em = hv & 0x7FFF
        // Shifted into float32 position, the value is off by 2^(127-15) = 2^112 (exact, also for
        // subnormals, which the multiply normalizes).
        var f = Float(bitPattern: em << 13) * Float(bitPattern: 0x7780_0000)
        if em >= 0x7C00 { f = Float(bitPattern: (em << 13) | 0x7F80_0000) }
        return Float(bitPattern: f.bitPattern | ((hv & 0x8000) << 16))
    }

    static func accumulateF16(_ row: UnsafeRawPointer, _ dim: Int, _ w: Float, _ acc: UnsafeMutablePointer<Float>) {
        let p = row.assumingMemoryBound(to: UInt16.self)
        for j in 0..<dim { acc[j] += w * half(p[j]) }
    }
    static func accumulateF32(_ row: UnsafeRawPointer, _ dim: Int, _ w: Float, _ acc: UnsafeMutablePointer<Float>) {
        let p = row.assumingMemoryBound(to: Float.self)
        for j in 0..<dim { acc[j] += w * p[j] }
    }
    static func accumulateBF16(_ row: UnsafeRawPointer, _ dim: Int, _ w: Float, _ acc: UnsafeMutablePointer<Float>) {
        let p = row.assumingMemoryBound(to: UInt16.self)
        for j in 0..<dim { acc[j] += w * Float(bitPattern: UInt32(p[j]) << 16) }
    }
    static func accumulateI8(_ row: UnsafeRawPointer, _ dim: Int, _ w: Float, _ acc: UnsafeMutablePointer<Float>) {
        let p = row.assumingMemoryBound(to: Int8.self)
        for j in 0..<dim { acc[j] += w * Float(p[j]) }
    }
    static func accumulateU8(_ row: UnsafeRawPointer, _ dim: Int, _ w: Float, _ acc: UnsafeMutablePointer<Float>) {
        let p = row.assumingMemoryBound(to: UInt8.self)
        for j in 0..<dim { acc[j] += w * Float(p[j]) }
    }
    static func accumulateF64(_ row: UnsafeRawPointer, _ dim: Int, _ w: Float, _ acc: UnsafeMutablePointer<Float>) {
        let p = row.assumingMemoryBound(to: Double.self)
        for j in 0..<dim { acc[j] += Float(Double(w) * p[j]) }
    }

    /// x / (||x|| + 1e-32), the norm computed in float32 as the reference does.
    static func l2normalize(_ x: UnsafeMutablePointer<Float>, _ dim: Int) {
        var sum: Float = 0
        for j in 0..<dim { sum += x[j] * x[j] }
        let norm = sum.squareRoot() + 1e-32
        for j in 0..<dim { x[j] = x[j] / norm }
    }
}
