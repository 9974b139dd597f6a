//! A thesaurus: sets of words and phrases that mean the same thing in a municipality's
//! needs ("försörjningsstöd", "ekonomiskt bistånd"; "rpa", "mjukvarurobot"). Text
//! similarity sees only shared words and character sequences, so two needs saying the same
//! in other words score low; a text that uses any term of a set gains the set's first
//! term (its *concept*), and two such texts then share it.
//!
//! Terms are matched on stems, so inflections match ("försörjningsstödet"), and a
//! one-word term also matches as the head of a compound ("leverantörsfakturor" uses
//! "faktura"), as a Swedish compound is a kind of its last part.

use std::collections::HashMap;

use samverkan_search::analysis;
use serde::Deserialize;
use tantivy::tokenizer::TextAnalyzer;

/// A compound's head matches a one-word term only when the word is at least this much
/// longer than the term: "arkiv" heads "slutarkiv", while "larm" is not the head of
/// "alarm".
const MIN_COMPOUND_PREFIX: usize = 3;

/// A thesaurus file: one `[[synonyms]]` entry per concept.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThesaurusFile {
    synonyms: Vec<SynonymSet>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymSet {
    terms: Vec<String>,
}

/// The synonym sets of a thesaurus file (TOML: `[[synonyms]] terms = ["…", "…"]`),
/// checked: every entry has two or more terms, none empty, and no term stands in two
/// entries (which would merge two concepts). The error names every problem by entry.
pub fn parse_sets(toml_text: &str) -> Result<Vec<Vec<String>>, String> {
    let file: ThesaurusFile = toml::from_str(toml_text).map_err(|e| e.to_string())?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (n, set) in file.synonyms.iter().enumerate() {
        let entry = n + 1;
        if set.terms.len() < 2 {
            problems.push(format!("entry {entry}: needs two or more terms"));
        }
        for term in &set.terms {
            let key = term.trim().to_lowercase();
            if key.is_empty() {
                problems.push(format!("entry {entry}: a term is empty"));
            } else if let Some(first) = seen.insert(key, entry) {
                problems.push(format!(
                    "entry {entry}: \"{term}\" is also in entry {first}"
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("; "));
    }
    Ok(file.synonyms.into_iter().map(|s| s.terms).collect())
}

/// Synonym sets, prepared for matching.
#[derive(Debug, Default, Clone)]
pub struct Thesaurus {
    /// Each set's concept: its first term, as written.
    concepts: Vec<String>,
    /// First stem of a phrase → (set, the phrase's stems).
    phrases: HashMap<String, Vec<(usize, Vec<String>)>>,
    /// Stem of a one-word term → its set.
    words: HashMap<String, usize>,
}

impl Thesaurus {
    /// Prepares `sets`, each a list of terms (words or short phrases) meaning the same; a
    /// set's first term names its concept. Sets of fewer than two usable terms are left
    /// out, as are terms of only stop words.
    pub fn new(sets: &[Vec<String>]) -> Self {
        let mut analyzer = analysis::stemmed();
        let mut out = Self::default();
        for terms in sets {
            let stemmed: Vec<Vec<String>> = terms
                .iter()
                .map(|t| stems(&mut analyzer, t))
                .filter(|s| !s.is_empty())
                .collect();
            if stemmed.len() < 2 {
                continue;
            }
            let set = out.concepts.len();
            out.concepts.push(terms[0].to_lowercase());
            for term in stemmed {
                if term.len() == 1 {
                    out.words.entry(term[0].clone()).or_insert(set);
                }
                out.phrases
                    .entry(term[0].clone())
                    .or_default()
                    .push((set, term));
            }
        }
        out
    }

    /// Whether there is nothing to expand with.
    pub fn is_empty(&self) -> bool {
        self.concepts.is_empty()
    }

    /// The concepts `text` uses, each once, in the order first used: the words to add to
    /// it. `cache` keeps each distinct word's stems between calls.
    pub fn concepts<'a>(&'a self, text: &str, cache: &mut StemCache) -> Vec<&'a str> {
        if self.is_empty() {
            return vec![];
        }
        let stems = cache.stems(text);
        let mut found: Vec<usize> = Vec::new();
        for (i, stem) in stems.iter().enumerate() {
            for (set, phrase) in self.phrases.get(stem).into_iter().flatten() {
                if stems[i..].starts_with(phrase) && !found.contains(set) {
                    found.push(*set);
                }
            }
            if let Some(set) = self.head_of(stem)
                && !found.contains(&set)
            {
                found.push(set);
            }
        }
        found.iter().map(|&s| self.concepts[s].as_str()).collect()
    }

    /// The set of the one-word term that heads compound `stem`, if any.
    fn head_of(&self, stem: &str) -> Option<usize> {
        stem.char_indices()
            .map(|(at, _)| at)
            .filter(|&at| stem[..at].chars().count() >= MIN_COMPOUND_PREFIX)
            .find_map(|at| self.words.get(&stem[at..]).copied())
    }
}

/// Each distinct word's stems, analysed once.
pub struct StemCache {
    analyzer: TextAnalyzer,
    words: HashMap<String, Vec<String>>,
}

impl Default for StemCache {
    fn default() -> Self {
        Self {
            analyzer: analysis::stemmed(),
            words: HashMap::new(),
        }
    }
}

impl StemCache {
    /// The stems of `text`'s words in order (stop words have none).
    fn stems(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for word in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            if !self.words.contains_key(word) {
                let stems = analysis::terms(&mut self.analyzer, word);
                self.words.insert(word.to_string(), stems);
            }
            out.extend(self.words[word].iter().cloned());
        }
        out
    }
}

fn stems(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .flat_map(|w| analysis::terms(analyzer, w))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thesaurus() -> Thesaurus {
        let sets = [
            vec!["försörjningsstöd", "ekonomiskt bistånd", "socialbidrag"],
            vec!["mjukvarurobot", "rpa", "robotiserad processautomation"],
            vec!["faktura", "räkning"],
            vec!["larm"],
        ];
        let sets: Vec<Vec<String>> = sets
            .iter()
            .map(|s| s.iter().map(|t| t.to_string()).collect())
            .collect();
        Thesaurus::new(&sets)
    }

    #[test]
    fn phrases_words_and_inflections_name_their_concept() {
        let t = thesaurus();
        let mut cache = StemCache::default();
        assert_eq!(
            t.concepts("Automatisering av ekonomiskt bistånd med RPA", &mut cache),
            ["försörjningsstöd", "mjukvarurobot"]
        );
        assert_eq!(
            t.concepts("Handläggningen av försörjningsstödet", &mut cache),
            ["försörjningsstöd"]
        );
        assert!(
            t.concepts("Ekonomiskt stöd och bistånd", &mut cache)
                .is_empty(),
            "a phrase matches only in order, word for word"
        );
    }

    #[test]
    fn a_one_word_term_heads_compounds() {
        let t = thesaurus();
        let mut cache = StemCache::default();
        assert_eq!(
            t.concepts("Leverantörsfakturor ska konteras", &mut cache),
            ["faktura"]
        );
        assert!(
            t.concepts("Fakturering", &mut cache).is_empty(),
            "a word that only starts like a term is not its compound"
        );
    }

    #[test]
    fn a_set_needs_two_terms() {
        let t = thesaurus();
        let mut cache = StemCache::default();
        assert!(t.concepts("Larm i simhallen", &mut cache).is_empty());
    }
}
