// Hostile and malformed files: each must throw an M2VError (format, or unsupported for dtypes),
// never trap. Also files that are odd but valid.
import XCTest
import M2VSupport
import SafeTensors
import TestSupport

final class HostileInputTests: XCTestCase {
    /// 8-byte length + header + data, with the length of the given header (or `length`).
    func image(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        var n = (length ?? UInt64(h.count)).littleEndian
        var out = withUnsafeBytes(of: &n) { Array($0) }
        out += h
        out += data
        return out
    }

    func code(_ bytes: [UInt8]) -> M2VError.Code? {
        do { _ = try SafeTensorsFile(bytes: bytes); return nil } catch { return error.code }
    }

    func assertFormat(_ bytes: [UInt8], _ what: String, line: UInt = #line) {
        XCTAssertEqual(code(bytes), .format, what, line: line)
    }

    func validFile() throws -> [UInt8] {
        var w = SafeTensorsWriter()
        try w.add(name: "a", dtype: .F32, shape: [2, 3], values: [Float](repeating: 1, count: 6))
        try w.add(name: "b", dtype: .U8, shape: [5], bytes: [1, 2, 3, 4, 5])
        return w.serialize(metadata: [("k", "v")])
    }

    func testTruncationsThrow() throws {
        let full = try validFile()
        let n = Int(full[0]) // header < 256 bytes here
        var cuts = Set(0..<min(65, full.count))
        for c in [7, 8, 9, 8 + n - 1, 8 + n, 8 + n + 1, full.count - 1] { cuts.insert(c) }
        for c in cuts.sorted() where c < full.count {
            assertFormat(Array(full[..<c]), "truncated at \(c)")
        }
        XCTAssertNil(code(full))
        XCTAssertNil(code(full + [0, 0, 0])) // extra bytes after the data are allowed
    }

    func testHeaderLength() {
        let body = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
        XCTAssertNil(code(image(body, data: [9])))
        assertFormat(image(body, data: [9], length: UInt64.max), "UInt64.max")
        assertFormat(image(body, data: [9], length: 1 << 63), "2^63")
        assertFormat(image(body, data: [9], length: 100_000_001), "over 100 MB")
        assertFormat(image(body, data: [9], length: UInt64(body.utf8.count + 2)), "past the end")
        assertFormat(image(body, data: [9], length: 0), "zero")
        assertFormat(image(body, data: [9], length: 1), "one byte")
        assertFormat(image(body, data: [9], length: 5), "cuts the JSON")
    }

    func testBadJSON() {
        for h in ["not json", "{", "{\"a\":}", "[]", "\"str\"", "1", "null", "{\"a\":1} x", "{\"\u{1}\":1}"] {
            assertFormat(image(h), h)
        }
        var bad = image("{\"a\":1}   ")
        bad[10] = 0xFF // invalid UTF-8 inside a key
        assertFormat(bad, "invalid UTF-8")
    }

    func testBadEntries() {
        let cases: [(String, [UInt8], M2VError.Code)] = [
            (#"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,1]}}"#, [0], .unsupported),
            (#"{"a":{"dtype":"U16","shape":[1],"data_offsets":[0,2]}}"#, [0, 0], .unsupported),
            (#"{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], .unsupported),
            (#"{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], .format),
            (#"{"a":{"shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], .format),
            (#"{"a":{"dtype":"F32","data_offsets":[0,4]}}"#, [0, 0, 0, 0], .format),
            (#"{"a":{"dtype":"F32","shape":[1]}}"#, [0, 0, 0, 0], .format),
            (#"{"a":[1,2]}"#, [], .format),
            (#"{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}"#, [], .format),
            (#"{"a":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}}"#, [0], .format),
            (#"{"a":{"dtype":"U8","shape":["1"],"data_offsets":[0,1]}}"#, [0], .format),
            (#"{"a":{"dtype":"U8","shape":1,"data_offsets":[0,1]}}"#, [0], .format),
            // product overflows Int64
            (#"{"a":{"dtype":"U8","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}}"#, [], .format),
            (#"{"a":{"dtype":"U8","shape":[3037000500,3037000500],"data_offsets":[0,0]}}"#, [], .format),
            // element count fits, byte count does not
            (#"{"a":{"dtype":"F64","shape":[9007199254740991,1024],"data_offsets":[0,0]}}"#, [], .format),
            // not an exactly representable integer
            (#"{"a":{"dtype":"U8","shape":[1e300],"data_offsets":[0,0]}}"#, [], .format),
            (#"{"a":{"dtype":"U8","shape":[18446744073709551616],"data_offsets":[0,0]}}"#, [], .format),
            // offsets
            (#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,1000]}}"#, [0, 0, 0, 0], .format),
            (#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}"#, [0, 0, 0, 0], .format),
            (#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[4,0]}}"#, [0, 0, 0, 0], .format),
            (#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[-4,0]}}"#, [0, 0, 0, 0], .format),
            (#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0]}}"#, [0, 0, 0, 0], .format),
            (#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4,8]}}"#, [0, 0, 0, 0], .format),
            (#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,"4"]}}"#, [0, 0, 0, 0], .format),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], .format),
            (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}"#, [UInt8](repeating: 0, count: 8), .format),
            (#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,9223372036854775807]}}"#, [0], .format),
            // overlapping tensors
            (#"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[8],"data_offsets":[4,12]}}"#,
             [UInt8](repeating: 0, count: 12), .format),
            (#"{"b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]},"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}"#,
             [UInt8](repeating: 0, count: 12), .format),
            (#"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}"#,
             [UInt8](repeating: 0, count: 4), .format),
            // duplicates, metadata
            (#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#,
             [0, 0], .format),
            (#"{"__metadata__":{"k":1}}"#, [], .format),
            (#"{"__metadata__":["k"]}"#, [], .format),
            (#"{"__metadata__":{},"__metadata__":{}}"#, [], .format),
        ]
        for (h, data, expected) in cases {
            XCTAssertEqual(code(image(h, data: data)), expected, h)
        }
    }

    func testOddButValid() throws {
        // No tensors; null metadata; zero-size tensors anywhere; gaps; any tensor order; an
        // unknown extra key in an entry (the Rust crate ignores it too).
        XCTAssertNil(code(image("{}")))
        XCTAssertNil(code(image(#"{"__metadata__":null}"#)))
        let h = #"{"z":{"dtype":"U8","shape":[2],"data_offsets":[6,8]},"e":{"dtype":"F32","shape":[0,5],"data_offsets":[3,3]},"a":{"dtype":"I16","shape":[2],"data_offsets":[1,5],"extra":true}}"#
        let st = try SafeTensorsFile(bytes: image(h, data: [0, 0xFF, 0x7F, 0x00, 0x80, 0, 7, 8]))
        XCTAssertEqual(st.tensors.map(\.name), ["z", "e", "a"])
        XCTAssertEqual(try st.int64s(XCTUnwrap(st.tensor(named: "a"))), [32767, -32768]) // unaligned
        XCTAssertEqual(try st.int64s(XCTUnwrap(st.tensor(named: "z"))), [7, 8])
        XCTAssertEqual(try st.floats(XCTUnwrap(st.tensor(named: "e"))), [])
    }

    func testRandomCorruptionNeverTraps() throws {
        let full = try validFile()
        var state: UInt64 = 0x1234_5678
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        var accepted = 0
        for _ in 0..<3000 {
            var b = full
            for _ in 0..<(1 + next() % 4) {
                b[next() % b.count] = UInt8(truncatingIfNeeded: next())
            }
            if next() % 5 == 0 { b.removeLast(next() % b.count) }
            if let st = try? SafeTensorsFile(bytes: b) {
                accepted += 1
                for t in st.tensors { _ = try st.doubles(t); _ = st.bytes(t) }
            }
        }
        XCTAssertGreaterThan(accepted, 0) // flips inside tensor data keep the file valid
    }

    func testFilesOnDisk() throws {
        let tmp = try TemporaryFolder("safetensors-hostile")
        defer { tmp.remove() }
        let dir = tmp.path
        for (name, bytes) in [("empty", [UInt8]()), ("five", [1, 2, 3, 4, 5]), ("eight", [0, 0, 0, 0, 0, 0, 0, 0])] {
            let p = dir + "/" + name + ".safetensors"
            try FileIO.write(p, bytes)
            XCTAssertThrowsError(try SafeTensorsFile(path: p), name) { e in
                XCTAssertEqual((e as? M2VError)?.code, .format, name)
                XCTAssertTrue((e as? M2VError)?.message.contains(p) ?? false, name)
            }
        }
        XCTAssertEqual(throwsCode { _ = try SafeTensorsFile(path: dir + "/missing.safetensors") }, .notFound)
        XCTAssertEqual(throwsCode { _ = try SafeTensorsFile(path: dir) }, .io)
    }

    func throwsCode(_ body: () throws -> Void) -> M2VError.Code? {
        do { try body(); return nil } catch { return (error as? M2VError)?.code }
    }
}
