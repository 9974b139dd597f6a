//! Similarity in meaning: sentence embeddings of the needs' texts, made by a model the
//! operator runs. Words and character n-grams cannot see that "Robot för
//! försörjningsstöd" and "Mindre manuell handläggning av bistånd" are one need; a
//! multilingual embedding model puts them close. Optional: a need without an embedding
//! is compared by its words and n-grams alone (see docs/matching.md, *Meaning*).

use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use crate::weights::Weights;

/// The largest code of an embedding's number ([`ClassEmbeddings`]): codes run from
/// -127 to 127, so that a product fits 15 bits and a sum of many fits 32.
const CODE_MAX: f32 = 127.0;

/// The longest embedding compared: the sum of this many products of two codes still
/// fits an `i32` (127 × 127 × 131,072 < 2³¹). Models give a few hundred to a few
/// thousand numbers.
const MAX_DIM: usize = 131_072;

/// The embeddings of the text classes (needs with the same text share a class, and so
/// one embedding), each stored as one byte a number, side by side.
///
/// Why bytes: at families 100,000 with meaning, reading the embeddings was a fifth of
/// all groups' time, and most of it waited for memory (`perf`: the first product of
/// each line). A byte a number reads a quarter of the lines of an `f32`, and the 38 MB
/// of codes at 100,000 needs stand beside one another instead of behind a pointer each.
/// The rounding moves a cosine by about 0.0002 (at most 0.001 on the evaluation set's
/// multilingual-e5-small embeddings), against a closeness scale 0.09 wide (see
/// [`closeness`]).
pub(crate) struct ClassEmbeddings {
    /// Numbers in one embedding.
    dim: usize,
    /// Class `c`'s embedding in `codes[c * dim..(c + 1) * dim]`: each number as a whole
    /// multiple of the class's step (the largest number over [`CODE_MAX`]); zeros for a
    /// class without one.
    codes: Vec<i8>,
    /// The inverse of the length of class `c`'s codes, or 0 when it has no embedding.
    inverse_lengths: Vec<f32>,
    /// The embedding each class's codes were made from, if any: a later snapshot over
    /// the same classes copies the codes of those it is given again (see
    /// [`ClassEmbeddings::since`]).
    sources: Vec<Option<Arc<[f32]>>>,
}

impl ClassEmbeddings {
    /// [`ClassEmbeddings::since`] with nothing before.
    #[cfg(test)]
    pub(crate) fn new<I: IntoIterator<Item = Uuid>>(
        classes: usize,
        needs_of: impl Fn(usize) -> I,
        embeddings: &HashMap<Uuid, Arc<[f32]>>,
    ) -> Option<Arc<Self>> {
        Self::since(None, classes, needs_of, embeddings)
    }

    /// Each class's embedding, taken from its first need that has one (`needs_of(c)`: the
    /// ids of class `c`'s needs). An embedding of another length than the first
    /// one found (a model changed half-way), of zero length or not finite counts as
    /// missing, so that every pair compared is compared in one model's space. `None`
    /// when no class has one, or when the embeddings are longer than [`MAX_DIM`].
    ///
    /// `previous`, if given, was made for the same classes (the same needs, in the same
    /// classes): a class given the very embedding `previous` encoded for it
    /// takes its codes from there instead of encoding them again, and when every class
    /// is, `previous` itself is shared. Encoding every embedding anew was three quarters
    /// of a rebuild after a write that changed no text (0.3-0.5 s at 100,000 needs).
    pub(crate) fn since<I: IntoIterator<Item = Uuid>>(
        previous: Option<&Arc<Self>>,
        classes: usize,
        needs_of: impl Fn(usize) -> I,
        embeddings: &HashMap<Uuid, Arc<[f32]>>,
    ) -> Option<Arc<Self>> {
        let sources: Vec<Option<Arc<[f32]>>> = (0..classes)
            .map(|c| {
                needs_of(c)
                    .into_iter()
                    .find_map(|id| embeddings.get(&id).cloned())
            })
            .collect();
        let dim = sources.iter().flatten().map(|v| v.len()).find(|&d| d > 0)?;
        if dim > MAX_DIM {
            return None;
        }
        let previous = previous.filter(|p| p.dim == dim && p.sources.len() == classes);
        let kept = |c: usize| previous.filter(|p| same(&p.sources[c], &sources[c]));
        if let Some(p) = previous.filter(|_| (0..classes).all(|c| kept(c).is_some())) {
            return Some(Arc::clone(p));
        }
        let mut codes = vec![0i8; classes * dim];
        let inverse_lengths = (0..classes)
            .zip(codes.chunks_exact_mut(dim))
            .map(|(c, out)| match kept(c) {
                Some(p) => p.copy_codes(c, out),
                None => match sources[c].as_deref().filter(|v| v.len() == dim) {
                    Some(v) => encode(v, out),
                    None => 0.0,
                },
            })
            .collect();
        Some(Arc::new(Self {
            dim,
            codes,
            inverse_lengths,
            sources,
        }))
    }

    /// Copies class `c`'s codes to `out` and gives the inverse of their length.
    fn copy_codes(&self, c: usize, out: &mut [i8]) -> f32 {
        out.copy_from_slice(&self.codes[c * self.dim..(c + 1) * self.dim]);
        self.inverse_lengths[c]
    }

    /// The cosine of the embeddings of classes `a` and `b`, when both have one.
    pub(crate) fn cosine(&self, a: u32, b: u32) -> Option<f32> {
        let (a, b) = (a as usize, b as usize);
        let (na, nb) = (self.inverse_lengths[a], self.inverse_lengths[b]);
        if na == 0.0 || nb == 0.0 {
            return None;
        }
        let x = &self.codes[a * self.dim..(a + 1) * self.dim];
        let y = &self.codes[b * self.dim..(b + 1) * self.dim];
        Some(dot(x, y) as f32 * na * nb)
    }
}

/// Whether `a` and `b` are the very same shared value, or both none: what is shared
/// (a kept embedding, a snapshot's codes) is never changed in place, so the same one is
/// the same value, and telling so costs no comparison of its contents.
pub(crate) fn same<T: ?Sized>(a: &Option<Arc<T>>, b: &Option<Arc<T>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// Writes `v`'s codes to `out` (each number rounded to a whole multiple of the largest
/// one over [`CODE_MAX`]) and gives the inverse of the codes' length, or 0 when `v` is
/// zero or not finite (so counts as missing).
fn encode(v: &[f32], out: &mut [i8]) -> f32 {
    let largest = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if !(largest > 0.0 && largest.is_finite()) || v.iter().any(|x| !x.is_finite()) {
        return 0.0;
    }
    let step = largest / CODE_MAX;
    for (code, x) in out.iter_mut().zip(v) {
        // Within ±CODE_MAX by the choice of step, so the cast only drops the fraction.
        *code = (x / step).round().clamp(-CODE_MAX, CODE_MAX) as i8;
    }
    let length = (dot(out, out) as f64).sqrt();
    (1.0 / length) as f32
}

/// Codes multiplied side by side in [`dot`].
const LANES: usize = 16;

/// The dot product of two embeddings' codes, in [`LANES`] running sums: in that shape
/// the compiler multiplies and adds pairs of codes sixteen at a time (`pmaddwd`), where
/// the plain sum took eight and twice the instructions (1.5 times the time over random
/// pairs). Whole numbers add up exactly in any order, so the search and the brute force
/// it is measured against always agree.
fn dot(x: &[i8], y: &[i8]) -> i32 {
    let (xs, x_rest) = x.as_chunks::<LANES>();
    let (ys, y_rest) = y.as_chunks::<LANES>();
    let mut sums = [0i32; LANES];
    for (a, b) in xs.iter().zip(ys) {
        for k in 0..LANES {
            sums[k] += i32::from(a[k]) * i32::from(b[k]);
        }
    }
    let rest: i32 = x_rest
        .iter()
        .zip(y_rest)
        .map(|(&p, &q)| i32::from(p) * i32::from(q))
        .sum();
    sums.iter().sum::<i32>() + rest
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

    /// Over the same classes, a snapshot given the same embeddings shares the previous
    /// codes; one given a new embedding for one class encodes that class anew and keeps
    /// the others' codes, with the cosines of a fresh encoding.
    #[test]
    fn the_same_embeddings_are_not_encoded_again() {
        let id = ids(3);
        let first: HashMap<Uuid, Arc<[f32]>> = HashMap::from([
            (id[0], vec![1.0, 0.0].into()),
            (id[1], vec![0.0, 1.0].into()),
        ]);
        let classes = |c: usize| [id[c]];
        let before = ClassEmbeddings::new(3, classes, &first).unwrap();
        let again = ClassEmbeddings::since(Some(&before), 3, classes, &first.clone()).unwrap();
        assert!(Arc::ptr_eq(&before, &again));

        // Class 1's embedding changed (a new text embedded), class 2 gained one.
        let mut second = first.clone();
        second.insert(id[1], vec![1.0, 1.0].into());
        second.insert(id[2], vec![1.0, 0.0].into());
        let after = ClassEmbeddings::since(Some(&before), 3, classes, &second).unwrap();
        let fresh = ClassEmbeddings::new(3, classes, &second).unwrap();
        assert!(!Arc::ptr_eq(&before, &after));
        for (a, b) in [(0, 1), (0, 2), (1, 2), (1, 1)] {
            assert_eq!(after.cosine(a, b), fresh.cosine(a, b), "{a}, {b}");
        }
        assert!((after.cosine(0, 1).unwrap() - std::f32::consts::FRAC_1_SQRT_2).abs() < 0.01);
        assert_eq!(before.cosine(0, 1), Some(0.0));
        assert!(before.cosine(0, 2).is_none());

        // A model of another length: nothing is taken from before.
        let other: HashMap<Uuid, Arc<[f32]>> = HashMap::from([(id[0], vec![1.0; 3].into())]);
        let changed = ClassEmbeddings::since(Some(&before), 3, classes, &other).unwrap();
        assert_eq!(changed.dim, 3);
        assert!(changed.cosine(0, 1).is_none());
    }

    /// The cosine of two embeddings stored a byte a number stays within 0.002 of the
    /// cosine in full precision, for embeddings shaped like a sentence model's (a shared
    /// direction, near 0.8 apart, and a few numbers much larger than the rest), and for
    /// lengths with and without a remainder.
    #[test]
    fn cosines_of_the_codes_are_close_to_the_embeddings_cosines() {
        let id = ids(2);
        for len in [1, 15, 16, 17, 384, 385, 1024] {
            let shape = |i: usize, seed: usize| {
                let spike = if i % 97 == 5 { 8.0 } else { 0.0 };
                let own = ((i * seed % 101) as f32 / 101.0 * 6.3).sin();
                1.0 + spike + 0.6 * own
            };
            let x: Vec<f32> = (0..len).map(|i| shape(i, 37)).collect();
            let y: Vec<f32> = (0..len).map(|i| shape(i, 53)).collect();
            let full = {
                let d: f64 = x.iter().zip(&y).map(|(p, q)| f64::from(p * q)).sum();
                let n = |v: &[f32]| v.iter().map(|p| f64::from(p * p)).sum::<f64>().sqrt();
                d / (n(&x) * n(&y))
            };
            let embeddings = HashMap::from([(id[0], x.into()), (id[1], y.into())]);
            let e = ClassEmbeddings::new(2, |c| [id[c]], &embeddings).unwrap();
            let coded = f64::from(e.cosine(0, 1).unwrap());
            assert!(
                (coded - full).abs() < 0.002,
                "{len}: {coded} against {full}"
            );
            assert!((f64::from(e.cosine(1, 1).unwrap()) - 1.0).abs() < 1e-6);
        }
    }

    /// An embedding with a number that is not finite, or all zeros, counts as missing.
    #[test]
    fn embeddings_that_are_not_finite_or_zero_are_missing() {
        let id = ids(3);
        let embeddings: HashMap<Uuid, Arc<[f32]>> = HashMap::from([
            (id[0], vec![1.0, 2.0].into()),
            (id[1], vec![f32::NAN, 1.0].into()),
            (id[2], vec![0.0, 0.0].into()),
        ]);
        let e = ClassEmbeddings::new(3, |c| [id[c]], &embeddings).unwrap();
        assert!(e.cosine(0, 0).is_some());
        assert_eq!(e.cosine(0, 1), None);
        assert_eq!(e.cosine(0, 2), None);
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
