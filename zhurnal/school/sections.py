"""What the apps above the school's structure add to its pages (DESIGN §5: a lower app never
imports a higher one; a higher app registers what it needs).

A class's page (``school.views.classes.class_detail``) shows the class's list, subgroups and
courses; the diary adds its progress report and the acknowledgements of term marks. A staff
member's card shows their record; accounts adds their roles in Zhurnal. A course's journal
(``COURSE_JOURNAL``) and a student's diary (``STUDENT_DIARY``, its tabs) take the control's
remarks and the school's work with the student (oversight). The later apps of the school's
year add theirs the same way: a function ``(user, obj, today) -> PageSection | None``
registered for a page in the app's ``AppConfig.ready``. A section is shown only to whom its
app's rules allow (None otherwise), and costs a bounded number of queries — none on the
journal and the diary, whose budgets are tight (a section there loads its data with htmx).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

CLASS_PAGE = "class"  # obj: a SchoolClass
STAFF_CARD = "staff"  # obj: a Staff
COURSE_JOURNAL = "journal"  # obj: a Course
STUDENT_DIARY = "diary"  # obj: a Student (the actions are the diary's tabs)


@dataclass(frozen=True)
class PageAction:
    """A button at the top of the page."""

    label: str
    url: str


@dataclass(frozen=True)
class PageSection:
    """One app's part of a page: buttons, and a block (``template`` given ``data``)."""

    actions: tuple[PageAction, ...] = ()
    template: str = ""
    data: dict[str, Any] = field(default_factory=dict)


SectionFunction = Callable[[Any, Any, date], PageSection | None]
_SECTIONS: dict[str, list[SectionFunction]] = {
    CLASS_PAGE: [],
    STAFF_CARD: [],
    COURSE_JOURNAL: [],
    STUDENT_DIARY: [],
}


def register(page: str, section: SectionFunction) -> SectionFunction:
    """Add a section to every page of a kind (once, whatever the number of calls)."""
    if section not in _SECTIONS[page]:
        _SECTIONS[page].append(section)
    return section


def sections_for(page: str, user, obj, today: date) -> list[PageSection]:
    """The sections ``user`` sees on the page of ``obj``, in registration order."""
    found = (section(user, obj, today) for section in _SECTIONS[page])
    return [section for section in found if section is not None]
