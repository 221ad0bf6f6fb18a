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
/// Immutable after building.
public struct ByteVocab: Sendable {
    /// All token bytes, entry after entry.
    private(set) var arena: [UInt8] = []
    /// Entry -> arena start << 32 | byte length (one load per comparison).
    private(set) var entrySpan: [UInt64] = []
    /// The id of each entry; -1 for an entry shadowed by a later duplicate key (dict vocabs).
    private(set) var entryId: [Int32] = []
    /// Slot -> (high 32 bits of the finished hash) << 32 | (entry index + 1); 0 = empty. The
    /// hash bits skip most byte comparisons; one array keeps a probe to one cache line.
    private var slots: [UInt64] = []
    private var mask: Int = 0
    private var live: Int = 0
    /// The longest key, in bytes.
    public private(set) var maxKeyBytes: Int = 0

    public init() {
        slots = [UInt64](repeating: 0, count: 16)
        mask = 15
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

    // MARK: Building

    /// Adds `key` with `id`. When the key is already present, the new entry replaces it in the
    /// table (last wins, as a Rust `HashMap` built from the same list); the old entry is kept for
    /// `bytes(ofEntry:)` and its index is returned.
    @discardableResult
    public mutating func add(_ key: UnsafeBufferPointer<UInt8>, id: Int32) -> Int? {
        let entry = Int32(entryId.count)
        entrySpan.append(UInt64(arena.count) << 32 | UInt64(key.count))
        entryId.append(id)
        arena.append(contentsOf: key)
        if key.count > maxKeyBytes { maxKeyBytes = key.count }
        if (live + 1) * 2 > slots.count { grow() }
        let h = ByteVocab.finish(ByteVocab.step(ByteVocab.seed, key))
        let tag = h & 0xFFFF_FFFF_0000_0000
        let value = tag | UInt64(entry + 1)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s == 0 {
                slots[i] = value; live += 1
                return nil
            }
            let old = Int(s & 0xFFFF_FFFF) - 1
            if s & 0xFFFF_FFFF_0000_0000 == tag && equals(old, key, ByteVocab.empty, ByteVocab.empty) {
                slots[i] = value
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
        let newCount = slots.count * 2
        var newSlots = [UInt64](repeating: 0, count: newCount)
        let newMask = newCount - 1
        for j in 0..<slots.count where slots[j] != 0 {
            let e = Int(slots[j] & 0xFFFF_FFFF) - 1
            let h = hashOfEntry(e)
            var i = Int(truncatingIfNeeded: h) & newMask
            while newSlots[i] != 0 { i = (i + 1) & newMask }
            newSlots[i] = slots[j]
        }
        slots = newSlots; mask = newMask
    }

    private func hashOfEntry(_ e: Int) -> UInt64 {
        let s = Int(entrySpan[e] >> 32), n = Int(entrySpan[e] & 0xFFFF_FFFF)
        return arena.withUnsafeBufferPointer { a in
            ByteVocab.finish(ByteVocab.step(ByteVocab.seed, UnsafeBufferPointer(rebasing: a[s..<(s + n)])))
        }
    }

    // MARK: Lookup

    @inline(__always)
    private func equals(_ e: Int, _ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>,
                        _ c: UnsafeBufferPointer<UInt8>) -> Bool {
        let span = entrySpan[e]
        let n = Int(span & 0xFFFF_FFFF)
        guard n == a.count + b.count + c.count else { return false }
        let s = Int(span >> 32)
        return arena.withUnsafeBufferPointer { ar -> Bool in
            var p = s
            for x in a { if ar[p] != x { return false }; p += 1 }
            for x in b { if ar[p] != x { return false }; p += 1 }
            for x in c { if ar[p] != x { return false }; p += 1 }
            return true
        }
    }

    /// The entry of the key `a + b + c` whose finished hash is `hash`, or nil.
    @inline(__always)
    public func findEntry(hash: UInt64, _ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>,
                          _ c: UnsafeBufferPointer<UInt8>) -> Int? {
        let tag = hash & 0xFFFF_FFFF_0000_0000
        return slots.withUnsafeBufferPointer { sl -> Int? in
            var i = Int(truncatingIfNeeded: hash) & mask
            while true {
                let s = sl[i]
                if s == 0 { return nil }
                if s & 0xFFFF_FFFF_0000_0000 == tag {
                    let e = Int(s & 0xFFFF_FFFF) - 1
                    if equals(e, a, b, c) { return e }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// The id of the key `a + b + c` whose finished hash is `hash`, or nil.
    @inline(__always)
    public func find(hash: UInt64, _ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>,
                     _ c: UnsafeBufferPointer<UInt8>) -> Int32? {
        guard let e = findEntry(hash: hash, a, b, c) else { return nil }
        return entryId[e]
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

/// id -> entry table built from a `ByteVocab` whose entries carry ids.
struct IdTable: Sendable {
    /// id -> entry index, -1 for an id with no token.
    var entryForId: [Int32] = []

    /// Builds the table; two live entries with the same id are a format error.
    init(_ vocab: ByteVocab, what: String) throws(M2VError) {
        var maxId: Int32 = -1
        for e in 0..<vocab.entryCount where vocab.entryId[e] > maxId { maxId = vocab.entryId[e] }
        entryForId = [Int32](repeating: -1, count: Int(maxId) + 1)
        for e in 0..<vocab.entryCount {
            let id = vocab.entryId[e]
            if id < 0 { continue }
            if entryForId[Int(id)] >= 0 {
                let a = String(decoding: vocab.bytes(ofEntry: Int(entryForId[Int(id)])), as: UTF8.self)
                let b = String(decoding: vocab.bytes(ofEntry: e), as: UTF8.self)
                throw .format("\(what): id \(id) is given to two tokens (\"\(a)\" and \"\(b)\")")
            }
            entryForId[Int(id)] = Int32(e)
        }
    }

    func token(_ vocab: ByteVocab, _ id: Int32) -> [UInt8]? {
        guard id >= 0, Int(id) < entryForId.count else { return nil }
        let e = entryForId[Int(id)]
        return e < 0 ? nil : vocab.bytes(ofEntry: Int(e))
    }
}

/// Reads a `{"token": id, ...}` vocabulary. Duplicate keys: the last wins (serde's `HashMap`);
/// ids must be integers in 0..<2^31 and distinct.
func loadDictVocab(_ json: JSON?, what: String) throws(M2VError) -> (ByteVocab, IdTable) {
    guard let json else { throw .format("\(what): missing key \"vocab\"") }
    guard let members = json.object else { throw .format("\(what): \"vocab\" must be an object of token -> id") }
    var vocab = ByteVocab()
    for m in members {
        guard let id = m.value.int, id >= 0, id <= Int(Int32.max) else {
            throw .format("\(what): vocab id of \"\(m.key)\" must be an integer in 0...\(Int32.max)")
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
        appendUTF8(&bytes, (s >= 0xD800 && s < 0xE000) || s > 0x10FFFF ? 0xFFFD : s)
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
