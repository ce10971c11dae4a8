"""District-scale benchmark of `orglife consolidate` (`python -m bench`, `make bench`).

generate.py makes the synthetic inboxes (cached), child.py is what each measured subprocess
runs, measure.py runs and measures a child, report.py turns figures into ratios and targets.
"""
