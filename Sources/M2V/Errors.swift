// M2V — the C API of libm2v.so: `@_cdecl` functions declared in include/m2v.h. This layer only
// checks pointers, converts handles and buffers, turns thrown `M2VError`s into status codes and
// the thread-local last-error message, and owns nothing else. No logic lives here.
import CM2V
import M2VSupport
import Oniguruma
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Thread-local last error (a malloc'd C string per thread, freed at thread exit)

private let lastErrorKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { ptr in free(ptr) }
    return key
}()

/// Static empty string returned when no error is recorded.
nonisolated(unsafe) private let emptyMessage: UnsafeMutablePointer<CChar> = {
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    p.pointee = 0
    return p
}()

func setLastError(_ message: String) {
    let old = pthread_getspecific(lastErrorKey)
    let bytes = Array(message.utf8)
    guard let buf = malloc(bytes.count + 1)?.assumingMemoryBound(to: UInt8.self) else { return }
    for (i, b) in bytes.enumerated() { buf[i] = b == 0 ? 0x3F : b }
    buf[bytes.count] = 0
    pthread_setspecific(lastErrorKey, buf)
    free(old)
}

@inline(__always)
func clearLastError() {
    if let p = pthread_getspecific(lastErrorKey) {
        p.assumingMemoryBound(to: UInt8.self).pointee = 0
    }
}

/// Records `error` and returns its status code.
func fail(_ error: M2VError) -> m2v_status {
    setLastError(error.message)
    return m2v_status(rawValue: UInt32(error.code.rawValue))
}

func fail(_ code: M2VError.Code, _ message: String) -> m2v_status {
    fail(M2VError(code, message))
}

/// Runs `body`, mapping a thrown error to its status; clears the last error on success.
@inline(__always)
func guarded(_ body: () throws(M2VError) -> Void) -> m2v_status {
    do {
        try body()
        clearLastError()
        return M2V_OK
    } catch {
        return fail(error)
    }
}

@_cdecl("m2v_last_error")
public func m2v_last_error() -> UnsafePointer<CChar> {
    if let p = pthread_getspecific(lastErrorKey) { return UnsafePointer(p.assumingMemoryBound(to: CChar.self)) }
    return UnsafePointer(emptyMessage)
}

private let statusNames: [StaticString] = [
    "M2V_OK", "M2V_ERR_INVALID_ARGUMENT", "M2V_ERR_NOT_FOUND", "M2V_ERR_IO", "M2V_ERR_FORMAT",
    "M2V_ERR_UNSUPPORTED", "M2V_ERR_BUFFER_TOO_SMALL", "M2V_ERR_OUT_OF_MEMORY",
    "M2V_ERR_INVALID_UTF8", "M2V_ERR_CANCELLED", "M2V_ERR_INTERNAL",
]

@_cdecl("m2v_status_name")
public func m2v_status_name(_ status: Int32) -> UnsafePointer<CChar> {
    let name: StaticString = (status >= 0 && Int(status) < statusNames.count)
        ? statusNames[Int(status)] : "M2V_ERR_UNKNOWN"
    return UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
}

// MARK: - Version (from the header's macros: one source of truth)

/// M2V_VERSION_STRING as a C string that lives for the whole process.
nonisolated(unsafe) private let versionCString: UnsafePointer<CChar> = {
    let bytes = Array(M2V_VERSION_STRING.utf8CString)
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
    p.initialize(from: bytes, count: bytes.count)
    return UnsafePointer(p)
}()

@_cdecl("m2v_version_number")
public func m2v_version_number() -> UInt32 {
    UInt32(M2V_VERSION_MAJOR * 10000 + M2V_VERSION_MINOR * 100 + M2V_VERSION_PATCH)
}

@_cdecl("m2v_version_string")
public func m2v_version_string() -> UnsafePointer<CChar> {
    versionCString
}

/// Oniguruma's version as a process-lifetime C string, nil when it cannot be loaded.
nonisolated(unsafe) private let onigVersionCString: UnsafePointer<CChar>? = {
    guard let v = Oniguruma.version else { return nil }
    let bytes = Array(v.utf8CString)
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
    p.initialize(from: bytes, count: bytes.count)
    return UnsafePointer(p)
}()

@_cdecl("m2v_regex_engine_version")
public func m2v_regex_engine_version() -> UnsafePointer<CChar>? { onigVersionCString }

@_cdecl("m2v_version")
public func m2v_version() -> UnsafePointer<CChar> { m2v_version_string() }
