//! Scores need↔need and need→solution pairs, and explains each score.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::groups::Formed;
use crate::index::{self, Scratch, TextIndex};
use crate::meaning::{self, ClassEmbeddings};
use crate::model::{NeedChange, NeedInfo, OrgInfo, SolutionInfo};
use crate::profile::{self, Affinity, Profile};
use crate::signals;
use crate::thesaurus::{StemCache, Thesaurus};
use crate::vectors::{self, Sparse, cosine};
use crate::weights::{ADOPTERS_FULL, MATURITY_FULL, NEARBY_ADOPTERS_FULL, Weights};

/// Why two records match: the data a coordinator shows a municipality.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The words both texts use, most telling first.
    pub shared_terms: Vec<String>,
    /// Topics both carry.
    pub shared_topics: Vec<String>,
    /// The names of the solutions both organisations already run (own, or adopted and
    /// not stopped), behind the `shared_solutions` contribution; for a group, those two
    /// or more members' organisations run. Empty for solutions.
    pub shared_solutions: Vec<String>,
    /// Months the needed-by windows overlap (negative: months apart).
    pub timing_overlap_months: i32,
    /// Each signal's contribution to the score.
    pub contributions: Vec<(String, f32)>,
    /// How close the texts are in meaning by their embeddings, from 0 (no closer than
    /// unrelated texts) to 1 (the same): part of the text signal. For a group, the mean
    /// over the pairs counted in its reasons. `None` when a text has no embedding
    /// (embeddings are off, or not made yet), and for solutions.
    pub meaning: Option<f32>,
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

/// How an engine took the groups of the one before it ([`Engine::adopt_groups_of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adopted {
    /// The registry was the same: the groups as they were.
    Unchanged,
    /// This many needs changed only their budget or visibility: the groups as they
    /// were, their combined budgets summed anew.
    BudgetsOrVisibility(usize),
    /// This many needs changed other signals: the groups re-formed from the best
    /// matches before, searched again where those needs could change them.
    Regrouped(usize),
}

/// The analysis of the needs' and solutions' texts: what an engine can reuse from the one
/// before it when only other facts changed.
struct Texts {
    index: Arc<TextIndex>,
    stems: Arc<[String]>,
    surface: Arc<HashMap<String, String>>,
}

/// A prepared set of needs and solutions to match among.
pub struct Engine {
    weights: Weights,
    needs: Vec<NeedInfo>,
    /// The texts' analysis, shared with the engine it was reused from, if any (see
    /// [`Engine::updated`]).
    pub(crate) index: Arc<TextIndex>,
    /// The needs' profiles, class after class (see [`crate::index::Members`]): a search
    /// reads those of a candidate class's needs together.
    pub(crate) profiles: Vec<Profile>,
    /// The needs' organisations' existing-adoption affinity.
    pub(crate) affinity: Affinity,
    /// need → where its profile is in `profiles`.
    slot_of: Vec<u32>,
    solutions: Vec<SolutionInfo>,
    orgs: HashMap<String, OrgInfo>,
    /// Word id → stem.
    stems: Arc<[String]>,
    /// Stem → the word as written most often, for explanations.
    surface: Arc<HashMap<String, String>>,
    by_id: HashMap<Uuid, usize>,
    /// need → the place of its id among all needs' ids: results that tie on score are
    /// ranked by id, and near-duplicates tie often. Reading the ids from the needs (168
    /// bytes apart, 17 MB at 100,000) was a quarter of the samples in the search's own
    /// code at realistic 100,000 (`perf`).
    id_rank: Vec<u32>,
    /// The text classes' embeddings, when the caller gave some
    /// ([`Engine::with_embeddings`]).
    meaning: Option<Arc<ClassEmbeddings>>,
    /// The groups of this snapshot, formed once on first use (or taken from the
    /// snapshot before, see [`Engine::adopt_groups_of`]).
    groups: std::sync::OnceLock<Arc<Formed>>,
    /// When the registry was read for this snapshot, if the caller said.
    read_at: Option<DateTime<Utc>>,
}

impl Engine {
    /// Analyses every distinct need text and every solution once.
    pub fn new(
        weights: Weights,
        needs: Vec<NeedInfo>,
        solutions: Vec<SolutionInfo>,
        orgs: Vec<OrgInfo>,
    ) -> Self {
        Self::with_thesaurus(weights, &Thesaurus::default(), needs, solutions, orgs)
    }

    /// [`Engine::new`], each text also carrying the concepts of `thesaurus` it uses, so
    /// that texts saying the same in other words share them.
    pub fn with_thesaurus(
        weights: Weights,
        thesaurus: &Thesaurus,
        needs: Vec<NeedInfo>,
        solutions: Vec<SolutionInfo>,
        orgs: Vec<OrgInfo>,
    ) -> Self {
        let (class_of, first) =
            index::classes(needs.iter().map(|n| (n.title.as_str(), n.text.as_str())));
        let mut counts = vec![0u32; first.len()];
        class_of.iter().for_each(|&c| counts[c as usize] += 1);
        let classes = first.len();
        // The classes' texts, then the solutions': one corpus for the frequencies.
        let mut cache = StemCache::default();
        let expanded: Vec<(&str, Cow<str>)> = first
            .iter()
            .map(|&i| (needs[i].title.as_str(), needs[i].text.as_str()))
            .chain(solutions.iter().map(|s| (s.name.as_str(), s.text.as_str())))
            .map(|(title, text)| (title, expand(thesaurus, title, text, &mut cache)))
            .collect();
        drop(cache);
        let texts: Vec<(&str, &str)> = expanded.iter().map(|(t, x)| (*t, x.as_ref())).collect();
        let built = vectors::build(&texts, &counts);
        drop(texts);
        drop(expanded);
        let index = TextIndex::new(class_of, classes, built.words, built.grams);
        let texts = Texts {
            index: Arc::new(index),
            stems: built.stems.into(),
            surface: Arc::new(built.surface),
        };
        Self::with_texts(texts, weights, needs, solutions, orgs)
    }

    /// The engine for `needs`, `solutions` and `orgs`, reusing `previous`'s analysis of
    /// the texts when every need's and solution's text is the one it analysed, in the
    /// same order (a write that changed a need's budget, dates, level, topics or area, a
    /// solution's maturity or adopters, or an organisation's facts): then only the
    /// needs' profiles are worked out anew, a small part of a rebuild (0.11 s of 6 s at
    /// realistic 100,000). Otherwise a full build, as [`Engine::with_thesaurus`].
    /// `thesaurus` must be the one `previous` was built with.
    pub fn updated(
        previous: &Engine,
        weights: Weights,
        thesaurus: &Thesaurus,
        needs: Vec<NeedInfo>,
        solutions: Vec<SolutionInfo>,
        orgs: Vec<OrgInfo>,
    ) -> Self {
        if previous.has_texts_of(&needs, &solutions) {
            Self::with_texts(previous.texts(), weights, needs, solutions, orgs)
        } else {
            Self::with_thesaurus(weights, thesaurus, needs, solutions, orgs)
        }
    }

    /// Whether this engine analysed the texts of `needs` and `solutions`: the same
    /// needs' titles and texts, and the same solutions' names and texts, in order.
    fn has_texts_of(&self, needs: &[NeedInfo], solutions: &[SolutionInfo]) -> bool {
        fn need_text(n: &NeedInfo) -> (Uuid, &str, &str) {
            (n.id, &n.title, &n.text)
        }
        fn solution_text(s: &SolutionInfo) -> (Uuid, &str, &str) {
            (s.id, &s.name, &s.text)
        }
        self.needs.len() == needs.len()
            && self.solutions.len() == solutions.len()
            && self
                .needs
                .iter()
                .map(need_text)
                .eq(needs.iter().map(need_text))
            && (self.solutions.iter().map(solution_text)).eq(solutions.iter().map(solution_text))
    }

    /// This engine's analysis of the texts, shared.
    fn texts(&self) -> Texts {
        Texts {
            index: self.index.clone(),
            stems: self.stems.clone(),
            surface: self.surface.clone(),
        }
    }

    /// Whether this engine reuses `other`'s analysis of the texts (see
    /// [`Engine::updated`]): operators see in the log which rebuilds were cheap.
    pub fn shares_texts_with(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.index, &other.index)
    }

    /// The engine over analysed `texts`, with the needs' other signals worked out.
    fn with_texts(
        texts: Texts,
        weights: Weights,
        needs: Vec<NeedInfo>,
        solutions: Vec<SolutionInfo>,
        orgs: Vec<OrgInfo>,
    ) -> Self {
        let orgs: HashMap<String, OrgInfo> = orgs.into_iter().map(|o| (o.id.clone(), o)).collect();
        let (profiles, affinity) = profile::profiles(&needs, &orgs, &solutions);
        let (profiles, slot_of) = in_class_order(&profiles, &texts.index);
        Self {
            weights,
            by_id: needs.iter().enumerate().map(|(i, n)| (n.id, i)).collect(),
            id_rank: id_ranks(&needs),
            profiles,
            affinity,
            slot_of,
            needs,
            index: texts.index,
            solutions,
            orgs,
            stems: texts.stems,
            surface: texts.surface,
            meaning: None,
            groups: std::sync::OnceLock::new(),
            read_at: None,
        }
    }

    /// This engine, comparing needs also by the meaning of their texts: `embeddings`
    /// holds a sentence embedding of each need's title and text, by need id, all from
    /// one model (see [`crate::meaning`]). A need without one is compared by its words
    /// and n-grams alone.
    pub fn with_embeddings(self, embeddings: &HashMap<Uuid, Arc<[f32]>>) -> Self {
        self.with_embeddings_since(None, embeddings)
    }

    /// [`Engine::with_embeddings`] for an engine built by [`Engine::updated`] from
    /// `previous`: when it reuses `previous`'s analysis of the texts, the embeddings
    /// `previous` was given again are not prepared again (at 100,000 needs, 0.3-0.5 s of
    /// a rebuild that otherwise takes 0.1 s).
    pub fn with_embeddings_since(
        mut self,
        previous: Option<&Engine>,
        embeddings: &HashMap<Uuid, Arc<[f32]>>,
    ) -> Self {
        let previous = previous
            .filter(|p| self.shares_texts_with(p))
            .and_then(|p| p.meaning.as_ref());
        let needs = &self.needs;
        let members = &self.index.members;
        self.meaning = ClassEmbeddings::since(
            previous,
            members.classes(),
            |c| members.of(c as u32).iter().map(|&i| needs[i as usize].id),
            embeddings,
        );
        self.groups = std::sync::OnceLock::new();
        self
    }

    /// Whether this engine compares by the very embeddings `other` prepared (see
    /// [`Engine::with_embeddings_since`]).
    pub fn shares_meaning_with(&self, other: &Engine) -> bool {
        self.meaning.is_some() && meaning::same(&self.meaning, &other.meaning)
    }

    /// This engine, noting that its needs and solutions were read from the registry at
    /// `at`: users of its matches and groups are told how fresh they are.
    pub fn read_at(mut self, at: DateTime<Utc>) -> Self {
        self.read_at = Some(at);
        self
    }

    /// When the registry was read for this engine ([`Engine::read_at`]).
    pub fn as_of(&self) -> Option<DateTime<Utc>> {
        self.read_at
    }

    /// Takes `other`'s groups as this engine's, or re-forms them from `other`'s, when
    /// `other` has formed them and this engine was built from the same texts, solutions,
    /// organisations, embeddings and weights. The service rebuilds every 30 seconds and
    /// after every write, and forming the groups takes 15-20 s of both cores at 100,000
    /// needs; most writes (a strategy, a procurement, a reading with nothing new) change
    /// nothing the groups are made of, and most of the rest change one need.
    ///
    /// - Needs the same: `other`'s groups.
    /// - Needs changed only in budget or visibility, which no signal reads: `other`'s
    ///   groups, each combined budget summed anew.
    /// - Up to one need in 200 (at least 16) changed another signal (dates, level,
    ///   topics, area): re-formed from `other`'s best matches, searching again only for
    ///   the needs whose best matches those needs can change (the module `regroup`).
    ///
    /// `None` when this engine must form its own (or formed them already).
    pub fn adopt_groups_of(&self, other: &Engine) -> Option<Adopted> {
        let formed = other.groups.get()?;
        if self.groups.get().is_some() || !self.has_the_inputs_of(other) {
            return None;
        }
        // Needs whose signals changed, and how many changed only in other fields.
        let (mut changed, mut rewritten) = (Vec::new(), 0);
        for (i, (mine, theirs)) in self.needs.iter().zip(&other.needs).enumerate() {
            match mine.change_from(theirs) {
                NeedChange::Signals => changed.push(i),
                NeedChange::BudgetOrVisibility => rewritten += 1,
                NeedChange::Unchanged => {}
            }
        }
        let (adopted, how) = if changed.is_empty() {
            if rewritten == 0 {
                (formed.clone(), Adopted::Unchanged)
            } else {
                let groups = formed.groups.iter().map(|g| self.with_budgets(g)).collect();
                let best = formed.best.clone();
                (
                    Arc::new(Formed { groups, best }),
                    Adopted::BudgetsOrVisibility(rewritten),
                )
            }
        } else if changed.len() <= crate::regroup::up_to(self.needs.len()) {
            let regrouped = self.regrouped(formed, &changed);
            (Arc::new(regrouped), Adopted::Regrouped(changed.len()))
        } else {
            return None;
        };
        // Another thread may have formed them meanwhile: groups as good either way.
        let _ = self.groups.set(adopted);
        Some(how)
    }

    /// Whether this engine was built from the same texts (the same needs, in order),
    /// solutions, organisations, embeddings and weights as `other`: then only the needs'
    /// other facts can differ, and `other`'s groups tell where this engine's differ.
    fn has_the_inputs_of(&self, other: &Engine) -> bool {
        self.shares_texts_with(other)
            && meaning::same(&self.meaning, &other.meaning)
            && self.weights == other.weights
            && self.needs.len() == other.needs.len()
            && self.solutions == other.solutions
            && self.orgs == other.orgs
    }

    /// The groups of this snapshot with what they were formed from, if formed yet.
    pub(crate) fn formed(&self) -> Option<&Formed> {
        self.groups.get().map(|f| &**f)
    }

    /// Each need's best matches, (need, score), best first, that this snapshot's groups
    /// were formed on (or re-formed on, see [`Engine::adopt_groups_of`]); `None` before
    /// they are formed. What the scale benchmark compares with a new batch.
    pub fn grouped_matches(&self) -> Option<Vec<Vec<(usize, f32)>>> {
        self.formed().map(Formed::best_matches)
    }

    /// The groups of this snapshot ([`Engine::groups`]), formed on first use and kept:
    /// readers of one snapshot share one computation.
    pub fn cached_groups(&self) -> &[crate::groups::Group] {
        &self.groups.get_or_init(|| Arc::new(self.form())).groups
    }

    /// The needs of other organisations that are the same or close to need `id`, best
    /// first, at most `limit`. Exact: the same as scoring every other need.
    pub fn matches(&self, id: Uuid, limit: usize) -> Vec<Match> {
        let Some(&i) = self.by_id.get(&id) else {
            return vec![];
        };
        let mut scratch = self.index.scratch();
        self.best(i, limit, &mut scratch)
            .into_iter()
            .filter_map(|(j, _)| self.score_pair(i, j))
            .collect()
    }

    /// What [`Engine::matches`] answers, found by scoring every other organisation's
    /// need: the reference the search is tested and benchmarked against, too slow to
    /// serve a registry.
    pub fn matches_by_scoring_all(&self, id: Uuid, limit: usize) -> Vec<Match> {
        let Some(&i) = self.by_id.get(&id) else {
            return vec![];
        };
        let org = &self.needs[i].org;
        let mut all: Vec<Match> = (0..self.needs.len())
            .filter(|&j| &self.needs[j].org != org)
            .filter_map(|j| self.score_pair(i, j))
            .collect();
        all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        all.truncate(limit);
        all
    }

    /// The word vector of need `i`.
    fn words(&self, i: usize) -> &[(u32, f32)] {
        self.index.words.get(self.index.class_of[i] as usize)
    }

    /// The n-gram vector of need `i`.
    fn grams(&self, i: usize) -> &[(u32, f32)] {
        self.index.grams.get(self.index.class_of[i] as usize)
    }

    /// The (word, n-gram) vectors of solution `k`, stored after the classes.
    fn solution_vectors(&self, k: usize) -> (&Sparse, &Sparse) {
        let d = self.index.members.classes() + k;
        (self.index.words.get(d), self.index.grams.get(d))
    }

    /// The place of need `i`'s id among all needs' ids: the order of results that tie.
    pub(crate) fn id_rank(&self, i: usize) -> u32 {
        self.id_rank[i]
    }

    /// The profile of need `i`.
    pub(crate) fn profile(&self, i: usize) -> &Profile {
        &self.profiles[self.slot_of[i] as usize]
    }

    /// The needs of text class `c` with their profiles, read from one stretch of memory
    /// (see [`crate::index::Members`]).
    pub(crate) fn class_needs(&self, c: u32) -> impl Iterator<Item = (u32, &Profile)> {
        let slots = self.index.members.slots(c);
        let needs = self.index.members.of(c).iter().copied();
        needs.zip(&self.profiles[slots])
    }

    /// The profiles of the needs of text class `c`, without the needs: what ruling a
    /// candidate class out reads (one stretch of memory fewer than [`Engine::class_needs`]).
    pub(crate) fn class_profiles(&self, c: u32) -> &[Profile] {
        &self.profiles[self.index.members.slots(c)]
    }

    /// The score of need `j` for need `i`, or `None` below the text threshold.
    pub fn score_pair(&self, i: usize, j: usize) -> Option<Match> {
        let (a, b) = (&self.needs[i], &self.needs[j]);
        let text = self.text_similarity(i, j);
        if text < self.weights.min_text {
            return None;
        }
        let (parts, overlap) = profile::contributions(
            &self.weights,
            &self.affinity,
            text,
            self.profile(i),
            self.profile(j),
        );
        Some(Match {
            id: b.id,
            org: b.org.clone(),
            score: profile::score(&parts),
            why: Explanation {
                shared_terms: self.shared_words(self.words(i), self.words(j)),
                shared_topics: signals::shared_topics(&a.topics, &b.topics),
                shared_solutions: self.solutions_run_by(&[i, j], 2),
                timing_overlap_months: overlap,
                meaning: self.closeness(self.index.class_of[i], self.index.class_of[j]),
                contributions: profile::SIGNALS
                    .iter()
                    .zip(parts)
                    .map(|(s, c)| (s.to_string(), c))
                    .collect(),
            },
        })
    }

    /// The names of the solutions that at least `at_least` of the organisations of needs
    /// `needs` run (own, or adopted and not stopped), in catalog order: what a
    /// coordinator names when the shared-solutions signal counts.
    pub(crate) fn solutions_run_by(&self, needs: &[usize], at_least: usize) -> Vec<String> {
        let orgs: Vec<u32> = needs.iter().map(|&i| self.profile(i).org).collect();
        self.affinity
            .held_by(&orgs, at_least)
            .into_iter()
            .map(|k| self.solutions[k as usize].name.clone())
            .collect()
    }

    /// Solutions that could meet need `id`, best first: text and topic fit, boosted by
    /// maturity and by adopters (more so in the need's sub-region). Solutions the need's
    /// organisation owns or already runs are no new idea to it: left out unless
    /// `include_own`.
    pub fn solution_matches(&self, id: Uuid, limit: usize, include_own: bool) -> Vec<Match> {
        let Some(&i) = self.by_id.get(&id) else {
            return vec![];
        };
        let need = &self.needs[i];
        let region = self.orgs.get(&need.org).and_then(|o| o.subregion.clone());
        let mut out: Vec<Match> = self
            .solutions
            .iter()
            .enumerate()
            .filter(|(_, s)| include_own || !s.is_held_by(&need.org))
            .filter_map(|(k, s)| {
                let (v, g) = self.solution_vectors(k);
                let text = self.blend(cosine(self.words(i), v), cosine(self.grams(i), g));
                let topics = signals::topics(&need.topics, &s.topics);
                // A weak text match still counts when the topics agree: terse needs
                // ("Falldetektering för äldre") share few words with any description.
                if text < self.weights.min_text
                    && (topics == 0.0 || text < self.weights.min_text / 2.0)
                {
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
                let w = &self.weights;
                let contributions = vec![
                    ("text".to_string(), w.solution_text * text),
                    ("topics".to_string(), w.solution_topics * topics),
                    (
                        "maturity".to_string(),
                        w.solution_maturity * f32::from(s.maturity) / MATURITY_FULL,
                    ),
                    (
                        "adopters".to_string(),
                        w.solution_adopters * (s.adopters.len() as f32 / ADOPTERS_FULL).min(1.0),
                    ),
                    (
                        "adopters_in_subregion".to_string(),
                        w.solution_adopters_in_subregion
                            * (near as f32 / NEARBY_ADOPTERS_FULL).min(1.0),
                    ),
                ];
                Some(Match {
                    id: s.id,
                    org: s.org.clone(),
                    score: contributions.iter().map(|(_, c)| c).sum::<f32>().min(1.0),
                    why: Explanation {
                        shared_terms: self.shared_words(self.words(i), v),
                        shared_topics: signals::shared_topics(&need.topics, &s.topics),
                        shared_solutions: vec![],
                        timing_overlap_months: 0,
                        contributions,
                        meaning: None,
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
    pub(crate) fn blend(&self, words: f32, grams: f32) -> f32 {
        (1.0 - self.weights.ngram_share) * words + self.weights.ngram_share * grams
    }

    /// Text similarity of two needs: stemmed words and character n-grams together, and
    /// their meaning when both have an embedding.
    pub(crate) fn text_similarity(&self, i: usize, j: usize) -> f32 {
        let (a, b) = (self.index.class_of[i], self.index.class_of[j]);
        self.with_meaning(a, b, self.class_similarity(a, b))
    }

    /// The text similarity of classes `a` and `b` whose words and n-grams give
    /// `lexical`: with their meaning blended in when both have an embedding.
    fn with_meaning(&self, a: u32, b: u32, lexical: f32) -> f32 {
        meaning::blend(&self.weights, lexical, self.closeness(a, b))
    }

    /// How close classes `a` and `b` are in meaning (see [`Explanation::meaning`]).
    pub(crate) fn closeness(&self, a: u32, b: u32) -> Option<f32> {
        let cosine = self.meaning.as_ref()?.cosine(a, b)?;
        Some(meaning::closeness(&self.weights, cosine))
    }

    /// Lexical text similarity of two text classes: stemmed words and character
    /// n-grams (see [`Engine::text_similarity`]).
    pub(crate) fn class_similarity(&self, a: u32, b: u32) -> f32 {
        let (a, b) = (a as usize, b as usize);
        self.blend(
            cosine(self.index.words.get(a), self.index.words.get(b)),
            cosine(self.index.grams.get(a), self.index.grams.get(b)),
        )
    }

    /// [`Engine::class_similarity`] of classes `c` and `d` through the scratch's dense
    /// arrays ([`crate::index::TextIndex::cosine_pair`]): the same figure bit for bit,
    /// without walking two sparse vectors side by side, a branch on every term. The
    /// batch compares each class with its run's leader this way, and class `c`'s vectors
    /// stay scattered for its own search.
    pub(crate) fn class_similarity_in(&self, c: u32, d: u32, scratch: &mut Scratch) -> f32 {
        let (words, grams) = self.index.cosine_pair(c, d, scratch);
        self.blend(words, grams)
    }

    /// [`Engine::text_similarity`] of needs `i` and `j` through the scratch (see
    /// [`Engine::class_similarity_in`]): the same figure bit for bit, for comparing one
    /// need with many. It compares against the class the scratch holds, `j`'s or else
    /// `i`'s, so a caller comparing need `x` with many scatters `x`'s class first or
    /// passes `x` first.
    pub(crate) fn text_similarity_in(&self, i: usize, j: usize, scratch: &mut Scratch) -> f32 {
        let (a, b) = (self.index.class_of[i], self.index.class_of[j]);
        self.with_meaning(a, b, self.lexical_similarity_in(a, b, scratch))
    }

    /// [`Engine::class_similarity_in`] of classes `a` and `b`, against whichever of the
    /// two the scratch holds (`b`, or else `a`).
    fn lexical_similarity_in(&self, a: u32, b: u32, scratch: &mut Scratch) -> f32 {
        if self.index.holds(b, scratch) {
            self.class_similarity_in(b, a, scratch)
        } else {
            self.class_similarity_in(a, b, scratch)
        }
    }

    /// What a group's description takes from a pair of its members, as
    /// [`Engine::score_pair`] gives it (bit for bit) without the rest of the explanation;
    /// `None` below the text threshold. Describing the groups at 100,000 needs scores
    /// some 230,000 pairs, and the strings of full explanations were most of it.
    pub(crate) fn pair_reasons(
        &self,
        i: usize,
        j: usize,
        scratch: &mut Scratch,
    ) -> Option<PairReasons> {
        // The closeness once, for the text similarity and for the reasons.
        let (a, b) = (self.index.class_of[i], self.index.class_of[j]);
        let meaning = self.closeness(a, b);
        let lexical = self.lexical_similarity_in(a, b, scratch);
        let text = meaning::blend(&self.weights, lexical, meaning);
        if text < self.weights.min_text {
            return None;
        }
        let (me, other) = (self.profile(i), self.profile(j));
        let (parts, _) = profile::contributions(&self.weights, &self.affinity, text, me, other);
        Some(PairReasons {
            contributions: parts,
            meaning,
            shared_words: self.weighted_shared_words(self.words(i), self.words(j)),
        })
    }

    /// The words two texts share that weigh most in their similarity, as a reader
    /// would write them, for explanations and group labels. A single letter (the "e"
    /// of "e-arkiv", split off at the hyphen) still counts in the similarity but says
    /// nothing to a reader, so it is left out.
    fn shared_words(&self, a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<String> {
        let words = self.weighted_shared_words(a, b).into_iter();
        words.map(|(word, _)| word).collect()
    }

    /// [`Engine::shared_words`] with each word's product in the word cosine, by which a
    /// group ranks the words its pairs share equally often.
    fn weighted_shared_words(&self, a: &[(u32, f32)], b: &[(u32, f32)]) -> Vec<(String, f32)> {
        vectors::shared(a, b)
            .into_iter()
            .filter(|&(t, _)| self.stems[t as usize].chars().nth(1).is_some())
            .take(6)
            .map(|(t, product)| {
                let stem = &self.stems[t as usize];
                let word = self.surface.get(stem).unwrap_or(stem);
                (word.clone(), product)
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

/// A pair of a group's members as its description counts it ([`Engine::pair_reasons`]).
pub(crate) struct PairReasons {
    /// Each signal's contribution to the pair's score, in [`profile::SIGNALS`] order.
    pub contributions: [f32; 7],
    /// Their closeness in meaning, when both have an embedding.
    pub meaning: Option<f32>,
    /// The words they share most, each with its product in the word cosine.
    pub shared_words: Vec<(String, f32)>,
}

/// Each need's place among all needs' ids (see `Engine::id_rank`).
fn id_ranks(needs: &[NeedInfo]) -> Vec<u32> {
    let mut by_id: Vec<u32> = (0..needs.len() as u32).collect();
    by_id.sort_unstable_by_key(|&i| needs[i as usize].id);
    let mut rank = vec![0u32; needs.len()];
    for (r, &i) in (0..).zip(&by_id) {
        rank[i as usize] = r;
    }
    rank
}

/// The needs' `profiles` reordered class after class, as the index keeps its needs, and
/// where each need's profile went.
fn in_class_order(profiles: &[Profile], index: &TextIndex) -> (Vec<Profile>, Vec<u32>) {
    let order = index.members.in_class_order();
    let mut slot_of = vec![0u32; order.len()];
    for (slot, &i) in order.iter().enumerate() {
        slot_of[i as usize] = slot as u32;
    }
    let ordered = order
        .iter()
        .map(|&i| profiles[i as usize].clone())
        .collect();
    (ordered, slot_of)
}

/// `text` with the thesaurus concepts that its title or text uses added at its end.
fn expand<'a>(
    thesaurus: &Thesaurus,
    title: &str,
    text: &'a str,
    cache: &mut StemCache,
) -> Cow<'a, str> {
    let mut concepts = thesaurus.concepts(title, cache);
    for c in thesaurus.concepts(text, cache) {
        if !concepts.contains(&c) {
            concepts.push(c);
        }
    }
    if concepts.is_empty() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("{text}\n{}", concepts.join(". ")))
    }
}
