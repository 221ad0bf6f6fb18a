import XCTest
@testable import M2VSupport

final class JSONTests: XCTestCase {
    func testParsesNestedValues() throws {
        let j = try JSON.parse(#"{"a": [1, 2.5, -3e2, true, false, null], "b": {"c": "x\u00e9\ud83d\ude00\n"}}"#)
        XCTAssertEqual(j["a"]?.array?.count, 6)
        XCTAssertEqual(j["a"]?.array?[0].int, 1)
        XCTAssertEqual(j["a"]?.array?[1].double, 2.5)
        XCTAssertEqual(j["a"]?.array?[2].int, -300)
        XCTAssertEqual(j["b"]?["c"]?.string, "xé😀\n")
        XCTAssertNil(j["a"]?.array?[1].int)
    }

    func testKeysAreComparedByBytes() throws {
        // "é" precomposed vs decomposed: distinct keys, as in a vocabulary.
        let j = try JSON.parse("{\"\u{E9}\": 1, \"e\u{301}\": 2}")
        XCTAssertEqual(j["\u{E9}"]?.int, 1)
        XCTAssertEqual(j["e\u{301}"]?.int, 2)
    }

    func testNumbersWithLeadingZerosAreRejected() throws {
        // RFC 8259, Python's json and serde_json: "0" alone, never "00", "022", "-01", "01.5".
        for bad in ["00", "022", "-01", "01.5", "[1, 05]"] {
            XCTAssertThrowsError(try JSON.parse(bad), bad)
        }
        for good in ["0", "-0", "0.5", "-0.0e1", "10", "100.001", "0e5"] {
            XCTAssertNoThrow(try JSON.parse(good), good)
        }
    }

    func testLargeIntegersSerializeAsIntegers() throws {
        // fuzz finding: max_length 2147483647483647 came back as "2147483647483647.0".
        for n in ["2147483647483647", "9007199254740992", "-9007199254740992", "1000000000000000"] {
            XCTAssertEqual(try JSON.parse(n).serialized(), n)
        }
        XCTAssertEqual(try JSON.parse("0.5").serialized(), "0.5")
    }

    func testRepeatedKeysAsPython() throws {
        // Lookup: the last value (json.loads, serde maps). deduplicatingKeys: once, at the first
        // position, with the last value, at every level.
        let j = try JSON.parse(#"{"a": 1, "b": {"x": 1, "x": [2]}, "a": 3}"#)
        XCTAssertEqual(j["a"]?.int, 3)
        let d = j.deduplicatingKeys()
        XCTAssertEqual(d.serialized(), #"{"a":3,"b":{"x":[2]}}"#)
    }

    func testMalformedInputThrowsFormat() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "01x", "[1] 2", "{\"a\":1,}", "\"\\x\"", "-"] {
            XCTAssertThrowsError(try JSON.parse(bad), bad) { e in
                XCTAssertEqual((e as? M2VError)?.code, .format, bad)
            }
        }
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        XCTAssertThrowsError(try JSON.parse(deep)) { e in
            XCTAssertEqual((e as? M2VError)?.code, .format)
        }
    }

    func testInvalidUTF8InStringIsAnError() {
        let bytes: [UInt8] = [0x22, 0xFF, 0xFE, 0x22]
        XCTAssertThrowsError(try JSON.parse(bytes))
    }

    func testRoundTrip() throws {
        let text = #"{"k":["a\"b",1,2.5,null,true,{"z":[]}],"n":-7}"#
        let j = try JSON.parse(text)
        XCTAssertEqual(j.serialized(), text)
        let pretty = j.serialized(indent: 2)
        XCTAssertEqual(try JSON.parse(pretty).serialized(), text)
    }
}
