"""Every kind of bad input of issue 13 in one folder beside the seed: `whosaid index` skips each bad one with
one line, indexes the rest within bounded memory, and leaks nothing (eval/hostile.py at a quarter of the
reported sizes; run the script for the full-size figures)."""

from __future__ import annotations

from .conftest import eval_script

hostile = eval_script("hostile")

# Indexing the seed alone peaks near 400 MB (the model, the recogniser, faiss). A corpus whose memory
# grew with its lines or its quotation marks went past 4 GB.
PEAK_RSS_MB = 1500


def test_a_hostile_folder_is_indexed_within_bounds_skipping_each_bad_file_with_one_line(tmp_path, capsys):
    try:
        bad = hostile.make_corpus(tmp_path / "docs", scale=0.25)
        result = hostile.run(tmp_path / "docs", tmp_path / "index", timeout=900)
    finally:
        hostile.remove(tmp_path / "docs")
    with capsys.disabled():
        print(f"\nhostile corpus ({len(bad)} kinds, scale 0.25): rc {result['rc']}, {result['seconds']} s, "
              f"peak RSS {result['peak_rss_mb']} MB")

    lines = result["stderr"]
    assert result["rc"] == 3, lines                       # some files skipped, the rest indexed
    assert lines and all(line.startswith("whosaid: ") for line in lines), lines   # no traceback, no forged line
    assert not any("\x1b" in line for line in lines)
    skipped = {line.split(": ", 2)[1].removeprefix("skipped ") for line in lines if line.startswith("whosaid: skipped ")}
    for name in ("env.txt", "passwd.txt", "zero.txt", "elsewhere", "pipe.txt", "japanese.txt", "korean.txt",
                 "image.txt", "empty.txt", "letters.txt", "quotes.txt", "bad\\xffname.txt"):
        assert name in skipped, (name, lines)
    assert len(lines) == len(set(lines))                  # one line per path
    assert not any(name.startswith(("tiny", "big5", "onebad", "long", "balanced", "zw")) for name in skipped)

    assert 0 < result["peak_rss_mb"] < PEAK_RSS_MB
    assert result["leaked"] == []
    answer = result["answer"]
    assert answer["passages"] and answer["passages"][0]["doc"] == hostile.SEED.name
    assert not any(hostile.SECRET in p["text"] or "root:x:0:0" in p["text"] for p in answer["passages"])
