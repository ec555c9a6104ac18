"""Survey tasks (issue 5: none yet; the estimation engine is in estimation.py)."""
