"""What a file that is neither a zip nor a CFB container is, said in Chinese (R-F1)."""

from __future__ import annotations

# --- what a non-workbook is ---------------------------------------------------------------

_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF 文件"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"BM", "BMP 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"{\\rtf", "RTF 文档"),
    (b"MZ", "可执行程序"),
    (b"\x00\x00\x00\x18ftyp", "视频文件"),
    (b"\x00\x00\x00\x20ftyp", "视频文件"),
    (b"ID3", "音频文件"),
)


def describe_other(data: bytes) -> str:
    """A Chinese reason for content that is neither a zip nor a CFB container."""
    for magic, what in _OTHER_MAGIC:
        if data.startswith(magic):
            return f"这是{what}，不是 Excel/WPS 表格"
    head = data[:4096]
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                       (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom):].decode(codec, "ignore")
            break
    else:
        text = head.decode("utf-8", "ignore") or head.decode("gb18030", "ignore")
    lowered = text.lstrip().lower()
    if lowered.startswith("<"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in lowered:
            return ("这是“XML 表格 2003”格式，请在 Excel/WPS 中“另存为” .xlsx 后重新报送")
        if "<html" in lowered or "<!doctype html" in lowered or "<table" in lowered:
            return ("这是网页（HTML）格式的文件，只是扩展名像表格；"
                    "请在 Excel/WPS 中“另存为” .xlsx 后重新报送")
        return "这是 XML/网页文本，不是 Excel/WPS 表格"
    if _looks_like_text(head):
        return "这是纯文本文件（如 CSV/TXT），不是 Excel/WPS 表格；请用 .xlsx 报送"
    return "无法识别的文件内容，不是 Excel/WPS 表格"


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    for codec in ("utf-8", "gb18030"):
        try:
            text = head.decode(codec)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return printable >= 0.95 * len(text)
    return False


# --- zip containers: xlsx / xlsm / xlsb / ods ----------------------------------------------

# A sheet with a formula has "f>" (the end of </f> or </x:f>; a self-closing shared formula
# <f t="shared" si="0"/> always has a master cell with a closing tag). One substring test in
