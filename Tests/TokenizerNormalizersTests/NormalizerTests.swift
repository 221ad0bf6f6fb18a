// Tests of TokenizerNormalizers: every normalizer and option combination against outputs of the
// reference (`normalize_str` of HuggingFace tokenizers, Generated/NormalizerCases.generated.swift, made by
// scripts/gen_normalizer_cases.py), the normalizers of the fixture models and of the tokenlearn
// wheel (Precompiled), and malformed configurations (errors, never traps).
import XCTest
import Dispatch
import M2VSupport
import TestSupport
import TokenizerCore
@testable import TokenizerNormalizers

private func scalars(_ s: String) -> [UInt32] { s.unicodeScalars.map { $0.value } }

private func string(_ v: [UInt32]) -> String {
    var s = String()
    for c in v { s.unicodeScalars.append(Unicode.Scalar(c) ?? "\u{FFFD}") }
    return s
}

private func debug(_ v: [UInt32]) -> String {
    var s = ""
    for c in v {
        if c >= 0x20 && c < 0x7F { s.unicodeScalars.append(Unicode.Scalar(c) ?? "?") }
        else { s += "\\u{\(String(c, radix: 16))}" }
    }
    return s
}

private func apply(_ n: any Normalizer, _ text: String) -> [UInt32] {
    var t = scalars(text)
    var scratch: [UInt32] = []
    do { try n.normalize(&t, scratch: &scratch) } catch { XCTFail("normalizer threw: \(error)") }
    return t
}

private func make(_ json: String) throws -> (any Normalizer)? {
    try makeNormalizer(JSON.parse(json))
}

final class NormalizerTests: XCTestCase {
    struct Config { let name: String; let source: JSON; let outputs: [JSON] }

    static let cases: (inputs: [String], configs: [Config], precompiledDev: JSON)? = {
        guard let root = try? JSON.parse(normalizerCasesJSON),
              let inputs = root["inputs"]?.array?.compactMap({ $0.string }),
              let configs = root["configs"]?.array else { return nil }
        var byName: [String: [JSON]] = [:]
        var out: [Config] = []
        for c in configs {
            guard let name = c["name"]?.string else { continue }
            let outputs = c["outputs"]?.array ?? c["sameAs"]?.string.flatMap { byName[$0] } ?? []
            byName[name] = outputs
            out.append(Config(name: name, source: c, outputs: outputs))
        }
        return (inputs, out, root["precompiledDev"] ?? .null)
    }()

    /// Runs `normalizer` over all inputs and fails once per config with the first mismatches.
    func check(_ config: Config, _ normalizer: (any Normalizer)?, file: StaticString = #filePath, line: UInt = #line) {
        guard let cases = Self.cases else { return XCTFail("test data does not parse") }
        XCTAssertEqual(config.outputs.count, cases.inputs.count, "\(config.name): outputs", file: file, line: line)
        var failures: [String] = []
        var scratch: [UInt32] = []
        for (i, input) in cases.inputs.enumerated() where i < config.outputs.count {
            let expected = config.outputs[i].string ?? input
            var t = scalars(input)
            do { try normalizer?.normalize(&t, scratch: &scratch) } catch { failures.append("#\(i) threw \(error)"); continue }
            if t != scalars(expected) {
                failures.append("#\(i) \"\(debug(scalars(input).prefix(60).map { $0 }))\"\n    got      \(debug(Array(t.prefix(80))))\n    expected \(debug(Array(scalars(expected).prefix(80))))")
            }
        }
        if !failures.isEmpty {
            XCTFail("\(config.name): \(failures.count)/\(cases.inputs.count) inputs differ:\n" + failures.prefix(4).joined(separator: "\n"), file: file, line: line)
        }
    }

    func testTestDataLoads() throws {
        let cases = try XCTUnwrap(Self.cases)
        XCTAssertGreaterThan(cases.inputs.count, 100)
        XCTAssertGreaterThan(cases.configs.count, 30)
    }

    /// Every normalizer and option combination defined inline in the test data.
    func testInlineConfigsMatchReference() throws {
        for c in try XCTUnwrap(Self.cases).configs {
            guard let json = c.source["json"] else { continue }
            let n: (any Normalizer)?
            do { n = try makeNormalizer(json) } catch { XCTFail("\(c.name): \(error)"); continue }
            check(c, n)
        }
    }

    /// The normalizers of the fixture models, read from their tokenizer.json.
    func testFixtureModelNormalizers() throws {
        var seen = 0
        for c in try XCTUnwrap(Self.cases).configs {
            guard let rel = c.source["fixture"]?.string else { continue }
            let tok = try Fixtures.json(rel)
            let n = try makeNormalizer(XCTUnwrap(tok["normalizer"]))
            check(c, n)
            seen += 1
        }
        XCTAssertEqual(seen, 8)
    }

    private func tokenlearnNormalizer() throws -> any Normalizer {
        let dir = try Fixtures.tokenlearnModelDir()
        let tok = try JSON.parse(FileIO.read(dir + "/tokenizer.json"))
        let n = try XCTUnwrap(makeNormalizer(XCTUnwrap(tok["normalizer"])))
        XCTAssertTrue(n is PrecompiledNormalizer)
        return n
    }

    /// Precompiled (tokenlearn wheel) on the edge cases and the hand-made inputs.
    func testTokenlearnPrecompiledOnInputs() throws {
        let n = try tokenlearnNormalizer()
        for c in try XCTUnwrap(Self.cases).configs where c.source["tokenlearn"] != nil { check(c, n) }
    }

    /// Precompiled (tokenlearn wheel) on every 20th text of the dev corpus, whole texts.
    func testTokenlearnPrecompiledOnDevCorpus() throws {
        let n = try tokenlearnNormalizer()
        let dev = try Fixtures.devTexts()
        let pre = try XCTUnwrap(Self.cases?.precompiledDev)
        let rows = try XCTUnwrap(pre["rows"]?.array), outs = try XCTUnwrap(pre["outputs"]?.array)
        XCTAssertEqual(rows.count, outs.count)
        var bad = 0
        for (k, r) in rows.enumerated() {
            guard let i = r.int, i < dev.count, k < outs.count else { XCTFail("bad row"); continue }
            let expected = outs[k].string ?? dev[i]
            let got = apply(n, dev[i])
            if got != scalars(expected) {
                bad += 1
                if bad <= 3 { XCTFail("dev row \(i): got \(debug(Array(got.prefix(80)))) expected \(debug(Array(scalars(expected).prefix(80))))") }
            }
        }
        XCTAssertEqual(bad, 0, "\(bad)/\(rows.count) dev texts differ")
    }

    // MARK: Factory and configuration errors

    func testNullIsNoNormalizer() throws {
        XCTAssertNil(try makeNormalizer(.null))
    }

    func testUnknownTypeIsUnsupported() {
        XCTAssertThrowsError(try make(#"{"type": "Fancy"}"#)) { e in
            XCTAssertEqual((e as? M2VError)?.code, .unsupported)
            XCTAssertEqual((e as? M2VError)?.message, "unsupported normalizer \"Fancy\"")
        }
        XCTAssertThrowsError(try make(#"{"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Nope"}]}"#)) { e in
            XCTAssertEqual((e as? M2VError)?.code, .unsupported)
        }
    }

    func testMalformedConfigsThrowFormatErrors() {
        let bad = [
            #"[]"#, #""NFC""#, #"{}"#, #"{"type": 3}"#,
            #"{"type": "BertNormalizer"}"#,
            #"{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null}"#,
            #"{"type": "BertNormalizer", "clean_text": 1, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}"#,
            #"{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": "yes", "lowercase": true}"#,
            #"{"type": "Strip", "strip_left": true}"#,
            #"{"type": "Strip", "strip_left": true, "strip_right": "no"}"#,
            #"{"type": "Prepend"}"#, #"{"type": "Prepend", "prepend": null}"#,
            #"{"type": "Replace", "content": "x"}"#,
            #"{"type": "Replace", "pattern": "a", "content": "x"}"#,
            #"{"type": "Replace", "pattern": {"String": "a"}}"#,
            #"{"type": "Replace", "pattern": {"Glob": "a"}, "content": "x"}"#,
            #"{"type": "Replace", "pattern": {"String": 1}, "content": "x"}"#,
            #"{"type": "Replace", "pattern": {}, "content": "x"}"#,
            #"{"type": "Replace", "pattern": {"Regex": "(unclosed"}, "content": "x"}"#,
            #"{"type": "Replace", "pattern": {"Regex": "[a-"}, "content": "x"}"#,
            #"{"type": "Precompiled"}"#, #"{"type": "Precompiled", "precompiled_charsmap": 5}"#,
            #"{"type": "Precompiled", "precompiled_charsmap": "not base64!"}"#,
            #"{"type": "Precompiled", "precompiled_charsmap": "AAE="}"#,         // 2 bytes: no header
            #"{"type": "Precompiled", "precompiled_charsmap": "/////w=="}"#,     // trie size too big
            #"{"type": "Precompiled", "precompiled_charsmap": "AAAAAP8="}"#,     // invalid UTF-8 blob
            #"{"type": "Sequence"}"#, #"{"type": "Sequence", "normalizers": {}}"#,
            #"{"type": "Sequence", "normalizers": [null]}"#,
            #"{"type": "Sequence", "normalizers": [{"type": "Strip"}]}"#,
        ]
        for b in bad {
            XCTAssertThrowsError(try make(b), b) { e in
                XCTAssertEqual((e as? M2VError)?.code, .format, "\(b): \(e)")
            }
        }
    }

    func testDeeplyNestedSequenceIsAnError() throws {
        var s = #"{"type": "NFC"}"#
        for _ in 0..<100 { s = #"{"type": "Sequence", "normalizers": ["# + s + "]}" }
        XCTAssertThrowsError(try make(s))
    }

    // MARK: Behaviour details

    func testBertStripAccentsNullFollowsLowercase() throws {
        let lower = try XCTUnwrap(make(#"{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}"#) as? BertNormalizer)
        XCTAssertTrue(lower.stripAccents)
        let cased = try XCTUnwrap(make(#"{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "lowercase": false}"#) as? BertNormalizer)
        XCTAssertFalse(cased.stripAccents)
        XCTAssertEqual(apply(lower, "A\u{0}B\tC\u{4E2D}"), scalars("ab c \u{4E2D} "))
    }

    func testASCIIPathsAgreeWithGeneralPaths() {
        // The same text with one non-ASCII scalar appended exercises the general path.
        let texts = ["Hello,\tWorld!\r\n\u{0}\u{7F}\u{1B}X", "  MiXeD Case 123  ", ""]
        let normalizers: [any Normalizer] = [
            BertNormalizer(), BertNormalizer(cleanText: true, handleChineseChars: false, stripAccents: false, lowercase: false),
            LowercaseNormalizer(), UnicodeNormalizer(.nfkc), UnicodeNormalizer(.nfc),
        ]
        for n in normalizers {
            for t in texts {
                var a = apply(n, t)
                let b = apply(n, t + "\u{4E00}")
                a.append(contentsOf: apply(n, "\u{4E00}"))
                XCTAssertEqual(a, b, "\(type(of: n)) on \(debug(scalars(t)))")
            }
        }
    }

    func testReplaceLiteral() throws {
        let r = ReplaceNormalizer(literal: "aa", content: "b")
        XCTAssertEqual(apply(r, "aaaaa"), scalars("bba"))
        XCTAssertEqual(apply(ReplaceNormalizer(literal: "", content: "|"), "ab"), scalars("|a|b|"))
        XCTAssertEqual(apply(ReplaceNormalizer(literal: "", content: "|"), ""), [])
    }

    func testRegexEmptyMatchesFollowOniguruma() throws {
        XCTAssertEqual(apply(try ReplaceNormalizer(regex: "a*", content: "-"), "abc"), scalars("-b-c-"))
        XCTAssertEqual(apply(try ReplaceNormalizer(regex: "b|", content: "-"), "abc"), scalars("-a-c-"))
        XCTAssertEqual(apply(try ReplaceNormalizer(regex: "(?=b)", content: "-"), "abc"), scalars("a-bc"))
        XCTAssertEqual(apply(try ReplaceNormalizer(regex: "^", content: "#"), "a\nb"), scalars("#a\n#b"))
        XCTAssertEqual(apply(try ReplaceNormalizer(regex: "\\s", content: "#"), "a\u{3000}b"), scalars("a#b"))
    }

    func testPrependOnlyWhenNonEmpty() {
        let p = PrependNormalizer(prepend: "\u{2581}")
        XCTAssertEqual(apply(p, ""), [])
        XCTAssertEqual(apply(p, " x"), scalars("\u{2581} x"))
    }

    func testStripWhitespaceOnly() {
        XCTAssertEqual(apply(StripNormalizer(left: true, right: true), " \u{3000}\t "), [])
        XCTAssertEqual(apply(StripNormalizer(left: false, right: true), " a\u{85} "), scalars(" a"))
        XCTAssertEqual(apply(StripNormalizer(left: true, right: false), "\u{200B} a "), scalars("\u{200B} a ")) // ZWSP is not White_Space
    }

    func testByteLevel() {
        XCTAssertEqual(apply(ByteLevelNormalizer(), "a é"), scalars("a\u{120}\u{C3}\u{A9}"))
        XCTAssertEqual(apply(ByteLevelNormalizer(), ""), [])
    }

    func testPrecompiledEmptyCharsmapIsIdentity() throws {
        let n = try XCTUnwrap(make(#"{"type": "Precompiled", "precompiled_charsmap": ""}"#))
        XCTAssertEqual(apply(n, "A\u{FF21} x"), scalars("A\u{FF21} x"))
    }

    func testPrecompiledCorruptTrieDoesNotTrap() throws {
        // A trie whose offsets point anywhere: lookups must fail softly.
        var raw: [UInt8] = [64, 0, 0, 0]
        var x: UInt32 = 0x12345678
        for _ in 0..<16 {
            x = x &* 1664525 &+ 1013904223
            raw += [UInt8(x & 0xFF), UInt8((x >> 8) & 0xFF), UInt8((x >> 16) & 0xFF), UInt8(x >> 24)]
        }
        raw += Array("abc\u{0}d\u{0}".utf8)
        let n = try PrecompiledNormalizer(charsmap: raw)
        for t in ["", "abc", "\u{E9}\u{301}x", "\r\n", "\u{1F600}\u{200D}\u{1F600}"] { _ = apply(n, t) }
        for b in 0..<256 {
            let bytes = [UInt8(b), 0xFF, 0x80, UInt8(255 - b)]
            _ = bytes.withUnsafeBufferPointer { PrecompiledNormalizer.lookup(trie: n.trie, blob: n.blob, key: $0) }
        }
    }

    func testBase64() {
        XCTAssertEqual(decodeBase64(""), [])
        XCTAssertEqual(decodeBase64("TWFu"), Array("Man".utf8))
        XCTAssertEqual(decodeBase64("TWE="), Array("Ma".utf8))
        XCTAssertEqual(decodeBase64("TQ=="), Array("M".utf8))
        XCTAssertNil(decodeBase64("TQ="))
        XCTAssertNil(decodeBase64("T=Q="))
        XCTAssertNil(decodeBase64("TW Fu"))
    }

    func testConcurrentUse() throws {
        let n = try XCTUnwrap(make(#"{"type": "Sequence", "normalizers": [{"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true}, {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}]}"#))
        let expected = apply(n, "Héllo   Wörld 中文")
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<50 { XCTAssertEqual(apply(n, "Héllo   Wörld 中文"), expected) }
        }
    }
}
