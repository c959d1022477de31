"""Shared machinery of the benchmarks: child processes, the app under gunicorn, receivers, tables."""
