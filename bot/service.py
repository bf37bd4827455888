"""One service object behind the CLI and the web page: settings in, models and index loaded once."""

from __future__ import annotations

import threading

from .index import BuildReport, IndexStore, build_index
from .settings import Settings


class StudyBot:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._embedder = None
        self._store: IndexStore | None = None
        self._lock = threading.Lock()

    # The embedding model costs seconds to load: load it once, on first need, never at import.
    @property
    def embedder(self):
        with self._lock:
            if self._embedder is None:
                from .embed import Embedder

                self._embedder = Embedder.from_settings(self.settings)
            return self._embedder

    @property
    def store(self) -> IndexStore:
        with self._lock:
            if self._store is None:
                self._store = IndexStore.open(self.settings)
            return self._store

    def index(self, rebuild: bool = False, progress: bool = True) -> BuildReport:
        report = build_index(self.settings, lambda: self.embedder, rebuild=rebuild, progress=progress)
        with self._lock:
            self._store = None  # the next read opens the new generation
        return report

    def documents(self) -> list[dict]:
        return list(self.store.documents.values())

    def clauses(self, doc_id: str | None = None) -> list[dict]:
        return self.store.clauses_of(doc_id)

    def clause(self, ref: str) -> dict:
        return self.store.find_clause(ref)

    def document(self, doc_id: str) -> dict:
        from .errors import UnknownDocument

        try:
            return self.store.documents[doc_id]
        except KeyError:
            raise UnknownDocument(doc_id) from None
