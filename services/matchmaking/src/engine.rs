//! Scores need↔need and need→solution pairs, and explains each score.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use uuid::Uuid;

use crate::model::{NeedInfo, OrgInfo, SolutionInfo};
use crate::signals;
use crate::text::{Analyzer, Corpus, Vector};
use crate::weights::Weights;

/// Candidates considered per need when ranking matches (sub-quadratic in practice).
const CANDIDATES: usize = 200;
/// Postings visited per need while gathering candidates, rarest terms first: common terms
/// are visited only while this budget lasts (they still count fully in the score).
const POSTINGS_BUDGET: usize = 20_000;

/// Why two records match: the data a coordinator shows a municipality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The words both texts use, most telling first.
    pub shared_terms: Vec<String>,
    /// Topics both carry.
    pub shared_topics: Vec<String>,
    /// Months the needed-by windows overlap (negative: months apart).
    pub timing_overlap_months: i32,
    /// Each signal's contribution to the score.
    pub contributions: Vec<(String, f32)>,
}

/// A scored match with its explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// The other need, or the solution.
    pub id: Uuid,
    /// Its organisation.
    pub org: String,
    /// Score in [0, 1].
    pub score: f32,
    /// Why.
    pub why: Explanation,
}

/// A prepared set of needs and solutions to match among.
pub struct Engine {
    weights: Weights,
    needs: Vec<NeedInfo>,
    need_vectors: Vec<Vector>,
    need_grams: Vec<Vector>,
    solutions: Vec<SolutionInfo>,
    solution_vectors: Vec<Vector>,
    solution_grams: Vec<Vector>,
    orgs: HashMap<String, OrgInfo>,
    corpus: Corpus,
    surface: HashMap<String, String>,
    postings: HashMap<u32, Vec<u32>>,
    by_id: HashMap<Uuid, usize>,
}

impl Engine {
    /// Analyses every need and solution once.
    pub fn new(
        weights: Weights,
        needs: Vec<NeedInfo>,
        solutions: Vec<SolutionInfo>,
        orgs: Vec<OrgInfo>,
    ) -> Self {
        let mut analyzer = Analyzer::default();
        let mut need_terms: Vec<_> = needs
            .iter()
            .map(|n| analyzer.terms(&n.title, &n.text))
            .collect();
        let mut solution_terms: Vec<_> = solutions
            .iter()
            .map(|s| analyzer.terms(&s.name, &s.text))
            .collect();
        let words: HashSet<String> = need_terms
            .iter()
            .chain(&solution_terms)
            .flat_map(|t| t.keys().cloned())
            .collect();
        for (terms, n) in need_terms.iter_mut().zip(&needs) {
            analyzer.add_parts(terms, &n.title, &n.text, &words);
        }
        for (terms, s) in solution_terms.iter_mut().zip(&solutions) {
            analyzer.add_parts(terms, &s.name, &s.text, &words);
        }
        let corpus = Corpus::new(need_terms.iter().chain(solution_terms.iter()));
        let need_gram_terms: Vec<_> = needs
            .iter()
            .map(|n| crate::text::char_ngrams(&n.title, &n.text))
            .collect();
        let solution_gram_terms: Vec<_> = solutions
            .iter()
            .map(|s| crate::text::char_ngrams(&s.name, &s.text))
            .collect();
        let grams = Corpus::new(need_gram_terms.iter().chain(solution_gram_terms.iter()));
        let need_grams = need_gram_terms.iter().map(|t| grams.vector(t)).collect();
        let solution_grams = solution_gram_terms
            .iter()
            .map(|t| grams.vector(t))
            .collect();
        let need_vectors: Vec<Vector> = need_terms.iter().map(|t| corpus.vector(t)).collect();
        let solution_vectors = solution_terms.iter().map(|t| corpus.vector(t)).collect();
        let mut postings: HashMap<u32, Vec<u32>> = HashMap::new();
        for (i, v) in need_vectors.iter().enumerate() {
            for (term, _) in &v.0 {
                postings.entry(*term).or_default().push(i as u32);
            }
        }
        Self {
            weights,
            by_id: needs.iter().enumerate().map(|(i, n)| (n.id, i)).collect(),
            needs,
            need_vectors,
            need_grams,
            solutions,
            solution_vectors,
            solution_grams,
            orgs: orgs.into_iter().map(|o| (o.id.clone(), o)).collect(),
            corpus,
            surface: analyzer.surface,
            postings,
        }
    }

    /// The needs of other organisations that are the same or close to need `id`, best
    /// first, at most `limit`.
    pub fn matches(&self, id: Uuid, limit: usize) -> Vec<Match> {
        let Some(&i) = self.by_id.get(&id) else {
            return vec![];
        };
        let mut out: Vec<Match> = self
            .candidates(i)
            .into_iter()
            .filter(|&j| self.needs[j].org != self.needs[i].org)
            .filter_map(|j| self.score_pair(i, j))
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        out.truncate(limit);
        out
    }

    /// Needs sharing terms with need `i`, by accumulated overlap. Rare terms are visited
    /// first; a common term's long postings list is visited only while the budget lasts,
    /// which keeps a match sub-quadratic without losing needs that share only common words.
    fn candidates(&self, i: usize) -> Vec<usize> {
        let mut terms: Vec<(u32, f32)> = self.need_vectors[i].0.clone();
        terms.sort_by_key(|(t, _)| self.corpus.df(*t));
        let mut acc: HashMap<u32, f32> = HashMap::new();
        let mut visited = 0;
        for (term, w) in &terms {
            let list = self.postings.get(term).map(Vec::as_slice).unwrap_or(&[]);
            if visited + list.len() > POSTINGS_BUDGET && !acc.is_empty() {
                continue;
            }
            visited += list.len();
            for &j in list {
                if j as usize != i {
                    *acc.entry(j).or_default() += w;
                }
            }
        }
        let mut ranked: Vec<(u32, f32)> = acc.into_iter().collect();
        // Ties broken by position: the same data always gives the same matches.
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(CANDIDATES);
        ranked.into_iter().map(|(j, _)| j as usize).collect()
    }

    /// The score of need `j` for need `i`, or `None` below the text threshold.
    pub fn score_pair(&self, i: usize, j: usize) -> Option<Match> {
        let (a, b) = (&self.needs[i], &self.needs[j]);
        let text = self.text_similarity(i, j);
        if text < self.weights.min_text {
            return None;
        }
        let w = &self.weights;
        let (timing, overlap) = signals::timing(a, b);
        // The other signals support a text match; they count in proportion to how
        // similar the texts are, so two needs sharing only an area and a year score low.
        let support = (text / w.full_support_text).min(1.0);
        let contributions = vec![
            (
                "text".to_string(),
                w.text * (text / w.full_support_text).min(1.0),
            ),
            (
                "topics".to_string(),
                support * w.topics * signals::topics(&a.topics, &b.topics),
            ),
            (
                "activity_area".to_string(),
                support * w.area * f32::from(u8::from(a.activity_area == b.activity_area)),
            ),
            ("timing".to_string(), support * w.timing * timing),
            (
                "collaboration_level".to_string(),
                support * w.level * signals::level(a.collaboration_level, b.collaboration_level),
            ),
            (
                "subregion".to_string(),
                support
                    * w.subregion
                    * signals::subregion(self.orgs.get(&a.org), self.orgs.get(&b.org)),
            ),
        ];
        let score = contributions.iter().map(|(_, c)| c).sum::<f32>().min(1.0);
        Some(Match {
            id: b.id,
            org: b.org.clone(),
            score,
            why: Explanation {
                shared_terms: self.shared_words(&self.need_vectors[i], &self.need_vectors[j]),
                shared_topics: signals::shared_topics(&a.topics, &b.topics),
                timing_overlap_months: overlap,
                contributions,
            },
        })
    }

    /// Solutions that could meet need `id`, best first: text and topic fit, boosted by
    /// maturity and by adopters (more so in the need's sub-region). The need owner's own
    /// solutions are left out unless `include_own`.
    pub fn solution_matches(&self, id: Uuid, limit: usize, include_own: bool) -> Vec<Match> {
        let Some(&i) = self.by_id.get(&id) else {
            return vec![];
        };
        let need = &self.needs[i];
        let region = self.orgs.get(&need.org).and_then(|o| o.subregion.clone());
        let mut out: Vec<Match> = self
            .solutions
            .iter()
            .zip(self.solution_vectors.iter().zip(&self.solution_grams))
            .filter(|(s, _)| include_own || s.org != need.org)
            .filter_map(|(s, (v, g))| {
                let text = self.blend(self.need_vectors[i].cosine(v), self.need_grams[i].cosine(g));
                if text < self.weights.min_text {
                    return None;
                }
                let near = s
                    .adopters
                    .iter()
                    .filter(|o| {
                        self.orgs.get(*o).and_then(|x| x.subregion.clone()) == region
                            && region.is_some()
                    })
                    .count();
                let contributions = vec![
                    ("text".to_string(), 0.70 * text),
                    (
                        "topics".to_string(),
                        0.15 * signals::topics(&need.topics, &s.topics),
                    ),
                    ("maturity".to_string(), 0.08 * f32::from(s.maturity) / 3.0),
                    (
                        "adopters".to_string(),
                        0.04 * (s.adopters.len() as f32 / 3.0).min(1.0),
                    ),
                    (
                        "adopters_in_subregion".to_string(),
                        0.03 * (near as f32 / 2.0).min(1.0),
                    ),
                ];
                Some(Match {
                    id: s.id,
                    org: s.org.clone(),
                    score: contributions.iter().map(|(_, c)| c).sum::<f32>().min(1.0),
                    why: Explanation {
                        shared_terms: self.shared_words(&self.need_vectors[i], v),
                        shared_topics: signals::shared_topics(&need.topics, &s.topics),
                        timing_overlap_months: 0,
                        contributions,
                    },
                })
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        out.truncate(limit);
        out
    }

    /// Stemmed words catch inflections and carry the explanation; character n-grams catch
    /// compounds split or joined and typos. Each covers the other's blind spots.
    fn blend(&self, words: f32, grams: f32) -> f32 {
        (1.0 - self.weights.ngram_share) * words + self.weights.ngram_share * grams
    }

    /// Text similarity of two needs: stemmed words and character n-grams together.
    fn text_similarity(&self, i: usize, j: usize) -> f32 {
        self.blend(
            self.need_vectors[i].cosine(&self.need_vectors[j]),
            self.need_grams[i].cosine(&self.need_grams[j]),
        )
    }

    fn shared_words(&self, a: &Vector, b: &Vector) -> Vec<String> {
        a.shared(b)
            .into_iter()
            .take(6)
            .map(|(t, _)| {
                let stem = &self.corpus.stems[t as usize];
                self.surface
                    .get(stem)
                    .cloned()
                    .unwrap_or_else(|| stem.clone())
            })
            .collect()
    }

    /// The weights in use.
    pub fn weights(&self) -> &Weights {
        &self.weights
    }

    /// The name of solution `id`.
    pub fn solution_name(&self, id: Uuid) -> Option<String> {
        self.solutions
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.name.clone())
    }

    /// Whether `org` owns or has adopted solution `id`.
    pub fn runs_solution(&self, org: &str, id: Uuid) -> bool {
        self.solutions
            .iter()
            .any(|s| s.id == id && (s.org == org || s.adopters.iter().any(|a| a == org)))
    }

    /// The needs, in input order.
    pub fn needs(&self) -> &[NeedInfo] {
        &self.needs
    }

    /// The organisation facts.
    pub fn org(&self, id: &str) -> Option<&OrgInfo> {
        self.orgs.get(id)
    }

    /// Index of a need by id.
    pub fn index_of(&self, id: Uuid) -> Option<usize> {
        self.by_id.get(&id).copied()
    }
}
