//! Distinct texts and inverted indexes over them, for exact text similarity without
//! comparing every pair.
//!
//! Needs with the same title and text share one *text class*, analysed once. A query's
//! cosine against every class that shares a term is accumulated from the postings of its
//! terms (the sum over shared terms of the weight products), which is the exact cosine,
//! summed in the same order as [`Vector::cosine`], so it is bit-for-bit the same score.

use std::collections::HashMap;

use crate::text::Vector;

/// Needs grouped by identical text, with each class's vectors and postings.
pub struct TextIndex {
    /// need → its class.
    pub class_of: Vec<u32>,
    /// class → its needs, in input order.
    pub members: Vec<Vec<u32>>,
    /// class → stemmed-word vector.
    pub words: Vec<Vector>,
    /// class → character n-gram vector.
    pub grams: Vec<Vector>,
    word_postings: Vec<Vec<(u32, f32)>>,
    gram_postings: Vec<Vec<(u32, f32)>>,
}

/// Reusable accumulators for one query at a time (one per thread).
pub struct Scratch {
    words: Vec<f32>,
    grams: Vec<f32>,
    seen: Vec<bool>,
    touched: Vec<u32>,
}

/// Which class each text belongs to: (class of each text, first text of each class).
pub fn classes<'a>(texts: impl Iterator<Item = (&'a str, &'a str)>) -> (Vec<u32>, Vec<usize>) {
    let mut ids: HashMap<(&str, &str), u32> = HashMap::new();
    let mut first = Vec::new();
    let class_of = texts
        .enumerate()
        .map(|(i, key)| {
            *ids.entry(key).or_insert_with(|| {
                first.push(i);
                first.len() as u32 - 1
            })
        })
        .collect();
    (class_of, first)
}

fn postings(vectors: &[Vector], terms: usize) -> Vec<Vec<(u32, f32)>> {
    let mut out = vec![Vec::new(); terms];
    for (c, v) in vectors.iter().enumerate() {
        for &(t, w) in &v.0 {
            out[t as usize].push((c as u32, w));
        }
    }
    out
}

fn accumulate(query: &Vector, postings: &[Vec<(u32, f32)>], acc: &mut [f32], s: &mut Seen) {
    for &(t, qw) in &query.0 {
        for &(c, w) in &postings[t as usize] {
            acc[c as usize] += qw * w;
            s.mark(c);
        }
    }
}

/// The classes a query touched, marked once each.
struct Seen<'a> {
    seen: &'a mut [bool],
    touched: &'a mut Vec<u32>,
}

impl Seen<'_> {
    fn mark(&mut self, c: u32) {
        if !self.seen[c as usize] {
            self.seen[c as usize] = true;
            self.touched.push(c);
        }
    }
}

impl TextIndex {
    /// Indexes the classes' vectors; `word_terms` and `gram_terms` are the vocabulary sizes.
    pub fn new(
        class_of: Vec<u32>,
        words: Vec<Vector>,
        grams: Vec<Vector>,
        word_terms: usize,
        gram_terms: usize,
    ) -> Self {
        let mut members = vec![Vec::new(); words.len()];
        for (i, &c) in class_of.iter().enumerate() {
            members[c as usize].push(i as u32);
        }
        Self {
            word_postings: postings(&words, word_terms),
            gram_postings: postings(&grams, gram_terms),
            class_of,
            members,
            words,
            grams,
        }
    }

    /// Accumulators sized for this index.
    pub fn scratch(&self) -> Scratch {
        let n = self.words.len();
        Scratch {
            words: vec![0.0; n],
            grams: vec![0.0; n],
            seen: vec![false; n],
            touched: Vec::new(),
        }
    }

    /// The word and n-gram cosines of class `c` with every class sharing a term with it,
    /// as (class, word cosine, n-gram cosine), in no particular order.
    pub fn cosines(&self, c: u32, s: &mut Scratch) -> Vec<(u32, f32, f32)> {
        let mut seen = Seen {
            seen: &mut s.seen,
            touched: &mut s.touched,
        };
        accumulate(
            &self.words[c as usize],
            &self.word_postings,
            &mut s.words,
            &mut seen,
        );
        accumulate(
            &self.grams[c as usize],
            &self.gram_postings,
            &mut s.grams,
            &mut seen,
        );
        let out = s
            .touched
            .iter()
            .map(|&d| (d, s.words[d as usize], s.grams[d as usize]))
            .collect();
        for &d in &s.touched {
            s.words[d as usize] = 0.0;
            s.grams[d as usize] = 0.0;
            s.seen[d as usize] = false;
        }
        s.touched.clear();
        out
    }
}
