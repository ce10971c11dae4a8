"""Sending (Seam 4): build a message with attachments, write it as an .eml draft, send a batch
over SMTP (SSL, STARTTLS, or plain for a test server) with the `[mail]` settings.

`orglife returns --send` (a later stream) calls these; without --send it writes the drafts:

    settings = mail_settings(campaign.raw, campaign.source.parent)      # pipeline.mail.settings
    msg = build_message(settings.sender, contacts(campaign.raw).by_branch[branch], subject,
                        body, [workbook, notice])
    write_eml(msg, out_dir / f"{branch}.eml")                           # without --send
    results = send_messages(settings.smtp, password, [msg, ...])        # with --send

(the CLI's mail_password() gets the password from ORGLIFE_MAIL_PASSWORD or a prompt).
Attachment names are written the standard way (RFC 2231 `filename*=utf-8''…`), which QQ, 163,
Foxmail, Outlook and WPS mail all read.
"""

from __future__ import annotations

import copy
import mimetypes
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from pipeline.mail.imap import connection_error, tls_context
from pipeline.mail.settings import MailError, ServerSettings, require

_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          ".xls": "application/vnd.ms-excel", ".txt": "text/plain", ".pdf": "application/pdf",
          ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@dataclass(frozen=True)
class SendResult:
    """Per message: who it went to, and what went wrong ('' when delivered to all)."""

    subject: str
    to: tuple[str, ...]
    problem: str = ""


def _mime(path: Path) -> tuple[str, str]:
    ctype = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] \
        or "application/octet-stream"
    main, sub = ctype.split("/", 1)
    return main, sub


def build_message(sender: str, to: Sequence[str] | str, subject: str, body: str,
                  attachments: Sequence[Path]) -> EmailMessage:
    """A plain-text message (UTF-8) with the files attached byte for byte."""
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        raise MailError(f"邮件“{subject}”没有收件人")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(body)
    for path in attachments:
        main, sub = _mime(path)
        # Text files (the 通知.txt) go as octet bytes too: the receiver gets exactly the file.
        msg.add_attachment(path.read_bytes(), maintype=main if main != "text" else "application",
                           subtype=sub if main != "text" else "octet-stream",
                           filename=path.name)
    return msg


def write_eml(msg: EmailMessage, path: Path) -> Path:
    """The message as an .eml draft: Outlook opens it ready to send (X-Unsent), Foxmail and
    Thunderbird open it as a message."""
    draft = copy.deepcopy(msg)
    draft["X-Unsent"] = "1"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(msg_bytes(draft))
    return path


def msg_bytes(msg: EmailMessage) -> bytes:
    return msg.as_bytes(policy=SMTP_POLICY)


def _connect(server: ServerSettings, password: str | None) -> smtplib.SMTP:
    try:
        if server.security == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port,
                                                  timeout=server.timeout,
                                                  context=tls_context(server))
        else:
            conn = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
            if server.security == "starttls":
                conn.starttls(context=tls_context(server))
    except smtplib.SMTPNotSupportedError:
        raise MailError(f"发件服务器 {server.host}:{server.port} 不支持 STARTTLS："
                        "请改用 smtp_security = \"ssl\"（端口一般为 465）") from None
    except (OSError, ssl.SSLError, smtplib.SMTPException) as exc:
        raise connection_error(server, exc, "发件") from None
    if server.user and password:
        try:
            conn.login(server.user, password)
        except smtplib.SMTPAuthenticationError as exc:
            conn.close()
            detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(
                exc.smtp_error, bytes) else str(exc.smtp_error)
            raise MailError(f"登录发件服务器失败（{server.user}，服务器答复：{exc.smtp_code} {detail}）。"
                            "QQ/163 邮箱请使用授权码，并在设置中开启 SMTP 服务") from None
        except smtplib.SMTPNotSupportedError:
            conn.close()
            raise MailError(f"发件服务器 {server.host}:{server.port} 不接受登录（没有 AUTH）："
                            "请检查 smtp_security 和端口（QQ/163 邮箱为 ssl、465）") from None
        except UnicodeEncodeError:  # smtplib sends the login as ASCII only
            conn.close()
            raise MailError(f"登录发件服务器失败（{server.user}）：密码中有中文或全角字符，"
                            "请检查授权码") from None
        except (smtplib.SMTPException, OSError) as exc:
            conn.close()
            raise connection_error(server, exc, "发件") from None
    return conn


def send_messages(server: ServerSettings, password: str | None,
                  messages: Sequence[EmailMessage]) -> list[SendResult]:
    """Send every message over one connection. A message the server refuses is reported in its
    SendResult and the others still go; no connection or no login is a MailError."""
    require(server, "发送")
    results: list[SendResult] = []
    conn = _connect(server, password)
    try:
        for msg in messages:
            to = tuple(a for _, a in (parseaddr(x.strip()) for x in str(msg["To"]).split(",")))
            subject = str(msg["Subject"])
            try:
                refused = conn.send_message(msg, from_addr=parseaddr(str(msg["From"]))[1],
                                            to_addrs=list(to))
            except smtplib.SMTPRecipientsRefused as exc:
                refused = exc.recipients
            except (TimeoutError, smtplib.SMTPException, OSError) as exc:
                results.append(SendResult(subject, to, f"发送失败：{exc}"))
                continue
            problem = "；".join(f"{a} 被拒收（{code} {reason.decode('utf-8', 'replace')}）"
                               for a, (code, reason) in refused.items())
            results.append(SendResult(subject, to, problem))
    finally:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()
    return results
