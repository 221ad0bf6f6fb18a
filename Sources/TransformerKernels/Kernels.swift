// TransformerKernels — the teacher forward pass's element-wise kernels on eight float lanes:
// dot, axpy, add, LayerNorm, bias + erf GELU. All @inlinable: Distill inlines them compiled for
// baseline x86-64 (SIMD8 as two SSE halves), and TransformerKernelsX86V3 wraps the same bodies
// compiled for x86-64-v3 (AVX2 + FMA), so there is one source for both. Unaligned loads and
// stores; a tail shorter than eight goes through a zero-padded vector.
@inlinable @inline(__always) @usableFromInline
func load8(_ p: UnsafePointer<Float>, _ i: Int, _ n: Int) -> SIMD8<Float> {
    if i + 8 <= n { return UnsafeRawPointer(p).loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) }
    var v = SIMD8<Float>(repeating: 0)
    for k in 0..<(n - i) { v[k] = p[i + k] }
    return v
}

@inlinable @inline(__always) @usableFromInline
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int, _ n: Int) {
    if i + 8 <= n { UnsafeMutableRawPointer(p).storeBytes(of: v, toByteOffset: i * 4, as: SIMD8<Float>.self); return }
    for k in 0..<(n - i) { p[i + k] = v[k] }
}

public enum Vec {
    /// Σ x[i]·y[i] (eight partial sums, then added).
    @inlinable @inline(__always)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) -> Float {
        var acc = SIMD8<Float>(repeating: 0)
        var i = 0
        while i < n { acc += load8(x, i, n) * load8(y, i, n); i += 8 }
        return acc.sum()
    }

    /// y[i] += a·x[i].
    @inlinable @inline(__always)
    public static func axpy(_ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        let av = SIMD8<Float>(repeating: a)
        var i = 0
        while i < n { store8(load8(y, i, n) + av * load8(x, i, n), y, i, n); i += 8 }
    }

    /// x[i] += y[i].
    @inlinable @inline(__always)
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) {
        var i = 0
        while i < n { store8(load8(x, i, n) + load8(y, i, n), x, i, n); i += 8 }
    }

    /// x[i] += y[i] + b[i].
    @inlinable @inline(__always)
    public static func add(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) {
        var i = 0
        while i < n { store8(load8(x, i, n) + load8(y, i, n) + load8(b, i, n), x, i, n); i += 8 }
    }

    /// One row: (x − mean) / sqrt(var + eps) · w (+ b), the biased variance as torch's LayerNorm.
    @inlinable @inline(__always)
    public static func layerNorm(_ x: UnsafeMutablePointer<Float>, count n: Int, weight w: UnsafePointer<Float>,
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

    /// erf on eight lanes: the rational approximation Eigen and XLA use for float32 (|error| <
    /// 4e-7 against erff over the real line, measured), clamped to ±4 where erf is ±1 in float.
    @inlinable @inline(__always)
    public static func erf(_ x0: SIMD8<Float>) -> SIMD8<Float> {
        var x = x0
        x.replace(with: SIMD8(repeating: 4), where: x .> 4)
        x.replace(with: SIMD8(repeating: -4), where: x .< -4)
        let x2 = x * x
        var p = x2 * SIMD8(repeating: -2.72614225801306e-10) + SIMD8(repeating: 2.77068142495902e-08)
        p = p * x2 + SIMD8(repeating: -2.10102402082508e-06)
        p = p * x2 + SIMD8(repeating: -5.69250639462346e-05)
        p = p * x2 + SIMD8(repeating: -7.34990630326855e-04)
        p = p * x2 + SIMD8(repeating: -2.95459980854025e-03)
        p = p * x2 + SIMD8(repeating: -1.60960333262415e-02)
        p = p * x
        var q = x2 * SIMD8(repeating: -1.45660718464996e-05) + SIMD8(repeating: -2.13374055278905e-04)
        q = q * x2 + SIMD8(repeating: -1.68282697438203e-03)
        q = q * x2 + SIMD8(repeating: -7.37332916720468e-03)
        q = q * x2 + SIMD8(repeating: -1.42647390514189e-02)
        return p / q
    }

    /// x[i] = GELU(x[i] (+ b[i])) with erf (transformers' "gelu").
    @inlinable @inline(__always)
    public static func biasGELU(_ x: UnsafeMutablePointer<Float>, bias b: UnsafePointer<Float>?, count n: Int) {
        var i = 0
        while i < n {
            var a = load8(x, i, n)
            if let b { a += load8(b, i, n) }
            store8(0.5 * a * (1 + erf(a * 0.70710678118654752)), x, i, n)
            i += 8
        }
    }
}
