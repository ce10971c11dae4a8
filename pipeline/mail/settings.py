"""The `[mail]` and `[contacts]` tables of campaign.toml → typed settings.

The password (for QQ/163 mail the 授权码) is never in the config: it comes from the
environment variable PASSWORD_ENV or, on a terminal, a prompt (the CLI's business).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASSWORD_ENV = "ORGLIFE_MAIL_PASSWORD"
SECURITIES = ("ssl", "starttls", "plain")  # plain: only for a test server on this machine
_DEFAULT_PORTS = {("imap", "ssl"): 993, ("imap", "starttls"): 143, ("imap", "plain"): 143,
                  ("smtp", "ssl"): 465, ("smtp", "starttls"): 587, ("smtp", "plain"): 25}


class MailError(Exception):
    """A mail problem the office must fix (login, server, TLS, settings); Chinese, exit 2."""


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    security: str = "ssl"
    user: str = ""
    ca_file: Path | None = None  # a self-hosted server's own certificate (else the system's)
    timeout: float = 30.0


@dataclass(frozen=True)
class MailSettings:
    imap: ServerSettings
    smtp: ServerSettings
    folder: str = "INBOX"
    since: dt.date | None = None
    sender: str = ""  # the From address of sent mail (default: user)


@dataclass(frozen=True)
class Contacts:
    """Branch → its addresses, and the reverse (lower-case address → branch)."""

    by_branch: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def branch_of(self, address: str) -> str:
        address = address.strip().lower()
        return next((b for b, addrs in self.by_branch.items()
                     if address in (a.lower() for a in addrs)), "")


def _text(table: Mapping[str, Any], key: str, default: str = "") -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise MailError(f"campaign.toml [mail] {key} 应为文字（加引号），现为 {value!r}")
    return value.strip()


def _security(table: Mapping[str, Any], key: str) -> str:
    value = _text(table, key, "ssl").lower()
    if value not in SECURITIES:
        raise MailError(f"campaign.toml [mail] {key} 应为 {' / '.join(SECURITIES)} 之一，现为 {value!r}")
    return value


def _port(table: Mapping[str, Any], key: str, kind: str, security: str) -> int:
    value = table.get(key, _DEFAULT_PORTS[(kind, security)])
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 65536:
        raise MailError(f"campaign.toml [mail] {key} 应为端口号（1–65535），现为 {value!r}")
    return value


def mail_settings(raw: Mapping[str, Any], base: Path | None = None) -> MailSettings:
    """Settings from the parsed campaign.toml (`Campaign.raw`); `base` resolves ca_file."""
    table = raw.get("mail", {})
    if not isinstance(table, dict):
        raise MailError("campaign.toml 中 [mail] 应为一个表")
    for secret in ("password", "pass", "授权码", "smtp_password"):
        if secret in table:
            raise MailError(f"campaign.toml [mail] 中不能写密码（{secret}）：请删除这一行，"
                            f"改用环境变量 {PASSWORD_ENV} 或运行时输入")
    since = table.get("since")
    if since is not None and not isinstance(since, dt.date):
        raise MailError(f"campaign.toml [mail] since 应为日期，如 2017-03-01，现为 {since!r}")
    ca = _text(table, "ca_file")
    ca_file = (base / ca if base else Path(ca)) if ca else None
    user = _text(table, "user")
    security = _security(table, "security")
    smtp_security = _security(table, "smtp_security")
    timeout = float(table.get("timeout", 30))
    imap = ServerSettings(_text(table, "host"), _port(table, "port", "imap", security), security,
                          user, ca_file, timeout)
    smtp = ServerSettings(_text(table, "smtp_host"),
                          _port(table, "smtp_port", "smtp", smtp_security), smtp_security,
                          _text(table, "smtp_user", user), ca_file, timeout)
    return MailSettings(imap=imap, smtp=smtp, folder=_text(table, "folder", "INBOX") or "INBOX",
                        since=since if isinstance(since, dt.date) else None,
                        sender=_text(table, "sender", user))


def contacts(raw: Mapping[str, Any]) -> Contacts:
    """`[contacts]`: 第一支部 = "a@b.cn" or a list of addresses."""
    table = raw.get("contacts", {})
    if not isinstance(table, dict):
        raise MailError("campaign.toml 中 [contacts] 应为一个表，如 第一支部 = \"a@b.cn\"")
    out: dict[str, tuple[str, ...]] = {}
    for branch, value in table.items():
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) and "@" in v
                                                   for v in values):
            raise MailError(f"campaign.toml [contacts] {branch} 应为邮箱地址或地址列表，现为 {value!r}")
        out[branch] = tuple(v.strip() for v in values)
    return Contacts(out)


def require(server: ServerSettings, what: str) -> None:
    """A clear message when the table lacks what a command needs."""
    needed = [("host", server.host), ("user", server.user)] if what == "收件" else \
        [("smtp_host", server.host)]  # an SMTP relay may take mail without a login
    missing = [k for k, v in needed if not v]
    if missing:
        raise MailError(f"campaign.toml [mail] 缺少 {'、'.join(missing)}，无法{what}（见 README 的邮箱设置）")
