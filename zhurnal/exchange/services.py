"""The exchange's use cases: the school's consent to share demographics, the OneRoster package
given out (audited: it holds personal data, 152-FZ), and the regional upload (seed 001, step
17: «Выгрузка данных в РИД — регулярно в течение учебного года, автоматическая отправка
данных»), queued by the daily job or the administrator and sent by the worker with retries."""

from __future__ import annotations

import hashlib
import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhurnal.audit.actor import Actor
from zhurnal.school.calendar import school_today
from zhurnal.school.models import AcademicYear, School

from . import events, oneroster, queries, transport
from .models import ExchangePolicy, RegionalUpload, UploadState, UploadTrigger

log = logging.getLogger(__name__)

# The pauses before the 2nd, 3rd, … attempt of an upload; after the last one it has failed.
RETRY_PAUSES = (
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=8),
)


def set_consent(*, school: School, share: bool, document: str, actor: Actor) -> ExchangePolicy:
    """The school's decision to include the students' birth dates and sex in the package
    (152-FZ: personal data leave the school only on a documented basis). Sharing needs the
    document the consent rests on. The caller checks ``exchange.manage_consent``."""
    document = " ".join(document.split())
    if share and not document:
        raise ValidationError(_("Name the document the consent rests on."), code="document")
    if len(document) > 200:
        raise ValidationError(_("At most 200 characters."), code="too_long")
    with transaction.atomic():
        policy, _created = ExchangePolicy.objects.select_for_update().get_or_create(school=school)
        before = {
            "share_demographics": policy.share_demographics,
            "document": policy.consent_document,
        }
        policy.share_demographics = share
        policy.consent_document = document
        policy.changed_by = actor.user
        policy.changed_at = timezone.now()
        policy.save()
        events.consent_changed(policy, before=before, actor=actor)
    return policy


def package_name(school: School, year: AcademicYear) -> str:
    return f"oneroster-{school.pk}-{year.start.year}-{year.end.year}.zip"


def export_package(*, school: School, year: AcademicYear, actor: Actor) -> bytes:
    """The OneRoster package of the year, for the director's download and the API; audited as
    an export of personal data. The caller checks ``exchange.export``."""
    content = oneroster.package(school, year).zip_bytes()
    events.package_exported(school, year=year.title, size=len(content), actor=actor)
    return content


def queue_upload(*, school: School, actor: Actor, trigger: str) -> RegionalUpload | None:
    """An upload of the school's package for the worker; None when no destination is
    configured or one is already pending (it sends the data of the moment it runs)."""
    if not transport.destination():
        return None
    with transaction.atomic():
        if queries.pending_upload(school) is not None:
            return None
        upload = RegionalUpload.objects.create(
            school=school,
            trigger=trigger,
            destination=transport.destination(),
            requested_by=actor.user,
            next_attempt_at=timezone.now(),
        )
    # tasks.py imports this module (the task runs ``attempt_upload``): imported here.
    from .tasks import upload_package

    transaction.on_commit(lambda: upload_package.enqueue(upload.pk))
    return upload


def attempt_upload(upload_id: int) -> RegionalUpload | None:
    """One attempt at a pending upload: the package built now and sent. On a failure the
    attempt and the error are kept and the next one queued after a pause (``RETRY_PAUSES``);
    after the last it is failed, for the administrator to see and start again. An upload
    already sent or failed is left alone (a task run twice sends once)."""
    with transaction.atomic():
        upload = (
            RegionalUpload.objects.select_for_update()
            .select_related("school")
            .filter(pk=upload_id, state=UploadState.PENDING)
            .first()
        )
        if upload is None:
            return None
        school = upload.school
        year = queries.package_year(school, school_today(school))
        upload.attempts += 1
        try:
            if year is None:
                raise transport.DeliveryError("the school has no academic year")
            content = oneroster.package(school, year).zip_bytes()
            upload.size = len(content)
            upload.sha256 = hashlib.sha256(content).hexdigest()
            transport.send(content, name=package_name(school, year))
        except transport.DeliveryError as error:
            upload.last_error = str(error)[:2000]
            if upload.attempts > len(RETRY_PAUSES):
                upload.state = UploadState.FAILED
                upload.next_attempt_at = None
            else:
                upload.next_attempt_at = timezone.now() + RETRY_PAUSES[upload.attempts - 1]
                run_after = upload.next_attempt_at
                # tasks.py imports this module: imported here, not at the top.
                from .tasks import upload_package

                transaction.on_commit(
                    lambda: upload_package.using(run_after=run_after).enqueue(upload_id)
                )
            log.warning(
                "regional upload %s failed (attempt %s): %s", upload_id, upload.attempts, error
            )
        else:
            upload.state = UploadState.SENT
            upload.sent_at = timezone.now()
            upload.next_attempt_at = None
            upload.last_error = ""
            events.package_exported(
                school,
                year=year.title,
                size=upload.size,
                actor=Actor.system(),
                to=upload.destination,
            )
        upload.save()
    return upload


def scheduled_upload(school: School, today: date) -> str | None:
    """The daily job (``core.daily``): queue the school's upload when the last one sent is
    ``ZHURNAL_REGION_UPLOAD_EVERY_DAYS`` old or more (seed 001, step 17: regularly through
    the school year). Nothing without a configured destination."""
    every = settings.ZHURNAL_REGION_UPLOAD_EVERY_DAYS
    if not transport.destination() or every <= 0:
        return None
    last = queries.last_sent(school)
    if last is not None and last.sent_at > timezone.now() - timedelta(days=every) + timedelta(
        hours=1
    ):
        return None
    upload = queue_upload(school=school, actor=Actor.system(), trigger=UploadTrigger.SCHEDULE)
    return f"upload {upload.pk} queued" if upload else None
