// M2VSupport/CPU — what the CPU can run, read once: whether the x86-64-v3 kernel modules
// (PoolingKernelsX86V3, TransformerKernelsX86V3, built with `-target-cpu haswell`) may be called.
#if canImport(Glibc)
import Glibc
#endif

public enum CPU {
    /// True when the CPU has what Haswell has (AVX2, FMA, F16C, BMI1/2, MOVBE, LZCNT), read once
    /// from /proc/cpuinfo, and M2V_GENERIC_KERNELS is not set.
    public static let hasX86V3: Bool = {
        #if arch(x86_64)
        if getenv("M2V_GENERIC_KERNELS") != nil { return false }
        guard let f = fopen("/proc/cpuinfo", "r") else { return false }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 1 << 16)
        while fgets(&line, Int32(line.count), f) != nil {
            let s = String(decoding: line.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard s.hasPrefix("flags") else { continue }
            let flags = Set(s.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == ":" }))
            // The modules are built for Haswell: AVX2, FMA, F16C, BMI1/2, MOVBE, LZCNT (abm).
            return ["avx2", "fma", "f16c", "bmi1", "bmi2", "movbe", "abm"].allSatisfy { flags.contains(Substring($0)) }
        }
        return false
        #else
        return false
        #endif
    }()
}
