"""click in Chinese: usage errors and help texts an office worker can read (issue #10, case 17:
"Missing argument 'INBOX'", "No such option" and "Show this message and exit" were English).

`ChineseGroup` is the class of the `orglife` group; every command added to it is a
`ChineseCommand`. Usage errors are caught in `main` and said again in Chinese (exit 2); help
pages get Chinese headings and option texts.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import click

HELP_TEXT = "显示本说明并退出"
_HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
# What click appends to an option's help: "[default: x]", "[required]".
_EXTRAS = (("default: ", "默认："), ("required", "必填"), ("env var: ", "环境变量："))
_EXTRA_ARGS = re.compile(r"Got unexpected extra arguments? \((.*)\)")
_FORMATS = re.compile(r"'(.*)' does not match the formats? (.*)\.$")


class _Chinese:
    """Help pages with Chinese headings (mixed into Command and Group)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        if isinstance(self, click.Group):
            kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_TEXT
        return option

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="用法：")

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = [r for p in self.get_params(ctx)  # type: ignore[attr-defined]
                   if isinstance(p, click.Argument) and (r := p.get_help_record(ctx)) and r[1]]
        if records:
            with formatter.section(_HEADINGS["Arguments"]):
                formatter.write_dl(records)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = []
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            record = param.get_help_record(ctx)
            if record is not None and not isinstance(param, click.Argument):
                text = record[1]
                for english, chinese in _EXTRAS:
                    text = text.replace(english, chinese)
                records.append((record[0], text))
        if records:
            with formatter.section(_HEADINGS["Options"]):
                formatter.write_dl(records)
        if isinstance(self, click.Group):
            self.format_commands(ctx, formatter)


class ChineseCommand(_Chinese, click.Command):
    """A command whose help page is in Chinese."""


class ChineseGroup(_Chinese, click.Group):
    """The `orglife` group: Chinese help pages and usage errors (exit 2)."""

    command_class = ChineseCommand

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section(_HEADINGS["Commands"]):
                formatter.write_dl(rows)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            _usage_error(exc)
            sys.exit(2)
        except click.ClickException as exc:
            click.echo(f"错误：{exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("已中止。", err=True)
            sys.exit(1)
        if standalone_mode:  # --help and --version return their exit code here
            sys.exit(result if isinstance(result, int) else 0)
        return result


def _usage_error(exc: click.UsageError) -> None:
    ctx = exc.ctx
    no_args = getattr(click.exceptions, "NoArgsIsHelpError", ())
    if no_args and isinstance(exc, no_args) and ctx is not None:
        click.echo(ctx.get_help(), err=True)  # `orglife` alone: the help page
        return
    if ctx is not None:
        click.echo(ctx.get_usage(), err=True)
        command = ctx.command_path
        click.echo(f"请运行“{command} --help”查看用法。", err=True)
    click.echo(f"错误：{chinese_message(exc)}", err=True)


def _name(param: click.Parameter | None, hint: str | None) -> str:
    if param is not None:
        if isinstance(param, click.Argument):
            return param.human_readable_name
        return "/".join(param.opts)
    return (hint or "").strip("'\"")


def chinese_message(exc: click.UsageError) -> str:
    """The usage error in Chinese (click's own text for a case not foreseen)."""
    no_such_command = getattr(click.exceptions, "NoSuchCommand", None)
    if isinstance(exc, click.MissingParameter):
        name = _name(exc.param, exc.param_hint if isinstance(exc.param_hint, str) else None)
        what = "参数" if isinstance(exc.param, click.Argument) else "选项"
        return f"缺少{what} {name}"
    if isinstance(exc, click.NoSuchOption):
        text = f"没有选项 {exc.option_name}"
        if exc.possibilities:
            text += f"；您是否想用 {'、'.join(sorted(exc.possibilities))}？"
        return text
    if no_such_command is not None and isinstance(exc, no_such_command):
        text = f"没有命令“{exc.command_name}”"
        if exc.possibilities:
            text += f"；您是否想用 {'、'.join(exc.possibilities)}？"
        return text
    if isinstance(exc, click.BadOptionUsage) and "requires an argument" in exc.message:
        return f"选项 {exc.option_name} 后面需要一个值"
    if isinstance(exc, click.BadParameter):
        name = _name(exc.param, exc.param_hint if isinstance(exc.param_hint, str) else None)
        m = _FORMATS.search(exc.message)
        if m:
            return f"{name} 的值“{m.group(1)}”不是日期，应写成 2017-03-25 或 2017/03/25 的形式"
        return f"{name} 的值无效：{exc.message}"
    m = _EXTRA_ARGS.search(exc.message)
    if m:
        return f"多余的参数：{m.group(1)}"
    if exc.message.startswith("No such command"):
        return "没有这个命令：" + exc.message.split(" ", 3)[-1].rstrip(".")
    if exc.message == "Missing command.":
        return "缺少命令（如 validate、consolidate、status、templates）"
    return exc.message
