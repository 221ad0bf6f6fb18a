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
/// Layout: a slot table of 64-bit words (hash tag << 32 | arena offset; 0 = empty), probed as
/// `ways`-way sets (the 8 slots of a set are 64 bytes, one or two cache lines), and an arena of
/// 32-bit words holding each entry as [key length | id count << 16, key..., ids...]. A set
/// fills from its front: a new entry goes first, the others move back one, the oldest of a full
/// set is evicted (its arena words stay until the next clear). Eight ways keep evictions rare at
/// the table's load (it doubles at a quarter): with two ways, a corpus of 31k
/// distinct pieces re-missed ~7% of its pieces per pass and refilled the arena until it cleared.
///
/// Bounded: at most `maxSlots` slots (1 MiB) and `maxArena` arena words (2 MiB) per scratch
/// (one per thread), whatever the text or the vocabulary. Both start small and double (the slot
/// table when a quarter of its slots are live, so sets are rarely full; the arena when it
/// is full);
/// a full arena at its maximum clears the whole cache. Only pieces of at most `maxKey` scalars
/// whose ids number at most `maxIds` are stored.
public struct PieceCache: Sendable {
    public static let maxKey = 24
    public static let maxIds = 24
    /// Slots per set (a power of two).
    public static let ways = 8
    @usableFromInline static let minSlots = 1024
    @usableFromInline static let maxSlots = 131_072
    @usableFromInline static let minArena = 8192
    @usableFromInline static let maxArena = 524_288

    @usableFromInline var slots: [UInt64] = []
    @usableFromInline var mask = 0
    @usableFromInline var arena: [UInt32] = []
    /// Arena words in use (word 0 is never an entry, so an offset of 0 means empty).
    @usableFromInline var used = 1
    /// Occupied slots (live entries).
    @usableFromInline var live = 0
    @usableFromInline var owner: PieceCacheOwner? = nil

    public init() {}

    /// The cache's hash of a key.
    @inlinable @inline(__always)
    public static func hash(_ key: UnsafeBufferPointer<UInt32>) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(key.count)
        for s in key { h = (h ^ UInt64(s)) &* 0x0000_0100_0000_01B3 }
        h ^= h >> 32
        h &*= 0xD6E8_FEB8_6659_FD93
        h ^= h >> 29
        return h
    }

    /// The first slot of hash `h`'s set in a table of `mask + 1` slots.
    @inlinable @inline(__always)
    static func setStart(_ h: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: h) & mask & ~(PieceCache.ways - 1)
    }

    /// Starts loading the slots of hash `h` (a hint; nothing when the cache is empty).
    @inlinable @inline(__always)
    public func prefetch(hash h: UInt64) {
        let m = mask
        guard m > 0 else { return }
        slots.withUnsafeBufferPointer { w in
            if let b = w.baseAddress {
                let first = PieceCache.setStart(h, m)
                prefetchRead(UnsafeRawPointer(b + first))
                prefetchRead(UnsafeRawPointer(b + first + PieceCache.ways - 1))
            }
        }
    }

    /// Starts loading the arena entry hash `h`'s slots point to (a hint, for a piece whose slots
    /// were prefetched earlier: the entry's address depends on the slot, so the two misses are
    /// overlapped only if they are started apart).
    @inlinable @inline(__always)
    public func prefetchEntry(hash h: UInt64) {
        let m = mask
        guard m > 0 else { return }
        let tag = h & 0xFFFF_FFFF_0000_0000
        let first = PieceCache.setStart(h, m)
        slots.withUnsafeBufferPointer { sl in
            arena.withUnsafeBufferPointer { ar in
                guard let base = ar.baseAddress, first + PieceCache.ways <= sl.count else { return }
                for j in 0..<PieceCache.ways {
                    let v = sl[first + j]
                    if v == 0 { return }
                    guard v & 0xFFFF_FFFF_0000_0000 == tag else { continue }
                    let at = Int(truncatingIfNeeded: v & 0xFFFF_FFFF)
                    if at > 0, at < ar.count { prefetchRead(UnsafeRawPointer(base + at)) }
                    return
                }
            }
        }
    }

    /// Appends the cached ids of `key` (hash `h`, from `hash(_:)`) to `out` and returns true, or
    /// returns false (nothing appended) when they are not cached for `owner`.
    @inlinable @inline(__always)
    public func lookup(_ key: UnsafeBufferPointer<UInt32>, hash h: UInt64, owner o: PieceCacheOwner,
                       into out: inout [Int32]) -> Bool {
        guard owner === o, key.count <= PieceCache.maxKey, mask > 0 else { return false }
        let tag = h & 0xFFFF_FFFF_0000_0000
        let first = PieceCache.setStart(h, mask)
        return slots.withUnsafeBufferPointer { sl -> Bool in
            arena.withUnsafeBufferPointer { ar -> Bool in
                guard first + PieceCache.ways <= sl.count else { return false }
                for j in 0..<PieceCache.ways {
                    let v = sl[first + j]
                    if v == 0 { return false }  // a set fills from its front
                    guard v & 0xFFFF_FFFF_0000_0000 == tag else { continue }
                    let at = Int(truncatingIfNeeded: v & 0xFFFF_FFFF)
                    guard at < ar.count else { continue }
                    let head = ar[at]
                    let n = Int(head & 0xFFFF), m = Int(head >> 16)
                    guard n == key.count, at + 1 + n + m <= ar.count else { continue }
                    var same = true
                    for i in 0..<n where ar[at + 1 + i] != key[i] { same = false; break }
                    guard same else { continue }
                    // (One append an id: most pieces have one or two, where the generic
                    // append(contentsOf:) costs more than the loop.)
                    for i in (at + 1 + n)..<(at + 1 + n + m) { out.append(Int32(bitPattern: ar[i])) }
                    return true
                }
                return false
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
            slots = [UInt64](repeating: 0, count: PieceCache.minSlots)
            mask = PieceCache.minSlots - 1
            arena = [UInt32](repeating: 0, count: PieceCache.minArena)
            used = 1
            live = 0
        } else if live >= slots.count / 4 && slots.count < PieceCache.maxSlots {
            growSlots()
        }
        let need = 1 + key.count + ids.count
        if used + need > arena.count {
            if arena.count < PieceCache.maxArena {
                arena.append(contentsOf: repeatElement(0, count: min(arena.count, PieceCache.maxArena - arena.count)))
            } else {
                // Full: start over (bounded memory; the next inserts refill it).
                for i in 0..<slots.count { slots[i] = 0 }
                used = 1
                live = 0
            }
        }
        guard used + need <= arena.count, used <= 0xFFFF_FFFF else { return }
        let at = used
        arena.withUnsafeMutableBufferPointer { ar in
            ar[at] = UInt32(key.count) | UInt32(ids.count) << 16
            for i in 0..<key.count { ar[at + 1 + i] = key[i] }
            for i in 0..<ids.count { ar[at + 1 + key.count + i] = UInt32(bitPattern: ids[i]) }
        }
        used += need
        let first = PieceCache.setStart(h, mask)
        let added = slots.withUnsafeMutableBufferPointer { sl in
            PieceCache.pushFront(sl, first, (h & 0xFFFF_FFFF_0000_0000) | UInt64(at))
        }
        live += added
    }

    /// Puts slot value `v` first in the set starting at `first`, moving the others back one (the
    /// last one falls off); returns 1 when the set had a free slot (no entry evicted), else 0.
    @inlinable @inline(__always)
    static func pushFront(_ sl: UnsafeMutableBufferPointer<UInt64>, _ first: Int, _ v: UInt64) -> Int {
        guard first >= 0, first + PieceCache.ways <= sl.count else { return 0 }
        let added = sl[first + PieceCache.ways - 1] == 0 ? 1 : 0
        var j = PieceCache.ways - 1
        while j > 0 { sl[first + j] = sl[first + j - 1]; j -= 1 }
        sl[first] = v
        return added
    }

    /// Doubles the slot table, re-placing every live slot's entry by the hash of its key (read
    /// back from the arena).
    @usableFromInline
    mutating func growSlots() {
        let newCount = slots.count * 2
        var fresh = [UInt64](repeating: 0, count: newCount)
        let newMask = newCount - 1
        var placed = 0
        slots.withUnsafeBufferPointer { sl in
            arena.withUnsafeBufferPointer { ar in
                fresh.withUnsafeMutableBufferPointer { nw in
                    // Oldest way first, so each set's newer entries end up in front again.
                    for way in stride(from: PieceCache.ways - 1, through: 0, by: -1) {
                        var i = way
                        while i < sl.count {
                            let v = sl[i]
                            i += PieceCache.ways
                            guard v != 0 else { continue }
                            let at = Int(truncatingIfNeeded: v & 0xFFFF_FFFF)
                            guard at < ar.count else { continue }
                            let n = Int(ar[at] & 0xFFFF)
                            guard at + 1 + n <= ar.count else { continue }
                            let h = PieceCache.hash(UnsafeBufferPointer(rebasing: ar[(at + 1)..<(at + 1 + n)]))
                            placed += PieceCache.pushFront(nw, PieceCache.setStart(h, newMask), v)
                        }
                    }
                }
            }
        }
        slots = fresh
        mask = newMask
        live = placed
    }
}
