/*
 * register.h — the school's original register (sổ gốc): one SQLite file per school holding every
 * signed record the school issued and every event of each credential's life (issue, revoke,
 * correct, copy). docs/FORMAT.md §10 describes the schema and the event encoding.
 *
 * The register is the legal original: what was issued is never changed in place. Rows of
 * credentials, events and batches are only appended; the state of a credential (in force,
 * revoked, superseded by a correction) is derived from its events and corrections. Triggers
 * abort any UPDATE or DELETE of those tables. Register numbers, record ids and event numbers out
 * of sequence are refused by one set-based check over each write transaction, run by
 * vb_register_commit before COMMIT (schema version 2; version 1 had a trigger per row, whose
 * statement journal cost ~18 µs a row): this module is the only writer of the file, and a row
 * inserted by hand outside its transactions is found by `log verify` when it touches the events,
 * not refused by a trigger. All of these guard against mistakes in programs and in hand-typed
 * SQL, not against someone who edits the file (who can drop a trigger): the tamper-evident log
 * over the events' entries (log.h) and its signed checkpoints are what catch that.
 *
 * Numbering, as the rules ask (DOMAIN.md "The register"):
 *   - register numbers (số vào sổ gốc) run 1, 2, 3 … within each calendar year and credential
 *     type; the counters table holds the last one given, the check before COMMIT refuses numbers
 *     other than the next ones (and then moves the counter), and a unique index keeps each number
 *     on exactly one credential;
 *   - a correction or a copy from the register is the same credential: it keeps the serial,
 *     register number and year of the original and consumes no number (see vb_register_append);
 *   - record ids (cti) run 1, 2, 3 … over the whole school; event sequence numbers likewise.
 * Everything a batch writes happens inside one transaction, so a failed or killed batch leaves
 * no row and consumes no number.
 *
 * The personal identification number (số định danh cá nhân) is stored here because the national
 * diploma database is keyed by it. No function of this module returns it, puts it in a message,
 * or writes it into an event entry — with one exception, for that national database:
 * vb_register_each_upload_row gives it beside the issue of an original, for the uploader to send
 * to the national portal (or write into the portal's upload file), never to show.
 *
 * Connections: WAL journal, synchronous=FULL (a commit survives power loss), foreign keys on, a
 * busy timeout of VB_REGISTER_BUSY_TIMEOUT_MS, defensive mode. A register handle is for one
 * thread at a time (its SQLite connection is opened without a mutex of its own); what does not
 * need the register — vb_register_prepare_append, the event encoding, the name fold — may run on
 * any thread.
 */
#ifndef VB_REGISTER_H
#define VB_REGISTER_H

#include "log.h"
#include "record.h"
#include "vanbang.h"

#include <stdbool.h>
#include <stdint.h>

#define VB_REGISTER_SCHEMA_VERSION 2           /* PRAGMA user_version of a current register */
#define VB_REGISTER_APPLICATION_ID 0x56424E47  /* PRAGMA application_id: "VBNG" */
#define VB_REGISTER_BUSY_TIMEOUT_MS 30000
#define VB_REGISTER_DEFAULT_SERIAL_PATTERN "{YYYY}{N:6}"
#define VB_REGISTER_ACTOR_BYTES 64
#define VB_REGISTER_ENTRY_MAX_BYTES 1024       /* one encoded event (the log leaf) */
#define VB_REGISTER_SETTING_BYTES 1024
#define VB_REGISTER_SCHOOL_NAME_BYTES 256

/* What happened to a credential: events.kind, and key 1 of the event entry. */
typedef enum {
    VB_EVENT_ISSUE = 1,   /* an original was issued (from a batch) */
    VB_EVENT_REVOKE = 2,  /* the credential was revoked (thu hồi, hủy bỏ) */
    VB_EVENT_CORRECT = 3, /* a correcting record was issued (chỉnh sửa) */
    VB_EVENT_COPY = 4,    /* a copy from the register was issued (bản sao từ sổ gốc) */
} vb_register_event_kind;
#define VB_EVENT_MAX 4

/* Grounds of revocation (DOMAIN.md "The register and the life of a diploma"). */
typedef enum {
    VB_REVOKE_FRAUD = 1,        /* gian lận */
    VB_REVOKE_NOT_ELIGIBLE = 2, /* issued to someone not eligible */
    VB_REVOKE_NO_AUTHORITY = 3, /* issued by someone without authority */
    VB_REVOKE_ALTERED = 4,      /* erased or altered */
    VB_REVOKE_LENT = 5,         /* lent to someone else */
    VB_REVOKE_ISSUER_ERROR = 6, /* error of the issuer */
} vb_register_revoke_reason;
#define VB_REVOKE_MAX 6

/* Grounds of correction (same section). */
typedef enum {
    VB_CORRECT_CIVIL_STATUS = 1,      /* change of civil status (name, …) */
    VB_CORRECT_SEX = 2,               /* re-determined sex */
    VB_CORRECT_ETHNICITY = 3,         /* re-determined ethnicity */
    VB_CORRECT_LATE_REGISTRATION = 4, /* late birth registration */
    VB_CORRECT_ISSUER_ERROR = 5,      /* error of the issuer */
} vb_register_correct_reason;
#define VB_CORRECT_MAX 5

/* The state of a record, derived from events and corrections. */
typedef enum {
    VB_STATE_IN_FORCE = 1,   /* issued, neither revoked nor superseded */
    VB_STATE_SUPERSEDED = 2, /* a correction replaced it (or, for a copy, the record it copies) */
    VB_STATE_REVOKED = 3,    /* the credential was revoked: every record of it */
} vb_register_state;

/* Keys of the event entry, the canonical CBOR map that is the leaf of the log (FORMAT.md §10). */
enum {
    VB_ENTRY_KEY_FORMAT = 1,          /* uint: 1 */
    VB_ENTRY_KEY_KIND = 2,            /* uint: vb_register_event_kind */
    VB_ENTRY_KEY_SEQUENCE = 3,        /* uint: event sequence number, from 1 */
    VB_ENTRY_KEY_TIME = 4,            /* uint: seconds since 1970 */
    VB_ENTRY_KEY_SCHOOL = 5,          /* tstr: school code */
    VB_ENTRY_KEY_RECORD_ID = 6,       /* uint: the record id (cti as a big-endian number) */
    VB_ENTRY_KEY_RECORD_DIGEST = 7,   /* bstr 32: SHA-256 of the signed record (issue, correct, copy) */
    VB_ENTRY_KEY_SUPERSEDES = 8,      /* uint: record id a correction replaces */
    VB_ENTRY_KEY_REASON = 9,          /* uint: revocation or correction ground */
    VB_ENTRY_KEY_DECISION_NUMBER = 10, /* tstr: the decision (graduation, revocation, correction) */
    VB_ENTRY_KEY_DECISION_DATE = 11,  /* int: its date, days since 1970 */
    VB_ENTRY_KEY_ACTOR = 12,          /* tstr: who entered the event */
};
#define VB_ENTRY_FORMAT 1

typedef struct vb_register vb_register;

/* One event, as the events table and the entry hold it. Strings are "" when absent. */
typedef struct {
    uint64_t sequence;
    int kind;                                   /* vb_register_event_kind */
    int64_t time;
    char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1];
    uint64_t record_id;
    bool has_record_digest;
    uint8_t record_digest[32];
    uint64_t supersedes;                        /* 0 = none */
    int reason;                                 /* 0 = none */
    char decision_number[VB_TEXT_FIELD];
    bool has_decision_date;
    int32_t decision_date;
    char actor[VB_REGISTER_ACTOR_BYTES + 1];
    uint64_t batch_id;                          /* 0 = none (not in the entry) */
} vb_register_event;

/* One signed record of the register with its derived state. Never holds the personal
 * identification number: only whether the register has one. */
typedef struct {
    uint64_t record_id;
    uint64_t original_id;    /* the original of this credential (itself for an original) */
    uint64_t supersedes;     /* correction: the record it replaces; else 0 */
    uint64_t copy_of;        /* copy: the record it reproduces; else 0 */
    uint64_t batch_id;       /* originals: the batch that issued it */
    vb_credential credential; /* the printed fields as the register keeps them (program name in
                               * full even when the record leaves it to the catalog) */
    char graduation_decision[VB_TEXT_FIELD];
    bool has_graduation_decision_date;
    int32_t graduation_decision_date;
    bool has_personal_id;
    int64_t issued_at;
    char actor[VB_REGISTER_ACTOR_BYTES + 1];
    uint8_t record[VB_MAX_RECORD_BYTES];
    size_t record_length;
    /* derived */
    int state;                /* vb_register_state */
    uint64_t superseded_by;   /* state SUPERSEDED: the correcting record */
    int64_t revoked_at;       /* state REVOKED: time of the event */
    int revoke_reason;
    char revoke_decision[VB_TEXT_FIELD];
    bool has_revoke_decision_date;
    int32_t revoke_decision_date;
} vb_register_record;

/* ---- Files ---- */

/* Creates a new register at path (mode 0600, refusing an existing file or symlink) for the
 * school, at the current schema version, in one transaction. */
vb_status vb_register_create(const char *path, const char *school_code, const char *school_name, int64_t now,
                             vb_error *err);
/* Opens an existing register, upgrading an older schema (all steps in one transaction). Refuses
 * a file that is not a vanbang register, or one made by a newer version. */
vb_status vb_register_open(const char *path, vb_register **out, vb_error *err);
void vb_register_close(vb_register *reg);
/* The SQLite handle, for tests and tools that read the tables directly. */
struct sqlite3 *vb_register_db(vb_register *reg);
const char *vb_register_path(const vb_register *reg);

/* The schema steps: steps[i] upgrades a register from version i to i + 1. */
const char *const *vb_register_migrations(size_t *count);
/* Brings db up to `count` versions through the given steps, all in one transaction (the whole
 * upgrade or none of it). A file whose user_version is above count is refused as newer; a
 * non-empty database with user_version 0 or another application_id as not a register.
 * vb_register_open calls this with vb_register_migrations(); tests pass longer lists. */
vb_status vb_register_migrate(struct sqlite3 *db, const char *const *steps, size_t count, vb_error *err);

/* ---- The school and its settings ---- */
vb_status vb_register_school(vb_register *reg, char *code, size_t code_size, char *name, size_t name_size,
                             vb_error *err);
/* Serial-number pattern of a credential type (issuer_expand_serial syntax); the default
 * VB_REGISTER_DEFAULT_SERIAL_PATTERN when none was set. */
vb_status vb_register_serial_pattern(vb_register *reg, int type, char *out, size_t out_size, vb_error *err);
vb_status vb_register_set_serial_pattern(vb_register *reg, int type, const char *pattern, vb_error *err);
/* Free-form settings ("base_url", "place"); *found false (and out "") when unset. */
vb_status vb_register_setting(vb_register *reg, const char *name, char *out, size_t out_size, bool *found,
                              vb_error *err);
vb_status vb_register_set_setting(vb_register *reg, const char *name, const char *value, vb_error *err);

/* ---- Transactions ---- */
/* Takes the write lock at once (BEGIN IMMEDIATE), waiting up to the busy timeout. */
vb_status vb_register_begin(vb_register *reg, vb_error *err);
/* For a long batch (`issue`), before its transaction: the references between rows (a credential's
 * batch, original, corrected or copied record; an event's record, original and batch) are no
 * longer looked up row by row as foreign keys, ~4 µs a record; the check before COMMIT, which
 * every write transaction makes, already holds each appended row to them, set-based
 * (FORMAT.md §10). For the life of the connection. */
vb_status vb_register_bulk_appends(vb_register *reg, vb_error *err);
/* A read transaction: many reads see one snapshot and pay the locking once (writers go on, in
 * WAL mode). End it with vb_register_commit or vb_register_rollback. */
vb_status vb_register_begin_read(vb_register *reg, vb_error *err);
/* Before COMMIT, checks what the transaction appended (sequences, register numbers, corrections
 * and copies against their originals) and moves the counters; on a refusal
 * (VB_ERR_REGISTER_REFUSED) or any failure the whole transaction is rolled back. */
vb_status vb_register_commit(vb_register *reg, vb_error *err);
void vb_register_rollback(vb_register *reg);
/* Inside a long write transaction: the check that COMMIT makes (FORMAT.md §10), over what was
 * appended since the transaction began or since the last call, and the counters moved on; COMMIT
 * then checks only the rest. The same rules over the same rows, in pieces while they are still
 * in the page cache, rather than all at the end. A failure leaves the transaction to roll back. */
vb_status vb_register_check_so_far(vb_register *reg, vb_error *err);

/* ---- Issuing ---- */
typedef struct {
    const char *roster;        /* the roster's name as given */
    const uint8_t *roster_sha256; /* 32 bytes, or NULL */
    int type;
    int32_t issue_date;
    uint64_t count;            /* rows the batch will issue */
    const uint8_t *token;      /* 16 random bytes naming the batch's pending files */
    const char *actor;
    int64_t time;
} vb_register_batch;
vb_status vb_register_add_batch(vb_register *reg, const vb_register_batch *batch, uint64_t *batch_id,
                                vb_error *err);
/* The batch whose token this is: *batch_id 0 when none (its transaction never committed). */
vb_status vb_register_batch_by_token(vb_register *reg, const uint8_t token[16], uint64_t *batch_id, vb_error *err);

/* The next record id, and the next register number of a type and year (read in the current
 * transaction: call vb_register_begin first when issuing). */
vb_status vb_register_next_record_id(vb_register *reg, uint64_t *record_id, vb_error *err);
vb_status vb_register_next_register_number(vb_register *reg, int type, int year, uint32_t *number, vb_error *err);
/* Sets where a year's numbering starts for a type (a school moving from a paper register in
 * mid-year): allowed only before any number of that type and year was given. */
vb_status vb_register_start_numbering(vb_register *reg, int type, int year, uint32_t first_number,
                                      vb_error *err);

/* A credential of the register that a new original would repeat. */
typedef struct {
    uint64_t original_id;
    bool by_personal_id;      /* else by name, birth date and program */
    int type;
    char serial[VB_TEXT_FIELD];
    uint32_t register_number;
    uint16_t register_year;
    int32_t issue_date;
} vb_register_match;
/* Looks for a credential, not revoked, of the same graduate, type and program: the same personal
 * identification number, type and program code (when personal_id is not empty), or the same
 * name, birth date, type and program code unless both sides have identification numbers and
 * they differ (two people). An original is issued once (a revoked one does not count: it no
 * longer stands). */
vb_status vb_register_find_graduate(vb_register *reg, const char *personal_id, int type, const char *program_code,
                                    const char *name, int32_t birth_date, vb_register_match *match, bool *found,
                                    vb_error *err);
/* Whether an original with this serial exists. */
vb_status vb_register_serial_taken(vb_register *reg, const char *serial, bool *taken, vb_error *err);
/* Whether the register holds any original of this type (and so any credential: corrections and
 * copies keep their original's type). When it holds none, vb_register_find_graduate finds nothing
 * for that type, whatever it is asked. */
vb_status vb_register_holds_type(vb_register *reg, int type, bool *holds, vb_error *err);

/* A signed record to append, with what the register keeps beside it. */
typedef struct {
    const vb_credential *credential; /* as signed: its record id must be the next, an original's
                                      * register number the next of its type and year */
    const uint8_t *record;
    size_t record_length;
    uint64_t copy_of;                /* kind copy: the record it reproduces */
    const char *personal_id;         /* 12 digits, or NULL / "" */
    const char *decision_number;     /* original: the graduation decision; correction: the
                                      * correcting decision (required); NULL / "" none */
    bool has_decision_date;
    int32_t decision_date;
    int reason;                      /* correction: vb_register_correct_reason, 0 none */
    uint64_t batch_id;               /* originals: from vb_register_add_batch */
    const char *actor;
    int64_t time;
} vb_register_append;
/* Appends the record and its event (issue, correct or copy by the credential's kind), with the
 * event entry encoded for the log. Checks the life rules first: a correction must replace the
 * current record of a credential that is not revoked, a copy must reproduce the current record
 * of one not revoked, with copy number one more than the copies so far. *sequence (may be NULL)
 * receives the event's sequence number. */
vb_status vb_register_append_record(vb_register *reg, const vb_register_append *append, uint64_t *sequence,
                                    vb_error *err);

/* vb_register_append_record in two halves, for a program that signs on several threads (`issue`):
 * the first does everything that does not depend on the register's state, on any thread and
 * without a register; the second writes, in order, on the register's thread.
 *
 * vb_register_prepare_append checks the arguments as vb_register_append_record does (record id,
 * record size, the personal identification number against the birth date and gender, the name's
 * UTF-8, a correction's superseded record and decision), folds the name, takes the SHA-256 of the
 * signed record and fills in the event. school_code is the register's (vb_register_school); the
 * append refuses a record prepared for another. When the caller knows the event's sequence
 * number (the register's next, plus the records it will append before this one), it passes it
 * and the entry and its leaf hash are made here too; with 0 they are made when appended. The
 * strings and bytes `append` points to must stay as they are until the record is appended. */
typedef struct {
    vb_register_append append;                   /* as given */
    uint64_t record_id;
    uint64_t base_id;                            /* correction: the record it supersedes; copy: the
                                                  * one it reproduces; 0 for an original */
    char name_folded[VB_TEXT_FIELD * 2];         /* vb_register_fold_name of the name */
    vb_register_event event;                     /* sequence: as prepared, then as appended */
    uint8_t entry[VB_REGISTER_ENTRY_MAX_BYTES];  /* the event encoded for event.sequence */
    size_t entry_length;                         /* 0 until encoded */
    uint8_t leaf_hash[VB_LOG_HASH_BYTES];        /* SHA-256(0x00 ‖ entry) */
    bool ready;                                  /* set by vb_register_prepare_append */
} vb_register_prepared;
vb_status vb_register_prepare_append(const vb_register_append *append, const char *school_code, uint64_t sequence,
                                     vb_register_prepared *prepared, vb_error *err);
/* Appends count prepared records in order, in the caller's transaction when one is open, else in
 * its own, with the checks that need the register (a correction's or copy's base, the copy
 * number) and the sequence numbers the register gives: an entry prepared for another sequence is
 * encoded again. Runs of 64 originals go in with one statement per table. Each
 * prepared[i].event.sequence receives its event's number. On a failure *appended (may be NULL)
 * is the number of records appended before the statement that failed (which left nothing) — 0
 * in a transaction of its own; the caller rolls its transaction back. */
vb_status vb_register_append_prepared(vb_register *reg, vb_register_prepared *prepared, size_t count,
                                      size_t *appended, vb_error *err);
/* Records the revocation of the credential that record_id belongs to (any of its records; the
 * event names the current one). Refuses a credential already revoked. */
vb_status vb_register_revoke(vb_register *reg, uint64_t record_id, int reason, const char *decision_number,
                             bool has_decision_date, int32_t decision_date, const char *actor, int64_t time,
                             uint64_t *sequence, vb_error *err);

/* ---- Reading ---- */
/* The original whose serial this is: *original_id 0 when none. */
vb_status vb_register_find_serial(vb_register *reg, const char *serial, uint64_t *original_id, vb_error *err);
/* The current record of a credential: the last correction, or the original if none. */
vb_status vb_register_current(vb_register *reg, uint64_t original_id, uint64_t *record_id, vb_error *err);
/* One record with its derived state; *found false when there is none. */
vb_status vb_register_load(vb_register *reg, uint64_t record_id, vb_register_record *out, bool *found,
                           vb_error *err);

/* Which records to visit; zero fields match everything. */
typedef struct {
    uint64_t original_id;     /* the records of one credential */
    const char *serial;       /* exact */
    const char *name;         /* accent- and case-insensitive, any part of the name */
    bool has_birth_date;
    int32_t birth_date;
} vb_register_query;
/* Calls visit for each record matching the query, in record-id order; a non-VB_OK return from
 * visit stops the walk and is returned. */
typedef vb_status (*vb_register_record_visitor)(void *context, const vb_register_record *record, vb_error *err);
vb_status vb_register_each_record(vb_register *reg, const vb_register_query *query,
                                  vb_register_record_visitor visit, void *context, vb_error *err);
/* Calls visit for each event, in sequence order: those of one credential (original_id), or all
 * with sequence >= from_sequence when original_id is 0. entry is the encoded event (log leaf). */
typedef vb_status (*vb_register_event_visitor)(void *context, const vb_register_event *event, const uint8_t *entry,
                                               size_t entry_length, vb_error *err);
vb_status vb_register_each_event(vb_register *reg, uint64_t original_id, uint64_t from_sequence,
                                 vb_register_event_visitor visit, void *context, vb_error *err);
typedef struct {
    uint64_t records, originals, corrections, copies, revoked, events, batches;
} vb_register_counts;
vb_status vb_register_count(vb_register *reg, vb_register_counts *counts, vb_error *err);
/* The number of events (the log's size), read from the last sequence number: O(log n). */
vb_status vb_register_event_count(vb_register *reg, uint64_t *count, vb_error *err);

/* ---- The log (log.h) ----
 * Leaf i is event i + 1: SHA-256(0x00 ‖ its entry). Each append also stores the perfect
 * subtrees it completes (table log_nodes), so a root or a proof reads O(log² n) rows. */
/* A leaf source over this register's events and stored subtrees, for vb_log_root and proofs.
 * Messages of failures the callbacks meet stay in the register; the status comes back. */
void vb_register_log_source(vb_register *reg, vb_log_source *source);
/* The root over all events now in the register, and how many there are. */
vb_status vb_register_log_root(vb_register *reg, uint64_t *size, uint8_t root[VB_LOG_HASH_BYTES], vb_error *err);
/* Keeps a signed checkpoint (log.h) in the register; the last one kept. */
vb_status vb_register_add_checkpoint(vb_register *reg, const vb_log_checkpoint *checkpoint, const uint8_t *signed_data,
                                     size_t signed_length, vb_error *err);
vb_status vb_register_last_checkpoint(vb_register *reg, vb_log_checkpoint *checkpoint, bool *found, vb_error *err);

/* ---- Event entries (the log leaves) ---- */
/* The canonical CBOR of an event (deterministic, keys in order, absent fields left out). */
vb_status vb_register_event_encode(const vb_register_event *event, uint8_t *out, size_t out_size, size_t *length,
                                   vb_error *err);
/* Strictly decodes an entry (unknown keys refused). */
vb_status vb_register_event_decode(const uint8_t *data, size_t length, vb_register_event *event, vb_error *err);

/* ---- Backup ---- */
/* Copies the live register at source_path into a new file dest_path (mode 0600, refused if it
 * exists) with SQLite's online backup API, as one consistent snapshot while others may go on
 * writing; the copy is a single self-contained file (rollback journal, no -wal), which must not
 * be opened read-write before its checksum is taken (vb_register_open would switch it to WAL).
 * counts (may be NULL) receives what the copy holds. */
vb_status vb_register_backup(const char *source_path, const char *dest_path, vb_register_counts *counts,
                             vb_error *err);
/* Checks that path is a whole, readable register: integrity_check, application id, schema
 * version not newer than this program's. */
vb_status vb_register_check_file(const char *path, vb_error *err);
/* Copies the register in backup_path over dest_path: into a new file when dest_path does not
 * exist, else (replace must be true) through the backup API into the existing register, which
 * other programs may hold open. */
vb_status vb_register_restore(const char *backup_path, const char *dest_path, bool replace, vb_error *err);

/* ---- Record ids ---- */
/* A record id as the cti claim carries it: big-endian, no leading zero byte; returns the length. */
size_t vb_register_record_id_bytes(uint64_t id, uint8_t out[VB_MAX_RECORD_ID_BYTES]);
/* And back: false unless 1..8 bytes without a leading zero. */
bool vb_register_record_id_value(const uint8_t *bytes, size_t length, uint64_t *id);

/* ---- Words ---- */
/* "fraud", "not-eligible", … (the CLI spelling) and back; NULL / 0 if unknown. */
const char *vb_register_revoke_reason_name(int reason);
int vb_register_revoke_reason_parse(const char *name);
const char *vb_register_correct_reason_name(int reason);
int vb_register_correct_reason_parse(const char *name);
/* Vietnamese and English wording of a revocation ground. */
const char *vb_register_revoke_reason_text(int reason, bool english);
const char *vb_register_event_kind_name(int kind); /* "issue", "revoke", "correct", "copy" */
const char *vb_register_state_name(int state);     /* "in-force", "superseded", "revoked" */

/* Folds a name for accent-insensitive search: NFD, combining marks dropped, đ → d, lower case,
 * runs of space collapsed. "Nguyễn Thị Đào" → "nguyen thi dao". False if out is too small or
 * text is not UTF-8. */
bool vb_register_fold_name(const char *text, char *out, size_t out_size);
/* The rule of DOMAIN.md "Identifiers": 12 digits, province 001–096, digit 4 agreeing with the
 * century of birth and the gender (gender 0: not checked), digits 5–6 with the year of birth.
 * The message never quotes the number. */
vb_status vb_register_check_personal_id(const char *personal_id, int32_t birth_date, int gender, vb_error *err);

/* ---- Auditing the log (`log verify`) and status lists ---- */
/* One event as its row says it is, not as its entry says: the columns of the event, with the
 * record digest computed from the signed record of the credential row it names (issue, correct,
 * copy) and `supersedes` from that row (correct). Re-encoding `event` gives the stored entry of
 * an untouched register; a row edited in the file gives other bytes. */
typedef struct {
    vb_register_event event;
    uint64_t original_id;        /* events.original_id */
    bool record_found;           /* the credential row the event names exists */
    int record_kind;             /* its kind (VB_KIND_*), 0 when not found */
    char serial[VB_TEXT_FIELD];  /* its serial, "" when not found */
    const uint8_t *entry;        /* the entry as stored; valid during the visit */
    size_t entry_length;
} vb_register_event_row;
typedef vb_status (*vb_register_event_row_visitor)(void *context, const vb_register_event_row *row, vb_error *err);
/* Visits every event in sequence order, streaming (memory does not grow with the register). */
vb_status vb_register_each_event_row(vb_register *reg, vb_register_event_row_visitor visit, void *context,
                                     vb_error *err);

/* ---- Mirroring to the national portal (mirror.h, `vanbang-issue upload`) ---- */
/* One event as the upload sends it: the event as its row says it is (`row`, the derivation `log
 * verify` uses; row.entry is the entry as STORED, which is not what is sent), its entry re-encoded
 * from that event (vb_register_event_encode: the log leaf this row stands for), the signed record
 * of the credential row it names, and the personal identification number beside the issue of an
 * original whose row has one. A row edited in the file therefore gives another leaf than the
 * one a portal accepted, and the portal refuses what follows: that is how an edit shows.
 * Everything is valid during the visit only; the buffer is wiped after the walk. */
#define VB_REGISTER_PERSONAL_ID_DIGITS 12
typedef struct {
    vb_register_event_row row;
    uint8_t entry[VB_REGISTER_ENTRY_MAX_BYTES]; /* vb_register_event_encode(&row.event) */
    size_t entry_length;
    const uint8_t *record;       /* issue, correct, copy: the credential row's signed record; NULL
                                  * for a revocation or when the row is missing */
    size_t record_length;
    char personal_id[VB_REGISTER_PERSONAL_ID_DIGITS + 1]; /* issue of an original: 12 digits, or "" */
} vb_register_upload_row;
typedef vb_status (*vb_register_upload_row_visitor)(void *context, const vb_register_upload_row *row,
                                                    vb_error *err);
/* Visits every event with sequence >= from_sequence in sequence order, streaming. A row whose
 * columns cannot be encoded as an entry stops the walk with VB_ERR_REGISTER naming the event; a
 * non-VB_OK return from visit stops it and is returned. The caller checks that sequences run on
 * without a gap. */
vb_status vb_register_each_upload_row(vb_register *reg, uint64_t from_sequence, vb_register_upload_row_visitor visit,
                                      void *context, vb_error *err);
/* The last event sequence a portal acknowledged (setting "upload_cursor:" + portal; 0 when
 * none), and its update — in the caller's transaction when one is open, else in its own. The
 * portal's own answer is what an upload trusts; the cursor tells the school where it stands
 * without asking, and where a file export (`upload --csv`) starts. */
#define VB_REGISTER_UPLOAD_PORTAL_BYTES 2048
vb_status vb_register_upload_cursor(vb_register *reg, const char *portal, uint64_t *sequence, vb_error *err);
vb_status vb_register_set_upload_cursor(vb_register *reg, const char *portal, uint64_t sequence, vb_error *err);

/* A stored checkpoint as its row holds it; the signed bytes are valid during the visit. */
typedef struct {
    uint64_t checkpoint_id;
    uint64_t size;
    bool root_valid;             /* the root column holds 32 bytes */
    uint8_t root[VB_LOG_HASH_BYTES];
    int64_t time;
    const uint8_t *signed_data;
    size_t signed_length;
} vb_register_checkpoint_row;
typedef vb_status (*vb_register_checkpoint_visitor)(void *context, const vb_register_checkpoint_row *row,
                                                    vb_error *err);
/* Visits every stored checkpoint in the order they were kept. */
vb_status vb_register_each_checkpoint(vb_register *reg, vb_register_checkpoint_visitor visit, void *context,
                                      vb_error *err);
/* The number of rows of log_nodes (a tree of n events stores n - popcount(n)). */
vb_status vb_register_log_node_count(vb_register *reg, uint64_t *count, vb_error *err);

/* The sequence of the last status list exported (setting "status_sequence"); 0 when none. */
vb_status vb_register_status_sequence(vb_register *reg, uint64_t *last, vb_error *err);
/* Takes the next sequence — one above the last, or above `after` when that is larger (a list
 * published from a register later restored from an older backup) — and keeps it, committed
 * before the list is signed: a list that then fails to be written leaves a gap, never a sequence
 * used twice. In the caller's transaction when one is open, else in its own. */
vb_status vb_register_take_status_sequence(vb_register *reg, uint64_t after, uint64_t *sequence, vb_error *err);

#endif
