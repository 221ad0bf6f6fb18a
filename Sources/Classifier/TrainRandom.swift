// Classifier/TrainRandom — the trainer's seeded randomness and the validation split: SplitMix64
// (Steele, Lea & Flood 2014; the same generator as TestSupport's) with independent streams
// forked from the seed, unbiased bounded integers, Fisher–Yates permutations, and model2vec's
// split_indices / _stratum_test_sizes (train/utils.py) with these streams instead of numpy's.
#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64: 64 bits of state, one multiply-xorshift finalizer per draw. Deterministic for a
/// seed on every platform; not torch's or numpy's stream.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for an independent stream, seeded from this one's next draw.
    mutating func fork() -> SplitMix64 { SplitMix64(seed: next() ^ 0x5851_F42D_4C95_7F2D) }

    /// Uniform in 0..<n (n > 0), unbiased (Lemire's multiply with rejection).
    mutating func below(_ n: Int) -> Int {
        let bound = UInt64(n)
        var r = next().multipliedFullWidth(by: bound)
        if r.low < bound {
            let threshold = (0 &- bound) % bound
            while r.low < threshold { r = next().multipliedFullWidth(by: bound) }
        }
        return Int(r.high)
    }

    /// Uniform in [0, 1) with 24 random bits.
    mutating func unit() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [-bound, bound).
    mutating func symmetric(_ bound: Float) -> Float { (unit() * 2 - 1) * bound }

    /// A uniformly random order of `items` (Fisher–Yates).
    mutating func shuffled(_ items: [Int]) -> [Int] {
        var a = items
        var i = a.count - 1
        while i > 0 {
            let j = below(i + 1)
            a.swapAt(i, j)
            i -= 1
        }
        return a
    }
}

enum Split {
    /// model2vec's split_indices: the sorted train and test indices of 0..<n. `testSize` a
    /// fraction (rounded half to even, capped at `maxTestSize`) or a count; at least one test
    /// item and, for n > 1, one train item. Stratified by `stratifyBy` (class per item) when
    /// every class occurs twice and there are no more classes than test items.
    static func indices(n: Int, testSize: TestSize, maxTestSize: Int, stratifyBy: [Int32]?,
                        rng: inout SplitMix64) -> (train: [Int], test: [Int]) {
        var nTest: Int
        switch testSize {
        case .count(let c): nTest = c
        case .fraction(let f):
            nTest = Int((Double(n) * f).rounded(.toNearestOrEven))
            nTest = min(nTest, maxTestSize)
        }
        nTest = min(max(1, nTest), max(n - 1, 0))
        var strata = stratifyBy.flatMap(Self.strata)
        if let s = strata, s.count > nTest { strata = nil }
        guard let strata else {
            let order = rng.shuffled(Array(0..<n))
            return (Array(order[nTest...]).sorted(), Array(order[..<nTest]).sorted())
        }
        let sizes = strata.map(\.count)
        let counts = stratumTestSizes(sizes, nTest)
        var train: [Int] = [], test: [Int] = []
        for (members, k) in zip(strata, counts) {
            let order = rng.shuffled(members)
            test.append(contentsOf: order[..<k])
            train.append(contentsOf: order[k...])
        }
        return (train.sorted(), test.sorted())
    }

    /// The indices of each label in order of first occurrence; nil when empty or when a label
    /// occurs only once (model2vec's stratify_indices).
    static func strata(_ labels: [Int32]) -> [[Int]]? {
        guard !labels.isEmpty else { return nil }
        var slot: [Int32: Int] = [:]
        var groups: [[Int]] = []
        for (i, l) in labels.enumerated() {
            if let s = slot[l] { groups[s].append(i) } else { slot[l] = groups.count; groups.append([i]) }
        }
        return groups.contains(where: { $0.count < 2 }) ? nil : groups
    }

    /// model2vec's _stratum_test_sizes: `nTest` divided over strata in proportion to their
    /// sizes (numpy's round, half to even), each keeping at least one test and one train item,
    /// then corrected one item at a time toward `nTest` where the rounding missed it.
    static func stratumTestSizes(_ sizes: [Int], _ nTest: Int) -> [Int] {
        let total = Double(sizes.reduce(0, +))
        let quotas = sizes.map { Double($0) * Double(nTest) / total }
        var counts = zip(quotas, sizes).map { q, s in min(max(Int(q.rounded(.toNearestOrEven)), 1), s - 1) }
        while true {
            let excess = counts.reduce(0, +) - nTest
            if excess == 0 { break }
            let step = excess > 0 ? 1 : -1
            var best = -1
            var bestScore = -Double.infinity
            for i in counts.indices where excess > 0 ? counts[i] > 1 : counts[i] < sizes[i] - 1 {
                let score = (Double(counts[i]) - quotas[i]) * Double(step)
                if best < 0 || score > bestScore { best = i; bestScore = score }
            }
            if best < 0 { break }
            counts[best] -= step
        }
        return counts
    }
}
