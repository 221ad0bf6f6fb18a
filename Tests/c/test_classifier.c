/* test_classifier.c — the classifier API of include/m2v.h (m2v_classifier_*) as a C user
 * drives it, on the model2vec-trained pipelines in Tests/classifiers (made by
 * scripts/gen_classifier_fixtures.py): labels model2vec predicted for a few texts, the task,
 * classes and shapes, probabilities that are softmax rows, predict == argmax of the logits,
 * multi-label flags == probabilities above the threshold, forward() on m2v_encode's vectors ==
 * predict_proba, identical bytes for any thread count and from many threads at once, save +
 * reload, and every error path (NULLs, sizes, a regression head's labels, a NaN threshold, a
 * folder without a head); and training (m2v_classifier_train): it learns three kinds of text,
 * gives the same bytes for any thread count, is cancelled by its progress callback, and rejects
 * bad targets and options.
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


static int train_calls;
static int cancel_at_3(const m2v_train_progress *p, void *user) {
    (void)user;
    CHECK(p->steps_per_epoch > 0 && p->step > 0, "progress %zu/%zu", p->step, p->steps_per_epoch);
    return ++train_calls == 3;
}

static void test_train(void) {
    m2v_classifier *pipe = load("single-label");
    if (!pipe) return;
    const m2v_model *base = m2v_classifier_model(pipe);
    /* 3 kinds of text (Czech, English, Russian dev-corpus texts with a varying suffix), 40 each. */
    static const char *russian = "\xd0\x91\xd0\xb5\xd1\x81\xd1\x81\xd0\xbc\xd0\xb5\xd1\x80\xd1\x82\xd0\xb8\xd0\xb5 "
                                 "\xd1\x81\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe\xd0\xb8\xd1\x82 \xd0\xb2 "
                                 "\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb5 \xd0\xbd\xd0\xb0\xd0\xb4";
    enum { PER = 40, N = 3 * PER };
    static const char *suffix[] = {"", " a", " the", " .", " b c", " dog", " a the", " c"};
    static char buf[N][256];
    const char *tx[N];
    size_t tl[N];
    int32_t labels[N];
    const char *src[3] = {texts[0], texts[1], russian};
    for (int i = 0; i < N; i++) {
        int kind = i % 3;
        snprintf(buf[i], sizeof buf[i], "%s%s", src[kind], suffix[(i / 3) % 8]);
        tx[i] = buf[i];
        tl[i] = strlen(buf[i]);
        labels[i] = kind;
    }
    const char *names[] = {"cs", "en", "ru"};
    m2v_train_set set = {tx, tl, N, {M2V_TASK_SINGLE_LABEL, 0, 3, names, NULL, labels, NULL}};
    m2v_train_params p = m2v_train_default_params();
    CHECK(p.n_layers == 1 && p.hidden_dim == 512 && p.early_stopping_patience == 5 && p.max_epochs == -1 &&
          fabs(p.test_size - 0.1) < 1e-12 && p.seed == 42 && p.normalize == 1 && p.freeze_weights == -1,
          "model2vec's defaults");
    p.hidden_dim = 16;
    p.max_epochs = 15;
    p.learning_rate = 0.01f; /* 120 texts: the default 1e-3 stops early with near-uniform probabilities */
    p.batch_size = 16;
    m2v_classifier *c = (m2v_classifier *)0x1;
    m2v_train_result r = {0};
    CHECK(m2v_classifier_train(base, &set, NULL, &p, &c, &r) == M2V_OK && c, "train");
    if (c) {
        CHECK(r.epochs >= 1 && r.epochs <= 15 && r.steps > 0, "result %zu epochs %zu steps", r.epochs, r.steps);
        CHECK(m2v_classifier_task(c) == M2V_TASK_SINGLE_LABEL && m2v_classifier_n_outputs(c) == 3, "shape");
        /* The checkpoint kept is the first with the best validation accuracy (model2vec's rule),
         * so it is checked on all the texts, not on one. */
        const char *probe[] = {texts[0], texts[1], russian};
        size_t pl[] = {lens[0], lens[1], strlen(russian)};
        int32_t *got = malloc(N * sizeof(int32_t));
        CHECK(got && m2v_classifier_predict(c, tx, tl, N, NULL, 0.5f, got, N) == M2V_OK, "predict");
        int right = 0;
        for (int i = 0; i < N; i++) right += got[i] == labels[i];
        CHECK(right >= N * 8 / 10, "learned %d of %d", right, N);
        free(got);
        /* Any thread count: the same bytes. */
        float a[9], b[9];
        p.n_threads = 1;
        m2v_classifier *c1 = NULL;
        CHECK(m2v_classifier_train(base, &set, NULL, &p, &c1, NULL) == M2V_OK, "train 1 thread");
        CHECK(m2v_classifier_predict_proba(c, probe, pl, 3, NULL, a, 9) == M2V_OK &&
              m2v_classifier_predict_proba(c1, probe, pl, 3, NULL, b, 9) == M2V_OK && !memcmp(a, b, sizeof a),
              "n_threads 0 and 1 train the same bytes");
        m2v_classifier_free(c1);
        m2v_classifier_free(c);
    }
    /* Cancelled by the callback. */
    p.progress = cancel_at_3;
    train_calls = 0;
    c = (m2v_classifier *)0x1;
    CHECK(m2v_classifier_train(base, &set, NULL, &p, &c, NULL) == M2V_ERR_CANCELLED && c == NULL && train_calls == 3,
          "cancel: %d calls", train_calls);
    p.progress = NULL;
    /* Multi-label flags and regression values. */
    int32_t *flags = calloc(N * 3, sizeof(int32_t));
    float *values = calloc(N * 2, sizeof(float));
    for (int i = 0; i < N; i++) {
        flags[i * 3 + i % 3] = 1;
        values[i * 2] = (float)(i % 3);
        values[i * 2 + 1] = 1.0f;
    }
    m2v_train_set multi = {tx, tl, N, {M2V_TASK_MULTI_LABEL, 0, 3, names, NULL, flags, NULL}};
    p.max_epochs = 2;
    CHECK(m2v_classifier_train(base, &multi, NULL, &p, &c, NULL) == M2V_OK && m2v_classifier_task(c) == M2V_TASK_MULTI_LABEL,
          "multi-label");
    m2v_classifier_free(c);
    int64_t ids[] = {10, 20, 30};
    m2v_train_set byid = {tx, tl, N, {M2V_TASK_SINGLE_LABEL, 0, 3, NULL, ids, labels, NULL}};
    CHECK(m2v_classifier_train(base, &byid, NULL, &p, &c, NULL) == M2V_OK && m2v_classifier_class_is_integer(c, 1) == 1 &&
          strcmp(m2v_classifier_class_name(c, 1, NULL), "20") == 0, "integer classes");
    m2v_classifier_free(c);
    m2v_train_set reg = {tx, tl, N, {M2V_TASK_REGRESSION, 0, 2, NULL, NULL, NULL, values}};
    CHECK(m2v_classifier_train(base, &reg, NULL, &p, &c, NULL) == M2V_OK && m2v_classifier_task(c) == M2V_TASK_REGRESSION &&
          m2v_classifier_n_outputs(c) == 2, "regression");
    m2v_classifier_free(c);
    /* Errors: each names what is wrong. */
    m2v_train_set bad = set;
    int32_t badlabels[N];
    memcpy(badlabels, labels, sizeof badlabels);
    badlabels[7] = 3;
    bad.targets.labels = badlabels;
    CHECK(m2v_classifier_train(base, &bad, NULL, &p, &c, NULL) == M2V_ERR_INVALID_ARGUMENT && strstr(m2v_last_error(), "labels[7]"),
          "label out of range: %s", m2v_last_error());
    flags[5] = 2;
    CHECK(m2v_classifier_train(base, &multi, NULL, &p, &c, NULL) == M2V_ERR_INVALID_ARGUMENT && strstr(m2v_last_error(), "flag"),
          "flag 2: %s", m2v_last_error());
    values[3] = NAN;
    CHECK(m2v_classifier_train(base, &reg, NULL, &p, &c, NULL) == M2V_ERR_INVALID_ARGUMENT, "NaN target");
    bad = set;
    bad.targets.task = 7;
    CHECK(m2v_classifier_train(base, &bad, NULL, &p, &c, NULL) == M2V_ERR_INVALID_ARGUMENT, "task 7");
    bad = set;
    bad.targets.n_outputs = 0;
    CHECK(m2v_classifier_train(base, &bad, NULL, &p, &c, NULL) == M2V_ERR_INVALID_ARGUMENT, "no outputs");
    bad = set;
    bad.targets.class_names = NULL;
    CHECK(m2v_classifier_train(base, &bad, NULL, &p, &c, NULL) == M2V_ERR_INVALID_ARGUMENT, "no classes");
    CHECK(m2v_classifier_train(base, &set, &reg, &p, &c, NULL) == M2V_ERR_INVALID_ARGUMENT, "validation of another task");
    CHECK(m2v_classifier_train(NULL, &set, NULL, &p, &c, NULL) == M2V_ERR_INVALID_ARGUMENT, "NULL base");
    CHECK(m2v_classifier_train(base, NULL, NULL, &p, &c, NULL) == M2V_ERR_INVALID_ARGUMENT, "NULL train");
    CHECK(m2v_classifier_train(base, &set, NULL, &p, NULL, NULL) == M2V_ERR_INVALID_ARGUMENT, "NULL out");
    m2v_train_params q = p;
    q.hidden_dim = 0;
    CHECK(m2v_classifier_train(base, &set, NULL, &q, &c, NULL) == M2V_ERR_INVALID_ARGUMENT && strstr(m2v_last_error(), "hidden_dim"),
          "hidden_dim 0: %s", m2v_last_error());
    q = p;
    q.token_dropout = 1.0f;
    CHECK(m2v_classifier_train(base, &set, NULL, &q, &c, NULL) == M2V_ERR_INVALID_ARGUMENT, "token_dropout 1");
    q = p;
    q.struct_size = 8;
    CHECK(m2v_classifier_train(base, &set, NULL, &q, &c, NULL) == M2V_ERR_INVALID_ARGUMENT, "struct_size 8");
    free(flags);
    free(values);
    m2v_classifier_free(pipe);
}

int main(int argc, char **argv) {
    if (argc > 1) dir = argv[1];
    for (size_t i = 0; i < N_TEXTS; i++) lens[i] = strlen(texts[i]);
    test_single_label();
    test_multi_label();
    test_regression();
    test_load_errors();
    test_threads();
    test_train();
    printf("test_classifier: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
