/*
 * test_select.c — the "select" filter: tags and categories (any-of, case
 * folded), exclusions, date ranges (inclusive days and instants), drafts.
 */
#include "ftest.h"

#include <stdio.h>
#include <string.h>

static quire_document *mk(const char *id, const char *published, bool draft,
                          const char *tags, const char *cats)
{
    quire_document *d = ft_doc(id, NULL, id);
    if (published)
        CHECK(quire_date_parse(&d->published, published));
    d->draft = draft;
    char buf[128];
    const char *lists[2] = {tags, cats};
    for (int k = 0; k < 2; k++) {
        if (!lists[k])
            continue;
        snprintf(buf, sizeof buf, "%s", lists[k]);
        for (char *t = strtok(buf, ","); t; t = strtok(NULL, ","))
            quire_strlist_add(d->arena, k ? &d->categories : &d->tags, t);
    }
    return d;
}

static quire_collection *fixture(void)
{
    quire_collection *c = quire_collection_new();
    quire_collection_add(c, mk("a", "2024-01-01", false, "C,news", "Tech"));
    quire_collection_add(c, mk("b", "2024-01-31T23:30:00-05:00", false, "rust", "tech"));
    quire_collection_add(c, mk("c", "2024-02-01", false, "Zürich,news", "Travel"));
    quire_collection_add(c, mk("d", "2024-02-15T12:00:00Z", true, "c", NULL));
    quire_collection_add(c, mk("e", NULL, false, "ÉTÉ", "Ελληνικά"));
    quire_collection_add(c, mk("f", "2023-12-31T23:59:59Z", false, NULL, NULL));
    return c;
}

static const char *ids(const quire_collection *c)
{
    static char buf[256];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->count && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? "," : "", c->docs[i]->id);
    return buf;
}

static void expect(const char *spec, const char *want)
{
    quire_collection *c = fixture();
    CHECK_INT(ft_run_coll("select", spec, c, NULL), QUIRE_OK);
    CHECK_STR(ids(c), want);
    quire_collection_free(c);
}

int main(void)
{
    /* drafts are dropped by default */
    expect(NULL, "a,b,c,e,f");
    expect("drafts=true", "a,b,c,d,e,f");
    expect("drafts=false", "a,b,c,e,f");
    /* tags: any-of, case-insensitive, trimmed; order kept */
    expect("tags=news", "a,c");
    expect("tags=NEWS|rust", "a,b,c");
    expect("tags= rust | zürich ", "b,c");
    expect("tags=c", "a");
    expect("tags=c,drafts=true", "a,d");
    expect("tags=été", "e");
    expect("tags=nothing", "");
    expect("categories=TECH", "a,b");
    expect("categories=ελληνικά|travel", "c,e");
    expect("tags=news,categories=tech", "a");          /* both must hold */
    expect("exclude-tags=News", "b,e,f");
    expect("exclude-tags=news|RUST", "e,f");
    expect("exclude-categories=tech", "c,e,f");
    /* dates: whole days inclusive; b is Jan 31 where it was written */
    expect("from=2024-01-01", "a,b,c");
    expect("to=2024-01-31", "a,b,f");
    expect("from=2024-01-01,to=2024-01-31", "a,b");
    expect("from=2024-02-01,to=2024-02-01", "c");
    expect("from=2024-02-01,to=2024-12-31,drafts=true", "c,d");
    /* instants: b is 2024-02-01T04:30Z */
    expect("from=2024-02-01T00:00:00Z", "b,c");
    expect("to=2024-01-01T00:00:00Z", "a,f");
    expect("from=2023-12-31T23:59:59Z,to=2023-12-31T23:59:59Z", "f");

    quire_diag_list diags;
    quire_diag_list_init(&diags);
    CHECK_INT(ft_init("select", "from=yesterday", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("select", "from=2024-02-01,to=2024-01-01", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("select", "tags=|", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("select", "drafts=sometimes", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("select", "tag=a", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(diags.errors, 5);
    CHECK_INT(ft_init("select", "tags=a|b,categories=c,exclude-tags=d,from=2024-01-01", &diags),
              QUIRE_OK);
    CHECK_INT(diags.errors, 5);
    quire_diag_list_free(&diags);
    return ft_done("test_select");
}
