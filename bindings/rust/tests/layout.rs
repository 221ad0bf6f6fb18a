//! `src/sys.rs` against m2v.h: every function of the header is declared, every enumerator has
//! its value, and every struct has the C compiler's size, alignment and field offsets (a C
//! program built with `cc` against the header prints them). Needs no model.
//!
//! The header is the repository's `include/m2v.h` (the one of this commit, which sys.rs must
//! mirror; M2V_HEADER=<path> to check another), not the installed one: a newer installed
//! library is fine (m2v.h only ever appends), a header of this commit that sys.rs does not
//! mirror is not.

use m2v::sys;
use std::collections::BTreeMap;
use std::mem::{align_of, offset_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;

const SYS_RS: &str = include_str!("../src/sys.rs");

fn header_path() -> PathBuf {
    match std::env::var_os("M2V_HEADER") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../include/m2v.h"),
    }
}

fn header() -> String {
    let path = header_path();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The header without its comments.
fn header_code() -> String {
    let h = header();
    let mut out = String::with_capacity(h.len());
    let mut rest = h.as_str();
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("*/").expect("unterminated comment") + start + 2;
        out.push(' ');
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn ident_end(s: &str) -> usize {
    s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len())
}

/// Names of the functions the header declares (each `M2V_API ... m2v_name(`).
fn header_functions() -> Vec<String> {
    let code = header_code();
    let mut names = Vec::new();
    for decl in code.split("M2V_API").skip(1) {
        let paren = decl.find('(').expect("M2V_API without (");
        let before = decl[..paren].trim_end();
        let start = before.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
        let name = &before[start..];
        if name.starts_with("m2v_") {
            names.push(name.to_string());
        }
    }
    names
}

/// Fields of each `typedef struct NAME { ... } NAME;` of the header, in order.
fn header_structs() -> BTreeMap<String, Vec<String>> {
    let code = header_code();
    let mut structs = BTreeMap::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("typedef struct ") {
        rest = &rest[i + "typedef struct ".len()..];
        let name = &rest[..ident_end(rest)];
        let after = rest[name.len()..].trim_start();
        if !after.starts_with('{') {
            continue; // an opaque handle
        }
        let body_end = after.find('}').expect("struct without }");
        let body = &after[1..body_end];
        let mut fields = Vec::new();
        for decl in body.split(';').map(str::trim).filter(|d| !d.is_empty()) {
            // `type name`, `type name[2]`, `const char *const *name`
            let decl = decl.split('[').next().unwrap().trim_end();
            let start = decl.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
            fields.push(decl[start..].to_string());
        }
        structs.insert(name.to_string(), fields);
    }
    structs
}

/// Enumerators of the header's enums (`M2V_X = value`).
fn header_enumerators() -> Vec<(String, i64)> {
    let code = header_code();
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("typedef enum ") {
        rest = &rest[i..];
        let open = rest.find('{').unwrap();
        let close = rest.find('}').unwrap();
        for item in rest[open + 1..close].split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, value) = item.split_once('=').expect("enumerator without a value");
            out.push((name.trim().to_string(), value.trim().parse().unwrap()));
        }
        rest = &rest[close..];
    }
    out
}

#[test]
fn every_header_function_is_declared_in_sys() {
    let header = header_functions();
    assert!(header.len() > 50, "parsed only {} functions from m2v.h", header.len());
    let declared: Vec<&str> = SYS_RS.split("pub fn ").skip(1).map(|s| &s[..ident_end(s)]).collect();
    for name in &header {
        assert!(declared.contains(&name.as_str()), "m2v.h declares {name}, src/sys.rs does not");
    }
    for name in &declared {
        assert!(header.iter().any(|h| h == name), "src/sys.rs declares {name}, m2v.h does not");
    }
}

#[test]
fn version_constants_match_header() {
    let h = header();
    let line = h.lines().find(|l| l.starts_with("#define M2V_VERSION_STRING")).expect("no M2V_VERSION_STRING");
    let quoted = line.split('"').nth(1).unwrap();
    assert_eq!(quoted, sys::M2V_VERSION_STRING, "src/sys.rs mirrors another header version");
    assert_eq!(sys::M2V_VERSION_NUMBER, sys::M2V_VERSION_MAJOR * 10000 + sys::M2V_VERSION_MINOR * 100);
}

macro_rules! layouts {
    ($($s:ident { $($f:ident),* $(,)? })*) => {
        vec![$(
            (stringify!($s), size_of::<sys::$s>(), align_of::<sys::$s>(),
             vec![$((stringify!($f), offset_of!(sys::$s, $f))),*]),
        )*]
    };
}

macro_rules! constants {
    ($($c:ident),* $(,)?) => { vec![$((stringify!($c), sys::$c as i64)),*] };
}

#[test]
fn structs_and_enums_match_the_c_compiler() {
    let rust = layouts! {
        m2v_load_params { struct_size, normalize, reserved0, max_length, reserved1, mmap, reserved2 }
        m2v_tensor { data, dtype, ndim, shape, nbytes }
        m2v_model_spec { struct_size, embeddings, weights, mapping, tokenizer_json, tokenizer_json_len,
                         config_json, config_json_len, normalize, max_length, metadata_json, metadata_json_len }
        m2v_quantize_params { struct_size, quantize_to, dimensionality, vocabulary_quantization }
        m2v_encode_params { struct_size, max_length, normalize, n_threads, batch_size, progress,
                            progress_user_data, character_cut, reserved0, invalid_text, reserved1, text_status }
        m2v_sequence { n_texts, dim, offsets, vectors }
        m2v_ids { n_texts, offsets, ids }
        m2v_save_params { struct_size, config_json, config_json_len, model_name, subfolder, metadata_json,
                          metadata_json_len }
        m2v_tokenizer_encode_params { struct_size, add_special_tokens, truncation, truncation_direction, padding,
                                      pad_length, pad_id, pad_to_multiple_of, pad_direction }
        m2v_distill_params { struct_size, pca_dims, explained_variance, sif_coefficient, quantize_to, pooling,
                             n_threads, remove_unused_tokens, base_model_name, progress, progress_user_data,
                             vocabulary, vocabulary_lengths, n_vocabulary, vocabulary_quantization,
                             token_remove_pattern }
        m2v_train_progress { epoch, step, steps_per_epoch, train_loss, val_loss, val_metric }
        m2v_train_params { struct_size, n_layers, hidden_dim, learning_rate, batch_size, min_epochs, max_epochs,
                           early_stopping_patience, validation_steps, test_size, seed, freeze, normalize,
                           freeze_weights, max_length, token_dropout, focal_gamma, class_weight, n_threads,
                           lazy_embeddings, progress, progress_user_data }
        m2v_train_targets { task, reserved0, n_outputs, class_names, class_ids, labels, values }
        m2v_train_set { texts, lengths, n_texts, targets }
        m2v_train_result { epochs, steps, best_val_metric }
    };
    let consts = constants![
        M2V_OK,
        M2V_ERR_INVALID_ARGUMENT,
        M2V_ERR_NOT_FOUND,
        M2V_ERR_IO,
        M2V_ERR_FORMAT,
        M2V_ERR_UNSUPPORTED,
        M2V_ERR_BUFFER_TOO_SMALL,
        M2V_ERR_OUT_OF_MEMORY,
        M2V_ERR_INVALID_UTF8,
        M2V_ERR_CANCELLED,
        M2V_ERR_INTERNAL,
        M2V_DTYPE_F32,
        M2V_DTYPE_F16,
        M2V_DTYPE_F64,
        M2V_DTYPE_I8,
        M2V_DTYPE_BF16,
        M2V_DTYPE_U8,
        M2V_DTYPE_I16,
        M2V_DTYPE_I32,
        M2V_DTYPE_I64,
        M2V_DTYPE_BOOL,
        M2V_INVALID_TEXT_ERROR,
        M2V_INVALID_TEXT_REPLACE,
        M2V_INVALID_TEXT_SKIP,
        M2V_QUANTIZE_FLOAT16,
        M2V_QUANTIZE_FLOAT32,
        M2V_QUANTIZE_FLOAT64,
        M2V_QUANTIZE_INT8,
        M2V_POOLING_MEAN,
        M2V_POOLING_FIRST,
        M2V_POOLING_LAST,
        M2V_POOLING_POOLER,
        M2V_TASK_SINGLE_LABEL,
        M2V_TASK_MULTI_LABEL,
        M2V_TASK_REGRESSION,
        M2V_VERSION_MAJOR,
        M2V_VERSION_MINOR,
        M2V_VERSION_PATCH,
        M2V_VERSION_NUMBER,
    ];

    // The lists above cover every struct and field of the header, in the header's order, and
    // every enumerator.
    let header = header_structs();
    let listed: BTreeMap<String, Vec<String>> =
        rust.iter().map(|(s, _, _, f)| (s.to_string(), f.iter().map(|(n, _)| n.to_string()).collect())).collect();
    assert_eq!(listed, header, "struct fields in this test (and src/sys.rs) differ from m2v.h");
    for (name, value) in header_enumerators() {
        let ours = consts.iter().find(|(c, _)| *c == name);
        assert_eq!(ours.map(|c| c.1), Some(value), "enumerator {name}");
    }

    // What the C compiler says, and what Rust says, line by line.
    let mut c = String::from("#include <m2v.h>\n#include <stddef.h>\n#include <stdio.h>\nint main(void) {\n");
    let mut expected = String::new();
    for (s, size, align, fields) in &rust {
        c += &format!("  printf(\"{s} size %zu align %zu\\n\", sizeof({s}), _Alignof({s}));\n");
        expected += &format!("{s} size {size} align {align}\n");
        for (f, off) in fields {
            c += &format!("  printf(\"{s}.{f} %zu\\n\", offsetof({s}, {f}));\n");
            expected += &format!("{s}.{f} {off}\n");
        }
    }
    for (name, value) in &consts {
        c += &format!("  printf(\"{name} %lld\\n\", (long long)({name}));\n");
        expected += &format!("{name} {value}\n");
    }
    c += "  return 0;\n}\n";

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let src = dir.join("m2v_layout.c");
    let exe = dir.join("m2v_layout");
    std::fs::write(&src, c).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let status = Command::new(&cc)
        .args(["-std=c11", "-Wall", "-Werror", "-I"])
        .arg(header_path().parent().unwrap())
        .arg(&src)
        .arg("-o")
        .arg(&exe)
        .status()
        .unwrap_or_else(|e| panic!("cannot run the C compiler `{cc}` (set CC): {e}"));
    assert!(status.success(), "{cc} failed on {}", src.display());
    let out = Command::new(&exe).output().unwrap();
    assert!(out.status.success());
    let got = String::from_utf8(out.stdout).unwrap();
    for (c_line, rust_line) in got.lines().zip(expected.lines()) {
        assert_eq!(rust_line, c_line, "Rust layout (left) differs from C (right)");
    }
    assert_eq!(got.lines().count(), expected.lines().count());
}
