"""Views of the feedback area (filled in by its issue)."""
from loket.feedback import bp  # noqa: F401
