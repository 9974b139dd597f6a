//! The engine's text vectors, built for scale: terms and character n-grams are interned
//! to integer ids while analysing (no string map per text), each distinct word is
//! analysed once, and the TF-IDF vectors of all texts live in one flat array.
//!
//! The weighting is the one of [`crate::text::Corpus`]: sublinear term frequency ×
//! smoothed inverse document frequency, L2-normalised, entries sorted by term id and the
//! norm summed in that order, so the same texts give bit-for-bit the same vectors.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;
use samverkan_search::analysis;
use tantivy::tokenizer::TextAnalyzer;

use crate::text::{PART_WEIGHT, TEXT_WEIGHT, TITLE_WEIGHT};

/// A small, deterministic multiplicative hasher (the Fx hash of rustc) for integer keys.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(SEED);
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u128(&mut self, i: u128) {
        self.write_u64(i as u64);
        self.write_u64((i >> 64) as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map with [`Fx`] hashing.
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// A sparse vector: (term id, weight), sorted by term id.
pub type Sparse = [(u32, f32)];

/// Sparse vectors, one after another in one array: document `d`'s entries are
/// `entries[offsets[d]..offsets[d + 1]]`, (term id, weight) sorted by term id.
#[derive(Debug, Default)]
pub struct Vectors {
    offsets: Vec<usize>,
    entries: Vec<(u32, f32)>,
    /// The number of distinct terms (ids are below it).
    pub terms: usize,
}

impl Vectors {
    /// Document `d`'s vector.
    pub fn get(&self, d: usize) -> &[(u32, f32)] {
        &self.entries[self.offsets[d]..self.offsets[d + 1]]
    }

    /// Vectors given as they are (each in term order), for tests of what is built on
    /// them.
    #[cfg(test)]
    pub fn from_rows(rows: &[Vec<(u32, f32)>], terms: usize) -> Self {
        let mut offsets = vec![0];
        let mut entries = Vec::new();
        for row in rows {
            entries.extend_from_slice(row);
            offsets.push(entries.len());
        }
        Self {
            offsets,
            entries,
            terms,
        }
    }
}

/// Collects each document's term frequencies (ids) and document frequencies, then
/// weights them in place: the frequencies are the only copy of the documents held.
struct Builder {
    offsets: Vec<usize>,
    entries: Vec<(u32, f32)>,
    df: Vec<u32>,
    docs: u32,
}

impl Builder {
    fn new() -> Self {
        Self {
            offsets: vec![0],
            entries: Vec::new(),
            df: Vec::new(),
            docs: 0,
        }
    }

    /// Adds a document standing for `count` identical ones, its terms distinct.
    fn push(&mut self, terms: impl Iterator<Item = (u32, f32)>, count: u32) {
        self.docs += count;
        for (t, tf) in terms {
            if self.df.len() <= t as usize {
                self.df.resize(t as usize + 1, 0);
            }
            self.df[t as usize] += count;
            self.entries.push((t, tf));
        }
        self.offsets.push(self.entries.len());
    }

    fn finish(mut self, terms: usize) -> Vectors {
        self.df.resize(terms, 0);
        let n = self.docs.max(1) as f32;
        let idf: Vec<f32> = self
            .df
            .iter()
            .map(|&df| ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0)
            .collect();
        for d in 0..self.offsets.len() - 1 {
            let v = &mut self.entries[self.offsets[d]..self.offsets[d + 1]];
            for (t, w) in v.iter_mut() {
                *w = (1.0 + w.ln().max(0.0)) * idf[*t as usize];
            }
            v.sort_unstable_by_key(|(t, _)| *t);
            let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                v.iter_mut().for_each(|(_, w)| *w /= norm);
            }
        }
        self.entries.shrink_to_fit();
        Vectors {
            offsets: self.offsets,
            entries: self.entries,
            terms,
        }
    }
}

/// Sums the weights of equal ids, in the order they were pushed.
fn merge(items: &mut Vec<(u32, f32)>) {
    items.sort_by_key(|(t, _)| *t);
    items.dedup_by(|b, a| {
        if a.0 == b.0 {
            a.1 += b.1;
            true
        } else {
            false
        }
    });
}

fn words(source: &str) -> impl Iterator<Item = &str> {
    source
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// Stems interned to ids, each distinct word analysed once.
struct Stems {
    analyzer: TextAnalyzer,
    ids: HashMap<String, u32>,
    stems: Vec<String>,
    /// Whether the stem occurs as a whole word somewhere in the corpus.
    word: Vec<bool>,
    /// word → (its stems, the stems of its trailing compound parts).
    cache: HashMap<String, (Vec<u32>, Vec<u32>)>,
    surface: HashMap<String, String>,
}

impl Stems {
    fn id(&mut self, stem: String) -> u32 {
        if let Some(&id) = self.ids.get(&stem) {
            return id;
        }
        let id = self.stems.len() as u32;
        self.ids.insert(stem.clone(), id);
        self.stems.push(stem);
        self.word.push(false);
        id
    }

    /// The stems and compound-part stems of one word; the first word seen for a stem
    /// becomes its readable surface form.
    fn analyse(&mut self, word: &str) -> &(Vec<u32>, Vec<u32>) {
        if !self.cache.contains_key(word) {
            let stems: Vec<u32> = analysis::terms(&mut self.analyzer, word)
                .into_iter()
                .map(|s| {
                    self.surface
                        .entry(s.clone())
                        .or_insert_with(|| word.to_lowercase());
                    self.id(s)
                })
                .collect();
            for &s in &stems {
                self.word[s as usize] = true;
            }
            let parts = analysis::terms(&mut self.analyzer, &analysis::compound_parts(word))
                .into_iter()
                .map(|s| self.id(s))
                .collect();
            self.cache.insert(word.to_string(), (stems, parts));
        }
        &self.cache[word]
    }
}

/// Each text's terms: whole-word stems (title twice), then the trailing compound parts
/// that are whole words somewhere in the corpus (0.4 of a word), as in
/// [`crate::text::Analyzer`].
fn stem_terms(stems: &mut Stems, title: &str, text: &str, out: &mut Vec<(u32, f32)>) {
    out.clear();
    for (source, weight) in [(title, TITLE_WEIGHT), (text, TEXT_WEIGHT)] {
        for w in words(source) {
            out.extend(stems.analyse(w).0.iter().map(|&s| (s, weight)));
        }
    }
    for (source, weight) in [(title, TITLE_WEIGHT), (text, TEXT_WEIGHT)] {
        for w in words(source) {
            stems.analyse(w);
            for &p in &stems.cache[w].1 {
                if stems.word[p as usize] {
                    out.push((p, weight * PART_WEIGHT));
                }
            }
        }
    }
    merge(out);
}

/// Character n-gram lengths. 4-grams alone keep the labelled set's quality of 3- to
/// 5-grams (precision@5 0.912 both; groups 0.790/0.748 against 0.797/0.748) with a third
/// of the entries per text, so a third of the memory and of the time per comparison.
const GRAMS: std::ops::RangeInclusive<usize> = 4..=4;

/// The character 4-grams of each word of a title and a body (with word boundaries; see
/// [`GRAMS`]), like [`crate::text::char_ngrams`], each packed losslessly into a
/// `u128` (a leading 1 bit, then 21 bits per character), summed and sorted by key.
pub(crate) fn gram_keys(title: &str, text: &str) -> Vec<(u128, f32)> {
    let mut out: Vec<(u128, f32)> = Vec::new();
    let mut chars: Vec<char> = Vec::new();
    for (source, weight) in [(title, TITLE_WEIGHT), (text, TEXT_WEIGHT)] {
        for word in words(source) {
            chars.clear();
            chars.push(' ');
            chars.extend(word.to_lowercase().chars());
            chars.push(' ');
            for n in GRAMS {
                for gram in chars.windows(n) {
                    let key = gram
                        .iter()
                        .fold(1u128, |k, &c| (k << 21) | u128::from(u32::from(c)));
                    out.push((key, weight));
                }
            }
        }
    }
    out.sort_by_key(|(k, _)| *k);
    out.dedup_by(|b, a| {
        if a.0 == b.0 {
            a.1 += b.1;
            true
        } else {
            false
        }
    });
    out
}

/// The word and n-gram vectors of a set of documents.
pub struct Built {
    /// Stemmed-word TF-IDF vectors.
    pub words: Vectors,
    /// Character n-gram TF-IDF vectors.
    pub grams: Vectors,
    /// Word id → stem.
    pub stems: Vec<String>,
    /// Stem → the first word seen that produced it, for explanations.
    pub surface: HashMap<String, String>,
}

/// Texts analysed in parallel per chunk, so that only a chunk's n-gram keys are held.
const CHUNK: usize = 1024;

/// Vectors of `texts` (title, body), each standing for `counts[d]` identical documents
/// in the frequencies (a missing count is 1). The stemmed words and the n-grams are
/// independent analyses, made side by side: at realistic 100,000 they took 2.3 s and
/// 3.5 s one after the other, most of a rebuild after a text changed.
pub fn build(texts: &[(&str, &str)], counts: &[u32]) -> Built {
    let ((words, stems, surface), grams) = rayon::join(
        || word_vectors(texts, counts),
        || gram_vectors(texts, counts),
    );
    Built {
        words,
        grams,
        stems,
        surface,
    }
}

/// How many documents text `d` stands for (see [`build`]).
fn count(counts: &[u32], d: usize) -> u32 {
    counts.get(d).copied().unwrap_or(1)
}

/// The stemmed-word vectors of `texts` (see [`build`]), with each word id's stem and
/// each stem's surface form.
fn word_vectors(
    texts: &[(&str, &str)],
    counts: &[u32],
) -> (Vectors, Vec<String>, HashMap<String, String>) {
    // Mark every stem used as a whole word, then count terms with the parts.
    let mut stems = Stems {
        analyzer: analysis::stemmed(),
        ids: HashMap::new(),
        stems: Vec::new(),
        word: Vec::new(),
        cache: HashMap::new(),
        surface: HashMap::new(),
    };
    for (title, text) in texts {
        for w in words(title).chain(words(text)) {
            stems.analyse(w);
        }
    }
    let mut builder = Builder::new();
    let mut terms = Vec::new();
    for (d, (title, text)) in texts.iter().enumerate() {
        stem_terms(&mut stems, title, text, &mut terms);
        builder.push(terms.iter().copied(), count(counts, d));
    }
    let vectors = builder.finish(stems.stems.len());
    (vectors, stems.stems, stems.surface)
}

/// The character n-gram vectors of `texts` (see [`build`]): ids by first appearance, a
/// text's grams taken in key order.
fn gram_vectors(texts: &[(&str, &str)], counts: &[u32]) -> Vectors {
    let mut ids: FxMap<u128, u32> = FxMap::default();
    let mut builder = Builder::new();
    for (c, chunk) in texts.chunks(CHUNK).enumerate() {
        let keys: Vec<Vec<(u128, f32)>> = chunk.par_iter().map(|(t, x)| gram_keys(t, x)).collect();
        for (k, grams) in keys.into_iter().enumerate() {
            let doc = grams.into_iter().map(|(key, tf)| {
                let next = ids.len() as u32;
                (*ids.entry(key).or_insert(next), tf)
            });
            builder.push(doc, count(counts, c * CHUNK + k));
        }
    }
    let gram_terms = ids.len();
    drop(ids);
    builder.finish(gram_terms)
}

/// Cosine of two normalised sparse vectors sorted by term id: the sum, in term order, of
/// the products of shared terms' weights.
pub fn cosine(a: &[(u32, f32)], b: &[(u32, f32)]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum
}

/// The terms two vectors share, by their contribution to the cosine, largest first
/// (ties by term id).
pub fn shared(a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<(u32, f32)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push((a[i].0, a[i].1 * b[j].1));
                i += 1;
                j += 1;
            }
        }
    }
    out.sort_by(|x, y| y.1.total_cmp(&x.1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{Analyzer, Corpus, char_ngrams};

    /// The interned vectors are the string-keyed corpus's vectors, up to term ids.
    #[test]
    fn the_same_vectors_as_the_string_corpus() {
        let texts = [
            (
                "Digitala lås i hemtjänsten",
                "Nycklarna i hemtjänsten ersätts.",
            ),
            ("Hemsjukvården", "Sjukvård i hemmet, e-arkiv och earkiv."),
            (
                "Digitala lås i hemtjänsten",
                "Nycklarna i hemtjänsten ersätts.",
            ),
        ];
        let built = build(&texts, &[1, 2, 1]);
        let mut analyzer = Analyzer::default();
        let mut terms: Vec<_> = texts.iter().map(|(t, x)| analyzer.terms(t, x)).collect();
        let all: std::collections::HashSet<String> =
            terms.iter().flat_map(|t| t.keys().cloned()).collect();
        for (t, (title, text)) in terms.iter_mut().zip(&texts) {
            analyzer.add_parts(t, title, text, &all);
        }
        let corpus = Corpus::weighted(terms.iter().zip([1, 2, 1]));
        let grams: Vec<HashMap<String, f32>> = texts
            .iter()
            .map(|(t, x)| {
                let mut g = char_ngrams(t, x);
                g.retain(|k, _| GRAMS.contains(&k.chars().count()));
                g
            })
            .collect();
        let gram_corpus = Corpus::weighted(grams.iter().zip([1, 2, 1]));
        for a in 0..3 {
            for b in 0..3 {
                let want = corpus.vector(&terms[a]).cosine(&corpus.vector(&terms[b]));
                let got = cosine(built.words.get(a), built.words.get(b));
                assert!((want - got).abs() < 1e-5, "{a} {b} {want} {got}");
                let want = gram_corpus
                    .vector(&grams[a])
                    .cosine(&gram_corpus.vector(&grams[b]));
                let got = cosine(built.grams.get(a), built.grams.get(b));
                assert!((want - got).abs() < 1e-5, "{a} {b} {want} {got}");
            }
        }
        assert_eq!(built.words.get(0).len(), corpus.vector(&terms[0]).0.len());
        assert_eq!(
            built.grams.get(1).len(),
            gram_corpus.vector(&grams[1]).0.len()
        );
        assert!(built.surface.contains_key("hemtjänst"));
    }
}
