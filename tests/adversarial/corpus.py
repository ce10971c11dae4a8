"""An adversarial inbox, generated in code: every kind of bad or odd input a branch can send.

Each kind is one function registered with `@kind(...)`: it gets a fresh copy of the demo inbox
(`workbooks/inbox`, file times kept) and adds or changes files in it; the decorator carries
what the pipeline must say about it (`Expect`: rule, severity, file, sheet, cell) and the exit
code of `orglife consolidate`. Adding a kind is one function plus its expectation:

    @kind("text-in-number", exit_code=1,
          expect=[Expect("R-M3", "error", ONE, C.MEETINGS, "C3", "十五")])
    def text_in_number(inbox: Path, base: Base) -> None:
        edit(inbox / ONE, lambda wb: put(wb[C.MEETINGS], 3, "应到", "十五"))

`run_kind` builds the inbox beside the demo's good files and runs the CLI in process (click's
CliRunner), capturing the validation Outcome; tests/adversarial/test_corpus.py checks every
kind against the registry. Expensive inputs (a 150,000-row sheet, a zip bomb) are built once
per session (`Base.cached`).

    python -m tests.adversarial.corpus [NAME ...]   # show what each kind produces
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import shutil
import struct
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
import xlsxwriter
from click.testing import CliRunner, Result
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook as OpenpyxlWorkbook
from openpyxl.worksheet.worksheet import Worksheet

import pipeline.app
from pipeline import contract as C
from pipeline.app import Validation as Outcome
from pipeline.cli import main
from pipeline.config import Campaign, load_campaign
from pipeline.issues import Issue
from pipeline.normalize import clean_text
from pipeline.people import Roster
from pipeline.read.inbox import walk
from pipeline.read.roster import load_roster
from pipeline.write.templates import build_workbook, meta_values

ROOT = Path(__file__).resolve().parents[2]
DEMO_INBOX = ROOT / "workbooks" / "inbox"
CONFIG = ROOT / "workbooks" / "campaign.toml"
ROSTER = ROOT / "workbooks" / "roster.xlsx"

ONE = "第一支部.xlsx"  # openpyxl-saved, columns in contract order: the file most kinds edit
TWO = "第二支部.xls"  # saved by LibreOffice as .xls
FOUR = "第四支部.xlsx"  # columns rearranged, a 备注 column added
GENERAL = "党总支.xlsx"
# Every file of the demo inbox (earlier sends sit in dated folders), as the pipeline names them.
DEMO_FILES = tuple(p.relative_to(DEMO_INBOX).as_posix() for p in walk(DEMO_INBOX))
FIRST_DATA_ROW = 3  # demo sheets: title row 1, header row 2


# --- the registry --------------------------------------------------------------------------

@dataclass(frozen=True)
class Expect:
    """An issue the pipeline must report; None matches anything, "" only an empty value."""

    rule: str
    severity: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    text: str = ""  # a part of the message

    def matches(self, i: Issue) -> bool:
        return (i.rule == self.rule and i.severity == self.severity
                and (self.file is None or i.file == self.file)
                and (self.sheet is None or i.sheet == self.sheet)
                and (self.cell is None or i.cell == self.cell)
                and self.text in i.message)

    def __str__(self) -> str:
        where = " ".join(x for x in (self.file, self.sheet, self.cell) if x)
        return f"{self.rule} {self.severity} {where} {self.text!r}".strip()


Make = Callable[[Path, "Base"], None]


@dataclass(frozen=True)
class Kind:
    """One kind of bad input and what the pipeline must do with it.

    `expect`: issues that must be reported (each at least once). `tolerate`: further issues
    the kind may cause (a consequence, not the point); any other new issue fails the test.
    `status`: InputFile.status of the files the kind adds or whose fate it changes; every
    other demo file must keep its demo status (still in the filing). `gone`: demo files the
    kind removes. `limits`: campaign.toml [limits] overrides. `out`: the -o path, relative to
    the kind's work folder. `check`: more assertions on the Run. `measure`: also run in a
    subprocess and report its time and peak memory (large inputs)."""

    name: str
    make: Make
    expect: tuple[Expect, ...]
    exit_code: int
    tolerate: tuple[Expect, ...] = ()
    status: Mapping[str, str] = field(default_factory=dict)
    gone: tuple[str, ...] = ()
    limits: Mapping[str, int] = field(default_factory=dict)
    out: str = "out/备案.xlsx"
    check: Callable[[Run], None] | None = None
    measure: bool = False

    @property
    def doc(self) -> str:
        return (self.make.__doc__ or "").strip().splitlines()[0] if self.make.__doc__ else ""


REGISTRY: dict[str, Kind] = {}


def kind(name: str, *, exit_code: int, expect: Sequence[Expect] = (),
         tolerate: Sequence[Expect] = (), **options: Any) -> Callable[[Make], Make]:
    """Register a kind: the decorated function builds it into an inbox."""
    def register(make: Make) -> Make:
        if name in REGISTRY:
            raise ValueError(f"kind {name} registered twice")
        REGISTRY[name] = Kind(name, make, tuple(expect), exit_code, tuple(tolerate), **options)
        return make
    return register


# --- the shared base -----------------------------------------------------------------------

IssueKey = tuple[str, str, str, str, str]


def issue_key(i: Issue) -> IssueKey:
    """An issue without its file name (a kind may rename a demo file) or message."""
    return (i.rule, i.severity, i.branch, i.sheet, i.cell)


@dataclass
class Base:
    """What every kind starts from, made once per session: the demo inbox copied with its
    file times, the campaign and roster, the demo's own file statuses and issues."""

    root: Path
    inbox: Path
    campaign: Campaign
    roster: Roster
    statuses: dict[str, str]
    issues: set[IssueKey]
    counts: dict[tuple[str, str], int]  # (file, sheet) → rows read in the demo run
    _memo: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, root: Path) -> Base:
        root.mkdir(parents=True, exist_ok=True)
        inbox = root / "inbox"
        if not inbox.exists():
            shutil.copytree(DEMO_INBOX, inbox, copy_function=shutil.copy2)
        campaign = load_campaign(CONFIG)
        roster = load_roster(ROSTER, campaign)
        outcome = pipeline.app.validate(inbox, campaign, roster)
        return cls(root, inbox, campaign, roster,
                   statuses={f.name: f.status for f in outcome.report.files},
                   issues={issue_key(i) for i in outcome.report.issues},
                   counts={(c.file, c.sheet): c.read for c in outcome.report.counts})

    def template(self, branch: str | None) -> bytes:
        """The untouched template of a branch (None: the 党总支's own)."""
        key = f"template/{branch}"
        if key not in self._memo:
            self._memo[key] = build_workbook(self.campaign, self.roster, branch)
        return self._memo[key]

    def members(self, branch: str) -> list[Any]:
        return self.roster.of_branch(branch)

    def cached(self, name: str, build: Callable[[Path], None]) -> Path:
        """An expensive file built once per session under root/cache."""
        path = self.root / "cache" / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".part")
            build(partial)
            partial.replace(path)
        return path

    def config(self, limits: Mapping[str, int], folder: Path) -> Path:
        """campaign.toml with [limits] overridden (the roster is passed with --roster)."""
        if not limits:
            return CONFIG
        text = CONFIG.read_text(encoding="utf-8")
        for key, value in limits.items():
            text, n = re.subn(rf"(?m)^{key}\s*=\s*\d+", f"{key} = {value}", text)
            assert n == 1, key
        path = folder / "campaign.toml"
        path.write_text(text, encoding="utf-8")
        return path


# --- running a kind ------------------------------------------------------------------------

@dataclass
class Run:
    """What one kind gave: the CLI result, the captured Outcome and the filing, if written."""

    kind: Kind
    base: Base
    work: Path
    inbox: Path
    out: Path
    result: Result
    outcome: Outcome | None
    _filing: Any = None

    @property
    def issues(self) -> list[Issue]:
        return self.outcome.report.issues if self.outcome else []

    @property
    def new_issues(self) -> list[Issue]:
        return [i for i in self.issues if issue_key(i) not in self.base.issues]

    @property
    def statuses(self) -> dict[str, str]:
        return {f.name: f.status for f in self.outcome.report.files} if self.outcome else {}

    def filing(self) -> OpenpyxlWorkbook:
        """The office's 工作底稿 (the full filing), written beside the 备案 that -o names."""
        if self._filing is None:
            from pipeline.config import load_campaign
            from pipeline.report.outputs import output_paths

            path = output_paths(load_campaign(CONFIG), self.out).workpaper
            self._filing = openpyxl.load_workbook(path, read_only=True)
        return self._filing

    def filing_rows(self, sheet: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.filing()[sheet].iter_rows(values_only=True)]

    def close(self) -> None:
        if self._filing is not None:
            self._filing.close()


@contextmanager
def capture_outcome() -> Iterator[list[Outcome]]:
    """Record the Outcome of every pipeline.app.validate call (the CLI imports it late)."""
    seen: list[Outcome] = []
    real = pipeline.app.validate

    def validate(*args: Any, **kwargs: Any) -> Outcome:
        outcome = real(*args, **kwargs)
        seen.append(outcome)
        return outcome

    with mock.patch.object(pipeline.app, "validate", validate):
        yield seen


def build(k: Kind, base: Base, work: Path) -> Path:
    """The kind's inbox: the demo's files copied into `work`/inbox, then the kind applied."""
    inbox = work / "inbox"
    shutil.copytree(base.inbox, inbox, copy_function=shutil.copy2)
    k.make(inbox, base)
    return inbox


def cli_args(k: Kind, base: Base, work: Path, inbox: Path) -> list[str]:
    return ["consolidate", str(inbox), "-o", str(work / k.out),
            "--config", str(base.config(k.limits, work)), "--roster", str(ROSTER)]


def run_kind(k: Kind, base: Base, work: Path) -> Run:
    inbox = build(k, base, work)
    with capture_outcome() as seen:
        result = CliRunner().invoke(main, cli_args(k, base, work, inbox))
    return Run(k, base, work, inbox, work / k.out, result, seen[-1] if seen else None)


# --- building blocks: workbooks, zips, XML ---------------------------------------------------

def edit(path: Path, change: Callable[[OpenpyxlWorkbook], None], target: Path | None = None) -> Path:
    """Open an .xlsx with openpyxl, change it, save it (to `target`, default in place).
    openpyxl stamps the save time: the edited file is the branch's newest."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    target = target or path
    wb.save(target)
    return target


def header_row(ws: Worksheet) -> tuple[int, dict[str, int]]:
    """(row, header text → column) of a contract sheet in an openpyxl worksheet."""
    wanted = set(C.SHEETS[ws.title].headers)
    for row in ws.iter_rows(min_row=1, max_row=5):
        found = {clean_text(c.value): c.column for c in row if c.value is not None}
        if wanted <= found.keys():
            return row[0].row, found
    raise KeyError(f"no header in {ws.title}")


def column(ws: Worksheet, header: str) -> int:
    return header_row(ws)[1][header]


def put(ws: Worksheet, row: int, header: str, value: Any) -> str:
    """Set the cell of `header` on Excel row `row`; returns its address."""
    col = column(ws, header)
    ws.cell(row, col).value = value
    return f"{get_column_letter(col)}{row}"


def letter(sheet: str, header: str) -> str:
    """The column letter of a contract header in a template-ordered sheet (e.g. 第一支部)."""
    return get_column_letter(C.SHEETS[sheet].headers.index(header) + 1)


def last_row(ws: Worksheet, header: str) -> int:
    col = column(ws, header)
    last = header_row(ws)[0]
    for r in range(last + 1, ws.max_row + 1):
        if ws.cell(r, col).value not in (None, ""):
            last = r
    return last


def rezip(data: bytes, replace: Mapping[str, bytes | None]) -> bytes:
    """The zip with members replaced (None removes one, a new name adds one)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in replace:
                continue
            dst.writestr(info, src.read(info.filename))
        for name, content in replace.items():
            if content is not None:
                dst.writestr(name, content)
    return out.getvalue()


def member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)


def sheet_part(data: bytes, sheet: str) -> str:
    """The zip member holding worksheet `sheet` (via workbook.xml and its relationships)."""
    workbook = member(data, "xl/workbook.xml").decode()
    rels = member(data, "xl/_rels/workbook.xml.rels").decode()
    m = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', workbook)
    assert m, sheet
    target = re.search(rf'<Relationship [^>]*Id="{m.group(1)}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{m.group(1)}"', rels)
    assert target, m.group(1)
    path = target.group(1)
    return path.lstrip("/") if path.startswith("/") else f"xl/{path}"


def set_cell_xml(data: bytes, sheet: str, ref: str, inner: str, attrs: str = "") -> bytes:
    """Replace cell `ref` of `sheet` with <c r="ref" attrs>inner</c> (the cell must exist)."""
    part = sheet_part(data, sheet)
    xml = member(data, part).decode()
    pattern = re.compile(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', re.S)
    assert pattern.search(xml), (sheet, ref)
    xml = pattern.sub(f'<c r="{ref}"{attrs}>{inner}</c>'.replace("\\", "\\\\"), xml, count=1)
    return rezip(data, {part: xml.encode()})


def with_doctype(xml: bytes, doctype: str, text_from: str, text_to: str) -> bytes:
    """Insert a DOCTYPE after the XML declaration and replace some text (an entity use)."""
    text = xml.decode()
    head, sep, rest = text.partition("?>") if text.startswith("<?xml") else ("", "", text)
    assert text_from in rest, text_from
    return (head + sep + doctype + rest.replace(text_from, text_to, 1)).encode()


BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
              for i in range(1, 10))
    + "]>")
EXTERNAL_ENTITY = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def cfb(streams: Mapping[str, bytes]) -> bytes:
    """A minimal Compound File (MS-CFB v3, 512-byte sectors) holding `streams`, each padded to
    4096 bytes so no mini stream is needed: enough to look like an encrypted OOXML package or
    an .xls to a reader that inspects the container (as Office writes them)."""
    size = 512
    blobs = [d.ljust(max(4096, -(-len(d) // size) * size), b"\0") for d in streams.values()]
    fat: list[int] = [0xFFFFFFFD, 0xFFFFFFFE]  # sector 0: the FAT, sector 1: the directory
    starts = []
    for blob in blobs:
        start, n = len(fat), len(blob) // size
        starts.append(start)
        fat += [start + i + 1 for i in range(n - 1)] + [0xFFFFFFFE]
    assert len(fat) <= size // 4
    fat += [0xFFFFFFFF] * (size // 4 - len(fat))

    def entry(name: str, kind: int, start: int, length: int, child: int = 0xFFFFFFFF,
              right: int = 0xFFFFFFFF) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", 0xFFFFFFFF, right, child) + b"\0" * 36
                + struct.pack("<IQ", start, length))

    names = list(streams)
    directory = entry("Root Entry", 5, 0xFFFFFFFE, 0, child=1)
    for i, (name, start, blob) in enumerate(zip(names, starts, blobs), start=1):
        directory += entry(name, 2, start, len(blob),
                           right=i + 1 if i < len(names) else 0xFFFFFFFF)
    directory = directory.ljust(size, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE)
              + struct.pack("<I", 0) + struct.pack("<109I", 0, *([0xFFFFFFFF] * 108)))
    return header + struct.pack(f"<{size // 4}I", *fat) + directory + b"".join(blobs)


def biff(*records: tuple[int, bytes]) -> bytes:
    return b"".join(struct.pack("<HH", t, len(body)) + body for t, body in records)


BIFF_BOF = (0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0))
BIFF_FILEPASS = (0x002F, b"\x01\x00" + b"\0" * 52)
BIFF_EOF = (0x000A, b"")


def meta_book(sheets: Mapping[str, Sequence[Sequence[Any]]], branch: str | None, base: Base, *,
              meta: Mapping[str, str] | None = None, saved: dt.datetime | None = None,
              options: Mapping[str, Any] | None = None) -> bytes:
    """A small workbook as a branch might send it: the given sheets (rows from A1) and a hidden
    `_meta` naming the branch (values overridden by `meta`)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_urls": False, **(options or {})})
    wb.set_properties({"created": saved or dt.datetime(2017, 4, 20, 8, 0)})
    date = wb.add_format({"num_format": "yyyy/m/d"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, (dt.date, dt.datetime)):
                    ws.write_datetime(r, c, value, date)
                elif value is not None:
                    ws.write(r, c, value)
    ws = wb.add_worksheet(C.META)
    values = {**meta_values(base.campaign, branch), **(meta or {})}
    for r, (key, value) in enumerate(values.items()):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
    ws.hide()
    wb.close()
    return buf.getvalue()


def meetings_rows(title: str = "第一支部 会议情况") -> list[list[Any]]:
    return [[title], list(C.MEETINGS_SHEET.headers),
            ["集中学习", dt.datetime(2017, 3, 17), 34, 32]]


def remove_branch(inbox: Path, branch: str) -> None:
    """Delete every file the branch sent (its dated earlier sends too)."""
    for path in inbox.rglob(f"{branch}*"):
        path.unlink()


def write(path: Path, data: bytes, mtime: dt.datetime | None = None) -> Path:
    path.write_bytes(data)
    if mtime is not None:
        stamp = mtime.replace(tzinfo=dt.UTC).timestamp()
        os.utime(path, (stamp, stamp))
    return path


def _used_rows(file: str, sheet: str) -> Callable[[Run], None]:
    """The file's sheet was read and used with as many rows as the demo's file had."""
    def check(run: Run) -> None:
        assert run.outcome is not None
        counts = {(c.file, c.sheet): c for c in run.outcome.report.counts}
        assert (file, sheet) in counts, f"{file} {sheet} not used"
        assert counts[(file, sheet)].used == run.base.counts[(ONE, sheet)]
    return check


# --- broken files (R-F1) --------------------------------------------------------------------

BROKEN = "第一支部（补报）.xlsx"


@kind("truncated-zip", exit_code=1, expect=[Expect("R-F1", "error", BROKEN, text="压缩结构不完整")],
      status={BROKEN: "无法打开"})
def truncated_zip(inbox: Path, base: Base) -> None:
    """A download cut off half way: the first half of a real workbook."""
    data = (inbox / ONE).read_bytes()
    write(inbox / BROKEN, data[: len(data) // 2])


@kind("random-bytes", exit_code=1, expect=[Expect("R-F1", "error", "报表.xlsx", text="无法识别")],
      status={"报表.xlsx": "无法打开"})
def random_bytes(inbox: Path, base: Base) -> None:
    """Random bytes named .xlsx."""
    write(inbox / "报表.xlsx", random.Random(7).randbytes(30_000))


@kind("docx-renamed", exit_code=1, status={"第一支部总结.xlsx": "无法打开"},
      expect=[Expect("R-F1", "error", "第一支部总结.xlsx", text="Word 文档")])
def docx_renamed(inbox: Path, base: Base) -> None:
    """A Word .docx renamed to .xlsx."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    write(inbox / "第一支部总结.xlsx", out.getvalue())


@kind("empty-file", exit_code=1, expect=[Expect("R-F1", "error", "第二支部.xlsx", text="0 字节")],
      status={"第二支部.xlsx": "无法打开"})
def empty_file(inbox: Path, base: Base) -> None:
    """A 0-byte file (a failed save or attachment)."""
    write(inbox / "第二支部.xlsx", b"")


@kind("html-saved-as-xls", exit_code=1, status={"第四支部.xls": "无法打开"},
      expect=[Expect("R-F1", "error", "第四支部.xls", text="网页")])
def html_as_xls(inbox: Path, base: Base) -> None:
    """An HTML table saved with an .xls name (web exports, some mail gateways)."""
    write(inbox / "第四支部.xls", "<html><body><table><tr><td>谈话人</td></tr></table></body></html>"
          .encode())


@kind("pdf-attachment", exit_code=0, status={"第一支部总结.pdf": "非表格文件"},
      expect=[Expect("R-F1", "warning", "第一支部总结.pdf", text="PDF")])
def pdf_attachment(inbox: Path, base: Base) -> None:
    """A PDF 总结 sent along with the workbook: not a spreadsheet, a warning only."""
    write(inbox / "第一支部总结.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n")


@kind("office-lock-file", exit_code=0)
def office_lock_file(inbox: Path, base: Base) -> None:
    """Excel's ~$ lock file, a LibreOffice lock and Thumbs.db beside the workbooks: skipped."""
    write(inbox / ("~$" + ONE), b"\x00" * 165)
    write(inbox / f".~lock.{ONE}#", b"user,host,2017;")
    write(inbox / "Thumbs.db", random.Random(1).randbytes(512))


@kind("encrypted-xlsx", exit_code=1, status={"第一支部（加密）.xlsx": "无法打开"},
      expect=[Expect("R-F1", "error", "第一支部（加密）.xlsx", text="请取消密码后重新报送")])
def encrypted_xlsx(inbox: Path, base: Base) -> None:
    """A workbook saved with an open password: Office wraps it in an OLE container."""
    write(inbox / "第一支部（加密）.xlsx",
          cfb({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00" + b"\0" * 64,
               "EncryptedPackage": random.Random(3).randbytes(6000)}))


@kind("encrypted-xls", exit_code=1, status={"第二支部（加密）.xls": "无法打开"},
      expect=[Expect("R-F1", "error", "第二支部（加密）.xls", text="请取消密码后重新报送")])
def encrypted_xls(inbox: Path, base: Base) -> None:
    """An .xls with an open password (BIFF FILEPASS record)."""
    write(inbox / "第二支部（加密）.xls", cfb({"Workbook": biff(BIFF_BOF, BIFF_FILEPASS, BIFF_EOF)}))


BOMB = "第三支部（压缩）.xlsx"
BOMB_MB = 210


def _bomb(path: Path, base: Base, declared: int | None = None, mb: int = BOMB_MB) -> None:
    """A real workbook whose sheet XML is padded with `mb` MB of spaces inside the XML (it
    compresses ~1000:1); `declared` rewrites the size the zip directory claims."""
    small = meta_book({C.MEETINGS: meetings_rows("第三支部 会议情况")}, "第三支部", base)
    part = sheet_part(small, C.MEETINGS)
    xml = member(small, part)
    head, sep, tail = xml.partition(b"<sheetData>")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(small)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != part:
                dst.writestr(info, src.read(info.filename))
                continue
            big = zipfile.ZipInfo(part, (2017, 4, 1, 0, 0, 0))
            big.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(big, "w") as fh:
                fh.write(head)
                block = b" " * (1 << 20)
                for _ in range(mb):
                    fh.write(block)
                fh.write(sep + tail)
    data = bytearray(out.getvalue())
    if declared is not None:  # the central directory's uncompressed size of the sheet part
        pos = 0
        while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
            n = struct.unpack_from("<H", data, pos + 28)[0]
            if bytes(data[pos + 46: pos + 46 + n]) == part.encode():
                struct.pack_into("<I", data, pos + 24, declared)
            pos += 4
    path.write_bytes(bytes(data))


def _bomb_file(base: Base, name: str, **options: Any) -> Path:
    return base.cached(name, lambda p: _bomb(p, base, **options))


@kind("zip-bomb", exit_code=1, status={BOMB: "无法打开"},
      expect=[Expect("R-F1", "error", BOMB, text=f"解压后有 {BOMB_MB} MB，超过 200 MB 的上限"),
              Expect("R-F1", "error", BOMB, text="max_unpacked_mb")])
def zip_bomb(inbox: Path, base: Base) -> None:
    """A small file (≈0.2 MB) that unpacks to 210 MB: refused before anything is inflated."""
    src = _bomb_file(base, "bomb.xlsx")
    assert src.stat().st_size < 2 << 20
    shutil.copyfile(src, inbox / BOMB)


@kind("zip-bomb-lying-size", exit_code=1, status={BOMB: "无法打开"},
      expect=[Expect("R-F1", "error", BOMB, text="损坏")])
def zip_bomb_lying(inbox: Path, base: Base) -> None:
    """The same bomb, but its zip directory claims the sheet is 1 KB: inflating stops at the
    claimed size and the checksum fails."""
    shutil.copyfile(_bomb_file(base, "bomb-lying.xlsx", declared=1000, mb=20), inbox / BOMB)


ENTITY = "第一支部（实体）.xlsx"


@kind("xml-entities-in-sheet", exit_code=1, status={ENTITY: "无法打开"},
      expect=[Expect("R-F1", "error", ENTITY, text="DOCTYPE")])
def xml_entities_in_sheet(inbox: Path, base: Base) -> None:
    """Billion laughs: nested entity declarations in a sheet's XML, used in a cell."""
    data = (inbox / ONE).read_bytes()
    data = set_cell_xml(data, C.MEETINGS, "A3", "<is><t>ENTITY</t></is>", ' t="inlineStr"')
    part = sheet_part(data, C.MEETINGS)
    xml = with_doctype(member(data, part), BILLION_LAUGHS, "ENTITY", "&lol9;")
    write(inbox / ENTITY, rezip(data, {part: xml}))


@kind("xml-entities-in-shared-strings", exit_code=1, status={ENTITY: "无法打开"},
      expect=[Expect("R-F1", "error", ENTITY, text="sharedStrings.xml 含有不安全的 XML 声明")])
def xml_entities_in_shared_strings(inbox: Path, base: Base) -> None:
    """Billion laughs in the shared strings every text cell points into."""
    data = meta_book({C.MEETINGS: meetings_rows()}, "第一支部", base)
    xml = with_doctype(member(data, "xl/sharedStrings.xml"), BILLION_LAUGHS, "<t>", "<t>&lol9;")
    write(inbox / ENTITY, rezip(data, {"xl/sharedStrings.xml": xml}))


def _no_local_file_leaked(run: Run) -> None:
    for sheet in run.filing().sheetnames:
        for row in run.filing_rows(sheet):
            assert not any(isinstance(v, str) and "root:" in v for v in row), sheet


@kind("xml-external-entity", exit_code=1, status={ENTITY: "无法打开"},
      expect=[Expect("R-F1", "error", ENTITY, text="DOCTYPE")], check=_no_local_file_leaked)
def xml_external_entity(inbox: Path, base: Base) -> None:
    """XXE: an entity pointing at /etc/passwd, used in the shared strings."""
    data = meta_book({C.MEETINGS: meetings_rows()}, "第一支部", base)
    xml = with_doctype(member(data, "xl/sharedStrings.xml"), EXTERNAL_ENTITY, "<t>", "<t>&xxe;")
    write(inbox / ENTITY, rezip(data, {"xl/sharedStrings.xml": xml}))


@kind("csv-export", exit_code=1, status={"第一支部.csv": "无法打开"},
      expect=[Expect("R-F1", "error", "第一支部.csv", text="纯文本")])
def csv_export(inbox: Path, base: Base) -> None:
    """A sheet exported as CSV: a spreadsheet name, but text (ask for the .xlsx)."""
    write(inbox / "第一支部.csv", "谈话人,谈话对象,日期\n史永红,董秀兰,2017/3/6\n".encode("gbk"))


@kind("zip-attachment", exit_code=0, status={"第一支部材料.zip": "非表格文件"},
      expect=[Expect("R-F1", "warning", "第一支部材料.zip", text="压缩包")])
def zip_attachment(inbox: Path, base: Base) -> None:
    """The workbook sent inside a .zip (with other material): not opened, a warning."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("第一支部.xlsx", (inbox / ONE).read_bytes())
    write(inbox / "第一支部材料.zip", out.getvalue())


@kind("broken-link", exit_code=1, status={"第一支部（链接）.xlsx": "无法打开"},
      expect=[Expect("R-F1", "error", "第一支部（链接）.xlsx", text="链接指向的文件不存在")])
def broken_link(inbox: Path, base: Base) -> None:
    """A shortcut (symbolic link) to a file that is gone."""
    os.symlink(inbox.parent / "nowhere.xlsx", inbox / "第一支部（链接）.xlsx")


@kind("named-pipe", exit_code=1, status={"第一支部（管道）.xlsx": "无法打开"},
      expect=[Expect("R-F1", "error", "第一支部（管道）.xlsx", text="不是普通文件")])
def named_pipe(inbox: Path, base: Base) -> None:
    """A named pipe with a workbook's name: reading it would wait forever; never opened."""
    os.mkfifo(inbox / "第一支部（管道）.xlsx")


@kind("xls-named-xlsx", exit_code=0, status={"第二支部.xlsx": "已采用"}, gone=(TWO,))
def xls_named_xlsx(inbox: Path, base: Base) -> None:
    """第二支部's .xls renamed to .xlsx (as mail gateways and WPS do): the content decides."""
    (inbox / TWO).rename(inbox / "第二支部.xlsx")


# --- sheet and header spellings ---------------------------------------------------------------

@kind("sheet-names-and-headers-decorated", exit_code=0, check=_used_rows(ONE, C.TALKS))
def decorated(inbox: Path, base: Base) -> None:
    """Tabs renamed with a trailing space and full-width space; headers with '*', (必填),
    a line break, full-width letters and a trailing hint: all still recognised."""
    def change(wb: OpenpyxlWorkbook) -> None:
        talks, meetings = wb[C.TALKS], wb[C.MEETINGS]
        row, cols = header_row(talks)
        talks.cell(row, cols["谈话人"]).value = "*谈话人"
        talks.cell(row, cols["谈话对象"]).value = "谈话\n对象（必填）"
        talks.cell(row, cols["日期"]).value = "日期（年/月/日）"
        row, cols = header_row(meetings)
        meetings.cell(row, cols["应到"]).value = "应到："
        talks.title = "谈心谈话 "
        meetings.title = "会议情况\u3000"
    edit(inbox / ONE, change)


@kind("grade-variants-in-ballots", exit_code=0, check=_used_rows(ONE, C.BALLOTS))
def grade_variants(inbox: Path, base: Base) -> None:
    """Votes typed as 优 秀, ' 合格 ', 合　格 (full-width space) and 基本合格 with a
    zero-width space: they fold to the grades (R-B1), no error."""
    variants = {"优秀": "优 秀", "合格": "合　格", "基本合格": "基本\u200b合格"}

    def change(wb: OpenpyxlWorkbook) -> None:
        ws = wb[C.BALLOTS]
        for r in range(3, 9):
            for c in range(2, ws.max_column + 1):
                value = ws.cell(r, c).value
                if value in variants:
                    ws.cell(r, c).value = variants[value] if (r + c) % 2 else f" {value} "
    edit(inbox / ONE, change)


# --- macros, formulas, links ----------------------------------------------------------------

MACRO = "第一支部.xlsm"


@kind("xlsm-with-macro", exit_code=0, status={MACRO: "已采用"}, gone=(ONE,),
      expect=[Expect("R-F1", "warning", MACRO, text="宏")], check=_used_rows(MACRO, C.BALLOTS))
def xlsm_with_macro(inbox: Path, base: Base) -> None:
    """The branch's workbook saved as .xlsm with a VBA project: data read, macro never run."""
    data = (inbox / ONE).read_bytes()
    types = member(data, "[Content_Types].xml").decode()
    types = types.replace("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                          "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    types = types.replace("</Types>", '<Override PartName="/xl/vbaProject.bin" '
                          'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    rels = member(data, "xl/_rels/workbook.xml.rels").decode().replace(
        "</Relationships>", '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/'
        '2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
    vba = cfb({"VBA": b"Attribute VB_Name = \"ThisWorkbook\"\r\nSub Workbook_Open()\r\n"
               b"Shell \"calc.exe\"\r\nEnd Sub\r\n", "PROJECT": b"ID=\"{0}\"\r\n"})
    write(inbox / MACRO, rezip(data, {"[Content_Types].xml": types.encode(),
                                      "xl/_rels/workbook.xml.rels": rels.encode(),
                                      "xl/vbaProject.bin": vba}))
    (inbox / ONE).unlink()


def _meeting_value(value: Any, file: str = ONE, row: int = FIRST_DATA_ROW,
                   header: str = "实到") -> Callable[[Run], None]:
    def check(run: Run) -> None:
        assert run.outcome is not None
        b = next(b for b in run.outcome.branches if b.branch == "第一支部")
        t = b.tables[C.MEETINGS]
        assert t.file == file and t.frame.loc[row, header] == value
    return check


@kind("formula-with-cached-value", exit_code=0, check=_meeting_value(32.0))
def formula_cached(inbox: Path, base: Base) -> None:
    """实到 as a formula =30+2 with its cached result 32, as Excel saves it."""
    data = set_cell_xml((inbox / ONE).read_bytes(), C.MEETINGS, "D3", "<f>30+2</f><v>32</v>")
    write(inbox / ONE, data)


@kind("formula-without-cached-value", exit_code=1,
      expect=[Expect("R-F1", "error", ONE, C.MEETINGS, "D3", "没有保存计算结果")],
      tolerate=[Expect("R-M3", "warning", ONE, C.MEETINGS, "D3")])
def formula_uncached(inbox: Path, base: Base) -> None:
    """实到 as a formula saved without a result (written by a tool, never opened in Excel)."""
    write(inbox / ONE, set_cell_xml((inbox / ONE).read_bytes(), C.MEETINGS, "D3", "<f>30+2</f>"))


@kind("formula-external-link", exit_code=0, check=_meeting_value(32.0),
      expect=[Expect("R-F1", "warning", ONE, text="外部链接")])
def formula_external_link(inbox: Path, base: Base) -> None:
    """实到 = [1]统计!B2, a link to another workbook, with the value cached when saved."""
    data = set_cell_xml((inbox / ONE).read_bytes(), C.MEETINGS, "D3",
                        "<f>[1]统计!B2</f><v>32</v>")
    link = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><externalLink xmlns='
            '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><externalBook xmlns:r='
            '"http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1">'
            '<sheetNames><sheetName val="统计"/></sheetNames></externalBook></externalLink>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'externalLinkPath" Target="file:///C:/统计.xlsx" TargetMode="External"/></Relationships>')
    write(inbox / ONE, rezip(data, {"xl/externalLinks/externalLink1.xml": link.encode(),
                                    "xl/externalLinks/_rels/externalLink1.xml.rels": rels.encode()}))


# --- data layout ------------------------------------------------------------------------------

@kind("merged-cells-in-data", exit_code=1,
      expect=[Expect("R-Q1", "error", ONE, C.PROBLEMS, f"{letter(C.PROBLEMS, '类别')}4"),
              Expect("R-F3", "error", ONE, C.PROBLEMS, f"{letter(C.PROBLEMS, '类别')}3:"
                     f"{letter(C.PROBLEMS, '类别')}4", text="是合并单元格（跨 2 行）")])
def merged_in_data(inbox: Path, base: Base) -> None:
    """类别 merged over two problem rows (as people do for a group of rows): only the first
    row has the value; the second is reported at its cell, not guessed."""
    def change(wb: OpenpyxlWorkbook) -> None:
        ws = wb[C.PROBLEMS]
        col = get_column_letter(column(ws, "类别"))
        ws.merge_cells(f"{col}3:{col}4")
    edit(inbox / ONE, change)


@kind("hidden-rows", exit_code=0, check=_used_rows(ONE, C.TALKS))
def hidden_rows(inbox: Path, base: Base) -> None:
    """Four talk rows hidden (and a row grouped/collapsed): still data."""
    def change(wb: OpenpyxlWorkbook) -> None:
        ws = wb[C.TALKS]
        for r in range(5, 9):
            ws.row_dimensions[r].hidden = True
        ws.row_dimensions[12].outlineLevel = 1
        ws.row_dimensions[12].hidden = True
    edit(inbox / ONE, change)


@kind("hidden-sheets", exit_code=0, check=_used_rows(ONE, C.RECTIFY))
def hidden_sheets(inbox: Path, base: Base) -> None:
    """会议情况 hidden and 整改清单 'very hidden': still read."""
    def change(wb: OpenpyxlWorkbook) -> None:
        wb[C.MEETINGS].sheet_state = "hidden"
        wb[C.RECTIFY].sheet_state = "veryHidden"
        wb.active = 0
    edit(inbox / ONE, change)


@kind("text-in-number-column", exit_code=1,
      expect=[Expect("R-M3", "error", ONE, C.MEETINGS, "C3", "十五")])
def text_in_number(inbox: Path, base: Base) -> None:
    """应到 written in Chinese numerals: 十五."""
    edit(inbox / ONE, lambda wb: put(wb[C.MEETINGS], 3, "应到", "十五"))


@kind("booleans-and-numbers-in-text-columns", exit_code=1,
      expect=[Expect("R-T3", "error", ONE, C.TALKS, "A3"),
              Expect("R-T3", "error", ONE, C.TALKS, "B4")],
      tolerate=[Expect("R-T1", "warning", ONE, C.TALKS), Expect("R-T2", "warning", ONE, C.TALKS)])
def booleans_and_numbers(inbox: Path, base: Base) -> None:
    """谈话人 = TRUE and 谈话对象 = 12345: reported at their cells, never a crash."""
    def change(wb: OpenpyxlWorkbook) -> None:
        put(wb[C.TALKS], 3, "谈话人", True)
        put(wb[C.TALKS], 4, "谈话对象", 12345)
    edit(inbox / ONE, change)


DATE_FORMS: tuple[Any, ...] = (
    dt.datetime(2017, 3, 6), dt.date(2017, 3, 7), "2017/3/8", "2017-03-09", "2017.3.10",
    "2017年3月11日", "20170312", "3月13日", "3/14", "２０１７／３／１５", 42809, "42810",
    "2017-3-16 00:00:00", " 2017 年 3 月 17 日 ",
)


@kind("dates-in-every-form", exit_code=0, check=None)
def dates_in_every_form(inbox: Path, base: Base) -> None:
    """Talk dates as date cells, 2017/3/8, 2017-03-09, 2017.3.10, 2017年3月11日, 20170312,
    3月13日, 3/14, full-width digits, Excel serials (number and text) and padded text."""
    def change(wb: OpenpyxlWorkbook) -> None:
        ws = wb[C.TALKS]
        for i, value in enumerate(DATE_FORMS):
            put(ws, FIRST_DATA_ROW + i, "日期", value)
    edit(inbox / ONE, change)


def _late_talk_1904(run: Run) -> None:
    assert run.outcome is not None
    b = next(b for b in run.outcome.branches if b.branch == "第一支部")
    assert b.tables[C.TALKS].file == ONE


@kind("dates-1904-system", exit_code=0, check=_late_talk_1904,
      expect=[Expect("R-T4", "warning", ONE, C.TALKS, f"{letter(C.TALKS, '日期')}4", "2017-03-25")])
def dates_1904(inbox: Path, base: Base) -> None:
    """A workbook in the 1904 date system (old Mac Excel): date cells and a plain serial typed
    into a General-format cell (41357 = 2017-03-25 counted from 1904, a late talk)."""
    def change(wb: OpenpyxlWorkbook) -> None:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
        ws = wb[C.TALKS]
        col = column(ws, "日期")
        ws.cell(4, col).value = 41357
        ws.cell(4, col).number_format = "General"
    edit(inbox / ONE, change)


@kind("date-serial-60", exit_code=1,
      expect=[Expect("R-T4", "error", ONE, C.TALKS, f"{letter(C.TALKS, '日期')}3", "1900-02-29")])
def date_serial_60(inbox: Path, base: Base) -> None:
    """Excel's fictitious 1900-02-29 (serial 60) typed as a number in a date column."""
    def change(wb: OpenpyxlWorkbook) -> None:
        ws = wb[C.TALKS]
        cell = ws.cell(3, column(ws, "日期"))
        cell.value, cell.number_format = 60, "General"
    edit(inbox / ONE, change)


@kind("date-before-excel-epoch", exit_code=1,
      expect=[Expect("R-T4", "error", ONE, C.TALKS, f"{letter(C.TALKS, '日期')}3")])
def date_formatted_serial_60(inbox: Path, base: Base) -> None:
    """Serial 60 in a date-formatted cell: Excel shows 1900/2/29, a reader shows 1900/2/28;
    either way it is no date of this campaign."""
    def change(wb: OpenpyxlWorkbook) -> None:
        ws = wb[C.TALKS]
        cell = ws.cell(3, column(ws, "日期"))
        cell.value, cell.number_format = 60, "yyyy/m/d"
    edit(inbox / ONE, change)


# --- names ------------------------------------------------------------------------------------

NAME_VARIANTS = (
    lambda n: n[0] + "\u3000" + n[1:],  # full-width space inside
    lambda n: n + "\u200b",  # zero-width space
    lambda n: "\u00a0" + n,  # NBSP before
    lambda n: n + "   ",  # trailing spaces
    lambda n: n[0] + " " + n[1:] + "\t",  # ASCII space inside, a tab after
    lambda n: "\ufeff" + n,  # BOM from a pasted text file
)


@kind("name-variants", exit_code=0)
def name_variants(inbox: Path, base: Base) -> None:
    """谈话人/谈话对象 and 组织评定 names with full-width spaces, zero-width spaces, NBSP,
    trailing spaces, tabs and a BOM: all fold to the roster name, no error."""
    def change(wb: OpenpyxlWorkbook) -> None:
        ws = wb[C.TALKS]
        for i, variant in enumerate(NAME_VARIANTS):
            for header in ("谈话人", "谈话对象"):
                cell = ws.cell(FIRST_DATA_ROW + i, column(ws, header))
                cell.value = variant(cell.value)
        grading = wb[C.GRADING]
        for i, variant in enumerate(NAME_VARIANTS):
            cell = grading.cell(FIRST_DATA_ROW + i, column(grading, "姓名"))
            cell.value = variant(cell.value)
    edit(inbox / ONE, change)


@kind("full-width-digits-in-names", exit_code=0, status={"第二支部.xlsx": "已采用"}, gone=(TWO,))
def full_width_digits(inbox: Path, base: Base) -> None:
    """第二支部 (re-sent as .xlsx) writes 王伟（２） with full-width brackets and digit in its
    talks and 组织评定, and the 民主测评 header 王伟 (2): the same member 王伟(2)."""
    ws_file = inbox / "第二支部.xlsx"
    _second_branch_xlsx(inbox, base, ws_file)

    def change(wb: OpenpyxlWorkbook) -> None:
        for sheet, headers in ((C.TALKS, ("谈话人", "谈话对象")), (C.GRADING, ("姓名",))):
            ws = wb[sheet]
            for header in headers:
                col = column(ws, header)
                for r in range(FIRST_DATA_ROW, ws.max_row + 1):
                    if ws.cell(r, col).value == "王伟(2)":
                        ws.cell(r, col).value = "王伟（２）"
        ws = wb[C.BALLOTS]
        row, headers = header_row(ws)
        ws.cell(row, headers["王伟(2)"]).value = "王伟 (2)"
    edit(ws_file, change)


def _second_branch_xlsx(inbox: Path, base: Base, target: Path) -> None:
    """第二支部's workbook as the demo filled it, as .xlsx (the demo ships it as .xls)."""
    from demo.fill import fill_workbook
    from demo.inbox import demo_scenarios

    scenario = demo_scenarios(base.campaign, base.roster, 2017)["第二支部"]
    target.write_bytes(fill_workbook(base.template("第二支部"), scenario))
    (inbox / TWO).unlink()


@kind("duplicate-names-in-roster-sheet", exit_code=1,
      expect=[Expect("R-P1", "error", ONE, C.ROSTER, "A4", "另见第 3 行")],
      tolerate=[Expect(r, s) for r in ("R-T1", "R-T2", "R-T3", "R-Q2", "R-R4", "R-G1", "R-B3",
                                       "R-P4", "R-A1", "R-R3", "R-G3", "R-P2")
               for s in ("error", "warning")])
def duplicate_names(inbox: Path, base: Base) -> None:
    """Two members of 第一支部's 党员名册 written with the same name (R-P1)."""
    def change(wb: OpenpyxlWorkbook) -> None:
        ws = wb[C.ROSTER]
        put(ws, 4, "姓名", ws.cell(3, column(ws, "姓名")).value)
    edit(inbox / ONE, change)


# --- templates (R-F5, R-F6) -------------------------------------------------------------------

def _with_meta(data: bytes, key: str, value: str) -> bytes:
    """The workbook with one _meta value changed (the cell B of the key's row)."""
    part = sheet_part(data, C.META)
    xml = member(data, part).decode()
    rows = list(C.META_KEYS)
    ref = f"B{rows.index(key) + 1}"
    pattern = re.compile(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', re.S)
    assert pattern.search(xml), ref
    xml = pattern.sub(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>', xml, count=1)
    return rezip(data, {part: xml.encode()})


OLD = "第一支部（2016年）.xlsx"


@kind("template-of-another-campaign", exit_code=1, status={OLD: "其他活动"},
      expect=[Expect("R-F5", "error", OLD, C.META, "B4", "2016")])
def other_campaign(inbox: Path, base: Base) -> None:
    """Last year's workbook sent again (_meta campaign …/2016)."""
    data = _with_meta((inbox / ONE).read_bytes(), "campaign", "徐汇区教师进修学院党总支/2016")
    write(inbox / OLD, data)


@kind("template-of-another-version", exit_code=1, status={OLD: "其他活动"},
      expect=[Expect("R-F5", "error", OLD, C.META, "B2", "0.9")])
def other_version(inbox: Path, base: Base) -> None:
    """A workbook from a draft template (_meta version 0.9)."""
    write(inbox / OLD, _with_meta((inbox / ONE).read_bytes(), "version", "0.9"))


@kind("template-of-another-system", exit_code=1, status={OLD: "其他活动"},
      expect=[Expect("R-F5", "error", OLD, C.META, "B1", "考勤")])
def other_template(inbox: Path, base: Base) -> None:
    """A workbook of some other tool that also has a _meta sheet."""
    write(inbox / OLD, _with_meta((inbox / ONE).read_bytes(), "template", "考勤-模板"))


@kind("meta-branch-not-in-roster", exit_code=1, status={"第五支部.xlsx": "无法识别"},
      expect=[Expect("R-F2", "error", "第五支部.xlsx", C.META, "B3", "第五支部")])
def meta_unknown_branch(inbox: Path, base: Base) -> None:
    """_meta names a branch the roster does not have."""
    write(inbox / "第五支部.xlsx", _with_meta((inbox / ONE).read_bytes(), "branch", "第五支部"))


def _fourth_not_sent(run: Run) -> None:
    """报送情况 shows every stage of 第四支部 as not sent (an untouched template is no send)."""
    table = run.filing_rows("报送情况")
    header = next(r for r in table if r and r[0] == "支部")
    state = header.index("状态")
    states = {r[state] for r in table if r and r[0] == "第四支部"}
    assert states and states <= {"未报送", "逾期未报送"}, states


@kind("untouched-template", exit_code=0, status={FOUR: "未填写"}, check=_fourth_not_sent,
      gone=tuple(f for f in DEMO_FILES if "第四支部" in f and f != FOUR),
      expect=[Expect("R-F6", "warning", FOUR, text="未填写")])
def untouched_template(inbox: Path, base: Base) -> None:
    """第四支部 sends back the template exactly as it was handed out: nothing is data, the
    branch shows as not sent."""
    remove_branch(inbox, "第四支部")
    write(inbox / FOUR, base.template("第四支部"))


BLANK = "第一支部（空白）.xlsx"


@kind("untouched-template-newer", exit_code=0, status={BLANK: "未填写"},
      expect=[Expect("R-F6", "warning", BLANK, text="未填写")], check=_used_rows(ONE, C.BALLOTS))
def untouched_template_newer(inbox: Path, base: Base) -> None:
    """An empty template saved after the filled one: it must not replace any filled sheet."""
    write(inbox / BLANK, base.template("第一支部"), dt.datetime(2017, 4, 30))


@kind("example-rows-left-in", exit_code=0,
      expect=[Expect("R-F6", "warning", ONE, C.TALKS, "A3", "示例")])
def example_rows(inbox: Path, base: Base) -> None:
    """An example row (例：…) typed above the data: not data, reported, not counted."""
    def change(wb: OpenpyxlWorkbook) -> None:
        ws = wb[C.TALKS]
        ws.insert_rows(3)
        put(ws, 3, "谈话人", "例：张三")
        put(ws, 3, "谈话对象", "李四")
    edit(inbox / ONE, change)


# --- duplicate sends (R-F4) -------------------------------------------------------------------

COPY = "第一支部 - 副本.xlsx"  # as Windows names a copy; it sorts first, the plain name is used


def _counted_once(run: Run) -> None:
    assert run.outcome is not None
    assert not [c for c in run.outcome.report.counts if c.file == COPY]
    results = run.filing_rows("汇总")
    header = next(r for r in results if r and r[0] == "支部")
    row = next(r for r in results if r and r[0] == "第一支部")
    assert dict(zip(header, row))["收回票数"] == run.base.counts[(ONE, C.BALLOTS)]


@kind("same-file-twice", exit_code=0, status={COPY: "重复文件", ONE: "已采用"},
      check=_counted_once, expect=[Expect("R-F4", "warning", COPY, text="内容完全相同")])
def same_file_twice(inbox: Path, base: Base) -> None:
    """The same attachment saved twice (byte-identical): counted once."""
    shutil.copy2(inbox / ONE, inbox / COPY)


NEWER = "第一支部（更正）.xlsx"


def newest_wins(run: Run) -> None:
    assert run.outcome is not None
    b = next(b for b in run.outcome.branches if b.branch == "第一支部")
    assert {t.file for t in b.tables.values()} == {NEWER}
    assert b.tables[C.MEETINGS].frame.loc[FIRST_DATA_ROW, "实到"] == 33
    listed = {r[3]: r[0] for r in run.filing_rows("说明") if r and len(r) > 3 and r[3]}
    assert listed.get(ONE) == "已被替代" and listed.get(NEWER) == "已采用"


@kind("two-versions", exit_code=0, status={ONE: "已被替代", NEWER: "已采用"}, check=newest_wins)
def two_versions(inbox: Path, base: Base) -> None:
    """A corrected version sent later (实到 32 → 33): the newest wins, the old is listed."""
    edit(inbox / ONE, lambda wb: put(wb[C.MEETINGS], 3, "实到", 33), target=inbox / NEWER)


PART = "第一支部（会议补报）.xlsx"


@kind("partial-send-update", exit_code=0, status={PART: "已采用", ONE: "部分采用"},
      check=_meeting_value(33, file=PART))
def partial_update(inbox: Path, base: Base) -> None:
    """A later file with only the 会议情况 sheet: it replaces that sheet, the rest stays."""
    rows = meetings_rows()
    rows[2][3] = 33
    demo = openpyxl.load_workbook(inbox / ONE)[C.MEETINGS]
    rows += [[c.value for c in row] for row in demo.iter_rows(min_row=4) if row[0].value]
    write(inbox / PART, meta_book({C.MEETINGS: rows}, "第一支部", base))


@kind("partial-send-only", exit_code=0, status={FOUR: "已采用"},
      gone=tuple(f for f in DEMO_FILES if "第四支部" in f and f != FOUR),
      expect=[Expect("R-F3", "warning", FOUR, sheet) for sheet in (C.TALKS, C.PROBLEMS,
              C.BALLOTS, C.GRADING, C.RECTIFY)],
      tolerate=[Expect("R-M1", "warning"), Expect("R-M2", "warning"), Expect("R-M4", "warning"),
                Expect("R-F3", "warning", FOUR, C.ROSTER)])
def partial_only(inbox: Path, base: Base) -> None:
    """第四支部 has sent only its 会议情况 so far (a workbook with one sheet and _meta)."""
    remove_branch(inbox, "第四支部")
    rows = meetings_rows("第四支部 会议情况")
    write(inbox / FOUR, meta_book({C.MEETINGS: rows}, "第四支部", base))


# --- ballots and rectification ----------------------------------------------------------------

@kind("more-ballots-than-voters", exit_code=1,
      expect=[Expect("R-B2", "error", ONE, C.BALLOTS, "", "多于出席且有表决权的党员")],
      tolerate=[Expect("R-G3", "warning", ONE)])
def more_ballots(inbox: Path, base: Base) -> None:
    """One ballot more than members present and entitled to vote."""
    def change(wb: OpenpyxlWorkbook) -> None:
        ws = wb[C.BALLOTS]
        row = last_row(ws, "票号") + 1
        for c in range(1, ws.max_column + 1):
            ws.cell(row, c).value = ws.cell(row - 1, c).value
        ws.cell(row, 1).value = f"{row - 2:03d}"
    edit(inbox / ONE, change)


def _probationary(base: Base) -> str:
    return next(m.name for m in base.members("第一支部") if m.kind == C.PROBATIONARY)


def _vote_in_added_column(run: Run) -> None:
    ws = openpyxl.load_workbook(run.inbox / ONE, read_only=True)[C.BALLOTS]
    cell = f"{get_column_letter(ws.max_column)}3"
    assert [i.cell for i in run.new_issues if i.rule == "R-B3"] == [cell]


@kind("vote-for-probationary-member", exit_code=1, check=_vote_in_added_column,
      expect=[Expect("R-B3", "error", ONE, C.BALLOTS, None, "预备党员")])
def vote_for_probationary(inbox: Path, base: Base) -> None:
    """A column added for a 预备党员, with a vote in it."""
    name = _probationary(base)

    def change(wb: OpenpyxlWorkbook) -> None:
        ws = wb[C.BALLOTS]
        col = ws.max_column + 1
        ws.cell(2, col).value = name
        ws.cell(3, col).value = "优秀"
    edit(inbox / ONE, change)


@kind("duplicate-ballot-number", exit_code=1,
      expect=[Expect("R-B5", "error", ONE, C.BALLOTS, "A4", "001")])
def duplicate_ballot_number(inbox: Path, base: Base) -> None:
    """Two ballots numbered 001 (the second is not counted)."""
    edit(inbox / ONE, lambda wb: put(wb[C.BALLOTS], 4, "票号", "001"))


@kind("rectification-deadline-missing", exit_code=1,
      expect=[Expect("R-R1", "error", ONE, C.RECTIFY, f"{letter(C.RECTIFY, '完成时限')}3")])
def deadline_missing(inbox: Path, base: Base) -> None:
    """A rectification row without its 完成时限 (四明确)."""
    edit(inbox / ONE, lambda wb: put(wb[C.RECTIFY], 3, "完成时限", None))


@kind("rectification-deadline-long-term", exit_code=1,
      expect=[Expect("R-R3", "error", ONE, C.RECTIFY, f"{letter(C.RECTIFY, '完成时限')}3",
                     "长期坚持")])
def deadline_long_term(inbox: Path, base: Base) -> None:
    """完成时限 written as 长期坚持 instead of a date."""
    edit(inbox / ONE, lambda wb: put(wb[C.RECTIFY], 3, "完成时限", "长期坚持"))


LONG_TEXT = ("班子成员联系服务群众不够深入，" * 2900)[:43_210] + "（完）"


def _long_text_kept(run: Run) -> None:
    from pipeline.write.layout import CONTINUATION, CONTINUED

    rows = run.filing_rows(C.PROBLEMS)
    header = next(r for r in rows if r and "问题描述" in r)
    col = header.index("问题描述")
    pieces = [r[col] for r in rows if isinstance(r[col], str) and "班子成员联系服务群众不够深入" in r[col]]
    assert len(pieces) == 2, len(pieces)
    assert all(len(p) <= 32_767 for p in pieces)
    whole = "".join(p.removeprefix(CONTINUATION).removesuffix(CONTINUED) for p in pieces)
    assert whole == LONG_TEXT


@kind("text-over-32767-characters", exit_code=0, check=_long_text_kept)
def long_text(inbox: Path, base: Base) -> None:
    """A 问题描述 of 43,213 characters (over Excel's 32,767, written into the XML as other tools
    can; openpyxl would cut it): read whole, never cut silently in the filing."""
    data = set_cell_xml((inbox / ONE).read_bytes(), C.PROBLEMS,
                        f"{letter(C.PROBLEMS, '问题描述')}3", f"<is><t>{LONG_TEXT}</t></is>",
                        ' t="inlineStr"')
    write(inbox / ONE, data)


# --- file names -------------------------------------------------------------------------------

MOJIBAKE = "绗竴鏀儴.xlsx"  # 第一支部.xlsx as a mail client garbles it (UTF-8 shown as GBK)


@kind("mojibake-name-with-meta", exit_code=0, status={MOJIBAKE: "已采用"}, gone=(ONE,),
      check=_used_rows(MOJIBAKE, C.BALLOTS))
def mojibake_with_meta(inbox: Path, base: Base) -> None:
    """第一支部.xlsx arrives as 绗竴鏀儴.xlsx (UTF-8 read as GBK by a mail client): placed by _meta."""
    (inbox / ONE).rename(inbox / MOJIBAKE)


@kind("mojibake-name-without-meta", exit_code=1, status={MOJIBAKE: "无法识别"},
      expect=[Expect("R-F2", "error", MOJIBAKE, text="无法识别属于哪个支部")])
def mojibake_without_meta(inbox: Path, base: Base) -> None:
    """A garbled name, no _meta and no branch name in the titles: R-F2, nothing guessed."""
    def change(wb: OpenpyxlWorkbook) -> None:
        del wb[C.META]
        for ws in wb.worksheets:
            if ws.title in C.SHEETS:
                ws.cell(1, 1).value = ws.title
    edit(inbox / ONE, change, target=inbox / MOJIBAKE)


GBK_NAME = "第一支部（GBK）.xlsx".encode("gbk")


@kind("gbk-bytes-in-file-name", exit_code=0, gone=(ONE,), status={"第一支部（GBK）.xlsx": "已采用"},
      check=_used_rows("第一支部（GBK）.xlsx", C.BALLOTS))
def gbk_file_name(inbox: Path, base: Base) -> None:
    """A file name whose bytes are GBK (unzipped on Windows, copied to a UTF-8 disk): the name
    cannot be decoded, the file is still placed by _meta and the outputs stay writable."""
    os.rename(inbox / ONE, os.path.join(os.fsencode(inbox), GBK_NAME))


# --- folders and output paths -----------------------------------------------------------------

def _all_demo_files_unread(run: Run) -> None:
    assert run.outcome is not None and not run.outcome.report.files


@kind("empty-inbox", exit_code=1, gone=DEMO_FILES,
      check=_all_demo_files_unread,
      expect=[Expect("R-F3", "warning", "", text="尚未报送任何表格"),
              Expect("R-F3", "error", "", text="收件箱中没有收到任何支部报送的表格")])
def empty_inbox(inbox: Path, base: Base) -> None:
    """An inbox folder with nothing in it yet: not a pass (#10 case 10: it was exit 0,
    通过校验)."""
    for path in inbox.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def _usage(text: str) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        assert text in run.result.stderr, run.result.stderr
        assert run.outcome is None or run.result.exit_code == 2
    return check


@kind("missing-inbox", exit_code=2, check=_usage("收件箱文件夹不存在"), gone=DEMO_FILES)
def missing_inbox(inbox: Path, base: Base) -> None:
    """The inbox folder named on the command line does not exist."""
    shutil.rmtree(inbox)


@kind("inbox-is-a-file", exit_code=2, check=_usage("收件箱应为文件夹"), gone=DEMO_FILES)
def inbox_is_a_file(inbox: Path, base: Base) -> None:
    """A workbook given where the inbox folder should be."""
    data = (inbox / ONE).read_bytes()
    shutil.rmtree(inbox)
    inbox.write_bytes(data)


@kind("output-folder-missing", exit_code=0, out="新建/备案/2017/备案.xlsx",
      check=lambda run: run.filing())
def output_folder_missing(inbox: Path, base: Base) -> None:
    """-o names a file in folders that do not exist yet: they are created."""


@kind("output-not-writable", exit_code=2, out="blocked/备案.xlsx", check=_usage("无法写入"))
def output_not_writable(inbox: Path, base: Base) -> None:
    """-o names a file inside something that is a file, not a folder (works as root too)."""
    write(inbox.parent / "blocked", b"not a folder")


@kind("output-is-a-folder", exit_code=2, out="备案.xlsx", check=_usage("无法写入"))
def output_is_a_folder(inbox: Path, base: Base) -> None:
    """-o names an existing folder called 备案.xlsx."""
    (inbox.parent / "备案.xlsx").mkdir()


@kind("output-read-only-folder", exit_code=2, out="readonly/备案.xlsx", check=_usage("无法写入"))
def output_read_only(inbox: Path, base: Base) -> None:
    """-o inside a read-only folder (as root, which may write anywhere: a read-only file
    system is simulated by a folder that is a file's path)."""
    folder = inbox.parent / "readonly"
    folder.mkdir()
    if os.geteuid() == 0:  # root ignores permissions
        folder.rmdir()
        write(folder, b"")
    else:
        folder.chmod(0o555)


# --- size limits (campaign.toml [limits]) -----------------------------------------------------

def _far_sheet(rows: Sequence[tuple[int, Sequence[tuple[str, str]]]], dimension: str) -> bytes:
    """Sheet XML written by hand: (row, [(ref, text)]) with inline strings."""
    body = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
                                   for ref, text in cells) + "</row>" for r, cells in rows)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://'
            'schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="'
            f'{dimension}"/><sheetData>{body}</sheetData></worksheet>').encode()


def _meetings_far(base: Base, far: str, dimension: str,
                  saved: dt.datetime | None = None) -> bytes:
    small = meta_book({C.MEETINGS: [["x"]]}, "第一支部", base, saved=saved)
    headers = [(f"{get_column_letter(i + 1)}2", h) for i, h in enumerate(C.MEETINGS_SHEET.headers)]
    row = int(re.sub(r"[A-Z]", "", far))
    xml = _far_sheet([(1, [("A1", "第一支部 会议情况")]), (2, headers),
                      (3, [("A3", "集中学习"), ("B3", "2017-03-17"), ("C3", "34"), ("D3", "32")]),
                      (row, [(far, "集中学习")])], dimension)
    return rezip(small, {sheet_part(small, C.MEETINGS): xml})


HUGE = "第一支部（大表）.xlsx"


@kind("sheet-with-1048576-rows", exit_code=1, status={HUGE: "已采用"}, measure=True,
      expect=[Expect("R-F1", "error", HUGE, C.MEETINGS, text="1048576 行，超过每表 100000 行的上限"),
              Expect("R-F1", "error", HUGE, C.MEETINGS, text="max_rows_per_sheet")])
def million_rows(inbox: Path, base: Base) -> None:
    """A 5 KB file whose sheet reaches row 1,048,576 (<dimension ref="A1:A1048576">)."""
    write(inbox / HUGE, _meetings_far(base, "A1048576", "A1:A1048576"))


@kind("cell-at-XFD1048576", exit_code=1, status={HUGE: "已采用"}, measure=True,
      expect=[Expect("R-F1", "error", HUGE, C.MEETINGS, text="1048576 行")])
def far_corner(inbox: Path, base: Base) -> None:
    """A value in the last cell of the sheet (XFD1048576) and in A1: a reader that stores the
    sheet as one block would ask for 17 billion cells."""
    write(inbox / HUGE, _meetings_far(base, "XFD1048576", "A1:XFD1048576"))


def _wide_row_read(run: Run) -> None:
    assert run.outcome is not None
    (count,) = [c for c in run.outcome.report.counts if c.file == HUGE]
    # the stray XFD5 has no header: it is outside the table, not a data row
    assert (count.sheet, count.read, count.superseded) == (C.MEETINGS, 1, 1)


@kind("wide-row-to-XFD", exit_code=0, status={HUGE: "已被替代"}, check=_wide_row_read)
def wide_row(inbox: Path, base: Base) -> None:
    """An earlier send with a stray value in XFD5 (16,384 columns in one row): small enough to
    read, so it is read (and superseded by the branch's later file, rows accounted)."""
    write(inbox / HUGE, _meetings_far(base, "XFD5", "A1:XFD5", saved=dt.datetime(2017, 3, 18)))


def ods_book(tables: Mapping[str, Sequence[Sequence[Any] | int]]) -> bytes:
    """An .ods written by hand: each row a list of texts (None: an empty cell, (n,): n empty
    cells repeated), or an int: that many empty rows repeated, as LibreOffice writes them."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    body = []
    for name, rows in tables.items():
        body.append(f'<table:table table:name="{name}">')
        for row in rows:
            if isinstance(row, int):
                body.append(f'<table:table-row table:number-rows-repeated="{row}">'
                            "<table:table-cell/></table:table-row>")
                continue
            body.append("<table:table-row>")
            for v in row:
                if v is None:
                    body.append("<table:table-cell/>")
                elif isinstance(v, tuple):
                    body.append(f'<table:table-cell table:number-columns-repeated="{v[0]}"/>')
                else:
                    body.append('<table:table-cell office:value-type="string">'
                                f"<text:p>{v}</text:p></table:table-cell>")
            body.append("</table:table-row>")
        body.append("</table:table>")
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
               'office:version="1.2"><office:body><office:spreadsheet>' + "".join(body)
               + "</office:spreadsheet></office:body></office:document-content>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
            'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry'
            ' manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
            'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
            'manifest:media-type="text/xml"/></manifest:manifest>'))
        zf.writestr("content.xml", content)
    return out.getvalue()


ODS = "第一支部（大表）.ods"


@kind("ods-cell-far-away", exit_code=1, status={ODS: "无法打开"}, measure=True,
      expect=[Expect("R-F1", "error", ODS, text="数据区域过大（1048576 行 × 48 列")])
def ods_far(inbox: Path, base: Base) -> None:
    """An 8 KB .ods with a value in AV1048576 (empty rows and cells repeated up to it): the
    reader would hold 50 million cells (3 GB) for it."""
    meta = [[key, value] for key, value in meta_values(base.campaign, "第一支部").items()]
    sheet: list[Sequence[Any] | int] = [[str(v) for v in r] for r in meetings_rows()]
    sheet += [1048572, [(47,), "集中学习"]]
    write(inbox / ODS, ods_book({C.MEETINGS: sheet, C.META: meta}))


XLS = "第一支部（大表）.xls"


def _far_xls(path: Path, base: Base) -> None:
    """会议情况 with a value in IV65536, saved as .xls by LibreOffice."""
    import subprocess

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        import pytest

        pytest.skip("LibreOffice (soffice) is needed to save an .xls")
    with tempfile.TemporaryDirectory(prefix="orglife-xls-") as tmp:
        work = Path(tmp)
        source = work / "far.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = C.MEETINGS
        for row in meetings_rows():
            ws.append(row)
        ws["IV65536"] = "集中学习"
        meta = wb.create_sheet(C.META)
        for key, value in meta_values(base.campaign, "第一支部").items():
            meta.append([key, value])
        wb.save(source)
        subprocess.run([soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}",
                        "--headless", "--convert-to", "xls", "--outdir", str(work), str(source)],
                       capture_output=True, timeout=180, check=True)
        shutil.copyfile(work / "far.xls", path)


@kind("xls-cell-at-IV65536", exit_code=1, status={XLS: "无法打开"}, measure=True,
      expect=[Expect("R-F1", "error", XLS, text="数据区域过大（65536 行 × 256 列")])
def xls_far(inbox: Path, base: Base) -> None:
    """A 6 KB .xls (saved by LibreOffice) with values in A1 and IV65536, the last cell of the
    format: the reader would hold 16.7 million cells (1 GB) for it."""
    shutil.copyfile(base.cached("far.xls", lambda p: _far_xls(p, base)), inbox / XLS)


LONG = "第一支部（谈话全集）.xlsx"
LONG_ROWS = 150_000


def _long_sheet(path: Path, base: Base) -> None:
    """谈心谈话 with LONG_ROWS talks, streamed with XlsxWriter's constant_memory."""
    names = [m.name for m in base.members("第一支部")]
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    wb.set_properties({"created": dt.datetime(2017, 3, 19, 8, 0)})
    ws = wb.add_worksheet(C.TALKS)
    date = wb.add_format({"num_format": "yyyy/m/d"})
    ws.write_string(0, 0, "第一支部 谈心谈话记录")
    ws.write_row(1, 0, C.TALKS_SHEET.headers)
    ws.write_datetime(2, 2, dt.datetime(2017, 3, 10), date)
    for r in range(LONG_ROWS):  # one cell a row (XlsxWriter takes ~10 µs a cell)
        ws.write_string(r + 2, 0, names[r % len(names)])
    meta = wb.add_worksheet(C.META)
    for r, (key, value) in enumerate(meta_values(base.campaign, "第一支部").items()):
        meta.write_string(r, 0, key)
        meta.write_string(r, 1, value)
    meta.hide()
    wb.close()


@kind("sheet-with-150000-rows", exit_code=1, status={LONG: "已采用"}, measure=True,
      expect=[Expect("R-F1", "error", LONG, C.TALKS, text=f"{LONG_ROWS + 2} 行")])
def long_sheet(inbox: Path, base: Base) -> None:
    """A genuinely long sheet: 150,002 rows of talks, over the 100,000-row limit."""
    shutil.copyfile(base.cached("long.xlsx", lambda p: _long_sheet(p, base)), inbox / LONG)


LONGER = "第一支部（会议全年）.xlsx"


@kind("limit-max-rows-per-sheet", exit_code=1, limits={"max_rows_per_sheet": 200},
      status={LONGER: "已采用"},
      expect=[Expect("R-F1", "error", LONGER, C.MEETINGS, text="302 行，超过每表 200 行的上限"),
              Expect("R-F1", "error", LONGER, C.MEETINGS,
                     text="campaign.toml [limits] max_rows_per_sheet")])
def limit_rows(inbox: Path, base: Base) -> None:
    """campaign.toml sets max_rows_per_sheet = 200: a 会议情况 of 300 meetings is refused,
    named, never cut; the branch's other sheets stay in use."""
    rows = [["第一支部 会议情况"], list(C.MEETINGS_SHEET.headers)]
    rows += [["党小组会", dt.datetime(2017, 3, 20), 17, 17 - i % 3] for i in range(300)]
    write(inbox / LONGER, meta_book({C.MEETINGS: rows}, "第一支部", base))


@kind("limit-max-unpacked-mb", exit_code=1, limits={"max_unpacked_mb": 1},
      status={"第一支部（大）.xlsx": "无法打开"},
      expect=[Expect("R-F1", "error", "第一支部（大）.xlsx", text="超过 1 MB 的上限"),
              Expect("R-F1", "error", "第一支部（大）.xlsx",
                     text="campaign.toml [limits] max_unpacked_mb")])
def limit_unpacked(inbox: Path, base: Base) -> None:
    """campaign.toml sets max_unpacked_mb = 1: a 20,000-row file (≈2 MB unpacked) is refused."""
    rows = [["第一支部 会议情况"], list(C.MEETINGS_SHEET.headers)]
    rows += [["党小组会", dt.datetime(2017, 3, 20), 17, 17 - i % 3] for i in range(20_000)]
    write(inbox / "第一支部（大）.xlsx", meta_book({C.MEETINGS: rows}, "第一支部", base))


@kind("limit-max-files", exit_code=1, limits={"max_files": len(DEMO_FILES) + 1},
      status={"附件1.pdf": "非表格文件", "附件2.xlsx": "未处理"},
      expect=[Expect("R-F1", "error", "附件2.xlsx", text=f"超过上限 {len(DEMO_FILES) + 1} 个"),
              Expect("R-F1", "error", "附件2.xlsx", text="campaign.toml [limits] max_files"),
              Expect("R-F1", "warning", "附件1.pdf")])
def limit_files(inbox: Path, base: Base) -> None:
    """campaign.toml allows one file more than the demo has; two more arrive: the first files
    by path are read, the last is listed as not processed."""
    write(inbox / "附件1.pdf", b"%PDF-1.4\n%%EOF\n")
    shutil.copyfile(inbox / ONE, inbox / "附件2.xlsx")


# --- the command line for debugging -----------------------------------------------------------

def _show(names: Sequence[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="orglife-adversarial-") as tmp:
        base = Base.create(Path(tmp) / "base")
        for name in names or list(REGISTRY):
            k = REGISTRY[name]
            work = Path(tmp) / name
            work.mkdir()
            run = run_kind(k, base, work)
            print(f"== {name}: exit {run.result.exit_code} (expected {k.exit_code})")
            if run.result.exception and not isinstance(run.result.exception, SystemExit):
                print("   EXCEPTION", repr(run.result.exception))
            for i in run.new_issues:
                print(f"   [{i.severity}][{i.rule}] {i.file} {i.sheet}!{i.cell} {i.message[:120]}")
            for f, status in run.statuses.items():
                if base.statuses.get(f) != status:
                    print(f"   file {f}: {status}")
            if run.result.stderr.strip():
                print("   stderr:", run.result.stderr.strip()[:300])
            run.close()


if __name__ == "__main__":
    _show(sys.argv[1:])
