/*
 * fuzz_common.h — shared by the fuzz targets: read one input with one reader
 * (or by probing) and, for the pipeline target, run every writer into memory.
 * Nothing here may crash, leak or trip a sanitizer, whatever the bytes.
 */
#ifndef QUIRE_FUZZ_COMMON_H
#define QUIRE_FUZZ_COMMON_H

#include "quire/quire.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small limits keep each run fast; the limits themselves are under test. */
static const quire_limits fuzz_limits = {
    .max_file_size = 1u << 20,
    .max_depth = 256,
    .max_yaml_aliases = 64,
    .max_documents = 64,
};

static inline quire_collection *fuzz_read(const char *reader, const uint8_t *data, size_t size)
{
    quire_collection *c = quire_collection_new();
    if (!c)
        return NULL;
    /* Readers get NUL-terminated input, as quire_read_file gives them. */
    char *buf = malloc(size + 1);
    if (!buf) {
        quire_collection_free(c);
        return NULL;
    }
    memcpy(buf, data, size);
    buf[size] = '\0';
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_read_buffer(c, reader ? quire_reader_find(reader) : NULL, "fuzz-input", buf, size,
                      &fuzz_limits, &diags);
    quire_diag_list_free(&diags);
    free(buf);
    return c;
}

static inline void fuzz_write_all(quire_collection *c)
{
    quire_diag_list diags;
    quire_diag_list_init(&diags);
    quire_chain *chain = NULL;
    quire_chain_add_spec(&chain, "fix-encoding;sanitize;summary;sort;dedupe", &diags);
    quire_chain_run(chain, c, &diags);
    quire_chain_free(chain);
    void *it = NULL;
    const quire_writer *w;
    while ((w = quire_writer_next(&it))) {
        if (!w->begin)
            continue;
        quire_sink *sink;
        if (quire_sink_open_memory(&sink) != QUIRE_OK)
            break;
        quire_write(c, w, sink, NULL, &diags);
        quire_sink_abort(sink);
    }
    quire_diag_list_free(&diags);
}

#endif
