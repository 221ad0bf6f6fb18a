// The split behaviours of the Rust `NormalizedString::split` (tokenizer/normalizer.rs), written
// once: a pattern reports the segments of a piece in order, each flagged match / non-match, and
// the sink turns them into pieces exactly as the Rust folds do, streaming (no match list).

import M2VSupport
import TokenizerCore

/// How the matches of a split pattern become pieces (`SplitDelimiterBehavior`).
public enum SplitBehavior: Sendable, Equatable {
    /// Matches are dropped.
    case removed
    /// Every match is a piece of its own.
    case isolated
    /// A match is appended to the piece before it (unless that was a match too).
    case mergedWithPrevious
    /// A match is prepended to the piece after it (unless that is a match too).
    case mergedWithNext
    /// Consecutive matches (and consecutive non-matches) form one piece.
    case contiguous

    /// Parses the tokenizer.json spelling ("Removed", "Isolated", ...).
    static func parse(_ s: String, in what: String) throws(M2VError) -> SplitBehavior {
        switch s {
        case "Removed": return .removed
        case "Isolated": return .isolated
        case "MergedWithPrevious": return .mergedWithPrevious
        case "MergedWithNext": return .mergedWithNext
        case "Contiguous": return .contiguous
        default: throw .format("\(what): unknown split behavior \"\(s)\"")
        }
    }
}

/// Streams the segments of one piece into pieces according to a `SplitBehavior`.
/// Segments must cover the piece in order; empty segments are allowed (empty regex matches)
/// and take part in the folds as in Rust, but empty pieces are never emitted.
@usableFromInline
struct SplitSink {
    @usableFromInline let behavior: SplitBehavior
    /// The split piece's `originEnd`, which every sub-piece keeps.
    @usableFromInline let originEnd: Int
    /// The last piece pushed but still extendable (contiguous / mergedWithPrevious), or the
    /// pending match (mergedWithNext). `openStart < 0`: none.
    @usableFromInline var openStart = -1
    @usableFromInline var openEnd = -1
    @usableFromInline var previousMatch = false

    @inline(__always) @usableFromInline
    init(_ behavior: SplitBehavior, originEnd: Int) {
        self.behavior = behavior
        self.originEnd = originEnd
    }

    @inline(__always) @usableFromInline
    func put(_ s: Int, _ e: Int, _ pieces: inout [Piece]) {
        if e > s { pieces.append(Piece(start: s, end: e, originEnd: originEnd)) }
    }

    @inline(__always) @usableFromInline
    mutating func flushOpen(_ pieces: inout [Piece]) {
        if openStart >= 0 { put(openStart, openEnd, &pieces); openStart = -1 }
    }

    @inline(__always) @usableFromInline
    mutating func add(_ s: Int, _ e: Int, isMatch: Bool, _ pieces: inout [Piece]) {
        switch behavior {
        case .removed:
            if !isMatch { put(s, e, &pieces) }
        case .isolated:
            put(s, e, &pieces)
        case .contiguous:
            if openStart >= 0 && isMatch == previousMatch {
                openEnd = e
            } else {
                flushOpen(&pieces); openStart = s; openEnd = e
            }
            previousMatch = isMatch
        case .mergedWithPrevious:
            if openStart >= 0 && isMatch && !previousMatch {
                openEnd = e
            } else {
                flushOpen(&pieces); openStart = s; openEnd = e
            }
            previousMatch = isMatch
        case .mergedWithNext:
            // Rust folds from the end: a match directly followed by a non-match is merged
            // into it; a match followed by a match, or last, stands alone.
            if isMatch {
                flushOpen(&pieces); openStart = s; openEnd = e
            } else {
                let start = openStart >= 0 ? openStart : s
                openStart = -1
                put(start, e, &pieces)
            }
        }
    }

    @inline(__always) @usableFromInline
    mutating func finish(_ pieces: inout [Piece]) { flushOpen(&pieces) }
}

/// Splits `buf[piece]` where `isDelimiter` holds, each delimiter scalar being one match (the
/// Rust `Fn(char) -> bool` pattern), with `behavior`.
@inline(__always) @usableFromInline
func splitOnScalars(_ buf: UnsafeBufferPointer<UInt32>, _ start: Int, _ end: Int, originEnd: Int,
                    _ behavior: SplitBehavior, _ pieces: inout [Piece],
                    _ isDelimiter: (UInt32) -> Bool) {
    switch behavior {
    case .removed:
        var runStart = start
        for i in start..<end where isDelimiter(buf[i]) {
            if i > runStart { pieces.append(Piece(start: runStart, end: i, originEnd: originEnd)) }
            runStart = i + 1
        }
        if end > runStart { pieces.append(Piece(start: runStart, end: end, originEnd: originEnd)) }
    default:
        var sink = SplitSink(behavior, originEnd: originEnd)
        var runStart = start
        for i in start..<end where isDelimiter(buf[i]) {
            if i > runStart { sink.add(runStart, i, isMatch: false, &pieces) }
            sink.add(i, i + 1, isMatch: true, &pieces)
            runStart = i + 1
        }
        if end > runStart { sink.add(runStart, end, isMatch: false, &pieces) }
        sink.finish(&pieces)
    }
}

extension PieceWriter {
    /// Runs `body` with read access to the arena and write access to the output pieces (for
    /// pre-tokenizers that only split, never rewrite).
    @inline(__always) @usableFromInline
    mutating func splitting(_ body: (UnsafeBufferPointer<UInt32>, inout [Piece]) -> Void) {
        var out: [Piece] = []
        swap(&out, &pieces)
        scalars.withUnsafeBufferPointer { body($0, &out) }
        swap(&out, &pieces)
    }
}

extension PreTokenizedString {
    /// Splits every current piece on the scalars `isDelimiter` accepts, with `behavior` — the
    /// whole of WhitespaceSplit, Punctuation, Digits and CharDelimiterSplit.
    mutating func splitEachPiece(_ behavior: SplitBehavior, on isDelimiter: (UInt32) -> Bool) {
        refine { piece, out in
            out.splitting { buf, pieces in
                splitOnScalars(buf, piece.start, piece.end, originEnd: piece.originEnd, behavior, &pieces,
                               isDelimiter)
            }
        }
    }
}
