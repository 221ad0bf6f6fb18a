// token_remove_pattern: Python `re` patterns translated to Swift Regex (Distill/TokenRemovePattern).
// The match table below was made with Python 3.11.7's re.compile(pattern).match(token) (the
// reference's call), over the tokens listed; every pattern must give exactly the same tokens.
// Then: patterns Python rejects are invalid arguments, constructs Swift cannot match exactly are
// unsupported, and the teacher's vocabulary filtered through the regex path equals the fixture
// made by model2vec with its default pattern.
import XCTest
import CM2V
import M2V
import M2VSupport
import TestSupport
@testable import Distill

final class TokenRemovePatternTests: XCTestCase {
    static let cases: [(pattern: String, matches: [String])] = [
        ("\\[unused\\d+\\]", ["[unused0]", "[unused12]", "[unused\u{663}]"]),
        ("^##", ["##ing", "##"]),
        ("\\#\\#", ["##ing", "##"]),
        ("\\d", ["123", "\u{661}\u{662}\u{663}"]),
        ("\\d+$", ["123", "\u{661}\u{662}\u{663}"]),
        ("[^\\W\\d_]+$", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "\u{B2}", "\u{BD}", "\u{216B}", "a\u{A}", "\u{E9}", "\u{65E5}\u{672C}", "A", "ABC", "\u{E4}", "\u{DF}", "\u{130}"]),
        ("\\w+", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "x##", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a b", "a\u{A}", "\u{E9}", "e\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "a{", "a{}", "a{1,x}", "\u{E4}", "\u{DF}", "\u{130}"]),
        ("\\W", ["[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "##ing", "#", "##", " a", "\u{9}", "\u{A}", "\u{A0}", "\u{1C}", "\u{85}", "\u{301}", "\u{1F600}", "-", "]", "{", "}", "[", ".", "*", "&", "\u{0}"]),
        ("\\s", [" a", "\u{9}", "\u{A}", "\u{A0}", "\u{1C}", "\u{85}"]),
        ("\\S", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "##ing", "#", "##", "x##", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a b", "a\u{A}", "\u{E9}", "e\u{301}", "\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "\u{1F600}", "-", "]", "{", "}", "[", ".", "*", "&", "a{", "a{}", "a{1,x}", "\u{0}", "\u{E4}", "\u{DF}", "\u{130}"]),
        (".", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "##ing", "#", "##", "x##", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a b", " a", "\u{9}", "a\u{A}", "\u{A0}", "\u{1C}", "\u{85}", "\u{E9}", "e\u{301}", "\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "\u{1F600}", "-", "]", "{", "}", "[", ".", "*", "&", "a{", "a{}", "a{1,x}", "\u{0}", "\u{E4}", "\u{DF}", "\u{130}"]),
        ("(?s).", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "##ing", "#", "##", "x##", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a b", " a", "\u{9}", "\u{A}", "a\u{A}", "\u{A0}", "\u{1C}", "\u{85}", "\u{E9}", "e\u{301}", "\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "\u{1F600}", "-", "]", "{", "}", "[", ".", "*", "&", "a{", "a{}", "a{1,x}", "\u{0}", "\u{E4}", "\u{DF}", "\u{130}"]),
        ("a.c", ["abc", "abcd"]),
        ("a$", ["a", "a\u{A}"]),
        ("a\\Z", ["a"]),
        ("(?m)a$", ["a", "a\u{A}"]),
        ("^a|b", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "a b", "a\u{A}", "a{", "a{}", "a{1,x}"]),
        ("(a|ab)(c|bcd)(d*)", ["abc", "abcd"]),
        ("(?>a|ab)c", []),
        ("a*+a", []),
        ("a{2}", ["aa", "aaa", "aab", "aaab"]),
        ("a{2,}", ["aa", "aaa", "aab", "aaab"]),
        ("a{,2}b", ["ab", "abc", "abcd", "abd", "aab", "b", "ba"]),
        ("a{2,3}?$", ["aa", "aaa"]),
        ("a{", ["a{", "a{}", "a{1,x}"]),
        ("a{}", ["a{}"]),
        ("a{1,x}", ["a{1,x}"]),
        ("{", ["{"]),
        ("}", ["}"]),
        ("]", ["]"]),
        ("[]]", ["]"]),
        ("[^]a]", ["b", "ba", "[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "##ing", "#", "##", "x##", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", " a", "\u{9}", "\u{A}", "\u{A0}", "\u{1C}", "\u{85}", "\u{E9}", "e\u{301}", "\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "\u{1F600}", "-", "{", "}", "[", ".", "*", "&", "\u{0}", "\u{E4}", "\u{DF}", "\u{130}"]),
        ("[a-]", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "a b", "a\u{A}", "-", "a{", "a{}", "a{1,x}"]),
        ("[-a]", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "a b", "a\u{A}", "-", "a{", "a{}", "a{1,x}"]),
        ("[\\d-]", ["123", "\u{661}\u{662}\u{663}", "-"]),
        ("[\\w.]+$", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a\u{A}", "\u{E9}", "\u{65E5}\u{672C}", "A", "ABC", ".", "\u{E4}", "\u{DF}", "\u{130}"]),
        ("[^\\s]", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "##ing", "#", "##", "x##", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a b", "a\u{A}", "\u{E9}", "e\u{301}", "\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "\u{1F600}", "-", "]", "{", "}", "[", ".", "*", "&", "a{", "a{}", "a{1,x}", "\u{0}", "\u{E4}", "\u{DF}", "\u{130}"]),
        ("[\\D]", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "##ing", "#", "##", "x##", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a b", " a", "\u{9}", "\u{A}", "a\u{A}", "\u{A0}", "\u{1C}", "\u{85}", "\u{E9}", "e\u{301}", "\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "\u{1F600}", "-", "]", "{", "}", "[", ".", "*", "&", "a{", "a{}", "a{1,x}", "\u{0}", "\u{E4}", "\u{DF}", "\u{130}"]),
        ("[^\\D]", ["123", "\u{661}\u{662}\u{663}"]),
        ("(?a)\\w+$", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "123", "_", "a\u{A}", "A", "ABC"]),
        ("(?a)\\d", ["123"]),
        ("(?a:\\s)", [" a", "\u{9}", "\u{A}"]),
        ("(?x) a b # comment", ["ab", "abc", "abcd", "abd"]),
        ("(?x)[ ]", [" a"]),
        ("(?x)a\\ b", ["a b"]),
        ("(?=ab)a", ["ab", "abc", "abcd", "abd"]),
        ("(?!ab)a", ["a", "aa", "aaa", "aab", "aaab", "a b", "a\u{A}", "a{", "a{}", "a{1,x}"]),
        ("(?:)", ["", "a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "##ing", "#", "##", "x##", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a b", " a", "\u{9}", "\u{A}", "a\u{A}", "\u{A0}", "\u{1C}", "\u{85}", "\u{E9}", "e\u{301}", "\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "\u{1F600}", "-", "]", "{", "}", "[", ".", "*", "&", "a{", "a{}", "a{1,x}", "\u{0}", "\u{E4}", "\u{DF}", "\u{130}"]),
        ("", ["", "a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "##ing", "#", "##", "x##", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a b", " a", "\u{9}", "\u{A}", "a\u{A}", "\u{A0}", "\u{1C}", "\u{85}", "\u{E9}", "e\u{301}", "\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "\u{1F600}", "-", "]", "{", "}", "[", ".", "*", "&", "a{", "a{}", "a{1,x}", "\u{0}", "\u{E4}", "\u{DF}", "\u{130}"]),
        ("(?P<x>a)b", ["ab", "abc", "abcd", "abd"]),
        ("(?#comment)a", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "a b", "a\u{A}", "a{", "a{}", "a{1,x}"]),
        ("\\x41", ["A", "ABC"]),
        ("\\u00e9", ["\u{E9}"]),
        ("\\U0001F600", ["\u{1F600}"]),
        ("\\101", ["A", "ABC"]),
        ("\\0", ["\u{0}"]),
        ("[\\101-\\103]+$", ["A", "ABC"]),
        ("\u{E9}", ["\u{E9}"]),
        ("e\\u0301", ["e\u{301}"]),
        ("[\u{E9}]", ["\u{E9}"]),
        ("\\t", ["\u{9}"]),
        ("\\n?$", ["", "\u{A}"]),
        ("(?s:.)b", ["ab", "abc", "abcd", "abd"]),
        ("[[]", ["[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "["]),
        ("[a&&b]", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "a b", "a\u{A}", "&", "a{", "a{}", "a{1,x}"]),
        ("[+--]+$", ["-"]),
        ("\\.", ["."]),
        ("\\*", ["*"]),
        ("a|", ["", "a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "##ing", "#", "##", "x##", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a b", " a", "\u{9}", "\u{A}", "a\u{A}", "\u{A0}", "\u{1C}", "\u{85}", "\u{E9}", "e\u{301}", "\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "\u{1F600}", "-", "]", "{", "}", "[", ".", "*", "&", "a{", "a{}", "a{1,x}", "\u{0}", "\u{E4}", "\u{DF}", "\u{130}"]),
        ("|a", ["", "a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "##ing", "#", "##", "x##", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a b", " a", "\u{9}", "\u{A}", "a\u{A}", "\u{A0}", "\u{1C}", "\u{85}", "\u{E9}", "e\u{301}", "\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "\u{1F600}", "-", "]", "{", "}", "[", ".", "*", "&", "a{", "a{}", "a{1,x}", "\u{0}", "\u{E4}", "\u{DF}", "\u{130}"]),
        ("(a|)+b", ["ab", "abc", "abcd", "abd", "aab", "aaab", "b", "ba"]),
        ("\\w", ["a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "x##", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a b", "a\u{A}", "\u{E9}", "e\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "a{", "a{}", "a{1,x}", "\u{E4}", "\u{DF}", "\u{130}"]),
    ]
    static let tokens: [String] = ["", "a", "ab", "abc", "abcd", "abd", "aa", "aaa", "aab", "aaab", "b", "ba", "[unused0]", "[unused12]", "[unused]", "[unused\u{663}]", "[UNK]", "##ing", "#", "##", "x##", "123", "\u{661}\u{662}\u{663}", "\u{B2}", "\u{BD}", "\u{216B}", "_", "a b", " a", "\u{9}", "\u{A}", "a\u{A}", "\u{A0}", "\u{1C}", "\u{85}", "\u{E9}", "e\u{301}", "\u{301}", "\u{65E5}\u{672C}", "A", "ABC", "\u{1F600}", "-", "]", "{", "}", "[", ".", "*", "&", "a{", "a{}", "a{1,x}", "\u{0}", "\u{E4}", "\u{DF}", "\u{130}"]

    static func same(_ a: String, _ b: String) -> Bool { a.unicodeScalars.elementsEqual(b.unicodeScalars) }

    func testMatchesLikePythonReMatch() throws {
        for (pattern, expected) in Self.cases {
            let r = try PythonRegex(pattern)
            for t in Self.tokens {
                let want = expected.contains { Self.same($0, t) }
                XCTAssertEqual(r.matches(t), want,
                               "re.match(\(pattern.debugDescription), \(t.debugDescription)); Swift source \(r.swiftSource)")
            }
        }
    }

    func testEveryCodePointOfTheClassesMatchesPythonsTables() throws {
        // \d \w \s and their complements over all of Unicode, against the generated tables.
        for (p, table, negated) in [(#"\d"#, PythonReTables.digit, false), (#"\w"#, PythonReTables.word, false),
                                    (#"\s"#, PythonReTables.space, false), (#"\W"#, PythonReTables.word, true)] {
            // Every run boundary (first - 1, first, last, last + 1), all of the BMP's first 2048
            // code points, one in 13 elsewhere, and every code point Swift refuses as a range bound.
            let r = try PythonRegex(p + "$")
            var probe = Set<UInt32>(stride(from: 0, through: 0x10FFFF, by: 13)).union(0..<0x800)
            for v in table + PythonReTables.nfcChanging { probe.insert(v); probe.insert(v &+ 1); probe.insert(v &- 1) }
            for (a, b) in ScalarSet.pairs(PythonReTables.nfcChanging) { for c in a...b { probe.insert(c) } }
            for c in probe.sorted() {
                guard c <= 0x10FFFF, let u = Unicode.Scalar(c) else { continue }
                let want = ScalarSet.contains(table, c) != negated
                if r.matches(String(Character(u))) != want { XCTFail("\(p) on U+\(String(c, radix: 16))"); break }
            }
        }
    }

    func testPatternsPythonRejectsAreInvalidArguments() {
        let invalid = ["(", "a)", "[a", "a**", "*a", #"\q"#, "[z-a]", "a{2,1}", "(?L)a", "a(?s)", #"\8"#,
                       "(?P<1>a)", #"\"#, "(?<x", #"[\d-z]"#, #"\x4"#, "(?", "(?z)", "a|*", "^*", "(?P=n)",
                       "(?#x", #"[\A]"#, "(?i-i:a)", #"\777"#]
        for p in invalid {
            XCTAssertThrowsError(try PythonRegex(p), p) { e in
                XCTAssertEqual((e as? M2VError)?.code, .invalidArgument, "\(p): \(e)")
            }
        }
        XCTAssertThrowsError(try PythonRegex(#"\q"#)) { e in
            XCTAssertTrue("\(e)".contains(#"bad escape \q at position 0"#), "\(e)")
        }
    }

    func testConstructsSwiftCannotMatchExactlyAreUnsupported() {
        let unsupported = ["(?<=a)b", "(?<!a)b", #"\bfoo"#, #"\Bfoo"#, "(?i)abc", #"(a)\1"#, "(?P<n>a)(?P=n)",
                           "(a)?(?(1)b|c)", #"\N{EM DASH}"#, "a{1001}", "(?m)^a", "(?i:a)"]
        for p in unsupported {
            XCTAssertThrowsError(try PythonRegex(p), p) { e in
                XCTAssertEqual((e as? M2VError)?.code, .unsupported, "\(p): \(e)")
            }
        }
        // A syntax error after an unsupported construct is still reported as invalid.
        XCTAssertThrowsError(try PythonRegex("(?<=a)[")) { e in
            XCTAssertEqual((e as? M2VError)?.code, .invalidArgument, "\(e)")
        }
    }

    func teacherJSON() throws -> [UInt8] { try FileIO.read(Fixtures.teacherModelDir() + "/tokenizer.json") }

    func testDefaultPatternThroughTheRegexEqualsTheReference() throws {
        let bytes = try teacherJSON()
        let ref = try FileIO.read(Fixtures.path("models/minilm-default/tokenizer.json"))
        let viaRegex = try DistillVocabulary(teacherTokenizerJSON: bytes,
                                             remove: .regex(PythonRegex(TokenRemovePattern.defaultPattern)))
        let byHand = try DistillVocabulary(teacherTokenizerJSON: bytes, remove: .unusedTokens)
        XCTAssertEqual(viaRegex.tokens.count, 29525)
        XCTAssertTrue(viaRegex.tokenizerJSON == ref, "tokenizer.json differs from minilm-default's")
        XCTAssertTrue(byHand.tokenizerJSON == ref)
    }

    func testCustomPatternsOnTheTeacherVocabulary() throws {
        let bytes = try teacherJSON()
        let all = try DistillVocabulary(teacherTokenizerJSON: bytes, remove: .none)
        for p in ["^\\#\\#", #"\d"#, #"(?!##)"#] {
            let r = try PythonRegex(p)
            let v = try DistillVocabulary(teacherTokenizerJSON: bytes, remove: .regex(r))
            // Kept: every token the pattern does not match, and the unk token.
            let want = all.tokens.filter { !r.matches($0) || $0 == "[UNK]" }
            XCTAssertEqual(v.tokens, want, p)
            XCTAssertEqual(v.teacherInputs.count, v.tokens.count)
            // The output tokenizer loads, and keeps the unk token; padding only with its token.
            let j = try JSON.parse(v.tokenizerJSON)
            XCTAssertNotNil(j["model"]?["vocab"]?["[UNK]"], p)
            let padKept = v.tokens.contains("[PAD]")
            XCTAssertEqual(j["padding"]?.isNull ?? true, !padKept, p)
        }
        // "(?!##)" removes everything but the "##" continuations (and [UNK]).
        let cont = try DistillVocabulary(teacherTokenizerJSON: bytes, remove: .regex(PythonRegex("(?!##)")))
        XCTAssertTrue(cont.tokens.dropFirst().allSatisfy { $0.unicodeScalars.starts(with: "##".unicodeScalars) })
        XCTAssertEqual(cont.tokens.first, "[UNK]")
    }

    // m2v_distill_params.token_remove_pattern through the C API: the pattern is checked before the
    // teacher is read, so a missing teacher shows which error comes from the pattern.
    func testCAPIField() {
        let out = "/tmp/m2v-pattern-api-\(getpid())"
        var p = M2V.m2v_distill_default_params()
        XCTAssertNil(p.token_remove_pattern)
        func run(_ pattern: [CChar], size: Int = MemoryLayout<m2v_distill_params>.size) -> m2v_status {
            pattern.withUnsafeBufferPointer { b in
                p.token_remove_pattern = b.baseAddress
                p.struct_size = size
                defer { p.token_remove_pattern = nil }
                return M2V.m2v_distill("/nonexistent-teacher", &p, out)
            }
        }
        func c(_ s: String) -> [CChar] { s.utf8CString.map { $0 } }
        XCTAssertEqual(run(c("[a")), M2V_ERR_INVALID_ARGUMENT)
        XCTAssertTrue(String(cString: m2v_last_error()).contains("unterminated character set"))
        XCTAssertEqual(run(c("(?<=a)b")), M2V_ERR_UNSUPPORTED)
        XCTAssertTrue(String(cString: m2v_last_error()).contains("lookbehind"))
        XCTAssertEqual(run([CChar(bitPattern: 0xFF), 0]), M2V_ERR_INVALID_UTF8)
        XCTAssertEqual(run(c("^\\#\\#")), M2V_ERR_NOT_FOUND) // valid: on to the teacher
        // A caller built before the field existed (struct_size ends before it): the field is not
        // read, so even an invalid pattern there is ignored.
        let old = MemoryLayout<m2v_distill_params>.offset(of: \m2v_distill_params.token_remove_pattern)!
        XCTAssertEqual(run(c("[a"), size: old), M2V_ERR_NOT_FOUND)
    }
}
