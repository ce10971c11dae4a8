# orglife — every target sets up .venv first (again whenever pyproject.toml changes).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CONFIG ?= workbooks/campaign.toml
INBOX  ?= workbooks/inbox
OUT    ?= outputs

.PHONY: all templates demo consolidate validate status test bench lint clean returns

all: consolidate

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

templates: $(STAMP)
	$(BIN)/orglife templates --config $(CONFIG) -o $(OUT)/templates

demo: $(STAMP)
	$(BIN)/python -m demo --config $(CONFIG)

consolidate: $(STAMP)
	$(BIN)/orglife consolidate $(INBOX) --config $(CONFIG) -o $(OUT)

validate: $(STAMP)
	$(BIN)/orglife validate $(INBOX) --config $(CONFIG) --report $(OUT)/校验报告.xlsx

status: $(STAMP)
	$(BIN)/orglife status $(INBOX) --config $(CONFIG)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The district-scale consolidate run, then the scanned-ballot accuracy table (bench/scan.py).
bench: $(STAMP)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.scan --config $(CONFIG) --out $(OUT)/bench-scan.json

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests bench demo
	$(BIN)/mypy pipeline

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
	find . -name __pycache__ -prune -exec rm -rf {} +

# --- mail targets ---
.PHONY: collect
collect: $(STAMP)
	$(BIN)/orglife collect --imap -o $(INBOX) --config $(CONFIG) --log $(OUT)/收件记录.xlsx

returns: $(STAMP)
	$(BIN)/orglife returns $(INBOX) --config $(CONFIG) -o $(OUT)/退回

# --- followup targets (总支审核, 反馈, 公示) ---
.PHONY: review feedback publicity
review: $(STAMP)
	$(BIN)/orglife review $(INBOX) --config $(CONFIG)

feedback: $(STAMP)
	$(BIN)/orglife feedback $(INBOX) --config $(CONFIG) -o $(OUT)/反馈

publicity: $(STAMP)
	$(BIN)/orglife publicity $(INBOX) --config $(CONFIG) -o $(OUT)/公示

.PHONY: ballots bench-scan
ballots: $(STAMP)
	$(BIN)/orglife ballots --config $(CONFIG) -o $(OUT)/测评表

bench-scan: $(STAMP)
	$(BIN)/python -m bench.scan --config $(CONFIG) --out $(OUT)/bench-scan.json
