// Writing safetensors exactly as the Python `safetensors` library (its Rust `serialize`) does:
// tensors sorted by dtype alignment (the Rust `Dtype` order, descending) then by name bytes,
// contiguous data from offset 0, compact serde_json header with `__metadata__` first, padded with
// spaces to a multiple of 8 bytes. With at most one metadata key the output is byte-identical to
// `safetensors.numpy.save`; with several, Python's order is a random HashMap order, ours is the
// caller's.
import M2VSupport

/// Collects tensors (copies of their little-endian bytes) and serializes them as a safetensors
/// image.
public struct SafeTensorsWriter: Sendable {
    struct Entry: Sendable {
        var name: String
        var nameBytes: [UInt8]
        var dtype: DType
        var shape: [Int]
        var bytes: [UInt8]
    }

    private var entries: [Entry] = []

    public init() {}

    /// Number of tensors added.
    public var count: Int { entries.count }

    /// Adds a tensor from its raw little-endian bytes. Throws `.invalidArgument` when a dimension
    /// is negative, the size overflows or differs from `bytes.count`, or the name is taken or is
    /// `__metadata__`.
    public mutating func add(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) throws(M2VError) {
        let nameBytes = Array(name.utf8)
        guard !nameBytes.elementsEqual("__metadata__".utf8) else {
            throw .invalidArgument("safetensors: \"__metadata__\" cannot be a tensor name")
        }
        var elements = 1
        for d in shape {
            guard d >= 0 else { throw .invalidArgument("safetensors tensor \"\(name)\": negative dimension in \(shape)") }
            let (p, o) = elements.multipliedReportingOverflow(by: d)
            guard !o else { throw .invalidArgument("safetensors tensor \"\(name)\": shape \(shape) overflows") }
            elements = p
        }
        let (nbytes, o) = elements.multipliedReportingOverflow(by: dtype.size)
        guard !o, nbytes == bytes.count else {
            throw .invalidArgument("safetensors tensor \"\(name)\": \(bytes.count) bytes given, shape \(shape) of \(dtype.rawValue) needs \(o ? "too many" : String(nbytes))")
        }
        for e in entries where e.nameBytes == nameBytes {
            throw .invalidArgument("safetensors: duplicate tensor \"\(name)\"")
        }
        entries.append(Entry(name: name, nameBytes: nameBytes, dtype: dtype, shape: shape, bytes: bytes))
    }

    /// Adds a tensor from values whose in-memory layout is the dtype's (e.g. `[Float]` as F32,
    /// `[UInt16]` float16 bits as F16, `[Int32]` as I32). The host is assumed little-endian.
    public mutating func add<T: BitwiseCopyable>(name: String, dtype: DType, shape: [Int], values: [T]) throws(M2VError) {
        guard MemoryLayout<T>.stride == dtype.size else {
            throw .invalidArgument("safetensors tensor \"\(name)\": \(T.self) values do not have the size of \(dtype.rawValue)")
        }
        let bytes = values.withUnsafeBytes { Array($0) }
        try add(name: name, dtype: dtype, shape: shape, bytes: bytes)
    }

    /// The header JSON (unpadded) and the entries in serialization order.
    private func prepared(metadata: [(String, String)]?) -> (header: [UInt8], order: [Entry]) {
        let order = entries.sorted { a, b in
            if a.dtype.rustRank != b.dtype.rustRank { return a.dtype.rustRank > b.dtype.rustRank }
            return a.nameBytes.lexicographicallyPrecedes(b.nameBytes)
        }
        var h: [UInt8] = []
        h.append(UInt8(ascii: "{"))
        var first = true
        if let metadata {
            JSON.appendSerdeString("__metadata__", to: &h)
            h.append(contentsOf: ":{".utf8)
            for (i, (k, v)) in metadata.enumerated() {
                if i > 0 { h.append(UInt8(ascii: ",")) }
                JSON.appendSerdeString(k, to: &h)
                h.append(UInt8(ascii: ":"))
                JSON.appendSerdeString(v, to: &h)
            }
            h.append(UInt8(ascii: "}"))
            first = false
        }
        var offset = 0
        for e in order {
            if !first { h.append(UInt8(ascii: ",")) }
            first = false
            JSON.appendSerdeString(e.name, to: &h)
            h.append(contentsOf: ":{\"dtype\":\"".utf8)
            h.append(contentsOf: e.dtype.rawValue.utf8)
            h.append(contentsOf: "\",\"shape\":[".utf8)
            for (i, d) in e.shape.enumerated() {
                if i > 0 { h.append(UInt8(ascii: ",")) }
                h.append(contentsOf: String(d).utf8)
            }
            h.append(contentsOf: "],\"data_offsets\":[".utf8)
            h.append(contentsOf: String(offset).utf8)
            h.append(UInt8(ascii: ","))
            offset += e.bytes.count
            h.append(contentsOf: String(offset).utf8)
            h.append(contentsOf: "]}".utf8)
        }
        h.append(UInt8(ascii: "}"))
        return (h, order)
    }

    /// The complete file image. `metadata` nil omits `__metadata__`; an empty list writes `{}`.
    public func serialize(metadata: [(String, String)]? = nil) -> [UInt8] {
        var (header, order) = prepared(metadata: metadata)
        let pad = (8 - header.count % 8) % 8
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: pad))
        let dataSize = order.reduce(0) { $0 + $1.bytes.count }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + dataSize)
        var n = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        for e in order { out.append(contentsOf: e.bytes) }
        return out
    }

    /// Writes the image to `path` atomically (temporary file + rename).
    public func write(to path: String, metadata: [(String, String)]? = nil) throws(M2VError) {
        try FileIO.write(path, serialize(metadata: metadata))
    }
}
