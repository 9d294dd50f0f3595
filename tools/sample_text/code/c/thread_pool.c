/*
 * thread_pool.c - fixed-size worker pool with a FIFO job queue (pthreads).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef void (*job_fn)(void *arg);

struct job {
    job_fn fn;
    void *arg;
    struct job *next;
};

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t has_work;
    pthread_cond_t idle;
    struct job *head, *tail;
    pthread_t *threads;
    int nthreads;
    int active;
    int shutdown;
} thread_pool;

static void *worker(void *p)
{
    thread_pool *pool = p;
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        while (!pool->head && !pool->shutdown)
            pthread_cond_wait(&pool->has_work, &pool->lock);
        if (!pool->head && pool->shutdown) {
            pthread_mutex_unlock(&pool->lock);
            return NULL;
        }
        struct job *j = pool->head;
        pool->head = j->next;
        if (!pool->head)
            pool->tail = NULL;
        pool->active++;
        pthread_mutex_unlock(&pool->lock);

        j->fn(j->arg);
        free(j);

        pthread_mutex_lock(&pool->lock);
        if (--pool->active == 0 && !pool->head)
            pthread_cond_broadcast(&pool->idle);
        pthread_mutex_unlock(&pool->lock);
    }
}

thread_pool *pool_create(int nthreads)
{
    thread_pool *pool = calloc(1, sizeof *pool);
    if (!pool)
        return NULL;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->has_work, NULL);
    pthread_cond_init(&pool->idle, NULL);
    pool->threads = calloc((size_t)nthreads, sizeof(pthread_t));
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&pool->threads[i], NULL, worker, pool) != 0)
            break;
        pool->nthreads++;
    }
    return pool;
}

int pool_submit(thread_pool *pool, job_fn fn, void *arg)
{
    struct job *j = malloc(sizeof *j);
    if (!j)
        return -1;
    j->fn = fn;
    j->arg = arg;
    j->next = NULL;
    pthread_mutex_lock(&pool->lock);
    if (pool->tail)
        pool->tail->next = j;
    else
        pool->head = j;
    pool->tail = j;
    pthread_cond_signal(&pool->has_work);
    pthread_mutex_unlock(&pool->lock);
    return 0;
}

void pool_wait(thread_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    while (pool->head || pool->active)
        pthread_cond_wait(&pool->idle, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

void pool_destroy(thread_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->shutdown = 1;
    pthread_cond_broadcast(&pool->has_work);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->nthreads; i++)
        pthread_join(pool->threads[i], NULL);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->has_work);
    pthread_cond_destroy(&pool->idle);
    free(pool->threads);
    free(pool);
}
