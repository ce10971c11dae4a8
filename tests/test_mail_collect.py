"""orglife collect on exported mail (.eml files, a folder of them, an .mbox): the mailbox an
office receives during the campaign, built here byte for byte the way Chinese mail clients
write it, and what collect makes of it (saved files, received.json, 收件记录.xlsx).

The corpus is shared with the IMAP tests (test_mail_imap.py), which deliver the same messages
to a real Dovecot: the same messages must give the same inbox either way.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import mailbox
import random
import re
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from demo.fill import fill_workbook
from demo.scenario import as_sent, make_scenario, with_grade
from pipeline import contract as C
from pipeline.cli import main
from pipeline.config import load_campaign
from pipeline.read.roster import load_roster
from pipeline.write.templates import build_workbook

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "workbooks" / "campaign.toml"
BJ = dt.timezone(dt.timedelta(hours=8))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2017, month, day, hour, minute, 33, tzinfo=BJ)


# --- workbooks, made with the project's template writer and fill code -------------------------

@dataclass(frozen=True)
class Books:
    first_talks: bytes  # 第一支部, only 谈心谈话 filled (its 3/20 send)
    second: bytes  # 第二支部, complete
    third: bytes  # 第三支部, complete
    fourth: bytes  # 第四支部, complete
    second_bad: bytes  # 第二支部 again, with an unknown grade (R-G1 error)
    general: bytes  # 党总支.xlsx
    third_early: bytes  # 第三支部's 问题清单, saved 3/23 (before its 3/24 deadline), sent 3/27


def books() -> Books:
    campaign = load_campaign(CONFIG)
    roster = load_roster(ROOT / "workbooks" / "roster.xlsx", campaign)

    def filled(branch: str | None, saved: dt.datetime, sheets: tuple[str, ...] | None = None,
               bad: bool = False) -> bytes:
        name = branch or C.GENERAL_BRANCH
        s = make_scenario(campaign, roster, branch, random.Random(f"mail/{name}"))
        s = as_sent(s, saved.astimezone(dt.UTC).replace(tzinfo=None))
        if bad:
            s = with_grade(s, s.gradings[0].name, "很好")
        return fill_workbook(build_workbook(campaign, roster, branch), s, sheets=sheets)

    return Books(first_talks=filled("第一支部", at(3, 19, 18), (C.TALKS,)),
                 second=filled("第二支部", at(4, 11, 20)),
                 third=filled("第三支部", at(4, 12, 21)),
                 fourth=filled("第四支部", at(4, 13, 22)),
                 second_bad=filled("第二支部", at(4, 15, 8), bad=True),
                 general=filled(None, at(4, 16, 8)),
                 third_early=filled("第三支部", at(3, 23, 20), (C.TALKS, C.PROBLEMS)))


# --- messages as the clients write them --------------------------------------------------------

def b64word(text: str, charset: str = "GBK") -> str:
    """An RFC 2047 encoded word (Foxmail/QQ put these even inside quoted parameters)."""
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def attachment(data: bytes, params: bytes, ctype: str = XLSX) -> bytes:
    body = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (f"Content-Type: {ctype}\r\n".encode() + b"Content-Transfer-Encoding: base64\r\n"
            + b"Content-Disposition: attachment; " + params + b"\r\n\r\n" + body)


def text_part(text: str, subtype: str = "plain", charset: str = "utf-8") -> bytes:
    return (f"Content-Type: text/{subtype}; charset={charset}\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n").encode() + \
        base64.encodebytes(text.encode(charset)).replace(b"\n", b"\r\n")


def message(sender: str, subject: str, received: dt.datetime, parts: list[bytes],
            n: int) -> bytes:
    """A multipart message whose top Received: header carries the received time (the same
    instant the IMAP tests give the server as INTERNALDATE)."""
    boundary = f"----=_Part_{n}_orglife"
    stamp = received.strftime("%a, %d %b %Y %H:%M:%S %z")
    sent = (received - dt.timedelta(minutes=3)).strftime("%a, %d %b %Y %H:%M:%S %z")
    head = (f"Received: from mx.branch.example.cn by mx.party.example.cn; {stamp}\r\n"
            f"From: {sender}\r\nTo: office@party.example.cn\r\nSubject: {subject}\r\n"
            f"Date: {sent}\r\nMessage-ID: <{n}.orglife@branch.example.cn>\r\n"
            "MIME-Version: 1.0\r\n"
            f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n').encode()
    body = b"".join(f"--{boundary}\r\n".encode() + p + b"\r\n" for p in parts)
    return head + body + f"--{boundary}--\r\n".encode()


def gbk_zip(members: dict[str, bytes]) -> bytes:
    """A zip as Windows' built-in tool writes it: GBK names, no UTF-8 flag."""
    buf = io.BytesIO()
    names: dict[bytes, bytes] = {}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(members.items()):
            # zipfile writes any non-ASCII name as flagged UTF-8: write an ASCII stand-in of the
            # same length and put the GBK bytes in its place (the CRC does not cover names).
            gbk = name.encode("gbk")
            stand_in = f"@{i}@".ljust(len(gbk), "_").encode()
            names[stand_in] = gbk
            zf.writestr(zipfile.ZipInfo(stand_in.decode(), (2017, 4, 13, 9, 0, 0)), data,
                        zipfile.ZIP_DEFLATED)
    raw = buf.getvalue()
    for stand_in, gbk in names.items():
        raw = raw.replace(stand_in, gbk)
    assert not any(i.flag_bits & 0x800 for i in zipfile.ZipFile(io.BytesIO(raw)).infolist())
    return raw


DOCX = b"PK\x03\x04" + b"word/document.xml" + b"\x00" * 64  # a .docx by name and type
QQ_LINK = ("https://mail.qq.com/cgi-bin/ftnExs_download?k=7e3561&t=exs_ftn_download"
           "&code=a1b2c3")


@dataclass(frozen=True)
class Mail:
    raw: bytes
    received: dt.datetime


def corpus(b: Books) -> list[Mail]:
    """The test mailbox: one message per case the issue names, in arrival order."""
    gbk_name = b64word("第一支部.xlsx")
    utf8_2231 = urllib.parse.quote("第二支部.xlsx")
    inner = message("第四支部 <si@branch.example.cn>", "第四支部报送", at(4, 14, 8),
                    [text_part("报送材料见附件"),
                     attachment(b.fourth, f"filename*=utf-8''{urllib.parse.quote('第四支部.xlsx')}"
                                .encode())], 90)
    forwarded = (b"Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n" + inner)
    large_html = (f'<div>第五支部 发来的超大附件：<a href="{QQ_LINK.replace("&", "&amp;")}">'
                  "党总支.xlsx</a>（30天后过期）</div>")
    mails = [
        # 1 a GBK RFC 2047 name (Foxmail), subject and sender name in GBK too
        Mail(message(f"{b64word('第一支部组织委员')} <yi@branch.example.cn>",
                     b64word("第一支部谈心谈话"), at(3, 20, 9, 12),
                     [text_part("请查收", charset="gbk"),
                      attachment(b.first_talks, f'filename="{gbk_name}"'.encode(),
                                 f'{XLSX}; name="{gbk_name}"')], 1), at(3, 20, 9, 12)),
        # 2 an RFC 2231 UTF-8 name (Outlook, Thunderbird)
        Mail(message("er@branch.example.cn", "第二支部报送", at(4, 12, 10),
                     [attachment(b.second, f"filename*=utf-8''{utf8_2231}".encode())], 2),
             at(4, 12, 10)),
        # 3 a webmail zip with GBK member names (and a .docx in it); the zip's own name raw GBK
        Mail(message("san@branch.example.cn", "第三支部材料", at(4, 13, 11),
                     [attachment(gbk_zip({"第三支部/第三支部.xlsx": b.third,
                                          "第三支部/工作总结.docx": DOCX}),
                                 b'filename="' + "报送材料.zip".encode("gbk") + b'"',
                                 "application/zip")], 3), at(4, 13, 11)),
        # 4 a forwarded message with the workbook inside
        Mail(message("zhang@party.example.cn", "Fwd: 第四支部报送", at(4, 14, 16),
                     [text_part("转发第四支部的材料"), forwarded], 4), at(4, 14, 16)),
        # 5 only a .docx
        Mail(message("yi@branch.example.cn", "第一支部总结", at(4, 14, 17),
                     [attachment(DOCX, f'filename="{b64word("工作总结.docx")}"'.encode(),
                                 "application/vnd.openxmlformats-officedocument."
                                 "wordprocessingml.document")], 5), at(4, 14, 17)),
        # 6 a QQ 超大附件 link instead of an attachment
        Mail(message("wu@branch.example.cn", "超大附件", at(4, 14, 18),
                     [text_part(large_html, "html")], 6), at(4, 14, 18)),
        # 7 the same workbook as message 1 again (a branch re-sends)
        Mail(message("yi@branch.example.cn", "重发：第一支部谈心谈话", at(4, 15, 7),
                     [attachment(b.first_talks, f'filename="{gbk_name}"'.encode())], 7),
             at(4, 15, 7)),
        # 8 a workbook with bad data (an unknown grade)
        Mail(message("er@branch.example.cn", "第二支部更正", at(4, 15, 9),
                     [attachment(b.second_bad, f"filename*=utf-8''{utf8_2231}".encode())], 8),
             at(4, 15, 9)),
        # 9 a name whose bytes are neither UTF-8 nor GB18030
        Mail(message("office2@party.example.cn", "总支材料", at(4, 16, 9),
                     [attachment(b.general, b'filename="\xff\xfe\xfd.xlsx"')], 9),
             at(4, 16, 9)),
        # 10 no attachment at all
        Mail(message("yi@branch.example.cn", "收到", at(4, 16, 10),
                     [text_part("收到，谢谢")], 10), at(4, 16, 10)),
        # 11 a workbook saved before the 问题清单 deadline (3/24) but received after it
        Mail(message("san@branch.example.cn", "第三支部问题清单", at(3, 27, 9),
                     [attachment(b.third_early, f"filename*=utf-8''{urllib.parse.quote('第三支部.xlsx')}"
                                 .encode())], 11), at(3, 27, 9)),
    ]
    return mails


CONTACTS = {"第一支部": "yi@branch.example.cn", "第二支部": "er@branch.example.cn",
            "第三支部": "san@branch.example.cn", "第四支部": "si@branch.example.cn"}


def config(tmp_path: Path, mail: str = "") -> Path:
    """The shipped campaign with the roster path made absolute, [contacts] and a [mail] table."""
    text = CONFIG.read_text(encoding="utf-8")
    text = text.replace('roster = "roster.xlsx"', f'roster = "{ROOT / "workbooks" / "roster.xlsx"}"')
    contacts = "\n".join(f'"{k}" = "{v}"' for k, v in CONTACTS.items())
    text = re.sub(r"(?ms)^\[mail\].*?(?=^\[|\Z)", "", text)
    text = re.sub(r"(?ms)^\[contacts\].*?(?=^\[|\Z)", "", text)
    path = tmp_path / "campaign.toml"
    path.write_text(f"{text}\n[mail]\n{mail}\n[contacts]\n{contacts}\n", encoding="utf-8")
    return path


# --- what collect must make of the corpus --------------------------------------------------------

EXPECTED_FILES = {
    "2017-03-20/第一支部.xlsx": "first_talks",
    "2017-04-12/第二支部.xlsx": "second",
    "2017-04-13/第三支部.xlsx": "third",
    "2017-04-14/第四支部.xlsx": "fourth",
    "2017-04-15/第二支部.xlsx": "second_bad",
    "2017-03-27/第三支部.xlsx": "third_early",
}
GENERAL_FOLDER = "2017-04-16"


def log_rows(path: Path) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)["收件记录"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[1]
    return [dict(zip(header, r)) for r in rows[2:]]


def check_collected(inbox: Path, log: Path, b: Books) -> None:
    """The inbox, received.json and the log after collecting the corpus once."""
    saved = {p.relative_to(inbox).as_posix(): p.read_bytes() for p in inbox.rglob("*")
             if p.is_file() and ".orglife" not in p.parts}
    general = [k for k in saved if k.startswith(GENERAL_FOLDER)]
    assert len(general) == 1 and re.fullmatch(rf"{GENERAL_FOLDER}/附件-[0-9a-f]{{8}}\.xlsx",
                                              general[0]), saved.keys()
    assert saved.pop(general[0]) == b.general
    assert {k: v for k, v in saved.items()} == {k: getattr(b, v)
                                                 for k, v in EXPECTED_FILES.items()}

    seam = json.loads((inbox / ".orglife" / "received.json").read_text(encoding="utf-8"))
    assert seam["version"] == 1
    assert set(seam["files"]) == {*EXPECTED_FILES, general[0]}
    first = seam["files"]["2017-03-20/第一支部.xlsx"]
    assert first == {"received": "2017-03-20T09:12:33+08:00",
                     "sha256": hashlib.sha256(b.first_talks).hexdigest(),
                     "sender": "yi@branch.example.cn", "subject": "第一支部谈心谈话"}
    assert seam["files"]["2017-04-14/第四支部.xlsx"]["received"] == "2017-04-14T16:00:33+08:00"
    text = (inbox / ".orglife" / "received.json").read_text(encoding="utf-8")
    assert text == json.dumps(seam, ensure_ascii=False, sort_keys=True, indent=1) + "\n"

    rows = log_rows(log)
    by_subject: dict[str, list[dict[str, object]]] = {}
    for r in rows:
        by_subject.setdefault(str(r["主题"]), []).append(r)
    status = {s: [str(r["状态"]) for r in rs] for s, rs in by_subject.items()}
    assert status == {
        "第一支部谈心谈话": ["已保存"], "第二支部报送": ["已保存"],
        "第三支部材料": ["已保存", "非表格附件"], "Fwd: 第四支部报送": ["已保存"],
        "第一支部总结": ["非表格附件"], "超大附件": ["超大附件链接，需手动下载"],
        "重发：第一支部谈心谈话": ["重复"], "第二支部更正": ["已保存"], "总支材料": ["已保存"],
        "收到": ["无附件"], "第三支部问题清单": ["已保存"]}
    one = by_subject["第一支部谈心谈话"][0]
    assert one["发件人"] == "第一支部组织委员 <yi@branch.example.cn>"
    assert one["支部（按通讯录）"] == "第一支部"
    assert one["附件名"] == "第一支部.xlsx" and one["保存位置（收件箱内）"] == "2017-03-20/第一支部.xlsx"
    assert one["收件时间"] == dt.datetime(2017, 3, 20, 9, 12, 33)
    assert one["邮件日期"] == dt.datetime(2017, 3, 20, 9, 9, 33)
    assert one["SHA-256"] == hashlib.sha256(b.first_talks).hexdigest()
    again = by_subject["重发：第一支部谈心谈话"][0]
    assert "2017-03-20/第一支部.xlsx" in str(again["说明"]) and again["保存位置（收件箱内）"] == \
        "2017-03-20/第一支部.xlsx"
    zipped = by_subject["第三支部材料"]
    assert [r["附件名"] for r in zipped] == ["第三支部/第三支部.xlsx", "第三支部/工作总结.docx"]
    assert "压缩包 报送材料.zip 内" in str(zipped[0]["说明"])
    assert "转发邮件“第四支部报送”中的附件" in str(by_subject["Fwd: 第四支部报送"][0]["说明"])
    large = by_subject["超大附件"][0]
    assert large["附件名"] == "党总支.xlsx" and QQ_LINK in str(large["说明"])
    odd = by_subject["总支材料"][0]
    assert "文件名无法解码" in str(odd["说明"]) and r"\xff\xfe\xfd" in str(odd["说明"])


@pytest.fixture(scope="module")
def corpus_books() -> Books:
    return books()


def collect(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["collect", *args])
    return result.exit_code, result.stdout, result.stderr


def test_eml_folder_collected_once_then_nothing_new(tmp_path: Path, corpus_books: Books):
    exported = tmp_path / "导出邮件"
    exported.mkdir()
    for n, mail in enumerate(corpus(corpus_books), 1):
        (exported / f"{n:02d}.eml").write_bytes(mail.raw)
    inbox, log, cfg = tmp_path / "inbox", tmp_path / "out" / "收件记录.xlsx", config(tmp_path)
    code, out, err = collect(str(exported), "-o", str(inbox), "--config", str(cfg),
                             "--log", str(log))
    assert code == 0, err
    assert "收取邮件 11 封" in out and "已保存 7" in out and "重复 1" in out
    assert "2017-03-20/第一支部.xlsx  ← 第一支部 第一支部组织委员 <yi@branch.example.cn>" in out
    assert "[超大附件链接，需手动下载] 党总支.xlsx" in out
    check_collected(inbox, log, corpus_books)
    before = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*"))
    log_before = len(log_rows(log))

    code, out, err = collect(str(exported), "-o", str(inbox), "--config", str(cfg),
                             "--log", str(log))
    assert code == 0, err
    assert "收取邮件 0 封（已收过的 11 封跳过）：没有新附件" in out
    assert sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*")) == before
    assert len(log_rows(log)) == log_before


def test_mbox_gives_the_same_inbox(tmp_path: Path, corpus_books: Books):
    box = mailbox.mbox(tmp_path / "收件箱.mbox")
    for mail in corpus(corpus_books):
        box.add(mailbox.mboxMessage(mail.raw))
    box.close()
    inbox, log = tmp_path / "inbox", tmp_path / "收件记录.xlsx"
    code, _out, err = collect(str(tmp_path / "收件箱.mbox"), "-o", str(inbox), "--config",
                              str(config(tmp_path)), "--log", str(log))
    assert code == 0, err
    check_collected(inbox, log, corpus_books)


def test_collected_inbox_validates_and_status_shows_lateness_from_received_times(tmp_path: Path, corpus_books: Books):
    for n, mail in enumerate(corpus(corpus_books), 1):
        (tmp_path / f"{n:02d}.eml").write_bytes(mail.raw)
    inbox, cfg = tmp_path / "inbox", config(tmp_path)
    code, _out, err = collect(*(str(p) for p in sorted(tmp_path.glob("*.eml"))), "-o",
                              str(inbox), "--config", str(cfg), "--log",
                              str(tmp_path / "log.xlsx"))
    assert code == 0, err
    result = CliRunner().invoke(main, ["validate", str(inbox), "--config", str(cfg)])
    assert result.exit_code == 1, result.output  # the bad grade of 第二支部's correction
    assert "很好" in result.stdout and "R-G1" in result.stdout
    assert ".orglife" not in result.stdout  # the state folder is never an input
    table = status_table(inbox, cfg, "2017-04-20")
    assert set(table) == {"第一支部", "第二支部", "第三支部", "第四支部", C.GENERAL_BRANCH}
    check_lateness_from_received_times(inbox, cfg)


def test_log_is_not_allowed_inside_the_inbox(tmp_path: Path, corpus_books: Books):
    (tmp_path / "a.eml").write_bytes(corpus(corpus_books)[0].raw)
    code, _out, err = collect(str(tmp_path / "a.eml"), "-o", str(tmp_path / "inbox"),
                              "--config", str(config(tmp_path)),
                              "--log", str(tmp_path / "inbox" / "收件记录.xlsx"))
    assert code == 2 and "不能写在收件箱里" in err


def test_missing_source_and_no_source_are_usage_errors(tmp_path: Path):
    code, _out, err = collect(str(tmp_path / "nope.eml"), "-o", str(tmp_path / "inbox"))
    assert code == 2 and "找不到要收取的文件或文件夹" in err
    code, _out, err = collect("-o", str(tmp_path / "inbox"))
    assert code == 2 and "--imap" in err


def test_log_workbook_is_set_up_for_the_office_and_stable(tmp_path: Path, corpus_books: Books):
    from pipeline.mail.collect import write_outputs
    from pipeline.mail.store import Store

    (tmp_path / "1.eml").write_bytes(corpus(corpus_books)[0].raw)
    log = tmp_path / "收件记录.xlsx"
    code, _out, err = collect(str(tmp_path / "1.eml"), "-o", str(tmp_path / "inbox"),
                              "--config", str(config(tmp_path)), "--log", str(log))
    assert code == 0, err
    ws = openpyxl.load_workbook(log)["收件记录"]
    assert ws.freeze_panes == "A3"  # title and header rows stay in view
    assert ws.auto_filter.ref == "A2:L3"
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert [c.value for c in ws[2]] == ["序号", "收件时间", "邮件日期", "发件人", "支部（按通讯录）",
                                        "主题", "附件名", "状态", "保存位置（收件箱内）", "说明",
                                        "来源", "SHA-256"]
    first = log.read_bytes()
    write_outputs(Store.open(tmp_path / "inbox"), log, "徐汇区教师进修学院党总支")
    assert log.read_bytes() == first  # same log, same bytes


def test_text_from_mail_is_never_a_formula(tmp_path: Path):
    raw = message("a@b.cn", "=HYPERLINK(\"http://x\",\"点我\")", at(3, 20),
                  [attachment(b"book", b'filename="=1+1.xlsx"')], 1)
    (tmp_path / "1.eml").write_bytes(raw)
    log = tmp_path / "log.xlsx"
    code, _out, err = collect(str(tmp_path / "1.eml"), "-o", str(tmp_path / "inbox"),
                              "--config", str(config(tmp_path)), "--log", str(log))
    assert code == 0, err
    ws = openpyxl.load_workbook(log)["收件记录"]
    subject, name = ws["F3"], ws["G3"]
    assert subject.value == '=HYPERLINK("http://x","点我")' and subject.data_type == "s"
    assert name.value == "=1+1.xlsx" and name.data_type == "s"


def status_table(inbox: Path, cfg: Path, as_of: str) -> dict[str, dict[str, str]]:
    """orglife status as branch → stage → state (the rich table's rows)."""
    result = CliRunner().invoke(main, ["status", str(inbox), "--config", str(cfg),
                                       "--as-of", as_of])
    assert result.exit_code == 0, result.output
    table: dict[str, dict[str, str]] = {}
    header: list[str] = []
    for line in result.stdout.splitlines():
        if line.startswith("┃"):
            header = [c.strip() for c in line.strip("┃").split("┃")]
        elif line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            table[cells[0]] = dict(zip(header[1:], cells[1:]))
    return table


def check_lateness_from_received_times(inbox: Path, cfg: Path) -> None:
    """Sent on time = received by the send deadline of 填表说明 (the rectification date, 4/14;
    issue #10 case 11). The 党总支's workbook reached the office on 4/16: status judges it by
    the received time of received.json (Seam 1), so it is late; told it arrived on 4/10, the
    same file is on time."""
    table = status_table(inbox, cfg, "2017-04-20")
    assert table[C.GENERAL_BRANCH]["问题清单"] == "逾期报送"
    assert table["第一支部"]["谈心谈话"] == "已报送"  # received 3/20
    seam = inbox / ".orglife" / "received.json"
    kept = seam.read_text(encoding="utf-8")
    data = json.loads(kept)
    (general,) = [k for k in data["files"] if k.startswith(GENERAL_FOLDER)]
    data["files"][general]["received"] = "2017-04-10T09:00:00+08:00"
    seam.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    try:
        assert status_table(inbox, cfg, "2017-04-20")[C.GENERAL_BRANCH]["问题清单"] == "已报送"
    finally:
        seam.write_text(kept, encoding="utf-8")
