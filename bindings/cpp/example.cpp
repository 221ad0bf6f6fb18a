// example.cpp — the cosine similarity of two texts with the C++ binding (bindings/cpp/README.md).
//   c++ -std=c++17 example.cpp $(pkg-config --cflags --libs m2v) -o example && ./example MODEL
#include <m2v.hpp>

#include <cstdio>

int main(int argc, char **argv) {
    if (argc < 2) return std::fprintf(stderr, "usage: %s MODEL_FOLDER_OR_HUB_ID\n", argv[0]), 2;
    try {
        m2v::Model model = m2v::Model::load(argv[1]);
        m2v::EncodeParams params;
        params.normalize = 1;  // unit vectors: the dot product is the cosine
        m2v::Embeddings e = model.encode({"The cat sits on the mat.", "A kitten is lying on a rug."}, params);
        float cosine = 0;
        for (size_t k = 0; k < e.dim; k++) cosine += e(0, k) * e(1, k);
        std::printf("libm2v %s, dim %zu: cosine %.4f\n", m2v::version().data(), e.dim, cosine);
    } catch (const m2v::Error &err) {
        return std::fprintf(stderr, "%s: %s\n", err.status_name(), err.what()), 1;
    }
}
