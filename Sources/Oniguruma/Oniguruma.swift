// Oniguruma — owns the binding to the regex engine HF `tokenizers` uses for `Split` and
// `Replace` patterns (the Rust crate `onig`, Oniguruma 6.9, default syntax, UTF-8). Bound at
// run time (dlopen of libonig.so.5, Debian `libonig5`, on first use) as the distiller binds
// OpenBLAS: a process whose tokenizers use only literal or hand-matched patterns never loads
// it, and a machine without it gets `M2VError.unsupported` naming the package instead of a
// library that fails to load. A copy next to libm2v.so (the wheel and the C tarball bundle
// one) is preferred over the system's.
//
// Semantics follow rust-onig exactly: `onig_new(pattern, ONIG_OPTION_NONE, UTF-8,
// OnigDefaultSyntax)` under one lock (onig_new is not thread-safe), matching with
// `onig_search` from the last match end over the whole text (lookbehind sees what precedes),
// and `FindMatches`' rule that an empty match right where the previous match ended is skipped
// by advancing one character. A search that exceeds Oniguruma's retry limit (catastrophic
// backtracking) is an error here, where the Rust crate panics.
import M2VSupport
#if canImport(Glibc)
import Glibc
#endif

/// The library's entry points (C types spelled out: the header, libonig-dev, is not needed).
struct OnigFunctions: @unchecked Sendable {
    typealias Initialize = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, Int32) -> Int32
    typealias New = @convention(c) (UnsafeMutablePointer<OpaquePointer?>?, UnsafePointer<UInt8>?, UnsafePointer<UInt8>?,
                                    UInt32, OpaquePointer?, OpaquePointer?, UnsafeMutableRawPointer?) -> Int32
    typealias Free = @convention(c) (OpaquePointer?) -> Void
    typealias RegionNew = @convention(c) () -> UnsafeMutableRawPointer?
    typealias RegionFree = @convention(c) (UnsafeMutableRawPointer?, Int32) -> Void
    typealias Search = @convention(c) (OpaquePointer?, UnsafePointer<UInt8>?, UnsafePointer<UInt8>?, UnsafePointer<UInt8>?,
                                       UnsafePointer<UInt8>?, UnsafeMutableRawPointer?, UInt32) -> Int32
    /// `int onig_error_code_to_str(UChar* buf, int code, ...)`: called with its one optional
    /// argument (an `OnigErrorInfo*`) as a fixed parameter, which the x86-64 and AArch64 Linux
    /// calling conventions pass identically.
    typealias ErrorString = @convention(c) (UnsafeMutablePointer<UInt8>?, Int32, UnsafeMutableRawPointer?) -> Int32
    typealias Version = @convention(c) () -> UnsafePointer<CChar>?

    let new: New
    let free: Free
    let regionNew: RegionNew
    let regionFree: RegionFree
    let search: Search
    let errorString: ErrorString
    let version: String
    let utf8: OpaquePointer
    let syntax: OpaquePointer
}

/// Loading and compiling. Everything here is thread-safe.
public enum Oniguruma {
    /// The Debian/Ubuntu package that provides the library (named in errors and docs).
    public static let package = "libonig5"
    static let soname = "libonig.so.5"

    static let loaded: Result<OnigFunctions, M2VError> = load()

    /// Serialises `onig_new` (as rust-onig's REGEX_NEW_MUTEX does).
    nonisolated(unsafe) static var compileLock = pthread_mutex_t()
    static let lockReady: Bool = { pthread_mutex_init(&compileLock, nil); return true }()

    /// The library's version ("6.9.8"), nil when it cannot be loaded.
    public static var version: String? {
        if case .success(let f) = loaded { return f.version }
        return nil
    }

    /// Whether the library can be loaded here.
    public static var isAvailable: Bool { version != nil }

    static func require() throws(M2VError) -> OnigFunctions {
        switch loaded {
        case .success(let f): return f
        case .failure(let e): throw e
        }
    }

    /// The folder libm2v.so (this code) was loaded from, for a bundled copy of the library.
    /// dladdr(3) is looked up at run time: Swift's Glibc module hides it (_GNU_SOURCE).
    private static func ownFolder() -> String? {
        // Dl_info { const char* dli_fname; void* dli_fbase; const char* dli_sname; void* dli_saddr; }
        typealias DlAddr = @convention(c) (UnsafeRawPointer?, UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int32
        guard let p = dlsym(nil, "dladdr") else { return nil }
        let dladdr = unsafeBitCast(p, to: DlAddr.self)
        var info: [UnsafeRawPointer?] = [nil, nil, nil, nil]
        let anchor = unsafeBitCast(Oniguruma.ownFolderAnchor, to: UnsafeRawPointer.self)
        let ok = info.withUnsafeMutableBufferPointer { dladdr(anchor, $0.baseAddress) }
        guard ok != 0, let name = info[0] else { return nil }
        let path = String(cString: name.assumingMemoryBound(to: CChar.self))
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        return String(path[..<slash])
    }
    private static let ownFolderAnchor: @convention(c) () -> Void = {}

    private static func load() -> Result<OnigFunctions, M2VError> {
        let hint = "regex patterns in tokenizer.json (Split, Replace) that m2v does not match by hand need Oniguruma, "
            + "the engine HF tokenizers uses: cannot load \(soname) (Debian/Ubuntu: apt-get install \(package))"
        var candidates: [String] = []
        if let dir = ownFolder() { candidates.append(dir + "/" + soname) }
        candidates += [soname, "libonig.so"]
        var handle: UnsafeMutableRawPointer?
        for c in candidates {
            if let h = dlopen(c, RTLD_NOW | RTLD_LOCAL) { handle = h; break }
        }
        guard let h = handle else { return .failure(.unsupported(hint)) }
        func sym<T>(_ name: String, _: T.Type) -> T? {
            guard let p = dlsym(h, name) else { return nil }
            return unsafeBitCast(p, to: T.self)
        }
        guard let initialize = sym("onig_initialize", OnigFunctions.Initialize.self),
              let new = sym("onig_new", OnigFunctions.New.self),
              let free = sym("onig_free", OnigFunctions.Free.self),
              let regionNew = sym("onig_region_new", OnigFunctions.RegionNew.self),
              let regionFree = sym("onig_region_free", OnigFunctions.RegionFree.self),
              let search = sym("onig_search", OnigFunctions.Search.self),
              let errorString = sym("onig_error_code_to_str", OnigFunctions.ErrorString.self),
              let version = sym("onig_version", OnigFunctions.Version.self),
              let utf8 = dlsym(h, "OnigEncodingUTF8"),
              let defaultSyntax = dlsym(h, "OnigDefaultSyntax")
        else { return .failure(.unsupported("\(soname) lacks the onig_* functions m2v needs: \(hint)")) }
        // OnigDefaultSyntax is a variable holding a pointer to the syntax (ONIG_SYNTAX_ONIGURUMA).
        guard let syntax = defaultSyntax.load(as: OpaquePointer?.self) else {
            return .failure(.unsupported("\(soname): OnigDefaultSyntax is not set"))
        }
        let enc = OpaquePointer(utf8)
        var encodings: [OpaquePointer?] = [enc]
        let rc = encodings.withUnsafeMutableBufferPointer { initialize($0.baseAddress, 1) }
        guard rc == 0 else { return .failure(.unsupported("\(soname): onig_initialize failed (\(rc))")) }
        let v = version().map { String(cString: $0) } ?? "?"
        return .success(OnigFunctions(new: new, free: free, regionNew: regionNew, regionFree: regionFree,
                                      search: search, errorString: errorString, version: v,
                                      utf8: enc, syntax: syntax))
    }

    static func message(_ f: OnigFunctions, _ code: Int32, _ info: UnsafeMutableRawPointer?) -> String {
        var buf = [UInt8](repeating: 0, count: 256)   // ONIG_MAX_ERROR_MESSAGE_LEN 90
        let n = buf.withUnsafeMutableBufferPointer { f.errorString($0.baseAddress, code, info) }
        guard n > 0 else { return "error \(code)" }
        return String(decoding: buf[0..<min(Int(n), buf.count)], as: UTF8.self)
    }
}

/// A compiled pattern. Immutable once built; Oniguruma's search does not modify the regex,
/// so one value is shared by all threads (rust-onig's `Regex` is `Sync` for the same reason).
public final class OnigRegex: @unchecked Sendable {
    let raw: OpaquePointer
    let f: OnigFunctions
    /// The pattern source, as given.
    public let source: String

    /// Compiles `source`; a pattern Oniguruma rejects is `M2VError.format` with its message,
    /// a missing library `M2VError.unsupported` naming the package. `what` names the component.
    public init(_ source: String, what: String) throws(M2VError) {
        let f: OnigFunctions
        do { f = try Oniguruma.require() } catch {
            throw .unsupported("\(what): regex \"\(source)\": \(error.message)")
        }
        _ = Oniguruma.lockReady
        // OnigErrorInfo { OnigEncoding enc; UChar* par; UChar* par_end; }
        let info = UnsafeMutableRawPointer.allocate(byteCount: 3 * MemoryLayout<UnsafeRawPointer?>.stride,
                                                    alignment: MemoryLayout<UnsafeRawPointer?>.alignment)
        info.initializeMemory(as: UInt8.self, repeating: 0, count: 3 * MemoryLayout<UnsafeRawPointer?>.stride)
        defer { info.deallocate() }
        var reg: OpaquePointer?
        var bytes = Array(OnigRegex.adapted(source, to: f.version).utf8)
        let rc: Int32 = bytes.withUnsafeMutableBufferPointer { b in
            pthread_mutex_lock(&Oniguruma.compileLock)
            defer { pthread_mutex_unlock(&Oniguruma.compileLock) }
            let base = UnsafePointer(b.baseAddress)
            return f.new(&reg, base, base.map { $0 + b.count }, 0, f.utf8, f.syntax, info)
        }
        guard rc == 0, let r = reg else {
            throw .format("\(what): invalid regex \"\(source)\": \(Oniguruma.message(f, rc, info))")
        }
        raw = r
        self.f = f
        self.source = source
    }

    deinit { f.free(raw) }

    /// `source` rewritten for a library older than the one HF bundles (6.9.10): before 6.9.9,
    /// `[:punct:]` in a Unicode encoding was \p{P} only; since then it is \p{P} + \p{S}
    /// (Oniguruma #268), so it becomes the nested class `[\p{P}\p{S}]` (`[:^punct:]` its
    /// negation), which means the same in every version.
    static func adapted(_ source: String, to version: String) -> String {
        let parts = version.split(separator: ".").compactMap { Int($0) }
        let old = parts.count >= 3 && (parts[0], parts[1], parts[2]) < (6, 9, 9)
        guard old else { return source }
        return replacing(replacing(source, "[:^punct:]", "[^\\p{P}\\p{S}]"), "[:punct:]", "[\\p{P}\\p{S}]")
    }

    /// `s` with every occurrence of `a` (non-empty) replaced by `b`, on UTF-8 bytes.
    static func replacing(_ s: String, _ a: String, _ b: String) -> String {
        let u = Array(s.utf8), n = Array(a.utf8), r = Array(b.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            if i + n.count <= u.count && u[i..<(i + n.count)].elementsEqual(n) {
                out += r
                i += n.count
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Every match of rust-onig's `find_iter` over `text` (UTF-8), in order, as byte ranges:
    /// `body(start, end)`. `region` is the caller's reusable match-region holder.
    public func forEachMatch(_ text: UnsafeBufferPointer<UInt8>, region: OnigRegionBox,
                             _ body: (Int, Int) -> Void) throws(M2VError) {
        let n = text.count
        // An empty buffer still needs a valid pointer (the empty pattern matches there).
        var dummy: UInt8 = 0
        try withUnsafePointer(to: &dummy) { (d) throws(M2VError) in
            let base = text.baseAddress.map { UnsafePointer($0) } ?? d
            let end = base + n
            let reg = try region.pointer(f)
            var lastEnd = 0
            var lastMatchEnd = -1
            while lastEnd <= n {
                let r = f.search(raw, base, end, base + lastEnd, end, reg, 0)
                if r == -1 { return }   // ONIG_MISMATCH
                if r < 0 {
                    throw .invalidArgument("regex \"\(source)\": \(Oniguruma.message(f, r, nil))")
                }
                // OnigRegion { int allocated; int num_regs; int* beg; int* end; ... }
                let begs = reg.load(fromByteOffset: 8, as: UnsafeMutablePointer<Int32>?.self)
                let ends = reg.load(fromByteOffset: 8 + MemoryLayout<UnsafeRawPointer>.stride,
                                    as: UnsafeMutablePointer<Int32>?.self)
                guard let b0 = begs, let e0 = ends else { return }
                let s = Int(b0[0]), e = Int(e0[0])
                guard s >= lastEnd, e >= s, e <= n else { return }
                if e == s && lastMatchEnd == e {
                    // Advance one UTF-8 character past last_end.
                    var k = lastEnd + 1
                    while k < n && text[k] & 0xC0 == 0x80 { k += 1 }
                    lastEnd = k
                    continue
                }
                lastEnd = e
                lastMatchEnd = e
                body(s, e)
            }
        }
    }
}

/// A reusable `OnigRegion` (allocated on first use, freed with the box). One per thread's
/// workspace: a region is written by every search.
public final class OnigRegionBox {
    private var raw: UnsafeMutableRawPointer?
    private var freeFn: OnigFunctions.RegionFree?

    public init() {}

    func pointer(_ f: OnigFunctions) throws(M2VError) -> UnsafeMutableRawPointer {
        if let r = raw { return r }
        guard let r = f.regionNew() else { throw .outOfMemory("onig_region_new failed") }
        raw = r
        freeFn = f.regionFree
        return r
    }

    deinit { if let r = raw { freeFn?(r, 1) } }
}
