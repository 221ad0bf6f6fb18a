// SafeTensors — owns the safetensors file format: mmap'd read-only files with a defensively
// parsed header (`SafeTensorsFile`), typed copies of tensor data, byte-exact writing as the Python
// `safetensors` library writes (`SafeTensorsWriter`), and the float16 / bfloat16 conversions.
// Depends on M2VSupport (errors, JSON, file I/O) and libc only.
import M2VSupport

/// The element types m2v reads and writes. Raw values are the safetensors header spellings.
/// Other safetensors dtypes (U16, U32, U64, F8_*, ...) are reported as `.unsupported`.
public enum DType: String, Sendable, CaseIterable, Equatable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .F64, .I64: return 8
        case .F32, .I32: return 4
        case .F16, .BF16, .I16: return 2
        case .I8, .U8, .BOOL: return 1
        }
    }

    /// True for F64, F32, F16, BF16.
    public var isFloatingPoint: Bool {
        switch self {
        case .F64, .F32, .F16, .BF16: return true
        default: return false
        }
    }

    /// True for the integer types and BOOL.
    public var isInteger: Bool { !isFloatingPoint }

    /// Position in the Rust crate's `Dtype` enum (declared in increasing alignment order); the
    /// writer sorts tensors by this rank, descending, then by name, as `safetensors.serialize` does.
    var rustRank: Int {
        switch self {
        case .BOOL: return 0
        case .U8: return 4
        case .I8: return 5
        case .I16: return 9
        case .F16: return 11
        case .BF16: return 12
        case .I32: return 13
        case .F32: return 15
        case .F64: return 17
        case .I64: return 18
        }
    }

    /// Parses a header dtype string. Known but unsupported safetensors types and unknown
    /// strings both throw `.unsupported` naming the dtype.
    static func parse(_ s: String, tensor: String) throws(M2VError) -> DType {
        for d in DType.allCases where d.rawValue.utf8.elementsEqual(s.utf8) { return d }
        throw .unsupported("safetensors dtype \"\(s)\" (tensor \"\(tensor)\")")
    }
}
