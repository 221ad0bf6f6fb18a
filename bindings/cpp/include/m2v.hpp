/*
 * m2v.hpp — header-only C++17 binding of libm2v (m2v.h), namespace m2v.
 *
 * It adds RAII, exceptions (or Result<T>), std::string_view texts and std::vector results on top
 * of m2v.h and nothing else: every call forwards to one m2v_* function. m2v.h stays the
 * reference for what each call does; the function comments below name the C function.
 *
 *   #include <m2v.hpp>          // c++ -std=c++17 prog.cpp $(pkg-config --cflags --libs m2v)
 *   m2v::Model model = m2v::Model::load("path/to/model");     // or a cached hub id "org/name"
 *   m2v::Embeddings e = model.encode({"hello world", "static embeddings"});
 *   float first = e(1, 0);                                     // text 1, component 0
 *
 * Ownership
 *   - Model, Tokenizer, Classifier own their m2v_* handle and free it in the destructor. They are
 *     move-only: a moved-from object is empty (get() == nullptr, operator bool false); calls on
 *     an empty object fail as m2v.h does for NULL (M2V_ERR_INVALID_ARGUMENT; dim() etc. 0).
 *     release() hands the handle back to you (free it with m2v_*_free), the constructor from a
 *     raw pointer takes ownership of one.
 *   - ModelRef is a non-owning view of a model (Classifier::model(), or any Model): valid while
 *     the owner lives. Binding a ModelRef to a temporary Model does not compile.
 *   - TokenIds and Sequence own the library-allocated m2v_ids / m2v_sequence (a std::unique_ptr
 *     with m2v_ids_free / m2v_sequence_free); the View<T>s they hand out borrow from them.
 *   - Embeddings, Probabilities, std::vector and std::string results are plain values you own.
 *   - Texts is a non-owning list of (pointer, byte length) pairs built for one call: the strings
 *     it was made from must outlive the call (they do for the usual `model.encode(vec)`).
 *   - Token strings and class names (std::string_view) borrow from the model / classifier.
 *
 * Thread-safety (as m2v.h)
 *   A loaded model, tokenizer or classifier is immutable: any number of threads may call the
 *   const member functions of one object at once (encode, tokenize, predict, the queries). Only
 *   destruction, move and assignment must not race with other uses of the same object. The
 *   error message is per thread; it is copied into the Error at once, so an Error can be passed
 *   between threads.
 *
 * Errors
 *   Every fallible call comes in two forms:
 *     try_xxx(...) -> Result<T>  never throws on a library error: ok() / value() / error(),
 *                                as std::expected. For code built with -fno-exceptions.
 *     xxx(...)     -> T          throws m2v::Error (a std::runtime_error) on failure.
 *   The throwing form is the try_ form plus unwrap(); both exist for every call below.
 *   m2v::Error has status() (the m2v_status, e.g. M2V_ERR_NOT_FOUND), status_name()
 *   ("M2V_ERR_NOT_FOUND") and what(): m2v_last_error()'s message, read right after the failing
 *   call (the status name when the library gave no message). Errors found by the binding
 *   itself (a path with a NUL byte, a size overflow) get M2V_ERR_INVALID_ARGUMENT /
 *   M2V_ERR_OUT_OF_MEMORY and a message of the binding.
 *   Without exceptions (M2V_HPP_EXCEPTIONS is 0: -fno-exceptions, or define it to 0 yourself)
 *   the throwing forms and Result::value() on an error print the message to stderr and call
 *   std::abort(): use the try_ forms. The binding's own allocations (std::vector) report
 *   failure as the standard library does (std::bad_alloc).
 *
 * Units
 *   Texts are UTF-8 bytes with a byte length (std::string_view: no NUL needed, NULs allowed);
 *   invalid UTF-8 is M2V_ERR_INVALID_UTF8 unless EncodeParams::invalid_text says otherwise.
 *   Paths are NUL-terminated std::strings (UTF-8). Vectors are float32, row-major: Embeddings
 *   holds n x dim floats; dim() counts floats; buffer capacities count floats (not bytes);
 *   max_length counts tokens; token ids are int32.
 *
 * Parameters
 *   LoadParams, EncodeParams, SaveParams and TokenizerEncodeParams derive from the C structs
 *   and start as m2v_*_default_params() gives them (struct_size set): change the fields you
 *   need and pass the object. Omitting it means the defaults (the same as NULL in m2v.h).
 *
 * std::span (C++20, when __cpp_lib_span is defined): Texts accepts std::span<const
 * std::string_view> and std::span<const std::string>, encode_into() a std::span<float>, and
 * View<T> converts to std::span<T>.
 */
#ifndef M2V_HPP
#define M2V_HPP

#include <m2v.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#if defined(__has_include)
#  if __has_include(<version>)
#    include <version>
#  endif
#endif
#if defined(__cpp_lib_span)
#  include <span>
#endif

#ifndef M2V_HPP_EXCEPTIONS
#  if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#    define M2V_HPP_EXCEPTIONS 1
#  else
#    define M2V_HPP_EXCEPTIONS 0
#  endif
#endif

namespace m2v {

// ---- Version ----------------------------------------------------------------------------------

/// The library's version string, e.g. "0.5.0" (m2v_version_string()).
inline std::string_view version() noexcept { return m2v_version_string(); }
/// The library's MAJOR*10000 + MINOR*100 + PATCH (m2v_version_number()); compare with
/// M2V_VERSION_NUMBER, the header's, to detect a mismatch.
inline unsigned version_number() noexcept { return m2v_version_number(); }

// ---- Errors -----------------------------------------------------------------------------------

/// A failed m2v call: the m2v_status and the library's message.
class Error : public std::runtime_error {
public:
    Error(m2v_status status, const std::string &message)
        : std::runtime_error(message.empty() ? std::string(m2v_status_name(status)) : message),
          status_(status) {}
    /// The m2v_status of the failed call (never M2V_OK for a real error).
    m2v_status status() const noexcept { return status_; }
    /// "M2V_ERR_NOT_FOUND", ... (m2v_status_name()).
    const char *status_name() const noexcept { return m2v_status_name(status_); }
    /// The error of the last failed m2v call on this thread: call right after it.
    static Error last(m2v_status status) {
        std::string message = m2v_last_error();  // copied before any other m2v call
        return Error(status, message);
    }

private:
    m2v_status status_;
};

namespace detail {
[[noreturn]] inline void raise(const Error &error) {
#if M2V_HPP_EXCEPTIONS
    throw error;
#else
    std::fprintf(stderr, "m2v: %s: %s\n", error.status_name(), error.what());
    std::abort();
#endif
}
/// What Result::error() returns when there is no error.
inline const Error &no_error() {
    static const Error none(M2V_OK, "");
    return none;
}
}  // namespace detail

/// A value or an Error, as std::expected<T, Error>. Result<void> has no value.
template <class T>
class [[nodiscard]] Result {
public:
    // T&& / const T& (not T by value): `return local;` then moves in C++17 as well.
    Result(T &&value) : v_(std::in_place_index<0>, std::move(value)) {}
    template <class U = T, std::enable_if_t<std::is_copy_constructible_v<U>, int> = 0>
    Result(const T &value) : v_(std::in_place_index<0>, value) {}
    Result(Error &&error) : v_(std::in_place_index<1>, std::move(error)) {}
    Result(const Error &error) : v_(std::in_place_index<1>, error) {}

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    /// The value; on an error, throws error() (aborts without exceptions).
    T &value() & { check(); return *std::get_if<0>(&v_); }
    const T &value() const & { check(); return *std::get_if<0>(&v_); }
    T &&value() && { check(); return std::move(*std::get_if<0>(&v_)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }
    T &&operator*() && { return std::move(*this).value(); }

    /// The error; when ok(), an Error with status M2V_OK and message "M2V_OK".
    const Error &error() const noexcept {
        if (const Error *e = std::get_if<1>(&v_)) return *e;
        return detail::no_error();
    }

private:
    void check() const {
        if (!ok()) detail::raise(*std::get_if<1>(&v_));
    }
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error &&error) : error_(std::move(error)) {}
    Result(const Error &error) : error_(error) {}
    bool ok() const noexcept { return !error_.has_value(); }
    explicit operator bool() const noexcept { return ok(); }
    /// Throws error() (aborts without exceptions) unless ok().
    void value() const {
        if (error_) detail::raise(*error_);
    }
    const Error &error() const noexcept {
        if (error_) return *error_;
        return detail::no_error();
    }

private:
    std::optional<Error> error_;
};

namespace detail {
/// The throwing API is the Result API through this.
template <class T>
T unwrap(Result<T> &&result) {
    return std::move(result).value();
}
inline void unwrap(Result<void> &&result) { result.value(); }

inline Error binding_error(m2v_status status, const char *message) { return Error(status, message); }

/// m2v.h takes NUL-terminated paths: one with a NUL byte inside would be silently cut.
inline std::optional<Error> check_path(const std::string &path, const char *what) {
    if (path.find('\0') != std::string::npos)
        return binding_error(M2V_ERR_INVALID_ARGUMENT, (std::string(what) + " contains a NUL byte").c_str());
    return std::nullopt;
}

/// rows x cols floats, or an error when that overflows size_t.
inline std::optional<Error> check_product(size_t rows, size_t cols) {
    if (cols != 0 && rows > std::numeric_limits<size_t>::max() / cols)
        return binding_error(M2V_ERR_OUT_OF_MEMORY, "m2v.hpp: output size overflows size_t");
    return std::nullopt;
}

template <class T, void (*Free)(T *)>
struct Deleter {
    void operator()(T *p) const noexcept { Free(p); }
};
}  // namespace detail

// ---- Small value types ------------------------------------------------------------------------

/// A borrowed contiguous range (pointer + count), as std::span (to which it converts in C++20).
template <class T>
class View {
public:
    constexpr View() noexcept = default;
    constexpr View(T *data, size_t size) noexcept : data_(data), size_(size) {}
    constexpr T *data() const noexcept { return data_; }
    constexpr size_t size() const noexcept { return size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }
    constexpr T &operator[](size_t i) const noexcept { return data_[i]; }
    constexpr T *begin() const noexcept { return data_; }
    constexpr T *end() const noexcept { return data_ + size_; }
    std::vector<std::remove_const_t<T>> to_vector() const { return {begin(), end()}; }
#if defined(__cpp_lib_span)
    constexpr operator std::span<T>() const noexcept { return {data_, size_}; }
#endif

private:
    T *data_ = nullptr;
    size_t size_ = 0;
};

/// n texts' vectors, row-major: row i is data[i * dim .. (i + 1) * dim).
struct Embeddings {
    size_t n = 0;
    size_t dim = 0;
    std::vector<float> data;

    View<const float> row(size_t i) const noexcept { return {data.data() + i * dim, dim}; }
    View<float> row(size_t i) noexcept { return {data.data() + i * dim, dim}; }
    float operator()(size_t i, size_t j) const noexcept { return data[i * dim + j]; }
};

/// A classifier's outputs for n texts, row-major: n x n_outputs floats.
struct Probabilities {
    size_t n = 0;
    size_t n_outputs = 0;
    std::vector<float> data;

    View<const float> row(size_t i) const noexcept { return {data.data() + i * n_outputs, n_outputs}; }
    float operator()(size_t i, size_t j) const noexcept { return data[i * n_outputs + j]; }
};

/// The texts of one call as m2v.h wants them: parallel arrays of pointers and byte lengths.
/// Non-owning: the strings must outlive the call. Converts implicitly from the usual containers,
/// so `model.encode(vector_of_strings)` and `model.encode({"a", "b"})` work.
class Texts {
public:
    Texts() = default;
    Texts(std::initializer_list<std::string_view> texts) { assign(texts.begin(), texts.size()); }
    Texts(const std::vector<std::string_view> &texts) { assign(texts.data(), texts.size()); }
    Texts(const std::vector<std::string> &texts) { assign(texts.data(), texts.size()); }
    Texts(const std::string_view *texts, size_t n) { assign(texts, n); }
#if defined(__cpp_lib_span)
    Texts(std::span<const std::string_view> texts) { assign(texts.data(), texts.size()); }
    Texts(std::span<const std::string> texts) { assign(texts.data(), texts.size()); }
#endif
    void push_back(std::string_view text) {
        ptrs_.push_back(text.data());
        lens_.push_back(text.size());
    }
    void reserve(size_t n) {
        ptrs_.reserve(n);
        lens_.reserve(n);
    }
    size_t size() const noexcept { return ptrs_.size(); }
    const char *const *ptrs() const noexcept { return ptrs_.data(); }
    const size_t *lengths() const noexcept { return lens_.data(); }

private:
    template <class S>
    void assign(const S *texts, size_t n) {
        reserve(n);
        for (size_t i = 0; i < n; i++) push_back(std::string_view(texts[i]));
    }
    std::vector<const char *> ptrs_;
    std::vector<size_t> lens_;
};

// ---- Parameters (the C structs, starting at their defaults) -----------------------------------

/// m2v_load_params, initialised by m2v_load_default_params().
struct LoadParams : m2v_load_params {
    LoadParams() noexcept : m2v_load_params(m2v_load_default_params()) {}
    LoadParams(const m2v_load_params &p) noexcept : m2v_load_params(p) {}
};
/// m2v_encode_params, initialised by m2v_encode_default_params(). progress / text_status are
/// C pointers, read during the call only.
struct EncodeParams : m2v_encode_params {
    EncodeParams() noexcept : m2v_encode_params(m2v_encode_default_params()) {}
    EncodeParams(const m2v_encode_params &p) noexcept : m2v_encode_params(p) {}
};
/// m2v_save_params, initialised by m2v_save_default_params() (= m2v_model_save()).
struct SaveParams : m2v_save_params {
    SaveParams() noexcept : m2v_save_params(m2v_save_default_params()) {}
    SaveParams(const m2v_save_params &p) noexcept : m2v_save_params(p) {}
};
/// m2v_tokenizer_encode_params, initialised by m2v_tokenizer_encode_default_params()
/// (add_special_tokens 1, truncation and padding as tokenizer.json says).
struct TokenizerEncodeParams : m2v_tokenizer_encode_params {
    TokenizerEncodeParams() noexcept : m2v_tokenizer_encode_params(m2v_tokenizer_encode_default_params()) {}
    TokenizerEncodeParams(const m2v_tokenizer_encode_params &p) noexcept : m2v_tokenizer_encode_params(p) {}
};
static_assert(sizeof(LoadParams) == sizeof(m2v_load_params), "LoadParams adds no fields");
static_assert(sizeof(EncodeParams) == sizeof(m2v_encode_params), "EncodeParams adds no fields");
static_assert(sizeof(SaveParams) == sizeof(m2v_save_params), "SaveParams adds no fields");
static_assert(sizeof(TokenizerEncodeParams) == sizeof(m2v_tokenizer_encode_params), "no fields added");

// ---- Library-allocated results ----------------------------------------------------------------

using IdsPtr = std::unique_ptr<m2v_ids, detail::Deleter<m2v_ids, m2v_ids_free>>;
using SequencePtr = std::unique_ptr<m2v_sequence, detail::Deleter<m2v_sequence, m2v_sequence_free>>;

/// Token ids of n texts (m2v_ids, freed with m2v_ids_free): ids of text i are (*this)[i].
class TokenIds {
public:
    TokenIds() = default;
    explicit TokenIds(m2v_ids *owned) noexcept : p_(owned) {}
    size_t size() const noexcept { return p_ ? p_->n_texts : 0; }
    /// Text i's ids (i < size()).
    View<const int32_t> operator[](size_t i) const noexcept {
        return {p_->ids + p_->offsets[i], p_->offsets[i + 1] - p_->offsets[i]};
    }
    /// All ids, text after text (offsets()[n] of them).
    View<const int32_t> ids() const noexcept { return p_ ? View<const int32_t>(p_->ids, p_->offsets[p_->n_texts]) : View<const int32_t>(); }
    /// n + 1 offsets into ids(), starting at 0 (empty for an empty object).
    View<const size_t> offsets() const noexcept { return p_ ? View<const size_t>(p_->offsets, p_->n_texts + 1) : View<const size_t>(); }
    const m2v_ids *get() const noexcept { return p_.get(); }
    m2v_ids *release() noexcept { return p_.release(); }
    explicit operator bool() const noexcept { return p_ != nullptr; }

private:
    IdsPtr p_;
};

/// One vector per token for n texts (m2v_sequence, freed with m2v_sequence_free).
class Sequence {
public:
    Sequence() = default;
    explicit Sequence(m2v_sequence *owned) noexcept : p_(owned) {}
    size_t size() const noexcept { return p_ ? p_->n_texts : 0; }
    size_t dim() const noexcept { return p_ ? p_->dim : 0; }
    /// Tokens (rows) of text i.
    size_t n_tokens(size_t i) const noexcept { return p_->offsets[i + 1] - p_->offsets[i]; }
    /// Text i's rows, row-major: n_tokens(i) x dim() floats.
    View<const float> operator[](size_t i) const noexcept {
        return {p_->vectors + p_->offsets[i] * p_->dim, n_tokens(i) * p_->dim};
    }
    /// n + 1 row offsets, starting at 0 (empty for an empty object).
    View<const size_t> offsets() const noexcept { return p_ ? View<const size_t>(p_->offsets, p_->n_texts + 1) : View<const size_t>(); }
    const m2v_sequence *get() const noexcept { return p_.get(); }
    m2v_sequence *release() noexcept { return p_.release(); }
    explicit operator bool() const noexcept { return p_ != nullptr; }

private:
    SequencePtr p_;
};

// ---- Models -----------------------------------------------------------------------------------

class Model;

/// A borrowed model: every read-only model call. Does not free; valid while its owner lives.
class ModelRef {
public:
    ModelRef() = default;
    explicit ModelRef(const m2v_model *borrowed) noexcept : p_(borrowed) {}
    ModelRef(Model &&) = delete;  // would dangle at the end of the statement

    const m2v_model *get() const noexcept { return p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }

    /// Floats per vector (m2v_model_dim); 0 when empty.
    size_t dim() const noexcept { return m2v_model_dim(p_); }
    /// One more than the largest token id (m2v_model_vocab_size).
    size_t vocab_size() const noexcept { return m2v_model_vocab_size(p_); }
    /// Whether encode normalizes by default: 1 / 0; -1 when empty (m2v_model_normalize).
    int normalize() const noexcept { return m2v_model_normalize(p_); }
    /// encode's default truncation in tokens, 0 = none; -1 when empty (m2v_model_max_length).
    int64_t max_length() const noexcept { return m2v_model_max_length(p_); }
    /// The unknown token's id, -1 if none (m2v_model_unk_token_id).
    int32_t unk_token_id() const noexcept { return m2v_model_unk_token_id(p_); }
    /// Token string of `id` (UTF-8, borrowed from the model); empty when out of range.
    std::string_view token(int32_t id) const noexcept {
        size_t len = 0;
        const char *s = m2v_model_token(p_, id, &len);
        return s ? std::string_view(s, len) : std::string_view();
    }

    /// One vector per text (m2v_encode): n x dim() floats.
    Result<Embeddings> try_encode(const Texts &texts, const EncodeParams &params = {}) const {
        Embeddings e;
        e.n = texts.size();
        e.dim = dim();
        if (auto err = detail::check_product(e.n, e.dim)) return std::move(*err);
        e.data.resize(e.n * e.dim);
        m2v_status st = m2v_encode(p_, texts.ptrs(), texts.lengths(), texts.size(), &params, e.data.data(), e.data.size());
        if (st != M2V_OK) return Error::last(st);
        return e;
    }
    Embeddings encode(const Texts &texts, const EncodeParams &params = {}) const {
        return detail::unwrap(try_encode(texts, params));
    }

    /// m2v_encode into your buffer of `capacity_floats` floats (at least size() * dim());
    /// too small is M2V_ERR_BUFFER_TOO_SMALL with nothing written.
    Result<void> try_encode_into(const Texts &texts, float *out, size_t capacity_floats,
                                 const EncodeParams &params = {}) const {
        m2v_status st = m2v_encode(p_, texts.ptrs(), texts.lengths(), texts.size(), &params, out, capacity_floats);
        if (st != M2V_OK) return Error::last(st);
        return {};
    }
    void encode_into(const Texts &texts, float *out, size_t capacity_floats, const EncodeParams &params = {}) const {
        detail::unwrap(try_encode_into(texts, out, capacity_floats, params));
    }
#if defined(__cpp_lib_span)
    Result<void> try_encode_into(const Texts &texts, std::span<float> out, const EncodeParams &params = {}) const {
        return try_encode_into(texts, out.data(), out.size(), params);
    }
    void encode_into(const Texts &texts, std::span<float> out, const EncodeParams &params = {}) const {
        detail::unwrap(try_encode_into(texts, out.data(), out.size(), params));
    }
#endif

    /// The token ids encode pools (m2v_tokenize).
    Result<TokenIds> try_tokenize(const Texts &texts, const EncodeParams &params = {}) const {
        m2v_ids *out = nullptr;
        m2v_status st = m2v_tokenize(p_, texts.ptrs(), texts.lengths(), texts.size(), &params, &out);
        if (st != M2V_OK) return Error::last(st);
        return TokenIds(out);
    }
    TokenIds tokenize(const Texts &texts, const EncodeParams &params = {}) const {
        return detail::unwrap(try_tokenize(texts, params));
    }

    /// One vector per token (m2v_encode_as_sequence; default max_length -1: no truncation).
    Result<Sequence> try_encode_as_sequence(const Texts &texts, const EncodeParams &params = {}) const {
        m2v_sequence *out = nullptr;
        m2v_status st = m2v_encode_as_sequence(p_, texts.ptrs(), texts.lengths(), texts.size(), &params, &out);
        if (st != M2V_OK) return Error::last(st);
        return Sequence(out);
    }
    Sequence encode_as_sequence(const Texts &texts, const EncodeParams &params = {}) const {
        return detail::unwrap(try_encode_as_sequence(texts, params));
    }

    /// Write the model folder, atomically and durably (m2v_model_save_v2; defaults =
    /// m2v_model_save).
    Result<void> try_save(const std::string &path, const SaveParams &params = {}) const {
        if (auto err = detail::check_path(path, "path")) return std::move(*err);
        m2v_status st = m2v_model_save_v2(p_, path.c_str(), &params);
        if (st != M2V_OK) return Error::last(st);
        return {};
    }
    void save(const std::string &path, const SaveParams &params = {}) const {
        detail::unwrap(try_save(path, params));
    }

protected:
    const m2v_model *p_ = nullptr;
};

/// An owned model (m2v_model_load / m2v_model_free). Move-only.
class Model : public ModelRef {
public:
    Model() = default;
    /// Takes ownership of `owned` (from m2v_model_load, m2v_model_create, ...).
    explicit Model(m2v_model *owned) noexcept : ModelRef(owned) {}
    Model(Model &&other) noexcept : ModelRef(other.release()) {}
    Model &operator=(Model &&other) noexcept {
        if (this != &other) {
            m2v_model *next = other.release();
            reset();
            p_ = next;
        }
        return *this;
    }
    Model(const Model &) = delete;
    Model &operator=(const Model &) = delete;
    ~Model() { reset(); }

    /// Load a model folder, or a hub id found in the local HuggingFace cache (m2v_model_load).
    static Result<Model> try_load(const std::string &path_or_id, const LoadParams &params = {}) {
        if (auto err = detail::check_path(path_or_id, "path")) return std::move(*err);
        m2v_model *out = nullptr;
        m2v_status st = m2v_model_load(path_or_id.c_str(), &params, &out);
        if (st != M2V_OK) return Error::last(st);
        return Model(out);
    }
    static Model load(const std::string &path_or_id, const LoadParams &params = {}) {
        return detail::unwrap(try_load(path_or_id, params));
    }

    /// This model as a borrowed reference.
    ModelRef ref() const noexcept { return ModelRef(p_); }
    /// Gives up ownership: the caller frees the result with m2v_model_free().
    m2v_model *release() noexcept { return const_cast<m2v_model *>(std::exchange(p_, nullptr)); }
    /// Frees the model now; the object becomes empty.
    void reset() noexcept { m2v_model_free(release()); }
};

// ---- Tokenizers -------------------------------------------------------------------------------

/// A HuggingFace tokenizer.json (m2v_tokenizer_load / m2v_tokenizer_free). Move-only.
class Tokenizer {
public:
    Tokenizer() = default;
    explicit Tokenizer(m2v_tokenizer *owned) noexcept : p_(owned) {}

    static Result<Tokenizer> try_load(const std::string &path) {
        if (auto err = detail::check_path(path, "path")) return std::move(*err);
        m2v_tokenizer *out = nullptr;
        m2v_status st = m2v_tokenizer_load(path.c_str(), &out);
        if (st != M2V_OK) return Error::last(st);
        return Tokenizer(out);
    }
    static Tokenizer load(const std::string &path) { return detail::unwrap(try_load(path)); }

    /// From tokenizer.json bytes in memory (m2v_tokenizer_load_from_memory).
    static Result<Tokenizer> try_load_from_memory(std::string_view json) {
        m2v_tokenizer *out = nullptr;
        m2v_status st = m2v_tokenizer_load_from_memory(json.data(), json.size(), &out);
        if (st != M2V_OK) return Error::last(st);
        return Tokenizer(out);
    }
    static Tokenizer load_from_memory(std::string_view json) { return detail::unwrap(try_load_from_memory(json)); }

    const m2v_tokenizer *get() const noexcept { return p_.get(); }
    m2v_tokenizer *release() noexcept { return p_.release(); }
    explicit operator bool() const noexcept { return p_ != nullptr; }

    /// One more than the largest token id (m2v_tokenizer_vocab_size).
    size_t vocab_size() const noexcept { return m2v_tokenizer_vocab_size(p_.get()); }

    /// The ids HF tokenizers' encode_batch gives (m2v_tokenizer_encode_v2; defaults: special
    /// tokens added, truncation and padding as tokenizer.json says).
    Result<TokenIds> try_encode(const Texts &texts, const TokenizerEncodeParams &params = {}) const {
        m2v_ids *out = nullptr;
        m2v_status st = m2v_tokenizer_encode_v2(p_.get(), texts.ptrs(), texts.lengths(), texts.size(), &params, &out);
        if (st != M2V_OK) return Error::last(st);
        return TokenIds(out);
    }
    TokenIds encode(const Texts &texts, const TokenizerEncodeParams &params = {}) const {
        return detail::unwrap(try_encode(texts, params));
    }

private:
    std::unique_ptr<m2v_tokenizer, detail::Deleter<m2v_tokenizer, m2v_tokenizer_free>> p_;
};

// ---- Classifiers ------------------------------------------------------------------------------

/// A model2vec pipeline: a model plus an MLP head (m2v_classifier_load / m2v_classifier_free).
/// Move-only.
class Classifier {
public:
    Classifier() = default;
    explicit Classifier(m2v_classifier *owned) noexcept : p_(owned) {}

    static Result<Classifier> try_load(const std::string &path_or_id, const LoadParams &params = {}) {
        if (auto err = detail::check_path(path_or_id, "path")) return std::move(*err);
        m2v_classifier *out = nullptr;
        m2v_status st = m2v_classifier_load(path_or_id.c_str(), &params, &out);
        if (st != M2V_OK) return Error::last(st);
        return Classifier(out);
    }
    static Classifier load(const std::string &path_or_id, const LoadParams &params = {}) {
        return detail::unwrap(try_load(path_or_id, params));
    }

    const m2v_classifier *get() const noexcept { return p_.get(); }
    m2v_classifier *release() noexcept { return p_.release(); }
    explicit operator bool() const noexcept { return p_ != nullptr; }

    /// The encoder, borrowed (m2v_classifier_model): valid while this classifier lives.
    ModelRef model() const noexcept { return ModelRef(m2v_classifier_model(p_.get())); }
    /// An m2v_task (M2V_TASK_SINGLE_LABEL, ...); -1 when empty.
    int task() const noexcept { return m2v_classifier_task(p_.get()); }
    size_t n_outputs() const noexcept { return m2v_classifier_n_outputs(p_.get()); }
    size_t n_layers() const noexcept { return m2v_classifier_n_layers(p_.get()); }
    size_t n_classes() const noexcept { return m2v_classifier_n_classes(p_.get()); }
    /// Name of class `index` (borrowed); empty when out of range.
    std::string_view class_name(size_t index) const noexcept {
        size_t len = 0;
        const char *s = m2v_classifier_class_name(p_.get(), index, &len);
        return s ? std::string_view(s, len) : std::string_view();
    }

    /// Class indices (m2v_classifier_predict): single-label n entries, multi-label n x n_outputs
    /// 0/1 flags (probability > threshold). A regression head is M2V_ERR_INVALID_ARGUMENT.
    Result<std::vector<int32_t>> try_predict(const Texts &texts, const EncodeParams &params = {},
                                             float threshold = 0.5f) const {
        const size_t per_text = task() == M2V_TASK_MULTI_LABEL ? n_outputs() : 1;
        if (auto err = detail::check_product(texts.size(), per_text)) return std::move(*err);
        std::vector<int32_t> out(texts.size() * per_text);
        m2v_status st = m2v_classifier_predict(p_.get(), texts.ptrs(), texts.lengths(), texts.size(), &params,
                                               threshold, out.data(), out.size());
        if (st != M2V_OK) return Error::last(st);
        return out;
    }
    std::vector<int32_t> predict(const Texts &texts, const EncodeParams &params = {}, float threshold = 0.5f) const {
        return detail::unwrap(try_predict(texts, params, threshold));
    }

    /// The head's activated outputs (m2v_classifier_predict_proba): n x n_outputs floats.
    Result<Probabilities> try_predict_proba(const Texts &texts, const EncodeParams &params = {}) const {
        Probabilities p;
        p.n = texts.size();
        p.n_outputs = n_outputs();
        if (auto err = detail::check_product(p.n, p.n_outputs)) return std::move(*err);
        p.data.resize(p.n * p.n_outputs);
        m2v_status st = m2v_classifier_predict_proba(p_.get(), texts.ptrs(), texts.lengths(), texts.size(), &params,
                                                     p.data.data(), p.data.size());
        if (st != M2V_OK) return Error::last(st);
        return p;
    }
    Probabilities predict_proba(const Texts &texts, const EncodeParams &params = {}) const {
        return detail::unwrap(try_predict_proba(texts, params));
    }

private:
    std::unique_ptr<m2v_classifier, detail::Deleter<m2v_classifier, m2v_classifier_free>> p_;
};

// ---- Hub cache --------------------------------------------------------------------------------

/// The local folder m2v_model_load would use for `path_or_id` (m2v_hub_resolve): an existing
/// path unchanged, a hub id "org/name[@revision]" looked up in the HuggingFace cache (never
/// downloads). Not cached: M2V_ERR_NOT_FOUND, the message lists what was tried.
inline Result<std::string> try_hub_resolve(const std::string &path_or_id) {
    if (auto err = detail::check_path(path_or_id, "path_or_id")) return std::move(*err);
    std::string out;
    for (int attempt = 0; attempt < 4; attempt++) {  // the cache can change between the calls
        size_t needed = 0;
        m2v_status st = m2v_hub_resolve(path_or_id.c_str(), out.empty() ? nullptr : &out[0], out.size(), &needed);
        if (st == M2V_OK) {
            out.resize(std::strlen(out.c_str()));
            return out;
        }
        if (st != M2V_ERR_BUFFER_TOO_SMALL || needed <= out.size()) return Error::last(st);
        out.assign(needed, '\0');
    }
    return detail::binding_error(M2V_ERR_INTERNAL, "m2v_hub_resolve: the result kept growing");
}
inline std::string hub_resolve(const std::string &path_or_id) { return detail::unwrap(try_hub_resolve(path_or_id)); }

}  // namespace m2v

#endif  // M2V_HPP
