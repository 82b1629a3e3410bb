/*
 * epub_dom.c — the small tree a chapter is built in, and its serializer.
 *
 * Why not libxml2's tree: a chapter is built once, looked at a little (the
 * content-model fixes of epub_xhtml.c peek at children and rename a few
 * elements) and written once.  libxml2 paid for that with a malloc per node,
 * attribute and string, a generic serializer and a free per node: about half
 * of the writer's time.  Here nodes live in the chapter's arena (freed at
 * once), names are the static strings of the element table, and the writer
 * escapes straight into a quire_buf.
 *
 * The bytes are those xmlSaveDoc() wrote for the same tree (UTF-8, XML
 * declaration, `<!DOCTYPE html>`, no indentation), so books did not change:
 *   - text: & < > escaped, CR as &#13;;
 *   - attribute values: & < > " escaped, TAB LF CR as character references;
 *   - an element without children is <br/> when void, <p></p> otherwise
 *     (HTML-parsing readers misread <p/>).
 * Well-formedness rests on the callers as it did with libxml2: names come from
 * allowlists, attribute values are cleaned of characters XML forbids; text
 * nodes are checked here, in the pass that escapes them, and cleaned only
 * when they must be (each piece of text is a node of its own: no merging).
 */
#include "epub_internal.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

epub_node *quire__epub_dom_new_padded(quire_arena *a, const char *name, size_t len)
{
    epub_node *n = quire_arena_alloc(a, sizeof *n);
    if (!n)
        return NULL;
    n->type = XML_ELEMENT_NODE;
    n->name = name;
    n->name_len = (uint16_t)len;
    n->name_padded = true;
    n->arena = a;
    return n;
}

epub_node *quire__epub_dom_new(quire_arena *a, const char *name)
{
    epub_node *n = quire_arena_alloc(a, sizeof *n);
    if (!n)
        return NULL;
    size_t len = strlen(name);
    n->type = XML_ELEMENT_NODE;
    n->name = name;
    n->name_len = len < UINT16_MAX ? (uint16_t)len : UINT16_MAX; /* longer: strlen again */
    n->arena = a;
    return n;
}

static void epub_dom_append(epub_node *parent, epub_node *n)
{
    n->parent = parent;
    if (parent->last)
        parent->last->next = n;
    else
        parent->children = n;
    parent->last = n;
}

epub_node *quire__epub_dom_el(epub_node *parent, const char *name)
{
    epub_node *n = quire__epub_dom_new(parent->arena, name);
    if (n)
        epub_dom_append(parent, n);
    return n;
}

epub_node *quire__epub_dom_el_padded(epub_node *parent, const char *name, size_t len)
{
    epub_node *n = quire__epub_dom_new_padded(parent->arena, name, len);
    if (n)
        epub_dom_append(parent, n);
    return n;
}

/* A lazy text node made ordinary: its string checked, and replaced by a
 * cleaned copy when it holds what XML forbids (what epub_xhtml.c stored for
 * it before text was checked lazily). */
static bool epub_dom_settle(epub_node *t)
{
    if (!t->lazy)
        return true;
    if (!quire__epub_is_clean_n(t->content, t->len)) {
        const char *c = quire__xml_clean(t->arena, t->content);
        if (!c)
            return false;
        t->content = (char *)(uintptr_t)c;
        t->len = strlen(c);
    }
    t->lazy = false;
    return true;
}

const char *quire__epub_dom_text_of(epub_node *t)
{
    return epub_dom_settle(t) ? t->content : NULL;
}

/* A text node for s[0..len) (s[len] the NUL, s as long-lived as the tree),
 * checked when it is written (lazy).  Adjacent text is not merged, as
 * libxml2's xmlAddChild did and this tree did after it: pieces were checked
 * (and cleaned) one by one all the same, escaping goes byte by byte, and the
 * white-space checks of epub_xhtml.c find the same answers in a run of
 * pieces as in the run whole; merging cost a check of both sides, a copy and
 * a plain escape, where pieces take one checked escape each. */
static bool epub_dom_text(epub_node *parent, const char *s, size_t len)
{
    epub_node *t = parent->last;
    /* an empty text node says "has content" (<p></p>); after text, nothing */
    if (!len && t && t->type == XML_TEXT_NODE)
        return true;
    if (!(t = quire_arena_alloc(parent->arena, sizeof *t)))
        return false;
    t->type = XML_TEXT_NODE;
    t->arena = parent->arena;
    t->content = (char *)(uintptr_t)s;
    t->len = len;
    t->lazy = true;
    epub_dom_append(parent, t);
    return true;
}

bool quire__epub_dom_text(epub_node *parent, const char *s, size_t len)
{
    const char *c = len ? quire_arena_strndup(parent->arena, s, len) : "";
    return c && epub_dom_text(parent, c, len);
}

bool quire__epub_dom_text_ref(epub_node *parent, const char *s, size_t len)
{
    return epub_dom_text(parent, s, len);
}

static bool epub_dom_set(epub_node *el, const char *name, const char *value, size_t len, bool raw)
{
    epub_attr **pp = &el->attrs;
    for (; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->name, name) == 0) { /* in place, like xmlSetProp */
            (*pp)->value = value;
            (*pp)->len = len;
            (*pp)->raw = raw;
            return true;
        }
    epub_attr *a = quire_arena_alloc(el->arena, sizeof *a);
    if (!a)
        return false;
    a->name = name;
    a->value = value;
    a->len = len;
    a->raw = raw;
    *pp = a;
    return true;
}

bool quire__epub_dom_set_ref(epub_node *el, const char *name, const char *value, size_t len)
{
    return epub_dom_set(el, name, value, len, false);
}

bool quire__epub_dom_set_raw(epub_node *el, const char *name, const char *value, size_t len)
{
    return epub_dom_set(el, name, value, len, true);
}

bool quire__epub_dom_set(epub_node *el, const char *name, const char *value)
{
    size_t len = value ? strlen(value) : 0;
    char *v = quire_arena_strndup(el->arena, value ? value : "", len);
    return v && quire__epub_dom_set_ref(el, name, v, len);
}

void quire__epub_dom_unset(epub_node *el, const char *name)
{
    for (epub_attr **pp = &el->attrs; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->name, name) == 0) {
            *pp = (*pp)->next;
            return;
        }
}

bool quire__epub_dom_is(const epub_node *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->name && strcmp(n->name, name) == 0;
}

/* ------------------------------------------------------------------ writing */

/* Bytes that need a reference: 1 in text, 2 in attribute values.  Runs of
 * the rest (nearly everything) are copied at once. */
static const unsigned char epub_esc[256] = {
    ['&'] = 3, ['<'] = 3, ['>'] = 3, ['\r'] = 3, ['"'] = 2, ['\t'] = 2, ['\n'] = 2,
};

static const char *epub_ref(char c)
{
    switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\t': return "&#9;";
    case '\n': return "&#10;";
    default: return "&#13;"; /* '\r' */
    }
}

#ifdef __SSE2__
/* A mask of the bytes of s[0..16) that need a reference ('<' | 2 is '>', so
 * one comparison finds both). */
static inline unsigned epub_esc_mask(const char *s, unsigned char which)
{
    const __m128i amp = _mm_set1_epi8('&'), angle = _mm_set1_epi8('>'), two = _mm_set1_epi8(2),
                  cr = _mm_set1_epi8('\r'), quot = _mm_set1_epi8('"'), tab = _mm_set1_epi8('\t'),
                  lf = _mm_set1_epi8('\n');
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, amp), _mm_cmpeq_epi8(_mm_or_si128(v, two), angle));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, cr));
    if (which & 2)
        m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, quot),
                                         _mm_or_si128(_mm_cmpeq_epi8(v, tab),
                                                      _mm_cmpeq_epi8(v, lf))));
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

static void epub_put_escaped(quire_buf *b, const char *s, size_t n, unsigned char which)
{
    size_t run = 0, i = 0;
#ifdef __SSE2__
    /* sixteen bytes at a time */
    while (i + 16 <= n) {
        unsigned mask = epub_esc_mask(s + i, which);
        if (!mask) {
            i += 16;
            continue;
        }
        i += (size_t)__builtin_ctz(mask);
        quire__buf_put(b, s + run, i - run);
        quire__buf_puts(b, epub_ref(s[i]));
        run = ++i;
    }
    if (i < n && n >= 16) {
        /* the tail: the last sixteen bytes again, those before i masked
         * off (byte by byte, tails were a fifth of the serializer) */
        size_t base = n - 16;
        unsigned mask = epub_esc_mask(s + base, which) & ~((1u << (i - base)) - 1);
        for (; mask; mask &= mask - 1) {
            size_t j = base + (size_t)__builtin_ctz(mask);
            quire__buf_put(b, s + run, j - run);
            quire__buf_puts(b, epub_ref(s[j]));
            run = j + 1;
        }
        i = n;
    }
#endif
    for (; i < n; i++) {
        if (!(epub_esc[(unsigned char)s[i]] & which))
            continue;
        quire__buf_put(b, s + run, i - run);
        quire__buf_puts(b, epub_ref(s[i]));
        run = i + 1;
    }
    quire__buf_put(b, s + run, n - run);
}

void quire__epub_put_escaped(quire_buf *b, const char *s, size_t n, bool attr)
{
    epub_put_escaped(b, s, n, attr ? 2 : 1);
}

/* Bytes of text the checked escaper stops at: those needing a reference
 * (1, as in epub_esc) and those needing a check (4): controls XML forbids
 * and every byte that is not ASCII. */
#define EPUB_R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const unsigned char epub_esc_chk[256] = {
    4, 4, 4, 4, 4, 4, 4, 4, 4, 0, 0, 4, 4, 1, 4, 4, /* 0x00: tab, LF allowed; CR escaped */
    EPUB_R16(4),                                   /* 0x10 */
    0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: '&' */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, /* 0x30: '<' '>' */
    EPUB_R16(0), EPUB_R16(0), EPUB_R16(0), EPUB_R16(0),
    EPUB_R16(4), EPUB_R16(4), EPUB_R16(4), EPUB_R16(4), /* 0x80 to 0xff */
    EPUB_R16(4), EPUB_R16(4), EPUB_R16(4), EPUB_R16(4),
};
#undef EPUB_R16

/* Characters that are not ASCII the checked escaper takes one at a time in
 * a text; from the next one on, the rest of the text is checked whole by
 * quire__epub_is_clean_n, then escaped: text that is not mostly ASCII goes
 * faster that way.  Typographic quotes and dashes in English stay in the
 * one pass. */
#define EPUB_CHK_INLINE 16

/* The flagged byte at s[*i], with s[*run..*i) plain: a reference written and
 * *i, *run past it, or a character checked and *i past it (1); or, once
 * *budget is spent, the rest checked whole and written (2); or 0 when it is
 * not allowed. */
static int epub_esc_chk_at(quire_buf *b, const char *s, size_t n, size_t *i, size_t *run,
                           int *budget)
{
    size_t j = *i;
    const unsigned char *p = (const unsigned char *)s;
    unsigned char c = p[j];
    if (epub_esc_chk[c] & 1) {
        quire__buf_put(b, s + *run, j - *run);
        quire__buf_puts(b, epub_ref((char)c));
        *run = *i = j + 1;
        return 1;
    }
    if (c < 0x80)
        return 0; /* a control character XML forbids */
    if (*budget > 0) {
        --*budget;
        uint32_t cp;
        size_t k = quire__utf8_decode_fast(p + j, n - j, &cp);
        if (!k || !quire__xml_char_ok(cp))
            return 0;
        *i = j + k;
        return 1;
    }
    if (!quire__epub_is_clean_n(s + j, n - j))
        return 0;
    epub_put_escaped(b, s + *run, n - *run, 1);
    return 2;
}

bool quire__epub_put_escaped_checked(quire_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t run = 0, i = 0;
    int r, budget = EPUB_CHK_INLINE;
#ifdef __SSE2__
    /* sixteen bytes at a time; as signed bytes, those with the high bit set
     * are below 0x20 too */
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned mask = epub_esc_mask(s + i, 1) |
                        (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
        /* tab and LF are among them, and go on in the run */
        while (mask && !epub_esc_chk[p[i + (size_t)__builtin_ctz(mask)]])
            mask &= mask - 1;
        if (!mask) {
            i += 16;
            continue;
        }
        i += (size_t)__builtin_ctz(mask);
        if ((r = epub_esc_chk_at(b, s, n, &i, &run, &budget)) != 1)
            return r == 2;
    }
    /* the tail: the last sixteen bytes again, those before i masked off (as
     * epub_put_escaped does) */
    while (i < n && n >= 16) {
        size_t base = n - 16;
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + base));
        unsigned mask = (epub_esc_mask(s + base, 1) |
                         (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)))) &
                        ~((1u << (i - base)) - 1);
        while (mask && !epub_esc_chk[p[base + (size_t)__builtin_ctz(mask)]])
            mask &= mask - 1;
        if (!mask) {
            i = n;
            break;
        }
        i = base + (size_t)__builtin_ctz(mask);
        if ((r = epub_esc_chk_at(b, s, n, &i, &run, &budget)) != 1)
            return r == 2;
    }
#endif
    while (i < n) {
        if (!epub_esc_chk[p[i]]) {
            i++;
            continue;
        }
        if ((r = epub_esc_chk_at(b, s, n, &i, &run, &budget)) != 1)
            return r == 2;
    }
    quire__buf_put(b, s + run, n - run);
    return true;
}

/* A lazy text node: checked as it is escaped; when it needs cleaning, what
 * was written of it is taken back and the cleaned text written instead. */
static void epub_put_lazy(quire_buf *b, const epub_node *t)
{
    size_t start = b->len;
    if (quire__epub_put_escaped_checked(b, t->content, t->len))
        return;
    b->len = start;
    if (b->data)
        b->data[start] = '\0';
    const char *c = quire__xml_clean(t->arena, t->content);
    if (!c)
        b->oom = true;
    else
        epub_put_escaped(b, c, strlen(c), 1);
}

/* Where the next n bytes go (room for them and the NUL made), or NULL when
 * out of memory.  Tags are written through it in one go: a quire__buf_putc
 * per byte of '<', name and '>' was a third of the serializer. */
static inline char *epub_room(quire_buf *b, size_t n)
{
    if (b->len + n + 1 > b->cap && !quire__buf_reserve(b, n))
        return NULL;
    return b->data + b->len;
}

/* pre, name, post (np and nq bytes long).  Names are a few bytes, not worth
 * strlen and memcpy: copied up to EPUB_NAME_FAST bytes in place, the rest
 * (none of the names the writer uses) appended the plain way. */
#define EPUB_NAME_FAST 24
static void epub_put_tag(quire_buf *b, const char *pre, size_t np, const char *name,
                         const char *post, size_t nq)
{
    char *p = epub_room(b, np + EPUB_NAME_FAST + nq);
    if (!p)
        return;
    for (size_t i = 0; i < np; i++)
        *p++ = pre[i];
    size_t k = 0;
    for (; k < EPUB_NAME_FAST && name[k]; k++)
        p[k] = name[k];
    p += k;
    if (name[k]) {
        b->len += np + k;
        quire__buf_puts(b, name + k);
        quire__buf_put(b, post, nq);
        return;
    }
    for (size_t i = 0; i < nq; i++)
        *p++ = post[i];
    *p = '\0';
    b->len += np + k + nq;
}

static bool epub_void_name(const char *name)
{
    switch (name[0]) {
    case 'b': return strcmp(name, "br") == 0;
    case 'h': return strcmp(name, "hr") == 0;
    case 'i': return strcmp(name, "img") == 0;
    case 'w': return strcmp(name, "wbr") == 0;
    case 'm': return strcmp(name, "meta") == 0;
    case 'l': return strcmp(name, "link") == 0;
    default: return false;
    }
}

/* pre and post: literals */
#define EPUB_TAG(b, pre, name, post) epub_put_tag(b, pre, sizeof pre - 1, name, post, sizeof post - 1)

/* pre, the name of element n, post (np and nq bytes long): a padded name
 * (most elements) is copied as sixteen bytes and the end moved back, the
 * rest by their length. */
static void epub_put_el_tag(quire_buf *b, const char *pre, size_t np, const epub_node *n,
                            const char *post, size_t nq)
{
    if (n->name_len == UINT16_MAX) { /* a name too long to count: the plain way */
        epub_put_tag(b, pre, np, n->name, post, nq);
        return;
    }
    size_t k = n->name_len;
    char *p = epub_room(b, np + (k > EPUB_NAME_PAD ? k : EPUB_NAME_PAD) + nq);
    if (!p)
        return;
    for (size_t i = 0; i < np; i++)
        *p++ = pre[i];
    if (n->name_padded)
        memcpy(p, n->name, EPUB_NAME_PAD);
    else
        memcpy(p, n->name, k);
    p += k;
    for (size_t i = 0; i < nq; i++)
        *p++ = post[i];
    *p = '\0';
    b->len += np + k + nq;
}

#define EPUB_EL_TAG(b, pre, n, post) epub_put_el_tag(b, pre, sizeof pre - 1, n, post, sizeof post - 1)

static void epub_put_close(quire_buf *b, const epub_node *n)
{
    EPUB_EL_TAG(b, "</", n, ">");
}

int quire__epub_dom_write(const epub_node *root, quire_buf *b)
{
    quire__buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n");
    /* iterative pre-order walk: the tree may be deep */
    const epub_node *n = root;
    while (n) {
        if (n->type == XML_TEXT_NODE) {
            if (n->lazy)
                epub_put_lazy(b, n);
            else
                epub_put_escaped(b, n->content, n->len, 1);
        } else {
            EPUB_EL_TAG(b, "<", n, "");
            for (const epub_attr *a = n->attrs; a; a = a->next) {
                EPUB_TAG(b, " ", a->name, "=\"");
                if (a->raw) {
                    /* known to need no escaping: the writer's literals, ids, classes */
                    char *p = epub_room(b, a->len);
                    if (p) {
                        memcpy(p, a->value, a->len);
                        b->len += a->len;
                        p[a->len] = '\0';
                    }
                } else {
                    epub_put_escaped(b, a->value, a->len, 2);
                }
                quire__buf_putc(b, '"');
            }
            if (n->children) {
                quire__buf_putc(b, '>');
                n = n->children;
                continue;
            }
            if (epub_void_name(n->name))
                quire__buf_put(b, "/>", 2);
            else
                EPUB_EL_TAG(b, "></", n, ">"); /* <p></p>: see the top */
        }
        /* up until there is a next sibling, closing what is finished */
        while (n != root && !n->next) {
            n = n->parent;
            epub_put_close(b, n);
        }
        if (n == root)
            break;
        n = n->next;
    }
    quire__buf_putc(b, '\n');
    return b->oom ? QUIRE_ERR_NOMEM : QUIRE_OK;
}
