// Tokenizers — owns the tokenizer pipeline: loading a HuggingFace tokenizer.json into an
// immutable, thread-safe `Tokenizer`, and running added-token extraction -> normalizer ->
// pre-tokenizer -> model -> post-processor to produce the same ids as the Rust `tokenizers`
// crate (`encode(text, add_special_tokens)`, no truncation unless asked, no padding).
import M2VSupport
import TokenizerCore
import TokenizerNormalizers
import TokenizerPreTokenizers
import TokenizerModels

/// An immutable tokenizer loaded from tokenizer.json. Safe to share between threads; each
/// thread passes its own `TokenizerWorkspace`.
public final class Tokenizer: Sendable {
    public let normalizer: (any Normalizer)?
    public let preTokenizer: (any PreTokenizer)?
    public let model: any TokenizerModel
    public let postProcessor: (any PostProcessor)?
    public let addedTokens: [AddedToken]
    /// Number of ids: max(model vocabulary, largest added-token id + 1).
    public let vocabSize: Int
    /// The id of the model's unknown token (`unk_token` / `unk_id`), if any.
    public let unkId: Int32?
    /// The tokenizer.json bytes this tokenizer was loaded from (written back by `save`).
    public let sourceJSON: [UInt8]
    /// tokenizer.json's "truncation" and "padding" (applied by `encodeBatch` only).
    public let truncation: Truncation?
    public let padding: Padding?
    /// Special tokens the post-processor adds around one sequence (truncation subtracts them).
    public let specialTokensAdded: Int

    let rawMatcher: AddedTokenMatcher          // added tokens with normalized == false
    let normalizedMatcher: AddedTokenMatcher   // added tokens with normalized == true
    let addedById: [Int32: Int]                // id -> index in addedTokens
    /// The pre-tokenizer asks whether a piece starts at original offset 0 (Metaspace "first").
    let consultsTextStart: Bool
    /// The pre-tokenizer is BertPreTokenizer and the model WordPiece (the fused path).
    let bertWordPiece: Bool
    /// The one-pass path for texts of scalars below U+0800 (see `OnePassPath`), where it applies.
    let onePass: OnePassPath?

    /// Loads tokenizer.json from `path`.
    public convenience init(path: String) throws(M2VError) {
        let bytes = try FileIO.read(path, limit: Limits.tokenizerJSONBytes)
        do { try self.init(jsonBytes: bytes) } catch { throw error.context(path) }
    }

    /// Loads from the bytes of a tokenizer.json document.
    public init(jsonBytes: [UInt8]) throws(M2VError) {
        let json = try JSON.parse(jsonBytes)
        guard json.object != nil else { throw .format("tokenizer.json: the top level must be an object") }
        sourceJSON = jsonBytes
        normalizer = try makeNormalizer(json["normalizer"] ?? .null)
        preTokenizer = try makePreTokenizer(json["pre_tokenizer"] ?? .null)
        model = try makeModel(try json.require("model", in: "tokenizer.json"))
        (postProcessor, specialTokensAdded) = try makePostProcessor(json["post_processor"] ?? .null)
        truncation = try Truncation.parse(json["truncation"])
        padding = try Padding.parse(json["padding"])
        unkId = model.unkId
        consultsTextStart = preTokenizer?.consultsTextStart ?? false
        bertWordPiece = model is WordPieceModel && preTokenizer is BertPreTokenizer

        var added: [AddedToken] = []
        if let list = json["added_tokens"], !list.isNull {
            guard let arr = list.array else { throw .format("tokenizer.json: \"added_tokens\" must be an array") }
            // Ids as HF's deserializer gives them (AddedVocabulary::add_tokens): the file's "id"
            // is only checked, never used. A content the model (or an earlier added token) has
            // keeps that id; a new content gets the next id from the model's token count on;
            // an empty content is ignored; a repeated content replaces the earlier properties.
            let m0 = model
            var nextId = m0.tokenCount
            // Keyed by UTF-8 bytes: String equality is canonical equivalence, and "é" and
            // "e\u{301}" are two added tokens in HF.
            var indexOfContent: [[UInt8]: Int] = [:]
            for (i, t) in arr.enumerated() {
                let what = "added_tokens[\(i)]"
                let fileId = try t.requireInt("id", in: what)
                guard fileId >= 0, fileId <= Limits.maxTokenId else { throw .format("\(what): id \(fileId) is outside 0...\(Limits.maxTokenId)") }
                let content = try t.requireString("content", in: what)
                let special = try t.optionalBool("special", default: false, in: what)
                if content.isEmpty { continue }
                let key = Array(content.utf8)
                let id: Int
                if let k = indexOfContent[key] {
                    id = Int(added[k].id)
                } else if let m = Array(content.utf8).withUnsafeBufferPointer({ m0.id(forToken: $0) }) {
                    id = Int(m)
                } else {
                    guard nextId <= Limits.maxTokenId else { throw .format("\(what): no token id left for \"\(content)\"") }
                    id = nextId
                    nextId += 1
                }
                let token = AddedToken(
                    id: Int32(id), content: content, special: special,
                    singleWord: try t.optionalBool("single_word", default: false, in: what),
                    lstrip: try t.optionalBool("lstrip", default: false, in: what),
                    rstrip: try t.optionalBool("rstrip", default: false, in: what),
                    normalized: try t.optionalBool("normalized", default: !special, in: what))
                if let k = indexOfContent[key] { added[k] = token } else {
                    indexOfContent[key] = added.count
                    added.append(token)
                }
            }
        }
        addedTokens = added
        var byId: [Int32: Int] = [:]
        var maxId = model.vocabSize - 1
        for (i, t) in added.enumerated() {
            byId[t.id] = i
            maxId = max(maxId, Int(t.id))
        }
        addedById = byId
        vocabSize = maxId + 1

        // Raw tokens match their content as is; normalized ones match their normalized content.
        let raw = added.filter { !$0.normalized }
        rawMatcher = AddedTokenMatcher(tokens: raw, patterns: raw.map { $0.content.unicodeScalars.map { $0.value } })
        let norm = added.filter { $0.normalized }
        var patterns: [[UInt32]] = []
        var scratch: [UInt32] = []
        for t in norm {
            var s = t.content.unicodeScalars.map { $0.value }
            try normalizer?.normalize(&s, scratch: &scratch)
            patterns.append(s)
        }
        normalizedMatcher = AddedTokenMatcher(tokens: norm, patterns: patterns)
        onePass = bertWordPiece ? OnePassPath(normalizer: normalizer, raw: rawMatcher, normalized: normalizedMatcher) : nil
    }

    /// The token string of `id` (added tokens first, then the model's vocabulary).
    public func token(forId id: Int32) -> [UInt8]? {
        if let i = addedById[id] { return Array(addedTokens[i].content.utf8) }
        return model.token(forId: id)
    }

    /// The id of a token given as a string, compared byte-wise (added tokens first).
    public func id(forToken token: String) -> Int32? {
        for t in addedTokens where t.content.utf8.elementsEqual(token.utf8) { return t.id }
        let bytes = Array(token.utf8)
        return bytes.withUnsafeBufferPointer { model.id(forToken: $0) }
    }

    // MARK: Encoding

    /// Tokenizes UTF-8 `text`, appending ids to `ids` (cleared first). Throws `.invalidUTF8`.
    /// `maxTokens` keeps only the first ids (before special tokens are added), as the Rust
    /// crate's right-side truncation does for a single sequence without special tokens.
    public func encode(utf8 text: UnsafeBufferPointer<UInt8>, addSpecialTokens: Bool = false,
                       maxTokens: Int = .max, into ids: inout [Int32],
                       workspace ws: TokenizerWorkspace) throws(M2VError) {
        if encodeOnePass(text, maxScalars: text.count, addSpecialTokens: addSpecialTokens, maxTokens: maxTokens, into: &ids, workspace: ws) {
            return
        }
        ws.input.removeAll(keepingCapacity: true)
        try UTF8Decoding.decode(text, into: &ws.input, limit: Limits.textCodePoints + 1)
        try Tokenizer.checkLength(ws.input.count, "")
        try typed {
            try ws.input.withUnsafeBufferPointer { (s: UnsafeBufferPointer<UInt32>) throws(M2VError) in
                try encode(scalars: s, addSpecialTokens: addSpecialTokens, maxTokens: maxTokens, into: &ids, workspace: ws)
            }
        }
    }

    /// Rejects a text (`stage` "" = as given, else e.g. "normalized") longer than
    /// `Limits.textCodePoints`; `count` may be that limit + 1 when the producer stopped there.
    @inline(__always)
    public static func checkLength(_ count: Int, _ stage: String) throws(M2VError) {
        guard count <= Limits.textCodePoints else {
            throw .invalidArgument("the text\(stage.isEmpty ? "" : " " + stage) has more than \(Limits.textCodePoints) code points, the most m2v tokenizes as one text")
        }
    }

    /// Convenience for Swift callers and tests.
    public func encode(_ text: String, addSpecialTokens: Bool = false) -> [Int32] {
        let ws = TokenizerWorkspace()
        var ids: [Int32] = []
        let scalars = text.unicodeScalars.map { $0.value }
        // Only a text beyond Limits.textCodePoints (or a runaway regex) fails; this then returns [].
        _ = try? typed {
            try scalars.withUnsafeBufferPointer { (s: UnsafeBufferPointer<UInt32>) throws(M2VError) in
                try encode(scalars: s, addSpecialTokens: addSpecialTokens, into: &ids, workspace: ws)
            }
        }
        return ids
    }

    /// Tokenizes text given as Unicode scalar values (already validated). Throws only
    /// `.invalidArgument`: a text that normalizes to more than `Limits.textCodePoints`, or a
    /// `Split` / `Replace` regex whose search exceeds Oniguruma's retry limit.
    public func encode(scalars text: UnsafeBufferPointer<UInt32>, addSpecialTokens: Bool = false,
                       maxTokens: Int = .max, into ids: inout [Int32], workspace ws: TokenizerWorkspace) throws(M2VError) {
        ids.removeAll(keepingCapacity: true)
        let limit = max(0, maxTokens)
        if limit > 0 {
            ws.rawSegments.removeAll(keepingCapacity: true)
            rawMatcher.split(text, base: 0, into: &ws.rawSegments)
            outer: for seg in ws.rawSegments {
                if seg.token >= 0 {
                    ids.append(seg.token)
                    if ids.count >= limit { break }
                    continue
                }
                // Normalize this run of plain text on its own, as HF does.
                ws.segment.removeAll(keepingCapacity: true)
                ws.segment.append(contentsOf: UnsafeBufferPointer(rebasing: text[seg.start..<seg.end]))
                // Metaspace "first" asks whether a piece starts at *original* offset 0: track how
                // many leading normalized scalars are aligned there (HF's alignments).
                // (Only a segment that begins the text can hold any: HF's offsets of a later one
                // are shifted by its position.)
                var origin = seg.start == 0 ? 1 : 0
                if let n = normalizer {
                    if consultsTextStart && seg.start == 0 {
                        try n.normalize(&ws.segment, scratch: &ws.normScratch, origin: &origin)
                    } else {
                        try n.normalize(&ws.segment, scratch: &ws.normScratch)
                    }
                }
                try Tokenizer.checkLength(ws.segment.count, "normalized")
                ws.normSegments.removeAll(keepingCapacity: true)
                ws.segment.withUnsafeBufferPointer { normalizedMatcher.split($0, base: 0, into: &ws.normSegments) }
                for sub in ws.normSegments {
                    if sub.token >= 0 {
                        ids.append(sub.token)
                        if ids.count >= limit { break outer }
                        continue
                    }
                    try tokenizePlain(ws: ws, range: sub.start..<sub.end, origin: max(0, origin - sub.start), ids: &ids)
                    if ids.count >= limit { break outer }
                }
            }
            if ids.count > limit { ids.removeSubrange(limit...) }
        }
        if addSpecialTokens, let post = postProcessor { post.process(&ids, scratch: &ws.postScratch) }
    }

    /// `encode(scalars:)` of the first `maxScalars` code points of UTF-8 `text` in one pass
    /// (`OnePassPath`), or false (nothing done) when that path is off for this tokenizer, the text
    /// is long, or some scalar of `text` (all of it: the caller drops the rest, which must be
    /// valid UTF-8) needs the general path.
    public func encodeOnePass(_ text: UnsafeBufferPointer<UInt8>, maxScalars: Int, addSpecialTokens: Bool, maxTokens: Int,
                              into ids: inout [Int32], workspace ws: TokenizerWorkspace) -> Bool {
        guard let path = onePass,
              let (_, count) = path.run(text, maxScalars: maxScalars, segment: &ws.onePassScalars, pieces: &ws.onePassPieces)
        else { return false }
        ids.removeAll(keepingCapacity: true)
        let limit = max(0, maxTokens)
        if limit > 0 && count > 0 {
            ws.onePassScalars.withUnsafeBufferPointer { seg in
                ws.onePassPieces.withUnsafeBufferPointer { pc in
                    model.tokenize(pieces: UnsafeBufferPointer(rebasing: pc[0..<count]), arena: seg, into: &ids, scratch: &ws.model)
                }
            }
            if ids.count > limit { ids.removeSubrange(limit...) }
        }
        if addSpecialTokens, let post = postProcessor { post.process(&ids, scratch: &ws.postScratch) }
        return true
    }

    /// Pre-tokenizes `ws.segment[range]` and runs the model on each piece.
    private func tokenizePlain(ws: TokenizerWorkspace, range: Range<Int>, origin: Int, ids: inout [Int32]) throws(M2VError) {
        if bertWordPiece {
            // BertPreTokenizer + WordPiece: the pieces are ranges of the normalized text itself
            // (no copy into a PreTokenizedString), the same ranges `preTokenize` makes. (Their
            // alignment to the text start is not needed: nothing after them consults it.)
            ws.fastPieces.removeAll(keepingCapacity: true)
            ws.segment.withUnsafeBufferPointer { seg in
                BertPreTokenizer.appendPieces(seg, range, into: &ws.fastPieces)
                ws.fastPieces.withUnsafeBufferPointer { pieces in
                    model.tokenize(pieces: pieces, arena: seg, into: &ids, scratch: &ws.model)
                }
            }
            return
        }
        ws.segment.withUnsafeBufferPointer { seg in
            ws.pretok.reset(UnsafeBufferPointer(rebasing: seg[range]), origin: origin)
        }
        try preTokenizer?.preTokenize(&ws.pretok)
        ws.pretok.scalars.withUnsafeBufferPointer { arena in
            ws.pretok.pieces.withUnsafeBufferPointer { pieces in
                model.tokenize(pieces: pieces, arena: arena, into: &ids, scratch: &ws.model)
            }
        }
    }
}

/// Per-thread scratch buffers for `Tokenizer.encode`. Not thread-safe: one per thread. Reusing one
/// across calls makes steady-state tokenization allocation-free.
public final class TokenizerWorkspace: @unchecked Sendable {  // used by one thread at a time
    public var input: [UInt32] = []
    var segment: [UInt32] = []
    var normScratch: [UInt32] = []
    var rawSegments: [Segment] = []
    var normSegments: [Segment] = []
    var pretok = PreTokenizedString()
    var fastPieces: [Piece] = []
    /// The one-pass path's normalized text and pieces: only grown (at most `OnePassPath.maxScalars`
    /// code points' worth), written by index, never reset, so a text on that path initializes nothing.
    var onePassScalars: [UInt32] = []
    var onePassPieces: [Piece] = []
    var model = ModelScratch()
    var postScratch: [Int32] = []
    public init() {}

    /// The calling thread's workspace, kept across calls (the piece memo is bounded: see
    /// `PieceCache`); one whose text buffers grew past `keptScalars` is dropped after its call.
    public static let perThread = ThreadCache(keep: { $0.isSmall }) { TokenizerWorkspace() }

    /// Code points of text buffer a kept workspace may hold (1 MiB of UInt32).
    public static let keptScalars = 1 << 18

    /// Whether its buffers are small enough to keep for the thread's next call.
    public var isSmall: Bool {
        input.capacity <= Self.keptScalars && segment.capacity <= Self.keptScalars
            && normScratch.capacity <= Self.keptScalars && pretok.scalars.capacity <= Self.keptScalars
            && fastPieces.capacity <= Self.keptScalars / 4  // 24-byte pieces: 1.5 MiB
    }
}

extension Tokenizer {
    /// Tokenizes a batch on all cores (`threads` 0 = all), as HF's `encode_batch` does, with
    /// `settings`' truncation and padding (nil = tokenizer.json's own, as HF applies them).
    public func encodeBatch(_ batch: TextBatch, addSpecialTokens: Bool, settings: BatchSettings? = nil,
                            threads: Int = 0) throws(M2VError) -> [[Int32]] {
        let s = settings ?? fileSettings
        let n = Parallel.threads(requested: threads, work: batch.count, bytes: batch.bytes(0..<batch.count))
        let errors = ErrorSlot()
        let sink = ResultSink(count: batch.count)
        Parallel.forChunks(count: batch.count, threads: n) { _, range in
            let ws = TokenizerWorkspace.perThread.take()
            defer { TokenizerWorkspace.perThread.give(ws) }
            var ids: [Int32] = []
            for i in range {
                do throws(M2VError) {
                    try self.encodeTruncated(utf8: batch.text(i), addSpecialTokens: addSpecialTokens,
                                             truncation: s.truncation, into: &ids, workspace: ws)
                    sink.set(i, ids)
                } catch {
                    errors.record(i, error.context("text \(i)"))
                }
            }
        }
        if let e = errors.error { throw e.error }
        var lists = (0..<batch.count).map { sink.values[$0] }
        if let p = s.padding { Tokenizer.applyPadding(&lists, p) }
        return lists
    }
}
