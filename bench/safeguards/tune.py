"""The crisis rules' tuning set (tune_crisis.jsonl): the only examples the rules may be changed for.

    .venv/bin/python bench/safeguards/tune.py     # every example the rules get wrong, with its findings
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate import config, crisis, decide  # noqa: E402

rows = [json.loads(x) for x in (Path(__file__).parent / "tune_crisis.jsonl").read_text().splitlines() if x.strip()]
acts = decide(config("patient"), [r["text"] for r in rows])
wrong = [(r, a) for r, a in zip(rows, acts) if (a != "none") != (r["label"] == "crisis")]
for r, a in wrong:
    print(r["label"], a, r["text"], crisis.detect(r["text"]))
print(f"{len(rows) - len(wrong)}/{len(rows)} right")
