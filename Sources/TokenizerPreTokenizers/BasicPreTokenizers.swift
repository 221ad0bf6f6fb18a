// The pre-tokenizers that only split on character classes: BertPreTokenizer, Whitespace,
// WhitespaceSplit, Punctuation, Digits, CharDelimiterSplit, FixedLength, and Sequence.
import M2VSupport
import TokenizerCore

/// `BertPreTokenizer`: splits on whitespace (removed) and on punctuation (each punctuation
/// scalar isolated); punctuation is ASCII punctuation or Unicode P*.
public struct BertPreTokenizer: PreTokenizer {
    public init() {}

    /// How the pre-tokenizer treats scalar `c`: `.space` (splits, removed), `.punct` (isolated)
    /// or neither (part of a word), as `appendPieces` and `preTokenize` do.
    public enum ScalarClass: Sendable { case word, space, punct }
    public static func scalarClass(_ c: UInt32) -> ScalarClass {
        let f = CharFlags.shared(c)
        return f & CharFlags.space != 0 ? .space : f & CharFlags.punct != 0 ? .punct : .word
    }

    /// The pieces `preTokenize` gives for the single piece `text[range]` (positions in `text`),
    /// appended to `pieces` without going through a `PreTokenizedString` (the tokenizer's fused
    /// path for a WordPiece model reads them straight from the normalized text).
    public static func appendPieces(_ text: UnsafeBufferPointer<UInt32>, _ range: Range<Int>,
                                    into pieces: inout [Piece]) {
        let flags = CharFlags.shared
        var runStart = range.lowerBound
        for i in range {
            let f = flags(text[i])
            if f & (CharFlags.space | CharFlags.punct) == 0 { continue }
            if i > runStart {
                pieces.append(Piece(start: runStart, end: i, originEnd: 0))
            }
            if f & CharFlags.space == 0 {
                pieces.append(Piece(start: i, end: i + 1, originEnd: 0))
            }
            runStart = i + 1
        }
        if range.upperBound > runStart {
            pieces.append(Piece(start: runStart, end: range.upperBound, originEnd: 0))
        }
    }

    public func preTokenize(_ s: inout PreTokenizedString) {
        let flags = CharFlags.shared
        s.refine { piece, out in
            out.splitting { buf, pieces in
                // Rust runs two passes (whitespace Removed, then punctuation Isolated); one
                // scan gives the same pieces.
                let start = piece.start
                var runStart = start
                for i in start..<piece.end {
                    let f = flags(buf[i])
                    if f & (CharFlags.space | CharFlags.punct) == 0 { continue }
                    if i > runStart {
                        pieces.append(Piece(start: runStart, end: i, originEnd: piece.originEnd))
                    }
                    if f & CharFlags.space == 0 {
                        pieces.append(Piece(start: i, end: i + 1, originEnd: piece.originEnd))
                    }
                    runStart = i + 1
                }
                if piece.end > runStart {
                    pieces.append(Piece(start: runStart, end: piece.end, originEnd: piece.originEnd))
                }
            }
        }
    }
}

/// `Whitespace`: the pieces are the matches of `\w+|[^\w\s]+` (Rust regex, Unicode classes);
/// whitespace between them is dropped.
public struct WhitespacePreTokenizer: PreTokenizer {
    public init() {}
    public func preTokenize(_ s: inout PreTokenizedString) {
        let flags = CharFlags.shared
        s.refine { piece, out in
            out.splitting { buf, pieces in
                let start = piece.start, end = piece.end
                var i = start
                while i < end {
                    let f = flags(buf[i])
                    if f & CharFlags.word != 0 {
                        var j = i + 1
                        while j < end && flags(buf[j]) & CharFlags.word != 0 { j += 1 }
                        pieces.append(Piece(start: i, end: j, originEnd: piece.originEnd))
                        i = j
                    } else if f & CharFlags.space == 0 {
                        var j = i + 1
                        while j < end && flags(buf[j]) & (CharFlags.word | CharFlags.space) == 0 { j += 1 }
                        pieces.append(Piece(start: i, end: j, originEnd: piece.originEnd))
                        i = j
                    } else {
                        i += 1
                    }
                }
            }
        }
    }
}

/// `WhitespaceSplit`: splits on whitespace (White_Space), which is removed.
public struct WhitespaceSplit: PreTokenizer {
    public init() {}
    public func preTokenize(_ s: inout PreTokenizedString) {
        let flags = CharFlags.shared
        s.splitEachPiece(.removed) { flags($0) & CharFlags.space != 0 }
    }
}

/// `Punctuation`: splits on punctuation scalars (as BertPreTokenizer) with `behavior`.
public struct PunctuationPreTokenizer: PreTokenizer {
    public let behavior: SplitBehavior
    public init(behavior: SplitBehavior = .isolated) { self.behavior = behavior }
    public func preTokenize(_ s: inout PreTokenizedString) {
        let flags = CharFlags.shared
        s.splitEachPiece(behavior) { flags($0) & CharFlags.punct != 0 }
    }
}

/// `Digits`: splits on numeric scalars (N*), each isolated (`individualDigits`) or as runs.
public struct DigitsPreTokenizer: PreTokenizer {
    public let individualDigits: Bool
    public init(individualDigits: Bool) { self.individualDigits = individualDigits }
    public func preTokenize(_ s: inout PreTokenizedString) {
        let flags = CharFlags.shared
        s.splitEachPiece(individualDigits ? .isolated : .contiguous) { flags($0) & CharFlags.numeric != 0 }
    }
}

/// `CharDelimiterSplit`: splits on one delimiter scalar, which is removed.
public struct CharDelimiterSplit: PreTokenizer {
    public let delimiter: UInt32
    public init(delimiter: UInt32) { self.delimiter = delimiter }
    public func preTokenize(_ s: inout PreTokenizedString) {
        let d = delimiter
        s.splitEachPiece(.removed) { $0 == d }
    }
}

/// `FixedLength`: cuts every piece into chunks of `length` scalars (the last may be shorter).
public struct FixedLength: PreTokenizer {
    public let length: Int
    /// `length` must be positive (the factory rejects 0).
    public init(length: Int) { self.length = max(1, length) }
    public func preTokenize(_ s: inout PreTokenizedString) {
        let n = length
        s.refine { piece, out in
            var i = piece.start
            while i < piece.end {
                let j = min(piece.end, i + n)
                out.emit(i, j, originEnd: piece.originEnd)
                i = j
            }
        }
    }
}

/// `Sequence`: applies its pre-tokenizers in order.
public struct SequencePreTokenizer: PreTokenizer {
    public let preTokenizers: [any PreTokenizer]
    public init(_ preTokenizers: [any PreTokenizer]) { self.preTokenizers = preTokenizers }
    public func preTokenize(_ s: inout PreTokenizedString) throws(M2VError) {
        for p in preTokenizers { try p.preTokenize(&s) }
    }
    public var consultsTextStart: Bool { preTokenizers.contains { $0.consultsTextStart } }
}
