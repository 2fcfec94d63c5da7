"""Cases (berkas): requests that outlive the visit, tracked against the standard's promised days.

`milestones` reads a service's case milestones from its stored standard; `calendar` computes their
due dates from the office calendar; `models` keeps the cases and `core` changes them (no HTTP here);
`notify` mails the contact person who agreed to it (imported here: it subscribes to every app's events).
"""
from loket.cases import notify  # noqa: F401,E402
