"""Running a gold set through the answer chain, under the default fusion and the two single-kind
retrievals beside it, so a trainer sees why the default is the default."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from ..chain import AskRequest, build_answer_chain
from ..errors import StudyBotError
from ..goldset import GoldQuestion, load_gold
from ..retrieve import WEIGHTS
from .metrics import Outcome, by_kind, failure, score

# Weights of: sentence BM25, sentence e5, clause BM25, clause e5, sentence bigrams, clause bigrams.
VARIANTS = {
    "fusion": WEIGHTS,
    "keyword": (0.4, 0.0, 0.3, 0.0, 0.0, 0.2),
    "dense": (0.0, 0.5, 0.0, 0.5, 0.0, 0.0),
}
VARIANT_NAMES = {"fusion": "融合（默认）", "keyword": "仅关键词", "dense": "仅语义向量"}


@dataclass
class EvalRun:
    set_name: str
    set_sha256: str
    generation: str
    settings: dict
    results: dict[str, dict] = field(default_factory=dict)  # variant → {"metrics", "by_kind", "failures"}

    def to_json(self) -> dict:
        """The default variant's figures at the top level (the documented shape), and all of them
        under `variants`."""
        main = self.results["fusion"]
        return {
            "metrics": main["metrics"],
            "by_kind": main["by_kind"],
            "failures": main["failures"],
            "variants": {name: r["metrics"] for name, r in self.results.items()},
            "set": self.set_name,
            "set_sha256": self.set_sha256,
            "generation": self.generation,
            "settings": self.settings,
        }


def outcome(chain, q: GoldQuestion) -> Outcome:
    try:
        answer = chain.invoke(AskRequest(q.question, previous=q.previous))
    except StudyBotError as exc:
        return Outcome(q, "", False, [], [], 0.0, error=str(exc))
    store_clauses = []
    for d in answer.retrieved:
        meta = d.metadata
        store_clauses.append((meta.get("label", ""), meta["clause_id"], meta["clause_id"].split(":", 1)[0]))
    cited = [(c.label, c.clause_id, c.doc_id) for c in answer.citations] if not answer.refused else []
    return Outcome(q, answer.answer, answer.refused, cited, store_clauses, answer.elapsed_ms)


def run_questions(chain, questions: list[GoldQuestion], progress: Callable[[int], None] | None = None) -> dict:
    outcomes = []
    for q in questions:
        outcomes.append(outcome(chain, q))
        if progress is not None:
            progress(len(outcomes))
    for o in outcomes:
        o.reasons = o.judge()
    return {
        "metrics": score(outcomes),
        "by_kind": by_kind(outcomes),
        "failures": [failure(o) for o in outcomes if o.reasons],
        "outcomes": outcomes,
    }


def evaluate(
    bot, set_path: Path, variants: tuple[str, ...] = tuple(VARIANTS), progress: Callable[[int, int], None] | None = None
) -> EvalRun:
    """Every question of the set, through the bot's own chain (fusion) and the variants;
    `progress(done, total)` is called after each question (the web page shows it)."""
    set_path = Path(set_path)
    questions = load_gold(set_path)
    bot.warm_up()
    run = EvalRun(
        set_name=set_path.name,
        set_sha256=hashlib.sha256(set_path.read_bytes()).hexdigest(),
        generation=bot.store.name,
        settings=_settings(bot),
    )
    total = len(questions) * len(variants)
    for n, name in enumerate(variants):
        chain = (
            bot.chain
            if name == "fusion"
            else build_answer_chain(lambda: bot.store, bot.encoder, None, weights=VARIANTS[name], lexicon=bot.lexicon)
        )
        step = None if progress is None else partial(_shifted, progress, n * len(questions), total)
        run.results[name] = run_questions(chain, questions, step)
    return run


def _shifted(progress, before: int, total: int, done: int) -> None:
    """A variant's count of questions done, as a count over all the variants."""
    progress(before + done, total)


def _settings(bot) -> dict:
    return {
        "weights": list(WEIGHTS),
        "embed_model": bot.embedder.model_id,
        "llm_model": bot.settings.llm_model if bot.settings.llm_enabled else "",
        "documents": sorted(bot.store.documents),
    }
