"""Benchmarks for `make bench`: each `bench/bench_*.py` module contributes figures."""
