"""Alembic's entry point for this database: everything is in ``migrations.versions``."""
from alembic import context

from migrations.versions import run_environment

run_environment(context, "agdref")
