import EmendInterchange
import Foundation
import NIOCore
import Testing

@Suite struct ZipStreamWriterTests {
    @Test func anArchivePastFourGibibytesTakesTheZIP64FormsAndReadsBack() throws {
        // Given an entry of 4 GiB and a mebibyte (of zeros, which deflate to a few megabytes), then a small one,
        // written to a file as they stream
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        var zip = ZipStreamWriter(modified: 1_700_000_000_000)
        var out = ByteBuffer()
        func drain() {
            file.write(Data(out.readableBytesView))
            out.clear()
        }
        let bigSize = (Int64(1) << 32) + (1 << 20)
        let zeros = ByteBuffer(repeating: 0, count: 1 << 24)
        try zip.begin("big.bin", into: &out)
        var written: Int64 = 0
        while written < bigSize {
            var piece = zeros.getSlice(at: 0, length: Int(min(Int64(zeros.readableBytes), bigSize - written)))!
            written += Int64(piece.readableBytes)
            try zip.write(&piece, into: &out)
            drain()
        }
        try zip.end(into: &out)
        try zip.add("small.txt", Array("hello".utf8), into: &out)
        zip.finish(into: &out)
        drain()
        try file.close()
        // When Python's zipfile reads it (from the central directory, by its ZIP64 records)
        let text = try Self.zipfile(
            "big, small = z.infolist(); print(big.filename, big.file_size, small.filename, z.read('small.txt').decode())", path)
        // Then both entries are there, the large one with its ZIP64 size, and the one after it has its bytes
        #expect(text == "big.bin \(bigSize) small.txt hello\n")
    }

    @Test func moreEntriesThanTheEndRecordCountsTakeTheZIP64EndRecord() throws {
        // Given 70,000 entries, more than the 65,535 a plain end record can count
        var zip = ZipStreamWriter(modified: 1_700_000_000_000)
        var out = ByteBuffer()
        for index in 0..<70_000 { try zip.add("\(index).txt", Array(String(index).utf8), into: &out) }
        zip.finish(into: &out)
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(out.readableBytesView))
        // When Python's zipfile reads it
        let text = try Self.zipfile("print(len(z.infolist()), z.read('69999.txt').decode())", path)
        // Then it finds every entry, by the ZIP64 end record
        #expect(text == "70000 69999\n")
    }

    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("emend-zip64-\(UUID().uuidString).zip").path
    }

    /// What Python prints after `z = zipfile.ZipFile(archive)` and then `code`.
    static func zipfile(_ code: String, _ archive: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); " + code, archive]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text
    }

    @Test func aSmallArchiveIsPlainZIP() throws {
        // Given a small archive
        var zip = ZipStreamWriter(modified: 1_700_000_000_000)
        var out = ByteBuffer()
        try zip.add("a.txt", Array("a".utf8), into: &out)
        zip.finish(into: &out)
        let bytes = Array(out.readableBytesView)
        // Then it has no ZIP64 end record, and its end record is the last 22 bytes
        #expect(!bytes.indices.dropLast(3).contains { bytes[$0..<$0 + 4] == [0x50, 0x4b, 0x06, 0x06] })
        #expect(bytes[(bytes.count - 22)..<(bytes.count - 18)] == [0x50, 0x4b, 0x05, 0x06])
    }
}
