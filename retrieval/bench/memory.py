"""What an index costs a serving process: private and mapped memory, measured in fresh processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .result import BenchResult

_PROBE = """
import json, sys
from pathlib import Path
from retrieval.bench.memory import memory_probe
print(json.dumps(memory_probe(Path(sys.argv[1]), sys.argv[2:])))
"""


def _status_mb(field_name: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory_probe(index_dir: Path, questions: list[str]) -> dict:
    """In a fresh process: private and mapped memory after loading the index and answering."""
    import gc

    from retrieval.engine import Engine
    from retrieval.settings import resolve

    engine = Engine(resolve(index_dir, None, None))
    for question in questions:
        engine.ask(question)
    gc.collect()
    return {"anon_mb": _status_mb("RssAnon"), "file_mb": _status_mb("RssFile"),
            "paragraphs": len(engine.snapshot().rows)}


def _probe(index_dir: Path, docs: Path, questions: list[str], model) -> dict:
    done = subprocess.run([sys.executable, "-c", _PROBE, str(index_dir), *questions], check=True,
                          capture_output=True, text=True, env={**os.environ, "WHOSAID_DOCS": str(docs),
                                                               **({"WHOSAID_MODEL": model} if model else {})})
    return json.loads(done.stdout.strip().splitlines()[-1])


def memory_figures(result: BenchResult, index_dir: Path, docs: Path, questions: list[str], model) -> None:
    """What the index adds to a serving process: the same probe on this index and on a one-document
    index, so that the model, jieba's dictionary and the libraries cancel out."""
    from retrieval.engine import Engine
    from retrieval.settings import resolve

    small_docs, small_index = index_dir.parent / "one-doc", index_dir.parent / "one-doc-index"
    small_docs.mkdir()
    shutil.copy(min(docs.iterdir()), small_docs)
    Engine(resolve(small_index, model, small_docs)).index(small_docs)
    big, small = _probe(index_dir, docs, questions, model), _probe(small_index, small_docs, questions, model)
    result.serve_anon_mb = big["anon_mb"] - small["anon_mb"]
    result.serve_file_mb = big["file_mb"] - small["file_mb"]
    extra_rows = max(1, big["paragraphs"] - small["paragraphs"])
    result.bytes_per_paragraph = result.serve_anon_mb * 2**20 / extra_rows
    result.mapped_bytes_per_paragraph = result.serve_file_mb * 2**20 / extra_rows
