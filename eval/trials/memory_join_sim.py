"""python eval/trials/memory_join_sim.py ROOT OUT.json SETS EXTRA: as outcomes_dump.py, with the
memory (bot/known.py's built-in known questions) widened by the questions of the sets in EXTRA
(comma-separated), the models otherwise unchanged: what joining EXTRA would do to SETS before any
refit (fifteenth session)."""

import sys
import tempfile
from pathlib import Path

from outcomes_dump import outcomes, save, use_root


def widen(bot, extra: str, answerable_only: bool = False) -> tuple[int, int]:
    """Make every memory built from now on the shipped one plus EXTRA's questions (only the
    answerable ones, if asked); returns the shipped count and the widened one."""
    from calibrate import known_items

    import bot.known as known
    from bot.goldset import load_gold

    shipped = known.builtin()
    added = [k for name in extra.split(",") if name for k in known_items(bot, load_gold(name))]
    widened = tuple(shipped) + tuple(k for k in added if k.answerable or not answerable_only)
    known.builtin.cache_clear()
    known.builtin = lambda: widened  # the memory every known_index call now reads
    print("memory", len(shipped), "->", len(widened), file=sys.stderr)
    return len(shipped), len(widened)


def run(argv: list[str], prepare=lambda bot, extra: widen(bot, extra)) -> None:
    """Answer SETS with a bot built after `prepare` widened the memory."""
    use_root(argv[1])
    from bot.testing import indexed_bot

    with tempfile.TemporaryDirectory() as tmp:
        prepare(indexed_bot(Path(tmp)), argv[4])
        bot = indexed_bot(Path(tmp) / "b")
        bot.warm_up()
        save(outcomes(bot.chain, argv[3]), argv[2])


if __name__ == "__main__":
    run(sys.argv)
