// Shared decoding of the generated range tables (CharClassTable, UnicodeScriptsTable): their
// data is a string literal of upper-case hexadecimal numbers separated by any other character
// (a string literal compiles fast; a large array literal does not).

/// The hexadecimal numbers of `text`, in order.
func parseHexNumbers(_ text: StaticString) -> [UInt32] {
    var nums: [UInt32] = []
    var cur: UInt32 = 0
    var inNum = false
    text.withUTF8Buffer { bytes in
        for b in bytes {
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            default:
                if inNum { nums.append(cur); cur = 0; inNum = false }
                continue
            }
            cur = cur << 4 | d
            inNum = true
        }
        if inNum { nums.append(cur) }
    }
    return nums
}
