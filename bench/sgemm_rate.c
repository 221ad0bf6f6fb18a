/* The machine's sgemm rate, the limit of the distiller's forward pass: OpenBLAS's cblas_sgemm
 * (the same libopenblas.so.0 libm2v binds at run time) on the shapes of a teacher's linear
 * layers, single-threaded inside each of T threads (as the distiller runs it: its own threads,
 * OpenBLAS at one thread each). Prints one JSON object: GFLOP/s for 1 thread and for T threads.
 * Usage: sgemm_rate [threads] [M N K] [seconds]   (default: all cores, 768 1536 384, 1.5 s) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
static sgemm_fn sgemm;
static int M = 768, N = 1536, K = 384;
static double seconds = 1.5;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *worker(void *arg) {
    double *out = arg;
    float *a = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * N * K), *c = malloc(sizeof(float) * M * N);
    if (!a || !b || !c) { *out = -1; free(a); free(b); free(c); return NULL; }
    for (int i = 0; i < M * K; i++) a[i] = (float)((i * 7) % 13) * 0.01f;
    for (int i = 0; i < N * K; i++) b[i] = (float)((i * 5) % 11) * 0.01f;
    /* C[M,N] = A[M,K] · B[N,K]^T: row-major, NoTrans x Trans, as the linear layers call it. */
    sgemm(101, 111, 112, M, N, K, 1, a, K, b, K, 0, c, N); /* warm-up */
    long calls = 0;
    double t0 = now(), t;
    do { sgemm(101, 111, 112, M, N, K, 1, a, K, b, K, 0, c, N); calls++; } while ((t = now()) - t0 < seconds);
    *out = 2.0 * M * N * K * calls / (t - t0) / 1e9;
    free(a); free(b); free(c);
    return NULL;
}

static double run(int threads) {
    pthread_t tid[256];
    double rate[256], sum = 0;
    for (int i = 0; i < threads; i++) pthread_create(&tid[i], NULL, worker, &rate[i]);
    for (int i = 0; i < threads; i++) { pthread_join(tid[i], NULL); sum += rate[i]; }
    return sum;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 0;
    if (threads <= 0) threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads > 256) threads = 256;
    if (argc > 4) { M = atoi(argv[2]); N = atoi(argv[3]); K = atoi(argv[4]); }
    if (argc > 5) seconds = atof(argv[5]);
    void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "sgemm_rate: %s\n", dlerror()); return 1; }
    sgemm = (sgemm_fn)dlsym(h, "cblas_sgemm");
    void (*set_threads)(int) = (void (*)(int))dlsym(h, "openblas_set_num_threads");
    char *(*config)(void) = (char *(*)(void))dlsym(h, "openblas_get_config");
    if (!sgemm || !set_threads) { fprintf(stderr, "sgemm_rate: OpenBLAS symbols missing\n"); return 1; }
    set_threads(1);
    double one = run(1), all = run(threads);
    printf("{\"m\": %d, \"n\": %d, \"k\": %d, \"threads\": %d, \"gflops_1\": %.2f, \"gflops_all\": %.2f, \"openblas\": \"%s\"}\n",
           M, N, K, threads, one, all, config ? config() : "?");
    return 0;
}
