//! The labelled set's sentence embeddings file, read by the evaluation report and by the
//! scale benchmark's synthetic embeddings (included by path in both examples).

use std::collections::HashMap;

/// The embeddings in the JSON file at `path`
/// (`{"model": …, "embeddings": {"n001": base64 of little-endian f32, …}}`, as
/// `tests/matchmaking/embed.py` writes it), by the labelled set's need name; `None` when
/// there is no such file.
pub fn read(path: &std::path::Path) -> Option<HashMap<String, Vec<f32>>> {
    use base64::Engine as _;
    let raw = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&raw).expect("the embeddings file is JSON");
    let by_name = json["embeddings"]
        .as_object()
        .expect("an embeddings object");
    let vectors = by_name.iter().map(|(name, encoded)| {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().expect("base64 text"))
            .expect("valid base64");
        let floats = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        (name.clone(), floats)
    });
    Some(vectors.collect())
}
