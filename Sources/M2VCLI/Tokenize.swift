// `m2v tokenize`: token ids or token strings of each text, one JSON array per line, as Hugging
// Face tokenizers' encode_batch gives them (tokenizer.json's truncation and padding applied), or
// with --encode-ids the ids m2v_encode pools (no special tokens, unknown tokens dropped,
// truncated to max_length).
import CM2V
import M2VSupport

enum TokenizeCommand {
    static let options = [
        OptionSpec(name: "tokens", short: nil, value: nil, help: "token strings instead of ids"),
        OptionSpec(name: "no-special-tokens", short: nil, value: nil, help: "without the post-processor's special tokens ([CLS] ... [SEP]); HF's add_special_tokens=False"),
        OptionSpec(name: "encode-ids", short: nil, value: nil, help: "MODEL only: the ids encode pools (no specials, no unknown token, truncated)"),
        OptionSpec(name: "max-length", short: nil, value: "N", help: "with --encode-ids: tokens per text, 0 = no limit (default: the model's)"),
        OptionSpec(name: "threads", short: "t", value: "N", help: "with --encode-ids: threads per call, 0 = all CPUs"),
    ] + inputOptions + [helpOption]

    static let help = usage("tokenize", "MODEL_OR_TOKENIZER [FILE|-] [options]",
        """
        Tokenize texts (one per line, or JSONL) from FILE or standard input. MODEL_OR_TOKENIZER is a
        tokenizer.json file, a folder holding one (a model folder), or a hub id in the local cache.
        Prints one JSON array per text: ids, or token strings with --tokens.
        """, options)

    static func run(_ argv: ArraySlice<String>) throws(M2VError) {
        let args = try Arguments(argv, options: options, verb: "tokenize")
        if args.flag("help") { print(help, terminator: ""); return }
        let pos = try args.positionals("tokenize", ["MODEL_OR_TOKENIZER", "[FILE]"], min: 1)
        let file = pos.count > 1 ? pos[1] : nil
        let encodeIds = args.flag("encode-ids")
        if !encodeIds && (args.string("max-length") != nil || args.string("threads") != nil) {
            throw .invalidArgument("--max-length and --threads go with --encode-ids")
        }
        if encodeIds && args.flag("no-special-tokens") {
            throw .invalidArgument("--encode-ids never adds special tokens; --no-special-tokens does not apply")
        }
        let size = try batchSize(args)
        let reader = try TextReader(path: file, format: try inputFormat(args, file: file))
        let progress = Progress(label: "tokenize", unit: "texts", mode: try progressMode(args))

        let source = try resolve(pos[0])
        var model: Model?
        let tokenizer: Tokenizer
        if FileIO.isDirectory(source) {
            let hasModel = FileIO.exists(source + "/model.safetensors") || FileIO.exists(source + "/modules.json")
            if encodeIds || (hasModel && !FileIO.exists(source + "/tokenizer.json")) {
                let m = try Model(path: source)
                model = m
                tokenizer = try Tokenizer(json: try m.tokenizerJSON())
            } else {
                tokenizer = try Tokenizer(path: source + "/tokenizer.json")
            }
        } else {
            if encodeIds { throw .invalidArgument("--encode-ids needs a model folder, not the file \(source)") }
            tokenizer = try Tokenizer(path: source)
        }
        var encParams = m2v_encode_default_params()
        if let m = try args.int("max-length", in: 0 ... Int(Int32.max)) { encParams.max_length = Int32(m) }
        if let t = try args.int("threads", in: 0 ... 4096) { encParams.n_threads = Int32(t) }
        var tokParams = m2v_tokenizer_encode_default_params()
        if args.flag("no-special-tokens") { tokParams.add_special_tokens = 0 }

        var sink = ByteSink(fd: 1, name: "<stdout>")
        var batch = TextBatch()
        var done = 0
        var line: [UInt8] = []
        while try reader.read(into: &batch, maxTexts: size) {
            if Interrupt.requested { throw .cancelled("interrupted by Ctrl-C after \(done) texts") }
            var ids: UnsafeMutablePointer<m2v_ids>?
            defer { m2v_ids_free(ids) }
            do {
                try withCTexts(batch) { (texts, lengths, n) throws(M2VError) in
                    if let model {
                        try check(m2v_tokenize(model.handle, texts, lengths, n, &encParams, &ids))
                    } else {
                        try check(m2v_tokenizer_encode_v2(tokenizer.handle, texts, lengths, n, &tokParams, &ids))
                    }
                }
            } catch {
                throw error.context(reader.name)
            }
            guard let r = ids?.pointee else { throw M2VError(.internal, "no ids returned") }
            for i in 0..<batch.count {
                line.removeAll(keepingCapacity: true)
                line.append(UInt8(ascii: "["))
                for j in r.offsets[i] ..< r.offsets[i + 1] {
                    if j > r.offsets[i] { line.append(UInt8(ascii: ",")) }
                    let id = r.ids[j]
                    if args.flag("tokens") {
                        JSON.appendSerdeString(tokenizer.token(id) ?? "", to: &line)
                    } else {
                        line.append(contentsOf: String(id).utf8)
                    }
                }
                line.append(contentsOf: "]\n".utf8)
                try line.withUnsafeBufferPointer { (b) throws(M2VError) in try sink.append(UnsafeRawBufferPointer(b)) }
            }
            done += batch.count
            batch.removeAll()
            progress.update(done: done, fraction: reader.totalBytes.map { Double(reader.bytesConsumed) / Double(max($0, 1)) })
        }
        try sink.flush()
        progress.finish(done: done, fraction: reader.totalBytes == nil ? nil : 1)
    }
}
