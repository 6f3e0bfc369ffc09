import EmendCore

/// The descriptor and metadata files of a Darwin Core Archive that Emend writes.
enum DarwinCoreArchiveMetadata {
    /// `meta.xml` (the TDWG text guide): `occurrence.txt` as CSV with one header line, the Emend record id in column 0
    /// and each term by its IRI. A term outside Darwin Core and Dublin Core has no IRI of its own, so it gets a URN
    /// naming it as the source did.
    static func meta(terms: [String]) -> String {
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<archive xmlns="http://rs.tdwg.org/dwc/text/" metadata="eml.xml">"#,
            #"  <core encoding="UTF-8" fieldsTerminatedBy="," linesTerminatedBy="\n" fieldsEnclosedBy="&quot;" ignoreHeaderLines="1" rowType="http://rs.tdwg.org/dwc/terms/Occurrence">"#,
            "    <files><location>occurrence.txt</location></files>",
            #"    <id index="0"/>"#,
        ]
        for (index, term) in terms.enumerated() {
            lines.append(#"    <field index="\#(index + 1)" term="\#(escape(iri(of: term)))"/>"#)
        }
        lines += ["  </core>", "</archive>"]
        return lines.joined(separator: "\n") + "\n"
    }

    static func iri(of term: String) -> String {
        TermRegistry.shared.term(named: term)?.iri
            ?? "urn:x-emend:term:" + (term.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? term)
    }

    /// `eml.xml`: EML 2.1.1 as GBIF reads it, saying what the download holds and how to cite it.
    static func eml(_ metadata: ExportMetadata, records: Int) -> String {
        let date = String(metadata.created.rfc3339.prefix(10))
        let identifier = metadata.identifier ?? metadata.url
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <eml:eml xmlns:eml="eml://ecoinformatics.org/eml-2.1.1" xmlns:dc="http://purl.org/dc/terms/" \
            packageId="\(escape(identifier))" system="https://emend" scope="system" xml:lang="en">
              <dataset>
                <alternateIdentifier>\(escape(identifier))</alternateIdentifier>
                <title>\(escape(metadata.title))</title>
                <creator><organizationName>Emend</organizationName></creator>
                <pubDate>\(date)</pubDate>
                <language>en</language>
                <abstract>
                  <para>\(records) specimen records matching \(escape(metadata.query)), as the Emend log held them at seq \(metadata.seq) (\(metadata.created.rfc3339)). The same search as of the same seq: \(escape(metadata.url))</para>
                </abstract>
                <intellectualRights>
                  <para>Each record keeps the licence of the dataset it was published in.</para>
                </intellectualRights>
                <contact><organizationName>Emend</organizationName></contact>
              </dataset>
              <additionalMetadata>
                <metadata>
                  <gbif>
                    <citation identifier="\(escape(identifier))">\(escape(metadata.citation))</citation>
                  </gbif>
                </metadata>
              </additionalMetadata>
            </eml:eml>

            """
    }

    static let escape = XMLText.escape
}
