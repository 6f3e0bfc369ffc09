import EmendCore
import Foundation
import Testing

@testable import EmendInterchange

/// Helpers shared by the interchange tests: where the fixture archives live, how to drain a reader, and
/// scratch folders for archives written at test time.
enum Fixtures {
    /// The package root: this file is `Tests/EmendInterchangeTests/Fixtures.swift`.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // EmendInterchangeTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root

    static let dwca = packageRoot.appendingPathComponent("Tests/Fixtures/dwca")

    /// A real museum archive copied from the shared data folder (data/dwca/real) (see Tests/Fixtures/SOURCES.md).
    static func real(_ name: String) -> String {
        dwca.appendingPathComponent("real").appendingPathComponent(name).path
    }

    /// An odd or broken archive copied from the shared data folder (data/dwca/edge-cases) (see Tests/Fixtures/SOURCES.md).
    static func edgeCase(_ name: String) -> String {
        dwca.appendingPathComponent("edge-cases").appendingPathComponent(name).path
    }
}

/// Everything a reader produced when read to the end.
struct Drained {
    var records: [SourceRecord]
    var problems: [RowProblem]

    /// Records the store would skip as `.missingID`: the reader hands them over with no key.
    var withoutKey: Int { records.filter { $0.key == nil }.count }
    var withKey: Int { records.count - withoutKey }

    /// How many records the store would skip as `.duplicateID`: every repeat of a key after its first use.
    var duplicateKeys: Int {
        var seen = Set<String>(), repeats = 0
        for key in records.compactMap(\.key) where !seen.insert(key).inserted { repeats += 1 }
        return repeats
    }

    /// Problems counted by kind; kinds that did not occur are absent.
    var problemCounts: [RowProblem.Kind: Int] {
        problems.reduce(into: [:]) { $0[$1.kind, default: 0] += 1 }
    }

    func record(key: String) -> SourceRecord? { records.first { $0.key == key } }
}

/// Reads every record of `source`, collecting the row problems.
func drain(_ source: DarwinCoreSource) throws(ImportError) -> Drained {
    var records: [SourceRecord] = [], problems: [RowProblem] = []
    while let record = try source.next(problems: &problems) { records.append(record) }
    return Drained(records: records, problems: problems)
}

/// Opens `path` and reads it to the end.
func drain(path: String) throws(ImportError) -> (source: DarwinCoreSource, drained: Drained) {
    let source = try DarwinCoreSource.open(path: path)
    return (source, try drain(source))
}

/// The ImportError that opening and reading `path` throws, or nil when it reads cleanly.
func importError(_ path: String) -> ImportError? {
    do {
        _ = try drain(path: path)
        return nil
    } catch {
        return error
    }
}

/// A scratch folder removed when the value is released: archives and files written at test time go here.
final class ScratchFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("emend-interchange-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` as UTF-8 to `name` in the folder and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Data(text.utf8))
    }

    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let file = url.appendingPathComponent(name)
        try data.write(to: file)
        return file.path
    }

    var path: String { url.path }
}
