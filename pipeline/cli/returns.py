"""Commands returns: a marked-up copy of each branch's workbook, a notice, drafts or mail (SPEC §9)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import (
    CONFIG_OPTION,
    ROSTER_OPTION,
    fail,
    main,
    outside_inbox,
    progress_callback,
    read_inputs,
    review_book,
)
from pipeline.config import Campaign
from pipeline.normalize import os_reason

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

    campaign, roster, folder = read_inputs(inbox, config_path, roster_path)
    outside_inbox(out_dir, folder, "（退回文件会被当作报送文件读入）")
    step, stop = progress_callback("读取收件箱…")
    try:
        # Serially: the copies are built from the raw sheets, which a pool keeps in its workers.
        validation = app.validate(folder, campaign, roster, progress=step, workers=1,
                                  review=review_book(campaign))
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
        fail(f"无法写入 {out_dir}：{os_reason(exc)}")
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
