"""Commands review, feedback, publicity: after the meeting (SPEC §12)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.common import (
    CONFIG_OPTION,
    ROSTER_OPTION,
    campaign_from,
    fail,
    followup_of,
    main,
    output_file,
    outside_inbox,
    review_book,
    validated,
    write_or_exit,
)


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

    campaign = campaign_from(config_path)
    target = out_path or followup_of(campaign).review_path
    if target.suffix.lower() != ".xlsx":
        target = target / "总支审核.xlsx"
    target = output_file(target, target.name, inbox)
    campaign, validation = validated(inbox, config_path, roster_path,
                                      review=review_book(campaign, target))
    u = write_or_exit(lambda: update_review(validation, campaign, target), target)
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

    campaign = campaign_from(config_path)
    settings = followup_of(campaign)
    out_dir = outside_inbox(out_dir, inbox)
    review = review_book(campaign)
    campaign, validation = validated(inbox, config_path, roster_path, review=review)
    filing = reviewed_filing(validation, campaign, review)
    paths, found, waiting = write_or_exit(
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

    campaign = campaign_from(config_path)
    settings = followup_of(campaign)
    out_dir = outside_inbox(out_dir, inbox)
    campaign, validation = validated(inbox, config_path, roster_path, review=None)
    filing = reviewed_filing(validation, campaign, None)
    order = [b.branch for b in validation.branches if b.general] + \
        [b.branch for b in validation.branches if not b.general]
    paths = write_or_exit(lambda: write_publicity(filing.rectifications, order, campaign, settings,
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
