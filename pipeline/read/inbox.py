"""Inbox intake (SPEC §4 Files, R-F1 R-F2 R-F4 R-F5): find the files, open them, place each by
its `_meta` (or its sheets and a branch name), and let the newest file win sheet by sheet.

Decisions an office worker would expect, documented here because the spec is silent:
- Files are walked recursively in sorted order of their path relative to the inbox. Office
  lock files (`~$…`, `.~lock…#`) and Thumbs.db/desktop.ini/.DS_Store are skipped silently:
  they are never what a branch sent, nor are hidden folders (.orglife, .git). Hidden files
  are listed as 已跳过 with a warning; links are followed inside the inbox and listed (an error) when they lead outside.
- A file whose content is not a workbook is a warning (非表格文件) when its name does not
  claim to be a spreadsheet either (a PDF, a Word 总结); when it does (HTML saved as .xls, a
  CSV, a truncated download) it is an error (无法打开): the branch meant to send a sheet.
- A sheet counts as *sent* only when its data area holds something the branch typed, i.e. a
  value that is not template pre-fill (`prefill()`: the roster columns and names the office
  fills, and the defaults 民主评议出席 = 出席, 评定等次 = 不评定等次). An untouched template
  sheet therefore never replaces a filled one; the newest untouched copy is in
  `Intake.unfilled`. The price: a 党员名册 whose only change is in an office-filled column
  (say a corrected 党小组) does not count as sent. A sheet whose required headers cannot be
  found counts as sent when it holds any value, so that the rules report R-F3 against it
  rather than silently preferring an older copy.
- A file in which no contract sheet holds anything typed (an untouched template sent back)
  is not a send: status 未填写 and an R-F6 warning (template text is not data); it never
  replaces a filled sheet, and its branch shows as not sent.
- Macros are never run: a workbook with macros (and one whose formulas link to other
  workbooks) is used with the values saved in it, and an R-F1 warning says so.
- File names whose bytes are not UTF-8 (GBK names from a Windows zip tool) are shown decoded
  as GB18030, so that reports and the filing can hold them; a file that is not a regular file
  (a broken link, a pipe) is reported, never opened.
- Newest = the submission time: the received time logged by `orglife collect` in
  `INBOX/.orglife/received.json` for a file whose bytes still hash as logged, else the
  workbook's own saved time, else the file's modification time; ties go to the later
  modification time, then the later name. All times are aware UTC. The `.orglife/` folder is
  the tool's own state: never an input, never listed as skipped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.issues import Issue, Severity, issue
from pipeline.model import InputFile
from pipeline.normalize import fold, os_reason
from pipeline.read import NotSpreadsheet, RawWorkbook, UnreadableFile
from pipeline.read.foreign import not_a_submission
from pipeline.read.intake import (
    NOT_PROCESSED,
    NOT_SPREADSHEET,
    NOT_SUBMISSION,
    OTHER_CAMPAIGN,
    SKIPPED,
    SPREADSHEET_SUFFIXES,
    SYSTEM_FILES,
    UNPLACED,
    UNREADABLE,
    Intake,
    contract_name,
    prefill,
)
from pipeline.read.isolated import read_isolated
from pipeline.read.merged import report_merged_data
from pipeline.read.newest import newest_wins, report_duplicates, report_future_times
from pipeline.read.placing import place
from pipeline.read.reconcile import belongs_elsewhere
from pipeline.read.stray import report_stray_sheets
from pipeline.read.xmlparts import parse_timestamp

# --- walking ------------------------------------------------------------------------------

def _silent(name: str) -> bool:
    """Lock files and system files: never a branch's submission, never listed."""
    return (name.startswith("~$") or name.lower() in SYSTEM_FILES
            or (name.startswith(".~lock") and name.endswith("#")))


# Folders that are an archiver's own, skipped without a word (as are hidden folders).
_SILENT_DIRS = frozenset({"__MACOSX"})


def survey(inbox: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(candidate files sorted by relative path, skipped entries with the reason).

    Hidden files (a name starting with ".") are skipped but listed: a send saved
    as ".第一支部.xlsx" must not vanish (issue #10, case 6). A link leading outside the inbox is
    listed, never read (a link to /etc/passwd must not be hashed into 说明); a link to a file
    inside it is read, and a folder link inside it is not walked twice."""
    root_real = inbox.resolve()
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []

    def outside(path: Path) -> str | None:
        """The link's target when it leads outside the inbox, else None."""
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return None  # a loop or a broken link: reported where it is opened
        if target == root_real or target.is_relative_to(root_real):
            return None
        return str(target)

    for root, dirs, files in os.walk(inbox):
        here = Path(root)
        keep = []
        for d in sorted(dirs):
            path = here / d
            if d in _SILENT_DIRS or d.startswith("."):
                continue  # a program's own state (.orglife, .git, .Trash): never a send
            if path.is_symlink():
                # inside the inbox, the folder it leads to is walked anyway
                target = outside(path)
                if target is not None:
                    skipped.append((path, f"链接指向收件箱以外的文件夹（{target}），未读取；"
                                          "请把要报送的文件复制到收件箱中"))
                continue
            keep.append(d)
        dirs[:] = keep
        for name in files:
            path = here / name
            if _silent(name):
                continue
            if name.startswith("."):
                skipped.append((path, "隐藏文件（名称以“.”开头），未读取；"
                                      "如果这是报送的表格，请去掉文件名开头的“.”后重新放入收件箱"))
                continue
            if path.is_symlink() and (target := outside(path)) is not None:
                skipped.append((path, f"链接指向收件箱以外的文件（{target}），未读取"))
                continue
            found.append(path)
    key = lambda p: p.relative_to(inbox).as_posix()  # noqa: E731
    return sorted(found, key=key), sorted(skipped, key=lambda s: key(s[0]))


def walk(inbox: Path) -> list[Path]:
    """Every candidate file under `inbox`, sorted by relative path (deterministic)."""
    return survey(inbox)[0]


# --- scanning -----------------------------------------------------------------------------

RECEIVED_LOG = Path(".orglife") / "received.json"


def received_log(inbox: Path) -> dict[str, tuple[str, dt.datetime]]:
    """Inbox-relative path → (sha256, received time) from `.orglife/received.json` (written by
    `orglife collect`); empty when the file is absent or unreadable (it is only a hint)."""
    try:
        data = json.loads((inbox / RECEIVED_LOG).read_text(encoding="utf-8"))
        files = data.get("files", {}) if data.get("version") == 1 else {}
    except (OSError, ValueError, AttributeError):
        return {}
    out: dict[str, tuple[str, dt.datetime]] = {}
    for name, entry in files.items() if isinstance(files, dict) else ():
        if not isinstance(entry, dict):
            continue
        when = parse_timestamp(str(entry.get("received", "")))
        if when is not None and isinstance(entry.get("sha256"), str):
            out[str(name)] = (entry["sha256"].lower(), when)
    return out


def scan(inbox: Path, campaign: Campaign, branches: Sequence[str] = (),
         progress: Callable[[InputFile], None] | None = None,
         files: Sequence[tuple[Path, str]] | None = None,
         now: dt.datetime | None = None,
         homes: Mapping[str, set[str]] | None = None) -> Intake:
    """Open every file of the inbox and decide what each contributes.

    `branches` are the branch names of the office roster; files are placed on them (and on
    the 党总支 itself). With no names given, a `_meta` branch is taken as it stands.
    `progress` is called after each file is opened (for a progress bar). `files`: only these
    (path, name shown) of the inbox — one branch's files, for the per-branch stage; they are
    within the file limit, and the inbox's skipped entries are listed by the whole-inbox scan
    only. `homes` (member name → branches, from the office roster) lets a file whose members
    are another branch's be reported instead of placed where its `_meta` says."""
    intake = Intake()
    known = [*dict.fromkeys([*branches, C.GENERAL_BRANCH])]
    if files is None:
        paths, skipped = survey(inbox)
    else:
        paths, skipped = [path for path, _ in files], []
    given = dict(files or ())
    limit = campaign.limits.max_files if files is None else len(paths)
    if len(paths) > limit:
        first = paths[limit].relative_to(inbox).as_posix()
        intake.issues.append(issue(
            "R-F1", "error",
            f"收件箱中有 {len(paths)} 个文件，超过上限 {limit} 个"
            f"（campaign.toml [limits] max_files），"
            f"只处理了按路径排序的前 {limit} 个；从 {first} 起的 {len(paths) - limit} 个文件未处理",
            file=first, found=str(len(paths)), expected=f"不超过 {limit} 个文件"))
    originals: dict[str, InputFile] = {}
    duplicates: list[tuple[InputFile, InputFile]] = []
    placed: list[tuple[InputFile, RawWorkbook]] = []
    names: set[str] = set()
    log = received_log(inbox)
    for n, path in enumerate(paths):
        f = _input_file(path, inbox, hashed=n < limit, taken=names, name=given.get(path))
        logged = log.get(f.name)
        if logged is not None and f.sha256 and logged[0] == f.sha256:
            f.received = logged[1]  # the bytes are still those received
        intake.files.append(f)
        if n >= limit:
            f.status, f.note = NOT_PROCESSED, f"超过文件数上限 {limit}，未处理"
        elif f.status:  # not a regular file, or not readable: reported by _input_file
            _fail(f, intake.issues, UNREADABLE, "error", f.note, "能打开的 .xlsx/.xls/.ods 表格")
        elif f.sha256 in originals:
            duplicates.append((f, originals[f.sha256]))
        else:
            originals[f.sha256] = f
            book = _open(f, campaign, intake.issues)
            branch = None
            if book is not None and (why := not_a_submission(book)):
                f.status, f.note = NOT_SUBMISSION, why.split("，")[0]
                intake.issues.append(issue("R-F2", "warning", f"非报送文件：{why}", file=f.name,
                                           found=why.split("（")[0], expected="支部报送的表格"))
                book = None
            if book is not None:
                branch = place(f, book, campaign, known, bool(branches), intake.issues)
                if branch not in (None, C.GENERAL_BRANCH) and homes:
                    branch = _check_content(f, book, branch, homes, intake.issues)
                _report_bad_sheets(f, book, branch or "", intake.issues)
            if book is not None and branch is not None:
                f.branch = branch
                intake.books[f.name] = book
                placed.append((f, book))
            if book is not None and f.status != OTHER_CAMPAIGN:
                _report_active_content(f, book, branch or "", intake.issues)
        if progress is not None:
            progress(f)
    _prefer_plain_names(intake, placed, duplicates)
    report_future_times(intake, placed, now or dt.datetime.now(dt.UTC))
    for path, reason in skipped:
        f = InputFile(path=path, name=display_name(path, inbox), sha256="", size=0,
                      status=SKIPPED, note=reason)
        intake.files.append(f)
        outside = reason.startswith("链接")
        intake.issues.append(issue(
            "R-F1", "error" if outside else "warning", f"已跳过：{reason}", file=f.name,
            found="指向收件箱以外的链接" if outside else "隐藏文件",
            expected="收件箱中的普通文件"))
    newest_wins(intake, placed, known, prefill(campaign))
    report_stray_sheets(intake, placed)
    report_merged_data(intake)
    report_duplicates(intake, duplicates)
    return intake


# What a mail client or a file manager appends to a second copy: "X(1).xlsx", "X - 副本.xlsx".
_COPY_MARK = re.compile(r"(?:[ _-]*[(（]\d+[)）]|[ _-]*(?:副本|复件|copy)(?:[ _-]*[(（]?\d*[)）]?)?)$",
                        re.IGNORECASE)


def _copy_rank(f: InputFile) -> tuple[bool, int]:
    stem = PurePosixPath(f.name).stem
    return bool(_COPY_MARK.search(stem)), len(f.name)


def _prefer_plain_names(intake: Intake, placed: list[tuple[InputFile, RawWorkbook]],
                        duplicates: list[tuple[InputFile, InputFile]]) -> None:
    """Of byte-identical files, the one without a copy mark ("X.xlsx", not "X(1).xlsx") is
    the one adopted and cited (issue #10, case 16); the scan met them in path order."""
    groups: dict[str, list[InputFile]] = {}
    for copy, original in duplicates:
        groups.setdefault(original.name, [original]).append(copy)
    for members in groups.values():
        original = members[0]
        best = min(members, key=_copy_rank)
        if best is original or _copy_rank(best) == _copy_rank(original):
            continue
        best.branch, best.saved, best.status = original.branch, original.saved, original.status
        best.note = original.note
        original.status, original.note = "", ""
        if original.name in intake.books:
            intake.books[best.name] = intake.books.pop(original.name)
        placed[:] = [(best if f is original else f, book) for f, book in placed]
        intake.issues[:] = [dataclasses.replace(i, file=best.name) if i.file == original.name
                            else i for i in intake.issues]
        duplicates[:] = [(original if c is best else c, best) for c, o in duplicates
                         if o is original] + [(c, o) for c, o in duplicates if o is not original]


def _check_content(f: InputFile, book: RawWorkbook, branch: str,
                   homes: Mapping[str, set[str]], issues: list[Issue]) -> str | None:
    """R-F2: a file whose members are another branch's is not placed (its `_meta` claimed
    第一支部 for 第二支部's sheets: 第一支部's members vanished, the ballots counted twice)."""
    hit = belongs_elsewhere(book, branch, homes)
    if hit is None:
        return branch
    other, n, total = hit
    f.status, f.note = UNPLACED, f"表中的党员是{other}的，不是{branch}的"
    issues.append(issue(
        "R-F2", "error",
        f"文件标明为{branch}，但表中的 {total} 名党员中有 {n} 名是{other}的党员；该文件未采用。"
        f"如果这是{other}的表格，请{other}用本支部的模板重新报送", file=f.name,
        found=f"{other}的党员（{n}/{total}）", expected=f"{branch}的党员"))
    return None


def display_name(path: Path, inbox: Path) -> str:
    """The path inside the inbox as text a report can hold. A part whose bytes are not UTF-8
    comes back from the OS with surrogate escapes (say a GBK name from a Windows zip tool): it
    is decoded as GB18030, else its undecodable bytes become U+FFFD."""
    parts = []
    for part in path.relative_to(inbox).parts:
        try:
            part.encode("utf-8")
        except UnicodeEncodeError:
            raw = os.fsencode(part)
            try:
                part = raw.decode("gb18030")
            except UnicodeDecodeError:
                part = raw.decode("utf-8", "replace")
        parts.append(part)
    return "/".join(parts)


def _input_file(path: Path, inbox: Path, hashed: bool, taken: set[str] | None = None,
                name: str | None = None) -> InputFile:
    """The file as found. A file that cannot be read (not a regular file, no permission) comes
    back with `status` UNREADABLE and the reason in `note`, for scan to report."""
    if name is not None:
        taken = None  # the name shown was chosen for the whole inbox
    else:
        name = display_name(path, inbox)
    if taken is not None:
        n = 2
        unique = name
        while unique in taken:  # a decoded name equal to another file's name
            unique, n = f"{name} ({n})", n + 1
        name = unique
        taken.add(name)
    f = InputFile(path=path, name=name, sha256="", size=0)
    try:
        st = path.stat()
        f.size = st.st_size
        f.mtime = dt.datetime.fromtimestamp(st.st_mtime, tz=dt.UTC)
        if not stat.S_ISREG(st.st_mode):
            f.status, f.note = UNREADABLE, "不是普通文件（可能是管道或设备），未读取"
            return f
        if hashed:
            h = hashlib.sha256()
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            f.sha256 = h.hexdigest()
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            what = ("链接指向的文件不存在" if path.is_symlink()
                    else "文件在处理过程中被删除或移走，请重新放入收件箱后再运行")
        else:
            what = os_reason(exc)
        f.status, f.note = UNREADABLE, f"无法读取文件（{what}）"
    return f


def _claims_spreadsheet(f: InputFile) -> bool:
    return f.path.suffix.lower() in SPREADSHEET_SUFFIXES


def _open(f: InputFile, campaign: Campaign, issues: list[Issue]) -> RawWorkbook | None:
    """Read a file; on failure set its status and add the R-F1 issue."""
    limits = campaign.limits
    expected = "能打开的 .xlsx/.xls/.ods 表格"
    if f.size > limits.max_unpacked_mb * 1024 * 1024:
        with f.path.open("rb") as fh:
            head = fh.read(8)
        if _claims_spreadsheet(f) or head.startswith((b"PK", b"\xd0\xcf\x11\xe0")):
            reason = (f"文件有 {f.size / 1048576:.0f} MB，超过 {limits.max_unpacked_mb} MB 的上限"
                      "（campaign.toml [limits] max_unpacked_mb），未读取")
            _fail(f, issues, UNREADABLE, "error", reason, expected)
        else:
            _fail(f, issues, NOT_SPREADSHEET, "warning", "不是 Excel/WPS 表格", expected)
        return None
    try:
        # in the reader process: a native abort or out-of-memory costs this file only
        book = read_isolated(f.path, max_unpacked_mb=limits.max_unpacked_mb,
                             max_rows=limits.max_rows_per_sheet)
    except NotSpreadsheet as exc:
        if _claims_spreadsheet(f):
            _fail(f, issues, UNREADABLE, "error", str(exc), expected)
        else:
            _fail(f, issues, NOT_SPREADSHEET, "warning", str(exc), expected)
        return None
    except UnreadableFile as exc:
        _fail(f, issues, UNREADABLE, "error", str(exc), expected)
        return None
    except FileNotFoundError:
        _fail(f, issues, UNREADABLE, "error",
              "文件在处理过程中被删除或移走，请重新放入收件箱后再运行", expected)
        return None
    except OSError as exc:
        _fail(f, issues, UNREADABLE, "error", f"无法读取文件（{os_reason(exc)}）", expected)
        return None
    f.saved = book.saved
    notes = []
    if book.has_macros:
        notes.append("含宏（未运行，只读取单元格的值）")
    if book.external_links:
        notes.append("含外部链接（使用保存时的值）")
    f.note = "；".join(notes)
    return book


def _report_active_content(f: InputFile, book: RawWorkbook, branch: str,
                           issues: list[Issue]) -> None:
    """R-F1 warnings: macros are never run and links never followed; the saved values count."""
    if book.has_macros:
        issues.append(issue(
            "R-F1", "warning",
            "文件含有宏（VBA 或宏表），宏没有运行，只读取了单元格中保存的值；"
            "请另存为不含宏的 .xlsx 后报送", branch=branch, file=f.name, found="宏",
            expected="不含宏的 .xlsx"))
    if book.external_links:
        issues.append(issue(
            "R-F1", "warning",
            "公式引用了其他工作簿（外部链接），链接没有更新，使用的是文件保存时的计算结果；"
            "请将这些公式改为数值后报送", branch=branch, file=f.name, found="外部链接",
            expected="数值，不引用其他工作簿"))


def _report_bad_sheets(f: InputFile, book: RawWorkbook, branch: str,
                       issues: list[Issue]) -> None:
    """R-F1 for a contract sheet (or _meta) the reader refused; other sheets are not used."""
    for sheet in book.sheets.values():
        if sheet.error and (contract_name(sheet.name) or fold(sheet.name) == fold(C.META)):
            issues.append(issue("R-F1", "error", f"{sheet.error}，该表未采用", branch=branch,
                                file=f.name, sheet=sheet.name, found=sheet.error,
                                expected="可以读取的工作表"))


def _fail(f: InputFile, issues: list[Issue], status: str, severity: Severity, reason: str,
          expected: str) -> None:
    f.status, f.note = status, reason
    if status == NOT_SPREADSHEET:
        message = f"不是表格文件：{reason}；已跳过"
    else:
        message = f"无法打开：{reason}；该文件未采用，其他文件照常处理"
    issues.append(issue("R-F1", severity, message, file=f.name, found=reason, expected=expected))




