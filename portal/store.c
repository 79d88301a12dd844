/*
 * portal/store.c — the portal's SQLite file (schema: portal.h): creating and opening it, a pool
 * of connections, accepting schools' batches (events checked on several threads, then one
 * transaction), leaf statements and status lists, the public lookup, users with scrypt
 * passwords, and the access log of the provincial staff.
 *
 * Every statement is prepared once per connection and reused. Writes happen in BEGIN IMMEDIATE
 * transactions that re-read what the decision rested on (the school's size) inside the lock,
 * so two uploads racing for one school cannot both be taken. The personal identification
 * number goes into records.personal_id and nowhere else: no answer, message or incident of
 * this file holds one.
 */
#include "store.h"

#include "keys.h"
#include "mirror.h"
#include "register.h"
#include "statuslist.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- schema */

static const char schema_sql[] =
    "CREATE TABLE schools(code TEXT PRIMARY KEY, name TEXT NOT NULL, province TEXT NOT NULL,"
    " size INTEGER NOT NULL, tree BLOB NOT NULL, root BLOB NOT NULL, checkpoint BLOB, checkpoint_time INTEGER,"
    " status_list BLOB, status_sequence INTEGER NOT NULL DEFAULT 0, first_seen INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE TABLE batches(digest BLOB PRIMARY KEY, school TEXT NOT NULL, first INTEGER NOT NULL,"
    " count INTEGER NOT NULL, signer_kid BLOB NOT NULL, received_at INTEGER NOT NULL, answer TEXT NOT NULL);"
    "CREATE TABLE checkpoints(school TEXT NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL,"
    " signed BLOB NOT NULL, time INTEGER NOT NULL, received_at INTEGER NOT NULL,"
    " PRIMARY KEY (school, size)) WITHOUT ROWID;"
    "CREATE TABLE events(school TEXT NOT NULL, sequence INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " time INTEGER NOT NULL, record_id INTEGER NOT NULL, reason INTEGER NOT NULL DEFAULT 0,"
    " decision_number TEXT NOT NULL DEFAULT '', decision_date INTEGER, entry BLOB NOT NULL,"
    " leaf BLOB NOT NULL, batch BLOB NOT NULL, PRIMARY KEY (school, sequence)) WITHOUT ROWID;"
    "CREATE TABLE records(school TEXT NOT NULL, record_id INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " sequence INTEGER NOT NULL, serial TEXT NOT NULL, type INTEGER NOT NULL,"
    " register_number INTEGER NOT NULL, register_year INTEGER NOT NULL, name TEXT NOT NULL,"
    " folded_name TEXT NOT NULL, birth_date INTEGER NOT NULL, gender INTEGER NOT NULL,"
    " program_code TEXT NOT NULL, program_name TEXT NOT NULL, classification INTEGER NOT NULL,"
    " training_mode INTEGER NOT NULL, issue_date INTEGER NOT NULL, issue_place TEXT NOT NULL,"
    " supersedes INTEGER NOT NULL DEFAULT 0, copy_number INTEGER NOT NULL DEFAULT 0,"
    " signed_at INTEGER NOT NULL, signer_kid BLOB NOT NULL, personal_id TEXT, record BLOB NOT NULL,"
    " PRIMARY KEY (school, record_id)) WITHOUT ROWID;"
    "CREATE INDEX records_serial ON records(serial);"
    "CREATE INDEX records_person ON records(personal_id);"
    /* Not in portal.h's list: a lookup asks whether a revocation names any record of a
     * credential, which without it scans the school's events. */
    "CREATE INDEX events_record ON events(school, record_id);"
    "CREATE TABLE incidents(id INTEGER PRIMARY KEY, school TEXT NOT NULL, time INTEGER NOT NULL,"
    " kind TEXT NOT NULL, sequence INTEGER, serial TEXT, message TEXT NOT NULL);"
    "CREATE TABLE users(name TEXT PRIMARY KEY, province TEXT NOT NULL, password TEXT NOT NULL,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE access_log(id INTEGER PRIMARY KEY, time INTEGER NOT NULL, user TEXT NOT NULL,"
    " province TEXT NOT NULL, action TEXT NOT NULL, address TEXT NOT NULL);";

/* ---------------------------------------------------------------- statements */

typedef enum {
    SQL_BATCH_ANSWER,
    SQL_SCHOOL_GET,
    SQL_SCHOOL_INSERT,
    SQL_SCHOOL_ADVANCE,
    SQL_EVENT_INSERT,
    SQL_RECORD_INSERT,
    SQL_CHECKPOINT_INSERT,
    SQL_BATCH_INSERT,
    SQL_INCIDENT_INSERT,
    SQL_LEAVES_RANGE,
    SQL_STATUS_GET,
    SQL_STATUS_SET,
    SQL_STATUS_ALL,
    SQL_TOTALS,
    SQL_VERSION,
    SQL_LOOKUP_SERIAL,
    SQL_LOOKUP_RECORD,
    SQL_LOOKUP_REVOKED,
    SQL_EVENT_DECISION,
    SQL_USER_INSERT,
    SQL_USER_FIND,
    SQL_USER_ALL,
    SQL_ACCESS_INSERT,
    SQL_COUNT
} sql_id;

static const char *const sql_text[SQL_COUNT] = {
    [SQL_BATCH_ANSWER] = "SELECT answer FROM batches WHERE digest = ?1",
    [SQL_SCHOOL_GET] = "SELECT size, tree, root, checkpoint_time, status_sequence FROM schools WHERE code = ?1",
    [SQL_SCHOOL_INSERT] = "INSERT OR IGNORE INTO schools(code, name, province, size, tree, root, first_seen, "
                          "updated_at) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?6)",
    [SQL_SCHOOL_ADVANCE] = "UPDATE schools SET size = ?2, tree = ?3, root = ?4, checkpoint = ?5, "
                           "checkpoint_time = ?6, updated_at = ?7 WHERE code = ?1",
    [SQL_EVENT_INSERT] = "INSERT INTO events(school, sequence, kind, time, record_id, reason, decision_number, "
                         "decision_date, entry, leaf, batch) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [SQL_RECORD_INSERT] =
        "INSERT INTO records(school, record_id, kind, sequence, serial, type, register_number, register_year, "
        "name, folded_name, birth_date, gender, program_code, program_name, classification, training_mode, "
        "issue_date, issue_place, supersedes, copy_number, signed_at, signer_kid, personal_id, record) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
        "?23, ?24)",
    [SQL_CHECKPOINT_INSERT] = "INSERT INTO checkpoints(school, size, root, signed, time, received_at) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [SQL_BATCH_INSERT] = "INSERT INTO batches(digest, school, first, count, signer_kid, received_at, answer) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [SQL_INCIDENT_INSERT] = "INSERT INTO incidents(school, time, kind, sequence, serial, message) "
                            "SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM incidents WHERE "
                            "school = ?1 AND kind = ?3 AND sequence IS ?4 AND message = ?6)",
    [SQL_LEAVES_RANGE] = "SELECT e.sequence, e.leaf, (SELECT r.serial FROM records r WHERE r.school = e.school "
                         "AND r.record_id = e.record_id) FROM events e WHERE e.school = ?1 AND e.sequence "
                         "BETWEEN ?2 AND ?3 ORDER BY e.sequence",
    [SQL_STATUS_GET] = "SELECT status_list FROM schools WHERE code = ?1 AND status_list IS NOT NULL",
    [SQL_STATUS_SET] = "UPDATE schools SET status_list = ?2, status_sequence = ?3, updated_at = ?4 WHERE code = ?1",
    [SQL_STATUS_ALL] = "SELECT status_list FROM schools WHERE status_list IS NOT NULL ORDER BY code",
    [SQL_TOTALS] = "SELECT count(*), coalesce(sum(size), 0) FROM schools",
    [SQL_VERSION] = "SELECT count(*), coalesce(sum(size), 0), coalesce(sum(status_sequence), 0), "
                    "coalesce(max(updated_at), 0), (SELECT count(*) FROM checkpoints), "
                    "(SELECT count(*) FROM incidents), (SELECT coalesce(max(id), 0) FROM incidents) FROM schools",
    [SQL_LOOKUP_SERIAL] = "SELECT school, record_id, kind, folded_name, birth_date FROM records "
                          "WHERE serial = ?1 AND kind IN (1, 2) ORDER BY school, record_id",
    [SQL_LOOKUP_RECORD] =
        "SELECT r.kind, r.serial, r.type, r.register_number, r.register_year, r.name, r.birth_date, r.gender, "
        "r.program_code, r.program_name, r.classification, r.training_mode, r.issue_date, r.issue_place, "
        "r.sequence, s.name FROM records r JOIN schools s ON s.code = r.school "
        "WHERE r.school = ?1 AND r.record_id = ?2",
    [SQL_LOOKUP_REVOKED] = "SELECT reason, decision_number, decision_date, time FROM events WHERE school = ?1 AND "
                           "kind = 2 AND record_id IN (SELECT record_id FROM records WHERE serial = ?2 AND "
                           "school = ?1) ORDER BY sequence LIMIT 1",
    [SQL_EVENT_DECISION] = "SELECT decision_number, decision_date, time FROM events WHERE school = ?1 AND "
                           "sequence = ?2",
    [SQL_USER_INSERT] = "INSERT INTO users(name, province, password, created_at) VALUES (?1, ?2, ?3, ?4)",
    [SQL_USER_FIND] = "SELECT province, password FROM users WHERE name = ?1",
    [SQL_USER_ALL] = "SELECT name, province, created_at FROM users ORDER BY province, name",
    [SQL_ACCESS_INSERT] = "INSERT INTO access_log(time, user, province, action, address) VALUES (?1, ?2, ?3, ?4, ?5)",
};

struct store {
    sqlite3 *db;
    sqlite3_stmt *statements[SQL_COUNT];
};

sqlite3 *store_db(store *st) { return st->db; }

static vb_status sql_fail(store *st, vb_error *err, const char *doing)
{
    return vb_fail(err, VB_ERR_IO, "the store failed %s: %s", doing, sqlite3_errmsg(st->db));
}

/* The statement, prepared on first use, reset and with no bindings. */
static vb_status prepared(store *st, sql_id id, sqlite3_stmt **out, vb_error *err)
{
    if (!st->statements[id]) {
        int rc = sqlite3_prepare_v3(st->db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT, &st->statements[id], NULL);
        if (rc != SQLITE_OK)
            return sql_fail(st, err, "preparing a statement");
    } else {
        sqlite3_reset(st->statements[id]);
        sqlite3_clear_bindings(st->statements[id]);
    }
    *out = st->statements[id];
    return VB_OK;
}

/* Resets a statement after its last step, so it holds no read lock between requests. */
static void done_with(sqlite3_stmt *statement)
{
    if (statement)
        sqlite3_reset(statement);
}

static vb_status exec(store *st, const char *sql, vb_error *err)
{
    char *message = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &message);
    if (rc != SQLITE_OK) {
        vb_status s = vb_fail(err, VB_ERR_IO, "the store failed (%s): %s", sql, message ? message : "?");
        sqlite3_free(message);
        return s;
    }
    return VB_OK;
}

/* Write transactions this process committed (store_version). */
static atomic_uint_fast64_t committed_writes;

static vb_status begin_write(store *st, vb_error *err) { return exec(st, "BEGIN IMMEDIATE", err); }
/* Counted after the commit, never before: a reader that sees the new count also sees the rows. */
static vb_status commit(store *st, vb_error *err)
{
    vb_status s = exec(st, "COMMIT", err);
    if (s == VB_OK)
        atomic_fetch_add(&committed_writes, 1);
    return s;
}
static void rollback(store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Steps a statement that writes one row (or none); resets it. */
static vb_status step_done(store *st, sqlite3_stmt *statement, vb_error *err, const char *doing)
{
    int rc = sqlite3_step(statement);
    vb_status s = rc == SQLITE_DONE ? VB_OK : sql_fail(st, err, doing);
    sqlite3_reset(statement);
    return s;
}

static void bind_text(sqlite3_stmt *statement, int index, const char *text)
{
    sqlite3_bind_text(statement, index, text, -1, SQLITE_STATIC);
}

static void copy_column_text(sqlite3_stmt *statement, int column, char *out, size_t out_size)
{
    const unsigned char *text = sqlite3_column_text(statement, column);
    snprintf(out, out_size, "%s", text ? (const char *)text : "");
}

/* ---------------------------------------------------------------- files */

static vb_status configure(sqlite3 *db, bool read_only, vb_error *err)
{
    char sql[160];
    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    snprintf(sql, sizeof sql, "%sPRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
             read_only ? "" : "PRAGMA journal_mode = WAL; ");
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
        vb_status s = vb_fail(err, VB_ERR_IO, "cannot set up the store: %s", message ? message : "?");
        sqlite3_free(message);
        return s;
    }
    return VB_OK;
}

vb_status store_create(const char *path, vb_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return vb_fail(err, VB_ERR_IO, "%s exists already; a store is never overwritten", path);
        return vb_fail(err, VB_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    }
    close(fd);

    sqlite3 *db = NULL;
    vb_status s = VB_OK;
    char *message = NULL;
    char sql[sizeof schema_sql + 256];
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
        s = vb_fail(err, VB_ERR_IO, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        goto done;
    }
    if ((s = configure(db, false, err)) != VB_OK)
        goto done;
    snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; %s PRAGMA application_id = %d; PRAGMA user_version = %d; COMMIT;",
             schema_sql, PORTAL_APPLICATION_ID, PORTAL_SCHEMA_VERSION);
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
        s = vb_fail(err, VB_ERR_IO, "cannot write the schema into %s: %s", path, message ? message : "?");
        sqlite3_free(message);
    }
done:
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

static vb_status pragma_integer(sqlite3 *db, const char *sql, int64_t *value, vb_error *err)
{
    sqlite3_stmt *statement = NULL;
    vb_status s = VB_OK;
    if (sqlite3_prepare_v2(db, sql, -1, &statement, NULL) != SQLITE_OK || sqlite3_step(statement) != SQLITE_ROW)
        s = vb_fail(err, VB_ERR_IO, "cannot read the store (%s): %s", sql, sqlite3_errmsg(db));
    else
        *value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return s;
}

vb_status store_open(const char *path, bool read_only, store **out, vb_error *err)
{
    *out = NULL;
    struct stat seen;
    if (stat(path, &seen) != 0)
        return vb_fail(err, VB_ERR_IO, "%s: %s (create it with 'vanbang-portal init')", path, strerror(errno));
    store *st = calloc(1, sizeof *st);
    if (!st)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOFOLLOW;
    vb_status s;
    int64_t application_id = 0, version = 0;
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        s = vb_fail(err, VB_ERR_IO, "cannot open %s: %s", path, st->db ? sqlite3_errmsg(st->db) : "out of memory");
        goto fail;
    }
    if ((s = pragma_integer(st->db, "PRAGMA application_id", &application_id, err)) != VB_OK ||
        (s = pragma_integer(st->db, "PRAGMA user_version", &version, err)) != VB_OK)
        goto fail;
    if (application_id != PORTAL_APPLICATION_ID) {
        s = vb_fail(err, VB_ERR_IO, "%s is not a portal store (application id %lld)", path,
                    (long long)application_id);
        goto fail;
    }
    if (version > PORTAL_SCHEMA_VERSION) {
        s = vb_fail(err, VB_ERR_IO, "%s was made by a newer version of the portal (schema %lld, this one knows %d)",
                    path, (long long)version, PORTAL_SCHEMA_VERSION);
        goto fail;
    }
    if (version != PORTAL_SCHEMA_VERSION) {
        s = vb_fail(err, VB_ERR_IO, "%s has schema version %lld, not %d", path, (long long)version,
                    PORTAL_SCHEMA_VERSION);
        goto fail;
    }
    if ((s = configure(st->db, read_only, err)) != VB_OK)
        goto fail;
    *out = st;
    return VB_OK;
fail:
    store_close(st);
    return s;
}

void store_close(store *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < SQL_COUNT; i++)
        sqlite3_finalize(st->statements[i]);
    sqlite3_close(st->db);
    free(st);
}

/* ---------------------------------------------------------------- the pool */

struct store_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    store **free_stores;
    size_t free_count, count;
    store **all;
    store *checkpointer;  /* the pool's connections leave WAL checkpoints to this one */
};

vb_status store_pool_open(const char *path, size_t count, store_pool **out, vb_error *err)
{
    *out = NULL;
    store_pool *pool = calloc(1, sizeof *pool);
    if (!pool || !(pool->all = calloc(count, sizeof *pool->all)) ||
        !(pool->free_stores = calloc(count, sizeof *pool->free_stores))) {
        if (pool)
            free(pool->all);
        free(pool);
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->freed, NULL);
    for (size_t i = 0; i < count; i++) {
        vb_status s = store_open(path, false, &pool->all[i], err);
        if (s != VB_OK) {
            store_pool_close(pool);
            return s;
        }
        /* SQLite's automatic checkpoint runs inside the commit that crosses 1000 WAL pages: it
         * made every other batch wait ~15 ms. store_pool_checkpoint does it off to the side. */
        sqlite3_wal_autocheckpoint(pool->all[i]->db, 0);
        pool->count++;
        pool->free_stores[pool->free_count++] = pool->all[i];
    }
    vb_status s = store_open(path, false, &pool->checkpointer, err);
    if (s != VB_OK) {
        store_pool_close(pool);
        return s;
    }
    *out = pool;
    return VB_OK;
}

void store_pool_checkpoint(store_pool *pool)
{
    int wal_frames = 0, copied = 0;
    sqlite3_wal_checkpoint_v2(pool->checkpointer->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &wal_frames, &copied);
}

store *store_pool_acquire(store_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    while (pool->free_count == 0)
        pthread_cond_wait(&pool->freed, &pool->lock);
    store *st = pool->free_stores[--pool->free_count];
    pthread_mutex_unlock(&pool->lock);
    return st;
}

void store_pool_release(store_pool *pool, store *st)
{
    if (!st)
        return;
    rollback(st); /* a request that failed half-way leaves no transaction open */
    pthread_mutex_lock(&pool->lock);
    pool->free_stores[pool->free_count++] = st;
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

void store_pool_close(store_pool *pool)
{
    if (!pool)
        return;
    for (size_t i = 0; i < pool->count; i++)
        store_close(pool->all[i]);
    if (pool->checkpointer)
        store_pool_checkpoint(pool);
    store_close(pool->checkpointer);
    pthread_cond_destroy(&pool->freed);
    pthread_mutex_destroy(&pool->lock);
    free(pool->free_stores);
    free(pool->all);
    free(pool);
}

/* ---------------------------------------------------------------- answers */

void store_answer_init(store_answer *answer)
{
    answer->http_status = 500;
    answer->log[0] = '\0';
    text_init(&answer->json, 256);
}

void store_answer_free(store_answer *answer) { text_free(&answer->json); }

static void answer_reset(store_answer *answer, unsigned http_status)
{
    answer->http_status = http_status;
    answer->json.length = 0;
    if (answer->json.data)
        answer->json.data[0] = '\0';
}

/* Opens {"code":…,"reason":… — the caller may add fields, then closes with "}". */
static void answer_open_error(store_answer *answer, unsigned http_status, const char *code, const char *reason)
{
    answer_reset(answer, http_status);
    text_puts(&answer->json, "{\"code\":");
    text_json_string(&answer->json, code);
    text_puts(&answer->json, ",\"reason\":");
    text_json_string(&answer->json, reason);
}

void store_answer_error(store_answer *answer, unsigned http_status, const char *code, const char *reason)
{
    answer_open_error(answer, http_status, code, reason);
    text_puts(&answer->json, "}");
}

unsigned store_http_status(vb_status status)
{
    switch (status) {
    case VB_OK: return 200;
    case VB_ERR_UNKNOWN_SIGNER:
    case VB_ERR_SIGNER_NOT_VALID:
    case VB_ERR_SIGNER_REMOVED:
    case VB_ERR_BAD_SIGNATURE:
    case VB_ERR_ALG_KEY_MISMATCH:
    case VB_ERR_MIRROR_SCHOOL:
    case VB_ERR_STATUS_ORIGIN: return 403;
    case VB_ERR_MIRROR_SEQUENCE:
    case VB_ERR_LOG_MISMATCH:
    case VB_ERR_LOG_PROOF:
    case VB_ERR_STATUS_OLDER: return 409;
    case VB_ERR_TOO_LARGE: return 413;
    case VB_ERR_MIRROR_EVENT:
    case VB_ERR_MIRROR_RECORD: return 422;
    case VB_ERR_NOMEM:
    case VB_ERR_IO:
    case VB_ERR_CRYPTO:
    case VB_ERR_ARGUMENT:
    case VB_ERR_REGISTER:
    case VB_ERR_REGISTER_BUSY: return 500;
    default: return 400;
    }
}

/* A library failure as an answer; a failure of ours (500) keeps its detail for the log. */
static void answer_failure(store_answer *answer, const vb_error *err)
{
    unsigned http_status = store_http_status(err->code);
    if (http_status == 500) {
        snprintf(answer->log, sizeof answer->log, "%s", err->message);
        store_answer_error(answer, 500, "internal", "the portal failed to store this; try again later");
        return;
    }
    store_answer_error(answer, http_status, vb_status_name(err->code), err->message);
}

static void hex_encode(const uint8_t *bytes, size_t length, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < length; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 15];
    }
    out[2 * length] = '\0';
}

bool store_school_code_valid(const char *code)
{
    size_t n = strlen(code);
    if (n == 0 || n > VB_MAX_SCHOOL_CODE_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_'))
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------- the school as held */

typedef struct {
    bool exists;
    uint64_t size;
    uint8_t tree[VB_MIRROR_TREE_MAX_BYTES];
    size_t tree_length;
    uint8_t root[VB_LOG_HASH_BYTES];
    bool has_checkpoint_time;
    int64_t checkpoint_time;
    uint64_t status_sequence;
} held_school;

static vb_status school_get(store *st, const char *code, held_school *held, vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    memset(held, 0, sizeof *held);
    if ((s = prepared(st, SQL_SCHOOL_GET, &statement, err)) != VB_OK)
        return s;
    bind_text(statement, 1, code);
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
        held->exists = true;
        held->size = (uint64_t)sqlite3_column_int64(statement, 0);
        size_t tree_length = (size_t)sqlite3_column_bytes(statement, 1);
        size_t root_length = (size_t)sqlite3_column_bytes(statement, 2);
        if (tree_length > sizeof held->tree || root_length != VB_LOG_HASH_BYTES) {
            done_with(statement);
            return vb_fail(err, VB_ERR_IO, "the store's tree of school %s is damaged", code);
        }
        if (tree_length)
            memcpy(held->tree, sqlite3_column_blob(statement, 1), tree_length);
        held->tree_length = tree_length;
        memcpy(held->root, sqlite3_column_blob(statement, 2), VB_LOG_HASH_BYTES);
        held->has_checkpoint_time = sqlite3_column_type(statement, 3) != SQLITE_NULL;
        held->checkpoint_time = sqlite3_column_int64(statement, 3);
        held->status_sequence = (uint64_t)sqlite3_column_int64(statement, 4);
    } else if (rc != SQLITE_DONE) {
        s = sql_fail(st, err, "reading a school");
    }
    done_with(statement);
    if (s == VB_OK && !held->exists) {
        vb_log_empty_root(held->root);
    }
    return s;
}

/* Inserts the school's row if it has none: its name and province from the signer certificate. */
static vb_status school_ensure(store *st, const char *code, const vb_trust_entry *signer, int64_t now, vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    char province[PORTAL_MAX_PROVINCE_BYTES + 1] = "";
    uint8_t tree[VB_MIRROR_TREE_MAX_BYTES], root[VB_LOG_HASH_BYTES];
    vb_log_builder empty;
    vb_error ignored = {0};

    if (signer && signer->certificate &&
        vb_cert_name_entry(X509_get_subject_name(signer->certificate), NID_stateOrProvinceName, province,
                           sizeof province, &ignored) != VB_OK)
        province[0] = '\0';
    vb_log_builder_init(&empty);
    size_t tree_length = vb_mirror_tree_save(&empty, tree);
    vb_log_empty_root(root);
    if ((s = prepared(st, SQL_SCHOOL_INSERT, &statement, err)) != VB_OK)
        return s;
    bind_text(statement, 1, code);
    bind_text(statement, 2, signer && signer->organization[0] ? signer->organization : code);
    bind_text(statement, 3, province);
    sqlite3_bind_blob(statement, 4, tree, (int)tree_length, SQLITE_STATIC);
    sqlite3_bind_blob(statement, 5, root, VB_LOG_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 6, now);
    return step_done(st, statement, err, "adding a school");
}

static vb_status incident_add(store *st, const char *school, int64_t now, const char *kind, uint64_t sequence,
                              const char *serial, const char *message, vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    if ((s = prepared(st, SQL_INCIDENT_INSERT, &statement, err)) != VB_OK)
        return s;
    bind_text(statement, 1, school);
    sqlite3_bind_int64(statement, 2, now);
    bind_text(statement, 3, kind);
    if (sequence)
        sqlite3_bind_int64(statement, 4, (sqlite3_int64)sequence);
    if (serial && serial[0])
        bind_text(statement, 5, serial);
    bind_text(statement, 6, message);
    return step_done(st, statement, err, "recording an incident");
}

/* ---------------------------------------------------------------- checking a batch's events */

/* ECDSA verification is what a batch costs, and it parallelises perfectly: helper threads check
 * the events in order of index while the caller stores each one as soon as it is checked, so
 * storing overlaps checking. A small batch, or one thread, is checked first on the caller. */
enum { CHECK_MAX_HELPERS = 64, CHECK_SMALL_BATCH = 32 };

typedef struct {
    const vb_trust_list *trust;
    const vb_mirror_batch *batch;
    vb_mirror_checked *checked;
    vb_status *statuses;
    vb_error *errors;
    atomic_uchar *done;           /* done[i]: event i is checked */
    atomic_size_t next;
    atomic_bool stop;             /* the caller gave up: check no more */
    pthread_mutex_t lock;
    pthread_cond_t progress;
    pthread_t helpers[CHECK_MAX_HELPERS];
    size_t helper_count;
} event_checks;

static void check_events_here(event_checks *work)
{
    for (;;) {
        if (atomic_load_explicit(&work->stop, memory_order_relaxed))
            return;
        size_t i = atomic_fetch_add_explicit(&work->next, 1, memory_order_relaxed);
        if (i >= work->batch->count)
            return;
        work->statuses[i] = vb_mirror_check_event(work->trust, work->batch, i, &work->checked[i], &work->errors[i]);
        atomic_store_explicit(&work->done[i], 1, memory_order_release);
        pthread_mutex_lock(&work->lock);
        pthread_cond_broadcast(&work->progress);
        pthread_mutex_unlock(&work->lock);
    }
}

static void *check_events_thread(void *context)
{
    check_events_here(context);
    return NULL;
}

static void checks_start(event_checks *work, unsigned threads)
{
    size_t wanted = threads > 1 && work->batch->count >= CHECK_SMALL_BATCH ? threads : 0;
    if (wanted > CHECK_MAX_HELPERS)
        wanted = CHECK_MAX_HELPERS;
    atomic_init(&work->next, 0);
    atomic_init(&work->stop, false);
    pthread_mutex_init(&work->lock, NULL);
    pthread_cond_init(&work->progress, NULL);
    work->helper_count = 0; /* read by the caller only */
    for (size_t i = 0; i < wanted; i++)
        if (pthread_create(&work->helpers[work->helper_count], NULL, check_events_thread, work) == 0)
            work->helper_count++;
    if (work->helper_count == 0)
        check_events_here(work); /* fewer threads than asked is fine; none: the caller checks all */
}

/* Waits until event i is checked. */
static void checks_wait(event_checks *work, size_t i)
{
    if (atomic_load_explicit(&work->done[i], memory_order_acquire))
        return;
    pthread_mutex_lock(&work->lock);
    while (!atomic_load_explicit(&work->done[i], memory_order_acquire))
        pthread_cond_wait(&work->progress, &work->lock);
    pthread_mutex_unlock(&work->lock);
}

/* Joins the helpers; with `abandon`, they stop at the event they are on. */
static void checks_finish(event_checks *work, bool abandon)
{
    if (abandon)
        atomic_store(&work->stop, true);
    for (size_t i = 0; i < work->helper_count; i++)
        pthread_join(work->helpers[i], NULL);
    work->helper_count = 0;
    pthread_cond_destroy(&work->progress);
    pthread_mutex_destroy(&work->lock);
}

/* ---------------------------------------------------------------- accepting a batch */

static vb_status batch_answer_find(store *st, const uint8_t digest[32], text_buffer *answer, bool *found,
                                   vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    *found = false;
    if ((s = prepared(st, SQL_BATCH_ANSWER, &statement, err)) != VB_OK)
        return s;
    sqlite3_bind_blob(statement, 1, digest, 32, SQLITE_STATIC);
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
        *found = true;
        answer->length = 0;
        text_append(answer, (const char *)sqlite3_column_text(statement, 0),
                    (size_t)sqlite3_column_bytes(statement, 0));
    } else if (rc != SQLITE_DONE) {
        s = sql_fail(st, err, "looking for a batch");
    }
    done_with(statement);
    return s;
}

static vb_status insert_event(store *st, const char *school, const vb_mirror_event *item,
                              const vb_mirror_checked *checked, const uint8_t digest[32], vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    const vb_register_event *event = &checked->event;
    if ((s = prepared(st, SQL_EVENT_INSERT, &statement, err)) != VB_OK)
        return s;
    bind_text(statement, 1, school);
    sqlite3_bind_int64(statement, 2, (sqlite3_int64)event->sequence);
    sqlite3_bind_int(statement, 3, event->kind);
    sqlite3_bind_int64(statement, 4, event->time);
    sqlite3_bind_int64(statement, 5, (sqlite3_int64)event->record_id);
    sqlite3_bind_int(statement, 6, event->reason);
    bind_text(statement, 7, event->decision_number);
    if (event->has_decision_date)
        sqlite3_bind_int(statement, 8, event->decision_date);
    sqlite3_bind_blob(statement, 9, item->entry, (int)item->entry_length, SQLITE_STATIC);
    sqlite3_bind_blob(statement, 10, checked->leaf_hash, VB_LOG_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(statement, 11, digest, 32, SQLITE_STATIC);
    return step_done(st, statement, err, "storing an event");
}

/* VB_ERR_MIRROR_RECORD when the school already gave this record id to another record. */
static vb_status insert_record(store *st, const char *school, const vb_mirror_event *item,
                               const vb_mirror_checked *checked, vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    const vb_credential *c = &checked->verification.credential;
    char folded[4 * VB_TEXT_FIELD];
    uint64_t supersedes = 0;
    if (!vb_register_fold_name(c->name, folded, sizeof folded))
        return vb_fail(err, VB_ERR_MIRROR_RECORD, "the name cannot be folded for search");
    if (c->kind == VB_KIND_CORRECTION && !vb_register_record_id_value(c->supersedes, c->supersedes_length, &supersedes))
        supersedes = 0;
    if ((s = prepared(st, SQL_RECORD_INSERT, &statement, err)) != VB_OK)
        return s;
    bind_text(statement, 1, school);
    sqlite3_bind_int64(statement, 2, (sqlite3_int64)checked->event.record_id);
    sqlite3_bind_int(statement, 3, c->kind);
    sqlite3_bind_int64(statement, 4, (sqlite3_int64)checked->event.sequence);
    bind_text(statement, 5, c->serial);
    sqlite3_bind_int(statement, 6, c->type);
    sqlite3_bind_int64(statement, 7, c->register_number);
    sqlite3_bind_int(statement, 8, c->register_year);
    bind_text(statement, 9, c->name);
    bind_text(statement, 10, folded);
    sqlite3_bind_int(statement, 11, c->birth_date);
    sqlite3_bind_int(statement, 12, c->gender);
    bind_text(statement, 13, c->program_code);
    bind_text(statement, 14, c->program_name);
    sqlite3_bind_int(statement, 15, c->classification);
    sqlite3_bind_int(statement, 16, c->training_mode);
    sqlite3_bind_int(statement, 17, c->issue_date);
    bind_text(statement, 18, c->issue_place);
    sqlite3_bind_int64(statement, 19, (sqlite3_int64)supersedes);
    sqlite3_bind_int64(statement, 20, c->copy_number);
    sqlite3_bind_int64(statement, 21, c->signed_at);
    sqlite3_bind_blob(statement, 22, checked->verification.kid, VB_KID_BYTES, SQLITE_STATIC);
    if (item->personal_id[0])
        bind_text(statement, 23, item->personal_id);
    sqlite3_bind_blob(statement, 24, item->record, (int)item->record_length, SQLITE_STATIC);
    int rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (rc == SQLITE_DONE)
        return VB_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return vb_fail(err, VB_ERR_MIRROR_RECORD, "record id %llu is already held for another record of the school",
                       (unsigned long long)checked->event.record_id);
    return sql_fail(st, err, "storing a record");
}

typedef struct {
    const char *school;
    const vb_mirror_batch *batch;
    const uint8_t *digest;
    const vb_trust_entry *signer;
    const vb_log_builder *extended;
    const vb_log_checkpoint *checkpoint;
    const char *answer;
    int64_t now;
} batch_rows;

/* What closes a batch, in the caller's transaction once its events are in: the checkpoint,
 * the batch with its answer, and the school's new size, tree and root. */
static vb_status insert_batch_close(store *st, const batch_rows *rows, vb_error *err)
{
    vb_status s;
    sqlite3_stmt *statement;
    const vb_mirror_batch *batch = rows->batch;
    if ((s = prepared(st, SQL_CHECKPOINT_INSERT, &statement, err)) != VB_OK)
        return s;
    bind_text(statement, 1, rows->school);
    sqlite3_bind_int64(statement, 2, (sqlite3_int64)rows->checkpoint->size);
    sqlite3_bind_blob(statement, 3, rows->checkpoint->root, VB_LOG_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(statement, 4, batch->checkpoint, (int)batch->checkpoint_length, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 5, (sqlite3_int64)rows->checkpoint->time);
    sqlite3_bind_int64(statement, 6, rows->now);
    if ((s = step_done(st, statement, err, "storing a checkpoint")) != VB_OK)
        return s;

    if ((s = prepared(st, SQL_BATCH_INSERT, &statement, err)) != VB_OK)
        return s;
    sqlite3_bind_blob(statement, 1, rows->digest, 32, SQLITE_STATIC);
    bind_text(statement, 2, rows->school);
    sqlite3_bind_int64(statement, 3, (sqlite3_int64)batch->first);
    sqlite3_bind_int64(statement, 4, (sqlite3_int64)batch->count);
    sqlite3_bind_blob(statement, 5, rows->signer->kid, VB_KID_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 6, rows->now);
    bind_text(statement, 7, rows->answer);
    if ((s = step_done(st, statement, err, "storing the batch")) != VB_OK)
        return s;

    uint8_t tree[VB_MIRROR_TREE_MAX_BYTES];
    size_t tree_length = vb_mirror_tree_save(rows->extended, tree);
    if ((s = prepared(st, SQL_SCHOOL_ADVANCE, &statement, err)) != VB_OK)
        return s;
    bind_text(statement, 1, rows->school);
    sqlite3_bind_int64(statement, 2, (sqlite3_int64)rows->checkpoint->size);
    sqlite3_bind_blob(statement, 3, tree, (int)tree_length, SQLITE_TRANSIENT);
    sqlite3_bind_blob(statement, 4, rows->checkpoint->root, VB_LOG_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(statement, 5, batch->checkpoint, (int)batch->checkpoint_length, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 6, (sqlite3_int64)rows->checkpoint->time);
    sqlite3_bind_int64(statement, 7, rows->now);
    return step_done(st, statement, err, "advancing the school");
}

static void answer_sequence(store_answer *answer, uint64_t held_size, const char *reason)
{
    answer_open_error(answer, 409, vb_status_name(VB_ERR_MIRROR_SEQUENCE), reason);
    text_printf(&answer->json, ",\"expected\":%llu}", (unsigned long long)held_size + 1);
}

/* One failing event of a 422 answer. */
static void answer_record_failure(text_buffer *json, bool first, uint64_t sequence, const vb_error *err)
{
    text_printf(json, "%s{\"sequence\":%llu,\"code\":", first ? "" : ",", (unsigned long long)sequence);
    text_json_string(json, vb_status_name(err->code));
    text_puts(json, ",\"reason\":");
    text_json_string(json, err->message);
    text_puts(json, "}");
}

/* The log the school sent does not extend the one held: recorded in its own transaction, so
 * the incident stays whatever becomes of the batch. */
static void record_log_incident(store *st, const vb_mirror_batch *batch, const vb_trust_entry *signer,
                                const held_school *held, const vb_error *why, int64_t now, store_answer *answer)
{
    char message[512], held_root[2 * VB_LOG_HASH_BYTES + 1];
    vb_error err = {0};
    vb_log_checkpoint claimed;
    vb_cose_sign1 envelope;
    uint64_t claimed_size = batch->first - 1 + batch->count;
    hex_encode(held->root, VB_LOG_HASH_BYTES, held_root);
    if (vb_log_checkpoint_decode(batch->checkpoint, batch->checkpoint_length, &envelope, &claimed, &err) == VB_OK)
        claimed_size = claimed.size;
    snprintf(message, sizeof message,
             "%s: a batch of events %llu-%llu whose checkpoint of size %llu does not extend the log of %llu events "
             "the portal holds (root %.16s…): %s",
             vb_status_name(why->code), (unsigned long long)batch->first,
             (unsigned long long)(batch->first - 1 + batch->count), (unsigned long long)claimed_size,
             (unsigned long long)held->size, held_root, why->message);
    vb_status s = begin_write(st, &err);
    if (s == VB_OK && !held->exists)
        s = school_ensure(st, batch->school, signer, now, &err);
    if (s == VB_OK)
        s = incident_add(st, batch->school, now, "log-mismatch", 0, NULL, message, &err);
    if (s == VB_OK)
        s = commit(st, &err);
    if (s != VB_OK) {
        rollback(st);
        snprintf(answer->log, sizeof answer->log, "could not record an incident for %s: %.200s", batch->school,
                 err.message);
    } else {
        snprintf(answer->log, sizeof answer->log, "incident: school %s sent a log that does not extend size %llu (%s)",
                 batch->school, (unsigned long long)held->size, vb_status_name(why->code));
    }
}

void store_accept_batch(store *st, const vb_trust_list *trust, const uint8_t *data, size_t length, unsigned threads,
                        int64_t now, store_answer *answer)
{
    uint8_t digest[32];
    char digest_hex[65], root_hex[2 * VB_LOG_HASH_BYTES + 1];
    vb_error err = {0}, conflict_err = {0};
    vb_status s;
    bool found, batch_decoded = false, checking = false, writing = false;
    vb_mirror_batch batch;
    const vb_trust_entry *signer = NULL;
    event_checks work;
    memset(&work, 0, sizeof work);
    uint8_t *leaves = NULL;
    text_buffer reply;
    text_init(&reply, 256);

    /* The same bytes again: the stored answer, whatever has changed since. */
    SHA256(data, length, digest);
    hex_encode(digest, 32, digest_hex);
    if ((s = batch_answer_find(st, digest, &answer->json, &found, &err)) != VB_OK)
        goto failed;
    if (found) {
        answer->http_status = 200;
        goto done;
    }

    memset(&batch, 0, sizeof batch);
    if ((s = vb_mirror_batch_verify(data, length, trust, &batch, &signer, &err)) != VB_OK)
        goto failed;
    batch_decoded = true;

    held_school held;
    if ((s = school_get(st, batch.school, &held, &err)) != VB_OK)
        goto failed;
    if (batch.first != held.size + 1) {
        char reason[160];
        snprintf(reason, sizeof reason, "the portal holds %llu events of school %s; the next batch starts at %llu, not %llu",
                 (unsigned long long)held.size, batch.school, (unsigned long long)held.size + 1,
                 (unsigned long long)batch.first);
        answer_sequence(answer, held.size, reason);
        goto done;
    }

    /* Every event on its own, on helper threads; the batch is refused whole if any fails. */
    work.trust = trust;
    work.batch = &batch;
    work.checked = calloc(batch.count, sizeof *work.checked);
    work.statuses = calloc(batch.count, sizeof *work.statuses);
    work.errors = calloc(batch.count, sizeof *work.errors);
    work.done = calloc(batch.count, sizeof *work.done);
    leaves = malloc(batch.count * VB_LOG_HASH_BYTES);
    if (!work.checked || !work.statuses || !work.errors || !work.done || !leaves) {
        s = vb_fail(&err, VB_ERR_NOMEM, "out of memory checking %zu events", batch.count);
        goto failed;
    }
    checks_start(&work, threads);
    checking = true;

    /* Meanwhile, under the write lock, each event is stored as soon as it is checked. What the
     * decision rests on is read again under the lock: another request may have stored this
     * very batch, or another one of the school, since. */
    if ((s = begin_write(st, &err)) != VB_OK)
        goto failed;
    writing = true;
    held_school now_held;
    if ((s = batch_answer_find(st, digest, &answer->json, &found, &err)) != VB_OK ||
        (s = school_get(st, batch.school, &now_held, &err)) != VB_OK)
        goto failed;
    if (found) {
        answer->http_status = 200;
        goto done;
    }
    if (now_held.size != held.size) {
        answer_sequence(answer, now_held.size, "another batch of this school was stored meanwhile");
        goto done;
    }
    if (!now_held.exists && (s = school_ensure(st, batch.school, signer, now, &err)) != VB_OK)
        goto failed;

    size_t failures = 0, conflict = batch.count;
    for (size_t i = 0; i < batch.count; i++) {
        checks_wait(&work, i);
        if (work.statuses[i] != VB_OK) {
            if (failures == 0) {
                answer_open_error(answer, 422, "bad-records",
                                  "some events of the batch are wrong; the batch was refused whole");
                text_puts(&answer->json, ",\"records\":[");
            }
            if (failures < STORE_MAX_REPORTED_FAILURES)
                answer_record_failure(&answer->json, failures == 0, batch.first + i, &work.errors[i]);
            failures++;
            continue;
        }
        memcpy(leaves + i * VB_LOG_HASH_BYTES, work.checked[i].leaf_hash, VB_LOG_HASH_BYTES);
        if (failures || conflict < batch.count)
            continue; /* refused already: only the failures are still gathered */
        s = insert_event(st, batch.school, &batch.events[i], &work.checked[i], digest, &err);
        if (s == VB_OK && work.checked[i].has_record)
            s = insert_record(st, batch.school, &batch.events[i], &work.checked[i], &err);
        if (s == VB_ERR_MIRROR_RECORD) {
            conflict = i;
            conflict_err = err;
            s = VB_OK;
        } else if (s != VB_OK) {
            goto failed;
        }
    }
    checks_finish(&work, false);
    checking = false;
    if (failures) {
        text_printf(&answer->json, "],\"failed\":%zu}", failures);
        goto done;
    }
    if (conflict < batch.count) {
        answer_open_error(answer, 422, "bad-records",
                          "an event of the batch conflicts with what the portal holds; the batch was refused whole");
        text_puts(&answer->json, ",\"records\":[");
        answer_record_failure(&answer->json, true, batch.first + conflict, &conflict_err);
        text_puts(&answer->json, "],\"failed\":1}");
        goto done;
    }

    /* The checkpoint: signed by the same key, and extending exactly what the portal holds. */
    vb_log_builder held_tree, extended;
    vb_log_checkpoint checkpoint;
    if (held.exists) {
        if ((s = vb_mirror_tree_load(held.tree, held.tree_length, &held_tree, &err)) != VB_OK) {
            s = vb_fail(&err, VB_ERR_IO, "the store's tree of school %s is damaged: %s", batch.school, err.message);
            goto failed;
        }
    } else {
        vb_log_builder_init(&held_tree);
    }
    s = vb_mirror_check_checkpoint(&batch, signer->public_key, &held_tree, leaves, &extended, &checkpoint, &err);
    if (s == VB_ERR_LOG_MISMATCH || s == VB_ERR_LOG_PROOF) {
        rollback(st);
        writing = false;
        record_log_incident(st, &batch, signer, &held, &err, now, answer);
        answer_open_error(answer, 409, vb_status_name(s), err.message);
        text_printf(&answer->json, ",\"size\":%llu}", (unsigned long long)held.size);
        goto done;
    }
    if (s == VB_ERR_MIRROR_SEQUENCE) {
        answer_sequence(answer, held.size, err.message);
        goto done;
    }
    if (s != VB_OK)
        goto failed;

    hex_encode(checkpoint.root, VB_LOG_HASH_BYTES, root_hex);
    text_puts(&reply, "{\"school\":");
    text_json_string(&reply, batch.school);
    text_printf(&reply, ",\"accepted\":%zu,\"size\":%llu,\"root\":\"%s\",\"batch\":\"%s\"}", batch.count,
                (unsigned long long)checkpoint.size, root_hex, digest_hex);
    if (reply.failed) {
        s = vb_fail(&err, VB_ERR_NOMEM, "out of memory");
        goto failed;
    }
    batch_rows rows = {.school = batch.school, .batch = &batch, .digest = digest, .signer = signer,
                       .extended = &extended, .checkpoint = &checkpoint, .answer = reply.data, .now = now};
    if ((s = insert_batch_close(st, &rows, &err)) != VB_OK || (s = commit(st, &err)) != VB_OK)
        goto failed;
    writing = false;
    answer_reset(answer, 200);
    text_append(&answer->json, reply.data, reply.length);
    goto done;

failed:
    answer_failure(answer, &err);
done:
    if (checking)
        checks_finish(&work, true);
    if (writing)
        rollback(st);
    if (batch_decoded)
        vb_mirror_batch_free(&batch);
    free(work.checked);
    free(work.statuses);
    free(work.errors);
    free(work.done);
    free(leaves);
    text_free(&reply);
}

/* ---------------------------------------------------------------- leaf statements */

void store_compare_leaves(store *st, const vb_trust_list *trust, const char *school, const uint8_t *data,
                          size_t length, int64_t now, store_answer *answer)
{
    vb_mirror_leaves leaves;
    const vb_trust_entry *signer = NULL;
    vb_error err = {0};
    vb_status s;
    held_school held;
    sqlite3_stmt *statement;
    size_t compared = 0, differ = 0;
    text_buffer list;
    text_init(&list, 256);

    if ((s = vb_mirror_leaves_verify(data, length, trust, &leaves, &signer, &err)) != VB_OK)
        goto failed;
    if (strcmp(leaves.school, school) != 0) {
        char reason[160];
        snprintf(reason, sizeof reason, "the statement speaks for school %s, not %s", leaves.school, school);
        store_answer_error(answer, 403, vb_status_name(VB_ERR_MIRROR_SCHOOL), reason);
        goto done;
    }
    if ((s = school_get(st, school, &held, &err)) != VB_OK)
        goto failed;
    if (!held.exists || held.size == 0) {
        store_answer_error(answer, 404, "unknown-school", "the portal holds no events of this school");
        goto done;
    }

    /* Compare inside one write transaction, so the incidents and the events compared agree. */
    if ((s = begin_write(st, &err)) != VB_OK)
        goto failed;
    uint64_t last = leaves.first - 1 + leaves.count;
    if (last > held.size)
        last = held.size;
    if (leaves.first <= last) {
        if ((s = prepared(st, SQL_LEAVES_RANGE, &statement, &err)) != VB_OK)
            goto failed_in_transaction;
        bind_text(statement, 1, school);
        sqlite3_bind_int64(statement, 2, (sqlite3_int64)leaves.first);
        sqlite3_bind_int64(statement, 3, (sqlite3_int64)last);
        /* Differences are gathered first: the incident statement must not run while this one
         * is being stepped over the same connection's rows. */
        typedef struct {
            uint64_t sequence;
            char serial[VB_TEXT_FIELD];
        } difference;
        difference *found = NULL;
        size_t found_capacity = 0;
        int rc;
        while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
            uint64_t sequence = (uint64_t)sqlite3_column_int64(statement, 0);
            const uint8_t *leaf = sqlite3_column_blob(statement, 1);
            size_t leaf_length = (size_t)sqlite3_column_bytes(statement, 1);
            const uint8_t *restated = leaves.leaves + (sequence - leaves.first) * VB_LOG_HASH_BYTES;
            compared++;
            if (leaf_length == VB_LOG_HASH_BYTES && memcmp(leaf, restated, VB_LOG_HASH_BYTES) == 0)
                continue;
            if (differ == found_capacity) {
                size_t capacity = found_capacity ? 2 * found_capacity : 64;
                difference *grown = realloc(found, capacity * sizeof *grown);
                if (!grown) {
                    free(found);
                    done_with(statement);
                    s = vb_fail(&err, VB_ERR_NOMEM, "out of memory");
                    goto failed_in_transaction;
                }
                found = grown;
                found_capacity = capacity;
            }
            found[differ].sequence = sequence;
            copy_column_text(statement, 2, found[differ].serial, sizeof found[differ].serial);
            differ++;
        }
        done_with(statement);
        if (rc != SQLITE_DONE) {
            free(found);
            s = sql_fail(st, &err, "reading events");
            goto failed_in_transaction;
        }
        for (size_t i = 0; i < differ && s == VB_OK; i++) {
            char message[400];
            snprintf(message, sizeof message,
                     "event %llu (serial %s) differs from the leaf the school restated: its register no longer "
                     "holds the event the portal accepted",
                     (unsigned long long)found[i].sequence, found[i].serial[0] ? found[i].serial : "-");
            s = incident_add(st, school, now, "leaf-differs", found[i].sequence, found[i].serial, message, &err);
            text_printf(&list, "%s{\"sequence\":%llu,\"serial\":", i ? "," : "", (unsigned long long)found[i].sequence);
            text_json_string(&list, found[i].serial[0] ? found[i].serial : NULL);
            text_puts(&list, "}");
        }
        free(found);
        if (s != VB_OK)
            goto failed_in_transaction;
    }
    if ((s = commit(st, &err)) != VB_OK)
        goto failed_in_transaction;
    if (differ)
        snprintf(answer->log, sizeof answer->log, "incident: %zu events of school %s differ from its leaf statement",
                 differ, school);
    answer_reset(answer, 200);
    text_puts(&answer->json, "{\"school\":");
    text_json_string(&answer->json, school);
    text_printf(&answer->json, ",\"compared\":%zu,\"differ\":[", compared);
    text_append(&answer->json, list.data ? list.data : "", list.length);
    text_puts(&answer->json, "]}");
    goto done;

failed_in_transaction:
    rollback(st);
failed:
    answer_failure(answer, &err);
done:
    text_free(&list);
}

/* ---------------------------------------------------------------- status lists */

void store_put_status(store *st, const vb_trust_list *trust, const char *school, const uint8_t *data,
                      size_t length, int64_t now, store_answer *answer)
{
    vb_statuslist list;
    vb_error err = {0};
    vb_status s;
    held_school held;
    bool parsed = false;

    if ((s = school_get(st, school, &held, &err)) != VB_OK)
        goto failed;
    if ((s = vb_statuslist_parse(data, length, trust, held.status_sequence, &list, &err)) != VB_OK)
        goto failed;
    parsed = true;
    if (strcmp(list.origin, school) != 0) {
        char reason[160];
        snprintf(reason, sizeof reason, "the list speaks for school %s, not %s", list.origin, school);
        store_answer_error(answer, 403, vb_status_name(VB_ERR_STATUS_ORIGIN), reason);
        goto done;
    }
    if ((s = begin_write(st, &err)) != VB_OK)
        goto failed;
    held_school now_held;
    if ((s = school_get(st, school, &now_held, &err)) != VB_OK)
        goto failed_in_transaction;
    if (now_held.status_sequence >= list.sequence) {
        char reason[160];
        rollback(st);
        snprintf(reason, sizeof reason, "the portal holds status list %llu of school %s; this one is %llu",
                 (unsigned long long)now_held.status_sequence, school, (unsigned long long)list.sequence);
        store_answer_error(answer, 409, vb_status_name(VB_ERR_STATUS_OLDER), reason);
        goto done;
    }
    if (!now_held.exists &&
        (s = school_ensure(st, school, vb_trust_find(trust, list.signed_by), now, &err)) != VB_OK)
        goto failed_in_transaction;
    sqlite3_stmt *statement;
    if ((s = prepared(st, SQL_STATUS_SET, &statement, &err)) != VB_OK)
        goto failed_in_transaction;
    bind_text(statement, 1, school);
    sqlite3_bind_blob(statement, 2, data, (int)length, SQLITE_STATIC);
    sqlite3_bind_int64(statement, 3, (sqlite3_int64)list.sequence);
    sqlite3_bind_int64(statement, 4, now);
    if ((s = step_done(st, statement, &err, "storing a status list")) != VB_OK || (s = commit(st, &err)) != VB_OK)
        goto failed_in_transaction;
    answer_reset(answer, 200);
    text_puts(&answer->json, "{\"school\":");
    text_json_string(&answer->json, school);
    text_printf(&answer->json, ",\"sequence\":%llu}", (unsigned long long)list.sequence);
    goto done;

failed_in_transaction:
    rollback(st);
failed:
    answer_failure(answer, &err);
done:
    if (parsed)
        vb_statuslist_free(&list);
}

void store_school_summary(store *st, const char *school, store_answer *answer)
{
    held_school held;
    vb_error err = {0};
    char root[2 * VB_LOG_HASH_BYTES + 1];
    if (school_get(st, school, &held, &err) != VB_OK) {
        answer_failure(answer, &err);
        return;
    }
    hex_encode(held.root, VB_LOG_HASH_BYTES, root);
    answer_reset(answer, 200);
    text_puts(&answer->json, "{\"school\":");
    text_json_string(&answer->json, school);
    text_printf(&answer->json, ",\"size\":%llu,\"root\":\"%s\",\"checkpoint_time\":", (unsigned long long)held.size,
                root);
    if (held.has_checkpoint_time)
        text_printf(&answer->json, "%lld", (long long)held.checkpoint_time);
    else
        text_puts(&answer->json, "null");
    text_printf(&answer->json, ",\"status_sequence\":%llu}", (unsigned long long)held.status_sequence);
}

vb_status store_status_list(store *st, const char *school, uint8_t **data, size_t *length, bool *found,
                            vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    *data = NULL;
    *length = 0;
    *found = false;
    if ((s = prepared(st, SQL_STATUS_GET, &statement, err)) != VB_OK)
        return s;
    bind_text(statement, 1, school);
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(statement, 0);
        if (!(*data = malloc(n ? n : 1))) {
            s = vb_fail(err, VB_ERR_NOMEM, "out of memory");
        } else {
            if (n)
                memcpy(*data, sqlite3_column_blob(statement, 0), n);
            *length = n;
            *found = true;
        }
    } else if (rc != SQLITE_DONE) {
        s = sql_fail(st, err, "reading a status list");
    }
    done_with(statement);
    return s;
}

vb_status store_status_bundle(store *st, uint8_t **data, size_t *length, size_t *lists, vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    uint8_t **copies = NULL;
    size_t *lengths = NULL, count = 0, capacity = 0;
    *data = NULL;
    *length = 0;
    *lists = 0;
    if ((s = prepared(st, SQL_STATUS_ALL, &statement, err)) != VB_OK)
        return s;
    /* Copied out inside one read transaction, so every list comes from one moment. */
    if ((s = exec(st, "BEGIN", err)) != VB_OK)
        return s;
    int rc;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        if (count == VB_MIRROR_MAX_BUNDLE_LISTS) {
            s = vb_fail(err, VB_ERR_TOO_LARGE, "more than %d schools have status lists", VB_MIRROR_MAX_BUNDLE_LISTS);
            break;
        }
        if (count == capacity) {
            size_t grown_capacity = capacity ? 2 * capacity : 16;
            uint8_t **grown = realloc(copies, grown_capacity * sizeof *grown);
            size_t *grown_lengths = grown ? realloc(lengths, grown_capacity * sizeof *grown_lengths) : NULL;
            if (grown)
                copies = grown;
            if (grown_lengths)
                lengths = grown_lengths;
            if (!grown || !grown_lengths) {
                s = vb_fail(err, VB_ERR_NOMEM, "out of memory");
                break;
            }
            capacity = grown_capacity;
        }
        size_t n = (size_t)sqlite3_column_bytes(statement, 0);
        if (!(copies[count] = malloc(n ? n : 1))) {
            s = vb_fail(err, VB_ERR_NOMEM, "out of memory");
            break;
        }
        if (n)
            memcpy(copies[count], sqlite3_column_blob(statement, 0), n);
        lengths[count++] = n;
    }
    if (s == VB_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        s = sql_fail(st, err, "reading the status lists");
    done_with(statement);
    rollback(st);
    if (s == VB_OK)
        s = vb_mirror_bundle_encode((const uint8_t *const *)copies, lengths, count, data, length, err);
    if (s == VB_OK)
        *lists = count;
    for (size_t i = 0; i < count; i++)
        free(copies[i]);
    free(copies);
    free(lengths);
    return s;
}

vb_status store_totals(store *st, uint64_t *schools, uint64_t *events, vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    *schools = *events = 0;
    if ((s = prepared(st, SQL_TOTALS, &statement, err)) != VB_OK)
        return s;
    if (sqlite3_step(statement) == SQLITE_ROW) {
        *schools = (uint64_t)sqlite3_column_int64(statement, 0);
        *events = (uint64_t)sqlite3_column_int64(statement, 1);
    } else {
        s = sql_fail(st, err, "counting");
    }
    done_with(statement);
    return s;
}

vb_status store_snapshot_begin(store *st, store_version *version, vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    memset(version, 0, sizeof *version);
    version->writes = atomic_load(&committed_writes); /* before the snapshot: see store.h */
    if ((s = exec(st, "BEGIN", err)) != VB_OK)
        return s;
    if ((s = prepared(st, SQL_VERSION, &statement, err)) != VB_OK) {
        rollback(st);
        return s;
    }
    if (sqlite3_step(statement) == SQLITE_ROW) {
        int64_t *columns[] = {&version->schools,     &version->events,    &version->status_sequences,
                              &version->last_update, &version->checkpoints, &version->incidents,
                              &version->last_incident};
        for (int i = 0; i < (int)(sizeof columns / sizeof columns[0]); i++)
            *columns[i] = sqlite3_column_int64(statement, i);
    } else {
        s = sql_fail(st, err, "reading its version");
    }
    done_with(statement);
    if (s != VB_OK)
        rollback(st);
    return s;
}

void store_snapshot_end(store *st) { rollback(st); /* read only: nothing to keep */ }

bool store_version_equal(const store_version *a, const store_version *b)
{
    return a->writes == b->writes && a->schools == b->schools && a->events == b->events &&
           a->status_sequences == b->status_sequences && a->checkpoints == b->checkpoints &&
           a->incidents == b->incidents && a->last_incident == b->last_incident && a->last_update == b->last_update;
}

/* ---------------------------------------------------------------- the lookup */

/* One credential (school, serial) met while reading the records of a serial. */
typedef struct {
    char school[VB_MAX_SCHOOL_CODE_BYTES + 1];
    uint64_t original_id, correction_id; /* the last of each kind; 0 none */
    bool matched;
} lookup_candidate;

static vb_status lookup_fill(store *st, const lookup_candidate *candidate, const char *serial, lookup_result *out,
                             vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    uint64_t current = candidate->correction_id ? candidate->correction_id : candidate->original_id;
    int64_t sequence = 0;
    memset(out, 0, sizeof *out);
    memcpy(out->school_code, candidate->school, sizeof out->school_code);
    out->record_id = current;

    if ((s = prepared(st, SQL_LOOKUP_RECORD, &statement, err)) != VB_OK)
        return s;
    bind_text(statement, 1, candidate->school);
    sqlite3_bind_int64(statement, 2, (sqlite3_int64)current);
    if (sqlite3_step(statement) != SQLITE_ROW) {
        done_with(statement);
        return sql_fail(st, err, "reading a record");
    }
    out->kind = sqlite3_column_int(statement, 0);
    copy_column_text(statement, 1, out->serial, sizeof out->serial);
    out->type = sqlite3_column_int(statement, 2);
    out->register_number = (uint32_t)sqlite3_column_int64(statement, 3);
    out->register_year = (uint16_t)sqlite3_column_int(statement, 4);
    copy_column_text(statement, 5, out->name, sizeof out->name);
    out->birth_date = sqlite3_column_int(statement, 6);
    out->gender = sqlite3_column_int(statement, 7);
    copy_column_text(statement, 8, out->program_code, sizeof out->program_code);
    copy_column_text(statement, 9, out->program_name, sizeof out->program_name);
    out->classification = sqlite3_column_int(statement, 10);
    out->training_mode = sqlite3_column_int(statement, 11);
    out->issue_date = sqlite3_column_int(statement, 12);
    copy_column_text(statement, 13, out->issue_place, sizeof out->issue_place);
    sequence = sqlite3_column_int64(statement, 14);
    copy_column_text(statement, 15, out->school_name, sizeof out->school_name);
    done_with(statement);
    out->state = out->kind == VB_KIND_CORRECTION ? LOOKUP_SUPERSEDED : LOOKUP_IN_FORCE;

    if (out->kind == VB_KIND_CORRECTION) {
        if ((s = prepared(st, SQL_EVENT_DECISION, &statement, err)) != VB_OK)
            return s;
        bind_text(statement, 1, candidate->school);
        sqlite3_bind_int64(statement, 2, sequence);
        if (sqlite3_step(statement) == SQLITE_ROW) {
            copy_column_text(statement, 0, out->correction_decision, sizeof out->correction_decision);
            out->has_correction_date = sqlite3_column_type(statement, 1) != SQLITE_NULL;
            out->correction_date = sqlite3_column_int(statement, 1);
            out->corrected_at = sqlite3_column_int64(statement, 2);
        }
        done_with(statement);
    }

    if ((s = prepared(st, SQL_LOOKUP_REVOKED, &statement, err)) != VB_OK)
        return s;
    bind_text(statement, 1, candidate->school);
    bind_text(statement, 2, serial);
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
        out->state = LOOKUP_REVOKED;
        out->revoke_reason = sqlite3_column_int(statement, 0);
        copy_column_text(statement, 1, out->revoke_decision, sizeof out->revoke_decision);
        out->has_revoke_date = sqlite3_column_type(statement, 2) != SQLITE_NULL;
        out->revoke_date = sqlite3_column_int(statement, 2);
        out->revoked_at = sqlite3_column_int64(statement, 3);
    } else if (rc != SQLITE_DONE) {
        s = sql_fail(st, err, "reading a revocation");
    }
    done_with(statement);
    return s;
}

vb_status store_lookup(store *st, const lookup_query *query, lookup_result *results, size_t capacity, size_t *count,
                       vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    /* Serials follow each school's own pattern, so one serial may be in many schools: the rows
     * come school by school, and only the credentials that match are kept. */
    lookup_candidate matched[STORE_MAX_LOOKUP_RESULTS], current;
    size_t matched_count = 0;
    bool have_current = false;
    *count = 0;
    if (!query->folded_name && !query->has_birth_date)
        return vb_fail(err, VB_ERR_ARGUMENT, "a lookup needs the name or the birth date besides the serial");
    if (capacity > STORE_MAX_LOOKUP_RESULTS)
        capacity = STORE_MAX_LOOKUP_RESULTS;

    /* One read transaction: the records, the revocation and the school agree. */
    if ((s = exec(st, "BEGIN", err)) != VB_OK)
        return s;
    if ((s = prepared(st, SQL_LOOKUP_SERIAL, &statement, err)) != VB_OK)
        goto done;
    bind_text(statement, 1, query->serial);
    int rc;
    memset(&current, 0, sizeof current);
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        const char *school = (const char *)sqlite3_column_text(statement, 0);
        uint64_t record_id = (uint64_t)sqlite3_column_int64(statement, 1);
        int kind = sqlite3_column_int(statement, 2);
        const char *folded = (const char *)sqlite3_column_text(statement, 3);
        int32_t birth_date = sqlite3_column_int(statement, 4);
        if (!school)
            continue;
        if (!have_current || strcmp(current.school, school) != 0) {
            if (have_current && current.matched && matched_count < capacity)
                matched[matched_count++] = current;
            memset(&current, 0, sizeof current);
            snprintf(current.school, sizeof current.school, "%s", school);
            have_current = true;
        }
        if (kind == VB_KIND_CORRECTION)
            current.correction_id = record_id;
        else
            current.original_id = record_id;
        bool name_ok = !query->folded_name || (folded && strcmp(folded, query->folded_name) == 0);
        bool birth_ok = !query->has_birth_date || birth_date == query->birth_date;
        if (name_ok && birth_ok)
            current.matched = true;
    }
    if (have_current && current.matched && matched_count < capacity)
        matched[matched_count++] = current;
    if (rc != SQLITE_DONE)
        s = sql_fail(st, err, "looking up a serial");
    done_with(statement);
    for (size_t i = 0; s == VB_OK && i < matched_count; i++)
        if ((s = lookup_fill(st, &matched[i], query->serial, &results[*count], err)) == VB_OK)
            (*count)++;
done:
    rollback(st);
    if (s != VB_OK)
        *count = 0;
    return s;
}

/* ---------------------------------------------------------------- passwords */

/* OpenSSL's scrypt refuses to use more than `maxmem` bytes and defaults it to 32 MiB, which
 * N = 2^15, r = 8 just exceeds (128·r·(N+2) plus 128·r·p): the bound is given explicitly,
 * computed from the parameters with some room. */
static uint64_t scrypt_memory(uint64_t n, uint64_t r, uint64_t p) { return 128 * r * (n + 2 + p) + (1u << 20); }

static bool scrypt_derive(const char *password, size_t length, const uint8_t *salt, size_t salt_length, uint64_t n,
                          uint64_t r, uint64_t p, uint8_t out[PASSWORD_HASH_BYTES])
{
    return EVP_PBE_scrypt(password, length, salt, salt_length, n, r, p, scrypt_memory(n, r, p), out,
                          PASSWORD_HASH_BYTES) == 1;
}

vb_status password_hash(const char *password, size_t length, char out[PASSWORD_STORED_BYTES], vb_error *err)
{
    uint8_t salt[PASSWORD_SALT_BYTES], hash[PASSWORD_HASH_BYTES];
    char salt_hex[2 * PASSWORD_SALT_BYTES + 1], hash_hex[2 * PASSWORD_HASH_BYTES + 1];
    if (RAND_bytes(salt, sizeof salt) != 1)
        return vb_fail(err, VB_ERR_CRYPTO, "no random bytes for the salt");
    if (!scrypt_derive(password, length, salt, sizeof salt, PASSWORD_SCRYPT_N, PASSWORD_SCRYPT_R, PASSWORD_SCRYPT_P,
                       hash))
        return vb_fail(err, VB_ERR_CRYPTO, "scrypt failed");
    hex_encode(salt, sizeof salt, salt_hex);
    hex_encode(hash, sizeof hash, hash_hex);
    OPENSSL_cleanse(hash, sizeof hash);
    snprintf(out, PASSWORD_STORED_BYTES, "scrypt$%u$%u$%u$%s$%s", PASSWORD_SCRYPT_N, PASSWORD_SCRYPT_R,
             PASSWORD_SCRYPT_P, salt_hex, hash_hex);
    return VB_OK;
}

static bool hex_decode(const char *hex, size_t length, uint8_t *out)
{
    for (size_t i = 0; i < length; i++) {
        int value = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + k];
            int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (digit < 0)
                return false;
            value = value * 16 + digit;
        }
        out[i] = (uint8_t)value;
    }
    return true;
}

/* Reads one decimal field ending at '$'; advances *text past the '$'. */
static bool read_field(const char **text, uint64_t minimum, uint64_t maximum, uint64_t *value)
{
    const char *p = *text;
    uint64_t n = 0;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9') {
        n = n * 10 + (uint64_t)(*p - '0');
        if (n > maximum)
            return false;
        p++;
    }
    if (*p != '$' || n < minimum)
        return false;
    *text = p + 1;
    *value = n;
    return true;
}

bool password_check(const char *password, size_t length, const char *stored)
{
    uint64_t n, r, p;
    uint8_t salt[PASSWORD_SALT_BYTES], expected[PASSWORD_HASH_BYTES], hash[PASSWORD_HASH_BYTES];
    const char *text = stored;
    if (strncmp(text, "scrypt$", 7) != 0)
        return false;
    text += 7;
    /* Bounds: a damaged or hostile row must not make a login take minutes or gigabytes. */
    if (!read_field(&text, 1024, 1u << 20, &n) || (n & (n - 1)) != 0 || !read_field(&text, 1, 32, &r) ||
        !read_field(&text, 1, 16, &p))
        return false;
    if (strlen(text) != 2 * PASSWORD_SALT_BYTES + 1 + 2 * PASSWORD_HASH_BYTES || text[2 * PASSWORD_SALT_BYTES] != '$')
        return false;
    if (!hex_decode(text, PASSWORD_SALT_BYTES, salt) ||
        !hex_decode(text + 2 * PASSWORD_SALT_BYTES + 1, PASSWORD_HASH_BYTES, expected))
        return false;
    if (!scrypt_derive(password, length, salt, sizeof salt, n, r, p, hash))
        return false;
    bool same = CRYPTO_memcmp(hash, expected, sizeof hash) == 0;
    OPENSSL_cleanse(hash, sizeof hash);
    return same;
}

void password_dummy_check(const char *password, size_t length)
{
    static const uint8_t salt[PASSWORD_SALT_BYTES] = {0};
    uint8_t hash[PASSWORD_HASH_BYTES];
    scrypt_derive(password, length, salt, sizeof salt, PASSWORD_SCRYPT_N, PASSWORD_SCRYPT_R, PASSWORD_SCRYPT_P, hash);
    OPENSSL_cleanse(hash, sizeof hash);
}

/* ---------------------------------------------------------------- users and the access log */

static bool user_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > PORTAL_MAX_USER_BYTES || !vb_text_is_nfc(name, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return name[0] != ' ' && name[n - 1] != ' ';
}

vb_status store_user_add(store *st, const char *name, const char *province, const char *password_stored, int64_t now,
                         vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    if (!user_name_valid(name))
        return vb_fail(err, VB_ERR_ARGUMENT, "a user name is 1-%d bytes of UTF-8 (NFC), no control character, no "
                                             "space at either end", PORTAL_MAX_USER_BYTES);
    if (strlen(province) > PORTAL_MAX_PROVINCE_BYTES || !vb_text_is_nfc(province, strlen(province)))
        return vb_fail(err, VB_ERR_ARGUMENT, "a province is at most %d bytes of UTF-8 (NFC)",
                       PORTAL_MAX_PROVINCE_BYTES);
    if ((s = prepared(st, SQL_USER_INSERT, &statement, err)) != VB_OK)
        return s;
    bind_text(statement, 1, name);
    bind_text(statement, 2, province);
    bind_text(statement, 3, password_stored);
    sqlite3_bind_int64(statement, 4, now);
    int rc = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (rc == SQLITE_DONE)
        return VB_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return vb_fail(err, VB_ERR_ARGUMENT, "user '%s' exists already", name);
    return sql_fail(st, err, "adding a user");
}

vb_status store_user_find(store *st, const char *name, char province[PORTAL_MAX_PROVINCE_BYTES + 1],
                          char password_stored[PASSWORD_STORED_BYTES], bool *found, vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    *found = false;
    province[0] = password_stored[0] = '\0';
    if ((s = prepared(st, SQL_USER_FIND, &statement, err)) != VB_OK)
        return s;
    bind_text(statement, 1, name);
    int rc = sqlite3_step(statement);
    if (rc == SQLITE_ROW) {
        *found = true;
        copy_column_text(statement, 0, province, PORTAL_MAX_PROVINCE_BYTES + 1);
        copy_column_text(statement, 1, password_stored, PASSWORD_STORED_BYTES);
    } else if (rc != SQLITE_DONE) {
        s = sql_fail(st, err, "reading a user");
    }
    done_with(statement);
    return s;
}

vb_status store_each_user(store *st, store_user_visitor visit, void *context, vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    if ((s = prepared(st, SQL_USER_ALL, &statement, err)) != VB_OK)
        return s;
    int rc = SQLITE_DONE;
    while (s == VB_OK && (rc = sqlite3_step(statement)) == SQLITE_ROW)
        s = visit(context, (const char *)sqlite3_column_text(statement, 0),
                  (const char *)sqlite3_column_text(statement, 1), sqlite3_column_int64(statement, 2), err);
    if (s == VB_OK && rc != SQLITE_DONE)
        s = sql_fail(st, err, "listing users");
    done_with(statement);
    return s;
}

vb_status store_log_access(store *st, int64_t time, const char *user, const char *province, const char *action,
                           const char *address, vb_error *err)
{
    sqlite3_stmt *statement;
    vb_status s;
    if ((s = prepared(st, SQL_ACCESS_INSERT, &statement, err)) != VB_OK)
        return s;
    sqlite3_bind_int64(statement, 1, time);
    bind_text(statement, 2, user);
    bind_text(statement, 3, province);
    bind_text(statement, 4, action);
    bind_text(statement, 5, address);
    return step_done(st, statement, err, "writing the access log");
}
