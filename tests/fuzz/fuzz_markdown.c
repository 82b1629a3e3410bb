/*
 * Fuzz target: the markdown reader alone.  It also reads every input twice
 * more, with the raw HTML block fast path on and off (the converter's
 * test switch, quire__h2m_no_fast), and aborts when the two models differ:
 * the fast path must only take blocks it converts exactly as libxml2 does.
 */
#include "fuzz_common.h"

#include "../../src/readers/html_to_model.h"
#include "../node_dump.h"

#include <stdio.h>

static char *fm_dump(const uint8_t *data, size_t size, unsigned no_fast)
{
    quire__h2m_no_fast = no_fast;
    quire_collection *c = fuzz_read("markdown", data, size);
    quire__h2m_no_fast = 0;
    quire_buf b;
    quire__buf_init(&b);
    for (size_t i = 0; c && i < c->count; i++)
        if (c->docs[i]->body)
            test_node_dump(&b, c->docs[i]->body, 0);
    quire_collection_free(c);
    return quire__buf_detach(&b, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    quire_collection *c = fuzz_read("markdown", data, size);
    quire_collection_free(c);
    /* Only where raw HTML may start a block. */
    if (!memchr(data, '<', size))
        return 0;
    char *fast = fm_dump(data, size, QUIRE__H2M_NO_FAST_INLINE);
    char *slow = fm_dump(data, size, QUIRE__H2M_NO_FAST_INLINE | QUIRE__H2M_NO_FAST_BLOCK);
    if (fast && slow && strcmp(fast, slow) != 0) {
        fprintf(stderr, "block fast path and libxml2 differ:\n%s\n---\n%s\n", fast, slow);
        abort();
    }
    free(fast);
    free(slow);
    return 0;
}
