// `m2v distill`: model2vec's distill() from the shell (m2v_distill), with its options, a
// progress display over the vocabulary and Ctrl-C (nothing is written when interrupted).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CM2V
import M2VSupport

enum DistillCommand {
    static let options = [
        OptionSpec(name: "pca-dims", short: nil, value: "N|auto|none|F", help: "model2vec's pca_dims: N dimensions (default 256), auto (PCA, no reduction), none (no PCA), or a fraction F in (0, 1) of variance to keep"),
        OptionSpec(name: "sif-coefficient", short: nil, value: "A|none", help: "SIF/Zipf weighting a / (a + p(rank)) (default 1e-4); none = no weighting"),
        OptionSpec(name: "quantize-to", short: nil, value: "float16|float32|float64|int8", help: "the table's dtype (default float16)"),
        OptionSpec(name: "pooling", short: nil, value: "mean|first|last|pooler", help: "how the teacher's hidden states become one vector (default mean)"),
        OptionSpec(name: "vocabulary", short: nil, value: "FILE", help: "extra words, one per line (model2vec's vocabulary)"),
        OptionSpec(name: "token-remove-pattern", short: nil, value: "RE|none", help: "Python regex of tokens to drop (default \\[unused\\d+\\]); none keeps all"),
        OptionSpec(name: "vocabulary-quantization", short: nil, value: "K", help: "k-means the vectors into K clusters (default off)"),
        OptionSpec(name: "model-name", short: nil, value: "NAME", help: "base model name in config.json and the model card (default: TEACHER as given)"),
        OptionSpec(name: "threads", short: "t", value: "N", help: "threads for the forward pass, 0 = all CPUs (default 0)"),
        OptionSpec(name: "progress", short: nil, value: nil, help: "show progress even when standard error is not a terminal"),
        OptionSpec(name: "quiet", short: "q", value: nil, help: "no progress display"),
        helpOption,
    ]

    static let help = usage("distill", "TEACHER OUT [options]",
        """
        Distill a static model from TEACHER, a sentence-transformers / Hugging Face model folder or a
        hub id in the local cache (BERT, RoBERTa, XLM-R, DistilBERT, MPNet, ModernBERT, or a
        Qwen3/Qwen2/Llama/Mistral decoder with --pooling last; safetensors weights), as model2vec's
        distill() does, and save it to the folder OUT (it appears when complete). Ctrl-C stops
        between batches of tokens and writes nothing (exit 9).
        """, options)

    static func run(_ argv: ArraySlice<String>) throws(M2VError) {
        let args = try Arguments(argv, options: options, verb: "distill")
        if args.flag("help") { print(help, terminator: ""); return }
        let pos = try args.positionals("distill", ["TEACHER", "OUT"])
        var p = m2v_distill_default_params()
        if let s = args.string("pca-dims") {
            switch s {
            case "auto": p.pca_dims = -1
            case "none": p.pca_dims = 0
            default:
                if let n = Int(s), n >= 0, n <= Int(Int32.max) {
                    p.pca_dims = Int32(n)
                } else if let f = Double(s), f > 0, f < 1 {
                    p.explained_variance = f
                } else {
                    throw .invalidArgument("--pca-dims \(s): expected an integer, auto, none or a fraction in (0, 1)")
                }
            }
        }
        if let s = args.string("sif-coefficient") {
            if s == "none" { p.sif_coefficient = 0 } else if let a = try args.double("sif-coefficient") { p.sif_coefficient = a }
        }
        switch try args.choice("quantize-to", ["float16", "float32", "float64", "int8"]) {
        case "float32": p.quantize_to = Int32(M2V_QUANTIZE_FLOAT32.rawValue)
        case "float64": p.quantize_to = Int32(M2V_QUANTIZE_FLOAT64.rawValue)
        case "int8": p.quantize_to = Int32(M2V_QUANTIZE_INT8.rawValue)
        case "float16": p.quantize_to = Int32(M2V_QUANTIZE_FLOAT16.rawValue)
        default: break
        }
        switch try args.choice("pooling", ["mean", "first", "last", "pooler"]) {
        case "first": p.pooling = Int32(M2V_POOLING_FIRST.rawValue)
        case "last": p.pooling = Int32(M2V_POOLING_LAST.rawValue)
        case "pooler": p.pooling = Int32(M2V_POOLING_POOLER.rawValue)
        case "mean": p.pooling = Int32(M2V_POOLING_MEAN.rawValue)
        default: break
        }
        if let k = try args.int("vocabulary-quantization", in: 0 ... Int(Int32.max)) { p.vocabulary_quantization = Int32(k) }
        if let t = try args.int("threads", in: 0 ... 4096) { p.n_threads = Int32(t) }
        if args.flag("progress") && args.flag("quiet") { throw .invalidArgument("--progress and --quiet exclude each other") }

        // Extra words: all of them are one call's input (bounded by Input.maxBatchBytes).
        var words = TextBatch()
        if let path = args.string("vocabulary") {
            let reader = try TextReader(path: path, format: .lines)
            while try reader.read(into: &words, maxTexts: Int.max) {
                if words.arena.count >= Input.maxBatchBytes {
                    throw .invalidArgument("--vocabulary \(path): more than \(Input.maxBatchBytes) bytes of words")
                }
            }
        }
        let progress = Progress(label: "distill", unit: "tokens", mode: args.flag("progress") ? .on : args.flag("quiet") ? .off : .auto)
        p.progress = { done, total, user in
            if let user {
                Unmanaged<Progress>.fromOpaque(user).takeUnretainedValue()
                    .update(done: done, fraction: total > 0 ? Double(done) / Double(total) : nil)
            }
            return Interrupt.requested ? 1 : 0
        }
        p.progress_user_data = Unmanaged.passUnretained(progress).toOpaque()

        let pattern = args.string("token-remove-pattern")
        if pattern == "none" { p.remove_unused_tokens = 0 }
        let patternC = pattern.flatMap { $0 == "none" ? nil : strdup($0) }
        let nameC = args.string("model-name").flatMap { strdup($0) }
        defer { free(patternC); free(nameC) }
        p.token_remove_pattern = UnsafePointer(patternC)
        p.base_model_name = UnsafePointer(nameC)

        let status: m2v_status = withCTextsOrNone(words) { texts, lengths, n in
            p.vocabulary = texts
            p.vocabulary_lengths = lengths
            p.n_vocabulary = n
            return m2v_distill(pos[0], &p, pos[1])
        }
        if status == M2V_ERR_CANCELLED && Interrupt.requested {
            progress.finish(fraction: nil)
            throw .cancelled("interrupted by Ctrl-C; \(pos[1]) not written")
        }
        try check(status)
        progress.finish(fraction: 1)
        if progress.enabled { eprint("distill: wrote \(pos[1])\n") }
    }

    /// The words as C arrays, or NULLs when there are none.
    static func withCTextsOrNone(_ words: TextBatch,
                                 _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int>?, Int) -> m2v_status) -> m2v_status {
        if words.count == 0 { return body(nil, nil, 0) }
        do {
            return try withCTexts(words) { (t, l, n) throws(M2VError) in body(t, l, n) }
        } catch {
            return M2V_ERR_INTERNAL
        }
    }
}
