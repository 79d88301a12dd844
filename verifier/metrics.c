/*
 * verifier/metrics.c — the service's counters (lock-free atomics, relaxed: each is read alone)
 * and their Prometheus text exposition (format 0.0.4) for GET /metrics. Every name starts
 * vanbang_verifier_; docs/API.md lists them.
 */
#include "service.h"

#include "cose.h"

#include <stdio.h>
#include <string.h>

/* The statuses the service answers with. 0 is "none": the request ended without an answer of
 * ours (libmicrohttpd refused it itself, e.g. 431 for headers too large, or the client left). */
#define KNOWN_STATUS_COUNT 11
static const unsigned known_statuses[KNOWN_STATUS_COUNT] = {
    200, 204, 400, 403, 404, 405, 413, 414, 415, 429, 500,
};
_Static_assert(KNOWN_STATUS_COUNT + 2 == METRICS_STATUS_SLOTS, "one slot per status, none and other");

/* Upper bounds in microseconds; the last bucket (+Inf) is implicit in the count. */
static const uint64_t latency_bounds[METRICS_LATENCY_BUCKETS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000,
};

void metrics_init(metrics *m)
{
    memset(m, 0, sizeof *m);
    m->started_at = (int64_t)time(NULL);
}

#define SLOT_NONE KNOWN_STATUS_COUNT
#define SLOT_OTHER (KNOWN_STATUS_COUNT + 1)

static size_t status_slot(unsigned status)
{
    if (status == 0)
        return SLOT_NONE;
    for (size_t i = 0; i < KNOWN_STATUS_COUNT; i++)
        if (known_statuses[i] == status)
            return i;
    return SLOT_OTHER;
}

void metrics_observe(metrics *m, unsigned http_status, int verdict_index, uint64_t microseconds)
{
    atomic_fetch_add_explicit(&m->by_status[status_slot(http_status)], 1, memory_order_relaxed);
    if (verdict_index >= 0 && verdict_index < VERDICT_COUNT)
        atomic_fetch_add_explicit(&m->by_verdict[verdict_index], 1, memory_order_relaxed);
    if (http_status == 429)
        atomic_fetch_add_explicit(&m->rate_limited, 1, memory_order_relaxed);
    for (size_t i = 0; i < METRICS_LATENCY_BUCKETS; i++)
        if (microseconds <= latency_bounds[i]) {
            atomic_fetch_add_explicit(&m->latency_buckets[i], 1, memory_order_relaxed);
            break;
        }
    atomic_fetch_add_explicit(&m->latency_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_sum_microseconds, microseconds, memory_order_relaxed);
}

#define LOAD(x) atomic_load_explicit(&(x), memory_order_relaxed)

void metrics_render(metrics *m, trust_store *trust, text_buffer *out)
{
    int64_t now = (int64_t)time(NULL);

    text_puts(out, "# HELP vanbang_verifier_requests_total HTTP requests, by the status answered (none: "
                   "refused by the HTTP layer itself, or the client left first).\n"
                   "# TYPE vanbang_verifier_requests_total counter\n");
    for (size_t i = 0; i < KNOWN_STATUS_COUNT; i++)
        text_printf(out, "vanbang_verifier_requests_total{code=\"%u\"} %lu\n", known_statuses[i],
                    LOAD(m->by_status[i]));
    text_printf(out, "vanbang_verifier_requests_total{code=\"none\"} %lu\n", LOAD(m->by_status[SLOT_NONE]));
    text_printf(out, "vanbang_verifier_requests_total{code=\"other\"} %lu\n", LOAD(m->by_status[SLOT_OTHER]));

    text_puts(out, "# HELP vanbang_verifier_verdicts_total Verifications made, by verdict.\n"
                   "# TYPE vanbang_verifier_verdicts_total counter\n");
    for (int v = 0; v < VERDICT_COUNT; v++)
        text_printf(out, "vanbang_verifier_verdicts_total{verdict=\"%s\"} %lu\n", verdict_name((verdict)v),
                    LOAD(m->by_verdict[v]));

    text_puts(out, "# HELP vanbang_verifier_rate_limited_total Requests refused with 429.\n"
                   "# TYPE vanbang_verifier_rate_limited_total counter\n");
    text_printf(out, "vanbang_verifier_rate_limited_total %lu\n", LOAD(m->rate_limited));

    text_puts(out, "# HELP vanbang_verifier_request_duration_seconds Time from the request line to the "
                   "last byte of the answer handed to the kernel.\n"
                   "# TYPE vanbang_verifier_request_duration_seconds histogram\n");
    unsigned long cumulative = 0;
    for (size_t i = 0; i < METRICS_LATENCY_BUCKETS; i++) {
        cumulative += LOAD(m->latency_buckets[i]);
        text_printf(out, "vanbang_verifier_request_duration_seconds_bucket{le=\"%g\"} %lu\n",
                    (double)latency_bounds[i] / 1e6, cumulative);
    }
    unsigned long count = LOAD(m->latency_count);
    text_printf(out, "vanbang_verifier_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", count);
    text_printf(out, "vanbang_verifier_request_duration_seconds_sum %.6f\n",
                (double)LOAD(m->latency_sum_microseconds) / 1e6);
    text_printf(out, "vanbang_verifier_request_duration_seconds_count %lu\n", count);

    trust_snapshot *snapshot = trust_store_acquire(trust);
    text_puts(out, "# HELP vanbang_verifier_trust_list_sequence Sequence number of the trust list in force.\n"
                   "# TYPE vanbang_verifier_trust_list_sequence gauge\n");
    text_printf(out, "vanbang_verifier_trust_list_sequence %llu\n", (unsigned long long)snapshot->list.sequence);
    text_puts(out, "# HELP vanbang_verifier_trust_list_age_seconds Seconds since the authority issued the "
                   "trust list in force.\n"
                   "# TYPE vanbang_verifier_trust_list_age_seconds gauge\n");
    text_printf(out, "vanbang_verifier_trust_list_age_seconds %lld\n", (long long)(now - snapshot->list.issued_at));
    text_puts(out, "# HELP vanbang_verifier_trust_list_loaded_timestamp_seconds When the list in force was "
                   "loaded.\n"
                   "# TYPE vanbang_verifier_trust_list_loaded_timestamp_seconds gauge\n");
    text_printf(out, "vanbang_verifier_trust_list_loaded_timestamp_seconds %lld\n", (long long)snapshot->loaded_at);
    text_puts(out, "# HELP vanbang_verifier_trust_list_entries Certificates in the trust list in force.\n"
                   "# TYPE vanbang_verifier_trust_list_entries gauge\n");
    text_printf(out, "vanbang_verifier_trust_list_entries %zu\n", snapshot->list.count);
    text_puts(out, "# HELP vanbang_verifier_key_tables Signing keys verified with a table of their multiples "
                   "(--key-tables).\n"
                   "# TYPE vanbang_verifier_key_tables gauge\n");
    text_printf(out, "vanbang_verifier_key_tables %u\n", vb_cose_key_tables_in_use());

    /* One series per school whose status list is in force; the origin is a school code
     * (A-Z a-z 0-9 . - _), safe as a label value. */
    size_t dropped = 0;
    text_puts(out, "# HELP vanbang_verifier_status_list_sequence Sequence number of each school's status list "
                   "in force.\n"
                   "# TYPE vanbang_verifier_status_list_sequence gauge\n");
    for (size_t i = 0; i < snapshot->status_count; i++)
        if (snapshot->status[i].in_force)
            text_printf(out, "vanbang_verifier_status_list_sequence{origin=\"%s\"} %llu\n",
                        snapshot->status[i].list.origin, (unsigned long long)snapshot->status[i].list.sequence);
        else
            dropped++;
    text_puts(out, "# HELP vanbang_verifier_status_list_age_seconds Seconds since the school issued its status "
                   "list in force.\n"
                   "# TYPE vanbang_verifier_status_list_age_seconds gauge\n");
    for (size_t i = 0; i < snapshot->status_count; i++)
        if (snapshot->status[i].in_force)
            text_printf(out, "vanbang_verifier_status_list_age_seconds{origin=\"%s\"} %lld\n",
                        snapshot->status[i].list.origin, (long long)(now - snapshot->status[i].list.issued_at));
    text_puts(out, "# HELP vanbang_verifier_status_list_entries Records listed (revoked or superseded) in each "
                   "school's status list in force.\n"
                   "# TYPE vanbang_verifier_status_list_entries gauge\n");
    for (size_t i = 0; i < snapshot->status_count; i++)
        if (snapshot->status[i].in_force)
            text_printf(out, "vanbang_verifier_status_list_entries{origin=\"%s\"} %zu\n",
                        snapshot->status[i].list.origin, snapshot->status[i].list.count);
    text_puts(out, "# HELP vanbang_verifier_status_lists Status lists held (one per file or bundle element), by state (dropped: its "
                   "signer is no longer on the trust list).\n"
                   "# TYPE vanbang_verifier_status_lists gauge\n");
    text_printf(out, "vanbang_verifier_status_lists{state=\"in-force\"} %zu\n", snapshot->status_count - dropped);
    text_printf(out, "vanbang_verifier_status_lists{state=\"dropped\"} %zu\n", dropped);
    trust_snapshot_release(snapshot);

    text_puts(out, "# HELP vanbang_verifier_trust_reloads_total Trust list reloads, by result (failed: the "
                   "new file was refused and the old list kept).\n"
                   "# TYPE vanbang_verifier_trust_reloads_total counter\n");
    text_printf(out, "vanbang_verifier_trust_reloads_total{result=\"ok\"} %lu\n", LOAD(trust->reloads_ok));
    text_printf(out, "vanbang_verifier_trust_reloads_total{result=\"failed\"} %lu\n", LOAD(trust->reloads_failed));
    text_puts(out, "# HELP vanbang_verifier_trust_last_reload_failure_timestamp_seconds When a reload was last "
                   "refused (0: never).\n"
                   "# TYPE vanbang_verifier_trust_last_reload_failure_timestamp_seconds gauge\n");
    text_printf(out, "vanbang_verifier_trust_last_reload_failure_timestamp_seconds %lld\n",
                (long long)LOAD(trust->last_failure_at));

    text_puts(out, "# HELP vanbang_verifier_start_time_seconds When the service started.\n"
                   "# TYPE vanbang_verifier_start_time_seconds gauge\n");
    text_printf(out, "vanbang_verifier_start_time_seconds %lld\n", (long long)m->started_at);
}
