// The distill vocabulary step on tokenizers it must refuse: a model model2vec 0.10 cannot distil
// is M2VError.unsupported naming it, a malformed tokenizer.json is .format, and seeded random
// damage to the committed teachers (members removed, values of the wrong type, truncated text)
// ends in a result or an error, never a trap.
import XCTest
import M2VSupport
import TestSupport
@testable import Distill

final class DistillVocabularyErrorTests: XCTestCase {
    func teacher(_ name: String) throws -> [UInt8] {
        let p = DistillVocabularyReferenceTests.data + "/teachers/\(name).json"
        let text = String(decoding: try FileIO.read(p), as: UTF8.self)
        return try DistillVocabularyReferenceTests.substitute(text, DistillVocabularyReferenceTests.charsmap)
    }

    func code(_ bytes: [UInt8], config: TeacherTokenizerConfig = TeacherTokenizerConfig(), words: [String] = []) -> M2VError.Code? {
        do {
            _ = try DistillVocabulary(teacherTokenizerJSON: bytes, config: config, words: words)
            return nil
        } catch {
            return error.code
        }
    }

    func testUnknownModelIsUnsupportedAndNamed() throws {
        let doc = #"{"version":"1.0","model":{"type":"CharLevel","vocab":{"a":0}}}"#
        do {
            _ = try DistillVocabulary(teacherTokenizerJSON: Array(doc.utf8))
            XCTFail("accepted a CharLevel model")
        } catch {
            XCTAssertEqual(error.code, .unsupported)
            XCTAssertTrue(error.message.contains("CharLevel"), error.message)
        }
    }

    func testUnknownComponentIsUnsupported() throws {
        var j = try JSON.parse(teacher("bpe-gpt2"))
        j = j.setting("pre_tokenizer", .object([("type", .string("Morfessor"))]))
        XCTAssertEqual(code(Array(j.serialized().utf8)), .unsupported)
    }

    func testMalformedIsFormat() throws {
        let cases = [
            "", "{", "[]", #"{"model":3}"#, #"{"model":{"type":"BPE","vocab":{"a":0}}}"#,
            #"{"model":{"type":"BPE","vocab":{"a":0,"b":1},"merges":[["a","b"]]}}"#,
            #"{"model":{"type":"Unigram","vocab":[["a","x"]]}}"#,
            #"{"model":{"type":"Unigram","vocab":[["a",-1.0]],"unk_id":4}}"#,
            #"{"model":{"type":"WordPiece","vocab":{"a":0},"unk_token":"a"}}"#,
            #"{"model":{"type":"WordLevel","vocab":{"a":-1},"unk_token":"a"}}"#,
            #"{"model":{"type":"WordLevel","vocab":{"a":0},"unk_token":"a"},"pre_tokenizer":{"type":"Metaspace"}}"#,
            #"{"model":{"type":"WordLevel","vocab":{"a":0},"unk_token":"a"},"added_tokens":[{"content":"b"}]}"#,
            #"{"model":{"type":"WordLevel","vocab":{"a":0},"unk_token":"a"},"padding":{"strategy":"Fixed"}}"#,
            #"{"version":"2.0","model":{"type":"WordLevel","vocab":{"a":0},"unk_token":"a"}}"#,
        ]
        for c in cases { XCTAssertEqual(code(Array(c.utf8)), .format, c) }
    }

    func testTwoTokensWithOneIdAreUnsupported() {
        let doc = #"{"model":{"type":"WordLevel","vocab":{"a":0,"b":0},"unk_token":"a"}}"#
        XCTAssertEqual(code(Array(doc.utf8)), .unsupported)
    }

    /// Seeded damage to every committed teacher: each variant either distils or throws.
    func testRandomDamageNeverTraps() throws {
        var rng = SplitMix(seed: 16)
        let fd = try FileIO.openDirectory(DistillVocabularyReferenceTests.data + "/teachers")
        defer { close(fd) }
        let names = try FileIO.entries(of: fd, folder: "teachers").map { $0.display }.filter { $0.hasSuffix(".json") }.sorted()
        var outcomes: [String: Int] = [:]
        for n in names {
            let bytes = try teacher(String(n.dropLast(5)))
            let json = try JSON.parse(bytes)
            for _ in 0..<12 {
                let damaged = Self.damage(json, &rng, depth: 0)
                let c = code(Array(damaged.serialized().utf8), words: ["zxqv", "New York", "<s>"])
                outcomes[c.map { "\($0)" } ?? "ok", default: 0] += 1
            }
            // Truncated text.
            for _ in 0..<4 {
                let cut = Int(rng.next() % UInt64(max(1, bytes.count)))
                XCTAssertEqual(code(Array(bytes[0..<cut])), .format)
            }
        }
        print("damaged teachers: \(outcomes)")
    }

    /// `j` with one random member removed or replaced by a value of another type.
    static func damage(_ j: JSON, _ rng: inout SplitMix, depth: Int) -> JSON {
        switch j {
        case .object(var members) where !members.isEmpty:
            let i = Int(rng.next() % UInt64(members.count))
            let r = rng.next() % 8
            if r == 0 || depth > 4 {
                members.remove(at: i)
            } else if r == 1 {
                members[i].value = [JSON.null, .bool(true), .number(-1), .number(1e30), .string("x"), .array([]), .object([])][Int(rng.next() % 7)]
            } else {
                members[i].value = damage(members[i].value, &rng, depth: depth + 1)
            }
            return .object(members)
        case .array(var items) where !items.isEmpty:
            let i = Int(rng.next() % UInt64(items.count))
            if rng.next() % 3 == 0 { items.remove(at: i) } else { items[i] = damage(items[i], &rng, depth: depth + 1) }
            return .array(items)
        case .string:
            return rng.next() % 2 == 0 ? .string("") : .number(7)
        case .number(let d):
            return [.number(-d - 1), .number(d + 1e9), .string("\(d)"), .null][Int(rng.next() % 4)]
        default:
            return .string("?")
        }
    }
}
