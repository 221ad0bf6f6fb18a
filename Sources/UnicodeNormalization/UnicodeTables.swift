// UnicodeTables — decodes the generated base64 tables (Generated/UnicodeTables.generated.swift) once, at
// first use, into immutable buffers that live for the whole process, and answers per-code-point
// lookups from them: a two-level table (stage1 by block, stage2 by code point) giving a record
// index; records hold category, combining class, quick-check flags, decompositions and lowercase.

/// Bit layout of a record's `info` word (see scripts/gen_unicode_tables.py).
enum Info {
    static let categoryMask: UInt32 = 0x1F
    static let cccShift: UInt32 = 5
    static let cccMask: UInt32 = 0xFF << 5
    static let nfcQCMask: UInt32 = 3 << 13
    static let nfkcQCMask: UInt32 = 3 << 15
    static let hasCanonical: UInt32 = 1 << 17
    static let hasCompat: UInt32 = 1 << 18
    static let hangulSyllable: UInt32 = 1 << 19
    static let lowerMulti: UInt32 = 1 << 20
    static let compositionSecond: UInt32 = 1 << 21
    /// Unknown to the HF tokenizers normalization crate (treated there as unassigned).
    static let legacyHF: UInt32 = 1 << 22
    static let rustNumeric: UInt32 = 1 << 23
    static let bertPunctuation: UInt32 = 1 << 24
    /// The info of code points above U+10FFFF: Cn, class 0, nothing to do.
    static let outOfRange: UInt32 = UInt32(GeneralCategory.Cn.rawValue)
}

/// The decoded tables. Immutable after construction; the buffers are never freed.
struct UnicodeTables {
    let shift: UInt32
    let blockMask: UInt32
    let stage1: UnsafeBufferPointer<UInt16>
    let stage2: UnsafeBufferPointer<UInt16>
    /// 4 words per record: info, canonical decomposition, compatibility decomposition, lowercase.
    let records: UnsafeBufferPointer<UInt32>
    let pool: UnsafeBufferPointer<UInt32>
    /// Open-addressing hash of primary composites: key `first << 32 | second`, 0 = empty slot.
    let pairKeys: UnsafeBufferPointer<UInt64>
    let pairValues: UnsafeBufferPointer<UInt32>
    let pairMask: Int
    /// False only if the generated data failed validation (then every lookup answers Cn/identity).
    let valid: Bool

    init() {
        let s1 = Self.decodeBase64(UnicodeTableData.stage1)
        let s2 = Self.decodeBase64(UnicodeTableData.stage2)
        let rec = Self.decodeBase64(UnicodeTableData.records)
        let pl = Self.decodeBase64(UnicodeTableData.pool)
        let pr = Self.decodeBase64(UnicodeTableData.pairs)
        let sh = UInt32(UnicodeTableData.shift)
        let stage1 = Self.words16(s1), stage2 = Self.words16(s2)
        let records = Self.words32(rec), pool = Self.words32(pl), pairs = Self.words32(pr)
        let ok = Self.validate(shift: sh, stage1: stage1, stage2: stage2, records: records,
                               pool: pool, pairs: pairs)
        if ok {
            self.shift = sh
            self.stage1 = Self.freeze(stage1)
            self.stage2 = Self.freeze(stage2)
            self.records = Self.freeze(records)
            self.pool = Self.freeze(pool)
        } else {
            // Identity tables: every code point is record 0 = Cn with nothing to do.
            self.shift = 16
            self.stage1 = Self.freeze([UInt16](repeating: 0, count: 0x11))
            self.stage2 = Self.freeze([UInt16](repeating: 0, count: 1 << 16))
            self.records = Self.freeze([Info.outOfRange, 0, 0, 0])
            self.pool = Self.freeze([])
        }
        self.blockMask = (1 << self.shift) - 1
        self.valid = ok
        // Composition hash, load factor below 1/2.
        let n = ok ? pairs.count / 3 : 0
        var cap = 16
        while cap < 2 * n { cap <<= 1 }
        var keys = [UInt64](repeating: 0, count: cap)
        var values = [UInt32](repeating: 0, count: cap)
        for p in 0..<n {
            let key = UInt64(pairs[3 * p]) << 32 | UInt64(pairs[3 * p + 1])
            var slot = Self.hash(key) & (cap - 1)
            while keys[slot] != 0 { slot = (slot + 1) & (cap - 1) }
            keys[slot] = key
            values[slot] = pairs[3 * p + 2]
        }
        self.pairKeys = Self.freeze(keys)
        self.pairValues = Self.freeze(values)
        self.pairMask = cap - 1
    }

    // MARK: lookups

    /// Index of `cp`'s first record word. `cp` must be below 0x110000.
    @inline(__always)
    func recordBase(_ cp: UInt32) -> Int {
        let block = Int(stage1[Int(cp >> shift)])
        return Int(stage2[block << Int(shift) | Int(cp & blockMask)]) << 2
    }

    @inline(__always)
    func info(_ cp: UInt32) -> UInt32 {
        cp < 0x110000 ? records[recordBase(cp)] : Info.outOfRange
    }

    @inline(__always)
    func ccc(_ cp: UInt32) -> UInt32 {
        cp < 0x300 ? 0 : (info(cp) & Info.cccMask) >> Info.cccShift
    }

    /// `info(cp)`, except that a code point with any of the `legacy` bits set answers as an
    /// unassigned one would (its category kept; class 0, nothing to decompose or compose).
    @inline(__always)
    func info(_ cp: UInt32, legacy: UInt32) -> UInt32 {
        let i = info(cp)
        return i & legacy == 0 ? i : i & Info.categoryMask
    }

    @inline(__always)
    func ccc(_ cp: UInt32, legacy: UInt32) -> UInt32 {
        cp < 0x300 ? 0 : (info(cp, legacy: legacy) & Info.cccMask) >> Info.cccShift
    }

    /// The pool slice described by an `offset | length << 24` word.
    @inline(__always)
    func poolSlice(_ word: UInt32) -> UnsafeBufferPointer<UInt32> {
        let off = Int(word & 0xFF_FFFF)
        return UnsafeBufferPointer(rebasing: pool[off..<(off + Int(word >> 24))])
    }

    /// The primary composite of `a` + `b` (not Hangul), if any.
    @inline(__always)
    func composite(_ a: UInt32, _ b: UInt32) -> UInt32? {
        let key = UInt64(a) << 32 | UInt64(b)
        var slot = Self.hash(key) & pairMask
        while true {
            let k = pairKeys[slot]
            if k == key { return pairValues[slot] }
            if k == 0 { return nil }
            slot = (slot + 1) & pairMask
        }
    }

    @inline(__always)
    static func hash(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 40)
    }

    // MARK: decoding

    static func decodeBase64(_ s: StaticString) -> [UInt8] {
        s.withUTF8Buffer { src in
            var out = [UInt8]()
            out.reserveCapacity(src.count / 4 * 3 + 3)
            var acc: UInt32 = 0
            var bits = 0
            for c in src {
                let v: UInt32
                switch c {
                case 65...90: v = UInt32(c) - 65     // A-Z
                case 97...122: v = UInt32(c) - 71    // a-z
                case 48...57: v = UInt32(c) + 4      // 0-9
                case 43: v = 62                      // +
                case 47: v = 63                      // /
                default: continue                    // padding, newlines
                }
                acc = (acc << 6 | v) & 0xFF_FFFF
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                }
            }
            return out
        }
    }

    static func words16(_ b: [UInt8]) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: b.count / 2)
        for k in 0..<out.count {
            let lo = UInt16(b[2 * k]), hi = UInt16(b[2 * k + 1])
            out[k] = lo | hi << 8
        }
        return out
    }

    static func words32(_ b: [UInt8]) -> [UInt32] {
        var out = [UInt32](repeating: 0, count: b.count / 4)
        for k in 0..<out.count {
            var v: UInt32 = 0
            for byte in 0..<4 { v |= UInt32(b[4 * k + byte]) << UInt32(8 * byte) }
            out[k] = v
        }
        return out
    }

    /// Copies `a` into memory that is never freed (the tables live as long as the process).
    static func freeze<T>(_ a: [T]) -> UnsafeBufferPointer<T> {
        let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(a.count, 1))
        _ = p.initialize(from: a)
        return UnsafeBufferPointer(rebasing: p[0..<a.count])
    }

    /// Checks every index the lookups will follow, so that they can never leave the buffers.
    static func validate(shift: UInt32, stage1: [UInt16], stage2: [UInt16], records: [UInt32],
                         pool: [UInt32], pairs: [UInt32]) -> Bool {
        guard shift >= 4, shift <= 16,
              stage1.count == UnicodeTableData.stage1Count, stage1.count << shift == 0x110000,
              stage2.count == UnicodeTableData.stage2Count,
              records.count == 4 * UnicodeTableData.recordCount,
              pool.count == UnicodeTableData.poolCount,
              pairs.count == 3 * UnicodeTableData.pairCount else { return false }
        for b in stage1 where (Int(b) + 1) << shift > stage2.count { return false }
        for r in stage2 where Int(r) >= UnicodeTableData.recordCount { return false }
        func sliceOK(_ w: UInt32) -> Bool { Int(w & 0xFF_FFFF) + Int(w >> 24) <= pool.count }
        for r in 0..<UnicodeTableData.recordCount {
            let info = records[4 * r]
            if info & Info.categoryMask > UInt32(GeneralCategory.Cn.rawValue) { return false }
            if info & Info.hasCanonical != 0 && !sliceOK(records[4 * r + 1]) { return false }
            if info & Info.hasCompat != 0 && !sliceOK(records[4 * r + 2]) { return false }
            if info & Info.lowerMulti != 0 && !sliceOK(records[4 * r + 3]) { return false }
        }
        for p in 0..<UnicodeTableData.pairCount where pairs[3 * p] == 0 { return false }
        return true
    }
}

/// The process-wide tables, decoded on first use (Swift's global initialization is lazy and
/// thread-safe). Immutable afterwards, hence safe to share.
nonisolated(unsafe) let unicodeTables = UnicodeTables()
