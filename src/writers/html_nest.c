/*
 * html_nest.c — the body made valid HTML5 where the allowlist keeps markup
 * that breaks the content model: a div inside a span or a p, a p inside a
 * p, stray list items, rows outside tables, figcaptions outside figures,
 * links inside links, source elements outside picture/video/audio.
 *
 * The same rules as the EPUB writer's repair (epub_xhtml.c), applied to the
 * model instead of a libxml2 tree, because the html writer renders the
 * model: a paragraph holding blocks becomes a div when its own parent
 * takes flow content; any other block where only phrasing may go becomes a
 * span; stray content of lists, definition lists, tables and rows gets the
 * wrapper it lacks; list items, terms, rows and cells outside their parent
 * become divs.  Nothing is dropped but the source and track elements that
 * have no media to belong to, and white space between rows.
 *
 * Three walks, none recursive: void elements' children moved out; then
 * nodes to wrap collected (the tree must not move under the walk) and
 * wrapped afterwards; then renames in place with a stack of contexts.  A
 * cheaper walk first asks whether any of them would change anything: in
 * most bodies none does, and the three are skipped.
 */
#include "html_internal.h"

#include <stdlib.h>
#include <string.h>

/* Which rule lists an element is on: */
#define NF_BLOCK       1u /* flow content only: never inside phrasing content
                             (address article aside blockquote caption dd details
                             dialog div dl dt fieldset figcaption figure footer form
                             h1-h6 header hgroup hr li main menu nav ol p pre section
                             table tbody td tfoot th thead tr ul) */
#define NF_PHRASING    2u /* its children may only be phrasing content (abbr b bdi
                             bdo cite code data dfn em h1-h6 i kbd label legend mark
                             p pre q rp rt ruby s samp small span strong sub summary
                             sup time u var) */
#define NF_TRANSPARENT 4u /* the content model of its parent (a del ins) */
#define NF_VOID        8u /* never has children (source track wbr col br hr img) */

/* Elements by number, not name: the walks ask several questions of every
 * node, and a name is looked up once per question otherwise.  Headings
 * are one element: the rules treat every level alike. */
typedef enum nest_el {
    NE_NONE = 0, /* no element: text, the root, a tight list's paragraph */
    NE_OTHER,    /* an element none of the rules name */
    NE_A, NE_ABBR, NE_ADDRESS, NE_ARTICLE, NE_ASIDE, NE_B, NE_BDI, NE_BDO, NE_BLOCKQUOTE, NE_BR,
    NE_CAPTION, NE_CITE, NE_CODE, NE_COL, NE_COLGROUP, NE_DATA, NE_DD, NE_DEL, NE_DETAILS,
    NE_DFN, NE_DIALOG, NE_DIV, NE_DL, NE_DT, NE_EM, NE_FIELDSET, NE_FIGCAPTION, NE_FIGURE,
    NE_FOOTER, NE_FORM, NE_H, NE_HEADER, NE_HGROUP, NE_HR, NE_I, NE_IMG, NE_INS, NE_KBD,
    NE_LABEL, NE_LEGEND, NE_LI, NE_MAIN, NE_MARK, NE_MENU, NE_NAV, NE_OL, NE_P, NE_PICTURE,
    NE_PRE, NE_Q, NE_RP, NE_RT, NE_RUBY, NE_S, NE_SAMP, NE_SECTION, NE_SMALL, NE_SOURCE,
    NE_SPAN, NE_STRONG, NE_SUB, NE_SUMMARY, NE_SUP, NE_TABLE, NE_TBODY, NE_TD, NE_TFOOT, NE_TH,
    NE_THEAD, NE_TIME, NE_TR, NE_TRACK, NE_U, NE_UL, NE_VAR, NE_WBR,
    NE_COUNT
} nest_el;

/* Content-model classes of each element (see the lists in the header). */
static const unsigned char nest_flags[NE_COUNT] = {
    [NE_OTHER] = 0,
    [NE_A] = NF_TRANSPARENT,
    [NE_ABBR] = NF_PHRASING,
    [NE_ADDRESS] = NF_BLOCK,
    [NE_ARTICLE] = NF_BLOCK,
    [NE_ASIDE] = NF_BLOCK,
    [NE_B] = NF_PHRASING,
    [NE_BDI] = NF_PHRASING,
    [NE_BDO] = NF_PHRASING,
    [NE_BLOCKQUOTE] = NF_BLOCK,
    [NE_BR] = NF_VOID,
    [NE_CAPTION] = NF_BLOCK,
    [NE_CITE] = NF_PHRASING,
    [NE_CODE] = NF_PHRASING,
    [NE_COL] = NF_VOID,
    [NE_DATA] = NF_PHRASING,
    [NE_DD] = NF_BLOCK,
    [NE_DEL] = NF_TRANSPARENT,
    [NE_DETAILS] = NF_BLOCK,
    [NE_DFN] = NF_PHRASING,
    [NE_DIALOG] = NF_BLOCK,
    [NE_DIV] = NF_BLOCK,
    [NE_DL] = NF_BLOCK,
    [NE_DT] = NF_BLOCK,
    [NE_EM] = NF_PHRASING,
    [NE_FIELDSET] = NF_BLOCK,
    [NE_FIGCAPTION] = NF_BLOCK,
    [NE_FIGURE] = NF_BLOCK,
    [NE_FOOTER] = NF_BLOCK,
    [NE_FORM] = NF_BLOCK,
    [NE_H] = NF_BLOCK|NF_PHRASING,
    [NE_HEADER] = NF_BLOCK,
    [NE_HGROUP] = NF_BLOCK,
    [NE_HR] = NF_BLOCK|NF_VOID,
    [NE_I] = NF_PHRASING,
    [NE_IMG] = NF_VOID,
    [NE_INS] = NF_TRANSPARENT,
    [NE_KBD] = NF_PHRASING,
    [NE_LABEL] = NF_PHRASING,
    [NE_LEGEND] = NF_PHRASING,
    [NE_LI] = NF_BLOCK,
    [NE_MAIN] = NF_BLOCK,
    [NE_MARK] = NF_PHRASING,
    [NE_MENU] = NF_BLOCK,
    [NE_NAV] = NF_BLOCK,
    [NE_OL] = NF_BLOCK,
    [NE_P] = NF_BLOCK|NF_PHRASING,
    [NE_PRE] = NF_BLOCK|NF_PHRASING,
    [NE_Q] = NF_PHRASING,
    [NE_RP] = NF_PHRASING,
    [NE_RT] = NF_PHRASING,
    [NE_RUBY] = NF_PHRASING,
    [NE_S] = NF_PHRASING,
    [NE_SAMP] = NF_PHRASING,
    [NE_SECTION] = NF_BLOCK,
    [NE_SMALL] = NF_PHRASING,
    [NE_SOURCE] = NF_VOID,
    [NE_SPAN] = NF_PHRASING,
    [NE_STRONG] = NF_PHRASING,
    [NE_SUB] = NF_PHRASING,
    [NE_SUMMARY] = NF_PHRASING,
    [NE_SUP] = NF_PHRASING,
    [NE_TABLE] = NF_BLOCK,
    [NE_TBODY] = NF_BLOCK,
    [NE_TD] = NF_BLOCK,
    [NE_TFOOT] = NF_BLOCK,
    [NE_TH] = NF_BLOCK,
    [NE_THEAD] = NF_BLOCK,
    [NE_TIME] = NF_PHRASING,
    [NE_TR] = NF_BLOCK,
    [NE_TRACK] = NF_VOID,
    [NE_U] = NF_PHRASING,
    [NE_UL] = NF_BLOCK,
    [NE_VAR] = NF_PHRASING,
    [NE_WBR] = NF_VOID,
};

/* The element of a generic node's name. */
static nest_el nest_lookup(const char *s)
{
    switch (s[0]) {
    case 'a':
        if (!strcmp(s + 1, ""))
            return NE_A;
        if (!strcmp(s + 1, "bbr"))
            return NE_ABBR;
        if (!strcmp(s + 1, "ddress"))
            return NE_ADDRESS;
        if (!strcmp(s + 1, "rticle"))
            return NE_ARTICLE;
        if (!strcmp(s + 1, "side"))
            return NE_ASIDE;
        return NE_OTHER;
    case 'b':
        if (!strcmp(s + 1, ""))
            return NE_B;
        if (!strcmp(s + 1, "di"))
            return NE_BDI;
        if (!strcmp(s + 1, "do"))
            return NE_BDO;
        if (!strcmp(s + 1, "lockquote"))
            return NE_BLOCKQUOTE;
        if (!strcmp(s + 1, "r"))
            return NE_BR;
        return NE_OTHER;
    case 'c':
        if (!strcmp(s + 1, "aption"))
            return NE_CAPTION;
        if (!strcmp(s + 1, "ite"))
            return NE_CITE;
        if (!strcmp(s + 1, "ode"))
            return NE_CODE;
        if (!strcmp(s + 1, "ol"))
            return NE_COL;
        if (!strcmp(s + 1, "olgroup"))
            return NE_COLGROUP;
        return NE_OTHER;
    case 'd':
        if (!strcmp(s + 1, "ata"))
            return NE_DATA;
        if (!strcmp(s + 1, "d"))
            return NE_DD;
        if (!strcmp(s + 1, "el"))
            return NE_DEL;
        if (!strcmp(s + 1, "etails"))
            return NE_DETAILS;
        if (!strcmp(s + 1, "fn"))
            return NE_DFN;
        if (!strcmp(s + 1, "ialog"))
            return NE_DIALOG;
        if (!strcmp(s + 1, "iv"))
            return NE_DIV;
        if (!strcmp(s + 1, "l"))
            return NE_DL;
        if (!strcmp(s + 1, "t"))
            return NE_DT;
        return NE_OTHER;
    case 'e':
        if (!strcmp(s + 1, "m"))
            return NE_EM;
        return NE_OTHER;
    case 'f':
        if (!strcmp(s + 1, "ieldset"))
            return NE_FIELDSET;
        if (!strcmp(s + 1, "igcaption"))
            return NE_FIGCAPTION;
        if (!strcmp(s + 1, "igure"))
            return NE_FIGURE;
        if (!strcmp(s + 1, "ooter"))
            return NE_FOOTER;
        if (!strcmp(s + 1, "orm"))
            return NE_FORM;
        return NE_OTHER;
    case 'h':
        if (!strcmp(s + 1, "1"))
            return NE_H;
        if (!strcmp(s + 1, "2"))
            return NE_H;
        if (!strcmp(s + 1, "3"))
            return NE_H;
        if (!strcmp(s + 1, "4"))
            return NE_H;
        if (!strcmp(s + 1, "5"))
            return NE_H;
        if (!strcmp(s + 1, "6"))
            return NE_H;
        if (!strcmp(s + 1, "eader"))
            return NE_HEADER;
        if (!strcmp(s + 1, "group"))
            return NE_HGROUP;
        if (!strcmp(s + 1, "r"))
            return NE_HR;
        return NE_OTHER;
    case 'i':
        if (!strcmp(s + 1, ""))
            return NE_I;
        if (!strcmp(s + 1, "mg"))
            return NE_IMG;
        if (!strcmp(s + 1, "ns"))
            return NE_INS;
        return NE_OTHER;
    case 'k':
        if (!strcmp(s + 1, "bd"))
            return NE_KBD;
        return NE_OTHER;
    case 'l':
        if (!strcmp(s + 1, "abel"))
            return NE_LABEL;
        if (!strcmp(s + 1, "egend"))
            return NE_LEGEND;
        if (!strcmp(s + 1, "i"))
            return NE_LI;
        return NE_OTHER;
    case 'm':
        if (!strcmp(s + 1, "ain"))
            return NE_MAIN;
        if (!strcmp(s + 1, "ark"))
            return NE_MARK;
        if (!strcmp(s + 1, "enu"))
            return NE_MENU;
        return NE_OTHER;
    case 'n':
        if (!strcmp(s + 1, "av"))
            return NE_NAV;
        return NE_OTHER;
    case 'o':
        if (!strcmp(s + 1, "l"))
            return NE_OL;
        return NE_OTHER;
    case 'p':
        if (!strcmp(s + 1, ""))
            return NE_P;
        if (!strcmp(s + 1, "icture"))
            return NE_PICTURE;
        if (!strcmp(s + 1, "re"))
            return NE_PRE;
        return NE_OTHER;
    case 'q':
        if (!strcmp(s + 1, ""))
            return NE_Q;
        return NE_OTHER;
    case 'r':
        if (!strcmp(s + 1, "p"))
            return NE_RP;
        if (!strcmp(s + 1, "t"))
            return NE_RT;
        if (!strcmp(s + 1, "uby"))
            return NE_RUBY;
        return NE_OTHER;
    case 's':
        if (!strcmp(s + 1, ""))
            return NE_S;
        if (!strcmp(s + 1, "amp"))
            return NE_SAMP;
        if (!strcmp(s + 1, "ection"))
            return NE_SECTION;
        if (!strcmp(s + 1, "mall"))
            return NE_SMALL;
        if (!strcmp(s + 1, "ource"))
            return NE_SOURCE;
        if (!strcmp(s + 1, "pan"))
            return NE_SPAN;
        if (!strcmp(s + 1, "trong"))
            return NE_STRONG;
        if (!strcmp(s + 1, "ub"))
            return NE_SUB;
        if (!strcmp(s + 1, "ummary"))
            return NE_SUMMARY;
        if (!strcmp(s + 1, "up"))
            return NE_SUP;
        return NE_OTHER;
    case 't':
        if (!strcmp(s + 1, "able"))
            return NE_TABLE;
        if (!strcmp(s + 1, "body"))
            return NE_TBODY;
        if (!strcmp(s + 1, "d"))
            return NE_TD;
        if (!strcmp(s + 1, "foot"))
            return NE_TFOOT;
        if (!strcmp(s + 1, "h"))
            return NE_TH;
        if (!strcmp(s + 1, "head"))
            return NE_THEAD;
        if (!strcmp(s + 1, "ime"))
            return NE_TIME;
        if (!strcmp(s + 1, "r"))
            return NE_TR;
        if (!strcmp(s + 1, "rack"))
            return NE_TRACK;
        return NE_OTHER;
    case 'u':
        if (!strcmp(s + 1, ""))
            return NE_U;
        if (!strcmp(s + 1, "l"))
            return NE_UL;
        return NE_OTHER;
    case 'v':
        if (!strcmp(s + 1, "ar"))
            return NE_VAR;
        return NE_OTHER;
    case 'w':
        if (!strcmp(s + 1, "br"))
            return NE_WBR;
        return NE_OTHER;
    default:
        return NE_OTHER;
    }
}

static bool nest_tight_para(const quire_node *n)
{
    const quire_node *item = n->parent;
    return n->type == QUIRE_NODE_PARAGRAPH && item && item->type == QUIRE_NODE_ITEM &&
           item->parent && item->parent->type == QUIRE_NODE_LIST &&
           (item->parent->flags & QUIRE_NODE_FLAG_TIGHT);
}

/* The element the renderer writes for each typed node (the generic ones
 * and paragraphs are looked at more closely). */
static const unsigned char nest_typed[QUIRE_NODE_TYPE_COUNT] = {
    [QUIRE_NODE_PARAGRAPH] = NE_P,
    [QUIRE_NODE_HEADING] = NE_H,
    [QUIRE_NODE_BLOCKQUOTE] = NE_BLOCKQUOTE,
    [QUIRE_NODE_LIST] = NE_UL,
    [QUIRE_NODE_ITEM] = NE_LI,
    [QUIRE_NODE_CODE_BLOCK] = NE_PRE,
    [QUIRE_NODE_THEMATIC_BREAK] = NE_HR,
    [QUIRE_NODE_TABLE] = NE_TABLE,
    [QUIRE_NODE_TABLE_ROW] = NE_TR,
    [QUIRE_NODE_TABLE_CELL] = NE_TD,
    [QUIRE_NODE_FIGURE] = NE_FIGURE,
    [QUIRE_NODE_CAPTION] = NE_FIGCAPTION,
    [QUIRE_NODE_FOOTNOTE_DEF] = NE_DIV,
    [QUIRE_NODE_EMPH] = NE_EM,
    [QUIRE_NODE_STRONG] = NE_STRONG,
    [QUIRE_NODE_STRIKETHROUGH] = NE_DEL,
    [QUIRE_NODE_LINK] = NE_A,
    [QUIRE_NODE_CODE] = NE_CODE,
    [QUIRE_NODE_FOOTNOTE_REF] = NE_SUP,
    [QUIRE_NODE_IMAGE] = NE_IMG,
};
_Static_assert(NE_COUNT <= 256, "nest_typed holds elements in bytes");

/* The element the renderer writes for n, or NE_NONE for none (text, root,
 * the paragraphs of a tight list). */
static nest_el nest_elem(const quire_node *n)
{
    switch (n->type) {
    case QUIRE_NODE_PARAGRAPH: return nest_tight_para(n) ? NE_NONE : NE_P;
    case QUIRE_NODE_HTML_BLOCK:
    case QUIRE_NODE_HTML_INLINE: return n->name ? nest_lookup(n->name) : NE_NONE;
    default:
        return (unsigned)n->type < QUIRE_NODE_TYPE_COUNT ? (nest_el)nest_typed[n->type] : NE_NONE;
    }
}

static bool nest_is(const quire_node *n, nest_el e)
{
    return n && nest_elem(n) == e;
}

static bool nest_has(nest_el e, unsigned flag)
{
    return (nest_flags[e] & flag) != 0;
}

static bool nest_blank_text(const quire_node *n)
{
    if (n->type == QUIRE_NODE_SOFTBREAK)
        return true;
    if (n->type != QUIRE_NODE_TEXT)
        return false;
    for (const char *p = n->literal; p && *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return false;
    return true;
}

static bool nest_global_attr(const char *name)
{
    static const char *const global[] = {"id", "class", "title", "lang", "dir", NULL};
    for (size_t i = 0; global[i]; i++)
        if (strcmp(global[i], name) == 0)
            return true;
    return false;
}

/* n becomes the generic element `name`, children kept; the attributes of
 * its old element go, the global ones stay (sanitize kept nothing else). */
static void nest_rename(quire_node *n, const char *name, bool block)
{
    if (n->type == QUIRE_NODE_CODE_BLOCK || n->type == QUIRE_NODE_CODE) {
        n->type = QUIRE_NODE_CODE; /* its text is its literal */
        return;
    }
    if (n->type == QUIRE_NODE_THEMATIC_BREAK) {
        n->type = QUIRE_NODE_LINEBREAK;
        return;
    }
    quire_attr **link = &n->attrs;
    while (*link) {
        if (nest_global_attr((*link)->name))
            link = &(*link)->next;
        else
            *link = (*link)->next;
    }
    n->type = block ? QUIRE_NODE_HTML_BLOCK : QUIRE_NODE_HTML_INLINE;
    n->name = name;
    n->url = NULL;
    n->flags = 0;
}

/* ------------------------------------------------------------------ structure */

typedef struct nest_fix {
    quire_node *node;
    nest_el wrapper;   /* wrap in this element (NE_LI, NE_DT, NE_DD, NE_TR,
                          NE_TD); NE_NONE: remove the node */
} nest_fix;

/* What a child n of a parent element `parent` needs: a wrapper, NE_NONE
 * to be removed, NE_OTHER nothing. */
static nest_el nest_child_fix(nest_el parent, const quire_node *n)
{
    switch (parent) {
    case NE_UL:
    case NE_OL:
    case NE_MENU:
        return nest_is(n, NE_LI) ? NE_OTHER : nest_blank_text(n) ? NE_NONE : NE_LI;
    case NE_DL: {
        nest_el c = nest_elem(n);
        if (c == NE_DT || c == NE_DD || c == NE_DIV)
            return NE_OTHER;
        if (nest_blank_text(n))
            return NE_NONE;
        /* a group starts with a term: stray content before any is one */
        for (const quire_node *s = n->prev; s; s = s->prev)
            if (nest_is(s, NE_DT) || nest_is(s, NE_DD))
                return NE_DD;
        return NE_DT;
    }
    case NE_TABLE:
        return nest_is(n, NE_TR) ? NE_OTHER : nest_blank_text(n) ? NE_NONE : NE_TR;
    case NE_TR: {
        nest_el c = nest_elem(n);
        return c == NE_TD || c == NE_TH ? NE_OTHER : nest_blank_text(n) ? NE_NONE : NE_TD;
    }
    default:
        return NE_OTHER;
    }
}

static bool nest_push(nest_fix **v, size_t *n, size_t *cap, nest_fix f)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        nest_fix *p = realloc(*v, c * sizeof *p);
        if (!p)
            return false;
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = f;
    return true;
}

/* What an element outside the parent it needs becomes: "div", "span", or
 * NULL where it is in place. */
static const char *nest_misplaced(const quire_node *n, nest_el e, nest_el pe)
{
    switch (e) {
    case NE_LI:
        return pe != NE_UL && pe != NE_OL && pe != NE_MENU ? "div" : NULL;
    case NE_DT:
    case NE_DD:
        return pe != NE_DL && pe != NE_DIV ? "div" : NULL;
    case NE_TR:
        return pe != NE_TABLE ? "div" : NULL;
    case NE_TD:
    case NE_TH:
        return pe != NE_TR ? "div" : NULL;
    case NE_THEAD:
    case NE_TBODY:
    case NE_TFOOT:
    case NE_CAPTION:
    case NE_COL:
    case NE_COLGROUP:
        /* tables are typed nodes: the renderer writes their sections */
        return "div";
    case NE_RT:
    case NE_RP:
        return pe != NE_RUBY ? "span" : NULL;
    case NE_FIGCAPTION:
        /* one, first or last in a figure */
        return !(pe == NE_FIGURE && (!n->prev || !n->next) &&
                 !(n->prev && nest_is(n->parent->first_child, NE_FIGCAPTION)))
                   ? "div"
                   : NULL;
    default:
        return NULL;
    }
}

/* Elements outside the parent they need become divs or spans. */
static void nest_place(quire_node *n, nest_el e, nest_el pe)
{
    const char *name = nest_misplaced(n, e, pe);
    if (name)
        nest_rename(n, name, name[0] == 'd');
}

/* Whether n (element e in parent element pe) is a source or track with
 * no media to belong to: removed. */
static bool nest_stray_media(const quire_node *n, nest_el e, nest_el pe)
{
    return (e == NE_SOURCE || e == NE_TRACK) && !(pe == NE_PICTURE && e == NE_SOURCE) &&
           n->parent->type != QUIRE_NODE_EMBED;
}

static int nest_structure(quire_arena *a, quire_node *body)
{
    nest_fix *fixes = NULL;
    size_t count = 0, cap = 0;
    for (quire_node *n = body; n; n = quire__html_next(body, n)) {
        if (!n->parent)
            continue;
        nest_el e = nest_elem(n), pe = nest_elem(n->parent);
        nest_place(n, e, pe);
        /* a dl must end its groups with a description; a picture must
         * hold an img: otherwise they are only containers */
        if (e == NE_DL || e == NE_PICTURE) {
            const quire_node *last = NULL, *img = NULL;
            for (const quire_node *c = n->first_child; c; c = c->next) {
                nest_el ce = nest_elem(c);
                if (ce == NE_DT || ce == NE_DD)
                    last = c;
                if (ce == NE_IMG)
                    img = c;
            }
            if (e == NE_DL && (!last || nest_is(last, NE_DT)))
                nest_rename(n, "div", true);
            if (e == NE_PICTURE && !img)
                nest_rename(n, "span", false);
        }
        e = nest_elem(n);
        /* the parent was renamed, if at all, when it was visited: pe is
         * still its element */
        nest_el w = nest_child_fix(pe, n);
        bool ok = true;
        if (w != NE_OTHER)
            ok = nest_push(&fixes, &count, &cap, (nest_fix){n, w});
        else if (nest_stray_media(n, e, pe))
            ok = nest_push(&fixes, &count, &cap, (nest_fix){n, NE_NONE}); /* no media to belong to */
        if (!ok) {
            free(fixes);
            return QUIRE_ERR_NOMEM;
        }
    }
    for (size_t i = 0; i < count; i++) {
        quire_node *t = fixes[i].node;
        if (fixes[i].wrapper == NE_NONE) {
            quire_node_unlink(t);
            continue;
        }
        /* stray rows and cells become typed: the renderer writes them */
        quire_node_type type = fixes[i].wrapper == NE_TR   ? QUIRE_NODE_TABLE_ROW
                               : fixes[i].wrapper == NE_TD ? QUIRE_NODE_TABLE_CELL
                                                           : QUIRE_NODE_HTML_BLOCK;
        quire_node *w = quire_node_new(a, type, t->line, t->column);
        if (!w) {
            free(fixes);
            return QUIRE_ERR_NOMEM;
        }
        if (type == QUIRE_NODE_HTML_BLOCK)
            w->name = fixes[i].wrapper == NE_LI ? "li" : fixes[i].wrapper == NE_DT ? "dt" : "dd";
        if (type == QUIRE_NODE_TABLE_ROW && t->prev && (t->prev->flags & QUIRE_NODE_FLAG_HEADER))
            w->flags |= QUIRE_NODE_FLAG_HEADER;
        quire_node_insert_before(t, w);
        quire_node_unlink(t);
        quire_node_append(w, t);
        /* a stray row inside a table gets a cell around its content too */
        if (type == QUIRE_NODE_TABLE_ROW && !nest_is(t, NE_TD) && !nest_is(t, NE_TH)) {
            quire_node *cell = quire_node_new(a, QUIRE_NODE_TABLE_CELL, t->line, t->column);
            if (!cell) {
                free(fixes);
                return QUIRE_ERR_NOMEM;
            }
            quire_node_unlink(t);
            quire_node_append(w, cell);
            quire_node_append(cell, t);
        }
    }
    free(fixes);
    return QUIRE_OK;
}

/* ------------------------------------------------------------------ content */

typedef struct nest_ctx {
    quire_node *node;
    bool flow;    /* flow content allowed here (else phrasing only) */
    bool in_a;    /* inside a link: no other link */
} nest_ctx;

/* Leaving container n: its context, if it pushed one, goes. */
static void nest_exit(const nest_ctx *stack, size_t *depth, const quire_node *n)
{
    if (*depth > 1 && stack[*depth - 1].node == n)
        (*depth)--;
}

static int nest_content(quire_node *body)
{
    size_t depth = 0, cap = 64;
    nest_ctx *stack = malloc(cap * sizeof *stack);
    if (!stack)
        return QUIRE_ERR_NOMEM;
    stack[depth++] = (nest_ctx){body, true, false};
    /* quire_iter's walk, written out: a container's exit pops its
     * context.  The root itself is not visited. */
    quire_node *n = body;
    for (;;) {
        if (n->first_child && !quire_node_is_leaf(n)) {
            n = n->first_child;
        } else {
            if (!quire_node_is_leaf(n))
                nest_exit(stack, &depth, n); /* a container without children */
            while (n != body && !n->next) {
                n = n->parent;
                nest_exit(stack, &depth, n);
            }
            if (n == body)
                break;
            n = n->next;
        }
        nest_ctx *top = &stack[depth - 1];
        nest_el e = nest_elem(n);
        if (!top->flow && nest_has(e, NF_BLOCK)) {
            /* a paragraph holding blocks becomes a div where its parent
             * takes flow content (the EPUB writer's rule) */
            quire_node *par = top->node;
            if (depth >= 2 && stack[depth - 2].flow && nest_is(par, NE_P)) {
                nest_rename(par, "div", true);
                top->flow = true;
            } else {
                nest_rename(n, "span", false);
                e = NE_SPAN;
            }
        }
        if (e == NE_A && top->in_a) {
            nest_rename(n, "span", false); /* no link inside a link */
            e = NE_SPAN;
        }
        if (quire_node_is_leaf(n))
            continue;
        nest_ctx c = {n, top->flow, top->in_a};
        if (nest_has(e, NF_PHRASING))
            c.flow = false;
        else if (e != NE_NONE && !nest_has(e, NF_TRANSPARENT))
            c.flow = true; /* div, li, td, blockquote, figure... */
        if (e == NE_A)
            c.in_a = true;
        if (depth == cap) {
            nest_ctx *s = realloc(stack, (cap *= 2) * sizeof *s);
            if (!s) {
                free(stack);
                return QUIRE_ERR_NOMEM;
            }
            stack = s;
        }
        stack[depth++] = c;
    }
    free(stack);
    return QUIRE_OK;
}

/* A void element never renders its children, and a parser that does not
 * know one as void ("<source>" to older libxml2) nests what follows inside
 * it: those children move out, after it. */
static int nest_hoist_void(quire_node *body)
{
    quire_node **list = NULL;
    size_t count = 0, cap = 0;
    for (quire_node *n = body; n; n = quire__html_next(body, n)) {
        if (!n->first_child ||
            (n->type != QUIRE_NODE_HTML_BLOCK && n->type != QUIRE_NODE_HTML_INLINE) ||
            !nest_has(nest_elem(n), NF_VOID))
            continue;
        if (count == cap) {
            size_t c = cap ? cap * 2 : 16;
            quire_node **l = realloc(list, c * sizeof *l);
            if (!l) {
                free(list);
                return QUIRE_ERR_NOMEM;
            }
            list = l;
            cap = c;
        }
        list[count++] = n;
    }
    /* innermost first, so a nested void's children end up in order */
    for (size_t i = count; i-- > 0;) {
        quire_node *v = list[i];
        while (v->last_child) {
            quire_node *c = v->last_child;
            quire_node_unlink(c);
            quire_node_insert_after(v, c);
        }
    }
    free(list);
    return QUIRE_OK;
}

/* ------------------------------------------------------------------ the check */

/* How deep the check follows a body; a deeper one takes the passes. */
#define NEST_CHECK_DEPTH 128

/* What else the check asks about an element, besides nest_flags: */
#define NC_LINK   1u /* a link: never inside another */
#define NC_SELF   2u /* may be out of place (nest_misplaced), or a dl,
                        picture, source or track (checked no further) */
#define NC_PARENT 4u /* its children may need a wrapper (nest_child_fix) */
static const unsigned char nest_check[NE_COUNT] = {
    [NE_A] = NC_LINK,
    [NE_LI] = NC_SELF,
    [NE_DT] = NC_SELF,
    [NE_DD] = NC_SELF,
    [NE_TR] = NC_SELF | NC_PARENT,
    [NE_TD] = NC_SELF,
    [NE_TH] = NC_SELF,
    [NE_THEAD] = NC_SELF,
    [NE_TBODY] = NC_SELF,
    [NE_TFOOT] = NC_SELF,
    [NE_CAPTION] = NC_SELF,
    [NE_COL] = NC_SELF,
    [NE_COLGROUP] = NC_SELF,
    [NE_RT] = NC_SELF,
    [NE_RP] = NC_SELF,
    [NE_FIGCAPTION] = NC_SELF,
    [NE_DL] = NC_SELF | NC_PARENT,
    [NE_PICTURE] = NC_SELF,
    [NE_SOURCE] = NC_SELF,
    [NE_TRACK] = NC_SELF,
    [NE_UL] = NC_PARENT,
    [NE_OL] = NC_PARENT,
    [NE_MENU] = NC_PARENT,
    [NE_TABLE] = NC_PARENT,
};

/* Whether node n, element e in a parent of element pe, makes a pass
 * change something by itself (its place, its children's wrappers, a void
 * element's children); asked only of the nodes the tables above mark. */
static bool nest_node_dirty(const quire_node *n, nest_el e, nest_el pe)
{
    if (nest_has(e, NF_VOID) && n->first_child &&
        (n->type == QUIRE_NODE_HTML_BLOCK || n->type == QUIRE_NODE_HTML_INLINE))
        return true;
    if (!(nest_check[e] & NC_SELF) && !(nest_check[pe] & NC_PARENT))
        return false;
    return nest_misplaced(n, e, pe) || e == NE_DL || e == NE_PICTURE ||
           nest_child_fix(pe, n) != NE_OTHER || nest_stray_media(n, e, pe);
}

/* An item in a list, a row in a table, a cell in a row: in its place, and
 * what its parent takes (nest_node_dirty's answer for these pairs, without
 * its questions).  Every list and table of a Markdown body is made of
 * them: a fifth of the nodes of the bench corpus. */
static bool nest_at_home(nest_el e, nest_el pe)
{
    switch (e) {
    case NE_LI: return pe == NE_UL || pe == NE_OL || pe == NE_MENU;
    case NE_TR: return pe == NE_TABLE;
    case NE_TD:
    case NE_TH: return pe == NE_TR;
    default: return false;
    }
}

/*
 * Whether the three passes would leave body as it is: one walk asking, of
 * every node they visit (the same walk, leaves' children skipped), each
 * question that makes a pass change something, on the unchanged tree: a
 * void element with children, an element outside the parent it needs, a
 * dl or picture (checked no further: rare), a child its parent must wrap
 * or drop, a stray source or track, a block with any phrasing ancestor
 * (the content pass's context can only be phrasing below one), a link
 * inside a link.  As long as no pass changes anything, each sees just
 * this tree, so "clean" is exact; a false "not clean" only costs the
 * passes.  Most bodies are clean, and most nodes (text in a paragraph)
 * raise none of the questions: two table lookups tell.
 */
bool quire__html_nest_clean(const quire_node *body)
{
    if (!body)
        return true;
    /* per open container: its element and whether it is phrasing */
    nest_el stack[NEST_CHECK_DEPTH];
    unsigned char phrasing[NEST_CHECK_DEPTH];
    size_t depth = 0, n_phrasing = 0, n_links = 0;
    stack[depth] = nest_elem(body);
    phrasing[depth++] = 0; /* the root's context is flow */
    /* what may not come here: blocks below phrasing, links in links */
    unsigned no_flags = 0, no_check = 0;
    const quire_node *n = body;
    for (;;) {
        if (n->first_child && !quire__node_is_leaf(n)) {
            n = n->first_child;
        } else {
            while (n != body && !n->next) {
                n = n->parent;
                depth--;
                n_phrasing -= phrasing[depth];
                n_links -= stack[depth] == NE_A;
                no_flags = n_phrasing ? NF_BLOCK : 0;
                no_check = n_links ? NC_LINK : 0;
            }
            if (n == body)
                return true;
            n = n->next;
        }
        nest_el e = nest_elem(n), pe = stack[depth - 1];
        unsigned f = nest_flags[e], c = nest_check[e];
        if ((f & no_flags) || (c & no_check))
            return false;
        if (((f & NF_VOID) || (c & NC_SELF) || (nest_check[pe] & NC_PARENT)) &&
            !nest_at_home(e, pe) && nest_node_dirty(n, e, pe))
            return false;
        if (!n->first_child || quire__node_is_leaf(n))
            continue;
        if (depth == NEST_CHECK_DEPTH)
            return false;
        stack[depth] = e;
        phrasing[depth++] = (f & NF_PHRASING) != 0;
        n_phrasing += (f & NF_PHRASING) != 0;
        n_links += e == NE_A;
        no_flags = n_phrasing ? NF_BLOCK : 0;
        no_check = n_links ? NC_LINK : 0;
    }
}

int quire__html_nest_passes(quire_arena *a, quire_node *body)
{
    if (!body)
        return QUIRE_OK;
    int rc = nest_hoist_void(body);
    if (rc == QUIRE_OK)
        rc = nest_structure(a, body);
    return rc == QUIRE_OK ? nest_content(body) : rc;
}

int quire__html_fix_nesting(quire_arena *a, quire_node *body)
{
    return quire__html_nest_clean(body) ? QUIRE_OK : quire__html_nest_passes(a, body);
}
