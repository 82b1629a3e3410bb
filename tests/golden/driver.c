/*
 * driver.c — a stand-in for `quire convert` used by the golden runner until
 * the CLI is available (QUIRE_CONVERT in tests/golden/meson.build picks it).
 * Same arguments as the CLI's subset the cases use:
 *   golden-driver convert FILE|- [-f FORMAT] -t FORMAT [-o -] [--base-url URL]
 * Diagnostics go to stderr as `file:line:col: severity: message`.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_diags(const quire_diag_list *d)
{
    for (size_t i = 0; i < d->count; i++) {
        const quire_diag *g = &d->items[i];
        fprintf(stderr, "%s:%u:%u: %s: [%s] %s\n", g->file ? g->file : "-", g->line, g->column,
                quire_severity_name(g->severity), g->component ? g->component : "", g->message);
    }
}

int main(int argc, char **argv)
{
    const char *in = NULL, *from = NULL, *to = NULL, *base = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "convert"))
            continue;
        if (!strcmp(argv[i], "-f") && i + 1 < argc) from = argv[++i];
        else if (!strcmp(argv[i], "-t") && i + 1 < argc) to = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc) ++i; /* stdout only */
        else if (!strcmp(argv[i], "--base-url") && i + 1 < argc) base = argv[++i];
        else in = argv[i];
    }
    if (!in || !to) {
        fprintf(stderr, "usage: %s convert FILE|- [-f F] -t F [--base-url URL]\n", argv[0]);
        return 2;
    }
    char *data;
    size_t len;
    if (quire_read_file(in, 0, &data, &len) != QUIRE_OK) {
        fprintf(stderr, "%s: cannot read\n", in);
        return 1;
    }
    const quire_reader *r = from ? quire_reader_find(from) : quire_reader_probe(in, data, len, NULL);
    const quire_writer *w = quire_writer_find(to);
    if (!r || !w || !r->read) {
        fprintf(stderr, "unknown format\n");
        free(data);
        return 2;
    }
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_collection *c = quire_collection_new();
    if (base)
        quire_site_set_base_url(&c->site, base);
    quire_read_ctx ctx = {.path = in, .diags = &diags};
    int rc = r->read(&ctx, data, len, c);
    free(data);
    if (rc == QUIRE_OK) {
        quire_sink *s;
        quire_sink_open_stdout(&s);
        rc = quire_write(c, w, s, NULL, &diags);
        if (rc == QUIRE_OK)
            rc = quire_sink_commit(s);
        else
            quire_sink_abort(s);
    }
    print_diags(&diags);
    int status = rc != QUIRE_OK || diags.errors ? 1 : 0;
    quire_diag_list_free(&diags);
    quire_collection_free(c);
    return status;
}
