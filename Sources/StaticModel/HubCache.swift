// HubCache — owns turning a model argument into a local folder: an existing path is used as it
// is; a HuggingFace hub id (`org/name`, `name`, optionally `@revision`) is looked up in the local
// HuggingFace cache exactly where huggingface_hub stores it. It never downloads (libm2v has no
// network code); it only reads the cache that `huggingface-cli download` / `snapshot_download`
// wrote. No Foundation: environment through getenv, files through POSIX.
//
// The cache layout (huggingface_hub `file_download.py`, `constants.py`):
//   <cache>/models--{org}--{name}/refs/{revision}   a file holding the 40-hex commit sha
//   <cache>/models--{org}--{name}/snapshots/{sha}/  the files (symlinks into ../../blobs/)
//   <cache> = $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub,
//             else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub
// (the same precedence as huggingface_hub; a leading `~` is expanded, an empty variable counts
// as unset). Every read is bounded and every odd file (a huge, empty or binary refs file, a
// refs file naming a missing snapshot, a refs *folder*) gives an M2VError, never a trap.
import M2VSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Resolves model arguments against the local HuggingFace hub cache (see the file header).
/// Stateless; every function may be called from any thread (it reads the environment with
/// getenv, so it must not race with setenv in the same process).
public enum HubCache {
    /// The environment variables the lookup reads, captured once (tests pass their own).
    public struct Environment: Sendable, Equatable {
        public var hfHubCache: String?
        public var huggingfaceHubCache: String?
        public var hfHome: String?
        public var xdgCacheHome: String?
        public var home: String?

        public init(hfHubCache: String? = nil, huggingfaceHubCache: String? = nil, hfHome: String? = nil,
                    xdgCacheHome: String? = nil, home: String? = nil) {
            self.hfHubCache = hfHubCache
            self.huggingfaceHubCache = huggingfaceHubCache
            self.hfHome = hfHome
            self.xdgCacheHome = xdgCacheHome
            self.home = home
        }

        /// The calling process's environment (empty values count as unset).
        public static var process: Environment {
            Environment(hfHubCache: variable("HF_HUB_CACHE"), huggingfaceHubCache: variable("HUGGINGFACE_HUB_CACHE"),
                        hfHome: variable("HF_HOME"), xdgCacheHome: variable("XDG_CACHE_HOME"),
                        home: variable("HOME"))
        }

        static func variable(_ name: String) -> String? {
            guard let p = getenv(name) else { return nil }
            let s = String(cString: p)
            return s.isEmpty ? nil : s
        }
    }

    /// A parsed hub id: `repo` ("org/name" or "name") and the revision ("main" when not given).
    public struct RepoId: Sendable, Equatable {
        public var repo: String
        public var revision: String
        /// The repo's folder name in the cache: "models--org--name".
        public var folderName: String { "models--" + repo.split(separator: "/").joined(separator: "--") }
    }

    /// Longest refs file accepted (a sha is 40 bytes; huggingface_hub writes it without newline).
    static let refsLimit = Limits.hubRefBytes
    /// Snapshot names listed in a "not found" message.
    static let listLimit = 8

    /// The cache folder and the setting it came from (for messages).
    public static func cacheDirectory(_ env: Environment = .process) -> (path: String, source: String) {
        if let v = env.hfHubCache { return (expandUser(v, env), "HF_HUB_CACHE") }
        if let v = env.huggingfaceHubCache { return (expandUser(v, env), "HUGGINGFACE_HUB_CACHE") }
        if let v = env.hfHome { return (FileIO.join(expandUser(v, env), "hub"), "HF_HOME/hub") }
        if let v = env.xdgCacheHome {
            return (FileIO.join(expandUser(v, env), "huggingface/hub"), "XDG_CACHE_HOME/huggingface/hub")
        }
        return (FileIO.join(env.home ?? "/", ".cache/huggingface/hub"), "~/.cache/huggingface/hub")
    }

    /// `path_or_id` as a local folder. An existing path (folder or file) is returned unchanged, so
    /// that the loader reports what is wrong with it; so is anything that is not a hub id (an
    /// absolute path, `./x`, three components...), which the loader then reports as missing.
    /// A hub id is looked up in the cache: `refs/<revision>` → `snapshots/<sha>/`, or
    /// `snapshots/<revision>/` when the revision is itself a 40-hex commit sha.
    /// - Throws: `.notFound` naming the folder that does not exist, the cache, every cache path
    ///   tried and why it failed, and how to download the model.
    public static func resolve(_ pathOrId: String, environment env: Environment = .process) throws(M2VError) -> String {
        if pathOrId.isEmpty || FileIO.exists(pathOrId) { return pathOrId }
        guard let id = parseId(pathOrId) else { return pathOrId }
        let (cache, source) = cacheDirectory(env)
        let repoDir = FileIO.join(cache, id.folderName)
        var tried: [String] = []

        if isCommitHash(id.revision) {
            let snap = FileIO.join(repoDir, "snapshots/" + id.revision)
            if FileIO.isDirectory(snap) { return snap }
            tried.append("\(snap): no such snapshot folder")
        }
        let refPath = FileIO.join(repoDir, "refs/" + id.revision)
        switch readRef(refPath) {
        case .success(let sha):
            let snap = FileIO.join(repoDir, "snapshots/" + sha)
            if FileIO.isDirectory(snap) { return snap }
            tried.append(refPath + ": names commit " + sha)
            tried.append(snap + ": no such snapshot folder")
        case .failure(let why):
            tried.append(refPath + ": " + why)
        }
        var message = "\(pathOrId): no such local folder, and hub id '\(id.repo)' (revision \(id.revision)) "
            + "is not in the HuggingFace cache \(cache) (from \(source)). Tried: " + tried.joined(separator: "; ")
        let snapshots = listSnapshots(FileIO.join(repoDir, "snapshots"))
        if !snapshots.isEmpty {
            message += ". Cached snapshots of this repo: " + snapshots.joined(separator: ", ")
                + " (load one with \(id.repo)@<sha>)"
        }
        message += ". Download it with `huggingface-cli download \(id.repo)"
            + (id.revision == "main" ? "" : " --revision \(id.revision)")
            + "` or m2v_native.StaticModel.from_pretrained(\"\(id.repo)\") (which downloads into that cache), "
            + "or set HF_HUB_CACHE to the cache that holds it"
        throw .notFound(message)
    }

    // MARK: - Ids

    /// `org/name`, `name`, `org/name@revision` as huggingface_hub accepts them (its
    /// `validate_repo_id`, ASCII only): each part 1-96 characters of [A-Za-z0-9._-], starting and
    /// ending with a letter, digit or `_`, without `--` or `..`, not ending in `.git`. A revision
    /// is [A-Za-z0-9._/-] (at most 255 bytes), without empty or `.`/`..` components, so that it
    /// can only name a file inside refs/. nil for anything else.
    public static func parseId(_ s: String) -> RepoId? {
        var bytes = Array(s.utf8)
        var revision = "main"
        if let at = bytes.firstIndex(of: UInt8(ascii: "@")) {
            let rev = Array(bytes[(at + 1)...])
            guard validRevision(rev) else { return nil }
            revision = String(decoding: rev, as: UTF8.self)
            bytes = Array(bytes[..<at])
        }
        let parts = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return nil }
        for p in parts where !validPart(Array(p)) { return nil }
        let repo = String(decoding: bytes, as: UTF8.self)
        if repo.hasSuffix(".git") { return nil }
        return RepoId(repo: repo, revision: revision)
    }

    static func validPart(_ p: [UInt8]) -> Bool {
        guard !p.isEmpty, p.count <= 96, let first = p.first, let last = p.last else { return false }
        func word(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
        }
        guard word(first), word(last) else { return false }
        var prev: UInt8 = 0
        for c in p {
            guard word(c) || c == 0x2D || c == 0x2E else { return false }
            if (c == 0x2D || c == 0x2E) && c == prev { return false } // "--" or ".."
            prev = c
        }
        return true
    }

    static func validRevision(_ r: [UInt8]) -> Bool {
        guard !r.isEmpty, r.count <= 255 else { return false }
        for c in r {
            let ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == 0x5F || c == 0x2D || c == 0x2E || c == 0x2F
            guard ok else { return false }
        }
        for comp in r.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if comp.isEmpty || comp.elementsEqual([0x2E]) || comp.elementsEqual([0x2E, 0x2E]) { return false }
        }
        return true
    }

    /// huggingface_hub's REGEX_COMMIT_HASH: exactly 40 lowercase hex digits.
    public static func isCommitHash(_ s: String) -> Bool {
        let u = s.utf8
        return u.count == 40 && u.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    // MARK: - Files

    enum RefResult { case success(String), failure(String) }

    /// Reads a refs file: at most `refsLimit` bytes, surrounding ASCII whitespace (a newline an
    /// editor added) ignored, the rest must be a commit sha.
    static func readRef(_ path: String) -> RefResult {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            let e = errno
            if e == ENOENT || e == ENOTDIR { return .failure("no such file") }
            return .failure("cannot open: " + FileIO.errnoText(e))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure("cannot stat: " + FileIO.errnoText()) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return .failure("not a regular file") }
        var buf = [UInt8](repeating: 0, count: refsLimit + 1)
        var got = 0
        while got < buf.count {
            let n = buf.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(fd, base + got, raw.count - got)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure("read failed: " + FileIO.errnoText())
            }
            if n == 0 { break }
            got += n
        }
        if got > refsLimit { return .failure("longer than \(refsLimit) bytes, not a commit hash") }
        var content = buf[0..<got]
        func space(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
        while let f = content.first, space(f) { content = content.dropFirst() }
        while let l = content.last, space(l) { content = content.dropLast() }
        if content.isEmpty { return .failure("empty, not a commit hash") }
        let sha = String(decoding: content, as: UTF8.self)
        guard isCommitHash(sha) else {
            return .failure("holds \(content.count) bytes that are not a 40-hex commit hash")
        }
        return .success(sha)
    }

    /// Up to `listLimit` snapshot folder names (sorted), for the "not found" message.
    static func listSnapshots(_ dir: String) -> [String] {
        // The one folder lister (FileIO.entries reads each name in place, never past its record).
        guard let fd = try? FileIO.openDirectory(dir) else { return [] }
        defer { close(fd) }
        guard let entries = try? FileIO.entries(of: fd, folder: dir) else { return [] }
        var names: [String] = []
        for e in entries.prefix(10_000) {
            let name = e.display
            guard FileIO.isDirectory(FileIO.join(dir, name)) else { continue }
            names.append(name)
        }
        names.sort()
        if names.count > listLimit { return Array(names.prefix(listLimit)) + ["... (\(names.count - listLimit) more)"] }
        return names
    }

    static func expandUser(_ p: String, _ env: Environment) -> String {
        if p == "~" { return env.home ?? p }
        if p.hasPrefix("~/"), let home = env.home { return FileIO.join(home, String(p.dropFirst(2))) }
        return p
    }
}
