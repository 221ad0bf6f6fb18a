// M2VCLI — the `m2v` command: encode, tokenize, distill, info and similar from a shell. It is a
// client of libm2v's C API (include/m2v.h, linked as libm2v.so), like the other bindings:
// defaults, limits and error codes are the library's. This file owns the thin Swift wrappers
// over the C handles; every failed call becomes an M2VError carrying the C status and the
// thread's m2v_last_error().
import CM2V
import M2VSupport

/// Throws the C status `status` (with the thread's last error message) unless it is M2V_OK.
func check(_ status: m2v_status) throws(M2VError) {
    guard status != M2V_OK else { return }
    let code = M2VError.Code(rawValue: Int32(bitPattern: status.rawValue)) ?? .internal
    var message = m2v_last_error().map { String(cString: $0) } ?? ""
    if message.isEmpty { message = String(cString: m2v_status_name(Int32(bitPattern: status.rawValue))) }
    throw M2VError(code, message)
}

/// A loaded static model (m2v_model), freed with the object.
final class Model {
    let handle: OpaquePointer
    /// Set when the model came from a classifier folder: the classifier owns the model.
    private let owner: Classifier?

    init(path: String, normalize: Int32? = nil) throws(M2VError) {
        var params = m2v_load_default_params()
        if let normalize { params.normalize = normalize }
        var out: OpaquePointer?
        try check(m2v_model_load(path, &params, &out))
        guard let out else { throw M2VError(.internal, "m2v_model_load returned no model") }
        handle = out
        owner = nil
    }

    init(borrowedFrom classifier: Classifier) throws(M2VError) {
        guard let m = m2v_classifier_model(classifier.handle) else { throw M2VError(.internal, "classifier without a model") }
        handle = m
        owner = classifier
    }

    deinit { if owner == nil { m2v_model_free(handle) } }

    var dim: Int { m2v_model_dim(handle) }
    var vocabSize: Int { m2v_model_vocab_size(handle) }

    func token(_ id: Int32) -> String? {
        var len = 0
        guard let p = m2v_model_token(handle, id, &len) else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }

    func tensor(_ name: String) -> m2v_tensor? {
        var t = m2v_tensor()
        guard m2v_model_tensor(handle, name, &t) == M2V_OK else { return nil }
        return t
    }

    func tokenizerJSON() throws(M2VError) -> [UInt8] {
        var need = 0
        try check(m2v_model_tokenizer_json(handle, nil, 0, &need))
        var bytes = [UInt8](repeating: 0, count: need)
        try bytes.withUnsafeMutableBufferPointer { (b) throws(M2VError) in
            try check(m2v_model_tokenizer_json(handle, UnsafeMutableRawPointer(b.baseAddress)?.assumingMemoryBound(to: CChar.self),
                                               b.count, &need))
        }
        return bytes
    }

    func configJSON() -> String { m2v_model_config_json(handle, nil).map { String(cString: $0) } ?? "{}" }
    func metadataJSON() -> String { m2v_model_metadata_json(handle, nil).map { String(cString: $0) } ?? "{}" }
}

/// A loaded classifier pipeline (m2v_classifier).
final class Classifier {
    let handle: OpaquePointer
    init(path: String) throws(M2VError) {
        var out: OpaquePointer?
        try check(m2v_classifier_load(path, nil, &out))
        guard let out else { throw M2VError(.internal, "m2v_classifier_load returned nothing") }
        handle = out
    }
    deinit { m2v_classifier_free(handle) }
}

/// A loaded tokenizer.json (m2v_tokenizer).
final class Tokenizer {
    let handle: OpaquePointer
    init(path: String) throws(M2VError) {
        var out: OpaquePointer?
        try check(m2v_tokenizer_load(path, &out))
        guard let out else { throw M2VError(.internal, "m2v_tokenizer_load returned nothing") }
        handle = out
    }
    init(json: [UInt8]) throws(M2VError) {
        var out: OpaquePointer?
        let st = json.withUnsafeBufferPointer {
            m2v_tokenizer_load_from_memory(UnsafeRawPointer($0.baseAddress)?.assumingMemoryBound(to: CChar.self), $0.count, &out)
        }
        try check(st)
        guard let out else { throw M2VError(.internal, "m2v_tokenizer_load_from_memory returned nothing") }
        handle = out
    }
    deinit { m2v_tokenizer_free(handle) }

    /// The token string of `id` (m2v_tokenizer_token), nil when no token has it.
    func token(_ id: Int32) -> String? {
        var need = 0
        var buf = [CChar](repeating: 0, count: 64)
        var st = m2v_tokenizer_token(handle, id, &buf, buf.count, &need)
        if st == M2V_ERR_BUFFER_TOO_SMALL {
            buf = [CChar](repeating: 0, count: need)
            st = m2v_tokenizer_token(handle, id, &buf, buf.count, &need)
        }
        guard st == M2V_OK else { return nil }
        return buf.withUnsafeBytes { String(decoding: $0.prefix(need), as: UTF8.self) }
    }
}

/// m2v_hub_resolve: a folder as given, or a hub id's snapshot in the local cache.
func resolve(_ pathOrId: String) throws(M2VError) -> String {
    var need = 0
    var buf = [CChar](repeating: 0, count: 4096)
    var st = m2v_hub_resolve(pathOrId, &buf, buf.count, &need)
    if st == M2V_ERR_BUFFER_TOO_SMALL {
        buf = [CChar](repeating: 0, count: need)
        st = m2v_hub_resolve(pathOrId, &buf, buf.count, &need)
    }
    try check(st)
    buf.append(0)
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Calls `body` with C pointers to the texts of `batch` (no copies).
func withCTexts<R>(_ batch: TextBatch, _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>, Int) throws(M2VError) -> R) throws(M2VError) -> R {
    try batch.arena.withUnsafeBufferPointer { (arena) throws(M2VError) -> R in
        let base = UnsafeRawPointer(arena.baseAddress)?.assumingMemoryBound(to: CChar.self)
        var ptrs = [UnsafePointer<CChar>?](repeating: nil, count: batch.count)
        var lens = [Int](repeating: 0, count: batch.count)
        for i in 0..<batch.count {
            let (start, end) = (batch.offsets[i], batch.offsets[i + 1])
            lens[i] = end - start
            ptrs[i] = base.map { $0 + start }
        }
        // One slot more than texts, so neither buffer is empty and both base addresses exist.
        ptrs.append(nil)
        lens.append(0)
        return try ptrs.withUnsafeBufferPointer { (p) throws(M2VError) -> R in
            try lens.withUnsafeBufferPointer { (l) throws(M2VError) -> R in
                guard let pb = p.baseAddress, let lb = l.baseAddress else { throw M2VError(.internal, "empty text table") }
                return try body(pb, lb, batch.count)
            }
        }
    }
}

/// Writes `s` to standard error (fd 2, unbuffered: progress lines and messages).
func eprint(_ s: String) {
    var bytes = Array(s.utf8)
    bytes.withUnsafeMutableBytes { b in _ = try? writeAll(2, UnsafeRawBufferPointer(b), "<stderr>") }
}
