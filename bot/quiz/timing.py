"""Server-measured answering time: the ledger's idle rule, applied to a round's answer times."""

from __future__ import annotations

from ..ledger import active_seconds

DEFAULT_IDLE_MINUTES = 5

__all__ = ["DEFAULT_IDLE_MINUTES", "active_seconds"]
