/* test_api.c — drives libm2v.so through include/m2v.h the way a foreign user does: version,
 * error paths, NULL arguments, buffer sizes, invalid UTF-8, thread-local errors, determinism
 * across thread counts, concurrent use of one model, save + reload.
 *
 * Built by `make test-c` with `pkg-config --cflags --libs m2v`. Model: $M2V_TEST_MODEL, else
 * ../shared/fixtures/models/minilm-default (a missing model fails under CI=true). */
#define _XOPEN_SOURCE 700
#include <m2v.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

static int passed = 0, failed = 0;
#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (cond) { passed++; }                                                            \
        else { failed++; fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);  \
               fprintf(stderr, __VA_ARGS__); fprintf(stderr, " [last error: %s]\n", m2v_last_error()); } \
    } while (0)

static void test_version(void) {
    CHECK(m2v_version_number() == M2V_VERSION_NUMBER, "library %u vs header %d", m2v_version_number(), M2V_VERSION_NUMBER);
    CHECK(strcmp(m2v_version_string(), M2V_VERSION_STRING) == 0, "%s", m2v_version_string());
    CHECK(strcmp(m2v_version(), M2V_VERSION_STRING) == 0, "%s", m2v_version());
    CHECK(strcmp(m2v_status_name(M2V_OK), "M2V_OK") == 0, "ok name");
    CHECK(strcmp(m2v_status_name(M2V_ERR_FORMAT), "M2V_ERR_FORMAT") == 0, "format name");
    CHECK(strcmp(m2v_status_name(M2V_ERR_INTERNAL), "M2V_ERR_INTERNAL") == 0, "internal name");
    CHECK(strcmp(m2v_status_name(999), "M2V_ERR_UNKNOWN") == 0, "unknown name");
    CHECK(strcmp(m2v_status_name(-1), "M2V_ERR_UNKNOWN") == 0, "negative name");
}

static void test_null_arguments(void) {
    m2v_model *m = (m2v_model *)0x1;
    CHECK(m2v_model_load(NULL, NULL, &m) == M2V_ERR_INVALID_ARGUMENT, "NULL path");
    CHECK(m == NULL, "out cleared on failure");
    CHECK(strlen(m2v_last_error()) > 0, "message set");
    CHECK(m2v_model_load("/nonexistent", NULL, NULL) == M2V_ERR_INVALID_ARGUMENT, "NULL out");
    CHECK(m2v_model_load("/nonexistent/model", NULL, &m) == M2V_ERR_NOT_FOUND, "missing folder");
    CHECK(strstr(m2v_last_error(), "/nonexistent/model") != NULL, "message names the path: %s", m2v_last_error());
    m2v_model_free(NULL);
    m2v_ids_free(NULL);
    m2v_sequence_free(NULL);
    m2v_tokenizer_free(NULL);
    CHECK(m2v_model_dim(NULL) == 0, "dim NULL");
    CHECK(m2v_model_vocab_size(NULL) == 0, "vocab NULL");
    CHECK(m2v_model_normalize(NULL) == -1, "normalize NULL");
    size_t len = 7;
    CHECK(m2v_model_token(NULL, 0, &len) == NULL && len == 0, "token NULL");
    float out[4];
    const char *t = "x";
    size_t l = 1;
    CHECK(m2v_encode(NULL, &t, &l, 1, NULL, out, 4) == M2V_ERR_INVALID_ARGUMENT, "encode NULL model");
    m2v_ids *ids = (m2v_ids *)0x1;
    CHECK(m2v_tokenize(NULL, &t, &l, 1, NULL, &ids) == M2V_ERR_INVALID_ARGUMENT && ids == NULL, "tokenize NULL model");
    CHECK(m2v_model_save(NULL, "/tmp/x") == M2V_ERR_INVALID_ARGUMENT, "save NULL model");
    m2v_tokenizer *tk = NULL;
    CHECK(m2v_tokenizer_load(NULL, &tk) == M2V_ERR_INVALID_ARGUMENT, "tokenizer NULL path");
    CHECK(m2v_tokenizer_encode(NULL, &t, &l, 1, 0, &ids) == M2V_ERR_INVALID_ARGUMENT, "tokenizer encode NULL");
}

static void test_tokenizer_errors(void) {
    m2v_tokenizer *tk = NULL;
    const char *bad = "{\"model\": ";
    CHECK(m2v_tokenizer_load_from_memory(bad, strlen(bad), &tk) == M2V_ERR_FORMAT && tk == NULL, "truncated JSON");
    const char *unsup = "{\"normalizer\": {\"type\": \"NoSuchThing\"}, \"pre_tokenizer\": null, "
                        "\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0, \"[UNK]\": 1}, \"unk_token\": \"[UNK]\"}}";
    CHECK(m2v_tokenizer_load_from_memory(unsup, strlen(unsup), &tk) == M2V_ERR_UNSUPPORTED, "unsupported normalizer");
    CHECK(strstr(m2v_last_error(), "NoSuchThing") != NULL, "message names it: %s", m2v_last_error());
    const char *ok = "{\"normalizer\": null, \"pre_tokenizer\": {\"type\": \"WhitespaceSplit\"}, "
                     "\"model\": {\"type\": \"WordLevel\", \"vocab\": {\"a\": 0, \"[UNK]\": 1, \"b\": 2}, \"unk_token\": \"[UNK]\"}}";
    CHECK(m2v_tokenizer_load_from_memory(ok, strlen(ok), &tk) == M2V_OK && tk != NULL, "wordlevel loads");
    if (!tk) return;
    CHECK(m2v_tokenizer_vocab_size(tk) == 3, "vocab 3");
    {   /* m2v_tokenizer_token: two-call pattern, unknown ids, bad arguments */
        char buf[8] = {0};
        size_t need = 99;
        CHECK(m2v_tokenizer_token(tk, 1, NULL, 0, &need) == M2V_ERR_BUFFER_TOO_SMALL && need == 5, "token size 5 (%zu)", need);
        CHECK(m2v_tokenizer_token(tk, 1, buf, 4, &need) == M2V_ERR_BUFFER_TOO_SMALL && buf[0] == 0, "too small writes nothing");
        CHECK(m2v_tokenizer_token(tk, 1, buf, sizeof buf, &need) == M2V_OK && need == 5 && memcmp(buf, "[UNK]", 5) == 0, "token 1 is [UNK]");
        CHECK(m2v_tokenizer_token(tk, 2, buf, sizeof buf, NULL) == M2V_OK && buf[0] == 'b', "token 2 is b");
        CHECK(m2v_tokenizer_token(tk, 3, buf, sizeof buf, &need) == M2V_ERR_NOT_FOUND && need == 0, "id 3 not found");
        CHECK(m2v_tokenizer_token(tk, -1, buf, sizeof buf, &need) == M2V_ERR_NOT_FOUND, "id -1 not found");
        CHECK(m2v_tokenizer_token(NULL, 0, buf, sizeof buf, &need) == M2V_ERR_INVALID_ARGUMENT, "NULL tokenizer");
        CHECK(m2v_tokenizer_token(tk, 0, NULL, 4, &need) == M2V_ERR_INVALID_ARGUMENT, "NULL out with capacity");
    }
    const char *texts[] = {"a b c a", "", "\xff\xfe"};
    size_t lens[] = {7, 0, 2};
    m2v_ids *ids = NULL;
    CHECK(m2v_tokenizer_encode(tk, texts, lens, 2, 0, &ids) == M2V_OK, "encode");
    if (ids) {
        CHECK(ids->n_texts == 2 && ids->offsets[1] == 4 && ids->offsets[2] == 4, "offsets");
        CHECK(ids->ids[0] == 0 && ids->ids[1] == 2 && ids->ids[2] == 1 && ids->ids[3] == 0, "ids");
        m2v_ids_free(ids);
    }
    ids = (m2v_ids *)0x1;
    CHECK(m2v_tokenizer_encode(tk, texts, lens, 3, 0, &ids) == M2V_ERR_INVALID_UTF8 && ids == NULL, "invalid utf8");
    CHECK(strstr(m2v_last_error(), "text 2") != NULL, "names the text: %s", m2v_last_error());
    m2v_tokenizer_free(tk);
}

/* Thread-local last error: a failure on one thread is not visible on another. */
static void *fail_in_thread(void *arg) {
    (void)arg;
    m2v_model *m = NULL;
    int st = m2v_model_load("/nonexistent/other", NULL, &m);
    return (void *)(size_t)(st == M2V_ERR_NOT_FOUND && strstr(m2v_last_error(), "other") != NULL);
}

static void test_thread_local_error(void) {
    m2v_model *m = NULL;
    CHECK(m2v_model_load("/nonexistent/main", NULL, &m) != M2V_OK, "fails");
    pthread_t th;
    void *res = NULL;
    pthread_create(&th, NULL, fail_in_thread, NULL);
    pthread_join(th, &res);
    CHECK(res == (void *)1, "thread saw its own error");
    CHECK(strstr(m2v_last_error(), "main") != NULL, "main thread keeps its error: %s", m2v_last_error());
    CHECK(strcmp(m2v_version(), M2V_VERSION_STRING) == 0, "version");
}

/* ---- with a model ---- */

enum { N_TEXTS = 600 };
static char *g_texts[N_TEXTS];
static size_t g_lens[N_TEXTS];

static void make_texts(void) {
    const char *words[] = {"the", "quick", "brown", "fox", "jumps", "über", "naïve", "日本語", "emoji 😀",
                           "tokenization", "Model2Vec", "embeddings", "!", "42", "déjà vu", "straße"};
    const size_t nw = sizeof words / sizeof words[0];
    unsigned s = 12345;
    for (int i = 0; i < N_TEXTS; i++) {
        char buf[2048] = {0};
        int nwords = 1 + (i * 7) % 60;
        for (int k = 0; k < nwords; k++) {
            s = s * 1103515245u + 12345u;
            strcat(buf, words[(s >> 16) % nw]);
            strcat(buf, " ");
        }
        g_texts[i] = strdup(buf);
        g_lens[i] = strlen(buf);
    }
}

struct worker { const m2v_model *m; const float *expected; size_t dim; int ok; };

static void *encode_worker(void *arg) {
    struct worker *w = arg;
    w->ok = 1;
    float *out = malloc(N_TEXTS * w->dim * sizeof(float));
    m2v_encode_params p = m2v_encode_default_params();
    p.n_threads = 1;
    for (int rep = 0; rep < 3 && w->ok; rep++) {
        if (m2v_encode(w->m, (const char *const *)g_texts, g_lens, N_TEXTS, &p, out, N_TEXTS * w->dim) != M2V_OK ||
            memcmp(out, w->expected, N_TEXTS * w->dim * sizeof(float)) != 0)
            w->ok = 0;
    }
    free(out);
    return NULL;
}

static int progress_calls = 0;
static int cancel_after_first(size_t done, size_t total, void *user) {
    (void)done; (void)total; (void)user;
    progress_calls++;
    return 1;
}

static void test_model(const char *path) {
    m2v_model *m = NULL;
    CHECK(m2v_model_load(path, NULL, &m) == M2V_OK && m, "load %s", path);
    if (!m) return;
    size_t dim = m2v_model_dim(m);
    CHECK(dim > 0, "dim");
    CHECK(m2v_model_vocab_size(m) > 0, "vocab");
    size_t tl = 0;
    const char *tok = m2v_model_token(m, 0, &tl);
    CHECK(tok != NULL && strlen(tok) == tl, "token 0");
    CHECK(m2v_model_token(m, -1, &tl) == NULL && tl == 0, "token -1");
    CHECK(m2v_model_token(m, (int32_t)m2v_model_vocab_size(m), &tl) == NULL, "token past end");

    float *a = calloc(N_TEXTS * dim, sizeof(float));
    float *b = calloc(N_TEXTS * dim, sizeof(float));
    m2v_encode_params p = m2v_encode_default_params();
    p.n_threads = 1;
    CHECK(m2v_encode(m, (const char *const *)g_texts, g_lens, N_TEXTS, &p, a, N_TEXTS * dim) == M2V_OK, "encode 1 thread");
    p.n_threads = 0;
    p.batch_size = 37;
    CHECK(m2v_encode(m, (const char *const *)g_texts, g_lens, N_TEXTS, &p, b, N_TEXTS * dim) == M2V_OK, "encode all threads");
    CHECK(memcmp(a, b, N_TEXTS * dim * sizeof(float)) == 0, "identical bytes whatever the thread count");
    double norm = 0;
    for (size_t k = 0; k < dim; k++) norm += (double)a[k] * a[k];
    if (m2v_model_normalize(m) == 1) CHECK(fabs(norm - 1.0) < 1e-4, "unit norm %f", norm);

    float *scratch = calloc(N_TEXTS * dim, sizeof(float)); /* `a` stays the reference */
    /* buffer too small: error, says the size needed */
    CHECK(m2v_encode(m, (const char *const *)g_texts, g_lens, 2, NULL, scratch, 2 * dim - 1) == M2V_ERR_BUFFER_TOO_SMALL, "small buffer");
    char need[64];
    snprintf(need, sizeof need, "%zu", 2 * dim);
    CHECK(strstr(m2v_last_error(), need) != NULL, "message gives the size: %s", m2v_last_error());
    CHECK(m2v_encode(m, (const char *const *)g_texts, g_lens, 1, NULL, NULL, 0) == M2V_ERR_INVALID_ARGUMENT, "NULL out");
    CHECK(m2v_encode(m, NULL, g_lens, 3, NULL, scratch, 3 * dim) == M2V_ERR_INVALID_ARGUMENT, "NULL texts");
    CHECK(m2v_encode(m, (const char *const *)g_texts, NULL, 3, NULL, scratch, 3 * dim) == M2V_ERR_INVALID_ARGUMENT, "NULL lengths");
    CHECK(m2v_encode(m, NULL, NULL, 0, NULL, NULL, 0) == M2V_OK, "zero texts");
    CHECK(strcmp(m2v_last_error(), "") == 0, "success clears the message");
    const char *weird[] = {"ok", "bad \xc3\x28 utf8", NULL};
    size_t wl[] = {2, 12, 0};
    CHECK(m2v_encode(m, weird, wl, 2, NULL, scratch, 2 * dim) == M2V_ERR_INVALID_UTF8, "invalid UTF-8");
    CHECK(strstr(m2v_last_error(), "text 1") != NULL, "names the text: %s", m2v_last_error());
    const char *nul_text = "a\0b";
    size_t nl = 3;
    CHECK(m2v_encode(m, &nul_text, &nl, 1, NULL, scratch, dim) == M2V_OK, "embedded NUL");
    CHECK(m2v_encode(m, &weird[2], &wl[2], 1, NULL, scratch, dim) == M2V_OK, "NULL text with length 0");
    int zero = 1;
    for (size_t k = 0; k < dim; k++) zero &= scratch[k] == 0.0f;
    CHECK(zero, "empty text gives zeros");
    m2v_encode_params bad = m2v_encode_default_params();
    bad.struct_size = 3;
    CHECK(m2v_encode(m, (const char *const *)g_texts, g_lens, 1, &bad, scratch, dim) == M2V_ERR_INVALID_ARGUMENT, "bad struct_size");
    bad = m2v_encode_default_params();
    bad.normalize = 7;
    CHECK(m2v_encode(m, (const char *const *)g_texts, g_lens, 1, &bad, scratch, dim) == M2V_ERR_INVALID_ARGUMENT, "bad normalize");
    m2v_encode_params cancel = m2v_encode_default_params();
    cancel.batch_size = 100;
    cancel.progress = cancel_after_first;
    CHECK(m2v_encode(m, (const char *const *)g_texts, g_lens, N_TEXTS, &cancel, b, N_TEXTS * dim) == M2V_ERR_CANCELLED, "cancel");
    CHECK(progress_calls == 1, "progress called once before cancelling (%d)", progress_calls);

    /* tokenize and encode_as_sequence agree with encode */
    m2v_ids *ids = NULL;
    CHECK(m2v_tokenize(m, (const char *const *)g_texts, g_lens, 5, NULL, &ids) == M2V_OK && ids, "tokenize");
    m2v_sequence *seq = NULL;
    CHECK(m2v_encode_as_sequence(m, (const char *const *)g_texts, g_lens, 5, NULL, &seq) == M2V_OK && seq, "sequence");
    if (ids && seq) {
        CHECK(seq->n_texts == 5 && seq->dim == dim, "sequence shape");
        CHECK(seq->offsets[5] == ids->offsets[5], "one vector per id (%zu vs %zu)", seq->offsets[5], ids->offsets[5]);
        /* mean of the sequence rows, normalized, equals encode's vector for text 0 */
        size_t r0 = seq->offsets[0], r1 = seq->offsets[1];
        double s2 = 0;
        float *mean = calloc(dim, sizeof(float));
        for (size_t r = r0; r < r1; r++)
            for (size_t k = 0; k < dim; k++) mean[k] += seq->vectors[r * dim + k] / (float)(r1 - r0);
        for (size_t k = 0; k < dim; k++) s2 += (double)mean[k] * mean[k];
        double maxdiff = 0;
        float *e0 = calloc(dim, sizeof(float));
        CHECK(m2v_encode(m, (const char *const *)g_texts, g_lens, 1, NULL, e0, dim) == M2V_OK, "encode text 0");
        for (size_t k = 0; k < dim; k++) {
            double v = m2v_model_normalize(m) == 1 ? mean[k] / sqrt(s2) : mean[k];
            double d = fabs(v - e0[k]);
            if (d > maxdiff) maxdiff = d;
        }
        CHECK(maxdiff < 1e-5, "sequence mean == encode (max diff %g)", maxdiff);
        free(mean);
        free(e0);
    }
    m2v_ids_free(ids);
    m2v_sequence_free(seq);

    /* m2v_encode_ids(m2v_tokenize(texts)) == m2v_encode(texts), byte for byte, any thread count */
    ids = NULL;
    CHECK(m2v_tokenize(m, (const char *const *)g_texts, g_lens, N_TEXTS, NULL, &ids) == M2V_OK && ids, "tokenize all");
    if (ids) {
        for (int t = 0; t < 3; t++) {
            m2v_encode_params ip = m2v_encode_default_params();
            ip.n_threads = t;
            memset(scratch, 0xff, N_TEXTS * dim * sizeof(float));
            CHECK(m2v_encode_ids(m, ids->ids, ids->offsets, N_TEXTS, &ip, scratch, N_TEXTS * dim) == M2V_OK,
                  "encode_ids n_threads %d", t);
            CHECK(memcmp(scratch, a, N_TEXTS * dim * sizeof(float)) == 0, "encode_ids == encode (n_threads %d)", t);
        }
        CHECK(m2v_encode_ids(m, ids->ids, ids->offsets, 2, NULL, scratch, 2 * dim - 1) == M2V_ERR_BUFFER_TOO_SMALL,
              "encode_ids small buffer");
        CHECK(m2v_encode_ids(m, NULL, ids->offsets, 2, NULL, scratch, 2 * dim) == M2V_ERR_INVALID_ARGUMENT, "ids NULL");
        CHECK(m2v_encode_ids(m, ids->ids, NULL, 2, NULL, scratch, 2 * dim) == M2V_ERR_INVALID_ARGUMENT, "offsets NULL");
        CHECK(m2v_encode_ids(m, ids->ids, ids->offsets, 2, NULL, NULL, 2 * dim) == M2V_ERR_INVALID_ARGUMENT, "out NULL");
        CHECK(m2v_encode_ids(m, NULL, NULL, 0, NULL, NULL, 0) == M2V_OK, "encode_ids zero texts");
        int32_t bad_ids[] = {1, 2, (int32_t)m2v_model_vocab_size(m), -5};
        size_t bad_off[] = {0, 2, 3, 4};
        CHECK(m2v_encode_ids(m, bad_ids, bad_off, 3, NULL, scratch, 3 * dim) == M2V_ERR_INVALID_ARGUMENT &&
              strstr(m2v_last_error(), "text 1") && strstr(m2v_last_error(), "ids[2]"), "id past the vocabulary");
        size_t down[] = {0, 3, 1, 4};
        CHECK(m2v_encode_ids(m, bad_ids, down, 3, NULL, scratch, 3 * dim) == M2V_ERR_INVALID_ARGUMENT, "offsets going down");
        size_t not0[] = {1, 2};
        CHECK(m2v_encode_ids(m, bad_ids, not0, 1, NULL, scratch, dim) == M2V_ERR_INVALID_ARGUMENT, "offsets[0] != 0");
        /* max_length keeps the first ids: text 0 truncated to 1 id == the pool of that one id */
        m2v_encode_params ml = m2v_encode_default_params();
        ml.max_length = 1;
        float *one = calloc(dim, sizeof(float));
        size_t off1[] = {0, 1};
        CHECK(m2v_encode_ids(m, ids->ids, ids->offsets, 1, &ml, scratch, dim) == M2V_OK &&
              m2v_encode_ids(m, ids->ids, off1, 1, NULL, one, dim) == M2V_OK &&
              memcmp(scratch, one, dim * sizeof(float)) == 0, "encode_ids max_length");
        free(one);
    }
    m2v_ids_free(ids);

    /* concurrent encoders on one model give the single-thread bytes */
    enum { NW = 8 };
    pthread_t th[NW];
    struct worker w[NW];
    for (int i = 0; i < NW; i++) { w[i] = (struct worker){m, a, dim, 0}; pthread_create(&th[i], NULL, encode_worker, &w[i]); }
    int all_ok = 1;
    for (int i = 0; i < NW; i++) { pthread_join(th[i], NULL); all_ok &= w[i].ok; }
    CHECK(all_ok, "8 concurrent encoders match");

    /* save, reload, same vectors */
    char dir[] = "/tmp/m2v-test-save-XXXXXX";
    if (mkdtemp(dir)) {
        char sub[600];
        snprintf(sub, sizeof sub, "%s/model", dir);
        CHECK(m2v_model_save(m, sub) == M2V_OK, "save");
        m2v_model *m2 = NULL;
        CHECK(m2v_model_load(sub, NULL, &m2) == M2V_OK, "reload");
        if (m2) {
            p = m2v_encode_default_params();
            p.n_threads = 1;
            CHECK(m2v_encode(m2, (const char *const *)g_texts, g_lens, N_TEXTS, &p, b, N_TEXTS * dim) == M2V_OK, "encode reloaded");
            CHECK(memcmp(a, b, N_TEXTS * dim * sizeof(float)) == 0, "reloaded model gives the same bytes");
            m2v_model_free(m2);
        }
        const char *files[] = {"config.json", "model.safetensors", "tokenizer.json", "modules.json", "README.md"};
        for (int i = 0; i < 5; i++) {
            char f[700];
            snprintf(f, sizeof f, "%s/%s", sub, files[i]);
            struct stat st;
            CHECK(stat(f, &st) == 0 && st.st_size > 0, "%s written", files[i]);
            unlink(f);
        }
        rmdir(sub);
        rmdir(dir);
    }
    free(a);
    free(b);
    free(scratch);
    m2v_model_free(m);
}

/* 0.2: a model's data (tensors, config, metadata, tokenizer.json), a model rebuilt from those
 * arrays (m2v_model_create) encoding byte-identically, quantize and save_v2. */
/* nftw callback: removes one entry of a test's temporary folder (depth first, links not followed). */
static int remove_entry(const char *p, const struct stat *s, int flag, struct FTW *f) {
    (void)s; (void)flag; (void)f;
    return remove(p);
}

static void test_model_data(const char *path) {
    m2v_model *m = NULL;
    CHECK(m2v_model_load(path, NULL, &m) == M2V_OK, "load %s: %s", path, m2v_last_error());
    if (!m) return;
    size_t dim = m2v_model_dim(m), n = 0;
    CHECK(m2v_model_max_length(m) == m2v_default_max_length() || m2v_model_max_length(m) > 0, "max_length");
    CHECK(m2v_model_max_length(NULL) == -1 && m2v_model_unk_token_id(NULL) == -1, "NULL accessors");
    CHECK(m2v_model_median_token_length(m) > 0, "median token length");
    const char *cfg = m2v_model_config_json(m, &n);
    CHECK(cfg && n == strlen(cfg) && strstr(cfg, "\"normalize\"") && strstr(cfg, "\"max_length\""), "config json %s", cfg ? cfg : "(null)");
    const char *meta = m2v_model_metadata_json(m, &n);
    CHECK(meta && strstr(meta, "\"base_model\""), "metadata json");
    m2v_tensor emb, none;
    CHECK(m2v_model_tensor(m, "embeddings", &emb) == M2V_OK && emb.ndim == 2 && emb.shape[1] == dim &&
          emb.data != NULL, "embeddings tensor");
    CHECK(m2v_model_tensor(m, "mapping", &none) == M2V_ERR_NOT_FOUND && none.data == NULL, "no mapping");
    CHECK(m2v_model_tensor(m, "bogus", &none) == M2V_ERR_INVALID_ARGUMENT, "unknown tensor name");
    CHECK(m2v_model_tensor(m, NULL, &none) == M2V_ERR_INVALID_ARGUMENT, "NULL tensor name");
    size_t tj_len = 0;
    CHECK(m2v_model_tokenizer_json(m, NULL, 0, &tj_len) == M2V_OK && tj_len > 0, "tokenizer json size");
    char small[4];
    CHECK(m2v_model_tokenizer_json(m, small, sizeof small, &tj_len) == M2V_ERR_BUFFER_TOO_SMALL, "tokenizer json too small");
    char *tj = malloc(tj_len);
    CHECK(m2v_model_tokenizer_json(m, tj, tj_len, &tj_len) == M2V_OK && tj[0] == '{', "tokenizer json");

    m2v_model_spec spec = m2v_model_spec_default();
    spec.embeddings = emb;
    spec.tokenizer_json = tj;
    spec.tokenizer_json_len = tj_len;
    spec.config_json = cfg;
    spec.config_json_len = strlen(cfg);
    m2v_model *c = NULL;
    CHECK(m2v_model_create(&spec, &c) == M2V_OK, "create: %s", m2v_last_error());
    float *a = calloc(N_TEXTS * dim, sizeof(float)), *b = calloc(N_TEXTS * dim, sizeof(float));
    if (c) {
        CHECK(m2v_encode(m, (const char *const *)g_texts, g_lens, N_TEXTS, NULL, a, N_TEXTS * dim) == M2V_OK &&
              m2v_encode(c, (const char *const *)g_texts, g_lens, N_TEXTS, NULL, b, N_TEXTS * dim) == M2V_OK &&
              memcmp(a, b, N_TEXTS * dim * sizeof(float)) == 0, "created model encodes identically");
        CHECK(m2v_model_normalize(c) == m2v_model_normalize(m), "created model keeps config normalize");
    }
    m2v_model_free(c);
    c = NULL;
    m2v_model_spec bad = spec;
    bad.embeddings.nbytes -= 1;
    CHECK(m2v_model_create(&bad, &c) == M2V_ERR_INVALID_ARGUMENT && c == NULL, "create: nbytes mismatch");
    bad = spec;
    bad.embeddings.shape[0] -= 1;
    bad.embeddings.nbytes = bad.embeddings.shape[0] * bad.embeddings.shape[1] * 2;
    CHECK(m2v_model_create(&bad, &c) == M2V_ERR_FORMAT && c == NULL, "create: rows != vocabulary: %s", m2v_last_error());
    bad = spec;
    bad.embeddings.dtype = 77;
    CHECK(m2v_model_create(&bad, &c) == M2V_ERR_INVALID_ARGUMENT, "create: bad dtype");
    bad = spec;
    bad.config_json = "[1]";
    bad.config_json_len = 3;
    CHECK(m2v_model_create(&bad, &c) == M2V_ERR_INVALID_ARGUMENT, "create: config not an object");
    bad = spec;
    bad.tokenizer_json_len = 10;
    CHECK(m2v_model_create(&bad, &c) == M2V_ERR_FORMAT, "create: truncated tokenizer json");
    bad = spec;
    bad.struct_size = 8;
    CHECK(m2v_model_create(&bad, &c) == M2V_ERR_INVALID_ARGUMENT, "create: struct_size");
    CHECK(m2v_model_create(NULL, &c) == M2V_ERR_INVALID_ARGUMENT && m2v_model_create(&spec, NULL) == M2V_ERR_INVALID_ARGUMENT, "create NULLs");

    m2v_quantize_params qp = m2v_quantize_default_params();
    qp.quantize_to = M2V_QUANTIZE_INT8;
    qp.dimensionality = 8;
    m2v_model *q = NULL;
    CHECK(m2v_model_quantize(m, &qp, &q) == M2V_OK && m2v_model_dim(q) == 8, "quantize int8 dim 8: %s", m2v_last_error());
    m2v_tensor qt;
    CHECK(q && m2v_model_tensor(q, "embeddings", &qt) == M2V_OK && qt.dtype == M2V_DTYPE_I8, "quantized dtype int8");
    m2v_model_free(q);
    q = NULL;
    qp.dimensionality = (int32_t)dim + 1;
    CHECK(m2v_model_quantize(m, &qp, &q) == M2V_ERR_INVALID_ARGUMENT && q == NULL, "quantize: dimensionality too big");

    char dir[] = "/tmp/m2v-save-v2-XXXXXX";
    if (mkdtemp(dir)) {
        m2v_save_params sp = m2v_save_default_params();
        sp.model_name = "org/saved";
        sp.subfolder = "sub";
        CHECK(m2v_model_save_v2(m, dir, &sp) == M2V_OK, "save_v2: %s", m2v_last_error());
        char p2[256];
        snprintf(p2, sizeof p2, "%s/sub", dir);
        m2v_model *r = NULL;
        CHECK(m2v_model_load(p2, NULL, &r) == M2V_OK && m2v_model_dim(r) == dim, "reload from subfolder");
        m2v_model_free(r);
        sp.config_json = "{\"normalize\": tru";
        sp.config_json_len = strlen(sp.config_json);
        CHECK(m2v_model_save_v2(m, dir, &sp) == M2V_ERR_INVALID_ARGUMENT, "save_v2: malformed config json");
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    m2v_load_params lp = m2v_load_default_params();
    lp.max_length = 3;
    m2v_model *l = NULL;
    CHECK(m2v_model_load(path, &lp, &l) == M2V_OK && m2v_model_max_length(l) == 3, "load max_length 3");
    m2v_model_free(l);
    lp.max_length = -5;
    CHECK(m2v_model_load(path, &lp, &l) == M2V_ERR_INVALID_ARGUMENT, "load max_length -5");
    free(a);
    free(b);
    free(tj);
    m2v_model_free(m);
}

int main(void) {
    test_version();
    test_null_arguments();
    test_tokenizer_errors();
    test_thread_local_error();

    const char *model = getenv("M2V_TEST_MODEL");
    if (!model) model = "../shared/fixtures/models/minilm-default";
    struct stat st;
    if (stat(model, &st) == 0) {
        make_texts();
        test_model(model);
        test_model_data(model);
        for (int i = 0; i < N_TEXTS; i++) free(g_texts[i]);
    } else {
        const char *ci = getenv("CI");
        if (ci && strcmp(ci, "true") == 0) { failed++; fprintf(stderr, "FAIL: model %s not found\n", model); }
        else fprintf(stderr, "note: model %s not found; model tests skipped\n", model);
    }
    printf("c api: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
