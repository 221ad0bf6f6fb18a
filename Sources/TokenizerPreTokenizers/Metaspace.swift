// `Metaspace` (SentencePiece style): spaces become the replacement scalar (default U+2581),
// which is prepended per `prepend_scheme`, then pieces split before each replacement scalar.
import TokenizerCore

/// `Metaspace` pre-tokenizer.
public struct MetaspacePreTokenizer: PreTokenizer {
    /// When to prepend the replacement to a piece that does not start with it.
    public enum PrependScheme: Sendable, Equatable {
        /// Every piece.
        case always
        /// Only a piece that begins the text (`Piece.atTextStart`).
        case first
        /// Never.
        case never
    }

    public let replacement: UInt32
    public let prependScheme: PrependScheme
    /// Split before every replacement scalar (`MergedWithNext`).
    public let split: Bool

    public init(replacement: UInt32 = 0x2581, prependScheme: PrependScheme = .always, split: Bool = true) {
        self.replacement = replacement
        self.prependScheme = prependScheme
        self.split = split
    }

    /// "first" asks whether a piece starts at original offset 0 (HF: `offsets_original().0 == 0`).
    public var consultsTextStart: Bool { prependScheme == .first }

    public func preTokenize(_ s: inout PreTokenizedString) {
        let r = replacement, scheme = prependScheme, split = split
        s.refine { piece, out in
            let mark = out.scalars.count
            let first = out.scalars[piece.start]
            // How many leading scalars are aligned to original offset 0: spaces become the
            // replacement one for one, and a prepended one is aligned like the first scalar.
            var origin = piece.atTextStart ? min(piece.originEnd - piece.start, piece.count) : 0
            if first != 0x20 && first != r
                && (scheme == .always || (scheme == .first && piece.atTextStart)) {
                out.scalars.append(r)
                if origin > 0 { origin += 1 }
            }
            for i in piece.start..<piece.end {
                let c = out.scalars[i]
                out.scalars.append(c == 0x20 ? r : c)
            }
            if !split {
                out.emitAppended(since: mark, origin: origin)
                return
            }
            let end = out.scalars.count
            out.splitting { buf, pieces in
                splitOnScalars(buf, mark, end, originEnd: origin > 0 ? mark + origin : 0, .mergedWithNext, &pieces) { $0 == r }
            }
        }
    }
}
