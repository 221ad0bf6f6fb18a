// BPE (tokenizers/src/models/bpe): per-char initial symbols (with continuing_subword_prefix,
// end_of_word_suffix, byte_fallback, unk_token + fuse_unk), then the rank-ordered merge loop of
// `Word::merge_all` (a min-heap on (rank, position), stale entries skipped exactly as Rust does).
// `dropout` is accepted and ignored (treated as off); the Rust per-thread cache changes no result
// and is not reproduced.
import M2VSupport
import TokenizerCore

/// The BPE model. Immutable; `tokenize` is thread-safe (state lives in the scratch).
public struct BPEModel: TokenizerModel {
    let vocab: ByteVocab
    let ids: IdTable
    /// Merge pair (left id << 32 | right id) -> rank, open addressing; empty keys are ~0.
    let pairKeys: [UInt64]
    let pairRanks: [Int32]
    let pairMask: Int
    /// rank -> id of the merged token.
    let mergeNewId: [Int32]
    let unk: Int32?
    let prefix: [UInt8]
    let suffix: [UInt8]
    public let fuseUnk: Bool
    public let byteFallback: Bool
    public let ignoreMerges: Bool
    let fallbackIds: [Int32]

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
        var keys = [UInt64](repeating: ~0, count: cap)
        var ranks = [Int32](repeating: -1, count: cap)
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
            while keys[i] != ~0 && keys[i] != key { i = (i + 1) & mask }
            keys[i] = key
            ranks[i] = Int32(r)
        }
        pairKeys = keys; pairRanks = ranks; pairMask = mask; mergeNewId = newIds
    }

    @inline(__always)
    static func slot(_ key: UInt64, _ mask: Int) -> Int {
        var x = key &* 0x9e37_79b9_7f4a_7c15
        x ^= x >> 29
        return Int(truncatingIfNeeded: x) & mask
    }

    /// The rank of merging `a` then `b`, or -1.
    @inline(__always)
    func rank(_ a: Int32, _ b: Int32) -> Int32 {
        let key = UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        var i = BPEModel.slot(key, pairMask)
        while true {
            let k = pairKeys[i]
            if k == key { return pairRanks[i] }
            if k == ~0 { return -1 }
            i = (i + 1) & pairMask
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
        _ = encodePiece(piece, &scratch.bytes, &scratch.offsets)
        if ignoreMerges, let id = scratch.bytes.withUnsafeBufferPointer({ vocab.id($0) }) {
            out.append(id)
            return
        }
        // Initial symbols: ids in ints, byte lengths in ints2 (0 marks a merged-away symbol).
        scratch.ints.removeAll(keepingCapacity: true)
        scratch.ints2.removeAll(keepingCapacity: true)
        scratch.bytes.withUnsafeBufferPointer { bytes in
            scratch.offsets.withUnsafeBufferPointer { off in
                prefix.withUnsafeBufferPointer { pre in
                    suffix.withUnsafeBufferPointer { suf in
                        var pendingUnk: Int32 = -1
                        var pendingLen: Int32 = 0
                        for i in 0..<n {
                            let s = Int(off[i]), e = Int(off[i + 1])
                            let ch = UnsafeBufferPointer(rebasing: bytes[s..<e])
                            let a = i > 0 ? pre : ByteVocab.empty
                            let c = i == n - 1 ? suf : ByteVocab.empty
                            let byteLen = Int32(e - s)
                            if let id = vocab.id(a, ch, c) {
                                if pendingUnk >= 0 {
                                    scratch.ints.append(pendingUnk); scratch.ints2.append(pendingLen)
                                    pendingUnk = -1
                                }
                                scratch.ints.append(id); scratch.ints2.append(byteLen)
                                continue
                            }
                            if byteFallback {
                                var all = true
                                for x in a where fallbackIds[Int(x)] < 0 { all = false }
                                for x in ch where fallbackIds[Int(x)] < 0 { all = false }
                                for x in c where fallbackIds[Int(x)] < 0 { all = false }
                                if all {
                                    for x in a { scratch.ints.append(fallbackIds[Int(x)]); scratch.ints2.append(1) }
                                    for x in ch { scratch.ints.append(fallbackIds[Int(x)]); scratch.ints2.append(1) }
                                    for x in c { scratch.ints.append(fallbackIds[Int(x)]); scratch.ints2.append(1) }
                                    continue
                                }
                            }
                            if let unk {
                                if pendingUnk >= 0 {
                                    if fuseUnk {
                                        pendingLen += byteLen
                                    } else {
                                        scratch.ints.append(pendingUnk); scratch.ints2.append(pendingLen)
                                        pendingUnk = unk; pendingLen = byteLen
                                    }
                                } else {
                                    pendingUnk = unk; pendingLen = byteLen
                                }
                            }
                        }
                        if pendingUnk >= 0 { scratch.ints.append(pendingUnk); scratch.ints2.append(pendingLen) }
                    }
                }
            }
        }
        let count = scratch.ints.count
        if count > 1 { mergeAll(count, &scratch) }
        for i in 0..<count where scratch.ints2[i] != 0 { out.append(scratch.ints[i]) }
    }

    /// `Word::merge_all` without dropout: symbols are ints (id), ints2 (length, 0 = removed),
    /// ints3 (prev), ints4 (next); the heap holds rank << 32 | position in u64s.
    func mergeAll(_ count: Int, _ scratch: inout ModelScratch) {
        scratch.ints3.removeAll(keepingCapacity: true)
        scratch.ints4.removeAll(keepingCapacity: true)
        for i in 0..<count {
            scratch.ints3.append(Int32(i - 1))
            scratch.ints4.append(i + 1 < count ? Int32(i + 1) : -1)
        }
        scratch.u64s.removeAll(keepingCapacity: true)
        var heap = MinHeap(storage: [])
        swap(&heap.storage, &scratch.u64s)   // reuse the buffer without a copy
        defer { swap(&heap.storage, &scratch.u64s) }
        for i in 0..<(count - 1) {
            let r = rank(scratch.ints[i], scratch.ints[i + 1])
            if r >= 0 { heap.push(UInt64(r) << 32 | UInt64(i)) }
        }
        while let top = heap.pop() {
            let r = Int32(truncatingIfNeeded: top >> 32)
            let pos = Int(top & 0xFFFF_FFFF)
            if scratch.ints2[pos] == 0 { continue }
            let nextPos = scratch.ints4[pos]
            if nextPos == -1 { continue }
            let np = Int(nextPos)
            let newId = mergeNewId[Int(r)]
            // Skip an expired entry: the pair now at `pos` must merge into the same id.
            let cur = rank(scratch.ints[pos], scratch.ints[np])
            if cur < 0 || mergeNewId[Int(cur)] != newId { continue }
            // Merge right into left.
            let rightNext = scratch.ints4[np]
            scratch.ints[pos] = newId
            scratch.ints2[pos] += scratch.ints2[np]
            scratch.ints4[pos] = rightNext
            scratch.ints2[np] = 0
            if rightNext > -1 && Int(rightNext) < count { scratch.ints3[Int(rightNext)] = Int32(pos) }
            let prev = scratch.ints3[pos]
            if prev >= 0 {
                let pr = rank(scratch.ints[Int(prev)], newId)
                if pr >= 0 { heap.push(UInt64(pr) << 32 | UInt64(prev)) }
            }
            let next = scratch.ints4[pos]
            if next >= 0 && Int(next) < count {
                let nr = rank(newId, scratch.ints[Int(next)])
                if nr >= 0 { heap.push(UInt64(nr) << 32 | UInt64(pos)) }
            }
        }
    }
}

/// A binary min-heap of UInt64 keys over a reusable buffer.
struct MinHeap {
    var storage: [UInt64]

    mutating func push(_ v: UInt64) {
        storage.append(v)
        var i = storage.count - 1
        while i > 0 {
            let p = (i - 1) >> 1
            if storage[p] <= v { break }
            storage[i] = storage[p]
            i = p
        }
        storage[i] = v
    }

    mutating func pop() -> UInt64? {
        guard let last = storage.popLast() else { return nil }
        if storage.isEmpty { return last }
        let top = storage[0]
        let n = storage.count
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= n { break }
            var c = l
            if l + 1 < n && storage[l + 1] < storage[l] { c = l + 1 }
            if storage[c] >= last { break }
            storage[i] = storage[c]
            i = c
        }
        storage[i] = last
        return top
    }
}
