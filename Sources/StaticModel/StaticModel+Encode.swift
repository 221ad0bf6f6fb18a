// encode / encode_as_sequence / tokenize with model2vec 0.10's semantics, over batches of UTF-8
// texts, on all cores, with the same bytes whatever the thread count.
import M2VSupport
import SafeTensors
import TokenizerCore
import Tokenizers
#if canImport(Glibc)
import Glibc
#endif

/// Options of encode-like calls.
public struct EncodeOptions: Sendable {
    /// Truncation in tokens (and the character cut before it); nil = none.
    public var maxLength: Int?
    /// nil = the model's default.
    public var normalize: Bool?
    /// 0 = all cores.
    public var threads: Int = 0
    /// Texts per batch between progress calls.
    public var batchSize: Int = 1024
    /// Called on the calling thread after each batch with (done, total); return true to cancel.
    public var progress: (@Sendable (Int, Int) -> Bool)?
    /// Cut each text to maxLength * medianTokenLength code points before tokenizing (model2vec's
    /// encode); false = token truncation only (model2vec's tokenize).
    public var characterCut: Bool = true
    /// What a text that cannot be tokenized (invalid UTF-8, longer than Limits.textCodePoints)
    /// does to the call.
    public var invalidText: InvalidText = .error

    public init(maxLength: Int? = ModelDefaults.maxLength, normalize: Bool? = nil, threads: Int = 0,
                batchSize: Int = ModelDefaults.batchSize,
                progress: (@Sendable (Int, Int) -> Bool)? = nil) {
        self.maxLength = maxLength; self.normalize = normalize; self.threads = threads
        self.batchSize = batchSize; self.progress = progress
    }
}

/// Per-text handling of bad input (m2v_encode_params.invalid_text; the raw values are the C
/// enum's).
public enum InvalidText: Int32, Sendable, CaseIterable {
    /// The call fails with the first bad text's status and message (default).
    case error = 0
    /// Invalid UTF-8 sequences become U+FFFD (Python's errors="replace"); other per-text errors
    /// still fail the call.
    case replace = 1
    /// A text with any per-text error gives a zero vector (no tokens); its status is reported.
    case skip = 2
}

/// Per-thread buffers for encoding, kept by each thread across calls (`perThread`), so a
/// call allocates nothing once its threads have warmed up and the piece memo outlives a call.
final class EncodeWorkspace: @unchecked Sendable {  // used by one thread at a time
    let tok = TokenizerWorkspace()
    var ids: [Int32] = []
    /// Float64 running sum of the float32 block sums of long texts (see `pool`).
    var total: [Double] = []
    /// `pool`'s gathered rows of one text: table address and weight of each token with a row.
    var rowPtrs: [UnsafeRawPointer] = []
    var rowWeights: [Float] = []

    /// The calling thread's workspace, kept across calls: at most the piece memo (see
    /// `PieceCache`, 3 MiB) plus buffers for texts of up to `TokenizerWorkspace.keptScalars`
    /// code points; one grown by a longer text is dropped after its call.
    static let perThread = ThreadCache(keep: { $0.tok.isSmall && $0.ids.capacity <= TokenizerWorkspace.keptScalars }) {
        EncodeWorkspace()
    }
}

/// With `StaticModel.wideAccumulation` (where model2vec computes the mean in float64), tokens
/// are summed in float32 blocks of this many, each block sum added to a float64 total, so the
/// rounding error stays one block's (~1e-7 relative) instead of growing with the token count.
let poolBlock = 64

/// Rows `pool` adds per step (the rows of the next step are prefetched meanwhile); divides
/// `poolBlock`, so a step never straddles a block.
let poolChunk = 8

/// Prefetches every cache line the `bytes` bytes at `p` touch.
@inline(__always)
private func prefetchRow(_ p: UnsafeRawPointer, _ bytes: Int) {
    let first = Int(bitPattern: p) & ~63
    var off = first - Int(bitPattern: p)
    while off < bytes { prefetchRead(p + off); off += 64 }
}

extension StaticModel {
    /// The ids encode uses for one text into `ws.ids`: character cut, tokenization with
    /// truncation, unk dropped after truncation (model2vec 0.10 order). Only the code points the
    /// cut keeps are decoded (the rest is validated). Returns the text's status (0, or the code
    /// of the error it would raise under `.error`); under `.error` that error is thrown, under
    /// `.skip` the text gets no ids, under `.replace` invalid UTF-8 becomes U+FFFD.
    func effectiveIds(_ text: UnsafeBufferPointer<UInt8>, maxLength: Int?, cut: Bool = true,
                      invalid: InvalidText = .error, ws: EncodeWorkspace) throws(M2VError) -> Int32 {
        let input = ws.tok
        input.input.removeAll(keepingCapacity: true)
        var limit = Limits.textCodePoints + 1
        if cut, let ml = maxLength {
            let (n, overflow) = ml.multipliedReportingOverflow(by: medianTokenLength)
            if !overflow { limit = min(limit, n) }
        }
        var status: Int32 = 0
        if !tokenizer.encodeOnePass(text, maxScalars: limit, addSpecialTokens: false, maxTokens: maxLength ?? .max,
                                    into: &ws.ids, workspace: input) {
            do throws(M2VError) {
                if !(try UTF8Decoding.decode(text, into: &input.input, limit: limit, replace: invalid == .replace)) {
                    status = M2VError.Code.invalidUTF8.rawValue
                }
                try Tokenizer.checkLength(input.input.count, "")
                try typed {
                    try input.input.withUnsafeBufferPointer { (all: UnsafeBufferPointer<UInt32>) throws(M2VError) in
                        try tokenizer.encode(scalars: all, addSpecialTokens: false, maxTokens: maxLength ?? .max,
                                             into: &ws.ids, workspace: input)
                    }
                }
            } catch {
                guard invalid == .skip else { throw error }
                ws.ids.removeAll(keepingCapacity: true)
                return error.code.rawValue
            }
        }
        if let unk = unkId { ws.ids.removeAll(where: { $0 == unk }) }
        return status
    }

    /// Row of `id` in the table, or nil when the id has none.
    @inline(__always)
    func row(of id: Int32) -> Int? {
        let i = Int(id)
        if let mapping {
            guard i >= 0, i < mapping.count else { return nil }
            return Int(mapping[i])
        }
        return i >= 0 && i < rows ? i : nil
    }

    @inline(__always)
    func weight(of id: Int32) -> Float {
        guard let weights else { return 1 }
        let i = Int(id)
        return i >= 0 && i < weights.count ? weights[i] : 0
    }

    /// Mean of the (weighted) rows of `ids` into `out` (dim floats), then optional L2 norm.
    /// Two phases: the row address and weight of every token with a row are gathered first, then
    /// summed in chunks of `poolChunk` rows (several rows a kernel call where the CPU has one),
    /// the rows of the next chunk prefetched (every cache line) before the current one is added,
    /// so their cache misses overlap with the arithmetic. Each output element gets the same
    /// float32 operations in the same order as adding the rows one by one.
    func pool(_ ids: [Int32], normalize: Bool, out: UnsafeMutablePointer<Float>, ws: EncodeWorkspace) {
        ids.withUnsafeBufferPointer { pool($0, normalize: normalize, out: out, ws: ws) }
    }

    func pool(_ ids: UnsafeBufferPointer<Int32>, normalize: Bool, out: UnsafeMutablePointer<Float>, ws: EncodeWorkspace) {
        out.initialize(repeating: 0, count: dim)
        let rowBytes = dim * dtype.size
        // The workspace's buffers as locals for the call (a class property would be
        // exclusivity-checked at every append).
        var rowPtrs: [UnsafeRawPointer] = []
        var rowWeights: [Float] = []
        swap(&rowPtrs, &ws.rowPtrs)
        swap(&rowWeights, &ws.rowWeights)
        defer {
            swap(&rowPtrs, &ws.rowPtrs)
            swap(&rowWeights, &ws.rowWeights)
        }
        let base = UnsafeRawPointer(table)
        // Sized once to the longest text seen (never shrunk), then written by index.
        if rowPtrs.count < ids.count {
            rowPtrs.append(contentsOf: repeatElement(base, count: ids.count - rowPtrs.count))
            rowWeights.append(contentsOf: repeatElement(0, count: ids.count - rowWeights.count))
        }
        let n = rowPtrs.withUnsafeMutableBufferPointer { pb -> Int in
            rowWeights.withUnsafeMutableBufferPointer { wb -> Int in
                var n = 0
                for id in ids {
                    guard let r = row(of: id), n < pb.count, n < wb.count else { continue }
                    pb[n] = base + r * rowBytes
                    wb[n] = weight(of: id)
                    n += 1
                }
                return n
            }
        }
        guard n > 0 else { return }
        let long = wideAccumulation && ids.count > poolBlock
        if long {
            ws.total.removeAll(keepingCapacity: true)
            ws.total.append(contentsOf: repeatElement(0, count: dim))
        }
        let kernel = rowKernel
        let rows = Pooling.rowsKernel(for: dtype)
        let dim = self.dim
        rowPtrs.withUnsafeBufferPointer { pb in
            rowWeights.withUnsafeBufferPointer { wb in
                guard let ptrs = pb.baseAddress, let weights = wb.baseAddress else { return }
                @inline(__always) func prefetchChunk(_ c: Int) {
                    var k = c
                    let e = min(n, c + poolChunk)
                    while k < e { prefetchRow(ptrs[k], rowBytes); k += 1 }
                }
                // Blocks of `poolBlock` rows for the float64 total (one block when not long).
                var blockStart = 0
                prefetchChunk(0)
                while blockStart < n {
                    let blockEnd = long ? min(n, blockStart + poolBlock) : n
                    var c = blockStart
                    while c < blockEnd {
                        let e = min(blockEnd, c + poolChunk)
                        if e < n { prefetchChunk(e) }
                        if let rows {
                            rows(ptrs + c, weights + c, e - c, dim, out)
                        } else {
                            for k in c..<e { kernel(ptrs[k], dim, weights[k], out) }
                        }
                        c = e
                    }
                    if long && blockEnd - blockStart == poolBlock {
                        ws.total.withUnsafeMutableBufferPointer { t in
                            for j in 0..<dim { t[j] += Double(out[j]); out[j] = 0 }
                        }
                    }
                    blockStart = blockEnd
                }
            }
        }
        if long {
            let inv = 1 / Double(n)
            ws.total.withUnsafeBufferPointer { t in
                for j in 0..<dim { out[j] = Float((t[j] + Double(out[j])) * inv) }
            }
        } else {
            // numpy's mean: the float32 sum divided by the count (not multiplied by 1/n).
            let count = Float(n)
            for j in 0..<dim { out[j] /= count }
        }
        if normalize { Pooling.l2normalize(out, dim) }
    }

    /// Encodes a batch into `out` (batch.count * dim floats, row-major). `status`, when given
    /// (batch.count entries), receives each text's status (see `effectiveIds`).
    public func encode(_ batch: TextBatch, options: EncodeOptions, out: UnsafeMutablePointer<Float>,
                       status: UnsafeMutablePointer<Int32>? = nil) throws(M2VError) {
        let norm = options.normalize ?? normalize
        let maxLength = options.maxLength
        let total = batch.count
        // Batches exist for the progress callback; without one, a single parallel pass avoids a
        // join (and waiting for the slowest thread) per batch.
        let step = options.progress == nil ? max(total, 1) : max(1, options.batchSize)
        let outAddr = UInt(bitPattern: out)
        let statusAddr = UInt(bitPattern: status)
        let dim = self.dim
        var done = 0
        while done < total {
            let lo = done, hi = min(total, done + step)
            let threads = Parallel.threads(requested: options.threads, work: hi - lo, bytes: batch.bytes(lo..<hi))
            let errors = ErrorSlot()
            Parallel.forChunks(count: hi - lo, threads: threads) { _, range in
                guard let o = UnsafeMutablePointer<Float>(bitPattern: outAddr) else { return }
                let st = UnsafeMutablePointer<Int32>(bitPattern: statusAddr)
                let ws = EncodeWorkspace.perThread.take()
                defer { EncodeWorkspace.perThread.give(ws) }
                for k in range {
                    let i = lo + k
                    do throws(M2VError) {
                        let s = try self.effectiveIds(batch.text(i), maxLength: maxLength, cut: options.characterCut,
                                                      invalid: options.invalidText, ws: ws)
                        st?[i] = s
                    } catch {
                        st?[i] = error.code.rawValue
                        errors.record(i, error.context("text \(i)"))
                        continue
                    }
                    self.pool(ws.ids, normalize: norm, out: o + i * dim, ws: ws)
                }
            }
            if let e = errors.error { throw e.error }
            done = hi
            if let progress = options.progress, progress(done, total) {
                throw .cancelled("cancelled by the progress callback after \(done) of \(total) texts")
            }
        }
    }

    /// Pools precomputed ids (`tokenize`'s, or the caller's own): text i is
    /// `ids[offsets[i] ..< offsets[i + 1]]`, pooled as `encode` pools its ids (weights, mean,
    /// optional normalization), after truncation to `options.maxLength`. Every id must be in the
    /// vocabulary; the unknown token is not removed here (`tokenize` has removed it).
    /// `offsets` has count + 1 non-decreasing entries from 0; `out` count * dim floats.
    public func encode(ids: UnsafePointer<Int32>?, offsets: UnsafeBufferPointer<Int>, options: EncodeOptions,
                       out: UnsafeMutablePointer<Float>) throws(M2VError) {
        let count = offsets.count - 1
        guard count > 0 else { return }
        guard offsets[0] == 0 else { throw .invalidArgument("offsets[0] is \(offsets[0]), not 0") }
        for i in 0..<count where offsets[i + 1] < offsets[i] {
            throw .invalidArgument("offsets[\(i + 1)] = \(offsets[i + 1]) is below offsets[\(i)] = \(offsets[i])")
        }
        let total = offsets[count]
        guard total == 0 || ids != nil else { throw .invalidArgument("ids is NULL but offsets[\(count)] is \(total)") }
        let vocab = tokenizer.vocabSize
        let norm = options.normalize ?? normalize
        let idsAddr = UInt(bitPattern: ids), outAddr = UInt(bitPattern: out)
        let offsetsAddr = UInt(bitPattern: offsets.baseAddress)
        let dim = self.dim
        let errors = ErrorSlot()
        let threads = Parallel.threads(requested: options.threads, work: count, bytes: total > Int.max / 4 ? Int.max : total * 4)
        Parallel.forChunks(count: count, threads: threads) { _, range in
            guard let o = UnsafeMutablePointer<Float>(bitPattern: outAddr),
                  let off = UnsafePointer<Int>(bitPattern: offsetsAddr) else { return }
            let base = UnsafePointer<Int32>(bitPattern: idsAddr)
            let ws = EncodeWorkspace.perThread.take()
            defer { EncodeWorkspace.perThread.give(ws) }
            for i in range {
                var n = off[i + 1] - off[i]
                if let ml = options.maxLength { n = min(n, ml) }
                let text = UnsafeBufferPointer(start: n > 0 ? base.map { $0 + off[i] } : nil, count: max(0, n))
                if let bad = text.firstIndex(where: { $0 < 0 || Int($0) >= vocab }) {
                    errors.record(i, .invalidArgument("text \(i): ids[\(off[i] + bad)] = \(text[bad]) is not in the vocabulary (size \(vocab))"))
                    continue
                }
                self.pool(text, normalize: norm, out: o + i * dim, ws: ws)
            }
        }
        if let e = errors.error { throw e.error }
    }

    /// Effective token ids for each text (what encode uses); `status` as for `encode`.
    public func tokenize(_ batch: TextBatch, options: EncodeOptions,
                         status: UnsafeMutablePointer<Int32>? = nil) throws(M2VError) -> [[Int32]] {
        let statusAddr = UInt(bitPattern: status)
        let threads = Parallel.threads(requested: options.threads, work: batch.count, bytes: batch.bytes(0..<batch.count))
        let errors = ErrorSlot()
        let sink = ResultSink(count: batch.count)
        Parallel.forChunks(count: batch.count, threads: threads) { _, range in
            let ws = EncodeWorkspace.perThread.take()
            defer { EncodeWorkspace.perThread.give(ws) }
            let st = UnsafeMutablePointer<Int32>(bitPattern: statusAddr)
            for i in range {
                do throws(M2VError) {
                    // (Not `st?[i] = try ...`: optional chaining would skip the call when st is nil.)
                    let s = try self.effectiveIds(batch.text(i), maxLength: options.maxLength, cut: options.characterCut,
                                                  invalid: options.invalidText, ws: ws)
                    st?[i] = s
                    sink.set(i, ws.ids)
                } catch {
                    st?[i] = error.code.rawValue
                    errors.record(i, error.context("text \(i)"))
                }
            }
        }
        if let e = errors.error { throw e.error }
        return (0..<batch.count).map { sink.values[$0] }
    }

    /// One vector per effective token (weights applied, no mean, no normalization), flattened:
    /// returns (offsets of n+1 row counts, vectors of offsets[n] * dim floats).
    public func encodeAsSequence(_ batch: TextBatch, options: EncodeOptions,
                                 status: UnsafeMutablePointer<Int32>? = nil) throws(M2VError) -> (offsets: [Int], vectors: [Float]) {
        let ids = try tokenize(batch, options: options, status: status)
        var offsets = [0]
        offsets.reserveCapacity(ids.count + 1)
        var total = 0
        for list in ids {
            total += list.reduce(0) { $0 + (row(of: $1) == nil ? 0 : 1) }
            offsets.append(total)
        }
        let (floats, overflow) = total.multipliedReportingOverflow(by: dim)
        guard !overflow, floats < Int(Int32.max) * 8 else { throw .outOfMemory("encode_as_sequence: \(total) token vectors are too many") }
        var vectors = [Float](repeating: 0, count: floats)
        vectors.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            var r = 0
            for list in ids {
                for id in list {
                    guard let row = row(of: id) else { continue }
                    rowKernel(table + row * dim * dtype.size, dim, weight(of: id), base + r * dim)
                    r += 1
                }
            }
        }
        return (offsets, vectors)
    }

    /// Convenience for Swift callers: encode strings into a flat array (count * dim).
    public func encode(_ texts: [String], options: EncodeOptions = EncodeOptions()) throws(M2VError) -> [Float] {
        var out = [Float](repeating: 0, count: texts.count * dim)
        try TextBatch.with(texts) { (batch: TextBatch) throws(M2VError) in
            try typed {
                try out.withUnsafeMutableBufferPointer { buf in
                    guard let base = buf.baseAddress else { return }
                    try encode(batch, options: options, out: base)
                }
            }
        }
        return out
    }
}

