/*
 * tests/tools/faultproxy.c — an HTTP/1.1 proxy on loopback that breaks requests on purpose, so
 * tests can show the uploader (`vanbang-issue upload`) survives a national portal that answers
 * 500, asks it to slow down, hangs, drops the connection, or stores a batch and then loses the
 * answer.
 *
 * Usage: faultproxy --listen PORT --upstream PORT [--plan SPEC] [--seed N] [--hang SECONDS]
 *                   [--log FILE]
 *
 * Listens on 127.0.0.1:PORT (0: a free port; the port is printed on standard error as
 * "faultproxy: listening on 127.0.0.1:N …") and serves each connection on its own thread, one
 * request at a time, keep-alive included. A request is read whole (head at most 64 KiB, a
 * Content-Length body at most 64 MiB; a Transfer-Encoding body is refused with 411), then the
 * plan says what happens to it:
 *
 *   pass        forwarded to 127.0.0.1:UPSTREAM on a new connection ("Connection: close"), the
 *               answer read whole and relayed with framing the client can rely on
 *   500         answered 500 here; nothing is forwarded
 *   503-after   forwarded (the portal stores it), then answered 503 instead: the answer is lost
 *   429         answered 429 with "Retry-After: 1"; nothing is forwarded
 *   hang        nothing is answered; the connection stays open --hang seconds (default 60) or
 *               until the client closes it
 *   drop        the connection is closed without an answer
 *   drop-after  forwarded, then the connection is closed without an answer
 *
 * SPEC is a comma-separated list of those names, taken by the faultable requests in the order
 * they arrive (after the list, every request passes), or "random:P": each faultable request is
 * faulty with probability P (0…1), the fault chosen uniformly among the six, from a PRNG seeded
 * with --seed (default 1), so one seed gives one sequence. Only POST and PUT are faultable
 * (GET passes, so a client can always read the portal's state), unless SPEC starts with "all:".
 *
 * --log FILE gets one line per request: METHOD PATH FAULT UPSTREAM, UPSTREAM being the portal's
 * HTTP status, "-" when nothing was forwarded, or why forwarding failed (connect-failed,
 * timeout, bad-response). Refused requests log "refused-411" and the like as their fault.
 * SIGTERM and SIGINT close every connection and exit 0. A test tool: loopback only, no TLS.
 */
#include "text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "faultproxy"
#define MAX_HEAD_BYTES (64u * 1024)
#define MAX_BODY_BYTES (64u << 20)
#define MAX_HEADERS 256
#define MAX_CONNECTIONS 1024
#define IO_TIMEOUT_SECONDS 120      /* a client or the upstream silent this long is given up */
#define STOP_WAIT_SECONDS 5         /* on SIGTERM, how long connections get to wind down */
#define LOG_PATH_CHARS 1024
#define THREAD_STACK_BYTES (1u << 20)

/* ---------------------------------------------------------------- the plan */

typedef enum {
    FAULT_PASS,
    FAULT_500,
    FAULT_503_AFTER,
    FAULT_429,
    FAULT_HANG,
    FAULT_DROP,
    FAULT_DROP_AFTER,
    FAULT_COUNT
} fault;

static const char *const fault_names[FAULT_COUNT] = {
    [FAULT_PASS] = "pass",       [FAULT_500] = "500",   [FAULT_503_AFTER] = "503-after", [FAULT_429] = "429",
    [FAULT_HANG] = "hang",       [FAULT_DROP] = "drop", [FAULT_DROP_AFTER] = "drop-after",
};

typedef struct {
    bool every_method;      /* "all:": GET and the rest are faultable too */
    bool random;
    double probability;     /* random: of a fault per faultable request */
    fault *sequence;        /* a list: the faults in order */
    size_t sequence_length;
    pthread_mutex_t lock;   /* guards next and prng */
    size_t next;
    uint64_t prng;
} fault_plan;

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double uniform(uint64_t *state) { return (double)(splitmix64(state) >> 11) * 0x1.0p-53; }

static bool fault_by_name(const char *name, size_t length, fault *out)
{
    for (int f = 0; f < FAULT_COUNT; f++)
        if (strlen(fault_names[f]) == length && memcmp(fault_names[f], name, length) == 0) {
            *out = (fault)f;
            return true;
        }
    return false;
}

/* Parses SPEC into the plan; false (with the reason in message) when it is not one. */
static bool plan_parse(fault_plan *plan, const char *spec, uint64_t seed, char *message, size_t message_size)
{
    plan->prng = seed;
    if (strncmp(spec, "all:", 4) == 0) {
        plan->every_method = true;
        spec += 4;
    }
    if (strncmp(spec, "random:", 7) == 0) {
        char *end;
        errno = 0;
        plan->probability = strtod(spec + 7, &end);
        if (errno || end == spec + 7 || *end || !(plan->probability >= 0 && plan->probability <= 1)) {
            snprintf(message, message_size, "'%s' is not random:P with P from 0 to 1", spec);
            return false;
        }
        plan->random = true;
        return true;
    }
    size_t count = *spec ? 1 : 0;
    for (const char *p = spec; *p; p++)
        count += *p == ',';
    if (count && !(plan->sequence = calloc(count, sizeof *plan->sequence))) {
        snprintf(message, message_size, "out of memory");
        return false;
    }
    for (const char *p = spec; count && plan->sequence_length < count;) {
        size_t length = strcspn(p, ",");
        if (!fault_by_name(p, length, &plan->sequence[plan->sequence_length])) {
            snprintf(message, message_size, "'%.*s' is not a fault (pass, 500, 503-after, 429, hang, drop, drop-after)",
                     (int)(length > 40 ? 40 : length), p);
            return false;
        }
        plan->sequence_length++;
        p += length + (p[length] == ',');
    }
    return true;
}

/* What happens to the next request of this method. */
static fault plan_next(fault_plan *plan, const char *method)
{
    if (!plan->every_method && strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0)
        return FAULT_PASS;
    fault f = FAULT_PASS;
    pthread_mutex_lock(&plan->lock);
    if (plan->random) {
        if (uniform(&plan->prng) < plan->probability)
            f = (fault)(1 + (int)(uniform(&plan->prng) * (FAULT_COUNT - 1)));
    } else if (plan->next < plan->sequence_length) {
        f = plan->sequence[plan->next++];
    }
    pthread_mutex_unlock(&plan->lock);
    return f;
}

/* ---------------------------------------------------------------- the proxy's state */

typedef struct connection {
    int client;
    int upstream;                   /* -1 when none; set and cleared under proxy.lock */
    struct connection *previous, *next;
} connection;

static struct {
    unsigned upstream_port;
    unsigned hang_seconds;
    int log_fd;                     /* -1: no log */
    fault_plan plan;
    pthread_mutex_t lock;           /* guards the fields below */
    pthread_cond_t wound_down;
    connection *connections;
    size_t active;
    bool stopping;
} proxy = {.log_fd = -1, .hang_seconds = 60};

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int number) { stop_signal = number; }

/* ---------------------------------------------------------------- bytes and sockets */

typedef struct {
    uint8_t *data;
    size_t length, capacity;
} byte_buffer;

static bool buffer_reserve(byte_buffer *b, size_t capacity)
{
    if (capacity <= b->capacity)
        return true;
    uint8_t *grown = realloc(b->data, capacity);
    if (!grown)
        return false;
    b->data = grown;
    b->capacity = capacity;
    return true;
}

/* Drops the first n bytes (a request handled), keeping what follows (a pipelined request). */
static void buffer_consume(byte_buffer *b, size_t n)
{
    memmove(b->data, b->data + n, b->length - n);
    b->length -= n;
    if (b->capacity > (1u << 20) && b->length < 4096) { /* do not keep 64 MiB for an idle connection */
        uint8_t *smaller = realloc(b->data, 64 * 1024);
        if (smaller) {
            b->data = smaller;
            b->capacity = 64 * 1024;
        }
    }
}

static void set_timeouts(int fd, unsigned seconds)
{
    struct timeval t = {.tv_sec = seconds, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof t);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof t);
}

static bool send_all(int fd, const void *data, size_t length)
{
    const uint8_t *p = data;
    while (length > 0) {
        ssize_t n = send(fd, p, length, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        length -= (size_t)n;
    }
    return true;
}

typedef enum { RECEIVED, RECEIVE_EOF, RECEIVE_TIMEOUT, RECEIVE_ERROR } receive_result;

/* Appends what the socket has (waiting up to its receive timeout) to b, which has room. */
static receive_result receive_some(int fd, byte_buffer *b)
{
    for (;;) {
        ssize_t n = recv(fd, b->data + b->length, b->capacity - b->length, 0);
        if (n > 0) {
            b->length += (size_t)n;
            return RECEIVED;
        }
        if (n == 0)
            return RECEIVE_EOF;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? RECEIVE_TIMEOUT : RECEIVE_ERROR;
    }
}

/* ---------------------------------------------------------------- HTTP heads */

typedef struct {
    const char *name, *value;
} header;

/* A request or status line and its headers, split in place in `text` (a copy of the head). */
typedef struct {
    char *text;
    const char *method, *target;    /* a request */
    unsigned status;                /* a response */
    const char *reason;
    int minor_version;              /* HTTP/1.minor */
    header headers[MAX_HEADERS];
    size_t header_count;
    bool has_length;
    uint64_t content_length;
    bool has_transfer_encoding;
    bool expect_continue;
    bool connection_close, connection_keep_alive;
} http_head;

/* The length of the head at the start of data (through its empty line), 0 if not all there.
 * Lines may end in CRLF or a bare LF. */
static size_t head_length(const uint8_t *data, size_t length)
{
    for (size_t i = 0; i < length; i++) {
        if (data[i] != '\n')
            continue;
        if (i + 1 < length && data[i + 1] == '\n')
            return i + 2;
        if (i + 2 < length && data[i + 1] == '\r' && data[i + 2] == '\n')
            return i + 3;
    }
    return 0;
}

/* Empty lines before a request line are ignored (RFC 9112 §2.2). */
static size_t leading_empty_lines(const uint8_t *data, size_t length)
{
    size_t i = 0;
    while (i < length && (data[i] == '\r' || data[i] == '\n'))
        i++;
    return i;
}

static bool is_token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token(const char *text)
{
    if (!*text)
        return false;
    for (; *text; text++)
        if (!is_token_char((unsigned char)*text))
            return false;
    return true;
}

/* Whether a comma-separated header value holds the token (any case). */
static bool value_has_token(const char *value, const char *token)
{
    size_t token_length = strlen(token);
    for (const char *p = value; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t trimmed = n;
        while (trimmed > 0 && (p[trimmed - 1] == ' ' || p[trimmed - 1] == '\t'))
            trimmed--;
        if (trimmed == token_length && strncasecmp(p, token, token_length) == 0)
            return true;
        p += n;
    }
    return false;
}

static bool parse_version(const char *text, int *minor)
{
    if (strncmp(text, "HTTP/1.", 7) != 0 || (text[7] != '0' && text[7] != '1') || text[8])
        return false;
    *minor = text[7] - '0';
    return true;
}

/* Splits the head's first line, for a request or a response. */
static bool parse_first_line(http_head *h, char *line, bool request)
{
    char *first_space = strchr(line, ' ');
    if (!first_space)
        return false;
    *first_space = '\0';
    char *rest = first_space + 1;
    if (request) {
        char *second_space = strchr(rest, ' ');
        if (!second_space)
            return false;
        *second_space = '\0';
        h->method = line;
        h->target = rest;
        if (!is_token(h->method) || strlen(h->method) > 32 || !*h->target)
            return false;
        for (const char *p = h->target; *p; p++)
            if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
                return false;
        return parse_version(second_space + 1, &h->minor_version);
    }
    if (!parse_version(line, &h->minor_version))
        return false;
    if (!(rest[0] >= '1' && rest[0] <= '5') || !(rest[1] >= '0' && rest[1] <= '9') ||
        !(rest[2] >= '0' && rest[2] <= '9') || (rest[3] != ' ' && rest[3] != '\0'))
        return false;
    h->status = (unsigned)((rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0'));
    h->reason = rest[3] ? rest + 4 : "";
    return true;
}

static bool parse_content_length(const char *value, uint64_t *out)
{
    uint64_t n = 0;
    if (!*value)
        return false;
    for (const char *p = value; *p; p++) {
        if (*p < '0' || *p > '9' || n > (UINT64_MAX - 9) / 10)
            return false;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    *out = n;
    return true;
}

typedef enum { HEAD_OK, HEAD_BAD, HEAD_TOO_MANY_HEADERS } head_result;

/* Copies the head (length bytes at data) and parses it. */
static head_result parse_head(const uint8_t *data, size_t length, bool request, http_head *h)
{
    memset(h, 0, sizeof *h);
    if (!(h->text = malloc(length + 1)))
        return HEAD_BAD;
    memcpy(h->text, data, length);
    h->text[length] = '\0';
    if (memchr(h->text, '\0', length))
        return HEAD_BAD;

    char *line = h->text;
    bool first = true;
    while (*line) {
        char *end = strchr(line, '\n');
        if (!end)
            return HEAD_BAD; /* head_length found the empty line: every line ends */
        *end = '\0';
        if (end > line && end[-1] == '\r')
            end[-1] = '\0';
        if (!*line)
            break; /* the empty line */
        if (first) {
            if (!parse_first_line(h, line, request))
                return HEAD_BAD;
            first = false;
        } else {
            if (*line == ' ' || *line == '\t')
                return HEAD_BAD; /* obsolete line folding */
            char *colon = strchr(line, ':');
            if (!colon)
                return HEAD_BAD;
            *colon = '\0';
            char *value = colon + 1;
            while (*value == ' ' || *value == '\t')
                value++;
            size_t value_length = strlen(value);
            while (value_length > 0 && (value[value_length - 1] == ' ' || value[value_length - 1] == '\t'))
                value[--value_length] = '\0';
            for (const char *p = value; *p; p++)
                if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
                    return HEAD_BAD;
            if (!is_token(line))
                return HEAD_BAD;
            if (h->header_count == MAX_HEADERS)
                return HEAD_TOO_MANY_HEADERS;
            h->headers[h->header_count++] = (header){line, value};
            if (strcasecmp(line, "Content-Length") == 0) {
                uint64_t n;
                if (!parse_content_length(value, &n) || (h->has_length && n != h->content_length))
                    return HEAD_BAD;
                h->has_length = true;
                h->content_length = n;
            } else if (strcasecmp(line, "Transfer-Encoding") == 0) {
                h->has_transfer_encoding = true;
            } else if (strcasecmp(line, "Expect") == 0) {
                h->expect_continue = h->expect_continue || strcasecmp(value, "100-continue") == 0;
            } else if (strcasecmp(line, "Connection") == 0) {
                h->connection_close = h->connection_close || value_has_token(value, "close");
                h->connection_keep_alive = h->connection_keep_alive || value_has_token(value, "keep-alive");
            }
        }
        line = end + 1;
    }
    return first ? HEAD_BAD : HEAD_OK;
}

static void head_free(http_head *h)
{
    free(h->text);
    h->text = NULL;
}

/* Headers that describe one connection, not the message: never passed on. */
static bool is_hop_by_hop(const char *name)
{
    static const char *const names[] = {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade",
                                        "Expect"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return true;
    return false;
}

/* ---------------------------------------------------------------- the log */

static void log_request(const char *method, const char *target, const char *what, const char *upstream)
{
    if (proxy.log_fd < 0)
        return;
    char line[LOG_PATH_CHARS + 128];
    int n = snprintf(line, sizeof line, "%s %.*s %s %s\n", method ? method : "-", LOG_PATH_CHARS,
                     target ? target : "-", what, upstream);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line)
        n = (int)sizeof line - 1, line[n - 1] = '\n';
    /* One write per line on an O_APPEND file: lines from several threads never interleave. */
    if (write(proxy.log_fd, line, (size_t)n) < 0) {
        /* a test reading the log will notice */
    }
}

/* ---------------------------------------------------------------- answers made here */

static bool answer(int fd, unsigned status, const char *reason, const char *extra_header, bool keep_alive)
{
    char body[128], head[512];
    int body_length = snprintf(body, sizeof body, PROGRAM ": %u %s\n", status, reason);
    int head_length_written = snprintf(head, sizeof head,
                                       "HTTP/1.1 %u %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s%s"
                                       "Connection: %s\r\n\r\n",
                                       status, reason, body_length, extra_header ? extra_header : "",
                                       extra_header ? "\r\n" : "", keep_alive ? "keep-alive" : "close");
    return send_all(fd, head, (size_t)head_length_written) && send_all(fd, body, (size_t)body_length);
}

/* ---------------------------------------------------------------- forwarding */

/* The upstream's answer, read whole: its head (parsed) and the bytes that follow it. */
typedef struct {
    http_head head;
    byte_buffer bytes;      /* head and body as received */
    size_t head_bytes;      /* where the body starts in bytes */
    size_t body_length;
    bool body_until_close;  /* no Content-Length: the body ended with the connection */
} upstream_answer;

static void upstream_answer_free(upstream_answer *a)
{
    head_free(&a->head);
    free(a->bytes.data);
    memset(a, 0, sizeof *a);
}

static int upstream_connect(connection *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)proxy.upstream_port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    set_timeouts(fd, IO_TIMEOUT_SECONDS);
    pthread_mutex_lock(&proxy.lock);
    bool stopping = proxy.stopping;
    if (!stopping)
        c->upstream = fd; /* from now on a SIGTERM shuts it down too */
    pthread_mutex_unlock(&proxy.lock);
    if (stopping || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        pthread_mutex_lock(&proxy.lock);
        c->upstream = -1;
        pthread_mutex_unlock(&proxy.lock);
        close(fd);
        return -1;
    }
    return fd;
}

static void upstream_close(connection *c)
{
    pthread_mutex_lock(&proxy.lock);
    int fd = c->upstream;
    c->upstream = -1;
    if (fd >= 0)
        close(fd); /* under the lock: the stopper never shuts down a reused descriptor */
    pthread_mutex_unlock(&proxy.lock);
}

/* Sends the request upstream with "Connection: close" and reads the whole answer. Returns NULL
 * on success, else what went wrong, for the log ("connect-failed", "timeout", "bad-response"). */
static const char *forward(connection *c, const http_head *request, const uint8_t *body, size_t body_length,
                           upstream_answer *a)
{
    memset(a, 0, sizeof *a);
    text_buffer out;
    text_init(&out, 1024);
    bool has_host = false;
    text_printf(&out, "%s %s HTTP/1.1\r\n", request->method, request->target);
    for (size_t i = 0; i < request->header_count; i++) {
        const header *h = &request->headers[i];
        if (is_hop_by_hop(h->name))
            continue;
        has_host = has_host || strcasecmp(h->name, "Host") == 0;
        text_printf(&out, "%s: %s\r\n", h->name, h->value);
    }
    if (!has_host)
        text_printf(&out, "Host: 127.0.0.1:%u\r\n", proxy.upstream_port);
    if (!request->has_length && body_length == 0 &&
        (strcmp(request->method, "POST") == 0 || strcmp(request->method, "PUT") == 0))
        text_puts(&out, "Content-Length: 0\r\n");
    text_puts(&out, "Connection: close\r\n\r\n");
    if (out.failed) {
        text_free(&out);
        return "out-of-memory";
    }

    int fd = upstream_connect(c);
    if (fd < 0) {
        text_free(&out);
        return "connect-failed";
    }
    bool sent = send_all(fd, out.data, out.length) && send_all(fd, body, body_length);
    text_free(&out);
    /* Even when sending failed, the upstream may have answered (an early 413, say): read on. */
    (void)sent;

    const char *failure = NULL;
    bool head_request = strcmp(request->method, "HEAD") == 0;
    for (;;) { /* a 1xx answer is followed by the real one */
        size_t head_bytes = 0;
        while (!(head_bytes = head_length(a->bytes.data ? a->bytes.data : (const uint8_t *)"", a->bytes.length))) {
            if (a->bytes.length >= MAX_HEAD_BYTES) {
                failure = "bad-response";
                goto done;
            }
            if (!buffer_reserve(&a->bytes, MAX_HEAD_BYTES + 4096)) {
                failure = "out-of-memory";
                goto done;
            }
            receive_result r = receive_some(fd, &a->bytes);
            if (r != RECEIVED) {
                failure = r == RECEIVE_TIMEOUT ? "timeout" : "bad-response";
                goto done;
            }
        }
        if (parse_head(a->bytes.data, head_bytes, false, &a->head) != HEAD_OK) {
            failure = "bad-response";
            goto done;
        }
        if (a->head.status >= 100 && a->head.status < 200 && a->head.status != 101) {
            head_free(&a->head);
            buffer_consume(&a->bytes, head_bytes);
            continue;
        }
        a->head_bytes = head_bytes;
        break;
    }
    if (head_request || a->head.status < 200 || a->head.status == 204 || a->head.status == 304) {
        a->body_length = 0;
    } else if (a->head.has_length && !a->head.has_transfer_encoding) {
        if (a->head.content_length > MAX_BODY_BYTES) {
            failure = "bad-response";
            goto done;
        }
        size_t total = a->head_bytes + (size_t)a->head.content_length;
        if (!buffer_reserve(&a->bytes, total + 1)) {
            failure = "out-of-memory";
            goto done;
        }
        while (a->bytes.length < total) {
            receive_result r = receive_some(fd, &a->bytes);
            if (r != RECEIVED) {
                failure = r == RECEIVE_TIMEOUT ? "timeout" : "bad-response";
                goto done;
            }
        }
        a->body_length = (size_t)a->head.content_length;
    } else {
        a->body_until_close = true; /* we asked for "Connection: close": the end is the close */
        for (;;) {
            if (a->bytes.length == a->bytes.capacity) {
                if (a->bytes.length - a->head_bytes >= MAX_BODY_BYTES) {
                    failure = "bad-response";
                    goto done;
                }
                if (!buffer_reserve(&a->bytes, a->bytes.capacity * 2)) {
                    failure = "out-of-memory";
                    goto done;
                }
            }
            receive_result r = receive_some(fd, &a->bytes);
            if (r == RECEIVE_EOF)
                break;
            if (r != RECEIVED) {
                failure = r == RECEIVE_TIMEOUT ? "timeout" : "bad-response";
                goto done;
            }
        }
        a->body_length = a->bytes.length - a->head_bytes;
    }
    a->bytes.length = a->head_bytes + a->body_length; /* anything past the answer is not ours */

done:
    upstream_close(c);
    if (failure)
        upstream_answer_free(a);
    return failure;
}

/* Relays the upstream's answer with framing the client can rely on: its own Content-Length, one
 * added when the body ended with the connection, or chunked (then the connection closes). */
static bool relay(int fd, const upstream_answer *a, bool keep_alive, bool *closes)
{
    bool chunked = a->head.has_transfer_encoding;
    *closes = !keep_alive || chunked;
    text_buffer out;
    text_init(&out, 1024);
    text_printf(&out, "HTTP/1.1 %u %s\r\n", a->head.status, a->head.reason);
    for (size_t i = 0; i < a->head.header_count; i++) {
        const header *h = &a->head.headers[i];
        if (is_hop_by_hop(h->name) || (a->body_until_close && strcasecmp(h->name, "Content-Length") == 0))
            continue;
        text_printf(&out, "%s: %s\r\n", h->name, h->value);
    }
    if (a->body_until_close && !chunked)
        text_printf(&out, "Content-Length: %zu\r\n", a->body_length);
    text_printf(&out, "Connection: %s\r\n\r\n", *closes ? "close" : "keep-alive");
    bool ok = !out.failed && send_all(fd, out.data, out.length) &&
              send_all(fd, a->bytes.data + a->head_bytes, a->body_length);
    text_free(&out);
    return ok;
}

/* ---------------------------------------------------------------- one connection */

/* Waits, answering nothing, until the client closes, the hang ends or the proxy stops. */
static void hang(int fd)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    uint8_t discard[4096];
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t elapsed_ms = (int64_t)(now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        int64_t left_ms = (int64_t)proxy.hang_seconds * 1000 - elapsed_ms;
        if (left_ms <= 0)
            return;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int ready = poll(&p, 1, left_ms > 1000 ? 1000 : (int)left_ms);
        if (ready < 0 && errno != EINTR)
            return;
        if (ready > 0) {
            ssize_t n = recv(fd, discard, sizeof discard, 0);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
                return; /* the client gave up */
        }
        pthread_mutex_lock(&proxy.lock);
        bool stopping = proxy.stopping;
        pthread_mutex_unlock(&proxy.lock);
        if (stopping)
            return;
    }
}

typedef enum { NEXT_REQUEST, CLOSE_CONNECTION } after_request;

/* Refuses a request this proxy cannot read, and closes. The client may still be sending (a
 * body too large, say): what it sends is read and thrown away for a moment after the answer,
 * so the close does not reset the connection before the client has read why. */
static after_request refuse(int fd, const http_head *h, unsigned status, const char *reason)
{
    char what[32];
    uint8_t discard[16384];
    snprintf(what, sizeof what, "refused-%u", status);
    log_request(h && h->method ? h->method : NULL, h ? h->target : NULL, what, "-");
    if (!answer(fd, status, reason, NULL, false))
        return CLOSE_CONNECTION;
    shutdown(fd, SHUT_WR);
    struct timeval brief = {.tv_sec = 2, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &brief, sizeof brief);
    for (size_t drained = 0; drained < (8u << 20);) {
        ssize_t n = recv(fd, discard, sizeof discard, 0);
        if (n <= 0)
            break;
        drained += (size_t)n;
    }
    return CLOSE_CONNECTION;
}

/* Reads one request from the client (into in) and does with it what the plan says. */
static after_request serve_request(connection *c, byte_buffer *in)
{
    int fd = c->client;
    size_t skip, head_bytes;

    /* The head. */
    for (;;) {
        skip = leading_empty_lines(in->data ? in->data : (const uint8_t *)"", in->length);
        if (skip)
            buffer_consume(in, skip);
        if ((head_bytes = head_length(in->data ? in->data : (const uint8_t *)"", in->length)))
            break;
        if (in->length >= MAX_HEAD_BYTES)
            return refuse(fd, NULL, 431, "Request Header Fields Too Large");
        if (!buffer_reserve(in, MAX_HEAD_BYTES + 4096))
            return refuse(fd, NULL, 503, "Service Unavailable");
        receive_result r = receive_some(fd, in);
        if (r != RECEIVED)
            return CLOSE_CONNECTION; /* closed or idle between requests, or cut off mid-head */
    }
    if (head_bytes > MAX_HEAD_BYTES)
        return refuse(fd, NULL, 431, "Request Header Fields Too Large");
    http_head h;
    head_result parsed = parse_head(in->data, head_bytes, true, &h);
    if (parsed != HEAD_OK) {
        after_request after = parsed == HEAD_TOO_MANY_HEADERS ? refuse(fd, &h, 431, "Request Header Fields Too Large")
                                                              : refuse(fd, NULL, 400, "Bad Request");
        head_free(&h);
        return after;
    }
    bool keep_alive = h.minor_version == 1 ? !h.connection_close : h.connection_keep_alive && !h.connection_close;

    /* The body. */
    if (h.has_transfer_encoding) {
        after_request after = refuse(fd, &h, 411, "Length Required");
        head_free(&h);
        return after;
    }
    if (h.content_length > MAX_BODY_BYTES) {
        after_request after = refuse(fd, &h, 413, "Content Too Large");
        head_free(&h);
        return after;
    }
    size_t total = head_bytes + (size_t)h.content_length;
    if (!buffer_reserve(in, total + 1)) {
        after_request after = refuse(fd, &h, 503, "Service Unavailable");
        head_free(&h);
        return after;
    }
    if (h.expect_continue && h.minor_version == 1 && in->length < total &&
        !send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25)) {
        head_free(&h);
        return CLOSE_CONNECTION;
    }
    while (in->length < total)
        if (receive_some(fd, in) != RECEIVED) {
            log_request(h.method, h.target, "client-gone", "-");
            head_free(&h);
            return CLOSE_CONNECTION;
        }

    /* What the plan says. */
    fault f = plan_next(&proxy.plan, h.method);
    after_request after = keep_alive ? NEXT_REQUEST : CLOSE_CONNECTION;
    char upstream_status[32] = "-";
    const uint8_t *body = in->data + head_bytes;
    size_t body_length = (size_t)h.content_length;
    upstream_answer a;
    const char *failure;
    bool closes;

    switch (f) {
    case FAULT_500:
        if (!answer(fd, 500, "Internal Server Error", NULL, keep_alive))
            after = CLOSE_CONNECTION;
        break;
    case FAULT_429:
        if (!answer(fd, 429, "Too Many Requests", "Retry-After: 1", keep_alive))
            after = CLOSE_CONNECTION;
        break;
    case FAULT_HANG:
        log_request(h.method, h.target, fault_names[f], upstream_status); /* logged now: it may be long */
        hang(fd);
        head_free(&h);
        return CLOSE_CONNECTION;
    case FAULT_DROP:
        after = CLOSE_CONNECTION;
        break;
    case FAULT_PASS:
    case FAULT_503_AFTER:
    case FAULT_DROP_AFTER:
        failure = forward(c, &h, body, body_length, &a);
        if (failure) {
            snprintf(upstream_status, sizeof upstream_status, "%s", failure);
            bool timed_out = strcmp(failure, "timeout") == 0;
            if (f != FAULT_DROP_AFTER)
                answer(fd, timed_out ? 504 : 502, timed_out ? "Gateway Timeout" : "Bad Gateway", NULL, false);
            after = CLOSE_CONNECTION;
            break;
        }
        snprintf(upstream_status, sizeof upstream_status, "%u", a.head.status);
        if (f == FAULT_PASS) {
            if (!relay(fd, &a, keep_alive, &closes) || closes)
                after = CLOSE_CONNECTION;
        } else if (f == FAULT_503_AFTER) {
            if (!answer(fd, 503, "Service Unavailable", NULL, keep_alive))
                after = CLOSE_CONNECTION;
        } else {
            after = CLOSE_CONNECTION;
        }
        upstream_answer_free(&a);
        break;
    default:
        after = CLOSE_CONNECTION;
        break;
    }
    log_request(h.method, h.target, fault_names[f], upstream_status);
    head_free(&h);
    buffer_consume(in, total);
    return after;
}

static void *serve_connection(void *argument)
{
    connection *c = argument;
    byte_buffer in = {0};
    set_timeouts(c->client, IO_TIMEOUT_SECONDS);
    for (;;) {
        pthread_mutex_lock(&proxy.lock);
        bool stopping = proxy.stopping;
        pthread_mutex_unlock(&proxy.lock);
        if (stopping || serve_request(c, &in) == CLOSE_CONNECTION)
            break;
    }
    free(in.data);

    pthread_mutex_lock(&proxy.lock);
    if (c->previous)
        c->previous->next = c->next;
    else
        proxy.connections = c->next;
    if (c->next)
        c->next->previous = c->previous;
    close(c->client); /* under the lock, as upstream_close: never shut down a reused descriptor */
    proxy.active--;
    pthread_cond_signal(&proxy.wound_down);
    pthread_mutex_unlock(&proxy.lock);
    free(c);
    return NULL;
}

/* ---------------------------------------------------------------- the program's edge */

static const char usage[] =
    "usage: faultproxy --listen PORT --upstream PORT [--plan SPEC] [--seed N] [--hang SECONDS] [--log FILE]\n"
    "  SPEC: [all:]FAULT,FAULT,… or [all:]random:P; FAULT is pass, 500, 503-after, 429, hang, drop or\n"
    "  drop-after. Only POST and PUT are faulted unless SPEC starts with all:.\n";

static bool parse_port(const char *text, bool zero_allowed, unsigned *out)
{
    char *end;
    errno = 0;
    if (!*text || *text == '-')
        return false;
    unsigned long value = strtoul(text, &end, 10);
    if (errno || *end || value > 65535 || (value == 0 && !zero_allowed))
        return false;
    *out = (unsigned)value;
    return true;
}

static int open_listener(unsigned port, unsigned *bound_port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 256) != 0 ||
        getsockname(fd, (struct sockaddr *)&address, &length) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    *bound_port = ntohs(address.sin_port);
    return fd;
}

/* Starts a thread for a new client; on any failure the client is simply closed. */
static void start_connection(int client)
{
    connection *c = calloc(1, sizeof *c);
    pthread_attr_t attributes;
    pthread_t thread;
    if (!c) {
        close(client);
        return;
    }
    c->client = client;
    c->upstream = -1;
    pthread_mutex_lock(&proxy.lock);
    if (proxy.active >= MAX_CONNECTIONS) {
        pthread_mutex_unlock(&proxy.lock);
        close(client);
        free(c);
        return;
    }
    c->next = proxy.connections;
    if (c->next)
        c->next->previous = c;
    proxy.connections = c;
    proxy.active++;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, THREAD_STACK_BYTES);
    int e = pthread_create(&thread, &attributes, serve_connection, c);
    pthread_attr_destroy(&attributes);
    if (e != 0) {
        proxy.connections = c->next;
        if (c->next)
            c->next->previous = NULL;
        proxy.active--;
        close(client);
        free(c);
    }
    pthread_mutex_unlock(&proxy.lock);
}

/* Closes every connection (their threads notice and end) and waits a little for them. */
static void stop_connections(void)
{
    pthread_mutex_lock(&proxy.lock);
    proxy.stopping = true;
    for (connection *c = proxy.connections; c; c = c->next) {
        shutdown(c->client, SHUT_RDWR);
        if (c->upstream >= 0)
            shutdown(c->upstream, SHUT_RDWR);
    }
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += STOP_WAIT_SECONDS;
    while (proxy.active > 0)
        if (pthread_cond_timedwait(&proxy.wound_down, &proxy.lock, &deadline) != 0)
            break;
    size_t left = proxy.active;
    pthread_mutex_unlock(&proxy.lock);
    if (left)
        fprintf(stderr, PROGRAM ": %zu connection(s) still winding down at exit\n", left);
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"listen", required_argument, NULL, 'l'}, {"upstream", required_argument, NULL, 'u'},
        {"plan", required_argument, NULL, 'p'},   {"seed", required_argument, NULL, 's'},
        {"hang", required_argument, NULL, 'H'},   {"log", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    unsigned listen_port = 0, bound_port = 0;
    bool listen_given = false, upstream_given = false;
    const char *spec = "", *log_path = NULL;
    uint64_t seed = 1;
    char message[256];
    char *end;
    int option;

    while ((option = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (option) {
        case 'l':
            if (!(listen_given = parse_port(optarg, true, &listen_port)))
                return fprintf(stderr, PROGRAM ": --listen '%s' is not a port 0-65535\n", optarg), 2;
            break;
        case 'u':
            if (!(upstream_given = parse_port(optarg, false, &proxy.upstream_port)))
                return fprintf(stderr, PROGRAM ": --upstream '%s' is not a port 1-65535\n", optarg), 2;
            break;
        case 'p': spec = optarg; break;
        case 's':
            errno = 0;
            seed = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || *optarg == '-')
                return fprintf(stderr, PROGRAM ": --seed '%s' is not a number\n", optarg), 2;
            break;
        case 'H': {
            errno = 0;
            unsigned long seconds = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || *optarg == '-' || seconds > 86400)
                return fprintf(stderr, PROGRAM ": --hang '%s' is not seconds 0-86400\n", optarg), 2;
            proxy.hang_seconds = (unsigned)seconds;
            break;
        }
        case 'L': log_path = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (!listen_given || !upstream_given || optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    pthread_mutex_init(&proxy.plan.lock, NULL);
    pthread_mutex_init(&proxy.lock, NULL);
    pthread_cond_init(&proxy.wound_down, NULL);
    if (!plan_parse(&proxy.plan, spec, seed, message, sizeof message)) {
        fprintf(stderr, PROGRAM ": --plan: %s\n", message);
        free(proxy.plan.sequence);
        return 2;
    }
    if (log_path && (proxy.log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
        fprintf(stderr, PROGRAM ": cannot open --log %s: %s\n", log_path, strerror(errno));
        free(proxy.plan.sequence);
        return 2;
    }
    int listener = open_listener(listen_port, &bound_port);
    if (listener < 0) {
        fprintf(stderr, PROGRAM ": cannot listen on 127.0.0.1:%u: %s\n", listen_port, strerror(errno));
        free(proxy.plan.sequence);
        return 2;
    }

    /* SIGTERM and SIGINT are blocked everywhere but inside pselect below, so only the accept
     * loop sees them, between two accepts; every connection thread inherits the mask. */
    sigset_t stop_signals, waiting_mask;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &waiting_mask);
    sigdelset(&waiting_mask, SIGTERM);
    sigdelset(&waiting_mask, SIGINT);
    struct sigaction action = {.sa_handler = on_stop_signal};
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    signal(SIGPIPE, SIG_IGN);

    fprintf(stderr, PROGRAM ": listening on 127.0.0.1:%u (upstream 127.0.0.1:%u, plan '%s', seed %llu)\n",
            bound_port, proxy.upstream_port, spec, (unsigned long long)seed);
    fflush(stderr);

    while (!stop_signal) {
        fd_set readable;
        FD_ZERO(&readable);
        FD_SET(listener, &readable);
        int ready = pselect(listener + 1, &readable, NULL, NULL, NULL, &waiting_mask);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, PROGRAM ": waiting for connections: %s\n", strerror(errno));
            break;
        }
        int client = accept(listener, NULL, NULL);
        if (client < 0)
            continue; /* gone before we took it, or out of descriptors for a moment */
        fcntl(client, F_SETFD, FD_CLOEXEC);
        start_connection(client);
    }
    close(listener);
    stop_connections();
    pthread_mutex_lock(&proxy.lock);
    bool all_gone = proxy.active == 0;
    pthread_mutex_unlock(&proxy.lock);
    if (all_gone) { /* else a thread may still use them: the exit ends it all */
        free(proxy.plan.sequence);
        if (proxy.log_fd >= 0)
            close(proxy.log_fd);
    }
    fprintf(stderr, PROGRAM ": stopped on %s\n", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    return stop_signal ? 0 : 1;
}
