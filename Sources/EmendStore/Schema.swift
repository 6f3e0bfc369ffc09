import GRDB

/// The schema, as one ordered list of numbered migrations. Never edit a migration that has shipped: add one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1 event log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                      seq INTEGER PRIMARY KEY,
                      id TEXT NOT NULL,
                      stream TEXT NOT NULL,
                      stream_version INTEGER NOT NULL,
                      type TEXT NOT NULL,
                      recorded_at INTEGER NOT NULL,  -- milliseconds since 1970, UTC
                      actor TEXT NOT NULL,
                      data TEXT NOT NULL,            -- canonical JSON (DESIGN §2)
                      hash BLOB NOT NULL,            -- SHA-256(previous hash || canonical(event))
                      UNIQUE (stream, stream_version)
                    );
                    CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
                      BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                    CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
                      BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                    """)
        }
        migrator.registerMigration("2 record read models") { db in
            try db.execute(
                sql: """
                    CREATE TABLE datasets (
                      id TEXT PRIMARY KEY,
                      title TEXT NOT NULL,
                      source TEXT NOT NULL,
                      record_count INTEGER NOT NULL,
                      import_count INTEGER NOT NULL,
                      last_import_seq INTEGER NOT NULL,
                      last_import_at INTEGER NOT NULL
                    );
                    CREATE TABLE records (
                      rowid INTEGER PRIMARY KEY,
                      id TEXT NOT NULL UNIQUE,
                      dataset_id TEXT NOT NULL,
                      version INTEGER NOT NULL,
                      seq INTEGER NOT NULL,          -- the event that made this version
                      fields TEXT NOT NULL,          -- canonical JSON {term: value}
                      extensions TEXT,               -- canonical JSON {rowType: [{term: value}]}, or NULL
                      institution_code TEXT,
                      collection_code TEXT,
                      catalog_number TEXT,
                      scientific_name TEXT,
                      family TEXT,
                      country TEXT,
                      country_code TEXT,
                      year INTEGER,
                      decimal_latitude REAL,
                      decimal_longitude REAL
                    );
                    CREATE INDEX records_dataset ON records(dataset_id);
                    CREATE INDEX records_collection ON records(institution_code, collection_code);
                    CREATE INDEX records_catalog_number ON records(catalog_number);
                    CREATE INDEX records_scientific_name ON records(scientific_name);
                    CREATE INDEX records_country ON records(country);
                    CREATE INDEX records_year ON records(year);
                    -- Bounding boxes: a latitude range scan that checks longitude in the index. Cheaper to keep
                    -- than an R*Tree (which cost a fifth of import time) and built in one sort after bulk loads.
                    CREATE INDEX records_location ON records(decimal_latitude, decimal_longitude);
                    CREATE VIRTUAL TABLE records_fts USING fts5(
                      taxon, place, people, content='', tokenize='unicode61 remove_diacritics 2');
                    CREATE TABLE users (
                      id TEXT PRIMARY KEY,
                      name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                      role TEXT NOT NULL,
                      scopes TEXT NOT NULL,          -- canonical JSON array of "INSTITUTION[:COLLECTION]"
                      created_seq INTEGER NOT NULL
                    );
                    -- Secrets stay outside the log: only a SHA-256 of each token, never rebuilt by replay.
                    CREATE TABLE api_tokens (
                      token_hash BLOB PRIMARY KEY,
                      user_id TEXT NOT NULL,
                      created_at INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("3 contributions and accounts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE proposals (
                      id TEXT PRIMARY KEY,
                      record_id TEXT NOT NULL,
                      base_version INTEGER NOT NULL,
                      changes TEXT NOT NULL,         -- canonical JSON {term: {"from", "to"}}
                      rationale TEXT NOT NULL,
                      actor TEXT NOT NULL,
                      status TEXT NOT NULL,          -- open, accepted, rejected, withdrawn
                      seq INTEGER NOT NULL,
                      submitted_at INTEGER NOT NULL
                    );
                    CREATE INDEX proposals_record ON proposals(record_id, seq);
                    CREATE INDEX proposals_actor ON proposals(actor, seq);
                    CREATE TABLE annotations (
                      id TEXT PRIMARY KEY,
                      record_id TEXT NOT NULL,
                      version INTEGER NOT NULL,
                      motivation TEXT NOT NULL,
                      text TEXT NOT NULL,
                      term TEXT,
                      actor TEXT NOT NULL,
                      seq INTEGER NOT NULL,
                      created_at INTEGER NOT NULL
                    );
                    CREATE INDEX annotations_record ON annotations(record_id, seq);
                    CREATE INDEX annotations_actor ON annotations(actor, seq);
                    CREATE TABLE reports (
                      id TEXT PRIMARY KEY,
                      record_id TEXT NOT NULL,
                      version INTEGER NOT NULL,
                      category TEXT NOT NULL,
                      description TEXT NOT NULL,
                      term TEXT,
                      actor TEXT NOT NULL,
                      status TEXT NOT NULL,          -- open, resolved, dismissed
                      seq INTEGER NOT NULL,
                      filed_at INTEGER NOT NULL
                    );
                    CREATE INDEX reports_record ON reports(record_id, seq);
                    CREATE INDEX reports_actor ON reports(actor, seq);
                    -- Outside the log, never rebuilt by replay: personal data and secrets.
                    CREATE TABLE report_contacts (
                      report_id TEXT PRIMARY KEY,
                      email TEXT NOT NULL
                    );
                    CREATE TABLE passwords (
                      user_id TEXT PRIMARY KEY,
                      bcrypt TEXT NOT NULL
                    );
                    CREATE TABLE sessions (
                      key TEXT PRIMARY KEY,
                      value BLOB NOT NULL,
                      expires_at INTEGER              -- milliseconds since 1970, or NULL for never
                    );
                    """)
        }
        migrator.registerMigration("4 facet indexes") { db in
            // Facets under the commonest filters (a year, a country) read a covering index alone instead of looking
            // up thousands of rows. The narrow indexes stay: their entries are in rowid order within a value, so a
            // filtered page in record order stops after its first rows instead of sorting every match.
            try db.execute(
                sql: """
                    CREATE INDEX records_year_facets ON records(year, country, family, institution_code);
                    CREATE INDEX records_country_facets ON records(country, year, family, institution_code);
                    """)
        }
        migrator.registerMigration("5 decisions") { db in
            try db.execute(
                sql: """
                    ALTER TABLE proposals ADD COLUMN decided_by TEXT;
                    ALTER TABLE proposals ADD COLUMN decided_seq INTEGER;
                    ALTER TABLE proposals ADD COLUMN decided_at INTEGER;
                    ALTER TABLE proposals ADD COLUMN reason TEXT;               -- why it was rejected, or the curator's note
                    ALTER TABLE proposals ADD COLUMN accepted_version INTEGER;  -- the record version accepting it made
                    CREATE INDEX proposals_status ON proposals(status, seq);
                    """)
        }
        migrator.registerMigration("6 report and note decisions") { db in
            try db.execute(
                sql: """
                    ALTER TABLE reports ADD COLUMN decided_by TEXT;
                    ALTER TABLE reports ADD COLUMN decided_seq INTEGER;
                    ALTER TABLE reports ADD COLUMN note TEXT;
                    ALTER TABLE reports ADD COLUMN fixed_version INTEGER;
                    ALTER TABLE annotations ADD COLUMN hidden_by TEXT;
                    ALTER TABLE annotations ADD COLUMN hidden_reason TEXT;
                    """)
        }
        migrator.registerMigration("7 questions on proposals") { db in
            try db.execute(
                sql: """
                    ALTER TABLE proposals ADD COLUMN question TEXT;
                    ALTER TABLE proposals ADD COLUMN answer TEXT;
                    """)
        }
        migrator.registerMigration("8 accepted corrections") { db in
            // What curators accepted, by record and term: a re-import does not overwrite these, it asks.
            try db.execute(
                sql: """
                    CREATE TABLE corrections (
                      record_id TEXT NOT NULL,
                      term TEXT NOT NULL,
                      value TEXT,                    -- NULL: the correction removed the term
                      proposal_id TEXT NOT NULL,
                      seq INTEGER NOT NULL,
                      PRIMARY KEY (record_id, term)
                    );
                    """)
        }
        migrator.registerMigration("9 reports turned into proposals") { db in
            // The proposal a curator made of the report.
            try db.execute(sql: "ALTER TABLE reports ADD COLUMN proposal_id TEXT")
        }
        migrator.registerMigration("10 proposals by collection") { db in
            // A curator's queue and its counts read one index range instead of joining every proposal to its record.
            // The columns follow the record: a revision that moves it to another collection moves its proposals.
            try db.execute(
                sql: """
                    ALTER TABLE proposals ADD COLUMN institution_code TEXT;
                    ALTER TABLE proposals ADD COLUMN collection_code TEXT;
                    ALTER TABLE proposals ADD COLUMN dataset_id TEXT;
                    UPDATE proposals SET institution_code = records.institution_code, collection_code = records.collection_code,
                      dataset_id = records.dataset_id
                    FROM records WHERE records.id = proposals.record_id;
                    CREATE INDEX proposals_scope ON proposals(institution_code, collection_code, status, seq);
                    CREATE INDEX proposals_actor_status ON proposals(actor, status);
                    -- Proposals by collection and status, kept by triggers so that a queue's counts need no scan.
                    -- '' stands for a record without the code.
                    CREATE TABLE queue_counts (
                      institution_code TEXT NOT NULL,
                      collection_code TEXT NOT NULL,
                      status TEXT NOT NULL,
                      n INTEGER NOT NULL,
                      PRIMARY KEY (institution_code, collection_code, status)
                    ) WITHOUT ROWID;
                    INSERT INTO queue_counts
                      SELECT coalesce(institution_code, ''), coalesce(collection_code, ''), status, count(*) FROM proposals
                      GROUP BY 1, 2, 3;
                    CREATE TRIGGER queue_counts_insert AFTER INSERT ON proposals BEGIN
                      INSERT INTO queue_counts VALUES (coalesce(NEW.institution_code, ''), coalesce(NEW.collection_code, ''), NEW.status, 1)
                        ON CONFLICT DO UPDATE SET n = n + 1;
                    END;
                    CREATE TRIGGER queue_counts_update AFTER UPDATE OF status, institution_code, collection_code ON proposals BEGIN
                      UPDATE queue_counts SET n = n - 1
                        WHERE institution_code = coalesce(OLD.institution_code, '') AND collection_code = coalesce(OLD.collection_code, '')
                          AND status = OLD.status;
                      INSERT INTO queue_counts VALUES (coalesce(NEW.institution_code, ''), coalesce(NEW.collection_code, ''), NEW.status, 1)
                        ON CONFLICT DO UPDATE SET n = n + 1;
                    END;
                    """)
        }
        migrator.registerMigration("11 checkpoints") { db in
            // Signed Merkle roots of the log (DESIGN §2 hash chain, RFC 6962 tree). Not events, and not read models:
            // replay keeps them. Append-only like the log, so that a checkpoint once given out stays checkable.
            try db.execute(
                sql: """
                    CREATE TABLE checkpoints (
                      tree_size INTEGER PRIMARY KEY CHECK (tree_size > 0), -- the tree over events 1 to tree_size
                      root_hash BLOB NOT NULL,
                      signed_at INTEGER NOT NULL,    -- milliseconds since 1970, UTC: the signed timestamp
                      signature BLOB NOT NULL,       -- Ed25519 over Checkpoint.message
                      frontier BLOB NOT NULL         -- the roots of the tree's perfect subtrees, largest first, 32 bytes
                                                     -- each: the next checkpoint folds in only the events after this one
                    );
                    CREATE TRIGGER checkpoints_append_only_update BEFORE UPDATE ON checkpoints
                      BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
                    CREATE TRIGGER checkpoints_append_only_delete BEFORE DELETE ON checkpoints
                      BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
                    -- The roots of aligned blocks of 1,024 events, made with the checkpoints: a proof in a tree of a
                    -- million events reads about a thousand of these and a thousand event hashes, not a million.
                    CREATE TABLE merkle_blocks (
                      block INTEGER PRIMARY KEY,     -- events block * 1024 + 1 to (block + 1) * 1024
                      root_hash BLOB NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("12 record history") { db in
            // The versions of records that later events superseded, for reading the records as of a past seq
            // (`asOf`): the versions current then are the rows of `records` unchanged since, and these. Each row is
            // one version, valid from the event that made it (`seq`) until the one that superseded it.
            // A fresh import supersedes nothing, so it writes no rows here.
            try db.execute(
                sql: """
                    CREATE TABLE record_history (
                      seq INTEGER PRIMARY KEY,       -- the event that made this version; record_history_fts is keyed by it
                      superseded_seq INTEGER NOT NULL, -- the event that made the next version
                      record_rowid INTEGER NOT NULL, -- the record's rowid in records: searches order and page by it
                      id TEXT NOT NULL,
                      dataset_id TEXT NOT NULL,
                      version INTEGER NOT NULL,
                      fields TEXT NOT NULL,
                      extensions TEXT,
                      institution_code TEXT,
                      collection_code TEXT,
                      catalog_number TEXT,
                      scientific_name TEXT,
                      family TEXT,
                      country TEXT,
                      country_code TEXT,
                      year INTEGER,
                      decimal_latitude REAL,
                      decimal_longitude REAL
                    );
                    -- A search as of seq S reads the versions superseded after S: few when S is recent, however large
                    -- the history, and all it needs from this table, so there is no index by term. The index alone
                    -- gives the records revised since S and which of their versions was current at S.
                    CREATE INDEX record_history_superseded ON record_history(superseded_seq, record_rowid);
                    CREATE VIRTUAL TABLE record_history_fts USING fts5(
                      taxon, place, people, content='', tokenize='unicode61 remove_diacritics 2');
                    """)
            // A database from before this migration has revised records whose earlier versions are only in the log:
            // migration 14 fills them in, once the table has all its columns.
        }
        migrator.registerMigration("13 verify runs") { db in
            // What `emend verify` found, for the auditor console. Outside the log: a verify is not a change.
            try db.execute(
                sql: """
                    CREATE TABLE verify_runs (
                      finished_at INTEGER PRIMARY KEY,  -- milliseconds since 1970, UTC
                      ok INTEGER NOT NULL,
                      events INTEGER NOT NULL,          -- the log's length when it ran
                      summary TEXT NOT NULL             -- the checksum and checkpoints, or what failed
                    );
                    """)
        }
        migrator.registerMigration("14 quality flags") { db in
            // Each version's quality flags (QualityChecks), judged as of the event that made it. record_flags indexes
            // those of the current versions by code, for `flag=` searches and facets.
            try db.execute(
                sql: """
                    ALTER TABLE records ADD COLUMN flags TEXT;         -- JSON array of codes, in the checks' order; NULL: none
                    ALTER TABLE record_history ADD COLUMN flags TEXT;
                    CREATE TABLE record_flags (
                      code TEXT NOT NULL,
                      record_rowid INTEGER NOT NULL,
                      PRIMARY KEY (code, record_rowid)
                    ) WITHOUT ROWID;
                    """)
            try RecordRow.fillFlags(db)
            let historyMissing = try Bool.fetchOne(
                db, sql: "SELECT NOT EXISTS (SELECT 1 FROM record_history) AND EXISTS (SELECT 1 FROM records WHERE version > 1)")
            if historyMissing == true { try RecordRow.rebuildHistory(db) }
        }
        migrator.registerMigration("15 annotation container indexes") { db in
            // The annotation container lists visible notes and accepted corrections in log order, a page after a seq:
            // these read a page where the other indexes would read every note and proposal.
            try db.execute(
                sql: """
                    CREATE INDEX annotations_visible ON annotations(seq) WHERE hidden_by IS NULL;
                    CREATE INDEX proposals_decided ON proposals(status, decided_seq);
                    """)
        }
        migrator.registerMigration("16 machine suggestions") { db in
            // The quality rule a machine suggestion (a proposal by system:quality) comes from, so that the queue
            // filters and counts by it and curators accept a rule's suggestions in bulk. Only those proposals have
            // one: the index holds them alone, in seq order with the codes a scope filters on (the queries that need it
            // name it: without statistics, SQLite prefers proposals_status, a scan of every open proposal). Records by
            // seq: the quality bot works through the records changed since its watermark in seq order, a range of
            // this index.
            try db.execute(
                sql: """
                    ALTER TABLE proposals ADD COLUMN rule TEXT;
                    CREATE INDEX proposals_rule ON proposals(rule, status, seq, institution_code, collection_code)
                      WHERE rule IS NOT NULL;
                    CREATE INDEX records_seq ON records(seq);
                    """)
        }
        migrator.registerMigration("17 record counts and map cells") { db in
            // Counts of the current records by term, and by 1° cell of their coordinates, kept by triggers on
            // `records` in the same transaction as the event: the statistics page and the map of all records read
            // these instead of scanning. '' stands for a record without the value; a collection is
            // 'INSTITUTION:COLLECTION'. A count that falls to 0 is deleted, so each table always equals a GROUP BY
            // over the records (`RecordCounts.tally`, which `emend verify` compares with them). Records are only
            // inserted and updated (a revision is an UPDATE; one of other columns leaves the counts alone); clearing them
            // for a replay clears these too.
            try db.execute(
                sql: """
                    CREATE TABLE record_counts (
                      dimension TEXT NOT NULL,       -- kingdom, phylum, family, country, basisOfRecord, institutionCode, collection, year
                      value TEXT NOT NULL,
                      n INTEGER NOT NULL,
                      PRIMARY KEY (dimension, value)
                    ) WITHOUT ROWID;
                    CREATE INDEX record_counts_spent ON record_counts(n) WHERE n = 0; -- finds the counts an update spent
                    -- The cell of a point is floor(latitude), floor(longitude): its south-west corner. Latitude 90 is
                    -- in the cell from 89, longitude 180 in the one from 179.
                    CREATE TABLE record_cells (
                      latitude INTEGER NOT NULL,     -- -90 to 89
                      longitude INTEGER NOT NULL,    -- -180 to 179
                      n INTEGER NOT NULL,
                      PRIMARY KEY (latitude, longitude)
                    ) WITHOUT ROWID;
                    CREATE INDEX record_cells_spent ON record_cells(n) WHERE n = 0;
                    CREATE TRIGGER record_counts_insert AFTER INSERT ON records BEGIN
                      INSERT INTO record_counts (dimension, value, n) VALUES
                        ('kingdom', coalesce(json_extract(NEW.fields, '$.kingdom'), ''), 1),
                        ('phylum', coalesce(json_extract(NEW.fields, '$.phylum'), ''), 1),
                        ('family', coalesce(NEW.family, ''), 1),
                        ('country', coalesce(NEW.country, ''), 1),
                        ('basisOfRecord', coalesce(json_extract(NEW.fields, '$.basisOfRecord'), ''), 1),
                        ('institutionCode', coalesce(NEW.institution_code, ''), 1),
                        ('collection', coalesce(NEW.institution_code, '') || ':' || coalesce(NEW.collection_code, ''), 1),
                        ('year', coalesce(NEW.year, ''), 1)
                      ON CONFLICT DO UPDATE SET n = n + 1;
                      INSERT INTO record_cells (latitude, longitude, n)
                        SELECT min(89, CAST(floor(NEW.decimal_latitude) AS INTEGER)), min(179, CAST(floor(NEW.decimal_longitude) AS INTEGER)), 1
                        WHERE NEW.decimal_latitude IS NOT NULL AND NEW.decimal_longitude IS NOT NULL
                      ON CONFLICT DO UPDATE SET n = n + 1;
                    END;
                    CREATE TRIGGER record_counts_update
                      AFTER UPDATE OF fields, family, country, institution_code, collection_code, year, decimal_latitude, decimal_longitude
                      ON records BEGIN
                      INSERT INTO record_counts (dimension, value, n) VALUES
                        ('kingdom', coalesce(json_extract(OLD.fields, '$.kingdom'), ''), -1),
                        ('phylum', coalesce(json_extract(OLD.fields, '$.phylum'), ''), -1),
                        ('family', coalesce(OLD.family, ''), -1),
                        ('country', coalesce(OLD.country, ''), -1),
                        ('basisOfRecord', coalesce(json_extract(OLD.fields, '$.basisOfRecord'), ''), -1),
                        ('institutionCode', coalesce(OLD.institution_code, ''), -1),
                        ('collection', coalesce(OLD.institution_code, '') || ':' || coalesce(OLD.collection_code, ''), -1),
                        ('year', coalesce(OLD.year, ''), -1),
                        ('kingdom', coalesce(json_extract(NEW.fields, '$.kingdom'), ''), 1),
                        ('phylum', coalesce(json_extract(NEW.fields, '$.phylum'), ''), 1),
                        ('family', coalesce(NEW.family, ''), 1),
                        ('country', coalesce(NEW.country, ''), 1),
                        ('basisOfRecord', coalesce(json_extract(NEW.fields, '$.basisOfRecord'), ''), 1),
                        ('institutionCode', coalesce(NEW.institution_code, ''), 1),
                        ('collection', coalesce(NEW.institution_code, '') || ':' || coalesce(NEW.collection_code, ''), 1),
                        ('year', coalesce(NEW.year, ''), 1)
                      ON CONFLICT DO UPDATE SET n = n + excluded.n;
                      DELETE FROM record_counts WHERE n = 0;
                      INSERT INTO record_cells (latitude, longitude, n)
                        SELECT min(89, CAST(floor(OLD.decimal_latitude) AS INTEGER)), min(179, CAST(floor(OLD.decimal_longitude) AS INTEGER)), -1
                        WHERE OLD.decimal_latitude IS NOT NULL AND OLD.decimal_longitude IS NOT NULL
                        UNION ALL
                        SELECT min(89, CAST(floor(NEW.decimal_latitude) AS INTEGER)), min(179, CAST(floor(NEW.decimal_longitude) AS INTEGER)), 1
                        WHERE NEW.decimal_latitude IS NOT NULL AND NEW.decimal_longitude IS NOT NULL
                      ON CONFLICT DO UPDATE SET n = n + excluded.n;
                      DELETE FROM record_cells WHERE n = 0;
                    END;
                    -- The map of a search by family or by country reads the points from an index alone, not a row each.
                    CREATE INDEX records_family_location ON records(family, decimal_latitude, decimal_longitude);
                    CREATE INDEX records_country_location ON records(country, decimal_latitude, decimal_longitude);
                    """)
            // The records a database holds already.
            try RecordCounts.rebuild(db)
        }
        migrator.registerMigration("18 imported fields kept once") { db in
            // A version that a RecordImported event made has that event's fields: records and record_history leave
            // `fields` NULL for it, and readers take the event's (`RecordRow.fieldsSQL`). The fields of most records
            // are then stored once, in the log, not twice: a third of the database. NOT NULL goes the way SQLite's
            // ALTER TABLE documentation gives for dropping a constraint, by editing the stored schema, which leaves
            // the rows as they are.
            let schemaVersion = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
            try db.execute(
                sql: """
                    PRAGMA writable_schema = ON;
                    UPDATE sqlite_master SET sql = replace(sql, 'fields TEXT NOT NULL,', 'fields TEXT,')
                      WHERE type = 'table' AND name IN ('records', 'record_history');
                    PRAGMA schema_version = \(schemaVersion + 1);
                    PRAGMA writable_schema = OFF;
                    """)
            db.clearSchemaCache()
            // The triggers that count records by kingdom, phylum and basis of record read those terms the same way.
            // They are made again after the rows lose their copies, which changes no count. A copy is compared with
            // the event's fields as SQLite renders both (`json`, `json_extract`), however it writes escapes.
            func term(_ row: String, _ term: String) -> String {
                "coalesce(json_extract(coalesce(\(row).fields, (SELECT json_extract(data, '$.fields') FROM events WHERE seq = \(row).seq)), '$.\(term)'), '')"
            }
            func counts(_ row: String, _ n: Int) -> String {
                """
                ('kingdom', \(term(row, "kingdom")), \(n)),
                    ('phylum', \(term(row, "phylum")), \(n)),
                    ('family', coalesce(\(row).family, ''), \(n)),
                    ('country', coalesce(\(row).country, ''), \(n)),
                    ('basisOfRecord', \(term(row, "basisOfRecord")), \(n)),
                    ('institutionCode', coalesce(\(row).institution_code, ''), \(n)),
                    ('collection', coalesce(\(row).institution_code, '') || ':' || coalesce(\(row).collection_code, ''), \(n)),
                    ('year', coalesce(\(row).year, ''), \(n))
                """
            }
            try db.execute(
                sql: """
                    DROP TRIGGER record_counts_insert;
                    DROP TRIGGER record_counts_update;
                    UPDATE records SET fields = NULL WHERE version = 1
                      AND json(fields) = (SELECT json_extract(data, '$.fields') FROM events WHERE seq = records.seq AND type = 'RecordImported');
                    UPDATE record_history SET fields = NULL WHERE version = 1
                      AND json(fields) = (SELECT json_extract(data, '$.fields') FROM events WHERE seq = record_history.seq AND type = 'RecordImported');
                    CREATE TRIGGER record_counts_insert AFTER INSERT ON records BEGIN
                      INSERT INTO record_counts (dimension, value, n) VALUES
                        \(counts("NEW", 1))
                      ON CONFLICT DO UPDATE SET n = n + 1;
                      INSERT INTO record_cells (latitude, longitude, n)
                        SELECT min(89, CAST(floor(NEW.decimal_latitude) AS INTEGER)), min(179, CAST(floor(NEW.decimal_longitude) AS INTEGER)), 1
                        WHERE NEW.decimal_latitude IS NOT NULL AND NEW.decimal_longitude IS NOT NULL
                      ON CONFLICT DO UPDATE SET n = n + 1;
                    END;
                    CREATE TRIGGER record_counts_update
                      AFTER UPDATE OF fields, family, country, institution_code, collection_code, year, decimal_latitude, decimal_longitude
                      ON records BEGIN
                      INSERT INTO record_counts (dimension, value, n) VALUES
                        \(counts("OLD", -1)),
                        \(counts("NEW", 1))
                      ON CONFLICT DO UPDATE SET n = n + excluded.n;
                      DELETE FROM record_counts WHERE n = 0;
                      INSERT INTO record_cells (latitude, longitude, n)
                        SELECT min(89, CAST(floor(OLD.decimal_latitude) AS INTEGER)), min(179, CAST(floor(OLD.decimal_longitude) AS INTEGER)), -1
                        WHERE OLD.decimal_latitude IS NOT NULL AND OLD.decimal_longitude IS NOT NULL
                        UNION ALL
                        SELECT min(89, CAST(floor(NEW.decimal_latitude) AS INTEGER)), min(179, CAST(floor(NEW.decimal_longitude) AS INTEGER)), 1
                        WHERE NEW.decimal_latitude IS NOT NULL AND NEW.decimal_longitude IS NOT NULL
                      ON CONFLICT DO UPDATE SET n = n + excluded.n;
                      DELETE FROM record_cells WHERE n = 0;
                    END;
                    """)
        }
        migrator.registerMigration("19 place and year indexes hold each other") { db in
            // A search by place and years read the year from each row the box matched: a box over Europe and half a
            // century, on a million records, was 284,000 row reads and 1.2 s; from the index alone it is 45 ms. The
            // map of a range of years read each match's point the same way (1900-1950: 0.81 s; 0.23 s from the index).
            try db.execute(
                sql: """
                    DROP INDEX records_location;
                    CREATE INDEX records_location ON records(decimal_latitude, decimal_longitude, year);
                    DROP INDEX records_year;
                    CREATE INDEX records_year ON records(year, decimal_latitude, decimal_longitude);
                    """)
        }
        migrator.registerMigration("20 versions with extension rows") { db in
            // A Darwin Core Archive download names its extension files before its first record: the row types and
            // terms of every version's rows, found through these rather than by reading every row (80 ms a million).
            try db.execute(
                sql: """
                    CREATE INDEX records_extended ON records(dataset_id) WHERE extensions IS NOT NULL;
                    CREATE INDEX record_history_extended ON record_history(record_rowid) WHERE extensions IS NOT NULL;
                    """)
        }
        return migrator
    }
}
