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
