/* m2v_jni.c — the JNI glue of the Java binding (bindings/java): each native method of
 * io.m2v.Native forwards to one m2v.h function. It owns only the crossing:
 *   - texts arrive as one UTF-8 byte[] and an int[] of n + 1 offsets (Java encodes the strings,
 *     so no modified UTF-8 is involved); the offsets are checked here before any pointer is made.
 *   - outputs: encode writes into the caller's float[] (checked against n * dim), tokenize returns
 *     int[][]; strings go back as UTF-8 byte[] that Java decodes.
 *   - errors: a failed m2v call throws io.m2v.M2VException(status, name bytes, message bytes) with
 *     m2v_last_error() read on the calling thread right after the call; a JNI allocation failure
 *     leaves Java's own OutOfMemoryError pending.
 * Handles are jlongs holding the C pointer; their lifetime (close, Cleaner, the read-write lock
 * that keeps close() from racing a call) is the Java classes' job. Options arrive already spelled
 * as m2v.h's integers, -1 = the library's default. */
#include <jni.h>

#include <m2v.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JFN(type, name) JNIEXPORT type JNICALL Java_io_m2v_Native_##name

/* ---- errors ---------------------------------------------------------------------------- */

static jbyteArray bytes_of(JNIEnv *env, const char *s, size_t len) {
    if (len > INT32_MAX) len = INT32_MAX;
    jbyteArray a = (*env)->NewByteArray(env, (jsize)len);
    if (a != NULL && len) (*env)->SetByteArrayRegion(env, a, 0, (jsize)len, (const jbyte *)s);
    return a;
}

static void throw_status(JNIEnv *env, int status, const char *msg) {
    if ((*env)->ExceptionCheck(env)) return;
    jclass cls = (*env)->FindClass(env, "io/m2v/M2VException");
    if (cls == NULL) return;
    jmethodID ctor = (*env)->GetMethodID(env, cls, "<init>", "(I[B[B)V");
    if (ctor == NULL) return;
    const char *name = m2v_status_name(status);
    jbyteArray jname = bytes_of(env, name, strlen(name));
    jbyteArray jmsg = jname ? bytes_of(env, msg ? msg : "", msg ? strlen(msg) : 0) : NULL;
    if (jmsg == NULL) return;
    jobject e = (*env)->NewObject(env, cls, ctor, (jint)status, jname, jmsg);
    if (e != NULL) (*env)->Throw(env, (jthrowable)e);
}

static void throw_last(JNIEnv *env, int status) { throw_status(env, status, m2v_last_error()); }

static void throw_arg(JNIEnv *env, const char *msg) { throw_status(env, M2V_ERR_INVALID_ARGUMENT, msg); }

/* ---- arguments ------------------------------------------------------------------------- */

/* A NUL-terminated copy of a UTF-8 byte[] (Java has refused embedded NULs). */
static char *cstring(JNIEnv *env, jbyteArray a) {
    if (a == NULL) {
        throw_arg(env, "a string argument is null");
        return NULL;
    }
    jsize n = (*env)->GetArrayLength(env, a);
    char *s = malloc((size_t)n + 1);
    if (s == NULL) {
        throw_status(env, M2V_ERR_OUT_OF_MEMORY, "out of memory for a string argument");
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *)s);
    s[n] = 0;
    return s;
}

typedef struct texts {
    size_t n;
    jbyteArray data_array;
    jbyte *data;
    const char **ptrs;
    size_t *lens;
} texts;

static void texts_release(JNIEnv *env, texts *t) {
    if (t->data) (*env)->ReleaseByteArrayElements(env, t->data_array, t->data, JNI_ABORT);
    free(t->ptrs);
    free(t->lens);
    memset(t, 0, sizeof *t);
}

/* data[offsets[i] .. offsets[i+1]) is text i; offsets has n + 1 non-decreasing entries from 0
 * to at most data.length. */
static int texts_get(JNIEnv *env, jbyteArray data, jintArray offsets, texts *t) {
    memset(t, 0, sizeof *t);
    if (data == NULL || offsets == NULL) {
        throw_arg(env, "texts are null");
        return 0;
    }
    jsize n_off = (*env)->GetArrayLength(env, offsets);
    jsize n_data = (*env)->GetArrayLength(env, data);
    if (n_off < 1) {
        throw_arg(env, "texts: offsets must have n + 1 entries");
        return 0;
    }
    size_t n = (size_t)n_off - 1;
    jint *off = (*env)->GetIntArrayElements(env, offsets, NULL);
    if (off == NULL) return 0;
    int ok = off[0] == 0;
    for (size_t i = 0; ok && i < n; i++) ok = off[i] <= off[i + 1];
    ok = ok && off[n] <= n_data;
    if (!ok) {
        (*env)->ReleaseIntArrayElements(env, offsets, off, JNI_ABORT);
        throw_arg(env, "texts: offsets must rise from 0 to at most the byte count");
        return 0;
    }
    t->n = n;
    t->ptrs = malloc((n ? n : 1) * sizeof *t->ptrs);
    t->lens = malloc((n ? n : 1) * sizeof *t->lens);
    t->data_array = data;
    t->data = n_data ? (*env)->GetByteArrayElements(env, data, NULL) : NULL;
    if (t->ptrs == NULL || t->lens == NULL || (n_data && t->data == NULL)) {
        (*env)->ReleaseIntArrayElements(env, offsets, off, JNI_ABORT);
        texts_release(env, t);
        throw_status(env, M2V_ERR_OUT_OF_MEMORY, "out of memory for the texts");
        return 0;
    }
    static const char empty[1] = {0};
    for (size_t i = 0; i < n; i++) {
        t->lens[i] = (size_t)(off[i + 1] - off[i]);
        t->ptrs[i] = t->data ? (const char *)t->data + off[i] : empty;
    }
    (*env)->ReleaseIntArrayElements(env, offsets, off, JNI_ABORT);
    return 1;
}

/* int[6]: max_length, normalize, n_threads, batch_size, character_cut, invalid_text; -1 keeps
 * the library's default (for max_length and normalize -1 is itself m2v.h's "default"). */
static int params_get(JNIEnv *env, jintArray a, m2v_encode_params *p) {
    *p = m2v_encode_default_params();
    if (a == NULL) return 1;
    if ((*env)->GetArrayLength(env, a) != 6) {
        throw_arg(env, "encode options: internal shape mismatch (the jar and the JNI library differ)");
        return 0;
    }
    jint f[6];
    (*env)->GetIntArrayRegion(env, a, 0, 6, f);
    p->max_length = f[0];
    p->normalize = f[1];
    if (f[2] != -1) p->n_threads = f[2];
    if (f[3] != -1) {
        if (f[3] < 0) {
            throw_arg(env, "batchSize must be >= 0");
            return 0;
        }
        p->batch_size = (size_t)f[3];
    }
    if (f[4] != -1) p->character_cut = f[4];
    if (f[5] != -1) p->invalid_text = f[5];
    return 1;
}

static jobjectArray ids_to_java(JNIEnv *env, const m2v_ids *ids) {
    jclass int_array = (*env)->FindClass(env, "[I");
    if (int_array == NULL || ids->n_texts > INT32_MAX) return NULL;
    jobjectArray out = (*env)->NewObjectArray(env, (jsize)ids->n_texts, int_array, NULL);
    for (size_t i = 0; out != NULL && i < ids->n_texts; i++) {
        size_t len = ids->offsets[i + 1] - ids->offsets[i];
        jintArray row = len <= INT32_MAX ? (*env)->NewIntArray(env, (jsize)len) : NULL;
        if (row == NULL) return NULL;
        if (len) (*env)->SetIntArrayRegion(env, row, 0, (jsize)len, (const jint *)ids->ids + ids->offsets[i]);
        (*env)->SetObjectArrayElement(env, out, (jsize)i, row);
        (*env)->DeleteLocalRef(env, row);
    }
    return out;
}

/* ---- library-wide ---------------------------------------------------------------------- */

JFN(jbyteArray, version)(JNIEnv *env, jclass cls) {
    (void)cls;
    const char *v = m2v_version_string();
    return bytes_of(env, v, strlen(v));
}

JFN(jbyteArray, hubResolve)(JNIEnv *env, jclass cls, jbyteArray id_bytes) {
    (void)cls;
    char *id = cstring(env, id_bytes), *out = NULL;
    jbyteArray result = NULL;
    if (id == NULL) return NULL;
    size_t need = 0;
    m2v_status st = m2v_hub_resolve(id, NULL, 0, &need);
    if (st == M2V_ERR_BUFFER_TOO_SMALL) {
        st = need && (out = malloc(need)) != NULL ? m2v_hub_resolve(id, out, need, &need) : M2V_ERR_OUT_OF_MEMORY;
    }
    if (st != M2V_OK) throw_last(env, st);
    else result = bytes_of(env, out, strlen(out));
    free(id);
    free(out);
    return result;
}

/* ---- models ---------------------------------------------------------------------------- */

JFN(jlong, load)(JNIEnv *env, jclass cls, jbyteArray path_bytes, jint normalize, jint max_length, jint mmap) {
    (void)cls;
    char *path = cstring(env, path_bytes);
    if (path == NULL) return 0;
    m2v_load_params p = m2v_load_default_params();
    p.normalize = normalize;
    p.max_length = max_length;
    if (mmap != -1) p.mmap = mmap;
    m2v_model *model = NULL;
    m2v_status st = m2v_model_load(path, &p, &model);
    free(path);
    if (st != M2V_OK) {
        throw_last(env, st);
        return 0;
    }
    return (jlong)(intptr_t)model;
}

JFN(void, free)(JNIEnv *env, jclass cls, jlong h) {
    (void)env;
    (void)cls;
    m2v_model_free((m2v_model *)(intptr_t)h);
}

/* {dim, vocabSize, normalize, maxLength, medianTokenLength, unkTokenId} */
JFN(jlongArray, info)(JNIEnv *env, jclass cls, jlong h) {
    (void)cls;
    const m2v_model *m = (const m2v_model *)(intptr_t)h;
    jlong v[6] = {(jlong)m2v_model_dim(m),          (jlong)m2v_model_vocab_size(m),
                  (jlong)m2v_model_normalize(m),    (jlong)m2v_model_max_length(m),
                  (jlong)m2v_model_median_token_length(m), (jlong)m2v_model_unk_token_id(m)};
    jlongArray a = (*env)->NewLongArray(env, 6);
    if (a != NULL) (*env)->SetLongArrayRegion(env, a, 0, 6, v);
    return a;
}

JFN(jbyteArray, token)(JNIEnv *env, jclass cls, jlong h, jint id) {
    (void)cls;
    size_t len = 0;
    const char *s = m2v_model_token((const m2v_model *)(intptr_t)h, id, &len);
    return s ? bytes_of(env, s, len) : NULL;
}

/* encode into out (n * dim floats); textStatus may be null or n ints. */
JFN(void, encode)(JNIEnv *env, jclass cls, jlong h, jbyteArray data, jintArray offsets, jintArray params,
                  jfloatArray out, jintArray text_status) {
    (void)cls;
    const m2v_model *m = (const m2v_model *)(intptr_t)h;
    m2v_encode_params p;
    texts t;
    if (!params_get(env, params, &p) || !texts_get(env, data, offsets, &t)) return;
    jsize cap = out ? (*env)->GetArrayLength(env, out) : 0;
    if (out == NULL || (text_status != NULL && (size_t)(*env)->GetArrayLength(env, text_status) != t.n)) {
        texts_release(env, &t);
        throw_arg(env, out == NULL ? "out is null" : "textStatus must have one entry per text");
        return;
    }
    jint *status = text_status ? (*env)->GetIntArrayElements(env, text_status, NULL) : NULL;
    float *buf = malloc(cap ? (size_t)cap * sizeof(float) : 1);
    if (buf == NULL || (text_status && status == NULL)) {
        free(buf);
        if (status) (*env)->ReleaseIntArrayElements(env, text_status, status, JNI_ABORT);
        texts_release(env, &t);
        throw_status(env, M2V_ERR_OUT_OF_MEMORY, "out of memory for the output");
        return;
    }
    p.text_status = (int32_t *)status;
    const size_t n = t.n, dim = m2v_model_dim(m);
    m2v_status st = m2v_encode(m, t.ptrs, t.lens, n, &p, buf, (size_t)cap);
    texts_release(env, &t);
    if (status) (*env)->ReleaseIntArrayElements(env, text_status, status, 0);
    /* On success the library wrote n * dim <= cap floats: copy exactly those back. */
    if (st != M2V_OK) throw_last(env, st);
    else if (n && dim) (*env)->SetFloatArrayRegion(env, out, 0, (jsize)(n * dim), buf);
    free(buf);
}

JFN(jobjectArray, tokenize)(JNIEnv *env, jclass cls, jlong h, jbyteArray data, jintArray offsets, jintArray params) {
    (void)cls;
    m2v_encode_params p;
    texts t;
    if (!params_get(env, params, &p) || !texts_get(env, data, offsets, &t)) return NULL;
    m2v_ids *ids = NULL;
    m2v_status st = m2v_tokenize((const m2v_model *)(intptr_t)h, t.ptrs, t.lens, t.n, &p, &ids);
    texts_release(env, &t);
    if (st != M2V_OK) {
        throw_last(env, st);
        return NULL;
    }
    jobjectArray out = ids_to_java(env, ids);
    m2v_ids_free(ids);
    return out;
}

/* float[n][tokens * dim]: text i's per-token vectors, row-major. */
JFN(jobjectArray, encodeAsSequence)(JNIEnv *env, jclass cls, jlong h, jbyteArray data, jintArray offsets,
                                    jintArray params) {
    (void)cls;
    m2v_encode_params p;
    texts t;
    if (!params_get(env, params, &p) || !texts_get(env, data, offsets, &t)) return NULL;
    m2v_sequence *seq = NULL;
    m2v_status st = m2v_encode_as_sequence((const m2v_model *)(intptr_t)h, t.ptrs, t.lens, t.n, &p, &seq);
    texts_release(env, &t);
    if (st != M2V_OK) {
        throw_last(env, st);
        return NULL;
    }
    jobjectArray out = NULL;
    jclass float_array = (*env)->FindClass(env, "[F");
    if (float_array != NULL) out = (*env)->NewObjectArray(env, (jsize)seq->n_texts, float_array, NULL);
    for (size_t i = 0; out != NULL && i < seq->n_texts; i++) {
        size_t len = (seq->offsets[i + 1] - seq->offsets[i]) * seq->dim;
        jfloatArray row = len <= INT32_MAX ? (*env)->NewFloatArray(env, (jsize)len) : NULL;
        if (row == NULL) {
            out = NULL;
            break;
        }
        if (len) (*env)->SetFloatArrayRegion(env, row, 0, (jsize)len, seq->vectors + seq->offsets[i] * seq->dim);
        (*env)->SetObjectArrayElement(env, out, (jsize)i, row);
        (*env)->DeleteLocalRef(env, row);
    }
    m2v_sequence_free(seq);
    return out;
}

/* ---- tokenizers ------------------------------------------------------------------------ */

JFN(jlong, tokenizerLoad)(JNIEnv *env, jclass cls, jbyteArray path_bytes) {
    (void)cls;
    char *path = cstring(env, path_bytes);
    if (path == NULL) return 0;
    m2v_tokenizer *tok = NULL;
    m2v_status st = m2v_tokenizer_load(path, &tok);
    free(path);
    if (st != M2V_OK) {
        throw_last(env, st);
        return 0;
    }
    return (jlong)(intptr_t)tok;
}

JFN(jlong, tokenizerFromJson)(JNIEnv *env, jclass cls, jbyteArray json) {
    (void)cls;
    if (json == NULL) {
        throw_arg(env, "json is null");
        return 0;
    }
    jsize n = (*env)->GetArrayLength(env, json);
    jbyte *bytes = (*env)->GetByteArrayElements(env, json, NULL);
    if (bytes == NULL) return 0;
    m2v_tokenizer *tok = NULL;
    m2v_status st = m2v_tokenizer_load_from_memory((const char *)bytes, (size_t)n, &tok);
    (*env)->ReleaseByteArrayElements(env, json, bytes, JNI_ABORT);
    if (st != M2V_OK) {
        throw_last(env, st);
        return 0;
    }
    return (jlong)(intptr_t)tok;
}

JFN(void, tokenizerFree)(JNIEnv *env, jclass cls, jlong h) {
    (void)env;
    (void)cls;
    m2v_tokenizer_free((m2v_tokenizer *)(intptr_t)h);
}

JFN(jlong, tokenizerVocabSize)(JNIEnv *env, jclass cls, jlong h) {
    (void)env;
    (void)cls;
    return (jlong)m2v_tokenizer_vocab_size((const m2v_tokenizer *)(intptr_t)h);
}

JFN(jbyteArray, tokenizerToken)(JNIEnv *env, jclass cls, jlong h, jint id) {
    (void)cls;
    char small[256], *buf = small;
    size_t size = 0;
    const m2v_tokenizer *tok = (const m2v_tokenizer *)(intptr_t)h;
    m2v_status st = m2v_tokenizer_token(tok, id, small, sizeof small, &size);
    if (st == M2V_ERR_BUFFER_TOO_SMALL) {
        if ((buf = malloc(size ? size : 1)) == NULL) {
            throw_status(env, M2V_ERR_OUT_OF_MEMORY, "out of memory for a token");
            return NULL;
        }
        st = m2v_tokenizer_token(tok, id, buf, size, &size);
    }
    jbyteArray result = NULL;
    if (st == M2V_OK) result = bytes_of(env, buf, size);
    else if (st != M2V_ERR_NOT_FOUND) throw_last(env, st);
    if (buf != small) free(buf);
    return result;
}

/* int[8]: add_special_tokens, truncation, truncation_direction, padding, pad_length, pad_id,
 * pad_to_multiple_of, pad_direction (m2v_tokenizer_encode_params; -1 = the file's). */
JFN(jobjectArray, tokenizerEncode)(JNIEnv *env, jclass cls, jlong h, jbyteArray data, jintArray offsets,
                                   jintArray params) {
    (void)cls;
    if (params == NULL || (*env)->GetArrayLength(env, params) != 8) {
        throw_arg(env, "tokenizer options: internal shape mismatch (the jar and the JNI library differ)");
        return NULL;
    }
    jint f[8];
    (*env)->GetIntArrayRegion(env, params, 0, 8, f);
    m2v_tokenizer_encode_params p = m2v_tokenizer_encode_default_params();
    p.add_special_tokens = f[0];
    p.truncation = f[1];
    p.truncation_direction = f[2];
    p.padding = f[3];
    p.pad_length = f[4];
    p.pad_id = f[5];
    p.pad_to_multiple_of = f[6];
    p.pad_direction = f[7];
    texts t;
    if (!texts_get(env, data, offsets, &t)) return NULL;
    m2v_ids *ids = NULL;
    m2v_status st = m2v_tokenizer_encode_v2((const m2v_tokenizer *)(intptr_t)h, t.ptrs, t.lens, t.n, &p, &ids);
    texts_release(env, &t);
    if (st != M2V_OK) {
        throw_last(env, st);
        return NULL;
    }
    jobjectArray out = ids_to_java(env, ids);
    m2v_ids_free(ids);
    return out;
}

/* ---- classifiers ----------------------------------------------------------------------- */

JFN(jlong, classifierLoad)(JNIEnv *env, jclass cls, jbyteArray path_bytes) {
    (void)cls;
    char *path = cstring(env, path_bytes);
    if (path == NULL) return 0;
    m2v_classifier *c = NULL;
    m2v_status st = m2v_classifier_load(path, NULL, &c);
    free(path);
    if (st != M2V_OK) {
        throw_last(env, st);
        return 0;
    }
    return (jlong)(intptr_t)c;
}

JFN(void, classifierFree)(JNIEnv *env, jclass cls, jlong h) {
    (void)env;
    (void)cls;
    m2v_classifier_free((m2v_classifier *)(intptr_t)h);
}

/* {task, nOutputs, nLayers, dim, nClasses} */
JFN(jlongArray, classifierInfo)(JNIEnv *env, jclass cls, jlong h) {
    (void)cls;
    const m2v_classifier *c = (const m2v_classifier *)(intptr_t)h;
    jlong v[5] = {(jlong)m2v_classifier_task(c), (jlong)m2v_classifier_n_outputs(c),
                  (jlong)m2v_classifier_n_layers(c), (jlong)m2v_model_dim(m2v_classifier_model(c)),
                  (jlong)m2v_classifier_n_classes(c)};
    jlongArray a = (*env)->NewLongArray(env, 5);
    if (a != NULL) (*env)->SetLongArrayRegion(env, a, 0, 5, v);
    return a;
}

/* Class `index`'s name as UTF-8, null out of range. */
JFN(jbyteArray, classifierClassName)(JNIEnv *env, jclass cls, jlong h, jint index) {
    (void)cls;
    size_t len = 0;
    const char *s = index < 0 ? NULL : m2v_classifier_class_name((const m2v_classifier *)(intptr_t)h, (size_t)index, &len);
    return s ? bytes_of(env, s, len) : NULL;
}

JFN(jint, classifierClassIsInteger)(JNIEnv *env, jclass cls, jlong h, jint index) {
    (void)env;
    (void)cls;
    return index < 0 ? -1 : m2v_classifier_class_is_integer((const m2v_classifier *)(intptr_t)h, (size_t)index);
}

/* The outputs of n texts: float[n * nOutputs] (proba) or int[n] / int[n * nOutputs] (predict). */
static jarray classifier_run(JNIEnv *env, jlong h, jbyteArray data, jintArray offsets, jintArray params,
                             int proba, jfloat threshold) {
    const m2v_classifier *c = (const m2v_classifier *)(intptr_t)h;
    m2v_encode_params p;
    texts t;
    if (!params_get(env, params, &p) || !texts_get(env, data, offsets, &t)) return NULL;
    size_t per = proba || m2v_classifier_task(c) == M2V_TASK_MULTI_LABEL ? m2v_classifier_n_outputs(c) : 1;
    if (t.n && per > (size_t)(INT32_MAX - 8) / t.n) {
        texts_release(env, &t);
        throw_status(env, M2V_ERR_OUT_OF_MEMORY, "texts x outputs do not fit in one Java array; split the batch");
        return NULL;
    }
    size_t count = t.n * per;
    void *buf = malloc(count ? count * 4 : 1); /* float and int32_t are both 4 bytes */
    if (buf == NULL) {
        texts_release(env, &t);
        throw_status(env, M2V_ERR_OUT_OF_MEMORY, "out of memory for the output");
        return NULL;
    }
    m2v_status st = proba ? m2v_classifier_predict_proba(c, t.ptrs, t.lens, t.n, &p, buf, count)
                          : m2v_classifier_predict(c, t.ptrs, t.lens, t.n, &p, threshold, buf, count);
    texts_release(env, &t);
    jarray out = NULL;
    if (st != M2V_OK) {
        throw_last(env, st);
    } else if (proba) {
        jfloatArray a = (*env)->NewFloatArray(env, (jsize)count);
        if (a != NULL && count) (*env)->SetFloatArrayRegion(env, a, 0, (jsize)count, buf);
        out = a;
    } else {
        jintArray a = (*env)->NewIntArray(env, (jsize)count);
        if (a != NULL && count) (*env)->SetIntArrayRegion(env, a, 0, (jsize)count, buf);
        out = a;
    }
    free(buf);
    return out;
}

JFN(jfloatArray, classifierPredictProba)(JNIEnv *env, jclass cls, jlong h, jbyteArray data, jintArray offsets,
                                          jintArray params) {
    (void)cls;
    return (jfloatArray)classifier_run(env, h, data, offsets, params, 1, 0.5f);
}

JFN(jintArray, classifierPredict)(JNIEnv *env, jclass cls, jlong h, jbyteArray data, jintArray offsets,
                                  jintArray params, jfloat threshold) {
    (void)cls;
    return (jintArray)classifier_run(env, h, data, offsets, params, 0, threshold);
}
