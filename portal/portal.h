/*
 * portal.h — vanbang-portal, the reference national lookup portal: what its files share.
 *
 *   main.c      verbs: init, serve, user-add, user-list, audit, report (a table)
 *   store.c     the portal's SQLite file: schema below, accepting batches, lookups, users, access log
 *   serve.c     settings, socket, signals, reload of the trust list (as the verifier's serve.c)
 *   http.c      libmicrohttpd daemon: routing, limits, headers, rate limit, access log
 *   pages.c     lookup page, login page, audit pages (HTML, Vietnamese with an English switch)
 *   audit.c     the audit: every check and statistic over the store (read only)
 *   report.c    the audit as a self-contained HTML report with SVG charts, and CSV files
 *   audit_cli.c `audit` and `report` verbs
 *
 * Shared with the verifier through the library: text.h (buffers, escaping), ratelimit.h,
 * mirror.h (the batch format), verify.h, statuslist.h, log.h.
 *
 * ---------------------------------------------------------------- HTTP protocol (docs/API.md)
 *
 * Schools (machine to machine; every body is signed by the school's signer key, no password):
 *   POST /api/v1/batches                     body: a signed batch (mirror.h), application/cbor
 *       200 {"school","accepted":N,"size":S,"root":hex,"batch":hex}   stored (or already stored:
 *           the same batch bytes again get the same answer, byte for byte, and change nothing)
 *       400 {"code":"mirror-malformed"|cbor-…|cose-…,"reason"}         not a batch
 *       403 {"code":"unknown-signer"|"signer-removed"|"bad-signature"|"mirror-school","reason"}
 *       409 {"code":"mirror-sequence","reason","expected":S+1}        not the next events
 *       409 {"code":"log-mismatch"|"log-proof","reason","size":S}     the school's log does not
 *           extend what the portal accepted: the school rewrote its register (an incident is
 *           recorded; the school may then POST a leaf statement so the portal names the events)
 *       413 too large; 422 {"code":"bad-records","reason","records":[{"sequence","code","reason"}…]}
 *           some events are wrong: the batch is refused whole, every failing event listed
 *           (at most 100)
 *   GET  /api/v1/schools/CODE                200 {"school","size":S,"root":hex,"checkpoint_time",
 *                                                 "status_sequence"} (size 0 before any batch)
 *   POST /api/v1/schools/CODE/leaves         body: a signed leaf statement (mirror.h)
 *       200 {"school","compared":N,"differ":[{"sequence","serial"}…]}   each differing event is
 *           recorded as an incident naming the school, the sequence and the record's serial
 *   PUT  /api/v1/schools/CODE/status         body: the school's signed status list (statuslist.h)
 *       200 {"school","sequence"}; 400/403 as above; 409 {"code":"status-older"}
 *
 * The public (rate-limited, per client address, 429 with Retry-After):
 *   GET  /                                   the lookup form
 *   GET  /lookup?serial=S&name=N             the credential(s) with that serial whose holder's
 *   GET  /lookup?serial=S&dob=dd/mm/yyyy     name folds to N (accent- and case-insensitive) or
 *                                            who was born that day; "not found" otherwise —
 *                                            never a list, never a personal identification number
 *   GET  /api/v1/lookup?serial=S&name=N|dob=D  the same as JSON
 *   GET  /status/CODE                        that school's latest signed status list
 *   GET  /status                             every school's latest list, one file: a CBOR array
 *                                            of byte strings, each a signed status list (FORMAT.md
 *                                            §12.3), which `vanbang-verifier --status` loads
 *   GET  /healthz
 *
 * Provincial staff (session cookie after login; every access written to access_log):
 *   GET  /audit/login, POST /audit/login (form: user, password), POST /audit/logout
 *   GET  /audit                              the audit report of the user's province
 *   GET  /audit/anomalies.csv, /audit/statistics.csv
 *
 * ---------------------------------------------------------------- the store (SQLite, one file)
 *
 * PRAGMA application_id = 0x56425054 ("VBPT"), user_version = PORTAL_SCHEMA_VERSION; WAL,
 * synchronous=FULL, foreign keys, busy timeout. File mode 0600 (it holds personal ids).
 *
 *   schools(code TEXT PRIMARY KEY, name TEXT NOT NULL, province TEXT NOT NULL,
 *           size INTEGER NOT NULL,            -- events held: sequences 1 … size
 *           tree BLOB NOT NULL,               -- vb_mirror_tree_save of those events
 *           root BLOB NOT NULL,               -- their root (32 bytes)
 *           checkpoint BLOB,                  -- the last accepted signed checkpoint
 *           checkpoint_time INTEGER,
 *           status_list BLOB, status_sequence INTEGER NOT NULL DEFAULT 0,
 *           first_seen INTEGER NOT NULL, updated_at INTEGER NOT NULL)
 *   batches(digest BLOB PRIMARY KEY,          -- SHA-256 of the signed batch bytes
 *           school TEXT NOT NULL, first INTEGER NOT NULL, count INTEGER NOT NULL,
 *           signer_kid BLOB NOT NULL, received_at INTEGER NOT NULL, answer TEXT NOT NULL)
 *   checkpoints(school TEXT NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL,
 *           signed BLOB NOT NULL, time INTEGER NOT NULL, received_at INTEGER NOT NULL,
 *           PRIMARY KEY (school, size)) WITHOUT ROWID
 *   events(school TEXT NOT NULL, sequence INTEGER NOT NULL, kind INTEGER NOT NULL,
 *           time INTEGER NOT NULL, record_id INTEGER NOT NULL,
 *           reason INTEGER NOT NULL DEFAULT 0, decision_number TEXT NOT NULL DEFAULT '',
 *           decision_date INTEGER,            -- NULL when the entry has none
 *           entry BLOB NOT NULL, leaf BLOB NOT NULL, batch BLOB NOT NULL,
 *           PRIMARY KEY (school, sequence)) WITHOUT ROWID
 *   records(school TEXT NOT NULL, record_id INTEGER NOT NULL,
 *           kind INTEGER NOT NULL,            -- VB_KIND_ORIGINAL, _CORRECTION, _COPY
 *           sequence INTEGER NOT NULL,        -- the event that brought it
 *           serial TEXT NOT NULL, type INTEGER NOT NULL,
 *           register_number INTEGER NOT NULL, register_year INTEGER NOT NULL,
 *           name TEXT NOT NULL, folded_name TEXT NOT NULL,  -- vb_register_fold_name
 *           birth_date INTEGER NOT NULL, gender INTEGER NOT NULL,
 *           program_code TEXT NOT NULL, program_name TEXT NOT NULL,
 *           classification INTEGER NOT NULL, training_mode INTEGER NOT NULL,
 *           issue_date INTEGER NOT NULL, issue_place TEXT NOT NULL,
 *           supersedes INTEGER NOT NULL DEFAULT 0, copy_number INTEGER NOT NULL DEFAULT 0,
 *           signed_at INTEGER NOT NULL, signer_kid BLOB NOT NULL,
 *           personal_id TEXT,                 -- 12 digits or NULL; never displayed nor logged
 *           record BLOB NOT NULL,
 *           PRIMARY KEY (school, record_id)) WITHOUT ROWID
 *     index records_serial ON records(serial); index records_person ON records(personal_id)
 *   incidents(id INTEGER PRIMARY KEY, school TEXT NOT NULL, time INTEGER NOT NULL,
 *           kind TEXT NOT NULL,               -- "log-mismatch", "leaf-differs", …
 *           sequence INTEGER, serial TEXT, message TEXT NOT NULL)
 *   users(name TEXT PRIMARY KEY, province TEXT NOT NULL,
 *           password TEXT NOT NULL,           -- "scrypt$N$r$p$salt_hex$hash_hex"
 *           created_at INTEGER NOT NULL)
 *   access_log(id INTEGER PRIMARY KEY, time INTEGER NOT NULL, user TEXT NOT NULL,
 *           province TEXT NOT NULL, action TEXT NOT NULL, address TEXT NOT NULL)
 *
 * A credential is (school, serial): its original, corrections and copies share the serial.
 * Its state derives from the events: revoked when an event of kind VB_EVENT_REVOKE names any of
 * its records; a record is superseded when a correction's `supersedes` names it.
 * A school's province is the ST attribute of its signer certificate ("" when absent).
 */
#ifndef PORTAL_H
#define PORTAL_H

#include "text.h"
#include "trust.h"
#include "vanbang.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#define PORTAL_PROGRAM "vanbang-portal"
#define PORTAL_SCHEMA_VERSION 1
#define PORTAL_APPLICATION_ID 0x56425054
#define PORTAL_MAX_PROVINCE_BYTES 128
#define PORTAL_MAX_USER_BYTES 64
#define PORTAL_LATE_DAYS 5          /* Circular 10/2026: a digital diploma within 5 days of the decision */

/* ---------------------------------------------------------------- the audit (audit.c)
 *
 * One pass over the store, read only, for one province ("" = all) and optionally one year of
 * issue (0 = all years). Memory grows with the number of schools and with the anomalies found
 * (capped: AUDIT_MAX_ANOMALIES kept, all counted), not with the number of records. */

#define AUDIT_MAX_ANOMALIES 100000

typedef enum {
    ANOMALY_BAD_SIGNATURE = 1,    /* a stored record no longer verifies (status in `code`) */
    ANOMALY_SIGNER_NOT_VALID,     /* signed outside its signer certificate's validity */
    ANOMALY_LOG_INCONSISTENT,     /* the stored events do not give a stored checkpoint's root */
    ANOMALY_TAMPERING,            /* an incident: the school's register changed after upload */
    ANOMALY_REGISTER_GAP,         /* register numbers of a type and year skip some */
    ANOMALY_REGISTER_DUPLICATE,   /* two originals with one register number */
    ANOMALY_SERIAL_DUPLICATE,     /* two originals with one serial in a school */
    ANOMALY_LATE_ISSUE,           /* issued more than PORTAL_LATE_DAYS after the decision */
    ANOMALY_REVOCATION_NO_DECISION, /* a revocation without a decision number */
    ANOMALY_TWO_DIPLOMAS,         /* one person, two originals of the same type and program */
    ANOMALY_KIND_COUNT
} anomaly_kind;

typedef struct {
    anomaly_kind kind;
    char school[VB_MAX_SCHOOL_CODE_BYTES + 1];
    char serial[VB_MAX_TEXT_BYTES + 1];   /* "" when the anomaly is not about one record */
    uint64_t sequence;                    /* the event, 0 when none */
    vb_status code;                       /* for signature anomalies */
    char detail[256];                     /* one sentence; never a personal id */
} audit_anomaly;

/* Counts by one dimension value (a school code, "2026", a type name, a program, a class). */
typedef struct {
    char key[VB_MAX_TEXT_BYTES + 1];
    char label[VB_MAX_TEXT_BYTES + 1];    /* what people read: school name, program name, … */
    uint64_t originals, corrections, copies, revoked;
} audit_count;

typedef struct {
    audit_count *items;
    size_t count, capacity;
} audit_counts;

typedef struct {
    char province[PORTAL_MAX_PROVINCE_BYTES + 1];
    int year;                             /* 0 = all */
    int64_t generated_at;
    uint64_t schools, records, events, signatures_checked;
    uint64_t anomaly_total[ANOMALY_KIND_COUNT];
    audit_anomaly *anomalies;             /* the first AUDIT_MAX_ANOMALIES */
    size_t anomaly_count;
    audit_counts by_school, by_year, by_type, by_program, by_classification;
    double seconds;                       /* how long the audit took */
} audit_result;

typedef struct {
    const char *province;                 /* "" or NULL = every province */
    int year;                             /* 0 = every year */
    unsigned threads;                     /* signature checks in parallel; 0 = one per core */
    void (*progress)(void *context, uint64_t done, uint64_t total); /* may be NULL */
    void *progress_context;
} audit_options;

/* Runs every check and statistic. db is the portal's store (opened by the caller, read only is
 * enough), trust the trust list to verify records against. */
vb_status audit_run(sqlite3 *db, const vb_trust_list *trust, const audit_options *options, audit_result *result,
                    vb_error *err);
void audit_free(audit_result *result);
const char *anomaly_name(anomaly_kind kind);          /* "bad-signature", … (stable, CSV) */
const char *anomaly_text(anomaly_kind kind, bool english);

/* ---------------------------------------------------------------- the report (report.c) */

/* The whole report as one HTML document: no external resource, no script, charts as inline
 * SVG; every field HTML-escaped. */
void report_html(const audit_result *result, bool english, text_buffer *out);
/* CSV files (RFC 4180, UTF-8, header line). */
void report_anomalies_csv(const audit_result *result, text_buffer *out);
void report_statistics_csv(const audit_result *result, text_buffer *out);

/* ---------------------------------------------------------------- verbs */

int command_audit(int argc, char **argv);   /* audit_cli.c */
int command_report(int argc, char **argv);  /* audit_cli.c: the yearly report of a province */

/* ---------------------------------------------------------------- the service (serve.c, http.c, pages.c)
 *
 * Added for the service; the audit interface above is unchanged. */

#include "ratelimit.h"

#include <openssl/x509.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#define PORTAL_MAX_ANCHORS 16
#define PORTAL_MAX_URI_CHARS 2048                  /* the longest lookup query, with room */
#define PORTAL_MEMORY_PER_CONNECTION (32u * 1024)  /* request line + headers + answer headers */
#define PORTAL_MAX_FORM_BYTES 4096                 /* the login form */
#define PORTAL_MAX_BUFFERED_BYTES (512u << 20)     /* bodies being received, all requests together */
#define PORTAL_SESSION_SECONDS (8 * 3600)
#define PORTAL_MAX_SESSIONS 1024
#define PORTAL_SESSION_COOKIE "vbportal_session"
#define PORTAL_AUDIT_CACHE_ENTRIES 16              /* audits kept, by (province, year) */

typedef struct {
    char listen[64];
    unsigned port;
    char *db_path;
    char *anchors[PORTAL_MAX_ANCHORS];
    size_t anchor_count;
    char *trust_path;
    unsigned threads;               /* HTTP worker threads */
    unsigned verify_threads;        /* threads checking one batch's events */
    double rate, burst;             /* the public pages and lookups; rate 0: no limit */
    double api_rate, api_burst;     /* the schools' endpoints */
    double login_rate, login_burst; /* login attempts */
    unsigned per_ip_connections;    /* 0: no limit */
    unsigned max_connections;
    unsigned timeout_seconds;
    bool behind_proxy;              /* X-Real-IP of a loopback peer names the client */
    bool access_log;
    bool english_default;           /* pages in English unless ?lang=vi */
    unsigned check_interval;        /* seconds between looks at the trust list file; 0: SIGHUP only */
} portal_settings;

/* The trust list in force; requests hold a reference while they use it, so a reload never frees
 * a list a request is reading (a verification keeps pointers into its entries). */
typedef struct {
    vb_trust_list list;
    uint8_t *bytes;
    size_t length;
    int64_t loaded_at;
    atomic_uint references;
} portal_trust;

struct store_pool;
struct portal_sessions;
struct portal_audits;
struct lookup_result;

typedef struct {
    portal_settings settings;
    X509 *anchors[PORTAL_MAX_ANCHORS];
    pthread_mutex_t trust_lock;     /* guards `trust` (the pointer) only */
    portal_trust *trust;
    struct stat trust_seen;
    struct store_pool *stores;
    ratelimiter *limiter, *api_limiter, *login_limiter; /* NULL when off */
    struct portal_sessions *sessions;
    struct portal_audits *audits;   /* the last audits made, reused until the store changes */
    char content_security_policy[320];
} portal_service;

/* serve.c */
portal_trust *portal_trust_acquire(portal_service *service);
void portal_trust_release(portal_trust *trust);
/* One line on standard error, after the access lines gathered so far. */
void portal_log(const char *format, ...) __attribute__((format(printf, 1, 2)));
int command_serve(int argc, char **argv);
extern const char serve_help[];

/* http.c */
struct MHD_Daemon;
struct MHD_Daemon *portal_http_start(portal_service *service, int listen_socket, char *message, size_t message_size);
void portal_http_stop(struct MHD_Daemon *daemon);
void portal_http_flush_log(void);
struct portal_sessions *portal_sessions_create(void);
void portal_sessions_free(struct portal_sessions *sessions);
/* An audit over a million records takes a minute: the service keeps the last
 * PORTAL_AUDIT_CACHE_ENTRIES (least recently used dropped), each marked with the store's
 * version (store.h) and the trust list it was checked against, and a view reuses one whose
 * marks still hold. One audit of a (province, year) runs at a time; other views of it wait. */
struct portal_audits *portal_audits_create(void);
void portal_audits_free(struct portal_audits *audits); /* after the daemon stopped */

/* pages.c — every value from the store or the request is escaped (text_html, text_json_string). */
const char *page_style(void);          /* the one style sheet: its hash goes into the CSP */
typedef struct {
    const char *serial, *name, *dob;   /* as typed, to fill the form again; NULL: empty */
} page_lookup_form;
void page_home(const page_lookup_form *form, const char *problem, bool english, text_buffer *out);
void page_lookup(const page_lookup_form *form, const struct lookup_result *results, size_t count, bool english,
                 text_buffer *out);
void page_login(bool failed, bool english, text_buffer *out);
void page_error(unsigned http_status, const char *message, bool english, text_buffer *out);
/* The bar put above the audit report: who is logged in, the CSV files, logging out. */
const char *page_audit_bar_style(void);
void page_audit_bar(const char *user, const char *province, int year, bool english, text_buffer *out);
void json_lookup(const struct lookup_result *results, size_t count, text_buffer *out);

/* main.c */
int command_init(int argc, char **argv);
int command_user_add(int argc, char **argv);
int command_user_list(int argc, char **argv);

#endif
