"""Newest wins, sheet by sheet (R-F4): which copy of each contract sheet is used, which are
superseded, which were never filled in; file statuses; byte-identical duplicates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from pipeline import contract as C
from pipeline.issues import issue
from pipeline.model import InputFile
from pipeline.normalize import fold, is_blank, local_time
from pipeline.read import RawSheet, RawWorkbook
from pipeline.read.intake import (
    _SHEET_ORDER,
    ANY,
    DUPLICATE,
    PARTLY_USED,
    SUPERSEDED,
    UNFILLED,
    USED,
    Intake,
    Placed,
    Prefill,
    contract_name,
)
from pipeline.read.table import Header, MissingColumns, count_data_rows, sheet_header

# --- newest wins, sheet by sheet (R-F4) ---------------------------------------------------

def contract_header(sheet: RawSheet, name: str) -> Header | MissingColumns:
    """The header of contract sheet `name` in `sheet` (with the roster's synonyms)."""
    synonyms = C.ROSTER_SYNONYMS if name == C.ROSTER else None
    return sheet_header(sheet, C.SHEETS[name].headers, synonyms=synonyms)


def filled(sheet: RawSheet, name: str, template: Prefill,
           header: Header | MissingColumns | None = None) -> bool:
    """Whether a contract sheet holds data the branch typed (see the module docstring)."""
    if header is None:
        header = contract_header(sheet, name)
    if isinstance(header, MissingColumns):
        return any(not is_blank(v) for row in sheet.rows for v in row)
    defaults = template.get(name, {})
    columns = [(c, defaults.get(n, frozenset())) for n, c in header.all_columns.items()]
    columns = [(c, allowed) for c, allowed in columns if allowed is not ANY]
    for row in sheet.rows[header.row + 1:]:
        for c, allowed in columns:
            if c < len(row) and not is_blank(row[c]) and fold(row[c]) not in (allowed or ()):
                return True
    return False


def _newest_key(f: InputFile) -> tuple[dt.datetime, dt.datetime, str]:
    far = dt.datetime.min.replace(tzinfo=dt.UTC)
    mtime = f.mtime or far
    return (f.submitted or mtime, mtime, f.name)


def _branch_order(known: list[str]) -> Callable[[str], tuple[int, str]]:
    index = {b: i for i, b in enumerate(known)}
    return lambda b: (index.get(b, len(index)), b)


def newest_wins(intake: Intake, placed: list[tuple[InputFile, RawWorkbook]],
                 known: list[str], template: Prefill) -> None:
    sent: dict[tuple[str, str], list[Placed]] = {}
    blank: dict[tuple[str, str], list[Placed]] = {}
    sent_by_file: dict[str, set[str]] = {f.name: set() for f, _ in placed}
    for f, book in placed:
        seen: set[str] = set()
        # a tab named exactly as the contract sheet first: a stray "谈心谈话 " beside the real
        # one is reported by read/stray.py, never read instead of it
        for sheet in sorted(book.sheets.values(), key=lambda s: s.name != contract_name(s.name)):
            name = contract_name(sheet.name)
            if name is None or name in seen or sheet.error:
                continue
            seen.add(name)
            header = contract_header(sheet, name)
            target = sent if filled(sheet, name, template, header) else blank
            if sheet.name != name:  # a tab renamed "谈心谈话 ": placed under its contract name
                sheet = dataclasses.replace(sheet, name=name)
            target.setdefault((f.branch, name), []).append(Placed(f, sheet, header))
            if target is sent:
                sent_by_file[f.name].add(name)
    won: dict[str, set[str]] = {f.name: set() for f, _ in placed}
    ties: dict[tuple[str, str], tuple[InputFile, InputFile, list[str]]] = {}
    winners: dict[tuple[str, str], Placed] = {}
    for key, copies in sent.items():
        copies.sort(key=lambda p: _newest_key(p[0]))
        winner = copies[-1]
        if len(copies) > 1 and _newest_key(copies[-2][0])[:2] == _newest_key(winner[0])[:2]:
            ties.setdefault((copies[-2][0].name, winner[0].name), (copies[-2][0], winner[0], []))
            ties[(copies[-2][0].name, winner[0].name)][2].append(key[1])
        winners[key] = winner
        won[winner[0].name].add(key[1])
        for loser, sheet, header in copies[:-1]:
            intake.superseded.append((loser, key[1], winner.file))
            intake.superseded_rows[(loser.name, key[1])] = (
                count_data_rows(sheet.rows, header) if isinstance(header, Header) else 0)
    for other, winner_file, sheets in ties.values():
        _report_tie(intake, sorted(sheets, key=_SHEET_ORDER.__getitem__), other, winner_file)
    order = _branch_order(known)

    def nest(items: dict[tuple[str, str], Placed]) -> dict[str, dict[str, Placed]]:
        out: dict[str, dict[str, Placed]] = {}
        for (branch, name) in sorted(items, key=lambda k: (order(k[0]), _SHEET_ORDER[k[1]])):
            out.setdefault(branch, {})[name] = items[(branch, name)]
        return out

    intake.sheets = nest(winners)
    intake.unfilled = nest({key: max(copies, key=lambda p: _newest_key(p[0]))
                            for key, copies in blank.items() if key not in sent})
    intake.superseded.sort(key=lambda t: (order(t[0].branch), t[0].name, _SHEET_ORDER[t[1]]))
    lost_to: dict[str, list[str]] = {}
    for loser, name, newer in intake.superseded:
        lost_to.setdefault(loser.name, []).append(f"{name}（由 {newer.name} 替代）")
    for f, _ in placed:
        mine, wins = sent_by_file[f.name], won[f.name]
        notes = [f.note] if f.note else []
        if not mine:
            book = intake.books[f.name]
            refused = any(s.error and contract_name(s.name) for s in book.sheets.values())
            if refused:
                f.status = USED
                notes.append("工作表未能读取，见校验问题")
            else:
                f.status = UNFILLED
                notes.append("各表均未填写数据，不作为报送")
                intake.issues.append(issue(
                    "R-F6", "warning",
                    "文件中各表均未填写（只有模板预填的内容，如下发的空白模板），不作为报送；"
                    "如已填写，请保存后重新报送", branch=f.branch, file=f.name,
                    found="未填写的模板", expected="填写后的表格"))
        elif wins == mine:
            f.status = USED
        elif wins:
            f.status = PARTLY_USED
        else:
            f.status = SUPERSEDED
        if wins:
            notes.append("采用：" + "、".join(sorted(wins, key=_SHEET_ORDER.__getitem__)))
        if f.name in lost_to:
            notes.append("被替代：" + "、".join(lost_to[f.name]))
        f.note = "；".join(notes)


def _report_tie(intake: Intake, sheets: list[str], other: InputFile, winner: InputFile) -> None:
    """R-F4: two sends with the same times; the later name wins, said aloud (a correction
    lost by name order without a word: issue #10, case 9)."""
    intake.issues.append(issue(
        "R-F4", "warning",
        f"{other.name} 与 {winner.name} 的报送时间相同（保存时间和文件时间都相同），无法判断哪一份"
        f"较新，“{'、'.join(sheets)}”按文件名采用了 {winner.name}；如应采用另一份，请删除不用的文件",
        branch=winner.branch, file=winner.name, found=f"与 {other.name} 时间相同",
        expected="每次报送的时间不同"))


def report_future_times(intake: Intake, placed: list[tuple[InputFile, RawWorkbook]],
                        now: dt.datetime) -> None:
    """R-F4: a saved time later than now (or than the logged received time) is a wrong clock;
    such a file is ordered by its received or file time, never by the saved time (a send
    saved "in 2099" silently won over the real newest send: issue #10, case 9)."""
    for f, _book in placed:
        if f.saved is None:
            continue
        limit = f.received or now
        if f.saved <= limit + _CLOCK_SLACK:
            continue
        f.saved_in_future = True
        when = "收件时间" if f.received else "当前时间"
        shown = local_time(f.saved) or f.saved
        intake.issues.append(issue(
            "R-F4", "warning",
            f"文件的保存时间 {shown:%Y-%m-%d %H:%M} 晚于{when}（电脑时钟可能有误），"
            "判断哪份较新时不采用这个时间，改用收件时间或文件时间；请核对报送电脑的日期",
            branch=f.branch, file=f.name, found=f"{shown:%Y-%m-%d %H:%M}",
            expected=f"不晚于{when}"))


_CLOCK_SLACK = dt.timedelta(hours=1)  # clocks a little off are not worth a warning


def report_duplicates(intake: Intake, duplicates: list[tuple[InputFile, InputFile]]) -> None:
    """R-F4: byte-identical copies are used once; one warning per group of copies."""
    groups: dict[str, list[InputFile]] = {}
    for copy, original in duplicates:
        copy.status, copy.branch = DUPLICATE, original.branch
        copy.note = f"与 {original.name} 内容完全相同，只采用一份"
        groups.setdefault(original.name, [original]).append(copy)
    for members in groups.values():
        original, copies = members[0], members[1:]
        names = "、".join(c.name for c in copies)
        intake.issues.append(issue(
            "R-F4", "warning",
            f"与 {original.name} 内容完全相同（重复报送 {len(copies)} 份：{names}），"
            f"只采用 {original.name} 一份", branch=original.branch, file=copies[0].name,
            found=f"与 {original.name} 内容相同", expected="每份文件只报送一次"))
