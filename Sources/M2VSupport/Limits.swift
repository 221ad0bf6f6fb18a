// M2VSupport/Limits — every cap m2v applies to input from outside (files, arguments, texts), in
// one table. A size read from a file or an argument is compared with one of these (or with the
// size of the input it came from) before anything is allocated for it; docs/SAFETY.md lists
// them with the error each gives. Changing a value here changes it everywhere.
public enum Limits {
    // MARK: Files
    /// tokenizer.json, read whole (bytes).
    public static let tokenizerJSONBytes = 1 << 30
    /// config.json / config_sentence_transformers.json / modules.json (bytes).
    public static let configJSONBytes = 64 << 20
    /// README.md, read for the model card's front matter (bytes; a larger card is ignored).
    public static let readmeBytes = 16 << 20
    /// Of the README, the prefix searched for front matter (bytes).
    public static let readmeFrontMatterBytes = 1 << 20
    /// A safetensors JSON header (bytes; the Rust `safetensors` crate's limit).
    public static let safetensorsHeaderBytes = 100_000_000
    /// A HuggingFace cache refs file (bytes; a commit sha is 40).
    public static let hubRefBytes = 256

    // MARK: Structure
    /// JSON nesting depth (every JSON document m2v parses).
    public static let jsonDepth = 512
    /// Nesting of normalizer `Sequence`s in tokenizer.json.
    public static let normalizerNesting = 64
    /// Nesting of pre-tokenizer `Sequence`s in tokenizer.json.
    public static let preTokenizerNesting = 32
    /// Token ids in a vocabulary or added_tokens: 0 ... this (HF's are u32; m2v's are int32_t).
    public static let maxTokenId = Int(Int32.max)
    /// An id -> token table is a dense array while it has at most this many slots per token
    /// (plus `denseIdSlack`); sparser vocabularies (ids far above their count, which HF
    /// `tokenizers` accepts) use a hash map, so memory follows the file, not its largest id.
    public static let denseIdSlotsPerToken = 4
    public static let denseIdSlack = 1 << 16

    // MARK: Texts
    /// Code points of one text that is tokenized as a whole (after model2vec's character cut,
    /// which usually keeps far fewer), before and after the normalizer. A longer text gives
    /// M2V_ERR_INVALID_ARGUMENT. It bounds the memory of one text to a few hundred MB and keeps
    /// every position inside a text representable as an int32.
    public static let textCodePoints = 1 << 24
    /// The longest length tokenizer.json's (or a call's) padding may ask for, in ids: a fixed
    /// length or pad_to_multiple_of (4 MB of ids per text at the most).
    public static let padLength = 1 << 20
}
