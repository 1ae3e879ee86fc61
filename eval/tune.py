"""Sweep the fusion weights on a labelled set; prints figures of dense alone, BM25 alone and fusions.

    .venv/bin/python eval/tune.py eval/questions.jsonl [--corpus seeds --corpus tests/fixtures]

Query vectors are computed once, so a sweep costs no embedding. What it prints is what the README
and the closing notes quote; the defaults in retrieval/ranking.py are chosen from it.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
from pathlib import Path

from retrieval.engine import Engine
from retrieval.evaluation.questions import format_table, load_questions, score
from retrieval.evaluation.scratch import scratch_engine
from retrieval.search.ranking import DEFAULT_WEIGHTS


def run(engine, questions, weights, k=10):
    """Answers of an engine with these weights over the same index (and the same loaded model)."""
    tuned = Engine(engine.settings, embedder=engine.embedder, weights=weights)
    return [tuned.ask(q.question, k=k) for q in questions]


ENGLISH = ("english", "english_more", "english_para", "noanswer_en", "noanswer")


def english_sweep(engine, questions) -> None:
    """answer_covered_en x answer_dense_en on the English questions: recall@1, no-answer recall, and the
    share of answerable questions wrongly refused, per category."""
    for covered, dense in itertools.product([0.02, 0.05, 0.10, 0.20, 0.30], [0.0, 0.70, 0.74]):
        weights = dataclasses.replace(DEFAULT_WEIGHTS, answer_covered_en=covered, answer_dense_en=dense)
        report = score(questions, run(engine, questions, weights))
        print(f"covered={covered} dense={dense}  " + "  ".join(
            f"{name}: R@1={c.get('recall@1', 0):.3f} NA-rec={c.get('no_answer_recall', 0):.3f} "
            f"wrong-NA={c.get('wrongly_flagged', 0):.3f}" for name, c in sorted(report["categories"].items())))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("file", type=Path)
    parser.add_argument("--corpus", type=Path, action="append")
    parser.add_argument("--full", action="store_true", help="print the table of each configuration")
    parser.add_argument("--english", action="store_true", help="sweep the English no-answer thresholds instead")
    args = parser.parse_args()
    questions = load_questions(args.file)
    with scratch_engine(args.corpus or [Path("seeds"), Path("tests/fixtures")]) as engine:
        if args.english:
            english_sweep(engine, [q for q in questions if q.category in ENGLISH])
            return
        configs = {
            "dense only": dataclasses.replace(DEFAULT_WEIGHTS, bm25=0.0, phrase=0.0),
            "bm25 only": dataclasses.replace(DEFAULT_WEIGHTS, bm25=1000.0, phrase=0.0),
            "fusion, no phrase signal": dataclasses.replace(DEFAULT_WEIGHTS, phrase=0.0),
            "default": DEFAULT_WEIGHTS,
        }
        for bm25, phrase in itertools.product([0.02, 0.04, 0.06, 0.08, 0.12], [0.02, 0.04, 0.08]):
            configs[f"bm25={bm25} phrase={phrase}"] = dataclasses.replace(DEFAULT_WEIGHTS, bm25=bm25, phrase=phrase)
        for name, weights in configs.items():
            report = score(questions, run(engine, questions, weights))
            o = report["overall"]
            print(f"{name:<28} R@1={o['recall@1']:.3f} R@3={o['recall@3']:.3f} MRR={o['mrr']:.3f} "
                  f"spk@1={o['speaker@1']:.3f} NA-rec={o.get('no_answer_recall', 0):.3f} "
                  f"wrong-NA={o['wrongly_flagged']:.3f}")
            if args.full:
                print(format_table(report))


if __name__ == "__main__":
    main()
