/*
 * test_dedupe.c — the "dedupe" filter: first document per id and per url
 * wins, external_url on request, a warning per dropped document.
 */
#include "ftest.h"

#include <stdio.h>
#include <string.h>

static quire_document *mk(const char *id, const char *path, const char *url, const char *ext)
{
    quire_document *d = ft_doc(NULL, path, id);
    d->url = quire_arena_strdup(d->arena, url);
    d->external_url = quire_arena_strdup(d->arena, ext);
    return d;
}

static const char *paths(const quire_collection *c)
{
    static char buf[256];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->count && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? "," : "",
                              c->docs[i]->source_path);
    return buf;
}

static quire_collection *fixture(void)
{
    quire_collection *c = quire_collection_new();
    quire_collection_add(c, mk("1", "a.md", "https://x/a/", "https://news/1"));
    quire_collection_add(c, mk("2", "b.md", "https://x/b/", "https://news/1"));
    quire_collection_add(c, mk("1", "c.md", "https://x/c/", NULL));      /* same id as a */
    quire_collection_add(c, mk("3", "d.md", "https://x/b/", NULL));      /* same url as b */
    quire_collection_add(c, mk("4", "e.md", NULL, NULL));                /* no url */
    quire_collection_add(c, mk("5", "f.md", "", ""));                    /* empty: no key */
    quire_collection_add(c, mk("6", "g.md", "https://x/B/", NULL));      /* exact compare */
    quire_collection_add(c, mk("1", "h.md", "https://x/a/", NULL));      /* both */
    quire_collection_add(c, mk("https://x/e/", "i.md", "https://x/e/", NULL)); /* id = url */
    quire_collection_add(c, mk("7", "j.md", "https://x/e/", NULL));      /* url of i */
    return c;
}

int main(void)
{
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_collection *c = fixture();
    CHECK_INT(ft_run_coll("dedupe", NULL, c, &diags), QUIRE_OK);
    CHECK_STR(paths(c), "a.md,b.md,e.md,f.md,g.md,i.md");
    CHECK_INT(diags.warnings, 4);
    CHECK_INT(diags.errors, 0);
    if (diags.count == 4) {
        CHECK_STR(diags.items[0].file, "c.md");
        CHECK_STR(diags.items[0].message, "dropped: same id as a.md ('1')");
        CHECK_STR(diags.items[1].file, "d.md");
        CHECK_STR(diags.items[1].message, "dropped: same url as b.md ('https://x/b/')");
        CHECK_STR(diags.items[2].file, "h.md");
        CHECK_STR(diags.items[3].file, "j.md");
        CHECK_STR(diags.items[3].message, "dropped: same url as i.md ('https://x/e/')");
        CHECK(diags.items[0].severity == QUIRE_SEV_WARNING);
    }
    quire_collection_free(c);
    quire_diag_list_free(&diags);

    /* by=external_url adds that key; id and url still count */
    quire_diag_list_init(&diags);
    c = fixture();
    CHECK_INT(ft_run_coll("dedupe", "by=external_url", c, &diags), QUIRE_OK);
    /* b goes (external_url of a); d then stays: its url was only b's, and a
     * dropped document claims nothing */
    CHECK_STR(paths(c), "a.md,d.md,e.md,f.md,g.md,i.md");
    CHECK_INT(diags.warnings, 4);
    if (diags.count >= 1)
        CHECK_STR(diags.items[0].message,
                  "dropped: same external_url as a.md ('https://news/1')");
    quire_collection_free(c);
    quire_diag_list_free(&diags);

    /* no duplicates: nothing changes, nothing said */
    quire_diag_list_init(&diags);
    c = quire_collection_new();
    quire_collection_add(c, mk("1", "a.md", "https://x/1", NULL));
    quire_collection_add(c, mk("2", "b.md", "https://x/2", NULL));
    CHECK_INT(ft_run_coll("dedupe", "by=id|url", c, &diags), QUIRE_OK);
    CHECK_STR(paths(c), "a.md,b.md");
    CHECK_INT(diags.count, 0);
    quire_collection_free(c);

    /* many documents: the set grows with the collection */
    c = quire_collection_new();
    for (int i = 0; i < 3000; i++) {
        char id[16], url[32];
        snprintf(id, sizeof id, "%d", i % 1000);
        snprintf(url, sizeof url, "https://x/%d", i);
        quire_collection_add(c, mk(id, "m.md", url, NULL));
    }
    CHECK_INT(ft_run_coll("dedupe", NULL, c, &diags), QUIRE_OK);
    CHECK_INT(c->count, 1000);
    CHECK_INT(diags.warnings, 2000);
    CHECK_STR(c->docs[999]->id, "999");
    quire_collection_free(c);
    quire_diag_list_free(&diags);

    quire_diag_list_init(&diags);
    CHECK_INT(ft_init("dedupe", "by=title", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("dedupe", "key=id", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(diags.errors, 2);
    quire_diag_list_free(&diags);
    return ft_done("test_dedupe");
}
