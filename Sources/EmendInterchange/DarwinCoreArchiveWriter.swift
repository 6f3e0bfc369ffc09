import NIOCore

/// A Darwin Core Archive written front to back, for a download to stream: `meta.xml`, then `occurrence.txt` as
/// its text comes (what `RecordExporter` writes for `.dwca`), deflated, then each extension file the same way, then
/// `eml.xml` and `citation.txt`.
public struct DarwinCoreArchiveWriter {
    private var zip: ZipStreamWriter
    private let metadata: ExportMetadata

    /// Starts the archive: its descriptor, and the opening of `occurrence.txt`. `extensions`: the extension files
    /// that will follow it.
    public init(terms: [String], extensions: [ExtensionFiles.File], metadata: ExportMetadata, into out: inout ByteBuffer) throws {
        self.metadata = metadata
        zip = ZipStreamWriter(modified: metadata.created.milliseconds)
        try zip.add("meta.xml", DarwinCoreArchiveMetadata.meta(terms: terms, extensions: extensions).utf8, into: &out)
        try zip.begin("occurrence.txt", into: &out)
    }

    /// The next text of the file being written.
    public mutating func write(_ text: inout ByteBuffer, into out: inout ByteBuffer) throws {
        try zip.write(&text, into: &out)
    }

    /// Ends the file being written, and begins the extension file named `location`.
    public mutating func startExtension(_ location: String, into out: inout ByteBuffer) throws {
        try zip.end(into: &out)
        try zip.begin(location, into: &out)
    }

    /// Ends the file being written and the archive, with the metadata of its `records` rows.
    public mutating func finish(records: Int, into out: inout ByteBuffer) throws {
        try zip.end(into: &out)
        try zip.add("eml.xml", DarwinCoreArchiveMetadata.eml(metadata, records: records).utf8, into: &out)
        try zip.add("citation.txt", (metadata.citation + "\n").utf8, into: &out)
        zip.finish(into: &out)
    }
}
