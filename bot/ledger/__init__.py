"""The 学时 ledger: each officer's 业务培训登记卡 (at least 60 学时 a year; 45 minutes = 1 学时).

- amounts.py: exact integer arithmetic, dates, durations and the 24-hours-a-day check
- timing.py: time measured from server events (active_seconds, chat-study sessions)
- store.py: the queries and the per-officer locks that keep concurrent writers exact
- cards.py: a year's card with running totals, as JSON-ready data
- exports.py: XLSX and CSV 登记卡; imports.py: XLSX, CSV and JSON rows from other platforms
- service.py: LedgerService, with the role checks, behind the CLI, the web tab and the API
"""

from .amounts import SECONDS_PER_HOUR, SOURCES
from .cards import Card, Line
from .imports import ImportReport, RowProblem
from .service import OPERATOR, LedgerService
from .timing import TOUCH_KINDS, active_seconds

__all__ = [
    "OPERATOR",
    "SECONDS_PER_HOUR",
    "SOURCES",
    "TOUCH_KINDS",
    "Card",
    "ImportReport",
    "LedgerService",
    "Line",
    "RowProblem",
    "active_seconds",
]
