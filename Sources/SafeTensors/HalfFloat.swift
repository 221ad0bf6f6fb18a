// float16 / bfloat16 <-> float32 conversions written with integer bit manipulation, so they are
// exact, portable (no F16C, no compiler-rt call per element) and vectorizable on SSE2/NEON.

/// IEEE binary16 bits -> Float, exact for all 65,536 inputs (subnormals, ±0, ±inf). NaN keeps its
/// sign and payload, quiet bit included, as numpy's `astype(float32)` does (no quieting).
/// Branch-free: three candidate results and selects.
@inlinable @inline(__always)
public func halfToFloat(_ bits: UInt16) -> Float {
    let h = UInt32(bits)
    let sign = (h & 0x8000) << 16
    let em = h & 0x7FFF
    let shifted = em << 13
    // Normal numbers: rebias the exponent from 15 to 127.
    let normal = shifted &+ 0x3800_0000
    // Inf / NaN: exponent all ones, mantissa (payload) kept.
    let infNaN = shifted | 0x7F80_0000
    // Subnormals and zero: m * 2^-24 computed exactly as (2^-14 * (1 + m/1024)) - 2^-14.
    let magic = Float(bitPattern: 0x3880_0000)
    let sub = (Float(bitPattern: shifted &+ 0x3880_0000) - magic).bitPattern
    let r = em >= 0x7C00 ? infNaN : (em < 0x0400 ? sub : normal)
    return Float(bitPattern: r | sign)
}

/// Converts `min(src.count / 2, dst.count)` little-endian float16 values read from `src` (any
/// alignment) into `dst`. Returns the number converted.
@inlinable @discardableResult
public func halfToFloat(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableBufferPointer<Float>) -> Int {
    let n = min(src.count / 2, dst.count)
    guard n > 0, let s = src.baseAddress, let d = dst.baseAddress else { return 0 }
    for i in 0..<n {
        d[i] = halfToFloat(UInt16(littleEndian: s.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)))
    }
    return n
}

/// bfloat16 bits -> Float (exact: bfloat16 is the top half of a float32).
@inlinable @inline(__always)
public func bf16ToFloat(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}

/// Converts `min(src.count / 2, dst.count)` little-endian bfloat16 values read from `src` (any
/// alignment) into `dst`. Returns the number converted.
@inlinable @discardableResult
public func bf16ToFloat(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableBufferPointer<Float>) -> Int {
    let n = min(src.count / 2, dst.count)
    guard n > 0, let s = src.baseAddress, let d = dst.baseAddress else { return 0 }
    for i in 0..<n {
        d[i] = bf16ToFloat(UInt16(littleEndian: s.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)))
    }
    return n
}

/// `value >> shift` rounded to nearest, ties to even (1 <= shift <= 63).
@inline(__always)
private func shiftRoundingToEven(_ value: UInt64, _ shift: UInt64) -> UInt64 {
    let q = value >> shift
    let rem = value & ((1 << shift) &- 1)
    let half: UInt64 = 1 << (shift &- 1)
    return (rem > half || (rem == half && (q & 1) == 1)) ? q &+ 1 : q
}

/// Float -> IEEE binary16 bits, round to nearest even, as numpy's `astype(np.float16)`:
/// overflow gives ±inf, underflow gives (signed) subnormals or zero, NaN keeps its sign and the top
/// 10 payload bits (forced non-zero so it stays a NaN).
public func floatToHalf(_ f: Float) -> UInt16 {
    let x = f.bitPattern
    let sign = UInt16(truncatingIfNeeded: (x >> 16) & 0x8000)
    let a = x & 0x7FFF_FFFF
    if a >= 0x7F80_0000 { // inf or NaN
        if a == 0x7F80_0000 { return sign | 0x7C00 }
        let m = UInt16(truncatingIfNeeded: (a & 0x007F_FFFF) >> 13)
        return sign | 0x7C00 | (m == 0 ? 1 : m)
    }
    if a >= 0x4780_0000 { return sign | 0x7C00 } // >= 65536: overflow
    if a < 0x3880_0000 { // below 2^-14: a half subnormal or zero
        if a < 0x3300_0000 { return sign } // below 2^-25 rounds to zero
        let e = UInt64(a >> 23) // 102 ... 112
        let m = UInt64((a & 0x007F_FFFF) | 0x0080_0000)
        return sign | UInt16(truncatingIfNeeded: shiftRoundingToEven(m, 126 - e))
    }
    // Normal: rebias 127 -> 15 and round the mantissa from 23 to 10 bits; a carry into the
    // exponent is correct, up to 0x7C00 (inf).
    let r = shiftRoundingToEven(UInt64(a - 0x3800_0000), 13)
    return sign | UInt16(truncatingIfNeeded: r)
}

/// Double -> IEEE binary16 bits with a single rounding (nearest even), as numpy's
/// `float64_array.astype(np.float16)` (which does not go through float32).
public func doubleToHalf(_ d: Double) -> UInt16 {
    let x = d.bitPattern
    let sign = UInt16(truncatingIfNeeded: (x >> 48) & 0x8000)
    let a = x & 0x7FFF_FFFF_FFFF_FFFF
    if a >= 0x7FF0_0000_0000_0000 {
        if a == 0x7FF0_0000_0000_0000 { return sign | 0x7C00 }
        let m = UInt16(truncatingIfNeeded: (a & 0x000F_FFFF_FFFF_FFFF) >> 42)
        return sign | 0x7C00 | (m == 0 ? 1 : m)
    }
    if a >= 0x40F0_0000_0000_0000 { return sign | 0x7C00 } // >= 65536
    if a < 0x3F10_0000_0000_0000 { // below 2^-14
        if a < 0x3E60_0000_0000_0000 { return sign } // below 2^-25
        let e = a >> 52 // 998 ... 1008
        let m = (a & 0x000F_FFFF_FFFF_FFFF) | 0x0010_0000_0000_0000
        return sign | UInt16(truncatingIfNeeded: shiftRoundingToEven(m, 1051 - e))
    }
    let r = shiftRoundingToEven(a - 0x3F00_0000_0000_0000, 42)
    return sign | UInt16(truncatingIfNeeded: r)
}

/// Float -> bfloat16 bits, round to nearest even; every NaN becomes 0x7FC0, as PyTorch's
/// `to(torch.bfloat16)` does.
public func floatToBF16(_ f: Float) -> UInt16 {
    let x = f.bitPattern
    if f.isNaN { return 0x7FC0 }
    let bias: UInt32 = 0x7FFF &+ ((x >> 16) & 1)
    return UInt16(truncatingIfNeeded: (x &+ bias) >> 16)
}
