/* test_hostile.c — hostile inputs through the C API (issue 8, "never crash the host").
 *
 * Every case expects a specific status and, on failure, a non-empty message; nothing may crash,
 * trap or hang. Each group runs in a forked child, so a crash is reported as a failure of that
 * group ("CRASH ... signal N") instead of ending the run; M2V_NO_FORK=1 runs them in-process
 * (for valgrind / gdb). Corrupted model folders are built in a mkdtemp folder from copies of the
 * fixture models; the fuzzers' crash inputs in fuzz/regressions/ are replayed at the end.
 *
 * Built by `make test-hostile` with `pkg-config --cflags --libs m2v`. Fixtures: $M2V_FIXTURES,
 * else ../shared/fixtures (missing fixtures skip their groups, and fail under CI=true).
 * Prints "N passed, N failed" and exits non-zero on failure. docs/SAFETY.md tabulates the
 * cases and what the API returns for each. */
#define _GNU_SOURCE
#include "../../fuzz/fuzz_targets.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>

static int passed = 0, failed = 0, skipped = 0;
#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (cond) { passed++; }                                                            \
        else { failed++; fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);  \
               fprintf(stderr, __VA_ARGS__); fprintf(stderr, " [last error: %s]\n", m2v_last_error()); } \
    } while (0)

/* status == want, and a failure has a message (containing `needle` when given). */
#define EXPECT(st_expr, want, needle, ...)                                                         \
    do {                                                                                           \
        m2v_status st_ = (st_expr);                                                                \
        const char *msg_ = m2v_last_error();                                                       \
        const char *nd_ = (needle);                                                                \
        int ok_ = st_ == (want) && (st_ == M2V_OK || msg_[0] != 0) && (!nd_ || strstr(msg_, nd_)); \
        if (ok_) { passed++; }                                                                     \
        else { failed++; fprintf(stderr, "FAIL %s:%d: got %s, want %s%s%s: ", __FILE__, __LINE__, \
                                 m2v_status_name(st_), m2v_status_name(want), nd_ ? " naming " : "",  \
                                 nd_ ? nd_ : "");                                                  \
               fprintf(stderr, __VA_ARGS__); fprintf(stderr, " [message: %s]\n", msg_); }         \
        if (getenv("M2V_VERBOSE")) printf("  %-24s %s\n", m2v_status_name(st_), msg_);              \
    } while (0)

static char g_tmp[256];
static char g_fix[512];
static int g_have_fixtures = 0;

/* ---- files ---- */

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) { buf[n] = 0; *len = (size_t)n; }
    return buf;
}

static void spit(const char *dir, const char *name, const void *data, size_t len) {
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (fz_write(p, data, len)) { fprintf(stderr, "cannot write %s: %s\n", p, strerror(errno)); exit(2); }
}

static void spits(const char *dir, const char *name, const char *text) { spit(dir, name, text, strlen(text)); }

/* A fixture model's file, cached. */
static unsigned char *fixture_file(const char *model, const char *name, size_t *len) {
    char p[1024];
    snprintf(p, sizeof p, "%s/models/%s/%s", g_fix, model, name);
    unsigned char *b = slurp(p, len);
    if (!b) { fprintf(stderr, "cannot read %s\n", p); exit(2); }
    return b;
}

/* Makes g_tmp/<name> holding copies of the fixture model's three files; returns the path. */
static const char *model_dir(const char *name, const char *fixture) {
    static char dir[4][600];
    static int k = 0;
    char *d = dir[k++ & 3];
    snprintf(d, 600, "%s/%s", g_tmp, name);
    mkdir(d, 0700);
    const char *files[] = {"config.json", "tokenizer.json", "model.safetensors"};
    for (int i = 0; i < 3; i++) {
        size_t n;
        unsigned char *b = fixture_file(fixture, files[i], &n);
        spit(d, files[i], b, n);
        free(b);
    }
    return d;
}

/* Loads `dir`; frees the model if it loaded; returns the status. */
static m2v_status load(const char *dir) {
    m2v_model *m = (m2v_model *)1;
    m2v_status st = m2v_model_load(dir, NULL, &m);
    if ((st == M2V_OK) != (m != NULL)) { failed++; fprintf(stderr, "FAIL: out %p with status %d\n", (void *)m, st); }
    if (m) {
        /* Something loaded: it must encode. */
        const char *t = "the a b";
        size_t l = 7;
        float *out = calloc(m2v_model_dim(m) + 1, sizeof(float));
        if (m2v_encode(m, &t, &l, 1, NULL, out, m2v_model_dim(m)) != M2V_OK) { failed++; fprintf(stderr, "FAIL: loaded model does not encode\n"); }
        free(out);
        m2v_model_free(m);
        /* the last error is cleared by the successful encode */
    }
    return st;
}

/* A safetensors image: 8-byte length, `header` padded with spaces to a multiple of 8, data. */
static unsigned char *st_image(const char *header, const void *data, size_t data_len, size_t *out_len) {
    size_t h = strlen(header), hp = (h + 7) & ~(size_t)7;
    unsigned char *b = malloc(8 + hp + data_len + 1);
    uint64_t n = hp;
    memcpy(b, &n, 8);
    memcpy(b + 8, header, h);
    memset(b + 8 + h, ' ', hp - h);
    if (data_len) memcpy(b + 8 + hp, data, data_len);
    *out_len = 8 + hp + data_len;
    return b;
}

/* The wordlevel fixture: 5,000 tokens, F32 [5000,16]; its table bytes. */
#define WL "trained-wordlevel-5k-nonorm"
static unsigned char *wl_table(size_t *len) {
    size_t n;
    unsigned char *f = fixture_file(WL, "model.safetensors", &n);
    uint64_t h;
    memcpy(&h, f, 8);
    *len = n - 8 - h;
    unsigned char *t = malloc(*len);
    memcpy(t, f + 8 + h, *len);
    free(f);
    return t;
}

/* Writes model.safetensors = st_image(header, data) into `dir`, loads, expects `want`. */
static void expect_st(const char *dir, const char *header, const void *data, size_t dlen, m2v_status want,
                      const char *needle, const char *label) {
    size_t n;
    unsigned char *img = st_image(header, data, dlen, &n);
    spit(dir, "model.safetensors", img, n);
    free(img);
    EXPECT(load(dir), want, needle, "%s", label);
}

/* ---- groups ---- */

static void g_null_arguments(void) {
    m2v_model *m = (m2v_model *)1;
    EXPECT(m2v_model_load(NULL, NULL, &m), M2V_ERR_INVALID_ARGUMENT, "path", "load path NULL");
    CHECK(m == NULL, "out cleared");
    EXPECT(m2v_model_load("/x", NULL, NULL), M2V_ERR_INVALID_ARGUMENT, "out", "load out NULL");
    EXPECT(m2v_model_load("", NULL, &m), M2V_ERR_NOT_FOUND, NULL, "load empty path");
    EXPECT(m2v_model_load("/proc/self/status", NULL, &m), M2V_ERR_INVALID_ARGUMENT, "not a folder", "load a file");
    EXPECT(m2v_model_load(g_tmp, NULL, &m), M2V_ERR_NOT_FOUND, "config.json", "load empty folder");
    m2v_load_params lp = m2v_load_default_params();
    lp.struct_size = 0;
    EXPECT(m2v_model_load("/nonexistent", &lp, &m), M2V_ERR_INVALID_ARGUMENT, "struct_size", "load params struct_size 0");
    lp = m2v_load_default_params();
    lp.normalize = 7;
    EXPECT(m2v_model_load("/nonexistent", &lp, &m), M2V_ERR_INVALID_ARGUMENT, "normalize", "load normalize 7");

    m2v_model_free(NULL);
    m2v_ids_free(NULL);
    m2v_sequence_free(NULL);
    m2v_tokenizer_free(NULL);
    passed++; /* the four free(NULL)s returned */
    CHECK(m2v_model_dim(NULL) == 0 && m2v_model_vocab_size(NULL) == 0 && m2v_model_normalize(NULL) == -1, "NULL queries");
    size_t len = 5;
    CHECK(m2v_model_token(NULL, 0, &len) == NULL && len == 0, "token NULL model");
    CHECK(m2v_model_token(NULL, 0, NULL) == NULL, "token NULL model and len");
    CHECK(m2v_tokenizer_vocab_size(NULL) == 0, "tokenizer vocab NULL");
    CHECK(m2v_last_error() != NULL && m2v_status_name(-5) != NULL && m2v_version() != NULL, "static strings");

    const char *t = "x";
    size_t l = 1;
    float out[64];
    m2v_ids *ids = (m2v_ids *)1;
    m2v_sequence *seq = (m2v_sequence *)1;
    EXPECT(m2v_encode(NULL, &t, &l, 1, NULL, out, 64), M2V_ERR_INVALID_ARGUMENT, "model", "encode model NULL");
    EXPECT(m2v_encode_as_sequence(NULL, &t, &l, 1, NULL, &seq), M2V_ERR_INVALID_ARGUMENT, "model", "sequence model NULL");
    CHECK(seq == NULL, "sequence out cleared");
    EXPECT(m2v_tokenize(NULL, &t, &l, 1, NULL, &ids), M2V_ERR_INVALID_ARGUMENT, "model", "tokenize model NULL");
    CHECK(ids == NULL, "ids out cleared");
    EXPECT(m2v_model_save(NULL, "/tmp/never"), M2V_ERR_INVALID_ARGUMENT, "model", "save model NULL");
    m2v_tokenizer *tk = (m2v_tokenizer *)1;
    EXPECT(m2v_tokenizer_load(NULL, &tk), M2V_ERR_INVALID_ARGUMENT, "path", "tokenizer_load path NULL");
    CHECK(tk == NULL, "tokenizer out cleared");
    EXPECT(m2v_tokenizer_load("/x", NULL), M2V_ERR_INVALID_ARGUMENT, "out", "tokenizer_load out NULL");
    EXPECT(m2v_tokenizer_load("/nonexistent/tokenizer.json", &tk), M2V_ERR_NOT_FOUND, "nonexistent", "tokenizer_load missing");
    EXPECT(m2v_tokenizer_load(g_tmp, &tk), M2V_ERR_IO, NULL, "tokenizer_load a folder");
    EXPECT(m2v_tokenizer_load_from_memory(NULL, 10, &tk), M2V_ERR_INVALID_ARGUMENT, "json", "from_memory json NULL");
    EXPECT(m2v_tokenizer_load_from_memory("{}", 2, NULL), M2V_ERR_INVALID_ARGUMENT, "out", "from_memory out NULL");
    EXPECT(m2v_tokenizer_load_from_memory("", 0, &tk), M2V_ERR_FORMAT, NULL, "from_memory empty");
    EXPECT(m2v_tokenizer_load_from_memory("{}", 2, &tk), M2V_ERR_FORMAT, "model", "from_memory {}");
    EXPECT(m2v_tokenizer_encode(NULL, &t, &l, 1, 0, &ids), M2V_ERR_INVALID_ARGUMENT, "tokenizer", "tokenizer_encode NULL");

    if (!g_have_fixtures) { skipped++; return; }
    char dir[600];
    snprintf(dir, sizeof dir, "%s/models/%s", g_fix, WL);
    EXPECT(m2v_model_load(dir, NULL, &m), M2V_OK, NULL, "load wordlevel");
    snprintf(dir, sizeof dir, "%s/models/%s/tokenizer.json", g_fix, WL);
    EXPECT(m2v_tokenizer_load(dir, &tk), M2V_OK, NULL, "tokenizer wordlevel");
    if (!m || !tk) return;
    size_t dim = m2v_model_dim(m);
    CHECK(m2v_model_token(m, 5, NULL) != NULL, "token with NULL len");
    CHECK(m2v_model_token(m, -1, &len) == NULL && len == 0, "token -1");
    CHECK(m2v_model_token(m, INT32_MAX, &len) == NULL && len == 0, "token INT32_MAX");
    CHECK(m2v_model_token(m, (int32_t)m2v_model_vocab_size(m), &len) == NULL, "token vocab_size");

    EXPECT(m2v_encode(m, NULL, &l, 1, NULL, out, 64), M2V_ERR_INVALID_ARGUMENT, "texts", "encode texts NULL");
    EXPECT(m2v_encode(m, &t, NULL, 1, NULL, out, 64), M2V_ERR_INVALID_ARGUMENT, "lengths", "encode lengths NULL");
    EXPECT(m2v_encode(m, &t, &l, 1, NULL, NULL, 64), M2V_ERR_INVALID_ARGUMENT, "out", "encode out NULL");
    const char *nt = NULL;
    size_t one = 1, zero = 0;
    EXPECT(m2v_encode(m, &nt, &one, 1, NULL, out, 64), M2V_ERR_INVALID_ARGUMENT, "texts[0]", "encode texts[0] NULL, len 1");
    EXPECT(m2v_encode(m, &nt, &zero, 1, NULL, out, 64), M2V_OK, NULL, "encode texts[0] NULL, len 0");
    CHECK(out[0] == 0 && out[dim - 1] == 0, "NULL text gives a zero vector");
    EXPECT(m2v_encode(m, NULL, NULL, 0, NULL, NULL, 0), M2V_OK, NULL, "encode zero texts, all NULL");
    EXPECT(m2v_encode_as_sequence(m, NULL, &l, 1, NULL, &seq), M2V_ERR_INVALID_ARGUMENT, "texts", "sequence texts NULL");
    EXPECT(m2v_encode_as_sequence(m, &t, NULL, 1, NULL, &seq), M2V_ERR_INVALID_ARGUMENT, "lengths", "sequence lengths NULL");
    EXPECT(m2v_encode_as_sequence(m, &t, &l, 1, NULL, NULL), M2V_ERR_INVALID_ARGUMENT, "out", "sequence out NULL");
    EXPECT(m2v_encode_as_sequence(m, NULL, NULL, 0, NULL, &seq), M2V_OK, NULL, "sequence zero texts");
    CHECK(seq && seq->n_texts == 0 && seq->offsets[0] == 0, "empty sequence");
    m2v_sequence_free(seq);
    EXPECT(m2v_tokenize(m, NULL, &l, 1, NULL, &ids), M2V_ERR_INVALID_ARGUMENT, "texts", "tokenize texts NULL");
    EXPECT(m2v_tokenize(m, &t, NULL, 1, NULL, &ids), M2V_ERR_INVALID_ARGUMENT, "lengths", "tokenize lengths NULL");
    EXPECT(m2v_tokenize(m, &t, &l, 1, NULL, NULL), M2V_ERR_INVALID_ARGUMENT, "out", "tokenize out NULL");
    EXPECT(m2v_tokenize(m, NULL, NULL, 0, NULL, &ids), M2V_OK, NULL, "tokenize zero texts");
    {
        int32_t one_id = 1;
        size_t off[] = {0, 1}, off_huge[] = {0, SIZE_MAX};
        EXPECT(m2v_encode_ids(NULL, &one_id, off, 1, NULL, out, 64), M2V_ERR_INVALID_ARGUMENT, "model", "encode_ids model NULL");
        EXPECT(m2v_encode_ids(m, NULL, off, 1, NULL, out, 64), M2V_ERR_INVALID_ARGUMENT, "ids", "encode_ids ids NULL");
        EXPECT(m2v_encode_ids(m, &one_id, NULL, 1, NULL, out, 64), M2V_ERR_INVALID_ARGUMENT, "offsets", "encode_ids offsets NULL");
        EXPECT(m2v_encode_ids(m, &one_id, off, 1, NULL, NULL, 64), M2V_ERR_INVALID_ARGUMENT, "out", "encode_ids out NULL");
        EXPECT(m2v_encode_ids(m, &one_id, off, SIZE_MAX, NULL, out, 64), M2V_ERR_INVALID_ARGUMENT, "n_texts", "encode_ids n_texts SIZE_MAX");
        EXPECT(m2v_encode_ids(m, &one_id, off_huge, 1, NULL, out, 64), M2V_ERR_INVALID_ARGUMENT, "offsets[1]", "encode_ids offset SIZE_MAX");
        EXPECT(m2v_encode_ids(m, NULL, NULL, 0, NULL, NULL, 0), M2V_OK, NULL, "encode_ids zero texts");
    }
    CHECK(ids && ids->n_texts == 0 && ids->offsets[0] == 0, "empty ids");
    m2v_ids_free(ids);
    EXPECT(m2v_model_save(m, NULL), M2V_ERR_INVALID_ARGUMENT, "path", "save path NULL");
    EXPECT(m2v_model_save(m, "/proc/m2v-cannot-write-here"), M2V_ERR_IO, NULL, "save to /proc");
    EXPECT(m2v_tokenizer_encode(tk, NULL, &l, 1, 0, &ids), M2V_ERR_INVALID_ARGUMENT, "texts", "tokenizer_encode texts NULL");
    EXPECT(m2v_tokenizer_encode(tk, &t, NULL, 1, 0, &ids), M2V_ERR_INVALID_ARGUMENT, "lengths", "tokenizer_encode lengths NULL");
    EXPECT(m2v_tokenizer_encode(tk, &t, &l, 1, 0, NULL), M2V_ERR_INVALID_ARGUMENT, "out", "tokenizer_encode out NULL");
    EXPECT(m2v_tokenizer_encode(tk, NULL, NULL, 0, 1, &ids), M2V_OK, NULL, "tokenizer_encode zero texts");
    m2v_ids_free(ids);

    /* Counts and lengths that cannot be real buffers (> PTRDIFF_MAX). */
    EXPECT(m2v_encode(m, &t, &l, SIZE_MAX, NULL, out, 64), M2V_ERR_INVALID_ARGUMENT, "n_texts", "encode n_texts SIZE_MAX");
    EXPECT(m2v_tokenize(m, &t, &l, (size_t)1 << 63, NULL, &ids), M2V_ERR_INVALID_ARGUMENT, "n_texts", "tokenize n_texts 2^63");
    EXPECT(m2v_encode_as_sequence(m, &t, &l, SIZE_MAX, NULL, &seq), M2V_ERR_INVALID_ARGUMENT, "n_texts", "sequence n_texts SIZE_MAX");
    EXPECT(m2v_tokenizer_encode(tk, &t, &l, SIZE_MAX, 0, &ids), M2V_ERR_INVALID_ARGUMENT, "n_texts", "tokenizer_encode n_texts SIZE_MAX");
    size_t huge = SIZE_MAX;
    EXPECT(m2v_encode(m, &t, &huge, 1, NULL, out, 64), M2V_ERR_INVALID_ARGUMENT, "lengths[0]", "encode length SIZE_MAX");
    EXPECT(m2v_tokenize(m, &t, &huge, 1, NULL, &ids), M2V_ERR_INVALID_ARGUMENT, "lengths[0]", "tokenize length SIZE_MAX");
    EXPECT(m2v_tokenizer_encode(tk, &t, &huge, 1, 0, &ids), M2V_ERR_INVALID_ARGUMENT, "lengths[0]", "tokenizer_encode length SIZE_MAX");
    m2v_tokenizer *tk2 = (m2v_tokenizer *)1;
    EXPECT(m2v_tokenizer_load_from_memory("{}", SIZE_MAX, &tk2), M2V_ERR_INVALID_ARGUMENT, "json_len", "from_memory length SIZE_MAX");
    CHECK(tk2 == NULL, "cleared");
    m2v_tokenizer_free(tk);
    m2v_model_free(m);
}

/* The WordLevel fixture model's folder, and the model loaded from it (NULL, counted as a
 * failure, when it does not load). */
static const char *wl_dir(void) {
    static char dir[600];
    snprintf(dir, sizeof dir, "%s/models/%s", g_fix, WL);
    return dir;
}

static m2v_model *load_wl(void) {
    m2v_model *m = NULL;
    EXPECT(m2v_model_load(wl_dir(), NULL, &m), M2V_OK, NULL, "load %s", wl_dir());
    return m;
}

static void g_params_and_buffers(void) {
    if (!g_have_fixtures) { skipped++; return; }
    const char *dir = wl_dir();
    m2v_model *m = load_wl();
    if (!m) return;
    size_t dim = m2v_model_dim(m);
    const char *texts[] = {"the a", "of to"};
    size_t lens[] = {5, 5};
    float *out = malloc(2 * dim * sizeof(float));
    char need[32];
    snprintf(need, sizeof need, "%zu", 2 * dim);
    EXPECT(m2v_encode(m, texts, lens, 2, NULL, out, 2 * dim - 1), M2V_ERR_BUFFER_TOO_SMALL, need, "capacity one short");
    EXPECT(m2v_encode(m, texts, lens, 2, NULL, out, 0), M2V_ERR_BUFFER_TOO_SMALL, need, "capacity 0");
    EXPECT(m2v_encode(m, texts, lens, 2, NULL, out, 2 * dim), M2V_OK, NULL, "capacity exact");

    m2v_encode_params p = m2v_encode_default_params();
    size_t sizes[] = {0, 1, 8, 16, 19};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        p.struct_size = sizes[i];
        EXPECT(m2v_encode(m, texts, lens, 2, &p, out, 2 * dim), M2V_ERR_INVALID_ARGUMENT, "struct_size", "encode struct_size %zu", sizes[i]);
        m2v_ids *ids = (m2v_ids *)1;
        EXPECT(m2v_tokenize(m, texts, lens, 2, &p, &ids), M2V_ERR_INVALID_ARGUMENT, "struct_size", "tokenize struct_size %zu", sizes[i]);
        CHECK(ids == NULL, "ids cleared");
    }
    /* An older, shorter params struct (max_length, normalize, n_threads only) is read as such:
     * the library must not read batch_size/progress past struct_size. */
    struct old_params { size_t struct_size; int32_t max_length, normalize, n_threads; };
    struct old_params *old = malloc(sizeof *old); /* on the heap: ASan builds see a read past it */
    *old = (struct old_params){sizeof *old, 2, 0, 1};
    EXPECT(m2v_encode(m, texts, lens, 2, (const m2v_encode_params *)old, out, 2 * dim), M2V_OK, NULL, "short params struct");
    free(old);
    p = m2v_encode_default_params();
    p.struct_size = (size_t)1 << 40; /* newer than the library: extra fields ignored */
    EXPECT(m2v_encode(m, texts, lens, 2, &p, out, 2 * dim), M2V_OK, NULL, "huge struct_size");
    p = m2v_encode_default_params();
    p.normalize = 2;
    EXPECT(m2v_encode(m, texts, lens, 2, &p, out, 2 * dim), M2V_ERR_INVALID_ARGUMENT, "normalize", "normalize 2");
    p = m2v_encode_default_params();
    p.n_threads = -3;
    EXPECT(m2v_encode(m, texts, lens, 2, &p, out, 2 * dim), M2V_ERR_INVALID_ARGUMENT, "n_threads", "n_threads -3");
    p = m2v_encode_default_params();
    p.n_threads = 10000;
    EXPECT(m2v_encode(m, texts, lens, 2, &p, out, 2 * dim), M2V_OK, NULL, "n_threads 10000");
    p = m2v_encode_default_params();
    p.max_length = -7; /* negative = the default */
    EXPECT(m2v_encode(m, texts, lens, 2, &p, out, 2 * dim), M2V_OK, NULL, "max_length -7");
    p = m2v_encode_default_params();
    p.max_length = INT32_MAX;
    EXPECT(m2v_encode(m, texts, lens, 2, &p, out, 2 * dim), M2V_OK, NULL, "max_length INT32_MAX");
    p = m2v_encode_default_params();
    p.batch_size = SIZE_MAX;
    EXPECT(m2v_encode(m, texts, lens, 2, &p, out, 2 * dim), M2V_OK, NULL, "batch_size SIZE_MAX");
    m2v_load_params lp = m2v_load_default_params();
    /* Shorter than struct_size + normalize: rejected. */
    lp.struct_size = offsetof(m2v_load_params, normalize) + sizeof lp.normalize - 1;
    m2v_model *m2 = (m2v_model *)1;
    EXPECT(m2v_model_load(dir, &lp, &m2), M2V_ERR_INVALID_ARGUMENT, "struct_size", "load struct_size short");
    CHECK(m2 == NULL, "cleared");
    /* The 0.1 struct (16 bytes): max_length lies past it and must not be read. */
    lp = m2v_load_default_params();
    lp.struct_size = 16;
    lp.max_length = 3;
    EXPECT(m2v_model_load(dir, &lp, &m2), M2V_OK, NULL, "load 0.1-sized params");
    CHECK(m2 != NULL && m2v_model_max_length(m2) != 3, "0.1-sized params: max_length not read");
    m2v_model_free(m2);
    free(out);
    m2v_model_free(m);
}

static void g_safetensors_truncated(void) {
    if (!g_have_fixtures) { skipped++; return; }
    const char *dir = model_dir("trunc", WL);
    size_t n;
    unsigned char *full = fixture_file(WL, "model.safetensors", &n);
    uint64_t h;
    memcpy(&h, full, 8);
    /* Every byte up to the end of the header + 64, then every 997th byte, then the last 16. */
    size_t cuts = 0, bad = 0;
    for (size_t cut = 0; cut < n; cut += (cut < 8 + h + 64 ? 1 : (cut + 997 < n - 16 ? 997 : 1))) {
        spit(dir, "model.safetensors", full, cut);
        m2v_status st = load(dir);
        cuts++;
        if (st != M2V_ERR_FORMAT || !m2v_last_error()[0]) {
            bad++;
            if (bad < 5) fprintf(stderr, "FAIL: truncated at %zu: %s %s\n", cut, m2v_status_name(st), m2v_last_error());
        }
    }
    CHECK(bad == 0, "%zu of %zu truncations not M2V_ERR_FORMAT", bad, cuts);
    /* The file as is loads; one byte more (trailing garbage) is accepted like the reference does. */
    spit(dir, "model.safetensors", full, n);
    EXPECT(load(dir), M2V_OK, NULL, "untruncated");
    free(full);
    printf("  safetensors truncated at %zu positions\n", cuts);
}

static void g_safetensors_header(void) {
    if (!g_have_fixtures) { skipped++; return; }
    const char *dir = model_dir("header", WL);
    size_t n;
    unsigned char *full = fixture_file(WL, "model.safetensors", &n);
    uint64_t lens[] = {n - 8 + 1, n, 100000001, 200000000, (uint64_t)1 << 40, UINT64_MAX, (uint64_t)INT64_MAX + 1};
    const char *needles[] = {"exceeds", "exceeds", "limit", "limit", "limit", "limit", "limit"};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        memcpy(full, &lens[i], 8);
        spit(dir, "model.safetensors", full, n);
        EXPECT(load(dir), M2V_ERR_FORMAT, needles[i], "header length %llu (file %zu)", (unsigned long long)lens[i], n);
    }
    /* Header length 0 and 1. */
    for (uint64_t k = 0; k < 2; k++) {
        memcpy(full, &k, 8);
        spit(dir, "model.safetensors", full, n);
        EXPECT(load(dir), M2V_ERR_FORMAT, NULL, "header length %llu", (unsigned long long)k);
    }
    free(full);
    size_t tl;
    unsigned char *table = wl_table(&tl);
    expect_st(dir, "[1,2,3]", table, tl, M2V_ERR_FORMAT, "object", "header is an array");
    expect_st(dir, "\"embeddings\"", table, tl, M2V_ERR_FORMAT, NULL, "header is a string");
    expect_st(dir, "{\"embeddings\":", table, tl, M2V_ERR_FORMAT, NULL, "header JSON truncated");
    expect_st(dir, "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]}} xx", table, tl,
              M2V_ERR_FORMAT, NULL, "trailing garbage after header JSON");
    expect_st(dir, "{\"emb\xff\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]}}", table, tl,
              M2V_ERR_FORMAT, NULL, "invalid UTF-8 in header");
    expect_st(dir, "{\"__metadata__\":{\"a\":1},\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]}}",
              table, tl, M2V_ERR_FORMAT, "__metadata__", "metadata value not a string");
    expect_st(dir, "{\"__metadata__\":{\"format\":\"pt\"},\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]}}",
              table, tl, M2V_OK, NULL, "metadata ok");
    expect_st(dir, "{\"embeddings\":7}", table, tl, M2V_ERR_FORMAT, NULL, "tensor entry not an object");
    expect_st(dir, "{\"embeddings\":{\"shape\":[5000,16],\"data_offsets\":[0,320000]}}", table, tl, M2V_ERR_FORMAT, "dtype", "dtype missing");
    expect_st(dir, "{\"embeddings\":{\"dtype\":\"F32\",\"data_offsets\":[0,320000]}}", table, tl, M2V_ERR_FORMAT, "shape", "shape missing");
    expect_st(dir, "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16]}}", table, tl, M2V_ERR_FORMAT, "data_offsets", "offsets missing");
    /* A header of 100 MB of spaces inside a valid object is within the limit: it parses. */
    free(table);
}

static void g_safetensors_tensors(void) {
    if (!g_have_fixtures) { skipped++; return; }
    const char *dir = model_dir("tensors", WL);
    size_t tl;
    unsigned char *table = wl_table(&tl);
    unsigned char *big = calloc(1, tl + 40000);
    memcpy(big, table, tl);
    struct { const char *header; size_t dlen; m2v_status want; const char *needle; const char *label; } cases[] = {
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320001]}}", 320000, M2V_ERR_FORMAT, "exceed", "end offset past data"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,99999999999]}}", 320000, M2V_ERR_FORMAT, "exceed", "end offset 1e11"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,18446744073709551615]}}", 320000, M2V_ERR_FORMAT, NULL, "end offset 2^64-1"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[320000,0]}}", 320000, M2V_ERR_FORMAT, "reversed", "offsets reversed"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[-8,319992]}}", 320000, M2V_ERR_FORMAT, NULL, "negative offset"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0.5,320000]}}", 320000, M2V_ERR_FORMAT, NULL, "fractional offset"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0]}}", 320000, M2V_ERR_FORMAT, NULL, "one offset"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,319996]}}", 320000, M2V_ERR_FORMAT, "needs", "size != shape x dtype (short)"},
        {"{\"embeddings\":{\"dtype\":\"F16\",\"shape\":[5000,16],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_FORMAT, "needs", "size != shape x dtype (dtype)"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]},\"weights\":{\"dtype\":\"F32\",\"shape\":[5000],\"data_offsets\":[300000,320000]}}", 320000, M2V_ERR_FORMAT, "overlap", "overlapping tensors"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[20000,340000]},\"weights\":{\"dtype\":\"F32\",\"shape\":[5000],\"data_offsets\":[0,20000]}}", 340000, M2V_OK, NULL, "adjacent tensors (weights first)"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_FORMAT, "overflow", "shape product overflows"},
        {"{\"embeddings\":{\"dtype\":\"F64\",\"shape\":[4294967296,536870912],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_FORMAT, "overflow", "byte size overflows"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[1e30,16],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_FORMAT, NULL, "shape 1e30"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[-5000,-16],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_FORMAT, "non-negative", "negative shape"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[\"5000\",16],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_FORMAT, NULL, "string in shape"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[0,16],\"data_offsets\":[0,0]}}", 320000, M2V_ERR_FORMAT, "non-empty", "0 rows"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,0],\"data_offsets\":[0,0]}}", 320000, M2V_ERR_FORMAT, "non-empty", "0 columns"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[80000],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_FORMAT, "2-D", "1-D table"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,4,4],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_FORMAT, "2-D", "3-D table"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", 320000, M2V_ERR_FORMAT, "2-D", "scalar table"},
        {"{\"embeddings\":{\"dtype\":\"Q4_K\",\"shape\":[5000,16],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_UNSUPPORTED, "Q4_K", "unknown dtype"},
        {"{\"embeddings\":{\"dtype\":\"F8_E4M3\",\"shape\":[5000,16],\"data_offsets\":[0,80000]}}", 320000, M2V_ERR_UNSUPPORTED, "F8_E4M3", "float8 dtype"},
        {"{\"embeddings\":{\"dtype\":\"I32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_UNSUPPORTED, "I32", "I32 table"},
        {"{\"embeddings\":{\"dtype\":\"BOOL\",\"shape\":[5000,16],\"data_offsets\":[0,80000]}}", 320000, M2V_ERR_UNSUPPORTED, "BOOL", "BOOL table"},
        {"{\"table\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_FORMAT, "embeddings", "no embeddings tensor"},
        {"{}", 0, M2V_ERR_FORMAT, "embeddings", "no tensors"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]},\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_FORMAT, NULL, "duplicate tensor name"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[4999,16],\"data_offsets\":[0,319936]}}", 320000, M2V_ERR_FORMAT, "4999", "rows != vocabulary (4999)"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5001,16],\"data_offsets\":[0,320064]}}", 320064, M2V_ERR_FORMAT, "5001", "rows != vocabulary (5001)"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[2500,32],\"data_offsets\":[0,320000]}}", 320000, M2V_ERR_FORMAT, "2500", "rows x cols swapped"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]},\"weights\":{\"dtype\":\"F32\",\"shape\":[4000],\"data_offsets\":[320000,336000]}}", 336000, M2V_ERR_FORMAT, "weights", "weights shorter than vocabulary"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]},\"weights\":{\"dtype\":\"I32\",\"shape\":[5000],\"data_offsets\":[320000,340000]}}", 340000, M2V_ERR_FORMAT, "weights", "integer weights"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]},\"mapping\":{\"dtype\":\"F32\",\"shape\":[5000],\"data_offsets\":[320000,340000]}}", 340000, M2V_ERR_FORMAT, "mapping", "float mapping"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]},\"mapping\":{\"dtype\":\"I32\",\"shape\":[10],\"data_offsets\":[320000,320040]}}", 340000, M2V_ERR_FORMAT, "mapping", "mapping shorter than vocabulary"},
        {"{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[4,320004]}}", 320004, M2V_OK, NULL, "misaligned table (copied)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        expect_st(dir, cases[i].header, big, cases[i].dlen, cases[i].want, cases[i].needle, cases[i].label);
    free(big);
    free(table);
}

/* Vocabulary-quantized model (vq256-int8): mapping values out of range. */
static void g_mapping(void) {
    if (!g_have_fixtures) { skipped++; return; }
    const char *fx = "minilm-vq256-int8";
    const char *dir = model_dir("mapping", fx);
    size_t n;
    unsigned char *full = fixture_file(fx, "model.safetensors", &n);
    uint64_t h;
    memcpy(&h, full, 8);
    /* header: weights F64 [29525] [0,236200], mapping I32 [29525] [236200,354300], embeddings I8 [256,64] */
    size_t map_at = 8 + h + 236200;
    int32_t values[] = {256, -1, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < 4; i++) {
        unsigned char *b = malloc(n);
        memcpy(b, full, n);
        memcpy(b + map_at + 4 * 1000, &values[i], 4);
        spit(dir, "model.safetensors", b, n);
        EXPECT(load(dir), M2V_ERR_FORMAT, "mapping[1000]", "mapping value %d", values[i]);
        free(b);
    }
    spit(dir, "model.safetensors", full, n);
    EXPECT(load(dir), M2V_OK, NULL, "untouched vq model");
    free(full);
}

/* NaN and Inf in the table and the weights: load and encode without crashing. */
static void g_nonfinite(void) {
    if (!g_have_fixtures) { skipped++; return; }
    const char *dir = model_dir("nonfinite", WL);
    size_t tl;
    unsigned char *table = wl_table(&tl);
    float *rows = (float *)table;
    /* ids: "the" = 5, "a" = 6, "of" = 12, "to" = 10 (see the fixture's vocab) */
    for (int c = 0; c < 16; c++) { rows[5 * 16 + c] = NAN; rows[6 * 16 + c] = INFINITY; rows[12 * 16 + c] = -INFINITY; }
    rows[10 * 16 + 3] = 3.0e38f;
    expect_st(dir, "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]}}", table, tl, M2V_OK, NULL, "NaN/Inf table loads");
    m2v_model *m = NULL;
    EXPECT(m2v_model_load(dir, NULL, &m), M2V_OK, NULL, "load");
    if (m) {
        const char *texts[] = {"the", "a", "a of", "to to to", "in and", "the in"};
        size_t lens[] = {3, 1, 4, 8, 6, 6};
        float out[6 * 16];
        for (int norm = 0; norm <= 1; norm++) {
            m2v_encode_params p = m2v_encode_default_params();
            p.normalize = norm;
            EXPECT(m2v_encode(m, texts, lens, 6, &p, out, 6 * 16), M2V_OK, NULL, "encode non-finite rows, normalize %d", norm);
            printf("  non-finite table, normalize=%d: ", norm);
            for (int t = 0; t < 6; t++) printf("\"%s\" -> [%g %g ..]%s", texts[t], out[t * 16], out[t * 16 + 3], t < 5 ? ", " : "\n");
            CHECK(isfinite(out[4 * 16]) && isfinite(out[4 * 16 + 15]), "finite rows stay finite");
        }
        m2v_sequence *seq = NULL;
        EXPECT(m2v_encode_as_sequence(m, texts, lens, 6, NULL, &seq), M2V_OK, NULL, "sequence non-finite");
        m2v_sequence_free(seq);
        char sdir[700];
        snprintf(sdir, sizeof sdir, "%s/nonfinite-saved", g_tmp);
        EXPECT(m2v_model_save(m, sdir), M2V_OK, NULL, "save non-finite");
        EXPECT(load(sdir), M2V_OK, NULL, "reload non-finite");
        m2v_model_free(m);
    }
    /* weights with NaN */
    unsigned char *img = malloc(tl + 20000);
    memcpy(img, table, tl);
    float *w = (float *)(img + tl);
    for (int i = 0; i < 5000; i++) w[i] = (i % 3 == 0) ? NAN : (i % 3 == 1 ? INFINITY : 0.0f);
    expect_st(dir, "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[5000,16],\"data_offsets\":[0,320000]},\"weights\":{\"dtype\":\"F32\",\"shape\":[5000],\"data_offsets\":[320000,340000]}}",
              img, tl + 20000, M2V_OK, NULL, "NaN/Inf weights load and encode");
    free(img);
    free(table);
}

static void g_config(void) {
    if (!g_have_fixtures) { skipped++; return; }
    const char *dir = model_dir("config", WL);
    struct { const char *json; m2v_status want; const char *needle; const char *label; } cases[] = {
        {"", M2V_ERR_FORMAT, "config.json", "empty"},
        {"{", M2V_ERR_FORMAT, "config.json", "truncated"},
        {"{\"normalize\": true,}", M2V_ERR_FORMAT, "config.json", "trailing comma"},
        {"[1, 2]", M2V_ERR_FORMAT, "object", "an array"},
        {"\"model2vec\"", M2V_ERR_FORMAT, "object", "a string"},
        {"null", M2V_ERR_FORMAT, "object", "null"},
        {"{\"max_length\": \"512\"}", M2V_ERR_FORMAT, "max_length", "max_length a string"},
        {"{\"max_length\": -1}", M2V_ERR_FORMAT, "max_length", "max_length -1"},
        {"{\"max_length\": 0}", M2V_ERR_FORMAT, "max_length", "max_length 0"},
        {"{\"max_length\": 1.5}", M2V_ERR_FORMAT, "max_length", "max_length 1.5"},
        {"{\"max_length\": 1e300}", M2V_ERR_FORMAT, "max_length", "max_length 1e300"},
        {"{\"max_length\": [512]}", M2V_ERR_FORMAT, "max_length", "max_length an array"},
        {"{\"max_length\": null}", M2V_OK, NULL, "max_length null (no limit)"},
        {"{\"max_length\": 2147483648}", M2V_OK, NULL, "max_length 2^31"},
        {"{\"normalize\": \"yes\"}", M2V_ERR_FORMAT, "normalize", "normalize a string"},
        {"{}", M2V_OK, NULL, "empty object"},
        {"{\"a\":\"\xff\"}", M2V_ERR_FORMAT, "config.json", "invalid UTF-8"},
        /* Numbers with leading zeros: Python's json and serde_json reject them (0.2 accepted). */
        {"{\"max_length\": 0512}", M2V_ERR_FORMAT, "leading zero", "max_length 0512"},
        {"{\"a\": 00}", M2V_ERR_FORMAT, "leading zero", "00"},
        {"{\"a\": -01.5}", M2V_ERR_FORMAT, "leading zero", "-01.5"},
        {"{\"a\": [0, -0, 0.5, -0.0e1, 10]}", M2V_OK, NULL, "zeros that are valid JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        spits(dir, "config.json", cases[i].json);
        EXPECT(load(dir), cases[i].want, cases[i].needle, "config.json %s", cases[i].label);
    }
    /* A repeated key: its last value, once, at its first position (Python's json.load; 0.2 used
     * the first and kept both in m2v_model_config_json). */
    spits(dir, "config.json", "{\"max_length\": 7, \"x\": 1, \"max_length\": 9}");
    m2v_model *dm = NULL;
    EXPECT(m2v_model_load(dir, NULL, &dm), M2V_OK, NULL, "duplicate max_length");
    if (dm) {
        CHECK(m2v_model_max_length(dm) == 9, "the last max_length wins (%lld)", (long long)m2v_model_max_length(dm));
        const char *cj = m2v_model_config_json(dm, NULL);
        CHECK(cj && strstr(cj, "\"max_length\":9") && !strstr(strstr(cj, "\"max_length\"") + 1, "\"max_length\""),
              "config_json holds max_length once: %s", cj ? cj : "(null)");
        m2v_model_free(dm);
    }
    /* 10,000 levels of nesting. */
    size_t depth = 10000;
    char *deep = malloc(2 * depth + 16);
    size_t k = 0;
    deep[k++] = '{'; memcpy(deep + k, "\"a\":", 4); k += 4;
    for (size_t i = 0; i < depth; i++) deep[k++] = '[';
    for (size_t i = 0; i < depth; i++) deep[k++] = ']';
    deep[k++] = '}';
    spit(dir, "config.json", deep, k);
    EXPECT(load(dir), M2V_ERR_FORMAT, "nesting", "config.json nested 10,000 deep");
    free(deep);
    /* config.json a folder, not a file */
    char p[700];
    snprintf(p, sizeof p, "%s/config.json", dir);
    unlink(p);
    mkdir(p, 0700);
    EXPECT(load(dir), M2V_ERR_NOT_FOUND, "config.json", "config.json is a folder");
    rmdir(p);
}

/* A WordLevel tokenizer.json with the given pieces. */
static char *tok_json(const char *normalizer, const char *pre, const char *model, const char *post, const char *added) {
    size_t n = strlen(normalizer) + strlen(pre) + strlen(model) + strlen(post) + strlen(added) + 200;
    char *s = malloc(n);
    snprintf(s, n, "{\"version\":\"1.0\",\"added_tokens\":%s,\"normalizer\":%s,\"pre_tokenizer\":%s,\"post_processor\":%s,\"model\":%s}",
             added, normalizer, pre, post, model);
    return s;
}

#define WLM "{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"a\":1,\"b\":2},\"unk_token\":\"[UNK]\"}"

static void expect_tok(const char *json, size_t len, m2v_status want, const char *needle, const char *label) {
    m2v_tokenizer *t = (m2v_tokenizer *)1;
    EXPECT(m2v_tokenizer_load_from_memory(json, len, &t), want, needle, "%s", label);
    CHECK((t != NULL) == (want == M2V_OK), "out set iff OK (%s)", label);
    if (t) {
        const char *texts[] = {"a b c [UNK] hello", "\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80"};
        size_t lens[] = {17, 10};
        m2v_ids *ids = NULL;
        EXPECT(m2v_tokenizer_encode(t, texts, lens, 2, 1, &ids), M2V_OK, NULL, "encode with %s", label);
        m2v_ids_free(ids);
        m2v_tokenizer_free(t);
    }
}

static void expect_tok_s(const char *json, m2v_status want, const char *needle, const char *label) {
    expect_tok(json, strlen(json), want, needle, label);
}

static void g_tokenizer_json(void) {
    struct { const char *norm, *pre, *model, *post, *added; m2v_status want; const char *needle; const char *label; } c[] = {
        {"null", "null", WLM, "null", "[]", M2V_OK, NULL, "minimal WordLevel"},
        {"{\"type\":\"Frobnicate\"}", "null", WLM, "null", "[]", M2V_ERR_UNSUPPORTED, "Frobnicate", "unknown normalizer"},
        {"{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFKC\"},{\"type\":\"Zap\"}]}", "null", WLM, "null", "[]", M2V_ERR_UNSUPPORTED, "Zap", "unknown normalizer in a Sequence"},
        {"null", "{\"type\":\"Splinter\"}", WLM, "null", "[]", M2V_ERR_UNSUPPORTED, "Splinter", "unknown pre-tokenizer"},
        {"null", "null", "{\"type\":\"NeuralBPE\",\"vocab\":{}}", "null", "[]", M2V_ERR_UNSUPPORTED, "NeuralBPE", "unknown model"},
        {"null", "null", WLM, "{\"type\":\"Fancy\"}", "[]", M2V_ERR_UNSUPPORTED, "Fancy", "unknown post-processor"},
        {"{\"no_type\":1}", "null", WLM, "null", "[]", M2V_ERR_FORMAT, "type", "normalizer without type"},
        {"7", "null", WLM, "null", "[]", M2V_ERR_FORMAT, NULL, "normalizer a number"},
        {"null", "[1]", WLM, "null", "[]", M2V_ERR_FORMAT, NULL, "pre-tokenizer an array"},
        {"null", "null", "{\"type\":\"WordLevel\",\"vocab\":[1,2],\"unk_token\":\"[UNK]\"}", "null", "[]", M2V_ERR_FORMAT, "vocab", "WordLevel vocab an array"},
        {"null", "null", "{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"a\":-1},\"unk_token\":\"[UNK]\"}", "null", "[]", M2V_ERR_FORMAT, NULL, "WordLevel id -1"},
        {"null", "null", "{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"a\":3000000000},\"unk_token\":\"[UNK]\"}", "null", "[]", M2V_ERR_FORMAT, NULL, "WordLevel id 3e9"},
        {"null", "null", "{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"a\":1.5},\"unk_token\":\"[UNK]\"}", "null", "[]", M2V_ERR_FORMAT, NULL, "WordLevel id 1.5"},
        {"null", "null", "{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"a\":1,\"a\":2},\"unk_token\":\"[UNK]\"}", "null", "[]", M2V_OK, NULL, "WordLevel duplicate token (last wins, as serde)"},
        {"null", "null", "{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"a\":1,\"b\":1},\"unk_token\":\"[UNK]\"}", "null", "[]", M2V_ERR_FORMAT, NULL, "WordLevel duplicate id"},
        {"null", "null", "{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"a\":5},\"unk_token\":\"[UNK]\"}", "null", "[]", M2V_OK, NULL, "WordLevel ids with a hole"},
        {"null", "null", "{\"type\":\"WordLevel\",\"vocab\":{\"a\":0,\"b\":1},\"unk_token\":\"[UNK]\"}", "null", "[]", M2V_ERR_FORMAT, "[UNK]", "WordLevel vocab missing the unk token"},
        {"null", "null", "{\"type\":\"WordPiece\",\"vocab\":{\"a\":0,\"##b\":1},\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":100}", "null", "[]", M2V_ERR_FORMAT, "[UNK]", "WordPiece vocab missing the unk token"},
        {"null", "null", "{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2},\"merges\":[\"a z\"]}", "null", "[]", M2V_ERR_FORMAT, "z", "BPE merge of an unknown token"},
        {"null", "null", "{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1},\"merges\":[\"a b\"]}", "null", "[]", M2V_ERR_FORMAT, "ab", "BPE merge result not in vocab"},
        {"null", "null", "{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2},\"merges\":[\"ab\"]}", "null", "[]", M2V_ERR_FORMAT, NULL, "BPE merge without a space"},
        {"null", "null", "{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2},\"merges\":[[\"a\"]]}", "null", "[]", M2V_ERR_FORMAT, NULL, "BPE merge pair of one"},
        {"null", "null", "{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2},\"merges\":[\"a b\"],\"unk_token\":\"<unk>\"}", "null", "[]", M2V_ERR_FORMAT, "<unk>", "BPE unk_token not in vocab"},
        {"null", "null", "{\"type\":\"Unigram\",\"vocab\":[[\"a\",-1.0],[\"b\",-2.0]],\"unk_id\":5}", "null", "[]", M2V_ERR_FORMAT, "unk", "Unigram unk_id out of range"},
        {"null", "null", "{\"type\":\"Unigram\",\"vocab\":[[\"a\",\"x\"]],\"unk_id\":0}", "null", "[]", M2V_ERR_FORMAT, NULL, "Unigram score a string"},
        {"null", "null", "{\"type\":\"Unigram\",\"vocab\":[],\"unk_id\":null}", "null", "[]", M2V_OK, NULL, "Unigram empty vocab"},
        {"null", "null", WLM, "null", "[{\"id\":-1,\"content\":\"x\"}]", M2V_ERR_FORMAT, "id", "added token id -1"},
        {"null", "null", WLM, "null", "[{\"id\":1}]", M2V_ERR_FORMAT, "content", "added token without content"},
        {"null", "null", WLM, "null", "{\"id\":1}", M2V_ERR_FORMAT, "added_tokens", "added_tokens an object"},
        {"null", "null", WLM, "{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"[CLS]\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}],\"pair\":[],\"special_tokens\":{}}", "[]", M2V_ERR_FORMAT, "[CLS]", "template naming an undefined special token"},
        {"null", "null", WLM, "{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\"],\"cls\":[\"[CLS]\",101]}", "[]", M2V_ERR_FORMAT, NULL, "BertProcessing sep without id"},
        {"{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"(\"},\"content\":\"x\"}", "null", WLM, "null", "[]", M2V_ERR_FORMAT, NULL, "Replace with a broken regex"},
        {"{\"type\":\"Precompiled\",\"precompiled_charsmap\":\"!!notbase64\"}", "null", WLM, "null", "[]", M2V_ERR_FORMAT, NULL, "Precompiled with bad base64"},
        {"{\"type\":\"Precompiled\",\"precompiled_charsmap\":\"AAAAAA==\"}", "null", WLM, "null", "[]", M2V_OK, NULL, "Precompiled with an empty charsmap"},
        {"null", "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"[\"},\"behavior\":\"Isolated\",\"invert\":false}", WLM, "null", "[]", M2V_ERR_FORMAT, NULL, "Split with a broken regex"},
        {"null", "{\"type\":\"Split\",\"pattern\":{\"String\":\" \"},\"behavior\":\"Sideways\",\"invert\":false}", WLM, "null", "[]", M2V_ERR_FORMAT, "Sideways", "Split with an unknown behaviour"},
        {"null", "{\"type\":\"Metaspace\",\"replacement\":\"ab\",\"prepend_scheme\":\"always\",\"split\":true}", WLM, "null", "[]", M2V_ERR_FORMAT, NULL, "Metaspace with a 2-char replacement"},
        {"null", "{\"type\":\"Metaspace\",\"replacement\":\"_\",\"prepend_scheme\":\"sometimes\",\"split\":true}", WLM, "null", "[]", M2V_ERR_FORMAT, "sometimes", "Metaspace with an unknown prepend_scheme"},
        {"null", "{\"type\":\"FixedLength\",\"length\":0}", WLM, "null", "[]", M2V_ERR_FORMAT, "length", "FixedLength 0"},
        {"null", "{\"type\":\"CharDelimiterSplit\",\"delimiter\":\"\"}", WLM, "null", "[]", M2V_ERR_FORMAT, NULL, "CharDelimiterSplit with an empty delimiter"},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        char *j = tok_json(c[i].norm, c[i].pre, c[i].model, c[i].post, c[i].added);
        expect_tok_s(j, c[i].want, c[i].needle, c[i].label);
        free(j);
    }
    /* Malformed JSON. */
    const char *bad[] = {"{", "{\"model\":", "{\"model\":{}}", "[]", "null", "{\"model\":" WLM "}}", "{\"model\":" WLM ",}",
                         "{'model':1}", "\xef\xbb\xbf{}", "{\"model\":" WLM "\x01}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\uZZZZ\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        m2v_tokenizer *t = (m2v_tokenizer *)1;
        m2v_status st = m2v_tokenizer_load_from_memory(bad[i], strlen(bad[i]), &t);
        CHECK((st == M2V_ERR_FORMAT || st == M2V_ERR_UNSUPPORTED) && t == NULL && m2v_last_error()[0], "malformed %zu gave %s", i, m2v_status_name(st));
    }
    /* Embedded NUL: the length rules, not the NUL. */
    char nul[] = "{\"model\":" WLM "}\0garbage";
    expect_tok(nul, sizeof nul - 1, M2V_ERR_FORMAT, NULL, "NUL then garbage after the JSON");
    /* 10,000 levels of nesting, as the model and as an unused key. */
    size_t depth = 10000;
    char *deep = malloc(6 * depth + 64);
    size_t k = (size_t)sprintf(deep, "{\"model\":");
    for (size_t i = 0; i < depth; i++) deep[k++] = '[';
    for (size_t i = 0; i < depth; i++) deep[k++] = ']';
    deep[k++] = '}';
    expect_tok(deep, k, M2V_ERR_FORMAT, "nesting", "model nested 10,000 deep");
    k = (size_t)sprintf(deep, "{\"x\":");
    for (size_t i = 0; i < depth; i++) { memcpy(deep + k, "{\"a\":", 5); k += 5; }
    for (size_t i = 0; i < depth; i++) deep[k++] = '}';
    deep[k++] = '}';
    expect_tok(deep, k, M2V_ERR_FORMAT, "nesting", "objects nested 10,000 deep");
    free(deep);
    /* Huge ids, many tokens. */
    char *added = tok_json("null", "null", WLM, "null", "[{\"id\":2147483646,\"content\":\"far\",\"special\":true}]");
    expect_tok_s(added, M2V_OK, NULL, "added token with id 2^31-2");
    /* As HF's deserializer: the file's id is checked, not used; "far" gets the next id after the
     * model's 3 tokens. */
    m2v_tokenizer *far = NULL;
    if (m2v_tokenizer_load_from_memory(added, strlen(added), &far) == M2V_OK) {
        const char *t = "far";
        size_t l = 3;
        m2v_ids *ids = NULL;
        EXPECT(m2v_tokenizer_encode(far, &t, &l, 1, 0, &ids), M2V_OK, NULL, "encode far");
        CHECK(ids && ids->offsets[1] == 1 && ids->ids[0] == 3, "far is id 3 (as HF), not 2147483646");
        CHECK(m2v_tokenizer_vocab_size(far) == 4, "vocab_size 4 (%zu)", m2v_tokenizer_vocab_size(far));
        m2v_ids_free(ids);
        m2v_tokenizer_free(far);
    }
    free(added);

    if (!g_have_fixtures) { skipped++; return; }
    /* In a model folder, tokenizer problems are reported for the model too. */
    const char *dir = model_dir("tokenizer", WL);
    spits(dir, "tokenizer.json", "{\"model\":{\"type\":\"Mystery\"}}");
    EXPECT(load(dir), M2V_ERR_UNSUPPORTED, "Mystery", "model folder with an unknown tokenizer model");
    spits(dir, "tokenizer.json", "{\"model\":");
    EXPECT(load(dir), M2V_ERR_FORMAT, "tokenizer.json", "model folder with truncated tokenizer.json");
    char *small = tok_json("null", "null", WLM, "null", "[]");
    spits(dir, "tokenizer.json", small);
    EXPECT(load(dir), M2V_ERR_FORMAT, "rows", "tokenizer of 3 tokens, table of 5000 rows");
    free(small);
    /* The fixture's tokenizer.json truncated at many places: never a crash. */
    size_t n;
    unsigned char *tj = fixture_file(WL, "tokenizer.json", &n);
    size_t bad_cuts = 0, cuts = 0;
    for (size_t cut = 0; cut < n; cut += 1 + cut / 7) {
        m2v_tokenizer *t = NULL;
        m2v_status st = m2v_tokenizer_load_from_memory((const char *)tj, cut, &t);
        cuts++;
        if (st != M2V_ERR_FORMAT || t) bad_cuts++;
        m2v_tokenizer_free(t);
    }
    CHECK(bad_cuts == 0, "%zu of %zu truncated tokenizer.json not FORMAT", bad_cuts, cuts);
    free(tj);
}

static void g_utf8(void) {
    if (!g_have_fixtures) { skipped++; return; }
    char dir[600], tp[700];
    snprintf(dir, sizeof dir, "%s/models/%s", g_fix, WL);
    snprintf(tp, sizeof tp, "%s/tokenizer.json", dir);
    m2v_model *m = NULL;
    m2v_tokenizer *tk = NULL;
    EXPECT(m2v_model_load(dir, NULL, &m), M2V_OK, NULL, "load");
    EXPECT(m2v_tokenizer_load(tp, &tk), M2V_OK, NULL, "load tokenizer");
    if (!m || !tk) return;
    struct { const char *s; size_t len; const char *label; } bad[] = {
        {"ok \xc0\xaf", 5, "overlong '/' (2 bytes)"},
        {"\xe0\x80\xaf", 3, "overlong (3 bytes)"},
        {"\xf0\x80\x80\xaf", 4, "overlong (4 bytes)"},
        {"\xc1\xbf", 2, "overlong 0x7F"},
        {"a\xed\xa0\x80z", 5, "high surrogate U+D800"},
        {"\xed\xbf\xbf", 3, "low surrogate U+DFFF"},
        {"\xed\xa0\xbd\xed\xb8\x80", 6, "CESU-8 surrogate pair"},
        {"\xf4\x90\x80\x80", 4, "U+110000"},
        {"\xf8\x88\x80\x80\x80", 5, "5-byte form"},
        {"abc\xe2\x82", 5, "truncated 3-byte sequence at the end"},
        {"\xf0\x9f\x98", 3, "truncated emoji"},
        {"\xe2\x82 x", 4, "truncated sequence mid-text"},
        {"\x80", 1, "lone continuation byte"},
        {"\xff", 1, "0xFF"},
        {"\xfe\xff", 2, "0xFE 0xFF"},
    };
    float out[16];
    m2v_encode_params nolimit = m2v_encode_default_params();
    nolimit.max_length = 0;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *t = bad[i].s;
        size_t l = bad[i].len;
        m2v_ids *ids = (m2v_ids *)1;
        m2v_sequence *seq = (m2v_sequence *)1;
        EXPECT(m2v_encode(m, &t, &l, 1, NULL, out, 16), M2V_ERR_INVALID_UTF8, "text 0", "encode %s", bad[i].label);
        EXPECT(m2v_encode(m, &t, &l, 1, &nolimit, out, 16), M2V_ERR_INVALID_UTF8, "text 0", "encode (no limit) %s", bad[i].label);
        EXPECT(m2v_tokenize(m, &t, &l, 1, NULL, &ids), M2V_ERR_INVALID_UTF8, "text 0", "tokenize %s", bad[i].label);
        CHECK(ids == NULL, "cleared");
        EXPECT(m2v_encode_as_sequence(m, &t, &l, 1, NULL, &seq), M2V_ERR_INVALID_UTF8, "text 0", "sequence %s", bad[i].label);
        CHECK(seq == NULL, "cleared");
        ids = (m2v_ids *)1;
        EXPECT(m2v_tokenizer_encode(tk, &t, &l, 1, 1, &ids), M2V_ERR_INVALID_UTF8, "text 0", "tokenizer %s", bad[i].label);
        CHECK(ids == NULL, "cleared");
    }
    /* The message names the text and byte offset of the first bad text in a batch. */
    const char *texts[] = {"fine", "also fine", "bad \xff here"};
    size_t lens[] = {4, 9, 10};
    float out3[48];
    EXPECT(m2v_encode(m, texts, lens, 3, NULL, out3, 48), M2V_ERR_INVALID_UTF8, "text 2", "batch, third text bad");
    CHECK(strstr(m2v_last_error(), "4") != NULL, "names byte offset 4: %s", m2v_last_error());
    /* Valid edge cases. */
    struct { const char *s; size_t len; const char *label; } good[] = {
        {"a\0b", 3, "embedded NUL"},
        {"\0\0\0", 3, "only NULs"},
        {"\xef\xbf\xbf \xef\xbf\xbe", 7, "non-characters U+FFFF U+FFFE"},
        {"\xf4\x8f\xbf\xbf", 4, "U+10FFFF"},
        {"\xef\xbb\xbf" "the", 6, "BOM"},
        {"\xed\x9f\xbf", 3, "U+D7FF"},
        {"", 0, "empty"},
        {"   \t\n\r  ", 8, "whitespace only"},
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        const char *t = good[i].s;
        size_t l = good[i].len;
        m2v_ids *ids = NULL;
        EXPECT(m2v_encode(m, &t, &l, 1, NULL, out, 16), M2V_OK, NULL, "encode %s", good[i].label);
        EXPECT(m2v_tokenizer_encode(tk, &t, &l, 1, 1, &ids), M2V_OK, NULL, "tokenizer %s", good[i].label);
        m2v_ids_free(ids);
    }
    /* Invalid UTF-8 far beyond the max_length character cut: rejected anyway. */
    size_t L = 200000;
    char *longbad = malloc(L);
    for (size_t i = 0; i < L; i++) longbad[i] = (i % 4 == 3) ? ' ' : 'a';
    longbad[L - 1] = (char)0xff;
    const char *t = longbad;
    EXPECT(m2v_encode(m, &t, &L, 1, NULL, out, 16), M2V_ERR_INVALID_UTF8, "text 0", "0xFF after 200 KB (past the cut)");
    free(longbad);
    m2v_tokenizer_free(tk);
    m2v_model_free(m);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void g_big_text(void) {
    if (!g_have_fixtures) { skipped++; return; }
    const char *dir = wl_dir();
    m2v_model *m = load_wl();
    if (!m) return;
    size_t L = 100u << 20;
    char *big = malloc(L);
    const char *pat = "the quick brown fox jumps over the lazy dog. ";
    size_t pl = strlen(pat);
    for (size_t i = 0; i < L; i++) big[i] = pat[i % pl];
    const char *t = big;
    float out[16];
    double t0 = now();
    EXPECT(m2v_encode(m, &t, &L, 1, NULL, out, 16), M2V_OK, NULL, "100 MB text, max_length 512");
    double t1 = now();
    CHECK(t1 - t0 < 5.0, "100 MB with max_length 512 took %.2f s", t1 - t0);
    printf("  100 MB text: encode (max_length 512) %.3f s\n", t1 - t0);
    m2v_ids *ids = NULL;
    EXPECT(m2v_tokenize(m, &t, &L, 1, NULL, &ids), M2V_OK, NULL, "tokenize 100 MB");
    CHECK(ids && ids->offsets[1] <= 512, "truncated to <= 512 ids");
    m2v_ids_free(ids);
    /* One 100 MB word: the char cut applies as well. */
    char *word = malloc(L);
    memset(word, 'x', L);
    t = word;
    t0 = now();
    EXPECT(m2v_encode(m, &t, &L, 1, NULL, out, 16), M2V_OK, NULL, "100 MB single word");
    printf("  100 MB single word: %.3f s\n", now() - t0);
    m2v_encode_params p = m2v_encode_default_params();
    p.max_length = 0;
    /* Without a cut the whole text is tokenized: beyond m2v_max_text_code_points() that is
     * INVALID_ARGUMENT naming the limit (issue 14: positions inside a text stay int32, memory
     * stays bounded), at the limit it works. */
    size_t cap = m2v_max_text_code_points();
    CHECK(cap == (size_t)1 << 24, "m2v_max_text_code_points() = %zu", cap);
    EXPECT(m2v_encode(m, &t, &L, 1, &p, out, 16), M2V_ERR_INVALID_ARGUMENT, "16777216", "100 MB single word, no limit");
    t = big;
    EXPECT(m2v_encode(m, &t, &L, 1, &p, out, 16), M2V_ERR_INVALID_ARGUMENT, "16777216", "100 MB text, max_length 0 (no limit)");
    m2v_tokenizer *tk = NULL;
    char tpath[4096];
    snprintf(tpath, sizeof tpath, "%s/tokenizer.json", dir);
    if (m2v_tokenizer_load(tpath, &tk) == M2V_OK) {
        ids = (m2v_ids *)1;
        EXPECT(m2v_tokenizer_encode(tk, &t, &L, 1, 0, &ids), M2V_ERR_INVALID_ARGUMENT, "16777216", "tokenizer_encode of 100 MB");
        CHECK(ids == NULL, "cleared");
        size_t at = cap, over = cap + 1;
        EXPECT(m2v_tokenizer_encode(tk, &t, &over, 1, 0, &ids), M2V_ERR_INVALID_ARGUMENT, "16777216", "tokenizer_encode of limit + 1");
        t0 = now();
        EXPECT(m2v_tokenizer_encode(tk, &t, &at, 1, 0, &ids), M2V_OK, NULL, "tokenizer_encode of exactly the limit");
        printf("  %zu-byte text at the limit: tokenizer_encode %.3f s\n", at, now() - t0);
        m2v_ids_free(ids);
        m2v_tokenizer_free(tk);
    }
    size_t at = cap;
    t0 = now();
    EXPECT(m2v_encode(m, &t, &at, 1, &p, out, 16), M2V_OK, NULL, "text of exactly the limit, max_length 0 (no limit)");
    printf("  %zu-byte text: encode (no limit) %.3f s\n", at, now() - t0);
    CHECK(isfinite(out[0]), "finite");
    free(word);
    free(big);
    m2v_model_free(m);
}

/* ---- fuzz regressions ---- */

static void g_regressions(void) {
    char path[1024];
    const char *root = getenv("M2V_FUZZ_REGRESSIONS");
    if (!root) root = "fuzz/regressions";
    DIR *d = opendir(root);
    if (!d) { printf("  no %s folder\n", root); return; }
    if (m2v_fuzz_init(g_have_fixtures)) { failed++; closedir(d); return; }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", root, e->d_name);
        size_t len;
        unsigned char *b = slurp(path, &len);
        if (!b) continue;
        /* The file name starts with the target: safetensors-*, tokenizer-*, encode-*, config-*,
         * params-*, model_create-*, classifier-*. */
        if (!strncmp(e->d_name, "safetensors", 11)) m2v_fuzz_safetensors(b, len);
        else if (!strncmp(e->d_name, "tokenizer", 9)) m2v_fuzz_tokenizer(b, len);
        else if (!strncmp(e->d_name, "encode", 6)) m2v_fuzz_encode(b, len);
        else if (!strncmp(e->d_name, "config", 6)) m2v_fuzz_config(b, len);
        else if (!strncmp(e->d_name, "params", 6)) m2v_fuzz_params(b, len);
        else if (!strncmp(e->d_name, "model_create", 12)) m2v_fuzz_model_create(b, len);
        else if (!strncmp(e->d_name, "classifier", 10)) m2v_fuzz_classifier(b, len);
        else { printf("  %s: no target prefix, skipped\n", e->d_name); free(b); continue; }
        free(b);
        n++;
        passed++; /* returned without violating the contract (violations abort the group) */
    }
    closedir(d);
    m2v_fuzz_fini();
    printf("  replayed %d fuzz regression inputs\n", n);
}

/* ---- driver ---- */

static int rm_cb(const char *p, const struct stat *s, int flag, struct FTW *f) {
    (void)s; (void)flag; (void)f;
    return remove(p);
}

/* m2v_model_create with hostile arrays: sizes that overflow or disagree, NULL data, mappings
 * and weights that do not fit, dtypes and JSON that are not what they claim (0.2). */
static void g_model_create(void) {
    char *tj = tok_json("null", "null", WLM, "null", "[]");
    float table[3 * 4] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    m2v_model_spec base = m2v_model_spec_default();
    base.embeddings = (m2v_tensor){table, M2V_DTYPE_F32, 2, {3, 4}, sizeof table};
    base.tokenizer_json = tj;
    base.tokenizer_json_len = strlen(tj);
    m2v_model *m = NULL;
    EXPECT(m2v_model_create(&base, &m), M2V_OK, NULL, "valid spec");
    m2v_model_free(m);
    m2v_model_spec s = base;
    s.embeddings.shape[0] = SIZE_MAX / 2;
    s.embeddings.shape[1] = 3;
    m = (m2v_model *)1;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_INVALID_ARGUMENT, NULL, "shape overflows");
    CHECK(m == NULL, "out cleared");
    s = base;
    s.embeddings.shape[0] = (size_t)1 << 62;
    s.embeddings.shape[1] = 4;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_INVALID_ARGUMENT, NULL, "shape times element size overflows");
    s = base;
    s.embeddings.nbytes = SIZE_MAX;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_INVALID_ARGUMENT, NULL, "nbytes SIZE_MAX");
    s = base;
    s.embeddings.data = NULL;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_INVALID_ARGUMENT, "NULL", "data NULL");
    s = base;
    s.embeddings.ndim = 1;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_INVALID_ARGUMENT, "ndim", "1-D table");
    s = base;
    s.embeddings.dtype = M2V_DTYPE_I64;
    s.embeddings.shape[1] = 2;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_UNSUPPORTED, NULL, "int64 table");
    s = base;
    s.embeddings.shape[0] = 0;
    s.embeddings.nbytes = 0;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_FORMAT, NULL, "empty table");
    int32_t map_bad[3] = {0, 1, 7};
    m2v_tensor mt = {map_bad, M2V_DTYPE_I32, 1, {3, 0}, sizeof map_bad};
    s = base;
    s.mapping = &mt;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_FORMAT, "mapping", "mapping out of range");
    int32_t map_short[2] = {0, 1};
    m2v_tensor ms = {map_short, M2V_DTYPE_I32, 1, {2, 0}, sizeof map_short};
    s = base;
    s.mapping = &ms;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_FORMAT, "mapping", "mapping shorter than the vocabulary");
    float mf[3] = {0, 1, 2};
    m2v_tensor mflt = {mf, M2V_DTYPE_F32, 1, {3, 0}, sizeof mf};
    s = base;
    s.mapping = &mflt;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_FORMAT, "integer", "float mapping");
    float w[2] = {1, 1};
    m2v_tensor wt = {w, M2V_DTYPE_F32, 1, {2, 0}, sizeof w};
    s = base;
    s.weights = &wt;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_FORMAT, "weights", "weights shorter than the vocabulary");
    s = base;
    s.tokenizer_json = NULL;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_INVALID_ARGUMENT, "tokenizer_json", "tokenizer NULL");
    s = base;
    s.tokenizer_json_len = SIZE_MAX;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_INVALID_ARGUMENT, NULL, "tokenizer length SIZE_MAX");
    s = base;
    s.config_json = "{\"normalize\": 3}";
    s.config_json_len = strlen(s.config_json);
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_FORMAT, "normalize", "config normalize 3");
    s = base;
    s.config_json = "{\"a\":";
    s.config_json_len = strlen(s.config_json);
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_INVALID_ARGUMENT, NULL, "config truncated");
    s = base;
    s.metadata_json = "{\"language\": 5}";
    s.metadata_json_len = strlen(s.metadata_json);
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_INVALID_ARGUMENT, "language", "metadata language 5");
    s = base;
    s.max_length = -7;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_INVALID_ARGUMENT, "max_length", "max_length -7");
    s = base;
    s.normalize = 2;
    EXPECT(m2v_model_create(&s, &m), M2V_ERR_INVALID_ARGUMENT, "normalize", "normalize 2");
    /* quantize: bad params on a valid model */
    EXPECT(m2v_model_create(&base, &m), M2V_OK, NULL, "valid spec again");
    m2v_quantize_params qp = m2v_quantize_default_params();
    m2v_model *q = NULL;
    qp.quantize_to = 9;
    EXPECT(m2v_model_quantize(m, &qp, &q), M2V_ERR_INVALID_ARGUMENT, "quantize_to", "quantize_to 9");
    qp = m2v_quantize_default_params();
    qp.vocabulary_quantization = 1000;
    EXPECT(m2v_model_quantize(m, &qp, &q), M2V_ERR_INVALID_ARGUMENT, "vocabulary_quantization", "more clusters than tokens");
    qp = m2v_quantize_default_params();
    qp.dimensionality = -1;
    EXPECT(m2v_model_quantize(m, &qp, &q), M2V_ERR_INVALID_ARGUMENT, "dimensionality", "dimensionality -1");
    CHECK(q == NULL, "quantize out NULL on failure");
    m2v_tensor out;
    EXPECT(m2v_model_tensor(m, "weights", &out), M2V_ERR_NOT_FOUND, "weights", "no weights tensor");
    size_t len = 0;
    char small[2];
    EXPECT(m2v_model_tokenizer_json(m, small, sizeof small, &len), M2V_ERR_BUFFER_TOO_SMALL, NULL, "tokenizer json small buffer");
    EXPECT(m2v_model_tokenizer_json(m, NULL, 5, &len), M2V_ERR_BUFFER_TOO_SMALL, NULL, "tokenizer json NULL buffer, capacity 5");
    m2v_model_free(m);
    free(tj);
}

/* ---- issue 14: bounded allocations, mapped files, per-text handling ---- */

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>

#if defined(__SANITIZE_ADDRESS__)
#define M2V_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define M2V_ASAN 1
#endif
#endif

/* Limits this group's process (a forked child) to `gib` GiB of address space, as `ulimit -v`
 * does in containers: an allocation sized by a file or an argument beyond it would be a Swift
 * trap ("failed to allocate"), which is what these groups prove cannot happen. AddressSanitizer
 * reserves terabytes of shadow memory, so under make test-asan the limit is not set (the cases
 * still run). */
static void limit_address_space(double gib) {
#ifndef M2V_ASAN
    struct rlimit r;
    r.rlim_cur = r.rlim_max = (rlim_t)(gib * (double)(1u << 30));
    CHECK(setrlimit(RLIMIT_AS, &r) == 0, "setrlimit(RLIMIT_AS, %.1f GiB): %s", gib, strerror(errno));
    printf("  address space limited to %.1f GiB\n", gib);
#else
    (void)gib;
    printf("  (AddressSanitizer: no address-space limit)\n");
#endif
}

/* Tokenizes `text` with the tokenizer.json `json`; expects `want` and, when OK, the ids. */
static void expect_ids(const char *json, const char *text, m2v_status want, const char *needle,
                       const int32_t *ids_want, size_t n_want, const char *label) {
    m2v_tokenizer *t = NULL;
    EXPECT(m2v_tokenizer_load_from_memory(json, strlen(json), &t), M2V_OK, NULL, "load %s", label);
    if (!t) return;
    size_t len = strlen(text);
    m2v_ids *ids = NULL;
    EXPECT(m2v_tokenizer_encode(t, &text, &len, 1, 0, &ids), want, needle, "%s", label);
    if (ids && want == M2V_OK) {
        int same = ids->offsets[1] == n_want;
        for (size_t i = 0; same && i < n_want; i++) same = ids->ids[i] == ids_want[i];
        CHECK(same, "%s: ids as HF tokenizers gives them (%zu ids)", label, ids->offsets[1]);
    }
    m2v_ids_free(ids);
    m2v_tokenizer_free(t);
}

/* Allocation sized by file contents (issue 14 case 1): sparse ids, and a normalizer whose
 * expansion a file sets, under a 1 GiB address-space limit. */
static void g_bounded_allocations(void) {
    limit_address_space(1.0);
    /* {"[UNK]": 0, "a": 2147483647}: HF tokenizers loads it (get_vocab_size() 2) and encodes
     * "a" as 2147483647; m2v used to allocate 2^31 slots (8 GiB) and trap. */
    const char *wl = "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":null,"
                     "\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},\"post_processor\":null,"
                     "\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"a\":2147483647},\"unk_token\":\"[UNK]\"}}";
    int32_t want_wl[] = {2147483647, 0, 0};
    expect_ids(wl, "a ab x", M2V_OK, NULL, want_wl, 3, "WordLevel with id 2147483647");
    m2v_tokenizer *t = NULL;
    if (m2v_tokenizer_load_from_memory(wl, strlen(wl), &t) == M2V_OK) {
        CHECK(m2v_tokenizer_vocab_size(t) == 2147483648u, "vocab_size is one more than the largest id (%zu)",
              m2v_tokenizer_vocab_size(t));
        char tok[4];
        size_t need = 0;
        CHECK(m2v_tokenizer_token(t, 2147483647, tok, sizeof tok, &need) == M2V_OK && need == 1 && tok[0] == 'a',
              "token of id 2147483647 is a");
        CHECK(m2v_tokenizer_token(t, 1000, tok, sizeof tok, &need) == M2V_ERR_NOT_FOUND, "a gap id is not found");
        CHECK(m2v_tokenizer_token(t, 0, tok, (size_t)-1, &need) == M2V_ERR_INVALID_ARGUMENT, "capacity above PTRDIFF_MAX");
        m2v_tokenizer_free(t);
    }
    const char *wp = "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":null,"
                     "\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},\"post_processor\":null,"
                     "\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"a\":2147483647,\"##b\":5},"
                     "\"unk_token\":\"[UNK]\",\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":100}}";
    int32_t want_wp[] = {2147483647, 2147483647, 5, 0};
    expect_ids(wp, "a ab x", M2V_OK, NULL, want_wp, 4, "WordPiece with id 2147483647");
    const char *bpe = "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":null,"
                      "\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},\"post_processor\":null,"
                      "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":2000000000,\"b\":1,\"ab\":2147483646},"
                      "\"merges\":[\"a b\"]}}";
    int32_t want_bpe[] = {2147483646, 2000000000};
    expect_ids(bpe, "ab a", M2V_OK, NULL, want_bpe, 2, "BPE with ids near 2^31");
    /* A model over a sparse tokenizer: the table would need 2^31 rows, FORMAT (no allocation). */
    char dir[600];
    snprintf(dir, sizeof dir, "%s/sparse-model", g_tmp);
    mkdir(dir, 0700);
    spits(dir, "config.json", "{}");
    spits(dir, "tokenizer.json", wl);
    float rows[2] = {1, 2};
    size_t stn;
    unsigned char *st = st_image("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[0,8]}}", rows, 8, &stn);
    spit(dir, "model.safetensors", st, stn);
    free(st);
    EXPECT(load(dir), M2V_ERR_FORMAT, "2147483648", "model over a sparse vocabulary");

    /* Replace with a 10,000-character content: a text of n "a"s normalizes to 10,000 n code
     * points. Past m2v_max_text_code_points() that is INVALID_ARGUMENT, before any allocation
     * of that size (it used to reserve n * 10,001 scalars: 40 GB for n = 10^6). */
    size_t clen = 10000;
    char *content = malloc(clen + 1);
    memset(content, 'b', clen);
    content[clen] = 0;
    const char *patterns[] = {"{\"String\":\"a\"}", "{\"String\":\"\"}", "{\"Regex\":\"a\"}"};
    for (int k = 0; k < 3; k++) {
        size_t jn = clen + 600;
        char *json = malloc(jn);
        snprintf(json, jn, "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":"
                 "[{\"type\":\"Replace\",\"pattern\":%s,\"content\":\"%s\"},{\"type\":\"Replace\",\"pattern\":{\"String\":\"b\"},\"content\":\"\"}]},"
                 "\"pre_tokenizer\":null,\"post_processor\":null,\"model\":" WLM "}", patterns[k], content);
        size_t n = 1000000;
        char *text = malloc(n + 1);
        memset(text, 'a', n);
        text[n] = 0;
        /* The second Replace would remove every "b" again: a capped expansion must not be
         * shrunk into a wrong result, the text is rejected. */
        expect_ids(json, text, M2V_ERR_INVALID_ARGUMENT, "16777216", NULL, 0, patterns[k]);
        text[10] = 0; /* 10 "a"s: 100,000 code points, fine; the "b"s removed again */
        int32_t unk[] = {0};
        /* "a" -> content: no "a" is left; "" -> content between characters: the "a"s stay */
        expect_ids(json, text, M2V_OK, NULL, unk, k == 1 ? 1 : 0, patterns[k]);
        free(text);
        free(json);
    }
    free(content);

    /* A safetensors header claiming a 1 TB tensor in a small file: FORMAT, nothing allocated. */
    snprintf(dir, sizeof dir, "%s/claims", g_tmp);
    const char *d = model_dir("claims", WL);
    st = st_image("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[268435456,1024],\"data_offsets\":[0,1099511627776]}}", rows, 8, &stn);
    spit(d, "model.safetensors", st, stn);
    free(st);
    EXPECT(load(d), M2V_ERR_FORMAT, NULL, "header claiming 1 TB");
}

/* A 2.5 GiB text (issue 14 case 3: pieces over 2 GiB used to trap in Int32(...)), under a
 * 4 GiB address-space limit: encode cuts it (only the kept code points are decoded, the rest
 * is validated in place), calls without a cut reject it. The text is zero pages (NUL is valid
 * UTF-8), so it costs no memory. */
static void g_huge_text(void) {
    if (!g_have_fixtures) { skipped++; return; }
    limit_address_space(4.0);
    size_t L = (size_t)5 << 29; /* 2.5 GiB */
    char *big = mmap(NULL, L, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    CHECK(big != MAP_FAILED, "mmap 2.5 GiB");
    if (big == MAP_FAILED) return;
    memcpy(big, "the a b ", 8);
    char dir[600];
    snprintf(dir, sizeof dir, "%s/models/%s", g_fix, WL);
    m2v_model *m = NULL;
    EXPECT(m2v_model_load(dir, NULL, &m), M2V_OK, NULL, "load");
    if (m) {
        const char *t = big;
        size_t dim = m2v_model_dim(m);
        float *out = calloc(dim, sizeof(float));
        double t0 = now();
        EXPECT(m2v_encode(m, &t, &L, 1, NULL, out, dim), M2V_OK, NULL, "encode 2.5 GiB (cut to max_length * median)");
        printf("  2.5 GiB text: encode with the cut %.2f s\n", now() - t0);
        m2v_encode_params p = m2v_encode_default_params();
        p.max_length = 0;
        EXPECT(m2v_encode(m, &t, &L, 1, &p, out, dim), M2V_ERR_INVALID_ARGUMENT, "16777216", "encode 2.5 GiB, no limit");
        p = m2v_encode_default_params();
        p.character_cut = 0;
        m2v_ids *ids = (m2v_ids *)1;
        EXPECT(m2v_tokenize(m, &t, &L, 1, &p, &ids), M2V_ERR_INVALID_ARGUMENT, "16777216", "tokenize 2.5 GiB without the cut");
        CHECK(ids == NULL, "cleared");
        /* An invalid byte at the very end is still found (strict mode validates everything). */
        big[L - 1] = (char)0xff;
        EXPECT(m2v_encode(m, &t, &L, 1, NULL, out, dim), M2V_ERR_INVALID_UTF8, "2684354559", "invalid last byte of 2.5 GiB");
        p = m2v_encode_default_params();
        p.invalid_text = M2V_INVALID_TEXT_REPLACE;
        EXPECT(m2v_encode(m, &t, &L, 1, &p, out, dim), M2V_OK, NULL, "invalid last byte of 2.5 GiB, replace");
        char tpath[700];
        snprintf(tpath, sizeof tpath, "%s/tokenizer.json", dir);
        m2v_tokenizer *tk = NULL;
        if (m2v_tokenizer_load(tpath, &tk) == M2V_OK) {
            big[L - 1] = 0;
            ids = (m2v_ids *)1;
            EXPECT(m2v_tokenizer_encode(tk, &t, &L, 1, 0, &ids), M2V_ERR_INVALID_ARGUMENT, "16777216", "tokenizer_encode 2.5 GiB");
            CHECK(ids == NULL, "cleared");
            m2v_tokenizer_free(tk);
        }
        free(out);
        m2v_model_free(m);
    }
    munmap(big, L);
}

/* Encodes the texts with `m`; returns a malloc'd dim * n floats. */
static float *encode_all(m2v_model *m, const char **texts, size_t n, const m2v_encode_params *p) {
    size_t dim = m2v_model_dim(m);
    size_t *lens = malloc(n * sizeof *lens);
    for (size_t i = 0; i < n; i++) lens[i] = strlen(texts[i]);
    float *out = calloc(n * dim + 1, sizeof(float));
    m2v_status st = m2v_encode(m, texts, lens, n, p, out, n * dim);
    free(lens);
    if (st != M2V_OK) { free(out); return NULL; }
    return out;
}

static m2v_model *load_mmap(const char *dir, int mmap_mode) {
    m2v_load_params lp = m2v_load_default_params();
    lp.mmap = mmap_mode;
    m2v_model *m = NULL;
    EXPECT(m2v_model_load(dir, &lp, &m), M2V_OK, NULL, "load %s with mmap %d", dir, mmap_mode);
    return m;
}

/* The mapped file changes under a loaded model (issue 14 case 2). */
static void g_mapped_files(void) {
    if (!g_have_fixtures) { skipped++; return; }
    const char *texts[] = {"the a b", "hello world", "zebra"};
    size_t n = 3;
    m2v_load_params lp = m2v_load_default_params();
    CHECK(lp.mmap == 1, "mmap is on by default");
    lp.mmap = 2;
    m2v_model *m = (m2v_model *)1;
    EXPECT(m2v_model_load("/nonexistent", &lp, &m), M2V_ERR_INVALID_ARGUMENT, "mmap", "mmap 2");
    CHECK(m == NULL, "cleared");

    for (int mode = 0; mode <= 1; mode++) {
        const char *dir = model_dir(mode ? "mapped-rename" : "read-truncate", WL);
        m = load_mmap(dir, mode);
        if (!m) return;
        float *before = encode_all(m, texts, n, NULL);
        size_t bytes = n * m2v_model_dim(m) * sizeof(float);
        char path[700], tmp[720];
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        /* Rename-replacement (what m2v's writers, install(1) and mv do): a new inode; the
         * loaded model keeps the old one, in either mode. The new file is a different table. */
        size_t stn;
        unsigned char *img = slurp(path, &stn);
        uint64_t hlen;
        memcpy(&hlen, img, 8);
        for (size_t i = 8 + hlen + 3; i < stn; i += 4) img[i] ^= 0x80; /* every float negated */
        float *after;
        if (mode == 0) {
            /* Read mode: truncating and overwriting in place (the inode the model was loaded
             * from) cannot hurt. (In map mode this is the SIGBUS case below.) */
            CHECK(truncate(path, 0) == 0, "truncate");
            after = encode_all(m, texts, n, NULL);
            CHECK(before && after && !memcmp(before, after, bytes), "mmap 0: truncated while loaded: same vectors");
            free(after);
            fz_write(path, "garbage", 7);
            after = encode_all(m, texts, n, NULL);
            CHECK(before && after && !memcmp(before, after, bytes), "mmap 0: overwritten in place while loaded: same vectors");
            free(after);
        }
        snprintf(tmp, sizeof tmp, "%s.new", path);
        fz_write(tmp, img, stn);
        CHECK(rename(tmp, path) == 0, "rename over model.safetensors");
        after = encode_all(m, texts, n, NULL);
        CHECK(before && after && !memcmp(before, after, bytes), "mmap %d: rename-replacement while loaded: same vectors", mode);
        free(after);
        m2v_model *fresh = load_mmap(dir, mode);
        if (fresh) {
            after = encode_all(fresh, texts, n, NULL);
            CHECK(before && after && after[0] == -before[0] && after[1] == -before[1], "mmap %d: a new load sees the new table", mode);
            free(after);
            m2v_model_free(fresh);
        }
        free(img);
        free(before);
        m2v_model_free(m);
    }

    /* The hazard m2v.h documents for map mode, shown: truncating the mapped file in place kills
     * the process that encodes from it (SIGBUS; under AddressSanitizer its SIGBUS report and a
     * non-zero exit). This is why the default writers replace by rename and why mmap 0 exists. */
    const char *dir = model_dir("mapped-truncate", WL);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, 2);
        m2v_model *mm = NULL;
        if (m2v_model_load(dir, NULL, &mm) != M2V_OK) _exit(3);
        char path[700];
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        if (truncate(path, 0) != 0) _exit(4);
        float *v = encode_all(mm, texts, n, NULL);
        (void)v;
        _exit(0); /* survived: the hazard is not what m2v.h says */
    }
    int ws = 0;
    waitpid(pid, &ws, 0);
#ifndef M2V_ASAN
    CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGBUS, "mmap 1: truncated in place while loaded: SIGBUS (status %d)", ws);
#else
    CHECK(WIFSIGNALED(ws) || (WIFEXITED(ws) && WEXITSTATUS(ws) != 0 && WEXITSTATUS(ws) < 3), "mmap 1: truncated in place: the process dies (status %d)", ws);
#endif

    /* Read mode of a file bigger than the address space: OUT_OF_MEMORY with the number, not a
     * trap; map mode of it: IO (mmap fails). A sparse 3 GiB file, no disk used. */
    const char *big = model_dir("huge-read", WL);
    char path[700];
    snprintf(path, sizeof path, "%s/model.safetensors", big);
    size_t rows = ((size_t)3 << 30) / 4;
    char header[200];
    snprintf(header, sizeof header, "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[%zu,1],\"data_offsets\":[0,%zu]}}", rows, rows * 4);
    size_t hl = strlen(header), pad = (8 - hl % 8) % 8;
    FILE *f = fopen(path, "wb");
    uint64_t h64 = hl + pad;
    fwrite(&h64, 8, 1, f);
    fwrite(header, 1, hl, f);
    for (size_t i = 0; i < pad; i++) fputc(' ', f);
    fclose(f);
    CHECK(truncate(path, (off_t)(8 + hl + pad + rows * 4)) == 0, "sparse 3 GiB file");
    limit_address_space(2.0);
    lp = m2v_load_default_params();
    lp.mmap = 0;
    m = (m2v_model *)1;
#ifndef M2V_ASAN
    EXPECT(m2v_model_load(big, &lp, &m), M2V_ERR_OUT_OF_MEMORY, "3221225" , "read 3 GiB under a 2 GiB limit");
    lp.mmap = 1;
    EXPECT(m2v_model_load(big, &lp, &m), M2V_ERR_IO, "mmap", "map 3 GiB under a 2 GiB limit");
#endif
    CHECK(m == NULL || m == (m2v_model *)1, "no model");
}

/* One bad text in a batch (issue 14 case 5): error / replace / skip, with text_status. */
static void g_invalid_text(void) {
    if (!g_have_fixtures) { skipped++; return; }
    const char *dir = wl_dir();
    m2v_model *m = load_wl();
    if (!m) return;
    size_t dim = m2v_model_dim(m);
    const char *texts[] = {"the a b", "bad \xff text \xe2\x82 here", "hello world", "\xed\xa0\x80"};
    const char *fixed[] = {"the a b", "bad \xef\xbf\xbd text \xef\xbf\xbd here", "hello world", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"};
    size_t n = 4;
    size_t lens[4];
    for (size_t i = 0; i < n; i++) lens[i] = strlen(texts[i]);
    float *out = calloc(n * dim, sizeof(float));
    int32_t status[4] = {-1, -1, -1, -1};
    m2v_encode_params p = m2v_encode_default_params();
    CHECK(p.invalid_text == M2V_INVALID_TEXT_ERROR && p.text_status == NULL, "defaults");
    p.text_status = status;
    EXPECT(m2v_encode(m, texts, lens, n, &p, out, n * dim), M2V_ERR_INVALID_UTF8, "text 1", "error mode");
    CHECK(status[1] == M2V_ERR_INVALID_UTF8, "error mode: status[1] %d", status[1]);

    p.invalid_text = M2V_INVALID_TEXT_SKIP;
    p.n_threads = 1;
    EXPECT(m2v_encode(m, texts, lens, n, &p, out, n * dim), M2V_OK, NULL, "skip mode");
    CHECK(status[0] == 0 && status[1] == M2V_ERR_INVALID_UTF8 && status[2] == 0 && status[3] == M2V_ERR_INVALID_UTF8,
          "skip: status %d %d %d %d", status[0], status[1], status[2], status[3]);
    float *good = encode_all(m, fixed, n, NULL);
    int zero = 1;
    for (size_t j = 0; j < dim; j++) zero &= out[dim + j] == 0 && out[3 * dim + j] == 0;
    CHECK(zero, "skip: zero vectors for the bad texts");
    CHECK(good && !memcmp(out, good, dim * sizeof(float)) && !memcmp(out + 2 * dim, good + 2 * dim, dim * sizeof(float)),
          "skip: the good texts as alone");

    p.invalid_text = M2V_INVALID_TEXT_REPLACE;
    p.n_threads = 0;
    memset(status, 0x7f, sizeof status);
    EXPECT(m2v_encode(m, texts, lens, n, &p, out, n * dim), M2V_OK, NULL, "replace mode");
    CHECK(good && !memcmp(out, good, n * dim * sizeof(float)), "replace: as the texts with U+FFFD (maximal subparts)");
    CHECK(status[0] == 0 && status[1] == M2V_ERR_INVALID_UTF8 && status[2] == 0 && status[3] == M2V_ERR_INVALID_UTF8,
          "replace: status %d %d %d %d", status[0], status[1], status[2], status[3]);

    /* tokenize and encode_as_sequence follow the same option. */
    p.invalid_text = M2V_INVALID_TEXT_SKIP;
    m2v_ids *ids = NULL;
    EXPECT(m2v_tokenize(m, texts, lens, n, &p, &ids), M2V_OK, NULL, "tokenize, skip");
    CHECK(ids && ids->offsets[2] == ids->offsets[1] && ids->offsets[1] > 0 && ids->offsets[4] == ids->offsets[3], "skip: no ids for bad texts");
    m2v_ids_free(ids);
    m2v_sequence *seq = NULL;
    EXPECT(m2v_encode_as_sequence(m, texts, lens, n, &p, &seq), M2V_OK, NULL, "sequence, skip");
    CHECK(seq && seq->offsets[2] == seq->offsets[1], "skip: no rows for the bad text");
    m2v_sequence_free(seq);
    /* A text longer than the limit without a cut is skipped too, with its own status. */
    size_t L = m2v_max_text_code_points() + 1;
    char *longtext = malloc(L);
    memset(longtext, 'a', L);
    const char *two[] = {longtext, "the"};
    size_t twol[] = {L, 3};
    p.max_length = 0;
    EXPECT(m2v_encode(m, two, twol, 2, &p, out, 2 * dim), M2V_OK, NULL, "skip an over-long text");
    CHECK(status[0] == M2V_ERR_INVALID_ARGUMENT && status[1] == 0, "over-long: status %d %d", status[0], status[1]);
    p.invalid_text = M2V_INVALID_TEXT_REPLACE;
    EXPECT(m2v_encode(m, two, twol, 2, &p, out, 2 * dim), M2V_ERR_INVALID_ARGUMENT, "16777216", "replace does not cover over-long texts");
    free(longtext);

    p.invalid_text = 3;
    EXPECT(m2v_encode(m, texts, lens, n, &p, out, n * dim), M2V_ERR_INVALID_ARGUMENT, "invalid_text", "invalid_text 3");

    /* A 0.2 caller: struct_size 56, padding bytes where reserved0 now is (garbage): read as 0.2. */
    m2v_encode_params old;
    memset(&old, 0x5a, sizeof old);
    m2v_encode_params d = m2v_encode_default_params();
    memcpy(&old, &d, 52);
    old.struct_size = 56;
    EXPECT(m2v_encode(m, texts, lens, 1, &old, out, dim), M2V_OK, NULL, "0.2 encode params with garbage padding");
    EXPECT(m2v_encode(m, texts, lens, n, &old, out, n * dim), M2V_ERR_INVALID_UTF8, "text 1", "0.2 params: error mode");
    m2v_load_params lold;
    memset(&lold, 0x5a, sizeof lold);
    m2v_load_params ld = m2v_load_default_params();
    memcpy(&lold, &ld, 20);
    lold.struct_size = 24;
    m2v_model *m2 = NULL;
    EXPECT(m2v_model_load(dir, &lold, &m2), M2V_OK, NULL, "0.2 load params with garbage padding");
    m2v_model_free(m2);
    free(good);
    free(out);
    m2v_model_free(m);
}

/* Distill's arguments: sizes above PTRDIFF_MAX rejected before use (issue 14 case 3). */
static void g_distill_params(void) {
    m2v_distill_params p = m2v_distill_default_params();
    const char *words[] = {"hello"};
    size_t lens[] = {SIZE_MAX};
    p.vocabulary = words;
    p.vocabulary_lengths = lens;
    p.n_vocabulary = 1;
    char out[600];
    snprintf(out, sizeof out, "%s/distilled", g_tmp);
    EXPECT(m2v_distill("/nonexistent-teacher", &p, out), M2V_ERR_INVALID_ARGUMENT, "vocabulary_lengths[0]", "length SIZE_MAX");
    lens[0] = 5;
    p.n_vocabulary = SIZE_MAX;
    EXPECT(m2v_distill("/nonexistent-teacher", &p, out), M2V_ERR_INVALID_ARGUMENT, "n_vocabulary", "n_vocabulary SIZE_MAX");
    p.n_vocabulary = 1;
    EXPECT(m2v_distill("/nonexistent-teacher", &p, out), M2V_ERR_NOT_FOUND, NULL, "valid params, no teacher");
    p.struct_size = 3;
    EXPECT(m2v_distill("/nonexistent-teacher", &p, out), M2V_ERR_INVALID_ARGUMENT, "struct_size", "struct_size 3");
}

/* Split/Replace regexes on Oniguruma (issue 15): syntax Swift's Regex lacked loads, a pattern
 * Oniguruma rejects is M2V_ERR_FORMAT with its message, runaway backtracking (HF panics) is
 * M2V_ERR_INVALID_ARGUMENT from the encode call, not a hang or a crash. */
static void g_regex(void) {
    const char *v = m2v_regex_engine_version();
    CHECK(v && v[0] == '6', "Oniguruma 6.x loaded (got %s)", v ? v : "NULL");
    if (!v) return;
    char json[1024];
    const char *fmt = "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":%s,\"pre_tokenizer\":%s,"
                      "\"post_processor\":null,\"model\":" WLM "}";
    m2v_tokenizer *t = NULL;
    snprintf(json, sizeof json, fmt, "null",
             "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(?<=a)b\"},\"behavior\":\"Isolated\",\"invert\":false}");
    EXPECT(m2v_tokenizer_load_from_memory(json, strlen(json), &t), M2V_OK, NULL, "lookbehind Split");
    if (t) {
        const char *texts[] = {"abab"};
        size_t lens[] = {4};
        m2v_ids *ids = NULL;
        EXPECT(m2v_tokenizer_encode(t, texts, lens, 1, 0, &ids), M2V_OK, NULL, "encode lookbehind");
        CHECK(ids && ids->offsets[1] == 4 && ids->ids[0] == 1 && ids->ids[1] == 2 && ids->ids[3] == 2, "a b a b");
        m2v_ids_free(ids);
        m2v_tokenizer_free(t);
        t = NULL;
    }
    snprintf(json, sizeof json, fmt, "null",
             "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(a\"},\"behavior\":\"Isolated\",\"invert\":false}");
    EXPECT(m2v_tokenizer_load_from_memory(json, strlen(json), &t), M2V_ERR_FORMAT, "unmatched parenthesis", "bad Split regex");
    snprintf(json, sizeof json, fmt, "{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"[z-a]\"},\"content\":\"\"}", "null");
    EXPECT(m2v_tokenizer_load_from_memory(json, strlen(json), &t), M2V_ERR_FORMAT, "Replace", "bad Replace regex");
    /* (\w|\w)*\d on 60 letters: 2^60 paths, stopped by Oniguruma's retry limit. */
    const char *runaway[] = {
        "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(\\\\w|\\\\w)*\\\\d\"},\"behavior\":\"Isolated\",\"invert\":false}",
        "{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"(\\\\w|\\\\w)*\\\\d\"},\"content\":\"x\"}",
    };
    for (int k = 0; k < 2; k++) {
        snprintf(json, sizeof json, fmt, k ? runaway[1] : "null", k ? "null" : runaway[0]);
        t = NULL;
        EXPECT(m2v_tokenizer_load_from_memory(json, strlen(json), &t), M2V_OK, NULL, "runaway regex loads (%d)", k);
        if (!t) continue;
        char text[61];
        memset(text, 'a', 60);
        text[60] = 0;
        const char *texts[] = {text};
        size_t lens[] = {60};
        m2v_ids *ids = (m2v_ids *)1;
        EXPECT(m2v_tokenizer_encode(t, texts, lens, 1, 0, &ids), M2V_ERR_INVALID_ARGUMENT, "retry", "runaway search (%d)", k);
        CHECK(ids == NULL, "no ids on error");
        m2v_tokenizer_free(t);
    }
}

/* tokenizer.json truncation/padding and m2v_tokenizer_encode_v2's overrides (issue 15). */
static void g_tokenizer_settings(void) {
    const char *json = "{\"version\":\"1.0\",\"truncation\":{\"max_length\":3,\"stride\":0,\"strategy\":\"LongestFirst\",\"direction\":\"Right\"},"
                       "\"padding\":{\"strategy\":\"BatchLongest\",\"direction\":\"Right\",\"pad_to_multiple_of\":null,\"pad_id\":9,\"pad_type_id\":0,\"pad_token\":\"[PAD]\"},"
                       "\"added_tokens\":[],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},\"post_processor\":null,"
                       "\"model\":" WLM "}";
    m2v_tokenizer *t = NULL;
    EXPECT(m2v_tokenizer_load_from_memory(json, strlen(json), &t), M2V_OK, NULL, "load");
    if (!t) return;
    const char *texts[] = {"a b a b a", "b"};
    size_t lens[] = {9, 1};
    m2v_ids *ids = NULL;
    EXPECT(m2v_tokenizer_encode(t, texts, lens, 2, 1, &ids), M2V_OK, NULL, "the file's settings");
    CHECK(ids && ids->offsets[1] == 3 && ids->offsets[2] == 6 && ids->ids[3] == 2 && ids->ids[4] == 9,
          "truncated to 3, the second padded with 9 to 3");
    m2v_ids_free(ids);
    m2v_tokenizer_encode_params p = m2v_tokenizer_encode_default_params();
    CHECK(p.add_special_tokens == 1 && p.truncation == -1 && p.padding == -1, "defaults");
    p.truncation = 0;
    p.padding = 0;
    EXPECT(m2v_tokenizer_encode_v2(t, texts, lens, 2, &p, &ids), M2V_OK, NULL, "no truncation, no padding");
    CHECK(ids && ids->offsets[1] == 5 && ids->offsets[2] == 6, "5 and 1 ids");
    m2v_ids_free(ids);
    p = m2v_tokenizer_encode_default_params();
    p.truncation = 2;
    p.truncation_direction = 1;
    p.padding = 1;
    p.pad_length = 4;
    p.pad_direction = 1;
    EXPECT(m2v_tokenizer_encode_v2(t, texts, lens, 2, &p, &ids), M2V_OK, NULL, "left truncation, fixed left padding");
    CHECK(ids && ids->offsets[1] == 4 && ids->ids[0] == 0 && ids->ids[2] == 2 && ids->ids[3] == 1, "[0 0 b a]");
    m2v_ids_free(ids);
    EXPECT(m2v_tokenizer_encode_v2(t, texts, lens, 2, NULL, &ids), M2V_OK, NULL, "NULL params = defaults");
    CHECK(ids && ids->offsets[1] == 3, "defaults truncate");
    m2v_ids_free(ids);
    struct { int field; int value; const char *needle; } bad[] = {
        {0, 2, "add_special_tokens"}, {1, -2, "truncation"}, {2, 3, "truncation_direction"}, {3, 2, "padding"},
        {4, -1, "pad_length"}, {4, (1 << 20) + 1, "pad_length"}, {5, -1, "pad_id"}, {6, -3, "pad_to_multiple_of"}, {7, 2, "pad_direction"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        p = m2v_tokenizer_encode_default_params();
        p.padding = bad[i].field >= 4 ? 1 : p.padding;
        int32_t *f = &p.add_special_tokens;
        f[bad[i].field] = bad[i].value;
        ids = (m2v_ids *)1;
        EXPECT(m2v_tokenizer_encode_v2(t, texts, lens, 2, &p, &ids), M2V_ERR_INVALID_ARGUMENT, bad[i].needle, "bad %s", bad[i].needle);
        CHECK(ids == NULL, "cleared");
    }
    p = m2v_tokenizer_encode_default_params();
    p.struct_size = 3;
    EXPECT(m2v_tokenizer_encode_v2(t, texts, lens, 2, &p, &ids), M2V_ERR_INVALID_ARGUMENT, "struct_size", "struct_size 3");
    const char *badjson[] = {
        "{\"truncation\":{\"stride\":0},\"model\":" WLM "}",
        "{\"padding\":{\"strategy\":{\"Fixed\":1099511627776}},\"model\":" WLM "}",
        "{\"padding\":{\"pad_to_multiple_of\":-1},\"model\":" WLM "}",
    };
    for (size_t i = 0; i < 3; i++) expect_tok_s(badjson[i], M2V_ERR_FORMAT, "tokenizer.json", badjson[i]);
    m2v_tokenizer_free(t);
}

static void run_group(const char *name, void (*fn)(void)) {
    printf("[%s]\n", name);
    fflush(stdout);
    fflush(stderr);
    if (getenv("M2V_NO_FORK")) { fn(); return; }
    int fds[2];
    if (pipe(fds)) { perror("pipe"); exit(2); }
    double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        passed = failed = skipped = 0;
        fn();
        int counts[3] = {passed, failed, skipped};
        if (write(fds[1], counts, sizeof counts) != sizeof counts) _exit(3);
        /* exit, not _exit: LeakSanitizer (make test-asan) checks each group at its exit. */
        exit(0);
    }
    close(fds[1]);
    int counts[3] = {0, 0, 0};
    ssize_t got = read(fds[0], counts, sizeof counts);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got == (ssize_t)sizeof counts) { passed += counts[0]; failed += counts[1]; skipped += counts[2]; }
    if (WIFSIGNALED(status)) {
        failed++;
        fprintf(stderr, "FAIL: CRASH in group %s: signal %d\n", name, WTERMSIG(status));
    } else if (got != (ssize_t)sizeof counts || WEXITSTATUS(status) != 0) {
        failed++;
        fprintf(stderr, "FAIL: group %s exited with %d\n", name, WEXITSTATUS(status));
    }
    printf("  (%.2f s)\n", now() - t0);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *fix = getenv("M2V_FIXTURES");
    snprintf(g_fix, sizeof g_fix, "%s", fix && *fix ? fix : "../shared/fixtures");
    char probe[700];
    snprintf(probe, sizeof probe, "%s/models/%s/model.safetensors", g_fix, WL);
    g_have_fixtures = access(probe, R_OK) == 0;
    if (!g_have_fixtures) {
        fprintf(stderr, "test_hostile: fixtures not found at %s (set M2V_FIXTURES)\n", g_fix);
        if (getenv("CI") && !strcmp(getenv("CI"), "true")) failed++;
    }
    snprintf(g_tmp, sizeof g_tmp, "/tmp/m2v-hostile-XXXXXX");
    if (!mkdtemp(g_tmp)) { perror("mkdtemp"); return 2; }

    struct { const char *name; void (*fn)(void); } groups[] = {
        {"null-arguments", g_null_arguments},
        {"params-and-buffers", g_params_and_buffers},
        {"safetensors-truncated", g_safetensors_truncated},
        {"safetensors-header", g_safetensors_header},
        {"safetensors-tensors", g_safetensors_tensors},
        {"mapping", g_mapping},
        {"non-finite", g_nonfinite},
        {"config", g_config},
        {"tokenizer-json", g_tokenizer_json},
        {"utf8", g_utf8},
        {"big-text", g_big_text},
        {"fuzz-regressions", g_regressions},
        {"model-create", g_model_create},
        {"bounded-allocations", g_bounded_allocations},
        {"huge-text", g_huge_text},
        {"mapped-files", g_mapped_files},
        {"invalid-text", g_invalid_text},
        {"distill-params", g_distill_params},
        {"tokenizer-settings", g_tokenizer_settings},
        {"regex", g_regex},
    };
    const char *only = argc > 1 ? argv[1] : NULL;
    for (size_t i = 0; i < sizeof groups / sizeof *groups; i++)
        if (!only || strstr(groups[i].name, only)) run_group(groups[i].name, groups[i].fn);

    nftw(g_tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    if (skipped) printf("%d groups skipped (no fixtures)\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
