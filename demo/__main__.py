"""python -m demo: write the demo roster and inbox (workbooks/roster.xlsx, workbooks/inbox/)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from demo.inbox import DEFAULT_SEED, DemoError, generate
from pipeline.config import DEFAULT_CONFIG, ConfigError, load_campaign
from pipeline.people import RosterError


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG,
              show_default=True, help="活动配置文件 campaign.toml")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="随机种子")
@click.option("--inbox", type=click.Path(path_type=Path), default=None,
              help="收件箱文件夹（默认为名册旁的 inbox）")
@click.option("--no-xls", is_flag=True, help="不调用 LibreOffice 生成 .xls")
@click.option("--refresh-xls", is_flag=True, help="内容未变也重新生成 .xls")
def main(config_path: Path, seed: int, inbox: Path | None, no_xls: bool,
         refresh_xls: bool) -> None:
    """生成演示用党员名册和各支部已填写的报送表格（收件箱）。"""
    try:
        campaign = load_campaign(config_path)
        result = generate(campaign, seed, inbox=inbox, xls=not no_xls, refresh_xls=refresh_xls)
    except ConfigError as exc:
        click.echo(f"配置错误：{exc}", err=True)
        sys.exit(2)
    except DemoError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except RosterError as exc:
        click.echo("演示名册有误：\n" + "\n".join(i.text for i in exc.issues), err=True)
        sys.exit(1)
    click.echo(f"党员名册：{result.roster}")
    for path in result.files:
        click.echo(f"  {path}")
    for note in result.notes:
        click.echo(f"  {note}")


if __name__ == "__main__":
    main()
