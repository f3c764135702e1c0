"""Database layer: models, engines and sessions, repositories, migrations."""

from anchor_service.db.models import ApiKey, Entry, LogState, Role
from anchor_service.db.session import Database, unit_of_work

__all__ = ["ApiKey", "Database", "Entry", "LogState", "Role", "unit_of_work"]
