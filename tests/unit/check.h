/* check.h — a tiny assertion harness shared by quire's C tests.  A failed
 * CHECK prints file:line and the expression and makes the program exit 1. */
#ifndef QUIRE_TEST_CHECK_H
#define QUIRE_TEST_CHECK_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
            check_failures++;                                                         \
        }                                                                             \
    } while (0)
#define CHECK_STR(a, b)                                                               \
    do {                                                                              \
        const char *check_a_ = (a), *check_b_ = (b);                                  \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {              \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s\n  got:      %s\n  expected: %s\n", \
                    __FILE__, __LINE__, #a, check_a_ ? check_a_ : "(null)",           \
                    check_b_ ? check_b_ : "(null)");                                  \
            check_failures++;                                                         \
        }                                                                             \
    } while (0)
/* Test text for escapers: up to 39 pieces drawn from pieces[0..np) by a
 * xorshift generator (state *x, never 0), NUL-terminated within buf[size]. */
static inline void check_random_text(char *buf, size_t size, uint32_t *x,
                                     const char *const *pieces, size_t np)
{
    size_t len = 0;
    *x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
    for (size_t count = *x % 40; count; count--) {
        *x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
        const char *piece = pieces[*x % np];
        size_t pl = strlen(piece);
        if (len + pl >= size)
            break;
        memcpy(buf + len, piece, pl);
        len += pl;
    }
    buf[len] = '\0';
}

#define CHECK_DONE() (check_failures ? (fprintf(stderr, "%d check(s) failed\n", check_failures), 1) : 0)
#endif
