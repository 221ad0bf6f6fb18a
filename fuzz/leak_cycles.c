/* leak_cycles.c — load / encode / tokenize / free a small model N times and show that memory
 * stays flat (issue 8). Run by `make test-asan`:
 *   leak_cycles MODEL_DIR [CYCLES=10000] [MAX_GROWTH_KB=4096]
 * Prints the resident set size after a warm-up of CYCLES/100 cycles and at the end, and fails
 * (exit 1) when it grew by more than MAX_GROWTH_KB. Each cycle also makes the C API fail once
 * (a corrupt tokenizer from memory) so the error path is in the loop too. Under valgrind it is
 * run with few cycles: there the leak report, not the RSS, is the check. */
#define _GNU_SOURCE
#include <m2v.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) { kb = strtol(line + 6, NULL, 10); break; }
    fclose(f);
    return kb;
}

static int cycle(const char *dir) {
    m2v_model *m = NULL;
    if (m2v_model_load(dir, NULL, &m) != M2V_OK) { fprintf(stderr, "load: %s\n", m2v_last_error()); return 1; }
    const char *texts[] = {"the quick brown fox", "jumps over the lazy dog", "", "d\xc3\xa9j\xc3\xa0 vu"};
    size_t lens[] = {19, 23, 0, 9};
    size_t dim = m2v_model_dim(m);
    float *out = malloc(4 * dim * sizeof(float));
    m2v_encode_params p = m2v_encode_default_params();
    p.n_threads = 1;
    int bad = m2v_encode(m, texts, lens, 4, &p, out, 4 * dim) != M2V_OK;
    m2v_ids *ids = NULL;
    bad |= m2v_tokenize(m, texts, lens, 4, &p, &ids) != M2V_OK;
    m2v_ids_free(ids);
    m2v_sequence *seq = NULL;
    bad |= m2v_encode_as_sequence(m, texts, lens, 4, NULL, &seq) != M2V_OK;
    m2v_sequence_free(seq);
    const char *inv = "\xff";
    size_t il = 1;
    bad |= m2v_encode(m, &inv, &il, 1, &p, out, dim) != M2V_ERR_INVALID_UTF8;
    m2v_tokenizer *t = NULL;
    bad |= m2v_tokenizer_load_from_memory("{\"model\":", 9, &t) != M2V_ERR_FORMAT;
    free(out);
    m2v_model_free(m);
    if (bad) fprintf(stderr, "cycle failed: %s\n", m2v_last_error());
    return bad;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: leak_cycles MODEL_DIR [CYCLES] [MAX_GROWTH_KB]\n"); return 2; }
    long cycles = argc > 2 ? atol(argv[2]) : 10000;
    long max_growth = argc > 3 ? atol(argv[3]) : 4096;
    long warm = cycles / 100 > 0 ? cycles / 100 : 1;
    for (long i = 0; i < warm; i++) if (cycle(argv[1])) return 1;
    long start = rss_kb();
    for (long i = warm; i < cycles; i++) if (cycle(argv[1])) return 1;
    long end = rss_kb();
    printf("leak_cycles: %ld load/encode/free cycles of %s: RSS %ld kB after %ld warm-up cycles, %ld kB at the end (%+ld kB)\n",
           cycles, argv[1], start, warm, end, end - start);
    if (end - start > max_growth) { printf("leak_cycles: RSS grew by more than %ld kB\n", max_growth); return 1; }
    return 0;
}
