"""Views of the kiosk area (filled in by its issue)."""
from loket.kiosk import bp  # noqa: F401
