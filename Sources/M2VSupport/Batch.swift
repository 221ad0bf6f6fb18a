// Batches of UTF-8 texts as the C API passes them, and the small thread-safe result holders the
// parallel loops over texts use.
#if canImport(Glibc)
import Glibc
#endif

/// A batch of UTF-8 texts given as pointers and byte lengths (the C API's shape). The memory
/// must stay valid for the duration of the call that receives the batch.
public struct TextBatch: @unchecked Sendable {
    public let count: Int
    let pointers: UnsafePointer<UnsafePointer<CChar>?>
    let lengths: UnsafePointer<Int>

    public init(count: Int, pointers: UnsafePointer<UnsafePointer<CChar>?>, lengths: UnsafePointer<Int>) {
        self.count = count; self.pointers = pointers; self.lengths = lengths
    }

    /// Text `i` as bytes (empty for a NULL pointer with length 0).
    @inline(__always)
    public func text(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        guard let p = pointers[i] else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: lengths[i])
    }

    /// The texts in `range` as a batch of their own (same memory).
    public func slice(_ range: Range<Int>) -> TextBatch {
        TextBatch(count: range.count, pointers: pointers + range.lowerBound, lengths: lengths + range.lowerBound)
    }

    /// Bytes of the texts in `range`.
    public func bytes(_ range: Range<Int>) -> Int {
        var n = 0
        for i in range { n &+= lengths[i] }
        return n
    }

    /// Runs `body` with a batch viewing `strings` (for Swift callers and tests).
    public static func with<R>(_ strings: [String], _ body: (TextBatch) throws(M2VError) -> R) throws(M2VError) -> R {
        var arena: [UInt8] = []
        var starts: [Int] = []
        var lengths: [Int] = []
        for s in strings {
            let start = arena.count
            arena.append(contentsOf: s.utf8)
            starts.append(start)
            lengths.append(arena.count - start)
        }
        arena.append(0)
        lengths.append(0) // never empty, so baseAddress below is never nil
        return try typed {
            try arena.withUnsafeBufferPointer { a in
                guard let abase = a.baseAddress else { throw M2VError(.internal, "empty text arena") }
                let base = UnsafeRawPointer(abase).assumingMemoryBound(to: CChar.self)
                var ptrs: [UnsafePointer<CChar>?] = starts.map { base + $0 }
                ptrs.append(nil)
                return try ptrs.withUnsafeBufferPointer { p in
                    try lengths.withUnsafeBufferPointer { l in
                        guard let pb = p.baseAddress, let lb = l.baseAddress else {
                            throw M2VError(.internal, "empty text batch arrays")
                        }
                        return try body(TextBatch(count: strings.count, pointers: pb, lengths: lb))
                    }
                }
            }
        }
    }
}

/// First error raised by any worker (by text index, so the reported error is deterministic).
public final class ErrorSlot: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    public private(set) var error: (index: Int, error: M2VError)?
    public init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    public func record(_ i: Int, _ e: M2VError) {
        pthread_mutex_lock(&mutex)
        if let current = error, current.index <= i {} else { error = (i, e) }
        pthread_mutex_unlock(&mutex)
    }
}

/// Per-index results written by workers (distinct indices, so no lock is needed).
public final class ResultSink: @unchecked Sendable {
    public let values: UnsafeMutablePointer<[Int32]>
    let count: Int
    public init(count: Int) {
        self.count = count
        values = .allocate(capacity: max(1, count))
        values.initialize(repeating: [], count: count)
    }
    deinit {
        values.deinitialize(count: count)
        values.deallocate()
    }
    public func set(_ i: Int, _ v: [Int32]) { values[i] = v }
}
