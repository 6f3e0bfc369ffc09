import EmendCore

/// A resource described for DataCite (Metadata Schema 4.6): what a citation or a dataset's landing page offers as
/// `datacite.xml`, and what minting the DOI would send to a DataCite account.
public struct DataCiteResource: Sendable {
    public struct RelatedIdentifier: Sendable {
        /// `URL` or `DOI`.
        public var type: String
        /// A DataCite relationType: `IsDerivedFrom`, `HasVersion`, `IsVersionOf`, …
        public var relation: String
        public var value: String

        public init(type: String, relation: String, value: String) {
            self.type = type
            self.relation = relation
            self.value = value
        }
    }

    public var doi: String
    public var title: String
    public var publisher: String
    public var created: Timestamp
    public var updated: Timestamp?
    public var abstract: String
    public var version: String
    public var sizes: [String]
    public var formats: [String]
    /// The landing page.
    public var url: String
    public var relatedIdentifiers: [RelatedIdentifier]

    public init(
        doi: String, title: String, publisher: String, created: Timestamp, updated: Timestamp? = nil, abstract: String,
        version: String, sizes: [String], formats: [String], url: String, relatedIdentifiers: [RelatedIdentifier]
    ) {
        self.doi = doi
        self.title = title
        self.publisher = publisher
        self.created = created
        self.updated = updated
        self.abstract = abstract
        self.version = version
        self.sizes = sizes
        self.formats = formats
        self.url = url
        self.relatedIdentifiers = relatedIdentifiers
    }

    /// The resource as DataCite 4.6 XML.
    public var xml: String {
        let e = DarwinCoreArchiveMetadata.escape
        var dates = [#"    <date dateType="Created">\#(created.rfc3339)</date>"#]
        if let updated { dates.append(#"    <date dateType="Updated">\#(updated.rfc3339)</date>"#) }
        let related = relatedIdentifiers.map {
            #"    <relatedIdentifier relatedIdentifierType="\#(e($0.type))" relationType="\#(e($0.relation))">\#(e($0.value))</relatedIdentifier>"#
        }
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <resource xmlns="http://datacite.org/schema/kernel-4" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
            xsi:schemaLocation="http://datacite.org/schema/kernel-4 https://schema.datacite.org/meta/kernel-4.6/metadata.xsd">
              <identifier identifierType="DOI">\(e(doi))</identifier>
              <creators>
                <creator><creatorName nameType="Organizational">\(e(publisher))</creatorName></creator>
              </creators>
              <titles>
                <title xml:lang="en">\(e(title))</title>
              </titles>
              <publisher xml:lang="en">\(e(publisher))</publisher>
              <publicationYear>\(created.components.year)</publicationYear>
              <resourceType resourceTypeGeneral="Dataset">Specimen records</resourceType>
              <subjects>
                <subject>Natural history specimens</subject>
                <subject>Darwin Core</subject>
              </subjects>
              <dates>
            \(dates.joined(separator: "\n"))
              </dates>
              <language>en</language>
              <alternateIdentifiers>
                <alternateIdentifier alternateIdentifierType="URL">\(e(url))</alternateIdentifier>
              </alternateIdentifiers>
            \(Self.list("relatedIdentifiers", related))\
            \(Self.list("sizes", sizes.map { "    <size>\(e($0))</size>" }))\
            \(Self.list("formats", formats.map { "    <format>\(e($0))</format>" }))\
              <version>\(e(version))</version>
              <rightsList>
                <rights xml:lang="en">Each record keeps the licence of the dataset it was published in.</rights>
              </rightsList>
              <descriptions>
                <description xml:lang="en" descriptionType="Abstract">\(e(abstract))</description>
              </descriptions>
            </resource>

            """
    }

    /// A wrapping element with its items, or nothing: the schema wants at least one item in each.
    private static func list(_ name: String, _ items: [String]) -> String {
        items.isEmpty ? "" : "  <\(name)>\n" + items.joined(separator: "\n") + "\n  </\(name)>\n"
    }
}
