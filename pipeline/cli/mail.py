"""Commands collect: attachments from exported mail or the office mailbox into the inbox (SPEC §10)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.common import (
    CONFIG_OPTION,
    campaign_from,
    fail,
    main,
    output_file,
    progress_callback,
    write_or_exit,
)


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
    campaign = campaign_from(config_path)
    target = output_file(log_path, "收件记录.xlsx", inbox)
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
            step, stop = progress_callback("连接邮箱…")
            try:
                results.append(collect_imap(
                    settings, password, store, book, limit,
                    progress=(lambda n, total: step(f"收取邮件 {n}/{total}")) if step else None))
            finally:
                stop()
    except (MailError, StateError) as exc:
        if store is not None and store.log:  # what was saved before the failure is logged
            write_or_exit(lambda: write_outputs(store, target, campaign.organisation), target)
        fail(str(exc))
    write_or_exit(lambda: write_outputs(store, target, campaign.organisation), target)
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
