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

public enum Pooling {
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

    /// acc[0..<dim] += weights[k] * rows[k][0..<dim] for k in 0..<count, in order (float32
    /// rows): the pooling's weighted sum, also the classifier head's matrix-vector product (rows
    /// = columns of W, weights = the input). The 4-row AVX2 kernel where the CPU has it, else
    /// one row at a time; the float32 operations are the same either way.
    public static func accumulateRowsF32(_ rows: UnsafePointer<UnsafeRawPointer>, _ weights: UnsafePointer<Float>,
                                         _ count: Int, _ dim: Int, _ acc: UnsafeMutablePointer<Float>) {
        if hasX86V3 { return KernelsX86V3.accumulateRowsF32(rows, weights, count, dim, acc) }
        for k in 0..<count { accumulateF32(rows[k], dim, weights[k], acc) }
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

    /// x / (||x|| + 1e-32), the norm computed in float32 as the reference does: numpy's
    /// `np.linalg.norm(out, axis=1)` sums the squares of a row with its pairwise summation,
    /// reproduced by `pairwiseSquares` (eight lanes, so it is also a SIMD sum).
    static func l2normalize(_ x: UnsafeMutablePointer<Float>, _ dim: Int) {
        let norm = pairwiseSquares(x, dim).squareRoot() + 1e-32
        for j in 0..<dim { x[j] = x[j] / norm }
    }

    /// numpy's float32 pairwise sum (`add.reduce` over a contiguous row, PW_BLOCKSIZE 128) of
    /// x[j] * x[j]: under 8 terms a plain loop; up to 128 eight accumulators combined as
    /// ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)) then the tail; above, the two halves (the first a
    /// multiple of 8) summed apart.
    static func pairwiseSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        if n < 8 {
            var res: Float = 0
            for i in 0..<n { res += x[i] * x[i] }
            return res
        }
        if n <= 128 {
            let raw = UnsafeRawPointer(x)
            var r = raw.loadUnaligned(as: SIMD8<Float>.self)
            r = r * r
            var i = 8
            while i < n - n % 8 {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                r = r + v * v
                i += 8
            }
            var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n { res += x[i] * x[i]; i += 1 }
            return res
        }
        var half = n / 2
        half -= half % 8
        return pairwiseSquares(x, half) + pairwiseSquares(x + half, n - half)
    }
}
