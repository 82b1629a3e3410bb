/*
 * test_model_json.c — unit tests of the model JSON writer and reader and of
 * the JSON Feed writer's streaming: string escaping (control characters,
 * </script>, invalid UTF-8, U+2028), numbers kept as written, duplicate
 * keys, 100,000-level bodies and values (no crash; a clean error under the
 * default limit; a byte-identical round trip above it), and malformed JSON
 * reported with line:column; the model writer's escaping against a plain
 * reference over every byte and random mixes, and its prepare() path (run
 * on several threads, in any order) giving the same bytes and warnings as
 * write_document alone; positions left out where they equal the parent's
 * (random trees, 100,000-level chains, hand-written and hostile input).
 */
#include "internal.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                          \
        }                                                                        \
    } while (0)

#define DEEP 100000

/* Runs writer `name` over c; the output is malloc'd and NUL-terminated. */
static char *write_all(const quire_collection *c, const char *name, quire_diag_list *diags)
{
    quire_sink *s;
    char *data = NULL;
    size_t len = 0;
    if (quire_sink_open_memory(&s) != QUIRE_OK)
        return NULL;
    int rc = quire_write(c, quire_writer_find(name), s, NULL, diags);
    if (rc != QUIRE_OK) {
        quire_sink_abort(s);
        return NULL;
    }
    quire_sink_commit_memory(s, &data, &len);
    return data;
}

static int read_model(quire_collection *into, const char *data, size_t max_depth,
                      quire_diag_list *diags)
{
    quire_read_ctx ctx = {.path = "test.json", .diags = diags};
    ctx.limits.max_depth = max_depth;
    return quire_reader_find("model")->read(&ctx, data, strlen(data), into);
}

static bool has_diag(const quire_diag_list *d, uint32_t line, uint32_t col, const char *text)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].line == line && d->items[i].column == col &&
            strstr(d->items[i].message, text))
            return true;
    for (size_t i = 0; i < d->count; i++)
        fprintf(stderr, "  diag %u:%u %s\n", d->items[i].line, d->items[i].column,
                d->items[i].message);
    return false;
}

/* write -> read -> write must give the same bytes; returns the first text. */
static char *round_trip(quire_collection *c, size_t max_depth)
{
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    char *first = write_all(c, "model", &diags);
    CHECK(first != NULL);
    quire_collection *back = quire_collection_new();
    CHECK(first && read_model(back, first, max_depth, &diags) == QUIRE_OK);
    char *second = write_all(back, "model", &diags);
    CHECK(second && first && strcmp(first, second) == 0);
    free(second);
    quire_collection_free(back);
    quire_diag_list_free(&diags);
    return first;
}

static quire_document *new_doc(const char *id)
{
    quire_document *d = quire_document_new();
    d->id = quire_arena_strdup(d->arena, id);
    d->slug = quire_arena_strdup(d->arena, id);
    d->source_path = "t.md";
    d->format = "markdown";
    d->body = quire_node_new(d->arena, QUIRE_NODE_ROOT, 1, 1);
    return d;
}

static void test_escaping(void)
{
    quire_collection *c = quire_collection_new();
    quire_document *d = new_doc("esc");
    /* control chars, quote, backslash, </script>, U+2028, invalid UTF-8 */
    const char *title = "a\x01\x1f\t\n\"\\</script>\xe2\x80\xa8\xff\xc3(\xc3\xa9&";
    d->title = title;
    quire_node *p = quire_node_new(d->arena, QUIRE_NODE_PARAGRAPH, 1, 1);
    quire_node_append(d->body, p);
    quire_node_append(p, quire_node_new_text(d->arena, title, strlen(title), 1, 1));
    quire_collection_add(c, d);
    char *out = round_trip(c, 0);
    CHECK(out && strstr(out, "\"a\\u0001\\u001f\\t\\n\\\"\\\\\\u003c/script\\u003e\\u2028"
                             "\\udcff\\udcc3(\xc3\xa9\\u0026\""));
    CHECK(out && !strstr(out, "</script>"));
    /* Escaped bytes come back as the same bytes. */
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_collection *back = quire_collection_new();
    CHECK(out && read_model(back, out, 0, &diags) == QUIRE_OK);
    CHECK(back->count == 1 && strcmp(back->docs[0]->title, title) == 0);
    CHECK(back->count == 1 &&
          strcmp(back->docs[0]->body->first_child->first_child->literal, title) == 0);
    /* The JSON Feed of it is valid UTF-8 without XML-illegal characters. */
    char *feed = write_all(back, "jsonfeed", &diags);
    CHECK(feed && quire__utf8_valid(feed, strlen(feed)));
    CHECK(feed && !strchr(feed, '\x01') && !strstr(feed, "\xff"));
    cJSON *parsed = feed ? cJSON_Parse(feed) : NULL;
    CHECK(parsed != NULL);
    cJSON_Delete(parsed);
    free(feed);
    free(out);
    quire_collection_free(back);
    quire_collection_free(c);
    quire_diag_list_free(&diags);
}

static quire_value *scalar(quire_arena *a, quire_value_type t, const char *s)
{
    return quire_value_new_scalar(a, t, s, strlen(s));
}

static void test_values(void)
{
    quire_collection *c = quire_collection_new();
    quire_document *d = new_doc("vals");
    quire_arena *a = d->arena;
    quire_value *m = quire_value_new(a, QUIRE_VALUE_MAPPING);
    quire_value_append(a, m, "big", scalar(a, QUIRE_VALUE_NUMBER, "12345678901234567890123"));
    quire_value_append(a, m, "price", scalar(a, QUIRE_VALUE_NUMBER, "1.50"));
    quire_value_append(a, m, "exp", scalar(a, QUIRE_VALUE_NUMBER, "-0.0E+10"));
    quire_value_append(a, m, "dup", scalar(a, QUIRE_VALUE_STRING, "first"));
    quire_value_append(a, m, "dup", scalar(a, QUIRE_VALUE_STRING, "second"));
    quire_value_append(a, m, "msvalidate.01", quire_value_new(a, QUIRE_VALUE_NULL));
    quire_value_append(a, m, "yes", scalar(a, QUIRE_VALUE_BOOL, "true"));
    quire_value_append(a, m, "empty_map", quire_value_new(a, QUIRE_VALUE_MAPPING));
    quire_value_append(a, m, "empty_seq", quire_value_new(a, QUIRE_VALUE_SEQUENCE));
    quire_value_append(a, m, "", scalar(a, QUIRE_VALUE_STRING, "empty key"));
    quire_value_append(a, m, "nul", quire_value_new_scalar(a, QUIRE_VALUE_STRING, "a\0b", 3));
    d->extra = m;
    quire_collection_add(c, d);
    char *out = round_trip(c, 0);
    CHECK(out && strstr(out, "\"big\": 12345678901234567890123,"));
    CHECK(out && strstr(out, "\"price\": 1.50,"));
    CHECK(out && strstr(out, "\"exp\": -0.0E+10,"));
    CHECK(out && strstr(out, "\"dup\": \"first\",") && strstr(out, "\"dup\": \"second\","));
    CHECK(out && strstr(out, "\"empty_map\": {},") && strstr(out, "\"empty_seq\": [],"));
    CHECK(out && strstr(out, "\"nul\": \"a\\u0000b\""));
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_collection *back = quire_collection_new();
    CHECK(out && read_model(back, out, 0, &diags) == QUIRE_OK);
    const quire_value *e = back->count ? back->docs[0]->extra : NULL;
    CHECK(e && e->count == 11);
    const quire_value *nul = quire_value_get(e, "nul");
    CHECK(nul && nul->len == 3 && memcmp(nul->str, "a\0b", 3) == 0);
    quire_collection_free(back);

    /* A number not in JSON's grammar is kept as a string, with a warning. */
    quire_value_append(a, m, "hex", scalar(a, QUIRE_VALUE_NUMBER, "0x1F"));
    char *again = write_all(c, "model", &diags);
    CHECK(again && strstr(again, "\"hex\": \"0x1F\""));
    CHECK(diags.warnings >= 1);
    free(again);
    free(out);
    quire_diag_list_free(&diags);
    quire_collection_free(c);
}

static void test_deep(void)
{
    quire_collection *c = quire_collection_new();
    quire_document *d = new_doc("deep");
    quire_node *cur = d->body;
    for (int i = 0; i < DEEP; i++) {
        quire_node *q = quire_node_new(d->arena, i % 2 ? QUIRE_NODE_BLOCKQUOTE : QUIRE_NODE_HTML_BLOCK,
                                       (uint32_t)i + 1, 1);
        if (!(i % 2))
            q->name = "div";
        quire_node_append(cur, q);
        cur = q;
    }
    quire_node_append(cur, quire_node_new_text(d->arena, "bottom", 6, DEEP + 1, 1));
    /* and a deep value tree */
    quire_value *v = quire_value_new(d->arena, QUIRE_VALUE_SEQUENCE);
    d->extra = quire_value_new(d->arena, QUIRE_VALUE_MAPPING);
    quire_value_append(d->arena, d->extra, "deep", v);
    for (int i = 0; i < DEEP; i++) {
        quire_value *w = quire_value_new(d->arena, QUIRE_VALUE_SEQUENCE);
        quire_value_append(d->arena, v, NULL, w);
        v = w;
    }
    quire_collection_add(c, d);

    /* Round trip with a limit that allows it. */
    char *out = round_trip(c, 3 * DEEP);
    CHECK(out && strstr(out, "\"literal\": \"bottom\""));

    /* Default limit: a clean error with a position, nothing appended. */
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_collection *back = quire_collection_new();
    CHECK(out && read_model(back, out, 0, &diags) == QUIRE_ERR_PARSE);
    CHECK(back->count == 0);
    CHECK(diags.errors == 1 && diags.items[0].line > 1 &&
          strstr(diags.items[0].message, "deeper than"));
    quire_collection_free(back);

    /* The JSON Feed of a deep body renders without recursion. */
    char *feed = write_all(c, "jsonfeed", &diags);
    CHECK(feed && strstr(feed, "bottom"));
    free(feed);
    free(out);
    quire_diag_list_free(&diags);
    quire_collection_free(c);
}

static void test_malformed(void)
{
    static const struct {
        const char *json;
        uint32_t line, col;
        const char *msg;
    } cases[] = {
        {"{\"quire_model\": 1,\n \"documents\": [\n  {\"id\": }\n]}", 3, 10, "expected a value"},
        {"{\"quire_model\": 1, \"documents\": [{\"id\": \"x\"}", 1, 45, "unexpected end"},
        {"{\"quire_model\": 1} {}", 1, 20, "text after the end"},
        {"{\"quire_model\": 1} x", 1, 20, "unexpected character"},
        {"{\"quire_model\": 1, \"site\": [1,]}", 1, 31, "expected a value"},
        {"{\"quire_model\": 1, \"site\": {\"title\": \"a\tb\"}}", 1, 40, "control character"},
        {"{\"quire_model\": 1, \"site\": {\"title\": \"\\x\"}}", 1, 39, "unknown escape"},
        {"{\"quire_model\": 1, \"x\": 01}", 1, 26, "expected ',' or '}'"},
        {"{\"quire_model\": 2}", 1, 17, "unsupported model version"},
        {"{\"documents\": []}", 1, 1, "no \"quire_model\""},
        {"{\"quire_model\": 1, \"documents\": [{\"body\": {\"type\": \"nope\"}}]}", 1, 52,
         "known \"type\""},
        {"\xc3\xa9", 1, 1, "unexpected character"},
        {"", 1, 1, "unexpected end"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        quire_diag_list diags;
        quire_diag_list_init(&diags);
        quire_collection *c = quire_collection_new();
        int rc = read_model(c, cases[i].json, 0, &diags);
        bool doc_level = strstr(cases[i].msg, "type") != NULL;
        /* A document that does not fit the model is skipped, not fatal. */
        CHECK(doc_level ? rc == QUIRE_OK : rc != QUIRE_OK);
        CHECK(c->count == 0);
        if (!has_diag(&diags, cases[i].line, cases[i].col, cases[i].msg))
            fprintf(stderr, "case %zu: expected %u:%u %s\n", i, cases[i].line, cases[i].col,
                    cases[i].msg), failures++;
        quire_collection_free(c);
        quire_diag_list_free(&diags);
    }
}

/* The streamed feed is exactly what cJSON prints for the whole tree. */
static void test_jsonfeed_stream(void)
{
    quire_collection *c = quire_collection_new();
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "doc-%d", i);
        quire_document *d = new_doc(id);
        d->title = "T";
        d->url = "page.html"; /* relative, no base_url: resolved against the fallback */
        quire_node *p = quire_node_new(d->arena, QUIRE_NODE_PARAGRAPH, 1, 1);
        quire_node *l = quire_node_new(d->arena, QUIRE_NODE_LINK, 1, 1);
        l->url = "rel/x.html";
        quire_node_append(d->body, p);
        quire_node_append(p, l);
        quire_node_append(l, quire_node_new_text(d->arena, "link", 4, 1, 1));
        quire_collection_add(c, d);
    }
    quire_collection_add(c, new_doc("doc-1")); /* duplicate id: left out */
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    char *feed = write_all(c, "jsonfeed", &diags);
    cJSON *tree = feed ? cJSON_Parse(feed) : NULL;
    char *again = tree ? cJSON_Print(tree) : NULL;
    CHECK(again && strlen(feed) == strlen(again) + 1 && strncmp(feed, again, strlen(again)) == 0);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(tree, "items")) == 3);
    CHECK(diags.warnings == 1);
    /* Relative URLs are resolved against the fallback site link. */
    CHECK(feed && !strstr(feed, "href=\\\"rel/") && strstr(feed, "href=\\\"https://example.org/"));
    CHECK(feed && strstr(feed, "\"feed_url\":\t\"https://example.org/feed.json\""));
    cJSON_free(again);
    cJSON_Delete(tree);
    free(feed);
    quire_diag_list_free(&diags);

    /* No documents: still a valid feed. */
    quire_collection *empty = quire_collection_new();
    quire_diag_list_init(&diags);
    feed = write_all(empty, "jsonfeed", &diags);
    tree = feed ? cJSON_Parse(feed) : NULL;
    CHECK(tree && cJSON_IsArray(cJSON_GetObjectItem(tree, "items")));
    cJSON_Delete(tree);
    free(feed);
    quire_diag_list_free(&diags);
    quire_collection_free(empty);
    quire_collection_free(c);
}


/* ------------------------------------------------ escaping vs a reference */

/* The escaping rules of the model writer written the plain way, one byte or
 * sequence at a time (the writer copies runs of plain bytes in one go). */
static void ref_escape(quire_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    quire__buf_putc(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        uint32_t cp = c;
        size_t k = 1;
        if (c >= 0x80) {
            k = quire__utf8_decode(p + i, n - i, &cp);
            if (!k) {
                cp = 0xDC00u | c;
                k = 1;
            } else if (cp != 0x2028 && cp != 0x2029) {
                quire__buf_put(b, s + i, k);
                i += k;
                continue;
            }
        } else if (c == '"' || c == '\\') {
            quire__buf_putc(b, '\\');
            quire__buf_putc(b, (char)c);
            i++;
            continue;
        } else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f') {
            quire__buf_putc(b, '\\');
            quire__buf_putc(b, c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : c == '\b' ? 'b' : 'f');
            i++;
            continue;
        } else if (c >= 0x20 && c != '<' && c != '>' && c != '&') {
            quire__buf_putc(b, (char)c);
            i++;
            continue;
        }
        char e[6] = {'\\', 'u', hex[(cp >> 12) & 0xF], hex[(cp >> 8) & 0xF], hex[(cp >> 4) & 0xF],
                     hex[cp & 0xF]};
        quire__buf_put(b, e, sizeof e);
        i += k;
    }
    quire__buf_putc(b, '"');
}

/* Writes s[0..n) as the only member of a document's extra and checks the
 * text after `"s": ` against the reference. */
static bool escape_matches(const char *s, size_t n)
{
    quire_collection *c = quire_collection_new();
    quire_document *d = new_doc("e");
    quire_value *m = quire_value_new(d->arena, QUIRE_VALUE_MAPPING);
    quire_value_append(d->arena, m, "s", quire_value_new_scalar(d->arena, QUIRE_VALUE_STRING, s, n));
    d->extra = m;
    quire_collection_add(c, d);
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    char *out = write_all(c, "model", &diags);
    quire_buf want;
    quire__buf_init(&want);
    ref_escape(&want, s, n);
    quire__buf_putc(&want, '\n');
    const char *at = out ? strstr(out, "\"s\": ") : NULL;
    bool ok = at && strncmp(at + 5, quire__buf_cstr(&want), want.len) == 0;
    if (!ok)
        fprintf(stderr, "escape mismatch: want %s", quire__buf_cstr(&want));
    quire__buf_free(&want);
    free(out);
    quire_diag_list_free(&diags);
    quire_collection_free(c);
    return ok;
}

static uint32_t rng_next(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void test_escape_reference(void)
{
    /* Every byte, at every offset, in strings of lengths around the
     * 16-byte blocks the writer scans (the last, partial block is scanned
     * as the last 16 bytes, overlapping bytes already passed). */
    static const size_t lens[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
                                  13, 14, 15, 16, 17, 23, 31, 32, 33, 40, 47};
    char s[64];
    for (int byte = 0; byte < 256; byte++) {
        for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
            for (size_t at = 0; at < lens[k]; at++) {
                memset(s, 'a', sizeof s);
                s[at] = (char)byte;
                CHECK(escape_matches(s, lens[k]));
            }
        }
    }
    /* An escape or a UTF-8 sequence inside the overlap, then another byte
     * to find after it: each pair of offsets, for lengths 17..40. */
    static const char *const firsts[] = {"\"", "\xc3\xa9", "\xe4\xb8\xad", "\xff"};
    for (size_t n = 17; n <= 40; n++) {
        for (size_t f = 0; f < sizeof firsts / sizeof firsts[0]; f++) {
            size_t fl = strlen(firsts[f]);
            for (size_t a = 0; a + fl <= n; a++) {
                for (size_t b = a + fl; b <= n; b++) {
                    memset(s, 'a', sizeof s);
                    memcpy(s + a, firsts[f], fl);
                    if (b < n)
                        s[b] = '<';
                    if (!escape_matches(s, n)) {
                        CHECK(!"escape in the overlap");
                        return;
                    }
                }
            }
        }
    }
    /* Random mixes of plain text, escapes, valid and broken UTF-8. */
    static const char *const pieces[] = {
        "a", "bcdefgh", " ", "0123456789abcdef", "\"", "\\", "<", ">", "&", "=", "?", "\n", "\t",
        "\r", "\b", "\f", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xe2\x80\xa8", "\xe2\x80\xa9",
        "\xe2\x82\xac", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xed\xa0\x80", "\xed\x9f\xbf",
        "\xe0\x80\x80", "\xe0\xa0\x80", "\xc0\xaf", "\xc1\xbf", "\xc2\x80", "\xe2\x80", "\xe2",
        "\x80", "\xbf", "\xff", "\xfe", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf0\x80\x80\x80",
        "\xef\xbf\xbf", "\xdf\xbf"};
    const size_t np = sizeof pieces / sizeof pieces[0];
    uint32_t x = 2463534242u;
    quire_buf b;
    quire__buf_init(&b);
    for (int round = 0; round < 3000; round++) {
        quire__buf_reset(&b);
        size_t parts = rng_next(&x) % 24;
        for (size_t i = 0; i < parts; i++) {
            const char *piece = pieces[rng_next(&x) % np];
            quire__buf_put(&b, piece, strlen(piece));
        }
        if (rng_next(&x) % 8 == 0)
            quire__buf_put(&b, "\0z", 2); /* a NUL inside */
        if (!escape_matches(b.data ? b.data : "", b.len)) {
            CHECK(!"random escape case");
            break;
        }
    }
    quire__buf_free(&b);
}

/* The writer escapes in chunks of a few KB (one reservation each) with up
 * to six bytes out per byte in: strings around a chunk's end, with an
 * escape or a sequence on every offset across it, strings that expand six
 * times, and a long random one. */
static void test_escape_chunks(void)
{
    static const char *const seqs[] = {"\"", "\x01", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80",
                                       "\xe2\x80\xa8", "\xff", "\xe2\x80"};
    const size_t chunk = 4096, n = chunk + 40;
    char *s = malloc(n);
    if (!s) {
        CHECK(!"out of memory");
        return;
    }
    for (size_t q = 0; q < sizeof seqs / sizeof seqs[0]; q++) {
        size_t ql = strlen(seqs[q]);
        for (size_t at = chunk - 20; at + ql <= n && at < chunk + 20; at++) {
            memset(s, 'a', n);
            memcpy(s + at, seqs[q], ql);
            if (!escape_matches(s, n)) {
                CHECK(!"escape across a chunk's end");
                free(s);
                return;
            }
        }
    }
    free(s);
    /* every byte escaped, six bytes out for each */
    static const char *const fills[] = {"\x01", "\xff", "<", "\xe2\x80\xa9", "\xc3\xa9", "\""};
    quire_buf b;
    quire__buf_init(&b);
    for (size_t f = 0; f < sizeof fills / sizeof fills[0]; f++) {
        quire__buf_reset(&b);
        for (size_t i = 0; i < 30000; i++)
            quire__buf_puts(&b, fills[f]);
        CHECK(escape_matches(b.data, b.len));
    }
    /* long random text: plain runs, escapes, valid and broken UTF-8 */
    static const char *const pieces[] = {"abcdefghijklmnopqrstuvwxyz0123456789", " ", "\"", "\\",
                                         "<", "\n", "\x1f", "\xc3\xa9", "\xe4\xb8\xad",
                                         "\xf0\x9f\x98\x80", "\xe2\x80\xa8", "\xff", "\xe2\x80",
                                         "\xed\xa0\x80", "\0"};
    uint32_t x = 88172645u;
    quire__buf_reset(&b);
    while (b.len < 300000) {
        const char *piece = pieces[rng_next(&x) % (sizeof pieces / sizeof pieces[0])];
        quire__buf_put(&b, piece, *piece ? strlen(piece) : 1);
    }
    CHECK(escape_matches(b.data, b.len));
    quire__buf_free(&b);
}

/* Mapping keys from the data are escaped the same way: keys of every
 * length up to past a block, with an escape or a sequence at every place. */
static bool key_escape_matches(const char *key)
{
    quire_collection *c = quire_collection_new();
    quire_document *d = new_doc("k");
    quire_value *m = quire_value_new(d->arena, QUIRE_VALUE_MAPPING);
    quire_value_append(d->arena, m, key, quire_value_new_scalar(d->arena, QUIRE_VALUE_STRING, "v", 1));
    d->extra = m;
    quire_collection_add(c, d);
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    char *out = write_all(c, "model", &diags);
    quire_buf want;
    quire__buf_init(&want);
    quire__buf_puts(&want, "\"extra\": {\n        ");
    ref_escape(&want, key, strlen(key));
    quire__buf_puts(&want, ": \"v\"\n");
    bool ok = out && strstr(out, quire__buf_cstr(&want)) != NULL;
    if (!ok)
        fprintf(stderr, "key escape mismatch: want %s", quire__buf_cstr(&want));
    quire__buf_free(&want);
    free(out);
    quire_diag_list_free(&diags);
    quire_collection_free(c);
    return ok;
}

static void test_key_escapes(void)
{
    static const char *const marks[] = {"\"", "\x01", "&", "\xc3\xa9", "\xe4\xb8\xad", "\xe2\x80\xa8",
                                        "\xff"};
    char key[48];
    for (size_t len = 1; len < 40; len++) {
        for (size_t q = 0; q < sizeof marks / sizeof marks[0]; q++) {
            size_t ql = strlen(marks[q]);
            for (size_t at = 0; at + ql <= len; at++) {
                memset(key, 'k', len);
                memcpy(key + at, marks[q], ql);
                key[len] = '\0';
                if (!key_escape_matches(key)) {
                    CHECK(!"data key escape");
                    return;
                }
            }
        }
    }
}

/* Indentation grows by two columns a level up to MW_MAX_INDENT (32)
 * levels, then stays: a value tree 45 levels deep. */
static void test_indent_cap(void)
{
    quire_collection *c = quire_collection_new();
    quire_document *d = new_doc("i");
    quire_value *top = quire_value_new(d->arena, QUIRE_VALUE_SEQUENCE), *v = top;
    for (int i = 0; i < 45; i++) {
        quire_value *inner = quire_value_new(d->arena, QUIRE_VALUE_SEQUENCE);
        quire_value_append(d->arena, v, NULL, inner);
        v = inner;
    }
    quire_value_append(d->arena, v, NULL, quire_value_new_scalar(d->arena, QUIRE_VALUE_STRING, "x", 1));
    d->extra = top;
    quire_collection_add(c, d);
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    char *out = write_all(c, "model", &diags);
    const char *at = out ? strstr(out, "\"extra\": [") : NULL;
    CHECK(at != NULL);
    /* the lines after it: [ at 8, 10, ... 64 columns, then 64 again */
    size_t want = 8, deepest = 0, lines = 0;
    bool ok = at != NULL;
    for (const char *l = at ? strchr(at, '\n') : NULL; ok && l && lines < 46; lines++) {
        l++;
        size_t sp = strspn(l, " ");
        ok = sp == want;
        deepest = sp > deepest ? sp : deepest;
        if (want < 64)
            want += 2;
        l = strchr(l, '\n');
    }
    CHECK(ok && deepest == 64 && lines == 46);
    free(out);
    quire_diag_list_free(&diags);
    quire_collection_free(c);
}

/* align and embed_kind are written by name, and left out for none, iframe
 * (the defaults) and values quire does not name; the reader gives the
 * same tree back. */
static void test_align_embed_kind(void)
{
    static const struct { int v; const char *want; } aligns[] = {
        {QUIRE_ALIGN_NONE, NULL}, {QUIRE_ALIGN_LEFT, "\"align\": \"left\""},
        {QUIRE_ALIGN_CENTER, "\"align\": \"center\""}, {QUIRE_ALIGN_RIGHT, "\"align\": \"right\""},
        {9, NULL}};
    static const struct { int v; const char *want; } kinds[] = {
        {QUIRE_EMBED_IFRAME, NULL}, {QUIRE_EMBED_VIDEO, "\"embed_kind\": \"video\""},
        {QUIRE_EMBED_AUDIO, "\"embed_kind\": \"audio\""},
        {QUIRE_EMBED_OBJECT, "\"embed_kind\": \"object\""}, {7, NULL}};
    for (size_t i = 0; i < sizeof aligns / sizeof aligns[0]; i++) {
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            quire_collection *c = quire_collection_new();
            quire_document *d = new_doc("a");
            quire_node *cell = quire_node_new(d->arena, QUIRE_NODE_TABLE_CELL, 2, 1);
            cell->align = (quire_align)aligns[i].v;
            quire_node_append(d->body, cell);
            quire_node *embed = quire_node_new(d->arena, QUIRE_NODE_EMBED, 3, 1);
            embed->embed_kind = (quire_embed_kind)kinds[k].v;
            embed->url = "https://example.org/v";
            quire_node_append(d->body, embed);
            quire_collection_add(c, d);
            quire_diag_list diags;
            quire_diag_list_init(&diags);
            char *out = write_all(c, "model", &diags);
            CHECK(out != NULL);
            if (out) {
                CHECK(aligns[i].want ? strstr(out, aligns[i].want) != NULL
                                     : strstr(out, "\"align\"") == NULL);
                CHECK(kinds[k].want ? strstr(out, kinds[k].want) != NULL
                                    : strstr(out, "\"embed_kind\"") == NULL);
            }
            free(out);
            if (aligns[i].v <= QUIRE_ALIGN_RIGHT && kinds[k].v <= QUIRE_EMBED_OBJECT)
                free(round_trip(c, 0));
            quire_diag_list_free(&diags);
            quire_collection_free(c);
        }
    }
}

/* ------------------------------------------------ prepare() path */

/* A collection that touches every part of the writer. */
static quire_collection *rich_collection(void)
{
    quire_collection *c = quire_collection_new();
    c->site.title = "Site <&> \xe2\x80\xa8";
    for (int i = 0; i < 24; i++) {
        char id[16];
        snprintf(id, sizeof id, "doc-%d", i);
        quire_document *d = new_doc(id);
        quire_arena *a = d->arena;
        d->title = i % 3 ? "Title \"q\" \\ \xc3\xa9\xff" : "";
        d->summary = i % 2 ? "summary\nline two\ttab" : NULL;
        d->draft = i % 5 == 0;
        d->body_line = (uint32_t)(i * 1000003u % 4000000000u);
        d->image.src = i % 4 ? NULL : "img.png";
        d->image.width = i % 4 ? 0 : -i - 1;
        d->image.height = i % 4 ? 0 : 2147483647;
        quire_value *m = quire_value_new(a, QUIRE_VALUE_MAPPING);
        quire_value *seq = quire_value_new(a, QUIRE_VALUE_SEQUENCE);
        quire_value_append(a, seq, NULL, scalar(a, QUIRE_VALUE_NUMBER, "-12.5e3"));
        quire_value_append(a, seq, NULL, scalar(a, QUIRE_VALUE_BOOL, i % 2 ? "true" : "false"));
        quire_value_append(a, seq, NULL, quire_value_new(a, QUIRE_VALUE_NULL));
        quire_value_append(a, seq, NULL, quire_value_new(a, QUIRE_VALUE_MAPPING));
        quire_value_append(a, m, "list", seq);
        quire_value_append(a, m, "k\"ey<", scalar(a, QUIRE_VALUE_STRING, "v\x01"));
        if (i == 5 || i == 17) /* two bad numbers: one warning, the first one */
            quire_value_append(a, m, "hex", scalar(a, QUIRE_VALUE_NUMBER, i == 5 ? "0x5" : "0x17"));
        d->extra = m;
        quire_node *parent = d->body;
        for (int depth = 0; depth < i % 7; depth++) {
            quire_node *q = quire_node_new(a, QUIRE_NODE_BLOCKQUOTE, (uint32_t)depth + 1, 3);
            quire_node_append(parent, q);
            parent = q;
        }
        quire_node *h = quire_node_new(a, QUIRE_NODE_HEADING, 4294967295u, 0);
        h->level = i % 6 + 1;
        h->flags = i % 2 ? (QUIRE_NODE_FLAG_TIGHT | (1u << 30)) : 0;
        quire_node_append(parent, h);
        quire_node *l = quire_node_new(a, QUIRE_NODE_LINK, 7, 9);
        l->url = "https://example.org/?a=1&b=<2>";
        quire_node_append(h, l);
        quire_node_append(l, quire_node_new_text(a, "text \xe2\x80\xa9 here", 14, 7, 10));
        quire_collection_add(c, d);
    }
    return c;
}

typedef struct prep_job {
    quire_write_session *s;
    const quire_collection *c;
    void **prep;
    quire_diag_list diags;
    size_t start, step;
} prep_job;

static void *prep_thread(void *arg)
{
    prep_job *job = arg;
    /* Backwards: the writer must not depend on the order. */
    for (size_t k = job->start; k < job->c->count; k += job->step) {
        size_t i = job->c->count - 1 - k;
        quire__write_prepare(job->s, job->c->docs[i], &job->diags, &job->prep[i]);
    }
    return NULL;
}

/* Output of the model writer through prepare (on threads; doc `skip` gets
 * no prepared result, as when prepare fails) and write_document. */
static char *write_prepared(const quire_collection *c, size_t skip, quire_diag_list *diags)
{
    quire_sink *sink;
    if (quire_sink_open_memory(&sink) != QUIRE_OK)
        return NULL;
    quire_write_opts o = {.updated = quire__build_date(c)};
    quire_write_session *s;
    int rc = quire__write_open(&s, &c->site, quire_writer_find("model"), sink, &o, c->count, diags);
    void **prep = calloc(c->count, sizeof *prep);
    enum { THREADS = 3 };
    prep_job jobs[THREADS];
    pthread_t tid[THREADS];
    for (size_t t = 0; t < THREADS; t++) {
        jobs[t] = (prep_job){.s = s, .c = c, .prep = prep, .start = t, .step = THREADS};
        quire_diag_list_init(&jobs[t].diags);
        CHECK(pthread_create(&tid[t], NULL, prep_thread, &jobs[t]) == 0);
    }
    for (size_t t = 0; t < THREADS; t++) {
        pthread_join(tid[t], NULL);
        CHECK(jobs[t].diags.count == 0);
        quire_diag_list_free(&jobs[t].diags);
    }
    for (size_t i = 0; i < c->count; i++) {
        CHECK(prep[i] != NULL);
        if (i == skip) {
            quire__write_release(s, prep[i]);
            prep[i] = NULL;
        }
        if (rc == QUIRE_OK)
            rc = quire__write_doc_prepared(s, c->docs[i], prep[i]);
        quire__write_release(s, prep[i]); /* the caller's, written or not */
    }
    free(prep);
    int rc2 = quire__write_close(s, rc == QUIRE_OK);
    char *data = NULL;
    size_t len;
    if (rc != QUIRE_OK || rc2 != QUIRE_OK) {
        quire_sink_abort(sink);
        return NULL;
    }
    quire_sink_commit_memory(sink, &data, &len);
    return data;
}

static void test_prepared(void)
{
    quire_collection *c = rich_collection();
    quire_diag_list d0;
    quire_diag_list_init(&d0);
    char *plain = write_all(c, "model", &d0);
    CHECK(plain != NULL);
    if (getenv("DUMP") && plain)
        fputs(plain, stdout);
    CHECK(d0.warnings == 1 && d0.count == 1 && strstr(d0.items[0].message, "'0x5'"));
    quire_collection *back = quire_collection_new();
    CHECK(plain && read_model(back, plain, 0, &d0) == QUIRE_OK && back->count == c->count);
    quire_collection_free(back);
    CHECK(plain && strstr(plain, "\"line\": 4294967295, \"column\": 0"));
    CHECK(plain && strstr(plain, "\"width\": -1,\n        \"height\": 2147483647\n"));
    CHECK(plain && strstr(plain, "\"flags\": 1073741824"));
    /* every document prepared, then the first, a middle one and the last
     * written without */
    const size_t skips[] = {SIZE_MAX, 0, 5, 23};
    for (size_t k = 0; k < sizeof skips / sizeof skips[0]; k++) {
        quire_diag_list d1;
        quire_diag_list_init(&d1);
        char *prepared = write_prepared(c, skips[k], &d1);
        CHECK(prepared && plain && strcmp(plain, prepared) == 0);
        CHECK(d1.count == 1 && d0.count == 1 &&
              strcmp(d1.items[0].message, d0.items[0].message) == 0 &&
              d1.items[0].line == d0.items[0].line && d1.items[0].column == d0.items[0].column);
        free(prepared);
        quire_diag_list_free(&d1);
    }
    free(plain);
    quire_diag_list_free(&d0);
    quire_collection_free(c);
}

/* ------------------------------------------------ positions */

/* True when a and b have the same shape, types and positions (walked
 * together, without recursion, so deep trees are fine). */
static bool same_positions(const quire_node *a, const quire_node *b)
{
    quire_iter ia, ib;
    quire_node *na, *nb;
    quire_event ea, eb;
    quire_iter_init(&ia, (quire_node *)a);
    quire_iter_init(&ib, (quire_node *)b);
    do {
        ea = quire_iter_next(&ia, &na);
        eb = quire_iter_next(&ib, &nb);
        if (ea != eb)
            return false;
        if (ea == QUIRE_EVENT_ENTER && (na->type != nb->type || na->line != nb->line ||
                                        na->column != nb->column))
            return false;
    } while (ea != QUIRE_EVENT_DONE);
    return true;
}

/* Occurrences of needle in s. */
static size_t count_of(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Nodes whose position differs from their parent's, plus the root: the
 * pairs the writer must write. */
static size_t positions_needed(const quire_node *root)
{
    quire_iter it;
    quire_node *n;
    size_t k = 0;
    quire_iter_init(&it, (quire_node *)root);
    for (quire_event ev; (ev = quire_iter_next(&it, &n)) != QUIRE_EVENT_DONE;)
        if (ev == QUIRE_EVENT_ENTER && (n == root || n->line != n->parent->line ||
                                        n->column != n->parent->column))
            k++;
    return k;
}

/* Writes c, reads it back, and checks every node's position against the
 * original, and that exactly the needed "line"/"column" pairs were written. */
static void check_positions(quire_collection *c, size_t max_depth)
{
    char *out = round_trip(c, max_depth);
    size_t needed = 0;
    for (size_t i = 0; i < c->count; i++)
        needed += positions_needed(c->docs[i]->body);
    CHECK(out && count_of(out, "\"line\": ") == needed);
    CHECK(out && count_of(out, "\"column\": ") == needed);
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_collection *back = quire_collection_new();
    CHECK(out && read_model(back, out, max_depth, &diags) == QUIRE_OK);
    CHECK(back->count == c->count && diags.count == 0);
    for (size_t i = 0; i < back->count && i < c->count; i++)
        if (!same_positions(c->docs[i]->body, back->docs[i]->body))
            fprintf(stderr, "document %zu: positions differ after reading\n", i), failures++;
    quire_collection_free(back);
    quire_diag_list_free(&diags);
    free(out);
}

/* A position for a child of p: mostly p's own (as inline nodes have), else
 * the same line elsewhere, 0s, or anything. */
static void random_position(uint32_t *x, const quire_node *p, uint32_t *line, uint32_t *col)
{
    uint32_t r = rng_next(x);
    *line = p->line;
    *col = p->column;
    switch (r % 8) {
    case 0: *col = rng_next(x) % 4; break;             /* same line, maybe column 0 */
    case 1: *line = rng_next(x) % 3; break;            /* same column, maybe line 0 */
    case 2: *line = 0; *col = 0; break;
    case 3: *line = rng_next(x); *col = rng_next(x); break;
    case 4: *line = UINT32_MAX; *col = p->column; break;
    default: break;                                   /* the parent's */
    }
}

static void test_positions_random(void)
{
    static const quire_node_type containers[] = {QUIRE_NODE_PARAGRAPH, QUIRE_NODE_BLOCKQUOTE,
                                                 QUIRE_NODE_EMPH, QUIRE_NODE_STRONG,
                                                 QUIRE_NODE_LINK};
    uint32_t x = 0x5eed1234u;
    quire_collection *c = quire_collection_new();
    for (int k = 0; k < 300; k++) {
        char id[16];
        snprintf(id, sizeof id, "pos-%d", k);
        quire_document *d = new_doc(id);
        quire_arena *a = d->arena;
        /* the root at 0:0 sometimes, so children at 0:0 are omitted too */
        d->body->line = k % 5 ? rng_next(&x) % 50 + 1 : 0;
        d->body->column = k % 5 ? rng_next(&x) % 4 + 1 : 0;
        quire_node *open[64] = {d->body};
        size_t n_open = 1, nodes = rng_next(&x) % 60;
        for (size_t i = 0; i < nodes; i++) {
            quire_node *p = open[rng_next(&x) % n_open];
            uint32_t line, col;
            random_position(&x, p, &line, &col);
            bool leaf = rng_next(&x) % 3 == 0 || n_open == 64;
            quire_node *q = leaf ? quire_node_new_text(a, "t", 1, line, col)
                                 : quire_node_new(a, containers[rng_next(&x) % 5], line, col);
            quire_node_append(p, q);
            if (!leaf)
                open[n_open++] = q;
        }
        quire_collection_add(c, d);
    }
    check_positions(c, 0);
    quire_collection_free(c);
}

/* A deep chain where positions change only now and then: each omitted
 * pair must come from the nearest ancestor that has one, 100,000 levels
 * down, without recursion. */
static void test_positions_deep(void)
{
    quire_collection *c = quire_collection_new();
    quire_document *d = new_doc("deep-pos");
    quire_node *cur = d->body;
    uint32_t line = 1, col = 1;
    for (int i = 0; i < DEEP; i++) {
        if (i % 997 == 0) {
            line = (uint32_t)i;
            col = i % 2 ? 0 : 5;
        }
        quire_node *q = quire_node_new(d->arena, QUIRE_NODE_BLOCKQUOTE, line, col);
        quire_node_append(cur, q);
        cur = q;
    }
    quire_node_append(cur, quire_node_new_text(d->arena, "bottom", 6, line, col));
    quire_collection_add(c, d);
    check_positions(c, 3 * DEEP);
    quire_collection_free(c);
}

/* Hand-written models: omitted positions come from the parent (0 under a
 * root without them); wrong ones are errors with their position, and the
 * document is skipped. */
static void test_positions_read(void)
{
    const char *ok_json =
        "{\"quire_model\": 1, \"documents\": [\n"
        "{\"body\": {\"type\": \"root\", \"line\": 3, \"column\": 2, \"children\": [\n"
        "  {\"type\": \"paragraph\", \"line\": 4, \"children\": [\n"
        "    {\"type\": \"text\", \"literal\": \"x\"},\n"
        "    {\"type\": \"emph\", \"column\": 9, \"children\": [{\"type\": \"text\"}]}]},\n"
        "  {\"type\": \"thematic_break\"}]}},\n"
        "{\"body\": {\"type\": \"root\", \"children\": [{\"type\": \"paragraph\"}]}}]}";
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_collection *c = quire_collection_new();
    CHECK(read_model(c, ok_json, 0, &diags) == QUIRE_OK && diags.count == 0);
    CHECK(c->count == 2);
    if (c->count == 2) {
        const quire_node *root = c->docs[0]->body, *para = root->first_child;
        const quire_node *text = para->first_child, *emph = text->next;
        CHECK(root->line == 3 && root->column == 2);
        CHECK(para->line == 4 && para->column == 2);
        CHECK(text->line == 4 && text->column == 2);
        CHECK(emph->line == 4 && emph->column == 9);
        CHECK(emph->first_child->line == 4 && emph->first_child->column == 9);
        CHECK(para->next->line == 3 && para->next->column == 2);
        const quire_node *r2 = c->docs[1]->body;
        CHECK(r2->line == 0 && r2->column == 0);
        CHECK(r2->first_child->line == 0 && r2->first_child->column == 0);
    }
    quire_collection_free(c);
    quire_diag_list_free(&diags);

    static const struct {
        const char *json;
        uint32_t line, col;
        const char *msg;
    } bad[] = {
        {"{\"quire_model\": 1, \"documents\": [{\"body\": {\"type\": \"root\", \"children\": "
         "[{\"type\": \"text\", \"line\": \"7\"}]}}]}", 1, 98, "\"line\" must be an integer"},
        {"{\"quire_model\": 1, \"documents\": [{\"body\": {\"type\": \"root\", \"children\": "
         "[{\"type\": \"text\", \"column\": -1}]}}]}", 1, 100, "\"column\" is out of range"},
        {"{\"quire_model\": 1, \"documents\": [{\"body\": {\"type\": \"root\", \"line\": 1.5}}]}",
         1, 68, "\"line\" must be an integer"},
        {"{\"quire_model\": 1, \"documents\": [{\"body\": {\"type\": \"root\", \"line\": null}}]}",
         1, 68, "\"line\" must be an integer"},
        {"{\"quire_model\": 1, \"documents\": [{\"body\": {\"type\": \"root\", \"line\": "
         "4294967296}}]}", 1, 68, "\"line\" is out of range"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        quire_diag_list_init(&diags);
        c = quire_collection_new();
        CHECK(read_model(c, bad[i].json, 0, &diags) == QUIRE_OK);
        CHECK(c->count == 0 && diags.errors == 1);
        if (!has_diag(&diags, bad[i].line, bad[i].col, bad[i].msg))
            fprintf(stderr, "bad case %zu: expected %u:%u %s\n", i, bad[i].line, bad[i].col,
                    bad[i].msg), failures++;
        quire_collection_free(c);
        quire_diag_list_free(&diags);
    }
}

/* Every node type starts its object with its name as quire_node_type_name
 * gives it (the writer copies it from a table made once), an unknown type
 * as "none". */
static void test_type_names(void)
{
    quire_collection *c = quire_collection_new();
    quire_document *d = new_doc("types");
    for (int t = 0; t <= QUIRE_NODE_TYPE_COUNT + 1; t++) {
        quire_node *n = quire_node_new(d->arena, QUIRE_NODE_PARAGRAPH, 1, 1);
        n->type = (quire_node_type)t; /* past the end: a type this build does not know */
        quire_node_append(d->body, n);
    }
    quire_collection_add(c, d);
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    char *out = write_all(c, "model", &diags);
    CHECK(out != NULL);
    const char *at = out ? strstr(out, "\"body\": {\"type\": \"root\"") : NULL;
    CHECK(at != NULL);
    for (int t = 0; at && t <= QUIRE_NODE_TYPE_COUNT + 1; t++) {
        char want[64];
        snprintf(want, sizeof want, "{\"type\": \"%s\"}",
                 t < QUIRE_NODE_TYPE_COUNT ? quire_node_type_name((quire_node_type)t) : "none");
        const char *hit = strstr(at + 1, want);
        CHECK(hit != NULL);
        at = hit;
    }
    free(out);
    quire_diag_list_free(&diags);
    quire_collection_free(c);
}

int main(void)
{
    test_escaping();
    test_values();
    test_deep();
    test_malformed();
    test_jsonfeed_stream();
    test_escape_reference();
    test_escape_chunks();
    test_key_escapes();
    test_indent_cap();
    test_align_embed_kind();
    test_prepared();
    test_positions_random();
    test_positions_deep();
    test_positions_read();
    test_type_names();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
