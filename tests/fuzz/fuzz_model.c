/* Fuzz target: the model reader alone. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    quire_collection *c = fuzz_read("model", data, size);
    quire_collection_free(c);
    return 0;
}
