import EmendCore

/// The descriptor and metadata files of a Darwin Core Archive that Emend writes.
enum DarwinCoreArchiveMetadata {
    /// `meta.xml` (the TDWG text guide): `occurrence.txt` as CSV with one header line, the Emend record id in column 0
    /// and each term by its IRI; then each extension file the same way, its rows' record id in column 0. A term
    /// outside Darwin Core and Dublin Core has no IRI of its own, so it gets a URN naming it as the source did.
    static func meta(terms: [String], extensions: [ExtensionFiles.File] = []) -> String {
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<archive xmlns="http://rs.tdwg.org/dwc/text/" metadata="eml.xml">"#,
        ]
        func file(_ element: String, rowType: String, location: String, id: String, terms: [String]) {
            lines += [
                #"  <\#(element) encoding="UTF-8" fieldsTerminatedBy="," linesTerminatedBy="\n" fieldsEnclosedBy="&quot;" ignoreHeaderLines="1" rowType="\#(escape(rowType))">"#,
                "    <files><location>\(escape(location))</location></files>",
                #"    <\#(id) index="0"/>"#,
            ]
            for (index, term) in terms.enumerated() {
                lines.append(#"    <field index="\#(index + 1)" term="\#(escape(iri(of: term)))"/>"#)
            }
            lines.append("  </\(element)>")
        }
        file("core", rowType: "http://rs.tdwg.org/dwc/terms/Occurrence", location: "occurrence.txt", id: "id", terms: terms)
        for ext in extensions {
            file("extension", rowType: rowTypeIRI(of: ext.rowType), location: ext.location, id: "coreid", terms: ext.terms)
        }
        lines.append("</archive>")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The IRI of an extension's row type from the name import keeps, the IRI's last part: those of the extensions
    /// GBIF registers (its own, Darwin Core's, OBIS's), and a URN for any other. Audubon Core's `Multimedia` reads
    /// as GBIF's, the one GBIF's own downloads carry.
    static func rowTypeIRI(of name: String) -> String {
        rowTypeIRIs[name] ?? "urn:x-emend:rowType:" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name)
    }

    private static let rowTypeIRIs: [String: String] = {
        let gbif = ["Multimedia", "Identifier", "Reference", "Description", "Distribution", "VernacularName", "SpeciesProfile",
                    "TypesAndSpecimen", "Image", "DNADerivedData", "GermplasmAccession"]
        let dwc = ["Occurrence", "Event", "Taxon", "Identification", "MeasurementOrFact", "ResourceRelationship"]
        var iris = Dictionary(uniqueKeysWithValues: gbif.map { ($0, "http://rs.gbif.org/terms/1.0/\($0)") })
        for name in dwc { iris[name] = "http://rs.tdwg.org/dwc/terms/\(name)" }
        iris["ExtendedMeasurementOrFact"] = "http://rs.iobis.org/obis/terms/ExtendedMeasurementOrFact"
        iris["ChronometricAge"] = "http://rs.tdwg.org/chrono/terms/ChronometricAge"
        return iris
    }()

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
