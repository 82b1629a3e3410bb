/*
 * test_limit.c — the "limit" filter: n, offset, and their edges.
 */
#include "ftest.h"

#include <stdio.h>

static quire_collection *make(size_t n)
{
    quire_collection *c = quire_collection_new();
    for (size_t i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "d%zu", i);
        quire_collection_add(c, ft_doc(id, NULL, id));
    }
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

static void expect(size_t count, const char *spec, const char *want)
{
    quire_collection *c = make(count);
    CHECK_INT(ft_run_coll("limit", spec, c, NULL), QUIRE_OK);
    CHECK_STR(ids(c), want);
    quire_collection_free(c); /* ASan: the dropped documents were freed, once */
}

int main(void)
{
    expect(5, "n=3", "d0,d1,d2");
    expect(5, "n=0", "");
    expect(5, "n=5", "d0,d1,d2,d3,d4");
    expect(5, "n=99", "d0,d1,d2,d3,d4");
    expect(5, "n=1", "d0");
    expect(5, "n=2,offset=1", "d1,d2");
    expect(5, "n=10,offset=3", "d3,d4");
    expect(5, "offset=4", "d4");
    expect(5, "offset=5", "");
    expect(5, "offset=50,n=2", "");
    expect(5, "offset=0", "d0,d1,d2,d3,d4");
    expect(5, NULL, "d0,d1,d2,d3,d4");
    expect(0, "n=3", "");
    expect(0, "n=0,offset=2", "");
    expect(5, "n=18446744073709551615", "d0,d1,d2,d3,d4");

    quire_diag_list diags;
    quire_diag_list_init(&diags);
    CHECK_INT(ft_init("limit", "n=-1", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("limit", "n=ten", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("limit", "n=", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("limit", "n= 3", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("limit", "offset=1.5", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("limit", "n=99999999999999999999999", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(ft_init("limit", "count=3", &diags), QUIRE_ERR_USAGE);
    CHECK_INT(diags.errors, 7);
    quire_diag_list_free(&diags);
    return ft_done("test_limit");
}
