//! Average-linkage clustering with one member per organisation, over sparse edges.
//!
//! The strongest pairs are joined first; two clusters merge only while the mean value
//! over all their cross pairs (a pair without an edge counts 0) stays at or above the
//! threshold, and never so that one organisation has two members: a group is one
//! collaboration with one need per organisation. Unlike connected components, this does
//! not chain unrelated needs through a shared neighbour.

use rayon::slice::ParallelSliceMut;

use crate::vectors::FxMap;

/// A weighted pair of items, `a < b`.
pub type Edge = ((usize, usize), f32);

/// Clusters `n` items (item `i` belongs to organisation `org[i]`) over `edges`; returns
/// the clusters of two or more, each sorted, in a deterministic order.
pub fn average_linkage(org: &[u32], edges: &[Edge], threshold: f32) -> Vec<Vec<usize>> {
    let value: FxMap<(usize, usize), f32> = edges.iter().copied().collect();
    let mut order: Vec<Edge> = edges.iter().copied().filter(|e| e.1 >= threshold).collect();
    // Ties broken by position, so the same input always gives the same clusters; each
    // pair once, so the order is total and sorting it unstably, on all cores, gives that
    // order (the linkage after it is serial: 800,000 edges at 100,000 needs).
    order.par_sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut cluster: Vec<usize> = (0..org.len()).collect();
    // The members of each cluster, by the item it is named after; empty once merged
    // into another.
    let mut members: Vec<Vec<usize>> = (0..org.len()).map(|i| vec![i]).collect();
    for ((i, j), _) in order {
        let (ci, cj) = (cluster[i], cluster[j]);
        if ci == cj {
            continue;
        }
        let (a, b) = (&members[ci], &members[cj]);
        if shares_org(org, a, b) || mean(&value, a, b) < threshold {
            continue;
        }
        let b = std::mem::take(&mut members[cj]);
        for &y in &b {
            cluster[y] = ci;
        }
        members[ci].extend(b);
    }
    let mut out: Vec<Vec<usize>> = members
        .into_iter()
        .filter(|m| m.len() >= 2)
        .map(|mut m| {
            m.sort_unstable();
            m
        })
        .collect();
    out.sort();
    out
}

fn shares_org(org: &[u32], a: &[usize], b: &[usize]) -> bool {
    a.iter().any(|&x| b.iter().any(|&y| org[x] == org[y]))
}

fn mean(value: &FxMap<(usize, usize), f32>, a: &[usize], b: &[usize]) -> f32 {
    let total: f32 = a
        .iter()
        .flat_map(|&x| b.iter().map(move |&y| (x.min(y), x.max(y))))
        .map(|k| value.get(&k).copied().unwrap_or(0.0))
        .sum();
    total / (a.len() * b.len()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_item_per_organisation() {
        // 0 and 2 belong to the same organisation: they never share a cluster, however
        // strong their links.
        let org = [1, 2, 1];
        let edges = [((0, 1), 0.9), ((1, 2), 0.9), ((0, 2), 0.9)];
        let clusters = average_linkage(&org, &edges, 0.3);
        assert_eq!(clusters, vec![vec![0, 1]]);
    }

    #[test]
    fn a_weak_link_does_not_chain_clusters() {
        // 0-1 and 2-3 are strong pairs; one link 1-2 above the threshold is not enough to
        // merge the pairs, since the mean over the four cross pairs is low.
        let org = [1, 2, 3, 4];
        let edges = [((0, 1), 0.9), ((2, 3), 0.9), ((1, 2), 0.5)];
        let clusters = average_linkage(&org, &edges, 0.3);
        assert_eq!(clusters, vec![vec![0, 1], vec![2, 3]]);
    }

    #[test]
    fn the_same_edges_in_any_order_give_the_same_clusters() {
        let org = [1, 2, 3, 4, 5];
        let mut edges = vec![
            ((0, 1), 0.5),
            ((1, 2), 0.5),
            ((0, 2), 0.5),
            ((3, 4), 0.5),
            ((2, 3), 0.5),
        ];
        let first = average_linkage(&org, &edges, 0.3);
        edges.reverse();
        assert_eq!(average_linkage(&org, &edges, 0.3), first);
    }
}
