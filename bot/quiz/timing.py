"""Server-measured answering time, with the ledger's idle rule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

DEFAULT_IDLE_MINUTES = 5

try:  # the ledger (branch `ledger`) owns the idle rule; use its function once it is merged
    from ..ledger import active_seconds  # type: ignore[attr-defined]
except ImportError:
    # REPLACE WITH bot.ledger.active_seconds at merge (same signature): this local copy only
    # stands in until the ledger lands, so both measure time the same way.
    def active_seconds(times: Sequence[datetime], idle_gap: timedelta) -> int:
        """Seconds between consecutive timestamps, leaving out every gap longer than idle_gap."""
        ordered = sorted(times)
        total = 0.0
        for a, b in zip(ordered, ordered[1:]):
            gap = (b - a).total_seconds()
            if gap <= idle_gap.total_seconds():
                total += gap
        return int(total)
