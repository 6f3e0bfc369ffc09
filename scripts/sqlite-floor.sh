#!/usr/bin/env bash
# What SQLite alone takes to write what an import and a replay write: the rows of an imported database copied, in
# SQL and in C (the sqlite3 shell), into a new database with the same schema, with nothing of Emend's own work
# (reading the CSV, checks, canonical JSON, hashing). No import or replay can be faster than this on the machine.
#   scripts/sqlite-floor.sh IMPORTED.sqlite [WORKDIR]
# IMPORTED.sqlite: a database `emend import` made of one dataset (for the benchmark: the million generated records).
set -euo pipefail
source_db=$(realpath "$1")
work=$(realpath "${2:-$(mktemp -d)}")
cd "$work"
rm -f floor.sqlite* floor-text.sqlite

# The schema as a bulk load leaves it while it writes: no records indexes (built after) and no counting triggers.
sqlite3 "$source_db" "SELECT sql || ';' FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
  AND name NOT LIKE 'records_fts_%' AND name NOT LIKE 'record_history_fts_%'
  AND NOT (type = 'index' AND tbl_name = 'records') AND NOT (type = 'trigger' AND name LIKE 'record_counts%')
  ORDER BY type != 'table', rowid" > schema.sql
sqlite3 "$source_db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records' AND sql IS NOT NULL" > indexes.sql

# The full-text columns (RecordRow.searchText), made ahead so that the timed load only writes them.
field() { echo "coalesce(json_extract(e.data, '\$.fields.$1'), '')"; }
join() { local out=""; for term in "$@"; do out+="${out:+ || ' ' || }$(field "$term")"; done; echo "$out"; }
sqlite3 floor-text.sqlite "ATTACH '$source_db' AS s;
  CREATE TABLE t (rowid INTEGER PRIMARY KEY, taxon, place, people);
  INSERT INTO t SELECT r.rowid,
    $(join scientificName vernacularName genus family order class phylum kingdom),
    $(join country stateProvince county municipality locality verbatimLocality island waterBody),
    $(join recordedBy identifiedBy)
  FROM s.records r JOIN s.events e ON e.seq = r.seq;"

# What an import and a replay both write: the read models, with FTS5's 64 MiB buffer as bulk writes have it.
cat > read-models.sql <<'SQL'
INSERT INTO records_fts (records_fts, rank) VALUES ('hashsize', 67108864);
.print records
INSERT INTO main.records SELECT * FROM s.records;
.print full text
INSERT INTO records_fts (rowid, taxon, place, people) SELECT rowid, taxon, place, people FROM f.t;
.print flags
INSERT INTO main.record_flags SELECT * FROM s.record_flags;
.print indexes
.read indexes.sql
.print commit
COMMIT;
SQL

# The shell's `.timer` lines, summed under the `.print` label before them: one line a step.
steps() { awk '/^Run Time:/ { t[label] += $4; next } { label = $0; order[++n] = $0 } END { for (i = 1; i <= n; i++) printf "  %-10s %6.2f s\n", order[i], t[order[i]] }'; }
elapsed() { awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $1 }"; }

load() {  # $1: journal mode. Prints each step's time, then the whole.
  rm -f floor.sqlite*
  local start=$(date +%s.%N)
  sqlite3 floor.sqlite <<SQL | grep -v '^wal$\|^delete$' | steps
PRAGMA page_size = 16384;
PRAGMA journal_mode = $1;
PRAGMA synchronous = NORMAL;
.read schema.sql
PRAGMA cache_size = -262144;
ATTACH '$source_db' AS s;
ATTACH 'floor-text.sqlite' AS f;
BEGIN;
.timer on
.print events
INSERT INTO main.events SELECT * FROM s.events;
.read read-models.sql
SQL
  echo "import floor, $1 journal: $(elapsed "$start") s"
}

load WAL
load DELETE

# A replay in place: the read models cleared and written again beside the log, in WAL mode as replay has them.
sqlite3 floor.sqlite "PRAGMA journal_mode = WAL" > /dev/null
start=$(date +%s.%N)
sqlite3 floor.sqlite <<SQL | steps
PRAGMA synchronous = NORMAL;
PRAGMA cache_size = -262144;
ATTACH '$source_db' AS s;
ATTACH 'floor-text.sqlite' AS f;
.timer on
BEGIN;
.print clear
DELETE FROM records;
DELETE FROM record_flags;
INSERT INTO records_fts (records_fts) VALUES ('delete-all');
$(sed 's/^CREATE INDEX \([a-z_]*\) .*/DROP INDEX \1;/' indexes.sql)
.read read-models.sql
SQL
echo "replay floor: $(elapsed "$start") s"
