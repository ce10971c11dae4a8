"""Command line: parse → call the library → render → exit 0 (clean) / 1 (errors) / 2 (usage)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from pipeline.config import DEFAULT_CONFIG, Campaign, ConfigError, load_campaign
from pipeline.people import Roster, RosterError, load_roster

CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG,
    show_default=True, help="活动配置文件 campaign.toml")
ROSTER_OPTION = click.option(
    "--roster", "roster_path", type=click.Path(path_type=Path), default=None,
    help="党员名册 .xlsx（默认为配置中指定的名册）")


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def _campaign(config_path: Path) -> Campaign:
    try:
        return load_campaign(config_path)
    except ConfigError as exc:
        fail(f"配置错误：{exc}")


def _roster(campaign: Campaign, roster_path: Path | None) -> Roster:
    path = roster_path or campaign.roster_path
    assert path is not None
    try:
        return load_roster(path, campaign)
    except RosterError as exc:
        lines = [f"党员名册有误（{len(exc.issues)} 处），请修改后重试："]
        lines += [f"  [{i.rule}] {i.text}" for i in exc.issues]
        fail("\n".join(lines))


def _inbox(path: Path) -> Path:
    if not path.exists():
        fail(f"收件箱文件夹不存在：{path}")
    if not path.is_dir():
        fail(f"收件箱应为文件夹：{path}")
    return path


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="orglife")
def main() -> None:
    """专题组织生活会和民主评议党员：生成模板、校验报送表格、汇总备案。"""


@main.command()
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path),
              default=Path("outputs/templates"), show_default=True, help="模板输出文件夹")
def templates(config_path: Path, roster_path: Path | None, out_dir: Path) -> None:
    """为每个支部生成报送表格（<支部名>.xlsx），另加 党总支.xlsx。"""
    from pipeline.excel.templates import write_templates

    campaign = _campaign(config_path)
    roster = _roster(campaign, roster_path)
    try:
        paths = write_templates(campaign, roster, out_dir)
    except OSError as exc:
        fail(f"无法写入 {out_dir}：{exc.strerror or exc}")
    click.echo(f"已生成 {len(paths)} 个表格，保存在 {out_dir}：")
    for p in paths:
        click.echo(f"  {p.name}")
