import EmendCore
import EmendStore
import Foundation
import Hummingbird

/// `/stats`: the records counted by term and the community's proposals, each chart an SVG with its numbers in a
/// table beside it.
struct StatisticsPages {
    let store: Store
    let pages: PageRenderer

    func addRoutes(to site: RouterGroup<EmendRequestContext>) {
        site.get("stats", use: stats)
    }

    /// Headings of the counted terms, in the page's order; the year has a chart of its own.
    static let sections: [(term: CountedTerm, heading: String)] = [
        (.kingdom, "Kingdom"), (.phylum, "Phylum"), (.family, "Family"), (.country, "Country"), (.basisOfRecord, "Basis of record"),
        (.institutionCode, "Institution"), (.collection, "Collection"),
    ]

    @Sendable func stats(_ request: Request, context: EmendRequestContext) async throws -> Response {
        try RecordsAPI.onlyParameters(["asOf", "top"], request)
        let top = try StatisticsAPI.top(request)
        let asOf = try request.uri.queryParameters["asOf"].map { try store.position(asOf: String($0)) }
        let statistics = try await store.statistics(asOf: asOf)
        let asOfPair = asOf.map { [("asOf", String($0.seq))] } ?? []
        var values: [String: Any] = [
            "records": SVG.count(statistics.records), "top": top,
            "sections": Self.sections.map { section in
                let all = statistics.counts[section.term] ?? []
                var rows = all.prefix(top).map { (label: $0.value.isEmpty ? "(none)" : $0.value, value: $0.value, count: $0.count) }
                let other = all.dropFirst(top).reduce(0) { $0 + $1.count }
                let chart = SVG.bars(
                    rows.map { ($0.label, $0.count, Self.searchLink(section.term, $0.value, asOf: asOfPair)) },
                    label: "Records by \(section.heading.lowercased()), the \(rows.count) commonest")
                if other > 0 { rows.append((label: "\(all.count - top) others", value: "", count: other)) }
                return [
                    "id": section.term.rawValue, "heading": section.heading, "distinct": SVG.count(all.count), "svg": chart,
                    "rows": rows.map { ["label": $0.label, "count": SVG.count($0.count)] },
                ] as [String: Any]
            },
        ]
        let years = Years(statistics.counts[.year] ?? [])
        let bins = years.bins
        values["years"] = [
            "svg": SVG.columns(bins.map { ($0.label, $0.count) }, label: "Records by year collected"),
            "rows": bins.map { ["label": $0.label, "count": SVG.count($0.count)] },
            "without": SVG.count(years.without), "byDecade": bins.first.map { $0.from != $0.to } ?? false,
        ]
        let community = statistics.community
        values["community"] = [
            "proposals": SVG.count(community.proposals), "accepted": SVG.count(community.accepted),
            "rejected": SVG.count(community.rejected),
            "open": SVG.count(community.proposals - community.accepted - community.rejected),
            "acceptance": community.acceptanceRate.map { String(format: "%.1f%%", $0 * 100) } ?? "none decided yet",
            "median": community.medianTimeToDecision.map(Self.duration) ?? "none decided yet",
            "weeksSVG": SVG.columns(
                community.weeks.map { (String($0.start.rfc3339.prefix(10)), $0.submitted) }, label: "Proposals submitted per week"),
            "weeks": community.weeks.map { week in
                [
                    "start": String(week.start.rfc3339.prefix(10)), "submitted": SVG.count(week.submitted),
                    "accepted": SVG.count(week.accepted), "rejected": SVG.count(week.rejected),
                ]
            },
            "hasWeeks": !community.weeks.isEmpty,
            "contributors": community.topContributors.map { ["name": $0.name ?? $0.actor, "accepted": SVG.count($0.accepted)] },
            "hasContributors": !community.topContributors.isEmpty,
        ] as [String: Any]
        if let asOf { values["past"] = SitePages.past(asOf, showing: "the statistics as they were", now: "/stats", "See them now") }
        return pages.render("stats", values, context: context)
    }

    /// The search of a term's value, for the terms search can filter on; none for the records without a value.
    static func searchLink(_ term: CountedTerm, _ value: String, asOf: [(String, String)]) -> String? {
        func link(_ pairs: [(String, String)]) -> String { SearchParameters.searchPath(pairs + asOf) }
        guard !value.isEmpty else { return nil }
        switch term {
        case .family: return link([("family", value)])
        case .country: return link([("country", value)])
        case .institutionCode: return link([("institutionCode", value)])
        case .collection:
            let parts = value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
            return link([("institutionCode", parts[0]), ("collectionCode", parts[1])])
        default: return nil
        }
    }

    /// 3 days 4 hours, 5 hours 10 minutes, 40 seconds.
    static func duration(_ milliseconds: Int64) -> String {
        let seconds = milliseconds / 1000
        func unit(_ n: Int64, _ name: String) -> String { "\(n) \(name)\(n == 1 ? "" : "s")" }
        if seconds >= 86_400 { return unit(seconds / 86_400, "day") + " " + unit(seconds % 86_400 / 3_600, "hour") }
        if seconds >= 3_600 { return unit(seconds / 3_600, "hour") + " " + unit(seconds % 3_600 / 60, "minute") }
        if seconds >= 60 { return unit(seconds / 60, "minute") + " " + unit(seconds % 60, "second") }
        return unit(seconds, "second")
    }
}
