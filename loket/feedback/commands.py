"""`loket privacy …`: personal-data housekeeping (UU 27/2022: delete when retention ends).

`loket privacy purge` removes names and contacts from complaints older than the retention period, and the
contact person and email of cases (berkas) closed as long ago.
"""
from __future__ import annotations

import click


@click.group(help="Personal data housekeeping (complaint and case contact details).")
def privacy():
    pass


@privacy.command("purge", help="Remove name and contact details from complaints received more than "
                               "LOKET_CONTACT_RETENTION_DAYS (default 90) days ago, and the contact person "
                               "and email of cases (berkas) closed as long ago. The complaint and the case "
                               "themselves, their status and history are kept.")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Retention in days (overrides LOKET_CONTACT_RETENTION_DAYS).")
def purge(days: int | None):
    from loket.cli import app_context  # late: loket.cli imports this module

    with app_context():
        _run(days)


def _run(days: int | None) -> None:
    from loket.feedback import complaints

    keep = complaints.retention_days() if days is None else days
    purged = complaints.purge_personal_data(days=days)  # without --days: each office's own retention
    click.echo(f"Removed contact details from {purged['complaints']} complaint(s) received and "
               f"{purged['cases']} case(s) closed more than {keep} days ago.")


group = privacy
