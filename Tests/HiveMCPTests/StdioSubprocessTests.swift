import Foundation
import HiveCore
import HiveTestSupport
import MCP
import SystemPackage
import Testing

@testable import HiveMCP

/// The built `hive mcp twin`, started as a subprocess and driven over its stdin/stdout by the
/// Swift SDK's client — as Claude Desktop or any other MCP client runs it.
@Suite("hive mcp twin over stdio (subprocess, Swift SDK client)")
struct StdioSubprocessTests {
    @Test(
        "initialize, tools/list and every tool once, viewer_sync against a live hub; the process exits when stdin closes"
    )
    func everyTool() async throws {
        try await LiveHub.withMCP { hubURL, _ in
            let store = try TestFiles.temporaryDirectory("stdio-twin")
            let child = try TestProcess(
                try BuiltExecutable.path("hive"), ["mcp", "twin", "--store", store], standardInput: true,
                standardError: .capture)
            defer { child.terminate() }
            let (process, fromServer) = (child.process, child.output)
            let toServer = try #require(child.input)
            let errors = try #require(child.errors)

            let transport = StdioTransport(
                input: FileDescriptor(rawValue: fromServer.fileHandleForReading.fileDescriptor),
                output: FileDescriptor(rawValue: toServer.fileHandleForWriting.fileDescriptor))
            let client = Client(name: "hive-tests", version: "1")
            let progress = ProgressLog()
            await progress.attach(to: client)
            let info = try await client.connect(transport: transport)
            #expect(info.serverInfo.name == "hive-twin")
            let (tools, _) = try await client.listTools()
            #expect(tools.map(\.name) == TwinToolsTests.names)

            #expect(try await client.fails("viewer_stats").contains("call viewer_init"))
            let opened = try await client.ok(
                "viewer_init",
                [
                    "viewerId": "erin",
                    "config": [
                        "embedder": "hashing", "hubEndpoint": .string(hubURL), "catalog": TwinToolsTests.catalog,
                    ],
                ])
            #expect(opened["catalogImported"] == 6)
            for id in ["m1", "m2", "m5"] {
                try await client.ok(
                    "viewer_track_behavior", ["action": "rate", "mediaId": .string(id), "metadata": ["rating": 5]])
            }
            let recommended = try await client.ok("viewer_get_recommendations", ["k": 2])
            #expect(recommended["recommendations"]?.arrayValue?.count == 2)
            let token = ProgressToken.unique()
            let synced = try await client.ok("viewer_sync", progress: token)
            #expect(synced["skipped"] == false && (synced["report"]?["accepted"]?.number ?? 0) >= 1)
            #expect(try await progress.wait(for: token, count: 4).last == 3)
            #expect(try await client.ok("viewer_stats")["events"] == 3)
            #expect(
                try await client.ok("viewer_export_patterns", ["minQuality": 0.5])["patterns"]?.arrayValue?.isEmpty
                    == false)
            try await client.ok(
                "reflexion_store", ["task": "pick", "input": "i", "output": "o", "reward": 0.8, "success": true])
            #expect(
                try await client.ok("reflexion_retrieve", ["task": "pick"])["matches"]?[0]?["episode"]?["task"]
                    == "pick")
            try await client.ok("skill_create", ["name": "pick", "description": "choose a film"])
            #expect(try await client.ok("skill_search", ["query": "choose a film"])["matches"]?.arrayValue?.count == 1)
            try await client.ok("pattern_store", ["approach": "Comedy at night", "taskType": "behavior"])
            #expect(
                try await client.ok("pattern_search", ["query": "comedy at night"])["matches"]?.arrayValue?.isEmpty
                    == false)
            #expect(
                try await client.fails("viewer_track_behavior", ["action": "rate", "mediaId": "m1"]).contains(
                    "metadata.rating is required"))

            // Closing stdin ends the server.
            await client.disconnect()
            try toServer.fileHandleForWriting.close()
            for _ in 0..<500 where process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
            #expect(!process.isRunning)
            #expect(
                process.terminationStatus == 0,
                "stderr: \(String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self))")
        }
    }
}
