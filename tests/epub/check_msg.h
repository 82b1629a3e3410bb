/*
 * check_msg.h — what the EPUB unit tests of internals share: a CHECK that
 * says why (a printf-style message after the condition), counters safe to
 * bump from several threads, and a small xorshift generator for inputs.
 * Header-only; each test has its own counters.
 */
#ifndef QUIRE_TEST_CHECK_MSG_H
#define QUIRE_TEST_CHECK_MSG_H

#include <stdint.h>
#include <stdio.h>

static int failures;
static int checked;

#define CHECK(cond, ...)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                      \
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);                       \
        }                                                                             \
    } while (0)

/* The next number of the xorshift sequence in *st (never 0). */
__attribute__((unused)) static uint32_t rnd_next(uint64_t *st)
{
    *st ^= *st << 13;
    *st ^= *st >> 7;
    *st ^= *st << 17;
    return (uint32_t)(*st >> 11);
}

#endif
