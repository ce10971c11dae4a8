"""Real mail servers for the mail tests: Dovecot (IMAP, IMAPS) and aiosmtpd (SMTP), both on
127.0.0.1 with throwaway settings in a temporary folder, started and stopped by fixtures.

Dovecot runs in the foreground (`dovecot -F -c CONFIG`) with its own base_dir, a passwd-file
user and Maildir storage in the temporary folder, and a self-signed certificate made here with
the openssl command. As root, Dovecot wants its unprivileged login and internal users (the
Debian package creates `dovenull` and `dovecot`) and a mail uid that is not 0 (the `dovecot`
user's); as any other user everything runs as that user without chroot.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest

USER = "office@party.example.cn"
PASSWORD = "authcode-16chars"  # what a QQ/163 授权码 looks like to the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def self_signed(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1 and localhost, valid for a day."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("没有 openssl 命令，无法为测试邮件服务器生成证书（apt-get install openssl）")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@dataclass
class Dovecot:
    base: Path
    imaps_port: int
    imap_port: int
    cert: Path
    process: subprocess.Popen[bytes] | None = None
    user: str = USER
    password: str = PASSWORD

    def context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def session(self) -> imaplib.IMAP4_SSL:
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.imaps_port, ssl_context=self.context())
        conn.login(self.user, self.password)
        return conn

    def append(self, raw: bytes, received: dt.datetime, folder: str = "INBOX") -> None:
        """Deliver a message as the server would, with its INTERNALDATE (the received time)."""
        conn = self.session()
        try:
            typ, data = conn.append(folder, None, imaplib.Time2Internaldate(received), raw)
            assert typ == "OK", data
        finally:
            conn.logout()

    def flags(self, folder: str = "INBOX") -> list[str]:
        """The flags of every message (to check that collect changed nothing)."""
        conn = self.session()
        try:
            conn.select(folder, readonly=True)
            _typ, data = conn.fetch("1:*", "(FLAGS)")
            return [d.decode() for d in data if isinstance(d, bytes)]
        finally:
            conn.logout()

    def log(self) -> str:
        path = self.base / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _dovecot_config(d: Dovecot, mail_uid: int, mail_gid: int) -> str:
    root = os.geteuid() == 0
    internal = "dovecot" if root else pwd.getpwuid(os.geteuid()).pw_name
    login = "dovenull" if root else internal
    chroot = "" if root else "  chroot =\n"
    return f"""
base_dir = {d.base}/run
state_dir = {d.base}/state
log_path = {d.base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{d.cert}
ssl_key = <{d.base}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = {min(mail_uid, 100)}
default_internal_user = {internal}
default_login_user = {login}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d.base}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={d.base}/mail/%u
}}
mail_location = maildir:{d.base}/mail/%u/Maildir
service imap-login {{
{chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {d.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {d.imaps_port}
    ssl = yes
  }}
}}
service anvil {{
{chroot}}}
"""


def _wait_for(port: int, process: subprocess.Popen[bytes], seconds: float = 15) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot with one empty mailbox (USER / PASSWORD), stopped after the test."""
    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists()
                                         else None)
    if binary is None:
        pytest.skip("Dovecot 未安装（Debian: apt-get install dovecot-imapd），IMAP 测试无法运行")
    base = Path(tempfile.mkdtemp(prefix="orglife-dovecot-"))
    os.chmod(base, 0o755)  # the login user must reach the sockets under base_dir
    try:
        cert, _key = self_signed(base)
        d = Dovecot(base, free_port(), free_port(), cert)
        if os.geteuid() == 0:
            try:
                mail = pwd.getpwnam("dovecot")
                pwd.getpwnam("dovenull")
                uid, gid = mail.pw_uid, mail.pw_gid
            except KeyError:
                pytest.skip("Dovecot 的系统用户 dovecot/dovenull 不存在（软件包未完整安装）")
        else:
            uid, gid = os.geteuid(), os.getegid()
        (base / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        (base / "mail").mkdir()
        os.chown(base / "mail", uid, gid)
        (base / "dovecot.conf").write_text(_dovecot_config(d, uid, gid))
        d.process = subprocess.Popen([binary, "-F", "-c", str(base / "dovecot.conf")],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        if not _wait_for(d.imaps_port, d.process):
            out = d.process.stdout.read().decode(errors="replace") if d.process.poll() is not None \
                and d.process.stdout else ""
            raise RuntimeError(f"Dovecot did not start:\n{out}\n{d.log()}")
        yield d
    finally:
        process = locals().get("d") and d.process
        if process and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        shutil.rmtree(base, ignore_errors=True)


# --- SMTP ------------------------------------------------------------------------------------

@dataclass
class Received:
    """One message the test SMTP server took: envelope and parsed content."""

    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> Message:
        return message_from_bytes(self.data)


@dataclass
class Smtp:
    port: int
    received: list[Received] = field(default_factory=list)
    cert: Path | None = None


class _Handler:
    def __init__(self, box: Smtp):
        self.box = box

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.box.received.append(Received(envelope.mail_from,  # type: ignore[attr-defined]
                                          list(envelope.rcpt_tos),  # type: ignore[attr-defined]
                                          envelope.original_content))  # type: ignore[attr-defined]
        return "250 OK"


def _auth(server: object, session: object, envelope: object, mechanism: str,
          auth_data: object) -> object:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() \
        and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@pytest.fixture(params=["plain", "ssl", "starttls"])
def smtp_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Smtp]:
    """aiosmtpd on 127.0.0.1: plain (no login), SMTPS or STARTTLS (both with a login)."""
    from aiosmtpd.controller import Controller

    box = Smtp(free_port())
    kwargs: dict[str, object] = {}
    server_kwargs: dict[str, object] = {}
    if request.param != "plain":
        cert, key = self_signed(tmp_path)
        box.cert = cert
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_ctx.load_cert_chain(cert, key)
        server_kwargs = {"authenticator": _auth, "auth_required": True}
        if request.param == "ssl":
            kwargs["ssl_context"] = server_ctx
            server_kwargs["auth_require_tls"] = False  # implicit TLS: aiosmtpd cannot tell
        else:
            server_kwargs.update(tls_context=server_ctx, require_starttls=True)
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port,
                            **kwargs, **server_kwargs)  # type: ignore[arg-type]
    controller.start()
    box.security = request.param  # type: ignore[attr-defined]
    try:
        yield box
    finally:
        controller.stop()
