"""Views of the display area (filled in by its issue)."""
from loket.display import bp  # noqa: F401
