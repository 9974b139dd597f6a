//! Top-k need↔need search. Candidates come from the text index in order of similarity
//! (every class when the index is exact, see [`crate::index`]), and are scored in order
//! of exact text similarity until no remaining one can beat the k-th best (a pair's
//! score is at most its text support, see [`profile::bound`]). Over an exact index the
//! result equals scoring every other need, without doing so; over an approximate one,
//! candidates are taken a chunk at a time while they still improve a result.
//!
//! Two shortcuts keep the results exact. A candidate whose score could not enter the
//! results even at full text support ([`profile::ceiling`]) is ruled out before its text
//! is compared: among hundreds of near-duplicates the other signals decide, and most
//! fall short. A candidate whose approximate similarity, a lower bound, already gives
//! full support is scored without the exact comparison ([`crate::index::Ranked`]).

use std::cmp::Ordering;

use crate::engine::Engine;
use crate::index::{Ranked, Scratch};
use crate::meaning;
use crate::profile;

/// Rounding headroom for the bound: a score summed in another order may differ in the
/// last bits from the bound.
const EPSILON: f32 = 1e-5;

/// How far a candidate's lower bound must clear full text support to be trusted without
/// the exact similarity: the bound is summed in another order, so its last bits may
/// differ.
const BOUND_MARGIN: f32 = 1e-3;

/// Candidates of a chunk ruled out by their other signals, or compared, at a time (over an
/// approximate index, whose candidates come most similar first).
const PART: usize = 32;

/// At most this many need pairs are checked to rule a candidate class out by its other
/// signals: checking more costs more than comparing the class's text once.
const RULE_OUT_PAIRS: usize = 8;

/// Chunks of candidates in a row that improve no result before the search stops: the
/// approximate order is not the order of the scores, so an idle chunk can be followed by
/// a useful one (more so since the postings are capped, see
/// [`crate::index::KEEP_CLASSES`]).
const PATIENCE: usize = 3;

/// Chunks in a row whose most similar text could not have entered any result before
/// the search stops: for the same reason, one such chunk can be followed by a text that
/// could.
const HOPELESS: usize = 2;

/// One search: the needs `members` of text class `class` want their `limit` best
/// matches; `bounds` tells whether the candidates' lower bounds are of this class.
#[derive(Clone, Copy)]
struct Query<'a> {
    class: u32,
    members: &'a [u32],
    limit: usize,
    bounds: bool,
}

/// What searching a part of a chunk found.
#[derive(Default)]
struct Outcome {
    /// Some candidate's text was compared.
    compared: bool,
    /// The best text compared could have entered a result, whatever its other signals.
    hopeful: bool,
    /// Some result changed.
    improved: bool,
}

/// A candidate: (need index, score).
pub type Scored = (usize, f32);

/// The vectors one class search reuses part after part, instead of making them anew for
/// each part of [`PART`] candidates (some two million parts at realistic 100,000).
#[derive(Default)]
struct PartVectors {
    /// The part's candidates that could enter a result.
    worth: Vec<(u32, f32)>,
    /// Their text similarities.
    similar: Similar,
}

/// The text similarities of a part's candidates ([`Engine::similar_classes`]), with
/// the vectors that compute them.
#[derive(Default)]
struct Similar {
    /// The candidates compared exactly, and each one's closeness in meaning.
    compared: Vec<u32>,
    closeness: Vec<Option<f32>>,
    /// Their word and n-gram cosines.
    cosines: Vec<(u32, f32, f32)>,
    /// The result: (class, text similarity), most similar first.
    classes: Vec<(u32, f32)>,
}

impl Engine {
    /// Leaves in `out.classes` the text similarity of class `c` with the classes
    /// `chunk` (words and n-grams, and meaning where both have an embedding), those at
    /// least `min_text` similar, most similar first, ties by class. Exact, except
    /// where `bounds` (the chunk's lower bounds, when they are of class `c`) already
    /// give full text support: the bound stands in, as the score is the same (see
    /// [`crate::index::Ranked`]).
    fn similar_classes(
        &self,
        c: u32,
        chunk: &[(u32, f32)],
        bounds: bool,
        scratch: &mut Scratch,
        out: &mut Similar,
    ) {
        let w = self.weights();
        let (min, full) = (w.min_text, w.full_support_text);
        out.classes.clear();
        out.compared.clear();
        out.closeness.clear();
        for &(d, bound) in chunk {
            // Its closeness in meaning, and its lower bound with the meaning blended in
            // (still a lower bound).
            let m = self.closeness(c, d);
            let lower = meaning::blend(w, bound, m);
            if bounds && lower >= full + BOUND_MARGIN {
                out.classes.push((d, lower));
            } else {
                out.compared.push(d);
                out.closeness.push(m);
            }
        }
        self.index
            .cosines(c, &out.compared, scratch, &mut out.cosines);
        let exact = out
            .cosines
            .iter()
            .zip(&out.closeness)
            .map(|(&(d, words, grams), &m)| (d, meaning::blend(w, self.blend(words, grams), m)));
        out.classes.extend(exact.filter(|(_, t)| *t >= min));
        // Each class once, ties by class: a total order, so an unstable sort gives the
        // same order whatever order the classes were added in.
        out.classes
            .sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    }

    /// The `limit` best other-organisation needs for need `i`, best first.
    pub(crate) fn best(&self, i: usize, limit: usize, scratch: &mut Scratch) -> Vec<Scored> {
        let c = self.index.class_of[i];
        self.best_for_class(c, &[i as u32], limit, scratch)
            .pop()
            .unwrap_or_default()
    }

    /// [`Engine::best`] for each need of `members`, all of text class `c`, sharing one
    /// search. Candidates are re-scored a chunk at a time in their approximate order
    /// (see [`crate::index`]); the next chunk is taken only while the last one improved
    /// some member's results.
    pub(crate) fn best_for_class(
        &self,
        c: u32,
        members: &[u32],
        limit: usize,
        scratch: &mut Scratch,
    ) -> Vec<Vec<Scored>> {
        let mut ranked = self.index.ranked(c, self.weights().ngram_share, scratch);
        self.best_for_class_among(c, members, limit, &mut ranked, scratch)
    }

    /// [`Engine::best_for_class`] over candidates already ranked (for this class or a
    /// look-alike of it).
    pub(crate) fn best_for_class_among(
        &self,
        c: u32,
        members: &[u32],
        limit: usize,
        ranked: &mut Ranked,
        scratch: &mut Scratch,
    ) -> Vec<Vec<Scored>> {
        let mut tops: Vec<Vec<Scored>> = vec![Vec::with_capacity(limit + 1); members.len()];
        if limit == 0 {
            return tops;
        }
        let (mut idle, mut hopeless) = (0, 0);
        let query = Query {
            class: c,
            members,
            limit,
            bounds: ranked.of == c && ranked.bounds,
        };
        // Over an exact index the candidates come in class order, not by similarity:
        // the first part would rule out little, so all are compared at once.
        let part = if self.index.approximate() {
            PART
        } else {
            self.index.chunk()
        };
        let mut start = 0;
        let mut vectors = PartVectors::default();
        loop {
            let chunk = ranked.chunk(start, self.index.chunk());
            if chunk.is_empty() {
                break;
            }
            start += chunk.len();
            let mut seen = Outcome::default();
            // A part at a time, so that the results found so far rule out the rest of
            // the chunk by their other signals before its text is computed.
            for part in chunk.chunks(part) {
                let found = self.search_part(&query, part, &mut tops, scratch, &mut vectors);
                seen.compared |= found.compared;
                seen.hopeful |= found.hopeful;
                seen.improved |= found.improved;
            }
            idle = if seen.improved { 0 } else { idle + 1 };
            // A chunk whose every candidate was ruled out by its other signals tells
            // nothing about the text of the next.
            hopeless = if seen.compared && !seen.hopeful {
                hopeless + 1
            } else {
                0
            };
            if hopeless == HOPELESS || idle == PATIENCE {
                break;
            }
        }
        tops
    }

    /// Compares the candidates of `part` that could enter a result of the query, and adds
    /// them to its results `tops`.
    fn search_part(
        &self,
        query: &Query,
        part: &[(u32, f32)],
        tops: &mut [Vec<Scored>],
        scratch: &mut Scratch,
        vectors: &mut PartVectors,
    ) -> Outcome {
        let Query {
            class: c,
            members,
            limit,
            bounds,
        } = *query;
        // Each candidate's profiles are a miss in cache: read first, all at once, their
        // misses overlap instead of each waiting in the check below.
        let touched = part
            .iter()
            .map(|&(d, _)| self.class_profiles(d).first().map_or(0, |p| p.org))
            .fold(0u32, u32::wrapping_add);
        std::hint::black_box(touched);
        let PartVectors { worth, similar } = vectors;
        worth.clear();
        worth.extend(
            part.iter()
                .copied()
                .filter(|&(d, _)| self.could_enter(d, members, tops, limit)),
        );
        if worth.is_empty() {
            return Outcome::default();
        }
        self.similar_classes(c, worth, bounds, scratch, similar);
        let classes = &similar.classes;
        // Could the part's best text have entered a result, whatever its other signals?
        // If no part of a chunk could, the chunks after it (less similar by the
        // approximate order) seldom can.
        let best_text = classes.first().map_or(0.0, |x| x.1);
        let hopeful = tops.iter().any(|top| {
            top.len() < limit
                || profile::bound(self.weights(), best_text) + EPSILON >= top[limit - 1].1
        });
        let mut improved = false;
        for (top, &i) in tops.iter_mut().zip(members) {
            let before = (top.len(), top.last().map(|x| x.1));
            self.best_among(i as usize, limit, classes, top);
            improved |= (top.len(), top.last().map(|x| x.1)) != before;
        }
        Outcome {
            compared: true,
            hopeful,
            improved,
        }
    }

    /// Whether a need of class `d` could enter the results `tops` of `members` with full
    /// text support: its score is at most that, so a class that could not is left out
    /// before its text similarity is computed. Among hundreds of near-duplicates, the
    /// other signals decide, and most candidates fall short of them.
    ///
    /// Classes of many needs, searched for many needs, take more pairs to rule out than
    /// one text comparison costs: those are kept (see [`RULE_OUT_PAIRS`]).
    fn could_enter(&self, d: u32, members: &[u32], tops: &[Vec<Scored>], limit: usize) -> bool {
        let others = self.class_profiles(d);
        if members.len() * others.len() > RULE_OUT_PAIRS {
            return true;
        }
        // A need of another organisation is never the searching need itself, so the
        // needs' ids are not read.
        members.iter().zip(tops).any(|(&i, top)| {
            top.len() < limit || {
                let me = self.profile(i as usize);
                others.iter().any(|other| {
                    other.org != me.org
                        && profile::ceiling(self.weights(), &self.affinity, me, other)
                            >= top[limit - 1].1
                })
            }
        })
    }

    /// Adds the needs of `classes` (most similar first) to `top`, the `limit` best
    /// other-organisation needs for need `i` so far, best first.
    fn best_among(&self, i: usize, limit: usize, classes: &[(u32, f32)], top: &mut Vec<Scored>) {
        let me = self.profile(i);
        for &(d, text) in classes {
            if top.len() == limit
                && profile::bound(self.weights(), text) + EPSILON < top[limit - 1].1
            {
                break;
            }
            for (j, other) in self.class_needs(d) {
                let j = j as usize;
                if j == i || other.org == me.org {
                    continue;
                }
                let (parts, _) =
                    profile::contributions(self.weights(), &self.affinity, text, me, other);
                self.keep(top, (j, profile::score(&parts)), limit);
            }
        }
    }

    /// Ranks by score, ties by need id (as the API sorts), so results are deterministic.
    fn order(&self, a: &Scored, b: &Scored) -> Ordering {
        b.1.total_cmp(&a.1)
            .then_with(|| self.id_rank(a.0).cmp(&self.id_rank(b.0)))
    }

    /// Adds `candidate` to `top`, the `limit` best so far, where it ranks among them.
    pub(crate) fn keep(&self, top: &mut Vec<Scored>, candidate: Scored, limit: usize) {
        if top.len() == limit && self.order(&candidate, &top[limit - 1]) != Ordering::Less {
            return;
        }
        let at = top.partition_point(|x| self.order(x, &candidate) == Ordering::Less);
        top.insert(at, candidate);
        top.truncate(limit);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::NaiveDate;
    use uuid::Uuid;

    use crate::model::{NeedInfo, OrgInfo};
    use crate::{Engine, Weights};

    /// `count` needs on a few subjects, in texts that differ by a detail: hundreds of
    /// near-duplicates at full text support, so that dates, levels, topics and sub-regions
    /// decide the order of the results, as they do at scale.
    /// With `details`, every text also names its own case, so that all texts differ.
    pub(crate) fn look_alikes(count: usize, details: bool) -> Engine {
        look_alikes_weighted(Weights::default(), count, details)
    }

    /// [`look_alikes`] scored with `weights`.
    fn look_alikes_weighted(weights: Weights, count: usize, details: bool) -> Engine {
        let subjects = [
            "Digitala lås i hemtjänsten för nyckelfri hantering",
            "E-arkiv för avställda verksamhetssystem",
            "Trygghetslarm med digital teknik i ordinärt boende",
        ];
        let topics = ["iot", "e_arkiv", "valfardsteknik", "gis"];
        let needs = (0..count)
            .map(|i| NeedInfo {
                id: Uuid::from_u128(i as u128 + 1),
                org: format!("{}", i % 23),
                title: subjects[i % subjects.len()].to_string(),
                text: format!(
                    "{} Gäller etapp {} med {} brukare.{}",
                    subjects[i % subjects.len()],
                    i % 7,
                    i % 11,
                    if details {
                        format!(" Ärende {i}.")
                    } else {
                        String::new()
                    }
                ),
                activity_area: ["omsorg", "teknik"][i % 2].into(),
                topics: vec![topics[i % 4].into(), topics[(i / 4) % 4].into()],
                needed_from: None,
                needed_by: NaiveDate::from_ymd_opt(2026 + (i % 3) as i32, 1 + (i % 12) as u32, 1),
                budget_max_sek: None,
                collaboration_level: (i % 3) as u8,
                public: true,
            })
            .collect();
        Engine::new(weights, needs, vec![], look_alike_orgs())
    }

    /// The 23 organisations of [`look_alikes`], in four sub-regions.
    pub(crate) fn look_alike_orgs() -> Vec<OrgInfo> {
        (0..23)
            .map(|k| OrgInfo {
                id: format!("{k}"),
                subregion: Some(format!("region{}", k % 4)),
                population: Some(10_000),
            })
            .collect()
    }

    /// Candidates that cannot enter the results by their other signals are left out
    /// before their text is compared: the results must still be those of scoring every
    /// other need, ties and all.
    #[test]
    fn ruling_out_by_other_signals_keeps_the_exact_results() {
        let e = look_alikes(600, false);
        assert!(!e.index.approximate());
        let ranked = |m: Vec<crate::Match>| -> Vec<(f32, Uuid)> {
            m.into_iter().map(|m| (m.score, m.id)).collect()
        };
        for (i, n) in e.needs().iter().enumerate().step_by(7) {
            let all = ranked(e.matches_by_scoring_all(n.id, 10));
            let found = ranked(e.matches(n.id, 10));
            assert_eq!(found, all, "need {i}");
        }
    }

    /// Embeddings for the look-alikes, in five clusters that cut across their eight
    /// subjects (so that near-duplicate texts can differ in meaning), each need a little
    /// apart (a deterministic spread, no two alike).
    fn meanings(e: &Engine) -> std::collections::HashMap<Uuid, std::sync::Arc<[f32]>> {
        let wave = |x: usize| ((x * 7919) % 101) as f32 / 101.0;
        e.needs()
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let cluster = i % 5;
                let v = (0..16)
                    .map(|k| f32::from(u8::from(k == cluster)) + 0.4 * wave(i * 16 + k))
                    .collect::<Vec<f32>>()
                    .into();
                (n.id, v)
            })
            .collect()
    }

    /// With the meaning blended in, the search still finds what scoring every other
    /// need finds: exactly over an exact index, and over an approximate one too, where a
    /// candidate's lower bound stands in only when, with its meaning, it gives full text
    /// support (a bound taken without the meaning would score some too high).
    #[test]
    fn meaning_keeps_the_results_of_scoring_every_need() {
        let ranked = |m: Vec<crate::Match>| -> Vec<(f32, Uuid)> {
            m.into_iter().map(|m| (m.score, m.id)).collect()
        };
        // Meaning at half the text similarity, so that it decides whether a
        // near-duplicate has full text support.
        let weights = Weights {
            meaning_share: 0.5,
            ..Weights::default()
        };
        for (count, step) in [(600, 7), (3000, 61)] {
            let e = look_alikes_weighted(weights, count, count > 1000);
            let embeddings = meanings(&e);
            let e = e.with_embeddings(&embeddings);
            assert_eq!(e.index.approximate(), count > 1000);
            for (i, n) in e.needs().iter().enumerate().step_by(step) {
                let all = ranked(e.matches_by_scoring_all(n.id, 10));
                assert!(
                    all.iter().any(|&(s, _)| s < 0.99),
                    "meaning tells them apart"
                );
                assert_eq!(ranked(e.matches(n.id, 10)), all, "{count} needs, need {i}");
            }
        }
    }

    /// The batch behind the groups lets a look-alike re-score its leader's candidates
    /// instead of finding its own: over every need, it must still find what each class
    /// finds searching alone (at least the tenth best of that, ties counted as found).
    #[test]
    fn the_shared_batch_finds_what_each_class_finds_alone() {
        let e = look_alikes(3000, true);
        assert!(e.index.approximate(), "more classes than the exact size");
        let shared = e.best_matches_of_all();
        let alone = e.best_matches_of_all_unshared();
        let (found, wanted) = crate::groups::results_found(&shared, &alone);
        assert!(wanted > 20_000, "most needs have ten matches: {wanted}");
        assert!(
            found as f64 >= 0.99 * wanted as f64,
            "{found} of {wanted} found"
        );
    }

    /// In the batch a class may start from its run leader's similarities (see
    /// `index::following`): many classes of a run of look-alikes must follow, each
    /// follower's first candidates must hold the classes most similar to it among those
    /// its own search offers, and the accumulators must be left clean.
    #[test]
    fn a_follower_is_offered_the_candidates_it_finds_alone() {
        let e = look_alikes(3000, true);
        assert!(e.index.approximate(), "more classes than the exact size");
        let share = e.weights().ngram_share;
        let (mut in_run, mut alone) = (e.index.scratch(), e.index.scratch());
        let mut followers = 0;
        for c in 0..256 {
            let mut followed = e.index.ranked_in_run(c, share, &mut in_run);
            if followed.bounds {
                continue;
            }
            followers += 1;
            let offered: Vec<u32> = followed.chunk(0, 512).iter().map(|x| x.0).collect();
            let mut best: Vec<(u32, f32)> = e
                .index
                .ranked(c, share, &mut alone)
                .all()
                .iter()
                .map(|&(d, _)| (d, e.class_similarity(c, d)))
                .collect();
            best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            for &(d, similarity) in best.iter().take(10) {
                assert!(
                    offered.contains(&d),
                    "class {c}: {d} ({similarity}) not offered"
                );
            }
        }
        e.index.end_run(&mut in_run);
        assert!(followers >= 128, "{followers} of 256 followed");
        let after_run = e.index.ranked(7, share, &mut in_run).all();
        assert_eq!(after_run, e.index.ranked(7, share, &mut alone).all());
    }

    /// The similarity of two classes through the scratch's dense arrays is the sparse
    /// one bit for bit, whichever class was scattered before (the scratch keeps the last
    /// one and must take its terms out when the next comes).
    #[test]
    fn similarity_through_the_scratch_is_the_sparse_one_bit_for_bit() {
        let e = look_alikes(300, true);
        let mut scratch = e.index.scratch();
        let classes = e.index.members.classes() as u32;
        let mut compared = 0;
        for c in (0..classes).step_by(7) {
            for d in [c, (c + 1) % classes, (c * 31 + 5) % classes, 0] {
                let dense = e.class_similarity_in(c, d, &mut scratch);
                assert_eq!(
                    dense.to_bits(),
                    e.class_similarity(d, c).to_bits(),
                    "{c} {d}"
                );
                compared += usize::from(dense > 0.0 && dense < 0.99);
            }
            // Another class scattered in between.
            e.class_similarity_in((c + 3) % classes, c, &mut scratch);
        }
        for j in (0..e.needs().len()).step_by(5) {
            for i in [j, (j * 13 + 1) % e.needs().len()] {
                let dense = e.text_similarity_in(i, j, &mut scratch).to_bits();
                assert_eq!(dense, e.text_similarity(i, j).to_bits(), "needs {i} {j}");
            }
        }
        assert!(compared > 20, "partly similar pairs compared: {compared}");
    }

    /// The approximate candidate stage adds up only some of the products two texts
    /// share, so its figure never exceeds the exact similarity: a bound that gives full
    /// text support can stand in for it.
    #[test]
    fn candidate_bounds_never_exceed_the_exact_similarity() {
        let e = look_alikes(3000, true);
        assert!(e.index.approximate(), "more classes than the exact size");
        let mut scratch = e.index.scratch();
        let mut full = 0;
        for c in (0..e.index.members.classes() as u32).step_by(97) {
            let candidates = e
                .index
                .ranked(c, e.weights().ngram_share, &mut scratch)
                .all();
            assert!(!candidates.is_empty());
            for &(d, bound) in &candidates {
                let exact = e.class_similarity(c, d);
                assert!(bound <= exact + 1e-5, "{c} {d}: {bound} > {exact}");
                full += usize::from(bound >= e.weights().full_support_text);
            }
        }
        assert!(full > 0, "some bounds give full support");
    }
}
