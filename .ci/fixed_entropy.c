/* Preloaded (LD_PRELOAD) into the instruction-count benchmark by .ci/instructions: the
 * process's two sources of per-run entropy made constant, so that callgrind counts the same
 * instructions to the one on every run.
 *
 * - getrandom: std's `RandomState` (the hash maps of the Odigo ingest and de-duplication)
 *   seeds its SipHash keys from it.
 * - clock_gettime(CLOCK_REALTIME): foldhash's global seed (hashbrown's default hasher, the
 *   state table's interner, the evaluator) mixes in the wall-clock time.
 *
 * Different seeds place keys in different buckets, which changes probe lengths by a few
 * instructions here and there: about 0.01-0.1 % of the counts between two runs without this
 * file. The replay reads no clock (its clock is virtual) and nothing it does depends on
 * these values being random; the other clocks (CLOCK_MONOTONIC, for `Instant`) pass through.
 * Never use this outside the benchmark: the random seeds are there against hash flooding. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

ssize_t getrandom(void *buffer, size_t length, unsigned int flags) {
    (void)flags;
    memset(buffer, 0x5a, length);
    return (ssize_t)length;
}

int clock_gettime(clockid_t clock, struct timespec *time) {
    if (clock == CLOCK_REALTIME) {
        time->tv_sec = 1795420800; /* 2026-11-23T08:00:00Z, the capture's start */
        time->tv_nsec = 0;
        return 0;
    }
    int (*real)(clockid_t, struct timespec *) =
        (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    return real(clock, time);
}
