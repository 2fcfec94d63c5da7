"""The officer's counter page: call next, recall, serve, transfer, close; and the counter's
customer-facing rating screen.

The blueprint `bp` is registered by `loket.create_app`; views live in `routes.py`, what they show and
do in `desk.py` (queue, visitor, today's counts) and `rating.py` (one-time rating requests).

How the rating screen (`/counter/<id>/rate`) is authorised: the officer's desk links to it with a
pairing key in the address (`?key=…`, the counter id signed with the app's secret key, one per
counter). Opening that address on the tablet or second screen remembers the pairing in the browser's
signed session cookie (and drops the key from the address bar), so the screen needs no officer login
and shows no officer controls; bookmark the keyed address to pair again after a browser restart.
An officer assigned to the counter may open it too. Anyone else is sent to the login (anonymous) or
refused (403). Changing LOKET_SECRET_KEY revokes every pairing. A visitor cannot rate twice: each
closed case opens one request that takes exactly one tap (a conditional UPDATE claims it) and
expires by itself after LOKET_RATING_TIMEOUT seconds (default 60).
"""
from flask import Blueprint

bp = Blueprint("counter", __name__, url_prefix="/counter")

from loket.counter import routes  # noqa: E402,F401
