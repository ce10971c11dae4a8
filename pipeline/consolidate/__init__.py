"""Consolidation: prepared branches and the validation issues → the Filing (results, lists,
stages, summary). Reads sheets/ values; never writes a file."""
