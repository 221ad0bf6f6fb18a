/* test_pool.c — the worker pool seen from outside (issue 17): checks, not timings.
 *   - a call on small input (one text, 8 short texts; encode, tokenize, tokenizer encode) with
 *     default params starts no thread;
 *   - a big call starts at most (CPUs - 1) pool workers, and a second big call starts none;
 *   - the output bytes are the same for n_threads 0, 1, 2, 3, 4, 7 and 16;
 *   - calls made from inside another call's progress callback work and start no thread;
 *   - a forked child encodes (default and explicit threads) and gets the parent's bytes, also
 *     when the fork happens while another thread of the parent is in the middle of a call.
 * Threads are counted twice: alive ones in /proc/self/task, and every thread ever started by
 * this test's own pthread_create, which interposes on libc's for libm2v (an executable's symbol
 * comes first in the dynamic lookup), so a thread started and joined inside one call is seen.
 *
 * Model: $M2V_TEST_MODEL, else ../shared/fixtures/models/minilm-default (required under CI=true). */
#define _GNU_SOURCE
#include <m2v.h>

#include <dirent.h>
#include <dlfcn.h>
#include <stdatomic.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int passed, failed;
#define CHECK(cond, ...) do { if (cond) passed++; else { failed++; fprintf(stderr, "FAIL: " __VA_ARGS__); fputc('\n', stderr); } } while (0)

enum { N_BIG = 3000 };
static const char *big[N_BIG];
static size_t big_len[N_BIG];
static float *expected;
static size_t dim;
static m2v_model *model;

static atomic_int started;

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *), void *arg) {
    static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    if (!real) *(void **)&real = dlsym(RTLD_NEXT, "pthread_create");
    if (!real) return 11; /* EAGAIN: the library then works on the calling thread */
    atomic_fetch_add(&started, 1);
    return real(thread, attr, fn, arg);
}

static int thread_count(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static int cpus(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static int encode_big(int n_threads, float *out) {
    m2v_encode_params p = m2v_encode_default_params();
    p.n_threads = n_threads;
    return m2v_encode(model, big, big_len, N_BIG, &p, out, N_BIG * dim);
}

/* A progress callback that encodes: a call made from inside another call's callback. */
static int nested_calls, nested_bad;
static int encode_inside_progress(size_t done, size_t total, void *user) {
    (void)done; (void)total;
    float *out = user;
    nested_calls++;
    if (encode_big(0, out) != M2V_OK || memcmp(out, expected, N_BIG * dim * sizeof(float)) != 0) nested_bad++;
    return 0;
}

static volatile int stop_background;
static void *background(void *arg) {
    (void)arg;
    float *out = malloc(N_BIG * dim * sizeof(float));
    while (out && !stop_background) (void)encode_big(0, out);
    free(out);
    return NULL;
}

/* In a forked child: encode with default and explicit threads, compare; exit status 0 = ok. */
static int child_checks(void) {
    alarm(60);  /* a deadlocked child fails instead of hanging the test */
    float *out = malloc(N_BIG * dim * sizeof(float));
    if (!out) return 2;
    int bad = 0;
    int ts[] = {0, 2, 1};
    for (int k = 0; k < 3; k++) {
        memset(out, 0, N_BIG * dim * sizeof(float));
        if (encode_big(ts[k], out) != M2V_OK) { fprintf(stderr, "child: %s\n", m2v_last_error()); bad = 1; }
        else if (memcmp(out, expected, N_BIG * dim * sizeof(float)) != 0) bad = 1;
    }
    /* The child's pool is its own: only this thread existed at the fork. */
    if (thread_count() > cpus()) bad = 1;
    free(out);
    return bad;
}

static int fork_and_check(const char *what) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) { CHECK(0, "%s: fork failed", what); return 1; }
    if (pid == 0) _exit(child_checks());
    int status = 0;
    waitpid(pid, &status, 0);
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    CHECK(ok, "%s: forked child failed (status %d%s)", what, status, WIFSIGNALED(status) ? ", signalled" : "");
    return !ok;
}

int main(void) {
    const char *path = getenv("M2V_TEST_MODEL");
    if (!path) path = "../shared/fixtures/models/minilm-default";
    struct stat st;
    if (stat(path, &st) != 0) {
        const char *ci = getenv("CI");
        int in_ci = ci && strcmp(ci, "true") == 0;
        fprintf(stderr, "%s: model %s not found\n", in_ci ? "FAIL" : "note", path);
        printf("pool: 0 passed, %d failed\n", in_ci ? 1 : 0);
        return in_ci ? 1 : 0;
    }
    const char *words[] = {"the", "quick", "brown", "fox", "über", "naïve", "日本語", "tokenization",
                           "Model2Vec", "embeddings", "!", "42", "déjà", "straße", "new", "york"};
    const size_t nw = sizeof words / sizeof words[0];
    for (int i = 0; i < N_BIG; i++) {
        char buf[512] = {0};
        for (int k = 0; k < 4 + (i * 7) % 30; k++) {
            strcat(buf, words[(size_t)(i * 5 + k * 3) % nw]);
            strcat(buf, " ");
        }
        big[i] = strdup(buf);
        big_len[i] = strlen(buf);
    }

    int t0 = thread_count();
    CHECK(t0 >= 1, "cannot count threads in /proc/self/task");
    if (m2v_model_load(path, NULL, &model) != M2V_OK) {
        fprintf(stderr, "FAIL: load: %s\n", m2v_last_error());
        printf("pool: %d passed, 1 failed\n", passed);
        return 1;
    }
    m2v_tokenizer *tok = NULL;
    char tok_path[4096];
    snprintf(tok_path, sizeof tok_path, "%s/tokenizer.json", path);
    CHECK(m2v_tokenizer_load(tok_path, &tok) == M2V_OK, "tokenizer load: %s", m2v_last_error());
    dim = m2v_model_dim(model);
    CHECK(thread_count() == t0, "loading started a thread");

    /* Small calls with default params: no thread. */
    const char *query[] = {"How do I reset my password?", "where is my order", "cancel subscription",
                           "Öffnungszeiten heute", "refund policy", "talk to a human", "2FA code not arriving",
                           "change email address"};
    size_t qlen[8];
    for (int i = 0; i < 8; i++) qlen[i] = strlen(query[i]);
    float small[8 * 1024];
    CHECK(dim <= 1024, "dim %zu", dim);
    for (int round = 0; round < 50; round++) {
        if (m2v_encode(model, query, qlen, 1, NULL, small, 8 * dim) != M2V_OK) { CHECK(0, "encode 1: %s", m2v_last_error()); break; }
        if (m2v_encode(model, query, qlen, 8, NULL, small, 8 * dim) != M2V_OK) { CHECK(0, "encode 8: %s", m2v_last_error()); break; }
        m2v_ids *ids = NULL;
        if (m2v_tokenize(model, query, qlen, 8, NULL, &ids) != M2V_OK) CHECK(0, "tokenize: %s", m2v_last_error());
        m2v_ids_free(ids);
        ids = NULL;
        if (tok && m2v_tokenizer_encode(tok, query, qlen, 8, 0, &ids) != M2V_OK) CHECK(0, "tokenizer encode: %s", m2v_last_error());
        m2v_ids_free(ids);
    }
    CHECK(thread_count() == t0 && atomic_load(&started) == 0,
          "small calls with default params started %d thread(s)", atomic_load(&started));

    /* Big calls: the pool grows once, to at most CPUs - 1 workers, and stays. */
    expected = malloc(N_BIG * dim * sizeof(float));
    float *out = malloc(N_BIG * dim * sizeof(float));
    if (!expected || !out) { printf("pool: %d passed, 1 failed\n", passed); return 1; }
    CHECK(encode_big(1, expected) == M2V_OK, "encode n_threads=1: %s", m2v_last_error());
    CHECK(atomic_load(&started) == 0, "n_threads = 1 started a thread");
    CHECK(encode_big(0, out) == M2V_OK, "encode n_threads=0: %s", m2v_last_error());
    int t1 = thread_count(), s1 = atomic_load(&started);
    CHECK(t1 - t0 == s1 && s1 <= cpus() - 1, "a big call started %d thread(s), %d alive after it, on %d CPUs",
          s1, t1 - t0, cpus());
    CHECK(cpus() == 1 || s1 >= 1, "the interposed pthread_create saw no pool worker start on %d CPUs", cpus());
    int counts[] = {0, 1, 2, 3, 4, 7, 16};
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        memset(out, 0xff, N_BIG * dim * sizeof(float));
        CHECK(encode_big(counts[k], out) == M2V_OK, "encode n_threads=%d: %s", counts[k], m2v_last_error());
        CHECK(memcmp(out, expected, N_BIG * dim * sizeof(float)) == 0, "n_threads=%d: bytes differ from n_threads=1",
              counts[k]);
    }
    CHECK(thread_count() == t1 && atomic_load(&started) == s1, "later big calls started %d more thread(s)",
          atomic_load(&started) - s1);

    /* Calls from inside a progress callback share the pool with the outer call. */
    float *inner = malloc(N_BIG * dim * sizeof(float));
    m2v_encode_params outer = m2v_encode_default_params();
    outer.batch_size = 700;
    outer.progress = encode_inside_progress;
    outer.progress_user_data = inner;
    memset(out, 0, N_BIG * dim * sizeof(float));
    CHECK(inner && m2v_encode(model, big, big_len, N_BIG, &outer, out, N_BIG * dim) == M2V_OK &&
          memcmp(out, expected, N_BIG * dim * sizeof(float)) == 0, "outer call with encoding progress callbacks");
    CHECK(nested_calls == (N_BIG + 699) / 700 && nested_bad == 0, "%d nested calls, %d wrong", nested_calls, nested_bad);
    free(inner);
    CHECK(thread_count() == t1, "nested calls started threads");

    /* Fork: a quiet parent, then a parent with a call in flight on another thread. */
    fork_and_check("fork after the pool started");
    pthread_t bg;
    stop_background = 0;
    if (pthread_create(&bg, NULL, background, NULL) == 0) {
        for (int k = 0; k < 5; k++) {
            usleep(3000 + 1500 * k);
            if (fork_and_check("fork during another thread's call")) break;
        }
        stop_background = 1;
        pthread_join(bg, NULL);
    }
    CHECK(encode_big(0, out) == M2V_OK && memcmp(out, expected, N_BIG * dim * sizeof(float)) == 0,
          "parent after the forks");

    free(out);
    free(expected);
    m2v_tokenizer_free(tok);
    m2v_model_free(model);
    for (int i = 0; i < N_BIG; i++) free((void *)big[i]);
    printf("pool: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
