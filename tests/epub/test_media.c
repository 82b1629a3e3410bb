/*
 * test_media.c — fast paths of media.c held to plain references.
 *
 * Content hashes of images, which the EPUB and HTML writers name published
 * images by: quire__media_hash
 * remembers the hashes of images it has seen (keyed by a fingerprint of
 * samples of the bytes, a hit needing all bytes equal); every answer, first
 * or remembered, must equal the two FNV-1a passes over all bytes.
 *
 * The inputs aim at the memo's edges: sizes around its minimum, images
 * that differ only outside the sampled bytes (same fingerprint, other
 * content), the same bytes at another address, more images than it keeps,
 * and several threads asking at once.
 *
 * quire__url_trim, which copies a URL whole up to its first tab or line
 * break: against the byte-by-byte loop, on URLs with blanks, tabs, line
 * breaks and control bytes at every position.
 */
#include "media.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_msg.h"

/* The reference: both passes over every byte. */
static void reference(const void *d, size_t n, uint64_t *h1, uint64_t *h2)
{
    *h1 = quire__fnv1a64(d, n, 0xcbf29ce484222325ull);
    *h2 = quire__fnv1a64(d, n, 0x84222325cbf29ce4ull);
}

static void expect(const char *what, const unsigned char *d, size_t n)
{
    uint64_t a1, a2, r1, r2;
    quire__media_hash(d, n, &a1, &a2);
    reference(d, n, &r1, &r2);
    __atomic_add_fetch(&checked, 1, __ATOMIC_RELAXED);
    CHECK(a1 == r1 && a2 == r2, "%s (%zu bytes): %016llx %016llx, want %016llx %016llx", what, n,
          (unsigned long long)a1, (unsigned long long)a2, (unsigned long long)r1,
          (unsigned long long)r2);
}

/* A PNG-like image: the same header and end as any other, random inside. */
static void fake_image(unsigned char *d, size_t n, uint64_t *st)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (unsigned char)rnd_next(st);
    if (n >= 8)
        memcpy(d, "\x89PNG\r\n\x1a\n", 8);
    if (n >= 20)
        memcpy(d + n - 12, "\0\0\0\0IEND\xae\x42\x60\x82", 12);
}

static void test_sizes(void)
{
    uint64_t st = 0x9E3779B97F4A7C15u;
    unsigned char *d = malloc(70000);
    static const size_t sizes[] = {0,   1,   31,  32,   33,   63,   64,    65,    200,  255,
                                   256, 257, 300, 1000, 4095, 4096, 10000, 65536, 70000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        fake_image(d, n, &st);
        expect("first time", d, n);
        expect("again", d, n);
        /* the same bytes elsewhere: found by content, not address */
        unsigned char *copy = malloc(n ? n : 1);
        memcpy(copy, d, n);
        expect("a copy", copy, n);
        /* one byte changed at every offset the fingerprint may skip or
         * sample: each must be hashed anew, and then remembered apart */
        for (size_t at = 0; at < n; at += (n < 600 ? 1 : 97)) {
            copy[at] ^= 0x5a;
            expect("one byte changed", copy, n);
            expect("one byte changed, again", copy, n);
            copy[at] ^= 0x5a;
        }
        expect("the original after its variants", d, n);
        free(copy);
    }
    free(d);
}

/* More images than the memo keeps: the ones past its bound still right. */
static void test_many(void)
{
    uint64_t st = 12345;
    unsigned char d[2048];
    for (int round = 0; round < 2; round++) {
        uint64_t s = st;
        for (int i = 0; i < 1500; i++) {
            size_t n = 256 + rnd_next(&s) % (sizeof d - 256);
            fake_image(d, n, &s);
            expect(round ? "many, again" : "many", d, n);
        }
    }
}

/* Threads hashing the same few images and their own ones at once. */
static void *worker(void *arg)
{
    uint64_t st = (uint64_t)(uintptr_t)arg * 7919 + 1;
    unsigned char d[5000];
    for (int i = 0; i < 400; i++) {
        uint64_t shared = 1 + (uint64_t)(i % 5); /* the same five in every thread */
        size_t n = 3000 + (size_t)(i % 5) * 300;
        fake_image(d, n, i % 2 ? &shared : &st);
        expect("threads", d, n);
    }
    return NULL;
}

static void test_threads(void)
{
    pthread_t t[4];
    for (uintptr_t i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, worker, (void *)(i + 1));
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
}

/* The reference: blanks and controls off both ends, then every tab, LF
 * and CR dropped. */
static void trim_reference(const char *u, char *out)
{
    while (*u && (unsigned char)*u <= 0x20)
        u++;
    size_t n = strlen(u), j = 0;
    while (n && (unsigned char)u[n - 1] <= 0x20)
        n--;
    for (size_t i = 0; i < n; i++)
        if (u[i] != '\t' && u[i] != '\n' && u[i] != '\r')
            out[j++] = u[i];
    out[j] = '\0';
}

static void test_url_trim(void)
{
    quire_arena *a = quire_arena_new();
    uint64_t st = 99;
    static const char alphabet[] = "ab/:.?#%\t\n\r \x01\x1f\x7f\xc3\xa9";
    char u[80], want[80];
    CHECK(quire__url_trim(a, NULL) == NULL, "NULL in, NULL out");
    for (int round = 0; round < 200000; round++) {
        size_t n = rnd_next(&st) % 40;
        for (size_t i = 0; i < n; i++)
            u[i] = rnd_next(&st) % 3 ? (char)('a' + rnd_next(&st) % 26)
                                : alphabet[rnd_next(&st) % (sizeof alphabet - 1)];
        u[n] = '\0';
        trim_reference(u, want);
        char *got = quire__url_trim(a, u);
        __atomic_add_fetch(&checked, 1, __ATOMIC_RELAXED);
        CHECK(got && strcmp(got, want) == 0, "url_trim(\"%s\") = \"%s\", want \"%s\"", u,
              got ? got : "(null)", want);
        if (round % 1000 == 999) { /* keep the arena small */
            quire_arena_free(a);
            a = quire_arena_new();
        }
    }
    quire_arena_free(a);
}

int main(void)
{
    test_sizes();
    test_many();
    test_threads();
    test_url_trim();
    if (failures) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checked);
        return 1;
    }
    printf("%d checks\n", checked);
    return 0;
}
