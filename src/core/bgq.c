/*
 * bgq.c — a background queue: one thread that runs jobs in the order they
 * were pushed, with a budget on what the queued jobs may hold.
 *
 * Why: the build's main thread hands every document, in order, to the
 * writers, and most of what it then does is file system work (at 1,000
 * documents: write 26%, open 8%, mkdir 8%, rename 7% of its time), during
 * which the workers wait for it with full windows.  The output folder
 * moves that work here (io.c), so the main thread only copies bytes into a
 * job, and the kernel's part runs beside the workers.
 *
 * Order: jobs run one at a time, first pushed first run, whatever thread
 * pushed them; so two jobs of one file never overtake each other.
 * Memory: push waits while the queued jobs' costs exceed the budget (the
 * thread is then busy, so the wait ends); a job bigger than the budget is
 * still taken once the queue is empty.
 * Wake-ups: a sleeping thread is woken only once an eighth of the budget
 * is queued (or someone waits for it), and then takes the whole queue at
 * once: a wake-up costs a futex call and two context switches, and one
 * per page (10,000 at 10,000 documents) cost more CPU than the thread
 * saved the main thread.
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>

struct quire__bgq {
    pthread_mutex_t lock;
    pthread_cond_t work;   /* the thread: jobs arrived, or stop */
    pthread_cond_t room;   /* pushers: the queue shrank; waiters: it is idle */
    quire__bgq_job *head, *tail;
    size_t queued;         /* sum of the costs of jobs not run to the end yet */
    size_t budget, wake_at;
    bool sleeping, busy, stop;
    pthread_t thread;
};

static void *bgq_main(void *arg)
{
    quire__bgq *q = arg;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->head && !q->stop) {
            q->sleeping = true;
            pthread_cond_wait(&q->work, &q->lock);
            q->sleeping = false;
        }
        if (!q->head)
            break; /* stop, and nothing left */
        quire__bgq_job *batch = q->head;
        q->head = q->tail = NULL;
        q->busy = true;
        pthread_mutex_unlock(&q->lock);
        while (batch) {
            quire__bgq_job *j = batch;
            batch = j->next;
            size_t cost = j->cost;
            j->run(j); /* frees j */
            pthread_mutex_lock(&q->lock);
            q->queued -= cost;
            pthread_cond_broadcast(&q->room);
            pthread_mutex_unlock(&q->lock);
        }
        pthread_mutex_lock(&q->lock);
        q->busy = false;
        pthread_cond_broadcast(&q->room); /* idle now, for quire__bgq_wait */
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

int quire__bgq_start(quire__bgq **out, size_t budget)
{
    *out = NULL;
    quire__bgq *q = calloc(1, sizeof *q);
    if (!q)
        return QUIRE_ERR_NOMEM;
    q->budget = budget;
    q->wake_at = budget / 8;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->work, NULL);
    pthread_cond_init(&q->room, NULL);
    if (pthread_create(&q->thread, NULL, bgq_main, q) != 0) {
        pthread_cond_destroy(&q->room);
        pthread_cond_destroy(&q->work);
        pthread_mutex_destroy(&q->lock);
        free(q);
        return QUIRE_ERR_NOMEM;
    }
    *out = q;
    return QUIRE_OK;
}

void quire__bgq_push(quire__bgq *q, quire__bgq_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&q->lock);
    while (q->queued && q->queued + job->cost > q->budget) {
        if (q->sleeping)
            pthread_cond_signal(&q->work);
        pthread_cond_wait(&q->room, &q->lock);
    }
    q->queued += job->cost;
    if (q->tail)
        q->tail->next = job;
    else
        q->head = job;
    q->tail = job;
    if (q->sleeping && q->queued >= q->wake_at)
        pthread_cond_signal(&q->work);
    pthread_mutex_unlock(&q->lock);
}

void quire__bgq_wait(quire__bgq *q)
{
    pthread_mutex_lock(&q->lock);
    if (q->sleeping && q->head)
        pthread_cond_signal(&q->work);
    while (q->head || q->busy)
        pthread_cond_wait(&q->room, &q->lock);
    pthread_mutex_unlock(&q->lock);
}

void quire__bgq_stop(quire__bgq *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->stop = true;
    pthread_cond_signal(&q->work);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->thread, NULL); /* it runs what is queued first */
    pthread_cond_destroy(&q->room);
    pthread_cond_destroy(&q->work);
    pthread_mutex_destroy(&q->lock);
    free(q);
}
