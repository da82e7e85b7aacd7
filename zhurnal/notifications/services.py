"""Telling people (issue 5, "Notifications"): in the app and by e-mail, as each user chose.

``notify`` makes the in-app notification and queues the e-mail; ``add_to_digest`` collects
lines (new marks) that go out together once the digest's delay has passed. E-mails are sent by
the ``deliver`` task after the transaction that caused them commits, retried with growing
pauses when the mail server fails, and never sent twice (``tasks.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhurnal.accounts.memberships import memberships_of
from zhurnal.accounts.models import STAFF_ROLES, Role
from zhurnal.school.calendar import school_today
from zhurnal.school.models import School, Student, StudentGuardian

from .models import DeliveryStatus, DigestItem, EmailDelivery, Kind, Notification, Preference

# Pauses between attempts at an e-mail, then it is marked failed (the administrator sees it
# and may send it again).
RETRY_PAUSES = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)


@dataclass(frozen=True)
class Choice:
    in_app: bool = True
    email: bool = True


def choices_of(user_ids, kind: str) -> dict[int, Choice]:
    """Each user's choice for ``kind`` (both channels unless they turned one off); one query."""
    chosen = {
        user_id: Choice(in_app, email)
        for user_id, in_app, email in Preference.objects.filter(
            user_id__in=list(user_ids), kind=kind
        ).values_list("user_id", "in_app", "email")
    }
    return {user_id: chosen.get(user_id, Choice()) for user_id in user_ids}


def diary_today_url(student_id: int) -> str:
    """The address of a diary's current week opened at today's day (issue 5, "today opens on
    the right day"): on a 360-px phone the days are stacked and today may be below the screen;
    the ``#today`` fragment scrolls there without a script (week.html marks the day
    ``id="today"``). Links to the current week in code end so, and so do the templates'."""
    return reverse("diary:week", kwargs={"student_id": student_id}) + "#today"


def recipients_of(student: Student) -> list:
    """Who is told about a student: their guardians with a login, and the student themself
    with a login from the school's age (seed 002, 3.3.2)."""
    users = [
        link.guardian.user
        for link in StudentGuardian.objects.filter(
            student=student, guardian__user__isnull=False, guardian__user__is_active=True
        ).select_related("guardian__user")
    ]
    school = student.school
    if (
        student.user_id
        and student.user.is_active
        and student.age_on(school_today(school)) >= school.student_min_age
    ):
        users.append(student.user)
    return users


def notify(
    *,
    users,
    school: School,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    attachment: tuple[str, bytes] | None = None,
) -> int:
    """Tell ``users`` one thing: an in-app notification and/or an e-mail, as each chose.
    Returns the number of e-mails queued."""
    users = {user.pk: user for user in users if user is not None}
    if not users:
        return 0
    choices = choices_of(users, kind)
    Notification.objects.bulk_create(
        Notification(school=school, user=user, kind=kind, title=title[:200], body=body, link=link)
        for user_id, user in users.items()
        if choices[user_id].in_app
    )
    deliveries = EmailDelivery.objects.bulk_create(
        EmailDelivery(
            school=school,
            user=user,
            to_address=user.email,
            subject=title[:200],
            body=_with_link(body, link),
            attachment_name=attachment[0] if attachment else "",
            attachment=attachment[1] if attachment else None,
        )
        for user_id, user in users.items()
        if choices[user_id].email and user.email
    )
    if deliveries:
        # bulk_create returns the primary keys on PostgreSQL and SQLite ≥ 3.35.
        ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: _enqueue_deliveries(ids))
    return len(deliveries)


def _with_link(body: str, link: str) -> str:
    if not link:
        return body
    base = getattr(settings, "ZHURNAL_SITE_URL", "").rstrip("/")
    return f"{body}\n\n{base}{link}" if base else body


@transaction.atomic
def resend(delivery: EmailDelivery) -> bool:
    """Queue an e-mail that waits or failed once more (the administrator's "send again");
    one already sent is left alone (never sent twice)."""
    queued = EmailDelivery.objects.filter(pk=delivery.pk).exclude(status=DeliveryStatus.SENT)
    if not queued.update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()):
        return False
    transaction.on_commit(lambda: _enqueue_deliveries([delivery.pk]))
    return True


def _enqueue_deliveries(ids) -> None:
    # The tasks call this module's functions: imported here, not at the top.
    from .tasks import deliver

    for delivery_id in ids:
        deliver.enqueue(delivery_id)


# A digest whose first line has waited this much longer than the digest's delay was not sent
# (its task failed or was lost): the next line for the same recipient sends it.
DIGEST_STALE_MARGIN = timedelta(minutes=30)


def add_to_digest(
    *, users, school: School, student: Student, kind: str, text: str, link: str = ""
) -> None:
    """A line for each recipient's next digest; the first pending line of a recipient starts
    the clock (``ZHURNAL_DIGEST_DELAY_MINUTES``), later ones join it. ``link`` is the page
    the line is about (the digest links to it when every line of the digest shares it).

    A digest never stalls:

    * the pending lines are read locked (``FOR UPDATE``), as ``tasks.send_digest`` reads them:
      while a send of those lines is running, the read waits for it and then sees them sent,
      so the new line starts a digest of its own instead of joining one that is gone;
    * when a recipient's oldest pending line is older than the delay plus
      ``DIGEST_STALE_MARGIN``, the send that should have taken it failed or was lost, and the
      digest is sent at once with the new line (a send finding nothing left does nothing, so
      a merely late one sends nothing twice).

    One query to read the pending lines, one to write."""
    users = [user for user in users if user is not None]
    if not users:
        return
    delay = timedelta(minutes=settings.ZHURNAL_DIGEST_DELAY_MINUTES)
    with transaction.atomic():
        oldest: dict[int, object] = {}
        for user_id, created_at in (
            DigestItem.objects.select_for_update()
            .filter(user__in=users, school=school, kind=kind, sent_at__isnull=True)
            .values_list("user_id", "created_at")
        ):
            if user_id not in oldest or created_at < oldest[user_id]:
                oldest[user_id] = created_at
        DigestItem.objects.bulk_create(
            DigestItem(
                school=school, user=user, kind=kind, student=student, text=text[:300], link=link
            )
            for user in users
        )
        stale_before = timezone.now() - delay - DIGEST_STALE_MARGIN
        starting = [user.pk for user in users if user.pk not in oldest]
        stale = [user.pk for user in users if user.pk in oldest and oldest[user.pk] < stale_before]
        if starting:
            transaction.on_commit(lambda: _enqueue_digests(starting, school.pk, kind, delay))
        if stale:
            transaction.on_commit(lambda: _enqueue_digests(stale, school.pk, kind, timedelta(0)))


def _enqueue_digests(user_ids, school_id: int, kind: str, delay: timedelta) -> None:
    # The tasks call this module's functions: imported here, not at the top.
    from .tasks import send_digest

    run_after = timezone.now() + delay
    for user_id in user_ids:
        send_digest.using(run_after=run_after).enqueue(user_id, school_id, kind)


def unread_count(user, school: School) -> int:
    return Notification.objects.filter(user=user, school=school, read_at__isnull=True).count()


def mark_read(user, school: School, ids) -> int:
    """The user's notifications ``ids`` of the school are read now (others' are left alone)."""
    return Notification.objects.filter(
        user=user, school=school, pk__in=list(ids), read_at__isnull=True
    ).update(read_at=timezone.now())


def mark_all_read(user, school: School) -> int:
    return Notification.objects.filter(user=user, school=school, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# Who is told of each kind: the families (guardians, and students from the school's age) of
# their children's marks, absences, notes, term marks, announcements, reports and the work done
# with a lagging child; staff of the acknowledgements of their class (class teachers), of
# remarks on their journals and of the preliminary reports; administrators of a failed or
# overdue backup; everyone of their messages.
FAMILY_KINDS = frozenset(
    {
        Kind.MARKS,
        Kind.ABSENCE,
        Kind.NOTE,
        Kind.PERIOD_MARKS,
        Kind.ANNOUNCEMENT,
        Kind.REPORT,
        Kind.SUPPORT,
    }
)
STAFF_KINDS = frozenset({Kind.ACKNOWLEDGEMENTS, Kind.REMARK, Kind.PRELIMINARY})


def kinds_for(user) -> list[str]:
    """The kinds a user can be told of, by their roles in all their schools, in the order of
    ``Kind`` (the choices page lists only these). No query beyond the request's memberships."""
    roles = frozenset().union(*(entry.roles for entry in memberships_of(user).values()))
    wanted = set()
    if roles & {Role.PARENT, Role.STUDENT}:
        wanted |= FAMILY_KINDS
    if roles & STAFF_ROLES:
        wanted |= STAFF_KINDS
    if Role.ADMIN in roles:  # the server's backups (zhurnal.backups), seed 002 §6.2.3
        wanted.add(Kind.BACKUP)
        wanted.add(Kind.LOCKOUT)  # the school's locked logins (accounts.lockout)
    return [kind for kind in Kind.values if kind in wanted or kind == Kind.MESSAGE]


def preferences(user) -> dict[str, Choice]:
    """The user's choice for every kind (one query)."""
    chosen = {
        kind: Choice(in_app, email)
        for kind, in_app, email in Preference.objects.filter(user=user).values_list(
            "kind", "in_app", "email"
        )
    }
    return {kind: chosen.get(kind, Choice()) for kind in Kind.values}


def set_preferences(user, chosen: dict[str, Choice]) -> None:
    with transaction.atomic():
        for kind, choice in chosen.items():
            Preference.objects.update_or_create(
                user=user, kind=kind, defaults={"in_app": choice.in_app, "email": choice.email}
            )
