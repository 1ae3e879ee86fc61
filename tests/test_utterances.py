"""Answers made of utterances: the passage's speaker is whoever says the highlighted words, a speaker filter
finds a person's words in a paragraph shared with others, a "who" question lists only people whose own
words answer, a cited person is shown as cited, and `whosaid quotes` gives the who-said-what table."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT, SEED, cli_env, make_engine

NEWS = """老旧小区停车难有了新解法
本报记者 于晓岚
柳荫街社区有四十多栋老楼，晚上回家找车位一直是居民的难题。
区交通委副主任付明远介绍，今年全区将新增共享车位两千个，优先安排在老旧小区周边。
“以前下班回来要转半个小时，”家住柳荫街的退休工人田秀英说，“现在十分钟就能停好。”
付主任表示，共享车位白天向周边单位开放，晚上留给居民。区停车管理中心主任鲁欣然则说，收费标准还在测算，夜间包月不超过两百元。
"""


@pytest.fixture(scope="module")
def news_engine(tmp_path_factory, embedder):
    docs = tmp_path_factory.mktemp("news-docs")
    (docs / "parking.txt").write_text(NEWS, encoding="utf-8")
    shutil.copy(SEED, docs / SEED.name)
    engine = make_engine(tmp_path_factory.mktemp("news-index"), docs, embedder)
    engine.index(docs)
    return engine


def test_a_paragraph_with_two_speakers_answers_with_the_one_who_said_it(news_engine):
    answer = news_engine.ask("夜间包月收费多少？", k=3)
    top = answer.passages[0]
    assert "夜间包月不超过两百元" in top.paragraph.text
    assert top.speaker == "鲁欣然" and top.speaker_title == "区停车管理中心主任"
    highlighted = "".join(top.paragraph.text[s:e] for s, e in top.highlights)
    assert "两百元" in highlighted and "共享车位白天" not in highlighted
    assert [u.speaker for u in top.attributions] == ["付明远", "鲁欣然"]


def test_a_speaker_filter_finds_their_words_beside_someone_elses(news_engine):
    answer = news_engine.ask("共享车位什么时候开放？", k=3, speaker="付明远")
    assert answer.speaker_filter == "付明远"
    shared = [p for p in answer.passages if "鲁欣然" in p.paragraph.text]
    assert shared and all(p.speaker == "付明远" for p in answer.passages)
    for passage in shared:
        for s, e in passage.highlights:
            assert "收费标准" not in passage.paragraph.text[s:e]


def test_more_from_a_speaker_never_shows_the_reporters_narration(news_engine):
    answer = news_engine.ask("说了什么？", k=10, speaker="赵莹")
    assert answer.passages and all(p.speaker == "赵莹" and p.role != "narration" for p in answer.passages)
    assert all("京城机电是市属国有控股公司" not in p.paragraph.text for p in answer.passages)


def test_who_lists_only_people_whose_own_words_answer(news_engine):
    answer = news_engine.ask("谁谈到了青年教师？", k=5)
    assert [s.speaker for s in answer.speakers] == ["刚文哲"]


def test_a_cited_person_is_shown_as_cited_not_as_the_speaker(news_engine):
    from retrieval.labels import headline

    answer = news_engine.ask("习近平说了什么？", k=3)
    top = answer.passages[0]
    assert (top.speaker, top.role, top.cited) == ("刚文哲", "cited", "习近平")
    assert "习近平总书记突出强调" in "".join(top.paragraph.text[s:e] for s, e in top.highlights)
    assert headline(answer, "zh").startswith("刚文哲") and "引述 习近平" in headline(answer, "zh")
    assert "cites 习近平" in headline(answer, "en")


def _whosaid(*args, index_dir):
    return subprocess.run([sys.executable, "-m", "retrieval", *args], cwd=ROOT, capture_output=True, text=True,
                          env=cli_env(index_dir), timeout=600)


def test_ask_json_has_attributions_covering_every_utterance(news_engine):
    done = _whosaid("ask", "夜间包月收费多少？", "--json", "-k", "2", index_dir=news_engine.settings.index_dir)
    assert done.returncode == 0, done.stderr
    passage = json.loads(done.stdout)["passages"][0]
    spans = [(a["start"], a["end"], a["speaker"], a["role"]) for a in passage["attributions"]]
    assert [s[2] for s in spans] == ["付明远", "鲁欣然"] and passage["speaker"] == "鲁欣然"
    for start, end, _, role in spans:
        assert 0 <= start < end <= len(passage["text"]) and role in ("quote", "paraphrase", "cited", "turn")


def test_quotes_table_as_json_lines_and_csv(news_engine):
    index_dir = news_engine.settings.index_dir
    done = _whosaid("quotes", "--speaker", "田秀英", "--json", index_dir=index_dir)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["speaker"], r["role"], r["doc"]) for r in rows] == [("田秀英", "quote", "parking.txt")]
    assert rows[0]["text"].startswith("“以前下班回来") and rows[0]["speaker_title"] == "退休工人"

    done = _whosaid("quotes", "--doc", "parking.txt", "--csv", index_dir=index_dir)
    assert done.returncode == 0, done.stderr
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [r["speaker"] for r in table] == ["付明远", "田秀英", "付明远", "鲁欣然"]
    assert set(table[0]) >= {"speaker", "speaker_title", "role", "cited", "text", "doc", "paragraph", "start", "end"}

    done = _whosaid("quotes", "--speaker", "付主任", index_dir=index_dir)   # any form of the name
    assert done.returncode == 0
    assert [line.split(" · ")[0] for line in done.stdout.splitlines() if not line.startswith(" ")] == [
        "付明远（区交通委副主任）"] * 2

    done = _whosaid("quotes", "--speaker", "无名氏", index_dir=index_dir)
    assert done.returncode == 1 and "no speaker called" in done.stderr and "Traceback" not in done.stderr


def test_the_chat_page_says_whose_words_each_part_is(news_engine):
    from ui.render import answer_messages

    messages = answer_messages(news_engine.ask("夜间包月收费多少？", k=1), [])
    evidence = messages[1]
    assert "鲁欣然" in evidence["metadata"]["title"]
    assert "Who says what" in evidence["content"]
    assert "付明远" in evidence["content"].split("Who says what")[1]


PRESS = """市政府举行地铁开通新闻发布会
本报讯
主持人（市政府新闻办副主任 邝晓帆）：各位记者朋友，上午好！下面请发言人介绍情况。
发言人吴静：地铁三号线将于月底开通，全线共设车站二十二座。
滨海晚报记者：地铁开通后，沿线的公交线路会不会调整？
吴静：配合地铁开通，我们将新开公交线路八条，调整公交线路二十一条，方便市民换乘。
"""


def test_a_journalists_question_is_not_the_answer(tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "press.txt").write_text(PRESS, encoding="utf-8")
    engine = make_engine(tmp_path / "ix", docs, embedder)
    engine.index(docs)
    answer = engine.ask("地铁开通后公交线路怎么调整？", k=3)
    assert answer.passages[0].speaker == "吴静" and "新开公交线路八条" in answer.passages[0].paragraph.text
    kinds = {i.speaker.name: i.speaker.kind for i in engine.speakers(people_only=False)}
    assert kinds["滨海晚报记者"] == "press" and kinds["吴静"] == "person"
