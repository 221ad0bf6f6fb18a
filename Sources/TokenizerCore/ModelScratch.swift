// Per-thread scratch buffers for `TokenizerModel.tokenize`, reused across pieces and texts so
// that the hot path allocates nothing once warmed up.

/// Scratch space owned by one thread's tokenization workspace.
public struct ModelScratch: Sendable {
    public var bytes: [UInt8] = []
    public var ints: [Int32] = []
    public var ints2: [Int32] = []
    public var doubles: [Double] = []
    /// More buffers used by TokenizerModels (BPE symbols, byte offsets, hashes, heap).
    public var ints3: [Int32] = []
    public var ints4: [Int32] = []
    public var offsets: [Int32] = []
    public var u64s: [UInt64] = []
    public init() {}
}
