"""The one versioned write of a journal cell — a mark, an attendance entry, a period mark, a
lesson's homework (DESIGN §3: no lost update).

A save names the ``version`` of the cell it was based on (0 for an empty cell). The cell is read
locked until the transaction ends; if it changed meanwhile, ``StaleEntry`` carries what is saved
now and nothing is written. Two first saves of one empty cell at the same moment (teacher and
substitute, two tabs) both read "empty"; the database's unique constraint refuses the second
insert, which is then told the cell changed, as any stale save — never a server error. Unless
the winner holds what the loser meant to save: that is a double submit racing itself, and it
is answered as one (docs/api.md "Versions": sending the value already saved is not a conflict;
issue 16, finding 5) — nothing written, nothing audited, the winner returned.
"""

from __future__ import annotations

from django.db import IntegrityError, models, transaction


class StaleEntry(Exception):
    """The cell changed since the user saw it: ``current`` is the entry saved now (None if it
    was deleted). Nothing was written."""

    def __init__(self, current):
        super().__init__("stale")
        self.current = current


class VersionedCell:
    """A cell of the journal: the entries of ``same`` (at most one, by a unique constraint),
    read locked by ``read``."""

    def __init__(self, same: models.QuerySet):
        self.same = same
        self.entry = None

    @classmethod
    def read(cls, same: models.QuerySet) -> VersionedCell:
        """The cell with its entry (None when empty), locked until the transaction ends.
        ``same`` names the school: on Citus a row is locked only by its shard's key."""
        cell = cls(same)
        cell.entry = same.select_for_update().first()
        return cell

    def check(self, version: int) -> None:
        """``StaleEntry`` unless the change is based on the entry saved now."""
        current = self.entry.version if self.entry is not None else 0
        if current != version:
            raise StaleEntry(self.entry)

    def save(self, entry: models.Model, *, content: tuple[str, ...]) -> bool:
        """Save ``entry`` (the cell's, changed, or a new one with ``version`` set); True when
        written. A first insert that loses to a concurrent one is a ``StaleEntry`` with the
        winner — unless the winner's ``content`` (the fields the user entered) equals the
        entry's: then nothing is written, ``self.entry`` is the winner and the answer False
        (already so, a double submit)."""
        if entry.pk is not None:
            entry.save()
            return True
        try:
            with transaction.atomic():  # a savepoint: the outer transaction survives a refusal
                entry.save()
        except IntegrityError:
            # Read committed: this statement sees the winner, committed by now.
            winner = self.same.first()
            if winner is None or _content(winner, content) != _content(entry, content):
                raise StaleEntry(winner) from None
            self.entry = winner
            return False
        return True


def _content(entry: models.Model, fields: tuple[str, ...]) -> tuple:
    return tuple(getattr(entry, field) for field in fields)
