import ArgumentParser
import EmendCore
import EmendStore
import Foundation

struct SuggestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suggest",
        abstract: "File machine suggestions from system:quality for the records changed since the last run; print counts by rule.",
        discussion: """
            Where a record's current version has a quality flag that implies its fix (coordinates exchanged or with a \
            sign lost, a country name from its code, a basisOfRecord misspelt…), a proposal by system:quality, naming \
            the rule, enters the moderation queue. Nothing is applied until a curator accepts it. It works through the \
            records in seq order from its watermark (a QualityChecked event in the log), 1,000 records to a \
            transaction, and never files a suggestion twice for the same record version and rule, nor while one of \
            the rule is open on the record, nor again after a curator rejected the same change. `emend serve` does \
            the same in the background.
            """)

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Records checked per transaction.") var batch = 1_000

    func run() throws {
        let store = try database.open()
        let progress = Progress()
        let run = try store.suggestQualityFixes(batchSize: max(1, batch)) { progress.show(Int64($0.checked), "records checked") }
        progress.finish()
        print("Checked \(run.checked) record versions through seq \(run.through) in \(String(format: "%.1f", progress.elapsed)) s")
        print("Filed \(run.suggestedTotal) suggestions\(run.suggested.isEmpty ? "" : ":")")
        for (rule, count) in run.suggested.sorted(by: { $0.key < $1.key }) { print("  \(rule): \(count)") }
        if run.alreadySuggested > 0 { print("Already suggested (not filed again): \(run.alreadySuggested)") }
        if run.changedMeanwhile > 0 { print("Changed while checking (checked at the next run): \(run.changedMeanwhile)") }
    }
}
