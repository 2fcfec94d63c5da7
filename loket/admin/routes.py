"""Views of the admin area (filled in by its issue)."""
from loket.admin import bp  # noqa: F401
