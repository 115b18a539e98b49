import Testing
@testable import HiveCore

@Suite("HiveError")
struct HiveErrorTests {
    @Test("description carries code and message")
    func describes() {
        let error = HiveError(.invalidInput, "confidence must be in [0,1], got 1.5")
        #expect(error.description == "invalid-input: confidence must be in [0,1], got 1.5")
    }
}
