//! Top-k need↔need search. Candidates come from the text index in order of similarity
//! (every class when the index is exact, see [`crate::index`]), and are scored in order
//! of exact text similarity until no remaining one can beat the k-th best (a pair's
//! score is at most its text support, see [`profile::bound`]). Over an exact index the
//! result equals scoring every other need, without doing so; over an approximate one,
//! candidates are taken a chunk at a time while they still improve a result.

use std::cmp::Ordering;

use crate::engine::Engine;
use crate::index::Scratch;
use crate::profile;

/// Rounding headroom for the bound: a score summed in another order may differ in the
/// last bits from the bound.
const EPSILON: f32 = 1e-5;

/// Chunks of candidates in a row that improve no result before the search stops: the
/// approximate order is not the order of the scores, so one idle chunk can be followed by
/// a useful one.
const PATIENCE: usize = 2;

/// A candidate: (need index, score).
pub type Scored = (usize, f32);

impl Engine {
    /// The exact text similarity of class `c` with the classes `chunk`, those at least
    /// `min_text` similar, most similar first, ties by position.
    fn similar_classes(&self, c: u32, chunk: &[u32], scratch: &mut Scratch) -> Vec<(u32, f32)> {
        let min = self.weights().min_text;
        let mut out: Vec<(u32, f32)> = self
            .index
            .cosines(c, chunk, scratch)
            .into_iter()
            .map(|(d, w, g)| (d, self.blend(w, g)))
            .filter(|(_, t)| *t >= min)
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
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
        let ranked = self.index.ranked(c, self.weights().ngram_share, scratch);
        self.best_for_class_among(c, members, limit, &ranked, scratch)
    }

    /// [`Engine::best_for_class`] over candidates already ranked (for this class or a
    /// look-alike of it).
    pub(crate) fn best_for_class_among(
        &self,
        c: u32,
        members: &[u32],
        limit: usize,
        ranked: &[u32],
        scratch: &mut Scratch,
    ) -> Vec<Vec<Scored>> {
        let mut tops: Vec<Vec<Scored>> = vec![Vec::with_capacity(limit + 1); members.len()];
        if limit == 0 {
            return tops;
        }
        let mut idle = 0;
        for chunk in ranked.chunks(self.index.chunk()) {
            let classes = self.similar_classes(c, chunk, scratch);
            // Could the chunk's best text have entered a result, whatever its other
            // signals? If not, the chunks after it (less similar still) cannot either.
            let best_text = classes.first().map_or(0.0, |x| x.1);
            let hopeful = tops.iter().any(|top| {
                top.len() < limit
                    || profile::bound(self.weights(), best_text) + EPSILON >= top[limit - 1].1
            });
            let mut improved = false;
            for (top, &i) in tops.iter_mut().zip(members) {
                let before = (top.len(), top.last().map(|x| x.1));
                self.best_among(i as usize, limit, &classes, top);
                improved |= (top.len(), top.last().map(|x| x.1)) != before;
            }
            idle = if improved { 0 } else { idle + 1 };
            if !hopeful || idle == PATIENCE {
                break;
            }
        }
        tops
    }

    /// Adds the needs of `classes` (most similar first) to `top`, the `limit` best
    /// other-organisation needs for need `i` so far, best first.
    fn best_among(&self, i: usize, limit: usize, classes: &[(u32, f32)], top: &mut Vec<Scored>) {
        let me = &self.profiles[i];
        for &(d, text) in classes {
            if top.len() == limit
                && profile::bound(self.weights(), text) + EPSILON < top[limit - 1].1
            {
                break;
            }
            for &j in &self.index.members[d as usize] {
                let j = j as usize;
                let other = &self.profiles[j];
                if j == i || other.org == me.org {
                    continue;
                }
                let (parts, _) = profile::contributions(self.weights(), text, me, other);
                self.keep(top, (j, profile::score(&parts)), limit);
            }
        }
    }

    /// Ranks by score, ties by need id (as the API sorts), so results are deterministic.
    fn order(&self, a: &Scored, b: &Scored) -> Ordering {
        b.1.total_cmp(&a.1)
            .then_with(|| self.needs()[a.0].id.cmp(&self.needs()[b.0].id))
    }

    fn keep(&self, top: &mut Vec<Scored>, candidate: Scored, limit: usize) {
        if top.len() == limit && self.order(&candidate, &top[limit - 1]) != Ordering::Less {
            return;
        }
        let at = top.partition_point(|x| self.order(x, &candidate) == Ordering::Less);
        top.insert(at, candidate);
        top.truncate(limit);
    }
}
