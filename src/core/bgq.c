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
 * Order: jobs start in push order, whatever thread pushed them, and the
 * jobs of one key (io.c: one file) run one at a time; so two jobs of one
 * file never overtake each other.
 * Helpers: a thread that waits for the queue (quire__bgq_wait, at the end
 * of a build) or for room in it (push over the budget) runs jobs itself
 * meanwhile.  At the end of a 100-document build the queue was all that
 * was left, ~8 ms of file creation and writing on one thread while the
 * main thread slept.
 * Memory: push waits (or helps) while the queued jobs' costs exceed the
 * budget; a job bigger than the budget is still taken once the queue is
 * empty.
 * Wake-ups: a sleeping thread is woken only once an eighth of the budget
 * is queued (or someone waits for it), and then runs until the queue is
 * empty: a wake-up costs a futex call and two context switches, and one
 * per page (10,000 at 10,000 documents) cost more CPU than the thread
 * saved the main thread.
 */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>

/* Most threads that can run jobs at once: the queue's own and those
 * waiting in quire__bgq_wait or at the budget. */
#define BGQ_RUNNERS 8

struct quire__bgq {
    pthread_mutex_t lock;
    pthread_cond_t work;   /* the thread: jobs arrived, or stop */
    pthread_cond_t room;   /* pushers: the queue shrank; waiters: a job ended */
    quire__bgq_job *head, *tail;
    size_t queued;         /* sum of the costs of jobs not run to the end yet */
    size_t budget, wake_at;
    const void *running[BGQ_RUNNERS]; /* keys of the jobs running now */
    int n_running;
    bool sleeping, stop;
    pthread_t thread;
};

/* The first job, if it may run now: no job of its key is running (two
 * jobs of one file must not overtake each other) and a runner's slot is
 * free.  Only the first: a later job of another key could run, but
 * skipping ahead would need a search, and the first one's key is done in
 * a moment.  Called with the lock held; the job is unlinked. */
static quire__bgq_job *bgq_take(quire__bgq *q)
{
    quire__bgq_job *j = q->head;
    if (!j || q->n_running == BGQ_RUNNERS)
        return NULL;
    for (int i = 0; i < q->n_running; i++)
        if (q->running[i] == j->key)
            return NULL;
    q->head = j->next;
    if (!q->head)
        q->tail = NULL;
    q->running[q->n_running++] = j->key;
    return j;
}

/* Runs j (from bgq_take) without the lock; returns with it. */
static void bgq_run(quire__bgq *q, quire__bgq_job *j)
{
    const void *key = j->key;
    size_t cost = j->cost;
    pthread_mutex_unlock(&q->lock);
    j->run(j); /* frees j */
    pthread_mutex_lock(&q->lock);
    for (int i = 0; i < q->n_running; i++)
        if (q->running[i] == key) {
            q->running[i] = q->running[--q->n_running];
            break;
        }
    q->queued -= cost;
    pthread_cond_broadcast(&q->room);
    /* The thread may have gone to sleep on a first job that was blocked
     * by this one's key. */
    if (q->sleeping && q->head)
        pthread_cond_signal(&q->work);
}

static void *bgq_main(void *arg)
{
    quire__bgq *q = arg;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        quire__bgq_job *j = bgq_take(q);
        if (j) {
            bgq_run(q, j);
            continue;
        }
        if (q->stop && !q->head)
            break; /* stop, and nothing left */
        q->sleeping = true;
        pthread_cond_wait(&q->work, &q->lock);
        q->sleeping = false;
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
    /* Over the budget the thread is behind: rather than sleep until it
     * catches up, the pusher runs the first job itself when it may. */
    while (q->queued && q->queued + job->cost > q->budget) {
        quire__bgq_job *j = bgq_take(q);
        if (j) {
            bgq_run(q, j);
            continue;
        }
        if (q->sleeping && q->head)
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
    /* The caller helps: at the end of a build the queue is all that is
     * left to do, and two threads empty it in about half the time. */
    for (;;) {
        quire__bgq_job *j = bgq_take(q);
        if (j) {
            bgq_run(q, j);
            continue;
        }
        if (!q->head && !q->n_running)
            break;
        pthread_cond_wait(&q->room, &q->lock);
    }
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
