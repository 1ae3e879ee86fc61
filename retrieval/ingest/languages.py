"""Is a decoded text Chinese? Japanese and Korean bytes often decode "successfully" in a Chinese codec.

EUC-KR puts the hangul syllables exactly where GB2312 puts its most common ideographs, and EUC-JP puts
its kana where GB2312 puts its own: a Korean or Japanese file read as GB18030 is fluent-looking nonsense
that a count of common ideographs cannot tell from Chinese. The scripts themselves can.
"""

from __future__ import annotations

import re

from retrieval.text.chars import HAN

# Hiragana and katakana, without the middle dot ・ that Chinese uses between the parts of foreign names.
KANA = re.compile("[\u3041-\u3096\u30a1-\u30fa]")
HANGUL = re.compile("[\uac00-\ud7a3]")
# A space between two hangul syllables: Korean writes spaces between its words, Chinese does not.
_WORD_SPACE = re.compile("(?<=[\uac00-\ud7a3]) (?=[\uac00-\ud7a3])")
# Particles and endings: a quarter or more of the syllables of any Korean prose; GB text read as EUC-KR
# lands on them about as often as on any other of the 2,350 syllables.
_PARTICLES = re.compile("[이가은는을를의에서고다하도로한]")
_SAMPLE = 20_000


def language_of(text: str, ambiguous: bool = False) -> str | None:
    """"Japanese" or "Korean" when the text is mostly written in kana or hangul, else None.

    Kana are half or more of a Japanese text and none of a Chinese one, bar a quoted name; a fifth is
    the line. `ambiguous` says the text is one of several readings the bytes allow (GB bytes read as
    EUC-KR or UHC are mostly hangul too): then Korean must also space its words, one space every 2 to 10
    syllables (Chinese spaced out character by character would have one after every syllable), and use
    its particles.
    """
    sample = text[:_SAMPLE]
    kana, hangul = len(KANA.findall(sample)), len(HANGUL.findall(sample))
    letters = kana + hangul + len(HAN.findall(sample))
    if kana >= 2 and kana >= 0.2 * letters:
        return "Japanese"
    if hangul >= 2 and hangul >= 0.5 * letters:
        if not ambiguous:
            return "Korean"
        spaces, particles = len(_WORD_SPACE.findall(sample)), len(_PARTICLES.findall(sample))
        if 0.1 * hangul <= spaces <= 0.5 * hangul and particles >= 0.1 * hangul:
            return "Korean"
    return None
