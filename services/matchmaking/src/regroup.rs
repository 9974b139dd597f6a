//! Re-forming the groups after a few needs changed signals other than their text.
//!
//! A write that changes a need's dates, level, topics or area keeps the texts, so every
//! pair's text similarity stays, and only pairs with that need change their score. Each
//! other need's best matches were its best among needs whose scores did not change, so
//! they change only where a changed need now enters them, or where a changed need was
//! among them (it may have fallen below needs that were not in the list): those lists
//! are searched again, the others take in the changed needs that now score above their
//! last. Where the search is exact (a region's registry), the result is the one a batch
//! over every need finds; above, as good as that batch (a unit test compares both).

use std::collections::HashMap;

use rayon::prelude::*;
use uuid::Uuid;

use crate::engine::Engine;
use crate::groups::{EDGES_PER_NEED, Formed, Group};
use crate::index::Scratch;
use crate::profile;
use crate::search::Scored;

/// Up to this many changed needs are re-grouped from the groups before, whatever the
/// size of the registry; above, up to one in [`SHARE`].
const AT_LEAST: usize = 16;
/// Up to one need in this many may have changed for the groups to be re-formed from the
/// groups before: each changed need costs a look at every need and a search for each
/// need whose best matches held it (about ten), where forming the groups anew searches
/// once for every need. At 100,000 with meaning, 1,000 changed needs took 8.2-8.8 s
/// (realistic) and 12.3 s (families), against 14-22 s anew: one in 100 is near even on
/// families, so one in 200.
const SHARE: usize = 200;

/// How many changed needs of `needs` are re-grouped from the groups before.
pub(crate) fn up_to(needs: usize) -> usize {
    (needs / SHARE).max(AT_LEAST)
}

/// Whether a need's best matches `now` are those it had `before`, scores and all.
fn same_matches(now: &[Scored], before: &[(u32, f32)]) -> bool {
    now.len() == before.len()
        && (now.iter().zip(before))
            .all(|(&(j, s), &(k, t))| j == k as usize && s.to_bits() == t.to_bits())
}

impl Engine {
    /// The groups formed `before`, by an engine of the same texts, re-formed for the
    /// needs `changed` since (indices, ascending).
    pub(crate) fn regrouped(&self, before: &Formed, changed: &[usize]) -> Formed {
        let mut is_changed = vec![false; self.needs().len()];
        changed.iter().for_each(|&x| is_changed[x] = true);
        let best = self.best_after(before, changed, &is_changed);
        // A group none of whose members changed or changed their best matches is
        // described as before: its pairs, their scores and its facts are the same.
        let touched: Vec<bool> = (best.iter().zip(&before.best).enumerate())
            .map(|(j, (now, was))| is_changed[j] || !same_matches(now, was))
            .collect();
        let by_members: HashMap<&[Uuid], &Group> = (before.groups.iter())
            .map(|g| (g.members.as_slice(), g))
            .collect();
        self.formed_from(best, |members| {
            if members.iter().any(|&i| touched[i]) {
                return None;
            }
            let ids: Vec<Uuid> = members.iter().map(|&i| self.needs()[i].id).collect();
            by_members.get(ids.as_slice()).map(|g| self.with_budgets(g))
        })
    }

    /// Each need's best matches after the needs `changed` (marked in `is_changed`), from
    /// those `before`: searched again where a changed need was among them (or is the
    /// need), else those before with the changed needs that now enter them.
    fn best_after(
        &self,
        before: &Formed,
        changed: &[usize],
        is_changed: &[bool],
    ) -> Vec<Vec<Scored>> {
        let mut best = before.best_matches();
        let is_stale: Vec<bool> = (best.iter().enumerate())
            .map(|(j, top)| is_changed[j] || top.iter().any(|&(k, _)| is_changed[k]))
            .collect();
        let entering: Vec<(usize, Scored)> = changed
            .par_iter()
            .map_init(
                || self.index.comparison_scratch(),
                |scratch, &x| self.entering(x, &best, &is_stale, scratch),
            )
            .flatten_iter()
            .collect();
        for (j, candidate) in entering {
            self.keep(&mut best[j], candidate, EDGES_PER_NEED);
        }
        let stale: Vec<usize> = (0..best.len()).filter(|&j| is_stale[j]).collect();
        let searched: Vec<(usize, Vec<Scored>)> = stale
            .par_iter()
            .map_init(
                || self.index.scratch(),
                |scratch, &j| (j, self.best(j, EDGES_PER_NEED, scratch)),
            )
            .collect();
        for (j, top) in searched {
            best[j] = top;
        }
        best
    }

    /// The needs, of those whose best matches `best` are not `stale`, that changed need
    /// `x` could now enter, with its score for each. A need whose list is full and whose
    /// last scores above what `x` could score with it at full text support
    /// ([`profile::ceiling`]) is passed by before its text is compared.
    fn entering(
        &self,
        x: usize,
        best: &[Vec<Scored>],
        stale: &[bool],
        scratch: &mut Scratch,
    ) -> Vec<(usize, Scored)> {
        let w = self.weights();
        let other = self.profile(x);
        // Every need is compared with `x`: its class stays scattered.
        self.index.scatter(self.index.class_of[x], scratch);
        (0..best.len())
            .filter(|&j| !stale[j] && j != x)
            .filter_map(|j| {
                let me = self.profile(j);
                let top = &best[j];
                let last = (top.len() == EDGES_PER_NEED).then(|| top[EDGES_PER_NEED - 1].1);
                if me.org == other.org
                    || last.is_some_and(|l| profile::ceiling(w, &self.affinity, me, other) < l)
                {
                    return None;
                }
                let text = self.text_similarity_in(j, x, scratch);
                (text >= w.min_text).then(|| {
                    let (parts, _) = profile::contributions(w, &self.affinity, text, me, other);
                    (j, (x, profile::score(&parts)))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use crate::groups::results_found;
    use crate::search::tests::{look_alike_orgs, look_alikes};
    use crate::{Adopted, Engine, NeedInfo, Thesaurus, Weights};

    /// `needs` with every `step`-th need's other signals made worse: years later, and
    /// one topic of its own.
    fn worse(needs: &[NeedInfo], step: usize) -> Vec<NeedInfo> {
        let mut needs = needs.to_vec();
        for (k, n) in needs.iter_mut().enumerate().step_by(step) {
            n.needed_by = NaiveDate::from_ymd_opt(2031, 1 + (k % 12) as u32, 1);
            n.topics = vec!["gis".into()];
        }
        needs
    }

    /// Groups formed for `base`'s needs with every `from`-th made worse, re-formed after
    /// those are mended and every `to`-th is made worse instead: changed needs leave some
    /// needs' best matches and enter others'. The engine re-formed, how it took the
    /// groups, the one before, and the indices of the needs changed.
    fn regrouped(
        base: &Engine,
        from: usize,
        to: usize,
    ) -> (Engine, Option<Adopted>, Engine, Vec<usize>) {
        let before = anew(worse(base.needs(), from));
        before.cached_groups();
        let needs = worse(base.needs(), to);
        let changed = (0..needs.len())
            .filter(|&i| needs[i] != before.needs()[i])
            .collect();
        let after = Engine::updated(
            &before,
            Weights::default(),
            &Thesaurus::default(),
            needs,
            vec![],
            look_alike_orgs(),
        );
        let adopted = after.adopt_groups_of(&before);
        (after, adopted, before, changed)
    }

    /// An engine built anew for `needs` of the look-alikes' organisations.
    fn anew(needs: Vec<NeedInfo>) -> Engine {
        Engine::new(Weights::default(), needs, vec![], look_alike_orgs())
    }

    fn best_of(e: &Engine) -> Vec<Vec<(usize, f32)>> {
        e.grouped_matches().expect("groups formed")
    }

    /// Whether a changed need entered best matches that held no changed need before:
    /// what only taking in the changed needs (not searching again) finds.
    fn entered_elsewhere(before: &Engine, after: &Engine, changed: &[usize]) -> bool {
        let (before, after) = (best_of(before), best_of(after));
        (before.iter().zip(&after)).any(|(was, now)| {
            !was.iter().any(|m| changed.contains(&m.0))
                && now.iter().any(|m| changed.contains(&m.0))
        })
    }

    /// Where the search is exact, the groups re-formed after changes to some needs'
    /// dates and topics are those of a batch over every need: the same best matches,
    /// ties and all, and the same groups.
    #[test]
    fn regrouping_where_the_search_is_exact_forms_the_groups_formed_anew() {
        let base = look_alikes(600, true);
        let (after, adopted, before, changed) = regrouped(&base, 71, 73);
        assert!(!after.index.approximate());
        assert_eq!(adopted, Some(Adopted::Regrouped(16)));
        assert!(entered_elsewhere(&before, &after, &changed));
        let anew = anew(after.needs().to_vec());
        assert_eq!(best_of(&after), anew.best_matches_of_all());
        assert_eq!(after.cached_groups(), anew.groups().as_slice());
    }

    /// Above the exact size, the re-formed best matches hold what a batch over every
    /// need finds (at least its tenth best, ties counted as found).
    #[test]
    fn regrouping_above_the_exact_size_finds_what_the_batch_finds() {
        let base = look_alikes(3000, true);
        let (after, adopted, before, changed) = regrouped(&base, 353, 359);
        assert!(after.index.approximate());
        assert_eq!(adopted, Some(Adopted::Regrouped(16)));
        assert!(entered_elsewhere(&before, &after, &changed));
        let anew = anew(after.needs().to_vec());
        let (found, wanted) = results_found(&best_of(&after), &anew.best_matches_of_all());
        assert!(
            found as f64 >= 0.99 * wanted as f64,
            "{found} of {wanted} found"
        );
    }

    /// Too many changed needs are grouped anew.
    #[test]
    fn many_changed_needs_are_grouped_anew() {
        let (after, adopted, _, changed) = regrouped(&look_alikes(600, false), 2, 3);
        assert_eq!((adopted, changed.len()), (None, 300));
        assert!(after.formed().is_none());
    }
}
