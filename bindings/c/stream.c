/* stream.c — embed a text stream of any length in bounded memory: read lines from stdin, encode
 * them CHUNK at a time into one reused buffer, write each chunk's float32 rows (little-endian,
 * dim floats per line, in input order) to stdout. Memory is one chunk of lines and vectors,
 * whatever the input size; the output equals one m2v_encode call on all lines (encoding is per
 * text). Lines are split on '\n' (a trailing '\r' is kept, as Python's open() would not).
 *
 *   cc stream.c $(pkg-config --cflags --libs m2v) -o stream
 *   ./stream MODEL_FOLDER [CHUNK] < corpus.txt > vectors.f32      (CHUNK default 4096)
 */
#define _POSIX_C_SOURCE 200809L
#include <m2v.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL_FOLDER [CHUNK] < lines > vectors.f32\n", argv[0]);
        return 2;
    }
    long chunk = argc > 2 ? strtol(argv[2], NULL, 10) : 4096;
    if (chunk < 1 || chunk > (1L << 24)) {
        fprintf(stderr, "CHUNK must be 1 .. 16777216\n");
        return 2;
    }
    m2v_model *model = NULL;
    if (m2v_model_load(argv[1], NULL, &model) != M2V_OK) {
        fprintf(stderr, "load failed: %s\n", m2v_last_error());
        return 1;
    }
    const size_t dim = m2v_model_dim(model);
    char **lines = calloc((size_t)chunk, sizeof *lines);
    size_t *caps = calloc((size_t)chunk, sizeof *caps);
    size_t *lens = calloc((size_t)chunk, sizeof *lens);
    float *vectors = malloc((size_t)chunk * dim * sizeof *vectors);
    if (!lines || !caps || !lens || !vectors) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    int rc = 0;
    size_t total = 0;
    for (;;) {
        size_t n = 0;
        ssize_t got;
        /* getline reuses each slot's buffer: no allocation per line once warmed up. */
        while (n < (size_t)chunk && (got = getline(&lines[n], &caps[n], stdin)) >= 0) {
            lens[n] = (size_t)got;
            if (got > 0 && lines[n][got - 1] == '\n') lens[n]--;
            n++;
        }
        if (n == 0) break;
        m2v_status st = m2v_encode(model, (const char *const *)lines, lens, n, NULL, vectors, n * dim);
        if (st != M2V_OK) {
            fprintf(stderr, "line %zu..%zu: %s: %s\n", total + 1, total + n, m2v_status_name(st), m2v_last_error());
            rc = 1;
            break;
        }
        if (fwrite(vectors, sizeof *vectors, n * dim, stdout) != n * dim) {
            perror("write");
            rc = 1;
            break;
        }
        total += n;
        if (n < (size_t)chunk) break;
    }
    fprintf(stderr, "%zu lines, %zu floats each\n", total, dim);
    for (long i = 0; i < chunk; i++) free(lines[i]);
    free(lines);
    free(caps);
    free(lens);
    free(vectors);
    m2v_model_free(model);
    return rc;
}
