"""The bottom stage: bytes → RawWorkbook (sniffing, guards, ooxml, ods, cfb/xls), table
location, the inbox scan and the office roster. Imports nothing above it."""

from pipeline.read.book import read_bytes, read_path
from pipeline.read.raw import (
    PASSWORD_MESSAGE,
    NotSpreadsheet,
    RawSheet,
    RawWorkbook,
    UnreadableFile,
)

__all__ = ["PASSWORD_MESSAGE", "NotSpreadsheet", "RawSheet", "RawWorkbook", "UnreadableFile",
           "read_bytes", "read_path"]
