"""Benchmarks for Kommunalschutz, run with ``make bench`` (``python -m bench``).

They measure; they never assert timings. Results go to bench/results/latest.json and are
summarised in docs/benchmarks.md. Every load is sent to 127.0.0.1 only, every loop is
bounded in count and time, and every server the bench starts is stopped by the bench.
"""
