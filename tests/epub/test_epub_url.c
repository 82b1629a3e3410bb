/*
 * test_epub_url.c — the percent-encoding of chapter links
 * (quire__epub_url_encode, epub_xhtml.c), table-driven, held to the plain
 * per-byte test it replaced: every byte alone and between ASCII, '%' before
 * every pair of bytes, and random mixes of '%', '#', hex digits, the bytes
 * always encoded, controls and bytes that are not ASCII; and, for the
 * sixteen-byte blocks and the tail read as the last sixteen bytes again,
 * every byte at every position of URLs up to 80 bytes long.
 */
#include "epub_internal.h"
#include "check_msg.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static uint64_t rng = 0xC2B2AE3D27D4EB4Fu;

static uint32_t rnd(void)
{
    return rnd_next(&rng);
}

static void reference(quire_buf *b, const char *u)
{
    static const char hex[] = "0123456789ABCDEF";
    bool hash = false;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++) {
        unsigned char c = *p;
        bool ok = c > 0x20 && c < 0x7f;
        switch (c) {
        case '"': case '<': case '>': case '\\': case '^': case '`': case '{': case '|': case '}':
            ok = false;
            break;
        case '%':
            ok = isxdigit(p[1]) && isxdigit(p[2]);
            break;
        case '#':
            ok = !hash;
            hash = true;
            break;
        default:
            break;
        }
        if (ok) {
            quire__buf_putc(b, (char)c);
        } else {
            quire__buf_putc(b, '%');
            quire__buf_putc(b, hex[c >> 4]);
            quire__buf_putc(b, hex[c & 15]);
        }
    }
}

static void expect(quire_arena *a, const char *u)
{
    quire_buf want;
    quire__buf_init(&want);
    reference(&want, u);
    const char *got = quire__epub_url_encode(a, u);
    checked++;
    CHECK(got && strcmp(got, quire__buf_cstr(&want)) == 0, "for \"%s\": got \"%s\", want \"%s\"",
          u, got ? got : "(null)", quire__buf_cstr(&want));
    quire__buf_free(&want);
}

int main(void)
{
    quire_arena *a = quire_arena_new();
    char s[64];
    for (unsigned c = 1; c < 256; c++) {
        snprintf(s, sizeof s, "%c", (char)c);
        expect(a, s);
        snprintf(s, sizeof s, "a%cb#c%c", (char)c, (char)c);
        expect(a, s);
    }
    for (unsigned c = 1; c < 256; c++)
        for (unsigned d = 1; d < 256; d++) {
            snprintf(s, sizeof s, "x%%%c%c#y", (char)c, (char)d);
            expect(a, s);
        }
    static const char pool[] = "%#%#aF9g/:?&= \"<>\\^`{|}~\x7f\x01\x1f\x80\xc3\xa9\xff";
    for (int round = 0; round < 20000; round++) {
        size_t n = 1 + rnd() % 40;
        for (size_t i = 0; i < n; i++)
            s[i] = rnd() % 3 ? pool[rnd() % (sizeof pool - 1)] : (char)(0x20 + rnd() % 0x5f);
        s[n] = '\0';
        expect(a, s);
    }
    /* one byte of every value at each position of plain URLs of every
     * length up to 80: in a block, at its edges, in the tail */
    char u[96];
    for (size_t n = 1; n <= 80; n++)
        for (size_t at = 0; at < n; at++)
            for (unsigned c = 1; c < 256; c += (at % 7 == 0 ? 1 : 13)) {
                for (size_t i = 0; i < n; i++)
                    u[i] = (char)('a' + (i * 7 + n) % 26);
                u[at] = (char)c;
                u[n] = '\0';
                expect(a, u);
            }
    /* long random mixes: several specials per block */
    for (int round = 0; round < 20000; round++) {
        size_t n = 1 + rnd() % 90;
        for (size_t i = 0; i < n; i++)
            u[i] = rnd() % 5 ? (char)(0x21 + rnd() % 0x5e) : pool[rnd() % (sizeof pool - 1)];
        u[n] = '\0';
        expect(a, u);
    }
    quire_arena_free(a);
    if (failures) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checked);
        return 1;
    }
    printf("%d checks\n", checked);
    return 0;
}
