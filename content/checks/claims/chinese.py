"""Open-vocabulary claims in Chinese, by the words that frame them rather than a list of the claims:
材质 (X面料, 采用X), 产地 (产自X), 认证 (通过X认证, X标准), feature compounds (防X, 抗X, 耐X, 免X, the
Chinese X-proof and X-resistant) and feature phrases by their head (X设计, X工艺, X技术). Numbers with
measure words are read with the other quantities. Chinese has no spaces: a claim is supported when
its core appears anywhere in the product data (or the lexicon gives it under a shared key)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..text import CJK_CHARS
from .english import Candidate
from .kinds import CERTIFICATION, COMPOUND, FEATURE, MATERIAL, ORIGIN

_HAN = f"[{CJK_CHARS}]"
# Fabrics and materials that copy names without a frame ("一条牛仔裤", "蕾丝花边").
_MATERIAL_WORDS = (
    "牛仔 蕾丝 雪纺 针织 网纱 蚕丝 真丝 混纺 丝绒 羊毛 羊绒 棉麻 亚麻 涤纶 天丝 绸缎 毛呢 灯芯绒 莫代尔 氨纶 "
    "斜纹 锦纶 腈纶 麂皮 牛皮 羊皮 真皮 皮革 纯棉 全棉 棉质 羽绒 摇粒绒 法兰绒 珊瑚绒 灯笼 帆布 欧根纱 醋酸 缎面 "
    "不锈钢 铝合金 实木 竹 陶瓷 玻璃 硅胶 塑料 亚克力 橡胶 尼龙 聚酯"
).split()
_MATERIAL_RE = re.compile("|".join(sorted((w for w in _MATERIAL_WORDS if w != "灯笼"), key=len, reverse=True)))
_MATERIAL_FRAME_RE = re.compile(
    rf"(?:采用|选用|精选|甄选)(?P<core>{_HAN}{{1,4}}?)(?:面料|材质|布料|材料|质地)"
    rf"|(?P<bare>{_HAN}{{2,3}}?)(?:面料|材质|布料|质地)"
)
_ORIGIN_RE = re.compile(rf"(?:产自|产于|原产于?|原产地[为是:：]?\s*|进口自)(?P<core>{_HAN}{{2,4}})")
_CERTIFICATION_RE = re.compile(
    rf"(?:通过|获得|符合|经过|拥有|荣获)(?P<core>[A-Za-z0-9\-{CJK_CHARS}]{{2,10}}?)(?:认证|标准|检测|认可)"
    rf"|(?P<latin>[A-Za-z][A-Za-z0-9\-]{{1,11}})\s*(?:认证|标准)"
)
_FEATURE_COMPOUND_RE = re.compile(rf"(?P<core>[防抗耐免]{_HAN}|透气|速干|吸湿|排汗|保暖|不起球|不掉色|不变形|防静电)")
_NOT_FEATURES = frozenset("防止 防范 抗拒 耐看 耐心 耐穿 耐用 免费 免得 免去 免除 防不 抗衡".split())
_FEATURE_HEAD_RE = re.compile(rf"(?P<core>{_HAN}{{2,3}}?)(?:设计|工艺|技术|科技)")
# Parts of a garment or product named by their head character, the qualifier before it saying which:
# 圆领, v领, polo领, 灯笼袖, 荷叶边, 系带, 排扣, 下摆, 门襟. Only whole phrases: not 领略, 身边, 带来.
_PART_RE = re.compile(
    rf"(?P<core>(?:[A-Za-z]{{1,5}}|(?![的了和与是在一两这那])(?:{_HAN}){{1,2}})(?:领|袖|边|带|扣|摆|襟))(?![略导先域取来有着给动缘])"
)
_NOT_PARTS = frozenset(
    "身边 旁边 一边 两边 这边 那边 周边 海边 天边 无边 带领 衣领 本领 要领 长袖 短袖 衣袖 皮带 纽扣".split()
)
# Praise and layout words that sit before 设计 without naming a feature ("独特设计", "整体设计").
_PRAISE = frozenset(
    """
    独特 精致 精美 优雅 时尚 别致 巧妙 贴心 人性化 细节 整体 个性 简洁 经典 精心 完美 匠心 用心 新颖 特别
    独到 出色 细致 精巧 的 这款 此款 款式 处的
    """.split()
)


def _core(m: re.Match[str]) -> tuple[int, int]:
    for group in ("core", "bare", "latin"):
        if group in m.groupdict() and m.group(group):
            return m.span(group)
    return m.span()


def _matches() -> Iterator[tuple[str, re.Pattern[str]]]:
    yield MATERIAL, _MATERIAL_FRAME_RE
    yield MATERIAL, _MATERIAL_RE
    yield ORIGIN, _ORIGIN_RE
    yield CERTIFICATION, _CERTIFICATION_RE
    yield COMPOUND, _FEATURE_COMPOUND_RE
    yield FEATURE, _FEATURE_HEAD_RE
    yield FEATURE, _PART_RE


def chinese_candidates(folded: str, taken: bytearray) -> list[Candidate]:
    found: list[Candidate] = []
    for kind, pattern in _matches():
        for m in pattern.finditer(folded):
            start, end = _core(m)
            core = folded[start:end]
            if core in _NOT_FEATURES or core in _PRAISE or core in _NOT_PARTS or any(ch in "的了是和与" for ch in core):
                continue
            if kind == MATERIAL and core[-1] in "质料":  # 棉质 is 棉
                end -= 1
            if any(taken[start:end]):
                continue
            words = ((start, end),)
            if pattern is _PART_RE and not core[0].isascii():
                # Judged by the head and the one character before it: 小翻领 is a 翻领, 灯笼袖 is not a 喇叭袖.
                words = ((end - 2, end),)
            found.append(Candidate(kind, start, end, words))
            taken[start:end] = b"\x01" * (end - start)
    return found
