//! Distinct texts and the search for the texts most similar to one of them.
//!
//! Needs with the same title and text share one *text class*, analysed once. A query's
//! text similarity with a class is computed exactly (the query's vectors scattered into
//! dense arrays, a class's entries looked up in term order: bit-for-bit the cosine of
//! [`vectors::cosine`]). Which classes are computed:
//!
//! - up to [`EXACT_UP_TO`] classes: all of them, so the search is exact (a region's
//!   registry stays well below this);
//! - beyond: the classes in order of *approximate* similarity, accumulated from pruned
//!   postings that hold only each class's most heavily weighted words ([`KEEP_WORDS`])
//!   and n-grams ([`KEEP_GRAMS`]), looked up with the query's heaviest terms
//!   ([`QUERY_TERMS`]); only the heaviest of those ([`ADMIT_WORDS`], [`ADMIT_GRAMS`])
//!   reach new classes, the lighter ones add to the classes already reached, so a
//!   query does not gather (and rank) every class that shares a common word; of the
//!   admitting terms, only the heaviest ([`WHOLE_WORDS`], [`WHOLE_GRAMS`]) read the
//!   whole of a common term's list. Common n-grams (" de", "ing") weigh little in every
//!   text, so they are left out of the postings where they would cost most. Each term's
//!   list keeps only the [`KEEP_CLASSES`] classes it weighs most in, so a query's work
//!   stays bounded as the registry grows, and the lighter terms read only its
//!   [`KEEP_HEAVY`] heaviest. The search ([`crate::search`]) re-scores them exactly
//!   [`CANDIDATES`] at a time, and takes the next ones only while the last ones still
//!   improved a result (among hundreds of near-duplicates whose text support is full,
//!   the other signals decide, and the approximate order cannot see those), up to
//!   [`MAX_CANDIDATES`]. The scale benchmark measures the recall of this against
//!   scoring every need.
//!
//! In the batch behind the groups, a class of a run of look-alikes may start from the
//! run leader's candidates and read only the postings of the terms their queries do not
//! share ([`TextIndex::ranked_in_run`], module `following`).

use std::collections::HashMap;

use crate::vectors::Vectors;

mod following;

use following::{Lead, Query};

/// Up to this many classes the search computes every one exactly.
pub const EXACT_UP_TO: usize = 1024;
/// Above [`EXACT_UP_TO`] classes, candidates are re-scored exactly this many at a time.
pub const CANDIDATES: usize = 256;
/// Above [`EXACT_UP_TO`] classes, at most this many candidates per query.
pub const MAX_CANDIDATES: usize = 2048;
/// The query's heaviest words that reach new candidates; lighter ones only add to
/// the candidates already reached.
pub const ADMIT_WORDS: usize = 16;
/// The query's heaviest n-grams that reach new candidates.
pub const ADMIT_GRAMS: usize = 32;
/// The query's heaviest words that read the whole of their lists to reach new
/// candidates. Its other admitting words do so only where the list is below the cap
/// ([`KEEP_CLASSES`]): a list at the cap is a common word's, and of the classes it
/// holds, those beyond its [`KEEP_HEAVY`] heaviest are mostly reached through the
/// query's rarer terms when they are near it at all. At realistic 100,000 this made the
/// candidate stage about a quarter less work (`perf`); the families batch recall went
/// from 0.994 to 0.993 (`docs/scale-journal.md`).
pub const WHOLE_WORDS: usize = 8;
/// The query's heaviest n-grams that read the whole of their lists (see
/// [`WHOLE_WORDS`]).
pub const WHOLE_GRAMS: usize = 16;
/// Classes per term in the candidate postings: a term's list keeps the classes it
/// weighs most in (static index pruning), so that a query's work is bounded whatever
/// the size of the registry. A class a common term weighs little in is still reached
/// through its heavier terms.
pub const KEEP_CLASSES: usize = 2000;
/// Classes per term that a query's lighter terms read (see [`accumulate_reached`]): the
/// classes the term weighs most in. They refine the order of the classes reached, and a
/// class a term weighs little in gains little from it; the rest of the list refined
/// 20 % of a query's time at realistic 100,000.
pub const KEEP_HEAVY: usize = 500;
/// Words per class in the candidate postings.
pub const KEEP_WORDS: usize = 24;
/// N-grams per class in the candidate postings.
pub const KEEP_GRAMS: usize = 96;
/// The query's heaviest words and n-grams looked up in the candidate postings.
pub const QUERY_TERMS: usize = 64;
/// Candidates put in order at a time: a search mostly stops within the first
/// [`CANDIDATES`] and the idle chunks it waits for after them.
const RANK_AHEAD: usize = 4 * CANDIDATES;
/// Every how many reached classes one is sampled to find a weight that drops the
/// classes that cannot be among the candidates (see [`without_surely_lighter`]).
const SAMPLE_STRIDE: usize = 8;

/// Needs grouped by identical text, with each class's vectors and candidate postings.
pub struct TextIndex {
    /// need → its class.
    pub class_of: Vec<u32>,
    /// class → its needs.
    pub members: Members,
    /// Stemmed-word vectors: the classes, then the solutions.
    pub words: Vectors,
    /// Character n-gram vectors: the classes, then the solutions.
    pub grams: Vectors,
    classes: usize,
    candidates: usize,
    /// Pruned (word, n-gram) postings, when there are more classes than candidates.
    pruned: Option<(Postings, Postings)>,
}

/// The needs of each text class, stored class after class: the needs of neighbouring
/// classes (look-alikes, see [`classes`]) lie together, and so do their profiles, which
/// the engine keeps in the same order (see [`Members::slots`]).
pub struct Members {
    offsets: Vec<usize>,
    needs: Vec<u32>,
}

/// `items`, (bucket, value), grouped by bucket, each bucket's values in input order: the
/// start of each of `buckets` buckets and the end of the last, and the values.
fn bucketed<T: Copy + Default>(items: &[(u32, T)], buckets: usize) -> (Vec<usize>, Vec<T>) {
    let mut offsets = vec![0usize; buckets + 1];
    for &(b, _) in items {
        offsets[b as usize + 1] += 1;
    }
    for b in 0..buckets {
        offsets[b + 1] += offsets[b];
    }
    let mut fill = offsets.clone();
    let mut values = vec![T::default(); items.len()];
    for &(b, v) in items {
        values[fill[b as usize]] = v;
        fill[b as usize] += 1;
    }
    (offsets, values)
}

/// Best first, ties by id: the order of weighted terms and of ranked candidates.
fn best_first(a: &(u32, f32), b: &(u32, f32)) -> std::cmp::Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

impl Members {
    /// Groups the needs by class (`class_of`, need → class), each class's needs in input
    /// order.
    fn new(class_of: &[u32], classes: usize) -> Self {
        let items: Vec<(u32, u32)> = (0..).zip(class_of).map(|(i, &c)| (c, i)).collect();
        let (offsets, needs) = bucketed(&items, classes);
        Self { offsets, needs }
    }

    /// How many classes there are.
    pub fn classes(&self) -> usize {
        self.offsets.len() - 1
    }

    /// The needs of class `c`, in input order.
    pub fn of(&self, c: u32) -> &[u32] {
        &self.needs[self.slots(c)]
    }

    /// Where the needs of class `c` sit in the class-after-class order.
    pub fn slots(&self, c: u32) -> std::ops::Range<usize> {
        self.offsets[c as usize]..self.offsets[c as usize + 1]
    }

    /// Every need, class after class: the order in which per-need data that a search
    /// reads for its candidates is best kept.
    pub fn in_class_order(&self) -> &[u32] {
        &self.needs
    }
}

/// Term → (class, weight), for the candidate stage.
///
/// Each term's list holds first the [`KEEP_HEAVY`] classes it weighs most in, then the
/// rest, each part in class order: a query's lighter terms read only the first part, and
/// so do its common admitting terms beyond its heaviest (see [`WHOLE_WORDS`]).
struct Postings {
    offsets: Vec<usize>,
    /// Where each term's lighter classes begin.
    heavy_ends: Vec<usize>,
    entries: Vec<(u32, f32)>,
}

impl Postings {
    /// Every class of term `t`'s list.
    fn get(&self, t: u32) -> &[(u32, f32)] {
        &self.entries[self.offsets[t as usize]..self.offsets[t as usize + 1]]
    }

    /// The classes `read` reads of its term's list.
    fn read(&self, read: Read) -> &[(u32, f32)] {
        if read.whole {
            self.get(read.term)
        } else {
            self.heavy(read.term)
        }
    }

    /// The classes term `t` weighs most in, in class order.
    fn heavy(&self, t: u32) -> &[(u32, f32)] {
        &self.entries[self.offsets[t as usize]..self.heavy_ends[t as usize]]
    }

    /// The postings of each class's `keep` heaviest terms, each term's list holding at
    /// most the [`KEEP_CLASSES`] classes it weighs most in: the [`KEEP_HEAVY`] heaviest
    /// first, then the others, each part in class order (ties by id).
    fn pruned(vectors: &Vectors, classes: usize, keep: usize) -> Self {
        let mut kept: Vec<(u32, (u32, f32))> = Vec::new();
        let mut top: Vec<(u32, f32)> = Vec::new();
        for c in 0..classes {
            top.clear();
            top.extend_from_slice(vectors.get(c));
            keep_heaviest(&mut top, keep);
            kept.extend(top.iter().map(|&(t, w)| (t, (c as u32, w))));
        }
        drop(top);
        let (mut offsets, mut entries) = bucketed(&kept, vectors.terms);
        drop(kept);
        // Each list capped in place: a list is never moved past where it began.
        let mut end = 0;
        let mut heavy_ends = vec![0; vectors.terms];
        for t in 0..vectors.terms {
            let list = &mut entries[offsets[t]..offsets[t + 1]];
            let len = list.len().min(KEEP_CLASSES);
            let heavy = len.min(KEEP_HEAVY);
            heaviest_in_front(list, KEEP_CLASSES);
            heavy_first_in_class_order(&mut list[..len], KEEP_HEAVY);
            let start = offsets[t];
            entries.copy_within(start..start + len, end);
            offsets[t] = end;
            heavy_ends[t] = end + heavy;
            end += len;
        }
        offsets[vectors.terms] = end;
        entries.truncate(end);
        entries.shrink_to_fit();
        Self {
            offsets,
            heavy_ends,
            entries,
        }
    }
}

/// A term's list as a query reads it to reach new candidates: the whole of it, or only
/// the [`KEEP_HEAVY`] classes the term weighs most in (see [`WHOLE_WORDS`]). Ordered by
/// term, so that a run leader's reads can be looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Read {
    term: u32,
    whole: bool,
}

/// Puts the `keep` heaviest entries of `list` (ties by id) first and the rest after
/// them, each part in class order; a list of at most `keep` entries is left as it is,
/// which must be in class order already.
fn heavy_first_in_class_order(list: &mut [(u32, f32)], keep: usize) {
    if list.len() > keep {
        heaviest_in_front(list, keep);
        list[..keep].sort_unstable_by_key(|&(c, _)| c);
        list[keep..].sort_unstable_by_key(|&(c, _)| c);
    }
}

/// (class, weight) as one integer whose ascending order is [`best_first`]: the weight's
/// bits in total order, inverted (heaviest first), then the class (ties by id). Plain
/// integers are selected and sorted in half the time of pairs compared field by field,
/// and ranking the candidates of every class was a tenth of the batch.
fn rank_key((class, weight): (u32, f32)) -> u64 {
    let bits = weight.to_bits();
    let ordered = if bits >> 31 == 1 {
        !bits
    } else {
        bits | 1 << 31
    };
    u64::from(!ordered) << 32 | u64::from(class)
}

/// The (class, weight) of a [`rank_key`].
fn from_rank_key(key: u64) -> (u32, f32) {
    let ordered = !((key >> 32) as u32);
    let bits = if ordered >> 31 == 1 {
        ordered & !(1 << 31)
    } else {
        !ordered
    };
    (key as u32, f32::from_bits(bits))
}

/// The candidates of one query class, best first, each with a lower bound of its
/// blended text similarity with the query.
///
/// The approximate similarity adds up the products of a subset of the terms both texts
/// carry, all weights positive and the vectors of unit length: so it never exceeds the
/// exact similarity (0 when the index is exact and nothing was accumulated). A candidate
/// whose bound already gives full text support needs no exact computation: its score is
/// the same whatever its exact similarity.
pub struct Ranked {
    /// The query class the bounds are of.
    pub of: u32,
    /// The candidates as [`rank_key`]s: the first `ordered.len()` best first, the rest
    /// in no order.
    keys: Vec<u64>,
    /// (class, lower bound of the blended text similarity) of the candidates put in
    /// order so far, best first.
    ordered: Vec<(u32, f32)>,
    /// How many candidates are handed out (no more than there are).
    limit: usize,
    /// Whether the similarities are lower bounds of the query class's (not so for a
    /// follower in the batch, see [`TextIndex::ranked_in_run`]).
    pub bounds: bool,
}

impl Ranked {
    /// Every class, in class order, with no bound: the candidates of an exact index.
    fn every_class(of: u32, classes: usize) -> Self {
        Self {
            of,
            keys: Vec::new(),
            ordered: (0..classes as u32).map(|d| (d, 0.0)).collect(),
            limit: classes,
            bounds: true,
        }
    }

    /// The best `limit` of the candidates `keys` ([`rank_key`]s), to be handed out best
    /// first.
    fn best_of(of: u32, keys: Vec<u64>, limit: usize) -> Self {
        Self {
            of,
            limit: limit.min(keys.len()),
            keys,
            ordered: Vec::new(),
            bounds: true,
        }
    }

    /// The candidates from `start` on, at most `len` of them, best first (ties by
    /// class). Candidates are put in order only as far as a search reads them, a
    /// [`RANK_AHEAD`] at a time: most searches stop long before the last.
    pub fn chunk(&mut self, start: usize, len: usize) -> &[(u32, f32)] {
        let end = start.saturating_add(len).min(self.limit);
        let sorted = self.ordered.len();
        if sorted < end {
            let upto = (sorted + RANK_AHEAD).max(end).min(self.limit);
            let rest = &mut self.keys[sorted..];
            let ahead = upto - sorted;
            if rest.len() > ahead {
                rest.select_nth_unstable(ahead - 1);
            }
            rest[..ahead].sort_unstable();
            self.ordered
                .extend(rest[..ahead].iter().map(|&k| from_rank_key(k)));
        }
        &self.ordered[start.min(end)..end]
    }

    /// Every candidate that is handed out, best first.
    #[cfg(test)]
    pub fn all(&mut self) -> Vec<(u32, f32)> {
        self.chunk(0, self.limit).to_vec()
    }
}

/// Reusable accumulators for one query at a time (one per thread).
pub struct Scratch {
    /// Approximate blended similarity per class, for the candidate stage.
    acc: Vec<f32>,
    /// The classes reached, in the order first reached: one slot more than twice the
    /// classes, as a follower in the batch notes a class again when what it adds and
    /// takes away comes to exactly 0 (see [`TextIndex::ranked_in_run`]).
    reached: Vec<u32>,
    /// The words and n-grams of the class [`Scratch::scattered`] as dense arrays, for
    /// the exact comparisons ([`TextIndex::cosines`]).
    query_words: Vec<f32>,
    query_grams: Vec<f32>,
    /// The class whose vectors `query_words` and `query_grams` hold, if any: kept there
    /// between calls, as a search compares its class's text part after part and the
    /// batch compares a class with its run's leader first.
    scattered: Option<u32>,
    /// The batch's current run leader, if any (see [`TextIndex::ranked_in_run`]).
    lead: Option<Lead>,
}

/// Which class each text belongs to: (class of each text, first text of each class).
///
/// Classes are numbered in the order of their titles (those of one title as first met),
/// so that look-alikes, which mostly share a title, get neighbouring numbers: the postings a
/// search reads for one family of look-alikes then point into one stretch of the
/// accumulators and of the class vectors, which stays in cache.
pub fn classes<'a>(texts: impl Iterator<Item = (&'a str, &'a str)>) -> (Vec<u32>, Vec<usize>) {
    let mut ids: HashMap<(&str, &str), u32> = HashMap::new();
    let mut first: Vec<((&str, &str), usize)> = Vec::new();
    let met: Vec<u32> = texts
        .enumerate()
        .map(|(i, key)| {
            *ids.entry(key).or_insert_with(|| {
                first.push((key, i));
                first.len() as u32 - 1
            })
        })
        .collect();
    let mut order: Vec<u32> = (0..first.len() as u32).collect();
    // Stable: the classes of one title keep the order they were met in.
    order.sort_by_key(|&c| first[c as usize].0.0);
    let mut renumbered = vec![0u32; first.len()];
    for (new, &old) in order.iter().enumerate() {
        renumbered[old as usize] = new as u32;
    }
    let class_of = met.iter().map(|&c| renumbered[c as usize]).collect();
    let first = order.iter().map(|&c| first[c as usize].1).collect();
    (class_of, first)
}

/// Candidates whose dot products with the query are summed side by side (see [`dots`]):
/// the exact text comparisons took a ninth of the batch, mostly waiting on their own
/// additions; four side by side made the batch 9 % faster at realistic 100,000.
const DOTS_AT_ONCE: usize = 4;

/// The dot product of a dense query with each of the sparse vectors `vs`, summed side
/// by side. Each sum adds its products in term order, so it equals the cosine of the
/// two sparse vectors ([`crate::vectors::cosine`]) bit for bit (absent terms add exactly
/// 0); and each is a chain of dependent additions, so one at a time waits on each, side
/// by side they overlap.
///
/// The longer vectors' last entries are summed into a copy of the sums, and the function
/// is not inlined: indexed in a loop that is not unrolled, or among the many values of
/// [`TextIndex::cosines`], the sums were kept in memory, and each addition waited on
/// the store of the one before (a tenth of the exact comparisons' time, `perf`).
#[inline(never)]
fn dots<const K: usize>(query: &[f32], vs: [&[(u32, f32)]; K]) -> [f32; K] {
    let common = vs.iter().map(|v| v.len()).min().unwrap_or(0);
    let mut sums = [0.0; K];
    for k in 0..common {
        for (sum, v) in sums.iter_mut().zip(&vs) {
            let (t, w) = v[k];
            *sum += query[t as usize] * w;
        }
    }
    let mut out = sums;
    for (sum, v) in out.iter_mut().zip(&vs) {
        *sum = v[common..]
            .iter()
            .fold(*sum, |sum, &(t, w)| sum + query[t as usize] * w);
    }
    out
}

/// Puts the `keep` heaviest entries of `v` (ties by id) in front, in no particular
/// order, the rest after them; returns how many are in front (all, when there are no
/// more than `keep`). The selection every list and query is cut by (candidates are
/// cut as integer keys, see [`rank_key`]).
fn heaviest_in_front(v: &mut [(u32, f32)], keep: usize) -> usize {
    if keep == 0 {
        return 0;
    }
    if v.len() > keep {
        v.select_nth_unstable_by(keep - 1, best_first);
    }
    keep.min(v.len())
}

/// Leaves the `keep` heaviest entries of `v` (ties by id), in no particular order.
fn keep_heaviest(v: &mut Vec<(u32, f32)>, keep: usize) {
    let kept = heaviest_in_front(v, keep);
    v.truncate(kept);
}

/// Puts the `keep` heaviest entries of `v` first, heaviest first (ties by id), the rest
/// after them in no order.
fn keep_heaviest_first(v: &mut [(u32, f32)], keep: usize) {
    let kept = heaviest_in_front(v, keep);
    v[..kept].sort_unstable_by(best_first);
}

/// The candidates ([`rank_key`]s) of `v` without those that cannot be among its `keep`
/// heaviest, at the cost of one pass: a key taken from every [`SAMPLE_STRIDE`]th entry
/// that, by its rank in the sample, most likely a quarter more than `keep` entries come
/// before. If fewer do, all of `v` is kept; if at least `keep` do, the `keep`-th
/// heaviest comes before it too, and so do all the heavier ones. Selecting among tens of
/// thousands of classes reached took a tenth of the batch.
///
/// Not inlined: inlined into [`TextIndex::ranked`], it left the refining loop
/// ([`accumulate_reached`], unchanged) three times slower in the scale benchmark, on
/// every run, for a reason not found (not the allocator: the same with glibc's trimming
/// and mapping thresholds raised).
#[inline(never)]
fn without_surely_lighter(v: Vec<u64>, keep: usize) -> Vec<u64> {
    if v.len() < 4 * keep {
        return v;
    }
    let mut sample: Vec<u64> = v.iter().step_by(SAMPLE_STRIDE).copied().collect();
    let rank = keep / SAMPLE_STRIDE * 5 / 4 + 16;
    if rank >= sample.len() {
        return v;
    }
    let (_, &mut last, _) = sample.select_nth_unstable(rank);
    let kept: Vec<u64> = v.iter().copied().filter(|&k| k <= last).collect();
    if kept.len() >= keep { kept } else { v }
}

/// The `keep` heaviest entries of `v`, heaviest first (ties by term id).
fn heaviest(v: &[(u32, f32)], keep: usize) -> Vec<(u32, f32)> {
    let mut top = v.to_vec();
    keep_heaviest_first(&mut top, keep);
    top.truncate(keep);
    top
}

/// Adds `scale` × the query's products with the postings of the classes each term
/// weighs most in ([`KEEP_HEAVY`]) to the classes `acc` already holds, leaving the
/// others at 0.
fn accumulate_reached(query: &[(u32, f32)], scale: f32, postings: &Postings, acc: &mut [f32]) {
    for &(t, qw) in query {
        let qw = scale * qw;
        for &(c, w) in postings.heavy(t) {
            let a = &mut acc[c as usize];
            *a += f32::from(u8::from(*a != 0.0)) * qw * w;
        }
    }
}

/// Adds `scale` × the query's products with the postings it reads (see [`Read`]) to
/// `acc`, writing each class into `reached` (after the `count` already there) the first
/// time it is reached; returns the new count. Weights are positive, so a reached class
/// is non-zero. Nothing is added when `scale` is not positive (a blend that leaves words
/// or n-grams out).
fn accumulate(
    query: &[(Read, f32)],
    scale: f32,
    postings: &Postings,
    acc: &mut [f32],
    reached: &mut [u32],
    count: usize,
) -> usize {
    if scale <= 0.0 {
        return count;
    }
    add_products(query, scale, postings, acc, reached, count)
}

/// [`accumulate`] for a `scale` of either sign: each class is written into `reached`
/// whenever its entry was 0. Written without a branch: every class is written to the
/// next free slot, which only counts when the entry was 0 (the hot loop of the
/// candidate stage).
fn add_products(
    query: &[(Read, f32)],
    scale: f32,
    postings: &Postings,
    acc: &mut [f32],
    reached: &mut [u32],
    mut count: usize,
) -> usize {
    let last = reached.len() - 1;
    for &(t, qw) in query {
        let qw = scale * qw;
        for &(c, w) in postings.read(t) {
            let a = &mut acc[c as usize];
            reached[count] = c;
            count = (count + usize::from(*a == 0.0)).min(last);
            *a += qw * w;
        }
    }
    count
}

/// The classes `query` reaches, as [`rank_key`]s of their approximate similarity (the
/// words' share `scales[0]`, the n-grams' `scales[1]`), leaving the accumulators at 0.
/// One accumulator for the blend: each reached class is noted once, so no sort and
/// de-duplication of the reached classes is needed.
fn reached_keys(
    query: &Query,
    postings: [&Postings; 2],
    scales: [f32; 2],
    s: &mut Scratch,
) -> Vec<u64> {
    let admitting = [query.admitting(0), query.admitting(1)];
    let lighter = [query.lighter(0), query.lighter(1)];
    let count = add_terms(admitting, lighter, postings, scales, s);
    taken_keys(&s.reached[..count], &mut s.acc)
}

/// The [`rank_key`]s of the `classes`' figures in `acc`, each figure taken (set to 0).
fn taken_keys(classes: &[u32], acc: &mut [f32]) -> Vec<u64> {
    classes
        .iter()
        .map(|&d| rank_key((d, std::mem::take(&mut acc[d as usize]))))
        .collect()
}

/// Accumulates the `admitting` words and n-grams (noting the classes they reach in the
/// scratch's `reached`, from its start) and then the `lighter` ones, which only add to
/// the classes reached; returns how many classes were noted.
fn add_terms(
    admitting: [&[(Read, f32)]; 2],
    lighter: [&[(u32, f32)]; 2],
    postings: [&Postings; 2],
    scales: [f32; 2],
    s: &mut Scratch,
) -> usize {
    let mut count = 0;
    for k in 0..2 {
        let (acc, reached) = (&mut s.acc, &mut s.reached);
        count = accumulate(admitting[k], scales[k], postings[k], acc, reached, count);
    }
    for k in 0..2 {
        accumulate_reached(lighter[k], scales[k], postings[k], &mut s.acc);
    }
    count
}

impl TextIndex {
    /// Indexes the vectors of `classes` text classes (the vectors may hold more
    /// documents after them, the solutions, which are not indexed).
    pub fn new(class_of: Vec<u32>, classes: usize, words: Vectors, grams: Vectors) -> Self {
        let members = Members::new(&class_of, classes);
        let candidates = if classes > EXACT_UP_TO {
            CANDIDATES
        } else {
            classes
        };
        // The two postings are independent: made side by side.
        let pruned = (classes > EXACT_UP_TO).then(|| {
            rayon::join(
                || Postings::pruned(&words, classes, KEEP_WORDS),
                || Postings::pruned(&grams, classes, KEEP_GRAMS),
            )
        });
        Self {
            class_of,
            members,
            words,
            grams,
            classes,
            candidates,
            pruned,
        }
    }

    /// Accumulators sized for this index.
    pub fn scratch(&self) -> Scratch {
        let (n, pruned) = (self.classes, self.pruned.is_some());
        Scratch {
            acc: vec![0.0; if pruned { n } else { 0 }],
            reached: vec![0; if pruned { 2 * n + 1 } else { 0 }],
            ..self.comparison_scratch()
        }
    }

    /// Accumulators for exact comparisons only ([`TextIndex::cosines`]), without those
    /// of the candidate stage (1.2 MB at 100,000 classes): for comparing needs already
    /// found, as describing groups and re-forming them do. [`TextIndex::ranked`] panics
    /// on it.
    pub fn comparison_scratch(&self) -> Scratch {
        Scratch {
            acc: Vec::new(),
            reached: Vec::new(),
            query_words: vec![0.0; self.words.terms],
            query_grams: vec![0.0; self.grams.terms],
            scattered: None,
            lead: None,
        }
    }

    /// Whether candidates come from the approximate stage (more classes than
    /// [`EXACT_UP_TO`]).
    pub fn approximate(&self) -> bool {
        self.pruned.is_some()
    }

    /// How many candidates of [`TextIndex::ranked`] to re-score at a time: all of them
    /// when the search is exact.
    pub fn chunk(&self) -> usize {
        self.candidates.max(1)
    }

    /// The classes to compute exactly for class `c`: every class (in class order), or
    /// the best [`MAX_CANDIDATES`] by approximate similarity (`share` of it from
    /// n-grams), best first, ties by class.
    pub fn ranked(&self, c: u32, share: f32, s: &mut Scratch) -> Ranked {
        let Some((words, grams)) = &self.pruned else {
            return Ranked::every_class(c, self.classes);
        };
        let postings = [words, grams];
        let keys = reached_keys(&self.query(c, postings), postings, [1.0 - share, share], s);
        Ranked::best_of(
            c,
            without_surely_lighter(keys, MAX_CANDIDATES),
            MAX_CANDIDATES,
        )
    }

    /// Class `c`'s query: its [`QUERY_TERMS`] heaviest words and n-grams, heaviest first,
    /// of which the first [`ADMIT_WORDS`] and [`ADMIT_GRAMS`] admit new classes, as far
    /// as [`WHOLE_WORDS`] and [`WHOLE_GRAMS`] say, through `postings`.
    fn query(&self, c: u32, postings: [&Postings; 2]) -> Query {
        let terms = [&self.words, &self.grams].map(|v| heaviest(v.get(c as usize), QUERY_TERMS));
        let admit = [ADMIT_WORDS, ADMIT_GRAMS];
        Query::new(terms, admit, [WHOLE_WORDS, WHOLE_GRAMS], postings)
    }

    /// The exact word and n-gram cosines of class `c` with the classes `candidates`, as
    /// (class, word cosine, n-gram cosine), in `out` (cleared first): a search compares
    /// part after part of 32 candidates, and reuses one vector for all of them.
    pub fn cosines(
        &self,
        c: u32,
        candidates: &[u32],
        s: &mut Scratch,
        out: &mut Vec<(u32, f32, f32)>,
    ) {
        self.scatter(c, s);
        out.clear();
        // Four side by side, then the last one to three: two side by side, then one.
        let rest = self.compared_in_groups::<DOTS_AT_ONCE>(candidates, s, out);
        let rest = self.compared_in_groups::<2>(rest, s, out);
        self.compared_in_groups::<1>(rest, s, out);
    }

    /// Whether class `c`'s vectors are scattered in the scratch (see
    /// [`TextIndex::scatter`]).
    pub fn holds(&self, c: u32, s: &Scratch) -> bool {
        s.scattered == Some(c)
    }

    /// The exact word and n-gram cosines of class `c` with class `d`: one comparison of
    /// [`TextIndex::cosines`], without a vector for its one result (describing the groups
    /// and the batch's leader checks make some 300,000 at 100,000 needs).
    pub fn cosine_pair(&self, c: u32, d: u32, s: &mut Scratch) -> (f32, f32) {
        self.scatter(c, s);
        let [words] = dots(&s.query_words, [self.words.get(d as usize)]);
        let [grams] = dots(&s.query_grams, [self.grams.get(d as usize)]);
        (words, grams)
    }

    /// Leaves class `c`'s vectors scattered in the scratch's dense arrays (the class
    /// there before taken out), unless they are there already.
    pub fn scatter(&self, c: u32, s: &mut Scratch) {
        if s.scattered == Some(c) {
            return;
        }
        if let Some(before) = s.scattered.take() {
            self.write_dense(before, s, |_| 0.0);
        }
        self.write_dense(c, s, |w| w);
        s.scattered = Some(c);
    }

    /// Writes `value` of each weight of class `c`'s words and n-grams at their terms in
    /// the scratch's dense arrays: the weights to scatter the class, 0 to take it out.
    fn write_dense(&self, c: u32, s: &mut Scratch, value: impl Fn(f32) -> f32) {
        for (vectors, dense) in [
            (&self.words, &mut s.query_words),
            (&self.grams, &mut s.query_grams),
        ] {
            for &(t, w) in vectors.get(c as usize) {
                dense[t as usize] = value(w);
            }
        }
    }

    /// Adds to `out` the (class, word cosine, n-gram cosine) of the query scattered in
    /// `s` with the classes `candidates`, `K` at a time summed side by side (see
    /// [`dots`]); returns the last fewer than `K`, not compared.
    fn compared_in_groups<'c, const K: usize>(
        &self,
        candidates: &'c [u32],
        s: &Scratch,
        out: &mut Vec<(u32, f32, f32)>,
    ) -> &'c [u32] {
        let mut groups = candidates.chunks_exact(K);
        for group in groups.by_ref() {
            let ds: [u32; K] = std::array::from_fn(|k| group[k]);
            let words = dots(&s.query_words, ds.map(|d| self.words.get(d as usize)));
            let grams = dots(&s.query_grams, ds.map(|d| self.grams.get(d as usize)));
            out.extend((0..K).map(|k| (ds[k], words[k], grams[k])));
        }
        groups.remainder()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dot product summed alone, one product after another in the vector's order:
    /// the reference [`dots`] must equal.
    fn dot(query: &[f32], v: &[(u32, f32)]) -> f32 {
        let mut sum = 0.0;
        for &(t, w) in v {
            sum += query[t as usize] * w;
        }
        sum
    }

    /// A query's heaviest admitting terms read their whole lists; its other admitting
    /// terms read a common term's list (at the cap) only as far as the classes the term
    /// weighs most in, and a rarer term's whole.
    #[test]
    fn only_the_heaviest_admitting_terms_read_a_common_terms_whole_list() {
        let e = crate::search::tests::look_alikes(3000, true);
        let (words, grams) = e.index.pruned.as_ref().expect("more classes than exact");
        let postings = [words, grams];
        let (mut partial, mut rare) = (0, 0);
        for c in (0..e.index.members.classes() as u32).step_by(101) {
            let query = e.index.query(c, postings);
            for (k, heaviest) in [WHOLE_WORDS, WHOLE_GRAMS].into_iter().enumerate() {
                for (rank, &(read, _)) in query.admitting(k).iter().enumerate() {
                    let list = postings[k].read(read);
                    let common = postings[k].get(read.term).len() == KEEP_CLASSES;
                    if rank < heaviest || !common {
                        assert!(read.whole, "class {c}: term {} at {rank}", read.term);
                        rare += usize::from(rank >= heaviest);
                    } else {
                        assert!(!read.whole && list.len() == KEEP_HEAVY, "class {c}");
                        partial += 1;
                    }
                }
            }
        }
        assert!(partial > 0 && rare > 0, "{partial} partial, {rare} rare");
    }

    /// Same texts share a class; classes are numbered by title, those of one title in
    /// the order they were met, so that look-alikes sit together (and the batch's leader
    /// runs stay as they were).
    #[test]
    fn classes_are_numbered_by_title_then_as_met() {
        let texts = [("b", "x"), ("a", "y"), ("b", "x"), ("a", "z"), ("b", "w")];
        let (class_of, first) = classes(texts.into_iter());
        assert_eq!(class_of, vec![2, 0, 2, 1, 3]);
        assert_eq!(first, vec![1, 3, 0, 4]);
        let members = Members::new(&class_of, first.len());
        assert_eq!(members.of(2), &[0, 2]);
        assert_eq!(members.in_class_order(), &[1, 3, 0, 2, 4]);
    }

    /// Deterministic weights in [0, 1) with ties: the `i`-th of a fixed scramble.
    fn weight(i: u32) -> f32 {
        (i.wrapping_mul(2_654_435_761) >> 20) as f32 / 4096.0
    }

    /// The `keep` heaviest of `v`, heaviest first (ties by id), by sorting all of it.
    fn sorted_heaviest(v: &[(u32, f32)], keep: usize) -> Vec<(u32, f32)> {
        let mut all = v.to_vec();
        all.sort_by(best_first);
        all.truncate(keep);
        all
    }

    /// Keys sort as [`best_first`] orders their pairs, and give the pairs back, for
    /// weights of either sign, zeros of both signs, and ties.
    #[test]
    fn rank_keys_sort_as_the_pairs_and_give_them_back() {
        let mut pairs: Vec<(u32, f32)> = (0..2_000)
            .map(|i| (i % 97, weight(i) - 0.25))
            .chain([(5, 0.0), (6, -0.0), (7, f32::MAX), (8, -f32::MIN_POSITIVE)])
            .collect();
        let mut keys: Vec<u64> = pairs.iter().copied().map(rank_key).collect();
        pairs.sort_by(best_first);
        keys.sort_unstable();
        let back: Vec<(u32, f32)> = keys.into_iter().map(from_rank_key).collect();
        let bits = |v: &[(u32, f32)]| v.iter().map(|&(c, w)| (c, w.to_bits())).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&pairs));
    }

    /// The sampled key drops most entries, and never one of the heaviest; when the
    /// sample misleads (its entries all heavy, too few of them), nothing is dropped.
    #[test]
    fn dropping_surely_lighter_entries_keeps_every_one_of_the_heaviest() {
        let keys = |v: &[(u32, f32)]| v.iter().copied().map(rank_key).collect::<Vec<u64>>();
        let pairs = |v: &[u64]| v.iter().copied().map(from_rank_key).collect::<Vec<_>>();
        let v: Vec<(u32, f32)> = (0..20_000).map(|i| (i, weight(i))).collect();
        let kept = without_surely_lighter(keys(&v), MAX_CANDIDATES);
        assert!(kept.len() < v.len() / 4, "most dropped: {}", kept.len());
        assert_eq!(
            sorted_heaviest(&pairs(&kept), MAX_CANDIDATES),
            sorted_heaviest(&v, MAX_CANDIDATES)
        );

        let misleading: Vec<(u32, f32)> = (0..9_000)
            .map(|i| {
                (
                    i,
                    if (i as usize).is_multiple_of(SAMPLE_STRIDE) {
                        1.0
                    } else {
                        0.1
                    },
                )
            })
            .collect();
        let kept = without_surely_lighter(keys(&misleading), MAX_CANDIDATES);
        assert_eq!(pairs(&kept), misleading);
    }

    /// Chunks are handed out in the order of a full sort, ties by class, and never past
    /// the limit, however far ahead they were put in order.
    #[test]
    fn ranked_chunks_come_in_the_order_of_a_full_sort() {
        let candidates: Vec<(u32, f32)> = (0..3_000).map(|i| (i, weight(i))).collect();
        let keys = candidates.iter().copied().map(rank_key).collect();
        let mut ranked = Ranked::best_of(0, keys, MAX_CANDIDATES);
        let mut handed = Vec::new();
        loop {
            let chunk = ranked.chunk(handed.len(), 100);
            if chunk.is_empty() {
                break;
            }
            handed.extend_from_slice(chunk);
        }
        assert_eq!(handed, sorted_heaviest(&candidates, MAX_CANDIDATES));
        assert!(ranked.chunk(MAX_CANDIDATES, 100).is_empty());
    }

    /// Summed side by side, each candidate's dot product is bit for bit the one summed
    /// alone (the one the exact similarity and the brute force compute), whatever the
    /// lengths of the others.
    #[test]
    fn dot_products_summed_side_by_side_equal_those_summed_alone() {
        let query: Vec<f32> = (0..500).map(|t| weight(t) / 7.0).collect();
        let vector = |len: u32, step: u32| -> Vec<(u32, f32)> {
            (0..len)
                .map(|k| (k * step % 500, weight(k + 11 * step)))
                .collect()
        };
        for vs in [
            [vector(90, 3), vector(17, 7), vector(250, 2), vector(40, 9)],
            [vector(90, 3), vector(0, 1), vector(3, 2), vector(3, 5)],
        ] {
            let side_by_side = dots(&query, vs.each_ref().map(Vec::as_slice));
            for (v, sum) in vs.iter().zip(side_by_side) {
                assert!(sum > 0.0 || v.is_empty());
                assert_eq!(sum.to_bits(), dot(&query, v).to_bits());
            }
        }
    }

    /// A term that more than [`KEEP_CLASSES`] classes carry lists only the classes it
    /// weighs most in, the [`KEEP_HEAVY`] heaviest first, each part in class order;
    /// rarer terms list every class that keeps them, in class order.
    #[test]
    fn a_common_terms_postings_keep_the_classes_it_weighs_most_in() {
        let classes = KEEP_CLASSES + 200;
        // Term 0 in every class, weighing more in later classes, except that class 0
        // weighs most of all; term 1 in every tenth class.
        let rows: Vec<Vec<(u32, f32)>> = (0..classes)
            .map(|c| {
                let common = if c == 0 {
                    1.0
                } else {
                    c as f32 / classes as f32
                };
                let mut row = vec![(0, common)];
                if c % 10 == 0 {
                    row.push((1, 0.5));
                }
                row
            })
            .collect();
        let postings = Postings::pruned(&Vectors::from_rows(&rows, 2), classes, KEEP_WORDS);
        let ids = |list: &[(u32, f32)]| list.iter().map(|&(c, _)| c).collect::<Vec<u32>>();
        // The heaviest part first, then the rest of the kept classes, each in class order.
        let (first_kept, first_heavy) = (classes - KEEP_CLASSES + 1, classes - KEEP_HEAVY + 1);
        let heavy: Vec<u32> = std::iter::once(0)
            .chain(first_heavy as u32..classes as u32)
            .collect();
        let lighter: Vec<u32> = (first_kept as u32..first_heavy as u32).collect();
        assert_eq!(ids(postings.heavy(0)), heavy);
        assert_eq!(ids(postings.get(0)), [heavy, lighter].concat());
        let rare: Vec<u32> = (0..classes as u32).step_by(10).collect();
        assert_eq!(ids(postings.get(1)), rare);
        assert_eq!(ids(postings.heavy(1)), rare);
    }
}
