"""Kinds of issue #10 (a new user and a hostile inbox): native crashes, exhaustion, silent data
loss and false passes, each named after its defect. Registered into the corpus REGISTRY (see
corpus.py for how a kind is written and checked); listed in README.md beside this file."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl.workbook.workbook import Workbook as OpenpyxlWorkbook

from pipeline import contract as C

from .corpus import (
    BIFF_BOF,
    BIFF_EOF,
    ONE,
    Base,
    Expect,
    Run,
    biff,
    cfb,
    edit,
    kind,
    meetings_rows,
    member,
    meta_book,
    put,
    rezip,
    write,
)

# --- case 1: native crashes (calamine aborts on a huge dense allocation) --------------------


def _record(rtype: int, body: bytes) -> bytes:
    """One .xlsb record: type and size as little-endian base-128 numbers (MS-XLSB 2.1.4)."""
    out = bytearray()
    for value in (rtype, len(body)):
        while True:
            b, value = value & 0x7F, value >> 7
            out.append(b | (0x80 if value else 0))
            if not value:
                break
    return bytes(out) + body


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def xlsb_book(sheet: str, cells: list[tuple[int, int, float]]) -> bytes:
    """A minimal .xlsb: one sheet holding numbers at (0-based row, col), its dimension record
    spanning them (as Excel writes it)."""
    book = (_record(0x83, b"") + _record(0x8F, b"")
            + _record(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide(sheet))
            + _record(0x90, b"") + _record(0x84, b""))
    last_row = max(r for r, _, _ in cells)
    last_col = max(c for _, c, _ in cells)
    data = (_record(0x81, b"") + _record(0x94, struct.pack("<IIII", 0, last_row, 0, last_col))
            + _record(0x91, b""))
    for r, c, value in cells:
        data += _record(0x00, struct.pack("<IIH", r, 0, 0) + b"\0" * 8)
        data += _record(0x05, struct.pack("<II", c, 0) + struct.pack("<d", value))
    data += _record(0x92, b"") + _record(0x82, b"")
    ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    rel = f"{ns[:-len('package/2006/relationships')]}officeDocument/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="bin" ContentType="application/'
            'vnd.ms-excel.sheet.binary.macroEnabled.main"/><Default Extension="rels" ContentType='
            '"application/vnd.openxmlformats-package.relationships+xml"/></Types>'))
        zf.writestr("_rels/.rels", (
            f'<?xml version="1.0"?><Relationships xmlns="{ns}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.bin"/></Relationships>'))
        zf.writestr("xl/workbook.bin", book)
        zf.writestr("xl/_rels/workbook.bin.rels", (
            f'<?xml version="1.0"?><Relationships xmlns="{ns}"><Relationship Id="rId1" '
            f'Type="{rel}/worksheet" Target="worksheets/sheet1.bin"/></Relationships>'))
        zf.writestr("xl/worksheets/sheet1.bin", data)
    return out.getvalue()


XLSB = "第一支部（二进制）.xlsb"


@kind("xlsb-cell-at-XFD1048576", exit_code=1, status={XLSB: "已采用"}, measure=True,
      expect=[Expect("R-F1", "error", XLSB, C.MEETINGS, text="有 1048576 行")])
def xlsb_far(inbox: Path, base: Base) -> None:
    """A 1.3 KB .xlsb whose 会议情况 has a cell at XFD1048576: calamine aborted the whole run
    ("memory allocation of 549755813888 bytes failed"); now the sheet is refused, named."""
    write(inbox / XLSB, xlsb_book(C.MEETINGS, [(0, 0, 1.0), (1048575, 16383, 2.0)]))


def xls_with_dimensions(rows: int, cols: int) -> bytes:
    """A BIFF8 .xls with one sheet: a DIMENSIONS record claiming `rows` × `cols` cells and a
    single number in A1."""
    name = C.MEETINGS.encode("utf-16-le")

    def globals_(offset: int) -> bytes:
        sheet = struct.pack("<IBBBB", offset, 0, 0, len(C.MEETINGS), 1) + name
        return biff(BIFF_BOF, (0x0085, sheet), BIFF_EOF)

    head = globals_(0)
    head = globals_(len(head))
    sheet_bof = (0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0))
    dims = (0x0200, struct.pack("<IIHHH", 0, rows, 0, cols, 0))
    number = (0x0203, struct.pack("<HHHd", 0, 0, 15, 1.0))
    return cfb({"Workbook": head + biff(sheet_bof, dims, number, BIFF_EOF)})


DIMS = "第一支部（尺寸）.xls"


@kind("xls-dimensions-claim-2^32-rows", exit_code=1, status={DIMS: "无法打开"}, measure=True,
      expect=[Expect("R-F1", "error", DIMS, text="4294967295 行 × 65535 列")])
def xls_dimensions(inbox: Path, base: Base) -> None:
    """A 5 KB .xls whose DIMENSIONS record claims 2³²×65,535 cells (one real cell): calamine
    reserved that area and aborted the process; now the file is refused before it is parsed."""
    write(inbox / DIMS, xls_with_dimensions(2**32 - 1, 65535))


# --- case 2: exhaustion by nesting ---------------------------------------------------------

DEEP = "第一支部（嵌套）.xlsx"
NESTED = 2_000_000


def _deep_core(path: Path, base: Base) -> None:
    core = (b'<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://'
            b'schemas.openxmlformats.org/package/2006/metadata/core-properties">'
            + b"<a>" * NESTED + b"</a>" * NESTED + b"</cp:coreProperties>")
    path.write_bytes(rezip((base.inbox / ONE).read_bytes(), {"docProps/core.xml": core}))


@kind("core-xml-two-million-nested-elements", exit_code=1, status={DEEP: "无法打开"},
      measure=True, expect=[Expect("R-F1", "error", DEEP, text="嵌套超过 100 层")])
def deep_core(inbox: Path, base: Base) -> None:
    """A 50 KB .xlsx whose docProps/core.xml nests two million elements: it took 600 MB and
    12 s to build the tree (twelve million: 3.5 GB); now refused at depth 100, in 0.5 s."""
    shutil.copyfile(base.cached("deep-core.xlsx", lambda p: _deep_core(p, base)), inbox / DEEP)


# --- cases 3-4: tabs no rule reads ---------------------------------------------------------

def _stray_tab_counted(file: str, tab: str, rows: int) -> Callable[[Run], None]:
    """The tab stands in 行数核对 with its rows, all only in the report."""
    def check(run: Run) -> None:
        assert run.outcome is not None
        counts = {(c.file, c.sheet): c for c in run.outcome.report.counts}
        assert (file, tab) in counts, sorted(counts)
        c = counts[(file, tab)]
        assert (c.read, c.used, c.reported) == (rows, 0, rows)
        talks = counts.get((file, C.TALKS))
        if tab.strip() == C.TALKS:
            assert talks is not None and talks.used == run.base.counts[(ONE, C.TALKS)]
    return check


def _copy_tab(wb: OpenpyxlWorkbook, source: str, name: str, rows: int, index: int) -> None:
    ws = wb.create_sheet(name, index)
    for row in wb[source].iter_rows(min_row=1, max_row=rows, values_only=True):
        ws.append(list(row))


@kind("duplicate-sheet-name-trailing-space", exit_code=1,
      check=_stray_tab_counted(ONE, "谈心谈话 ", 5),
      expect=[Expect("R-F3", "error", ONE, "谈心谈话 ", text="中的 5 行没有读取")])
def duplicate_tab(inbox: Path, base: Base) -> None:
    """A stray tab "谈心谈话 " (trailing space, 5 talks) before the real 谈心谈话: only the first
    was read, the real sheet's rows were ignored and 行数核对 said 一致; now the exact name is
    read and the stray tab reported with its rows."""
    edit(inbox / ONE, lambda wb: _copy_tab(wb, C.TALKS, "谈心谈话 ", 7,
                                          wb.sheetnames.index(C.TALKS)))


def _rename(wb: OpenpyxlWorkbook, old: str, new: str) -> None:
    wb[old].title = new


@kind("renamed-sheet-in-newest-file", exit_code=1, check=_stray_tab_counted(ONE, "会议记录", 5),
      status={"2017-03-31/第一支部.xlsx": "部分采用"},
      expect=[Expect("R-F3", "error", ONE, "会议记录", text="像是改了名的“会议情况”表")],
      tolerate=[Expect("R-M1", "error", ONE), Expect("R-M2", "error", ONE),
                Expect("R-M4", "warning", ONE), Expect("R-F3", "error", ONE, C.MEETINGS)])
def renamed_tab(inbox: Path, base: Base) -> None:
    """The newest file renames 会议情况 to 会议记录: no message at all, its rows neither checked
    nor counted; now an error names the tab and its rows stand in 行数核对."""
    edit(inbox / ONE, lambda wb: _rename(wb, C.MEETINGS, "会议记录"))


@kind("unknown-sheet-with-data", exit_code=0, check=_stray_tab_counted(ONE, "备忘", 2),
      expect=[Expect("R-F3", "warning", ONE, "备忘", text="其中的 2 行没有读取")])
def unknown_tab(inbox: Path, base: Base) -> None:
    """A tab of notes the branch added: listed by name with its rows (a warning)."""
    def add(wb: OpenpyxlWorkbook) -> None:
        ws = wb.create_sheet("备忘")
        ws.append(["3月20日前补谈话"])
        ws.append(["王建国 出差"])
    edit(inbox / ONE, add)


# --- case 6: hidden files and links ----------------------------------------------------------

HIDDEN = ".第一支部.xlsx"


@kind("hidden-file-is-the-newest-send", exit_code=0, status={HIDDEN: "已跳过"},
      expect=[Expect("R-F1", "warning", HIDDEN, text="隐藏文件")])
def hidden_file(inbox: Path, base: Base) -> None:
    """The newest send saved as ".第一支部.xlsx" (a Mac or a mail client hid it): it was skipped
    without a word; now it is listed as 已跳过 with the reason."""
    edit(inbox / ONE, lambda wb: None, target=inbox / HIDDEN)


LINK_OUT = "第一支部（系统）.xlsx"


def _nothing_from_outside(run: Run) -> None:
    assert run.outcome is not None
    f = next(f for f in run.outcome.report.files if f.name == LINK_OUT)
    assert f.sha256 == "" and f.size == 0  # never opened, never hashed


@kind("symlink-to-file-outside-inbox", exit_code=1, status={LINK_OUT: "已跳过"},
      check=_nothing_from_outside,
      expect=[Expect("R-F1", "error", LINK_OUT, text="链接指向收件箱以外的文件（/etc/passwd）")])
def link_outside(inbox: Path, base: Base) -> None:
    """A link to /etc/passwd named like a workbook: it was read and its hash went into 说明;
    now it is listed, never opened."""
    (inbox / LINK_OUT).symlink_to("/etc/passwd")


@kind("symlinked-folder-outside-inbox", exit_code=1, status={"补报": "已跳过"},
      expect=[Expect("R-F1", "error", "补报", text="链接指向收件箱以外的文件夹")])
def folder_link_outside(inbox: Path, base: Base) -> None:
    """A folder link 补报 → a folder beside the inbox holding a newer send: it was neither
    followed nor reported; now it is listed with the reason."""
    elsewhere = inbox.parent / "elsewhere"
    elsewhere.mkdir()
    edit(inbox / ONE, lambda wb: None, target=elsewhere / ONE)
    (inbox / "补报").symlink_to(elsewhere, target_is_directory=True)


@kind("symlinked-folder-inside-inbox", exit_code=0)
def folder_link_inside(inbox: Path, base: Base) -> None:
    """A folder link 最新 → 2017-03-31 inside the inbox: its files are read once, not twice."""
    (inbox / "最新").symlink_to(inbox / "2017-03-31", target_is_directory=True)


# --- case 16: identical copies ------------------------------------------------------------

COPY_1 = "第一支部(1).xlsx"


def _plain_name_cited(run: Run) -> None:
    found = [i for i in run.issues if i.rule == "R-F4" and i.file == COPY_1]
    assert found and found[0].found == f"与 {ONE} 内容相同", found
    assert any(c.file == ONE for c in run.outcome.report.counts)  # type: ignore[union-attr]


@kind("identical-copy-with-(1)-suffix", exit_code=0, status={COPY_1: "重复文件"},
      check=_plain_name_cited,
      expect=[Expect("R-F4", "warning", COPY_1, text=f"只采用 {ONE} 一份")])
def numbered_copy(inbox: Path, base: Base) -> None:
    """X.xlsx and a byte-identical X(1).xlsx (sorted first): the "(1)" copy was adopted and
    cited, R-F4's 发现值 a hash; now the plain name wins and 发现值 says 与 X.xlsx 内容相同."""
    shutil.copy2(inbox / ONE, inbox / COPY_1)


# --- case 9: times that cannot order the sends ---------------------------------------------

FUTURE = "第一支部（补充）.xlsx"


def _core_modified(data: bytes, when: str) -> bytes:
    core = member(data, "docProps/core.xml").decode()
    core = re.sub(r"(<dcterms:modified[^>]*>)[^<]*", rf"\g<1>{when}", core)
    return rezip(data, {"docProps/core.xml": core.encode()})


def _real_newest_wins(run: Run) -> None:
    assert run.outcome is not None
    b = next(b for b in run.outcome.branches if b.branch == "第一支部")
    assert b.tables[C.MEETINGS].file == ONE


@kind("saved-time-in-2099", exit_code=0, status={FUTURE: "已被替代"}, check=_real_newest_wins,
      expect=[Expect("R-F4", "warning", FUTURE, text="保存时间 2099-01-01 08:00 晚于当前时间")])
def saved_in_2099(inbox: Path, base: Base) -> None:
    """An older send (实到 30) whose saved time says 2099: it silently won over the real newest
    send; now it is flagged and ordered by its file time (4/1), so the 4/12 send wins."""
    target = inbox / FUTURE
    edit(inbox / ONE, lambda wb: put(wb[C.MEETINGS], 3, "实到", 30), target=target)
    write(target, _core_modified(target.read_bytes(), "2099-01-01T00:00:00Z"),
          mtime=dt.datetime(2017, 4, 1, 8, 0))


TIED = "第一支部-更正.xlsx"  # sorts before 第一支部.xlsx


@kind("correction-with-the-same-times", exit_code=0, status={TIED: "已被替代"},
      expect=[Expect("R-F4", "warning", ONE, text=f"{TIED} 与 {ONE} 的报送时间相同")])
def same_times(inbox: Path, base: Base) -> None:
    """A correction (实到 33) with the same saved and file time as the original: it lost by
    name order without a word; now the tie is said, with what was adopted."""
    target = inbox / TIED
    original = (inbox / ONE).read_bytes()
    edit(inbox / ONE, lambda wb: put(wb[C.MEETINGS], 3, "实到", 33), target=target)
    target.write_bytes(rezip(target.read_bytes(),
                             {"docProps/core.xml": member(original, "docProps/core.xml")}))
    shutil.copystat(inbox / ONE, target)


# --- case 1, the next unknown trigger: the reader process -----------------------------------

SST = "第一支部（共享字符串）.xlsx"


def _four_billion_strings(base: Base) -> bytes:
    """A small workbook whose sharedStrings.xml claims four billion strings: calamine reserves
    96 GB for them when it opens the file and aborts (no guard knows this one)."""
    data = meta_book({C.MEETINGS: meetings_rows()}, "第一支部", base)
    sst = member(data, "xl/sharedStrings.xml").decode()
    sst = re.sub(r'(unique)?[cC]ount="\d+"', lambda m: f'{m.group(0).split("=")[0]}="4000000000"',
                 sst)
    return rezip(data, {"xl/sharedStrings.xml": sst.encode()})


@kind("shared-strings-claim-four-billion", exit_code=1, status={SST: "无法打开"}, measure=True,
      expect=[Expect("R-F1", "error", SST, text="读取程序异常终止（SIGABRT")])
def four_billion_strings(inbox: Path, base: Base) -> None:
    """A trigger no guard knows aborted the whole run ("memory allocation of 96000000000 bytes
    failed"); now the file is read in the reader process: it dies, the file is R-F1 with the
    reason, a fresh reader reads the files after it (the demo's, all still 已采用)."""
    write(inbox / SST, _four_billion_strings(base))
