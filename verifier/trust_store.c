/*
 * verifier/trust_store.c — the trust list and the schools' status lists in force, and their
 * reloads.
 *
 * Requests take a counted reference to the current snapshot (a mutex held for a pointer copy
 * and an increment), and drop it when their answer is written. A reload reads every file and
 * parses the new snapshot entirely off to the side, then swaps the pointer; the old snapshot is
 * freed by whichever request drops the last reference to it. The trust list and the status
 * lists are one snapshot because a status list is checked against the trust list (its signer
 * must be on it): swapping them apart would let a request see a list checked against a trust
 * list no longer in force.
 *
 * What a reload takes: a trust list that is valid and newer, or the same bytes; each status
 * list valid and newer, or the same bytes (re-checked against the new trust list, accepting its
 * own sequence). A status list whose signer is not on the NEW trust list any more (removed, or
 * gone) is dropped with a warning, so withdrawing a compromised key is never blocked by that
 * key's own status list. Any other failure refuses the whole reload: the service keeps
 * answering with the old snapshot.
 */
#include "service.h"

#include "fileio.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void snapshot_free(trust_snapshot *snapshot)
{
    for (size_t i = 0; i < snapshot->status_count; i++) {
        if (snapshot->status[i].in_force)
            vb_statuslist_free(&snapshot->status[i].list);
        free(snapshot->status[i].bytes);
    }
    free(snapshot->status);
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

static bool same_bytes(const uint8_t *a, size_t a_length, const uint8_t *b, size_t b_length)
{
    return a && b && a_length == b_length && memcmp(a, b, a_length) == 0;
}

static void remember(const char *path, struct stat *seen)
{
    if (stat(path, seen) != 0)
        memset(seen, 0, sizeof *seen);
}

/* A short note appended to a message being built. */
static void note(char *message, size_t message_size, const char *format, ...) __attribute__((format(printf, 3, 4)));
static void note(char *message, size_t message_size, const char *format, ...)
{
    size_t used = strlen(message);
    if (used + 1 >= message_size)
        return;
    va_list ap;
    va_start(ap, format);
    vsnprintf(message + used, message_size - used, format, ap);
    va_end(ap);
}

/* Reads every file and checks it into a new snapshot; `held` is NULL at start. On success
 * *unchanged says every file's bytes equal the held ones (then *out is NULL), else *out is the
 * new snapshot and `changes` lists what differs. Dropped status lists are reported through
 * store->warn. On failure `err` names the file. */
static vb_status load(trust_store *store, const trust_snapshot *held, trust_snapshot **out, bool *unchanged,
                      char *changes, size_t changes_size, vb_error *err)
{
    vb_error inner = {0};
    vb_status s;
    *out = NULL;
    *unchanged = false;
    changes[0] = '\0';

    trust_snapshot *snapshot = calloc(1, sizeof *snapshot);
    if (!snapshot)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory loading the trust list");
    atomic_init(&snapshot->references, 1); /* the store's own reference */
    if (store->status_count &&
        !(snapshot->status = calloc(store->status_count, sizeof *snapshot->status))) {
        free(snapshot);
        return vb_fail(err, VB_ERR_NOMEM, "out of memory loading the status lists");
    }
    snapshot->status_count = store->status_count;

    /* Read everything first: "unchanged" is a fact about all the files together. */
    remember(store->path, &store->seen);
    s = vb_file_read_all(store->path, VB_MAX_TRUST_BYTES, &snapshot->bytes, &snapshot->length, &inner);
    if (s != VB_OK) {
        vb_fail(err, s, "trust list %s refused (%s: %s)", store->path, vb_status_name(s), inner.message);
        goto fail;
    }
    bool all_same = held && same_bytes(held->bytes, held->length, snapshot->bytes, snapshot->length);
    for (size_t i = 0; i < store->status_count; i++) {
        status_file *file = &snapshot->status[i];
        file->path = store->status_paths[i];
        remember(file->path, &store->status_seen[i]);
        s = vb_file_read_all(file->path, VB_STATUSLIST_MAX_BYTES, &file->bytes, &file->length, &inner);
        if (s != VB_OK) {
            vb_fail(err, s, "status list %s refused (%s: %s)", file->path, vb_status_name(s), inner.message);
            goto fail;
        }
        all_same = all_same && same_bytes(held->status[i].bytes, held->status[i].length, file->bytes, file->length);
    }
    if (all_same) {
        snapshot_free(snapshot);
        *unchanged = true;
        return VB_OK;
    }

    /* The trust list: the same bytes are taken again at their own sequence. */
    bool trust_same = held && same_bytes(held->bytes, held->length, snapshot->bytes, snapshot->length);
    uint64_t trust_floor = held ? held->list.sequence - (trust_same ? 1 : 0) : 0;
    s = vb_trust_parse(snapshot->bytes, snapshot->length, store->anchors, store->anchor_count, trust_floor,
                       &snapshot->list, &inner);
    if (s != VB_OK) {
        vb_fail(err, s, "trust list %s refused (%s: %s)", store->path, vb_status_name(s), inner.message);
        goto fail;
    }
    if (held && !trust_same)
        note(changes, changes_size, "trust list %s reloaded: sequence %llu -> %llu, %zu entries", store->path,
             (unsigned long long)held->list.sequence, (unsigned long long)snapshot->list.sequence,
             snapshot->list.count);
    else if (held)
        note(changes, changes_size, "trust list %s unchanged (sequence %llu)", store->path,
             (unsigned long long)snapshot->list.sequence);

    for (size_t i = 0; i < store->status_count; i++) {
        status_file *file = &snapshot->status[i];
        const status_file *before = held ? &held->status[i] : NULL;
        bool same = before && same_bytes(before->bytes, before->length, file->bytes, file->length);
        uint64_t floor = before ? before->sequence_floor : 0;
        if (same && floor > 0)
            floor--; /* the same list again, checked against the new trust list */
        file->sequence_floor = before ? before->sequence_floor : 0;
        s = vb_statuslist_parse(file->bytes, file->length, &snapshot->list, floor, &file->list, &inner);
        if (s == VB_OK) {
            file->in_force = true;
            if (file->list.sequence > file->sequence_floor)
                file->sequence_floor = file->list.sequence;
            for (size_t k = 0; k < i; k++)
                if (snapshot->status[k].in_force && strcmp(snapshot->status[k].list.origin, file->list.origin) == 0) {
                    vb_fail(err, VB_ERR_ARGUMENT, "status list %s: school %s already has a status list (%s)",
                            file->path, file->list.origin, snapshot->status[k].path);
                    goto fail;
                }
            if (held && !same)
                note(changes, changes_size, "; status list %s (%s) reloaded: sequence %llu -> %llu, %zu entries",
                     file->path, file->list.origin, (unsigned long long)(before->in_force ? before->list.sequence : 0),
                     (unsigned long long)file->list.sequence, file->list.count);
            continue;
        }
        /* Only a reload with a changed trust list drops a list: at start, or with the same
         * trust list, a list signed by a key not on it is simply wrong. */
        if (held && !trust_same && (s == VB_ERR_SIGNER_REMOVED || s == VB_ERR_UNKNOWN_SIGNER)) {
            char warning[600];
            snprintf(warning, sizeof warning,
                     "warning: status list %s dropped: its signer is not on the new trust list (%s: %s); "
                     "records of %s are checked without a status list",
                     file->path, vb_status_name(s), inner.message,
                     before && before->in_force ? before->list.origin : "its school");
            if (store->warn)
                store->warn(warning);
            note(changes, changes_size, "; status list %s dropped (%s)", file->path, vb_status_name(s));
            continue;
        }
        vb_fail(err, s, "status list %s refused (%s: %s)", file->path, vb_status_name(s), inner.message);
        goto fail;
    }
    snapshot->loaded_at = (int64_t)time(NULL);
    *out = snapshot;
    return VB_OK;

fail:
    snapshot_free(snapshot); /* a list that failed to parse is empty: freeing it is harmless */
    return err->code;
}

vb_status trust_store_open(trust_store *store, const char *path, const char *const *status_paths,
                           size_t status_count, X509 *const *anchors, size_t anchor_count, vb_error *err)
{
    bool unchanged;
    char changes[8];
    memset(store, 0, sizeof *store);
    if (status_count > SERVE_MAX_STATUS_LISTS)
        return vb_fail(err, VB_ERR_ARGUMENT, "at most %d status lists", SERVE_MAX_STATUS_LISTS);
    store->path = path;
    store->status_paths = status_paths;
    store->status_count = status_count;
    store->anchors = anchors;
    store->anchor_count = anchor_count;
    atomic_init(&store->reloads_ok, 0);
    atomic_init(&store->reloads_failed, 0);
    atomic_init(&store->last_failure_at, 0);
    if (pthread_mutex_init(&store->lock, NULL) != 0)
        return vb_fail(err, VB_ERR_NOMEM, "cannot create a mutex");
    vb_status s = load(store, NULL, &store->current, &unchanged, changes, sizeof changes, err);
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

static bool changed(const char *path, const struct stat *seen)
{
    struct stat now;
    if (stat(path, &now) != 0)
        memset(&now, 0, sizeof now); /* a vanished file is a change too: the reload says why it failed */
    return now.st_dev != seen->st_dev || now.st_ino != seen->st_ino || now.st_size != seen->st_size ||
           now.st_mtim.tv_sec != seen->st_mtim.tv_sec || now.st_mtim.tv_nsec != seen->st_mtim.tv_nsec;
}

bool trust_store_file_changed(trust_store *store)
{
    if (changed(store->path, &store->seen))
        return true;
    for (size_t i = 0; i < store->status_count; i++)
        if (changed(store->status_paths[i], &store->status_seen[i]))
            return true;
    return false;
}

reload_result trust_store_reload(trust_store *store, char *message, size_t message_size)
{
    vb_error err = {0};
    trust_snapshot *held = store->current; /* only this thread ever replaces it */
    trust_snapshot *fresh;
    bool unchanged;
    char changes[2048];
    vb_status s = load(store, held, &fresh, &unchanged, changes, sizeof changes, &err);

    if (s == VB_OK && unchanged) {
        snprintf(message, message_size, "trust list %s unchanged (sequence %llu)%s", store->path,
                 (unsigned long long)held->list.sequence, store->status_count ? ", status lists unchanged" : "");
        return RELOAD_UNCHANGED;
    }
    if (s != VB_OK) {
        atomic_fetch_add(&store->reloads_failed, 1);
        atomic_store(&store->last_failure_at, (long long)time(NULL));
        snprintf(message, message_size, "%s; keeping sequence %llu%s", err.message,
                 (unsigned long long)held->list.sequence, store->status_count ? " and the status lists held" : "");
        return RELOAD_REFUSED;
    }
    pthread_mutex_lock(&store->lock);
    store->current = fresh;
    pthread_mutex_unlock(&store->lock);
    snprintf(message, message_size, "%s", changes);
    trust_snapshot_release(held);
    atomic_fetch_add(&store->reloads_ok, 1);
    return RELOAD_SWAPPED;
}
