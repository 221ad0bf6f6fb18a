// M2VSupport — owns what every m2v module shares: the typed error (`M2VError`, one code per C
// status), a small defensive JSON parser/writer, and little helpers with no other home.
// Depends on the Swift standard library and libc only (no Foundation).

/// The one error type of m2v. `code` maps one to one onto `m2v_status` in include/m2v.h.
public struct M2VError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Raw values are the C status codes; they are ABI and never renumbered.
    public enum Code: Int32, Sendable, CaseIterable {
        case invalidArgument = 1
        case notFound = 2
        case io = 3
        case format = 4
        case unsupported = 5
        case bufferTooSmall = 6
        case outOfMemory = 7
        case invalidUTF8 = 8
        case cancelled = 9
        case `internal` = 10
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func invalidArgument(_ m: String) -> M2VError { M2VError(.invalidArgument, m) }
    public static func notFound(_ m: String) -> M2VError { M2VError(.notFound, m) }
    public static func io(_ m: String) -> M2VError { M2VError(.io, m) }
    public static func format(_ m: String) -> M2VError { M2VError(.format, m) }
    public static func unsupported(_ m: String) -> M2VError { M2VError(.unsupported, m) }
    public static func outOfMemory(_ m: String) -> M2VError { M2VError(.outOfMemory, m) }
    public static func invalidUTF8(_ m: String) -> M2VError { M2VError(.invalidUTF8, m) }
    public static func cancelled(_ m: String) -> M2VError { M2VError(.cancelled, m) }
    public static func bufferTooSmall(_ m: String) -> M2VError { M2VError(.bufferTooSmall, m) }

    /// Prefixes the message with context ("tokenizer.json: ...").
    public func context(_ prefix: String) -> M2VError {
        M2VError(code, "\(prefix): \(message)")
    }
}

/// Runs `body` (typically a rethrowing stdlib call such as `withUnsafeBytes`, whose error type is
/// untyped) and narrows what it throws back to `M2VError`.
@inline(__always)
public func typed<T>(_ body: () throws -> T) throws(M2VError) -> T {
    do { return try body() } catch let e as M2VError { throw e } catch {
        throw M2VError(.internal, "unexpected error: \(error)")
    }
}
