//! Odigo benchmarks (to be written: the decoder beside serde_json::Value, HTTP ingest).
fn main() {}
