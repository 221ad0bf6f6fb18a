// Conformance with model2vec 0.10's StaticModel: encode (dev corpus + edge cases, and the
// f32 / nonorm / max_length variants), encode_as_sequence, and the effective ids of tokenize,
// against fixtures made with the reference. Tolerances: max |diff| <= 1e-5 where the reference
// returns float32, <= 3e-3 where it returns float16; cosine >= 0.9999 per non-zero row.
import XCTest
import M2VSupport
import SafeTensors
import TestSupport
@testable import StaticModel

final class EncodeConformanceTests: XCTestCase {
    static func modelDir(_ name: String) throws -> String {
        if name == "tokenlearn-unigram-vq10k-int8" { return try Fixtures.tokenlearnModelDir() }
        return try Fixtures.path("models/\(name)")
    }

    static func compare(_ ours: [Float], _ ref: [Float], dim: Int, tol: Float, what: String,
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ours.count, ref.count, what, file: file, line: line)
        guard ours.count == ref.count else { return }
        var worst: Float = 0, worstRow = -1, bad = 0
        var minCos: Double = 1, minCosRow = -1
        for r in 0..<(ours.count / dim) {
            var dot = 0.0, na = 0.0, nb = 0.0
            var rowBad = false
            for j in 0..<dim {
                let a = ours[r * dim + j], b = ref[r * dim + j]
                let d = abs(a - b)
                if !(d <= tol) { rowBad = true }
                if d > worst || d.isNaN { worst = d; worstRow = r }
                dot += Double(a) * Double(b); na += Double(a) * Double(a); nb += Double(b) * Double(b)
            }
            if rowBad { bad += 1 }
            if na > 0 || nb > 0 {
                let cos = dot / (na.squareRoot() * nb.squareRoot() + 1e-30)
                if cos < minCos { minCos = cos; minCosRow = r }
            }
        }
        XCTAssertEqual(bad, 0, "\(what): \(bad) rows exceed \(tol); worst |diff| \(worst) at row \(worstRow)", file: file, line: line)
        XCTAssertGreaterThanOrEqual(minCos, 0.9999, "\(what): min cosine \(minCos) at row \(minCosRow)", file: file, line: line)
    }

    func checkEncode(_ name: String) throws {
        let model = try StaticModel(path: Self.modelDir(name))
        for corpus in ["dev", "edge"] {
            let texts = corpus == "dev" ? try Fixtures.devTexts() : try Fixtures.edgeTexts()
            let ref = try SafeTensorsFile(path: Fixtures.path("reference/encode/\(name)/\(corpus).safetensors"))
            for t in ref.tensors {
                var options = EncodeOptions(maxLength: model.maxLength)
                switch t.name {
                case "encode", "encode_f32": break
                case "encode_nonorm": options.normalize = false
                case "encode_maxlen_none": options.maxLength = nil
                case "encode_maxlen_16": options.maxLength = 16
                default: XCTFail("unknown reference tensor \(t.name)"); continue
                }
                let tol: Float = t.dtype == .F16 ? 3e-3 : 1e-5
                let ours = try model.encode(texts, options: options)
                Self.compare(ours, try ref.floats(t), dim: model.dim, tol: tol, what: "\(name) \(corpus) \(t.name)")
            }
        }
    }

    func testMiniLMDefault() throws { try checkEncode("minilm-default") }
    func testMiniLMPCA32F32() throws { try checkEncode("minilm-pca32-f32") }
    func testMiniLMVocabPCA64() throws { try checkEncode("minilm-vocab-pca64") }
    func testMiniLMVQ256Int8() throws { try checkEncode("minilm-vq256-int8") }
    func testTokenlearnUnigramVQ10kInt8() throws { try checkEncode("tokenlearn-unigram-vq10k-int8") }
    func testTrainedByteBPE() throws { try checkEncode("trained-bytebpe-8k") }
    func testTrainedUnigramWeights() throws { try checkEncode("trained-unigram-6k-weights") }
    func testTrainedWordLevelNoNorm() throws { try checkEncode("trained-wordlevel-5k-nonorm") }
    func testWordLlama() throws { try checkEncode("wordllama-l2bpe-32") }

    // MARK: encode_as_sequence

    func testSequences() throws {
        for name in ["minilm-default", "minilm-pca32-f32", "minilm-vq256-int8", "trained-unigram-6k-weights",
                     "wordllama-l2bpe-32", "trained-bytebpe-8k"] {
            let path = try Fixtures.path("reference/encode/\(name)/sequence.safetensors")
            let ref = try SafeTensorsFile(path: path)
            let model = try StaticModel(path: Self.modelDir(name))
            let dev = try Fixtures.devTexts(), edge = try Fixtures.edgeTexts()
            let which = try JSON.parse(ref.metadataValue("texts") ?? "[]").array ?? []
            let texts: [String] = which.compactMap { item in
                guard let a = item.array, a.count == 2, let src = a[0].string, let i = a[1].int else { return nil }
                return src == "dev" ? dev[i] : edge[i]
            }
            XCTAssertEqual(texts.count, which.count)
            let (offsets, vectors) = try TextBatch.with(texts) { (b: TextBatch) throws(M2VError) in
                try model.encodeAsSequence(b, options: EncodeOptions(maxLength: nil))
            }
            let refOffsets = try ref.int64s(XCTUnwrap(ref.tensor(named: "offsets"))).map { Int($0) }
            XCTAssertEqual(offsets, refOffsets, "\(name): token counts per text")
            let vt = try XCTUnwrap(ref.tensor(named: "vectors"))
            Self.compare(vectors, try ref.floats(vt), dim: model.dim, tol: vt.dtype == .F16 ? 3e-3 : 1e-5,
                         what: "\(name) sequence")
        }
    }

    // MARK: effective ids (tokenize)

    func testEffectiveIds() throws {
        let pairs = [("minilm-default", "minilm-distilled"), ("minilm-vocab-pca64", "minilm-distilled-vocab"),
                     ("wordllama-l2bpe-32", "llama2-bpe"), ("tokenlearn-unigram-vq10k-int8", "tokenlearn-unigram"),
                     ("trained-bytebpe-8k", "trained-bytebpe-8k"), ("trained-unigram-6k-weights", "trained-unigram-6k"),
                     ("trained-wordlevel-5k-nonorm", "trained-wordlevel-5k")]
        for (modelName, tokName) in pairs {
            let model = try StaticModel(path: Self.modelDir(modelName))
            for corpus in ["dev", "edge"] {
                let texts = corpus == "dev" ? try Fixtures.devTexts() : try Fixtures.edgeTexts()
                let ref = try SafeTensorsFile(path: Fixtures.path("reference/tokenizers/\(tokName)/\(corpus).safetensors"))
                guard let lenT = ref.tensor(named: "effective_len") else { XCTFail("\(tokName): no effective_len"); continue }
                XCTAssertEqual(ref.metadataValue("median_token_length"), String(model.medianTokenLength), "\(modelName) median")
                let lens = try ref.int64s(lenT)
                let plainIds = try ref.int64s(XCTUnwrap(ref.tensor(named: "plain_ids")))
                let plainOff = try ref.int64s(XCTUnwrap(ref.tensor(named: "plain_offsets")))
                var expected: [[Int32]] = (0..<texts.count).map { i in
                    plainIds[Int(plainOff[i])..<Int(plainOff[i + 1])].map { Int32($0) }.filter { $0 != model.unkId }
                }
                if let rows = ref.tensor(named: "effective_rows") {
                    let r = try ref.int64s(rows)
                    let ids = try ref.int64s(XCTUnwrap(ref.tensor(named: "effective_ids")))
                    let off = try ref.int64s(XCTUnwrap(ref.tensor(named: "effective_offsets")))
                    for (k, row) in r.enumerated() {
                        expected[Int(row)] = ids[Int(off[k])..<Int(off[k + 1])].map { Int32($0) }
                    }
                }
                let ours = try TextBatch.with(texts) { (b: TextBatch) throws(M2VError) in
                    try model.tokenize(b, options: EncodeOptions(maxLength: model.maxLength))
                }
                var bad = 0
                for i in 0..<texts.count where ours[i] != expected[i] || ours[i].count != Int(lens[i]) {
                    bad += 1
                    if bad <= 3 { XCTFail("\(modelName) \(corpus)[\(i)]: ours \(ours[i].count) ids \(ours[i].prefix(12)), ref \(expected[i].count) \(expected[i].prefix(12))") }
                }
                XCTAssertEqual(bad, 0, "\(modelName) \(corpus): \(bad) texts differ")
            }
        }
    }
}
