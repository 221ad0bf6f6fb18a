// C API: models, encoding, tokenization, saving, tokenizers. Each function checks its pointers,
// converts arguments, calls the Swift core and maps errors to status codes. No logic.
import CM2V
import M2VSupport
import StaticModel
import Tokenizers
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Handles

@inline(__always) func retain<T: AnyObject>(_ object: T) -> OpaquePointer {
    OpaquePointer(Unmanaged.passRetained(object).toOpaque())
}
@inline(__always) func borrow<T: AnyObject>(_ p: OpaquePointer, as: T.Type) -> T {
    Unmanaged<T>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
}
@inline(__always) func release<T: AnyObject>(_ p: OpaquePointer, as: T.Type) {
    Unmanaged<T>.fromOpaque(UnsafeRawPointer(p)).release()
}

func string(_ p: UnsafePointer<CChar>?, _ what: String) throws(M2VError) -> String {
    guard let p else { throw .invalidArgument("\(what) is NULL") }
    return String(cString: p)
}

/// Validates the (texts, lengths, n) triple and wraps it as a batch.
func textBatch(_ texts: UnsafePointer<UnsafePointer<CChar>?>?, _ lengths: UnsafePointer<Int>?,
               _ n: Int) throws(M2VError) -> TextBatch? {
    if n == 0 { return nil }
    // size_t values above PTRDIFF_MAX arrive here negative: `0..<n` and buffer views would
    // trap on them, so they are rejected first (issue 8; Tests/c/test_hostile.c null-arguments).
    guard n > 0 else { throw .invalidArgument("n_texts \(UInt(bitPattern: n)) is larger than PTRDIFF_MAX") }
    guard let texts else { throw .invalidArgument("texts is NULL but n_texts is \(n)") }
    guard let lengths else { throw .invalidArgument("lengths is NULL but n_texts is \(n)") }
    for i in 0..<n {
        guard lengths[i] >= 0 else {
            throw .invalidArgument("lengths[\(i)] is \(UInt(bitPattern: lengths[i])), larger than PTRDIFF_MAX")
        }
        if texts[i] == nil && lengths[i] != 0 {
            throw .invalidArgument("texts[\(i)] is NULL but lengths[\(i)] is \(lengths[i])")
        }
    }
    return TextBatch(count: n, pointers: texts, lengths: lengths)
}

/// Reads an encode params struct defensively: only the fields that fit in the caller's
/// struct_size (issue 8); the fields an older, shorter struct lacks keep their defaults.
/// Returns the options and the caller's text_status array (NULL when not given).
func encodeOptions(_ p: UnsafePointer<m2v_encode_params>?, model: StaticModel,
                   defaultMaxLength: Int?) throws(M2VError) -> (EncodeOptions, UnsafeMutablePointer<Int32>?) {
    var o = EncodeOptions(maxLength: defaultMaxLength, normalize: nil)
    guard let p else { return (o, nil) }
    let v = try readParams(p, defaults: m2v_encode_default_params(), minimum: MemoryLayout<Int>.size + 4 * 3,
                           "m2v_encode_params")
    // > 0 a limit, 0 no limit, < 0 the call's default (see m2v_encode_params.max_length).
    o.maxLength = v.max_length > 0 ? Int(v.max_length) : (v.max_length == 0 ? nil : defaultMaxLength)
    o.normalize = try triState(v.normalize, "m2v_encode_params.normalize")
    guard v.n_threads >= 0 else { throw .invalidArgument("m2v_encode_params.n_threads must be >= 0") }
    o.threads = Int(v.n_threads)
    o.batchSize = v.batch_size == 0 ? ModelDefaults.batchSize : Int(v.batch_size)
    o.progress = progressCallback(v.progress, v.progress_user_data)
    o.characterCut = try flag(v.character_cut, "m2v_encode_params.character_cut")
    o.invalidText = try choice(v.invalid_text, InvalidText.self, "m2v_encode_params.invalid_text")
    return (o, v.text_status)
}

// MARK: - Models

@_cdecl("m2v_load_default_params")
public func m2v_load_default_params() -> m2v_load_params {
    m2v_load_params(struct_size: MemoryLayout<m2v_load_params>.size, normalize: -1, reserved0: 0, max_length: -1,
                    reserved1: 0, mmap: ModelDefaults.mmap ? 1 : 0, reserved2: 0)
}

@_cdecl("m2v_max_text_code_points")
public func m2v_max_text_code_points() -> Int { Limits.textCodePoints }

/// The defaults are the core's (ModelDefaults); -1 means "the model's own value".
@_cdecl("m2v_encode_default_params")
public func m2v_encode_default_params() -> m2v_encode_params {
    let d = EncodeOptions()
    return m2v_encode_params(struct_size: MemoryLayout<m2v_encode_params>.size, max_length: -1, normalize: -1,
                             n_threads: 0, batch_size: ModelDefaults.batchSize, progress: nil, progress_user_data: nil,
                             character_cut: d.characterCut ? 1 : 0, reserved0: 0, invalid_text: d.invalidText.rawValue,
                             reserved1: 0, text_status: nil)
}

// MARK: - Params: the one reader of every struct_size-prefixed struct and its field kinds

/// Copies only the caller's `struct_size` bytes of a params struct over `defaults` (older,
/// shorter structs keep the defaults of the fields they lack); `minimum` bytes are required.
/// A struct_size above the struct this library knows is fine (a newer caller's extra fields
/// are not read).
func readParams<T>(_ p: UnsafePointer<T>, defaults: T, minimum: Int, _ what: String) throws(M2VError) -> T {
    let size = UnsafeRawPointer(p).loadUnaligned(as: Int.self)
    guard size >= minimum else {
        throw .invalidArgument("\(what).struct_size is \(UInt(bitPattern: size)): initialize it with its default-params function")
    }
    var v = defaults
    withUnsafeMutableBytes(of: &v) { dst in
        dst.copyMemory(from: UnsafeRawBufferPointer(start: UnsafeRawPointer(p), count: min(size, dst.count)))
    }
    return v
}

/// A tri-state field: -1 = "the model's / the file's setting" (nil), 0, 1.
func triState(_ v: Int32, _ what: String) throws(M2VError) -> Bool? {
    switch v {
    case -1: return nil
    case 0: return false
    case 1: return true
    default: throw .invalidArgument("\(what) must be -1, 0 or 1 (got \(v))")
    }
}

/// A boolean field: 0 or 1.
func flag(_ v: Int32, _ what: String) throws(M2VError) -> Bool {
    switch v {
    case 0: return false
    case 1: return true
    default: throw .invalidArgument("\(what) must be 0 or 1 (got \(v))")
    }
}

/// An enum field whose values are the core enum's raw values.
func choice<E: RawRepresentable & CaseIterable>(_ v: Int32, _: E.Type, _ what: String) throws(M2VError) -> E
where E.RawValue == Int32 {
    guard let e = E(rawValue: v) else {
        let allowed = E.allCases.map { String($0.rawValue) }.joined(separator: ", ")
        throw .invalidArgument("\(what) must be one of \(allowed) (got \(v))")
    }
    return e
}

/// The one adapter of m2v_progress_fn (encode and distill): the core's closure returns true
/// to cancel, as the C callback's non-zero does.
func progressCallback(_ fn: m2v_progress_fn?, _ userData: UnsafeMutableRawPointer?) -> (@Sendable (Int, Int) -> Bool)? {
    guard let fn else { return nil }
    let user = UInt(bitPattern: userData)
    return { done, total in fn(done, total, UnsafeMutableRawPointer(bitPattern: user)) != 0 }
}

func maxLengthChoice(_ v: Int32, _ what: String) throws(M2VError) -> MaxLengthChoice {
    if v == -1 { return .fromConfig }
    if v == 0 { return .none }
    guard v > 0 else { throw .invalidArgument("\(what) must be -1, 0 or > 0 (got \(v))") }
    return .tokens(Int(v))
}

@_cdecl("m2v_model_load")
public func m2v_model_load(_ path: UnsafePointer<CChar>?, _ params: UnsafePointer<m2v_load_params>?,
                           _ out: UnsafeMutablePointer<OpaquePointer?>?) -> m2v_status {
    guard let out else { return fail(.invalidArgument, "m2v_model_load: out is NULL") }
    out.pointee = nil
    return guarded { () throws(M2VError) in
        let dir = try string(path, "m2v_model_load: path")
        let o = try loadOptions(params)
        out.pointee = retain(try StaticModel(path: HubCache.resolve(dir), normalize: o.normalize,
                                             maxLength: o.maxLength, mmap: o.mmap))
    }
}

/// Reads a load params struct (NULL = defaults): normalize override, max_length choice, mmap.
func loadOptions(_ params: UnsafePointer<m2v_load_params>?) throws(M2VError)
    -> (normalize: Bool?, maxLength: MaxLengthChoice, mmap: Bool) {
    guard let params else { return (nil, .fromConfig, ModelDefaults.mmap) }
    let v = try readParams(params, defaults: m2v_load_default_params(),
                           minimum: MemoryLayout<Int>.size + 4, "m2v_load_params")
    return (try triState(v.normalize, "m2v_load_params.normalize"),
            try maxLengthChoice(v.max_length, "m2v_load_params.max_length"),
            try flag(v.mmap, "m2v_load_params.mmap"))
}

@_cdecl("m2v_model_free")
public func m2v_model_free(_ model: OpaquePointer?) {
    if let model { release(model, as: StaticModel.self) }
}

@_cdecl("m2v_model_dim")
public func m2v_model_dim(_ model: OpaquePointer?) -> Int {
    guard let model else { return 0 }
    return borrow(model, as: StaticModel.self).dim
}

@_cdecl("m2v_model_vocab_size")
public func m2v_model_vocab_size(_ model: OpaquePointer?) -> Int {
    guard let model else { return 0 }
    return borrow(model, as: StaticModel.self).tokenizer.vocabSize
}

@_cdecl("m2v_model_normalize")
public func m2v_model_normalize(_ model: OpaquePointer?) -> Int32 {
    guard let model else { return -1 }
    return borrow(model, as: StaticModel.self).normalize ? 1 : 0
}

@_cdecl("m2v_model_token")
public func m2v_model_token(_ model: OpaquePointer?, _ id: Int32, _ outLen: UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>? {
    outLen?.pointee = 0
    guard let model else { return nil }
    let m = borrow(model, as: StaticModel.self)
    guard let (ptr, len) = m.tokenCString(id) else { return nil }
    outLen?.pointee = len
    return ptr
}

@_cdecl("m2v_encode")
public func m2v_encode(_ model: OpaquePointer?, _ texts: UnsafePointer<UnsafePointer<CChar>?>?,
                       _ lengths: UnsafePointer<Int>?, _ n: Int, _ params: UnsafePointer<m2v_encode_params>?,
                       _ out: UnsafeMutablePointer<Float>?, _ capacity: Int) -> m2v_status {
    guarded { () throws(M2VError) in
        guard let model else { throw .invalidArgument("m2v_encode: model is NULL") }
        let m = borrow(model, as: StaticModel.self)
        let (options, status) = try encodeOptions(params, model: m, defaultMaxLength: m.maxLength)
        guard let batch = try textBatch(texts, lengths, n) else { return }
        let (need, overflow) = n.multipliedReportingOverflow(by: m.dim)
        guard !overflow else { throw .invalidArgument("m2v_encode: n_texts * dim overflows") }
        guard let out else { throw .invalidArgument("m2v_encode: out is NULL") }
        guard capacity >= need else {
            throw .bufferTooSmall("m2v_encode: out holds \(capacity) floats, \(need) are needed (n_texts \(n) x dim \(m.dim))")
        }
        try m.encode(batch, options: options, out: out, status: status)
    }
}

@_cdecl("m2v_encode_ids")
public func m2v_encode_ids(_ model: OpaquePointer?, _ ids: UnsafePointer<Int32>?, _ offsets: UnsafePointer<Int>?,
                           _ n: Int, _ params: UnsafePointer<m2v_encode_params>?,
                           _ out: UnsafeMutablePointer<Float>?, _ capacity: Int) -> m2v_status {
    guarded { () throws(M2VError) in
        guard let model else { throw .invalidArgument("m2v_encode_ids: model is NULL") }
        let m = borrow(model, as: StaticModel.self)
        // No character cut or tokenizer here: max_length -1 means no truncation.
        let (options, _) = try encodeOptions(params, model: m, defaultMaxLength: nil)
        if n == 0 { return }
        guard n > 0, n < Int.max else { throw .invalidArgument("m2v_encode_ids: n_texts \(UInt(bitPattern: n)) is larger than PTRDIFF_MAX") }
        guard let offsets else { throw .invalidArgument("m2v_encode_ids: offsets is NULL but n_texts is \(n)") }
        let (need, overflow) = n.multipliedReportingOverflow(by: m.dim)
        guard !overflow else { throw .invalidArgument("m2v_encode_ids: n_texts * dim overflows") }
        guard let out else { throw .invalidArgument("m2v_encode_ids: out is NULL") }
        guard capacity >= need else {
            throw .bufferTooSmall("m2v_encode_ids: out holds \(capacity) floats, \(need) are needed (n_texts \(n) x dim \(m.dim))")
        }
        try m.encode(ids: ids, offsets: UnsafeBufferPointer(start: offsets, count: n + 1), options: options, out: out)
    }
}

@_cdecl("m2v_encode_as_sequence")
public func m2v_encode_as_sequence(_ model: OpaquePointer?, _ texts: UnsafePointer<UnsafePointer<CChar>?>?,
                                   _ lengths: UnsafePointer<Int>?, _ n: Int,
                                   _ params: UnsafePointer<m2v_encode_params>?,
                                   _ out: UnsafeMutablePointer<UnsafeMutablePointer<m2v_sequence>?>?) -> m2v_status {
    guard let out else { return fail(.invalidArgument, "m2v_encode_as_sequence: out is NULL") }
    out.pointee = nil
    return guarded { () throws(M2VError) in
        guard let model else { throw .invalidArgument("m2v_encode_as_sequence: model is NULL") }
        let m = borrow(model, as: StaticModel.self)
        // NULL params: model2vec's default for sequences is no truncation.
        let (options, status) = try encodeOptions(params, model: m, defaultMaxLength: nil)
        var offsets: [Int] = [0]
        var vectors: [Float] = []
        if let batch = try textBatch(texts, lengths, n) {
            (offsets, vectors) = try m.encodeAsSequence(batch, options: options, status: status)
        }
        out.pointee = try CResult.sequence(nTexts: n, dim: m.dim, offsets: offsets, vectors: vectors)
    }
}

@_cdecl("m2v_sequence_free")
public func m2v_sequence_free(_ s: UnsafeMutablePointer<m2v_sequence>?) { CResult.free(s) }

@_cdecl("m2v_ids_free")
public func m2v_ids_free(_ ids: UnsafeMutablePointer<m2v_ids>?) { CResult.free(ids) }

@_cdecl("m2v_tokenize")
public func m2v_tokenize(_ model: OpaquePointer?, _ texts: UnsafePointer<UnsafePointer<CChar>?>?,
                         _ lengths: UnsafePointer<Int>?, _ n: Int, _ params: UnsafePointer<m2v_encode_params>?,
                         _ out: UnsafeMutablePointer<UnsafeMutablePointer<m2v_ids>?>?) -> m2v_status {
    guard let out else { return fail(.invalidArgument, "m2v_tokenize: out is NULL") }
    out.pointee = nil
    return guarded { () throws(M2VError) in
        guard let model else { throw .invalidArgument("m2v_tokenize: model is NULL") }
        let m = borrow(model, as: StaticModel.self)
        let (options, status) = try encodeOptions(params, model: m, defaultMaxLength: m.maxLength)
        var lists: [[Int32]] = []
        if let batch = try textBatch(texts, lengths, n) { lists = try m.tokenize(batch, options: options, status: status) }
        out.pointee = try CResult.ids(lists)
    }
}

@_cdecl("m2v_model_save")
public func m2v_model_save(_ model: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> m2v_status {
    guarded { () throws(M2VError) in
        guard let model else { throw .invalidArgument("m2v_model_save: model is NULL") }
        try borrow(model, as: StaticModel.self).save(to: try string(path, "m2v_model_save: path"))
    }
}

// MARK: - Tokenizers

@_cdecl("m2v_tokenizer_load")
public func m2v_tokenizer_load(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> m2v_status {
    guard let out else { return fail(.invalidArgument, "m2v_tokenizer_load: out is NULL") }
    out.pointee = nil
    return guarded { () throws(M2VError) in
        out.pointee = retain(try Tokenizer(path: try string(path, "m2v_tokenizer_load: path")))
    }
}

@_cdecl("m2v_tokenizer_load_from_memory")
public func m2v_tokenizer_load_from_memory(_ json: UnsafePointer<CChar>?, _ len: Int,
                                           _ out: UnsafeMutablePointer<OpaquePointer?>?) -> m2v_status {
    guard let out else { return fail(.invalidArgument, "m2v_tokenizer_load_from_memory: out is NULL") }
    out.pointee = nil
    return guarded { () throws(M2VError) in
        guard let json else { throw .invalidArgument("m2v_tokenizer_load_from_memory: json is NULL") }
        // A size_t above PTRDIFF_MAX arrives negative and would trap the buffer view (issue 8).
        guard len >= 0 else {
            throw .invalidArgument("m2v_tokenizer_load_from_memory: json_len_bytes \(UInt(bitPattern: len)) is larger than PTRDIFF_MAX")
        }
        let bytes = Array(UnsafeRawBufferPointer(start: json, count: len))
        out.pointee = retain(try Tokenizer(jsonBytes: bytes))
    }
}

@_cdecl("m2v_tokenizer_free")
public func m2v_tokenizer_free(_ t: OpaquePointer?) {
    if let t { release(t, as: Tokenizer.self) }
}

@_cdecl("m2v_tokenizer_vocab_size")
public func m2v_tokenizer_vocab_size(_ t: OpaquePointer?) -> Int {
    guard let t else { return 0 }
    return borrow(t, as: Tokenizer.self).vocabSize
}

@_cdecl("m2v_tokenizer_token")
public func m2v_tokenizer_token(_ t: OpaquePointer?, _ id: Int32, _ out: UnsafeMutablePointer<CChar>?,
                                _ outCapacity: Int, _ outSize: UnsafeMutablePointer<Int>?) -> m2v_status {
    outSize?.pointee = 0
    return guarded { () throws(M2VError) in
        guard let t else { throw .invalidArgument("m2v_tokenizer_token: tokenizer is NULL") }
        // size_t values above PTRDIFF_MAX arrive negative (see textBatch).
        guard outCapacity >= 0 else {
            throw .invalidArgument("m2v_tokenizer_token: out_capacity \(UInt(bitPattern: outCapacity)) is larger than PTRDIFF_MAX")
        }
        if out == nil && outCapacity > 0 {
            throw .invalidArgument("m2v_tokenizer_token: out is NULL but out_capacity is \(outCapacity)")
        }
        guard let bytes = borrow(t, as: Tokenizer.self).token(forId: id) else {
            throw .notFound("m2v_tokenizer_token: no token has id \(id)")
        }
        outSize?.pointee = bytes.count
        guard outCapacity >= bytes.count else {
            throw .bufferTooSmall("m2v_tokenizer_token: the token needs \(bytes.count) bytes, out_capacity is \(outCapacity)")
        }
        if let out {
            bytes.withUnsafeBufferPointer { src in
                for i in 0..<src.count { out[i] = CChar(bitPattern: src[i]) }
            }
        }
    }
}

@_cdecl("m2v_tokenizer_encode")
public func m2v_tokenizer_encode(_ t: OpaquePointer?, _ texts: UnsafePointer<UnsafePointer<CChar>?>?,
                                 _ lengths: UnsafePointer<Int>?, _ n: Int, _ addSpecial: Int32,
                                 _ out: UnsafeMutablePointer<UnsafeMutablePointer<m2v_ids>?>?) -> m2v_status {
    var p = m2v_tokenizer_encode_default_params()
    p.add_special_tokens = addSpecial != 0 ? 1 : 0
    return tokenizerEncode(t, texts, lengths, n, p, "m2v_tokenizer_encode", out)
}

@_cdecl("m2v_tokenizer_encode_default_params")
public func m2v_tokenizer_encode_default_params() -> m2v_tokenizer_encode_params {
    let pad = Padding()
    return m2v_tokenizer_encode_params(struct_size: MemoryLayout<m2v_tokenizer_encode_params>.size, add_special_tokens: 1,
                                       truncation: -1, truncation_direction: -1, padding: -1, pad_length: 0,
                                       pad_id: pad.padId, pad_to_multiple_of: 0,
                                       pad_direction: pad.direction == .right ? 0 : 1)
}

@_cdecl("m2v_tokenizer_encode_v2")
public func m2v_tokenizer_encode_v2(_ t: OpaquePointer?, _ texts: UnsafePointer<UnsafePointer<CChar>?>?,
                                    _ lengths: UnsafePointer<Int>?, _ n: Int,
                                    _ params: UnsafePointer<m2v_tokenizer_encode_params>?,
                                    _ out: UnsafeMutablePointer<UnsafeMutablePointer<m2v_ids>?>?) -> m2v_status {
    guard let params else {
        return tokenizerEncode(t, texts, lengths, n, m2v_tokenizer_encode_default_params(), "m2v_tokenizer_encode_v2", out)
    }
    do {
        let v = try readParams(params, defaults: m2v_tokenizer_encode_default_params(),
                               minimum: MemoryLayout<Int>.size + 4, "m2v_tokenizer_encode_params")
        return tokenizerEncode(t, texts, lengths, n, v, "m2v_tokenizer_encode_v2", out)
    } catch {
        out?.pointee = nil
        return fail(error)
    }
}

/// The truncation and padding `v` asks for, on top of the tokenizer's own.
func batchSettings(_ v: m2v_tokenizer_encode_params, _ tok: Tokenizer) throws(M2VError) -> BatchSettings {
    let w = "m2v_tokenizer_encode_params"
    var s = tok.fileSettings
    func side(_ x: Int32, _ field: String) throws(M2VError) -> SequenceSide {
        try flag(x, "\(w).\(field)") ? .left : .right
    }
    switch v.truncation {
    case -1: break
    case 0: s.truncation = nil
    case let m where m > 0:
        var t = s.truncation ?? Truncation(maxLength: Int(m))
        t.maxLength = Int(m)
        s.truncation = t
    default: throw .invalidArgument("\(w).truncation must be -1, 0 or > 0 (got \(v.truncation))")
    }
    if v.truncation_direction != -1 {
        let d = try side(v.truncation_direction, "truncation_direction")
        s.truncation?.direction = d
    }
    switch v.padding {
    case -1: break
    case 0: s.padding = nil
    case 1:
        let cap = Limits.padLength
        guard v.pad_length >= 0, Int(v.pad_length) <= cap else { throw .invalidArgument("\(w).pad_length must be in 0...\(cap) (got \(v.pad_length))") }
        guard v.pad_to_multiple_of >= 0, Int(v.pad_to_multiple_of) <= cap else {
            throw .invalidArgument("\(w).pad_to_multiple_of must be in 0...\(cap) (got \(v.pad_to_multiple_of))")
        }
        guard v.pad_id >= 0 else { throw .invalidArgument("\(w).pad_id must be >= 0 (got \(v.pad_id))") }
        s.padding = Padding(length: v.pad_length == 0 ? nil : Int(v.pad_length),
                            direction: try side(v.pad_direction, "pad_direction"),
                            padToMultipleOf: v.pad_to_multiple_of == 0 ? nil : Int(v.pad_to_multiple_of), padId: v.pad_id)
    default: throw .invalidArgument("\(w).padding must be -1, 0 or 1 (got \(v.padding))")
    }
    return s
}

func tokenizerEncode(_ t: OpaquePointer?, _ texts: UnsafePointer<UnsafePointer<CChar>?>?,
                     _ lengths: UnsafePointer<Int>?, _ n: Int, _ v: m2v_tokenizer_encode_params, _ fn: String,
                     _ out: UnsafeMutablePointer<UnsafeMutablePointer<m2v_ids>?>?) -> m2v_status {
    guard let out else { return fail(.invalidArgument, "\(fn): out is NULL") }
    out.pointee = nil
    return guarded { () throws(M2VError) in
        guard let t else { throw .invalidArgument("\(fn): tokenizer is NULL") }
        let tok = borrow(t, as: Tokenizer.self)
        let addSpecial = try flag(v.add_special_tokens, "m2v_tokenizer_encode_params.add_special_tokens")
        let settings = try batchSettings(v, tok)
        var lists: [[Int32]] = []
        if let batch = try textBatch(texts, lengths, n) {
            lists = try tok.encodeBatch(batch, addSpecialTokens: addSpecial, settings: settings)
        }
        out.pointee = try CResult.ids(lists)
    }
}
