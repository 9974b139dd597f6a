//! Candidates for a run of look-alike classes in the batch: a class starts from its run
//! leader's candidates when that reads fewer postings than its own search.
//!
//! Consecutive classes of a run mostly share a title, so most of the postings a class
//! would read were read for its leader already. A follower takes the leader's
//! candidates with their approximate similarities (those not surely too light to be
//! among its best), adds the products of its admitting terms the leader did not admit
//! (and of its lighter terms the leader did not look up), and takes away those of the
//! leader's admitting terms it does not admit. It reads the postings of those terms
//! only: it follows when they are fewer than its own admitting terms' postings, else it
//! leads. The leader's weights stand in for the follower's on the terms they share, and
//! a class the leader dropped as too light counts only what the difference adds, so a
//! follower's figures order its candidates but are no lower bound of its similarity
//! ([`Ranked::bounds`] is false): all its candidates are compared exactly. The scale
//! benchmark measures what this costs in recall (`--full-recall`).

use super::{
    KEEP_CLASSES, MAX_CANDIDATES, Postings, Ranked, Read, Scratch, TextIndex, add_products,
    add_terms, from_rank_key, rank_key, reached_keys, without_surely_lighter,
};

/// A class's query: its heaviest words and n-grams (index 0 and 1), heaviest first,
/// split into those that admit new classes (each with how much of its list it reads)
/// and the lighter ones, which only add to the classes already reached.
pub(in crate::index) struct Query {
    admitting: [Vec<(Read, f32)>; 2],
    lighter: [Vec<(u32, f32)>; 2],
}

impl Query {
    /// Splits `terms` (words and n-grams, heaviest first): the first `admit` of each
    /// admit new classes. Of those, the first `whole` read their whole lists; the others
    /// read a list below the cap whole and a list at the cap (a common term's) only as
    /// far as its heaviest classes (see [`super::WHOLE_WORDS`]).
    pub(in crate::index) fn new(
        terms: [Vec<(u32, f32)>; 2],
        admit: [usize; 2],
        whole: [usize; 2],
        postings: [&Postings; 2],
    ) -> Self {
        let mut lighter = terms;
        let admitting = [0, 1].map(|k| {
            let kept = lighter[k].len().min(admit[k]);
            lighter[k]
                .drain(..kept)
                .enumerate()
                .map(|(rank, (term, w))| {
                    let whole = rank < whole[k] || postings[k].get(term).len() < KEEP_CLASSES;
                    (Read { term, whole }, w)
                })
                .collect()
        });
        Self { admitting, lighter }
    }

    /// The admitting words or n-grams.
    pub(in crate::index) fn admitting(&self, k: usize) -> &[(Read, f32)] {
        &self.admitting[k]
    }

    /// The lighter words or n-grams, which only add to classes already reached.
    pub(in crate::index) fn lighter(&self, k: usize) -> &[(u32, f32)] {
        &self.lighter[k]
    }
}

/// A run leader: its query, and its candidates that could be among its best.
pub(in crate::index) struct Lead {
    /// Its admitting words and n-grams with their weights, sorted by term.
    admitting: [Vec<(Read, f32)>; 2],
    /// All its query's words and n-grams, sorted.
    looked_up: [Vec<u32>; 2],
    /// Its reached classes as [`rank_key`]s, without those surely too light to be among
    /// its [`MAX_CANDIDATES`] best.
    kept: Vec<u64>,
}

impl Lead {
    /// Whether the leader read this much of the term's list to admit classes.
    fn admits(&self, k: usize, read: Read) -> bool {
        self.admitting[k]
            .binary_search_by_key(&read, |t| t.0)
            .is_ok()
    }

    fn looked_up(&self, k: usize, term: u32) -> bool {
        self.looked_up[k].binary_search(&term).is_ok()
    }
}

/// What a follower reads: per words and n-grams, its admitting terms the leader did not
/// admit (or not as far), its lighter terms the leader did not look up, and the
/// leader's admitting terms it does not admit (or not as far). A term whose whole list
/// the leader read and whose heaviest part the follower reads is added as that part and
/// taken away whole: what remains taken away is the rest of the list.
struct Difference {
    added: [Vec<(Read, f32)>; 2],
    lighter: [Vec<(u32, f32)>; 2],
    removed: [Vec<(Read, f32)>; 2],
}

/// The entries of `list` that `pick` keeps.
fn picked<T: Copy>(list: &[(T, f32)], pick: impl Fn(T) -> bool) -> Vec<(T, f32)> {
    list.iter().copied().filter(|t| pick(t.0)).collect()
}

impl Difference {
    fn new(query: &Query, lead: &Lead) -> Self {
        let own = |k: usize, read: Read| query.admitting(k).iter().any(|t| t.0 == read);
        Self {
            added: [0, 1].map(|k| picked(query.admitting(k), |r| !lead.admits(k, r))),
            lighter: [0, 1].map(|k| picked(query.lighter(k), |t| !lead.looked_up(k, t))),
            removed: [0, 1].map(|k| picked(&lead.admitting[k], |r| !own(k, r))),
        }
    }
}

/// How many posting entries the admitting `terms` read.
fn entries(postings: &Postings, terms: &[(Read, f32)]) -> usize {
    terms.iter().map(|t| postings.read(t.0).len()).sum()
}

impl TextIndex {
    /// [`TextIndex::ranked`] for the batch's runs of look-alikes: a class follows the
    /// run's leader when that reads fewer postings (see the module), else it leads.
    /// [`TextIndex::end_run`] forgets the leader after the run.
    pub fn ranked_in_run(&self, c: u32, share: f32, s: &mut Scratch) -> Ranked {
        let Some((words, grams)) = &self.pruned else {
            return self.ranked(c, share, s);
        };
        let postings = [words, grams];
        let scales = [1.0 - share, share];
        let query = self.query(c, postings);
        if let Some(lead) = s.lead.take() {
            let diff = Difference::new(&query, &lead);
            let read = |k: usize| entries(postings[k], &diff.added[k]);
            let taken = |k: usize| entries(postings[k], &diff.removed[k]);
            let follow_reads = read(0) + read(1) + taken(0) + taken(1);
            let lead_reads =
                entries(words, query.admitting(0)) + entries(grams, query.admitting(1));
            if follow_reads < lead_reads {
                let ranked = self.follow(c, &lead, &diff, postings, scales, s);
                s.lead = Some(lead);
                return ranked;
            }
        }
        self.lead(c, &query, postings, scales, s)
    }

    /// Forgets the run's leader, so that the next run starts with one of its own.
    pub fn end_run(&self, s: &mut Scratch) {
        s.lead = None;
    }

    /// Accumulates class `c`'s own candidates and keeps them as the run's leader.
    fn lead(
        &self,
        c: u32,
        query: &Query,
        postings: [&Postings; 2],
        scales: [f32; 2],
        s: &mut Scratch,
    ) -> Ranked {
        let keys = reached_keys(query, postings, scales, s);
        let kept = without_surely_lighter(keys, MAX_CANDIDATES);
        let sorted = |k: usize| {
            let mut terms = query.admitting(k).to_vec();
            terms.sort_unstable_by_key(|t| t.0);
            terms
        };
        let looked_up = |k: usize| {
            let admitting = query.admitting(k).iter().map(|t| t.0.term);
            let lighter = query.lighter(k).iter().map(|t| t.0);
            let mut terms: Vec<u32> = admitting.chain(lighter).collect();
            terms.sort_unstable();
            terms
        };
        s.lead = Some(Lead {
            admitting: [sorted(0), sorted(1)],
            looked_up: [looked_up(0), looked_up(1)],
            kept: kept.clone(),
        });
        Ranked::best_of(c, kept, MAX_CANDIDATES)
    }

    /// Class `c`'s candidates from its leader's similarities and the difference of their
    /// queries. The accumulators start at 0 and are left at 0: they hold only what the
    /// difference adds and takes away.
    fn follow(
        &self,
        c: u32,
        lead: &Lead,
        diff: &Difference,
        postings: [&Postings; 2],
        scales: [f32; 2],
        s: &mut Scratch,
    ) -> Ranked {
        let added = [diff.added[0].as_slice(), &diff.added[1]];
        let lighter = [diff.lighter[0].as_slice(), &diff.lighter[1]];
        let mut count = add_terms(added, lighter, postings, scales, s);
        // Taken away as negative products; a class whose figure was 0 is noted too, so
        // that the accumulators are left at 0.
        for k in (0..2).filter(|&k| scales[k] > 0.0) {
            let (acc, reached) = (&mut s.acc, &mut s.reached);
            let scale = -scales[k];
            count = add_products(&diff.removed[k], scale, postings[k], acc, reached, count);
        }
        // The leader's candidates, each with what the difference added or took away;
        // then the other classes the difference reached (a leader's candidate among
        // them is found already taken).
        let acc = &mut s.acc;
        let mut keys: Vec<u64> = Vec::with_capacity(lead.kept.len() + count);
        keys.extend(lead.kept.iter().map(|&key| {
            let (d, v) = from_rank_key(key);
            rank_key((d, v + std::mem::take(&mut acc[d as usize])))
        }));
        keys.extend(s.reached[..count].iter().filter_map(|&d| {
            let v = std::mem::take(&mut acc[d as usize]);
            (v > 0.0).then(|| rank_key((d, v)))
        }));
        let mut ranked = Ranked::best_of(
            c,
            without_surely_lighter(keys, MAX_CANDIDATES),
            MAX_CANDIDATES,
        );
        ranked.bounds = false;
        ranked
    }
}
