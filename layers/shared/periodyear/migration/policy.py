"""What the deployment tells the migration's steps, and the margin their resumes keep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from periodyear.migration.notice import NoticeDetails


@dataclass(frozen=True)
class MigrationPolicy:
    """Built from ``config.MigrationSettings`` by the bootstrap."""

    sender: str
    lead_days: int
    deadline: datetime
    notice: NoticeDetails  # the contact and terms page every notice gives


# A resume event comes this long after the lease it follows has run out. Each step's resume is
# set before its lease is taken: whatever a crash leaves, a scheduled event brings the tenant on.
RESUME_MARGIN = timedelta(minutes=1)
