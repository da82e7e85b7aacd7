"""A database backend for a Citus coordinator (``base.py``)."""
