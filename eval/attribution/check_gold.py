#!/usr/bin/env python3
"""Consistency checker for the speech-attribution evaluation sets (standard library only).

Usage: python3 check_gold.py [FOLDER ...]
       (default: the dev/ and heldout/ folders next to this script)

Each folder holds the documents, gold.jsonl (one row per speech sentence) and
documents.jsonl (one row per document).  For every folder the checker

  * decodes every document with its declared encoding (strict),
  * verifies that every gold sentence is an exact substring of one line,
  * verifies that every gold doc is listed in documents.jsonl (and vice versa),
  * verifies that every gold speaker of kind "person" is in that doc's speakers,
    and that every listed person speaker has at least one gold row,
  * verifies that no mentioned_only person is a gold speaker,
  * checks field values (kind, role, cited, layout) and duplicate rows,

prints counts per layout and exits non-zero if anything is wrong.
"""
import collections
import json
import os
import sys

KINDS = {"person", "reporter", "meeting"}
ROLES = {"quote", "paraphrase", "cited", "turn"}
LAYOUTS = {"headers", "inline", "interview_qa", "interview_turns", "press", "minutes", "traditional"}
ENCODINGS = {"utf-8", "gbk", "big5"}


def load_jsonl(path, problems):
    rows = []
    try:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as e:
                    problems.append(f"{path}:{n}: bad JSON: {e}")
    except OSError as e:
        problems.append(f"{path}: {e}")
    return rows


def check_folder(folder):
    problems = []
    docs = load_jsonl(os.path.join(folder, "documents.jsonl"), problems)
    gold = load_jsonl(os.path.join(folder, "gold.jsonl"), problems)
    by_doc = {}
    lines = {}
    for d in docs:
        name = d.get("doc")
        if name in by_doc:
            problems.append(f"documents.jsonl: {name} listed twice")
        by_doc[name] = d
        if d.get("layout") not in LAYOUTS:
            problems.append(f"{name}: unknown layout {d.get('layout')!r}")
        enc = d.get("encoding")
        if enc not in ENCODINGS:
            problems.append(f"{name}: unknown encoding {enc!r}")
            continue
        path = os.path.join(folder, name)
        try:
            with open(path, "rb") as handle:
                raw = handle.read()
        except OSError as e:
            problems.append(f"{name}: {e}")
            continue
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError as e:
            problems.append(f"{name}: does not decode as {enc}: {e}")
            continue
        if enc != "utf-8":
            try:
                raw.decode("utf-8")
                if any(ord(c) > 127 for c in text):
                    problems.append(f"{name}: declared {enc} but is valid UTF-8")
            except UnicodeDecodeError:
                pass
        lines[name] = text.splitlines()
        paras = [line for line in lines[name] if line.strip()]
        if not 12 <= len(paras) <= 35:
            problems.append(f"{name}: {len(paras)} paragraphs (expected 12-35)")
        for sp in d.get("speakers", []):
            if sp.get("kind") not in KINDS:
                problems.append(f"{name}: speaker {sp} has bad kind")
            if sp.get("kind") == "person" and sp.get("name") not in text:
                problems.append(f"{name}: speaker {sp.get('name')} does not occur in the text")
        for m in d.get("mentioned_only", []):
            if m not in text:
                problems.append(f"{name}: mentioned_only {m} does not occur in the text")
    txt_files = {f for f in os.listdir(folder) if f.endswith(".txt")} if os.path.isdir(folder) else set()
    for f in sorted(txt_files - set(by_doc)):
        problems.append(f"{f}: document file not listed in documents.jsonl")

    seen = set()
    spoken = collections.defaultdict(set)
    per_layout = collections.Counter()
    per_layout_docs = collections.defaultdict(set)
    per_role = collections.Counter()
    for n, r in enumerate(gold, 1):
        where = f"gold.jsonl:{n}"
        name = r.get("doc")
        d = by_doc.get(name)
        if d is None:
            problems.append(f"{where}: doc {name!r} not in documents.jsonl")
            continue
        if r.get("layout") != d.get("layout"):
            problems.append(f"{where}: layout {r.get('layout')!r} != documents.jsonl {d.get('layout')!r}")
        sent, spk, kind, role = r.get("sentence"), r.get("speaker"), r.get("kind"), r.get("role")
        if not sent:
            problems.append(f"{where}: empty sentence")
            continue
        if name in lines and not any(sent in line for line in lines[name]):
            problems.append(f"{where}: sentence not found in one line of {name}: {sent[:40]}")
        if (name, sent) in seen:
            problems.append(f"{where}: duplicate sentence in {name}: {sent[:40]}")
        seen.add((name, sent))
        if kind not in KINDS:
            problems.append(f"{where}: bad kind {kind!r}")
        if role not in ROLES:
            problems.append(f"{where}: bad role {role!r}")
        if (role == "cited") != bool(r.get("cited")):
            problems.append(f"{where}: role {role!r} but cited={r.get('cited')!r}")
        if kind == "meeting" and spk != "@meeting":
            problems.append(f"{where}: kind meeting but speaker {spk!r}")
        if kind == "reporter" and not (spk == "@reporter" or spk.endswith("记者") or spk.endswith("記者")):
            problems.append(f"{where}: kind reporter but speaker {spk!r}")
        if kind == "person" and spk.startswith("@"):
            problems.append(f"{where}: kind person but speaker {spk!r}")
        listed = {s.get("name"): s.get("kind") for s in d.get("speakers", [])}
        if spk not in listed:
            if kind == "person":
                problems.append(f"{where}: speaker {spk} not in speakers of {name}")
            else:
                problems.append(f"{where}: {kind} speaker {spk} not in speakers of {name}")
        elif listed[spk] != kind:
            problems.append(f"{where}: kind {kind} but documents.jsonl says {listed[spk]}")
        if spk in d.get("mentioned_only", []):
            problems.append(f"{where}: mentioned_only person {spk} is a gold speaker")
        spoken[name].add(spk)
        per_layout[r.get("layout")] += 1
        per_layout_docs[r.get("layout")].add(name)
        per_role[role] += 1
    for name, d in by_doc.items():
        if not spoken[name]:
            problems.append(f"{name}: no gold rows")
        for sp in d.get("speakers", []):
            if sp.get("name") not in spoken[name]:
                problems.append(f"{name}: listed speaker {sp.get('name')} has no gold row")

    print(f"== {folder}: {len(by_doc)} documents, {len(gold)} gold rows")
    for lay in sorted(per_layout):
        print(f"   {lay:16s} {len(per_layout_docs[lay]):2d} docs {per_layout[lay]:4d} rows")
    print("   roles: " + ", ".join(f"{k} {v}" for k, v in sorted(per_role.items())))
    for p in problems:
        print("   PROBLEM: " + p)
    return problems


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    folders = argv or [os.path.join(here, "dev"), os.path.join(here, "heldout")]
    bad = 0
    for folder in folders:
        bad += len(check_folder(folder))
    print("OK" if not bad else f"{bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
