/* classify.c — classify texts with a model2vec pipeline through libm2v (include/m2v.h).
 *
 *   build/classify PIPELINE_DIR TEXT...     one line per text: the label(s) and probabilities
 *
 * PIPELINE_DIR is a model2vec StaticModelPipeline folder (head.safetensors + the model files),
 * e.g. one saved by model2vec.train's to_pipeline().save_pretrained() or by m2v_classifier_save,
 * or a hub id in the local HuggingFace cache. Built by `make example`. */
#include <m2v.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s PIPELINE_DIR TEXT...\n", argv[0]);
        return 2;
    }
    m2v_classifier *clf = NULL;
    if (m2v_classifier_load(argv[1], NULL, &clf) != M2V_OK) {
        fprintf(stderr, "%s\n", m2v_last_error());
        return 1;
    }
    size_t n = (size_t)(argc - 2), k = m2v_classifier_n_outputs(clf);
    int task = m2v_classifier_task(clf);
    size_t *lens = malloc(n * sizeof *lens);
    float *proba = malloc(n * k * sizeof *proba);
    int32_t *labels = malloc(n * k * sizeof *labels);
    if (!lens || !proba || !labels) return 1;
    for (size_t i = 0; i < n; i++) lens[i] = strlen(argv[i + 2]);
    const char *const *texts = (const char *const *)(argv + 2);
    int rc = 0;
    if (m2v_classifier_predict_proba(clf, texts, lens, n, NULL, proba, n * k) != M2V_OK ||
        (task != M2V_TASK_REGRESSION && m2v_classifier_predict(clf, texts, lens, n, NULL, 0.5f, labels, n * k) != M2V_OK)) {
        fprintf(stderr, "%s\n", m2v_last_error());
        rc = 1;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (task == M2V_TASK_REGRESSION) {
            for (size_t j = 0; j < k; j++) printf("%s%g", j ? " " : "", proba[i * k + j]);
        } else if (task == M2V_TASK_SINGLE_LABEL) {
            printf("%s %.4f", m2v_classifier_class_name(clf, (size_t)labels[i], NULL), proba[i * k + (size_t)labels[i]]);
        } else {
            int any = 0;
            for (size_t j = 0; j < k; j++)
                if (labels[i * k + j]) printf("%s%s %.4f", any++ ? ", " : "", m2v_classifier_class_name(clf, j, NULL), proba[i * k + j]);
            if (!any) printf("(none)");
        }
        printf("\t%s\n", texts[i]);
    }
    free(lens);
    free(proba);
    free(labels);
    m2v_classifier_free(clf);
    return rc;
}
