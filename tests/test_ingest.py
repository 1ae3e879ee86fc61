"""Decoding every encoding a Chinese document arrives in, and skipping what is not text."""

from __future__ import annotations

import pytest

from retrieval import records as d
from retrieval.errors import DecodeError
from retrieval.ingest.decode import decode
from retrieval.ingest.files import read_folder
from retrieval.ingest.paragraphs import split_paragraphs

TEXT = "周大明说：“今年工会要为职工办十件实事。”\n\n𠮷字也要认得。\n"


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("utf-8", TEXT.encode("utf-8")),
        ("utf-8-sig", TEXT.encode("utf-8-sig")),
        ("utf-16", TEXT.encode("utf-16")),
        ("gb18030", TEXT.encode("gb18030")),
    ],
)
def test_each_encoding_decodes_to_the_same_text(encoding, data):
    assert decode(data).text == TEXT


def test_gbk_bytes_are_read_as_gb18030_not_as_mojibake():
    data = "工会主席谈职工权益".encode("gbk")
    assert decode(data).text == "工会主席谈职工权益"


def test_binary_and_empty_files_are_refused_with_a_reason():
    with pytest.raises(DecodeError, match="empty"):
        decode(b"")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
    with pytest.raises(DecodeError, match="binary|not text"):
        decode(png)


def test_folder_reading_skips_bad_files_and_goes_on(tmp_path):
    (tmp_path / "good.txt").write_text("张三说，今年要办好职工食堂，让大家吃得放心。", encoding="utf-8")
    (tmp_path / "picture.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8)
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "ignored.rtf").write_bytes(b"{\\rtf1 hello}")
    items = list(read_folder(tmp_path))
    good = [i for i in items if not isinstance(i, d.Skipped)]
    skipped = {i.path: i.reason for i in items if isinstance(i, d.Skipped)}
    assert [name for name, _ in good] == ["good.txt"]
    assert set(skipped) == {"picture.txt", "empty.md", "broken.pdf"}
    assert all(reason for reason in skipped.values())


def test_a_line_cut_mid_sentence_is_rejoined_but_a_title_is_not():
    text = (
        "李四说，工会要把服务做到职工的心坎上，让每一位职工都感到\n\n"
        "温暖和踏实。\n\n"
        "工会要做职工的贴心人\n\n"
        "“我们会一件一件地办好实事。”\n"
    )
    paragraphs = split_paragraphs("x.txt", text)
    assert [p.text for p in paragraphs] == [
        "李四说，工会要把服务做到职工的心坎上，让每一位职工都感到温暖和踏实。",
        "工会要做职工的贴心人",
        "“我们会一件一件地办好实事。”",
    ]
    assert paragraphs[0].repaired and not paragraphs[1].repaired
