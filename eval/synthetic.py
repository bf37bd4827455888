"""A synthetic corpus of policy-like clauses for benchmarks: sentences of the seed recombined.

Each document is a plan numbered 一、 › （一） › 1 whose task texts are new combinations of the
seed's clauses of sentences, with phrases swapped between sentences so that few sentences repeat
exactly (an embedding cache would otherwise make the benchmark look faster than real text).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from bot.clean import clean_text
from bot.segment import split_sentences

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "gd-plan-2023-2025.web-capture.txt"
CN = "一二三四五六七八九十"
# Plain Chinese phrases only: no numbering, brackets or digits at the start to confuse the segmenter.
PHRASE = re.compile(r"(?![一二三四五六七八九十]、)[\u4e00-\u9fff][\u4e00-\u9fff“”《》0-9]{3,39}")
PLACES = [
    "广州",
    "深圳",
    "珠海",
    "汕头",
    "佛山",
    "韶关",
    "河源",
    "梅州",
    "惠州",
    "汕尾",
    "东莞",
    "中山",
    "江门",
    "阳江",
    "湛江",
    "茂名",
    "肇庆",
    "清远",
    "潮州",
    "揭阳",
    "云浮",
]


def _phrases() -> list[str]:
    text = "\n".join(clean_text(SEED.read_text(encoding="utf-8")))
    sentences = [s for s in split_sentences(text) if 12 <= len(s) <= 160]
    phrases = []
    for s in sentences:
        phrases += [p for p in re.split(r"[，、。；]", s) if PHRASE.fullmatch(p)]
    return phrases


def make_corpus(out_dir: Path, clauses: int = 5000, per_doc: int = 100, seed: int = 7) -> int:
    """Write plan documents holding `clauses` numbered tasks in all; returns the number written."""
    rng = random.Random(seed)
    phrases = _phrases()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = 0
    doc_no = 0
    while written < clauses:
        doc_no += 1
        place = PLACES[doc_no % len(PLACES)]
        lines = [f"{place}市提升行政执法质量实施方案（第{doc_no}号）", f"{place}府办〔2024〕{doc_no}号", "二、重点任务"]
        item = 0
        n_here = min(per_doc, clauses - written)
        for section in range(1, 11):
            if item >= n_here:
                break
            lines.append(f"（{CN[section - 1]}）{rng.choice(phrases)}。")
            for _ in range(max(1, n_here // 10)):
                if item >= n_here:
                    break
                item += 1
                title = rng.choice(phrases)
                sentences = []
                for _ in range(rng.randint(2, 5)):
                    parts = rng.sample(phrases, rng.randint(2, 4))
                    sentences.append("，".join(parts) + "。")
                lines.append(f"{item}. {title}。{''.join(sentences)}（{place}市司法局按职责分工负责）")
        (out_dir / f"synthetic-{doc_no:03d}.txt").write_text("\n".join(lines), encoding="utf-8")
        written += item
    return written
