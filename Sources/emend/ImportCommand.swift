import ArgumentParser
import EmendCore
import EmendInterchange
import EmendStore
import Foundation

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a Darwin Core Archive (.zip, .tar.gz or folder) or a CSV/TSV file; all or nothing.",
        discussion: """
            Re-importing a dataset writes nothing for unchanged records, a new version holding exactly the changed \
            terms for changed ones, version 1 for new ones, and reports records the source no longer has (they are \
            not deleted). Rows without an id, repeated ids and rows with the wrong number of cells are skipped and \
            counted; terms outside Darwin Core are kept and listed.
            """)

    @OptionGroup var database: DatabaseOptions
    @Argument(help: "The archive, folder or CSV/TSV file.") var path: String
    @Option(help: "The dataset to import into (default: the file name).") var dataset: String?

    func run() throws {
        let source: DarwinCoreSource
        do { source = try DarwinCoreSource.open(path: path) } catch { throw fail("\(error)") }
        let name = dataset ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let datasetID = Identifiers.slug(name)
        guard !datasetID.isEmpty else { throw fail("--dataset \"\(name)\" has no letters or digits to name it by") }
        let store = try database.open()
        let progress = Progress()
        var reader = source
        let summary: ImportSummary
        do {
            summary = try store.importRecords(
                from: &reader,
                source: ImportSource(
                    datasetID: datasetID, title: dataset ?? source.title ?? name, source: source.sourceName,
                    terms: source.terms, unknownTerms: source.unknownTerms, replacedTerms: source.replacedTerms),
                progress: { progress.show(Int64($0.rows), "rows") })
        } catch let error as ImportError {
            progress.finish()
            throw fail("\(error); nothing was imported")
        }
        progress.finish()
        print(Self.report(summary, source: source, datasetID: datasetID, seconds: progress.elapsed))
    }

    static func report(_ summary: ImportSummary, source: DarwinCoreSource, datasetID: String, seconds: Double) -> String {
        var lines = [
            "Imported \(source.sourceName) into dataset \(datasetID) in \(String(format: "%.1f", seconds)) s",
            "  rows read:  \(summary.rows)",
            "  added:      \(summary.added)",
            "  revised:    \(summary.revised)",
            "  unchanged:  \(summary.unchanged)",
            "  missing:    \(summary.missing) (in the dataset, not in this source; kept)",
        ]
        for example in summary.missingExamples { lines.append("    e.g. record \(example)") }
        if summary.disagreements > 0 {
            lines.append("  disagree with accepted corrections: \(summary.disagreements) (corrections kept; the source's values are in the moderation queue)")
            for example in summary.disagreementExamples { lines.append("    e.g. record \(example)") }
        }
        for kind in RowProblem.Kind.allCases where summary.count(kind) > 0 {
            let verb = kind == .orphanedExtensionRow ? "skipped" : "rows skipped"
            lines.append("  \(kind.rawValue): \(summary.count(kind)) \(verb)")
            for example in summary.problemExamples where example.kind == kind {
                lines.append("    e.g. \(example.location): \(example.detail)")
            }
        }
        if !source.unknownTerms.isEmpty {
            lines.append("  terms outside Darwin Core, kept: \(source.unknownTerms.joined(separator: ", "))")
        }
        for (old, current) in source.replacedTerms.sorted(by: { $0.key < $1.key }) {
            lines.append("  legacy term \(old) read as \(current)")
        }
        if let first = summary.firstSeq, let last = summary.lastSeq { lines.append("  log: seq \(first)…\(last)") }
        return lines.joined(separator: "\n")
    }
}
