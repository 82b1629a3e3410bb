/*
 * parallel.c — an ordered worker pool: items 0..n-1 are produced by `jobs`
 * threads in any order and consumed by the calling thread strictly in order.
 * At most `window` items are in flight (plus the one being consumed), so
 * memory stays bounded however large n is, and the output is identical
 * whatever the number of threads.
 *
 * Wake-ups are the pool's cost (a futex call and two context switches
 * each), so nobody is woken for nothing, and each wake-up buys a batch of
 * work: a consumer that has to wait sleeps until a run of items from the
 * one it needs is ready (half a window, or up to the last item), and
 * workers blocked on a full window sleep until half of it is free again.
 * Either side only signals when the other one is actually asleep.
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

/* Items in flight per thread are the caller's choice (window_per_job):
 * each wake-up buys half a window of work, so a bigger window means fewer
 * sleeps, and costs the memory of that many items.  Tiny items (pass 1's
 * metadata, a few hundred bytes) take a big window; documents with their
 * prepared outputs (about 100 KB) a small one. */

typedef struct pool {
    size_t n, window;
    quire__produce_fn produce;
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t ready;   /* the item the consumer waits for was produced */
    pthread_cond_t space;   /* half the window is free again */
    size_t next_claim;      /* next item a worker takes */
    size_t next_consume;    /* next item the consumer takes; the window
                             * is [next_consume, next_consume + window) */
    bool consumer_waits;    /* the consumer sleeps on ready until items
                             * [next_consume, wake_at) are all produced */
    size_t wake_at;
    size_t space_waiters;   /* workers asleep on space since the last
                             * broadcast (never fewer than there are) */
    void **slots;           /* window slots: results by item % window */
    bool *done;
    bool stop;
} pool;

/* True when the window is full: claiming another item would run more than
 * `window` items ahead of the consumer. */
static bool window_full(const pool *p)
{
    return p->next_claim >= p->next_consume + p->window;
}

/* Half the window: the batch a wake-up buys, on either side. */
static size_t half_window(const pool *p)
{
    return (p->window + 1) / 2;
}

/* True when every item the sleeping consumer waits for is produced. */
static bool consumer_batch_ready(const pool *p)
{
    for (size_t i = p->next_consume; i < p->wake_at; i++)
        if (!p->done[i % p->window])
            return false;
    return true;
}

static void *pool_worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->next_claim < p->n && window_full(p)) {
            p->space_waiters++; /* the broadcast resets it */
            pthread_cond_wait(&p->space, &p->mu);
        }
        if (p->stop || p->next_claim >= p->n)
            break;
        size_t i = p->next_claim++;
        pthread_mutex_unlock(&p->mu);
        void *result = p->produce(p->ctx, i);
        pthread_mutex_lock(&p->mu);
        p->slots[i % p->window] = result;
        p->done[i % p->window] = true;
        /* Items outside the batch, or a batch not complete yet, would only
         * make the consumer check and sleep again. */
        if (p->consumer_waits && i >= p->next_consume && i < p->wake_at &&
            consumer_batch_ready(p)) {
            p->consumer_waits = false;
            pthread_cond_signal(&p->ready);
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Takes item i (== next_consume) out of its slot, waiting for it, and frees
 * the slot at once (the consumer holds the item from here on).  One lock
 * per item. */
static void *pool_take(pool *p, size_t i)
{
    pthread_mutex_lock(&p->mu);
    if (!p->done[i % p->window]) {
        /* The wait ends: the batch lies within the window, and is no
         * longer than the hysteresis below, so while workers sleep on a
         * full window, every item of it is already claimed (being made). */
        p->wake_at = i + half_window(p) < p->n ? i + half_window(p) : p->n;
        p->consumer_waits = !consumer_batch_ready(p);
        while (p->consumer_waits)
            pthread_cond_wait(&p->ready, &p->mu);
    }
    void *result = p->slots[i % p->window];
    p->done[i % p->window] = false;
    p->next_consume = i + 1;
    /* Workers blocked on a full window wake when half of it is free, all
     * at once (there is room for each of them then).  This is checked
     * every time next_consume moves, so no worker sleeps while the window
     * is half free: no deadlock. */
    if (p->space_waiters && p->next_consume + p->window - p->next_claim >= half_window(p)) {
        p->space_waiters = 0;
        pthread_cond_broadcast(&p->space);
    }
    pthread_mutex_unlock(&p->mu);
    return result;
}

/* Produces and consumes every item on this thread, in order. */
static int run_here(size_t n, quire__produce_fn produce, quire__consume_fn consume, void *ctx)
{
    int rc = QUIRE_OK;
    for (size_t i = 0; i < n; i++) {
        int r = consume(ctx, i, produce(ctx, i));
        if (r != QUIRE_OK && rc == QUIRE_OK)
            rc = r;
    }
    return rc;
}

int quire__run_ordered(size_t n, int jobs, size_t window_per_job, quire__produce_fn produce,
                       quire__consume_fn consume, void *ctx)
{
    if (jobs <= 1 || n <= 1)
        return run_here(n, produce, consume, ctx);
    if (window_per_job < 2)
        window_per_job = 2; /* room for the hysteresis: half a window each way */
    pool p = {.n = n, .window = (size_t)jobs * window_per_job, .produce = produce, .ctx = ctx};
    p.slots = calloc(p.window, sizeof *p.slots);
    p.done = calloc(p.window, sizeof *p.done);
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    if (!p.slots || !p.done || !threads) {
        free(p.slots);
        free(p.done);
        free(threads);
        return QUIRE_ERR_NOMEM;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.ready, NULL);
    pthread_cond_init(&p.space, NULL);
    int started = 0;
    for (int t = 0; t < jobs; t++)
        if (pthread_create(&threads[t], NULL, pool_worker, &p) == 0)
            started++;
    int rc = QUIRE_OK;
    if (!started) {
        rc = run_here(n, produce, consume, ctx); /* no thread could start */
    } else {
        for (size_t i = 0; i < n; i++) {
            int r = consume(ctx, i, pool_take(&p, i));
            if (r != QUIRE_OK && rc == QUIRE_OK)
                rc = r;
        }
    }
    pthread_mutex_lock(&p.mu);
    p.stop = true;
    pthread_cond_broadcast(&p.space);
    pthread_mutex_unlock(&p.mu);
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.ready);
    pthread_cond_destroy(&p.space);
    free(p.slots);
    free(p.done);
    free(threads);
    return rc;
}

int quire__default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}
