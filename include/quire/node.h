/*
 * quire/node.h — the body of a document: a tree of block and inline nodes,
 * in the shape of cmark's AST, plus generic HTML elements and embeds, so that
 * every HTML a reader sees is parsed into nodes and no unparsed HTML string
 * ever reaches a writer.
 *
 * Ownership: nodes and their strings live in the document's arena.  A parent
 * owns its children; unlinking only detaches.  Nothing is freed one by one.
 * Every node carries the 1-based line/column where it starts in the source
 * file (0 only when a filter created it).
 *
 * Walking: quire_node_next_event() yields ENTER/EXIT events in document
 * order (cmark's iterator), which is what every renderer uses.
 */
#ifndef QUIRE_NODE_H
#define QUIRE_NODE_H

#include "arena.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum quire_node_type {
    QUIRE_NODE_NONE = 0,
    /* ---- blocks ---- */
    QUIRE_NODE_ROOT,          /* the body itself */
    QUIRE_NODE_PARAGRAPH,
    QUIRE_NODE_HEADING,       /* level 1..6 */
    QUIRE_NODE_BLOCKQUOTE,
    QUIRE_NODE_LIST,          /* ordered flag, start, tight flag */
    QUIRE_NODE_ITEM,          /* task flag + checked flag */
    QUIRE_NODE_CODE_BLOCK,    /* literal = code, info = language (may be NULL) */
    QUIRE_NODE_THEMATIC_BREAK,
    QUIRE_NODE_TABLE,
    QUIRE_NODE_TABLE_ROW,     /* QUIRE_NODE_FLAG_HEADER on the header row */
    QUIRE_NODE_TABLE_CELL,    /* align */
    QUIRE_NODE_FIGURE,        /* children: content, optional CAPTION */
    QUIRE_NODE_CAPTION,
    QUIRE_NODE_EMBED,         /* url = src, title, info = provider, embed_kind */
    QUIRE_NODE_FOOTNOTE_DEF,  /* info = label; children = the note's blocks */
    QUIRE_NODE_MORE,          /* the <!--more--> summary marker */
    QUIRE_NODE_HTML_BLOCK,    /* generic element with block content: name + attrs */
    /* ---- inlines ---- */
    QUIRE_NODE_TEXT,          /* literal */
    QUIRE_NODE_SOFTBREAK,
    QUIRE_NODE_LINEBREAK,
    QUIRE_NODE_CODE,          /* literal */
    QUIRE_NODE_EMPH,
    QUIRE_NODE_STRONG,
    QUIRE_NODE_STRIKETHROUGH,
    QUIRE_NODE_LINK,          /* url = href, title */
    QUIRE_NODE_IMAGE,         /* url = src, title, literal = alt, width, height */
    QUIRE_NODE_FOOTNOTE_REF,  /* info = label */
    QUIRE_NODE_HTML_INLINE,   /* generic element in inline context: name + attrs */
    QUIRE_NODE_TYPE_COUNT
} quire_node_type;

typedef enum quire_align {
    QUIRE_ALIGN_NONE = 0, QUIRE_ALIGN_LEFT, QUIRE_ALIGN_CENTER, QUIRE_ALIGN_RIGHT
} quire_align;

typedef enum quire_embed_kind {
    QUIRE_EMBED_IFRAME = 0, QUIRE_EMBED_VIDEO, QUIRE_EMBED_AUDIO, QUIRE_EMBED_OBJECT
} quire_embed_kind;

/* node->flags */
#define QUIRE_NODE_FLAG_ORDERED  (1u << 0) /* LIST */
#define QUIRE_NODE_FLAG_TIGHT    (1u << 1) /* LIST */
#define QUIRE_NODE_FLAG_TASK     (1u << 2) /* ITEM is a task-list item */
#define QUIRE_NODE_FLAG_CHECKED  (1u << 3) /* ITEM task is done */
#define QUIRE_NODE_FLAG_HEADER   (1u << 4) /* TABLE_ROW is the header row */

/** An attribute of a node (kept on every node type, needed for HTML_*). */
typedef struct quire_attr quire_attr;
struct quire_attr {
    const char *name;   /* lower-case */
    const char *value;  /* never NULL; "" for a boolean attribute */
    quire_attr *next;
};

typedef struct quire_node quire_node;
struct quire_node {
    quire_node_type type;
    uint32_t flags;
    quire_node *parent, *first_child, *last_child, *prev, *next;
    uint32_t line, column;   /* 1-based start in the source file */

    const char *literal;     /* TEXT, CODE, CODE_BLOCK, IMAGE alt */
    const char *url;         /* LINK href, IMAGE src, EMBED src */
    const char *title;       /* LINK/IMAGE/EMBED title */
    const char *info;        /* CODE_BLOCK language, FOOTNOTE label, EMBED provider */
    const char *name;        /* HTML_BLOCK/HTML_INLINE element name, lower-case */
    quire_attr *attrs;       /* extra attributes (id, class, lang...) in order */
    int level;               /* HEADING level; LIST start number */
    int width, height;       /* IMAGE/EMBED size in CSS px, 0 when unknown */
    quire_align align;       /* TABLE_CELL */
    quire_embed_kind embed_kind;
};

/** A new detached node; NULL when out of memory. */
QUIRE_API quire_node *quire_node_new(quire_arena *arena, quire_node_type type,
                                     uint32_t line, uint32_t column);
/** A new TEXT node holding a copy of s[0..len). */
QUIRE_API quire_node *quire_node_new_text(quire_arena *arena, const char *s, size_t len,
                                          uint32_t line, uint32_t column);
QUIRE_API void quire_node_append(quire_node *parent, quire_node *child);
QUIRE_API void quire_node_prepend(quire_node *parent, quire_node *child);
QUIRE_API void quire_node_insert_before(quire_node *sibling, quire_node *node);
QUIRE_API void quire_node_insert_after(quire_node *sibling, quire_node *node);
/** Detach node (and its subtree) from its parent; memory stays in the arena. */
QUIRE_API void quire_node_unlink(quire_node *node);
/** Replace node by its children (unwrap), keeping their order. */
QUIRE_API void quire_node_unwrap(quire_node *node);

/** Attribute value by name, or NULL. */
QUIRE_API const char *quire_node_attr(const quire_node *node, const char *name);
/** Set (replace or append) an attribute; name and value are copied. */
QUIRE_API void quire_node_set_attr(quire_arena *arena, quire_node *node,
                                   const char *name, const char *value);
/** Remove an attribute if present. */
QUIRE_API void quire_node_remove_attr(quire_node *node, const char *name);

/** True for the block types (ROOT .. HTML_BLOCK). */
QUIRE_API bool quire_node_is_block(const quire_node *node);
/** Stable lower-case name of a type ("paragraph", "html_inline"...). */
QUIRE_API const char *quire_node_type_name(quire_node_type type);
/** Type by name, QUIRE_NODE_NONE when unknown. */
QUIRE_API quire_node_type quire_node_type_from_name(const char *name);
/** True when the node never has children (TEXT, CODE, BREAKs, IMAGE...). */
QUIRE_API bool quire_node_is_leaf(const quire_node *node);

/* ---- iteration (cmark's shape) ---- */
typedef enum quire_event { QUIRE_EVENT_DONE = 0, QUIRE_EVENT_ENTER, QUIRE_EVENT_EXIT } quire_event;
typedef struct quire_iter {
    quire_node *root, *cur;
    quire_event ev;
    bool skip;          /* skip_children was called: next event is cur's EXIT */
} quire_iter;

/** Start a walk over root and its subtree. */
QUIRE_API void quire_iter_init(quire_iter *it, quire_node *root);
/** Next event; *out is the node.  Leaves get ENTER only.  A node's
 *  fields and children may be changed on ENTER or EXIT, but the current node
 *  must not be unlinked or moved: collect such nodes and move them after the
 *  walk. */
QUIRE_API quire_event quire_iter_next(quire_iter *it, quire_node **out);
/** Skip the children of the node just entered (next event is its EXIT). */
QUIRE_API void quire_iter_skip_children(quire_iter *it);

/** Concatenated text of a subtree (TEXT, CODE, alt of images; breaks as
 *  spaces), allocated in arena. */
QUIRE_API char *quire_node_plain_text(quire_arena *arena, const quire_node *node);

#ifdef __cplusplus
}
#endif
#endif /* QUIRE_NODE_H */
