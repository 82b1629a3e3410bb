/*
 * test_sort.c — the "sort" filter: every key, both orders, ties broken by
 * title, path, id and position, undated documents last, the same output
 * for any input order.
 */
#include "ftest.h"

#include <stdio.h>
#include <string.h>

static quire_document *mk(const char *id, const char *title, const char *path,
                          const char *published, const char *modified, const char *weight)
{
    quire_document *d = ft_doc(title, path, id);
    if (published)
        CHECK(quire_date_parse(&d->published, published));
    if (modified)
        CHECK(quire_date_parse(&d->modified, modified));
    if (weight) {
        d->extra = quire_value_new(d->arena, QUIRE_VALUE_MAPPING);
        quire_value_append(d->arena, d->extra, "weight",
                           quire_value_new_scalar(d->arena, QUIRE_VALUE_NUMBER, weight,
                                                  strlen(weight)));
    }
    return d;
}

/* The ids in collection order, "a,b,c". */
static const char *ids(const quire_collection *c)
{
    static char buf[512];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->count && n < sizeof buf; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? "," : "", c->docs[i]->id);
    return buf;
}

/* A fixed set with every kind of tie; reverse=true adds them backwards. */
static quire_collection *fixture(bool reverse)
{
    quire_document *docs[] = {
        mk("A", "Beta", "b.md", "2024-05-01", NULL, "10"),
        mk("B", "alpha", "a.md", "2024-05-01", NULL, "2"),
        mk("C", "Gamma", "c.md", "2024-06-01T10:00:00+02:00", NULL, "-1"),
        mk("D", "Zeta", "z.md", NULL, NULL, NULL),
        mk("E", "Eta", "e.md", NULL, NULL, "2"),
        mk("F", "Beta", "b2.md", "2024-05-01", NULL, NULL),
        mk("G", "Beta", "b.md", "2024-05-01", NULL, NULL),       /* ties A but for id */
        mk("I", "Iota", "i.md", NULL, "2024-05-15", NULL),       /* modified only */
        mk("J", NULL, "j.md", "2024-05-01T00:00:00Z", NULL, NULL), /* same instant, no title */
        mk("K", "Kappa", "k.md", "2024-05-01T01:00:00+02:00", NULL, NULL), /* = Apr 30 23:00Z */
    };
    size_t n = sizeof docs / sizeof *docs;
    quire_collection *c = quire_collection_new();
    for (size_t i = 0; i < n; i++)
        quire_collection_add(c, docs[reverse ? n - 1 - i : i]);
    return c;
}

static void expect(const char *spec, const char *want)
{
    for (int rev = 0; rev < 2; rev++) {
        quire_collection *c = fixture(rev);
        CHECK_INT(ft_run_coll("sort", spec, c, NULL), QUIRE_OK);
        CHECK_STR(ids(c), want);
        quire_collection_free(c);
    }
}

static void test_orders(void)
{
    /* date desc (default): June, May 15 (modified), the May 1 group by
     * title (J has none: last of its group), K, then undated by title. */
    expect(NULL, "C,I,B,A,G,F,J,K,E,D");
    expect("by=date,order=desc", "C,I,B,A,G,F,J,K,E,D");
    /* asc: dated ascending, ties still by title asc, undated still last */
    expect("order=asc", "K,B,A,G,F,J,I,C,E,D");
    /* title: case-insensitive, ties by path then id, untitled last */
    expect("by=title", "B,A,G,F,E,C,I,K,D,J");
    /* desc flips the title only: the Beta tie stays A,G,F (path, then id) */
    expect("by=title,order=desc", "D,K,I,C,E,A,G,F,B,J");
    expect("by=path", "B,A,G,F,C,E,I,J,K,D");
    /* weight: ascending numbers, ties (B and E, both 2) by title; the
     * unweighted after, by title (J has none: last) */
    expect("by=weight", "C,B,E,A,G,F,I,K,D,J");
    expect("by=weight,order=desc", "A,B,E,C,G,F,I,K,D,J");
}

static void test_stable(void)
{
    /* Identical documents keep their input order. */
    quire_collection *c = quire_collection_new();
    for (int i = 0; i < 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "x%d", i);
        quire_document *d = mk("same", "Same", "same.md", "2024-01-01", NULL, NULL);
        d->summary = quire_arena_strdup(d->arena, id);
        quire_collection_add(c, d);
    }
    CHECK_INT(ft_run_coll("sort", NULL, c, NULL), QUIRE_OK);
    for (size_t i = 0; i < 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "x%zu", i);
        CHECK_STR(c->docs[i]->summary, id);
    }
    quire_collection_free(c);

    /* Empty and single-document collections. */
    c = quire_collection_new();
    CHECK_INT(ft_run_coll("sort", NULL, c, NULL), QUIRE_OK);
    CHECK_INT(c->count, 0);
    quire_collection_add(c, mk("one", NULL, NULL, NULL, NULL, NULL));
    CHECK_INT(ft_run_coll("sort", "by=title", c, NULL), QUIRE_OK);
    CHECK_STR(ids(c), "one");
    quire_collection_free(c);
}

static void test_bad_options(void)
{
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    CHECK_INT(ft_init("sort", "by=size", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("sort", "order=up", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("sort", "direction=asc", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(diags.errors, 3);
    CHECK_INT(ft_init("sort", "by=path,order=desc", &diags), QUIRE_OK);
    CHECK_INT(diags.errors, 3);
    quire_diag_list_free(&diags);
}

int main(void)
{
    test_orders();
    test_stable();
    test_bad_options();
    return ft_done("test_sort");
}
