// Per-thread scratch buffers for `TokenizerModel.tokenize`, reused across pieces and texts so
// that the hot path allocates nothing once warmed up, and the per-thread piece cache.
import M2VSupport

/// Scratch space owned by one thread's tokenization workspace.
public struct ModelScratch: Sendable {
    public var bytes: [UInt8] = []
    public var ints: [Int32] = []
    public var ints2: [Int32] = []
    public var doubles: [Double] = []
    /// More buffers used by TokenizerModels (BPE symbols, byte offsets, hashes, heap).
    public var ints3: [Int32] = []
    public var ints4: [Int32] = []
    public var offsets: [Int32] = []
    public var u64s: [UInt64] = []
    /// Piece -> ids memo of the model last used with this scratch (see `PieceCache`).
    public var cache = PieceCache()
    public init() {}

    /// The ids of `piece` from the cache, else from `compute` (then stored): the one wrapper
    /// of every cached model (BPE, Unigram). Pieces longer than `PieceCache.maxKey` bypass it.
    @inline(__always)
    public static func cached(_ piece: UnsafeBufferPointer<UInt32>, owner: PieceCacheOwner,
                              into out: inout [Int32], scratch: inout ModelScratch,
                              _ compute: (UnsafeBufferPointer<UInt32>, inout [Int32], inout ModelScratch) -> Void) {
        guard piece.count <= PieceCache.maxKey else {
            compute(piece, &out, &scratch)
            return
        }
        let h = PieceCache.hash(piece)
        if scratch.cache.lookup(piece, hash: h, owner: owner, into: &out) { return }
        let mark = out.count
        compute(piece, &out, &scratch)
        out.withUnsafeBufferPointer { o in
            scratch.cache.insert(piece, hash: h, owner: owner, ids: UnsafeBufferPointer(rebasing: o[mark...]))
        }
    }
}

/// Identifies the model a `PieceCache` holds results of. A model keeps one for its lifetime; the
/// cache keeps a strong reference to it, so the identity can never be reused by another model
/// while cached entries exist.
public final class PieceCacheOwner: Sendable {
    public init() {}
}

/// A bounded, per-thread memo of piece (Unicode scalars) -> the ids the model gives it.
/// Tokenizing a piece is a pure function of the piece and the (immutable) model, and natural
/// text is Zipfian, so most pieces repeat: a hit replaces the model's work by one hash and one
/// compare. Exact by construction: an entry holds the whole key and is used only when the key is
/// equal and the owner is the same model; a different owner clears the cache.
///
/// Bounded: direct-mapped, at most `maxSlots` slots of `stride` 32-bit words (128 bytes: the
/// hash, key length and id count, the key, the ids), i.e. at most 4096 * 128 B = 512 KiB per
/// scratch (one per thread), whatever the text or the vocabulary. It starts at `minSlots` and
/// doubles (keeping its entries) each time it has taken half as many new entries as it has
/// slots, so a short call allocates little. Only pieces of at most `maxKey` scalars whose ids
/// number at most `maxIds` are stored; a new entry replaces the slot's old one.
public struct PieceCache: Sendable {
    public static let maxKey = 16
    public static let maxIds = 13
    /// Words 0-1: hash (0 = empty slot); word 2: key length | id count << 16; words 3..<19: the
    /// key; words 19..<32: the ids. Key and header share the slot's first cache line.
    @usableFromInline static let stride = 32
    @usableFromInline static let keyAt = 3
    @usableFromInline static let idsAt = 3 + maxKey
    @usableFromInline static let minSlots = 256
    @usableFromInline static let maxSlots = 4096

    @usableFromInline var words: [UInt32] = []
    @usableFromInline var slots = 0
    @usableFromInline var shift: UInt64 = 64
    @usableFromInline var inserts = 0
    @usableFromInline var owner: PieceCacheOwner? = nil

    public init() {}

    /// The cache's hash of a key (never 0, which marks an empty slot).
    @inlinable @inline(__always)
    public static func hash(_ key: UnsafeBufferPointer<UInt32>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        for s in key { h = (h ^ UInt64(s)) &* 0x0000_0100_0000_01B3 }
        h ^= h >> 32
        h &*= 0xD6E8_FEB8_6659_FD93
        h ^= h >> 29
        return h | 1
    }

    /// Starts loading the slot of hash `h` (a hint; nothing when the cache is empty).
    @inlinable @inline(__always)
    public func prefetch(hash h: UInt64) {
        guard slots > 0 else { return }
        let slot = Int(truncatingIfNeeded: h >> shift)
        words.withUnsafeBufferPointer { w in
            if let b = w.baseAddress { prefetchRead(UnsafeRawPointer(b + slot * PieceCache.stride)) }
        }
    }

    /// Appends the cached ids of `key` (hash `h`, from `hash(_:)`) to `out` and returns true, or
    /// returns false (nothing appended) when they are not cached for `owner`.
    @inlinable @inline(__always)
    public mutating func lookup(_ key: UnsafeBufferPointer<UInt32>, hash h: UInt64, owner o: PieceCacheOwner,
                                into out: inout [Int32]) -> Bool {
        guard owner === o, key.count <= PieceCache.maxKey else { return false }
        let slot = Int(truncatingIfNeeded: h >> shift)
        return words.withUnsafeBufferPointer { w -> Bool in
            let base = slot * PieceCache.stride
            guard UInt64(w[base]) | UInt64(w[base + 1]) << 32 == h else { return false }
            let head = w[base + 2]
            guard Int(head & 0xFFFF) == key.count else { return false }
            let k = base + PieceCache.keyAt
            for i in 0..<key.count where w[k + i] != key[i] { return false }
            let n = Int(head >> 16)
            let ids = base + PieceCache.idsAt
            for i in 0..<n { out.append(Int32(bitPattern: w[ids + i])) }
            return true
        }
    }

    /// Stores `ids` as the result of `key` (hash `h`) for `owner` when both fit.
    @inlinable
    public mutating func insert(_ key: UnsafeBufferPointer<UInt32>, hash h: UInt64, owner o: PieceCacheOwner,
                                ids: UnsafeBufferPointer<Int32>) {
        guard key.count <= PieceCache.maxKey, ids.count <= PieceCache.maxIds else { return }
        if owner !== o {
            owner = o
            slots = 0
            words = []
            resize(PieceCache.minSlots)
        } else if inserts >= slots / 2 && slots < PieceCache.maxSlots {
            resize(slots * 2)
        }
        inserts += 1
        let slot = Int(truncatingIfNeeded: h >> shift)
        words.withUnsafeMutableBufferPointer { w in
            let base = slot * PieceCache.stride
            w[base] = UInt32(truncatingIfNeeded: h)
            w[base + 1] = UInt32(truncatingIfNeeded: h >> 32)
            w[base + 2] = UInt32(key.count) | UInt32(ids.count) << 16
            for i in 0..<key.count { w[base + PieceCache.keyAt + i] = key[i] }
            for i in 0..<ids.count { w[base + PieceCache.idsAt + i] = UInt32(bitPattern: ids[i]) }
        }
    }

    /// Grows to `newSlots` slots (a power of two), keeping the entries (a colliding one is
    /// dropped).
    @usableFromInline
    mutating func resize(_ newSlots: Int) {
        var newWords = [UInt32](repeating: 0, count: newSlots * PieceCache.stride)
        let newShift = UInt64(64 - newSlots.trailingZeroBitCount)
        let st = PieceCache.stride
        words.withUnsafeBufferPointer { w in
            newWords.withUnsafeMutableBufferPointer { nw in
                for old in 0..<slots {
                    let h = UInt64(w[old * st]) | UInt64(w[old * st + 1]) << 32
                    if h == 0 { continue }
                    let slot = Int(truncatingIfNeeded: h >> newShift)
                    for k in 0..<st { nw[slot * st + k] = w[old * st + k] }
                }
            }
        }
        words = newWords
        slots = newSlots
        shift = newShift
        inserts = 0
    }
}
