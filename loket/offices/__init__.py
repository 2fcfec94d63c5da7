"""Offices (unit layanan): each has its own Standar Pelayanan, services, counters, officers,
numbering and reports; kiosks and displays serve one office or several.

`models` holds the Office row, `scope` says which offices a staff member may see and touch.
"""
