"""Inbox intake (SPEC §4 Files, R-F1 R-F2 R-F4 R-F5): find the files, open them, place each by
its `_meta` (or its sheets and a branch name), and let the newest file win sheet by sheet.

Decisions an office worker would expect, documented here because the spec is silent:
- Files are walked recursively in sorted order of their path relative to the inbox. Office
  lock files (`~$…`, `.~lock…#`), hidden files and folders, and Thumbs.db/desktop.ini are
  skipped silently: they are never what a branch sent.
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
- Newest = the workbook's own saved time (the file's modification time when the workbook
  records none); ties go to the later modification time, then the later name. All times are
  aware UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.excel.read import NotSpreadsheet, RawSheet, RawWorkbook, UnreadableFile, read_bytes
from pipeline.excel.table import Header, MissingColumns, sheet_header
from pipeline.issues import Issue, Severity, issue
from pipeline.model import InputFile
from pipeline.normalize import clean_text, fold, is_blank

# InputFile.status values.
USED = "已采用"
PARTLY_USED = "部分采用"
SUPERSEDED = "已被替代"
DUPLICATE = "重复文件"
UNREADABLE = "无法打开"
UNPLACED = "无法识别"
NOT_SPREADSHEET = "非表格文件"
OTHER_CAMPAIGN = "其他活动"
NOT_PROCESSED = "未处理"  # beyond limits.max_files
UNFILLED = "未填写"  # only template pre-fill: not a send

SPREADSHEET_SUFFIXES = frozenset({
    ".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlt", ".xlsb", ".ods", ".ots", ".et", ".ett",
    ".csv",
})
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", "ehthumbs.db"})

ANY = None  # in prefill(): every value of the column is pre-fill
Prefill = dict[str, dict[str, "frozenset[str] | None"]]


def prefill(campaign: Campaign) -> Prefill:
    """Sheet → column → the folded values the template pre-fills there (ANY: every value).
    Keep in step with pipeline/excel/templates.py."""
    return {
        C.ROSTER: {**dict.fromkeys(("姓名", "党小组", "职务", "党员类别", "是否党员领导干部",
                                    "是否已参加年度民主生活会"), ANY),
                   "民主评议出席": frozenset({fold(C.PRESENT)})},
        C.GRADING: {"姓名": ANY, "评定等次": frozenset({fold(campaign.not_graded)})},
        C.TALLY: {"姓名": ANY},
    }


TITLE_ROWS_WITHOUT_HEADER = 3  # rows searched for a branch name when a sheet has no header

_CONTRACT = {fold(name): name for name in C.SHEETS}
_SHEET_ORDER = {name: i for i, name in enumerate(C.SHEETS)}

Placed = tuple[InputFile, RawSheet]


@dataclass
class Intake:
    """What the inbox holds: every file with its fate, the winning sheet of each branch, the
    superseded sheets and the file-level issues (R-F1, R-F2, R-F4, R-F5)."""

    files: list[InputFile] = field(default_factory=list)
    books: dict[str, RawWorkbook] = field(default_factory=dict)  # InputFile.name → workbook
    sheets: dict[str, dict[str, Placed]] = field(default_factory=dict)  # branch → sheet → win
    superseded: list[tuple[InputFile, str, InputFile]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    # branch → sheet → newest copy of a contract sheet that was present but not filled in any
    # file of the branch (e.g. the pre-filled 党员名册 of an untouched template).
    unfilled: dict[str, dict[str, Placed]] = field(default_factory=dict)

    @property
    def branches(self) -> list[str]:
        """Branches that sent at least one placed file, in scan order."""
        return list(dict.fromkeys(f.branch for f in self.files if f.name in self.books))

    def book(self, f: InputFile) -> RawWorkbook | None:
        return self.books.get(f.name)

    def raw_sheet(self, f: InputFile, sheet: str) -> RawSheet | None:
        """The sheet of file `f` that stands for contract sheet `sheet` (names match folded,
        so a tab renamed "谈心谈话 " still counts), e.g. for a superseded sheet's rows."""
        book = self.books.get(f.name)
        if book is None:
            return None
        return next((s for s in book.sheets.values() if _contract_name(s.name) == sheet), None)


# --- walking ------------------------------------------------------------------------------

def _skipped(name: str) -> bool:
    """Lock files, hidden and system files: never a branch's submission."""
    return (name.startswith((".", "~$")) or name.lower() in SYSTEM_FILES
            or (name.startswith(".~lock") and name.endswith("#")))


def walk(inbox: Path) -> list[Path]:
    """Every candidate file under `inbox`, sorted by relative path (deterministic)."""
    found: list[Path] = []
    for root, dirs, files in os.walk(inbox):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
        found += [Path(root) / f for f in files if not _skipped(f)]
    return sorted(found, key=lambda p: p.relative_to(inbox).as_posix())


# --- scanning -----------------------------------------------------------------------------

def scan(inbox: Path, campaign: Campaign, branches: Sequence[str] = (),
         progress: Callable[[InputFile], None] | None = None) -> Intake:
    """Open every file of the inbox and decide what each contributes.

    `branches` are the branch names of the office roster; files are placed on them (and on
    the 党总支 itself). With no names given, a `_meta` branch is taken as it stands.
    `progress` is called after each file is opened (for a progress bar)."""
    intake = Intake()
    known = [*dict.fromkeys([*branches, C.GENERAL_BRANCH])]
    paths = walk(inbox)
    limit = campaign.limits.max_files
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
    for n, path in enumerate(paths):
        f = _input_file(path, inbox, hashed=n < limit, taken=names)
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
            if book is not None:
                branch = _place(f, book, campaign, known, bool(branches), intake.issues)
                _report_bad_sheets(f, book, branch or "", intake.issues)
            if book is not None and branch is not None:
                f.branch = branch
                intake.books[f.name] = book
                placed.append((f, book))
            if book is not None and f.status != OTHER_CAMPAIGN:
                _report_active_content(f, book, branch or "", intake.issues)
        if progress is not None:
            progress(f)
    _newest_wins(intake, placed, known, prefill(campaign))
    _report_duplicates(intake, duplicates)
    return intake


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


def _input_file(path: Path, inbox: Path, hashed: bool, taken: set[str] | None = None) -> InputFile:
    """The file as found. A file that cannot be read (not a regular file, no permission) comes
    back with `status` UNREADABLE and the reason in `note`, for scan to report."""
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
        what = "链接指向的文件不存在" if isinstance(exc, FileNotFoundError) else exc.strerror
        f.status, f.note = UNREADABLE, f"无法读取文件（{what or exc}）"
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
        book = read_bytes(f.path.read_bytes(), max_unpacked_mb=limits.max_unpacked_mb,
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
    except OSError as exc:
        _fail(f, issues, UNREADABLE, "error", f"无法读取文件（{exc.strerror or exc}）", expected)
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
        if sheet.error and (_contract_name(sheet.name) or fold(sheet.name) == fold(C.META)):
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


def _contract_name(sheet: str) -> str | None:
    return _CONTRACT.get(fold(sheet))


# --- placing (R-F2, R-F5) -----------------------------------------------------------------

def read_meta(book: RawWorkbook) -> tuple[RawSheet, dict[str, tuple[str, int]]] | None:
    """The `_meta` sheet and its key → (value, Excel row), None when the file has none."""
    sheet = next((s for s in book.sheets.values() if fold(s.name) == fold(C.META)), None)
    if sheet is None or sheet.error:
        return None
    values: dict[str, tuple[str, int]] = {}
    for r, row in enumerate(sheet.rows):
        if row and not is_blank(row[0]):
            key = fold(row[0]).lower()
            if key not in values:
                values[key] = (clean_text(row[1]) if len(row) > 1 else "", r + 1)
    return sheet, values


def mentioned(text: str, names: Sequence[str]) -> list[str]:
    """The names that occur in `text` (folded), without those inside a longer match."""
    key = fold(text)
    hits = [n for n, folded in _folded(tuple(names)) if folded and folded in key]
    return [n for n in hits if not any(n != m and fold(n) in fold(m) for m in hits)]


@functools.lru_cache(maxsize=64)
def _folded(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each name with its folded key (the branch names, asked about for every file)."""
    return tuple((n, fold(n)) for n in names)


def _place(f: InputFile, book: RawWorkbook, campaign: Campaign, known: list[str],
           strict: bool, issues: list[Issue]) -> str | None:
    """The branch a file belongs to, or None (status and issue set)."""
    meta = read_meta(book)
    if meta is not None:
        sheet, values = meta

        def cell(key: str) -> str:
            return f"B{values[key][1]}" if key in values else ""

        def value(key: str) -> str:
            return values.get(key, ("", 0))[0]

        template, version, claimed = value("template"), value("version"), value("branch")
        claim = fold(claimed)
        known_claim = next((k for k, key in _folded(tuple(known)) if key == claim), "")

        def other(key: str, found: str, expected: str, message: str) -> None:
            """R-F5: the file is not used."""
            f.status, f.branch = OTHER_CAMPAIGN, known_claim
            f.note = message.split("，")[0]
            issues.append(issue("R-F5", "error", message, branch=known_claim, file=f.name,
                                sheet=sheet.name, cell=cell(key), found=found, expected=expected))

        if template and template != C.TEMPLATE_ID:
            other("template", template, C.TEMPLATE_ID,
                  f"_meta 中的模板标识“{template}”不是本活动的报送模板（应为 {C.TEMPLATE_ID}），"
                  "该文件未采用")
            return None
        theirs = value("campaign")
        if theirs and fold(theirs) != fold(campaign.campaign_id):
            other("campaign", theirs, campaign.campaign_id,
                  f"这是“{theirs}”活动的表格，本次活动为“{campaign.campaign_id}”，"
                  "该文件未采用；请使用本次下发的模板")
            return None
        if (template or version) and version != C.TEMPLATE_VERSION:
            other("version", version or "（空）", C.TEMPLATE_VERSION,
                  f"模板版本“{version or '（空）'}”未知（本系统的模板版本为 "
                  f"{C.TEMPLATE_VERSION}），该文件未采用；请使用本次下发的模板")
            return None
        if claimed:
            if not known_claim and strict:
                f.status = UNPLACED
                f.note = f"_meta 中的支部“{claimed}”不在党员名册中"
                issues.append(issue(
                    "R-F2", "error",
                    f"_meta 中的支部“{claimed}”不在党员名册中，无法归入任何支部；"
                    f"应为 {'、'.join(known)} 之一", file=f.name, sheet=sheet.name,
                    cell=cell("branch"), found=claimed, expected="党员名册中的支部名称"))
                return None
            branch = known_claim or claimed
            named = [b for b in mentioned(f.name, known) if b != C.GENERAL_BRANCH]
            if len(named) == 1 and named[0] != branch:
                issues.append(issue(
                    "R-F2", "warning",
                    f"文件名写的是“{named[0]}”，但表内 _meta 标明为“{branch}”，已按 _meta 归入"
                    f"{branch}；如有误请重新下载本支部的模板", branch=branch, file=f.name,
                    sheet=sheet.name, cell=cell("branch"), found=named[0], expected=branch))
            return branch
    return _place_by_content(f, book, known, issues)


def _title_text(book: RawWorkbook) -> str:
    """The title rows (above the header) of every contract sheet, as one text."""
    parts: list[str] = []
    for sheet in book.sheets.values():
        name = _contract_name(sheet.name)
        if name is None or sheet.error:
            continue
        header = sheet_header(sheet, C.SHEETS[name].headers)
        top = header.row if isinstance(header, Header) else TITLE_ROWS_WITHOUT_HEADER
        for row in sheet.rows[:top]:
            parts += [clean_text(v) for v in row if not is_blank(v)]
    return " ".join(parts)


def _place_by_content(f: InputFile, book: RawWorkbook, known: list[str],
                      issues: list[Issue]) -> str | None:
    """R-F2 without `_meta`: contract sheets plus one branch name in the path or the titles."""
    if not any(_contract_name(s) for s in book.sheets):
        _unplaced(f, issues, "文件中没有本次报送的工作表（" + "、".join(
            s.name for s in C.DATA_SHEETS) + "），也没有 _meta 标记，无法识别", "没有报送工作表")
        return None
    branches = [k for k in known if k != C.GENERAL_BRANCH]
    titles = _title_text(book)
    for where, text in (("文件名", f.name), ("表格标题", titles)):
        hits = mentioned(text, branches)
        if len(hits) == 1:
            f.note = "；".join(x for x in (f.note, f"没有 _meta，按{where}识别为{hits[0]}") if x)
            return hits[0]
        if len(hits) > 1:
            _unplaced(f, issues, f"{where}中同时出现了 {'、'.join(hits)}，无法确定属于哪个支部；"
                      "请每个支部单独报送，并使用本支部的模板", "、".join(hits))
            return None
    if mentioned(f.name, [C.GENERAL_BRANCH]) or mentioned(titles, [C.GENERAL_BRANCH]):
        f.note = "；".join(x for x in (f.note, f"没有 _meta，识别为{C.GENERAL_BRANCH}") if x)
        return C.GENERAL_BRANCH
    _unplaced(f, issues, "文件没有 _meta 标记，文件名和表格标题中也没有支部名称，无法识别属于哪个支部；"
              "请使用党总支下发的模板，或在文件名中写明支部名称", "")
    return None


def _unplaced(f: InputFile, issues: list[Issue], message: str, found: str) -> None:
    f.status, f.note = UNPLACED, message.split("；")[0]
    issues.append(issue("R-F2", "error", message, file=f.name, found=found,
                        expected="_meta 标记或支部名称"))


# --- newest wins, sheet by sheet (R-F4) ---------------------------------------------------

def filled(sheet: RawSheet, name: str, template: Prefill) -> bool:
    """Whether a contract sheet holds data the branch typed (see the module docstring)."""
    spec = C.SHEETS[name]
    synonyms = C.ROSTER_SYNONYMS if name == C.ROSTER else None
    header = sheet_header(sheet, spec.headers, synonyms=synonyms)
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
    return (f.saved or mtime, mtime, f.name)


def _branch_order(known: list[str]) -> Callable[[str], tuple[int, str]]:
    index = {b: i for i, b in enumerate(known)}
    return lambda b: (index.get(b, len(index)), b)


def _newest_wins(intake: Intake, placed: list[tuple[InputFile, RawWorkbook]],
                 known: list[str], template: Prefill) -> None:
    sent: dict[tuple[str, str], list[Placed]] = {}
    blank: dict[tuple[str, str], list[Placed]] = {}
    sent_by_file: dict[str, set[str]] = {f.name: set() for f, _ in placed}
    for f, book in placed:
        seen: set[str] = set()
        for sheet in book.sheets.values():
            name = _contract_name(sheet.name)
            if name is None or name in seen or sheet.error:
                continue
            seen.add(name)
            target = sent if filled(sheet, name, template) else blank
            if sheet.name != name:  # a tab renamed "谈心谈话 ": placed under its contract name
                renamed = dataclasses.replace(sheet, name=name)
                renamed.headers.update(sheet.headers)  # the same rows: the same headers
                sheet = renamed
            target.setdefault((f.branch, name), []).append((f, sheet))
            if target is sent:
                sent_by_file[f.name].add(name)
    won: dict[str, set[str]] = {f.name: set() for f, _ in placed}
    winners: dict[tuple[str, str], Placed] = {}
    for key, copies in sent.items():
        copies.sort(key=lambda p: _newest_key(p[0]))
        winner = copies[-1]
        winners[key] = winner
        won[winner[0].name].add(key[1])
        for loser, _ in copies[:-1]:
            intake.superseded.append((loser, key[1], winner[0]))
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
            refused = any(s.error and _contract_name(s.name) for s in book.sheets.values())
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


def _report_duplicates(intake: Intake, duplicates: list[tuple[InputFile, InputFile]]) -> None:
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
            found=original.sha256[:12], expected="每份文件只报送一次"))
