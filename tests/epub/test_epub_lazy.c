/*
 * test_epub_lazy.c — chapter text checked where it is escaped (epub_dom.c)
 * held to the two passes it replaced.
 *
 *   quire__epub_put_escaped_checked must say what quire__epub_is_clean_n
 *   says and, when the text is clean, write what quire__epub_put_escaped
 *   writes: random mixes of ASCII, the bytes that need a reference, tab/LF,
 *   controls, valid and broken UTF-8 of every length, at every start and
 *   length, so that each lands at every position of the sixteen-byte blocks
 *   and in the byte-by-byte tail.
 *
 *   Text nodes (quire__epub_dom_text and _ref: every piece a node of its
 *   own, checked when written), some read through quire__epub_dom_text_of,
 *   must serialize to the bytes of the text cleaned piece by piece
 *   (quire__xml_clean) and escaped, as epub_xhtml.c wrote it when it cleaned
 *   text as it added it: a broken sequence cut across two pieces stays two
 *   broken pieces.
 */
#include "epub_internal.h"
#include "check_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
    return rnd_next(&rng);
}

/* One piece of the mixes: what the fast paths take or must stop at. */
static size_t piece(unsigned char *d)
{
    static const char *const pieces[] = {
        "a", "plain ascii text ", "\n", "\t", "\r", "\x7f", "\x01", "\x1f", " ", "&", "<", ">",
        "&amp;", "\"'", "\xc3\xa9", "\xc2\x80", "\xdf\xbf", "\xc2\x9f", "\xc0\x80", "\xc1\xbf",
        "\xc2", "\xc3\x28", "\xdf\xc0", "\xe2\x80\x94", "\xef\xbf\xbd", "\xef\xbf\xbe",
        "\xef\xbf\xbf", "\xed\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xe0\x80\x80", "\xe2\x80",
        "\xf0\x9f\x99\x82", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\x80",
        "\xbf", "\xff", "\xfe"};
    const char *s = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
    size_t k = strlen(s);
    memcpy(d, s, k);
    return k;
}

/* Mostly ASCII, as text is, with the odd other piece (one in `odd`). */
static size_t mix(unsigned char *buf, size_t want, unsigned odd)
{
    size_t n = 0;
    while (n < want) {
        if (rnd() % odd) {
            size_t k = 1 + rnd() % 24;
            for (size_t i = 0; i < k; i++)
                buf[n++] = (unsigned char)(0x20 + rnd() % 0x5f);
        } else {
            n += piece(buf + n);
        }
    }
    return n;
}

/* ------------------------------------------------------------------ the escaper */

static void expect(const unsigned char *p, size_t n)
{
    const char *s = (const char *)p;
    quire_buf got, want;
    quire__buf_init(&got);
    quire__buf_init(&want);
    quire__buf_puts(&got, "x"); /* appends, as the writer does */
    quire__buf_puts(&want, "x");
    bool clean = quire__epub_is_clean_n(s, n);
    bool ok = quire__epub_put_escaped_checked(&got, s, n);
    quire__epub_put_escaped(&want, s, n, false);
    checked++;
    if (ok != clean || (ok && (got.len != want.len || memcmp(got.data, want.data, got.len)))) {
        if (failures++ < 20) {
            fprintf(stderr, "checked escape says %d (%zu bytes), is_clean_n %d (%zu bytes), for:",
                    ok, got.len, clean, want.len);
            for (size_t i = 0; i < n; i++)
                fprintf(stderr, " %02x", p[i]);
            fputc('\n', stderr);
        }
    }
    quire__buf_free(&got);
    quire__buf_free(&want);
}

static void test_escaper(void)
{
    unsigned char buf[320];
    for (unsigned a = 0; a < 256; a++) {
        buf[0] = (unsigned char)a;
        expect(buf, 1);
        for (unsigned b = 0; b < 256; b++) {
            buf[1] = (unsigned char)b;
            expect(buf, 2);
        }
    }
    /* one byte of every value at every position of a longer text */
    for (size_t pos = 0; pos < 40; pos++)
        for (unsigned a = 0; a < 256; a++) {
            memset(buf, 'x', 48);
            buf[pos] = (unsigned char)a;
            for (size_t n = pos + 1; n <= 48; n++)
                expect(buf, n);
        }
    for (int round = 0; round < 3000; round++) {
        size_t n = mix(buf, 140, round % 2 ? 4 : 12);
        for (size_t start = 0; start < 24; start++)
            for (size_t len = 0; start + len <= n; len += 1 + (len > 40) * 5)
                expect(buf + start, len);
    }
}

/* ------------------------------------------------------------------ lazy nodes */

/* A copy of s[0..n) in the arena (NUL-terminated, as text strings are). */
static char *dup_n(quire_arena *a, const unsigned char *s, size_t n)
{
    return quire_arena_strndup(a, (const char *)s, n);
}

static void test_nodes(void)
{
    for (int round = 0; round < 4000; round++) {
        quire_arena *a = quire_arena_new();
        epub_node *mine = quire__epub_dom_new(a, "div");
        epub_node *pm = quire__epub_dom_el(mine, "p");
        /* the reference: every piece cleaned (quire__xml_clean) and escaped
         * by itself, written out by hand */
        quire_buf want;
        quire__buf_init(&want);
        quire__buf_puts(&want, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n"
                               "<div><p>");
        unsigned pieces = 1 + rnd() % 5;
        for (unsigned k = 0; k < pieces; k++) {
            unsigned char buf[200];
            size_t n = mix(buf, rnd() % 60, 1 + rnd() % 6);
            /* a broken sequence across pieces: cut one mid-character */
            if (n > 2 && rnd() % 3 == 0)
                n -= 1 + rnd() % 2;
            char *s = dup_n(a, buf, n);
            if (rnd() % 5 == 0) { /* an element between */
                quire__epub_dom_el(pm, "br");
                quire__buf_puts(&want, "<br/>");
            }
            /* borrowed or copied, each its own node, checked when written */
            if (rnd() % 2)
                quire__epub_dom_text_ref(pm, s, n);
            else
                quire__epub_dom_text(pm, s, n);
            const char *c = quire__xml_clean(a, s);
            quire__epub_put_escaped(&want, c, strlen(c), false);
            if (n && rnd() % 4 == 0) {
                /* the figure check reads a node's text: the piece, cleaned
                 * (an empty piece after text adds no node) */
                const char *t = quire__epub_dom_text_of(pm->last);
                CHECK(t && strcmp(t, c) == 0, "text_of differs, round %d", round);
            }
        }
        quire__buf_puts(&want, "</p></div>\n");
        quire_buf bm;
        quire__buf_init(&bm);
        CHECK(quire__epub_dom_write(mine, &bm) == QUIRE_OK, "write");
        checked++;
        CHECK(bm.len == want.len && memcmp(bm.data, want.data, bm.len) == 0,
              "round %d: lazy tree writes\n%s\nthe reference\n%s", round, quire__buf_cstr(&bm),
              quire__buf_cstr(&want));
        quire__buf_free(&bm);
        quire__buf_free(&want);
        quire_arena_free(a);
    }
    /* empty text: a node when it comes first (the element is <p></p>, not
     * <p/>: it has content), nothing after text */
    quire_arena *a = quire_arena_new();
    epub_node *root = quire__epub_dom_new(a, "div");
    epub_node *br = quire__epub_dom_el(root, "br"), *p = quire__epub_dom_el(root, "p");
    quire__epub_dom_text_ref(br, "", 0);
    quire__epub_dom_text(p, "x", 1);
    quire__epub_dom_text_ref(p, "", 0);
    CHECK(br->children && !br->children->next && p->children && !p->children->next,
          "empty text nodes");
    quire_buf bm;
    quire__buf_init(&bm);
    quire__epub_dom_write(root, &bm);
    CHECK(strstr(quire__buf_cstr(&bm), "<div><br></br><p>x</p></div>") != NULL, "empty text: %s",
          quire__buf_cstr(&bm));
    quire__buf_free(&bm);
    quire_arena_free(a);
}

int main(void)
{
    test_escaper();
    test_nodes();
    if (failures) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checked);
        return 1;
    }
    printf("%d checks\n", checked);
    return 0;
}
