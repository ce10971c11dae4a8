"""orglife collect --imap against a real Dovecot (tests/mailservers.py): the test mailbox of
test_mail_collect.py delivered over IMAP with its received times as INTERNALDATE; collect
twice (the second run adds nothing); the server left unchanged; wrong password, unreachable
server and TLS failures end with a Chinese message on stderr and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from mailservers import Dovecot, dovecot  # noqa: F401  (the fixture)
from test_mail_collect import (
    CONFIG,
    Books,
    books,
    check_collected,
    check_lateness_from_received_times,
    config,
    corpus,
    log_rows,
    status_table,
)

from pipeline import contract as C
from pipeline.cli import main
from pipeline.mail.settings import PASSWORD_ENV


@pytest.fixture(scope="module")
def corpus_books() -> Books:
    return books()


def mail_table(d: Dovecot, port: int | None = None, security: str = "ssl",
               ca: bool = True) -> str:
    lines = ['host = "127.0.0.1"', f"port = {port or d.imaps_port}", f'security = "{security}"',
             f'user = "{d.user}"', 'folder = "INBOX"', "since = 2017-03-01"]
    if ca:
        lines.append(f'ca_file = "{d.cert}"')
    return "\n".join(lines)


def run(cfg: Path, inbox: Path, log: Path, password: str) -> tuple[int, str, str]:
    result = CliRunner(env={PASSWORD_ENV: password}).invoke(
        main, ["collect", "--imap", "-o", str(inbox), "--config", str(cfg), "--log", str(log)])
    return result.exit_code, result.stdout, result.stderr


def test_imap_collects_the_mailbox_once_and_changes_nothing(dovecot: Dovecot,  # noqa: F811
                                                           tmp_path: Path,
                                                           corpus_books: Books):
    for mail in corpus(corpus_books):
        dovecot.append(mail.raw, mail.received)
    # Received before [mail] since = 2017-03-01: never fetched.
    old = corpus(corpus_books)[1]
    dovecot.append(old.raw.replace(b"Message-ID: <2.", b"Message-ID: <0."),
                   old.received.replace(month=2))
    flags_before = dovecot.flags()
    cfg = config(tmp_path, mail_table(dovecot))
    inbox, log = tmp_path / "inbox", tmp_path / "outputs" / "收件记录.xlsx"

    code, out, err = run(cfg, inbox, log, dovecot.password)
    assert code == 0, err + dovecot.log()
    assert "收取邮件 11 封" in out and "已保存 7" in out
    check_collected(inbox, log, corpus_books)
    assert dovecot.password not in out + err
    origins = [r["来源"] for r in log_rows(log)]
    assert origins[0] == "IMAP INBOX UID 1" and origins[-1] == "IMAP INBOX UID 11"
    state = json.loads((inbox / ".orglife" / "messages.json").read_text(encoding="utf-8"))
    (position,) = state["imap"].values()
    assert position["last_uid"] == 11

    # Read-only on the server: no \Seen flag set, nothing moved or deleted.
    assert dovecot.flags() == flags_before and len(flags_before) == 12
    assert all("\\Seen" not in f for f in dovecot.flags())

    # A second run fetches nothing; a new message is the only thing the third run reads.
    files = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*.xlsx"))
    code, out, err = run(cfg, inbox, log, dovecot.password)
    assert code == 0, err
    assert out.startswith("收取邮件 0 封：没有新附件")
    assert sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*.xlsx")) == files
    late = corpus(corpus_books)[1]  # a copy of 第二支部's first send: same bytes, a new message
    dovecot.append(late.raw.replace(b"Message-ID: <2.", b"Message-ID: <12."),
                   late.received.replace(day=17))
    code, out, err = run(cfg, inbox, log, dovecot.password)
    assert code == 0, err
    assert out.startswith("收取邮件 1 封：重复 1")
    assert len(log_rows(log)) == 13
    assert sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*.xlsx")) == files

    # The server renumbered the folder (a new UIDVALIDITY): everything is read again, and
    # every message is recognised as already collected.
    state_file = inbox / ".orglife" / "messages.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    for position in state["imap"].values():
        position["uidvalidity"] += 1
    state_file.write_text(json.dumps(state), encoding="utf-8")
    code, out, err = run(cfg, inbox, log, dovecot.password)
    assert code == 0, err
    assert out.startswith("收取邮件 0 封（已收过的 12 封跳过）")
    assert len(log_rows(log)) == 13


def test_collected_inbox_validates_and_status_shows_lateness_from_received_times(dovecot: Dovecot,  # noqa: F811
                                                   tmp_path: Path, corpus_books: Books):
    for mail in corpus(corpus_books):
        dovecot.append(mail.raw, mail.received)
    cfg = config(tmp_path, mail_table(dovecot))
    inbox = tmp_path / "inbox"
    code, _out, err = run(cfg, inbox, tmp_path / "log.xlsx", dovecot.password)
    assert code == 0, err
    seam = json.loads((inbox / ".orglife" / "received.json").read_text(encoding="utf-8"))
    assert seam["files"]["2017-04-15/第二支部.xlsx"]["received"] == "2017-04-15T09:00:33+08:00"
    result = CliRunner().invoke(main, ["validate", str(inbox), "--config", str(cfg)])
    assert result.exit_code == 1 and "很好" in result.stdout
    assert C.GENERAL_BRANCH in status_table(inbox, cfg, "2017-04-20")
    check_lateness_from_received_times(inbox, cfg)


def test_wrong_password_is_exit_2_with_a_chinese_message(dovecot: Dovecot,  # noqa: F811
                                                         tmp_path: Path):
    cfg = config(tmp_path, mail_table(dovecot))
    for wrong in ("wrong-authcode", "wrong-授权码"):  # LOGIN, and AUTHENTICATE PLAIN for UTF-8
        code, out, err = run(cfg, tmp_path / "inbox", tmp_path / "log.xlsx", wrong)
        assert code == 2, err
        assert f"登录邮箱 {dovecot.user} 失败" in err and "授权码" in err
        assert wrong not in out + err
    assert not (tmp_path / "log.xlsx").exists()


def test_tls_failures_and_unreachable_server_are_exit_2(dovecot: Dovecot,  # noqa: F811
                                                        tmp_path: Path):
    inbox, log = tmp_path / "inbox", tmp_path / "log.xlsx"
    # The server's self-signed certificate is not trusted without ca_file.
    code, _out, err = run(config(tmp_path, mail_table(dovecot, ca=False)), inbox, log,
                          dovecot.password)
    assert code == 2 and "证书无法验证" in err and "ca_file" in err
    # SSL spoken to the plain IMAP port.
    code, _out, err = run(config(tmp_path, mail_table(dovecot, port=dovecot.imap_port)),
                          inbox, log, dovecot.password)
    assert code == 2 and "加密连接（SSL/TLS）失败" in err
    # STARTTLS on the plain port works (and checks the certificate the same way).
    code, out, err = run(config(tmp_path, mail_table(dovecot, port=dovecot.imap_port,
                                                     security="starttls")),
                         inbox, log, dovecot.password)
    assert code == 0 and out.startswith("收取邮件 0 封"), err
    # Nobody listens.
    from mailservers import free_port

    code, _out, err = run(config(tmp_path, mail_table(dovecot, port=free_port())), inbox, log,
                          dovecot.password)
    assert code == 2 and "无法连接收件服务器 127.0.0.1" in err


def test_no_password_without_a_terminal_says_which_variable(dovecot: Dovecot,  # noqa: F811
                                                            tmp_path: Path):
    cfg = config(tmp_path, mail_table(dovecot))
    result = CliRunner(env={PASSWORD_ENV: ""}).invoke(
        main, ["collect", "--imap", "-o", str(tmp_path / "inbox"), "--config", str(cfg)])
    assert result.exit_code == 2 and PASSWORD_ENV in result.stderr


def test_a_password_in_the_config_is_refused(tmp_path: Path):
    cfg = config(tmp_path, 'host = "imap.qq.com"\nuser = "a@qq.com"\npassword = "x"')
    result = CliRunner(env={PASSWORD_ENV: "x"}).invoke(
        main, ["collect", "--imap", "-o", str(tmp_path / "inbox"), "--config", str(cfg)])
    assert result.exit_code == 2
    assert "不能写密码" in result.stderr and PASSWORD_ENV in result.stderr


def test_the_shipped_config_asks_for_the_mailbox_user(tmp_path: Path):
    """workbooks/campaign.toml ships with QQ's servers and no address: collect says what to
    fill in, before asking for a password or creating anything."""
    result = CliRunner(env={PASSWORD_ENV: ""}).invoke(
        main, ["collect", "--imap", "-o", str(tmp_path / "inbox"), "--config", str(CONFIG)])
    assert result.exit_code == 2
    assert "[mail] 缺少 user" in result.stderr and "README" in result.stderr
    assert not (tmp_path / "inbox").exists()
