// C API: the hub cache (m2v_hub_resolve). Checks pointers and buffer sizes, calls
// StaticModel's HubCache, maps errors to status codes. No logic.
import CM2V
import M2VSupport
import StaticModel

@_cdecl("m2v_hub_resolve")
public func m2v_hub_resolve(_ pathOrId: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<CChar>?,
                            _ outCapacity: Int, _ outSize: UnsafeMutablePointer<Int>?) -> m2v_status {
    outSize?.pointee = 0
    return guarded { () throws(M2VError) in
        let input = try string(pathOrId, "m2v_hub_resolve: path_or_id")
        // size_t values above PTRDIFF_MAX arrive negative (see textBatch in ModelAPI.swift).
        guard outCapacity >= 0 else {
            throw .invalidArgument("m2v_hub_resolve: out_capacity \(UInt(bitPattern: outCapacity)) is larger than PTRDIFF_MAX")
        }
        if out == nil && outCapacity > 0 {
            throw .invalidArgument("m2v_hub_resolve: out is NULL but out_capacity is \(outCapacity)")
        }
        let folder = Array(try HubCache.resolve(input).utf8)
        let needed = folder.count + 1
        outSize?.pointee = needed
        guard let out, outCapacity >= needed else {
            throw .bufferTooSmall("m2v_hub_resolve: the folder needs \(needed) bytes (with the NUL), out_capacity is \(outCapacity)")
        }
        folder.withUnsafeBufferPointer { src in
            for i in 0..<src.count { out[i] = CChar(bitPattern: src[i]) }
        }
        out[folder.count] = 0
    }
}
