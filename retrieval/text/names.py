"""Person names and titles as Chinese reports write them: splitting, short forms, finding."""

from __future__ import annotations

import re
from functools import lru_cache

from retrieval.records import Speaker
from retrieval.text.chars import HAN_RANGE

_HAN = re.compile(f"^[{HAN_RANGE}]{{2,4}}$")
# Words that make a title or an organisation, never a personal name.
_NOT_NAME = (
    "主席", "书记", "经理", "公司", "工会", "大学", "主任", "代表", "委员", "校长", "院长", "局长", "部长",
    "厂长", "会长", "总裁", "董事", "教授", "集团", "协会", "学校", "医院", "中心", "街道", "社区", "党委",
    "党组", "记者", "老师", "机关", "政府", "有限", "控股", "学院",
)
_POSITION_PREFIX = r"(?:党组|党委|党总支|党支部|工会|团委|纪委|行政|董事会|监事会|执行|常务|首席|专职|兼职|副)"
_POSITION_HEAD = (
    r"(?:总书记|书记|副?主席|委员|总经理|经理|董事长|董事|总裁|校长|院长|局长|处长|科长|主任|部长|厅长|所长|"
    r"会长|理事长|秘书长|厂长|站长|队长|组长|教授|研究员|总工程师|工程师|代表|主管|总监|负责人|馆长|社长|主编|"
    r"老师|教师|医生|律师|村长|乡长|镇长|区长|市长|县长|省长|总理|主任委员|班长|车间主任|队员|干事|专员|发言人|"
    r"庭长|审判长|法官|检察长|检察官|园长|行长|台长|护士长|医师|主教练|教练|领队|支书|警官|所长|馆员|技师|工人)"
)
_POSITION_TAIL = re.compile(f"(?:{_POSITION_PREFIX}*{_POSITION_HEAD})+$")
POSITION_WORD = re.compile(_POSITION_HEAD)
# Organisation words that a position regex could cut in two ("总工会" + "党组书记").
_ORG_ENDINGS = ("总工会",)


@lru_cache(maxsize=1)
def _posseg():
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    return jieba.posseg


def _jieba_names(text: str) -> list[str]:
    return [w.word for w in _posseg().cut(text) if w.flag.startswith("nr") and _HAN.match(w.word)]


def pick_name(descriptor: str, section: str) -> tuple[str, str] | None:
    """Split a header descriptor into (name, title).

    The name is the candidate that recurs in the section's own text ("主席李大为" yields 李大为, since
    "席李大为" recurs less); a parenthesis or a separator settles it first when there is one.
    """
    paren = re.match(r"^(.*?)[（(]([^）)]+)[）)](.*)$", descriptor)
    if paren:
        outside = (paren.group(1) + paren.group(3)).strip(" ，,、:：")
        if _HAN.match(outside):
            return outside, paren.group(2).strip()
    parts = [p for p in re.split(r"[\s，,｜|/]+", descriptor) if p]
    if len(parts) > 1:
        named = [p for p in parts if _HAN.match(p) and not any(w in p for w in _NOT_NAME)]
        if named:
            best = max(named, key=lambda p: (section.count(p), -parts.index(p)))
            return best, "".join(p for p in parts if p != best)
    flat = "".join(parts)
    candidates = {flat[:n] for n in (2, 3, 4)} | {flat[-n:] for n in (2, 3, 4)}
    candidates = {c for c in candidates if _HAN.match(c) and c != flat and not any(w in c for w in _NOT_NAME)}
    tagged = set(_jieba_names(flat))
    scored = [(section.count(c) + (0.5 if c in tagged else 0), len(c), c) for c in candidates]
    scored = [s for s in scored if s[0] >= 1]
    if scored:
        name = max(scored)[2]
    elif tagged:
        name = next(n for n in reversed(_jieba_names(flat)))
    else:
        return None
    title = flat[len(name):] if flat.startswith(name) else flat[: len(flat) - len(name)]
    return name, title.strip("、，, ")


def split_title(title: str | None) -> tuple[str | None, str | None]:
    """Split "海淀区总工会党组书记、主席" into ("海淀区总工会", "党组书记、主席")."""
    if not title:
        return None, None
    first, sep, rest = title.partition("、")
    match = _POSITION_TAIL.search(first)
    if not match or match.start() == 0:
        return None, title
    org, position = first[: match.start()], first[match.start():]
    for ending in _ORG_ENDINGS:
        for cut in range(1, len(ending)):
            if org.endswith(ending[:cut]) and position.startswith(ending[cut:]):
                org, position = org + ending[cut:], position[len(ending) - cut:]
    if not position or not POSITION_WORD.search(position):
        return None, title
    return org, position + sep + rest


def positions(speaker: Speaker) -> list[str]:
    """The position words of a speaker's title: 党组书记、主席 -> [书记, 主席]."""
    text = speaker.position or speaker.title or ""
    return list(dict.fromkeys(POSITION_WORD.findall(text)))


# Two-character surnames: a three-character name with one of these is surname + one given character.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 西门 南宫 独孤 百里 呼延 "
    "申屠 澹台 公冶 宗政 濮阳 淳于 单于 太叔 钟离 闻人 万俟 赫连 拓跋 东郭 左丘 公羊 司空 司寇 亓官 漆雕 "
    "歐陽 諸葛 東方 尉遲 公孫 長孫 軒轅 獨孤".split()
)


# Common single-character surnames (the family names of nearly all of the population), for the recogniser's
# near misses: a name tagged as an organisation (万某顺 -> ORG) or cut after its surname (管 + 某琪).
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施"
    "文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷"
    "盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷"
    "晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆"
    "乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平"
    "計伏成戈宓宿乜鄭劉陳楊黃趙吳許馮鄧曾蕭葉蘇呂盧薑鍾譚陸範賈韋鄒賀顧龔嚴覃湯溫齊喬龐顏聶羅張歐關蘭鄺謝蔣馬孫"
    "錢陶潘葉"
)


def surname(name: str) -> str:
    """The family name: two characters for a four-character name or a compound surname, else one."""
    if len(name) == 4 or name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[:1]
