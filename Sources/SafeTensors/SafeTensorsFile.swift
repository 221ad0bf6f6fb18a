// Reading safetensors: the file is mmap'd read-only, the header is validated before anything
// else looks at it, and tensor data is handed out as views into the mapping or as typed copies.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import M2VSupport

/// One tensor of a safetensors file, as its header declares it (validated).
public struct TensorInfo: Sendable {
    /// The tensor's name (the header key).
    public let name: String
    public let dtype: DType
    /// Dimensions, outermost first (row-major, C order). `[]` is a scalar.
    public let shape: [Int]
    /// Offset of the tensor's first byte from the start of the file (not of the data section).
    public let byteOffset: Int
    /// Size in bytes: product(shape) × dtype.size.
    public let byteCount: Int

    /// Number of elements: product(shape).
    public var elementCount: Int { byteCount / dtype.size }
}

/// A safetensors file, mapped read-only (or an in-memory copy for `init(bytes:)`), with its
/// header fully validated at init: known dtypes, non-negative shapes, sizes computed without
/// overflow and equal to the declared byte ranges, ranges inside the data section and not
/// overlapping. Immutable after init, so it is safe to share between threads; views returned by
/// `bytes(_:)` stay valid while the object lives.
public final class SafeTensorsFile: @unchecked Sendable {
    /// Header lengths above this are rejected (the Rust crate's limit).
    public static let maxHeaderLength = Limits.safetensorsHeaderBytes

    /// The tensors in header (file) order.
    public let tensors: [TensorInfo]
    /// `__metadata__` in header order (empty when absent).
    public let metadata: [(key: String, value: String)]
    /// Byte length of the JSON header (without the 8-byte length prefix).
    public let headerLength: Int

    private let base: UnsafeRawPointer?
    private let count: Int
    private let isMapped: Bool
    /// Read into malloc'd memory (`init(path:mapped: false)`).
    private var isMalloced = false
    private let index: [[UInt8]: Int]

    /// Maps `path` read-only (`mapped`, the default) or reads it into memory this object owns
    /// (later changes to the file cannot affect it), and parses its header. A missing file is
    /// `.notFound`; a file shorter than 8 bytes or with an invalid header is `.format`; mmap and
    /// read failures are `.io`; memory for a read that cannot be had is `.outOfMemory`.
    public init(path: String, mapped: Bool = true) throws(M2VError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let e = errno
            if e == ENOENT || e == ENOTDIR { throw .notFound("\(path): no such file") }
            throw .io("\(path): cannot open: \(FileIO.errnoText(e))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io("\(path): cannot stat: \(FileIO.errnoText())") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw .io("\(path): not a regular file") }
        let size = Int(st.st_size)
        guard size >= 8 else {
            throw .format("\(path): safetensors file is \(size) bytes, shorter than its 8-byte header length")
        }
        let p: UnsafeMutableRawPointer
        if mapped {
            guard let m = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), m != MAP_FAILED else {
                throw .io("\(path): mmap of \(size) bytes failed: \(FileIO.errnoText())")
            }
            p = m
        } else {
            // malloc, not a Swift allocation: a size the process cannot have is an error to
            // report, not a trap.
            guard let m = malloc(size) else {
                throw .outOfMemory("\(path): cannot allocate \(size) bytes to read the file (load with mmap instead)")
            }
            p = m
            do { try FileIO.readExactly(fd, into: p, count: size, path) } catch {
                free(p)
                throw error
            }
        }
        let buf = UnsafeRawBufferPointer(start: UnsafeRawPointer(p), count: size)
        let parsed: ParsedHeader
        do {
            parsed = try parseSafeTensorsHeader(buf)
        } catch {
            if mapped { munmap(p, size) } else { free(p) }
            throw error.context(path)
        }
        base = UnsafeRawPointer(p)
        count = size
        isMapped = mapped
        isMalloced = !mapped
        tensors = parsed.tensors
        metadata = parsed.metadata
        index = parsed.index
        headerLength = parsed.headerLength
    }

    /// Parses an in-memory safetensors image (copied; the same validation as `init(path:)`).
    public init(bytes: [UInt8]) throws(M2VError) {
        let size = bytes.count
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 16)
        bytes.withUnsafeBytes { src in
            if let s = src.baseAddress, size > 0 { p.copyMemory(from: s, byteCount: size) }
        }
        let parsed: ParsedHeader
        do {
            parsed = try parseSafeTensorsHeader(UnsafeRawBufferPointer(start: p, count: size))
        } catch {
            p.deallocate()
            throw error
        }
        base = UnsafeRawPointer(p)
        count = size
        isMapped = false
        tensors = parsed.tensors
        metadata = parsed.metadata
        index = parsed.index
        headerLength = parsed.headerLength
    }

    deinit {
        guard let base else { return }
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else if isMalloced {
            free(UnsafeMutableRawPointer(mutating: base))
        } else {
            base.deallocate()
        }
    }

    /// Total size of the file in bytes.
    public var fileSize: Int { count }

    /// The tensor called `name` (byte-wise name comparison), or nil.
    public func tensor(named name: String) -> TensorInfo? {
        guard let i = index[Array(name.utf8)] else { return nil }
        return tensors[i]
    }

    /// The `__metadata__` value for `key` (byte-wise key comparison), or nil.
    public func metadataValue(_ key: String) -> String? {
        for m in metadata where m.key.utf8.elementsEqual(key.utf8) { return m.value }
        return nil
    }

    /// A view of the tensor's raw little-endian bytes inside the mapping (no copy), valid while
    /// this object lives. The data may be unaligned: read it with `loadUnaligned`. A `TensorInfo`
    /// that does not lie inside this file gives an empty buffer.
    public func bytes(_ t: TensorInfo) -> UnsafeRawBufferPointer {
        guard let base, t.byteOffset >= 0, t.byteCount >= 0, t.byteOffset <= count,
              t.byteCount <= count - t.byteOffset else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: base + t.byteOffset, count: t.byteCount)
    }

    private func checked(_ t: TensorInfo) throws(M2VError) -> UnsafeRawBufferPointer {
        guard t.byteOffset >= 0, t.byteCount >= 0, t.byteOffset <= count,
              t.byteCount <= count - t.byteOffset, t.byteCount % t.dtype.size == 0 else {
            throw .invalidArgument("tensor \"\(t.name)\" does not belong to this safetensors file")
        }
        return bytes(t)
    }

    /// A copy of the tensor's values as Float: F32 as is, F16 and BF16 widened exactly, F64
    /// rounded, integers (and BOOL as 0/1) converted.
    public func floats(_ t: TensorInfo) throws(M2VError) -> [Float] {
        TensorValues.floats(try checked(t), t.dtype)
    }

    /// A copy of the tensor's values as Double (float types widened, integers converted).
    public func doubles(_ t: TensorInfo) throws(M2VError) -> [Double] {
        let raw = try checked(t)
        let n = t.byteCount / t.dtype.size
        return [Double](unsafeUninitializedCapacity: n) { out, initialized in
            guard let o = out.baseAddress else { initialized = 0; return }
            switch t.dtype {
            case .F32: convert(raw, n, o, Float.self) { Double(Float(bitPattern: UInt32(littleEndian: $0.bitPattern))) }
            case .F16: convert(raw, n, o, UInt16.self) { Double(halfToFloat(UInt16(littleEndian: $0))) }
            case .BF16: convert(raw, n, o, UInt16.self) { Double(bf16ToFloat(UInt16(littleEndian: $0))) }
            case .F64: convert(raw, n, o, Double.self) { Double(bitPattern: UInt64(littleEndian: $0.bitPattern)) }
            case .I64: convert(raw, n, o, Int64.self) { Double(Int64(littleEndian: $0)) }
            case .I32: convert(raw, n, o, Int32.self) { Double(Int32(littleEndian: $0)) }
            case .I16: convert(raw, n, o, Int16.self) { Double(Int16(littleEndian: $0)) }
            case .I8: convert(raw, n, o, Int8.self) { Double($0) }
            case .U8: convert(raw, n, o, UInt8.self) { Double($0) }
            case .BOOL: convert(raw, n, o, UInt8.self) { $0 != 0 ? 1 : 0 }
            }
            initialized = n
        }
    }

    /// A copy of an integer tensor's values as Int64 (I64, I32, I16, I8, U8, BOOL as 0/1). A
    /// floating-point tensor is a `.format` error.
    public func int64s(_ t: TensorInfo) throws(M2VError) -> [Int64] {
        let raw = try checked(t)
        guard let values = TensorValues.int64s(raw, t.dtype) else {
            throw .format("tensor \"\(t.name)\" has dtype \(t.dtype.rawValue), expected an integer type")
        }
        return values
    }
}

/// Typed copies of raw little-endian tensor bytes (any alignment), shared by the mapped file
/// and by tensors given in memory. A trailing partial element is ignored.
public enum TensorValues {
    /// The values as Float: F32 as is, F16 and BF16 widened exactly, F64 rounded, integers
    /// (and BOOL as 0/1) converted.
    public static func floats(_ raw: UnsafeRawBufferPointer, _ dtype: DType) -> [Float] {
        let n = raw.count / dtype.size
        return [Float](unsafeUninitializedCapacity: n) { out, initialized in
            guard let o = out.baseAddress else { initialized = 0; return }
            switch dtype {
            case .F32: convert(raw, n, o, Float.self) { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
            case .F16: halfToFloat(UnsafeRawBufferPointer(rebasing: raw[0..<(n * 2)]), into: out)
            case .BF16: bf16ToFloat(UnsafeRawBufferPointer(rebasing: raw[0..<(n * 2)]), into: out)
            case .F64: convert(raw, n, o, Double.self) { Float(Double(bitPattern: UInt64(littleEndian: $0.bitPattern))) }
            case .I64: convert(raw, n, o, Int64.self) { Float(Int64(littleEndian: $0)) }
            case .I32: convert(raw, n, o, Int32.self) { Float(Int32(littleEndian: $0)) }
            case .I16: convert(raw, n, o, Int16.self) { Float(Int16(littleEndian: $0)) }
            case .I8: convert(raw, n, o, Int8.self) { Float($0) }
            case .U8: convert(raw, n, o, UInt8.self) { Float($0) }
            case .BOOL: convert(raw, n, o, UInt8.self) { $0 != 0 ? 1 : 0 }
            }
            initialized = n
        }
    }

    /// The values of an integer tensor as Int64 (I64, I32, I16, I8, U8, BOOL as 0/1); nil for
    /// a floating-point dtype.
    public static func int64s(_ raw: UnsafeRawBufferPointer, _ dtype: DType) -> [Int64]? {
        guard dtype.isInteger else { return nil }
        let n = raw.count / dtype.size
        return [Int64](unsafeUninitializedCapacity: n) { out, initialized in
            guard let o = out.baseAddress else { initialized = 0; return }
            switch dtype {
            case .I64: convert(raw, n, o, Int64.self) { Int64(littleEndian: $0) }
            case .I32: convert(raw, n, o, Int32.self) { Int64(Int32(littleEndian: $0)) }
            case .I16: convert(raw, n, o, Int16.self) { Int64(Int16(littleEndian: $0)) }
            case .I8: convert(raw, n, o, Int8.self) { Int64($0) }
            case .U8: convert(raw, n, o, UInt8.self) { Int64($0) }
            case .BOOL: convert(raw, n, o, UInt8.self) { $0 != 0 ? 1 : 0 }
            case .F64, .F32, .F16, .BF16: break // excluded above
            }
            initialized = n
        }
    }
}

/// Reads `n` values of `T` from `raw` (any alignment) and stores `f(value)` into `out`.
@inline(__always)
private func convert<T: BitwiseCopyable, R>(_ raw: UnsafeRawBufferPointer, _ n: Int,
                                             _ out: UnsafeMutablePointer<R>, _ type: T.Type,
                                             _ f: (T) -> R) {
    guard n > 0, let s = raw.baseAddress, raw.count >= n * MemoryLayout<T>.size else { return }
    let stride = MemoryLayout<T>.size
    for i in 0..<n {
        out[i] = f(s.loadUnaligned(fromByteOffset: i &* stride, as: T.self))
    }
}

// MARK: - Header parsing

struct ParsedHeader {
    var tensors: [TensorInfo] = []
    var metadata: [(key: String, value: String)] = []
    var index: [[UInt8]: Int] = [:]
    var headerLength = 0
}

/// Validates a whole safetensors image and returns its header. Every inconsistency is a
/// `.format` error naming the tensor; a dtype m2v does not handle is `.unsupported`.
func parseSafeTensorsHeader(_ buf: UnsafeRawBufferPointer) throws(M2VError) -> ParsedHeader {
    let size = buf.count
    guard size >= 8, let base = buf.baseAddress else {
        throw .format("safetensors file is \(size) bytes, shorter than its 8-byte header length")
    }
    let n64 = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
    guard n64 <= UInt64(SafeTensorsFile.maxHeaderLength) else {
        throw .format("safetensors header length \(n64) exceeds the \(SafeTensorsFile.maxHeaderLength)-byte limit")
    }
    let n = Int(n64)
    guard n <= size - 8 else {
        throw .format("safetensors header length \(n) exceeds the \(size - 8) bytes after the length prefix")
    }
    guard n >= 2 else { throw .format("safetensors header of \(n) bytes is too short for a JSON object") }
    let json: JSON
    do {
        json = try JSON.parse(UnsafeRawBufferPointer(start: base + 8, count: n))
    } catch {
        throw error.context("safetensors header")
    }
    guard let members = json.object else { throw .format("safetensors header is not a JSON object") }

    let dataStart = 8 + n
    let dataSize = size - dataStart
    var out = ParsedHeader()
    out.headerLength = n
    out.tensors.reserveCapacity(members.count)
    var ranges: [(begin: Int, end: Int, tensor: Int)] = []
    var sawMetadata = false

    for (key, value) in members {
        if key.utf8.elementsEqual("__metadata__".utf8) {
            guard !sawMetadata else { throw .format("safetensors header: duplicate \"__metadata__\"") }
            sawMetadata = true
            if value.isNull { continue }
            guard let entries = value.object else {
                throw .format("safetensors header: \"__metadata__\" must be an object of strings")
            }
            for (k, v) in entries {
                guard let s = v.string else {
                    throw .format("safetensors header: \"__metadata__\" value of \"\(k)\" must be a string")
                }
                out.metadata.append((k, s))
            }
            continue
        }
        let what = "safetensors tensor \"\(key)\""
        guard value.object != nil else { throw .format("\(what): entry must be an object") }
        let dtypeName = try value.requireString("dtype", in: what)
        let dtype = try DType.parse(dtypeName, tensor: key)
        let shapeJSON = try value.requireArray("shape", in: what)
        var shape: [Int] = []
        shape.reserveCapacity(shapeJSON.count)
        var elements = 1
        for d in shapeJSON {
            guard let dim = d.int, dim >= 0 else {
                throw .format("\(what): shape must hold non-negative integers")
            }
            shape.append(dim)
            let (p, o) = elements.multipliedReportingOverflow(by: dim)
            guard !o else { throw .format("\(what): shape \(shapeJSON.compactMap { $0.double }) overflows") }
            elements = p
        }
        let (nbytes, o2) = elements.multipliedReportingOverflow(by: dtype.size)
        guard !o2 else { throw .format("\(what): byte size of shape \(shape) overflows") }
        let offs = try value.requireArray("data_offsets", in: what)
        guard offs.count == 2, let begin = offs[0].int, let end = offs[1].int, begin >= 0, end >= 0 else {
            throw .format("\(what): data_offsets must be two non-negative integers")
        }
        guard begin <= end else { throw .format("\(what): data_offsets [\(begin), \(end)] are reversed") }
        guard end <= dataSize else {
            throw .format("\(what): data_offsets [\(begin), \(end)] exceed the \(dataSize)-byte data section")
        }
        guard end - begin == nbytes else {
            throw .format("\(what): data_offsets [\(begin), \(end)] hold \(end - begin) bytes, shape \(shape) of \(dtype.rawValue) needs \(nbytes)")
        }
        let nameBytes = Array(key.utf8)
        guard out.index[nameBytes] == nil else { throw .format("safetensors header: duplicate tensor \"\(key)\"") }
        out.index[nameBytes] = out.tensors.count
        if begin < end { ranges.append((begin, end, out.tensors.count)) }
        out.tensors.append(TensorInfo(name: key, dtype: dtype, shape: shape,
                                      byteOffset: dataStart + begin, byteCount: nbytes))
    }

    // No two non-empty tensors may share a byte.
    ranges.sort { $0.begin != $1.begin ? $0.begin < $1.begin : $0.end < $1.end }
    var prevEnd = 0
    var prevTensor = -1
    for r in ranges {
        if r.begin < prevEnd, prevTensor >= 0 {
            throw .format("safetensors tensors \"\(out.tensors[prevTensor].name)\" and \"\(out.tensors[r.tensor].name)\" overlap")
        }
        prevEnd = r.end
        prevTensor = r.tensor
    }
    return out
}
