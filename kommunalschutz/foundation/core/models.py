"""Cross-cutting models: the append-only audit trail, platform state and task progress."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit row."""


class AuditEvent(models.Model):
    """One write to the platform's data. Rows are never updated or deleted.

    On PostgreSQL a trigger enforces this against the application's own SQL too
    (migration 0002), and the application's runtime role may only INSERT and SELECT
    (docs/deployment.md); on every database the model refuses save-on-existing and delete.

    Right after its transaction commits every row is sealed into a hash chain (core.chain): the seal is a
    row of its own in :class:`AuditSeal`, so the audit row itself is never touched again.
    """

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        IMPORT = "import", _("imported")
        LOGIN = "login", _("logged in")
        LOGIN_FAILED = "login_failed", _("login failed")
        LOGOUT = "logout", _("logged out")
        OTHER = "other", _("other")

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Accounts are pseudonymised, never deleted (accounts.services.pseudonymise_user), so the trail
    # keeps its reference; PROTECT makes any attempt to delete a recorded actor fail loudly.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The name at the time of the event; it stays when the account is pseudonymised later.
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    changed_fields = models.JSONField(default=list)
    # {"field": {"old": ..., "new": ...}}; secret fields appear with the marker "[secret]".
    changes = models.JSONField(default=dict)
    summary = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-occurred_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["object_type", "object_id", "-occurred_at"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit events are append-only.")


class AuditSeal(models.Model):
    """An audit event's place in the hash chain (core.chain, decision 0015). Rows are never updated or deleted.

    ``seq`` is the event's place (1, 2, 3, … without gaps), ``prev_hash`` the hash of the seal before,
    ``hash`` the SHA-256 of the event's content, ``seq`` and ``prev_hash``. Written by the sealer right
    after the event's transaction commits; like the audit table, the runtime role may only INSERT and
    SELECT here, and triggers refuse UPDATE and DELETE (migration 0003).
    """

    seq = models.BigIntegerField(primary_key=True)
    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="seal")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # When the sealer ran: not part of the hash; a seal long after the event means the sealer was late.
    sealed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["seq"]
        verbose_name = _("audit seal")
        verbose_name_plural = _("audit seals")

    def __str__(self) -> str:
        return f"seal {self.seq} of audit event {self.event_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not kwargs.get("force_insert"):
            raise AppendOnlyError("Audit seals are append-only; insert them with force_insert.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit seals are append-only.")


class AuditVerification(models.Model):
    """The result of one walk along the audit hash chain (``kommunalschutz verify-audit``, nightly task)."""

    class Problem(models.TextChoices):
        NONE = "", pgettext_lazy("audit check problem", "none")
        MISSING = "missing", _("rows are missing from the chain")
        LINK = "link", _("the link to the previous row does not match")
        CONTENT = "content", _("the content of a row no longer matches its hash")
        TRUNCATED = "truncated", _("rows were removed from the end of the chain")
        ANCHOR = "anchor", _("a row checked earlier was replaced")

    checked_at = models.DateTimeField(auto_now_add=True, db_index=True)
    intact = models.BooleanField()
    # Rows checked, and the last one: the next run checks that this head is still there unchanged,
    # which a chain alone cannot show for rows removed from its end.
    checked = models.PositiveBigIntegerField(default=0)
    head_seq = models.BigIntegerField(null=True, blank=True)
    head_hash = models.CharField(max_length=64, blank=True)
    sealed = models.PositiveIntegerField(default=0)
    # Of those, events that had waited longer than core.chain.GRACE for their seal (a crash after the commit).
    late = models.PositiveIntegerField(default=0)
    broken_id = models.BigIntegerField(null=True, blank=True)
    broken_seq = models.BigIntegerField(null=True, blank=True)
    broken_at = models.DateTimeField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Problem.choices, blank=True, default="")
    # The verifier's own words (English, for operators and logs); the dashboard shows ``kind``.
    problem = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-checked_at", "-id"]
        verbose_name = _("audit verification")
        verbose_name_plural = _("audit verifications")

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'intact' if self.intact else 'BROKEN'} ({self.checked})"


class SiteState(models.Model):
    """Singleton row with platform-wide state (demo data loaded, registry reference date)."""

    demo_loaded_at = models.DateTimeField(null=True, blank=True)
    registry_reference_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("site state")

    def __str__(self) -> str:
        return "site state"

    @classmethod
    def load(cls) -> SiteState:
        state, _created = cls.objects.get_or_create(pk=1)
        return state


class TaskRun(models.Model):
    """Progress of a long operation run by the task queue, shown as a progress bar and CLI line."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", pgettext_lazy("background task", "running")
        DONE = "done", pgettext_lazy("background task", "done")
        FAILED = "failed", _("failed")

    kind = models.CharField(max_length=100)
    label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    result = models.JSONField(default=dict, blank=True)
    # The lease of the worker running it (decision 0024): ``attempts`` counts the times a worker took it,
    # ``heartbeat_at`` is when that worker last said it is alive; a stale heartbeat means the worker is gone.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        verbose_name = _("task run")

    def __str__(self) -> str:
        return f"{self.label} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, round(100 * self.done / self.total))

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def counted(self) -> bool:
        """True once the operation has said how much there is to do (the bar can show a share)."""
        return bool(self.total)

    @property
    def state_label(self) -> str:
        """The state in words: a task nobody has counted yet is "being prepared", not "queued 0 %"."""
        if self.status == self.Status.QUEUED or (self.status == self.Status.RUNNING and not self.total
                                                 and not self.message):
            return str(_("being prepared …"))
        return str(self.get_status_display())

    @property
    def progress_text(self) -> str:
        """What a person reads beside the bar: the step and, once counted, "done of total"."""
        if self.status == self.Status.FAILED:
            return self.message or str(_("The task failed."))
        if self.status == self.Status.DONE:
            return str(_("Finished."))
        step = self.message or str(_("being prepared …"))
        if not self.total:
            return step
        return _("%(step)s: %(done)s of %(total)s") % {
            "step": step, "done": f"{self.done:,}".replace(",", "."), "total": f"{self.total:,}".replace(",", ".")}


class DataVersion(models.Model):
    """A token that changes with every write to the tables of one scope (e.g. "registry").

    Database triggers set it (core.dataversion; installed by the owning app's migration), so bulk
    writes, imports, the admin and raw SQL all change it in the same transaction as the data. Read
    answers built from those tables are cached under it (decision 0027).
    """

    scope = models.CharField(max_length=40, primary_key=True)
    token = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("data version")

    def __str__(self) -> str:
        return f"{self.scope}: {self.token}"


class BackupRun(models.Model):
    """One successful ``kommunalschutz backup`` (core.backup): monitoring shows the newest as "last backup".

    Written after the archive is complete and renamed into place; a failed backup leaves no row. The
    archive itself never holds this row (it is written after the dump).
    """

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), db_index=True)
    archive_name = models.CharField(_("archive"), max_length=500)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256 of the archive"), max_length=64)
    vendor = models.CharField(_("database system"), max_length=20)
    file_count = models.PositiveIntegerField(_("stored files"), default=0)

    class Meta:
        ordering: ClassVar[list[str]] = ["-finished_at", "-id"]
        verbose_name = _("backup")
        verbose_name_plural = _("backups")

    def __str__(self) -> str:
        return f"{self.finished_at:%Y-%m-%d %H:%M} {self.archive_name}"


class StoredFile(models.Model):
    """One file of the database storage backend (core.storage): its name and the size of its stored
    (encrypted) bytes, which are kept in ordered StoredFileChunk rows of at most storage.CHUNK_BYTES each, so
    a 20 MB evidence file never needs one huge row and reading or writing it holds one chunk at a time."""

    name = models.CharField(_("name"), max_length=500, unique=True)
    size = models.BigIntegerField(_("stored size (bytes)"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    modified_at = models.DateTimeField(_("modified at"), default=timezone.now)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.name


class StoredFileChunk(models.Model):
    """A piece of a stored file's encrypted bytes, in order of ``index``."""

    file = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="chunks",
                             verbose_name=_("stored file"))
    index = models.PositiveIntegerField(_("position"))
    data = models.BinaryField(_("encrypted content"))

    class Meta:
        verbose_name = _("part of a stored file")
        verbose_name_plural = _("parts of stored files")
        constraints = [models.UniqueConstraint(fields=["file", "index"], name="core_storedfilechunk_unique_index")]

    def __str__(self) -> str:
        return f"{self.file_id}:{self.index}"
