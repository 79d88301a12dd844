/*
 * test_register.c — unit tests of the school's register (libvanbang/register.c) on SQLite files
 * on disk: creation and the connection settings, refusal of files that are not registers or are
 * newer, migrations through several versions in one transaction (and none of a failed one), the
 * append-only triggers, register numbers consecutive across batches and untouched by a rolled
 * back one, record ids and event numbers in sequence, the derived state through corrections,
 * copies and revocation with every refusal the rules ask, duplicate graduates, the event entry
 * encoding, the log root against a rebuild from the entries, appends prepared apart (on another
 * thread, in `issue`) leaving the same rows, entries and log nodes as appends one by one, backup
 * and restore, name folding (against the NFD of the whole text) and the personal identification
 * number rule.
 *
 * Records here are stand-in bytes: the register stores records, it does not verify them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "log.h"
#include "register.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistd.h>
#include <unistr.h>

#define TEST_SCHOOL "CDNHN01"
#define TEST_NOW 1782777600 /* 2026-06-30 */
#define TEST_PERSONAL_ID "001095179594" /* male, born 1995 in province 001 */

typedef struct {
    char directory[256];
    char path[300];
    vb_register *reg;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    vb_error err = {0};
    snprintf(f->directory, sizeof f->directory, "/tmp/test_register.XXXXXX");
    assert_non_null(mkdtemp(f->directory));
    snprintf(f->path, sizeof f->path, "%s/register.db", f->directory);
    assert_int_equal(vb_register_create(f->path, TEST_SCHOOL, "Trường Cao đẳng Nghề Hà Nội", TEST_NOW, &err), VB_OK);
    assert_int_equal(vb_register_open(f->path, &f->reg, &err), VB_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char command[400];
    vb_register_close(f->reg);
    snprintf(command, sizeof command, "rm -rf '%s'", f->directory);
    assert_int_equal(system(command), 0);
    free(f);
    return 0;
}

static int64_t query_integer(vb_register *reg, const char *sql)
{
    sqlite3_stmt *statement;
    assert_int_equal(sqlite3_prepare_v2(vb_register_db(reg), sql, -1, &statement, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    int64_t value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
}

static const char *query_text(vb_register *reg, const char *sql, char *out, size_t out_size)
{
    sqlite3_stmt *statement;
    assert_int_equal(sqlite3_prepare_v2(vb_register_db(reg), sql, -1, &statement, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    snprintf(out, out_size, "%s", (const char *)sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return out;
}

/* Runs sql, which must fail with a message containing `expected`. */
static void refused(vb_register *reg, const char *sql, const char *expected)
{
    char *message = NULL;
    int rc = sqlite3_exec(vb_register_db(reg), sql, NULL, NULL, &message);
    if (rc == SQLITE_OK)
        fail_msg("'%s' was accepted", sql);
    if (!message || !strstr(message, expected))
        fail_msg("'%s' failed with '%s', not '%s'", sql, message ? message : "(none)", expected);
    sqlite3_free(message);
}

/* Runs sql inside a write transaction of the register: the commit must refuse it with a message
 * containing `expected`, and leave nothing of it. */
static void refused_at_commit(vb_register *reg, const char *sql, const char *expected)
{
    vb_error err = {0};
    char *message = NULL;
    assert_int_equal(vb_register_begin(reg, &err), VB_OK);
    if (sqlite3_exec(vb_register_db(reg), sql, NULL, NULL, &message) != SQLITE_OK)
        fail_msg("'%s' failed at once with '%s'", sql, message ? message : "(none)");
    if (vb_register_commit(reg, &err) == VB_OK)
        fail_msg("'%s' was committed", sql);
    if (err.code != VB_ERR_REGISTER_REFUSED || !strstr(err.message, expected))
        fail_msg("'%s' failed with '%s', not '%s'", sql, err.message, expected);
    assert_true(sqlite3_get_autocommit(vb_register_db(reg)));
}

/* A credential as the issuer fills it, with stand-in fields. */
static void make_credential(vb_credential *c, uint64_t record_id, int type, int year, uint32_t number,
                            const char *name, int32_t birth_date)
{
    memset(c, 0, sizeof *c);
    snprintf(c->school_code, sizeof c->school_code, TEST_SCHOOL);
    c->signed_at = TEST_NOW;
    c->record_id_length = vb_register_record_id_bytes(record_id, c->record_id);
    c->type = type;
    snprintf(c->serial, sizeof c->serial, "%04d%06u-%d", year, number, type);
    c->register_number = number;
    c->register_year = (uint16_t)year;
    snprintf(c->name, sizeof c->name, "%s", name);
    c->birth_date = birth_date;
    c->gender = VB_GENDER_MALE;
    snprintf(c->program_code, sizeof c->program_code, "6480201");
    snprintf(c->program_name, sizeof c->program_name, "Công nghệ thông tin");
    c->issue_date = vb_days_from_civil(year, 6, 30);
    snprintf(c->issue_place, sizeof c->issue_place, "Hà Nội");
    c->kind = VB_KIND_ORIGINAL;
}

static uint64_t add_batch(vb_register *reg, uint8_t token_byte, uint64_t count)
{
    uint8_t token[16];
    uint64_t batch_id = 0;
    vb_error err = {0};
    memset(token, token_byte, sizeof token);
    vb_register_batch batch = {"roster.csv", NULL, VB_TYPE_COLLEGE, vb_days_from_civil(2026, 6, 30), count, token,
                               "registrar", TEST_NOW};
    assert_int_equal(vb_register_add_batch(reg, &batch, &batch_id, &err), VB_OK);
    return batch_id;
}

/* Issues one original the way the issuer does: next record id, next number, append. */
static uint64_t issue_one(vb_register *reg, uint64_t batch_id, int type, int year, const char *name,
                          int32_t birth_date, const char *personal_id)
{
    vb_credential c;
    uint64_t record_id;
    uint32_t number;
    vb_error err = {0};
    uint8_t record[40];
    assert_int_equal(vb_register_next_record_id(reg, &record_id, &err), VB_OK);
    assert_int_equal(vb_register_next_register_number(reg, type, year, &number, &err), VB_OK);
    make_credential(&c, record_id, type, year, number, name, birth_date);
    memset(record, (int)record_id, sizeof record);
    vb_register_append append = {&c, record, sizeof record, 0, personal_id, "746/QĐ-CĐN", true,
                                 vb_days_from_civil(year, 6, 12), 0, batch_id, "registrar", TEST_NOW};
    vb_status s = vb_register_append_record(reg, &append, NULL, &err);
    if (s != VB_OK)
        fail_msg("append: %s", err.message);
    return record_id;
}

/* A correction (kind 2) or copy (kind 3) of `base`, with a new name for a correction. */
static vb_status derive(vb_register *reg, uint64_t base_id, int kind, const char *new_name, uint32_t copy_number,
                        uint64_t *record_id, vb_error *err)
{
    vb_register_record *base = malloc(sizeof *base);
    bool found;
    assert_int_equal(vb_register_load(reg, base_id, base, &found, err), VB_OK);
    assert_true(found);
    vb_credential c = base->credential;
    free(base);
    assert_int_equal(vb_register_next_record_id(reg, record_id, err), VB_OK);
    c.record_id_length = vb_register_record_id_bytes(*record_id, c.record_id);
    c.kind = kind;
    c.supersedes_length = 0;
    if (kind == VB_KIND_CORRECTION) {
        c.supersedes_length = vb_register_record_id_bytes(base_id, c.supersedes);
        snprintf(c.name, sizeof c.name, "%s", new_name);
    } else {
        c.copy_number = copy_number;
    }
    uint8_t record[40];
    memset(record, 0xC0 + (int)*record_id, sizeof record);
    vb_register_append append = {&c, record, sizeof record, kind == VB_KIND_COPY ? base_id : 0, NULL,
                                 kind == VB_KIND_CORRECTION ? "12/QĐ-CĐN" : NULL, false, 0,
                                 kind == VB_KIND_CORRECTION ? VB_CORRECT_CIVIL_STATUS : 0, 0, "registrar",
                                 TEST_NOW + 100};
    return vb_register_append_record(reg, &append, NULL, err);
}

static vb_register_record *load(vb_register *reg, uint64_t record_id)
{
    static vb_register_record record;
    bool found;
    vb_error err = {0};
    assert_int_equal(vb_register_load(reg, record_id, &record, &found, &err), VB_OK);
    assert_true(found);
    return &record;
}

/* ---------------------------------------------------------------- files and settings */

static void test_create_and_settings(void **state)
{
    fixture *f = *state;
    struct stat info;
    char text[64], code[40], name[256];
    vb_error err = {0};

    assert_int_equal(stat(f->path, &info), 0);
    assert_int_equal(info.st_mode & 0777, 0600);
    assert_int_equal(query_integer(f->reg, "PRAGMA user_version"), VB_REGISTER_SCHEMA_VERSION);
    assert_int_equal(query_integer(f->reg, "PRAGMA application_id"), VB_REGISTER_APPLICATION_ID);
    assert_int_equal(query_integer(f->reg, "PRAGMA foreign_keys"), 1);
    assert_int_equal(query_integer(f->reg, "PRAGMA synchronous"), 2); /* FULL */
    assert_string_equal(query_text(f->reg, "PRAGMA journal_mode", text, sizeof text), "wal");
    assert_int_equal(vb_register_school(f->reg, code, sizeof code, name, sizeof name, &err), VB_OK);
    assert_string_equal(code, TEST_SCHOOL);
    assert_string_equal(name, "Trường Cao đẳng Nghề Hà Nội");

    /* A register is never overwritten. */
    assert_int_equal(vb_register_create(f->path, "OTHER", "x", TEST_NOW, &err), VB_ERR_IO);
    assert_non_null(strstr(err.message, "never overwritten"));

    char pattern[256];
    assert_int_equal(vb_register_serial_pattern(f->reg, VB_TYPE_COLLEGE, pattern, sizeof pattern, &err), VB_OK);
    assert_string_equal(pattern, VB_REGISTER_DEFAULT_SERIAL_PATTERN);
    assert_int_equal(vb_register_set_serial_pattern(f->reg, VB_TYPE_COLLEGE, "CD{YYYY}{N:5}", &err), VB_OK);
    assert_int_equal(vb_register_serial_pattern(f->reg, VB_TYPE_COLLEGE, pattern, sizeof pattern, &err), VB_OK);
    assert_string_equal(pattern, "CD{YYYY}{N:5}");
    bool found;
    assert_int_equal(vb_register_setting(f->reg, "base_url", text, sizeof text, &found, &err), VB_OK);
    assert_false(found);
    assert_int_equal(vb_register_set_setting(f->reg, "base_url", "https://x.vn/V/", &err), VB_OK);
    assert_int_equal(vb_register_setting(f->reg, "base_url", text, sizeof text, &found, &err), VB_OK);
    assert_true(found);
    assert_string_equal(text, "https://x.vn/V/");
}

static void test_refuses_other_files(void **state)
{
    fixture *f = *state;
    char path[400];
    vb_register *reg = NULL;
    vb_error err = {0};
    sqlite3 *db;

    snprintf(path, sizeof path, "%s/missing.db", f->directory);
    assert_int_equal(vb_register_open(path, &reg, &err), VB_ERR_IO);
    assert_non_null(strstr(err.message, "vanbang-issue init"));

    snprintf(path, sizeof path, "%s/text.db", f->directory);
    FILE *file = fopen(path, "w");
    fputs("this is not a database, but it is long enough to look like a file header........\n", file);
    fclose(file);
    assert_int_equal(vb_register_open(path, &reg, &err), VB_ERR_REGISTER);
    assert_non_null(strstr(err.message, "not a vanbang register"));

    snprintf(path, sizeof path, "%s/other.db", f->directory);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x); PRAGMA user_version = 1", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(vb_register_open(path, &reg, &err), VB_ERR_REGISTER);
    assert_non_null(strstr(err.message, "not a vanbang register"));

    snprintf(path, sizeof path, "%s/other0.db", f->directory);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(vb_register_open(path, &reg, &err), VB_ERR_REGISTER);

    /* A register from a newer program. */
    assert_int_equal(sqlite3_exec(vb_register_db(f->reg), "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(vb_register_open(f->path, &reg, &err), VB_ERR_REGISTER);
    assert_non_null(strstr(err.message, "newer"));
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", VB_REGISTER_SCHEMA_VERSION);
    assert_int_equal(sqlite3_exec(vb_register_db(f->reg), pragma, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(vb_register_open(f->path, &reg, &err), VB_OK);
    vb_register_close(reg);
}

/* An older register goes through every later step in one transaction; a failing step leaves it
 * exactly as it was. Versions 3 and 4 here are test steps: the mechanism is what is tested. */
static void test_migrations(void **state)
{
    fixture *f = *state;
    size_t count;
    const char *const *real = vb_register_migrations(&count);
    assert_int_equal(count, VB_REGISTER_SCHEMA_VERSION);
    assert_int_equal(count, 2);
    const char *steps[5] = {real[0], real[1], "ALTER TABLE credentials ADD COLUMN note TEXT;"
                                              "CREATE TABLE notes (record_id INTEGER REFERENCES credentials (record_id));",
                            "CREATE TABLE v4_table (x); SELECT no_such_function();", NULL};
    vb_error err = {0};
    sqlite3 *db = vb_register_db(f->reg);

    issue_one(f->reg, add_batch(f->reg, 1, 1), VB_TYPE_COLLEGE, 2026, "Trần Đình Khải",
              vb_days_from_civil(1995, 11, 13), TEST_PERSONAL_ID);
    assert_int_equal(vb_register_migrate(db, steps, 3, &err), VB_OK);
    assert_int_equal(query_integer(f->reg, "PRAGMA user_version"), 3);
    assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM pragma_table_info('credentials') WHERE name = 'note'"), 1);
    assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM credentials"), 1);

    assert_int_not_equal(vb_register_migrate(db, steps, 4, &err), VB_OK);
    assert_non_null(strstr(err.message, "schema version 4"));
    assert_int_equal(query_integer(f->reg, "PRAGMA user_version"), 3);
    assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM sqlite_schema WHERE name = 'v4_table'"), 0);
    assert_true(sqlite3_get_autocommit(db));

    /* From an empty file, all steps at once. */
    char path[400];
    sqlite3 *fresh;
    snprintf(path, sizeof path, "%s/fresh.db", f->directory);
    assert_int_equal(sqlite3_open(path, &fresh), SQLITE_OK);
    assert_int_equal(vb_register_migrate(fresh, steps, 3, &err), VB_OK);
    sqlite3_stmt *statement;
    assert_int_equal(sqlite3_prepare_v2(fresh, "PRAGMA user_version", -1, &statement, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(statement, 0), 3);
    sqlite3_finalize(statement);
    sqlite3_close(fresh);

    /* This program refuses the version-3 register it does not know. */
    vb_register *reg;
    assert_int_equal(vb_register_open(f->path, &reg, &err), VB_ERR_REGISTER);
}

/* A version-1 register holding credentials (as the version-1 program wrote them, under its
 * per-row triggers) opens as version 2: the row triggers and the two unused indexes are gone,
 * UPDATE and DELETE still abort, and numbering, record ids and events go on from where they
 * were, checked at commit. */
static void test_migration_from_version_1(void **state)
{
    fixture *f = *state;
    size_t count;
    const char *const *real = vb_register_migrations(&count);
    vb_error err = {0};
    char path[400];
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/v1.db", f->directory);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(vb_register_migrate(db, real, 1, &err), VB_OK);
    /* What the version-1 program wrote for two graduates of one batch (its triggers moved the
     * counter and checked the sequences). */
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO school VALUES (1, 'CDNHN01', 'Trường', 1782777600);"
                     "INSERT INTO batches VALUES (1, zeroblob(16), 1782777600, 'registrar', 'roster.csv', NULL, 1,"
                     " 20634, 2);"
                     "INSERT INTO credentials (record_id, kind, original_id, batch_id, type, register_year,"
                     " register_number, serial, name, name_folded, birth_date, gender, program_code, program_name,"
                     " classification, training_mode, high_quality, issue_date, issue_place, record, signed_at,"
                     " issued_at, actor) VALUES"
                     " (1, 1, 1, 1, 1, 2026, 1, '2026000001-1', 'An', 'an', 9000, 1, '6480201', 'CNTT', 0, 0, 0,"
                     " 20634, 'Hà Nội', x'01', 1782777600, 1782777600, 'registrar'),"
                     " (2, 1, 2, 1, 1, 2026, 2, '2026000002-1', 'Bình', 'binh', 9001, 1, '6480201', 'CNTT', 0, 0,"
                     " 0, 20634, 'Hà Nội', x'02', 1782777600, 1782777600, 'registrar');"
                     "INSERT INTO events (sequence, kind, record_id, original_id, time, actor, batch_id, entry)"
                     " VALUES (1, 1, 1, 1, 1782777600, 'registrar', 1, x'a0'), (2, 1, 2, 2, 1782777600, 'registrar',"
                     " 1, x'a1');"
                     "INSERT INTO log_nodes VALUES (1, 0, zeroblob(32));",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_stmt *statement;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT last_number FROM counters WHERE type = 1 AND year = 2026", -1,
                                        &statement, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(statement, 0), 2); /* the version-1 trigger moved it */
    sqlite3_finalize(statement);
    sqlite3_close(db);

    vb_register *reg;
    assert_int_equal(vb_register_open(path, &reg, &err), VB_OK);
    assert_int_equal(query_integer(reg, "PRAGMA user_version"), 2);
    assert_int_equal(query_integer(reg, "SELECT count(*) FROM sqlite_schema WHERE name IN ('credentials_in_sequence',"
                                        " 'credentials_next_number', 'credentials_same_credential',"
                                        " 'credentials_number_taken', 'events_in_sequence',"
                                        " 'events_of_their_credential', 'credentials_by_batch',"
                                        " 'credentials_by_birth_date')"),
                     0);
    /* the same schema as a register created at version 2 */
    static char migrated[65536], created[65536];
    static const char schema_sql[] =
        "SELECT group_concat(type || ' ' || name || ': ' || sql, char(10)) FROM (SELECT type, name, sql"
        " FROM sqlite_schema ORDER BY type, name)";
    query_text(reg, schema_sql, migrated, sizeof migrated);
    query_text(f->reg, schema_sql, created, sizeof created);
    assert_true(strlen(created) < sizeof created - 1); /* whole, not cut */
    assert_string_equal(migrated, created);
    assert_non_null(strstr(migrated, "trigger events_never_deleted"));
    assert_int_equal(query_integer(reg, "SELECT count(*) FROM credentials"), 2);
    refused(reg, "UPDATE credentials SET name = 'X' WHERE record_id = 1", "append-only");
    refused(reg, "DELETE FROM events", "append-only");
    refused(reg, "UPDATE counters SET last_number = 3", "forward one number");

    /* Issuing goes on from the version-1 rows: the next record id, number and event. */
    uint32_t number;
    uint64_t sequence;
    assert_int_equal(vb_register_next_register_number(reg, VB_TYPE_COLLEGE, 2026, &number, &err), VB_OK);
    assert_int_equal(number, 3);
    assert_int_equal(vb_register_begin(reg, &err), VB_OK);
    uint64_t batch = add_batch(reg, 2, 2);
    assert_int_equal(batch, 2);
    assert_int_equal(issue_one(reg, batch, VB_TYPE_COLLEGE, 2026, "Châu", vb_days_from_civil(2001, 3, 4), NULL), 3);
    assert_int_equal(issue_one(reg, batch, VB_TYPE_COLLEGE, 2026, "Dũng", vb_days_from_civil(2001, 3, 5), NULL), 4);
    assert_int_equal(vb_register_commit(reg, &err), VB_OK);
    assert_int_equal(vb_register_event_count(reg, &sequence, &err), VB_OK);
    assert_int_equal(sequence, 4);
    assert_int_equal(query_integer(reg, "SELECT last_number FROM counters WHERE type = 1 AND year = 2026"), 4);
    assert_int_equal(query_integer(reg, "SELECT max(register_number) FROM credentials"), 4);
    vb_register_close(reg);
}

/* ---------------------------------------------------------------- append-only and sequences */

static void test_append_only(void **state)
{
    fixture *f = *state;
    uint64_t batch = add_batch(f->reg, 1, 2);
    issue_one(f->reg, batch, VB_TYPE_COLLEGE, 2026, "Trần Đình Khải", vb_days_from_civil(1995, 11, 13), NULL);
    issue_one(f->reg, batch, VB_TYPE_COLLEGE, 2026, "Nguyễn Hữu Lâm", vb_days_from_civil(2002, 2, 25), NULL);

    refused(f->reg, "UPDATE credentials SET name = 'X' WHERE record_id = 1", "append-only");
    refused(f->reg, "DELETE FROM credentials WHERE record_id = 2", "append-only");
    refused(f->reg, "DELETE FROM credentials", "append-only");
    refused(f->reg, "UPDATE events SET time = 0", "append-only");
    refused(f->reg, "DELETE FROM events", "append-only");
    refused(f->reg, "UPDATE batches SET record_count = 9", "append-only");
    refused(f->reg, "DELETE FROM batches", "append-only");
    refused(f->reg, "UPDATE school SET code = 'X'", "never changes");
    refused(f->reg, "DELETE FROM log_nodes", "append-only");
    refused(f->reg, "UPDATE counters SET last_number = 1", "forward one number");
    refused(f->reg, "UPDATE counters SET last_number = last_number + 5", "forward one number");
    refused(f->reg, "DELETE FROM counters", "never deleted");
    refused(f->reg, "UPDATE counters SET last_number = 3", "forward one number"); /* no original took 3 */
    /* Out-of-sequence rows, as a hand-typed INSERT would make them inside a transaction of the
     * register: the set-based check before COMMIT refuses the whole transaction. (Outside the
     * register's transactions no trigger stops them since version 2: `log verify` finds them.) */
    refused_at_commit(f->reg,
                      "INSERT INTO credentials SELECT 7, kind, 7, NULL, NULL, NULL, batch_id, type, register_year, 3,"
                      " 'S7', name, name_folded, birth_date, gender, program_code, program_name, classification,"
                      " training_mode, high_quality, issue_date, issue_place, graduation_decision,"
                      " graduation_decision_date, NULL, record, signed_at, issued_at, actor FROM credentials"
                      " WHERE record_id = 1",
                      "record ids run");
    refused_at_commit(f->reg,
                      "INSERT INTO credentials SELECT 3, kind, 3, NULL, NULL, NULL, batch_id, type, register_year, 9,"
                      " 'S9', name, name_folded, birth_date, gender, program_code, program_name, classification,"
                      " training_mode, high_quality, issue_date, issue_place, graduation_decision,"
                      " graduation_decision_date, NULL, record, signed_at, issued_at, actor FROM credentials"
                      " WHERE record_id = 1",
                      "next register number");
    /* Originals of two years in one transaction are checked year by year: the next number of
     * 2027 (1) does not excuse one out of turn in 2026. */
    refused_at_commit(f->reg,
                      "INSERT INTO credentials SELECT 3, kind, 3, NULL, NULL, NULL, batch_id, type, 2027, 1,"
                      " 'S27', name, name_folded, birth_date, gender, program_code, program_name, classification,"
                      " training_mode, high_quality, issue_date, issue_place, graduation_decision,"
                      " graduation_decision_date, NULL, record, signed_at, issued_at, actor FROM credentials"
                      " WHERE record_id = 1;"
                      "INSERT INTO credentials SELECT 4, kind, 4, NULL, NULL, NULL, batch_id, type, register_year, 9,"
                      " 'S9', name, name_folded, birth_date, gender, program_code, program_name, classification,"
                      " training_mode, high_quality, issue_date, issue_place, graduation_decision,"
                      " graduation_decision_date, NULL, record, signed_at, issued_at, actor FROM credentials"
                      " WHERE record_id = 1",
                      "next register number");
    /* a number taken twice within the transaction: the unique index, at once */
    refused(f->reg,
            "INSERT INTO credentials SELECT 3, kind, 3, NULL, NULL, NULL, batch_id, type, register_year, 2, 'S9',"
            " name, name_folded, birth_date, gender, program_code, program_name, classification, training_mode,"
            " high_quality, issue_date, issue_place, graduation_decision, graduation_decision_date, NULL, record,"
            " signed_at, issued_at, actor FROM credentials WHERE record_id = 1",
            "UNIQUE");
    refused_at_commit(f->reg, "INSERT INTO events SELECT 9, kind, record_id, original_id, time, actor, reason,"
                              " decision_number, decision_date, batch_id, entry FROM events WHERE sequence = 1",
                      "without gaps");
    refused_at_commit(f->reg, "INSERT INTO events SELECT 3, kind, 2, 1, time, actor, reason,"
                              " decision_number, decision_date, batch_id, entry FROM events WHERE sequence = 1",
                      "names the original");
    refused_at_commit(f->reg,
                      "INSERT INTO credentials SELECT 3, 3, 1, NULL, 1, 1, NULL, type, register_year, register_number,"
                      " 'OTHER', name, name_folded, birth_date, gender, program_code, program_name, classification,"
                      " training_mode, high_quality, issue_date, issue_place, graduation_decision,"
                      " graduation_decision_date, NULL, record, signed_at, issued_at, actor FROM credentials"
                      " WHERE record_id = 1",
                      "keeps the type, serial");
    /* Checked on the way, as at the commit. */
    {
        vb_error so_far = {0};
        assert_int_equal(vb_register_begin(f->reg, &so_far), VB_OK);
        assert_int_equal(sqlite3_exec(vb_register_db(f->reg),
                                      "INSERT INTO credentials SELECT 3, kind, 3, NULL, NULL, NULL, batch_id, type,"
                                      " register_year, 9, 'S9', name, name_folded, birth_date, gender, program_code,"
                                      " program_name, classification, training_mode, high_quality, issue_date,"
                                      " issue_place, graduation_decision, graduation_decision_date, NULL, record,"
                                      " signed_at, issued_at, actor FROM credentials WHERE record_id = 1",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        assert_int_equal(vb_register_check_so_far(f->reg, &so_far), VB_ERR_REGISTER_REFUSED);
        assert_non_null(strstr(so_far.message, "next register number"));
        vb_register_rollback(f->reg);
    }
    /* With the foreign keys off for a bulk batch, the check before COMMIT still refuses a row
     * that names a batch, or a corrected or copied record, the register does not hold. */
    {
        vb_error bulk = {0};
        assert_int_equal(vb_register_bulk_appends(f->reg, &bulk), VB_OK);
        assert_int_equal(query_integer(f->reg, "PRAGMA foreign_keys"), 0);
        refused_at_commit(f->reg,
                          "INSERT INTO credentials SELECT 3, kind, 3, NULL, NULL, NULL, 99, type, register_year, 3,"
                          " 'S3', name, name_folded, birth_date, gender, program_code, program_name, classification,"
                          " training_mode, high_quality, issue_date, issue_place, graduation_decision,"
                          " graduation_decision_date, NULL, record, signed_at, issued_at, actor FROM credentials"
                          " WHERE record_id = 1",
                          "is in the register");
        refused_at_commit(f->reg,
                          "INSERT INTO credentials SELECT 3, 2, 1, 77, NULL, NULL, NULL, type, register_year,"
                          " register_number, serial, name, name_folded, birth_date, gender, program_code, program_name,"
                          " classification, training_mode, high_quality, issue_date, issue_place, graduation_decision,"
                          " graduation_decision_date, NULL, record, signed_at, issued_at, actor FROM credentials"
                          " WHERE record_id = 1",
                          "is in the register");
        refused_at_commit(f->reg, "INSERT INTO events SELECT 3, kind, 2, 2, time, actor, reason,"
                                  " decision_number, decision_date, 42, entry FROM events WHERE sequence = 2",
                          "is in the register");
        refused_at_commit(f->reg, "INSERT INTO events SELECT 3, kind, 5, 5, time, actor, reason,"
                                  " decision_number, decision_date, batch_id, entry FROM events WHERE sequence = 2",
                          "names the original");
        assert_int_equal(vb_register_begin(f->reg, &bulk), VB_OK);
        assert_int_equal(vb_register_bulk_appends(f->reg, &bulk), VB_ERR_ARGUMENT); /* not inside one */
        vb_register_rollback(f->reg);
        assert_int_equal(sqlite3_exec(vb_register_db(f->reg), "PRAGMA foreign_keys = ON", NULL, NULL, NULL),
                         SQLITE_OK);
    }
    refused(f->reg, "INSERT INTO counters VALUES (1, 2026, 50)", "");
    assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM credentials"), 2);
    assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM events"), 2);
    assert_int_equal(query_integer(f->reg, "SELECT last_number FROM counters"), 2);

    /* The same through the API: a record id or a register number out of turn is refused at the
     * commit, and the transaction leaves nothing. */
    vb_error err = {0};
    vb_credential c;
    uint8_t record[40];
    memset(record, 9, sizeof record);
    for (int wrong = 0; wrong < 2; wrong++) {
        make_credential(&c, wrong == 0 ? 4 : 3, VB_TYPE_COLLEGE, 2026, wrong == 0 ? 3 : 5, "Lê Văn Tám",
                        vb_days_from_civil(2000, 1, 1));
        vb_register_append append = {&c, record, sizeof record, 0, NULL, NULL, false, 0, 0, batch, "registrar",
                                     TEST_NOW};
        assert_int_equal(vb_register_append_record(f->reg, &append, NULL, &err), VB_ERR_REGISTER_REFUSED);
        assert_non_null(strstr(err.message, wrong == 0 ? "record ids run" : "next register number"));
        assert_true(sqlite3_get_autocommit(vb_register_db(f->reg)));
    }
    assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM credentials"), 2);
    assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM events"), 2);
}

/* Numbers run 1, 2, 3 … per type and year; a rolled-back batch takes none. */
static void test_counters(void **state)
{
    fixture *f = *state;
    vb_error err = {0};
    uint32_t number;
    int32_t born = vb_days_from_civil(2000, 1, 1);
    char name[64];

    assert_int_equal(vb_register_begin(f->reg, &err), VB_OK);
    uint64_t batch = add_batch(f->reg, 1, 3);
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof name, "Người Thứ %c", 'A' + i);
        issue_one(f->reg, batch, VB_TYPE_COLLEGE, 2026, name, born, NULL);
    }
    assert_int_equal(vb_register_commit(f->reg, &err), VB_OK);

    /* A batch that fails half-way. */
    assert_int_equal(vb_register_begin(f->reg, &err), VB_OK);
    batch = add_batch(f->reg, 2, 5);
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "Người Lỡ %c", 'A' + i);
        issue_one(f->reg, batch, VB_TYPE_COLLEGE, 2026, name, born, NULL);
    }
    assert_int_equal(vb_register_next_register_number(f->reg, VB_TYPE_COLLEGE, 2026, &number, &err), VB_OK);
    assert_int_equal(number, 6);
    vb_register_rollback(f->reg);
    assert_int_equal(vb_register_next_register_number(f->reg, VB_TYPE_COLLEGE, 2026, &number, &err), VB_OK);
    assert_int_equal(number, 4);
    uint64_t token_batch;
    uint8_t token[16];
    memset(token, 2, sizeof token);
    assert_int_equal(vb_register_batch_by_token(f->reg, token, &token_batch, &err), VB_OK);
    assert_int_equal(token_batch, 0);

    assert_int_equal(vb_register_begin(f->reg, &err), VB_OK);
    batch = add_batch(f->reg, 3, 2);
    assert_int_equal(batch, 2);
    for (int i = 0; i < 2; i++) {
        snprintf(name, sizeof name, "Người Sau %c", 'A' + i);
        issue_one(f->reg, batch, VB_TYPE_COLLEGE, 2026, name, born, NULL);
    }
    /* The check before COMMIT, made on the way (as `issue` makes it every few thousand rows):
     * the counter moves on, and what follows is checked from there. */
    assert_int_equal(vb_register_check_so_far(f->reg, &err), VB_OK);
    assert_int_equal(query_integer(f->reg, "SELECT last_number FROM counters WHERE type = 1 AND year = 2026"), 5);
    /* Other types and years have their own numbering. */
    assert_int_equal(issue_one(f->reg, batch, VB_TYPE_INTERMEDIATE, 2026, "Trung Cấp", born, NULL), 6);
    issue_one(f->reg, batch, VB_TYPE_COLLEGE, 2027, "Năm Sau", born, NULL);
    assert_int_equal(vb_register_commit(f->reg, &err), VB_OK);

    char numbers[64];
    query_text(f->reg, "SELECT group_concat(register_number, ',') FROM (SELECT register_number FROM credentials"
                       " WHERE type = 1 AND register_year = 2026 ORDER BY 1)", numbers, sizeof numbers);
    assert_string_equal(numbers, "1,2,3,4,5");
    assert_int_equal(query_integer(f->reg, "SELECT register_number FROM credentials WHERE type = 2"), 1);
    assert_int_equal(query_integer(f->reg, "SELECT register_number FROM credentials WHERE register_year = 2027"), 1);
    query_text(f->reg, "SELECT group_concat(record_id, ',') FROM credentials", numbers, sizeof numbers);
    assert_string_equal(numbers, "1,2,3,4,5,6,7");
    query_text(f->reg, "SELECT group_concat(sequence, ',') FROM events", numbers, sizeof numbers);
    assert_string_equal(numbers, "1,2,3,4,5,6,7");

    /* A year's numbering may start elsewhere only before its first number. */
    assert_int_equal(vb_register_start_numbering(f->reg, VB_TYPE_ELEMENTARY, 2026, 537, &err), VB_OK);
    assert_int_equal(vb_register_next_register_number(f->reg, VB_TYPE_ELEMENTARY, 2026, &number, &err), VB_OK);
    assert_int_equal(number, 537);
    assert_int_equal(vb_register_start_numbering(f->reg, VB_TYPE_COLLEGE, 2026, 100, &err), VB_ERR_REGISTER_REFUSED);
    assert_int_equal(issue_one(f->reg, add_batch(f->reg, 4, 1), VB_TYPE_ELEMENTARY, 2026, "Sơ Cấp", born, NULL), 8);
    assert_int_equal(query_integer(f->reg, "SELECT register_number FROM credentials WHERE record_id = 8"), 537);
}

/* ---------------------------------------------------------------- the life of a credential */

static void test_state_derivation(void **state)
{
    fixture *f = *state;
    vb_error err = {0};
    uint64_t correction, copy, second_correction, copy2, unused, current;
    vb_register_record *r;

    uint64_t original = issue_one(f->reg, add_batch(f->reg, 1, 1), VB_TYPE_COLLEGE, 2026, "Trần Đình Khải",
                                  vb_days_from_civil(1995, 11, 13), TEST_PERSONAL_ID);
    r = load(f->reg, original);
    assert_int_equal(r->state, VB_STATE_IN_FORCE);
    assert_true(r->has_personal_id);
    assert_int_equal(r->original_id, original);

    assert_int_equal(derive(f->reg, original, VB_KIND_CORRECTION, "Trần Đình Khánh", 0, &correction, &err), VB_OK);
    r = load(f->reg, original);
    assert_int_equal(r->state, VB_STATE_SUPERSEDED);
    assert_int_equal(r->superseded_by, correction);
    r = load(f->reg, correction);
    assert_int_equal(r->state, VB_STATE_IN_FORCE);
    assert_int_equal(r->supersedes, original);
    assert_int_equal(r->original_id, original);
    assert_true(r->has_personal_id); /* carried from the record it corrects */
    assert_string_equal(r->graduation_decision, "746/QĐ-CĐN");
    assert_int_equal(r->credential.register_number, 1); /* same credential, same number */
    assert_int_equal(vb_register_current(f->reg, original, &current, &err), VB_OK);
    assert_int_equal(current, correction);

    /* Only the current record is corrected or copied. */
    assert_int_equal(derive(f->reg, original, VB_KIND_CORRECTION, "X", 0, &unused, &err), VB_ERR_REGISTER_REFUSED);
    assert_non_null(strstr(err.message, "superseded"));
    assert_int_equal(derive(f->reg, original, VB_KIND_COPY, NULL, 1, &unused, &err), VB_ERR_REGISTER_REFUSED);

    assert_int_equal(derive(f->reg, correction, VB_KIND_COPY, NULL, 2, &copy, &err), VB_ERR_REGISTER_REFUSED);
    assert_non_null(strstr(err.message, "next is copy 1"));
    assert_int_equal(derive(f->reg, correction, VB_KIND_COPY, NULL, 1, &copy, &err), VB_OK);
    r = load(f->reg, copy);
    assert_int_equal(r->state, VB_STATE_IN_FORCE);
    assert_int_equal(r->credential.copy_number, 1);
    assert_int_equal(r->copy_of, correction);
    assert_int_equal(derive(f->reg, copy, VB_KIND_CORRECTION, "Y", 0, &unused, &err), VB_ERR_REGISTER_REFUSED);
    assert_non_null(strstr(err.message, "is a copy"));

    /* A second correction supersedes the first, and the copy made of it. */
    assert_int_equal(derive(f->reg, correction, VB_KIND_CORRECTION, "Trần Đình Khang", 0, &second_correction, &err),
                     VB_OK);
    assert_int_equal(load(f->reg, correction)->superseded_by, second_correction);
    assert_int_equal(load(f->reg, copy)->state, VB_STATE_SUPERSEDED);
    assert_int_equal(load(f->reg, copy)->superseded_by, second_correction);
    assert_int_equal(derive(f->reg, second_correction, VB_KIND_COPY, NULL, 2, &copy2, &err), VB_OK);

    /* Revocation reaches every record of the credential, once. */
    uint64_t sequence;
    assert_int_equal(vb_register_revoke(f->reg, original, VB_REVOKE_FRAUD, "99/QĐ-CĐN", true,
                                        vb_days_from_civil(2026, 9, 1), "registrar", TEST_NOW + 200, &sequence, &err),
                     VB_OK);
    uint64_t records[] = {original, correction, copy, second_correction, copy2};
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        r = load(f->reg, records[i]);
        assert_int_equal(r->state, VB_STATE_REVOKED);
        assert_int_equal(r->revoke_reason, VB_REVOKE_FRAUD);
        assert_string_equal(r->revoke_decision, "99/QĐ-CĐN");
        assert_true(r->has_revoke_decision_date);
    }
    assert_int_equal(query_integer(f->reg, "SELECT record_id FROM events WHERE kind = 2"), second_correction);
    assert_int_equal(vb_register_revoke(f->reg, copy, VB_REVOKE_LENT, "100/QĐ", false, 0, "r", TEST_NOW, NULL, &err),
                     VB_ERR_REGISTER_REFUSED);
    assert_non_null(strstr(err.message, "already revoked"));
    assert_int_equal(derive(f->reg, second_correction, VB_KIND_CORRECTION, "Z", 0, &unused, &err),
                     VB_ERR_REGISTER_REFUSED);
    assert_non_null(strstr(err.message, "revoked"));
    assert_int_equal(derive(f->reg, second_correction, VB_KIND_COPY, NULL, 3, &unused, &err), VB_ERR_REGISTER_REFUSED);
    assert_int_equal(vb_register_revoke(f->reg, 999, VB_REVOKE_FRAUD, "1", false, 0, "r", TEST_NOW, NULL, &err),
                     VB_ERR_REGISTER_NOT_FOUND);
    assert_int_equal(vb_register_revoke(f->reg, original, VB_REVOKE_FRAUD, "", false, 0, "r", TEST_NOW, NULL, &err),
                     VB_ERR_REGISTER_REFUSED);

    vb_register_counts counts;
    assert_int_equal(vb_register_count(f->reg, &counts, &err), VB_OK);
    assert_int_equal(counts.records, 5);
    assert_int_equal(counts.originals, 1);
    assert_int_equal(counts.corrections, 2);
    assert_int_equal(counts.copies, 2);
    assert_int_equal(counts.revoked, 1);
    assert_int_equal(counts.events, 6);
}

static void test_duplicates(void **state)
{
    fixture *f = *state;
    vb_error err = {0};
    vb_register_match match;
    bool found;
    int32_t born = vb_days_from_civil(1995, 11, 13);
    bool holds = true;

    /* An empty register holds no type: `issue` then looks nothing up. */
    assert_int_equal(vb_register_holds_type(f->reg, VB_TYPE_COLLEGE, &holds, &err), VB_OK);
    assert_false(holds);
    uint64_t original = issue_one(f->reg, add_batch(f->reg, 1, 1), VB_TYPE_COLLEGE, 2026, "Trần Đình Khải", born,
                                  TEST_PERSONAL_ID);
    assert_int_equal(vb_register_holds_type(f->reg, VB_TYPE_COLLEGE, &holds, &err), VB_OK);
    assert_true(holds);
    assert_int_equal(vb_register_holds_type(f->reg, VB_TYPE_INTERMEDIATE, &holds, &err), VB_OK);
    assert_false(holds);
    assert_int_equal(vb_register_find_graduate(f->reg, TEST_PERSONAL_ID, VB_TYPE_COLLEGE, "6480201", "Someone Else",
                                               born, &match, &found, &err),
                     VB_OK);
    assert_true(found);
    assert_true(match.by_personal_id);
    assert_int_equal(match.original_id, original);
    assert_int_equal(match.register_number, 1);
    assert_string_equal(match.serial, "2026000001-1");
    /* Another program, or another type, is another credential. */
    assert_int_equal(vb_register_find_graduate(f->reg, TEST_PERSONAL_ID, VB_TYPE_COLLEGE, "6480202", "Someone Else",
                                               born, &match, &found, &err),
                     VB_OK);
    assert_false(found);
    assert_int_equal(vb_register_find_graduate(f->reg, TEST_PERSONAL_ID, VB_TYPE_INTERMEDIATE, "6480201", "X", born,
                                               &match, &found, &err),
                     VB_OK);
    assert_false(found);
    /* Without an identification number: name, birth date and program. */
    assert_int_equal(vb_register_find_graduate(f->reg, "", VB_TYPE_COLLEGE, "6480201", "Trần Đình Khải", born, &match,
                                               &found, &err),
                     VB_OK);
    assert_true(found);
    assert_false(match.by_personal_id);
    assert_int_equal(vb_register_find_graduate(f->reg, "", VB_TYPE_COLLEGE, "6480201", "Trần Đình Khải", born + 1,
                                               &match, &found, &err),
                     VB_OK);
    assert_false(found);
    /* The same name and birth date with another identification number is another person. */
    assert_int_equal(vb_register_find_graduate(f->reg, "079202847736", VB_TYPE_COLLEGE, "6480201", "Trần Đình Khải",
                                               born, &match, &found, &err),
                     VB_OK);
    assert_false(found);
    bool taken;
    assert_int_equal(vb_register_serial_taken(f->reg, "2026000001-1", &taken, &err), VB_OK);
    assert_true(taken);
    /* A revoked credential no longer stands in the way. */
    assert_int_equal(vb_register_revoke(f->reg, original, VB_REVOKE_NOT_ELIGIBLE, "5/QĐ", false, 0, "r", TEST_NOW,
                                        NULL, &err),
                     VB_OK);
    assert_int_equal(vb_register_find_graduate(f->reg, TEST_PERSONAL_ID, VB_TYPE_COLLEGE, "6480201", "Trần Đình Khải",
                                               born, &match, &found, &err),
                     VB_OK);
    assert_false(found);
}

/* ---------------------------------------------------------------- events and the log */

static vb_status collect_event(void *context, const vb_register_event *event, const uint8_t *entry,
                               size_t entry_length, vb_error *err)
{
    vb_register_event decoded;
    int *count = context;
    vb_status s = vb_register_event_decode(entry, entry_length, &decoded, err);
    if (s != VB_OK)
        return s;
    /* The entry says what the columns say. */
    assert_int_equal(decoded.sequence, event->sequence);
    assert_int_equal(decoded.kind, event->kind);
    assert_int_equal(decoded.record_id, event->record_id);
    assert_int_equal(decoded.time, event->time);
    assert_string_equal(decoded.actor, event->actor);
    assert_string_equal(decoded.decision_number, event->decision_number);
    assert_string_equal(decoded.school_code, TEST_SCHOOL);
    /* and never the identification number */
    for (size_t i = 0; i + 12 <= entry_length; i++)
        assert_false(memcmp(entry + i, TEST_PERSONAL_ID, 12) == 0);
    uint8_t again[VB_REGISTER_ENTRY_MAX_BYTES];
    size_t again_length;
    assert_int_equal(vb_register_event_encode(&decoded, again, sizeof again, &again_length, err), VB_OK);
    assert_int_equal(again_length, entry_length);
    assert_memory_equal(again, entry, entry_length);
    (*count)++;
    return VB_OK;
}

/* A leaf source over the entries alone, as an auditor rebuilds the tree without trusting the
 * stored nodes. */
static vb_status entries_leaf(void *context, uint64_t index, uint8_t out[VB_LOG_HASH_BYTES])
{
    sqlite3_stmt *statement;
    sqlite3 *db = context;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT entry FROM events WHERE sequence = ?1", -1, &statement, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(statement, 1, (sqlite3_int64)index + 1);
    assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
    vb_status s = vb_log_leaf_hash(sqlite3_column_blob(statement, 0), (size_t)sqlite3_column_bytes(statement, 0), out);
    sqlite3_finalize(statement);
    return s;
}

static void test_events_and_log(void **state)
{
    fixture *f = *state;
    vb_error err = {0};
    uint64_t size, correction;
    uint8_t root[VB_LOG_HASH_BYTES], rebuilt[VB_LOG_HASH_BYTES];
    int32_t born = vb_days_from_civil(1995, 11, 13);
    vb_log_source entries = {entries_leaf, NULL, vb_register_db(f->reg)};

    assert_int_equal(vb_register_log_root(f->reg, &size, root, &err), VB_OK);
    assert_int_equal(size, 0);
    vb_log_empty_root(rebuilt);
    assert_memory_equal(root, rebuilt, VB_LOG_HASH_BYTES);

    /* Several transactions, so the builder is restored from stored nodes between them. */
    char name[64];
    for (int batch = 0; batch < 4; batch++) {
        assert_int_equal(vb_register_begin(f->reg, &err), VB_OK);
        uint64_t batch_id = add_batch(f->reg, (uint8_t)(batch + 1), 5);
        for (int i = 0; i < 5 + batch; i++) {
            snprintf(name, sizeof name, "Người %d %c", batch, 'A' + i);
            issue_one(f->reg, batch_id, VB_TYPE_COLLEGE, 2026, name, born, batch == 0 && i == 0 ? TEST_PERSONAL_ID : NULL);
        }
        assert_int_equal(vb_register_commit(f->reg, &err), VB_OK);
        assert_int_equal(vb_register_log_root(f->reg, &size, root, &err), VB_OK);
        assert_int_equal(vb_log_root(&entries, size, rebuilt, &err), VB_OK);
        assert_memory_equal(root, rebuilt, VB_LOG_HASH_BYTES);
    }
    assert_int_equal(derive(f->reg, 1, VB_KIND_CORRECTION, "Người Sửa", 0, &correction, &err), VB_OK);
    assert_int_equal(vb_register_revoke(f->reg, 2, VB_REVOKE_ALTERED, "7/QĐ", true, born + 10000, "registrar",
                                        TEST_NOW, NULL, &err),
                     VB_OK);
    assert_int_equal(vb_register_log_root(f->reg, &size, root, &err), VB_OK);
    assert_int_equal(size, 28);
    assert_int_equal(vb_log_root(&entries, size, rebuilt, &err), VB_OK);
    assert_memory_equal(root, rebuilt, VB_LOG_HASH_BYTES);

    /* The stored-node source gives the same proofs as the entries alone. */
    vb_log_source stored;
    vb_log_proof a, b;
    vb_register_log_source(f->reg, &stored);
    assert_int_equal(vb_log_prove_inclusion(&stored, 13, size, &a, &err), VB_OK);
    assert_int_equal(vb_log_prove_inclusion(&entries, 13, size, &b, &err), VB_OK);
    assert_int_equal(a.count, b.count);
    assert_memory_equal(a.hashes, b.hashes, a.count * VB_LOG_HASH_BYTES);

    int count = 0;
    assert_int_equal(vb_register_each_event(f->reg, 0, 1, collect_event, &count, &err), VB_OK);
    assert_int_equal(count, 28);
    count = 0;
    assert_int_equal(vb_register_each_event(f->reg, 1, 0, collect_event, &count, &err), VB_OK);
    assert_int_equal(count, 2); /* issue and correct of credential 1 */

    /* A checkpoint kept in the register. */
    vb_log_checkpoint checkpoint = {TEST_SCHOOL, size, {0}, TEST_NOW}, last;
    memcpy(checkpoint.root, root, sizeof root);
    uint8_t signed_bytes[3] = {1, 2, 3};
    bool found;
    assert_int_equal(vb_register_add_checkpoint(f->reg, &checkpoint, signed_bytes, sizeof signed_bytes, &err), VB_OK);
    assert_int_equal(vb_register_last_checkpoint(f->reg, &last, &found, &err), VB_OK);
    assert_true(found);
    assert_int_equal(last.size, size);
    assert_memory_equal(last.root, root, sizeof root);
    refused(f->reg, "DELETE FROM checkpoints", "append-only");
}

static void test_event_entry_encoding(void **state)
{
    (void)state;
    vb_register_event event, decoded;
    uint8_t entry[VB_REGISTER_ENTRY_MAX_BYTES];
    size_t length;
    vb_error err = {0};

    memset(&event, 0, sizeof event);
    event.sequence = 1;
    event.kind = VB_EVENT_REVOKE;
    event.time = 1782777600;
    snprintf(event.school_code, sizeof event.school_code, "CD");
    event.record_id = 5;
    event.reason = VB_REVOKE_LENT;
    snprintf(event.decision_number, sizeof event.decision_number, "9");
    event.has_decision_date = true;
    event.decision_date = -1;
    snprintf(event.actor, sizeof event.actor, "a");
    assert_int_equal(vb_register_event_encode(&event, entry, sizeof entry, &length, &err), VB_OK);
    /* {1:1, 2:2, 3:1, 4:1782777600, 5:"CD", 6:5, 9:5, 10:"9", 11:-1, 12:"a"} */
    static const uint8_t expected[] = {0xaa, 0x01, 0x01, 0x02, 0x02, 0x03, 0x01, 0x04, 0x1a, 0x6a, 0x43, 0x07,
                                       0x00, 0x05, 0x62, 'C',  'D',  0x06, 0x05, 0x09, 0x05, 0x0a, 0x61, '9',
                                       0x0b, 0x20, 0x0c, 0x61, 'a'};
    assert_int_equal(length, sizeof expected);
    assert_memory_equal(entry, expected, sizeof expected);
    assert_int_equal(vb_register_event_decode(entry, length, &decoded, &err), VB_OK);
    assert_int_equal(decoded.decision_date, -1);
    assert_int_equal(decoded.reason, VB_REVOKE_LENT);

    /* Strictness: trailing bytes, an unknown key, keys out of order, a missing key. */
    uint8_t bad[sizeof expected + 1];
    memcpy(bad, expected, sizeof expected);
    bad[sizeof expected] = 0;
    assert_int_equal(vb_register_event_decode(bad, sizeof bad, &decoded, &err), VB_ERR_CBOR_TRAILING);
    memcpy(bad, expected, sizeof expected);
    bad[26] = 0x0d; /* key 13 */
    assert_int_not_equal(vb_register_event_decode(bad, sizeof expected, &decoded, &err), VB_OK);
    memcpy(bad, expected, sizeof expected);
    bad[3] = 0x01; /* key 1 twice */
    assert_int_equal(vb_register_event_decode(bad, sizeof expected, &decoded, &err), VB_ERR_CBOR_DUPLICATE_KEY);
    memcpy(bad, expected, sizeof expected);
    bad[0] = 0xa9; /* nine pairs: the actor is missing, and a byte trails */
    assert_int_not_equal(vb_register_event_decode(bad, sizeof expected, &decoded, &err), VB_OK);
    event.actor[0] = '\0';
    assert_int_equal(vb_register_event_encode(&event, entry, sizeof entry, &length, &err), VB_ERR_ARGUMENT);
}

/* ---------------------------------------------------------------- prepared appends */

/* Originals as `issue` makes them, varied by i: every third without an identification number,
 * every fifth without a graduation decision. */
static void make_original(vb_credential *c, uint8_t record[40], uint64_t record_id, uint32_t number, int i)
{
    char name[64];
    snprintf(name, sizeof name, "Nguyễn Văn Đạt %d", i);
    make_credential(c, record_id, VB_TYPE_COLLEGE, 2026, number, name, vb_days_from_civil(1995, 1 + i % 12, 1 + i % 28));
    memset(record, (int)(record_id * 7), 40);
    record[0] = (uint8_t)i;
}

static vb_register_append original_append(const vb_credential *c, const uint8_t *record, const char *personal_id,
                                          uint64_t batch_id, int i)
{
    vb_register_append append = {c, record, 40, 0, i % 3 == 0 ? NULL : personal_id, i % 5 == 0 ? NULL : "746/QĐ-CĐN",
                                 i % 5 != 0, vb_days_from_civil(2026, 6, 12), 0, batch_id, "registrar", TEST_NOW};
    return append;
}

/* Rows of a table that one register holds and the other (attached as "other") does not, both ways. */
static int64_t rows_apart(vb_register *reg, const char *table)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM (SELECT * FROM main.%s EXCEPT SELECT * FROM other.%s))"
             " + (SELECT count(*) FROM (SELECT * FROM other.%s EXCEPT SELECT * FROM main.%s))"
             " + abs((SELECT count(*) FROM main.%s) - (SELECT count(*) FROM other.%s))",
             table, table, table, table, table, table);
    return query_integer(reg, sql);
}

#define PREPARED_COUNT 150
#define PREPARED_CORRECTION 71 /* corrects record 3 */
#define PREPARED_COPY 72       /* copies record 5 */

/* The same records, once appended one by one (vb_register_append_record) and once prepared apart
 * and appended in one call — two runs of 64 originals in one statement per table, the rest one
 * by one, entries prepared for the right sequence, for none, and for a wrong one — leave the
 * same rows, entries and log nodes. */
static void test_prepared_append(void **state)
{
    fixture *f = *state;
    vb_error err = {0};
    char path[400];
    vb_register *other;
    snprintf(path, sizeof path, "%s/prepared.db", f->directory);
    assert_int_equal(vb_register_create(path, TEST_SCHOOL, "Trường Cao đẳng Nghề Hà Nội", TEST_NOW, &err), VB_OK);
    assert_int_equal(vb_register_open(path, &other, &err), VB_OK);

    vb_credential *credentials = calloc(PREPARED_COUNT, sizeof *credentials);
    vb_register_prepared *prepared = calloc(PREPARED_COUNT, sizeof *prepared);
    uint8_t(*records)[40] = calloc(PREPARED_COUNT, sizeof *records);
    vb_register_append *appends = calloc(PREPARED_COUNT, sizeof *appends);
    char personal_ids[PREPARED_COUNT][13];
    assert_non_null(credentials);
    assert_non_null(prepared);
    assert_non_null(records);
    assert_non_null(appends);

    vb_register *regs[2] = {f->reg, other};
    uint64_t batches[2];
    for (int r = 0; r < 2; r++) {
        assert_int_equal(vb_register_begin(regs[r], &err), VB_OK);
        batches[r] = add_batch(regs[r], 7, PREPARED_COUNT - 2);
    }
    assert_int_equal(batches[0], batches[1]);
    uint32_t number = 1;
    for (int i = 0; i < PREPARED_COUNT; i++) {
        uint64_t record_id = (uint64_t)i + 1;
        vb_credential *c = &credentials[i];
        if (i + 1 == PREPARED_CORRECTION || i + 1 == PREPARED_COPY) {
            uint64_t base_id = i + 1 == PREPARED_CORRECTION ? 3 : 5;
            *c = credentials[base_id - 1];
            c->record_id_length = vb_register_record_id_bytes(record_id, c->record_id);
            c->signed_at = TEST_NOW + 50;
            if (i + 1 == PREPARED_CORRECTION) {
                c->kind = VB_KIND_CORRECTION;
                c->supersedes_length = vb_register_record_id_bytes(base_id, c->supersedes);
                snprintf(c->name, sizeof c->name, "Nguyễn Văn Đạt Sửa");
            } else {
                c->kind = VB_KIND_COPY;
                c->copy_number = 1;
            }
            memset(records[i], 0xC0 + i, sizeof records[i]);
            vb_register_append append = {c, records[i], sizeof records[i], i + 1 == PREPARED_COPY ? base_id : 0, NULL,
                                         i + 1 == PREPARED_CORRECTION ? "12/QĐ-CĐN" : NULL, false, 0,
                                         i + 1 == PREPARED_CORRECTION ? VB_CORRECT_CIVIL_STATUS : 0, 0, "registrar",
                                         TEST_NOW + 100};
            appends[i] = append;
            continue;
        }
        make_original(c, records[i], record_id, number++, i);
        /* province 001; digit 4: a man born in the 1900s; digits 5-6: the year of birth */
        int year, month, day;
        vb_civil_from_days(c->birth_date, &year, &month, &day);
        snprintf(personal_ids[i], sizeof personal_ids[i], "0010%02u%06u", (unsigned)year % 100u, (unsigned)i % 1000000u);
        appends[i] = original_append(c, records[i], personal_ids[i], batches[0], i);
    }

    /* One by one into the fixture's register. */
    for (int i = 0; i < PREPARED_COUNT; i++) {
        uint64_t sequence = 0;
        if (vb_register_append_record(f->reg, &appends[i], &sequence, &err) != VB_OK)
            fail_msg("append %d: %s", i, err.message);
        assert_int_equal(sequence, (uint64_t)i + 1);
    }
    /* Prepared, then all in one call into the other. */
    for (int i = 0; i < PREPARED_COUNT; i++) {
        uint64_t sequence = i % 7 == 0 ? 0 : i % 11 == 0 ? (uint64_t)i + 1000 : (uint64_t)i + 1;
        if (vb_register_prepare_append(&appends[i], TEST_SCHOOL, sequence, &prepared[i], &err) != VB_OK)
            fail_msg("prepare %d: %s", i, err.message);
        assert_true(prepared[i].ready);
        assert_int_equal(prepared[i].entry_length != 0, sequence != 0);
    }
    size_t appended = 0;
    if (vb_register_append_prepared(other, prepared, PREPARED_COUNT, &appended, &err) != VB_OK)
        fail_msg("append prepared: %s", err.message);
    assert_int_equal(appended, PREPARED_COUNT);
    for (int i = 0; i < PREPARED_COUNT; i++)
        assert_int_equal(prepared[i].event.sequence, (uint64_t)i + 1);
    for (int r = 0; r < 2; r++)
        assert_int_equal(vb_register_commit(regs[r], &err), VB_OK);

    char attach[500];
    snprintf(attach, sizeof attach, "ATTACH '%s' AS other", path);
    assert_int_equal(sqlite3_exec(vb_register_db(f->reg), attach, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM other.credentials"), PREPARED_COUNT);
    assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM other.log_nodes"), PREPARED_COUNT - 4); /* n - popcount */
    assert_int_equal(rows_apart(f->reg, "credentials"), 0);
    assert_int_equal(rows_apart(f->reg, "events"), 0);
    assert_int_equal(rows_apart(f->reg, "log_nodes"), 0);
    assert_int_equal(rows_apart(f->reg, "counters"), 0);
    assert_int_equal(sqlite3_exec(vb_register_db(f->reg), "DETACH other", NULL, NULL, NULL), SQLITE_OK);
    uint64_t size;
    uint8_t root[VB_LOG_HASH_BYTES], other_root[VB_LOG_HASH_BYTES];
    assert_int_equal(vb_register_log_root(f->reg, &size, root, &err), VB_OK);
    assert_int_equal(vb_register_log_root(other, &size, other_root, &err), VB_OK);
    assert_memory_equal(root, other_root, sizeof root);

    vb_register_close(other);
    free(credentials);
    free(prepared);
    free(records);
    free(appends);
}

/* What prepare refuses without a register, and what the append refuses; what a refused append
 * leaves. */
static void test_prepared_append_refusals(void **state)
{
    fixture *f = *state;
    vb_error err = {0};
    enum { COUNT = 70 };
    vb_credential *credentials = calloc(COUNT, sizeof *credentials);
    vb_register_prepared *prepared = calloc(COUNT, sizeof *prepared);
    uint8_t(*records)[40] = calloc(COUNT, sizeof *records);
    assert_non_null(credentials);
    assert_non_null(prepared);
    assert_non_null(records);

    uint64_t batch = add_batch(f->reg, 3, 1);
    issue_one(f->reg, batch, VB_TYPE_COLLEGE, 2026, "Trần Đình Khải", vb_days_from_civil(1995, 11, 13), NULL);

    make_original(&credentials[0], records[0], 2, 2, 0);
    vb_register_append append = original_append(&credentials[0], records[0], "001095179594", batch, 1);
    /* born 1995-02-02: "001095…" agrees; a woman's would need digit 4 odd */
    credentials[0].gender = VB_GENDER_FEMALE;
    assert_int_equal(vb_register_prepare_append(&append, TEST_SCHOOL, 2, &prepared[0], &err), VB_ERR_ARGUMENT);
    assert_false(prepared[0].ready);
    assert_null(strstr(err.message, "001095179594"));
    credentials[0].gender = VB_GENDER_MALE;
    snprintf(credentials[0].name, sizeof credentials[0].name, "\xff");
    assert_int_equal(vb_register_prepare_append(&append, TEST_SCHOOL, 2, &prepared[0], &err), VB_ERR_ARGUMENT);
    make_original(&credentials[0], records[0], 2, 2, 0);
    credentials[0].kind = VB_KIND_CORRECTION; /* names no record it supersedes */
    assert_int_equal(vb_register_prepare_append(&append, TEST_SCHOOL, 2, &prepared[0], &err), VB_ERR_ARGUMENT);
    credentials[0].kind = VB_KIND_ORIGINAL;
    assert_int_equal(vb_register_prepare_append(&append, NULL, 2, &prepared[0], &err), VB_ERR_ARGUMENT);

    /* Not prepared, or prepared for another school. */
    size_t appended = 99;
    assert_int_equal(vb_register_append_prepared(f->reg, &prepared[0], 1, &appended, &err), VB_ERR_ARGUMENT);
    assert_int_equal(appended, 0);
    assert_int_equal(vb_register_prepare_append(&append, "OTHER", 2, &prepared[0], &err), VB_OK);
    assert_int_equal(vb_register_append_prepared(f->reg, &prepared[0], 1, &appended, &err), VB_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "OTHER"));
    assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM credentials"), 1);

    /* 70 originals: a run of 64 in one statement per table, then 6 one by one. A serial already
     * in the register, in the run, refuses the run whole; further on, it leaves the 66 before it
     * in the caller's transaction. */
    const char *taken = load(f->reg, 1)->credential.serial;
    for (int dup = 40; dup <= 66; dup += 26) {
        for (int i = 0; i < COUNT; i++) {
            uint64_t record_id = (uint64_t)i + 2;
            make_original(&credentials[i], records[i], record_id, (uint32_t)record_id, i);
            if (i == dup)
                snprintf(credentials[i].serial, sizeof credentials[i].serial, "%s", taken);
            vb_register_append a = original_append(&credentials[i], records[i], NULL, batch, i);
            assert_int_equal(vb_register_prepare_append(&a, TEST_SCHOOL, record_id, &prepared[i], &err), VB_OK);
        }
        assert_int_equal(vb_register_begin(f->reg, &err), VB_OK);
        assert_int_equal(vb_register_append_prepared(f->reg, prepared, COUNT, &appended, &err),
                         VB_ERR_REGISTER_REFUSED);
        assert_int_equal(appended, dup < 64 ? 0 : (size_t)dup);
        assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM credentials"), 1 + (int64_t)appended);
        assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM events"), 1 + (int64_t)appended);
        vb_register_rollback(f->reg);
        assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM credentials"), 1);
    }
    /* In a transaction of its own, nothing stays. */
    assert_int_equal(vb_register_append_prepared(f->reg, prepared, COUNT, &appended, &err), VB_ERR_REGISTER_REFUSED);
    assert_int_equal(appended, 0);
    assert_int_equal(query_integer(f->reg, "SELECT count(*) FROM events"), 1);
    assert_true(sqlite3_get_autocommit(vb_register_db(f->reg)));

    free(credentials);
    free(prepared);
    free(records);
}

/* ---------------------------------------------------------------- reading */

static vb_status count_record(void *context, const vb_register_record *record, vb_error *err)
{
    (void)record;
    (void)err;
    (*(int *)context)++;
    return VB_OK;
}

static void test_search(void **state)
{
    fixture *f = *state;
    vb_error err = {0};
    uint64_t batch = add_batch(f->reg, 1, 3), copy;
    issue_one(f->reg, batch, VB_TYPE_COLLEGE, 2026, "Nguyễn Thị Đào", vb_days_from_civil(2001, 3, 4), NULL);
    issue_one(f->reg, batch, VB_TYPE_COLLEGE, 2026, "Nguyễn Văn Dũng", vb_days_from_civil(2001, 3, 5), NULL);
    issue_one(f->reg, batch, VB_TYPE_COLLEGE, 2026, "Lê Thị Hoa", vb_days_from_civil(2001, 3, 4), NULL);
    assert_int_equal(derive(f->reg, 1, VB_KIND_COPY, NULL, 1, &copy, &err), VB_OK);

    struct {
        vb_register_query query;
        int expected;
    } cases[] = {
        {{0, NULL, "nguyen", false, 0}, 3},
        {{0, NULL, "NGUYỄN THỊ", false, 0}, 2},
        {{0, NULL, "dao", false, 0}, 2},
        {{0, NULL, "Đào", false, 0}, 2},
        {{0, NULL, "thi  dao", false, 0}, 2},
        {{0, NULL, "dung", false, 0}, 1},
        {{0, NULL, "xyz", false, 0}, 0},
        {{0, NULL, NULL, true, vb_days_from_civil(2001, 3, 4)}, 3},
        {{0, NULL, "hoa", true, vb_days_from_civil(2001, 3, 4)}, 1},
        {{0, "2026000001-1", NULL, false, 0}, 2},
        {{0, "2026000001-1", "hoa", false, 0}, 0},
        {{0, "nope", NULL, false, 0}, 0},
        {{3, NULL, NULL, false, 0}, 1},
        {{0, NULL, NULL, false, 0}, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int count = 0;
        assert_int_equal(vb_register_each_record(f->reg, &cases[i].query, count_record, &count, &err), VB_OK);
        if (count != cases[i].expected)
            fail_msg("case %zu: %d records, expected %d", i, count, cases[i].expected);
    }
    uint64_t original;
    assert_int_equal(vb_register_find_serial(f->reg, "2026000003-1", &original, &err), VB_OK);
    assert_int_equal(original, 3);
    assert_int_equal(vb_register_find_serial(f->reg, "none", &original, &err), VB_OK);
    assert_int_equal(original, 0);
}

/* ---------------------------------------------------------------- backup and restore */

static void test_backup_restore(void **state)
{
    fixture *f = *state;
    vb_error err = {0};
    char backup[400], restored[400];
    struct stat info;
    int32_t born = vb_days_from_civil(1995, 11, 13);

    issue_one(f->reg, add_batch(f->reg, 1, 1), VB_TYPE_COLLEGE, 2026, "Trần Đình Khải", born, TEST_PERSONAL_ID);
    snprintf(backup, sizeof backup, "%s/backup.db", f->directory);
    snprintf(restored, sizeof restored, "%s/restored.db", f->directory);

    /* A backup taken while a write transaction is open holds the committed state only. */
    assert_int_equal(vb_register_begin(f->reg, &err), VB_OK);
    issue_one(f->reg, add_batch(f->reg, 2, 1), VB_TYPE_COLLEGE, 2026, "Đang Ghi", born, NULL);
    assert_int_equal(vb_register_backup(f->path, backup, NULL, &err), VB_OK);
    assert_int_equal(vb_register_commit(f->reg, &err), VB_OK);

    assert_int_equal(stat(backup, &info), 0);
    assert_int_equal(info.st_mode & 0777, 0600);
    char side[450];
    snprintf(side, sizeof side, "%s-wal", backup);
    assert_int_not_equal(access(side, F_OK), 0);
    assert_int_equal(vb_register_check_file(backup, &err), VB_OK);
    assert_int_equal(vb_register_backup(f->path, backup, NULL, &err), VB_ERR_IO); /* never overwritten */

    assert_int_equal(vb_register_restore(backup, restored, false, &err), VB_OK);
    vb_register *reg;
    vb_register_counts counts;
    assert_int_equal(vb_register_open(restored, &reg, &err), VB_OK);
    assert_int_equal(vb_register_count(reg, &counts, &err), VB_OK);
    assert_int_equal(counts.records, 1);
    uint64_t size;
    uint8_t root[VB_LOG_HASH_BYTES];
    assert_int_equal(vb_register_log_root(reg, &size, root, &err), VB_OK);
    assert_int_equal(size, 1);
    vb_register_close(reg);

    assert_int_equal(vb_register_restore(backup, f->path, false, &err), VB_ERR_IO);
    assert_non_null(strstr(err.message, "--force"));
    /* Over the live register, which this test still holds open. */
    assert_int_equal(vb_register_restore(backup, f->path, true, &err), VB_OK);
    assert_int_equal(vb_register_count(f->reg, &counts, &err), VB_OK);
    assert_int_equal(counts.records, 1);

    /* Damaged backups are refused. */
    char damaged[400];
    snprintf(damaged, sizeof damaged, "%s/damaged.db", f->directory);
    FILE *in = fopen(backup, "rb"), *out = fopen(damaged, "wb");
    int c;
    long position = 0;
    while ((c = fgetc(in)) != EOF) {
        if (position >= 4096 && position < 4200) /* into page 2 */
            c ^= 0x5a;
        fputc(c, out);
        position++;
    }
    fclose(in);
    fclose(out);
    assert_int_not_equal(vb_register_check_file(damaged, &err), VB_OK);
}

/* ---------------------------------------------------------------- words */

/* The fold as register.h defines it, written the obvious way: the NFD of the whole text, then
 * marks dropped, đ → d, lower case, runs of space collapsed. */
static bool reference_fold(const char *text, char *out, size_t out_size)
{
    size_t length = strlen(text), decomposed_length = 0, used = 0;
    if (out_size == 0 || u8_check((const uint8_t *)text, length) != NULL)
        return false;
    uint8_t *decomposed = u8_normalize(UNINORM_NFD, (const uint8_t *)text, length, NULL, &decomposed_length);
    assert_true(decomposed || !length);
    bool space_pending = false, ok = true;
    for (size_t i = 0; i < decomposed_length;) {
        ucs4_t c;
        int n = u8_mbtouc(&c, decomposed + i, decomposed_length - i);
        i += (size_t)(n > 0 ? n : 1);
        if (uc_is_general_category(c, UC_CATEGORY_M))
            continue;
        if (c == ' ' || c == '\t' || c == 0x00A0) {
            space_pending = used > 0;
            continue;
        }
        if (c == 0x0110 || c == 0x0111)
            c = 'd';
        c = uc_tolower(c);
        uint8_t bytes[6];
        int encoded = u8_uctomb(bytes, c, sizeof bytes);
        if (encoded <= 0)
            continue;
        if (used + (space_pending ? 1 : 0) + (size_t)encoded >= out_size) {
            ok = false;
            break;
        }
        if (space_pending)
            out[used++] = ' ';
        space_pending = false;
        memcpy(out + used, bytes, (size_t)encoded);
        used += (size_t)encoded;
    }
    free(decomposed);
    out[used] = '\0';
    return ok;
}

static void check_fold(const char *text, size_t out_size)
{
    char expected[512], folded[512];
    assert_true(out_size <= sizeof folded);
    bool expected_ok = reference_fold(text, expected, out_size), ok = vb_register_fold_name(text, folded, out_size);
    if (ok != expected_ok || strcmp(folded, expected) != 0)
        fail_msg("fold of '%s' (%zu bytes): '%s' %d, NFD gives '%s' %d", text, out_size, folded, ok, expected,
                 expected_ok);
}

/* vb_register_fold_name decomposes character by character (register.c says why that is the
 * NFD's fold): the same as the NFD of the whole text for every character of planes 0-2, alone
 * and amid marks and letters, and for seeded strings of letters, precomposed and decomposed
 * Vietnamese, stray marks, spaces and characters that decompose in several steps, at every
 * output size. */
static void test_fold_matches_nfd(void **state)
{
    (void)state;
    char text[64];
    for (ucs4_t c = 1; c < 0x30000; c++) {
        uint8_t bytes[8];
        if (c >= 0xD800 && c < 0xE000)
            continue;
        int n = u8_uctomb(bytes, c, sizeof bytes);
        assert_true(n > 0);
        snprintf(text, sizeof text, "%.*s", n, (const char *)bytes);
        check_fold(text, 64);
        snprintf(text, sizeof text, "X\xcc\xa3%.*s\xcc\x81 y", n, (const char *)bytes);
        check_fold(text, 64);
    }
    static const char *const pieces[] = {
        "a", "A", "z", "đ", "Đ", "ễ", "Ễ", "e\xcc\x82\xcc\x83", "e\xcc\x83\xcc\x82", "\xcc\x83", "\xcc\xa3", "ư",
        "Ơ", " ", "  ", "\t", "\xc2\xa0", "가", "ǖ", "\xe2\x84\xab" /* Å, angstrom sign */, "ḯ",
        "\xe2\x84\xa6" /* Ω, ohm sign */, "ﬁ", "İ", "ẞ", "Σ", "ς", "ậ", "Ự", "x", "-", "'",
    };
    const size_t piece_count = sizeof pieces / sizeof pieces[0];
    uint32_t seed = 12345;
    for (int round = 0; round < 3000; round++) {
        char built[256] = "";
        size_t used = 0;
        seed = seed * 1103515245u + 12345u;
        int count = 1 + (int)((seed >> 16) % 12);
        for (int i = 0; i < count; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *piece = pieces[(seed >> 16) % piece_count];
            size_t length = strlen(piece);
            if (used + length >= sizeof built)
                break;
            memcpy(built + used, piece, length + 1);
            used += length;
        }
        check_fold(built, 1 + (size_t)round % 48);
        check_fold(built, 256);
    }
}


static void test_fold_and_personal_id(void **state)
{
    (void)state;
    char out[128];
    vb_error err = {0};
    assert_true(vb_register_fold_name("Nguyễn Thị Đào", out, sizeof out));
    assert_string_equal(out, "nguyen thi dao");
    assert_true(vb_register_fold_name("  TRẦN   ĐÌNH  KHẢI ", out, sizeof out));
    assert_string_equal(out, "tran dinh khai");
    /* decomposed input folds the same */
    assert_true(vb_register_fold_name("Nguye\xcc\x82\xcc\x83n", out, sizeof out));
    assert_string_equal(out, "nguyen");
    assert_false(vb_register_fold_name("\xff", out, sizeof out));
    assert_false(vb_register_fold_name("Nguyễn Thị Đào", out, 5));

    int32_t born_1995 = vb_days_from_civil(1995, 11, 13), born_2002 = vb_days_from_civil(2002, 2, 25);
    assert_int_equal(vb_register_check_personal_id("001095179594", born_1995, VB_GENDER_MALE, &err), VB_OK);
    assert_int_equal(vb_register_check_personal_id("079202847736", born_2002, VB_GENDER_MALE, &err), VB_OK);
    assert_int_equal(vb_register_check_personal_id("079302847736", born_2002, VB_GENDER_FEMALE, &err), VB_OK);
    assert_int_equal(vb_register_check_personal_id("079302847736", born_2002, VB_GENDER_MALE, &err), VB_ERR_ARGUMENT);
    assert_null(strstr(err.message, "079302847736"));
    assert_int_equal(vb_register_check_personal_id("00109517959", born_1995, 0, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_register_check_personal_id("001095179a94", born_1995, 0, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_register_check_personal_id("097095179594", born_1995, 0, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_register_check_personal_id("001096179594", born_1995, 0, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_register_check_personal_id("001295179594", born_1995, 0, &err), VB_ERR_ARGUMENT);

    assert_string_equal(vb_register_revoke_reason_name(VB_REVOKE_ISSUER_ERROR), "issuer-error");
    assert_int_equal(vb_register_revoke_reason_parse("not-eligible"), VB_REVOKE_NOT_ELIGIBLE);
    assert_int_equal(vb_register_revoke_reason_parse("stolen"), 0);
    assert_int_equal(vb_register_correct_reason_parse("late-registration"), VB_CORRECT_LATE_REGISTRATION);
    assert_string_equal(vb_status_name(VB_ERR_REGISTER_REFUSED), "register-refused");

    uint8_t bytes[VB_MAX_RECORD_ID_BYTES];
    uint64_t id;
    assert_int_equal(vb_register_record_id_bytes(256, bytes), 2);
    assert_true(vb_register_record_id_value(bytes, 2, &id));
    assert_int_equal(id, 256);
    bytes[0] = 0;
    assert_false(vb_register_record_id_value(bytes, 2, &id));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_other_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_from_version_1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_derivation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events_and_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepared_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepared_append_refusals, setup, teardown),
        cmocka_unit_test(test_event_entry_encoding),
        cmocka_unit_test_setup_teardown(test_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_restore, setup, teardown),
        cmocka_unit_test(test_fold_and_personal_id),
        cmocka_unit_test(test_fold_matches_nfd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
