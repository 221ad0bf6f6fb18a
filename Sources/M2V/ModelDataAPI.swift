// C API: a model's data and metadata (tensors, config, card metadata, tokenizer.json), models
// built from caller arrays (m2v_model_create), re-quantized models (m2v_model_quantize) and
// saving with options (m2v_model_save_v2). Each function checks its pointers, converts
// arguments, calls the Swift core and maps errors to status codes. No logic.
import CM2V
import Distill
import M2VSupport
import SafeTensors
import StaticModel

/// m2v_dtype <-> DType (the C values are ABI; see include/m2v.h).
let dtypeCodes: [(Int32, DType)] = [
    (0, .F32), (1, .F16), (2, .F64), (3, .I8), (4, .BF16), (5, .U8), (6, .I16), (7, .I32), (8, .I64), (9, .BOOL),
]
func dtypeCode(_ d: DType) -> Int32 { dtypeCodes.first { $0.1 == d }?.0 ?? -1 }
func dtype(code: Int32, _ what: String) throws(M2VError) -> DType {
    guard let d = dtypeCodes.first(where: { $0.0 == code })?.1 else {
        throw .invalidArgument("\(what).dtype \(code) is not an m2v_dtype")
    }
    return d
}

/// A caller's m2v_tensor as a borrowed ModelTensor, after checking that nbytes matches the shape.
func tensor(_ t: m2v_tensor, _ what: String, ndim: Int32) throws(M2VError) -> ModelTensor {
    let d = try dtype(code: t.dtype, what)
    guard t.ndim == ndim else { throw .invalidArgument("\(what).ndim must be \(ndim) (got \(t.ndim))") }
    let s0 = t.shape.0, s1 = ndim == 2 ? t.shape.1 : 1
    guard s0 >= 0, s1 >= 0, t.nbytes >= 0 else { throw .invalidArgument("\(what): a size is larger than PTRDIFF_MAX") }
    let (cells, o1) = s0.multipliedReportingOverflow(by: s1)
    let (need, o2) = cells.multipliedReportingOverflow(by: d.size)
    guard !o1, !o2, need == t.nbytes else {
        throw .invalidArgument("\(what).nbytes is \(t.nbytes), shape and dtype need \(o1 || o2 ? "more than SIZE_MAX" : String(need))")
    }
    guard need == 0 || t.data != nil else { throw .invalidArgument("\(what).data is NULL") }
    let shape = ndim == 2 ? [s0, s1] : [s0]
    return ModelTensor(dtype: d, shape: shape, bytes: UnsafeRawBufferPointer(start: t.data, count: need))
}

/// UTF-8 JSON bytes from (pointer, length); nil when the pointer is NULL.
func jsonArgument(_ p: UnsafePointer<CChar>?, _ len: Int, _ what: String) throws(M2VError) -> JSON? {
    guard let p else { return nil }
    guard len >= 0 else { throw .invalidArgument("\(what) length is larger than PTRDIFF_MAX") }
    do { return try JSON.parse(UnsafeRawBufferPointer(start: p, count: len)).deduplicatingKeys() } catch {
        throw .invalidArgument("\(what): \(error.message)")
    }
}

/// (base_model, language) from a metadata JSON object.
func metadataArgument(_ j: JSON?, _ what: String) throws(M2VError) -> (String?, [String]?) {
    guard let j else { return (nil, nil) }
    guard j.object != nil else { throw .invalidArgument("\(what) must be a JSON object") }
    var base: String? = nil
    if let b = j["base_model"], !b.isNull {
        guard let s = b.string else { throw .invalidArgument("\(what).base_model must be a string or null") }
        base = s
    }
    var language: [String]? = nil
    if let l = j["language"], !l.isNull {
        if let s = l.string { language = [s] } else {
            guard let a = l.array else { throw .invalidArgument("\(what).language must be a list of strings or null") }
            var out: [String] = []
            for v in a {
                guard let s = v.string else { throw .invalidArgument("\(what).language must be a list of strings") }
                out.append(s)
            }
            language = out
        }
    }
    return (base, language)
}

@_cdecl("m2v_default_max_length")
public func m2v_default_max_length() -> Int32 { Int32(ModelDefaults.maxLength) }

@_cdecl("m2v_model_max_length")
public func m2v_model_max_length(_ model: OpaquePointer?) -> Int64 {
    guard let model else { return -1 }
    return Int64(borrow(model, as: StaticModel.self).maxLength ?? 0)
}

@_cdecl("m2v_model_median_token_length")
public func m2v_model_median_token_length(_ model: OpaquePointer?) -> Int {
    guard let model else { return 0 }
    return borrow(model, as: StaticModel.self).medianTokenLength
}

@_cdecl("m2v_model_unk_token_id")
public func m2v_model_unk_token_id(_ model: OpaquePointer?) -> Int32 {
    guard let model else { return -1 }
    return borrow(model, as: StaticModel.self).unkId ?? -1
}

@_cdecl("m2v_model_tensor")
public func m2v_model_tensor(_ model: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                             _ out: UnsafeMutablePointer<m2v_tensor>?) -> m2v_status {
    guard let out else { return fail(.invalidArgument, "m2v_model_tensor: out is NULL") }
    out.pointee = m2v_tensor()
    return guarded { () throws(M2VError) in
        guard let model else { throw .invalidArgument("m2v_model_tensor: model is NULL") }
        let m = borrow(model, as: StaticModel.self)
        let n = try string(name, "m2v_model_tensor: name")
        let t: ModelTensor?
        switch n {
        case "embeddings": t = m.embeddingTensor
        case "weights": t = m.weightsTensor
        case "mapping": t = m.mappingTensor
        default: throw .invalidArgument("m2v_model_tensor: unknown tensor \"\(n)\" (embeddings, weights or mapping)")
        }
        guard let t else { throw .notFound("m2v_model_tensor: the model has no \"\(n)\" tensor") }
        out.pointee = m2v_tensor(data: t.bytes.baseAddress, dtype: dtypeCode(t.dtype), ndim: Int32(t.shape.count),
                                 shape: (t.shape[0], t.shape.count > 1 ? t.shape[1] : 0), nbytes: t.bytes.count)
    }
}

@_cdecl("m2v_model_config_json")
public func m2v_model_config_json(_ model: OpaquePointer?, _ outLen: UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>? {
    outLen?.pointee = 0
    guard let model else { return nil }
    return borrow(model, as: StaticModel.self).withConfigJSON { p, n in outLen?.pointee = n; return p }
}

@_cdecl("m2v_model_metadata_json")
public func m2v_model_metadata_json(_ model: OpaquePointer?, _ outLen: UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>? {
    outLen?.pointee = 0
    guard let model else { return nil }
    return borrow(model, as: StaticModel.self).withMetadataJSON { p, n in outLen?.pointee = n; return p }
}

@_cdecl("m2v_model_tokenizer_json")
public func m2v_model_tokenizer_json(_ model: OpaquePointer?, _ buf: UnsafeMutablePointer<CChar>?, _ capacity: Int,
                                     _ outLen: UnsafeMutablePointer<Int>?) -> m2v_status {
    outLen?.pointee = 0
    return guarded { () throws(M2VError) in
        guard let model else { throw .invalidArgument("m2v_model_tokenizer_json: model is NULL") }
        let json = borrow(model, as: StaticModel.self).tokenizer.sourceJSON
        outLen?.pointee = json.count
        if buf == nil && capacity == 0 { return }
        guard let buf, capacity >= 0, capacity >= json.count else {
            throw .bufferTooSmall("m2v_model_tokenizer_json: the buffer holds \(UInt(bitPattern: capacity)) bytes, \(json.count) are needed")
        }
        json.withUnsafeBytes { src in
            if let b = src.baseAddress { UnsafeMutableRawPointer(buf).copyMemory(from: b, byteCount: src.count) }
        }
    }
}

@_cdecl("m2v_model_spec_default")
public func m2v_model_spec_default() -> m2v_model_spec {
    var s = m2v_model_spec()
    s.struct_size = MemoryLayout<m2v_model_spec>.size
    s.normalize = -1
    s.max_length = -1
    return s
}

@_cdecl("m2v_model_create")
public func m2v_model_create(_ spec: UnsafePointer<m2v_model_spec>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> m2v_status {
    guard let out else { return fail(.invalidArgument, "m2v_model_create: out is NULL") }
    out.pointee = nil
    return guarded { () throws(M2VError) in
        guard let spec else { throw .invalidArgument("m2v_model_create: spec is NULL") }
        let v = try readParams(spec, defaults: m2v_model_spec_default(),
                               minimum: MemoryLayout<m2v_model_spec>.size, "m2v_model_spec")
        let emb = try tensor(v.embeddings, "m2v_model_spec.embeddings", ndim: 2)
        let w = try v.weights.map { p throws(M2VError) in try tensor(p.pointee, "m2v_model_spec.weights", ndim: 1) }
        let m = try v.mapping.map { p throws(M2VError) in try tensor(p.pointee, "m2v_model_spec.mapping", ndim: 1) }
        guard let tj = v.tokenizer_json else { throw .invalidArgument("m2v_model_spec.tokenizer_json is NULL") }
        guard v.tokenizer_json_len >= 0 else { throw .invalidArgument("m2v_model_spec.tokenizer_json_len is larger than PTRDIFF_MAX") }
        let tokenizerJSON = Array(UnsafeRawBufferPointer(start: tj, count: v.tokenizer_json_len))
        let config = try jsonArgument(v.config_json, v.config_json_len, "m2v_model_spec.config_json") ?? .object([])
        guard config.object != nil else { throw .invalidArgument("m2v_model_spec.config_json must be a JSON object") }
        let (base, language) = try metadataArgument(
            try jsonArgument(v.metadata_json, v.metadata_json_len, "m2v_model_spec.metadata_json"), "m2v_model_spec.metadata_json")
        let model = try StaticModel(
            tokenizerJSON: tokenizerJSON, embeddings: emb, weights: w, mapping: m, config: config,
            normalize: try triState(v.normalize, "m2v_model_spec.normalize"),
            maxLength: try maxLengthChoice(v.max_length, "m2v_model_spec.max_length"),
            baseModelName: base, language: language)
        out.pointee = retain(model)
    }
}

@_cdecl("m2v_quantize_default_params")
public func m2v_quantize_default_params() -> m2v_quantize_params {
    m2v_quantize_params(struct_size: MemoryLayout<m2v_quantize_params>.size, quantize_to: -1, dimensionality: 0,
                        vocabulary_quantization: 0)
}

@_cdecl("m2v_model_quantize")
public func m2v_model_quantize(_ model: OpaquePointer?, _ params: UnsafePointer<m2v_quantize_params>?,
                               _ out: UnsafeMutablePointer<OpaquePointer?>?) -> m2v_status {
    guard let out else { return fail(.invalidArgument, "m2v_model_quantize: out is NULL") }
    out.pointee = nil
    return guarded { () throws(M2VError) in
        guard let model else { throw .invalidArgument("m2v_model_quantize: model is NULL") }
        let v = try params.map { p throws(M2VError) in
            try readParams(p, defaults: m2v_quantize_default_params(), minimum: MemoryLayout<m2v_quantize_params>.size,
                           "m2v_quantize_params")
        } ?? m2v_quantize_default_params()
        var o = RequantizeOptions()
        if v.quantize_to != -1 {
            guard let q = quantizeTargets.first(where: { $0.0 == v.quantize_to })?.1 else {
                throw .invalidArgument("m2v_quantize_params.quantize_to must be -1 or an m2v_quantize (got \(v.quantize_to))")
            }
            o.quantizeTo = q
        }
        guard v.dimensionality >= 0 else { throw .invalidArgument("m2v_quantize_params.dimensionality must be >= 0") }
        guard v.vocabulary_quantization >= 0 else {
            throw .invalidArgument("m2v_quantize_params.vocabulary_quantization must be >= 0")
        }
        if v.dimensionality > 0 { o.dimensionality = Int(v.dimensionality) }
        if v.vocabulary_quantization > 0 { o.vocabularyQuantization = Int(v.vocabulary_quantization) }
        out.pointee = retain(try Distiller.requantize(borrow(model, as: StaticModel.self), o))
    }
}

/// m2v_quantize values (ABI) -> QuantizeTo.
let quantizeTargets: [(Int32, QuantizeTo)] = [(0, .float16), (1, .float32), (2, .float64), (3, .int8)]

@_cdecl("m2v_save_default_params")
public func m2v_save_default_params() -> m2v_save_params {
    var s = m2v_save_params()
    s.struct_size = MemoryLayout<m2v_save_params>.size
    return s
}

/// Reads a save params struct (NULL = defaults) into the core's options.
func saveOptions(_ params: UnsafePointer<m2v_save_params>?) throws(M2VError) -> SaveOptions {
    var o = SaveOptions()
    guard let params else { return o }
    let v = try readParams(params, defaults: m2v_save_default_params(),
                           minimum: MemoryLayout<m2v_save_params>.size, "m2v_save_params")
    if let c = try jsonArgument(v.config_json, v.config_json_len, "m2v_save_params.config_json") {
        guard c.object != nil else { throw .invalidArgument("m2v_save_params.config_json must be a JSON object") }
        o.config = c
    }
    o.modelName = v.model_name.map { String(cString: $0) }
    o.subfolder = v.subfolder.map { String(cString: $0) }
    if let meta = try jsonArgument(v.metadata_json, v.metadata_json_len, "m2v_save_params.metadata_json") {
        let (base, language) = try metadataArgument(meta, "m2v_save_params.metadata_json")
        o.baseModelName = base
        o.language = language
        o.replaceMetadata = true
    }
    return o
}

@_cdecl("m2v_model_save_v2")
public func m2v_model_save_v2(_ model: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                              _ params: UnsafePointer<m2v_save_params>?) -> m2v_status {
    guarded { () throws(M2VError) in
        guard let model else { throw .invalidArgument("m2v_model_save_v2: model is NULL") }
        let dir = try string(path, "m2v_model_save_v2: path")
        try borrow(model, as: StaticModel.self).save(to: dir, options: try saveOptions(params))
    }
}
