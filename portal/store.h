/*
 * store.h — the portal's one SQLite file (schema in portal.h): creating and opening it, a pool
 * of connections for the HTTP threads, accepting what schools send (batches, leaf statements,
 * status lists), the public lookup, the staff's users and passwords, and the access log.
 *
 * A `store` is one connection with its prepared statements, for one thread at a time. The
 * functions that answer a school (store_accept_batch, …) return the HTTP status and the JSON
 * body together in a store_answer: the status follows from the library's vb_status (a CBOR
 * fault is 400, an unknown signer 403, a sequence that does not follow 409, …), so the codes
 * live in one place. They never print and never exit.
 */
#ifndef PORTAL_STORE_H
#define PORTAL_STORE_H

#include "portal.h"
#include "record.h"
#include "text.h"
#include "trust.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#define STORE_BUSY_TIMEOUT_MS 30000
#define STORE_MAX_REPORTED_FAILURES 100   /* events listed in a 422 answer */
#define STORE_MAX_LOOKUP_RESULTS 16       /* credentials of one serial in different schools */
#define STORE_SCHOOL_NAME_BYTES 256

typedef struct store store;

/* Creates a new store at path: mode 0600, refusing an existing file or a symlink (O_EXCL),
 * schema, application id and version in one transaction, WAL. Nothing is left on failure. */
vb_status store_create(const char *path, vb_error *err);
/* Opens an existing store, checking its application id and schema version (a newer version is
 * refused); WAL, synchronous=FULL, foreign keys, busy timeout, defensive mode. */
vb_status store_open(const char *path, bool read_only, store **out, vb_error *err);
void store_close(store *st);
sqlite3 *store_db(store *st);

/* ---- A pool of connections, one taken per request ---- */
typedef struct store_pool store_pool;
vb_status store_pool_open(const char *path, size_t count, store_pool **out, vb_error *err);
/* Waits until a connection is free. */
store *store_pool_acquire(store_pool *pool);
void store_pool_release(store_pool *pool, store *st);
/* Copies the write-ahead log into the database (a passive checkpoint: it waits for nobody).
 * The pool's connections never do it in a commit; the service calls this every second. */
void store_pool_checkpoint(store_pool *pool);
void store_pool_close(store_pool *pool);

/* ---- What schools send ---- */

/* The answer to a school: HTTP status and a JSON object ({"code","reason",…} on failure). */
typedef struct {
    unsigned http_status;
    text_buffer json;
    char log[320];   /* for the service's log: an incident recorded, a failure of ours; "" none */
} store_answer;

void store_answer_init(store_answer *answer);
void store_answer_free(store_answer *answer);
/* Sets a failure answer {"code": code, "reason": reason} (no extra fields). */
void store_answer_error(store_answer *answer, unsigned http_status, const char *code, const char *reason);
/* The HTTP status a library failure is answered with (portal.h "HTTP protocol"). */
unsigned store_http_status(vb_status status);

/* POST /api/v1/batches (portal.h): the same bytes again get the stored answer, byte for byte.
 * `threads` check the events in parallel (1: on the calling thread only). */
void store_accept_batch(store *st, const vb_trust_list *trust, const uint8_t *data, size_t length, unsigned threads,
                        int64_t now, store_answer *answer);
/* POST /api/v1/schools/CODE/leaves: compares the restated leaves with the events held,
 * recording one "leaf-differs" incident per differing event (once). */
void store_compare_leaves(store *st, const vb_trust_list *trust, const char *school, const uint8_t *data,
                          size_t length, int64_t now, store_answer *answer);
/* PUT /api/v1/schools/CODE/status. */
void store_put_status(store *st, const vb_trust_list *trust, const char *school, const uint8_t *data,
                      size_t length, int64_t now, store_answer *answer);
/* GET /api/v1/schools/CODE: size 0 for a school never seen. */
void store_school_summary(store *st, const char *school, store_answer *answer);

/* True when code is a school code as records carry it (1–32 of A-Z a-z 0-9 . - _). */
bool store_school_code_valid(const char *code);

/* The school's latest signed status list (*data malloc'd); *found false when none. */
vb_status store_status_list(store *st, const char *school, uint8_t **data, size_t *length, bool *found,
                            vb_error *err);
/* Every school's latest list as one bundle (mirror.h), in school-code order; *data malloc'd. */
vb_status store_status_bundle(store *st, uint8_t **data, size_t *length, size_t *lists, vb_error *err);
/* For /healthz: schools known, events held in all. */
vb_status store_totals(store *st, uint64_t *schools, uint64_t *events, vb_error *err);

/* ---- What the audit reads, and whether it changed ---- */

/* A cheap mark of the store as the audit would see it, so that a service can keep an audit and
 * tell when it is out of date without running it again. `writes` counts the write transactions
 * this process committed (store_accept_batch, store_compare_leaves, store_put_status); it is
 * read before the snapshot starts, so a write racing with it can make the mark look older than
 * the snapshot (one needless audit), never newer (a stale one kept). The rest comes from the
 * tables in the snapshot, and so also sees what another process (a second `serve` on the same
 * file) wrote: every accepted batch grows a school's size and adds a checkpoint, every status
 * list raises a status sequence, every incident adds a row. Access-log rows and users, which
 * the audit does not read, change nothing here. */
typedef struct {
    uint64_t writes;
    int64_t schools, events, status_sequences, checkpoints, incidents, last_incident, last_update;
} store_version;

/* Begins a read transaction on st and reads the version in it: until store_snapshot_end, every
 * query on st (an audit_run on store_db(st) included) sees the store that version describes. */
vb_status store_snapshot_begin(store *st, store_version *version, vb_error *err);
void store_snapshot_end(store *st);
bool store_version_equal(const store_version *a, const store_version *b);

/* ---- The public lookup ---- */

typedef enum { LOOKUP_IN_FORCE = 1, LOOKUP_SUPERSEDED = 2, LOOKUP_REVOKED = 3 } lookup_state;

/* One credential found: its current record (the last correction, else the original), what
 * happened to it, and its school. Never the personal identification number. */
typedef struct lookup_result {
    char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1];
    char school_name[STORE_SCHOOL_NAME_BYTES + 1];
    uint64_t record_id;
    int kind;                          /* of the current record: original or correction */
    char serial[VB_TEXT_FIELD];
    int type;
    uint32_t register_number;
    uint16_t register_year;
    char name[VB_TEXT_FIELD];
    int32_t birth_date;
    int gender;
    char program_code[33];
    char program_name[VB_TEXT_FIELD];
    int classification;
    int training_mode;
    int32_t issue_date;
    char issue_place[VB_TEXT_FIELD];
    int state;                         /* lookup_state */
    /* LOOKUP_REVOKED: the revocation */
    int revoke_reason;
    char revoke_decision[VB_TEXT_FIELD];
    bool has_revoke_date;
    int32_t revoke_date;
    int64_t revoked_at;
    /* LOOKUP_SUPERSEDED: the original was replaced by the correction shown */
    char correction_decision[VB_TEXT_FIELD];
    bool has_correction_date;
    int32_t correction_date;
    int64_t corrected_at;
} lookup_result;

typedef struct {
    const char *serial;              /* exact */
    const char *folded_name;         /* vb_register_fold_name of the name asked, or NULL */
    bool has_birth_date;
    int32_t birth_date;
} lookup_query;

/* The credentials with this serial one of whose records matches every field given (the folded
 * name, the birth date). The caller makes sure at least one of them is given. */
vb_status store_lookup(store *st, const lookup_query *query, lookup_result *results, size_t capacity, size_t *count,
                       vb_error *err);

/* ---- Staff: users, passwords, access log ---- */

#define PASSWORD_SCRYPT_N 32768u
#define PASSWORD_SCRYPT_R 8u
#define PASSWORD_SCRYPT_P 1u
#define PASSWORD_SALT_BYTES 16
#define PASSWORD_HASH_BYTES 32
#define PASSWORD_STORED_BYTES 160        /* "scrypt$N$r$p$salt_hex$hash_hex" and a NUL */
#define PASSWORD_MAX_BYTES 1024

/* "scrypt$32768$8$1$<32 hex>$<64 hex>" with a fresh random salt. */
vb_status password_hash(const char *password, size_t length, char out[PASSWORD_STORED_BYTES], vb_error *err);
/* Whether password gives the stored hash (constant-time comparison). A stored text that does
 * not parse, or asks for a cost beyond sane bounds, never matches. */
bool password_check(const char *password, size_t length, const char *stored);
/* The same work as a check, for a user that does not exist, so time tells nothing. */
void password_dummy_check(const char *password, size_t length);

/* Adds a user; VB_ERR_ARGUMENT when the name exists or is not 1–64 bytes of UTF-8 without
 * control characters. */
vb_status store_user_add(store *st, const char *name, const char *province, const char *password_stored, int64_t now,
                         vb_error *err);
vb_status store_user_find(store *st, const char *name, char province[PORTAL_MAX_PROVINCE_BYTES + 1],
                          char password_stored[PASSWORD_STORED_BYTES], bool *found, vb_error *err);
typedef vb_status (*store_user_visitor)(void *context, const char *name, const char *province, int64_t created_at,
                                        vb_error *err);
vb_status store_each_user(store *st, store_user_visitor visit, void *context, vb_error *err);
/* One row of access_log. */
vb_status store_log_access(store *st, int64_t time, const char *user, const char *province, const char *action,
                           const char *address, vb_error *err);

#endif
