// TokenizerModels — owns the tokenization models of tokenizer.json ("model"): WordPiece, BPE,
// Unigram and WordLevel, conforming to the Rust `tokenizers` crate, and `makeModel(_:)`, the
// factory the tokenizer loader calls. Vocabularies are keyed by UTF-8 bytes (`ByteVocab`), never
// by `String`.
import M2VSupport
import TokenizerCore

/// A vocabulary keyed by UTF-8 bytes: one byte arena, one entry per token (arena range + id) and
/// an open-addressing hash table (FNV-1a 64, finalized with a mixer) from bytes to entry.
/// Lookups take byte slices (or the concatenation of up to three slices, for WordPiece's
/// "##" + piece or BPE's prefix + char + suffix) and never allocate. Hashing streams byte by byte,
/// so callers can extend a running hash and look up every prefix of a piece in one pass.
///
/// Each slot is 16 bytes (two words, never straddling a cache line) holding the hash tag, the
/// key length, the id and either the key itself (keys of at most 8 bytes, most tokens) or its
/// arena offset, so a lookup of a short key touches one cache line and a long key two. A small
/// Bloom filter (one 64-bit word per key, two bits) lets callers that probe many absent keys
/// (WordPiece's longest-first search) skip most of them without touching the table.
/// Immutable after building.
public struct ByteVocab: Sendable {
    /// All token bytes, entry after entry.
    private(set) var arena: [UInt8] = []
    /// Entry -> arena start << 32 | byte length.
    private(set) var entrySpan: [UInt64] = []
    /// The id of each entry; -1 for an entry shadowed by a later duplicate key (dict vocabs).
    private(set) var entryId: [Int32] = []
    /// Two words per slot. Word 0: hash tag (top 24 bits) | length field (8 bits: 0 = empty slot,
    /// else min(length, 254) + 1) | id (low 32 bits, two's complement). Word 1: the key bytes
    /// (little-endian, zero-padded) when it has at most 8, else its arena start.
    private var slots: [UInt64] = []
    /// Slot -> entry index (only `findEntry` and rehashing need it).
    private var slotEntry: [Int32] = []
    private var mask: Int = 0
    private var live: Int = 0
    /// Bloom filter over the finished hashes of all keys (see `mayContain`).
    private var filter: [UInt64] = []
    private var filterShift: UInt64 = 0
    /// The longest key, in bytes.
    public private(set) var maxKeyBytes: Int = 0

    static let tagMask: UInt64 = 0xFFFF_FF00_0000_0000
    static let tagLenMask: UInt64 = 0xFFFF_FFFF_0000_0000

    public init() {
        slots = [UInt64](repeating: 0, count: 32)
        slotEntry = [Int32](repeating: -1, count: 16)
        mask = 15
        rebuildFilter()
    }

    /// An empty vocabulary sized for `keys` keys (no rehashing while adding that many).
    public init(capacity keys: Int) {
        var n = 16
        while n < 2 * keys { n *= 2 }
        slots = [UInt64](repeating: 0, count: 2 * n)
        slotEntry = [Int32](repeating: -1, count: n)
        mask = n - 1
        rebuildFilter()
    }

    /// Number of entries (including shadowed ones).
    public var entryCount: Int { entryId.count }

    // MARK: Hashing

    public static let seed: UInt64 = 0xcbf2_9ce4_8422_2325
    @inline(__always)
    public static func step(_ h: UInt64, _ b: UInt8) -> UInt64 { (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
    @inline(__always)
    public static func step(_ h: UInt64, _ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var x = h
        for b in bytes { x = (x ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return x
    }
    @inline(__always)
    public static func finish(_ h: UInt64) -> UInt64 {
        var x = h
        x ^= x >> 32
        x &*= 0xd6e8_feb8_6659_fd93
        x ^= x >> 32
        return x
    }

    /// The slot's word 0 bits a key of `count` bytes with finished hash `hash` must match.
    @inline(__always)
    static func tagLen(_ hash: UInt64, _ count: Int) -> UInt64 {
        (hash & tagMask) | UInt64(min(count, 254) + 1) << 32
    }

    /// The bytes of `a + b + c` packed little-endian into a word (only meaningful for <= 8).
    @inline(__always)
    static func pack(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>,
                     _ c: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var w: UInt64 = 0
        var shift: UInt64 = 0
        for x in a { w |= UInt64(x) << shift; shift &+= 8 }
        for x in b { w |= UInt64(x) << shift; shift &+= 8 }
        for x in c { w |= UInt64(x) << shift; shift &+= 8 }
        return w
    }

    // MARK: Building

    /// Adds `key` with `id`. When the key is already present, the new entry replaces it in the
    /// table (last wins, as a Rust `HashMap` built from the same list); the old entry is kept for
    /// `bytes(ofEntry:)` and its index is returned.
    @discardableResult
    public mutating func add(_ key: UnsafeBufferPointer<UInt8>, id: Int32) -> Int? {
        let entry = Int32(entryId.count)
        let start = arena.count
        entrySpan.append(UInt64(start) << 32 | UInt64(key.count))
        entryId.append(id)
        arena.append(contentsOf: key)
        if key.count > maxKeyBytes { maxKeyBytes = key.count }
        if (live + 1) * 2 > slotEntry.count { grow() }
        let h = ByteVocab.finish(ByteVocab.step(ByteVocab.seed, key))
        let w0 = ByteVocab.tagLen(h, key.count) | UInt64(UInt32(bitPattern: id))
        let w1 = key.count <= 8 ? ByteVocab.pack(key, ByteVocab.empty, ByteVocab.empty) : UInt64(start)
        let packed = w1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[2 * i]
            if s == 0 {
                slots[2 * i] = w0; slots[2 * i + 1] = w1; slotEntry[i] = entry
                live += 1
                addToFilter(h)
                return nil
            }
            if s & ByteVocab.tagLenMask == w0 & ByteVocab.tagLenMask
                && slotMatches(i, key.count, packed, key, ByteVocab.empty, ByteVocab.empty) {
                let old = Int(slotEntry[i])
                slots[2 * i] = w0; slots[2 * i + 1] = w1; slotEntry[i] = entry
                return old
            }
            i = (i + 1) & mask
        }
    }

    public mutating func add(_ key: String, id: Int32) -> Int? {
        var k = key
        return k.withUTF8 { buf in add(buf, id: id) }
    }

    /// Marks an entry as shadowed (its id no longer belongs to any key).
    mutating func shadow(_ entry: Int) { entryId[entry] = -1 }

    /// After `addPrefixes()`: entry -> some longer key starts with this entry's bytes.
    private(set) var entryExtends: [Bool] = []

    /// Adds every proper prefix (at UTF-8 char boundaries) of every key as an entry with id -1
    /// (when not a key itself) and records in `entryExtends` which entries are proper prefixes
    /// of a longer key, so that a scan over growing prefixes can stop at the first miss or at
    /// an entry that extends nothing, as a trie walk does.
    mutating func addPrefixes() {
        let n = entryCount
        entryExtends = [Bool](repeating: false, count: n)
        var key: [UInt8] = []
        for e in 0..<n {
            let span = entrySpan[e]
            let s = Int(span >> 32), len = Int(span & 0xFFFF_FFFF)
            key.removeAll(keepingCapacity: true)
            key.append(contentsOf: arena[s..<(s + len)])
            var cut = 1
            while cut < len {
                if key[cut] & 0xC0 != 0x80 {   // a char boundary
                    let found: Int? = key.withUnsafeBufferPointer { kb in
                        let p = UnsafeBufferPointer(rebasing: kb[0..<cut])
                        return findEntry(hash: ByteVocab.finish(ByteVocab.step(ByteVocab.seed, p)), p, ByteVocab.empty, ByteVocab.empty)
                    }
                    if let f = found {
                        entryExtends[f] = true
                    } else {
                        key.withUnsafeBufferPointer { kb in _ = add(UnsafeBufferPointer(rebasing: kb[0..<cut]), id: -1) }
                        entryExtends.append(true)
                    }
                }
                cut += 1
            }
        }
    }

    private mutating func grow() {
        let newCount = slotEntry.count * 2
        var newSlots = [UInt64](repeating: 0, count: 2 * newCount)
        var newEntry = [Int32](repeating: -1, count: newCount)
        let newMask = newCount - 1
        for j in 0..<slotEntry.count where slots[2 * j] != 0 {
            let h = hashOfEntry(Int(slotEntry[j]))
            var i = Int(truncatingIfNeeded: h) & newMask
            while newSlots[2 * i] != 0 { i = (i + 1) & newMask }
            newSlots[2 * i] = slots[2 * j]; newSlots[2 * i + 1] = slots[2 * j + 1]
            newEntry[i] = slotEntry[j]
        }
        slots = newSlots; slotEntry = newEntry; mask = newMask
        rebuildFilter()
    }

    private func hashOfEntry(_ e: Int) -> UInt64 {
        let s = Int(entrySpan[e] >> 32), n = Int(entrySpan[e] & 0xFFFF_FFFF)
        return arena.withUnsafeBufferPointer { a in
            ByteVocab.finish(ByteVocab.step(ByteVocab.seed, UnsafeBufferPointer(rebasing: a[s..<(s + n)])))
        }
    }

    // MARK: Bloom filter

    /// One filter word per 8 slots (16-32 bits per key): about 1-4 % false positives.
    private mutating func rebuildFilter() {
        let words = max(2, slotEntry.count / 8)
        filter = [UInt64](repeating: 0, count: words)
        filterShift = UInt64(64 - words.trailingZeroBitCount)   // words is a power of two
        for j in 0..<slotEntry.count where slots[2 * j] != 0 { addToFilter(hashOfEntry(Int(slotEntry[j]))) }
    }

    /// The filter word index and its two bits for a finished hash (bits independent of the
    /// slot index, which uses the low bits).
    @inline(__always)
    private func filterPosition(_ hash: UInt64) -> (Int, UInt64) {
        let g = (hash ^ (hash >> 29)) &* 0x9E37_79B9_7F4A_7C15
        let word = Int(truncatingIfNeeded: g >> filterShift)
        let bits = (1 as UInt64) << ((g >> 20) & 63) | (1 as UInt64) << ((g >> 26) & 63)
        return (word, bits)
    }

    private mutating func addToFilter(_ hash: UInt64) {
        let (w, bits) = filterPosition(hash)
        filter[w] |= bits
    }

    /// False when no key has this finished hash (so `find` would fail); true when one may.
    @inline(__always)
    public func mayContain(hash: UInt64) -> Bool {
        let (w, bits) = filterPosition(hash)
        return filter.withUnsafeBufferPointer { f in f[w] & bits == bits }
    }

    // MARK: Lookup

    /// Whether slot `i` (whose tag and length field match) holds the key `a + b + c` of `count`
    /// bytes; `packed` is `pack(a, b, c)` when count <= 8.
    @inline(__always)
    private func slotMatches(_ i: Int, _ count: Int, _ packed: UInt64, _ a: UnsafeBufferPointer<UInt8>,
                             _ b: UnsafeBufferPointer<UInt8>, _ c: UnsafeBufferPointer<UInt8>) -> Bool {
        let w1 = slots.withUnsafeBufferPointer { $0[2 * i + 1] }
        if count <= 8 { return w1 == packed }
        if count >= 254 {   // the length field saturates: check the real length
            let e = Int(slotEntry[i])
            guard Int(entrySpan[e] & 0xFFFF_FFFF) == count else { return false }
        }
        let s = Int(w1)
        return arena.withUnsafeBufferPointer { ar -> Bool in
            guard s + count <= ar.count else { return false }
            var p = s
            for x in a { if ar[p] != x { return false }; p += 1 }
            for x in b { if ar[p] != x { return false }; p += 1 }
            for x in c { if ar[p] != x { return false }; p += 1 }
            return true
        }
    }

    /// The slot of the key `a + b + c` whose finished hash is `hash`, or nil.
    @inline(__always)
    private func findSlot(hash: UInt64, _ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>,
                          _ c: UnsafeBufferPointer<UInt8>) -> Int? {
        let count = a.count + b.count + c.count
        let want = ByteVocab.tagLen(hash, count)
        let packed = count <= 8 ? ByteVocab.pack(a, b, c) : 0
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let s = slots.withUnsafeBufferPointer { $0[2 * i] }
            if s == 0 { return nil }
            if s & ByteVocab.tagLenMask == want && slotMatches(i, count, packed, a, b, c) { return i }
            i = (i + 1) & mask
        }
    }

    /// The entry of the key `a + b + c` whose finished hash is `hash`, or nil.
    @inline(__always)
    public func findEntry(hash: UInt64, _ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>,
                          _ c: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let i = findSlot(hash: hash, a, b, c) else { return nil }
        return Int(slotEntry[i])
    }

    /// The id of the key `a + b + c` whose finished hash is `hash`, or nil.
    @inline(__always)
    public func find(hash: UInt64, _ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>,
                     _ c: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard let i = findSlot(hash: hash, a, b, c) else { return nil }
        return Int32(truncatingIfNeeded: slots[2 * i])
    }

    /// The id of the `count` bytes at `key`, whose finished hash is `hash`, or nil. The caller
    /// guarantees that 8 bytes from `key` are readable even when `count` < 8 (the bytes past the
    /// key are ignored): short keys are compared with one load.
    @inline(__always)
    func find(hash: UInt64, padded key: UnsafePointer<UInt8>, count: Int) -> Int32? {
        let want = ByteVocab.tagLen(hash, count)
        let packed: UInt64
        if count <= 8 {
            let word = UnsafeRawPointer(key).loadUnaligned(as: UInt64.self)
            packed = count == 8 ? word : word & ((1 as UInt64) << UInt64(8 * count) &- 1)
        } else {
            packed = 0
        }
        return slots.withUnsafeBufferPointer { sl -> Int32? in
            var i = Int(truncatingIfNeeded: hash) & mask
            while true {
                let s = sl[2 * i]
                if s == 0 { return nil }
                if s & ByteVocab.tagLenMask == want {
                    if count <= 8 {
                        if sl[2 * i + 1] == packed { return Int32(truncatingIfNeeded: s) }
                    } else if slotMatches(i, count, 0, UnsafeBufferPointer(start: key, count: count),
                                          ByteVocab.empty, ByteVocab.empty) {
                        return Int32(truncatingIfNeeded: s)
                    }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// Starts loading the slot where a key with finished hash `hash` would be (a hint).
    @inline(__always)
    func prefetch(hash: UInt64) {
        slots.withUnsafeBufferPointer { sl in
            guard let base = sl.baseAddress else { return }
            prefetchRead(UnsafeRawPointer(base + 2 * (Int(truncatingIfNeeded: hash) & mask)))
        }
    }

    /// The id of the key `a + b + c` (any part may be empty).
    @inline(__always)
    public func id(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8> = ByteVocab.empty,
                   _ c: UnsafeBufferPointer<UInt8> = ByteVocab.empty) -> Int32? {
        var h = ByteVocab.step(ByteVocab.seed, a)
        h = ByteVocab.step(h, b)
        h = ByteVocab.step(h, c)
        return find(hash: ByteVocab.finish(h), a, b, c)
    }

    public func id(_ key: String) -> Int32? {
        var k = key
        return k.withUTF8 { buf in id(buf) }
    }

    public func id(_ key: [UInt8]) -> Int32? {
        key.withUnsafeBufferPointer { buf in id(buf) }
    }

    /// The bytes of entry `e`.
    public func bytes(ofEntry e: Int) -> [UInt8] {
        let s = Int(entrySpan[e] >> 32), n = Int(entrySpan[e] & 0xFFFF_FFFF)
        return Array(arena[s..<(s + n)])
    }

    @inline(__always)
    public static var empty: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: nil, count: 0) }
}

// MARK: - Shared helpers of the models

/// id -> entry table built from a `ByteVocab` whose entries carry ids: a dense array when the
/// ids are dense enough, else a hash map (HF accepts `{"[UNK]": 0, "a": 2147483647}`; its memory
/// must follow the number of tokens, not the largest id: `Limits.denseIdSlotsPerToken`).
struct IdTable: Sendable {
    /// id -> entry index, -1 for an id with no token (dense form; empty when sparse).
    private var dense: [Int32] = []
    /// id -> entry index (sparse form).
    private var sparse: [Int32: Int32] = [:]
    /// One more than the largest id (0 for an empty vocabulary): every id is below it.
    let idBound: Int
    /// Number of tokens (live entries).
    let count: Int

    /// Builds the table; two live entries with the same id are a format error.
    init(_ vocab: ByteVocab, what: String) throws(M2VError) {
        var maxId: Int32 = -1
        var live = 0
        for e in 0..<vocab.entryCount where vocab.entryId[e] >= 0 {
            live += 1
            if vocab.entryId[e] > maxId { maxId = vocab.entryId[e] }
        }
        idBound = Int(maxId) + 1
        count = live
        let useDense = idBound <= live * Limits.denseIdSlotsPerToken + Limits.denseIdSlack
        if useDense { dense = [Int32](repeating: -1, count: idBound) }
        for e in 0..<vocab.entryCount {
            let id = vocab.entryId[e]
            if id < 0 { continue }
            let previous = useDense ? dense[Int(id)] : (sparse[id] ?? -1)
            if previous >= 0 {
                let a = String(decoding: vocab.bytes(ofEntry: Int(previous)), as: UTF8.self)
                let b = String(decoding: vocab.bytes(ofEntry: e), as: UTF8.self)
                throw .format("\(what): id \(id) is given to two tokens (\"\(a)\" and \"\(b)\")")
            }
            if useDense { dense[Int(id)] = Int32(e) } else { sparse[id] = Int32(e) }
        }
    }

    /// The entry of `id`, or nil.
    func entry(_ id: Int32) -> Int? {
        guard id >= 0, Int(id) < idBound else { return nil }
        let e = dense.isEmpty ? (sparse[id] ?? -1) : dense[Int(id)]
        return e < 0 ? nil : Int(e)
    }

    func token(_ vocab: ByteVocab, _ id: Int32) -> [UInt8]? {
        entry(id).map { vocab.bytes(ofEntry: $0) }
    }
}

/// Reads a `{"token": id, ...}` vocabulary. Duplicate keys: the last wins (serde's `HashMap`);
/// ids must be integers in 0..<2^31 and distinct.
func loadDictVocab(_ json: JSON?, what: String) throws(M2VError) -> (ByteVocab, IdTable) {
    guard let json else { throw .format("\(what): missing key \"vocab\"") }
    guard let members = json.object else { throw .format("\(what): \"vocab\" must be an object of token -> id") }
    var vocab = ByteVocab()
    for m in members {
        guard let id = m.value.int, id >= 0, id <= Limits.maxTokenId else {
            throw .format("\(what): vocab id of \"\(m.key)\" must be an integer in 0...\(Limits.maxTokenId)")
        }
        if let old = vocab.add(m.key, id: Int32(id)) { vocab.shadow(old) }
    }
    let table = try IdTable(vocab, what: what)
    return (vocab, table)
}

/// Encodes `piece` as UTF-8 into `bytes` and records the byte offset of every scalar (and the
/// end) into `offsets` (count + 1 values). Returns true when the piece is all ASCII.
@inline(__always)
func encodePiece(_ piece: UnsafeBufferPointer<UInt32>, _ bytes: inout [UInt8], _ offsets: inout [Int32]) -> Bool {
    bytes.removeAll(keepingCapacity: true)
    offsets.removeAll(keepingCapacity: true)
    var ascii = true
    for s in piece {
        offsets.append(Int32(bytes.count))
        if s < 0x80 { bytes.append(UInt8(s)); continue }
        ascii = false
        // Not a scalar value (surrogate or > U+10FFFF): never trap, encode U+FFFD instead.
        appendUTF8(&bytes, s)
    }
    offsets.append(Int32(bytes.count))
    return ascii
}

/// The ids of the byte-fallback tokens "<0x00>" ... "<0xFF>" (-1 when absent).
func byteFallbackIds(_ vocab: ByteVocab) -> [Int32] {
    let hex = Array("0123456789ABCDEF".utf8)
    var out = [Int32](repeating: -1, count: 256)
    for b in 0..<256 {
        let key: [UInt8] = [UInt8(ascii: "<"), UInt8(ascii: "0"), UInt8(ascii: "x"), hex[b >> 4], hex[b & 15], UInt8(ascii: ">")]
        if let id = vocab.id(key) { out[b] = id }
    }
    return out
}
