"""The follow-up tables of campaign.toml: [review], [feedback], [publicity] (read from Campaign.raw).

Kept apart from pipeline.config so the core Campaign does not change; every word and date
of the follow-up (the plan's feedback wording per grade, the 公示期) comes from here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import Campaign, ConfigError

DEFAULT_REVIEW = "总支审核.xlsx"
# The 2017 plan's words (三、1): the defaults when a config has no [feedback.words].
PLAN_WORDS = {"优秀": "予以表扬", "合格": "肯定优点，提出希望和要求", "基本合格": "指出差距，帮助改进",
              "不合格": "立足教育帮助，促进转化提高"}


@dataclass(frozen=True)
class Publicity:
    start: dt.date
    days: int
    scope: str

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)

    @property
    def period(self) -> str:
        """'公示期：2017年4月18日至2017年4月24日（7天）'."""
        return f"公示期：{cn_date(self.start)}至{cn_date(self.end)}（{self.days}天）"


@dataclass(frozen=True)
class Followup:
    review_path: Path
    feedback_title: str
    words: dict[str, str]  # grade → the plan's words for it
    disposition_basis: str
    publicity: Publicity


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"配置项 [{key}] 应为表（一节），现为 {value!r}")
    return value


def _text(table: dict[str, Any], key: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"配置项 {key} 的值 {value!r} 不可用，应为非空文字，例如 \"...\"")
    return value.strip()


def followup_settings(campaign: Campaign) -> Followup:
    """Read and check the follow-up tables; ConfigError names the bad key."""
    data = campaign.raw
    review = _table(data, "review")
    path = _text(review, "path", DEFAULT_REVIEW)
    base = campaign.source.parent if campaign.source else Path.cwd()

    feedback = _table(data, "feedback")
    given = feedback.get("words", {})
    if not isinstance(given, dict):
        raise ConfigError(f"配置项 [feedback.words] 应为表，现为 {given!r}")
    words = {**PLAN_WORDS, **given}
    missing = [g for g in campaign.grades if not isinstance(words.get(g), str)
               or not words[g].strip()]
    if missing:
        raise ConfigError(f"配置项 [feedback.words] 缺少等次 {'、'.join(missing)} 的反馈用语，"
                          f"应为每个等次一行，例如 \"{campaign.grades[0]}\" = \"予以表扬\"")

    pub = _table(data, "publicity")
    start = pub.get("start", campaign.deadlines["report"] + dt.timedelta(days=1))
    if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
        raise ConfigError(f"配置项 publicity.start 的值 {start!r} 不可用，应为日期，"
                          "写成 2017-04-18 的形式（不加引号）")
    days = pub.get("days", 7)
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ConfigError(f"配置项 publicity.days 的值 {days!r} 不可用，应为不小于 1 的整数")
    return Followup(
        review_path=(base / path).resolve(),
        feedback_title=_text(feedback, "title", "民主评议党员评定等次反馈通知"),
        words={g: str(words[g]).strip() for g in campaign.grades},
        disposition_basis=_text(feedback, "disposition_basis",
                                "按照中组发〔2014〕21号规定的办法程序作出组织处置"),
        publicity=Publicity(start, days, _text(pub, "scope", "接受党员群众监督。")),
    )
