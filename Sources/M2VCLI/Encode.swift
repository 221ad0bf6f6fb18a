// `m2v encode` and `m2v similar`: texts in, one vector per text out (streamed batch by batch),
// and the nearest lines of a file to a query. Both use m2v_encode with the library's defaults
// unless an option overrides them.
import CM2V
import M2VSupport

enum Encode {
    /// The most floats one batch's vectors may take (512 MiB): --batch-size x dim is checked.
    static let maxBatchFloats = 1 << 27
}

let helpOption = OptionSpec(name: "help", short: "h", value: nil, help: "show this help")

/// Options shared by the verbs that read texts.
let inputOptions = [
    OptionSpec(name: "field", short: nil, value: "NAME", help: "read JSONL: the text is in field NAME (default \"text\" for .jsonl/.ndjson files)"),
    OptionSpec(name: "input-format", short: nil, value: "lines|jsonl", help: "how to read FILE (default: jsonl for .jsonl/.ndjson or with --field, else lines)"),
    OptionSpec(name: "batch-size", short: "b", value: "N", help: "texts per library call; memory holds one batch (default: libm2v's, 1024)"),
    OptionSpec(name: "progress", short: nil, value: nil, help: "show progress on standard error even when it is not a terminal"),
    OptionSpec(name: "quiet", short: "q", value: nil, help: "no progress display"),
]

/// Options shared by the verbs that encode.
let encodeParamOptions = [
    OptionSpec(name: "threads", short: "t", value: "N", help: "threads per call, 0 = all CPUs (default 0)"),
    OptionSpec(name: "normalize", short: nil, value: nil, help: "L2-normalize the vectors (default: the model's config)"),
    OptionSpec(name: "no-normalize", short: nil, value: nil, help: "do not normalize"),
    OptionSpec(name: "max-length", short: nil, value: "N", help: "tokens per text, 0 = no limit (default: the model's, 512)"),
    OptionSpec(name: "invalid-text", short: nil, value: "error|replace|skip", help: "a line that is not UTF-8: fail (default), decode with U+FFFD, or give a zero vector"),
]

func inputFormat(_ args: Arguments, file: String?) throws(M2VError) -> InputFormat {
    let named = try args.choice("input-format", ["lines", "jsonl"])
    let byName = file.map { $0.lowercased().hasSuffix(".jsonl") || $0.lowercased().hasSuffix(".ndjson") } ?? false
    if named == "lines" {
        if args.string("field") != nil { throw .invalidArgument("--field reads JSONL; it cannot go with --input-format lines") }
        return .lines
    }
    if named == "jsonl" || args.string("field") != nil || byName { return .jsonl(field: args.string("field") ?? "text") }
    return .lines
}

func progressMode(_ args: Arguments) throws(M2VError) -> ProgressMode {
    if args.flag("progress") && args.flag("quiet") { throw .invalidArgument("--progress and --quiet exclude each other") }
    return args.flag("progress") ? .on : args.flag("quiet") ? .off : .auto
}

func batchSize(_ args: Arguments) throws(M2VError) -> Int {
    let d = m2v_encode_default_params().batch_size
    return try args.int("batch-size", in: 1 ... (1 << 20)) ?? (d > 0 ? d : 1024)
}

func encodeParams(_ args: Arguments) throws(M2VError) -> m2v_encode_params {
    var p = m2v_encode_default_params()
    if let t = try args.int("threads", in: 0 ... 4096) { p.n_threads = Int32(t) }
    if args.flag("normalize") && args.flag("no-normalize") { throw .invalidArgument("--normalize and --no-normalize exclude each other") }
    if args.flag("normalize") { p.normalize = 1 }
    if args.flag("no-normalize") { p.normalize = 0 }
    if let m = try args.int("max-length", in: 0 ... Int(Int32.max)) { p.max_length = Int32(m) }
    switch try args.choice("invalid-text", ["error", "replace", "skip"]) {
    case "replace": p.invalid_text = Int32(M2V_INVALID_TEXT_REPLACE.rawValue)
    case "skip": p.invalid_text = Int32(M2V_INVALID_TEXT_SKIP.rawValue)
    default: break
    }
    return p
}

/// m2v_encode on one batch into `out` (batch.count * dim floats). A failing text is named by
/// its input line.
func encodeBatch(_ model: Model, _ batch: TextBatch, _ params: m2v_encode_params, into out: inout [Float],
                 source: String) throws(M2VError) {
    var p = params
    var status = [Int32](repeating: 0, count: batch.count + 1)
    let need = batch.count * model.dim
    guard need <= Encode.maxBatchFloats else {
        throw .invalidArgument("--batch-size: \(batch.count) texts x dim \(model.dim) is more than \(Encode.maxBatchFloats * 4 >> 20) MiB of vectors; use a smaller --batch-size")
    }
    if out.count < need { out = [Float](repeating: 0, count: need) }
    do {
        try withCTexts(batch) { (texts, lengths, n) throws(M2VError) in
            try status.withUnsafeMutableBufferPointer { (st) throws(M2VError) in
                p.text_status = st.baseAddress
                try out.withUnsafeMutableBufferPointer { (o) throws(M2VError) in
                    try check(m2v_encode(model.handle, texts, lengths, n, &p, o.baseAddress, o.count))
                }
            }
        }
    } catch {
        if let i = status.prefix(batch.count).firstIndex(where: { $0 != 0 }) {
            throw error.context("\(source) line \(batch.lines[i])")
        }
        throw error
    }
}

enum EncodeCommand {
    static let options = [
        OptionSpec(name: "out", short: "o", value: "PATH", help: "write to PATH; its extension picks the format (.npy, .safetensors, .jsonl, .f32). Default: JSONL on standard output"),
        OptionSpec(name: "format", short: "f", value: "npy|safetensors|jsonl|f32", help: "the output format, whatever the extension (f32: raw little-endian float32 rows)"),
    ] + inputOptions + encodeParamOptions + [helpOption]

    static let help = usage("encode", "MODEL [FILE|-] [options]",
        """
        Embed texts, one per line (or one JSON object per line), from FILE or standard input, with
        MODEL: a model folder or a Hugging Face hub id found in the local cache (as from_pretrained).
        Streams: memory holds one batch of texts and vectors, whatever the input's size. Output rows
        are in input order, one per text (an empty line is a text: a zero vector). A file given with
        --out appears only when complete. Ctrl-C stops between batches (exit 9, no file written).
        """, options)

    static func run(_ argv: ArraySlice<String>) throws(M2VError) {
        let args = try Arguments(argv, options: options, verb: "encode")
        if args.flag("help") { print(help, terminator: ""); return }
        let pos = try args.positionals("encode", ["MODEL", "[FILE]"], min: 1)
        let file = pos.count > 1 ? pos[1] : nil
        let out = args.string("out")
        let format: OutputFormat
        if let f = try args.choice("format", OutputFormat.allCases.map(\.rawValue)) {
            format = OutputFormat(rawValue: f) ?? .jsonl
        } else if let out, out != "-" {
            guard let f = OutputFormat.from(path: out) else {
                throw .invalidArgument("--out \(out): cannot tell the format from the extension; add --format npy|safetensors|jsonl|f32")
            }
            format = f
        } else {
            format = .jsonl
        }
        let params = try encodeParams(args)
        let size = try batchSize(args)
        let reader = try TextReader(path: file, format: try inputFormat(args, file: file))
        let progress = Progress(label: "encode", unit: "texts", mode: try progressMode(args))
        let model = try Model(path: pos[0])
        let writer = try VectorWriter(path: out, format: format, dim: model.dim)
        var batch = TextBatch()
        var vectors: [Float] = []
        while try reader.read(into: &batch, maxTexts: size) {
            if Interrupt.requested { throw .cancelled("interrupted by Ctrl-C after \(writer.rows) texts; no output file written") }
            try encodeBatch(model, batch, params, into: &vectors, source: reader.name)
            try vectors.withUnsafeBufferPointer { (v) throws(M2VError) in try writer.write(v, rows: batch.count) }
            batch.removeAll()
            progress.update(done: writer.rows, fraction: reader.totalBytes.map { Double(reader.bytesConsumed) / Double(max($0, 1)) })
        }
        if Interrupt.requested { throw .cancelled("interrupted by Ctrl-C; no output file written") }
        try writer.finish()
        progress.finish(done: writer.rows, fraction: reader.totalBytes == nil ? nil : 1)
    }
}

enum SimilarCommand {
    static let options = [
        OptionSpec(name: "top", short: "k", value: "K", help: "how many lines to show (default 10)"),
        OptionSpec(name: "json", short: nil, value: nil, help: "one JSON object per result: rank, score, line, text"),
    ] + inputOptions + encodeParamOptions.filter { $0.name != "normalize" && $0.name != "no-normalize" } + [helpOption]

    static let help = usage("similar", "MODEL QUERY FILE|- [options]",
        """
        The lines of FILE closest to QUERY by cosine similarity of their MODEL vectors, best first:
        "score<TAB>line number<TAB>text". For a first look at a model or a corpus; FILE is streamed,
        memory holds one batch and the best K lines.
        """, options)

    struct Hit { var score: Float; var line: Int; var text: String }

    static func cosine(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for i in 0..<min(a.count, b.count) {
            dot += a[i] * b[i]
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        let d = (na * nb).squareRoot()
        return d > 0 ? dot / d : 0
    }

    static func run(_ argv: ArraySlice<String>) throws(M2VError) {
        let args = try Arguments(argv, options: options, verb: "similar")
        if args.flag("help") { print(help, terminator: ""); return }
        let pos = try args.positionals("similar", ["MODEL", "QUERY", "FILE"])
        let k = try args.int("top", in: 1 ... 100_000) ?? 10
        let params = try encodeParams(args)
        let size = try batchSize(args)
        let reader = try TextReader(path: pos[2], format: try inputFormat(args, file: pos[2]))
        let progress = Progress(label: "similar", unit: "texts", mode: try progressMode(args))
        let model = try Model(path: pos[0])
        let dim = model.dim
        var queryBatch = TextBatch()
        queryBatch.append(pos[1], line: 0)
        var query: [Float] = []
        try encodeBatch(model, queryBatch, params, into: &query, source: "QUERY")
        var best: [Hit] = []  // sorted, best first, at most k
        var batch = TextBatch()
        var vectors: [Float] = []
        var seen = 0
        while try reader.read(into: &batch, maxTexts: size) {
            if Interrupt.requested { throw .cancelled("interrupted by Ctrl-C after \(seen) lines") }
            try encodeBatch(model, batch, params, into: &vectors, source: reader.name)
            query.withUnsafeBufferPointer { q in
                vectors.withUnsafeBufferPointer { v in
                    for i in 0..<batch.count {
                        let row = UnsafeBufferPointer(rebasing: v[i * dim ..< (i + 1) * dim])
                        let s = cosine(UnsafeBufferPointer(rebasing: q[0 ..< dim]), row)
                        if best.count == k, let last = best.last, !(s > last.score) { continue }
                        let at = best.firstIndex(where: { s > $0.score }) ?? best.count
                        best.insert(Hit(score: s, line: batch.lines[i], text: batch.text(i)), at: at)
                        if best.count > k { best.removeLast() }
                    }
                }
            }
            seen += batch.count
            batch.removeAll()
            progress.update(done: seen, fraction: reader.totalBytes.map { Double(reader.bytesConsumed) / Double(max($0, 1)) })
        }
        progress.finish(done: seen, fraction: reader.totalBytes == nil ? nil : 1)
        var sink = ByteSink(fd: 1, name: "<stdout>")
        for (rank, h) in best.enumerated() {
            if args.flag("json") {
                let obj = JSON.object([("rank", .number(Double(rank + 1))), ("score", .number(Double(h.score))),
                                       ("line", .number(Double(h.line))), ("text", .string(h.text))])
                try sink.append(obj.serialized() + "\n")
            } else {
                let flat = h.text.map { $0 == "\t" || $0 == "\n" ? " " : String($0) }.joined()
                try sink.append("\(format4(h.score))\t\(h.line)\t\(flat)\n")
            }
        }
        try sink.flush()
    }
}

/// Four decimals, without Foundation.
func format4(_ x: Float) -> String {
    if x.isNaN { return "nan" }
    let neg = x < 0
    let v = Int((abs(Double(x)) * 10_000).rounded())
    let frac = String(v % 10_000)
    return (neg ? "-" : "") + "\(v / 10_000)." + String(repeating: "0", count: 4 - frac.count) + frac
}
