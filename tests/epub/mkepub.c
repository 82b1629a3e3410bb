/*
 * mkepub.c — writes the EPUB test cases to files, for EPUBCheck, pandoc and
 * the reproducibility test:
 *
 *   epub-mkepub hostile OUT.epub WORKDIR     three hostile, cross-linked documents
 *   epub-mkepub corpus N OUT.epub WORKDIR    N generated documents, written the
 *                                            way a streaming build does: each one
 *                                            freed right after the writer saw it;
 *                                            prints peak RSS on stderr
 *   epub-mkepub empty OUT.epub               no documents at all
 *   epub-mkepub single OUT.epub WORKDIR      one document (the `convert` shape)
 */
#include "cases.h"

#include <sys/resource.h>

static int corpus(size_t n, const char *out, const char *dir, quire_diag_list *diags)
{
    case_images(dir);
    quire_collection *c = quire_collection_new();
    c->site.title = "Generated corpus";
    case_site_dir(c, dir);
    const quire_writer *w = quire_writer_find("epub");
    const quire_filter *emb = quire_filter_find("embeds");
    quire_sink *s = NULL;
    if (quire_sink_open_file(&s, out) != QUIRE_OK)
        return 1;
    quire_writer_ctx ctx = {
        .writer = w,
        .site = &c->site,
        .diags = diags,
        .out = s,
        .count = n,
    };
    quire_date_parse(&ctx.updated, "2023-11-14T22:13:20Z");
    ctx.priv = calloc(1, w->priv_size);
    int rc = w->begin(&ctx);
    for (size_t i = 0; rc == QUIRE_OK && i < n; i++) {
        quire_document *d = case_corpus_doc(dir, i);
        quire_filter_ctx fctx = {.filter = emb, .site = &c->site, .diags = diags};
        emb->run_document(&fctx, d);
        rc = w->write_document(&ctx, d);
        quire_document_free(d);
    }
    if (rc == QUIRE_OK)
        rc = w->end(&ctx);
    w->close(&ctx);
    free(ctx.priv);
    if (rc == QUIRE_OK)
        rc = quire_sink_commit(s);
    else
        quire_sink_abort(s);
    quire_collection_free(c);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fprintf(stderr, "epub corpus: %zu documents, peak RSS %ld KiB\n", n, ru.ru_maxrss);
    return rc == QUIRE_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s hostile|corpus|empty|single ...\n", argv[0]);
        return 2;
    }
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    int rc = 1;
    const char *what = argv[1];
    if (strcmp(what, "hostile") == 0 && argc == 4) {
        quire_collection *c = case_hostile(argv[3]);
        rc = twrite_file(c, argv[2], &diags) == QUIRE_OK ? 0 : 1;
        quire_collection_free(c);
    } else if (strcmp(what, "single") == 0 && argc == 4) {
        case_images(argv[3]);
        quire_collection *c = quire_collection_new();
        case_site_dir(c, argv[3]);
        quire_collection_add(c, case_other_doc(argv[3]));
        rc = twrite_file(c, argv[2], &diags) == QUIRE_OK ? 0 : 1;
        quire_collection_free(c);
    } else if (strcmp(what, "empty") == 0) {
        quire_collection *c = quire_collection_new();
        rc = twrite_file(c, argv[2], &diags) == QUIRE_OK ? 0 : 1;
        quire_collection_free(c);
    } else if (strcmp(what, "corpus") == 0 && argc == 5) {
        rc = corpus((size_t)strtoul(argv[2], NULL, 10), argv[3], argv[4], &diags);
    } else {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    if (getenv("EPUB_TEST_VERBOSE"))
        tprint_diags(&diags);
    quire_diag_list_free(&diags);
    return rc;
}
