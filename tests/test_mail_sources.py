"""Webmail attachment archives as collect sources, the archive guards (size, zip bombs,
encryption, nesting), and the names: RFC 2047/2231 and raw GBK decoding, made-safe names."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from email import message_from_bytes
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_mail_collect import QQ_LINK, at, attachment, b64word, config, log_rows, message, text_part

from pipeline.cli import main
from pipeline.mail import archive
from pipeline.mail.names import MAX_NAME_BYTES, attachment_name, decode_text, safe_name
from pipeline.mail.store import UNDATED_FOLDER


def encrypt_flag(data: bytes, name: str) -> bytes:
    """Set the 'encrypted' bit of one member (local and central headers), as a password-
    protected zip has it; the bytes stay readable to nobody without the password."""
    raw = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    (flags,) = struct.unpack_from("<H", raw, info.header_offset + 6)
    struct.pack_into("<H", raw, info.header_offset + 6, flags | 1)
    i = raw.find(b"PK\x01\x02")
    while i != -1:
        (n,) = struct.unpack_from("<H", raw, i + 28)
        if bytes(raw[i + 46:i + 46 + n]) == name.encode():
            (flags,) = struct.unpack_from("<H", raw, i + 8)
            struct.pack_into("<H", raw, i + 8, flags | 1)
        i = raw.find(b"PK\x01\x02", i + 4)
    return bytes(raw)


def webmail_zip() -> bytes:
    """A 打包下载 of several mails' attachments, with every naming trouble at once."""
    buf = io.BytesIO()
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("嵌套/第五支部.xlsx", b"book-5")
    eml = message("liu@branch.example.cn", "第六支部报送", at(3, 21, 8),
                  [attachment(b"book-6", b"filename*=utf-8''%E7%AC%AC%E5%85%AD.xlsx")], 6)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("@gbk@".ljust(len("第一支部.xlsx".encode("gbk")), "_"), b"book-1")
        zf.writestr("第二支部.xlsx", b"book-2")  # UTF-8 flag set by zipfile
        zf.writestr("../../第三支部.xlsx", b"book-3")
        zf.writestr("/etc/第四支部.xlsx", b"book-4")
        zf.writestr("CON.xlsx", b"book-con")
        zf.writestr("长" * 90 + ".xlsx", b"book-long")
        zf.writestr("__MACOSX/._第二支部.xlsx", b"resource fork")
        zf.writestr("内层.zip", inner.getvalue())
        zf.writestr("第六支部.eml", eml)
        zf.writestr("secret.xlsx", b"book-secret")
    gbk = "第一支部.xlsx".encode("gbk")  # written as Windows does: GBK bytes, no UTF-8 flag
    raw = buf.getvalue().replace(b"@gbk@".ljust(len(gbk), b"_"), gbk)
    return encrypt_flag(raw, "secret.xlsx")


def test_webmail_zip_source(tmp_path: Path):
    source = tmp_path / "附件打包下载.zip"
    source.write_bytes(webmail_zip())
    inbox, log = tmp_path / "inbox", tmp_path / "log.xlsx"
    result = CliRunner().invoke(main, ["collect", str(source), "-o", str(inbox), "--config",
                                       str(config(tmp_path)), "--log", str(log)])
    assert result.exit_code == 0, result.stderr
    saved = {p.relative_to(inbox).as_posix(): p.read_bytes() for p in inbox.rglob("*")
             if p.is_file() and ".orglife" not in p.parts}
    long_name = next(k for k in saved if k.startswith(f"{UNDATED_FOLDER}/长"))
    assert len(long_name.split("/")[-1].encode()) <= MAX_NAME_BYTES
    assert long_name.endswith(".xlsx")
    assert saved == {
        f"{UNDATED_FOLDER}/第一支部.xlsx": b"book-1",  # GBK name without the UTF-8 flag
        f"{UNDATED_FOLDER}/第二支部.xlsx": b"book-2",
        f"{UNDATED_FOLDER}/第三支部.xlsx": b"book-3",  # ../../ dropped
        f"{UNDATED_FOLDER}/第四支部.xlsx": b"book-4",  # /etc/ dropped
        f"{UNDATED_FOLDER}/_CON.xlsx": b"book-con",
        long_name: b"book-long",
        f"{UNDATED_FOLDER}/第五支部.xlsx": b"book-5",  # from the zip inside the zip
        "2017-03-21/第六.xlsx": b"book-6",  # the .eml in the archive has a received time
    }
    seam = json.loads((inbox / ".orglife" / "received.json").read_text(encoding="utf-8"))
    assert list(seam["files"]) == ["2017-03-21/第六.xlsx"]  # loose files have no received time
    rows = {str(r["附件名"]): r for r in log_rows(log)}
    assert rows["secret.xlsx"]["状态"] == "已拒收" and "密码" in str(rows["secret.xlsx"]["说明"])
    assert "只保留文件名" in str(rows["../../第三支部.xlsx"]["说明"])
    assert "系统保留名" in str(rows["CON.xlsx"]["说明"])
    assert "过长" in str(rows["长" * 90 + ".xlsx"]["说明"])
    assert not any("__MACOSX" in k for k in rows)
    assert ".orglife" not in {p.name for p in (inbox / UNDATED_FOLDER).iterdir()}


def test_zip_bomb_and_nesting_are_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("第一支部.xlsx", b"\x00" * (3 << 20))
    bomb = buf.getvalue()
    assert len(bomb) < 20_000
    with pytest.raises(archive.ArchiveRefused, match="超过上限 2 MB"):
        archive.unpack(bomb, max_unpacked_mb=2)
    deep = b"book"
    for level in range(5):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr(f"第{level}层.zip" if level else "表.xlsx", deep)
        deep = out.getvalue()
    members = archive.unpack(deep, 200)
    assert len(members) == 1 and members[0].data is None and "嵌套超过" in members[0].problem
    with pytest.raises(archive.ArchiveRefused, match="压缩包已损坏"):
        archive.unpack(b"PK\x03\x04 not really a zip", 200)


def test_unicode_path_extra_field_wins():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("_____.xlsx")
        name = "第一支部.xlsx".encode()
        info.extra = struct.pack("<HHB", 0x7075, 5 + len(name), 1) + b"\0\0\0\0" + name
        zf.writestr(info, b"x")
    assert archive.unpack(buf.getvalue(), 200)[0].name == "第一支部.xlsx"


@pytest.mark.parametrize(("header", "expected"), [
    (f'attachment; filename="{b64word("第一支部.xlsx")}"', "第一支部.xlsx"),
    (f'attachment; filename="{b64word("第一支部.xlsx", "gb2312")}"', "第一支部.xlsx"),
    (f'attachment; filename="{b64word("第一支部", "gb2312")}{b64word(".xlsx", "gb2312")}"',
     "第一支部.xlsx"),
    ("attachment; filename*=gbk''%B5%DA%D2%BB%D6%A7%B2%BF.xlsx", "第一支部.xlsx"),
    ("attachment; filename*=UTF-8''%E7%AC%AC%E4%B8%80%E6%94%AF%E9%83%A8.xlsx", "第一支部.xlsx"),
    ("attachment; filename*0*=UTF-8''%E7%AC%AC%E4%B8%80; filename*1*=%E6%94%AF%E9%83%A8.xlsx",
     "第一支部.xlsx"),
    ('attachment; filename="=?UTF-8?Q?=E7=AC=AC=E4=B8=80=E6=94=AF=E9=83=A8.xlsx?="',
     "第一支部.xlsx"),
])
def test_attachment_names_decode(header: str, expected: str):
    part = message_from_bytes(f"Content-Disposition: {header}\r\n\r\nx".encode())
    decoded = attachment_name(part)
    assert decoded is not None and decoded.text == expected


def test_raw_8bit_names_gbk_and_utf8():
    for raw in ("第一支部.xlsx".encode("gbk"), "第一支部.xlsx".encode()):
        part = message_from_bytes(b'Content-Disposition: attachment; filename="' + raw
                                  + b'"\r\n\r\nx')
        decoded = attachment_name(part)
        assert decoded is not None and decoded.text == "第一支部.xlsx"
    assert decode_text(f"{b64word('第一支部', 'gb2312')} 报送").text == "第一支部 报送"
    assert decode_text(f"回复：{b64word('第一')} {b64word('支部')}").text == "回复：第一支部"


@pytest.mark.parametrize(("name", "safe"), [
    ("第一支部.xlsx", "第一支部.xlsx"),
    ("../../etc/passwd.xlsx", "passwd.xlsx"),
    ("C:\\Users\\支部\\第一支部.xlsx", "第一支部.xlsx"),
    ("/abs/第一支部.xlsx", "第一支部.xlsx"),
    ("nul.xlsx", "_nul.xlsx"),
    ("LPT1", "_LPT1"),
    (".hidden.xlsx", "hidden.xlsx"),
    ("~$第一支部.xlsx", "第一支部.xlsx"),
    ('a<b>:c"|?*.xlsx', "a_b__c____.xlsx"),
    ("..", "fallback.xlsx"),
    ("", "fallback.xlsx"),
    ("第一支部.xlsx. ", "第一支部.xlsx"),
])
def test_safe_names(name: str, safe: str):
    assert safe_name(name, "fallback.xlsx")[0] == safe


def test_large_attachment_links_qq_and_163_listed_once():
    from pipeline.mail.parts import LARGE_LINK, parse

    qq = QQ_LINK
    n163 = "https://mail.163.com/large-attachment-download/index.html?p=X7a&file=Y2b"
    html = (f'<p>超大附件</p><a href="{qq.replace("&", "&amp;")}">第一支部.xlsx</a>'
            f'<br><a href="{n163.replace("&", "&amp;")}">第二支部.xlsx</a>'
            '<img src="https://rescdn.qqmail.com/logo.png">')
    raw = message("a@b.cn", "超大附件", at(3, 20), [
        text_part(f"超大附件\n第一支部.xlsx {qq}\n第二支部.xlsx {n163}"), text_part(html, "html")], 1)
    found = parse(raw, 200).found
    assert [(f.status, f.name, f.link) for f in found] == [
        (LARGE_LINK, "第一支部.xlsx", qq), (LARGE_LINK, "第二支部.xlsx", n163)]
    plain = message("a@b.cn", "x", at(3, 20), [text_part("请勿使用超大附件，谢谢")], 2)
    (only,) = parse(plain, 200).found
    assert only.status == LARGE_LINK and "没有找到下载链接" in only.notes[0]


def test_a_bad_message_is_logged_and_the_rest_goes_on(tmp_path: Path):
    broken = message("a@b.cn", "坏附件", at(3, 20), [
        b"Content-Type: application/vnd.ms-excel\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="x.xls"\r\n\r\n!!!!\r\n'], 1)
    good = message("a@b.cn", "好附件", at(3, 21), [attachment(b"book", b'filename="y.xlsx"')], 2)
    (tmp_path / "1.eml").write_bytes(broken)
    (tmp_path / "2.eml").write_bytes(b"\x00\xff not a message at all")
    (tmp_path / "3.eml").write_bytes(good)
    (tmp_path / "说明.txt").write_text("不是邮件")
    log = tmp_path / "log.xlsx"
    result = CliRunner().invoke(main, [
        "collect", str(tmp_path / "1.eml"), str(tmp_path / "2.eml"), str(tmp_path / "3.eml"),
        str(tmp_path / "说明.txt"), "-o", str(tmp_path / "inbox"), "--config",
        str(config(tmp_path)), "--log", str(log)])
    assert result.exit_code == 0, result.stderr
    rows = [(r["主题"], r["状态"]) for r in log_rows(log)]
    assert rows == [("坏附件", "无法解码"), (None, "无附件"), ("好附件", "已保存"),
                    (None, "邮件无法读取")]
    assert (tmp_path / "inbox" / "2017-03-21" / "y.xlsx").read_bytes() == b"book"


def test_content_decides_only_where_the_name_says_nothing():
    from pipeline.mail.parts import NOT_SPREADSHEET, SPREADSHEET, classify

    xlsx = Path(__file__).resolve().parents[1] / "workbooks" / "roster.xlsx"
    book, cfb = xlsx.read_bytes(), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    (named,) = classify("第一支部", "第一支部", book, 200)
    assert (named.status, named.name) == (SPREADSHEET, "第一支部.xlsx")
    (dat,) = classify("第一支部.dat", "第一支部.dat", book, 200)
    assert (dat.status, dat.name) == (SPREADSHEET, "第一支部.xlsx")
    (doc,) = classify("工作总结.doc", "工作总结.doc", cfb, 200)  # Word 97: same container
    assert doc.status == NOT_SPREADSHEET
    (et,) = classify("第二支部.et", "第二支部.et", cfb, 200)
    assert et.status == SPREADSHEET and et.name == "第二支部.et"


def test_store_same_name_same_day_and_same_bytes(tmp_path: Path):
    from pipeline.mail.store import Store

    store = Store.open(tmp_path / "inbox")
    first = store.save("第一支部.xlsx", b"v1", at(3, 20, 9), "yi@b.cn", "报送")
    second = store.save("第一支部.xlsx", b"v2", at(3, 20, 23, 30), "yi@b.cn", "更正")
    again = store.save("别的名字.xlsx", b"v1", at(3, 22), "yi@b.cn", "重发")
    assert (first.path, second.path) == ("2017-03-20/第一支部.xlsx", "2017-03-20/第一支部(2).xlsx")
    assert again.duplicate_of == "2017-03-20/第一支部.xlsx"
    store.flush()
    # A new run sees what is on disk (also files the office put there by hand).
    (tmp_path / "inbox" / "手工保存.xlsx").write_bytes(b"v3")
    reopened = Store.open(tmp_path / "inbox")
    assert reopened.save("x.xlsx", b"v3", at(3, 23), "", "").duplicate_of == "手工保存.xlsx"
    assert set(reopened.received) == {"2017-03-20/第一支部.xlsx", "2017-03-20/第一支部(2).xlsx"}
    assert reopened.received["2017-03-20/第一支部(2).xlsx"]["received"] == \
        "2017-03-20T23:30:33+08:00"
