// save_pretrained's folder appears all at once (ModelFolder → AtomicFolder): a new folder, a
// save over an existing model that keeps the user's other files and subfolders, a subfolder
// save, failures that leave the old folder as it was, and a loaded (mmap'd) model that survives
// a save over its own folder. The crash test (SIGKILL mid-save) is
// bindings/python/tests/test_durable_save.py.
import XCTest
#if canImport(Glibc)
import Glibc
#endif
import M2VSupport
import TestSupport
@testable import StaticModel

final class DurableSaveTests: XCTestCase {
    var tmp: TemporaryFolder?
    var root: String { tmp?.path ?? "" }
    let modelFiles = ["README.md", "config.json", "model.safetensors", "modules.json", "tokenizer.json"]

    override func setUpWithError() throws { tmp = try TemporaryFolder("durable") }
    override func tearDown() { tmp?.remove() }

    func modelA() throws -> StaticModel { try StaticModel(path: Fixtures.path("models/trained-wordlevel-5k-nonorm")) }
    func modelB() throws -> StaticModel { try StaticModel(path: Fixtures.path("models/trained-unigram-6k-weights")) }

    func list(_ dir: String) throws -> [String] { try TemporaryFolder.list(dir) }
    func inode(_ path: String) -> UInt { TemporaryFolder.inode(path) }

    /// The bytes of every model file of `dir`.
    func snapshot(_ dir: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for f in modelFiles { out[f] = try FileIO.read(dir + "/" + f) }
        return out
    }

    /// What `model` saved into a folder named `name` holds (the card names the folder).
    func reference(_ model: StaticModel, named name: String) throws -> [String: [UInt8]] {
        let dir = root + "/ref-\(UInt32.random(in: 0 ... .max))/" + name
        try model.save(to: dir)
        return try snapshot(dir)
    }

    func testSaveIntoANewFolder() throws {
        let a = try modelA()
        let dir = root + "/new/deeper/model"
        XCTAssertEqual(try a.save(to: dir), .renamed)
        XCTAssertEqual(try list(dir), modelFiles)
        XCTAssertEqual(try list(root + "/new/deeper"), ["model"]) // no temporary left
        let again = try StaticModel(path: dir)
        XCTAssertEqual(try again.encode(["hello world", "a b c"]), try a.encode(["hello world", "a b c"]))
    }

    func testSaveOverAModelKeepsUnrelatedFilesAndSubfolders() throws {
        let a = try modelA(), b = try modelB()
        let refB = try reference(b, named: "model")
        let dir = root + "/model"
        try a.save(to: dir)
        try FileIO.write(dir + "/.gitattributes", string: "*.safetensors filter=lfs\n")
        try FileIO.makeDirectories(dir + "/1_Normalize")
        try FileIO.makeDirectories(dir + "/extra/deep")
        try FileIO.write(dir + "/extra/deep/notes.txt", string: "keep me")
        let userInode = inode(dir + "/.gitattributes"), oldTable = inode(dir + "/model.safetensors")
        // A model loaded from the folder maps the old model.safetensors.
        let loaded = try StaticModel(path: dir)
        let texts = ["hello world", "the quick brown fox", ""]
        let before = try loaded.encode(texts)

        XCTAssertEqual(try b.save(to: dir), .exchanged)
        XCTAssertEqual(try list(dir), ([".gitattributes", "1_Normalize", "extra"] + modelFiles).sorted())
        XCTAssertEqual(try snapshot(dir), refB)
        XCTAssertEqual(String(decoding: try FileIO.read(dir + "/.gitattributes"), as: UTF8.self), "*.safetensors filter=lfs\n")
        XCTAssertEqual(inode(dir + "/.gitattributes"), userInode) // carried by a hard link
        XCTAssertEqual(String(decoding: try FileIO.read(dir + "/extra/deep/notes.txt"), as: UTF8.self), "keep me")
        XCTAssertTrue(FileIO.isDirectory(dir + "/1_Normalize"))
        XCTAssertNotEqual(inode(dir + "/model.safetensors"), oldTable) // never written in place
        XCTAssertEqual(try list(root).filter { !$0.hasPrefix("ref-") }, ["model"])
        XCTAssertEqual(try loaded.encode(texts), before) // the old mapping is still valid
        XCTAssertEqual(try StaticModel(path: dir).rows, b.rows)
    }

    func testSaveIntoASubfolder() throws {
        let a = try modelA(), b = try modelB()
        let refB = try reference(b, named: "sub")
        let dir = root + "/repo"
        try a.save(to: dir)
        let outer = try snapshot(dir)
        try FileIO.write(dir + "/user.txt", string: "outer")
        XCTAssertEqual(try a.save(to: dir, options: SaveOptions(subfolder: "sub")), .renamed)
        let subInode = inode(dir + "/sub")
        XCTAssertEqual(try b.save(to: dir, options: SaveOptions(subfolder: "sub")), .exchanged)
        XCTAssertNotEqual(inode(dir + "/sub"), subInode) // the unit swapped is the subfolder
        XCTAssertEqual(try snapshot(dir + "/sub"), refB)
        XCTAssertEqual(try snapshot(dir), outer)
        XCTAssertEqual(try list(dir), (modelFiles + ["sub", "user.txt"]).sorted())
        XCTAssertEqual(try list(dir + "/sub"), modelFiles)
    }

    func testFailedSaveLeavesTheOldFolderAndReportsIO() throws {
        let a = try modelA(), b = try modelB()
        // A file where the folder should be; a file where a parent should be.
        try FileIO.write(root + "/file", string: "x")
        for target in [root + "/file", root + "/file/model"] {
            XCTAssertThrowsError(try b.save(to: target)) { e in
                XCTAssertEqual((e as? M2VError)?.code, .io)
                XCTAssertTrue((e as? M2VError)?.message.contains(target) ?? false, "\(e)")
            }
        }
        XCTAssertEqual(try FileIO.read(root + "/file"), Array("x".utf8))
        // A folder in the way of one of the files, discovered after the new files are ready.
        let dir = root + "/model"
        try a.save(to: dir)
        let old = try snapshot(dir)
        XCTAssertEqual(unlink(dir + "/README.md"), 0)
        try FileIO.makeDirectories(dir + "/README.md")
        XCTAssertThrowsError(try b.save(to: dir)) { e in
            XCTAssertEqual((e as? M2VError)?.code, .io)
            XCTAssertTrue((e as? M2VError)?.message.contains("README.md: is a folder") ?? false, "\(e)")
        }
        for f in modelFiles where f != "README.md" {
            XCTAssertEqual(try FileIO.read(dir + "/" + f), old[f], f)
        }
        XCTAssertEqual(try list(root), ["file", "model"]) // no temporary left
        XCTAssertEqual(try StaticModel(path: dir).rows, a.rows)
    }
}
