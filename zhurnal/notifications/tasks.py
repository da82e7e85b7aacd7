"""Background work of notifications (Django tasks API, run by `zhurnal db_worker`)."""

from __future__ import annotations

import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django_tasks import TaskContext, task

from zhurnal.school.models import School

from .dispatch import handler_of
from .models import DeliveryStatus, DigestItem, DispatchedTask, EmailDelivery, Kind

log = logging.getLogger(__name__)


@task(takes_context=True)
def dispatch(context: TaskContext, event: str, pk: int) -> str:
    """Run an event's handler (``dispatch.register``) on the object, if it still exists (a
    mark deleted meanwhile is not announced). Told once (issue 16, finding 4): the handler's
    writes and the record that this task told (``DispatchedTask``) commit together, so the
    task run again after its worker crashed (``ops.worker``) finds it told; what the handler
    queues (an e-mail, a digest) is queued when that transaction commits."""
    with transaction.atomic():
        task_id = context.task_result.id
        if DispatchedTask.objects.filter(task_id=task_id).exists():
            return "already"
        handler = handler_of(event)
        obj = handler.objects().filter(pk=pk).first()
        if obj is None:
            return "gone"
        handler.handle(obj)
        DispatchedTask.objects.create(task_id=task_id)
    return "done"


@task()
def deliver(delivery_id: int) -> str:
    """Send one e-mail. Sent once: a delivery already sent (or given up) is left alone. On a
    failure the attempt and the error are kept and the next attempt is queued after a pause
    (services.RETRY_PAUSES); after the last one the delivery is marked failed for the
    administrator to see and resend."""
    # services.py queues these tasks: imported here, not at the top.
    from .services import RETRY_PAUSES

    with transaction.atomic():
        delivery = EmailDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return "skipped"
        message = EmailMessage(delivery.subject, delivery.body, to=[delivery.to_address])
        if delivery.attachment:
            message.attach(delivery.attachment_name, bytes(delivery.attachment), "application/pdf")
        try:
            message.send()
        except Exception as error:  # any failure of the mail server: retry later
            delivery.attempts += 1
            delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
            if delivery.attempts > len(RETRY_PAUSES):
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = timezone.now() + RETRY_PAUSES[delivery.attempts - 1]
                run_after = delivery.next_attempt_at
                transaction.on_commit(
                    lambda: deliver.using(run_after=run_after).enqueue(delivery_id)
                )
            delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            log.warning(
                "e-mail %s not sent (attempt %s): %s", delivery_id, delivery.attempts, error
            )
            return "retry" if delivery.status == DeliveryStatus.PENDING else "failed"
        delivery.attempts += 1
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at"])
    return "sent"


DIGEST_TITLES = {
    Kind.MARKS: gettext_lazy("New marks"),
    Kind.PERIOD_MARKS: gettext_lazy("Term and year marks"),
    Kind.ACKNOWLEDGEMENTS: gettext_lazy("Term marks acknowledged"),
}

# Where a digest leads when its lines are about different pages (or name none): the diary's
# entry page for the families; the home page for a class teacher (a link per class led).
DIGEST_LINKS = {
    Kind.MARKS: "diary:index",
    Kind.PERIOD_MARKS: "diary:index",
    Kind.ACKNOWLEDGEMENTS: "home",
}


def digest_link(kind: str, items) -> str:
    """The page every line of the digest is about (e.g. a class's acknowledgements), else the
    kind's general page."""
    links = {item.link for item in items}
    if len(links) == 1 and "" not in links:
        return links.pop()
    return reverse(DIGEST_LINKS.get(kind, "diary:index"))


@task()
def send_digest(user_id: int, school_id: int, kind: str) -> int:
    """Everything waiting in a user's digest of ``kind``: one notification, one e-mail."""
    # services.py queues these tasks: imported here, not at the top.
    from .services import notify

    with transaction.atomic():
        items = list(
            DigestItem.objects.select_for_update()
            .filter(user_id=user_id, school_id=school_id, kind=kind, sent_at__isnull=True)
            .select_related("student", "user")
        )
        if not items:
            return 0
        school = School.objects.get(pk=school_id)
        by_student: dict = defaultdict(list)
        for item in items:
            by_student[item.student].append(item.text)
        with translation.override(settings.LANGUAGE_CODE):
            title = str(DIGEST_TITLES.get(kind, DIGEST_TITLES[Kind.MARKS]))
            lines = []
            for student, texts in by_student.items():
                lines.append(student.short_name)
                lines.extend(f"  {text}" for text in texts)
            notify(
                users=[items[0].user],
                school=school,
                kind=kind,
                title=title,
                body="\n".join(lines),
                link=digest_link(kind, items),
            )
        DigestItem.objects.filter(pk__in=[item.pk for item in items]).update(sent_at=timezone.now())
    return len(items)
