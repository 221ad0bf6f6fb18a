// Command-line parsing for the m2v command: `--name value`, `--name=value`, boolean flags,
// `--` to end options, "-" as a positional (standard input). Hand-written rather than
// swift-argument-parser: that package pulls Foundation into a binary that otherwise needs only
// libc and libm2v, and the m2v command reports usage errors as M2V_ERR_INVALID_ARGUMENT like
// every other error (exit code = the C status).
import M2VSupport

struct OptionSpec {
    let name: String          // without "--"
    let short: Character?
    let value: String?        // the value's placeholder; nil = a flag
    let help: String
}

struct Arguments {
    var positional: [String] = []
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    init(_ argv: ArraySlice<String>, options: [OptionSpec], verb: String) throws(M2VError) {
        var i = argv.startIndex
        var onlyPositional = false
        while i < argv.endIndex {
            let a = argv[i]
            i += 1
            if onlyPositional || a == "-" || !a.hasPrefix("-") {
                positional.append(a)
                continue
            }
            if a == "--" { onlyPositional = true; continue }
            var name: String
            var inline: String?
            if a.hasPrefix("--") {
                name = String(a.dropFirst(2))
                if let eq = name.firstIndex(of: "=") {
                    inline = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
            } else {
                guard a.count == 2, let spec = options.first(where: { $0.short == a.last }) else {
                    throw .invalidArgument("\(verb): unknown option \(a) (m2v \(verb) --help lists them)")
                }
                name = spec.name
            }
            guard let spec = options.first(where: { $0.name == name }) else {
                throw .invalidArgument("\(verb): unknown option --\(name) (m2v \(verb) --help lists them)")
            }
            if spec.value == nil {
                if inline != nil { throw .invalidArgument("\(verb): --\(name) takes no value") }
                flags.insert(name)
            } else if let inline {
                values[name] = inline
            } else {
                guard i < argv.endIndex else { throw .invalidArgument("\(verb): --\(name) needs a value (\(spec.value ?? ""))") }
                values[name] = argv[i]
                i += 1
            }
        }
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }
    func string(_ name: String) -> String? { values[name] }

    func int(_ name: String, in range: ClosedRange<Int>) throws(M2VError) -> Int? {
        guard let s = values[name] else { return nil }
        guard let v = Int(s), range.contains(v) else {
            throw .invalidArgument("--\(name) \(s): expected an integer in \(range.lowerBound) ... \(range.upperBound)")
        }
        return v
    }

    func double(_ name: String) throws(M2VError) -> Double? {
        guard let s = values[name] else { return nil }
        guard let v = Double(s), v.isFinite else { throw .invalidArgument("--\(name) \(s): expected a number") }
        return v
    }

    func choice(_ name: String, _ choices: [String]) throws(M2VError) -> String? {
        guard let s = values[name] else { return nil }
        guard choices.contains(s) else {
            throw .invalidArgument("--\(name) \(s): expected one of \(choices.joined(separator: ", "))")
        }
        return s
    }

    /// Exactly `names.count` positionals, or between `min` and names.count.
    func positionals(_ verb: String, _ names: [String], min: Int? = nil) throws(M2VError) -> [String] {
        let lo = min ?? names.count
        guard positional.count >= lo && positional.count <= names.count else {
            throw .invalidArgument("\(verb): expected \(names.joined(separator: " ")), got \(positional.count) argument\(positional.count == 1 ? "" : "s") (m2v \(verb) --help)")
        }
        return positional
    }
}

/// The usage text of a verb from its synopsis, description and options.
func usage(_ verb: String, _ synopsis: String, _ about: String, _ options: [OptionSpec]) -> String {
    var s = "usage: m2v \(verb) \(synopsis)\n\n\(about)\n\noptions:\n"
    for o in options {
        var left = "  " + (o.short.map { "-\($0), " } ?? "    ") + "--\(o.name)"
        if let v = o.value { left += " \(v)" }
        if left.count < 30 { left += String(repeating: " ", count: 30 - left.count) } else { left += "\n" + String(repeating: " ", count: 30) }
        s += left + o.help + "\n"
    }
    return s
}
