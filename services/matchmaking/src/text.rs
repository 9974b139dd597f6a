//! Swedish text as weighted term vectors, with the analysis the search index uses
//! (stemming, stop words, foreign diacritics folded, trailing parts of compounds).

use std::collections::{HashMap, HashSet};

use samverkan_search::analysis;
use tantivy::tokenizer::TextAnalyzer;

/// How much a term counts by where it stands.
pub(crate) const TITLE_WEIGHT: f32 = 2.0;
pub(crate) const TEXT_WEIGHT: f32 = 1.0;
/// Trailing compound parts count less than whole words: "hemsjukvård" and "sjukvård" are
/// related, not the same.
pub(crate) const PART_WEIGHT: f32 = 0.4;

/// Turns text into stems, remembering a readable word for each stem.
pub struct Analyzer {
    stemmed: TextAnalyzer,
    /// stem → the first word seen that produced it, for explanations.
    pub surface: HashMap<String, String>,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self {
            stemmed: analysis::stemmed(),
            surface: HashMap::new(),
        }
    }
}

impl Analyzer {
    /// Weighted stems of whole words in a title and a body.
    pub fn terms(&mut self, title: &str, text: &str) -> HashMap<String, f32> {
        let mut out: HashMap<String, f32> = HashMap::new();
        for (source, weight) in [(title, TITLE_WEIGHT), (text, TEXT_WEIGHT)] {
            for word in source
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                for stem in analysis::terms(&mut self.stemmed, word) {
                    self.surface
                        .entry(stem.clone())
                        .or_insert_with(|| word.to_lowercase());
                    *out.entry(stem).or_default() += weight;
                }
            }
        }
        out
    }

    /// Adds the trailing compound parts of the text's long words that are words in their
    /// own right somewhere in the corpus (`words`): "hemsjukvården" gains "sjukvård" when
    /// another text says "sjukvård", but never fragments such as "ital" or "sten".
    pub fn add_parts(
        &mut self,
        terms: &mut HashMap<String, f32>,
        title: &str,
        text: &str,
        words: &HashSet<String>,
    ) {
        for (source, weight) in [(title, TITLE_WEIGHT), (text, TEXT_WEIGHT)] {
            for stem in analysis::terms(&mut self.stemmed, &analysis::compound_parts(source)) {
                if words.contains(&stem) {
                    *terms.entry(stem).or_default() += weight * PART_WEIGHT;
                }
            }
        }
    }
}

/// Character 3- to 5-grams of each word (with word boundaries), for similarity that
/// survives compounds split or joined and typos ("ärendehantring").
pub fn char_ngrams(title: &str, text: &str) -> HashMap<String, f32> {
    let mut out: HashMap<String, f32> = HashMap::new();
    for (source, weight) in [(title, TITLE_WEIGHT), (text, TEXT_WEIGHT)] {
        for word in source
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let chars: Vec<char> = format!(" {} ", word.to_lowercase()).chars().collect();
            for n in 3..=5 {
                for gram in chars.windows(n) {
                    *out.entry(gram.iter().collect()).or_default() += weight;
                }
            }
        }
    }
    out
}

/// A sparse, L2-normalised TF-IDF vector: (term id, weight), sorted by term id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vector(pub Vec<(u32, f32)>);

impl Vector {
    /// Cosine similarity of two normalised vectors.
    pub fn cosine(&self, other: &Vector) -> f32 {
        let (mut i, mut j, mut sum) = (0, 0, 0.0);
        while i < self.0.len() && j < other.0.len() {
            match self.0[i].0.cmp(&other.0[j].0) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    sum += self.0[i].1 * other.0[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    /// The terms two vectors share, by their contribution to the cosine, largest first.
    pub fn shared(&self, other: &Vector) -> Vec<(u32, f32)> {
        let theirs: HashMap<u32, f32> = other.0.iter().copied().collect();
        let mut out: Vec<(u32, f32)> = self
            .0
            .iter()
            .filter_map(|(t, w)| theirs.get(t).map(|v| (*t, w * v)))
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }
}

/// A corpus's vocabulary and document frequencies, for TF-IDF weighting.
#[derive(Debug, Default)]
pub struct Corpus {
    ids: HashMap<String, u32>,
    /// term id → stem.
    pub stems: Vec<String>,
    df: Vec<u32>,
    docs: u32,
}

impl Corpus {
    /// Builds the vocabulary from every document's terms.
    pub fn new<'a>(documents: impl IntoIterator<Item = &'a HashMap<String, f32>>) -> Self {
        Self::weighted(documents.into_iter().map(|d| (d, 1)))
    }

    /// Builds the vocabulary from distinct documents, each standing for `count` identical
    /// ones: the same frequencies as [`Corpus::new`] over all of them, analysed once.
    pub fn weighted<'a>(
        documents: impl IntoIterator<Item = (&'a HashMap<String, f32>, u32)>,
    ) -> Self {
        let mut corpus = Corpus::default();
        for (terms, count) in documents {
            corpus.docs += count;
            // Sorted, so term ids (and the order cosines are summed in) do not depend on
            // hash order: the same texts give bit-for-bit the same scores every run.
            let mut stems: Vec<&String> = terms.keys().collect();
            stems.sort_unstable();
            for stem in stems {
                let id = corpus.id(stem);
                corpus.df[id as usize] += count;
            }
        }
        corpus
    }

    fn id(&mut self, stem: &str) -> u32 {
        if let Some(id) = self.ids.get(stem) {
            return *id;
        }
        let id = self.stems.len() as u32;
        self.ids.insert(stem.to_string(), id);
        self.stems.push(stem.to_string());
        self.df.push(0);
        id
    }

    /// How many documents hold the term.
    pub fn df(&self, term: u32) -> u32 {
        self.df[term as usize]
    }

    /// The number of distinct terms.
    pub fn terms(&self) -> usize {
        self.stems.len()
    }

    /// The number of documents.
    pub fn len(&self) -> u32 {
        self.docs
    }

    /// True for an empty corpus.
    pub fn is_empty(&self) -> bool {
        self.docs == 0
    }

    /// The TF-IDF vector of a document: sublinear term frequency × smoothed inverse
    /// document frequency, normalised. Terms unknown to the corpus are left out.
    pub fn vector(&self, terms: &HashMap<String, f32>) -> Vector {
        let n = self.docs.max(1) as f32;
        let mut v: Vec<(u32, f32)> = terms
            .iter()
            .filter_map(|(stem, tf)| {
                let id = *self.ids.get(stem)?;
                let idf = ((1.0 + n) / (1.0 + self.df[id as usize] as f32)).ln() + 1.0;
                Some((id, (1.0 + tf.ln().max(0.0)) * idf))
            })
            .collect();
        // Sorted before the norm is summed, so it does not depend on hash order.
        v.sort_by_key(|(t, _)| *t);
        let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|(_, w)| *w /= norm);
        }
        Vector(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn similarity(a: (&str, &str), b: (&str, &str), others: &[(&str, &str)]) -> f32 {
        let mut analyzer = Analyzer::default();
        let ta = analyzer.terms(a.0, a.1);
        let tb = analyzer.terms(b.0, b.1);
        let rest: Vec<_> = others.iter().map(|(t, d)| analyzer.terms(t, d)).collect();
        let corpus = Corpus::new([&ta, &tb].into_iter().chain(rest.iter()));
        corpus.vector(&ta).cosine(&corpus.vector(&tb))
    }

    const BACKGROUND: &[(&str, &str)] = &[
        (
            "E-arkiv för kommunen",
            "Vi behöver ett e-arkiv för långtidsbevarande.",
        ),
        (
            "Ny skolplattform",
            "Lärplattform för elever och vårdnadshavare.",
        ),
        ("Bygglov digitalt", "E-tjänst för ansökan om bygglov."),
    ];

    #[test]
    fn inflections_and_compounds_bring_needs_together() {
        let same = similarity(
            (
                "Digitala lås i hemtjänsten",
                "Nycklarna i hemtjänsten ska ersättas med digitala lås.",
            ),
            (
                "Digital nyckelhantering",
                "Hemtjänst behöver digitala lås istället för fysiska nycklar.",
            ),
            BACKGROUND,
        );
        let different = similarity(
            (
                "Digitala lås i hemtjänsten",
                "Nycklarna i hemtjänsten ska ersättas med digitala lås.",
            ),
            ("Bygglov digitalt", "E-tjänst för ansökan om bygglov."),
            BACKGROUND,
        );
        assert!(same > 0.4, "{same}");
        assert!(different < 0.15, "{different}");
    }

    #[test]
    fn shared_terms_explain_the_similarity() {
        let mut analyzer = Analyzer::default();
        let a = analyzer.terms("Trygghetslarm i hemtjänsten", "");
        let b = analyzer.terms("Digitala trygghetslarm", "");
        let corpus = Corpus::new([&a, &b]);
        let shared = corpus.vector(&a).shared(&corpus.vector(&b));
        let words: Vec<&str> = shared
            .iter()
            .map(|(t, _)| corpus.stems[*t as usize].as_str())
            .collect();
        assert!(
            words.iter().any(|w| w.starts_with("trygghetslarm")),
            "{words:?}"
        );
        assert_eq!(
            analyzer.surface.get(words[0]).map(String::as_str),
            Some("trygghetslarm")
        );
    }
}
