"""Return packages (退回修改, SPEC §9): back to the branches, marked up, with a notice."""

from pipeline.returns.build import Package, Returns, build_returns, write_returns
from pipeline.returns.package import ReturnsError

__all__ = ["Package", "Returns", "ReturnsError", "build_returns", "write_returns"]
