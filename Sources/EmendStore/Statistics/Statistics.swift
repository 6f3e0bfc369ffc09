import EmendCore
import GRDB

/// Counts of the records by term, and what the community has done: the statistics page and `GET /api/stats`.
public struct RecordStatistics: Sendable, Equatable {
    public var records: Int
    /// Per term, every value with its count, commonest first, ties by value; '' counts the records without it.
    public var counts: [CountedTerm: [FacetCount]]
    public var community: CommunityStatistics
    /// Where the log ended for these counts; nil for now.
    public var asOf: LogPosition?
}

/// Proposals (corrections suggested) and what curators decided about them.
public struct CommunityStatistics: Sendable, Equatable {
    public struct Week: Sendable, Equatable {
        /// Monday 00:00 UTC.
        public var start: Timestamp
        public var submitted: Int
        public var accepted: Int
        public var rejected: Int
    }

    public struct Contributor: Sendable, Equatable {
        public var actor: String
        /// The account's name; nil for an actor without one.
        public var name: String?
        public var accepted: Int
    }

    public var proposals = 0
    public var accepted = 0
    public var rejected = 0
    /// Proposals submitted, by the week they were submitted in, with those of them decided since; weeks without
    /// any are left out.
    public var weeks: [Week] = []
    /// Milliseconds from submission to acceptance or rejection, the median over the decided proposals.
    public var medianTimeToDecision: Int64?
    /// People (not `system` actors) by accepted proposals, most first.
    public var topContributors: [Contributor] = []

    /// Accepted among those decided, from 0 to 1; nil when none is.
    public var acceptanceRate: Double? { accepted + rejected == 0 ? nil : Double(accepted) / Double(accepted + rejected) }
}

extension Store {
    public static let topContributors = 10
    static let week: Int64 = 7 * 24 * 3_600_000
    /// 1970-01-01 was a Thursday: weeks start four days later in the day count.
    static let firstMonday: Int64 = 4 * 24 * 3_600_000

    /// The statistics now, read from `record_counts`; as of a past seq, those counts less the tally of the rows
    /// changed since and plus the versions then (`SearchSource`): a scan of the records revised or added since.
    public func statistics(asOf: LogPosition? = nil) async throws -> RecordStatistics {
        try await writer.read { db in
            var sql = "SELECT dimension, value, n FROM record_counts"
            var arguments = StatementArguments()
            if let asOf {
                let past = try SearchSource.Past(asOf, db: db)
                var arms = [sql]
                for source in [SearchSource(.changed, past), SearchSource(.history, past)] {
                    let tally = RecordCounts.tally(table: source.table, from: source.from, where: source.selected.sql)
                    arms.append(
                        "SELECT dimension, value, \(source.sign < 0 ? "-" : "")n FROM (\(tally))")
                    for _ in 0..<RecordCounts.tallyArms { arguments += source.selected.arguments }
                }
                sql = "SELECT dimension, value, sum(n) AS n FROM (\(arms.joined(separator: " UNION ALL "))) GROUP BY 1, 2 HAVING sum(n) > 0"
            }
            var counts: [CountedTerm: [FacetCount]] = [:]
            for row in try Row.fetchAll(db, sql: "\(sql) ORDER BY 1, 3 DESC, 2", arguments: arguments) {
                guard let term = CountedTerm(rawValue: row["dimension"]) else { continue }
                counts[term, default: []].append(FacetCount(value: row["value"], count: row["n"]))
            }
            // Every record has one value of each term, '' included.
            let records = counts[.kingdom]?.reduce(0) { $0 + $1.count } ?? 0
            return RecordStatistics(
                records: records, counts: counts, community: try Self.community(db, asOf: asOf?.seq), asOf: asOf)
        }
    }

    /// From the proposals read model; as of seq S, the proposals submitted by S, decided if they were by S.
    private static func community(_ db: Database, asOf seq: Int64?) throws -> CommunityStatistics {
        let bound = seq ?? Int64.max
        // A proposal's status as of the bound: accepted or rejected once decided, open (or as now) before.
        let status = "CASE WHEN decided_seq <= :bound THEN status ELSE 'open' END"
        var community = CommunityStatistics()
        let arguments: StatementArguments = ["bound": bound, "week": week, "monday": firstMonday]
        let weeks = try Row.fetchAll(
            db,
            sql: """
                SELECT (submitted_at - :monday) / :week AS week, count(*) AS n,
                  sum(\(status) = 'accepted') AS accepted, sum(\(status) = 'rejected') AS rejected
                FROM proposals WHERE seq <= :bound GROUP BY 1 ORDER BY 1
                """, arguments: arguments)
        for row in weeks {
            let week = CommunityStatistics.Week(
                start: Timestamp(milliseconds: (row["week"] as Int64) * Self.week + firstMonday), submitted: row["n"],
                accepted: row["accepted"], rejected: row["rejected"])
            community.weeks.append(week)
            community.proposals += week.submitted
            community.accepted += week.accepted
            community.rejected += week.rejected
        }
        let decided = community.accepted + community.rejected
        if decided > 0 {
            community.medianTimeToDecision = try Int64.fetchOne(
                db,
                sql: """
                    SELECT decided_at - submitted_at FROM proposals
                    WHERE seq <= :bound AND decided_seq <= :bound AND status IN ('accepted', 'rejected')
                    ORDER BY 1 LIMIT 1 OFFSET :middle
                    """, arguments: ["bound": bound, "middle": (decided - 1) / 2])
        }
        community.topContributors = try Row.fetchAll(
            db,
            sql: """
                SELECT actor, users.name AS name, count(*) AS accepted FROM proposals LEFT JOIN users ON users.id = proposals.actor
                WHERE status = 'accepted' AND decided_seq <= :bound AND actor NOT LIKE 'system%'
                GROUP BY actor ORDER BY 3 DESC, 1 LIMIT :limit
                """, arguments: ["bound": bound, "limit": topContributors]
        ).map { CommunityStatistics.Contributor(actor: $0["actor"], name: $0["name"], accepted: $0["accepted"]) }
        return community
    }
}
