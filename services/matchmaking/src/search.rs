//! Exact top-k need↔need search: every need whose text shares a term is a candidate, and
//! candidates are scored in order of text similarity until no remaining one can beat the
//! k-th best (a pair's score is at most its text support, see [`profile::bound`]). The
//! result equals scoring every other need, without doing so.

use std::cmp::Ordering;

use crate::engine::Engine;
use crate::index::Scratch;
use crate::profile;

/// Rounding headroom for the bound: a score summed in another order may differ in the
/// last bits from the bound.
const EPSILON: f32 = 1e-5;

/// A candidate: (need index, score).
pub type Scored = (usize, f32);

impl Engine {
    /// The classes whose text is at least `min_text` similar to class `c`, as (class,
    /// text similarity), most similar first, ties by position.
    pub(crate) fn similar_classes(&self, c: u32, scratch: &mut Scratch) -> Vec<(u32, f32)> {
        let min = self.weights().min_text;
        let mut out: Vec<(u32, f32)> = self
            .index
            .cosines(c, self.weights().ngram_share, scratch)
            .into_iter()
            .map(|(d, w, g)| (d, self.blend(w, g)))
            .filter(|(_, t)| *t >= min)
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// The `limit` best other-organisation needs for need `i`, best first.
    pub(crate) fn best(&self, i: usize, limit: usize, scratch: &mut Scratch) -> Vec<Scored> {
        let classes = self.similar_classes(self.index.class_of[i], scratch);
        self.best_among(i, limit, &classes)
    }

    /// [`Engine::best`] over the classes similar to `i`'s, already found.
    pub(crate) fn best_among(&self, i: usize, limit: usize, classes: &[(u32, f32)]) -> Vec<Scored> {
        let mut top: Vec<Scored> = Vec::with_capacity(limit + 1);
        if limit == 0 {
            return top;
        }
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
                self.keep(&mut top, (j, profile::score(&parts)), limit);
            }
        }
        top
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
