"""Your own documents (issue 15 item 3, issue 16's document routes): folders indexed side by side, uploads
kept in the index under safe names, a document removed; the CLI and the JSON API over the same engine."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import httpx
import pytest

from retrieval.errors import BadUpload, LastDocument, NoDocuments
from retrieval.store.manifest import UPLOAD
from tests.conftest import GBK_REPORT, SEED, make_engine

SEED_SPEAKER, SECOND_SPEAKER = "王文军", "孙丽华"
NEW_SPEAKER = "欧阳明远"
NEW_REPORT = (
    "区交通委召开停车治理座谈会\n\n"
    "本报讯 昨天，区交通委召开停车治理座谈会。\n\n"
    f"区交通委副主任{NEW_SPEAKER}表示：“老旧小区停车难，关键是把夜间错时共享车位用起来，今年要新增两千个共享车位。”\n\n"
    f"{NEW_SPEAKER}说，下一步将会同街道逐个小区排查，做到一区一策。\n"
)
DOCX_SPEAKER = "诸葛云帆"


def _docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = "社区养老服务调研"
    document.add_heading("社区养老服务调研", level=1)
    document.add_paragraph(f"市民政局养老处处长{DOCX_SPEAKER}表示：“社区食堂要办到老人家门口，今年新建三十家。”")
    document.add_paragraph(f"{DOCX_SPEAKER}说，助浴、助洁服务将纳入补贴范围。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seed_index(tmp_path_factory, embedder) -> tuple[Path, Path]:
    """(index folder, seed folder): the seed indexed once; tests work on copies."""
    folder = tmp_path_factory.mktemp("seed-docs")
    shutil.copy(SEED, folder / SEED.name)
    index = tmp_path_factory.mktemp("seed-index") / "ix"
    make_engine(index, folder, embedder).index(folder)
    return index, folder


@pytest.fixture
def seeded(seed_index, tmp_path, embedder):
    """An engine on a private copy of the seed index."""
    index, folder = seed_index
    shutil.copytree(index, tmp_path / "ix")
    return make_engine(tmp_path / "ix", folder, embedder)


@pytest.fixture
def second(tmp_path) -> Path:
    folder = tmp_path / "second"
    folder.mkdir()
    shutil.copy(GBK_REPORT, folder / GBK_REPORT.name)
    (folder / "parking.txt").write_text(NEW_REPORT, encoding="utf-8")
    return folder


def _speaks(engine, name: str) -> bool:
    return bool(engine.resolve_speaker(name))


def _docs(engine) -> dict:
    return {d.name: d for d in engine.documents()}


def test_a_second_folder_is_added_beside_the_seed_and_both_answer(seeded, second, seed_index):
    report = seeded.index(second)
    assert set(report.added) == {GBK_REPORT.name, "parking.txt"} and not report.removed
    assert any("appended" in note for note in report.notes)   # added, nothing removed: the append path
    docs = _docs(seeded)
    assert docs[SEED.name].origin == str(seed_index[1].resolve())
    assert docs["parking.txt"].origin == str(second.resolve()) and NEW_SPEAKER in docs["parking.txt"].speakers
    assert seeded.ask(f"{SEED_SPEAKER}怎么看工会组织全覆盖？").passages[0].paragraph.doc == SEED.name
    assert seeded.ask(f"{NEW_SPEAKER}怎么看停车难？").passages[0].paragraph.doc == "parking.txt"


def test_a_file_deleted_from_a_folder_leaves_at_its_next_run_the_seed_stays(seeded, second):
    seeded.index(second)
    (second / "parking.txt").unlink()
    report = seeded.index(second)
    assert report.removed == ("parking.txt",) and report.embedded == 0
    assert set(_docs(seeded)) == {SEED.name, GBK_REPORT.name}
    assert not _speaks(seeded, NEW_SPEAKER) and _speaks(seeded, SEED_SPEAKER) and _speaks(seeded, SECOND_SPEAKER)


def test_replace_mirrors_one_folder_exactly(seeded, second):
    seeded.index(second)
    seeded.add_files([("note.txt", NEW_REPORT.replace(NEW_SPEAKER, "司马青").encode())])
    report = seeded.index(second, replace=True)
    assert set(report.removed) == {SEED.name, "note.txt"}
    assert set(_docs(seeded)) == {GBK_REPORT.name, "parking.txt"} and not _speaks(seeded, SEED_SPEAKER)


def test_a_name_another_source_holds_gets_a_distinct_name_and_a_note(seeded, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / SEED.name).write_text(NEW_REPORT, encoding="utf-8")
    report = seeded.index(other)
    renamed = f"other/{SEED.name}"
    assert report.added == (renamed,) and any(renamed in note for note in report.notes)
    assert _docs(seeded)[SEED.name].speakers[0] == SEED_SPEAKER      # the seed keeps its name
    again = seeded.index(other)                                       # and the new one keeps its own
    assert not again.written and set(_docs(seeded)) == {SEED.name, renamed}


def test_a_rebuild_reads_every_kept_source_again(seeded, second, seed_index):
    seeded.index(second)
    seeded.add_files([("note.txt", NEW_REPORT.replace(NEW_SPEAKER, "司马青").encode())])
    report = seeded.index(seed_index[1], rebuild=True)
    assert set(_docs(seeded)) == {SEED.name, GBK_REPORT.name, "parking.txt", "note.txt"}
    assert report.embedded == report.paragraphs and _speaks(seeded, "司马青") and _speaks(seeded, NEW_SPEAKER)


def test_an_index_written_before_origins_learns_them_and_then_keeps_the_seed(seeded, second, seed_index):
    manifest_path = next(seeded.settings.index_dir.glob("gen-*/manifest.json"))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["documents"]:
        del entry["origin"], entry["path"]
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    report = seeded.index(seed_index[1])     # the old behaviour: its documents are that folder's
    assert report.written and report.embedded == 0 and not report.added
    seeded.index(second)
    assert set(_docs(seeded)) == {SEED.name, GBK_REPORT.name, "parking.txt"}


def test_uploads_are_checked_by_content_and_the_good_ones_added(seeded, monkeypatch, embedder):
    monkeypatch.setenv("WHOSAID_MAX_FILE_MB", "0.05")
    engine = make_engine(seeded.settings.index_dir, seeded.settings.docs_dir, embedder)
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 40
    files = [("parking.txt", NEW_REPORT.encode("gbk")), ("养老.docx", _docx_bytes()),
             ("setup.txt", exe), ("long.txt", ("很长的报告。" * 4000).encode()), ("fake.docx", NEW_REPORT.encode())]
    report = engine.add_files(files)
    assert set(report.added) == {"parking.txt", "养老.docx"}
    refused = {s.path: s.reason for s in report.skipped}
    assert set(refused) == {"setup.txt", "long.txt", "fake.docx"}
    assert "binary" in refused["setup.txt"] and "limit" in refused["long.txt"] and "Word" in refused["fake.docx"]
    assert all("\n" not in reason for reason in refused.values())
    docs = _docs(engine)
    assert docs["parking.txt"].origin == UPLOAD and DOCX_SPEAKER in docs["养老.docx"].speakers
    assert docs["养老.docx"].title == "社区养老服务调研" and SEED.name in docs      # nothing lost
    stored = sorted(p.name for p in (engine.settings.index_dir / "documents").iterdir())
    assert stored == ["parking.txt", "养老.docx"]
    assert engine.ask(f"{DOCX_SPEAKER}怎么看社区食堂？").passages[0].paragraph.doc == "养老.docx"
    again = engine.add_files([("copy.txt", NEW_REPORT.encode())])      # the same text again
    assert not again.added and "already indexed" in again.skipped[0].reason and not again.written


def test_stored_names_are_safe_and_never_clobber(seeded):
    first = NEW_REPORT.encode()
    second = NEW_REPORT.replace(NEW_SPEAKER, "令狐冲").encode()
    third = NEW_REPORT.replace(NEW_SPEAKER, "上官婉").encode()
    report = seeded.add_files([("../../etc/x.txt", first), ("a\nb\x1b[31m.txt", second),
                               ("C:\\docs\\x.txt", third)])
    folder = seeded.settings.index_dir / "documents"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["a b [31m.txt", "x (2).txt", "x.txt"]
    assert (folder / "x.txt").read_bytes() == first and (folder / "x (2).txt").read_bytes() == third
    assert not (seeded.settings.index_dir.parent / "etc").exists()
    assert set(report.added) == set(names) and all("\n" not in n for n in _docs(seeded))


def test_upload_count_limit_is_one_reason(seeded, monkeypatch, embedder):
    monkeypatch.setenv("WHOSAID_MAX_UPLOAD_FILES", "2")
    engine = make_engine(seeded.settings.index_dir, seeded.settings.docs_dir, embedder)
    with pytest.raises(BadUpload, match="3 files .* limit is 2"):
        engine.add_files([(f"{i}.txt", NEW_REPORT.encode()) for i in range(3)])
    with pytest.raises(BadUpload):
        engine.add_files([])


def test_removing_a_document_removes_its_speakers_and_its_stored_file(seeded, second):
    seeded.add_files([("parking.txt", NEW_REPORT.encode())])
    assert _speaks(seeded, NEW_SPEAKER)
    report = seeded.remove_document("parking.txt")
    assert report.removed == ("parking.txt",) and not _speaks(seeded, NEW_SPEAKER)
    assert not (seeded.settings.index_dir / "documents" / "parking.txt").exists()
    assert _speaks(seeded, SEED_SPEAKER)
    with pytest.raises(NoDocuments, match="nope"):
        seeded.remove_document("nope.txt")
    seeded.index(second)                     # a folder's document is removed from the index only...
    seeded.remove_document(GBK_REPORT.name)
    assert not _speaks(seeded, SECOND_SPEAKER) and (second / GBK_REPORT.name).exists()
    assert GBK_REPORT.name in seeded.index(second).added     # ...and comes back with its folder
    generation = seeded.generation()
    seeded.remove_document(GBK_REPORT.name)
    assert seeded.generation() != generation


def test_the_only_document_is_not_removed(seeded):
    with pytest.raises(LastDocument):
        seeded.remove_document(SEED.name)


def test_the_cli_indexes_with_replace_lists_and_removes(seeded, second):
    from typer.testing import CliRunner

    from retrieval.cli import app

    runner = CliRunner()
    index = ["--index", str(seeded.settings.index_dir)]
    assert runner.invoke(app, ["index", str(second), *index]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["documents", "--json", *index]).stdout)
    assert {d["name"] for d in listed} == {SEED.name, GBK_REPORT.name, "parking.txt"}
    removed = runner.invoke(app, ["remove", "parking.txt", *index])
    assert removed.exit_code == 0 and "Removed parking.txt" in removed.stdout
    missing = runner.invoke(app, ["remove", "parking.txt", *index])
    assert missing.exit_code == 1 and "no document called 'parking.txt'" in missing.stderr
    assert runner.invoke(app, ["index", str(second), "--replace", *index]).exit_code == 0
    listed = json.loads(runner.invoke(app, ["documents", "--json", *index]).stdout)
    assert {d["name"] for d in listed} == {GBK_REPORT.name, "parking.txt"}


# -- the JSON API ----------------------------------------------------------------------------------
@pytest.fixture
def served(seeded, monkeypatch, embedder):
    """A real server over the seed copy, with login on and small upload limits (0.05 MB, 2 files)."""
    from ui.app import Limits
    from ui.server import serve_in_background

    monkeypatch.setenv("WHOSAID_MAX_FILE_MB", "0.05")
    monkeypatch.setenv("WHOSAID_MAX_UPLOAD_FILES", "2")
    monkeypatch.setenv("WHOSAID_USER", "editor")
    monkeypatch.setenv("WHOSAID_PASSWORD", "s3cret-pass")
    engine = make_engine(seeded.settings.index_dir, seeded.settings.docs_dir, embedder)
    url, running = serve_in_background(engine, Limits(concurrency=1, queue_size=4))
    with httpx.Client(base_url=url, timeout=120) as client:
        yield client
    running.close()


AUTH = ("editor", "s3cret-pass")


def test_the_api_uploads_lists_and_deletes_documents_behind_the_login(served):
    files = [("files", ("parking.txt", NEW_REPORT.encode(), "text/plain")),
             ("files", ("setup.txt", b"MZ\x90\x00" + bytes(range(256)) * 8, "text/plain"))]
    assert served.post("/api/documents", files=files).status_code == 401
    assert served.delete("/api/documents/parking.txt").status_code == 401
    reply = served.post("/api/documents", files=files, auth=AUTH)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["added"] == ["parking.txt"] and [r["file"] for r in body["refused"]] == ["setup.txt"]
    listed = {d["name"]: d for d in served.get("/api/documents", auth=AUTH).json()}
    assert listed["parking.txt"]["origin"] == UPLOAD and NEW_SPEAKER in listed["parking.txt"]["speakers"]
    assert {"name", "paragraphs", "encoding", "title"} <= set(listed[SEED.name])
    asked = served.post("/api/ask", json={"question": f"{NEW_SPEAKER}怎么看停车难？"}, auth=AUTH).json()
    assert asked["passages"][0]["speaker"] == NEW_SPEAKER
    assert served.delete("/api/documents/parking.txt", auth=AUTH).status_code == 200
    gone = served.delete("/api/documents/parking.txt", auth=AUTH)
    assert gone.status_code == 404 and "parking.txt" in gone.json()["error"]
    assert NEW_SPEAKER not in {s["speaker"] for s in served.get("/api/speakers", auth=AUTH).json()}


def test_the_api_refuses_bad_uploads_with_4xx_json(served):
    only_bad = served.post("/api/documents", files=[("files", ("x.pdf", b"not a pdf", "application/pdf"))], auth=AUTH)
    assert only_bad.status_code == 422 and "x.pdf" in only_bad.json()["error"]
    three = [("files", (f"{i}.txt", NEW_REPORT.encode(), "text/plain")) for i in range(3)]
    too_many = served.post("/api/documents", files=three, auth=AUTH)
    assert too_many.status_code == 400 and "limit is 2" in too_many.json()["error"]
    big = [("files", ("big.txt", b"x" * 400_000, "text/plain"))]     # past 2 x (0.05 MB + overhead)
    too_big = served.post("/api/documents", files=big, auth=AUTH)
    assert too_big.status_code == 413 and "too large" in too_big.json()["error"]
    not_multipart = served.post("/api/documents", json={"files": []}, auth=AUTH)
    assert not_multipart.status_code == 400
    # the rest of the API keeps its 1 MB cap
    assert served.post("/api/ask", content=b"x" * 2_000_000, auth=AUTH,
                       headers={"content-type": "application/json"}).status_code == 413
