"""English questions over the Chinese seed: refusal when nothing answers, pinyin names of places and
organisations, and the answering paragraph found first."""

from __future__ import annotations

import pytest

from retrieval.text.glossary import Glossary

from .conftest import SEED

SEED_DOC = SEED.name


def test_a_capitalised_pinyin_word_is_the_corpus_word_it_spells():
    glossary = Glossary({"京城", "朝阳", "工会", "机电"})
    found = {r.english: r.words for r in glossary.renderings("the Jingcheng union and the Chao Yang district")}
    assert found["jingcheng"] == ("京城",)
    assert found["chao yang"] == ("朝阳",)


def test_pinyin_in_lower_case_is_an_ordinary_word():
    # "jingcheng" typed in lower case could be any English word; only a capital marks a name.
    glossary = Glossary({"京城", "工会"})
    assert "京城" not in glossary.translate("what did the jingcheng union say")


def test_a_proper_noun_gloss_names_its_word():
    # CC-CEDICT: 富士康 "Foxconn Technology Group".
    assert Glossary({"富士康"}).translate("the Foxconn union") == ["富士康"]


@pytest.mark.parametrize("question", ["What's the weather in Beijing today?", "How do I renew my passport?"])
def test_an_english_question_nothing_answers_is_refused(engine, question):
    assert not engine.ask(question).answerable


def test_asking_for_a_named_speaker_in_general_is_still_answered(engine):
    # No content words beyond the name: any of her words answers.
    answer = engine.ask("What did Ma Xiaoyan say?")
    assert answer.answerable and answer.speaker_filter == "马晓燕"


def test_a_pinyin_organisation_name_finds_its_speaker(engine):
    # 朝阳区总工会 is 王文军's organisation; "Chaoyang" spells 朝阳.
    answer = engine.ask("What does the Chaoyang union chairman think about standardising union work?", k=3)
    assert answer.speaker_filter == "王文军"


def test_an_english_question_finds_its_paragraph_first(engine):
    # "spokesperson" is 代言(人): paragraph 7 ends "当好职工群众的代言" (the document breaks the word there).
    answer = engine.ask("Who said the union should be a spokesperson for workers?", k=3)
    first = answer.passages[0].paragraph
    assert (first.doc, first.number) == (SEED_DOC, 7)
    assert answer.answerable


def test_british_spellings_and_plurals_in_men_find_their_words():
    # CC-CEDICT glosses in American English: 规范化 "to standardize", 劳动 "labor", 工匠 "artisan".
    glossary = Glossary({"规范化", "劳动"})
    found = {r.english: r.words for r in glossary.renderings("standardise labour")}
    assert found == {"standardise": ("规范化",), "labour": ("劳动",)}


def test_a_role_word_stands_for_its_compound():
    # CEDICT's "chair" is the furniture (椅子, absent from a corpus of speeches); "the hospital union
    # chair" is its 主席 ("chairman").
    assert Glossary({"主席", "工会"}).translate("the union chair") == ["工会", "主席"]


def test_a_word_the_dictionary_knows_but_the_corpus_lacks_is_absent():
    glossary = Glossary({"北京", "工会"})
    found = {r.english: r for r in glossary.renderings("the mayor of Beijing and Qwertyville", "the mayor of "
                                                      "Beijing and Qwertyville")}
    assert found["mayor"].absent and not found["mayor"].words
    # Capitalised (part of a name) or unknown to the dictionary: untranslated, which proves nothing.
    assert not found["qwertyville"].absent


@pytest.mark.parametrize("question", [
    "What did the hospital union chair say about doctors' salaries?",
    "What did Sun Lihua say about pensions?",
    "Which speaker talked about artificial intelligence?",
])
def test_an_english_question_on_what_the_corpus_never_mentions_is_refused(engine, question):
    # Salaries (薪酬) is a corpus word, but not in the passages found for the hospital's union; pensions,
    # artificial intelligence: every word the question asks about is one the corpus never uses.
    assert not engine.ask(question).answerable


@pytest.mark.parametrize("question", [
    "Which speaker said employers feared the union would oppose the boss?",
    "What does the Zhongguancun union leader think about gig workers?",
])
def test_an_answerable_paraphrase_is_not_refused(engine, question):
    # Worded as a reader would, not as the paragraph is: "employers", "feared", "oppose" are words the
    # corpus never uses (it says 企业, 担心, 对着干); with its other words found, an unused word proves
    # nothing. Both were refused before.
    assert engine.ask(question).answerable


def test_refusal_needs_the_topic_missing_not_one_unused_word():
    from retrieval.search.english import Evidence

    def evidence(**kw):
        return Evidence(**{"dense": 0.8, "covered": 0.2, "covered_known": 1.0, "absent": 2, "figure": None,
                           "named": True, "content": 2, **kw})

    assert evidence().answers(0.05)                                   # unused words beside found ones
    assert not evidence(covered_known=0.0).answers(0.05)              # none of the topic's words found
    assert not evidence(content=0).answers(0.05)                      # nothing asked that the corpus uses
    assert evidence(content=0, absent=0).answers(0.05)                # "What did Ma Xiaoyan say?"
    assert not evidence(figure=False).answers(0.05)                   # a number asked for, none given


@pytest.mark.parametrize("question", [
    "What business segments does Jingcheng Machinery Electric have?",
    "What did the hospital union chair do for night-shift nurses?",
])
def test_an_answerable_english_question_with_untranslated_words_is_answered(engine, question):
    assert engine.ask(question).answerable


def test_how_many_is_answered_only_by_a_paragraph_that_gives_a_number(engine):
    # 刚文哲's paragraphs speak of the university and its teachers but count nobody: refused (answered
    # before). 王志远's paragraph gives 八名律师: answered.
    assert not engine.ask("How many students study at China University of Petroleum?").answerable
    assert engine.ask("How many lawyers did the park union hire for the riders?").answerable


def test_wants_figure_reads_the_question_not_the_article():
    from retrieval.search.english import wants_figure

    number = wants_figure("How many riders joined?")
    assert number.search("已经有三千二百名骑手") and not number.search("他举了一个学校的实例")
    assert wants_figure("When was the union founded?").search("2015年成立")
    assert wants_figure("What did she say about nurses?") is None


def test_a_place_the_corpus_never_names_is_absent_though_capitalised():
    # "Australia" is a word of its own in CC-CEDICT; "Machinery" is an ordinary word, so in a name it
    # is only untranslated.
    glossary = Glossary({"首都"})
    question = "the capital of Australia and Jingcheng Machinery"
    found = {r.english: r for r in glossary.renderings(question, question)}
    assert found["australia"].absent and not found["machinery"].absent


def test_a_number_word_is_the_numeral_with_its_measure_word():
    # "three days" is 三天 (not in the dictionary); the question in the seed: 王文军's 通过三天的学习.
    glossary = Glossary({"三天", "八名", "学习"})
    found = {r.english: r.words for r in glossary.renderings("three days of study, eight lawyers")}
    assert found["three"] == ("三天",) and found["eight"] == ("八名",)


def test_a_lower_case_question_with_a_number_word_finds_its_paragraph(engine):
    answer = engine.ask("what did wang wenjun say about the three days of study", k=3)
    first = answer.passages[0].paragraph
    assert (first.doc, first.number) == (SEED_DOC, 6) and answer.speaker_filter == "王文军"


def test_a_city_the_corpus_names_everywhere_does_not_name_a_speaker(engine):
    # 北京 is in 马晓燕's hospital's name, but most paragraphs using it are in another report: the
    # question asks about that report's training, not about her.
    answer = engine.ask("How many people took part in the Beijing trade union training?", k=3)
    assert answer.speaker_filter is None
    first = answer.passages[0].paragraph
    assert (first.doc, first.number) == (SEED_DOC, 3)


def test_an_organisation_word_used_in_its_own_report_still_names_the_speaker(engine):
    answer = engine.ask("What did the hospital union chair do for night-shift nurses?", k=3)
    assert answer.speaker_filter == "马晓燕"
