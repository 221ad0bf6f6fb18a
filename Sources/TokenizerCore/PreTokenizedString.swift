// The pieces a pre-tokenizer produces: ranges into one arena of Unicode scalar values.
// Splitting only adds ranges; rewriting a piece (ByteLevel, Metaspace) appends the new scalars
// to the arena. All buffers are reused across texts, so steady-state tokenization allocates
// nothing.

/// A piece of the pre-tokenized text: `scalars[start..<end]` of its `PreTokenizedString`.
public struct Piece: Sendable, Equatable {
    public var start: Int
    public var end: Int
    /// True when the piece begins at offset 0 of the original text (Metaspace
    /// `prepend_scheme: "first"` needs this).
    public var atTextStart: Bool

    public init(start: Int, end: Int, atTextStart: Bool) {
        self.start = start; self.end = end; self.atTextStart = atTextStart
    }
    public var count: Int { end - start }
}

/// Text being pre-tokenized: an arena of scalars and the current pieces, in order.
public struct PreTokenizedString: Sendable {
    public var scalars: [UInt32] = []
    public var pieces: [Piece] = []
    var spare: [Piece] = []
    /// The buffers of `Split`'s regex matching, reused across texts.
    public let patternScratch = PatternScratch()

    public init() {}

    /// Starts over with `text` as a single piece (no piece at all when `text` is empty).
    public mutating func reset(_ text: UnsafeBufferPointer<UInt32>, atTextStart: Bool) {
        scalars.removeAll(keepingCapacity: true)
        scalars.append(contentsOf: text)
        pieces.removeAll(keepingCapacity: true)
        if !text.isEmpty { pieces.append(Piece(start: 0, end: text.count, atTextStart: atTextStart)) }
    }

    /// Replaces every current piece by what `body` emits for it through the writer.
    public mutating func refine(_ body: (_ piece: Piece, _ out: inout PieceWriter) -> Void) {
        var w = PieceWriter()
        swap(&w.scalars, &scalars)
        swap(&w.pieces, &spare)
        w.pieces.removeAll(keepingCapacity: true)
        for p in pieces { body(p, &w) }
        swap(&scalars, &w.scalars)
        swap(&spare, &pieces)      // old pieces become the spare buffer
        swap(&pieces, &w.pieces)
    }
}

/// Collects the sub-pieces of a `PreTokenizedString.refine` pass.
public struct PieceWriter: Sendable {
    /// The arena: read a piece as `scalars[p.start..<p.end]`; append rewritten text here.
    public var scalars: [UInt32] = []
    public var pieces: [Piece] = []

    /// Emits `scalars[start..<end]` as a piece. Empty ranges are dropped (as HF does).
    @inline(__always)
    public mutating func emit(_ start: Int, _ end: Int, atTextStart: Bool) {
        if end > start { pieces.append(Piece(start: start, end: end, atTextStart: atTextStart)) }
    }

    /// Emits the scalars appended to the arena since `mark` (= `scalars.count` before appending).
    @inline(__always)
    public mutating func emitAppended(since mark: Int, atTextStart: Bool) {
        emit(mark, scalars.count, atTextStart: atTextStart)
    }
}
