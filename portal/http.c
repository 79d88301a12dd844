/*
 * portal/http.c — the libmicrohttpd daemon of `vanbang-portal serve`: a pool of threads, each
 * with its own epoll loop; per request the route, the rate limit of its kind (public, schools,
 * login), the limits on the request target and the body, then the endpoint; the headers every
 * answer carries; the staff's sessions; one access line per request that names nobody.
 *
 * A request's state is made when its request line arrives (which also starts its clock) and
 * freed when libmicrohttpd reports it complete. Bodies are gathered up to the limit of their
 * endpoint (a batch 12 MiB, a status list 64 MiB, the login form 4 KiB), and all bodies being
 * received together up to PORTAL_MAX_BUFFERED_BYTES: beyond that the answer is 503.
 */
#include "portal.h"

#include "accesslog.h"
#include "form.h"
#include "mirror.h"
#include "record.h"
#include "register.h"
#include "statuslist.h"
#include "store.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LOG_PATH_CHARS 96

typedef enum {
    ROUTE_UNKNOWN,
    ROUTE_HOME,
    ROUTE_LOOKUP_PAGE,
    ROUTE_LOOKUP_API,
    ROUTE_BATCHES,
    ROUTE_SCHOOL,
    ROUTE_LEAVES,
    ROUTE_STATUS_PUT,
    ROUTE_STATUS_ONE,
    ROUTE_STATUS_ALL,
    ROUTE_LOGIN,
    ROUTE_LOGOUT,
    ROUTE_AUDIT,
    ROUTE_AUDIT_ANOMALIES,
    ROUTE_AUDIT_STATISTICS,
    ROUTE_HEALTHZ,
    ROUTE_ROBOTS,
} route_id;

typedef enum { LIMIT_PUBLIC, LIMIT_SCHOOLS, LIMIT_NONE_FROM_LOOPBACK } limit_kind;

typedef struct {
    route_id id;
    char school[VB_MAX_SCHOOL_CODE_BYTES + 8]; /* from the path; checked by the endpoint */
    bool school_too_long;
} route;

typedef struct {
    uint8_t key[16];               /* rate-limit key: IPv4 mapped, or an IPv6 /64 */
    bool loopback;
    char address[INET6_ADDRSTRLEN]; /* for the staff's access log only */
} client;

typedef struct {
    int64_t started;               /* monotonic microseconds */
    size_t uri_length;
    bool seen;
    unsigned status;               /* answered (0: not yet, or not delivered) */
    route route;
    uint8_t *body;
    size_t body_length, body_capacity, body_limit;
    size_t reserved;               /* bytes of PORTAL_MAX_BUFFERED_BYTES this request holds */
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

/* ---------------------------------------------------------------- the access log */

void portal_http_flush_log(void) { vb_accesslog_flush(); }

static void access_line(const request *r)
{
    char line[256], stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int n = snprintf(line, sizeof line, "%s %s %s %u %lldus\n", stamp, r->method[0] ? r->method : "-",
                     r->log_path[0] ? r->log_path : "-", r->status, (long long)(monotonic_microseconds() - r->started));
    if (n <= 0)
        return;
    vb_accesslog_append(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* libmicrohttpd's own messages, through the same filter, one word at a time. */
static void httpd_message(void *context, const char *format, va_list ap)
{
    char message[512], line[700];
    (void)context;
    int n = vsnprintf(message, sizeof message, format, ap);
    if (n <= 0)
        return;
    size_t length = strnlen(message, sizeof message);
    while (length && (message[length - 1] == '\n' || message[length - 1] == '\r'))
        length--;
    size_t used = (size_t)snprintf(line, sizeof line, PORTAL_PROGRAM ": httpd:");
    for (size_t i = 0; i < length && used + 80 < sizeof line;) {
        size_t word = strcspn(message + i, " ");
        if (i + word > length)
            word = length - i;
        line[used++] = ' ';
        vb_accesslog_redact(message + i, word, line + used, sizeof line - used - 1);
        used += strlen(line + used);
        i += word + 1;
    }
    line[used++] = '\n';
    vb_accesslog_write(line, used);
}

/* ---------------------------------------------------------------- answers */

static const char html_type[] = "text/html; charset=utf-8";
static const char json_type[] = "application/json; charset=utf-8";
static const char text_type[] = "text/plain; charset=utf-8";

typedef struct {
    const char *name, *value;
} header;

static void usual_headers(const portal_service *s, struct MHD_Response *response, const char *csp)
{
    MHD_add_response_header(response, "Content-Security-Policy", csp ? csp : s->content_security_policy);
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(response, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(response, "Cache-Control", "no-store");
    MHD_add_response_header(response, "X-Frame-Options", "DENY");
    MHD_add_response_header(response, "Cross-Origin-Opener-Policy", "same-origin");
}

/* Queues `length` bytes (taken over: freed in every case) with the usual headers. */
static enum MHD_Result answer_bytes(portal_service *s, struct MHD_Connection *connection, request *r,
                                    unsigned status, const char *type, void *bytes, size_t length, const char *csp,
                                    const header *extra, size_t extra_count)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(length, bytes, MHD_RESPMEM_MUST_FREE);
    if (!response) {
        free(bytes);
        return MHD_NO;
    }
    usual_headers(s, response, csp);
    MHD_add_response_header(response, "Content-Type", type);
    for (size_t i = 0; i < extra_count; i++)
        if (extra[i].name)
            MHD_add_response_header(response, extra[i].name, extra[i].value);
    enum MHD_Result result = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    r->status = status;
    return result;
}

/* The same for a text buffer (taken over); a buffer that ran out of memory becomes a 500. */
static enum MHD_Result answer_text(portal_service *s, struct MHD_Connection *connection, request *r, unsigned status,
                                   const char *type, text_buffer *body, const char *csp, const header *extra,
                                   size_t extra_count)
{
    if (body->failed) {
        text_free(body);
        text_init(body, 64);
        text_puts(body, "out of memory\n");
        status = 500;
        type = text_type;
        extra_count = 0;
    }
    char *data = body->data;
    body->data = NULL;
    return answer_bytes(s, connection, r, status, type, data, body->length, csp, extra, extra_count);
}

static enum MHD_Result answer_json_error(portal_service *s, struct MHD_Connection *connection, request *r,
                                         unsigned status, const char *code, const char *reason, const header *extra,
                                         size_t extra_count)
{
    store_answer a;
    store_answer_init(&a);
    store_answer_error(&a, status, code, reason);
    return answer_text(s, connection, r, status, json_type, &a.json, NULL, extra, extra_count);
}

static bool route_is_api(route_id id)
{
    return id == ROUTE_LOOKUP_API || id == ROUTE_BATCHES || id == ROUTE_SCHOOL || id == ROUTE_LEAVES ||
           id == ROUTE_STATUS_PUT;
}

static bool route_is_plain(route_id id)
{
    return id == ROUTE_AUDIT_ANOMALIES || id == ROUTE_AUDIT_STATISTICS || id == ROUTE_HEALTHZ || id == ROUTE_ROBOTS ||
           id == ROUTE_STATUS_ONE || id == ROUTE_STATUS_ALL;
}

static bool is_english(portal_service *s, struct MHD_Connection *connection)
{
    const char *lang = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "lang");
    if (lang && strncasecmp(lang, "en", 2) == 0)
        return true;
    if (lang && strncasecmp(lang, "vi", 2) == 0)
        return false;
    return s->settings.english_default;
}

/* A refusal in the endpoint's own form: JSON {"code","reason"} for the API, a line of text for
 * the files, a small page for people. */
static enum MHD_Result refuse(portal_service *s, struct MHD_Connection *connection, request *r, unsigned status,
                              const char *code, const char *reason, const header *extra, size_t extra_count)
{
    if (route_is_api(r->route.id) || strncmp(r->log_path, "/api/", 5) == 0)
        return answer_json_error(s, connection, r, status, code, reason, extra, extra_count);
    text_buffer body;
    text_init(&body, 2048);
    if (route_is_plain(r->route.id)) {
        text_printf(&body, "%u %s: %s\n", status, code, reason);
        return answer_text(s, connection, r, status, text_type, &body, NULL, extra, extra_count);
    }
    bool english = is_english(s, connection);
    page_error(status, reason, english, &body);
    header with_language[4];
    size_t count = 0;
    for (size_t i = 0; i < extra_count && count < 3; i++)
        with_language[count++] = extra[i];
    with_language[count++] = (header){"Content-Language", english ? "en" : "vi"};
    return answer_text(s, connection, r, status, html_type, &body, NULL, with_language, count);
}

static enum MHD_Result answer_page(portal_service *s, struct MHD_Connection *connection, request *r, unsigned status,
                                   text_buffer *body, bool english)
{
    header language = {"Content-Language", english ? "en" : "vi"};
    return answer_text(s, connection, r, status, html_type, body, NULL, &language, 1);
}

static enum MHD_Result redirect(portal_service *s, struct MHD_Connection *connection, request *r, const char *location,
                                const char *cookie)
{
    text_buffer body;
    header extra[2] = {{"Location", location}, {cookie ? "Set-Cookie" : NULL, cookie}};
    text_init(&body, 64);
    text_printf(&body, "see %s\n", location);
    return answer_text(s, connection, r, 303, text_type, &body, NULL, extra, 2);
}

/* ---------------------------------------------------------------- who is asking */

static void client_ipv4(client *who, const uint8_t address[4])
{
    memset(who->key, 0, 16);
    who->key[10] = who->key[11] = 0xff;
    memcpy(who->key + 12, address, 4);
    who->loopback = address[0] == 127;
    inet_ntop(AF_INET, address, who->address, sizeof who->address);
}

static void client_ipv6(client *who, const uint8_t address[16])
{
    static const uint8_t v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (memcmp(address, v4_mapped, 12) == 0) {
        client_ipv4(who, address + 12);
        return;
    }
    who->loopback = memcmp(address, v6_loopback, 16) == 0;
    memset(who->key, 0, 16);
    memcpy(who->key, address, who->loopback ? 16 : 8); /* one host commonly holds a whole /64 */
    inet_ntop(AF_INET6, address, who->address, sizeof who->address);
}

static void identify(portal_service *s, struct MHD_Connection *connection, client *who)
{
    memset(who, 0, sizeof *who);
    snprintf(who->address, sizeof who->address, "?");
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info && info->client_addr) {
        if (info->client_addr->sa_family == AF_INET)
            client_ipv4(who, (const uint8_t *)&((const struct sockaddr_in *)(const void *)info->client_addr)->sin_addr);
        else if (info->client_addr->sa_family == AF_INET6)
            client_ipv6(who,
                        (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)info->client_addr)->sin6_addr);
    }
    /* Only a proxy on this machine may name the client; from anyone else the header is forged. */
    if (s->settings.behind_proxy && who->loopback) {
        const char *real = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Real-IP");
        uint8_t address[16];
        if (real && inet_pton(AF_INET, real, address) == 1)
            client_ipv4(who, address);
        else if (real && inet_pton(AF_INET6, real, address) == 1)
            client_ipv6(who, address);
    }
}

/* ---------------------------------------------------------------- sessions of the staff */

typedef struct {
    bool used;
    uint8_t token[32];
    int64_t expires;
    char user[PORTAL_MAX_USER_BYTES + 1];
    char province[PORTAL_MAX_PROVINCE_BYTES + 1];
} session;

struct portal_sessions {
    pthread_mutex_t lock;
    session items[PORTAL_MAX_SESSIONS];
};

struct portal_sessions *portal_sessions_create(void)
{
    struct portal_sessions *sessions = calloc(1, sizeof *sessions);
    if (sessions)
        pthread_mutex_init(&sessions->lock, NULL);
    return sessions;
}

void portal_sessions_free(struct portal_sessions *sessions)
{
    if (!sessions)
        return;
    OPENSSL_cleanse(sessions->items, sizeof sessions->items);
    pthread_mutex_destroy(&sessions->lock);
    free(sessions);
}

static bool token_from_hex(const char *hex, uint8_t token[32])
{
    if (!hex || strlen(hex) != 64)
        return false;
    for (size_t i = 0; i < 32; i++) {
        int value = 0;
        for (int k = 0; k < 2; k++) {
            char c = hex[2 * i + k];
            int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (digit < 0)
                return false;
            value = value * 16 + digit;
        }
        token[i] = (uint8_t)value;
    }
    return true;
}

/* A new session; its token in hex into token_hex. The oldest is dropped when the table is full. */
static bool session_start(struct portal_sessions *sessions, const char *user, const char *province, int64_t now,
                          char token_hex[65])
{
    uint8_t token[32];
    if (RAND_bytes(token, sizeof token) != 1)
        return false;
    pthread_mutex_lock(&sessions->lock);
    session *slot = NULL;
    for (size_t i = 0; i < PORTAL_MAX_SESSIONS; i++) {
        session *candidate = &sessions->items[i];
        if (!candidate->used || candidate->expires <= now) {
            slot = candidate;
            break;
        }
        if (!slot || candidate->expires < slot->expires)
            slot = candidate;
    }
    slot->used = true;
    memcpy(slot->token, token, sizeof token);
    slot->expires = now + PORTAL_SESSION_SECONDS;
    snprintf(slot->user, sizeof slot->user, "%s", user);
    snprintf(slot->province, sizeof slot->province, "%s", province);
    pthread_mutex_unlock(&sessions->lock);
    for (size_t i = 0; i < 32; i++)
        snprintf(token_hex + 2 * i, 3, "%02x", token[i]);
    OPENSSL_cleanse(token, sizeof token);
    return true;
}

/* The session of the request's cookie, copied into *out; false when there is none in force.
 * Every slot is compared in constant time, so timing tells nothing of the tokens. */
static bool session_find(portal_service *s, struct MHD_Connection *connection, int64_t now, bool end, session *out)
{
    uint8_t token[32];
    bool found = false;
    if (!token_from_hex(MHD_lookup_connection_value(connection, MHD_COOKIE_KIND, PORTAL_SESSION_COOKIE), token))
        return false;
    pthread_mutex_lock(&s->sessions->lock);
    for (size_t i = 0; i < PORTAL_MAX_SESSIONS; i++) {
        session *candidate = &s->sessions->items[i];
        if (CRYPTO_memcmp(candidate->token, token, sizeof token) == 0 && candidate->used && candidate->expires > now &&
            !found) {
            found = true;
            if (out)
                *out = *candidate;
            if (end)
                memset(candidate, 0, sizeof *candidate);
        }
    }
    pthread_mutex_unlock(&s->sessions->lock);
    return found;
}

/* One row of the staff's access log (the table, not standard error: it names a person). */
static void log_access(store *st, const char *user, const char *province, const char *action, const client *who)
{
    vb_error err = {0};
    if (store_log_access(st, (int64_t)time(NULL), user, province, action, who->address, &err) != VB_OK)
        portal_log("could not write the staff access log: %s", err.message);
}

/* ---------------------------------------------------------------- the public lookup */

/* The query as asked, checked; `problem` says what is missing or wrong (in the page's language). */
typedef struct {
    page_lookup_form form;
    char serial[VB_TEXT_FIELD];
    char folded[4 * VB_TEXT_FIELD];
    lookup_query query;
} lookup_ask;

static void trimmed(const char *text, char *out, size_t out_size, bool *too_long)
{
    *too_long = false;
    out[0] = '\0';
    if (!text)
        return;
    while (*text == ' ' || *text == '\t')
        text++;
    size_t n = strlen(text);
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
        n--;
    if (n >= out_size) {
        *too_long = true;
        return;
    }
    memcpy(out, text, n);
    out[n] = '\0';
}

/* Reads dd/mm/yyyy, or yyyy-mm-dd (what a date input of a form sends). */
static bool read_birth_date(const char *text, int32_t *days)
{
    int year, month, day;
    char end;
    if (vb_date_parse_dmy(text, days))
        return true;
    if (strlen(text) == 10 && sscanf(text, "%4d-%2d-%2d%c", &year, &month, &day, &end) == 3 && text[4] == '-' &&
        text[7] == '-') {
        char dmy[16];
        snprintf(dmy, sizeof dmy, "%02d/%02d/%04d", day, month, year);
        return vb_date_parse_dmy(dmy, days);
    }
    return false;
}

static const char *lookup_read(struct MHD_Connection *connection, bool english, lookup_ask *ask)
{
    char name[4 * VB_TEXT_FIELD], dob[32];
    bool long_serial, long_name, long_dob;
    memset(ask, 0, sizeof *ask);
    ask->form.serial = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "serial");
    ask->form.name = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "name");
    ask->form.dob = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "dob");
    trimmed(ask->form.serial, ask->serial, sizeof ask->serial, &long_serial);
    trimmed(ask->form.name, name, VB_TEXT_FIELD, &long_name);
    trimmed(ask->form.dob, dob, sizeof dob, &long_dob);
    if (long_serial || long_name || long_dob)
        return english ? "A field is too long." : "Một trường nhập quá dài.";
    if (!ask->serial[0] || (!name[0] && !dob[0]))
        return english ? "Enter the serial number and the holder's full name or date of birth."
                       : "Hãy nhập số hiệu văn bằng và họ tên hoặc ngày sinh của người được cấp.";
    ask->query.serial = ask->serial;
    if (name[0]) {
        if (!vb_register_fold_name(name, ask->folded, sizeof ask->folded))
            return english ? "The name is not valid text." : "Họ tên không hợp lệ.";
        if (ask->folded[0])
            ask->query.folded_name = ask->folded;
    }
    if (dob[0]) {
        if (!read_birth_date(dob, &ask->query.birth_date))
            return english ? "The date of birth is written dd/mm/yyyy, for example 25/08/2007."
                           : "Ngày sinh viết theo dạng ngày/tháng/năm, ví dụ 25/08/2007.";
        ask->query.has_birth_date = true;
    }
    if (!ask->query.folded_name && !ask->query.has_birth_date)
        return english ? "Enter the serial number and the holder's full name or date of birth."
                       : "Hãy nhập số hiệu văn bằng và họ tên hoặc ngày sinh của người được cấp.";
    return NULL;
}

static enum MHD_Result lookup(portal_service *s, struct MHD_Connection *connection, request *r, bool api)
{
    bool english = is_english(s, connection);
    lookup_ask ask;
    const char *problem = lookup_read(connection, english, &ask);
    text_buffer body;
    if (problem) {
        if (api)
            return answer_json_error(s, connection, r, 400, "bad-query",
                                     "give serial and name (or dob as dd/mm/yyyy): both are needed", NULL, 0);
        text_init(&body, 4096);
        page_home(&ask.form, problem, english, &body);
        return answer_page(s, connection, r, 400, &body, english);
    }
    lookup_result *results = calloc(STORE_MAX_LOOKUP_RESULTS, sizeof *results);
    size_t count = 0;
    vb_error err = {0};
    if (!results)
        return refuse(s, connection, r, 500, "internal", "out of memory", NULL, 0);
    store *st = store_pool_acquire(s->stores);
    vb_status status = store_lookup(st, &ask.query, results, STORE_MAX_LOOKUP_RESULTS, &count, &err);
    store_pool_release(s->stores, st);
    if (status != VB_OK) {
        free(results);
        portal_log("lookup failed: %s", err.message);
        return refuse(s, connection, r, 500, "internal", english ? "The lookup failed; try again later."
                                                                 : "Tra cứu bị lỗi; hãy thử lại sau.", NULL, 0);
    }
    text_init(&body, 8192);
    if (api) {
        json_lookup(results, count, &body);
        free(results);
        return answer_text(s, connection, r, 200, json_type, &body, NULL, NULL, 0);
    }
    page_lookup(&ask.form, results, count, english, &body);
    free(results);
    return answer_page(s, connection, r, 200, &body, english);
}

/* ---------------------------------------------------------------- what schools send */

static enum MHD_Result school_answer(portal_service *s, struct MHD_Connection *connection, request *r,
                                     store_answer *a)
{
    if (a->log[0])
        portal_log("%s", a->log);
    unsigned status = a->http_status;
    return answer_text(s, connection, r, status, json_type, &a->json, NULL, NULL, 0);
}

static enum MHD_Result school_endpoint(portal_service *s, struct MHD_Connection *connection, request *r)
{
    const char *school = r->route.school;
    if (r->route.id != ROUTE_BATCHES && (r->route.school_too_long || !store_school_code_valid(school)))
        return answer_json_error(s, connection, r, 400, "bad-school",
                                 "a school code is 1-32 of A-Z a-z 0-9 . - _", NULL, 0);
    store_answer a;
    store_answer_init(&a);
    portal_trust *trust = portal_trust_acquire(s);
    store *st = store_pool_acquire(s->stores);
    int64_t now = (int64_t)time(NULL);
    const uint8_t *body = r->body ? r->body : (const uint8_t *)"";
    switch (r->route.id) {
    case ROUTE_BATCHES:
        store_accept_batch(st, &trust->list, body, r->body_length, s->settings.verify_threads, now, &a);
        break;
    case ROUTE_LEAVES: store_compare_leaves(st, &trust->list, school, body, r->body_length, now, &a); break;
    case ROUTE_STATUS_PUT: store_put_status(st, &trust->list, school, body, r->body_length, now, &a); break;
    default: store_school_summary(st, school, &a); break;
    }
    store_pool_release(s->stores, st);
    portal_trust_release(trust);
    enum MHD_Result result = school_answer(s, connection, r, &a);
    store_answer_free(&a);
    return result;
}

static enum MHD_Result status_lists(portal_service *s, struct MHD_Connection *connection, request *r)
{
    uint8_t *data = NULL;
    size_t length = 0, lists = 0;
    bool found = true;
    vb_error err = {0};
    vb_status status;
    if (r->route.id == ROUTE_STATUS_ONE && (r->route.school_too_long || !store_school_code_valid(r->route.school)))
        return refuse(s, connection, r, 400, "bad-school", "a school code is 1-32 of A-Z a-z 0-9 . - _", NULL, 0);
    store *st = store_pool_acquire(s->stores);
    if (r->route.id == ROUTE_STATUS_ONE)
        status = store_status_list(st, r->route.school, &data, &length, &found, &err);
    else
        status = store_status_bundle(st, &data, &length, &lists, &err);
    store_pool_release(s->stores, st);
    if (status != VB_OK) {
        portal_log("status lists: %s", err.message);
        return refuse(s, connection, r, 500, "internal", "the status lists could not be read", NULL, 0);
    }
    if (!found)
        return refuse(s, connection, r, 404, "not-found", "the portal holds no status list of this school", NULL, 0);
    header disposition = {"Content-Disposition", r->route.id == ROUTE_STATUS_ONE ? "attachment; filename=\"status.cose\""
                                                                                : "attachment; filename=\"status.cbor\""};
    return answer_bytes(s, connection, r, 200, r->route.id == ROUTE_STATUS_ONE ? "application/cose" : "application/cbor",
                        data, length, NULL, &disposition, 1);
}

static enum MHD_Result healthz(portal_service *s, struct MHD_Connection *connection, request *r)
{
    uint64_t schools = 0, events = 0;
    vb_error err = {0};
    store *st = store_pool_acquire(s->stores);
    vb_status status = store_totals(st, &schools, &events, &err);
    store_pool_release(s->stores, st);
    portal_trust *trust = portal_trust_acquire(s);
    text_buffer body;
    text_init(&body, 128);
    text_printf(&body, "%s\ntrust-list-sequence %llu\nschools %llu\nevents %llu\n", status == VB_OK ? "ok" : "store-failed",
                (unsigned long long)trust->list.sequence, (unsigned long long)schools, (unsigned long long)events);
    portal_trust_release(trust);
    return answer_text(s, connection, r, status == VB_OK ? 200 : 500, text_type, &body, NULL, NULL, 0);
}

/* ---------------------------------------------------------------- the staff's audit */

static enum MHD_Result login(portal_service *s, struct MHD_Connection *connection, request *r, const client *who)
{
    bool english = is_english(s, connection);
    text_buffer body;
    int64_t now = (int64_t)time(NULL);
    if (strcmp(r->method, MHD_HTTP_METHOD_POST) != 0) {
        if (session_find(s, connection, now, false, NULL))
            return redirect(s, connection, r, english ? "/audit?lang=en" : "/audit", NULL);
        text_init(&body, 4096);
        page_login(false, english, &body);
        return answer_page(s, connection, r, 200, &body, english);
    }

    char user[PORTAL_MAX_USER_BYTES + 1] = "", password[PASSWORD_MAX_BYTES + 1] = "", lang[8] = "";
    char province[PORTAL_MAX_PROVINCE_BYTES + 1], stored[PASSWORD_STORED_BYTES];
    const uint8_t *form = r->body ? r->body : (const uint8_t *)"";
    if (vb_form_field(form, r->body_length, "lang", lang, sizeof lang))
        english = strncmp(lang, "en", 2) == 0;
    bool readable = vb_form_field(form, r->body_length, "user", user, sizeof user) &&
                    vb_form_field(form, r->body_length, "password", password, sizeof password);
    store *st = store_pool_acquire(s->stores);
    bool found = false, good = false;
    vb_error err = {0};
    if (readable && store_user_find(st, user, province, stored, &found, &err) != VB_OK)
        portal_log("login: %s", err.message);
    if (readable && found)
        good = password_check(password, strlen(password), stored);
    else
        password_dummy_check(password, strlen(password)); /* the same time for a user that is not there */
    OPENSSL_cleanse(password, sizeof password);
    OPENSSL_cleanse(stored, sizeof stored);
    if (!good) {
        /* The name tried goes into the access log only when it is readable text. */
        char named[PORTAL_MAX_USER_BYTES + 1];
        bool too_long, readable_name = vb_text_is_nfc(user, strlen(user));
        trimmed(user, named, sizeof named, &too_long);
        for (const unsigned char *p = (const unsigned char *)named; *p && readable_name; p++)
            readable_name = *p >= 0x20 && *p != 0x7f;
        log_access(st, readable_name ? named : "(unreadable)", found ? province : "", "login-failed", who);
        store_pool_release(s->stores, st);
        text_init(&body, 4096);
        page_login(true, english, &body);
        return answer_page(s, connection, r, 401, &body, english);
    }
    char token[65], cookie[256];
    if (!session_start(s->sessions, user, province, now, token)) {
        store_pool_release(s->stores, st);
        return refuse(s, connection, r, 500, "internal", "no session could be made", NULL, 0);
    }
    log_access(st, user, province, "login", who);
    store_pool_release(s->stores, st);
    snprintf(cookie, sizeof cookie, PORTAL_SESSION_COOKIE "=%s; Path=/audit; Max-Age=%d; HttpOnly; Secure; "
             "SameSite=Strict", token, PORTAL_SESSION_SECONDS);
    OPENSSL_cleanse(token, sizeof token);
    enum MHD_Result result = redirect(s, connection, r, english ? "/audit?lang=en" : "/audit", cookie);
    OPENSSL_cleanse(cookie, sizeof cookie);
    return result;
}

static enum MHD_Result logout(portal_service *s, struct MHD_Connection *connection, request *r, const client *who)
{
    session ended;
    bool english = is_english(s, connection);
    if (session_find(s, connection, (int64_t)time(NULL), true, &ended)) {
        store *st = store_pool_acquire(s->stores);
        log_access(st, ended.user, ended.province, "logout", who);
        store_pool_release(s->stores, st);
    }
    return redirect(s, connection, r, english ? "/audit/login?lang=en" : "/audit/login",
                    PORTAL_SESSION_COOKIE "=; Path=/audit; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
}

/* Inserts the bar's style sheet before </head> and the bar after <body…>. */
static void dress_report(const text_buffer *report, const text_buffer *bar, text_buffer *out)
{
    const char *html = report->data ? report->data : "";
    const char *head_end = strstr(html, "</head>");
    const char *body = strstr(html, "<body");
    const char *body_end = body ? strchr(body, '>') : NULL;
    if (!head_end || !body_end || body_end < head_end) {
        text_printf(out, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>%s</style></head><body>",
                    page_audit_bar_style());
        text_append(out, bar->data, bar->length);
        text_append(out, html, report->length);
        text_puts(out, "</body></html>\n");
        return;
    }
    text_append(out, html, (size_t)(head_end - html));
    text_printf(out, "<style>%s</style>", page_audit_bar_style());
    text_append(out, head_end, (size_t)(body_end + 1 - head_end));
    text_append(out, bar->data, bar->length);
    text_puts(out, body_end + 1);
}

/* The CSP of a document whose style sheets are not ours alone: the hash of each <style>. */
static void csp_for_document(const char *html, char *out, size_t out_size)
{
    size_t used = (size_t)snprintf(out, out_size, "default-src 'none'; style-src");
    unsigned found = 0;
    for (const char *p = html; (p = strstr(p, "<style")) != NULL && found < 8;) {
        const char *open_end = strchr(p, '>');
        const char *close = open_end ? strstr(open_end, "</style>") : NULL;
        if (!close)
            break;
        unsigned char digest[32], base64[48];
        unsigned int digest_length = 0;
        if (EVP_Digest(open_end + 1, (size_t)(close - open_end - 1), digest, &digest_length, EVP_sha256(), NULL) &&
            used + 60 < out_size) {
            EVP_EncodeBlock(base64, digest, 32);
            used += (size_t)snprintf(out + used, out_size - used, " 'sha256-%s'", (const char *)base64);
            found++;
        }
        p = close + 8;
    }
    if (!found)
        used += (size_t)snprintf(out + used, out_size - used, " 'none'");
    snprintf(out + used, out_size - used,
             "; img-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
}

/* ---------------------------------------------------------------- audits kept
 *
 * A view of /audit (or of its CSV files) wants the audit of the user's (province, year) as the
 * store stands. The audit is one read transaction over every record, a minute for a million
 * of them, while what it reads changes only when a school sends something: so the last audits
 * are kept, each with the marks of what it was made from — the store's version (store.h) read
 * in the audit's own snapshot, and the trust list's sequence — and a view whose marks are the
 * same takes the kept one. Otherwise the view makes it, in the snapshot it read the marks in;
 * views of the same (province, year) meanwhile wait for it and then look again, so one audit
 * never runs twice at once. An audit is shared by the slot and by the views rendering it, and
 * freed by whichever lets go of it last. */

typedef struct {
    audit_result result;
    atomic_uint references;
} kept_audit;

typedef struct {
    store_version version;
    uint64_t trust_sequence;
} audit_mark;

typedef struct {
    bool used;                           /* holds a (province, year) */
    char province[PORTAL_MAX_PROVINCE_BYTES + 1];
    int year;
    bool running;                        /* a view is making its audit now */
    audit_mark mark;                     /* what `kept` was made from */
    kept_audit *kept;                    /* NULL until an audit of it succeeded */
    uint64_t last_used;
} audit_slot;

struct portal_audits {
    pthread_mutex_t lock;                /* guards the slots, not the audits they point to */
    pthread_cond_t finished;             /* a slot stopped running */
    uint64_t clock;                      /* ticks at each use, for last_used */
    audit_slot slots[PORTAL_AUDIT_CACHE_ENTRIES];
};

struct portal_audits *portal_audits_create(void)
{
    struct portal_audits *audits = calloc(1, sizeof *audits);
    if (audits) {
        pthread_mutex_init(&audits->lock, NULL);
        pthread_cond_init(&audits->finished, NULL);
    }
    return audits;
}

static void kept_release(kept_audit *kept)
{
    if (kept && atomic_fetch_sub_explicit(&kept->references, 1, memory_order_acq_rel) == 1) {
        audit_free(&kept->result);
        free(kept);
    }
}

void portal_audits_free(struct portal_audits *audits)
{
    if (!audits)
        return;
    for (size_t i = 0; i < PORTAL_AUDIT_CACHE_ENTRIES; i++)
        kept_release(audits->slots[i].kept);
    pthread_cond_destroy(&audits->finished);
    pthread_mutex_destroy(&audits->lock);
    free(audits);
}

static bool slot_is(const audit_slot *slot, const char *province, int year)
{
    return slot->used && slot->year == year && strcmp(slot->province, province) == 0;
}

/* A slot for a (province, year) none holds: a free one, else the least recently used that is
 * not running (its audit let go of); NULL when every slot is running. Under the lock. */
static audit_slot *slot_claim(struct portal_audits *audits, const char *province, int year, kept_audit **evicted)
{
    audit_slot *chosen = NULL;
    for (size_t i = 0; i < PORTAL_AUDIT_CACHE_ENTRIES; i++) {
        audit_slot *slot = &audits->slots[i];
        if (!slot->used) {
            chosen = slot;
            break;
        }
        if (!slot->running && (!chosen || slot->last_used < chosen->last_used))
            chosen = slot;
    }
    if (!chosen)
        return NULL;
    *evicted = chosen->kept;
    memset(chosen, 0, sizeof *chosen);
    chosen->used = true;
    snprintf(chosen->province, sizeof chosen->province, "%s", province);
    chosen->year = year;
    return chosen;
}

/* The audit of (province, year) as the store stands now: the kept one when its marks hold
 * (*made false), else a new one (*made true), kept for the next views. The caller lets go of
 * it with kept_release. NULL when the audit failed (err says why). st is the caller's
 * connection, with no transaction open. */
static kept_audit *audit_get(portal_service *s, store *st, const char *province, int year, bool *made,
                             vb_error *err)
{
    struct portal_audits *audits = s->audits;
    for (;;) {
        audit_mark mark;
        memset(&mark, 0, sizeof mark);
        portal_trust *trust = portal_trust_acquire(s);
        mark.trust_sequence = trust->list.sequence;
        if (store_snapshot_begin(st, &mark.version, err) != VB_OK) {
            portal_trust_release(trust);
            return NULL;
        }
        kept_audit *evicted = NULL;
        pthread_mutex_lock(&audits->lock);
        audit_slot *slot = NULL;
        for (size_t i = 0; i < PORTAL_AUDIT_CACHE_ENTRIES && !slot; i++)
            if (slot_is(&audits->slots[i], province, year))
                slot = &audits->slots[i];
        if (slot && slot->kept && slot->mark.trust_sequence == mark.trust_sequence &&
            store_version_equal(&slot->mark.version, &mark.version)) {
            kept_audit *kept = slot->kept;
            atomic_fetch_add_explicit(&kept->references, 1, memory_order_relaxed);
            slot->last_used = ++audits->clock;
            pthread_mutex_unlock(&audits->lock);
            store_snapshot_end(st);
            portal_trust_release(trust);
            *made = false;
            return kept;
        }
        bool newer_kept = slot && slot->kept && (slot->mark.version.writes > mark.version.writes ||
                                                 slot->mark.trust_sequence > mark.trust_sequence);
        if (!slot)
            slot = slot_claim(audits, province, year, &evicted);
        if (!slot || slot->running || newer_kept) {
            /* Being made by another view (or, when every slot is, others): wait for it, then
             * look again in a new snapshot — the one the other view made the audit in may be
             * newer than this one, as the kept one is when newer_kept. */
            store_snapshot_end(st);
            portal_trust_release(trust);
            if (!slot)
                pthread_cond_wait(&audits->finished, &audits->lock);
            else
                while (slot->running && slot_is(slot, province, year))
                    pthread_cond_wait(&audits->finished, &audits->lock);
            pthread_mutex_unlock(&audits->lock);
            continue;
        }
        slot->running = true;
        slot->last_used = ++audits->clock;
        pthread_mutex_unlock(&audits->lock);
        kept_release(evicted);

        /* In the snapshot the marks were read in, so they describe what the audit saw. */
        kept_audit *fresh = calloc(1, sizeof *fresh);
        vb_status status = VB_ERR_NOMEM;
        if (fresh) {
            audit_options options = {.province = province, .year = year, .threads = s->settings.verify_threads};
            atomic_init(&fresh->references, 1);
            status = audit_run(store_db(st), &trust->list, &options, &fresh->result, err);
        } else {
            vb_fail(err, VB_ERR_NOMEM, "out of memory");
        }
        store_snapshot_end(st);
        portal_trust_release(trust);
        if (status != VB_OK) { /* audit_run freed what it had made */
            free(fresh);
            fresh = NULL;
        }
        kept_audit *replaced = NULL;
        pthread_mutex_lock(&audits->lock);
        slot->running = false;
        if (fresh) {
            replaced = slot->kept;
            slot->kept = fresh;
            slot->mark = mark;
            atomic_fetch_add_explicit(&fresh->references, 1, memory_order_relaxed);
        }
        pthread_cond_broadcast(&audits->finished);
        pthread_mutex_unlock(&audits->lock);
        kept_release(replaced);
        *made = true;
        return fresh;
    }
}

static enum MHD_Result audit(portal_service *s, struct MHD_Connection *connection, request *r, const client *who)
{
    bool english = is_english(s, connection);
    session who_is;
    if (!session_find(s, connection, (int64_t)time(NULL), false, &who_is)) {
        if (r->route.id == ROUTE_AUDIT)
            return redirect(s, connection, r, english ? "/audit/login?lang=en" : "/audit/login", NULL);
        return refuse(s, connection, r, 401, "unauthorized", "log in at /audit/login first", NULL, 0);
    }
    int year = 0;
    const char *year_text = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "year");
    if (year_text && *year_text) {
        char *end;
        long value = strtol(year_text, &end, 10);
        if (*end || value < 1950 || value > 2199)
            return refuse(s, connection, r, 400, "bad-year", english ? "The year is 1950-2199." : "Năm từ 1950 đến 2199.",
                          NULL, 0);
        year = (int)value;
    }
    const char *action = r->route.id == ROUTE_AUDIT ? "report"
                         : r->route.id == ROUTE_AUDIT_ANOMALIES ? "anomalies.csv" : "statistics.csv";
    vb_error err = {0};
    bool made = false;
    store *st = store_pool_acquire(s->stores);
    log_access(st, who_is.user, who_is.province, action, who);
    kept_audit *kept = audit_get(s, st, who_is.province, year, &made, &err);
    store_pool_release(s->stores, st);
    if (!kept) {
        portal_log("audit failed: %s", err.message);
        return refuse(s, connection, r, 500, "internal", english ? "The audit failed; try again later."
                                                                 : "Kiểm tra bị lỗi; hãy thử lại sau.", NULL, 0);
    }
    const audit_result *result = &kept->result;
    if (made) {
        char scope[24] = "every year";
        if (year)
            snprintf(scope, sizeof scope, "year %d", year);
        portal_log("audit made in %.2f s (%s; %llu schools, %llu records); kept until the store changes",
                   result->seconds, scope, (unsigned long long)result->schools, (unsigned long long)result->records);
    }
    text_buffer body;
    text_init(&body, 1 << 16);
    if (r->route.id != ROUTE_AUDIT) {
        bool anomalies = r->route.id == ROUTE_AUDIT_ANOMALIES;
        if (anomalies)
            report_anomalies_csv(result, &body);
        else
            report_statistics_csv(result, &body);
        kept_release(kept);
        header disposition = {"Content-Disposition", anomalies ? "attachment; filename=\"anomalies.csv\""
                                                               : "attachment; filename=\"statistics.csv\""};
        return answer_text(s, connection, r, 200, "text/csv; charset=utf-8", &body, NULL, &disposition, 1);
    }
    text_buffer report, bar;
    text_init(&report, 1 << 16);
    text_init(&bar, 1024);
    report_html(result, english, &report);
    kept_release(kept);
    page_audit_bar(who_is.user, who_is.province, year, english, &bar);
    dress_report(&report, &bar, &body);
    bool failed = report.failed || bar.failed;
    text_free(&report);
    text_free(&bar);
    if (failed)
        body.failed = true;
    char csp[1024];
    csp_for_document(body.data ? body.data : "", csp, sizeof csp);
    header language = {"Content-Language", english ? "en" : "vi"};
    return answer_text(s, connection, r, 200, html_type, &body, csp, &language, 1);
}

/* ---------------------------------------------------------------- routing */

/* Copies the path segment at *path (up to '/' or the end) into out. */
static const char *segment(const char *path, char *out, size_t out_size, bool *too_long)
{
    size_t n = strcspn(path, "/");
    *too_long = n >= out_size;
    snprintf(out, out_size, "%.*s", (int)(n < out_size ? n : out_size - 1), path);
    return path + n;
}

static void classify(const char *url, route *out)
{
    static const struct {
        const char *path;
        route_id id;
    } fixed[] = {
        {"/", ROUTE_HOME},
        {"/lookup", ROUTE_LOOKUP_PAGE},
        {"/api/v1/lookup", ROUTE_LOOKUP_API},
        {"/api/v1/batches", ROUTE_BATCHES},
        {"/status", ROUTE_STATUS_ALL},
        {"/audit", ROUTE_AUDIT},
        {"/audit/", ROUTE_AUDIT},
        {"/audit/login", ROUTE_LOGIN},
        {"/audit/logout", ROUTE_LOGOUT},
        {"/audit/anomalies.csv", ROUTE_AUDIT_ANOMALIES},
        {"/audit/statistics.csv", ROUTE_AUDIT_STATISTICS},
        {"/healthz", ROUTE_HEALTHZ},
        {"/robots.txt", ROUTE_ROBOTS},
    };
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (strcmp(url, fixed[i].path) == 0) {
            out->id = fixed[i].id;
            return;
        }
    if (strncmp(url, "/status/", 8) == 0) {
        const char *rest = segment(url + 8, out->school, sizeof out->school, &out->school_too_long);
        if (!*rest)
            out->id = ROUTE_STATUS_ONE;
        return;
    }
    if (strncmp(url, "/api/v1/schools/", 16) == 0) {
        const char *rest = segment(url + 16, out->school, sizeof out->school, &out->school_too_long);
        if (!*rest)
            out->id = ROUTE_SCHOOL;
        else if (strcmp(rest, "/leaves") == 0)
            out->id = ROUTE_LEAVES;
        else if (strcmp(rest, "/status") == 0)
            out->id = ROUTE_STATUS_PUT;
    }
}

/* Which methods a route takes ("GET" includes HEAD). */
static const char *allowed_methods(route_id id)
{
    switch (id) {
    case ROUTE_BATCHES:
    case ROUTE_LEAVES: return "POST";
    case ROUTE_STATUS_PUT: return "PUT";
    case ROUTE_LOGIN: return "GET, HEAD, POST";
    case ROUTE_LOGOUT: return "POST";
    default: return "GET, HEAD";
    }
}

static bool method_allowed(route_id id, const char *method)
{
    const char *allowed = allowed_methods(id);
    if (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
        return strstr(allowed, "HEAD") != NULL;
    size_t n = strlen(method);
    for (const char *p = allowed; (p = strstr(p, method)) != NULL; p += n)
        if ((p == allowed || p[-1] == ' ') && (p[n] == '\0' || p[n] == ','))
            return true;
    return false;
}

/* The body an endpoint takes: its byte limit and content types; 0 when it takes none. */
static size_t body_limit(route_id id)
{
    switch (id) {
    case ROUTE_BATCHES: return VB_MIRROR_MAX_BATCH_BYTES;
    case ROUTE_LEAVES: return VB_MIRROR_MAX_STATEMENT_BYTES;
    case ROUTE_STATUS_PUT: return VB_STATUSLIST_MAX_BYTES;
    case ROUTE_LOGIN: return PORTAL_MAX_FORM_BYTES;
    case ROUTE_LOGOUT: return PORTAL_MAX_FORM_BYTES;
    default: return 0;
    }
}

static bool content_type_fits(route_id id, const char *type)
{
    if (id == ROUTE_LOGOUT)
        return true;
    if (!type)
        return false;
    if (id == ROUTE_LOGIN)
        return strncasecmp(type, "application/x-www-form-urlencoded", 33) == 0;
    return strncasecmp(type, "application/cbor", 16) == 0 || strncasecmp(type, "application/cose", 16) == 0 ||
           strncasecmp(type, "application/octet-stream", 24) == 0;
}

/* Bodies being received, all requests together. */
static atomic_size_t buffered_bytes;

static bool reserve_bytes(request *r, size_t more)
{
    size_t held = atomic_load(&buffered_bytes);
    do {
        if (more > PORTAL_MAX_BUFFERED_BYTES - held || held > PORTAL_MAX_BUFFERED_BYTES)
            return false;
    } while (!atomic_compare_exchange_weak(&buffered_bytes, &held, held + more));
    r->reserved += more;
    return true;
}

static void release_bytes(request *r)
{
    atomic_fetch_sub(&buffered_bytes, r->reserved);
    r->reserved = 0;
}

/* Makes room for `more` body bytes (exactly that many when the length was announced); false
 * when all bodies together would be too many. */
static bool body_room(request *r, size_t more, bool exact)
{
    size_t need = r->body_length + more;
    if (need <= r->body_capacity)
        return true;
    size_t capacity = exact ? need : r->body_capacity ? r->body_capacity : 64 * 1024;
    while (capacity < need)
        capacity *= 2;
    if (capacity > r->body_limit)
        capacity = r->body_limit;
    if (!reserve_bytes(r, capacity - r->body_capacity))
        return false;
    uint8_t *grown = realloc(r->body, capacity);
    if (!grown)
        return false;
    r->body = grown;
    r->body_capacity = capacity;
    return true;
}

static limit_kind limit_of(route_id id)
{
    switch (id) {
    case ROUTE_BATCHES:
    case ROUTE_SCHOOL:
    case ROUTE_LEAVES:
    case ROUTE_STATUS_PUT: return LIMIT_SCHOOLS;
    case ROUTE_HEALTHZ: return LIMIT_NONE_FROM_LOOPBACK;
    default: return LIMIT_PUBLIC;
    }
}

/* The first call, headers in: limits that need no body. True when an answer was queued. */
static bool screen(portal_service *s, struct MHD_Connection *connection, request *r, const char *method,
                   const client *who, enum MHD_Result *result)
{
    unsigned retry_after = 0;
    char seconds[16];
    limit_kind kind = limit_of(r->route.id);
    bool login_attempt = r->route.id == ROUTE_LOGIN && strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    /* Each request spends from one bucket: a login attempt from the stricter login bucket. */
    ratelimiter *limiter = login_attempt ? s->login_limiter
                           : kind == LIMIT_SCHOOLS ? s->api_limiter
                           : kind == LIMIT_PUBLIC ? s->limiter
                           : who->loopback ? NULL : s->limiter;
    bool limited = limiter && !ratelimit_take(limiter, who->key, monotonic_microseconds(), &retry_after);
    if (limited && login_attempt) {
        /* Logged, but at most once a second in all: a flood of refused attempts must not
         * become a flood of writes. */
        static atomic_llong last_logged;
        long long second = (long long)time(NULL), last = atomic_load(&last_logged);
        if (second != last && atomic_compare_exchange_strong(&last_logged, &last, second)) {
            store *st = store_pool_acquire(s->stores);
            log_access(st, "", "", "login-rate-limited", who);
            store_pool_release(s->stores, st);
        }
    }
    if (limited) {
        header retry = {"Retry-After", seconds};
        snprintf(seconds, sizeof seconds, "%u", retry_after);
        *result = refuse(s, connection, r, 429, "rate-limited", "too many requests; retry later", &retry, 1);
        return true;
    }
    if (r->uri_length > PORTAL_MAX_URI_CHARS) {
        *result = refuse(s, connection, r, 414, "uri-too-long", "the request target is too long", NULL, 0);
        return true;
    }
    if (r->route.id == ROUTE_UNKNOWN) {
        *result = refuse(s, connection, r, 404, "not-found", "no such page or endpoint", NULL, 0);
        return true;
    }
    if (!method_allowed(r->route.id, method)) {
        header allow = {"Allow", allowed_methods(r->route.id)};
        *result = refuse(s, connection, r, 405, "method-not-allowed", "this method is not taken here", &allow, 1);
        return true;
    }
    r->body_limit = body_limit(r->route.id);
    if (strcmp(method, MHD_HTTP_METHOD_POST) == 0 || strcmp(method, MHD_HTTP_METHOD_PUT) == 0) {
        const char *type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long declared = length ? strtoull(length, NULL, 10) : 0;
        if (declared > r->body_limit) {
            char reason[96];
            snprintf(reason, sizeof reason, "the body is over %zu bytes", r->body_limit);
            *result = refuse(s, connection, r, 413, "too-large", reason, NULL, 0);
            return true;
        }
        if (!content_type_fits(r->route.id, type)) {
            *result = refuse(s, connection, r, 415, "unsupported-media-type",
                             r->route.id == ROUTE_LOGIN ? "send the form as application/x-www-form-urlencoded"
                                                        : "send the signed bytes as application/cbor",
                             NULL, 0);
            return true;
        }
        if (declared && !body_room(r, (size_t)declared, true)) {
            header retry = {"Retry-After", "5"};
            *result = refuse(s, connection, r, 503, "busy", "too many uploads at once; retry later", &retry, 1);
            return true;
        }
    }
    return false;
}

static enum MHD_Result dispatch(portal_service *s, struct MHD_Connection *connection, request *r, const client *who)
{
    switch (r->route.id) {
    case ROUTE_HOME: {
        bool english = is_english(s, connection);
        text_buffer body;
        page_lookup_form empty = {0};
        text_init(&body, 4096);
        page_home(&empty, NULL, english, &body);
        return answer_page(s, connection, r, 200, &body, english);
    }
    case ROUTE_LOOKUP_PAGE: return lookup(s, connection, r, false);
    case ROUTE_LOOKUP_API: return lookup(s, connection, r, true);
    case ROUTE_BATCHES:
    case ROUTE_SCHOOL:
    case ROUTE_LEAVES:
    case ROUTE_STATUS_PUT: return school_endpoint(s, connection, r);
    case ROUTE_STATUS_ONE:
    case ROUTE_STATUS_ALL: return status_lists(s, connection, r);
    case ROUTE_LOGIN: return login(s, connection, r, who);
    case ROUTE_LOGOUT: return logout(s, connection, r, who);
    case ROUTE_AUDIT:
    case ROUTE_AUDIT_ANOMALIES:
    case ROUTE_AUDIT_STATISTICS: return audit(s, connection, r, who);
    case ROUTE_HEALTHZ: return healthz(s, connection, r);
    case ROUTE_ROBOTS: {
        text_buffer body;
        text_init(&body, 64);
        text_puts(&body, "User-agent: *\nDisallow: /\n"); /* the answers hold names */
        return answer_text(s, connection, r, 200, text_type, &body, NULL, NULL, 0);
    }
    default: return refuse(s, connection, r, 404, "not-found", "no such page or endpoint", NULL, 0);
    }
}

/* ---------------------------------------------------------------- libmicrohttpd callbacks */

static request *request_new(const char *uri)
{
    request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->started = monotonic_microseconds();
    r->uri_length = uri ? strlen(uri) : 0;
    if (uri)
        vb_accesslog_redact(uri, strcspn(uri, "?"), r->log_path, sizeof r->log_path);
    return r;
}

static void *on_request_line(void *context, const char *uri, struct MHD_Connection *connection)
{
    (void)context;
    (void)connection;
    return request_new(uri);
}

static enum MHD_Result on_request(void *context, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **state)
{
    portal_service *s = context;
    request *r = *state;
    client who;
    (void)version;
    if (!r) {
        if (!(r = request_new(NULL)))
            return MHD_NO;
        *state = r;
    }
    /* First call: the headers are in. A refusal queued now closes the connection after it, the
     * body unread — right for refusals; everything else is answered after the body. */
    if (!r->seen) {
        enum MHD_Result result;
        r->seen = true;
        snprintf(r->method, sizeof r->method, "%s", method);
        vb_accesslog_redact(url, strlen(url), r->log_path, sizeof r->log_path);
        classify(url, &r->route);
        identify(s, connection, &who);
        if (screen(s, connection, r, method, &who, &result))
            return result;
        return MHD_YES;
    }
    if (r->status) /* answered; what still comes is discarded */
        return MHD_YES;
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->body_too_large || n > r->body_limit - r->body_length) {
            /* Over the limit without a Content-Length saying so (chunked): libmicrohttpd takes
             * an answer only once the body is in, so the rest is read and dropped, unless it
             * goes on far past the limit; then the connection is closed. */
            r->body_too_large = true;
            r->body_dropped += n;
            return r->body_dropped > r->body_limit + (1u << 20) ? MHD_NO : MHD_YES;
        }
        if (!body_room(r, n, false))
            return MHD_NO;
        memcpy(r->body + r->body_length, upload_data, n);
        r->body_length += n;
        return MHD_YES;
    }
    if (r->body_too_large) {
        char reason[96];
        snprintf(reason, sizeof reason, "the body is over %zu bytes", r->body_limit);
        return refuse(s, connection, r, 413, "too-large", reason, NULL, 0);
    }
    identify(s, connection, &who);
    return dispatch(s, connection, r, &who);
}

static void on_completed(void *context, struct MHD_Connection *connection, void **state,
                         enum MHD_RequestTerminationCode how)
{
    portal_service *s = context;
    request *r = *state;
    (void)connection;
    if (!r)
        return;
    if (how != MHD_REQUEST_TERMINATED_COMPLETED_OK && how != MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN)
        r->status = 0; /* the answer did not reach the client */
    if (s->settings.access_log)
        access_line(r);
    release_bytes(r);
    free(r->body);
    free(r);
    *state = NULL;
}

struct MHD_Daemon *portal_http_start(portal_service *s, int listen_socket, char *message, size_t message_size)
{
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    if (getsockname(listen_socket, (struct sockaddr *)&address, &length) == 0 && address.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, httpd_message, s, MHD_OPTION_LISTEN_SOCKET,
        (MHD_socket)listen_socket, MHD_OPTION_THREAD_POOL_SIZE, s->settings.threads, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)PORTAL_MEMORY_PER_CONNECTION, MHD_OPTION_CONNECTION_LIMIT, s->settings.max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, s->settings.timeout_seconds, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        s->settings.per_ip_connections, MHD_OPTION_URI_LOG_CALLBACK, on_request_line, s, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_END);
    if (!daemon)
        snprintf(message, message_size, "libmicrohttpd could not start (see the httpd message above)");
    return daemon;
}

void portal_http_stop(struct MHD_Daemon *daemon)
{
    if (daemon)
        MHD_stop_daemon(daemon);
    portal_http_flush_log();
}
