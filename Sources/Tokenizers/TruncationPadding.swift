// Tokenizers/TruncationPadding — tokenizer.json's "truncation" and "padding", parsed into typed
// settings and applied to a batch of single sequences as HF's TokenizerImpl does in
// encode / encode_batch: truncate each encoding to max_length minus the special tokens the
// post-processor adds (when it adds them), post-process, then pad the batch (to its longest or a
// fixed length, rounded up to pad_to_multiple_of). Model encode (model2vec's rules) never uses
// these; only the standalone tokenizer API does.
import M2VSupport
import TokenizerCore

/// Which end of a sequence loses (truncation) or gains (padding) tokens.
public enum SequenceSide: Sendable, Equatable {
    case right, left

    static func parse(_ v: JSON?, _ what: String) throws(M2VError) -> SequenceSide {
        guard let v, !v.isNull else { return .right }
        switch v.string {
        case "Right": return .right
        case "Left": return .left
        default: throw .format("\(what): \"direction\" must be \"Right\" or \"Left\"")
        }
    }
}

/// tokenizer.json "truncation" (HF TruncationParams). For single sequences only max_length and
/// direction change the ids (stride only adds overflowing encodings, strategy only concerns
/// pairs); both are read and kept.
public struct Truncation: Sendable, Equatable {
    public var maxLength: Int
    public var direction: SequenceSide = .right
    public var stride: Int = 0

    public init(maxLength: Int, direction: SequenceSide = .right, stride: Int = 0) {
        self.maxLength = maxLength; self.direction = direction; self.stride = stride
    }

    /// nil for JSON null / absent.
    static func parse(_ json: JSON?) throws(M2VError) -> Truncation? {
        guard let json, !json.isNull else { return nil }
        let what = "tokenizer.json truncation"
        guard json.object != nil else { throw .format("\(what): must be an object or null") }
        let max = try json.requireInt("max_length", in: what)
        guard max >= 0 else { throw .format("\(what): \"max_length\" must be >= 0") }
        let stride = try json.optionalInt("stride", in: what) ?? 0
        guard stride >= 0 else { throw .format("\(what): \"stride\" must be >= 0") }
        if let s = json["strategy"], !s.isNull {
            guard ["LongestFirst", "OnlyFirst", "OnlySecond"].contains(s.string ?? "") else {
                throw .format("\(what): unknown \"strategy\"")
            }
        }
        return Truncation(maxLength: max, direction: try SequenceSide.parse(json["direction"], what), stride: stride)
    }
}

/// tokenizer.json "padding" (HF PaddingParams).
public struct Padding: Sendable, Equatable {
    /// nil = the longest sequence of the batch (HF "BatchLongest"), else HF {"Fixed": n}.
    public var length: Int?
    public var direction: SequenceSide = .right
    public var padToMultipleOf: Int?
    public var padId: Int32 = 0

    public init(length: Int? = nil, direction: SequenceSide = .right, padToMultipleOf: Int? = nil, padId: Int32 = 0) {
        self.length = length; self.direction = direction; self.padToMultipleOf = padToMultipleOf; self.padId = padId
    }

    static func parse(_ json: JSON?) throws(M2VError) -> Padding? {
        guard let json, !json.isNull else { return nil }
        let what = "tokenizer.json padding"
        guard json.object != nil else { throw .format("\(what): must be an object or null") }
        var p = Padding()
        if let s = json["strategy"], !s.isNull {
            if s.string == "BatchLongest" {
                p.length = nil
            } else if let n = s["Fixed"]?.int, n >= 0 {
                guard n <= Limits.padLength else {
                    throw .format("\(what): a fixed length of \(n) is more than the \(Limits.padLength) ids m2v pads to")
                }
                p.length = n
            } else {
                throw .format("\(what): \"strategy\" must be \"BatchLongest\" or {\"Fixed\": n}")
            }
        }
        p.direction = try SequenceSide.parse(json["direction"], what)
        if let m = try json.optionalInt("pad_to_multiple_of", in: what) {
            guard m >= 0, m <= Limits.padLength else {
                throw .format("\(what): \"pad_to_multiple_of\" must be in 0...\(Limits.padLength)")
            }
            p.padToMultipleOf = m == 0 ? nil : m
        }
        let id = try json.optionalInt("pad_id", in: what) ?? 0
        guard id >= 0, id <= Limits.maxTokenId else { throw .format("\(what): \"pad_id\" \(id) is outside 0...\(Limits.maxTokenId)") }
        p.padId = Int32(id)
        return p
    }

    /// The length every sequence of a batch whose longest has `longest` ids is padded to.
    func target(longest: Int) -> Int {
        var n = length ?? longest
        if let m = padToMultipleOf, m > 0, n % m != 0 {
            let (up, o) = (n / m + 1).multipliedReportingOverflow(by: m)
            if !o { n = up }
        }
        return n
    }
}

/// How encode_batch treats a batch: the tokenizer.json settings by default.
public struct BatchSettings: Sendable, Equatable {
    public var truncation: Truncation?
    public var padding: Padding?
    public init(truncation: Truncation?, padding: Padding?) { self.truncation = truncation; self.padding = padding }
}

extension Tokenizer {
    /// The tokenizer.json settings.
    public var fileSettings: BatchSettings { BatchSettings(truncation: truncation, padding: padding) }

    /// One text as HF's encode: truncation (to max_length minus the added special tokens), then
    /// the post-processor. Padding is the batch's business (`applyPadding`).
    func encodeTruncated(utf8 text: UnsafeBufferPointer<UInt8>, addSpecialTokens: Bool, truncation: Truncation?,
                         into ids: inout [Int32], workspace ws: TokenizerWorkspace) throws(M2VError) {
        guard let t = truncation else {
            try encode(utf8: text, addSpecialTokens: addSpecialTokens, into: &ids, workspace: ws)
            return
        }
        let added = addSpecialTokens ? specialTokensAdded : 0
        // HF computes max_length - added in usize: below zero it wraps around, i.e. no limit.
        let keep = t.maxLength >= added ? t.maxLength - added : Int.max
        // Right: the first `keep` ids (encode stops one past, to tell whether it cut); left: the
        // last ones.
        let (limit, _) = keep.addingReportingOverflow(1)
        try encode(utf8: text, addSpecialTokens: false, maxTokens: t.direction == .right ? max(keep, limit) : .max,
                   into: &ids, workspace: ws)
        if ids.count > keep {
            // HF's Encoding::truncate asserts this (a panic there; an error here).
            guard keep == 0 || t.stride < keep else {
                throw .invalidArgument("truncation stride \(t.stride) must be strictly less than max_len=\(keep) (max_length \(t.maxLength) minus \(added) special tokens)")
            }
            if t.direction == .left { ids.removeSubrange(0..<(ids.count - keep)) } else { ids.removeSubrange(keep...) }
        }
        if addSpecialTokens, let post = postProcessor { post.process(&ids, scratch: &ws.postScratch) }
    }

    /// Pads every list of the batch as HF's pad_encodings does.
    static func applyPadding(_ lists: inout [[Int32]], _ p: Padding) {
        let target = p.target(longest: lists.map(\.count).max() ?? 0)
        for i in lists.indices where lists[i].count < target {
            let fill = repeatElement(p.padId, count: target - lists[i].count)
            if p.direction == .right { lists[i].append(contentsOf: fill) } else { lists[i].insert(contentsOf: fill, at: 0) }
        }
    }
}
