/*
 * issuer/log_cli.c — `vanbang-issue log`: the register's tamper-evident log (FORMAT.md §9) as the
 * school and its auditors use it.
 *
 *   log verify       rebuilds the Merkle tree from the register's rows and checks every stored
 *                    checkpoint and log node against it, naming each event that differs
 *   log prove        the inclusion proof of a credential's events in the latest checkpoint
 *   log consistency  the consistency proof between two checkpoints
 *   log checkpoints  the checkpoints the register keeps
 *
 * Why `verify` re-encodes each event from its columns rather than hashing the stored entry: the
 * entry is the canonical encoding of the event's columns (and of the digest of the signed record
 * its credential row holds), so someone who edits a row in the file — a decision number, a
 * revocation ground, the signed record — changes the encoding the register now stands for; the
 * stored entry, or the stored log nodes and the signed checkpoints, then disagree with it. Every
 * proof printed is verified here as a verifier would (vb_log_verify_*), before it is shown.
 *
 * Memory: `verify` streams the events through a vb_log_builder (constant memory) and keeps only
 * the checkpoints (one per batch or command), never the events.
 */
#include "issuer.h"

#include "keys.h"
#include "log.h"
#include "register.h"

#include <getopt.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_SHOWN_PROBLEMS 100 /* problems printed one by one; the rest are counted */

static int log_usage(const char *verb, const char *message, const char *value)
{
    fprintf(stderr, ISSUER_PROGRAM " log %s: %s%s%s%s. Try 'vanbang-issue log %s --help'.\n", verb, message,
            value ? " '" : "", value ? value : "", value ? "'" : "", verb);
    return ISSUER_EXIT_USAGE;
}

static void hash_hex(const uint8_t hash[VB_LOG_HASH_BYTES], char out[2 * VB_LOG_HASH_BYTES + 1])
{
    issuer_hex(hash, VB_LOG_HASH_BYTES, out, 2 * VB_LOG_HASH_BYTES + 1);
}

static void print_hex(FILE *out, const uint8_t *bytes, size_t length)
{
    for (size_t i = 0; i < length; i++)
        fprintf(out, "%02x", bytes[i]);
}

static void utc_time(int64_t seconds, char *out, size_t out_size)
{
    time_t t = (time_t)seconds;
    struct tm utc;
    if (!gmtime_r(&t, &utc) || !strftime(out, out_size, "%Y-%m-%dT%H:%M:%SZ", &utc))
        snprintf(out, out_size, "%lld", (long long)seconds);
}

/* A JSON string: UTF-8 passed through, quotes, backslashes and control characters escaped. */
static void json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* The school's certificate, for checking checkpoint signatures. */
typedef struct {
    X509 *certificate;
    EVP_PKEY *key; /* borrowed from certificate */
    uint8_t kid[VB_KID_BYTES];
    char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1];
} log_school_key;

static vb_status log_load_cert(const char *path, vb_register *reg, log_school_key *school, vb_error *err)
{
    memset(school, 0, sizeof *school);
    vb_status s = vb_cert_load(path, &school->certificate, err);
    if (s == VB_OK)
        s = vb_cert_school_code(X509_get_subject_name(school->certificate), school->school_code,
                                sizeof school->school_code, err);
    if (s == VB_OK)
        s = vb_cert_kid(school->certificate, school->kid, err);
    if (s == VB_OK && !(school->key = X509_get0_pubkey(school->certificate)))
        s = vb_fail(err, VB_ERR_KEY, "%s: no public key", path);
    if (s == VB_OK)
        s = issuer_check_school(reg, school->school_code, err);
    return s;
}

static void log_free_cert(log_school_key *school)
{
    X509_free(school->certificate);
    memset(school, 0, sizeof *school);
}

/* ---------------------------------------------------------------- shared options */

typedef struct {
    const char *register_path, *cert, *serial;
    bool json, has_from, has_to;
    uint64_t from, to;
} log_options;

enum { OPTION_REGISTER = 256, OPTION_CERT, OPTION_SERIAL, OPTION_FROM, OPTION_TO, OPTION_JSON, OPTION_HELP };

/* Parses the options of a log verb; `allowed` lists the options it takes ("cert serial from to
 * json"). Returns 0, -1 after --help, or an exit status. */
static int log_parse(const char *verb, const char *help, const char *allowed, int argc, char **argv, log_options *o)
{
    static const struct option long_options[] = {
        {"register", required_argument, NULL, OPTION_REGISTER}, {"cert", required_argument, NULL, OPTION_CERT},
        {"serial", required_argument, NULL, OPTION_SERIAL},     {"from", required_argument, NULL, OPTION_FROM},
        {"to", required_argument, NULL, OPTION_TO},             {"json", no_argument, NULL, OPTION_JSON},
        {"help", no_argument, NULL, OPTION_HELP},               {NULL, 0, NULL, 0},
    };
    unsigned long long number;
    int c, index = 0;
    memset(o, 0, sizeof *o);
    while ((c = getopt_long(argc, argv, "", long_options, &index)) != -1) {
        if (c >= OPTION_CERT && c <= OPTION_JSON && !strstr(allowed, long_options[index].name))
            return log_usage(verb, "this verb takes no option", long_options[index].name);
        switch (c) {
        case OPTION_REGISTER: o->register_path = optarg; break;
        case OPTION_CERT: o->cert = optarg; break;
        case OPTION_SERIAL: o->serial = optarg; break;
        case OPTION_FROM:
        case OPTION_TO:
            if (!issuer_parse_unsigned(optarg, INT64_MAX, &number))
                return log_usage(verb, "a tree size is a whole number, not", optarg);
            if (c == OPTION_FROM) {
                o->from = number;
                o->has_from = true;
            } else {
                o->to = number;
                o->has_to = true;
            }
            break;
        case OPTION_JSON: o->json = true; break;
        case OPTION_HELP: fputs(help, stdout); return -1;
        default: return log_usage(verb, "unknown option", NULL);
        }
    }
    if (optind < argc)
        return log_usage(verb, "unexpected argument", argv[optind]);
    if (!o->register_path)
        return log_usage(verb, "--register is required", NULL);
    return 0;
}

/* ---------------------------------------------------------------- verify */

static const char verify_help[] =
    "NAME\n"
    "    vanbang-issue log verify — prove the register whole: rebuild its log and check every checkpoint\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue log verify --register FILE [--cert school.crt]\n"
    "\n"
    "DESCRIPTION\n"
    "    Rebuilds the Merkle tree of the register's log (FORMAT.md §9) from the register's rows, one\n"
    "    event at a time in constant memory. Each leaf is re-encoded from the event's columns and\n"
    "    from the signed record its credential row holds, and compared with the entry stored beside\n"
    "    it, so an event or record edited directly in the SQLite file is found even where its entry\n"
    "    was left alone. Then every stored log node is compared with the rebuilt subtree, and every\n"
    "    checkpoint's signature (with --cert) and root with the tree rebuilt at its size: an event\n"
    "    deleted or changed after a checkpoint was signed cannot give that root again.\n"
    "    Each problem is printed on its own line, naming the event (sequence number, kind, record id,\n"
    "    serial) and what differs; the register is never written.\n"
    "    Run it after every restore from a backup, and before publishing a status list.\n"
    "\n"
    "OPTIONS\n"
    "    --register FILE    the school's register\n"
    "    --cert FILE        the school's certificate: checkpoint signatures are checked with it.\n"
    "                       Without it the roots are still checked, and the output says that the\n"
    "                       signatures were not.\n"
    "\n"
    "OUTPUT\n"
    "    One line per problem: 'event N (KIND, record ID, serial S): WHAT', 'checkpoint #ID (size N):\n"
    "    WHAT', 'log node L/P (events A..B): WHAT'; then a summary. Exit status 1 when any was found.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 the log is whole and every checkpoint holds; 1 a problem was found; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue log verify --register register.db --cert school/school.crt\n";

typedef struct {
    uint64_t checkpoint_id;
    uint64_t size;
    uint8_t root[VB_LOG_HASH_BYTES];
    int64_t time;
} verify_checkpoint;

typedef struct {
    vb_register *reg;
    const log_school_key *school; /* NULL: signatures not checked */
    char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1];
    vb_log_source source;
    vb_log_builder builder;
    verify_checkpoint *checkpoints; /* sorted by size after loading */
    size_t checkpoint_count, checkpoint_capacity, next_checkpoint;
    uint64_t largest_size_so_far;
    uint64_t expected_sequence;
    uint64_t last_bad_sequence;     /* the last event found changed or missing; 0 none */
    uint64_t problems, consequent_nodes, nodes_checked, entries_recomputed;
    uint64_t checkpoints_matched, signatures_checked;
} verify_context;

static void problem(verify_context *v, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void problem(verify_context *v, const char *format, ...)
{
    v->problems++;
    if (v->problems > LOG_SHOWN_PROBLEMS)
        return;
    va_list args;
    va_start(args, format);
    vprintf(format, args);
    va_end(args);
    putchar('\n');
}

static vb_status verify_load_checkpoint(void *context, const vb_register_checkpoint_row *row, vb_error *err)
{
    verify_context *v = context;
    vb_log_checkpoint signed_values;
    vb_cose_sign1 message;
    vb_error why = {0};
    vb_status s;
    if (v->school) {
        s = vb_log_checkpoint_verify(row->signed_data, row->signed_length, v->school->key, v->school->kid,
                                     &signed_values, &why);
        if (s == VB_OK)
            v->signatures_checked++;
        else
            problem(v, "checkpoint #%llu (size %llu): its signature does not hold: %s",
                    (unsigned long long)row->checkpoint_id, (unsigned long long)row->size, why.message);
    }
    /* Whatever the signature says, compare what the checkpoint states with the tree. */
    s = vb_log_checkpoint_decode(row->signed_data, row->signed_length, &message, &signed_values, &why);
    if (s != VB_OK) {
        problem(v, "checkpoint #%llu (size %llu): not a checkpoint: %s", (unsigned long long)row->checkpoint_id,
                (unsigned long long)row->size, why.message);
        return VB_OK;
    }
    if (strcmp(signed_values.origin, v->school_code) != 0)
        problem(v, "checkpoint #%llu (size %llu): signed for school %s, not %s", (unsigned long long)row->checkpoint_id,
                (unsigned long long)row->size, signed_values.origin, v->school_code);
    if (signed_values.size != row->size || !row->root_valid ||
        memcmp(signed_values.root, row->root, VB_LOG_HASH_BYTES) != 0 || (int64_t)signed_values.time != row->time)
        problem(v, "checkpoint #%llu: its row (size %llu, time %lld) differs from what was signed (size %llu, time "
                   "%llu)%s",
                (unsigned long long)row->checkpoint_id, (unsigned long long)row->size, (long long)row->time,
                (unsigned long long)signed_values.size, (unsigned long long)signed_values.time,
                row->root_valid && memcmp(signed_values.root, row->root, VB_LOG_HASH_BYTES) != 0 ? " and in its root"
                                                                                                 : "");
    if (signed_values.size < v->largest_size_so_far)
        problem(v, "checkpoint #%llu: size %llu is below the size %llu of a checkpoint signed before it",
                (unsigned long long)row->checkpoint_id, (unsigned long long)signed_values.size,
                (unsigned long long)v->largest_size_so_far);
    else
        v->largest_size_so_far = signed_values.size;
    if (v->checkpoint_count == v->checkpoint_capacity) {
        size_t capacity = v->checkpoint_capacity ? 2 * v->checkpoint_capacity : 64;
        verify_checkpoint *grown = realloc(v->checkpoints, capacity * sizeof *grown);
        if (!grown)
            return vb_fail(err, VB_ERR_NOMEM, "out of memory");
        v->checkpoints = grown;
        v->checkpoint_capacity = capacity;
    }
    verify_checkpoint *c = &v->checkpoints[v->checkpoint_count++];
    c->checkpoint_id = row->checkpoint_id;
    c->size = signed_values.size; /* the signed values are what the school stands by */
    memcpy(c->root, signed_values.root, VB_LOG_HASH_BYTES);
    c->time = (int64_t)signed_values.time;
    return VB_OK;
}

static int compare_checkpoints(const void *a, const void *b)
{
    const verify_checkpoint *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return x->checkpoint_id < y->checkpoint_id ? -1 : x->checkpoint_id > y->checkpoint_id;
}

/* Compares every checkpoint of the current size with the rebuilt root. */
static vb_status verify_checkpoints_at_size(verify_context *v)
{
    uint8_t root[VB_LOG_HASH_BYTES];
    vb_status s = vb_log_builder_root(&v->builder, root);
    if (s != VB_OK)
        return s;
    while (v->next_checkpoint < v->checkpoint_count && v->checkpoints[v->next_checkpoint].size == v->builder.size) {
        const verify_checkpoint *c = &v->checkpoints[v->next_checkpoint++];
        if (memcmp(c->root, root, VB_LOG_HASH_BYTES) == 0) {
            v->checkpoints_matched++;
            continue;
        }
        char signed_hex[65], rebuilt_hex[65], when[32];
        hash_hex(c->root, signed_hex);
        hash_hex(root, rebuilt_hex);
        utc_time(c->time, when, sizeof when);
        problem(v, "checkpoint #%llu (size %llu, signed %s): log-mismatch: it commits to root %s, the register "
                   "rebuilds %s%s",
                (unsigned long long)c->checkpoint_id, (unsigned long long)c->size, when, signed_hex, rebuilt_hex,
                v->last_bad_sequence ? " (see the events above)"
                                     : " — an event at or before this size was changed in both its row and entry");
    }
    return VB_OK;
}

/* A stored node against the subtree just rebuilt. */
static vb_status verify_node(void *context, unsigned level, uint64_t index, const uint8_t hash[VB_LOG_HASH_BYTES])
{
    verify_context *v = context;
    uint8_t stored[VB_LOG_HASH_BYTES];
    bool found = false;
    uint64_t first = (index << level) + 1, last = (index + 1) << level; /* event sequences */
    vb_status s = v->source.subtree(v->source.context, level, index, stored, &found);
    if (s != VB_OK)
        return s;
    v->nodes_checked++;
    if (found && memcmp(stored, hash, VB_LOG_HASH_BYTES) == 0)
        return VB_OK;
    if (v->last_bad_sequence >= first) {
        v->consequent_nodes++; /* it covers an event already named */
        return VB_OK;
    }
    if (!found)
        problem(v, "log node %u/%llu (events %llu..%llu): missing from the register", level,
                (unsigned long long)index, (unsigned long long)first, (unsigned long long)last);
    else
        problem(v, "log node %u/%llu (events %llu..%llu): differs from the subtree rebuilt from those events — "
                   "an event in it was changed in both its row and entry, or the node itself was edited",
                level, (unsigned long long)index, (unsigned long long)first, (unsigned long long)last);
    return VB_OK;
}

/* "time: row 1782777600, entry 1782777000; decision number: row '9', entry '8'". */
static void describe_difference(const vb_register_event *row, const vb_register_event *entry, char *out,
                                size_t out_size)
{
    size_t used = 0;
    out[0] = '\0';
#define DIFF(...)                                                                                                  \
    do {                                                                                                           \
        if (used < out_size)                                                                                       \
            used += (size_t)snprintf(out + used, out_size - used, "%s", used ? "; " : "");                         \
        if (used < out_size)                                                                                       \
            used += (size_t)snprintf(out + used, out_size - used, __VA_ARGS__);                                    \
    } while (0)
    if (row->kind != entry->kind)
        DIFF("kind: row %d, entry %d", row->kind, entry->kind);
    if (row->sequence != entry->sequence)
        DIFF("sequence: row %llu, entry %llu", (unsigned long long)row->sequence, (unsigned long long)entry->sequence);
    if (row->time != entry->time)
        DIFF("time: row %lld, entry %lld", (long long)row->time, (long long)entry->time);
    if (strcmp(row->school_code, entry->school_code) != 0)
        DIFF("school: register %s, entry %s", row->school_code, entry->school_code);
    if (row->record_id != entry->record_id)
        DIFF("record id: row %llu, entry %llu", (unsigned long long)row->record_id,
             (unsigned long long)entry->record_id);
    if (row->has_record_digest != entry->has_record_digest ||
        (row->has_record_digest && memcmp(row->record_digest, entry->record_digest, 32) != 0))
        DIFF("signed record: the credential row's record no longer has the SHA-256 the entry holds");
    if (row->supersedes != entry->supersedes)
        DIFF("supersedes: row %llu, entry %llu", (unsigned long long)row->supersedes,
             (unsigned long long)entry->supersedes);
    if (row->reason != entry->reason)
        DIFF("reason: row %d, entry %d", row->reason, entry->reason);
    if (strcmp(row->decision_number, entry->decision_number) != 0)
        DIFF("decision number: row '%s', entry '%s'", row->decision_number, entry->decision_number);
    if (row->has_decision_date != entry->has_decision_date ||
        (row->has_decision_date && row->decision_date != entry->decision_date)) {
        char a[16] = "none", b[16] = "none";
        if (row->has_decision_date)
            vb_date_format_dmy(row->decision_date, a, sizeof a);
        if (entry->has_decision_date)
            vb_date_format_dmy(entry->decision_date, b, sizeof b);
        DIFF("decision date: row %s, entry %s", a, b);
    }
    if (strcmp(row->actor, entry->actor) != 0)
        DIFF("actor: row '%s', entry '%s'", row->actor, entry->actor);
    if (!used)
        DIFF("the entry's bytes are not the canonical encoding of its own fields");
#undef DIFF
}

static vb_status verify_event(void *context, const vb_register_event_row *row, vb_error *err)
{
    verify_context *v = context;
    const vb_register_event *e = &row->event;
    char name[VB_TEXT_FIELD + 96];
    snprintf(name, sizeof name, "event %llu (%s, record %llu%s%s)", (unsigned long long)e->sequence,
             vb_register_event_kind_name(e->kind) ? vb_register_event_kind_name(e->kind) : "unknown kind",
             (unsigned long long)e->record_id, row->serial[0] ? ", serial " : "", row->serial);

    if (e->sequence != v->expected_sequence) {
        if (e->sequence == v->expected_sequence + 1)
            problem(v, "event %llu: missing — deleted from the register", (unsigned long long)v->expected_sequence);
        else
            problem(v, "events %llu..%llu: missing — deleted from the register",
                    (unsigned long long)v->expected_sequence, (unsigned long long)e->sequence - 1);
        v->last_bad_sequence = e->sequence;
        v->expected_sequence = e->sequence;
    }
    v->expected_sequence++;

    static const int record_kind_of_event[VB_EVENT_MAX + 1] = {
        [VB_EVENT_ISSUE] = VB_KIND_ORIGINAL, [VB_EVENT_CORRECT] = VB_KIND_CORRECTION, [VB_EVENT_COPY] = VB_KIND_COPY};
    if (!row->record_found)
        problem(v, "%s: names record %llu, which is not in the register", name, (unsigned long long)e->record_id);
    else if (e->kind >= 1 && e->kind <= VB_EVENT_MAX && record_kind_of_event[e->kind] &&
             record_kind_of_event[e->kind] != row->record_kind)
        problem(v, "%s: a %s event names a record of kind %d", name, vb_register_event_kind_name(e->kind),
                row->record_kind);

    /* The leaf as the row stands for it; the stored entry when the row cannot make one. */
    uint8_t entry[VB_REGISTER_ENTRY_MAX_BYTES];
    size_t entry_length = 0;
    const uint8_t *leaf_bytes = row->entry;
    size_t leaf_length = row->entry_length;
    vb_error why = {0};
    bool bad = false;
    if (vb_register_event_encode(e, entry, sizeof entry, &entry_length, &why) != VB_OK) {
        problem(v, "%s: its row cannot make an event entry: %s", name, why.message);
        bad = true;
    } else {
        v->entries_recomputed++;
        leaf_bytes = entry;
        leaf_length = entry_length;
        if (entry_length != row->entry_length || memcmp(entry, row->entry, entry_length) != 0) {
            vb_register_event logged;
            char difference[1024];
            if (vb_register_event_decode(row->entry, row->entry_length, &logged, &why) != VB_OK) {
                problem(v, "%s: its stored entry is not an event entry: %s", name, why.message);
            } else {
                describe_difference(e, &logged, difference, sizeof difference);
                problem(v, "%s: the row and its logged entry differ — %s", name, difference);
            }
            bad = true;
        }
    }
    if (bad)
        v->last_bad_sequence = e->sequence;

    uint8_t leaf[VB_LOG_HASH_BYTES];
    vb_status s = vb_log_leaf_hash(leaf_bytes, leaf_length, leaf);
    if (s == VB_OK)
        s = vb_log_builder_add_emitting(&v->builder, leaf, verify_node, v);
    if (s == VB_OK)
        s = verify_checkpoints_at_size(v);
    if (s != VB_OK)
        return vb_fail(err, s, "cannot rebuild the log at event %llu", (unsigned long long)e->sequence);
    return VB_OK;
}

static int log_verify(int argc, char **argv)
{
    log_options o;
    int status = log_parse("verify", verify_help, "cert", argc, argv, &o);
    if (status)
        return status < 0 ? 0 : status;

    vb_register *reg;
    vb_error err = {0};
    log_school_key school = {0};
    verify_context v;
    memset(&v, 0, sizeof v);
    vb_status s = vb_register_open(o.register_path, &reg, &err);
    if (s != VB_OK)
        return issuer_report(&err);
    char school_name[VB_REGISTER_SCHOOL_NAME_BYTES];
    s = vb_register_school(reg, v.school_code, sizeof v.school_code, school_name, sizeof school_name, &err);
    if (s == VB_OK && o.cert && (s = log_load_cert(o.cert, reg, &school, &err)) == VB_OK)
        v.school = &school;
    /* One snapshot for the whole walk: issuing may go on meanwhile. */
    bool reading = false;
    if (s == VB_OK && (s = vb_register_begin_read(reg, &err)) == VB_OK)
        reading = true;
    v.reg = reg;
    vb_register_log_source(reg, &v.source);
    vb_log_builder_init(&v.builder);
    v.expected_sequence = 1;
    if (s == VB_OK)
        s = vb_register_each_checkpoint(reg, verify_load_checkpoint, &v, &err);
    if (s == VB_OK) {
        if (v.checkpoint_count)
            qsort(v.checkpoints, v.checkpoint_count, sizeof *v.checkpoints, compare_checkpoints);
        s = verify_checkpoints_at_size(&v); /* size 0 */
    }
    if (s == VB_OK)
        s = vb_register_each_event_row(reg, verify_event, &v, &err);
    uint64_t nodes_stored = 0, events = v.builder.size;
    if (s == VB_OK)
        s = vb_register_log_node_count(reg, &nodes_stored, &err);
    if (reading)
        vb_register_rollback(reg);
    if (s == VB_OK) {
        /* Checkpoints beyond the events: the events they committed to are gone. */
        for (; v.next_checkpoint < v.checkpoint_count; v.next_checkpoint++) {
            const verify_checkpoint *c = &v.checkpoints[v.next_checkpoint];
            char when[32];
            utc_time(c->time, when, sizeof when);
            char missing[96];
            if (c->size - events == 1)
                snprintf(missing, sizeof missing, "event %llu was", (unsigned long long)c->size);
            else
                snprintf(missing, sizeof missing, "events %llu..%llu were", (unsigned long long)events + 1,
                         (unsigned long long)c->size);
            problem(&v, "checkpoint #%llu (size %llu, signed %s): the register holds only %llu events — %s "
                        "deleted after the checkpoint was signed",
                    (unsigned long long)c->checkpoint_id, (unsigned long long)c->size, when,
                    (unsigned long long)events, missing);
        }
        /* Nodes past the tree: the next node of each level, if stored, says how many events
         * there were when it was stored. */
        uint64_t implied = events;
        for (unsigned level = 1; level < 64 && (events >> level) < (UINT64_MAX >> level); level++) {
            uint8_t ignored[VB_LOG_HASH_BYTES];
            bool found = false;
            uint64_t index = events >> level;
            if (v.source.subtree(v.source.context, level, index, ignored, &found) == VB_OK && found &&
                ((index + 1) << level) > implied)
                implied = (index + 1) << level;
        }
        uint64_t nodes_expected = events - (uint64_t)__builtin_popcountll(events);
        if (implied > events) {
            char missing[96];
            if (implied - events == 1)
                snprintf(missing, sizeof missing, "event %llu was", (unsigned long long)implied);
            else
                snprintf(missing, sizeof missing, "events %llu..%llu (at least) were", (unsigned long long)events + 1,
                         (unsigned long long)implied);
            problem(&v, "log nodes: stored nodes cover events up to %llu, but the register holds only %llu — %s "
                        "deleted",
                    (unsigned long long)implied, (unsigned long long)events, missing);
        }
        else if (nodes_stored > nodes_expected && implied == events)
            problem(&v, "log nodes: the register stores %llu, a log of %llu events has %llu — the extra ones cover "
                        "events that were deleted",
                    (unsigned long long)nodes_stored, (unsigned long long)events, (unsigned long long)nodes_expected);
        if (v.problems > LOG_SHOWN_PROBLEMS)
            printf("… and %llu more problems\n", (unsigned long long)(v.problems - LOG_SHOWN_PROBLEMS));
        uint8_t root[VB_LOG_HASH_BYTES];
        char root_hex[65];
        vb_log_builder_root(&v.builder, root);
        hash_hex(root, root_hex);
        printf("%s: school %s, %llu events, %llu log nodes, %zu checkpoints\n", o.register_path, v.school_code,
               (unsigned long long)events, (unsigned long long)nodes_stored, v.checkpoint_count);
        printf("rebuilt root at size %llu: %s\n", (unsigned long long)events, root_hex);
        if (v.consequent_nodes)
            printf("%llu log nodes over the events named above differ as a consequence\n",
                   (unsigned long long)v.consequent_nodes);
        if (!v.school)
            printf("checkpoint signatures NOT checked: give --cert school.crt to check them\n");
        if (v.problems) {
            printf("log verify: FAILED — %llu problem%s; the register was changed outside vanbang-issue\n",
                   (unsigned long long)v.problems, v.problems == 1 ? "" : "s");
        } else {
            printf("log verify: OK — every event re-encodes to its logged entry, %llu log nodes agree, %llu "
                   "checkpoint%s hold%s",
                   (unsigned long long)v.nodes_checked, (unsigned long long)v.checkpoints_matched,
                   v.checkpoints_matched == 1 ? "" : "s", v.checkpoints_matched == 1 ? "s" : "");
            printf("%s\n", v.school ? " with valid signatures" : "");
        }
    }
    free(v.checkpoints);
    log_free_cert(&school);
    vb_register_close(reg);
    if (s != VB_OK)
        return issuer_report(&err);
    return v.problems ? ISSUER_EXIT_REFUSED : 0;
}

/* ---------------------------------------------------------------- checkpoints */

static const char checkpoints_help[] =
    "NAME\n"
    "    vanbang-issue log checkpoints — the signed checkpoints the register keeps\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue log checkpoints --register FILE [--cert school.crt] [--json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Lists every checkpoint in the order it was signed: its number, the tree size it commits to,\n"
    "    when it was signed (UTC), its root, and — with --cert — whether its signature holds. The\n"
    "    sizes are what 'log consistency' takes.\n"
    "\n"
    "OUTPUT\n"
    "    Text: one line per checkpoint, 'ID SIZE TIME ROOT [signature ok|BAD]', after a header line.\n"
    "    --json: {\"school\": CODE, \"checkpoints\": [{\"id\", \"size\", \"time\" (seconds since 1970),\n"
    "    \"root\" (hex), \"signed\" (the COSE_Sign1, hex), \"signature\" (\"ok\", \"bad\" or\n"
    "    \"unchecked\")}]}.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 listed, every signature checked holds; 1 a signature does not hold; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue log checkpoints --register register.db --cert school/school.crt\n";

typedef struct {
    const log_school_key *school;
    bool json;
    uint64_t count, bad;
} list_context;

static vb_status list_checkpoint(void *context, const vb_register_checkpoint_row *row, vb_error *err)
{
    list_context *l = context;
    const char *signature = "unchecked";
    (void)err;
    if (l->school) {
        vb_log_checkpoint checkpoint;
        vb_error why = {0};
        bool ok = vb_log_checkpoint_verify(row->signed_data, row->signed_length, l->school->key, l->school->kid,
                                           &checkpoint, &why) == VB_OK &&
                  checkpoint.size == row->size && row->root_valid &&
                  memcmp(checkpoint.root, row->root, VB_LOG_HASH_BYTES) == 0;
        signature = ok ? "ok" : "bad";
        l->bad += !ok;
    }
    char root[65] = "", when[32];
    if (row->root_valid)
        hash_hex(row->root, root);
    utc_time(row->time, when, sizeof when);
    if (l->json) {
        printf("%s\n    {\"id\": %llu, \"size\": %llu, \"time\": %lld, \"root\": \"%s\", \"signed\": \"",
               l->count ? "," : "", (unsigned long long)row->checkpoint_id, (unsigned long long)row->size,
               (long long)row->time, root);
        print_hex(stdout, row->signed_data, row->signed_length);
        printf("\", \"signature\": \"%s\"}", signature);
    } else {
        printf("%-6llu %-10llu %s  %s%s%s\n", (unsigned long long)row->checkpoint_id, (unsigned long long)row->size,
               when, root, l->school ? "  signature " : "", l->school ? (signature[0] == 'o' ? "ok" : "BAD") : "");
    }
    l->count++;
    return VB_OK;
}

static int log_checkpoints(int argc, char **argv)
{
    log_options o;
    int status = log_parse("checkpoints", checkpoints_help, "cert json", argc, argv, &o);
    if (status)
        return status < 0 ? 0 : status;
    vb_register *reg;
    vb_error err = {0};
    log_school_key school = {0};
    list_context l = {NULL, o.json, 0, 0};
    char code[VB_MAX_SCHOOL_CODE_BYTES + 1], name[VB_REGISTER_SCHOOL_NAME_BYTES];
    vb_status s = vb_register_open(o.register_path, &reg, &err);
    if (s != VB_OK)
        return issuer_report(&err);
    s = vb_register_school(reg, code, sizeof code, name, sizeof name, &err);
    if (s == VB_OK && o.cert && (s = log_load_cert(o.cert, reg, &school, &err)) == VB_OK)
        l.school = &school;
    if (s == VB_OK) {
        if (o.json) {
            printf("{\"school\": ");
            json_string(stdout, code);
            printf(", \"checkpoints\": [");
        } else {
            printf("%-6s %-10s %-20s  %s\n", "id", "size", "signed (UTC)", "root");
        }
        s = vb_register_each_checkpoint(reg, list_checkpoint, &l, &err);
        if (o.json)
            printf("%s]}\n", l.count ? "\n" : "");
        else if (s == VB_OK)
            fprintf(stderr, "%llu checkpoint%s\n", (unsigned long long)l.count, l.count == 1 ? "" : "s");
    }
    log_free_cert(&school);
    vb_register_close(reg);
    if (s != VB_OK)
        return issuer_report(&err);
    if (l.bad)
        fprintf(stderr, ISSUER_PROGRAM ": %llu checkpoint signature%s do not hold; run 'vanbang-issue log verify'\n",
                (unsigned long long)l.bad, l.bad == 1 ? "" : "s");
    return l.bad ? ISSUER_EXIT_REFUSED : 0;
}

/* ---------------------------------------------------------------- finding checkpoints */

/* The checkpoint to prove against: the last kept (want_size 0 and !exact), or the last kept of
 * size want_size. The signed bytes are copied out. */
typedef struct {
    bool exact;
    uint64_t want_size;
    bool found;
    vb_register_checkpoint_row row; /* signed_data points into signed_copy */
    uint8_t signed_copy[VB_LOG_MAX_CHECKPOINT_BYTES];
} find_context;

static vb_status find_checkpoint(void *context, const vb_register_checkpoint_row *row, vb_error *err)
{
    find_context *f = context;
    (void)err;
    if ((f->exact && row->size != f->want_size) || row->signed_length > sizeof f->signed_copy)
        return VB_OK;
    f->found = true;
    f->row = *row;
    memcpy(f->signed_copy, row->signed_data, row->signed_length);
    f->row.signed_data = f->signed_copy;
    return VB_OK;
}

/* Finds the checkpoint and, with a certificate, checks its signature and that it states what its
 * row holds. */
static vb_status locate_checkpoint(vb_register *reg, const log_school_key *school, bool exact, uint64_t size,
                                   find_context *f, vb_error *err)
{
    memset(f, 0, sizeof *f);
    f->exact = exact;
    f->want_size = size;
    vb_status s = vb_register_each_checkpoint(reg, find_checkpoint, f, err);
    if (s != VB_OK)
        return s;
    if (!f->found)
        return exact ? vb_fail(err, VB_ERR_REGISTER_NOT_FOUND,
                               "no checkpoint of size %llu in %s (see 'vanbang-issue log checkpoints')",
                               (unsigned long long)size, vb_register_path(reg))
                     : vb_fail(err, VB_ERR_REGISTER_NOT_FOUND,
                               "%s has no checkpoint yet: issue, correct or copy signs one", vb_register_path(reg));
    if (!f->row.root_valid)
        return vb_fail(err, VB_ERR_LOG_MISMATCH, "checkpoint #%llu has no valid root; run 'vanbang-issue log verify'",
                       (unsigned long long)f->row.checkpoint_id);
    vb_log_checkpoint checkpoint;
    vb_cose_sign1 message;
    s = school ? vb_log_checkpoint_verify(f->row.signed_data, f->row.signed_length, school->key, school->kid,
                                          &checkpoint, err)
               : vb_log_checkpoint_decode(f->row.signed_data, f->row.signed_length, &message, &checkpoint, err);
    if (s != VB_OK) {
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err->message);
        return vb_fail(err, s, "checkpoint #%llu: %s", (unsigned long long)f->row.checkpoint_id, why);
    }
    if (checkpoint.size != f->row.size || memcmp(checkpoint.root, f->row.root, VB_LOG_HASH_BYTES) != 0)
        return vb_fail(err, VB_ERR_LOG_MISMATCH,
                       "checkpoint #%llu: its row differs from what was signed; run 'vanbang-issue log verify'",
                       (unsigned long long)f->row.checkpoint_id);
    return VB_OK;
}

static void json_hashes(const uint8_t *hashes, size_t count)
{
    putchar('[');
    for (size_t i = 0; i < count; i++) {
        printf("%s\"", i ? ", " : "");
        print_hex(stdout, hashes + i * VB_LOG_HASH_BYTES, VB_LOG_HASH_BYTES);
        putchar('"');
    }
    putchar(']');
}

static void text_hashes(const uint8_t *hashes, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        printf("    ");
        print_hex(stdout, hashes + i * VB_LOG_HASH_BYTES, VB_LOG_HASH_BYTES);
        putchar('\n');
    }
}

static void print_checkpoint(const find_context *f, bool json, const char *school_code)
{
    char root[65], when[32];
    hash_hex(f->row.root, root);
    utc_time(f->row.time, when, sizeof when);
    if (json) {
        printf("{\"id\": %llu, \"origin\": ", (unsigned long long)f->row.checkpoint_id);
        json_string(stdout, school_code);
        printf(", \"size\": %llu, \"time\": %lld, \"root\": \"%s\", \"signed\": \"", (unsigned long long)f->row.size,
               (long long)f->row.time, root);
        print_hex(stdout, f->row.signed_data, f->row.signed_length);
        printf("\"}");
    } else {
        printf("checkpoint #%llu of %s: size %llu, signed %s\n", (unsigned long long)f->row.checkpoint_id,
               school_code, (unsigned long long)f->row.size, when);
        printf("  root: %s\n  signed (COSE_Sign1): ", root);
        print_hex(stdout, f->row.signed_data, f->row.signed_length);
        putchar('\n');
    }
}

/* ---------------------------------------------------------------- prove */

static const char prove_help[] =
    "NAME\n"
    "    vanbang-issue log prove — inclusion proofs of a credential's events in the latest checkpoint\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue log prove --register FILE --serial SERIAL [--cert school.crt] [--json]\n"
    "\n"
    "DESCRIPTION\n"
    "    For each event of the credential with this serial — its issue, corrections, copies and any\n"
    "    revocation — prints the inclusion proof (RFC 9162 §2.1.3, FORMAT.md §9) of its log entry in\n"
    "    the tree of the latest signed checkpoint: the leaf index, the tree size, the root, the entry\n"
    "    and its leaf hash, and the audit path. Each proof is verified here as a verifier would before\n"
    "    it is printed. With --cert the checkpoint's signature is checked first. Events entered after\n"
    "    the latest checkpoint are listed as not yet provable.\n"
    "\n"
    "OUTPUT\n"
    "    Text: the checkpoint (number, size, time, root, the signed COSE_Sign1 in hex), then per event\n"
    "    'event N (KIND, record ID)' with 'leaf index', 'tree size', 'root', 'entry', 'leaf hash' and\n"
    "    'audit path (K hashes, nearest the leaf first)', one hash a line, and 'verified'.\n"
    "    --json: {\"serial\", \"checkpoint\": {\"id\", \"origin\", \"size\", \"time\", \"root\", \"signed\"},\n"
    "    \"proofs\": [{\"sequence\", \"kind\", \"record_id\", \"leaf_index\", \"tree_size\", \"root\",\n"
    "    \"entry\", \"leaf_hash\", \"path\": [hex, …], \"verified\": true}], \"pending\": [sequence, …]}.\n"
    "    All hashes and bytes in lower-case hex.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 every event in the checkpoint proved; 1 no such credential, no checkpoint, nothing provable\n"
    "    yet, or a proof that does not verify; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue log prove --register register.db --serial CD202600001 --cert school/school.crt\n";

typedef struct {
    uint64_t sequence, record_id;
    int kind;
    size_t entry_length;
    uint8_t entry[VB_REGISTER_ENTRY_MAX_BYTES];
} prove_event;

typedef struct {
    prove_event *events;
    size_t count, capacity;
} prove_list;

static vb_status collect_event(void *context, const vb_register_event *e, const uint8_t *entry, size_t entry_length,
                               vb_error *err)
{
    prove_list *list = context;
    if (entry_length > VB_REGISTER_ENTRY_MAX_BYTES)
        return vb_fail(err, VB_ERR_REGISTER, "event %llu has an entry of %zu bytes", (unsigned long long)e->sequence,
                       entry_length);
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 8;
        prove_event *grown = realloc(list->events, capacity * sizeof *grown);
        if (!grown)
            return vb_fail(err, VB_ERR_NOMEM, "out of memory");
        list->events = grown;
        list->capacity = capacity;
    }
    prove_event *p = &list->events[list->count++];
    p->sequence = e->sequence;
    p->record_id = e->record_id;
    p->kind = e->kind;
    p->entry_length = entry_length;
    memcpy(p->entry, entry, entry_length);
    return VB_OK;
}

static int log_prove(int argc, char **argv)
{
    log_options o;
    int status = log_parse("prove", prove_help, "cert serial json", argc, argv, &o);
    if (status)
        return status < 0 ? 0 : status;
    if (!o.serial)
        return log_usage("prove", "--serial is required", NULL);

    vb_register *reg;
    vb_error err = {0};
    log_school_key school = {0};
    prove_list list = {0};
    find_context *f = malloc(sizeof *f);
    vb_log_proof *proof = malloc(sizeof *proof);
    char code[VB_MAX_SCHOOL_CODE_BYTES + 1], name[VB_REGISTER_SCHOOL_NAME_BYTES];
    uint64_t original = 0, proved = 0, pending = 0;
    if (!f || !proof) {
        free(f);
        free(proof);
        return ISSUER_EXIT_USAGE;
    }
    vb_status s = vb_register_open(o.register_path, &reg, &err);
    if (s != VB_OK) {
        free(f);
        free(proof);
        return issuer_report(&err);
    }
    bool reading = false;
    s = vb_register_school(reg, code, sizeof code, name, sizeof name, &err);
    if (s == VB_OK && o.cert)
        s = log_load_cert(o.cert, reg, &school, &err);
    if (s == VB_OK && (s = vb_register_begin_read(reg, &err)) == VB_OK)
        reading = true;
    if (s == VB_OK)
        s = vb_register_find_serial(reg, o.serial, &original, &err);
    if (s == VB_OK && !original)
        s = vb_fail(&err, VB_ERR_REGISTER_NOT_FOUND, "no credential with serial %s in %s (try 'vanbang-issue search')",
                    o.serial, o.register_path);
    if (s == VB_OK)
        s = locate_checkpoint(reg, o.cert ? &school : NULL, false, 0, f, &err);
    if (s == VB_OK)
        s = vb_register_each_event(reg, original, 0, collect_event, &list, &err);

    vb_log_source source;
    vb_register_log_source(reg, &source);
    if (s == VB_OK) {
        if (o.json) {
            printf("{\"serial\": ");
            json_string(stdout, o.serial);
            printf(", \"checkpoint\": ");
            print_checkpoint(f, true, code);
            printf(", \"proofs\": [");
        } else {
            printf("serial %s: %zu event%s\n", o.serial, list.count, list.count == 1 ? "" : "s");
            print_checkpoint(f, false, code);
            if (o.cert)
                printf("  signature: ok (%s)\n", o.cert);
        }
    }
    for (size_t i = 0; s == VB_OK && i < list.count; i++) {
        const prove_event *e = &list.events[i];
        uint64_t index = e->sequence - 1;
        if (index >= f->row.size) {
            pending++;
            continue;
        }
        uint8_t leaf[VB_LOG_HASH_BYTES];
        s = vb_log_leaf_hash(e->entry, e->entry_length, leaf);
        if (s == VB_OK)
            s = vb_log_prove_inclusion(&source, index, f->row.size, proof, &err);
        if (s == VB_OK)
            s = vb_log_verify_inclusion(index, f->row.size, leaf, proof->hashes, proof->count, f->row.root, &err);
        if (s != VB_OK) {
            char why[sizeof err.message];
            snprintf(why, sizeof why, "%s", err.message);
            vb_fail(&err, s, "event %llu: its inclusion proof does not verify against checkpoint #%llu (%s); run "
                             "'vanbang-issue log verify'",
                    (unsigned long long)e->sequence, (unsigned long long)f->row.checkpoint_id, why);
            break;
        }
        char root[65], leaf_hex[65];
        hash_hex(f->row.root, root);
        hash_hex(leaf, leaf_hex);
        const char *kind = vb_register_event_kind_name(e->kind) ? vb_register_event_kind_name(e->kind) : "?";
        if (o.json) {
            printf("%s\n    {\"sequence\": %llu, \"kind\": \"%s\", \"record_id\": %llu, \"leaf_index\": %llu, "
                   "\"tree_size\": %llu, \"root\": \"%s\", \"entry\": \"",
                   proved ? "," : "", (unsigned long long)e->sequence, kind, (unsigned long long)e->record_id,
                   (unsigned long long)index, (unsigned long long)f->row.size, root);
            print_hex(stdout, e->entry, e->entry_length);
            printf("\", \"leaf_hash\": \"%s\", \"path\": ", leaf_hex);
            json_hashes(proof->hashes, proof->count);
            printf(", \"verified\": true}");
        } else {
            printf("\nevent %llu (%s, record %llu)\n", (unsigned long long)e->sequence, kind,
                   (unsigned long long)e->record_id);
            printf("  leaf index: %llu\n  tree size: %llu\n  root: %s\n  entry: ", (unsigned long long)index,
                   (unsigned long long)f->row.size, root);
            print_hex(stdout, e->entry, e->entry_length);
            printf("\n  leaf hash: %s\n  audit path (%zu hash%s, nearest the leaf first):\n", leaf_hex, proof->count,
                   proof->count == 1 ? "" : "es");
            text_hashes(proof->hashes, proof->count);
            printf("  verified: the path from this leaf gives the checkpoint's root\n");
        }
        proved++;
    }
    if (s == VB_OK) {
        if (o.json) {
            printf("%s], \"pending\": [", proved ? "\n" : "");
            bool first = true;
            for (size_t i = 0; i < list.count; i++)
                if (list.events[i].sequence > f->row.size) {
                    printf("%s%llu", first ? "" : ", ", (unsigned long long)list.events[i].sequence);
                    first = false;
                }
            printf("]}\n");
        } else {
            for (size_t i = 0; i < list.count; i++)
                if (list.events[i].sequence > f->row.size)
                    printf("\nevent %llu: entered after checkpoint #%llu; provable once a checkpoint covers it\n",
                           (unsigned long long)list.events[i].sequence, (unsigned long long)f->row.checkpoint_id);
        }
        if (!proved)
            s = vb_fail(&err, VB_ERR_REGISTER_NOT_FOUND,
                        "no event of serial %s is in a signed checkpoint yet (%llu pending)", o.serial,
                        (unsigned long long)pending);
    }
    if (reading)
        vb_register_rollback(reg);
    free(list.events);
    free(f);
    free(proof);
    log_free_cert(&school);
    vb_register_close(reg);
    if (s != VB_OK)
        return issuer_report(&err);
    return 0;
}

/* ---------------------------------------------------------------- consistency */

static const char consistency_help[] =
    "NAME\n"
    "    vanbang-issue log consistency — the consistency proof between two checkpoints\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue log consistency --register FILE --from SIZE [--to SIZE] [--cert school.crt] [--json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Proves that the log at the later checkpoint only added events after those of the earlier one\n"
    "    (RFC 9162 §2.1.4, FORMAT.md §9): prints both checkpoints and the proof, after verifying it here\n"
    "    as a verifier would. --from and --to are tree sizes of checkpoints the register keeps (see\n"
    "    'log checkpoints'); --to defaults to the latest checkpoint. With --cert both signatures are\n"
    "    checked first. Someone who kept the earlier checkpoint needs only the later one and the path.\n"
    "\n"
    "OUTPUT\n"
    "    Text: 'from' and 'to' checkpoints (number, size, time, root, signed COSE_Sign1 in hex), then\n"
    "    'consistency path (K hashes)', one hash a line, and 'verified'.\n"
    "    --json: {\"from\": CHECKPOINT, \"to\": CHECKPOINT, \"path\": [hex, …], \"verified\": true}, each\n"
    "    CHECKPOINT {\"id\", \"origin\", \"size\", \"time\", \"root\", \"signed\"}.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 proved; 1 no checkpoint of that size, or the proof does not verify (the log was\n"
    "    rewritten); 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue log consistency --register register.db --from 40 --to 68\n";

static int log_consistency(int argc, char **argv)
{
    log_options o;
    int status = log_parse("consistency", consistency_help, "cert from to json", argc, argv, &o);
    if (status)
        return status < 0 ? 0 : status;
    if (!o.has_from)
        return log_usage("consistency", "--from SIZE is required", NULL);
    if (o.from == 0)
        return log_usage("consistency", "--from must be a size from 1: a tree of no events commits to nothing",
                         NULL);
    if (o.has_to && o.to < o.from)
        return log_usage("consistency", "--to must not be below --from", NULL);

    vb_register *reg;
    vb_error err = {0};
    log_school_key school = {0};
    find_context *first = malloc(sizeof *first), *second = malloc(sizeof *second);
    vb_log_proof *proof = malloc(sizeof *proof);
    char code[VB_MAX_SCHOOL_CODE_BYTES + 1], name[VB_REGISTER_SCHOOL_NAME_BYTES];
    if (!first || !second || !proof) {
        free(first);
        free(second);
        free(proof);
        return ISSUER_EXIT_USAGE;
    }
    vb_status s = vb_register_open(o.register_path, &reg, &err);
    if (s != VB_OK) {
        free(first);
        free(second);
        free(proof);
        return issuer_report(&err);
    }
    bool reading = false;
    s = vb_register_school(reg, code, sizeof code, name, sizeof name, &err);
    if (s == VB_OK && o.cert)
        s = log_load_cert(o.cert, reg, &school, &err);
    if (s == VB_OK && (s = vb_register_begin_read(reg, &err)) == VB_OK)
        reading = true;
    if (s == VB_OK)
        s = locate_checkpoint(reg, o.cert ? &school : NULL, true, o.from, first, &err);
    if (s == VB_OK)
        s = locate_checkpoint(reg, o.cert ? &school : NULL, o.has_to, o.to, second, &err);
    if (s == VB_OK && second->row.size < first->row.size)
        s = vb_fail(&err, VB_ERR_ARGUMENT, "the latest checkpoint has size %llu, below --from %llu",
                    (unsigned long long)second->row.size, (unsigned long long)first->row.size);
    vb_log_source source;
    vb_register_log_source(reg, &source);
    if (s == VB_OK)
        s = vb_log_prove_consistency(&source, first->row.size, second->row.size, proof, &err);
    if (s == VB_OK) {
        s = vb_log_verify_consistency(first->row.size, second->row.size, first->row.root, second->row.root,
                                      proof->hashes, proof->count, &err);
        char why[sizeof err.message];
        snprintf(why, sizeof why, "%s", err.message);
        if (s != VB_OK)
            vb_fail(&err, s, "the consistency proof from checkpoint #%llu (size %llu) to #%llu (size %llu) does not "
                             "verify (%s): the log was rewritten; run 'vanbang-issue log verify'",
                    (unsigned long long)first->row.checkpoint_id, (unsigned long long)first->row.size,
                    (unsigned long long)second->row.checkpoint_id, (unsigned long long)second->row.size, why);
    }
    if (reading)
        vb_register_rollback(reg);
    if (s == VB_OK) {
        if (o.json) {
            printf("{\"from\": ");
            print_checkpoint(first, true, code);
            printf(", \"to\": ");
            print_checkpoint(second, true, code);
            printf(", \"path\": ");
            json_hashes(proof->hashes, proof->count);
            printf(", \"verified\": true}\n");
        } else {
            printf("from ");
            print_checkpoint(first, false, code);
            printf("to ");
            print_checkpoint(second, false, code);
            if (o.cert)
                printf("signatures: ok (%s)\n", o.cert);
            printf("consistency path (%zu hash%s):\n", proof->count, proof->count == 1 ? "" : "es");
            text_hashes(proof->hashes, proof->count);
            printf("verified: the log of size %llu extends the log of size %llu\n",
                   (unsigned long long)second->row.size, (unsigned long long)first->row.size);
        }
    }
    free(first);
    free(second);
    free(proof);
    log_free_cert(&school);
    vb_register_close(reg);
    return s == VB_OK ? 0 : issuer_report(&err);
}

/* ---------------------------------------------------------------- dispatch */

static const char log_help[] =
    "NAME\n"
    "    vanbang-issue log — the register's tamper-evident log: verify, prove, list checkpoints\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue log verify --register FILE [--cert school.crt]\n"
    "    vanbang-issue log prove --register FILE --serial SERIAL [--cert school.crt] [--json]\n"
    "    vanbang-issue log consistency --register FILE --from SIZE [--to SIZE] [--cert school.crt] [--json]\n"
    "    vanbang-issue log checkpoints --register FILE [--cert school.crt] [--json]\n"
    "\n"
    "DESCRIPTION\n"
    "    Every event of the register is a leaf of a Merkle tree (RFC 9162 style, FORMAT.md §9), and the\n"
    "    school signs a checkpoint of the tree after each batch and each life-cycle command. 'verify'\n"
    "    rebuilds the tree from the register and finds any row edited or deleted in the file; 'prove'\n"
    "    and 'consistency' print proofs that anyone holding a checkpoint can check. Each verb has its\n"
    "    own --help.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done; 1 a problem was found or a proof does not hold; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue log verify --register register.db --cert school/school.crt\n";

int issuer_log(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } verbs[] = {
        {"verify", log_verify},
        {"prove", log_prove},
        {"consistency", log_consistency},
        {"checkpoints", log_checkpoints},
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(log_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? ISSUER_EXIT_USAGE : 0;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return verbs[i].run(argc - 1, argv + 1);
    fprintf(stderr, ISSUER_PROGRAM " log: unknown verb '%s' (verify, prove, consistency, checkpoints).\n", argv[1]);
    return ISSUER_EXIT_USAGE;
}
