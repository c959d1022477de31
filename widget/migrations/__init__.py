"""Alembic revisions of the schema in ``widget.schema``, applied by ``flask rtr db upgrade``.

To change the schema: edit ``widget/schema.py``, then ``flask --app widget rtr db revision -m "what"``
against a database at the current head, and read the generated file (SQLite needs batch mode,
which it renders; data moves are yours to write). ``tests/test_migrations.py`` checks that the
revisions from the first one build exactly what ``schema.py`` declares.
"""
