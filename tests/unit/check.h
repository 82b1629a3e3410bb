/* check.h — a tiny assertion harness shared by quire's C tests.  A failed
 * CHECK prints file:line and the expression and makes the program exit 1. */
#ifndef QUIRE_TEST_CHECK_H
#define QUIRE_TEST_CHECK_H
#include <stdbool.h>
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

/* Near misses for the 16-byte scanners of & " < > (one compare a pair:
 * v | 4 == '&', v | 2 == '>'): each of them, every byte one bit away from
 * them ($ ' . 8 : = ? ...), controls, DEL, bytes >= 0x80 and broken UTF-8,
 * alone and followed by another kind, at every offset of every length
 * 0..48, so every block, the overlapping tail and the scalar path below 16
 * bytes see each.  matches(s, variant) compares the escaper with its
 * reference: asked with both variants for a lone byte, one for a pair.
 * Stops after 8 failures of its own (not for earlier tests'). */
static inline void check_near_misses(bool (*matches)(const char *s, bool variant))
{
    static const unsigned char bytes[] = {
        0x01, '\t', '\n', '\r', 0x1f, ' ', '!', '"', '#', '$', '%', '&', '\'', '(', '*', '.',
        '6', '8', ':', ';', '<', '=', '>', '?', '|', '~', 'b', 'f', 0x7e, 0x7f, 0x80, 0xbf,
        0xc2, 0xc3, 0xe2, 0xff};
    char s[50];
    const int before = check_failures;
    for (size_t len = 0; len <= 48 && check_failures - before < 8; len++) {
        for (size_t at = 0; at < len; at++) {
            for (size_t k = 0; k < sizeof bytes; k++) {
                memset(s, 'a', sizeof s);
                s[len] = '\0';
                s[at] = (char)bytes[k];
                CHECK(matches(s, false));
                CHECK(matches(s, true));
                if (at + 1 < len) { /* a second one just after, another kind */
                    s[at + 1] = (char)bytes[(k * 7 + 3) % sizeof bytes];
                    CHECK(matches(s, (k & 1) != 0));
                }
            }
        }
    }
}

#define CHECK_DONE() (check_failures ? (fprintf(stderr, "%d check(s) failed\n", check_failures), 1) : 0)
#endif
