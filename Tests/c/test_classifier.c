/* test_classifier.c — the classifier API of include/m2v.h (m2v_classifier_*) as a C user
 * drives it, on the model2vec-trained pipelines in Tests/classifiers (made by
 * scripts/gen_classifier_fixtures.py): labels model2vec predicted for a few texts, the task,
 * classes and shapes, probabilities that are softmax rows, predict == argmax of the logits,
 * multi-label flags == probabilities above the threshold, forward() on m2v_encode's vectors ==
 * predict_proba, identical bytes for any thread count and from many threads at once, save +
 * reload, and every error path (NULLs, sizes, a regression head's labels, a NaN threshold, a
 * folder without a head).
 *
 * Built by `make test-c`; run from the repository root (or pass the classifiers folder). */
#define _POSIX_C_SOURCE 200809L
#include <m2v.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed = 0, failed = 0;
#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (cond) { passed++; }                                                            \
        else { failed++; fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);  \
               fprintf(stderr, __VA_ARGS__); fprintf(stderr, " [last error: %s]\n", m2v_last_error()); } \
    } while (0)

static const char *dir = "Tests/classifiers";

/* Texts of Tests/classifiers/expected.json and what model2vec predicted for them. */
static const char *texts[] = {
    "Moje \xc5\xbe" "ena m\xc4\x9b tak miluje, \xc5\xbe" "e mi n\xc4\x9bkdy i rozum\xc3\xad.\n\t\t-- Pascal",
    "Utilities for with-statement contexts.  See PEP 343.",
    "",
    "hello world, static embeddings",
    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xe4\xb8\x96\xe7\x95\x8c",
};
#define N_TEXTS 5
static size_t lens[N_TEXTS];
static const char *single_label_expected[] = {"de", "en_pydoc"};

static m2v_classifier *load(const char *task) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, task);
    m2v_classifier *c = (m2v_classifier *)0x1;
    m2v_status st = m2v_classifier_load(path, NULL, &c);
    CHECK(st == M2V_OK && c != NULL, "load %s: %s", path, m2v_status_name(st));
    return st == M2V_OK ? c : NULL;
}

static void test_single_label(void) {
    m2v_classifier *c = load("single-label");
    if (!c) return;
    CHECK(m2v_classifier_task(c) == M2V_TASK_SINGLE_LABEL, "task %d", m2v_classifier_task(c));
    size_t k = m2v_classifier_n_outputs(c), len = 0;
    CHECK(k == 17 && m2v_classifier_n_classes(c) == 17, "n_outputs %zu", k);
    CHECK(m2v_classifier_n_layers(c) == 2, "n_layers %zu", m2v_classifier_n_layers(c));
    const char *first = m2v_classifier_class_name(c, 0, &len);
    CHECK(first && strcmp(first, "bg") == 0 && len == 2, "class 0 %s", first ? first : "(null)");
    CHECK(m2v_classifier_class_name(c, k, NULL) == NULL, "index past the end");
    CHECK(m2v_classifier_class_name(c, (size_t)-1, NULL) == NULL, "SIZE_MAX index");
    CHECK(m2v_classifier_class_is_integer(c, 0) == 0 && m2v_classifier_class_is_integer(c, k) == -1, "is_integer");

    float proba[N_TEXTS * 17], logits[N_TEXTS * 17], again[N_TEXTS * 17];
    int32_t labels[N_TEXTS];
    CHECK(m2v_classifier_predict_proba(c, texts, lens, N_TEXTS, NULL, proba, N_TEXTS * k) == M2V_OK, "proba");
    CHECK(m2v_classifier_predict(c, texts, lens, N_TEXTS, NULL, 0.5f, labels, N_TEXTS) == M2V_OK, "predict");
    for (size_t i = 0; i < 2; i++) {
        const char *name = m2v_classifier_class_name(c, (size_t)labels[i], NULL);
        CHECK(name && strcmp(name, single_label_expected[i]) == 0, "text %zu: %s, model2vec: %s", i,
              name ? name : "(null)", single_label_expected[i]);
    }
    /* forward() on the model's own vectors: logits whose argmax is predict, activated == proba. */
    const m2v_model *m = m2v_classifier_model(c);
    size_t dim = m2v_model_dim(m);
    float *vec = malloc(N_TEXTS * dim * sizeof(float));
    CHECK(vec && m2v_encode(m, texts, lens, N_TEXTS, NULL, vec, N_TEXTS * dim) == M2V_OK, "encode");
    CHECK(m2v_classifier_forward(c, vec, N_TEXTS, 0, logits, N_TEXTS * k) == M2V_OK, "forward logits");
    CHECK(m2v_classifier_forward(c, vec, N_TEXTS, 1, again, N_TEXTS * k) == M2V_OK, "forward proba");
    CHECK(memcmp(again, proba, sizeof proba) == 0, "forward(encode) == predict_proba, byte for byte");
    for (size_t i = 0; i < N_TEXTS; i++) {
        double sum = 0;
        size_t best = 0;
        for (size_t j = 0; j < k; j++) {
            sum += proba[i * k + j];
            CHECK(proba[i * k + j] >= 0 && proba[i * k + j] <= 1, "proba in [0, 1]");
            if (logits[i * k + j] > logits[i * k + best]) best = j;
        }
        CHECK(fabs(sum - 1) < 1e-5, "text %zu: softmax row sums to %g", i, sum);
        CHECK((size_t)labels[i] == best, "text %zu: predict %d, argmax of the logits %zu", i, labels[i], best);
    }
    /* Thread counts give the same bytes. */
    m2v_encode_params p = m2v_encode_default_params();
    for (int t = 1; t <= 4; t++) {
        p.n_threads = t;
        float other[N_TEXTS * 17];
        CHECK(m2v_classifier_predict_proba(c, texts, lens, N_TEXTS, &p, other, N_TEXTS * k) == M2V_OK &&
              memcmp(other, proba, sizeof proba) == 0, "n_threads %d", t);
    }
    /* Errors. */
    size_t small = N_TEXTS * k - 1;
    CHECK(m2v_classifier_predict_proba(c, texts, lens, N_TEXTS, NULL, proba, small) == M2V_ERR_BUFFER_TOO_SMALL &&
          strstr(m2v_last_error(), "85 are needed"), "too small: %s", m2v_last_error());
    CHECK(m2v_classifier_predict(c, texts, lens, N_TEXTS, NULL, 0.5f, labels, N_TEXTS - 1) == M2V_ERR_BUFFER_TOO_SMALL, "labels too small");
    CHECK(m2v_classifier_predict(c, texts, lens, N_TEXTS, NULL, 0.5f, NULL, N_TEXTS) == M2V_ERR_INVALID_ARGUMENT, "NULL out");
    CHECK(m2v_classifier_predict(c, NULL, lens, N_TEXTS, NULL, 0.5f, labels, N_TEXTS) == M2V_ERR_INVALID_ARGUMENT, "NULL texts");
    CHECK(m2v_classifier_predict(c, texts, lens, 0, NULL, 0.5f, NULL, 0) == M2V_OK, "no texts");
    CHECK(m2v_classifier_predict(NULL, texts, lens, N_TEXTS, NULL, 0.5f, labels, N_TEXTS) == M2V_ERR_INVALID_ARGUMENT, "NULL classifier");
    CHECK(m2v_classifier_predict(c, texts, lens, (size_t)-1, NULL, 0.5f, labels, N_TEXTS) == M2V_ERR_INVALID_ARGUMENT, "SIZE_MAX texts");
    CHECK(m2v_classifier_forward(c, vec, N_TEXTS, 2, logits, N_TEXTS * k) == M2V_ERR_INVALID_ARGUMENT, "activate 2");
    CHECK(m2v_classifier_forward(c, NULL, N_TEXTS, 0, logits, N_TEXTS * k) == M2V_ERR_INVALID_ARGUMENT, "NULL vectors");
    CHECK(m2v_classifier_forward(c, vec, (size_t)-1, 0, logits, N_TEXTS * k) == M2V_ERR_INVALID_ARGUMENT, "SIZE_MAX vectors");
    const char *bad[] = {"ok", "\xff\xfe"};
    size_t badlen[] = {2, 2};
    CHECK(m2v_classifier_predict(c, bad, badlen, 2, NULL, 0.5f, labels, 2) == M2V_ERR_INVALID_UTF8, "invalid UTF-8");
    free(vec);

    /* Save, reload: the same bytes. */
    char out[256];
    snprintf(out, sizeof out, "build/test-classifier-save-%ld", (long)getpid());
    CHECK(m2v_classifier_save(c, out, NULL) == M2V_OK, "save");
    m2v_classifier *r = NULL;
    CHECK(m2v_classifier_load(out, NULL, &r) == M2V_OK, "reload");
    if (r) {
        float other[N_TEXTS * 17];
        CHECK(m2v_classifier_predict_proba(r, texts, lens, N_TEXTS, NULL, other, N_TEXTS * k) == M2V_OK &&
              memcmp(other, proba, sizeof proba) == 0, "reloaded predicts the same bytes");
        m2v_classifier_free(r);
    }
    CHECK(m2v_classifier_save(c, NULL, NULL) == M2V_ERR_INVALID_ARGUMENT, "NULL path");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out);
    CHECK(system(cmd) == 0, "cleanup");
    m2v_classifier_free(c);
}

static void test_multi_label(void) {
    m2v_classifier *c = load("multi-label");
    if (!c) return;
    CHECK(m2v_classifier_task(c) == M2V_TASK_MULTI_LABEL, "task");
    size_t k = m2v_classifier_n_outputs(c);
    CHECK(k == 5, "n_outputs %zu", k);
    float proba[N_TEXTS * 5];
    int32_t flags[N_TEXTS * 5];
    CHECK(m2v_classifier_predict_proba(c, texts, lens, N_TEXTS, NULL, proba, N_TEXTS * k) == M2V_OK, "proba");
    const float thresholds[] = {0.5f, 0.0f, 1.0f, 0.05f};
    for (size_t t = 0; t < 4; t++) {
        CHECK(m2v_classifier_predict(c, texts, lens, N_TEXTS, NULL, thresholds[t], flags, N_TEXTS * k) == M2V_OK, "predict");
        for (size_t i = 0; i < N_TEXTS * k; i++)
            CHECK(flags[i] == (proba[i] > thresholds[t]), "flag %zu at %g: %d, proba %g", i, thresholds[t], flags[i], proba[i]);
    }
    /* model2vec: the first two texts are ["latin"]. */
    for (size_t i = 0; i < 2; i++) {
        CHECK(m2v_classifier_predict(c, texts, lens, N_TEXTS, NULL, 0.5f, flags, N_TEXTS * k) == M2V_OK, "predict");
        for (size_t j = 0; j < k; j++) {
            const char *name = m2v_classifier_class_name(c, j, NULL);
            CHECK(flags[i * k + j] == (strcmp(name, "latin") == 0), "text %zu class %s", i, name);
        }
    }
    CHECK(m2v_classifier_predict(c, texts, lens, N_TEXTS, NULL, NAN, flags, N_TEXTS * k) == M2V_ERR_INVALID_ARGUMENT, "NaN threshold");
    CHECK(m2v_classifier_predict(c, texts, lens, N_TEXTS, NULL, 0.5f, flags, N_TEXTS) == M2V_ERR_BUFFER_TOO_SMALL,
          "multi-label needs n_texts * n_outputs");
    m2v_classifier_free(c);
}

static void test_regression(void) {
    m2v_classifier *c = load("regression");
    if (!c) return;
    CHECK(m2v_classifier_task(c) == M2V_TASK_REGRESSION, "task");
    CHECK(m2v_classifier_n_outputs(c) == 2, "n_outputs");
    CHECK(m2v_classifier_class_name(c, 0, NULL) == NULL && m2v_classifier_n_classes(c) == 0, "no classes");
    float v[N_TEXTS * 2];
    int32_t labels[N_TEXTS];
    CHECK(m2v_classifier_predict_proba(c, texts, lens, N_TEXTS, NULL, v, N_TEXTS * 2) == M2V_OK, "outputs");
    /* model2vec: [5.056242, 0.6753936] for the first text. */
    CHECK(fabsf(v[0] - 5.056242f) < 1e-4f && fabsf(v[1] - 0.6753936f) < 1e-4f, "%g %g", v[0], v[1]);
    CHECK(m2v_classifier_predict(c, texts, lens, N_TEXTS, NULL, 0.5f, labels, N_TEXTS) == M2V_ERR_INVALID_ARGUMENT &&
          strstr(m2v_last_error(), "regression"), "labels of a regression head: %s", m2v_last_error());
    m2v_classifier_free(c);
}

static void test_load_errors(void) {
    m2v_classifier *c = (m2v_classifier *)0x1;
    CHECK(m2v_classifier_load(NULL, NULL, &c) == M2V_ERR_INVALID_ARGUMENT && c == NULL, "NULL path");
    CHECK(m2v_classifier_load(dir, NULL, NULL) == M2V_ERR_INVALID_ARGUMENT, "NULL out");
    CHECK(m2v_classifier_load(dir, NULL, &c) == M2V_ERR_NOT_FOUND && strstr(m2v_last_error(), "head.safetensors"),
          "a folder without a head: %s", m2v_last_error());
    CHECK(m2v_classifier_load("/nonexistent/pipeline", NULL, &c) == M2V_ERR_NOT_FOUND, "missing folder");
    m2v_classifier_free(NULL);
    CHECK(m2v_classifier_task(NULL) == -1 && m2v_classifier_n_outputs(NULL) == 0 && m2v_classifier_model(NULL) == NULL &&
          m2v_classifier_class_name(NULL, 0, NULL) == NULL, "NULL queries");
}

static m2v_classifier *shared;
static float reference[N_TEXTS * 17];
static void *worker(void *arg) {
    (void)arg;
    for (int r = 0; r < 200; r++) {
        float out[N_TEXTS * 17];
        if (m2v_classifier_predict_proba(shared, texts, lens, N_TEXTS, NULL, out, N_TEXTS * 17) != M2V_OK ||
            memcmp(out, reference, sizeof out) != 0)
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void) {
    shared = load("single-label");
    if (!shared) return;
    CHECK(m2v_classifier_predict_proba(shared, texts, lens, N_TEXTS, NULL, reference, N_TEXTS * 17) == M2V_OK, "reference");
    pthread_t th[8];
    for (int i = 0; i < 8; i++) pthread_create(&th[i], NULL, worker, NULL);
    int bad = 0;
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(th[i], &r);
        bad += r != NULL;
    }
    CHECK(bad == 0, "%d of 8 threads saw other bytes", bad);
    m2v_classifier_free(shared);
}

int main(int argc, char **argv) {
    if (argc > 1) dir = argv[1];
    for (size_t i = 0; i < N_TEXTS; i++) lens[i] = strlen(texts[i]);
    test_single_label();
    test_multi_label();
    test_regression();
    test_load_errors();
    test_threads();
    printf("test_classifier: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
