import Foundation
import Hummingbird
import Testing

@testable import HiveHub

/// docs/openapi.yaml and the router describe the same API.
@Suite("OpenAPI contract")
struct OpenAPIContractTests {
    static var specPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml").path
    }

    /// "METHOD /path" for every operation under `paths:` (two-space path keys, four-space methods).
    static func specOperations(_ text: String) -> Set<String> {
        var operations = Set<String>()
        var inPaths = false
        var currentPath: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") {
                inPaths = true
                continue
            }
            guard inPaths else { continue }
            if !line.hasPrefix(" "), !line.isEmpty { break }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if let currentPath, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.trimmingCharacters(in: .whitespaces)
                for method in ["get", "post", "put", "delete", "patch"] where key == "\(method):" {
                    operations.insert("\(method.uppercased()) \(currentPath)")
                }
            }
        }
        return operations
    }

    @Test("the router's routes and the spec's operations are the same set")
    func routesMatchSpec() async throws {
        let text = try String(contentsOfFile: Self.specPath, encoding: .utf8)
        let spec = Self.specOperations(text)
        try await Fixture.withStore(.sqlite) { store in
            let core = Fixture.core(store: store, clock: TestClock())
            let router = HubAPI(core: core).makeRouter()
            let routes = Set(router.routes.map { "\($0.method) \($0.path)" })
            #expect(routes.count >= 20)
            #expect(routes.subtracting(spec).isEmpty, "routes missing from the spec: \(routes.subtracting(spec).sorted())")
            #expect(spec.subtracting(routes).isEmpty, "spec paths with no route: \(spec.subtracting(routes).sorted())")
        }
    }

    @Test("every problem type is documented in the spec")
    func problemTypesDocumented() throws {
        let text = try String(contentsOfFile: Self.specPath, encoding: .utf8)
        for type in ProblemType.all {
            #expect(text.contains("\"\(type.uri)\", status: \(type.status)"), "\(type.uri)")
        }
    }
}
