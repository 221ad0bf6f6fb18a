// PoolingKernelsX86V3 — owns the row-accumulation kernels compiled for x86-64-v3 (AVX2, FMA,
// F16C). This module alone is built with `-target-cpu haswell`; StaticModel calls it only
// after checking at run time that the CPU has those features, so libm2v.so still runs on any
// x86-64. Float16 -> Float here is one vcvtph2ps per 8 values instead of a bit-manipulation
// sequence or a library call.

public enum KernelsX86V3 {
    /// acc[0..<dim] += w * Float(row[j]) for float16 rows.
    @inline(never)
    public static func accumulateF16(_ row: UnsafeRawPointer, _ dim: Int, _ w: Float, _ acc: UnsafeMutablePointer<Float>) {
        let p = row.assumingMemoryBound(to: Float16.self)
        for j in 0..<dim { acc[j] += w * Float(p[j]) }
    }

    @inline(never)
    public static func accumulateF32(_ row: UnsafeRawPointer, _ dim: Int, _ w: Float, _ acc: UnsafeMutablePointer<Float>) {
        let p = row.assumingMemoryBound(to: Float.self)
        for j in 0..<dim { acc[j] += w * p[j] }
    }

    @inline(never)
    public static func accumulateI8(_ row: UnsafeRawPointer, _ dim: Int, _ w: Float, _ acc: UnsafeMutablePointer<Float>) {
        let p = row.assumingMemoryBound(to: Int8.self)
        for j in 0..<dim { acc[j] += w * Float(p[j]) }
    }
}

extension KernelsX86V3 {
    /// For k in 0..<count, in order: acc[j] += weights[k] * Float(rows[k][j]), float16 rows.
    /// Four rows a step with the accumulator in registers: every element gets the same float32
    /// operations in the same order as `count` calls of `accumulateF16`, so the sums are
    /// bit-identical; only the accumulator's loads and stores (and the calls) are fewer.
    @inline(never)
    public static func accumulateRowsF16(_ rows: UnsafePointer<UnsafeRawPointer>, _ weights: UnsafePointer<Float>,
                                         _ count: Int, _ dim: Int, _ acc: UnsafeMutablePointer<Float>) {
        var k = 0
        while k + 4 <= count {
            let p0 = rows[k].assumingMemoryBound(to: Float16.self), p1 = rows[k + 1].assumingMemoryBound(to: Float16.self)
            let p2 = rows[k + 2].assumingMemoryBound(to: Float16.self), p3 = rows[k + 3].assumingMemoryBound(to: Float16.self)
            let w0 = weights[k], w1 = weights[k + 1], w2 = weights[k + 2], w3 = weights[k + 3]
            for j in 0..<dim {
                var a = acc[j]
                a += w0 * Float(p0[j])
                a += w1 * Float(p1[j])
                a += w2 * Float(p2[j])
                a += w3 * Float(p3[j])
                acc[j] = a
            }
            k += 4
        }
        while k < count {
            let p = rows[k].assumingMemoryBound(to: Float16.self)
            let w = weights[k]
            for j in 0..<dim { acc[j] += w * Float(p[j]) }
            k += 1
        }
    }

    /// `accumulateRowsF16` for float32 rows (the same operations as `accumulateF32` per row).
    @inline(never)
    public static func accumulateRowsF32(_ rows: UnsafePointer<UnsafeRawPointer>, _ weights: UnsafePointer<Float>,
                                         _ count: Int, _ dim: Int, _ acc: UnsafeMutablePointer<Float>) {
        var k = 0
        while k + 4 <= count {
            let p0 = rows[k].assumingMemoryBound(to: Float.self), p1 = rows[k + 1].assumingMemoryBound(to: Float.self)
            let p2 = rows[k + 2].assumingMemoryBound(to: Float.self), p3 = rows[k + 3].assumingMemoryBound(to: Float.self)
            let w0 = weights[k], w1 = weights[k + 1], w2 = weights[k + 2], w3 = weights[k + 3]
            for j in 0..<dim {
                var a = acc[j]
                a += w0 * p0[j]
                a += w1 * p1[j]
                a += w2 * p2[j]
                a += w3 * p3[j]
                acc[j] = a
            }
            k += 4
        }
        while k < count {
            let p = rows[k].assumingMemoryBound(to: Float.self)
            let w = weights[k]
            for j in 0..<dim { acc[j] += w * p[j] }
            k += 1
        }
    }
}
