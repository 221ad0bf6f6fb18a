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

/// Applies processors in order.
public struct SequenceProcessor: PostProcessor {
    public let processors: [any PostProcessor]
    public func process(_ ids: inout [Int32], scratch: inout [Int32]) {
        for p in processors { p.process(&ids, scratch: &scratch) }
    }
}

/// The tokenizer.json "post_processor" object -> a processor (nil for null or a no-op).
func makePostProcessor(_ json: JSON) throws(M2VError) -> (any PostProcessor)? {
    if json.isNull { return nil }
    let what = "post_processor"
    let type = try json.requireString("type", in: what)
    switch type {
    case "ByteLevel":
        return nil // trims offsets only; ids unchanged
    case "BertProcessing", "RobertaProcessing":
        func pair(_ key: String) throws(M2VError) -> Int32 {
            let a = try json.requireArray(key, in: "\(what) \(type)")
            guard a.count == 2, let id = a[1].int, id >= 0, id <= Limits.maxTokenId else {
                throw .format("\(what) \(type): \"\(key)\" must be [token, id]")
            }
            return Int32(id)
        }
        return AroundProcessor(prefix: [try pair("cls")], suffix: [try pair("sep")])
    case "TemplateProcessing":
        let single = try json.requireArray("single", in: "\(what) TemplateProcessing")
        var specials: [(key: String, value: JSON)] = []
        if let st = json["special_tokens"], !st.isNull {
            guard let o = st.object else { throw .format("\(what): \"special_tokens\" must be an object") }
            specials = o
        }
        func idsOf(_ name: String) throws(M2VError) -> [Int32] {
            guard let entry = specials.first(where: { $0.key.utf8.elementsEqual(name.utf8) })?.value else {
                throw .format("\(what) TemplateProcessing: special token \"\(name)\" missing from special_tokens")
            }
            var out: [Int32] = []
            for v in try entry.requireArray("ids", in: "\(what) special token \"\(name)\"") {
                guard let i = v.int, i >= 0, i <= Limits.maxTokenId else {
                    throw .format("\(what) special token \"\(name)\": ids must be non-negative integers")
                }
                out.append(Int32(i))
            }
            return out
        }
        var prefix: [Int32] = [], suffix: [Int32] = []
        var seenSequence = false
        for piece in single {
            if let sp = piece["SpecialToken"] {
                let name = try sp.requireString("id", in: "\(what) SpecialToken")
                if seenSequence { suffix += try idsOf(name) } else { prefix += try idsOf(name) }
            } else if let seq = piece["Sequence"] {
                let id = try seq.requireString("id", in: "\(what) Sequence")
                guard id == "A" else {
                    throw .unsupported("\(what) TemplateProcessing: single template uses sequence \"\(id)\"")
                }
                guard !seenSequence else {
                    throw .unsupported("\(what) TemplateProcessing: sequence A appears twice")
                }
                seenSequence = true
            } else {
                throw .format("\(what) TemplateProcessing: template items must be SpecialToken or Sequence")
            }
        }
        return AroundProcessor(prefix: prefix, suffix: suffix)
    case "Sequence":
        var list: [any PostProcessor] = []
        for p in try json.requireArray("processors", in: "\(what) Sequence") {
            if let made = try makePostProcessor(p) { list.append(made) }
        }
        return list.isEmpty ? nil : SequenceProcessor(processors: list)
    default:
        throw .unsupported("unsupported post-processor \"\(type)\"")
    }
}
