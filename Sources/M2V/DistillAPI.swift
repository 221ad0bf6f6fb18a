// C API: m2v_distill and its params (include/m2v.h, "Distillation"). Reads the params struct
// defensively, converts it to DistillOptions and calls Distiller.distill. No logic.
import CM2V
import Distill
import M2VSupport

@_cdecl("m2v_distill_default_params")
public func m2v_distill_default_params() -> m2v_distill_params {
    m2v_distill_params(struct_size: MemoryLayout<m2v_distill_params>.size, pca_dims: 256, explained_variance: 0,
                       sif_coefficient: 1e-4, quantize_to: Int32(M2V_QUANTIZE_FLOAT16.rawValue),
                       pooling: Int32(M2V_POOLING_MEAN.rawValue), n_threads: 0, remove_unused_tokens: 1,
                       base_model_name: nil, progress: nil, progress_user_data: nil,
                       vocabulary: nil, vocabulary_lengths: nil, n_vocabulary: 0,
                       vocabulary_quantization: 0, token_remove_pattern: nil)
}

/// Converts a params struct to options; NULL gives the defaults.
func distillOptions(_ p: UnsafePointer<m2v_distill_params>?) throws(M2VError) -> DistillOptions {
    var o = DistillOptions()
    guard let p else { return o }
    // Only the caller's struct_size bytes (older callers have fewer fields; the rest keep their
    // defaults). The fields up to progress_user_data are required.
    let minimum = MemoryLayout<m2v_distill_params>.offset(of: \m2v_distill_params.vocabulary) ?? MemoryLayout<m2v_distill_params>.size
    let v = try readParams(p, defaults: m2v_distill_default_params(), minimum: minimum, "m2v_distill_params")
    if v.explained_variance != 0 {
        guard v.explained_variance > 0, v.explained_variance < 1 else {
            throw .invalidArgument("m2v_distill_params.explained_variance must be in (0, 1) or 0 (got \(v.explained_variance))")
        }
        o.pcaDims = .explainedVariance(v.explained_variance)
    } else {
        switch v.pca_dims {
        case 0: o.pcaDims = .none
        case -1: o.pcaDims = .auto
        case let k where k > 0: o.pcaDims = .components(Int(k))
        default: throw .invalidArgument("m2v_distill_params.pca_dims must be > 0, 0 (none) or -1 (auto) (got \(v.pca_dims))")
        }
    }
    if v.sif_coefficient == 0 {
        o.sifCoefficient = nil
    } else {
        guard v.sif_coefficient > 0, v.sif_coefficient < 1 else {
            throw .invalidArgument("m2v_distill_params.sif_coefficient must be in (0, 1) or 0 (got \(v.sif_coefficient))")
        }
        o.sifCoefficient = v.sif_coefficient
    }
    switch UInt32(bitPattern: v.quantize_to) {
    case M2V_QUANTIZE_FLOAT16.rawValue: o.quantizeTo = .float16
    case M2V_QUANTIZE_FLOAT32.rawValue: o.quantizeTo = .float32
    case M2V_QUANTIZE_FLOAT64.rawValue: o.quantizeTo = .float64
    case M2V_QUANTIZE_INT8.rawValue: o.quantizeTo = .int8
    default: throw .invalidArgument("m2v_distill_params.quantize_to \(v.quantize_to) is not an m2v_quantize")
    }
    switch UInt32(bitPattern: v.pooling) {
    case M2V_POOLING_MEAN.rawValue: o.pooling = .mean
    case M2V_POOLING_FIRST.rawValue: o.pooling = .first
    case M2V_POOLING_LAST.rawValue: o.pooling = .last
    case M2V_POOLING_POOLER.rawValue: o.pooling = .pooler
    default: throw .invalidArgument("m2v_distill_params.pooling \(v.pooling) is not an m2v_pooling")
    }
    guard v.n_threads >= 0 else { throw .invalidArgument("m2v_distill_params.n_threads must be >= 0") }
    o.threads = Int(v.n_threads)
    o.tokenRemovePattern = try flag(v.remove_unused_tokens, "m2v_distill_params.remove_unused_tokens")
        ? .unusedTokens : .none
    // token_remove_pattern (a field older callers' struct_size does not reach stays NULL):
    // a Python regex that replaces remove_unused_tokens.
    if let pattern = v.token_remove_pattern {
        guard let text = String(validatingCString: pattern) else {
            throw .invalidUTF8("m2v_distill_params.token_remove_pattern is not valid UTF-8")
        }
        o.tokenRemovePattern = .regex(try PythonRegex(text))
    }
    if let name = v.base_model_name { o.baseModelName = String(cString: name) }
    o.progress = progressCallback(v.progress, v.progress_user_data)
    guard v.vocabulary_quantization >= 0 else {
        throw .invalidArgument("m2v_distill_params.vocabulary_quantization must be >= 0")
    }
    if v.vocabulary_quantization > 0 { o.vocabularyQuantization = Int(v.vocabulary_quantization) }
    // size_t values above PTRDIFF_MAX arrive negative: rejected before any range or buffer
    // view is built from them (the same rule as textBatch's).
    guard v.n_vocabulary >= 0 else {
        throw .invalidArgument("m2v_distill_params.n_vocabulary \(UInt(bitPattern: v.n_vocabulary)) is larger than PTRDIFF_MAX")
    }
    if v.n_vocabulary > 0 {
        guard let words = v.vocabulary, let lengths = v.vocabulary_lengths else {
            throw .invalidArgument("m2v_distill_params.vocabulary or vocabulary_lengths is NULL but n_vocabulary is \(v.n_vocabulary)")
        }
        var list: [String] = []
        for i in 0..<v.n_vocabulary {
            guard lengths[i] >= 0 else {
                throw .invalidArgument("m2v_distill_params.vocabulary_lengths[\(i)] is \(UInt(bitPattern: lengths[i])), larger than PTRDIFF_MAX")
            }
            guard let w = words[i] else {
                if lengths[i] == 0 { list.append(""); continue }
                throw .invalidArgument("vocabulary[\(i)] is NULL")
            }
            let bytes = UnsafeRawBufferPointer(start: w, count: lengths[i]).bindMemory(to: UInt8.self)
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw .invalidUTF8("vocabulary[\(i)] is not valid UTF-8")
            }
            list.append(s)
        }
        o.vocabulary = list
    }
    return o
}

@_cdecl("m2v_distill")
public func m2v_distill(_ teacher: UnsafePointer<CChar>?, _ params: UnsafePointer<m2v_distill_params>?,
                        _ out: UnsafePointer<CChar>?) -> m2v_status {
    guarded { () throws(M2VError) in
        let teacherPath = try string(teacher, "teacher_path")
        let outPath = try string(out, "out_path")
        try Distiller.distill(teacher: teacherPath, options: distillOptions(params), to: outPath)
    }
}
