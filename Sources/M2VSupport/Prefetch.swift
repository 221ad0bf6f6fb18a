// Software prefetch for the hot loops (vocabulary slots, embedding rows): LLVM's prefetch
// intrinsic, bound by name because Swift has no spelling for it. It is a hint: it never faults,
// whatever the address. Builds with `-DM2V_NO_PREFETCH` (the ThreadSanitizer build, whose
// instrumentation cannot wrap an intrinsic call) get a no-op instead.

#if M2V_NO_PREFETCH
/// No-op in this build (M2V_NO_PREFETCH).
@inlinable @inline(__always)
public func prefetchRead(_ address: UnsafeRawPointer) {}
#else
@usableFromInline @_silgen_name("llvm.prefetch.p0")
func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ data: Int32)

/// Asks the CPU to bring the cache line holding `address` into all cache levels for reading.
@inlinable @inline(__always)
public func prefetchRead(_ address: UnsafeRawPointer) { llvmPrefetch(address, 0, 3, 1) }
#endif
