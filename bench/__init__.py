"""How fast S3 Desk answers, measured against the bare frameworks in the same run.

`python -m bench` prints one table and writes it to bench/results/latest.md; see
docs/benchmarks.md. Nothing here is a test: the figures are for people to read.
"""
