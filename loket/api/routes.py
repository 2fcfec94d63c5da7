"""JSON API views (filled in by the kiosk issue)."""
from loket.api import bp  # noqa: F401
