/*
 * portal/serve.c — `vanbang-portal serve`, the edge of the national lookup portal: settings
 * from the command line and a config file, the anchors and the first trust list (no start
 * without a valid one), the store's connections, the listening socket, and the loop that takes
 * the signals — SIGHUP (and a changed file) reloads the trust list, SIGTERM and SIGINT stop.
 * The HTTP daemon is http.c; what it stores, store.c.
 */
#include "portal.h"

#include "config.h"
#include "fileio.h"
#include "listen.h"
#include "keys.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char serve_help[] =
    "NAME\n"
    "    vanbang-portal serve — the national diploma lookup portal over HTTP\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-portal serve --db FILE --anchor FILE --trust FILE [--listen ADDR] [--port N]\n"
    "                         [--threads N] [--verify-threads N] [--rate R] [--burst B]\n"
    "                         [--api-rate R] [--api-burst B] [--login-rate R] [--login-burst B]\n"
    "                         [--max-connections-per-ip N] [--max-connections N] [--timeout SECONDS]\n"
    "                         [--behind-proxy] [--access-log yes|no] [--check-interval SECONDS]\n"
    "                         [--english-default] [--config FILE]\n"
    "\n"
    "DESCRIPTION\n"
    "    Schools mirror their registers here: each POST of a batch signed by the school's key is\n"
    "    checked whole — the signer against the trust list, every record's signature, every event\n"
    "    against its record, the school's signed checkpoint against the log the portal already\n"
    "    holds — and stored in one transaction, or refused whole. A school whose log no longer\n"
    "    extends what it sent before is refused and an incident is recorded. Schools also send\n"
    "    their status lists, which the portal serves to verifiers.\n"
    "\n"
    "    The public looks a diploma up by its serial number and the holder's name or date of\n"
    "    birth (rate-limited; never a list, never a personal identification number). Provincial\n"
    "    staff log in to read the audit of their province (users: 'vanbang-portal user-add'). An\n"
    "    audit is made once and kept (the last 16, by province and year) until a school sends\n"
    "    something or the trust list changes; the report says when it was made.\n"
    "\n"
    "    The trust list is checked against the --anchor certificates at start; the portal refuses\n"
    "    to start without a valid one. It is read again on SIGHUP and when the file changes; a\n"
    "    new list replaces the old only if it is valid and newer.\n"
    "\n"
    "OPTIONS\n"
    "    --db FILE              the portal's store ('vanbang-portal init'). Required.\n"
    "    --anchor FILE          certificate (PEM) of an authority whose trust lists are accepted;\n"
    "                           repeat for several (up to 16). Required.\n"
    "    --trust FILE           the signed trust list (trust.cbor). Required.\n"
    "    --listen ADDR          IPv4 or IPv6 address to listen on (default 127.0.0.1)\n"
    "    --port N               TCP port (default 8090); 0 picks a free port, printed at start\n"
    "    --threads N            HTTP worker threads, each with its own epoll loop (default: one\n"
    "                           per processor)\n"
    "    --verify-threads N     threads checking the records of one batch (default: one per\n"
    "                           processor)\n"
    "    --rate R, --burst B    requests per second, and at once after a pause, each client may\n"
    "                           make to the public pages, lookups and status lists (default 1 and\n"
    "                           10; rate 0 turns the limit off); over it: 429 with Retry-After\n"
    "    --api-rate R, --api-burst B\n"
    "                           the same for the schools' endpoints (default 100 and 200)\n"
    "    --login-rate R, --login-burst B\n"
    "                           the same for login attempts (default 0.1 and 5: five tries, then\n"
    "                           one every ten seconds)\n"
    "    --max-connections-per-ip N\n"
    "                           simultaneous connections from one address (default 32; 0: none)\n"
    "    --max-connections N    simultaneous connections in all (default 1024)\n"
    "    --timeout SECONDS      close a connection idle this long (default 30)\n"
    "    --behind-proxy         take the client's address from X-Real-IP of loopback peers\n"
    "    --access-log yes|no    one line per request on standard error (default yes): time,\n"
    "                           method, path (long digit runs cut), status, microseconds; never\n"
    "                           an address, a query string, a name or an identification number\n"
    "    --check-interval SECONDS\n"
    "                           how often to look whether the trust list file changed (default 1;\n"
    "                           0: only on SIGHUP)\n"
    "    --english-default      pages in English unless ?lang=vi (default Vietnamese; ?lang=en)\n"
    "    --config FILE          settings from FILE first; the command line overrides them\n"
    "\n"
    "CONFIGURATION FILE\n"
    "    Lines `key = value`, keys named as the long options without the dashes; `#` starts a\n"
    "    comment; `anchor` may repeat; `behind-proxy = yes`, `english-default = yes`. Example:\n"
    "        db = /var/lib/vanbang/portal.db\n"
    "        anchor = /etc/vanbang/authority.crt\n"
    "        trust = /var/lib/vanbang/trust.cbor\n"
    "        port = 8090\n"
    "\n"
    "ENDPOINTS\n"
    "    POST /api/v1/batches                 a signed batch (application/cbor)\n"
    "    GET  /api/v1/schools/CODE            what the portal holds of a school\n"
    "    POST /api/v1/schools/CODE/leaves     a signed leaf statement (application/cbor)\n"
    "    PUT  /api/v1/schools/CODE/status     the school's signed status list\n"
    "    GET  /status/CODE, GET /status       one school's status list; every school's (bundle)\n"
    "    GET  /, /lookup, /api/v1/lookup      the public lookup (?serial=S&name=N or &dob=D)\n"
    "    GET, POST /audit/login, POST /audit/logout, GET /audit, /audit/anomalies.csv,\n"
    "         /audit/statistics.csv           the provincial staff's audit\n"
    "    GET  /healthz\n"
    "\n"
    "SIGNALS\n"
    "    SIGHUP reloads the trust list; SIGTERM and SIGINT stop the portal.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 stopped by a signal; 2 usage errors, or a store, trust list or socket that made it\n"
    "    refuse to start.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-portal serve --db portal.db --anchor authority.crt --trust trust.cbor\n"
    "    vanbang-portal serve --config /etc/vanbang/portal.conf --port 8090\n"
    "    curl 'http://127.0.0.1:8090/api/v1/lookup?serial=2026000001&name=NGUYEN%20VAN%20AN'\n";

/* ---------------------------------------------------------------- settings */

typedef enum {
    OPT_DB = 1, OPT_ANCHOR, OPT_TRUST, OPT_LISTEN, OPT_PORT, OPT_THREADS, OPT_VERIFY_THREADS, OPT_RATE, OPT_BURST,
    OPT_API_RATE, OPT_API_BURST, OPT_LOGIN_RATE, OPT_LOGIN_BURST, OPT_PER_IP, OPT_MAX_CONNECTIONS, OPT_TIMEOUT,
    OPT_BEHIND_PROXY, OPT_ACCESS_LOG, OPT_CHECK_INTERVAL, OPT_ENGLISH_DEFAULT, OPT_CONFIG, OPT_HELP,
} option_id;

static const struct option serve_options[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"anchor", required_argument, NULL, OPT_ANCHOR},
    {"trust", required_argument, NULL, OPT_TRUST},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"port", required_argument, NULL, OPT_PORT},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"verify-threads", required_argument, NULL, OPT_VERIFY_THREADS},
    {"rate", required_argument, NULL, OPT_RATE},
    {"burst", required_argument, NULL, OPT_BURST},
    {"api-rate", required_argument, NULL, OPT_API_RATE},
    {"api-burst", required_argument, NULL, OPT_API_BURST},
    {"login-rate", required_argument, NULL, OPT_LOGIN_RATE},
    {"login-burst", required_argument, NULL, OPT_LOGIN_BURST},
    {"max-connections-per-ip", required_argument, NULL, OPT_PER_IP},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"behind-proxy", no_argument, NULL, OPT_BEHIND_PROXY},
    {"access-log", required_argument, NULL, OPT_ACCESS_LOG},
    {"check-interval", required_argument, NULL, OPT_CHECK_INTERVAL},
    {"english-default", no_argument, NULL, OPT_ENGLISH_DEFAULT},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static unsigned processors(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

static void settings_init(portal_settings *settings)
{
    memset(settings, 0, sizeof *settings);
    snprintf(settings->listen, sizeof settings->listen, "127.0.0.1");
    settings->port = 8090;
    settings->threads = processors();
    settings->verify_threads = processors();
    settings->rate = 1;
    settings->burst = 10;
    settings->api_rate = 100;
    settings->api_burst = 200;
    settings->login_rate = 0.1;
    settings->login_burst = 5;
    settings->per_ip_connections = 32;
    settings->max_connections = 1024;
    settings->timeout_seconds = 30;
    settings->access_log = true;
    settings->check_interval = 1;
}

static void settings_release(portal_settings *settings)
{
    free(settings->db_path);
    free(settings->trust_path);
    for (size_t i = 0; i < settings->anchor_count; i++)
        free(settings->anchors[i]);
}

/* One setting; `source` names where it came from ("--port", "FILE:LINE") for the message. */
static bool apply(void *context, int id, const char *value, const char *source)
{
    portal_settings *settings = context;
    const char *expected = NULL;
    switch (id) {
    case OPT_DB: if (!vb_config_string(&settings->db_path, value)) expected = "memory"; break;
    case OPT_TRUST: if (!vb_config_string(&settings->trust_path, value)) expected = "memory"; break;
    case OPT_ANCHOR:
        if (settings->anchor_count == PORTAL_MAX_ANCHORS)
            expected = "one of at most 16 anchors";
        else if (!(settings->anchors[settings->anchor_count] = strdup(value)))
            expected = "memory";
        else
            settings->anchor_count++;
        break;
    case OPT_LISTEN:
        if (!*value || strlen(value) >= sizeof settings->listen)
            expected = "an address";
        else
            snprintf(settings->listen, sizeof settings->listen, "%s", value);
        break;
    case OPT_PORT: if (!vb_config_unsigned(value, 0, 65535, &settings->port)) expected = "a port 0-65535"; break;
    case OPT_THREADS: if (!vb_config_unsigned(value, 1, 64, &settings->threads)) expected = "1-64 threads"; break;
    case OPT_VERIFY_THREADS:
        if (!vb_config_unsigned(value, 1, 64, &settings->verify_threads))
            expected = "1-64 threads";
        break;
    case OPT_RATE: if (!vb_config_real(value, 0, 1e6, &settings->rate)) expected = "a rate 0-1000000"; break;
    case OPT_BURST: if (!vb_config_real(value, 1, 1e6, &settings->burst)) expected = "a burst 1-1000000"; break;
    case OPT_API_RATE: if (!vb_config_real(value, 0, 1e6, &settings->api_rate)) expected = "a rate 0-1000000"; break;
    case OPT_API_BURST: if (!vb_config_real(value, 1, 1e6, &settings->api_burst)) expected = "a burst 1-1000000"; break;
    case OPT_LOGIN_RATE: if (!vb_config_real(value, 0, 1e6, &settings->login_rate)) expected = "a rate 0-1000000"; break;
    case OPT_LOGIN_BURST:
        if (!vb_config_real(value, 1, 1e6, &settings->login_burst))
            expected = "a burst 1-1000000";
        break;
    case OPT_PER_IP:
        if (!vb_config_unsigned(value, 0, 100000, &settings->per_ip_connections))
            expected = "a count 0-100000";
        break;
    case OPT_MAX_CONNECTIONS:
        if (!vb_config_unsigned(value, 1, 100000, &settings->max_connections))
            expected = "a count 1-100000";
        break;
    case OPT_TIMEOUT: if (!vb_config_unsigned(value, 1, 3600, &settings->timeout_seconds)) expected = "1-3600 seconds"; break;
    case OPT_BEHIND_PROXY: if (!vb_config_switch(value, &settings->behind_proxy)) expected = "yes or no"; break;
    case OPT_ACCESS_LOG: if (!vb_config_switch(value, &settings->access_log)) expected = "yes or no"; break;
    case OPT_ENGLISH_DEFAULT: if (!vb_config_switch(value, &settings->english_default)) expected = "yes or no"; break;
    case OPT_CHECK_INTERVAL:
        if (!vb_config_unsigned(value, 0, 86400, &settings->check_interval))
            expected = "0-86400 seconds";
        break;
    default: expected = "a known setting"; break;
    }
    if (expected) {
        fprintf(stderr, PORTAL_PROGRAM " serve: %s: '%s' is not %s\n", source, value, expected);
        return false;
    }
    return true;
}

/* The config file first, then the command line over it (anchors given on the command line
 * replace the file's). Returns -1 to go on, else the exit status. */
static int read_settings(int argc, char **argv, portal_settings *settings)
{
    struct given {
        int id;
        const char *value;
    } *given = calloc((size_t)argc + 1, sizeof *given);
    size_t given_count = 0;
    const char *config = NULL;
    bool anchors_given = false;
    int c, result = -1;
    if (!given)
        return 2;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", serve_options, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(serve_help, stdout);
            result = 0;
            goto done;
        }
        if (c == '?' || c == ':') {
            fputs("Try 'vanbang-portal serve --help'.\n", stderr);
            result = 2;
            goto done;
        }
        if (c == OPT_CONFIG) {
            config = optarg;
            continue;
        }
        anchors_given |= c == OPT_ANCHOR;
        given[given_count++] = (struct given){c, c == OPT_BEHIND_PROXY || c == OPT_ENGLISH_DEFAULT ? "yes" : optarg};
    }
    if (optind < argc) {
        fprintf(stderr, PORTAL_PROGRAM " serve: unexpected argument '%s'. Try --help.\n", argv[optind]);
        result = 2;
        goto done;
    }
    static const int file_refused[] = {OPT_CONFIG, OPT_HELP, 0};
    if (config && !vb_config_read(PORTAL_PROGRAM, config, serve_options, file_refused, apply, settings)) {
        result = 2;
        goto done;
    }
    if (anchors_given) {
        for (size_t i = 0; i < settings->anchor_count; i++)
            free(settings->anchors[i]);
        settings->anchor_count = 0;
    }
    for (size_t i = 0; i < given_count; i++) {
        const struct option *o = serve_options;
        char source[64];
        while (o->name && o->val != given[i].id)
            o++;
        snprintf(source, sizeof source, "--%s", o->name ? o->name : "?");
        if (!apply(settings, given[i].id, given[i].value, source)) {
            result = 2;
            goto done;
        }
    }
    if (!settings->db_path || !settings->trust_path || settings->anchor_count == 0) {
        fprintf(stderr, PORTAL_PROGRAM " serve: --db, --anchor and --trust are required (on the command line or "
                        "in --config). Try --help.\n");
        result = 2;
    }
done:
    free(given);
    return result;
}

/* ---------------------------------------------------------------- the trust list */

static void trust_free(portal_trust *trust)
{
    vb_trust_free(&trust->list);
    free(trust->bytes);
    free(trust);
}

portal_trust *portal_trust_acquire(portal_service *service)
{
    pthread_mutex_lock(&service->trust_lock);
    portal_trust *trust = service->trust;
    atomic_fetch_add_explicit(&trust->references, 1, memory_order_relaxed);
    pthread_mutex_unlock(&service->trust_lock);
    return trust;
}

void portal_trust_release(portal_trust *trust)
{
    if (trust && atomic_fetch_sub_explicit(&trust->references, 1, memory_order_acq_rel) == 1)
        trust_free(trust);
}

/* Reads and checks the list; `held` (NULL at start) is the list in force. *unchanged when the
 * bytes are the same as held. */
static vb_status trust_read(portal_service *service, const portal_trust *held, portal_trust **out, bool *unchanged,
                            vb_error *err)
{
    vb_error inner = {0};
    *out = NULL;
    *unchanged = false;
    portal_trust *trust = calloc(1, sizeof *trust);
    if (!trust)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    atomic_init(&trust->references, 1);
    if (stat(service->settings.trust_path, &service->trust_seen) != 0)
        memset(&service->trust_seen, 0, sizeof service->trust_seen);
    vb_status s = vb_file_read_all(service->settings.trust_path, VB_MAX_TRUST_BYTES, &trust->bytes, &trust->length,
                                   &inner);
    if (s == VB_OK && held && held->length == trust->length && memcmp(held->bytes, trust->bytes, trust->length) == 0) {
        *unchanged = true;
        trust_free(trust);
        return VB_OK;
    }
    if (s == VB_OK)
        s = vb_trust_parse(trust->bytes, trust->length, service->anchors, service->settings.anchor_count,
                           held ? held->list.sequence : 0, &trust->list, &inner);
    if (s != VB_OK) {
        free(trust->bytes);
        free(trust);
        return vb_fail(err, s, "trust list %s refused (%s: %s)", service->settings.trust_path, vb_status_name(s),
                       inner.message);
    }
    trust->loaded_at = (int64_t)time(NULL);
    *out = trust;
    return VB_OK;
}

static void trust_reload(portal_service *service, const char *why)
{
    vb_error err = {0};
    portal_trust *fresh = NULL, *held = portal_trust_acquire(service);
    bool unchanged;
    vb_status s = trust_read(service, held, &fresh, &unchanged, &err);
    if (s != VB_OK) {
        portal_log("%s: %s; the list in force (sequence %llu) stays", why, err.message,
                   (unsigned long long)held->list.sequence);
    } else if (unchanged) {
        portal_log("%s: the trust list is unchanged (sequence %llu)", why, (unsigned long long)held->list.sequence);
    } else {
        pthread_mutex_lock(&service->trust_lock);
        portal_trust *old = service->trust;
        service->trust = fresh;
        pthread_mutex_unlock(&service->trust_lock);
        portal_trust_release(old); /* the service's own reference */
        portal_log("%s: trust list sequence %llu in force (%zu entries), was %llu", why,
                   (unsigned long long)fresh->list.sequence, fresh->list.count,
                   (unsigned long long)held->list.sequence);
    }
    portal_trust_release(held);
}

static bool trust_file_changed(portal_service *service)
{
    struct stat now;
    if (stat(service->settings.trust_path, &now) != 0)
        memset(&now, 0, sizeof now);
    const struct stat *seen = &service->trust_seen;
    return now.st_ino != seen->st_ino || now.st_dev != seen->st_dev || now.st_size != seen->st_size ||
           now.st_mtim.tv_sec != seen->st_mtim.tv_sec || now.st_mtim.tv_nsec != seen->st_mtim.tv_nsec;
}

/* ---------------------------------------------------------------- the log and the socket */

void portal_log(const char *format, ...)
{
    char line[2048], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    portal_http_flush_log();
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int used = snprintf(line, sizeof line, "%s " PORTAL_PROGRAM ": ", stamp);
    va_list ap;
    va_start(ap, format);
    used += vsnprintf(line + used, sizeof line - (size_t)used, format, ap);
    va_end(ap);
    if ((size_t)used > sizeof line - 2)
        used = (int)sizeof line - 2;
    line[used++] = '\n';
    for (size_t done = 0; done < (size_t)used;) {
        ssize_t n = write(STDERR_FILENO, line + done, (size_t)used - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
}

/* 'sha256-…' of a style sheet, for the Content-Security-Policy. */
static bool style_source(const char *style, char *out, size_t out_size)
{
    unsigned char digest[32], base64[48];
    unsigned int digest_length = 0;
    if (!EVP_Digest(style, strlen(style), digest, &digest_length, EVP_sha256(), NULL) || digest_length != 32)
        return false;
    EVP_EncodeBlock(base64, digest, 32);
    snprintf(out, out_size, "'sha256-%s'", (const char *)base64);
    return true;
}

/* ---------------------------------------------------------------- the service's life */

int command_serve(int argc, char **argv)
{
    portal_service *service = calloc(1, sizeof *service);
    struct MHD_Daemon *daemon = NULL;
    int fd = -1, status = 2;
    char message[512], where[80], style[80];
    vb_error err = {0};
    if (!service) {
        fprintf(stderr, PORTAL_PROGRAM " serve: out of memory\n");
        return 2;
    }
    pthread_mutex_init(&service->trust_lock, NULL);
    portal_settings *settings = &service->settings;
    settings_init(settings);
    int parsed = read_settings(argc, argv, settings);
    if (parsed >= 0) {
        status = parsed;
        goto done;
    }

    for (size_t i = 0; i < settings->anchor_count; i++)
        if (vb_cert_load(settings->anchors[i], &service->anchors[i], &err) != VB_OK) {
            fprintf(stderr, PORTAL_PROGRAM " serve: --anchor: %s\n", err.message);
            goto done;
        }
    bool unchanged;
    if (trust_read(service, NULL, &service->trust, &unchanged, &err) != VB_OK) {
        fprintf(stderr, PORTAL_PROGRAM " serve: refusing to start: %s\n", err.message);
        goto done;
    }
    if (store_pool_open(settings->db_path, settings->threads + 1, &service->stores, &err) != VB_OK) {
        fprintf(stderr, PORTAL_PROGRAM " serve: refusing to start: %s\n", err.message);
        goto done;
    }
    if (!style_source(page_style(), style, sizeof style)) {
        fprintf(stderr, PORTAL_PROGRAM " serve: cannot hash the style sheet\n");
        goto done;
    }
    snprintf(service->content_security_policy, sizeof service->content_security_policy,
             "default-src 'none'; style-src %s; img-src 'none'; base-uri 'none'; form-action 'self'; "
             "frame-ancestors 'none'",
             style);
    if ((settings->rate > 0 && !(service->limiter = ratelimit_create(settings->rate, settings->burst))) ||
        (settings->api_rate > 0 && !(service->api_limiter = ratelimit_create(settings->api_rate, settings->api_burst))) ||
        (settings->login_rate > 0 &&
         !(service->login_limiter = ratelimit_create(settings->login_rate, settings->login_burst))) ||
        !(service->sessions = portal_sessions_create()) || !(service->audits = portal_audits_create())) {
        fprintf(stderr, PORTAL_PROGRAM " serve: out of memory\n");
        goto done;
    }
    if ((fd = vb_listen(settings->listen, settings->port, message, sizeof message)) < 0) {
        fprintf(stderr, PORTAL_PROGRAM " serve: %s\n", message);
        goto done;
    }

    /* Only the loop below takes these signals (every thread started from here on inherits the
     * mask), so no handler ever runs inside a worker. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (!(daemon = portal_http_start(service, fd, message, sizeof message))) {
        fprintf(stderr, PORTAL_PROGRAM " serve: %s\n", message);
        goto done;
    }
    vb_socket_name(fd, where, sizeof where);
    portal_log("listening on %s (store %s; trust list sequence %llu, %zu entries; %u threads, %u verifying; "
               "rate %g/s burst %g)",
               where, settings->db_path, (unsigned long long)service->trust->list.sequence, service->trust->list.count,
               settings->threads, settings->verify_threads, settings->rate, settings->burst);

    for (unsigned idle = 0;;) {
        struct timespec second = {1, 0};
        int signal_number = sigtimedwait(&signals, NULL, &second);
        portal_http_flush_log();
        store_pool_checkpoint(service->stores);
        if (signal_number == SIGTERM || signal_number == SIGINT) {
            portal_log("stopping on %s", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
            break;
        }
        if (signal_number == SIGHUP) {
            trust_reload(service, "SIGHUP");
        } else if (signal_number < 0 && settings->check_interval && ++idle >= settings->check_interval) {
            idle = 0;
            if (trust_file_changed(service))
                trust_reload(service, "trust list file changed");
        }
    }
    status = 0;

done:
    portal_http_stop(daemon);
    if (fd >= 0)
        close(fd);
    store_pool_close(service->stores);
    portal_sessions_free(service->sessions);
    portal_audits_free(service->audits);
    ratelimit_free(service->limiter);
    ratelimit_free(service->api_limiter);
    ratelimit_free(service->login_limiter);
    portal_trust_release(service->trust);
    for (size_t i = 0; i < PORTAL_MAX_ANCHORS; i++)
        X509_free(service->anchors[i]);
    settings_release(settings);
    pthread_mutex_destroy(&service->trust_lock);
    free(service);
    return status;
}
