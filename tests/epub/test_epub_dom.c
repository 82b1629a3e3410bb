/*
 * test_epub_dom.c — the chapter tree's serializer (epub_dom.c) held to
 * libxml2: random trees are built twice, as epub_node trees and as libxml2
 * trees (empty elements given an empty text child, as quire__epub_fix_empty
 * does for the package pages), and quire__epub_dom_write must give the bytes
 * xmlSaveDoc gives.  Its fast paths: escaping sixteen bytes at a time with
 * the tail taken as the last sixteen bytes again, tags copied in place with
 * names up to EPUB_NAME_FAST bytes (longer names on the plain path), element
 * names held NUL-padded (quire__epub_dom_el_padded) copied sixteen bytes at
 * a time, attribute values borrowed, raw (nothing to escape: written as
 * they are) and set again in place.
 * quire__epub_put_escaped is also held to a byte-by-byte reference at every
 * length up to 80 with special bytes at every position.
 */
#include "epub_internal.h"
#include "check_msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0xD1B54A32D192ED03u;

static uint32_t rnd(void)
{
    return rnd_next(&rng);
}

/* ------------------------------------------------------------------ escaping */

static void escape_reference(quire_buf *b, const char *s, size_t n, bool attr)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': quire__buf_puts(b, "&amp;"); break;
        case '<': quire__buf_puts(b, "&lt;"); break;
        case '>': quire__buf_puts(b, "&gt;"); break;
        case '\r': quire__buf_puts(b, "&#13;"); break;
        case '"': quire__buf_puts(b, attr ? "&quot;" : "\""); break;
        case '\t': quire__buf_puts(b, attr ? "&#9;" : "\t"); break;
        case '\n': quire__buf_puts(b, attr ? "&#10;" : "\n"); break;
        default: quire__buf_putc(b, s[i]); break;
        }
    }
}

static const char special[] = "&<>\"\t\n\r=';?\x01\x7f\x80\xff";

static void test_escape(void)
{
    char s[96];
    for (unsigned round = 0; round < 4000; round++) {
        size_t n = round % 81;
        for (size_t i = 0; i < n; i++)
            s[i] = rnd() % 4 ? (char)('a' + rnd() % 26) : special[rnd() % (sizeof special - 1)];
        if (n && round % 3 == 0) /* one special byte at each position in turn */
            s[(round / 3) % n] = special[rnd() % (sizeof special - 1)];
        for (int attr = 0; attr < 2; attr++) {
            quire_buf want, got;
            quire__buf_init(&want);
            quire__buf_init(&got);
            quire__buf_puts(&got, "x"); /* appends */
            quire__buf_puts(&want, "x");
            escape_reference(&want, s, n, attr);
            quire__epub_put_escaped(&got, s, n, attr);
            checked++;
            CHECK(want.len == got.len && memcmp(want.data, got.data, want.len) == 0,
                  "escape n=%zu attr=%d: %s vs %s", n, attr, quire__buf_cstr(&want),
                  quire__buf_cstr(&got));
            quire__buf_free(&want);
            quire__buf_free(&got);
        }
    }
}

/* ------------------------------------------------------------------ trees */

static const char *const names[] = {
    "p", "a", "em", "li", "ul", "div", "span", "section", "figure", "figcaption", "br", "hr",
    "img", "wbr", "meta", "link", "table", "blockquote", "b", "h1",
    "a-name-longer-than-twenty-four-bytes", "exactly-twenty-four-byte", "twenty-five-bytes-long-xy",
};
static const char *const attr_names[] = {
    "id", "class", "href", "src", "alt", "title", "epub:type", "colspan",
    "an-attribute-name-well-over-twenty-four-bytes",
};

static char *rtext(quire_arena *a)
{
    static const char *const pieces[] = {"word", " ", "\n", "\t", "\r", "&", "<", ">", "\"",
                                         "'", "]]>", "caf\xc3\xa9", "\xe2\x82\xac", "long text "
                                         "that runs past sixteen bytes", ""};
    quire_buf b;
    quire__buf_init(&b);
    size_t n = rnd() % 7;
    for (size_t i = 0; i < n; i++)
        quire__buf_puts(&b, pieces[rnd() % (sizeof pieces / sizeof pieces[0])]);
    char *s = quire_arena_strndup(a, b.data ? b.data : "", b.len);
    quire__buf_free(&b);
    return s;
}

/* children of both parents, depth levels down */
static void grow(quire_arena *a, epub_node *mine, xmlNodePtr theirs, int depth)
{
    size_t n = rnd() % 5;
    for (size_t i = 0; i < n; i++) {
        if (depth <= 0 || rnd() % 3 == 0) {
            char *t = rtext(a);
            if (rnd() % 2)
                quire__epub_dom_text(mine, t, strlen(t));
            else
                quire__epub_dom_text_ref(mine, t, strlen(t));
            xmlAddChild(theirs, xmlNewDocText(theirs->doc, BAD_CAST t));
            continue;
        }
        const char *name = names[rnd() % (sizeof names / sizeof names[0])];
        size_t nl = strlen(name);
        epub_node *el;
        if (nl < EPUB_NAME_PAD && rnd() % 2) {
            /* as the writer's element table holds names: NUL-padded, copied
             * sixteen bytes at a time (the padding must not show) */
            char *pad = quire_arena_alloc(a, EPUB_NAME_PAD);
            memcpy(pad, name, nl);
            el = quire__epub_dom_el_padded(mine, pad, nl);
        } else {
            el = quire__epub_dom_el(mine, name);
        }
        xmlNodePtr x = xmlNewDocNode(theirs->doc, NULL, BAD_CAST name, NULL);
        xmlAddChild(theirs, x);
        size_t na = rnd() % 3;
        for (size_t k = 0; k < na; k++) {
            const char *an = attr_names[rnd() % (sizeof attr_names / sizeof attr_names[0])];
            char *v = rtext(a);
            if (rnd() % 3 == 0) {
                /* raw: a value with nothing to escape (an id, a class, a
                 * literal), written as it is */
                static const char *const safe[] = {"c1-intro", "lead good_one", "UTF-8",
                                                   "http://www.w3.org/1999/xhtml", "",
                                                   "\x01" "fn-1", "text-align: center"};
                v = quire_arena_strdup(a, safe[rnd() % (sizeof safe / sizeof safe[0])]);
                quire__epub_dom_set_raw(el, an, v, strlen(v));
            } else if (rnd() % 2) { /* borrowed: rtext's strings live in the arena */
                quire__epub_dom_set_ref(el, an, v, strlen(v));
            } else {
                quire__epub_dom_set(el, an, v);
            }
            xmlSetProp(x, BAD_CAST an, BAD_CAST v);
            if (rnd() % 4 == 0) { /* set again: in place, with the new value's length */
                v = rtext(a);
                quire__epub_dom_set_ref(el, an, v, strlen(v));
                xmlSetProp(x, BAD_CAST an, BAD_CAST v);
            }
        }
        if (rnd() % 4) /* void elements given children too: the writer does not care */
            grow(a, el, x, depth - 1);
    }
}

static void test_trees(void)
{
    for (unsigned round = 0; round < 3000; round++) {
        quire_arena *a = quire_arena_new();
        epub_node *root = quire__epub_dom_new(a, "html");
        xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
        xmlCreateIntSubset(d, BAD_CAST "html", NULL, NULL);
        xmlNodePtr xr = xmlNewDocNode(d, NULL, BAD_CAST "html", NULL);
        xmlDocSetRootElement(d, xr);
        grow(a, root, xr, 1 + (int)(rnd() % 6));
        /* libxml2 writes an empty element as <x/>; the writer as <x></x>
         * unless it is void, which is what fix_empty gives libxml2 */
        quire__epub_fix_empty(xr);
        char *want = NULL;
        size_t wn = 0;
        CHECK(quire__epub_xml_dump(d, &want, &wn) == QUIRE_OK, "round %u: libxml2", round);
        quire_buf got;
        quire__buf_init(&got);
        CHECK(quire__epub_dom_write(root, &got) == QUIRE_OK, "round %u: dom_write", round);
        checked++;
        if (want && (wn != got.len || memcmp(want, got.data, wn) != 0)) {
            size_t i = 0;
            while (i < wn && i < got.len && want[i] == got.data[i])
                i++;
            CHECK(false, "round %u differs at byte %zu:\n  libxml2: %.80s\n  dom:     %.80s", round,
                  i, want + (i > 20 ? i - 20 : 0), got.data + (i > 20 ? i - 20 : 0));
        }
        free(want);
        quire__buf_free(&got);
        xmlFreeDoc(d);
        quire_arena_free(a);
        if (failures > 10)
            break;
    }
}

int main(void)
{
    test_escape();
    test_trees();
    printf("%d comparisons, %d failures\n", checked, failures);
    return failures ? 1 : 0;
}
