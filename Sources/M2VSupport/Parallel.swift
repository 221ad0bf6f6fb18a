// Data-parallel loops over texts on one persistent worker pool shared by every model and call:
// workers are started on first need, park between calls, and take chunks of indices from a
// job's shared counter while the calling thread works too. Small work stays on the calling
// thread (no wake-up, no thread start). Fork-safe: a forked child starts with an empty pool and
// grows its own. No Dispatch, no Foundation.
import CLinux
#if canImport(Glibc)
import Glibc
#endif

public enum Parallel {
    /// CPUs this process may run on (its affinity mask; at least 1). One system call: read it
    /// only for calls big enough to use more than one thread.
    public static var cpuCount: Int {
        let n = Int(m2v_affinity_cpu_count())
        return n > 0 ? n : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Most threads one call runs on, the caller included.
    public static let maxThreads = 256

    /// Resolves a user thread count: 0 = all CPUs; capped so each thread has `minPerThread` items
    /// (and, when `bytes` is given, `minBytesPerThread` bytes) of work. Work for one thread
    /// returns 1 without asking the system anything.
    public static func threads(requested: Int, work: Int, minPerThread: Int = 32, bytes: Int? = nil,
                               minBytesPerThread: Int = minBytesPerThread) -> Int {
        var cap = (work + minPerThread - 1) / max(1, minPerThread)
        if let bytes { cap = min(cap, bytes / max(1, minBytesPerThread)) }
        cap = min(cap, maxThreads)
        if requested == 1 || cap <= 1 { return 1 }
        return max(1, min(requested <= 0 ? cpuCount : requested, cap))
    }

    /// Text bytes below which one more thread does not pay for its wake-up (~10-50 µs against
    /// ~15 MB/s of tokenization per thread): a call under 2x this runs on the calling thread.
    public static let minBytesPerThread = 8 * 1024

    /// Calls `body(worker, range)` for disjoint ranges covering 0..<count, on at most `threads`
    /// threads: the calling thread is worker 0, pool workers joining the call get 1..<threads.
    /// Concurrent and nested calls are safe: each caller can finish its own call alone, so none
    /// waits on another; the pool never has more workers than CPUs - 1. When no worker can be
    /// started, the caller does all the work.
    public static func forChunks(count: Int, threads: Int, chunk: Int = 16,
                                 _ body: @escaping @Sendable (_ worker: Int, _ range: Range<Int>) -> Void) {
        if threads <= 1 || count <= chunk {
            if count > 0 { body(0, 0..<count) }
            return
        }
        WorkerPool.shared.run(count: count, threads: min(threads, maxThreads), chunk: chunk, body)
    }

    /// Worker threads the pool has started in this process (for tests and diagnostics).
    public static var poolWorkers: Int { WorkerPool.shared.workerCount }
}

/// One parallel call: its chunk counter and the helpers working on it.
private final class Job: @unchecked Sendable {  // fields guarded by WorkerPool.mutex
    let body: @Sendable (Int, Range<Int>) -> Void
    let counter: SharedCounter
    /// Helpers that may join (threads - 1), joined so far, still running.
    let wanted: Int
    var joined = 0
    var active = 0
    var open = true
    let finished = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(count: Int, threads: Int, chunk: Int, body: @escaping @Sendable (Int, Range<Int>) -> Void) {
        self.body = body
        counter = SharedCounter(limit: count, chunk: chunk)
        wanted = threads - 1
        pthread_cond_init(finished, nil)
    }
    deinit {
        pthread_cond_destroy(finished)
        finished.deallocate()
    }

    func work(as worker: Int) {
        while let r = counter.next() { body(worker, r) }
    }
}

/// The process's pool: parked workers, the open jobs, one mutex.
final class WorkerPool: @unchecked Sendable {  // fields guarded by `mutex`
    static let shared = WorkerPool()

    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [Job] = []
    private var workers = 0

    private init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        // The child of a fork has only the forking thread: no worker survives, and the mutex
        // may have been held by one. Hold it across fork() so its state is known, then start
        // the child from an empty pool.
        pthread_atfork({ pthread_mutex_lock(WorkerPool.shared.mutex) },
                       { pthread_mutex_unlock(WorkerPool.shared.mutex) },
                       { WorkerPool.shared.resetInChild() })
    }

    var workerCount: Int {
        pthread_mutex_lock(mutex); defer { pthread_mutex_unlock(mutex) }
        return workers
    }

    private func resetInChild() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        // Jobs of other threads' calls in flight at the fork: their callers do not exist here.
        // Leaked on purpose (destroying a condition variable that had waiters may block).
        for job in jobs { _ = Unmanaged.passRetained(job) }
        jobs = []
        workers = 0
    }

    func run(count: Int, threads: Int, chunk: Int, _ body: @escaping @Sendable (Int, Range<Int>) -> Void) {
        let job = Job(count: count, threads: threads, chunk: chunk, body: body)
        let target = min(threads - 1, Parallel.cpuCount - 1)
        pthread_mutex_lock(mutex)
        grow(to: target)
        jobs.append(job)
        if job.wanted == 1 { pthread_cond_signal(wake) } else { pthread_cond_broadcast(wake) }
        pthread_mutex_unlock(mutex)

        job.work(as: 0)

        pthread_mutex_lock(mutex)
        job.open = false
        jobs.removeAll { $0 === job }
        while job.active > 0 { pthread_cond_wait(job.finished, mutex) }
        pthread_mutex_unlock(mutex)
    }

    /// Starts workers until there are `target` (called with the mutex held). Workers block
    /// every signal: the host's handlers run on its own threads.
    private func grow(to target: Int) {
        guard workers < target else { return }
        var all = sigset_t(), old = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_SETMASK, &all, &old)
        defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
        while workers < target {
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            pthread_attr_setdetachstate(&attr, Int32(PTHREAD_CREATE_DETACHED))
            var tid = pthread_t()
            let rc = pthread_create(&tid, &attr, { _ in
                WorkerPool.shared.workerLoop()
                return nil
            }, nil)
            pthread_attr_destroy(&attr)
            guard rc == 0 else { return }  // fewer helpers; callers still finish their work
            workers += 1
        }
    }

    private func workerLoop() {
        m2v_set_thread_name("m2v-worker")
        pthread_mutex_lock(mutex)
        while true {
            guard let job = jobs.first(where: { $0.open && $0.joined < $0.wanted }) else {
                pthread_cond_wait(wake, mutex)
                continue
            }
            job.joined += 1
            job.active += 1
            let index = job.joined
            pthread_mutex_unlock(mutex)
            job.work(as: index)
            pthread_mutex_lock(mutex)
            job.open = false  // its counter is exhausted: nobody else needs to join
            job.active -= 1
            if job.active == 0 { pthread_cond_broadcast(job.finished) }
        }
    }
}

/// One object per thread, reused across calls (a tokenizer's scratch buffers and piece memo):
/// `take` hands out the calling thread's object, or a new one, and leaves the slot empty while
/// it is in use, so a nested call on the same thread gets its own; `give` puts it back. The
/// object is released when its thread exits. `keep` decides whether an object is worth keeping
/// (one that grew for a huge input is dropped, so a thread does not hold its memory for good).
public final class ThreadCache<T: AnyObject>: @unchecked Sendable {
    private var key = pthread_key_t()
    private let make: () -> T
    private let keep: (T) -> Bool

    public init(keep: @escaping (T) -> Bool = { _ in true }, _ make: @escaping () -> T) {
        self.make = make
        self.keep = keep
        pthread_key_create(&key) { p in
            if let p { Unmanaged<AnyObject>.fromOpaque(p).release() }
        }
    }

    public func take() -> T {
        if let p = pthread_getspecific(key) {
            pthread_setspecific(key, nil)
            return Unmanaged<T>.fromOpaque(p).takeRetainedValue()
        }
        return make()
    }

    public func give(_ object: T) {
        guard keep(object), pthread_getspecific(key) == nil else { return }  // (or an outer call's is back)
        pthread_setspecific(key, Unmanaged.passRetained(object).toOpaque())
    }

    /// `body` with the thread's object.
    @inline(__always)
    public func with<R, E: Error>(_ body: (T) throws(E) -> R) throws(E) -> R {
        let object = take()
        defer { give(object) }
        return try body(object)
    }
}

/// Hands out chunks of 0..<limit under a mutex.
public final class SharedCounter: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var next_ = 0
    private let limit: Int
    private let chunk: Int
    init(limit: Int, chunk: Int) {
        self.limit = limit
        self.chunk = max(1, chunk)
        pthread_mutex_init(&mutex, nil)
    }
    deinit { pthread_mutex_destroy(&mutex) }
    func next() -> Range<Int>? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard next_ < limit else { return nil }
        let start = next_
        next_ = min(limit, start + chunk)
        return start..<next_
    }
}
