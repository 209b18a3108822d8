"""Schema versions (Alembic) of what the project owns in both databases: ``versions`` runs them,
``anef/`` and ``agdref/`` hold each database's history."""
