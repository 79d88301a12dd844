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
 * A --status file is a school's signed status list or the portal's bundle of them (mirror.h).
 * A bundle is not signed, its lists are: each is checked exactly as a file of its own. The lists
 * of all the files are held in one array sorted by school, so a request finds its school's list
 * by binary search however many are held, and memory follows the lists actually held.
 *
 * What a reload takes: a trust list that is valid and newer, or the same bytes; each status
 * list valid and newer than the newest taken for its school, or that very list (re-checked
 * against the new trust list). A school whose list was in force must still have one: files that
 * leave it out are refused like an older list, since whoever assembles a bundle must not be
 * able to withdraw a school's revocations by omitting its list. A status list whose signer is
 * not on the NEW trust list any more (removed, or gone) is dropped with a warning instead, so
 * withdrawing a compromised key is never blocked by that key's own status list. Any other
 * failure refuses the whole reload, naming the file and, in a bundle, the element: the service
 * keeps answering with the old snapshot.
 */
#include "service.h"

#include "fileio.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST_NOTES 16 /* lists named in one reload's log line; the rest are counted */

static void snapshot_free(trust_snapshot *snapshot)
{
    for (size_t i = 0; i < snapshot->status_count; i++)
        if (snapshot->status[i].in_force)
            vb_statuslist_free(&snapshot->status[i].list);
    free(snapshot->status);
    for (size_t i = 0; i < snapshot->source_count; i++)
        free(snapshot->sources[i].bytes);
    free(snapshot->sources);
    free(snapshot->floors);
    vb_trust_free(&snapshot->list);
    free(snapshot->bytes);
    free(snapshot);
}

trust_snapshot *trust_snapshot_new(void)
{
    trust_snapshot *snapshot = calloc(1, sizeof *snapshot);
    if (snapshot)
        atomic_init(&snapshot->references, 1);
    return snapshot;
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

/* ---------------------------------------------------------------- finding lists and floors */

void status_name(const status_file *list, char *out, size_t out_size)
{
    if (list->element == STATUS_OWN_FILE)
        snprintf(out, out_size, "%s", list->path);
    else
        snprintf(out, out_size, "%s[%zu]", list->path, list->element);
}

/* The index of the first list of the school (in force or not) among lists sorted by school, or
 * count when there is none. */
static size_t first_of_school(const status_file *lists, size_t count, const char *origin)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (strcmp(lists[middle].origin, origin) < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return low < count && strcmp(lists[low].origin, origin) == 0 ? low : count;
}

const status_file *status_find(const status_file *lists, size_t count, const char *origin)
{
    for (size_t i = first_of_school(lists, count, origin); i < count && strcmp(lists[i].origin, origin) == 0; i++)
        if (lists[i].in_force)
            return &lists[i];
    return NULL;
}

static const status_floor *floor_find(const status_floor *floors, size_t count, const char *origin)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        int c = strcmp(floors[middle].origin, origin);
        if (c == 0)
            return &floors[middle];
        if (c < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return NULL;
}

static bool digest_of(const uint8_t *bytes, size_t length, uint8_t digest[32])
{
    unsigned int digest_length = 0;
    return EVP_Digest(bytes, length, digest, &digest_length, EVP_sha256(), NULL) && digest_length == 32;
}

/* By school, then in the order the files and their elements were given. */
static int compare_lists(const void *a, const void *b)
{
    const status_file *x = a, *y = b;
    int c = strcmp(x->origin, y->origin);
    if (c != 0)
        return c;
    if (x->source != y->source)
        return x->source < y->source ? -1 : 1;
    return x->element < y->element ? -1 : x->element > y->element;
}

/* By school, the newest first. */
static int compare_floors(const void *a, const void *b)
{
    const status_floor *x = a, *y = b;
    int c = strcmp(x->origin, y->origin);
    if (c != 0)
        return c;
    return x->sequence > y->sequence ? -1 : x->sequence < y->sequence;
}

/* ---------------------------------------------------------------- reading and checking the status files */

/* Reads each --status file into snapshot->sources; seen (when given) receives each file's
 * identity first, as the store watches them. */
static vb_status read_sources(trust_snapshot *snapshot, const char *const *paths, size_t count, struct stat *seen,
                              vb_error *err)
{
    vb_error inner = {0};
    if (count && !(snapshot->sources = calloc(count, sizeof *snapshot->sources)))
        return vb_fail(err, VB_ERR_NOMEM, "out of memory loading the status lists");
    snapshot->source_count = count;
    for (size_t i = 0; i < count; i++) {
        status_source *source = &snapshot->sources[i];
        source->path = paths[i];
        if (seen)
            remember(paths[i], &seen[i]);
        /* A bundle may be larger than one list; a single list over its own limit is refused by
         * the status list parser, naming that limit. */
        vb_status s = vb_file_read_all(paths[i], VB_MIRROR_MAX_BUNDLE_BYTES, &source->bytes, &source->length, &inner);
        if (s != VB_OK)
            return vb_fail(err, s, "status list %s refused (%s: %s)", paths[i], vb_status_name(s), inner.message);
        source->bundle = vb_mirror_is_bundle(source->bytes, source->length);
    }
    return VB_OK;
}

/* Visits the lists of a bundle: counts them, or (lists given) records where each lies. */
typedef struct {
    trust_snapshot *snapshot;
    size_t source;
    size_t count;
    bool record;
} bundle_walk;

static vb_status visit_bundle_list(void *context, size_t index, const uint8_t *bytes, size_t length, vb_error *err)
{
    bundle_walk *walk = context;
    (void)err;
    if (walk->record) {
        status_file *list = &walk->snapshot->status[walk->snapshot->status_count++];
        list->path = walk->snapshot->sources[walk->source].path;
        list->source = walk->source;
        list->element = index;
        list->bytes = bytes;
        list->length = length;
    }
    walk->count++;
    return VB_OK;
}

/* snapshot->status: one entry per list the sources hold, in the order given (not yet checked). */
static vb_status collect_lists(trust_snapshot *snapshot, vb_error *err)
{
    vb_error inner = {0};
    size_t total = 0;
    for (size_t i = 0; i < snapshot->source_count; i++) {
        status_source *source = &snapshot->sources[i];
        if (!source->bundle) {
            total++;
            continue;
        }
        bundle_walk walk = {.snapshot = snapshot, .source = i};
        vb_status s = vb_mirror_bundle_each(source->bytes, source->length, visit_bundle_list, &walk, &inner);
        if (s != VB_OK)
            return vb_fail(err, s, "status bundle %s refused (%s: %s)", source->path, vb_status_name(s),
                           inner.message);
        total += walk.count;
    }
    if (total > SERVE_MAX_STATUS_LISTS)
        return vb_fail(err, VB_ERR_ARGUMENT, "the status files hold %zu lists; at most %d are held", total,
                       SERVE_MAX_STATUS_LISTS);
    if (total && !(snapshot->status = calloc(total, sizeof *snapshot->status)))
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for %zu status lists", total);
    for (size_t i = 0; i < snapshot->source_count; i++) {
        status_source *source = &snapshot->sources[i];
        if (source->bundle) {
            bundle_walk walk = {.snapshot = snapshot, .source = i, .record = true};
            vb_status s = vb_mirror_bundle_each(source->bytes, source->length, visit_bundle_list, &walk, &inner);
            if (s != VB_OK) /* cannot differ from the count above: the bytes are the same */
                return vb_fail(err, s, "status bundle %s refused (%s: %s)", source->path, vb_status_name(s),
                               inner.message);
            continue;
        }
        status_file *list = &snapshot->status[snapshot->status_count++];
        list->path = source->path;
        list->source = i;
        list->element = STATUS_OWN_FILE;
        list->bytes = source->bytes;
        list->length = source->length;
    }
    return VB_OK;
}

/* The school of a list dropped on reload: the one of the same bytes in the snapshot held, if
 * any (a list whose signature no longer checks names no school of its own). */
static void dropped_origin(const trust_snapshot *held, status_file *list)
{
    for (size_t i = 0; held && i < held->status_count; i++)
        if (same_bytes(held->status[i].bytes, held->status[i].length, list->bytes, list->length)) {
            memcpy(list->origin, held->status[i].origin, sizeof list->origin);
            return;
        }
}

/* Checks one list against snapshot->list and the floor held for its school. Returns VB_OK (in
 * force), VB_ERR_SIGNER_REMOVED or VB_ERR_UNKNOWN_SIGNER (to drop, when the trust list
 * changed), or the failure; err says what is wrong, the caller names the list. */
static vb_status check_list(trust_snapshot *snapshot, const trust_snapshot *held, status_file *list, vb_error *err)
{
    vb_status s = vb_statuslist_parse(list->bytes, list->length, &snapshot->list, 0, &list->list, err);
    if (s != VB_OK)
        return s;
    list->in_force = true;
    memcpy(list->origin, list->list.origin, sizeof list->origin);
    const status_floor *floor = held ? floor_find(held->floors, held->floor_count, list->origin) : NULL;
    if (!floor || list->list.sequence > floor->sequence)
        return VB_OK;
    uint8_t digest[32];
    if (list->list.sequence == floor->sequence) {
        if (!digest_of(list->bytes, list->length, digest))
            return vb_fail(err, VB_ERR_CRYPTO, "cannot hash the status list");
        if (memcmp(digest, floor->digest, sizeof digest) == 0)
            return VB_OK; /* the very list taken before */
    }
    return vb_fail(err, VB_ERR_STATUS_OLDER, "status list sequence %llu is not newer than the %llu already held",
                   (unsigned long long)list->list.sequence, (unsigned long long)floor->sequence);
}

/* The floors of the new snapshot: the held ones, raised by the lists now in force. */
static vb_status update_floors(trust_snapshot *snapshot, const trust_snapshot *held, vb_error *err)
{
    size_t held_count = held ? held->floor_count : 0, capacity = held_count + snapshot->status_count;
    if (capacity == 0)
        return VB_OK;
    if (!(snapshot->floors = calloc(capacity, sizeof *snapshot->floors)))
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for the status lists' sequences");
    if (held_count)
        memcpy(snapshot->floors, held->floors, held_count * sizeof *snapshot->floors);
    size_t count = held_count;
    for (size_t i = 0; i < snapshot->status_count; i++) {
        const status_file *list = &snapshot->status[i];
        const status_floor *before = held ? floor_find(held->floors, held->floor_count, list->origin) : NULL;
        if (!list->in_force || (before && before->sequence >= list->list.sequence))
            continue;
        status_floor *floor = &snapshot->floors[count++];
        memcpy(floor->origin, list->origin, sizeof floor->origin);
        floor->sequence = list->list.sequence;
        if (!digest_of(list->bytes, list->length, floor->digest))
            return vb_fail(err, VB_ERR_CRYPTO, "cannot hash a status list");
    }
    if (count > 1)
        qsort(snapshot->floors, count, sizeof *snapshot->floors, compare_floors);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++)
        if (kept == 0 || strcmp(snapshot->floors[kept - 1].origin, snapshot->floors[i].origin) != 0)
            snapshot->floors[kept++] = snapshot->floors[i];
    snapshot->floor_count = kept;
    return VB_OK;
}

/* Checks every list the sources hold against snapshot->list, into snapshot->status sorted by
 * school. `held` is the snapshot in force on a reload (NULL at start); trust_changed says the
 * trust list differs from the held one, which alone lets a list be dropped (at start, or with
 * the same trust list, a list signed by a key not on it is simply wrong). */
static vb_status check_lists(trust_snapshot *snapshot, const trust_snapshot *held, bool trust_changed,
                             void (*warn)(const char *message), char *changes, size_t changes_size, vb_error *err)
{
    char name[512], other[512];
    vb_status s = collect_lists(snapshot, err);
    if (s != VB_OK)
        return s;

    size_t reloaded = 0;
    for (size_t i = 0; i < snapshot->status_count; i++) {
        status_file *list = &snapshot->status[i];
        vb_error problem = {0};
        s = check_list(snapshot, held, list, &problem);
        status_name(list, name, sizeof name);
        if (s == VB_OK) {
            const status_file *before = held ? status_find(held->status, held->status_count, list->origin) : NULL;
            if (held && !(before && same_bytes(before->bytes, before->length, list->bytes, list->length)) &&
                ++reloaded <= MAX_LIST_NOTES)
                note(changes, changes_size, "; status list %s (%s) reloaded: sequence %llu -> %llu, %zu entries", name,
                     list->origin, (unsigned long long)(before ? before->list.sequence : 0),
                     (unsigned long long)list->list.sequence, list->list.count);
            continue;
        }
        if (!(held && trust_changed && (s == VB_ERR_SIGNER_REMOVED || s == VB_ERR_UNKNOWN_SIGNER)))
            return vb_fail(err, s, "status list %s refused (%s: %s)", name, vb_status_name(s), problem.message);
        dropped_origin(held, list);
        char warning[1200];
        snprintf(warning, sizeof warning,
                 "warning: status list %s dropped: its signer is not on the new trust list (%s: %s); "
                 "records of %s are checked without a status list",
                 name, vb_status_name(s), problem.message, list->origin[0] ? list->origin : "its school");
        if (warn)
            warn(warning);
        note(changes, changes_size, "; status list %s dropped (%s)", name, vb_status_name(s));
    }
    if (reloaded > MAX_LIST_NOTES)
        note(changes, changes_size, "; and %zu more status lists reloaded", reloaded - MAX_LIST_NOTES);

    if (snapshot->status_count > 1)
        qsort(snapshot->status, snapshot->status_count, sizeof *snapshot->status, compare_lists);
    for (size_t i = 1; i < snapshot->status_count; i++) {
        const status_file *first = &snapshot->status[i - 1], *second = &snapshot->status[i];
        if (first->in_force && second->in_force && strcmp(first->origin, second->origin) == 0) {
            status_name(second, name, sizeof name);
            status_name(first, other, sizeof other);
            return vb_fail(err, VB_ERR_ARGUMENT, "status list %s: school %s already has a status list (%s%s)", name,
                           second->origin, other, strcmp(name, other) == 0 ? ", the same file given twice" : "");
        }
    }

    /* Every school whose list was in force still has one, or its signer has left the trust list. */
    for (size_t i = 0; held && i < held->status_count; i++) {
        const status_file *before = &held->status[i];
        if (!before->in_force ||
            first_of_school(snapshot->status, snapshot->status_count, before->origin) < snapshot->status_count)
            continue;
        const vb_trust_entry *signer = vb_trust_find(&snapshot->list, before->list.signed_by);
        status_name(before, name, sizeof name);
        if (!signer || signer->removed_at != 0) {
            note(changes, changes_size, "; status list of %s (was %s) dropped: its signer left the trust list",
                 before->origin, name);
            continue;
        }
        return vb_fail(err, VB_ERR_STATUS_OLDER,
                       "status lists refused (%s: no file holds a list of school %s any more; it was %s, sequence "
                       "%llu)",
                       vb_status_name(VB_ERR_STATUS_OLDER), before->origin, name,
                       (unsigned long long)before->list.sequence);
    }
    return update_floors(snapshot, held, err);
}

vb_status trust_snapshot_load_status(trust_snapshot *snapshot, const char *const *paths, size_t count,
                                     vb_error *err)
{
    char changes[8] = "";
    if (count > SERVE_MAX_STATUS_FILES)
        return vb_fail(err, VB_ERR_ARGUMENT, "at most %d status files", SERVE_MAX_STATUS_FILES);
    vb_status s = read_sources(snapshot, paths, count, NULL, err);
    return s != VB_OK ? s : check_lists(snapshot, NULL, false, NULL, changes, sizeof changes, err);
}

/* ---------------------------------------------------------------- the store */

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

    trust_snapshot *snapshot = trust_snapshot_new(); /* the store's own reference */
    if (!snapshot)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory loading the trust list");

    /* Read everything first: "unchanged" is a fact about all the files together. */
    remember(store->path, &store->seen);
    s = vb_file_read_all(store->path, VB_MAX_TRUST_BYTES, &snapshot->bytes, &snapshot->length, &inner);
    if (s != VB_OK) {
        vb_fail(err, s, "trust list %s refused (%s: %s)", store->path, vb_status_name(s), inner.message);
        goto fail;
    }
    if ((s = read_sources(snapshot, store->status_paths, store->status_count, store->status_seen, err)) != VB_OK)
        goto fail;
    bool all_same = held && same_bytes(held->bytes, held->length, snapshot->bytes, snapshot->length);
    for (size_t i = 0; all_same && i < store->status_count; i++)
        all_same = same_bytes(held->sources[i].bytes, held->sources[i].length, snapshot->sources[i].bytes,
                              snapshot->sources[i].length);
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

    if ((s = check_lists(snapshot, held, held && !trust_same, store->warn, changes, changes_size, err)) != VB_OK)
        goto fail;
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
    if (status_count > SERVE_MAX_STATUS_FILES)
        return vb_fail(err, VB_ERR_ARGUMENT, "at most %d status files", SERVE_MAX_STATUS_FILES);
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
