"""Commands ballots, scan: paper 测评表 and scanned ballots counted, never guessed (SPEC §11)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.common import (
    CONFIG_OPTION,
    ROSTER_OPTION,
    campaign_from,
    fail,
    main,
    roster_from,
)
from pipeline.config import ConfigError
from pipeline.normalize import os_reason


@main.command()
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path),
              default=Path("outputs/测评表"), show_default=True, help="PDF 输出文件夹")
def ballots(config_path: Path, roster_path: Path | None, out_dir: Path) -> None:
    """为每个支部生成民主测评表（PDF，每名有表决权的党员印一份）及签到表、发言顺序、计票表。"""
    from pipeline.ballots.papers import write_papers
    from pipeline.ballots.pdf import FontMissing

    campaign = campaign_from(config_path)
    roster = roster_from(campaign, roster_path)
    try:
        paths = write_papers(campaign, roster, out_dir)
    except (ConfigError, FontMissing, ValueError) as exc:
        fail(f"无法生成测评表：{exc}")
    except OSError as exc:
        fail(f"无法写入 {out_dir}：{os_reason(exc)}")
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

    campaign = campaign_from(config_path)
    roster = roster_from(campaign, roster_path)
    given = _issued(issued)
    try:
        written = scan_to_inbox(list(scans), campaign, roster, inbox, given, workers)
    except (ConfigError, ValueError) as exc:
        fail(f"无法判读：{exc}")
    except OSError as exc:
        fail(f"无法写入 {inbox}：{os_reason(exc)}")
    out = written.outcome
    click.echo(f"共 {out.pages_seen} 页，判读 {out.pages_read} 页。")
    for path, b in zip(written.paths, out.branches.values()):
        state = f"待复核 {b.pending} 个标记" if b.pending else "全部判读"
        click.echo(f"  {b.branch}：收回 {b.returned} 张，{state} → {path}")
    for line in written.notices:
        click.echo(f"注意：{line}", err=True)
    pending = any(b.pending for b in out.branches.values())
    sys.exit(1 if pending or out.pages_read < out.pages_seen or written.notices else 0)
