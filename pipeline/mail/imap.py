"""Read the office mailbox over IMAP without changing it: the folder is opened read-only
(EXAMINE), bodies are fetched with BODY.PEEK (no \\Seen flag set), nothing is stored or
expunged. Incremental: the caller keeps (UIDVALIDITY, last UID); a changed UIDVALIDITY means the
server renumbered the folder, so everything is read again (the SHA-256 dedup keeps the inbox
unchanged).

The standard library's imaplib is enough here: the five commands used (LOGIN, EXAMINE,
UID SEARCH, UID FETCH, LOGOUT) map one to one, read-only select and PEEK stay explicit, and no
dependency comes with it. imap-tools would add convenience we do not need.
"""

from __future__ import annotations

import base64
import datetime as dt
import imaplib
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.mail.settings import MailError, ServerSettings

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_UID = re.compile(rb"UID (\d+)")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


@dataclass(frozen=True)
class Fetched:
    uid: int
    internaldate: dt.datetime | None
    size: int
    raw: bytes | None  # None when the message was over the size limit and not downloaded


def tls_context(server: ServerSettings) -> ssl.SSLContext:
    """Certificates are always checked: the system's CAs, or the server's own (ca_file)."""
    try:
        return ssl.create_default_context(cafile=str(server.ca_file) if server.ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise MailError(f"无法读取证书文件 {server.ca_file}（[mail] ca_file）：{exc}") from None


def connection_error(server: ServerSettings, exc: BaseException, kind: str) -> MailError:
    """One Chinese message for every way reaching a server fails."""
    where = f"{server.host}:{server.port}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(f"{kind}服务器 {where} 的证书无法验证（{exc.verify_message}）："
                         "请确认服务器地址正确；自建服务器可在 [mail] ca_file 指定其证书")
    if isinstance(exc, ssl.SSLError):
        return MailError(f"与{kind}服务器 {where} 建立加密连接（SSL/TLS）失败：{exc.reason or exc}。"
                         "请检查端口与 security 设置是否对应（SSL 一般为 993/465，STARTTLS 为 143/587）")
    if isinstance(exc, socket.gaierror):
        return MailError(f"找不到{kind}服务器 {server.host}：请检查 [mail] 中的服务器地址和网络连接")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return MailError(f"连接{kind}服务器 {where} 超时：请检查网络连接和端口")
    return MailError(f"无法连接{kind}服务器 {where}（{getattr(exc, 'strerror', None) or exc}）："
                     "请检查服务器地址、端口和网络连接")


def connect(server: ServerSettings, password: str) -> imaplib.IMAP4:
    """Connected and logged in, or MailError."""
    try:
        if server.security == "ssl":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(server.host, server.port,
                                                    ssl_context=tls_context(server),
                                                    timeout=server.timeout)
        else:
            conn = imaplib.IMAP4(server.host, server.port, timeout=server.timeout)
            if server.security == "starttls":
                conn.starttls(ssl_context=tls_context(server))
    except imaplib.IMAP4.error as exc:  # e.g. STARTTLS not offered
        raise MailError(f"收件服务器 {server.host}:{server.port} 不支持所选的加密方式"
                        f"（{server.security}）：{exc}") from None
    except (OSError, ssl.SSLError) as exc:
        raise connection_error(server, exc, "收件") from None
    try:
        if (server.user + password).isascii():
            conn.login(server.user, password)
        else:  # LOGIN is ASCII only; AUTHENTICATE PLAIN carries UTF-8 (RFC 4616)
            conn.authenticate("PLAIN", lambda _: f"\0{server.user}\0{password}".encode())
    except imaplib.IMAP4.error as exc:
        _close(conn)
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(
            exc.args[0], bytes) else str(exc)
        raise MailError(f"登录邮箱 {server.user} 失败（服务器答复：{detail}）。请检查用户名和密码；"
                        "QQ/163 邮箱要用在网页邮箱设置中生成的“授权码”，不是登录密码，"
                        "并且要先在设置中开启 IMAP 服务") from None
    except (OSError, ssl.SSLError) as exc:
        raise connection_error(server, exc, "收件") from None
    return conn


def _close(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


def imap_date(day: dt.date) -> str:
    """RFC 3501 date (English month names whatever the locale)."""
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def parse_internaldate(text: bytes) -> dt.datetime | None:
    """'20-Mar-2017 09:12:33 +0800' → aware datetime."""
    try:
        day, month, rest = text.decode().strip().split("-", 2)
        stamp = dt.datetime.strptime(rest, "%Y %H:%M:%S %z")
        return stamp.replace(month=_MONTHS.index(month) + 1, day=int(day))
    except (ValueError, IndexError):
        return None


class Mailbox:
    """One read-only session on one folder."""

    def __init__(self, server: ServerSettings, password: str, folder: str):
        self.server = server
        self.folder = folder
        self.conn = connect(server, password)
        try:
            typ, data = self.conn.select(_quote(folder), readonly=True)
        except (imaplib.IMAP4.error, OSError) as exc:
            _close(self.conn)
            raise MailError(f"无法打开邮箱文件夹“{folder}”：{exc}") from None
        if typ != "OK":
            _close(self.conn)
            raise MailError(f"邮箱中没有文件夹“{folder}”（[mail] folder），"
                            f"服务器答复：{data[0]!r}")
        validity = self.conn.untagged_responses.get("UIDVALIDITY", [b"0"])[-1]
        self.uidvalidity = int(validity if isinstance(validity, bytes) else validity[0])

    def new_uids(self, after: int, since: dt.date | None) -> list[int]:
        """UIDs above `after` (and received since `since`), ascending."""
        criteria = [f"UID {after + 1}:*"]
        if since is not None:
            criteria.append(f"SINCE {imap_date(since)}")
        data = self._uid("SEARCH", *criteria)
        # "n:*" always matches the highest UID, even when it is below n: filter again.
        return sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > after)

    def fetch(self, uids: list[int], max_bytes: int) -> Iterator[Fetched]:
        """Each message in turn; one over `max_bytes` is reported with raw=None."""
        for uid in uids:
            data = self._uid("FETCH", str(uid), "(UID INTERNALDATE RFC822.SIZE)")
            head = b" ".join(d if isinstance(d, bytes) else d[0] for d in data if d)
            size = int(m.group(1)) if (m := _SIZE.search(head)) else 0
            date = _INTERNALDATE.search(head)
            when = parse_internaldate(date.group(1)) if date else None
            if size > max_bytes:
                yield Fetched(uid, when, size, None)
                continue
            data = self._uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next((d[1] for d in data if isinstance(d, tuple)), None)
            yield Fetched(uid, when, size, raw)

    def _uid(self, command: str, *args: str) -> list:
        try:
            typ, data = self.conn.uid(command, *args)
        except (imaplib.IMAP4.error, OSError) as exc:
            raise MailError(f"读取邮箱时出错（{command}）：{exc}") from None
        if typ != "OK":
            raise MailError(f"邮件服务器拒绝了请求（{command}）：{data!r}")
        return data

    def close(self) -> None:
        _close(self.conn)


def _quote(folder: str) -> str:
    """A folder name as an IMAP string; non-ASCII names (QQ's “其他文件夹”) in modified UTF-7
    (RFC 3501 5.1.3)."""
    out: list[str] = []
    run = ""
    for ch in folder + " ":  # the sentinel flushes the last non-ASCII run
        if 0x20 <= ord(ch) < 0x7F:
            if run:
                b64 = base64.b64encode(run.encode("utf-16-be")).decode().rstrip("=")
                out.append("&" + b64.replace("/", ",") + "-")
                run = ""
            out.append("&-" if ch == "&" else ch)
        else:
            run += ch
    text = "".join(out)[:-1]
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
