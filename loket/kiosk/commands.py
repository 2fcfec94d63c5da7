"""`loket kiosk …`: kiosk settings from the command line.

`loket kiosk key KIOSK` prints the API key an integration sends (header X-Kiosk-Key) to issue as KIOSK.
"""
from __future__ import annotations

import click


@click.group(help="Kiosks at the entrance.")
def kiosk():
    pass


@kiosk.command("key", help="Print KIOSK's API key: an API client sends it in the X-Kiosk-Key header to issue "
                           "tickets as KIOSK (its printer, its rate limit). Changing LOKET_SECRET_KEY "
                           "gives every kiosk a new key.")
@click.argument("kiosk_id", metavar="KIOSK")
def key(kiosk_id: str):
    from loket.kiosk.keys import api_key
    from loket.printers.commands import _app_context, _kiosk

    with _app_context():
        click.echo(api_key(_kiosk(kiosk_id).id))


group = kiosk
