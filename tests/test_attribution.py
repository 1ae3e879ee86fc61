"""Structure and attribution of every paragraph, checked by hand against the documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from retrieval.attribution.sections import attribute
from retrieval.ingest.files import read_text
from retrieval.ingest.paragraphs import split_paragraphs
from retrieval.records import Kind, Role

from .conftest import GBK_REPORT, ROOT, SEED

REPORTER = "边磊、周美玉"
W, Z, G, ZH = "王文军", "赵莹", "刚文哲", "周义兵"

# number: (kind, speaker, role) for every paragraph of the seed, read and checked by hand.
SEED_TABLE = {
    0: (Kind.HEADLINE, REPORTER, Role.HEADING),
    1: (Kind.HEADLINE, REPORTER, Role.HEADING),
    2: (Kind.BYLINE, REPORTER, Role.NARRATION),
    3: (Kind.BODY, REPORTER, Role.NARRATION),
    4: (Kind.SPEAKER_HEADER, W, Role.HEADING),
    5: (Kind.SECTION_TITLE, W, Role.HEADING),
    6: (Kind.BODY, W, Role.PARAPHRASE),       # 王文军表示，…
    7: (Kind.BODY, W, Role.QUOTE),            # 王文军说，… “前不久…贴心人。” (repaired)
    8: (Kind.BODY, W, Role.PARAPHRASE),       # 王文军认为要重点做好三个方面的工作
    9: (Kind.BODY, W, Role.PARAPHRASE),       # 同时，要推进… (continues his three points)
    10: (Kind.BODY, W, Role.PARAPHRASE),      # 另外，要推进…
    11: (Kind.SPEAKER_HEADER, Z, Role.HEADING),
    12: (Kind.SECTION_TITLE, Z, Role.HEADING),
    13: (Kind.BODY, Z, Role.NARRATION),       # 经过三天的学习，…谈了自己的认识。
    14: (Kind.BODY, Z, Role.PARAPHRASE),      # 赵莹说，…
    15: (Kind.BODY, Z, Role.NARRATION),       # 京城机电是市属国有控股公司…
    16: (Kind.BODY, Z, Role.QUOTE),           # 赵莹说：“…”
    17: (Kind.BODY, Z, Role.PARAPHRASE),      # 他表示，… (他 resolves to her)
    18: (Kind.SPEAKER_HEADER, G, Role.HEADING),
    19: (Kind.SECTION_TITLE, G, Role.HEADING),
    20: (Kind.BODY, G, Role.QUOTE),           # “…”…刚文哲在作交流发言时这样说。
    21: (Kind.BODY, G, Role.CITED),           # 刚文哲说，… 习近平总书记突出强调“…” (repaired)
    22: (Kind.BODY, G, Role.QUOTE),           # 他举了一个学校的实例：“…”
    23: (Kind.SPEAKER_HEADER, ZH, Role.HEADING),
    24: (Kind.SECTION_TITLE, ZH, Role.HEADING),
    25: (Kind.BODY, ZH, Role.QUOTE),          # 他说：“此次参加培训班…”
    26: (Kind.BODY, ZH, Role.QUOTE),          # 周义兵直言，… “此次通过学习…”
    27: (Kind.BODY, ZH, Role.PARAPHRASE),     # 周义兵谈到…他说通过培训… (repaired)
    28: (Kind.BODY, ZH, Role.PARAPHRASE),     # 周义兵认为，…
    29: (Kind.BODY, ZH, Role.QUOTE),          # 周义兵会说，… “富士康北京园区工会将…”
}

GBK_TABLE = {
    0: (Kind.HEADLINE, "刘洋、孟雪", Role.HEADING),
    1: (Kind.HEADLINE, "刘洋、孟雪", Role.HEADING),
    2: (Kind.BYLINE, "刘洋、孟雪", Role.NARRATION),
    3: (Kind.BODY, "刘洋、孟雪", Role.NARRATION),
    4: (Kind.SPEAKER_HEADER, "孙丽华", Role.HEADING),
    5: (Kind.SECTION_TITLE, "孙丽华", Role.HEADING),
    6: (Kind.BODY, "孙丽华", Role.PARAPHRASE),
    7: (Kind.BODY, "孙丽华", Role.QUOTE),
    8: (Kind.BODY, "孙丽华", Role.PARAPHRASE),   # 她表示，… (repaired: 把绝活传 / 下去)
    9: (Kind.SPEAKER_HEADER, "王志远", Role.HEADING),
    10: (Kind.SECTION_TITLE, "王志远", Role.HEADING),
    11: (Kind.BODY, "王志远", Role.PARAPHRASE),
    12: (Kind.BODY, "王志远", Role.QUOTE),
    13: (Kind.BODY, "王志远", Role.CITED),       # 引用老劳模李素丽的话：“…”
    14: (Kind.SPEAKER_HEADER, "马晓燕", Role.HEADING),
    15: (Kind.SECTION_TITLE, "马晓燕", Role.HEADING),
    16: (Kind.BODY, "马晓燕", Role.PARAPHRASE),
    17: (Kind.BODY, "马晓燕", Role.QUOTE),
    18: (Kind.BODY, "马晓燕", Role.PARAPHRASE),
}


def _attributed(path: Path):
    decoded = read_text(path)
    return attribute(split_paragraphs(path.name, decoded.text), path.name)


@pytest.mark.parametrize(("path", "table"), [(SEED, SEED_TABLE), (GBK_REPORT, GBK_TABLE)], ids=["seed", "gbk"])
def test_every_paragraph_matches_the_table(path, table):
    paragraphs, _ = _attributed(path)
    got = {p.number: (p.kind, p.speaker, p.role) for p in paragraphs}
    assert got == table


def test_seed_speakers_with_titles_and_organisations():
    _, speakers = _attributed(SEED)
    assert [(s.name, s.title, s.organisation, s.position) for s in speakers] == [
        (W, "朝阳区总工会党组书记、主席", "朝阳区总工会", "党组书记、主席"),
        (Z, "京城机电控股有限责任公司党委副书记、工会主席", "京城机电控股有限责任公司", "党委副书记、工会主席"),
        (G, "中国石油大学党委副书记、工会主席", "中国石油大学", "党委副书记、工会主席"),
        (ZH, "富士康公司工会主席", "富士康公司", "工会主席"),
    ]
    assert [s.section_title for s in speakers] == [
        "《实施办法》是开展工会工作的利器", "进一步推动国企工会工作创新发展",
        "继续探索释放工会活力的有效途径", "工会要多渠道合理伸张职工的诉求",
    ]


def test_gbk_report_uses_another_header_style_and_works_unchanged():
    paragraphs, speakers = _attributed(GBK_REPORT)
    assert read_text(GBK_REPORT).encoding == "gb18030"
    assert [(s.name, s.organisation, s.position) for s in speakers] == [
        ("孙丽华", "天津港集团有限公司", "工会副主席"),
        ("王志远", "海淀区中关村科技园区工会联合会", "主席"),
        ("马晓燕", "首都医科大学附属北京友谊医院", "工会主席"),
    ]
    cited = [p for p in paragraphs if p.role == Role.CITED]
    assert [(p.speaker, p.cited) for p in cited] == [("王志远", "李素丽")]


def test_cited_person_is_recorded_for_the_seed():
    paragraphs, _ = _attributed(SEED)
    assert paragraphs[21].cited == "习近平总书记"
    assert all(p.cited is None for p in paragraphs if p.number != 21)


def test_three_layout_breaks_are_repaired_and_offsets_point_into_the_file():
    text = read_text(SEED).text
    paragraphs, _ = _attributed(SEED)
    repaired = [p for p in paragraphs if len(p.spans) > 1]
    assert [p.number for p in repaired] == [7, 21, 27]
    assert "当好职工群众的代言人、知心人和贴心人。”" in repaired[0].text
    assert "释放工会的内在活力" in repaired[1].text
    assert "非常重要的力量" in repaired[2].text
    for p in paragraphs:
        assert "".join(text[s:e] for s, e in p.spans) == p.text


def test_a_section_title_after_a_header_is_not_glued_to_it():
    paragraphs, _ = _attributed(SEED)
    titles = [p.text for p in paragraphs if p.kind == Kind.SECTION_TITLE]
    assert all(len(t) < 40 for t in titles)


def test_header_name_is_found_by_recurrence_not_by_position():
    from retrieval.text.names import pick_name

    section = "主席李大为表示，要做好工作。李大为说，职工是根本。李大为认为，要服务好职工。"
    assert pick_name("某某市总工会党组书记、主席李大为", section) == ("李大为", "某某市总工会党组书记、主席")


def test_engine_code_names_nobody_from_the_documents():
    """Attribution must come from structure and cue words, never from a list of the seed's people."""
    paragraphs, speakers = _attributed(SEED)
    forbidden = {s.name for s in speakers} | {s.organisation for s in speakers if s.organisation}
    forbidden |= {"富士康", "京城机电", "石油大学", "朝阳区", "习近平"}
    sources = list((ROOT / "retrieval").rglob("*.py")) + list((ROOT / "ui").rglob("*.py"))
    assert sources
    for source in sources:
        code = source.read_text(encoding="utf-8")
        hits = [name for name in forbidden if name in code]
        assert not hits, f"{source.name} names {hits}"


def test_interview_transcript_lines_are_turns_of_their_speaker(tmp_path):
    text = (
        "访谈：一线职工谈技能\n\n"
        "记者：您怎么看技能培训？\n\n"
        "李红梅：技能培训让我们这些老职工也跟上了新设备，每个月都有新的课程，收获很大。\n\n"
        "记者：还有什么建议？\n\n"
        "李红梅：希望培训时间能安排在下班以后，不影响生产，也能让更多人参加进来。\n"
    )
    paragraphs, speakers = attribute(split_paragraphs("talk.txt", text), "talk.txt")
    turns = [p for p in paragraphs if p.role == Role.TURN]
    assert [p.speaker for p in turns] == ["李红梅", "李红梅"]
    assert [s.name for s in speakers] == ["李红梅"]
    assert not re.search("记者", "".join(p.speaker or "" for p in turns))
