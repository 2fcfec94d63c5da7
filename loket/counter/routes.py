"""Counter pages for officers (filled in by the counter issue)."""
from flask import render_template

from loket.auth.models import OFFICER
from loket.counter import bp
from loket.web import role_required


@bp.route("/")
@role_required(OFFICER)
def index():
    return render_template("counter/index.html")
