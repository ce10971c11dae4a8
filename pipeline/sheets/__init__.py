"""The middle stage: each located sheet parsed once into typed rows (one parser per sheet
kind), and a branch prepared into one frozen value (`prepare.Prepared`) that rules and
consolidation read."""
