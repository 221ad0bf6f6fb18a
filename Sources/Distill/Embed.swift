// Distill/Embed — one teacher vector per token sequence: length-sorted batches through the
// Transformer on all cores (our threads; OpenBLAS single-threaded meanwhile), pooled as
// model2vec's create_embeddings does (mean over the attention mask, first, last, pooler), then
// nan_to_num.
import CBLAS
import LinearAlgebra
import M2VSupport
#if canImport(Glibc)
import Glibc
#endif

/// How a sequence's hidden states become one vector (model2vec's PoolingMode).
public enum PoolingMode: String, Sendable, CaseIterable {
    /// Mean over all positions of the sequence (CLS and SEP included).
    case mean
    /// The last position's hidden state.
    case last
    /// The first position's ([CLS]).
    case first
    /// The model's pooler output (tanh dense over [CLS]).
    case pooler
}

/// Progress of the forward pass: (sequences done, total). Return true to cancel (the convention of
/// every progress closure in m2v, as m2v_progress_fn's non-zero). Called on the thread that
/// called `embed`, between batches, and once at the end.
public typealias DistillProgress = @Sendable (_ done: Int, _ total: Int) -> Bool

/// Shared state of the parallel forward pass.
private final class EmbedState: @unchecked Sendable {
    let out: UnsafeMutablePointer<Float>
    var mutex = pthread_mutex_t()
    var done = 0
    var cancelled = false
    var error: M2VError?
    init(count: Int) {
        out = .allocate(capacity: max(count, 1))
        out.initialize(repeating: 0, count: max(count, 1))
        pthread_mutex_init(&mutex, nil)
    }
    deinit {
        pthread_mutex_destroy(&mutex)
        out.deallocate()
    }
}

public enum Distiller {
    /// Batch size of the forward pass (model2vec's _DEFAULT_BATCH_SIZE).
    public static let batchSize = 256

    /// Runs every sequence through `model` and pools it: returns [sequences.count, hidden].
    /// `threads` 0 = all cores. Deterministic whatever the thread count.
    public static func embed(model: Transformer, sequences: [[Int32]], pooling: PoolingMode, padId: Int32,
                             threads: Int, progress: DistillProgress? = nil) throws(M2VError) -> [Float] {
        let H = model.config.hidden, n = sequences.count
        let blas = model.blas
        if pooling == .pooler && !model.hasPooler {
            throw .unsupported("pooling \"pooler\": the teacher has no pooler weights")
        }
        for (i, s) in sequences.enumerated() {
            guard !s.isEmpty else { throw .invalidArgument("token \(i) has an empty teacher input") }
            guard s.count <= model.config.maxSequenceLength else {
                throw .invalidArgument("token \(i): teacher input of \(s.count) ids exceeds \(model.config.maxSequenceLength) positions")
            }
            for id in s where id < 0 || Int(id) >= model.config.vocabSize {
                throw .invalidArgument("token \(i): id \(id) outside the teacher's vocabulary")
            }
        }
        guard n > 0 else { return [] }
        // Length-sorted order (stable), batches of `batchSize`.
        let lens: [Int] = sequences.map { $0.count }
        let order: [Int] = Array(0..<n).sorted { (a: Int, b: Int) -> Bool in
            if lens[a] != lens[b] { return lens[a] < lens[b] }
            return a < b
        }
        let nBatches = (n + batchSize - 1) / batchSize
        let nThreads = Parallel.threads(requested: threads, work: nBatches, minPerThread: 1)
        let state = EmbedState(count: n * H)
        let savedBLAS = blas.getThreads()
        if nThreads > 1 { blas.setThreads(1) }
        defer { if nThreads > 1 { blas.setThreads(savedBLAS) } }
        Parallel.forChunks(count: nBatches, threads: nThreads, chunk: 1) { worker, range in
            for batch in range {
                pthread_mutex_lock(&state.mutex)
                let stop = state.cancelled || state.error != nil
                pthread_mutex_unlock(&state.mutex)
                if stop { return }
                let members = Array(order[(batch * batchSize)..<min(n, (batch + 1) * batchSize)])
                var L = 0
                for m in members where sequences[m].count > L { L = sequences[m].count }
                var ids = [Int32](repeating: padId, count: members.count * L)
                var lengths: [Int] = []
                for (b, m) in members.enumerated() {
                    let s = sequences[m]
                    for (k, id) in s.enumerated() { ids[b * L + k] = id }
                    lengths.append(s.count)
                }
                do {
                    let o = try model.forward(ids: ids, lengths: lengths, seqLen: L)
                    for (b, m) in members.enumerated() {
                        let dst = state.out + m * H
                        let len = lengths[b]
                        switch pooling {
                        case .mean:
                            let w = 1 / Float(len)
                            for j in 0..<H { dst[j] = 0 }
                            for k in 0..<len {
                                let src = (b * L + k) * H
                                for j in 0..<H { dst[j] += w * o.hidden[src + j] }
                            }
                        case .first:
                            for j in 0..<H { dst[j] = o.hidden[b * L * H + j] }
                        case .last:
                            for j in 0..<H { dst[j] = o.hidden[(b * L + len - 1) * H + j] }
                        case .pooler:
                            if let p = o.pooler { for j in 0..<H { dst[j] = p[b * H + j] } }
                        }
                        for j in 0..<H {
                            let v = dst[j]
                            if v.isNaN { dst[j] = 0 } else if v.isInfinite { dst[j] = v > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude }
                        }
                    }
                    pthread_mutex_lock(&state.mutex)
                    state.done += members.count
                    let done = state.done
                    pthread_mutex_unlock(&state.mutex)
                    // The progress callback runs on the calling thread (worker 0) only.
                    if worker == 0, let progress, progress(done, n) {
                        pthread_mutex_lock(&state.mutex)
                        state.cancelled = true
                        pthread_mutex_unlock(&state.mutex)
                    }
                } catch {
                    pthread_mutex_lock(&state.mutex)
                    if state.error == nil { state.error = (error as? M2VError) ?? .format("\(error)") }
                    pthread_mutex_unlock(&state.mutex)
                    return
                }
            }
        }
        if let e = state.error { throw e }
        if state.cancelled { throw .cancelled("distill cancelled by the progress callback") }
        if let progress, progress(n, n) { throw .cancelled("distill cancelled by the progress callback") }
        return Array(UnsafeBufferPointer(start: state.out, count: n * H))
    }
}
