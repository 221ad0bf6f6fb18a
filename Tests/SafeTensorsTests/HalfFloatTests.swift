// float16 / bfloat16 conversions: exhaustive against Swift's Float16 (exact), hashed against
// numpy's astype over a million inputs, and the rounding corner cases.
import XCTest
import SafeTensors

final class HalfFloatTests: XCTestCase {
    /// sum(bits[i] * (2i+1)) mod 2^64, as scripts/gen_safetensors_testdata.py computes it.
    func weightedHash<T: FixedWidthInteger>(_ bits: [T]) -> UInt64 {
        var h: UInt64 = 0
        for (i, b) in bits.enumerated() { h &+= UInt64(b) &* (2 &* UInt64(i) &+ 1) }
        return h
    }

    func testHalfToFloatAll65536() {
        var out: [UInt32] = []
        for i in 0..<65536 {
            let h = UInt16(i)
            let f = halfToFloat(h)
            let ref = Float(Float16(bitPattern: h))
            if ref.isNaN {
                XCTAssertTrue(f.isNaN, "\(h)")
                XCTAssertEqual(f.sign, ref.sign, "\(h)")
                // numpy keeps the payload as is (no quieting).
                XCTAssertEqual(f.bitPattern, (UInt32(h & 0x8000) << 16) | 0x7F80_0000 | (UInt32(h & 0x3FF) << 13))
            } else {
                XCTAssertEqual(f.bitPattern, ref.bitPattern, "\(h)")
            }
            out.append(f.bitPattern)
        }
        XCTAssertEqual(weightedHash(out), ReferenceData.halfToFloat_all)
        XCTAssertEqual(halfToFloat(0x0001), Float(bitPattern: 0x3380_0000)) // 2^-24
        XCTAssertEqual(halfToFloat(0x7BFF), 65504)
        XCTAssertEqual(halfToFloat(0xFC00), -.infinity)
    }

    func testBulkConversionsOnUnalignedData() {
        var raw: [UInt8] = [0xAB]
        for i in 0..<65536 { raw.append(UInt8(i & 0xFF)); raw.append(UInt8(i >> 8)) }
        raw.withUnsafeBytes { all in
            let src = UnsafeRawBufferPointer(rebasing: all[1...])
            var out = [Float](repeating: 0, count: 65536)
            out.withUnsafeMutableBufferPointer { XCTAssertEqual(halfToFloat(src, into: $0), 65536) }
            for i in 0..<65536 { XCTAssertEqual(out[i].bitPattern, halfToFloat(UInt16(i)).bitPattern) }
            out.withUnsafeMutableBufferPointer { XCTAssertEqual(bf16ToFloat(src, into: $0), 65536) }
            for i in 0..<65536 { XCTAssertEqual(out[i].bitPattern, UInt32(i) << 16) }
            // dst shorter than src: converts only what fits.
            var small = [Float](repeating: 0, count: 3)
            small.withUnsafeMutableBufferPointer { XCTAssertEqual(halfToFloat(src, into: $0), 3) }
        }
    }

    func testFloatToHalfRoundTripsEveryHalf() {
        for i in 0..<65536 {
            let h = UInt16(i)
            let f = halfToFloat(h)
            if f.isNaN {
                XCTAssertEqual(floatToHalf(f), h, "NaN payload \(h)")
            } else {
                XCTAssertEqual(floatToHalf(f), h, "\(h)")
                XCTAssertEqual(doubleToHalf(Double(f)), h, "\(h)")
            }
        }
    }

    func testFloatToHalfTiesAndNeighbours() {
        // Every midpoint between adjacent finite halves of the same sign, and one float ulp
        // either side, against Swift's Float16 conversion (IEEE round to nearest even).
        for i in 0..<0x7BFF {
            for s: UInt16 in [0, 0x8000] {
                let a = halfToFloat(UInt16(i) | s), b = halfToFloat(UInt16(i + 1) | s)
                let mid = (a + b) / 2
                for x in [mid, mid.nextUp, mid.nextDown] {
                    XCTAssertEqual(floatToHalf(x), Float16(x).bitPattern, "\(x)")
                    XCTAssertEqual(doubleToHalf(Double(x)), Float16(x).bitPattern, "\(x)")
                }
            }
        }
    }

    func testFloatToHalfCorners() {
        XCTAssertEqual(floatToHalf(65504), 0x7BFF)
        XCTAssertEqual(floatToHalf(65519.996), 0x7BFF)
        XCTAssertEqual(floatToHalf(65520), 0x7C00) // tie, rounds to even = inf
        XCTAssertEqual(floatToHalf(-1e9), 0xFC00)
        XCTAssertEqual(floatToHalf(.infinity), 0x7C00)
        XCTAssertEqual(floatToHalf(-0.0), 0x8000)
        XCTAssertEqual(floatToHalf(1e-8), 0)
        XCTAssertEqual(floatToHalf(-1e-8), 0x8000)
        XCTAssertEqual(floatToHalf(0x1p-25), 0) // tie between 0 and 2^-24 goes to even (0)
        XCTAssertEqual(floatToHalf(Float(0x1p-25).nextUp), 1)
        XCTAssertEqual(floatToHalf(0x1.8p-24), 2) // tie between 1 and 2 (×2^-24) goes to 2
        XCTAssertEqual(floatToHalf(0x1p-14), 0x0400)
        XCTAssertEqual(floatToHalf(Float(0x1p-14).nextDown), 0x0400) // rounds up into the normals
        XCTAssertEqual(floatToHalf(1 + 0x1p-11), 0x3C00) // tie, even
        XCTAssertEqual(floatToHalf(1 + 0x1.8p-10), 0x3C02) // tie, odd -> up
        XCTAssertTrue(halfToFloat(floatToHalf(.nan)).isNaN)
        XCTAssertEqual(floatToHalf(Float(bitPattern: 0x7F80_0001)), 0x7C01) // payload lost -> still NaN
        XCTAssertEqual(floatToHalf(Float(bitPattern: 0xFFC0_0000)), 0xFE00)
        // Double rounding: via Float this would tie and go to even; numpy rounds float64 once.
        let x = 1 + 0x1p-11 + 0x1p-40
        XCTAssertEqual(doubleToHalf(x), 0x3C01)
        XCTAssertEqual(floatToHalf(Float(x)), 0x3C00)
        XCTAssertEqual(doubleToHalf(1e300), 0x7C00)
        XCTAssertEqual(doubleToHalf(-1e-300), 0x8000)
    }

    /// The same inputs as scripts/gen_safetensors_testdata.py, hashed like numpy's results.
    func testMatchesNumpyAstypeFloat16() {
        let n = 1 << 20
        var raw: [UInt16] = [], near: [UInt16] = [], dbl: [UInt16] = []
        raw.reserveCapacity(n); near.reserveCapacity(n); dbl.reserveCapacity(n)
        for k in 0..<n {
            let i = UInt64(k)
            let r32 = UInt32(truncatingIfNeeded: i &* 2654435761 &+ 12345)
            raw.append(floatToHalf(Float(bitPattern: r32)))
            let m32 = ((i &* 0x9E37_79B1) >> 7) & 0x7F_FFFF
            let n32 = ((i % 2) << 31) | ((95 + i % 50) << 23) | m32
            near.append(floatToHalf(Float(bitPattern: UInt32(truncatingIfNeeded: n32))))
            let m64 = (i &* 0x9E37_79B9_7F4A_7C15) & ((1 << 52) - 1)
            let n64 = ((i % 2) << 63) | ((993 + i % 50) << 52) | m64
            dbl.append(doubleToHalf(Double(bitPattern: n64)))
        }
        XCTAssertEqual(weightedHash(raw), ReferenceData.floatToHalf_raw)
        XCTAssertEqual(weightedHash(near), ReferenceData.floatToHalf_near)
        XCTAssertEqual(weightedHash(dbl), ReferenceData.doubleToHalf_near)
    }

    func testBFloat16() {
        for i in 0..<65536 {
            let f = bf16ToFloat(UInt16(i))
            XCTAssertEqual(f.bitPattern, UInt32(i) << 16)
            if !f.isNaN { XCTAssertEqual(floatToBF16(f), UInt16(i)) }
        }
        XCTAssertEqual(floatToBF16(1), 0x3F80)
        XCTAssertEqual(floatToBF16(Float(bitPattern: 0x3F80_8000)), 0x3F80) // tie, even
        XCTAssertEqual(floatToBF16(Float(bitPattern: 0x3F81_8000)), 0x3F82) // tie, odd -> up
        XCTAssertEqual(floatToBF16(Float(bitPattern: 0x3F80_8001)), 0x3F81)
        XCTAssertEqual(floatToBF16(.nan), 0x7FC0)
        XCTAssertEqual(floatToBF16(.greatestFiniteMagnitude), 0x7F80) // rounds to inf
    }
}
