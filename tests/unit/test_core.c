/* Unit tests of src/core: dates, URLs, slugs, arena, values, nodes and the
 * iterator, the renderers' escaping, path safety, atomic sinks, chain specs. */
#include "internal.h"
#include "check.h"
#include "buf_match.h"

#include <ctype.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_dates(void)
{
    quire_date d;
    char buf[48];
    CHECK(quire_date_parse(&d, "2021-09-24"));
    CHECK(d.set && !d.has_time && d.year == 2021 && d.month == 9 && d.day == 24);
    CHECK_STR(quire_date_rfc3339(&d, buf), "2021-09-24T00:00:00Z");
    CHECK_STR(quire_date_rfc822(&d, buf), "Fri, 24 Sep 2021 00:00:00 +0000");
    CHECK_STR(quire_date_iso(&d, buf), "2021-09-24");
    CHECK(quire_date_parse(&d, "2024-03-20T16:00:00-05:00"));
    CHECK(d.has_zone && d.offset_min == -300);
    CHECK_STR(quire_date_rfc3339(&d, buf), "2024-03-20T16:00:00-05:00");
    CHECK_STR(quire_date_rfc822(&d, buf), "Wed, 20 Mar 2024 16:00:00 -0500");
    CHECK(quire_date_epoch(&d) == 1710968400);
    CHECK(quire_date_parse(&d, "2021-09-24T09:56:50.446630Z"));
    CHECK(d.nanos == 446630000);
    CHECK_STR(quire_date_iso(&d, buf), "2021-09-24T09:56:50.44663Z");
    CHECK(quire_date_parse(&d, "2024-02-02 08:30"));
    CHECK(d.has_time && !d.has_zone && d.minute == 30);
    CHECK_STR(quire_date_iso(&d, buf), "2024-02-02T08:30:00");
    CHECK(!quire_date_parse(&d, "2021-02-30"));
    CHECK(!quire_date_parse(&d, "2021-13-01"));
    CHECK(!quire_date_parse(&d, "2021-01-01T24:00:00Z"));
    CHECK(!quire_date_parse(&d, "yesterday"));
    CHECK(!quire_date_parse(&d, "2021-01-01Tjunk"));
    CHECK(quire_date_parse(&d, "2024-02-29"));
    CHECK(!quire_date_parse(&d, "2023-02-29"));
    quire_date e = quire_date_from_epoch(1700000000);
    CHECK_STR(quire_date_rfc3339(&e, buf), "2023-11-14T22:13:20Z");
    quire_date a, b, none = {0};
    quire_date_parse(&a, "2024-01-01T00:00:00+01:00");
    quire_date_parse(&b, "2023-12-31T23:30:00Z");
    CHECK(quire_date_compare(&a, &b) < 0);
    CHECK(quire_date_compare(&none, &a) < 0 && quire_date_compare(&a, &none) > 0);
}

/* The date formatters as they were written with snprintf: the reference. */
static void ref_rfc3339(const quire_date *d, char buf[40])
{
    char zone[8] = "Z";
    if (d->has_zone && d->offset_min) {
        int off = d->offset_min < 0 ? -d->offset_min : d->offset_min;
        snprintf(zone, sizeof zone, "%c%02d:%02d", d->offset_min < 0 ? '-' : '+', off / 60,
                 off % 60);
    }
    snprintf(buf, 40, "%04d-%02u-%02uT%02u:%02u:%02u%s", d->year, d->month, d->day, d->hour,
             d->minute, d->second, zone);
}

static void ref_iso(const quire_date *d, char buf[48])
{
    if (!d->has_time) {
        snprintf(buf, 48, "%04d-%02u-%02u", d->year, d->month, d->day);
        return;
    }
    char frac[16] = "";
    if (d->nanos) {
        snprintf(frac, sizeof frac, ".%09u", d->nanos);
        size_t n = strlen(frac);
        while (n > 2 && frac[n - 1] == '0')
            frac[--n] = '\0';
    }
    char zone[8] = "";
    if (d->has_zone) {
        int off = d->offset_min < 0 ? -d->offset_min : d->offset_min;
        if (!d->offset_min)
            strcpy(zone, "Z");
        else
            snprintf(zone, sizeof zone, "%c%02d:%02d", d->offset_min < 0 ? '-' : '+', off / 60,
                     off % 60);
    }
    snprintf(buf, 48, "%04d-%02u-%02uT%02u:%02u:%02u%s%s", d->year, d->month, d->day, d->hour,
             d->minute, d->second, frac, zone);
}

static void ref_rfc822(const quire_date *d, char buf[40])
{
    static const char *const mn[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int off = d->has_zone ? d->offset_min : 0;
    int aoff = off < 0 ? -off : off;
    /* the weekday is the formatter's own (checked on known dates above) */
    snprintf(buf, 40, "%02u %s %04d %02u:%02u:%02u %c%02d%02d", d->day, mn[d->month - 1],
             d->year, d->hour, d->minute, d->second, off < 0 ? '-' : '+', aoff / 60, aoff % 60);
}

/* Digit by digit, the formatters print what snprintf printed, for dates in
 * range and out of it (years below 0 or past 9999, fields past 99, zones of
 * 100 hours and more, nanoseconds with and without trailing zeros). */
static void test_date_formats(void)
{
    unsigned seed = 99;
    char got[48], want[48];
    for (int i = 0; i < 200000; i++) {
        quire_date d = {0};
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 8;
        d.set = true;
        d.has_time = r & 1;
        d.has_zone = (r >> 1) & 1;
        bool wild = (r >> 2) % 8 == 0;
        seed = seed * 1103515245u + 12345u;
        unsigned q = seed >> 4;
        d.year = (int16_t)(wild ? (int)(q % 40000) - 20000 : (int)(q % 10000));
        d.month = (uint8_t)(1 + (q >> 3) % 12);
        d.day = (uint8_t)(wild ? (q >> 5) % 256 : 1 + (q >> 5) % 31);
        seed = seed * 1103515245u + 12345u;
        q = seed >> 4;
        d.hour = (uint8_t)(wild ? q % 256 : q % 24);
        d.minute = (uint8_t)((q >> 8) % 60);
        d.second = (uint8_t)(wild ? (q >> 14) % 256 : (q >> 14) % 61);
        seed = seed * 1103515245u + 12345u;
        q = seed >> 2;
        static const uint32_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
        d.nanos = (q % 3 == 0) ? 0 : (q % 1000000000u) / pow10[(q >> 20) % 9] * pow10[(q >> 20) % 9];
        if (wild && q % 5 == 0)
            d.nanos = 1000000000u + q % 1000;
        seed = seed * 1103515245u + 12345u;
        q = seed >> 4;
        d.offset_min = (int16_t)(wild ? (int)(q % 20000) - 10000 : (int)(q % 1681) - 840);
        quire_date_rfc3339(&d, got);
        ref_rfc3339(&d, want);
        CHECK_STR(got, want);
        quire_date_iso(&d, got);
        ref_iso(&d, want);
        CHECK_STR(got, want);
        quire_date_rfc822(&d, got);
        ref_rfc822(&d, want);
        CHECK(strlen(got) > 5 && got[3] == ',' && got[4] == ' ');
        CHECK_STR(got + 5, want);
        if (strcmp(got + 5, want) != 0)
            break;
    }
}

static void test_urls(void)
{
    quire_arena *a = quire_arena_new();
    const char *base = "https://ex.org/posts/a/index.html?q=1";
    CHECK_STR(quire__url_resolve(a, base, "img.png"), "https://ex.org/posts/a/img.png");
    CHECK_STR(quire__url_resolve(a, base, "../b/"), "https://ex.org/posts/b/");
    CHECK_STR(quire__url_resolve(a, base, "../../../../x"), "https://ex.org/x");
    CHECK_STR(quire__url_resolve(a, base, "/root"), "https://ex.org/root");
    CHECK_STR(quire__url_resolve(a, base, "//cdn.ex.net/y"), "https://cdn.ex.net/y");
    CHECK_STR(quire__url_resolve(a, base, "#top"), "https://ex.org/posts/a/index.html?q=1#top");
    CHECK_STR(quire__url_resolve(a, base, "?p=2"), "https://ex.org/posts/a/index.html?p=2");
    CHECK_STR(quire__url_resolve(a, base, "mailto:x@y"), "mailto:x@y");
    CHECK_STR(quire__url_resolve(a, "https://ex.org", "a/b"), "https://ex.org/a/b");
    CHECK(quire__url_has_scheme("https://x") && !quire__url_has_scheme("./a:b") &&
          !quire__url_has_scheme("images/a.png"));
    /* every byte first and inside a scheme: ASCII letters first, then
     * letters, digits, + - . (RFC 3986) */
    for (int c = 1; c < 256; c++) {
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        bool inner = alpha || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
        char first[4] = {(char)c, 'x', ':', '\0'}, mid[4] = {'x', (char)c, ':', '\0'};
        CHECK(quire__url_has_scheme(first) == alpha);
        CHECK(quire__url_has_scheme(mid) == (inner || c == ':'));
    }
    CHECK_STR(quire__slugify(a, "NVIDIA In Healthcare: From Gaming To Medicine!"),
              "nvidia-in-healthcare-from-gaming-to-medicine");
    CHECK_STR(quire__slugify(a, "../../etc/passwd"), "etc-passwd");
    CHECK_STR(quire__slugify(a, "Ærø — ünïcode"), "aero-unicode");
    CHECK_STR(quire__slugify(a, "Café Łódź naïve-bayes Straße"), "cafe-lodz-naive-bayes-strasse");
    CHECK_STR(quire__slugify(a, "東京"), "");
    CHECK_STR(quire__slugify(a, "///"), "");
    /* every ASCII byte between two letters: letters and digits kept in
     * lower case (by a table now; isalnum and tolower of the C locale
     * here), . and _ kept inside, anything else one dash */
    for (int c = 1; c < 0x80; c++) {
        char in[4] = {'a', (char)c, 'b', '\0'}, want[4] = {'a', 0, 0, 0};
        if (isalnum(c))
            want[1] = (char)tolower(c), want[2] = 'b';
        else if (c == '.' || c == '_')
            want[1] = (char)c, want[2] = 'b';
        else
            want[1] = '-', want[2] = 'b';
        CHECK_STR(quire__slugify(a, in), want);
    }
    quire_arena_free(a);
}

static void test_arena_and_values(void)
{
    quire_arena *a = quire_arena_new();
    /* Many small and a few huge allocations: all usable, all aligned. */
    for (int i = 0; i < 10000; i++) {
        char *p = quire_arena_alloc(a, (size_t)(i % 37) + 1);
        CHECK(p && ((uintptr_t)p % 16) == 0);
        if (!p)
            break;
        p[0] = 'x';
    }
    char *big = quire_arena_alloc(a, 5u << 20);
    CHECK(big && big[0] == 0 && big[(5u << 20) - 1] == 0);
    CHECK_STR(quire_arena_printf(a, "%s-%d", "n", 42), "n-42");
    CHECK(quire_arena_strndup(a, "abcdef", 3)[3] == '\0');
    quire_value *m = quire_value_new(a, QUIRE_VALUE_MAPPING);
    quire_value *link = quire_value_new(a, QUIRE_VALUE_MAPPING);
    quire_value_append(a, link, "href", quire_value_new_scalar(a, QUIRE_VALUE_STRING, "https://x/", 10));
    quire_value_append(a, m, "link", link);
    quire_value_append(a, m, "msvalidate.01", quire_value_new(a, QUIRE_VALUE_NULL));
    CHECK_STR(quire_value_str(quire_value_path(m, "link.href")), "https://x/");
    CHECK(quire_value_get(m, "msvalidate.01") && quire_value_get(m, "msvalidate.01")->type == QUIRE_VALUE_NULL);
    CHECK(quire_value_path(m, "link.nope") == NULL);
    /* Look-ups that share a first byte, empty keys, keys that are prefixes. */
    quire_value *m2 = quire_value_new(a, QUIRE_VALUE_MAPPING);
    quire_value *link2 = quire_value_new(a, QUIRE_VALUE_MAPPING);
    quire_value_append(a, m2, "link", link2);
    quire_value_append(a, m2, "", quire_value_new_scalar(a, QUIRE_VALUE_STRING, "e", 1));
    quire_value_append(a, m2, "li", quire_value_new_scalar(a, QUIRE_VALUE_STRING, "li", 2));
    quire_value_append(a, m2, "linked", quire_value_new_scalar(a, QUIRE_VALUE_STRING, "ld", 2));
    CHECK(quire_value_get(m2, "link") == link2);
    CHECK_STR(quire_value_str(quire_value_get(m2, "li")), "li");
    CHECK_STR(quire_value_str(quire_value_get(m2, "linked")), "ld");
    CHECK_STR(quire_value_str(quire_value_get(m2, "")), "e");
    CHECK(quire_value_get(m2, "l") == NULL && quire_value_get(m2, "links") == NULL &&
          quire_value_get(m2, "x") == NULL && quire_value_get(m2, NULL) == NULL);
    quire_value *c = quire_value_clone(a, m);
    CHECK(c != m && c->count == 2 && !strcmp(quire_value_str(quire_value_path(c, "link.href")), "https://x/"));
    quire_arena_free(a);
}

/* The arena hands out zero-filled memory (callers rely on it: nodes and
 * values are built field by field) without a memset per call; strndup is
 * terminated; size 0 still gives a pointer. */
static void test_arena_zero_and_strings(void)
{
    quire_arena *a = quire_arena_new();
    /* cat3 is printf("%s%s%s") with NULL as "", on fresh and dirty blocks */
    static const char *const parts[] = {NULL, "", "/", "tags", "caf\xC3\xA9 \xE2\x80\x94 x",
                                        "a-much-longer-part-of-a-path-that-goes-on-and-on/"};
    enum { NP = sizeof parts / sizeof *parts };
    for (int i = 0; i < NP * NP * NP; i++) {
        const char *x = parts[i % NP], *y = parts[i / NP % NP], *z = parts[i / NP / NP];
        char *want = quire_arena_printf(a, "%s%s%s", x ? x : "", y ? y : "", z ? z : "");
        char *got = quire__arena_cat3(a, x, y, z);
        CHECK(want && got && strcmp(want, got) == 0);
        memset(quire_arena_alloc(a, 5), 'x', 5); /* the next one lands after junk */
    }
    for (int i = 0; i < 20000; i++) {
        size_t n = (size_t)(i * 7 % 300);
        unsigned char *p = quire_arena_alloc(a, n);
        CHECK(p != NULL);
        if (!p)
            break;
        bool zero = true;
        for (size_t k = 0; k < n; k++)
            zero = zero && p[k] == 0;
        CHECK(zero);
        memset(p, 0xAB, n); /* dirty it: the next allocation must not see this */
        char *s = quire_arena_strndup(a, "0123456789abcdef", (size_t)(i % 17));
        CHECK(s && strlen(s) == (size_t)(i % 17) && !strncmp(s, "0123456789abcdef", (size_t)(i % 17)));
    }
    unsigned char *big = quire_arena_alloc(a, 3u << 20); /* a block of its own */
    CHECK(big && big[0] == 0 && big[(3u << 20) - 1] == 0);
    unsigned char *after = quire_arena_alloc(a, 64); /* back in the current block */
    CHECK(after && after[0] == 0 && after[63] == 0);
    CHECK(quire_arena_strdup(a, NULL) == NULL && quire_arena_strndup(a, NULL, 3) == NULL);
    CHECK(quire_arena_alloc(NULL, 8) == NULL && quire_arena_strndup(NULL, "x", 1) == NULL);
    CHECK(quire_arena_alloc(a, SIZE_MAX - 3) == NULL); /* overflow */
    CHECK(quire_arena_used(a) > (3u << 20));
    quire_arena_free(a);
}

/* Unzeroed memory (quire__arena_alloc_raw: strings, node copies) mixed
 * with zeroed memory in every order and size, including requests that get
 * a block of their own and ones that end a block exactly: whatever the raw
 * memory was filled with, a zeroed allocation after it reads as zero, and
 * nothing handed out overlaps (each keeps its own fill).  With the zeroed
 * mark not moved past raw memory, zeroed allocations see the 0xEE fill. */
/* An arena made for a known size takes it in its first block (a page's
 * scratch arena: one block, not four), within the arena's block limits. */
static void test_arena_sized(void)
{
    quire_arena *a = quire__arena_new_sized(32 * 1024);
    for (int i = 0; i < 3; i++)
        CHECK(a && quire_arena_alloc(a, 10000));
    CHECK(a && a->head && a->head->size == 32 * 1024 && !a->head->prev);
    CHECK(a && quire_arena_alloc(a, 4000) && a->head->size == 64 * 1024); /* then doubling */
    quire_arena_free(a);
    a = quire__arena_new_sized(1);
    CHECK(a && quire_arena_alloc(a, 1) && a->head->size == 4096);
    quire_arena_free(a);
    a = quire__arena_new_sized(SIZE_MAX / 4);
    CHECK(a && quire_arena_alloc(a, 1) && a->head->size == 1u << 20);
    quire_arena_free(a);
    a = quire_arena_new();
    CHECK(a && quire_arena_alloc(a, 1) && a->head->size == 4096);
    quire_arena_free(a);
}

static void test_arena_raw_and_zero(void)
{
    enum { N = 6000 };
    static unsigned char *ptr[N];
    static size_t len[N];
    quire_arena *a = quire_arena_new();
    uint32_t r = 12345;
    size_t n_ok = 0;
    for (int i = 0; i < N; i++) {
        r = r * 1103515245u + 12345u;
        size_t n = (r >> 8) % 5 == 0 ? (r >> 4) % 9000 : (r >> 4) % 200;
        bool raw = (r >> 20) & 1;
        unsigned char *p = raw ? quire__arena_alloc_raw(a, n) : quire_arena_alloc(a, n);
        CHECK(p != NULL);
        if (!p)
            break;
        bool zero = true;
        for (size_t k = 0; !raw && k < n; k++)
            zero = zero && p[k] == 0;
        CHECK(zero);
        memset(p, raw ? 0xEE : (int)(i & 0x7F), n);
        ptr[i] = p;
        len[i] = n;
        n_ok++;
    }
    bool intact = true;
    for (size_t i = 0; i < n_ok; i++)
        for (size_t k = 0; k < len[i]; k++)
            intact = intact && (ptr[i][k] == 0xEE || ptr[i][k] == (unsigned char)(i & 0x7F));
    CHECK(intact);
    /* strndup on raw memory: terminated, and what follows is still zero */
    char *s = quire_arena_strndup(a, "abcdefghijklmnopqrstuvwxyz", 5);
    unsigned char *z = quire_arena_alloc(a, 64);
    CHECK(s && strcmp(s, "abcde") == 0 && z && z[0] == 0 && z[63] == 0);
    CHECK(quire__arena_alloc_raw(NULL, 8) == NULL && quire__arena_alloc_raw(a, SIZE_MAX - 3) == NULL);
    quire_arena_free(a);
}

/* A buffer that was only reserved reads as "" (cstr, detach), with
 * malloc handing back dirty memory (MALLOC_PERTURB_ in the suite). */
static void test_buf_reserved_empty(void)
{
    for (size_t n = 0; n < 5000; n += 997) {
        quire_buf b;
        quire__buf_init(&b);
        CHECK(quire__buf_reserve(&b, n));
        CHECK(strcmp(quire__buf_cstr(&b), "") == 0);
        quire__buf_puts(&b, "ab");
        CHECK(quire__buf_reserve(&b, n * 3 + 300)); /* a second growth keeps the text */
        CHECK(strcmp(quire__buf_cstr(&b), "ab") == 0);
        quire__buf_free(&b);
        quire__buf_init(&b);
        CHECK(quire__buf_reserve(&b, n + 1));
        size_t len = 99;
        char *d = quire__buf_detach(&b, &len);
        CHECK(d && len == 0 && d[0] == '\0');
        free(d);
    }
    /* detach_fit: the same bytes, NUL-terminated, whatever the slack (a
     * shrunk block must still hold them: ASan sees a short one). */
    static const size_t slack[] = {0, 1, 4096, 4097, 60000};
    for (size_t i = 0; i < sizeof slack / sizeof *slack; i++) {
        for (size_t n = 0; n < 9000; n += 4499) {
            quire_buf b;
            quire__buf_init(&b);
            CHECK(quire__buf_reserve(&b, n + slack[i]));
            for (size_t k = 0; k < n; k++)
                quire__buf_putc(&b, (char)('a' + k % 26));
            size_t len = 0;
            char *d = quire__buf_detach_fit(&b, &len);
            bool same = d && len == n && d[n] == '\0';
            for (size_t k = 0; same && k < n; k++)
                same = d[k] == (char)('a' + k % 26);
            CHECK(same);
            CHECK(b.data == NULL && b.len == 0);
            free(d);
        }
    }
}

/* A cloned document owns copies of everything (the source may go first),
 * node for node, attribute for attribute, value for value, with a NUL
 * inside a scalar kept and mapping keys kept. */
/* A document with a bit of everything a clone must carry over. */
static quire_document *fidelity_doc(void)
{
    quire_document *doc = quire_document_new();
    quire_arena *a = doc->arena;
    quire_node *root = quire_node_new(a, QUIRE_NODE_ROOT, 1, 1);
    quire_node *p = quire_node_new(a, QUIRE_NODE_PARAGRAPH, 2, 3);
    quire_node_append(root, p);
    quire_node_append(p, quire_node_new_text(a, "hello ", 6, 2, 3));
    quire_node *link = quire_node_new(a, QUIRE_NODE_LINK, 2, 9);
    link->url = quire_arena_strdup(a, "https://example.org/");
    link->title = quire_arena_strdup(a, "T");
    quire_node_set_attr(a, link, "class", "x y");
    quire_node_set_attr(a, link, "data-b", "");
    quire_node_append(p, link);
    quire_node_append(link, quire_node_new_text(a, "there", 5, 2, 10));
    quire_node *img = quire_node_new(a, QUIRE_NODE_IMAGE, 3, 1);
    img->url = quire_arena_strdup(a, "i.png");
    img->literal = quire_arena_strdup(a, "alt");
    img->width = 640;
    quire_node_append(root, img);
    /* a leaf with a child: walks never see it, nor does the clone */
    quire_node_append(img, quire_node_new_text(a, "hidden", 6, 3, 1));
    quire_node *list = quire_node_new(a, QUIRE_NODE_LIST, 4, 1);
    list->flags = QUIRE_NODE_FLAG_ORDERED;
    list->level = 3;
    quire_node_append(root, list);
    quire_node_append(list, quire_node_new(a, QUIRE_NODE_ITEM, 4, 1));
    doc->body = root;
    doc->title = quire_arena_strdup(a, "Title");
    doc->extra = quire_value_new(a, QUIRE_VALUE_MAPPING);
    quire_value *seq = quire_value_new(a, QUIRE_VALUE_SEQUENCE);
    quire_value_append(a, seq, NULL, quire_value_new_scalar(a, QUIRE_VALUE_STRING, "a\0b", 3));
    quire_value_append(a, seq, NULL, quire_value_new_scalar(a, QUIRE_VALUE_NUMBER, "12", 2));
    quire_value_append(a, doc->extra, "list", seq);
    quire_value_append(a, doc->extra, "none", quire_value_new(a, QUIRE_VALUE_NULL));
    quire_value_append(a, doc->extra, "", quire_value_new_scalar(a, QUIRE_VALUE_BOOL, "true", 4));
    doc->extra->first->line = 7;
    quire_strlist_add(a, &doc->tags, "t1");
    return doc;
}

static void test_clone_fidelity(void)
{
    quire_document *doc = fidelity_doc();
    quire_document *c = quire_document_clone(doc);
    CHECK(c != NULL);
    quire_buf b1, b2;
    quire__buf_init(&b1);
    quire__buf_init(&b2);
    quire__render_html(&b1, doc->body, NULL);
    quire_document_free(doc); /* the clone must not point into the source */
    quire__render_html(&b2, c->body, NULL);
    CHECK_STR(quire__buf_cstr(&b2), quire__buf_cstr(&b1));
    quire_node *cp = c->body->first_child, *cl = cp->last_child;
    CHECK(cp->type == QUIRE_NODE_PARAGRAPH && cp->line == 2 && cp->column == 3 && cp->parent == c->body);
    CHECK(cl->type == QUIRE_NODE_LINK && cl->prev == cp->first_child && cl->parent == cp);
    CHECK_STR(quire_node_attr(cl, "class"), "x y");
    CHECK_STR(quire_node_attr(cl, "data-b"), "");
    CHECK(cl->attrs->next->next == NULL);
    quire_node *ci = cp->next;
    CHECK(ci->type == QUIRE_NODE_IMAGE && ci->width == 640 && !strcmp(ci->literal, "alt") &&
          ci->first_child == NULL);
    CHECK(ci->next->type == QUIRE_NODE_LIST && ci->next->level == 3 &&
          ci->next->first_child->type == QUIRE_NODE_ITEM && c->body->last_child == ci->next);
    const quire_value *l = quire_value_get(c->extra, "list");
    CHECK(l && l->count == 2 && l->first->len == 3 && !memcmp(l->first->str, "a\0b", 4) &&
          l->first->key == NULL && l->line == 7);
    CHECK(l && l->last->type == QUIRE_VALUE_NUMBER && !strcmp(l->last->str, "12"));
    CHECK(quire_value_get(c->extra, "none") && !quire_value_get(c->extra, "none")->str);
    CHECK(quire_value_get(c->extra, "") && c->extra->count == 3 && c->extra->last->next == NULL);
    quire__buf_free(&b1);
    quire__buf_free(&b2);
    quire_document_free(c);
}

/* A flavor copy (quire__document_clone_shared): its own nodes, attribute
 * lists and arrays, so a filter run on it leaves the source alone; the
 * source's strings and front matter tree, read only. */
static void test_clone_shared(void)
{
    quire_document *doc = fidelity_doc();
    quire_document *c = quire__document_clone_shared(doc);
    CHECK(c != NULL);
    if (!c) {
        quire_document_free(doc);
        return;
    }
    quire_buf b1, b2;
    quire__buf_init(&b1);
    quire__buf_init(&b2);
    quire__render_html(&b1, doc->body, NULL);
    quire__render_html(&b2, c->body, NULL);
    CHECK_STR(quire__buf_cstr(&b2), quire__buf_cstr(&b1));
    quire_node *sp = doc->body->first_child, *cp = c->body->first_child;
    CHECK(cp != sp && cp->parent == c->body && cp->line == 2 && cp->column == 3);
    CHECK(cp->first_child->literal == sp->first_child->literal); /* shared string */
    quire_node *cl = cp->last_child, *sl = sp->last_child;
    CHECK(cl != sl && cl->url == sl->url && cl->attrs != sl->attrs && cl->prev == cp->first_child);
    CHECK(cl->first_child && cl->first_child->parent == cl && cl->next == NULL);
    CHECK(c->body->last_child->type == QUIRE_NODE_LIST && c->body->last_child->first_child &&
          c->body->last_child->first_child->parent == c->body->last_child);
    /* the hidden child of a leaf is not copied */
    CHECK(cp->next->type == QUIRE_NODE_IMAGE && cp->next->first_child == NULL);
    CHECK(c->extra == doc->extra && c->title == doc->title);
    CHECK(c->tags.items != doc->tags.items && c->tags.count == 1 && c->tags.items[0] == doc->tags.items[0]);
    /* what a filter does to the copy stays in the copy */
    quire_node_set_attr(c->arena, cl, "class", "changed");
    quire_node_remove_attr(cl, "data-b");
    quire_node_unlink(cp->next);
    c->tags.count = 0;
    quire__buf_reset(&b2);
    quire__render_html(&b2, doc->body, NULL);
    CHECK_STR(quire__buf_cstr(&b2), quire__buf_cstr(&b1));
    CHECK_STR(quire_node_attr(sl, "class"), "x y");
    CHECK(doc->tags.count == 1);
    quire__buf_free(&b1);
    quire__buf_free(&b2);
    quire_document_free(c); /* first: it points into doc */
    quire_document_free(doc);
}

static quire_node *add(quire_arena *a, quire_node *parent, quire_node_type t)
{
    quire_node *n = quire_node_new(a, t, 1, 1);
    quire_node_append(parent, n);
    return n;
}

/* A text node carries its text in the same allocation: every length, any
 * bytes, terminated, and not overlapped by what the arena hands out next. */
static void test_text_nodes(void)
{
    quire_arena *a = quire_arena_new();
    char src[700];
    uint64_t x = 88172645463325252ull;
    for (size_t len = 0; len < sizeof src; len++) {
        for (size_t k = 0; k < len; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            src[k] = (char)(x % 5 ? 'a' + x % 26 : (x >> 8) & 0xff);
        }
        quire_node *n = quire_node_new_text(a, src, len, 7, (uint32_t)len + 1);
        CHECK(n && n->type == QUIRE_NODE_TEXT && n->line == 7 && n->column == len + 1);
        if (!n)
            break;
        CHECK(!n->parent && !n->first_child && !n->next && !n->attrs);
        memset(quire_arena_alloc(a, 1 + len % 40), 0x55, 1 + len % 40);
        CHECK(memcmp(n->literal, src, len) == 0 && n->literal[len] == '\0');
    }
    CHECK(quire_node_new_text(a, NULL, 0, 1, 1) == NULL);
    CHECK(quire_node_new_text(a, "x", SIZE_MAX, 1, 1) == NULL);
    quire_arena_free(a);
}

static void test_nodes_and_render(void)
{
    quire_document *doc = quire_document_new();
    quire_arena *a = doc->arena;
    quire_node *root = quire_node_new(a, QUIRE_NODE_ROOT, 1, 1);
    quire_node *p = add(a, root, QUIRE_NODE_PARAGRAPH);
    static const char hostile[] = "a < b & \"c\" ]]> \x01\x0b ok \xff";
    quire_node_append(p, quire_node_new_text(a, hostile, sizeof hostile - 1, 1, 1));
    quire_node *link = add(a, p, QUIRE_NODE_LINK);
    link->url = "https://x.example/?a=1&b=\"2\"";
    quire_node_append(link, quire_node_new_text(a, "l", 1, 1, 1));
    quire_node *el = add(a, root, QUIRE_NODE_HTML_BLOCK);
    el->name = "iframe";
    quire_node_set_attr(a, el, "allowfullscreen", "");
    quire_node_set_attr(a, el, "bad name", "x");
    quire_node_set_attr(a, el, "onload", "alert(1)");
    quire_node_remove_attr(el, "onload");
    CHECK(quire_node_attr(el, "onload") == NULL);
    quire_buf b;
    quire__buf_init(&b);
    quire_render_opts xo = {.xhtml = true};
    quire__render_html(&b, root, &xo);
    CHECK_STR(quire__buf_cstr(&b),
              "<p>a &lt; b &amp; \"c\" ]]&gt;  ok \xEF\xBF\xBD<a href=\"https://x.example/?a=1&amp;b=&quot;2&quot;\">l</a></p>\n"
              "<iframe allowfullscreen=\"\"></iframe>\n");
    quire__buf_reset(&b);
    quire__render_text(&b, root);
    CHECK_STR(quire__buf_cstr(&b), "a < b & \"c\" ]]>  ok \xEF\xBF\xBDl");
    /* iterator order: ENTER root, ENTER p, ENTER text, ENTER link, ENTER text, EXIT link, ... */
    quire_iter it;
    quire_node *n;
    quire_event ev;
    int enters = 0, exits = 0;
    quire_iter_init(&it, root);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE)
        ev == QUIRE_EVENT_ENTER ? enters++ : exits++;
    CHECK(enters == 6 && exits == 4);
    /* skip_children: the skipped node's EXIT still comes, its children don't */
    enters = exits = 0;
    quire_iter_init(&it, root);
    while ((ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE) {
        if (ev == QUIRE_EVENT_ENTER) {
            enters++;
            if (n == p)
                quire_iter_skip_children(&it);
        } else {
            exits++;
            CHECK(n != link); /* never entered, so never exited */
        }
    }
    CHECK(enters == 3 && exits == 3); /* root, p, iframe; EXIT p, iframe, root */
    /* unwrap keeps children in order */
    quire_node_unwrap(link);
    CHECK(p->last_child->type == QUIRE_NODE_TEXT && !strcmp(p->last_child->literal, "l"));
    /* a 200,000-deep tree renders and clones without recursion */
    quire_node *deep = quire_node_new(a, QUIRE_NODE_ROOT, 1, 1), *cur = deep;
    for (int i = 0; i < 200000; i++)
        cur = add(a, cur, QUIRE_NODE_BLOCKQUOTE);
    quire_node_append(cur, quire_node_new_text(a, "bottom", 6, 1, 1));
    quire__buf_reset(&b);
    quire__render_html(&b, deep, NULL);
    CHECK(b.len > 200000 * 20 && strstr(b.data, "bottom"));
    quire_node *copy = quire_node_clone(a, deep);
    CHECK(copy && copy != deep);
    int depth = 0;
    for (quire_node *k = copy; k->first_child; k = k->first_child)
        depth++;
    CHECK(depth == 200001);
    quire__buf_free(&b);
    doc->body = root;
    doc->title = "T";
    quire_strlist_add(a, &doc->tags, "x");
    quire_strlist_add(a, &doc->tags, "x");
    for (int i = 0; i < 100; i++)
        quire_strlist_add(a, &doc->tags, quire_arena_printf(a, "t%d", i));
    CHECK(doc->tags.count == 101);
    quire_document *clone = quire_document_clone(doc);
    CHECK(clone && clone->tags.count == 101 && !strcmp(clone->title, "T") && clone->title != doc->title);
    quire_document_free(clone);
    quire_document_free(doc);
}


/* Writes chunks of the given sizes (contents from a pattern) through a
 * sink into OUTDIR/name and checks the file holds them whole and in
 * order. */
/* shared: every other write hands over shared bytes (quire__bytes),
 * dropped by the caller right after, as the writers do. */
static bool sink_roundtrip(quire_outdir *od, const char *dir, const char *name,
                           const size_t *sizes, size_t n, bool shared)
{
    static char pattern[300000];
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (char)('a' + i % 23 + i / 4099 % 3);
    quire_sink *s;
    if (quire_outdir_sink(od, name, &s) != QUIRE_OK)
        return false;
    size_t total = 0;
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        if (shared && i % 2) {
            quire__bytes *b = quire__bytes_copy(pattern + total, sizes[i]);
            ok = ok && b && quire__sink_write_bytes(s, b) == QUIRE_OK;
            quire__bytes_unref(b);
        } else {
            ok = ok && quire_sink_write(s, pattern + total, sizes[i]) == QUIRE_OK;
        }
        total += sizes[i];
    }
    ok = ok && quire_sink_size(s) == total && quire_sink_commit(s) == QUIRE_OK;
    ok = ok && quire_outdir_flush(od, NULL, NULL) == 0; /* background: in place now */
    char path[512], *data;
    size_t len;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!ok || quire_read_file(path, 0, &data, &len) != QUIRE_OK)
        return false;
    ok = len == total && memcmp(data, pattern, len) == 0;
    free(data);
    return ok;
}

static void test_sink_write_mixes_as(const char *dir, quire_outdir *od, bool shared)
{
    static const size_t mixes[][6] = {
        {4096, 1, 4095, 5000, 3, 0},  {4095, 1, 4096, 0, 0, 0},     {9000, 0, 0, 0, 0, 0},
        {4096, 65536, 1, 0, 0, 0},    {1, 4096, 70000, 2, 0, 0},    {65536, 4096, 4096, 0, 0, 0},
        {65535, 1, 1, 4096, 0, 0},    {0, 4096, 0, 4096, 0, 0},     {4097, 65537, 4095, 1, 0, 0},
    };
    char name[64];
    for (size_t m = 0; m < sizeof mixes / sizeof *mixes; m++) {
        snprintf(name, sizeof name, "mix/%zu.bin", m);
        CHECK(sink_roundtrip(od, dir, name, mixes[m], 6, shared));
    }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int t = 0; t < 60; t++) {
        size_t sizes[12], n = 1 + t % 12, total = 0;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* mostly around the limits, sometimes anywhere */
            static const size_t near[] = {0, 1, 4095, 4096, 4097, 65535, 65536, 65537};
            sizes[i] = x % 3 ? near[x / 3 % 8] : (size_t)(x / 24 % 20000);
            if (total + sizes[i] > 290000)
                sizes[i] = 0;
            total += sizes[i];
        }
        snprintf(name, sizeof name, "mix/r%d.bin", t);
        CHECK(sink_roundtrip(od, dir, name, sizes, n, shared));
    }
    /* Many writes into one file: past the references one job gathers
     * (32), past the bytes a sink keeps (64 KiB), shared blocks under the
     * size worth a reference (256) among them. */
    for (int t = 0; t < 6; t++) {
        size_t sizes[150], total = 0;
        for (size_t i = 0; i < 150; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            static const size_t near[] = {0, 1, 255, 256, 257, 4095, 4096};
            sizes[i] = x % 2 ? near[x / 2 % 7] : (size_t)(x / 14 % 3000);
            if (t == 0)
                sizes[i] = 300; /* 75 references in 22 KB: past 32 on count alone */
            if (total + sizes[i] > 290000)
                sizes[i] = 0;
            total += sizes[i];
        }
        snprintf(name, sizeof name, "mix/many%d.bin", t);
        CHECK(sink_roundtrip(od, dir, name, sizes, 150, shared));
    }
}

/* Sinks gather small writes and send a big one into an empty sink straight
 * out: every mix of the two, at and around both limits (4 KiB, 64 KiB),
 * arrives whole and in order, whether written as bytes or shared bytes. */
static void test_sink_write_mixes(const char *dir, quire_outdir *od)
{
    for (int shared = 0; shared < 2; shared++)
        test_sink_write_mixes_as(dir, od, shared);
}

/* The background queue (bgq.c): jobs start in push order whatever thread
 * pushed them, jobs of one key run one at a time (those of two keys may
 * overlap); pushers wait or help at the budget without deadlock, even
 * with jobs bigger than it; wait returns with every job run even when too
 * little is queued to wake the thread, and runs jobs itself meanwhile;
 * stop runs what is left. */
enum { BGQ_PRODUCERS = 4, BGQ_JOBS = 3000 };
typedef struct bgq_probe {
    quire__bgq_job job;
    int producer;
    size_t k;
    size_t *seen;          /* per producer: jobs run so far */
    atomic_int *bad;
    atomic_int *running;   /* per producer (= per key): jobs running now */
    atomic_int *helped;    /* jobs run by the thread that called wait */
    pthread_t waiter;
} bgq_probe;

static void bgq_probe_run(quire__bgq_job *job)
{
    bgq_probe *p = (bgq_probe *)job;
    if (atomic_fetch_add(&p->running[p->producer], 1) != 0)
        atomic_store(p->bad, 1); /* two jobs of one key at once */
    if (p->seen[p->producer] != p->k)
        atomic_store(p->bad, 1); /* out of order */
    p->seen[p->producer]++;
    if (pthread_equal(pthread_self(), p->waiter))
        atomic_fetch_add(p->helped, 1);
    for (volatile int spin = 0; spin < 200; spin++)
        ; /* long enough for the other runner to try the same key */
    atomic_fetch_sub(&p->running[p->producer], 1);
    free(p);
}

typedef struct bgq_pusher {
    quire__bgq *q;
    int producer;
    size_t *seen;
    atomic_int *bad, *running, *helped;
    pthread_t waiter;
} bgq_pusher;

static bgq_probe *bgq_probe_new(const bgq_pusher *w, size_t k, size_t cost)
{
    bgq_probe *p = malloc(sizeof *p);
    if (!p)
        abort();
    *p = (bgq_probe){.producer = w->producer, .k = k, .seen = w->seen, .bad = w->bad,
                     .running = w->running, .helped = w->helped, .waiter = w->waiter};
    p->job.cost = cost;
    p->job.key = &w->seen[w->producer];
    p->job.run = bgq_probe_run;
    return p;
}

static void *bgq_push_many(void *arg)
{
    bgq_pusher *w = arg;
    uint64_t x = 0x9e3779b97f4a7c15ull * (uint64_t)(w->producer + 1);
    for (size_t k = 0; k < BGQ_JOBS; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        /* mostly small, sometimes more than the whole budget (1000) */
        quire__bgq_push(w->q, &bgq_probe_new(w, k, x % 50 ? (size_t)(x % 300) : 1500)->job);
    }
    return NULL;
}

static void test_bgq(void)
{
    size_t seen[BGQ_PRODUCERS] = {0};
    atomic_int bad = 0, helped = 0;
    atomic_int running[BGQ_PRODUCERS] = {0};
    quire__bgq *q;
    CHECK(quire__bgq_start(&q, 1000) == QUIRE_OK);
    if (!q)
        return;
    /* One small job: far below the wake-up mark, wait must still see it run. */
    bgq_pusher one = {q, 0, seen, &bad, running, &helped, pthread_self()};
    quire__bgq_push(q, &bgq_probe_new(&one, 0, 1)->job);
    quire__bgq_wait(q);
    CHECK(seen[0] == 1);
    seen[0] = 0;
    pthread_t t[BGQ_PRODUCERS];
    bgq_pusher w[BGQ_PRODUCERS];
    for (int i = 0; i < BGQ_PRODUCERS; i++) {
        w[i] = one;
        w[i].producer = i;
        CHECK(pthread_create(&t[i], NULL, bgq_push_many, &w[i]) == 0);
    }
    for (int i = 0; i < BGQ_PRODUCERS; i++)
        pthread_join(t[i], NULL);
    quire__bgq_wait(q);
    for (int i = 0; i < BGQ_PRODUCERS; i++)
        CHECK(seen[i] == BGQ_JOBS);
    CHECK(atomic_load(&bad) == 0);
    /* A waiter helps: jobs queued far below the budget (so the thread
     * sleeps on them) are partly run by the thread that waits. */
    for (int i = 0; i < BGQ_PRODUCERS; i++)
        seen[i] = 0;
    atomic_store(&helped, 0);
    for (size_t k = 0; k < 50; k++)
        for (int i = 0; i < BGQ_PRODUCERS; i++)
            quire__bgq_push(q, &bgq_probe_new(&w[i], k, 0)->job);
    quire__bgq_wait(q);
    for (int i = 0; i < BGQ_PRODUCERS; i++)
        CHECK(seen[i] == 50);
    CHECK(atomic_load(&helped) > 0 && atomic_load(&bad) == 0);
    /* stop runs what is still queued */
    for (int i = 0; i < BGQ_PRODUCERS; i++)
        seen[i] = 0;
    bgq_push_many(&w[1]);
    quire__bgq_stop(q);
    CHECK(seen[1] == BGQ_JOBS && atomic_load(&bad) == 0);
}

static bool file_is(const char *path, const char *text);

typedef struct unwritten {
    char rel[8][64];
    int rc[8];
    int n;
} unwritten;

static void note_unwritten(void *arg, const char *rel, int rc)
{
    unwritten *u = arg;
    if (u->n < 8) {
        snprintf(u->rel[u->n], sizeof u->rel[0], "%s", rel ? rel : "(null)");
        u->rc[u->n++] = rc;
    }
}

/* An output folder in the background: the same bytes in every mix of
 * writes; commit returns at once and flush puts the files in place; an
 * abort leaves nothing; what fails on the folder's thread (here: the
 * file's folder removed after the sink was opened) is reported by flush,
 * sorted by path, once; and freeing the folder with jobs still queued
 * writes them first. */
static void test_sinks_background(void)
{
    char tmpl[] = "/tmp/quire-unit-bg-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir)
        return;
    quire_outdir *od;
    CHECK(quire_outdir_open(&od, dir) == QUIRE_OK);
    CHECK(quire_outdir_background(od) == QUIRE_OK);
    CHECK(quire_outdir_flush(od, NULL, NULL) == 0);
    test_sink_write_mixes(dir, od);

    quire_sink *s;
    char path[512], cmd[600];
    static char big[200000];
    memset(big, 'b', sizeof big);
    /* One shared block in many files at once (a feed item in every feed
     * set of its document), the caller's reference dropped at once: each
     * file has it whole, between its own small writes; an aborted sink's
     * pending reference is dropped too (ASan: no leak). */
    {
        enum { FAN = 40 };
        quire_sink *fan[FAN];
        char item[10000];
        for (size_t i = 0; i < sizeof item; i++)
            item[i] = (char)('A' + i % 26);
        quire__bytes *b = quire__bytes_copy(item, sizeof item);
        CHECK(b != NULL);
        for (int i = 0; i < FAN && b; i++) {
            snprintf(path, sizeof path, "fan/%d.xml", i);
            CHECK(quire_outdir_sink(od, path, &fan[i]) == QUIRE_OK);
            CHECK(quire_sink_write(fan[i], "<f>", 3) == QUIRE_OK);
            CHECK(quire__sink_write_bytes(fan[i], b) == QUIRE_OK);
        }
        quire__bytes_unref(b);
        for (int i = 0; i < FAN && b; i++) {
            CHECK(quire_sink_write(fan[i], "</f>", 4) == QUIRE_OK);
            CHECK(quire_sink_size(fan[i]) == 7 + sizeof item);
            if (i == FAN - 1)
                quire_sink_abort(fan[i]);
            else
                CHECK(quire_sink_commit(fan[i]) == QUIRE_OK);
        }
        CHECK(quire_outdir_flush(od, NULL, NULL) == 0);
        for (int i = 0; i < FAN && b; i++) {
            char *data = NULL;
            size_t len = 0;
            snprintf(path, sizeof path, "%s/fan/%d.xml", dir, i);
            int rc = quire_read_file(path, 0, &data, &len);
            if (i == FAN - 1) {
                CHECK(rc != QUIRE_OK); /* aborted: never there */
            } else {
                CHECK(rc == QUIRE_OK && len == 7 + sizeof item && !memcmp(data, "<f>", 3) &&
                      !memcmp(data + 3, item, sizeof item) && !memcmp(data + len - 4, "</f>", 4));
            }
            free(data);
        }
    }
    CHECK(quire_outdir_sink(od, "ab/aborted.txt", &s) == QUIRE_OK);
    CHECK(quire_sink_write(s, big, sizeof big) == QUIRE_OK);
    CHECK(quire_sink_write(s, "tail", 4) == QUIRE_OK);
    quire_sink_abort(s);
    CHECK(quire_outdir_sink(od, "ab/never.txt", &s) == QUIRE_OK);
    quire_sink_abort(s);
    /* Two failures, committed out of path order. */
    const char *gone[] = {"zz/x.txt", "gone/x.txt"};
    for (int i = 0; i < 2; i++) {
        CHECK(quire_outdir_sink(od, gone[i], &s) == QUIRE_OK);
        snprintf(path, sizeof path, "%s/%.*s", dir, (int)(strchr(gone[i], '/') - gone[i]), gone[i]);
        CHECK(rmdir(path) == 0); /* the temporary is made later, there */
        CHECK(quire_sink_write(s, big, 5000) == QUIRE_OK);
        CHECK(quire_sink_commit(s) == QUIRE_OK);
    }
    unwritten u = {0};
    CHECK(quire_outdir_flush(od, note_unwritten, &u) == 2);
    CHECK(u.n == 2 && !strcmp(u.rel[0], "gone/x.txt") && !strcmp(u.rel[1], "zz/x.txt") &&
          u.rc[0] == QUIRE_ERR_IO && u.rc[1] == QUIRE_ERR_IO);
    /* New folders are made on the folder's thread, by the first job of a
     * sink in them: deep ones, several sinks in one, none for a sink
     * aborted before writing; a symlink planted where a folder is still
     * to be made is refused there, and nothing lands where it points. */
    {
        static const char *const files[] = {"nf/d1/d2/d3/a.txt", "nf/d1/d2/b.txt",
                                            "nf/d1/d2/d3/c.txt", "nf/d1/e.txt", "nf/d4/f.txt"};
        quire_sink *fs[5];
        for (int i = 0; i < 5; i++)
            CHECK(quire_outdir_sink(od, files[i], &fs[i]) == QUIRE_OK);
        snprintf(path, sizeof path, "%s/nf/d1", dir); /* nf is made at once: dir was there */
        struct stat st0;
        CHECK(lstat(path, &st0) != 0); /* not made yet: nothing was written */
        CHECK(quire_outdir_sink(od, "nf/d5/never.txt", &s) == QUIRE_OK);
        quire_sink_abort(s);
        char away_tmpl[] = "/tmp/quire-unit-away-XXXXXX";
        char *away = mkdtemp(away_tmpl);
        CHECK(away != NULL);
        snprintf(path, sizeof path, "%s/nf/d4", dir);
        CHECK(away && symlink(away, path) == 0);
        for (int i = 0; i < 5; i++) {
            CHECK(quire_sink_puts(fs[i], files[i]) == QUIRE_OK);
            CHECK(quire_sink_commit(fs[i]) == QUIRE_OK);
        }
        unwritten v = {0};
        CHECK(quire_outdir_flush(od, note_unwritten, &v) == 1);
        CHECK(v.n == 1 && !strcmp(v.rel[0], "nf/d4/f.txt") && v.rc[0] == QUIRE_ERR_UNSAFE);
        for (int i = 0; i < 4; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, files[i]);
            CHECK(file_is(path, files[i]));
        }
        snprintf(path, sizeof path, "%s/nf/d5", dir);
        CHECK(lstat(path, &st0) != 0);
        snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\" && rm -rf '%s' '%s/nf/d4'", away ? away : "/nonexistent", away ? away : "/nonexistent", dir);
        CHECK(system(cmd) == 0);
    }
    CHECK(quire_outdir_flush(od, note_unwritten, &u) == 0 && u.n == 2);
    snprintf(path, sizeof path, "%s/ab/aborted.txt", dir);
    CHECK(access(path, F_OK) != 0);
    /* Queued when the folder is freed: written all the same. */
    CHECK(quire_outdir_sink(od, "late.txt", &s) == QUIRE_OK);
    CHECK(quire_sink_write(s, big, sizeof big) == QUIRE_OK);
    CHECK(quire_sink_commit(s) == QUIRE_OK);
    quire_outdir_free(od);
    snprintf(path, sizeof path, "%s/late.txt", dir);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (size_t)st.st_size == sizeof big);
    /* No temporaries left behind. */
    snprintf(cmd, sizeof cmd, "test $(find '%s' -name '.*.[A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9]' | wc -l) = 0", dir);
    CHECK(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void test_paths_and_sinks(void)
{
    CHECK(quire_path_is_safe("a/b.html") && quire_path_is_safe("tags/x/feed.json"));
    CHECK(!quire_path_is_safe("../x") && !quire_path_is_safe("/etc/passwd") &&
          !quire_path_is_safe("a/../../b") && !quire_path_is_safe("a\\b") &&
          !quire_path_is_safe("") && !quire_path_is_safe("a//b") && !quire_path_is_safe("./a") &&
          !quire_path_is_safe("a/\x01") && !quire_path_is_safe("c:x"));
    char tmpl[] = "/tmp/quire-unit-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir)
        return;
    quire_outdir *od;
    CHECK(quire_outdir_open(&od, dir) == QUIRE_OK);
    quire_sink *s;
    CHECK(quire_outdir_sink(od, "../escape.txt", &s) == QUIRE_ERR_UNSAFE);
    /* A symlink planted inside the output folder must not be followed. */
    char link[512];
    snprintf(link, sizeof link, "%s/evil", dir);
    CHECK(symlink("/tmp", link) == 0);
    CHECK(quire_outdir_sink(od, "evil/x.txt", &s) == QUIRE_ERR_UNSAFE);
    CHECK(quire_outdir_sink(od, "evil", &s) == QUIRE_ERR_UNSAFE);
    /* Written whole or not at all: aborted output leaves the old file. */
    CHECK(quire_outdir_sink(od, "sub/out.txt", &s) == QUIRE_OK);
    quire_sink_puts(s, "first");
    CHECK(quire_sink_commit(s) == QUIRE_OK);
    CHECK(quire_outdir_sink(od, "sub/out.txt", &s) == QUIRE_OK);
    quire_sink_puts(s, "second, never committed");
    quire_sink_abort(s);
    char *data;
    size_t len;
    char path[512], cmd[600];
    snprintf(path, sizeof path, "%s/sub/out.txt", dir);
    CHECK(quire_read_file(path, 0, &data, &len) == QUIRE_OK && len == 5 && !memcmp(data, "first", 5));
    free(data);
    CHECK(quire_read_file(path, 3, &data, &len) == QUIRE_ERR_LIMIT);
    CHECK(quire_read_file(path, 5, &data, &len) == QUIRE_OK && len == 5 && data[5] == '\0');
    free(data);
    /* Sinks: the umask decides the mode (no temporary left behind); writes
     * small and big, held back or not, arrive whole and in order. */
    mode_t old = umask(027);
    CHECK(quire_outdir_sink(od, "sub/big.bin", &s) == QUIRE_OK);
    umask(old);
    size_t total = 0;
    static char chunk[300000];
    for (size_t i = 0; i < sizeof chunk; i++)
        chunk[i] = (char)('a' + i % 23);
    const size_t sizes[] = {1, 7, 65536, 3, 65535, 1, 200000, 0, 65536, 65537, 12};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        CHECK(quire_sink_write(s, chunk + total % 23, sizes[i]) == QUIRE_OK);
        total += sizes[i];
    }
    CHECK(quire_sink_size(s) == total);
    CHECK(quire_sink_commit(s) == QUIRE_OK);
    snprintf(path, sizeof path, "%s/sub/big.bin", dir);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640 && (size_t)st.st_size == total);
    CHECK(quire_read_file(path, 0, &data, &len) == QUIRE_OK && len == total);
    size_t off = 0;
    for (size_t i = 0; data && i < sizeof sizes / sizeof sizes[0]; i++) {
        CHECK(memcmp(data + off, chunk + off % 23, sizes[i]) == 0);
        off += sizes[i];
    }
    free(data);
    CHECK(quire_read_file(path, total - 1, &data, &len) == QUIRE_ERR_LIMIT);
    CHECK(quire_read_file(path, total, &data, &len) == QUIRE_OK && len == total);
    free(data);
    /* Files the size of nothing, and that say nothing of their size. */
    CHECK(quire_outdir_sink(od, "empty.txt", &s) == QUIRE_OK);
    CHECK(quire_sink_commit(s) == QUIRE_OK);
    snprintf(path, sizeof path, "%s/empty.txt", dir);
    CHECK(quire_read_file(path, 0, &data, &len) == QUIRE_OK && len == 0 && data && !*data);
    free(data);
    CHECK(quire_read_file("/proc/self/status", 0, &data, &len) == QUIRE_OK && len > 0 &&
          strstr(data, "Name:") && strlen(data) == len);
    free(data);
    snprintf(path, sizeof path, "%s/missing", dir);
    CHECK(quire_read_file(path, 0, &data, &len) == QUIRE_ERR_NOTFOUND);
    CHECK(quire_read_file(dir, 0, &data, &len) == QUIRE_ERR_IO);
    test_sink_write_mixes(dir, od);
    /* Only the outputs and the manifest are left: no temporaries. */
    snprintf(cmd, sizeof cmd, "test $(find '%s' -name '.*.[A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9]' | wc -l) = 0", dir);
    CHECK(system(cmd) == 0);
    quire_outdir_free(od);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static bool file_is(const char *path, const char *text)
{
    char *data;
    size_t len;
    if (quire_read_file(path, 0, &data, &len) != QUIRE_OK)
        return false;
    bool same = len == strlen(text) && !memcmp(data, text, len);
    free(data);
    return same;
}

/* The manifest: quire replaces only what it wrote, never deletes, sweeps
 * only its own stale temporaries, and keeps a second build out. */
static void test_outdir_manifest(void)
{
    char tmpl[] = "/tmp/quire-unit-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir)
        return;
    char p[512], q[512];
    /* A folder with someone else's file in it. */
    snprintf(p, sizeof p, "%s/feed.json", dir);
    write_text(p, "theirs");
    quire_outdir *od, *od2;
    quire_sink *s;
    CHECK(quire_outdir_open(&od, dir) == QUIRE_OK);
    CHECK(quire_outdir_sink(od, "feed.json", &s) == QUIRE_ERR_EXISTS);
    CHECK(file_is(p, "theirs"));
    CHECK(!quire_outdir_owns(od, "feed.json"));
    /* Hidden names (the manifest, temporaries) are never outputs. */
    CHECK(quire_outdir_sink(od, ".quire-manifest", &s) == QUIRE_ERR_UNSAFE);
    CHECK(quire_outdir_sink(od, "a/.x", &s) == QUIRE_ERR_UNSAFE);
    /* A second build cannot open the folder while this one holds it. */
    CHECK(quire_outdir_open(&od2, dir) == QUIRE_ERR_BUSY);
    CHECK(quire_outdir_sink(od, "mine/index.html", &s) == QUIRE_OK);
    CHECK(quire_outdir_owns(od, "mine/index.html"));
    quire_sink_puts(s, "v1");
    CHECK(quire_sink_commit(s) == QUIRE_OK);
    quire_outdir_free(od);

    /* Next build: its own file is replaced, the foreign one still refused;
     * a stale temporary of its own is swept, a look-alike of a foreign
     * name is not. */
    snprintf(q, sizeof q, "%s/mine/.index.html.AbC123", dir);
    write_text(q, "half");
    char foreign_tmp[512];
    snprintf(foreign_tmp, sizeof foreign_tmp, "%s/.feed.json.AbC123", dir);
    write_text(foreign_tmp, "not ours");
    CHECK(quire_outdir_open(&od, dir) == QUIRE_OK);
    struct stat st;
    CHECK(lstat(q, &st) != 0);
    CHECK(lstat(foreign_tmp, &st) == 0);
    CHECK(quire_outdir_owns(od, "mine/index.html") && !quire_outdir_owns(od, "feed.json"));
    CHECK(quire_outdir_sink(od, "mine/index.html", &s) == QUIRE_OK);
    quire_sink_puts(s, "v2");
    CHECK(quire_sink_commit(s) == QUIRE_OK);
    snprintf(q, sizeof q, "%s/mine/index.html", dir);
    CHECK(file_is(q, "v2"));
    CHECK(quire_outdir_sink(od, "feed.json", &s) == QUIRE_ERR_EXISTS);
    /* A file of ours replaced by a symlink is not followed. */
    snprintf(q, sizeof q, "%s/mine/index.html", dir);
    CHECK(unlink(q) == 0 && symlink("/etc/passwd", q) == 0);
    CHECK(quire_outdir_sink(od, "mine/index.html", &s) == QUIRE_ERR_UNSAFE);
    quire_outdir_free(od);
    CHECK(file_is(p, "theirs"));

    /* A manifest cut in the middle of an append, and a hand-edited unsafe
     * line: neither claims anything. */
    snprintf(q, sizeof q, "%s/.quire-manifest", dir);
    FILE *f = fopen(q, "ab");
    CHECK(f != NULL);
    if (f) {
        fputs("../../etc/passwd\nfeed.js", f);
        fclose(f);
    }
    CHECK(quire_outdir_open(&od, dir) == QUIRE_OK);
    CHECK(!quire_outdir_owns(od, "../../etc/passwd") && !quire_outdir_owns(od, "feed.js"));
    CHECK(quire_outdir_owns(od, "mine/index.html"));
    quire_outdir_free(od);
    /* A symlinked manifest is refused outright. */
    CHECK(unlink(q) == 0 && symlink("/etc/passwd", q) == 0);
    CHECK(quire_outdir_open(&od, dir) == QUIRE_ERR_UNSAFE);

    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* Folders are checked once per build and a file in a folder the same call
 * created is not looked up: what is planted later in a folder this build
 * created is still refused, and never followed nor removed. */
static void test_outdir_planted_later(void)
{
    char tmpl[] = "/tmp/quire-unit-XXXXXX", away_tmpl[] = "/tmp/quire-away-XXXXXX";
    char *dir = mkdtemp(tmpl), *away = mkdtemp(away_tmpl);
    CHECK(dir != NULL && away != NULL);
    if (!dir || !away)
        return;
    char p[512], q[512], cmd[1200];
    quire_outdir *od;
    quire_sink *s;
    CHECK(quire_outdir_open(&od, dir) == QUIRE_OK);
    CHECK(quire_outdir_sink(od, "made/a.txt", &s) == QUIRE_OK);
    quire_sink_puts(s, "a");
    CHECK(quire_sink_commit(s) == QUIRE_OK);
    /* A symlink planted as a file name in that folder. */
    snprintf(q, sizeof q, "%s/victim.txt", away);
    write_text(q, "victim");
    snprintf(p, sizeof p, "%s/made/b.txt", dir);
    CHECK(symlink(q, p) == 0);
    CHECK(quire_outdir_sink(od, "made/b.txt", &s) == QUIRE_ERR_UNSAFE);
    /* A symlink planted as a subfolder of it. */
    snprintf(p, sizeof p, "%s/made/sub", dir);
    CHECK(symlink(away, p) == 0);
    CHECK(quire_outdir_sink(od, "made/sub/c.txt", &s) == QUIRE_ERR_UNSAFE);
    CHECK(quire_outdir_sink(od, "made/sub/deeper/c.txt", &s) == QUIRE_ERR_UNSAFE);
    /* Someone else's file put there: not ours to replace. */
    snprintf(p, sizeof p, "%s/made/theirs.txt", dir);
    write_text(p, "theirs");
    CHECK(quire_outdir_sink(od, "made/theirs.txt", &s) == QUIRE_ERR_EXISTS);
    /* Ours is still replaced, in the same build, deep new folders work. */
    CHECK(quire_outdir_sink(od, "made/a.txt", &s) == QUIRE_OK);
    quire_sink_puts(s, "a2");
    CHECK(quire_sink_commit(s) == QUIRE_OK);
    CHECK(quire_outdir_sink(od, "made/new/x/y.txt", &s) == QUIRE_OK);
    quire_sink_puts(s, "y");
    CHECK(quire_sink_commit(s) == QUIRE_OK);
    quire_outdir_free(od);
    snprintf(p, sizeof p, "%s/made/a.txt", dir);
    CHECK(file_is(p, "a2"));
    snprintf(p, sizeof p, "%s/made/new/x/y.txt", dir);
    CHECK(file_is(p, "y"));
    CHECK(file_is(q, "victim"));
    snprintf(p, sizeof p, "%s/made/theirs.txt", dir);
    CHECK(file_is(p, "theirs"));
    struct stat st;
    snprintf(p, sizeof p, "%s/made/b.txt", dir);
    CHECK(lstat(p, &st) == 0 && S_ISLNK(st.st_mode));
    snprintf(p, sizeof p, "%s/made/sub", dir);
    CHECK(lstat(p, &st) == 0 && S_ISLNK(st.st_mode));
    snprintf(p, sizeof p, "%s/c.txt", away);
    CHECK(lstat(p, &st) != 0);
    snprintf(p, sizeof p, "%s/deeper", away);
    CHECK(lstat(p, &st) != 0);

    /* Next build: folders the sweep checked are not checked again, but a
     * folder of ours replaced by a symlink before it starts is refused. */
    snprintf(p, sizeof p, "%s/made/new/x", dir);
    snprintf(cmd, sizeof cmd, "rm -r '%s' && ln -s '%s' '%s'", p, away, p);
    CHECK(system(cmd) == 0);
    CHECK(quire_outdir_open(&od, dir) == QUIRE_OK);
    CHECK(quire_outdir_sink(od, "made/new/x/y.txt", &s) == QUIRE_ERR_UNSAFE);
    CHECK(quire_outdir_sink(od, "made/a.txt", &s) == QUIRE_OK);
    quire_sink_puts(s, "a3");
    CHECK(quire_sink_commit(s) == QUIRE_OK);
    quire_outdir_free(od);
    snprintf(p, sizeof p, "%s/y.txt", away);
    CHECK(lstat(p, &st) != 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", dir, away);
    CHECK(system(cmd) == 0);
}

static void test_chain_specs(void)
{
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_chain *ch = NULL;
    CHECK(quire_chain_add_spec(&ch, "sort:by=title,order=asc;limit:n=3", &diags) == QUIRE_OK);
    CHECK(quire_chain_length(ch) == 2);
    CHECK(quire_chain_add_spec(&ch, "no-such-filter", &diags) == QUIRE_ERR_USAGE);
    CHECK(diags.errors == 1 && strstr(diags.items[0].message, "no-such-filter"));
    quire_chain_free(ch);
    quire_diag_list_free(&diags);
    CHECK(quire_reader_find("markdown") && quire_writer_find("jsonfeed") && quire_filter_find("sort"));
    CHECK(quire_reader_find("nope") == NULL);
    int score;
    const quire_reader *r = quire_reader_probe("x.md", "hello", 5, &score);
    CHECK(r && !strcmp(r->name, "markdown") && score >= 50);
}

/* ------------------------------------------------------------ escapers against references */

/* The text escapers scan 16 bytes at a time and keep valid UTF-8 in the
 * copied run; these references do the same byte by byte, as the code did
 * before, and must give the same bytes for any input. */
static void ref_render_text(quire_buf *b, const char *s, bool quotes)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c == '&') quire__buf_puts(b, "&amp;");
        else if (c == '<') quire__buf_puts(b, "&lt;");
        else if (c == '>') quire__buf_puts(b, "&gt;");
        else if (c == '"') quire__buf_puts(b, quotes ? "&quot;" : "\"");
        else if (c == '\'') quire__buf_puts(b, quotes ? "&#39;" : "'");
        else if (c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c < 0x80)) quire__buf_putc(b, (char)c);
        if (c < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = quire__utf8_decode(p + i, n - i, &cp);
        if (!k) {
            quire__utf8_put(b, 0xFFFD);
            i++;
            continue;
        }
        if (quire__xml_char_ok(cp))
            quire__buf_put(b, s + i, k);
        i += k;
    }
}

static bool render_text_matches(const char *s, bool quotes)
{
    quire_document *doc = quire_document_new();
    quire_node *root = quire_node_new(doc->arena, QUIRE_NODE_ROOT, 1, 1);
    quire_node *p = add(doc->arena, root, QUIRE_NODE_PARAGRAPH);
    quire_node_append(p, quire_node_new_text(doc->arena, s, strlen(s), 1, 1));
    quire_buf got, want;
    quire__buf_init(&got);
    quire__buf_init(&want);
    const quire_render_opts opts = {.escape_quotes = quotes};
    quire__render_html(&got, root, &opts);
    quire__buf_puts(&want, "<p>");
    ref_render_text(&want, s, quotes);
    quire__buf_puts(&want, "</p>\n");
    bool ok = bufs_match(&got, &want, "render text");
    quire_document_free(doc);
    return ok;
}

/* Every typed node's tags, with and without attributes of its own (which
 * a start tag writes but those the node writes itself), in HTML and XHTML:
 * the renderer writes most of them as whole literals, this spells them
 * out. */
static quire_node *add_text(quire_arena *a, quire_node *parent, const char *s)
{
    quire_node *t = quire_node_new_text(a, s, strlen(s), 1, 1);
    quire_node_append(parent, t);
    return t;
}

static quire_node *typed_tree(quire_arena *a, bool attrs)
{
    quire_node *root = quire_node_new(a, QUIRE_NODE_ROOT, 1, 1);
    static const quire_node_type blocks[] = {QUIRE_NODE_PARAGRAPH, QUIRE_NODE_BLOCKQUOTE,
                                             QUIRE_NODE_FIGURE, QUIRE_NODE_TABLE};
    static const int levels[] = {0, 1, 3, 6, 9};
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++) {
        quire_node *h = add(a, root, QUIRE_NODE_HEADING);
        h->level = levels[i];
        add_text(a, h, "h");
    }
    for (size_t i = 0; i < sizeof blocks / sizeof *blocks; i++) {
        quire_node *b = add(a, root, blocks[i]);
        if (blocks[i] == QUIRE_NODE_FIGURE) {
            add_text(a, add(a, b, QUIRE_NODE_CAPTION), "cap");
        } else if (blocks[i] == QUIRE_NODE_TABLE) {
            for (int r = 0; r < 3; r++) {
                quire_node *row = add(a, b, QUIRE_NODE_TABLE_ROW);
                row->flags = r == 0 ? QUIRE_NODE_FLAG_HEADER : 0;
                for (int c = 0; c < 4; c++) {
                    quire_node *cell = add(a, row, QUIRE_NODE_TABLE_CELL);
                    cell->align = (quire_align)c;
                    add_text(a, cell, "c");
                    if (attrs) {
                        quire_node_set_attr(a, cell, "style", "color: red");
                        quire_node_set_attr(a, cell, "align", "left");
                        quire_node_set_attr(a, cell, "class", "k");
                    }
                }
            }
        } else {
            quire_node *in = add(a, b, QUIRE_NODE_EMPH);
            add_text(a, add(a, in, QUIRE_NODE_STRONG), "s");
            add_text(a, add(a, in, QUIRE_NODE_STRIKETHROUGH), "d");
            quire_node *code = add(a, in, QUIRE_NODE_CODE);
            code->literal = "x<y";
            quire_node *link = add(a, in, QUIRE_NODE_LINK);
            link->url = "u";
            link->title = "t";
            add_text(a, link, "l");
            quire_node *img = add(a, in, QUIRE_NODE_IMAGE);
            img->url = "i.png";
            img->literal = "alt";
            img->width = 2;
            if (attrs) {
                quire_node_set_attr(a, link, "href", "not this");
                quire_node_set_attr(a, img, "src", "not this");
                quire_node_set_attr(a, img, "loading", "lazy");
            }
        }
    }
    static const unsigned list_flags[] = {0, QUIRE_NODE_FLAG_ORDERED, QUIRE_NODE_FLAG_TIGHT,
                                          QUIRE_NODE_FLAG_ORDERED | QUIRE_NODE_FLAG_TIGHT};
    for (size_t i = 0; i < sizeof list_flags / sizeof *list_flags; i++) {
        quire_node *l = add(a, root, QUIRE_NODE_LIST);
        l->flags = list_flags[i];
        l->level = i == 1 ? 1 : (int)i + 1; /* the last one starts at 4 */
        if (attrs)
            quire_node_set_attr(a, l, "start", "9");
        quire_node *item = add(a, l, QUIRE_NODE_ITEM);
        add_text(a, add(a, item, QUIRE_NODE_PARAGRAPH), "one");
        item = add(a, l, QUIRE_NODE_ITEM);
        item->flags = QUIRE_NODE_FLAG_TASK | (i % 2 ? QUIRE_NODE_FLAG_CHECKED : 0);
        add_text(a, add(a, item, QUIRE_NODE_PARAGRAPH), "two");
    }
    quire_node *pre = add(a, root, QUIRE_NODE_CODE_BLOCK);
    pre->info = "c";
    pre->literal = "a&b\n";
    add(a, root, QUIRE_NODE_THEMATIC_BREAK);
    if (attrs) {
        for (const quire_node *n = root->first_child; n; n = quire__node_next(root, n))
            if (n->type != QUIRE_NODE_TEXT && n->type != QUIRE_NODE_TABLE_CELL)
                quire_node_set_attr(a, (quire_node *)n, "class", "k");
    }
    return root;
}

static void test_render_typed_tags(void)
{
    static const char plain[] =
        "<h1>h</h1>\n"
        "<h1>h</h1>\n"
        "<h3>h</h3>\n"
        "<h6>h</h6>\n"
        "<h6>h</h6>\n"
        "<p><em><strong>s</strong><del>d</del><code>x&lt;y</code><a href=\"u\" title=\"t\">l</a><img src=\"i.png\" alt=\"alt\" width=\"2\"></em></p>\n"
        "<blockquote>\n"
        "<em><strong>s</strong><del>d</del><code>x&lt;y</code><a href=\"u\" title=\"t\">l</a><img src=\"i.png\" alt=\"alt\" width=\"2\"></em></blockquote>\n"
        "<figure><figcaption>cap</figcaption></figure>\n"
        "<table>\n"
        "<thead>\n"
        "<tr><th>c</th><th style=\"text-align: left\">c</th><th style=\"text-align: center\">c</th><th style=\"text-align: right\">c</th></tr>\n"
        "</thead>\n"
        "<tbody>\n"
        "<tr><td>c</td><td style=\"text-align: left\">c</td><td style=\"text-align: center\">c</td><td style=\"text-align: right\">c</td></tr>\n"
        "<tr><td>c</td><td style=\"text-align: left\">c</td><td style=\"text-align: center\">c</td><td style=\"text-align: right\">c</td></tr>\n"
        "</tbody>\n"
        "</table>\n"
        "<ul>\n"
        "<li><p>one</p></li>\n"
        "<li>\xE2\x98\x90"
        " <p>two</p></li>\n"
        "</ul>\n"
        "<ol>\n"
        "<li><p>one</p></li>\n"
        "<li>\xE2\x98\x91"
        " <p>two</p></li>\n"
        "</ol>\n"
        "<ul>\n"
        "<li>one</li>\n"
        "<li>\xE2\x98\x90"
        " two</li>\n"
        "</ul>\n"
        "<ol start=\"4\">\n"
        "<li>one</li>\n"
        "<li>\xE2\x98\x91"
        " two</li>\n"
        "</ol>\n"
        "<pre><code class=\"language-c\">a&amp;b\n"
        "</code></pre>\n"
        "<hr>\n";
    static const char with_attrs_xhtml[] =
        "<h1 class=\"k\">h</h1>\n"
        "<h1 class=\"k\">h</h1>\n"
        "<h3 class=\"k\">h</h3>\n"
        "<h6 class=\"k\">h</h6>\n"
        "<h6 class=\"k\">h</h6>\n"
        "<p class=\"k\"><em class=\"k\"><strong class=\"k\">s</strong><del class=\"k\">d</del><code class=\"k\">x&lt;y</code><a class=\"k\" href=\"u\" title=\"t\">l</a><img loading=\"lazy\" class=\"k\" src=\"i.png\" alt=\"alt\" width=\"2\" /></em></p>\n"
        "<blockquote class=\"k\">\n"
        "<em class=\"k\"><strong class=\"k\">s</strong><del class=\"k\">d</del><code class=\"k\">x&lt;y</code><a class=\"k\" href=\"u\" title=\"t\">l</a><img loading=\"lazy\" class=\"k\" src=\"i.png\" alt=\"alt\" width=\"2\" /></em></blockquote>\n"
        "<figure class=\"k\"><figcaption class=\"k\">cap</figcaption></figure>\n"
        "<table class=\"k\">\n"
        "<thead>\n"
        "<tr class=\"k\"><th style=\"color: red\" align=\"left\" class=\"k\">c</th><th class=\"k\" style=\"text-align: left\">c</th><th class=\"k\" style=\"text-align: center\">c</th><th class=\"k\" style=\"text-align: right\">c</th></tr>\n"
        "</thead>\n"
        "<tbody>\n"
        "<tr class=\"k\"><td style=\"color: red\" align=\"left\" class=\"k\">c</td><td class=\"k\" style=\"text-align: left\">c</td><td class=\"k\" style=\"text-align: center\">c</td><td class=\"k\" style=\"text-align: right\">c</td></tr>\n"
        "<tr class=\"k\"><td style=\"color: red\" align=\"left\" class=\"k\">c</td><td class=\"k\" style=\"text-align: left\">c</td><td class=\"k\" style=\"text-align: center\">c</td><td class=\"k\" style=\"text-align: right\">c</td></tr>\n"
        "</tbody>\n"
        "</table>\n"
        "<ul class=\"k\">\n"
        "<li class=\"k\"><p class=\"k\">one</p></li>\n"
        "<li class=\"k\">\xE2\x98\x90"
        " <p class=\"k\">two</p></li>\n"
        "</ul>\n"
        "<ol class=\"k\">\n"
        "<li class=\"k\"><p class=\"k\">one</p></li>\n"
        "<li class=\"k\">\xE2\x98\x91"
        " <p class=\"k\">two</p></li>\n"
        "</ol>\n"
        "<ul class=\"k\">\n"
        "<li class=\"k\">one</li>\n"
        "<li class=\"k\">\xE2\x98\x90"
        " two</li>\n"
        "</ul>\n"
        "<ol class=\"k\" start=\"4\">\n"
        "<li class=\"k\">one</li>\n"
        "<li class=\"k\">\xE2\x98\x91"
        " two</li>\n"
        "</ol>\n"
        "<pre class=\"k\"><code class=\"language-c\">a&amp;b\n"
        "</code></pre>\n"
        "<hr class=\"k\" />\n";
    quire_arena *a = quire_arena_new();
    quire_buf b;
    quire__buf_init(&b);
    for (int attrs = 0; attrs < 2; attrs++) {
        quire_render_opts o = {.xhtml = attrs};
        quire__buf_reset(&b);
        quire__render_html(&b, typed_tree(a, attrs), &o);
        CHECK_STR(quire__buf_cstr(&b), attrs ? with_attrs_xhtml : plain);
    }
    /* an embed's children (fallback content) are not rendered, as a void
     * element's; an empty container is still closed */
    quire_node *root = quire_node_new(a, QUIRE_NODE_ROOT, 1, 1);
    quire_node *embed = add(a, root, QUIRE_NODE_EMBED);
    embed->url = "https://v.example/e";
    embed->title = "T";
    add_text(a, embed, "fallback");
    quire_node *br = add(a, add(a, root, QUIRE_NODE_PARAGRAPH), QUIRE_NODE_HTML_INLINE);
    br->name = "br";
    add_text(a, br, "inside");
    add(a, root, QUIRE_NODE_BLOCKQUOTE);
    for (int keep = 0; keep < 2; keep++) {
        quire_render_opts o = {.keep_embeds = keep};
        quire__buf_reset(&b);
        quire__render_html(&b, root, &o);
        CHECK_STR(quire__buf_cstr(&b),
                  keep ? "<iframe src=\"https://v.example/e\" title=\"T\"></iframe>\n"
                         "<p><br></p>\n<blockquote>\n</blockquote>\n"
                       : "<p class=\"embed\"><a href=\"https://v.example/e\">T</a></p>\n"
                         "<p><br></p>\n<blockquote>\n</blockquote>\n");
    }
    quire__buf_free(&b);
    quire_arena_free(a);
}

/* The renderer's names, as it judged them before it measured them in the
 * same pass (render_html.c): a well-formed XML name, ':' allowed after the
 * first byte in attributes and not at all in elements. */
static bool ref_name_ok(const char *n, bool colon_ok)
{
    if (!n || !*n || !((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || *n == '_'))
        return false;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.' || *p == ':'))
            return false;
    return colon_ok || !strchr(n, ':');
}

static bool ref_is_void(const char *name)
{
    static const char *const voids[] = {"area", "base", "br", "col", "embed", "hr", "img",
                                        "input", "link", "meta", "param", "source", "track",
                                        "wbr"};
    for (size_t i = 0; i < sizeof voids / sizeof *voids; i++)
        if (strcmp(name, voids[i]) == 0)
            return true;
    return false;
}

/* Random element and attribute names and values (plain bytes, so that
 * escaping is the identity) rendered with and without an id prefix, against
 * the straightforward rules written out here. */
static void test_render_names(void)
{
    static const char *const pieces[] = {"a", "b", "r", "i", "d", "h", "f", "e", "m", "g",
                                         "id", "href", "br", "img", "hr", "wbr", "input",
                                         "X", "_", "-", ".", ":", "0", "9", " ", "<", "#"};
    uint32_t x = 2463534242u;
    quire_arena *a = quire_arena_new();
    quire_buf got, want;
    quire__buf_init(&got);
    quire__buf_init(&want);
    for (int round = 0; round < 20000; round++) {
        char name[64], an[2][32], av[2][32];
        check_random_text(name, sizeof name, &x, pieces, sizeof pieces / sizeof *pieces);
        for (int k = 0; k < 2; k++) {
            check_random_text(an[k], sizeof an[k], &x, pieces, sizeof pieces / sizeof *pieces);
            check_random_text(av[k], sizeof av[k], &x, pieces, 10); /* letters only */
        }
        /* some rounds name the attributes the prefix rewrites */
        if (round % 3 == 0)
            strcpy(an[0], "id");
        if (round % 5 == 0)
            strcpy(an[1], "href"), av[1][0] = '#';
        quire_node *root = quire_node_new(a, QUIRE_NODE_ROOT, 1, 1);
        quire_node *el = add(a, root, round % 2 ? QUIRE_NODE_HTML_INLINE : QUIRE_NODE_HTML_BLOCK);
        el->name = round % 97 == 0 ? NULL : name;
        quire_attr *last = NULL;
        for (int k = 0; k < 2; k++) { /* appended as is: duplicates and bad names kept */
            quire_attr *at = quire_arena_alloc(a, sizeof *at);
            at->name = an[k];
            at->value = round % 7 == k ? NULL : av[k];
            at->next = NULL;
            *(last ? &last->next : &el->attrs) = at;
            last = at;
        }
        quire_node_append(el, quire_node_new_text(a, "t", 1, 1, 1));
        const char *prefix = round % 4 == 0 ? "p-" : NULL;
        quire_render_opts o = {.xhtml = round % 8 < 4, .id_prefix = prefix};
        quire__buf_reset(&got);
        quire__render_html(&got, root, &o);

        quire__buf_reset(&want);
        bool ok = ref_name_ok(el->name, false), is_void = ok && ref_is_void(name);
        if (ok) {
            quire__buf_printf(&want, "<%s", name);
            for (int k = 0; k < 2; k++) {
                const char *v = round % 7 == k ? NULL : av[k];
                if (!v || !ref_name_ok(an[k], true))
                    continue;
                bool is_frag = !strcmp(an[k], "href") && v[0] == '#';
                if (prefix && (is_frag || !strcmp(an[k], "id")))
                    quire__buf_printf(&want, " %s=\"%s%s%s\"", an[k], is_frag ? "#" : "", prefix,
                                      v + is_frag);
                else
                    quire__buf_printf(&want, " %s=\"%s\"", an[k], v);
            }
            quire__buf_puts(&want, is_void && o.xhtml ? " />" : ">");
        }
        if (!is_void)
            quire__buf_putc(&want, 't');
        if (ok && !is_void)
            quire__buf_printf(&want, "</%s>", name);
        if (el->type == QUIRE_NODE_HTML_BLOCK)
            quire__buf_putc(&want, '\n');
        CHECK_STR(quire__buf_cstr(&got), quire__buf_cstr(&want));
        if (round % 100 == 0) {
            /* a new buffer (the renderer reserves its first size) and one
             * that holds bytes already (appended to) give the same HTML */
            quire_buf fresh;
            quire__buf_init(&fresh);
            quire__render_html(&fresh, root, &o);
            CHECK_STR(quire__buf_cstr(&fresh), quire__buf_cstr(&got));
            quire__buf_reset(&fresh);
            quire__buf_puts(&fresh, "x");
            quire__render_html(&fresh, root, &o);
            CHECK(fresh.len == got.len + 1 && fresh.data[0] == 'x' &&
                  memcmp(fresh.data + 1, got.data, got.len) == 0);
            quire__buf_free(&fresh);
        }
        if (check_failures)
            break;
    }
    quire__buf_free(&got);
    quire__buf_free(&want);
    quire_arena_free(a);
}

static void test_text_escapers(void)
{
    /* Every byte (but NUL), at every offset of a 16-byte block and around it. */
    char s[48];
    for (int byte = 1; byte < 256; byte++) {
        for (size_t at = 0; at < 40; at += (at < 20 ? 1 : 7)) {
            memset(s, 'a', sizeof s);
            s[40] = '\0';
            s[at] = (char)byte;
            CHECK(render_text_matches(s, false));
            CHECK(render_text_matches(s, true));
        }
    }
    /* Every length to three blocks, a special byte at every position: the
     * last 1-15 bytes are looked at in one load of the final 16, which
     * overlaps bytes checked already. */
    static const unsigned char specials[] = {'&', '<', '>', '"', '\'', '\n', 0x01, 0x7f, 0x80, 0xe2, 0xff};
    for (size_t len = 1; len < sizeof s && !check_failures; len++) {
        for (size_t at = 0; at < len; at++) {
            for (size_t k = 0; k < sizeof specials; k++) {
                memset(s, 'a', sizeof s);
                s[len] = '\0';
                s[at] = (char)specials[k];
                if (at + 1 < len && k % 2)
                    s[at + 1] = (char)specials[(k + 5) % sizeof specials];
                CHECK(render_text_matches(s, k % 3 == 0));
            }
        }
    }
    /* Random mixes of plain text, specials, valid and broken UTF-8. */
    static const char *const pieces[] = {
        "a", "bcdefgh", " ", "0123456789abcdef", "\"", "'", "<", ">", "&", "\n", "\t", "\r",
        "\x01", "\x1f", "\x7f", "\xc2\x80", "\xc3\xa9", "\xe2\x82\xac", "\xe4\xb8\xad",
        "\xef\xbf\xbe", "\xef\xb7\x90", "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xc3", "\xe4\xb8",
        "\xff", "\x80", "\xc0\xaf"};
    const size_t np = sizeof pieces / sizeof pieces[0];
    uint32_t x = 2463534242u;
    char buf[512];
    for (int round = 0; round < 3000; round++) {
        check_random_text(buf, sizeof buf, &x, pieces, np);
        CHECK(render_text_matches(buf, round & 1));
    }
}

/* The 16-byte scan of the text escapers finds & " and < > with one compare
 * a pair (quire__sse_amp_quot_lt_gt: v | 4 == '&', v | 2 == '>'): each of
 * them and every byte one bit away from them ($ ' . 8 : = ? ...), with
 * controls, DEL, bytes >= 0x80 and broken UTF-8, at every offset of every
 * length to three blocks, so every block, tail and the scalar path below
 * 16 bytes see each of them; one or two of them in a line. */
static void test_text_escapers_near_misses(void)
{
    check_near_misses(render_text_matches);
    const int before = check_failures;
    char s[50];
    /* a whole valid character (é, €) across every offset, before a special */
    for (size_t len = 4; len <= 48 && check_failures - before < 8; len++) {
        for (size_t at = 0; at + 4 <= len; at++) {
            memset(s, 'a', sizeof s);
            s[len] = '\0';
            memcpy(s + at, (at & 1) ? "\xc3\xa9<" : "\xe2\x82\xac", 3); /* 3 bytes each */
            CHECK(render_text_matches(s, (at & 2) != 0));
        }
    }
}

/* Writes a small file (for the folder walk test). */
static void put_file(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("# x\n", f);
        fclose(f);
    }
}

/* The folder walk: files in byte order of their paths, folders walked,
 * a symlinked file read, a symlinked folder not followed (no cycles),
 * broken links, fifos and hidden or housekeeping names left out.  The walk
 * takes plain files and folders from readdir's d_type without stat; this
 * checks it decides as stat would, for every kind of entry. */
static void test_folder_walk(void)
{
    char tmpl[] = "/tmp/quire-walk-XXXXXX", away_tmpl[] = "/tmp/quire-away-XXXXXX";
    char *dir = mkdtemp(tmpl), *away = mkdtemp(away_tmpl);
    CHECK(dir && away);
    if (!dir || !away)
        return;
    char p[512], q[512];
    put_file(dir, "b.md");
    put_file(dir, "a.md");
    put_file(dir, ".hidden.md");
    put_file(dir, "README.md");
    snprintf(p, sizeof p, "%s/sub", dir);
    CHECK(mkdir(p, 0777) == 0);
    put_file(p, "c.md");
    snprintf(p, sizeof p, "%s/sub/deeper", dir);
    CHECK(mkdir(p, 0777) == 0);
    put_file(p, "d.md");
    put_file(away, "target.md");
    put_file(away, "beyond.md");
    snprintf(q, sizeof q, "%s/target.md", away);
    snprintf(p, sizeof p, "%s/linked.md", dir);
    CHECK(symlink(q, p) == 0);
    snprintf(p, sizeof p, "%s/linked-folder", dir);
    CHECK(symlink(away, p) == 0);
    snprintf(p, sizeof p, "%s/loop", dir);
    CHECK(symlink(dir, p) == 0);
    snprintf(p, sizeof p, "%s/broken.md", dir);
    CHECK(symlink("/nonexistent/quire-walk", p) == 0);
    snprintf(p, sizeof p, "%s/pipe.md", dir);
    CHECK(mkfifo(p, 0600) == 0);

    const char *roots[] = {dir};
    quire__file_list files;
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    CHECK(quire__list_files(roots, 1, &files, &diags) == 0);
    static const char *const want[] = {"a.md", "b.md", "linked.md", "sub/c.md", "sub/deeper/d.md"};
    CHECK(files.count == sizeof want / sizeof *want);
    for (size_t i = 0; i < files.count && i < sizeof want / sizeof *want; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, want[i]);
        CHECK_STR(files.items[i].path, p);
        CHECK_STR(files.items[i].id_path, want[i]);
        CHECK(!files.items[i].explicit_file);
    }
    CHECK(diags.count == 0);
    quire__file_list_free(&files);
    quire_diag_list_free(&diags);

    static const char *const names[] = {"b.md", "a.md", ".hidden.md", "README.md", "sub/c.md",
                                        "sub/deeper/d.md", "linked.md", "linked-folder", "loop",
                                        "broken.md", "pipe.md"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        CHECK(unlink(p) == 0);
    }
    snprintf(p, sizeof p, "%s/sub/deeper", dir);
    CHECK(rmdir(p) == 0);
    snprintf(p, sizeof p, "%s/sub", dir);
    CHECK(rmdir(p) == 0);
    CHECK(rmdir(dir) == 0);
    snprintf(p, sizeof p, "%s/target.md", away);
    CHECK(unlink(p) == 0);
    snprintf(p, sizeof p, "%s/beyond.md", away);
    CHECK(unlink(p) == 0);
    CHECK(rmdir(away) == 0);
}

/* ---- the ordered worker pool ---- */

typedef struct pool_probe {
    size_t next;              /* the item the consumer expects */
    size_t fail_at;           /* consume returns an error there (SIZE_MAX: never) */
    atomic_size_t live;       /* produced or being produced, not consumed */
    atomic_size_t max_live;
    bool in_order;
} pool_probe;

static void *probe_produce(void *ctx, size_t i)
{
    pool_probe *pp = ctx;
    size_t live = atomic_fetch_add(&pp->live, 1) + 1;
    size_t seen = atomic_load(&pp->max_live);
    while (live > seen && !atomic_compare_exchange_weak(&pp->max_live, &seen, live))
        ;
    /* uneven work, so that items finish out of order */
    volatile unsigned spin = 0;
    for (unsigned k = 0; k < (unsigned)(i * 2654435761u % 4000); k++)
        spin += k;
    size_t *item = malloc(sizeof *item);
    if (item)
        *item = i;
    return item;
}

static int probe_consume(void *ctx, size_t i, void *item)
{
    pool_probe *pp = ctx;
    size_t *v = item;
    pp->in_order &= i == pp->next && v && *v == i;
    pp->next++;
    free(v);
    atomic_fetch_sub(&pp->live, 1);
    return i == pp->fail_at ? QUIRE_ERR_IO : QUIRE_OK;
}

/* Every item is consumed once, in order, whatever the threads and the
 * window; no more than the window (plus the item being consumed) is ever
 * in flight; the first consume error is returned and the rest still run. */
static void test_ordered_pool(void)
{
    static const int jobs[] = {1, 2, 3, 8};
    static const size_t windows[] = {0, 1, 2, 3, 16, 64};
    static const size_t counts[] = {0, 1, 2, 7, 100, 3000};
    for (size_t j = 0; j < sizeof jobs / sizeof *jobs; j++)
        for (size_t w = 0; w < sizeof windows / sizeof *windows; w++)
            for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
                pool_probe pp = {.fail_at = SIZE_MAX, .in_order = true};
                int rc = quire__run_ordered(counts[c], jobs[j], windows[w], probe_produce,
                                            probe_consume, NULL, &pp);
                size_t window = (size_t)jobs[j] * (windows[w] < 2 ? 2 : windows[w]);
                CHECK(rc == QUIRE_OK && pp.in_order && pp.next == counts[c]);
                CHECK(atomic_load(&pp.live) == 0);
                if (jobs[j] > 1)
                    CHECK(atomic_load(&pp.max_live) <= window + 1);
            }
    pool_probe pp = {.fail_at = 5, .in_order = true};
    CHECK(quire__run_ordered(50, 2, 4, probe_produce, probe_consume, NULL, &pp) == QUIRE_ERR_IO);
    CHECK(pp.in_order && pp.next == 50);
}

/* With a release function, the consumer only uses items, and each is freed
 * once, after its consume, by the thread that made it (the consumer frees
 * the last one, and those its maker had no more turn to free), while
 * consumed-but-unfreed items stay within a bound. */
typedef struct release_item {
    size_t i;
    pthread_t maker;
    atomic_int consumed, released;
} release_item;

typedef struct release_probe {
    size_t next, n;
    pthread_t consumer;
    atomic_size_t unreleased, max_unreleased, by_maker, by_consumer, by_other, early;
    release_item **seen; /* every item, to check the counts at the end */
    bool in_order;
} release_probe;

static void *rel_produce(void *ctx, size_t i)
{
    release_probe *rp = ctx;
    volatile unsigned spin = 0;
    for (unsigned k = 0; k < (unsigned)(i * 2654435761u % 3000); k++)
        spin += k;
    release_item *it = calloc(1, sizeof *it);
    if (it) {
        it->i = i;
        it->maker = pthread_self();
        rp->seen[i] = it;
    }
    return it;
}

static int rel_consume(void *ctx, size_t i, void *item)
{
    release_probe *rp = ctx;
    release_item *it = item;
    rp->in_order &= i == rp->next && it && it->i == i;
    rp->next++;
    if (it)
        atomic_fetch_add(&it->consumed, 1);
    size_t u = atomic_fetch_add(&rp->unreleased, 1) + 1;
    size_t seen = atomic_load(&rp->max_unreleased);
    while (u > seen && !atomic_compare_exchange_weak(&rp->max_unreleased, &seen, u))
        ;
    return QUIRE_OK;
}

static void rel_release(void *ctx, void *item)
{
    release_probe *rp = ctx;
    release_item *it = item;
    if (!it)
        return;
    if (atomic_load(&it->consumed) != 1)
        atomic_fetch_add(&rp->early, 1);
    atomic_fetch_add(&it->released, 1);
    atomic_fetch_sub(&rp->unreleased, 1);
    if (pthread_equal(pthread_self(), it->maker))
        atomic_fetch_add(&rp->by_maker, 1);
    else if (pthread_equal(pthread_self(), rp->consumer))
        atomic_fetch_add(&rp->by_consumer, 1);
    else
        atomic_fetch_add(&rp->by_other, 1);
}

static void test_ordered_pool_release(void)
{
    static const int jobs[] = {1, 2, 3, 8};
    static const size_t windows[] = {0, 2, 3, 16, 64};
    static const size_t counts[] = {0, 1, 2, 7, 100, 5000};
    for (size_t j = 0; j < sizeof jobs / sizeof *jobs; j++)
        for (size_t w = 0; w < sizeof windows / sizeof *windows; w++)
            for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
                size_t n = counts[c];
                release_probe rp = {.n = n, .consumer = pthread_self(), .in_order = true};
                rp.seen = calloc(n + 1, sizeof *rp.seen);
                CHECK(rp.seen != NULL);
                int rc = quire__run_ordered(n, jobs[j], windows[w], rel_produce, rel_consume,
                                            rel_release, &rp);
                CHECK(rc == QUIRE_OK && rp.in_order && rp.next == n);
                CHECK(atomic_load(&rp.unreleased) == 0 && atomic_load(&rp.early) == 0);
                CHECK(atomic_load(&rp.by_other) == 0);
                CHECK(atomic_load(&rp.by_maker) + atomic_load(&rp.by_consumer) == n);
                size_t window = (size_t)jobs[j] * (windows[w] < 2 ? 2 : windows[w]);
                if (jobs[j] > 1 && n > 1) {
                    /* Each worker's list holds what it made that was in
                     * the window at its last turn, and one more (window +
                     * 2 with the slack); one list per worker is being
                     * freed while the other fills. */
                    size_t js = (size_t)jobs[j];
                    CHECK(atomic_load(&rp.max_unreleased) <= 2 * js * (window + 2) + 1);
                    /* The consumer frees only the tail: the last item, and
                     * the workers' lists when they ended. */
                    CHECK(atomic_load(&rp.by_consumer) <= js * (window + 2) + 1);
                }
                for (size_t i = 0; i < n; i++) {
                    CHECK(rp.seen[i] && atomic_load(&rp.seen[i]->consumed) == 1 &&
                          atomic_load(&rp.seen[i]->released) == 1);
                    free(rp.seen[i]);
                }
                free(rp.seen);
            }
}

/* The decimal formatter against snprintf's "%0*llu", at the edges and at
 * random. */
static void test_fmt_uint(void)
{
    static const uint64_t edges[] = {0, 1, 9, 10, 99, 100, 12345, 99999, 100000,
                                     UINT32_MAX, (uint64_t)UINT32_MAX + 1, UINT64_MAX / 10,
                                     UINT64_MAX - 1, UINT64_MAX};
    uint64_t x = 88172645463325252ull;
    for (size_t k = 0; k < 200000; k++) {
        uint64_t v;
        if (k < sizeof edges / sizeof *edges) {
            v = edges[k];
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
            v = x >> (x % 64);
        }
        int width = (int)(k % 23);
        char want[32], got[24];
        int n = snprintf(want, sizeof want, "%0*llu", width, (unsigned long long)v);
        memset(got, 'x', sizeof got);
        size_t len = quire__fmt_uint(got, v, width);
        CHECK(len == (size_t)n && strcmp(got, want) == 0);
    }
}

/* Slabs (arena.c): arenas whose first block is carved from a shared slab
 * hand out zeroed memory like any other, grow into blocks of their own,
 * and the slab lives until its maker and every arena on it let go, freed
 * from whichever thread is last (ASan checks the frees). */
typedef struct slab_half {
    quire_arena **arenas;
    size_t from, step, n;
} slab_half;

static void *slab_free_half(void *arg)
{
    slab_half *h = arg;
    for (size_t i = h->from; i < h->n; i += h->step)
        quire_arena_free(h->arenas[i]);
    return NULL;
}

static void test_slab(void)
{
    quire__slab *s = quire__slab_new(8192);
    CHECK(s != NULL);
    if (!s)
        return;
    quire_arena *arenas[64];
    size_t n = 0;
    for (; n < 64; n++) {
        size_t first = 64 + 48 * (n % 7);
        void *mem = quire__slab_carve(s, first);
        if (!mem)
            break;
        memset(mem, 0xAA, first + 32); /* garbage where the arena will hand out zeros */
        arenas[n] = quire__arena_new_on(s, mem, first);
        CHECK(arenas[n] != NULL);
    }
    CHECK(n > 20 && n < 64); /* the slab filled up: carve said no */
    CHECK(quire__slab_carve(s, 20000) == NULL);
    for (size_t i = 0; i < n; i++) {
        unsigned char *p = quire_arena_alloc(arenas[i], 40);
        bool zero = p != NULL;
        for (size_t k = 0; zero && k < 40; k++)
            zero = p[k] == 0;
        CHECK(zero);
        if (i % 3 == 0)
            CHECK(quire_arena_alloc(arenas[i], 5000) != NULL); /* a block of its own */
        if (i % 4 == 0)
            for (int k = 0; k < 50; k++) /* past the first block: new blocks */
                CHECK(quire_arena_strdup(arenas[i], "a string that fills blocks") != NULL);
    }
    quire__slab_release(s); /* the maker lets go first; the arenas keep it */
    slab_half a = {arenas, 0, 2, n}, b = {arenas, 1, 2, n};
    pthread_t t;
    bool threaded = pthread_create(&t, NULL, slab_free_half, &a) == 0;
    if (!threaded)
        slab_free_half(&a);
    slab_free_half(&b);
    if (threaded)
        pthread_join(t, NULL);
}

/* What the first pass keeps of each document (collect.c, compact): the
 * metadata and the front matter's top-level scalars, in an arena that wastes
 * at most a quarter of what it reserved or a small fixed slack.  Documents
 * with no front matter, tiny ones, and ones whose kept part is larger than
 * the arena's first block (a 6 KB description) all checked, on 1 and 3
 * threads; what is kept must equal what a full read gives. */
static size_t arena_reserved_bytes(const quire_arena *a)
{
    size_t n = 0;
    for (const quire__arena_block *b = a->head; b; b = b->prev)
        n += b->size;
    return n;
}

static void test_pass1_compact(void)
{
    char tmpl[] = "/tmp/quire-compact-XXXXXX";
    char *dir = mkdtemp(tmpl);
    CHECK(dir != NULL);
    if (!dir)
        return;
    enum { N = 48 };
    for (int k = 0; k < N; k++) {
        char p[512];
        snprintf(p, sizeof p, "%s/d%02d.md", dir, k);
        FILE *f = fopen(p, "w");
        CHECK(f != NULL);
        if (!f)
            continue;
        if (k % 12 != 5) {
            fprintf(f, "---\ntitle: Document %d\ntags: [a%d, b, c]\nnested: {x: 1, y: [1, 2]}\n", k, k);
            for (int j = 0; j < k * 3; j++) /* 0 to ~140 scalars */
                fprintf(f, "key%d: value %d %.*s\n", j, j, j % 40, "0123456789012345678901234567890123456789");
            if (k % 8 == 3) {
                fputs("description: \"", f);
                for (int j = 0; j < 6000; j++)
                    fputc('a' + j % 26, f);
                fputs("\"\n", f);
            }
            fputs("---\n", f);
        }
        fprintf(f, "# Heading %d\n\nBody text.\n", k);
        fclose(f);
    }
    const char *paths[] = {dir};
    for (int jobs = 1; jobs <= 3; jobs += 2) {
        quire_diag_list diags;
        quire_diag_list_init(&diags);
        quire__file_list files;
        CHECK(quire__list_files(paths, 1, &files, &diags) == 0);
        quire_collection *kept = quire_collection_new(), *full = quire_collection_new();
        quire_limits lim = {0};
        CHECK(quire__read_files(kept, &files, NULL, &lim, QUIRE_READ_HEADER_ONLY, jobs, &diags) == 0);
        CHECK(quire__read_files(full, &files, NULL, &lim, 0, jobs, &diags) == 0);
        CHECK(kept->count == N && full->count == N);
        for (size_t i = 0; i < kept->count && i < full->count; i++) {
            const quire_document *m = kept->docs[i], *d = full->docs[i];
            size_t used = quire_arena_used(m->arena), reserved = arena_reserved_bytes(m->arena);
            CHECK(reserved - used <= reserved / 4 || reserved - used <= 128);
            CHECK(m->body_deferred);
            CHECK_STR(m->title, d->title);
            CHECK_STR(m->slug, d->slug);
            CHECK_STR(m->summary ? m->summary : "", d->summary ? d->summary : "");
            CHECK(m->tags.count == d->tags.count);
            size_t scalars = 0, got = 0;
            for (const quire_value *v = d->extra ? d->extra->first : NULL; v; v = v->next)
                if (v->type != QUIRE_VALUE_MAPPING && v->type != QUIRE_VALUE_SEQUENCE) {
                    scalars++;
                    const quire_value *w = quire_value_get(m->extra, v->key);
                    CHECK(w && strcmp(quire_value_str(w), quire_value_str(v)) == 0);
                }
            for (const quire_value *v = m->extra ? m->extra->first : NULL; v; v = v->next)
                got++;
            CHECK(got == scalars);
        }
        quire_collection_free(kept);
        quire_collection_free(full);
        quire__file_list_free(&files);
        CHECK(diags.errors == 0);
        quire_diag_list_free(&diags);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

int main(void)
{
    test_dates();
    test_date_formats();
    test_urls();
    test_arena_and_values();
    test_arena_raw_and_zero();
    test_arena_sized();
    test_buf_reserved_empty();
    test_arena_zero_and_strings();
    test_clone_fidelity();
    test_clone_shared();
    test_text_nodes();
    test_nodes_and_render();
    test_render_typed_tags();
    test_render_names();
    test_text_escapers();
    test_text_escapers_near_misses();
    test_paths_and_sinks();
    test_bgq();
    test_sinks_background();
    test_outdir_manifest();
    test_outdir_planted_later();
    test_folder_walk();
    test_ordered_pool();
    test_ordered_pool_release();
    test_fmt_uint();
    test_slab();
    test_pass1_compact();
    test_chain_specs();
    return CHECK_DONE();
}
