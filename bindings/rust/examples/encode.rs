//! Encode texts with a model folder and print the first floats of each vector.
//!
//!     cargo run --example encode -- MODEL_FOLDER "first text" "second text"

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((path, texts)) = args.split_first() else {
        eprintln!("usage: encode MODEL_FOLDER TEXT...");
        return ExitCode::from(2);
    };
    let model = match m2v::Model::load(path) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{path}: {e}"); // e.g. "M2V_ERR_NOT_FOUND: ..."
            return ExitCode::FAILURE;
        }
    };
    match model.encode(texts) {
        Ok(vectors) => {
            println!("libm2v {}: {} texts x {} floats", m2v::version(), vectors.len(), vectors.dim());
            for (text, row) in texts.iter().zip(vectors.rows()) {
                println!("{text:?}: {:?}", &row[..row.len().min(4)]);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("encode: {e}");
            ExitCode::FAILURE
        }
    }
}
