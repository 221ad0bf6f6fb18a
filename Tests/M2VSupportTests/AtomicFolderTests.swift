// Durable, atomic writes (FileIO.write, AtomicFolder.write): temporary names, a new folder, a
// swap that keeps the old folder's other entries, the file-by-file fallback, stale temporaries
// of dead savers, failures that leave the old folder as it was.
import XCTest
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
@testable import M2VSupport

final class AtomicFolderTests: XCTestCase {
    var tmp: TemporaryFolder?
    var root: String { tmp?.path ?? "" }

    override func setUpWithError() throws { tmp = try TemporaryFolder("atomic") }
    override func tearDown() { tmp?.remove() }

    func files(_ tag: String) -> [FileIO.Content] {
        [FileIO.Content(name: "a.txt", bytes: Array("a \(tag)".utf8)),
         FileIO.Content(name: "b.bin", bytes: Array(repeating: tag.utf8.first ?? 0, count: 100_000))]
    }

    func text(_ path: String) throws -> String { String(decoding: try FileIO.read(path), as: UTF8.self) }

    func list(_ dir: String) throws -> [String] { try TemporaryFolder.list(dir) }
    func inode(_ path: String) -> UInt { TemporaryFolder.inode(path) }

    /// A pid no process has now.
    func deadPid() throws -> Int32 {
        var p: Int32 = 4_000_000
        while p > 1000, kill(p, 0) == 0 || errno != ESRCH { p -= 1 }
        return p
    }

    func testTemporaryNames() throws {
        let a = FileIO.temporaryName(for: "model"), b = FileIO.temporaryName(for: "model")
        XCTAssertNotEqual(a, b)
        XCTAssertTrue(a.display.hasPrefix(".model.m2v-tmp-\(getpid())-"), a.display)
        let t = try XCTUnwrap(FileIO.parseTemporary(a))
        XCTAssertEqual(t.base, Array("model".utf8))
        XCTAssertEqual(t.pid, getpid())
        XCTAssertTrue(FileIO.isTemporary(a, for: "model"))
        XCTAssertFalse(FileIO.isTemporary(a, for: "mode"))
        // A 250-byte name (with a 4-byte character at the cut) stays within NAME_MAX.
        let long = String(repeating: "x", count: 216) + "😀" + String(repeating: "y", count: 30)
        let l = FileIO.temporaryName(for: long)
        XCTAssertLessThanOrEqual(l.bytes.count, 255)
        XCTAssertNotNil(String(validating: l.bytes, as: UTF8.self))
        XCTAssertTrue(FileIO.isTemporary(l, for: long))
        for other in ["model", ".model.m2v-tmp-", ".model.m2v-tmp-12-0123456789abcdeg", ".m.m2v-tmp--0123456789abcdef",
                      ".model.m2v-tmp-12-0123456789abcde", "model.m2v-tmp-12-0123456789abcdef"] {
            XCTAssertNil(FileIO.parseTemporary(FileIO.Name(other)), other)
        }
        XCTAssertEqual(FileIO.parseTemporary(FileIO.Name(".m.m2v-tmp-12-0123456789abcdef"))?.pid, 12)
    }

    func testFileWriteReplacesWithANewInode() throws {
        let p = root + "/f.txt"
        try FileIO.write(p, string: "one")
        let first = inode(p)
        try FileIO.write(p, string: "two")
        XCTAssertEqual(try text(p), "two")
        XCTAssertNotEqual(inode(p), first)
        XCTAssertEqual(try list(root), ["f.txt"])
        XCTAssertThrowsError(try FileIO.write(root + "/missing/f.txt", string: "x")) { e in
            XCTAssertEqual((e as? M2VError)?.code, .io)
            XCTAssertTrue((e as? M2VError)?.message.contains(self.root + "/missing") ?? false)
            XCTAssertTrue((e as? M2VError)?.message.contains("No such file") ?? false)
        }
    }

    func testNewFolderAppearsByRename() throws {
        let dir = root + "/x/y/model"
        XCTAssertEqual(try AtomicFolder.write(files("new"), to: dir), .renamed)
        XCTAssertEqual(try list(dir), ["a.txt", "b.bin"])
        XCTAssertEqual(try text(dir + "/a.txt"), "a new")
        XCTAssertEqual(try list(root + "/x/y"), ["model"])
        // An existing empty folder is replaced the same way and keeps its mode.
        let empty = root + "/empty"
        XCTAssertEqual(mkdir(empty, 0o750), 0)
        XCTAssertEqual(chmod(empty, 0o750), 0)
        XCTAssertEqual(try AtomicFolder.write(files("e"), to: empty), .renamed)
        var st = stat()
        XCTAssertEqual(stat(empty, &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o750)
        XCTAssertEqual(try list(empty), ["a.txt", "b.bin"])
    }

    /// An old folder with user entries: the swap keeps them (the same inodes for files) and
    /// replaces the written files with new inodes.
    func oldFolder() throws -> String {
        let dir = root + "/model"
        try AtomicFolder.write(files("old"), to: dir)
        try FileIO.write(dir + "/user.txt", string: "mine")
        try FileIO.makeDirectories(dir + "/sub/deep")
        try FileIO.write(dir + "/sub/deep/x.txt", string: "deep")
        XCTAssertEqual(chmod(dir + "/sub", 0o711), 0)
        XCTAssertEqual(symlink("user.txt", dir + "/link"), 0)
        XCTAssertEqual(chmod(dir, 0o751), 0)
        return dir
    }

    func checkKept(_ dir: String, userInode: UInt) throws {
        XCTAssertEqual(try list(dir), ["a.txt", "b.bin", "link", "sub", "user.txt"])
        XCTAssertEqual(try text(dir + "/a.txt"), "a new")
        XCTAssertEqual(try FileIO.read(dir + "/b.bin"), Array(repeating: UInt8(ascii: "n"), count: 100_000))
        XCTAssertEqual(try text(dir + "/user.txt"), "mine")
        XCTAssertEqual(inode(dir + "/user.txt"), userInode)
        XCTAssertEqual(try text(dir + "/sub/deep/x.txt"), "deep")
        XCTAssertEqual(try text(dir + "/link"), "mine")
        var st = stat()
        XCTAssertEqual(lstat(dir + "/link", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFLNK)
        XCTAssertEqual(stat(dir + "/sub", &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o711)
        XCTAssertEqual(stat(dir, &st), 0)
        XCTAssertEqual(st.st_mode & 0o7777, 0o751)
        XCTAssertEqual(try list(root), ["model"]) // no temporary left
    }

    func testExistingFolderIsSwappedKeepingOtherEntries() throws {
        let dir = try oldFolder()
        let folderInode = inode(dir), aInode = inode(dir + "/a.txt"), userInode = inode(dir + "/user.txt")
        let held = open(dir + "/a.txt", O_RDONLY) // a reader of the old file
        defer { close(held) }
        XCTAssertEqual(try AtomicFolder.write(files("new"), to: dir), .exchanged)
        try checkKept(dir, userInode: userInode)
        XCTAssertNotEqual(inode(dir), folderInode)
        XCTAssertNotEqual(inode(dir + "/a.txt"), aInode)
        var buf = [UInt8](repeating: 0, count: 16)
        XCTAssertEqual(pread(held, &buf, 16, 0), 5)
        XCTAssertEqual(String(decoding: buf.prefix(5), as: UTF8.self), "a old")
    }

    func testFileByFileFallback() throws {
        let dir = try oldFolder()
        let folderInode = inode(dir), aInode = inode(dir + "/a.txt"), userInode = inode(dir + "/user.txt")
        XCTAssertEqual(try AtomicFolder.write(files("new"), to: dir, allowExchange: false), .fileByFile)
        try checkKept(dir, userInode: userInode)
        XCTAssertEqual(inode(dir), folderInode)
        XCTAssertNotEqual(inode(dir + "/a.txt"), aInode)
    }

    func testSymlinkedTargetUpdatesTheRealFolder() throws {
        let dir = try oldFolder()
        XCTAssertEqual(symlink("model", root + "/alias"), 0)
        XCTAssertEqual(try AtomicFolder.write(files("new"), to: root + "/alias"), .exchanged)
        var st = stat()
        XCTAssertEqual(lstat(root + "/alias", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFLNK)
        XCTAssertEqual(try text(dir + "/a.txt"), "a new")
        XCTAssertEqual(try list(root), ["alias", "model"])
    }

    func testCurrentDirectoryIsUpdatedInPlace() throws {
        let dir = try oldFolder()
        var saved = [CChar](repeating: 0, count: 4096)
        XCTAssertNotNil(getcwd(&saved, saved.count))
        XCTAssertEqual(chdir(dir + "/sub"), 0)
        defer { _ = chdir(saved) }
        XCTAssertEqual(try AtomicFolder.write(files("new"), to: dir), .fileByFile)
        XCTAssertEqual(try text(dir + "/a.txt"), "a new")
        XCTAssertEqual(try text("deep/x.txt"), "deep") // this process's directory still exists
    }

    func testStaleTemporariesOfDeadSaversAreRemoved() throws {
        let dir = try oldFolder()
        let dead = try deadPid()
        let stale = root + "/.model.m2v-tmp-\(dead)-0123456789abcdef"
        try FileIO.makeDirectories(stale + "/inner")
        try FileIO.write(stale + "/inner/a.txt", string: "half")
        let live = root + "/.model.m2v-tmp-1-0123456789abcdef"   // pid 1 runs
        try FileIO.makeDirectories(live)
        let other = root + "/.other.m2v-tmp-\(dead)-0123456789abcdef" // not this target's
        try FileIO.makeDirectories(other)
        try FileIO.write(dir + "/.a.txt.m2v-tmp-\(dead)-00000000000000aa", string: "x") // inside
        XCTAssertEqual(try AtomicFolder.write(files("new"), to: dir), .exchanged)
        XCTAssertEqual(try list(root), [".model.m2v-tmp-1-0123456789abcdef", ".other.m2v-tmp-\(dead)-0123456789abcdef", "model"])
        XCTAssertEqual(try list(dir), ["a.txt", "b.bin", "link", "sub", "user.txt"])
    }

    func testFailuresLeaveTheOldFolder() throws {
        // A file where the folder should be.
        try FileIO.write(root + "/file", string: "not a folder")
        XCTAssertThrowsError(try AtomicFolder.write(files("new"), to: root + "/file")) { e in
            XCTAssertEqual((e as? M2VError)?.code, .io)
            XCTAssertTrue((e as? M2VError)?.message.contains("not a folder") ?? false)
        }
        XCTAssertEqual(try text(root + "/file"), "not a folder")
        // A file where a parent folder should be.
        XCTAssertThrowsError(try AtomicFolder.write(files("new"), to: root + "/file/model")) { e in
            XCTAssertEqual((e as? M2VError)?.code, .io)
            XCTAssertTrue((e as? M2VError)?.message.contains(self.root + "/file/model") ?? false)
        }
        // A folder where the save writes a file: nothing changes, no temporary remains.
        let dir = try oldFolder()
        try FileIO.makeDirectories(dir + "/sub2/b.bin")
        try FileIO.makeDirectories(root + "/model2/b.bin")
        for target in [dir + "/sub2", root + "/model2"] {
            let before = inode(target)
            for allow in [true, false] {
                XCTAssertThrowsError(try AtomicFolder.write(files("new"), to: target, allowExchange: allow)) { e in
                    XCTAssertEqual((e as? M2VError)?.code, .io)
                    XCTAssertTrue((e as? M2VError)?.message.contains("b.bin: is a folder") ?? false, "\(e)")
                }
                XCTAssertEqual(try list(target), ["b.bin"])
                XCTAssertEqual(inode(target), before)
            }
        }
        XCTAssertEqual(try list(root), ["file", "model", "model2"])
        XCTAssertThrowsError(try AtomicFolder.write([FileIO.Content(name: "a/b", bytes: [])], to: dir)) { e in
            XCTAssertEqual((e as? M2VError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try AtomicFolder.write(files("x") + files("y"), to: dir)) { e in
            XCTAssertEqual((e as? M2VError)?.code, .invalidArgument)
        }
        XCTAssertEqual(try text(dir + "/a.txt"), "a old")
    }
}
