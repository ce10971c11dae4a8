"""The `[ballots]` table of campaign.toml: the wording printed on the 测评表 and 发出票数."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.config import Campaign, ConfigError

DEFAULT_TITLE = "{year}年民主评议党员测评表"
DEFAULT_INSTRUCTIONS = (
    "请对下列每一名党员，在“{grades}”{count}个等次中选择一个，在对应的方框内划“√”。",
    "每人只能选一个等次；都不划视为弃权；划两个及以上的，对该党员的测评无效。",
    "本表无记名，请勿署名或作其他记号；划错请告知工作人员另取一张。",
)


@dataclass(frozen=True)
class BallotSettings:
    title: str
    instructions: tuple[str, ...]
    issued: dict[str, int] = field(default_factory=dict)  # 发出票数 per branch


def _fill(text: str, campaign: Campaign) -> str:
    return text.format(year=campaign.year, grades="”“".join(campaign.grades),
                       count="四" if len(campaign.grades) == 4 else str(len(campaign.grades)),
                       organisation=campaign.organisation)


def ballot_settings(campaign: Campaign) -> BallotSettings:
    """Read `[ballots]` (all keys optional); a bad value is a ConfigError naming the key."""
    table: dict[str, Any] = campaign.raw.get("ballots", {}) if campaign.raw else {}
    if not isinstance(table, dict):
        raise ConfigError("配置项 ballots 应为表 [ballots]")
    title = table.get("title", DEFAULT_TITLE)
    if not isinstance(title, str) or not title.strip():
        raise ConfigError(f"配置项 ballots.title 的值 {title!r} 不可用，应为非空文字")
    lines = table.get("instructions", list(DEFAULT_INSTRUCTIONS))
    if not (isinstance(lines, list) and lines and all(isinstance(s, str) for s in lines)):
        raise ConfigError(f"配置项 ballots.instructions 的值 {lines!r} 不可用，应为文字列表")
    issued = table.get("issued", {})
    if not isinstance(issued, dict):
        raise ConfigError(f"配置项 ballots.issued 的值 {issued!r} 不可用，应为表，例如 {{ \"第一支部\" = 33 }}")
    for branch, n in issued.items():
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ConfigError(f"配置项 ballots.issued.{branch} 的值 {n!r} 不可用，应为 0 或正整数")
    try:
        filled = tuple(_fill(s, campaign) for s in lines)
        head = _fill(title, campaign)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(f"配置项 ballots.title/instructions 中的占位符有误：{exc}") from None
    return BallotSettings(head, filled, {str(k): int(v) for k, v in issued.items()})
