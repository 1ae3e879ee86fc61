"""Cue words of reported speech, hand-checked: the verbs that introduce or close somebody's words, the
openers that continue the previous speaker, and the words of a meeting's collective voice.

Lists grown automatically pick up words that are not speech (ATTRIBUTION.md); every entry here is a verb a
news report uses to give somebody's words, in simplified and in traditional characters.
"""

from __future__ import annotations

import re

# Speech verbs, longest first so that 介绍说 wins over 介绍 and 说道 over 说.
SPEECH_VERBS = tuple(sorted(set(
    "说 说道 表示 指出 认为 坦言 透露 介绍 介绍说 强调 称 声称 建议 呼吁 提及 提到 直言 批评 重申 提出 宣称 写道 "
    "解释 解释说 谈到 谈及 主张 披露 提醒 宣布 告诉 回应 补充 补充说 补充道 坦承 感慨 感叹 举例说 回忆 回忆说 "
    "表态 承认 说明 讲 讲道 谈道 笑着说 指出说 答道 问道 追问 分析 分析说 总结 总结说 要求 希望 相信 觉得 看来 "
    "表達 說 說道 稱 聲稱 認為 強調 介紹 指出 透露 表示 建議 呼籲 提到 提及 直言 批評 重申 提出 宣稱 寫道 解釋 "
    "談到 主張 披露 提醒 宣佈 宣布 告訴 回應 補充 坦承 感慨 回憶 承認 說明 講 覺得 相信 希望 要求 看來 "
    "引用 引述 援引 借用 接过话茬 接过话头 接话 插话 搭话 抢着说 附和 感叹道 坦陈".split()
), key=len, reverse=True))
# Verbs minutes give to a participant: "X主持召开…会议", "X汇报，…".
MINUTES_VERBS = ("主持", "汇报", "通报", "部署", "同意", "决定", "明确", "议定", "匯報", "通報", "決定", "明確")
# "会议听取了X关于…的汇报": the report is X's words.
HEARD_REPORT = re.compile(r"听取(?:了)?(?P<who>[^，。；]{2,40}?)(?:关于[^，。；]*?)?(?:的)?(?:汇报|报告|工作报告|情况介绍|发言)")
# A speech verb used as a noun or inside another word: 说法, 说明书, 讲座, 称号, 看来看去 ...
NOT_A_CUE_AFTER = ("法", "明书", "座", "号", "服", "辞", "谓", "讚", "赞", "呼", "述职", "话", "話", "课", "課", "台", "得")
# "会议认为/指出/要求/同意": the meeting speaks as a body, not its chair.
MEETING_SUBJECT = re.compile(r"(?:^|[，,；;。\s])(?:本次|此次)?(?:会议|會議)(?:一致|还|並|并|同时|最后|首先|最后)?$")
# Openers that carry on the previous speaker's argument when a sentence or paragraph has no cue of its own.
CONTINUATIONS = (
    "同时", "另外", "此外", "其次", "再次", "最后", "首先", "第一", "第二", "第三", "第四", "一是", "二是", "三是",
    "四是", "五是", "还有", "而且", "并且", "因此", "所以", "对此", "他还", "她还", "他说", "她说", "接着", "随后",
    "不过", "但是", "当然", "更重要的是", "接下来", "下一步", "今后", "未来", "他认为", "她认为", "他表示", "她表示", "同時", "另外", "此外", "他還",
    "她還", "他說", "她說", "因此", "所以",
)
# A quotation of somebody else inside a speaker's words: "引用老劳模李某的话：" / "正如某某所说".
CITING_BEFORE = re.compile(r"(?:引用|援引|借用|引述|套用|正如|就像|如同|用)(?P<who>[^，。！？：:“”「」]{2,30}?)"
                           r"(?:的一句话|的一句話|的话|的名言|的说法|的話|的說法|所说|所言|所讲|所强调|所指出|所說|曾说|常说|说过|說過)"
                           r"(?:来说|說|说|讲)?[，,：:]?\s*$")
# "X有句话说得很实在：" / "X常说的一句话：" / "我的导师X说过一句话：": X's words, quoted by the speaker.
CITING_PHRASE = re.compile(r"(?P<who>[^，。！？；：:“”「」]{2,30}?)(?:有|常说的|常说|曾经说过|说过|常對我們說|常对我们说)?"
                           r"(?:一)?句话[^：:“”「」。]{0,8}[：:]?\s*$")
# What a reporter does that is not speech: 记者了解到, 记者看到, 据介绍 (an unnamed source), 据悉.
NOT_SPEECH_SUBJECT = re.compile(r"^(?:本报|本報)?(?:记者|記者|笔者|筆者)")
PRONOUNS = {"他": "m", "她": "f"}
# A pronoun standing for a person: not 其他, 他们, 她们, 他人 (others), 他乡.
PRONOUN = re.compile(r"(?<![其吉利])[他她](?![们們人乡鄉])")


CUE = re.compile("|".join(re.escape(verb) for verb in SPEECH_VERBS))
MINUTES_CUE = re.compile("|".join(re.escape(verb) for verb in sorted(SPEECH_VERBS + MINUTES_VERBS, key=len, reverse=True)))
# 他还表示 / 她也说 / 他进一步指出: the pronoun continues the last speaker.
CONTINUING_PRONOUN = re.compile(r"^[他她](?:还|也|又|再|进一步|接着|同时|還|進一步)")
