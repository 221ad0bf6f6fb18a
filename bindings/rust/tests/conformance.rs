//! The crate against the C library: the bytes of `Tests/bindings/texts.txt` encoded here equal
//! `bindings/c/stream.c`'s for the same model, from one thread and from eight sharing one model;
//! errors carry the right status and message; zero texts, tokenize, classifiers, and values that
//! outlive the handle that made them.
//!
//! Run by `make test-rust`, which sets M2V_TEST_MODEL (a model folder), M2V_TEST_TEXTS (a text
//! file, one text per line) and M2V_TEST_EXPECTED (the C program's float32 output for them).

use m2v::{sys, Classifier, EncodeParams, Error, InvalidText, LoadParams, MaxLength, Model, Status, Task, Tokenizer};
use std::mem::size_of;
use std::path::{Path, PathBuf};

fn env_path(name: &str) -> PathBuf {
    match std::env::var_os(name) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => panic!(
            "{name} is not set: run `make test-rust` from the repository root (it sets M2V_TEST_MODEL, \
             M2V_TEST_TEXTS and M2V_TEST_EXPECTED and builds the expected bytes with bindings/c/stream.c)"
        ),
    }
}

fn model() -> Model {
    let path = env_path("M2V_TEST_MODEL");
    Model::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The lines of M2V_TEST_TEXTS: split on '\n', without the empty piece after the last newline;
/// empty lines stay as empty texts ('\r' is kept, as stream.c keeps it).
fn texts() -> Vec<String> {
    let path = env_path("M2V_TEST_TEXTS");
    let all = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines: Vec<String> = all.split('\n').map(str::to_string).collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

fn expected() -> Vec<u8> {
    let path = env_path("M2V_TEST_EXPECTED");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{} (make bindings-expected writes it): {e}", path.display()))
}

fn classifiers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Tests/classifiers")
}

fn assert_bytes_eq(got: &[u8], want: &[u8], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {} bytes, the C result has {}", got.len(), want.len());
    if let Some(i) = got.iter().zip(want).position(|(a, b)| a != b) {
        panic!("{what}: first differing byte at offset {i} (float {}, row-major)", i / 4);
    }
}

#[test]
fn encode_equals_the_c_bytes() {
    let model = model();
    let texts = texts();
    let want = expected();
    assert!(texts.iter().any(String::is_empty), "the text file should hold an empty line");
    assert_eq!(want.len(), texts.len() * model.dim() * 4, "expected file size vs texts x dim floats");

    let vectors = model.encode(&texts).unwrap();
    assert_eq!((vectors.len(), vectors.dim()), (texts.len(), model.dim()));
    assert_bytes_eq(&vectors.to_le_bytes(), &want, "encode");

    // &[&str] works as well as &[String]; rows() walks the same floats.
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert_eq!(model.encode(&refs).unwrap(), vectors);
    let rows: Vec<f32> = vectors.rows().flatten().copied().collect();
    assert_eq!(rows, vectors.as_slice());
    assert_eq!(vectors.rows().len(), texts.len());
    assert_eq!(vectors.row(1), Some(&vectors.as_slice()[model.dim()..2 * model.dim()]));
    assert_eq!(vectors.row(texts.len()), None);

    // encode_into a reused buffer, in chunks of 7 texts: the same bytes (encoding is per text).
    let mut buf = vec![0f32; 7 * model.dim()];
    let mut chunked = Vec::new();
    for chunk in texts.chunks(7) {
        model.encode_into(chunk, &mut buf).unwrap();
        chunked.extend(buf[..chunk.len() * model.dim()].iter().flat_map(|f| f.to_le_bytes()));
    }
    assert_bytes_eq(&chunked, &want, "encode_into in chunks of 7");

    // Default params spelled out, one thread, the bytes API: the same bytes.
    let p = EncodeParams::default();
    assert_bytes_eq(&model.encode_with(&texts, &p).unwrap().to_le_bytes(), &want, "encode_with(default)");
    let one = p.n_threads(1);
    assert_bytes_eq(&model.encode_with(&texts, &one).unwrap().to_le_bytes(), &want, "n_threads 1");
    let bytes: Vec<&[u8]> = texts.iter().map(|t| t.as_bytes()).collect();
    assert_bytes_eq(&model.encode_bytes(&bytes, &p).unwrap().to_le_bytes(), &want, "encode_bytes");
}

#[test]
fn eight_threads_sharing_one_model_give_the_same_bytes() {
    let model = model();
    let texts = texts();
    let want = expected();
    // 40 copies: > 32 texts and > 16 KB, so each call also uses the library's worker pool.
    let many: Vec<&str> = (0..40).flat_map(|_| texts.iter().map(String::as_str)).collect();
    let want_many = want.repeat(40);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let (model, texts, many, want, want_many) = (&model, &texts, &many, &want, &want_many);
                s.spawn(move || {
                    for round in 0..10 {
                        let got = model.encode(texts).unwrap().to_le_bytes();
                        assert_bytes_eq(&got, want, &format!("thread {t} round {round}"));
                        if round % 5 == 0 {
                            let got = model.encode(many).unwrap().to_le_bytes();
                            assert_bytes_eq(&got, want_many, &format!("thread {t} round {round}, 40 copies"));
                        }
                        // An error on this thread reports this thread's message.
                        let err = model.encode_into(texts, &mut [0f32; 1]).unwrap_err();
                        assert_eq!(err.status, Status::BufferTooSmall, "{err}");
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    });
}

#[test]
fn model_moves_to_another_thread_and_is_dropped_there() {
    let model = model();
    let want = expected();
    let texts = texts();
    let got = std::thread::spawn(move || model.encode(&texts).unwrap().to_le_bytes()).join().unwrap();
    assert_bytes_eq(&got, &want, "encode on another thread");
}

#[test]
fn missing_folder_is_not_found_with_a_message() {
    let missing = std::env::temp_dir().join(format!("m2v-rust-no-such-model-{}", std::process::id()));
    let err: Error = Model::load(&missing).unwrap_err();
    assert_eq!(err.status, Status::NotFound, "{err}");
    assert_eq!(err.status.code(), sys::M2V_ERR_NOT_FOUND);
    assert!(err.message.contains(missing.to_str().unwrap()), "message should name the path: {err}");
    let shown = err.to_string();
    assert!(shown.starts_with("M2V_ERR_NOT_FOUND: "), "{shown}");
    let _: &dyn std::error::Error = &err;

    assert_eq!(Classifier::load(&missing).unwrap_err().status, Status::NotFound);
    assert_eq!(Tokenizer::load(missing.join("tokenizer.json")).unwrap_err().status, Status::NotFound);

    // A NUL byte is rejected before calling the library.
    let err = Model::load("a\0b").unwrap_err();
    assert_eq!(err.status, Status::InvalidArgument);
    assert!(err.message.contains("NUL"), "{err}");
}

#[test]
fn status_names_match_the_library() {
    for code in 1..=12 {
        let status = Status::from_code(code).unwrap();
        assert_eq!(status.code(), code);
        let c = unsafe { std::ffi::CStr::from_ptr(sys::m2v_status_name(code)) };
        assert_eq!(status.name(), c.to_str().unwrap(), "code {code}");
    }
    assert_eq!(Status::from_code(sys::M2V_OK), None);
    assert_eq!(Status::from_code(11), Some(Status::Unknown(11)));
}

#[test]
fn zero_texts() {
    let model = model();
    let none: [&str; 0] = [];
    let v = model.encode(&none).unwrap();
    assert!(v.is_empty());
    assert_eq!((v.len(), v.dim(), v.as_slice().len(), v.rows().count()), (0, model.dim(), 0, 0));
    model.encode_into(&none, &mut []).unwrap();
    let ids = model.tokenize(&none).unwrap();
    assert!(ids.is_empty());
    assert_eq!((ids.offsets(), ids.ids()), (&[0usize][..], &[][..]));
    assert_eq!(model.encode_ids(&[], &[0], None).unwrap().len(), 0);
    assert_eq!(model.encode_as_sequence(&none).unwrap().len(), 0);
    let c = Classifier::load(classifiers_dir().join("single-label")).unwrap();
    assert!(c.predict(&none, 0.5).unwrap().is_empty());
    assert!(c.predict_proba(&none).unwrap().is_empty());
}

#[test]
fn tokenize_then_encode_ids_gives_the_c_bytes() {
    let model = model();
    let texts = texts();
    let ids = model.tokenize(&texts).unwrap();
    assert_eq!(ids.len(), texts.len());
    assert_eq!(ids.offsets().len(), texts.len() + 1);
    assert_eq!(*ids.offsets().last().unwrap(), ids.ids().len());
    let empty = texts.iter().position(String::is_empty).unwrap();
    assert_eq!(ids.get(empty), Some(&[][..]), "an empty text has no tokens");
    assert!(ids.get(0).is_some_and(|t| !t.is_empty()));
    assert!(ids.ids().iter().all(|&id| id >= 0 && (id as usize) < model.vocab_size()));
    assert_eq!(ids.iter().count(), texts.len());
    assert!(model.unk_token_id().map_or(true, |unk| !ids.ids().contains(&unk)), "unk is removed");
    assert!(ids.get(0).unwrap().iter().all(|&id| model.token(id).is_some()));

    let pooled = model.encode_ids(ids.ids(), ids.offsets(), None).unwrap();
    assert_bytes_eq(&pooled.to_le_bytes(), &expected(), "encode_ids(tokenize(texts))");

    // Bad offsets are rejected, on the Rust side or by the library.
    assert_eq!(model.encode_ids(&[], &[], None).unwrap_err().status, Status::InvalidArgument);
    assert_eq!(model.encode_ids(&[1], &[0, 2], None).unwrap_err().status, Status::InvalidArgument);
    let bad = model.encode_ids(&[i32::MAX], &[0, 1], None).unwrap_err();
    assert_eq!(bad.status, Status::InvalidArgument, "{bad}");

    // The tokenizer alone, on the model's tokenizer.json: same vocabulary; for plain words
    // without special tokens, the model's ids once unknown tokens are dropped.
    let dir = env_path("M2V_TEST_MODEL");
    let tok = Tokenizer::load(dir.join("tokenizer.json")).unwrap();
    assert_eq!(tok.vocab_size(), model.vocab_size());
    let json = std::fs::read(dir.join("tokenizer.json")).unwrap();
    assert_eq!(Tokenizer::from_json(&json).unwrap().vocab_size(), tok.vocab_size());
    let short = ["hello world", "the quick brown fox"];
    let raw = tok.encode(&short, false).unwrap();
    let by_model = model.tokenize(&short).unwrap();
    for (i, (a, b)) in raw.iter().zip(by_model.iter()).enumerate() {
        let kept: Vec<i32> = a.iter().copied().filter(|&id| Some(id) != model.unk_token_id()).collect();
        assert_eq!(kept, b, "text {i}");
    }
    // Token strings: the tokenizer's are the model's, and unknown ids have none.
    for id in raw.iter().flatten() {
        assert_eq!(tok.token(*id).as_deref(), model.token(*id), "token {id}");
    }
    assert_eq!(tok.token(-1), None);
    assert_eq!(tok.token(i32::try_from(tok.vocab_size()).unwrap()), None);
    assert_eq!(Tokenizer::from_json(b"{not json").unwrap_err().status, Status::Format);
}

#[test]
fn sequence_rows_are_the_tokens() {
    let model = model();
    let texts = ["hello world", ""];
    let seq = model.encode_as_sequence(&texts).unwrap();
    let ids = model.tokenize_with(&texts, &EncodeParams::default().max_length(MaxLength::Unlimited)).unwrap();
    assert_eq!((seq.len(), seq.dim()), (2, model.dim()));
    assert_eq!(seq.offsets(), ids.offsets());
    assert_eq!(seq.get(0).unwrap().len(), ids.get(0).unwrap().len() * model.dim());
    assert_eq!(seq.get(1), Some(&[][..]));
    assert_eq!(seq.get(2), None);
}

#[test]
fn params_change_what_they_say() {
    let model = model();
    let texts = ["hello world, static embeddings", "the quick brown fox"];
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let on = model.encode_with(&texts, &EncodeParams::default().normalize(Some(true))).unwrap();
    let off = model.encode_with(&texts, &EncodeParams::default().normalize(Some(false))).unwrap();
    assert!(on.rows().all(|r| (norm(r) - 1.0).abs() < 1e-5));
    assert!(off.rows().any(|r| (norm(r) - 1.0).abs() > 1e-3), "the fixture's raw vectors are not unit");
    let loaded_off =
        Model::load_with(env_path("M2V_TEST_MODEL"), &LoadParams::default().normalize(Some(false))).unwrap();
    assert!(!loaded_off.normalize());
    assert_eq!(loaded_off.encode(&texts).unwrap(), off);
    let copied = Model::load_with(env_path("M2V_TEST_MODEL"), &LoadParams::default().mmap(false)).unwrap();
    assert_eq!(copied.encode(&texts).unwrap(), model.encode(&texts).unwrap());

    let one_token = EncodeParams::default().max_length(MaxLength::Tokens(1));
    let ids = model.tokenize_with(&texts, &one_token).unwrap();
    assert!(ids.iter().all(|t| t.len() <= 1));
    let lm =
        Model::load_with(env_path("M2V_TEST_MODEL"), &LoadParams::default().max_length(MaxLength::Tokens(3))).unwrap();
    assert_eq!(lm.max_length(), Some(3));
    assert!(lm.tokenize(&texts).unwrap().iter().all(|t| t.len() <= 3));

    // Values the C struct cannot hold are rejected before the call.
    let err = model.encode_with(&texts, &EncodeParams::default().max_length(MaxLength::Tokens(0))).unwrap_err();
    assert_eq!(err.status, Status::InvalidArgument);
    let err = model.encode_with(&texts, &EncodeParams::default().n_threads(u32::MAX)).unwrap_err();
    assert_eq!(err.status, Status::InvalidArgument);

    // Invalid UTF-8: an error naming the text, U+FFFD, or a zero vector.
    let bad: [&[u8]; 2] = [b"hello", b"caf\xc3 world"];
    let err = model.encode_bytes(&bad, &EncodeParams::default()).unwrap_err();
    assert_eq!(err.status, Status::InvalidUtf8, "{err}");
    assert!(!err.message.is_empty());
    let replaced = model.encode_bytes(&bad, &EncodeParams::default().invalid_text(InvalidText::Replace)).unwrap();
    assert_eq!(replaced.row(0), model.encode(&["hello"]).unwrap().row(0));
    let skipped = model.encode_bytes(&bad, &EncodeParams::default().invalid_text(InvalidText::Skip)).unwrap();
    assert!(skipped.row(1).unwrap().iter().all(|&x| x == 0.0));
}

#[test]
fn values_outlive_the_handles_that_made_them() {
    let texts = texts();
    let (vectors, ids, seq, again) = {
        let first = model();
        let again = model();
        (
            first.encode(&texts).unwrap(),
            first.tokenize(&texts).unwrap(),
            first.encode_as_sequence(&texts).unwrap(),
            again,
        )
        // `first` is freed here; `again` (the same folder) is not.
    };
    assert_bytes_eq(&vectors.to_le_bytes(), &expected(), "embeddings after the model was dropped");
    let fresh = again.tokenize(&texts).unwrap();
    assert_eq!(ids.ids(), fresh.ids(), "token ids after the model was dropped");
    assert_eq!(seq.len(), texts.len());
    drop(again);
    assert_eq!(ids.offsets(), fresh.offsets());

    // TokenIds move to another thread and are freed there.
    std::thread::spawn(move || assert_eq!(ids.len(), texts.len())).join().unwrap();

    // Tokenizer ids outlive the tokenizer.
    let dir = env_path("M2V_TEST_MODEL");
    let raw = Tokenizer::load(dir.join("tokenizer.json")).unwrap().encode(&["hello world"], false).unwrap();
    assert!(!raw.get(0).unwrap().is_empty());

    // Many models loaded and freed in a different order than loaded.
    let mut models: Vec<Model> = (0..6).map(|_| model()).collect();
    models.swap(0, 5);
    models.remove(2);
    for m in models.into_iter().rev() {
        assert_eq!(m.dim(), vectors.dim());
    }
}

#[test]
fn classifiers_predict_model2vecs_labels() {
    let dir = classifiers_dir();
    // Tests/classifiers/expected.json: model2vec's labels for these texts.
    let texts = [
        "Moje \u{17e}ena m\u{11b} tak miluje, \u{17e}e mi n\u{11b}kdy i rozum\u{ed}.\n\t\t-- Pascal",
        "Utilities for with-statement contexts.  See PEP 343.",
    ];
    let c = Classifier::load(dir.join("single-label")).unwrap();
    assert_eq!(c.task(), Task::SingleLabel);
    assert_eq!((c.n_outputs(), c.n_classes(), c.n_layers()), (17, 17, 2));
    assert_eq!((c.class_name(0), c.class_name(17), c.class_is_integer(0)), (Some("bg"), None, Some(false)));
    let labels = c.predict(&texts, 0.5).unwrap();
    let names: Vec<&str> = labels.iter().map(|&i| c.class_name(i as usize).unwrap()).collect();
    assert_eq!(names, ["de", "en_pydoc"]);
    let proba = c.predict_proba(&texts).unwrap();
    assert_eq!((proba.len(), proba.dim()), (2, 17));
    for (row, &label) in proba.rows().zip(&labels) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4, "softmax rows sum to 1");
        let argmax = (0..row.len()).fold(0, |best, j| if row[j] > row[best] { j } else { best });
        assert_eq!(argmax, label as usize);
    }
    // The borrowed encoder is the model the head reads; it works like any model, from threads.
    let m = c.model();
    assert_eq!(m.encode(&texts).unwrap().dim(), m.dim());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| assert_eq!(c.predict(&texts, 0.5).unwrap(), labels));
        }
    });

    let multi = Classifier::load(dir.join("multi-label")).unwrap();
    assert_eq!(multi.task(), Task::MultiLabel);
    let flags = multi.predict(&texts[1..], 0.5).unwrap();
    assert_eq!(flags.len(), multi.n_outputs());
    let on: Vec<&str> = (0..flags.len()).filter(|&j| flags[j] == 1).map(|j| multi.class_name(j).unwrap()).collect();
    assert!(on.contains(&"latin"), "multi-label classes on: {on:?}");

    let reg = Classifier::load(dir.join("regression")).unwrap();
    assert_eq!(reg.task(), Task::Regression);
    assert_eq!(reg.predict(&texts, 0.5).unwrap_err().status, Status::InvalidArgument);
    assert_eq!(reg.predict_proba(&texts).unwrap().dim(), reg.n_outputs());
}

#[test]
fn hub_resolve_returns_folders_and_reports_missing_ids() {
    let dir = env_path("M2V_TEST_MODEL");
    assert_eq!(m2v::hub_resolve(dir.to_str().unwrap()).unwrap(), dir);
    let id = format!("m2v-rust-tests/no-such-model-{}", std::process::id());
    let err = m2v::hub_resolve(&id).unwrap_err();
    assert_eq!(err.status, Status::NotFound, "{err}");
    assert!(err.message.contains(&id) || err.message.contains("models--m2v-rust-tests"), "{err}");
}

/// The library is at least the version whose header src/sys.rs mirrors (m2v.h only appends, so
/// a newer one is fine; an older one lacks functions), with the same major version.
#[test]
fn library_is_at_least_the_mirrored_header() {
    let n = m2v::version_number();
    assert!(n >= sys::M2V_VERSION_NUMBER, "libm2v {} is older than m2v.h {}", m2v::version(), sys::M2V_VERSION_STRING);
    assert_eq!(n / 10000, sys::M2V_VERSION_MAJOR);
    assert_eq!(m2v::version(), format!("{}.{}.{}", n / 10000, n / 100 % 100, n % 100));
}

/// The library fills struct_size with the C sizeof: equal to the Rust size of each params
/// struct (tests/layout.rs also compares every field's offset with the C compiler's).
#[test]
fn params_struct_sizes_match_the_library() {
    unsafe {
        assert_eq!(sys::m2v_load_default_params().struct_size, size_of::<sys::m2v_load_params>());
        assert_eq!(sys::m2v_encode_default_params().struct_size, size_of::<sys::m2v_encode_params>());
        assert_eq!(sys::m2v_quantize_default_params().struct_size, size_of::<sys::m2v_quantize_params>());
        assert_eq!(sys::m2v_save_default_params().struct_size, size_of::<sys::m2v_save_params>());
        assert_eq!(
            sys::m2v_tokenizer_encode_default_params().struct_size,
            size_of::<sys::m2v_tokenizer_encode_params>()
        );
        assert_eq!(sys::m2v_distill_default_params().struct_size, size_of::<sys::m2v_distill_params>());
        assert_eq!(sys::m2v_train_default_params().struct_size, size_of::<sys::m2v_train_params>());
        assert_eq!(sys::m2v_model_spec_default().struct_size, size_of::<sys::m2v_model_spec>());
    }
    // And the defaults the wrappers read from them are the documented ones.
    let e = unsafe { sys::m2v_encode_default_params() };
    assert_eq!((e.max_length, e.normalize, e.n_threads, e.batch_size), (-1, -1, 0, 1024));
    assert_eq!((e.character_cut, e.invalid_text), (1, sys::M2V_INVALID_TEXT_ERROR));
    assert!(e.progress.is_none() && e.text_status.is_null());
    let l = unsafe { sys::m2v_load_default_params() };
    assert_eq!((l.normalize, l.max_length, l.mmap), (-1, -1, 1));
}
