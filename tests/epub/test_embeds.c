/*
 * test_embeds.c — the embeds filter: EMBED nodes and generic iframe/video
 * elements become FIGURE > PARAGRAPH > LINK + CAPTION, with watch URLs for
 * YouTube and Vimeo and no generic titles.
 */
#include "epub_test.h"

static quire_document *run(quire_document *d)
{
    const quire_filter *f = quire_filter_find("embeds");
    quire_diag_list dl;
    quire_diag_list_init(&dl);
    quire_filter_ctx ctx = {.filter = f, .diags = &dl};
    CHECK(f && f->run_document && f->run_document(&ctx, d) == QUIRE_OK);
    quire_diag_list_free(&dl);
    return d;
}

static quire_node *embed(quire_document *d, quire_node *parent, const char *url, const char *title)
{
    quire_node *e = tn(d, parent, QUIRE_NODE_EMBED);
    e->url = url;
    e->title = title;
    return e;
}

/* The figure's link URL, link text and caption text. */
static void figure_parts(quire_document *d, quire_node *fig, const char **url, char **text,
                         char **caption)
{
    *url = NULL;
    *text = *caption = NULL;
    CHECK(fig && fig->type == QUIRE_NODE_FIGURE);
    if (!fig || fig->type != QUIRE_NODE_FIGURE)
        return;
    quire_node *p = fig->first_child;
    CHECK(p && p->type == QUIRE_NODE_PARAGRAPH);
    quire_node *a = p ? p->first_child : NULL;
    if (a && a->type == QUIRE_NODE_LINK)
        *url = a->url;
    *text = quire_node_plain_text(d->arena, p);
    if (fig->last_child && fig->last_child->type == QUIRE_NODE_CAPTION)
        *caption = quire_node_plain_text(d->arena, fig->last_child);
}

int main(void)
{
    const char *url;
    char *text, *cap;

    /* YouTube embed with the generic player title */
    quire_document *d = tdoc("a", "A", "a.md");
    embed(d, d->body, "https://www.youtube.com/embed/sxHFDKwJGGo?rel=0", "YouTube video player");
    run(d);
    figure_parts(d, d->body->first_child, &url, &text, &cap);
    CHECK(url && strcmp(url, "https://www.youtube.com/watch?v=sxHFDKwJGGo") == 0);
    CHECK(text && strcmp(text, "YouTube video") == 0);
    CHECK(cap && strcmp(cap, "YouTube") == 0);
    quire_document_free(d);

    /* nocookie, youtu.be, shorts; a real title is kept */
    static const char *const yt[] = {"https://www.youtube-nocookie.com/embed/abc_DEF-123",
                                     "//youtu.be/abc_DEF-123", "https://youtube.com/shorts/abc_DEF-123",
                                     "https://m.youtube.com/watch?feature=x&v=abc_DEF-123", NULL};
    for (size_t i = 0; yt[i]; i++) {
        d = tdoc("b", "B", "b.md");
        embed(d, d->body, yt[i], "Launch keynote");
        run(d);
        figure_parts(d, d->body->first_child, &url, &text, &cap);
        CHECK(url && strcmp(url, "https://www.youtube.com/watch?v=abc_DEF-123") == 0);
        CHECK(text && strcmp(text, "Launch keynote") == 0);
        quire_document_free(d);
    }

    /* Vimeo player URL */
    d = tdoc("c", "C", "c.md");
    embed(d, d->body, "https://player.vimeo.com/video/76979871?h=8272103f6e", NULL);
    run(d);
    figure_parts(d, d->body->first_child, &url, &text, &cap);
    CHECK(url && strcmp(url, "https://vimeo.com/76979871") == 0);
    CHECK(text && strcmp(text, "Vimeo video") == 0);
    CHECK(cap && strcmp(cap, "Vimeo") == 0);
    quire_document_free(d);

    /* a generic iframe element alone in a paragraph replaces the paragraph;
     * boolean and obsolete attributes go with it */
    d = tdoc("d", "D", "d.md");
    quire_node *p = tn(d, d->body, QUIRE_NODE_PARAGRAPH);
    tt(d, p, "  ");
    th(d, p, false, "iframe", "src", "https://www.youtube.com/embed/DiGB5uAYKAg", "allowfullscreen",
       "", "frameborder", "0", "title", "YouTube video player", NULL);
    run(d);
    CHECK(d->body->first_child && d->body->first_child->type == QUIRE_NODE_FIGURE);
    CHECK(d->body->first_child == d->body->last_child);
    figure_parts(d, d->body->first_child, &url, &text, &cap);
    CHECK(url && strcmp(url, "https://www.youtube.com/watch?v=DiGB5uAYKAg") == 0);
    CHECK(quire_node_attr(d->body->first_child, "allowfullscreen") == NULL);
    quire_document_free(d);

    /* an iframe inside a list item, next to text: stays in place */
    d = tdoc("e", "E", "e.md");
    quire_node *list = tn(d, d->body, QUIRE_NODE_LIST);
    quire_node *item = tn(d, list, QUIRE_NODE_ITEM);
    p = tpara(d, item, "Watch this: ");
    embed(d, p, "https://www.dailymotion.com/embed/video/x7tgad0", NULL);
    run(d);
    CHECK(p->first_child && p->first_child->next &&
          p->first_child->next->type == QUIRE_NODE_FIGURE);
    figure_parts(d, p->first_child->next, &url, &text, &cap);
    CHECK(text && strcmp(text, "Dailymotion video") == 0);
    CHECK(url && strcmp(url, "https://www.dailymotion.com/embed/video/x7tgad0") == 0);
    quire_document_free(d);

    /* unknown provider named by host; video element with <source>; unsafe URL */
    d = tdoc("f", "F", "f.md");
    embed(d, d->body, "https://media.example.net/player/9", NULL);
    quire_node *v = th(d, d->body, true, "video", "controls", "", NULL);
    th(d, v, false, "source", "src", "https://cdn.example.org/clip.mp4", NULL);
    quire_node *bad = embed(d, d->body, "javascript:alert(1)", "Bad");
    (void)bad;
    run(d);
    quire_node *f1 = d->body->first_child, *f2 = f1 ? f1->next : NULL, *f3 = f2 ? f2->next : NULL;
    figure_parts(d, f1, &url, &text, &cap);
    CHECK(cap && strcmp(cap, "media.example.net") == 0);
    CHECK(text && strcmp(text, "media.example.net video") == 0);
    figure_parts(d, f2, &url, &text, &cap);
    CHECK(url && strcmp(url, "https://cdn.example.org/clip.mp4") == 0);
    figure_parts(d, f3, &url, &text, &cap);
    CHECK(url == NULL);
    CHECK(text && strcmp(text, "Bad") == 0);
    quire_document_free(d);

    if (t_failures)
        fprintf(stderr, "%d check(s) failed\n", t_failures);
    return t_failures ? 1 : 0;
}
