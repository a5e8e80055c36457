"""The screening benchmark's parts (run through bench/screen.py)."""
