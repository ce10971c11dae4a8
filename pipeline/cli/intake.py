"""Commands templates, validate, consolidate, status: the campaign's spine (SPEC §8)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.cli.common import (
    CONFIG_OPTION,
    ROSTER_OPTION,
    campaign_from,
    fail,
    main,
    output_file,
    progress_callback,
    read_inputs,
    review_book,
    roster_from,
    write_or_exit,
)
from pipeline.config import ConfigError
from pipeline.normalize import os_reason

if TYPE_CHECKING:
    from pipeline.app import Consolidation


@main.command()
@CONFIG_OPTION
@ROSTER_OPTION
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), metavar="文件夹",
              default=Path("outputs/templates"), show_default=True, help="模板输出文件夹")
def templates(config_path: Path, roster_path: Path | None, out_dir: Path) -> None:
    """为每个支部生成报送表格（<支部名>.xlsx），另加 党总支.xlsx。"""

    from pipeline.write.templates import write_templates

    campaign = campaign_from(config_path)
    roster = roster_from(campaign, roster_path)
    try:
        paths = write_templates(campaign, roster, out_dir)
    except OSError as exc:
        fail(f"无法写入 {out_dir}：{os_reason(exc)}")
    click.echo(f"已生成 {len(paths)} 个表格，保存在 {out_dir}：")
    for p in paths:
        click.echo(f"  {p.name}")



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

    campaign, roster, folder = read_inputs(inbox, config_path, roster_path)
    target = output_file(report_path, "校验报告.xlsx", inbox) if report_path else None
    step, stop = progress_callback("读取收件箱…")
    try:
        validation = app.validate(folder, campaign, roster, progress=step,
                                  review=review_book(campaign))
    finally:
        stop()
    if target is not None:
        write_or_exit(lambda: app.validation_report(validation, campaign, target), target)
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
    from pipeline.report import output_paths

    campaign, roster, folder = read_inputs(inbox, config_path, roster_path)
    output_file(out_path, campaign.filing_name, inbox)  # a .xlsx or a folder, not in the inbox
    try:
        outputs = output_paths(campaign, out_path)
    except ConfigError as exc:
        fail(f"配置错误：{exc}")
    review = review_book(campaign)
    step, stop = progress_callback("读取收件箱…")
    try:
        done = write_or_exit(lambda: app.consolidate(folder, campaign, roster, outputs,
                                                     progress=step, review=review),
                             outputs.filing)
    finally:
        stop()
    print_summary(done.validation, campaign)
    click.echo(f"备案工作簿（报{campaign.upper_body}）：{outputs.filing}（{_verdict(done)}）")
    click.echo(f"工作底稿（办公室留存）：{outputs.workpaper}")
    click.echo(f"总结初稿：{outputs.summary}")
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

    campaign, roster, folder = read_inputs(inbox, config_path, roster_path)
    day = as_of.date() if as_of else dt.date.today()
    step, stop = progress_callback("读取收件箱…")
    try:
        result = app.status(folder, campaign, roster, day, progress=step)
    finally:
        stop()
    print_status(result.table, campaign, day)
