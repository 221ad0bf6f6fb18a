/* bench_c.c — the m2v side of the benchmark: one measurement per process, result as one JSON
 * line on stdout. Driven by bench/bench.py; built by bench/run.sh through pkg-config:
 *
 *   cc -std=c11 -O2 bench/bench_c.c $(pkg-config --cflags --libs m2v) -lm -o bench/build/bench_c
 *
 * Modes (TEXTS is a file written by bench.py: u64 n, n x u64 byte lengths, then the bytes):
 *   tokenize TOKENIZER_JSON TEXTS PIN [DUMP]
 *       m2v_tokenizer_encode_v2(add_special_tokens 0, truncation 0, padding 0) over all texts, timed (mean of the passes
 *       made in M2V_BENCH_MIN_SECONDS, default 0.3 s, at least one; same for encode). PIN=1 pins the process
 *       to one CPU first (m2v_tokenizer_encode has no thread-count parameter). DUMP: write the
 *       ids (u64 n, (n+1) x u64 offsets, int32 ids) for the correctness check.
 *   encode MODEL_DIR TEXTS N_THREADS [DUMP STRIDE]
 *       m2v_encode with default params and n_threads, timed after a warm-up on the first tenth of the
 *       texts (at most 1,000). Effective tokens are counted with m2v_tokenize (untimed). DUMP: rows 0, STRIDE,
 *       2*STRIDE... as float32 (u64 rows, u64 dim, data).
 *   tokenize_model MODEL_DIR TEXTS N_THREADS [DUMP]
 *       the tokenize-only part of encode: m2v_tokenize (the model's effective ids: character
 *       cut, truncation, unk removed) with default params and n_threads, timed as encode. DUMP:
 *       the ids, as for tokenize.
 *   pool MODEL_DIR TEXTS N_THREADS [DUMP STRIDE]
 *       the pool-only part of encode: the ids from m2v_tokenize (untimed), then
 *       m2v_encode_ids (gather + weighted mean + normalize) over them, timed as encode. DUMP as
 *       for encode. Compiled only with -DM2V_HAS_ENCODE_IDS (run.sh defines it when m2v.h
 *       declares m2v_encode_ids).
 *   latency MODEL_DIR TEXT N_CALLS N_THREADS [DUMP]
 *       N_CALLS single-text m2v_encode calls (after 100 warm-up calls); p50/p99/mean in us.
 *       TEXT = @FILE: every call encodes all the texts of FILE (a TEXTS file) in one call.
 *       DUMP: the last call's vectors, as for encode (stride 1), for the correctness check.
 *   load MODEL_DIR
 *       time of m2v_model_load and peak RSS (VmHWM, ru_maxrss) before and after it.
 *   distill TEACHER_DIR OUT_DIR N_THREADS
 *       m2v_distill with default params (model2vec's distill defaults) and n_threads, timed,
 *       including writing OUT_DIR; also the forward pass's share, timed between the progress
 *       calls. Compiled only with -DM2V_HAS_DISTILL (run.sh defines it when m2v.h declares
 *       m2v_distill).
 */
#define _GNU_SOURCE
#include <m2v.h>

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Timed passes per process: repeat the measured call until M2V_BENCH_MIN_SECONDS (default 0.3)
 * have elapsed (at most 50 passes) and report the mean pass, so that very short calls are not
 * decided by one scheduler hiccup. */
static double min_seconds(void) {
    const char *e = getenv("M2V_BENCH_MIN_SECONDS");
    return e ? atof(e) : 0.3;
}

static int die(const char *what) {
    fprintf(stderr, "bench_c: %s: %s\n", what, m2v_last_error());
    printf("{\"error\": \"%s failed\"}\n", what);
    return 1;
}

/* Peak resident set size in KiB from /proc/self/status (VmHWM), -1 if unavailable. */
static long vm_hwm_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmHWM:", 6) == 0) { v = strtol(line + 6, NULL, 10); break; }
    }
    fclose(f);
    return v;
}

static long ru_maxrss_kib(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
    return ru.ru_maxrss;
}

typedef struct texts {
    size_t n;
    const char **ptrs;
    size_t *lens;
    char *data;
    size_t total_bytes;
} texts;

static int read_texts(const char *path, texts *t) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return 1; }
    uint64_t n = 0;
    if (fread(&n, 8, 1, f) != 1) { fclose(f); return 1; }
    t->n = (size_t)n;
    t->lens = malloc((n ? n : 1) * sizeof *t->lens);
    t->ptrs = malloc((n ? n : 1) * sizeof *t->ptrs);
    uint64_t *l64 = malloc((n ? n : 1) * 8);
    if (!t->lens || !t->ptrs || !l64 || fread(l64, 8, n, f) != n) { fclose(f); return 1; }
    size_t total = 0;
    for (size_t i = 0; i < n; i++) { t->lens[i] = (size_t)l64[i]; total += t->lens[i]; }
    free(l64);
    t->data = malloc(total ? total : 1);
    if (!t->data || fread(t->data, 1, total, f) != total) { fclose(f); return 1; }
    fclose(f);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) { t->ptrs[i] = t->data + off; off += t->lens[i]; }
    t->total_bytes = total;
    return 0;
}

static int pin_to_one_cpu(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    int first = -1;
    for (int c = 0; c < CPU_SETSIZE; c++) if (CPU_ISSET(c, &set)) { first = c; break; }
    if (first < 0) return -1;
    CPU_ZERO(&set);
    CPU_SET(first, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0 ? first : -1;
}

static int write_ids(const char *path, const m2v_ids *ids) {
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); return 1; }
    uint64_t n = ids->n_texts;
    fwrite(&n, 8, 1, f);
    for (size_t i = 0; i <= ids->n_texts; i++) { uint64_t o = ids->offsets[i]; fwrite(&o, 8, 1, f); }
    fwrite(ids->ids, sizeof(int32_t), ids->offsets[ids->n_texts], f);
    fclose(f);
    return 0;
}

static int mode_tokenize(int argc, char **argv) {
    if (argc < 5) return 2;
    int pin = atoi(argv[4]);
    int cpu = pin ? pin_to_one_cpu() : -1;
    texts t;
    if (read_texts(argv[3], &t)) { fprintf(stderr, "cannot read %s\n", argv[3]); return 1; }
    double t0 = now_s();
    m2v_tokenizer *tok = NULL;
    if (m2v_tokenizer_load(argv[2], &tok) != M2V_OK) return die("m2v_tokenizer_load");
    double load_s = now_s() - t0;
    /* warm-up: the first 200 texts (page in the tokenizer, start threads once) */
    m2v_ids *ids = NULL;
    size_t warm = t.n < 200 ? t.n : 200;
    /* As the reference side (no_truncation(), no_padding()): the file's settings off. */
    m2v_tokenizer_encode_params ep = m2v_tokenizer_encode_default_params();
    ep.add_special_tokens = 0;
    ep.truncation = 0;
    ep.padding = 0;
    if (m2v_tokenizer_encode_v2(tok, t.ptrs, t.lens, warm, &ep, &ids) != M2V_OK) return die("warm-up");
    m2v_ids_free(ids);
    ids = NULL;
    double total = 0, floor_s = min_seconds();
    int passes = 0;
    do {
        m2v_ids_free(ids);
        ids = NULL;
        t0 = now_s();
        if (m2v_tokenizer_encode_v2(tok, t.ptrs, t.lens, t.n, &ep, &ids) != M2V_OK) return die("m2v_tokenizer_encode_v2");
        total += now_s() - t0;
        passes++;
    } while (total < floor_s && passes < 50);
    double secs = total / passes;
    size_t tokens = ids->offsets[ids->n_texts];
    if (argc > 5) write_ids(argv[5], ids);
    printf("{\"mode\": \"tokenize\", \"seconds\": %.6f, \"load_seconds\": %.6f, \"n_texts\": %zu, "
           "\"tokens\": %zu, \"bytes\": %zu, \"pinned_cpu\": %d, \"passes\": %d}\n",
           secs, load_s, t.n, tokens, t.total_bytes, cpu, passes);
    m2v_ids_free(ids);
    m2v_tokenizer_free(tok);
    return 0;
}

/* Rows 0, stride, 2*stride... of out (n x dim float32) into path: u64 rows, u64 dim, data. */
static int write_rows(const char *path, size_t stride, const float *out, size_t n, size_t dim) {
    if (stride == 0) stride = 1;
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); return 1; }
    uint64_t rows = (n + stride - 1) / stride, d = dim;
    fwrite(&rows, 8, 1, f);
    fwrite(&d, 8, 1, f);
    for (size_t i = 0; i < n; i += stride) fwrite(out + i * dim, sizeof(float), dim, f);
    fclose(f);
    return 0;
}

static int mode_encode(int argc, char **argv) {
    if (argc < 5) return 2;
    texts t;
    if (read_texts(argv[3], &t)) { fprintf(stderr, "cannot read %s\n", argv[3]); return 1; }
    m2v_model *model = NULL;
    if (m2v_model_load(argv[2], NULL, &model) != M2V_OK) return die("m2v_model_load");
    size_t dim = m2v_model_dim(model);
    m2v_encode_params p = m2v_encode_default_params();
    p.n_threads = atoi(argv[4]);
    float *out = malloc(t.n * dim * sizeof *out + 1);
    if (!out) return 1;
    size_t warm = t.n / 10 < 1000 ? t.n / 10 : 1000; /* a tenth of the input, at most 1,000 */
    if (warm == 0) warm = t.n;
    if (m2v_encode(model, t.ptrs, t.lens, warm, &p, out, t.n * dim) != M2V_OK) return die("warm-up");
    double total = 0, floor_s = min_seconds();
    int passes = 0;
    do {
        double t0 = now_s();
        if (m2v_encode(model, t.ptrs, t.lens, t.n, &p, out, t.n * dim) != M2V_OK) return die("m2v_encode");
        total += now_s() - t0;
        passes++;
    } while (total < floor_s && passes < 50);
    double secs = total / passes;
    m2v_ids *ids = NULL;
    if (m2v_tokenize(model, t.ptrs, t.lens, t.n, &p, &ids) != M2V_OK) return die("m2v_tokenize");
    size_t tokens = ids->offsets[ids->n_texts];
    m2v_ids_free(ids);
    if (argc > 6 && write_rows(argv[5], (size_t)atol(argv[6]), out, t.n, dim)) return 1;
    printf("{\"mode\": \"encode\", \"seconds\": %.6f, \"n_texts\": %zu, \"tokens\": %zu, "
           "\"bytes\": %zu, \"dim\": %zu, \"n_threads\": %d, \"passes\": %d}\n",
           secs, t.n, tokens, t.total_bytes, dim, p.n_threads, passes);
    free(out);
    m2v_model_free(model);
    return 0;
}

/* The two parts of m2v_encode, each timed alone (same params, warm-up and pass rule as encode). */
static int mode_tokenize_model(int argc, char **argv) {
    if (argc < 5) return 2;
    texts t;
    if (read_texts(argv[3], &t)) { fprintf(stderr, "cannot read %s\n", argv[3]); return 1; }
    m2v_model *model = NULL;
    if (m2v_model_load(argv[2], NULL, &model) != M2V_OK) return die("m2v_model_load");
    m2v_encode_params p = m2v_encode_default_params();
    p.n_threads = atoi(argv[4]);
    size_t warm = t.n / 10 < 1000 ? t.n / 10 : 1000;
    if (warm == 0) warm = t.n;
    m2v_ids *ids = NULL;
    if (m2v_tokenize(model, t.ptrs, t.lens, warm, &p, &ids) != M2V_OK) return die("warm-up");
    double total = 0, floor_s = min_seconds();
    int passes = 0;
    do {
        m2v_ids_free(ids);
        ids = NULL;
        double t0 = now_s();
        if (m2v_tokenize(model, t.ptrs, t.lens, t.n, &p, &ids) != M2V_OK) return die("m2v_tokenize");
        total += now_s() - t0;
        passes++;
    } while (total < floor_s && passes < 50);
    size_t tokens = ids->offsets[ids->n_texts];
    if (argc > 5) write_ids(argv[5], ids);
    printf("{\"mode\": \"tokenize_model\", \"seconds\": %.6f, \"n_texts\": %zu, \"tokens\": %zu, "
           "\"bytes\": %zu, \"n_threads\": %d, \"passes\": %d}\n",
           total / passes, t.n, tokens, t.total_bytes, p.n_threads, passes);
    m2v_ids_free(ids);
    m2v_model_free(model);
    return 0;
}

#ifdef M2V_HAS_ENCODE_IDS
static int mode_pool(int argc, char **argv) {
    if (argc < 5) return 2;
    texts t;
    if (read_texts(argv[3], &t)) { fprintf(stderr, "cannot read %s\n", argv[3]); return 1; }
    m2v_model *model = NULL;
    if (m2v_model_load(argv[2], NULL, &model) != M2V_OK) return die("m2v_model_load");
    size_t dim = m2v_model_dim(model);
    m2v_encode_params p = m2v_encode_default_params();
    p.n_threads = atoi(argv[4]);
    m2v_ids *ids = NULL;
    if (m2v_tokenize(model, t.ptrs, t.lens, t.n, &p, &ids) != M2V_OK) return die("m2v_tokenize");
    float *out = malloc(t.n * dim * sizeof *out + 1);
    if (!out) return 1;
    /* warm-up: the first tenth of the texts (at most 1,000), as encode */
    size_t warm = t.n / 10 < 1000 ? t.n / 10 : 1000;
    if (warm == 0) warm = t.n;
    if (m2v_encode_ids(model, ids->ids, ids->offsets, warm, &p, out, t.n * dim) != M2V_OK) return die("warm-up");
    double total = 0, floor_s = min_seconds();
    int passes = 0;
    do {
        double t0 = now_s();
        if (m2v_encode_ids(model, ids->ids, ids->offsets, t.n, &p, out, t.n * dim) != M2V_OK)
            return die("m2v_encode_ids");
        total += now_s() - t0;
        passes++;
    } while (total < floor_s && passes < 50);
    size_t tokens = ids->offsets[ids->n_texts];
    if (argc > 6 && write_rows(argv[5], (size_t)atol(argv[6]), out, t.n, dim)) return 1;
    printf("{\"mode\": \"pool\", \"seconds\": %.6f, \"n_texts\": %zu, \"tokens\": %zu, "
           "\"dim\": %zu, \"n_threads\": %d, \"passes\": %d}\n",
           total / passes, t.n, tokens, dim, p.n_threads, passes);
    m2v_ids_free(ids);
    free(out);
    m2v_model_free(model);
    return 0;
}
#endif

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int mode_latency(int argc, char **argv) {
    if (argc < 6) return 2;
    const char *text = argv[3];
    size_t len = strlen(text);
    const char *const *batch = &text;
    const size_t *batch_lens = &len;
    size_t n_batch = 1;
    texts t;
    if (text[0] == '@') {
        if (read_texts(text + 1, &t) || t.n == 0) { fprintf(stderr, "cannot read %s\n", text + 1); return 1; }
        batch = t.ptrs;
        batch_lens = t.lens;
        n_batch = t.n;
    }
    int calls = atoi(argv[4]);
    if (calls < 1) calls = 1;
    m2v_model *model = NULL;
    if (m2v_model_load(argv[2], NULL, &model) != M2V_OK) return die("m2v_model_load");
    size_t dim = m2v_model_dim(model);
    m2v_encode_params p = m2v_encode_default_params();
    p.n_threads = atoi(argv[5]);
    float *out = malloc(n_batch * dim * sizeof *out);
    double *lat = malloc((size_t)calls * sizeof *lat);
    if (!out || !lat) return 1;
    for (int i = 0; i < 100; i++)
        if (m2v_encode(model, batch, batch_lens, n_batch, &p, out, n_batch * dim) != M2V_OK) return die("warm-up");
    double total0 = now_s();
    for (int i = 0; i < calls; i++) {
        double t0 = now_s();
        if (m2v_encode(model, batch, batch_lens, n_batch, &p, out, n_batch * dim) != M2V_OK) return die("m2v_encode");
        lat[i] = now_s() - t0;
    }
    double total = now_s() - total0;
    qsort(lat, (size_t)calls, sizeof *lat, cmp_double);
    double p50 = lat[(size_t)(0.50 * (calls - 1))], p99 = lat[(size_t)(0.99 * (calls - 1))];
    if (argc > 6 && write_rows(argv[6], 1, out, n_batch, dim)) return 1;
    printf("{\"mode\": \"latency\", \"calls\": %d, \"texts_per_call\": %zu, \"p50_us\": %.3f, "
           "\"p99_us\": %.3f, \"mean_us\": %.3f, \"n_threads\": %d}\n",
           calls, n_batch, p50 * 1e6, p99 * 1e6, total / calls * 1e6, p.n_threads);
    free(lat);
    free(out);
    m2v_model_free(model);
    return 0;
}

static int mode_load(int argc, char **argv) {
    if (argc < 3) return 2;
    long hwm0 = vm_hwm_kib(), ru0 = ru_maxrss_kib();
    double t0 = now_s();
    m2v_model *model = NULL;
    if (m2v_model_load(argv[2], NULL, &model) != M2V_OK) return die("m2v_model_load");
    double secs = now_s() - t0;
    long hwm1 = vm_hwm_kib(), ru1 = ru_maxrss_kib();
    printf("{\"mode\": \"load\", \"seconds\": %.6f, \"vmhwm_before_kib\": %ld, \"vmhwm_kib\": %ld, "
           "\"ru_maxrss_before_kib\": %ld, \"ru_maxrss_kib\": %ld, \"dim\": %zu, \"vocab\": %zu}\n",
           secs, hwm0, hwm1, ru0, ru1, m2v_model_dim(model), m2v_model_vocab_size(model));
    m2v_model_free(model);
    return 0;
}

#ifdef M2V_HAS_DISTILL
/* The forward pass's window, from the progress calls: the first call's time and count, the last's. */
struct distill_clock { double first_t, last_t; size_t first_done, last_done; };

static int distill_progress(size_t done, size_t total, void *user) {
    struct distill_clock *c = user;
    double t = now_s();
    if (c->first_t == 0) { c->first_t = t; c->first_done = done; }
    c->last_t = t; c->last_done = done;
    (void)total;
    return 0;
}

static int mode_distill(int argc, char **argv) {
    if (argc < 5) return 2;
    m2v_distill_params p = m2v_distill_default_params();
    p.n_threads = atoi(argv[4]);
    struct distill_clock clock = {0, 0, 0, 0};
    p.progress = distill_progress;
    p.progress_user_data = &clock;
    long hwm0 = vm_hwm_kib();
    double t0 = now_s();
    if (m2v_distill(argv[2], &p, argv[3]) != M2V_OK) return die("m2v_distill");
    double secs = now_s() - t0;
    /* forward_*: the tokens between the first and the last progress call and the time they took
     * (the first batch, before the first call, is left out). */
    printf("{\"mode\": \"distill\", \"seconds\": %.6f, \"vmhwm_before_kib\": %ld, \"vmhwm_kib\": %ld, "
           "\"n_threads\": %d, \"forward_seconds\": %.6f, \"forward_tokens\": %zu, \"forward_first_token\": %zu}\n",
           secs, hwm0, vm_hwm_kib(), p.n_threads, clock.last_t - clock.first_t, clock.last_done - clock.first_done,
           clock.first_done);
    return 0;
}
#endif

int main(int argc, char **argv) {
    int rc = 2;
    if (argc >= 2) {
        if (strcmp(argv[1], "tokenize") == 0) rc = mode_tokenize(argc, argv);
        else if (strcmp(argv[1], "encode") == 0) rc = mode_encode(argc, argv);
        else if (strcmp(argv[1], "tokenize_model") == 0) rc = mode_tokenize_model(argc, argv);
#ifdef M2V_HAS_ENCODE_IDS
        else if (strcmp(argv[1], "pool") == 0) rc = mode_pool(argc, argv);
#endif
        else if (strcmp(argv[1], "latency") == 0) rc = mode_latency(argc, argv);
        else if (strcmp(argv[1], "load") == 0) rc = mode_load(argc, argv);
#ifdef M2V_HAS_DISTILL
        else if (strcmp(argv[1], "distill") == 0) rc = mode_distill(argc, argv);
#endif
    }
    if (rc == 2)
        fprintf(stderr, "usage: bench_c tokenize TOKENIZER_JSON TEXTS PIN [DUMP]\n"
                        "       bench_c encode MODEL_DIR TEXTS N_THREADS [DUMP STRIDE]\n"
                        "       bench_c tokenize_model MODEL_DIR TEXTS N_THREADS [DUMP]\n"
                        "       bench_c pool MODEL_DIR TEXTS N_THREADS [DUMP STRIDE]   (built with -DM2V_HAS_ENCODE_IDS)\n"
                        "       bench_c latency MODEL_DIR TEXT|@TEXTS N_CALLS N_THREADS [DUMP]\n"
                        "       bench_c load MODEL_DIR\n"
                        "       bench_c distill TEACHER_DIR OUT_DIR N_THREADS   (built with -DM2V_HAS_DISTILL)\n");
    return rc;
}
