"""orglife: 专题组织生活会和民主评议党员 — templates, validation and the filing workbook."""

__version__ = "0.1.0"
