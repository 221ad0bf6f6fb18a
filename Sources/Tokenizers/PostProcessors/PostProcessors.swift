// Post-processors: the special tokens `add_special_tokens=True` puts around one sequence
// (TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence). Only ids matter
// here; offsets and type ids are not produced.
import M2VSupport
import TokenizerCore

/// Puts fixed id lists before and after the sequence (what every single-sequence template,
/// BERT and RoBERTa processing reduce to).
public struct AroundProcessor: PostProcessor {
    public let prefix: [Int32]
    public let suffix: [Int32]
    public func process(_ ids: inout [Int32], scratch: inout [Int32]) {
        if prefix.isEmpty && suffix.isEmpty { return }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: prefix)
        scratch.append(contentsOf: ids)
        scratch.append(contentsOf: suffix)
        swap(&ids, &scratch)
    }
}

/// Emits a fixed sequence of literal ids and copies of the input: what a post-processor
/// Sequence whose template uses the input more than once reduces to.
public struct PatternProcessor: PostProcessor {
    public enum Item: Sendable, Equatable { case literal([Int32]), input }
    public let items: [Item]
    public func process(_ ids: inout [Int32], scratch: inout [Int32]) {
        scratch.removeAll(keepingCapacity: true)
        for item in items {
            switch item {
            case .literal(let l): scratch.append(contentsOf: l)
            case .input: scratch.append(contentsOf: ids)
            }
        }
        swap(&ids, &scratch)
    }
}

/// One post-processor as HF runs it inside a Sequence (`process_encodings`): on the list of
/// encodings the previous one returned, not on their concatenation. TemplateProcessing returns
/// one encoding per template piece and picks its `single` or `pair` template by the number of
/// encodings it gets (BertProcessing and RobertaProcessing treat the second and later ones as
/// pair sequences). The counts do not depend on the text, so a Sequence is resolved at load
/// into literal ids around (copies of) the input.
enum PostStep {
    enum Piece { case sequence(Int), special([Int32]?, name: String) } // sequence: 0 = A, 1 = B
    case template(single: [Piece], pair: [Piece]?)
    case bert(cls: Int32, sep: Int32)
    case roberta(cls: Int32, sep: Int32)

    /// HF's `added_tokens(is_pair: false)`, which truncation subtracts: the single template's
    /// special ids (BERT, RoBERTa: 2), summed over a Sequence.
    var addedTokens: Int {
        switch self {
        case .template(let single, _):
            return single.reduce(0) { n, p in if case .special(let ids?, _) = p { return n + ids.count }; return n }
        case .bert, .roberta: return 2
        }
    }

    typealias Segment = [PatternProcessor.Item]

    /// The encodings this step returns for `segs` (add_special_tokens=True).
    func apply(_ segs: [Segment], in what: String) throws(M2VError) -> [Segment] {
        switch self {
        case .bert(let cls, let sep):
            return segs.enumerated().map { i, s in i == 0 ? [.literal([cls])] + s + [.literal([sep])] : s + [.literal([sep])] }
        case .roberta(let cls, let sep):
            return segs.enumerated().map { i, s in
                i == 0 ? [.literal([cls])] + s + [.literal([sep])] : [.literal([sep])] + s + [.literal([sep])]
            }
        case .template(let single, let pair):
            let pieces: [Piece]
            switch segs.count {
            case 1: pieces = single
            case 2:
                guard let pair else { throw .unsupported("\(what) TemplateProcessing: gets 2 encodings and has no \"pair\" template") }
                pieces = pair
            default:
                // HF: todo!() -- a panic on every encode with special tokens.
                throw .unsupported("\(what) TemplateProcessing after a step that returns \(segs.count) encodings")
            }
            var out: [Segment] = []
            for p in pieces {
                switch p {
                case .sequence(let k):
                    guard k < segs.count else {
                        throw .unsupported("\(what) TemplateProcessing: template uses sequence B with a single input")
                    }
                    out.append(segs[k])
                case .special(let ids, let name):
                    guard let ids else {
                        throw .format("\(what) TemplateProcessing: special token \"\(name)\" missing from special_tokens")
                    }
                    out.append([.literal(ids)])
                }
            }
            return out
        }
    }
}

/// The steps of a post-processor object (a Sequence flattened: HF chains the nested processors
/// over the same list of encodings). ByteLevel only trims offsets: no step.
private func postSteps(_ json: JSON, into steps: inout [PostStep], depth: Int) throws(M2VError) {
    let what = "post_processor"
    guard depth < 64 else { throw .format("\(what): Sequence nested too deeply") }
    let type = try json.requireString("type", in: what)
    switch type {
    case "ByteLevel":
        return
    case "BertProcessing", "RobertaProcessing":
        func pair(_ key: String) throws(M2VError) -> Int32 {
            let a = try json.requireArray(key, in: "\(what) \(type)")
            guard a.count == 2, let id = a[1].int, id >= 0, id <= Limits.maxTokenId else {
                throw .format("\(what) \(type): \"\(key)\" must be [token, id]")
            }
            return Int32(id)
        }
        let (cls, sep) = (try pair("cls"), try pair("sep"))
        steps.append(type == "BertProcessing" ? .bert(cls: cls, sep: sep) : .roberta(cls: cls, sep: sep))
    case "TemplateProcessing":
        var specials: [(key: String, value: JSON)] = []
        if let st = json["special_tokens"], !st.isNull {
            guard let o = st.object else { throw .format("\(what): \"special_tokens\" must be an object") }
            specials = o
        }
        func idsOf(_ name: String) throws(M2VError) -> [Int32]? {
            guard let entry = specials.first(where: { $0.key.utf8.elementsEqual(name.utf8) })?.value else { return nil }
            var out: [Int32] = []
            for v in try entry.requireArray("ids", in: "\(what) special token \"\(name)\"") {
                guard let i = v.int, i >= 0, i <= Limits.maxTokenId else {
                    throw .format("\(what) special token \"\(name)\": ids must be non-negative integers")
                }
                out.append(Int32(i))
            }
            return out
        }
        func pieces(_ items: [JSON]) throws(M2VError) -> [PostStep.Piece] {
            var out: [PostStep.Piece] = []
            for piece in items {
                if let sp = piece["SpecialToken"] {
                    let name = try sp.requireString("id", in: "\(what) SpecialToken")
                    out.append(.special(try idsOf(name), name: name))
                } else if let seq = piece["Sequence"] {
                    let id = try seq.requireString("id", in: "\(what) Sequence")
                    guard id == "A" || id == "B" else { throw .format("\(what) TemplateProcessing: unknown sequence \"\(id)\"") }
                    out.append(.sequence(id == "A" ? 0 : 1))
                } else {
                    throw .format("\(what) TemplateProcessing: template items must be SpecialToken or Sequence")
                }
            }
            return out
        }
        let single = try pieces(try json.requireArray("single", in: "\(what) TemplateProcessing"))
        for p in single {
            if case .special(nil, let name) = p {
                throw .format("\(what) TemplateProcessing: special token \"\(name)\" missing from special_tokens")
            }
        }
        // Without special tokens HF keeps the template's sequence pieces: the input once is
        // what the encode path assumes.
        let uses = single.filter { if case .sequence = $0 { return true }; return false }
        guard uses.count == 1, case .sequence(0) = uses[0] else {
            throw .unsupported("\(what) TemplateProcessing: the single template must use sequence A exactly once")
        }
        var pair: [PostStep.Piece]? = nil
        if let p = json["pair"], !p.isNull {
            guard let a = p.array else { throw .format("\(what) TemplateProcessing: \"pair\" must be an array") }
            pair = try pieces(a)
        }
        steps.append(.template(single: single, pair: pair))
    case "Sequence":
        for p in try json.requireArray("processors", in: "\(what) Sequence") {
            do { try postSteps(p, into: &steps, depth: depth + 1) } catch { throw error.context("\(what) Sequence") }
        }
    default:
        throw .unsupported("unsupported post-processor \"\(type)\"")
    }
}

/// The tokenizer.json "post_processor" object -> a processor (nil for null or a no-op) and the
/// number of special tokens HF's truncation reserves for it.
func makePostProcessor(_ json: JSON) throws(M2VError) -> (processor: (any PostProcessor)?, added: Int) {
    if json.isNull { return (nil, 0) }
    var steps: [PostStep] = []
    try postSteps(json, into: &steps, depth: 0)
    var segs: [PostStep.Segment] = [[.input]]
    for step in steps { segs = try step.apply(segs, in: "post_processor") }
    var items: [PatternProcessor.Item] = []
    for item in segs.joined() { // merge adjacent literals
        if case .literal(let l) = item, case .literal(let prev)? = items.last {
            items[items.count - 1] = .literal(prev + l)
        } else {
            items.append(item)
        }
    }
    let added = steps.reduce(0) { $0 + $1.addedTokens }
    let inputs = items.indices.filter { items[$0] == .input }
    if items == [.input] { return (nil, added) }
    if inputs.count == 1 {
        func ids(_ r: ArraySlice<PatternProcessor.Item>) -> [Int32] {
            r.flatMap { (i: PatternProcessor.Item) -> [Int32] in if case .literal(let l) = i { return l }; return [] }
        }
        return (AroundProcessor(prefix: ids(items[..<inputs[0]]), suffix: ids(items[(inputs[0] + 1)...])), added)
    }
    return (PatternProcessor(items: items), added)
}
