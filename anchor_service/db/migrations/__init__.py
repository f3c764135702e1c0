"""Alembic migrations (a package so ``env.py`` is installed with the wheel)."""
