// Distill/Vocabulary — the distilled model's vocabulary and tokenizer.json, as model2vec 0.10
// builds them from the teacher's tokenizer: added tokens pruned (the unk and pad tokens stay),
// tokens matching token_remove_pattern (default r"\[unused\d+\]"; any Python regex, applied as
// re.match: TokenRemovePattern.swift) removed, ids renumbered in the teacher's order,
// post-processor dropped, truncation 512 and padding disabled (length 0) as model2vec saves
// them. Each kept token's teacher input is bos + [teacher id] + eos from the teacher's
// post-processor.
import M2VSupport
import TokenizerCore
import Tokenizers

/// The output vocabulary and what the teacher sees for each token.
public struct DistillVocabulary: Sendable {
    /// Tokens in output-id order.
    public var tokens: [String]
    /// The teacher input ids of each token (e.g. [CLS] id [SEP]).
    public var teacherInputs: [[Int32]]
    /// The output tokenizer.json bytes.
    public var tokenizerJSON: [UInt8]
    /// The teacher's pad id (batch padding).
    public var padId: Int32
}

extension DistillVocabulary {
    /// Builds the vocabulary from the teacher's tokenizer.json.
    /// `words`: model2vec's custom `vocabulary`: a word that pre-tokenizes to one piece becomes a
    /// new vocabulary token (unless present or removed by the pattern); one that splits into
    /// several becomes a normalized multi-word added token. Their teacher inputs are the teacher
    /// tokenizer's encoding with special tokens, truncated and padded as its tokenizer.json says
    /// (the reference pools over that padding too).
    public init(teacherTokenizerJSON bytes: [UInt8], remove: TokenRemovePattern = .unusedTokens,
                words: [String] = []) throws(M2VError) {
        let json = try JSON.parse(bytes)
        let what = "teacher tokenizer.json"
        guard let model = json["model"], let members = json.object else { throw .format("\(what): no model") }
        let type = model["type"]?.string ?? ""
        guard type == "WordPiece" else {
            throw .unsupported("\(what): distilling with a \(type) tokenizer (only WordPiece is supported)")
        }
        guard let vocabObj = model["vocab"]?.object else { throw .format("\(what): model.vocab is not an object") }
        var byId: [(id: Int, token: String)] = []
        byId.reserveCapacity(vocabObj.count)
        for m in vocabObj {
            guard let id = m.value.int, id >= 0, id <= Limits.maxTokenId else { throw .format("\(what): bad id for token \(m.key)") }
            byId.append((id, m.key))
        }
        byId.sort { $0.id < $1.id }
        func idOf(_ token: String) -> Int? {
            for e in byId where e.token.utf8.elementsEqual(token.utf8) { return e.id }
            return nil
        }
        let unk = model["unk_token"]?.string
        let padding = json["padding"]
        let padToken = padding?["pad_token"]?.string
        let padId = padding?["pad_id"]?.int ?? 0
        guard padId >= 0, padId <= Limits.maxTokenId else { throw .format("\(what): bad padding pad_id \(padId)") }
        // Added tokens: the unk and pad tokens are kept, the others are pruned.
        var kept: [JSON] = []
        var pruned: [[UInt8]] = []
        for t in json["added_tokens"]?.array ?? [] {
            guard let content = t["content"]?.string else { throw .format("\(what): added token without content") }
            let keep = (unk.map { $0.utf8.elementsEqual(content.utf8) } ?? false)
                || (padToken.map { $0.utf8.elementsEqual(content.utf8) } ?? false)
            if keep { kept.append(t) } else { pruned.append(Array(content.utf8)) }
        }
        // Teacher post-processor: ids before and after the token.
        var bos: [Int32] = [], eos: [Int32] = []
        if let pp = json["post_processor"], !pp.isNull {
            switch pp["type"]?.string ?? "" {
            case "TemplateProcessing":
                let specials = pp["special_tokens"]
                var seenSeq = false
                for piece in pp["single"]?.array ?? [] {
                    if piece["Sequence"] != nil { seenSeq = true; continue }
                    guard let name = piece["SpecialToken"]?["id"]?.string,
                          let ids = specials?[name]?["ids"]?.array else {
                        throw .format("\(what): TemplateProcessing piece without ids")
                    }
                    for v in ids {
                        guard let i = v.int, let i32 = Int32(exactly: i), i32 >= 0 else {
                            throw .format("\(what): bad special token id")
                        }
                        if seenSeq { eos.append(i32) } else { bos.append(i32) }
                    }
                }
            case "BertProcessing", "RobertaProcessing":
                guard let c = pp["cls"]?.array, c.count == 2, let ci = c[1].int.flatMap({ Int32(exactly: $0) }),
                      let s = pp["sep"]?.array, s.count == 2, let si = s[1].int.flatMap({ Int32(exactly: $0) }) else {
                    throw .format("\(what): \(pp["type"]?.string ?? "") without cls/sep")
                }
                bos = [ci]; eos = [si]
            default:
                throw .unsupported("\(what): post_processor \(pp["type"]?.string ?? "?")")
            }
        }
        var tokens: [String] = [], inputs: [[Int32]] = [], vocabOut: [(key: String, value: JSON)] = []
        var newIdOfOld: [Int: Int] = [:]
        // The pattern removes any token it matches except the unk token, which a WordPiece
        // tokenizer cannot lose (the reference's tokenizer library keeps it, with a warning);
        // removing the pad token removes the padding section, as the reference does.
        var padRemoved = false
        for e in byId {
            if pruned.contains(where: { $0.elementsEqual(e.token.utf8) }) { continue }
            let isUnk = unk.map { $0.utf8.elementsEqual(e.token.utf8) } ?? false
            if !isUnk && remove.matches(e.token) {
                if padToken.map({ $0.utf8.elementsEqual(e.token.utf8) }) ?? false { padRemoved = true }
                continue
            }
            newIdOfOld[e.id] = tokens.count
            vocabOut.append((e.token, .number(Double(tokens.count))))
            tokens.append(e.token)
            inputs.append(bos + [Int32(e.id)] + eos)
        }
        var multi: [String] = []
        if !words.isEmpty {
            let tok = try Tokenizer(jsonBytes: bytes)
            var seen = Set<[UInt8]>(byId.map { Array($0.token.utf8) })
            var seenAdded = Set<[UInt8]>()
            var singles: [String] = []
            for w in words {
                let pieces = try Self.preprocess(w, tok)
                if pieces.isEmpty { continue }
                if pieces.count > 1 {
                    var sc = w.unicodeScalars.map { $0.value }, scratch: [UInt32] = []
                    try tok.normalizer?.normalize(&sc, scratch: &scratch)
                    let norm = Self.strip(sc)
                    var u: [UInt8] = []
                    for c in norm { appendUTF8(&u, c) }
                    if seenAdded.contains(u) { continue }
                    seenAdded.insert(u)
                    multi.append(String(decoding: u, as: UTF8.self))
                    continue
                }
                var u: [UInt8] = []
                for c in pieces[0] { appendUTF8(&u, c) }
                let t = String(decoding: u, as: UTF8.self)
                if seen.contains(u) { continue }
                if remove.matches(t) { continue }
                seen.insert(u)
                singles.append(t)
            }
            // Teacher inputs: the teacher tokenizer with its post-processor, truncation, padding.
            let maxLen = json["truncation"]?["max_length"]?.int
            let fixed = padding?["strategy"]?["Fixed"]?.int
            let nSpecial = bos.count + eos.count
            let ws = TokenizerWorkspace()
            for t in singles + multi {
                var ids: [Int32] = []
                let u = Array(t.utf8)
                try u.withUnsafeBufferPointer { (b) throws(M2VError) in
                    try tok.encode(utf8: b, addSpecialTokens: true, maxTokens: maxLen.map { max(0, $0 - nSpecial) } ?? .max,
                                   into: &ids, workspace: ws)
                }
                if let fixed, fixed <= 1 << 20, ids.count < fixed { ids += [Int32](repeating: Int32(padId), count: fixed - ids.count) }
                vocabOut.append((t, .number(Double(tokens.count))))
                tokens.append(t)
                inputs.append(ids)
            }
        }
        guard !tokens.isEmpty else {
            throw .invalidArgument("the vocabulary is empty after preprocessing (check the token remove pattern)")
        }
        // Output tokenizer.json, in the member order the HF tokenizers library writes.
        var out: [(key: String, value: JSON)] = []
        out.append(("version", json["version"] ?? .string("1.0")))
        out.append(("truncation", .object([("direction", .string("Right")), ("max_length", .number(512)),
                                           ("strategy", .string("LongestFirst")), ("stride", .number(0))])))
        if let padding, !padding.isNull, !padRemoved {
            let pid = padToken.flatMap { idOf($0) }.flatMap { newIdOfOld[$0] } ?? padId
            out.append(("padding", .object([
                ("strategy", .object([("Fixed", .number(0))])), ("direction", .string("Right")),
                ("pad_to_multiple_of", .null), ("pad_id", .number(Double(pid))),
                ("pad_type_id", .number(0)), ("pad_token", .string(padToken ?? "[PAD]"))])))
        } else {
            out.append(("padding", .null))
        }
        var added: [JSON] = []
        for t in kept {
            guard let content = t["content"]?.string, let old = idOf(content), let nid = newIdOfOld[old] else { continue }
            func flag(_ k: String, _ d: Bool) -> JSON { .bool(t[k]?.bool ?? d) }
            added.append(.object([("id", .number(Double(nid))), ("content", .string(content)),
                                  ("single_word", flag("single_word", false)), ("lstrip", flag("lstrip", false)),
                                  ("rstrip", flag("rstrip", false)), ("normalized", flag("normalized", false)),
                                  ("special", flag("special", true))]))
        }
        for (i, t) in multi.enumerated() {
            added.append(.object([("id", .number(Double(tokens.count - multi.count + i))), ("content", .string(t)),
                                  ("single_word", .bool(false)), ("lstrip", .bool(true)), ("rstrip", .bool(true)),
                                  ("normalized", .bool(true)), ("special", .bool(false))]))
        }
        out.append(("added_tokens", .array(added)))
        out.append(("normalizer", json["normalizer"] ?? .null))
        out.append(("pre_tokenizer", json["pre_tokenizer"] ?? .null))
        out.append(("post_processor", .null))
        out.append(("decoder", json["decoder"] ?? .null))
        var modelOut: [(key: String, value: JSON)] = []
        for m in model.object ?? [] {
            modelOut.append(m.key == "vocab" ? ("vocab", .object(vocabOut)) : m)
        }
        out.append(("model", .object(modelOut)))
        _ = members
        self.tokens = tokens
        self.teacherInputs = inputs
        self.tokenizerJSON = Array(JSON.object(out).serialized().utf8)
        self.padId = Int32(padId)
    }

    /// Normalizer + pre-tokenizer of `tok` on `word`: the pieces (as scalars).
    static func preprocess(_ word: String, _ tok: Tokenizer) throws(M2VError) -> [[UInt32]] {
        var sc = word.unicodeScalars.map { $0.value }, scratch: [UInt32] = []
        try tok.normalizer?.normalize(&sc, scratch: &scratch)
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
