"""Loket's benchmarks: `python -m bench` (the speed table of issue 13, each figure against a floor
measured in the same run), plus the older scripts `bench/servers.py` and `bench/mall_day.py`.
"""
