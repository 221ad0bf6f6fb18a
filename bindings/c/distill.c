/* distill.c — distill a BERT sentence-transformer into a model2vec static model with libm2v.
 *
 *   cc distill.c $(pkg-config --cflags --libs m2v) -o distill
 *   ./distill TEACHER_FOLDER OUT_FOLDER [PCA_DIMS]
 *
 * The output folder loads with m2v_model_load() and with model2vec's StaticModel.from_pretrained(). */
#define _POSIX_C_SOURCE 200809L
#include <m2v.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int show_progress(size_t done, size_t total, void *user) {
    int *last_decile = user; /* print a line at every 10% */
    int decile = total ? (int)(10 * done / total) : 10;
    if (decile > *last_decile) {
        *last_decile = decile;
        fprintf(stderr, "  distilling: %zu / %zu tokens (%d%%)\n", done, total, 10 * decile);
    }
    return 0; /* non-zero would cancel */
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s TEACHER_FOLDER OUT_FOLDER [PCA_DIMS]\n", argv[0]);
        return 2;
    }
    m2v_distill_params params = m2v_distill_default_params();
    if (argc > 3) params.pca_dims = atoi(argv[3]);
    int last_decile = 0;
    params.progress = show_progress;
    params.progress_user_data = &last_decile;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    m2v_status st = m2v_distill(argv[1], &params, argv[2]);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st != M2V_OK) {
        fprintf(stderr, "distill failed (%s): %s\n", m2v_status_name(st), m2v_last_error());
        return 1;
    }
    printf("distilled %s -> %s in %.1f s\n", argv[1], argv[2],
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
