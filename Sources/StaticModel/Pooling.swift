// Pooling kernels: add one (weighted) table row to a float32 accumulator, for every table dtype,
// and L2 normalization. Written as straight loops over raw pointers so the optimizer vectorizes
// them; float16 is widened with a branch-free bit trick (no per-element library call on generic
// x86-64, where Float(Float16) is one).
import SafeTensors

enum Pooling {
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

    /// acc[0..<dim] += weight * table[row]
    @inline(__always)
    static func accumulate(table: UnsafeRawPointer, dtype: DType, row: Int, dim: Int, weight w: Float,
                           into acc: UnsafeMutablePointer<Float>) {
        let offset = row * dim
        switch dtype {
        case .F32:
            let p = table.assumingMemoryBound(to: Float.self) + offset
            for j in 0..<dim { acc[j] += w * p[j] }
        case .F16:
            let p = table.assumingMemoryBound(to: UInt16.self) + offset
            for j in 0..<dim { acc[j] += w * half(p[j]) }
        case .BF16:
            let p = table.assumingMemoryBound(to: UInt16.self) + offset
            for j in 0..<dim { acc[j] += w * Float(bitPattern: UInt32(p[j]) << 16) }
        case .I8:
            let p = table.assumingMemoryBound(to: Int8.self) + offset
            for j in 0..<dim { acc[j] += w * Float(p[j]) }
        case .U8:
            let p = table.assumingMemoryBound(to: UInt8.self) + offset
            for j in 0..<dim { acc[j] += w * Float(p[j]) }
        case .F64:
            let p = table.assumingMemoryBound(to: Double.self) + offset
            for j in 0..<dim { acc[j] += Float(Double(w) * p[j]) }
        default:
            break // rejected at load
        }
    }

    /// x / (||x|| + 1e-32), the norm computed in float32 as the reference does.
    static func l2normalize(_ x: UnsafeMutablePointer<Float>, _ dim: Int) {
        var sum: Float = 0
        for j in 0..<dim { sum += x[j] * x[j] }
        let norm = sum.squareRoot() + 1e-32
        for j in 0..<dim { x[j] = x[j] / norm }
    }
}
