// `UnicodeScripts`: splits where the Unicode script changes, with the Rust crate's own script
// table (Generated/UnicodeScriptsTable.generated.swift, generated from its scripts.rs) and its SentencePiece tweaks
// (Hiragana, Katakana and U+30FC count as Han; U+0020 and unlisted code points are `Any`).
import TokenizerCore

/// `UnicodeScripts` pre-tokenizer.
public struct UnicodeScriptsPreTokenizer: PreTokenizer {
    public init() {}

    public func preTokenize(_ s: inout PreTokenizedString) {
        let table = ScriptTable.shared
        s.refine { piece, out in
            out.splitting { buf, pieces in
                // As in Rust: a piece starts at every scalar whose script is not Any and differs
                // from the last non-Any script; scalars before the first such start (leading
                // Any scalars) are dropped.
                var last: UInt8 = 0xFF
                var open = -1
                for i in piece.start..<piece.end {
                    let sc = table.fixedScript(buf[i])
                    if sc == 0 || sc == last { continue }
                    last = sc
                    if open >= 0 {
                        pieces.append(Piece(start: open, end: i, originEnd: piece.originEnd))
                    }
                    open = i
                }
                if open >= 0 {
                    pieces.append(Piece(start: open, end: piece.end, originEnd: piece.originEnd))
                }
            }
        }
    }
}

/// The script ranges, parsed once from the generated text.
struct ScriptTable: Sendable {
    var lo: [UInt32] = []
    var hi: [UInt32] = []
    var script: [UInt8] = []

    static let shared = ScriptTable()

    init() {
        let nums = parseHexNumbers(unicodeScriptRangesText)
        var i = 0
        while i + 2 < nums.count {
            lo.append(nums[i]); hi.append(nums[i + 1]); script.append(UInt8(truncatingIfNeeded: nums[i + 2]))
            i += 3
        }
    }

    /// The Rust `get_script`: 0 (`Any`) outside the table.
    func script(of c: UInt32) -> UInt8 {
        var a = 0, b = lo.count
        while a < b {
            let m = (a + b) / 2
            if hi[m] < c { a = m + 1 } else { b = m }
        }
        return a < lo.count && lo[a] <= c ? script[a] : 0
    }

    /// The Rust `fixed_script`.
    @inline(__always)
    func fixedScript(_ c: UInt32) -> UInt8 {
        if c == 0x30FC { return scriptHan }
        if c == 0x20 { return 0 }
        let s = script(of: c)
        return s == scriptHiragana || s == scriptKatakana ? scriptHan : s
    }
}
