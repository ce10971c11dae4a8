"""Names from mail: header text and attachment names decoded (RFC 2047, RFC 2231, raw GBK or
UTF-8 bytes), then made safe to save (no path, no reserved or over-long names).

Chinese mail clients send names every way there is: Foxmail and QQ put RFC 2047 words inside
the quoted `filename="=?GBK?B?…?="`, Outlook and Thunderbird use RFC 2231
`filename*=utf-8''…`, and older clients write the GBK bytes raw. GBK and GB2312 are decoded as
GB18030, their superset (a name in GBK decodes the same, and the rarer characters too).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email.header import decode_header
from email.message import Message

FALLBACKS = ("utf-8", "gb18030")  # raw 8-bit bytes: strict UTF-8 first (it rarely fits by chance)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030",
              "euc-cn": "gb18030", "ascii": "utf-8", "us-ascii": "utf-8"}
_ENCODED_WORD = re.compile(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=")
MAX_NAME_BYTES = 180  # ext4 allows 255 bytes; a Chinese character is 3 bytes in UTF-8
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                       *(f"lpt{i}" for i in range(10))})
_BAD_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


@dataclass(frozen=True)
class Decoded:
    """A decoded name; `text` is None when no charset gives a clean reading of the bytes."""

    text: str | None
    raw: str  # what the header carried, for the log's note


def _charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    return _SUPERSETS.get(name, name)


def decode_bytes(data: bytes, charset: str | None = None) -> str | None:
    """Bytes → text in the declared charset, else strict UTF-8, else GB18030; None if none fits."""
    tried = [c for c in (_charset(charset), *FALLBACKS) if c and c not in ("unknown-8bit",)]
    for name in dict.fromkeys(tried):
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return None


def _raw_bytes(text: str) -> bytes:
    """A header string back to its bytes (the parser keeps 8-bit bytes as surrogate escapes)."""
    try:
        return text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:  # already real Unicode (a str built in code, not parsed bytes)
        return text.encode("utf-8", "surrogateescape")


def decode_text(value: str | None) -> Decoded:
    """Header text (Subject, From, a filename parameter) → Unicode: encoded words decoded in
    their charset, raw 8-bit runs as UTF-8 or GB18030; None as text when some part fits none."""
    if value is None:
        return Decoded("", "")
    raw = str(value)
    out: list[str] = []
    pos = 0
    previous_word = False
    for m in _ENCODED_WORD.finditer(raw):
        between = raw[pos:m.start()]
        if between and not (previous_word and between.isspace()):  # RFC 2047 §6.2
            out.append(between)
        try:
            ((chunk, charset),) = decode_header(m.group())
        except (ValueError, TypeError):  # a broken word: keep its text
            out.append(m.group())
        else:
            text = decode_bytes(chunk if isinstance(chunk, bytes) else chunk.encode(), charset)
            if text is None:
                return Decoded(None, _raw_bytes(raw).decode("ascii", "backslashreplace"))
            out.append(text)
        pos = m.end()
        previous_word = True
    out.append(raw[pos:])
    joined = "".join(out)
    if any(0xDC80 <= ord(ch) <= 0xDCFF for ch in joined):  # raw 8-bit bytes in the header
        text = decode_bytes(_raw_bytes(joined))
        if text is None:
            return Decoded(None, _raw_bytes(raw).decode("ascii", "backslashreplace"))
        joined = text
    return Decoded(unicodedata.normalize("NFC", joined), raw)


# The parser keeps a header's 8-bit bytes as surrogate escapes, and Message.get() turns them
# into U+FFFD. Raw values are read instead, with the escapes parked in the Private Use Area
# while the email package parses parameters, then turned back into the bytes they were.
_TO_PUA = {0xDC80 + i: 0xF780 + i for i in range(128)}
_FROM_PUA = {v: k for k, v in _TO_PUA.items()}


def raw_header(msg: Message, name: str) -> str | None:
    """The header's value as parsed from the bytes (8-bit bytes as surrogate escapes)."""
    return next((str(v) for k, v in msg.raw_items() if k.lower() == name.lower()), None)


def _param(part: Message, param: str, header: str) -> str | tuple[str, str, str] | None:
    raw = raw_header(part, header)
    if raw is None:
        return None
    holder = Message()
    holder[header] = raw.translate(_TO_PUA)
    value = holder.get_param(param, header=header)
    if isinstance(value, tuple):
        charset, lang, text = value
        return (charset or "", lang or "", str(text).translate(_FROM_PUA))
    return None if value is None else str(value).translate(_FROM_PUA)


def header_text(msg: Message, name: str) -> str:
    """A header as readable text (undecodable bytes shown as U+FFFD, never an exception)."""
    value = raw_header(msg, name)
    if value is None:
        return ""
    decoded = decode_text(str(value))
    if decoded.text is not None:
        return " ".join(decoded.text.split())
    return _raw_bytes(str(value)).decode("utf-8", "replace")


def attachment_name(part: Message) -> Decoded | None:
    """The part's file name (Content-Disposition filename, else Content-Type name); None when
    the part names no file."""
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        value = _param(part, param, header)
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded text)
            charset, _lang, text = value
            raw = f"{charset}''{text}"
            try:  # the parser %-decodes each byte to one latin-1 character
                data = text.encode("latin-1")
            except UnicodeEncodeError:
                data = _raw_bytes(text)
            decoded = decode_bytes(data, charset or None)
            return Decoded(decoded and unicodedata.normalize("NFC", decoded), raw)
        text = str(value).strip().strip('"')
        if _ENCODED_WORD.search(text) or not text.isascii():
            return decode_text(text)
        return Decoded(text, text)
    return None


def suffix(name: str) -> str:
    """The lower-case extension with its dot ('' when none)."""
    base = re.split(r"[/\\]", name)[-1]
    return "." + base.rsplit(".", 1)[1].lower() if "." in base.strip(".") else ""


def safe_name(name: str, fallback: str) -> tuple[str, list[str]]:
    """A name safe to create in one folder on Linux, Windows and macOS, and the notes saying
    what had to change. The last path component only (zip-slip, absolute paths, `..`); no
    control or reserved characters; not hidden (the inbox skips dot files); not a reserved
    device name; at most MAX_NAME_BYTES in UTF-8 with the extension kept."""
    notes: list[str] = []
    text = unicodedata.normalize("NFC", name).replace("\x00", "")
    parts = [p for p in re.split(r"[/\\]+", text) if p not in ("", ".", "..")]
    base = parts[-1] if parts else ""
    unsafe = ".." in re.split(r"[/\\]+", text) or text.startswith(("/", "\\")) \
        or re.match(r"[A-Za-z]:", text) is not None
    if unsafe:  # zip-slip or an absolute path; a plain folder inside a zip is normal
        notes.append(f"原名含路径“{name}”，只保留文件名")
    cleaned = _BAD_CHARS.sub("_", base).strip().rstrip(". ").lstrip(".~$ ")
    if cleaned != base and base:
        notes.append("文件名中的特殊字符已替换")
    if not cleaned or cleaned.startswith("."):
        cleaned = fallback
        notes.append(f"文件名无效，改名为 {fallback}")
    stem, ext_part = cleaned, ""
    if "." in cleaned and len(cleaned.rsplit(".", 1)[1].encode()) <= 16:
        stem, ext = cleaned.rsplit(".", 1)
        ext_part = f".{ext}"
    if stem.split(".")[0].strip().lower() in _RESERVED:  # CON.xlsx is CON to Windows too
        stem = f"_{stem}"
        notes.append("文件名是系统保留名，已在前面加“_”")
    if len((stem + ext_part).encode()) > MAX_NAME_BYTES:
        budget = MAX_NAME_BYTES - len(ext_part.encode())
        stem = stem.encode()[:budget].decode("utf-8", "ignore")
        notes.append("文件名过长，已截短")
    return stem + ext_part, notes
