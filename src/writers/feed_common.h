/*
 * feed_common.h — the one mapping from a document to a feed item, shared by
 * the jsonfeed, rss and atom writers so that the three formats show the same
 * items with the same ids, links, titles, dates, authors, tags, summaries and
 * content.  Internal to the library (quire__ names).
 *
 * The rules (see docs in feed_common.c for the why):
 *   - site link: base_url, else QUIRE_FEED_FALLBACK_BASE; every URL written
 *     is absolute (http or https) and resolved against it.
 *   - item id: doc->id when it is already an absolute URI, else
 *     "tag:HOST,2000:" + doc->id (percent-encoded), HOST being base_url's
 *     host or "example.org".  RSS guid and JSON Feed id use this same string.
 *   - item url: doc->url resolved against the site link, else
 *     site link + slug + "/".
 *   - dates: published = doc->published, else doc->modified, else the
 *     feed's updated date (ctx->updated); updated = doc->modified when later
 *     than published, else published.  Every item is dated.
 *   - title: doc->title, else the summary cut at 80 bytes, else the slug.
 *   - summary: doc->summary, else the body as plain text cut at a word
 *     boundary near QUIRE_FEED_SUMMARY_MAX bytes with "…"; NULL when both are
 *     empty.  Whitespace is collapsed in titles and summaries.
 *   - tags: doc->tags then doc->categories, without duplicates.
 *
 * Ownership: every string handed out lives in the arena the caller passes
 * (a scratch arena per item keeps memory flat over long feeds), or in the
 * per-document memo until the next document (see below), and is already
 * clean for XML 1.0 (quire__xml_clean), so writers need no more checks.
 * The memo (one document's item, content and serialized items) and the
 * answers of image probes are the only state kept between calls.
 */
#ifndef QUIRE_FEED_COMMON_H
#define QUIRE_FEED_COMMON_H

#include "internal.h"

#define QUIRE_FEED_FALLBACK_BASE "https://example.org/"
#define QUIRE_FEED_FALLBACK_HOST "example.org"
/** Date part of derived tag: URIs.  Fixed on purpose: an id must not change
 *  when a document's date is corrected. */
#define QUIRE_FEED_TAG_DATE "2000"
#define QUIRE_FEED_SUMMARY_MAX 300
#define QUIRE_FEED_TITLE_MAX 80

#define QUIRE_NS_ATOM "http://www.w3.org/2005/Atom"
#define QUIRE_NS_CONTENT "http://purl.org/rss/1.0/modules/content/"
#define QUIRE_NS_DC "http://purl.org/dc/elements/1.1/"
#define QUIRE_NS_MEDIA "http://search.yahoo.com/mrss/"

typedef struct quire_feed_image {
    const char *url;        /* absolute; NULL when the document has no image */
    const char *alt;
    const char *mime_type;  /* from the file's magic bytes, or NULL */
    int64_t length;         /* size of the local file, -1 when not local */
    int width, height;      /* 0 when unknown */
} quire_feed_image;

typedef struct quire_feed_item {
    const char *id;            /* never NULL */
    bool id_is_permalink;      /* id == url */
    const char *url;           /* absolute permalink, never NULL */
    const char *external_url;  /* absolute, or NULL */
    const char *title;         /* never NULL nor empty */
    const char *summary;       /* plain text, or NULL */
    const char *language;      /* a valid language tag, or NULL */
    quire_date published, updated; /* always set */
    const quire_author *authors;   /* each has a name; email only when it looks like one;
                                      url only when absolute */
    size_t n_authors;
    const char *const *tags;
    size_t n_tags;
    quire_feed_image image;
} quire_feed_item;

/** base_url when it is an absolute http(s) URL, else QUIRE_FEED_FALLBACK_BASE. */
const char *quire__feed_site_link(quire_arena *a, const quire_site *site);
/** Host of base_url in lower case for tag: URIs, or "example.org". */
const char *quire__feed_host(quire_arena *a, const quire_site *site);
/** Absolute URL of the output being written (ctx->self_url, else the
 *  fallback base + ctx->self_path). */
const char *quire__feed_self_url(quire_arena *a, const quire_writer_ctx *ctx);
/** Site title + ctx->title_suffix, clean, whitespace collapsed. */
const char *quire__feed_title(quire_arena *a, const quire_writer_ctx *ctx);
/** A stable absolute IRI for the feed itself: "tag:HOST,2000:" + self path. */
const char *quire__feed_id(quire_arena *a, const quire_writer_ctx *ctx);
/** ref resolved against base, when the result is an absolute http(s) URL;
 *  characters a URL cannot hold raw (space, quotes, <, >...) are
 *  percent-encoded.  NULL for NULL/empty ref or another scheme. */
const char *quire__feed_abs_url(quire_arena *a, const char *base, const char *ref);
/** The item id (see the rules above). */
const char *quire__feed_item_id(quire_arena *a, const quire_document *doc,
                                const quire_site *site);
/** The item's absolute permalink (see the rules above). */
const char *quire__feed_item_url(quire_arena *a, const quire_document *doc,
                                 const quire_site *site);
/** A language tag when s is one (RFC 4287's pattern), else NULL. */
const char *quire__feed_language(quire_arena *a, const char *s);
/** Clean copies of authors: a name always (name, else email, else url),
 *  email only when it has text on both sides of an '@', url only absolute.
 *  Authors with nothing usable are dropped.  *n_out gets the count. */
quire_author *quire__feed_authors(quire_arena *a, const quire_author *in, size_t n,
                                  const char *base, size_t *n_out);

/** Map doc onto item.  Returns QUIRE_OK or QUIRE_ERR_NOMEM. */
int quire__feed_item_init(quire_feed_item *item, quire_arena *a, const quire_document *doc,
                          const quire_writer_ctx *ctx);
/** The item's full content as an HTML fragment, appended to out: the body
 *  rendered by quire__render_html, with every relative URL attribute
 *  resolved against the item's URL and quotes in text escaped, so that no
 *  `href="relative"` pattern appears anywhere (feed checkers grep for it). */
void quire__feed_content_html(quire_buf *out, quire_arena *a, const quire_document *doc,
                              const quire_feed_item *item);

/** How quire__feed_content_escaped escapes the content. */
typedef enum quire_feed_esc {
    QUIRE_FEED_ESC_XML,  /* element text as xmlTextWriterWriteString writes it */
    QUIRE_FEED_ESC_JSON  /* a JSON string, quotes included, as cJSON prints it */
} quire_feed_esc;

/** The item's content (quire__feed_content_html) cleaned for XML 1.0
 *  (quire__xml_clean) and escaped, ready to be written raw; *len_out gets
 *  its length.  "" (length 0) when the body renders to no HTML at all.
 *  A document goes into every feed set it belongs to, in each format:
 *  between quire__feed_memo_begin and _end (the build brackets each
 *  document with them) each escaping is made once and the string lives in
 *  the memo until the next document; otherwise it lives in arena a.
 *  NULL when out of memory. */
const char *quire__feed_content_escaped(quire_arena *a, const quire_document *doc,
                                        const quire_feed_item *item, quire_feed_esc esc,
                                        size_t *len_out);

/** s cleaned exactly as quire__xml_clean does (invalid UTF-8 becomes
 *  U+FFFD byte by byte, characters XML 1.0 forbids are dropped) and
 *  escaped as esc says, in one pass: malloc'd, *len_out gets its length;
 *  "" (length 0, no quotes) when nothing is left.  NULL when out of
 *  memory.  What quire__feed_content_escaped does to the content. */
char *quire__feed_clean_escape(const char *s, quire_feed_esc esc, size_t *len_out);

/** s (n bytes) as a JSON string, quotes included, escaped as cJSON 1.7
 *  prints it: \" \\ \b \f \n \r \t, \u00xx for other controls,
 *  every other byte as is. */
void quire__feed_json_string(quire_buf *out, const char *s, size_t n);

/** The plain-text summary as HTML (RSS description): &, <, >, " and ' all
 *  become entities, so no markup nor `href="..."` pattern survives. */
void quire__feed_summary_html(quire_buf *out, const char *summary);

/** The ids a feed has written: 64-bit hashes in an open-addressing table
 *  (8 bytes per item: the one thing that grows with the feed).  Zeroed is
 *  empty; free with quire__feed_ids_free. */
typedef struct quire_feed_ids {
    uint64_t *slots;
    size_t count, cap;
} quire_feed_ids;
/** 1 when id is new (and now remembered), 0 when the feed already has it,
 *  QUIRE_ERR_NOMEM.  Every feed format skips a repeated id the same way, so
 *  the three stay item for item the same (a repeated guid or Atom id is an
 *  error for feed checkers; the dedupe filter is where to choose which
 *  document stays). */
int quire__feed_ids_add(quire_feed_ids *set, const char *id);
void quire__feed_ids_free(quire_feed_ids *set);

/* ------------------------------------------------------------ the per-document memo
 *
 * The build writes one document into every feed set it belongs to (the main
 * feeds, each of its tags and categories), in each format, one after the
 * other, between quire__feed_memo_begin and _end.  What does not depend on
 * the feed set is made once there: the item (quire__feed_item_get), its
 * content (quire__feed_content_escaped) and the serialized item of each
 * format (quire__fx_item_begin, quire__feed_item_bytes), so that writing the
 * document into one more feed is an id check and a reference to those bytes.  Outside that
 * window every call makes its own. */

/** The feed formats whose serialized items the memo keeps. */
typedef enum quire_feed_format {
    QUIRE_FEED_FMT_RSS,
    QUIRE_FEED_FMT_ATOM,
    QUIRE_FEED_FMT_JSON,
    QUIRE_FEED_FMT_COUNT
} quire_feed_format;

/** doc mapped onto its item (quire__feed_item_init) for the feed of ctx:
 *  the memo's when it holds it (same document, site, and, for an undated
 *  document, same ctx->updated), else made now, in the memo when it is on,
 *  else in *scratch (created here when NULL; the caller frees it).
 *  QUIRE_OK or QUIRE_ERR_NOMEM. */
int quire__feed_item_get(const quire_feed_item **out, quire_arena **scratch,
                         const quire_document *doc, const quire_writer_ctx *ctx);
/** The serialized item of format f the memo holds for item (made by
 *  quire__feed_item_get) with `level` as its writer's context (a depth),
 *  or NULL.  Borrowed: the memo's until the document ends; written with
 *  quire__sink_write_bytes, every feed set shares it without a copy. */
quire__bytes *quire__feed_item_bytes(const quire_feed_item *item, quire_feed_format f, int level);
/** Keep a copy of data as the serialized item of format f (see above) and
 *  return it (borrowed, as above); NULL when item is not the memo's (the
 *  memo is off) or without memory: the caller writes data itself. */
quire__bytes *quire__feed_item_bytes_keep(const quire_feed_item *item, quire_feed_format f,
                                          int level, const char *data, size_t len);

/* ------------------------------------------------------------ XML output
 *
 * A small streaming XML writer producing exactly the bytes libxml2's
 * xmlTextWriter (2.9.14, indent on, indent string "  ", started with
 * version "1.0" and encoding "UTF-8") gives for the same calls:
 *   - the declaration <?xml version="1.0" encoding="UTF-8"?> and a newline;
 *   - a start tag on its own line, indented two spaces per open ancestor;
 *     an element without content ends as <x/>;
 *   - an end tag right after text, or on its own indented line after child
 *     elements; every end tag is followed by a newline;
 *   - text escaped as xmlEncodeSpecialChars does (< > & " and CR);
 *   - attribute values as xmlBufAttrSerializeTxtContent does for a writer
 *     whose document has an encoding: < > & " as entities, TAB, LF, CR as
 *     &#9; &#10; &#13;, every other byte (UTF-8 included) as is.
 * Namespaces are plain attributes (xmlns, xmlns:prefix) and prefixed names.
 * Output gathers in a buffer that goes to the sink in large chunks.
 * tests/feeds/feeds_test.c drives this and libxml2 with the same calls and
 * compares the bytes. */

#define QUIRE_FX_MAX_DEPTH 16

/** What an XML feed writer (rss, atom) keeps between calls.  Zeroed is
 *  ready for quire__fx_open; quire__fx_free releases it (any state). */
typedef struct quire_feed_xml {
    quire_sink *sink;
    quire_buf out;        /* written, not yet in the sink */
    quire_buf buf;        /* the writers' scratch (an item's description) */
    bool ready;           /* out and buf initialized */
    bool failed;          /* sticky: a misuse, or the sink failed */
    /* open elements, outermost first: names are the callers' (string
     * literals) and must live until the element ends */
    const char *names[QUIRE_FX_MAX_DEPTH];
    bool in_tag[QUIRE_FX_MAX_DEPTH]; /* start tag not closed yet: its '>' is pending */
    int depth;
    bool doindent;        /* libxml2's flag: the next end tag goes on its own line */
    /* the item being written (quire__fx_item_begin .. _end) */
    const quire_feed_item *item;
    quire_feed_format item_format;
    int item_depth;
    size_t item_start;    /* its first byte in out */
    quire_feed_ids ids;
} quire_feed_xml;

/** Start writing into out: the XML declaration.  QUIRE_OK or QUIRE_ERR_NOMEM. */
int quire__fx_open(quire_feed_xml *x, quire_sink *out);
/** <name>text</name> (nothing when text is NULL); text must be clean. */
void quire__fx_el(quire_feed_xml *x, const char *name, const char *text);
/** An attribute of the element just started (nothing when value is NULL). */
void quire__fx_attr(quire_feed_xml *x, const char *name, const char *value);
void quire__fx_start(quire_feed_xml *x, const char *name);
void quire__fx_end(quire_feed_xml *x);
/** Text content of the open element. */
void quire__fx_text(quire_feed_xml *x, const char *text);
/** Text already escaped (quire__feed_content_escaped), written as is;
 *  NULL (out of memory making it) marks the writer failed. */
void quire__fx_raw(quire_feed_xml *x, const char *text, size_t len);
/** Before writing item (from quire__feed_item_get) as format f: true when
 *  the memo held its bytes for this place and they are written already;
 *  false when the caller writes the item, then calls quire__fx_item_end,
 *  which keeps the bytes in the memo. */
bool quire__fx_item_begin(quire_feed_xml *x, const quire_feed_item *item, quire_feed_format f);
void quire__fx_item_end(quire_feed_xml *x);
/** Writes one item of an XML feed (the rss and atom writers' entry point
 *  for a document) with write_item(x, &arena, doc, item), `who` naming the
 *  writer in the duplicate-id warning.  A repeated id is left out with that
 *  warning; an item the memo already holds is copied.  QUIRE_OK,
 *  QUIRE_ERR_NOMEM or QUIRE_ERR_IO. */
typedef int (*quire_fx_item_fn)(quire_feed_xml *x, quire_arena **a, const quire_document *doc,
                                const quire_feed_item *item);
int quire__fx_write_document(quire_writer_ctx *ctx, const quire_document *doc,
                             quire_feed_format f, const char *who, quire_fx_item_fn write_item);
/** Close every open element and flush into the sink: QUIRE_OK or
 *  QUIRE_ERR_IO (a failure on the way included). */
int quire__fx_finish(quire_feed_xml *x);
/** Free whatever is left. */
void quire__fx_free(quire_feed_xml *x);
/** The end and close of a writer whose priv is a quire_feed_xml (rss,
 *  atom): quire__fx_finish and quire__fx_free of ctx->priv. */
int quire__fx_writer_end(quire_writer_ctx *ctx);
void quire__fx_writer_close(quire_writer_ctx *ctx);

#endif /* QUIRE_FEED_COMMON_H */
