// Progress and interruption for the m2v command: a one-line progress display on standard error
// (only when it is a terminal, unless forced), and Ctrl-C as a request to stop that long work
// checks between batches (the first Ctrl-C; a second one kills as usual).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Set by the SIGINT handler; read between batches and by libm2v progress callbacks.
nonisolated(unsafe) private var interruptFlag: UnsafeMutablePointer<sig_atomic_t> = {
    let p = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
    p.initialize(to: 0)
    return p
}()

enum Interrupt {
    /// Installs the handler (once, at start-up, before any work).
    static func install() {
        _ = interruptFlag  // initialize the global before the handler can run
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in interruptFlag.pointee = 1 }
        action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)  // a second Ctrl-C gets the default action
        sigemptyset(&action.sa_mask)
        sigaction(SIGINT, &action, nil)
    }

    static var requested: Bool { interruptFlag.pointee != 0 }
}

/// A progress line: "verb: 12,345 texts  41.2k/s  37%".
final class Progress {
    let label: String
    let unit: String
    let enabled: Bool
    private let startTime = Progress.now()
    private var lastDraw = 0.0
    private var drawn = false
    private var lastDone = 0

    init(label: String, unit: String, mode: ProgressMode) {
        self.label = label
        self.unit = unit
        switch mode {
        case .on: enabled = true
        case .off: enabled = false
        case .auto: enabled = isatty(2) != 0
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// `fraction` in 0...1 when the total is known.
    func update(done: Int, fraction: Double?, force: Bool = false) {
        guard enabled else { return }
        lastDone = done
        let t = Progress.now()
        guard force || t - lastDraw >= 0.1 else { return }
        lastDraw = t
        let elapsed = max(t - startTime, 1e-9)
        var line = "\r\u{1B}[K\(label): \(grouped(done)) \(unit)  \(compact(Double(done) / elapsed))/s"
        if let fraction { line += "  \(Int((min(max(fraction, 0), 1) * 100).rounded(.down)))%" }
        eprint(line)
        drawn = true
    }

    /// Ends the line (a final update first).
    func finish(done: Int? = nil, fraction: Double?) {
        guard enabled else { return }
        update(done: done ?? lastDone, fraction: fraction, force: true)
        if drawn { eprint("\n") }
    }
}

enum ProgressMode { case auto, on, off }

func grouped(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, ch) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 && ch != "-" { out.append(",") }
        out.append(ch)
    }
    return out
}

func compact(_ x: Double) -> String {
    if x >= 1e6 { return String(format1(x / 1e6)) + "M" }
    if x >= 1e3 { return String(format1(x / 1e3)) + "k" }
    return String(Int(x.rounded()))
}

/// One decimal, without Foundation's String(format:).
func format1(_ x: Double) -> String {
    let tenths = Int((x * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}
