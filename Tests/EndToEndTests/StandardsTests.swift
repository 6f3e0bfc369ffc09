import Foundation
import Testing

/// Outside tools against a live `emend serve`: the W3C Web Annotation test suite's schemas (Python `jsonschema`) and
/// the CKAN client `ckanapi`. Each script starts the built binary on a free port of 127.0.0.1 with a database of its
/// own, and prints a line per check; `scripts/test` installs the two packages when they are missing.
@Suite struct StandardsTests {
    static func script(_ name: String) throws -> CLI.Result {
        try CLI.python([CLI.packageRoot.appendingPathComponent("Tests/Standards/\(name)").path, CLI.binary.path])
    }

    @Test func annotationsPassTheW3CMustAssertionsAndTheProtocol() throws {
        // Given a live server with notes, an accepted correction and the container
        // When the W3C test schemas check every annotation, the container and its pages
        let result = try Self.script("web_annotation.py")
        // Then every check passes
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("the created note: 54/54 MUST assertions"), "\(result.stdout)")
    }

    @Test func theCKANClientReadsTheRecords() throws {
        // Given a live server with 2,507 records
        // When ckanapi lists, shows and searches them, by POST and GET, and pages through them by offset and by after
        let result = try Self.script("ckan_client.py")
        // Then every check passes
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains(" passed, 0 failed"), "\(result.stdout)")
    }
}
