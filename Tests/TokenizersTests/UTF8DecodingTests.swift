// UTF8Decoding (issue 14): strict and replacing decoding, and the `limit` that decodes only the
// code points a caller keeps. Replacement must be Python's bytes.decode("utf-8", "replace")
// (maximal subparts): checked against a table Python produced and, on random bytes, against
// the standard library's String(decoding:as:), which follows the same Unicode practice.
import TokenizerCore
import XCTest

final class UTF8DecodingTests: XCTestCase {
    private func decode(_ b: [UInt8], limit: Int = .max, replace: Bool) throws -> ([UInt32], Bool) {
        var out: [UInt32] = []
        let valid = try b.withUnsafeBufferPointer { try UTF8Decoding.decode($0, into: &out, limit: limit, replace: replace) }
        return (out, valid)
    }

    /// Python 3.11: [hex(ord(c)) for c in b.decode("utf-8", "replace")].
    func testReplacementAsPython() throws {
        let F: UInt32 = 0xFFFD
        let cases: [([UInt8], [UInt32])] = [
            ([0xED, 0xA0, 0x80], [F, F, F]),
            ([0xF0, 0x9F, 0x98], [F]),
            ([0xE2, 0x82, 0x20, 0x78], [F, 0x20, 0x78]),
            ([0xC0, 0xAF], [F, F]),
            ([0xF4, 0x90, 0x80, 0x80], [F, F, F, F]),
            ([0x61, 0xFF, 0x62], [0x61, F, 0x62]),
            ([0xE0, 0x80, 0x80], [F, F, F]),
            ([0xF0, 0x80, 0x80, 0x80], [F, F, F, F]),
            ([0xF8, 0x88, 0x80, 0x80, 0x80], [F, F, F, F, F]),
            ([0xE2, 0x28, 0xA1], [F, 0x28, F]),
            ([0xF1, 0x80, 0x80], [F]),
            ([0xDF], [F]),
        ]
        for (bytes, want) in cases {
            let (got, valid) = try decode(bytes, replace: true)
            XCTAssertEqual(got, want, "\(bytes)")
            XCTAssertFalse(valid)
            XCTAssertThrowsError(try decode(bytes, replace: false))
        }
    }

    func testRandomBytesAgainstTheStandardLibrary() throws {
        // Bytes biased to the interesting ranges: ASCII, continuations, every kind of lead.
        let pool: [UInt8] = [0x41, 0x20, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                             0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
        for _ in 0..<100_000 {
            let n = Int(next() % 24)
            var b: [UInt8] = []
            for _ in 0..<n { b.append(next() % 4 == 0 ? UInt8(truncatingIfNeeded: next()) : pool[Int(next() % UInt64(pool.count))]) }
            let want = String(decoding: b, as: UTF8.self).unicodeScalars.map { $0.value }
            let (got, valid) = try decode(b, replace: true)
            XCTAssertEqual(got, want, "\(b)")
            let isValid = String(validating: b, as: UTF8.self) != nil
            XCTAssertEqual(valid, isValid, "\(b)")
            b.withUnsafeBufferPointer { XCTAssertEqual(UTF8Decoding.isValid($0), isValid, "\(b)") }
            if isValid {
                XCTAssertEqual(try decode(b, replace: false).0, want)
            } else {
                XCTAssertThrowsError(try decode(b, replace: false))
            }
            // The limit keeps a prefix; strict mode still sees an invalid byte past it.
            let k = Int(next() % UInt64(max(1, want.count + 1)))
            let (prefix, pvalid) = try decode(b, limit: k, replace: true)
            XCTAssertEqual(prefix, Array(want.prefix(k)), "\(b) limit \(k)")
            if !pvalid { XCTAssertFalse(isValid) }
            if !isValid { XCTAssertThrowsError(try decode(b, limit: k, replace: false)) }
        }
    }

    func testLimitDecodesOnlyWhatIsKept() throws {
        let text = Array(String(repeating: "héllo wörld ", count: 1000).utf8)
        let (head, valid) = try decode(text, limit: 5, replace: false)
        XCTAssertEqual(head, "héllo".unicodeScalars.map { $0.value })
        XCTAssertTrue(valid)
        var bad = text
        bad[bad.count - 1] = 0xFF
        XCTAssertThrowsError(try decode(bad, limit: 5, replace: false)) { e in
            XCTAssertTrue("\(e)".contains("\(bad.count - 1)"), "\(e)")
        }
    }
}
