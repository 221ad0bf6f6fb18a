// The portable kernels and the x86-64-v3 kernels must add exactly the same values (float16 is
// widened exactly by both; the sums are done in the same order).
import XCTest
import SafeTensors
@testable import StaticModel

final class PoolingKernelTests: XCTestCase {
    func testGenericAndV3KernelsAgree() throws {
        try XCTSkipUnless(Pooling.hasX86V3, "CPU without AVX2/FMA/F16C: only the generic kernels run here")
        var rng = SystemRandomNumberGenerator()
        for dtype in [DType.F16, .F32, .I8] {
            for dim in [1, 7, 8, 31, 64, 256, 300] {
                var bytes = [UInt8](repeating: 0, count: dim * dtype.size)
                for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
                if dtype == .F16 { // keep halves finite (exponent bits not all ones)
                    for i in stride(from: 1, to: bytes.count, by: 2) where bytes[i] & 0x7C == 0x7C { bytes[i] &= 0xBB }
                }
                if dtype == .F32 { // finite floats
                    for i in stride(from: 3, to: bytes.count, by: 4) { bytes[i] &= 0xBF }
                }
                var a = [Float](repeating: 0.25, count: dim), b = a
                let w: Float = 0.731
                bytes.withUnsafeBytes { raw in
                    a.withUnsafeMutableBufferPointer { Pooling.kernel(for: dtype, allowV3: false)(raw.baseAddress!, dim, w, $0.baseAddress!) }
                    b.withUnsafeMutableBufferPointer { Pooling.kernel(for: dtype, allowV3: true)(raw.baseAddress!, dim, w, $0.baseAddress!) }
                }
                for j in 0..<dim {
                    XCTAssertEqual(a[j], b[j], accuracy: max(1e-6, abs(a[j]) * 1e-6), "\(dtype) dim \(dim) [\(j)]")
                }
            }
        }
    }

    func testHalfConversionIsExactForAllValues() {
        for bits in 0...UInt16.max {
            let ours = Pooling.half(bits)
            let ref = halfToFloat(bits)
            if ref.isNaN { XCTAssertTrue(ours.isNaN); continue }
            XCTAssertEqual(ours.bitPattern, ref.bitPattern, "half \(bits)")
        }
    }
}
