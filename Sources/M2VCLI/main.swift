// The `m2v` command's entry point: picks the verb, runs it, and turns an error into a message on
// standard error ("m2v VERB: M2V_ERR_NAME: message") and an exit code equal to the C status
// (1 invalid argument, also for usage errors; 2 not found; 3 I/O; 4 format; 5 unsupported;
// 7 out of memory; 8 invalid UTF-8; 9 cancelled, e.g. Ctrl-C). Never a backtrace.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CM2V
import M2VSupport

let verbs: [(name: String, about: String, run: (ArraySlice<String>) throws(M2VError) -> Void)] = [
    ("encode", "embed texts (lines or JSONL) into .npy, .safetensors, JSONL or float32", EncodeCommand.run),
    ("tokenize", "token ids or strings of texts", TokenizeCommand.run),
    ("distill", "distill a static model from a transformer, as model2vec's distill()", DistillCommand.run),
    ("info", "describe a model folder or hub id", InfoCommand.run),
    ("similar", "the lines of a file nearest to a query", SimilarCommand.run),
]

/// The command's version (the header it was built with) and the loaded library's.
let version = "m2v \(M2V_VERSION_STRING) (libm2v \(String(cString: m2v_version_string())))"

@MainActor func mainHelp() -> String {
    var s = "usage: m2v VERB [options]   (m2v VERB --help for each)\n\nModel2Vec static embeddings from the shell, over libm2v.\n\nverbs:\n"
    for v in verbs { s += "  " + v.name + String(repeating: " ", count: 12 - v.name.count) + v.about + "\n" }
    s += """

    MODEL is a model folder or a Hugging Face hub id ("org/name", "org/name@revision") found in the
    local cache ($HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub); nothing is downloaded.
    Exit status: 0 on success, else the libm2v status of the failure (1 bad argument or usage,
    2 not found, 3 I/O, 4 malformed file, 5 unsupported, 7 out of memory, 8 invalid UTF-8,
    9 cancelled).

    """
    return s
}

Interrupt.install()
let argv = CommandLine.arguments
guard argv.count >= 2 else {
    eprint(mainHelp())
    exit(Int32(M2VError.Code.invalidArgument.rawValue))
}
switch argv[1] {
case "-h", "--help", "help":
    if argv.count > 2, let v = verbs.first(where: { $0.name == argv[2] }) {
        do { try v.run(["--help"]) } catch {}
    } else {
        print(mainHelp(), terminator: "")
    }
    exit(0)
case "-V", "--version", "version":
    print(version)
    exit(0)
default:
    break
}
guard let verb = verbs.first(where: { $0.name == argv[1] }) else {
    eprint("m2v: M2V_ERR_INVALID_ARGUMENT: unknown verb \"\(argv[1])\" (m2v --help lists them)\n")
    exit(Int32(M2VError.Code.invalidArgument.rawValue))
}
do {
    try verb.run(argv[2...])
    exit(0)
} catch {
    let name = String(cString: m2v_status_name(error.code.rawValue))
    eprint("m2v \(verb.name): \(name): \(error.message)\n")
    exit(error.code.rawValue)
}
