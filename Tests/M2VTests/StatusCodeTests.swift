// The Swift error codes and the C status codes are one table: each M2VError.Code equals its
// m2v_status, and the version in Swift equals the header's.
import XCTest
import CM2V
import M2VSupport
import StaticModel
@testable import M2V

final class StatusCodeTests: XCTestCase {
    func testSwiftCodesEqualCStatuses() {
        let pairs: [(M2VError.Code, m2v_status)] = [
            (.invalidArgument, M2V_ERR_INVALID_ARGUMENT), (.notFound, M2V_ERR_NOT_FOUND), (.io, M2V_ERR_IO),
            (.format, M2V_ERR_FORMAT), (.unsupported, M2V_ERR_UNSUPPORTED), (.bufferTooSmall, M2V_ERR_BUFFER_TOO_SMALL),
            (.outOfMemory, M2V_ERR_OUT_OF_MEMORY), (.invalidUTF8, M2V_ERR_INVALID_UTF8), (.cancelled, M2V_ERR_CANCELLED),
            (.internal, M2V_ERR_INTERNAL),
        ]
        XCTAssertEqual(pairs.count, M2VError.Code.allCases.count)
        for (swiftCode, cStatus) in pairs {
            XCTAssertEqual(UInt32(swiftCode.rawValue), cStatus.rawValue, "\(swiftCode)")
            XCTAssertEqual(fail(M2VError(swiftCode, "x")), cStatus)
        }
        XCTAssertEqual(String(cString: M2V.m2v_status_name(Int32(M2V_ERR_CANCELLED.rawValue))), "M2V_ERR_CANCELLED")
    }

    func testVersionsAgree() {
        XCTAssertEqual(String(cString: M2V.m2v_version_string()), M2V_VERSION_STRING)
        XCTAssertEqual(Int(M2V.m2v_version_number()), Int(M2V_VERSION_MAJOR * 10000 + M2V_VERSION_MINOR * 100 + M2V_VERSION_PATCH))
    }

    func testLastErrorIsSetAndCleared() {
        var out: OpaquePointer? = nil
        XCTAssertEqual(M2V.m2v_model_load("/nonexistent/m2v", nil, &out), M2V_ERR_NOT_FOUND)
        XCTAssertTrue(String(cString: M2V.m2v_last_error()).contains("/nonexistent/m2v"))
        XCTAssertEqual(M2V.m2v_encode(nil, nil, nil, 0, nil, nil, 0), M2V_ERR_INVALID_ARGUMENT)
        let json = #"{"model": {"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "a"}}"#
        var tok: OpaquePointer? = nil
        let st = json.withCString { M2V.m2v_tokenizer_load_from_memory($0, json.utf8.count, &tok) }
        XCTAssertEqual(st, M2V_OK)
        XCTAssertEqual(String(cString: M2V.m2v_last_error()), "")
        M2V.m2v_tokenizer_free(tok)
    }
}
