/*
 * media.c — local images for the epub and html writers (media.h): sniffing
 * by magic bytes, an SVG check, content hashes, and the lookup of an image
 * file from a document, which never reads outside the document's folder or
 * the site's folder.
 *
 * Why real paths: an image src comes from the content, which may not be the
 * site owner's own ("../../etc/passwd", a symlink committed in a pull
 * request).  Resolving symlinks first and comparing real paths is the only
 * check that a link planted inside the folder cannot get around.
 */
#include "media.h"
#include "xref.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

/* ------------------------------------------------------------------ kinds */

quire_media_kind quire__media_sniff(const unsigned char *d, size_t n)
{
    if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
        return QUIRE_MEDIA_PNG;
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
        return QUIRE_MEDIA_JPEG;
    if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
        return QUIRE_MEDIA_GIF;
    if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0)
        return QUIRE_MEDIA_WEBP;
    /* skip a BOM and leading white space to spot SVG (XML) */
    size_t i = 0;
    if (n >= 3 && memcmp(d, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
        i++;
    if (i < n && d[i] == '<')
        return QUIRE_MEDIA_SVG;
    return QUIRE_MEDIA_UNKNOWN;
}

const char *quire__media_mime(quire_media_kind k)
{
    static const char *const mimes[] = {NULL, "image/png", "image/jpeg", "image/gif",
                                        "image/webp", "image/svg+xml"};
    return (size_t)k < sizeof mimes / sizeof mimes[0] ? mimes[k] : NULL;
}

const char *quire__media_ext(quire_media_kind k)
{
    static const char *const exts[] = {NULL, "png", "jpg", "gif", "webp", "svg"};
    return (size_t)k < sizeof exts / sizeof exts[0] ? exts[k] : NULL;
}

/* Both passes, every byte: the reference the remembered hashes below must
 * equal (the names of published images are made from them). */
static void media_hash_full(const void *data, size_t len, uint64_t *h1, uint64_t *h2)
{
    *h1 = quire__fnv1a64(data, len, 0xcbf29ce484222325ull);
    *h2 = quire__fnv1a64(data, len, 0x84222325cbf29ce4ull);
}

/* Hashes of images already seen, kept for the rest of the process with a
 * copy of their bytes.  A site shows a few images on thousands of pages and
 * both the HTML and the EPUB writer hash each use: byte-at-a-time FNV-1a
 * twice cost ~4 instructions a byte, 1.4% of a 1,000-document build, where
 * comparing the bytes with the copy (memcmp, vectorized) costs a few
 * hundred per image.  Keyed by content, not by path: an answer can never
 * be stale, and the memo needs nothing from the callers.  Small images are
 * hashed directly (cheaper than the look-up); bounded in entries and
 * bytes, beyond which images are hashed every time. */
#define MEDIA_HASH_MIN 256
#define MEDIA_HASH_SLOTS 1024            /* power of two; at most half used */
#define MEDIA_HASH_BYTES (32u << 20)

typedef struct media_hashed {
    unsigned char *data;                /* NULL: an empty slot */
    size_t len;
    uint64_t fp;                        /* media_fingerprint */
    uint64_t h1, h2;
} media_hashed;

static struct {
    pthread_mutex_t mu;
    media_hashed slot[MEDIA_HASH_SLOTS];
    size_t used, bytes;
} media_hashes = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* A cheap key for len >= MEDIA_HASH_MIN bytes: the length and samples from
 * the start (dimensions in PNG and GIF headers), the middle and the end.
 * Equal keys are only candidates: a hit needs all bytes equal. */
static uint64_t media_fingerprint(const unsigned char *d, size_t len)
{
    uint64_t h = quire__fnv1a64(d, 32, 0xcbf29ce484222325ull ^ (uint64_t)len);
    h = quire__fnv1a64(d + len / 2 - 16, 32, h);
    return quire__fnv1a64(d + len - 32, 32, h);
}

/* The entry holding these bytes, or the empty slot where they would go
 * (NULL when the probe went all the way round).  Called locked. */
static media_hashed *media_hashed_slot(const unsigned char *d, size_t len, uint64_t fp)
{
    size_t i = (size_t)fp & (MEDIA_HASH_SLOTS - 1);
    for (size_t k = 0; k < MEDIA_HASH_SLOTS; k++, i = (i + 1) & (MEDIA_HASH_SLOTS - 1)) {
        media_hashed *e = &media_hashes.slot[i];
        if (!e->data || (e->fp == fp && e->len == len && memcmp(e->data, d, len) == 0))
            return e;
    }
    return NULL;
}

void quire__media_hash(const void *data, size_t len, uint64_t *h1, uint64_t *h2)
{
    if (len < MEDIA_HASH_MIN) {
        media_hash_full(data, len, h1, h2);
        return;
    }
    const unsigned char *d = data;
    uint64_t fp = media_fingerprint(d, len);
    pthread_mutex_lock(&media_hashes.mu);
    media_hashed *e = media_hashed_slot(d, len, fp);
    bool hit = e && e->data;
    if (hit) {
        *h1 = e->h1;
        *h2 = e->h2;
    }
    pthread_mutex_unlock(&media_hashes.mu);
    if (hit)
        return;
    media_hash_full(data, len, h1, h2);
    /* remember them; another thread may have meanwhile: the slot is looked
     * for again */
    unsigned char *copy = NULL;
    pthread_mutex_lock(&media_hashes.mu);
    if (media_hashes.used < MEDIA_HASH_SLOTS / 2 && media_hashes.bytes + len <= MEDIA_HASH_BYTES &&
        (e = media_hashed_slot(d, len, fp)) && !e->data && (copy = malloc(len))) {
        memcpy(copy, d, len);
        *e = (media_hashed){.data = copy, .len = len, .fp = fp, .h1 = *h1, .h2 = *h2};
        media_hashes.used++;
        media_hashes.bytes += len;
    }
    pthread_mutex_unlock(&media_hashes.mu);
}

/* ------------------------------------------------------------------ SVG */

/* A published SVG is also opened on its own (its URL in the address bar),
 * where it runs with the site's origin: it must hold no script, no event
 * handler, no link or reference leaving the file, no foreign content.  An
 * allowlist of plain drawing elements; everything else refuses the file. */
static const char *const svg_elements[] = {
    "svg", "g", "defs", "title", "desc", "path", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop",
    "clipPath", "mask", "pattern", "symbol", "use", "marker", NULL};

#define SVG_NS "http://www.w3.org/2000/svg"

/* ASCII case-insensitive strstr (strcasestr is a GNU extension). */
static const char *svg_find(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* A url(...) in a value may only name a fragment of the same file. */
static bool svg_value_ok(const char *v)
{
    if (svg_find(v, "javascript:") || svg_find(v, "@import") || svg_find(v, "expression("))
        return false;
    for (const char *p = v; (p = svg_find(p, "url(")); ) {
        p += 4;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '"' || *p == '\'')
            p++;
        if (*p != '#')
            return false;
    }
    return true;
}

static bool svg_element_ok(xmlNodePtr el)
{
    if (!el->ns || !el->ns->href || strcmp((const char *)el->ns->href, SVG_NS) != 0)
        return false;
    bool known = false;
    for (size_t i = 0; svg_elements[i] && !known; i++)
        known = strcmp((const char *)el->name, svg_elements[i]) == 0;
    if (!known)
        return false;
    for (xmlAttrPtr at = el->properties; at; at = at->next) {
        const char *name = (const char *)at->name;
        if (strncasecmp(name, "on", 2) == 0)
            return false;
        xmlChar *v = xmlNodeListGetString(el->doc, at->children, 1);
        const char *val = v ? (const char *)v : "";
        bool ok = svg_value_ok(val);
        if (ok && strcmp(name, "href") == 0)
            ok = val[0] == '#';
        xmlFree(v);
        if (!ok)
            return false;
    }
    return true;
}

bool quire__media_svg_is_safe(const unsigned char *data, size_t len)
{
    if (len > INT_MAX)
        return false;
    /* No network, no entity substitution, no external DTD: what is in the
     * file is all there is. */
    xmlDocPtr doc = xmlReadMemory((const char *)data, (int)len, "image.svg", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return false;
    bool ok = true;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "svg") != 0)
        ok = false;
    /* an internal subset may declare entities that expand into markup */
    if (doc->intSubset && (doc->intSubset->entities || doc->intSubset->children))
        ok = false;
    for (xmlNodePtr n = doc->children; ok && n; n = n->next)
        if (n->type == XML_PI_NODE) /* <?xml-stylesheet?> loads a stylesheet */
            ok = false;
    /* iterative walk: no recursion on a deep file */
    xmlNodePtr n = root;
    while (ok && n) {
        switch (n->type) {
        case XML_ELEMENT_NODE:
            ok = svg_element_ok(n);
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
        case XML_COMMENT_NODE:
            break;
        default: /* processing instructions, entity references... */
            ok = false;
        }
        if (!ok)
            break;
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            continue;
        }
        while (n && n != root && !n->next)
            n = n->parent;
        n = n && n != root ? n->next : NULL;
    }
    xmlFreeDoc(doc);
    return ok;
}

/* ------------------------------------------------------------------ files */

char *quire__url_trim(quire_arena *a, const char *u)
{
    if (!u)
        return NULL;
    while (*u && (unsigned char)*u <= 0x20)
        u++;
    size_t n = strlen(u);
    while (n && (unsigned char)u[n - 1] <= 0x20)
        n--;
    char *r = quire_arena_alloc(a, n + 1);
    if (!r)
        return NULL;
    /* Every link and image of every page comes through here and nearly no
     * URL holds a tab or line break: the part before the first one is
     * copied whole, and only the rest byte by byte. */
    size_t j = strcspn(u, "\t\n\r");
    if (j > n)
        j = n;
    memcpy(r, u, j);
    for (size_t i = j; i < n; i++)
        if (u[i] != '\t' && u[i] != '\n' && u[i] != '\r')
            r[j++] = u[i];
    r[j] = '\0';
    return r;
}

static const char media_unreadable[] = "the image file cannot be read";

int quire__media_read_file(const char *path, size_t max, char **data, size_t *len,
                           const char **why)
{
    int rc = quire_read_file(path, max, data, len);
    if (rc == QUIRE_ERR_LIMIT)
        *why = "the image is larger than 16 MiB";
    else if (rc != QUIRE_OK)
        *why = media_unreadable;
    return rc;
}

/* True when real (a resolved path) is dir itself or below it. */
static bool media_under(const char *real, const char *dir)
{
    if (!dir)
        return false;
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return true;
    return strncmp(real, dir, n) == 0 && (real[n] == '/' || real[n] == '\0');
}

/* Real paths of folders, cached per thread.  Every image of a document
 * resolves the same two folders (the document's and the site's); realpath
 * costs a readlink per path component and a getcwd for a relative path,
 * which made up most of the system calls of a build with images.  Only
 * the file itself is resolved every time, so the containment check still
 * sees a symlink planted anywhere below the folders.  A relative folder is
 * also keyed by the current folder's identity, so a chdir() between builds
 * in one process does not reuse an answer.  Fixed-size slots: nothing to
 * free when a worker thread ends; longer paths are simply not cached. */
#define MEDIA_DIR_SLOTS 4
#define MEDIA_DIR_MAX 1024

typedef struct media_dir_slot {
    bool used, found;           /* found: realpath succeeded */
    dev_t cwd_dev;              /* for a relative dir */
    ino_t cwd_ino;
    unsigned age;
    char dir[MEDIA_DIR_MAX];
    char real[MEDIA_DIR_MAX];
} media_dir_slot;

static _Thread_local struct {
    media_dir_slot slot[MEDIA_DIR_SLOTS];
    unsigned clock;
} media_dirs;

/* realpath(dir), malloc'd (NULL when it does not resolve).  cwd: the
 * current folder's stat, NULL when unknown (then a relative dir is not
 * cached). */
static char *media_real_dir(const char *dir, const struct stat *cwd)
{
    static const struct stat none;
    size_t n = strlen(dir);
    if ((dir[0] != '/' && !cwd) || n >= MEDIA_DIR_MAX)
        return realpath(dir, NULL);
    if (dir[0] == '/')
        cwd = &none;
    media_dir_slot *victim = &media_dirs.slot[0];
    for (size_t i = 0; i < MEDIA_DIR_SLOTS; i++) {
        media_dir_slot *e = &media_dirs.slot[i];
        if (e->used && strcmp(e->dir, dir) == 0 &&
            e->cwd_dev == cwd->st_dev && e->cwd_ino == cwd->st_ino) {
            e->age = ++media_dirs.clock;
            return e->found ? strdup(e->real) : NULL;
        }
        if (!e->used || e->age < victim->age)
            victim = e;
    }
    char *real = realpath(dir, NULL);
    if (real && strlen(real) >= MEDIA_DIR_MAX)
        return real;
    *victim = (media_dir_slot){.used = true, .found = real != NULL, .cwd_dev = cwd->st_dev,
                               .cwd_ino = cwd->st_ino, .age = ++media_dirs.clock};
    memcpy(victim->dir, dir, n + 1);
    if (real)
        memcpy(victim->real, real, strlen(real) + 1);
    return real;
}

/* s1 s2 s3 in a: every image reference builds two paths, where
 * quire_arena_printf's vsnprintf cost ~1,000 instructions each. */
static char *media_cat(quire_arena *a, const char *s1, const char *s2, const char *s3)
{
    size_t n1 = strlen(s1), n2 = strlen(s2), n3 = strlen(s3);
    char *r = quire_arena_alloc(a, n1 + n2 + n3 + 1);
    if (!r)
        return NULL;
    memcpy(r, s1, n1);
    memcpy(r + n1, s2, n2);
    memcpy(r + n1 + n2, s3, n3 + 1);
    return r;
}

/* The path to resolve for rest (a relative path, or one starting with
 * '/') under a folder: below its real path when known, so realpath does not
 * walk the folder's components (and call getcwd) again: the same file.
 * In a; the shown name (for messages) is built separately. */
static const char *media_join(quire_arena *a, const char *real_dir, const char *dir,
                              const char *sep, const char *rest)
{
    return media_cat(a, real_dir ? real_dir : dir, sep, rest);
}

/* What reading one image path gave, kept for the rest of the process: a
 * site uses a few images from thousands of pages, and both the HTML and the
 * EPUB writer read each reference, so without it a 10,000-document build
 * resolved, opened and read the same two dozen files 100,000 times.  Keyed
 * by the path and both roots (the containment check depends on them).
 * Bounded (entries and bytes); beyond that paths are read every time.
 * Entries are never freed: they live as long as the process. */
#define MEDIA_CACHE_SLOTS 4096          /* power of two; at most half used */
#define MEDIA_CACHE_BYTES (64u << 20)

typedef struct media_cached {
    char *key;
    int rc;
    const char *why;                    /* static */
    char *data;
    size_t len;
} media_cached;

static struct {
    pthread_mutex_t mu;
    media_cached slot[MEDIA_CACHE_SLOTS];
    size_t used, bytes;
} media_cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* "path\nroot1\nroot2\nmax", malloc'd; built by hand, as snprintf cost
 * ~1,600 instructions a look-up. */
static char *media_cache_key(const char *path, const char *root1, const char *root2, size_t max)
{
    const char *part[3] = {path, root1 ? root1 : "", root2 ? root2 : ""};
    size_t len[3], n = 0;
    for (int i = 0; i < 3; i++)
        n += (len[i] = strlen(part[i])) + 1;
    char digits[24];
    size_t nd = quire__fmt_uint(digits, max, 0);
    char *k = malloc(n + nd + 1), *o = k;
    if (!k)
        return NULL;
    for (int i = 0; i < 3; i++) {
        memcpy(o, part[i], len[i]);
        o += len[i];
        *o++ = '\n';
    }
    memcpy(o, digits, nd + 1);
    return k;
}

/* The slot for key: its entry, or the empty slot where it would go. */
static media_cached *media_cache_slot(const char *key)
{
    size_t i = (size_t)quire__fnv1a64(key, strlen(key), 0) & (MEDIA_CACHE_SLOTS - 1);
    while (media_cache.slot[i].key && strcmp(media_cache.slot[i].key, key) != 0)
        i = (i + 1) & (MEDIA_CACHE_SLOTS - 1);
    return &media_cache.slot[i];
}

/* A cached answer copied out (the caller frees *data); false on a miss. */
static bool media_cache_get(const char *key, int *rc, char **data, size_t *len, const char **why)
{
    bool hit = false;
    pthread_mutex_lock(&media_cache.mu);
    media_cached *e = media_cache_slot(key);
    if (e->key) {
        char *copy = e->len ? malloc(e->len) : NULL;
        if (!e->len || copy) {
            if (copy)
                memcpy(copy, e->data, e->len);
            *rc = e->rc;
            *why = e->why;
            *data = copy;
            *len = e->len;
            hit = true;
        }
    }
    pthread_mutex_unlock(&media_cache.mu);
    return hit;
}

/* Remember an answer; key is taken over (or freed). */
static void media_cache_put(char *key, int rc, const char *data, size_t len, const char *why)
{
    pthread_mutex_lock(&media_cache.mu);
    media_cached *e = media_cache_slot(key);
    if (!e->key && media_cache.used < MEDIA_CACHE_SLOTS / 2 &&
        media_cache.bytes + len <= MEDIA_CACHE_BYTES) {
        e->data = len ? malloc(len) : NULL;
        if (!len || e->data) {
            if (len)
                memcpy(e->data, data, len);
            e->key = key;
            e->rc = rc;
            e->why = why;
            e->len = len;
            media_cache.used++;
            media_cache.bytes += len;
            key = NULL;
        }
    }
    pthread_mutex_unlock(&media_cache.mu);
    free(key);
}

/* Read path when it is a regular file inside one of the two roots (real
 * paths, or NULL). */
static int media_try_uncached(const char *path, const char *root1, const char *root2, size_t max,
                     char **data, size_t *len, const char **why)
{
    char *real = realpath(path, NULL); /* the file: resolved every time */
    struct stat st;
    if (!real || stat(real, &st) != 0 || !S_ISREG(st.st_mode)) {
        /* a FIFO or a device would block or never end: not an image */
        free(real);
        *why = media_unreadable;
        return QUIRE_ERR_NOTFOUND;
    }
    if (!media_under(real, root1) && !media_under(real, root2)) {
        free(real);
        *why = "it is outside the document's folder and the site's folder";
        return QUIRE_ERR_UNSAFE;
    }
    int rc = quire__media_read_file(real, max, data, len, why);
    free(real);
    return rc;
}

static int media_try(const char *path, const char *root1, const char *root2, size_t max,
                     char **data, size_t *len, const char **why)
{
    char *key = media_cache_key(path, root1, root2, max);
    int rc;
    if (key && media_cache_get(key, &rc, data, len, why)) {
        free(key);
        return rc;
    }
    rc = media_try_uncached(path, root1, root2, max, data, len, why);
    /* Out of memory is not an answer about the file: not remembered. */
    if (key && rc != QUIRE_ERR_NOMEM)
        media_cache_put(key, rc, rc == QUIRE_OK ? *data : NULL, rc == QUIRE_OK ? *len : 0, *why);
    else
        free(key);
    return rc;
}

int quire__media_read_local(quire_arena *a, const char *src, const char *doc_dir,
                            const char *site_dir, size_t max, char **data, size_t *len,
                            const char **path_out, const char **why)
{
    *data = NULL;
    *len = 0;
    *why = media_unreadable;
    *path_out = src;
    char *u = quire__url_trim(a, src);
    if (!u)
        return QUIRE_ERR_NOMEM;
    char *decoded = quire__pct_decode(u, strcspn(u, "?#"));
    char *path = decoded ? quire_arena_strdup(a, decoded) : NULL;
    free(decoded);
    if (!path)
        return QUIRE_ERR_NOMEM;
    if (site_dir && !*site_dir)
        site_dir = NULL;
    const char *dir = doc_dir && *doc_dir ? doc_dir : ".";
    struct stat cwd_st;
    const struct stat *cwd = NULL;
    if ((dir[0] != '/' || (site_dir && site_dir[0] != '/')) && stat(".", &cwd_st) == 0)
        cwd = &cwd_st;
    char *real_doc = media_real_dir(dir, cwd);
    char *real_site = site_dir ? media_real_dir(site_dir, cwd) : NULL;
    const char *full;
    int rc;
    if (path[0] == '/') {
        full = media_cat(a, site_dir ? site_dir : dir, "", path);
        rc = media_try(site_dir ? media_join(a, real_site, site_dir, "", path)
                                : media_join(a, real_doc, dir, "", path),
                       real_doc, real_site, max, data, len, why);
    } else {
        full = media_cat(a, dir, "/", path);
        rc = media_try(media_join(a, real_doc, dir, "/", path), real_doc, real_site, max, data,
                       len, why);
        /* Site-relative paths ("images/x.png" from posts/, Hugo style) are
         * common: after the document's folder, try the site folder. */
        if (rc == QUIRE_ERR_NOTFOUND && site_dir && strcmp(site_dir, dir) != 0) {
            const char *why2 = NULL;
            int rc2 = media_try(media_join(a, real_site, site_dir, "/", path), real_doc,
                                real_site, max, data, len, &why2);
            if (rc2 != QUIRE_ERR_NOTFOUND) {
                rc = rc2;
                *why = why2;
            }
        }
    }
    free(real_doc);
    free(real_site);
    *path_out = full ? full : src;
    return rc;
}
