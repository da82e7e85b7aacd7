"""The read models of the archive (DESIGN §5, "queries" layer): the documents of a class
(``journal``), the tables of the archive package (``tables``) and the archive's page
(``pages``)."""

from .journal import (
    CLASS_RELATED,
    LESSONS_PER_PAGE,
    ClassJournal,
    class_journal,
    director_name,
    report_cards,
)
from .pages import ArchiveIndex, archive_index
from .tables import ExportTable, export_tables

__all__ = [
    "CLASS_RELATED",
    "LESSONS_PER_PAGE",
    "ArchiveIndex",
    "ClassJournal",
    "ExportTable",
    "archive_index",
    "class_journal",
    "director_name",
    "export_tables",
    "report_cards",
]
