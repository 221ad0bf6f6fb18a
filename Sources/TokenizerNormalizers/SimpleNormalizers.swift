// Strip, Prepend, ByteLevel and Sequence.
import M2VSupport
import TokenizerCore

/// HuggingFace `Strip`: removes leading and/or trailing White_Space (Rust `char::is_whitespace`).
public struct StripNormalizer: Normalizer {
    public let left: Bool
    public let right: Bool
    public init(left: Bool, right: Bool) { self.left = left; self.right = right }

    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        var end = text.count
        if right { while end > 0 && isRustWhitespace(text[end - 1]) { end -= 1 } }
        var start = 0
        if left { while start < end && isRustWhitespace(text[start]) { start += 1 } }
        if end < text.count { text.removeSubrange(end...) }
        if start > 0 { text.removeSubrange(0..<start) }
    }

    /// Stripping keeps the alignments of what remains.
    public func origin(after text: [UInt32], origin: Int) -> Int {
        var end = text.count
        if right { while end > 0 && isRustWhitespace(text[end - 1]) { end -= 1 } }
        var start = 0
        if left { while start < end && isRustWhitespace(text[start]) { start += 1 } }
        return max(0, min(origin, end) - start)
    }
}

/// HuggingFace `Prepend`: puts `prepend` in front of the text, unless the text is empty.
public struct PrependNormalizer: Normalizer {
    public let prepend: [UInt32]
    public init(prepend: String) { self.prepend = prepend.unicodeScalars.map { $0.value } }

    /// The prepended scalars are aligned like the first one (HF's `prepend`).
    public func origin(after text: [UInt32], origin: Int) -> Int {
        origin > 0 && !text.isEmpty ? origin + prepend.count : origin
    }

    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        if text.isEmpty || prepend.isEmpty { return }
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(prepend.count + text.count)
        scratch.append(contentsOf: prepend)
        scratch.append(contentsOf: text)
        swap(&text, &scratch)
    }
}

/// HuggingFace `ByteLevel` normalizer: each UTF-8 byte of the text becomes its GPT-2 alphabet
/// scalar (`ByteLevelAlphabet`).
public struct ByteLevelNormalizer: Normalizer {
    public init() {}

    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) {
        if text.isEmpty { return }
        let table = ByteLevelAlphabet.scalarForByte
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(text.count * 2)
        var bytes: [UInt8] = []
        for c in text {
            if c < 0x80 { scratch.append(table[Int(c)]); continue }
            bytes.removeAll(keepingCapacity: true)
            appendUTF8(&bytes, c)
            for b in bytes { scratch.append(table[Int(b)]) }
        }
        swap(&text, &scratch)
    }
}

/// HuggingFace `Sequence`: applies its normalizers in order.
public struct SequenceNormalizer: Normalizer {
    public let normalizers: [any Normalizer]
    public init(_ normalizers: [any Normalizer]) { self.normalizers = normalizers }

    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32], origin: inout Int) throws(M2VError) {
        for n in normalizers {
            try n.normalize(&text, scratch: &scratch, origin: &origin)
            if text.count > Limits.textCodePoints { return }  // as in normalize(_:scratch:)
        }
    }

    public func normalize(_ text: inout [UInt32], scratch: inout [UInt32]) throws(M2VError) {
        for n in normalizers {
            try n.normalize(&text, scratch: &scratch)
            // Too long already (the tokenizer rejects it): a later step must not shrink a text
            // that a Replace stopped expanding (ReplaceNormalizer.outputCap) into a wrong result.
            if text.count > Limits.textCodePoints { return }
        }
    }
}
