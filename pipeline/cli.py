"""Command line: parse → call the library → render → exit 0 (clean) / 1 (errors) / 2 (usage)."""

from __future__ import annotations

import datetime as dt
import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import click

from pipeline.config import DEFAULT_CONFIG, Campaign, ConfigError, load_campaign
from pipeline.people import Roster, RosterError
from pipeline.read.roster import load_roster

if TYPE_CHECKING:  # the followup commands' types (modules imported inside the commands)
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
    threshold = gc.get_threshold()
    if 0 < threshold[0] < BATCH_GEN0:
        gc.set_threshold(BATCH_GEN0, *threshold[1:])


@main.command()
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path),
              default=Path("outputs/templates"), show_default=True, help="模板输出文件夹")
def templates(config_path: Path, roster_path: Path | None, out_dir: Path) -> None:
    """为每个支部生成报送表格（<支部名>.xlsx），另加 党总支.xlsx。"""

    from pipeline.write.templates import write_templates

    campaign = _campaign(config_path)
    roster = _roster(campaign, roster_path)
    try:
        paths = write_templates(campaign, roster, out_dir)
    except OSError as exc:
        fail(f"无法写入 {out_dir}：{exc.strerror or exc}")
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
@click.argument("inbox", type=click.Path(path_type=Path))
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=None,
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
        validation = app.validate(folder, campaign, roster, progress=step,
                                  review=_review_book(campaign))
    finally:
        stop()
    if target is not None:
        _write(lambda: app.validation_report(validation, campaign, target), target)
    print_summary(validation, campaign)
    if target is not None:
        click.echo(f"校验报告：{target}")
    sys.exit(0 if validation.ok else 1)


@main.command()
@click.argument("inbox", type=click.Path(path_type=Path))
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "out_path", type=click.Path(path_type=Path),
              default=Path("outputs"), show_default=True,
              help="备案工作簿文件名（.xlsx），或保存它的文件夹")
def consolidate(inbox: Path, config_path: Path, roster_path: Path | None, out_path: Path) -> None:
    """校验并汇总收件箱，生成备案工作簿（有错误时仍生成，退出码为 1）。"""
    from pipeline import app
    from pipeline.render import print_summary
    from pipeline.report import output_paths, write_outputs

    campaign, roster, folder = _inputs(inbox, config_path, roster_path)
    try:
        outputs = output_paths(campaign, out_path)
    except ConfigError as exc:
        fail(f"配置错误：{exc}")
    target = _output_file(outputs.filing, campaign.filing_name, inbox)
    step, stop = _progress_callback("读取收件箱…")
    try:  # app.consolidate writes the full filing: the office's 工作底稿
        review = _review_book(campaign)
        done = _write(lambda: app.consolidate(folder, campaign, roster, outputs.workpaper,
                                              progress=step, review=review), target)
    finally:
        stop()
    _write(lambda: write_outputs(done.filing, done.public, campaign, target, workpaper=False),
           target)
    print_summary(done.validation, campaign)
    state = "通过校验" if done.validation.ok else "未通过校验（备案工作簿已生成，汇总表已标明）"
    click.echo(f"备案工作簿（报{campaign.upper_body}）：{target}（{state}）")
    click.echo(f"工作底稿（办公室留存）：{outputs.workpaper}")
    click.echo(f"总结初稿：{outputs.summary}")
    sys.exit(0 if done.validation.ok else 1)


@main.command()
@click.argument("inbox", type=click.Path(path_type=Path))
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d", "%Y/%m/%d"]),
              default=None, help="按哪一天判断逾期（默认今天），如 2017-03-25")
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
    """FILE.xlsx as given, or DIR/default_name; never inside the inbox."""
    target = path if path.suffix.lower() == ".xlsx" else path / default_name
    try:
        inside = target.resolve().is_relative_to(inbox.resolve())
    except OSError:
        inside = False
    if inside:
        fail(f"输出文件不能写在收件箱里：{target}")
    return target


def _write(action: Callable[[], T], target: Path) -> T:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return action()
    except OSError as exc:
        fail(f"无法写入 {target}：{exc.strerror or exc}")


# --- mail commands ---

@main.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option("--imap", "use_imap", is_flag=True,
              help="从邮箱服务器收取新邮件（设置见 campaign.toml 的 [mail]）")
@click.option("-o", "--out", "inbox", type=click.Path(path_type=Path), required=True,
              help="收件箱文件夹（附件按收件日期存入其中的子文件夹）")
@CONFIG_OPTION
@click.option("--log", "log_path", type=click.Path(path_type=Path),
              default=Path("outputs/收件记录.xlsx"), show_default=True,
              help="收件记录工作簿（不能在收件箱里）")
def collect(sources: tuple[Path, ...], use_imap: bool, inbox: Path, config_path: Path,
            log_path: Path) -> None:
    """收取报送邮件中的表格附件：SOURCE 为导出的 .eml/.mbox、其文件夹或附件压缩包 .zip；
    --imap 从邮箱收取。同一文件只保存一次，并生成收件记录。"""
    from pipeline.mail.collect import CollectResult, collect_files, collect_imap, write_outputs
    from pipeline.mail.settings import MailError, contacts, mail_settings, require
    from pipeline.mail.store import StateError, Store

    if not sources and not use_imap:
        fail("请给出要收取的 .eml/.mbox/.zip 文件或文件夹，或使用 --imap 从邮箱收取")
    for source in sources:
        if not source.exists():
            fail(f"找不到要收取的文件或文件夹：{source}")
    if inbox.exists() and not inbox.is_dir():
        fail(f"收件箱应为文件夹：{inbox}")
    campaign = _campaign(config_path)
    target = _output_file(log_path, "收件记录.xlsx", inbox)
    results: list[CollectResult] = []
    store: Store | None = None
    try:
        book = contacts(campaign.raw)
        settings = mail_settings(campaign.raw, campaign.source.parent if campaign.source else None)
        password = ""
        if use_imap:  # settings and password before anything is fetched or written
            require(settings.imap, "收件")
            password = mail_password(settings.imap.user)
        store = Store.open(inbox)
        limit = campaign.limits.max_unpacked_mb
        if sources:
            results.append(collect_files(list(sources), store, book, limit))
        if use_imap:
            step, stop = _progress_callback("连接邮箱…")
            try:
                results.append(collect_imap(
                    settings, password, store, book, limit,
                    progress=(lambda n, total: step(f"收取邮件 {n}/{total}")) if step else None))
            finally:
                stop()
    except (MailError, StateError) as exc:
        if store is not None and store.log:  # what was saved before the failure is logged
            _write(lambda: write_outputs(store, target, campaign.organisation), target)
        fail(str(exc))
    _write(lambda: write_outputs(store, target, campaign.organisation), target)
    _print_collected(results, target)


def mail_password(user: str) -> str:
    """The mailbox password (授权码): from the environment, else typed on a terminal."""
    import os

    from pipeline.mail.settings import PASSWORD_ENV

    password = os.environ.get(PASSWORD_ENV, "")
    if not password and sys.stdin.isatty():
        password = click.prompt(f"邮箱 {user} 的密码（QQ/163 邮箱为授权码）", hide_input=True,
                                err=True)
    if not password:
        fail(f"没有邮箱密码：请设置环境变量 {PASSWORD_ENV}（QQ/163 邮箱为授权码），"
             "或在终端中运行以便输入")
    return password


def _print_collected(results: list, log_path: Path) -> None:  # list[CollectResult]
    from pipeline.mail.collect import SAVED, needs_attention

    rows = [r for res in results for r in res.rows]
    read = sum(res.messages for res in results)
    seen = sum(res.already_seen for res in results)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    parts = "，".join(f"{status} {n}" for status, n in counts.items()) or "没有新附件"
    skipped = f"（已收过的 {seen} 封跳过）" if seen else ""
    click.echo(f"收取邮件 {read} 封{skipped}：{parts}")
    saved = [r for r in rows if r.status == SAVED]
    if saved:
        click.echo("新保存的表格：")
        for r in saved:
            who = " ".join(x for x in (r.branch, r.sender) if x)
            click.echo(f"  {r.saved}  ← {who or '（无发件人）'}")
    attention = needs_attention(rows)
    if attention:
        click.echo("需要手动处理：")
        for r in attention:
            what = r.attachment or r.subject or r.origin
            click.echo(f"  [{r.status}] {what}（{r.sender or r.origin}）：{r.note}")
    click.echo(f"收件记录：{log_path}")

# --- returns commands ---

if TYPE_CHECKING:
    from pipeline.returns import Returns


@main.command("returns")
@click.argument("inbox", type=click.Path(path_type=Path))
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path),
              default=Path("outputs/退回"), show_default=True, help="退回文件的输出文件夹")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d", "%Y/%m/%d"]),
              default=None, help="通知和修改清单的日期，也按这一天判断缺报、逾期（默认今天）")
@click.option("--send", "send", is_flag=True,
              help="通过邮件发送给各支部（[contacts] 中的地址，发件设置见 [mail]）；"
                   "不加时只生成 .eml 邮件草稿")
def returns_cmd(inbox: Path, config_path: Path, roster_path: Path | None, out_dir: Path,
                as_of: dt.datetime | None, send: bool) -> None:
    """退回修改：为有错误、警告或逾期未报送的支部生成 <支部名>-修改意见.xlsx、<支部名>-通知.txt
    和邮件草稿（--send 直接发送），另加 退回汇总.txt（有错误或发送失败时退出码为 1）。"""
    from pipeline import app
    from pipeline.returns import ReturnsError, build_returns, write_returns

    campaign, roster, folder = _inputs(inbox, config_path, roster_path)
    try:
        inside = out_dir.resolve().is_relative_to(folder.resolve())
    except OSError:
        inside = False
    if inside:
        fail(f"输出文件夹不能在收件箱里（退回文件会被当作报送文件读入）：{out_dir}")
    step, stop = _progress_callback("读取收件箱…")
    try:
        # Serially: the copies are built from the raw sheets, which a pool keeps in its workers.
        validation = app.validate(folder, campaign, roster, progress=step, workers=1,
                                  review=_review_book(campaign))
    finally:
        stop()
    day = as_of.date() if as_of else dt.date.today()
    try:
        result = build_returns(validation, campaign, roster, day)
    except ReturnsError as exc:
        fail(f"配置错误：{exc}")
    try:
        write_returns(result, out_dir)
    except OSError as exc:
        fail(f"无法写入 {out_dir}：{exc.strerror or exc}")
    for p in result.packages:
        r = p.ret
        click.echo(f"  {r.branch}：{r.state}（{len(r.errors)} 个错误，{len(r.warnings)} 个警告，"
                   f"{len(r.overdue)} 项逾期未报送）→ {p.stem}-修改意见.xlsx、{p.stem}-通知.txt")
    passed = [r.branch for r in result.branches if not r.needs_package]
    if passed:
        click.echo(f"  已通过：{'、'.join(passed)}")
    click.echo(f"已生成 {len(result.packages)} 份退回修改文件，保存在 {out_dir}；"
               f"汇总见 {out_dir / '退回汇总.txt'}；请于 {result.due:%Y-%m-%d} 前改正发回")
    mailed_ok = _mail_returns(result, out_dir, campaign, send) if result.packages else True
    sys.exit(0 if validation.ok and mailed_ok else 1)


def _mail_returns(result: Returns, out_dir: Path, campaign: Campaign, send: bool) -> bool:
    """.eml drafts, or (--send) the messages over SMTP; False when a message was not sent."""
    import os

    from pipeline.mail.settings import PASSWORD_ENV, MailError, contacts, mail_settings
    from pipeline.returns import mailing

    try:
        settings = mail_settings(campaign.raw, campaign.source.parent if campaign.source else None)
        outgoing = mailing.messages(result, out_dir, campaign, settings.sender,
                                    contacts(campaign.raw))
    except MailError as exc:
        if send:
            fail(str(exc))
        click.echo(f"未生成邮件草稿：{exc}", err=True)
        return True
    missing = [o.branch for o in outgoing if o.message is None]
    if missing:
        click.echo(f"以下支部在 campaign.toml [contacts] 中没有邮箱，未生成邮件："
                   f"{'、'.join(missing)}（请手动发送上述文件）")
    if not send:
        drafts = mailing.write_drafts(outgoing, out_dir)
        if drafts:
            click.echo(f"邮件草稿 {len(drafts)} 封（用 Outlook/Foxmail 打开即可发送）："
                       + "、".join(p.name for p in drafts))
        return True
    try:
        mailing.require_sender(settings.sender)
        password = os.environ.get(PASSWORD_ENV, "") or None
        if settings.smtp.user and not password:
            if not sys.stdin.isatty():
                fail(f"没有邮箱密码：请设置环境变量 {PASSWORD_ENV}（QQ/163 邮箱为授权码），"
                     "或在终端中运行以便输入")
            password = click.prompt(f"邮箱 {settings.smtp.user} 的密码（QQ/163 邮箱为授权码）",
                                    hide_input=True, err=True)
        sent = mailing.send(outgoing, settings.smtp, password)
    except MailError as exc:
        fail(str(exc))
    for r in sent:
        if r.problem:
            click.echo(f"  未送达：{r.subject} → {'、'.join(r.to)}：{r.problem}", err=True)
        else:
            click.echo(f"  已发送：{'、'.join(r.to)}")
    ok = sum(1 for r in sent if not r.problem)
    click.echo(f"已发送 {ok} 封退回邮件" + (f"，{len(sent) - ok} 封未送达" if ok < len(sent) else ""))
    return ok == len(sent)


# --- followup commands ---

def _followup(campaign: Campaign) -> Followup:
    from pipeline.followup.settings import followup_settings

    try:
        return followup_settings(campaign)
    except ConfigError as exc:
        fail(f"配置错误：{exc}")


def _review_book(campaign: Campaign, path: Path | None = None) -> Review | None:
    """The office's review workbook (the configured one unless `path`), None if not written yet."""
    from pipeline.followup.review_book import ReviewError, load_review

    try:
        return load_review(path or _followup(campaign).review_path, campaign)
    except ReviewError as exc:
        fail(f"审核工作簿有误：{exc}")


def _validated(inbox: Path, config_path: Path, roster_path: Path | None,
               review: Review | bool | None = True) -> tuple[Campaign, Validation]:
    """Validate the inbox (with the configured review workbook unless `review` is given)."""
    from pipeline import app

    campaign, roster, folder = _inputs(inbox, config_path, roster_path)
    office = _review_book(campaign) if review is True else review or None
    step, stop = _progress_callback("读取收件箱…")
    try:
        return campaign, app.validate(folder, campaign, roster, progress=step, review=office)
    finally:
        stop()


def _out_dir(path: Path, inbox: Path) -> Path:
    try:
        inside = path.resolve().is_relative_to(inbox.resolve())
    except OSError:
        inside = False
    if inside:
        fail(f"输出文件夹不能在收件箱里：{path}")
    return path


@main.command("review")
@click.argument("inbox", type=click.Path(path_type=Path))
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "out_path", type=click.Path(path_type=Path), default=None,
              help="审核工作簿（.xlsx；默认为配置 [review] path，即 workbooks/总支审核.xlsx）")
def review_cmd(inbox: Path, config_path: Path, roster_path: Path | None,
               out_path: Path | None) -> None:
    """生成或更新党总支审核工作簿：每名测评对象的支部评定、票数、需组织研判的提示，办公室填写审核结论。"""
    from pipeline.followup.stage import update_review
    from pipeline.render import print_summary

    campaign = _campaign(config_path)
    target = out_path or _followup(campaign).review_path
    if target.suffix.lower() != ".xlsx":
        target = target / "总支审核.xlsx"
    target = _output_file(target, target.name, inbox)
    campaign, validation = _validated(inbox, config_path, roster_path,
                                      review=_review_book(campaign, target))
    u = _write(lambda: update_review(validation, campaign, target), target)
    print_summary(validation, campaign)
    click.echo(f"审核工作簿{'已生成' if u.first else '已更新'}：{target}（测评对象 {u.rows} 行）")
    if not u.first:
        click.echo(f"  新增 {u.new} 人，支部评定有变化 {u.changed} 人，已不是测评对象 {u.gone} 行；"
                   "办公室已填的内容均已保留")
    states = "，".join(f"{k} {v} 人" for k, v in sorted(u.states.items()))
    click.echo(f"  审核情况：{states or '尚无已评定等次的党员'}")
    sys.exit(0 if validation.ok else 1)


@main.command("feedback")
@click.argument("inbox", type=click.Path(path_type=Path))
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path),
              default=Path("outputs/反馈"), show_default=True, help="反馈通知输出文件夹")
def feedback_cmd(inbox: Path, config_path: Path, roster_path: Path | None, out_dir: Path) -> None:
    """向本人反馈：每个支部一份 .docx，经党总支审核确认等次的党员每人一页；其余列为待反馈。"""
    from pipeline.followup.feedback_docx import write_feedback
    from pipeline.followup.stage import reviewed_filing

    campaign = _campaign(config_path)
    settings = _followup(campaign)
    out_dir = _out_dir(out_dir, inbox)
    review = _review_book(campaign)
    campaign, validation = _validated(inbox, config_path, roster_path, review=review)
    filing = reviewed_filing(validation, campaign, review)
    paths, found, waiting = _write(
        lambda: write_feedback(filing.results, campaign, settings, out_dir), out_dir / "x")
    per_branch: dict[str, int] = {}
    for n in found:
        per_branch[n.branch] = per_branch.get(n.branch, 0) + 1
    click.echo(f"已生成反馈通知 {len(found)} 份（{len(per_branch)} 个支部），保存在 {out_dir}：")
    for p in paths[:-1]:
        click.echo(f"  {p.name}（{per_branch.get(p.name.split('-')[0], 0)} 人）")
    if waiting:
        click.echo(f"尚未经党总支审核确认、暂不反馈的党员 {len(waiting)} 人（名单见 {paths[-1].name}）：")
        unreviewed: dict[str, int] = {}
        for w in waiting:
            if w.state == "待审核":
                unreviewed[w.branch] = unreviewed.get(w.branch, 0) + 1
            else:  # returned, adjusted without a reason, re-review: name them
                click.echo(f"  {w.branch} {w.name}：{w.state}")
        if unreviewed:
            click.echo("  待审核：" + "，".join(f"{b} {n} 人" for b, n in unreviewed.items()))
    sys.exit(0)


@main.command("publicity")
@click.argument("inbox", type=click.Path(path_type=Path))
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path),
              default=Path("outputs/公示"), show_default=True, help="公示表输出文件夹")
@click.option("--no-pdf", "no_pdf", is_flag=True, help="只生成工作簿，不转换 PDF")
def publicity_cmd(inbox: Path, config_path: Path, roster_path: Path | None, out_dir: Path,
                  no_pdf: bool) -> None:
    """整改清单公示：党总支和每个支部一张 A4 竖版公示表（.xlsx），装有 LibreOffice 时另存 PDF。"""
    import subprocess

    from pipeline.followup.publicity import soffice, to_pdf, write_publicity
    from pipeline.followup.stage import reviewed_filing

    campaign = _campaign(config_path)
    settings = _followup(campaign)
    out_dir = _out_dir(out_dir, inbox)
    campaign, validation = _validated(inbox, config_path, roster_path, review=None)
    filing = reviewed_filing(validation, campaign, None)
    order = [b.branch for b in validation.branches if b.general] + \
        [b.branch for b in validation.branches if not b.general]
    paths = _write(lambda: write_publicity(filing.rectifications, order, campaign, settings,
                                           out_dir), out_dir / "x")
    click.echo(f"已生成整改清单公示表 {len(paths)} 份，保存在 {out_dir}（{settings.publicity.period}）：")
    for p in paths:
        click.echo(f"  {p.name}")
    missing = [u for u in order if u not in {p.name.split("-")[0] for p in paths}]
    if missing:
        click.echo(f"尚无整改清单、未生成公示表：{'、'.join(missing)}")
    if no_pdf or not paths:
        sys.exit(0)
    if soffice() is None:
        click.echo("未找到 LibreOffice（soffice），只生成了工作簿；安装后重新运行可另存 PDF。")
        sys.exit(0)
    try:
        pdfs = to_pdf(paths, out_dir)
    except (subprocess.SubprocessError, OSError) as exc:
        fail(f"LibreOffice 转换 PDF 失败：{exc}", code=1)
    click.echo(f"PDF {len(pdfs)} 份：" + "、".join(p.name for p in pdfs))
    sys.exit(0)

# --- ballots commands ---

@main.command()
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path),
              default=Path("outputs/测评表"), show_default=True, help="PDF 输出文件夹")
def ballots(config_path: Path, roster_path: Path | None, out_dir: Path) -> None:
    """为每个支部生成民主测评表（PDF，每名有表决权的党员印一份）及签到表、发言顺序、计票表。"""
    from pipeline.ballots.papers import write_papers
    from pipeline.ballots.pdf import FontMissing

    campaign = _campaign(config_path)
    roster = _roster(campaign, roster_path)
    try:
        paths = write_papers(campaign, roster, out_dir)
    except (ConfigError, FontMissing, ValueError) as exc:
        fail(f"无法生成测评表：{exc}")
    except OSError as exc:
        fail(f"无法写入 {out_dir}：{exc.strerror or exc}")
    click.echo(f"已生成 {len(paths)} 个 PDF，保存在 {out_dir}：")
    for p in paths:
        click.echo(f"  {p.name}")


def _issued(values: tuple[str, ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    for value in values:
        branch, sep, number = value.partition("=")
        if not sep or not branch.strip() or not number.strip().isdigit():
            fail(f"--issued 的写法应为 支部名=张数，例如 --issued 第一支部=33（收到“{value}”）")
        out[branch.strip()] = int(number)
    return out


@main.command("scan")
@click.argument("scans", nargs=-1, required=True, type=click.Path(path_type=Path))
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "inbox", type=click.Path(path_type=Path),
              default=Path("outputs/扫描计票"), show_default=True,
              help="写入 <支部名>-扫描计票.xlsx 的文件夹（通常是收件箱）")
@click.option("--issued", "issued", multiple=True, metavar="支部名=张数",
              help="发出票数，可多次使用；默认取配置 ballots.issued，再按名册")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="并行进程数（默认 2）")
def scan_cmd(scans: tuple[Path, ...], config_path: Path, roster_path: Path | None, inbox: Path,
             issued: tuple[str, ...], workers: int | None) -> None:
    """判读扫描的民主测评表（PDF、JPG、PNG），按支部写出计票和扫描复核表。

    有未能判读的页或待复核的标记时退出码为 1。"""
    from pipeline.ballots.review import scan_to_inbox

    campaign = _campaign(config_path)
    roster = _roster(campaign, roster_path)
    given = _issued(issued)
    try:
        written = scan_to_inbox(list(scans), campaign, roster, inbox, given, workers)
    except (ConfigError, ValueError) as exc:
        fail(f"无法判读：{exc}")
    except OSError as exc:
        fail(f"无法写入 {inbox}：{exc.strerror or exc}")
    out = written.outcome
    click.echo(f"共 {out.pages_seen} 页，判读 {out.pages_read} 页。")
    for path, b in zip(written.paths, out.branches.values()):
        state = f"待复核 {b.pending} 个标记" if b.pending else "全部判读"
        click.echo(f"  {b.branch}：收回 {b.returned} 张，{state} → {path}")
    for line in written.notices:
        click.echo(f"注意：{line}", err=True)
    pending = any(b.pending for b in out.branches.values())
    sys.exit(1 if pending or out.pages_read < out.pages_seen or written.notices else 0)
