"""Benchmarks (`make bench`): each module `bench/bench_*.py` defines `run(report)` and prints its figures
as ratios against a floor measured in the same run on the same engine, plus the absolute numbers.
"""
