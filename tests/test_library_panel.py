"""The page's documents panel (issue 15 item 3) on a real engine over a copy of the seed: files added as
Gradio hands them over, the speakers and the list following, refusals one line each, removal."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SEED, make_engine
from tests.test_documents import NEW_REPORT, NEW_SPEAKER
from ui.app import ALL, Limits, build_app, example_questions, speaker_choices
from ui.library_panel import add_uploaded, document_choices, documents_markdown, read_uploads, remove

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 40


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory, embedder) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("panel-seed")
    shutil.copy(SEED, folder / SEED.name)
    index = tmp_path_factory.mktemp("panel-index") / "ix"
    make_engine(index, folder, embedder).index(folder)
    return index, folder


@pytest.fixture
def engine(seed_index, tmp_path, embedder):
    """An engine on a private copy of the seed index (these tests change it)."""
    index, folder = seed_index
    shutil.copytree(index, tmp_path / "ix")
    return make_engine(tmp_path / "ix", folder, embedder)


def uploaded(tmp_path: Path, name: str, data: bytes) -> str:
    """A file where Gradio puts an upload: a folder of its own under the upload folder."""
    folder = tmp_path / "gradio" / f"{len(list(tmp_path.glob('gradio/*'))):040x}"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(data)
    return str(folder / name)


def shown(markdown: str) -> str:
    """The text a reader sees of our escaped markdown."""
    return markdown.replace("\\", "")


def names(choices) -> set[str]:
    return {value for _, value in choices}


def test_an_uploaded_txt_is_added_its_speaker_listed_and_a_refused_file_says_why(engine, tmp_path):
    assert NEW_SPEAKER not in names(speaker_choices(engine.speakers()))
    paths = [uploaded(tmp_path, "parking.txt", NEW_REPORT.encode("gbk")), uploaded(tmp_path, "setup.txt", EXE)]
    lines = [shown(line) for line in add_uploaded(engine, paths, poll=0.01)]
    final = lines[-1]
    assert "Added: parking.txt" in final
    refused = [line for line in final.split("\n") if "setup.txt" in line]
    assert len(refused) == 1 and "Refused" in refused[0] and "not text" in refused[0]
    assert all(line.startswith("… ") for line in lines[:-1])      # progress lines, if indexing took a while
    assert not any(Path(p).exists() or Path(p).parent.exists() for p in paths)   # Gradio's copies are gone
    choices = speaker_choices(engine.speakers())
    assert NEW_SPEAKER in names(choices) and choices[0][1] == ALL
    assert "What did Ouyang Mingyuan say?" in example_questions(engine.speakers())   # the newest speaker
    listing = shown(documents_markdown(engine))
    assert "parking.txt" in listing and NEW_SPEAKER in listing and "upload" in listing
    assert "parking.txt" in names(document_choices(engine))
    assert engine.ask(f"{NEW_SPEAKER}怎么看停车难？").passages[0].speaker == NEW_SPEAKER

    assert "Removed parking.txt" in shown(remove(engine, "parking.txt"))
    assert NEW_SPEAKER not in names(speaker_choices(engine.speakers()))
    assert "parking.txt" not in documents_markdown(engine)
    assert not (engine.settings.index_dir / "documents" / "parking.txt").exists()


def test_a_file_over_the_limit_is_refused_by_its_size_and_never_read_whole(engine, tmp_path, monkeypatch, embedder):
    monkeypatch.setenv("WHOSAID_MAX_FILE_MB", "0.05")
    small = make_engine(engine.settings.index_dir, engine.settings.docs_dir, embedder)
    big = uploaded(tmp_path, "big.txt", ("很长的报告。" * 20_000).encode())
    files, refused = read_uploads([big], small.settings.max_file_bytes)
    refused = [shown(line) for line in refused]
    assert files == [] and len(refused) == 1 and "big.txt" in refused[0] and "0.05 MB limit" in refused[0]
    lines = [shown(line) for line in add_uploaded(small, [big])]
    assert len(lines) == 1 and "big.txt" in lines[0] and "limit" in lines[0] and not Path(big).exists()
    assert "big.txt" not in documents_markdown(small)


def test_too_many_files_is_one_line_and_none_is_read_or_kept(engine, tmp_path, monkeypatch, embedder):
    monkeypatch.setenv("WHOSAID_MAX_UPLOAD_FILES", "2")
    small = make_engine(engine.settings.index_dir, engine.settings.docs_dir, embedder)
    paths = [uploaded(tmp_path, f"{n}.txt", NEW_REPORT.encode()) for n in range(3)]
    lines = list(add_uploaded(small, paths))
    assert len(lines) == 1 and "limit is 2" in lines[0]
    assert not any(Path(p).exists() for p in paths)
    assert len(small.documents()) == 1


def test_nothing_chosen_and_the_last_document_get_one_line(engine):
    assert "Choose files" in next(add_uploaded(engine, []))
    assert "Choose a document" in remove(engine, None)
    last = remove(engine, SEED.name)
    assert "only document" in last and "\n" not in last
    assert "nosuch.txt" in shown(remove(engine, "nosuch.txt"))


def _component(config: dict, elem_id: str) -> int:
    return next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id)


def test_the_page_wires_an_upload_and_a_removal_to_the_speakers_and_the_examples(engine):
    config = build_app(engine).get_config_file()
    upload, remover = _component(config, "documents-upload"), _component(config, "documents-remove")
    speakers, chat = _component(config, "speakers"), _component(config, "chat")
    for trigger, event in ((upload, "upload"), (remover, "click")):
        dependency = next(d for d in config["dependencies"] if [trigger, event] in [list(t) for t in d["targets"]])
        assert speakers in dependency["outputs"] and chat in dependency["outputs"]
    assert "confirm" in next(d for d in config["dependencies"]
                             if [remover, "click"] in [list(t) for t in d["targets"]])["js"]
    without = build_app(engine, Limits(uploads=False)).get_config_file()
    assert not any(c.get("props", {}).get("elem_id") == "documents-upload" for c in without["components"])
