// Distill/TokenRemovePattern — model2vec's `token_remove_pattern`: a Python `re` pattern; a
// vocabulary token is removed when `re.compile(pattern).match(token)` matches (anchored at the
// token's start, not at its end; an empty match counts).
//
// Python `re` and Swift `Regex` differ in syntax and in what the same syntax means (Swift's `.`
// skips every newline kind, its `\d`/`\w`/`\s` follow a newer Unicode and other definitions, `$`,
// `\Z`, `{`, `[[`, `&&` and `--` read differently). So the pattern is parsed here with Python
// 3.11's grammar (re/_parser.py, rule for rule), and every construct is re-emitted in an
// unambiguous Swift form that means exactly what Python means: each literal as `\u{X}`, each
// character class as explicit code point ranges (`\d \w \s` from Python's own tables, generated
// into Generated/PythonReTables.generated.swift; the ASCII variants under `(?a)`), `.` as "anything but
// \n", `$` as `(?=\n?\z)`, `\Z` as `\z`. The result is compiled once with Swift `Regex` under
// Unicode-scalar semantics (Python matches code points, not grapheme clusters).
//
// Python constructs Swift `Regex` cannot match exactly are rejected (`M2VError.unsupported`, the
// message names the construct): lookbehind `(?<=...)` / `(?<!...)` (Swift has none), `\b` and
// `\B`, `^` under MULTILINE (both need lookbehind), IGNORECASE `(?i)` (Python's case folding is its
// own), backreferences `\1` / `(?P=name)`, conditionals `(?(1)...)`, `\N{name}`, and repeat
// counts above 1000. Patterns Python itself rejects are `M2VError.invalidArgument` with Python's
// message ("bad escape \q at position 3", "unterminated character set", ...).
import M2VSupport

/// Which vocabulary tokens the distiller removes (model2vec's `token_remove_pattern`).
public enum TokenRemovePattern: Sendable, Equatable {
    /// Keep every token (`token_remove_pattern=None`).
    case none
    /// `\[unused\d+\]` (model2vec's default), matched by hand: `[unused`, one or more Python `\d`
    /// digits, `]`, at the start of the token.
    case unusedTokens
    /// Any Python `re` pattern, as `re.compile(pattern).match(token)`.
    case regex(PythonRegex)

    /// model2vec's default pattern, `\[unused\d+\]`.
    public static let defaultPattern = #"\[unused\d+\]"#

    /// Whether `token` is removed.
    public func matches(_ token: String) -> Bool {
        switch self {
        case .none: return false
        case .unusedTokens: return Self.isUnused(token)
        case .regex(let r): return r.matches(token)
        }
    }

    /// `\[unused\d+\]` matched at the start of `t`, with Python's `\d` (Unicode Nd).
    static func isUnused(_ t: String) -> Bool {
        var it = t.unicodeScalars.makeIterator()
        for c in "[unused".unicodeScalars { guard it.next() == c else { return false } }
        var digits = 0
        while let c = it.next() {
            if c == "]" { return digits > 0 }
            guard ScalarSet.contains(PythonReTables.digit, c.value) else { return false }
            digits += 1
        }
        return false
    }
}

/// A Python `re` pattern translated to, and compiled as, a Swift `Regex` (see the file comment).
public struct PythonRegex: Sendable, Equatable, CustomStringConvertible {
    /// The Python pattern.
    public let pattern: String
    /// The Swift `Regex` source it was translated to.
    public let swiftSource: String
    let box: RegexHolder

    /// Parses `pattern` with Python 3.11's `re` grammar and compiles its translation.
    /// Throws `.invalidArgument` for a pattern Python rejects, `.unsupported` for one that uses a
    /// construct listed in the file comment.
    public init(_ pattern: String) throws(M2VError) {
        var parser = PythonPatternParser(pattern)
        let source = try parser.translate()
        self.pattern = pattern
        self.swiftSource = source
        do {
            box = RegexHolder(try Regex(source).matchingSemantics(.unicodeScalar))
        } catch {
            throw .unsupported("token_remove_pattern \"\(pattern)\": Swift Regex rejected its translation \(source): \(error)")
        }
    }

    /// `re.match(pattern, token) is not None`: a match starting at the token's first code point.
    public func matches(_ token: String) -> Bool {
        token.prefixMatch(of: box.regex) != nil
    }

    public static func == (a: PythonRegex, b: PythonRegex) -> Bool { a.pattern.utf8.elementsEqual(b.pattern.utf8) }
    public var description: String { pattern }
}

/// Holds the compiled regex (matching with it from several threads is safe: it is not mutated).
final class RegexHolder: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>
    init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }
}

/// Code point sets as sorted, disjoint closed runs, flattened [first0, last0, first1, last1, ...].
enum ScalarSet {
    static func contains(_ runs: [UInt32], _ c: UInt32) -> Bool {
        var lo = 0, hi = runs.count / 2
        while lo < hi {
            let mid = (lo + hi) / 2
            if runs[2 * mid + 1] < c { lo = mid + 1 } else { hi = mid }
        }
        return lo < runs.count / 2 && runs[2 * lo] <= c
    }

    /// Sorted, merged union of (first, last) pairs.
    static func normalized(_ pairs: [(UInt32, UInt32)]) -> [UInt32] {
        let s = pairs.sorted { $0.0 < $1.0 }
        var out: [UInt32] = []
        for (a, b) in s {
            if let last = out.last, a <= last &+ 1, !out.isEmpty {
                if b > last { out[out.count - 1] = b }
            } else {
                out.append(a); out.append(b)
            }
        }
        return out
    }

    static func pairs(_ runs: [UInt32]) -> [(UInt32, UInt32)] {
        stride(from: 0, to: runs.count - 1, by: 2).map { (runs[$0], runs[$0 + 1]) }
    }

    static func complement(_ runs: [UInt32]) -> [UInt32] {
        var out: [UInt32] = [], next: UInt32 = 0
        var i = 0
        while i + 1 < runs.count {
            if runs[i] > next { out.append(next); out.append(runs[i] - 1) }
            next = runs[i + 1] &+ 1
            i += 2
        }
        if next <= 0x10FFFF, !(runs.last == 0x10FFFF) { out.append(next); out.append(0x10FFFF) }
        return out
    }

    /// A Swift regex matching one scalar of `runs` (surrogates, which no Swift string holds, are
    /// left out); `(?!)` (never matches) when nothing is left.
    ///
    /// Swift matches a bracket expression of hundreds of members slowly (~45 us per scalar for
    /// Python's `\w`, 734 runs, in a release build). A large class is therefore emitted as its
    /// ASCII members (one small bracket, tried first) or, for a non-ASCII scalar, a binary search:
    /// `(?:(?=[\u{0}-\u{X}])LEFT|(?![\u{0}-\u{X}])RIGHT)` with the members below and above the
    /// split, at most `leafMembers` per bracket. Exactly one branch can consume a given scalar,
    /// so the construct matches one scalar iff it is in the set, like a class. Measured on the
    /// 30,522-token MiniLM vocabulary (release): `\w` 1.3 s -> 0.15 s, `\w+$` 4.2 s -> 1.4 s
    /// (a plain small bracket, `(?a)\w+$`, takes 0.1 s: Swift's engine is slow on alternations).
    static func swiftClass(_ runs: [UInt32]) -> String {
        var members: [(UInt32, UInt32)] = []
        for (a, b) in pairs(runs) {
            var parts: [(UInt32, UInt32)] = []
            if b < 0xD800 || a > 0xDFFF { parts.append((a, b)) } else {
                if a < 0xD800 { parts.append((a, 0xD7FF)) }
                if b > 0xDFFF { parts.append((0xE000, b)) }
            }
            for (a, b) in parts {
                // Swift refuses a range bound whose NFC is another string: such bounds become
                // single members and the range shrinks (the code points inside still match).
                var lo = a, hi = b
                var tail: [(UInt32, UInt32)] = []
                while lo <= hi, contains(PythonReTables.nfcChanging, lo) { members.append((lo, lo)); lo += 1 }
                while hi > lo, contains(PythonReTables.nfcChanging, hi) { tail.append((hi, hi)); hi -= 1 }
                if lo <= hi { members.append((lo, hi)) }
                members += tail.reversed()
            }
        }
        if members.isEmpty { return "(?!)" }
        if members.count <= leafMembers { return bracket(members[...]) }
        // Tokens are mostly ASCII: ASCII scalars are decided by the first test and one small
        // bracket, the rest by the search tree.
        var ascii: [(UInt32, UInt32)] = [], rest: [(UInt32, UInt32)] = []
        for (a, b) in members {
            if b <= 0x7F { ascii.append((a, b)) } else if a >= 0x80 { rest.append((a, b)) } else {
                ascii.append((a, 0x7F)); rest.append((0x80, b))
            }
        }
        // (A lookahead costs Swift's engine several microseconds, a small bracket a fraction of
        // one: the ASCII members come first as a plain alternative, the tree only for the rest.)
        if ascii.isEmpty { return emit(rest[...]) }
        if rest.isEmpty { return emit(ascii[...]) }
        return "(?:" + emit(ascii[...]) + "|" + #"(?![\u{0}-\u{7F}])"# + emit(rest[...]) + ")"
    }

    static let leafMembers = 24

    static func bracket(_ m: ArraySlice<(UInt32, UInt32)>) -> String {
        var s = "["
        for (a, b) in m {
            s += "\\u{" + hex(a) + "}"
            if b != a { s += "-\\u{" + hex(b) + "}" }
        }
        return s + "]"
    }

    /// A valid range bound: a scalar whose NFC is itself.
    static func isBound(_ c: UInt32) -> Bool {
        !(c >= 0xD800 && c <= 0xDFFF) && c <= 0x10FFFF && !contains(PythonReTables.nfcChanging, c)
    }

    static func emit(_ m: ArraySlice<(UInt32, UInt32)>) -> String {
        if m.count <= leafMembers { return bracket(m) }
        // A split index near the middle whose "everything below" bound X = first - 1 is valid.
        let mid = m.startIndex + m.count / 2
        var split: Int? = nil
        for d in 0..<(m.count / 2) {
            for k in [mid + d, mid - d] where k > m.startIndex && k < m.endIndex {
                let x = m[k].0 &- 1
                if m[k].0 > 0, isBound(x), x >= m[k - 1].1 { split = k; break }
            }
            if split != nil { break }
        }
        guard let k = split else { return bracket(m) }
        let below = "[\\u{0}-\\u{" + hex(m[k].0 - 1) + "}]"
        return "(?:(?=" + below + ")" + emit(m[m.startIndex..<k]) + "|(?!" + below + ")" + emit(m[k..<m.endIndex]) + ")"
    }

    static func hex(_ v: UInt32) -> String { String(v, radix: 16, uppercase: true) }
}

/// Python 3.11's re/_parser.py for str patterns, emitting Swift `Regex` source.
struct PythonPatternParser {
    struct Flags {
        var ascii = false, dotall = false, multiline = false, verbose = false
    }

    /// What the previous item of a sequence was (for "nothing to repeat" / "multiple repeat").
    enum Kind { case unit, anchor, repeated, group, assertion }

    let p: [UInt32]
    let patternText: String
    var i = 0
    var global = Flags()
    /// The first construct that Swift cannot match exactly (reported after a clean parse).
    var unsupported: String? = nil
    /// Capturing groups opened so far (Python's state.groups - 1), their names, which are closed.
    var groupCount = 0
    var groupNames: [String: Int] = [:]
    var closedGroups = Set<Int>()
    static let maxRepeat = 1000

    init(_ pattern: String) {
        p = pattern.unicodeScalars.map { $0.value }
        patternText = pattern
    }

    mutating func translate() throws(M2VError) -> String {
        let body = try parseSub(flags: global, nested: 0)
        if i < p.count { throw error("unbalanced parenthesis", at: i) }
        if let u = unsupported {
            throw .unsupported("token_remove_pattern \"\(patternText)\": \(u) cannot be matched exactly with Swift Regex")
        }
        return "\\A(?:" + body + ")"
    }

    // MARK: source

    func error(_ msg: String, at pos: Int) -> M2VError {
        .invalidArgument("token_remove_pattern \"\(patternText)\" is not a valid Python regex: \(msg) at position \(pos)")
    }

    mutating func noteUnsupported(_ what: String) {
        if unsupported == nil { unsupported = what }
    }

    var next: UInt32? { i < p.count ? p[i] : nil }

    mutating func match(_ c: Character) -> Bool {
        guard let n = next, let s = c.unicodeScalars.first, n == s.value else { return false }
        i += 1
        return true
    }

    static func isDigit(_ c: UInt32?) -> Bool { c.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
    static func isOct(_ c: UInt32?) -> Bool { c.map { $0 >= 0x30 && $0 <= 0x37 } ?? false }
    static func hexValue(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
    static func isASCIILetter(_ c: UInt32) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) }
    static func str(_ cs: [UInt32]) -> String {
        var s = ""
        for c in cs { if let u = Unicode.Scalar(c) { s.unicodeScalars.append(u) } }
        return s
    }

    // MARK: classes

    static func category(_ c: UInt32, ascii: Bool) -> [UInt32]? {
        let digit: [UInt32] = ascii ? [0x30, 0x39] : PythonReTables.digit
        let word: [UInt32] = ascii ? [0x30, 0x39, 0x41, 0x5A, 0x5F, 0x5F, 0x61, 0x7A] : PythonReTables.word
        let space: [UInt32] = ascii ? [0x09, 0x0D, 0x20, 0x20] : PythonReTables.space
        switch c {
        case 0x64: return digit                       // d
        case 0x44: return ScalarSet.complement(digit) // D
        case 0x77: return word                        // w
        case 0x57: return ScalarSet.complement(word)  // W
        case 0x73: return space                       // s
        case 0x53: return ScalarSet.complement(space) // S
        default: return nil
        }
    }

    static func simpleEscape(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x61: return 0x07 // \a
        case 0x66: return 0x0C // \f
        case 0x6E: return 0x0A // \n
        case 0x72: return 0x0D // \r
        case 0x74: return 0x09 // \t
        case 0x76: return 0x0B // \v
        case 0x5C: return 0x5C // \\
        default: return nil
        }
    }

    /// An escape's code point for \x \u \U (the backslash and letter already read).
    mutating func hexEscape(_ letter: UInt32, start: Int) throws(M2VError) -> UInt32 {
        let n = letter == 0x78 ? 2 : letter == 0x75 ? 4 : 8
        var v: UInt32 = 0, k = 0
        while k < n, let c = next, let h = Self.hexValue(c) { v = v &* 16 &+ h; i += 1; k += 1 }
        let text = Self.str(Array(p[start..<i]))
        if k != n { throw error("incomplete escape \(text)", at: start) }
        if v > 0x10FFFF { throw error("bad escape \(text)", at: start) }
        return v
    }

    /// `\N{name}`: the name is read; m2v has no character-name table.
    mutating func namedEscape(start: Int) throws(M2VError) {
        guard match("{") else { throw error("missing {", at: i) }
        var name = 0
        while true {
            guard let c = next else {
                throw error(name == 0 ? "missing character name" : "missing }, unterminated name", at: i)
            }
            i += 1
            if c == 0x7D {
                if name == 0 { throw error("missing character name", at: i - 1) }
                break
            }
            name += 1
        }
        noteUnsupported("the named escape \(Self.str(Array(p[start..<i])))")
    }

    enum ClassItem { case literal(UInt32), set([UInt32]) }

    /// re/_parser.py `_class_escape` (the backslash at `start`, `i` after it).
    mutating func classEscape(start: Int, flags: Flags) throws(M2VError) -> ClassItem {
        guard let c = next else { throw error("bad escape (end of pattern)", at: start) }
        i += 1
        if c == 0x62 { return .literal(0x08) } // \b is backspace in a class
        if let v = Self.simpleEscape(c) { return .literal(v) }
        if let s = Self.category(c, ascii: flags.ascii) { return .set(s) }
        switch c {
        case 0x78, 0x75, 0x55: return .literal(try hexEscape(c, start: start))
        case 0x4E:
            try namedEscape(start: start)
            return .literal(0xFFFD)
        case 0x30...0x37:
            var v = c - 0x30, k = 0
            while k < 2, Self.isOct(next) { v = v * 8 + (p[i] - 0x30); i += 1; k += 1 }
            if v > 0o377 {
                throw error("octal escape value \(Self.str(Array(p[start..<i]))) outside of range 0-0o377", at: start)
            }
            return .literal(v)
        case 0x38, 0x39: throw error("bad escape \\\(Self.str([c]))", at: start)
        default:
            if Self.isASCIILetter(c) { throw error("bad escape \\\(Self.str([c]))", at: start) }
            return .literal(c)
        }
    }

    /// A set `[...]` (the `[` already read at `start`): its code points.
    mutating func parseSet(start: Int, flags: Flags) throws(M2VError) -> [UInt32] {
        var pairs: [(UInt32, UInt32)] = []
        var any = false
        let negate = match("^")
        while true {
            guard let c = next else { throw error("unterminated character set", at: start) }
            let thisStart = i
            i += 1
            if c == 0x5D && any { break }
            let code1: ClassItem
            if c == 0x5C { code1 = try classEscape(start: thisStart, flags: flags) } else { code1 = .literal(c) }
            any = true
            if match("-") {
                guard let t = next else { throw error("unterminated character set", at: start) }
                let thatStart = i
                i += 1
                if t == 0x5D {
                    switch code1 {
                    case .literal(let v): pairs.append((v, v))
                    case .set(let s): pairs += ScalarSet.pairs(s)
                    }
                    pairs.append((0x2D, 0x2D))
                    break
                }
                let code2: ClassItem
                if t == 0x5C { code2 = try classEscape(start: thatStart, flags: flags) } else { code2 = .literal(t) }
                guard case .literal(let lo) = code1, case .literal(let hi) = code2, hi >= lo else {
                    throw error("bad character range \(Self.str(Array(p[thisStart..<thatStart])))\(Self.str(Array(p[thatStart..<i])))",
                                at: thisStart)
                }
                pairs.append((lo, hi))
            } else {
                switch code1 {
                case .literal(let v): pairs.append((v, v))
                case .set(let s): pairs += ScalarSet.pairs(s)
                }
            }
        }
        let set = ScalarSet.normalized(pairs)
        return negate ? ScalarSet.complement(set) : set
    }

    // MARK: structure

    /// `_parse_sub`: an alternation.
    mutating func parseSub(flags: Flags, nested: Int) throws(M2VError) -> String {
        var branches: [String] = []
        while true {
            let f = nested == 0 ? global : flags
            branches.append(try parse(flags: f, nested: nested, first: nested == 0 && branches.isEmpty))
            if !match("|") { break }
        }
        return branches.count == 1 ? branches[0] : "(?:" + branches.joined(separator: "|") + ")"
    }

    /// `_parse`: a sequence of items up to `|`, `)` or the end.
    mutating func parse(flags inFlags: Flags, nested: Int, first: Bool) throws(M2VError) -> String {
        var flags = inFlags
        var items: [(src: String, kind: Kind)] = []
        while let this = next {
            if this == 0x7C || this == 0x29 { break } // | )
            let start = i
            i += 1
            if flags.verbose {
                if [0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C].contains(this) { continue }
                if this == 0x23 { // # comment to the end of the line
                    while let c = next { i += 1; if c == 0x0A { break } }
                    continue
                }
            }
            switch this {
            case 0x5C: // backslash
                guard let c = next else { throw error("bad escape (end of pattern)", at: start) }
                i += 1
                if let s = Self.category(c, ascii: flags.ascii) { items.append((ScalarSet.swiftClass(s), .unit)); continue }
                switch c {
                case 0x41: items.append(("\\A", .anchor))             // \A
                case 0x5A: items.append(("\\z", .anchor))             // \Z: end of string only
                case 0x62, 0x42:                                        // \b \B
                    noteUnsupported("the word boundary \\\(Self.str([c]))")
                    items.append(("", .anchor))
                case 0x78, 0x75, 0x55:
                    items.append((literal(try hexEscape(c, start: start)), .unit))
                case 0x4E:
                    try namedEscape(start: start)
                    items.append(("", .unit))
                case 0x30: // \0, \0o, \0oo
                    var v: UInt32 = 0, k = 0
                    while k < 2, Self.isOct(next) { v = v * 8 + (p[i] - 0x30); i += 1; k += 1 }
                    items.append((literal(v), .unit))
                case 0x31...0x39:
                    var digits: [UInt32] = [c]
                    if Self.isDigit(next) {
                        digits.append(p[i]); i += 1
                        if Self.isOct(digits[0]), Self.isOct(digits[1]), Self.isOct(next) {
                            digits.append(p[i]); i += 1
                            let v = (digits[0] - 0x30) * 64 + (digits[1] - 0x30) * 8 + (digits[2] - 0x30)
                            if v > 0o377 {
                                throw error("octal escape value \(Self.str(Array(p[start..<i]))) outside of range 0-0o377", at: start)
                            }
                            items.append((literal(v), .unit))
                            continue
                        }
                    }
                    let group = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
                    guard group <= groupCount else { throw error("invalid group reference \(group)", at: start + 1) }
                    guard closedGroups.contains(group) else { throw error("cannot refer to an open group", at: start) }
                    noteUnsupported("the backreference \\\(group)")
                    items.append(("", .unit))
                default:
                    if let v = Self.simpleEscape(c) { items.append((literal(v), .unit)); continue }
                    if Self.isASCIILetter(c) { throw error("bad escape \\\(Self.str([c]))", at: start) }
                    items.append((literal(c), .unit))
                }
            case 0x5B: // [
                items.append((ScalarSet.swiftClass(try parseSet(start: start, flags: flags)), .unit))
            case 0x2A, 0x2B, 0x3F, 0x7B: // * + ? {
                var lo = 0, hi: Int? = nil
                switch this {
                case 0x2A: break
                case 0x2B: lo = 1
                case 0x3F: hi = 1
                default:
                    if next == 0x7D { items.append((literal(this), .unit)); continue }
                    var loText: [UInt32] = [], hiText: [UInt32] = []
                    while Self.isDigit(next) { loText.append(p[i]); i += 1 }
                    if match(",") {
                        while Self.isDigit(next) { hiText.append(p[i]); i += 1 }
                    } else {
                        hiText = loText
                    }
                    if !match("}") {
                        items.append((literal(this), .unit))
                        i = start + 1
                        continue
                    }
                    func value(_ t: [UInt32]) -> Int {
                        var v = 0
                        for d in t { v = min(v * 10 + Int(d - 0x30), Int(UInt32.max)) }
                        return v
                    }
                    if !loText.isEmpty { lo = value(loText) }
                    if !hiText.isEmpty { hi = value(hiText) }
                    if lo >= Int(UInt32.max) || (hi ?? 0) >= Int(UInt32.max) {
                        throw .invalidArgument("token_remove_pattern \"\(patternText)\": the repetition number is too large")
                    }
                    if let h = hi, h < lo { throw error("min repeat greater than max repeat", at: start + 1) }
                }
                guard let last = items.last, last.kind != .anchor else { throw error("nothing to repeat", at: start) }
                if last.kind == .repeated { throw error("multiple repeat", at: start) }
                if lo > Self.maxRepeat || (hi ?? 0) > Self.maxRepeat {
                    noteUnsupported("a repeat count above \(Self.maxRepeat)")
                }
                var q: String
                switch (lo, hi) {
                case (0, nil): q = "*"
                case (1, nil): q = "+"
                case (0, 1?): q = "?"
                case (let l, nil): q = "{\(l),}"
                case (let l, let h?): q = l == h ? "{\(l)}" : "{\(l),\(h)}"
                }
                if match("?") { q += "?" } else if match("+") { q += "+" }
                items[items.count - 1] = ("(?:" + last.src + ")" + q, .repeated)
            case 0x2E: // .
                items.append((ScalarSet.swiftClass(flags.dotall ? [0, 0x10FFFF] : [0, 0x09, 0x0B, 0x10FFFF]), .unit))
            case 0x5E: // ^
                if flags.multiline { noteUnsupported("^ under MULTILINE") }
                items.append(("\\A", .anchor))
            case 0x24: // $
                items.append((flags.multiline ? "(?=\\u{A}|\\z)" : "(?=\\u{A}?\\z)", .anchor))
            case 0x28: // (
                if let item = try parseGroup(start: start, flags: &flags, nested: nested, first: first && items.isEmpty) {
                    items.append(item)
                }
            default:
                items.append((literal(this), .unit))
            }
        }
        return items.map(\.src).joined()
    }

    func literal(_ c: UInt32) -> String {
        (c >= 0xD800 && c <= 0xDFFF) ? "(?!)" : "\\u{" + ScalarSet.hex(c) + "}"
    }

    /// A group after its `(` (at `start`); nil for a comment or global flags.
    mutating func parseGroup(start: Int, flags: inout Flags, nested: Int, first: Bool)
        throws(M2VError) -> (src: String, kind: Kind)? {
        var capture = true, atomic = false
        var name: String? = nil
        var inner = flags
        if match("?") {
            guard let c = next else { throw error("unexpected end of pattern", at: i) }
            i += 1
            switch c {
            case 0x50: // P
                if match("<") {
                    let n = try groupName(terminator: 0x3E)
                    name = n
                } else if match("=") {
                    let n = try groupName(terminator: 0x29)
                    guard let gid = groupNames[n] else { throw error("unknown group name '\(n)'", at: i - n.unicodeScalars.count - 1) }
                    guard closedGroups.contains(gid) else { throw error("cannot refer to an open group", at: i) }
                    noteUnsupported("the backreference (?P=\(n))")
                    return ("", .unit)
                } else {
                    guard let d = next else { throw error("unexpected end of pattern", at: i) }
                    throw error("unknown extension ?P\(Self.str([d]))", at: i - 1)
                }
            case 0x3A: capture = false // :
            case 0x23: // # comment
                while true {
                    guard let d = next else { throw error("missing ), unterminated comment", at: start) }
                    i += 1
                    if d == 0x29 { break }
                }
                return nil
            case 0x3D, 0x21, 0x3C: // = ! <
                var kind = c
                if c == 0x3C {
                    guard let d = next else { throw error("unexpected end of pattern", at: i) }
                    i += 1
                    guard d == 0x3D || d == 0x21 else { throw error("unknown extension ?<\(Self.str([d]))", at: i - 2) }
                    kind = d
                    noteUnsupported("lookbehind (?<\(Self.str([d]))...)")
                }
                let body = try parseSub(flags: flags, nested: nested + 1)
                guard match(")") else { throw error("missing ), unterminated subpattern", at: start) }
                return ((kind == 0x3D ? "(?=" : "(?!") + body + ")", .assertion)
            case 0x28: // conditional
                noteUnsupported("the conditional group (?(...)...)")
                while let d = next, d != 0x29 { i += 1 }
                guard match(")") else { throw error("missing ), unterminated name", at: i) }
                _ = try parse(flags: flags, nested: nested + 1, first: false)
                if match("|") {
                    _ = try parse(flags: flags, nested: nested + 1, first: false)
                    if next == 0x7C { throw error("conditional backref with more than two branches", at: i) }
                }
                guard match(")") else { throw error("missing ), unterminated subpattern", at: start) }
                return ("", .group)
            case 0x3E: capture = false; atomic = true // >
            default:
                let flagChars: [UInt32] = [0x69, 0x4C, 0x6D, 0x73, 0x78, 0x61, 0x74, 0x75, 0x2D] // i L m s x a t u -
                guard flagChars.contains(c) else { throw error("unknown extension ?\(Self.str([c]))", at: i - 1) }
                i -= 1
                let (isGlobal, add, del) = try parseFlags()
                if isGlobal {
                    if !first { throw error("global flags not at the start of the expression", at: start) }
                    apply(add, to: &global)
                    apply(add, to: &flags)
                    return nil
                }
                inner = flags
                apply(add, to: &inner)
                for f in del {
                    switch f {
                    case 0x6D: inner.multiline = false
                    case 0x73: inner.dotall = false
                    case 0x78: inner.verbose = false
                    default: break
                    }
                }
                capture = false
            }
        }
        if capture {
            groupCount += 1
            if let name {
                if let was = groupNames[name] {
                    throw error("redefinition of group name '\(name)' as group \(groupCount); was group \(was)", at: start)
                }
                groupNames[name] = groupCount
            }
        }
        let gid = groupCount
        let body = try parseSub(flags: inner, nested: nested + 1)
        guard match(")") else { throw error("missing ), unterminated subpattern", at: start) }
        if capture { closedGroups.insert(gid) }
        return ((atomic ? "(?>" : "(?:") + body + ")", .group)
    }

    func apply(_ add: [UInt32], to f: inout Flags) {
        for c in add {
            switch c {
            case 0x61: f.ascii = true
            case 0x6D: f.multiline = true
            case 0x73: f.dotall = true
            case 0x78: f.verbose = true
            default: break
            }
        }
    }

    /// `_parse_flags` (at the first flag letter or "-"): (global, added, removed).
    mutating func parseFlags() throws(M2VError) -> (Bool, [UInt32], [UInt32]) {
        let flags: Set<UInt32> = [0x69, 0x4C, 0x6D, 0x73, 0x78, 0x61, 0x74, 0x75]
        func isAlpha(_ c: UInt32) -> Bool { Unicode.Scalar(c)?.properties.isAlphabetic ?? false }
        var add: [UInt32] = [], del: [UInt32] = []
        var c = p[i]; i += 1
        if c != 0x2D {
            while true {
                if c == 0x4C { throw error("bad inline flags: cannot use 'L' flag with a str pattern", at: i) }
                if c == 0x69 { noteUnsupported("IGNORECASE (?i)") }
                add.append(c)
                if add.contains(0x61) && add.contains(0x75) {
                    throw error("bad inline flags: flags 'a', 'u' and 'L' are incompatible", at: i)
                }
                guard let n = next else { throw error("missing -, : or )", at: i) }
                i += 1
                c = n
                if c == 0x29 || c == 0x2D || c == 0x3A { break }
                guard flags.contains(c) else { throw error(isAlpha(c) ? "unknown flag" : "missing -, : or )", at: i - 1) }
            }
        }
        if c == 0x29 { return (true, add, []) }
        if add.contains(0x74) { throw error("bad inline flags: cannot turn on global flag", at: i) }
        if c == 0x2D {
            guard let n = next else { throw error("missing flag", at: i) }
            i += 1
            c = n
            guard flags.contains(c) else { throw error(isAlpha(c) ? "unknown flag" : "missing flag", at: i - 1) }
            while true {
                if [0x61, 0x75, 0x4C].contains(c) { throw error("bad inline flags: cannot turn off flags 'a', 'u' and 'L'", at: i) }
                del.append(c)
                guard let n = next else { throw error("missing :", at: i) }
                i += 1
                c = n
                if c == 0x3A { break }
                guard flags.contains(c) else { throw error(isAlpha(c) ? "unknown flag" : "missing :", at: i - 1) }
            }
        }
        if del.contains(0x74) { throw error("bad inline flags: cannot turn off global flag", at: i) }
        if add.contains(where: { del.contains($0) }) { throw error("bad inline flags: flag turned on and off", at: i) }
        return (false, add, del)
    }

    /// A group name up to `terminator` (Python: must be an identifier).
    mutating func groupName(terminator: UInt32) throws(M2VError) -> String {
        var name: [UInt32] = []
        while true {
            guard let c = next else {
                throw error(name.isEmpty ? "missing group name" : "missing \(Self.str([terminator])), unterminated name", at: i)
            }
            i += 1
            if c == terminator {
                if name.isEmpty { throw error("missing group name", at: i - 1) }
                break
            }
            name.append(c)
        }
        let scalars = name.compactMap { Unicode.Scalar($0) }
        let ok = scalars.count == name.count && !scalars.isEmpty
            && (scalars[0].properties.isXIDStart || scalars[0] == "_")
            && scalars.dropFirst().allSatisfy { $0.properties.isXIDContinue }
        let s = Self.str(name)
        if !ok { throw error("bad character in group name '\(s)'", at: i - name.count - 1) }
        return s
    }
}
