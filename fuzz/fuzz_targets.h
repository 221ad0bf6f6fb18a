/* fuzz_targets.h — the bodies of m2v's fuzz targets, shared by the libFuzzer harnesses
 * (fuzz/fuzz_*.c) and by Tests/c/test_hostile.c, which replays fuzz/regressions/ through the
 * very same code. Header-only: include it once per program.
 *
 * Every target feeds bytes through the public C API (include/m2v.h) and checks the API's
 * contract; a violation calls abort(), which libFuzzer records as a crash:
 *   - a status is one of the m2v_status values, and a failure carries a non-empty message;
 *   - on success the out-pointer is set, on failure it is NULL;
 *   - results are self-consistent (offsets monotonic, ids inside the vocabulary, vectors finite
 *     for the finite fixture tables, tokenize and encode_as_sequence agree on token counts);
 *   - valid UTF-8 text is accepted, invalid UTF-8 is rejected with M2V_ERR_INVALID_UTF8 by the
 *     tokenizer (which never truncates).
 *
 * Targets:
 *   m2v_fuzz_safetensors(data, size)  data = model.safetensors of a folder whose config.json and
 *                                     tokenizer.json (8-token WordLevel) are valid; m2v_model_load,
 *                                     then encode / tokenize / sequence / token() if it loaded.
 *   m2v_fuzz_tokenizer(data, size)    data = tokenizer.json; m2v_tokenizer_load_from_memory, then
 *                                     m2v_tokenizer_encode of fixed texts with and without
 *                                     special tokens.
 *   m2v_fuzz_encode(data, size)       data[0] picks a fixture model, data[1] the options, the
 *                                     rest is 1-4 texts; m2v_encode, m2v_tokenize,
 *                                     m2v_encode_as_sequence and m2v_tokenizer_encode.
 * m2v_fuzz_init() must run first (it creates the temp folder and loads the fixture models from
 * $M2V_FIXTURES, default ../shared/fixtures; models that are missing are skipped).
 */
#ifndef M2V_FUZZ_TARGETS_H
#define M2V_FUZZ_TARGETS_H

#define _GNU_SOURCE
#include <m2v.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FZ_REQUIRE(cond, ...)                                                                \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "m2v fuzz contract violated at %s:%d: %s: ", __FILE__, __LINE__, \
                    #cond);                                                                  \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fprintf(stderr, " [last error: %s]\n", m2v_last_error());                        \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

/* A status is valid and, if a failure, has a message. */
static void fz_check_status(m2v_status st, const char *what) {
    FZ_REQUIRE((int)st >= 0 && (int)st <= M2V_ERR_INTERNAL, "%s returned %d", what, (int)st);
    FZ_REQUIRE(st != M2V_ERR_INTERNAL, "%s: internal error", what);
    if (st != M2V_OK) FZ_REQUIRE(m2v_last_error()[0] != 0, "%s failed (%s) without a message", what, m2v_status_name(st));
}

/* Strict UTF-8 validity (no overlongs, no surrogates, <= U+10FFFF), as the library requires. */
static int fz_valid_utf8(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t k;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) { k = 1; cp = c & 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { k = 2; cp = c & 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { k = 3; cp = c & 0x07; min = 0x10000; }
        else return 0;
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += k + 1;
    }
    return 1;
}

static void fz_check_ids(const m2v_ids *ids, size_t n_texts, size_t vocab, int check_vocab) {
    FZ_REQUIRE(ids != NULL, "ids NULL on success");
    FZ_REQUIRE(ids->n_texts == n_texts, "n_texts %zu vs %zu", ids->n_texts, n_texts);
    FZ_REQUIRE(ids->offsets[0] == 0, "offsets[0] = %zu", ids->offsets[0]);
    for (size_t i = 0; i < n_texts; i++) FZ_REQUIRE(ids->offsets[i] <= ids->offsets[i + 1], "offsets not monotonic at %zu", i);
    if (check_vocab)
        for (size_t k = 0; k < ids->offsets[n_texts]; k++)
            FZ_REQUIRE(ids->ids[k] >= 0 && (size_t)ids->ids[k] < vocab, "id %d outside vocabulary %zu", ids->ids[k], vocab);
}

/* ---- state ---- */

static char fz_dir[256];
static char fz_st_path[300];

enum { FZ_MAX_MODELS = 16 };
static m2v_model *fz_models[FZ_MAX_MODELS];
static m2v_tokenizer *fz_tokenizers[FZ_MAX_MODELS];
static int fz_n_models = 0;

/* The 8-token WordLevel tokenizer of the safetensors target (ids 0..7, [UNK] = 1). */
static const char fz_tiny_tokenizer[] =
    "{\"version\":\"1.0\",\"added_tokens\":[{\"id\":1,\"content\":\"[UNK]\",\"special\":true,"
    "\"normalized\":false}],\"normalizer\":{\"type\":\"Lowercase\"},"
    "\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,"
    "\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"[PAD]\":0,\"[UNK]\":1,\"a\":2,\"b\":3,\"c\":4,"
    "\"the\":5,\".\":6,\"dog\":7},\"unk_token\":\"[UNK]\"}}";
static const char fz_tiny_config[] = "{\"model_type\":\"model2vec\",\"normalize\":true,\"max_length\":512}";

static int fz_write(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = len ? fwrite(data, 1, len, f) : 0;
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

static const char *fz_fixtures(void) {
    const char *f = getenv("M2V_FIXTURES");
    return f && *f ? f : "../shared/fixtures";
}

static const char *const fz_model_names[] = {
    "trained-wordlevel-5k-nonorm", "trained-unigram-6k-weights", "trained-bytebpe-8k",
    "minilm-vq256-int8", "minilm-pca32-f32", "wordllama-l2bpe-32", "minilm-vocab-pca64",
    "minilm-default",
};

/* Creates the temp folder (in /dev/shm when there is one) and loads the fixture models.
 * `load_models` 0 skips the models (for the safetensors and tokenizer targets). */
static int m2v_fuzz_init(int load_models) {
    if (fz_dir[0]) return 0;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fz_dir, sizeof fz_dir, "%s/m2v-fuzz-XXXXXX", base);
    if (!mkdtemp(fz_dir)) { perror("mkdtemp"); return -1; }
    char p[400];
    snprintf(p, sizeof p, "%s/config.json", fz_dir);
    if (fz_write(p, fz_tiny_config, strlen(fz_tiny_config))) return -1;
    snprintf(p, sizeof p, "%s/tokenizer.json", fz_dir);
    if (fz_write(p, fz_tiny_tokenizer, strlen(fz_tiny_tokenizer))) return -1;
    snprintf(fz_st_path, sizeof fz_st_path, "%s/model.safetensors", fz_dir);
    if (!load_models) return 0;
    for (size_t i = 0; i < sizeof fz_model_names / sizeof *fz_model_names && fz_n_models < FZ_MAX_MODELS; i++) {
        char dir[600], tok[700];
        snprintf(dir, sizeof dir, "%s/models/%s", fz_fixtures(), fz_model_names[i]);
        snprintf(tok, sizeof tok, "%s/tokenizer.json", dir);
        m2v_model *m = NULL;
        m2v_tokenizer *t = NULL;
        if (m2v_model_load(dir, NULL, &m) != M2V_OK) { fprintf(stderr, "fuzz: skip %s: %s\n", dir, m2v_last_error()); continue; }
        if (m2v_tokenizer_load(tok, &t) != M2V_OK) { m2v_model_free(m); continue; }
        fz_models[fz_n_models] = m;
        fz_tokenizers[fz_n_models] = t;
        fz_n_models++;
    }
    return 0;
}

/* Removes the temp folder and frees the models (for the replaying test; libFuzzer never
 * returns). */
static void m2v_fuzz_fini(void) {
    for (int i = 0; i < fz_n_models; i++) { m2v_model_free(fz_models[i]); m2v_tokenizer_free(fz_tokenizers[i]); }
    fz_n_models = 0;
    if (fz_dir[0]) {
        char p[400];
        const char *names[] = {"config.json", "tokenizer.json", "model.safetensors"};
        for (int i = 0; i < 3; i++) { snprintf(p, sizeof p, "%s/%s", fz_dir, names[i]); unlink(p); }
        rmdir(fz_dir);
        fz_dir[0] = 0;
    }
}

/* Encodes, tokenizes and sequences `n` texts with one model and checks the results. */
static void fz_exercise_model(const m2v_model *m, const char *const *texts, const size_t *lens, size_t n,
                              const m2v_encode_params *p, int expect_finite) {
    size_t dim = m2v_model_dim(m), vocab = m2v_model_vocab_size(m);
    FZ_REQUIRE(dim > 0 && vocab > 0, "dim %zu vocab %zu", dim, vocab);
    float *out = malloc(n * dim * sizeof(float) + 1);
    m2v_status se = m2v_encode(m, texts, lens, n, p, out, n * dim);
    fz_check_status(se, "m2v_encode");
    FZ_REQUIRE(se == M2V_OK || se == M2V_ERR_INVALID_UTF8, "encode: %s", m2v_status_name(se));
    if (se == M2V_OK && expect_finite)
        for (size_t k = 0; k < n * dim; k++) FZ_REQUIRE(isfinite(out[k]), "encode gave %g at %zu", out[k], k);
    free(out);

    m2v_ids *ids = (m2v_ids *)1;
    m2v_status st = m2v_tokenize(m, texts, lens, n, p, &ids);
    fz_check_status(st, "m2v_tokenize");
    FZ_REQUIRE(st == se, "tokenize %s vs encode %s", m2v_status_name(st), m2v_status_name(se));
    FZ_REQUIRE((st == M2V_OK) == (ids != NULL), "tokenize out %p with %s", (void *)ids, m2v_status_name(st));
    if (ids) fz_check_ids(ids, n, vocab, 1);

    m2v_sequence *seq = (m2v_sequence *)1;
    m2v_status ss = m2v_encode_as_sequence(m, texts, lens, n, p, &seq);
    fz_check_status(ss, "m2v_encode_as_sequence");
    FZ_REQUIRE(ss == se, "sequence %s vs encode %s", m2v_status_name(ss), m2v_status_name(se));
    FZ_REQUIRE((ss == M2V_OK) == (seq != NULL), "sequence out with %s", m2v_status_name(ss));
    if (seq) {
        FZ_REQUIRE(seq->n_texts == n && seq->dim == dim && seq->offsets[0] == 0, "sequence header");
        for (size_t i = 0; i < n; i++) FZ_REQUIRE(seq->offsets[i] <= seq->offsets[i + 1], "sequence offsets");
        /* Same truncation only when max_length is explicit: a negative one means each call's own
         * default (512 for tokenize, none for encode_as_sequence). */
        if (ids && p && p->max_length >= 0)
            FZ_REQUIRE(seq->offsets[n] == ids->offsets[n], "sequence rows %zu vs tokenize ids %zu", seq->offsets[n], ids->offsets[n]);
        if (expect_finite)
            for (size_t k = 0; k < seq->offsets[n] * dim; k++) FZ_REQUIRE(isfinite(seq->vectors[k]), "sequence value");
    }
    m2v_sequence_free(seq);
    m2v_ids_free(ids);
}

/* ---- (a) safetensors ---- */

static int m2v_fuzz_safetensors(const uint8_t *data, size_t size) {
    if (fz_write(fz_st_path, data, size)) return 0;
    m2v_model *m = (m2v_model *)1;
    m2v_status st = m2v_model_load(fz_dir, NULL, &m);
    fz_check_status(st, "m2v_model_load");
    FZ_REQUIRE((st == M2V_OK) == (m != NULL), "load out %p with %s", (void *)m, m2v_status_name(st));
    FZ_REQUIRE(st == M2V_OK || st == M2V_ERR_FORMAT || st == M2V_ERR_UNSUPPORTED || st == M2V_ERR_OUT_OF_MEMORY,
               "load gave %s", m2v_status_name(st));
    if (m) {
        const char *texts[] = {"the dog", "A b C zz .", "", "\xff"};
        size_t lens[] = {7, 10, 0, 1};
        m2v_encode_params p = m2v_encode_default_params();
        p.n_threads = 1;
        fz_exercise_model(m, texts, lens, 3, &p, 0);
        fz_exercise_model(m, texts, lens, 4, &p, 0);
        for (int32_t id = -1; id <= (int32_t)m2v_model_vocab_size(m); id++) {
            size_t len = 99;
            const char *s = m2v_model_token(m, id, &len);
            if (!s) FZ_REQUIRE(len == 0, "token NULL with len %zu", len);
        }
        m2v_model_free(m);
    }
    return 0;
}

/* ---- (b) tokenizer.json ---- */

static int m2v_fuzz_tokenizer(const uint8_t *data, size_t size) {
    m2v_tokenizer *t = (m2v_tokenizer *)1;
    m2v_status st = m2v_tokenizer_load_from_memory((const char *)data, size, &t);
    fz_check_status(st, "m2v_tokenizer_load_from_memory");
    FZ_REQUIRE((st == M2V_OK) == (t != NULL), "load out with %s", m2v_status_name(st));
    FZ_REQUIRE(st == M2V_OK || st == M2V_ERR_FORMAT || st == M2V_ERR_UNSUPPORTED || st == M2V_ERR_OUT_OF_MEMORY,
               "load gave %s", m2v_status_name(st));
    if (!t) return 0;
    const char *texts[] = {"Hello, world! The quick brown fox.", "  leading and trailing  ",
                           "d\xc3\xa9j\xc3\xa0 vu \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80 [CLS] <s> <unk> 12345",
                           "", "a\0b", "\xff"};
    size_t lens[] = {34, 24, 37, 0, 3, 1};
    for (int special = 0; special <= 1; special++) {
        m2v_ids *ids = (m2v_ids *)1;
        m2v_status se = m2v_tokenizer_encode(t, texts, lens, 5, special, &ids);
        fz_check_status(se, "m2v_tokenizer_encode");
        FZ_REQUIRE(se == M2V_OK || se == M2V_ERR_OUT_OF_MEMORY, "encode gave %s", m2v_status_name(se));
        if (ids) fz_check_ids(ids, 5, 0, 0);
        m2v_ids_free(ids);
        ids = (m2v_ids *)1;
        se = m2v_tokenizer_encode(t, texts, lens, 6, special, &ids);
        FZ_REQUIRE(se == M2V_ERR_INVALID_UTF8 && ids == NULL, "0xFF gave %s", m2v_status_name(se));
    }
    /* The input itself as text. */
    const char *self = (const char *)data;
    m2v_ids *ids = (m2v_ids *)1;
    m2v_status se = m2v_tokenizer_encode(t, &self, &size, 1, 1, &ids);
    fz_check_status(se, "m2v_tokenizer_encode(self)");
    m2v_ids_free(ids);
    m2v_tokenizer_free(t);
    return 0;
}

/* ---- (c) encode ---- */

static int m2v_fuzz_encode(const uint8_t *data, size_t size) {
    if (size < 3 || fz_n_models == 0) return 0;
    int which = data[0] % fz_n_models;
    uint8_t opt = data[1];
    size_t n = 1 + (data[2] & 3);
    data += 3;
    size -= 3;
    const m2v_model *m = fz_models[which];
    m2v_tokenizer *t = fz_tokenizers[which];
    const char *texts[4];
    size_t lens[4];
    int all_valid = 1;
    for (size_t i = 0; i < n; i++) {
        size_t a = size * i / n, b = size * (i + 1) / n;
        texts[i] = (const char *)data + a;
        lens[i] = b - a;
        if (!fz_valid_utf8(data + a, b - a)) all_valid = 0;
    }
    static const int32_t max_lengths[] = {512, 0, 1, 2, 3, 16, 100, -1};
    m2v_encode_params p = m2v_encode_default_params();
    p.max_length = max_lengths[opt & 7];
    p.normalize = (int32_t)((opt >> 3) % 3) - 1;
    p.n_threads = (opt & 0x20) ? 2 : 1;
    p.batch_size = (opt & 0x40) ? 1 : 0;
    fz_exercise_model(m, texts, lens, n, &p, 1);

    m2v_ids *ids = (m2v_ids *)1;
    m2v_status st = m2v_tokenizer_encode(t, texts, lens, n, (opt >> 7) & 1, &ids);
    fz_check_status(st, "m2v_tokenizer_encode");
    FZ_REQUIRE(all_valid ? st == M2V_OK : st == M2V_ERR_INVALID_UTF8, "valid %d gave %s", all_valid, m2v_status_name(st));
    if (ids) fz_check_ids(ids, n, m2v_tokenizer_vocab_size(t), 1);
    m2v_ids_free(ids);
    return 0;
}

#endif /* M2V_FUZZ_TARGETS_H */
