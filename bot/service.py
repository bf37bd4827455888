"""One service object behind the CLI, the web page and the API: settings and collaborators in,
index, answer chain and application services out, each built once and on first need."""

from __future__ import annotations

import threading

from .errors import IndexNotBuilt
from .extract import warm_tokens
from .generations import current_name
from .index import BuildReport, build_index
from .memory import release_freed_memory
from .records import ClauseRecord
from .settings import Settings
from .store import IndexStore


class StudyBot:
    """`embedder` and `chat_model` may be given (tests, benchmarks, another model); otherwise the
    embedder is loaded from the settings on first need (with `embed_threads` threads per call),
    and the chat model exists only when STUDYBOT_LLM_* configure one. `clock` (a function returning
    an aware UTC datetime) is what every service reads the time from, so tests can move it."""

    def __init__(
        self, settings: Settings, *, embedder=None, chat_model=None, clock=None, embed_threads: int | None = None
    ):
        from .db import utcnow

        self.settings = settings
        self.clock = clock or utcnow
        self._embedder = embedder
        self._embed_threads = embed_threads  # threads per embedding call; None: every core
        self._chat_model = chat_model
        self._store: IndexStore | None = None
        self._lock = threading.RLock()
        self._parts: dict[str, object] = {}

    def _once(self, name: str, build):
        """Build a part on first use, once, even when several requests ask at the same moment."""
        with self._lock:
            if name not in self._parts:
                self._parts[name] = build()
            return self._parts[name]

    # The embedding model costs seconds to load: load it once, on first need, never at import.
    @property
    def embedder(self):
        with self._lock:
            if self._embedder is None:
                from .embed import Embedder

                self._embedder = Embedder.from_settings(self.settings, threads=self._embed_threads)
            return self._embedder

    @property
    def chat_model(self):
        with self._lock:
            if self._chat_model is None and self.settings.llm_enabled:
                from .generate import chat_model_from_settings

                self._chat_model = chat_model_from_settings(self.settings)
            return self._chat_model

    @property
    def store(self) -> IndexStore:
        """The current index generation. Checked on every call (one small file read), so a
        rebuilt index is used from the next request on; a request in flight keeps the store it
        started with, and that store's lease ends when the last such request does."""
        name = current_name(self.settings.index_dir)
        with self._lock:
            if self._store is None or (name is not None and name != self._store.name):
                try:
                    self._store = IndexStore.open(self.settings)
                except IndexNotBuilt:
                    if self._store is None:
                        raise
            return self._store

    def index(self, rebuild: bool = False, progress: bool = True) -> BuildReport:
        return build_index(self.settings, lambda: self.embedder, rebuild=rebuild, progress=progress)

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
        db = self._parts.pop("db", None)
        if db is not None:
            db.close()

    # --- the corpus ---

    def documents(self) -> list[dict]:
        return list(self.store.documents.values())

    def clauses(self, doc_id: str | None = None) -> list[ClauseRecord]:
        return self.store.clauses_of(doc_id)

    def clause(self, ref: str) -> ClauseRecord:
        return self.store.find_clause(ref)

    def document(self, doc_id: str) -> dict:
        return self.store.document(doc_id)

    # --- answers ---

    @property
    def encoder(self):
        from .retrieve import QueryEncoder

        return self._once("encoder", lambda: QueryEncoder(self.embedder))

    @property
    def chain(self):
        """The answer Runnable (bot/chain.py): invoke, batch, stream, and async forms."""
        from .chain import build_answer_chain

        return self._once(
            "chain",
            lambda: build_answer_chain(
                lambda: self.store,
                self.encoder,
                self.chat_model,
                timeout=self.settings.llm_timeout,
                lexicon=self.lexicon,
                aliases=self.teaching.index_for,
                known=self.known_for,
                adapter=lambda store: self.adapter,
            ),
        )

    @property
    def adapter(self):
        """bot/adapter.py's query adapter for the embedding model in use (None for another model)."""
        from .adapter import load

        return self._once("adapter", lambda: load(self.embedder.model_id, self.embedder.dim))

    def known_for(self, store, taught=None):
        """The refusal model's memory of judged questions for `store` (bot/known.py), with the
        questions trainers taught as aliases and as refusals; made again when any changes."""
        from .known import known_index

        refusals = self.teaching.refusal_index(store.sentence_vectors.shape[1])
        with self._lock:
            cached = self._parts.get("known")
        if cached is not None and cached[0] == store.name and cached[1] is taught and cached[2] is refusals:
            return cached[3]
        index = known_index(
            store, self.encoder, self.settings.model_cache_dir, self.embedder.model_id, taught, refusals=refusals
        )
        with self._lock:
            self._parts["known"] = (store.name, taught, refusals, index)
        return index

    @property
    def review(self):
        """Trainers' review of real answers (bot/review.py), sampling the stored conversations."""
        from .review import ReviewService, sampled

        return self._once(
            "review",
            lambda: ReviewService(
                self.db,
                self.settings.data_dir,
                now=self.clock,
                recent_answers=lambda n: [sampled(t) for t in self.conversations.recent_answers(n)],
            ),
        )

    @property
    def teaching(self):
        """Questions trainers taught as aliases of clauses (bot/teaching.py)."""
        from .teaching import TeachingService

        return self._once(
            "teaching", lambda: TeachingService(self.db, self.encoder, lambda: self.embedder.model_id, now=self.clock)
        )

    def lexicon(self):
        """The word vectors that tell a reworded question from an unrelated one (bot/lexicon.py)."""
        from .lexicon import lexicon

        return lexicon(str(self.settings.model_cache_dir))

    def ask(self, question: str, previous: str | None = None, doc_id: str | None = None, top_k: int = 5):
        from .chain import AskRequest

        return self.chain.invoke(AskRequest(question, previous=previous, doc_id=doc_id, k=top_k))

    def warm_up(self) -> None:
        """Load the model, the index and the dictionaries, and answer once, so the first
        officer does not wait."""
        self.store.sentence_vectors  # noqa: B018 - read once into memory
        self.ask("行政执法人员培训学时")
        warm_tokens(self.store)
        trust = self.store.derived.get("trust")  # the refusal model's helper, made by that answer
        if trust is not None:
            trust.prepare()
        release_freed_memory()  # reading the vectors and preparing left freed heap behind

    # --- the application database (accounts, sessions, feedback, tokens, conversations), opened on first use, migrated ---

    @property
    def db(self):
        from .db import open_database

        return self._once("db", lambda: open_database(self.settings))

    # One service object each per StudyBot, built on first use.
    @property
    def accounts(self):
        from .accounts import AccountService

        return self._once("accounts", lambda: AccountService(self.db, self.settings, now=self.clock))

    @property
    def ledger(self):
        """The 学时 ledger (bot/ledger/)."""
        from .ledger import LedgerService

        return self._once("ledger", lambda: LedgerService(self.db, self.settings, now=self.clock))

    @property
    def feedback(self):
        from .feedback import FeedbackService

        return self._once("feedback", lambda: FeedbackService(self.db, now=self.clock))

    @property
    def evaluations(self):
        """Stored evaluation runs (bot/evaluation/store.py)."""
        from .evaluation.store import EvalStore

        return self._once("evaluations", lambda: EvalStore(self.db, now=self.clock))

    @property
    def quiz(self):
        """The quiz engine (one per StudyBot: it caches the generator per index generation)."""
        from datetime import timedelta

        from .quiz.service import QuizService

        def build():
            return QuizService(
                self.db,
                lambda: self.store,
                ledger=self.ledger,
                chat_model=self.chat_model,
                idle_gap=timedelta(minutes=self.settings.idle_minutes),
                llm_timeout=self.settings.llm_timeout,
                now=self.clock,
            )

        return self._once("quiz", build)

    @property
    def tokens(self):
        from .tokens import TokenService

        return self._once("tokens", lambda: TokenService(self.db, now=self.clock))

    @property
    def conversations(self):
        from .conversations import ConversationService

        return self._once("conversations", lambda: ConversationService(self.db, now=self.clock))
