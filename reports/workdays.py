"""Working days for the posting period: the ledger's calendar (``ledger.workdays``)."""

from ledger.workdays import (
    FIRST_DAY,
    LAST_DAY,
    WorkCalendar,
    first_working_day,
    is_working_day,
    posting_end,
)

__all__ = ["FIRST_DAY", "LAST_DAY", "WorkCalendar", "first_working_day", "is_working_day", "posting_end"]
