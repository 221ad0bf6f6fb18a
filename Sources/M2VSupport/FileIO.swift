// POSIX file helpers (no Foundation): read a whole file; write files durably and atomically
// (unique temporary + fsync + rename + fsync of the folder); folder entries by their exact bytes
// (list, remove a tree); m2v's temporary names and the removal of those left by dead savers;
// create folders; test for existence. Every failure is an M2VError naming the path and errno.
// Making a whole folder appear at once is AtomicFolder's job (AtomicFolder.swift).
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

    /// Writes `bytes` to `path` durably and atomically: a new file under a unique temporary name
    /// in the same folder (`temporaryName`), fsync'ed, renamed over `path`, then the folder
    /// fsync'ed. An existing file is never written into (a process that maps it keeps the old
    /// contents). On failure the temporary is removed, `path` is unchanged and the error (.io)
    /// names the path and errno.
    public static func write(_ path: String, _ bytes: [UInt8]) throws(M2VError) {
        let name = lastComponent(path)
        guard !name.isEmpty, name != ".", name != "..", !path.hasSuffix("/") else {
            throw .invalidArgument("\(path): not a file name")
        }
        let folder = parentFolder(path)
        let fd = try openDirectory(folder)
        defer { close(fd) }
        try replaceFiles(in: fd, [Content(name: name, bytes: bytes)], folder: folder)
    }

    public static func write(_ path: String, _ bytes: UnsafeRawBufferPointer) throws(M2VError) {
        try write(path, Array(bytes))
    }

    public static func write(_ path: String, string: String) throws(M2VError) {
        try write(path, Array(string.utf8))
    }

    /// A file to write: its name inside a folder and its bytes.
    public struct Content: Sendable {
        public var name: String
        public var bytes: [UInt8]
        public init(name: String, bytes: [UInt8]) { self.name = name; self.bytes = bytes }
    }

    /// Replaces the files `contents` of the open folder `fd` (its path `folder`, for messages):
    /// every file is first written and fsync'ed under a temporary name, then all are renamed into
    /// place in the order given and the folder is fsync'ed. A failure while writing leaves the
    /// folder as it was; only a crash or a failing rename(2) between the renames leaves some
    /// files new and some old.
    public static func replaceFiles(in fd: Int32, _ contents: [Content], folder: String) throws(M2VError) {
        var temps: [Name] = []
        func removeTemps(from i: Int) { for t in temps[i...] { _ = t.withCString { unlinkat(fd, $0, 0) } } }
        do throws(M2VError) {
            for c in contents { temps.append(try createTemporaryFile(in: fd, for: c, folder: folder)) }
        } catch {
            removeTemps(from: 0)
            throw error
        }
        for (i, c) in contents.enumerated() {
            let r = temps[i].withCString { t in c.name.withCString { renameat(fd, t, fd, $0) } }
            if r != 0 {
                let e = errno
                removeTemps(from: i)
                throw .io("\(join(folder, c.name)): cannot rename into place: \(errnoText(e))"
                          + (i > 0 ? " (\(i) of \(contents.count) files were already replaced)" : ""))
            }
        }
        try syncDirectory(fd, folder)
    }

    /// Writes `c` under a fresh `temporaryName(for: c.name)` in the open folder `fd` (as
    /// `createFile` does) and returns that name.
    public static func createTemporaryFile(in fd: Int32, for c: Content, folder: String) throws(M2VError) -> Name {
        var attempts = 0
        while true {
            let tmp = temporaryName(for: c.name)
            let label = "\(join(folder, c.name)) (temporary \(tmp.display))"
            let f = openNew(in: fd, tmp)
            if f >= 0 {
                try fill(f, in: fd, tmp, c.bytes, label: label)
                return tmp
            }
            // EEXIST: another saver drew the same random suffix; draw again.
            attempts += 1
            guard errno == EEXIST, attempts < 8 else { throw .io("\(label): cannot create: \(errnoText())") }
        }
    }

    /// Creates the new file `name` in the open folder `fd` (O_EXCL: never an existing file),
    /// writes all of `bytes` (short writes and EINTR retried), fsyncs and closes it. On failure
    /// the file is removed and the error names `label` (the file's path) and errno.
    public static func createFile(in fd: Int32, _ name: Name, _ bytes: [UInt8], label: String) throws(M2VError) {
        let f = openNew(in: fd, name)
        if f < 0 { throw .io("\(label): cannot create: \(errnoText())") }
        try fill(f, in: fd, name, bytes, label: label)
    }

    /// open(2) of a new file (O_EXCL, mode 0644 less the umask); -1 with errno.
    static func openNew(in fd: Int32, _ name: Name) -> Int32 {
        name.withCString { openat(fd, $0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
    }

    /// Writes `bytes` into the new file `f` (entry `name` of folder `fd`), fsyncs and closes it;
    /// on failure removes the entry and throws an error naming `label`.
    static func fill(_ f: Int32, in fd: Int32, _ name: Name, _ bytes: [UInt8], label: String) throws(M2VError) {
        var failure: String? = nil
        let e = bytes.withUnsafeBytes { writeAll(f, $0) }
        if e != 0 {
            failure = "write failed: \(errnoText(e))"
        } else if let s = syncRetrying(f) {
            failure = "fsync failed: \(errnoText(s))"
        }
        // close(2) is not retried on EINTR (Linux has released the descriptor by then).
        if close(f) != 0, failure == nil, errno != EINTR { failure = "close failed: \(errnoText())" }
        if let failure {
            _ = name.withCString { unlinkat(fd, $0, 0) }
            throw .io("\(label): \(failure)")
        }
    }

    /// Writes all of `bytes` to `fd`; 0, or the errno of the failure.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard let base = bytes.baseAddress else { return 0 }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO } // no progress: do not spin
            done += n
        }
        return 0
    }

    /// fsync(2) retried on EINTR; nil when it succeeded, else its errno.
    static func syncRetrying(_ fd: Int32) -> Int32? {
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            return errno
        }
        return nil
    }

    /// fsyncs the open folder `fd`, so the entries created, renamed or removed in it survive a
    /// power cut. EINVAL (a file system that cannot sync folders) is not an error.
    public static func syncDirectory(_ fd: Int32, _ path: String) throws(M2VError) {
        if let e = syncRetrying(fd), e != EINVAL {
            throw .io("\(path): cannot fsync the folder: \(errnoText(e))")
        }
    }

    /// Opens the folder `path` for the *at(2) calls (O_DIRECTORY); the caller closes it.
    public static func openDirectory(_ path: String) throws(M2VError) -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw .io("\(path): cannot open folder: \(errnoText())") }
        return fd
    }

    /// Opens the folder `name` of the open folder `fd`, not following a symlink; -1 with errno.
    public static func openDirectory(in fd: Int32, _ name: Name) -> Int32 {
        name.withCString { openat(fd, $0, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
    }

    // MARK: Folder entries by their bytes

    /// A folder entry's name as the file system holds it (any bytes but NUL and "/"; not
    /// necessarily UTF-8), so entries are linked, renamed and removed under their exact names.
    public struct Name: Hashable, Sendable {
        public let bytes: [UInt8]
        public init(bytes: [UInt8]) { self.bytes = bytes }
        public init(_ s: String) { bytes = Array(s.utf8) }
        /// The name for messages (invalid UTF-8 shown as U+FFFD).
        public var display: String { String(decoding: bytes, as: UTF8.self) }
        public func withCString<T>(_ body: (UnsafePointer<CChar>) -> T) -> T {
            (bytes + [0]).withUnsafeBufferPointer { b in
                b.withMemoryRebound(to: CChar.self) { c in
                    // A non-empty buffer always has a base address; "" is never a valid name.
                    guard let p = c.baseAddress else { return "".withCString(body) }
                    return body(p)
                }
            }
        }
    }

    /// The entries of the open folder `fd` (without "." and ".."), from its beginning.
    public static func entries(of fd: Int32, folder: String) throws(M2VError) -> [Name] {
        let d = dup(fd)
        guard d >= 0, let dir = fdopendir(d) else {
            let e = errno
            if d >= 0 { close(d) }
            throw .io("\(folder): cannot list the folder: \(errnoText(e))")
        }
        defer { closedir(dir) }
        rewinddir(dir) // the descriptor's offset is shared with `fd`
        var out: [Name] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw .io("\(folder): cannot list the folder: \(errnoText())") }
                return out
            }
            // Read the name in place, up to its NUL: a record is only d_reclen bytes long, so
            // copying the whole d_name array would read past it.
            guard let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) else { continue }
            let name = UnsafeRawPointer(entry).advanced(by: offset).assumingMemoryBound(to: CChar.self)
            let bytes = Array(UnsafeRawBufferPointer(start: name, count: strlen(name)))
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            out.append(Name(bytes: bytes))
        }
    }

    /// Removes the entry `name` of the open folder `fd` and, for a folder, everything inside it
    /// (symlinks are removed, never followed). Best effort: false when something remains.
    @discardableResult
    public static func removeTree(in fd: Int32, _ name: Name) -> Bool {
        var st = stat()
        guard name.withCString({ fstatat(fd, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else { return errno == ENOENT }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            let sub = openDirectory(in: fd, name)
            if sub >= 0 {
                if let list = try? entries(of: sub, folder: "") {
                    for e in list { removeTree(in: sub, e) }
                }
                close(sub)
            }
            return name.withCString { unlinkat(fd, $0, AT_REMOVEDIR) } == 0
        }
        return name.withCString { unlinkat(fd, $0, 0) } == 0
    }

    // MARK: Temporary names

    /// Every temporary entry m2v makes is "." + name + tempMarker + pid + "-" + 16 hex digits.
    public static let tempMarker = ".m2v-tmp-"
    /// The longest name kept in a temporary name, so that it stays within NAME_MAX (255 bytes).
    static let tempBaseLimit = 255 - 1 - 9 - 10 - 1 - 16

    /// A fresh temporary name for an entry `name`, in the same folder: the saver's pid and a
    /// random 64-bit suffix, so concurrent savers (threads or processes) never share one.
    public static func temporaryName(for name: String) -> Name {
        temporaryName(base: Array(name.utf8))
    }

    static func temporaryName(base name: [UInt8]) -> Name {
        var base = name
        if base.count > tempBaseLimit {
            var cut = tempBaseLimit
            while cut > 0, base[cut] & 0xC0 == 0x80 { cut -= 1 } // not inside a UTF-8 sequence
            base = Array(base[..<cut])
        }
        var hex = Array(String(UInt64.random(in: .min ... .max), radix: 16).utf8)
        hex.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: 16 - hex.count), at: 0)
        return Name(bytes: [0x2E] + base + Array(tempMarker.utf8) + Array(String(getpid()).utf8) + [0x2D] + hex)
    }

    /// The name and pid encoded in a temporary name made by `temporaryName`; nil for any other
    /// entry. `base` is the (possibly shortened) name the temporary stands for.
    public static func parseTemporary(_ entry: Name) -> (base: [UInt8], pid: Int32)? {
        let b = entry.bytes, marker = Array(tempMarker.utf8)
        guard b.count > 1 + marker.count + 18, b[0] == 0x2E else { return nil }
        // ... + marker + digits + "-" + 16 hex: find the marker before the pid.
        let hexStart = b.count - 16
        guard b[hexStart - 1] == 0x2D,
              b[hexStart...].allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        var i = hexStart - 1
        while i > 0, (0x30...0x39).contains(b[i - 1]) { i -= 1 }
        let digits = b[i..<(hexStart - 1)]
        guard (1...10).contains(digits.count), let pid = Int32(String(decoding: digits, as: UTF8.self)),
              i - marker.count >= 1, Array(b[(i - marker.count)..<i]) == marker else { return nil }
        return (Array(b[1..<(i - marker.count)]), pid)
    }

    /// True when `entry` is a temporary name standing for `name` (shortened or not).
    public static func isTemporary(_ entry: Name, for name: String) -> Bool {
        guard let t = parseTemporary(entry) else { return false }
        let full = Array(name.utf8)
        return t.base == full || (full.count > tempBaseLimit && full.starts(with: t.base))
    }

    /// Whether process `pid` exists (ours always does; EPERM means it exists but is not ours).
    public static func processIsAlive(_ pid: Int32) -> Bool {
        if pid == getpid() { return true }
        if pid <= 0 { return false }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    /// Removes, from the open folder `fd`, the temporary entries (files or whole folders) left by
    /// savers that no longer run: those standing for `name`, or all of them when `name` is nil.
    /// A temporary folder is first renamed to a temporary name of our own, so that two cleaners
    /// never remove the same folder and a saver that is in fact alive (a pid of another pid
    /// namespace) fails its final rename instead of publishing a half-removed folder. Best
    /// effort; returns how many entries were removed.
    @discardableResult
    public static func removeStaleTemporaries(in fd: Int32, for name: String? = nil) -> Int {
        guard let list = try? entries(of: fd, folder: "") else { return 0 }
        var removed = 0
        for e in list {
            guard let t = parseTemporary(e), name.map({ isTemporary(e, for: $0) }) ?? true,
                  !processIsAlive(t.pid) else { continue }
            var st = stat()
            guard e.withCString({ fstatat(fd, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                let mine = temporaryName(base: t.base)
                let r = e.withCString { a in mine.withCString { renameat(fd, a, fd, $0) } }
                if r == 0, removeTree(in: fd, mine) { removed += 1 }
            } else if e.withCString({ unlinkat(fd, $0, 0) }) == 0 {
                removed += 1
            }
        }
        return removed
    }

    /// Creates `path` and missing parents (mode 0755, each new folder's parent fsync'ed). An
    /// existing directory is fine.
    public static func makeDirectories(_ path: String) throws(M2VError) {
        if isDirectory(path) { return }
        var prefix = ""
        for (i, part) in path.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            if i > 0 { prefix += "/" }
            prefix += part
            if prefix.isEmpty || isDirectory(prefix) { continue }
            if mkdir(prefix, 0o755) != 0 {
                if errno == EEXIST { continue }
                throw .io("\(prefix): cannot create directory: \(errnoText())")
            }
            // A new folder survives a power cut only once its parent's entry is on disk.
            let parent = open(parentFolder(prefix), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if parent >= 0 { _ = syncRetrying(parent); close(parent) }
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

    /// The folder holding `path` ("." for "x", "/" for "/x", "a" for "a/x/"), as dirname(1).
    public static func parentFolder(_ path: String) -> String {
        var p = Array(path.utf8)
        while p.count > 1, p.last == UInt8(ascii: "/") { p.removeLast() }
        guard let i = p.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        p = Array(p[..<i])
        while p.count > 1, p.last == UInt8(ascii: "/") { p.removeLast() }
        return p.isEmpty ? "/" : String(decoding: p, as: UTF8.self)
    }

    public static func join(_ a: String, _ b: String) -> String {
        if a.isEmpty { return b }
        return a.hasSuffix("/") ? a + b : a + "/" + b
    }
}
