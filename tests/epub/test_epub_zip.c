/*
 * test_epub_zip.c — the book's zip as written: packed chapters and images go
 * into it while documents arrive (epub.c), the rest at the end
 * (epub_package.c).  Every book is read by a parser of its own here (not
 * libzip, which forgives a few things) and held to:
 *
 *   - mimetype first, stored, exact, without an extra field;
 *   - local headers one after another from offset 0, each matching its
 *     central directory entry (method, dates, CRC, sizes, name, offset), the
 *     directory right after the last entry's data, the end record exact;
 *   - every entry's CRC and size those of its inflated data (zlib);
 *   - every chapter of the package's manifest in the zip exactly once, and no
 *     other chapter;
 *   - the same entries with the same bytes as the book written the old way,
 *     everything at the end from the spool (st->stream off): the reference;
 *   - the same bytes whether the chapters were prepared first (the build's
 *     worker threads) or not, and from run to run.
 *
 * On books whose chapters are packed, have ids to number, links to resolve,
 * images (shared, and a cover), in every chapter order.
 */
#include "epub_internal.h"
#include "epub_test.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static const unsigned char png_red[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00"
    "\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0c\x49\x44\x41\x54\x78\xda\x63"
    "\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xf7\x03\x41\x43\x00\x00\x00\x00\x49\x45\x4e\x44\xae"
    "\x42\x60\x82";
static const unsigned char png_blue[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00"
    "\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0c\x49\x44\x41\x54\x78\xda\x63"
    "\x60\x60\xf8\x0f\x00\x01\x03\x01\x00\x36\x74\x11\x40\x00\x00\x00\x00\x49\x45\x4e\x44\xae"
    "\x42\x60\x82";

/* ------------------------------------------------------------------ reading */

typedef struct zentry {
    char *name;
    unsigned char *data; /* inflated */
    size_t len;
} zentry;

typedef struct zbook {
    zentry *e;
    size_t n;
    bool zip64; /* the directory ends the Zip64 way */
} zbook;

static uint32_t rd16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
    return rd16(p) | rd16(p + 2) << 16;
}

static void zbook_free(zbook *z)
{
    for (size_t i = 0; i < z->n; i++) {
        free(z->e[i].name);
        free(z->e[i].data);
    }
    free(z->e);
    z->e = NULL;
    z->n = 0;
}

/* Raw inflate of c[0..clen) into exactly usize bytes (malloc'd), or NULL. */
static unsigned char *inflate_raw(const unsigned char *c, size_t clen, size_t usize)
{
    unsigned char *out = malloc(usize + 1);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (!out || inflateInit2(&zs, -15) != Z_OK) {
        free(out);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)c;
    zs.avail_in = (uInt)clen;
    zs.next_out = out;
    zs.avail_out = (uInt)usize + 1;
    int zr = inflate(&zs, Z_FINISH);
    bool ok = zr == Z_STREAM_END && zs.total_out == usize && zs.avail_in == 0;
    inflateEnd(&zs);
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Parse and check the whole zip; false (with a message) at the first fault. */
static bool zbook_read(const unsigned char *d, size_t len, zbook *z)
{
    memset(z, 0, sizeof *z);
#define FAIL(...)                                                   \
    do {                                                            \
        fprintf(stderr, "zip: ");                                   \
        fprintf(stderr, __VA_ARGS__);                               \
        fputc('\n', stderr);                                        \
        return false;                                               \
    } while (0)
    if (len < 22)
        FAIL("too short");
    const unsigned char *eocd = d + len - 22; /* no comment is written */
    if (rd32(eocd) != 0x06054b50 || rd16(eocd + 4) || rd16(eocd + 6) || rd16(eocd + 20))
        FAIL("end record");
    size_t count = rd16(eocd + 8), cd_size = rd32(eocd + 12), cd_off = rd32(eocd + 16);
    size_t dir_end = len - 22; /* where the directory must end */
    z->zip64 = count == 0xFFFF;
    if (z->zip64) {
        /* Zip64: the locator right before the end record, the record
         * right before it and right after the directory; the counts are
         * the record's, size and offset the same in both. */
        if (len < 22 + 20 + 56)
            FAIL("too short for Zip64");
        const unsigned char *loc = eocd - 20, *r = eocd - 20 - 56;
        if (rd32(loc) != 0x07064b50 || rd32(loc + 4) || rd32(loc + 16) != 1 ||
            rd32(loc + 8) != (uint32_t)(len - 22 - 20 - 56) || rd32(loc + 12))
            FAIL("Zip64 locator");
        if (rd32(r) != 0x06064b50 || rd32(r + 4) != 44 || rd32(r + 8) || rd16(r + 12) != 45 ||
            rd16(r + 14) != 45 || rd32(r + 16) || rd32(r + 20) || rd32(r + 28) ||
            rd32(r + 36) || rd32(r + 44) || rd32(r + 52))
            FAIL("Zip64 record");
        count = rd32(r + 32);
        if (rd32(r + 24) != count || rd32(r + 40) != cd_size || rd32(r + 48) != cd_off)
            FAIL("Zip64 record counts");
        dir_end = len - 22 - 20 - 56;
    }
    if (rd16(eocd + 10) != rd16(eocd + 8) || cd_off + cd_size != dir_end)
        FAIL("end record sizes");
    z->e = calloc(count ? count : 1, sizeof *z->e);
    size_t local = 0, cd = cd_off;
    uint32_t time0 = 0, date0 = 0;
    for (size_t i = 0; i < count; i++) {
        if (cd + 46 > dir_end || rd32(d + cd) != 0x02014b50)
            FAIL("directory entry %zu", i);
        const unsigned char *c = d + cd;
        uint32_t method = rd16(c + 10), crc = rd32(c + 16), csize = rd32(c + 20),
                 usize = rd32(c + 24), nlen = rd16(c + 28), off = rd32(c + 42);
        if (rd16(c + 30) || rd16(c + 32) || rd16(c + 34) || rd16(c + 36) || rd32(c + 38))
            FAIL("directory entry %zu: extra, comment, disk or attributes", i);
        if (method != 0 && method != 8)
            FAIL("entry %zu: method %u", i, method);
        if (rd16(c + 4) != (method == 8 ? 20u : 10u) || rd16(c + 6) != rd16(c + 4) ||
            rd16(c + 8) != 0)
            FAIL("entry %zu: versions or flags", i);
        if (i == 0) {
            time0 = rd16(c + 12);
            date0 = rd16(c + 14);
        } else if (rd16(c + 12) != time0 || rd16(c + 14) != date0) {
            FAIL("entry %zu: another date", i);
        }
        if (off != local)
            FAIL("entry %zu at %u, the previous one ends at %zu", i, off, local);
        const unsigned char *h = d + local;
        if (local + 30 > cd_off || rd32(h) != 0x04034b50)
            FAIL("local header %zu", i);
        if (rd16(h + 4) != rd16(c + 6) || rd16(h + 6) != 0 || rd16(h + 8) != method ||
            rd16(h + 10) != time0 || rd16(h + 12) != date0 || rd32(h + 14) != crc ||
            rd32(h + 18) != csize || rd32(h + 22) != usize || rd16(h + 26) != nlen ||
            rd16(h + 28) != 0)
            FAIL("local header %zu differs from the directory", i);
        if (local + 30 + nlen + csize > cd_off || cd + 46 + nlen > dir_end ||
            memcmp(h + 30, c + 46, nlen) != 0)
            FAIL("entry %zu: name or data out of place", i);
        zentry *e = &z->e[z->n++];
        e->name = strndup((const char *)c + 46, nlen);
        const unsigned char *data = h + 30 + nlen;
        if (method == 0) {
            if (csize != usize)
                FAIL("%s: stored with two sizes", e->name);
            e->data = malloc(usize + 1);
            memcpy(e->data, data, usize);
        } else if (!(e->data = inflate_raw(data, csize, usize))) {
            FAIL("%s: does not inflate to %u bytes", e->name, usize);
        }
        e->len = usize;
        if ((uint32_t)crc32(0, e->data, (uInt)usize) != crc)
            FAIL("%s: CRC", e->name);
        local += 30 + nlen + csize;
        cd += 46 + nlen;
    }
    /* Names once each: sorted, so a 70,000-entry zip is checked quickly. */
    const char **names = malloc((z->n ? z->n : 1) * sizeof *names);
    for (size_t i = 0; names && i < z->n; i++)
        names[i] = z->e[i].name;
    if (names)
        qsort(names, z->n, sizeof *names, cmp_names);
    for (size_t i = 1; names && i < z->n; i++)
        if (strcmp(names[i - 1], names[i]) == 0) {
            fprintf(stderr, "zip: %s twice\n", names[i]);
            free(names);
            return false;
        }
    free(names);
    if (local != cd_off || cd != cd_off + cd_size)
        FAIL("the directory does not follow the last entry");
    if (count == 0 || strcmp(z->e[0].name, "mimetype") != 0 || d[8] || d[9] ||
        z->e[0].len != 20 || memcmp(z->e[0].data, "application/epub+zip", 20) != 0)
        FAIL("mimetype is not the first entry, stored");
    return true;
#undef FAIL
}

static const zentry *zbook_find(const zbook *z, const char *name)
{
    for (size_t i = 0; i < z->n; i++)
        if (strcmp(z->e[i].name, name) == 0)
            return &z->e[i];
    return NULL;
}

/* Every chapter the manifest names is in the zip once, there is no other, and
 * there are n of them. */
static void check_chapters(const zbook *z, size_t n)
{
    const zentry *opf = zbook_find(z, "OEBPS/content.opf");
    CHECK(opf != NULL);
    if (!opf)
        return;
    char *s = strndup((const char *)opf->data, opf->len);
    char *end = strstr(s, "</manifest>"); /* the guide names the first again */
    CHECK(end != NULL);
    if (end)
        *end = '\0';
    size_t listed = 0;
    for (const char *p = s; (p = strstr(p, "href=\"ch")); p++) {
        char name[64];
        const char *q = strchr(p + 6, '"');
        CHECK(q && q - (p + 6) < 40);
        if (!q || q - (p + 6) >= 40)
            break;
        snprintf(name, sizeof name, "OEBPS/%.*s", (int)(q - (p + 6)), p + 6);
        size_t times = 0;
        for (size_t i = 0; i < z->n; i++)
            times += strcmp(z->e[i].name, name) == 0;
        if (times != 1)
            fprintf(stderr, "%s: %zu times in the zip\n", name, times);
        CHECK(times == 1);
        listed++;
    }
    free(s);
    size_t in_zip = 0;
    for (size_t i = 0; i < z->n; i++)
        in_zip += strncmp(z->e[i].name, "OEBPS/ch", 8) == 0;
    if (listed != n || in_zip != n)
        fprintf(stderr, "%zu chapters listed, %zu in the zip, %zu documents\n", listed, in_zip, n);
    CHECK(listed == n && in_zip == n);
}

/* The same entries with the same bytes, in any order. */
static bool same_entries(const zbook *a, const zbook *b)
{
    if (a->n != b->n) {
        fprintf(stderr, "%zu entries against %zu\n", a->n, b->n);
        return false;
    }
    for (size_t i = 0; i < a->n; i++) {
        const zentry *o = zbook_find(b, a->e[i].name);
        if (!o || o->len != a->e[i].len || memcmp(o->data, a->e[i].data, o->len) != 0) {
            fprintf(stderr, "%s differs\n", a->e[i].name);
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------------ writing */

/* The book of c, driven the way the build does (prepare, then write in
 * order) or quire_write() does (prepared false); stream false writes it all
 * at the end, from the spool. */
static bool write_book(quire_collection *c, bool stream, bool prepared, char **data,
                       size_t *len)
{
    const quire_writer *w = quire_writer_find("epub");
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_sink *s = NULL;
    if (!w || quire_sink_open_memory(&s) != QUIRE_OK)
        return false;
    quire_writer_ctx ctx = {.writer = w, .site = &c->site, .diags = &diags, .out = s,
                            .self_path = w->extension, .count = c->count};
    quire_date_parse(&ctx.updated, "2024-02-03T04:05:06Z");
    ctx.priv = calloc(1, w->priv_size);
    int rc = w->begin(&ctx);
    ((epub_state *)ctx.priv)->stream = stream;
    for (size_t i = 0; i < c->count && rc == QUIRE_OK; i++) {
        void *p = NULL;
        if (prepared && w->prepare(&ctx, c->docs[i], &diags, &p) != QUIRE_OK)
            rc = QUIRE_ERR_IO;
        ctx.prepared = p;
        if (rc == QUIRE_OK)
            rc = w->write_document(&ctx, c->docs[i]);
        ctx.prepared = NULL;
        if (p)
            w->release(p);
    }
    if (rc == QUIRE_OK)
        rc = w->end(&ctx);
    w->close(&ctx);
    free(ctx.priv);
    for (size_t i = 0; i < diags.count; i++)
        if (diags.items[i].severity == QUIRE_SEV_ERROR)
            fprintf(stderr, "error: %s\n", diags.items[i].message);
    quire_diag_list_free(&diags);
    if (rc != QUIRE_OK) {
        quire_sink_abort(s);
        return false;
    }
    return quire_sink_commit_memory(s, data, len) == QUIRE_OK;
}

/* n documents in dir: plain ones (packed), ones with a heading id (numbered
 * at the end), links to the previous one (resolved at the end), images
 * shared between them. */
static quire_collection *make_book(const char *dir, size_t n, const char *order, bool cover)
{
    quire_collection *c = quire_collection_new();
    c->site.config_dir = quire_arena_strdup(c->site.arena, dir);
    c->site.title = "Zip book";
    if (cover)
        c->site.cover = "images/blue.png";
    if (order) {
        quire_value *cfg = quire_value_new(c->site.arena, QUIRE_VALUE_MAPPING);
        quire_value *epub = quire_value_new(c->site.arena, QUIRE_VALUE_MAPPING);
        quire_value_append(c->site.arena, epub, "order",
                           quire_value_new_scalar(c->site.arena, QUIRE_VALUE_STRING, order,
                                                  strlen(order)));
        quire_value_append(c->site.arena, cfg, "epub", epub);
        c->site.config = cfg;
    }
    for (size_t i = 0; i < n; i++) {
        char id[32], title[64], src[64], date[32];
        snprintf(id, sizeof id, "d%zu", i);
        snprintf(title, sizeof title, "Title %zu", (i * 7919) % n);
        snprintf(src, sizeof src, "%s/posts/d%zu.md", dir, i);
        quire_document *d = tdoc(id, title, src);
        snprintf(date, sizeof date, "2021-%02zu-%02zuT00:00:00Z", 1 + (i * 5) % 12,
                 1 + (i * 11) % 28);
        quire_date_parse(&d->published, date);
        for (size_t k = 0; k < 1 + i % 4; k++)
            tpara(d, d->body, "Words enough to be compressed: words, words, words and more.");
        if (i % 4 == 1)
            quire_node_set_attr(d->arena, theading(d, d->body, 2, "Part"), "id", "part");
        if (i % 3 == 2) {
            char prev[32];
            snprintf(prev, sizeof prev, "d%zu.md", i - 1);
            tlink(d, tn(d, d->body, QUIRE_NODE_PARAGRAPH), prev, "previous");
        }
        if (i % 5 == 0)
            timage(d, tn(d, d->body, QUIRE_NODE_PARAGRAPH),
                   i % 10 ? "../images/red.png" : "../images/blue.png", "A square");
        quire_collection_add(c, d);
    }
    return c;
}

static void check_book(const char *dir, size_t n, const char *order, bool cover)
{
    quire_collection *c = make_book(dir, n, order, cover);
    char *data[4] = {0};
    size_t len[4] = {0};
    /* 0: streamed, prepared; 1: streamed, not prepared; 2: again as 0;
     * 3: the reference, everything at the end */
    CHECK(write_book(c, true, true, &data[0], &len[0]));
    CHECK(write_book(c, true, false, &data[1], &len[1]));
    CHECK(write_book(c, true, true, &data[2], &len[2]));
    CHECK(write_book(c, false, true, &data[3], &len[3]));
    zbook z = {0}, ref = {0};
    bool ok = data[0] && data[3];
    CHECK(ok && zbook_read((unsigned char *)data[0], len[0], &z));
    CHECK(ok && zbook_read((unsigned char *)data[3], len[3], &ref));
    check_chapters(&z, n);
    check_chapters(&ref, n);
    CHECK(same_entries(&z, &ref));
    size_t images = 0;
    for (size_t i = 0; i < z.n; i++)
        images += strncmp(z.e[i].name, "OEBPS/images/", 13) == 0;
    CHECK(images == (n > 5 ? 2u : n > 0 || cover ? 1u : 0u));
    for (int k = 1; k <= 2; k++)
        CHECK(data[k] && len[k] == len[0] && memcmp(data[k], data[0], len[0]) == 0);
    if (t_failures)
        fprintf(stderr, "^ %zu documents, order %s, cover %d\n", n, order ? order : "-", cover);
    zbook_free(&z);
    zbook_free(&ref);
    for (int k = 0; k < 4; k++)
        free(data[k]);
    quire_collection_free(c);
}

/* The checker itself must see a chapter missing or twice, a header off. */
static void check_the_checker(const char *dir)
{
    quire_collection *c = make_book(dir, 6, NULL, false);
    char *data = NULL;
    size_t len = 0;
    CHECK(write_book(c, true, true, &data, &len));
    zbook z;
    CHECK(data && zbook_read((unsigned char *)data, len, &z));
    int before = t_failures;
    /* a chapter renamed into another one's name: one missing, one twice */
    zentry *e = NULL;
    for (size_t i = 0; i < z.n; i++)
        if (strcmp(z.e[i].name, "OEBPS/ch00002.xhtml") == 0)
            e = &z.e[i];
    CHECK(e != NULL);
    if (e) {
        e->name[13] = '1';
        fprintf(stderr, "(expected:)\n");
        check_chapters(&z, 6);
        CHECK(t_failures > before); /* must have failed */
        t_failures = before;
    }
    zbook_free(&z);
    /* a CRC off by one bit in a local header */
    if (data) {
        unsigned char *d = (unsigned char *)data;
        size_t second = 30 + 8 + 20; /* after mimetype */
        d[second + 14] ^= 1;
        fprintf(stderr, "(expected:)\n");
        CHECK(!zbook_read(d, len, &z));
        zbook_free(&z);
    }
    free(data);
    quire_collection_free(c);
}

/* A zip of n entries made through the writer's own calls: mimetype, then
 * "e/K.txt" holding "K\n" (every third deflated). */
static char *zip_of(size_t n, size_t *len)
{
    quire_sink *sink = NULL;
    if (quire_sink_open_memory(&sink) != QUIRE_OK)
        return NULL;
    epub_zip z;
    quire__epub_zip_init(&z, sink, NULL);
    quire__epub_zip_add(&z, "mimetype", "application/epub+zip", 20, false);
    for (size_t k = 1; k < n; k++) {
        char name[32], text[32];
        snprintf(name, sizeof name, "e/%zu.txt", k);
        int tl = snprintf(text, sizeof text, "%zu\n", k);
        quire__epub_zip_add(&z, name, text, (size_t)tl, k % 3 == 0);
    }
    int rc = quire__epub_zip_finish(&z);
    quire__epub_zip_free(&z);
    char *data = NULL;
    if (quire_sink_commit_memory(sink, &data, len) != QUIRE_OK || rc != QUIRE_OK) {
        free(data);
        return NULL;
    }
    return data;
}

/* Zip64's end: up to 65,534 entries the classic end record, from 65,535 on
 * (0xFFFF in the classic count means "see Zip64")
 * the Zip64 record and locator before it (a 100,000-document book was
 * refused before); every entry there and intact either way.  When Python
 * is there, its zipfile module reads the big one too (another reader
 * than ours). */
static void check_zip64(void)
{
    static const size_t ns[] = {65534, 65535, 70001};
    for (size_t i = 0; i < 3; i++) {
        size_t len = 0;
        char *data = zip_of(ns[i], &len);
        zbook z = {0};
        CHECK(data && zbook_read((unsigned char *)data, len, &z));
        CHECK(z.n == ns[i] && z.zip64 == (ns[i] >= 65535));
        if (z.n != ns[i] || z.zip64 != (ns[i] >= 65535))
            fprintf(stderr, "^ %zu entries: read %zu, zip64 %d\n", ns[i], z.n, z.zip64);
        char last[32], text[32];
        snprintf(last, sizeof last, "e/%zu.txt", ns[i] - 1);
        int tl = snprintf(text, sizeof text, "%zu\n", ns[i] - 1);
        const zentry *e = zbook_find(&z, last);
        CHECK(e && e->len == (size_t)tl && memcmp(e->data, text, (size_t)tl) == 0);
        if (ns[i] == 70001 && data && system("python3 -c 'import zipfile' 2>/dev/null") == 0) {
            char path[] = "/tmp/quire-zip64-XXXXXX";
            int fd = mkstemp(path);
            CHECK(fd >= 0 && write(fd, data, len) == (ssize_t)len);
            if (fd >= 0)
                close(fd);
            char cmd[256];
            snprintf(cmd, sizeof cmd,
                     "python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
                     "sys.exit(len(z.infolist()) != 70001 or z.testzip() is not None or "
                     "z.read(\"e/70000.txt\") != b\"70000\\n\")' %s",
                     path);
            CHECK(system(cmd) == 0);
            unlink(path);
        }
        zbook_free(&z);
        free(data);
    }
    /* Forced (QUIRE_EPUB_ZIP64=1, the conformance test's seam): a small
     * book ends the Zip64 way, with the same entries. */
    size_t len = 0, len64 = 0;
    char *classic = zip_of(5, &len);
    setenv("QUIRE_EPUB_ZIP64", "1", 1);
    char *forced = zip_of(5, &len64);
    unsetenv("QUIRE_EPUB_ZIP64");
    zbook a = {0}, b = {0};
    CHECK(classic && zbook_read((unsigned char *)classic, len, &a) && !a.zip64);
    CHECK(forced && zbook_read((unsigned char *)forced, len64, &b) && b.zip64);
    CHECK(len64 == len + 76 && same_entries(&a, &b));
    zbook_free(&a);
    zbook_free(&b);
    free(classic);
    free(forced);
}

int main(void)
{
    char dir[] = "/tmp/quire-epub-zip-XXXXXX";
    if (!mkdtemp(dir))
        return 99;
    char path[4096];
    snprintf(path, sizeof path, "%s/images", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/posts", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/images/red.png", dir);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(png_red, 1, sizeof png_red - 1, f);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/images/blue.png", dir);
    if ((f = fopen(path, "wb"))) {
        fwrite(png_blue, 1, sizeof png_blue - 1, f);
        fclose(f);
    }
    static const char *const orders[] = {NULL, "date", "date-desc", "title"};
    static const size_t sizes[] = {0, 1, 2, 7, 40};
    for (size_t o = 0; o < 4; o++)
        for (size_t s = 0; s < 5; s++)
            check_book(dir, sizes[s], orders[o], s % 2 == 1);
    check_book(dir, 300, NULL, true);
    check_the_checker(dir);
    check_zip64();

    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    if (system(path) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    if (t_failures)
        fprintf(stderr, "%d check(s) failed\n", t_failures);
    return t_failures ? 1 : 0;
}
