/*
 * verifier/trust_store.c — the trust list in force and its reloads.
 *
 * Requests take a counted reference to the current snapshot (a mutex held for a pointer copy
 * and an increment), and drop it when their answer is written. A reload parses the new file
 * entirely off to the side, then swaps the pointer; the old snapshot is freed by whichever
 * request drops the last reference to it. A list that is invalid, unsigned, signed by another
 * authority or not newer is never swapped in: the service keeps answering with the old one.
 */
#include "service.h"

#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void snapshot_free(trust_snapshot *snapshot)
{
    vb_trust_free(&snapshot->list);
    free(snapshot->bytes);
    free(snapshot);
}

void trust_snapshot_release(trust_snapshot *snapshot)
{
    if (snapshot && atomic_fetch_sub_explicit(&snapshot->references, 1, memory_order_acq_rel) == 1)
        snapshot_free(snapshot);
}

trust_snapshot *trust_store_acquire(trust_store *store)
{
    pthread_mutex_lock(&store->lock);
    trust_snapshot *snapshot = store->current;
    atomic_fetch_add_explicit(&snapshot->references, 1, memory_order_relaxed);
    pthread_mutex_unlock(&store->lock);
    return snapshot;
}

/* Reads and checks the file into a new snapshot; held_sequence 0 at start. */
static vb_status load(trust_store *store, uint64_t held_sequence, const trust_snapshot *held,
                      trust_snapshot **out, bool *unchanged, vb_error *err)
{
    uint8_t *bytes;
    size_t length;
    *out = NULL;
    *unchanged = false;
    if (stat(store->path, &store->seen) != 0)
        memset(&store->seen, 0, sizeof store->seen);
    vb_status s = vb_file_read_all(store->path, VB_MAX_TRUST_BYTES, &bytes, &length, err);
    if (s != VB_OK)
        return s;
    if (held && held->length == length && memcmp(held->bytes, bytes, length) == 0) {
        free(bytes);
        *unchanged = true;
        return VB_OK;
    }
    trust_snapshot *snapshot = calloc(1, sizeof *snapshot);
    if (!snapshot) {
        free(bytes);
        return vb_fail(err, VB_ERR_NOMEM, "out of memory loading the trust list");
    }
    s = vb_trust_parse(bytes, length, store->anchors, store->anchor_count, held_sequence, &snapshot->list, err);
    if (s != VB_OK) {
        free(bytes);
        free(snapshot);
        return s;
    }
    snapshot->bytes = bytes;
    snapshot->length = length;
    snapshot->loaded_at = (int64_t)time(NULL);
    atomic_init(&snapshot->references, 1); /* the store's own reference */
    *out = snapshot;
    return VB_OK;
}

vb_status trust_store_open(trust_store *store, const char *path, X509 *const *anchors, size_t anchor_count,
                           vb_error *err)
{
    bool unchanged;
    memset(store, 0, sizeof *store);
    store->path = path;
    store->anchors = anchors;
    store->anchor_count = anchor_count;
    atomic_init(&store->reloads_ok, 0);
    atomic_init(&store->reloads_failed, 0);
    atomic_init(&store->last_failure_at, 0);
    if (pthread_mutex_init(&store->lock, NULL) != 0)
        return vb_fail(err, VB_ERR_NOMEM, "cannot create a mutex");
    vb_status s = load(store, 0, NULL, &store->current, &unchanged, err);
    if (s != VB_OK)
        pthread_mutex_destroy(&store->lock);
    return s;
}

void trust_store_close(trust_store *store)
{
    trust_snapshot_release(store->current);
    store->current = NULL;
    pthread_mutex_destroy(&store->lock);
}

bool trust_store_file_changed(trust_store *store)
{
    struct stat now;
    if (stat(store->path, &now) != 0)
        memset(&now, 0, sizeof now); /* a vanished file is a change too: the reload says why it failed */
    return now.st_dev != store->seen.st_dev || now.st_ino != store->seen.st_ino ||
           now.st_size != store->seen.st_size || now.st_mtim.tv_sec != store->seen.st_mtim.tv_sec ||
           now.st_mtim.tv_nsec != store->seen.st_mtim.tv_nsec;
}

reload_result trust_store_reload(trust_store *store, char *message, size_t message_size)
{
    vb_error err = {0};
    trust_snapshot *held = store->current; /* only this thread ever replaces it */
    trust_snapshot *fresh;
    bool unchanged;
    vb_status s = load(store, held->list.sequence, held, &fresh, &unchanged, &err);

    if (s == VB_OK && unchanged) {
        snprintf(message, message_size, "trust list %s unchanged (sequence %llu)", store->path,
                 (unsigned long long)held->list.sequence);
        return RELOAD_UNCHANGED;
    }
    if (s != VB_OK) {
        atomic_fetch_add(&store->reloads_failed, 1);
        atomic_store(&store->last_failure_at, (long long)time(NULL));
        snprintf(message, message_size, "trust list %s refused (%s: %s); keeping sequence %llu", store->path,
                 vb_status_name(s), err.message, (unsigned long long)held->list.sequence);
        return RELOAD_REFUSED;
    }
    pthread_mutex_lock(&store->lock);
    store->current = fresh;
    pthread_mutex_unlock(&store->lock);
    snprintf(message, message_size, "trust list %s reloaded: sequence %llu -> %llu, %zu entries", store->path,
             (unsigned long long)held->list.sequence, (unsigned long long)fresh->list.sequence,
             fresh->list.count);
    trust_snapshot_release(held);
    atomic_fetch_add(&store->reloads_ok, 1);
    return RELOAD_SWAPPED;
}
