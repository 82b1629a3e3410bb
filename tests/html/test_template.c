/* test_template.c — the html writer's template engine: variables escaped by
 * default, raw output, sections over lists, mappings and flags, inverted
 * sections, dotted names and list indexes, missing variables, and clear
 * errors with line and column for malformed templates. */
#include "check.h"
#include "buf_match.h"
#include "template.h"
#include "html_internal.h"

/* src parsed; a parse error is a failed check (and NULL). */
static quire_tpl *parse_ok(const char *src)
{
    quire_tpl *t = NULL;
    char err[256];
    uint32_t line, col;
    if (quire__tpl_parse(&t, src, strlen(src), err, sizeof err, &line, &col) != QUIRE_OK) {
        fprintf(stderr, "unexpected parse error %u:%u: %s\n", line, col, err);
        check_failures++;
        return NULL;
    }
    return t;
}

static char *render(const char *src, const quire_value *data)
{
    quire_tpl *t = parse_ok(src);
    if (!t)
        return NULL;
    quire_buf b;
    quire__buf_init(&b);
    quire__tpl_render(t, data, &b);
    quire__tpl_free(t);
    char *s = strdup(quire__buf_cstr(&b));
    quire__buf_free(&b);
    return s;
}

#define CHECK_RENDER(src, data, expected)         \
    do {                                          \
        char *got_ = render(src, data);           \
        CHECK_STR(got_, expected);                \
        free(got_);                               \
    } while (0)

static void check_error(const char *src, uint32_t eline, uint32_t ecol, const char *needle)
{
    quire_tpl *t = NULL;
    char err[256];
    uint32_t line = 0, col = 0;
    int rc = quire__tpl_parse(&t, src, strlen(src), err, sizeof err, &line, &col);
    CHECK(rc == QUIRE_ERR_PARSE);
    CHECK(t == NULL);
    if (line != eline || col != ecol || !strstr(err, needle))
        fprintf(stderr, "for %s: got %u:%u %s\n", src, line, col, err);
    CHECK(line == eline);
    CHECK(col == ecol);
    CHECK(strstr(err, needle) != NULL);
}

/* quire__tpl_escape scans 16 bytes at a time and keeps valid UTF-8 in the
 * copied run; this reference works byte by byte, as the code did before. */
static void ref_tpl_escape(quire_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c < 0x80) {
            if (c == '&') quire__buf_puts(b, "&amp;");
            else if (c == '<') quire__buf_puts(b, "&lt;");
            else if (c == '>') quire__buf_puts(b, "&gt;");
            else if (c == '"') quire__buf_puts(b, "&quot;");
            else if (c == '\'') quire__buf_puts(b, "&#39;");
            else if (c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7f)) quire__buf_putc(b, (char)c);
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
        if (quire__xml_char_ok(cp) && !(cp >= 0x80 && cp <= 0x9F) && !(cp >= 0xFDD0 && cp <= 0xFDEF) &&
            (cp & 0xFFFE) != 0xFFFE)
            quire__buf_put(b, s + i, k);
        i += k;
    }
}

static bool tpl_escape_matches(const char *s)
{
    quire_buf got, want;
    quire__buf_init(&got);
    quire__buf_init(&want);
    quire__tpl_escape(&got, s);
    ref_tpl_escape(&want, s);
    bool ok = bufs_match(&got, &want, "tpl escape");
    return ok;
}

/* tpl_plain_run finds & " and < > with one compare a pair
 * (quire__sse_amp_quot_lt_gt): each of them and every byte one bit away
 * from them ($ . : = ? ...), with ', DEL, controls, bytes >= 0x80 and
 * broken UTF-8, at every offset of every length 0..48: the 16-byte blocks,
 * the overlapping tail and the scalar path below 16 bytes. */
static bool tpl_escape_matches_any(const char *s, bool variant)
{
    (void)variant; /* one way of escaping */
    return tpl_escape_matches(s);
}

static void test_escape_near_misses(void)
{
    check_near_misses(tpl_escape_matches_any);
}

static void test_escape_reference(void)
{
    char s[48];
    for (int byte = 1; byte < 256; byte++) {
        for (size_t at = 0; at < 40; at += (at < 20 ? 1 : 7)) {
            memset(s, 'a', sizeof s);
            s[40] = '\0';
            s[at] = (char)byte;
            CHECK(tpl_escape_matches(s));
        }
    }
    /* Every length to three blocks and every position in it: past the
     * whole 16-byte blocks, the last 1-15 bytes are looked at in one load
     * of the final 16 that overlaps bytes checked already, so a special
     * byte must be found wherever it falls, and none reported twice. */
    static const unsigned char specials[] = {'&', '<', '>', '"', '\'', 0x01, 0x7f, 0x80, 0xc3, 0xff};
    for (size_t len = 1; len < sizeof s; len++) {
        for (size_t at = 0; at < len; at++) {
            for (size_t k = 0; k < sizeof specials; k++) {
                memset(s, 'a', sizeof s);
                s[len] = '\0';
                s[at] = (char)specials[k];
                CHECK(tpl_escape_matches(s));
                if (at + 1 < len) { /* a second one just after */
                    s[at + 1] = (char)specials[(k + 3) % sizeof specials];
                    CHECK(tpl_escape_matches(s));
                }
            }
        }
    }
    static const char *const pieces[] = {
        "a", "bcdefgh", " ", "0123456789abcdef", "\"", "'", "<", ">", "&", "\n", "\t", "\r",
        "\x01", "\x1f", "\x7f", "\xc2\x80", "\xc2\xa0", "\xc3\xa9", "\xe2\x82\xac", "\xe4\xb8\xad",
        "\xef\xbf\xbe", "\xef\xb7\x90", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xed\xa0\x80",
        "\xc3", "\xe4\xb8", "\xff", "\x80", "\xc0\xaf"};
    const size_t np = sizeof pieces / sizeof pieces[0];
    uint32_t x = 88172645u;
    char buf[512];
    for (int round = 0; round < 3000; round++) {
        check_random_text(buf, sizeof buf, &x, pieces, np);
        CHECK(tpl_escape_matches(buf));
    }
}

/* quire__html_json_quoted (the pages' JSON-LD) scans 16 bytes at a time
 * and the last 1-15 in one overlapping load; this reference is the byte
 * loop it replaced. */
static void ref_json_quoted(quire_buf *b, const char *s)
{
    quire__buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"') quire__buf_puts(b, "\\\"");
        else if (c == '\\') quire__buf_puts(b, "\\\\");
        else if (c == '\b') quire__buf_puts(b, "\\b");
        else if (c == '\f') quire__buf_puts(b, "\\f");
        else if (c == '\n') quire__buf_puts(b, "\\n");
        else if (c == '\r') quire__buf_puts(b, "\\r");
        else if (c == '\t') quire__buf_puts(b, "\\t");
        else if (c < 0x20 || c == '<' || c == '>' || c == '&') quire__buf_printf(b, "\\u%04x", c);
        else quire__buf_putc(b, (char)c);
    }
    quire__buf_putc(b, '"');
}

static bool json_quoted_matches(const char *s)
{
    quire_buf got, want;
    quire__buf_init(&got);
    quire__buf_init(&want);
    quire__buf_puts(&got, "x"); /* appends */
    quire__buf_puts(&want, "x");
    quire__html_json_quoted(&got, s);
    ref_json_quoted(&want, s);
    bool ok = bufs_match(&got, &want, "json quoted");
    return ok;
}

static void test_json_quoted_reference(void)
{
    /* every byte at every position of every length to three blocks */
    char s[48];
    for (size_t len = 0; len < sizeof s; len++) {
        for (size_t at = 0; at < (len ? len : 1); at++) {
            for (int byte = 1; byte < 256; byte += (len % 5 == 0 ? 1 : 13)) {
                memset(s, 'a', sizeof s);
                s[len] = '\0';
                if (len) {
                    s[at] = (char)byte;
                    if (at + 1 < len && byte % 2)
                        s[at + 1] = '"';
                }
                CHECK(json_quoted_matches(s));
            }
        }
    }
    static const char *const pieces[] = {
        "a", "bcdefgh", " ", "0123456789abcdef", "\"", "\\", "<", ">", "&", "\n", "\t", "\r", "\b",
        "\f", "\x01", "\x1f", "\x7f", "\xc2\x80", "\xc3\xa9", "\xe4\xb8\xad", "\xff", "\x80", "'", "/"};
    uint32_t x = 1234567u;
    char buf[512];
    for (int round = 0; round < 3000; round++) {
        check_random_text(buf, sizeof buf, &x, pieces, sizeof pieces / sizeof pieces[0]);
        CHECK(json_quoted_matches(buf));
    }
}

/* A small LCG, so runs repeat. */
static uint32_t memo_rand(uint32_t *x, uint32_t n)
{
    *x = *x * 1103515245u + 12345u;
    return (*x >> 8) % n;
}

static const char *const memo_words[] = {"", "a", "b&", "a", "<c>", "true"};
#define MEMO_NW (sizeof memo_words / sizeof memo_words[0])

/* An item of a listing: a random subset of the names the templates use
 * (so some fall through to the page), or now and then a plain scalar. */
static quire_value *memo_item(quire_arena *a, uint32_t *x)
{
    if (memo_rand(x, 8) == 0)
        return quire_value_new_scalar(a, QUIRE_VALUE_STRING, "s<", 2);
    quire_value *m = quire__tpl_map(a);
    static const char *const keys[] = {"title", "summary", "root", "flag", "mark"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (memo_rand(x, 2))
            quire__tpl_set(a, m, keys[k], memo_words[memo_rand(x, MEMO_NW)]);
    if (memo_rand(x, 2)) {
        quire_value *tags = quire__tpl_list(a);
        for (uint32_t n = memo_rand(x, 3); n; n--) {
            if (memo_rand(x, 5) == 0) { /* a null item that stands for nothing */
                quire_value_append(a, tags, NULL, quire_value_new(a, QUIRE_VALUE_NULL));
                continue;
            }
            quire_value *t = quire__tpl_map(a);
            if (memo_rand(x, 3))
                quire__tpl_set(a, t, "name", memo_words[memo_rand(x, MEMO_NW)]);
            quire_value_append(a, tags, NULL, t);
        }
        quire__tpl_put(a, m, "tags", tags);
    }
    return m;
}

/* A page: its own fields (in the page's arena, freed after it, so later
 * pages reuse the addresses) and a list of some of the shared items. */
static quire_value *memo_page(quire_arena *pa, quire_value **items, size_t n_items, uint32_t *x)
{
    quire_value *d = quire__tpl_map(pa);
    static const char *const keys[] = {"summary", "root", "flag", "title", "mark"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (memo_rand(x, 3))
            quire__tpl_set(pa, d, keys[k], memo_words[memo_rand(x, MEMO_NW)]);
    if (memo_rand(x, 4) == 0)
        quire__tpl_flag(pa, d, "flag");
    if (memo_rand(x, 2)) {
        quire_value *site = quire__tpl_map(pa);
        quire__tpl_set(pa, site, "title", memo_words[memo_rand(x, MEMO_NW)]);
        quire__tpl_put(pa, d, "site", site);
    }
    quire_value *list = quire__tpl_list(pa);
    bool used[16] = {false};
    for (uint32_t n = memo_rand(x, 6); n; n--) {
        uint32_t i = memo_rand(x, (uint32_t)n_items);
        if (used[i])
            continue; /* an item is in one list at a time */
        used[i] = true;
        quire_value_append(pa, list, NULL, items[i]);
    }
    quire__tpl_put(pa, d, "entries", list);
    return d;
}

/* Stand-ins for the items: memo_stand[i] stands for memo_real[i], made
 * afresh (a copy) each time a render reads it, so a render that kept a
 * made value too long reads freed memory. */
static quire_value memo_stand[16];
static quire_value *memo_real[16];
static size_t memo_made;

static const quire_value *memo_expand(void *user, quire_arena *a, const quire_value *item)
{
    (void)user;
    for (size_t i = 0; i < 16; i++) {
        if (item == &memo_stand[i]) {
            memo_made++;
            return quire_value_clone(a, memo_real[i]);
        }
    }
    return item;
}

/* d with each item of its entries list replaced by its stand-in. */
static void memo_use_stand_ins(quire_value *d)
{
    quire_value *list = (quire_value *)quire_value_get(d, "entries");
    quire_value *first = NULL, *last = NULL;
    for (quire_value *c = list->first, *next; c; c = next) {
        next = c->next;
        quire_value *s = c;
        for (size_t i = 0; i < 16; i++)
            if (c == memo_real[i])
                s = &memo_stand[i];
        s->next = NULL;
        if (last)
            last->next = s;
        else
            first = s;
        last = s;
    }
    list->first = first;
    list->last = last;
}

/* The memo must never change a rendering: each page rendered through it
 * and without it, for templates whose items look up names the page has
 * (scalars that change between pages, a mapping, the same addresses
 * reused), dotted, inverted, nested and "." lookups.  The same through a
 * memo whose list items are stand-ins (quire__tpl_memo_expand), and
 * through that memo with a template it was not made for (stand-ins read,
 * nothing kept). */
static void test_memo_matches_plain(void)
{
    static const char *const templates[] = {
        "{{#entries}}<{{title}}|{{summary}}|{{root}}>{{/entries}}",
        "{{#entries}}{{#flag}}F{{.}}{{/flag}}{{^summary}}none{{/summary}}{{mark}}{{/entries}}",
        "{{#entries}}{{site.title}}{{#site}}[{{title}}]{{/site}}{{/entries}}",
        "{{title}}{{#entries}}{{#tags}}({{name}}{{root}}){{/tags}}{{^tags}}-{{/tags}}{{/entries}}",
        "{{#entries}}{{.}}{{#entries}}in{{title}}{{/entries}}{{/entries}}{{#flag}}{{#entries}}{{title}}{{/entries}}{{/flag}}",
        "{{#entries}}{{#summary}}{{#root}}{{flag}}{{/root}}{{/summary}}{{tags.0.name}}{{/entries}}",
        "{{entries.1.title}}{{#entries.0}}<{{title}}{{#entries}}{{summary}}{{/entries}}>{{/entries.0}}"
        "{{#entries}}[{{entries.0.title}}{{title}}]{{/entries}}{{^entries}}empty{{/entries}}",
        "{{#entries}}{{#entries}}{{#tags}}{{name}}{{/tags}}{{/entries}}|{{.}}{{/entries}}",
    };
    quire_tpl *other = parse_ok("{{#entries}}({{title}}{{entries.0.mark}}){{/entries}}");
    uint32_t x = 20240611u;
    for (size_t ti = 0; ti < sizeof templates / sizeof templates[0]; ti++) {
        quire_tpl *t = parse_ok(templates[ti]);
        quire_tpl_memo *memo = quire__tpl_memo_new(t, "entries");
        quire_tpl_memo *lazy = quire__tpl_memo_new(t, "entries");
        CHECK(memo != NULL && lazy != NULL);
        quire__tpl_memo_expand(lazy, memo_expand, NULL);
        quire_arena *a = quire_arena_new();
        quire_value *items[16];
        for (size_t i = 0; i < 16; i++)
            items[i] = memo_real[i] = memo_item(a, &x);
        size_t hits = 0;
        for (int page = 0; page < 400; page++) {
            quire_arena *pa = quire_arena_new();
            quire_value *d = memo_page(pa, items, 16, &x);
            quire_buf want, got, want2;
            quire__buf_init(&want);
            quire__buf_init(&got);
            quire__buf_init(&want2);
            quire__tpl_render(t, d, &want);
            quire__tpl_render(other, d, &want2);
            quire__tpl_render_memo(t, NULL, d, memo, &got);
            if (strcmp(quire__buf_cstr(&want), quire__buf_cstr(&got)) != 0)
                fprintf(stderr, "memo, template %zu page %d:\nwant %s\ngot  %s\n", ti, page,
                        quire__buf_cstr(&want), quire__buf_cstr(&got));
            CHECK_STR(quire__buf_cstr(&got), quire__buf_cstr(&want));
            /* the same page with stand-ins: the same bytes */
            memo_use_stand_ins(d);
            size_t made = memo_made;
            quire__buf_reset(&got);
            quire__tpl_render_memo(t, NULL, d, lazy, &got);
            if (strcmp(quire__buf_cstr(&want), quire__buf_cstr(&got)) != 0)
                fprintf(stderr, "stand-ins, template %zu page %d:\nwant %s\ngot  %s\n", ti,
                        page, quire__buf_cstr(&want), quire__buf_cstr(&got));
            CHECK_STR(quire__buf_cstr(&got), quire__buf_cstr(&want));
            CHECK(!got.oom);
            hits += made == memo_made;
            quire__buf_reset(&got);
            quire__tpl_render_memo(other, NULL, d, lazy, &got);
            CHECK_STR(quire__buf_cstr(&got), quire__buf_cstr(&want2));
            quire__buf_free(&want);
            quire__buf_free(&want2);
            quire__buf_free(&got);
            quire_arena_free(pa);
        }
        CHECK(hits > 0); /* some pages reuse every text they need */
        quire_arena_free(a);
        quire__tpl_memo_free(memo);
        quire__tpl_memo_free(lazy);
        quire__tpl_free(t);
    }
    quire__tpl_free(other);
}

/* The memo reuses an item's text only where that is safe, but it must
 * reuse it where a listing needs it: an item that looks up nothing
 * outside itself is rendered once however many pages list it. */
static void test_memo_reuses(void)
{
    const char *src = "{{#entries}}{{title}}{{/entries}}";
    quire_tpl *t = parse_ok(src);
    quire_tpl_memo *memo = quire__tpl_memo_new(t, "entries");
    quire_arena *a = quire_arena_new();
    quire_value *item = quire__tpl_map(a);
    quire__tpl_set(a, item, "title", "one");
    for (int page = 0; page < 3; page++) {
        quire_value *d = quire__tpl_map(a);
        quire_value *list = quire__tpl_list(a);
        quire_value_append(a, list, NULL, item);
        quire__tpl_put(a, d, "entries", list);
        quire_buf b;
        quire__buf_init(&b);
        quire__tpl_render_memo(t, NULL, d, memo, &b);
        CHECK_STR(quire__buf_cstr(&b), "one");
        quire__buf_free(&b);
        /* the kept text is what a second render copies: changing the item
         * behind the memo's back shows it (the caller's promise broken) */
        if (page == 0)
            item->first->str = "two";
    }
    quire_arena_free(a);
    quire__tpl_memo_free(memo);

    /* with a stand-in, the value is made once, for the first render */
    memo = quire__tpl_memo_new(t, "entries");
    quire__tpl_memo_expand(memo, memo_expand, NULL);
    a = quire_arena_new();
    memo_real[3] = quire__tpl_map(a);
    quire__tpl_set(a, memo_real[3], "title", "three");
    size_t made = memo_made;
    for (int page = 0; page < 3; page++) {
        quire_value *d = quire__tpl_map(a);
        quire_value *list = quire__tpl_list(a);
        quire_value_append(a, list, NULL, &memo_stand[3]);
        quire__tpl_put(a, d, "entries", list);
        quire_buf b;
        quire__buf_init(&b);
        quire__tpl_render_memo(t, NULL, d, memo, &b);
        CHECK_STR(quire__buf_cstr(&b), "three");
        quire__buf_free(&b);
    }
    CHECK(memo_made == made + 1);
    quire_arena_free(a);
    quire__tpl_memo_free(memo);
    quire__tpl_free(t);
}

/* A random outer context, as the html writer's shared page data: a site
 * mapping, a home, a list of feeds whose items have some of the names the
 * templates use, now and then a title or a flag. */
static quire_value *outer_random(quire_arena *a, uint32_t *x)
{
    quire_value *o = quire__tpl_map(a);
    if (memo_rand(x, 4)) {
        quire_value *site = quire__tpl_map(a);
        if (memo_rand(x, 2))
            quire__tpl_set(a, site, "title", memo_words[memo_rand(x, MEMO_NW)]);
        if (memo_rand(x, 2))
            quire__tpl_set(a, site, "rights", memo_words[memo_rand(x, MEMO_NW)]);
        quire__tpl_put(a, o, "site", site);
    }
    if (memo_rand(x, 2))
        quire__tpl_set(a, o, "home", memo_words[memo_rand(x, MEMO_NW)]);
    if (memo_rand(x, 4)) {
        quire_value *feeds = quire__tpl_list(a);
        for (uint32_t n = memo_rand(x, 4); n; n--) {
            quire_value *f = quire__tpl_map(a);
            static const char *const keys[] = {"href", "label", "title"};
            for (size_t k = 0; k < 3; k++)
                if (memo_rand(x, 4))
                    quire__tpl_set(a, f, keys[k], memo_words[memo_rand(x, MEMO_NW)]);
            quire_value_append(a, feeds, NULL, f);
        }
        quire__tpl_put(a, o, "feeds", feeds);
    }
    if (memo_rand(x, 3) == 0)
        quire__tpl_set(a, o, "title", "outer-title");
    if (memo_rand(x, 3) == 0)
        quire__tpl_flag(a, o, "flag");
    return o;
}

/* A page's data: some names of its own, some shadowing outer's (a scalar,
 * a list, a mapping), and its fields as its one article. */
static quire_value *outer_page(quire_arena *a, uint32_t *x)
{
    quire_value *d = quire__tpl_map(a);
    static const char *const keys[] = {"title", "home", "label", "href", "rights"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (memo_rand(x, 3) == 0)
            quire__tpl_set(a, d, keys[k], memo_words[memo_rand(x, MEMO_NW)]);
    if (memo_rand(x, 6) == 0) {
        quire_value *feeds = quire__tpl_list(a);
        quire_value *f = quire__tpl_map(a);
        quire__tpl_set(a, f, "href", "page-feed");
        quire_value_append(a, feeds, NULL, f);
        quire__tpl_put(a, d, "feeds", feeds);
    }
    if (memo_rand(x, 6) == 0) {
        quire_value *site = quire__tpl_map(a);
        quire__tpl_set(a, site, "title", "page-site");
        quire__tpl_put(a, d, "site", site);
    }
    if (memo_rand(x, 4) == 0)
        quire__tpl_flag(a, d, "flag");
    quire_value *arts = quire__tpl_list(a);
    quire_value_append(a, arts, NULL, d);
    quire__tpl_put_ref(d, "articles", arts);
    return d;
}

/* The texts made once from an outer context must never change a
 * rendering: random pages rendered through them and with
 * quire__tpl_render2, for templates whose sections over outer's lists and
 * mappings look up names in their items or outside them (where a page
 * may have them), with dotted, inverted, nested and "." lookups. */
static void test_outer_matches_plain(void)
{
    static const char *const templates[] = {
        "{{title}}|{{site.title}}|{{home}}{{#feeds}}<{{href}}|{{label}}|{{title}}>{{/feeds}}"
        "{{#site}}[{{title}}{{rights}}]{{/site}}{{#home}}({{home}}){{/home}}",
        "{{#feeds}}{{#href}}{{href}}{{/href}}{{^label}}-{{/label}}{{.}}{{/feeds}}"
        "{{#feeds.0}}({{label}}{{#feeds}}{{href}}{{/feeds}}){{/feeds.0}}{{feeds.1.label}}",
        "{{#articles}}{{site.title}}{{#feeds}}{{label}}{{home}}{{/feeds}}{{/articles}}"
        "{{^feeds}}none{{/feeds}}{{#flag}}F{{.}}{{/flag}}",
        "{{#flag}}{{#feeds}}{{title}}{{/feeds}}{{/flag}}{{#site}}{{#feeds}}{{href}}{{/feeds}}"
        "{{site.rights}}{{/site}}{{#articles}}{{#site}}{{title}}{{/site}}{{/articles}}",
        "{{.}}{{#site.title}}{{.}}{{/site.title}}{{#feeds}}{{#feeds}}{{label}}{{/feeds}}|{{/feeds}}",
    };
    uint32_t x = 77031u;
    for (size_t ti = 0; ti < sizeof templates / sizeof templates[0]; ti++) {
        quire_tpl *t = parse_ok(templates[ti]);
        for (int round = 0; round < 40; round++) {
            quire_arena *a = quire_arena_new();
            quire_value *outer = outer_random(a, &x);
            quire_tpl_outer *o = quire__tpl_outer_new(t, outer);
            CHECK(o != NULL);
            for (int page = 0; page < 20; page++) {
                quire_arena *pa = quire_arena_new();
                quire_value *d = outer_page(pa, &x);
                quire_buf want, got;
                quire__buf_init(&want);
                quire__buf_init(&got);
                quire__tpl_render2(t, outer, d, &want);
                quire__tpl_render_outer(o, d, &got);
                if (strcmp(quire__buf_cstr(&want), quire__buf_cstr(&got)) != 0)
                    fprintf(stderr, "outer, template %zu round %d page %d:\nwant %s\ngot  %s\n",
                            ti, round, page, quire__buf_cstr(&want), quire__buf_cstr(&got));
                CHECK_STR(quire__buf_cstr(&got), quire__buf_cstr(&want));
                quire__buf_free(&want);
                quire__buf_free(&got);
                quire_arena_free(pa);
            }
            quire__tpl_outer_free(o);
            quire_arena_free(a);
        }
        quire__tpl_free(t);
    }
}

/* The outer texts are used where a page finds outer's very values: a
 * value changed behind their back (the caller's promise broken) shows the
 * text made before; a page that has the name gets its own; a section that
 * reads a name outside its items is rendered each time. */
static void test_outer_reuses(void)
{
    const char *src = "{{site.title}}|{{#feeds}}{{href}}{{/feeds}}|{{#site}}{{title}}{{/site}}"
                      "|{{#feeds}}{{home}}{{/feeds}}";
    quire_tpl *t = parse_ok(src);
    quire_arena *a = quire_arena_new();
    quire_value *outer = quire__tpl_map(a);
    quire_value *site = quire__tpl_map(a);
    quire__tpl_set(a, site, "title", "S");
    quire__tpl_put(a, outer, "site", site);
    quire_value *feeds = quire__tpl_list(a);
    quire_value *f = quire__tpl_map(a);
    quire__tpl_set(a, f, "href", "a&");
    quire_value_append(a, feeds, NULL, f);
    quire__tpl_put(a, outer, "feeds", feeds);
    quire__tpl_set(a, outer, "home", "H");
    quire_tpl_outer *o = quire__tpl_outer_new(t, outer);
    CHECK(o != NULL);
    quire_value *d = quire__tpl_map(a);
    quire_buf b;
    quire__buf_init(&b);
    quire__tpl_render_outer(o, d, &b);
    CHECK_STR(quire__buf_cstr(&b), "S|a&amp;|S|H");
    site->first->str = "X";
    site->first->len = 1;
    f->first->str = "y";
    f->first->len = 1;
    quire__buf_reset(&b);
    quire__tpl_render_outer(o, d, &b);
    CHECK_STR(quire__buf_cstr(&b), "S|a&amp;|S|H");
    quire__buf_reset(&b);
    quire__tpl_render2(t, outer, d, &b);
    CHECK_STR(quire__buf_cstr(&b), "X|y|X|H");
    /* the page's own names */
    quire_value *psite = quire__tpl_map(a);
    quire__tpl_set(a, psite, "title", "P");
    quire__tpl_put(a, d, "site", psite);
    quire__tpl_set(a, d, "home", "h<");
    quire__buf_reset(&b);
    quire__tpl_render_outer(o, d, &b);
    CHECK_STR(quire__buf_cstr(&b), "P|a&amp;|P|h&lt;");
    quire__buf_free(&b);
    quire__tpl_outer_free(o);
    quire_arena_free(a);
    quire__tpl_free(t);
}

int main(void)
{
    test_escape_reference();
    test_escape_near_misses();
    test_json_quoted_reference();
    test_memo_matches_plain();
    test_memo_reuses();
    test_outer_matches_plain();
    test_outer_reuses();
    quire_arena *a = quire_arena_new();
    quire_value *d = quire__tpl_map(a);
    quire__tpl_set(a, d, "title", "Tom & \"Jerry\" <b>'s</b>");
    quire__tpl_set(a, d, "html", "<em>ok</em>");
    quire__tpl_set(a, d, "empty", "");
    quire__tpl_flag(a, d, "yes");
    quire__tpl_flag_ref(a, d, "also");
    quire_value *site = quire__tpl_map(a);
    quire__tpl_set(a, site, "name", "Harbor");
    quire__tpl_put(a, d, "site", site);
    quire_value *tags = quire__tpl_list(a);
    const char *names[] = {"a", "b<", "c"};
    for (int i = 0; i < 3; i++) {
        quire_value *t = quire__tpl_map(a);
        quire__tpl_set(a, t, "name", names[i]);
        quire_value_append(a, tags, NULL, t);
    }
    quire__tpl_put(a, d, "tags", tags);
    quire__tpl_put(a, d, "none", quire__tpl_list(a));
    quire_value *words = quire__tpl_list(a);
    quire_value_append(a, words, NULL, quire_value_new_scalar(a, QUIRE_VALUE_STRING, "x", 1));
    quire_value_append(a, words, NULL, quire_value_new_scalar(a, QUIRE_VALUE_STRING, "y&", 2));
    quire__tpl_put(a, d, "words", words);
    /* a value's length counts a NUL inside it; its text ends there */
    quire_value_append(a, d, "nul", quire_value_new_scalar(a, QUIRE_VALUE_STRING, "a<\0b>", 5));

    /* variables: escaped by default, raw on request */
    CHECK_RENDER("<h1>{{title}}</h1>", d,
                 "<h1>Tom &amp; &quot;Jerry&quot; &lt;b&gt;&#39;s&lt;/b&gt;</h1>");
    CHECK_RENDER("{{ title }}", d, "Tom &amp; &quot;Jerry&quot; &lt;b&gt;&#39;s&lt;/b&gt;");
    CHECK_RENDER("{{{html}}}|{{& html}}|{{html}}", d,
                 "<em>ok</em>|<em>ok</em>|&lt;em&gt;ok&lt;/em&gt;");
    CHECK_RENDER("[{{nul}}][{{{nul}}}]", d, "[a&lt;][a<]");
    /* missing variables render as nothing */
    CHECK_RENDER("[{{nope}}][{{site.nope}}][{{nope.deeper}}]", d, "[][][]");
    /* dotted names and list indexes */
    CHECK_RENDER("{{site.name}} {{tags.1.name}} {{tags.9.name}}", d, "Harbor b&lt; ");
    /* list indexes are parts of digits only (parsed once): leading zeros,
     * past the end, too large for any list, signs and letters */
    CHECK_RENDER("{{tags.2.name}}|{{tags.3.name}}|{{tags.00.name}}|{{words.1}}|{{words.01}}|"
                 "{{tags.99999999999999999999999.name}}|{{tags.-1.name}}|{{tags.1x.name}}|{{site.0}}",
                 d, "c||a|y&amp;|y&amp;||||");
    /* sections: lists loop, items are the context, outer names stay visible */
    CHECK_RENDER("{{#tags}}<{{name}}@{{site.name}}>{{/tags}}", d, "<a@Harbor><b&lt;@Harbor><c@Harbor>");
    CHECK_RENDER("{{#words}}[{{.}}]{{/words}}", d, "[x][y&amp;]");
    /* mapping and flag sections; false-y values skip */
    CHECK_RENDER("{{#site}}{{name}}{{/site}}{{#yes}}Y{{/yes}}{{#empty}}E{{/empty}}{{#none}}N{{/none}}{{#nope}}M{{/nope}}",
                 d, "HarborY");
    CHECK_RENDER("{{#also}}A{{/also}}{{also}}{{^also}}!{{/also}}", d, "Atrue");
    /* a value linked with the length its maker knows: that is its length */
    quire__tpl_ref_n(a, d, "known", "x<yz", 2);
    quire__tpl_ref_n(a, d, "zero", "", 0);
    CHECK_RENDER("[{{known}}]{{#known}}K{{/known}}{{#zero}}N{{/zero}}{{^zero}}-{{/zero}}", d,
                 "[x&lt;]K-");
    /* inverted sections */
    CHECK_RENDER("{{^none}}no tags{{/none}}{{^tags}}never{{/tags}}{{^nope}}!{{/nope}}", d, "no tags!");
    /* {{#list.0}} tests for a non-empty list without looping */
    CHECK_RENDER("{{#tags.0}}<ul>{{#tags}}<li>{{name}}</li>{{/tags}}</ul>{{/tags.0}}{{#none.0}}X{{/none.0}}", d,
                 "<ul><li>a</li><li>b&lt;</li><li>c</li></ul>");
    /* comments vanish; lone braces are text */
    CHECK_RENDER("a{{! a comment }}b { } }}", d, "ab { } }}");
    /* nested sections */
    CHECK_RENDER("{{#yes}}{{#tags}}{{#yes}}{{name}}{{/yes}}{{/tags}}{{/yes}}", d, "ab&lt;c");

    /* malformed templates: a clear message with line and column */
    check_error("ok\n  {{title", 2, 3, "unclosed tag");
    check_error("{{{raw}}", 1, 1, "unclosed tag");
    check_error("{{#a}}x", 1, 1, "never closed");
    check_error("x\n{{#a}}{{#b}}{{/a}}", 2, 13, "does not close");
    check_error("{{/a}}", 1, 1, "closes no open section");
    check_error("{{}}", 1, 1, "bad name");
    check_error("{{a b}}", 1, 1, "bad name");
    check_error("{{a..b}}", 1, 1, "bad name");

    /* escaping drops what HTML forbids and repairs bad UTF-8 */
    quire_buf b;
    quire__buf_init(&b);
    quire__tpl_escape(&b, "a\x01" "b\xff" "c\xc2\x85" "d\xc3\xa9");
    CHECK_STR(quire__buf_cstr(&b), "ab\xef\xbf\xbd" "cd\xc3\xa9");
    quire__buf_free(&b);

    /* tabs and newlines kept, other controls and DEL dropped, text after
     * the last special byte kept */
    quire__buf_init(&b);
    quire__tpl_escape(&b, "\t1\n2\r3\x7f" "4&" "tail");
    CHECK_STR(quire__buf_cstr(&b), "\t1\n2\r34&amp;tail");
    quire__buf_free(&b);

    /* lookups by slot (the top contexts of a render): the first of two
     * entries with one name wins, as when walking; one-letter names and
     * names sharing a first letter; names only the outer context has; the
     * data pushed again as a section's item still finds both */
    quire_value *outer = quire__tpl_map(a);
    quire__tpl_set(a, outer, "site", "O-site");
    quire__tpl_set(a, outer, "t", "O-t");
    quire__tpl_set(a, outer, "only", "O-only");
    quire_value *page = quire__tpl_map(a);
    quire__tpl_set(a, page, "t", "P-t1");
    quire__tpl_set(a, page, "t", "P-t2");
    quire__tpl_set(a, page, "title", "P-title");
    quire__tpl_set(a, page, "tags", "P-tags");
    quire_value *arts = quire__tpl_list(a);
    quire_value_append(a, arts, NULL, page);
    quire__tpl_put_ref(page, "articles", arts);
    {
        const char *src = "{{t}}|{{title}}|{{tags}}|{{site}}|{{only}}|{{nope}}"
                          "{{#articles}}[{{t}}|{{site}}|{{only}}|{{^nope}}-{{/nope}}]{{/articles}}";
        quire_tpl *t = parse_ok(src);
        quire__buf_init(&b);
        quire__tpl_render2(t, outer, page, &b);
        CHECK_STR(quire__buf_cstr(&b), "P-t1|P-title|P-tags|O-site|O-only|[P-t1|O-site|O-only|-]");
        quire__buf_free(&b);
        quire__tpl_free(t);
    }

    quire_arena_free(a);
    return CHECK_DONE();
}
