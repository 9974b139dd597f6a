#!/usr/bin/env python3
"""Validates the matchmaking evaluation set (eval.json beside this file) and prints its counts.

Run from the repository root:  python3 tests/matchmaking/validate.py
Exit status 0 when every check passes, 1 otherwise. Warnings do not fail the run.

With --baseline it also scores two naive rankers (TF-IDF over title and description
without stemming; Jaccard over topics) with the metrics defined in README.md, as a
floor to compare the engine with and as a reference implementation of the metrics.
"""
import math
import csv
import itertools
import json
import os
import re
import sys
from collections import Counter, defaultdict
from datetime import date

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.join(HERE, "eval.json")
REPO = os.path.dirname(os.path.dirname(HERE))
CSV_CANDIDATES = [
    os.path.join(REPO, "services", "store", "reference", "skane-municipalities.csv"),
    "/work/shared/reference/skane-municipalities.csv",
]
REGIONAL = {"region-skane"}

ACTIVITY_AREAS = {"omsorg", "socialtjanst", "skola", "samhallsbyggnad", "kultur_fritid", "miljo", "teknik",
                  "ledning_stod", "naringsliv", "medborgarservice"}
TOPICS = {"e_arkiv", "iot", "automation", "gis", "e_tjanster", "informationssakerhet", "valfardsteknik",
          "skolplattform", "ai", "oppna_data", "bredband", "arendehantering", "integration", "identitet",
          "ekonomi_hr", "e_handel", "digital_kompetens", "infrastruktur"}
LEVELS = {"samverkan", "samordning", "samutveckling"}
KINDS = {"software", "e_service", "process_automation", "framework_agreement", "template_policy", "other"}
MATURITIES = {"idea", "pilot", "production", "in_use_by_several"}

MIN = {"needs": 150, "orgs": 20, "groups": 30, "singletons": 30, "hard_negatives": 15, "solutions": 25}
MAX = {"groups": 40, "solutions": 40}
GROUP_SIZE = (2, 6)

NEED_KEYS = ["id", "org", "title", "description", "activity_area", "topics", "needed_from", "needed_by",
             "budget_max_sek", "collaboration_level", "group", "note"]
SOL_KEYS = ["id", "org", "name", "description", "kind", "maturity", "topics", "adopters", "serves"]

errors = []
warnings = []


def err(msg):
    errors.append(msg)


def warn(msg):
    warnings.append(msg)


def load_municipalities():
    for path in CSV_CANDIDATES:
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            return {r["scb_code"]: r for r in rows}, path
    print("cannot find skane-municipalities.csv in " + ", ".join(CSV_CANDIDATES))
    sys.exit(1)


def parse_date(value, where):
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        err(f"{where}: date {value!r} is not YYYY-MM-DD")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        err(f"{where}: date {value!r} does not exist")
        return None


def check_topics(topics, where):
    if not isinstance(topics, list) or not 1 <= len(topics) <= 5:
        err(f"{where}: topics must be a list of 1-5 codes, got {topics!r}")
        return
    if len(set(topics)) != len(topics):
        err(f"{where}: duplicate topics {topics}")
    for t in topics:
        if t not in TOPICS:
            err(f"{where}: unknown topic {t!r}")


SUBREGIONS = ("Familjen Helsingborg", "Malmö-Lundaregionen", "Skåne Nordost", "Sydöstra Skåne")


def strip_subregions(text):
    for name in SUBREGIONS:
        text = text.replace(name, " ")
    return text


def name_pattern(name):
    # "Lund" must not match "Lundaregionen"; allow the genitive s.
    return re.compile(r"(?<![\wÅÄÖåäö-])" + re.escape(name) + r"s?(?![\wÅÄÖåäö])")


def main():
    munis, csv_path = load_municipalities()
    valid_orgs = set(munis) | REGIONAL
    name_res = {code: name_pattern(r["name"]) for code, r in munis.items()}

    try:
        with open(EVAL, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        print(f"eval.json does not parse: {e}")
        return 1

    for key in ("needs", "solutions", "hard_negatives"):
        if not isinstance(doc.get(key), list):
            err(f"top level: '{key}' must be a list")
    if errors:
        return report(None)
    needs, sols, hns = doc["needs"], doc["solutions"], doc["hard_negatives"]

    # ---- needs ----------------------------------------------------------
    by_id = {}
    for i, n in enumerate(needs):
        where = f"need[{i}] {n.get('id')}"
        missing = [k for k in NEED_KEYS if k not in n]
        if missing:
            err(f"{where}: missing keys {missing}")
            continue
        if not re.fullmatch(r"n\d{3}", str(n["id"])):
            err(f"{where}: id must look like n001")
        if n["id"] in by_id:
            err(f"{where}: duplicate id")
        by_id[n["id"]] = n
        if n["org"] not in valid_orgs:
            err(f"{where}: org {n['org']!r} is neither an SCB code in {csv_path} nor one of {sorted(REGIONAL)}")
        for k in ("title", "description", "note"):
            if not isinstance(n[k], str) or not n[k].strip():
                err(f"{where}: {k} must be non-empty text")
        if n["activity_area"] not in ACTIVITY_AREAS:
            err(f"{where}: unknown activity_area {n['activity_area']!r}")
        check_topics(n["topics"], where)
        if n["collaboration_level"] not in LEVELS:
            err(f"{where}: unknown collaboration_level {n['collaboration_level']!r}")
        d_from = parse_date(n["needed_from"], where)
        d_by = parse_date(n["needed_by"], where)
        if d_from and d_by and d_from > d_by:
            err(f"{where}: needed_from {d_from} is after needed_by {d_by}")
        b = n["budget_max_sek"]
        if b is not None and (not isinstance(b, str) or not re.fullmatch(r"\d+\.\d{2}", b)):
            err(f"{where}: budget_max_sek {b!r} must be a decimal string like '450000.00' or null")
        g = n["group"]
        if g is not None and not (isinstance(g, str) and re.fullmatch(r"g\d{2}", g)):
            err(f"{where}: group {g!r} must look like g01 or be null")
        # A municipality named in the text should be the need's own (others would leak the answer).
        text = strip_subregions(n["title"] + " " + n["description"])
        for code, rx in name_res.items():
            if code != n["org"] and rx.search(text):
                warn(f"{where}: text names {munis[code]['name']} but org is {n['org']}")

    # ---- groups ---------------------------------------------------------
    groups = defaultdict(list)
    for n in needs:
        if n.get("group"):
            groups[n["group"]].append(n)
    for g, members in sorted(groups.items()):
        if not GROUP_SIZE[0] <= len(members) <= GROUP_SIZE[1]:
            err(f"group {g}: has {len(members)} members, expected {GROUP_SIZE[0]}-{GROUP_SIZE[1]}")
        orgs = [m["org"] for m in members]
        dup = [o for o, c in Counter(orgs).items() if c > 1]
        if dup:
            err(f"group {g}: organisation(s) {dup} appear more than once (a municipality does not collaborate with itself)")

    # ---- hard negatives -------------------------------------------------
    seen_pairs = set()
    for i, h in enumerate(hns):
        where = f"hard_negative[{i}]"
        a, b = h.get("a"), h.get("b")
        if a not in by_id or b not in by_id:
            err(f"{where}: unknown need id(s) {a!r}, {b!r}")
            continue
        if a == b:
            err(f"{where}: a and b are the same need")
        pair = frozenset((a, b))
        if pair in seen_pairs:
            err(f"{where}: duplicate pair {a}/{b}")
        seen_pairs.add(pair)
        ga, gb = by_id[a]["group"], by_id[b]["group"]
        if ga is not None and ga == gb:
            err(f"{where}: {a} and {b} are both in group {ga}")
        if not isinstance(h.get("why"), str) or not h["why"].strip():
            err(f"{where}: 'why' must be non-empty text")

    # ---- solutions ------------------------------------------------------
    sol_ids = set()
    needs_by_org = defaultdict(set)
    for n in needs:
        needs_by_org[n["org"]].add(n["id"])
    for i, s in enumerate(sols):
        where = f"solution[{i}] {s.get('id')}"
        missing = [k for k in SOL_KEYS if k not in s]
        if missing:
            err(f"{where}: missing keys {missing}")
            continue
        if not re.fullmatch(r"s\d{2}", str(s["id"])):
            err(f"{where}: id must look like s01")
        if s["id"] in sol_ids:
            err(f"{where}: duplicate id")
        sol_ids.add(s["id"])
        if s["org"] not in valid_orgs:
            err(f"{where}: unknown org {s['org']!r}")
        if s["kind"] not in KINDS:
            err(f"{where}: unknown kind {s['kind']!r}")
        if s["maturity"] not in MATURITIES:
            err(f"{where}: unknown maturity {s['maturity']!r}")
        check_topics(s["topics"], where)
        for o in s["adopters"]:
            if o not in valid_orgs:
                err(f"{where}: unknown adopter {o!r}")
        if s["org"] in s["adopters"]:
            err(f"{where}: the owner is listed as an adopter")
        if len(set(s["adopters"])) != len(s["adopters"]):
            err(f"{where}: duplicate adopters")
        serves = s["serves"]
        look = s.get("look_alike_for", [])
        for nid in serves + look:
            if nid not in by_id:
                err(f"{where}: unknown need id {nid!r} in serves/look_alike_for")
        if set(serves) & set(look):
            err(f"{where}: {sorted(set(serves) & set(look))} both served and look-alike")
        # An organisation that owns or already uses a solution does not register a need it serves.
        for o in [s["org"]] + s["adopters"]:
            clash = needs_by_org[o] & set(serves)
            if clash:
                err(f"{where}: {o} owns/uses the solution but has need(s) {sorted(clash)} that it serves")
        text = strip_subregions(s["name"] + " " + s["description"])
        for code, rx in name_res.items():
            if code != s["org"] and rx.search(text):
                warn(f"{where}: text names {munis[code]['name']} but owner is {s['org']}")

    return report((needs, sols, hns, groups, by_id))


def report(data):
    if data is not None:
        needs, sols, hns, groups, by_id = data
        orgs = Counter(n["org"] for n in needs)
        sizes = Counter(len(m) for m in groups.values())
        singletons = [n for n in needs if n["group"] is None]
        grouped = len(needs) - len(singletons)
        hn_needs = {h["a"] for h in hns} | {h["b"] for h in hns}
        hn_single = {x for x in hn_needs if by_id.get(x, {}).get("group") is None}
        served = set(itertools.chain.from_iterable(s["serves"] for s in sols))
        n_pairs = sum(len(m) * (len(m) - 1) // 2 for m in groups.values())
        counts = {
            "needs": len(needs),
            "orgs": len(orgs),
            "groups": len(groups),
            "singletons": len(singletons),
            "hard_negatives": len(hns),
            "solutions": len(sols),
        }
        for k, v in MIN.items():
            if counts[k] < v:
                err(f"count: {k} = {counts[k]}, minimum {v}")
        for k, v in MAX.items():
            if counts[k] > v:
                err(f"count: {k} = {counts[k]}, maximum {v}")

        print(f"needs:                 {len(needs)}  (in groups {grouped}, singletons {len(singletons)})")
        print(f"organisations:         {len(orgs)}  (municipalities {len([o for o in orgs if o not in REGIONAL])}, "
              f"regional {len([o for o in orgs if o in REGIONAL])}; most needs: "
              + ", ".join(f"{o} {c}" for o, c in orgs.most_common(3)) + ")")
        print(f"groups:                {len(groups)}  by size: "
              + ", ".join(f"{k}: {sizes[k]}" for k in sorted(sizes)))
        print(f"true need pairs:       {n_pairs}")
        print(f"hard negative pairs:   {len(hns)}  (distinct needs {len(hn_needs)}, of which singletons {len(hn_single)})")
        print(f"solutions:             {len(sols)}  (serving none: {sum(1 for s in sols if not s['serves'])}; "
              f"kinds: " + ", ".join(f"{k} {c}" for k, c in sorted(Counter(s['kind'] for s in sols).items())) + ")")
        print(f"needs with a serving solution: {len(served)}  (grouped {len([x for x in served if by_id[x]['group']])}, "
              f"singletons {len([x for x in served if not by_id[x]['group']])})")
        # How far topics alone separate true pairs from hard negatives (they should not, by much).
        true_pairs = [(a, b) for m in groups.values() for a, b in itertools.combinations(m, 2)]
        hn_pairs = [(by_id[h["a"]], by_id[h["b"]]) for h in hns]

        def jac(a, b):
            x, y = set(a["topics"]), set(b["topics"])
            return len(x & y) / len(x | y)
        if true_pairs and hn_pairs:
            print(f"topics, true pairs:    identical {sum(1 for a, b in true_pairs if set(a['topics']) == set(b['topics']))}, "
                  f"none shared {sum(1 for a, b in true_pairs if not set(a['topics']) & set(b['topics']))}, "
                  f"mean Jaccard {sum(jac(a, b) for a, b in true_pairs) / len(true_pairs):.2f}; "
                  f"different activity area {sum(1 for a, b in true_pairs if a['activity_area'] != b['activity_area'])}")
            print(f"topics, hard negs:     share >=1 topic {sum(1 for a, b in hn_pairs if set(a['topics']) & set(b['topics']))}, "
                  f"mean Jaccard {sum(jac(a, b) for a, b in hn_pairs) / len(hn_pairs):.2f}; "
                  f"same activity area {sum(1 for a, b in hn_pairs if a['activity_area'] == b['activity_area'])}")
        print("activity areas:        " + ", ".join(f"{k} {c}" for k, c in sorted(Counter(n['activity_area'] for n in needs).items())))
        years = Counter(n["needed_by"][:4] for n in needs if n["needed_by"])
        print("needed_by years:       " + ", ".join(f"{k} {c}" for k, c in sorted(years.items()))
              + f", none {sum(1 for n in needs if not n['needed_by'])}")
    for w in warnings:
        print("WARNING " + w)
    for e in errors:
        print("ERROR " + e)
    print("OK" if not errors else f"FAILED: {len(errors)} error(s)")
    return 0 if not errors else 1


# ---------------------------------------------------------------- metrics
def precision_at_5(needs, score):
    """Mean over needs with >=1 true partner of |top5 ∩ partners| / min(5, |partners|).
    Candidates are needs of other organisations."""
    vals = []
    for n in needs:
        partners = {m["id"] for m in needs if n["group"] and m["group"] == n["group"] and m["id"] != n["id"]}
        if not partners:
            continue
        cands = [m for m in needs if m["org"] != n["org"]]
        top = sorted(cands, key=lambda m: (-score(n, m), m["id"]))[:5]
        vals.append(sum(1 for m in top if m["id"] in partners) / min(5, len(partners)))
    return sum(vals) / len(vals)


def pairwise_pr(needs, predicted_groups):
    """Pairwise precision and recall over unordered need pairs in the same predicted / true group."""
    truth = {frozenset((a["id"], b["id"])) for a, b in itertools.combinations(needs, 2)
             if a["group"] and a["group"] == b["group"]}
    pred = {frozenset(p) for g in predicted_groups for p in itertools.combinations(sorted(g), 2)}
    tp = len(truth & pred)
    return (tp / len(pred) if pred else 0.0), (tp / len(truth) if truth else 0.0)


def hard_negative_intrusion(needs, hard_negatives, score):
    """Share of hard-negative pairs where b is in a's top 5 or a is in b's top 5."""
    by_id = {n["id"]: n for n in needs}

    def top5(q):
        cands = [m for m in needs if m["org"] != q["org"]]
        return {m["id"] for m in sorted(cands, key=lambda m: (-score(q, m), m["id"]))[:5]}
    hits = sum(1 for h in hard_negatives
               if h["b"] in top5(by_id[h["a"]]) or h["a"] in top5(by_id[h["b"]]))
    return hits / len(hard_negatives)


def hit_at_3(needs, sols, score):
    """Share of needs with >=1 serving solution that have a serving solution in their top 3."""
    served = defaultdict(set)
    for s in sols:
        for nid in s["serves"]:
            served[nid].add(s["id"])
    by_id = {n["id"]: n for n in needs}
    hits = 0
    for nid, good in served.items():
        top = sorted(sols, key=lambda s: (-score(by_id[nid], s), s["id"]))[:3]
        hits += any(s["id"] in good for s in top)
    return hits / len(served)


def baseline():
    with open(EVAL, encoding="utf-8") as f:
        doc = json.load(f)
    needs, sols = doc["needs"], doc["solutions"]

    def tokens(text):
        return re.findall(r"[a-zåäöéü0-9]+", text.lower())
    docs = [n["title"] + " " + n["description"] for n in needs] + [s["name"] + " " + s["description"] for s in sols]
    toks = [tokens(t) for t in docs]
    df = Counter(w for t in toks for w in set(t))
    vecs = []
    for t in toks:
        v = {w: (1 + math.log(c)) * math.log(len(docs) / df[w]) for w, c in Counter(t).items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vecs.append({w: x / norm for w, x in v.items()})
    vec = {n["id"]: vecs[i] for i, n in enumerate(needs)}
    vec.update({s["id"]: vecs[len(needs) + i] for i, s in enumerate(sols)})

    def tfidf(a, b):
        va, vb = vec[a["id"]], vec[b["id"]]
        return sum(x * vb.get(w, 0.0) for w, x in va.items())

    def topics(a, b):
        x, y = set(a["topics"]), set(b["topics"])
        return len(x & y) / len(x | y)

    def groups_by_threshold(score, t):
        parent = {n["id"]: n["id"] for n in needs}

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        for a, b in itertools.combinations(needs, 2):
            if a["org"] != b["org"] and score(a, b) >= t:
                parent[find(a["id"])] = find(b["id"])
        comps = defaultdict(set)
        for n in needs:
            comps[find(n["id"])].add(n["id"])
        return [g for g in comps.values() if len(g) > 1]

    print("baseline                 P@5 need-need   hit@3 need-solution   hard-negative intrusion")
    for name, f in (("tfidf (title+desc)", tfidf), ("topics (Jaccard)", topics)):
        print(f"  {name:22} {precision_at_5(needs, f):.3f}           {hit_at_3(needs, sols, f):.3f}"
              f"                 {hard_negative_intrusion(needs, doc['hard_negatives'], f):.3f}")
    for t in (0.08, 0.12, 0.16):
        p, r = pairwise_pr(needs, groups_by_threshold(tfidf, t))
        print(f"  tfidf single-link groups at cosine >= {t:.2f}: pairwise precision {p:.3f}, recall {r:.3f}")


if __name__ == "__main__":
    code = main()
    if code == 0 and "--baseline" in sys.argv[1:]:
        baseline()
    sys.exit(code)
