/*
 * ratelimit.c — per-client token buckets for the request-rate limit (429).
 *
 * A client earns `rate` tokens a second up to `burst`; each request spends one. Memory is
 * fixed: SHARDS × SLOTS buckets, each shard behind its own mutex so the worker threads rarely
 * wait on each other. A client is looked for in PROBE slots from its hash; when it is not
 * there it takes the slot of the client idle longest. Someone with many addresses can thus
 * push a client out, which only gives that client a full bucket again — the limit fails open
 * for one client rather than growing without bound. The caller chooses the 16-byte key: an
 * IPv6 client's /64 (one host commonly owns a whole /64), an IPv4 address mapped.
 */
#include "ratelimit.h"

#include <pthread.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 64
#define SLOTS 256 /* per shard: 16384 clients tracked at once */
#define PROBE 8

typedef struct {
    uint8_t client[16];
    bool used;
    double tokens;
    int64_t updated; /* microseconds */
} bucket;

typedef struct {
    pthread_mutex_t lock;
    bucket slots[SLOTS];
} shard;

struct ratelimiter {
    double rate, burst;
    shard shards[SHARDS];
};

ratelimiter *ratelimit_create(double rate, double burst)
{
    if (!(rate > 0) || !(burst >= 1))
        return NULL;
    ratelimiter *limiter = calloc(1, sizeof *limiter);
    if (!limiter)
        return NULL;
    limiter->rate = rate;
    limiter->burst = burst;
    for (size_t i = 0; i < SHARDS; i++)
        pthread_mutex_init(&limiter->shards[i].lock, NULL);
    return limiter;
}

void ratelimit_free(ratelimiter *limiter)
{
    if (!limiter)
        return;
    for (size_t i = 0; i < SHARDS; i++)
        pthread_mutex_destroy(&limiter->shards[i].lock);
    free(limiter);
}

/* FNV-1a over the key; the high bits pick the shard, the low bits the slot. */
static uint32_t hash_client(const uint8_t client[16])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ client[i]) * 16777619u;
    return h;
}

bool ratelimit_take(ratelimiter *limiter, const uint8_t client[16], int64_t now, unsigned *retry_after)
{
    uint32_t h = hash_client(client);
    shard *sh = &limiter->shards[h >> 26];
    bucket *found = NULL, *oldest = NULL;

    pthread_mutex_lock(&sh->lock);
    for (unsigned i = 0; i < PROBE; i++) {
        bucket *b = &sh->slots[(h + i) % SLOTS];
        if (b->used && memcmp(b->client, client, 16) == 0) {
            found = b;
            break;
        }
        if (!oldest || !b->used || (oldest->used && b->updated < oldest->updated))
            oldest = b;
    }
    if (!found) {
        found = oldest;
        memcpy(found->client, client, 16);
        found->used = true;
        found->tokens = limiter->burst;
        found->updated = now;
    }
    if (now > found->updated) {
        found->tokens += (double)(now - found->updated) * limiter->rate / 1e6;
        if (found->tokens > limiter->burst)
            found->tokens = limiter->burst;
        found->updated = now;
    }
    bool allowed = found->tokens >= 1.0;
    if (allowed) {
        found->tokens -= 1.0;
    } else {
        double wait = ceil((1.0 - found->tokens) / limiter->rate);
        *retry_after = wait < 1 ? 1 : wait > 3600 ? 3600 : (unsigned)wait;
    }
    pthread_mutex_unlock(&sh->lock);
    return allowed;
}
