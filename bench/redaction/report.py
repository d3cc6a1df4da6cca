"""Recall and precision per category on the corpus, engines side by side in one run.

    python -m bench.redaction.report [--presidio] [--ner spacy] [--split all|dev|holdout]
    python -m bench.redaction.report --outside [--presidio] [--markdown FILE]   # corpora others wrote
    python -m bench.redaction.report --outside --dev-leaks   # packgate's DEV misses and false positives


`packgate` is the default engine (rules only); `--ner spacy` adds `packgate+spacy` (the same rules plus
the optional spaCy NER backend); `--presidio` adds Microsoft Presidio with the same spaCy model.
"""

from __future__ import annotations

import argparse
import sys

from . import philter_backend, presidio_backend
from .corpus import LEXICAL, STRUCTURED, build
from .evaluate import Score, ours, score


def table(scores: dict[str, Score]) -> str:
    names = list(scores)
    head = f"{'category':16}" + "".join(f" | {n + ' R':>11} {n + ' P':>11} {n + ' leakR':>11}" for n in names)
    lines = [head, "-" * len(head)]
    for cat in LEXICAL + STRUCTURED:
        g = next(iter(scores.values())).gold[cat]
        row = f"{cat + f' ({g})':16}"
        for n in names:
            s = scores[n]
            p = f"{s.precision(cat):.3f}" if s.pred[cat] else "-"
            row += f" | {s.recall(cat):>11.3f} {p:>11} {s.redaction_recall(cat):>11.3f}"
        lines.append(row)
    row = f"{'OVERALL':16}"
    for n in names:
        s = scores[n]
        row += f" | {s.recall():>11.3f} {s.precision():>11.3f} {s.redaction_recall():>11.3f}"
    lines.append(row)
    for n in names:
        s = scores[n]
        mbs = s.chars / s.seconds / 1e6 if s.seconds else 0.0
        lines.append(f"{n}: {s.chars} chars in {s.seconds:.3f} s = {mbs:.3f} MB/s, "
                     f"{s.seconds / max(s.chars, 1) * 1024 * 1000:.3f} ms per KB")
    return "\n".join(lines)


def _without_towns():
    import dataclasses

    from packgate.runtime.redaction import Engine

    engine = Engine(hipaa=True, pii=True, healthcare_mode=True, pci_mode=True)
    engine._lex = dataclasses.replace(engine._lex, towns=frozenset(), town_first_tokens=frozenset())
    return engine


def _dev_leaks() -> int:
    """Each leaking gold span and each false positive of packgate on the outside corpora's DEV halves
    (never TEST), with 60 characters of context: what a tuning round reads."""
    from . import outside

    predict = ours()
    for corpus, load in outside.CORPORA.items():
        dev = [d for d in load() if d.split == "dev"]
        print(f"## {corpus}: DEV misses")
        for d, sp, preds in outside.leaks(dev, predict):
            s, e = sp[0], sp[1]
            got = [d.text[a:b] for a, b, _ in preds if a < e and s < b]
            print(f"{d.labels[d.spans.index(sp)]:15} {d.text[max(0, s - 60):s] + '[[' + d.text[s:e] + ']]' + d.text[e:e + 40]!r} got={got}")
        print(f"## {corpus}: DEV false positives")
        for d, p in outside.false_positives(dev, predict):
            s, e = p[0], p[1]
            print(f"{p[2]:15} {d.text[max(0, s - 50):s] + '[[' + d.text[s:e] + ']]' + d.text[e:e + 30]!r}")
    return 0


def _outside(args: argparse.Namespace) -> int:
    from . import outside

    if args.dev_leaks:
        return _dev_leaks()

    engines = {"packgate": ours()}
    if args.ner:
        from packgate.runtime.redaction import Engine

        engines[f"packgate+{args.ner}"] = ours(Engine(hipaa=True, pii=True, healthcare_mode=True, pci_mode=True, ner=args.ner))
    if args.presidio:
        if presidio_backend.available():
            engines["presidio"] = presidio_backend.predictor()
        else:
            print("presidio: not installed (pip install -e '.[eval]'); skipped", file=sys.stderr)
    if args.philter:
        if philter_backend.available():
            engines["philter"] = philter_backend.predictor()
        else:
            print("philter: not installed (pip install -e '.[eval]'); skipped", file=sys.stderr)
    results: dict = {}
    for corpus, load in outside.CORPORA.items():
        docs = load()
        for name, predict in engines.items():
            predict(docs[0].text)  # warm up outside the timed run
            results.setdefault(corpus, {})[name] = {
                split: outside.score([d for d in docs if d.split == split], predict) for split in ("dev", "test")
            }
    md = outside.markdown(results)
    print(md)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(md + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--presidio", action="store_true", help="score Microsoft Presidio side by side")
    ap.add_argument("--philter", action="store_true", help="with --outside: score Philter (philter-lite) side by side")
    ap.add_argument("--ner", choices=["spacy"], help="also score the rules plus this NER backend")
    ap.add_argument("--split", choices=["all", "dev", "holdout"], default="all")
    ap.add_argument("--outside", action="store_true", help="score the outside corpora (bench/redaction/outside.py)")
    ap.add_argument("--markdown", metavar="FILE", help="with --outside: also write the markdown table here")
    ap.add_argument("--dev-leaks", action="store_true", help="with --outside: list packgate's DEV misses and false positives")
    args = ap.parse_args(argv)
    if args.outside:
        return _outside(args)
    corpus = [e for e in build() if args.split == "all" or e.split in (args.split, "negative")]
    scores = {"packgate": score(corpus, ours())}
    if args.ner:
        from packgate.runtime.redaction import Engine
        from packgate.runtime.redaction.ner import NerUnavailable

        try:
            engine = Engine(hipaa=True, pii=True, healthcare_mode=True, pci_mode=True, ner=args.ner)
        except NerUnavailable as exc:
            print(f"{args.ner}: {exc}; skipped", file=sys.stderr)
        else:
            predict = ours(engine)
            predict(corpus[0].text)  # warm the model once, outside the timed run
            scores[f"packgate+{args.ner}"] = score(corpus, predict)
    if args.presidio:
        if presidio_backend.available():
            predict = presidio_backend.predictor()
            predict(corpus[0].text)  # warm up outside the timed run, as for the others
            scores["presidio"] = score(corpus, predict)
        else:
            print("presidio: not installed (pip install -e '.[eval]'); skipped", file=sys.stderr)
    print(f"corpus: {len(corpus)} texts, split={args.split}; R = category recall, P = precision, "
          "leakR = covered by any category")
    print(table(scores))
    ablated = score(corpus, ours(_without_towns()))
    print(f"packgate -towns500 (no 500+ places list; every corpus city is in it): LOCATION R "
          f"{ablated.recall('LOCATION'):.3f} P {ablated.precision('LOCATION'):.3f}, NAME R {ablated.recall('NAME'):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
