/*
 * epub_internal.h — what the files of the EPUB writer share (src/writers/epub*.c).
 * Not installed.  Cross-file names are quire__epub_*; static helpers epub_*.
 *
 * The shape of the writer (see docs in epub.c):
 *   write_document: model -> libxml2 tree -> serialized XHTML, appended to a
 *     spool file (tmpfile) and forgotten; local images are read, hashed,
 *     sniffed and appended to the spool once each.  Only small per-chapter
 *     records (title, file, date, spool offset) stay in memory.
 *   When the book has a sink (always, but for tests that drive the spool
 *     alone), a chapter whose bytes are final (packed: compressed on a worker,
 *     nothing to resolve) and every image go straight into the zip on the
 *     sink instead, behind a stored mimetype entry written first: the end of
 *     the build then does not copy them a second time.
 *   end: package document, nav, NCX, cover and stylesheet are built from those
 *     records; then every entry not yet in the book is streamed into the sink
 *     through a small zip writer (epub_zip.c), chapters read back one at a
 *     time from the spool with their cross-document link placeholders
 *     resolved.
 *
 * Ownership: everything hanging off epub_state is malloc'd and freed by
 * quire__epub_state_free() (called from the writer's close()).
 */
#ifndef QUIRE_EPUB_INTERNAL_H
#define QUIRE_EPUB_INTERNAL_H

#include "internal.h"
#include "media.h"
#include "xref.h"

#include <stdio.h>
#include <libxml/tree.h>

#define EPUB_XHTML_NS "http://www.w3.org/1999/xhtml"
#define EPUB_OPS_NS "http://www.idpf.org/2007/ops"
/* Largest local or fetched image copied into a book. */
#define EPUB_MAX_IMAGE QUIRE_MEDIA_MAX
/* Deeper output nesting is flattened: readers choke on it, and it bounds the
 * work of every later pass. */
#define EPUB_MAX_DEPTH 128

/* ------------------------------------------------------------------ zip */

typedef struct epub_zip_entry {
    char *name;          /* malloc'd */
    uint32_t crc, csize, usize, offset;
    uint16_t method;     /* 0 stored, 8 deflated */
} epub_zip_entry;

/* A minimal, deterministic zip writer straight into a quire_sink: no extra
 * fields, no data descriptors, DOS times fixed for every entry, no Zip64
 * (a book over 4 GiB is refused with QUIRE_ERR_LIMIT). */
typedef struct epub_zip {
    quire_sink *out;
    uint16_t dos_time, dos_date;
    uint64_t offset;
    epub_zip_entry *entries;
    size_t count, cap;
    size_t zip64_from;   /* from this many entries on, the directory ends the
                          * Zip64 way (0xFFFF: a classic count of 0xFFFF means
                          * "see Zip64"; QUIRE_EPUB_ZIP64=1: always) */
    int err;             /* sticky first error */
} epub_zip;

/** Start a zip on out with every entry dated `when` (UTC; before 1980 is 1980). */
void quire__epub_zip_init(epub_zip *z, quire_sink *out, const quire_date *when);
/** One entry from memory: stored (deflate false) or deflated at a fixed level. */
int quire__epub_zip_add(epub_zip *z, const char *name, const void *data, size_t len,
                        bool deflate);
/** An entry whose data was made earlier (see quire__epub_zip_add_packed_file),
 *  from memory. */
int quire__epub_zip_add_packed(epub_zip *z, const char *name, const void *data, size_t csize,
                               size_t usize, uint32_t crc, uint16_t method);
/** A stored entry copied from f at off (crc known), without holding it in memory. */
int quire__epub_zip_add_stored_file(epub_zip *z, const char *name, FILE *f, uint64_t off,
                                    size_t len, uint32_t crc);
/** An entry whose data (method 0: as is, 8: raw deflate of usize bytes with
 *  that crc) was made earlier and lies in f at off, csize bytes long. */
int quire__epub_zip_add_packed_file(epub_zip *z, const char *name, FILE *f, uint64_t off,
                                    size_t csize, size_t usize, uint32_t crc, uint16_t method);
/** Compress data[0..len) the way quire__epub_zip_add does: *out (malloc'd)
 *  gets a raw deflate stream and the result is 8, or, when that is not
 *  smaller, a copy of the data and 0.  -1 when out of memory. */
int quire__epub_deflate(const void *data, size_t len, unsigned char **out, size_t *out_len);
/** Huffman code lengths (at most maxlen bits, at most 286 symbols) for the
 *  symbol frequencies freq[0..n): a complete prefix code over the symbols
 *  that occur (two at least), shorter codes for more frequent symbols.
 *  Internal to epub_zip.c's encoder; exposed for its tests. */
void quire__epub_z_lengths(const uint32_t *freq, unsigned n, unsigned maxlen, uint8_t *lens);
/* For tests: plain makes the chapter encoder use its plain build even where
 * the processor has a faster variant (same bytes); returns whether it has one. */
bool quire__epub_z_force_plain(bool plain);
/** Central directory and end record. */
int quire__epub_zip_finish(epub_zip *z);
void quire__epub_zip_free(epub_zip *z);
uint32_t quire__epub_crc32(const void *data, size_t len);

/* ------------------------------------------------------------------ maps */

/* quire_hmap and quire__hash_str: shared with the html writer (xref.h). */

/* ------------------------------------------------------------------ state */

typedef struct epub_chapter {
    char *title;         /* cleaned, never empty */
    uint64_t spool_off;
    size_t spool_len;    /* bytes in the spool (compressed when packed) */
    quire_date date;     /* published, for ordering */
    bool has_xref;       /* contains placeholders to resolve */
    bool packed;         /* final bytes, already compressed: copied as they are */
    uint16_t method;     /* packed: 0 stored, 8 deflated */
    uint32_t crc;        /* packed: of the uncompressed chapter */
    size_t usize;        /* packed: uncompressed size */
    size_t xref_base;    /* placeholder N of this chapter is st->xrefs[xref_base + N] */
    size_t n_xrefs;
    bool in_book;        /* written into the zip during pass 2 (packed), not spooled */
} epub_chapter;

typedef struct epub_media {
    char *href;          /* "images/<hash>.png", relative to OEBPS/ */
    const char *type;    /* static media type */
    uint64_t h1, h2;     /* content hash */
    uint64_t spool_off;
    size_t len;
    uint32_t crc;
    bool in_book;        /* written into the zip when added, not spooled */
} epub_media;

/* A link whose target is only known once every document was seen. */
typedef struct epub_xref {
    uint64_t key_path;   /* hash of the resolved source path, 0 when none */
    uint64_t key_url;    /* hash of the resolved absolute URL, 0 when none */
    char *fragment;      /* sanitized id (epub_id_sanitize), or NULL */
    char *fallback;      /* absolute URL to use when no chapter matches, or NULL */
} epub_xref;

/* An image a chapter uses, read and checked but not yet in the book. */
typedef struct epub_pending_media {
    unsigned char *data; /* malloc'd */
    size_t len;
    uint64_t h1, h2;     /* content hash */
    const char *type;    /* static media type */
    char href[48];       /* what st->media will call it: "images/<h1>.<ext>" */
} epub_pending_media;

/*
 * One chapter converted without touching the book (epub_xhtml.c), so that it
 * can be made on any thread in any order: quire__epub_chapter_prepare() only
 * reads epub_state; quire__epub_chapter_add() then adds it in collection
 * order.  What depends on the chapter's position is left open: ids carry
 * EPUB_ID_MARK where their "c<N>-" prefix goes, links between documents are
 * placeholders numbered within the chapter.  A chapter with neither is final
 * and is compressed right away (packed).
 */
typedef struct epub_prep {
    char *title;                 /* cleaned, never empty */
    char *bytes;                 /* the XHTML, or its compressed form when packed */
    size_t len;
    bool packed;
    uint16_t method;             /* packed: 0 stored, 8 deflated */
    uint32_t crc;                /* packed: of the XHTML */
    size_t usize;                /* packed: XHTML length */
    bool has_ids;                /* bytes hold EPUB_ID_MARK */
    uint64_t target_path, target_url; /* the keys links reach it by, or 0 */
    epub_pending_media *media;   /* in order of first use */
    size_t n_media, cap_media;
    char **ids;                  /* first uses of sanitized ids, for #fragments */
    size_t n_ids, cap_ids;
    epub_xref *xrefs;            /* placeholder N is xrefs[N] */
    size_t n_xrefs, cap_xrefs;
    size_t n_images, n_images_alt;
} epub_prep;

/* Stands for an id's "c<N>-" prefix in a prepared chapter: a control
 * character, which no text or attribute value can hold (they are cleaned of
 * characters XML forbids), so every one of them is a prefix. */
#define EPUB_ID_MARK '\x01'


typedef struct epub_strvec {
    char **items;
    size_t count, cap;
    quire_hmap seen;     /* hashes of items, for deduplication */
} epub_strvec;

typedef enum epub_order {
    EPUB_ORDER_COLLECTION = 0, EPUB_ORDER_DATE, EPUB_ORDER_DATE_DESC, EPUB_ORDER_TITLE
} epub_order;

typedef struct epub_state {
    quire_writer_ctx *ctx;
    FILE *spool;
    uint64_t spool_len;
    /* The spool's position is its end (only appends since the last read):
     * no fseeko before the next append.  glibc's fseeko flushes, seeks and
     * reads back the block it lands in: three calls per chapter. */
    bool spool_at_end;

    /* The book itself, begun (mimetype written) by the first entry that goes
     * in before the end: packed chapters and images, in order of arrival.
     * stream: there is a sink to write to (set by begin). */
    epub_zip zip;
    bool stream, zip_begun;
    /* The chapter quire__epub_chapter_add is adding, while its final bytes
     * may go into the book instead of the spool; direct_done once they did. */
    const epub_prep *direct;
    bool direct_done;

    epub_chapter *chapters;
    size_t n_chapters, cap_chapters;
    epub_media *media;
    size_t n_media, cap_media;
    quire_hmap media_by_hash; /* h1 -> index in media */
    epub_xref *xrefs;
    size_t n_xrefs, cap_xrefs;
    quire_hmap targets;     /* hash of a path or URL -> chapter index */
    quire_hmap ids;         /* hash(sanitized id, chapter) -> 1 */

    /* collected metadata */
    epub_strvec subjects, creators;
    char *first_title, *first_summary;
    quire_date first_published;
    uint64_t uid_a, uid_b;   /* order-independent sums of document id hashes */

    /* accessibility facts */
    size_t n_images, n_images_alt, n_gif;

    /* options */
    char *language;          /* validated BCP 47 tag (malloc'd) */
    epub_order order;
    bool fetch_remote;
    char *fetch_cache;       /* folder for --fetch-remote, malloc'd */
    long cover_media;        /* index in media, -1 when none */
    char *stylesheet;        /* user CSS (malloc'd) or NULL for the default */
    size_t stylesheet_len;
} epub_state;

void quire__epub_state_free(epub_state *st);

/** Append bytes to the spool; *off_out gets their offset.  The bytes of
 *  st->direct (a packed chapter) go into the book instead (st->direct_done,
 *  *off_out 0). */
int quire__epub_spool(epub_state *st, const void *data, size_t len, uint64_t *off_out);
/** Read len bytes at off from the spool into a malloc'd buffer. */
int quire__epub_unspool(epub_state *st, uint64_t off, size_t len, char **out);

/** A valid BCP 47 tag made from s (system-locale spellings such as en_US.UTF-8
 *  repaired), or NULL when s cannot be one.  malloc'd. */
char *quire__epub_lang(const char *s);

/* ------------------------------------------------------------------ media */

/** The core media type of an image by its first bytes, or NULL. */
const char *quire__epub_sniff(const unsigned char *data, size_t len);
/** Check image bytes without adding them: their type, hash and future href.
 *  false with *why set (static string) for unsupported data. */
bool quire__epub_media_probe(const unsigned char *data, size_t len, epub_pending_media *m,
                             const char **why);
/** Add probed image bytes to the book once (by content hash); index in
 *  st->media or -1 with *why. */
long quire__epub_media_add_probed(epub_state *st, const epub_pending_media *m, const char **why);
/** Add image bytes to the book once (by content hash).  Returns the index in
 *  st->media, or -1 with *why set (static string) for unsupported data. */
long quire__epub_media_add(epub_state *st, const unsigned char *data, size_t len,
                           const char **why);
/** Read a local image file (size-limited) and add it; -1 with *why. */
long quire__epub_media_add_file(epub_state *st, const char *path, const char **why);
#ifdef QUIRE_HAVE_CURL
/** Download url (http/https only) into the cache, or use the cached copy.
 *  *data_out is malloc'd.  Returns QUIRE_OK or an error with *why set. */
int quire__epub_fetch(const char *cache_dir, const char *url, unsigned char **data_out,
                      size_t *len_out, const char **why);
#endif

/* ------------------------------------------------------------------ dom */

/* The tree a chapter is built in (epub_dom.c): arena-allocated, written out
 * by quire__epub_dom_write with the bytes xmlSaveDoc gave. */
typedef struct epub_attr {
    const char *name;            /* static, or lives as long as the tree */
    const char *value;           /* in the arena, or borrowed (quire__epub_dom_set_ref) */
    size_t len;                  /* of value: the writer needs no strlen */
    bool raw;                    /* value needs no escaping (quire__epub_dom_set_raw) */
    struct epub_attr *next;
} epub_attr;

typedef struct epub_node {
    int type;                    /* XML_ELEMENT_NODE or XML_TEXT_NODE */
    uint16_t name_len;           /* element: strlen(name) */
    bool name_padded;            /* element: name[0..EPUB_NAME_PAD) may be read */
    const char *name;            /* element: static (the element table) */
    char *content;               /* text: NUL-terminated; in the arena, or the
                                    string it was made from */
    size_t len;
    bool lazy;                   /* text: not yet checked for characters XML
                                    forbids; the writer checks it while escaping
                                    it, and cleans it if need be */
    epub_attr *attrs;            /* in order */
    struct epub_node *parent, *children, *last, *next;
    quire_arena *arena;          /* where the tree lives */
} epub_node;

/* Element names the writer copies sixteen bytes at a time: a name shorter
 * than this stored NUL-padded to this many bytes (epub_xhtml.c's element
 * table), rather than a byte at a time up to its NUL. */
#define EPUB_NAME_PAD 16

/** A parentless element (the root). */
epub_node *quire__epub_dom_new(quire_arena *a, const char *name);
/** An element appended to parent; NULL when out of memory. */
epub_node *quire__epub_dom_el(epub_node *parent, const char *name);
/** The same for a name of len bytes (len < EPUB_NAME_PAD) in storage of
 *  EPUB_NAME_PAD bytes, NUL-padded, that lives as long as the tree. */
epub_node *quire__epub_dom_new_padded(quire_arena *a, const char *name, size_t len);
epub_node *quire__epub_dom_el_padded(epub_node *parent, const char *name, size_t len);
/** Text appended to parent as a node of its own (adjacent text is not
 *  merged), copied; checked for characters XML forbids (and cleaned, if need
 *  be) when it is written or read through quire__epub_dom_text_of, as if it
 *  had been cleaned when added.  An empty text after text adds nothing. */
bool quire__epub_dom_text(epub_node *parent, const char *s, size_t len);
/** The same without a copy: s[len] is '\0' and s lives as long as the tree
 *  (the document's or the arena's strings, literals). */
bool quire__epub_dom_text_ref(epub_node *parent, const char *s, size_t len);
/** The text of a text node, checked and cleaned first when it is lazy; NULL
 *  when out of memory. */
const char *quire__epub_dom_text_of(epub_node *t);
/** Set (in place when present) or add an attribute; value copied. */
bool quire__epub_dom_set(epub_node *el, const char *name, const char *value);
/** The same without the copy: value[0..len) (value[len] the NUL) lives as
 *  long as the tree (a literal, the arena's or the document's string). */
bool quire__epub_dom_set_ref(epub_node *el, const char *name, const char *value, size_t len);
/** quire__epub_dom_set_ref for a value that holds none of the bytes
 *  escaped in attribute values (& < > " TAB LF CR): written as it is.  For
 *  the writer's literals, sanitized ids and fragments, filtered classes. */
bool quire__epub_dom_set_raw(epub_node *el, const char *name, const char *value, size_t len);
/* A literal value (none of & < > " TAB LF CR), its length known at compile time. */
#define QUIRE_EPUB_SET_LIT(el, name, lit) quire__epub_dom_set_raw(el, name, "" lit, sizeof(lit) - 1)
void quire__epub_dom_unset(epub_node *el, const char *name);
/** n is an element named name. */
bool quire__epub_dom_is(const epub_node *n, const char *name);
/** s[0..n) escaped the way xmlSaveDoc escapes text (& < > and CR) or, when
 *  attr, attribute values (also " TAB LF); appended to b. */
void quire__epub_put_escaped(quire_buf *b, const char *s, size_t n, bool attr);
/** s[0..n) escaped as text (quire__epub_put_escaped) while it is checked
 *  to hold only characters XML allows (quire__epub_is_clean_n): true when it
 *  does; false when it does not, and b then holds part of it.  One pass where
 *  there were two.  Internal to epub_dom.c; exposed for its tests. */
bool quire__epub_put_escaped_checked(quire_buf *b, const char *s, size_t n);
/** The XML declaration, the doctype and the tree, appended to b. */
int quire__epub_dom_write(const epub_node *root, quire_buf *b);

/* ------------------------------------------------------------------ xhtml */

/** Convert one document into a prepared chapter; st is only read, problems
 *  go to diags.  *out is NULL on error. */
int quire__epub_chapter_prepare(const epub_state *st, const quire_document *doc,
                                quire_diag_list *diags, epub_prep **out);
/** Add a prepared chapter to the book (spool and records), in collection order. */
int quire__epub_chapter_add(epub_state *st, const quire_document *doc, epub_prep *p);
void quire__epub_prep_free(epub_prep *p);
/** True when s[0..n) is valid UTF-8 of characters XML 1.0 allows (text that
 *  needs no quire__xml_clean).  Internal to epub_xhtml.c; exposed for its
 *  tests. */
bool quire__epub_is_clean_n(const char *s, size_t n);
/** u with what a URL may not hold percent-encoded (space, controls, bytes
 *  that are not ASCII, quotes...), valid %XX kept, a second '#' encoded; in
 *  a.  Internal to epub_xhtml.c; exposed for its tests. */
char *quire__epub_url_encode(quire_arena *a, const char *u);
/** Sanitize an id or fragment (percent-decoded) into [A-Za-z0-9-_]; malloc'd. */
char *quire__epub_id_sanitize(const char *s, size_t n);
/** Serialize an xmlDoc (UTF-8, with declaration) into a malloc'd buffer. */
int quire__epub_xml_dump(xmlDocPtr d, char **out, size_t *len_out);
/** A new XHTML document with head (title, stylesheet) and an empty body;
 *  *body_out receives the body element. */
xmlDocPtr quire__epub_xhtml_new(const char *lang, const char *title, xmlNodePtr *body_out);
/** Element in the XHTML namespace appended to parent (text may be NULL). */
xmlNodePtr quire__epub_el(xmlNodePtr parent, const char *name, const char *text);
/** Give every empty non-void element an empty text child so that it is
 *  serialized as <p></p>: HTML-parsing readers misread <p/>. */
void quire__epub_fix_empty(xmlNodePtr root);

/* ------------------------------------------------------------------ package */

/** Begin the book in ctx->out if not yet done: the zip and its first entry,
 *  mimetype.  The zip's sticky error, or QUIRE_OK. */
int quire__epub_book_begin(epub_state *st);
/** "ch00042.xhtml" for chapter index 41 into buf (24 bytes at least). */
void quire__epub_file_name(char *buf, size_t chapter);

/** Write the whole book (container, package, nav, ncx, css, cover, chapters,
 *  images) into ctx->out. */
int quire__epub_finish(epub_state *st);

/** The package document, nav and NCX of the book whose chapters go in
 *  `order`, appended to b (the bytes xmlSaveDoc wrote for them as libxml2
 *  trees); ar holds cleaned copies of text.  QUIRE_ERR_NOMEM or QUIRE_OK.
 *  Internal to epub_package.c; exposed for its tests. */
int quire__epub_opf(const epub_state *st, quire_arena *ar, const size_t *order, const char *uid,
                    quire_buf *b);
int quire__epub_nav(const epub_state *st, quire_arena *ar, const size_t *order, quire_buf *b);
int quire__epub_ncx(const epub_state *st, quire_arena *ar, const size_t *order, const char *uid,
                    quire_buf *b);

/** The built-in stylesheet. */
extern const char quire__epub_default_css[];

#endif /* QUIRE_EPUB_INTERNAL_H */
