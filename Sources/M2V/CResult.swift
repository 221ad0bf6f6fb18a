// Library-allocated results (m2v_ids, m2v_sequence): one malloc block per result holding the
// struct and its arrays, so the matching m2v_*_free is a single free().
import CM2V
import M2VSupport
#if canImport(Glibc)
import Glibc
#endif

enum CResult {
    /// Allocates header + arrays in one block; the arrays follow the header, 16-byte aligned.
    private static func block(header: Int, _ sizes: [Int]) throws(M2VError) -> (UnsafeMutableRawPointer, [Int]) {
        var offsets: [Int] = []
        var total = (header + 15) & ~15
        for s in sizes {
            offsets.append(total)
            let (t, o) = total.addingReportingOverflow((s + 15) & ~15)
            guard !o, s >= 0 else { throw .outOfMemory("result too large") }
            total = t
        }
        guard let p = malloc(max(total, 16)) else { throw .outOfMemory("cannot allocate \(total) bytes for the result") }
        return (p, offsets)
    }

    static func ids(_ lists: [[Int32]]) throws(M2VError) -> UnsafeMutablePointer<m2v_ids> {
        let n = lists.count
        let total = lists.reduce(0) { $0 + $1.count }
        let (p, off) = try block(header: MemoryLayout<m2v_ids>.size,
                                 [(n + 1) * MemoryLayout<Int>.size, total * MemoryLayout<Int32>.size])
        let offsets = (p + off[0]).bindMemory(to: Int.self, capacity: n + 1)
        let ids = (p + off[1]).bindMemory(to: Int32.self, capacity: max(total, 1))
        var k = 0
        offsets[0] = 0
        for (i, list) in lists.enumerated() {
            for v in list { ids[k] = v; k += 1 }
            offsets[i + 1] = k
        }
        let h = p.bindMemory(to: m2v_ids.self, capacity: 1)
        h.pointee = m2v_ids(n_texts: n, offsets: UnsafePointer(offsets), ids: UnsafePointer(ids))
        return h
    }

    static func sequence(nTexts: Int, dim: Int, offsets src: [Int], vectors: [Float]) throws(M2VError) -> UnsafeMutablePointer<m2v_sequence> {
        let (p, off) = try block(header: MemoryLayout<m2v_sequence>.size,
                                 [(nTexts + 1) * MemoryLayout<Int>.size, vectors.count * MemoryLayout<Float>.size])
        let offsets = (p + off[0]).bindMemory(to: Int.self, capacity: nTexts + 1)
        for i in 0...nTexts { offsets[i] = i < src.count ? src[i] : (src.last ?? 0) }
        let vec = (p + off[1]).bindMemory(to: Float.self, capacity: max(vectors.count, 1))
        vectors.withUnsafeBufferPointer { b in
            if let base = b.baseAddress { vec.update(from: base, count: b.count) }
        }
        let h = p.bindMemory(to: m2v_sequence.self, capacity: 1)
        h.pointee = m2v_sequence(n_texts: nTexts, dim: dim, offsets: UnsafePointer(offsets), vectors: UnsafePointer(vec))
        return h
    }

    static func free<T>(_ p: UnsafeMutablePointer<T>?) {
        if let p { Glibc.free(p) }
    }
}
