/*
 * issuer/upload.c — `vanbang-issue upload`: mirror the school's register to the national diploma
 * portal (the protocol of portal/portal.h, the signed formats of libvanbang/mirror.h), or write
 * the same events as a CSV file for a portal that only takes file uploads.
 *
 * How an upload goes:
 *   1. The key is unlocked once (one passphrase prompt). GET /api/v1/schools/CODE says how many
 *      events the portal holds (S) and their root.
 *   2. One pass over the register from event 1 keeps every event's leaf hash in memory (32 bytes
 *      an event, plus the perfect subtrees of 16 leaves and more, about 4 bytes an event): each
 *      leaf is the entry re-encoded from the event's ROW (vb_register_each_upload_row, the
 *      derivation `log verify` uses), not the entry stored beside it. A row edited in SQLite after
 *      the portal accepted it therefore no longer gives the leaves the portal holds, and the
 *      portal refuses what follows: the school cannot quietly rewrite what it published.
 *   3. Events S+1 … N go in batches: each a vb_mirror_batch with a freshly signed checkpoint of
 *      size first − 1 + count over those leaves and the consistency proof from first − 1, POSTed
 *      as application/cbor. A 200 moves the register's cursor for this portal (its own small
 *      transaction); the portal's answer, not the cursor, says where the next run starts. The
 *      next batch is read and signed while the one before is in flight (a sender thread does the
 *      HTTP), and goes only once the portal acknowledged that one: at most two signed batches
 *      are held.
 *   4. Unless --no-status, a fresh signed status list (the one `status export` writes) is PUT.
 *
 * Why killing it at any moment is harmless: the portal stores only the events that follow what
 * it holds, and answers the same batch bytes again with the same answer; a run starts from what
 * the portal says it holds, so an interrupted run is resumed by running it again, and nothing is
 * stored twice.
 *
 * Failures: a connection that fails or times out, 408, 429 and 5xx are retried with the SAME
 * signed bytes, after an exponential backoff with full jitter (0.5 s doubling, at most 30 s; a
 * Retry-After of the portal is honoured up to UPLOAD_RETRY_AFTER_CAP_SECONDS), until
 * --give-up-after seconds have passed since the request was first tried (exit status 3). A 409
 * mirror-sequence re-reads the portal's state and goes on from there. A 409 log-mismatch or
 * log-proof (or a root that differs from the register's at the portal's size, seen before any
 * batch) means the register no longer extends what the portal accepted: the school restates the
 * leaves it sent (a signed leaf statement), the portal names the events that differ, and the run
 * stops with exit status 1. A 422 lists the events the portal refused; 400, 401, 403, 413 print
 * the portal's reason. None of those is retried.
 *
 * The personal identification number travels in the batches (the national database is keyed by
 * it) and in the CSV file (created 0600, never replacing a file); it is never printed.
 */
#include "issuer.h"

#include "fileio.h"
#include "link.h"
#include "log.h"
#include "mirror.h"
#include "portal_answer.h"
#include "register.h"
#include "text.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UPLOAD_DEFAULT_TIMEOUT_SECONDS 30
#define UPLOAD_MAX_TIMEOUT_SECONDS 3600
#define UPLOAD_DEFAULT_GIVE_UP_SECONDS 600
#define UPLOAD_MAX_GIVE_UP_SECONDS 604800         /* a week */
#define UPLOAD_CONNECT_TIMEOUT_SECONDS 15L        /* at most; never above --timeout */
#define UPLOAD_ANSWER_LIMIT (1u << 20)            /* bytes of a portal's answer kept */
#define UPLOAD_BACKOFF_BASE_MS 500.0
#define UPLOAD_BACKOFF_CAP_MS 30000.0
#define UPLOAD_RETRY_AFTER_CAP_SECONDS 120
#define UPLOAD_SHOWN_PROBLEMS 100                 /* failing events printed; the rest are counted */
#define UPLOAD_NODE_LEVEL 4                       /* subtrees of 16 leaves and more are kept */
#define UPLOAD_MAX_SEQUENCE_RETRIES 5             /* 409 mirror-sequence in a row without progress */
#define UPLOAD_PREPARED_BATCHES 2                 /* signed batches held: one in flight, the next ready */
#define UPLOAD_CSV_CURSOR "csv"                   /* the cursor of `--csv` exports */

static const char upload_help[] =
    "NAME\n"
    "    vanbang-issue upload — mirror the register to the national diploma portal\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue upload --register FILE --key school.key --cert school.crt --portal URL\n"
    "                         [--batch-size N] [--timeout SECONDS] [--give-up-after SECONDS]\n"
    "                         [--cacert FILE] [--no-status] [--passphrase-fd N] [--quiet]\n"
    "    vanbang-issue upload --register FILE --portal URL --dry-run\n"
    "    vanbang-issue upload --register FILE --csv FILE.csv [--all] [--dry-run] [--quiet]\n"
    "\n"
    "DESCRIPTION\n"
    "    Sends the portal every event of the register it does not hold yet — issues, revocations,\n"
    "    corrections, copies — with the signed records and, beside each original, the personal\n"
    "    identification number (the national database is keyed by it). The portal is asked first\n"
    "    what it holds; the events after it go in batches, each signed with the school's key with a\n"
    "    checkpoint of the register's log and the proof that the log only grew since what the portal\n"
    "    accepted (FORMAT.md §9, mirror.h). Then, unless --no-status, a fresh signed status list (as\n"
    "    'status export' makes it) is sent. The passphrase is asked once.\n"
    "\n"
    "    Each event is sent as its row in the register says it is (the way 'log verify' rebuilds\n"
    "    it), so a row changed in the file after the portal accepted it makes the register's log\n"
    "    disagree with the portal's: the portal refuses the next batch, names the events that\n"
    "    differ, and the upload stops. Run 'vanbang-issue log verify' to see what changed.\n"
    "\n"
    "    Interrupting it is harmless: the portal keeps only the events that follow what it holds,\n"
    "    and the next run starts where the portal stands. A connection failure, a timeout, and the\n"
    "    portal's 408, 429 and 5xx answers are retried with the same signed bytes (exponential\n"
    "    backoff with jitter, 0.5 s doubling up to 30 s, honouring Retry-After), until\n"
    "    --give-up-after seconds have passed since the request was first tried.\n"
    "\n"
    "    After each batch the portal acknowledged, the register keeps the portal's size as the\n"
    "    upload cursor of that portal address (a setting): 'upload --dry-run' shows it.\n"
    "\n"
    "    --csv writes the events as CSV instead, for a portal that only takes files: one line per\n"
    "    event after the CSV cursor (all with --all), which then moves to the last event written.\n"
    "    Columns: sequence, kind (issue, revoke, correct, copy), time (UTC, ISO 8601), school,\n"
    "    serial, register_year, register_number, type, full_name, birth_date (dd/mm/yyyy), gender,\n"
    "    program_code, program_name, classification, issue_date, issue_place, record_id,\n"
    "    supersedes, reason, decision_number, decision_date, personal_id, link (the record's\n"
    "    verification link, from the register's base URL). RFC 4180: CRLF line ends, fields with a\n"
    "    comma, a quote or a line break quoted. The file holds personal identification numbers: it\n"
    "    is created with mode 0600, written under a temporary name and linked into place, and an\n"
    "    existing file is never replaced.\n"
    "\n"
    "OPTIONS\n"
    "    --register FILE        the school's register\n"
    "    --key, --cert          the school's signing key and certificate (the same that sign records)\n"
    "    --portal URL           the portal's address, https://… (http:// only on a test network)\n"
    "    --batch-size N         events per batch, 1 to 5000 (default 1000)\n"
    "    --timeout SECONDS      each request's time limit (default 30)\n"
    "    --give-up-after SECONDS  stop retrying a request this long after it was first tried\n"
    "                           (default 600; 0 tries once)\n"
    "    --cacert FILE          trust the portal's certificate through these CA certificates instead\n"
    "                           of the system's bundle (HTTPS is always verified)\n"
    "    --no-status            send no status list\n"
    "    --dry-run              send nothing: ask the portal what it holds (0 when it cannot be\n"
    "                           reached) and say what would be sent; with --csv, write nothing\n"
    "    --csv FILE             write the events as CSV instead of sending them (no key needed)\n"
    "    --all                  with --csv: every event, not only those after the CSV cursor\n"
    "    --passphrase-fd N      read the key's passphrase from file descriptor N\n"
    "    --quiet                print only errors (no progress bar, no summary)\n"
    "\n"
    "OUTPUT\n"
    "    A progress bar on a terminal, then 'uploaded N events in T s (R events/s); portal holds S'\n"
    "    and what became of the status list. Personal identification numbers are never printed.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 the portal holds every event of the register (or the file was written); 1 the portal\n"
    "    refused something, or the register no longer extends what the portal holds; 2 usage,\n"
    "    file or configuration errors (a certificate that does not verify, say); 3 the portal could\n"
    "    not be reached in time — run the same command again later, it resumes.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue upload --register register.db --key school/school.key \\\n"
    "        --cert school/school.crt --portal https://vanbang.gdnn.gov.vn\n"
    "    vanbang-issue upload --register register.db --portal https://vanbang.gdnn.gov.vn --dry-run\n"
    "    vanbang-issue upload --register register.db --csv upload-2026-07.csv\n";

typedef struct {
    const char *register_path, *key, *cert, *portal_given, *cacert, *csv;
    char portal[VB_REGISTER_UPLOAD_PORTAL_BYTES]; /* the address without trailing '/' */
    unsigned long long batch_size, timeout, give_up_after;
    int passphrase_fd;
    bool dry_run, no_status, quiet, all;
} upload_options;

static int upload_usage(const char *message, const char *value)
{
    return issuer_usage("upload", message, value);
}

/* ---------------------------------------------------------------- small helpers */

static double monotonic_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

static void sleep_seconds(double seconds)
{
    if (seconds <= 0)
        return;
    struct timespec wait = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    while (nanosleep(&wait, &wait) != 0 && errno == EINTR) {
    }
}

/* A uniform number in [0, 1): the jitter of a backoff (it need not be secret). */
static double random_unit(void)
{
    uint32_t bits = 0;
    if (RAND_bytes((unsigned char *)&bits, sizeof bits) != 1)
        bits = (uint32_t)time(NULL) * 2654435761u;
    return (double)bits / 4294967296.0;
}

/* Text from the portal, made safe to print: control characters become '?'. */
static void printable(const char *text, char *out, size_t out_size)
{
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p && used + 1 < out_size; p++)
        out[used++] = (*p < 0x20 || *p == 0x7f) ? '?' : (char)*p;
    out[used] = '\0';
}

static const char *plural(uint64_t n, const char *one, const char *many) { return n == 1 ? one : many; }

/* ---------------------------------------------------------------- HTTP (libcurl easy interface) */

typedef struct {
    long status;                /* the HTTP status; 0 when no answer came */
    CURLcode result;
    char *body;                 /* NUL-terminated; at most UPLOAD_ANSWER_LIMIT bytes */
    size_t length;
    bool too_long;              /* the answer was cut off at the limit */
    long retry_after;           /* seconds the portal asked to wait; 0 none */
    char failure[CURL_ERROR_SIZE + 96]; /* why no answer came */
} http_answer;

typedef struct {
    CURL *curl;                 /* one thread at a time: the sender thread's while batches go */
    const upload_options *options;
    issuer_progress *progress;  /* a bar being drawn, which notices must not run into */
    char error[CURL_ERROR_SIZE];
} upload_http;

static void http_answer_clear(http_answer *a)
{
    free(a->body);
    memset(a, 0, sizeof *a);
}

static size_t http_collect(char *data, size_t size, size_t count, void *context)
{
    http_answer *a = context;
    size_t n = size * count;
    if (n > UPLOAD_ANSWER_LIMIT - a->length) {
        a->too_long = true;
        return CURL_WRITEFUNC_ERROR;
    }
    char *grown = realloc(a->body, a->length + n + 1);
    if (!grown)
        return CURL_WRITEFUNC_ERROR;
    a->body = grown;
    memcpy(a->body + a->length, data, n);
    a->length += n;
    a->body[a->length] = '\0';
    return n;
}

/* A connection that never answered is worth trying again, except for what no retry mends. */
static bool curl_result_permanent(CURLcode result)
{
    switch (result) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE: return true;
    default: return false;
    }
}

static bool http_status_retryable(long status) { return status == 408 || status == 429 || status >= 500; }

/* One request. The answer is in *a: its status (0 when none came) and body. */
static void http_perform(upload_http *h, const char *method, const char *url, const uint8_t *body, size_t length,
                         http_answer *a)
{
    struct curl_slist *headers = NULL, *grown;
    CURL *c = h->curl;
    long connect_timeout = UPLOAD_CONNECT_TIMEOUT_SECONDS;
    http_answer_clear(a);
    h->error[0] = '\0';
    if ((long)h->options->timeout < connect_timeout)
        connect_timeout = (long)h->options->timeout;
    curl_easy_reset(c); /* keeps the open connections, so batches reuse one */
    grown = curl_slist_append(headers, "Accept: application/json");
    if (grown)
        headers = grown;
    if (body && (grown = curl_slist_append(headers, "Content-Type: application/cbor")))
        headers = grown;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)h->options->timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, connect_timeout);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (h->options->cacert)
        curl_easy_setopt(c, CURLOPT_CAINFO, h->options->cacert);
    curl_easy_setopt(c, CURLOPT_USERAGENT, ISSUER_PROGRAM " upload");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->error);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    if (body) {
        /* POSTFIELDS is not copied: body outlives the transfer. PUT sends it the same way. */
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)length);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    a->result = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (a->result == CURLE_OK || (a->result == CURLE_WRITE_ERROR && a->too_long))
        a->status = status;
    curl_off_t wait = 0;
    if (a->status && curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &wait) == CURLE_OK && wait > 0)
        a->retry_after = wait > UPLOAD_RETRY_AFTER_CAP_SECONDS ? UPLOAD_RETRY_AFTER_CAP_SECONDS : (long)wait;
    if (!a->status)
        snprintf(a->failure, sizeof a->failure, "%s", h->error[0] ? h->error : curl_easy_strerror(a->result));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
}

/* What an answer says in one line: "HTTP 503 (busy: try later)". */
static void http_describe(const http_answer *a, char *out, size_t out_size)
{
    vb_portal_answer parsed;
    char code[64], reason[512];
    if (!a->status) {
        snprintf(out, out_size, "no answer: %s", a->failure);
        return;
    }
    if (a->body && vb_portal_answer_parse(a->body, a->length, &parsed) && (parsed.code[0] || parsed.reason[0])) {
        printable(parsed.code, code, sizeof code);
        printable(parsed.reason, reason, sizeof reason);
        snprintf(out, out_size, "HTTP %ld%s%s%s%s%s", a->status, code[0] ? " " : "", code, reason[0] ? " (" : "",
                 reason, reason[0] ? ")" : "");
        return;
    }
    snprintf(out, out_size, "HTTP %ld%s", a->status, a->too_long ? " (an answer over 1 MiB, cut off)" : "");
}

typedef enum {
    EXCHANGE_ANSWERED,   /* an answer came that is not to be retried: the caller reads it */
    EXCHANGE_GAVE_UP,    /* every try failed until --give-up-after (or a single try, for --dry-run) */
    EXCHANGE_BROKEN,     /* a failure no retry mends: a certificate that does not verify, a bad URL */
} exchange_outcome;

/* Sends one request until it is answered, retrying the SAME bytes after a backoff with full
 * jitter, honouring Retry-After, for at most --give-up-after seconds since the first try.
 * `what` names the request in messages ("the batch of events 1..1000"). */
static exchange_outcome http_exchange(upload_http *h, const char *what, const char *method, const char *url,
                                      const uint8_t *body, size_t length, bool retry, http_answer *a,
                                      unsigned *attempts, double *elapsed)
{
    double start = monotonic_seconds(), deadline = start + (double)h->options->give_up_after;
    char why[sizeof a->failure + 64];
    for (unsigned attempt = 0;; attempt++) {
        http_perform(h, method, url, body, length, a);
        *attempts = attempt + 1;
        *elapsed = monotonic_seconds() - start;
        if (a->status && !http_status_retryable(a->status))
            return EXCHANGE_ANSWERED;
        if (!a->status && curl_result_permanent(a->result))
            return EXCHANGE_BROKEN;
        if (!retry)
            return EXCHANGE_GAVE_UP;
        double ceiling = UPLOAD_BACKOFF_BASE_MS * (double)(1ull << (attempt < 20 ? attempt : 20));
        if (ceiling > UPLOAD_BACKOFF_CAP_MS)
            ceiling = UPLOAD_BACKOFF_CAP_MS;
        double delay = random_unit() * ceiling / 1000.0, remaining = deadline - monotonic_seconds();
        if (a->retry_after && delay < (double)a->retry_after)
            delay = (double)a->retry_after;
        /* the last try comes at the deadline, unless the portal asked to wait beyond it */
        if (remaining <= 0 || (a->retry_after && (double)a->retry_after > remaining))
            return EXCHANGE_GAVE_UP;
        if (delay > remaining)
            delay = remaining;
        if (!h->options->quiet) {
            http_describe(a, why, sizeof why);
            if (h->progress && h->progress->enabled)
                fputc('\n', stderr); /* the bar goes on below the notice */
            fprintf(stderr, ISSUER_PROGRAM " upload: %s: %s; trying again in %.1f s\n", what, why, delay);
        }
        sleep_seconds(delay);
    }
}

/* Ends the progress bar's line once, before a message that ends the run. */
static void progress_close(issuer_progress *progress)
{
    issuer_progress_finish(progress);
    progress->enabled = false;
}

/* ---------------------------------------------------------------- the register's leaves in memory */

typedef struct {
    uint8_t *leaves;            /* count × 32: leaf i is event i + 1 */
    uint8_t *kinds;             /* count: each event's kind */
    uint64_t count, capacity;
    uint8_t *nodes[64];         /* nodes[l], l ≥ UPLOAD_NODE_LEVEL: the perfect subtrees of 2^l leaves */
    uint64_t node_count[64], node_capacity[64];
    vb_log_builder builder;
} upload_tree;

static void tree_free(upload_tree *t)
{
    free(t->leaves);
    free(t->kinds);
    for (int l = 0; l < 64; l++)
        free(t->nodes[l]);
    memset(t, 0, sizeof *t);
}

static vb_status tree_keep_node(void *context, unsigned level, uint64_t index, const uint8_t hash[VB_LOG_HASH_BYTES])
{
    upload_tree *t = context;
    if (level < UPLOAD_NODE_LEVEL || level >= 64)
        return VB_OK;
    if (index != t->node_count[level])
        return VB_ERR_ARGUMENT; /* nodes of a level arrive in order */
    if (t->node_count[level] == t->node_capacity[level]) {
        uint64_t capacity = t->node_capacity[level] ? 2 * t->node_capacity[level] : 64;
        uint8_t *grown = realloc(t->nodes[level], capacity * VB_LOG_HASH_BYTES);
        if (!grown)
            return VB_ERR_NOMEM;
        t->nodes[level] = grown;
        t->node_capacity[level] = capacity;
    }
    memcpy(t->nodes[level] + index * VB_LOG_HASH_BYTES, hash, VB_LOG_HASH_BYTES);
    t->node_count[level]++;
    return VB_OK;
}

static vb_status tree_leaf(void *context, uint64_t index, uint8_t out[VB_LOG_HASH_BYTES])
{
    const upload_tree *t = context;
    if (index >= t->count)
        return VB_ERR_ARGUMENT;
    memcpy(out, t->leaves + index * VB_LOG_HASH_BYTES, VB_LOG_HASH_BYTES);
    return VB_OK;
}

static vb_status tree_subtree(void *context, unsigned level, uint64_t index, uint8_t out[VB_LOG_HASH_BYTES],
                              bool *found)
{
    const upload_tree *t = context;
    *found = level >= UPLOAD_NODE_LEVEL && level < 64 && index < t->node_count[level];
    if (*found)
        memcpy(out, t->nodes[level] + index * VB_LOG_HASH_BYTES, VB_LOG_HASH_BYTES);
    return VB_OK;
}

static void tree_source(upload_tree *t, vb_log_source *source)
{
    source->leaf = tree_leaf;
    source->subtree = tree_subtree;
    source->context = t;
}

static vb_status tree_add(void *context, const vb_register_upload_row *row, vb_error *err)
{
    upload_tree *t = context;
    const vb_register_event *e = &row->row.event;
    uint8_t leaf[VB_LOG_HASH_BYTES];
    if (e->sequence != t->count + 1) {
        if (e->sequence <= t->count)
            return vb_fail(err, VB_ERR_REGISTER, "event %llu appears twice in the register; run 'vanbang-issue log "
                                                 "verify'",
                           (unsigned long long)e->sequence);
        return vb_fail(err, VB_ERR_REGISTER, "events %llu..%llu are missing from the register (deleted?); run "
                                             "'vanbang-issue log verify'",
                       (unsigned long long)t->count + 1, (unsigned long long)e->sequence - 1);
    }
    if (t->count == t->capacity) {
        uint64_t capacity = t->capacity ? 2 * t->capacity : 1024;
        uint8_t *leaves = realloc(t->leaves, capacity * VB_LOG_HASH_BYTES);
        if (leaves)
            t->leaves = leaves;
        uint8_t *kinds = leaves ? realloc(t->kinds, capacity) : NULL;
        if (!kinds)
            return vb_fail(err, VB_ERR_NOMEM, "out of memory holding the leaves of %llu events",
                           (unsigned long long)capacity);
        t->kinds = kinds;
        t->capacity = capacity;
    }
    vb_status s = vb_log_leaf_hash(row->entry, row->entry_length, leaf);
    if (s == VB_OK)
        s = vb_log_builder_add_emitting(&t->builder, leaf, tree_keep_node, t);
    if (s != VB_OK)
        return vb_fail(err, s, "cannot add event %llu to the log in memory (%s)", (unsigned long long)e->sequence,
                       vb_status_name(s));
    memcpy(t->leaves + t->count * VB_LOG_HASH_BYTES, leaf, VB_LOG_HASH_BYTES);
    t->kinds[t->count] = (uint8_t)(e->kind >= 1 && e->kind <= VB_EVENT_MAX ? e->kind : 0);
    t->count++;
    return VB_OK;
}

/* Counts the events first … last by kind into counts[kind]. */
static void tree_count_kinds(const upload_tree *t, uint64_t first, uint64_t last, uint64_t counts[VB_EVENT_MAX + 1])
{
    memset(counts, 0, (VB_EVENT_MAX + 1) * sizeof counts[0]);
    for (uint64_t sequence = first; sequence <= last && sequence <= t->count; sequence++)
        counts[t->kinds[sequence - 1]]++;
}

static void describe_kinds(const uint64_t counts[VB_EVENT_MAX + 1], char *out, size_t out_size)
{
    static const char *const names[VB_EVENT_MAX + 1] = {"unknown", "issue", "revoke", "correct", "copy"};
    size_t used = 0;
    out[0] = '\0';
    for (int kind = 1; kind <= VB_EVENT_MAX + 1; kind++) {
        int k = kind % (VB_EVENT_MAX + 1); /* unknown last */
        if (!counts[k] || used >= out_size)
            continue;
        used += (size_t)snprintf(out + used, out_size - used, "%s%llu %s", used ? ", " : "",
                                 (unsigned long long)counts[k], names[k]);
    }
}

/* ---------------------------------------------------------------- the run */

typedef struct {
    upload_options *options;
    vb_register *reg;
    char school[VB_MAX_SCHOOL_CODE_BYTES + 1];
    vb_cose_signer signer;
    bool signer_ready;
    upload_http http;
    upload_tree tree;
    vb_log_source source;
    uint64_t portal_size;       /* what the portal last said it holds */
    bool portal_has_root;
    uint8_t portal_root[VB_LOG_HASH_BYTES];
    uint64_t acknowledged;      /* events the portal took during this run */
    bool counted;               /* the register's events are in `tree` */
    double started;
    issuer_progress progress;
} upload_run;

static char *portal_url(const upload_run *u, const char *suffix)
{
    size_t size = strlen(u->options->portal) + strlen(suffix) + strlen(u->school) + 32;
    char *url = malloc(size);
    if (url)
        snprintf(url, size, "%s/api/v1/schools/%s%s", u->options->portal, u->school, suffix);
    return url;
}

/* Reports a request that could not be completed and returns the exit status for it. */
static int report_unanswered(const upload_run *u, exchange_outcome outcome, const char *what, const http_answer *a,
                             unsigned attempts, double elapsed)
{
    char why[sizeof a->failure + 600];
    http_describe(a, why, sizeof why);
    if (outcome == EXCHANGE_BROKEN) {
        fprintf(stderr, ISSUER_PROGRAM " upload: %s: %s. Check --portal%s; nothing more was sent.\n", what, why,
                a->result == CURLE_PEER_FAILED_VERIFICATION || a->result == CURLE_SSL_CACERT_BADFILE
                    ? " and --cacert (the portal's certificate must verify)"
                    : "");
        return ISSUER_EXIT_USAGE;
    }
    fprintf(stderr, ISSUER_PROGRAM " upload: gave up after %.1f s and %u attempt%s: %s: %s.\n", elapsed, attempts,
            plural(attempts, "", "s"), what, why);
    if (u->counted)
        fprintf(stderr, ISSUER_PROGRAM " upload: %llu event%s acknowledged in this run; the portal holds %llu of the "
                        "register's %llu.",
                (unsigned long long)u->acknowledged, plural(u->acknowledged, "", "s"),
                (unsigned long long)u->portal_size, (unsigned long long)u->tree.count);
    else
        fprintf(stderr, ISSUER_PROGRAM " upload: nothing was sent.");
    fprintf(stderr, " Run the same command again later: it resumes where the portal stands.\n");
    return ISSUER_EXIT_RETRY;
}

/* An answer the uploader did not expect: its status and reason, exit 1. */
static int report_refusal(const char *what, const http_answer *a)
{
    char why[1024];
    http_describe(a, why, sizeof why);
    fprintf(stderr, ISSUER_PROGRAM " upload: the portal refused %s: %s%s\n", what, why,
            a->status == 404 ? ". Is --portal the portal's address?"
            : a->status == 401 || a->status == 403
                ? ". The portal does not take this school's key: is its certificate in the portal's trust list?"
                : "");
    return ISSUER_EXIT_REFUSED;
}

/* GET /api/v1/schools/CODE: what the portal holds. Returns 0, or an exit status. */
static int portal_state(upload_run *u, bool retry, bool *reachable)
{
    http_answer a = {0};
    vb_portal_answer parsed;
    unsigned attempts = 0;
    double elapsed = 0;
    int status = 0;
    char what[96];
    char *url = portal_url(u, "");
    *reachable = false;
    if (!url) {
        fprintf(stderr, ISSUER_PROGRAM ": out of memory\n");
        return ISSUER_EXIT_USAGE;
    }
    snprintf(what, sizeof what, "asking the portal what it holds of %s", u->school);
    exchange_outcome outcome = http_exchange(&u->http, what, "GET", url, NULL, 0, retry, &a, &attempts, &elapsed);
    if (outcome != EXCHANGE_ANSWERED) {
        if (retry || outcome == EXCHANGE_BROKEN)
            status = report_unanswered(u, outcome, what, &a, attempts, elapsed);
        else if (!u->options->quiet) {
            char why[sizeof a.failure + 600];
            http_describe(&a, why, sizeof why);
            printf("the portal could not be reached (%s): assuming it holds nothing\n", why);
        }
    } else if (a.status == 404) {
        /* a school the portal never heard of holds nothing there; the first batch says more */
        *reachable = true;
        u->portal_size = 0;
        u->portal_has_root = false;
    } else if (a.status != 200) {
        status = report_refusal("to say what it holds", &a);
    } else if (!vb_portal_answer_parse(a.body, a.length, &parsed) || !parsed.has_size) {
        fprintf(stderr, ISSUER_PROGRAM " upload: %s: the answer is not the JSON the portal protocol defines (no "
                        "size)\n",
                what);
        status = ISSUER_EXIT_REFUSED;
    } else {
        *reachable = true;
        u->portal_size = parsed.size;
        u->portal_has_root = parsed.has_root;
        memcpy(u->portal_root, parsed.root, sizeof u->portal_root);
    }
    http_answer_clear(&a);
    free(url);
    return status;
}

/* ---- batches */

typedef struct {
    uint8_t entry[VB_REGISTER_ENTRY_MAX_BYTES];
    uint8_t record[VB_MAX_RECORD_BYTES];
    char serial[VB_TEXT_FIELD]; /* to name the event when the portal refuses it */
} upload_event;

typedef struct {
    upload_event *events;
    vb_mirror_event *mirror;
    size_t capacity, count;
    uint64_t first, last;       /* the events wanted: first … last */
    const upload_tree *tree;
    bool full;                  /* the walk was stopped on purpose */
} batch_collector;

static vb_status collect_event(void *context, const vb_register_upload_row *row, vb_error *err)
{
    batch_collector *b = context;
    const vb_register_event *e = &row->row.event;
    uint8_t leaf[VB_LOG_HASH_BYTES];
    uint64_t expected = b->first + b->count;
    if (e->sequence > b->last || b->count == b->capacity) {
        b->full = true;
        return VB_ERR_ARGUMENT; /* stops the walk: the batch is whole */
    }
    if (e->sequence != expected)
        return vb_fail(err, VB_ERR_REGISTER, "event %llu is missing from the register (the next is %llu); run "
                                             "'vanbang-issue log verify'",
                       (unsigned long long)expected, (unsigned long long)e->sequence);
    /* The leaves were read at the start; a row changed since would be sent with a checkpoint over
     * other leaves. */
    vb_status s = vb_log_leaf_hash(row->entry, row->entry_length, leaf);
    if (s != VB_OK)
        return vb_fail(err, s, "cannot hash event %llu", (unsigned long long)e->sequence);
    if (memcmp(leaf, b->tree->leaves + (e->sequence - 1) * VB_LOG_HASH_BYTES, VB_LOG_HASH_BYTES) != 0)
        return vb_fail(err, VB_ERR_REGISTER, "event %llu changed in the register while it was being uploaded; run "
                                             "'vanbang-issue log verify', then upload again",
                       (unsigned long long)e->sequence);
    if (e->kind != VB_EVENT_REVOKE && !row->record)
        return vb_fail(err, VB_ERR_REGISTER, "event %llu (%s of record %llu) names a record the register does not "
                                             "hold; run 'vanbang-issue log verify'",
                       (unsigned long long)e->sequence, vb_register_event_kind_name(e->kind),
                       (unsigned long long)e->record_id);
    if (row->record_length > VB_MAX_RECORD_BYTES)
        return vb_fail(err, VB_ERR_REGISTER, "event %llu: its record is over %d bytes", (unsigned long long)e->sequence,
                       VB_MAX_RECORD_BYTES);
    upload_event *event = &b->events[b->count];
    vb_mirror_event *m = &b->mirror[b->count];
    memcpy(event->entry, row->entry, row->entry_length);
    memset(m, 0, sizeof *m);
    m->entry = event->entry;
    m->entry_length = row->entry_length;
    if (row->record) {
        memcpy(event->record, row->record, row->record_length);
        m->record = event->record;
        m->record_length = row->record_length;
    }
    snprintf(m->personal_id, sizeof m->personal_id, "%s", row->personal_id);
    snprintf(event->serial, sizeof event->serial, "%s", row->row.serial);
    b->count++;
    return VB_OK;
}

/* Signs the batch of events b->first … first + count − 1: a checkpoint of that size over the
 * leaves in memory, the consistency proof from first − 1, and the batch itself. */
static vb_status sign_batch(upload_run *u, const batch_collector *b, uint8_t **out, size_t *out_length,
                            vb_error *err)
{
    uint8_t checkpoint_bytes[VB_LOG_MAX_CHECKPOINT_BYTES];
    size_t checkpoint_length = 0;
    vb_log_checkpoint checkpoint;
    vb_mirror_batch batch;
    memset(&checkpoint, 0, sizeof checkpoint);
    memset(&batch, 0, sizeof batch);
    snprintf(checkpoint.origin, sizeof checkpoint.origin, "%s", u->school);
    checkpoint.size = b->first - 1 + b->count;
    checkpoint.time = (uint64_t)time(NULL);
    vb_status s = vb_log_root(&u->source, checkpoint.size, checkpoint.root, err);
    if (s == VB_OK)
        s = vb_log_checkpoint_sign(&u->signer, &checkpoint, checkpoint_bytes, sizeof checkpoint_bytes,
                                   &checkpoint_length, err);
    if (s == VB_OK && b->first > 1)
        s = vb_log_prove_consistency(&u->source, b->first - 1, checkpoint.size, &batch.proof, err);
    if (s != VB_OK)
        return s;
    snprintf(batch.school, sizeof batch.school, "%s", u->school);
    batch.first = b->first;
    batch.count = b->count;
    batch.events = b->mirror;
    batch.checkpoint = checkpoint_bytes;
    batch.checkpoint_length = checkpoint_length;
    batch.time = checkpoint.time;
    return vb_mirror_batch_sign(&u->signer, &batch, out, out_length, err);
}

/* The register no longer extends what the portal holds: restate the leaves 1 … held (signed
 * leaf statements), print the events the portal says differ, exit 1. */
static int report_rewritten(upload_run *u, uint64_t held, const char *how)
{
    char *url = portal_url(u, "/leaves");
    uint64_t differ_total = 0, first_differ = 0, compared = 0, shown = 0;
    int status = ISSUER_EXIT_REFUSED;
    bool complete = true;
    if (!url) {
        fprintf(stderr, ISSUER_PROGRAM ": out of memory\n");
        return ISSUER_EXIT_USAGE;
    }
    if (held > u->tree.count)
        held = u->tree.count; /* the portal holds more than the register: compare what both have */
    fprintf(stderr, ISSUER_PROGRAM " upload: %s: the register no longer extends the %llu event%s the portal "
                    "holds; asking the portal which differ\n",
            how, (unsigned long long)held, plural(held, "", "s"));
    for (uint64_t first = 1; first <= held; first += VB_MIRROR_MAX_LEAVES) {
        uint64_t count = held - first + 1 < VB_MIRROR_MAX_LEAVES ? held - first + 1 : VB_MIRROR_MAX_LEAVES;
        vb_mirror_leaves statement;
        vb_error err = {0};
        uint8_t *signed_bytes = NULL;
        size_t signed_length = 0;
        http_answer a = {0};
        vb_portal_answer parsed;
        unsigned attempts = 0;
        double elapsed = 0;
        char what[96];
        memset(&statement, 0, sizeof statement);
        snprintf(statement.school, sizeof statement.school, "%s", u->school);
        statement.first = first;
        statement.count = (size_t)count;
        statement.leaves = u->tree.leaves + (first - 1) * VB_LOG_HASH_BYTES;
        statement.time = (uint64_t)time(NULL);
        snprintf(what, sizeof what, "the leaf statement of events %llu..%llu", (unsigned long long)first,
                 (unsigned long long)(first + count - 1));
        if (vb_mirror_leaves_sign(&u->signer, &statement, &signed_bytes, &signed_length, &err) != VB_OK) {
            fprintf(stderr, ISSUER_PROGRAM " upload: cannot sign %s: %s\n", what, err.message);
            complete = false;
            break;
        }
        exchange_outcome outcome =
            http_exchange(&u->http, what, "POST", url, signed_bytes, signed_length, true, &a, &attempts, &elapsed);
        if (outcome != EXCHANGE_ANSWERED) {
            report_unanswered(u, outcome, what, &a, attempts, elapsed);
            complete = false;
        } else if (a.status != 200 || !vb_portal_answer_parse(a.body, a.length, &parsed)) {
            report_refusal(what, &a);
            complete = false;
        } else {
            compared += parsed.has_compared ? parsed.compared : count;
            differ_total += parsed.item_total;
            for (size_t i = 0; i < parsed.item_count && shown < UPLOAD_SHOWN_PROBLEMS; i++, shown++) {
                char serial[VB_TEXT_FIELD];
                printable(parsed.items[i].serial, serial, sizeof serial);
                if (!first_differ || parsed.items[i].sequence < first_differ)
                    first_differ = parsed.items[i].sequence;
                fprintf(stderr, "event %llu%s%s%s: differs from what the portal holds\n",
                        (unsigned long long)parsed.items[i].sequence, serial[0] ? " (serial " : "", serial,
                        serial[0] ? ")" : "");
            }
        }
        http_answer_clear(&a);
        OPENSSL_cleanse(signed_bytes, signed_length);
        free(signed_bytes);
        if (!complete)
            break;
    }
    free(url);
    if (differ_total > shown)
        fprintf(stderr, "… and %llu more events\n", (unsigned long long)(differ_total - shown));
    if (first_differ)
        fprintf(stderr, ISSUER_PROGRAM " upload: the register differs from what the portal holds at event %llu "
                        "(%llu event%s of %llu compared); run 'vanbang-issue log verify'. Nothing more was "
                        "sent.\n",
                (unsigned long long)first_differ, (unsigned long long)differ_total,
                plural(differ_total, " differs", "s differ"),
                (unsigned long long)compared);
    else
        fprintf(stderr, ISSUER_PROGRAM " upload: the register differs from what the portal holds%s; run "
                        "'vanbang-issue log verify'. Nothing more was sent.\n",
                complete ? " (the portal named no event: the difference may lie in the order of events)" : "");
    return status;
}

/* The register against what the portal holds, before sending more. Returns 0, or
 * an exit status. */
static int check_portal_prefix(upload_run *u)
{
    uint8_t root[VB_LOG_HASH_BYTES];
    vb_error err = {0};
    if (u->portal_size > u->tree.count) {
        fprintf(stderr, ISSUER_PROGRAM " upload: the portal holds %llu events of %s, but the register only %llu: "
                        "was it restored from an older backup? Restore the latest one, then run 'vanbang-issue log "
                        "verify'. Nothing was sent.\n",
                (unsigned long long)u->portal_size, u->school, (unsigned long long)u->tree.count);
        return ISSUER_EXIT_REFUSED;
    }
    if (!u->portal_size || !u->portal_has_root)
        return 0;
    if (vb_log_root(&u->source, u->portal_size, root, &err) != VB_OK)
        return issuer_report(&err);
    if (memcmp(root, u->portal_root, sizeof root) == 0)
        return 0;
    if (!u->signer_ready) { /* a dry run: say so, send nothing */
        fprintf(stderr, ISSUER_PROGRAM " upload: the register's log at size %llu does not give the root the portal "
                        "holds: the register no longer extends what the portal accepted; run 'vanbang-issue log "
                        "verify'\n",
                (unsigned long long)u->portal_size);
        return ISSUER_EXIT_REFUSED;
    }
    return report_rewritten(u, u->portal_size, "before sending");
}

/* ---- sending: the next batch prepared while the one before is in flight
 *
 * The portal takes only the events that follow what it holds, so batches go one after another,
 * each once the portal acknowledged the one before. Between two answers the run has work of its
 * own: reading and checking the next batch's rows, signing it, storing the cursor. The run's
 * thread does that work while a sender thread has the batch before in flight, so the portal is
 * not left waiting for it. The register and the signer stay on the run's thread (a register
 * handle is for one thread at a time); the sender thread only exchanges signed bytes with the
 * portal, retries included, and sends the batch prepared next only when the answer to the one
 * before said the portal holds exactly up to that batch's last event. Any other answer halts it:
 * the run reads that answer as if nothing had been prepared, and what was prepared, never sent,
 * is thrown away (the next batch is made again from where the portal stands). At most
 * UPLOAD_PREPARED_BATCHES signed batches are held at once. */

/* A signed batch, then what became of it. */
typedef struct {
    uint64_t first, last;
    uint8_t *signed_bytes;          /* holds personal identification numbers: cleansed before it is freed */
    size_t signed_length;
    char (*serials)[VB_TEXT_FIELD]; /* of events first … last, to name one the portal refuses */
    char what[96];                  /* "the batch of events 1..1000", for messages */
    /* written by the sender thread; read here once the batch is answered */
    exchange_outcome outcome;
    http_answer answer;
    unsigned attempts;
    double elapsed;
    bool acknowledged;              /* answered 200 holding exactly up to `last`: the next may go */
} upload_batch;

static void batch_free(upload_batch *batch)
{
    if (!batch)
        return;
    http_answer_clear(&batch->answer);
    if (batch->signed_bytes) {
        OPENSSL_cleanse(batch->signed_bytes, batch->signed_length);
        free(batch->signed_bytes);
    }
    free(batch->serials);
    free(batch);
}

/* Reads, checks and signs the events from `first` (at most --batch-size, at most to the
 * register's last) into a new batch *out. */
static vb_status batch_prepare(upload_run *u, batch_collector *b, uint64_t first, upload_batch **out, vb_error *err)
{
    upload_batch *batch = NULL;
    *out = NULL;
    b->first = first;
    b->last = u->tree.count;
    b->count = 0;
    b->full = false;
    vb_status s = vb_register_each_upload_row(u->reg, b->first, collect_event, b, err);
    if (s != VB_OK && b->full)
        s = VB_OK;
    if (s == VB_OK && b->count < b->capacity && b->first + b->count <= b->last)
        s = vb_fail(err, VB_ERR_REGISTER, "events %llu..%llu are missing from the register; run 'vanbang-issue "
                                          "log verify'",
                    (unsigned long long)(b->first + b->count), (unsigned long long)b->last);
    if (s == VB_OK &&
        (!(batch = calloc(1, sizeof *batch)) || !(batch->serials = calloc(b->count, sizeof *batch->serials))))
        s = vb_fail(err, VB_ERR_NOMEM, "out of memory for a batch of %zu events", b->count);
    if (s == VB_OK)
        s = sign_batch(u, b, &batch->signed_bytes, &batch->signed_length, err);
    OPENSSL_cleanse(b->mirror, b->capacity * sizeof *b->mirror); /* it holds personal identification numbers */
    if (s != VB_OK) {
        batch_free(batch);
        return s;
    }
    batch->first = first;
    batch->last = first + b->count - 1;
    for (size_t i = 0; i < b->count; i++)
        memcpy(batch->serials[i], b->events[i].serial, sizeof batch->serials[i]);
    snprintf(batch->what, sizeof batch->what, "the batch of events %llu..%llu", (unsigned long long)batch->first,
             (unsigned long long)batch->last);
    *out = batch;
    return VB_OK;
}

/* Whether the answer says the portal now holds exactly up to the batch's last event, so the
 * batch prepared to start after it may be sent at once. Any other answer is for the run to read
 * before anything more is sent. */
static bool batch_acknowledged(const upload_batch *batch)
{
    vb_portal_answer *parsed = malloc(sizeof *parsed);
    bool acknowledged = parsed && batch->outcome == EXCHANGE_ANSWERED && batch->answer.status == 200 &&
                        vb_portal_answer_parse(batch->answer.body, batch->answer.length, parsed) &&
                        parsed->has_size && parsed->size == batch->last;
    free(parsed);
    return acknowledged;
}

typedef struct {
    upload_http *http;
    const char *url;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;     /* a batch was queued or answered, or the sender is to stop */
    upload_batch *batches[UPLOAD_PREPARED_BATCHES]; /* in order; the first `answered` have their answer */
    size_t count, answered;
    bool halted;                /* an answer did not acknowledge its batch: send nothing until it is taken */
    bool stopping;
} batch_sender;

static void *sender_main(void *context)
{
    batch_sender *s = context;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->stopping && (s->halted || s->answered == s->count))
            pthread_cond_wait(&s->changed, &s->lock);
        if (s->stopping)
            break;
        upload_batch *batch = s->batches[s->answered];
        pthread_mutex_unlock(&s->lock);
        batch->outcome = http_exchange(s->http, batch->what, "POST", s->url, batch->signed_bytes,
                                       batch->signed_length, true, &batch->answer, &batch->attempts, &batch->elapsed);
        batch->acknowledged = batch_acknowledged(batch);
        pthread_mutex_lock(&s->lock);
        s->answered++;
        s->halted = !batch->acknowledged;
        pthread_cond_broadcast(&s->changed);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Starts the sender thread; 0 or an errno value. */
static int sender_start(batch_sender *s, upload_http *http, const char *url)
{
    memset(s, 0, sizeof *s);
    s->http = http;
    s->url = url;
    int rc = pthread_mutex_init(&s->lock, NULL);
    if (rc != 0)
        return rc;
    if ((rc = pthread_cond_init(&s->changed, NULL)) != 0) {
        pthread_mutex_destroy(&s->lock);
        return rc;
    }
    if ((rc = pthread_create(&s->thread, NULL, sender_main, s)) != 0) {
        pthread_cond_destroy(&s->changed);
        pthread_mutex_destroy(&s->lock);
    }
    return rc;
}

/* Lets the thread finish the exchange it is in, if any, ends it and frees what is left. */
static void sender_stop(batch_sender *s)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    for (size_t i = 0; i < s->count; i++)
        batch_free(s->batches[i]);
    s->count = s->answered = 0;
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->lock);
}

/* Queues a batch (there must be room): it is sent once the batches before it are acknowledged. */
static void sender_submit(batch_sender *s, upload_batch *batch)
{
    pthread_mutex_lock(&s->lock);
    s->batches[s->count++] = batch;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

/* How many batches the sender holds, and whether the oldest is answered. */
static void sender_state(batch_sender *s, size_t *held, bool *answered)
{
    pthread_mutex_lock(&s->lock);
    *held = s->count;
    *answered = s->answered > 0;
    pthread_mutex_unlock(&s->lock);
}

/* The oldest batch, once it is answered (the sender must hold one); the caller frees it. When
 * the answer did not acknowledge it, the batches prepared after it were never sent: they are
 * thrown away, and the sender takes new ones. */
static upload_batch *sender_take(batch_sender *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->answered == 0)
        pthread_cond_wait(&s->changed, &s->lock);
    upload_batch *batch = s->batches[0];
    memmove(s->batches, s->batches + 1, (s->count - 1) * sizeof s->batches[0]);
    s->count--;
    s->answered--;
    if (!batch->acknowledged) {
        for (size_t i = 0; i < s->count; i++)
            batch_free(s->batches[i]);
        s->count = s->answered = 0;
        s->halted = false;
    }
    pthread_mutex_unlock(&s->lock);
    return batch;
}

/* What the run makes of a batch's answer (the register's cursor, the progress bar, the portal's
 * reasons). Returns 0 to go on (from u->portal_size), or an exit status. */
static int batch_answered(upload_run *u, const upload_batch *batch, uint64_t *sequence_retries,
                          uint64_t progress_base)
{
    const upload_options *o = u->options;
    const http_answer *a = &batch->answer;
    const char *what = batch->what;
    vb_error err = {0};
    vb_portal_answer parsed;
    int status = 0;
    bool parsed_ok = batch->outcome == EXCHANGE_ANSWERED && vb_portal_answer_parse(a->body, a->length, &parsed);
    if (batch->outcome != EXCHANGE_ANSWERED || a->status != 200)
        progress_close(&u->progress);
    if (batch->outcome != EXCHANGE_ANSWERED) {
        status = report_unanswered(u, batch->outcome, what, a, batch->attempts, batch->elapsed);
    } else if (a->status == 200) {
        if (!parsed_ok || !parsed.has_size || parsed.size > u->tree.count) {
            fprintf(stderr, ISSUER_PROGRAM " upload: %s: the portal's answer (HTTP 200) %s\n", what,
                    !parsed_ok || !parsed.has_size ? "is not the JSON the portal protocol defines"
                                                   : "holds more events than the register");
            status = ISSUER_EXIT_REFUSED;
        } else {
            if (parsed.size > u->portal_size) {
                u->acknowledged += parsed.size - u->portal_size;
                *sequence_retries = 0;
            } else if (++*sequence_retries > UPLOAD_MAX_SEQUENCE_RETRIES) {
                fprintf(stderr, ISSUER_PROGRAM " upload: %s: the portal accepted it but still holds %llu events; "
                                "stopping\n",
                        what, (unsigned long long)parsed.size);
                status = ISSUER_EXIT_REFUSED;
            }
            u->portal_size = parsed.size;
            if (vb_register_set_upload_cursor(u->reg, o->portal, parsed.size, &err) != VB_OK) {
                /* the portal holds the events whatever the register says: go on */
                fprintf(stderr, ISSUER_PROGRAM " upload: warning: the upload cursor was not saved: %s\n",
                        err.message);
            }
            if (u->portal_size >= progress_base)
                issuer_progress_update(&u->progress, u->portal_size - progress_base);
        }
    } else if (a->status == 409 && parsed_ok && strcmp(parsed.code, "mirror-sequence") == 0) {
        /* someone else (another run) moved the portal on: start again from where it stands */
        bool reachable;
        if (++*sequence_retries > UPLOAD_MAX_SEQUENCE_RETRIES) {
            status = report_refusal(what, a);
        } else if ((status = portal_state(u, true, &reachable)) == 0) {
            status = check_portal_prefix(u);
        }
    } else if (a->status == 409 && parsed_ok &&
               (strcmp(parsed.code, "log-mismatch") == 0 || strcmp(parsed.code, "log-proof") == 0)) {
        char how[256];
        snprintf(how, sizeof how, "the portal refused %s (%s)", what, parsed.code);
        status = report_rewritten(u, parsed.has_size ? parsed.size : u->portal_size, how);
    } else if (a->status == 422 && parsed_ok) {
        char reason[512];
        printable(parsed.reason, reason, sizeof reason);
        fprintf(stderr, ISSUER_PROGRAM " upload: the portal refused %s: %llu event%s failed its checks%s%s\n", what,
                (unsigned long long)parsed.item_total, plural(parsed.item_total, "", "s"), reason[0] ? ": " : "",
                reason);
        for (size_t i = 0; i < parsed.item_count; i++) {
            const vb_portal_answer_item *item = &parsed.items[i];
            char code[64], why[256];
            const char *serial = "";
            if (item->sequence >= batch->first && item->sequence <= batch->last)
                serial = batch->serials[item->sequence - batch->first];
            printable(item->code, code, sizeof code);
            printable(item->reason, why, sizeof why);
            fprintf(stderr, "event %llu%s%s%s: %s%s%s\n", (unsigned long long)item->sequence,
                    serial[0] ? " (serial " : "", serial, serial[0] ? ")" : "", code[0] ? code : "refused",
                    why[0] ? " — " : "", why);
        }
        if (parsed.item_total > parsed.item_count)
            fprintf(stderr, "… and %llu more\n", (unsigned long long)(parsed.item_total - parsed.item_count));
        status = ISSUER_EXIT_REFUSED;
    } else {
        status = report_refusal(what, a);
    }
    return status;
}

/* Sends events portal_size + 1 … N. Returns 0 or an exit status. */
static int send_events(upload_run *u)
{
    const upload_options *o = u->options;
    batch_collector b;
    batch_sender sender;
    vb_error prepare_error = {0};
    bool sender_running = false, prepare_failed = false;
    uint64_t sequence_retries = 0;
    int status = 0, rc;
    char *url = NULL;
    size_t url_size = strlen(o->portal) + 32;
    memset(&b, 0, sizeof b);
    b.capacity = (size_t)o->batch_size;
    b.tree = &u->tree;
    b.events = malloc(b.capacity * sizeof *b.events);
    b.mirror = malloc(b.capacity * sizeof *b.mirror);
    url = malloc(url_size);
    if (!b.events || !b.mirror || !url) {
        fprintf(stderr, ISSUER_PROGRAM ": out of memory for a batch of %zu events\n", b.capacity);
        status = ISSUER_EXIT_USAGE;
        goto done;
    }
    snprintf(url, url_size, "%s/api/v1/batches", o->portal);
    if ((rc = sender_start(&sender, &u->http, url)) != 0) {
        fprintf(stderr, ISSUER_PROGRAM " upload: cannot start the thread that sends the batches: %s\n",
                strerror(rc));
        status = ISSUER_EXIT_USAGE;
        goto done;
    }
    sender_running = true;
    if (!o->quiet)
        issuer_progress_start(&u->progress, "uploading", u->tree.count - u->portal_size);
    uint64_t progress_base = u->portal_size, next = u->portal_size + 1; /* the next batch to prepare starts at next */

    while (status == 0) {
        size_t held;
        bool answered;
        sender_state(&sender, &held, &answered);
        if (!answered && held < UPLOAD_PREPARED_BATCHES && !prepare_failed && next <= u->tree.count) {
            upload_batch *batch = NULL;
            if (batch_prepare(u, &b, next, &batch, &prepare_error) != VB_OK) {
                /* said once the batches before it are answered: an answer may move where it starts */
                prepare_failed = true;
                continue;
            }
            sender_submit(&sender, batch);
            next = batch->last + 1;
            continue;
        }
        if (held == 0) { /* every batch sent is answered; the portal holds the register's events */
            if (prepare_failed) {
                progress_close(&u->progress);
                status = issuer_report(&prepare_error);
            }
            break;
        }
        upload_batch *batch = sender_take(&sender);
        status = batch_answered(u, batch, &sequence_retries, progress_base);
        if (!batch->acknowledged) { /* what was prepared after it is gone: start again where the portal stands */
            next = u->portal_size + 1;
            prepare_failed = false;
        }
        batch_free(batch);
    }
    progress_close(&u->progress);
done:
    if (sender_running)
        sender_stop(&sender);
    free(b.events);
    free(b.mirror);
    free(url);
    return status;
}

/* ---- the status list */

static int send_status(upload_run *u)
{
    const upload_options *o = u->options;
    vb_error err = {0};
    uint8_t *list = NULL;
    size_t list_length = 0;
    issuer_status_summary summary;
    http_answer a = {0};
    vb_portal_answer parsed;
    unsigned attempts = 0;
    double elapsed = 0;
    int status = 0;
    char what[64];
    char *url = portal_url(u, "/status");
    if (!url) {
        fprintf(stderr, ISSUER_PROGRAM ": out of memory\n");
        return ISSUER_EXIT_USAGE;
    }
    vb_status s = issuer_status_list_sign(u->reg, &u->signer, u->school, true, 0, &list, &list_length, &summary, &err);
    if (s != VB_OK) {
        if (summary.sequence)
            issuer_status_report_gap(summary.sequence);
        free(url);
        return issuer_report(&err);
    }
    snprintf(what, sizeof what, "status list %llu", (unsigned long long)summary.sequence);
    exchange_outcome outcome =
        http_exchange(&u->http, what, "PUT", url, list, list_length, true, &a, &attempts, &elapsed);
    bool parsed_ok = outcome == EXCHANGE_ANSWERED && vb_portal_answer_parse(a.body, a.length, &parsed);
    if (outcome != EXCHANGE_ANSWERED) {
        status = report_unanswered(u, outcome, what, &a, attempts, elapsed);
        issuer_status_report_gap(summary.sequence);
    } else if (a.status == 200) {
        if (!o->quiet)
            printf("status list %llu sent (%llu revoked, %llu superseded, %zu bytes)\n",
                   (unsigned long long)summary.sequence, (unsigned long long)summary.revoked,
                   (unsigned long long)summary.superseded, list_length);
    } else if (a.status == 409 && parsed_ok && strcmp(parsed.code, "status-older") == 0) {
        /* the portal holds a list at least as new (a register restored from a backup, or a
         * list put there another way): nothing to do, the portal keeps its own */
        if (!o->quiet)
            printf("status list %llu not taken: the portal already holds a newer one (status-older); that is "
                   "fine\n",
                   (unsigned long long)summary.sequence);
    } else {
        status = report_refusal(what, &a);
        issuer_status_report_gap(summary.sequence);
    }
    http_answer_clear(&a);
    free(list);
    free(url);
    return status;
}

/* ---------------------------------------------------------------- CSV export */

typedef struct {
    vb_register *reg;
    char base_url[VB_REGISTER_SETTING_BYTES];
    bool has_base_url, dry_run;
    uint64_t from, expected, written, last;
    uint64_t kinds[VB_EVENT_MAX + 1];
    vb_register_record *record;
} csv_export;

static void csv_date(FILE *out, bool present, int32_t days)
{
    char date[16];
    if (present) {
        vb_date_format_dmy(days, date, sizeof date);
        fputs(date, out);
    }
}

static const char *or_empty(const char *text) { return text ? text : ""; }

static vb_status csv_event(void *context, const vb_register_upload_row *row, vb_error *err)
{
    FILE *out = ((void **)context)[0];
    csv_export *x = ((void **)context)[1];
    const vb_register_event *e = &row->row.event;
    bool found = false;
    if (e->sequence != x->expected)
        return vb_fail(err, VB_ERR_REGISTER, "event %llu is missing from the register (the next is %llu); run "
                                             "'vanbang-issue log verify'",
                       (unsigned long long)x->expected, (unsigned long long)e->sequence);
    x->expected++;
    x->written++;
    x->last = e->sequence;
    x->kinds[e->kind >= 1 && e->kind <= VB_EVENT_MAX ? e->kind : 0]++;
    if (x->dry_run)
        return VB_OK;
    vb_status s = vb_register_load(x->reg, e->record_id, x->record, &found, err);
    if (s != VB_OK)
        return s;
    const vb_credential *c = &x->record->credential;
    char when[32];
    text_time_iso(when, e->time);
    fprintf(out, "%llu,%s,%s,", (unsigned long long)e->sequence, or_empty(vb_register_event_kind_name(e->kind)), when);
    issuer_csv_field(out, e->school_code);
    fputc(',', out);
    if (found) {
        issuer_csv_field(out, c->serial);
        fprintf(out, ",%u,%u,", c->register_year, c->register_number);
        issuer_csv_field(out, or_empty(vb_credential_type_name(c->type, false)));
        fputc(',', out);
        issuer_csv_field(out, c->name);
        fputc(',', out);
        csv_date(out, true, c->birth_date);
        fprintf(out, ",%s,", c->gender ? or_empty(vb_gender_name(c->gender, false)) : "");
        issuer_csv_field(out, c->program_code);
        fputc(',', out);
        issuer_csv_field(out, c->program_name);
        fprintf(out, ",%s,", c->classification ? or_empty(vb_classification_name(c->classification, false)) : "");
        csv_date(out, true, c->issue_date);
        fputc(',', out);
        issuer_csv_field(out, c->issue_place);
    } else {
        fputs(",,,,,,,,,,,,", out); /* the record is gone: log verify will say more */
    }
    fprintf(out, ",%llu,", (unsigned long long)e->record_id);
    if (e->supersedes)
        fprintf(out, "%llu", (unsigned long long)e->supersedes);
    fprintf(out, ",%s,",
            e->kind == VB_EVENT_REVOKE    ? or_empty(vb_register_revoke_reason_name(e->reason))
            : e->kind == VB_EVENT_CORRECT ? or_empty(vb_register_correct_reason_name(e->reason))
                                          : "");
    issuer_csv_field(out, e->decision_number);
    fputc(',', out);
    csv_date(out, e->has_decision_date, e->decision_date);
    fprintf(out, ",%s,", row->personal_id);
    if (found && x->has_base_url && x->record->record_length) {
        char link[VB_MAX_LINK_CHARS + 1];
        if ((s = vb_link_encode(x->base_url, x->record->record, x->record->record_length, link, sizeof link, NULL,
                                err)) != VB_OK)
            return s;
        issuer_csv_field(out, link);
    }
    fputs("\r\n", out);
    if (ferror(out))
        return vb_fail(err, VB_ERR_IO, "write failed");
    return VB_OK;
}

static vb_status csv_write(FILE *out, const void *context, vb_error *err)
{
    csv_export *x = (csv_export *)context;
    void *pair[2] = {out, x};
    if (out && !x->dry_run)
        fputs("sequence,kind,time,school,serial,register_year,register_number,type,full_name,birth_date,gender,"
              "program_code,program_name,classification,issue_date,issue_place,record_id,supersedes,reason,"
              "decision_number,decision_date,personal_id,link\r\n",
              out);
    return vb_register_each_upload_row(x->reg, x->from, csv_event, pair, err);
}

static int upload_csv(upload_options *o, vb_register *reg)
{
    csv_export x;
    vb_error err = {0};
    uint64_t cursor = 0, events = 0;
    bool found = false;
    char kinds[160];
    memset(&x, 0, sizeof x);
    x.reg = reg;
    x.dry_run = o->dry_run;
    vb_status s = vb_register_upload_cursor(reg, UPLOAD_CSV_CURSOR, &cursor, &err);
    if (s == VB_OK)
        s = vb_register_setting(reg, "base_url", x.base_url, sizeof x.base_url, &found, &err);
    if (s == VB_OK)
        s = vb_register_event_count(reg, &events, &err);
    if (s != VB_OK)
        return issuer_report(&err);
    x.has_base_url = found && x.base_url[0];
    if (!o->dry_run && access(o->csv, F_OK) == 0) {
        fprintf(stderr, ISSUER_PROGRAM " upload: %s already exists; refusing to replace it (choose a new name)\n",
                o->csv);
        return ISSUER_EXIT_USAGE;
    }
    x.from = o->all ? 1 : cursor + 1;
    x.expected = x.from;
    if (events < x.from) { /* no file is made without a line to put in it */
        if (!o->quiet)
            printf("no event after %s%llu: nothing to write%s\n", o->all ? "" : "the CSV cursor, event ",
                   (unsigned long long)(x.from - 1), o->all ? "" : " (--all writes every event)");
        return 0;
    }
    if (!(x.record = malloc(sizeof *x.record))) {
        fprintf(stderr, ISSUER_PROGRAM ": out of memory\n");
        return ISSUER_EXIT_USAGE;
    }
    if (o->dry_run)
        s = csv_write(NULL, &x, &err);
    else
        s = vb_file_save(o->csv, 0600, 1, csv_write, &x, &err);
    if (s == VB_OK && !o->dry_run && x.last > cursor)
        s = vb_register_set_upload_cursor(reg, UPLOAD_CSV_CURSOR, x.last, &err);
    OPENSSL_cleanse(x.record, sizeof *x.record);
    free(x.record);
    if (s != VB_OK)
        return issuer_report(&err);
    if (o->quiet)
        return 0;
    describe_kinds(x.kinds, kinds, sizeof kinds);
    if (o->dry_run)
        printf("dry run: would write %llu event%s (%s), events %llu..%llu, to %s; nothing was written\n",
               (unsigned long long)x.written, plural(x.written, "", "s"), kinds, (unsigned long long)x.from,
               (unsigned long long)x.last, o->csv);
    else
        printf("wrote %llu event%s (%s), events %llu..%llu, to %s (mode 0600: it holds personal identification "
               "numbers); the CSV cursor is at event %llu\n",
               (unsigned long long)x.written, plural(x.written, "", "s"), kinds, (unsigned long long)x.from,
               (unsigned long long)x.last, o->csv, (unsigned long long)(x.last > cursor ? x.last : cursor));
    return 0;
}

/* ---------------------------------------------------------------- the verb */

/* The portal's address: http(s)://host[:port][/path], kept without a trailing '/'. */
static bool portal_address(const char *given, char *out, size_t out_size)
{
    size_t length = strlen(given);
    if (strncasecmp(given, "https://", 8) != 0 && strncasecmp(given, "http://", 7) != 0)
        return false;
    for (const unsigned char *p = (const unsigned char *)given; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '?' || *p == '#')
            return false;
    while (length && given[length - 1] == '/')
        length--;
    if (length >= out_size || length <= (size_t)(given[4] == 's' || given[4] == 'S' ? 8 : 7))
        return false;
    memcpy(out, given, length);
    out[length] = '\0';
    return true;
}

/* Whether an http:// address names this machine (a test): else what is sent crosses a network in
 * the clear. */
static bool plain_http_off_machine(const char *portal)
{
    if (strncasecmp(portal, "http://", 7) != 0)
        return false;
    const char *host = portal + 7;
    return strncmp(host, "127.", 4) != 0 && strncasecmp(host, "localhost", 9) != 0 && strncmp(host, "[::1]", 5) != 0;
}

static int upload_parse(int argc, char **argv, upload_options *o)
{
    enum {
        OPTION_REGISTER = 256,
        OPTION_KEY,
        OPTION_CERT,
        OPTION_PORTAL,
        OPTION_BATCH_SIZE,
        OPTION_TIMEOUT,
        OPTION_GIVE_UP,
        OPTION_CACERT,
        OPTION_DRY_RUN,
        OPTION_CSV,
        OPTION_ALL,
        OPTION_NO_STATUS,
        OPTION_FD,
        OPTION_PASSPHRASE,
        OPTION_QUIET,
        OPTION_HELP,
    };
    static const struct option long_options[] = {
        {"register", required_argument, NULL, OPTION_REGISTER},
        {"key", required_argument, NULL, OPTION_KEY},
        {"cert", required_argument, NULL, OPTION_CERT},
        {"portal", required_argument, NULL, OPTION_PORTAL},
        {"batch-size", required_argument, NULL, OPTION_BATCH_SIZE},
        {"timeout", required_argument, NULL, OPTION_TIMEOUT},
        {"give-up-after", required_argument, NULL, OPTION_GIVE_UP},
        {"cacert", required_argument, NULL, OPTION_CACERT},
        {"dry-run", no_argument, NULL, OPTION_DRY_RUN},
        {"csv", required_argument, NULL, OPTION_CSV},
        {"all", no_argument, NULL, OPTION_ALL},
        {"no-status", no_argument, NULL, OPTION_NO_STATUS},
        {"passphrase-fd", required_argument, NULL, OPTION_FD},
        {"passphrase", required_argument, NULL, OPTION_PASSPHRASE},
        {"quiet", no_argument, NULL, OPTION_QUIET},
        {"help", no_argument, NULL, OPTION_HELP},
        {NULL, 0, NULL, 0},
    };
    unsigned long long number;
    int c;
    memset(o, 0, sizeof *o);
    o->batch_size = VB_MIRROR_DEFAULT_EVENTS;
    o->timeout = UPLOAD_DEFAULT_TIMEOUT_SECONDS;
    o->give_up_after = UPLOAD_DEFAULT_GIVE_UP_SECONDS;
    o->passphrase_fd = -1;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case OPTION_REGISTER: o->register_path = optarg; break;
        case OPTION_KEY: o->key = optarg; break;
        case OPTION_CERT: o->cert = optarg; break;
        case OPTION_PORTAL: o->portal_given = optarg; break;
        case OPTION_BATCH_SIZE:
            if (!issuer_parse_unsigned(optarg, VB_MIRROR_MAX_EVENTS, &number) || number == 0)
                return upload_usage("--batch-size needs a number of events from 1 to 5000, not", optarg);
            o->batch_size = number;
            break;
        case OPTION_TIMEOUT:
            if (!issuer_parse_unsigned(optarg, UPLOAD_MAX_TIMEOUT_SECONDS, &number) || number == 0)
                return upload_usage("--timeout needs seconds from 1 to 3600, not", optarg);
            o->timeout = number;
            break;
        case OPTION_GIVE_UP:
            if (!issuer_parse_unsigned(optarg, UPLOAD_MAX_GIVE_UP_SECONDS, &number))
                return upload_usage("--give-up-after needs seconds from 0 to 604800, not", optarg);
            o->give_up_after = number;
            break;
        case OPTION_CACERT: o->cacert = optarg; break;
        case OPTION_DRY_RUN: o->dry_run = true; break;
        case OPTION_CSV: o->csv = optarg; break;
        case OPTION_ALL: o->all = true; break;
        case OPTION_NO_STATUS: o->no_status = true; break;
        case OPTION_FD:
            if (!issuer_parse_unsigned(optarg, 1023, &number))
                return upload_usage("--passphrase-fd needs a file descriptor number", NULL);
            o->passphrase_fd = (int)number;
            break;
        case OPTION_PASSPHRASE:
            return upload_usage("passphrases are never taken from the command line; use --passphrase-fd N or "
                                "VANBANG_PASSPHRASE",
                                NULL);
        case OPTION_QUIET: o->quiet = true; break;
        case OPTION_HELP: fputs(upload_help, stdout); return -1;
        default: return upload_usage("unknown option", NULL);
        }
    }
    if (optind < argc)
        return upload_usage("unexpected argument", argv[optind]);
    if (!o->register_path)
        return upload_usage("--register is required", NULL);
    if (o->csv) {
        if (o->portal_given)
            return upload_usage("--csv writes a file instead of sending to a portal; leave out --portal", NULL);
        return 0;
    }
    if (o->all)
        return upload_usage("--all goes with --csv", NULL);
    if (!o->portal_given)
        return upload_usage("--portal is required (or --csv FILE)", NULL);
    if (!portal_address(o->portal_given, o->portal, sizeof o->portal))
        return upload_usage("--portal needs an http:// or https:// address without spaces, '?' or '#', not",
                            o->portal_given);
    if (!o->dry_run && (!o->key || !o->cert))
        return upload_usage("--key and --cert are required to sign what is sent", NULL);
    if (o->cacert && access(o->cacert, R_OK) != 0)
        return upload_usage("--cacert names a file that cannot be read:", o->cacert);
    return 0;
}

static int upload_dry_run(upload_run *u, bool reachable)
{
    const upload_options *o = u->options;
    uint64_t counts[VB_EVENT_MAX + 1], cursor = 0, to_send;
    char kinds[160];
    vb_error err = {0};
    int status = check_portal_prefix(u);
    if (vb_register_upload_cursor(u->reg, o->portal, &cursor, &err) != VB_OK)
        return issuer_report(&err);
    if (status != 0)
        return status;
    if (o->quiet)
        return 0;
    to_send = u->tree.count - u->portal_size;
    tree_count_kinds(&u->tree, u->portal_size + 1, u->tree.count, counts);
    describe_kinds(counts, kinds, sizeof kinds);
    printf("dry run: the register of %s holds %llu event%s; the portal %s %llu; the register's cursor for this "
           "portal is at %llu\n",
           u->school, (unsigned long long)u->tree.count, plural(u->tree.count, "", "s"),
           reachable ? "holds" : "was not reached, assumed to hold", (unsigned long long)u->portal_size,
           (unsigned long long)cursor);
    if (to_send) {
        uint64_t batches = (to_send + o->batch_size - 1) / o->batch_size;
        printf("would send %llu event%s (%s), events %llu..%llu, in %llu batch%s of up to %llu events",
               (unsigned long long)to_send, plural(to_send, "", "s"), kinds, (unsigned long long)u->portal_size + 1,
               (unsigned long long)u->tree.count, (unsigned long long)batches, plural(batches, "", "es"),
               o->batch_size);
    } else {
        printf("would send no event (the portal holds them all)");
    }
    printf("%s; nothing was sent\n", o->no_status ? "" : ", then a fresh status list");
    return 0;
}

int issuer_upload(int argc, char **argv)
{
    upload_options options;
    upload_run u;
    vb_error err = {0};
    bool reachable = false, curl_ready = false;
    int status = upload_parse(argc, argv, &options);
    if (status != 0)
        return status < 0 ? 0 : status;

    memset(&u, 0, sizeof u);
    u.options = &options;
    u.http.options = &options;
    u.http.progress = &u.progress;
    u.started = monotonic_seconds();
    if (vb_register_open(options.register_path, &u.reg, &err) != VB_OK)
        return issuer_report(&err);
    if (options.csv) {
        status = upload_csv(&options, u.reg);
        vb_register_close(u.reg);
        return status;
    }
    char name[VB_REGISTER_SCHOOL_NAME_BYTES];
    vb_status s = vb_register_school(u.reg, u.school, sizeof u.school, name, sizeof name, &err);
    if (s == VB_OK && !options.dry_run) {
        char certificate_school[VB_MAX_SCHOOL_CODE_BYTES + 1];
        s = issuer_unlock_key(options.cert, options.key, options.passphrase_fd, &u.signer, certificate_school, &err);
        u.signer_ready = s == VB_OK;
        if (s == VB_OK)
            s = issuer_check_school(u.reg, certificate_school, &err);
    }
    if (s != VB_OK) {
        status = issuer_report(&err);
        goto done;
    }
    if (plain_http_off_machine(options.portal))
        fprintf(stderr, ISSUER_PROGRAM " upload: warning: %s is not HTTPS: what is sent, personal identification "
                        "numbers included, can be read on the way\n",
                options.portal);
    /* SIGPIPE from a socket the portal closed must not kill the run (libcurl with NOSIGNAL). */
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(u.http.curl = curl_easy_init())) {
        fprintf(stderr, ISSUER_PROGRAM " upload: libcurl could not start\n");
        status = ISSUER_EXIT_USAGE;
        goto done;
    }
    curl_ready = true;

    if ((status = portal_state(&u, !options.dry_run, &reachable)) != 0)
        goto done;
    /* The register's leaves, once, from its rows (see the top of this file). */
    if ((s = vb_register_each_upload_row(u.reg, 1, tree_add, &u.tree, &err)) != VB_OK) {
        status = issuer_report(&err);
        goto done;
    }
    tree_source(&u.tree, &u.source);
    u.counted = true;
    if (options.dry_run) {
        status = upload_dry_run(&u, reachable);
        goto done;
    }
    uint64_t held_at_start = u.portal_size;
    if ((status = check_portal_prefix(&u)) != 0)
        goto done;
    if (held_at_start == u.tree.count && (s = vb_register_set_upload_cursor(u.reg, options.portal, u.portal_size,
                                                                            &err)) != VB_OK)
        fprintf(stderr, ISSUER_PROGRAM " upload: warning: the upload cursor was not saved: %s\n", err.message);
    if ((status = send_events(&u)) != 0)
        goto done;
    if (!options.quiet) {
        double seconds = monotonic_seconds() - u.started;
        printf("uploaded %llu event%s in %.1f s (%.0f events/s); portal holds %llu\n",
               (unsigned long long)u.acknowledged, plural(u.acknowledged, "", "s"), seconds,
               seconds > 0 ? (double)u.acknowledged / seconds : 0.0, (unsigned long long)u.portal_size);
    }
    if (!options.no_status)
        status = send_status(&u);

done:
    if (curl_ready) {
        if (u.http.curl)
            curl_easy_cleanup(u.http.curl);
        curl_global_cleanup();
    }
    tree_free(&u.tree);
    if (u.signer_ready)
        vb_cose_signer_free(&u.signer);
    vb_register_close(u.reg);
    return status;
}
