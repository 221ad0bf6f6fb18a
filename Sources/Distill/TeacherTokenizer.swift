// Distill/TeacherTokenizer — the teacher's tokenizer as model2vec 0.10's distill edits it: a port
// of skeletoken 0.6.1's `TokenizerModel` (pydantic models of tokenizer.json) for the operations
// distill_from_model uses, with the behaviour of every layer it goes through:
//
//   1. HF tokenizers loads the file (`PreTrainedTokenizerFast(tokenizer_file=...)`): added-token
//      ids as `AddedVocabulary::add_tokens` gives them (the file's "id" is ignored), BPE merges
//      deduplicated by rank, every component with the Rust defaults (canonicalComponent);
//   2. transformers adds the named special tokens of tokenizer_config.json that are not added
//      tokens yet, and may replace the post-processor (add_bos_token / add_eos_token);
//   3. skeletoken parses `to_str()` (`model_post_init`: added tokens missing from the model's
//      vocabulary are added to it, the unk and pad tokens re-set), keeps that state as the
//      "original" (the teacher's embedding rows), then applies the transformers settings
//      (clean_up_tokenization_spaces, add_prefix_space, unk/pad token, model_max_length);
//   4. prune_added_tokens, remove_tokens_from_vocabulary, add_tokens_to_vocabulary,
//      add_addedtokens as skeletoken implements them, including the parts that look like bugs:
//      a Unigram `unk_id` is an index that removals do not update; a BPE token added to the
//      vocabulary adds merges pairing its pieces and adds the pieces themselves as tokens, which
//      can make a later custom word "already exist" or leave a merge whose result is not in the
//      vocabulary (the reference then fails; so do we);
//   5. HF tokenizers serializes the result (`serialized`): vocab by id, merges by rank, added
//      tokens by id, floats by ryu.
import M2VSupport

typealias TokenBytes = [UInt8]

/// A token as a hash key: the UTF-8 bytes hashed in one call (an [UInt8] key hashes byte by
/// byte, which dominated the big vocabularies' time).
struct TokenKey: Hashable {
    var bytes: TokenBytes
    init(_ b: TokenBytes) { bytes = b }
    func hash(into h: inout Hasher) { bytes.withUnsafeBytes { h.combine(bytes: $0) } }
    static func == (a: TokenKey, b: TokenKey) -> Bool { a.bytes == b.bytes }
}

/// An entry of "added_tokens".
struct TeacherAddedToken: Equatable {
    var content: TokenBytes
    var id: Int
    var singleWord = false
    var lstrip = false
    var rstrip = false
    var normalized = false
    var special = false
}

enum TeacherModelKind: String {
    case wordPiece = "WordPiece", bpe = "BPE", unigram = "Unigram", wordLevel = "WordLevel"
}

/// A vocabulary: tokens in id order. For WordPiece/BPE/WordLevel (skeletoken's `Vocabulary`, a
/// token -> id dict) ids ascend and may have holes until the first removal renumbers them; for
/// Unigram (`UnigramVocabulary`, a list) the id is the position and a repeated token maps to its
/// last position, as the dict comprehension over the list gives it.
struct TeacherVocab {
    private(set) var tokens: [TokenBytes] = []
    private(set) var ids: [Int] = []
    private var index: [TokenKey: Int] = [:]
    private(set) var scores: [Double] = []
    let isList: Bool
    /// UnigramVocabulary._min_score: the smallest score when the list was parsed (-100 if empty).
    var minScore: Double = -100

    init(isList: Bool) { self.isList = isList }

    var count: Int { tokens.count }
    func id(_ t: TokenBytes) -> Int? { index[TokenKey(t)].map { ids[$0] } }
    func contains(_ t: TokenBytes) -> Bool { index[TokenKey(t)] != nil }
    /// The position the token maps to (its last one in a list with repeats).
    func position(_ t: TokenBytes) -> Int? { index[TokenKey(t)] }
    var isContiguous: Bool { ids.last.map { $0 == ids.count - 1 } ?? true }
    func score(at i: Int) -> Double { scores[i] }

    /// Appends in id order (loading).
    mutating func load(_ t: TokenBytes, id: Int, score: Double = 0) {
        index[TokenKey(t)] = tokens.count
        tokens.append(t)
        ids.append(id)
        if isList { scores.append(score) }
    }

    /// `add_token`: nil when the token is already there (skeletoken raises ValueError). A dict
    /// vocabulary takes id `count` unless a hole made it taken, then the smallest free id.
    mutating func add(_ t: TokenBytes) -> Int? {
        guard index[TokenKey(t)] == nil else { return nil }
        if isList {
            load(t, id: tokens.count, score: minScore)
            return tokens.count - 1
        }
        var newId = tokens.count
        if !isContiguous {
            let taken = Set(ids)
            if taken.contains(newId) { newId = (0...tokens.count).first { !taken.contains($0) } ?? tokens.count }
        }
        if let last = ids.last, newId < last {
            var lo = 0, hi = ids.count
            while lo < hi { let mid = (lo + hi) / 2; if ids[mid] < newId { lo = mid + 1 } else { hi = mid } }
            tokens.insert(t, at: lo)
            ids.insert(newId, at: lo)
            reindex()
        } else {
            load(t, id: newId)
        }
        return newId
    }

    /// `replace_token`: the new form keeps the old one's id (and score).
    mutating func replace(_ old: TokenBytes, with new: TokenBytes) {
        guard let i = index[TokenKey(old)], index[TokenKey(new)] == nil else { return }
        tokens[i] = new
        index[TokenKey(old)] = nil
        index[TokenKey(new)] = i
    }

    /// `remove_tokens`. A dict vocabulary drops the keys and renumbers 0..<count in id order; a
    /// list drops the positions the tokens map to.
    mutating func remove(_ set: Set<TokenKey>) {
        var keepTokens: [TokenBytes] = [], keepScores: [Double] = []
        keepTokens.reserveCapacity(tokens.count)
        let drop = Set(set.compactMap { index[$0] })
        for i in tokens.indices where !drop.contains(i) {
            keepTokens.append(tokens[i])
            if isList { keepScores.append(scores[i]) }
        }
        tokens = keepTokens
        scores = keepScores
        ids = Array(0..<tokens.count)
        reindex()
    }

    private mutating func reindex() {
        index = [:]
        index.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() { index[TokenKey(t)] = i }
    }
}

/// BPE merges (skeletoken's `Merges`): the list and the rank of each pair (its last position),
/// built when first needed. Pairs appended by `addMerges` are counted (`added`): only those can
/// break the Rust crate's rule that a merge's parts and result are tokens.
struct TeacherMerges {
    private(set) var pairs: [(left: TokenBytes, right: TokenBytes)] = []
    private var rank: [TokenKey: Int]? = nil
    private(set) var added = 0

    static func key(_ l: TokenBytes, _ r: TokenBytes) -> TokenKey { TokenKey(l + [0xFF] + r) }

    init(_ list: [(TokenBytes, TokenBytes)]) {
        pairs = list.map { (left: $0.0, right: $0.1) }
    }

    private static func ranks(_ pairs: [(left: TokenBytes, right: TokenBytes)]) -> [TokenKey: Int] {
        var r: [TokenKey: Int] = [:]
        r.reserveCapacity(pairs.count)
        for (i, p) in pairs.enumerated() { r[key(p.left, p.right)] = i }
        return r
    }

    /// `_remove_merges_for_tokens`: every merge with a removed token as a part or as its result.
    mutating func remove(_ set: Set<TokenKey>) {
        guard !set.isEmpty else { return }
        pairs.removeAll { set.contains(TokenKey($0.left)) || set.contains(TokenKey($0.right)) || set.contains(TokenKey($0.left + $0.right)) }
        rank = nil
    }

    /// `_merge`: the token's characters merged by the lowest-ranked pair present, repeatedly.
    static func segment(_ token: TokenBytes, _ rank: [TokenKey: Int]) -> [TokenBytes] {
        var chars: [TokenBytes] = []
        var i = 0
        while i < token.count {
            let n = utf8Width(lead: token[i])
            chars.append(Array(token[i..<min(token.count, i + n)]))
            i += n
        }
        if chars.count <= 1 { return chars }
        while chars.count > 1 {
            var best = Int.max, bl: TokenBytes = [], br: TokenBytes = []
            for j in 0..<(chars.count - 1) {
                if let r = rank[Self.key(chars[j], chars[j + 1])], r < best { best = r; bl = chars[j]; br = chars[j + 1] }
            }
            if best == Int.max { break }
            var merged: [TokenBytes] = []
            var k = 0
            while k < chars.count - 1 {
                if chars[k] == bl && chars[k + 1] == br { merged.append(bl + br); k += 2 } else { merged.append(chars[k]); k += 1 }
            }
            if k < chars.count { merged.append(chars[k]) }
            chars = merged
        }
        return chars
    }

    /// `_add_merges_for_token` (no vocabulary constraint): while the token does not merge into one
    /// piece, pair its pieces (0,1), (2,3), ... as new lowest-priority merges. Returns the pieces
    /// that were paired (skeletoken then adds those missing from the vocabulary as tokens).
    mutating func addMerges(for token: TokenBytes) throws(M2VError) -> Set<TokenKey> {
        var rank = self.rank ?? Self.ranks(pairs)
        defer { self.rank = rank }
        var visited: Set<TokenKey> = []
        var form = Self.segment(token, rank)
        var rounds = 0
        while form.count > 1 {
            rounds += 1
            guard rounds <= 4 * token.count + 16 else {
                throw .unsupported("BPE merges for the new token \"\(String(decoding: token, as: UTF8.self))\" do not converge")
            }
            var i = 0
            while i < form.count - 1 {
                let (l, r) = (form[i], form[i + 1])
                let k = Self.key(l, r)
                if rank[k] == nil {
                    pairs.append((l, r))
                    rank[k] = pairs.count - 1
                    added += 1
                }
                visited.insert(TokenKey(l)); visited.insert(TokenKey(r))
                i += 2
            }
            form = Self.segment(token, rank)
        }
        return visited
    }
}

/// The number of bytes of the UTF-8 sequence that starts with `lead` (1 for a stray byte).
@inline(__always) func utf8Width(lead: UInt8) -> Int {
    if lead < 0xC0 { return 1 }
    if lead < 0xE0 { return 2 }
    if lead < 0xF0 { return 3 }
    return 4
}

/// tokenizer.json "truncation" (HF TruncationParams).
struct TeacherTruncation: Equatable {
    var direction = "Right"
    var maxLength: Int
    var strategy = "LongestFirst"
    var stride = 0
}

/// tokenizer.json "padding" (HF PaddingParams); `fixed` nil = "BatchLongest".
struct TeacherPadding: Equatable {
    var fixed: Int? = 0
    var direction = "Right"
    var padToMultipleOf: Int? = nil
    var padId: Int
    var padTypeId = 0
    var padToken: TokenBytes
}

/// The settings `AutoTokenizer` passes from the teacher's tokenizer_config.json (and the legacy
/// special_tokens_map.json) to the tokenizer, which skeletoken then reads.
public struct TeacherTokenizerConfig: Sendable, Equatable {
    /// model_max_length (nil: unset, or transformers' 1e15+ sentinel).
    public var modelMaxLength: Int? = nil
    /// The named special tokens, in transformers' order: bos, eos, unk, sep, pad, cls, mask.
    public var specialTokens: [(name: String, content: String)] = []
    public var addPrefixSpace = false
    public var cleanUpTokenizationSpaces = false
    /// add_bos_token / add_eos_token when the config has them (transformers then rebuilds the
    /// post-processor from them).
    public var addBosToken: Bool? = nil
    public var addEosToken: Bool? = nil

    public static let specialTokenNames = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]

    public init() {}

    /// Reads tokenizer_config.json (and special_tokens_map.json, whose tokens win when the config
    /// has no "added_tokens_decoder", as transformers' legacy path does).
    public init(tokenizerConfigJSON: [UInt8]?, specialTokensMapJSON: [UInt8]? = nil) throws(M2VError) {
        var named: [String: String] = [:]
        func token(_ v: JSON, _ what: String) throws(M2VError) -> String? {
            if v.isNull { return nil }
            if let s = v.string { return s }
            if let c = v["content"]?.string { return c }
            throw .format("\(what): a special token must be a string or {\"content\": ...}")
        }
        if let bytes = tokenizerConfigJSON {
            let j = try JSON.parse(bytes)
            let what = "tokenizer_config.json"
            guard j.object != nil else { throw .format("\(what): expected an object") }
            for n in Self.specialTokenNames { if let v = j[n], let t = try token(v, what) { named[n] = t } }
            if let v = j["model_max_length"], !v.isNull {
                guard let d = v.double, d >= 0 else { throw .format("\(what): \"model_max_length\" must be a number") }
                if d < 1e15 { modelMaxLength = Int(d) }
            }
            addPrefixSpace = try j.optionalBool("add_prefix_space", default: false, in: what)
            cleanUpTokenizationSpaces = try j.optionalBool("clean_up_tokenization_spaces", default: false, in: what)
            if let v = j["add_bos_token"], !v.isNull {
                guard let b = v.bool else { throw .format("\(what): \"add_bos_token\" must be a boolean") }
                addBosToken = b
            }
            if let v = j["add_eos_token"], !v.isNull {
                guard let b = v.bool else { throw .format("\(what): \"add_eos_token\" must be a boolean") }
                addEosToken = b
            }
            if j["added_tokens_decoder"] == nil, let m = specialTokensMapJSON {
                let s = try JSON.parse(m)
                for n in Self.specialTokenNames { if let v = s[n], let t = try token(v, "special_tokens_map.json") { named[n] = t } }
            }
        } else if let m = specialTokensMapJSON {
            let s = try JSON.parse(m)
            for n in Self.specialTokenNames { if let v = s[n], let t = try token(v, "special_tokens_map.json") { named[n] = t } }
        }
        specialTokens = Self.specialTokenNames.compactMap { n in named[n].map { (n, $0) } }
    }

    /// The settings of a teacher folder: its tokenizer_config.json and special_tokens_map.json
    /// (each optional).
    public init(folder: String) throws(M2VError) {
        func read(_ name: String) throws(M2VError) -> [UInt8]? {
            let p = FileIO.join(folder, name)
            guard FileIO.isRegularFile(p) else { return nil }
            do { return try FileIO.read(p, limit: Limits.tokenizerJSONBytes) } catch { throw error.context(p) }
        }
        let config = try read("tokenizer_config.json"), map = try read("special_tokens_map.json")
        do { try self.init(tokenizerConfigJSON: config, specialTokensMapJSON: map) } catch { throw error.context(folder) }
    }

    public func token(_ name: String) -> String? { specialTokens.first { $0.name == name }?.content }

    public static func == (a: Self, b: Self) -> Bool {
        a.modelMaxLength == b.modelMaxLength && a.addPrefixSpace == b.addPrefixSpace
            && a.cleanUpTokenizationSpaces == b.cleanUpTokenizationSpaces && a.addBosToken == b.addBosToken
            && a.addEosToken == b.addEosToken && a.specialTokens.count == b.specialTokens.count
            && zip(a.specialTokens, b.specialTokens).allSatisfy { $0.name == $1.name && $0.content.utf8.elementsEqual($1.content.utf8) }
    }
}

/// skeletoken's TokenizerModel, for the operations model2vec's distill uses.
struct TeacherTokenizer {
    var kind: TeacherModelKind
    var vocab: TeacherVocab
    var merges = TeacherMerges([])
    /// WordPiece / WordLevel (always set) and BPE (optional) unk token.
    var unkToken: TokenBytes?
    /// Unigram: the index of the unk piece; removals do not update it (skeletoken).
    var unkId: Int?
    var continuingSubwordPrefix: TokenBytes?
    var maxInputCharsPerWord = 100
    var dropout: Float?
    var endOfWordSuffix: TokenBytes?
    var fuseUnk = false
    var byteFallback = false
    var ignoreMerges = false
    var added: [TeacherAddedToken] = []
    var truncation: TeacherTruncation?
    var padding: TeacherPadding?
    var normalizer: JSON = .null
    var preTokenizer: JSON = .null
    var postProcessor: JSON = .null
    var decoder: JSON = .null
    /// Renamed tokens: new form -> the form in the original vocabulary (`_content_history`).
    var contentHistory: [TokenBytes: TokenBytes] = [:]
    /// The vocabulary skeletoken keeps as the original (`_original_tokenizer`): the teacher's rows.
    var originalRows: [TokenKey: Int] = [:]

    static func text(_ t: TokenBytes) -> String { String(decoding: t, as: UTF8.self) }

    /// An error the reference raises for this teacher or these arguments.
    static func refuses(_ why: String) -> M2VError {
        .unsupported("model2vec 0.10 cannot distil this teacher with these arguments: \(why)")
    }

    // MARK: Loading (steps 1-3 of the file comment)

    init(teacherJSON bytes: [UInt8], config: TeacherTokenizerConfig) throws(M2VError) {
        let what = "teacher tokenizer.json"
        let json = try JSON.parse(bytes)
        guard json.object != nil else { throw .format("\(what): the top level must be an object") }
        if let v = json["version"], v.string != "1.0" { throw .format("\(what): unknown tokenizer version") }
        guard let model = json["model"], model.object != nil else { throw .format("\(what): no model") }
        guard let typeName = model["type"]?.string else {
            throw .unsupported("\(what): a model without \"type\" (an old format)")
        }
        guard let kind = TeacherModelKind(rawValue: typeName) else {
            throw .unsupported("\(what): distilling with a \(typeName) tokenizer (model2vec 0.10 distils WordPiece, BPE, Unigram and WordLevel)")
        }
        self.kind = kind
        self.vocab = TeacherVocab(isList: kind == .unigram)
        try loadModel(model, what: "\(what) model")
        normalizer = try canonicalComponent(json["normalizer"] ?? .null, .normalizer)
        preTokenizer = try canonicalComponent(json["pre_tokenizer"] ?? .null, .preTokenizer)
        postProcessor = try canonicalComponent(json["post_processor"] ?? .null, .postProcessor)
        decoder = try canonicalComponent(json["decoder"] ?? .null, .decoder)
        truncation = try Self.parseTruncation(json["truncation"], what)
        padding = try Self.parsePadding(json["padding"], what)

        // HF AddedVocabulary: the tokens of the file, then transformers' named special tokens.
        var rust = RustAddedVocabulary()
        var fileTokens: [TeacherAddedToken] = []
        for (i, t) in (json["added_tokens"]?.array ?? []).enumerated() {
            let w = "\(what) added_tokens[\(i)]"
            guard let content = t["content"]?.string else { throw .format("\(w): no content") }
            guard let fileId = t["id"]?.int, fileId >= 0, fileId <= Limits.maxTokenId else { throw .format("\(w): bad id") }
            _ = fileId // checked, never used (HF gives the id)
            func flag(_ k: String, _ d: Bool) throws(M2VError) -> Bool {
                guard let v = t[k] else { return d }
                guard let b = v.bool else { throw .format("\(w): \"\(k)\" must be a boolean") }
                return b
            }
            let special = try flag("special", false)
            fileTokens.append(TeacherAddedToken(content: Array(content.utf8), id: 0, singleWord: try flag("single_word", false),
                                                lstrip: try flag("lstrip", false), rstrip: try flag("rstrip", false),
                                                normalized: try flag("normalized", !special), special: special))
        }
        try rust.add(fileTokens, vocab: vocab)
        var named: [TeacherAddedToken] = []
        var padName = config.token("pad_token")
        if padName == nil, let p = padding { padName = Self.text(p.padToken) }
        for n in TeacherTokenizerConfig.specialTokenNames {
            let value = n == "pad_token" ? padName : config.token(n)
            guard let v = value else { continue }
            let c = Array(v.utf8)
            if rust.contentToId[c] != nil || named.contains(where: { $0.content == c }) { continue }
            named.append(TeacherAddedToken(content: c, id: 0, special: true))
        }
        try rust.add(named, vocab: vocab)
        if config.addBosToken != nil || config.addEosToken != nil || postProcessor.isNull {
            postProcessor = try Self.updatedPostProcessor(config: config, rust: rust, vocab: vocab)
        }

        // skeletoken: model_post_init on to_str().
        added = rust.byId.keys.sorted().compactMap { rust.byId[$0] }
        for i in added.indices {
            let c = added[i].content
            if !vocab.contains(c) { _ = try addToVocabulary(c, isAddedToken: true) }
            added[i].id = try idOf(c)
        }
        try setUnkToken(try currentUnkToken())
        try setPadToken(padding.map { $0.padToken })
        for (i, t) in vocab.tokens.enumerated() where vocab.position(t) == i { originalRows[TokenKey(t)] = vocab.ids[i] }

        // skeletoken: convert_transformers_tokenizer_to_model's settings.
        if config.cleanUpTokenizationSpaces { decoder = Self.withCleanUpBlock(decoder) }
        if config.addPrefixSpace && !alreadyAddsPrefixSpace {
            let prepend: JSON = .object([("type", .string("Prepend")), ("prepend", .string(" "))])
            if normalizer.isNull {
                normalizer = prepend
            } else if normalizer["type"]?.string == "Sequence" {
                normalizer = .object([("type", .string("Sequence")), ("normalizers", .array([prepend] + (normalizer["normalizers"]?.array ?? [])))])
            } else {
                normalizer = .object([("type", .string("Sequence")), ("normalizers", .array([prepend, normalizer]))])
            }
        }
        if let unk = config.token("unk_token") { try setUnkToken(Array(unk.utf8)) }
        if let pad = padName { try setPadToken(Array(pad.utf8)) }
        if let m = config.modelMaxLength {
            if truncation == nil { truncation = TeacherTruncation(maxLength: m) } else { truncation?.maxLength = m }
        }
    }

    private mutating func loadModel(_ m: JSON, what: String) throws(M2VError) {
        func optString(_ k: String) throws(M2VError) -> TokenBytes? {
            guard let v = m[k], !v.isNull else { return nil }
            guard let s = v.string else { throw .format("\(what): \"\(k)\" must be a string") }
            return Array(s.utf8)
        }
        func reqString(_ k: String) throws(M2VError) -> TokenBytes {
            guard m[k] != nil else { throw .format("\(what): missing \"\(k)\"") }
            guard let s = try optString(k) else { throw .format("\(what): \"\(k)\" must be a string") }
            return s
        }
        func optBool(_ k: String) throws(M2VError) -> Bool {
            guard let v = m[k], !v.isNull else { return false }
            guard let b = v.bool else { throw .format("\(what): \"\(k)\" must be a boolean") }
            return b
        }
        switch kind {
        case .unigram:
            guard let list = m["vocab"]?.array else { throw .format("\(what): \"vocab\" must be a list of [piece, score]") }
            var minScore = Double.infinity
            for (i, e) in list.enumerated() {
                guard let pair = e.array, pair.count == 2, let t = pair[0].string, let d = pair[1].double else {
                    throw .format("\(what): vocab[\(i)] must be [piece, score]")
                }
                // The Rust crate's reading of the file's number (its shortest form), which
                // skeletoken then holds exactly.
                let s = SerdeFloat.roundTrip(d)
                vocab.load(Array(t.utf8), id: i, score: s)
                minScore = min(minScore, s)
            }
            vocab.minScore = list.isEmpty ? -100 : minScore
            if let v = m["unk_id"], !v.isNull {
                guard let u = v.int, u >= 0 else { throw .format("\(what): \"unk_id\" must be a non-negative integer") }
                guard u < list.count else { throw .format("\(what): unk_id \(u) is not in the vocabulary (UnkIdNotInVocabulary)") }
                unkId = u
            }
            byteFallback = try optBool("byte_fallback")
        case .wordPiece, .bpe, .wordLevel:
            guard let obj = m["vocab"]?.object else { throw .format("\(what): \"vocab\" must be an object") }
            // serde's map: a repeated key keeps its last id.
            var byToken: [TokenBytes: Int] = [:]
            byToken.reserveCapacity(obj.count)
            for e in obj {
                guard let id = e.value.int, id >= 0, id <= Limits.maxTokenId else { throw .format("\(what): bad id for \"\(e.key)\"") }
                byToken[Array(e.key.utf8)] = id
            }
            var byId = byToken.map { (id: $0.value, token: $0.key) }
            byId.sort { $0.id < $1.id }
            for i in byId.indices {
                if i > 0, byId[i].id == byId[i - 1].id {
                    throw .unsupported("\(what): tokens \"\(Self.text(byId[i - 1].token))\" and \"\(Self.text(byId[i].token))\" share id \(byId[i].id)")
                }
                vocab.load(byId[i].token, id: byId[i].id)
            }
            switch kind {
            case .wordPiece:
                unkToken = try reqString("unk_token")
                continuingSubwordPrefix = try reqString("continuing_subword_prefix")
                guard let n = m["max_input_chars_per_word"]?.int, n >= 0 else {
                    throw .format("\(what): \"max_input_chars_per_word\" must be a non-negative integer")
                }
                maxInputCharsPerWord = n
            case .wordLevel:
                unkToken = try reqString("unk_token")
            default:
                unkToken = try optString("unk_token")
                continuingSubwordPrefix = try optString("continuing_subword_prefix")
                endOfWordSuffix = try optString("end_of_word_suffix")
                fuseUnk = try optBool("fuse_unk")
                byteFallback = try optBool("byte_fallback")
                ignoreMerges = try optBool("ignore_merges")
                if let v = m["dropout"], !v.isNull {
                    guard let d = v.double else { throw .format("\(what): \"dropout\" must be a number") }
                    let f = Float(SerdeFloat.parse(SerdeFloat.shortest(d)) ?? d)
                    guard f >= 0, f <= 1 else { throw .format("\(what): dropout must be in 0...1") }
                    dropout = f
                }
                guard let list = m["merges"]?.array else { throw .format("\(what): missing \"merges\"") }
                var pairs: [(TokenBytes, TokenBytes)] = []
                pairs.reserveCapacity(list.count)
                let legacy = list.first?.string != nil
                for (i, e) in list.enumerated() {
                    if legacy {
                        guard let s = e.string else { throw .format("\(what): merges[\(i)] must be \"a b\"") }
                        let parts = s.utf8.split(separator: 0x20, omittingEmptySubsequences: false)
                        guard parts.count == 2 else { throw .format("\(what): merges[\(i)] must be \"a b\"") }
                        pairs.append((Array(parts[0]), Array(parts[1])))
                    } else {
                        guard let p = e.array, p.count == 2, let a = p[0].string, let b = p[1].string else {
                            throw .format("\(what): merges[\(i)] must be [a, b]")
                        }
                        pairs.append((Array(a.utf8), Array(b.utf8)))
                    }
                }
                // The Rust BPE keeps one rank per pair, the last: the list it writes back.
                var last: [TokenKey: Int] = [:]
                for (i, p) in pairs.enumerated() { last[TeacherMerges.key(p.0, p.1)] = i }
                if last.count != pairs.count {
                    pairs = pairs.enumerated().filter { last[TeacherMerges.key($0.element.0, $0.element.1)] == $0.offset }.map(\.element)
                }
                merges = TeacherMerges(pairs)
                do { try checkMerges() } catch { throw .format("\(what): \(error.message)") }
            }
        }
    }

    static func parseTruncation(_ v: JSON?, _ what: String) throws(M2VError) -> TeacherTruncation? {
        guard let v, !v.isNull else { return nil }
        let w = "\(what) truncation"
        guard let max = v["max_length"]?.int, max >= 0 else { throw .format("\(w): \"max_length\" must be a non-negative integer") }
        var t = TeacherTruncation(maxLength: max)
        if let d = v["direction"] {
            guard let s = d.string, s == "Left" || s == "Right" else { throw .format("\(w): bad direction") }
            t.direction = s
        }
        guard let s = v["strategy"]?.string, ["LongestFirst", "OnlyFirst", "OnlySecond"].contains(s) else {
            throw .format("\(w): bad strategy")
        }
        t.strategy = s
        guard let st = v["stride"]?.int, st >= 0 else { throw .format("\(w): \"stride\" must be a non-negative integer") }
        t.stride = st
        return t
    }

    static func parsePadding(_ v: JSON?, _ what: String) throws(M2VError) -> TeacherPadding? {
        guard let v, !v.isNull else { return nil }
        let w = "\(what) padding"
        guard let token = v["pad_token"]?.string, let id = v["pad_id"]?.int, id >= 0, let typeId = v["pad_type_id"]?.int,
              typeId >= 0, let dir = v["direction"]?.string, dir == "Left" || dir == "Right", let s = v["strategy"] else {
            throw .format("\(w): needs strategy, direction, pad_id, pad_type_id and pad_token")
        }
        var p = TeacherPadding(padId: id, padTypeId: typeId, padToken: Array(token.utf8))
        p.direction = dir
        if s.string == "BatchLongest" { p.fixed = nil } else if let n = s["Fixed"]?.int, n >= 0 { p.fixed = n } else {
            throw .format("\(w): bad strategy")
        }
        if let m = v["pad_to_multiple_of"], !m.isNull {
            guard let n = m.int, n >= 0 else { throw .format("\(w): bad pad_to_multiple_of") }
            p.padToMultipleOf = n
        }
        return p
    }

    /// transformers' update_post_processor: a template from bos/eos and add_bos/add_eos_token (a
    /// template without special tokens, which skeletoken then drops, when neither is added).
    static func updatedPostProcessor(config: TeacherTokenizerConfig, rust: RustAddedVocabulary, vocab: TeacherVocab) throws(M2VError) -> JSON {
        var pieces: [(String, Int)] = []
        func special(_ name: String, _ flag: Bool?) throws(M2VError) -> (String, Int)? {
            guard flag == true, let t = config.token(name) else { return nil }
            let c = Array(t.utf8)
            guard let id = rust.contentToId[c] ?? vocab.id(c) else {
                throw .unsupported("tokenizer_config.json: \(name) \"\(t)\" is not in the vocabulary")
            }
            return (t, id)
        }
        let bos = try special("bos_token", config.addBosToken), eos = try special("eos_token", config.addEosToken)
        if bos == nil && eos == nil { return .null }
        if let bos { pieces.append(bos) }
        if let eos, !pieces.contains(where: { $0.0.utf8.elementsEqual(eos.0.utf8) }) { pieces.append(eos) }
        func sp(_ t: String, _ type: Int) -> JSON { .object([("SpecialToken", .object([("id", .string(t)), ("type_id", .number(Double(type)))]))]) }
        func sq(_ s: String, _ type: Int) -> JSON { .object([("Sequence", .object([("id", .string(s)), ("type_id", .number(Double(type)))]))]) }
        var single: [JSON] = [], pair: [JSON] = []
        if let bos { single.append(sp(bos.0, 0)) }
        single.append(sq("A", 0))
        if let eos { single.append(sp(eos.0, 0)) }
        pair = single
        if let bos { pair.append(sp(bos.0, 1)) }
        pair.append(sq("B", 1))
        if let eos { pair.append(sp(eos.0, 1)) }
        let specials = pieces.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }.map { p -> (key: String, value: JSON) in
            (p.0, .object([("id", .string(p.0)), ("ids", .array([.number(Double(p.1))])), ("tokens", .array([.string(p.0)]))]))
        }
        return .object([("type", .string("TemplateProcessing")), ("single", .array(single)), ("pair", .array(pair)),
                        ("special_tokens", .object(specials))])
    }

    /// skeletoken's add_clean_up_tokenization_spaces: Sequence[Fuse, Replace x 10] appended.
    static func withCleanUpBlock(_ decoder: JSON) -> JSON {
        let pairs = [(" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
                     (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")]
        var steps: [JSON] = [.object([("type", .string("Fuse"))])]
        for (p, c) in pairs {
            steps.append(.object([("type", .string("Replace")), ("pattern", .object([("String", .string(p))])), ("content", .string(c))]))
        }
        let block: JSON = .object([("type", .string("Sequence")), ("decoders", .array(steps))])
        if decoder.isNull { return block }
        if decoder["type"]?.string == "Sequence" {
            return .object([("type", .string("Sequence")), ("decoders", .array((decoder["decoders"]?.array ?? []) + [block]))])
        }
        return .object([("type", .string("Sequence")), ("decoders", .array([decoder, block]))])
    }

    // MARK: skeletoken properties

    func idOf(_ t: TokenBytes) throws(M2VError) -> Int {
        guard let id = vocab.id(t) else { throw Self.refuses("token \"\(Self.text(t))\" is not in the vocabulary (KeyError)") }
        return id
    }

    /// `unk_token` (a Unigram's is the piece at unk_id, an IndexError past the end).
    func currentUnkToken() throws(M2VError) -> TokenBytes? {
        guard kind == .unigram else { return unkToken }
        guard let u = unkId else { return nil }
        guard u < vocab.count else { throw Self.refuses("the Unigram unk_id \(u) is past the vocabulary's end (IndexError)") }
        return vocab.tokens[u]
    }

    /// The ByteLevel pre-tokenizer skeletoken finds first (depth first), as a path of indices.
    static func byteLevelPath(_ j: JSON) -> [Int]? {
        if j["type"]?.string == "ByteLevel" { return [] }
        if j["type"]?.string == "Sequence", let items = j["pretokenizers"]?.array {
            for (i, it) in items.enumerated() { if let p = byteLevelPath(it) { return [i] + p } }
        }
        return nil
    }

    static func metaspace(_ j: JSON) -> JSON? {
        if j["type"]?.string == "Metaspace" { return j }
        if j["type"]?.string == "Sequence", let items = j["pretokenizers"]?.array {
            for it in items { if let m = metaspace(it) { return m } }
        }
        return nil
    }

    /// `adds_prefix_space`: the first ByteLevel pre-tokenizer's add_prefix_space, nil without one.
    var addsPrefixSpace: Bool? {
        guard let p = Self.byteLevelPath(preTokenizer) else { return nil }
        var j = preTokenizer
        for i in p { j = j["pretokenizers"]?.array?[i] ?? .null }
        return j["add_prefix_space"]?.bool
    }

    mutating func setAddsPrefixSpace(_ value: Bool) {
        guard let p = Self.byteLevelPath(preTokenizer) else { return }
        func set(_ j: JSON, _ path: ArraySlice<Int>) -> JSON {
            guard let i = path.first else { return j.setting("add_prefix_space", .bool(value)) }
            guard var items = j["pretokenizers"]?.array, i < items.count else { return j }
            items[i] = set(items[i], path.dropFirst())
            return j.setting("pretokenizers", .array(items))
        }
        preTokenizer = set(preTokenizer, p[...])
    }

    var alreadyAddsPrefixSpace: Bool {
        if preTokenizer.isNull { return false }
        if addsPrefixSpace == true { return true }
        if let m = Self.metaspace(preTokenizer) { return m["prepend_scheme"]?.string != "never" }
        return false
    }

    /// BOS / EOS tokens from the post-processor (none for Sequence and ByteLevel; the first /
    /// last special piece of TemplateProcessing's single template).
    static func bos(_ pp: JSON) -> [TokenBytes]? { ends(pp, first: true) }
    static func eos(_ pp: JSON) -> [TokenBytes]? { ends(pp, first: false) }

    private static func ends(_ pp: JSON, first: Bool) -> [TokenBytes]? {
        switch pp["type"]?.string {
        case "RobertaProcessing", "BertProcessing":
            return (pp[first ? "cls" : "sep"]?.array?.first?.string).map { [Array($0.utf8)] }
        case "TemplateProcessing":
            guard let single = pp["single"]?.array, let piece = first ? single.first : single.last,
                  let id = piece["SpecialToken"]?["id"]?.string else { return nil }
            guard let entry = pp["special_tokens"]?[id] else { return nil }
            return (entry["tokens"]?.array ?? []).compactMap { $0.string.map { Array($0.utf8) } }
        default:
            return nil
        }
    }

    /// get_tokens_from_post_processor: the tokens its templates reference.
    static func referencedTokens(_ pp: JSON) -> Set<TokenBytes> {
        switch pp["type"]?.string {
        case "Sequence":
            var s: Set<TokenBytes> = []
            for p in pp["processors"]?.array ?? [] { s.formUnion(referencedTokens(p)) }
            return s
        case "RobertaProcessing", "BertProcessing":
            return Set(["cls", "sep"].compactMap { pp[$0]?.array?.first?.string.map { Array($0.utf8) } })
        case "TemplateProcessing":
            var s: Set<TokenBytes> = []
            for id in referencedIdentifiers(pp) {
                for t in pp["special_tokens"]?[id]?["tokens"]?.array ?? [] { if let x = t.string { s.insert(Array(x.utf8)) } }
            }
            return s
        default:
            return []
        }
    }

    private static func referencedIdentifiers(_ pp: JSON) -> Set<String> {
        var ids: Set<String> = []
        for key in ["single", "pair"] {
            for p in pp[key]?.array ?? [] { if let id = p["SpecialToken"]?["id"]?.string { ids.insert(id) } }
        }
        return ids
    }

    /// maybe_replace_token_in_post_processor.
    static func replacingToken(_ old: TokenBytes, _ new: TokenBytes, id: Int, in pp: JSON) -> JSON {
        switch pp["type"]?.string {
        case "Sequence":
            return pp.setting("processors", .array((pp["processors"]?.array ?? []).map { replacingToken(old, new, id: id, in: $0) }))
        case "RobertaProcessing", "BertProcessing":
            var out = pp
            for key in ["cls", "sep"] where pp[key]?.array?.first?.string.map({ Array($0.utf8) == old }) == true {
                out = out.setting(key, .array([.string(Self.text(new)), .number(Double(id))]))
            }
            return out
        case "TemplateProcessing":
            guard let specials = pp["special_tokens"]?.object else { return pp }
            let updated = specials.map { e -> (key: String, value: JSON) in
                let toks = e.value["tokens"]?.array ?? [], ids = e.value["ids"]?.array ?? []
                var nt: [JSON] = [], ni: [JSON] = []
                for (t, i) in zip(toks, ids) {
                    if t.string.map({ Array($0.utf8) == old }) == true { nt.append(.string(Self.text(new))); ni.append(.number(Double(id))) } else {
                        nt.append(t); ni.append(i)
                    }
                }
                return (e.key, e.value.setting("tokens", .array(nt)).setting("ids", .array(ni)))
            }
            return pp.setting("special_tokens", .object(updated))
        default:
            return pp
        }
    }

    /// resync_post_processor_ids.
    func resynced(_ pp: JSON) throws(M2VError) -> JSON {
        switch pp["type"]?.string {
        case "Sequence":
            var items: [JSON] = []
            for p in pp["processors"]?.array ?? [] { items.append(try resynced(p)) }
            return pp.setting("processors", .array(items))
        case "RobertaProcessing", "BertProcessing":
            var out = pp
            for key in ["cls", "sep"] {
                guard let t = pp[key]?.array?.first?.string, let id = vocab.id(Array(t.utf8)) else {
                    throw Self.refuses("post-processor token is no longer in the vocabulary")
                }
                out = out.setting(key, .array([.string(t), .number(Double(id))]))
            }
            return out
        case "TemplateProcessing":
            guard let specials = pp["special_tokens"]?.object else { return pp }
            let referenced = Self.referencedIdentifiers(pp)
            var updated: [(key: String, value: JSON)] = []
            for e in specials {
                let toks = (e.value["tokens"]?.array ?? []).compactMap { $0.string.map { Array($0.utf8) } }
                if let missing = toks.first(where: { !vocab.contains($0) }) {
                    if referenced.contains(e.key) {
                        throw Self.refuses("post-processor token \"\(Self.text(missing))\" is no longer in the vocabulary")
                    }
                    updated.append(e)
                    continue
                }
                updated.append((e.key, e.value.setting("ids", .array(toks.map { .number(Double(vocab.id($0) ?? 0)) }))))
            }
            return pp.setting("special_tokens", .object(updated))
        default:
            return pp
        }
    }

    // MARK: skeletoken operations

    /// The model's `add_token`. BPE: a regular token also gets merges, and the merge pieces
    /// missing from the vocabulary become tokens (in sorted order).
    mutating func addToVocabulary(_ t: TokenBytes, isAddedToken: Bool) throws(M2VError) -> Int {
        guard let id = vocab.add(t) else {
            throw Self.refuses("token \"\(Self.text(t))\" already exists in the vocabulary (skeletoken added it as a BPE merge piece of an earlier word)")
        }
        if kind == .bpe && !isAddedToken {
            let pieces = try merges.addMerges(for: t)
            for p in pieces.map(\.bytes).filter({ !vocab.contains($0) }).sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                _ = vocab.add(p)
            }
        }
        return id
    }

    /// AddedTokens.upsert_token.
    mutating func upsertAdded(_ t: TokenBytes, id: Int, special: Bool? = nil, normalized: Bool? = nil,
                              singleWord: Bool? = nil, lstrip: Bool? = nil, rstrip: Bool? = nil) {
        if let i = added.firstIndex(where: { $0.content == t }) {
            added[i].id = id
            if let special { added[i].special = special }
            if let normalized { added[i].normalized = normalized }
            if let singleWord { added[i].singleWord = singleWord }
            if let lstrip { added[i].lstrip = lstrip }
            if let rstrip { added[i].rstrip = rstrip }
        } else {
            added.append(TeacherAddedToken(content: t, id: id, singleWord: singleWord ?? false, lstrip: lstrip ?? false,
                                           rstrip: rstrip ?? false, normalized: normalized ?? false, special: special ?? false))
        }
    }

    /// The `unk_token` setter.
    mutating func setUnkToken(_ token: TokenBytes?) throws(M2VError) {
        let old = try currentUnkToken()
        guard let token else {
            if kind == .wordPiece || kind == .wordLevel { throw Self.refuses("a WordPiece/WordLevel model needs an unk_token") }
            if kind == .unigram { unkId = nil } else { unkToken = nil }
            return
        }
        if !vocab.contains(token) { _ = try addToVocabulary(token, isAddedToken: true) }
        let index = try idOf(token)
        upsertAdded(token, id: index, special: true)
        if old != nil, !postProcessor.isNull, let old {
            postProcessor = Self.replacingToken(old, token, id: index, in: postProcessor)
        }
        if kind == .unigram { unkId = vocab.position(token) } else { unkToken = token }
    }

    /// The `pad_token` setter.
    mutating func setPadToken(_ token: TokenBytes?) throws(M2VError) {
        guard let token else { padding = nil; return }
        if padding == nil {
            if !vocab.contains(token) { _ = vocab.add(token) }
            padding = TeacherPadding(padId: try idOf(token), padToken: token)
        } else if vocab.contains(token) {
            let id = try idOf(token)
            padding?.padId = id
            padding?.padToken = token
        } else if let old = padding?.padToken, vocab.contains(old) {
            try replaceToken(old, with: token)
            padding?.padToken = token
        } else {
            _ = try addToVocabulary(token, isAddedToken: true)
            let id = try idOf(token)
            padding?.padId = id
            padding?.padToken = token
        }
        upsertAdded(token, id: try idOf(token), special: true)
    }

    /// `_replace_token_in_vocabulary(old, new, is_added_token=True)`.
    private mutating func replaceToken(_ old: TokenBytes, with new: TokenBytes) throws(M2VError) {
        vocab.replace(old, with: new)
        contentHistory[new] = contentHistory.removeValue(forKey: old) ?? old
        if old != new, added.contains(where: { $0.content == old }) {
            added.removeAll { $0.content == new }
            if let j = added.firstIndex(where: { $0.content == old }) { added[j].content = new }
        }
        if !postProcessor.isNull { postProcessor = Self.replacingToken(old, new, id: try idOf(new), in: postProcessor) }
        if padding?.padToken == old { try setPadToken(new) }
        if try currentUnkToken() == old { try setUnkToken(new) }
    }

    /// `_remap_added_token_ids`.
    mutating func remapAddedTokenIds() throws(M2VError) {
        for i in added.indices { added[i].id = try idOf(added[i].content) }
        try setPadToken(padding?.padToken)
        if !postProcessor.isNull { postProcessor = try resynced(postProcessor) }
    }

    /// `remove_tokens_from_vocabulary`.
    mutating func removeTokens(_ list: [TokenBytes]) throws(M2VError) {
        var tokens = list
        if !postProcessor.isNull {
            let referenced = Self.referencedTokens(postProcessor).intersection(tokens)
            if !referenced.isEmpty {
                let names = referenced.map { "'\(Self.text($0))'" }.sorted().joined(separator: ", ")
                throw Self.refuses("cannot remove tokens [\(names)]: they are referenced by the post-processor")
            }
        }
        if let unk = try currentUnkToken(), tokens.contains(unk) {
            if kind == .wordPiece || kind == .wordLevel { tokens.removeAll { $0 == unk } } else { try setUnkToken(nil) }
        }
        if let pad = padding?.padToken, tokens.contains(pad) { padding = nil }
        let set = Set(tokens.map(TokenKey.init))
        added.removeAll { set.contains(TokenKey($0.content)) }
        for t in set where !vocab.contains(t.bytes) {
            throw Self.refuses("token \"\(Self.text(t.bytes))\" does not exist in the vocabulary")
        }
        vocab.remove(set)
        if kind == .bpe { merges.remove(set) }
        try remapAddedTokenIds()
    }

    /// `prune_added_tokens`: every added token except BOS, EOS, unk and pad is removed.
    mutating func pruneAddedTokens() throws(M2VError) {
        var keep: Set<TokenBytes> = []
        if !postProcessor.isNull {
            for t in Self.eos(postProcessor) ?? [] { keep.insert(t) }
            for t in Self.bos(postProcessor) ?? [] { keep.insert(t) }
        }
        if let u = try currentUnkToken(), !u.isEmpty { keep.insert(u) }
        if let p = padding?.padToken, !p.isEmpty { keep.insert(p) }
        try removeTokens(added.map(\.content).filter { !keep.contains($0) })
        try remapAddedTokenIds()
    }

    /// `add_addedtokens(tokens, is_special=False, single_word=False, normalized=True)`.
    mutating func addAddedTokens(_ tokens: [TokenBytes]) throws(M2VError) {
        for t in tokens {
            _ = try addToVocabulary(t, isAddedToken: true)
            upsertAdded(t, id: try idOf(t), special: false, normalized: true, singleWord: false, lstrip: true, rstrip: true)
        }
        try remapAddedTokenIds()
    }

    /// `sorted_vocabulary` (a dict vocabulary with holes raises there).
    func sortedVocabulary() throws(M2VError) -> [TokenBytes] {
        guard vocab.isContiguous else { throw Self.refuses("the vocabulary ids are not contiguous") }
        return vocab.tokens
    }

    /// `bos_ids` / `eos_ids`.
    func endIds(first: Bool) throws(M2VError) -> [Int] {
        guard !postProcessor.isNull, let toks = first ? Self.bos(postProcessor) : Self.eos(postProcessor) else { return [] }
        var out: [Int] = []
        for t in toks { out.append(try idOf(t)) }
        return out
    }

    /// What the Rust crate checks when it loads this model (`Tokenizer.from_str`).
    func checkLoadable() throws(M2VError) {
        switch kind {
        case .bpe: try checkMerges(all: false)
        case .unigram:
            if let u = unkId {
                guard vocab.count > 0 else { throw Self.refuses("the Unigram vocabulary is empty (EmptyVocabulary)") }
                guard u < vocab.count else { throw Self.refuses("Unigram unk_id \(u) is not in the vocabulary (UnkIdNotInVocabulary)") }
            }
        default: break
        }
    }

    /// The Rust BPE's rule: each merge's parts, and its result (the right part without the
    /// continuing_subword_prefix's length), are tokens. Removals drop the merges they break, so
    /// only the appended merges can break it, unless a prefix makes the result differ.
    private func checkMerges(all: Bool = true) throws(M2VError) {
        let prefix = continuingSubwordPrefix?.count ?? 0
        let from = all || prefix > 0 ? 0 : max(0, merges.pairs.count - merges.added)
        for p in merges.pairs[from...] {
            for t in [p.left, p.right] where !vocab.contains(t) {
                throw Self.refuses("merge token \"\(Self.text(t))\" out of vocabulary")
            }
            guard p.right.count >= prefix, prefix == 0 || p.right.count == prefix || p.right[prefix] & 0xC0 != 0x80 else {
                throw Self.refuses("merge \"\(Self.text(p.left)) \(Self.text(p.right))\" is shorter than the continuing subword prefix")
            }
            let result = p.left + p.right[prefix...]
            guard vocab.contains(result) else { throw Self.refuses("merge result \"\(Self.text(result))\" out of vocabulary") }
        }
    }

    // MARK: Serialization (Tokenizer.to_str(), compact)

    /// tokenizer.json as HF tokenizers writes this model. `truncation`/`padding` replace the
    /// model's own (StaticModel sets them before saving).
    func serialized(truncation: TeacherTruncation?, padding: TeacherPadding?) -> [UInt8] {
        var w = SerdeJSONWriter()
        w.out.reserveCapacity(64 + vocab.count * 24 + merges.pairs.count * 20)
        w.raw("{"); w.key("version", first: true); w.string("1.0")
        w.key("truncation")
        if let t = truncation {
            w.raw("{"); w.key("direction", first: true); w.string(t.direction)
            w.key("max_length"); w.int(t.maxLength)
            w.key("strategy"); w.string(t.strategy)
            w.key("stride"); w.int(t.stride); w.raw("}")
        } else { w.raw("null") }
        w.key("padding")
        if let p = padding {
            w.raw("{"); w.key("strategy", first: true)
            if let n = p.fixed { w.raw("{\"Fixed\":"); w.int(n); w.raw("}") } else { w.string("BatchLongest") }
            w.key("direction"); w.string(p.direction)
            w.key("pad_to_multiple_of"); if let m = p.padToMultipleOf { w.int(m) } else { w.raw("null") }
            w.key("pad_id"); w.int(p.padId)
            w.key("pad_type_id"); w.int(p.padTypeId)
            w.key("pad_token"); w.string(bytes: p.padToken); w.raw("}")
        } else { w.raw("null") }
        // HF's AddedVocabulary: one token per id (the later one of a repeated content wins its
        // id), empty contents ignored, written by id.
        var byId: [Int: TeacherAddedToken] = [:]
        for a in added where !a.content.isEmpty { if let id = vocab.id(a.content) { var b = a; b.id = id; byId[id] = b } }
        w.key("added_tokens"); w.raw("[")
        for (i, id) in byId.keys.sorted().enumerated() {
            guard let a = byId[id] else { continue }
            if i > 0 { w.raw(",") }
            w.raw("{"); w.key("id", first: true); w.int(id)
            w.key("content"); w.string(bytes: a.content)
            w.key("single_word"); w.bool(a.singleWord)
            w.key("lstrip"); w.bool(a.lstrip)
            w.key("rstrip"); w.bool(a.rstrip)
            w.key("normalized"); w.bool(a.normalized)
            w.key("special"); w.bool(a.special); w.raw("}")
        }
        w.raw("]")
        w.key("normalizer"); w.value(normalizer)
        w.key("pre_tokenizer"); w.value(preTokenizer)
        w.key("post_processor"); w.value(postProcessor)
        w.key("decoder"); w.value(decoder)
        w.key("model"); w.raw("{"); w.key("type", first: true); w.string(kind.rawValue)
        func optString(_ t: TokenBytes?) { if let t { w.string(bytes: t) } else { w.raw("null") } }
        func dictVocab() {
            w.raw("{")
            for i in vocab.tokens.indices {
                if i > 0 { w.raw(",") }
                w.string(bytes: vocab.tokens[i]); w.raw(":"); w.int(vocab.ids[i])
            }
            w.raw("}")
        }
        switch kind {
        case .wordPiece:
            w.key("unk_token"); optString(unkToken)
            w.key("continuing_subword_prefix"); optString(continuingSubwordPrefix)
            w.key("max_input_chars_per_word"); w.int(maxInputCharsPerWord)
            w.key("vocab"); dictVocab()
        case .wordLevel:
            w.key("vocab"); dictVocab()
            w.key("unk_token"); optString(unkToken)
        case .bpe:
            w.key("dropout"); if let d = dropout { w.f32(SerdeFloat.roundTrip32(d)) } else { w.raw("null") }
            w.key("unk_token"); optString(unkToken)
            w.key("continuing_subword_prefix"); optString(continuingSubwordPrefix)
            w.key("end_of_word_suffix"); optString(endOfWordSuffix)
            w.key("fuse_unk"); w.bool(fuseUnk)
            w.key("byte_fallback"); w.bool(byteFallback)
            w.key("ignore_merges"); w.bool(ignoreMerges)
            w.key("vocab"); dictVocab()
            w.key("merges"); w.raw("[")
            for (i, p) in merges.pairs.enumerated() {
                if i > 0 { w.raw(",") }
                w.raw("["); w.string(bytes: p.left); w.raw(","); w.string(bytes: p.right); w.raw("]")
            }
            w.raw("]")
        case .unigram:
            w.key("unk_id"); if let u = unkId { w.int(u) } else { w.raw("null") }
            w.key("vocab"); w.raw("[")
            for i in vocab.tokens.indices {
                if i > 0 { w.raw(",") }
                w.raw("["); w.string(bytes: vocab.tokens[i]); w.raw(","); w.f64(SerdeFloat.roundTrip(vocab.score(at: i))); w.raw("]")
            }
            w.raw("]")
            w.key("byte_fallback"); w.bool(byteFallback)
        }
        w.raw("}}")
        return w.out
    }
}

/// HF tokenizers' AddedVocabulary while the file loads (`add_tokens`): content -> id, id -> token.
struct RustAddedVocabulary {
    var contentToId: [TokenBytes: Int] = [:]
    var byId: [Int: TeacherAddedToken] = [:]

    mutating func add(_ tokens: [TeacherAddedToken], vocab: TeacherVocab) throws(M2VError) {
        let modelSize = vocab.count
        var next: Int
        if let max = byId.keys.max() { next = (max >= modelSize || modelSize == 0) ? max + 1 : modelSize } else { next = modelSize }
        var existing: [TeacherAddedToken] = Array(byId.values)
        for var t in tokens {
            if t.content.isEmpty { continue }
            t.id = 0
            if existing.contains(where: { $0.content == t.content && $0.singleWord == t.singleWord && $0.lstrip == t.lstrip
                && $0.rstrip == t.rstrip && $0.normalized == t.normalized && $0.special == t.special }) { continue }
            let id: Int
            if let i = contentToId[t.content] ?? vocab.id(t.content) { id = i } else {
                guard next <= Limits.maxTokenId else { throw .format("teacher tokenizer.json: no id left for an added token") }
                id = next
                next += 1
            }
            // With holes in the vocabulary that id may be a model token's: HF does not mind (and
            // skeletoken gives the token its own id from the vocabulary it builds).
            t.id = id
            contentToId[t.content] = id
            byId[id] = t
            existing.append(t)
        }
    }
}
