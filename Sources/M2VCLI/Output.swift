// Writing vectors for the m2v command: .npy (numpy.load), .safetensors (one tensor
// "embeddings"), JSONL (one JSON array of floats per line) or raw little-endian float32, to a
// file or standard output, batch by batch. A file is written under a temporary name beside it
// and renamed into place when complete, so a failed or interrupted run leaves no partial file.
// .npy and .safetensors headers hold the row count: they are written with room to spare first
// and rewritten at the end, so those two formats need a file (--out), not a pipe.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import M2VSupport

enum OutputFormat: String, CaseIterable {
    case npy, safetensors, jsonl, f32

    /// From a file name's extension; nil when it names none of the formats.
    static func from(path: String) -> OutputFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".npy") { return .npy }
        if lower.hasSuffix(".safetensors") { return .safetensors }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") || lower.hasSuffix(".json") { return .jsonl }
        if lower.hasSuffix(".f32") || lower.hasSuffix(".bin") || lower.hasSuffix(".raw") { return .f32 }
        return nil
    }
}

/// Buffered writes to a file descriptor (EINTR and short writes retried).
struct ByteSink {
    let fd: Int32
    let name: String
    var pending: [UInt8] = []

    mutating func append(_ bytes: UnsafeRawBufferPointer) throws(M2VError) {
        pending.append(contentsOf: bytes)
        if pending.count >= 1 << 20 { try flush() }
    }

    mutating func append(_ s: String) throws(M2VError) {
        pending.append(contentsOf: s.utf8)
        if pending.count >= 1 << 20 { try flush() }
    }

    mutating func flush() throws(M2VError) {
        try pending.withUnsafeBufferPointer { (b) throws(M2VError) in try writeAll(fd, UnsafeRawBufferPointer(b), name) }
        pending.removeAll(keepingCapacity: true)
    }
}

func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, _ name: String) throws(M2VError) {
    guard var p = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
        let n = write(fd, p, left)
        if n < 0 {
            if errno == EINTR { continue }
            throw .io("\(name): cannot write: \(FileIO.errnoText())")
        }
        p += n
        left -= n
    }
}

/// Streams rows of `dim` float32 values in one of the formats.
final class VectorWriter {
    let format: OutputFormat
    let dim: Int
    private(set) var rows = 0
    private var sink: ByteSink
    private let finalPath: String?
    private let tempPath: String?
    private var finished = false
    /// Header room reserved at the start of .npy / .safetensors files (rewritten at the end).
    private static let headerBytes = 128

    /// `path` nil writes to standard output.
    init(path: String?, format: OutputFormat, dim: Int) throws(M2VError) {
        self.format = format
        self.dim = dim
        if let path, path != "-" {
            let slash = path.lastIndex(of: "/")
            let dir = slash.map { String(path[..<$0]) } ?? "."
            let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
            let temp = (dir.isEmpty ? "" : dir + "/") + ".\(base)\(FileIO.tempMarker)\(getpid())"
            let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if fd < 0 {
                let e = errno
                if e == ENOENT { throw .notFound("\(path): the folder \(dir) does not exist") }
                throw .io("\(path): cannot create: \(FileIO.errnoText(e))")
            }
            sink = ByteSink(fd: fd, name: path)
            finalPath = path
            tempPath = temp
        } else {
            if format == .npy || format == .safetensors {
                throw .invalidArgument("\(format.rawValue) output holds the row count in its header: write it to a file with --out, or use --format jsonl or f32 on standard output")
            }
            sink = ByteSink(fd: 1, name: "<stdout>")
            finalPath = nil
            tempPath = nil
        }
        if format == .npy || format == .safetensors {
            try sink.append(String(repeating: " ", count: Self.headerBytes))
        }
    }

    deinit {
        // Not finished (an error or an interrupt): nothing is left behind.
        if !finished, let tempPath {
            close(sink.fd)
            unlink(tempPath)
        }
    }

    func write(_ vectors: UnsafeBufferPointer<Float>, rows n: Int) throws(M2VError) {
        switch format {
        case .npy, .safetensors, .f32:
            try sink.append(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(vectors)[0 ..< n * dim * 4]))
        case .jsonl:
            var line = ""
            for r in 0..<n {
                line.removeAll(keepingCapacity: true)
                line.append("[")
                for c in 0..<dim {
                    if c > 0 { line.append(",") }
                    line.append(jsonNumber(vectors[r * dim + c]))
                }
                line.append("]\n")
                try sink.append(line)
            }
        }
        rows += n
    }

    /// Completes the file: header, flush, fsync, rename into place.
    func finish() throws(M2VError) {
        try sink.flush()
        if format == .npy || format == .safetensors {
            let header = format == .npy ? npyHeader() : safetensorsHeader()
            guard header.count == Self.headerBytes else { throw M2VError(.internal, "output header is \(header.count) bytes") }
            let n = header.withUnsafeBytes { pwrite(sink.fd, $0.baseAddress, $0.count, 0) }
            guard n == header.count else { throw .io("\(sink.name): cannot write the header: \(FileIO.errnoText())") }
        }
        if let tempPath, let finalPath {
            guard fsync(sink.fd) == 0 else { throw .io("\(finalPath): fsync failed: \(FileIO.errnoText())") }
            guard close(sink.fd) == 0 else { throw .io("\(finalPath): close failed: \(FileIO.errnoText())") }
            guard rename(tempPath, finalPath) == 0 else {
                let e = errno
                unlink(tempPath)
                finished = true
                throw .io("\(finalPath): cannot rename the finished file into place: \(FileIO.errnoText(e))")
            }
        }
        finished = true
    }

    /// NPY 1.0: magic, version, header length, then a dict padded with spaces to a fixed size.
    private func npyHeader() -> [UInt8] {
        var dict = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(dim)), }".utf8)
        let total = Self.headerBytes
        let pad = total - 10 - dict.count - 1
        dict += repeatElement(0x20, count: max(0, pad))
        dict.append(0x0A)
        let len = UInt16(dict.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(len & 0xFF), UInt8(len >> 8)] + dict
    }

    /// safetensors: u64 header length, a JSON header padded with spaces, then the data.
    private func safetensorsHeader() -> [UInt8] {
        let bytes = rows * dim * 4
        var json = Array("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[\(rows),\(dim)],\"data_offsets\":[0,\(bytes)]}}".utf8)
        let n = Self.headerBytes - 8
        json += repeatElement(0x20, count: max(0, n - json.count))
        var out: [UInt8] = []
        var len = UInt64(json.count)
        for _ in 0..<8 { out.append(UInt8(len & 0xFF)); len >>= 8 }
        return out + json
    }
}

/// A float as JSON: the shortest text that reads back as the same float32; NaN and infinities
/// as Python's json module writes them.
func jsonNumber(_ f: Float) -> String {
    if f.isNaN { return "NaN" }
    if f.isInfinite { return f < 0 ? "-Infinity" : "Infinity" }
    return f.description
}
