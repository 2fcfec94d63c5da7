"""`loket printer …`: check a kiosk's ticket printer from the command line.

`loket printer test KIOSK` prints a test ticket and says whether it came out; `preview` writes a PNG.
"""
from __future__ import annotations

import sys

import click


def _app_context():
    from loket.cli import app_context  # late: loket.cli imports this module

    return app_context()


def _kiosk(kiosk_id: str):
    from loket.kiosk import core as kiosk_core
    from loket.queue.errors import QueueError

    try:
        return kiosk_core.get_kiosk(kiosk_id)
    except QueueError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)


@click.group(help="Kiosk ticket printers.")
def printer():
    pass


@printer.command("test", help="Print a test ticket on KIOSK's printer now (recorded as a print job) and "
                              "report whether the printer took it. Exit status 1 when it failed.")
@click.argument("kiosk_id", metavar="KIOSK")
def test(kiosk_id: str):
    from loket.printers import describe, jobs
    from loket.printers.models import SENT

    with _app_context():
        kiosk = _kiosk(kiosk_id)
        if not kiosk.printer:
            click.echo(f"Error: kiosk {kiosk.id} has no printer configured", err=True)
            sys.exit(2)
        click.echo(f"Kiosk {kiosk.id}: {describe(kiosk.printer)}")
        job = jobs.submit(kiosk, jobs.test_slip(kiosk), kind="test", background=False)
        if job.status == SENT:
            click.echo(f"Printed test ticket (job {job.id}, {len(job.payload)} bytes).")
            return
        click.echo(f"Error: test ticket not printed (job {job.id}): {job.last_error}", err=True)
        sys.exit(1)


@printer.command("preview", help="Write KIOSK's test ticket as a PNG image (what its paper width looks like).")
@click.argument("kiosk_id", metavar="KIOSK")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default="ticket-preview.png",
              show_default=True)
def preview(kiosk_id: str, out: str):
    from loket.printers import PAPER_PROFILES, jobs, render_preview_png

    with _app_context():
        kiosk = _kiosk(kiosk_id)
        paper = (kiosk.printer or {}).get("paper") or "80mm"
        png = render_preview_png(jobs.test_slip(kiosk), paper=paper if paper in PAPER_PROFILES else "80mm")
    with open(out, "wb") as fh:
        fh.write(png)
    click.echo(f"Wrote {out} ({len(png)} bytes)")


group = printer
