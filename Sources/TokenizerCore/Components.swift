// TokenizerCore — owns the contracts between the stages of the tokenizer.json engine, one
// module per stage as the Rust `tokenizers` crate has one folder per stage:
//   TokenizerNormalizers    text -> normalized text       (protocol `Normalizer`)
//   TokenizerPreTokenizers  normalized text -> pieces     (protocol `PreTokenizer`)
//   TokenizerModels         piece -> ids                  (protocol `TokenizerModel`)
//   Tokenizers              the pipeline, added tokens, post-processors, loading tokenizer.json
//
// Text inside the pipeline is an array of Unicode scalar values (`[UInt32]`), never `String`:
// no per-token allocation, no canonical-equivalence surprises. Vocabularies are keyed by UTF-8
// bytes.
import M2VSupport

/// One normalizer of the pipeline (BertNormalizer, NFKC, Lowercase, Sequence, ...).
/// Immutable after loading; `normalize` may be called from many threads at once.
public protocol Normalizer: Sendable {
    /// Rewrites `text` (Unicode scalar values) in place. `scratch` is a reusable buffer the
    /// implementation may use freely (its contents are undefined on return); a typical
    /// implementation writes into `scratch` and then `swap(&text, &scratch)`.
    /// Throws only for a regex search error (`Replace`: Oniguruma's retry limit).
    func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) throws(M2VError)

    /// HF's alignments at the text start, for a text that begins the original (the only one
    /// whose scalars can be aligned to offset 0): given that the first `origin` scalars of `text` are
    /// aligned to original offset 0 (the text's first character, what was inserted before it,
    /// what it expanded into), how many leading scalars of the normalized text are. Metaspace's
    /// "first" prepend scheme depends on it. Default, right for normalizers that treat each
    /// scalar on its own (an inserted scalar shares the alignment of the one it came from): the
    /// length of `text[0..<origin]` normalized alone.
    func origin(after text: [UInt32], origin: Int) throws(M2VError) -> Int

    /// `normalize`, also updating `origin` (see `origin(after:origin:)`; a Sequence threads it
    /// through its steps). Default: `origin(after:)` then `normalize`.
    func normalize(_ text: inout [UInt32], scratch: inout [UInt32], origin: inout Int) throws(M2VError)
}

extension Normalizer {
    public func origin(after text: [UInt32], origin: Int) throws(M2VError) -> Int {
        if origin <= 0 || text.isEmpty { return 0 }
        var prefix = origin >= text.count ? text : Array(text[0..<origin])
        var scratch: [UInt32] = []
        try normalize(&prefix, scratch: &scratch)
        return prefix.count
    }

    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32], origin: inout Int) throws(M2VError) {
        origin = try self.origin(after: text, origin: origin)
        try normalize(&text, scratch: &scratch)
    }
}

/// One pre-tokenizer of the pipeline (BertPreTokenizer, ByteLevel, Metaspace, Sequence, ...).
/// Immutable after loading; thread-safe.
public protocol PreTokenizer: Sendable {
    /// Splits (and possibly rewrites) every current piece of `s` into sub-pieces, in order.
    /// Throws only for a regex search error (`Split`: Oniguruma's retry limit).
    func preTokenize(_ s: inout PreTokenizedString) throws(M2VError)
    /// Whether the result depends on a piece starting at original offset 0 (Metaspace's
    /// "first" scheme); only then does the tokenizer track it through the normalizer.
    var consultsTextStart: Bool { get }
}

extension PreTokenizer {
    public var consultsTextStart: Bool { false }
}

/// A tokenization model (WordPiece, BPE, Unigram, WordLevel). Immutable after loading;
/// `tokenize` may be called from many threads at once, each with its own `scratch`.
public protocol TokenizerModel: Sendable {
    /// Appends the ids of one pre-tokenized piece (Unicode scalar values, non-empty) to `ids`.
    func tokenize(_ piece: UnsafeBufferPointer<UInt32>, into ids: inout [Int32],
                  scratch: inout ModelScratch)
    /// Appends the ids of the pieces `arena[p.start..<p.end]`, in order (empty or out-of-range
    /// pieces are skipped). Default: `tokenize` on each; a model may do better across pieces
    /// (WordPiece starts loading the next pieces' table slots early).
    func tokenize(pieces: UnsafeBufferPointer<Piece>, arena: UnsafeBufferPointer<UInt32>,
                  into ids: inout [Int32], scratch: inout ModelScratch)
    /// The id of a token given as UTF-8 bytes (byte-wise lookup), nil when absent.
    func id(forToken utf8: UnsafeBufferPointer<UInt8>) -> Int32?
    /// The token string of `id` as UTF-8 bytes, nil when out of range.
    func token(forId id: Int32) -> [UInt8]?
    /// Number of ids in the model's vocabulary (max id + 1).
    var vocabSize: Int { get }
    /// Number of tokens (HF's `get_vocab_size()`): equal to `vocabSize` unless ids have gaps.
    var tokenCount: Int { get }
    /// The id of the unknown token (`unk_token` / `unk_id`), nil when the model has none.
    var unkId: Int32? { get }
}

extension TokenizerModel {
    public func tokenize(pieces: UnsafeBufferPointer<Piece>, arena: UnsafeBufferPointer<UInt32>,
                         into ids: inout [Int32], scratch: inout ModelScratch) {
        for p in pieces where p.end > p.start && p.start >= 0 && p.end <= arena.count {
            tokenize(UnsafeBufferPointer(rebasing: arena[p.start..<p.end]), into: &ids, scratch: &scratch)
        }
    }

    public var tokenCount: Int { vocabSize }
}

/// A post-processor (TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence).
public protocol PostProcessor: Sendable {
    /// Adds the special tokens of a single sequence around `ids` (add_special_tokens=True).
    func process(_ ids: inout [Int32], scratch: inout [Int32])
}
