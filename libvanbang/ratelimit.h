/*
 * ratelimit.h — per-client token buckets for request-rate limits (HTTP 429), fixed memory.
 */
#ifndef VB_RATELIMIT_H
#define VB_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct ratelimiter ratelimiter;

/* rate: requests per second a client earns; burst: the most it may save up. */
ratelimiter *ratelimit_create(double rate, double burst);
void ratelimit_free(ratelimiter *limiter);
/* Takes one token for `client` (16 bytes: an IPv6 address, IPv4 mapped). False when the bucket
 * is empty; *retry_after then gets the whole seconds until a token is back (at least 1). */
bool ratelimit_take(ratelimiter *limiter, const uint8_t client[16], int64_t now_microseconds,
                    unsigned *retry_after);

#endif
