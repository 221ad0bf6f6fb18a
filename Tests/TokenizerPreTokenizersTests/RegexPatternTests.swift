// Tests of the Split/Replace regex engine: Oniguruma through TextPattern (what rust-onig's
// find_iter gives, errors, the retry limit), and the pattern-level differential of every
// hand-matched fast path (GPT-2, Llama-3, Qwen2) against Oniguruma on seeded random text.
import XCTest
import TestSupport
import M2VSupport
import Oniguruma
import TokenizerCore
@testable import TokenizerPreTokenizers

private func matches(_ p: TextPattern, _ text: String) throws -> [[Int]] {
    let t = text.unicodeScalars.map { $0.value }
    var out: [[Int]] = []
    try t.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt32>) throws(M2VError) in
        try p.forEachMatch(b, 0, b.count, scratch: PatternScratch()) { out.append([$0, $1]) }
    }
    return out
}

final class RegexPatternTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(Oniguruma.isAvailable || ProcessInfo.processInfo.environment["CI"] == "true",
                          "libonig.so.5 is not installed (apt-get install libonig5)")
        XCTAssertTrue(Oniguruma.isAvailable, "CI must have Oniguruma (scripts/setup.sh installs libonig5)")
    }

    func testOnigurumaOnlySyntax() throws {
        // Lookbehind, possessive, atomic groups, \h, \A, POSIX brackets: none of them Swift Regex.
        XCTAssertEqual(try matches(.compile(regex: "(?<=a)b", what: "t"), "abcb ab"), [[1, 2], [6, 7]])
        XCTAssertEqual(try matches(.compile(regex: "(?<!a)b", what: "t"), "abcb ab"), [[3, 4]])
        XCTAssertEqual(try matches(.compile(regex: "a++", what: "t"), "baaac"), [[1, 4]])
        XCTAssertEqual(try matches(.compile(regex: "\\h+", what: "t"), "x1Fz"), [[1, 3]])
        XCTAssertEqual(try matches(.compile(regex: "\\Aa", what: "t"), "aaa"), [[0, 1]])
        XCTAssertEqual(try matches(.compile(regex: "[[:upper:]]+", what: "t"), "abCDé ÉF"), [[2, 4], [6, 8]])
        // Offsets are scalar offsets, whatever the UTF-8 width.
        XCTAssertEqual(try matches(.compile(regex: "\\p{Han}+", what: "t"), "a中文b😀字"), [[1, 3], [5, 6]])
    }

    func testPosixPunctIncludesSymbolsAsHFsOniguruma() throws {
        // HF bundles Oniguruma 6.9.10, where [[:punct:]] = \p{P} + \p{S} (since 6.9.9).
        let p = try TextPattern.compile(regex: "[[:punct:]]+", what: "t")
        XCTAssertEqual(try matches(p, "a$+<=>^`|~b!c€©😀d"), [[1, 10], [11, 12], [13, 16]])
        let q = try TextPattern.compile(regex: "[[:^punct:]]+", what: "t")
        XCTAssertEqual(try matches(q, "ab$c"), [[0, 2], [3, 4]])
    }

    func testEmptyMatchesAsRustOnigFindIter() throws {
        // An empty match right after the previous match is skipped; elsewhere it is reported.
        XCTAssertEqual(try matches(.compile(regex: "a*", what: "t"), "baaac"), [[0, 0], [1, 4], [5, 5]])
        XCTAssertEqual(try matches(.compile(regex: "", what: "t"), "ab"), [[0, 0], [1, 1], [2, 2]])
        XCTAssertEqual(try matches(.literal([]), "ab"), [[0, 0], [1, 1], [2, 2]])
        XCTAssertEqual(try matches(.compile(regex: "x*", what: "t"), ""), [])
    }

    func testInvalidRegexIsAFormatErrorWithOnigurumasMessage() {
        XCTAssertThrowsError(try TextPattern.compile(regex: "(a", what: "pre_tokenizer Split")) { e in
            let err = e as? M2VError
            XCTAssertEqual(err?.code, .format)
            XCTAssertTrue(err?.message.contains("end pattern with unmatched parenthesis") == true, err?.message ?? "")
            XCTAssertTrue(err?.message.hasPrefix("pre_tokenizer Split: invalid regex \"(a\"") == true, err?.message ?? "")
        }
        XCTAssertThrowsError(try TextPattern.compile(regex: "\\p{NoSuchProperty}", what: "t"))
    }

    func testRunawayBacktrackingIsAnErrorNotAHang() throws {
        // Exponential backtracking hits Oniguruma's retry limit; HF panics, m2v reports it.
        let p = try TextPattern.compile(regex: "(\\w|\\w)*\\d", what: "t")
        XCTAssertThrowsError(try matches(p, String(repeating: "a", count: 60))) { e in
            XCTAssertEqual((e as? M2VError)?.code, .invalidArgument)
        }
        let split = try SplitPreTokenizer(pattern: .regex("(\\w|\\w)*\\d"), behavior: .isolated, invert: false)
        var s = PreTokenizedString()
        let t = Array(repeating: UInt32(0x61), count: 60)
        t.withUnsafeBufferPointer { s.reset($0, atTextStart: true) }
        XCTAssertThrowsError(try split.preTokenize(&s))
    }

    func testSharedAcrossThreads() throws {
        let p = try TextPattern.compile(regex: "(?<=\\s)\\p{L}+", what: "t")
        let text = String(repeating: "hello wörld  zz ", count: 50)
        let expected = try matches(p, text)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<50 { XCTAssertEqual(try? matches(p, text), expected) }
        }
    }

    /// Every hand-matched pattern against Oniguruma on the same seeded random texts, with each
    /// split behaviour and inversion: the pieces must be identical.
    func testFastPathsAgreeWithOniguruma() throws {
        let alphabets: [[UInt32]] = [
            Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".unicodeScalars.map { $0.value }),
            Array("àéîöüßÀÉŒœİıſ".unicodeScalars.map { $0.value }),
            Array("абвгдЖЗИ αβγΣΩ ابت אבג".unicodeScalars.map { $0.value }),
            Array("中文字日本語한국어ひらがなカタ".unicodeScalars.map { $0.value }),
            Array("0123456789٠١٢½²³①ⅣⅫ".unicodeScalars.map { $0.value }),
            Array("'’sStTrReEvVmMlLdD".unicodeScalars.map { $0.value }),
            Array("!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~¡¿«»—…".unicodeScalars.map { $0.value }),
            [0x20, 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0xA0, 0x2028, 0x3000, 0x85, 0x1680, 0x200B],
            [0x301, 0x308, 0x200D, 0xFE0F, 0x1F600, 0x1F44D, 0x1F3FD, 0x0, 0x7F, 0xAD, 0xE000],
        ]
        var rng = SplitMix(seed: 15)
        var texts: [[UInt32]] = []
        for _ in 0..<1500 {
            var t: [UInt32] = []
            for _ in 0..<rng.below(12) + 1 {
                let a = alphabets[rng.below(alphabets.count)]
                for _ in 0..<rng.below(6) + 1 { t.append(a[rng.below(a.count)]) }
            }
            texts.append(t)
        }
        let behaviors: [SplitBehavior] = [.isolated, .removed, .mergedWithPrevious, .mergedWithNext, .contiguous]
        for (name, source) in [("gpt2", KnownPatterns.gpt2), ("llama3", KnownPatterns.llama3), ("qwen2", KnownPatterns.qwen2),
                               ("qwen35", KnownPatterns.qwen35)] {
            for behavior in behaviors {
                for invert in [false, true] {
                    let fast = try SplitPreTokenizer(pattern: .regex(source), behavior: behavior, invert: invert)
                    let onig = try SplitPreTokenizer(pattern: .regex(source), behavior: behavior, invert: invert,
                                                     handMatched: false)
                    XCTAssertTrue(fast.isHandMatched)
                    XCTAssertFalse(onig.isHandMatched)
                    var s1 = PreTokenizedString(), s2 = PreTokenizedString()
                    for t in texts {
                        t.withUnsafeBufferPointer { s1.reset($0, atTextStart: true); s2.reset($0, atTextStart: true) }
                        try fast.preTokenize(&s1)
                        try onig.preTokenize(&s2)
                        let a = s1.pieces.map { Array(s1.scalars[$0.start..<$0.end]) }
                        let b = s2.pieces.map { Array(s2.scalars[$0.start..<$0.end]) }
                        if a != b {
                            XCTFail("\(name) \(behavior) invert=\(invert): \(t.map { String($0, radix: 16) })\n fast \(a)\n onig \(b)")
                            return
                        }
                    }
                }
            }
        }
    }
}

extension RegexPatternTests {
    /// Literal alternations (`\\[INST\\]|...`, prefixes of each other, escapes) and `\\A` +
    /// literal, matched by hand, against Oniguruma on texts built from their pieces.
    func testLiteralAlternativesAgreeWithOniguruma() throws {
        let sources = [
            #"\[INST\]|\[/INST\]|\[REFERENCE_DOC_1\]|\[REFERENCE_DOC_10\]"#,
            "a|ab|abc", "abc|ab|a", "b|ab", #"\.\.|\.|x\*y"#, "▁▁|▁", #"\t|\n\r|\ "#,
            #"\-\/\:\<\>\=\!\@\&\%\'\"\~\`\_\,\;"#, "中文|文", "\\A▁", "\\Aab",
            "😀|😀👍", "a", "ab|",
        ]
        var rng = SplitMix(seed: 7)
        let pieces = ["[INST]", "[/INST]", "[REFERENCE_DOC_1]", "[REFERENCE_DOC_10]", "a", "b", "c", "ab", "..",
                      ".", "x*y", "▁", "▁▁", "\t", "\n\r", " ", "中文", "文", "😀", "👍", "-/:<>=!@&%'\"~`_,;", "z"]
        for source in sources {
            let fast = try TextPattern.compile(regex: source, what: "t")
            let onig = try TextPattern.compile(regex: source, what: "t", handMatched: false)
            XCTAssertFalse(onig.isHandMatched)
            if source != "ab|" { XCTAssertTrue(fast.isHandMatched, source) } else { XCTAssertFalse(fast.isHandMatched) }
            for _ in 0..<400 {
                var t = ""
                for _ in 0..<rng.below(10) { t += pieces[rng.below(pieces.count)] }
                XCTAssertEqual(try matches(fast, t), try matches(onig, t), "\(source) on \(t.debugDescription)")
            }
        }
        XCTAssertNil(LiteralAlternatives.parse("a.b"))
        XCTAssertNil(LiteralAlternatives.parse("\\d"))
        XCTAssertNil(LiteralAlternatives.parse("a||b"))
    }
}

