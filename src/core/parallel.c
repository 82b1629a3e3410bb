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
 *
 * An item is freed (release) on the thread that made it, not by the
 * consumer: glibc gives each thread its own heap, and a free into another
 * thread's heap takes that heap's lock.  With the consumer freeing every
 * document its workers had just allocated, at 10,000 documents the main
 * thread went to sleep on a worker's heap lock about 2,000 times, and the
 * workers on theirs while it freed.  So the consumer hands each used item
 * back to its maker's list, and the maker frees the list between items.
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

typedef struct pool pool;

/* Used items waiting for the worker that made them to free them.  A
 * worker frees its list before each new item, so the list holds what it
 * made that was still in the window then, and the one it made since: at
 * most window + 1 (LIST_ROOM). */
typedef struct release_list {
    void **items;
    size_t count;
} release_list;

typedef struct worker {
    pool *p;
    size_t index;
    release_list done; /* guarded by the pool's mutex */
    void **spare;      /* the list being freed, then the next one */
} worker;

struct pool {
    size_t n, window;
    quire__produce_fn produce;
    quire__release_fn release; /* NULL: the consumer frees */
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
    size_t *maker;          /* the worker that made each slot's item */
    bool *done;
    bool stop;
    worker *workers;
};

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

/* Frees the worker's used items, with the mutex held on entry and exit
 * but not while freeing.  The two lists swap: the consumer fills one while
 * the worker frees the other. */
static void release_own(pool *p, worker *w)
{
    while (w->done.count) {
        size_t k = w->done.count;
        void **items = w->done.items;
        w->done.items = w->spare;
        w->done.count = 0;
        w->spare = items;
        pthread_mutex_unlock(&p->mu);
        for (size_t j = 0; j < k; j++)
            p->release(p->ctx, items[j]);
        pthread_mutex_lock(&p->mu);
    }
}

static void *pool_worker(void *arg)
{
    worker *w = arg;
    pool *p = w->p;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->release)
            release_own(p, w);
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
        p->maker[i % p->window] = w->index;
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

/* Hands the consumer's last item back to the worker that made it (or lets
 * the consumer free it, should that list be full: the window bounds it, so
 * this is a safety net).  Called with the mutex held. */
#define LIST_ROOM(p) ((p)->window + 2)

static void *give_back(pool *p, void *used, size_t maker)
{
    release_list *l = &p->workers[maker].done;
    if (l->count < LIST_ROOM(p)) {
        l->items[l->count++] = used;
        return NULL;
    }
    return used;
}

/* Takes item i (== next_consume) out of its slot, waiting for it, and frees
 * the slot at once (the consumer holds the item from here on); gives the
 * previous item back on the way (has_used).  One lock per item.  Returns
 * an item the consumer must release itself in *own (NULL mostly). */
static void *pool_take(pool *p, size_t i, bool has_used, void *used, size_t used_maker,
                       size_t *maker, void **own)
{
    pthread_mutex_lock(&p->mu);
    *own = has_used ? give_back(p, used, used_maker) : NULL;
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
    *maker = p->maker[i % p->window];
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
static int run_here(size_t n, quire__produce_fn produce, quire__consume_fn consume,
                    quire__release_fn release, void *ctx)
{
    int rc = QUIRE_OK;
    for (size_t i = 0; i < n; i++) {
        void *item = produce(ctx, i);
        int r = consume(ctx, i, item);
        if (release)
            release(ctx, item);
        if (r != QUIRE_OK && rc == QUIRE_OK)
            rc = r;
    }
    return rc;
}

/* Consumes every item in order on this thread while the workers make them. */
static int consume_all(pool *p, quire__consume_fn consume)
{
    int rc = QUIRE_OK;
    void *used = NULL, *own = NULL;
    size_t used_maker = 0;
    for (size_t i = 0; i < p->n; i++) {
        size_t maker;
        void *item = pool_take(p, i, p->release && i > 0, used, used_maker, &maker, &own);
        if (own)
            p->release(p->ctx, own);
        int r = consume(p->ctx, i, item);
        if (r != QUIRE_OK && rc == QUIRE_OK)
            rc = r;
        used = item;
        used_maker = maker;
    }
    if (p->release && p->n)
        p->release(p->ctx, used); /* the last one: its maker may be gone */
    return rc;
}

int quire__run_ordered(size_t n, int jobs, size_t window_per_job, quire__produce_fn produce,
                       quire__consume_fn consume, quire__release_fn release, void *ctx)
{
    if (jobs <= 1 || n <= 1)
        return run_here(n, produce, consume, release, ctx);
    if (window_per_job < 2)
        window_per_job = 2; /* room for the hysteresis: half a window each way */
    pool p = {.n = n,
              .window = (size_t)jobs * window_per_job,
              .produce = produce,
              .release = release,
              .ctx = ctx};
    size_t lists = release ? 2 * LIST_ROOM(&p) : 0; /* pointers per worker */
    p.slots = calloc(p.window, sizeof *p.slots);
    p.maker = calloc(p.window, sizeof *p.maker);
    p.done = calloc(p.window, sizeof *p.done);
    p.workers = calloc((size_t)jobs, sizeof *p.workers);
    void **list_space = lists ? calloc((size_t)jobs * lists, sizeof *list_space) : NULL;
    pthread_t *threads = calloc((size_t)jobs, sizeof *threads);
    int rc = QUIRE_OK;
    if (!p.slots || !p.maker || !p.done || !p.workers || (lists && !list_space) || !threads) {
        rc = QUIRE_ERR_NOMEM;
        goto out;
    }
    for (int t = 0; t < jobs; t++) {
        worker *w = &p.workers[t];
        w->p = &p;
        w->index = (size_t)t;
        if (lists) {
            w->done.items = list_space + (size_t)t * lists;
            w->spare = w->done.items + LIST_ROOM(&p);
        }
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.ready, NULL);
    pthread_cond_init(&p.space, NULL);
    int started = 0;
    for (int t = 0; t < jobs; t++)
        if (pthread_create(&threads[started], NULL, pool_worker, &p.workers[started]) == 0)
            started++;
    if (!started)
        rc = run_here(n, produce, consume, release, ctx); /* no thread could start */
    else
        rc = consume_all(&p, consume);
    pthread_mutex_lock(&p.mu);
    p.stop = true;
    pthread_cond_broadcast(&p.space);
    pthread_mutex_unlock(&p.mu);
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    /* Items given back to workers that had already finished. */
    for (int t = 0; t < started && release; t++)
        for (size_t j = 0; j < p.workers[t].done.count; j++)
            release(ctx, p.workers[t].done.items[j]);
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.ready);
    pthread_cond_destroy(&p.space);
out:
    free(p.slots);
    free(p.maker);
    free(p.done);
    free(p.workers);
    free(list_space);
    free(threads);
    return rc;
}

int quire__default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}
