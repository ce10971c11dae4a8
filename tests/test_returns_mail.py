"""`orglife returns` by e-mail (SPEC §10, Seam 4): .eml drafts by default, `--send` over SMTP
to a real aiosmtpd server (tests/mailservers.py) — one message per branch with an address in
[contacts], the notice as the body, only its own workbook attached."""

from __future__ import annotations

import email
import email.policy
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from mailservers import PASSWORD, USER, Smtp, smtp_server  # noqa: F401
from returns_support import ROOT, copy_inbox

from pipeline.cli import main
from pipeline.mail.settings import PASSWORD_ENV

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
CONTACTS = {"第一支部": "yi@branch.example.cn", "第四支部": "si@branch.example.cn"}
SENDER = "office@party.example.cn"


def config(tmp: Path, box: Smtp | None = None) -> Path:
    """The shipped campaign.toml with [contacts] for two branches and, given a server, its
    smtp settings; the roster beside it."""
    text = (ROOT / "workbooks" / "campaign.toml").read_text("utf-8")
    lines = "".join(f'"{b}" = "{a}"\n' for b, a in CONTACTS.items())
    text = text.replace("[contacts]", "[contacts]\n" + lines, 1)
    mail = f'sender = "{SENDER}"\n'
    if box is not None:
        security = box.security  # type: ignore[attr-defined]
        text = text.replace('smtp_host = "smtp.qq.com"', 'smtp_host = "127.0.0.1"')
        text = text.replace("smtp_port = 465", f"smtp_port = {box.port}")
        text = text.replace('smtp_security = "ssl"', f'smtp_security = "{security}"')
        if security != "plain":
            text = text.replace('user = ""', f'user = "{USER}"', 1)
            mail += f'ca_file = "{box.cert}"\n'
    text = text.replace("[mail]", "[mail]\n" + mail, 1)
    path = tmp / "campaign.toml"
    path.write_text(text, "utf-8")
    shutil.copy(ROOT / "workbooks" / "roster.xlsx", tmp / "roster.xlsx")
    return path


def returns(tmp: Path, conf: Path, *extra: str, env: dict[str, str] | None = None):
    out = tmp / "退回"
    result = CliRunner().invoke(main, ["returns", str(copy_inbox(tmp)), "-o", str(out),
                                       "--as-of", "2017-04-20", "--config", str(conf), *extra],
                                env=env)
    return out, result


def parts(raw: bytes):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    attached = {a.get_filename(): a.get_content() for a in msg.iter_attachments()}
    return msg, msg.get_body(("plain",)).get_content(), attached


def test_drafts_for_branches_with_an_address(tmp_path: Path):
    out, result = returns(tmp_path, config(tmp_path))
    assert result.exit_code == 0, result.output
    drafts = sorted(p.name for p in out.glob("*.eml"))
    assert drafts == ["第一支部-退回邮件.eml", "第四支部-退回邮件.eml"]
    assert "没有邮箱，未生成邮件：第二支部" in result.output
    msg, body, attached = parts((out / "第一支部-退回邮件.eml").read_bytes())
    assert msg["X-Unsent"] == "1"
    assert msg["To"] == CONTACTS["第一支部"] and msg["From"] == SENDER
    assert "第一支部修改意见" in msg["Subject"] and "2017年4月23日前" in msg["Subject"]
    notice = (out / "第一支部-通知.txt").read_text("utf-8-sig").replace("\r\n", "\n")
    assert body.strip() == notice.strip()
    assert attached == {"第一支部-修改意见.xlsx": (out / "第一支部-修改意见.xlsx").read_bytes()}


@pytest.mark.parametrize("smtp_server", ["plain", "starttls"], indirect=True)
def test_send_mails_each_branch_its_own_package(smtp_server: Smtp, tmp_path: Path):  # noqa: F811
    conf = config(tmp_path, smtp_server)
    out, result = returns(tmp_path, conf, "--send", env={PASSWORD_ENV: PASSWORD})
    assert result.exit_code == 0, result.output
    assert "已发送 2 封退回邮件" in result.output
    assert not list(out.glob("*.eml"))  # sent, not drafted
    got = {tuple(r.recipients): r for r in smtp_server.received}
    assert set(got) == {(a,) for a in CONTACTS.values()}
    for branch, address in CONTACTS.items():
        msg, body, attached = parts(got[(address,)].data)
        assert f"{branch}修改意见" in msg["Subject"] and msg["From"] == SENDER
        assert body.startswith(f"{branch}：")
        assert attached == {f"{branch}-修改意见.xlsx": (out / f"{branch}-修改意见.xlsx").read_bytes()}


def test_send_without_a_server_is_a_usage_error(tmp_path: Path):
    conf = config(tmp_path)
    text = conf.read_text("utf-8").replace('smtp_host = "smtp.qq.com"', 'smtp_host = ""')
    conf.write_text(text, "utf-8")
    out, result = returns(tmp_path, conf, "--send")
    assert result.exit_code == 2
    assert "smtp_host" in result.stderr
    assert (out / "第一支部-修改意见.xlsx").exists()  # the packages are written first
