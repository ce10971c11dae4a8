"""The inbox side of collect: save a workbook under INBOX/<收件日期>/, the same bytes once
(SHA-256), and the hidden state folder INBOX/.orglife/ (the inbox scan never lists it):

- received.json — Seam 1 of /work/coord/CONTRACTS.md: per saved file its received time, SHA-256,
  sender, subject; the core scan takes `received` as the submission time.
- messages.json — fingerprints of the messages already read (a second run skips them), and the
  IMAP position per account (UIDVALIDITY and the last UID fetched).
- log.json — every row of 收件记录 so far (the .xlsx is rebuilt from it on each run).
Each file is written whole to a temporary name and then renamed, so an interrupted run never
leaves half a JSON file behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATE_DIR = ".orglife"
RECEIVED = "received.json"
MESSAGES = "messages.json"
LOG = "log.json"
SEAM_VERSION = 1
BEIJING = dt.timezone(dt.timedelta(hours=8))  # the campaign's dates are Beijing dates
UNDATED_FOLDER = "收件日期不明"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_json(path: Path, value: Any) -> None:
    """UTF-8, sorted keys, indent 1 (Seam 1), written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as exc:
        raise StateError(f"收件箱状态文件 {path} 已损坏（{exc}），可删除 {path.parent} 后重新收取") \
            from None


class StateError(Exception):
    """The inbox's state folder cannot be read; the message is Chinese."""


@dataclass
class Saved:
    """Where one workbook went: `path` relative to the inbox (POSIX); `duplicate_of` when the
    same bytes were already there (nothing written)."""

    path: str
    sha256: str
    duplicate_of: str = ""


@dataclass
class Store:
    inbox: Path
    received: dict[str, dict[str, str]] = field(default_factory=dict)
    messages: dict[str, Any] = field(default_factory=dict)
    log: list[dict[str, str]] = field(default_factory=list)
    by_hash: dict[str, str] = field(default_factory=dict)

    @property
    def state(self) -> Path:
        return self.inbox / STATE_DIR

    @classmethod
    def open(cls, inbox: Path) -> Store:
        """Load the state and index the bytes of every file already in the inbox (a file the
        office saved by hand counts as received too)."""
        inbox.mkdir(parents=True, exist_ok=True)
        state = inbox / STATE_DIR
        seam = read_json(state / RECEIVED, {"version": SEAM_VERSION, "files": {}})
        store = cls(inbox, received=dict(seam.get("files", {})),
                    messages=read_json(state / MESSAGES, {"seen": {}, "imap": {}}),
                    log=list(read_json(state / LOG, [])))
        for path in sorted(inbox.rglob("*")):
            rel = path.relative_to(inbox)
            if rel.parts[0] == STATE_DIR or not path.is_file() or path.is_symlink():
                continue
            try:
                store.by_hash.setdefault(sha256(path.read_bytes()), rel.as_posix())
            except OSError:
                continue
        return store

    # --- messages already read -----------------------------------------------------------

    def seen(self, fingerprint: str) -> bool:
        return fingerprint in self.messages.setdefault("seen", {})

    def mark_seen(self, fingerprint: str, origin: str) -> None:
        self.messages.setdefault("seen", {})[fingerprint] = origin

    def imap_position(self, account: str) -> dict[str, int]:
        return dict(self.messages.setdefault("imap", {}).get(account, {}))

    def set_imap_position(self, account: str, uidvalidity: int, last_uid: int) -> None:
        self.messages.setdefault("imap", {})[account] = {"uidvalidity": uidvalidity,
                                                         "last_uid": last_uid}

    # --- saving --------------------------------------------------------------------------

    def save(self, name: str, data: bytes, received: dt.datetime | None, sender: str,
             subject: str) -> Saved:
        """Write `data` as INBOX/<Beijing date of received>/name, unless the same bytes are
        already in the inbox. A different file of the same name that day becomes `name(2)`."""
        digest = sha256(data)
        if digest in self.by_hash:
            return Saved(self.by_hash[digest], digest, duplicate_of=self.by_hash[digest])
        folder = received.astimezone(BEIJING).date().isoformat() if received else UNDATED_FOLDER
        target = self._free(self.inbox / folder, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if received is not None:  # without received.json the file time still tells the day
            stamp = received.timestamp()
            os.utime(target, (stamp, stamp))
        rel = target.relative_to(self.inbox).as_posix()
        self.by_hash[digest] = rel
        if received is not None:
            self.received[rel] = {"received": received.astimezone(BEIJING).isoformat(),
                                  "sha256": digest, "sender": sender, "subject": subject}
        return Saved(rel, digest)

    @staticmethod
    def _free(folder: Path, name: str) -> Path:
        target = folder / name
        stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
        n = 2
        while target.exists():
            target = folder / f"{stem}({n}){dot}{ext}"
            n += 1
        return target

    def flush(self) -> None:
        """Write the three state files (after every message, so a broken run keeps its work)."""
        write_json(self.state / RECEIVED, {"version": SEAM_VERSION, "files": self.received})
        write_json(self.state / MESSAGES, self.messages)
        write_json(self.state / LOG, self.log)
