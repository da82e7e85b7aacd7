"""Backups as a product feature (issue 13; seed 002 §4.2, §5.2, §5.7–5.8): a consistent online
copy of the database and the uploaded files, with a SHA-256 manifest, written to at least two
destinations, kept by retention, scheduled by the worker, checked on the administrator's page,
and restored only when every checksum holds (`zhurnal backup`, `zhurnal restore`)."""
