// Distill/Vec — the forward pass's element-wise kernels on eight float lanes (SIMD8: two SSE
// halves in the generic x86-64 build): dot, axpy, add, LayerNorm. Unaligned loads and stores;
// a tail shorter than eight goes through a zero-padded vector.
@inline(__always)
private func load8(_ p: UnsafePointer<Float>, _ i: Int, _ n: Int) -> SIMD8<Float> {
    if i + 8 <= n { return UnsafeRawPointer(p).loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) }
    var v = SIMD8<Float>(repeating: 0)
    for k in 0..<(n - i) { v[k] = p[i + k] }
    return v
}

@inline(__always)
private func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ n: Int) {
    if i + 8 <= n { UnsafeMutableRawPointer(p).storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self); return }
    for k in 0..<(n - i) { p[i + k] = v[k] }
}

enum Vec {
    /// Σ x[i]·y[i] (eight partial sums, then added).
    static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i < n { acc += load8(x, i, n) * load8(y, i, n); i += 8 }
        return acc.sum()
    }

    /// y[i] += a·x[i].
    static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        let av = SIMD8<Float>(repeating: a)
        var i = 0
        while i < n { store8(load8(y, i, n) + av * load8(x, i, n), y, i, n); i += 8 }
    }

    /// x[i] += y[i].
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) {
        var i = 0
        while i < n { store8(load8(x, i, n) + load8(y, i, n), x, i, n); i += 8 }
    }

    /// x[i] += y[i] + b[i].
    static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) {
        var i = 0
        while i < n { store8(load8(x, i, n) + load8(y, i, n) + load8(b, i, n), x, i, n); i += 8 }
    }

    /// One row: (x − mean) / sqrt(var + eps) · w (+ b), the biased variance as torch's LayerNorm.
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, count n: Int, weight w: UnsafePointer<Float>,
                          bias b: UnsafePointer<Float>?, eps: Float) {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i < n { acc += load8(x, i, n); i += 8 }
        let mean = acc.sum() / Float(n)
        var vacc = SIMD8<Float>(repeating: 0)
        let m = SIMD8<Float>(repeating: mean)
        i = 0
        while i < n {
            var d = load8(x, i, n) - m
            if i + 8 > n { for k in (n - i)..<8 { d[k] = 0 } }
            vacc += d * d
            i += 8
        }
        let inv = SIMD8<Float>(repeating: 1 / (vacc.sum() / Float(n) + eps).squareRoot())
        i = 0
        while i < n {
            var y = (load8(x, i, n) - m) * inv * load8(w, i, n)
            if let b { y += load8(b, i, n) }
            store8(y, x, i, n)
            i += 8
        }
    }
}
