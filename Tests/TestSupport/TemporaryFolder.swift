// TestSupport/TemporaryFolder — a fresh folder under /tmp for one test, removed with everything
// in it (symlinks removed, never followed) by `remove()`.
#if canImport(Glibc)
import Glibc
#endif
import M2VSupport

public struct TemporaryFolder {
    public let path: String

    /// /tmp/m2v-<tag>-<pid>-<random>, created.
    public init(_ tag: String) throws {
        path = "/tmp/m2v-\(tag)-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try FileIO.makeDirectories(path)
    }

    /// The sorted names in the folder `dir` (without "." and "..").
    public static func list(_ dir: String) throws -> [String] {
        let fd = try FileIO.openDirectory(dir)
        defer { close(fd) }
        return try FileIO.entries(of: fd, folder: dir).map(\.display).sorted()
    }

    /// The inode of `path` itself (not following a symlink), 0 when it does not exist.
    public static func inode(_ path: String) -> UInt {
        var st = stat()
        return lstat(path, &st) == 0 ? UInt(st.st_ino) : 0
    }

    public func remove() {
        let fd = open("/tmp", O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        FileIO.removeTree(in: fd, FileIO.Name(FileIO.lastComponent(path)))
        close(fd)
    }
}
