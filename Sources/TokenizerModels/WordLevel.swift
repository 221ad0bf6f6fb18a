// WordLevel (tokenizers/src/models/wordlevel): the whole piece is looked up, else the unknown
// token.
import M2VSupport
import TokenizerCore

/// The WordLevel model. Immutable and thread-safe.
public struct WordLevelModel: TokenizerModel {
    let vocab: ByteVocab
    let ids: IdTable
    let unk: Int32

    /// Builds from the tokenizer.json "model" object (type "WordLevel").
    public init(json: JSON) throws(M2VError) {
        let what = "WordLevel model"
        (vocab, ids) = try loadDictVocab(json["vocab"], what: what)
        let unkToken = try json.requireString("unk_token", in: what)
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
        if piece.isEmpty { return }
        _ = encodePiece(piece, &scratch.bytes, &scratch.offsets)
        let id = scratch.bytes.withUnsafeBufferPointer { vocab.id($0) }
        out.append(id ?? unk)
    }
}
