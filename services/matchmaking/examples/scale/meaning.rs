//! `--meaning`: synthetic sentence embeddings for the generated needs, made from the
//! labelled needs' real multilingual-e5-small embeddings
//! (`tests/matchmaking/embeddings-e5-small.json`). A generated text is made of labelled
//! needs' titles and sentences; its embedding is theirs, mixed in the shares below, plus
//! a random direction of its own (the local detail, the sentences drawn).
//!
//! The shares were fitted against the real model: 1,500 needs of each generator at
//! 100,000, embedded by multilingual-e5-small (`tests/matchmaking/synthetic_meaning.py`
//! reproduces the comparison). Mean cosines, real against these embeddings:
//!
//! | generator | pairs | real | synthetic |
//! |---|---|---|---|
//! | families | same family | 0.970 | 0.955 |
//! | families | same first need | 0.925 | 0.928 |
//! | families | same second need | 0.903 | 0.900 |
//! | families | a need in the other place | 0.912 | 0.912 |
//! | families | no need shared | 0.868 | 0.874 |
//! | realistic | same title | 0.930 | 0.928 |
//! | realistic | other | 0.874 | 0.875 |

use std::collections::HashMap;
use std::sync::Arc;

use samverkan_matchmaking::NeedInfo;
use uuid::Uuid;

use crate::{Mix, embeddings_file};

/// The labelled needs a generated text is made of, by index in the labelled set, with
/// the share of the embedding each gives.
pub type Sources = Vec<(usize, f32)>;

/// Families: the second labelled need's share (the first gives 1): its title's words
/// and one sentence of three.
pub const SECOND_NEED: f32 = 0.7;
/// Realistic: the share of each labelled need one of the two borrowed sentences comes
/// from (the need of the title gives 1).
pub const BORROWED: f32 = 0.35;
/// Families: the length of a need's own random direction, after its sources' mix is
/// made unit length.
pub const OWN_FAMILIES: f32 = 0.22;
/// Realistic: the same.
pub const OWN_REALISTIC: f32 = 0.25;

/// Each need's synthetic embedding: the unit-length mix of its `sources`' real
/// embeddings (`labelled`, in the labelled set's order), plus a random direction `own`
/// long.
pub fn embeddings(
    needs: &[NeedInfo],
    sources: &[Sources],
    own: f32,
    labelled: &[Vec<f32>],
) -> HashMap<Uuid, Arc<[f32]>> {
    let dim = labelled[0].len();
    let unit: Vec<Vec<f32>> = labelled.iter().map(|v| unit_length(v.clone())).collect();
    needs
        .iter()
        .zip(sources)
        .enumerate()
        .map(|(i, (need, sources))| {
            let mut mix = vec![0.0f32; dim];
            for &(seed, share) in sources {
                for (m, x) in mix.iter_mut().zip(&unit[seed]) {
                    *m += share * x;
                }
            }
            let noise = direction(1_000_000 + i as u64, dim);
            let v: Vec<f32> = unit_length(mix)
                .iter()
                .zip(noise)
                .map(|(m, r)| m + own * r)
                .collect();
            (need.id, v.into())
        })
        .collect()
}

/// The labelled needs' real embeddings, in the order of `names` (the labelled set's
/// need names).
pub fn labelled(names: &[String]) -> Vec<Vec<f32>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/matchmaking/embeddings-e5-small.json"
    );
    let mut by_name =
        embeddings_file::read(std::path::Path::new(path)).expect("the labelled set's embeddings");
    names
        .iter()
        .map(|name| {
            by_name
                .remove(name)
                .expect("every labelled need has an embedding")
        })
        .collect()
}

fn unit_length(v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / norm).collect()
}

/// A unit vector of `dim` numbers from `seed` (the generators' [`Mix`], started apart
/// for every seed).
fn direction(seed: u64, dim: usize) -> Vec<f32> {
    let mut rng = Mix(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1));
    let v: Vec<f32> = (0..dim)
        .map(|_| (rng.next() >> 40) as f32 / (1u64 << 24) as f32 - 0.5)
        .collect();
    unit_length(v)
}
