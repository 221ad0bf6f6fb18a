/* test_threads.c — 16 threads share one model and one tokenizer, encoding and tokenizing for
 * M2V_STRESS_SECONDS (default 10) seconds; every result must equal the single-thread result
 * computed first; then 4 threads at once make calls big enough to share the worker pool. Run by
 * `make test-tsan` against a ThreadSanitizer build of libm2v (every data
 * race is then a report and a failure) and by `make test-c` against the release library.
 *
 * Model: $M2V_TEST_MODEL, else ../shared/fixtures/models/minilm-default (required under CI=true). */
#define _POSIX_C_SOURCE 200809L
#include <m2v.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { N_THREADS = 16, N_TEXTS = 64 };

static const char *texts[N_TEXTS];
static size_t lengths[N_TEXTS];
static float *expected_vectors;   /* N_TEXTS * dim, from one thread */
static m2v_ids *expected_ids;     /* from one thread */
static size_t dim;
static double deadline;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct worker {
    const m2v_model *model;
    const m2v_tokenizer *tokenizer;
    int index;
    long rounds;
    int failures;
};

static int same_ids(const m2v_ids *a, const m2v_ids *b) {
    if (a->n_texts != b->n_texts) return 0;
    if (memcmp(a->offsets, b->offsets, (a->n_texts + 1) * sizeof(size_t)) != 0) return 0;
    return memcmp(a->ids, b->ids, a->offsets[a->n_texts] * sizeof(int32_t)) == 0;
}

static void *work(void *arg) {
    struct worker *w = arg;
    float *out = malloc(N_TEXTS * dim * sizeof(float));
    m2v_encode_params p = m2v_encode_default_params();
    while (now() < deadline && out) {
        /* Alternate in-call threading: 1 thread, or the library's own workers as well. */
        p.n_threads = ((w->rounds + w->index) % 3 == 2) ? 2 : 1;
        if (m2v_encode(w->model, texts, lengths, N_TEXTS, &p, out, N_TEXTS * dim) != M2V_OK ||
            memcmp(out, expected_vectors, N_TEXTS * dim * sizeof(float)) != 0) {
            w->failures++;
        }
        m2v_ids *ids = NULL;
        if (m2v_tokenize(w->model, texts, lengths, N_TEXTS, NULL, &ids) != M2V_OK || !same_ids(ids, expected_ids))
            w->failures++;
        m2v_ids_free(ids);
        ids = NULL;
        if (m2v_tokenizer_encode(w->tokenizer, texts, lengths, N_TEXTS, 1, &ids) != M2V_OK || !ids)
            w->failures++;
        m2v_ids_free(ids);
        /* A failing call on this thread must not disturb the others' last error. */
        if (m2v_encode(w->model, texts, lengths, N_TEXTS, &p, out, 1) != M2V_ERR_BUFFER_TOO_SMALL)
            w->failures++;
        w->rounds++;
    }
    free(out);
    return NULL;
}

enum { N_POOL = 4, POOL_ROUNDS = 2, N_BIG = N_TEXTS * 6 };
static const m2v_model *pool_model;
static const char *big_texts[N_BIG];
static size_t big_lengths[N_BIG];
static float *big_expected;

static void *pool_work(void *arg) {
    int *failures = arg;
    float *out = malloc(N_BIG * dim * sizeof(float));
    m2v_encode_params p = m2v_encode_default_params();
    for (int r = 0; r < POOL_ROUNDS && out; r++) {
        p.n_threads = r % 2 ? 2 : 0;
        if (m2v_encode(pool_model, big_texts, big_lengths, N_BIG, &p, out, N_BIG * dim) != M2V_OK ||
            memcmp(out, big_expected, N_BIG * dim * sizeof(float)) != 0)
            (*failures)++;
    }
    if (!out) (*failures)++;
    free(out);
    return NULL;
}

int main(void) {
    int passed = 0, failed = 0;
    const char *path = getenv("M2V_TEST_MODEL");
    if (!path) path = "../shared/fixtures/models/minilm-default";
    struct stat st;
    if (stat(path, &st) != 0) {
        const char *ci = getenv("CI");
        int in_ci = ci && strcmp(ci, "true") == 0;
        fprintf(stderr, "%s: model %s not found\n", in_ci ? "FAIL" : "note", path);
        printf("threads: %d passed, %d failed\n", 0, in_ci ? 1 : 0);
        return in_ci ? 1 : 0;
    }
    const char *words[] = {"the", "quick", "brown", "fox", "über", "naïve", "日本語", "😀", "tokenization",
                           "Model2Vec", "embeddings", "!", "42", "déjà", "straße", "[CLS]", "new york"};
    const size_t nw = sizeof words / sizeof words[0];
    for (int i = 0; i < N_TEXTS; i++) {
        char buf[1024] = {0};
        for (int k = 0; k < 3 + (i * 5) % 40; k++) {
            strcat(buf, words[(size_t)(i * 7 + k * 3) % nw]);
            strcat(buf, " ");
        }
        texts[i] = strdup(buf);
        lengths[i] = strlen(buf);
    }

    m2v_model *model = NULL;
    m2v_tokenizer *tokenizer = NULL;
    char tok_path[4096];
    snprintf(tok_path, sizeof tok_path, "%s/tokenizer.json", path);
    if (m2v_model_load(path, NULL, &model) != M2V_OK || m2v_tokenizer_load(tok_path, &tokenizer) != M2V_OK) {
        fprintf(stderr, "FAIL: load: %s\n", m2v_last_error());
        printf("threads: 0 passed, 1 failed\n");
        return 1;
    }
    dim = m2v_model_dim(model);
    expected_vectors = malloc(N_TEXTS * dim * sizeof(float));
    m2v_encode_params one = m2v_encode_default_params();
    one.n_threads = 1;
    if (m2v_encode(model, texts, lengths, N_TEXTS, &one, expected_vectors, N_TEXTS * dim) != M2V_OK ||
        m2v_tokenize(model, texts, lengths, N_TEXTS, NULL, &expected_ids) != M2V_OK) {
        fprintf(stderr, "FAIL: reference encode: %s\n", m2v_last_error());
        printf("threads: 0 passed, 1 failed\n");
        return 1;
    }

    const char *secs = getenv("M2V_STRESS_SECONDS");
    double seconds = secs ? atof(secs) : 10.0;
    deadline = now() + seconds;
    pthread_t th[N_THREADS];
    struct worker w[N_THREADS];
    for (int i = 0; i < N_THREADS; i++) {
        w[i] = (struct worker){model, tokenizer, i, 0, 0};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    long rounds = 0;
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(th[i], NULL);
        rounds += w[i].rounds;
        if (w[i].failures == 0 && w[i].rounds > 0) passed++;
        else { failed++; fprintf(stderr, "FAIL: thread %d: %d failures in %ld rounds\n", i, w[i].failures, w[i].rounds); }
    }
    fprintf(stderr, "threads: %d threads x %.0f s, %ld rounds of encode+tokenize+tokenizer_encode on one model\n",
            N_THREADS, seconds, rounds);

    /* The shared worker pool: N_POOL threads at once, each encoding a batch big enough
     * (N_TEXTS texts 6 times, ~70 KB) that the call takes pool workers, with n_threads 0 or
     * 2, against the single-thread bytes. Under TSan this checks the pool's job hand-off. */
    pool_model = model;
    for (int i = 0; i < N_BIG; i++) { big_texts[i] = texts[i % N_TEXTS]; big_lengths[i] = lengths[i % N_TEXTS]; }
    big_expected = malloc(N_BIG * dim * sizeof(float));
    if (!big_expected || m2v_encode(model, big_texts, big_lengths, N_BIG, &one, big_expected, N_BIG * dim) != M2V_OK) {
        failed++;
        fprintf(stderr, "FAIL: pool reference encode: %s\n", m2v_last_error());
    } else {
        pthread_t pt[N_POOL];
        int pool_failures[N_POOL] = {0};
        for (int i = 0; i < N_POOL; i++) pthread_create(&pt[i], NULL, pool_work, &pool_failures[i]);
        for (int i = 0; i < N_POOL; i++) {
            pthread_join(pt[i], NULL);
            if (pool_failures[i] == 0) passed++;
            else { failed++; fprintf(stderr, "FAIL: pool thread %d: %d failures\n", i, pool_failures[i]); }
        }
        fprintf(stderr, "threads: %d threads x %d big calls sharing the worker pool\n", N_POOL, POOL_ROUNDS);
    }
    free(big_expected);
    m2v_ids_free(expected_ids);
    free(expected_vectors);
    m2v_tokenizer_free(tokenizer);
    m2v_model_free(model);
    for (int i = 0; i < N_TEXTS; i++) free((void *)texts[i]);
    printf("threads: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
