// Per-thread scratch buffers for `TokenizerModel.tokenize`, reused across pieces and texts so
// that the hot path allocates nothing once warmed up.

/// Scratch space owned by one thread's tokenization workspace.
public struct ModelScratch: Sendable {
    public var bytes: [UInt8] = []
    public var ints: [Int32] = []
    public var ints2: [Int32] = []
    public var doubles: [Double] = []
    public init() {}
}
