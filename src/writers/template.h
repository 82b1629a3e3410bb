/*
 * template.h — a small logic-less template engine (a subset of Mustache)
 * for the html writer's pages.  The syntax is documented in
 * docs/templates.md:
 *
 *   {{name}} {{a.b}} {{.}}   a value, HTML-escaped (&, <, >, ", ')
 *   {{{name}}} {{&name}}     a value as is: only for what quire made safe
 *                            itself (the rendered body, JSON-LD, the CSS)
 *   {{#name}}...{{/name}}    a section: once per item of a list, once with a
 *                            mapping or a true scalar pushed as the context,
 *                            never for a missing, null, false or empty value
 *   {{^name}}...{{/name}}    an inverted section: only when that is empty
 *   {{! comment }}
 *
 * A name is looked up from the innermost context outwards; a missing name
 * renders as nothing.  Data is a quire_value tree (MAPPING at the top).
 *
 * Ownership: quire__tpl_parse() gives a template the caller frees with
 * quire__tpl_free(); it keeps no pointer to the source text.  A parsed
 * template is read-only while rendering, so one template may be rendered by
 * several threads at once.
 */
#ifndef QUIRE_WRITERS_TEMPLATE_H
#define QUIRE_WRITERS_TEMPLATE_H

#include "internal.h"

typedef struct quire_tpl quire_tpl;

/** Parse src[0..len).  On a syntax error returns QUIRE_ERR_PARSE, sets
 *  *line and *column (1-based) and writes a message into err. */
int quire__tpl_parse(quire_tpl **out, const char *src, size_t len,
                     char *err, size_t err_size, uint32_t *line, uint32_t *column);
/** Append the rendering of t with data to out. */
void quire__tpl_render(const quire_tpl *t, const quire_value *data, quire_buf *out);
/** The same with one more level of context around data: a name data does
 *  not have is looked up in outer (NULL: none).  So what many pages share
 *  is made once and only read while several threads render. */
void quire__tpl_render2(const quire_tpl *t, const quire_value *outer, const quire_value *data,
                        quire_buf *out);
void quire__tpl_free(quire_tpl *t);

/** What renders of t with the same outer context share, made once: the
 *  outer's names indexed, each variable's value found in outer alone
 *  escaped, and each section over a list or mapping of outer rendered
 *  when nothing in it is looked up outside its items.  A render through
 *  it copies those texts where a name finds the very value they were made
 *  from: the output is that of quire__tpl_render2(t, outer, data).  outer
 *  stays alive and unchanged while this lives; read-only once made, so
 *  threads may render through one at once.  NULL when out of memory. */
typedef struct quire_tpl_outer quire_tpl_outer;
quire_tpl_outer *quire__tpl_outer_new(const quire_tpl *t, const quire_value *outer);
void quire__tpl_outer_free(quire_tpl_outer *o);
/** quire__tpl_render2(t, outer, data, out) for o's t and outer. */
void quire__tpl_render_outer(const quire_tpl_outer *o, const quire_value *data, quire_buf *out);

/** What the items of a listing rendered to, for renders of one template
 *  to reuse: an entry shown on many pages is rendered once for all.  Only
 *  sections named `name` (a plain name, as {{#entries}}) are kept, one
 *  text per (section, item), reused only while every name it looked up
 *  outside the item finds the same scalar or nothing (see template.c).
 *  The caller keeps those items alive and unchanged (their place in a
 *  list may change) as long as the memo lives, and uses a memo on one
 *  thread at a time.  name NULL: no section is kept (for stand-ins alone).
 *  NULL when out of memory. */
typedef struct quire_tpl_memo quire_tpl_memo;
quire_tpl_memo *quire__tpl_memo_new(const quire_tpl *t, const char *name);
void quire__tpl_memo_free(quire_tpl_memo *m);
/** quire__tpl_render2 through memo (NULL, or made for another template:
 *  none); the output is the same as without it. */
void quire__tpl_render_memo(const quire_tpl *t, const quire_value *outer, const quire_value *data,
                            quire_tpl_memo *memo, quire_buf *out);

/** Stand-ins: a list item that stands for a value made only when a
 *  render reads it, so a listing's values need not all exist at once.  A
 *  stand-in is a null item (QUIRE_VALUE_NULL; fn is asked about no other).
 *  fn returns the value item stands for, made in a (freed once the render
 *  no longer reads it: after the item, when a section renders it), item
 *  itself when it stands for nothing, or NULL when out of
 *  memory (the render then fails: out->oom).  Renders through m, with any
 *  template, read every list item through fn; the memo keeps texts by the
 *  stand-in, so a kept text costs no call.  fn must give the same value
 *  for the same item as long as the memo lives. */
typedef const quire_value *(*quire_tpl_expand)(void *user, quire_arena *a,
                                               const quire_value *item);
void quire__tpl_memo_expand(quire_tpl_memo *m, quire_tpl_expand fn, void *user);

/** Append s HTML-escaped (text and attribute safe: & < > " '), with
 *  invalid UTF-8 replaced and characters illegal in HTML/XML dropped. */
void quire__tpl_escape(quire_buf *out, const char *s);

/* ---- building template data (all in one arena) ---- */
/** A new MAPPING. */
quire_value *quire__tpl_map(quire_arena *a);
/** A new SEQUENCE. */
quire_value *quire__tpl_list(quire_arena *a);
/** map[key] = copy of s (nothing when s is NULL). */
void quire__tpl_set(quire_arena *a, quire_value *map, const char *key, const char *s);
/** map[key] = child (a list or map; nothing when NULL). */
void quire__tpl_put(quire_arena *a, quire_value *map, const char *key, quire_value *child);
/** map[key] = s, neither copied: both must outlive the data (a string
 *  literal key; s from the same arena, or from a document still alive when
 *  the data is rendered).  For the hot path, where copies add up. */
void quire__tpl_ref(quire_arena *a, quire_value *map, const char *key, const char *s);
/** quire__tpl_ref of s[0..len), len its strlen (known to the caller). */
void quire__tpl_ref_n(quire_arena *a, quire_value *map, const char *key, const char *s, size_t len);
/** map[key] = child, the key not copied (as quire__tpl_ref). */
void quire__tpl_put_ref(quire_value *map, const char *key, quire_value *child);
/** map[key] = true. */
void quire__tpl_flag(quire_arena *a, quire_value *map, const char *key);
/** The same, the key not copied (as quire__tpl_ref). */
void quire__tpl_flag_ref(quire_arena *a, quire_value *map, const char *key);

#endif
