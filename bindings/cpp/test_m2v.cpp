// test_m2v.cpp — tests of the C++ binding (bindings/cpp/include/m2v.hpp), no framework.
//
//   M2V_TEST_MODEL=folder M2V_TEST_TEXTS=lines.txt M2V_TEST_EXPECTED=vectors.f32 ./test_m2v
//
// The lines of M2V_TEST_TEXTS (split on '\n'; the empty piece after the last newline dropped,
// empty lines kept as empty texts) encoded in one call with default params must give exactly
// the float32 bytes of M2V_TEST_EXPECTED (bindings/c/stream.c's output: `make
// bindings-expected`). Then: tokenize == m2v_tokenize, errors (thrown and as Result), moves,
// zero texts, the other wrappers against their C functions. Prints "cpp: N passed, 0 failed";
// exits 1 on any failure. Builds with -fno-exceptions too (the throwing checks are then left out
// and a failing throwing call aborts).
#include <m2v.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unistd.h>
#include <vector>

namespace {

int g_passed = 0;
int g_failed = 0;

void check(bool ok, const char *what, const std::string &detail = "") {
    if (ok) {
        g_passed++;
    } else {
        g_failed++;
        std::printf("FAIL: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
    }
}

template <class F>
void section(const char *name, F &&body) {
#if M2V_HPP_EXCEPTIONS
    try {
        body();
    } catch (const m2v::Error &e) {
        check(false, name, std::string("unexpected m2v::Error ") + e.status_name() + ": " + e.what());
    } catch (const std::exception &e) {
        check(false, name, std::string("unexpected exception: ") + e.what());
    }
#else
    (void)name;
    body();
#endif
}

const char *env(const char *name) {
    const char *v = std::getenv(name);
    if (!v || !*v) {
        std::fprintf(stderr, "test_m2v: set %s (see `make test-cpp`)\n", name);
        std::exit(2);
    }
    return v;
}

bool read_file(const char *path, std::string &out) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    out.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    return true;
}

std::vector<std::string> split_lines(const std::string &s) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < s.size()) {
        size_t nl = s.find('\n', start);
        if (nl == std::string::npos) {
            lines.push_back(s.substr(start));
            break;
        }
        lines.push_back(s.substr(start, nl - start));
        start = nl + 1;
    }
    return lines;
}

bool same_ids(const m2v::TokenIds &a, const m2v_ids *b) {
    if (a.size() != b->n_texts) return false;
    if (std::memcmp(a.offsets().data(), b->offsets, (b->n_texts + 1) * sizeof(size_t)) != 0) return false;
    size_t n = b->offsets[b->n_texts];
    return a.ids().size() == n && (n == 0 || std::memcmp(a.ids().data(), b->ids, n * sizeof(int32_t)) == 0);
}

bool same_floats(const std::vector<float> &a, const std::vector<float> &b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

static_assert(!std::is_copy_constructible_v<m2v::Model>, "Model is move-only");
static_assert(std::is_nothrow_move_constructible_v<m2v::Model>, "Model moves without throwing");
static_assert(!std::is_copy_constructible_v<m2v::Tokenizer>, "Tokenizer is move-only");
static_assert(!std::is_copy_constructible_v<m2v::Classifier>, "Classifier is move-only");
static_assert(!std::is_copy_constructible_v<m2v::TokenIds>, "TokenIds is move-only");
static_assert(!std::is_constructible_v<m2v::ModelRef, m2v::Model &&>, "no ModelRef to a temporary Model");

}  // namespace

int main() {
    const std::string model_path = env("M2V_TEST_MODEL");
    const char *texts_path = env("M2V_TEST_TEXTS");
    const char *expected_path = env("M2V_TEST_EXPECTED");

    std::string texts_file, expected;
    if (!read_file(texts_path, texts_file) || !read_file(expected_path, expected)) {
        std::fprintf(stderr, "test_m2v: cannot read %s or %s\n", texts_path, expected_path);
        return 2;
    }
    const std::vector<std::string> lines = split_lines(texts_file);
    const std::vector<std::string_view> views(lines.begin(), lines.end());
    const std::string missing = "/nonexistent/m2v-cpp-test-folder";

    check(m2v::version() == m2v_version_string(), "version() is m2v_version_string()");
    check(m2v::version_number() == M2V_VERSION_NUMBER, "library version == header version");

    m2v::Model model = m2v::Model::load(model_path);
    const size_t dim = model.dim();
    check(model && dim > 0 && dim == m2v_model_dim(model.get()), "load: dim");
    check(model.vocab_size() == m2v_model_vocab_size(model.get()), "vocab_size");

    section("encode bytes", [&] {
        m2v::Embeddings e = model.encode(lines);
        check(e.n == lines.size() && e.dim == dim && e.data.size() == e.n * dim, "encode: shape");
        check(e.data.size() * sizeof(float) == expected.size() &&
                  std::memcmp(e.data.data(), expected.data(), expected.size()) == 0,
              "encode: float32 bytes == M2V_TEST_EXPECTED",
              std::to_string(e.data.size() * sizeof(float)) + " vs " + std::to_string(expected.size()) + " bytes");
        check(lines.size() > 1 && e(1, 0) == e.row(1)[0] && e.row(1).size() == dim, "Embeddings accessors");
        // the same through string_views, an explicit default EncodeParams, and the C struct
        check(same_floats(model.encode(views).data, e.data), "encode(vector<string_view>) == encode(vector<string>)");
        check(same_floats(model.encode(views, m2v::EncodeParams()).data, e.data), "EncodeParams() == defaults");
        check(same_floats(model.encode(views, m2v_encode_default_params()).data, e.data), "C default params");
        // into a caller buffer, also a too small one
        std::vector<float> buf(lines.size() * dim);
        model.encode_into(views, buf.data(), buf.size());
        check(same_floats(buf, e.data), "encode_into == encode");
        auto small = model.try_encode_into(views, buf.data(), buf.size() - 1);
        check(!small.ok() && small.error().status() == M2V_ERR_BUFFER_TOO_SMALL, "encode_into: buffer too small");
#if defined(__cpp_lib_span)
        std::vector<float> buf2(lines.size() * dim);
        model.encode_into(std::span<const std::string_view>(views), std::span<float>(buf2));
        check(same_floats(buf2, e.data), "span: encode_into(span<const string_view>, span<float>)");
        std::span<const float> row0 = e.row(0);
        check(row0.size() == dim, "span: View converts to std::span");
#endif
        // params change the result
        m2v::EncodeParams p;
        p.normalize = 1;
        m2v::Embeddings n = model.encode(views, p);
        double norm = 0;
        for (float x : n.row(0)) norm += double(x) * x;
        check(norm > 0.99 && norm < 1.01, "EncodeParams normalize=1 gives unit rows");
    });

    section("tokenize", [&] {
        m2v::TokenIds ids = model.tokenize(views);
        m2v::Texts t(views);
        m2v_ids *c = nullptr;
        m2v_status st = m2v_tokenize(model.get(), t.ptrs(), t.lengths(), t.size(), nullptr, &c);
        check(st == M2V_OK && c && same_ids(ids, c), "tokenize == m2v_tokenize");
        check(ids.size() == lines.size() && ids[0].size() == c->offsets[1] - c->offsets[0], "TokenIds[i]");
        m2v_ids_free(c);
        std::vector<std::string> tokens;
        for (int32_t id : ids[0]) tokens.emplace_back(model.token(id));
        check(!tokens.empty() && !tokens[0].empty(), "token(id)");
        check(model.token(-1).empty(), "token(-1) is empty");
    });

    section("encode_as_sequence", [&] {
        m2v::Sequence seq = model.encode_as_sequence(views);
        m2v::Texts t(views);
        m2v_sequence *c = nullptr;
        m2v_status st = m2v_encode_as_sequence(model.get(), t.ptrs(), t.lengths(), t.size(), nullptr, &c);
        bool same = st == M2V_OK && c && seq.size() == c->n_texts && seq.dim() == c->dim;
        if (same) {
            size_t rows = c->offsets[c->n_texts];
            same = std::memcmp(seq.offsets().data(), c->offsets, (c->n_texts + 1) * sizeof(size_t)) == 0 &&
                   (rows == 0 || std::memcmp(seq.get()->vectors, c->vectors, rows * c->dim * sizeof(float)) == 0);
        }
        check(same, "encode_as_sequence == m2v_encode_as_sequence(NULL params)");
        check(seq[0].size() == seq.n_tokens(0) * dim, "Sequence[i] is n_tokens x dim floats");
        m2v_sequence_free(c);
    });

    section("errors", [&] {
        // Result: the error comes back, nothing is thrown
        m2v::Result<m2v::Model> r = m2v::Model::try_load(missing);
        check(!r.ok() && !r, "try_load(missing) is not ok");
        check(r.error().status() == M2V_ERR_NOT_FOUND, "try_load(missing): M2V_ERR_NOT_FOUND",
              r.error().status_name());
        check(std::strlen(r.error().what()) > 0 && std::string(r.error().status_name()) == "M2V_ERR_NOT_FOUND",
              "try_load(missing): message and status name");
        check(std::string(r.error().what()).find(missing) != std::string::npos, "message names the folder",
              r.error().what());
        m2v::Result<m2v::Model> good = m2v::Model::try_load(model_path);
        check(good.ok() && good->dim() == dim && good.error().status() == M2V_OK, "try_load(good) is ok");
        m2v::Model taken = std::move(good).value();
        check(taken.dim() == dim, "value() moves the model out");
        auto bad_utf8 = model.try_encode({std::string_view("ok"), std::string_view("\xff\xfe bad", 6)});
        check(!bad_utf8.ok() && bad_utf8.error().status() == M2V_ERR_INVALID_UTF8 &&
                  std::strlen(bad_utf8.error().what()) > 0,
              "invalid UTF-8: M2V_ERR_INVALID_UTF8 with a message");
        m2v::EncodeParams replace;
        replace.invalid_text = M2V_INVALID_TEXT_REPLACE;
        check(model.try_encode({std::string_view("\xff\xfe bad", 6)}, replace).ok(), "invalid_text REPLACE");
        auto nul = m2v::Model::try_load(std::string("a\0b", 3));
        check(!nul.ok() && nul.error().status() == M2V_ERR_INVALID_ARGUMENT, "path with a NUL byte");
        auto hub = m2v::try_hub_resolve("m2v-cpp-test-org/no-such-model");
        check(!hub.ok() && hub.error().status() == M2V_ERR_NOT_FOUND && std::strlen(hub.error().what()) > 0,
              "try_hub_resolve(unknown id): M2V_ERR_NOT_FOUND");
#if M2V_HPP_EXCEPTIONS
        bool thrown = false;
        try {
            m2v::Model m = m2v::Model::load(missing);
        } catch (const m2v::Error &e) {
            thrown = e.status() == M2V_ERR_NOT_FOUND && std::strlen(e.what()) > 0;
        }
        check(thrown, "load(missing) throws m2v::Error(M2V_ERR_NOT_FOUND) with a message");
        thrown = false;
        try {
            (void)r.value();
        } catch (const std::runtime_error &e) {  // m2v::Error is a std::runtime_error
            thrown = std::string(e.what()) == r.error().what();
        }
        check(thrown, "Result::value() on an error throws the error");
        thrown = false;
        try {
            m2v::Tokenizer::load(missing + "/tokenizer.json");
        } catch (const m2v::Error &e) {
            thrown = e.status() == M2V_ERR_NOT_FOUND;
        }
        check(thrown, "Tokenizer::load(missing) throws M2V_ERR_NOT_FOUND");
#endif
    });

    section("moves", [&] {
        m2v::Model a = m2v::Model::load(model_path);
        m2v::Model b = std::move(a);
        check(!a && a.get() == nullptr && a.dim() == 0, "moved-from Model is empty");  // NOLINT(bugprone-use-after-move)
        check(b && b.dim() == dim, "moved-to Model works");
        auto empty = a.try_encode({"x"});
        check(!empty.ok() && empty.error().status() == M2V_ERR_INVALID_ARGUMENT, "encode on an empty Model fails");
        m2v::Model c = m2v::Model::load(model_path);
        b = std::move(c);  // frees b's first model
        check(b && !c && same_floats(b.encode(views).data, model.encode(views).data), "move assignment");
        m2v::Model &same = b;  // through a reference: compilers warn about a literal self-move
        b = std::move(same);
        check(b.dim() == dim, "self move assignment");
        m2v::ModelRef ref = b;
        check(ref.get() == b.get() && ref.dim() == dim, "ModelRef borrows");
        m2v_model *raw = b.release();
        check(!b && raw != nullptr, "release()");
        m2v::Model adopted(raw);
        check(adopted.dim() == dim, "Model(m2v_model *) adopts");
        adopted.reset();
        check(!adopted, "reset()");
        m2v::TokenIds t1 = model.tokenize(views);
        m2v::TokenIds t2 = std::move(t1);
        check(!t1 && t1.size() == 0 && t2.size() == lines.size(), "TokenIds moves");
        std::vector<m2v::Model> many;
        for (int i = 0; i < 3; i++) many.push_back(m2v::Model::load(model_path));  // reallocation moves
        check(many.size() == 3 && many[0].dim() == dim && many[2].dim() == dim, "Models in a vector");
    });

    section("zero texts", [&] {
        m2v::Embeddings e = model.encode(std::vector<std::string_view>{});
        check(e.n == 0 && e.dim == dim && e.data.empty(), "encode(no texts): 0 x dim");
        check(model.encode({}).n == 0, "encode({})");
        model.encode_into(m2v::Texts(), nullptr, 0);
        check(true, "encode_into(no texts, nullptr, 0)");
        m2v::TokenIds ids = model.tokenize(std::vector<std::string>{});
        check(ids && ids.size() == 0 && ids.ids().empty() && ids.offsets().size() == 1, "tokenize(no texts)");
        check(model.encode_as_sequence(m2v::Texts()).size() == 0, "encode_as_sequence(no texts)");
        m2v::Embeddings one = model.encode({""});
        bool zero = one.n == 1;
        for (float x : one.data) zero = zero && x == 0.0f;
        check(zero, "encode(one empty text): a zero vector");
    });

    section("threads", [&] {
        const std::vector<float> want = model.encode(views).data;
        std::vector<int> ok(4, 0);
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; i++)
            threads.emplace_back([&, i] {
                int good = 1;
                for (int k = 0; k < 20; k++) good &= same_floats(model.encode(views).data, want) ? 1 : 0;
                ok[i] = good;
            });
        for (auto &t : threads) t.join();
        check(ok == std::vector<int>(4, 1), "4 threads encode with one Model");
    });

    section("tokenizer", [&] {
        m2v::Tokenizer tok = m2v::Tokenizer::load(model_path + "/tokenizer.json");
        m2v::TokenIds ids = tok.encode(views);
        m2v::Texts t(views);
        m2v_ids *c = nullptr;
        m2v_status st = m2v_tokenizer_encode(tok.get(), t.ptrs(), t.lengths(), t.size(), 1, &c);
        check(st == M2V_OK && same_ids(ids, c), "Tokenizer::encode == m2v_tokenizer_encode(add_special_tokens 1)");
        m2v_ids_free(c);
        m2v::TokenizerEncodeParams p;
        p.add_special_tokens = 0;
        c = nullptr;
        st = m2v_tokenizer_encode(tok.get(), t.ptrs(), t.lengths(), t.size(), 0, &c);
        check(st == M2V_OK && same_ids(tok.encode(views, p), c), "TokenizerEncodeParams add_special_tokens 0");
        m2v_ids_free(c);
        check(tok.vocab_size() == m2v_tokenizer_vocab_size(tok.get()) && tok.vocab_size() > 0, "Tokenizer vocab_size");
        std::string json;
        check(read_file((model_path + "/tokenizer.json").c_str(), json), "read tokenizer.json");
        m2v::Tokenizer mem = m2v::Tokenizer::load_from_memory(json);
        check(same_ids(mem.encode(views), ids.get()), "Tokenizer::load_from_memory");
        m2v::Tokenizer moved = std::move(tok);
        check(!tok && moved && moved.vocab_size() > 0, "Tokenizer moves");
    });

    section("classifier", [&] {
        auto loaded = m2v::Classifier::try_load(model_path);
        if (!loaded.ok() && loaded.error().status() == M2V_ERR_NOT_FOUND) {
            std::printf("note: %s is not a pipeline (%s); classifier checks skipped\n", model_path.c_str(),
                        loaded.error().what());
            return;
        }
        m2v::Classifier cls = std::move(loaded).value();
        m2v::Texts t(views);
        const size_t n_out = cls.n_outputs();
        m2v::Probabilities p = cls.predict_proba(views);
        std::vector<float> cp(t.size() * n_out);
        m2v_status st = m2v_classifier_predict_proba(cls.get(), t.ptrs(), t.lengths(), t.size(), nullptr, cp.data(), cp.size());
        check(st == M2V_OK && p.n == t.size() && p.n_outputs == n_out && same_floats(p.data, cp),
              "predict_proba == m2v_classifier_predict_proba");
        if (cls.task() != M2V_TASK_REGRESSION) {
            std::vector<int32_t> labels = cls.predict(views);
            size_t per = cls.task() == M2V_TASK_MULTI_LABEL ? n_out : 1;
            std::vector<int32_t> cl(t.size() * per);
            st = m2v_classifier_predict(cls.get(), t.ptrs(), t.lengths(), t.size(), nullptr, 0.5f, cl.data(), cl.size());
            check(st == M2V_OK && labels == cl, "predict == m2v_classifier_predict");
            check(!cls.class_name(0).empty() && cls.class_name(cls.n_classes()).empty(), "class_name");
        }
        m2v::ModelRef enc = cls.model();
        check(enc && enc.dim() == dim, "Classifier::model() borrows the encoder");
        check(cls.predict_proba(m2v::Texts()).n == 0, "predict_proba(no texts)");
        m2v::Classifier moved = std::move(cls);
        check(!cls && moved.n_outputs() == n_out, "Classifier moves");
    });

    section("save and hub_resolve", [&] {
        check(m2v::hub_resolve(model_path) == model_path, "hub_resolve(existing folder) is the folder");
        char tmpl[] = "/tmp/m2v-cpp-test-XXXXXX";
        const char *dir = mkdtemp(tmpl);
        check(dir != nullptr, "mkdtemp");
        if (!dir) return;
        const std::string out = std::string(dir) + "/saved";
        model.save(out);
        m2v::Model again = m2v::Model::load(out);
        check(same_floats(again.encode(views).data, model.encode(views).data), "save + load gives the same vectors");
        auto bad = model.try_save(std::string(dir) + "/saved/config.json/x");  // a file where a folder goes
        check(!bad.ok() && std::strlen(bad.error().what()) > 0, "try_save into a file fails with a message",
              bad.error().status_name());
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    });

    std::printf("cpp: %d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
