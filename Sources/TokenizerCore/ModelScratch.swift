// Per-thread scratch buffers for `TokenizerModel.tokenize`, reused across pieces and texts so
// that the hot path allocates nothing once warmed up, and the per-thread piece cache.

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
/// Bounded: direct-mapped, at most `maxSlots` slots of `stride` 32-bit words (128 bytes) plus an
/// 8-byte hash each, i.e. at most 4096 * 136 B = 544 KiB per scratch (one per thread), whatever
/// the text or the vocabulary. It starts at `minSlots` and doubles (keeping its entries) each time
/// it has taken half as many new entries as it has slots, so a short call allocates little. Only pieces of at most `maxKey`
/// scalars whose ids number at most `maxIds` are stored; a new entry replaces the slot's old one.
public struct PieceCache: Sendable {
    public static let maxKey = 16
    public static let maxIds = 15
    @usableFromInline static let stride = 32      // word 0: key length | id count << 16; key; ids
    @usableFromInline static let minSlots = 256
    @usableFromInline static let maxSlots = 4096

    @usableFromInline var words: [UInt32] = []
    @usableFromInline var hashes: [UInt64] = []
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

    /// Appends the cached ids of `key` (hash `h`, from `hash(_:)`) to `out` and returns true, or
    /// returns false (nothing appended) when they are not cached for `owner`.
    @inlinable @inline(__always)
    public mutating func lookup(_ key: UnsafeBufferPointer<UInt32>, hash h: UInt64, owner o: PieceCacheOwner,
                                into out: inout [Int32]) -> Bool {
        guard owner === o, key.count <= PieceCache.maxKey else { return false }
        let slot = Int(truncatingIfNeeded: h >> shift)
        return hashes.withUnsafeBufferPointer { hs -> Bool in
            guard hs[slot] == h else { return false }
            return words.withUnsafeBufferPointer { w -> Bool in
                let base = slot * PieceCache.stride
                let head = w[base]
                guard Int(head & 0xFFFF) == key.count else { return false }
                for i in 0..<key.count where w[base + 1 + i] != key[i] { return false }
                let n = Int(head >> 16)
                let ids = base + 1 + PieceCache.maxKey
                for i in 0..<n { out.append(Int32(bitPattern: w[ids + i])) }
                return true
            }
        }
    }

    /// Stores `ids` as the result of `key` (hash `h`) for `owner` when both fit.
    @inlinable
    public mutating func insert(_ key: UnsafeBufferPointer<UInt32>, hash h: UInt64, owner o: PieceCacheOwner,
                                ids: UnsafeBufferPointer<Int32>) {
        guard key.count <= PieceCache.maxKey, ids.count <= PieceCache.maxIds else { return }
        if owner !== o {
            owner = o
            inserts = 0
            hashes = []
            resize(PieceCache.minSlots)
        } else if inserts >= hashes.count / 2 && hashes.count < PieceCache.maxSlots {
            resize(hashes.count * 2)
        }
        inserts += 1
        let slot = Int(truncatingIfNeeded: h >> shift)
        hashes.withUnsafeMutableBufferPointer { $0[slot] = h }
        words.withUnsafeMutableBufferPointer { w in
            let base = slot * PieceCache.stride
            w[base] = UInt32(key.count) | UInt32(ids.count) << 16
            for i in 0..<key.count { w[base + 1 + i] = key[i] }
            let idBase = base + 1 + PieceCache.maxKey
            for i in 0..<ids.count { w[idBase + i] = UInt32(bitPattern: ids[i]) }
        }
    }

    /// Grows to `slots` slots (a power of two), keeping the entries (a colliding one is dropped).
    @usableFromInline
    mutating func resize(_ slots: Int) {
        var newHashes = [UInt64](repeating: 0, count: slots)
        var newWords = [UInt32](repeating: 0, count: slots * PieceCache.stride)
        let newShift = UInt64(64 - slots.trailingZeroBitCount)
        let st = PieceCache.stride
        for old in 0..<hashes.count where hashes[old] != 0 {
            let h = hashes[old]
            let slot = Int(truncatingIfNeeded: h >> newShift)
            newHashes[slot] = h
            for k in 0..<st { newWords[slot * st + k] = words[old * st + k] }
        }
        hashes = newHashes
        words = newWords
        shift = newShift
        inserts = 0
    }
}
