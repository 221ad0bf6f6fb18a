// LinearAlgebra — owns m2v's matrix work through OpenBLAS and LAPACKE, bound at run time (dlopen
// on first use) rather than at link time: a process that only encodes never loads OpenBLAS (no
// extra threads, no dependency), and a machine without it gets a clear `.unsupported` error from
// the distiller or the trainer instead of a library that fails to load. The CBLAS module is
// imported for the C types only. Used by Distill (teacher passes, PCA, k-means) and Classifier
// (training).
import CBLAS
import M2VSupport
#if canImport(Glibc)
import Glibc
#endif

public enum BLAS {
    public typealias Sgemm = @convention(c) (CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, Int32, Int32, Int32,
                                             Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
                                             Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    public typealias Ssyevd = @convention(c) (Int32, CChar, CChar, Int32, UnsafeMutablePointer<Float>?, Int32,
                                              UnsafeMutablePointer<Float>?) -> Int32
    public typealias GetThreads = @convention(c) () -> Int32
    public typealias SetThreads = @convention(c) (Int32) -> Void

    /// OpenBLAS's functions (no LAPACKE): what the trainer needs.
    public struct Core: @unchecked Sendable {
        public let sgemm: Sgemm
        public let getThreads: GetThreads
        public let setThreads: SetThreads
    }

    /// OpenBLAS and LAPACKE: what the distiller needs.
    public struct Functions: @unchecked Sendable {
        public let sgemm: Sgemm
        public let ssyevd: Ssyevd
        public let getThreads: GetThreads
        public let setThreads: SetThreads
    }

    static let hint = "Debian/Ubuntu: apt-get install libopenblas0 liblapacke"

    /// The bound OpenBLAS functions, or why they could not be bound (loaded once, thread-safely).
    static let core: Result<Core, M2VError> = loadCore()
    /// The bound OpenBLAS + LAPACKE functions (loaded once, thread-safely).
    static let loaded: Result<Functions, M2VError> = load()

    /// OpenBLAS and LAPACKE; throws `.unsupported` naming the Debian packages when they are missing.
    public static func require() throws(M2VError) -> Functions {
        switch loaded {
        case .success(let f): return f
        case .failure(let e): throw e
        }
    }

    /// OpenBLAS alone; throws `.unsupported` naming `user` ("the trainer") and the package when
    /// it is missing.
    public static func requireCore(for user: String) throws(M2VError) -> Core {
        switch core {
        case .success(let c): return c
        case .failure(let e): throw .unsupported("\(user) needs OpenBLAS: \(e.message)")
        }
    }

    private static func open(_ names: [String]) -> UnsafeMutableRawPointer? {
        for n in names { if let h = dlopen(n, RTLD_NOW | RTLD_LOCAL) { return h } }
        return nil
    }

    private static func loadCore() -> Result<Core, M2VError> {
        guard let blas = open(["libopenblas.so.0", "libopenblas.so"]) else {
            return .failure(.unsupported("cannot load libopenblas.so.0 (\(hint))"))
        }
        guard let sgemm = dlsym(blas, "cblas_sgemm"), let get = dlsym(blas, "openblas_get_num_threads"),
              let set = dlsym(blas, "openblas_set_num_threads") else {
            return .failure(.unsupported("libopenblas lacks cblas_sgemm or openblas_*_num_threads (\(hint))"))
        }
        return .success(Core(sgemm: unsafeBitCast(sgemm, to: Sgemm.self),
                              getThreads: unsafeBitCast(get, to: GetThreads.self),
                              setThreads: unsafeBitCast(set, to: SetThreads.self)))
    }

    private static func load() -> Result<Functions, M2VError> {
        let need = "the distiller needs OpenBLAS and LAPACKE (\(hint))"
        let c: Core
        switch core {
        case .success(let v): c = v
        case .failure: return .failure(.unsupported("cannot load libopenblas.so.0: \(need)"))
        }
        guard let lapacke = open(["liblapacke.so.3", "liblapacke.so"]) else {
            return .failure(.unsupported("cannot load liblapacke.so.3: \(need)"))
        }
        guard let syevd = dlsym(lapacke, "LAPACKE_ssyevd") else {
            return .failure(.unsupported("LAPACKE lacks LAPACKE_ssyevd: \(need)"))
        }
        return .success(Functions(sgemm: c.sgemm, ssyevd: unsafeBitCast(syevd, to: Ssyevd.self),
                                  getThreads: c.getThreads, setThreads: c.setThreads))
    }
}
