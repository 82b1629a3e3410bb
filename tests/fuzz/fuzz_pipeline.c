/* Fuzz target: probe a reader, run the usual filters, then every writer
 * into memory: the whole path from hostile bytes to every output format. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    quire_collection *c = fuzz_read(NULL, data, size);
    if (c)
        fuzz_write_all(c);
    quire_collection_free(c);
    return 0;
}
