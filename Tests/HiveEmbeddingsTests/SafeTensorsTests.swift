import Foundation
import HiveCore
import Testing

@testable import HiveEmbeddings

@Suite("safetensors loading")
struct SafeTensorsTests {
    func load(_ data: Data) throws -> SafeTensors {
        let url = TestModel.temporaryDirectory("st").appendingPathComponent("model.safetensors")
        try data.write(to: url)
        return try SafeTensors(contentsOf: url)
    }

    func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch let error as HiveError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test("parses a valid file and maps float data")
    func valid() throws {
        let file = try load(TestModel.safetensors([.init(name: "w", shape: [2, 3], values: [1, 2, 3, 4, 5, 6])]))
        let w = try file.floats("w", shape: [2, 3])
        #expect(Array(UnsafeBufferPointer(start: w.pointer, count: w.count)) == [1, 2, 3, 4, 5, 6])
        #expect(throws: HiveError.self) { try file.floats("w", shape: [3, 2]) }
        #expect(throws: HiveError.self) { try file.floats("missing", shape: [1]) }
    }

    @Test("offsets past the end of the data are rejected")
    func lyingOffsets() throws {
        let data = TestModel.rawFile(
            header: #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, payload: Data(count: 8))
        #expect(message { _ = try load(data) }.contains("outside the data section"))
    }

    @Test("overflowing shapes and offsets are rejected, not trapped on")
    func overflow() throws {
        let shape = TestModel.rawFile(
            header: #"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#,
            payload: Data(count: 16))
        #expect(message { _ = try load(shape) }.contains("w"))
        let offsets = TestModel.rawFile(
            header: #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[9223372036854775800,9223372036854775807]}}"#,
            payload: Data(count: 16))
        #expect(throws: HiveError.self) { try load(offsets) }
        let negative = TestModel.rawFile(
            header: #"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, payload: Data(count: 4))
        #expect(throws: HiveError.self) { try load(negative) }
    }

    @Test("size disagreeing with shape × dtype is rejected")
    func sizeMismatch() throws {
        let data = TestModel.rawFile(
            header: #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#, payload: Data(count: 16))
        #expect(message { _ = try load(data) }.contains("needs 12"))
    }

    @Test("overlapping tensors are rejected")
    func overlap() throws {
        let data = TestModel.rawFile(
            header:
                #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#,
            payload: Data(count: 16))
        #expect(message { _ = try load(data) }.contains("overlap"))
    }

    @Test("header length beyond the file, truncated files and junk headers are rejected")
    func malformedHeaders() throws {
        var huge = UInt64(1 << 40).littleEndian
        var data = Data(bytes: &huge, count: 8)
        data.append(Data("{}".utf8))
        #expect(message { _ = try load(data) }.contains("header length"))
        #expect(message { _ = try load(Data([1, 2, 3])) }.contains("truncated"))
        #expect(message { _ = try load(TestModel.rawFile(header: "not json")) }.contains("not valid JSON"))
        #expect(message { _ = try load(TestModel.rawFile(header: "[1,2]")) }.contains("not a JSON object"))
        #expect(
            message {
                _ = try load(
                    TestModel.rawFile(
                        header: #"{"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,1]}}"#, payload: Data(count: 1)))
            }
            .contains("unknown dtype"))
    }

    @Test("wrong dtype for a weight is an error naming the tensor")
    func wrongDtype() throws {
        let file = try load(
            TestModel.rawFile(
                header: #"{"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, payload: Data(count: 4)))
        #expect(message { _ = try file.floats("w", shape: [2]) }.contains("tensor w is F16"))
    }
}
