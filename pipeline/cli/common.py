"""The `orglife` group, the options and checks every command shares, and the one place where
a domain error becomes a Chinese message and an exit code (2: usage, config, roster)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click

from pipeline.cli.chinese import ChineseGroup
from pipeline.config import DEFAULT_CONFIG, Campaign, ConfigError, load_campaign
from pipeline.normalize import os_reason
from pipeline.people import Roster, RosterError
from pipeline.read.roster import load_roster

if TYPE_CHECKING:  # types of values the commands render (modules imported inside them)
    from pipeline.app import Validation
    from pipeline.followup.review_book import Review
    from pipeline.followup.settings import Followup

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


def campaign_from(config_path: Path) -> Campaign:
    try:
        return load_campaign(config_path)
    except ConfigError as exc:
        hint = ""
        if not config_path.exists():
            hint = ("\n请在本工具的文件夹中运行，或用 --config 指定配置文件，"
                    "如 --config workbooks/campaign.toml")
        fail(f"配置错误：{exc}{hint}")


def roster_from(campaign: Campaign, roster_path: Path | None) -> Roster:
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


def inbox_dir(path: Path) -> Path:
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



def progress_callback(total_hint: str) -> tuple[Callable[[str], None] | None, Callable[[], None]]:
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


def read_inputs(inbox: Path, config_path: Path,
            roster_path: Path | None) -> tuple[Campaign, Roster, Path]:
    campaign = campaign_from(config_path)
    return campaign, roster_from(campaign, roster_path), inbox_dir(inbox)



def output_file(path: Path, default_name: str, inbox: Path) -> Path:
    """FILE.xlsx as given, or DIR/default_name; never inside the inbox. A name with another
    extension is an error (`-o 备案.xls` made a folder called 备案.xls: issue #10, case 17)."""
    if path.suffix.lower() == ".xlsx":
        target = path
    elif path.suffix and not path.is_dir():
        fail(f"输出文件应以 .xlsx 结尾：{path}（也可以给出一个文件夹，文件名自动生成）")
    else:
        target = path / default_name
    if inside_inbox(target, inbox):
        fail(f"输出文件不能写在收件箱里：{target}")
    return target


def inside_inbox(path: Path, inbox: Path) -> bool:
    """Whether `path` lies inside the inbox (an output there would be read as a submission)."""
    try:
        return path.resolve().is_relative_to(inbox.resolve())
    except OSError:
        return False


def write_or_exit(action: Callable[[], T], target: Path) -> T:
    blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:  # mkdir would say "File exists"
        fail(f"无法写入 {target}：{blocker} 是一个文件，不是文件夹")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return action()
    except OSError as exc:
        fail(f"无法写入 {target}：{os_reason(exc)}")




def followup_of(campaign: Campaign) -> Followup:
    from pipeline.followup.settings import followup_settings

    try:
        return followup_settings(campaign)
    except ConfigError as exc:
        fail(f"配置错误：{exc}")


def review_book(campaign: Campaign, path: Path | None = None) -> Review | None:
    """The office's review workbook (the configured one unless `path`), None if not written yet."""
    from pipeline.followup.review_book import ReviewError, load_review

    try:
        return load_review(path or followup_of(campaign).review_path, campaign)
    except ReviewError as exc:
        fail(f"审核工作簿有误：{exc}")


def validated(inbox: Path, config_path: Path, roster_path: Path | None,
               review: Review | bool | None = True) -> tuple[Campaign, Validation]:
    """Validate the inbox (with the configured review workbook unless `review` is given)."""
    from pipeline import app

    campaign, roster, folder = read_inputs(inbox, config_path, roster_path)
    office = review_book(campaign) if review is True else review or None
    step, stop = progress_callback("读取收件箱…")
    try:
        return campaign, app.validate(folder, campaign, roster, progress=step, review=office)
    finally:
        stop()


def outside_inbox(path: Path, inbox: Path, why: str = "") -> Path:
    """An output folder, refused (exit 2) when it lies inside the inbox."""
    if inside_inbox(path, inbox):
        fail(f"输出文件夹不能在收件箱里{why}：{path}")
    return path
