"""Logins and one-time passwords for students, guardians and staff (issue: credentials issuance).

A class teacher or the administrator issues them (DESIGN §1, §4: "issues credentials to its
parents and students"); the password is shown once and printed on slips, never stored in the
clear anywhere; reissuing invalidates the old password, ends the person's sessions and revokes
their API tokens. Students get a login only from the school's configured age (seed 002, 3.3.2);
the one-time password must be changed at the first login (``User.must_change_password``).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.school.calendar import clamp_to_year, school_today
from zhurnal.school.models import Enrollment, Guardian, SchoolClass, Staff, Student
from zhurnal.school.rosters import enrolled_on

from . import events, linking
from .models import ApiToken, Membership, Role, User, new_session_stamp

Person = Staff | Student | Guardian

# Passport-style transliteration (ICAO Doc 9303, used in Russian foreign passports since 2014;
# close to GOST R 52535.1-2006). Only what a login needs: lower-case letters.
TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu",
    "я": "ia",
}  # fmt: skip

# No 0/o, 1/l/i: the password is read from paper and typed by a parent.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 10
USERNAME_MAX = 150


def transliterate(text: str) -> str:
    """Russian (or Latin) text as lower-case ASCII letters and digits; anything else dropped."""
    out = []
    for ch in text.lower():
        if ch in TRANSLIT:
            out.append(TRANSLIT[ch])
        elif ch.isascii() and ch.isalnum():
            out.append(ch)
    return "".join(out)


def base_username(person: Person) -> str:
    """ "ivanova.mp" for Иванова Мария Петровна: last name, a dot, initials."""
    last = transliterate(person.last_name)[:40]
    initials = "".join(transliterate(p[:1]) for p in (person.first_name, person.middle_name) if p)
    base = ".".join(p for p in (last, initials) if p)
    return base or "user"


def _free_username(base: str) -> str:
    """``base`` or ``base2``, ``base3``…: the first not taken (one query)."""
    taken = set(User.objects.filter(username__istartswith=base).values_list("username", flat=True))
    taken = {name.lower() for name in taken}
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def generate_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def ensure_user(person: Person) -> User:
    """The person's login, created on first use with a generated username, the person's name
    and an unusable password (a password comes only from ``issue_credentials``)."""
    if person.user_id is not None:
        return person.user
    base = base_username(person)
    for _attempt in range(5):
        username = _free_username(base)
        try:
            with transaction.atomic():
                user = User(
                    username=username,
                    last_name=person.last_name,
                    first_name=person.first_name,
                    middle_name=person.middle_name,
                    email=person.email or "",
                )
                user.set_unusable_password()
                user.save()
        except IntegrityError:
            continue  # taken meanwhile by a concurrent issue: look again
        person.user = user
        person.save(update_fields=["user"])
        return user
    raise RuntimeError(f"Could not find a free username for {base!r}")


@dataclass
class IssuedCredential:
    """One line of the result page and one slip. ``password`` is empty when skipped."""

    person: Person
    role: str
    username: str = ""
    password: str = ""
    skipped_reason: str = ""
    # Where the school uses the region's provider: the one-time code that links an account
    # there to this login (issue 17, ``linking``).
    linking_code: str = ""

    @property
    def issued(self) -> bool:
        return not self.skipped_reason


def kind_of(person: Person) -> str:
    if isinstance(person, Student):
        return "student"
    if isinstance(person, Guardian):
        return "guardian"
    return "staff"


ROLE_OF_KIND = {"student": Role.STUDENT, "guardian": Role.PARENT}


def role_label(person: Person) -> str:
    kind = kind_of(person)
    if kind == "staff":
        return str(_("staff member"))
    return str(ROLE_OF_KIND[kind].label)


def below_login_age(student: Student, day: date) -> bool:
    """Seed 002, 3.3.2: a student logs in only from the school's configured age."""
    return student.age_on(day) < student.school.student_min_age


def class_day(school_class: SchoolClass) -> date:
    """The day whose list a class page shows: today, kept within the class's year."""
    return clamp_to_year(school_today(school_class.school), school_class.year)


def classes_of(people: Iterable[Person], day: date) -> dict[tuple[str, int], set[int]]:
    """The classes each student (their own) and guardian (their children's) is in on ``day``.
    Two queries whatever the number of people."""
    student_ids = [p.pk for p in people if isinstance(p, Student)]
    guardian_ids = [p.pk for p in people if isinstance(p, Guardian)]
    found: dict[tuple[str, int], set[int]] = defaultdict(set)
    if student_ids:
        for student_id, class_id in Enrollment.objects.filter(
            enrolled_on(day), student_id__in=student_ids
        ).values_list("student_id", "school_class_id"):
            found[("student", student_id)].add(class_id)
    if guardian_ids:
        for guardian_id, class_id in Enrollment.objects.filter(
            enrolled_on(day), student__guardian_links__guardian_id__in=guardian_ids
        ).values_list("student__guardian_links__guardian_id", "school_class_id"):
            found[("guardian", guardian_id)].add(class_id)
    return found


def issue_credentials(
    *,
    people: Sequence[Person],
    actor: Actor,
    blocker: Callable[[Person], str],
) -> list[IssuedCredential]:
    """Give each person a login (created if missing) and a new one-time password.

    For each: the old password stops working, every session ends (new ``session_stamp``), API
    tokens are revoked, the password must be changed at the next login, the role (student or
    parent) is granted in the school, and the issue is audited — without the password. All in one
    transaction. Where the school uses the region's provider, each also gets a new linking
    code (``linking.new_linking_code``). Students below the school's login age are skipped with
    the reason, as are logins the actor may not reset (``blocker``: the caller's rule,
    ``access.reset_blocker``, gives the reason). The caller has checked the actor may issue to
    every one of ``people`` (``access.check_may_issue``). Staff get no role here: the
    administrator sets staff roles on the staff roles page.
    """
    prefetch_related_objects(list(people), "school", "user__memberships")
    results: list[IssuedCredential] = []
    to_issue: list[tuple[IssuedCredential, str]] = []
    for person in people:
        result = IssuedCredential(person=person, role=role_label(person))
        results.append(result)
        if isinstance(person, Student) and below_login_age(person, school_today(person.school)):
            result.skipped_reason = _("no login: under the age of %(age)s") % {
                "age": person.school.student_min_age
            }
            continue
        if reason := blocker(person):
            result.skipped_reason = reason
            continue
        result.password = generate_password()
        # Argon2 is slow by design (~0.15 s): hash before the transaction so that a class of
        # thirty families does not hold the database's write lock for seconds.
        to_issue.append((result, make_password(result.password)))

    now = timezone.now()
    regional = {
        school.pk
        for school in {person.school for person in people}
        if linking.school_uses_regional_sign_in(school)
    }
    with transaction.atomic():
        for result, password_hash in to_issue:
            person = result.person
            had_login = person.user_id is not None and person.user.has_usable_password()
            user = ensure_user(person)
            user.password = password_hash
            user.must_change_password = True
            user.session_stamp = new_session_stamp()
            user.save(update_fields=["password", "must_change_password", "session_stamp"])
            ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
            kind = kind_of(person)
            if kind in ROLE_OF_KIND:
                Membership.objects.get_or_create(
                    user=user, school_id=person.school_id, role=ROLE_OF_KIND[kind]
                )
            result.username = user.username
            if person.school_id in regional:
                result.linking_code = linking.new_linking_code(user, person.school)
            events.credentials_issued(
                person, actor=actor, username=user.username, kind=kind, reissued=had_login
            )
    return results
