import Foundation
import HiveCore

/// RFC 8785 canonicalisation of arbitrary bytes. Properties: whatever canonicalises once
/// canonicalises again to the same bytes (idempotence), and the canonical form parses to the
/// same JSON value as the input.
enum CanonicalJSONFuzz {
    static func run(_ data: [UInt8]) {
        guard let canonical = try? CanonicalJSON.canonicalize(data) else { return }
        let again: [UInt8]
        do { again = try CanonicalJSON.canonicalize(canonical) } catch {
            fatalError("canonical output does not parse: \(error) — \(String(decoding: canonical, as: UTF8.self))")
        }
        guard again == canonical else {
            fatalError(
                "not idempotent: \(String(decoding: canonical, as: UTF8.self)) → \(String(decoding: again, as: UTF8.self))"
            )
        }
        guard let original = try? JSONDecoder().decode(JSONValue.self, from: Data(data)),
            let reparsed = try? JSONDecoder().decode(JSONValue.self, from: Data(canonical)), original == reparsed
        else {
            fatalError("canonical form changed the value: \(String(decoding: canonical, as: UTF8.self))")
        }
        // The typed path every signer uses must agree with the value path.
        guard let typed = try? CanonicalJSON.encode(original), typed == canonical else {
            fatalError("CanonicalJSON.encode(JSONValue) disagrees with canonicalize")
        }
    }
}
