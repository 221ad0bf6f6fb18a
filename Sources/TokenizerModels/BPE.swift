// BPE (tokenizers/src/models/bpe): per-char initial symbols (with continuing_subword_prefix,
// end_of_word_suffix, byte_fallback, unk_token + fuse_unk), then the rank-ordered merge loop of
// `Word::merge_all` (a min-heap on (rank, position), stale entries skipped exactly as Rust does).
// `dropout` is accepted and ignored (treated as off). As the Rust per-thread cache (word -> ids),
// results of short pieces are memoized per thread (`PieceCache` in the scratch), which changes no
// result. A piece is first cut where no merge can ever join across (see `splitScalar`), so a
// model without a pre-tokenizer (Llama-2: the whole text is one piece) still works on words.
import M2VSupport
import TokenizerCore

/// The BPE model. Immutable; `tokenize` is thread-safe (state lives in the scratch).
public struct BPEModel: TokenizerModel {
    let vocab: ByteVocab
    let ids: IdTable
    /// Merge pair -> (rank, new id), open addressing, two words a slot (one cache line a probe):
    /// the key (left id << 32 | right id; empty = ~0) and rank << 32 | new id.
    let pairSlots: [UInt64]
    let pairMask: Int
    /// Single-scalar tokens: scalar << 32 | id per slot (empty = ~0), open addressing. Used for
    /// the initial symbols when there is no continuing_subword_prefix / end_of_word_suffix.
    let charSlots: [UInt64]
    let charMask: Int
    /// scalar -> id of its single-scalar token (-1: none) for scalars below `directChars`.
    let charDirect: [Int32]
    static let directChars = 0x800
    /// rank -> id of the merged token.
    let mergeNewId: [Int32]
    let unk: Int32?
    let prefix: [UInt8]
    let suffix: [UInt8]
    public let fuseUnk: Bool
    public let byteFallback: Bool
    public let ignoreMerges: Bool
    let fallbackIds: [Int32]
    /// A scalar S such that BPE never merges across a point where S follows another scalar, so
    /// the piece can be tokenized as the runs between such points (each starting with S) one by
    /// one with the same result: S is a single-char token (never unknown or byte fallback), no
    /// token holds another char followed by S (a merge result is a token, and merging across
    /// the point would make one; byte-fallback tokens end in ">", unk must not end in S), and
    /// there is no continuing_subword_prefix / end_of_word_suffix (they depend on the position in
    /// the piece) and no ignore_merges (a whole-piece lookup). U+2581 (SentencePiece's "▁")
    /// when that holds, else nil.
    let splitScalar: UInt32?
    /// The identity of this model's entries in a thread's `PieceCache`.
    let cacheOwner = PieceCacheOwner()

    /// Builds from the tokenizer.json "model" object (type "BPE").
    public init(json: JSON) throws(M2VError) {
        let what = "BPE model"
        (vocab, ids) = try loadDictVocab(json["vocab"], what: what)
        let unkToken = try json.optionalString("unk_token", in: what)
        prefix = Array((try json.optionalString("continuing_subword_prefix", in: what) ?? "").utf8)
        suffix = Array((try json.optionalString("end_of_word_suffix", in: what) ?? "").utf8)
        fuseUnk = try json.optionalBool("fuse_unk", default: false, in: what)
        byteFallback = try json.optionalBool("byte_fallback", default: false, in: what)
        ignoreMerges = try json.optionalBool("ignore_merges", default: false, in: what)
        if let d = json["dropout"], !d.isNull {
            guard let p = d.double, p >= 0, p <= 1 else { throw .format("\(what): \"dropout\" must be a number in [0, 1]") }
        }
        if let unkToken {
            guard let u = vocab.id(unkToken) else {
                throw .format("\(what): unk_token \"\(unkToken)\" is not in the vocabulary")
            }
            unk = u
        } else { unk = nil }
        fallbackIds = byteFallbackIds(vocab)

        // Merges: ["a b", ...] (legacy) or [["a", "b"], ...].
        guard let mergesJSON = json["merges"] else { throw .format("\(what): missing vocab/merges") }
        guard let list = mergesJSON.array else { throw .format("\(what): \"merges\" must be an array") }
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(list.count)
        var legacy: Bool? = nil
        var rank = 0
        for (i, m) in list.enumerated() {
            if let s = m.string {
                guard legacy != false else { throw .format("\(what): merge \(i) mixes the string and pair forms") }
                legacy = true
                if s.utf8.starts(with: "#version".utf8) { continue }
                let parts = s.utf8.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw .format("\(what): merge \(rank + 1) (\"\(s)\") is not two tokens separated by one space") }
                pairs.append((String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self)))
                rank += 1
            } else if let a = m.array {
                guard legacy != true else { throw .format("\(what): merge \(i) mixes the string and pair forms") }
                legacy = false
                guard a.count == 2, let l = a[0].string, let r = a[1].string else {
                    throw .format("\(what): merge \(i) must be a pair of strings")
                }
                pairs.append((l, r))
            } else {
                throw .format("\(what): merge \(i) must be a string \"a b\" or a pair [\"a\", \"b\"]")
            }
        }

        var cap = 16
        while cap < pairs.count * 2 { cap *= 2 }
        var slots = [UInt64](repeating: ~0, count: 2 * cap)
        var newIds = [Int32](repeating: -1, count: pairs.count)
        let mask = cap - 1
        let prefixLen = prefix.count
        var buf: [UInt8] = []
        for (r, (a, b)) in pairs.enumerated() {
            guard let aId = vocab.id(a) else { throw .format("\(what): merge \(r): token \"\(a)\" is not in the vocabulary") }
            guard let bId = vocab.id(b) else { throw .format("\(what): merge \(r): token \"\(b)\" is not in the vocabulary") }
            let bBytes = Array(b.utf8)
            guard bBytes.count >= prefixLen else {
                throw .format("\(what): merge \(r): token \"\(b)\" is shorter than the continuing_subword_prefix")
            }
            buf.removeAll(keepingCapacity: true)
            buf.append(contentsOf: a.utf8)
            buf.append(contentsOf: bBytes[prefixLen...])
            guard let newId = vocab.id(buf) else {
                throw .format("\(what): merge \(r): token \"\(String(decoding: buf, as: UTF8.self))\" is not in the vocabulary")
            }
            newIds[r] = newId
            // Insert or overwrite (a later duplicate pair wins, as collecting into a HashMap).
            let key = UInt64(UInt32(bitPattern: aId)) << 32 | UInt64(UInt32(bitPattern: bId))
            var i = BPEModel.slot(key, mask)
            while slots[2 * i] != ~0 && slots[2 * i] != key { i = (i + 1) & mask }
            slots[2 * i] = key
            slots[2 * i + 1] = UInt64(r) << 32 | UInt64(UInt32(bitPattern: newId))
        }
        pairSlots = slots; pairMask = mask; mergeNewId = newIds
        (charSlots, charMask) = BPEModel.charTable(vocab)
        var direct = [Int32](repeating: -1, count: BPEModel.directChars)
        for e in charSlots where e != ~0 && e >> 32 < UInt64(BPEModel.directChars) {
            direct[Int(e >> 32)] = Int32(truncatingIfNeeded: e)
        }
        charDirect = direct
        splitScalar = BPEModel.findSplitScalar(vocab: vocab, unkToken: unkToken, prefix: prefix,
                                               suffix: suffix, ignoreMerges: ignoreMerges)
    }

    /// See `splitScalar`.
    static func findSplitScalar(vocab: ByteVocab, unkToken: String?, prefix: [UInt8], suffix: [UInt8],
                                ignoreMerges: Bool) -> UInt32? {
        guard prefix.isEmpty, suffix.isEmpty, !ignoreMerges else { return nil }
        let s: UInt32 = 0x2581
        let sBytes: [UInt8] = [0xE2, 0x96, 0x81]
        guard vocab.id(sBytes) != nil else { return nil }
        if let u = unkToken, Array(u.utf8).reversed().starts(with: sBytes.reversed()) { return nil }
        for e in 0..<vocab.entryCount {
            let b = vocab.bytes(ofEntry: e)
            if b.count < 4 { continue }
            var p = 1
            while p + 3 <= b.count {
                if b[p] == 0xE2 && b[p + 1] == 0x96 && b[p + 2] == 0x81 {
                    // Preceded by another char (UTF-8: E2 96 81 is only ever that char).
                    if !(p >= 3 && b[p - 3] == 0xE2 && b[p - 2] == 0x96 && b[p - 1] == 0x81) { return nil }
                }
                p += 1
            }
        }
        return s
    }

    @inline(__always)
    static func slot(_ key: UInt64, _ mask: Int) -> Int {
        var x = key &* 0x9e37_79b9_7f4a_7c15
        x ^= x >> 29
        return Int(truncatingIfNeeded: x) & mask
    }

    /// The single-scalar token table of `vocab` (see `charSlots`).
    static func charTable(_ vocab: ByteVocab) -> ([UInt64], Int) {
        var singles: [(UInt32, Int32)] = []
        for e in 0..<vocab.entryCount {
            let b = vocab.bytes(ofEntry: e)
            guard !b.isEmpty, b.count <= 4, let str = String(validating: b, as: UTF8.self) else { continue }
            let scalars = str.unicodeScalars
            guard scalars.count == 1, let id = vocab.id(b) else { continue }   // the live id of the key
            singles.append((scalars.first!.value, id))
        }
        var cap = 16
        while cap < singles.count * 2 { cap *= 2 }
        var t = [UInt64](repeating: ~0, count: cap)
        for (c, id) in singles {
            var i = BPEModel.slot(UInt64(c), cap - 1)
            while t[i] != ~0 && t[i] >> 32 != UInt64(c) { i = (i + 1) & (cap - 1) }
            t[i] = UInt64(c) << 32 | UInt64(UInt32(bitPattern: id))
        }
        return (t, cap - 1)
    }

    /// The rank << 32 | new id of merging `a` then `b`, or ~0 (slots = `pairSlots`).
    @inline(__always)
    static func pair(_ slots: UnsafePointer<UInt64>, _ mask: Int, _ a: Int32, _ b: Int32) -> UInt64 {
        let key = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        var i = BPEModel.slot(key, mask)
        while true {
            let k = slots[2 * i]
            if k == key { return slots[2 * i + 1] }
            if k == ~0 { return ~0 }
            i = (i + 1) & mask
        }
    }

    public var vocabSize: Int { ids.idBound }
    public var tokenCount: Int { ids.count }
    public var unkId: Int32? { unk }
    public func id(forToken utf8: UnsafeBufferPointer<UInt8>) -> Int32? { vocab.id(utf8) }
    public func token(forId id: Int32) -> [UInt8]? { ids.token(vocab, id) }

    public func tokenize(_ piece: UnsafeBufferPointer<UInt32>, into out: inout [Int32],
                         scratch: inout ModelScratch) {
        let n = piece.count
        if n == 0 { return }
        if let sep = splitScalar, n > 1 {
            var start = 0
            // The last char before i that becomes a symbol: without unk_token, an unknown char
            // (no token, no byte fallback) is dropped and its neighbours merge as if adjacent
            // (HF's merge_word), so "▁", dropped, "▁" is one "▁▁" run.
            var last = piece[0]
            for i in 1..<n {
                let c = piece[i]
                if c == sep && last != sep {
                    tokenizeCached(UnsafeBufferPointer(rebasing: piece[start..<i]), into: &out, scratch: &scratch)
                    start = i
                }
                if unk != nil || c == sep || !isDropped(c) { last = c }
            }
            tokenizeCached(UnsafeBufferPointer(rebasing: piece[start..<n]), into: &out, scratch: &scratch)
        } else {
            tokenizeCached(piece, into: &out, scratch: &scratch)
        }
    }

    /// Whether the char `raw` leaves no symbol at all: no single-char token, no complete byte
    /// fallback, and no unk_token.
    func isDropped(_ raw: UInt32) -> Bool {
        guard unk == nil else { return false }
        let s: UInt32 = (raw >= 0xD800 && raw < 0xE000) || raw > 0x10FFFF ? 0xFFFD : raw
        if s < UInt32(charDirect.count) {
            if charDirect[Int(s)] >= 0 { return false }
        } else {
            var i = BPEModel.slot(UInt64(s), charMask)
            while charSlots[i] != ~0 {
                if charSlots[i] >> 32 == UInt64(s) { return false }
                i = (i + 1) & charMask
            }
        }
        guard byteFallback else { return true }
        var tmp: UInt32 = 0
        return withUnsafeMutableBytes(of: &tmp) { raw -> Bool in
            let q = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            let c = storeUTF8(q, s)
            for x in 0..<c where fallbackIds[Int(q[x])] < 0 { return true }
            return false
        }
    }

    /// `tokenizeWord` through the thread's piece cache.
    @inline(__always)
    func tokenizeCached(_ piece: UnsafeBufferPointer<UInt32>, into out: inout [Int32],
                        scratch: inout ModelScratch) {
        ModelScratch.cached(piece, owner: cacheOwner, into: &out, scratch: &scratch) { p, o, sc in
            tokenizeWord(p, into: &o, scratch: &sc)
        }
    }

    /// The ids of one word (a piece, or a run of one between split points).
    func tokenizeWord(_ piece: UnsafeBufferPointer<UInt32>, into out: inout [Int32],
                      scratch: inout ModelScratch) {
        let n = piece.count
        if n == 0 { return }
        if ignoreMerges {
            _ = encodePiece(piece, &scratch.bytes, &scratch.offsets)
            if let id = scratch.bytes.withUnsafeBufferPointer({ vocab.id($0) }) {
                out.append(id)
                return
            }
        }
        // Initial symbols (ids) in ints.
        var count: Int
        if prefix.isEmpty && suffix.isEmpty {
            // At most 4 byte-fallback symbols a char, and one pending unk.
            let need = 4 * n + 1
            if scratch.ints.count < need { scratch.ints.append(contentsOf: repeatElement(0, count: need - scratch.ints.count)) }
            count = scratch.ints.withUnsafeMutableBufferPointer { initialSymbolsPlain(piece, $0.baseAddress!) }
        } else {
            scratch.ints.removeAll(keepingCapacity: true)
            initialSymbolsAffixed(piece, &scratch)
            count = scratch.ints.count
        }
        if count > 1 {
            if prefix.isEmpty && count <= BPEModel.linearMergeMax {
                if scratch.u64s.count < count { scratch.u64s.append(contentsOf: repeatElement(0, count: count - scratch.u64s.count)) }
                count = scratch.ints.withUnsafeMutableBufferPointer { sym in
                    scratch.u64s.withUnsafeMutableBufferPointer { pv in
                        mergeLinear(sym.baseAddress!, count, pv.baseAddress!)
                    }
                }
            } else {
                mergeAll(count, &scratch)   // merged-away symbols become -1
            }
        }
        scratch.ints.withUnsafeBufferPointer { sym in
            for i in 0..<count where sym[i] >= 0 { out.append(sym[i]) }
        }
    }

    /// Words of at most this many initial symbols merge by rescanning (`mergeLinear`).
    static let linearMergeMax = 48

    /// `Word::merge_all` for a short word without continuing_subword_prefix: repeatedly merge
    /// the current adjacent pair of least rank, the leftmost of equals, rescanning the pairs.
    /// Rust's heap does the same: every current pair has an entry with its own rank, and every
    /// other entry is stale and skipped. (An entry is stale when its pair no longer merges into
    /// its token; without a prefix a merged token is the concatenation of its two symbols, so a
    /// pair that changed - it only ever grows to the right or absorbs its right neighbour -
    /// makes a longer token, never the same.) Returns the new symbol count; symbols compacted.
    @inline(__always)
    func mergeLinear(_ sym: UnsafeMutablePointer<Int32>, _ count: Int, _ pv: UnsafeMutablePointer<UInt64>) -> Int {
        pairSlots.withUnsafeBufferPointer { psB -> Int in
            let ps = psB.baseAddress!, mask = pairMask
            var m = count
            // pv[i]: rank << 32 | new id of merging sym[i], sym[i + 1] (~0: none).
            for i in 0..<(m - 1) { pv[i] = BPEModel.pair(ps, mask, sym[i], sym[i + 1]) }
            while m > 1 {
                var best: UInt64 = ~0
                var b = -1
                var i = 0
                while i < m - 1 {
                    if pv[i] < best { best = pv[i]; b = i }
                    i += 1
                }
                if b < 0 { break }
                sym[b] = Int32(truncatingIfNeeded: best)
                // Remove symbol b + 1 and pair b + 1 (between it and b + 2).
                if b + 2 < m { (sym + b + 1).update(from: sym + b + 2, count: m - b - 2) }
                if b + 2 < m - 1 { (pv + b + 1).update(from: pv + b + 2, count: m - b - 3) }
                m -= 1
                if b + 1 < m { pv[b] = BPEModel.pair(ps, mask, sym[b], sym[b + 1]) }
                if b > 0 { pv[b - 1] = BPEModel.pair(ps, mask, sym[b - 1], sym[b]) }
            }
            return m
        }
    }

    /// Initial symbols without prefix / suffix, written at `syms` (room for 4 a char + 1); returns
    /// their count. A char is its single-scalar token, else its byte-fallback tokens (when all
    /// exist), else unk (a pending unk is flushed before the next known char only, as
    /// `BPE::merge_word` does; fuse_unk keeps one for a run).
    private func initialSymbolsPlain(_ piece: UnsafeBufferPointer<UInt32>, _ syms: UnsafeMutablePointer<Int32>) -> Int {
        var k = 0
        var pending = false
        let unkId = unk ?? -1
        charSlots.withUnsafeBufferPointer { cs in
            charDirect.withUnsafeBufferPointer { direct in
            fallbackIds.withUnsafeBufferPointer { fb in
                let mask = charMask
                for raw in piece {
                    var id: Int32 = -1
                    // Not a scalar value (surrogate or > U+10FFFF): U+FFFD, as `encodePiece`.
                    let s: UInt32 = (raw >= 0xD800 && raw < 0xE000) || raw > 0x10FFFF ? 0xFFFD : raw
                    if s < UInt32(direct.count) {
                        id = direct[Int(s)]
                    } else {
                        var i = BPEModel.slot(UInt64(s), mask)
                        while true {
                            let e = cs[i]
                            if e == ~0 { break }
                            if e >> 32 == UInt64(s) { id = Int32(truncatingIfNeeded: e); break }
                            i = (i + 1) & mask
                        }
                    }
                    if id >= 0 {
                        if pending { syms[k] = unkId; k += 1; pending = false }
                        syms[k] = id; k += 1
                        continue
                    }
                    if byteFallback {
                        var tmp: UInt32 = 0
                        let c = withUnsafeMutableBytes(of: &tmp) { raw -> Int in
                            let q = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                            let c = storeUTF8(q, s)
                            for x in 0..<c where fb[Int(q[x])] < 0 { return 0 }
                            for x in 0..<c { syms[k + x] = fb[Int(q[x])] }
                            return c
                        }
                        if c > 0 { k += c; continue }
                    }
                    if unkId >= 0 {
                        if pending {
                            if !fuseUnk { syms[k] = unkId; k += 1 }
                        } else {
                            pending = true
                        }
                    }
                }
            }
            }
        }
        if pending { syms[k] = unkId; k += 1 }
        return k
    }

    /// Appends the symbol of an unknown char (or extends the run of one, fuse_unk) to `syms`.
    @inline(__always)
    private func pushUnk(_ pending: inout Bool, _ syms: inout [Int32]) {
        guard let unk else { return }
        if pending {
            if !fuseUnk { syms.append(unk) }
        } else {
            pending = true
        }
    }

    /// Initial symbols with continuing_subword_prefix (on every char but the first) and
    /// end_of_word_suffix (on the last).
    private func initialSymbolsAffixed(_ piece: UnsafeBufferPointer<UInt32>, _ scratch: inout ModelScratch) {
        let n = piece.count
        _ = encodePiece(piece, &scratch.bytes, &scratch.offsets)
        var syms: [Int32] = []
        swap(&syms, &scratch.ints)
        defer { swap(&syms, &scratch.ints) }
        var pending = false
        scratch.bytes.withUnsafeBufferPointer { bytes in
            scratch.offsets.withUnsafeBufferPointer { off in
                prefix.withUnsafeBufferPointer { pre in
                    suffix.withUnsafeBufferPointer { suf in
                        for i in 0..<n {
                            let s = Int(off[i]), e = Int(off[i + 1])
                            let ch = UnsafeBufferPointer(rebasing: bytes[s..<e])
                            let a = i > 0 ? pre : ByteVocab.empty
                            let c = i == n - 1 ? suf : ByteVocab.empty
                            if let id = vocab.id(a, ch, c) {
                                if pending, let unk { syms.append(unk); pending = false }
                                syms.append(id)
                                continue
                            }
                            if byteFallback {
                                var all = true
                                for x in a where fallbackIds[Int(x)] < 0 { all = false }
                                for x in ch where fallbackIds[Int(x)] < 0 { all = false }
                                for x in c where fallbackIds[Int(x)] < 0 { all = false }
                                if all {
                                    for x in a { syms.append(fallbackIds[Int(x)]) }
                                    for x in ch { syms.append(fallbackIds[Int(x)]) }
                                    for x in c { syms.append(fallbackIds[Int(x)]) }
                                    continue
                                }
                            }
                            pushUnk(&pending, &syms)
                        }
                    }
                }
            }
        }
        if pending, let unk { syms.append(unk) }
    }

    /// `Word::merge_all` without dropout, over raw buffers: symbols are ints (id, -1 = merged
    /// away), ints3 (prev), ints4 (next); a binary min-heap of rank << 32 | position in u64s.
    /// Rust's BinaryHeap pops the least (rank, position) first; so does this heap (equal keys
    /// are equal entries, so the pop order does not depend on how the heap was built). Stale
    /// entries are skipped exactly as Rust does: a removed symbol, no right neighbour, or a pair
    /// at the position that no longer merges into the entry's token.
    func mergeAll(_ count: Int, _ scratch: inout ModelScratch) {
        // At most count - 1 initial entries and two more per merge (at most count - 1 merges).
        let heapCap = 3 * count
        if scratch.ints3.count < count { scratch.ints3.append(contentsOf: repeatElement(0, count: count - scratch.ints3.count)) }
        if scratch.ints4.count < count { scratch.ints4.append(contentsOf: repeatElement(0, count: count - scratch.ints4.count)) }
        if scratch.u64s.count < heapCap { scratch.u64s.append(contentsOf: repeatElement(0, count: heapCap - scratch.u64s.count)) }
        let mask = pairMask
        scratch.ints.withUnsafeMutableBufferPointer { symB in
        scratch.ints3.withUnsafeMutableBufferPointer { prevB in
        scratch.ints4.withUnsafeMutableBufferPointer { nextB in
        scratch.u64s.withUnsafeMutableBufferPointer { heapB in
        pairSlots.withUnsafeBufferPointer { psB in
        mergeNewId.withUnsafeBufferPointer { nid in
            let sym = symB.baseAddress!, prev = prevB.baseAddress!, next = nextB.baseAddress!
            let heap = heapB.baseAddress!, ps = psB.baseAddress!
            for i in 0..<count {
                prev[i] = Int32(i - 1)
                next[i] = i + 1 < count ? Int32(i + 1) : -1
            }
            var hn = 0
            for i in 0..<(count - 1) {
                let v = BPEModel.pair(ps, mask, sym[i], sym[i + 1])
                if v != ~0 { heap[hn] = (v >> 32) << 32 | UInt64(i); hn += 1 }
            }
            if hn > 1 {
                var k = hn / 2 - 1
                while k >= 0 { BPEModel.siftDown(heap, hn, k); k -= 1 }
            }
            while hn > 0 {
                let top = heap[0]
                hn -= 1
                if hn > 0 {
                    heap[0] = heap[hn]
                    BPEModel.siftDown(heap, hn, 0)
                }
                let pos = Int(top & 0xFFFF_FFFF)
                if sym[pos] < 0 { continue }
                let np32 = next[pos]
                if np32 < 0 { continue }
                let np = Int(np32)
                let newId = nid[Int(top >> 32)]
                let cur = BPEModel.pair(ps, mask, sym[pos], sym[np])
                if cur == ~0 || Int32(truncatingIfNeeded: cur) != newId { continue }
                // Merge right into left.
                let rightNext = next[np]
                sym[pos] = newId
                next[pos] = rightNext
                sym[np] = -1
                if rightNext >= 0 { prev[Int(rightNext)] = Int32(pos) }
                let pv = prev[pos]
                if pv >= 0 {
                    let v = BPEModel.pair(ps, mask, sym[Int(pv)], newId)
                    if v != ~0 { BPEModel.push(heap, &hn, (v >> 32) << 32 | UInt64(pv)) }
                }
                if rightNext >= 0 {
                    let v = BPEModel.pair(ps, mask, newId, sym[Int(rightNext)])
                    if v != ~0 { BPEModel.push(heap, &hn, (v >> 32) << 32 | UInt64(pos)) }
                }
            }
        }
        }
        }
        }
        }
        }
    }

    @inline(__always)
    static func siftDown(_ h: UnsafeMutablePointer<UInt64>, _ n: Int, _ start: Int) {
        var i = start
        let v = h[i]
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var c = l
            if l + 1 < n && h[l + 1] < h[l] { c = l + 1 }
            if h[c] >= v { break }
            h[i] = h[c]
            i = c
        }
        h[i] = v
    }

    @inline(__always)
    static func push(_ h: UnsafeMutablePointer<UInt64>, _ n: inout Int, _ v: UInt64) {
        var i = n
        n += 1
        while i > 0 {
            let p = (i - 1) >> 1
            if h[p] <= v { break }
            h[i] = h[p]
            i = p
        }
        h[i] = v
    }
}
