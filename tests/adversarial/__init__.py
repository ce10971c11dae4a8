"""The adversarial inbox: bad and odd inputs generated in code (corpus.py), run through the CLI."""
