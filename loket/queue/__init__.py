"""The queue domain: services, counters, tickets and their event log.

Lives inside the `loket` package on purpose: a top-level `queue` package would shadow the
standard library's `queue` module (used by threading, logging and Socket.IO).
"""
