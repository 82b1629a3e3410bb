/*
 * parallel.c — an ordered worker pool: items 0..n-1 are produced by `jobs`
 * threads in any order and consumed by the calling thread strictly in order.
 * At most `window` items are in flight, so memory stays bounded however
 * large n is, and the output is identical whatever the number of threads.
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct pool {
    size_t n, window;
    quire__produce_fn produce;
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t ready;   /* an item was produced */
    pthread_cond_t space;   /* the consumer freed a slot */
    size_t next_claim;      /* next item a worker takes */
    size_t next_consume;    /* next item the consumer waits for */
    void **slots;           /* window slots: results by item % window */
    bool *done;
    bool stop;
} pool;

static void *pool_worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        /* Do not run further ahead of the consumer than the window. */
        while (!p->stop && p->next_claim < p->n && p->next_claim >= p->next_consume + p->window)
            pthread_cond_wait(&p->space, &p->mu);
        if (p->stop || p->next_claim >= p->n)
            break;
        size_t i = p->next_claim++;
        pthread_mutex_unlock(&p->mu);
        void *result = p->produce(p->ctx, i);
        pthread_mutex_lock(&p->mu);
        p->slots[i % p->window] = result;
        p->done[i % p->window] = true;
        pthread_cond_broadcast(&p->ready);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int quire__run_ordered(size_t n, int jobs, quire__produce_fn produce,
                       quire__consume_fn consume, void *ctx)
{
    int rc = QUIRE_OK;
    if (jobs <= 1 || n <= 1) {
        for (size_t i = 0; i < n; i++) {
            int r = consume(ctx, i, produce(ctx, i));
            if (r != QUIRE_OK && rc == QUIRE_OK)
                rc = r;
        }
        return rc;
    }
    pool p = {.n = n, .window = (size_t)jobs * 4, .produce = produce, .ctx = ctx};
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
    if (!started) {
        /* No thread could start: do the work here, in order. */
        for (size_t i = 0; i < n; i++) {
            int r = consume(ctx, i, produce(ctx, i));
            if (r != QUIRE_OK && rc == QUIRE_OK)
                rc = r;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            pthread_mutex_lock(&p.mu);
            while (!p.done[i % p.window])
                pthread_cond_wait(&p.ready, &p.mu);
            void *result = p.slots[i % p.window];
            p.done[i % p.window] = false;
            pthread_mutex_unlock(&p.mu);
            int r = consume(ctx, i, result);
            if (r != QUIRE_OK && rc == QUIRE_OK)
                rc = r;
            pthread_mutex_lock(&p.mu);
            p.next_consume = i + 1;
            pthread_cond_broadcast(&p.space);
            pthread_mutex_unlock(&p.mu);
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
