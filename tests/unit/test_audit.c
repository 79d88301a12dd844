/*
 * test_audit.c — unit tests of the portal's audit (portal/audit.c), its report (portal/report.c)
 * and its verbs (portal/audit_cli.c).
 *
 * The test makes a small PKI (an authority, two schools in two provinces), then, for each case,
 * a portal store with the schema of portal/portal.h written out here, filled with really signed
 * records, event entries (the register's encoding), log leaves and signed checkpoints, as the
 * portal would have accepted them from two schools; then it spoils the store in one way (a byte
 * of a record, an event entry, a missing register number, …) and checks that the audit names
 * exactly that, and nothing on a clean store. The portal's files are compiled in directly (they
 * are a program's files, not the library's): after editing one of them, touch this file.
 *
 * VANBANG_AUDIT_RECORDS=N sets the size of the timed store (default 3000 records);
 * VANBANG_AUDIT_KEEP=DIR keeps it there (portal.db, with authority.crt and trust.cbor to audit it
 * with `vanbang-portal audit`).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../portal/audit.c"
#include "../../portal/audit_cli.c"
#include "../../portal/report.c"

#include "testutil.h"

#include "cbor.h"
#include "keys.h"
#include "statuslist.h"

#include <fcntl.h>
#include <sys/wait.h>

#define T_DAY_2025_06_20 20259 /* days since 1970 */
#define T_DAY_2026_06_20 20624
#define T_BIRTH_2004_03_15 12492
#define T_PROVINCE_A "H\xc3\xa0 N\xe1\xbb\x99i"                    /* Hà Nội */
#define T_PROVINCE_B "H\xe1\xbb\x93 Ch\xc3\xad Minh"               /* Hồ Chí Minh */
#define T_SCHOOL_A_NAME "Tr\xc6\xb0\xe1\xbb\x9dng Cao \xc4\x91\xe1\xba\xb3ng C\xc3\xb4ng ngh\xe1\xbb\x87 H\xc3\xa0 N\xe1\xbb\x99i"
#define T_SCHOOL_B_NAME "Tr\xc6\xb0\xe1\xbb\x9dng Cao \xc4\x91\xe1\xba\xb3ng K\xe1\xbb\xb9 thu\xe1\xba\xadt Cao Th\xe1\xba\xafng"
#define T_PROGRAM_NAME "C\xc3\xb4ng ngh\xe1\xbb\x87 th\xc3\xb4ng tin"   /* Công nghệ thông tin */
#define T_PERSONAL_ID "001204012345"

typedef struct {
    EVP_PKEY *key;
    X509 *certificate;
    uint8_t kid[VB_KID_BYTES];
    const char *code, *name, *province;
} test_party;

static test_party authority, school_a, school_b;
static vb_trust_list trust;
static uint8_t *signed_trust;
static size_t signed_trust_length;
static int64_t now;

/* The folder of the store in use: a failing test leaves by longjmp before store_destroy, so the
 * next store_create and the group teardown remove what it left. */
static char leftover_dir[512];

static void remove_tree(const char *dir)
{
    char command[700];
    if (!dir[0])
        return;
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    assert_int_equal(system(command), 0);
}

/* ---------------------------------------------------------------- PKI */

static void make_school(test_party *party, const char *code, const char *name, const char *province)
{
    vb_error err = {0};
    X509_REQ *request = NULL;
    party->code = code;
    party->name = name;
    party->province = province;
    if (vb_key_generate_p256(&party->key, &err) != VB_OK ||
        vb_cert_make_request(party->key, code, name, province, &request, &err) != VB_OK ||
        vb_cert_certify(authority.certificate, authority.key, request, 365, &party->certificate, &err) != VB_OK)
        fail_msg("school %s: %s", code, err.message);
    X509_REQ_free(request);
    assert_int_equal(vb_cert_kid(party->certificate, party->kid, NULL), VB_OK);
}

static int group_setup(void **state)
{
    (void)state;
    vb_error err = {0};
    if (vb_key_generate_p256(&authority.key, &err) != VB_OK ||
        vb_cert_make_authority(authority.key, "CN=Authority, O=Test, C=VN", 3653, &authority.certificate, &err) !=
            VB_OK)
        fail_msg("authority: %s", err.message);
    assert_int_equal(vb_cert_kid(authority.certificate, authority.kid, NULL), VB_OK);
    make_school(&school_a, "CDCNHN", T_SCHOOL_A_NAME, T_PROVINCE_A);
    make_school(&school_b, "CKC", T_SCHOOL_B_NAME, T_PROVINCE_B);
    now = (int64_t)time(NULL);

    vb_trust_list editing = {0};
    vb_cose_signer signer;
    if (vb_trust_add(&editing, VB_TRUST_ROLE_AUTHORITY, authority.certificate, &err) != VB_OK ||
        vb_trust_add(&editing, VB_TRUST_ROLE_SIGNER, school_a.certificate, &err) != VB_OK ||
        vb_trust_add(&editing, VB_TRUST_ROLE_SIGNER, school_b.certificate, &err) != VB_OK ||
        vb_cose_signer_init(&signer, authority.key, authority.kid, &err) != VB_OK ||
        vb_trust_sign(&editing, 1, now, &signer, &signed_trust, &signed_trust_length, &err) != VB_OK)
        fail_msg("trust list: %s", err.message);
    vb_cose_signer_free(&signer);
    vb_trust_free(&editing);
    X509 *anchors[1] = {authority.certificate};
    if (vb_trust_parse(signed_trust, signed_trust_length, anchors, 1, 0, &trust, &err) != VB_OK)
        fail_msg("vb_trust_parse: %s", err.message);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    remove_tree(leftover_dir);
    vb_trust_free(&trust);
    free(signed_trust);
    test_party *parties[] = {&authority, &school_a, &school_b};
    for (size_t i = 0; i < 3; i++) {
        EVP_PKEY_free(parties[i]->key);
        X509_free(parties[i]->certificate);
    }
    return 0;
}

/* ---------------------------------------------------------------- a portal store */

static const char store_schema[] =
    "PRAGMA application_id = 1447186516;" /* 0x56425054, "VBPT" */
    "PRAGMA user_version = 1;"
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
    " decision_number TEXT NOT NULL DEFAULT '', decision_date INTEGER, entry BLOB NOT NULL, leaf BLOB NOT NULL,"
    " batch BLOB NOT NULL, PRIMARY KEY (school, sequence)) WITHOUT ROWID;"
    "CREATE TABLE records(school TEXT NOT NULL, record_id INTEGER NOT NULL, kind INTEGER NOT NULL,"
    " sequence INTEGER NOT NULL, serial TEXT NOT NULL, type INTEGER NOT NULL, register_number INTEGER NOT NULL,"
    " register_year INTEGER NOT NULL, name TEXT NOT NULL, folded_name TEXT NOT NULL, birth_date INTEGER NOT NULL,"
    " gender INTEGER NOT NULL, program_code TEXT NOT NULL, program_name TEXT NOT NULL,"
    " classification INTEGER NOT NULL, training_mode INTEGER NOT NULL, issue_date INTEGER NOT NULL,"
    " issue_place TEXT NOT NULL, supersedes INTEGER NOT NULL DEFAULT 0, copy_number INTEGER NOT NULL DEFAULT 0,"
    " signed_at INTEGER NOT NULL, signer_kid BLOB NOT NULL, personal_id TEXT, record BLOB NOT NULL,"
    " PRIMARY KEY (school, record_id)) WITHOUT ROWID;"
    "CREATE INDEX records_serial ON records(serial);"
    "CREATE INDEX records_person ON records(personal_id);"
    "CREATE TABLE incidents(id INTEGER PRIMARY KEY, school TEXT NOT NULL, time INTEGER NOT NULL,"
    " kind TEXT NOT NULL, sequence INTEGER, serial TEXT, message TEXT NOT NULL);"
    "CREATE TABLE users(name TEXT PRIMARY KEY, province TEXT NOT NULL, password TEXT NOT NULL,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE access_log(id INTEGER PRIMARY KEY, time INTEGER NOT NULL, user TEXT NOT NULL,"
    " province TEXT NOT NULL, action TEXT NOT NULL, address TEXT NOT NULL);";

typedef struct {
    const test_party *party;
    vb_cose_signer signer;
    uint64_t records, events;
    vb_log_builder builder;
    bool checkpointed;
    uint64_t checkpoint_size; /* of the last checkpoint */
} store_school;

typedef struct {
    char dir[512], path[600];
    sqlite3 *db; /* read-write, as the portal holds it */
    store_school schools[2];
} test_store;

static void exec(sqlite3 *db, const char *sql)
{
    char *message = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK)
        fail_msg("SQL %s: %s", sql, message);
}

static void store_add_school(test_store *s, int index, const test_party *party, const char *name)
{
    store_school *school = &s->schools[index];
    uint8_t empty_root[VB_LOG_HASH_BYTES];
    sqlite3_stmt *q;
    school->party = party;
    assert_int_equal(vb_cose_signer_init(&school->signer, party->key, party->kid, NULL), VB_OK);
    vb_log_builder_init(&school->builder);
    vb_log_empty_root(empty_root);
    assert_int_equal(sqlite3_prepare_v2(s->db,
                                        "INSERT INTO schools(code, name, province, size, tree, root, first_seen,"
                                        " updated_at) VALUES (?1, ?2, ?3, 0, x'', ?4, ?5, ?5)",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, party->code, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, name ? name : party->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, party->province, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 4, empty_root, sizeof empty_root, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 5, now);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
}

static void store_create(test_store *s)
{
    memset(s, 0, sizeof *s);
    remove_tree(leftover_dir);
    assert_int_equal(test_make_temp_dir(s->dir, sizeof s->dir, "vanbang-audit-XXXXXX"), 0);
    snprintf(leftover_dir, sizeof leftover_dir, "%s", s->dir);
    snprintf(s->path, sizeof s->path, "%s/portal.db", s->dir);
    assert_int_equal(sqlite3_open(s->path, &s->db), SQLITE_OK);
    exec(s->db, store_schema);
    store_add_school(s, 0, &school_a, NULL);
    store_add_school(s, 1, &school_b, NULL);
}

static void store_destroy(test_store *s)
{
    for (int i = 0; i < 2; i++)
        vb_cose_signer_free(&s->schools[i].signer);
    sqlite3_close(s->db);
    remove_tree(s->dir);
    leftover_dir[0] = '\0';
}

/* Appends one event (its entry, leaf and row) to school `index`; returns its sequence. */
static uint64_t append_event(test_store *s, int index, int kind, uint64_t record_id, const uint8_t *record,
                             size_t record_length, uint64_t supersedes, int reason, const char *decision,
                             int32_t decision_date, int64_t time_of_event)
{
    store_school *school = &s->schools[index];
    vb_register_event e;
    uint8_t entry[VB_REGISTER_ENTRY_MAX_BYTES], leaf[VB_LOG_HASH_BYTES], batch[32] = {0};
    size_t entry_length;
    vb_error err = {0};
    sqlite3_stmt *q;

    memset(&e, 0, sizeof e);
    e.sequence = ++school->events;
    e.kind = kind;
    e.time = time_of_event;
    strcpy(e.school_code, school->party->code);
    e.record_id = record_id;
    if (record) {
        e.has_record_digest = true;
        SHA256(record, record_length, e.record_digest);
    }
    e.supersedes = supersedes;
    e.reason = reason;
    snprintf(e.decision_number, sizeof e.decision_number, "%s", decision ? decision : "");
    e.has_decision_date = decision_date != 0;
    e.decision_date = decision_date;
    strcpy(e.actor, "registrar");
    if (vb_register_event_encode(&e, entry, sizeof entry, &entry_length, &err) != VB_OK)
        fail_msg("event: %s", err.message);
    assert_int_equal(vb_log_leaf_hash(entry, entry_length, leaf), VB_OK);
    assert_int_equal(vb_log_builder_add(&school->builder, leaf), VB_OK);

    assert_int_equal(sqlite3_prepare_v2(s->db,
                                        "INSERT INTO events(school, sequence, kind, time, record_id, reason,"
                                        " decision_number, decision_date, entry, leaf, batch)"
                                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, school->party->code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (int64_t)e.sequence);
    sqlite3_bind_int(q, 3, kind);
    sqlite3_bind_int64(q, 4, time_of_event);
    sqlite3_bind_int64(q, 5, (int64_t)record_id);
    sqlite3_bind_int(q, 6, reason);
    sqlite3_bind_text(q, 7, e.decision_number, -1, SQLITE_TRANSIENT);
    if (decision_date)
        sqlite3_bind_int(q, 8, decision_date);
    sqlite3_bind_blob(q, 9, entry, (int)entry_length, SQLITE_TRANSIENT);
    sqlite3_bind_blob(q, 10, leaf, sizeof leaf, SQLITE_TRANSIENT);
    sqlite3_bind_blob(q, 11, batch, sizeof batch, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    return e.sequence;
}

static void insert_record(test_store *s, int index, const vb_credential *c, const uint8_t *record, size_t length,
                          uint64_t record_id, uint64_t sequence, uint64_t supersedes, const char *personal_id)
{
    store_school *school = &s->schools[index];
    char folded[VB_MAX_TEXT_BYTES + 1];
    sqlite3_stmt *q;
    assert_true(vb_register_fold_name(c->name, folded, sizeof folded));
    assert_int_equal(
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO records(school, record_id, kind, sequence, serial, type, register_number,"
                           " register_year, name, folded_name, birth_date, gender, program_code, program_name,"
                           " classification, training_mode, issue_date, issue_place, supersedes, copy_number,"
                           " signed_at, signer_kid, personal_id, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                           " ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
                           -1, &q, NULL),
        SQLITE_OK);
    sqlite3_bind_text(q, 1, school->party->code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (int64_t)record_id);
    sqlite3_bind_int(q, 3, c->kind);
    sqlite3_bind_int64(q, 4, (int64_t)sequence);
    sqlite3_bind_text(q, 5, c->serial, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 6, c->type);
    sqlite3_bind_int64(q, 7, c->register_number);
    sqlite3_bind_int(q, 8, c->register_year);
    sqlite3_bind_text(q, 9, c->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 10, folded, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 11, c->birth_date);
    sqlite3_bind_int(q, 12, c->gender);
    sqlite3_bind_text(q, 13, c->program_code, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 14, c->program_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 15, c->classification);
    sqlite3_bind_int(q, 16, c->training_mode);
    sqlite3_bind_int(q, 17, c->issue_date);
    sqlite3_bind_text(q, 18, c->issue_place, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 19, (int64_t)supersedes);
    sqlite3_bind_int(q, 20, (int)c->copy_number);
    sqlite3_bind_int64(q, 21, c->signed_at);
    sqlite3_bind_blob(q, 22, school->party->kid, VB_KID_BYTES, SQLITE_STATIC);
    if (personal_id)
        sqlite3_bind_text(q, 23, personal_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 24, record, (int)length, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
}

/* What a test says about one original; zeros and NULLs take the defaults. */
typedef struct {
    uint32_t number;          /* register number (required) */
    const char *serial;       /* NULL: CODE-YEAR-NUMBER */
    int type;                 /* 0: college */
    int32_t issue_date;       /* 0: 2026-06-20 */
    int32_t decision_date;    /* 0: the graduation decision has no date */
    const char *personal_id;  /* NULL: none */
    const char *name;         /* NULL: "Nguyễn Văn An SCHOOL NUMBER" */
    int32_t birth_date;       /* 0: 2004-03-15 */
    const char *program_code; /* NULL: 6480201 */
    int64_t signed_at;        /* 0: now */
    int classification;       /* 0: Khá */
    bool no_digest;           /* the issuing event's entry leaves the record digest out */
} diploma;

static void sign(test_store *s, int index, const vb_credential *c, uint8_t *record, size_t *length)
{
    vb_error err = {0};
    if (vb_record_sign(&s->schools[index].signer, c, record, VB_MAX_RECORD_BYTES, length, &err) != VB_OK)
        fail_msg("vb_record_sign: %s", err.message);
}

static int64_t event_time(int32_t day) { return (int64_t)day * 86400 + 3 * 3600; }

/* Issues an original at school `index`; returns its record id. */
static uint64_t issue(test_store *s, int index, const diploma *d)
{
    store_school *school = &s->schools[index];
    vb_credential c;
    uint8_t record[VB_MAX_RECORD_BYTES];
    size_t length;
    int year, month, day;

    memset(&c, 0, sizeof c);
    uint64_t id = ++school->records;
    strcpy(c.school_code, school->party->code);
    c.signed_at = d->signed_at ? d->signed_at : now;
    c.record_id_length = vb_statuslist_id_to_cti(id, c.record_id);
    c.type = d->type ? d->type : VB_TYPE_COLLEGE;
    c.issue_date = d->issue_date ? d->issue_date : T_DAY_2026_06_20;
    vb_civil_from_days(c.issue_date, &year, &month, &day);
    if (d->serial)
        snprintf(c.serial, sizeof c.serial, "%s", d->serial);
    else
        snprintf(c.serial, sizeof c.serial, "%s-%d-%06u", school->party->code, year, d->number);
    c.register_number = d->number;
    c.register_year = (uint16_t)year;
    if (d->name)
        snprintf(c.name, sizeof c.name, "%s", d->name);
    else
        snprintf(c.name, sizeof c.name, "Nguy\xe1\xbb\x85n V\xc4\x83n An %s %u", school->party->code, d->number);
    c.birth_date = d->birth_date ? d->birth_date : T_BIRTH_2004_03_15;
    c.gender = VB_GENDER_MALE;
    snprintf(c.program_code, sizeof c.program_code, "%s", d->program_code ? d->program_code : "6480201");
    strcpy(c.program_name, T_PROGRAM_NAME);
    c.classification = d->classification ? d->classification : VB_CLASS_GOOD;
    c.training_mode = VB_MODE_FULL_TIME;
    strcpy(c.issue_place, "H\xc3\xa0 N\xe1\xbb\x99i");
    c.kind = VB_KIND_ORIGINAL;
    sign(s, index, &c, record, &length);
    uint64_t sequence = append_event(s, index, VB_EVENT_ISSUE, id, d->no_digest ? NULL : record, length, 0, 0,
                                     "123/Q\xc4\x90-CD",
                                     d->decision_date, event_time(c.issue_date));
    insert_record(s, index, &c, record, length, id, sequence, 0, d->personal_id);
    return id;
}

/* The credential a stored record signs. */
static void stored_credential(test_store *s, int index, uint64_t record_id, vb_credential *c)
{
    sqlite3_stmt *q;
    vb_cose_sign1 message;
    assert_int_equal(sqlite3_prepare_v2(s->db, "SELECT record FROM records WHERE school = ?1 AND record_id = ?2", -1,
                                        &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, s->schools[index].party->code, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (int64_t)record_id);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(vb_record_decode(sqlite3_column_blob(q, 0), (size_t)sqlite3_column_bytes(q, 0), &message, c, NULL),
                     VB_OK);
    sqlite3_finalize(q);
}

/* A correction (kind 3 event) or a copy (kind 4) of record `of`; returns the new record id. */
static uint64_t correct_or_copy(test_store *s, int index, uint64_t of, bool copy)
{
    store_school *school = &s->schools[index];
    vb_credential c;
    uint8_t record[VB_MAX_RECORD_BYTES];
    size_t length;
    stored_credential(s, index, of, &c);
    uint64_t id = ++school->records;
    c.record_id_length = vb_statuslist_id_to_cti(id, c.record_id);
    c.issue_date += 30;
    c.signed_at = now;
    if (copy) {
        c.kind = VB_KIND_COPY;
        c.copy_number = 1;
    } else {
        c.kind = VB_KIND_CORRECTION;
        c.supersedes_length = vb_statuslist_id_to_cti(of, c.supersedes);
        strcat(c.name, " B");
    }
    sign(s, index, &c, record, &length);
    uint64_t sequence = append_event(s, index, copy ? VB_EVENT_COPY : VB_EVENT_CORRECT, id, record, length,
                                     copy ? 0 : of, copy ? 0 : VB_CORRECT_CIVIL_STATUS, copy ? NULL : "45/Q\xc4\x90",
                                     copy ? 0 : c.issue_date - 2, event_time(c.issue_date));
    insert_record(s, index, &c, record, length, id, sequence, copy ? 0 : of, NULL);
    return id;
}

static uint64_t revoke_credential(test_store *s, int index, uint64_t record_id, const char *decision, int32_t day)
{
    return append_event(s, index, VB_EVENT_REVOKE, record_id, NULL, 0, 0, VB_REVOKE_FRAUD, decision, 0,
                        event_time(day));
}

/* The school signs a checkpoint of its log as it stands, unless it signed one of that size; the
 * portal stores it. */
static void checkpoint(test_store *s, int index)
{
    store_school *school = &s->schools[index];
    vb_log_checkpoint cp;
    uint8_t signed_data[VB_LOG_MAX_CHECKPOINT_BYTES];
    size_t length;
    vb_error err = {0};
    sqlite3_stmt *q;

    if (school->checkpointed && school->checkpoint_size == school->builder.size)
        return;
    school->checkpointed = true;
    school->checkpoint_size = school->builder.size;

    memset(&cp, 0, sizeof cp);
    strcpy(cp.origin, school->party->code);
    cp.size = school->builder.size;
    assert_int_equal(vb_log_builder_root(&school->builder, cp.root), VB_OK);
    cp.time = (uint64_t)now;
    if (vb_log_checkpoint_sign(&school->signer, &cp, signed_data, sizeof signed_data, &length, &err) != VB_OK)
        fail_msg("checkpoint: %s", err.message);
    assert_int_equal(sqlite3_prepare_v2(s->db,
                                        "INSERT INTO checkpoints(school, size, root, signed, time, received_at)"
                                        " VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, cp.origin, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (int64_t)cp.size);
    sqlite3_bind_blob(q, 3, cp.root, sizeof cp.root, SQLITE_STATIC);
    sqlite3_bind_blob(q, 4, signed_data, (int)length, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, now);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    assert_int_equal(sqlite3_prepare_v2(s->db,
                                        "UPDATE schools SET size = ?2, root = ?3, checkpoint = ?4,"
                                        " checkpoint_time = ?5 WHERE code = ?1",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, cp.origin, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (int64_t)cp.size);
    sqlite3_bind_blob(q, 3, cp.root, sizeof cp.root, SQLITE_STATIC);
    sqlite3_bind_blob(q, 4, signed_data, (int)length, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, now);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
}

/* The store every case starts from: at school A three originals, a correction of the second, a
 * copy of the third, the first revoked; at school B two originals; checkpoints after each step. */
static void store_clean(test_store *s)
{
    store_create(s);
    exec(s->db, "BEGIN");
    issue(s, 0, &(diploma){.number = 1, .decision_date = T_DAY_2026_06_20 - 3});
    issue(s, 0, &(diploma){.number = 2, .decision_date = T_DAY_2026_06_20 - 5, .classification = VB_CLASS_EXCELLENT});
    issue(s, 0, &(diploma){.number = 3});
    checkpoint(s, 0);
    correct_or_copy(s, 0, 2, false);
    checkpoint(s, 0);
    correct_or_copy(s, 0, 3, true);
    revoke_credential(s, 0, 1, "77/Q\xc4\x90-CD", T_DAY_2026_06_20 + 40);
    checkpoint(s, 0);
    issue(s, 1, &(diploma){.number = 1, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"});
    issue(s, 1, &(diploma){.number = 2, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"});
    checkpoint(s, 1);
    exec(s->db, "COMMIT");
}

/* Runs the audit over the store, read only as the verbs open it. */
static void audit_store(test_store *s, const char *province, int year, unsigned threads, audit_result *r)
{
    sqlite3 *db = NULL;
    vb_error err = {0};
    audit_options options = {.province = province, .year = year, .threads = threads};
    assert_int_equal(sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    vb_status status = audit_run(db, &trust, &options, r, &err);
    if (status != VB_OK)
        fail_msg("audit_run: %s", err.message);
    sqlite3_close(db);
}

static uint64_t all_anomalies(const audit_result *r)
{
    uint64_t total = 0;
    for (int k = 1; k < ANOMALY_KIND_COUNT; k++)
        total += r->anomaly_total[k];
    return total;
}

/* The first kept anomaly of a kind, or NULL. */
static const audit_anomaly *first_of(const audit_result *r, anomaly_kind kind)
{
    for (size_t i = 0; i < r->anomaly_count; i++)
        if (r->anomalies[i].kind == kind)
            return &r->anomalies[i];
    return NULL;
}

static void print_anomalies(const audit_result *r)
{
    for (size_t i = 0; i < r->anomaly_count; i++)
        print_message("  %s %s %s %llu %s: %s\n", anomaly_name(r->anomalies[i].kind), r->anomalies[i].school,
                      r->anomalies[i].serial, (unsigned long long)r->anomalies[i].sequence,
                      r->anomalies[i].code ? vb_status_name(r->anomalies[i].code) : "-", r->anomalies[i].detail);
}

/* Fails (listing what was found) unless the only anomalies are `count` of `kind`. */
static void expect_only(const audit_result *r, anomaly_kind kind, uint64_t count)
{
    if (r->anomaly_total[kind] != count || all_anomalies(r) != count) {
        print_anomalies(r);
        fail_msg("expected exactly %llu %s, found %llu of it and %llu in all", (unsigned long long)count,
                 anomaly_name(kind), (unsigned long long)r->anomaly_total[kind], (unsigned long long)all_anomalies(r));
    }
}

static const audit_count *count_of(const audit_counts *counts, const char *key)
{
    for (size_t i = 0; i < counts->count; i++)
        if (strcmp(counts->items[i].key, key) == 0)
            return &counts->items[i];
    return NULL;
}

static void update(test_store *s, const char *sql)
{
    exec(s->db, sql);
    assert_int_equal(sqlite3_changes(s->db), 1);
}

/* Flips the low bit of one byte of a blob (offset < 0 counts from its end) in the one row `where`
 * selects. */
static void flip_byte(test_store *s, const char *table, const char *column, const char *where, long offset)
{
    char sql[512];
    sqlite3_stmt *q;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s", column, table, where);
    assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    size_t length = (size_t)sqlite3_column_bytes(q, 0);
    uint8_t *bytes = test_exact_copy(sqlite3_column_blob(q, 0), length);
    sqlite3_finalize(q);
    size_t at = offset < 0 ? length - (size_t)-offset : (size_t)offset;
    assert_true(at < length);
    bytes[at] ^= 0x01;
    snprintf(sql, sizeof sql, "UPDATE %s SET %s = ?1 WHERE %s", table, column, where);
    assert_int_equal(sqlite3_prepare_v2(s->db, sql, -1, &q, NULL), SQLITE_OK);
    sqlite3_bind_blob(q, 1, bytes, (int)length, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(s->db), 1);
    sqlite3_finalize(q);
    free(bytes);
}

/* ---------------------------------------------------------------- the cases */

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(anomaly_name(ANOMALY_BAD_SIGNATURE), "bad-signature");
    assert_string_equal(anomaly_name(ANOMALY_TWO_DIPLOMAS), "two-diplomas");
    assert_string_equal(anomaly_name(ANOMALY_KIND_COUNT), "unknown");
    for (int k = 1; k < ANOMALY_KIND_COUNT; k++) {
        assert_true(anomaly_text((anomaly_kind)k, false)[0] != '\0');
        assert_string_not_equal(anomaly_text((anomaly_kind)k, false), anomaly_text((anomaly_kind)k, true));
        for (int j = 1; j < k; j++)
            assert_string_not_equal(anomaly_name((anomaly_kind)k), anomaly_name((anomaly_kind)j));
    }
}

static void test_clean_store(void **state)
{
    (void)state;
    test_store s;
    audit_result r, one_thread;
    store_clean(&s);
    audit_store(&s, "", 0, 3, &r);
    if (all_anomalies(&r) != 0)
        print_anomalies(&r);
    assert_int_equal(all_anomalies(&r), 0);
    assert_int_equal(r.anomaly_count, 0);
    assert_int_equal(r.schools, 2);
    assert_int_equal(r.records, 7);
    assert_int_equal(r.signatures_checked, 7);
    assert_int_equal(r.events, 8);

    assert_int_equal(r.by_school.count, 2);
    const audit_count *a = count_of(&r.by_school, "CDCNHN"), *b = count_of(&r.by_school, "CKC");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a->label, T_SCHOOL_A_NAME);
    assert_int_equal(a->originals, 3);
    assert_int_equal(a->corrections, 1);
    assert_int_equal(a->copies, 1);
    assert_int_equal(a->revoked, 1);
    assert_int_equal(b->originals, 2);
    assert_int_equal(b->corrections + b->copies + b->revoked, 0);

    const audit_count *college = count_of(&r.by_type, "1"), *intermediate = count_of(&r.by_type, "2");
    assert_non_null(college);
    assert_non_null(intermediate);
    assert_string_equal(college->label, vb_credential_type_name(VB_TYPE_COLLEGE, false));
    assert_non_null(strstr(college->label, "cao \xc4\x91\xe1\xba\xb3ng")); /* "cao đẳng" */
    assert_int_equal(college->originals, 3);
    assert_int_equal(intermediate->originals, 2);

    const audit_count *y2026 = count_of(&r.by_year, "2026");
    assert_non_null(y2026);
    assert_int_equal(r.by_year.count, 1);
    assert_int_equal(y2026->originals, 5);
    assert_int_equal(y2026->corrections, 1);
    assert_int_equal(y2026->copies, 1);
    assert_int_equal(y2026->revoked, 1);

    const audit_count *it = count_of(&r.by_program, "6480201");
    assert_non_null(it);
    assert_string_equal(it->label, T_PROGRAM_NAME);
    assert_int_equal(it->originals, 3);
    assert_int_equal(count_of(&r.by_program, "5480202")->originals, 2);

    const audit_count *excellent = count_of(&r.by_classification, "1"), *good = count_of(&r.by_classification, "3");
    assert_non_null(excellent);
    assert_non_null(good);
    assert_string_equal(excellent->label, vb_classification_name(VB_CLASS_EXCELLENT, false));
    assert_int_equal(excellent->originals, 1);
    assert_int_equal(excellent->corrections, 1);
    assert_int_equal(good->originals, 4);

    /* The same answer from one thread. */
    audit_store(&s, NULL, 0, 1, &one_thread);
    assert_int_equal(one_thread.records, r.records);
    assert_int_equal(one_thread.by_program.count, r.by_program.count);
    assert_int_equal(all_anomalies(&one_thread), 0);
    audit_free(&one_thread);
    audit_free(&r);
    store_destroy(&s);
}

static void test_bad_signature(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    /* The last byte of record 2's signature flipped. */
    flip_byte(&s, "records", "record", "school = 'CDCNHN' AND record_id = 2", -1);
    audit_store(&s, "", 0, 2, &r);
    assert_int_equal(r.anomaly_total[ANOMALY_BAD_SIGNATURE], 1);
    const audit_anomaly *a = first_of(&r, ANOMALY_BAD_SIGNATURE);
    assert_non_null(a);
    assert_string_equal(a->school, "CDCNHN");
    assert_string_equal(a->serial, "CDCNHN-2026-000002");
    assert_int_equal(a->sequence, 2);
    assert_int_equal(a->code, VB_ERR_BAD_SIGNATURE);
    assert_non_null(strstr(a->detail, "record 2"));
    /* The event's entry names the record's digest, which changed with it. */
    assert_int_equal(r.anomaly_total[ANOMALY_LOG_INCONSISTENT], 1);
    assert_int_equal(first_of(&r, ANOMALY_LOG_INCONSISTENT)->code, VB_ERR_MIRROR_RECORD);
    assert_int_equal(all_anomalies(&r), 2);
    audit_free(&r);
    store_destroy(&s);
}

static void test_bad_signature_byte_flip(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    /* A byte of the signed claims, before the signature (64 bytes and its 2-byte head). */
    flip_byte(&s, "records", "record", "school = 'CKC' AND record_id = 1", -70);

    audit_store(&s, "", 0, 0, &r);
    const audit_anomaly *a = first_of(&r, ANOMALY_BAD_SIGNATURE);
    assert_non_null(a);
    assert_int_equal(r.anomaly_total[ANOMALY_BAD_SIGNATURE], 1);
    assert_string_equal(a->school, "CKC");
    assert_string_equal(a->serial, "CKC-2026-000001");
    assert_int_not_equal(a->code, VB_OK);
    audit_free(&r);
    store_destroy(&s);
}

static void test_column_differs_from_record(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    /* The row's date of issue moved, the signed record not: the audit reads the rows, so it
     * must notice. */
    update(&s, "UPDATE records SET issue_date = issue_date - 1 WHERE school = 'CKC' AND record_id = 2");
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_BAD_SIGNATURE, 1);
    assert_int_equal(r.anomalies[0].code, VB_ERR_MIRROR_RECORD);
    assert_non_null(strstr(r.anomalies[0].detail, "date of issue"));
    audit_free(&r);
    store_destroy(&s);
}

static void test_signer_not_valid(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    /* Signed 400 days from now: past the end of the signer's 365-day certificate. */
    issue(&s, 1, &(diploma){.number = 3, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202",
                            .signed_at = now + 400 * 86400});
    checkpoint(&s, 1);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_SIGNER_NOT_VALID, 1);
    assert_string_equal(r.anomalies[0].school, "CKC");
    assert_string_equal(r.anomalies[0].serial, "CKC-2026-000003");
    assert_int_equal(r.anomalies[0].code, VB_ERR_SIGNER_NOT_VALID);
    audit_free(&r);
    store_destroy(&s);
}

static void test_register_gap(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    /* School B's intermediate diplomas of 2026 had 1, 2; now 5 (a gap 3–4) and, in another type,
     * 1, 2, 3 (no gap). */
    issue(&s, 1, &(diploma){.number = 5, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"});
    issue(&s, 1, &(diploma){.number = 1, .serial = "SC-1", .type = VB_TYPE_ELEMENTARY, .program_code = "4480201"});
    issue(&s, 1, &(diploma){.number = 2, .serial = "SC-2", .type = VB_TYPE_ELEMENTARY, .program_code = "4480201"});
    issue(&s, 1, &(diploma){.number = 3, .serial = "SC-3", .type = VB_TYPE_ELEMENTARY, .program_code = "4480201"});
    checkpoint(&s, 1);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_REGISTER_GAP, 1);
    const audit_anomaly *a = &r.anomalies[0];
    assert_string_equal(a->school, "CKC");
    assert_string_equal(a->serial, "");
    assert_non_null(strstr(a->detail, "3\xe2\x80\x93" "4")); /* "3–4" */
    assert_non_null(strstr(a->detail, "2026"));
    audit_free(&r);

    /* One number missing is named alone. */
    issue(&s, 1, &(diploma){.number = 7, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"});
    audit_store(&s, "", 0, 2, &r);
    assert_int_equal(r.anomaly_total[ANOMALY_REGISTER_GAP], 2);
    bool found = false;
    for (size_t i = 0; i < r.anomaly_count; i++)
        found |= strstr(r.anomalies[i].detail, "register number 6 of 2026") != NULL;
    assert_true(found);
    audit_free(&r);
    store_destroy(&s);

    /* Numbers brought out of order but all there: nothing. */
    store_clean(&s);
    issue(&s, 1, &(diploma){.number = 4, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"});
    issue(&s, 1, &(diploma){.number = 3, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"});
    issue(&s, 1, &(diploma){.number = 6, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"});
    issue(&s, 1, &(diploma){.number = 5, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"});
    checkpoint(&s, 1);
    audit_store(&s, "", 0, 2, &r);
    if (all_anomalies(&r))
        print_anomalies(&r);
    assert_int_equal(all_anomalies(&r), 0);
    audit_free(&r);
    /* Out of order with a gap: the sorted numbers decide (1 2 4 3 6 5 9 → 7–8). */
    issue(&s, 1, &(diploma){.number = 9, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"});
    checkpoint(&s, 1);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_REGISTER_GAP, 1);
    assert_non_null(strstr(r.anomalies[0].detail, "7\xe2\x80\x93" "8"));
    audit_free(&r);
    store_destroy(&s);

    /* More gaps than are kept on the way: every one named all the same. */
    store_clean(&s);
    for (uint32_t n = 4; n <= 40; n += 3)
        issue(&s, 1, &(diploma){.number = n, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"});
    checkpoint(&s, 1);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_REGISTER_GAP, 13); /* 3, 5–6, 8–9, … 38–39 */
    audit_free(&r);
    store_destroy(&s);
}

static void test_register_and_serial_duplicates(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    issue(&s, 1, &(diploma){.number = 2, .serial = "CKC-EXTRA-2", .type = VB_TYPE_INTERMEDIATE,
                            .program_code = "5480202", .name = "\xc4\x90\xe1\xbb\x97 V\xc4\x83n D\xc6\xb0"});
    checkpoint(&s, 1);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_REGISTER_DUPLICATE, 1);
    assert_string_equal(r.anomalies[0].school, "CKC");
    assert_string_equal(r.anomalies[0].serial, "CKC-EXTRA-2");
    assert_int_equal(r.anomalies[0].sequence, 3);
    audit_free(&r);
    store_destroy(&s);

    store_clean(&s);
    issue(&s, 0, &(diploma){.number = 4, .serial = "CDCNHN-2026-000003"});
    checkpoint(&s, 0);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_SERIAL_DUPLICATE, 1);
    assert_string_equal(r.anomalies[0].school, "CDCNHN");
    assert_string_equal(r.anomalies[0].serial, "CDCNHN-2026-000003");
    assert_non_null(strstr(r.anomalies[0].detail, "2 originals"));
    audit_free(&r);
    store_destroy(&s);
}

static void test_late_issue(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    issue(&s, 1, &(diploma){.number = 3, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202",
                            .decision_date = T_DAY_2026_06_20 - 10});
    issue(&s, 1, &(diploma){.number = 4, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202",
                            .decision_date = T_DAY_2026_06_20 - 5});
    issue(&s, 1, &(diploma){.number = 5, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202",
                            .decision_date = T_DAY_2026_06_20 - 6});
    checkpoint(&s, 1);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_LATE_ISSUE, 2);
    assert_string_equal(r.anomalies[0].serial, "CKC-2026-000003");
    assert_non_null(strstr(r.anomalies[0].detail, "10 days"));
    assert_string_equal(r.anomalies[1].serial, "CKC-2026-000005");
    assert_non_null(strstr(r.anomalies[1].detail, "6 days"));
    audit_free(&r);
    store_destroy(&s);
}

static void test_revocation_without_decision(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    uint64_t sequence = revoke_credential(&s, 1, 2, "", T_DAY_2026_06_20 + 10);
    checkpoint(&s, 1);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_REVOCATION_NO_DECISION, 1);
    assert_string_equal(r.anomalies[0].school, "CKC");
    assert_string_equal(r.anomalies[0].serial, "CKC-2026-000002");
    assert_int_equal(r.anomalies[0].sequence, sequence);
    /* Revoked all the same. */
    assert_int_equal(count_of(&r.by_school, "CKC")->revoked, 1);
    audit_free(&r);
    store_destroy(&s);
}

static void test_two_diplomas(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    /* One person (same personal id, different spellings of the name) at both schools. */
    issue(&s, 0, &(diploma){.number = 4, .personal_id = T_PERSONAL_ID, .name = "Tr\xe1\xba\xa7n Th\xe1\xbb\x8b Mai"});
    issue(&s, 1, &(diploma){.number = 3, .personal_id = T_PERSONAL_ID, .name = "Tran Thi Mai"});
    /* Two people of one name and birth date, each with an id: not flagged. */
    issue(&s, 0, &(diploma){.number = 5, .personal_id = "001204099999", .name = "L\xc3\xaa V\xc4\x83n H\xc3\xb9ng"});
    issue(&s, 1, &(diploma){.number = 4, .personal_id = "001204088888", .name = "L\xc3\xaa V\xc4\x83n H\xc3\xb9ng"});
    /* A program of another code: not the same diploma. */
    issue(&s, 1, &(diploma){.number = 5, .personal_id = T_PERSONAL_ID, .program_code = "6480202"});
    checkpoint(&s, 0);
    checkpoint(&s, 1);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_TWO_DIPLOMAS, 1);
    const audit_anomaly *a = &r.anomalies[0];
    assert_string_equal(a->school, "CDCNHN");
    assert_string_equal(a->serial, "CDCNHN-2026-000004");
    assert_null(strstr(a->detail, T_PERSONAL_ID));
    assert_null(strstr(a->detail, "012345"));
    assert_non_null(strstr(a->detail, "CDCNHN CDCNHN-2026-000004"));
    assert_non_null(strstr(a->detail, "CKC CKC-2026-000003"));
    assert_non_null(strstr(a->detail, "same personal id"));
    audit_free(&r);

    /* The other province sees it too, under its own school. */
    audit_store(&s, T_PROVINCE_B, 0, 2, &r);
    expect_only(&r, ANOMALY_TWO_DIPLOMAS, 1);
    assert_string_equal(r.anomalies[0].school, "CKC");
    audit_free(&r);

    /* Revoked, the first diploma no longer counts. */
    revoke_credential(&s, 0, 6, "99/Q\xc4\x90", T_DAY_2026_06_20 + 50);
    checkpoint(&s, 0);
    audit_store(&s, "", 0, 2, &r);
    assert_int_equal(all_anomalies(&r), 0);
    audit_free(&r);
    store_destroy(&s);

    /* Same name and date of birth where one record has no id. */
    store_clean(&s);
    issue(&s, 0, &(diploma){.number = 4, .personal_id = T_PERSONAL_ID, .name = "Ph\xe1\xba\xa1m Minh"});
    issue(&s, 1, &(diploma){.number = 3, .name = "PH\xe1\xba\xa0M  MINH"});
    checkpoint(&s, 0);
    checkpoint(&s, 1);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_TWO_DIPLOMAS, 1);
    assert_non_null(strstr(r.anomalies[0].detail, "same name and date of birth"));
    assert_null(strstr(r.anomalies[0].detail, T_PERSONAL_ID));
    audit_free(&r);
    store_destroy(&s);
}

static void test_log_edited_entry(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    /* Event 2's entry rewritten: its last byte, the actor's last letter, "registrar" → "registras". */
    flip_byte(&s, "events", "entry", "school = 'CDCNHN' AND sequence = 2", -1);
    audit_store(&s, "", 0, 2, &r);
    assert_int_equal(r.anomaly_total[ANOMALY_LOG_INCONSISTENT], all_anomalies(&r));
    assert_true(r.anomaly_total[ANOMALY_LOG_INCONSISTENT] >= 2);
    bool leaf = false, root = false;
    for (size_t i = 0; i < r.anomaly_count; i++) {
        const audit_anomaly *a = &r.anomalies[i];
        assert_string_equal(a->school, "CDCNHN");
        if (a->sequence == 2 && strstr(a->detail, "leaf hash"))
            leaf = true;
        if (strstr(a->detail, "checkpoint of size 3"))
            root = true;
    }
    if (!leaf || !root)
        print_anomalies(&r);
    assert_true(leaf);
    assert_true(root);
    audit_free(&r);
    store_destroy(&s);
}

static void test_log_other_faults(void **state)
{
    (void)state;
    test_store s;
    audit_result r;

    /* An event deleted: named as missing, and the checkpoints no longer match. */
    store_clean(&s);
    update(&s, "DELETE FROM events WHERE school = 'CKC' AND sequence = 1");
    audit_store(&s, "", 0, 2, &r);
    assert_int_equal(r.anomaly_total[ANOMALY_LOG_INCONSISTENT], all_anomalies(&r));
    bool missing = false, count = false;
    for (size_t i = 0; i < r.anomaly_count; i++) {
        assert_string_equal(r.anomalies[i].school, "CKC");
        missing |= strcmp(r.anomalies[i].detail, "event 1 is missing from the store") == 0;
        count |= strstr(r.anomalies[i].detail, "recorded 2 events") != NULL;
    }
    if (!missing || !count)
        print_anomalies(&r);
    assert_true(missing);
    assert_true(count);
    audit_free(&r);
    store_destroy(&s);

    /* A record row that no event brought, and one an event names but the store lost. */
    store_clean(&s);
    exec(s.db, "INSERT INTO records SELECT school, 99, kind, 99, 'ORPHAN-1', type, 77, register_year, name || ' X',"
               " folded_name || ' x', birth_date, gender, program_code, program_name, classification, training_mode,"
               " issue_date, issue_place, supersedes, copy_number, signed_at, signer_kid, NULL, record"
               " FROM records WHERE school = 'CKC' AND record_id = 1");
    update(&s, "DELETE FROM records WHERE school = 'CDCNHN' AND record_id = 3");
    audit_store(&s, "", 0, 2, &r);
    if (r.anomaly_total[ANOMALY_LOG_INCONSISTENT] != 2)
        print_anomalies(&r);
    assert_int_equal(r.anomaly_total[ANOMALY_LOG_INCONSISTENT], 2);
    bool orphan = false, lost = false;
    for (size_t i = 0; i < r.anomaly_count; i++) {
        const audit_anomaly *a = &r.anomalies[i];
        if (a->kind != ANOMALY_LOG_INCONSISTENT)
            continue;
        orphan |= strcmp(a->school, "CKC") == 0 && strcmp(a->serial, "ORPHAN-1") == 0 &&
                  strstr(a->detail, "record 99 is stored but no event") != NULL;
        lost |= strcmp(a->school, "CDCNHN") == 0 && a->sequence == 3 &&
                strstr(a->detail, "names record 3, which the store does not hold") != NULL;
    }
    if (!orphan || !lost)
        print_anomalies(&r);
    assert_true(orphan);
    assert_true(lost);
    /* The copy of record 3 still stands (its own record), and nothing else is said. */
    assert_int_equal(r.records, 6);
    assert_int_equal(all_anomalies(&r), 2);
    audit_free(&r);
    store_destroy(&s);

    /* An issue whose entry names no record digest: nothing binds the record to the log. */
    store_clean(&s);
    issue(&s, 1, &(diploma){.number = 3, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202", .no_digest = true});
    checkpoint(&s, 1);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_LOG_INCONSISTENT, 1);
    assert_non_null(strstr(r.anomalies[0].detail, "names no record digest"));
    assert_string_equal(r.anomalies[0].serial, "CKC-2026-000003");
    audit_free(&r);
    store_destroy(&s);

    /* A checkpoint whose signature was damaged. */
    store_clean(&s);
    flip_byte(&s, "checkpoints", "signed", "school = 'CKC' AND size = 2", -1);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_LOG_INCONSISTENT, 1);
    assert_int_equal(r.anomalies[0].code, VB_ERR_BAD_SIGNATURE);
    audit_free(&r);
    store_destroy(&s);

    /* A checkpoint of school B signed by school A's key. */
    store_clean(&s);
    {
        vb_log_checkpoint cp;
        uint8_t signed_data[VB_LOG_MAX_CHECKPOINT_BYTES];
        size_t length;
        sqlite3_stmt *q;
        memset(&cp, 0, sizeof cp);
        strcpy(cp.origin, "CKC");
        cp.size = 1;
        assert_int_equal(sqlite3_prepare_v2(s.db, "SELECT leaf FROM events WHERE school = 'CKC' AND sequence = 1", -1,
                                            &q, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        memcpy(cp.root, sqlite3_column_blob(q, 0), 32); /* the root of one leaf is the leaf */
        sqlite3_finalize(q);
        cp.time = (uint64_t)now;
        assert_int_equal(vb_log_checkpoint_sign(&s.schools[0].signer, &cp, signed_data, sizeof signed_data, &length,
                                                NULL),
                         VB_OK);
        assert_int_equal(sqlite3_prepare_v2(s.db, "INSERT INTO checkpoints VALUES ('CKC', 1, ?1, ?2, 0, 0)", -1, &q,
                                            NULL),
                         SQLITE_OK);
        sqlite3_bind_blob(q, 1, cp.root, 32, SQLITE_STATIC);
        sqlite3_bind_blob(q, 2, signed_data, (int)length, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(q), SQLITE_DONE);
        sqlite3_finalize(q);
    }
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_LOG_INCONSISTENT, 1);
    assert_int_equal(r.anomalies[0].code, VB_ERR_MIRROR_SCHOOL);
    assert_int_equal(r.anomalies[0].sequence, 1);
    audit_free(&r);
    store_destroy(&s);

    /* A checkpoint row whose root column disagrees with what it signs. */
    store_clean(&s);
    update(&s, "UPDATE checkpoints SET root = zeroblob(32) WHERE school = 'CDCNHN' AND size = 3");
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_LOG_INCONSISTENT, 1);
    assert_int_equal(r.anomalies[0].code, VB_ERR_LOG_CHECKPOINT);
    audit_free(&r);
    store_destroy(&s);

    /* A column edited so a revocation seems to have a decision: the entry says otherwise. */
    store_clean(&s);
    revoke_credential(&s, 1, 1, "", T_DAY_2026_06_20 + 10);
    checkpoint(&s, 1);
    update(&s, "UPDATE events SET decision_number = 'fake' WHERE school = 'CKC' AND sequence = 3");
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_LOG_INCONSISTENT, 1);
    assert_non_null(strstr(r.anomalies[0].detail, "decision number"));
    audit_free(&r);
    store_destroy(&s);
}

static void test_incident(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    update(&s, "INSERT INTO incidents(school, time, kind, sequence, serial, message) VALUES ('CKC', 1782000000,"
               " 'leaf-differs', 2, 'CKC-2026-000002', 'the leaf of event 2 differs from the one uploaded')");
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_TAMPERING, 1);
    const audit_anomaly *a = &r.anomalies[0];
    assert_string_equal(a->school, "CKC");
    assert_string_equal(a->serial, "CKC-2026-000002");
    assert_int_equal(a->sequence, 2);
    assert_non_null(strstr(a->detail, "leaf-differs"));
    assert_non_null(strstr(a->detail, "differs from the one uploaded"));
    audit_free(&r);

    /* Not the business of the other province. */
    audit_store(&s, T_PROVINCE_A, 0, 2, &r);
    assert_int_equal(all_anomalies(&r), 0);
    audit_free(&r);
    store_destroy(&s);
}

static void test_province_scope(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    issue(&s, 1, &(diploma){.number = 9, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"}); /* a gap */
    checkpoint(&s, 1);

    audit_store(&s, T_PROVINCE_A, 0, 2, &r);
    assert_string_equal(r.province, T_PROVINCE_A);
    assert_int_equal(r.schools, 1);
    assert_int_equal(r.records, 5);
    assert_int_equal(r.events, 6);
    assert_int_equal(r.by_school.count, 1);
    assert_string_equal(r.by_school.items[0].key, "CDCNHN");
    assert_null(count_of(&r.by_type, "2")); /* school B's intermediate diplomas */
    assert_int_equal(all_anomalies(&r), 0);
    audit_free(&r);

    audit_store(&s, T_PROVINCE_B, 0, 2, &r);
    assert_int_equal(r.schools, 1);
    assert_int_equal(r.records, 3);
    expect_only(&r, ANOMALY_REGISTER_GAP, 1);
    audit_free(&r);

    audit_store(&s, "Nowhere", 0, 2, &r);
    assert_int_equal(r.schools, 0);
    assert_int_equal(r.records, 0);
    assert_int_equal(all_anomalies(&r), 0);
    audit_free(&r);
    store_destroy(&s);
}

static void test_year_scope(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    store_clean(&s);
    /* 2025 at school B: numbered in its own year, one issued late. */
    issue(&s, 1, &(diploma){.number = 1, .issue_date = T_DAY_2025_06_20, .decision_date = T_DAY_2025_06_20 - 20});
    issue(&s, 1, &(diploma){.number = 2, .issue_date = T_DAY_2025_06_20});
    checkpoint(&s, 1);
    /* An edited entry: log anomalies are reported whatever the year. */
    update(&s, "UPDATE events SET leaf = zeroblob(32) WHERE school = 'CDCNHN' AND sequence = 1");

    audit_store(&s, "", 2026, 2, &r);
    assert_int_equal(r.year, 2026);
    assert_int_equal(r.records, 7);
    assert_int_equal(r.by_year.count, 1);
    assert_non_null(count_of(&r.by_year, "2026"));
    assert_int_equal(r.anomaly_total[ANOMALY_LATE_ISSUE], 0);
    assert_int_equal(r.anomaly_total[ANOMALY_LOG_INCONSISTENT], 1);
    assert_int_equal(all_anomalies(&r), 1);
    audit_free(&r);

    audit_store(&s, "", 2025, 2, &r);
    assert_int_equal(r.records, 2);
    assert_int_equal(r.by_year.count, 1);
    assert_int_equal(count_of(&r.by_year, "2025")->originals, 2);
    assert_int_equal(count_of(&r.by_school, "CDCNHN")->originals, 0);
    assert_int_equal(r.anomaly_total[ANOMALY_LATE_ISSUE], 1);
    assert_string_equal(first_of(&r, ANOMALY_LATE_ISSUE)->serial, "CKC-2025-000001");
    assert_int_equal(r.anomaly_total[ANOMALY_LOG_INCONSISTENT], 1);
    assert_int_equal(all_anomalies(&r), 2);
    audit_free(&r);

    audit_store(&s, "", 0, 2, &r);
    assert_int_equal(r.records, 9);
    assert_int_equal(r.by_year.count, 2);
    audit_free(&r);
    store_destroy(&s);
}

static void test_anomaly_cap(void **state)
{
    (void)state;
    test_store s;
    audit_result r, kept_all;
    store_clean(&s);
    /* Numbers 1 2 3 (2026, college) then 5 7 9 11 13: five gaps, found in number order. */
    for (uint32_t n = 5; n <= 13; n += 2)
        issue(&s, 0, &(diploma){.number = n});
    checkpoint(&s, 0);
    audit_store(&s, "", 0, 2, &kept_all);
    expect_only(&kept_all, ANOMALY_REGISTER_GAP, 5);

    audit_anomaly_cap = 3;
    audit_store(&s, "", 0, 2, &r);
    audit_anomaly_cap = AUDIT_MAX_ANOMALIES;
    assert_int_equal(r.anomaly_total[ANOMALY_REGISTER_GAP], 5); /* every one counted */
    assert_int_equal(r.anomaly_count, 3);
    /* The kept ones are the first three in report order, whatever order they were found in. */
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(r.anomalies[i].detail, kept_all.anomalies[i].detail);
    audit_free(&r);
    audit_free(&kept_all);
    store_destroy(&s);
}

typedef struct {
    uint64_t calls, last_done, total;
    bool monotonic;
} progress_seen;

static void on_progress(void *context, uint64_t done, uint64_t total)
{
    progress_seen *seen = context;
    if (done < seen->last_done || done > total)
        seen->monotonic = false;
    seen->calls++;
    seen->last_done = done;
    seen->total = total;
}

static void test_progress_and_threads(void **state)
{
    (void)state;
    test_store s;
    audit_result r[3];
    store_clean(&s);
    exec(s.db, "BEGIN");
    for (uint32_t n = 4; n < 1004; n++)
        issue(&s, 0, &(diploma){.number = n + (n % 97 == 0), .decision_date = T_DAY_2026_06_20 - (n % 13 == 0 ? 9 : 1)});
    checkpoint(&s, 0);
    exec(s.db, "COMMIT");
    flip_byte(&s, "records", "record", "school = 'CDCNHN' AND record_id = 500", -3);
    flip_byte(&s, "records", "record", "school = 'CDCNHN' AND record_id = 700", -3);

    /* The progress callback: about every 1 % of the events, never backwards, ending at the total. */
    sqlite3 *db = NULL;
    progress_seen seen = {.monotonic = true};
    audit_options options = {.threads = 2, .progress = on_progress, .progress_context = &seen};
    assert_int_equal(sqlite3_open_v2(s.path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(audit_run(db, &trust, &options, &r[0], NULL), VB_OK);
    sqlite3_close(db);
    assert_true(seen.monotonic);
    assert_int_equal(seen.total, 1008);
    assert_int_equal(seen.last_done, 1008);
    assert_in_range(seen.calls, 50, 150);
    assert_true(r[0].anomaly_total[ANOMALY_BAD_SIGNATURE] >= 2);
    assert_true(r[0].anomaly_total[ANOMALY_LATE_ISSUE] > 50);
    assert_true(r[0].anomaly_total[ANOMALY_REGISTER_GAP] > 5);

    /* The same anomalies, in the same order, whatever the number of threads. */
    audit_store(&s, "", 0, 1, &r[1]);
    audit_store(&s, "", 0, 7, &r[2]);
    for (int k = 1; k < 3; k++) {
        assert_int_equal(r[k].anomaly_count, r[0].anomaly_count);
        assert_memory_equal(r[k].anomaly_total, r[0].anomaly_total, sizeof r[0].anomaly_total);
        for (size_t i = 0; i < r[0].anomaly_count; i++)
            assert_int_equal(anomaly_compare(&r[k].anomalies[i], &r[0].anomalies[i]), 0);
    }
    for (int k = 0; k < 3; k++)
        audit_free(&r[k]);
    store_destroy(&s);
}

/* ---------------------------------------------------------------- the report */

static void test_report_html(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    text_buffer html;
    store_clean(&s);
    /* A third school whose name tries markup, with a gap and two people with one personal id. */
    exec(s.db, "INSERT INTO schools(code, name, province, size, tree, root, first_seen, updated_at)"
               " VALUES ('TCX', 'Tr\xc6\xb0\xe1\xbb\x9dng <b>X</b> & \"Y\"', 'H\xe1\xbb\x93 Ch\xc3\xad Minh', 0, x'',"
               " zeroblob(32), 0, 0)");
    issue(&s, 1, &(diploma){.number = 9, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"});
    checkpoint(&s, 1);
    update(&s, "INSERT INTO incidents(school, time, kind, message) VALUES ('TCX', 1782000000, 'log-mismatch',"
               " '<script>alert(1)</script>')");
    issue(&s, 0, &(diploma){.number = 4, .personal_id = T_PERSONAL_ID});
    issue(&s, 1, &(diploma){.number = 10, .personal_id = T_PERSONAL_ID});
    checkpoint(&s, 0);
    checkpoint(&s, 1);
    audit_store(&s, "", 2026, 2, &r);
    assert_int_equal(r.anomaly_total[ANOMALY_TAMPERING], 1);
    assert_int_equal(r.anomaly_total[ANOMALY_REGISTER_GAP], 1);
    assert_int_equal(r.anomaly_total[ANOMALY_TWO_DIPLOMAS], 1);

    for (int english = 0; english <= 1; english++) {
        text_init(&html, 4096);
        report_html(&r, english, &html);
        assert_false(html.failed);
        assert_true(strncmp(html.data, "<!DOCTYPE html>", 15) == 0);
        assert_non_null(strstr(html.data, english ? "<html lang=\"en\">" : "<html lang=\"vi\">"));
        assert_non_null(strstr(html.data, "<meta charset=\"utf-8\">"));
        assert_non_null(strstr(html.data, "<style>"));
        assert_null(strstr(html.data, "<script"));
        assert_null(strstr(html.data, "<b>"));
        assert_non_null(strstr(html.data, "&lt;b&gt;X&lt;/b&gt; &amp; &quot;Y&quot;"));
        assert_non_null(strstr(html.data, "&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_null(strstr(html.data, "src="));
        assert_null(strstr(html.data, "href=\"http"));
        assert_null(strstr(html.data, "<link"));
        assert_null(strstr(html.data, T_PERSONAL_ID));
        /* Charts: the anomalies and originals by school, year and type, each titled. */
        size_t charts = 0;
        for (const char *p = html.data; (p = strstr(p, "<svg")) != NULL; p++)
            charts++;
        assert_int_equal(charts, 4);
        assert_non_null(strstr(html.data, "<title id=\"chart-school-title\">"));
        assert_non_null(strstr(html.data, "role=\"img\""));
        assert_non_null(strstr(html.data, english ? "Originals by year of issue" : "Số bản chính theo năm cấp"));
        assert_non_null(strstr(html.data, "2026"));
        assert_non_null(strstr(html.data, anomaly_text(ANOMALY_TWO_DIPLOMAS, english)));
        assert_non_null(strstr(html.data, vb_credential_type_name(VB_TYPE_COLLEGE, english)));
        assert_non_null(strstr(html.data, "id=\"register-gap\""));
        assert_non_null(strstr(html.data, "</html>\n"));
        text_free(&html);
    }
    audit_free(&r);
    store_destroy(&s);
}

static void test_report_csv(void **state)
{
    (void)state;
    test_store s;
    audit_result r;
    text_buffer anomalies, statistics;
    store_clean(&s);
    exec(s.db, "UPDATE schools SET name = '=HYPERLINK(\"x\"), \"quoted\"' WHERE code = 'CKC'");
    issue(&s, 0, &(diploma){.number = 4, .personal_id = T_PERSONAL_ID});
    issue(&s, 1, &(diploma){.number = 3, .personal_id = T_PERSONAL_ID});
    checkpoint(&s, 0);
    checkpoint(&s, 1);
    audit_store(&s, "", 0, 2, &r);
    expect_only(&r, ANOMALY_TWO_DIPLOMAS, 1);

    text_init(&anomalies, 256);
    report_anomalies_csv(&r, &anomalies);
    assert_false(anomalies.failed);
    const char *header = "kind,school,serial,sequence,code,detail\r\n";
    assert_true(strncmp(anomalies.data, header, strlen(header)) == 0);
    /* The detail lists both diplomas with ", ": the field is quoted. */
    const char *row = anomalies.data + strlen(header), *start = "two-diplomas,CDCNHN,CDCNHN-2026-000004,,,\"";
    assert_true(strncmp(row, start, strlen(start)) == 0);
    assert_non_null(strstr(row, "CDCNHN CDCNHN-2026-000004, CKC CKC-2026-000003\"\r\n"));
    assert_null(strstr(anomalies.data, T_PERSONAL_ID));
    text_free(&anomalies);

    text_init(&statistics, 256);
    report_statistics_csv(&r, &statistics);
    assert_false(statistics.failed);
    header = "dimension,key,label,originals,corrections,copies,revoked\r\n";
    assert_true(strncmp(statistics.data, header, strlen(header)) == 0);
    assert_non_null(strstr(statistics.data, "\r\nschool,CDCNHN," T_SCHOOL_A_NAME ",4,1,1,1\r\n"));
    /* A name with a comma and quotes is quoted, its quotes doubled, and kept from running as a
     * formula. */
    assert_non_null(strstr(statistics.data, "\r\nschool,CKC,\"'=HYPERLINK(\"\"x\"\"), \"\"quoted\"\"\",3,0,0,0\r\n"));
    assert_non_null(strstr(statistics.data, "\r\nyear,2026,2026,7,1,1,1\r\n"));
    assert_non_null(strstr(statistics.data, "\r\ntype,2,"));
    assert_non_null(strstr(statistics.data, "\r\nprogram,6480201," T_PROGRAM_NAME ",5,1,1,1\r\n"));
    assert_non_null(strstr(statistics.data, "\r\nclassification,1,"));
    /* Every line ends in CRLF. */
    for (const char *p = statistics.data; (p = strchr(p, '\n')) != NULL; p++)
        assert_int_equal(p[-1], '\r');
    text_free(&statistics);
    audit_free(&r);
    store_destroy(&s);
}

/* ---------------------------------------------------------------- the verbs */

/* Runs a verb with its output thrown away (the report is checked through its files). */
static int run_verb(int (*verb)(int, char **), char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
    int null = open("/dev/null", O_WRONLY);
    assert_true(saved_out >= 0 && saved_err >= 0 && null >= 0);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    int status = verb(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    close(null);
    return status;
}

static bool file_contains(const char *path, const char *needle)
{
    uint8_t *data = NULL;
    size_t length = 0;
    if (vb_file_read_all(path, 64u << 20, &data, &length, NULL) != VB_OK)
        return false;
    bool found = strstr((const char *)data, needle) != NULL;
    free(data);
    return found;
}

static void test_cli(void **state)
{
    (void)state;
    test_store s;
    char anchor[700], trust_path[700], out[700], html[760], csv[760], stats[760], not_store[700];
    store_clean(&s);
    snprintf(anchor, sizeof anchor, "%s/authority.crt", s.dir);
    snprintf(trust_path, sizeof trust_path, "%s/trust.cbor", s.dir);
    snprintf(out, sizeof out, "%s/out/2026", s.dir);
    snprintf(html, sizeof html, "%s/report.html", out);
    snprintf(csv, sizeof csv, "%s/anomalies.csv", out);
    snprintf(stats, sizeof stats, "%s/statistics.csv", out);
    snprintf(not_store, sizeof not_store, "%s/other.db", s.dir);
    assert_int_equal(vb_cert_save(anchor, authority.certificate, NULL), VB_OK);
    assert_int_equal(vb_file_save_bytes(trust_path, 0644, signed_trust, signed_trust_length, NULL), VB_OK);

    /* Clean: 0, and the files (folder made, parents too). */
    char *clean[] = {"audit", "--db", s.path, "--anchor", anchor, "--trust", trust_path, "--out", out,
                     "--threads", "2", NULL};
    assert_int_equal(run_verb(command_audit, clean), 0);
    assert_true(file_contains(html, "<svg"));
    assert_true(file_contains(csv, "kind,school,serial,sequence,code,detail\r\n"));
    assert_true(file_contains(stats, "school,CKC,"));
    struct stat info;
    mode_t mask = umask(0);
    umask(mask);
    assert_int_equal(stat(html, &info), 0);
    assert_int_equal(info.st_mode & 0777, 0644 & ~mask);

    /* An anomaly: 1. */
    issue(&s, 1, &(diploma){.number = 7, .type = VB_TYPE_INTERMEDIATE, .program_code = "5480202"});
    checkpoint(&s, 1);
    assert_int_equal(run_verb(command_audit, clean), 1);
    assert_true(file_contains(csv, "register-gap,CKC,"));
    char *scoped[] = {"audit", "--db", s.path, "--anchor", anchor, "--trust", trust_path,
                      "--province", T_PROVINCE_A, "--year", "2026", "--english", NULL};
    assert_int_equal(run_verb(command_audit, scoped), 0);

    /* The yearly report: the three files, English, whatever the anomalies. */
    char *report[] = {"report", "--db", s.path, "--anchor", anchor, "--trust", trust_path,
                      "--province", T_PROVINCE_B, "--year", "2026", "--out", out, "--english", NULL};
    assert_int_equal(run_verb(command_report, report), 1);
    assert_true(file_contains(html, "<html lang=\"en\">"));
    assert_true(file_contains(html, T_PROVINCE_B));
    assert_false(file_contains(stats, "school,CDCNHN"));

    /* Usage and file errors: 2. */
    char *help[] = {"audit", "--help", NULL};
    assert_int_equal(run_verb(command_audit, help), 0);
    char *report_help_argv[] = {"report", "--help", NULL};
    assert_int_equal(run_verb(command_report, report_help_argv), 0);
    char *missing[] = {"audit", "--db", s.path, NULL};
    assert_int_equal(run_verb(command_audit, missing), 2);
    char *bad_year[] = {"audit", "--db", s.path, "--anchor", anchor, "--trust", trust_path, "--year", "26", NULL};
    assert_int_equal(run_verb(command_audit, bad_year), 2);
    char *no_province[] = {"report", "--db", s.path, "--anchor", anchor, "--trust", trust_path, "--out", out, NULL};
    assert_int_equal(run_verb(command_report, no_province), 2);
    char *no_file[] = {"audit", "--db", not_store, "--anchor", anchor, "--trust", trust_path, NULL};
    assert_int_equal(run_verb(command_audit, no_file), 2);
    sqlite3 *other;
    assert_int_equal(sqlite3_open(not_store, &other), SQLITE_OK);
    exec(other, "CREATE TABLE t(x)");
    sqlite3_close(other);
    char *not_portal[] = {"audit", "--db", not_store, "--anchor", anchor, "--trust", trust_path, NULL};
    assert_int_equal(run_verb(command_audit, not_portal), 2);
    char *bad_trust[] = {"audit", "--db", s.path, "--anchor", anchor, "--trust", anchor, NULL};
    assert_int_equal(run_verb(command_audit, bad_trust), 2);
    store_destroy(&s);
}

/* ---------------------------------------------------------------- speed */

static void test_speed(void **state)
{
    (void)state;
    const char *setting = getenv("VANBANG_AUDIT_RECORDS");
    long n = setting ? atol(setting) : 3000;
    if (n < 10)
        n = 10;
    test_store s;
    audit_result r;
    struct timespec start, end;
    store_create(&s);
    clock_gettime(CLOCK_MONOTONIC, &start);
    exec(s.db, "BEGIN");
    char pid[16];
    for (long i = 1; i <= n; i++) {
        int school = (int)(i % 2);
        /* Every 100th graduate has no personal id; the rest a distinct one. */
        snprintf(pid, sizeof pid, "%03ld204%06ld", 1 + i % 90, i % 1000000);
        issue(&s, school, &(diploma){.number = (uint32_t)(i / 2 + 1), .personal_id = i % 100 ? pid : NULL,
                                     .decision_date = T_DAY_2026_06_20 - 2,
                                     .classification = (int)(1 + i % 5)});
        if (i % 1000 == 0)
            checkpoint(&s, school);
    }
    checkpoint(&s, 0);
    checkpoint(&s, 1);
    exec(s.db, "COMMIT");
    clock_gettime(CLOCK_MONOTONIC, &end);
    double build = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;

    audit_store(&s, "", 0, 0, &r);
    if (all_anomalies(&r))
        print_anomalies(&r);
    assert_int_equal(all_anomalies(&r), 0);
    assert_int_equal(r.records, (uint64_t)n);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    print_message("audit of %ld records (store built in %.1f s): %.2f s, %.0f records/s on %ld cores\n", n, build,
                  r.seconds, (double)n / r.seconds, cores);
    audit_free(&r);
    const char *keep = getenv("VANBANG_AUDIT_KEEP");
    if (keep && keep[0]) {
        char path[1024];
        snprintf(path, sizeof path, "%s/authority.crt", s.dir);
        assert_int_equal(vb_cert_save(path, authority.certificate, NULL), VB_OK);
        snprintf(path, sizeof path, "%s/trust.cbor", s.dir);
        assert_int_equal(vb_file_save_bytes(path, 0644, signed_trust, signed_trust_length, NULL), VB_OK);
        sqlite3_close(s.db);
        s.db = NULL;
        if (rename(s.dir, keep) != 0)
            fail_msg("cannot keep the store as %s (it must not exist, on the same file system as %s)", keep, s.dir);
        print_message("kept in %s\n", keep);
        leftover_dir[0] = '\0';
        for (int i = 0; i < 2; i++)
            vb_cose_signer_free(&s.schools[i].signer);
        return;
    }
    store_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_clean_store),
        cmocka_unit_test(test_bad_signature),
        cmocka_unit_test(test_bad_signature_byte_flip),
        cmocka_unit_test(test_column_differs_from_record),
        cmocka_unit_test(test_signer_not_valid),
        cmocka_unit_test(test_register_gap),
        cmocka_unit_test(test_register_and_serial_duplicates),
        cmocka_unit_test(test_late_issue),
        cmocka_unit_test(test_revocation_without_decision),
        cmocka_unit_test(test_two_diplomas),
        cmocka_unit_test(test_log_edited_entry),
        cmocka_unit_test(test_log_other_faults),
        cmocka_unit_test(test_incident),
        cmocka_unit_test(test_province_scope),
        cmocka_unit_test(test_year_scope),
        cmocka_unit_test(test_anomaly_cap),
        cmocka_unit_test(test_progress_and_threads),
        cmocka_unit_test(test_report_html),
        cmocka_unit_test(test_report_csv),
        cmocka_unit_test(test_cli),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests_name("audit", tests, group_setup, group_teardown);
}
