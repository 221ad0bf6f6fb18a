// C API: classifiers (model2vec pipelines). Each function checks its pointers, converts
// arguments, calls Classifier.Pipeline and maps errors to status codes. No logic.
import CM2V
import Classifier
import M2VSupport
import StaticModel

/// The handle behind m2v_classifier: the pipeline and its class names as C strings.
final class ClassifierHandle {
    let pipeline: Pipeline
    let names: UnsafeMutablePointer<CChar>
    let starts: [Int]

    init(_ p: Pipeline) {
        pipeline = p
        var arena: [CChar] = []
        var starts: [Int] = []
        for c in p.head.classes ?? [] {
            starts.append(arena.count)
            arena.append(contentsOf: c.description.utf8.map { CChar(bitPattern: $0) })
            arena.append(0)
        }
        starts.append(arena.count)
        let buf = UnsafeMutablePointer<CChar>.allocate(capacity: max(arena.count, 1))
        buf.initialize(repeating: 0, count: max(arena.count, 1))
        arena.withUnsafeBufferPointer { b in
            if let base = b.baseAddress { buf.update(from: base, count: b.count) }
        }
        names = buf
        self.starts = starts
    }
    deinit { names.deallocate() }
}

@inline(__always) private func handle(_ p: OpaquePointer) -> ClassifierHandle { borrow(p, as: ClassifierHandle.self) }

@_cdecl("m2v_classifier_load")
public func m2v_classifier_load(_ path: UnsafePointer<CChar>?, _ params: UnsafePointer<m2v_load_params>?,
                                _ out: UnsafeMutablePointer<OpaquePointer?>?) -> m2v_status {
    guard let out else { return fail(.invalidArgument, "m2v_classifier_load: out is NULL") }
    out.pointee = nil
    return guarded { () throws(M2VError) in
        let dir = try string(path, "m2v_classifier_load: path")
        let o = try loadOptions(params)
        out.pointee = retain(ClassifierHandle(try Pipeline(path: dir, normalize: o.normalize, maxLength: o.maxLength,
                                                           mmap: o.mmap)))
    }
}

@_cdecl("m2v_classifier_free")
public func m2v_classifier_free(_ c: OpaquePointer?) {
    if let c { release(c, as: ClassifierHandle.self) }
}

@_cdecl("m2v_classifier_model")
public func m2v_classifier_model(_ c: OpaquePointer?) -> OpaquePointer? {
    guard let c else { return nil }
    return OpaquePointer(Unmanaged.passUnretained(handle(c).pipeline.model).toOpaque())
}

@_cdecl("m2v_classifier_task")
public func m2v_classifier_task(_ c: OpaquePointer?) -> Int32 {
    guard let c else { return -1 }
    return handle(c).pipeline.task.rawValue
}

@_cdecl("m2v_classifier_n_outputs")
public func m2v_classifier_n_outputs(_ c: OpaquePointer?) -> Int {
    guard let c else { return 0 }
    return handle(c).pipeline.head.outputDim
}

@_cdecl("m2v_classifier_n_layers")
public func m2v_classifier_n_layers(_ c: OpaquePointer?) -> Int {
    guard let c else { return 0 }
    return handle(c).pipeline.head.layers.count
}

@_cdecl("m2v_classifier_n_classes")
public func m2v_classifier_n_classes(_ c: OpaquePointer?) -> Int {
    guard let c else { return 0 }
    return handle(c).pipeline.head.classes?.count ?? 0
}

@_cdecl("m2v_classifier_class_name")
public func m2v_classifier_class_name(_ c: OpaquePointer?, _ index: Int,
                                      _ outLen: UnsafeMutablePointer<Int>?) -> UnsafePointer<CChar>? {
    guard let c else { return nil }
    let h = handle(c)
    // size_t above PTRDIFF_MAX arrives negative.
    guard index >= 0, index + 1 < h.starts.count else { return nil }
    outLen?.pointee = h.starts[index + 1] - h.starts[index] - 1
    return UnsafePointer(h.names + h.starts[index])
}

@_cdecl("m2v_classifier_class_is_integer")
public func m2v_classifier_class_is_integer(_ c: OpaquePointer?, _ index: Int) -> Int32 {
    guard let c, let classes = handle(c).pipeline.head.classes, index >= 0, index < classes.count else { return -1 }
    if case .integer = classes[index] { return 1 }
    return 0
}

@_cdecl("m2v_classifier_predict_proba")
public func m2v_classifier_predict_proba(_ c: OpaquePointer?, _ texts: UnsafePointer<UnsafePointer<CChar>?>?,
                                         _ lengths: UnsafePointer<Int>?, _ n: Int,
                                         _ params: UnsafePointer<m2v_encode_params>?,
                                         _ out: UnsafeMutablePointer<Float>?, _ capacity: Int) -> m2v_status {
    guarded { () throws(M2VError) in
        guard let c else { throw .invalidArgument("m2v_classifier_predict_proba: classifier is NULL") }
        let p = handle(c).pipeline
        let (options, status) = try encodeOptions(params, model: p.model, defaultMaxLength: p.model.maxLength)
        guard let batch = try textBatch(texts, lengths, n) else { return }
        let width = p.head.outputDim
        let (need, overflow) = n.multipliedReportingOverflow(by: width)
        guard !overflow else { throw .invalidArgument("m2v_classifier_predict_proba: n_texts * n_outputs overflows") }
        guard let out else { throw .invalidArgument("m2v_classifier_predict_proba: out is NULL") }
        guard capacity >= need else {
            throw .bufferTooSmall("m2v_classifier_predict_proba: out holds \(capacity) floats, \(need) are needed (n_texts \(n) x n_outputs \(width))")
        }
        try p.scores(batch, options: options, out: out, status: status)
    }
}

@_cdecl("m2v_classifier_predict")
public func m2v_classifier_predict(_ c: OpaquePointer?, _ texts: UnsafePointer<UnsafePointer<CChar>?>?,
                                   _ lengths: UnsafePointer<Int>?, _ n: Int,
                                   _ params: UnsafePointer<m2v_encode_params>?, _ threshold: Float,
                                   _ out: UnsafeMutablePointer<Int32>?, _ capacity: Int) -> m2v_status {
    guarded { () throws(M2VError) in
        guard let c else { throw .invalidArgument("m2v_classifier_predict: classifier is NULL") }
        let p = handle(c).pipeline
        let (options, status) = try encodeOptions(params, model: p.model, defaultMaxLength: p.model.maxLength)
        if p.task == .regression {
            throw .invalidArgument("m2v_classifier_predict: a regression head has no labels; use m2v_classifier_predict_proba for its values")
        }
        guard !threshold.isNaN else { throw .invalidArgument("m2v_classifier_predict: threshold is NaN") }
        guard let batch = try textBatch(texts, lengths, n) else { return }
        let width = p.task == .multiLabel ? p.head.outputDim : 1
        let (need, overflow) = n.multipliedReportingOverflow(by: width)
        guard !overflow else { throw .invalidArgument("m2v_classifier_predict: n_texts * n_outputs overflows") }
        guard let out else { throw .invalidArgument("m2v_classifier_predict: out is NULL") }
        guard capacity >= need else {
            throw .bufferTooSmall("m2v_classifier_predict: out holds \(capacity) entries, \(need) are needed (n_texts \(n)\(width > 1 ? " x n_outputs \(width)" : ""))")
        }
        try p.predict(batch, options: options, threshold: threshold, out: out, status: status)
    }
}

@_cdecl("m2v_classifier_forward")
public func m2v_classifier_forward(_ c: OpaquePointer?, _ vectors: UnsafePointer<Float>?, _ n: Int, _ activate: Int32,
                                   _ out: UnsafeMutablePointer<Float>?, _ capacity: Int) -> m2v_status {
    guarded { () throws(M2VError) in
        guard let c else { throw .invalidArgument("m2v_classifier_forward: classifier is NULL") }
        let p = handle(c).pipeline
        let act = try flag(activate, "m2v_classifier_forward: activate")
        if n == 0 { return }
        guard n > 0 else { throw .invalidArgument("m2v_classifier_forward: n_vectors \(UInt(bitPattern: n)) is larger than PTRDIFF_MAX") }
        guard let vectors else { throw .invalidArgument("m2v_classifier_forward: vectors is NULL but n_vectors is \(n)") }
        let width = p.head.outputDim
        let (need, overflow) = n.multipliedReportingOverflow(by: width)
        let (_, overflowIn) = n.multipliedReportingOverflow(by: p.head.inputDim)
        guard !overflow, !overflowIn else { throw .invalidArgument("m2v_classifier_forward: n_vectors \(n) is too large") }
        guard let out else { throw .invalidArgument("m2v_classifier_forward: out is NULL") }
        guard capacity >= need else {
            throw .bufferTooSmall("m2v_classifier_forward: out holds \(capacity) floats, \(need) are needed (n_vectors \(n) x n_outputs \(width))")
        }
        p.forward(vectors, rows: n, activate: act, out: out)
    }
}

@_cdecl("m2v_classifier_save")
public func m2v_classifier_save(_ c: OpaquePointer?, _ path: UnsafePointer<CChar>?,
                                _ params: UnsafePointer<m2v_save_params>?) -> m2v_status {
    guarded { () throws(M2VError) in
        guard let c else { throw .invalidArgument("m2v_classifier_save: classifier is NULL") }
        let dir = try string(path, "m2v_classifier_save: path")
        try handle(c).pipeline.save(to: dir, options: try saveOptions(params))
    }
}
