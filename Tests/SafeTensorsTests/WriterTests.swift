// The writer: byte-for-byte equality with a file written by Python's safetensors, round trips,
// and argument checks.
import XCTest
import M2VSupport
import SafeTensors
import TestSupport

final class WriterTests: XCTestCase {
    /// The tensors of ReferenceData.goldenFile, added in an order different from the file's.
    func goldenWriter() throws -> SafeTensorsWriter {
        var w = SafeTensorsWriter()
        try w.add(name: "Zeta", dtype: .F32, shape: [1], values: [Float(1)])
        try w.add(name: "scalar", dtype: .F32, shape: [], values: [Float(2.5)])
        try w.add(name: "flags", dtype: .BOOL, shape: [2], bytes: [1, 0])
        try w.add(name: "embeddings", dtype: .F16, shape: [2, 3],
                  values: [0.5, -1.25, 3.0, 65504.0, 1e-7, -0.0].map { doubleToHalf($0) })
        try w.add(name: "weights", dtype: .F64, shape: [3], values: [0.1, 0.2, 0.3])
        try w.add(name: "mapping", dtype: .I32, shape: [4], values: [Int32(2), 0, 1, 1])
        try w.add(name: "ids64", dtype: .I64, shape: [2], values: [Int64(-(1 << 40)), 7])
        try w.add(name: "bf", dtype: .BF16, shape: [3], values: [Float(1.0), -2.5, 3.140625].map(floatToBF16))
        try w.add(name: "q8", dtype: .I8, shape: [2, 2], values: [Int8(-127), 5, 0, 127])
        try w.add(name: "u8", dtype: .U8, shape: [3], bytes: [255, 0, 1])
        try w.add(name: "s16", dtype: .I16, shape: [2], values: [Int16(-300), 300])
        try w.add(name: "empty", dtype: .F32, shape: [0, 3], bytes: [])
        try w.add(name: "\u{E9}t\u{E9} \"q\"\n", dtype: .F32, shape: [2], values: [Float(4), 5])
        return w
    }

    func testMatchesPythonByteForByte() throws {
        let ours = try goldenWriter().serialize(metadata: [("format", "pt")])
        XCTAssertEqual(ours.count, ReferenceData.goldenFile.count)
        XCTAssertEqual(ours, ReferenceData.goldenFile)
    }

    func testGoldenReadsBackAndReserializesIdentically() throws {
        let st = try SafeTensorsFile(bytes: ReferenceData.goldenFile)
        XCTAssertEqual(st.metadataValue("format"), "pt")
        XCTAssertEqual(try st.floats(XCTUnwrap(st.tensor(named: "embeddings"))),
                       [0.5, -1.25, 3.0, 65504.0, halfToFloat(2), -0.0])
        XCTAssertEqual(try st.floats(XCTUnwrap(st.tensor(named: "bf"))), [1.0, -2.5, 3.140625])
        XCTAssertEqual(try st.doubles(XCTUnwrap(st.tensor(named: "weights"))), [0.1, 0.2, 0.3])
        XCTAssertEqual(try st.int64s(XCTUnwrap(st.tensor(named: "ids64"))), [-(1 << 40), 7])
        XCTAssertEqual(try st.int64s(XCTUnwrap(st.tensor(named: "q8"))), [-127, 5, 0, 127])
        XCTAssertEqual(try st.int64s(XCTUnwrap(st.tensor(named: "u8"))), [255, 0, 1])
        XCTAssertEqual(try st.int64s(XCTUnwrap(st.tensor(named: "flags"))), [1, 0])
        XCTAssertEqual(try st.floats(XCTUnwrap(st.tensor(named: "s16"))), [-300, 300])
        XCTAssertEqual(st.tensor(named: "scalar")?.shape, [])
        XCTAssertEqual(try st.floats(XCTUnwrap(st.tensor(named: "scalar"))), [2.5])
        XCTAssertEqual(st.tensor(named: "empty")?.shape, [0, 3])
        XCTAssertEqual(try st.floats(XCTUnwrap(st.tensor(named: "empty"))), [])
        XCTAssertEqual(try st.floats(XCTUnwrap(st.tensor(named: "\u{E9}t\u{E9} \"q\"\n"))), [4, 5])
        // Decomposed "é" is a different name.
        XCTAssertNil(st.tensor(named: "e\u{301}t\u{E9} \"q\"\n"))

        var w = SafeTensorsWriter()
        for t in st.tensors.reversed() {
            try w.add(name: t.name, dtype: t.dtype, shape: t.shape, bytes: Array(st.bytes(t)))
        }
        XCTAssertEqual(w.serialize(metadata: st.metadata.map { ($0.key, $0.value) }), ReferenceData.goldenFile)
    }

    func testRoundTripThroughAFile() throws {
        var w = SafeTensorsWriter()
        let values = (0..<1000).map { Float($0) * 0.37 - 100 }
        try w.add(name: "embeddings", dtype: .F32, shape: [10, 100], values: values)
        try w.add(name: "half", dtype: .F16, shape: [1000], values: values.map(floatToHalf))
        try w.add(name: "mapping", dtype: .I64, shape: [3], values: [Int64(5), -1, 1 << 50])
        try w.add(name: "odd", dtype: .U8, shape: [3], bytes: [1, 2, 3]) // makes later data unaligned
        let tmp = try TemporaryFolder("safetensors-writer")
        defer { tmp.remove() }
        let path = tmp.path + "/test.safetensors"
        let meta = [("format", "np"), ("note", "ünïcode \"quoted\"\n\u{1}")]
        try w.write(to: path, metadata: meta)
        let st = try SafeTensorsFile(path: path)
        XCTAssertEqual(st.tensors.map(\.name), ["mapping", "embeddings", "half", "odd"])
        XCTAssertEqual(st.metadata.map(\.key), ["format", "note"])
        XCTAssertEqual(st.metadataValue("note"), "ünïcode \"quoted\"\n\u{1}")
        XCTAssertEqual(try st.floats(XCTUnwrap(st.tensor(named: "embeddings"))), values)
        let half = try st.floats(XCTUnwrap(st.tensor(named: "half")))
        XCTAssertEqual(half, values.map { halfToFloat(floatToHalf($0)) })
        XCTAssertEqual(try st.int64s(XCTUnwrap(st.tensor(named: "mapping"))), [5, -1, 1 << 50])
        XCTAssertEqual(Array(st.bytes(try XCTUnwrap(st.tensor(named: "odd")))), [1, 2, 3])
        XCTAssertEqual((8 + st.headerLength) % 8, 0)
        XCTAssertEqual(try FileIO.read(path), w.serialize(metadata: meta))
    }

    func testEmptyWriter() throws {
        // The Rust crate's own tests: `{}` padded to 8, and with one metadata key.
        XCTAssertEqual(SafeTensorsWriter().serialize(), [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32])
        let withMeta = SafeTensorsWriter().serialize(metadata: [("framework", "pt")])
        XCTAssertEqual(withMeta.count, 48)
        XCTAssertEqual(Array(withMeta[8...]), Array("{\"__metadata__\":{\"framework\":\"pt\"}}     ".utf8))
        let st = try SafeTensorsFile(bytes: withMeta)
        XCTAssertTrue(st.tensors.isEmpty)
        XCTAssertEqual(st.metadataValue("framework"), "pt")
    }

    func testAddChecksArguments() {
        var w = SafeTensorsWriter()
        func code(_ body: () throws -> Void) -> M2VError.Code? {
            do { try body(); return nil } catch { return (error as? M2VError)?.code }
        }
        XCTAssertEqual(code { try w.add(name: "a", dtype: .F32, shape: [2], bytes: [0, 0, 0]) }, .invalidArgument)
        XCTAssertEqual(code { try w.add(name: "a", dtype: .F32, shape: [-1], bytes: []) }, .invalidArgument)
        XCTAssertEqual(code { try w.add(name: "a", dtype: .F32, shape: [1 << 32, 1 << 32], bytes: []) }, .invalidArgument)
        XCTAssertEqual(code { try w.add(name: "__metadata__", dtype: .U8, shape: [0], bytes: []) }, .invalidArgument)
        XCTAssertEqual(code { try w.add(name: "a", dtype: .F16, shape: [1], values: [Float(1)]) }, .invalidArgument)
        XCTAssertNil(code { try w.add(name: "a", dtype: .U8, shape: [1], bytes: [7]) })
        XCTAssertEqual(code { try w.add(name: "a", dtype: .U8, shape: [1], bytes: [7]) }, .invalidArgument)
        XCTAssertEqual(w.count, 1)
    }
}
