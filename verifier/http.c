/*
 * verifier/http.c — the libmicrohttpd daemon of `vanbang-verifier serve`: a pool of threads
 * each with its own epoll loop; per request, the rate limit, the limits on size, routing to
 * the page, the JSON API, /healthz and /metrics; the headers every answer carries; one access
 * log line per request, which names no person (docs/API.md lists the endpoints and codes).
 *
 * A request's state lives in a `request`, made when its request line arrives (the URI
 * callback, which also starts the clock) and freed when libmicrohttpd reports it complete.
 */
#include "service.h"

#include "accesslog.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define API_VERIFY "/api/v1/verify"
#define LOG_PATH_CHARS 96

typedef enum { BODY_NONE, BODY_JSON, BODY_CBOR, BODY_TEXT } body_kind;

typedef struct {
    int64_t started;        /* monotonic, microseconds */
    size_t uri_length;      /* the raw request target, query included */
    bool seen;              /* the access handler has run once */
    unsigned status;        /* the HTTP status answered (0: none) */
    int verdict;            /* index of the verdict, -1: nothing was verified */
    body_kind body_kind;
    char *body;
    size_t body_length;
    bool body_too_large;
    size_t body_dropped;
    char method[8];
    char log_path[LOG_PATH_CHARS];
} request;

static int64_t monotonic_microseconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* ---------------------------------------------------------------- logging without personal data */

void http_flush_log(void) { vb_accesslog_flush(); }

static void access_log(const request *r)
{
    char line[256], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf(line, sizeof line, "%s %s %s %u %s %lldus\n", stamp, r->method[0] ? r->method : "-",
                     r->log_path[0] ? r->log_path : "-", r->status,
                     r->verdict >= 0 ? verdict_name((verdict)r->verdict) : "-",
                     (long long)(monotonic_microseconds() - r->started));
    if (n <= 0)
        return;
    vb_accesslog_append(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* libmicrohttpd's own messages, redacted the same way. */
static void mhd_logger(void *cls, const char *format, va_list ap)
{
    char message[512], line[600];
    (void)cls;
    int n = vsnprintf(message, sizeof message, format, ap);
    if (n <= 0)
        return;
    size_t length = (size_t)n < sizeof message ? (size_t)n : sizeof message - 1;
    while (length > 0 && (message[length - 1] == '\n' || message[length - 1] == '\r'))
        length--;
    http_flush_log(); /* keep the lines in order */
    /* keep spaces readable: redact word by word */
    size_t used = (size_t)snprintf(line, sizeof line, SERVE_PROGRAM ": httpd: ");
    for (size_t i = 0; i < length && used + 2 < sizeof line;) {
        size_t word = 0;
        while (i + word < length && message[i + word] != ' ')
            word++;
        vb_accesslog_redact(message + i, word, line + used, sizeof line - used - 1);
        used += strlen(line + used);
        i += word;
        if (i < length && used + 2 < sizeof line)
            line[used++] = ' ', i++;
    }
    line[used++] = '\n';
    vb_accesslog_write(line, used);
}

/* ---------------------------------------------------------------- responses */

enum { ANSWER_CORS = 1, ANSWER_VIETNAMESE = 2, ANSWER_ENGLISH = 4 };

static void common_headers(service *s, struct MHD_Response *response)
{
    MHD_add_response_header(response, "Content-Security-Policy", s->content_security_policy);
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(response, "Cache-Control", "no-store");
    MHD_add_response_header(response, "X-Frame-Options", "DENY");
    MHD_add_response_header(response, "Cross-Origin-Opener-Policy", "same-origin");
}

static void cors_headers(struct MHD_Response *response)
{
    MHD_add_response_header(response, "Access-Control-Allow-Origin", "*");
    MHD_add_response_header(response, "Access-Control-Expose-Headers", "Retry-After");
}

/* Queues body (taken over, even on failure) with status and the headers every answer has. */
static enum MHD_Result answer(service *s, struct MHD_Connection *connection, request *r, unsigned status,
                              const char *content_type, text_buffer *body, unsigned flags, const char *extra_name,
                              const char *extra_value)
{
    if (body->failed) {
        text_free(body);
        text_init(body, 64);
        status = 500;
        content_type = "text/plain; charset=utf-8";
        text_puts(body, "out of memory\n");
    }
    struct MHD_Response *response =
        MHD_create_response_from_buffer(body->length, body->data, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        text_free(body);
        return MHD_NO;
    }
    body->data = NULL; /* the response owns it now */
    common_headers(s, response);
    MHD_add_response_header(response, "Content-Type", content_type);
    if (flags & ANSWER_CORS)
        cors_headers(response);
    if (flags & (ANSWER_VIETNAMESE | ANSWER_ENGLISH))
        MHD_add_response_header(response, "Content-Language", flags & ANSWER_ENGLISH ? "en" : "vi");
    if (extra_name)
        MHD_add_response_header(response, extra_name, extra_value);
    enum MHD_Result result = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    r->status = status;
    return result;
}

static const char html_type[] = "text/html; charset=utf-8";
static const char json_type[] = "application/json; charset=utf-8";
static const char text_type[] = "text/plain; charset=utf-8";

/* An error in the form the endpoint speaks: JSON under /api/, else a small HTML page. */
static enum MHD_Result answer_error(service *s, struct MHD_Connection *connection, request *r, unsigned status,
                                    bool api, bool english, const char *message, const char *extra_name,
                                    const char *extra_value)
{
    text_buffer body;
    text_init(&body, 2048);
    if (api) {
        json_error(status, message, &body);
        return answer(s, connection, r, status, json_type, &body, ANSWER_CORS, extra_name, extra_value);
    }
    page_error(status, english, &body);
    return answer(s, connection, r, status, html_type, &body, english ? ANSWER_ENGLISH : ANSWER_VIETNAMESE,
                  extra_name, extra_value);
}

/* ---------------------------------------------------------------- who is asking */

typedef struct {
    uint8_t key[16]; /* rate-limit key: IPv4 mapped, or an IPv6 /64 */
    bool loopback;
} client;

static void client_from_ipv4(client *who, const uint8_t address[4])
{
    memset(who->key, 0, 16);
    who->key[10] = who->key[11] = 0xff;
    memcpy(who->key + 12, address, 4);
    who->loopback = address[0] == 127;
}

static void client_from_ipv6(client *who, const uint8_t address[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (memcmp(address, mapped, 12) == 0) {
        client_from_ipv4(who, address + 12);
        return;
    }
    who->loopback = memcmp(address, loopback, 16) == 0;
    memset(who->key, 0, 16);
    memcpy(who->key, address, who->loopback ? 16 : 8);
}

static void identify(service *s, struct MHD_Connection *connection, client *who)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    memset(who, 0, sizeof *who);
    if (!info || !info->client_addr)
        return;
    if (info->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)info->client_addr;
        client_from_ipv4(who, (const uint8_t *)&in->sin_addr);
    } else if (info->client_addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)info->client_addr;
        client_from_ipv6(who, (const uint8_t *)&in6->sin6_addr);
    }
    /* Behind a reverse proxy on this machine, the proxy names the real client. A header from
     * anyone else is ignored: it could be forged. */
    if (s->settings.behind_proxy && who->loopback) {
        const char *real = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Real-IP");
        uint8_t address[16];
        if (real && inet_pton(AF_INET, real, address) == 1)
            client_from_ipv4(who, address);
        else if (real && inet_pton(AF_INET6, real, address) == 1)
            client_from_ipv6(who, address);
    }
}

/* ---------------------------------------------------------------- endpoints */

static bool is_english(struct MHD_Connection *connection)
{
    const char *lang = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "lang");
    return lang && strncasecmp(lang, "en", 2) == 0;
}

/* The record part of a page path, or NULL: /V/DIGITS, /v/DIGITS, or the base URL's own path,
 * compared without regard to case (a camera app may change the case of a URL). */
static const char *page_record(const service *s, const char *url)
{
    const char *rest = NULL;
    size_t n = strlen(s->settings.base_path);
    if (n > 0 && strncasecmp(url, s->settings.base_path, n) == 0)
        rest = url + n;
    else if (strncasecmp(url, "/V/", 3) == 0)
        rest = url + 3;
    if (!rest || !*rest || strchr(rest, '/'))
        return NULL;
    return rest;
}

static enum MHD_Result serve_page(service *s, struct MHD_Connection *connection, request *r, const char *digits)
{
    bool english = is_english(connection);
    check_result check;
    text_buffer body;
    check_link(s, digits, strlen(digits), &check);
    r->verdict = (int)check.verdict;
    text_init(&body, 8192);
    page_verdict(&check, english, &body);
    check_done(&check);
    /* Every verdict is a 200: the page is the answer, whatever it says (docs/API.md). */
    return answer(s, connection, r, check.verdict == VERDICT_ERROR ? 500 : 200, html_type, &body,
                  english ? ANSWER_ENGLISH : ANSWER_VIETNAMESE, NULL, NULL);
}

static enum MHD_Result answer_check(service *s, struct MHD_Connection *connection, request *r, check_result *check)
{
    text_buffer body;
    r->verdict = (int)check->verdict;
    text_init(&body, 4096);
    json_verdict(check, &body);
    check_done(check);
    return answer(s, connection, r, check->verdict == VERDICT_ERROR ? 500 : 200, json_type, &body, ANSWER_CORS,
                  NULL, NULL);
}

/* Hex text to bytes; false if it is not an even number of hex digits. */
static bool decode_hex(const char *hex, size_t length, uint8_t *out)
{
    if (length % 2)
        return false;
    for (size_t i = 0; i < length; i += 2) {
        int value = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[i + k];
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0)
                return false;
            value = value << 4 | d;
        }
        out[i / 2] = (uint8_t)value;
    }
    return true;
}

static enum MHD_Result verify_hex(service *s, struct MHD_Connection *connection, request *r, const char *hex)
{
    size_t length = strlen(hex);
    uint8_t record[VB_MAX_RECORD_BYTES];
    check_result check;
    if (length % 2 || (length <= 2 * sizeof record && !decode_hex(hex, length, record)))
        return answer_error(s, connection, r, 400, true, false, "\"hex\" must be an even number of hex digits",
                            NULL, NULL);
    check_record(s, record, length / 2, &check); /* over the limit: too-large, nothing read */
    return answer_check(s, connection, r, &check);
}

static enum MHD_Result api_get(service *s, struct MHD_Connection *connection, request *r)
{
    const char *link = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "link");
    const char *record = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "record");
    const char *hex = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "hex");
    if ((link != NULL) + (record != NULL) + (hex != NULL) != 1)
        return answer_error(s, connection, r, 400, true, false,
                            "give exactly one query parameter: link, record (digits) or hex", NULL, NULL);
    if (hex)
        return verify_hex(s, connection, r, hex);
    const char *text = link ? link : record;
    check_result check;
    check_link(s, text, strlen(text), &check);
    return answer_check(s, connection, r, &check);
}

static enum MHD_Result api_post(service *s, struct MHD_Connection *connection, request *r)
{
    check_result check;
    const char *body = r->body ? r->body : "";
    switch (r->body_kind) {
    case BODY_CBOR:
        check_record(s, (const uint8_t *)body, r->body_length, &check);
        return answer_check(s, connection, r, &check);
    case BODY_TEXT: {
        size_t length = r->body_length;
        while (length > 0 && (body[length - 1] == '\n' || body[length - 1] == '\r' || body[length - 1] == ' '))
            length--;
        check_link(s, body, length, &check);
        return answer_check(s, connection, r, &check);
    }
    default: {
        json_ask_kind kind;
        char *value, message[160];
        if (!json_parse_request(body, r->body_length, &kind, &value, message, sizeof message))
            return answer_error(s, connection, r, 400, true, false, message, NULL, NULL);
        enum MHD_Result result;
        if (kind == JSON_ASK_HEX) {
            result = verify_hex(s, connection, r, value);
        } else {
            check_link(s, value, strlen(value), &check);
            result = answer_check(s, connection, r, &check);
        }
        free(value);
        return result;
    }
    }
}

static enum MHD_Result preflight(service *s, struct MHD_Connection *connection, request *r)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!response)
        return MHD_NO;
    common_headers(s, response);
    cors_headers(response);
    MHD_add_response_header(response, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    MHD_add_response_header(response, "Access-Control-Allow-Headers", "Content-Type");
    MHD_add_response_header(response, "Access-Control-Max-Age", "86400");
    MHD_add_response_header(response, "Allow", "GET, HEAD, POST, OPTIONS");
    enum MHD_Result result = MHD_queue_response(connection, 204, response);
    MHD_destroy_response(response);
    r->status = 204;
    return result;
}

static enum MHD_Result healthz(service *s, struct MHD_Connection *connection, request *r)
{
    text_buffer body;
    trust_snapshot *snapshot = trust_store_acquire(&s->trust);
    text_init(&body, 64);
    text_printf(&body, "ok\ntrust-list-sequence %llu\n", (unsigned long long)snapshot->list.sequence);
    for (size_t i = 0; i < snapshot->status_count; i++)
        if (snapshot->status[i].in_force)
            text_printf(&body, "status-list %s sequence %llu age %lld\n", snapshot->status[i].list.origin,
                        (unsigned long long)snapshot->status[i].list.sequence,
                        (long long)(time(NULL) - snapshot->status[i].list.issued_at));
    trust_snapshot_release(snapshot);
    return answer(s, connection, r, 200, text_type, &body, 0, NULL, NULL);
}

static enum MHD_Result metrics_page(service *s, struct MHD_Connection *connection, request *r)
{
    text_buffer body;
    text_init(&body, 8192);
    metrics_render(&s->metrics, &s->trust, &body);
    return answer(s, connection, r, 200, "text/plain; version=0.0.4; charset=utf-8", &body, 0, NULL, NULL);
}

/* Before a POST body is read: decides what it is, refuses one announced too large. Returns
 * true when an answer was queued (*result holds what to return). */
static bool refuse_body_early(service *s, struct MHD_Connection *connection, request *r, enum MHD_Result *result)
{
    const char *type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length && strtoull(length, NULL, 10) > SERVE_MAX_BODY_BYTES) {
        *result = answer_error(s, connection, r, 413, true, false, "the body is over 8192 bytes", NULL, NULL);
        return true;
    }
    if (type && strncasecmp(type, "application/json", 16) == 0)
        r->body_kind = BODY_JSON;
    else if (type && strncasecmp(type, "application/cbor", 16) == 0)
        r->body_kind = BODY_CBOR;
    else if (type && strncasecmp(type, "text/plain", 10) == 0)
        r->body_kind = BODY_TEXT;
    else {
        *result = answer_error(s, connection, r, 415, true, false,
                               "send application/json {\"link\": \"…\"}, application/cbor (the record) or "
                               "text/plain (the link)",
                               NULL, NULL);
        return true;
    }
    return false;
}

static bool method_is(const char *method, const char *name) { return strcmp(method, name) == 0; }

static enum MHD_Result route(service *s, struct MHD_Connection *connection, request *r, const char *url,
                             const char *method)
{
    bool get = method_is(method, MHD_HTTP_METHOD_GET) || method_is(method, MHD_HTTP_METHOD_HEAD);
    bool english = is_english(connection);
    const char *digits = page_record(s, url);

    if (strcmp(url, API_VERIFY) == 0) {
        if (get)
            return api_get(s, connection, r);
        if (method_is(method, MHD_HTTP_METHOD_POST))
            return api_post(s, connection, r);
        if (method_is(method, MHD_HTTP_METHOD_OPTIONS))
            return preflight(s, connection, r);
        return answer_error(s, connection, r, 405, true, false, "use GET, POST or OPTIONS", "Allow",
                            "GET, HEAD, POST, OPTIONS");
    }
    if (strncmp(url, "/api/", 5) == 0)
        return answer_error(s, connection, r, 404, true, false, "no such endpoint; see docs/API.md", NULL, NULL);

    bool known = strcmp(url, "/") == 0 || strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0 ||
                 strcmp(url, "/robots.txt") == 0 || digits != NULL;
    if (!known)
        return answer_error(s, connection, r, 404, false, english, "not found", NULL, NULL);
    if (!get)
        return answer_error(s, connection, r, 405, false, english, "method not allowed", "Allow", "GET, HEAD");

    if (strcmp(url, "/healthz") == 0)
        return healthz(s, connection, r);
    if (strcmp(url, "/metrics") == 0) {
        client who;
        identify(s, connection, &who);
        if (!who.loopback)
            return answer_error(s, connection, r, 403, false, english, "forbidden", NULL, NULL);
        return metrics_page(s, connection, r);
    }
    if (strcmp(url, "/robots.txt") == 0) {
        /* The pages hold names: keep them out of search engines. */
        text_buffer body;
        text_init(&body, 64);
        text_puts(&body, "User-agent: *\nDisallow: /\n");
        return answer(s, connection, r, 200, text_type, &body, 0, NULL, NULL);
    }
    if (strcmp(url, "/") == 0) {
        text_buffer body;
        text_init(&body, 4096);
        page_home(&s->settings, english, &body);
        return answer(s, connection, r, 200, html_type, &body, english ? ANSWER_ENGLISH : ANSWER_VIETNAMESE, NULL,
                      NULL);
    }
    return serve_page(s, connection, r, digits);
}

/* ---------------------------------------------------------------- libmicrohttpd callbacks */

static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *connection)
{
    (void)cls;
    (void)connection;
    request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->started = monotonic_microseconds();
    r->uri_length = strlen(uri);
    r->verdict = -1;
    /* Until the handler runs (it may never: a request whose headers are too large), log the
     * raw path. */
    vb_accesslog_redact(uri, strcspn(uri, "?"), r->log_path, sizeof r->log_path);
    return r;
}

static bool exempt_from_rate_limit(const char *url, const client *who)
{
    return who->loopback && (strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **request_state)
{
    service *s = cls;
    request *r = *request_state;
    (void)version;

    if (!r) { /* the request-line callback could not allocate */
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->started = monotonic_microseconds();
        r->verdict = -1;
        *request_state = r;
    }
    /* The first call comes when the headers are in. An answer queued now makes libmicrohttpd
     * close the connection (the body, if any, is left unread), which is right for refusals
     * only; everything else is answered on the last call, after the body, so the connection
     * can be kept alive. */
    if (!r->seen) {
        r->seen = true;
        snprintf(r->method, sizeof r->method, "%s", method);
        vb_accesslog_redact(url, strlen(url), r->log_path, sizeof r->log_path);
        bool api = strncmp(url, "/api/", 5) == 0;
        enum MHD_Result result;

        if (s->limiter) {
            client who;
            unsigned retry_after;
            identify(s, connection, &who);
            if (!exempt_from_rate_limit(url, &who) &&
                !ratelimit_take(s->limiter, who.key, monotonic_microseconds(), &retry_after)) {
                char seconds[16];
                snprintf(seconds, sizeof seconds, "%u", retry_after);
                return answer_error(s, connection, r, 429, api, is_english(connection),
                                    "too many requests; retry later", "Retry-After", seconds);
            }
        }
        if (r->uri_length > SERVE_MAX_URI_CHARS)
            return answer_error(s, connection, r, 414, api, is_english(connection), "the request target is too long",
                                NULL, NULL);
        if (strcmp(url, API_VERIFY) == 0 && method_is(method, MHD_HTTP_METHOD_POST) &&
            refuse_body_early(s, connection, r, &result))
            return result;
        return MHD_YES;
    }
    if (r->status) /* answered already; libmicrohttpd discards what still comes */
        return MHD_YES;
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->body_too_large || n > SERVE_MAX_BODY_BYTES - r->body_length) {
            /* A body (chunked, or not announced) over the limit: libmicrohttpd takes no answer
             * until it has all of it, so the rest is read and dropped and 413 comes at the end
             * — unless it goes on far past the limit, then the connection is simply closed. */
            r->body_too_large = true;
            r->body_dropped += n;
            return r->body_dropped > 8 * SERVE_MAX_BODY_BYTES ? MHD_NO : MHD_YES;
        }
        if (!r->body && !(r->body = malloc(SERVE_MAX_BODY_BYTES + 1)))
            return MHD_NO;
        memcpy(r->body + r->body_length, upload_data, n);
        r->body_length += n;
        r->body[r->body_length] = '\0';
        return MHD_YES;
    }
    if (r->body_too_large)
        return answer_error(s, connection, r, 413, strncmp(url, "/api/", 5) == 0, false, "the body is over 8192 bytes",
                            NULL, NULL);
    return route(s, connection, r, url, method);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **request_state,
                         enum MHD_RequestTerminationCode how)
{
    service *s = cls;
    request *r = *request_state;
    (void)connection;
    if (!r)
        return;
    if (how != MHD_REQUEST_TERMINATED_COMPLETED_OK && how != MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN && r->status)
        r->status = 0; /* the answer did not reach the client */
    uint64_t elapsed = (uint64_t)(monotonic_microseconds() - r->started);
    metrics_observe(&s->metrics, r->status, r->verdict, elapsed);
    if (s->settings.access_log)
        access_log(r);
    free(r->body);
    free(r);
    *request_state = NULL;
}

struct MHD_Daemon *http_start(service *s, int listen_socket, char *message, size_t message_size)
{
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    struct sockaddr_storage address;
    socklen_t address_length = sizeof address;
    if (getsockname(listen_socket, (struct sockaddr *)&address, &address_length) == 0 && address.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, s, MHD_OPTION_LISTEN_SOCKET,
        (MHD_socket)listen_socket, MHD_OPTION_THREAD_POOL_SIZE, s->settings.threads,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_MEMORY_PER_CONNECTION, MHD_OPTION_CONNECTION_LIMIT,
        s->settings.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, s->settings.timeout_seconds,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->settings.per_ip_connections, MHD_OPTION_URI_LOG_CALLBACK,
        on_request_line, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!daemon)
        snprintf(message, message_size, "libmicrohttpd could not start (see the httpd message above)");
    return daemon;
}

void http_stop(struct MHD_Daemon *daemon)
{
    if (daemon)
        MHD_stop_daemon(daemon);
    http_flush_log();
}
