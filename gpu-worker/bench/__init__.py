"""Benchmarks of the worker (print figures, assert nothing): `python -m bench.cpu_bench`,
`python -m bench.gpu_check` (or `bench/gpu_check.sh` on a GPU host)."""
