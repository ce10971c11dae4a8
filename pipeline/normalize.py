"""Pure normalisation of cell values: text, names, headers, grades, dates, counts."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from typing import Any

# Zero-width characters and BOM that survive copy-paste from web pages and WeChat.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff]")
# Separators people use to put several names or numbers in one cell.
LIST_SPLIT = re.compile(r"[、,，/;；\s]+")

# An inbox repeats the same few texts (names, grades, 出席, headers) millions of times, so the
# text functions keep their results for str cells (bounded; numbers and dates are not kept).
# ASCII text needs no NFKC and holds no invisible character: it is only trimmed.
_CACHE = 1 << 17


@functools.lru_cache(maxsize=_CACHE)
def _clean_unicode(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()


def _clean_str(text: str) -> str:
    return text.strip() if text.isascii() else _clean_unicode(text)


@functools.lru_cache(maxsize=_CACHE)
def _fold_str(text: str) -> str:
    return _SPACES.sub("", _clean_str(text))


@functools.lru_cache(maxsize=_CACHE)
def _name_str(text: str) -> str:
    text = _clean_str(text).replace("（", "(").replace("）", ")")
    if _HAN.search(text):
        return _SPACES.sub("", text)
    return _SPACES.sub(" ", text)


def is_blank(value: Any) -> bool:
    """None, NaN, empty or whitespace-only text."""
    if value is None:
        return True
    if value.__class__ is str:
        return not value or not _clean_str(value)
    if isinstance(value, float) and value != value:
        return True
    if isinstance(value, str):
        return clean_text(value) == ""
    return False


def clean_text(value: Any) -> str:
    """Cell → text: NFKC (full-width → half-width, NBSP → space), invisible characters out,
    trimmed. Whole-number floats lose their '.0' (Excel stores every number as a double)."""
    if value.__class__ is str:
        return _clean_str(value)
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    return _clean_str(str(value))


def text(value: Any) -> str:
    """A cell as the user typed it, for messages and the filing: no NFKC (例：stays 例：,
    Chinese punctuation stays), invisible characters out, trimmed; whole-number floats lose
    '.0' (Excel stores numbers as doubles); a date at midnight is its date."""
    if value.__class__ is str:
        return value.translate(_INVISIBLE).strip()
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).translate(_INVISIBLE).strip()


def fold(value: Any) -> str:
    """Comparison key: clean_text without any whitespace (headers, grades, choice values)."""
    if value.__class__ is str:
        return _fold_str(value)
    return _SPACES.sub("", clean_text(value))


def clean_name(value: Any) -> str:
    """A person's name: spaces inside Chinese names are typing noise, so they go.

    Latin names keep single inner spaces ("Li Ming"). Brackets are folded to ASCII so that
    王伟（2） and 王伟(2) are the same person."""
    if value.__class__ is str:
        return _name_str(value)
    text = clean_text(value).replace("（", "(").replace("）", ")")
    if _HAN.search(text):
        return _SPACES.sub("", text)
    return _SPACES.sub(" ", text)


def normalize_grade(value: Any, grades: tuple[str, ...], aliases: dict[str, str]) -> str | None:
    """Return the grade a vote or grading cell means, '' for blank, None when unknown (R-B1)."""
    key = fold(value)
    if key == "":
        return ""
    for grade in grades:
        if key == fold(grade):
            return grade
    for alias, grade in aliases.items():
        if key == fold(alias):
            return grade
    return None


# --- dates ------------------------------------------------------------------------------

_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+[\d:]+)?$")
_MD = re.compile(r"^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class DateError(ValueError):
    """A value that is not a date; args[0] is a Chinese explanation."""


def from_serial(serial: float, date1904: bool = False) -> dt.date:
    """Excel serial → date, honouring the 1904 system and Excel's fictitious 1900-02-29."""
    if serial != serial or serial < 1 or serial >= 2958466:
        raise DateError(f"数值 {serial:g} 不是有效的 Excel 日期")
    days = int(serial)
    if date1904:
        return _EPOCH_1904 + dt.timedelta(days=days)
    if days == 60:
        raise DateError("Excel 序列号 60 对应 1900-02-29，这一天并不存在")
    if days < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=days)
    return _EPOCH_1900 + dt.timedelta(days=days)


def parse_date(value: Any, year: int, date1904: bool = False) -> dt.date | None:
    """Cell → date. None for blank; DateError (Chinese) when the value is not a date.

    Accepts date/datetime cells, Excel serials, 2017/3/20, 2017-3-20, 2017.3.20,
    2017年3月20日, 20170320, and 3月20日 or 3/20 (read in the campaign year)."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise DateError(f"“{value}”不是日期")
    if isinstance(value, (dt.time, dt.timedelta)):
        # a date-formatted 0, negative number or fraction reads as a time of day: "00:00:00"
        # named nothing an office worker typed (issue #10, case 19)
        raise DateError("单元格中是 0、负数或小数（Excel 显示为时间），不是日期；"
                        f"请输入日期，如 {year}/3/20")
    if isinstance(value, (int, float)):
        return from_serial(float(value), date1904)
    text = clean_text(value)
    try:
        if m := _YMD.match(text) or _COMPACT.match(text):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _MD.match(text):
            return dt.date(year, int(m.group(1)), int(m.group(2)))
        if re.fullmatch(r"\d+(\.\d+)?", text):
            return from_serial(float(text), date1904)
    except ValueError:
        raise DateError(f"“{text}”不是存在的日期") from None
    raise DateError(f"“{text}”不是日期")


def out_of_campaign(d: dt.date, year: int) -> str:
    """Why `d` cannot be a date of the campaign of `year` ('' when it can): a date cell typed
    as a small number (60 is 1900-02-29) or a wrong year reads as a real but absurd date.
    Allowed: the year before the campaign to ten years after (整改 may run for years)."""
    if year - 1 <= d.year <= year + 10:
        return ""
    return f"{d.isoformat()} 不在本次活动的时间范围内（{year - 1} 年至 {year + 10} 年）"


def read_date(value: Any, year: int) -> tuple[dt.date | None, str]:
    """(date, '') / (None, '') for blank / (None, Chinese reason) when not a date, or not a
    date of the campaign of `year` (1900-02-28 from a mistyped serial)."""
    try:
        date = parse_date(value, year)
    except DateError as exc:
        return None, str(exc.args[0])
    if date is not None and (why := out_of_campaign(date, year)):
        return None, why
    return date, ""


def parse_count(value: Any) -> int | None:
    """A head count or vote count: None for blank; ValueError when not a whole number ≥ 0."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = clean_text(value).removesuffix("人").removesuffix("票").strip()
        number = float(text)
    if number < 0 or not number.is_integer() or number > MAX_COUNT:
        raise ValueError(value)
    return int(number)


MAX_COUNT = 100_000  # no meeting or ballot of a 党总支 counts more (1e10 was accepted: #10, 19)


# --- showing dates ------------------------------------------------------------------------
# Two spellings on purpose: messages quote ISO dates (2017-03-20, as found/expected values);
# the filing's own text writes dates as Chinese offices do (2017/3/31).

BEIJING = dt.timezone(dt.timedelta(hours=8))


def iso_day(d: dt.date) -> str:
    """2017-03-20: dates inside validation messages."""
    return d.isoformat()


def office_day(d: dt.date) -> str:
    """2017/3/31, as Chinese offices write dates (the filing's own text)."""
    return f"{d.year}/{d.month}/{d.day}"


def local_time(t: dt.datetime | None) -> dt.datetime | None:
    """Saved times come as aware UTC; deadlines are Beijing dates (UTC+8). Naive times are
    taken as already local."""
    if t is None or t.tzinfo is None:
        return t
    return t.astimezone(BEIJING).replace(tzinfo=None)


# Operating-system errors as an office worker reads them ("无法写入 …：No such file or
# directory" was half English: issue #10, case 17).
_OS_REASONS = {
    "ENOENT": "文件或文件夹不存在",
    "EACCES": "没有权限",
    "EPERM": "没有权限",
    "EROFS": "磁盘是只读的",
    "ENOSPC": "磁盘空间不足",
    "EDQUOT": "磁盘配额已用完",
    "EISDIR": "这是一个文件夹，不是文件",
    "ENOTDIR": "路径中有一部分不是文件夹",
    "ENAMETOOLONG": "文件名太长",
    "EEXIST": "文件已存在",
    "EBUSY": "文件正被其他程序使用",
    "ETXTBSY": "文件正被其他程序使用",
    "ELOOP": "链接循环指向自身",
    "EIO": "磁盘读写错误",
    "EINVAL": "文件名或路径无效",
}


def os_reason(exc: OSError) -> str:
    """A Chinese reason for an OSError (its errno), the system's text when unknown."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return _OS_REASONS.get(name) or exc.strerror or str(exc)
