/*
 * test_epub_spool.c — the EPUB writer's spool file (epub.c): appends skip
 * the seek while the file is positioned at its end, and a read from the
 * middle must put the next append back at the end.  Random appends (empty,
 * small, around stdio's buffer, large) mixed with reads of random earlier
 * ranges, held to a copy in memory.
 */
#include "epub_internal.h"
#include "check_msg.h"

#include <stdlib.h>
#include <string.h>

#define MIRROR_MAX (8u << 20)

int main(void)
{
    uint64_t rng = 0x9E3779B97F4A7C15u;
    unsigned char *mirror = malloc(MIRROR_MAX), *chunk = malloc(300000);
    if (!mirror || !chunk)
        return 99;
    uint64_t offs[4096];
    size_t lens[4096], n = 0, total = 0;
    for (int round = 0; round < 3; round++) {
        epub_state st = {0};
        n = total = 0;
        for (int step = 0; step < 1500; step++) {
            uint32_t r = rnd_next(&rng);
            if (r % 4 == 0 && n) { /* read back an earlier append */
                size_t k = rnd_next(&rng) % n;
                char *back = NULL;
                CHECK(quire__epub_unspool(&st, offs[k], lens[k], &back) == QUIRE_OK, "read %zu", k);
                CHECK(back && memcmp(back, mirror + offs[k], lens[k]) == 0 && back[lens[k]] == '\0',
                      "append %zu (%zu bytes at %llu) read back wrong", k, lens[k],
                      (unsigned long long)offs[k]);
                free(back);
                continue;
            }
            static const size_t sizes[] = {0, 1, 17, 4095, 4096, 4097, 8191, 8192, 65536};
            size_t len = r % 3 ? sizes[rnd_next(&rng) % 9] : rnd_next(&rng) % 300000;
            if (total + len > MIRROR_MAX || n == 4096)
                break;
            for (size_t i = 0; i < len; i++)
                chunk[i] = (unsigned char)rnd_next(&rng);
            uint64_t off = 0;
            checked++;
            CHECK(quire__epub_spool(&st, chunk, len, &off) == QUIRE_OK, "append %zu bytes", len);
            CHECK(off == total, "append at %llu, expected %zu", (unsigned long long)off, total);
            memcpy(mirror + total, chunk, len);
            offs[n] = off;
            lens[n++] = len;
            total += len;
        }
        /* every append, in order, at the end */
        for (size_t k = 0; k < n; k++) {
            char *back = NULL;
            CHECK(quire__epub_unspool(&st, offs[k], lens[k], &back) == QUIRE_OK, "final read %zu", k);
            CHECK(back && memcmp(back, mirror + offs[k], lens[k]) == 0, "final read %zu wrong", k);
            free(back);
        }
        CHECK(st.spool_len == total, "spool_len %llu, expected %zu",
              (unsigned long long)st.spool_len, total);
        if (st.spool)
            fclose(st.spool);
    }
    free(mirror);
    free(chunk);
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    else
        printf("%d appends checked\n", checked);
    return failures ? 1 : 0;
}
