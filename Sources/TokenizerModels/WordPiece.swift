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

    public var vocabSize: Int { ids.entryForId.count }
    public var unkId: Int32? { unk }
    public func id(forToken utf8: UnsafeBufferPointer<UInt8>) -> Int32? { vocab.id(utf8) }
    public func token(forId id: Int32) -> [UInt8]? { ids.token(vocab, id) }

    public func tokenize(_ piece: UnsafeBufferPointer<UInt32>, into out: inout [Int32],
                         scratch: inout ModelScratch) {
        let n = piece.count
        if n == 0 { return }
        if n > maxInputCharsPerWord { out.append(unk); return }
        _ = encodePiece(piece, &scratch.bytes, &scratch.offsets)
        if scratch.u64s.count < n + 1 {
            scratch.u64s.append(contentsOf: repeatElement(0, count: n + 1 - scratch.u64s.count))
        }
        let mark = out.count
        let ok: Bool = scratch.bytes.withUnsafeBufferPointer { bytes in
            scratch.offsets.withUnsafeBufferPointer { off in
                scratch.u64s.withUnsafeMutableBufferPointer { hashes in
                    prefix.withUnsafeBufferPointer { pre in
                        var start = 0
                        let prefixHash = ByteVocab.step(ByteVocab.seed, pre)
                        while start < n {
                            let usePrefix = start > 0
                            let budget = vocab.maxKeyBytes - (usePrefix ? pre.count : 0)
                            // Stream the hash forward, remembering it at each char boundary.
                            var h = usePrefix ? prefixHash : ByteVocab.seed
                            let base = Int(off[start])
                            var last = start
                            var e = start
                            while e < n {
                                let next = Int(off[e + 1])
                                if next - base > budget { break }
                                for p in Int(off[e])..<next { h = ByteVocab.step(h, bytes[p]) }
                                e += 1
                                hashes[e] = h
                                last = e
                            }
                            // Longest first: only keys no longer than the longest token can match.
                            var found: Int32 = -1
                            var end = last
                            while end > start {
                                let slice = UnsafeBufferPointer(rebasing: bytes[base..<Int(off[end])])
                                if let id = vocab.find(hash: ByteVocab.finish(hashes[end]),
                                                       usePrefix ? pre : ByteVocab.empty, slice, ByteVocab.empty) {
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
}
