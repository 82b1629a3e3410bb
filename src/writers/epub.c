/*
 * epub.c — writer "epub": the whole collection as one EPUB 3 book (with an
 * EPUB 2 NCX for older readers), one chapter per document.
 *
 * Memory: documents arrive one at a time and may be freed by the caller right
 * after write_document, so each chapter is converted, serialized and written
 * out at once; only small records stay in memory.  A chapter whose bytes are
 * final (compressed by prepare: no ids to number, no links to resolve) and
 * every image go straight into the book on the sink, as zip entries in order
 * of arrival behind the mimetype entry.  The others wait in an anonymous
 * spool file (tmpfile(): unlinked, gone when closed) for the end.
 *
 * Speed: the conversion (and the compression of a chapter whose bytes are
 * final) is prepare(), which the build runs on its worker threads; it only
 * reads the writer's state.  write_document then adds the result to the book
 * in collection order (images, ids, links, book or spool), so the book is
 * the same whatever the number of threads.  Without prepare (quire_write(),
 * the model round trip) write_document does both steps itself.  end()
 * builds the package from those records and streams every entry not yet in
 * the book into the sink (epub_zip.c), then the zip's directory.  Peak
 * memory is the records plus one chapter, whatever the number of documents.
 *
 * Links between documents cannot be resolved while writing a chapter (the
 * target may come later), so they are written as placeholder attributes
 * (href="quire-xref:N") and replaced when the chapter is read back from the
 * spool — see epub_package.c.
 *
 * Options (writer options first, then `epub:` in quire.yaml):
 *   order: collection (default) | date | date-desc | title
 *   stylesheet: path of a CSS file replacing the built-in one
 *   fetch-remote / fetch_remote: true to download remote images (libcurl builds)
 *   fetch-cache / fetch_cache: where downloads are kept
 */
#include "epub_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void epub_strvec_add(epub_strvec *v, const char *s, size_t max)
{
    if (!s || v->count >= max)
        return;
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    if (!*s || !quire__utf8_valid(s, strlen(s)))
        return;
    uint64_t h = quire__hash_str(s, 7);
    if (quire__hmap_get(&v->seen, h, NULL))
        return;
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        char **items = realloc(v->items, cap * sizeof *items);
        if (!items)
            return;
        v->items = items;
        v->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy)
        return;
    v->items[v->count++] = copy;
    quire__hmap_put(&v->seen, h, 1, false);
}

static void epub_strvec_free(epub_strvec *v)
{
    for (size_t i = 0; i < v->count; i++)
        free(v->items[i]);
    free(v->items);
    quire__hmap_free(&v->seen);
}

/* ------------------------------------------------------------------ spool */

/* A packed chapter's bytes, as the next entry of the book (its index is the
 * one quire__epub_chapter_add is adding). */
static int epub_spool_into_book(epub_state *st, const void *data, size_t len)
{
    const epub_prep *p = st->direct;
    char name[48] = "OEBPS/";
    quire__epub_file_name(name + 6, st->n_chapters);
    int rc = quire__epub_book_begin(st);
    if (!rc)
        rc = quire__epub_zip_add_packed(&st->zip, name, data, len, p->usize, p->crc, p->method);
    if (rc == QUIRE_ERR_LIMIT) /* the others are reported with the chapter */
        quire_diag_add(st->ctx->diags, QUIRE_SEV_ERROR, "epub", NULL, 0, 0,
                       "cannot write the book: %s", quire_strerror(rc));
    st->direct_done = rc == QUIRE_OK;
    return rc;
}

int quire__epub_spool(epub_state *st, const void *data, size_t len, uint64_t *off_out)
{
    if (st->direct && data == st->direct->bytes && len == st->direct->len) {
        *off_out = 0;
        return epub_spool_into_book(st, data, len);
    }
    if (!st->spool && !(st->spool = tmpfile()))
        return QUIRE_ERR_IO;
    if ((!st->spool_at_end && fseeko(st->spool, (off_t)st->spool_len, SEEK_SET) != 0) ||
        (len && fwrite(data, 1, len, st->spool) != len)) {
        st->spool_at_end = false;
        return QUIRE_ERR_IO;
    }
    st->spool_at_end = true;
    *off_out = st->spool_len;
    st->spool_len += len;
    return QUIRE_OK;
}

int quire__epub_unspool(epub_state *st, uint64_t off, size_t len, char **out)
{
    char *buf = malloc(len + 1);
    if (!buf)
        return QUIRE_ERR_NOMEM;
    st->spool_at_end = false;
    if (len && (!st->spool || fseeko(st->spool, (off_t)off, SEEK_SET) != 0 ||
                fread(buf, 1, len, st->spool) != len)) {
        free(buf);
        return QUIRE_ERR_IO;
    }
    buf[len] = '\0';
    *out = buf;
    return QUIRE_OK;
}

/* ------------------------------------------------------------------ BCP 47 */

static bool epub_all(const char *s, size_t n, int (*pred)(int))
{
    for (size_t i = 0; i < n; i++)
        if (!pred((unsigned char)s[i]))
            return false;
    return true;
}

/* Well-formedness per RFC 5646 §2.1 (langtag and privateuse; grandfathered
 * tags other than the regular i-* ones are refused). */
static bool epub_bcp47_ok(const char *tag)
{
    const char *p = tag;
    const char *subtags[64];
    size_t lens[64], n = 0;
    while (*p) {
        const char *e = strchr(p, '-');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0 || len > 8 || n == 64 || !epub_all(p, len, isalnum))
            return false;
        subtags[n] = p;
        lens[n++] = len;
        p += len;
        if (*p == '-') {
            p++;
            if (!*p)
                return false;
        }
    }
    if (n == 0)
        return false;
    size_t i = 0;
    if ((lens[0] == 1 && (subtags[0][0] == 'x' || subtags[0][0] == 'X')) ||
        (lens[0] == 1 && (subtags[0][0] == 'i' || subtags[0][0] == 'I'))) {
        return n >= 2; /* privateuse or i- grandfathered */
    }
    /* language */
    if (!epub_all(subtags[0], lens[0], isalpha) || lens[0] < 2 || lens[0] == 4)
        return false;
    i = 1;
    if (lens[0] <= 3) /* extlang: up to three 3-letter subtags */
        for (int k = 0; k < 3 && i < n && lens[i] == 3 && epub_all(subtags[i], 3, isalpha); k++)
            i++;
    if (i < n && lens[i] == 4 && epub_all(subtags[i], 4, isalpha))
        i++; /* script */
    if (i < n && ((lens[i] == 2 && epub_all(subtags[i], 2, isalpha)) ||
                  (lens[i] == 3 && epub_all(subtags[i], 3, isdigit))))
        i++; /* region */
    while (i < n && ((lens[i] >= 5) || (lens[i] == 4 && isdigit((unsigned char)subtags[i][0]))))
        i++; /* variants */
    while (i < n && lens[i] == 1 && tolower((unsigned char)subtags[i][0]) != 'x') {
        /* extension: singleton then 2..8 */
        i++;
        size_t start = i;
        while (i < n && lens[i] >= 2)
            i++;
        if (i == start)
            return false;
    }
    if (i < n && lens[i] == 1) /* privateuse */
        return i + 1 < n;
    return i == n;
}

char *quire__epub_lang(const char *s)
{
    if (!s)
        return NULL;
    while (*s == ' ')
        s++;
    /* "en_US.UTF-8" and "de_DE@euro" are locale names: keep language and region */
    size_t n = strcspn(s, ".@ ");
    char *t = strndup(s, n);
    if (!t)
        return NULL;
    for (char *p = t; *p; p++)
        if (*p == '_')
            *p = '-';
    if (strcmp(t, "C") == 0 || strcasecmp(t, "POSIX") == 0 || !epub_bcp47_ok(t)) {
        free(t);
        return NULL;
    }
    return t;
}

/* ------------------------------------------------------------------ options */

static const char *epub_opt(quire_writer_ctx *ctx, const char *key, const char *alt)
{
    const char *v = quire_value_str(quire_value_get(ctx->options, key));
    if (!v && alt)
        v = quire_value_str(quire_value_get(ctx->options, alt));
    if (!v && ctx->site->config) {
        const quire_value *epub = quire_value_get(ctx->site->config, "epub");
        v = quire_value_str(quire_value_get(epub, key));
        if (!v && alt)
            v = quire_value_str(quire_value_get(epub, alt));
    }
    return v;
}

static bool epub_truthy(const char *v)
{
    return v && (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0 ||
                 strcmp(v, "on") == 0);
}

/* A path from quire.yaml, relative to the folder of quire.yaml. */
static char *epub_config_path(const quire_site *site, const char *p)
{
    quire_buf b;
    quire__buf_init(&b);
    if (p[0] != '/' && site->config_dir && *site->config_dir)
        quire__buf_printf(&b, "%s/", site->config_dir);
    quire__buf_puts(&b, p);
    return quire__buf_detach(&b, NULL);
}

static void epub_load_cover(epub_state *st)
{
    quire_writer_ctx *ctx = st->ctx;
    const char *cover = ctx->site->cover;
    if (!cover) {
        const char *c = epub_opt(ctx, "cover", NULL);
        cover = c;
    }
    if (!cover || !*cover)
        return;
    if (quire__url_has_scheme(cover)) {
        quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, "epub", NULL, 0, 0,
                       "cover %s: only a local file can be a cover; using a title page",
                       cover);
        return;
    }
    char *path = epub_config_path(ctx->site, cover);
    const char *why = NULL;
    long idx = path ? quire__epub_media_add_file(st, path, &why) : -1;
    if (idx < 0)
        quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, "epub", path, 0, 0,
                       "cover image not used (%s); using a title page", why ? why : "?");
    st->cover_media = idx;
    free(path);
}

static void epub_load_stylesheet(epub_state *st)
{
    quire_writer_ctx *ctx = st->ctx;
    const char *css = epub_opt(ctx, "stylesheet", NULL);
    if (!css || !*css)
        return;
    char *path = epub_config_path(ctx->site, css);
    char *data = NULL;
    size_t len = 0;
    int rc = path ? quire_read_file(path, 4u << 20, &data, &len) : QUIRE_ERR_NOMEM;
    if (rc != QUIRE_OK || !quire__utf8_valid(data, len) || memchr(data, '\0', len)) {
        quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, "epub", path, 0, 0,
                       "stylesheet cannot be used (%s); using the built-in one",
                       rc ? quire_strerror(rc) : "not UTF-8 text");
        free(data);
    } else {
        st->stylesheet = data;
        st->stylesheet_len = len;
    }
    free(path);
}

static int epub_begin(quire_writer_ctx *ctx)
{
    epub_state *st = ctx->priv;
    st->ctx = ctx;
    st->cover_media = -1;
    st->stream = ctx->out != NULL;

    st->language = quire__epub_lang(ctx->site->language);
    if (!st->language) {
        if (ctx->site->language && *ctx->site->language)
            quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, "epub", NULL, 0, 0,
                           "language \"%s\" is not a BCP 47 tag; using \"en\"",
                           ctx->site->language);
        if (!(st->language = strdup("en")))
            return QUIRE_ERR_NOMEM;
    }

    const char *order = epub_opt(ctx, "order", NULL);
    if (!order || strcmp(order, "collection") == 0 || strcmp(order, "source") == 0)
        st->order = EPUB_ORDER_COLLECTION;
    else if (strcmp(order, "date") == 0)
        st->order = EPUB_ORDER_DATE;
    else if (strcmp(order, "date-desc") == 0)
        st->order = EPUB_ORDER_DATE_DESC;
    else if (strcmp(order, "title") == 0)
        st->order = EPUB_ORDER_TITLE;
    else {
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, "epub", NULL, 0, 0,
                       "epub order \"%s\": expected collection, date, date-desc or title",
                       order);
        return QUIRE_ERR_USAGE;
    }

    st->fetch_remote = ctx->fetch_remote || epub_truthy(epub_opt(ctx, "fetch-remote", "fetch_remote"));
#ifndef QUIRE_HAVE_CURL
    if (st->fetch_remote) {
        quire_diag_add(ctx->diags, QUIRE_SEV_WARNING, "epub", NULL, 0, 0,
                       "--fetch-remote needs a build with libcurl (meson -Dfetch=enabled); "
                       "remote images become links");
        st->fetch_remote = false;
    }
#else
    if (st->fetch_remote) {
        const char *cache = epub_opt(ctx, "fetch-cache", "fetch_cache");
        quire_buf b;
        quire__buf_init(&b);
        if (cache && *cache) {
            quire__buf_puts(&b, cache);
        } else {
            const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
            if (xdg && *xdg)
                quire__buf_printf(&b, "%s/quire/fetch", xdg);
            else if (home && *home)
                quire__buf_printf(&b, "%s/.cache/quire/fetch", home);
            else
                quire__buf_puts(&b, ".quire-cache/fetch");
        }
        st->fetch_cache = quire__buf_detach(&b, NULL);
    }
#endif

    if (!(st->spool = tmpfile())) {
        quire_diag_add(ctx->diags, QUIRE_SEV_ERROR, "epub", NULL, 0, 0,
                       "cannot create a temporary file for the book");
        return QUIRE_ERR_IO;
    }
    epub_load_cover(st);
    epub_load_stylesheet(st);
    return QUIRE_OK;
}

static int epub_write_document(quire_writer_ctx *ctx, const quire_document *doc)
{
    epub_state *st = ctx->priv;
    /* The book's identity: order-independent sums of per-document hashes, so
     * re-ordering chapters keeps the identifier. */
    const char *id = doc->id ? doc->id : (doc->source_path ? doc->source_path : "");
    st->uid_a += quire__hash_str(id, 1);
    st->uid_b += quire__hash_str(id, 2);

    if (st->n_chapters == 0) {
        st->first_title = doc->title ? strdup(doc->title) : NULL;
        st->first_summary = doc->summary ? strdup(doc->summary) : NULL;
        st->first_published = doc->published;
    }
    for (size_t i = 0; i < doc->tags.count; i++)
        epub_strvec_add(&st->subjects, doc->tags.items[i], 100);
    for (size_t i = 0; i < doc->n_authors; i++)
        epub_strvec_add(&st->creators, doc->authors[i].name, 50);
    epub_prep *p = ctx->prepared;
    int rc = QUIRE_OK;
    if (!p && (rc = quire__epub_chapter_prepare(st, doc, ctx->diags, &p)) != QUIRE_OK)
        return rc;
    /* Final bytes go straight into the book (the spool hands them over),
     * so that the end does not copy them again. */
    st->direct = st->stream && p->packed ? p : NULL;
    st->direct_done = false;
    rc = quire__epub_chapter_add(st, doc, p);
    if (rc == QUIRE_OK && st->direct_done)
        st->chapters[st->n_chapters - 1].in_book = true;
    st->direct = NULL;
    if (p != ctx->prepared)
        quire__epub_prep_free(p);
    return rc;
}

static int epub_prepare(const quire_writer_ctx *ctx, const quire_document *doc,
                        quire_diag_list *diags, void **out)
{
    const epub_state *st = ctx->priv;
    *out = NULL;
    /* Downloads share a cache whose files are written in place: they stay on
     * the main thread, in order (write_document does the whole work). */
    if (st->fetch_remote)
        return QUIRE_OK;
    epub_prep *p = NULL;
    int rc = quire__epub_chapter_prepare(st, doc, diags, &p);
    *out = p;
    return rc;
}

static void epub_release(void *prepared)
{
    quire__epub_prep_free(prepared);
}

static int epub_end(quire_writer_ctx *ctx)
{
    return quire__epub_finish(ctx->priv);
}

void quire__epub_state_free(epub_state *st)
{
    if (st->spool)
        fclose(st->spool);
    quire__epub_zip_free(&st->zip);
    for (size_t i = 0; i < st->n_chapters; i++)
        free(st->chapters[i].title);
    free(st->chapters);
    for (size_t i = 0; i < st->n_media; i++)
        free(st->media[i].href);
    free(st->media);
    quire__hmap_free(&st->media_by_hash);
    for (size_t i = 0; i < st->n_xrefs; i++) {
        free(st->xrefs[i].fragment);
        free(st->xrefs[i].fallback);
    }
    free(st->xrefs);
    quire__hmap_free(&st->targets);
    quire__hmap_free(&st->ids);
    epub_strvec_free(&st->subjects);
    epub_strvec_free(&st->creators);
    free(st->first_title);
    free(st->first_summary);
    free(st->language);
    free(st->fetch_cache);
    free(st->stylesheet);
    memset(st, 0, sizeof *st);
}

static void epub_close(quire_writer_ctx *ctx)
{
    if (ctx->priv)
        quire__epub_state_free(ctx->priv);
}

const quire_writer quire_writer_epub = {
    .version = QUIRE_COMPONENT_VERSION,
    .name = "epub",
    .long_name = "EPUB 3 (with an EPUB 2 NCX)",
    .extension = "book.epub",
    .mime_type = "application/epub+zip",
    .flags = QUIRE_WRITER_BINARY,
    .default_filters = "embeds",
    .priv_size = sizeof(epub_state),
    .begin = epub_begin,
    .write_document = epub_write_document,
    .prepare = epub_prepare,
    .release = epub_release,
    .end = epub_end,
    .close = epub_close,
};
