"""The demo campaign beside the package: a synthetic roster, filled branch workbooks sent in
stages (demo.inbox), and the fill code the benchmark reuses (demo.scenario, demo.fill)."""
