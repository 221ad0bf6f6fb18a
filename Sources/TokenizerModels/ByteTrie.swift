// A double-array trie over UTF-8 bytes (the structure SentencePiece uses for its pieces): a walk
// from one text position visits every vocabulary key that is a prefix of the text there, one
// array probe a byte, and the nodes near the root, which every walk visits, stay in cache.
import TokenizerCore

/// Immutable double-array trie of byte keys to non-negative values. Node 0 is the root; the
/// child of node `s` by byte `c` is `t = base(s) ^ c` when `check(t) == s`. Each node is two
/// 64-bit words: base (low half; -1 when the node has no child) | check (high half: the parent;
/// -1 for a free cell, -2 for the root), then a payload word the owner fills (`setPayload`), kept
/// beside the links so that a walk reads it from the same cache line. `values` holds each node's
/// value (-1 when no key ends there). The size follows the number of distinct key prefixes (at
/// most the total key bytes) plus a 256-cell block of slack per placement, so it is bounded by
/// the file.
struct ByteTrie: Sendable {
    private(set) var units: [UInt64]
    private(set) var values: [Int32]

    /// Builds from `count` keys: key `i` is `bytes(i)`, its value `value(i)`. When two keys are
    /// equal the one with the greater index wins (as a map filled in order).
    init(count: Int, key: (Int) -> UnsafeBufferPointer<UInt8>, value: (Int) -> Int32) {
        // Sort the key indices by bytes, then by index (the first 8 bytes, big-endian, decide
        // most comparisons).
        var head = [UInt64](repeating: 0, count: count)
        for i in 0..<count {
            let k = key(i)
            var w: UInt64 = 0
            for j in 0..<8 { w = w << 8 | UInt64(j < k.count ? k[j] : 0) }
            head[i] = w
        }
        var order = Array(0..<count)
        head.withUnsafeBufferPointer { hd in
            order.sort { a, b in
                if hd[a] != hd[b] { return hd[a] < hd[b] }
                let ka = key(a), kb = key(b)
                let n = min(ka.count, kb.count)
                if n > 8, let pa = ka.baseAddress, let pb = kb.baseAddress {
                    let c = memcmpBytes(pa + 8, pb + 8, n - 8)
                    if c != 0 { return c < 0 }
                }
                if ka.count != kb.count { return ka.count < kb.count }
                return a < b
            }
        }
        var b = Builder()
        b.ensure(256)
        b.setCheck(0, -2)
        // Depth-first over ranges of `order` sharing a prefix: (node, lo, hi, depth).
        var stack: [(Int, Int, Int, Int)] = count > 0 ? [(0, 0, count, 0)] : []
        var childBytes: [UInt8] = []
        var childLo: [Int] = []
        while let (node, lo0, hi, depth) = stack.popLast() {
            var lo = lo0
            // Keys ending here (equal keys: the last, greatest index, wins).
            while lo < hi && key(order[lo]).count == depth {
                b.setValue(node, value(order[lo]))
                lo += 1
            }
            if lo >= hi { continue }
            childBytes.removeAll(keepingCapacity: true)
            childLo.removeAll(keepingCapacity: true)
            var k = lo
            while k < hi {
                let c = key(order[k])[depth]
                childBytes.append(c)
                childLo.append(k)
                k += 1
                while k < hi && key(order[k])[depth] == c { k += 1 }
            }
            childLo.append(hi)
            let base = b.findBase(childBytes)
            b.setBase(node, base)
            for c in childBytes { b.setCheck(base ^ Int(c), node) }
            // Push in reverse so that children are processed in byte order.
            var i = childBytes.count - 1
            while i >= 0 {
                stack.append((base ^ Int(childBytes[i]), childLo[i], childLo[i + 1], depth + 1))
                i -= 1
            }
        }
        b.trim()
        let cells = b.cells
        var u = [UInt64](repeating: 0, count: 2 * cells)
        var vals = [Int32](repeating: -1, count: cells)
        for i in 0..<cells {
            u[2 * i] = UInt64(UInt32(bitPattern: b.units[3 * i])) | UInt64(UInt32(bitPattern: b.units[3 * i + 1])) << 32
            vals[i] = b.units[3 * i + 2]
        }
        units = u
        values = vals
    }

    /// Sets the payload word of every node: `f(value)` (value -1 for a node where no key ends).
    mutating func setPayload(_ f: (Int32) -> UInt64) {
        for i in 0..<values.count { units[2 * i + 1] = f(values[i]) }
    }

    /// The child of `node` by `byte`, or -1 (`u` = `units`, `count` = `nodeCount`).
    @inline(__always)
    static func child(_ u: UnsafePointer<UInt64>, _ count: Int, _ node: Int, _ byte: UInt8) -> Int {
        let t = Int(Int32(truncatingIfNeeded: u[2 * node])) ^ Int(byte)
        guard UInt(bitPattern: t) < UInt(count), Int32(truncatingIfNeeded: u[2 * t] >> 32) == Int32(truncatingIfNeeded: node) else { return -1 }
        return t
    }

    /// The payload word of `node`.
    @inline(__always)
    static func payload(_ u: UnsafePointer<UInt64>, _ node: Int) -> UInt64 { u[2 * node + 1] }

    /// Number of nodes (cells).
    var nodeCount: Int { values.count }

    private struct Builder {
        var units: [Int32] = []
        var cells = 0
        /// Every cell below this one is used.
        var firstFree = 1
        var used = 0

        mutating func ensure(_ n: Int) {
            guard n > cells else { return }
            var newCells = max(cells * 2, 1024)
            while newCells < n { newCells *= 2 }
            units.reserveCapacity(3 * newCells)
            for _ in cells..<newCells { units.append(-1); units.append(-1); units.append(-1) }
            cells = newCells
        }
        func check(_ t: Int) -> Int32 { units[3 * t + 1] }
        mutating func setBase(_ s: Int, _ v: Int) { units[3 * s] = Int32(v) }
        mutating func setCheck(_ t: Int, _ v: Int) {
            ensure(t + 1)
            units[3 * t + 1] = Int32(v)
            used = max(used, t + 1)
        }
        mutating func setValue(_ s: Int, _ v: Int32) { units[3 * s + 2] = v }

        /// A base whose cells `base ^ c` are all free (never the root cell).
        mutating func findBase(_ bytes: [UInt8]) -> Int {
            while firstFree < cells && check(firstFree) != -1 { firstFree += 1 }
            let c0 = Int(bytes[0])
            var p = firstFree
            var tries = 0
            while true {
                ensure(p + 1)
                if check(p) == -1 {
                    let base = p ^ c0
                    ensure((base | 255) + 1)
                    var ok = true
                    for c in bytes.dropFirst() {
                        let t = base ^ Int(c)
                        if t == 0 || check(t) != -1 { ok = false; break }
                    }
                    if ok && base ^ c0 != 0 { return base }
                }
                p += 1
                tries += 1
                // A crowded region: place past everything used (always free there).
                if tries > 4096 {
                    let base = ((used + 255) & ~255) + 256
                    ensure((base | 255) + 1)
                    return base
                }
            }
        }

        /// Drops the free cells past the last used one (a walk checks bounds).
        mutating func trim() {
            let n = max(used, 1)
            units.removeSubrange((3 * n)...)
            cells = n
        }
    }
}

@inline(__always)
private func memcmpBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Int {
    var i = 0
    while i < n {
        let x = a[i], y = b[i]
        if x != y { return x < y ? -1 : 1 }
        i += 1
    }
    return 0
}
