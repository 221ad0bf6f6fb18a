// Distill/Vocabulary — the distilled model's vocabulary, each token's teacher input and the
// distilled tokenizer.json, exactly as model2vec 0.10's distill_from_model builds them for any
// tokenizer model it accepts (WordPiece, BPE, Unigram, WordLevel), through skeletoken 0.6.1
// (TeacherTokenizer.swift):
//
//   original = TokenizerModel.from_transformers_tokenizer(tokenizer).prune_added_tokens()
//   model    = original.deep_copy(); model.adds_prefix_space = True   (ByteLevel only)
//   model    = clean_and_create_vocabulary(model, vocabulary, token_remove_regex)
//   tokens   = model.sorted_vocabulary
//   inputs   = turn_tokens_into_ids(tokens, original)
//   pad      = original.pad_token_id or 0
//
// and the tokenizer.json `StaticModel(...).save_pretrained` writes (padding length 0, truncation
// 512, `save(pretty=False)`).
//
// model2vec's inputs are ids of the pruned vocabulary: `reshape_embeddings` moves the teacher's
// embedding rows to match. The teacher here keeps its rows, so each id is mapped back to the row
// reshape_embeddings would put there (`teacherInputs`, `padId`); model2vec's own ids are kept as
// `modelInputs` / `modelPadId`.
import M2VSupport
import TokenizerCore
import Tokenizers

/// The output vocabulary and what the teacher sees for each token.
public struct DistillVocabulary: Sendable {
    /// Tokens in output-id order.
    public var tokens: [String]
    /// The teacher input of each token (e.g. [CLS] id [SEP]), as ids of the teacher's own
    /// embedding rows.
    public var teacherInputs: [[Int32]]
    /// The output tokenizer.json bytes.
    public var tokenizerJSON: [UInt8]
    /// The teacher row batches are padded with.
    public var padId: Int32
    /// model2vec's inputs and pad id, in the pruned vocabulary's ids.
    var modelInputs: [[Int32]]
    var modelPadId: Int32
}

extension DistillVocabulary {
    /// Builds the vocabulary from the teacher's tokenizer.json and the settings AutoTokenizer
    /// takes from its tokenizer_config.json (`config`).
    /// `words`: model2vec's custom `vocabulary`: a word that pre-tokenizes to one piece becomes a
    /// new vocabulary token (unless present or removed by the pattern); one that splits into
    /// several becomes a normalized multi-word added token. The teacher input of a token the
    /// teacher does not have is the teacher tokenizer's encoding with special tokens, truncated
    /// and padded as its settings say (the reference pools over that padding too).
    /// Throws `.unsupported` for a tokenizer model2vec 0.10 cannot distil (naming the reason),
    /// `.format` for a malformed tokenizer.json, `.invalidArgument` when nothing is left.
    public init(teacherTokenizerJSON bytes: [UInt8], config: TeacherTokenizerConfig = TeacherTokenizerConfig(),
                remove: TokenRemovePattern = .unusedTokens, words: [String] = []) throws(M2VError) {
        var original = try TeacherTokenizer(teacherJSON: bytes, config: config)
        try original.pruneAddedTokens()
        var model = original
        if model.addsPrefixSpace != nil { model.setAddsPrefixSpace(true) }

        // clean_and_create_vocabulary: no post-processor, a plain padding, the pattern's tokens removed.
        model.postProcessor = .null
        if let p = model.padding { model.padding = TeacherPadding(padId: p.padId, padToken: p.padToken) }
        let internalTokens = try model.sortedVocabulary()
        if remove != .none {
            try model.removeTokens(internalTokens.filter { remove.matches(TeacherTokenizer.text($0)) })
        }
        try model.checkLoadable()
        var seen = Set(internalTokens.map(TokenKey.init))
        var tokensToAdd: [TokenBytes] = [], addedToAdd: [TokenBytes] = []
        if !words.isEmpty {
            let pre = try Self.preprocessor(model)
            var seenAdded = Set<TokenKey>()
            for w in words {
                let pieces = try Self.preprocess(w, pre)
                if pieces.isEmpty { continue }
                if pieces.count > 1 {
                    let raw = Array(w.utf8)
                    if model.vocab.contains(raw) { try model.removeTokens([raw]) }
                    var sc = w.unicodeScalars.map { $0.value }, scratch: [UInt32] = []
                    try pre.normalizer?.normalize(&sc, scratch: &scratch)
                    var u: TokenBytes = []
                    for c in Self.strip(sc) { appendUTF8(&u, c) }
                    if seenAdded.contains(TokenKey(u)) { continue }
                    seenAdded.insert(TokenKey(u))
                    addedToAdd.append(u)
                    continue
                }
                var u: TokenBytes = []
                for c in pieces[0] { appendUTF8(&u, c) }
                if seen.contains(TokenKey(u)) || remove.matches(TeacherTokenizer.text(u)) { continue }
                seen.insert(TokenKey(u))
                tokensToAdd.append(u)
            }
        }
        try model.pruneAddedTokens()
        for t in tokensToAdd { _ = try model.addToVocabulary(t, isAddedToken: false) }
        try model.addAddedTokens(addedToAdd)
        let all = try model.sortedVocabulary()
        guard !all.isEmpty else {
            throw .invalidArgument("the vocabulary is empty after preprocessing (check the token remove pattern)")
        }

        // turn_tokens_into_ids(tokens, original).
        let bos = try original.endIds(first: true).map { Int32($0) }
        let eos = try original.endIds(first: false).map { Int32($0) }
        var encoder: Tokenizer? = nil
        var inputs: [[Int32]] = []
        inputs.reserveCapacity(all.count)
        for t in all {
            if let id = original.vocab.id(t) {
                inputs.append(bos + [Int32(id)] + eos)
                continue
            }
            if encoder == nil {
                encoder = try Tokenizer(jsonBytes: original.serialized(truncation: original.truncation, padding: original.padding))
            }
            guard let enc = encoder else { continue }
            let text = TeacherTokenizer.text(t)
            if let tr = original.truncation, tr.strategy == "OnlySecond" {
                // HF fails when a single sequence needs truncating under OnlySecond.
                let full = try TextBatch.with([text]) { (b: TextBatch) throws(M2VError) in
                    try enc.encodeBatch(b, addSpecialTokens: true, settings: BatchSettings(truncation: nil, padding: nil), threads: 1)
                }
                if (full.first?.count ?? 0) > tr.maxLength {
                    throw TeacherTokenizer.refuses("truncation strategy OnlySecond on a single sequence (\"\(text)\")")
                }
            }
            let ids = try TextBatch.with([text]) { (b: TextBatch) throws(M2VError) in
                try enc.encodeBatch(b, addSpecialTokens: true, threads: 1)
            }
            inputs.append(ids.first ?? [])
        }
        try model.checkLoadable()

        // reshape_embeddings: the teacher row of each id of the pruned vocabulary.
        var rowOf = [Int32](repeating: 0, count: original.vocab.count)
        for (i, t) in original.vocab.tokens.enumerated() {
            let id = original.vocab.ids[i]
            guard id < rowOf.count else { continue }
            if original.vocab.position(t) == i, let r = original.originalRows[TokenKey(original.contentHistory[t] ?? t)] {
                rowOf[id] = Int32(r)
            } else {
                rowOf[id] = Int32(id)
            }
        }
        func row(_ id: Int32) -> Int32 { id >= 0 && Int(id) < rowOf.count ? rowOf[Int(id)] : id }
        let pad = Int32(original.padding?.padId ?? 0)

        let outPadding = model.padding.map { TeacherPadding(padId: $0.padId, padTypeId: $0.padTypeId, padToken: $0.padToken) }
        self.tokens = all.map { TeacherTokenizer.text($0) }
        self.modelInputs = inputs
        self.teacherInputs = inputs.map { $0.map(row) }
        self.modelPadId = pad
        self.padId = row(pad)
        self.tokenizerJSON = model.serialized(truncation: TeacherTruncation(maxLength: 512), padding: outPadding)
    }

    /// The teacher's normalizer and pre-tokenizer as m2v components (skeletoken's Preprocessor).
    static func preprocessor(_ model: TeacherTokenizer) throws(M2VError) -> Tokenizer {
        var w = SerdeJSONWriter()
        w.raw("{\"normalizer\":"); w.value(model.normalizer)
        w.raw(",\"pre_tokenizer\":"); w.value(model.preTokenizer)
        w.raw(",\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"x\":0},\"unk_token\":\"x\"}}")
        return try Tokenizer(jsonBytes: w.out)
    }

    /// Normalizer + pre-tokenizer of `tok` on `word`: the pieces (as scalars).
    static func preprocess(_ word: String, _ tok: Tokenizer) throws(M2VError) -> [[UInt32]] {
        var sc = word.unicodeScalars.map { $0.value }, scratch: [UInt32] = []
        try tok.normalizer?.normalize(&sc, scratch: &scratch)
        if sc.isEmpty { return [] }
        var pts = PreTokenizedString()
        sc.withUnsafeBufferPointer { pts.reset($0, atTextStart: true) }
        try tok.preTokenizer?.preTokenize(&pts)
        var out: [[UInt32]] = []
        for p in pts.pieces where p.end > p.start && p.start >= 0 && p.end <= pts.scalars.count {
            out.append(Array(pts.scalars[p.start..<p.end]))
        }
        return out
    }

    /// Python's str.strip(): drops leading and trailing whitespace.
    static func strip(_ s: [UInt32]) -> [UInt32] {
        func ws(_ c: UInt32) -> Bool {
            (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000
        }
        var a = 0, b = s.count
        while a < b, ws(s[a]) { a += 1 }
        while b > a, ws(s[b - 1]) { b -= 1 }
        return Array(s[a..<b])
    }
}
