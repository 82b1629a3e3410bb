/*
 * test_epub_clean.c — the EPUB writer's check that text needs no cleaning
 * (quire__epub_is_clean_n, epub_xhtml.c), whose fast paths skip printable
 * ASCII sixteen and eight bytes at a time and take line breaks, tabs and
 * two-byte UTF-8 in place, held to the plain loop: decode every character
 * (quire__utf8_decode) and ask quire__xml_char_ok.
 *
 * Inputs: every single byte and pair of bytes, and random mixes of ASCII,
 * control characters, valid and broken UTF-8 of every length, surrogates,
 * U+FFFE/U+FFFF, checked at every start offset and every length, so that each
 * kind of byte lands at every position of the 16- and 8-byte blocks.
 */
#include "epub_internal.h"
#include "check_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static uint64_t rng = 0x2545F4914F6CDD1Du;

static uint32_t rnd(void)
{
    return rnd_next(&rng);
}

static bool reference(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = quire__utf8_decode(p + i, n - i, &cp);
        if (!k || !quire__xml_char_ok(cp))
            return false;
        i += k;
    }
    return true;
}

static void expect(const unsigned char *p, size_t n)
{
    bool want = reference(p, n), got = quire__epub_is_clean_n((const char *)p, n);
    checked++;
    if (want != got && failures++ < 20) {
        fprintf(stderr, "is_clean_n says %d, the reference %d, for %zu bytes:", got, want, n);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, " %02x", p[i]);
        fputc('\n', stderr);
    }
}

/* One piece of the mixes: what the fast paths take or must stop at. */
static size_t piece(unsigned char *d)
{
    static const char *const pieces[] = {
        "a", "plain ascii text ", "\n", "\t", "\r", "\x7f", "\x01", "\x1f", " ",
        "\xc3\xa9", "\xc2\x80", "\xdf\xbf", "\xc2\x9f",           /* two bytes: all allowed */
        "\xc0\x80", "\xc1\xbf", "\xc2", "\xc3\x28", "\xdf\xc0",   /* overlong, cut, broken */
        "\xe2\x80\x94", "\xef\xbf\xbd", "\xef\xbf\xbe", "\xef\xbf\xbf", /* U+FFFE, U+FFFF */
        "\xed\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",           /* surrogate, its edges */
        "\xe0\x80\x80", "\xe2\x80",                                /* overlong, cut */
        "\xf0\x9f\x99\x82", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80",
        "\x80", "\xbf", "\xff", "\xfe"};
    const char *s = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
    size_t k = strlen(s);
    memcpy(d, s, k);
    return k;
}

int main(void)
{
    unsigned char buf[256];
    /* every byte, and every pair of bytes, alone and after ASCII */
    for (unsigned a = 0; a < 256; a++) {
        buf[0] = (unsigned char)a;
        expect(buf, 1);
        for (unsigned b = 0; b < 256; b++) {
            buf[1] = (unsigned char)b;
            expect(buf, 2);
        }
    }
    for (size_t pos = 0; pos < 40; pos++)
        for (unsigned a = 0; a < 256; a++) {
            memset(buf, 'x', 48);
            buf[pos] = (unsigned char)a;
            for (size_t n = pos + 1; n <= 48; n++)
                expect(buf, n);
        }
    /* random mixes, every start and every length */
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        /* mostly ASCII, as text is, with the odd other piece */
        while (n < 120) {
            if (rnd() % 4) {
                size_t k = 1 + rnd() % 20;
                for (size_t i = 0; i < k && n < 200; i++)
                    buf[n++] = (unsigned char)(0x20 + rnd() % 0x5f);
            } else {
                n += piece(buf + n);
            }
        }
        for (size_t start = 0; start < 24; start++)
            for (size_t len = 0; start + len <= n; len += 1 + (len > 40) * 5)
                expect(buf + start, len);
    }
    if (failures) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checked);
        return 1;
    }
    printf("%d checks\n", checked);
    return 0;
}
