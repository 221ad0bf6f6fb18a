// The pieces a pre-tokenizer produces: ranges into one arena of Unicode scalar values.
// Splitting only adds ranges; rewriting a piece (ByteLevel, Metaspace) appends the new scalars
// to the arena. All buffers are reused across texts, so steady-state tokenization allocates
// nothing.

/// A piece of the pre-tokenized text: `scalars[start..<end]` of its `PreTokenizedString`.
public struct Piece: Sendable, Equatable {
    public var start: Int
    public var end: Int
    /// The arena index up to which this piece's scalars are aligned to original offset 0 (in
    /// HF's alignments: the leading scalars the text's first character became, with what was
    /// inserted before it). A split keeps it; a rewrite (ByteLevel, Metaspace) computes its own.
    /// 0: no part of the piece is.
    public var originEnd: Int

    public init(start: Int, end: Int, originEnd: Int) {
        self.start = start; self.end = end; self.originEnd = originEnd
    }

    /// Whether the piece begins at original offset 0 (HF `offsets_original().0 == 0`), what
    /// Metaspace's `prepend_scheme: "first"` asks.
    @inline(__always)
    public var atTextStart: Bool { start < originEnd }
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

    /// Starts over with `text` as a single piece (no piece at all when `text` is empty), whose
    /// first `origin` scalars are aligned to original offset 0.
    public mutating func reset(_ text: UnsafeBufferPointer<UInt32>, origin: Int) {
        scalars.removeAll(keepingCapacity: true)
        scalars.append(contentsOf: text)
        pieces.removeAll(keepingCapacity: true)
        if !text.isEmpty { pieces.append(Piece(start: 0, end: text.count, originEnd: max(0, origin))) }
    }

    /// `reset` where at most the first scalar is the text's first character (no normalizer
    /// expanded it): `atTextStart` = the text begins the original.
    public mutating func reset(_ text: UnsafeBufferPointer<UInt32>, atTextStart: Bool) {
        reset(text, origin: atTextStart ? 1 : 0)
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
    public mutating func emit(_ start: Int, _ end: Int, originEnd: Int) {
        if end > start { pieces.append(Piece(start: start, end: end, originEnd: originEnd)) }
    }

    /// Emits the scalars appended to the arena since `mark` (= `scalars.count` before
    /// appending), the first `origin` of them aligned to original offset 0.
    @inline(__always)
    public mutating func emitAppended(since mark: Int, origin: Int) {
        emit(mark, scalars.count, originEnd: origin > 0 ? mark + origin : 0)
    }
}
