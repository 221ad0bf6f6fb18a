// HubCache: hub ids resolved against a fake HuggingFace cache in a temporary folder, with the
// environment passed explicitly (no setenv): id parsing (table-driven), the cache folder's
// precedence, refs and @revision, odd refs files, messages, and a model loaded by id.
import XCTest
import M2VSupport
import TestSupport
@testable import StaticModel
#if canImport(Glibc)
import Glibc
#endif

final class HubCacheTests: XCTestCase {
    let sha1 = "0123456789abcdef0123456789abcdef01234567"
    let sha2 = "89abcdef0123456789abcdef0123456789abcdef"
    var root = ""
    var cache: String { root + "/hub" }
    var env: HubCache.Environment { HubCache.Environment(hfHubCache: cache, home: root + "/home") }

    var tmp: TemporaryFolder?

    override func setUpWithError() throws {
        let t = try TemporaryFolder("hubcache")
        tmp = t
        root = t.path
    }

    override func tearDown() { tmp?.remove() }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let path = cache + "/" + relative
        var dir = path
        while let last = dir.last, last != "/" { dir.removeLast() }
        try FileIO.makeDirectories(String(dir.dropLast()))
        try FileIO.write(path, bytes)
    }

    func snapshot(_ repo: String, _ sha: String) throws {
        try FileIO.makeDirectories(cache + "/models--\(repo)/snapshots/\(sha)")
    }

    func message(_ id: String, _ e: HubCache.Environment? = nil) -> String? {
        do {
            _ = try HubCache.resolve(id, environment: e ?? env)
            return nil
        } catch {
            XCTAssertEqual(error.code, .notFound, id)
            return error.message
        }
    }

    func testParseIds() {
        let cases: [(String, String?, String?)] = [
            ("org/name", "org/name", "main"),
            ("name", "name", "main"),
            ("minishlab/potion-base-8M", "minishlab/potion-base-8M", "main"),
            ("org/name@v1.0", "org/name", "v1.0"),
            ("org/name@refs/pr/1", "org/name", "refs/pr/1"),
            ("org/name@\(sha1)", "org/name", sha1),
            ("a_b.c-d/e.f_g", "a_b.c-d/e.f_g", "main"),
            ("/abs/path", nil, nil), ("./org/name", nil, nil), ("a/b/c", nil, nil), ("org//name", nil, nil),
            ("", nil, nil), ("/", nil, nil), ("org/", nil, nil), ("-org/name", nil, nil), ("org/name.", nil, nil),
            ("org/na--me", nil, nil), ("org/na..me", nil, nil), ("org/name.git", nil, nil),
            ("org/name@", nil, nil), ("org/name@../x", nil, nil), ("org/name@a//b", nil, nil),
            ("org/name@/a", nil, nil), ("org/name@a/", nil, nil), ("org/name@a b", nil, nil),
            ("org/na me", nil, nil), ("org/ñame", nil, nil), ("org/name@x@y", nil, nil),
            (String(repeating: "a", count: 97), nil, nil), (String(repeating: "a", count: 96), String(repeating: "a", count: 96), "main"),
            ("org/name@" + String(repeating: "r", count: 256), nil, nil),
        ]
        for (input, repo, revision) in cases {
            let id = HubCache.parseId(input)
            XCTAssertEqual(id?.repo, repo, input)
            XCTAssertEqual(id?.revision, revision, input)
        }
        XCTAssertEqual(HubCache.parseId("org/name")?.folderName, "models--org--name")
        XCTAssertEqual(HubCache.parseId("name")?.folderName, "models--name")
    }

    func testCommitHash() {
        XCTAssertTrue(HubCache.isCommitHash(sha1))
        XCTAssertFalse(HubCache.isCommitHash(sha1.uppercased()))
        XCTAssertFalse(HubCache.isCommitHash(String(sha1.dropLast())))
        XCTAssertFalse(HubCache.isCommitHash(sha1 + "0"))
        XCTAssertFalse(HubCache.isCommitHash("main"))
    }

    func testCacheDirectoryPrecedence() {
        typealias E = HubCache.Environment
        let full = E(hfHubCache: "/a", huggingfaceHubCache: "/b", hfHome: "/c", xdgCacheHome: "/d", home: "/e")
        XCTAssertEqual(HubCache.cacheDirectory(full).path, "/a")
        XCTAssertEqual(HubCache.cacheDirectory(full).source, "HF_HUB_CACHE")
        XCTAssertEqual(HubCache.cacheDirectory(E(huggingfaceHubCache: "/b", hfHome: "/c")).path, "/b")
        XCTAssertEqual(HubCache.cacheDirectory(E(hfHome: "/c", xdgCacheHome: "/d")).path, "/c/hub")
        XCTAssertEqual(HubCache.cacheDirectory(E(xdgCacheHome: "/d", home: "/e")).path, "/d/huggingface/hub")
        XCTAssertEqual(HubCache.cacheDirectory(E(home: "/e")).path, "/e/.cache/huggingface/hub")
        XCTAssertEqual(HubCache.cacheDirectory(E(hfHubCache: "~/x", home: "/e")).path, "/e/x")
        XCTAssertEqual(HubCache.cacheDirectory(E(hfHome: "~", home: "/e")).path, "/e/hub")
        XCTAssertEqual(HubCache.cacheDirectory(E()).path, "/.cache/huggingface/hub")
    }

    func testRefsAndRevisions() throws {
        try snapshot("org--name", sha1)
        try snapshot("org--name", sha2)
        try write("models--org--name/refs/main", Array(sha1.utf8))
        try write("models--org--name/refs/v1", Array((sha2 + "\r\n").utf8))
        try write("models--org--name/refs/refs/pr/1", Array(("  " + sha2).utf8))
        let base = cache + "/models--org--name/snapshots/"
        XCTAssertEqual(try HubCache.resolve("org/name", environment: env), base + sha1)
        XCTAssertEqual(try HubCache.resolve("org/name@main", environment: env), base + sha1)
        XCTAssertEqual(try HubCache.resolve("org/name@v1", environment: env), base + sha2)
        XCTAssertEqual(try HubCache.resolve("org/name@refs/pr/1", environment: env), base + sha2)
        XCTAssertEqual(try HubCache.resolve("org/name@\(sha2)", environment: env), base + sha2)
        // not ids, and existing paths: unchanged
        for s in ["", "/nonexistent/x", "a/b/c", "org/name@../../x", root] {
            XCTAssertEqual(try HubCache.resolve(s, environment: env), s)
        }
    }

    func testMessagesAndOddRefs() throws {
        let missing = try XCTUnwrap(message("org/missing"))
        XCTAssertTrue(missing.contains(cache + "/models--org--missing/refs/main: no such file"), missing)
        XCTAssertTrue(missing.contains("from HF_HUB_CACHE"), missing)
        XCTAssertTrue(missing.contains("`huggingface-cli download org/missing`"), missing)
        XCTAssertTrue(missing.contains("m2v_native.StaticModel.from_pretrained(\"org/missing\")"), missing)

        try snapshot("org--name", sha1)
        let rev = try XCTUnwrap(message("org/name@dev"))
        XCTAssertTrue(rev.contains("Cached snapshots of this repo: \(sha1)"), rev)
        XCTAssertTrue(rev.contains("`huggingface-cli download org/name --revision dev`"), rev)

        let odd: [(String, [UInt8], String)] = [
            ("empty", [], "empty, not a commit hash"),
            ("spaces", Array(" \n\t\r\n".utf8), "empty, not a commit hash"),
            ("huge", [UInt8](repeating: 0x61, count: 3 << 20), "longer than 256 bytes"),
            ("limit", [UInt8](repeating: 0x61, count: 256), "256 bytes that are not a 40-hex commit hash"),
            ("binary", [0, 0xFF, 0xFE, 0x80, 0x0A], "not a 40-hex commit hash"),
            ("short", Array(sha1.dropLast().utf8), "not a 40-hex commit hash"),
            ("dangling", Array(sha2.utf8), "names commit \(sha2)"),
        ]
        for (name, bytes, needle) in odd {
            try write("models--odd--\(name)/refs/main", bytes)
            let m = try XCTUnwrap(message("odd/\(name)"), name)
            XCTAssertTrue(m.contains(needle), "\(name): \(m)")
        }
        XCTAssertTrue(try XCTUnwrap(message("odd/dangling")).contains("snapshots/\(sha2): no such snapshot folder"))
        try FileIO.makeDirectories(cache + "/models--odd--dir/refs/main")
        XCTAssertTrue(try XCTUnwrap(message("odd/dir")).contains("not a regular file"))
        // a snapshot "folder" that is a file
        try write("models--odd--file/refs/main", Array(sha1.utf8))
        try write("models--odd--file/snapshots/\(sha1)", [0x78])
        XCTAssertTrue(try XCTUnwrap(message("odd/file")).contains("no such snapshot folder"))
        // many snapshots: the list is bounded
        for i in 0..<20 { try snapshot("odd--many", String(format2(i))) }
        let many = try XCTUnwrap(message("odd/many"))
        XCTAssertTrue(many.contains("... (12 more)"), many)
    }

    func format2(_ i: Int) -> String { (i < 10 ? "0" : "") + String(i) + String(repeating: "a", count: 38) }

    func testLoadByIdGivesTheFolderVectors() throws {
        let folder = try Fixtures.path("models/minilm-default")
        let snap = cache + "/models--fixture--minilm/snapshots/" + sha1
        try FileIO.makeDirectories(snap)
        try FileIO.makeDirectories(cache + "/models--fixture--minilm/blobs")
        for (i, name) in ["config.json", "model.safetensors", "tokenizer.json", "modules.json"].enumerated() {
            let src = folder + "/" + name
            guard FileIO.exists(src) else { continue }
            try FileIO.write(cache + "/models--fixture--minilm/blobs/etag\(i)", FileIO.read(src))
            XCTAssertEqual(symlink("../../blobs/etag\(i)", snap + "/" + name), 0)
        }
        try write("models--fixture--minilm/refs/main", Array(sha1.utf8))
        let byId = try StaticModel(path: HubCache.resolve("fixture/minilm", environment: env))
        let byPath = try StaticModel(path: folder)
        let texts = ["hello world", "static embeddings from a hub cache", ""]
        XCTAssertEqual(try byId.encode(texts), try byPath.encode(texts))
        XCTAssertEqual(byId.path, snap)
    }
}
