"""Alembic migrations of the store (a package so setuptools ships env.py and versions/)."""
