/*
 * verifier/serve.c — `vanbang-verifier serve`: the public HTTP verifier. This file is the
 * program's edge: settings from flags and a config file, the anchors, the first trust list and
 * the schools' status lists (refusing to start without valid ones), the listening socket,
 * dropping root, the signal loop that reloads them on SIGHUP and when a file changes, and
 * shutdown.
 * The daemon itself is http.c.
 */
#include "service.h"

#include "config.h"
#include "cose.h"
#include "keys.h"
#include "listen.h"
#include "link.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

const char serve_help[] =
    "NAME\n"
    "    vanbang-verifier serve — the public HTTP verifier a diploma's QR code opens\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-verifier serve --anchor FILE --trust FILE [--status FILE]… [--listen ADDR]\n"
    "                           [--port N] [--base-url URL] [--threads N] [--user NAME]\n"
    "                           [--config FILE]\n"
    "                           [--rate R] [--burst B] [--max-connections-per-ip N]\n"
    "                           [--max-connections N] [--timeout SECONDS] [--behind-proxy]\n"
    "                           [--access-log yes|no] [--check-interval SECONDS]\n"
    "                           [--key-tables N]\n"
    "\n"
    "DESCRIPTION\n"
    "    Serves the page a phone opens from a diploma's QR code (GET /V/DIGITS: the verdict in\n"
    "    a coloured banner, then the fields as printed and the issuing school; Vietnamese, or\n"
    "    English with ?lang=en), a JSON API (GET or POST /api/v1/verify), /healthz and\n"
    "    /metrics (Prometheus). docs/API.md describes every endpoint and code. Needs no network:\n"
    "    the trust list and the status lists are local files.\n"
    "\n"
    "    The trust list is checked against the --anchor certificates at start; the service\n"
    "    refuses to start (exit 2) when it is missing, invalid, unsigned or signed by another\n"
    "    authority. It is read again on SIGHUP, and when the file changes (its identity, size\n"
    "    and modification time are looked at every --check-interval seconds). A new list\n"
    "    replaces the old one only if it is valid and its sequence number is higher; else the\n"
    "    old list stays in force and the log says why. Requests in flight finish with the list\n"
    "    they started with; no connection is dropped.\n"
    "\n"
    "    A school's status list (--status) says which of its records are revoked or superseded by\n"
    "    a correction; a genuine record listed there is shown as \"revoked\" (ground, decision date\n"
    "    and number) or \"superseded\" (with a link to the current record when the list carries\n"
    "    it). Status lists are checked against the trust list; an invalid one refuses the start.\n"
    "    They are reloaded with the trust list, as one: a changed list must be valid and newer,\n"
    "    else the whole reload is refused and everything held stays in force. A status list\n"
    "    whose signer the new trust list no longer holds (trust-remove) is dropped with a warning\n"
    "    instead, so withdrawing a key always takes effect.\n"
    "\n"
    "    A --status file may also be the national portal's status bundle: every school's latest\n"
    "    signed list in one file. Each list in it is checked exactly as a file of its own, and a\n"
    "    changed bundle is taken whole or not at all: one list in it that is not valid or older\n"
    "    than the one held for its school refuses the reload (the log names the file and the\n"
    "    element, counted from 0, as FILE[3]), and so does a bundle that leaves out a school\n"
    "    whose list is held, unless that school's signer left the trust list.\n"
    "\n"
    "OPTIONS\n"
    "    --anchor FILE        certificate (PEM) of an authority whose trust lists are accepted;\n"
    "                         repeat for several (up to 16). Required.\n"
    "    --trust FILE         the signed trust list (trust.cbor). Required.\n"
    "    --status FILE        a school's signed status list, or the portal's bundle of them;\n"
    "                         repeat for several files (up to 64; one list per school in all)\n"
    "    --listen ADDR        address to listen on: an IPv4 or IPv6 address (default 127.0.0.1;\n"
    "                         0.0.0.0 or :: for every interface)\n"
    "    --port N             TCP port (default 8080); 0 picks a free port, printed at start\n"
    "    --base-url URL       the base URL printed in the QR codes (https://host/V/); its path\n"
    "                         is served besides /V/ and /v/, in any case\n"
    "    --threads N          worker threads, each with its own epoll loop (default: one per\n"
    "                         processor)\n"
    "    --user NAME          when started as root: switch to this user after opening the\n"
    "                         socket and reading the files (the trust list and status lists\n"
    "                         must stay readable to it for reloads)\n"
    "    --config FILE        read settings from FILE first (see CONFIGURATION FILE); options\n"
    "                         on the command line override it\n"
    "    --rate R             requests per second each client may make (default 20; 0 turns\n"
    "                         the limit off); over it the answer is 429 with Retry-After\n"
    "    --burst B            requests a client may make at once after a pause (default 40)\n"
    "    --max-connections-per-ip N\n"
    "                         simultaneous connections from one address (default 32; 0: no\n"
    "                         limit — needed behind a reverse proxy, whose connections all come\n"
    "                         from one address)\n"
    "    --max-connections N  simultaneous connections in all (default 1024)\n"
    "    --timeout SECONDS    close a connection idle this long (default 10)\n"
    "    --behind-proxy       trust the X-Real-IP header of connections from loopback (a local\n"
    "                         reverse proxy) as the client's address, for the rate limit and\n"
    "                         the /metrics restriction\n"
    "    --access-log yes|no  one line per request on standard error (default yes): time,\n"
    "                         method, path with record digits cut to the first 8, status,\n"
    "                         verdict, microseconds. No address, no name, no query string.\n"
    "    --check-interval SECONDS\n"
    "                         how often to look whether the trust list or a status list file\n"
    "                         changed (default 1; 0: only on SIGHUP)\n"
    "    --key-tables N       how many school keys may have a table of their multiples, which\n"
    "                         makes an ES256 verification 2-3 times faster (default 16; 0: none).\n"
    "                         A key gets its table after 64 verifications; each costs ~150 KB\n"
    "                         and ~30 ms once. Answers are the same with or without.\n"
    "\n"
    "CONFIGURATION FILE\n"
    "    Lines `key = value`, keys named as the long options without the dashes; `#` starts a\n"
    "    comment. `anchor` and `status` may repeat; `behind-proxy = yes`. Example:\n"
    "        listen = 127.0.0.1\n"
    "        port = 8080\n"
    "        anchor = /etc/vanbang/authority.crt\n"
    "        trust = /var/lib/vanbang/trust.cbor\n"
    "        status = /var/lib/vanbang/status/CDNHN01.cose\n"
    "        base-url = https://xacthuc.example.edu.vn/V/\n"
    "\n"
    "ENDPOINTS\n"
    "    GET /V/DIGITS[?lang=en]        the verdict page (HTML); 200 for every verdict\n"
    "    GET /api/v1/verify?link=TEXT   also ?record=DIGITS or ?hex=HEX; JSON\n"
    "    POST /api/v1/verify            {\"link\": \"…\"} (application/json), the record itself\n"
    "                                   (application/cbor), or the link (text/plain); ≤ 8 KiB\n"
    "    GET /healthz                   \"ok\", the trust list's and status lists' sequences\n"
    "    GET /metrics                   Prometheus text; loopback clients only\n"
    "\n"
    "SIGNALS\n"
    "    SIGHUP reloads the trust list and the status lists; SIGTERM and SIGINT stop the service.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 stopped by a signal; 2 usage errors, or a file, trust list, status list or socket that\n"
    "    made it refuse to start.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-verifier serve --anchor authority.crt --trust trust.cbor --port 8080\n"
    "    vanbang-verifier serve --anchor authority.crt --trust trust.cbor \\\n"
    "        --status CDNHN01-status.cose --status TCDN05-status.cose\n"
    "    vanbang-verifier serve --anchor authority.crt --trust trust.cbor \\\n"
    "        --status /var/lib/vanbang/status-bundle.cbor\n"
    "    vanbang-verifier serve --config /etc/vanbang/verifier.conf\n"
    "    curl 'http://127.0.0.1:8080/api/v1/verify?link=HTTPS://XACTHUC.EXAMPLE.EDU.VN/V/0119…'\n";

/* ---------------------------------------------------------------- settings */

typedef enum {
    SET_LISTEN, SET_PORT, SET_ANCHOR, SET_TRUST, SET_STATUS, SET_BASE_URL, SET_THREADS, SET_USER, SET_RATE, SET_BURST,
    SET_PER_IP, SET_MAX_CONNECTIONS, SET_TIMEOUT, SET_BEHIND_PROXY, SET_ACCESS_LOG, SET_CHECK_INTERVAL, SET_KEY_TABLES, SET_CONFIG,
    SET_HELP,
} setting_id;

static const struct option long_options[] = {
    {"listen", required_argument, NULL, SET_LISTEN},
    {"port", required_argument, NULL, SET_PORT},
    {"anchor", required_argument, NULL, SET_ANCHOR},
    {"trust", required_argument, NULL, SET_TRUST},
    {"status", required_argument, NULL, SET_STATUS},
    {"base-url", required_argument, NULL, SET_BASE_URL},
    {"threads", required_argument, NULL, SET_THREADS},
    {"user", required_argument, NULL, SET_USER},
    {"rate", required_argument, NULL, SET_RATE},
    {"burst", required_argument, NULL, SET_BURST},
    {"max-connections-per-ip", required_argument, NULL, SET_PER_IP},
    {"max-connections", required_argument, NULL, SET_MAX_CONNECTIONS},
    {"timeout", required_argument, NULL, SET_TIMEOUT},
    {"behind-proxy", no_argument, NULL, SET_BEHIND_PROXY},
    {"access-log", required_argument, NULL, SET_ACCESS_LOG},
    {"check-interval", required_argument, NULL, SET_CHECK_INTERVAL},
    {"key-tables", required_argument, NULL, SET_KEY_TABLES},
    {"config", required_argument, NULL, SET_CONFIG},
    {"help", no_argument, NULL, SET_HELP},
    {NULL, 0, NULL, 0},
};

static void settings_defaults(serve_settings *settings)
{
    memset(settings, 0, sizeof *settings);
    snprintf(settings->listen, sizeof settings->listen, "127.0.0.1");
    settings->port = 8080;
    snprintf(settings->base_path, sizeof settings->base_path, "/V/");
    long processors = sysconf(_SC_NPROCESSORS_ONLN);
    settings->threads = processors < 1 ? 1 : processors > 64 ? 64 : (unsigned)processors;
    settings->rate = 20;
    settings->burst = 40;
    settings->per_ip_connections = 32;
    settings->max_connections = 1024;
    settings->timeout_seconds = 10;
    settings->access_log = true;
    settings->check_interval = 1;
    settings->key_tables = VB_COSE_KEY_TABLES_DEFAULT;
}

static void settings_free(serve_settings *settings)
{
    for (size_t i = 0; i < settings->anchor_count; i++)
        free(settings->anchors[i]);
    free(settings->trust_path);
    for (size_t i = 0; i < settings->status_count; i++)
        free(settings->status_paths[i]);
    free(settings->base_url);
    free(settings->user);
}

/* Applies one setting; `where` names its source for the message ("--port", "FILE:LINE"). */
static bool apply_setting(void *context, int id, const char *value, const char *where)
{
    serve_settings *settings = context;
    const char *wrong = NULL;
    switch (id) {
    case SET_LISTEN:
        if (strlen(value) >= sizeof settings->listen)
            wrong = "an address";
        else
            snprintf(settings->listen, sizeof settings->listen, "%s", value);
        break;
    case SET_PORT: if (!vb_config_unsigned(value, 0, 65535, &settings->port)) wrong = "a port 0-65535"; break;
    case SET_ANCHOR:
        if (settings->anchor_count == SERVE_MAX_ANCHORS)
            wrong = "one of at most 16 anchors";
        else if (!(settings->anchors[settings->anchor_count] = strdup(value)))
            wrong = "memory";
        else
            settings->anchor_count++;
        break;
    case SET_TRUST: if (!vb_config_string(&settings->trust_path, value)) wrong = "memory"; break;
    case SET_STATUS:
        if (settings->status_count == SERVE_MAX_STATUS_FILES)
            wrong = "one of at most 64 status files";
        else if (!(settings->status_paths[settings->status_count] = strdup(value)))
            wrong = "memory";
        else
            settings->status_count++;
        break;
    case SET_BASE_URL: if (!vb_config_string(&settings->base_url, value)) wrong = "memory"; break;
    case SET_THREADS: if (!vb_config_unsigned(value, 1, 64, &settings->threads)) wrong = "a thread count 1-64"; break;
    case SET_USER: if (!vb_config_string(&settings->user, value)) wrong = "memory"; break;
    case SET_RATE: if (!vb_config_real(value, 0, 1e6, &settings->rate)) wrong = "a rate 0-1000000"; break;
    case SET_BURST: if (!vb_config_real(value, 1, 1e6, &settings->burst)) wrong = "a burst 1-1000000"; break;
    case SET_PER_IP:
        if (!vb_config_unsigned(value, 0, 100000, &settings->per_ip_connections))
            wrong = "a count 0-100000";
        break;
    case SET_MAX_CONNECTIONS:
        if (!vb_config_unsigned(value, 1, 100000, &settings->max_connections))
            wrong = "a count 1-100000";
        break;
    case SET_TIMEOUT: if (!vb_config_unsigned(value, 1, 3600, &settings->timeout_seconds)) wrong = "seconds 1-3600"; break;
    case SET_BEHIND_PROXY: if (!vb_config_switch(value, &settings->behind_proxy)) wrong = "yes or no"; break;
    case SET_ACCESS_LOG: if (!vb_config_switch(value, &settings->access_log)) wrong = "yes or no"; break;
    case SET_CHECK_INTERVAL:
        if (!vb_config_unsigned(value, 0, 86400, &settings->check_interval))
            wrong = "seconds 0-86400";
        break;
    case SET_KEY_TABLES: if (!vb_config_unsigned(value, 0, 4096, &settings->key_tables)) wrong = "a count 0-4096"; break;
    default: wrong = "a known setting"; break;
    }
    if (wrong) {
        fprintf(stderr, SERVE_PROGRAM " serve: %s: '%s' is not %s\n", where, value, wrong);
        return false;
    }
    return true;
}

/* Flags first collected, then the config file applied, then the flags over it (anchors and
 * status lists given on the command line replace those of the file). Returns -1 to go on, else an exit status. */
static int parse_settings(int argc, char **argv, serve_settings *settings)
{
    typedef struct {
        int id;
        const char *value;
    } flag;
    flag *flags = calloc((size_t)argc + 1, sizeof *flags);
    size_t flag_count = 0;
    const char *config = NULL;
    bool anchors_on_command_line = false, status_on_command_line = false;
    int c, status = -1;

    if (!flags)
        return 2;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        if (c == SET_HELP) {
            fputs(serve_help, stdout);
            status = 0;
            goto done;
        }
        if (c == '?' || c == ':') {
            fputs("Try 'vanbang-verifier serve --help'.\n", stderr);
            status = 2;
            goto done;
        }
        if (c == SET_CONFIG) {
            config = optarg;
            continue;
        }
        anchors_on_command_line |= c == SET_ANCHOR;
        status_on_command_line |= c == SET_STATUS;
        flags[flag_count++] = (flag){c, c == SET_BEHIND_PROXY ? "yes" : optarg};
    }
    if (optind < argc) {
        fprintf(stderr, SERVE_PROGRAM " serve: unexpected argument '%s'. Try --help.\n", argv[optind]);
        status = 2;
        goto done;
    }
    static const int file_refused[] = {SET_CONFIG, SET_HELP, 0};
    if (config && !vb_config_read(SERVE_PROGRAM, config, long_options, file_refused, apply_setting, settings)) {
        status = 2;
        goto done;
    }
    if (anchors_on_command_line) {
        for (size_t i = 0; i < settings->anchor_count; i++)
            free(settings->anchors[i]);
        settings->anchor_count = 0;
    }
    if (status_on_command_line) {
        for (size_t i = 0; i < settings->status_count; i++)
            free(settings->status_paths[i]);
        settings->status_count = 0;
    }
    for (size_t i = 0; i < flag_count; i++) {
        char where[64];
        const struct option *o = long_options;
        while (o->name && o->val != flags[i].id)
            o++;
        snprintf(where, sizeof where, "--%s", o->name ? o->name : "?");
        if (!apply_setting(settings, flags[i].id, flags[i].value, where)) {
            status = 2;
            goto done;
        }
    }
    if (settings->anchor_count == 0 || !settings->trust_path) {
        fprintf(stderr, SERVE_PROGRAM " serve: --anchor and --trust are required (on the command line or in "
                        "--config). Try --help.\n");
        status = 2;
        goto done;
    }
    if (settings->base_url) {
        char canonical[VB_MAX_LINK_CHARS + 1];
        vb_error err = {0};
        if (vb_link_canonical_base(settings->base_url, canonical, sizeof canonical, NULL, &err) != VB_OK) {
            fprintf(stderr, SERVE_PROGRAM " serve: --base-url: %s\n", err.message);
            status = 2;
            goto done;
        }
        const char *path = strchr(strstr(settings->base_url, "://") + 3, '/');
        if (!path || strlen(path) >= sizeof settings->base_path) {
            fprintf(stderr, SERVE_PROGRAM " serve: --base-url: the path is missing or too long\n");
            status = 2;
            goto done;
        }
        snprintf(settings->base_path, sizeof settings->base_path, "%s", path);
    }
done:
    free(flags);
    return status;
}

/* ---------------------------------------------------------------- socket and privileges */

static int drop_privileges(const char *user)
{
    if (geteuid() != 0) {
        struct passwd *self = getpwuid(geteuid());
        if (self && strcmp(self->pw_name, user) == 0)
            return 0;
        fprintf(stderr, SERVE_PROGRAM " serve: --user %s needs the service to be started as root\n", user);
        return 2;
    }
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        fprintf(stderr, SERVE_PROGRAM " serve: --user %s: no such user\n", user);
        return 2;
    }
    if (pw->pw_uid == 0) {
        fprintf(stderr, SERVE_PROGRAM " serve: --user %s is root; name an unprivileged user\n", user);
        return 2;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        fprintf(stderr, SERVE_PROGRAM " serve: cannot switch to user %s: %s\n", user, strerror(errno));
        return 2;
    }
    if (setuid(0) == 0) { /* must be impossible now */
        fprintf(stderr, SERVE_PROGRAM " serve: still able to regain root after switching to %s\n", user);
        return 2;
    }
    return 0;
}

/* ---------------------------------------------------------------- the service's life */

static void log_line(const char *format, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *format, ...)
{
    char line[3072], stamp[32];
    http_flush_log(); /* the access lines before this one go out first */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf(line, sizeof line, "%s " SERVE_PROGRAM ": ", stamp);
    va_list ap;
    va_start(ap, format);
    n += vsnprintf(line + n, sizeof line - (size_t)n, format, ap);
    va_end(ap);
    if ((size_t)n >= sizeof line - 1)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* nowhere left to say it */
    }
}

/* 'sha256-…' of the inline style sheet, for the Content-Security-Policy. */
static bool style_hash(char *out, size_t out_size)
{
    unsigned char digest[32];
    unsigned int digest_length = 0;
    unsigned char base64[48]; /* 44 characters and a NUL for 32 bytes */
    const char *style = page_style();
    if (!EVP_Digest(style, strlen(style), digest, &digest_length, EVP_sha256(), NULL) || digest_length != 32)
        return false;
    EVP_EncodeBlock(base64, digest, 32);
    snprintf(out, out_size, "'sha256-%.44s'", (const char *)base64);
    return true;
}

static void log_warning(const char *message) { log_line("%s", message); }

static void reload(service *s, const char *why)
{
    char message[2600];
    reload_result result = trust_store_reload(&s->trust, message, sizeof message);
    log_line("%s: %s", why, message);
    (void)result;
}

int command_serve(int argc, char **argv)
{
    service *s = calloc(1, sizeof *s);
    X509 *anchors[SERVE_MAX_ANCHORS] = {0};
    struct MHD_Daemon *daemon = NULL;
    int fd = -1, status = 2;
    bool trust_open = false;
    char message[512], hash[80], where[80];
    vb_error err = {0};

    if (!s) {
        fprintf(stderr, SERVE_PROGRAM " serve: out of memory\n");
        return 2;
    }
    settings_defaults(&s->settings);
    int parsed = parse_settings(argc, argv, &s->settings);
    if (parsed >= 0) {
        status = parsed;
        goto done;
    }
    serve_settings *settings = &s->settings;

    for (size_t i = 0; i < settings->anchor_count; i++)
        if (vb_cert_load(settings->anchors[i], &anchors[i], &err) != VB_OK) {
            fprintf(stderr, SERVE_PROGRAM " serve: --anchor: %s\n", err.message);
            goto done;
        }
    vb_cose_set_key_tables(settings->key_tables);
    if (trust_store_open(&s->trust, settings->trust_path, (const char *const *)settings->status_paths,
                         settings->status_count, anchors, settings->anchor_count, &err) != VB_OK) {
        fprintf(stderr, SERVE_PROGRAM " serve: refusing to start: %s (%s)\n", err.message, vb_status_name(err.code));
        goto done;
    }
    trust_open = true;
    s->trust.warn = log_warning;
    if (!style_hash(hash, sizeof hash)) {
        fprintf(stderr, SERVE_PROGRAM " serve: cannot hash the style sheet\n");
        goto done;
    }
    snprintf(s->content_security_policy, sizeof s->content_security_policy,
             "default-src 'none'; style-src %s; img-src 'none'; base-uri 'none'; form-action 'none'; "
             "frame-ancestors 'none'",
             hash);
    metrics_init(&s->metrics);
    if (settings->rate > 0 && !(s->limiter = ratelimit_create(settings->rate, settings->burst))) {
        fprintf(stderr, SERVE_PROGRAM " serve: out of memory for the rate limiter\n");
        goto done;
    }

    if ((fd = vb_listen(settings->listen, settings->port, message, sizeof message)) < 0) {
        fprintf(stderr, SERVE_PROGRAM " serve: %s\n", message);
        goto done;
    }
    if (settings->user) {
        if ((status = drop_privileges(settings->user)) != 0)
            goto done;
        status = 2;
    } else if (geteuid() == 0) {
        log_line("warning: running as root; give --user NAME to drop privileges");
    }

    /* Every thread started from here on inherits this mask: only the loop below takes the
     * signals, synchronously, so no handler runs inside a worker. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (!(daemon = http_start(s, fd, message, sizeof message))) {
        fprintf(stderr, SERVE_PROGRAM " serve: %s\n", message);
        goto done;
    }
    vb_socket_name(fd, where, sizeof where);
    trust_snapshot *first = trust_store_acquire(&s->trust);
    log_line("listening on %s (trust list sequence %llu, %zu entries; %u threads; rate %g/s burst %g)", where,
             (unsigned long long)first->list.sequence, first->list.count, settings->threads, settings->rate,
             settings->burst);
    for (size_t i = 0; i < first->source_count; i++) {
        size_t lists = 0;
        for (size_t k = 0; k < first->status_count; k++)
            lists += first->status[k].source == i;
        if (first->sources[i].bundle)
            log_line("status bundle %s: %zu lists", first->sources[i].path, lists);
    }
    for (size_t i = 0; i < first->status_count; i++) {
        char name[512];
        status_name(&first->status[i], name, sizeof name);
        log_line("status list %s: school %s, sequence %llu, %zu entries", name, first->status[i].list.origin,
                 (unsigned long long)first->status[i].list.sequence, first->status[i].list.count);
    }
    trust_snapshot_release(first);

    for (unsigned idle_seconds = 0;;) {
        struct timespec one_second = {1, 0};
        int signal_number = sigtimedwait(&signals, NULL, &one_second);
        http_flush_log();
        if (signal_number == SIGTERM || signal_number == SIGINT) {
            log_line("stopping on %s", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        }
        if (signal_number == SIGHUP) {
            reload(s, "SIGHUP");
        } else if (signal_number < 0 && settings->check_interval && ++idle_seconds >= settings->check_interval) {
            idle_seconds = 0;
            if (trust_store_file_changed(&s->trust))
                reload(s, "file changed");
        }
    }
    status = 0;

done:
    http_stop(daemon);
    if (fd >= 0)
        close(fd);
    if (trust_open)
        trust_store_close(&s->trust);
    ratelimit_free(s->limiter);
    for (size_t i = 0; i < SERVE_MAX_ANCHORS; i++)
        X509_free(anchors[i]);
    settings_free(&s->settings);
    free(s);
    return status;
}
