"""Where consolidate's three files go: names from campaign.toml's [report] table."""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Campaign, ConfigError

# Defaults: the names the office expects; {organisation} and {year} come from the config.
DEFAULT_NAMES = {
    "filing": ("{organisation}-{year}-专题组织生活会备案.xlsx", ".xlsx"),
    "workpaper": ("{organisation}-{year}-专题组织生活会工作底稿.xlsx", ".xlsx"),
    "summary": ("{organisation}-{year}-专题组织生活会总结.docx", ".docx"),
}


@dataclass(frozen=True)
class Outputs:
    filing: Path  # 备案: goes up
    workpaper: Path  # 工作底稿: stays with the office
    summary: Path  # 总结 draft (.docx)

    def all(self) -> list[Path]:
        return [self.filing, self.workpaper, self.summary]


def file_name(campaign: Campaign, key: str) -> str:
    """The configured name of one output ([report] filing / workpaper / summary)."""
    pattern, suffix = DEFAULT_NAMES[key]
    table = campaign.raw.get("report", {}) if isinstance(campaign.raw, dict) else {}
    value = table.get(key, pattern) if isinstance(table, dict) else pattern
    where = f"report.{key}"
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"配置项 {where} 的值 {value!r} 不可用，应为文件名，例如 \"{pattern}\"")
    fields = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
    if fields - {"organisation", "year"}:
        raise ConfigError(f"配置项 {where} 的值 {value!r} 不可用，只能使用 {{organisation}} 和 {{year}}")
    name = value.strip().format(organisation=campaign.organisation, year=campaign.year)
    if "/" in name or "\\" in name or not name.lower().endswith(suffix):
        raise ConfigError(f"配置项 {where} 的值 {value!r} 不可用，应为以 {suffix} 结尾、不含文件夹的文件名")
    return name


def output_paths(campaign: Campaign, target: Path) -> Outputs:
    """`-o DIR`: all three in DIR; `-o FILE.xlsx`: that names the 备案, the others beside it."""
    target = Path(target)
    if target.suffix.lower() == ".xlsx":
        folder, filing = target.parent, target
    else:
        folder, filing = target, target / file_name(campaign, "filing")
    return Outputs(filing, folder / file_name(campaign, "workpaper"),
                   folder / file_name(campaign, "summary"))
