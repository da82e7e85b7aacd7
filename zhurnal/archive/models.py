"""What the archive keeps (issue 13; seed 002 §4.2, §5.5–5.9): the copies of a term's journals
and ведомости made at the term's end, and the archive packages of a school's year. The files
themselves lie in the archive storage (``storage.py``, ``settings.ZHURNAL_ARCHIVE_DIR``),
written once and made read-only; these rows say what each is, with its SHA-256."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhurnal.school.models import AcademicYear, School, SchoolClass, Term


class DocumentKind(models.TextChoices):
    """The printed documents of a class (seed 002 §5.7, §5.9)."""

    JOURNAL = "journal", _("class journal")
    SUMMARY = "summary", _("summary sheet of the marks")
    REPORT_CARDS = "cards", _("report cards")


class TermCopy(models.Model):
    """A class's document for one term, made into the archive when the term was over (seed 002
    §4.2: "по окончании каждого отчетного периода сохраняет и архивирует электронные копии
    Электронных журналов, ведомости учёта успеваемости по всем классам"). Made once: the job
    that makes them skips a copy that exists."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("document"), max_length=10, choices=DocumentKind.choices)
    path = models.CharField(_("file"), max_length=300)  # relative to the archive storage
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)
    made_at = models.DateTimeField(_("made"), auto_now_add=True)

    class Meta:
        verbose_name = _("term copy")
        verbose_name_plural = _("term copies")
        ordering = ["term__start", "school_class_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "term", "school_class", "kind"], name="archive_term_copy_once"
            ),
        ]

    def __str__(self) -> str:
        return self.path


class PrintStatus(models.TextChoices):
    QUEUED = "queued", _("being printed")
    DONE = "done", _("ready")
    FAILED = "failed", _("failed")


class JournalPrint(models.Model):
    """A class journal of a year printed to PDF/A on a deputy's or the director's request (seed
    002 §4.1, §5.7). A year's journal is some 300 pages, laid out in about a minute: longer
    than a request may take, so the worker makes it (DESIGN §5: PDF runs are background work)
    into the archive storage, and the archive's page offers it when it is ready."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=PrintStatus.choices, default=PrintStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    path = models.CharField(_("file"), max_length=300, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("printed journal")
        verbose_name_plural = _("printed journals")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(
                fields=["school", "school_class", "requested_at"], name="archive_print_class"
            ),
        ]

    def __str__(self) -> str:
        return self.path or f"print {self.pk}"


class ArchivePackage(models.Model):
    """One build of a school year's archive package: the PDFs, the tables as CSV and the
    manifest of their SHA-256 (issue 13). Never rebuilt in place: building again makes the next
    ``version`` beside it."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    path = models.CharField(_("folder"), max_length=300)  # relative to the archive storage
    files = models.PositiveIntegerField(_("files"))
    size = models.PositiveBigIntegerField(_("size"))
    manifest_sha256 = models.CharField(_("SHA-256 of the manifest"), max_length=64)
    built_at = models.DateTimeField(_("built"), auto_now_add=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("archive package")
        verbose_name_plural = _("archive packages")
        ordering = ["-year__start", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "version"], name="archive_package_version"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="archive_package_version_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return self.path
