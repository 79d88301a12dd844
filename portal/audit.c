/*
 * audit.c — the provincial audit over the portal's store (portal.h): one read-only pass that
 * re-verifies the signature of every stored record, rebuilds every school's log against its
 * signed checkpoints, checks register numbers and serials, late issues, revocations without a
 * decision, one person holding two originals, lists the incidents the portal recorded, and
 * counts originals, corrections, copies and revocations by school, year, type, program and
 * classification.
 *
 * How the work is laid out. Signatures cost nearly everything (an ECDSA verification ~85 µs,
 * the SQL of a record a few µs), so:
 *   - the calling thread walks each school's events in sequence order, each joined to the record
 *     it names: it rebuilds the log and checks the checkpoints on the way, numbers the register
 *     (type, year) by type and year as it goes, checks late issues and revocations, counts, and
 *     puts each record with the digest its event names into a ring of chunks;
 *   - `threads` workers take the chunks and verify each record's signature, compare what it
 *     signs with the columns the checks read, and hash it against its event's digest;
 *   - the calling thread collects finished chunks in ring order (so results arrive in the same
 *     order whatever the timing) and, while the ring is full, steps the checks that span every
 *     school — serials over the serial index, incidents, the two two-diploma queries — a few
 *     hundred rows at a time, so they run beside the verifications rather than after them.
 * Only the calling thread touches SQLite. The global checks scan covering indexes and look
 * closer only at candidates (a serial on two rows of a school, a personal id on two rows), so
 * no step sorts the whole store: a long SQLite step would starve the workers.
 *
 * Memory: the schools in scope, the counts (one row per school, year, type, program and
 * classification), per school the register's (type, year) groups with a few gaps each, the ring,
 * and the anomalies kept — at most audit_anomaly_cap, the smallest in report order (kind,
 * school, sequence, serial, detail), held in a max-heap once full so the kept set does not
 * depend on the order anomalies were found in. Every anomaly is counted. Nothing grows with the
 * number of records, except SQLite's own materialised subqueries, which spill to temporary files.
 *
 * Details are one English sentence, like every library message (vb_error); the kind's name is
 * given in both languages by anomaly_text. A detail never holds a personal identification
 * number: the two-diploma queries group by it inside SQLite and never select it.
 */
#include "portal.h"

#include "cose.h"
#include "log.h"
#include "record.h"
#include "register.h"
#include "verify.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_CHUNK_RECORDS 128  /* records handed to a worker at once */
#define AUDIT_MAX_THREADS 64
#define AUDIT_SECONDARY_ROWS 256 /* rows of the global checks stepped each time the ring is full */
#define AUDIT_REGISTER_GAPS 8    /* gaps kept per (type, year) before the sorted query decides */

/* The number of anomalies kept (all are counted). The unit test lowers it. */
static size_t audit_anomaly_cap = AUDIT_MAX_ANOMALIES;

/* ---------------------------------------------------------------- names */

static const char *const anomaly_names[ANOMALY_KIND_COUNT][3] = {
    [ANOMALY_BAD_SIGNATURE] = {"bad-signature", "Chữ ký không hợp lệ", "Signature does not verify"},
    [ANOMALY_SIGNER_NOT_VALID] = {"signer-not-valid", "Ký ngoài thời hạn của chứng thư",
                                  "Signed outside the signer certificate's validity"},
    [ANOMALY_LOG_INCONSISTENT] = {"log-inconsistent", "Nhật ký không khớp với điểm kiểm tra đã ký",
                                  "Log does not match its signed checkpoints"},
    [ANOMALY_TAMPERING] = {"tampering", "Sổ gốc bị sửa sau khi gửi lên",
                           "Register changed after upload (tampering)"},
    [ANOMALY_REGISTER_GAP] = {"register-gap", "Thiếu số vào sổ gốc", "Register numbers missing"},
    [ANOMALY_REGISTER_DUPLICATE] = {"register-duplicate", "Trùng số vào sổ gốc", "Register number used twice"},
    [ANOMALY_SERIAL_DUPLICATE] = {"serial-duplicate", "Trùng số hiệu", "Serial number used twice"},
    [ANOMALY_LATE_ISSUE] = {"late-issue", "Cấp quá 5 ngày sau quyết định",
                            "Issued more than 5 days after the decision"},
    [ANOMALY_REVOCATION_NO_DECISION] = {"revocation-no-decision", "Thu hồi không có số quyết định",
                                        "Revocation without a decision number"},
    [ANOMALY_TWO_DIPLOMAS] = {"two-diplomas", "Một người có hai bản chính cùng loại",
                              "One person holds two originals of the same kind"},
};

const char *anomaly_name(anomaly_kind kind)
{
    return kind > 0 && kind < ANOMALY_KIND_COUNT ? anomaly_names[kind][0] : "unknown";
}

const char *anomaly_text(anomaly_kind kind, bool english)
{
    if (kind <= 0 || kind >= ANOMALY_KIND_COUNT)
        return english ? "Unknown" : "Không rõ";
    return anomaly_names[kind][english ? 2 : 1];
}

/* ---------------------------------------------------------------- the run's state */

typedef struct {
    char code[VB_MAX_SCHOOL_CODE_BYTES + 1];
    char name[VB_MAX_TEXT_BYTES + 1];
    uint64_t size; /* schools.size: the events the portal says it holds */
    bool has_root;
    uint8_t root[VB_LOG_HASH_BYTES];
    uint64_t linked; /* records brought by their own event (issue, correct, copy) */
    uint64_t stored; /* records stored, counted over the serial index */
} audit_school;

/* One record on its way through a worker. */
typedef struct {
    size_t school;
    uint64_t record_id, sequence;
    int kind, type;
    int64_t register_number, register_year, issue_date, birth_date;
    char serial[VB_MAX_TEXT_BYTES + 1];
    bool has_digest;                /* the digest its event's entry names */
    uint8_t digest[SHA256_DIGEST_LENGTH];
    bool oversize;                  /* the stored record is over VB_MAX_RECORD_BYTES: not a record */
    size_t length;
    uint8_t bytes[VB_MAX_RECORD_BYTES];
    /* set by the worker */
    anomaly_kind signature;         /* 0, ANOMALY_BAD_SIGNATURE or ANOMALY_SIGNER_NOT_VALID */
    vb_status code;
    char detail[sizeof ((audit_anomaly *)0)->detail];
    bool digest_differs;
} verify_item;

typedef enum { SLOT_FREE, SLOT_READY, SLOT_BUSY, SLOT_DONE } slot_state;

typedef struct {
    slot_state state;
    size_t count;
    verify_item items[AUDIT_CHUNK_RECORDS];
} verify_chunk;

/* Chunk number n lives in slot n % slot_count. The reader fills chunk `filled`, workers take
 * them in order (`taken`), the reader collects them in order (`collected`):
 * collected ≤ taken ≤ filled ≤ collected + slot_count. */
typedef struct {
    const vb_trust_list *trust;
    const audit_school *schools;
    verify_chunk *chunks;
    size_t slot_count;
    uint64_t filled, taken, collected;
    bool stop;
    pthread_mutex_t lock;
    pthread_cond_t work, done;
    pthread_t threads[AUDIT_MAX_THREADS];
    unsigned thread_count;
    bool started;
} verify_pool;

/* Register numbers of one type and year of a school, as the events bring its originals: they
 * normally rise one by one, so gaps show on the way; when a number is not above the one before
 * (a duplicate, or numbers out of order) the sorted query decides at the school's end. */
typedef struct {
    int64_t type, year, last;
    bool disordered;
    size_t gap_count;
    int64_t gaps[AUDIT_REGISTER_GAPS][2];
} register_group;

/* The checks that span every school, stepped while the ring is full. */
enum { TASK_SERIALS, TASK_INCIDENTS, TASK_TWO_BY_ID, TASK_TWO_BY_NAME, TASK_END };

typedef struct {
    sqlite3 *db;
    const vb_trust_list *trust;
    audit_result *result;
    const audit_options *options;
    vb_error *err;
    vb_status failed; /* the first failure; everything stops at it */

    /* scope */
    const char *province;
    bool year_scoped;
    int32_t first_day, last_day; /* the year's days, when year_scoped */

    audit_school *schools; /* sorted by code */
    size_t school_count;

    /* kept anomalies: plain array until the cap, then a max-heap by anomaly_compare */
    size_t anomaly_capacity;
    bool heaped;

    /* statements */
    sqlite3_stmt *events, *checkpoints, *revoked_original, *register_sorted, *serial_rows, *serial_originals,
        *incidents, *two_by_id, *two_by_name, *orphans;

    /* the global checks */
    int task;
    sqlite3_stmt *task_statement; /* the one being stepped; NULL between tasks */
    bool tasks_finished;
    char serial_group[VB_MAX_TEXT_BYTES + 1]; /* the serial index's current (serial, school) */
    size_t serial_group_school;               /* its school's index, or SIZE_MAX when out of scope */
    uint64_t serial_group_rows;

    /* the log of the school being walked */
    vb_log_builder builder;
    uint64_t events_seen, last_sequence;
    bool checkpoint_pending; /* the checkpoints statement sits on a row not yet checked */
    uint64_t root_mismatches, beyond_end;
    uint64_t first_root_mismatch, first_beyond_end;

    /* its register groups */
    register_group *groups;
    size_t group_count, group_capacity, group_last;
    bool sorted_has_previous;
    int64_t sorted_previous;

    /* progress, in log events */
    uint64_t progress_total, progress_done, progress_step, progress_next;

    verify_pool pool;
} audit_state;

/* ---------------------------------------------------------------- small helpers */

/* vsnprintf into a fixed buffer; a cut text ends on a whole UTF-8 character and "…". */
static void format_cut(char *out, size_t size, const char *format, va_list ap) __attribute__((format(printf, 3, 0)));

static void format_cut(char *out, size_t size, const char *format, va_list ap)
{
    int n = vsnprintf(out, size, format, ap);
    if (n < 0) {
        out[0] = '\0';
        return;
    }
    if ((size_t)n < size || size < 8)
        return;
    size_t cut = size - 4; /* room for "…" (3 bytes) and the NUL */
    while (cut > 0 && ((unsigned char)out[cut] & 0xc0) == 0x80)
        cut--;
    memcpy(out + cut, "\xe2\x80\xa6", 4);
}

static void copy_text(char *out, size_t size, const unsigned char *text)
{
    snprintf(out, size, "%s", text ? (const char *)text : "");
}

static const char *column_text(sqlite3_stmt *statement, int column)
{
    const unsigned char *text = sqlite3_column_text(statement, column);
    return text ? (const char *)text : "";
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static vb_status fail_sql(audit_state *st, const char *what)
{
    if (st->failed == VB_OK)
        st->failed = vb_fail(st->err, VB_ERR_IO, "audit: %s: %s", what, sqlite3_errmsg(st->db));
    return st->failed;
}

static vb_status fail_memory(audit_state *st)
{
    if (st->failed == VB_OK)
        st->failed = vb_fail(st->err, VB_ERR_NOMEM, "audit: out of memory");
    return st->failed;
}

static vb_status fail_crypto(audit_state *st)
{
    if (st->failed == VB_OK)
        st->failed = vb_fail(st->err, VB_ERR_CRYPTO, "audit: hashing the log failed");
    return st->failed;
}

static bool in_year(const audit_state *st, int64_t day)
{
    return !st->year_scoped || (day >= st->first_day && day <= st->last_day);
}

/* The local calendar year of a moment (the register enters its days in local time). */
static int local_year(int64_t seconds)
{
    time_t t = (time_t)seconds;
    struct tm local;
    if (!localtime_r(&t, &local))
        return 1970 + (int)(seconds / 31556952);
    return local.tm_year + 1900;
}

static const char *type_name_en(int64_t type)
{
    const char *name = type >= 1 && type <= VB_TYPE_MAX ? vb_credential_type_name((int)type, true) : NULL;
    return name ? name : "unknown type";
}

/* The index of a school in scope, or SIZE_MAX. */
static size_t find_school(const audit_state *st, const char *code)
{
    size_t low = 0, high = st->school_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int c = strcmp(st->schools[middle].code, code);
        if (c == 0)
            return middle;
        if (c < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return SIZE_MAX;
}

/* ---------------------------------------------------------------- anomalies */

static int anomaly_compare(const audit_anomaly *a, const audit_anomaly *b)
{
    int c;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if ((c = strcmp(a->school, b->school)) != 0)
        return c;
    if (a->sequence != b->sequence)
        return a->sequence < b->sequence ? -1 : 1;
    if ((c = strcmp(a->serial, b->serial)) != 0)
        return c;
    if ((c = strcmp(a->detail, b->detail)) != 0)
        return c;
    return (a->code > b->code) - (a->code < b->code);
}

static int anomaly_compare_qsort(const void *a, const void *b) { return anomaly_compare(a, b); }

static void heap_sift_down(audit_anomaly *heap, size_t count, size_t at)
{
    for (;;) {
        size_t largest = at, left = 2 * at + 1, right = left + 1;
        if (left < count && anomaly_compare(&heap[left], &heap[largest]) > 0)
            largest = left;
        if (right < count && anomaly_compare(&heap[right], &heap[largest]) > 0)
            largest = right;
        if (largest == at)
            return;
        audit_anomaly swap = heap[at];
        heap[at] = heap[largest];
        heap[largest] = swap;
        at = largest;
    }
}

/* Counts the anomaly and keeps it if it is among the audit_anomaly_cap smallest so far. */
static void keep_anomaly(audit_state *st, const audit_anomaly *anomaly)
{
    audit_result *r = st->result;
    r->anomaly_total[anomaly->kind]++;
    if (audit_anomaly_cap == 0)
        return;
    if (r->anomaly_count < audit_anomaly_cap) {
        if (r->anomaly_count == st->anomaly_capacity) {
            size_t capacity = st->anomaly_capacity ? st->anomaly_capacity * 2 : 64;
            if (capacity > audit_anomaly_cap)
                capacity = audit_anomaly_cap;
            audit_anomaly *grown = realloc(r->anomalies, capacity * sizeof *grown);
            if (!grown) {
                fail_memory(st);
                return;
            }
            r->anomalies = grown;
            st->anomaly_capacity = capacity;
        }
        r->anomalies[r->anomaly_count++] = *anomaly;
        return;
    }
    if (!st->heaped) {
        for (size_t i = r->anomaly_count / 2; i-- > 0;)
            heap_sift_down(r->anomalies, r->anomaly_count, i);
        st->heaped = true;
    }
    if (anomaly_compare(anomaly, &r->anomalies[0]) < 0) {
        r->anomalies[0] = *anomaly;
        heap_sift_down(r->anomalies, r->anomaly_count, 0);
    }
}

static void add_anomaly(audit_state *st, anomaly_kind kind, const char *school, const char *serial,
                        uint64_t sequence, vb_status code, const char *format, ...)
    __attribute__((format(printf, 7, 8)));

static void add_anomaly(audit_state *st, anomaly_kind kind, const char *school, const char *serial,
                        uint64_t sequence, vb_status code, const char *format, ...)
{
    audit_anomaly a;
    memset(&a, 0, sizeof a);
    a.kind = kind;
    snprintf(a.school, sizeof a.school, "%s", school ? school : "");
    snprintf(a.serial, sizeof a.serial, "%s", serial ? serial : "");
    a.sequence = sequence;
    a.code = code;
    va_list ap;
    va_start(ap, format);
    format_cut(a.detail, sizeof a.detail, format, ap);
    va_end(ap);
    keep_anomaly(st, &a);
}

/* ---------------------------------------------------------------- counts */

/* The row of `key`, added (with `label`) when missing; rows stay sorted by key. NULL when out of
 * memory. The pointer is good until the next call on the same counts. */
static audit_count *counts_find(audit_counts *counts, const char *key, const char *label)
{
    size_t low = 0, high = counts->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int c = strcmp(counts->items[middle].key, key);
        if (c == 0)
            return &counts->items[middle];
        if (c < 0)
            low = middle + 1;
        else
            high = middle;
    }
    if (counts->count == counts->capacity) {
        size_t capacity = counts->capacity ? counts->capacity * 2 : 16;
        audit_count *grown = realloc(counts->items, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        counts->items = grown;
        counts->capacity = capacity;
    }
    memmove(&counts->items[low + 1], &counts->items[low], (counts->count - low) * sizeof *counts->items);
    counts->count++;
    audit_count *item = &counts->items[low];
    memset(item, 0, sizeof *item);
    snprintf(item->key, sizeof item->key, "%s", key);
    snprintf(item->label, sizeof item->label, "%s", label);
    return item;
}

typedef enum { COUNT_ORIGINAL, COUNT_CORRECTION, COUNT_COPY, COUNT_REVOKED } count_column;

static bool count_in(audit_count *item, count_column column)
{
    if (!item)
        return false;
    switch (column) {
    case COUNT_ORIGINAL: item->originals++; break;
    case COUNT_CORRECTION: item->corrections++; break;
    case COUNT_COPY: item->copies++; break;
    case COUNT_REVOKED: item->revoked++; break;
    }
    return true;
}

/* Counts one record (or, COUNT_REVOKED, one revoked credential by its original) under each
 * dimension. Labels are Vietnamese (report.c puts English ones in an English report). */
static void count_record(audit_state *st, size_t school, count_column column, int64_t type, int64_t issue_date,
                         const char *program_code, const char *program_name, int64_t classification)
{
    audit_result *r = st->result;
    char key[64], label[64];
    int year, month, day;
    bool ok = count_in(&r->by_school.items[school], column);

    vb_civil_from_days((int32_t)issue_date, &year, &month, &day);
    snprintf(key, sizeof key, "%04d", year);
    ok &= count_in(counts_find(&r->by_year, key, key), column);

    snprintf(key, sizeof key, "%lld", (long long)type);
    const char *type_name = type >= 1 && type <= VB_TYPE_MAX ? vb_credential_type_name((int)type, false) : NULL;
    if (!type_name)
        snprintf(label, sizeof label, "loại %lld", (long long)type);
    ok &= count_in(counts_find(&r->by_type, key, type_name ? type_name : label), column);

    /* A program is known by its code; a course without a code by its name. */
    const char *program_key = program_code[0] ? program_code : program_name;
    const char *program_label = program_name;
    if (!program_label[0] && program_code[0]) {
        char *end = NULL;
        unsigned long long code = strtoull(program_code, &end, 10);
        const char *catalog = end && *end == '\0' ? vb_trust_program_name(st->trust, code) : NULL;
        program_label = catalog ? catalog : "";
    }
    ok &= count_in(counts_find(&r->by_program, program_key, program_label), column);

    snprintf(key, sizeof key, "%lld", (long long)classification);
    const char *class_name = classification >= 1 && classification <= VB_CLASS_MAX
                                 ? vb_classification_name((int)classification, false)
                                 : NULL;
    ok &= count_in(counts_find(&r->by_classification, key, class_name ? class_name : "Không xếp loại"), column);
    if (!ok)
        fail_memory(st);
}

/* ---------------------------------------------------------------- signature workers */

static uint64_t record_id_of(const vb_credential *c)
{
    uint64_t id = 0;
    if (c->record_id_length == 0 || c->record_id_length > 8)
        return 0;
    for (size_t i = 0; i < c->record_id_length; i++)
        id = id << 8 | c->record_id[i];
    return id;
}

/* Verifies one record, compares what it signs with the columns the other checks read (a column
 * edited in the store would otherwise pass unseen under a valid signature), and compares its
 * hash with the digest its event names. */
static void verify_one(const verify_pool *pool, verify_item *item)
{
    vb_verification v;
    const char *differs = NULL;

    item->signature = 0;
    item->code = VB_OK;
    item->detail[0] = '\0';
    item->digest_differs = false;
    if (item->oversize) {
        item->signature = ANOMALY_BAD_SIGNATURE;
        item->code = VB_ERR_TOO_LARGE;
        snprintf(item->detail, sizeof item->detail, "record %llu: the stored record is over %u bytes",
                 (unsigned long long)item->record_id, VB_MAX_RECORD_BYTES);
        return;
    }
    if (item->has_digest) {
        uint8_t digest[SHA256_DIGEST_LENGTH];
        SHA256(item->bytes, item->length, digest);
        item->digest_differs = memcmp(digest, item->digest, sizeof digest) != 0;
    }
    vb_verify_record(pool->trust, item->bytes, item->length, &v);
    if (v.status != VB_OK) {
        item->signature = v.status == VB_ERR_SIGNER_NOT_VALID ? ANOMALY_SIGNER_NOT_VALID : ANOMALY_BAD_SIGNATURE;
        item->code = v.status;
        snprintf(item->detail, sizeof item->detail, "record %llu: %.200s", (unsigned long long)item->record_id,
                 v.error.message);
        return;
    }
    const vb_credential *c = &v.credential;
    if (strcmp(c->school_code, pool->schools[item->school].code) != 0)
        differs = "school";
    else if (record_id_of(c) != item->record_id)
        differs = "record id";
    else if (c->kind != item->kind)
        differs = "kind";
    else if (c->type != item->type)
        differs = "type";
    else if (strcmp(c->serial, item->serial) != 0)
        differs = "serial";
    else if (c->register_number != item->register_number || c->register_year != item->register_year)
        differs = "register number";
    else if (c->issue_date != item->issue_date)
        differs = "date of issue";
    else if (c->birth_date != item->birth_date)
        differs = "date of birth";
    if (differs) {
        item->signature = ANOMALY_BAD_SIGNATURE;
        item->code = VB_ERR_MIRROR_RECORD;
        snprintf(item->detail, sizeof item->detail, "record %llu: the stored %s differs from the signed record",
                 (unsigned long long)item->record_id, differs);
    }
}

static void *verify_worker(void *argument)
{
    verify_pool *pool = argument;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->stop && pool->taken == pool->filled)
            pthread_cond_wait(&pool->work, &pool->lock);
        if (pool->taken == pool->filled)
            break; /* stopped and nothing left */
        verify_chunk *chunk = &pool->chunks[pool->taken % pool->slot_count];
        pool->taken++;
        chunk->state = SLOT_BUSY;
        pthread_mutex_unlock(&pool->lock);
        for (size_t i = 0; i < chunk->count; i++)
            verify_one(pool, &chunk->items[i]);
        pthread_mutex_lock(&pool->lock);
        chunk->state = SLOT_DONE;
        pthread_cond_broadcast(&pool->done);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

static vb_status pool_start(audit_state *st, unsigned threads)
{
    verify_pool *pool = &st->pool;
    pool->trust = st->trust;
    pool->schools = st->schools;
    /* Enough chunks queued to keep every worker busy while the reader runs a longer SQL step. */
    pool->slot_count = 2 * (size_t)threads + 12;
    pool->chunks = calloc(pool->slot_count, sizeof *pool->chunks);
    if (!pool->chunks)
        return fail_memory(st);
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->work, NULL);
    pthread_cond_init(&pool->done, NULL);
    pool->started = true;
    for (unsigned i = 0; i < threads; i++) {
        if (pthread_create(&pool->threads[i], NULL, verify_worker, pool) != 0)
            break;
        pool->thread_count++;
    }
    if (pool->thread_count == 0 && st->failed == VB_OK)
        st->failed = vb_fail(st->err, VB_ERR_NOMEM, "audit: cannot start a verification thread");
    return st->failed;
}

static void pool_stop(verify_pool *pool)
{
    if (!pool->started)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->stop = true;
    pthread_cond_broadcast(&pool->work);
    pthread_mutex_unlock(&pool->lock);
    for (unsigned i = 0; i < pool->thread_count; i++)
        pthread_join(pool->threads[i], NULL);
    pthread_cond_destroy(&pool->work);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->lock);
    free(pool->chunks);
    pool->chunks = NULL;
    pool->started = false;
}

/* Turns a verified record's findings into anomalies. */
static void collect_item(audit_state *st, const verify_item *item)
{
    const char *school = st->schools[item->school].code;
    if (item->signature)
        add_anomaly(st, item->signature, school, item->serial, item->sequence, item->code, "%s", item->detail);
    if (item->digest_differs)
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school, item->serial, item->sequence, VB_ERR_MIRROR_RECORD,
                    "event %llu: the stored record %llu is not the one its entry names",
                    (unsigned long long)item->sequence, (unsigned long long)item->record_id);
}

/* Takes every finished chunk at the head of the ring, in ring order. */
static void collect_done(audit_state *st)
{
    verify_pool *pool = &st->pool;
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        verify_chunk *chunk = &pool->chunks[pool->collected % pool->slot_count];
        bool ready = pool->collected < pool->filled && chunk->state == SLOT_DONE;
        pthread_mutex_unlock(&pool->lock);
        if (!ready)
            return;
        for (size_t i = 0; i < chunk->count; i++)
            collect_item(st, &chunk->items[i]);
        st->result->signatures_checked += chunk->count;
        pthread_mutex_lock(&pool->lock);
        chunk->state = SLOT_FREE;
        chunk->count = 0;
        pool->collected++;
        pthread_mutex_unlock(&pool->lock);
    }
}

static void wait_for_head(verify_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    while (pool->collected < pool->filled && pool->chunks[pool->collected % pool->slot_count].state != SLOT_DONE)
        pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

static void chunk_submit(verify_pool *pool, verify_chunk *chunk)
{
    pthread_mutex_lock(&pool->lock);
    chunk->state = SLOT_READY;
    pool->filled++;
    pthread_cond_signal(&pool->work);
    pthread_mutex_unlock(&pool->lock);
}

static void global_step(audit_state *st, unsigned rows);

/* A free item in the chunk being filled: while the ring is full, collects what is done and
 * steps the global checks, and waits only when there is nothing else to do. */
static verify_item *item_to_fill(audit_state *st)
{
    verify_pool *pool = &st->pool;
    for (;;) {
        collect_done(st);
        if (st->failed != VB_OK)
            return NULL;
        if (pool->filled < pool->collected + pool->slot_count) {
            verify_chunk *chunk = &pool->chunks[pool->filled % pool->slot_count];
            return &chunk->items[chunk->count];
        }
        if (!st->tasks_finished)
            global_step(st, AUDIT_SECONDARY_ROWS);
        else
            wait_for_head(pool);
    }
}

/* The item item_to_fill gave is filled: hands the chunk over when full. */
static void item_filled(audit_state *st)
{
    verify_pool *pool = &st->pool;
    verify_chunk *chunk = &pool->chunks[pool->filled % pool->slot_count];
    if (++chunk->count == AUDIT_CHUNK_RECORDS)
        chunk_submit(pool, chunk);
}

static void report_progress(audit_state *st)
{
    if (!st->options->progress || st->progress_done < st->progress_next)
        return;
    st->progress_next = st->progress_done + st->progress_step;
    st->options->progress(st->options->progress_context,
                          st->progress_done < st->progress_total ? st->progress_done : st->progress_total,
                          st->progress_total);
}

/* ---------------------------------------------------------------- SQL */

/* Each event with the record it names: the one it brought (issue, correct, copy), or for a
 * revocation the credential's current record. */
static const char sql_events[] =
    "SELECT e.sequence, e.kind, e.time, e.record_id, e.reason, e.decision_number, e.decision_date, e.entry, e.leaf,"
    " r.record_id, r.kind, r.sequence, r.serial, r.type, r.register_number, r.register_year, r.birth_date,"
    " r.program_code, r.program_name, r.classification, r.issue_date, r.record"
    " FROM events e LEFT JOIN records r ON r.school = e.school AND r.record_id = e.record_id"
    " WHERE e.school = ?1 ORDER BY e.sequence";
enum {
    EV_SEQUENCE, EV_KIND, EV_TIME, EV_RECORD_ID, EV_REASON, EV_DECISION_NUMBER, EV_DECISION_DATE, EV_ENTRY, EV_LEAF,
    R_RECORD_ID, R_KIND, R_SEQUENCE, R_SERIAL, R_TYPE, R_REGISTER_NUMBER, R_REGISTER_YEAR, R_BIRTH_DATE,
    R_PROGRAM_CODE, R_PROGRAM_NAME, R_CLASSIFICATION, R_ISSUE_DATE, R_RECORD,
};
static const char sql_checkpoints[] = "SELECT size, root, signed FROM checkpoints WHERE school = ?1 ORDER BY size";
static const char sql_revoked_original[] =
    "SELECT type, issue_date, program_code, program_name, classification FROM records"
    " WHERE serial = ?1 AND school = ?2 AND kind = 1 ORDER BY record_id LIMIT 1";
static const char sql_register_sorted[] =
    "SELECT register_number, serial, sequence FROM records"
    " WHERE school = ?1 AND kind = 1 AND type = ?2 AND register_year = ?3 ORDER BY register_number, record_id";
/* Every record by serial, from the covering index, so a serial on two rows of one school shows
 * as neighbours without sorting the store; the rows also count each school's records. */
static const char sql_serial_rows[] =
    "SELECT serial, school FROM records INDEXED BY records_serial ORDER BY serial, school";
static const char sql_serial_originals[] =
    "SELECT count(*), min(sequence), min(record_id), max(record_id),"
    " sum(?3 IS NULL OR issue_date BETWEEN ?3 AND ?4) FROM records WHERE serial = ?1 AND school = ?2 AND kind = 1";
static const char sql_incidents[] =
    "SELECT i.school, i.time, i.kind, i.sequence, i.serial, i.message FROM incidents i"
    " LEFT JOIN schools s ON s.code = i.school WHERE ?1 = '' OR s.province = ?1 ORDER BY i.id";
/* Originals not revoked, grouped by person, type and program across every school; a group is
 * reported when one of its records is in scope, under the first such record. Only candidates are
 * grouped: personal ids found twice in their covering index, or names and birth dates of
 * originals without a personal id. The revoked credentials are gathered only when a candidate
 * needs them. */
#define SQL_TWO_DIPLOMAS_COMMON                                                                                   \
    " revoked(school, serial) AS MATERIALIZED (SELECT DISTINCT x.school, x.serial FROM events e"                  \
    " JOIN records x ON x.school = e.school AND x.record_id = e.record_id WHERE e.kind = 2),"                      \
    " scope(code) AS (SELECT code FROM schools WHERE ?1 = '' OR province = ?1)"                                   \
    " SELECT o.type, o.program_code, count(*), min(o.school || ' ' || o.serial), max(o.school || ' ' || o.serial)," \
    " min(CASE WHEN o.school IN (SELECT code FROM scope) AND (?2 IS NULL OR o.issue_date BETWEEN ?2 AND ?3)"      \
    " THEN o.school || char(9) || o.serial END) AS first"
static const char sql_two_by_id[] =
    "WITH candidates(personal_id) AS MATERIALIZED (SELECT personal_id FROM records INDEXED BY records_person"
    " WHERE personal_id IS NOT NULL GROUP BY personal_id HAVING count(*) > 1)," SQL_TWO_DIPLOMAS_COMMON
    " FROM candidates c JOIN records o ON o.personal_id = c.personal_id"
    " WHERE o.kind = 1 AND (o.school, o.serial) NOT IN (SELECT school, serial FROM revoked)"
    " GROUP BY o.personal_id, o.type, o.program_code HAVING count(*) > 1 AND first IS NOT NULL";
/* The same person by name and date of birth, for pairs where at least one record has no
 * personal id (two different ids are two people). */
static const char sql_two_by_name[] =
    "WITH candidates(folded_name, birth_date) AS MATERIALIZED (SELECT DISTINCT folded_name, birth_date FROM records"
    " WHERE personal_id IS NULL AND kind = 1)," SQL_TWO_DIPLOMAS_COMMON
    " FROM records o WHERE EXISTS (SELECT 1 FROM candidates) AND o.kind = 1"
    " AND (o.folded_name, o.birth_date) IN (SELECT folded_name, birth_date FROM candidates)"
    " AND (o.school, o.serial) NOT IN (SELECT school, serial FROM revoked)"
    " GROUP BY o.folded_name, o.birth_date, o.type, o.program_code"
    " HAVING count(*) > 1 AND count(o.personal_id) < count(*) AND first IS NOT NULL";
/* Records no event of the log brought (asked only for a school whose counts disagree). */
static const char sql_orphans[] =
    "SELECT r.record_id, r.serial, r.sequence FROM records r WHERE r.school = ?1 AND NOT EXISTS"
    " (SELECT 1 FROM events e WHERE e.school = r.school AND e.sequence = r.sequence AND e.record_id = r.record_id"
    " AND e.kind IN (1, 3, 4)) ORDER BY r.record_id";

static vb_status prepare_all(audit_state *st)
{
    const struct {
        sqlite3_stmt **statement;
        const char *sql;
    } list[] = {
        {&st->events, sql_events},
        {&st->checkpoints, sql_checkpoints},
        {&st->revoked_original, sql_revoked_original},
        {&st->register_sorted, sql_register_sorted},
        {&st->serial_rows, sql_serial_rows},
        {&st->serial_originals, sql_serial_originals},
        {&st->incidents, sql_incidents},
        {&st->two_by_id, sql_two_by_id},
        {&st->two_by_name, sql_two_by_name},
        {&st->orphans, sql_orphans},
    };
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        if (sqlite3_prepare_v2(st->db, list[i].sql, -1, list[i].statement, NULL) != SQLITE_OK)
            return fail_sql(st, "preparing a query (is this a portal store?)");
    return VB_OK;
}

static void finalize_all(audit_state *st)
{
    sqlite3_stmt **list[] = {&st->events,     &st->checkpoints, &st->revoked_original, &st->register_sorted,
                             &st->serial_rows, &st->serial_originals, &st->incidents,   &st->two_by_id,
                             &st->two_by_name, &st->orphans};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++) {
        sqlite3_finalize(*list[i]);
        *list[i] = NULL;
    }
}

/* ?first and ?first+1: the first and last day of the year in scope, or NULL for every year. */
static void bind_year_days(const audit_state *st, sqlite3_stmt *statement, int first)
{
    if (st->year_scoped) {
        sqlite3_bind_int64(statement, first, st->first_day);
        sqlite3_bind_int64(statement, first + 1, st->last_day);
    } else {
        sqlite3_bind_null(statement, first);
        sqlite3_bind_null(statement, first + 1);
    }
}

static void bind_school(const audit_state *st, sqlite3_stmt *statement, size_t school)
{
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    sqlite3_bind_text(statement, 1, st->schools[school].code, -1, SQLITE_STATIC);
}

/* ---------------------------------------------------------------- checkpoints */

static void log_anomaly_root(audit_state *st, const audit_school *school, uint64_t size, bool beyond)
{
    if (beyond) {
        if (st->beyond_end++ == 0) {
            st->first_beyond_end = size;
            add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", 0, VB_ERR_LOG_MISMATCH,
                        "a checkpoint of size %llu was stored but only %llu events are", (unsigned long long)size,
                        (unsigned long long)st->events_seen);
        }
        return;
    }
    if (st->root_mismatches++ == 0) {
        st->first_root_mismatch = size;
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", size, VB_ERR_LOG_MISMATCH,
                    "the stored events 1\xe2\x80\x93%llu do not give the root of the school's signed checkpoint of "
                    "size %llu",
                    (unsigned long long)size, (unsigned long long)size);
    }
}

/* Checks the checkpoint the checkpoints statement sits on against `root`, the root of the
 * first `size` stored events. */
static void check_checkpoint(audit_state *st, const audit_school *school, uint64_t size,
                             const uint8_t root[VB_LOG_HASH_BYTES])
{
    sqlite3_stmt *c = st->checkpoints;
    const uint8_t *stored_root = sqlite3_column_blob(c, 1);
    int stored_root_length = sqlite3_column_bytes(c, 1);
    const uint8_t *signed_data = sqlite3_column_blob(c, 2);
    size_t signed_length = (size_t)sqlite3_column_bytes(c, 2);
    vb_cose_sign1 message;
    vb_log_checkpoint checkpoint;
    vb_error err = {0};
    vb_status s;

    if (!signed_data || signed_length > VB_LOG_MAX_CHECKPOINT_BYTES) {
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", size, VB_ERR_LOG_CHECKPOINT,
                    "the stored checkpoint of size %llu is empty or over %u bytes", (unsigned long long)size,
                    VB_LOG_MAX_CHECKPOINT_BYTES);
        return;
    }
    if ((s = vb_cose_sign1_decode(signed_data, signed_length, &message, &err)) != VB_OK) {
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", size, s,
                    "the stored checkpoint of size %llu is not a COSE_Sign1: %.150s", (unsigned long long)size,
                    err.message);
        return;
    }
    const vb_trust_entry *signer = vb_trust_find(st->trust, message.kid);
    if (!signer || signer->role != VB_TRUST_ROLE_SIGNER) {
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", size, VB_ERR_UNKNOWN_SIGNER,
                    "the checkpoint of size %llu is signed by a key that is not a signer of the trust list",
                    (unsigned long long)size);
        return;
    }
    if (strcmp(signer->school_code, school->code) != 0) {
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", size, VB_ERR_MIRROR_SCHOOL,
                    "the checkpoint of size %llu is signed by the key of school %.40s", (unsigned long long)size,
                    signer->school_code);
        return;
    }
    if ((s = vb_log_checkpoint_verify(signed_data, signed_length, signer->public_key, signer->kid, &checkpoint,
                                      &err)) != VB_OK) {
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", size, s,
                    "the checkpoint of size %llu does not verify: %.150s", (unsigned long long)size, err.message);
        return;
    }
    if (strcmp(checkpoint.origin, school->code) != 0 || checkpoint.size != size ||
        stored_root_length != VB_LOG_HASH_BYTES || memcmp(checkpoint.root, stored_root, VB_LOG_HASH_BYTES) != 0) {
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", size, VB_ERR_LOG_CHECKPOINT,
                    "the checkpoint row of size %llu differs from the signed checkpoint it holds",
                    (unsigned long long)size);
        return;
    }
    if (memcmp(checkpoint.root, root, VB_LOG_HASH_BYTES) != 0)
        log_anomaly_root(st, school, size, false);
}

/* Moves the checkpoints cursor past every checkpoint of size ≤ the events seen, checking those of
 * exactly that size (one of a smaller size was skipped over by a sequence gap, already named). */
static void checkpoints_reach(audit_state *st, const audit_school *school)
{
    uint8_t root[VB_LOG_HASH_BYTES];
    bool have_root = false;
    while (st->checkpoint_pending) {
        int64_t size = sqlite3_column_int64(st->checkpoints, 0);
        if (size < 0 || (uint64_t)size > st->events_seen)
            return;
        if ((uint64_t)size == st->events_seen) {
            if (!have_root && vb_log_builder_root(&st->builder, root) != VB_OK) {
                fail_crypto(st);
                return;
            }
            have_root = true;
            check_checkpoint(st, school, (uint64_t)size, root);
        }
        int rc = sqlite3_step(st->checkpoints);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            fail_sql(st, "reading checkpoints");
            return;
        }
        st->checkpoint_pending = rc == SQLITE_ROW;
    }
}

/* ---------------------------------------------------------------- register numbers */

static register_group *register_group_of(audit_state *st, int64_t type, int64_t year)
{
    if (st->group_last < st->group_count && st->groups[st->group_last].type == type &&
        st->groups[st->group_last].year == year)
        return &st->groups[st->group_last];
    for (size_t i = 0; i < st->group_count; i++)
        if (st->groups[i].type == type && st->groups[i].year == year)
            return &st->groups[st->group_last = i];
    if (st->group_count == st->group_capacity) {
        size_t capacity = st->group_capacity ? st->group_capacity * 2 : 8;
        register_group *grown = realloc(st->groups, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        st->groups = grown;
        st->group_capacity = capacity;
    }
    register_group *g = &st->groups[st->group_last = st->group_count++];
    memset(g, 0, sizeof *g);
    g->type = type;
    g->year = year;
    g->last = INT64_MIN;
    return g;
}

/* An original's register number, in the order the events brought them. */
static void register_number_seen(audit_state *st, int64_t type, int64_t year, int64_t number)
{
    register_group *g = register_group_of(st, type, year);
    if (!g) {
        fail_memory(st);
        return;
    }
    if (g->disordered)
        return;
    if (g->last != INT64_MIN && number <= g->last) {
        g->disordered = true;
        return;
    }
    if (g->last != INT64_MIN && number > g->last + 1) {
        if (g->gap_count < AUDIT_REGISTER_GAPS) {
            g->gaps[g->gap_count][0] = g->last + 1;
            g->gaps[g->gap_count][1] = number - 1;
        }
        g->gap_count++;
    }
    g->last = number;
}

static void register_gap(audit_state *st, const char *school, int64_t type, int64_t year, int64_t from, int64_t to)
{
    if (from == to)
        add_anomaly(st, ANOMALY_REGISTER_GAP, school, "", 0, VB_OK, "register number %lld of %lld (%s) missing",
                    (long long)from, (long long)year, type_name_en(type));
    else
        add_anomaly(st, ANOMALY_REGISTER_GAP, school, "", 0, VB_OK,
                    "register numbers %lld\xe2\x80\x93%lld of %lld (%s) missing", (long long)from, (long long)to,
                    (long long)year, type_name_en(type));
}

/* One (type, year) from the store in number order: the answer when the events brought its
 * numbers out of order or twice. */
static void register_sorted(audit_state *st, size_t school_index, const register_group *g)
{
    sqlite3_stmt *q = st->register_sorted;
    const char *school = st->schools[school_index].code;
    bool has_previous = false;
    int64_t previous = 0;
    int rc;
    bind_school(st, q, school_index);
    sqlite3_bind_int64(q, 2, g->type);
    sqlite3_bind_int64(q, 3, g->year);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t number = sqlite3_column_int64(q, 0);
        if (has_previous && number == previous)
            add_anomaly(st, ANOMALY_REGISTER_DUPLICATE, school, column_text(q, 1), (uint64_t)sqlite3_column_int64(q, 2),
                        VB_OK, "register number %lld of %lld (%s) is on another original too", (long long)number,
                        (long long)g->year, type_name_en(g->type));
        else if (has_previous && number > previous + 1)
            register_gap(st, school, g->type, g->year, previous + 1, number - 1);
        has_previous = true;
        previous = number;
    }
    if (rc != SQLITE_DONE)
        fail_sql(st, "reading register numbers");
    sqlite3_reset(q);
}

static void register_end(audit_state *st, size_t school_index)
{
    for (size_t i = 0; i < st->group_count && st->failed == VB_OK; i++) {
        const register_group *g = &st->groups[i];
        if (g->disordered || g->gap_count > AUDIT_REGISTER_GAPS)
            register_sorted(st, school_index, g);
        else
            for (size_t k = 0; k < g->gap_count; k++)
                register_gap(st, st->schools[school_index].code, g->type, g->year, g->gaps[k][0], g->gaps[k][1]);
    }
    st->group_count = 0;
    st->group_last = 0;
}

/* ---------------------------------------------------------------- one school's events */

/* Counts a revoked credential under its original's dimensions. */
static void count_revoked(audit_state *st, size_t school, const char *serial)
{
    sqlite3_stmt *q = st->revoked_original;
    sqlite3_reset(q);
    sqlite3_bind_text(q, 1, serial, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, st->schools[school].code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && in_year(st, sqlite3_column_int64(q, 1))) {
        char program_code[VB_MAX_TEXT_BYTES + 1], program_name[VB_MAX_TEXT_BYTES + 1];
        copy_text(program_code, sizeof program_code, sqlite3_column_text(q, 2));
        copy_text(program_name, sizeof program_name, sqlite3_column_text(q, 3));
        count_record(st, school, COUNT_REVOKED, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1), program_code,
                     program_name, sqlite3_column_int64(q, 4));
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        fail_sql(st, "looking up a revoked original");
    }
    sqlite3_reset(q);
}

/* Compares the event's row with its entry (the log leaf, which checkpoints sign): the late-issue
 * and revocation checks read the row. Returns the first column that differs, or NULL. */
static const char *event_row_differs(sqlite3_stmt *e, const vb_register_event *entry, const char *school)
{
    if ((uint64_t)sqlite3_column_int64(e, EV_SEQUENCE) != entry->sequence)
        return "sequence";
    if (sqlite3_column_int64(e, EV_KIND) != entry->kind)
        return "kind";
    if (sqlite3_column_int64(e, EV_TIME) != entry->time)
        return "time";
    if (strcmp(entry->school_code, school) != 0)
        return "school";
    if ((uint64_t)sqlite3_column_int64(e, EV_RECORD_ID) != entry->record_id)
        return "record id";
    if (sqlite3_column_int64(e, EV_REASON) != entry->reason)
        return "reason";
    if (strcmp(column_text(e, EV_DECISION_NUMBER), entry->decision_number) != 0)
        return "decision number";
    bool has_date = sqlite3_column_type(e, EV_DECISION_DATE) != SQLITE_NULL;
    if (has_date != entry->has_decision_date ||
        (has_date && sqlite3_column_int64(e, EV_DECISION_DATE) != entry->decision_date))
        return "decision date";
    return NULL;
}

/* The record an issue, correction or copy event brought: counted, numbered, checked for a late
 * issue, and handed to the workers. `entry` is the decoded entry, or NULL when it does not decode. */
static void event_record(audit_state *st, size_t school_index, const vb_register_event *entry)
{
    sqlite3_stmt *e = st->events;
    audit_school *school = &st->schools[school_index];
    uint64_t sequence = (uint64_t)sqlite3_column_int64(e, EV_SEQUENCE);
    int event_kind = sqlite3_column_int(e, EV_KIND);
    uint64_t record_id = (uint64_t)sqlite3_column_int64(e, EV_RECORD_ID);
    int kind = sqlite3_column_int(e, R_KIND);
    int want = event_kind == VB_EVENT_ISSUE ? VB_KIND_ORIGINAL : event_kind == VB_EVENT_CORRECT ? VB_KIND_CORRECTION
                                                                                                 : VB_KIND_COPY;
    const char *serial = column_text(e, R_SERIAL);
    int64_t issue_date = sqlite3_column_int64(e, R_ISSUE_DATE);

    if ((uint64_t)sqlite3_column_int64(e, R_SEQUENCE) != sequence) {
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, serial, sequence, VB_ERR_MIRROR_RECORD,
                    "event %llu names record %llu, which says event %lld brought it", (unsigned long long)sequence,
                    (unsigned long long)record_id, (long long)sqlite3_column_int64(e, R_SEQUENCE));
        return;
    }
    school->linked++;
    if (kind != want)
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, serial, sequence, VB_ERR_MIRROR_RECORD,
                    "event %llu (%s) brought record %llu of kind %d", (unsigned long long)sequence,
                    vb_register_event_kind_name(event_kind), (unsigned long long)record_id, kind);
    if (entry && !entry->has_record_digest)
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, serial, sequence, VB_ERR_MIRROR_RECORD,
                    "event %llu (%s): its entry names no record digest, so nothing binds record %llu to the log",
                    (unsigned long long)sequence, vb_register_event_kind_name(event_kind),
                    (unsigned long long)record_id);
    if (kind == VB_KIND_ORIGINAL && (!st->year_scoped || sqlite3_column_int64(e, R_REGISTER_YEAR) == st->options->year))
        register_number_seen(st, sqlite3_column_int64(e, R_TYPE), sqlite3_column_int64(e, R_REGISTER_YEAR),
                             sqlite3_column_int64(e, R_REGISTER_NUMBER));
    if (!in_year(st, issue_date))
        return;

    /* The late issue, by the decision date the log holds (the row's when the entry is unreadable). */
    bool has_decision_date = entry ? entry->has_decision_date : sqlite3_column_type(e, EV_DECISION_DATE) != SQLITE_NULL;
    int64_t decided = entry ? entry->decision_date : sqlite3_column_int64(e, EV_DECISION_DATE);
    if (event_kind == VB_EVENT_ISSUE && kind == VB_KIND_ORIGINAL && has_decision_date &&
        issue_date - decided > PORTAL_LATE_DAYS) {
        char issue_text[16], decision_text[16];
        vb_date_format_dmy((int32_t)issue_date, issue_text, sizeof issue_text);
        vb_date_format_dmy((int32_t)decided, decision_text, sizeof decision_text);
        add_anomaly(st, ANOMALY_LATE_ISSUE, school->code, serial, sequence, VB_OK,
                    "issued on %s, %lld days after the graduation decision of %s (limit %d days)", issue_text,
                    (long long)(issue_date - decided), decision_text, PORTAL_LATE_DAYS);
    }

    st->result->records++;
    count_column column = kind == VB_KIND_CORRECTION ? COUNT_CORRECTION
                          : kind == VB_KIND_COPY     ? COUNT_COPY
                                                     : COUNT_ORIGINAL;
    count_record(st, school_index, column, sqlite3_column_int64(e, R_TYPE), issue_date, column_text(e, R_PROGRAM_CODE),
                 column_text(e, R_PROGRAM_NAME), sqlite3_column_int64(e, R_CLASSIFICATION));

    verify_item *item = item_to_fill(st);
    if (!item)
        return;
    item->school = school_index;
    item->record_id = record_id;
    item->sequence = sequence;
    item->kind = kind;
    item->type = sqlite3_column_int(e, R_TYPE);
    item->register_number = sqlite3_column_int64(e, R_REGISTER_NUMBER);
    item->register_year = sqlite3_column_int64(e, R_REGISTER_YEAR);
    item->issue_date = issue_date;
    item->birth_date = sqlite3_column_int64(e, R_BIRTH_DATE);
    copy_text(item->serial, sizeof item->serial, sqlite3_column_text(e, R_SERIAL));
    item->has_digest = entry && entry->has_record_digest;
    if (item->has_digest)
        memcpy(item->digest, entry->record_digest, sizeof item->digest);
    int length = sqlite3_column_bytes(e, R_RECORD);
    item->oversize = (size_t)length > sizeof item->bytes;
    item->length = item->oversize || length <= 0 ? 0 : (size_t)length;
    if (item->length)
        memcpy(item->bytes, sqlite3_column_blob(e, R_RECORD), item->length);
    item_filled(st);
}

static void event_row(audit_state *st, size_t school_index)
{
    sqlite3_stmt *e = st->events;
    audit_school *school = &st->schools[school_index];
    uint64_t sequence = (uint64_t)sqlite3_column_int64(e, EV_SEQUENCE);
    int kind = sqlite3_column_int(e, EV_KIND);
    const uint8_t *entry = sqlite3_column_blob(e, EV_ENTRY);
    size_t entry_length = (size_t)sqlite3_column_bytes(e, EV_ENTRY);
    const uint8_t *leaf = sqlite3_column_blob(e, EV_LEAF);
    int leaf_length = sqlite3_column_bytes(e, EV_LEAF);
    bool has_record = sqlite3_column_type(e, R_RECORD_ID) != SQLITE_NULL;
    const char *serial = column_text(e, R_SERIAL);
    uint8_t hash[VB_LOG_HASH_BYTES];
    vb_register_event decoded;
    vb_error err = {0};
    vb_status s;

    st->result->events++;
    st->progress_done++;
    report_progress(st);
    if (sequence == st->last_sequence + 2)
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", sequence - 1, VB_ERR_LOG_MISMATCH,
                    "event %llu is missing from the store", (unsigned long long)sequence - 1);
    else if (sequence > st->last_sequence + 2)
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", st->last_sequence + 1, VB_ERR_LOG_MISMATCH,
                    "events %llu\xe2\x80\x93%llu are missing from the store", (unsigned long long)st->last_sequence + 1,
                    (unsigned long long)sequence - 1);
    st->last_sequence = sequence;

    /* The leaf is the hash of the entry: recompute it, and build the tree from what is stored. */
    if (vb_log_leaf_hash(entry ? entry : (const uint8_t *)"", entry_length, hash) != VB_OK ||
        vb_log_builder_add(&st->builder, hash) != VB_OK) {
        fail_crypto(st);
        return;
    }
    st->events_seen++;
    if (leaf_length != VB_LOG_HASH_BYTES || memcmp(leaf, hash, VB_LOG_HASH_BYTES) != 0)
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, serial, sequence, VB_ERR_LOG_MISMATCH,
                    "event %llu: the stored leaf hash is not the hash of the stored entry",
                    (unsigned long long)sequence);
    bool decoded_ok = (s = vb_register_event_decode(entry ? entry : (const uint8_t *)"", entry_length, &decoded,
                                                    &err)) == VB_OK;
    if (!decoded_ok) {
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, serial, sequence, s,
                    "event %llu: the stored entry does not decode: %.150s", (unsigned long long)sequence,
                    err.message);
    } else {
        const char *differs = event_row_differs(e, &decoded, school->code);
        if (differs)
            add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, serial, sequence, VB_ERR_LOG_MISMATCH,
                        "event %llu: the row's %s differs from its entry", (unsigned long long)sequence, differs);
    }

    if (kind == VB_EVENT_ISSUE || kind == VB_EVENT_CORRECT || kind == VB_EVENT_COPY) {
        if (has_record)
            event_record(st, school_index, decoded_ok ? &decoded : NULL);
        else
            add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", sequence, VB_ERR_MIRROR_RECORD,
                        "event %llu names record %llu, which the store does not hold", (unsigned long long)sequence,
                        (unsigned long long)sqlite3_column_int64(e, EV_RECORD_ID));
    } else if (kind == VB_EVENT_REVOKE) {
        bool in_scope = !st->year_scoped || local_year(sqlite3_column_int64(e, EV_TIME)) == st->options->year;
        if (column_text(e, EV_DECISION_NUMBER)[0] == '\0' && in_scope)
            add_anomaly(st, ANOMALY_REVOCATION_NO_DECISION, school->code, serial, sequence, VB_OK,
                        "the revocation of record %llu (event %llu) names no decision",
                        (unsigned long long)sqlite3_column_int64(e, EV_RECORD_ID), (unsigned long long)sequence);
        if (has_record)
            count_revoked(st, school_index, serial);
    }

    if (st->events_seen == school->size && school->has_root) {
        uint8_t root[VB_LOG_HASH_BYTES];
        if (vb_log_builder_root(&st->builder, root) == VB_OK && memcmp(root, school->root, sizeof root) != 0)
            add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", sequence, VB_ERR_LOG_MISMATCH,
                        "the stored events 1\xe2\x80\x93%llu do not give the root the portal recorded for the school",
                        (unsigned long long)school->size);
    }
    checkpoints_reach(st, school);
}

static void school_begin(audit_state *st, size_t school)
{
    vb_log_builder_init(&st->builder);
    st->events_seen = st->last_sequence = 0;
    st->root_mismatches = st->beyond_end = 0;
    st->group_count = st->group_last = 0;
    bind_school(st, st->checkpoints, school);
    int rc = sqlite3_step(st->checkpoints);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        fail_sql(st, "reading checkpoints");
        return;
    }
    st->checkpoint_pending = rc == SQLITE_ROW;
    checkpoints_reach(st, &st->schools[school]); /* checkpoints of size 0 */
}

static void school_end(audit_state *st, size_t school_index)
{
    const audit_school *school = &st->schools[school_index];
    while (st->checkpoint_pending && st->failed == VB_OK) {
        log_anomaly_root(st, school, (uint64_t)sqlite3_column_int64(st->checkpoints, 0), true);
        int rc = sqlite3_step(st->checkpoints);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            fail_sql(st, "reading checkpoints");
        st->checkpoint_pending = rc == SQLITE_ROW;
    }
    sqlite3_reset(st->checkpoints);
    if (st->root_mismatches > 1)
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", st->first_root_mismatch, VB_ERR_LOG_MISMATCH,
                    "%llu later checkpoints do not match the stored events either",
                    (unsigned long long)st->root_mismatches - 1);
    if (st->beyond_end > 1)
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", 0, VB_ERR_LOG_MISMATCH,
                    "%llu more checkpoints above size %llu lie beyond the stored events",
                    (unsigned long long)st->beyond_end - 1, (unsigned long long)st->first_beyond_end);
    if (st->events_seen != school->size)
        add_anomaly(st, ANOMALY_LOG_INCONSISTENT, school->code, "", 0, VB_ERR_LOG_MISMATCH,
                    "the portal recorded %llu events for the school but the store holds %llu",
                    (unsigned long long)school->size, (unsigned long long)st->events_seen);
    register_end(st, school_index);
}

/* Walks every school's events in sequence order. */
static void scan_schools(audit_state *st)
{
    for (size_t school = 0; school < st->school_count && st->failed == VB_OK; school++) {
        school_begin(st, school);
        bind_school(st, st->events, school);
        int rc = SQLITE_DONE;
        while (st->failed == VB_OK && (rc = sqlite3_step(st->events)) == SQLITE_ROW)
            event_row(st, school);
        if (st->failed == VB_OK && rc != SQLITE_DONE)
            fail_sql(st, "reading events");
        sqlite3_reset(st->events);
        if (st->failed == VB_OK)
            school_end(st, school);
    }
}

/* ---------------------------------------------------------------- checks over every school */

/* A serial on more than one record of a school in scope: how many of them are originals. */
static void serial_group_end(audit_state *st)
{
    if (st->serial_group_rows < 2 || st->serial_group_school == SIZE_MAX)
        return;
    sqlite3_stmt *q = st->serial_originals;
    const audit_school *school = &st->schools[st->serial_group_school];
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    sqlite3_bind_text(q, 1, st->serial_group, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, school->code, -1, SQLITE_STATIC);
    bind_year_days(st, q, 3);
    if (sqlite3_step(q) != SQLITE_ROW) {
        fail_sql(st, "counting the originals of a serial");
        return;
    }
    long long count = (long long)sqlite3_column_int64(q, 0);
    if (count >= 2 && sqlite3_column_int64(q, 4) > 0)
        add_anomaly(st, ANOMALY_SERIAL_DUPLICATE, school->code, st->serial_group, (uint64_t)sqlite3_column_int64(q, 1),
                    VB_OK, "serial %.60s is on %lld originals (records %lld %s %lld)", st->serial_group, count,
                    (long long)sqlite3_column_int64(q, 2), count == 2 ? "and" : "\xe2\x80\xa6",
                    (long long)sqlite3_column_int64(q, 3));
    sqlite3_reset(q);
}

static void serial_row(audit_state *st)
{
    sqlite3_stmt *q = st->serial_rows;
    const char *serial = column_text(q, 0), *code = column_text(q, 1);
    size_t school = find_school(st, code);
    if (school != SIZE_MAX)
        st->schools[school].stored++;
    /* Schools out of scope all read as SIZE_MAX: their groups may merge, and are skipped. */
    if (st->serial_group_rows > 0 && school == st->serial_group_school && strcmp(serial, st->serial_group) == 0) {
        st->serial_group_rows++;
        return;
    }
    serial_group_end(st);
    snprintf(st->serial_group, sizeof st->serial_group, "%s", serial);
    st->serial_group_school = school;
    st->serial_group_rows = 1;
}

static void incident_row(audit_state *st)
{
    sqlite3_stmt *q = st->incidents;
    char when[32];
    text_time_iso(when, sqlite3_column_int64(q, 1));
    add_anomaly(st, ANOMALY_TAMPERING, column_text(q, 0), column_text(q, 4), (uint64_t)sqlite3_column_int64(q, 3),
                VB_OK, "%.40s at %s: %s", column_text(q, 2), when, column_text(q, 5));
}

static void two_diplomas_row(audit_state *st, sqlite3_stmt *q, bool by_id)
{
    char school[VB_MAX_SCHOOL_CODE_BYTES + 1] = "", serial[VB_MAX_TEXT_BYTES + 1] = "";
    const char *first = column_text(q, 5), *tab = strchr(first, '\t');
    if (tab) {
        snprintf(school, sizeof school, "%.*s", (int)(tab - first), first);
        snprintf(serial, sizeof serial, "%s", tab + 1);
    }
    const char *program = column_text(q, 1);
    long long count = (long long)sqlite3_column_int64(q, 2);
    /* The first and last of the group (school and serial), so the text is the same every run. */
    add_anomaly(st, ANOMALY_TWO_DIPLOMAS, school, serial, 0, VB_OK,
                "%lld originals not revoked, %s%s%.40s, for one person (%s): %.80s%s%.80s", count,
                type_name_en(sqlite3_column_int64(q, 0)), program[0] ? ", program " : "", program,
                by_id ? "same personal id" : "same name and date of birth", column_text(q, 3),
                count == 2 ? ", " : ", \xe2\x80\xa6, ", column_text(q, 4));
}

/* Opens the statement of the current task. */
static void task_open(audit_state *st)
{
    sqlite3_stmt *q = NULL;
    switch (st->task) {
    case TASK_SERIALS:
        q = st->serial_rows;
        st->serial_group_rows = 0;
        break;
    case TASK_INCIDENTS: q = st->incidents; break;
    case TASK_TWO_BY_ID: q = st->two_by_id; break;
    case TASK_TWO_BY_NAME: q = st->two_by_name; break;
    default: st->tasks_finished = true; return;
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (st->task != TASK_SERIALS)
        sqlite3_bind_text(q, 1, st->province, -1, SQLITE_STATIC);
    if (st->task == TASK_TWO_BY_ID || st->task == TASK_TWO_BY_NAME)
        bind_year_days(st, q, 2);
    st->task_statement = q;
}

/* Steps the checks over every school by up to `rows` rows. */
static void global_step(audit_state *st, unsigned rows)
{
    for (unsigned n = 0; n < rows && st->failed == VB_OK; n++) {
        if (!st->task_statement)
            task_open(st);
        if (st->tasks_finished)
            return;
        int rc = sqlite3_step(st->task_statement);
        if (rc == SQLITE_DONE) {
            if (st->task == TASK_SERIALS)
                serial_group_end(st);
            sqlite3_reset(st->task_statement);
            st->task_statement = NULL;
            st->task++;
            continue;
        }
        if (rc != SQLITE_ROW) {
            fail_sql(st, "running the serial, incident and two-diploma checks");
            return;
        }
        switch (st->task) {
        case TASK_SERIALS: serial_row(st); break;
        case TASK_INCIDENTS: incident_row(st); break;
        case TASK_TWO_BY_ID: two_diplomas_row(st, st->two_by_id, true); break;
        case TASK_TWO_BY_NAME: two_diplomas_row(st, st->two_by_name, false); break;
        default: break;
        }
    }
}

/* Records stored but brought by no event: outside the log, so outside what checkpoints cover. */
static void find_orphans(audit_state *st)
{
    for (size_t i = 0; i < st->school_count && st->failed == VB_OK; i++) {
        if (st->schools[i].stored == st->schools[i].linked)
            continue;
        sqlite3_stmt *q = st->orphans;
        int rc;
        bind_school(st, q, i);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW)
            add_anomaly(st, ANOMALY_LOG_INCONSISTENT, st->schools[i].code, column_text(q, 1),
                        (uint64_t)sqlite3_column_int64(q, 2), VB_ERR_MIRROR_RECORD,
                        "record %lld is stored but no event of the log brought it",
                        (long long)sqlite3_column_int64(q, 0));
        if (rc != SQLITE_DONE)
            fail_sql(st, "looking for records outside the log");
        sqlite3_reset(q);
    }
}

/* ---------------------------------------------------------------- the run */

static vb_status load_schools(audit_state *st)
{
    sqlite3_stmt *q = NULL;
    size_t capacity = 0;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT code, name, size, root FROM schools WHERE ?1 = '' OR province = ?1 ORDER BY code",
                           -1, &q, NULL) != SQLITE_OK)
        return fail_sql(st, "reading schools (is this a portal store?)");
    sqlite3_bind_text(q, 1, st->province, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (st->school_count == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            audit_school *grown = realloc(st->schools, capacity * sizeof *grown);
            if (!grown) {
                sqlite3_finalize(q);
                return fail_memory(st);
            }
            st->schools = grown;
        }
        audit_school *school = &st->schools[st->school_count++];
        memset(school, 0, sizeof *school);
        copy_text(school->code, sizeof school->code, sqlite3_column_text(q, 0));
        copy_text(school->name, sizeof school->name, sqlite3_column_text(q, 1));
        int64_t size = sqlite3_column_int64(q, 2);
        school->size = size > 0 ? (uint64_t)size : 0;
        st->progress_total += school->size;
        if (sqlite3_column_bytes(q, 3) == VB_LOG_HASH_BYTES) {
            school->has_root = true;
            memcpy(school->root, sqlite3_column_blob(q, 3), VB_LOG_HASH_BYTES);
        }
        /* Every school in scope has its row, records or not; in code order, as the schools. */
        if (!counts_find(&st->result->by_school, school->code, school->name)) {
            sqlite3_finalize(q);
            return fail_memory(st);
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return fail_sql(st, "reading schools");
    st->result->schools = st->school_count;
    st->progress_step = st->progress_total / 100 ? st->progress_total / 100 : 1;
    return VB_OK;
}

/* The walk, then the rest of the global checks, the last verifications, and the records outside
 * the log (which needs both the walk's and the serial scan's counts). */
static void run_all(audit_state *st)
{
    verify_pool *pool = &st->pool;
    scan_schools(st);
    if (st->failed != VB_OK)
        return;
    verify_chunk *last = &pool->chunks[pool->filled % pool->slot_count];
    if (pool->filled < pool->collected + pool->slot_count && last->count > 0)
        chunk_submit(pool, last);
    while (!st->tasks_finished && st->failed == VB_OK) {
        global_step(st, AUDIT_SECONDARY_ROWS);
        collect_done(st);
    }
    while (pool->collected < pool->filled && st->failed == VB_OK) {
        wait_for_head(pool);
        collect_done(st);
    }
    if (st->failed == VB_OK)
        find_orphans(st);
}

void audit_free(audit_result *result)
{
    if (!result)
        return;
    free(result->anomalies);
    free(result->by_school.items);
    free(result->by_year.items);
    free(result->by_type.items);
    free(result->by_program.items);
    free(result->by_classification.items);
    memset(result, 0, sizeof *result);
}

vb_status audit_run(sqlite3 *db, const vb_trust_list *trust, const audit_options *options, audit_result *result,
                    vb_error *err)
{
    static const audit_options no_options = {0};
    audit_state *st;
    double started = seconds_now();

    if (!db || !trust || !result)
        return vb_fail(err, VB_ERR_ARGUMENT, "audit: no store, trust list or result");
    if (!options)
        options = &no_options;
    memset(result, 0, sizeof *result);
    if (options->year != 0 && (options->year < 1900 || options->year > 2199))
        return vb_fail(err, VB_ERR_ARGUMENT, "audit: year %d is outside 1900\xe2\x80\x93" "2199", options->year);
    st = calloc(1, sizeof *st);
    if (!st)
        return vb_fail(err, VB_ERR_NOMEM, "audit: out of memory");
    st->db = db;
    st->trust = trust;
    st->result = result;
    st->options = options;
    st->err = err;
    st->province = options->province ? options->province : "";
    snprintf(result->province, sizeof result->province, "%s", st->province);
    result->year = options->year;
    result->generated_at = (int64_t)time(NULL);
    if (options->year) {
        st->year_scoped = true;
        st->first_day = vb_days_from_civil(options->year, 1, 1);
        st->last_day = vb_days_from_civil(options->year, 12, 31);
    }
    unsigned threads = options->threads;
    if (threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cores > 0 ? (unsigned)cores : 1;
    }
    if (threads > AUDIT_MAX_THREADS)
        threads = AUDIT_MAX_THREADS;

    /* One read transaction: every query sees the same snapshot, even while the portal writes. */
    bool own_transaction = sqlite3_get_autocommit(db) != 0;
    if (own_transaction && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        fail_sql(st, "starting a read transaction");

    if (st->failed == VB_OK && load_schools(st) == VB_OK && prepare_all(st) == VB_OK &&
        pool_start(st, threads) == VB_OK)
        run_all(st);
    pool_stop(&st->pool);
    if (st->task_statement)
        sqlite3_reset(st->task_statement);
    finalize_all(st);
    if (own_transaction)
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);

    vb_status status = st->failed;
    if (status == VB_OK) {
        if (options->progress)
            options->progress(options->progress_context, st->progress_total, st->progress_total);
        if (result->anomaly_count > 1)
            qsort(result->anomalies, result->anomaly_count, sizeof *result->anomalies, anomaly_compare_qsort);
        result->seconds = seconds_now() - started;
    } else {
        audit_free(result);
    }
    free(st->groups);
    free(st->schools);
    free(st);
    return status;
}
