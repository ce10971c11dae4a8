"""Command line: parse → call the library → render → exit 0 (clean) / 1 (errors) / 2 (usage)."""

from __future__ import annotations

import datetime as dt
import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click

from pipeline.cli_zh import ChineseGroup
from pipeline.config import DEFAULT_CONFIG, Campaign, ConfigError, load_campaign
from pipeline.normalize import os_reason
from pipeline.people import Roster, RosterError
from pipeline.read.roster import load_roster

if TYPE_CHECKING:
    from pipeline.app import Consolidation

# Reading an inbox allocates millions of rows, dicts and frames that all stay alive: with
# CPython's default first-generation threshold (700) the cycle collector runs hundreds of
# times over that growing heap (0.6 s of a 400-branch validation, measured) and finds almost
# nothing. A higher threshold keeps the collector, with fewer passes; set once, here.
BATCH_GEN0 = 10_000
T = TypeVar("T")

CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG,
    metavar="文件",
    show_default=True, help="活动配置文件 campaign.toml")
ROSTER_OPTION = click.option(
    "--roster", "roster_path", type=click.Path(path_type=Path), default=None, metavar="文件",
    help="党员名册 .xlsx（默认为配置中指定的名册）")


def fail(message: str, code: int = 2) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def _campaign(config_path: Path) -> Campaign:
    try:
        return load_campaign(config_path)
    except ConfigError as exc:
        hint = ""
        if not config_path.exists():
            hint = ("\n请在本工具的文件夹中运行，或用 --config 指定配置文件，"
                    "如 --config workbooks/campaign.toml")
        fail(f"配置错误：{exc}{hint}")


def _roster(campaign: Campaign, roster_path: Path | None) -> Roster:
    path = roster_path or campaign.roster_path
    assert path is not None
    try:
        roster = load_roster(path, campaign)
    except RosterError as exc:
        lines = [f"党员名册有误（{len(exc.issues)} 处），请修改后重试："]
        lines += [f"  [{i.rule}] {i.text}" for i in exc.issues]
        fail("\n".join(lines))
    for note in roster.notes:  # defaults taken for missing columns: said, not silent
        click.echo(f"[警告][{note.rule}] {note.text}", err=True)
    return roster


def _inbox(path: Path) -> Path:
    if not path.exists():
        fail(f"收件箱文件夹不存在：{path}")
    if not path.is_dir():
        fail(f"收件箱应为文件夹：{path}")
    return path


@click.group(name="orglife", cls=ChineseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="orglife", help="显示版本并退出",
                      message="%(prog)s 版本 %(version)s")
def main() -> None:
    """专题组织生活会和民主评议党员：生成模板、校验报送表格、汇总备案。"""
    threshold = gc.get_threshold()
    if 0 < threshold[0] < BATCH_GEN0:
        gc.set_threshold(BATCH_GEN0, *threshold[1:])


@main.command()
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), metavar="文件夹",
              default=Path("outputs/templates"), show_default=True, help="模板输出文件夹")
def templates(config_path: Path, roster_path: Path | None, out_dir: Path) -> None:
    """为每个支部生成报送表格（<支部名>.xlsx），另加 党总支.xlsx。"""

    from pipeline.write.templates import write_templates

    campaign = _campaign(config_path)
    roster = _roster(campaign, roster_path)
    try:
        paths = write_templates(campaign, roster, out_dir)
    except OSError as exc:
        fail(f"无法写入 {out_dir}：{os_reason(exc)}")
    click.echo(f"已生成 {len(paths)} 个表格，保存在 {out_dir}：")
    for p in paths:
        click.echo(f"  {p.name}")


def _progress_callback(total_hint: str) -> tuple[Callable[[str], None] | None, Callable[[], None]]:
    """A rich progress line on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                        console=Console(stderr=True), transient=True)
    task = progress.add_task(total_hint)
    progress.start()

    def step(message: str) -> None:
        progress.update(task, description=message)

    return step, progress.stop


def _inputs(inbox: Path, config_path: Path,
            roster_path: Path | None) -> tuple[Campaign, Roster, Path]:
    campaign = _campaign(config_path)
    return campaign, _roster(campaign, roster_path), _inbox(inbox)


@main.command("validate")
@click.argument("inbox", type=click.Path(path_type=Path), metavar="收件箱文件夹")
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=None,
              metavar="文件",
              help="另存校验报告工作簿（.xlsx）")
def validate_cmd(inbox: Path, config_path: Path, roster_path: Path | None,
                 report_path: Path | None) -> None:
    """只校验收件箱中的文件，显示问题摘要（有错误时退出码为 1）。"""
    from pipeline import app
    from pipeline.render import print_summary

    campaign, roster, folder = _inputs(inbox, config_path, roster_path)
    target = _output_file(report_path, "校验报告.xlsx", inbox) if report_path else None
    step, stop = _progress_callback("读取收件箱…")
    try:
        validation = app.validate(folder, campaign, roster, progress=step)
    finally:
        stop()
    if target is not None:
        _write(lambda: app.validation_report(validation, campaign, target), target)
    print_summary(validation, campaign)
    if target is not None:
        click.echo(f"校验报告：{target}")
    sys.exit(0 if validation.ok else 1)


@main.command()
@click.argument("inbox", type=click.Path(path_type=Path), metavar="收件箱文件夹")
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "out_path", type=click.Path(path_type=Path), metavar="文件或文件夹",
              default=Path("outputs"), show_default=True,
              help="备案工作簿文件名（.xlsx），或保存它的文件夹")
def consolidate(inbox: Path, config_path: Path, roster_path: Path | None, out_path: Path) -> None:
    """校验并汇总收件箱，生成备案工作簿（有错误时仍生成，退出码为 1）。"""
    from pipeline import app
    from pipeline.render import print_summary

    campaign, roster, folder = _inputs(inbox, config_path, roster_path)
    target = _output_file(out_path, campaign.filing_name, inbox)
    step, stop = _progress_callback("读取收件箱…")
    try:
        done = _write(lambda: app.consolidate(folder, campaign, roster, target, progress=step),
                      target)
    finally:
        stop()
    print_summary(done.validation, campaign)
    click.echo(f"备案工作簿：{target}（{_verdict(done)}）")
    sys.exit(0 if done.validation.ok else 1)


def _verdict(done: Consolidation) -> str:
    """The filing's state in words, with what exit 1 means (make prints only "Error 1")."""
    from pipeline.app import PLACED
    from pipeline.contract import FAILED, INCOMPLETE, MISSING, TOTAL

    status = done.filing.status
    errors = len(done.validation.report.errors)
    if status == MISSING or not any(f.status in PLACED for f in done.validation.report.files):
        return "未报送：收件箱中没有收到任何支部的表格；退出码 1"
    if status == FAILED or errors:
        return (f"未通过校验：发现 {errors} 个错误，备案工作簿已生成，汇总表已标明；"
                "退出码 1 表示发现错误，请支部改正后重新报送")
    if status == INCOMPLETE:
        rows = done.filing.summary.to_dict("records")
        owing = [str(r["支部"]) for r in rows if r["支部"] != TOTAL
                 and r["状态"] in (MISSING, INCOMPLETE)]
        return f"不完整：{'、'.join(owing)} 尚有阶段未报送，见汇总表各阶段列"
    return "通过校验"


@main.command()
@click.argument("inbox", type=click.Path(path_type=Path), metavar="收件箱文件夹")
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d", "%Y/%m/%d"]),
              default=None, metavar="日期", help="按哪一天判断逾期（默认今天），如 2017-03-25")
def status(inbox: Path, config_path: Path, roster_path: Path | None,
           as_of: dt.datetime | None) -> None:
    """各支部各阶段的报送情况：已收到、未报送、逾期，以及需要催报的名单。"""
    from pipeline import app
    from pipeline.render import print_status

    campaign, roster, folder = _inputs(inbox, config_path, roster_path)
    day = as_of.date() if as_of else dt.date.today()
    step, stop = _progress_callback("读取收件箱…")
    try:
        result = app.status(folder, campaign, roster, day, progress=step)
    finally:
        stop()
    print_status(result.table, campaign, day)


def _output_file(path: Path, default_name: str, inbox: Path) -> Path:
    """FILE.xlsx as given, or DIR/default_name; never inside the inbox. A name with another
    extension is an error (`-o 备案.xls` made a folder called 备案.xls: issue #10, case 17)."""
    if path.suffix.lower() == ".xlsx":
        target = path
    elif path.suffix and not path.is_dir():
        fail(f"输出文件应以 .xlsx 结尾：{path}（也可以给出一个文件夹，文件名自动生成）")
    else:
        target = path / default_name
    try:
        inside = target.resolve().is_relative_to(inbox.resolve())
    except OSError:
        inside = False
    if inside:
        fail(f"输出文件不能写在收件箱里：{target}")
    return target


def _write(action: Callable[[], T], target: Path) -> T:
    blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:  # mkdir would say "File exists"
        fail(f"无法写入 {target}：{blocker} 是一个文件，不是文件夹")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return action()
    except OSError as exc:
        fail(f"无法写入 {target}：{os_reason(exc)}")
