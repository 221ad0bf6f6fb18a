/* example.c — encode a few sentences with libm2v and print each one's nearest neighbour.
 *
 *   cc example.c $(pkg-config --cflags --libs m2v) -o example
 *   ./example path/to/model-folder
 */
#include <m2v.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL_FOLDER\n", argv[0]);
        return 2;
    }
    printf("libm2v %s (header %s)\n", m2v_version_string(), M2V_VERSION_STRING);

    m2v_model *model = NULL;
    if (m2v_model_load(argv[1], NULL, &model) != M2V_OK) {
        fprintf(stderr, "load failed: %s\n", m2v_last_error());
        return 1;
    }
    const size_t dim = m2v_model_dim(model);
    printf("model %s: dim %zu, vocabulary %zu tokens\n", argv[1], dim, m2v_model_vocab_size(model));

    const char *texts[] = {
        "The cat sits on the mat.",
        "A kitten is lying on a rug.",
        "Stock markets fell sharply today.",
        "Shares dropped as investors panicked.",
        "How do I bake sourdough bread?",
        "Recipe for a crusty homemade loaf.",
    };
    const size_t n = sizeof texts / sizeof texts[0];
    size_t lengths[sizeof texts / sizeof texts[0]];
    for (size_t i = 0; i < n; i++) lengths[i] = strlen(texts[i]);

    float *vectors = malloc(n * dim * sizeof *vectors);
    if (!vectors) return 1;
    m2v_encode_params params = m2v_encode_default_params();
    params.normalize = 1; /* unit vectors: the dot product is the cosine */
    if (m2v_encode(model, texts, lengths, n, &params, vectors, n * dim) != M2V_OK) {
        fprintf(stderr, "encode failed: %s\n", m2v_last_error());
        free(vectors);
        m2v_model_free(model);
        return 1;
    }

    printf("\nfirst values of \"%s\": %.4f %.4f %.4f %.4f ...\n\n", texts[0], vectors[0], vectors[1],
           vectors[2], vectors[3]);
    for (size_t i = 0; i < n; i++) {
        size_t best = i;
        float best_cos = -2.0f;
        for (size_t j = 0; j < n; j++) {
            if (j == i) continue;
            float dot = 0.0f;
            for (size_t k = 0; k < dim; k++) dot += vectors[i * dim + k] * vectors[j * dim + k];
            if (dot > best_cos) { best_cos = dot; best = j; }
        }
        printf("%-36s -> %-40s (cosine %.3f)\n", texts[i], texts[best], best_cos);
    }

    free(vectors);
    m2v_model_free(model);
    return 0;
}
