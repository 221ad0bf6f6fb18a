// Reading texts for the m2v command: one text per line, or one JSON object per line (JSONL) with
// the text in a named field, from a file or standard input, in batches, so memory stays one batch
// whatever the input's size. Lines end at "\n" (a "\r" before it is dropped, as Python's text
// mode does); a last line without "\n" counts; empty lines are empty texts (JSONL skips blank
// lines). A line longer than `Input.maxLineBytes` is an error, not an allocation.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CM2V
import M2VSupport

enum Input {
    /// The longest line accepted: the most code points libm2v tokenizes as one text, 4 bytes each.
    static var maxLineBytes: Int { max(1 << 20, 4 * m2v_max_text_code_points()) }
    /// A batch also ends once it holds this many bytes of text.
    static let maxBatchBytes = 64 << 20
}

/// Texts back to back: text i is arena[offsets[i] ..< offsets[i + 1]], from input line lines[i].
struct TextBatch {
    var arena: [UInt8] = []
    var offsets: [Int] = [0]
    var lines: [Int] = []
    var count: Int { offsets.count - 1 }

    mutating func append(_ bytes: UnsafeRawBufferPointer, line: Int) {
        arena.append(contentsOf: bytes)
        offsets.append(arena.count)
        lines.append(line)
    }

    mutating func append(_ text: String, line: Int) {
        arena.append(contentsOf: text.utf8)
        offsets.append(arena.count)
        lines.append(line)
    }

    mutating func removeAll() {
        arena.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        offsets.append(0)
        lines.removeAll(keepingCapacity: true)
    }

    /// Text i as a String (invalid UTF-8 replaced by U+FFFD), for display.
    func text(_ i: Int) -> String {
        String(decoding: arena[offsets[i] ..< offsets[i + 1]], as: UTF8.self)
    }
}

enum InputFormat: Equatable {
    case lines
    case jsonl(field: String)
}

/// Batches of texts from a file or standard input ("-" or nil).
final class TextReader {
    let name: String
    let format: InputFormat
    /// The input's size when it is a regular file (for a progress percentage), else nil.
    let totalBytes: Int?
    private(set) var bytesConsumed = 0
    private let fd: Int32
    private let ownsFD: Bool
    private var buf: [UInt8] = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0
    private var end = 0
    private var eof = false
    private var lineNumber = 0

    init(path: String?, format: InputFormat) throws(M2VError) {
        self.format = format
        if let path, path != "-" {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                let e = errno
                if e == ENOENT || e == ENOTDIR { throw .notFound("\(path): no such file") }
                throw .io("\(path): cannot open: \(FileIO.errnoText(e))")
            }
            var st = stat()
            if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                close(fd)
                throw .io("\(path): is a directory, expected a file of texts")
            }
            self.fd = fd
            ownsFD = true
            name = path
            totalBytes = (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
        } else {
            fd = 0
            ownsFD = false
            name = "<stdin>"
            var st = stat()
            totalBytes = fstat(0, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
        }
    }

    deinit { if ownsFD { close(fd) } }

    /// Appends up to `maxTexts` texts to `batch` (fewer at the end of the input or past
    /// Input.maxBatchBytes). Returns false when the input had no more texts.
    func read(into batch: inout TextBatch, maxTexts: Int) throws(M2VError) -> Bool {
        var got = 0
        while got < maxTexts && batch.arena.count < Input.maxBatchBytes {
            var added = false
            let more = try nextLine { (line, number) throws(M2VError) in
                switch format {
                case .lines:
                    batch.append(line, line: number)
                    added = true
                case .jsonl(let field):
                    if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
                    let value: JSON
                    do throws(M2VError) { value = try JSON.parse(line) } catch { throw error.context("\(name) line \(number)") }
                    guard case .object = value else { throw .format("\(name) line \(number): not a JSON object") }
                    guard let text = value[field]?.string else {
                        throw .format("\(name) line \(number): no string field \"\(field)\" (--field names it)")
                    }
                    batch.append(text, line: number)
                    added = true
                }
            }
            if added { got += 1 }
            if !more { break }
        }
        return got > 0
    }

    /// Calls `body` with the next line (without "\n" / "\r\n") and its 1-based number; false at
    /// the end of the input.
    private func nextLine(_ body: (UnsafeRawBufferPointer, Int) throws(M2VError) -> Void) throws(M2VError) -> Bool {
        while true {
            if let nl = findNewline() {
                lineNumber += 1
                var stop = nl
                if stop > start && buf[stop - 1] == 0x0D { stop -= 1 }
                let (s, n) = (start, lineNumber)
                start = nl + 1
                bytesConsumed += nl + 1 - s
                try buf.withUnsafeBufferPointer { (b) throws(M2VError) in
                    try body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(b)[s ..< stop]), n)
                }
                return true
            }
            if eof {
                guard start < end else { return false }
                lineNumber += 1
                var stop = end
                if buf[stop - 1] == 0x0D { stop -= 1 }
                let (s, n) = (start, lineNumber)
                bytesConsumed += end - s
                start = end
                try buf.withUnsafeBufferPointer { (b) throws(M2VError) in
                    try body(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(b)[s ..< stop]), n)
                }
                return true
            }
            try fill()
        }
    }

    private func findNewline() -> Int? {
        guard start < end else { return nil }
        return buf.withUnsafeBytes { b -> Int? in
            guard let base = b.baseAddress else { return nil }
            guard let p = memchr(base + start, 0x0A, end - start) else { return nil }
            return base.distance(to: UnsafeRawPointer(p))
        }
    }

    /// Reads more input, keeping the unfinished line; grows the buffer up to maxLineBytes.
    private func fill() throws(M2VError) {
        if start > 0 {
            let n = end - start
            buf.withUnsafeMutableBytes { b in
                if let base = b.baseAddress, n > 0 { memmove(base, base + start, n) }
            }
            start = 0
            end = n
        }
        if end == buf.count {
            guard buf.count <= Input.maxLineBytes else {
                throw .invalidArgument("\(name) line \(lineNumber + 1): longer than \(Input.maxLineBytes) bytes, the most m2v accepts for one text")
            }
            buf.append(contentsOf: repeatElement(0, count: buf.count))
        }
        let got = buf.withUnsafeMutableBytes { b -> Int in
            guard let base = b.baseAddress else { return -1 }
            while true {
                let r = sysRead(fd, base + end, b.count - end)
                // Ctrl-C interrupts a read that waits on a pipe or terminal (no SA_RESTART).
                if r < 0 && errno == EINTR && !Interrupt.requested { continue }
                return r
            }
        }
        if got < 0 && Interrupt.requested { throw .cancelled("interrupted by Ctrl-C while reading \(name)") }
        if got < 0 { throw .io("\(name): cannot read: \(FileIO.errnoText())") }
        if got == 0 { eof = true } else { end += got }
    }
}

/// read(2), named apart from TextReader.read.
func sysRead(_ fd: Int32, _ dst: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, dst, count) }
