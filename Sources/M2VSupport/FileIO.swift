// POSIX file helpers (no Foundation): read a whole file, write one atomically, create folders,
// test for existence. Every failure is an M2VError naming the path and errno.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum FileIO {
    public static func errnoText(_ e: Int32 = errno) -> String {
        if let s = strerror(e) { return String(cString: s) }
        return "errno \(e)"
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Reads the whole file. `limit` bounds the size accepted (bytes).
    public static func read(_ path: String, limit: Int = 1 << 31) throws(M2VError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            if e == ENOENT || e == ENOTDIR { throw .notFound("\(path): no such file") }
            throw .io("\(path): cannot open: \(errnoText(e))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io("\(path): cannot stat: \(errnoText())") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw .io("\(path): is a directory, expected a file") }
        let size = Int(st.st_size)
        guard size <= limit else { throw .format("\(path): file is \(size) bytes, more than the \(limit) accepted") }
        var out = [UInt8](repeating: 0, count: size)
        let got = try typed {
            try out.withUnsafeMutableBytes { (buf: UnsafeMutableRawBufferPointer) throws(M2VError) -> Int in
                guard let base = buf.baseAddress else { return 0 }
                return try readUpTo(fd, into: base, count: size, path)
            }
        }
        if got < size { out.removeSubrange(got...) } // the file shrank meanwhile
        return out
    }

    /// Reads up to `count` bytes from `fd` into `dst` (retrying EINTR and short reads); returns
    /// how many arrived before end of file.
    public static func readUpTo(_ fd: Int32, into dst: UnsafeMutableRawPointer, count: Int,
                                _ path: String) throws(M2VError) -> Int {
        var done = 0
        while done < count {
            let n = Glibc.read(fd, dst + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw .io("\(path): read failed: \(errnoText())")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads exactly `count` bytes from `fd` into `dst`; a file that ends first is `.io`.
    public static func readExactly(_ fd: Int32, into dst: UnsafeMutableRawPointer, count: Int,
                                   _ path: String) throws(M2VError) {
        let got = try readUpTo(fd, into: dst, count: count, path)
        guard got == count else { throw .io("\(path): the file shrank while being read (\(got) of \(count) bytes)") }
    }

    /// Writes `bytes` to `path` through a temporary file and rename (atomic replace).
    public static func write(_ path: String, _ bytes: UnsafeRawBufferPointer) throws(M2VError) {
        let tmp = path + ".tmp-m2v"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw .io("\(path): cannot create: \(errnoText())") }
        var done = 0
        while done < bytes.count, let base = bytes.baseAddress {
            let n = Glibc.write(fd, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                let t = errnoText()
                close(fd); unlink(tmp)
                throw .io("\(path): write failed: \(t)")
            }
            done += n
        }
        if close(fd) != 0 { unlink(tmp); throw .io("\(path): close failed: \(errnoText())") }
        if rename(tmp, path) != 0 {
            let t = errnoText(); unlink(tmp)
            throw .io("\(path): rename failed: \(t)")
        }
    }

    public static func write(_ path: String, _ bytes: [UInt8]) throws(M2VError) {
        do {
            try typed { try bytes.withUnsafeBytes { buf in try write(path, buf) } }
        }
    }

    public static func write(_ path: String, string: String) throws(M2VError) {
        try write(path, Array(string.utf8))
    }

    /// Creates `path` and missing parents (mode 0755). An existing directory is fine.
    public static func makeDirectories(_ path: String) throws(M2VError) {
        if isDirectory(path) { return }
        var prefix = ""
        for (i, part) in path.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            if i > 0 { prefix += "/" }
            prefix += part
            if prefix.isEmpty || isDirectory(prefix) { continue }
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw .io("\(prefix): cannot create directory: \(errnoText())")
            }
        }
        guard isDirectory(path) else { throw .io("\(path): not a directory") }
    }

    /// The last component of a path ("x" for "/a/x/"), as pathlib's `Path.name` / basename(1).
    public static func lastComponent(_ path: String) -> String {
        var p = Array(path.utf8)
        while p.count > 1, p.last == UInt8(ascii: "/") { p.removeLast() }
        if let i = p.lastIndex(of: UInt8(ascii: "/")) { p = Array(p[(i + 1)...]) }
        return String(decoding: p, as: UTF8.self)
    }

    public static func join(_ a: String, _ b: String) -> String {
        if a.isEmpty { return b }
        return a.hasSuffix("/") ? a + b : a + "/" + b
    }
}
