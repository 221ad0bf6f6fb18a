// M2VSupport/AtomicFolder — owns making a folder of files appear all at once, durably: the new
// folder is built beside the target under a temporary name (every file fsync'ed, the folder
// fsync'ed), then renamed onto the target (new or empty target) or swapped with it by
// renameat2(RENAME_EXCHANGE) (target with files, whose other entries are carried over by hard
// links), then the parent is fsync'ed and the old folder's remains removed. Where the file
// system cannot swap, the files are replaced one by one (FileIO.replaceFiles). The file-level
// primitives (temporary names, durable file creation, entry listing) are FileIO's.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinux

public enum AtomicFolder {
    /// How a write reached the target.
    public enum Method: Sendable, Equatable {
        /// The temporary folder was renamed onto a missing or empty target.
        case renamed
        /// The temporary folder and the old target were swapped (renameat2 RENAME_EXCHANGE).
        case exchanged
        /// Files replaced one by one inside the existing folder: the file system cannot swap
        /// folders or hard-link the old folder's other entries, the target is the current
        /// directory (or holds it), or the parent is not writable.
        case fileByFile
    }

    /// Writes `files` as the folder `folder` (created with missing parents), so that a reader —
    /// or the folder after a crash at any point — sees either the old folder or the new one,
    /// never a mix (except with `.fileByFile`). Entries of an existing folder other than `files`
    /// (user files, subfolders, symlinks) are kept: hard links for files, folders rebuilt with
    /// the same mode holding hard links. No file is ever written in place: a process that maps
    /// an old file keeps it. Temporary folders of dead savers of the same target, and dead
    /// temporary files inside it, are removed first. `allowExchange: false` forces the
    /// file-by-file path where a swap would be needed (tests of that path).
    /// Errors: .invalidArgument (bad file names), .io naming the path and errno.
    @discardableResult
    public static func write(_ files: [FileIO.Content], to folder: String,
                             allowExchange: Bool = true) throws(M2VError) -> Method {
        var seen = Set<String>()
        for f in files {
            guard !f.name.isEmpty, f.name != ".", f.name != "..", !f.name.utf8.contains(UInt8(ascii: "/")),
                  !f.name.utf8.contains(0), seen.insert(f.name).inserted else {
                throw .invalidArgument("\(folder): \"\(f.name)\" is not a distinct file name")
            }
        }
        // A concurrent saver or user can change the target between our look and our rename:
        // then everything is redone from a fresh look.
        for _ in 0..<4 {
            if let m = try attempt(files, folder, allowExchange) { return m }
        }
        throw .io("\(folder): the folder kept changing during the save; nothing was written")
    }

    /// Where the target is: its parent folder and name, with a symlinked target resolved to the
    /// real folder (the unit swapped is the folder itself, the symlink stays).
    struct Target {
        var parent: String
        var name: String
        /// The real path; nil when the target does not exist yet.
        var existing: String?
        /// Swapping is impossible or unwise: the target is "/", or the current directory is
        /// the target or inside it (a swap would leave this process in the removed old folder).
        var inPlaceOnly = false
    }

    static func resolve(_ folder: String) throws(M2VError) -> Target {
        var st = stat()
        if lstat(folder, &st) != 0 {
            let e = errno
            guard e == ENOENT else { throw .io("\(folder): cannot save here: \(FileIO.errnoText(e))") }
            let name = FileIO.lastComponent(folder)
            guard !name.isEmpty, name != ".", name != ".." else { throw .io("\"\(folder)\": no such folder") }
            let parent = FileIO.parentFolder(folder)
            try FileIO.makeDirectories(parent)
            return Target(parent: parent, name: name, existing: nil)
        }
        guard FileIO.isDirectory(folder) else {
            throw .io("\(folder): exists and is not a folder")
        }
        guard let r = realpath(folder, nil) else {
            throw .io("\(folder): cannot resolve the path: \(FileIO.errnoText())")
        }
        let real = String(cString: r)
        free(r)
        var t = Target(parent: FileIO.parentFolder(real), name: FileIO.lastComponent(real), existing: real)
        if real == "/" { t.inPlaceOnly = true }
        if let c = getcwd(nil, 0) {
            let cwd = String(cString: c)
            free(c)
            if cwd == real || cwd.hasPrefix(real.hasSuffix("/") ? real : real + "/") { t.inPlaceOnly = true }
        }
        return t
    }

    /// One look and one try; nil when the target changed under us (the caller tries again).
    static func attempt(_ files: [FileIO.Content], _ folder: String, _ allowExchange: Bool) throws(M2VError) -> Method? {
        let t = try resolve(folder)
        if t.inPlaceOnly, let real = t.existing { return try fileByFile(files, real) }
        let pfd = try FileIO.openDirectory(t.parent)
        defer { close(pfd) }
        let name = FileIO.Name(t.name)
        FileIO.removeStaleTemporaries(in: pfd, for: t.name)

        var st = stat()
        if name.withCString({ fstatat(pfd, $0, &st, AT_SYMLINK_NOFOLLOW) }) != 0 {
            guard errno == ENOENT else { throw .io("\(folder): cannot stat: \(FileIO.errnoText())") }
            if t.existing != nil { return nil } // removed meanwhile
            return try build(files, in: pfd, t, carryFrom: nil, oldStat: nil, allowExchange)
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            if t.existing == nil || (st.st_mode & S_IFMT) == S_IFLNK { return nil } // appeared or replaced meanwhile
            throw .io("\(folder): exists and is not a folder")
        }
        let ofd = FileIO.openDirectory(in: pfd, name)
        if ofd < 0 {
            if errno == ENOENT || errno == ELOOP || errno == ENOTDIR { return nil }
            throw .io("\(folder): cannot open folder: \(FileIO.errnoText())")
        }
        defer { close(ofd) }
        return try build(files, in: pfd, t, carryFrom: ofd, oldStat: st, allowExchange)
    }

    /// Builds the new folder beside the target and publishes it. `old` is the open existing
    /// target (nil: there is none) and `oldStat` its stat.
    static func build(_ files: [FileIO.Content], in pfd: Int32, _ t: Target, carryFrom old: Int32?,
                      oldStat: stat?, _ allowExchange: Bool) throws(M2VError) -> Method? {
        let folder = FileIO.join(t.parent, t.name)
        let written = Set(files.map { FileIO.Name($0.name) })
        var keep: [FileIO.Name] = []
        var oldIsEmpty = true
        if let old {
            FileIO.removeStaleTemporaries(in: old)
            for e in try FileIO.entries(of: old, folder: folder) {
                oldIsEmpty = false
                if written.contains(e) {
                    var st = stat()
                    if e.withCString({ fstatat(old, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
                        throw .io("\(FileIO.join(folder, e.display)): is a folder, where the save writes a file")
                    }
                } else if FileIO.parseTemporary(e) == nil {
                    keep.append(e)
                }
            }
        }

        // The temporary folder: a fresh name of ours, mode 0755 less the umask for a new
        // folder; for a replacement 0700 while it is filled, then the old folder's mode.
        var tmp = FileIO.temporaryName(for: t.name)
        var made = false
        for _ in 0..<8 {
            if tmp.withCString({ mkdirat(pfd, $0, old == nil ? 0o755 : 0o700) }) == 0 { made = true; break }
            guard errno == EEXIST else { break }
            tmp = FileIO.temporaryName(for: t.name)
        }
        if !made {
            let e = errno
            // A folder we may write into whose parent we may not: save file by file, as before.
            if old != nil, e == EACCES || e == EPERM || e == EROFS { return try fileByFile(files, folder) }
            throw .io("\(folder): cannot create the temporary folder \(tmp.display) beside it: \(FileIO.errnoText(e))")
        }
        let tmpPath = FileIO.join(t.parent, tmp.display)
        let tfd = FileIO.openDirectory(in: pfd, tmp)
        if tfd < 0 {
            let e = errno
            FileIO.removeTree(in: pfd, tmp)
            throw .io("\(folder): cannot open the temporary folder \(tmp.display) beside it: \(FileIO.errnoText(e))")
        }
        var published = false
        defer {
            close(tfd)
            if !published { FileIO.removeTree(in: pfd, tmp) }
        }

        for f in files {
            try FileIO.createFile(in: tfd, FileIO.Name(f.name), f.bytes,
                                  label: "\(FileIO.join(folder, f.name)) (in the temporary folder \(tmp.display))")
        }
        if let old {
            for e in keep {
                guard try carry(e, from: old, to: tfd, folder) else { return try fileByFile(files, folder) }
            }
        }
        if let s = oldStat { setOwnerAndMode(tfd, s) }
        try FileIO.syncDirectory(tfd, "\(folder) (the temporary folder \(tmp.display))")

        // A missing or empty target: rename(2) replaces an empty folder atomically.
        if oldIsEmpty {
            let r = tmp.withCString { a in t.name.withCString { renameat(pfd, a, pfd, $0) } }
            if r != 0 {
                let e = errno
                if e == EEXIST || e == ENOTEMPTY || e == ENOENT { return nil } // filled or removed meanwhile
                throw .io("\(folder): cannot rename \(tmpPath) onto it: \(FileIO.errnoText(e))")
            }
            published = true
            try FileIO.syncDirectory(pfd, t.parent)
            return .renamed
        }

        guard allowExchange, let old else { return try fileByFile(files, folder) }
        let r = tmp.withCString { a in t.name.withCString { m2v_rename_exchange(pfd, a, pfd, $0) } }
        if r != 0 {
            let e = errno
            if e == ENOENT { return nil }
            // The file system (or a seccomp filter) does not offer the swap: file by file.
            if [EINVAL, ENOSYS, EPERM, EOPNOTSUPP, EXDEV, EBUSY].contains(e) { return try fileByFile(files, folder) }
            throw .io("\(folder): cannot swap \(tmpPath) with it: \(FileIO.errnoText(e))")
        }
        // The new folder is the target; `tmp` now names the old one (still open as `old`).
        published = true
        let synced: M2VError?
        do throws(M2VError) { try FileIO.syncDirectory(pfd, t.parent); synced = nil } catch { synced = error }
        moveLateEntries(from: old, to: tfd, except: written)
        FileIO.removeTree(in: pfd, tmp)
        if let synced { throw synced }
        return .exchanged
    }

    /// Makes the entry `e` of folder `from` appear in folder `to` without copying data: a hard
    /// link for anything but a folder (files, symlinks, fifos), a new folder with the same mode,
    /// owner and the same treatment of its entries for a folder. The old folder keeps its own
    /// links, so a crash never leaves a user file only in a temporary folder. False when the
    /// file system refuses hard links (EPERM — e.g. fs.protected_hardlinks on another user's
    /// file —, EXDEV for a mount point inside, EMLINK, EOPNOTSUPP): the caller then saves file by
    /// file. An entry that vanished meanwhile is skipped.
    static func carry(_ e: FileIO.Name, from: Int32, to: Int32, _ folder: String) throws(M2VError) -> Bool {
        let path = FileIO.join(folder, e.display)
        var st = stat()
        guard e.withCString({ fstatat(from, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else {
            if errno == ENOENT { return true }
            throw .io("\(path): cannot stat: \(FileIO.errnoText())")
        }
        if (st.st_mode & S_IFMT) != S_IFDIR {
            if e.withCString({ linkat(from, $0, to, $0, 0) }) == 0 { return true }
            let err = errno
            if err == ENOENT { return true }
            if [EPERM, EACCES, EXDEV, EMLINK, EOPNOTSUPP].contains(err) { return false }
            throw .io("\(path): cannot hard-link into the new folder: \(FileIO.errnoText(err))")
        }
        guard e.withCString({ mkdirat(to, $0, 0o700) }) == 0 else {
            throw .io("\(path): cannot create its copy in the new folder: \(FileIO.errnoText())")
        }
        let src = FileIO.openDirectory(in: from, e)
        if src < 0 {
            if errno == ENOENT { return true }
            throw .io("\(path): cannot open folder: \(FileIO.errnoText())")
        }
        defer { close(src) }
        let dst = FileIO.openDirectory(in: to, e)
        if dst < 0 { throw .io("\(path): cannot open its copy in the new folder: \(FileIO.errnoText())") }
        defer { close(dst) }
        if st.st_dev != deviceOf(to) { return false } // a mount point: not ours to rebuild
        for sub in try FileIO.entries(of: src, folder: path) {
            guard try carry(sub, from: src, to: dst, path) else { return false }
        }
        setOwnerAndMode(dst, st)
        try FileIO.syncDirectory(dst, path)
        return true
    }

    static func deviceOf(_ fd: Int32) -> dev_t {
        var st = stat()
        return fstat(fd, &st) == 0 ? st.st_dev : 0
    }

    /// Gives the folder `fd` the owner (best effort: only root may) and mode of `st`.
    static func setOwnerAndMode(_ fd: Int32, _ st: stat) {
        var mine = stat()
        if fstat(fd, &mine) == 0, mine.st_uid != st.st_uid || mine.st_gid != st.st_gid {
            _ = fchown(fd, st.st_uid, st.st_gid)
        }
        _ = fchmod(fd, st.st_mode & 0o7777)
    }

    /// After a swap: entries that appeared in (or were replaced in) the old folder while the new
    /// one was built are moved into the new one, so that they are not removed with the old
    /// folder's remains. Best effort.
    static func moveLateEntries(from old: Int32, to new: Int32, except written: Set<FileIO.Name>) {
        guard let list = try? FileIO.entries(of: old, folder: "") else { return }
        var moved = false
        for e in list where !written.contains(e) && FileIO.parseTemporary(e) == nil {
            var a = stat(), b = stat()
            guard e.withCString({ fstatat(old, $0, &a, AT_SYMLINK_NOFOLLOW) }) == 0 else { continue }
            if e.withCString({ fstatat(new, $0, &b, AT_SYMLINK_NOFOLLOW) }) == 0 {
                // Same inode (our hard link) or a folder we rebuilt: nothing to do.
                if a.st_ino == b.st_ino || (a.st_mode & S_IFMT) == S_IFDIR || (b.st_mode & S_IFMT) == S_IFDIR { continue }
            }
            if e.withCString({ renameat(old, $0, new, $0) }) == 0 { moved = true }
        }
        if moved { _ = FileIO.syncRetrying(new) }
    }

    /// Replaces `files` inside the existing folder `folder` one by one (each through a fsync'ed
    /// temporary, all written before the first rename, renamed in the given order).
    static func fileByFile(_ files: [FileIO.Content], _ folder: String) throws(M2VError) -> Method {
        let fd = try FileIO.openDirectory(folder)
        defer { close(fd) }
        FileIO.removeStaleTemporaries(in: fd)
        for f in files {
            var st = stat()
            if FileIO.Name(f.name).withCString({ fstatat(fd, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0,
               (st.st_mode & S_IFMT) == S_IFDIR {
                throw .io("\(FileIO.join(folder, f.name)): is a folder, where the save writes a file")
            }
        }
        try FileIO.replaceFiles(in: fd, files, folder: folder)
        return .fileByFile
    }
}
