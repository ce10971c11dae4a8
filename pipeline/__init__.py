"""orglife: 专题组织生活会和民主评议党员 — templates, validation and the filing workbook."""

import os

# python-docx (the .docx feedback notices) brings lxml, and openpyxl switches its XML writer
# to lxml whenever lxml is importable: the same workbook then gets different bytes (the demo
# inbox, every file a test writes). Keep openpyxl on its stdlib writer, whatever is installed.
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"

import os

# openpyxl switches to lxml whenever lxml is installed (python-docx brings it), and its lxml
# writer then emits docProps/core.xml with unbound dcterms/xsi prefixes once the modified time
# is set (openpyxl 3.1.5): not XML at all, and the inbox reader rightly refuses such files.
# Keep openpyxl on its standard-library writer; set before anything imports openpyxl.
os.environ.setdefault("OPENPYXL_LXML", "False")
