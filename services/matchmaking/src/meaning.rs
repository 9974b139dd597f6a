//! Similarity in meaning: sentence embeddings of the needs' texts, made by a model the
//! operator runs. Words and character n-grams cannot see that "Robot för
//! försörjningsstöd" and "Mindre manuell handläggning av bistånd" are one need; a
//! multilingual embedding model puts them close. Optional: a need without an embedding
//! is compared by its words and n-grams alone (see docs/matching.md, *Meaning*).

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use crate::weights::Weights;

/// The embeddings of the text classes (needs with the same text share a class, and so
/// one embedding), shared with the caller rather than copied: at 100,000 needs they are
/// 150 MB, which the service keeps anyway.
pub(crate) struct ClassEmbeddings {
    /// Each class's embedding, with the inverse of its length.
    vectors: Vec<Option<(Arc<[f32]>, f32)>>,
}

impl ClassEmbeddings {
    /// Each class's embedding, taken from its first need that has one (`needs_of(c)`: the
    /// ids of class `c`'s needs). An embedding of another length than the first
    /// one found (a model changed half-way), of zero length or not finite counts as
    /// missing, so that every pair compared is compared in one model's space. `None`
    /// when no class has one.
    pub(crate) fn new<I: IntoIterator<Item = Uuid>>(
        classes: usize,
        needs_of: impl Fn(usize) -> I,
        embeddings: &HashMap<Uuid, Arc<[f32]>>,
    ) -> Option<Self> {
        let found: Vec<Option<&Arc<[f32]>>> = (0..classes)
            .map(|c| needs_of(c).into_iter().find_map(|id| embeddings.get(&id)))
            .collect();
        let dim = found.iter().flatten().map(|v| v.len()).find(|&d| d > 0)?;
        let vectors = found
            .into_iter()
            .map(|v| {
                let v = v.filter(|v| v.len() == dim)?;
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
                (norm > 0.0 && norm.is_finite()).then(|| (v.clone(), 1.0 / norm))
            })
            .collect();
        Some(Self { vectors })
    }

    /// The cosine of the embeddings of classes `a` and `b`, when both have one.
    pub(crate) fn cosine(&self, a: u32, b: u32) -> Option<f32> {
        let (x, nx) = self.vectors[a as usize].as_ref()?;
        let (y, ny) = self.vectors[b as usize].as_ref()?;
        Some(dot(x, y) * nx * ny)
    }
}

/// Running sums in [`dot`]: independent chains the processor overlaps.
const LANES: usize = 16;

/// The dot product of two embeddings, summed in [`LANES`] running sums and then across
/// them. Summed one product after another, each addition waited for the one before: at
/// families 100,000 with meaning that chain was a third of the run (`perf`). The order
/// is fixed, so the same two vectors always give the same figure, in the search and in
/// the brute force it is measured against.
fn dot(x: &[f32], y: &[f32]) -> f32 {
    let (xs, x_rest) = x.as_chunks::<LANES>();
    let (ys, y_rest) = y.as_chunks::<LANES>();
    let mut sums = [0.0f32; LANES];
    for (a, b) in xs.iter().zip(ys) {
        for k in 0..LANES {
            sums[k] += a[k] * b[k];
        }
    }
    let rest: f32 = x_rest.iter().zip(y_rest).map(|(p, q)| p * q).sum();
    sums.iter().sum::<f32>() + rest
}

/// An embedding cosine on the scale of the text signal: 0 at or below
/// [`Weights::meaning_floor`] (where a model puts unrelated texts), 1 at or above
/// [`Weights::meaning_full`].
pub(crate) fn closeness(w: &Weights, cosine: f32) -> f32 {
    ((cosine - w.meaning_floor) / (w.meaning_full - w.meaning_floor)).clamp(0.0, 1.0)
}

/// The text similarity of two texts whose words and n-grams give `lexical` and whose
/// meaning gives `closeness` (see [`closeness`]), when both have an embedding. Grows with
/// `lexical`, so a lower bound of `lexical` gives a lower bound of the blend.
pub(crate) fn blend(w: &Weights, lexical: f32, closeness: Option<f32>) -> f32 {
    match closeness {
        Some(m) => (1.0 - w.meaning_share) * lexical + w.meaning_share * m,
        None => lexical,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> Vec<Uuid> {
        (1..=n).map(Uuid::from_u128).collect()
    }

    #[test]
    fn classes_take_their_needs_embedding_at_unit_length() {
        let id = ids(4);
        let embeddings: HashMap<Uuid, Arc<[f32]>> = HashMap::from([
            (id[0], vec![3.0, 4.0].into()),
            (id[1], vec![0.0, 2.0].into()),
            (id[3], vec![1.0, 0.0, 0.0].into()),
        ]);
        // Class 0: needs 1 and 2 (the first with an embedding counts); class 1: need 3
        // (none); class 2: need 4 (another length).
        let classes = [vec![id[0], id[1]], vec![id[2]], vec![id[3]]];
        let e = ClassEmbeddings::new(3, |c| classes[c].clone(), &embeddings).unwrap();
        assert!((e.cosine(0, 0).unwrap() - 1.0).abs() < 1e-6);
        assert_eq!(e.cosine(0, 1), None);
        assert_eq!(e.cosine(2, 0), None);
        assert!(ClassEmbeddings::new(1, |_| vec![id[2]], &embeddings).is_none());
    }

    /// The dot product in running sums is the dot product: exact where every sum is
    /// (small integers), and within rounding of the sum taken in order elsewhere, for
    /// lengths with and without a remainder.
    #[test]
    fn embeddings_dot_products_are_dot_products() {
        for len in [0, 1, 15, 16, 17, 384, 385] {
            let x: Vec<f32> = (0..len).map(|i| (i % 7) as f32 - 3.0).collect();
            let y: Vec<f32> = (0..len).map(|i| (i % 5) as f32).collect();
            let exact: f32 = x.iter().zip(&y).map(|(p, q)| p * q).sum();
            assert_eq!(dot(&x, &y), exact, "{len}");
            let x: Vec<f32> = (0..len)
                .map(|i| ((i * 37 % 101) as f32 / 101.0).sin())
                .collect();
            let y: Vec<f32> = (0..len)
                .map(|i| ((i * 53 % 97) as f32 / 97.0).cos())
                .collect();
            let in_order: f64 = x.iter().zip(&y).map(|(p, q)| f64::from(p * q)).sum();
            assert!((f64::from(dot(&x, &y)) - in_order).abs() < 1e-4, "{len}");
        }
    }

    #[test]
    fn closeness_runs_from_the_floor_to_full() {
        let w = Weights::default();
        assert_eq!(closeness(&w, 0.5), 0.0);
        assert_eq!(closeness(&w, w.meaning_floor), 0.0);
        assert!((closeness(&w, (w.meaning_floor + w.meaning_full) / 2.0) - 0.5).abs() < 1e-5);
        assert_eq!(closeness(&w, 0.99), 1.0);
    }

    #[test]
    fn meaning_counts_only_when_both_have_it() {
        let w = Weights::default();
        assert_eq!(blend(&w, 0.3, None), 0.3);
        let both = blend(&w, 0.1, Some(1.0));
        assert!((both - (0.8 * 0.1 + 0.2)).abs() < 1e-6, "{both}");
    }
}
