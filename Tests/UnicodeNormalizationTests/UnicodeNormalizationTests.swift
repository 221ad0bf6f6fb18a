// UnicodeNormalizationTests — checks normalization, categories and lowercase for every code point
// against reference data generated once from Python 3.11's unicodedata (Unicode 14.0.0) by
// scripts/gen_unicode_tables.py and committed in Data/ next to this file.
import XCTest
import M2VSupport
@testable import UnicodeNormalization

private let dataDir: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast()
    return parts.joined(separator: "/") + "/Data"
}()

/// Non-comment, non-empty lines of a data file, split on ';' (empty fields kept).
private func records(_ name: String) throws -> [[Substring]] {
    let bytes = try FileIO.read(dataDir + "/" + name)
    let text = String(decoding: bytes, as: UTF8.self)
    return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map {
        $0.split(separator: ";", omittingEmptySubsequences: false)
    }
}

private func hex(_ s: Substring) -> UInt32? { UInt32(s, radix: 16) }

private func scalars(_ field: Substring) -> [UInt32] {
    field.split(separator: " ").compactMap { UInt32($0, radix: 16) }
}

private let forms: [NormalizationForm] = [.nfd, .nfc, .nfkd, .nfkc]

private func show(_ a: [UInt32]) -> String {
    a.map { String($0, radix: 16, uppercase: true) }.joined(separator: " ")
}

final class UnicodeNormalizationTests: XCTestCase {
    func testTablesDecodeAndValidate() {
        let start = clock_gettime_ns()
        let t = UnicodeTables()
        let ms = Double(clock_gettime_ns() - start) / 1e6
        XCTAssertTrue(t.valid)
        XCTAssertTrue(unicodeTables.valid)
        XCTAssertEqual(UnicodeNormalization.unicodeVersion, "14.0.0")
        // Debug build; release is several times faster.
        XCTAssertLessThan(ms, 500, "decoding took \(ms) ms")
        print("UnicodeTables decode: \(ms) ms (debug build)")
    }

    /// Every code point, every form: listed ones equal the reference, the rest are unchanged;
    /// plus a Python-computed hash over all results (covers the Hangul syllables).
    func testEveryCodePoint() throws {
        var expected: [UInt32: [[UInt32]]] = [:]
        for r in try records("normalization_cps.txt") {
            guard r.count == 5, let cp = hex(r[0]) else { XCTFail("bad line \(r)"); continue }
            expected[cp] = (1...4).map { r[$0] == "=" ? [cp] : scalars(r[$0]) }
        }
        XCTAssertGreaterThan(expected.count, 5000)
        var sums: [String: UInt64] = [:]
        for r in try records("checksums.txt") {
            let f = r[0].split(separator: " ")
            if f.count == 2, let v = UInt64(f[1], radix: 16) { sums[String(f[0])] = v }
        }
        let names = ["NFD", "NFC", "NFKD", "NFKC"]
        var out: [UInt32] = []
        var failures = 0
        for (fi, form) in forms.enumerated() {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            for cp in UInt32(0)..<0x110000 where !(0xD800...0xDFFF).contains(cp) {
                out.removeAll(keepingCapacity: true)
                withUnsafePointer(to: cp) { UnicodeNormalization.normalize(UnsafeBufferPointer(start: $0, count: 1), form, into: &out) }
                for o in out { h = (h ^ UInt64(o)) &* 0x100_0000_01B3 }
                h = (h ^ 0xFFFF_FFFF) &* 0x100_0000_01B3
                let isHangul = cp >= 0xAC00 && cp < 0xAC00 + 11172
                if isHangul { continue }
                let want = expected[cp]?[fi] ?? [cp]
                if out != want {
                    failures += 1
                    if failures < 20 { XCTFail("\(names[fi]) U+\(show([cp])): got \(show(out)) want \(show(want))") }
                }
            }
            XCTAssertEqual(h, sums[names[fi]], "hash over all code points, \(names[fi])")
        }
        XCTAssertEqual(failures, 0)
        // Surrogates and values above U+10FFFF pass through unchanged.
        for cp: UInt32 in [0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0x110000, 0x7FFF_FFFF, 0xFFFF_FFFF] {
            for form in forms {
                XCTAssertEqual(UnicodeNormalization.normalize([cp, 0x301, 0x41], form), [cp, 0x301, 0x41])
            }
        }
    }

    func testSequences() throws {
        let lines = try records("normalization_sequences.txt")
        XCTAssertGreaterThan(lines.count, 500)
        let names = ["NFD", "NFC", "NFKD", "NFKC"]
        for r in lines {
            guard r.count == 5 else { XCTFail("bad line \(r)"); continue }
            let input = scalars(r[0])
            for (fi, form) in forms.enumerated() {
                let want = scalars(r[fi + 1])
                XCTAssertEqual(UnicodeNormalization.normalize(input, form), want,
                               "\(names[fi]) of \(show(input))")
                // Appending keeps what was already in the output.
                var out: [UInt32] = [0x61, 0x62]
                input.withUnsafeBufferPointer { UnicodeNormalization.normalize($0, form, into: &out) }
                XCTAssertEqual(out, [0x61, 0x62] + want)
                // Normalization is idempotent.
                XCTAssertEqual(UnicodeNormalization.normalize(want, form), want)
                XCTAssertTrue(want.withUnsafeBufferPointer { UnicodeNormalization.isNormalized($0, form) })
            }
        }
    }

    func testSpotValues() {
        let n: ([UInt32], NormalizationForm) -> [UInt32] = UnicodeNormalization.normalize
        let ascii = Array("Hello, World! 123".unicodeScalars.map(\.value))
        for form in forms { XCTAssertEqual(n(ascii, form), ascii) }
        XCTAssertEqual(n([], .nfc), [])
        XCTAssertEqual(n([0x65, 0x301], .nfc), [0xE9])
        XCTAssertEqual(n([0xE9], .nfd), [0x65, 0x301])
        XCTAssertEqual(n([0x212B], .nfc), [0xC5])                     // singleton
        XCTAssertEqual(n([0x1100, 0x1161, 0x11A8], .nfc), [0xAC01])   // Hangul LVT
        XCTAssertEqual(n([0xAC01], .nfd), [0x1100, 0x1161, 0x11A8])
        XCTAssertEqual(n([0xFB01], .nfkc), [0x66, 0x69])              // ﬁ
        XCTAssertEqual(n([0x958], .nfc), [0x915, 0x93C])              // composition exclusion
        XCTAssertEqual(n([0x61, 0x323, 0x302, 0x300], .nfd), [0x61, 0x323, 0x302, 0x300])
        XCTAssertEqual(n([0x61, 0x302, 0x323], .nfd), [0x61, 0x323, 0x302])
        XCTAssertEqual(n([0x61, 0x302, 0x323], .nfc), [0x1EAD])
        XCTAssertEqual(n([0x78, 0x61, 0x301, 0x62, 0x301, 0x79], .nfc), [0x78, 0xE1, 0x62, 0x301, 0x79])
    }

    func testCategoriesEveryCodePoint() throws {
        let names = ["Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd",
                     "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc",
                     "Cf", "Cs", "Co", "Cn"]
        var starts: [(UInt32, String)] = []
        for r in try records("categories.txt") {
            if r.count == 2, let cp = hex(r[0]) { starts.append((cp, String(r[1]))) }
        }
        XCTAssertGreaterThan(starts.count, 3000)
        starts.append((0x110000, ""))
        var bad = 0
        for k in 0..<(starts.count - 1) {
            for cp in starts[k].0..<starts[k + 1].0 {
                let got = names[Int(UnicodeProperties.generalCategory(cp).rawValue)]
                if got != starts[k].1 {
                    bad += 1
                    if bad < 10 { XCTFail("U+\(show([cp])): \(got) want \(starts[k].1)") }
                }
            }
        }
        XCTAssertEqual(bad, 0)
        XCTAssertEqual(UnicodeProperties.generalCategory(0x110000), .Cn)
        XCTAssertEqual(UnicodeProperties.generalCategory(0xFFFF_FFFF), .Cn)
        XCTAssertEqual(UnicodeProperties.generalCategory(0xD800), .Cs)
        XCTAssertEqual(UnicodeProperties.generalCategory(0x41), .Lu)
        XCTAssertEqual(UnicodeProperties.generalCategory(0x4E00), .Lo)
        XCTAssertEqual(UnicodeProperties.generalCategory(0x1F600), .So)
    }

    func testLowercaseEveryCodePoint() throws {
        var expected: [UInt32: [UInt32]] = [:]
        for r in try records("lowercase.txt") {
            if r.count == 2, let cp = hex(r[0]) { expected[cp] = scalars(r[1]) }
        }
        XCTAssertGreaterThan(expected.count, 1300)
        var out: [UInt32] = []
        var bad = 0
        for cp in UInt32(0)..<0x110000 {
            out.removeAll(keepingCapacity: true)
            UnicodeProperties.appendLowercase(cp, into: &out)
            let want = expected[cp] ?? [cp]
            if out != want || UnicodeProperties.lowercaseFirst(cp) != want[0] {
                bad += 1
                if bad < 10 { XCTFail("lower U+\(show([cp])): \(show(out)) want \(show(want))") }
            }
        }
        XCTAssertEqual(bad, 0)
        out.removeAll()
        UnicodeProperties.appendLowercase(0x130, into: &out)
        XCTAssertEqual(out, [0x69, 0x307])
        out.removeAll()
        for cp: UInt32 in [0x3A3, 0x41, 0x7A, 0x110000, 0xFFFF_FFFF] { UnicodeProperties.appendLowercase(cp, into: &out) }
        XCTAssertEqual(out, [0x3C3, 0x61, 0x7A, 0x110000, 0xFFFF_FFFF])
    }

    func testDerivedProperties() {
        typealias P = UnicodeProperties
        let ws: [UInt32] = [9, 10, 11, 12, 13, 0x20, 0x85, 0xA0, 0x1680] + Array(0x2000...0x200A)
            + [0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
        for cp in UInt32(0)..<0x110000 where P.isWhitespace(cp) != ws.contains(cp) {
            XCTFail("isWhitespace U+\(show([cp]))")
        }
        XCTAssertFalse(P.isWhitespace(0x1C))
        XCTAssertFalse(P.isWhitespace(0x200B))
        XCTAssertFalse(P.isWhitespace(0x180E))
        XCTAssertFalse(P.isWhitespace(0xFFFF_FFFF))

        // Alphabetic contains every Unicode 14 letter and letter number, and no Cs/Co/Cc.
        var notAlpha: [UInt32] = []
        for cp in UInt32(0)..<0x110000 {
            let a = P.isAlphabetic(cp)
            switch P.generalCategory(cp) {
            case .Lu, .Ll, .Lt, .Lm, .Lo, .Nl: if !a { notAlpha.append(cp) }
            case .Cs, .Co, .Cc: XCTAssertFalse(a)
            default: break
            }
        }
        XCTAssertEqual(notAlpha, [])
        XCTAssertTrue(P.isAlphabetic(0x41) && P.isAlphabetic(0x7A) && !P.isAlphabetic(0x30))
        XCTAssertTrue(P.isAlphabetic(0x345))   // COMBINING GREEK YPOGEGRAMMENI (Other_Alphabetic)
        XCTAssertTrue(P.isAlphabetic(0x24B6))  // CIRCLED LATIN CAPITAL LETTER A (So, Other_Alphabetic)
        XCTAssertFalse(P.isAlphabetic(0x301))
        XCTAssertFalse(P.isAlphabetic(0x110000))

        XCTAssertTrue(P.isNumeric(0x30) && P.isNumeric(0x39) && !P.isNumeric(0x41))
        XCTAssertTrue(P.isNumeric(0x11F50))    // KAWI DIGIT ZERO (Unicode 15, Rust std knows it)
        XCTAssertTrue(P.isNumeric(0x2160) && P.isNumeric(0xBD) && P.isNumeric(0x664))
        XCTAssertFalse(P.isNumeric(0x4E00))
        XCTAssertTrue(P.isPunctuation(0x21) && P.isPunctuation(0x2D) && P.isPunctuation(0x3002))
        XCTAssertFalse(P.isPunctuation(0x24))   // $ is Sc
        XCTAssertFalse(P.isPunctuation(0x2B))   // + is Sm
        XCTAssertTrue(P.isMark(0x301) && P.isMark(0x93E) && P.isMark(0x20DD) && !P.isMark(0x41))
        XCTAssertTrue(P.isOther(0x0) && P.isOther(0x200B) && P.isOther(0xE000) && P.isOther(0x378))
        XCTAssertFalse(P.isOther(0x20))
        XCTAssertEqual(P.combiningClass(0x301), 230)
        XCTAssertEqual(P.combiningClass(0x323), 220)
        XCTAssertEqual(P.combiningClass(0x41), 0)
        XCTAssertEqual(P.combiningClass(0xFFFF_FFFF), 0)
    }

    /// Rust's is_numeric and BertPreTokenizer's punctuation on every code point.
    func testRustSetsEveryCodePoint() throws {
        var numeric = Set<UInt32>(), punct = Set<UInt32>()
        for r in try records("rust_sets.txt") {
            guard r.count == 3, let a = hex(r[1]), let b = hex(r[2]) else { XCTFail("bad \(r)"); continue }
            if r[0] == "numeric" { numeric.formUnion(a...b) } else { punct.formUnion(a...b) }
        }
        XCTAssertGreaterThan(numeric.count, 1800)
        XCTAssertGreaterThan(punct.count, 700)
        for cp in UInt32(0)..<0x110000 {
            if UnicodeProperties.isNumeric(cp) != numeric.contains(cp) { XCTFail("isNumeric U+\(show([cp]))") }
            if UnicodeProperties.isBertPunctuation(cp) != punct.contains(cp) { XCTFail("isBertPunctuation U+\(show([cp]))") }
        }
        XCTAssertTrue(UnicodeProperties.isBertPunctuation(0x24))     // $ (ASCII symbol)
        XCTAssertFalse(UnicodeProperties.isBertPunctuation(0x2E43))  // newer than the crate
        XCTAssertFalse(UnicodeProperties.isBertPunctuation(0xFFFF_FFFF))
        XCTAssertFalse(UnicodeProperties.isNumeric(0xFFFF_FFFF))
    }

    /// `matchingHFTokenizers: true` against the tokenizers normalizers: every code point (listed
    /// where they differ from unicodedata) and sequences.
    func testMatchingHFTokenizers() throws {
        var listed: [UInt32: [[UInt32]]] = [:]
        var sequences = 0
        let names = ["NFD", "NFC", "NFKD", "NFKC"]
        for r in try records("normalization_hf.txt") {
            if r.count == 6 && r[0] == "S" {
                sequences += 1
                let input = scalars(r[1])
                for (fi, form) in forms.enumerated() {
                    XCTAssertEqual(UnicodeNormalization.normalize(input, form, matchingHFTokenizers: true),
                                   scalars(r[fi + 2]), "HF \(names[fi]) of \(show(input))")
                }
            } else if r.count == 5, let cp = hex(r[0]) {
                listed[cp] = (1...4).map { r[$0] == "=" ? [cp] : scalars(r[$0]) }
            } else {
                XCTFail("bad line \(r)")
            }
        }
        XCTAssertGreaterThan(listed.count, 50)
        XCTAssertGreaterThan(sequences, 1000)
        var out: [UInt32] = [], plain: [UInt32] = []
        var bad = 0
        for (fi, form) in forms.enumerated() {
            for cp in UInt32(0)..<0x110000 where !(0xD800...0xDFFF).contains(cp) {
                out.removeAll(keepingCapacity: true)
                plain.removeAll(keepingCapacity: true)
                withUnsafePointer(to: cp) {
                    let b = UnsafeBufferPointer(start: $0, count: 1)
                    UnicodeNormalization.normalize(b, form, into: &out, matchingHFTokenizers: true)
                    if listed[cp] == nil { UnicodeNormalization.normalize(b, form, into: &plain) }
                }
                let want = listed[cp]?[fi] ?? plain
                if out != want {
                    bad += 1
                    if bad < 10 { XCTFail("HF \(names[fi]) U+\(show([cp])): \(show(out)) want \(show(want))") }
                }
            }
        }
        XCTAssertEqual(bad, 0)
    }

    func testConcurrentFirstUse() {
        // Lookups from many threads at once give the same answers.
        DispatchLessConcurrent.run(threads: 4) {
            UnicodeNormalization.normalize([0x1100, 0x1161, 0x65, 0x301], .nfc) == [0xAC00, 0xE9]
        }.forEach { XCTAssertTrue($0) }
    }
}

private func clock_gettime_ns() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Runs `body` on `threads` pthreads and returns the results.
private enum DispatchLessConcurrent {
    final class Box: @unchecked Sendable {
        let results: UnsafeMutableBufferPointer<Bool>
        let body: @Sendable () -> Bool
        init(n: Int, body: @escaping @Sendable () -> Bool) {
            results = .allocate(capacity: n)
            results.initialize(repeating: false)
            self.body = body
        }
        deinit { results.deallocate() }
    }
    final class Arg: @unchecked Sendable { let box: Box; let i: Int; init(_ b: Box, _ i: Int) { box = b; self.i = i } }

    static func run(threads: Int, _ body: @escaping @Sendable () -> Bool) -> [Bool] {
        let box = Box(n: threads, body: body)
        var ids: [pthread_t] = []
        for i in 0..<threads {
            var tid = pthread_t()
            let arg = Unmanaged.passRetained(Arg(box, i)).toOpaque()
            let rc = pthread_create(&tid, nil, { raw in
                guard let raw else { return nil }
                let a = Unmanaged<Arg>.fromOpaque(raw).takeRetainedValue()
                a.box.results[a.i] = a.box.body()
                return nil
            }, arg)
            if rc == 0 { ids.append(tid) }
        }
        for t in ids { pthread_join(t, nil) }
        return Array(box.results)
    }
}
