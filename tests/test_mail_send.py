"""pipeline.mail.send (Seam 4) against a real aiosmtpd server (tests/mailservers.py): plain,
SMTPS and STARTTLS; recipients, subjects and attachment bytes as sent; .eml drafts; a wrong
login and an unreachable server as Chinese MailErrors."""

from __future__ import annotations

import dataclasses
import email
import email.policy
from pathlib import Path

import pytest
from mailservers import PASSWORD, USER, Smtp, free_port, smtp_server  # noqa: F401

from pipeline.mail.names import attachment_name
from pipeline.mail.send import build_message, send_messages, write_eml
from pipeline.mail.settings import MailError, ServerSettings, mail_settings

SENDER = "党总支办公室 <office@party.example.cn>"
# The SMTPS test server takes AUTH over implicit TLS, which aiosmtpd cannot see and warns about.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
WITH_LOGIN = pytest.mark.parametrize("smtp_server", ["ssl", "starttls"], indirect=True)


def packages(tmp_path: Path) -> dict[str, tuple[str, list[Path]]]:
    """Branch → (address, its return package files), as `orglife returns` writes them."""
    out: dict[str, tuple[str, list[Path]]] = {}
    for branch, address in (("第一支部", "yi@branch.example.cn"),
                            ("第二支部", "er@branch.example.cn")):
        book = tmp_path / f"{branch}-修改意见.xlsx"
        book.write_bytes(f"PK\x03\x04 workbook of {branch}".encode() + bytes(range(256)))
        notice = tmp_path / f"{branch}-通知.txt"
        notice.write_text(f"{branch}：请按修改意见修改后重新报送。\r\n", encoding="utf-8")
        out[branch] = (address, [book, notice])
    return out


def settings(box: Smtp, password_user: str = USER) -> ServerSettings:
    """The [mail] smtp_* keys as the office writes them, read by mail_settings."""
    security = box.security  # type: ignore[attr-defined]
    table = {"smtp_host": "127.0.0.1", "smtp_port": box.port, "smtp_security": security,
             "user": password_user if security != "plain" else "",
             "sender": "office@party.example.cn"}
    if box.cert:
        table["ca_file"] = str(box.cert)
    return mail_settings({"mail": table}).smtp


def test_send_delivers_each_branch_its_files(smtp_server: Smtp, tmp_path: Path):  # noqa: F811
    pkgs = packages(tmp_path)
    messages = [build_message(SENDER, address, f"{branch} 专题组织生活会材料修改意见",
                              f"{branch}：\n请查收附件。", files)
                for branch, (address, files) in pkgs.items()]
    results = send_messages(settings(smtp_server), PASSWORD, messages)
    assert [(r.to, r.problem) for r in results] == [(("yi@branch.example.cn",), ""),
                                                     (("er@branch.example.cn",), "")]
    assert [r.recipients for r in smtp_server.received] == [["yi@branch.example.cn"],
                                                            ["er@branch.example.cn"]]
    assert {r.sender for r in smtp_server.received} == {"office@party.example.cn"}
    for got, (branch, (_address, files)) in zip(smtp_server.received, pkgs.items()):
        msg = email.message_from_bytes(got.data, policy=email.policy.default)
        assert str(msg["Subject"]) == f"{branch} 专题组织生活会材料修改意见"
        assert str(msg["From"]) == SENDER
        body = msg.get_body(("plain",))
        assert body is not None and body.get_content().startswith(f"{branch}：")
        attached = {p.get_filename(): p.get_payload(decode=True) for p in msg.iter_attachments()}
        assert attached == {f.name: f.read_bytes() for f in files}
        # Our own collect reads the names back the same (RFC 2231 UTF-8).
        raw = email.message_from_bytes(got.data)
        names = [attachment_name(p) for p in raw.walk() if not p.is_multipart()]
        assert [n.text for n in names if n] == [f.name for f in files]


def test_drafts_are_eml_files_with_the_same_content(tmp_path: Path):
    (branch, (address, files)), *_ = packages(tmp_path).items()
    msg = build_message(SENDER, address, f"{branch} 修改意见", "请查收。", files)
    path = write_eml(msg, tmp_path / "草稿" / f"{branch}.eml")
    draft = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert draft["X-Unsent"] == "1" and draft["To"] == address
    assert {p.get_filename(): p.get_payload(decode=True) for p in draft.iter_attachments()} == \
        {f.name: f.read_bytes() for f in files}
    assert "X-Unsent" not in msg  # the message to send is not changed by writing its draft


@WITH_LOGIN
def test_wrong_login_is_a_chinese_mail_error(smtp_server: Smtp, tmp_path: Path):  # noqa: F811
    msg = build_message(SENDER, "yi@branch.example.cn", "x", "y", [])
    with pytest.raises(MailError, match="登录发件服务器失败.*授权码"):
        send_messages(settings(smtp_server), "wrong", [msg])
    assert smtp_server.received == []


def test_unreachable_and_untrusted_servers(tmp_path: Path):
    msg = build_message(SENDER, "yi@branch.example.cn", "x", "y", [])
    server = ServerSettings("127.0.0.1", free_port(), "plain", timeout=5)
    with pytest.raises(MailError, match="无法连接发件服务器 127.0.0.1"):
        send_messages(server, None, [msg])
    with pytest.raises(MailError, match="没有收件人"):
        build_message(SENDER, [], "x", "y", [])
    with pytest.raises(MailError, match="缺少 smtp_host"):
        send_messages(dataclasses.replace(server, host=""), None, [msg])


@WITH_LOGIN
def test_untrusted_certificate(smtp_server: Smtp):  # noqa: F811
    server = dataclasses.replace(settings(smtp_server), ca_file=None)
    msg = build_message(SENDER, "yi@branch.example.cn", "x", "y", [])
    with pytest.raises(MailError, match="证书无法验证"):
        send_messages(server, PASSWORD, [msg])
