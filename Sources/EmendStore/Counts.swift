import GRDB

public struct Counts: Sendable, Equatable {
    public var records: Int
    public var datasets: Int
    public var events: Int
}

extension Store {
    public func counts() throws -> Counts {
        try read { db in
            Counts(
                records: try Int.fetchOne(db, sql: "SELECT count(*) FROM records") ?? 0,
                datasets: try Int.fetchOne(db, sql: "SELECT count(*) FROM datasets") ?? 0,
                events: try Int.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM events") ?? 0)
        }
    }
}
