"""The office's Standar Pelayanan kept as data: the loader and the public pages that show it.

`standar-pelayanan.toml` is the bundled standard of Bagian PBJ Setda Kab. Klungkung.
"""
from flask import Blueprint

bp = Blueprint("catalogue", __name__, template_folder="../templates")

from loket.catalogue import routes  # noqa: E402,F401
