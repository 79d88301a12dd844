/*
 * service.h — the HTTP verifier service, `vanbang-verifier serve`: what its files share.
 *
 *   serve.c      settings (flags and config file), socket, privileges, signals, reloads
 *   http.c       libmicrohttpd daemon: routing, limits, headers, access log
 *   http_page.c  the HTML verdict page (Vietnamese, English)
 *   http_json.c  the JSON API answer and the JSON request body
 *   check.c      one verification against the current trust list → verdict, then the
 *                school's status list → revoked or superseded
 *   trust_store.c  the trust list and the status lists in force (files of their own, or the
 *                portal's bundles of them), swapped together on reload
 *   metrics.c    counters and the Prometheus text
 *
 * The record format and its checks are the library's (verify.h); nothing here knows CBOR.
 */
#ifndef VERIFIER_SERVICE_H
#define VERIFIER_SERVICE_H

#include "mirror.h"
#include "ratelimit.h"
#include "statuslist.h"
#include "text.h"
#include "verify.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#define SERVE_PROGRAM "vanbang-verifier"
#define SERVE_MAX_ANCHORS 16
#define SERVE_MAX_STATUS_FILES 64     /* --status files */
/* Status lists held in all: the portal's bundle of every school's, and one more per other file.
 * Memory follows the lists actually held; this only bounds what a set of files may ask for. */
#define SERVE_MAX_STATUS_LISTS (VB_MIRROR_MAX_BUNDLE_LISTS + SERVE_MAX_STATUS_FILES)
#define SERVE_MAX_BODY_BYTES 8192       /* a POST body: a link is at most 4096 characters */
/* The request target: the longest link, percent-encoded base and all, after the API path. */
#define SERVE_MAX_URI_CHARS (VB_MAX_LINK_CHARS + 256)
#define SERVE_MEMORY_PER_CONNECTION (20u * 1024) /* request line + headers + response headers */

/* ---------------------------------------------------------------- verdicts (check.c) */

/* What a person must understand, in a few words. Several library statuses share one verdict
 * (every malformed record is "unreadable"); the JSON API gives both. Revoked and superseded
 * come from the school's status list, consulted only for a genuine record (check.c); their
 * library status stays VB_OK (the signature is genuine) and check_standing says why. */
typedef enum {
    VERDICT_VALID,
    VERDICT_UNKNOWN_ISSUER,
    VERDICT_SIGNER_NOT_VALID,
    VERDICT_SIGNER_REMOVED,
    VERDICT_INVALID_SIGNATURE,
    VERDICT_UNREADABLE,
    VERDICT_ERROR, /* the verifier itself failed (out of memory, crypto library) */
    VERDICT_REVOKED,
    VERDICT_SUPERSEDED,
    VERDICT_COUNT
} verdict;

const char *verdict_name(verdict v); /* "valid", "unknown-issuer", … (stable, docs/API.md) */
verdict verdict_of_status(vb_status status);
/* The banner's words, "HEADLINE — detail", for the page, the JSON and the offline CLI alike. */
const char *verdict_headline(verdict v, vb_status status, bool english);

/* One --status file as read: a school's signed status list, or the portal's bundle of them
 * (mirror.h), whose every element is a list checked exactly as a file of its own. */
typedef struct {
    const char *path;
    uint8_t *bytes;             /* the lists parsed from it point into these */
    size_t length;
    bool bundle;
} status_source;

#define STATUS_OWN_FILE SIZE_MAX /* status_file.element of a list that is a whole file */

/* One status list as loaded, from a file of its own or from an element of a bundle, and whether
 * it is in force. A list dropped on reload (its signer withdrawn from the new trust list) stays
 * here, not in force, so it is counted as dropped. */
typedef struct {
    const char *path;           /* the file it came from */
    size_t source;              /* that file's index among the --status files */
    size_t element;             /* its index in the bundle; STATUS_OWN_FILE for a whole file */
    const uint8_t *bytes;       /* the signed list, within its file's bytes */
    size_t length;
    char origin[VB_MAX_SCHOOL_CODE_BYTES + 1]; /* its school; "" when dropped and not known */
    vb_statuslist list;         /* valid only when in_force */
    bool in_force;
} status_file;

/* The newest list taken for a school so far (by the SHA-256 of its bytes): a reload takes a
 * newer one, or that very list again, never an older one, even after the school's list was
 * dropped for a while. */
typedef struct {
    char origin[VB_MAX_SCHOOL_CODE_BYTES + 1];
    uint64_t sequence;
    uint8_t digest[32];
} status_floor;

/* How messages name a list: "FILE", or "FILE[INDEX]" for an element of a bundle (from 0). */
void status_name(const status_file *list, char *out, size_t out_size);
/* The list in force for a school among lists sorted by school (as a snapshot holds them), or
 * NULL: a binary search, however many schools' lists are held. */
const status_file *status_find(const status_file *lists, size_t count, const char *origin);

/* What the school's status list says of one genuine record (FORMAT.md §11, "Combining"). */
typedef enum {
    STANDING_NOT_CONSULTED, /* the record is not genuine: the list says nothing about it */
    STANDING_NO_LIST,       /* genuine; no status list is held for its school */
    STANDING_NOT_LISTED,    /* genuine and not listed, as of the list's issue time */
    STANDING_REVOKED,
    STANDING_SUPERSEDED,
} standing_state;

typedef struct {
    standing_state state;
    const vb_statuslist *list;      /* the school's list (NULL unless consulted and held) */
    vb_statuslist_entry entry;      /* revoked or superseded: the record's entry */
    char decision_number[VB_STATUSLIST_MAX_DECISION_BYTES + 1]; /* "" when the list has none */
    uint64_t current_id;            /* superseded: the record that stands now */
    bool current_revoked;           /* superseded: … and that record is itself revoked */
    char current_link[VB_MAX_LINK_CHARS + 1]; /* superseded: its link, when the list carries the
                                                 record and it verifies; "" otherwise */
} record_standing;

/* Looks a verified record up in the status list of its school (the list whose origin is the
 * record's iss, among `lists` sorted by school as a snapshot holds them; any signer certificate of that school may sign it, FORMAT.md §11 step 7 and §5
 * step 7 tie both to the school code). A replacement record is verified against `trust`
 * before it is linked; its link is written under base_url (NULL: the path "/V/" alone).
 * Returns the verdict: the record's own when it is not genuine. */
verdict check_standing(const status_file *lists, size_t list_count, const vb_trust_list *trust,
                       const vb_verification *verification, const char *base_url, record_standing *standing);
/* The record id of a list entry as hex, the way the JSON and the page show a record's cti. */
void standing_id_hex(uint64_t id, char *out, size_t out_size);  /* the cti in hex, for JSON */
void standing_id_text(uint64_t id, char *out, size_t out_size); /* the register's number, for people */

/* ---------------------------------------------------------------- trust_store.c */

/* The trust list and the status lists in force, loaded and swapped together. Requests hold a
 * reference while they use it (a verification keeps pointers into its entries, a standing into
 * a status list's bytes), so a reload never frees a snapshot a request is reading. */
typedef struct {
    vb_trust_list list;
    uint8_t *bytes; /* the file as read, to tell "unchanged" from "refused" on reload */
    size_t length;
    status_source *sources; /* one per --status, in the order given */
    size_t source_count;
    status_file *status;    /* every list the sources hold, sorted by school */
    size_t status_count;
    status_floor *floors;   /* sorted by school */
    size_t floor_count;
    int64_t loaded_at;
    atomic_uint references;
} trust_snapshot;

typedef struct {
    pthread_mutex_t lock;   /* guards `current` only: taken for a pointer copy and a count */
    trust_snapshot *current;
    const char *path;
    const char *const *status_paths;
    size_t status_count;
    X509 *const *anchors;
    size_t anchor_count;
    struct stat seen;       /* the file as it was at the last load attempt */
    struct stat status_seen[SERVE_MAX_STATUS_FILES];
    void (*warn)(const char *message); /* says what a reload dropped; may be NULL */
    atomic_ulong reloads_ok, reloads_failed;
    atomic_llong last_failure_at;
} trust_store;

typedef enum { RELOAD_SWAPPED, RELOAD_UNCHANGED, RELOAD_REFUSED } reload_result;

/* Loads the first trust list and every status list; anything invalid is refused (the service
 * must not start without a valid trust list, nor with a status list it cannot vouch for), and
 * so are two lists for one school. */
vb_status trust_store_open(trust_store *store, const char *path, const char *const *status_paths,
                           size_t status_count, X509 *const *anchors, size_t anchor_count, vb_error *err);
void trust_store_close(trust_store *store);
trust_snapshot *trust_store_acquire(trust_store *store);
void trust_snapshot_release(trust_snapshot *snapshot);
/* True when any file's identity, size or modification time differs from the last attempt. */
bool trust_store_file_changed(trust_store *store);
/* Reads every file again; swaps in a new snapshot only when the trust list is valid and newer
 * (or the same bytes), every status list in the files is valid and newer than the newest taken
 * for its school (or that same list), and every school whose list was in force still has one.
 * A status list whose signer the NEW trust list no longer holds (removed or gone) is dropped,
 * with store->warn, rather than blocking the new trust list. `message` says what happened, for
 * the log. Only one thread (serve.c's signal loop) calls this. */
reload_result trust_store_reload(trust_store *store, char *message, size_t message_size);

/* For the offline check: a snapshot holding nothing yet, with one reference (the caller's), to
 * fill with a trust list (snapshot->list) and then its status lists; NULL when out of memory. */
trust_snapshot *trust_snapshot_new(void);
/* Reads the --status files and checks every list they hold against snapshot->list, as the
 * service does at start; on failure err names the file (and the bundle's element). */
vb_status trust_snapshot_load_status(trust_snapshot *snapshot, const char *const *paths, size_t count,
                                     vb_error *err);

/* ---------------------------------------------------------------- metrics.c */

#define METRICS_LATENCY_BUCKETS 12
#define METRICS_STATUS_SLOTS 13 /* 11 statuses, none, other */

typedef struct {
    atomic_ulong by_status[METRICS_STATUS_SLOTS];
    atomic_ulong by_verdict[VERDICT_COUNT];
    atomic_ulong latency_buckets[METRICS_LATENCY_BUCKETS]; /* cumulative counts are made when rendering */
    atomic_ulong latency_count;
    atomic_ullong latency_sum_microseconds;
    atomic_ulong rate_limited;
    int64_t started_at;
} metrics;

void metrics_init(metrics *m);
/* verdict_index < 0: the request verified nothing. */
void metrics_observe(metrics *m, unsigned http_status, int verdict_index, uint64_t microseconds);
void metrics_render(metrics *m, trust_store *trust, text_buffer *out);

/* ---------------------------------------------------------------- settings (serve.c) */

typedef struct {
    char listen[64];
    unsigned port;
    char *anchors[SERVE_MAX_ANCHORS];
    size_t anchor_count;
    char *trust_path;
    char *status_paths[SERVE_MAX_STATUS_FILES];
    size_t status_count;
    char *base_url;
    char base_path[256];            /* the path of base_url, e.g. "/V/" */
    unsigned threads;
    char *user;
    double rate, burst;             /* rate 0: no rate limit */
    unsigned per_ip_connections;    /* 0: no limit */
    unsigned max_connections;
    unsigned timeout_seconds;
    bool behind_proxy;              /* take the client address from X-Real-IP of a loopback peer */
    bool access_log;
    unsigned check_interval;        /* seconds between looks at the trust and status list files; 0: SIGHUP only */
    unsigned key_tables;            /* keys that may get a verification table (cose.h) */
} serve_settings;

/* ---------------------------------------------------------------- the service */

typedef struct {
    serve_settings settings;
    trust_store trust;
    ratelimiter *limiter;           /* NULL when rate is 0 */
    metrics metrics;
    char content_security_policy[256];
} service;

/* ---------------------------------------------------------------- check.c */

/* One verification and the trust list it was made against (held until check_done). */
typedef struct {
    vb_verification verification;
    verdict verdict;
    record_standing standing;
    trust_snapshot *trust;
} check_result;

void check_link(service *s, const char *text, size_t length, check_result *result);
void check_record(service *s, const uint8_t *record, size_t length, check_result *result);
void check_done(check_result *result);

/* ---------------------------------------------------------------- http.c */

struct MHD_Daemon;
/* Starts the daemon on an already bound, listening socket. NULL on failure (message says why). */
struct MHD_Daemon *http_start(service *s, int listen_socket, char *message, size_t message_size);
void http_stop(struct MHD_Daemon *daemon);
/* Writes out the access lines gathered so far (serve.c calls it every second). */
void http_flush_log(void);

/* ---------------------------------------------------------------- http_page.c */

/* The inline style sheet: its SHA-256 goes into the Content-Security-Policy. */
const char *page_style(void);
void page_verdict(const check_result *check, bool english, text_buffer *out);
void page_home(const serve_settings *settings, bool english, text_buffer *out);
void page_error(unsigned http_status, bool english, text_buffer *out);

/* ---------------------------------------------------------------- http_json.c */

void json_verdict(const check_result *check, text_buffer *out);
void json_error(unsigned http_status, const char *message, text_buffer *out);

/* What a POST body of application/json asks to verify: exactly one of "link", "record"
 * (digits) or "hex" (the record's bytes). */
typedef enum { JSON_ASK_NONE, JSON_ASK_LINK, JSON_ASK_HEX } json_ask_kind;
/* Parses body; on success *value is a malloc'd NUL-terminated string (free it). On failure
 * returns false and message says what is wrong with the body. */
bool json_parse_request(const char *body, size_t length, json_ask_kind *kind, char **value, char *message,
                        size_t message_size);

/* ---------------------------------------------------------------- serve.c */

int command_serve(int argc, char **argv);
extern const char serve_help[];

#endif
