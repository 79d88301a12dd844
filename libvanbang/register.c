/*
 * register.c — the school's original register in SQLite (see register.h): schema and its
 * migrations, the append-only tables and their triggers, issuing, revoking, correcting and
 * copying, the derived state, the event entries that are the log's leaves, backup and restore.
 *
 * Every statement is a constant with bound parameters; no SQL text is built from data. The
 * statements a connection uses often are prepared once and kept (register_statement).
 */
#include "register.h"

#include "cbor.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistd.h>
#include <unistr.h>

/* ---------------------------------------------------------------- schema */

/* Version 1. Read with docs/FORMAT.md §10. Every table that is part of the legal register
 * (school, batches, credentials, events) refuses UPDATE and DELETE; counters only move forward
 * one number at a time, and only as originals take their numbers. (Version 2 below replaces the
 * per-row sequence triggers.) */
static const char schema_v1[] =
    "CREATE TABLE school ("
    "  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),"
    "  code TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 32),"
    "  name TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE settings ("
    "  name TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE serial_patterns ("
    "  type INTEGER PRIMARY KEY CHECK (type BETWEEN 1 AND 5),"
    "  pattern TEXT NOT NULL CHECK (length(pattern) BETWEEN 1 AND 255));"
    "CREATE TABLE counters ("
    "  type INTEGER NOT NULL CHECK (type BETWEEN 1 AND 5),"
    "  year INTEGER NOT NULL CHECK (year BETWEEN 1950 AND 2199),"
    "  last_number INTEGER NOT NULL CHECK (last_number BETWEEN 0 AND 4294967295),"
    "  PRIMARY KEY (type, year)) WITHOUT ROWID;"
    "CREATE TABLE batches ("
    "  batch_id INTEGER PRIMARY KEY CHECK (batch_id >= 1),"
    "  token BLOB NOT NULL UNIQUE CHECK (length(token) = 16),"
    "  created_at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  roster TEXT NOT NULL,"
    "  roster_sha256 BLOB CHECK (roster_sha256 IS NULL OR length(roster_sha256) = 32),"
    "  type INTEGER NOT NULL CHECK (type BETWEEN 1 AND 5),"
    "  issue_date INTEGER NOT NULL,"
    "  record_count INTEGER NOT NULL CHECK (record_count >= 0));"
    "CREATE TABLE credentials ("
    "  record_id INTEGER PRIMARY KEY CHECK (record_id >= 1),"
    "  kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 3),"
    "  original_id INTEGER NOT NULL REFERENCES credentials (record_id),"
    "  supersedes INTEGER REFERENCES credentials (record_id),"
    "  copy_of INTEGER REFERENCES credentials (record_id),"
    "  copy_number INTEGER CHECK (copy_number IS NULL OR copy_number >= 1),"
    "  batch_id INTEGER REFERENCES batches (batch_id),"
    "  type INTEGER NOT NULL CHECK (type BETWEEN 1 AND 5),"
    "  register_year INTEGER NOT NULL CHECK (register_year BETWEEN 1950 AND 2199),"
    "  register_number INTEGER NOT NULL CHECK (register_number BETWEEN 1 AND 4294967295),"
    "  serial TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  name_folded TEXT NOT NULL,"
    "  birth_date INTEGER NOT NULL,"
    "  gender INTEGER NOT NULL CHECK (gender BETWEEN 0 AND 2),"
    "  program_code TEXT NOT NULL,"
    "  program_name TEXT NOT NULL,"
    "  classification INTEGER NOT NULL CHECK (classification BETWEEN 0 AND 5),"
    "  training_mode INTEGER NOT NULL CHECK (training_mode BETWEEN 0 AND 4),"
    "  high_quality INTEGER NOT NULL CHECK (high_quality IN (0, 1)),"
    "  issue_date INTEGER NOT NULL,"
    "  issue_place TEXT NOT NULL,"
    "  graduation_decision TEXT,"
    "  graduation_decision_date INTEGER,"
    "  personal_id TEXT CHECK (personal_id IS NULL OR"
    "    (length(personal_id) = 12 AND personal_id NOT GLOB '*[^0-9]*')),"
    "  record BLOB NOT NULL CHECK (length(record) BETWEEN 1 AND 1024),"
    "  signed_at INTEGER NOT NULL,"
    "  issued_at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  CHECK ((kind = 1) = (original_id = record_id)),"
    "  CHECK ((kind = 2) = (supersedes IS NOT NULL)),"
    "  CHECK ((kind = 3) = (copy_of IS NOT NULL)),"
    "  CHECK ((kind = 3) = (copy_number IS NOT NULL)),"
    "  CHECK (kind = 1 OR batch_id IS NULL));"
    "CREATE TABLE events ("
    "  sequence INTEGER PRIMARY KEY CHECK (sequence >= 1),"
    "  kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 4),"
    "  record_id INTEGER NOT NULL REFERENCES credentials (record_id),"
    "  original_id INTEGER NOT NULL REFERENCES credentials (record_id),"
    "  time INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  reason INTEGER,"
    "  decision_number TEXT,"
    "  decision_date INTEGER,"
    "  batch_id INTEGER REFERENCES batches (batch_id),"
    "  entry BLOB NOT NULL CHECK (length(entry) BETWEEN 1 AND 1024),"
    "  CHECK (kind != 2 OR (reason BETWEEN 1 AND 6 AND decision_number IS NOT NULL)),"
    "  CHECK (kind != 3 OR decision_number IS NOT NULL));"
    /* The log (log.h): the hash of every perfect subtree of 2^level leaves (level >= 1) once its
     * last event is in, so roots and proofs read O(log^2 n) rows; and the signed checkpoints. */
    "CREATE TABLE log_nodes ("
    "  level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 63),"
    "  position INTEGER NOT NULL CHECK (position >= 0),"
    "  hash BLOB NOT NULL CHECK (length(hash) = 32),"
    "  PRIMARY KEY (level, position)) WITHOUT ROWID;"
    "CREATE TABLE checkpoints ("
    "  checkpoint_id INTEGER PRIMARY KEY,"
    "  size INTEGER NOT NULL CHECK (size >= 0),"
    "  root BLOB NOT NULL CHECK (length(root) = 32),"
    "  time INTEGER NOT NULL,"
    "  signed BLOB NOT NULL CHECK (length(signed) BETWEEN 1 AND 1024));"
    /* Each register number and each serial on exactly one credential; a record corrected at
     * most once (a later correction corrects the correction); copy numbers distinct; a
     * credential revoked at most once. */
    "CREATE UNIQUE INDEX credentials_one_number ON credentials (type, register_year, register_number)"
    "  WHERE kind = 1;"
    "CREATE UNIQUE INDEX credentials_one_serial ON credentials (serial) WHERE kind = 1;"
    "CREATE UNIQUE INDEX credentials_superseded_once ON credentials (supersedes) WHERE kind = 2;"
    "CREATE UNIQUE INDEX credentials_copy_numbers ON credentials (original_id, copy_number) WHERE kind = 3;"
    "CREATE INDEX credentials_by_original ON credentials (original_id);"
    "CREATE INDEX credentials_by_personal_id ON credentials (personal_id, type, program_code)"
    "  WHERE personal_id IS NOT NULL;"
    "CREATE INDEX credentials_by_name ON credentials (name, birth_date, program_code);"
    "CREATE INDEX credentials_by_birth_date ON credentials (birth_date);"
    "CREATE INDEX credentials_by_batch ON credentials (batch_id) WHERE batch_id IS NOT NULL;"
    "CREATE UNIQUE INDEX events_revoked_once ON events (original_id) WHERE kind = 2;"
    "CREATE INDEX events_by_original ON events (original_id);"
    /* Append-only. These stop mistakes (a program bug, a hand-typed UPDATE); whoever edits the
     * file can drop them, and the log's checkpoints are what reveal that. */
    "CREATE TRIGGER school_never_changed BEFORE UPDATE ON school"
    "  BEGIN SELECT RAISE(ABORT, 'register: the school of a register never changes'); END;"
    "CREATE TRIGGER school_never_deleted BEFORE DELETE ON school"
    "  BEGIN SELECT RAISE(ABORT, 'register: the school of a register never changes'); END;"
    "CREATE TRIGGER batches_never_changed BEFORE UPDATE ON batches"
    "  BEGIN SELECT RAISE(ABORT, 'register: batches are append-only, never changed'); END;"
    "CREATE TRIGGER batches_never_deleted BEFORE DELETE ON batches"
    "  BEGIN SELECT RAISE(ABORT, 'register: batches are append-only, never deleted'); END;"
    "CREATE TRIGGER credentials_never_changed BEFORE UPDATE ON credentials"
    "  BEGIN SELECT RAISE(ABORT, 'register: credentials are append-only, never changed;"
    " a correction is a new record'); END;"
    "CREATE TRIGGER credentials_never_deleted BEFORE DELETE ON credentials"
    "  BEGIN SELECT RAISE(ABORT, 'register: credentials are append-only, never deleted;"
    " revoke instead'); END;"
    "CREATE TRIGGER events_never_changed BEFORE UPDATE ON events"
    "  BEGIN SELECT RAISE(ABORT, 'register: events are append-only, never changed'); END;"
    "CREATE TRIGGER events_never_deleted BEFORE DELETE ON events"
    "  BEGIN SELECT RAISE(ABORT, 'register: events are append-only, never deleted'); END;"
    "CREATE TRIGGER log_nodes_never_changed BEFORE UPDATE ON log_nodes"
    "  BEGIN SELECT RAISE(ABORT, 'register: log nodes are append-only, never changed'); END;"
    "CREATE TRIGGER log_nodes_never_deleted BEFORE DELETE ON log_nodes"
    "  BEGIN SELECT RAISE(ABORT, 'register: log nodes are append-only, never deleted'); END;"
    "CREATE TRIGGER checkpoints_never_changed BEFORE UPDATE ON checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'register: checkpoints are append-only, never changed'); END;"
    "CREATE TRIGGER checkpoints_never_deleted BEFORE DELETE ON checkpoints"
    "  BEGIN SELECT RAISE(ABORT, 'register: checkpoints are append-only, never deleted'); END;"
    "CREATE TRIGGER counters_never_deleted BEFORE DELETE ON counters"
    "  BEGIN SELECT RAISE(ABORT, 'register: counters are never deleted'); END;"
    "CREATE TRIGGER counters_forward BEFORE UPDATE ON counters"
    "  WHEN NEW.type IS NOT OLD.type OR NEW.year IS NOT OLD.year OR NEW.last_number IS NOT OLD.last_number + 1"
    "  BEGIN SELECT RAISE(ABORT, 'register: a counter moves forward one number at a time'); END;"
    "CREATE TRIGGER counters_start BEFORE INSERT ON counters"
    "  WHEN NEW.last_number IS NOT (SELECT coalesce(max(register_number), NEW.last_number) FROM credentials"
    "    WHERE kind = 1 AND type = NEW.type AND register_year = NEW.year)"
    "  BEGIN SELECT RAISE(ABORT, 'register: numbering of a year can only be started before its first number');"
    "  END;"
    /* Sequences without gaps: record ids, event numbers (the log's leaf index + 1), register
     * numbers (the next of the counter, which then takes it). */
    "CREATE TRIGGER credentials_in_sequence BEFORE INSERT ON credentials"
    "  WHEN NEW.record_id IS NOT (SELECT coalesce(max(record_id), 0) + 1 FROM credentials)"
    "  BEGIN SELECT RAISE(ABORT, 'register: record ids run 1, 2, 3 without gaps'); END;"
    "CREATE TRIGGER credentials_next_number BEFORE INSERT ON credentials"
    "  WHEN NEW.kind = 1 AND NEW.register_number IS NOT coalesce((SELECT last_number FROM counters"
    "    WHERE type = NEW.type AND year = NEW.register_year), 0) + 1"
    "  BEGIN SELECT RAISE(ABORT, 'register: an original takes the next register number of its type and year');"
    "  END;"
    "CREATE TRIGGER credentials_same_credential BEFORE INSERT ON credentials"
    "  WHEN NEW.kind != 1 AND NOT EXISTS (SELECT 1 FROM credentials o WHERE o.record_id = NEW.original_id"
    "    AND o.kind = 1 AND o.type = NEW.type AND o.register_year = NEW.register_year"
    "    AND o.register_number = NEW.register_number AND o.serial = NEW.serial)"
    "  BEGIN SELECT RAISE(ABORT, 'register: a correction or copy keeps the type, serial and register number"
    " of its original'); END;"
    "CREATE TRIGGER credentials_number_taken AFTER INSERT ON credentials WHEN NEW.kind = 1"
    "  BEGIN INSERT INTO counters (type, year, last_number) VALUES (NEW.type, NEW.register_year,"
    "    NEW.register_number) ON CONFLICT (type, year) DO UPDATE SET last_number = excluded.last_number; END;"
    "CREATE TRIGGER events_in_sequence BEFORE INSERT ON events"
    "  WHEN NEW.sequence IS NOT (SELECT coalesce(max(sequence), 0) + 1 FROM events)"
    "  BEGIN SELECT RAISE(ABORT, 'register: event numbers run 1, 2, 3 without gaps'); END;"
    "CREATE TRIGGER events_of_their_credential BEFORE INSERT ON events"
    "  WHEN NEW.original_id IS NOT (SELECT original_id FROM credentials WHERE record_id = NEW.record_id)"
    "  BEGIN SELECT RAISE(ABORT, 'register: an event names the original of its record'); END;";

/* Version 2: the sequence rules move from per-row triggers to one set-based check per write
 * transaction (register_check_appended, run by vb_register_commit before COMMIT). A BEFORE or
 * AFTER INSERT trigger makes SQLite keep a statement journal for every insert into the table, and
 * with six of them a row cost ~18 µs more than the row itself (issue 3). The register code is the
 * only program that writes the file; a row inserted by hand outside its transactions is caught by
 * `log verify` (the entries and the checkpoints), not by a trigger. UPDATE and DELETE still abort.
 * The counter now moves at commit to the last number the transaction's originals took (the check
 * has made sure those run on from it without a gap), and only there.
 * Two indexes no query uses go: credentials_by_batch, and credentials_by_birth_date (the search
 * scans: "?2 IS NULL OR birth_date = ?2" cannot use it). */
static const char schema_v2[] =
    "DROP TRIGGER credentials_in_sequence;"
    "DROP TRIGGER credentials_next_number;"
    "DROP TRIGGER credentials_same_credential;"
    "DROP TRIGGER credentials_number_taken;"
    "DROP TRIGGER events_in_sequence;"
    "DROP TRIGGER events_of_their_credential;"
    "DROP TRIGGER counters_forward;"
    "CREATE TRIGGER counters_forward BEFORE UPDATE ON counters"
    "  WHEN NEW.type IS NOT OLD.type OR NEW.year IS NOT OLD.year OR NEW.last_number <= OLD.last_number"
    "    OR NEW.last_number IS NOT (SELECT max(register_number) FROM credentials"
    "      WHERE kind = 1 AND type = NEW.type AND register_year = NEW.year)"
    "  BEGIN SELECT RAISE(ABORT, 'register: a counter moves forward one number per original, to the last number an original took');"
    "  END;"
    "DROP INDEX credentials_by_batch;"
    "DROP INDEX credentials_by_birth_date;";

/* To add version 3: append its SQL here (ALTER TABLE …, CREATE …), raise
 * VB_REGISTER_SCHEMA_VERSION, describe it in FORMAT.md §10. A step runs inside the upgrade's
 * transaction with foreign keys on, so a table rebuild must keep every reference valid. */
static const char *const register_steps[] = {schema_v1, schema_v2};

const char *const *vb_register_migrations(size_t *count)
{
    *count = sizeof register_steps / sizeof register_steps[0];
    return register_steps;
}

/* ---------------------------------------------------------------- statements */

#define RECORD_SELECT                                                                                          \
    "SELECT c.record_id, c.kind, c.original_id, c.supersedes, c.copy_of, c.copy_number, c.batch_id, c.type,"  \
    " c.register_year, c.register_number, c.serial, c.name, c.birth_date, c.gender, c.program_code,"           \
    " c.program_name, c.classification, c.training_mode, c.high_quality, c.issue_date, c.issue_place,"         \
    " c.graduation_decision, c.graduation_decision_date, c.personal_id IS NOT NULL, c.record, c.signed_at,"    \
    " c.issued_at, c.actor,"                                                                                   \
    " (SELECT s.record_id FROM credentials s WHERE s.kind = 2 AND s.supersedes ="                              \
    "   CASE c.kind WHEN 3 THEN c.copy_of ELSE c.record_id END),"                                              \
    " r.time, r.reason, r.decision_number, r.decision_date"                                                    \
    " FROM credentials c LEFT JOIN events r ON r.kind = 2 AND r.original_id = c.original_id"

#define EVENT_SELECT                                                                                           \
    "SELECT sequence, kind, record_id, time, actor, reason, decision_number, decision_date, batch_id, entry"   \
    " FROM events"

/* The columns of a credential row, in the order of the parameters of both inserts below. */
#define CREDENTIAL_COLUMNS                                                                                     \
    "record_id, kind, original_id, supersedes, copy_of, copy_number, batch_id, type, register_year,"          \
    " register_number, serial, name, name_folded, birth_date, gender, program_code, program_name,"            \
    " classification, training_mode, high_quality, issue_date, issue_place, graduation_decision,"              \
    " graduation_decision_date, personal_id, record, signed_at, issued_at, actor"
#define CREDENTIAL_PARAMETERS 29
#define EVENT_COLUMNS                                                                                          \
    "sequence, kind, record_id, original_id, time, actor, reason, decision_number, decision_date, batch_id, entry"
#define EVENT_PARAMETERS 11

/* A run of originals (the bulk of `issue`) goes in with one INSERT of APPEND_GROUP_ROWS rows per
 * table rather than one per row. Each statement opens a cursor on the table and on each of its
 * indexes, allocates and frees them, and ends with a statement journal (a multi-row insert needs
 * one, so that a refused row leaves none of the others): over 64 rows this costs about a fifth of
 * what a row's inserts cost one by one (issue 3). The texts are constants: the same row of
 * parameters, 64 times. */
#define APPEND_GROUP_ROWS 64
#define SQL_ROWS_4(row) row ", " row ", " row ", " row
#define SQL_ROWS_16(row) SQL_ROWS_4(row) ", " SQL_ROWS_4(row) ", " SQL_ROWS_4(row) ", " SQL_ROWS_4(row)
#define SQL_ROWS_64(row) SQL_ROWS_16(row) ", " SQL_ROWS_16(row) ", " SQL_ROWS_16(row) ", " SQL_ROWS_16(row)
#define CREDENTIAL_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define EVENT_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

enum {
    STATEMENT_SCHOOL,
    STATEMENT_SERIAL_PATTERN,
    STATEMENT_SET_SERIAL_PATTERN,
    STATEMENT_SETTING,
    STATEMENT_SET_SETTING,
    STATEMENT_ADD_BATCH,
    STATEMENT_BATCH_BY_TOKEN,
    STATEMENT_NEXT_RECORD_ID,
    STATEMENT_NEXT_NUMBER,
    STATEMENT_START_NUMBERING,
    STATEMENT_GRADUATE_BY_PERSONAL_ID,
    STATEMENT_GRADUATE_BY_NAME,
    STATEMENT_SERIAL_TAKEN,
    STATEMENT_HOLDS_TYPE,
    STATEMENT_INSERT_CREDENTIAL,
    STATEMENT_INSERT_ORIGINALS,
    STATEMENT_NEXT_SEQUENCE,
    STATEMENT_INSERT_EVENT,
    STATEMENT_INSERT_EVENTS,
    STATEMENT_COPY_COUNT,
    STATEMENT_FIND_SERIAL,
    STATEMENT_CURRENT,
    STATEMENT_RECORD_BY_ID,
    STATEMENT_RECORDS_BY_ORIGINAL,
    STATEMENT_RECORDS_ALL,
    STATEMENT_EVENTS_BY_ORIGINAL,
    STATEMENT_EVENTS_FROM,
    STATEMENT_COUNTS,
    STATEMENT_EVENT_ENTRY,
    STATEMENT_LOG_NODE,
    STATEMENT_INSERT_LOG_NODE,
    STATEMENT_INSERT_LOG_NODES,
    STATEMENT_EVENT_COUNT,
    STATEMENT_INSERT_CHECKPOINT,
    STATEMENT_LAST_CHECKPOINT,
    STATEMENT_APPEND_START,
    STATEMENT_CHECK_APPENDED,
    STATEMENT_CHECK_NUMBERS,
    STATEMENT_ADVANCE_COUNTERS,
    STATEMENT_ADVANCE_COUNTER,
    STATEMENT_BEGIN,
    STATEMENT_COMMIT,
    STATEMENT_ROLLBACK,
    STATEMENT_COUNT
};

static const char *const statement_sql[STATEMENT_COUNT] = {
    [STATEMENT_SCHOOL] = "SELECT code, name FROM school WHERE singleton = 1",
    [STATEMENT_SERIAL_PATTERN] = "SELECT pattern FROM serial_patterns WHERE type = ?1",
    [STATEMENT_SET_SERIAL_PATTERN] =
        "INSERT INTO serial_patterns (type, pattern) VALUES (?1, ?2)"
        " ON CONFLICT (type) DO UPDATE SET pattern = excluded.pattern",
    [STATEMENT_SETTING] = "SELECT value FROM settings WHERE name = ?1",
    [STATEMENT_SET_SETTING] = "INSERT INTO settings (name, value) VALUES (?1, ?2)"
                              " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    [STATEMENT_ADD_BATCH] =
        "INSERT INTO batches (batch_id, token, created_at, actor, roster, roster_sha256, type, issue_date,"
        " record_count) VALUES ((SELECT coalesce(max(batch_id), 0) + 1 FROM batches), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [STATEMENT_BATCH_BY_TOKEN] = "SELECT batch_id FROM batches WHERE token = ?1",
    [STATEMENT_NEXT_RECORD_ID] = "SELECT coalesce(max(record_id), 0) + 1 FROM credentials",
    [STATEMENT_NEXT_NUMBER] =
        /* the counter moves at commit (version 2): within the transaction, the originals appended
         * so far may be ahead of it */
        "SELECT max(coalesce((SELECT last_number FROM counters WHERE type = ?1 AND year = ?2), 0),"
        " coalesce((SELECT max(register_number) FROM credentials WHERE kind = 1 AND type = ?1 AND register_year = ?2),"
        " 0)) + 1",
    [STATEMENT_START_NUMBERING] = "INSERT INTO counters (type, year, last_number) VALUES (?1, ?2, ?3)",
    [STATEMENT_GRADUATE_BY_PERSONAL_ID] =
        "SELECT o.record_id, o.type, o.serial, o.register_number, o.register_year, o.issue_date"
        " FROM credentials c JOIN credentials o ON o.record_id = c.original_id"
        " WHERE c.personal_id = ?1 AND c.type = ?2 AND c.program_code = ?3"
        " AND NOT EXISTS (SELECT 1 FROM events r WHERE r.kind = 2 AND r.original_id = c.original_id)"
        " LIMIT 1",
    [STATEMENT_GRADUATE_BY_NAME] =
        "SELECT o.record_id, o.type, o.serial, o.register_number, o.register_year, o.issue_date"
        " FROM credentials c JOIN credentials o ON o.record_id = c.original_id"
        " WHERE c.name = ?1 AND c.birth_date = ?2 AND c.program_code = ?3 AND c.type = ?4"
        /* two different identification numbers are two people, whatever their names */
        " AND (?5 IS NULL OR c.personal_id IS NULL OR c.personal_id = ?5)"
        " AND NOT EXISTS (SELECT 1 FROM events r WHERE r.kind = 2 AND r.original_id = c.original_id)"
        " LIMIT 1",
    [STATEMENT_SERIAL_TAKEN] = "SELECT 1 FROM credentials WHERE kind = 1 AND serial = ?1",
    [STATEMENT_HOLDS_TYPE] = "SELECT 1 FROM credentials WHERE kind = 1 AND type = ?1 LIMIT 1",
    /* A correction or copy takes its original's graduation decision and identification number
     * (?30: the record it supersedes or reproduces). */
    [STATEMENT_INSERT_CREDENTIAL] =
        "INSERT INTO credentials (" CREDENTIAL_COLUMNS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
        " ?21, ?22,"
        " CASE WHEN ?2 = 1 THEN ?23 ELSE (SELECT graduation_decision FROM credentials WHERE record_id = ?30) END,"
        " CASE WHEN ?2 = 1 THEN ?24 ELSE (SELECT graduation_decision_date FROM credentials WHERE record_id = ?30) END,"
        " coalesce(?25, (SELECT personal_id FROM credentials WHERE record_id = ?30)),"
        " ?26, ?27, ?28, ?29)",
    [STATEMENT_INSERT_ORIGINALS] = "INSERT INTO credentials (" CREDENTIAL_COLUMNS ") VALUES " SQL_ROWS_64(CREDENTIAL_ROW),
    [STATEMENT_NEXT_SEQUENCE] = "SELECT coalesce(max(sequence), 0) + 1 FROM events",
    [STATEMENT_INSERT_EVENT] = "INSERT INTO events (" EVENT_COLUMNS ") VALUES " EVENT_ROW,
    [STATEMENT_INSERT_EVENTS] = "INSERT INTO events (" EVENT_COLUMNS ") VALUES " SQL_ROWS_64(EVENT_ROW),
    [STATEMENT_COPY_COUNT] = "SELECT count(*) FROM credentials WHERE original_id = ?1 AND kind = 3",
    [STATEMENT_FIND_SERIAL] = "SELECT record_id FROM credentials WHERE kind = 1 AND serial = ?1",
    /* The current record: of the originals and corrections of a credential, the one nothing
     * supersedes (corrections form a chain, each superseding the one before). */
    [STATEMENT_CURRENT] =
        "SELECT c.record_id FROM credentials c WHERE c.original_id = ?1 AND c.kind IN (1, 2)"
        " AND NOT EXISTS (SELECT 1 FROM credentials s WHERE s.kind = 2 AND s.supersedes = c.record_id)",
    [STATEMENT_RECORD_BY_ID] = RECORD_SELECT " WHERE c.record_id = ?1",
    [STATEMENT_RECORDS_BY_ORIGINAL] = RECORD_SELECT " WHERE c.original_id = ?1 ORDER BY c.record_id",
    [STATEMENT_RECORDS_ALL] = RECORD_SELECT " WHERE (?1 IS NULL OR instr(c.name_folded, ?1) > 0)"
                                            " AND (?2 IS NULL OR c.birth_date = ?2) ORDER BY c.record_id",
    [STATEMENT_EVENTS_BY_ORIGINAL] = EVENT_SELECT " WHERE original_id = ?1 ORDER BY sequence",
    [STATEMENT_EVENTS_FROM] = EVENT_SELECT " WHERE sequence >= ?1 ORDER BY sequence",
    [STATEMENT_COUNTS] =
        "SELECT (SELECT count(*) FROM credentials), (SELECT count(*) FROM credentials WHERE kind = 1),"
        " (SELECT count(*) FROM credentials WHERE kind = 2), (SELECT count(*) FROM credentials WHERE kind = 3),"
        " (SELECT count(*) FROM events WHERE kind = 2), (SELECT count(*) FROM events),"
        " (SELECT count(*) FROM batches)",
    [STATEMENT_EVENT_ENTRY] = "SELECT entry FROM events WHERE sequence = ?1",
    [STATEMENT_LOG_NODE] = "SELECT hash FROM log_nodes WHERE level = ?1 AND position = ?2",
    [STATEMENT_INSERT_LOG_NODE] = "INSERT INTO log_nodes (level, position, hash) VALUES (?1, ?2, ?3)",
    /* Up to 64 waiting nodes in one statement: the first ?193 rows of the VALUES (the rows past
     * the LIMIT are never read, so their parameters may stay unbound). */
    [STATEMENT_INSERT_LOG_NODES] = "INSERT INTO log_nodes (level, position, hash) SELECT * FROM (VALUES "
                                   SQL_ROWS_64("(?, ?, ?)") ") LIMIT ?193",
    [STATEMENT_EVENT_COUNT] = "SELECT coalesce(max(sequence), 0) FROM events",
    [STATEMENT_INSERT_CHECKPOINT] = "INSERT INTO checkpoints (size, root, time, signed) VALUES (?1, ?2, ?3, ?4)",
    [STATEMENT_LAST_CHECKPOINT] = "SELECT size, root, time, signed FROM checkpoints ORDER BY checkpoint_id DESC LIMIT 1",
    /* The set-based check of a write transaction (register_check_appended): where it started,
     * then, over what it appended (?1 the last record id and ?2 the last event before it), one
     * flag or count of rows out of rule per column, 0 when all is well. The credentials and the
     * events are each read once, all the rules folded into one pass of aggregates. The register
     * numbers are checked here when the originals are of one type and year (a batch always is):
     * then columns 6 to 8 are that type, year and last number, for the counter. Originals of
     * several types or years make column 3 -1, and STATEMENT_CHECK_NUMBERS checks them by group:
     * its GROUP BY sorts every row, and with the check of the counters after it, that doubled the
     * cost of the check for a batch. */
    [STATEMENT_APPEND_START] =
        "SELECT (SELECT coalesce(max(record_id), 0) FROM credentials), (SELECT coalesce(max(sequence), 0) FROM events)",
    [STATEMENT_CHECK_APPENDED] =
        "SELECT a.n != coalesce(a.high_id, ?1) - ?1 OR coalesce(a.low_id, ?1 + 1) != ?1 + 1,"
        " b.n != coalesce(b.high_sequence, ?2) - ?2 OR coalesce(b.low_sequence, ?2 + 1) != ?2 + 1,"
        " CASE WHEN a.taken = 0 THEN 0 WHEN a.type_low = a.type_high AND a.year_low = a.year_high"
        "   THEN a.number_low IS NOT coalesce((SELECT last_number FROM counters c WHERE c.type = a.type_low"
        "     AND c.year = a.year_low), 0) + 1 OR a.number_high IS NOT a.number_low + a.taken - 1"
        "   ELSE -1 END,"
        " a.unmatched, b.unmatched, a.type_low, a.year_low, a.number_high, a.dangling + b.dangling"
        " FROM (SELECT count(*) AS n, min(record_id) AS low_id, max(record_id) AS high_id,"
        "   count(*) FILTER (WHERE kind = 1) AS taken,"
        "   min(register_number) FILTER (WHERE kind = 1) AS number_low,"
        "   max(register_number) FILTER (WHERE kind = 1) AS number_high,"
        "   min(type) FILTER (WHERE kind = 1) AS type_low, max(type) FILTER (WHERE kind = 1) AS type_high,"
        "   min(register_year) FILTER (WHERE kind = 1) AS year_low,"
        "   max(register_year) FILTER (WHERE kind = 1) AS year_high,"
        "   count(*) FILTER (WHERE kind != 1 AND NOT EXISTS (SELECT 1 FROM credentials o"
        "     WHERE o.record_id = n.original_id AND o.kind = 1 AND o.type = n.type"
        "     AND o.register_year = n.register_year AND o.register_number = n.register_number"
        "     AND o.serial = n.serial)) AS unmatched,"
        "   count(*) FILTER (WHERE (n.batch_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM batches"
        "     WHERE batch_id = n.batch_id)) OR (n.supersedes IS NOT NULL AND NOT EXISTS (SELECT 1 FROM credentials"
        "     WHERE record_id = n.supersedes)) OR (n.copy_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM credentials"
        "     WHERE record_id = n.copy_of))) AS dangling"
        "   FROM credentials n WHERE n.record_id > ?1) a,"
        " (SELECT count(*) AS n, min(sequence) AS low_sequence, max(sequence) AS high_sequence,"
        "   count(*) FILTER (WHERE e.original_id IS NOT (SELECT original_id FROM credentials"
        "     WHERE record_id = e.record_id)) AS unmatched,"
        "   count(*) FILTER (WHERE e.batch_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM batches"
        "     WHERE batch_id = e.batch_id)) AS dangling"
        "   FROM events e WHERE e.sequence > ?2) b",
    [STATEMENT_CHECK_NUMBERS] =
        "SELECT count(*) FROM (SELECT type, register_year AS year, count(*) AS taken, min(register_number) AS low,"
        " max(register_number) AS high FROM credentials WHERE record_id > ?1 AND +kind = 1"
        " GROUP BY type, register_year) g"
        " WHERE g.low IS NOT coalesce((SELECT last_number FROM counters c WHERE c.type = g.type AND c.year = g.year),"
        " 0) + 1 OR g.high IS NOT g.low + g.taken - 1",
    /* Each counter to the last number its originals took, once the check above passed. ("+kind":
     * read the appended rows by their record ids, not the whole of the partial index on
     * kind = 1 that the GROUP BY would otherwise choose; the same in the check above.) */
    [STATEMENT_ADVANCE_COUNTERS] =
        "INSERT INTO counters (type, year, last_number) SELECT type, register_year, max(register_number)"
        " FROM credentials WHERE record_id > ?1 AND +kind = 1 GROUP BY type, register_year"
        " ON CONFLICT (type, year) DO UPDATE SET last_number = excluded.last_number",
    /* The same for originals of one type and year, whose last number the check has read. */
    [STATEMENT_ADVANCE_COUNTER] = "INSERT INTO counters (type, year, last_number) VALUES (?1, ?2, ?3)"
                                  " ON CONFLICT (type, year) DO UPDATE SET last_number = excluded.last_number",
    [STATEMENT_BEGIN] = "BEGIN IMMEDIATE",
    [STATEMENT_COMMIT] = "COMMIT",
    [STATEMENT_ROLLBACK] = "ROLLBACK",
};

struct vb_register {
    sqlite3 *db;
    char *path;
    char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1];
    sqlite3_stmt *statements[STATEMENT_COUNT];
    /* The log over the events as of the open transaction; restored from log_nodes when a
     * transaction first appends (another program may have appended since). */
    vb_log_builder log;
    bool log_ready;
    vb_error log_error; /* what a log source callback met */
    /* The open write transaction's starting point, for the check before its COMMIT: the last
     * record id and event sequence before it (append_watched false outside one). */
    bool append_watched;
    uint64_t append_start_record, append_start_sequence;
    /* While a group of originals goes in, the log nodes it completes wait here and go in by
     * APPEND_GROUP_ROWS in one INSERT (register_log_flush); empty between calls. */
    bool log_buffering;
    size_t log_pending;
    struct {
        unsigned level;
        uint64_t position;
        uint8_t hash[VB_LOG_HASH_BYTES];
    } log_nodes[2 * APPEND_GROUP_ROWS];
};

/* ---------------------------------------------------------------- errors */

static vb_status register_code_of(int sqlite_code)
{
    switch (sqlite_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return VB_ERR_REGISTER_BUSY;
    case SQLITE_CONSTRAINT: return VB_ERR_REGISTER_REFUSED;
    case SQLITE_NOMEM: return VB_ERR_NOMEM;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM: return VB_ERR_IO;
    default: return VB_ERR_REGISTER;
    }
}

/* The failure of the last SQLite call on db, named after the file. */
static vb_status register_db_fail(sqlite3 *db, const char *path, int sqlite_code, vb_error *err)
{
    vb_status code = register_code_of(sqlite_code);
    const char *message = db ? sqlite3_errmsg(db) : sqlite3_errstr(sqlite_code);
    if (code == VB_ERR_REGISTER_BUSY)
        return vb_fail(err, code, "%s: the register is busy (another program is writing to it); try again", path);
    if (code == VB_ERR_REGISTER_REFUSED && strncmp(message, "register: ", 10) == 0)
        return vb_fail(err, code, "%s: %s", path, message + 10);
    return vb_fail(err, code, "%s: %s", path, message);
}

static vb_status register_fail(vb_register *reg, int sqlite_code, vb_error *err)
{
    return register_db_fail(reg->db, reg->path, sqlite_code, err);
}

/* The statement, prepared on first use, reset and with its bindings cleared. */
static vb_status register_statement(vb_register *reg, int which, sqlite3_stmt **out, vb_error *err)
{
    sqlite3_stmt *statement = reg->statements[which];
    if (!statement) {
        int rc = sqlite3_prepare_v3(reg->db, statement_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &statement, NULL);
        if (rc != SQLITE_OK)
            return register_fail(reg, rc, err);
        reg->statements[which] = statement;
    } else {
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
    }
    *out = statement;
    return VB_OK;
}

/* Steps a statement that returns no row (or whose rows are not wanted). */
static vb_status register_run(vb_register *reg, sqlite3_stmt *statement, vb_error *err)
{
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW)
        rc = SQLITE_DONE;
    vb_status s = rc == SQLITE_DONE ? VB_OK : register_fail(reg, sqlite3_reset(statement), err);
    sqlite3_reset(statement);
    return s;
}

/* Steps a statement expected to return one integer; *found false when it returns no row. */
static vb_status register_integer(vb_register *reg, sqlite3_stmt *statement, int64_t *value, bool *found,
                                  vb_error *err)
{
    int rc = sqlite3_step(statement);
    *value = 0;
    if (found)
        *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW)
        *value = sqlite3_column_int64(statement, 0);
    vb_status s = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? VB_OK : register_fail(reg, sqlite3_reset(statement), err);
    sqlite3_reset(statement);
    return s;
}

static void bind_text_or_null(sqlite3_stmt *statement, int index, const char *text)
{
    if (text && text[0])
        sqlite3_bind_text(statement, index, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(statement, index);
}

static void copy_column_text(sqlite3_stmt *statement, int column, char *out, size_t out_size)
{
    const unsigned char *text = sqlite3_column_text(statement, column);
    snprintf(out, out_size, "%s", text ? (const char *)text : "");
}

/* ---------------------------------------------------------------- digests */

static EVP_MD *register_sha256_md;
static pthread_once_t register_sha256_once = PTHREAD_ONCE_INIT;

static void register_fetch_sha256(void) { register_sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL); }

/* SHA-256 of a signed record (the entry's record digest), with the algorithm fetched once: the
 * one-shot SHA256() looks it up again on every call, which cost more than the hashing. False
 * only if OpenSSL fails. */
static bool register_record_digest(const uint8_t *record, size_t length, uint8_t out[32])
{
    pthread_once(&register_sha256_once, register_fetch_sha256);
    const EVP_MD *md = register_sha256_md ? register_sha256_md : EVP_sha256();
    return EVP_Digest(length ? record : (const uint8_t *)"", length, out, NULL, md, NULL) == 1;
}

/* ---------------------------------------------------------------- record ids */

size_t vb_register_record_id_bytes(uint64_t id, uint8_t out[VB_MAX_RECORD_ID_BYTES])
{
    size_t length = 0;
    for (uint64_t v = id; v; v >>= 8)
        length++;
    for (size_t i = 0; i < length; i++)
        out[i] = (uint8_t)(id >> (8 * (length - 1 - i)));
    return length;
}

bool vb_register_record_id_value(const uint8_t *bytes, size_t length, uint64_t *id)
{
    if (length == 0 || length > 8 || bytes[0] == 0)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < length; i++)
        v = (v << 8) | bytes[i];
    *id = v;
    return true;
}

/* ---------------------------------------------------------------- opening and migrating */

static vb_status register_exec(sqlite3 *db, const char *path, const char *sql, vb_error *err)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? VB_OK : register_db_fail(db, path, rc, err);
}

static vb_status register_pragma_integer(sqlite3 *db, const char *path, const char *sql, int64_t *value,
                                         vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &statement, NULL);
    if (rc != SQLITE_OK)
        return register_db_fail(db, path, rc, err);
    rc = sqlite3_step(statement);
    *value = rc == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : 0;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        rc = SQLITE_OK;
    else
        rc = sqlite3_reset(statement);
    vb_status s = rc == SQLITE_OK ? VB_OK : register_db_fail(db, path, rc, err);
    sqlite3_finalize(statement);
    return s;
}

/* Connection settings: the write-ahead log with full syncs (a commit survives power loss, and
 * readers — a backup, a `show` — never block the writer), foreign keys, a busy timeout, and
 * defensive mode (no writable_schema, no direct writes to shadow tables). */
static vb_status register_configure(sqlite3 *db, const char *path, vb_error *err)
{
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, VB_REGISTER_BUSY_TIMEOUT_MS);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FKEY, 1, NULL);
    vb_status s = register_exec(db, path, "PRAGMA foreign_keys = ON", err);
    if (s != VB_OK)
        return s;
    sqlite3_stmt *statement = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &statement, NULL);
    if (rc != SQLITE_OK)
        return register_db_fail(db, path, rc, err);
    rc = sqlite3_step(statement);
    bool wal = rc == SQLITE_ROW && sqlite3_column_text(statement, 0) &&
               strcmp((const char *)sqlite3_column_text(statement, 0), "wal") == 0;
    if (rc != SQLITE_ROW)
        rc = sqlite3_reset(statement);
    sqlite3_finalize(statement);
    if (rc != SQLITE_ROW)
        return register_db_fail(db, path, rc, err);
    if (!wal)
        return vb_fail(err, VB_ERR_REGISTER, "%s: cannot switch the register to write-ahead logging", path);
    s = register_exec(db, path, "PRAGMA synchronous = FULL", err);
    /* A batch writes every page it touches within one transaction. Its inserts touch the right
     * edge of the tables and a few index pages at random, so 8 MiB of page cache (a ceiling)
     * holds what is hot: a batch of 100,000 rows issues as fast as with 32 MiB, and the memory
     * of `issue` no longer grows with the roster (the rest spills into the WAL before the commit). */
    if (s == VB_OK)
        s = register_exec(db, path, "PRAGMA cache_size = -8192", err);
    /* Each insert may be aborted by a trigger, so SQLite keeps a statement journal for it: in
     * memory, not in a temporary file (which cost 20 page writes per record). */
    if (s == VB_OK)
        s = register_exec(db, path, "PRAGMA temp_store = MEMORY", err);
    return s;
}

typedef struct {
    const char *code, *name;
    int64_t now;
} register_new_school;

/* school: create a register (the file must be empty). Else an existing register is upgraded;
 * an empty database is refused unless allow_empty. */
static vb_status register_upgrade(sqlite3 *db, const char *path, const char *const *steps, size_t count,
                                  const register_new_school *school, bool allow_empty, vb_error *err)
{
    int64_t version, application = 0, objects;
    vb_status s = register_pragma_integer(db, path, "PRAGMA user_version", &version, err);
    if (s == VB_OK)
        s = register_pragma_integer(db, path, "PRAGMA application_id", &application, err);
    if (s == VB_OK && version == (int64_t)count && application == VB_REGISTER_APPLICATION_ID && !school)
        return VB_OK; /* the common case: nothing to do, no lock taken */
    if (s == VB_OK)
        s = register_exec(db, path, "BEGIN IMMEDIATE", err);
    if (s != VB_OK)
        return s;
    /* Read again under the lock: another program may have upgraded meanwhile. */
    s = register_pragma_integer(db, path, "PRAGMA user_version", &version, err);
    if (s == VB_OK)
        s = register_pragma_integer(db, path, "PRAGMA application_id", &application, err);
    if (s == VB_OK)
        s = register_pragma_integer(db, path, "SELECT count(*) FROM sqlite_schema", &objects, err);
    if (s == VB_OK) {
        if (version > (int64_t)count)
            s = vb_fail(err, VB_ERR_REGISTER,
                        "%s: this register has schema version %lld, newer than this program's %zu; "
                        "use a newer vanbang",
                        path, (long long)version, count);
        else if ((version == 0 && objects > 0) || (version > 0 && application != VB_REGISTER_APPLICATION_ID))
            s = vb_fail(err, VB_ERR_REGISTER, "%s: not a vanbang register (an SQLite file of another program)",
                        path);
        else if (school && version != 0)
            s = vb_fail(err, VB_ERR_REGISTER, "%s: already a register", path);
        else if (!school && !allow_empty && version == 0)
            s = vb_fail(err, VB_ERR_REGISTER, "%s: an empty file, not a register; create one with "
                                              "'vanbang-issue init'", path);
    }
    for (int64_t step = version; s == VB_OK && step < (int64_t)count; step++) {
        char pragma[64];
        s = register_exec(db, path, steps[step], err);
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %lld", (long long)step + 1);
        if (s == VB_OK)
            s = register_exec(db, path, pragma, err);
        if (s != VB_OK && err) {
            char cause[sizeof err->message];
            snprintf(cause, sizeof cause, "%s", err->message);
            vb_fail(err, s, "upgrading the register to schema version %lld: %s", (long long)step + 1, cause);
        }
    }
    if (s == VB_OK) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA application_id = %d", VB_REGISTER_APPLICATION_ID);
        s = register_exec(db, path, pragma, err);
    }
    if (s == VB_OK && school) {
        sqlite3_stmt *statement = NULL;
        int rc = sqlite3_prepare_v2(db, "INSERT INTO school (singleton, code, name, created_at) VALUES (1, ?1, ?2, ?3)",
                                    -1, &statement, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(statement, 1, school->code, -1, SQLITE_STATIC);
            sqlite3_bind_text(statement, 2, school->name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(statement, 3, school->now);
            rc = sqlite3_step(statement) == SQLITE_DONE ? SQLITE_OK : sqlite3_reset(statement);
            sqlite3_finalize(statement);
        }
        if (rc != SQLITE_OK)
            s = register_db_fail(db, path, rc, err);
    }
    if (s == VB_OK)
        s = register_exec(db, path, "COMMIT", err);
    if (s != VB_OK)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return s;
}

vb_status vb_register_migrate(sqlite3 *db, const char *const *steps, size_t count, vb_error *err)
{
    const char *path = sqlite3_db_filename(db, "main");
    return register_upgrade(db, path && path[0] ? path : "register", steps, count, NULL, true, err);
}

static vb_status register_connect(const char *path, sqlite3 **out, vb_error *err)
{
    sqlite3 *db = NULL;
    /* No mutex on the connection: a register handle is for one thread at a time (register.h), and
     * each of the ~50 calls a record's append makes would take and release one. */
    int rc =
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        vb_status s = register_db_fail(db, path, rc, err);
        sqlite3_close(db);
        return s;
    }
    vb_status s = register_configure(db, path, err);
    if (s != VB_OK) {
        if (s == VB_ERR_REGISTER && err && strstr(err->message, "file is not a database"))
            vb_fail(err, VB_ERR_REGISTER, "%s: not a vanbang register (not an SQLite database)", path);
        sqlite3_close(db);
        return s;
    }
    *out = db;
    return VB_OK;
}

vb_status vb_register_create(const char *path, const char *school_code, const char *school_name, int64_t now,
                             vb_error *err)
{
    if (!school_code || !school_code[0] || strlen(school_code) > VB_MAX_SCHOOL_CODE_BYTES)
        return vb_fail(err, VB_ERR_ARGUMENT, "a school code of 1 to %d characters is needed", VB_MAX_SCHOOL_CODE_BYTES);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return vb_fail(err, VB_ERR_IO, "%s: cannot create the register: %s", path,
                       errno == EEXIST ? "the file exists (a register is never overwritten)" : strerror(errno));
    (void)fchmod(fd, 0600); /* whatever the umask */
    close(fd);

    sqlite3 *db = NULL;
    size_t count;
    const char *const *steps = vb_register_migrations(&count);
    register_new_school school = {school_code, school_name ? school_name : "", now};
    vb_status s = register_connect(path, &db, err);
    if (s == VB_OK)
        s = register_upgrade(db, path, steps, count, &school, false, err);
    sqlite3_close(db);
    if (s != VB_OK) {
        char side[4096];
        unlink(path);
        snprintf(side, sizeof side, "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", path);
        unlink(side);
    }
    return s;
}

vb_status vb_register_open(const char *path, vb_register **out, vb_error *err)
{
    struct stat info;
    *out = NULL;
    if (lstat(path, &info) != 0)
        return vb_fail(err, VB_ERR_IO, "%s: %s%s", path, strerror(errno),
                       errno == ENOENT ? " (create a register with 'vanbang-issue init')" : "");
    if (!S_ISREG(info.st_mode))
        return vb_fail(err, VB_ERR_IO, "%s: not a regular file", path);

    vb_register *reg = calloc(1, sizeof *reg);
    if (!reg || !(reg->path = strdup(path))) {
        free(reg);
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    }
    size_t count;
    const char *const *steps = vb_register_migrations(&count);
    vb_status s = register_connect(path, &reg->db, err);
    if (s == VB_OK)
        s = register_upgrade(reg->db, path, steps, count, NULL, false, err);
    char name[8];
    if (s == VB_OK)
        s = vb_register_school(reg, reg->school_code, sizeof reg->school_code, name, sizeof name, err);
    if (s != VB_OK) {
        vb_register_close(reg);
        return s;
    }
    *out = reg;
    return VB_OK;
}

void vb_register_close(vb_register *reg)
{
    if (!reg)
        return;
    for (int i = 0; i < STATEMENT_COUNT; i++)
        sqlite3_finalize(reg->statements[i]);
    if (reg->db && !sqlite3_get_autocommit(reg->db))
        sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(reg->db);
    free(reg->path);
    free(reg);
}

sqlite3 *vb_register_db(vb_register *reg) { return reg->db; }
const char *vb_register_path(const vb_register *reg) { return reg->path; }

/* ---------------------------------------------------------------- school and settings */

vb_status vb_register_school(vb_register *reg, char *code, size_t code_size, char *name, size_t name_size,
                             vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    vb_status s = register_statement(reg, STATEMENT_SCHOOL, &statement, err);
    if (s != VB_OK)
        return s;
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
        copy_column_text(statement, 0, code, code_size);
        copy_column_text(statement, 1, name, name_size);
        s = VB_OK;
    } else if (rc == SQLITE_DONE) {
        s = vb_fail(err, VB_ERR_REGISTER, "%s: the register names no school (damaged?)", reg->path);
    } else {
        s = register_fail(reg, sqlite3_reset(statement), err);
    }
    sqlite3_reset(statement);
    return s;
}

static bool valid_type(int type) { return type >= 1 && type <= VB_TYPE_MAX; }

vb_status vb_register_serial_pattern(vb_register *reg, int type, char *out, size_t out_size, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    if (!valid_type(type))
        return vb_fail(err, VB_ERR_ARGUMENT, "credential type %d is not one of 1..%d", type, VB_TYPE_MAX);
    vb_status s = register_statement(reg, STATEMENT_SERIAL_PATTERN, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_int(statement, 1, type);
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW)
        copy_column_text(statement, 0, out, out_size);
    else if (rc == SQLITE_DONE)
        snprintf(out, out_size, "%s", VB_REGISTER_DEFAULT_SERIAL_PATTERN);
    else
        s = register_fail(reg, sqlite3_reset(statement), err);
    sqlite3_reset(statement);
    return s;
}

vb_status vb_register_set_serial_pattern(vb_register *reg, int type, const char *pattern, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    if (!valid_type(type))
        return vb_fail(err, VB_ERR_ARGUMENT, "credential type %d is not one of 1..%d", type, VB_TYPE_MAX);
    vb_status s = register_statement(reg, STATEMENT_SET_SERIAL_PATTERN, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_int(statement, 1, type);
    sqlite3_bind_text(statement, 2, pattern, -1, SQLITE_STATIC);
    return register_run(reg, statement, err);
}

vb_status vb_register_setting(vb_register *reg, const char *name, char *out, size_t out_size, bool *found,
                              vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    vb_status s = register_statement(reg, STATEMENT_SETTING, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(statement);
    *found = rc == SQLITE_ROW;
    if (out_size)
        out[0] = '\0';
    if (rc == SQLITE_ROW)
        copy_column_text(statement, 0, out, out_size);
    else if (rc != SQLITE_DONE)
        s = register_fail(reg, sqlite3_reset(statement), err);
    sqlite3_reset(statement);
    return s;
}

vb_status vb_register_set_setting(vb_register *reg, const char *name, const char *value, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    vb_status s = register_statement(reg, STATEMENT_SET_SETTING, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 2, value, -1, SQLITE_STATIC);
    return register_run(reg, statement, err);
}

/* ---------------------------------------------------------------- transactions */

/* Notes where the open transaction starts appending (once per transaction), so that the commit
 * can check what it appended as a set. */
static vb_status register_watch_appends(vb_register *reg, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    if (reg->append_watched)
        return VB_OK;
    vb_status s = register_statement(reg, STATEMENT_APPEND_START, &statement, err);
    if (s != VB_OK)
        return s;
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
        reg->append_start_record = (uint64_t)sqlite3_column_int64(statement, 0);
        reg->append_start_sequence = (uint64_t)sqlite3_column_int64(statement, 1);
        reg->append_watched = true;
    } else {
        s = register_fail(reg, sqlite3_reset(statement), err);
    }
    sqlite3_reset(statement);
    return s;
}

/* The rules the version-1 triggers checked row by row, checked once over everything the
 * transaction appended (FORMAT.md §10): record ids and event numbers go on from where they were
 * without a gap; the originals of each type and year take the numbers after their counter, one
 * each (the unique index keeps them distinct), and the counter then moves to the last; a
 * correction or copy keeps its original's type, serial and register number; an event names the
 * original of its record. */
static vb_status register_check_appended(vb_register *reg, vb_error *err)
{
    /* A transaction that appended nothing (a setting, a checkpoint, the upload cursor) has
     * nothing to check, and the register-number rule reads a whole index: at 1,000,000 originals
     * that is ~0.3 s, which every upload batch's cursor commit paid. */
    sqlite3_stmt *now = NULL;
    vb_status s = register_statement(reg, STATEMENT_APPEND_START, &now, err);
    if (s != VB_OK)
        return s;
    int step = sqlite3_step(now);
    if (step != SQLITE_ROW) {
        s = register_fail(reg, sqlite3_reset(now), err);
        sqlite3_reset(now);
        return s;
    }
    bool nothing = (uint64_t)sqlite3_column_int64(now, 0) == reg->append_start_record &&
                   (uint64_t)sqlite3_column_int64(now, 1) == reg->append_start_sequence;
    sqlite3_reset(now);
    if (nothing)
        return VB_OK;

    static const char *const broken[] = {
        "record ids run 1, 2, 3 without gaps",
        "event numbers run 1, 2, 3 without gaps",
        "an original takes the next register number of its type and year",
        "a correction or copy keeps the type, serial and register number of its original",
        "an event names the original of its record",
        NULL, NULL, NULL, /* the counter's type, year and last number */
        "a batch, corrected record or copied record named is in the register",
    };
    enum { NUMBERS_RULE = 2 };
    sqlite3_stmt *statement = NULL;
    bool by_group = false, one_counter = false;
    int counter_type = 0, counter_year = 0;
    int64_t counter_last = 0;
    s = register_statement(reg, STATEMENT_CHECK_APPENDED, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_int64(statement, 1, (sqlite3_int64)reg->append_start_record);
    sqlite3_bind_int64(statement, 2, (sqlite3_int64)reg->append_start_sequence);
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
        for (int i = 0; s == VB_OK && i < (int)(sizeof broken / sizeof broken[0]); i++) {
            if (!broken[i])
                continue;
            int64_t flag = sqlite3_column_int64(statement, i);
            if (i == NUMBERS_RULE && flag < 0)
                by_group = true; /* originals of several types or years: checked below */
            else if (flag != 0)
                s = vb_fail(err, VB_ERR_REGISTER_REFUSED, "%s: %s", reg->path, broken[i]);
        }
        one_counter = !by_group && sqlite3_column_type(statement, 5) != SQLITE_NULL;
        counter_type = sqlite3_column_int(statement, 5);
        counter_year = sqlite3_column_int(statement, 6);
        counter_last = sqlite3_column_int64(statement, 7);
    } else {
        s = register_fail(reg, sqlite3_reset(statement), err);
    }
    sqlite3_reset(statement);
    if (s == VB_OK && by_group) {
        int64_t groups_out_of_rule = 0;
        if ((s = register_statement(reg, STATEMENT_CHECK_NUMBERS, &statement, err)) != VB_OK)
            return s;
        sqlite3_bind_int64(statement, 1, (sqlite3_int64)reg->append_start_record);
        s = register_integer(reg, statement, &groups_out_of_rule, NULL, err);
        if (s == VB_OK && groups_out_of_rule != 0)
            s = vb_fail(err, VB_ERR_REGISTER_REFUSED, "%s: %s", reg->path, broken[NUMBERS_RULE]);
    }
    if (s != VB_OK)
        return s;
    if (one_counter) {
        if ((s = register_statement(reg, STATEMENT_ADVANCE_COUNTER, &statement, err)) != VB_OK)
            return s;
        sqlite3_bind_int(statement, 1, counter_type);
        sqlite3_bind_int(statement, 2, counter_year);
        sqlite3_bind_int64(statement, 3, (sqlite3_int64)counter_last);
        return register_run(reg, statement, err);
    }
    if (!by_group) /* no original appended: no counter moves */
        return VB_OK;
    if ((s = register_statement(reg, STATEMENT_ADVANCE_COUNTERS, &statement, err)) != VB_OK)
        return s;
    sqlite3_bind_int64(statement, 1, (sqlite3_int64)reg->append_start_record);
    return register_run(reg, statement, err);
}

vb_status vb_register_check_so_far(vb_register *reg, vb_error *err)
{
    if (!reg->append_watched || sqlite3_get_autocommit(reg->db))
        return VB_OK;
    vb_status s = register_check_appended(reg, err);
    if (s == VB_OK) { /* the next piece starts after what was just checked */
        reg->append_watched = false;
        s = register_watch_appends(reg, err);
    }
    return s;
}

vb_status vb_register_bulk_appends(vb_register *reg, vb_error *err)
{
    if (!sqlite3_get_autocommit(reg->db)) /* the pragma is ignored inside a transaction */
        return vb_fail(err, VB_ERR_ARGUMENT, "%s: bulk appends are set outside a transaction", reg->path);
    return register_exec(reg->db, reg->path, "PRAGMA foreign_keys = OFF", err);
}

vb_status vb_register_begin(vb_register *reg, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    if (!sqlite3_get_autocommit(reg->db))
        return vb_fail(err, VB_ERR_ARGUMENT, "%s: a transaction is already open", reg->path);
    reg->log_ready = false;
    reg->append_watched = false;
    vb_status s = register_statement(reg, STATEMENT_BEGIN, &statement, err);
    if (s == VB_OK)
        s = register_run(reg, statement, err);
    if (s == VB_OK && (s = register_watch_appends(reg, err)) != VB_OK)
        vb_register_rollback(reg);
    return s;
}

vb_status vb_register_begin_read(vb_register *reg, vb_error *err)
{
    if (!sqlite3_get_autocommit(reg->db))
        return vb_fail(err, VB_ERR_ARGUMENT, "%s: a transaction is already open", reg->path);
    reg->log_ready = false;
    reg->append_watched = false; /* an append in it starts the watch (register_watch_appends) */
    return register_exec(reg->db, reg->path, "BEGIN DEFERRED", err);
}

vb_status vb_register_commit(vb_register *reg, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    vb_status s = VB_OK;
    reg->log_ready = false;
    if (reg->append_watched && !sqlite3_get_autocommit(reg->db))
        s = register_check_appended(reg, err);
    reg->append_watched = false;
    if (s == VB_OK)
        s = register_statement(reg, STATEMENT_COMMIT, &statement, err);
    if (s == VB_OK)
        s = register_run(reg, statement, err);
    if (s != VB_OK && !sqlite3_get_autocommit(reg->db))
        vb_register_rollback(reg);
    return s;
}

void vb_register_rollback(vb_register *reg)
{
    sqlite3_stmt *statement = NULL;
    reg->log_ready = false;
    reg->append_watched = false;
    if (sqlite3_get_autocommit(reg->db))
        return;
    if (register_statement(reg, STATEMENT_ROLLBACK, &statement, NULL) == VB_OK)
        (void)register_run(reg, statement, NULL);
    if (!sqlite3_get_autocommit(reg->db)) /* e.g. the ROLLBACK statement could not be prepared */
        sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Runs body inside a transaction of its own unless one is open already. */
static vb_status register_own_transaction_begin(vb_register *reg, bool *own, vb_error *err)
{
    *own = sqlite3_get_autocommit(reg->db) != 0;
    return *own ? vb_register_begin(reg, err) : VB_OK;
}

static vb_status register_own_transaction_end(vb_register *reg, bool own, vb_status s, vb_error *err)
{
    if (!own)
        return s;
    if (s == VB_OK)
        return vb_register_commit(reg, err);
    vb_register_rollback(reg);
    return s;
}

/* ---------------------------------------------------------------- issuing */

vb_status vb_register_add_batch(vb_register *reg, const vb_register_batch *batch, uint64_t *batch_id,
                                vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    vb_status s = register_statement(reg, STATEMENT_ADD_BATCH, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_blob(statement, 1, batch->token, 16, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 2, batch->time);
    sqlite3_bind_text(statement, 3, batch->actor ? batch->actor : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, 4, batch->roster ? batch->roster : "", -1, SQLITE_STATIC);
    if (batch->roster_sha256)
        sqlite3_bind_blob(statement, 5, batch->roster_sha256, 32, SQLITE_STATIC);
    sqlite3_bind_int(statement, 6, batch->type);
    sqlite3_bind_int(statement, 7, batch->issue_date);
    sqlite3_bind_int64(statement, 8, (sqlite3_int64)batch->count);
    if ((s = register_run(reg, statement, err)) != VB_OK)
        return s;
    *batch_id = (uint64_t)sqlite3_last_insert_rowid(reg->db);
    return VB_OK;
}

vb_status vb_register_batch_by_token(vb_register *reg, const uint8_t token[16], uint64_t *batch_id, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int64_t value;
    vb_status s = register_statement(reg, STATEMENT_BATCH_BY_TOKEN, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_blob(statement, 1, token, 16, SQLITE_STATIC);
    s = register_integer(reg, statement, &value, NULL, err);
    *batch_id = (uint64_t)value;
    return s;
}

vb_status vb_register_next_record_id(vb_register *reg, uint64_t *record_id, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int64_t value;
    vb_status s = register_statement(reg, STATEMENT_NEXT_RECORD_ID, &statement, err);
    if (s == VB_OK)
        s = register_integer(reg, statement, &value, NULL, err);
    *record_id = s == VB_OK ? (uint64_t)value : 0;
    return s;
}

vb_status vb_register_next_register_number(vb_register *reg, int type, int year, uint32_t *number, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int64_t value;
    vb_status s = register_statement(reg, STATEMENT_NEXT_NUMBER, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_int(statement, 1, type);
    sqlite3_bind_int(statement, 2, year);
    if ((s = register_integer(reg, statement, &value, NULL, err)) != VB_OK)
        return s;
    if (value > UINT32_MAX)
        return vb_fail(err, VB_ERR_REGISTER_REFUSED, "%s: the register numbers of %d are used up", reg->path, year);
    *number = (uint32_t)value;
    return VB_OK;
}

vb_status vb_register_start_numbering(vb_register *reg, int type, int year, uint32_t first_number, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    uint32_t next;
    if (first_number == 0)
        return vb_fail(err, VB_ERR_ARGUMENT, "register numbers start at 1 or above");
    vb_status s = vb_register_next_register_number(reg, type, year, &next, err);
    if (s != VB_OK)
        return s;
    if (next == first_number)
        return VB_OK;
    if (next != 1)
        return vb_fail(err, VB_ERR_REGISTER_REFUSED,
                       "%s: numbering of %s in %d has begun (next number %u); it cannot start again at %u",
                       reg->path, vb_credential_type_name(type, true), year, next, first_number);
    if ((s = register_statement(reg, STATEMENT_START_NUMBERING, &statement, err)) != VB_OK)
        return s;
    sqlite3_bind_int(statement, 1, type);
    sqlite3_bind_int(statement, 2, year);
    sqlite3_bind_int64(statement, 3, (sqlite3_int64)first_number - 1);
    return register_run(reg, statement, err);
}

vb_status vb_register_find_graduate(vb_register *reg, const char *personal_id, int type, const char *program_code,
                                    const char *name, int32_t birth_date, vb_register_match *match, bool *found,
                                    vb_error *err)
{
    memset(match, 0, sizeof *match);
    *found = false;
    for (int pass = 0; pass < 2 && !*found; pass++) {
        sqlite3_stmt *statement = NULL;
        if (pass == 0 && !(personal_id && personal_id[0]))
            continue;
        vb_status s = register_statement(reg, pass == 0 ? STATEMENT_GRADUATE_BY_PERSONAL_ID : STATEMENT_GRADUATE_BY_NAME,
                                         &statement, err);
        if (s != VB_OK)
            return s;
        if (pass == 0) {
            sqlite3_bind_text(statement, 1, personal_id, -1, SQLITE_STATIC);
            sqlite3_bind_int(statement, 2, type);
        } else {
            sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
            sqlite3_bind_int(statement, 2, birth_date);
            sqlite3_bind_int(statement, 4, type);
            bind_text_or_null(statement, 5, personal_id);
        }
        sqlite3_bind_text(statement, 3, program_code ? program_code : "", -1, SQLITE_STATIC);
        int rc = sqlite3_step(statement);
        if (rc == SQLITE_ROW) {
            *found = true;
            match->by_personal_id = pass == 0;
            match->original_id = (uint64_t)sqlite3_column_int64(statement, 0);
            match->type = sqlite3_column_int(statement, 1);
            copy_column_text(statement, 2, match->serial, sizeof match->serial);
            match->register_number = (uint32_t)sqlite3_column_int64(statement, 3);
            match->register_year = (uint16_t)sqlite3_column_int(statement, 4);
            match->issue_date = sqlite3_column_int(statement, 5);
        } else if (rc != SQLITE_DONE) {
            s = register_fail(reg, sqlite3_reset(statement), err);
        }
        sqlite3_reset(statement);
        if (s != VB_OK)
            return s;
    }
    return VB_OK;
}

vb_status vb_register_serial_taken(vb_register *reg, const char *serial, bool *taken, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int64_t value;
    vb_status s = register_statement(reg, STATEMENT_SERIAL_TAKEN, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_text(statement, 1, serial, -1, SQLITE_STATIC);
    return register_integer(reg, statement, &value, taken, err);
}

vb_status vb_register_holds_type(vb_register *reg, int type, bool *holds, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int64_t value;
    vb_status s = register_statement(reg, STATEMENT_HOLDS_TYPE, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_int(statement, 1, type);
    return register_integer(reg, statement, &value, holds, err);
}

/* ---------------------------------------------------------------- the log */

static vb_status register_log_leaf(void *context, uint64_t index, uint8_t out[VB_LOG_HASH_BYTES])
{
    vb_register *reg = context;
    sqlite3_stmt *statement = NULL;
    vb_status s = register_statement(reg, STATEMENT_EVENT_ENTRY, &statement, &reg->log_error);
    if (s != VB_OK)
        return s;
    sqlite3_bind_int64(statement, 1, (sqlite3_int64)index + 1);
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW)
        s = vb_log_leaf_hash(sqlite3_column_blob(statement, 0), (size_t)sqlite3_column_bytes(statement, 0), out);
    else if (rc == SQLITE_DONE)
        s = vb_fail(&reg->log_error, VB_ERR_REGISTER, "%s: event %llu is missing", reg->path,
                    (unsigned long long)index + 1);
    else
        s = register_fail(reg, sqlite3_reset(statement), &reg->log_error);
    sqlite3_reset(statement);
    return s;
}

static vb_status register_log_subtree(void *context, unsigned level, uint64_t index, uint8_t out[VB_LOG_HASH_BYTES],
                                      bool *found)
{
    vb_register *reg = context;
    sqlite3_stmt *statement = NULL;
    vb_status s = register_statement(reg, STATEMENT_LOG_NODE, &statement, &reg->log_error);
    if (s != VB_OK)
        return s;
    sqlite3_bind_int(statement, 1, (int)level);
    sqlite3_bind_int64(statement, 2, (sqlite3_int64)index);
    int rc = sqlite3_step(statement);
    *found = rc == SQLITE_ROW && sqlite3_column_bytes(statement, 0) == VB_LOG_HASH_BYTES;
    if (*found)
        memcpy(out, sqlite3_column_blob(statement, 0), VB_LOG_HASH_BYTES);
    else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        s = register_fail(reg, sqlite3_reset(statement), &reg->log_error);
    sqlite3_reset(statement);
    return s;
}

static vb_status register_log_insert_node(vb_register *reg, unsigned level, uint64_t index,
                                          const uint8_t hash[VB_LOG_HASH_BYTES])
{
    sqlite3_stmt *statement = NULL;
    vb_status s = register_statement(reg, STATEMENT_INSERT_LOG_NODE, &statement, &reg->log_error);
    if (s != VB_OK)
        return s;
    sqlite3_bind_int(statement, 1, (int)level);
    sqlite3_bind_int64(statement, 2, (sqlite3_int64)index);
    sqlite3_bind_blob(statement, 3, hash, VB_LOG_HASH_BYTES, SQLITE_STATIC);
    return register_run(reg, statement, &reg->log_error);
}

/* The waiting log nodes into log_nodes, up to 64 in one statement. A group of 64 originals
 * completes 63 nodes or a few more, so the rest after the full statements is most of a group
 * every other time: one statement for it, not a statement per node (which made the log's nodes
 * cost about half again as much). */
static vb_status register_log_flush(vb_register *reg)
{
    size_t done = 0;
    vb_status s = VB_OK;
    while (s == VB_OK && done < reg->log_pending) {
        sqlite3_stmt *statement = NULL;
        size_t count = reg->log_pending - done;
        if (count > APPEND_GROUP_ROWS)
            count = APPEND_GROUP_ROWS;
        if ((s = register_statement(reg, STATEMENT_INSERT_LOG_NODES, &statement, &reg->log_error)) != VB_OK)
            break;
        for (size_t i = 0; i < count; i++) {
            int base = 3 * (int)i;
            sqlite3_bind_int(statement, base + 1, (int)reg->log_nodes[done + i].level);
            sqlite3_bind_int64(statement, base + 2, (sqlite3_int64)reg->log_nodes[done + i].position);
            sqlite3_bind_blob(statement, base + 3, reg->log_nodes[done + i].hash, VB_LOG_HASH_BYTES, SQLITE_STATIC);
        }
        sqlite3_bind_int(statement, 3 * APPEND_GROUP_ROWS + 1, (int)count);
        if ((s = register_run(reg, statement, &reg->log_error)) == VB_OK)
            done += count;
    }
    reg->log_pending = 0;
    return s;
}

static vb_status register_log_store_node(void *context, unsigned level, uint64_t index,
                                         const uint8_t hash[VB_LOG_HASH_BYTES])
{
    vb_register *reg = context;
    if (!reg->log_buffering)
        return register_log_insert_node(reg, level, index, hash);
    if (reg->log_pending == sizeof reg->log_nodes / sizeof reg->log_nodes[0]) {
        vb_status s = register_log_flush(reg);
        if (s != VB_OK)
            return s;
    }
    reg->log_nodes[reg->log_pending].level = level;
    reg->log_nodes[reg->log_pending].position = index;
    memcpy(reg->log_nodes[reg->log_pending].hash, hash, VB_LOG_HASH_BYTES);
    reg->log_pending++;
    return VB_OK;
}

void vb_register_log_source(vb_register *reg, vb_log_source *source)
{
    source->leaf = register_log_leaf;
    source->subtree = register_log_subtree;
    source->context = reg;
}

vb_status vb_register_event_count(vb_register *reg, uint64_t *count, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int64_t value = 0;
    vb_status s = register_statement(reg, STATEMENT_EVENT_COUNT, &statement, err);
    if (s == VB_OK)
        s = register_integer(reg, statement, &value, NULL, err);
    *count = (uint64_t)value;
    return s;
}

/* A status from the log module, with the message a source callback left, if it left one. */
static vb_status register_log_status(vb_register *reg, vb_status s, vb_error *err)
{
    if (s != VB_OK && reg->log_error.code == s)
        return vb_fail(err, s, "%s", reg->log_error.message);
    return s;
}

static vb_status register_log_restore(vb_register *reg, vb_error *err)
{
    uint64_t size;
    vb_log_source source;
    vb_status s = vb_register_event_count(reg, &size, err);
    if (s != VB_OK)
        return s;
    vb_register_log_source(reg, &source);
    reg->log_error.code = VB_OK;
    s = vb_log_builder_restore(&reg->log, &source, size, err);
    if (s != VB_OK)
        return register_log_status(reg, s, err);
    reg->log_ready = true;
    return VB_OK;
}

/* Adds an appended event, whose leaf hash this is, to the log, storing the subtrees it completes. */
static vb_status register_log_append(vb_register *reg, uint64_t sequence, const uint8_t leaf[VB_LOG_HASH_BYTES],
                                     vb_error *err)
{
    vb_status s = VB_OK;
    if (!reg->log_ready || reg->log.size + 1 != sequence) {
        /* restore to the events before this one (from log_nodes: the waiting ones go in first) */
        reg->log_error.code = VB_OK;
        if (reg->log_pending && (s = register_log_flush(reg)) != VB_OK)
            return register_log_status(reg, s, err);
        vb_log_source source;
        vb_register_log_source(reg, &source);
        reg->log_error.code = VB_OK;
        s = vb_log_builder_restore(&reg->log, &source, sequence - 1, err);
        if (s != VB_OK)
            return register_log_status(reg, s, err);
        reg->log_ready = true;
    }
    reg->log_error.code = VB_OK;
    s = vb_log_builder_add_emitting(&reg->log, leaf, register_log_store_node, reg);
    if (s != VB_OK) {
        reg->log_ready = false;
        return register_log_status(reg, s, err);
    }
    return VB_OK;
}

vb_status vb_register_log_root(vb_register *reg, uint64_t *size, uint8_t root[VB_LOG_HASH_BYTES], vb_error *err)
{
    vb_status s = register_log_restore(reg, err);
    reg->log_ready = false; /* outside a transaction the tree may grow under us */
    if (s != VB_OK)
        return s;
    *size = reg->log.size;
    return vb_log_builder_root(&reg->log, root);
}

vb_status vb_register_add_checkpoint(vb_register *reg, const vb_log_checkpoint *checkpoint, const uint8_t *signed_data,
                                     size_t signed_length, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    if (!signed_data || signed_length == 0 || signed_length > VB_LOG_MAX_CHECKPOINT_BYTES)
        return vb_fail(err, VB_ERR_ARGUMENT, "a signed checkpoint of 1..%d bytes is needed", VB_LOG_MAX_CHECKPOINT_BYTES);
    vb_status s = register_statement(reg, STATEMENT_INSERT_CHECKPOINT, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_int64(statement, 1, (sqlite3_int64)checkpoint->size);
    sqlite3_bind_blob(statement, 2, checkpoint->root, VB_LOG_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 3, (sqlite3_int64)checkpoint->time);
    sqlite3_bind_blob(statement, 4, signed_data, (int)signed_length, SQLITE_STATIC);
    return register_run(reg, statement, err);
}

vb_status vb_register_last_checkpoint(vb_register *reg, vb_log_checkpoint *checkpoint, bool *found, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    vb_status s = register_statement(reg, STATEMENT_LAST_CHECKPOINT, &statement, err);
    if (s != VB_OK)
        return s;
    memset(checkpoint, 0, sizeof *checkpoint);
    int rc = sqlite3_step(statement);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        snprintf(checkpoint->origin, sizeof checkpoint->origin, "%s", reg->school_code);
        checkpoint->size = (uint64_t)sqlite3_column_int64(statement, 0);
        if (sqlite3_column_bytes(statement, 1) == VB_LOG_HASH_BYTES)
            memcpy(checkpoint->root, sqlite3_column_blob(statement, 1), VB_LOG_HASH_BYTES);
        checkpoint->time = (uint64_t)sqlite3_column_int64(statement, 2);
    } else if (rc != SQLITE_DONE) {
        s = register_fail(reg, sqlite3_reset(statement), err);
    }
    sqlite3_reset(statement);
    return s;
}

/* The sequence number the next event takes: the log follows the events of the transaction once
 * it has appended one. */
static vb_status register_next_sequence(vb_register *reg, uint64_t *next, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int64_t value;
    if (reg->log_ready) {
        *next = reg->log.size + 1;
        return VB_OK;
    }
    vb_status s = register_statement(reg, STATEMENT_NEXT_SEQUENCE, &statement, err);
    if (s == VB_OK)
        s = register_integer(reg, statement, &value, NULL, err);
    *next = (uint64_t)value;
    return s;
}

/* Binds an event row's parameters, from base + 1 (the events inserts' column order). */
static void register_bind_event(sqlite3_stmt *statement, int base, const vb_register_event *event,
                                uint64_t original_id, const uint8_t *entry, size_t entry_length)
{
    sqlite3_bind_int64(statement, base + 1, (sqlite3_int64)event->sequence);
    sqlite3_bind_int(statement, base + 2, event->kind);
    sqlite3_bind_int64(statement, base + 3, (sqlite3_int64)event->record_id);
    sqlite3_bind_int64(statement, base + 4, (sqlite3_int64)original_id);
    sqlite3_bind_int64(statement, base + 5, event->time);
    sqlite3_bind_text(statement, base + 6, event->actor, -1, SQLITE_STATIC);
    if (event->reason)
        sqlite3_bind_int(statement, base + 7, event->reason);
    bind_text_or_null(statement, base + 8, event->decision_number);
    if (event->has_decision_date)
        sqlite3_bind_int(statement, base + 9, event->decision_date);
    if (event->batch_id)
        sqlite3_bind_int64(statement, base + 10, (sqlite3_int64)event->batch_id);
    sqlite3_bind_blob(statement, base + 11, entry, (int)entry_length, SQLITE_STATIC);
}

/* Appends the event (sequence = the next), encoding its entry: a revocation. */
static vb_status register_append_event(vb_register *reg, vb_register_event *event, uint64_t original_id,
                                       uint64_t *sequence, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    uint8_t entry[VB_REGISTER_ENTRY_MAX_BYTES], leaf[VB_LOG_HASH_BYTES];
    size_t entry_length;
    vb_status s = register_watch_appends(reg, err);
    if (s == VB_OK)
        s = register_next_sequence(reg, &event->sequence, err);
    if (s != VB_OK)
        return s;
    snprintf(event->school_code, sizeof event->school_code, "%s", reg->school_code);
    if ((s = vb_register_event_encode(event, entry, sizeof entry, &entry_length, err)) != VB_OK)
        return s;
    if ((s = vb_log_leaf_hash(entry, entry_length, leaf)) != VB_OK)
        return vb_fail(err, s, "cannot hash an event");
    if ((s = register_statement(reg, STATEMENT_INSERT_EVENT, &statement, err)) != VB_OK)
        return s;
    register_bind_event(statement, 0, event, original_id, entry, entry_length);
    if ((s = register_run(reg, statement, err)) == VB_OK)
        s = register_log_append(reg, event->sequence, leaf, err);
    if (s == VB_OK && sequence)
        *sequence = event->sequence;
    return s;
}

static void set_actor(char *out, size_t out_size, const char *actor)
{
    snprintf(out, out_size, "%s", actor && actor[0] ? actor : "unknown");
}

/* The rules of a credential's life, checked before a correction or a copy is added: base must
 * be the current record (an original or correction nothing supersedes) of a credential that is
 * not revoked. */
static vb_status register_check_current(vb_register *reg, uint64_t base_id, const char *doing,
                                        vb_register_record *base, vb_error *err)
{
    bool found;
    vb_status s = vb_register_load(reg, base_id, base, &found, err);
    if (s != VB_OK)
        return s;
    if (!found)
        return vb_fail(err, VB_ERR_REGISTER_NOT_FOUND, "%s: no record %llu in the register", reg->path,
                       (unsigned long long)base_id);
    if (base->state == VB_STATE_REVOKED) {
        char date[16] = "";
        if (base->has_revoke_decision_date)
            vb_date_format_dmy(base->revoke_decision_date, date, sizeof date);
        return vb_fail(err, VB_ERR_REGISTER_REFUSED,
                       "serial %s was revoked (decision %s%s%s); a revoked credential cannot be %s",
                       base->credential.serial, base->revoke_decision, date[0] ? " of " : "", date, doing);
    }
    if (base->credential.kind == VB_KIND_COPY)
        return vb_fail(err, VB_ERR_REGISTER_REFUSED,
                       "record %llu is a copy from the register; %s the credential's current record instead",
                       (unsigned long long)base_id, strcmp(doing, "corrected") == 0 ? "correct" : "copy");
    if (base->state == VB_STATE_SUPERSEDED)
        return vb_fail(err, VB_ERR_REGISTER_REFUSED,
                       "record %llu of serial %s was superseded by record %llu; only the current record can be %s",
                       (unsigned long long)base_id, base->credential.serial,
                       (unsigned long long)base->superseded_by, doing);
    return VB_OK;
}

static int register_event_kind_of(int credential_kind)
{
    return credential_kind == VB_KIND_ORIGINAL     ? VB_EVENT_ISSUE
           : credential_kind == VB_KIND_CORRECTION ? VB_EVENT_CORRECT
                                                   : VB_EVENT_COPY;
}

vb_status vb_register_prepare_append(const vb_register_append *a, const char *school_code, uint64_t sequence,
                                     vb_register_prepared *p, vb_error *err)
{
    const vb_credential *c = a->credential;
    vb_register_event *event = &p->event;
    vb_status s;

    memset(p, 0, offsetof(vb_register_prepared, entry));
    p->entry_length = 0;
    p->ready = false;
    if (!c)
        return vb_fail(err, VB_ERR_ARGUMENT, "no credential to append");
    if (!vb_register_record_id_value(c->record_id, c->record_id_length, &p->record_id))
        return vb_fail(err, VB_ERR_ARGUMENT, "record id must be 1..8 bytes without a leading zero");
    if (!a->record || a->record_length == 0 || a->record_length > VB_MAX_RECORD_BYTES)
        return vb_fail(err, VB_ERR_ARGUMENT, "no signed record, or one over %d bytes", VB_MAX_RECORD_BYTES);
    if (a->personal_id && a->personal_id[0] &&
        (s = vb_register_check_personal_id(a->personal_id, c->birth_date, c->gender, err)) != VB_OK)
        return s;
    if (!vb_register_fold_name(c->name, p->name_folded, sizeof p->name_folded))
        return vb_fail(err, VB_ERR_ARGUMENT, "the name is not UTF-8");
    if (c->kind == VB_KIND_CORRECTION) {
        if (!vb_register_record_id_value(c->supersedes, c->supersedes_length, &p->base_id))
            return vb_fail(err, VB_ERR_ARGUMENT, "a correction names the record it supersedes");
        if (!(a->decision_number && a->decision_number[0]))
            return vb_fail(err, VB_ERR_REGISTER_REFUSED, "a correction follows a decision: its number is needed");
    } else if (c->kind == VB_KIND_COPY) {
        p->base_id = a->copy_of;
    } else if (c->kind != VB_KIND_ORIGINAL) {
        return vb_fail(err, VB_ERR_ARGUMENT, "kind %d is not original, correction or copy", c->kind);
    }
    if (!school_code || !school_code[0] || strlen(school_code) >= sizeof event->school_code)
        return vb_fail(err, VB_ERR_ARGUMENT, "a school code of 1 to %d characters is needed", VB_MAX_SCHOOL_CODE_BYTES);

    p->append = *a;
    event->kind = register_event_kind_of(c->kind);
    event->sequence = sequence;
    event->time = a->time;
    memcpy(event->school_code, school_code, strlen(school_code) + 1);
    event->record_id = p->record_id;
    event->has_record_digest = true;
    if (!register_record_digest(a->record, a->record_length, event->record_digest))
        return vb_fail(err, VB_ERR_CRYPTO, "cannot hash the signed record");
    event->supersedes = c->kind == VB_KIND_CORRECTION ? p->base_id : 0;
    event->reason = c->kind == VB_KIND_CORRECTION ? a->reason : 0;
    snprintf(event->decision_number, sizeof event->decision_number, "%s", a->decision_number ? a->decision_number : "");
    event->has_decision_date = a->has_decision_date;
    event->decision_date = a->decision_date;
    set_actor(event->actor, sizeof event->actor, a->actor);
    event->batch_id = c->kind == VB_KIND_ORIGINAL ? a->batch_id : 0;
    if (sequence) {
        if ((s = vb_register_event_encode(event, p->entry, sizeof p->entry, &p->entry_length, err)) != VB_OK)
            return s;
        if ((s = vb_log_leaf_hash(p->entry, p->entry_length, p->leaf_hash)) != VB_OK)
            return vb_fail(err, s, "cannot hash an event");
    }
    p->ready = true;
    return VB_OK;
}

/* A record vb_register_prepare_append made ready, for this register's school. */
static vb_status register_check_prepared(vb_register *reg, const vb_register_prepared *p, vb_error *err)
{
    if (!p->ready || !p->append.credential)
        return vb_fail(err, VB_ERR_ARGUMENT, "a record to append was not prepared (vb_register_prepare_append)");
    if (strcmp(p->event.school_code, reg->school_code) != 0)
        return vb_fail(err, VB_ERR_ARGUMENT, "%s: a record prepared for school %s, not this register's %s", reg->path,
                       p->event.school_code, reg->school_code);
    return VB_OK;
}

/* A prepared record's entry for the sequence number it takes: as prepared, or encoded again when
 * the register gives another number (or none was known). */
static vb_status register_prepared_entry(vb_register *reg, vb_register_prepared *p, uint64_t sequence, vb_error *err)
{
    vb_status s = register_check_prepared(reg, p, err);
    if (s != VB_OK)
        return s;
    if (p->entry_length && p->event.sequence == sequence)
        return VB_OK;
    p->event.sequence = sequence;
    if ((s = vb_register_event_encode(&p->event, p->entry, sizeof p->entry, &p->entry_length, err)) != VB_OK)
        return s;
    if ((s = vb_log_leaf_hash(p->entry, p->entry_length, p->leaf_hash)) != VB_OK)
        return vb_fail(err, s, "cannot hash an event");
    return VB_OK;
}

/* Binds a credential row's parameters, from base + 1 (CREDENTIAL_COLUMNS). */
static void register_bind_credential(sqlite3_stmt *statement, int base, const vb_register_prepared *p,
                                     uint64_t original_id)
{
    const vb_register_append *a = &p->append;
    const vb_credential *c = a->credential;
    sqlite3_bind_int64(statement, base + 1, (sqlite3_int64)p->record_id);
    sqlite3_bind_int(statement, base + 2, c->kind);
    sqlite3_bind_int64(statement, base + 3, (sqlite3_int64)original_id);
    if (c->kind == VB_KIND_CORRECTION)
        sqlite3_bind_int64(statement, base + 4, (sqlite3_int64)p->base_id);
    if (c->kind == VB_KIND_COPY) {
        sqlite3_bind_int64(statement, base + 5, (sqlite3_int64)p->base_id);
        sqlite3_bind_int64(statement, base + 6, c->copy_number);
    }
    if (c->kind == VB_KIND_ORIGINAL && a->batch_id)
        sqlite3_bind_int64(statement, base + 7, (sqlite3_int64)a->batch_id);
    sqlite3_bind_int(statement, base + 8, c->type);
    sqlite3_bind_int(statement, base + 9, c->register_year);
    sqlite3_bind_int64(statement, base + 10, c->register_number);
    sqlite3_bind_text(statement, base + 11, c->serial, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, base + 12, c->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, base + 13, p->name_folded, -1, SQLITE_STATIC);
    sqlite3_bind_int(statement, base + 14, c->birth_date);
    sqlite3_bind_int(statement, base + 15, c->gender);
    sqlite3_bind_text(statement, base + 16, c->program_code, -1, SQLITE_STATIC);
    sqlite3_bind_text(statement, base + 17, c->program_name, -1, SQLITE_STATIC);
    sqlite3_bind_int(statement, base + 18, c->classification);
    sqlite3_bind_int(statement, base + 19, c->training_mode);
    sqlite3_bind_int(statement, base + 20, c->high_quality ? 1 : 0);
    sqlite3_bind_int(statement, base + 21, c->issue_date);
    sqlite3_bind_text(statement, base + 22, c->issue_place, -1, SQLITE_STATIC);
    bind_text_or_null(statement, base + 23, a->decision_number);
    if (a->has_decision_date)
        sqlite3_bind_int(statement, base + 24, a->decision_date);
    bind_text_or_null(statement, base + 25, a->personal_id);
    sqlite3_bind_blob(statement, base + 26, a->record, (int)a->record_length, SQLITE_STATIC);
    sqlite3_bind_int64(statement, base + 27, c->signed_at);
    sqlite3_bind_int64(statement, base + 28, a->time);
    sqlite3_bind_text(statement, base + 29, p->event.actor, -1, SQLITE_STATIC);
}

/* One prepared record with its event, checking the rules of a credential's life first. */
static vb_status register_append_one(vb_register *reg, vb_register_prepared *p, vb_error *err)
{
    const vb_credential *c = p->append.credential;
    uint64_t original_id = p->record_id, sequence;
    sqlite3_stmt *statement = NULL;
    vb_status s = register_check_prepared(reg, p, err);

    if (s != VB_OK)
        return s;
    if (c->kind != VB_KIND_ORIGINAL) {
        vb_register_record *base = malloc(sizeof *base);
        if (!base)
            return vb_fail(err, VB_ERR_NOMEM, "out of memory");
        s = register_check_current(reg, p->base_id, c->kind == VB_KIND_CORRECTION ? "corrected" : "copied", base, err);
        original_id = base->original_id;
        if (s == VB_OK && c->kind == VB_KIND_COPY) {
            int64_t copies;
            s = register_statement(reg, STATEMENT_COPY_COUNT, &statement, err);
            if (s == VB_OK) {
                sqlite3_bind_int64(statement, 1, (sqlite3_int64)original_id);
                s = register_integer(reg, statement, &copies, NULL, err);
            }
            if (s == VB_OK && c->copy_number != (uint64_t)copies + 1)
                s = vb_fail(err, VB_ERR_REGISTER_REFUSED, "serial %s has %lld copies; the next is copy %lld, not %u",
                            base->credential.serial, (long long)copies, (long long)copies + 1, c->copy_number);
        }
        free(base);
        if (s != VB_OK)
            return s;
    }
    if ((s = register_next_sequence(reg, &sequence, err)) != VB_OK ||
        (s = register_prepared_entry(reg, p, sequence, err)) != VB_OK)
        return s;
    if ((s = register_statement(reg, STATEMENT_INSERT_CREDENTIAL, &statement, err)) != VB_OK)
        return s;
    register_bind_credential(statement, 0, p, original_id);
    if (p->base_id)
        sqlite3_bind_int64(statement, CREDENTIAL_PARAMETERS + 1, (sqlite3_int64)p->base_id);
    if ((s = register_run(reg, statement, err)) != VB_OK)
        return s;
    if ((s = register_statement(reg, STATEMENT_INSERT_EVENT, &statement, err)) != VB_OK)
        return s;
    register_bind_event(statement, 0, &p->event, original_id, p->entry, p->entry_length);
    if ((s = register_run(reg, statement, err)) != VB_OK)
        return s;
    return register_log_append(reg, p->event.sequence, p->leaf_hash, err);
}

/* APPEND_GROUP_ROWS originals with one statement per table: an original needs no look at the
 * register before it goes in (the check before COMMIT sees to its numbers). */
static vb_status register_append_originals(vb_register *reg, vb_register_prepared *p, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    uint64_t next;
    vb_status s = register_next_sequence(reg, &next, err);
    for (size_t i = 0; s == VB_OK && i < APPEND_GROUP_ROWS; i++)
        s = register_prepared_entry(reg, &p[i], next + i, err);
    if (s == VB_OK)
        s = register_statement(reg, STATEMENT_INSERT_ORIGINALS, &statement, err);
    if (s != VB_OK)
        return s;
    for (size_t i = 0; i < APPEND_GROUP_ROWS; i++)
        register_bind_credential(statement, (int)i * CREDENTIAL_PARAMETERS, &p[i], p[i].record_id);
    if ((s = register_run(reg, statement, err)) != VB_OK)
        return s;
    if ((s = register_statement(reg, STATEMENT_INSERT_EVENTS, &statement, err)) != VB_OK)
        return s;
    for (size_t i = 0; i < APPEND_GROUP_ROWS; i++)
        register_bind_event(statement, (int)i * EVENT_PARAMETERS, &p[i].event, p[i].record_id, p[i].entry,
                            p[i].entry_length);
    if ((s = register_run(reg, statement, err)) != VB_OK)
        return s;
    reg->log_buffering = true;
    for (size_t i = 0; s == VB_OK && i < APPEND_GROUP_ROWS; i++)
        s = register_log_append(reg, p[i].event.sequence, p[i].leaf_hash, err);
    reg->log_buffering = false;
    reg->log_error.code = VB_OK;
    vb_status flushed = register_log_flush(reg); /* also when s failed: the buffer is left empty */
    if (s == VB_OK && flushed != VB_OK) {
        reg->log_ready = false;
        s = register_log_status(reg, flushed, err);
    }
    return s;
}

vb_status vb_register_append_prepared(vb_register *reg, vb_register_prepared *prepared, size_t count,
                                      size_t *appended, vb_error *err)
{
    size_t done = 0;
    bool own;
    /* An SQLite built with a lower limit on parameters (999 before 3.32) takes rows one by one. */
    bool groups =
        sqlite3_limit(reg->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1) >= APPEND_GROUP_ROWS * CREDENTIAL_PARAMETERS;
    vb_status s = register_own_transaction_begin(reg, &own, err);
    if (s == VB_OK)
        s = register_watch_appends(reg, err);
    while (s == VB_OK && done < count) {
        size_t run = 0;
        while (groups && run < APPEND_GROUP_ROWS && done + run < count && prepared[done + run].ready &&
               prepared[done + run].append.credential->kind == VB_KIND_ORIGINAL)
            run++;
        if (run == APPEND_GROUP_ROWS) {
            s = register_append_originals(reg, prepared + done, err);
        } else {
            run = 1;
            s = register_append_one(reg, prepared + done, err);
        }
        if (s == VB_OK)
            done += run;
    }
    if (appended) /* the rows of a failed statement are not in; nor, in a transaction of its own, any */
        *appended = s != VB_OK && own ? 0 : done;
    return register_own_transaction_end(reg, own, s, err);
}

vb_status vb_register_append_record(vb_register *reg, const vb_register_append *append, uint64_t *sequence,
                                    vb_error *err)
{
    vb_register_prepared *prepared = malloc(sizeof *prepared);
    if (!prepared)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    vb_status s = vb_register_prepare_append(append, reg->school_code, 0, prepared, err);
    if (s == VB_OK)
        s = vb_register_append_prepared(reg, prepared, 1, NULL, err);
    if (s == VB_OK && sequence)
        *sequence = prepared->event.sequence;
    free(prepared);
    return s;
}

vb_status vb_register_revoke(vb_register *reg, uint64_t record_id, int reason, const char *decision_number,
                             bool has_decision_date, int32_t decision_date, const char *actor, int64_t time,
                             uint64_t *sequence, vb_error *err)
{
    bool own, found;
    if (reason < 1 || reason > VB_REVOKE_MAX)
        return vb_fail(err, VB_ERR_ARGUMENT, "revocation ground %d is not one of 1..%d", reason, VB_REVOKE_MAX);
    if (!decision_number || !decision_number[0])
        return vb_fail(err, VB_ERR_REGISTER_REFUSED, "a revocation follows a decision: its number is needed");
    vb_register_record *record = malloc(sizeof *record);
    if (!record)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    vb_status s = register_own_transaction_begin(reg, &own, err);
    if (s == VB_OK)
        s = vb_register_load(reg, record_id, record, &found, err);
    if (s == VB_OK && !found)
        s = vb_fail(err, VB_ERR_REGISTER_NOT_FOUND, "%s: no record %llu in the register", reg->path,
                    (unsigned long long)record_id);
    if (s == VB_OK && record->state == VB_STATE_REVOKED) {
        char date[16] = "";
        if (record->has_revoke_decision_date)
            vb_date_format_dmy(record->revoke_decision_date, date, sizeof date);
        s = vb_fail(err, VB_ERR_REGISTER_REFUSED, "serial %s is already revoked (decision %s%s%s, ground: %s)",
                    record->credential.serial, record->revoke_decision, date[0] ? " of " : "", date,
                    vb_register_revoke_reason_name(record->revoke_reason));
    }
    uint64_t current = 0;
    if (s == VB_OK)
        s = vb_register_current(reg, record->original_id, &current, err);
    if (s == VB_OK) {
        vb_register_event event;
        memset(&event, 0, sizeof event);
        event.kind = VB_EVENT_REVOKE;
        event.time = time;
        event.record_id = current;
        event.reason = reason;
        snprintf(event.decision_number, sizeof event.decision_number, "%s", decision_number);
        event.has_decision_date = has_decision_date;
        event.decision_date = decision_date;
        set_actor(event.actor, sizeof event.actor, actor);
        s = register_append_event(reg, &event, record->original_id, sequence, err);
    }
    free(record);
    return register_own_transaction_end(reg, own, s, err);
}

/* ---------------------------------------------------------------- reading */

vb_status vb_register_find_serial(vb_register *reg, const char *serial, uint64_t *original_id, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int64_t value;
    vb_status s = register_statement(reg, STATEMENT_FIND_SERIAL, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_text(statement, 1, serial, -1, SQLITE_STATIC);
    s = register_integer(reg, statement, &value, NULL, err);
    *original_id = (uint64_t)value;
    return s;
}

vb_status vb_register_current(vb_register *reg, uint64_t original_id, uint64_t *record_id, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int64_t value;
    bool found;
    vb_status s = register_statement(reg, STATEMENT_CURRENT, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_int64(statement, 1, (sqlite3_int64)original_id);
    if ((s = register_integer(reg, statement, &value, &found, err)) != VB_OK)
        return s;
    if (!found)
        return vb_fail(err, VB_ERR_REGISTER_NOT_FOUND, "%s: no credential with original record %llu", reg->path,
                       (unsigned long long)original_id);
    *record_id = (uint64_t)value;
    return VB_OK;
}

static void register_read_record(vb_register *reg, sqlite3_stmt *st, vb_register_record *r)
{
    vb_credential *c = &r->credential;
    memset(r, 0, sizeof *r);
    r->record_id = (uint64_t)sqlite3_column_int64(st, 0);
    c->kind = sqlite3_column_int(st, 1);
    r->original_id = (uint64_t)sqlite3_column_int64(st, 2);
    r->supersedes = (uint64_t)sqlite3_column_int64(st, 3);
    r->copy_of = (uint64_t)sqlite3_column_int64(st, 4);
    c->copy_number = (uint32_t)sqlite3_column_int64(st, 5);
    r->batch_id = (uint64_t)sqlite3_column_int64(st, 6);
    c->type = sqlite3_column_int(st, 7);
    c->register_year = (uint16_t)sqlite3_column_int(st, 8);
    c->register_number = (uint32_t)sqlite3_column_int64(st, 9);
    copy_column_text(st, 10, c->serial, sizeof c->serial);
    copy_column_text(st, 11, c->name, sizeof c->name);
    c->birth_date = sqlite3_column_int(st, 12);
    c->gender = sqlite3_column_int(st, 13);
    copy_column_text(st, 14, c->program_code, sizeof c->program_code);
    copy_column_text(st, 15, c->program_name, sizeof c->program_name);
    c->classification = sqlite3_column_int(st, 16);
    c->training_mode = sqlite3_column_int(st, 17);
    c->high_quality = sqlite3_column_int(st, 18) != 0;
    c->issue_date = sqlite3_column_int(st, 19);
    copy_column_text(st, 20, c->issue_place, sizeof c->issue_place);
    copy_column_text(st, 21, r->graduation_decision, sizeof r->graduation_decision);
    r->has_graduation_decision_date = sqlite3_column_type(st, 22) != SQLITE_NULL;
    r->graduation_decision_date = sqlite3_column_int(st, 22);
    r->has_personal_id = sqlite3_column_int(st, 23) != 0;
    int length = sqlite3_column_bytes(st, 24);
    const void *blob = sqlite3_column_blob(st, 24);
    if (blob && length > 0 && (size_t)length <= sizeof r->record) {
        memcpy(r->record, blob, (size_t)length);
        r->record_length = (size_t)length;
    }
    c->signed_at = sqlite3_column_int64(st, 25);
    r->issued_at = sqlite3_column_int64(st, 26);
    copy_column_text(st, 27, r->actor, sizeof r->actor);
    r->superseded_by = (uint64_t)sqlite3_column_int64(st, 28);
    bool revoked = sqlite3_column_type(st, 29) != SQLITE_NULL;
    if (revoked) {
        r->revoked_at = sqlite3_column_int64(st, 29);
        r->revoke_reason = sqlite3_column_int(st, 30);
        copy_column_text(st, 31, r->revoke_decision, sizeof r->revoke_decision);
        r->has_revoke_decision_date = sqlite3_column_type(st, 32) != SQLITE_NULL;
        r->revoke_decision_date = sqlite3_column_int(st, 32);
    }
    r->state = revoked ? VB_STATE_REVOKED : r->superseded_by ? VB_STATE_SUPERSEDED : VB_STATE_IN_FORCE;

    snprintf(c->school_code, sizeof c->school_code, "%s", reg->school_code);
    c->record_id_length = vb_register_record_id_bytes(r->record_id, c->record_id);
    if (c->kind == VB_KIND_CORRECTION)
        c->supersedes_length = vb_register_record_id_bytes(r->supersedes, c->supersedes);
}

vb_status vb_register_load(vb_register *reg, uint64_t record_id, vb_register_record *out, bool *found,
                           vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    vb_status s = register_statement(reg, STATEMENT_RECORD_BY_ID, &statement, err);
    if (s != VB_OK)
        return s;
    sqlite3_bind_int64(statement, 1, (sqlite3_int64)record_id);
    int rc = sqlite3_step(statement);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW)
        register_read_record(reg, statement, out);
    else if (rc != SQLITE_DONE)
        s = register_fail(reg, sqlite3_reset(statement), err);
    sqlite3_reset(statement);
    return s;
}

vb_status vb_register_each_record(vb_register *reg, const vb_register_query *query,
                                  vb_register_record_visitor visit, void *context, vb_error *err)
{
    static const vb_register_query everything = {0};
    sqlite3_stmt *statement = NULL;
    uint64_t original_id;
    char folded[VB_TEXT_FIELD * 2] = "";
    vb_status s;

    if (!query)
        query = &everything;
    original_id = query->original_id;
    if (query->serial && query->serial[0]) {
        uint64_t by_serial;
        if ((s = vb_register_find_serial(reg, query->serial, &by_serial, err)) != VB_OK)
            return s;
        if (!by_serial || (original_id && original_id != by_serial))
            return VB_OK;
        original_id = by_serial;
    }
    if (query->name && query->name[0] && !vb_register_fold_name(query->name, folded, sizeof folded))
        return vb_fail(err, VB_ERR_ARGUMENT, "the name searched for is not UTF-8 or too long");

    /* The same statement may be running further up (a visitor that loads a record): a walk
     * uses a statement of its own. */
    const char *sql = statement_sql[original_id ? STATEMENT_RECORDS_BY_ORIGINAL : STATEMENT_RECORDS_ALL];
    int rc = sqlite3_prepare_v2(reg->db, sql, -1, &statement, NULL);
    if (rc != SQLITE_OK)
        return register_fail(reg, rc, err);
    if (original_id) {
        sqlite3_bind_int64(statement, 1, (sqlite3_int64)original_id);
    } else {
        bind_text_or_null(statement, 1, folded);
        if (query->has_birth_date)
            sqlite3_bind_int(statement, 2, query->birth_date);
    }
    vb_register_record *record = malloc(sizeof *record);
    if (!record) {
        sqlite3_finalize(statement);
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    }
    s = VB_OK;
    while (s == VB_OK && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
        register_read_record(reg, statement, record);
        if (original_id && folded[0]) {
            char name[VB_TEXT_FIELD * 2];
            if (!vb_register_fold_name(record->credential.name, name, sizeof name) || !strstr(name, folded))
                continue;
        }
        if (original_id && query->has_birth_date && record->credential.birth_date != query->birth_date)
            continue;
        s = visit(context, record, err);
    }
    if (s == VB_OK && rc != SQLITE_DONE)
        s = register_fail(reg, sqlite3_reset(statement), err);
    sqlite3_finalize(statement);
    free(record);
    return s;
}

vb_status vb_register_each_event(vb_register *reg, uint64_t original_id, uint64_t from_sequence,
                                 vb_register_event_visitor visit, void *context, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    const char *sql = statement_sql[original_id ? STATEMENT_EVENTS_BY_ORIGINAL : STATEMENT_EVENTS_FROM];
    int rc = sqlite3_prepare_v2(reg->db, sql, -1, &statement, NULL);
    if (rc != SQLITE_OK)
        return register_fail(reg, rc, err);
    sqlite3_bind_int64(statement, 1, (sqlite3_int64)(original_id ? original_id : from_sequence));
    vb_status s = VB_OK;
    vb_register_event event;
    while (s == VB_OK && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
        const uint8_t *entry = sqlite3_column_blob(statement, 9);
        int entry_length = sqlite3_column_bytes(statement, 9);
        /* The columns are what the register shows; the entry is what the log proves. A visitor
         * that checks the log compares the two. */
        memset(&event, 0, sizeof event);
        event.sequence = (uint64_t)sqlite3_column_int64(statement, 0);
        event.kind = sqlite3_column_int(statement, 1);
        event.record_id = (uint64_t)sqlite3_column_int64(statement, 2);
        event.time = sqlite3_column_int64(statement, 3);
        copy_column_text(statement, 4, event.actor, sizeof event.actor);
        event.reason = sqlite3_column_int(statement, 5);
        copy_column_text(statement, 6, event.decision_number, sizeof event.decision_number);
        event.has_decision_date = sqlite3_column_type(statement, 7) != SQLITE_NULL;
        event.decision_date = sqlite3_column_int(statement, 7);
        event.batch_id = (uint64_t)sqlite3_column_int64(statement, 8);
        snprintf(event.school_code, sizeof event.school_code, "%s", reg->school_code);
        s = visit(context, &event, entry, entry_length > 0 ? (size_t)entry_length : 0, err);
    }
    if (s == VB_OK && rc != SQLITE_DONE)
        s = register_fail(reg, sqlite3_reset(statement), err);
    sqlite3_finalize(statement);
    return s;
}

vb_status vb_register_count(vb_register *reg, vb_register_counts *counts, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    vb_status s = register_statement(reg, STATEMENT_COUNTS, &statement, err);
    if (s != VB_OK)
        return s;
    int rc = sqlite3_step(statement);
    memset(counts, 0, sizeof *counts);
    if (rc == SQLITE_ROW) {
        counts->records = (uint64_t)sqlite3_column_int64(statement, 0);
        counts->originals = (uint64_t)sqlite3_column_int64(statement, 1);
        counts->corrections = (uint64_t)sqlite3_column_int64(statement, 2);
        counts->copies = (uint64_t)sqlite3_column_int64(statement, 3);
        counts->revoked = (uint64_t)sqlite3_column_int64(statement, 4);
        counts->events = (uint64_t)sqlite3_column_int64(statement, 5);
        counts->batches = (uint64_t)sqlite3_column_int64(statement, 6);
    } else {
        s = register_fail(reg, sqlite3_reset(statement), err);
    }
    sqlite3_reset(statement);
    return s;
}

/* ---------------------------------------------------------------- event entries */

vb_status vb_register_event_encode(const vb_register_event *e, uint8_t *out, size_t out_size, size_t *length,
                                   vb_error *err)
{
    vb_cbor_writer w;
    if (e->kind < 1 || e->kind > VB_EVENT_MAX || e->sequence == 0 || e->time < 0 || e->record_id == 0 ||
        !e->school_code[0] || !e->actor[0])
        return vb_fail(err, VB_ERR_ARGUMENT, "an event needs a kind, sequence, time, school, record and actor");
    bool has_decision = e->decision_number[0] != '\0';
    size_t fields = 7 + e->has_record_digest + (e->supersedes != 0) + (e->reason != 0) + has_decision +
                    e->has_decision_date;
    vb_cbor_writer_init(&w, out, out_size);
    vb_cbor_put_map(&w, fields);
    /* Keys 1..12 are one byte each and written in ascending order: the deterministic order. */
    vb_cbor_put_uint(&w, VB_ENTRY_KEY_FORMAT);
    vb_cbor_put_uint(&w, VB_ENTRY_FORMAT);
    vb_cbor_put_uint(&w, VB_ENTRY_KEY_KIND);
    vb_cbor_put_uint(&w, (uint64_t)e->kind);
    vb_cbor_put_uint(&w, VB_ENTRY_KEY_SEQUENCE);
    vb_cbor_put_uint(&w, e->sequence);
    vb_cbor_put_uint(&w, VB_ENTRY_KEY_TIME);
    vb_cbor_put_uint(&w, (uint64_t)e->time);
    vb_cbor_put_uint(&w, VB_ENTRY_KEY_SCHOOL);
    vb_cbor_put_cstring(&w, e->school_code);
    vb_cbor_put_uint(&w, VB_ENTRY_KEY_RECORD_ID);
    vb_cbor_put_uint(&w, e->record_id);
    if (e->has_record_digest) {
        vb_cbor_put_uint(&w, VB_ENTRY_KEY_RECORD_DIGEST);
        vb_cbor_put_bytes(&w, e->record_digest, sizeof e->record_digest);
    }
    if (e->supersedes) {
        vb_cbor_put_uint(&w, VB_ENTRY_KEY_SUPERSEDES);
        vb_cbor_put_uint(&w, e->supersedes);
    }
    if (e->reason) {
        vb_cbor_put_uint(&w, VB_ENTRY_KEY_REASON);
        vb_cbor_put_uint(&w, (uint64_t)e->reason);
    }
    if (has_decision) {
        vb_cbor_put_uint(&w, VB_ENTRY_KEY_DECISION_NUMBER);
        vb_cbor_put_cstring(&w, e->decision_number);
    }
    if (e->has_decision_date) {
        vb_cbor_put_uint(&w, VB_ENTRY_KEY_DECISION_DATE);
        vb_cbor_put_int(&w, e->decision_date);
    }
    vb_cbor_put_uint(&w, VB_ENTRY_KEY_ACTOR);
    vb_cbor_put_cstring(&w, e->actor);
    if (w.overflow)
        return vb_fail(err, VB_ERR_TOO_LARGE, "the event does not fit %zu bytes", out_size);
    *length = w.length;
    return VB_OK;
}

static vb_status entry_text(vb_cbor_reader *r, char *out, size_t out_size, vb_error *err)
{
    const char *text;
    size_t length;
    vb_status s = vb_cbor_read_text(r, &text, &length, err);
    if (s != VB_OK)
        return s;
    if (length == 0 || length >= out_size)
        return vb_fail(err, VB_ERR_TOO_LARGE, "an event text is empty or over %zu bytes", out_size - 1);
    memcpy(out, text, length);
    out[length] = '\0';
    return VB_OK;
}

vb_status vb_register_event_decode(const uint8_t *data, size_t length, vb_register_event *e, vb_error *err)
{
    vb_cbor_reader r;
    size_t fields;
    uint64_t u, format = 0;
    int64_t i;
    int previous = 0;
    unsigned seen = 0;
    vb_status s;

    memset(e, 0, sizeof *e);
    vb_cbor_reader_init(&r, data, length);
    if ((s = vb_cbor_read_map(&r, &fields, err)) != VB_OK)
        return s;
    for (size_t f = 0; f < fields; f++) {
        uint64_t key;
        if ((s = vb_cbor_read_uint(&r, &key, err)) != VB_OK)
            return s;
        if (key <= (uint64_t)previous)
            return vb_fail(err, key == (uint64_t)previous ? VB_ERR_CBOR_DUPLICATE_KEY : VB_ERR_CBOR_KEY_ORDER,
                           "event entry: key %llu out of order", (unsigned long long)key);
        if (key < VB_ENTRY_KEY_FORMAT || key > VB_ENTRY_KEY_ACTOR)
            return vb_fail(err, VB_ERR_REGISTER, "event entry: unknown key %llu", (unsigned long long)key);
        previous = (int)key;
        seen |= 1u << key;
        switch (key) {
        case VB_ENTRY_KEY_FORMAT: s = vb_cbor_read_uint(&r, &format, err); break;
        case VB_ENTRY_KEY_KIND:
            if ((s = vb_cbor_read_uint(&r, &u, err)) == VB_OK && (u < 1 || u > VB_EVENT_MAX))
                s = vb_fail(err, VB_ERR_REGISTER, "event entry: kind %llu unknown", (unsigned long long)u);
            e->kind = (int)u;
            break;
        case VB_ENTRY_KEY_SEQUENCE: s = vb_cbor_read_uint(&r, &e->sequence, err); break;
        case VB_ENTRY_KEY_TIME:
            if ((s = vb_cbor_read_uint(&r, &u, err)) == VB_OK && u > INT64_MAX)
                s = vb_fail(err, VB_ERR_REGISTER, "event entry: time out of range");
            e->time = (int64_t)u;
            break;
        case VB_ENTRY_KEY_SCHOOL: s = entry_text(&r, e->school_code, sizeof e->school_code, err); break;
        case VB_ENTRY_KEY_RECORD_ID: s = vb_cbor_read_uint(&r, &e->record_id, err); break;
        case VB_ENTRY_KEY_RECORD_DIGEST: {
            const uint8_t *bytes;
            size_t n;
            if ((s = vb_cbor_read_bytes(&r, &bytes, &n, err)) == VB_OK && n != sizeof e->record_digest)
                s = vb_fail(err, VB_ERR_REGISTER, "event entry: record digest of %zu bytes, not 32", n);
            if (s == VB_OK) {
                memcpy(e->record_digest, bytes, n);
                e->has_record_digest = true;
            }
            break;
        }
        case VB_ENTRY_KEY_SUPERSEDES: s = vb_cbor_read_uint(&r, &e->supersedes, err); break;
        case VB_ENTRY_KEY_REASON:
            if ((s = vb_cbor_read_uint(&r, &u, err)) == VB_OK && (u < 1 || u > VB_REVOKE_MAX))
                s = vb_fail(err, VB_ERR_REGISTER, "event entry: reason %llu unknown", (unsigned long long)u);
            e->reason = (int)u;
            break;
        case VB_ENTRY_KEY_DECISION_NUMBER:
            s = entry_text(&r, e->decision_number, sizeof e->decision_number, err);
            break;
        case VB_ENTRY_KEY_DECISION_DATE:
            if ((s = vb_cbor_read_int(&r, &i, err)) == VB_OK && (i < INT32_MIN || i > INT32_MAX))
                s = vb_fail(err, VB_ERR_REGISTER, "event entry: decision date out of range");
            e->decision_date = (int32_t)i;
            e->has_decision_date = true;
            break;
        case VB_ENTRY_KEY_ACTOR: s = entry_text(&r, e->actor, sizeof e->actor, err); break;
        }
        if (s != VB_OK)
            return s;
    }
    if (vb_cbor_remaining(&r) != 0)
        return vb_fail(err, VB_ERR_CBOR_TRAILING, "event entry: bytes after the map");
    unsigned required = (1u << VB_ENTRY_KEY_FORMAT) | (1u << VB_ENTRY_KEY_KIND) | (1u << VB_ENTRY_KEY_SEQUENCE) |
                        (1u << VB_ENTRY_KEY_TIME) | (1u << VB_ENTRY_KEY_SCHOOL) | (1u << VB_ENTRY_KEY_RECORD_ID) |
                        (1u << VB_ENTRY_KEY_ACTOR);
    if ((seen & required) != required)
        return vb_fail(err, VB_ERR_REGISTER, "event entry: a required key is missing");
    if (format != VB_ENTRY_FORMAT)
        return vb_fail(err, VB_ERR_REGISTER, "event entry: format %llu unknown", (unsigned long long)format);
    if (e->sequence == 0 || e->record_id == 0)
        return vb_fail(err, VB_ERR_REGISTER, "event entry: sequence and record id start at 1");
    return VB_OK;
}

/* ---------------------------------------------------------------- backup and restore */

/* Copies the whole of source into dest through the online backup API: one step over all pages,
 * so the copy is one read transaction of the source — a consistent snapshot — while, in WAL
 * mode, writers go on. Retries while the destination or source is locked. */
static vb_status register_copy(sqlite3 *dest, const char *dest_path, sqlite3 *source, const char *source_path,
                               vb_error *err)
{
    sqlite3_backup *backup = sqlite3_backup_init(dest, "main", source, "main");
    if (!backup)
        return register_db_fail(dest, dest_path, sqlite3_errcode(dest), err);
    int rc;
    for (int attempt = 0;; attempt++) {
        rc = sqlite3_backup_step(backup, -1);
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt >= VB_REGISTER_BUSY_TIMEOUT_MS / 50)
            break;
        sqlite3_sleep(50);
    }
    int finished = sqlite3_backup_finish(backup);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? register_db_fail(dest, source_path, rc, err)
                                                        : register_db_fail(dest, dest_path, finished, err);
    if (finished != SQLITE_OK)
        return register_db_fail(dest, dest_path, finished, err);
    return VB_OK;
}

static vb_status register_integrity(sqlite3 *db, const char *path, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &statement, NULL);
    if (rc != SQLITE_OK)
        return register_db_fail(db, path, rc, err);
    rc = sqlite3_step(statement);
    vb_status s = VB_OK;
    if (rc != SQLITE_ROW)
        s = register_db_fail(db, path, sqlite3_reset(statement), err);
    else if (strcmp((const char *)sqlite3_column_text(statement, 0), "ok") != 0)
        s = vb_fail(err, VB_ERR_REGISTER, "%s: damaged: %s", path, sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return s;
}

static void sync_directory_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char directory[4096];
    if (slash)
        snprintf(directory, sizeof directory, "%.*s", (int)(slash - path) + 1, path);
    else
        snprintf(directory, sizeof directory, ".");
    int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* A new single-file database at dest_path holding source: written under a temporary name
 * beside it (mode 0600), synced, then linked into place, so dest_path never holds half a copy
 * and an existing file is never replaced. journal_mode is what the copy keeps: "DELETE" for a
 * self-contained backup, "WAL" for a register to use. */
static vb_status register_counts_of(sqlite3 *db, const char *path, vb_register_counts *counts, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int rc = sqlite3_prepare_v2(db, statement_sql[STATEMENT_COUNTS], -1, &statement, NULL);
    if (rc != SQLITE_OK)
        return register_db_fail(db, path, rc, err);
    memset(counts, 0, sizeof *counts);
    rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
        counts->records = (uint64_t)sqlite3_column_int64(statement, 0);
        counts->originals = (uint64_t)sqlite3_column_int64(statement, 1);
        counts->corrections = (uint64_t)sqlite3_column_int64(statement, 2);
        counts->copies = (uint64_t)sqlite3_column_int64(statement, 3);
        counts->revoked = (uint64_t)sqlite3_column_int64(statement, 4);
        counts->events = (uint64_t)sqlite3_column_int64(statement, 5);
        counts->batches = (uint64_t)sqlite3_column_int64(statement, 6);
        rc = SQLITE_OK;
    } else {
        rc = sqlite3_reset(statement);
    }
    sqlite3_finalize(statement);
    return rc == SQLITE_OK ? VB_OK : register_db_fail(db, path, rc, err);
}

static vb_status register_copy_to_new_file(sqlite3 *source, const char *source_path, const char *dest_path,
                                           const char *journal_mode_sql, vb_register_counts *counts, vb_error *err)
{
    char temporary[4096];
    if (snprintf(temporary, sizeof temporary, "%s.tmp-XXXXXX", dest_path) >= (int)sizeof temporary)
        return vb_fail(err, VB_ERR_ARGUMENT, "%s: path too long", dest_path);
    if (access(dest_path, F_OK) == 0)
        return vb_fail(err, VB_ERR_IO, "%s exists; refusing to replace it", dest_path);
    int fd = mkstemp(temporary);
    if (fd < 0)
        return vb_fail(err, VB_ERR_IO, "cannot create %s: %s", temporary, strerror(errno));
    (void)fchmod(fd, 0600);
    close(fd);

    sqlite3 *dest = NULL;
    vb_status s = VB_OK;
    int rc = sqlite3_open_v2(temporary, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc != SQLITE_OK)
        s = register_db_fail(dest, temporary, rc, err);
    if (s == VB_OK) {
        sqlite3_busy_timeout(dest, VB_REGISTER_BUSY_TIMEOUT_MS);
        s = register_copy(dest, temporary, source, source_path, err);
    }
    if (s == VB_OK)
        s = register_exec(dest, temporary, journal_mode_sql, err);
    if (s == VB_OK)
        s = register_integrity(dest, temporary, err);
    if (s == VB_OK && counts)
        s = register_counts_of(dest, temporary, counts, err);
    if (sqlite3_close(dest) != SQLITE_OK && s == VB_OK)
        s = vb_fail(err, VB_ERR_IO, "%s: cannot close", temporary);
    if (s == VB_OK) {
        /* SQLite synced the file at each commit; the name is made durable below. */
        if (link(temporary, dest_path) != 0)
            s = vb_fail(err, VB_ERR_IO, "cannot create %s: %s", dest_path, strerror(errno));
    }
    unlink(temporary);
    char side[4200];
    snprintf(side, sizeof side, "%s-wal", temporary);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", temporary);
    unlink(side);
    if (s == VB_OK)
        sync_directory_of(dest_path);
    return s;
}

vb_status vb_register_backup(const char *source_path, const char *dest_path, vb_register_counts *counts,
                             vb_error *err)
{
    vb_register *reg;
    vb_status s = vb_register_open(source_path, &reg, err);
    if (s != VB_OK)
        return s;
    s = register_copy_to_new_file(reg->db, source_path, dest_path, "PRAGMA journal_mode = DELETE", counts, err);
    vb_register_close(reg);
    return s;
}

static vb_status register_open_readonly(const char *path, sqlite3 **out, vb_error *err)
{
    sqlite3 *db = NULL;
    struct stat info;
    if (stat(path, &info) != 0)
        return vb_fail(err, VB_ERR_IO, "%s: %s", path, strerror(errno));
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc != SQLITE_OK) {
        vb_status s = register_db_fail(db, path, rc, err);
        sqlite3_close(db);
        return s;
    }
    sqlite3_busy_timeout(db, VB_REGISTER_BUSY_TIMEOUT_MS);
    *out = db;
    return VB_OK;
}

vb_status vb_register_check_file(const char *path, vb_error *err)
{
    sqlite3 *db;
    int64_t version = 0, application = 0;
    vb_status s = register_open_readonly(path, &db, err);
    if (s != VB_OK)
        return s;
    s = register_pragma_integer(db, path, "PRAGMA application_id", &application, err);
    if (s != VB_OK && err && strstr(err->message, "file is not a database"))
        s = vb_fail(err, VB_ERR_REGISTER, "%s: not a vanbang register (not an SQLite database)", path);
    if (s == VB_OK)
        s = register_pragma_integer(db, path, "PRAGMA user_version", &version, err);
    if (s == VB_OK && (application != VB_REGISTER_APPLICATION_ID || version < 1))
        s = vb_fail(err, VB_ERR_REGISTER, "%s: not a vanbang register", path);
    if (s == VB_OK && version > VB_REGISTER_SCHEMA_VERSION)
        s = vb_fail(err, VB_ERR_REGISTER, "%s: schema version %lld is newer than this program's %d", path,
                    (long long)version, VB_REGISTER_SCHEMA_VERSION);
    if (s == VB_OK)
        s = register_integrity(db, path, err);
    sqlite3_close(db);
    return s;
}

vb_status vb_register_restore(const char *backup_path, const char *dest_path, bool replace, vb_error *err)
{
    sqlite3 *source;
    vb_status s = vb_register_check_file(backup_path, err);
    if (s != VB_OK)
        return s;
    struct stat info;
    bool exists = lstat(dest_path, &info) == 0;
    if (exists && !replace)
        return vb_fail(err, VB_ERR_IO, "%s exists; refusing to overwrite a register (use --force to replace it)",
                       dest_path);
    if ((s = register_open_readonly(backup_path, &source, err)) != VB_OK)
        return s;
    if (!exists) {
        char side[4200];
        snprintf(side, sizeof side, "%s-wal", dest_path);
        /* A write-ahead log left without its database would be replayed into the new one. */
        if (access(side, F_OK) == 0)
            s = vb_fail(err, VB_ERR_IO, "%s exists without its register; move it away first", side);
        if (s == VB_OK)
            s = register_copy_to_new_file(source, backup_path, dest_path, "PRAGMA journal_mode = WAL", NULL, err);
    } else {
        /* Into the live register, through its own locks: other programs that hold it open see
         * the restored content at their next transaction. */
        sqlite3 *dest = NULL;
        if (!S_ISREG(info.st_mode))
            s = vb_fail(err, VB_ERR_IO, "%s: not a regular file", dest_path);
        if (s == VB_OK) {
            int rc = sqlite3_open_v2(dest_path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
            if (rc != SQLITE_OK)
                s = register_db_fail(dest, dest_path, rc, err);
        }
        if (s == VB_OK)
            s = register_configure(dest, dest_path, err);
        if (s == VB_OK)
            s = register_copy(dest, dest_path, source, backup_path, err);
        if (s == VB_OK)
            s = register_integrity(dest, dest_path, err);
        sqlite3_close(dest);
    }
    sqlite3_close(source);
    if (s == VB_OK) { /* upgrades an older backup, and proves the result opens as a register */
        vb_register *reg;
        if ((s = vb_register_open(dest_path, &reg, err)) == VB_OK)
            vb_register_close(reg);
    }
    return s;
}

/* ---------------------------------------------------------------- words */

static const struct {
    const char *name, *vietnamese, *english;
} revoke_reasons[VB_REVOKE_MAX + 1] = {
    [VB_REVOKE_FRAUD] = {"fraud", "gian lận", "fraud"},
    [VB_REVOKE_NOT_ELIGIBLE] = {"not-eligible", "cấp cho người không đủ điều kiện", "issued to someone not eligible"},
    [VB_REVOKE_NO_AUTHORITY] = {"no-authority", "cấp không đúng thẩm quyền", "issued without authority"},
    [VB_REVOKE_ALTERED] = {"altered", "bị tẩy xóa, sửa chữa", "erased or altered"},
    [VB_REVOKE_LENT] = {"lent", "cho người khác sử dụng", "lent to someone else"},
    [VB_REVOKE_ISSUER_ERROR] = {"issuer-error", "do sai sót của cơ quan cấp", "error of the issuer"},
};

static const char *const correct_reasons[VB_CORRECT_MAX + 1] = {
    [VB_CORRECT_CIVIL_STATUS] = "civil-status",
    [VB_CORRECT_SEX] = "sex",
    [VB_CORRECT_ETHNICITY] = "ethnicity",
    [VB_CORRECT_LATE_REGISTRATION] = "late-registration",
    [VB_CORRECT_ISSUER_ERROR] = "issuer-error",
};

const char *vb_register_revoke_reason_name(int reason)
{
    return reason >= 1 && reason <= VB_REVOKE_MAX ? revoke_reasons[reason].name : NULL;
}

int vb_register_revoke_reason_parse(const char *name)
{
    for (int i = 1; i <= VB_REVOKE_MAX; i++)
        if (strcmp(name, revoke_reasons[i].name) == 0)
            return i;
    return 0;
}

const char *vb_register_revoke_reason_text(int reason, bool english)
{
    if (reason < 1 || reason > VB_REVOKE_MAX)
        return NULL;
    return english ? revoke_reasons[reason].english : revoke_reasons[reason].vietnamese;
}

const char *vb_register_correct_reason_name(int reason)
{
    return reason >= 1 && reason <= VB_CORRECT_MAX ? correct_reasons[reason] : NULL;
}

int vb_register_correct_reason_parse(const char *name)
{
    for (int i = 1; i <= VB_CORRECT_MAX; i++)
        if (strcmp(name, correct_reasons[i]) == 0)
            return i;
    return 0;
}

const char *vb_register_event_kind_name(int kind)
{
    static const char *const names[] = {NULL, "issue", "revoke", "correct", "copy"};
    return kind >= 1 && kind <= VB_EVENT_MAX ? names[kind] : NULL;
}

const char *vb_register_state_name(int state)
{
    static const char *const names[] = {NULL, "in-force", "superseded", "revoked"};
    return state >= 1 && state <= 3 ? names[state] : NULL;
}

/* Folding, one character at a time. NFD is each character's full canonical decomposition followed
 * by the canonical reordering, and that reordering only moves characters of non-zero combining
 * class — every one of them a mark (category M), which the fold drops. So decomposing character
 * by character gives the fold of the NFD without building the normalized string (u8_normalize
 * allocates and reorders: most of the cost of a fold). tests/unit/test_register.c checks the two
 * against each other over every character of the first planes. */
typedef struct {
    char *out;
    size_t size, used;
    bool space_pending, ok;
} register_fold;

static void register_fold_character(register_fold *fold, ucs4_t c)
{
    ucs4_t parts[UC_DECOMPOSITION_MAX_LENGTH];
    int count = c < 0x80 ? -1 : uc_canonical_decomposition(c, parts);
    if (count > 0) {
        /* a decomposition may decompose again (ễ → ê + ◌̃ → e + ◌̂ + ◌̃): at most a few levels */
        for (int i = 0; i < count && fold->ok; i++)
            register_fold_character(fold, parts[i]);
        return;
    }
    if (c >= 0x80 && uc_is_general_category(c, UC_CATEGORY_M))
        return; /* the tone and vowel marks */
    if (c == ' ' || c == '\t' || c == 0x00A0) {
        fold->space_pending = fold->used > 0;
        return;
    }
    if (c == 0x0110 || c == 0x0111) /* Đ đ: a letter of its own, not a d with a mark */
        c = 'd';
    c = uc_tolower(c);
    uint8_t bytes[6];
    int encoded = u8_uctomb(bytes, c, sizeof bytes);
    if (encoded <= 0)
        return;
    if (fold->used + (fold->space_pending ? 1 : 0) + (size_t)encoded >= fold->size) {
        fold->ok = false;
        return;
    }
    if (fold->space_pending)
        fold->out[fold->used++] = ' ';
    fold->space_pending = false;
    memcpy(fold->out + fold->used, bytes, (size_t)encoded);
    fold->used += (size_t)encoded;
}

bool vb_register_fold_name(const char *text, char *out, size_t out_size)
{
    size_t length = strlen(text);
    if (out_size == 0 || u8_check((const uint8_t *)text, length) != NULL)
        return false;
    register_fold fold = {out, out_size, 0, false, true};
    for (size_t i = 0; i < length && fold.ok;) {
        ucs4_t c;
        int n = u8_mbtouc(&c, (const uint8_t *)text + i, length - i);
        i += (size_t)(n > 0 ? n : 1);
        register_fold_character(&fold, c);
    }
    out[fold.used] = '\0';
    return fold.ok;
}

vb_status vb_register_check_personal_id(const char *id, int32_t birth_date, int gender, vb_error *err)
{
    const char *what = "the personal identification number";
    size_t length = strlen(id);
    for (size_t i = 0; i < length; i++)
        if (id[i] < '0' || id[i] > '9')
            return vb_fail(err, VB_ERR_ARGUMENT, "%s holds a character other than a digit", what);
    if (length != 12)
        return vb_fail(err, VB_ERR_ARGUMENT, "%s has %zu digits; it must have 12", what, length);
    int province = (id[0] - '0') * 100 + (id[1] - '0') * 10 + (id[2] - '0');
    int century_gender = id[3] - '0';
    int year_digits = (id[4] - '0') * 10 + (id[5] - '0');
    if (province < 1 || province > 96)
        return vb_fail(err, VB_ERR_ARGUMENT, "%s: its province code (digits 1-3) is not between 001 and 096", what);
    int year, month, day;
    vb_civil_from_days(birth_date, &year, &month, &day);
    int century_start = 1900 + 100 * (century_gender / 2);
    if (year < century_start || year >= century_start + 100)
        return vb_fail(err, VB_ERR_ARGUMENT, "%s does not agree with the century of the date of birth (digit 4)", what);
    if (year_digits != year % 100)
        return vb_fail(err, VB_ERR_ARGUMENT, "%s does not agree with the year of birth (digits 5-6)", what);
    if (gender != VB_GENDER_NONE && (century_gender % 2 == 1) != (gender == VB_GENDER_FEMALE))
        return vb_fail(err, VB_ERR_ARGUMENT, "%s does not agree with the gender (digit 4)", what);
    return VB_OK;
}

/* ---------------------------------------------------------------- auditing the log, status lists */

/* Events in sequence order with the credential row each names: what `log verify` needs to
 * rebuild each leaf from the columns rather than trust the stored entry, and what the upload to
 * the national portal sends (the same derivation, so what the portal accepted is what `log
 * verify` rebuilds). Columns 0-15 are read by register_read_event_row. */
#define EVENT_ROW_SELECT                                                                                       \
    "SELECT e.sequence, e.kind, e.record_id, e.time, e.actor, e.reason, e.decision_number, e.decision_date,"  \
    " e.batch_id, e.entry, e.original_id, c.record_id IS NOT NULL, c.kind, c.supersedes, c.serial, c.record"
static const char event_row_sql[] =
    EVENT_ROW_SELECT " FROM events e LEFT JOIN credentials c ON c.record_id = e.record_id ORDER BY e.sequence";
/* Column 16: the personal identification number, only beside the issue of an original. */
static const char upload_row_sql[] =
    EVENT_ROW_SELECT ", CASE WHEN e.kind = 1 AND c.kind = 1 THEN c.personal_id END"
    " FROM events e LEFT JOIN credentials c ON c.record_id = e.record_id WHERE e.sequence >= ?1 ORDER BY e.sequence";

/* One event as its row says (vb_register_event_row): the event's columns, with the record digest
 * computed from the signed record of the credential row it names and `supersedes` from that
 * row. Pointers into the statement's current row stay valid until the next step. */
static void register_read_event_row(vb_register *reg, sqlite3_stmt *statement, vb_register_event_row *row)
{
    vb_register_event *e = &row->event;
    memset(row, 0, sizeof *row);
    e->sequence = (uint64_t)sqlite3_column_int64(statement, 0);
    e->kind = sqlite3_column_int(statement, 1);
    e->record_id = (uint64_t)sqlite3_column_int64(statement, 2);
    e->time = sqlite3_column_int64(statement, 3);
    copy_column_text(statement, 4, e->actor, sizeof e->actor);
    e->reason = sqlite3_column_int(statement, 5);
    copy_column_text(statement, 6, e->decision_number, sizeof e->decision_number);
    e->has_decision_date = sqlite3_column_type(statement, 7) != SQLITE_NULL;
    e->decision_date = sqlite3_column_int(statement, 7);
    e->batch_id = (uint64_t)sqlite3_column_int64(statement, 8);
    snprintf(e->school_code, sizeof e->school_code, "%s", reg->school_code);
    row->entry = sqlite3_column_blob(statement, 9);
    int entry_length = sqlite3_column_bytes(statement, 9);
    row->entry_length = entry_length > 0 ? (size_t)entry_length : 0;
    row->original_id = (uint64_t)sqlite3_column_int64(statement, 10);
    row->record_found = sqlite3_column_int(statement, 11) != 0;
    row->record_kind = sqlite3_column_int(statement, 12);
    copy_column_text(statement, 14, row->serial, sizeof row->serial);
    /* What the entry says of the record, as the record's own row says it. */
    if (row->record_found && e->kind != VB_EVENT_REVOKE) {
        const void *record = sqlite3_column_blob(statement, 15);
        int record_length = sqlite3_column_bytes(statement, 15);
        e->has_record_digest = true;
        if (!register_record_digest(record, record_length > 0 ? (size_t)record_length : 0, e->record_digest))
            memset(e->record_digest, 0, sizeof e->record_digest); /* OpenSSL failed: no entry will match */
    }
    if (row->record_found && e->kind == VB_EVENT_CORRECT)
        e->supersedes = (uint64_t)sqlite3_column_int64(statement, 13);
}

vb_status vb_register_each_event_row(vb_register *reg, vb_register_event_row_visitor visit, void *context,
                                     vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int rc = sqlite3_prepare_v2(reg->db, event_row_sql, -1, &statement, NULL);
    if (rc != SQLITE_OK)
        return register_fail(reg, rc, err);
    vb_status s = VB_OK;
    vb_register_event_row *row = malloc(sizeof *row);
    if (!row) {
        sqlite3_finalize(statement);
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    }
    while (s == VB_OK && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
        register_read_event_row(reg, statement, row);
        s = visit(context, row, err);
    }
    if (s == VB_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        s = register_fail(reg, sqlite3_reset(statement), err);
    sqlite3_finalize(statement);
    free(row);
    return s;
}

vb_status vb_register_each_upload_row(vb_register *reg, uint64_t from_sequence, vb_register_upload_row_visitor visit,
                                      void *context, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    if (from_sequence > (uint64_t)INT64_MAX)
        return VB_OK; /* no event has such a number */
    int rc = sqlite3_prepare_v2(reg->db, upload_row_sql, -1, &statement, NULL);
    if (rc != SQLITE_OK)
        return register_fail(reg, rc, err);
    sqlite3_bind_int64(statement, 1, (sqlite3_int64)from_sequence);
    vb_status s = VB_OK;
    vb_register_upload_row *upload = malloc(sizeof *upload);
    if (!upload) {
        sqlite3_finalize(statement);
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    }
    while (s == VB_OK && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
        vb_register_event_row *row = &upload->row;
        register_read_event_row(reg, statement, row);
        upload->entry_length = 0;
        upload->record = NULL;
        upload->record_length = 0;
        upload->personal_id[0] = '\0';
        s = vb_register_event_encode(&row->event, upload->entry, sizeof upload->entry, &upload->entry_length, err);
        if (s != VB_OK) {
            char why[sizeof err->message];
            snprintf(why, sizeof why, "%s", err ? err->message : "");
            s = vb_fail(err, VB_ERR_REGISTER, "%s: event %llu: its row cannot be encoded as a log entry (%s); run "
                                              "'vanbang-issue log verify'",
                        reg->path, (unsigned long long)row->event.sequence, why);
            break;
        }
        if (row->record_found && row->event.kind != VB_EVENT_REVOKE) {
            upload->record = sqlite3_column_blob(statement, 15);
            int length = sqlite3_column_bytes(statement, 15);
            upload->record_length = length > 0 ? (size_t)length : 0;
            if (!upload->record_length)
                upload->record = NULL;
        }
        /* The one place this module hands out the personal identification number: the national
         * database is keyed by it (register.h). The schema's CHECK keeps it 12 digits. */
        if (sqlite3_column_type(statement, 16) == SQLITE_TEXT && sqlite3_column_bytes(statement, 16) == 12)
            copy_column_text(statement, 16, upload->personal_id, sizeof upload->personal_id);
        s = visit(context, upload, err);
    }
    if (s == VB_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        s = register_fail(reg, sqlite3_reset(statement), err);
    sqlite3_finalize(statement);
    OPENSSL_cleanse(upload, sizeof *upload); /* it held a personal identification number */
    free(upload);
    return s;
}

vb_status vb_register_each_checkpoint(vb_register *reg, vb_register_checkpoint_visitor visit, void *context,
                                      vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int rc = sqlite3_prepare_v2(reg->db,
                                "SELECT checkpoint_id, size, root, time, signed FROM checkpoints ORDER BY checkpoint_id",
                                -1, &statement, NULL);
    if (rc != SQLITE_OK)
        return register_fail(reg, rc, err);
    vb_status s = VB_OK;
    vb_register_checkpoint_row row;
    while (s == VB_OK && (rc = sqlite3_step(statement)) == SQLITE_ROW) {
        memset(&row, 0, sizeof row);
        row.checkpoint_id = (uint64_t)sqlite3_column_int64(statement, 0);
        row.size = (uint64_t)sqlite3_column_int64(statement, 1);
        row.root_valid = sqlite3_column_bytes(statement, 2) == VB_LOG_HASH_BYTES;
        if (row.root_valid)
            memcpy(row.root, sqlite3_column_blob(statement, 2), VB_LOG_HASH_BYTES);
        row.time = sqlite3_column_int64(statement, 3);
        row.signed_data = sqlite3_column_blob(statement, 4);
        int length = sqlite3_column_bytes(statement, 4);
        row.signed_length = length > 0 ? (size_t)length : 0;
        s = visit(context, &row, err);
    }
    if (s == VB_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        s = register_fail(reg, sqlite3_reset(statement), err);
    sqlite3_finalize(statement);
    return s;
}

vb_status vb_register_log_node_count(vb_register *reg, uint64_t *count, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    int64_t value = 0;
    int rc = sqlite3_prepare_v2(reg->db, "SELECT count(*) FROM log_nodes", -1, &statement, NULL);
    if (rc != SQLITE_OK)
        return register_fail(reg, rc, err);
    vb_status s = register_integer(reg, statement, &value, NULL, err);
    sqlite3_finalize(statement);
    *count = (uint64_t)value;
    return s;
}

#define STATUS_SEQUENCE_SETTING "status_sequence"

vb_status vb_register_status_sequence(vb_register *reg, uint64_t *last, vb_error *err)
{
    char text[32];
    bool found;
    unsigned long long value = 0;
    char *end = NULL;
    vb_status s = vb_register_setting(reg, STATUS_SEQUENCE_SETTING, text, sizeof text, &found, err);
    *last = 0;
    if (s != VB_OK || !found)
        return s;
    errno = 0;
    value = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] < '0' || text[0] > '9')
        return vb_fail(err, VB_ERR_REGISTER, "%s: setting %s holds '%s', not a number", reg->path,
                       STATUS_SEQUENCE_SETTING, text);
    *last = (uint64_t)value;
    return VB_OK;
}

vb_status vb_register_take_status_sequence(vb_register *reg, uint64_t after, uint64_t *sequence, vb_error *err)
{
    bool own;
    uint64_t last = 0;
    char text[32];
    vb_status s = register_own_transaction_begin(reg, &own, err);
    if (s == VB_OK)
        s = vb_register_status_sequence(reg, &last, err);
    if (s == VB_OK && after > last)
        last = after;
    if (s == VB_OK && last >= (uint64_t)INT64_MAX)
        s = vb_fail(err, VB_ERR_REGISTER, "%s: the status list sequence is exhausted", reg->path);
    if (s == VB_OK) {
        snprintf(text, sizeof text, "%llu", (unsigned long long)(last + 1));
        s = vb_register_set_setting(reg, STATUS_SEQUENCE_SETTING, text, err);
    }
    if (s == VB_OK)
        *sequence = last + 1;
    return register_own_transaction_end(reg, own, s, err);
}

/* ---------------------------------------------------------------- the upload cursor */

#define UPLOAD_CURSOR_PREFIX "upload_cursor:"

static vb_status upload_cursor_name(vb_register *reg, const char *portal, char *name, size_t name_size, vb_error *err)
{
    if (!portal || !portal[0])
        return vb_fail(err, VB_ERR_ARGUMENT, "no portal named for the upload cursor");
    int length = snprintf(name, name_size, UPLOAD_CURSOR_PREFIX "%s", portal);
    if (length < 0 || (size_t)length >= name_size)
        return vb_fail(err, VB_ERR_ARGUMENT, "%s: the portal address is too long for an upload cursor", reg->path);
    return VB_OK;
}

vb_status vb_register_upload_cursor(vb_register *reg, const char *portal, uint64_t *sequence, vb_error *err)
{
    char name[VB_REGISTER_UPLOAD_PORTAL_BYTES + sizeof UPLOAD_CURSOR_PREFIX], text[32];
    bool found = false;
    char *end = NULL;
    *sequence = 0;
    vb_status s = upload_cursor_name(reg, portal, name, sizeof name, err);
    if (s == VB_OK)
        s = vb_register_setting(reg, name, text, sizeof text, &found, err);
    if (s != VB_OK || !found)
        return s;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] < '0' || text[0] > '9' || value > (unsigned long long)INT64_MAX)
        return vb_fail(err, VB_ERR_REGISTER, "%s: setting %s holds '%s', not a number", reg->path, name, text);
    *sequence = (uint64_t)value;
    return VB_OK;
}

vb_status vb_register_set_upload_cursor(vb_register *reg, const char *portal, uint64_t sequence, vb_error *err)
{
    char name[VB_REGISTER_UPLOAD_PORTAL_BYTES + sizeof UPLOAD_CURSOR_PREFIX], text[32];
    bool own;
    if (sequence > (uint64_t)INT64_MAX)
        return vb_fail(err, VB_ERR_ARGUMENT, "upload cursor %llu is out of range", (unsigned long long)sequence);
    vb_status s = upload_cursor_name(reg, portal, name, sizeof name, err);
    if (s != VB_OK)
        return s;
    snprintf(text, sizeof text, "%llu", (unsigned long long)sequence);
    /* Its own small transaction (or the caller's): the cursor is written once a portal answered. */
    if ((s = register_own_transaction_begin(reg, &own, err)) != VB_OK)
        return s;
    s = vb_register_set_setting(reg, name, text, err);
    return register_own_transaction_end(reg, own, s, err);
}
