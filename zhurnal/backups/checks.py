"""System checks of the backups (``zhurnal check --deploy``, docs/operations.md "Backups")."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register


@register("backups", deploy=True)
def check_two_destinations(app_configs=None, **kwargs) -> list[Warning]:
    """Seed 002 §5.6: the copies are kept on at least two media, in different rooms."""
    count = len(settings.ZHURNAL_BACKUP_DIRS)
    if count >= 2:
        return []
    return [
        Warning(
            f"Backups are written to {count} destination(s); at least two are required.",
            hint="Set ZHURNAL_BACKUP_DIRS to two comma-separated folders on different media "
            "(e.g. a second disk and a network share); see docs/operations.md, «Backups».",
            id="backups.W001",
        )
    ]
