// The factory from a tokenizer.json "model" object to a `TokenizerModel`.
import M2VSupport
import TokenizerCore

/// Builds the model described by the tokenizer.json "model" object. A missing "type" is resolved
/// as the Rust crate's legacy untagged form does (BPE if it has merges, Unigram if its vocab is a
/// list, WordPiece if it has WordPiece's fields, else WordLevel).
/// Throws `.unsupported("unsupported model \"X\"")` for an unknown type and `.format` for
/// malformed vocabularies or merges, ids out of 0...Int32.max, two tokens with one id, a named
/// unknown token absent from the vocabulary (Rust fails later, at the first unknown char; we fail
/// at load), an unk_id outside the vocabulary, and merges naming tokens not in the vocabulary.
public func makeModel(_ json: JSON) throws(M2VError) -> any TokenizerModel {
    guard json.object != nil else { throw .format("tokenizer.json \"model\" must be an object") }
    var type = try json.optionalString("type", in: "model")
    if type == nil {
        if json["merges"] != nil { type = "BPE" }
        else if json["vocab"]?.array != nil { type = "Unigram" }
        else if json["continuing_subword_prefix"] != nil || json["max_input_chars_per_word"] != nil { type = "WordPiece" }
        else { type = "WordLevel" }
    }
    let t = type ?? ""
    if t.utf8.elementsEqual("WordPiece".utf8) { return try WordPieceModel(json: json) }
    if t.utf8.elementsEqual("BPE".utf8) { return try BPEModel(json: json) }
    if t.utf8.elementsEqual("Unigram".utf8) { return try UnigramModel(json: json) }
    if t.utf8.elementsEqual("WordLevel".utf8) { return try WordLevelModel(json: json) }
    throw .unsupported("unsupported model \"\(t)\"")
}
