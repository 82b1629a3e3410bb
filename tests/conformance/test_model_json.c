/*
 * test_model_json.c — unit tests of the model JSON writer and reader and of
 * the JSON Feed writer's streaming: string escaping (control characters,
 * </script>, invalid UTF-8, U+2028), numbers kept as written, duplicate
 * keys, 100,000-level bodies and values (no crash; a clean error under the
 * default limit; a byte-identical round trip above it), and malformed JSON
 * reported with line:column.
 */
#include "internal.h"

#include <cjson/cJSON.h>
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

int main(void)
{
    test_escaping();
    test_values();
    test_deep();
    test_malformed();
    test_jsonfeed_stream();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
