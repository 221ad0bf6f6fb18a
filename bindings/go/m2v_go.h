// m2v_go.h — the C side of the Go binding (bindings/go): one call's texts and parameters in
// one malloc'ed block, and the m2v calls that take it. Included by the cgo preamble of every Go
// file that calls into m2v (cgo compiles each preamble on its own), hence static inline.
#ifndef M2V_GO_H
#define M2V_GO_H

#include <stdint.h>
#include <stdlib.h>
#include <m2v.h>

// One call's texts and parameters in one malloc'ed block (see "Texts" in the package doc).
typedef struct m2v_go_batch {
    m2v_encode_params params;
    m2v_tokenizer_encode_params tok_params;
    const char **texts;
    size_t *lengths;
    char *bytes;
} m2v_go_batch;

// NULL when the block cannot be allocated (cgo's C.malloc would crash the process instead).
// With want_status, params.text_status points at n int32 entries inside the block.
static inline m2v_go_batch *m2v_go_batch_new(size_t n, size_t n_bytes, int want_status) {
    // One spare byte after the texts, so that an empty last text still points into the block.
    size_t per_text = sizeof(char *) + sizeof(size_t) + (want_status ? sizeof(int32_t) : 0);
    if (n_bytes > SIZE_MAX / 2) return NULL;
    size_t room = SIZE_MAX / 2 - n_bytes;
    if (n > room / per_text) return NULL;
    char *p = malloc(sizeof(m2v_go_batch) + n * per_text + n_bytes + 1);
    if (p == NULL) return NULL;
    m2v_go_batch *b = (m2v_go_batch *)p;
    p += sizeof(m2v_go_batch);
    b->params = m2v_encode_default_params();
    b->tok_params = m2v_tokenizer_encode_default_params();
    b->texts = (const char **)p;
    p += n * sizeof(char *);
    b->lengths = (size_t *)p;
    p += n * sizeof(size_t);
    if (want_status) {
        b->params.text_status = (int32_t *)p;
        p += n * sizeof(int32_t);
    }
    b->bytes = p;
    return b;
}

// m2v_encode on a batch. The model travels as void*: cgo passes a pointer to an incomplete
// struct to its pointer check boxed in a heap allocation, an unsafe.Pointer it does not.
static inline m2v_status m2v_go_encode(const void *model, m2v_go_batch *b, size_t n_texts, float *out,
                                       size_t out_capacity_floats) {
    return m2v_encode((const m2v_model *)model, b->texts, b->lengths, n_texts, &b->params, out,
                      out_capacity_floats);
}

// The classifier travels as void*, as the model does in m2v_go_encode.
static inline m2v_status m2v_go_predict_proba(const void *classifier, m2v_go_batch *b, size_t n_texts, float *out,
                                              size_t out_capacity_floats) {
    return m2v_classifier_predict_proba((const m2v_classifier *)classifier, b->texts, b->lengths, n_texts,
                                        &b->params, out, out_capacity_floats);
}

static inline m2v_status m2v_go_predict(const void *classifier, m2v_go_batch *b, size_t n_texts, float threshold,
                                        int32_t *out, size_t out_capacity) {
    return m2v_classifier_predict((const m2v_classifier *)classifier, b->texts, b->lengths, n_texts, &b->params,
                                  threshold, out, out_capacity);
}

#endif
