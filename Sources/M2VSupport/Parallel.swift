// A minimal fork-join over pthreads for data-parallel loops over texts: workers take chunks of
// indices from a shared counter; the caller's thread works too. No Dispatch, no Foundation.
#if canImport(Glibc)
import Glibc
#endif

public enum Parallel {
    /// Online CPUs (at least 1).
    public static var cpuCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Resolves a user thread count: 0 = all cores; capped so each thread has work.
    public static func threads(requested: Int, work: Int, minPerThread: Int = 32) -> Int {
        let want = requested <= 0 ? cpuCount : requested
        return max(1, min(want, (work + minPerThread - 1) / minPerThread, 256))
    }

    /// Calls `body(worker, range)` for disjoint ranges covering 0..<count, on `threads` threads
    /// (the calling thread is worker 0). Falls back to the calling thread alone when a thread
    /// cannot be created.
    public static func forChunks(count: Int, threads: Int, chunk: Int = 16,
                          _ body: @escaping @Sendable (_ worker: Int, _ range: Range<Int>) -> Void) {
        if threads <= 1 || count <= chunk {
            if count > 0 { body(0, 0..<count) }
            return
        }
        let state = SharedCounter(limit: count, chunk: chunk)
        let run: @Sendable (Int) -> Void = { worker in
            while let r = state.next() { body(worker, r) }
        }
        var handles: [pthread_t] = []
        for w in 1..<threads {
            let box = Unmanaged.passRetained(ThreadArg { run(w) }).toOpaque()
            var tid = pthread_t()
            if pthread_create(&tid, nil, { arg in
                guard let arg else { return nil }
                let a = Unmanaged<ThreadArg>.fromOpaque(arg).takeRetainedValue()
                a.fn()
                return nil
            }, box) == 0 {
                handles.append(tid)
            } else {
                Unmanaged<ThreadArg>.fromOpaque(box).release()
            }
        }
        run(0)
        for h in handles { pthread_join(h, nil) }
    }
}

private final class ThreadArg: @unchecked Sendable {
    let fn: () -> Void
    init(_ fn: @escaping () -> Void) { self.fn = fn }
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
