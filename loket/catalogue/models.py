"""The office a standard belongs to lives in `loket.offices.models`; re-exported here for the loader."""
from loket.offices.models import Office  # noqa: F401
