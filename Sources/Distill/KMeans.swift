// Distill/KMeans — vocabulary quantization (model2vec's quantize_vocabulary): k-means on the
// pooled teacher vectors, the cluster centres become the table and each token maps to its
// cluster. The reference uses scikit-learn's KMeans(init="random", random_state=42, n_init=10);
// this is a deterministic Lloyd's k-means with one random initialisation (SplitMix64, seed 42),
// so the clusters are equivalent in quality but not identical to the reference's.
import CBLAS
import LinearAlgebra
import M2VSupport

public enum KMeans {
    /// Clusters `x` ([n, d]) into `k` centres. Returns (centres [k, d], assignment [n]).
    public static func fit(_ x: [Float], rows n: Int, dim d: Int, k: Int, maxIterations: Int = 300,
                           tolerance: Double = 1e-4, seed: UInt64 = 42) throws(M2VError) -> (centers: [Float], labels: [Int32]) {
        guard k > 0, k <= n else { throw .invalidArgument("vocabulary_quantization \(k) must be in 1...\(n) (the vocabulary size)") }
        let blas = try BLAS.require()
        // Random distinct rows as the initial centres (Fisher-Yates with SplitMix64).
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var perm = Array(0..<n)
        for i in 0..<k {
            let j = i + Int(next() % UInt64(n - i))
            perm.swapAt(i, j)
        }
        var centers = [Float](repeating: 0, count: k * d)
        for c in 0..<k { for j in 0..<d { centers[c * d + j] = x[perm[c] * d + j] } }
        // Tolerance as scikit-learn: tol * mean per-feature variance.
        var varSum = 0.0
        for j in 0..<d {
            var m = 0.0, s = 0.0
            for r in 0..<n { m += Double(x[r * d + j]) }
            m /= Double(n)
            for r in 0..<n { let v = Double(x[r * d + j]) - m; s += v * v }
            varSum += s / Double(n)
        }
        let tol = tolerance * varSum / Double(d)
        var labels = [Int32](repeating: 0, count: n)
        var dots = [Float](repeating: 0, count: n * k)
        func assign() {
            var cn = [Float](repeating: 0, count: k)
            for c in 0..<k { var s: Float = 0; for j in 0..<d { s += centers[c * d + j] * centers[c * d + j] }; cn[c] = s }
            x.withUnsafeBufferPointer { xb in centers.withUnsafeBufferPointer { cb in dots.withUnsafeMutableBufferPointer { db in
                blas.sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(k), Int32(d),
                            1, xb.baseAddress, Int32(d), cb.baseAddress, Int32(d), 0, db.baseAddress, Int32(k))
            } } }
            for r in 0..<n {
                var best = Float.infinity, bi = 0
                for c in 0..<k {
                    let dist = cn[c] - 2 * dots[r * k + c]
                    if dist < best { best = dist; bi = c }
                }
                labels[r] = Int32(bi)
            }
        }
        for _ in 0..<maxIterations {
            assign()
            var sums = [Double](repeating: 0, count: k * d), counts = [Int](repeating: 0, count: k)
            for r in 0..<n {
                let c = Int(labels[r])
                counts[c] += 1
                for j in 0..<d { sums[c * d + j] += Double(x[r * d + j]) }
            }
            var shift = 0.0
            for c in 0..<k where counts[c] > 0 {
                for j in 0..<d {
                    let v = Float(sums[c * d + j] / Double(counts[c]))
                    let delta = Double(v - centers[c * d + j])
                    shift += delta * delta
                    centers[c * d + j] = v
                }
            }
            if shift <= tol { break }
        }
        assign()
        return (centers, labels)
    }
}
