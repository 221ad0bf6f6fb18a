/* classify_c.c — the C side of the classifier bench (bench/classifier_bench.py): one-text
 * latency of m2v_classifier_predict with default params, and batch throughput.
 *
 *   cc -std=c11 -O2 bench/classify_c.c $(pkg-config --cflags --libs m2v) -o bench/build/classify_c
 *   classify_c PIPELINE_DIR TEXTS_FILE N_CALLS
 *
 * TEXTS_FILE: one text per line. Prints one JSON line: p50/p99 us of single-text calls (cycling
 * through the texts, after 200 warm-up calls), texts/s of one call over all texts (1 thread and
 * all cores), and the labels of that call (for the check against m2v_native). */
#define _POSIX_C_SOURCE 200809L
#include <m2v.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: classify_c PIPELINE_DIR TEXTS_FILE N_CALLS\n");
        return 2;
    }
    m2v_classifier *c = NULL;
    if (m2v_classifier_load(argv[1], NULL, &c) != M2V_OK) {
        fprintf(stderr, "load: %s\n", m2v_last_error());
        return 1;
    }
    FILE *f = fopen(argv[2], "rb");
    if (!f) return 1;
    size_t cap = 1024, n = 0;
    char **texts = malloc(cap * sizeof *texts);
    size_t *lens = malloc(cap * sizeof *lens);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) > 0) {
        if (line[len - 1] == '\n') len--;
        if (n == cap) {
            cap *= 2;
            texts = realloc(texts, cap * sizeof *texts);
            lens = realloc(lens, cap * sizeof *lens);
        }
        texts[n] = malloc((size_t)len + 1);
        memcpy(texts[n], line, (size_t)len);
        lens[n++] = (size_t)len;
    }
    fclose(f);
    int single = m2v_classifier_task(c) == M2V_TASK_SINGLE_LABEL;
    size_t k = m2v_classifier_n_outputs(c), width = single ? 1 : k;
    int32_t *out = malloc(n * width * sizeof(int32_t));
    long calls = atol(argv[3]);
    double *t = malloc((size_t)calls * sizeof(double));
    for (long i = 0; i < 200 + calls; i++) {
        size_t j = (size_t)i % n;
        double t0 = now();
        if (m2v_classifier_predict(c, (const char *const *)&texts[j], &lens[j], 1, NULL, 0.5f, out, width) != M2V_OK) {
            fprintf(stderr, "predict: %s\n", m2v_last_error());
            return 1;
        }
        if (i >= 200) t[i - 200] = (now() - t0) * 1e6;
    }
    qsort(t, (size_t)calls, sizeof *t, cmp);
    double rate[2];
    for (int mode = 0; mode < 2; mode++) {
        m2v_encode_params p = m2v_encode_default_params();
        p.n_threads = mode == 0 ? 1 : 0;
        double best = 1e30;
        for (int r = 0; r < 3; r++) {
            double t0 = now();
            if (m2v_classifier_predict(c, (const char *const *)texts, lens, n, &p, 0.5f, out, n * width) != M2V_OK) return 1;
            double dt = now() - t0;
            if (dt < best) best = dt;
        }
        rate[mode] = n / best;
    }
    printf("{\"p50_us\": %.3f, \"p99_us\": %.3f, \"texts_per_s_1_thread\": %.1f, \"texts_per_s_all\": %.1f, \"labels\": [",
           t[calls / 2], t[(size_t)(calls * 0.99)], rate[0], rate[1]);
    for (size_t i = 0; single && i < n; i++) printf("%s%d", i ? "," : "", out[i]);
    printf("]}\n");
    m2v_classifier_free(c);
    return 0;
}
