"""Answer-accuracy evaluation: run a gold set (bot/goldset.py) through the answer chain, score it
(metrics.py), compare retrieval variants (runner.py), write the report (report.py) and keep runs
in the database (store.py)."""
