// Unigram (tokenizers/src/models/unigram, `encode_optimized`): Viterbi best path over every
// vocabulary piece that starts at each char boundary; a char with no single-char piece gets an
// unknown node scored `min_score - 10`; consecutive unknown nodes are fused into one string that
// is looked up again (then byte fallback "<0xAB>", then unk_id). Ties keep the first candidate
// (smallest start, then shortest piece), as Rust's strict `>` does.
import M2VSupport
import TokenizerCore

/// The Unigram model. Immutable; `tokenize` is thread-safe (state lives in the scratch).
public struct UnigramModel: TokenizerModel {
    /// Entry i is piece i (id i); duplicate pieces: lookups find the last one, as Rust's map.
    let vocab: ByteVocab
    /// The same pieces (value = id; a duplicate piece: the last) for the Viterbi walk.
    let trie: ByteTrie
    let scores: [Double]
    let unk: Int32?
    public let byteFallback: Bool
    public let minScore: Double
    let fallbackIds: [Int32]
    /// The identity of this model's entries in a thread's `PieceCache`.
    let cacheOwner = PieceCacheOwner()

    static let unkPenalty = 10.0
    /// The trie payload of a node where no piece ends (a NaN; JSON numbers are never NaN).
    static let noPiece: UInt64 = 0x7FF8_DEAD_0000_0001

    /// Builds from the tokenizer.json "model" object (type "Unigram").
    public init(json: JSON) throws(M2VError) {
        let what = "Unigram model"
        guard let list = json["vocab"] else { throw .format("\(what): missing vocab") }
        guard let items = list.array else { throw .format("\(what): \"vocab\" must be an array of [piece, score]") }
        var v = ByteVocab(capacity: items.count)
        var sc: [Double] = []
        sc.reserveCapacity(items.count)
        guard items.count <= Limits.maxTokenId else { throw .format("\(what): vocabulary too large") }
        var minS = Double.infinity
        for (i, item) in items.enumerated() {
            guard let pair = item.array, pair.count == 2, let piece = pair[0].string, let score = pair[1].double else {
                throw .format("\(what): vocab entry \(i) must be [piece, score]")
            }
            _ = v.add(piece, id: Int32(i))
            sc.append(score)
            if score < minS { minS = score }
        }
        vocab = v; scores = sc; minScore = minS
        var t = v.arena.withUnsafeBufferPointer { ar in
            ByteTrie(count: items.count, key: { e in
                let span = v.entrySpan[e]
                return UnsafeBufferPointer(rebasing: ar[Int(span >> 32)..<(Int(span >> 32) + Int(span & 0xFFFF_FFFF))])
            }, value: { Int32($0) })
        }
        // Each node's payload: the score of the piece ending there, or a NaN no score has.
        t.setPayload { id in id >= 0 ? sc[Int(id)].bitPattern : UnigramModel.noPiece }
        trie = t
        if let u = try json.optionalInt("unk_id", in: what) {
            guard !items.isEmpty else { throw .format("\(what): the vocabulary is empty but unk_id is set") }
            guard u >= 0, u < items.count else {
                throw .format("\(what): unk_id \(u) is outside the vocabulary (size \(items.count))")
            }
            unk = Int32(u)
        } else { unk = nil }
        byteFallback = try json.optionalBool("byte_fallback", default: false, in: what)
        fallbackIds = byteFallbackIds(vocab)
    }

    public var vocabSize: Int { scores.count }
    public var unkId: Int32? { unk }
    public func id(forToken utf8: UnsafeBufferPointer<UInt8>) -> Int32? { vocab.id(utf8) }
    public func token(forId id: Int32) -> [UInt8]? {
        guard id >= 0, Int(id) < scores.count else { return nil }
        return vocab.bytes(ofEntry: Int(id))
    }

    /// Sentinel node id for an unknown char when the model has no unk_id (Rust fails the whole
    /// encode there; we drop those chars).
    static let missingUnk: Int32 = -2

    /// The Viterbi result of a piece is a pure function of it: short pieces are memoized in the
    /// thread's `PieceCache` (natural text repeats words).
    public func tokenize(_ piece: UnsafeBufferPointer<UInt32>, into out: inout [Int32],
                         scratch: inout ModelScratch) {
        ModelScratch.cached(piece, owner: cacheOwner, into: &out, scratch: &scratch) { p, o, sc in
            tokenizeWord(p, into: &o, scratch: &sc)
        }
    }

    func tokenizeWord(_ piece: UnsafeBufferPointer<UInt32>, into out: inout [Int32],
                      scratch: inout ModelScratch) {
        let n = piece.count
        if n == 0 { return }
        _ = encodePiece(piece, &scratch.bytes, &scratch.offsets)
        scratch.doubles.removeAll(keepingCapacity: true)
        scratch.doubles.append(contentsOf: repeatElement(0, count: n + 1))
        scratch.ints.removeAll(keepingCapacity: true)
        scratch.ints.append(contentsOf: repeatElement(-1, count: n + 1))   // starts_at (char index)
        scratch.ints2.removeAll(keepingCapacity: true)
        scratch.ints2.append(contentsOf: repeatElement(0, count: n + 1))   // node id
        let unkScore = minScore - UnigramModel.unkPenalty
        let unkNode = unk ?? UnigramModel.missingUnk
        scratch.bytes.withUnsafeBufferPointer { bytes in
            scratch.offsets.withUnsafeBufferPointer { off in
                scratch.doubles.withUnsafeMutableBufferPointer { best in
                    scratch.ints.withUnsafeMutableBufferPointer { startsAt in
                        scratch.ints2.withUnsafeMutableBufferPointer { nodeId in
                            trie.units.withUnsafeBufferPointer { tu in
                                let t = tu.baseAddress!, cells = tu.count / 2
                                for i in 0..<n {
                                    let till = best[i]
                                    var hasSingle = false
                                    // Every piece that starts at char i: walk the trie over the
                                    // bytes, a candidate at each char end where a piece ends.
                                    var node = 0
                                    var p = Int(off[i])
                                    var j = i
                                    walk: while j < n {
                                        let next = Int(off[j + 1])
                                        while p < next {
                                            node = ByteTrie.child(t, cells, node, bytes[p])
                                            if node < 0 { break walk }
                                            p += 1
                                        }
                                        j += 1
                                        let pay = ByteTrie.payload(t, node)
                                        if pay != UnigramModel.noPiece {
                                            let cand = Double(bitPattern: pay) + till
                                            if startsAt[j] < 0 || cand > best[j] {
                                                // The trie node; its id is looked up on the path only.
                                                best[j] = cand; startsAt[j] = Int32(i); nodeId[j] = Int32(node)
                                            }
                                            if j == i + 1 { hasSingle = true }
                                        }
                                    }
                                    if !hasSingle {
                                        let cand = unkScore + till
                                        if startsAt[i + 1] < 0 || cand > best[i + 1] {
                                            best[i + 1] = cand; startsAt[i + 1] = Int32(i); nodeId[i + 1] = -1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Backtrack: path nodes end -> start, as (end char index) in ints3; each path node's
        // trie node becomes its piece id (an unknown node: unkNode).
        scratch.ints3.removeAll(keepingCapacity: true)
        var end = n
        while end > 0 {
            scratch.ints3.append(Int32(end))
            let node = scratch.ints2[end]
            scratch.ints2[end] = node >= 0 ? trie.values[Int(node)] : unkNode
            let s = Int(scratch.ints[end])
            if s < 0 || s >= end { break }   // unreachable by construction; never loop
            end = s
        }
        // Emit in order, fusing runs of unknown nodes.
        var k = scratch.ints3.count - 1
        while k >= 0 {
            let e = Int(scratch.ints3[k])
            let id = scratch.ints2[e]
            if id != unkNode {
                out.append(id)
                k -= 1
                continue
            }
            let runStart = Int(scratch.ints[e])
            var runEnd = e
            k -= 1
            while k >= 0, scratch.ints2[Int(scratch.ints3[k])] == unkNode {
                runEnd = Int(scratch.ints3[k])
                k -= 1
            }
            if unkNode == UnigramModel.missingUnk { continue }
            emitFused(byteStart: Int(scratch.offsets[runStart]), byteEnd: Int(scratch.offsets[runEnd]),
                      bytes: scratch.bytes, into: &out)
        }
    }

    /// A fused run of unknown text: its id when it is a piece, else its byte-fallback tokens when
    /// all exist, else unk.
    private func emitFused(byteStart: Int, byteEnd: Int, bytes: [UInt8], into out: inout [Int32]) {
        let found: Int32? = bytes.withUnsafeBufferPointer { b in
            vocab.id(UnsafeBufferPointer(rebasing: b[byteStart..<byteEnd]))
        }
        if let found { out.append(found); return }
        if byteFallback {
            var all = true
            for p in byteStart..<byteEnd where fallbackIds[Int(bytes[p])] < 0 { all = false; break }
            if all {
                for p in byteStart..<byteEnd { out.append(fallbackIds[Int(bytes[p])]) }
                return
            }
        }
        if let unk { out.append(unk) }
    }
}
