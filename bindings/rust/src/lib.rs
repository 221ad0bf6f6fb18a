//! Rust bindings to libm2v (Model2Vec static embeddings).
#![warn(missing_docs)]

pub mod sys;
