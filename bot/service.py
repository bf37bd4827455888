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
        self._answerer = None
        self._db = None
        self._accounts = None
        self._ledger = None
        self.chat_model = None  # set by tests or by from_settings when an LLM is configured
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
            self._answerer = None
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

    @property
    def answerer(self):
        store, embedder = self.store, self.embedder
        with self._lock:
            if self._answerer is None or self._answerer.store is not store:
                from .answer import Answerer

                answerer = Answerer(store, embedder)
                chat = self.chat_model
                if chat is None and self.settings.llm_enabled:
                    from .generate import chat_model_from_settings

                    chat = self.chat_model = chat_model_from_settings(self.settings)
                if chat is not None:
                    from .generate import GenerativeAnswerer

                    answerer = GenerativeAnswerer(store, embedder, chat, timeout=self.settings.llm_timeout)
                self._answerer = answerer
            return self._answerer

    def warm_up(self) -> None:
        """Load the model and the index and answer once, so the first officer does not wait."""
        self.answerer.answer("行政执法人员培训学时")

    def ask(self, question: str, previous: str | None = None, doc_id: str | None = None, top_k: int = 5):
        if not 1 <= int(top_k) <= 50:
            from .errors import BadQuestion

            raise BadQuestion(f"--top-k 应在 1 到 50 之间，而不是 {top_k}")
        if doc_id is not None and doc_id not in self.store.documents:
            from .errors import UnknownDocument

            raise UnknownDocument(doc_id)
        return self.answerer.answer(question, previous=previous, doc_id=doc_id, k=top_k)

    # The application database (accounts, sessions, feedback, 学时) opens on first use, migrated.
    @property
    def db(self):
        with self._lock:
            if self._db is None:
                from .db import open_database

                self._db = open_database(self.settings)
            return self._db

    # One service object each per StudyBot, built on first use.
    @property
    def accounts(self):
        db = self.db
        with self._lock:
            if self._accounts is None:
                from .accounts import AccountService

                self._accounts = AccountService(db, self.settings)
            return self._accounts

    @property
    def ledger(self):
        """The 学时 ledger (bot/ledger/)."""
        db = self.db
        with self._lock:
            if self._ledger is None:
                from .ledger import LedgerService

                self._ledger = LedgerService(db, self.settings)
            return self._ledger

    @property
    def feedback(self):
        from .feedback import FeedbackService

        return FeedbackService(self.db)
