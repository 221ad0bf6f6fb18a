// Distill/Attention — multi-head self-attention over a padded batch, for every teacher family:
// keys at or after a sequence's length are masked (model2vec's attention mask), MPNet adds its
// relative position bias, ModernBERT rotates queries and keys (RoPE, base per layer type) and
// limits local layers to |query − key| ≤ window; decoders rotate, attend causally (optionally
// within a sliding window) and share each key/value head among a group of query heads.
// Short sequences (the distiller's usual 3-token inputs) take a direct loop; long ones go
// through sgemm.
import CBLAS
import LinearAlgebra
import M2VSupport
#if canImport(Glibc)
import Glibc
#endif

struct Attention {
    /// Row stride of the stacked projections (Q + 2·K), query width Q (= ctx's row), key width K.
    let S: Int, Q: Int, K: Int
    let heads: Int, group: Int, dh: Int, B: Int, L: Int
    let lengths: [Int]
    let scale: Float
    let blas: BLAS.Functions
    /// MPNet: bias[h * (2L − 1) + (key − query + L − 1)].
    let bias: [Float]?
    /// ModernBERT: cos/sin of position p and frequency j at [p * dh/2 + j], per layer type.
    let ropeGlobal: (cos: [Float], sin: [Float])?
    let ropeLocal: (cos: [Float], sin: [Float])?
    let window: Int
    /// Decoders: keys after the query are masked; `causalWindow` keys back at most (Int.max: all).
    let causal: Bool
    let causalWindow: Int

    /// Longest sequence handled by the direct loop.
    static let directMax = 48
    /// Queries per block of scores in the sgemm path (≥ directMax).
    static let blockRows = 64

    init(config c: TransformerConfig, blas: BLAS.Functions, lengths: [Int], seqLen: Int, positions: [Int],
         relativeBias: [Float]?) {
        Q = c.queryWidth; K = c.keyWidth; S = Q + 2 * K
        heads = c.heads; group = c.heads / max(1, c.kvHeads); dh = c.headDim; B = lengths.count; L = seqLen
        causal = c.causal; causalWindow = c.causalWindow
        self.lengths = lengths
        self.blas = blas
        scale = 1 / Float(dh).squareRoot()
        window = c.slidingWindow
        if let rb = relativeBias {
            let span = 2 * seqLen - 1
            var t = [Float](repeating: 0, count: c.heads * span)
            for rel in -(seqLen - 1)...(seqLen - 1) {
                let bucket = Self.relativeBucket(rel)
                for h in 0..<c.heads { t[h * span + rel + seqLen - 1] = rb[bucket * c.heads + h] }
            }
            bias = t
        } else {
            bias = nil
        }
        if c.positions == .rotary {
            ropeGlobal = Self.rope(theta: c.ropeThetaGlobal, dh: dh, length: seqLen)
            ropeLocal = c.globalLayer.contains(false) ? Self.rope(theta: c.ropeThetaLocal, dh: dh, length: seqLen) : nil
        } else {
            ropeGlobal = nil; ropeLocal = nil
        }
    }

    /// MPNet's relative_position_bucket(key − query) for 32 buckets and max distance 128, in
    /// float32 as transformers computes it.
    static func relativeBucket(_ rel: Int) -> Int {
        var n = -rel
        var ret = 0
        if n < 0 { ret += 16 }
        n = abs(n)
        if n < 8 { return ret + n }
        let large = 8 + Int(logf(Float(n) / 8) / Float(log(16.0)) * 8)
        return ret + min(large, 15)
    }

    /// cos/sin tables of the default RoPE: inv_freq_j = 1 / theta^(2j / dh), angle = p · inv_freq_j.
    static func rope(theta: Float, dh: Int, length: Int) -> (cos: [Float], sin: [Float]) {
        let half = dh / 2
        var c = [Float](repeating: 0, count: length * half), s = c
        for j in 0..<half {
            let inv = 1 / powf(theta, Float(2 * j) / Float(dh))
            for p in 0..<length {
                let a = Float(p) * inv
                c[p * half + j] = cosf(a); s[p * half + j] = sinf(a)
            }
        }
        return (c, s)
    }

    /// ctx[N, Q] = softmax(QKᵀ·scale + bias + masks) · V per head; `qkv` is [N, Q + 2K] (its queries
    /// and keys are rotated in place for rotary models). Rows at or after a sequence's length get zeros.
    func run(qkv: inout [Float], into ctx: inout [Float], global: Bool) {
        let rope = global ? ropeGlobal : ropeLocal
        let win = (rope != nil && !global) ? window : Int.max
        qkv.withUnsafeMutableBufferPointer { qb in ctx.withUnsafeMutableBufferPointer { cb in
            guard let qp = qb.baseAddress, let cp = cb.baseAddress else { return }
            if let rope { rotate(qp, rope) }
            // Scores for at most `blockRows` queries at a time: memory linear in the length.
            var scores = [Float](repeating: 0, count: min(L, Self.blockRows) * L)
            scores.withUnsafeMutableBufferPointer { sb in
                guard let sp = sb.baseAddress else { return }
                for b in 0..<B {
                    let len = lengths[b]
                    let base = qp + b * L * S
                    let out = cp + b * L * Q
                    for h in 0..<heads {
                        let kv = h / group
                        let qh = base + h * dh, kh = base + Q + kv * dh, vh = base + Q + K + kv * dh
                        if len <= Self.directMax {
                            direct(qh, kh, vh, out + h * dh, len: len, head: h, window: win, scores: sp)
                        } else {
                            for q0 in stride(from: 0, to: len, by: Self.blockRows) {
                                let rows = min(Self.blockRows, len - q0)
                                // scores[rows, len] = Q_h[q0...] · K_hᵀ · scale
                                blas.sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(len), Int32(dh),
                                           scale, qh + q0 * S, Int32(S), kh, Int32(S), 0, sp, Int32(L))
                                for r in 0..<rows { softmaxRow(sp + r * L, query: q0 + r, len: len, head: h, window: win) }
                                // ctx_h[q0..., dh] = P · V_h
                                blas.sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(dh), Int32(len),
                                           1, sp, Int32(L), vh, Int32(S), 0, out + q0 * Q + h * dh, Int32(Q))
                            }
                        }
                    }
                    for r in len..<L { (out + r * Q).update(repeating: 0, count: Q) }
                }
            }
        } }
    }

    /// Adds the bias, masks keys outside the window, and normalizes one row of scores (keys 0..<len).
    private func softmaxRow(_ row: UnsafeMutablePointer<Float>, query r: Int, len: Int, head h: Int, window: Int) {
        if let bias {
            bias.withUnsafeBufferPointer { bb in
                let o = h * (2 * L - 1) + L - 1 - r
                for k in 0..<len { row[k] += bb[o + k] }
            }
        }
        var lo = window == Int.max ? 0 : max(0, r - window)
        var hi = window == Int.max ? len : min(len, r + window + 1)
        if causal {
            hi = min(hi, r + 1)
            if causalWindow != Int.max { lo = max(lo, r - causalWindow + 1) }
        }
        var m = -Float.infinity
        for k in lo..<hi { m = max(m, row[k]) }
        var sum: Float = 0
        for k in lo..<hi { let e = expf(row[k] - m); row[k] = e; sum += e }
        let inv = 1 / sum
        for k in 0..<lo { row[k] = 0 }
        for k in lo..<hi { row[k] *= inv }
        for k in hi..<len { row[k] = 0 }
    }

    /// One head of one short sequence without BLAS calls.
    private func direct(_ q: UnsafeMutablePointer<Float>, _ k: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                        _ out: UnsafeMutablePointer<Float>, len: Int, head: Int, window: Int, scores: UnsafeMutablePointer<Float>) {
        let stride = S
        for r in 0..<len {
            let row = scores + r * L
            let qr = q + r * stride
            for j in 0..<len { row[j] = Kernels.dot(qr, k + j * stride, count: dh) * scale }
            softmaxRow(row, query: r, len: len, head: head, window: window)
            let o = out + r * Q
            o.update(repeating: 0, count: dh)
            for j in 0..<len where row[j] != 0 { Kernels.axpy(row[j], v + j * stride, o, count: dh) }
        }
    }

    /// RoPE on every query and key: x' = x·cos + rotate_half(x)·sin, positions 0..<L in each sequence.
    private func rotate(_ qp: UnsafeMutablePointer<Float>, _ rope: (cos: [Float], sin: [Float])) {
        let half = dh / 2
        rope.cos.withUnsafeBufferPointer { cb in rope.sin.withUnsafeBufferPointer { sb in
            for t in 0..<(B * L) {
                let p = t % L
                for part in 0..<2 {
                    for h in 0..<(part == 0 ? heads : heads / group) {
                        let x = qp + t * S + part * Q + h * dh
                        for j in 0..<half {
                            let c = cb[p * half + j], s = sb[p * half + j]
                            let a = x[j], b = x[j + half]
                            x[j] = a * c - b * s
                            x[j + half] = b * c + a * s
                        }
                    }
                }
            }
        } }
    }
}
