// OpenBLAS and LAPACKE, bound at run time (dlopen on first use) rather than at link time: a
// process that only encodes never loads OpenBLAS (no extra threads, no dependency), and a
// machine without it gets a clear error from the distiller instead of a library that fails to
// load. The CBLAS module is imported for the C types only.
import CBLAS
import M2VSupport
#if canImport(Glibc)
import Glibc
#endif

enum BLAS {
    typealias Sgemm = @convention(c) (CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, Int32, Int32, Int32,
                                      Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
                                      Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias Ssyevd = @convention(c) (Int32, CChar, CChar, Int32, UnsafeMutablePointer<Float>?, Int32,
                                       UnsafeMutablePointer<Float>?) -> Int32
    typealias GetThreads = @convention(c) () -> Int32
    typealias SetThreads = @convention(c) (Int32) -> Void

    struct Functions: @unchecked Sendable {
        let sgemm: Sgemm
        let ssyevd: Ssyevd
        let getThreads: GetThreads
        let setThreads: SetThreads
    }

    /// The bound functions, or why they could not be bound (loaded once, thread-safely).
    static let loaded: Result<Functions, M2VError> = load()

    /// The functions; throws `.unsupported` naming the Debian packages when they are missing.
    static func require() throws(M2VError) -> Functions {
        switch loaded {
        case .success(let f): return f
        case .failure(let e): throw e
        }
    }

    private static func open(_ names: [String]) -> UnsafeMutableRawPointer? {
        for n in names { if let h = dlopen(n, RTLD_NOW | RTLD_LOCAL) { return h } }
        return nil
    }

    private static func load() -> Result<Functions, M2VError> {
        let hint = "the distiller needs OpenBLAS and LAPACKE (Debian/Ubuntu: apt-get install libopenblas0 liblapacke)"
        guard let blas = open(["libopenblas.so.0", "libopenblas.so"]) else {
            return .failure(.unsupported("cannot load libopenblas.so.0: \(hint)"))
        }
        guard let lapacke = open(["liblapacke.so.3", "liblapacke.so"]) else {
            return .failure(.unsupported("cannot load liblapacke.so.3: \(hint)"))
        }
        guard let sgemm = dlsym(blas, "cblas_sgemm"), let get = dlsym(blas, "openblas_get_num_threads"),
              let set = dlsym(blas, "openblas_set_num_threads"), let syevd = dlsym(lapacke, "LAPACKE_ssyevd") else {
            return .failure(.unsupported("OpenBLAS/LAPACKE lack cblas_sgemm, openblas_*_num_threads or LAPACKE_ssyevd: \(hint)"))
        }
        return .success(Functions(sgemm: unsafeBitCast(sgemm, to: Sgemm.self),
                                  ssyevd: unsafeBitCast(syevd, to: Ssyevd.self),
                                  getThreads: unsafeBitCast(get, to: GetThreads.self),
                                  setThreads: unsafeBitCast(set, to: SetThreads.self)))
    }
}
