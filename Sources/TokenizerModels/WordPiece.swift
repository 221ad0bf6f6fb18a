// WordPiece (tokenizers/src/models/wordpiece): greedy longest-match-first with a continuing
// subword prefix; a word longer than `max_input_chars_per_word` chars, or with any part that
// matches nothing, becomes the single unknown token.
import M2VSupport
import TokenizerCore

/// The WordPiece model. Immutable; `tokenize` is thread-safe (state lives in the scratch).
public struct WordPieceModel: TokenizerModel {
    let vocab: ByteVocab
    let ids: IdTable
    let prefix: [UInt8]
    public let maxInputCharsPerWord: Int
    let unk: Int32
    /// The identity of this model's entries in a thread's `PieceCache`.
    let cacheOwner = PieceCacheOwner()

    /// Builds from the tokenizer.json "model" object (type "WordPiece").
    public init(json: JSON) throws(M2VError) {
        let what = "WordPiece model"
        (vocab, ids) = try loadDictVocab(json["vocab"], what: what)
        let unkToken = try json.requireString("unk_token", in: what)
        prefix = Array(try json.requireString("continuing_subword_prefix", in: what).utf8)
        let maxChars = try json.requireInt("max_input_chars_per_word", in: what)
        guard maxChars >= 0 else { throw .format("\(what): \"max_input_chars_per_word\" must be >= 0") }
        maxInputCharsPerWord = maxChars
        guard let u = vocab.id(unkToken) else {
            throw .format("\(what): unk_token \"\(unkToken)\" is not in the vocabulary")
        }
        unk = u
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
        if n > maxInputCharsPerWord { out.append(unk); return }
        let pad = prefix.count
        // Buffers sized once (never shrunk); the bytes hold `pad` leading bytes for the prefix,
        // the piece (at most 4 bytes a scalar) and 8 readable bytes past its end.
        let needBytes = pad + 4 * n + 8
        if scratch.bytes.count < needBytes {
            scratch.bytes.append(contentsOf: repeatElement(0, count: needBytes - scratch.bytes.count))
        }
        if scratch.offsets.count < n + 1 {
            scratch.offsets.append(contentsOf: repeatElement(0, count: n + 1 - scratch.offsets.count))
        }
        if scratch.u64s.count < n + 1 {
            scratch.u64s.append(contentsOf: repeatElement(0, count: n + 1 - scratch.u64s.count))
        }
        let mark = out.count
        let ok: Bool = scratch.bytes.withUnsafeMutableBufferPointer { bytesBuf in
            scratch.offsets.withUnsafeMutableBufferPointer { offBuf in
                scratch.u64s.withUnsafeMutableBufferPointer { hashBuf in
                    prefix.withUnsafeBufferPointer { pre in
                        guard let b = bytesBuf.baseAddress, let off = offBuf.baseAddress,
                              let hashes = hashBuf.baseAddress else { return false }
                        // UTF-8 after the padding; off[i] = byte offset of scalar i (and the end).
                        var w = pad
                        for i in 0..<n {
                            off[i] = Int32(w)
                            let s = piece[i]
                            if s < 0x80 { b[w] = UInt8(truncatingIfNeeded: s); w += 1; continue }
                            w += storeUTF8(b + w, s)
                        }
                        off[n] = Int32(w)
                        var start = 0
                        let prefixHash = ByteVocab.step(ByteVocab.seed, pre)
                        while start < n {
                            let usePrefix = start > 0
                            let base = Int(off[start])
                            // The key starts `pad` bytes early for a continuation: the prefix is
                            // written over bytes already consumed (or the leading padding), so
                            // every candidate key is one contiguous slice.
                            var keyStart = base
                            if usePrefix {
                                keyStart = base - pad
                                for k in 0..<pad { b[keyStart + k] = pre[k] }
                            }
                            let budget = vocab.maxKeyBytes + keyStart
                            // Stream the hash forward, remembering it at each char boundary.
                            var h = usePrefix ? prefixHash : ByteVocab.seed
                            var last = start
                            var e = start
                            while e < n {
                                let next = Int(off[e + 1])
                                if next > budget { break }
                                for p in Int(off[e])..<next { h = ByteVocab.step(h, b[p]) }
                                e += 1
                                hashes[e] = h
                                last = e
                            }
                            // Longest first: only keys no longer than the longest token can match.
                            // The Bloom filter rejects most absent candidates without touching the
                            // table; the first candidate of a word skips it (usually a hit, and its
                            // slot was prefetched by `tokenize(pieces:)`).
                            var found: Int32 = -1
                            var end = last
                            while end > start {
                                let hf = ByteVocab.finish(hashes[end])
                                if (!usePrefix && end == last) || vocab.mayContain(hash: hf),
                                   let id = vocab.find(hash: hf, padded: b + keyStart, count: Int(off[end]) - keyStart) {
                                    found = id
                                    break
                                }
                                end -= 1
                            }
                            if found < 0 { return false }
                            out.append(found)
                            start = end
                        }
                        return true
                    }
                }
            }
        }
        if !ok {
            out.removeSubrange(mark...)
            out.append(unk)
        }
    }

    /// Tokenizes the pieces `arena[p.start..<p.end]` in order, as `tokenize` on each does,
    /// through the thread's piece cache (a piece's ids are a pure function of the piece and this
    /// immutable model; natural text repeats words). The cache slots of the next pieces are
    /// prefetched 4 pieces ahead and the entries they point to 2 ahead, so those cache misses
    /// overlap.
    public func tokenize(pieces: UnsafeBufferPointer<Piece>, arena: UnsafeBufferPointer<UInt32>,
                         into out: inout [Int32], scratch: inout ModelScratch) {
        let count = pieces.count
        // Hashes of the next pieces (0: not cacheable), a ring of 4.
        var h0: UInt64 = 0, h1: UInt64 = 0, h2: UInt64 = 0, h3: UInt64 = 0
        @inline(__always) func cacheHash(_ k: Int) -> UInt64 {
            guard k < count else { return 0 }
            let p = pieces[k]
            guard p.end > p.start, p.start >= 0, p.end <= arena.count, p.end - p.start <= PieceCache.maxKey else { return 0 }
            let h = PieceCache.hash(UnsafeBufferPointer(rebasing: arena[p.start..<p.end]))
            scratch.cache.prefetch(hash: h)
            return h
        }
        h0 = cacheHash(0); h1 = cacheHash(1); h2 = cacheHash(2); h3 = cacheHash(3)
        if h0 != 0 { scratch.cache.prefetchEntry(hash: h0) }
        if h1 != 0 { scratch.cache.prefetchEntry(hash: h1) }
        for k in 0..<count {
            let h = h0
            h0 = h1; h1 = h2; h2 = h3; h3 = cacheHash(k + 4)
            // Slots 4 pieces ahead, then the entry they point to 2 pieces ahead.
            if h1 != 0 { scratch.cache.prefetchEntry(hash: h1) }
            let p = pieces[k]
            guard p.end > p.start, p.start >= 0, p.end <= arena.count else { continue }
            let piece = UnsafeBufferPointer(rebasing: arena[p.start..<p.end])
            if h == 0 {
                tokenize(piece, into: &out, scratch: &scratch)
                continue
            }
            if scratch.cache.lookup(piece, hash: h, owner: cacheOwner, into: &out) { continue }
            let mark = out.count
            tokenize(piece, into: &out, scratch: &scratch)
            out.withUnsafeBufferPointer { o in
                scratch.cache.insert(piece, hash: h, owner: cacheOwner, ids: UnsafeBufferPointer(rebasing: o[mark...]))
            }
        }
    }
}

/// Writes the UTF-8 bytes of scalar `s` (>= 0x80) at `p` (room for 4) and returns their count.
/// Not a scalar value (surrogate or > U+10FFFF): never trap, writes U+FFFD instead, as
/// `encodePiece` does.
@inline(__always)
func storeUTF8(_ p: UnsafeMutablePointer<UInt8>, _ scalar: UInt32) -> Int {
    let s = (scalar >= 0xD800 && scalar < 0xE000) || scalar > 0x10FFFF ? 0xFFFD : scalar
    if s < 0x80 { p[0] = UInt8(truncatingIfNeeded: s); return 1 }
    if s < 0x800 {
        p[0] = UInt8(truncatingIfNeeded: 0xC0 | s >> 6)
        p[1] = UInt8(truncatingIfNeeded: 0x80 | s & 0x3F)
        return 2
    }
    if s < 0x10000 {
        p[0] = UInt8(truncatingIfNeeded: 0xE0 | s >> 12)
        p[1] = UInt8(truncatingIfNeeded: 0x80 | (s >> 6) & 0x3F)
        p[2] = UInt8(truncatingIfNeeded: 0x80 | s & 0x3F)
        return 3
    }
    p[0] = UInt8(truncatingIfNeeded: 0xF0 | s >> 18)
    p[1] = UInt8(truncatingIfNeeded: 0x80 | (s >> 12) & 0x3F)
    p[2] = UInt8(truncatingIfNeeded: 0x80 | (s >> 6) & 0x3F)
    p[3] = UInt8(truncatingIfNeeded: 0x80 | s & 0x3F)
    return 4
}
