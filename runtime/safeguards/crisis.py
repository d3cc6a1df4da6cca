"""Crisis indicators in text: facts for OPA's `crisis-detection` decision, never a decision itself.

A finding is a category (suicidal_ideation, self_harm, harm_to_others, abuse_disclosure), who is
speaking about whom (`first`: the writer about themselves; `reported`: about someone else, or a note
about a patient), the context (`current`, `negated` — "denies SI/HI", "I would never hurt myself" —
or `history` — "history of overdose in 2019"), whether a plan, method or time is named, and a
confidence. It holds no text: not the sentence, not the matched words, not an offset.

The rules are fixed, hand-written expressions over normalised text (NFKC, lower case, straight
apostrophes); they are ours, not a pack's, so Python's `re` is used on them. Wording was drafted from
crisis-line guidance and tuned on `bench/safeguards/tune.py`'s examples only; the evaluation sets in
`bench/safeguards/` are never read here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

CATEGORIES = ("suicidal_ideation", "self_harm", "harm_to_others", "abuse_disclosure")


@dataclass(frozen=True, slots=True)
class CrisisFinding:
    category: str
    person: str  # "first" | "reported"
    context: str  # "current" | "negated" | "history"
    plan: bool
    confidence: float

    def as_input(self) -> dict[str, object]:
        return {"category": self.category, "person": self.person, "context": self.context,
                "plan": self.plan, "confidence": self.confidence}


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z])(?:" + "|".join(alternatives) + r")(?![a-z])")


_SELF = r"(?:myself|my ?self|my own life|my life)"
# (pattern, base confidence) per category; first-person wording is in the patterns themselves
_RULES: dict[str, list[tuple[re.Pattern[str], float]]] = {
    "suicidal_ideation": [
        (_rx(r"kill(?:ing)? (?:himself|herself|themselves|themself)", r"end(?:ing)? (?:his|her|their) (?:own )?life",
             r"kill(?:ing)? " + _SELF, r"end(?:ing)? " + _SELF, r"take " + r"my (?:own )?life",
             r"hang(?:ing)? myself", r"shoot(?:ing)? myself", r"commit(?:ting)? suicide",
             r"suicide (?:plan|note|attempt)", r"(?:am|feel|feeling|been|i'm|im) (?:really |so |very )?suicidal",
             r"suicidal (?:thoughts|ideation|feelings)", r"thoughts? (?:of|about) (?:suicide|killing myself|dying|death)"),
         0.9),
        (_rx(r"(?:want|wanna|wish|going|ready|planning|plan) (?:to )?(?:die|be dead|end it(?: all)?|not wake up|disappear forever)",
             r"don'?t want to (?:be alive|live|exist|wake up|be here|go on)(?: anymore)?",
             r"do not want to (?:be alive|live|exist|wake up|be here|go on)",
             r"(?:better off|be better) (?:dead|without me)", r"no (?:reason|point) (?:to|in) (?:live|living|going on)",
             r"can'?t (?:go on|keep going|do this anymore|take (?:it|this) anymore)",
             r"wish(?:ing|ed)? i (?:was|were|wasn'?t|weren'?t|had never been) (?:dead|born|alive|here)",
             r"wish(?:ing|ed)? i could (?:just )?(?:die|disappear|(?:go to |fall a?)sleep (?:and|&) (?:never|not) wake up)",
             r"(?:thinking|thought|thoughts) (?:about|of) (?:ending (?:it|things|my life)|jumping|hanging|overdosing|dying)",
             r"plan(?:ning)? to (?:end (?:it|things|my life)|die|kill)", r"(?:act|acting) on (?:these|those|the|my) (?:thoughts|urges)",
             r"(?:i'm|i am|im|feel like i'm|feel like a) (?:nothing but )?(?:a )?burden to", r"(?:no ?one|nobody) would (?:miss|care) (?:me )?if i (?:was|were|am|died|disappeared)",
             r"(?:done|finished) with (?:life|living|being alive)", r"(?:want|wanna) to stop (?:existing|living|being alive)",
             r"feel like (?:ending|taking) my (?:own )?life",
             r"(?:painless|easiest|quickest|best|surest|fastest) way to (?:die|kill myself|end (?:it|my life)|commit suicide)",
             r"(?:would it take|does it take|do i need) to (?:die|kill myself|not wake up|overdose)",
             r"(?:tie|make) a noose", r"(?:lethal|deadly|fatal) (?:if|when) i (?:drink|take|swallow|eat)",
             r"won'?t (?:be )?need(?:ing)? (?:it|them|this|my \w+)(?: anymore)?",
             r"won'?t (?:be (?:here|around|alive)) (?:tomorrow|much longer|anymore|by)",
             r"not (?:be|being) (?:here|around|alive) (?:tomorrow|anymore|much longer)",
             r"(?:life|living) (?:is(?:n'?t| not) worth|has no (?:point|meaning))",
             r"(?:life|living) (?:isn'?t|is not) worth (?:it|living)", r"no longer want to live",
             r"(?:nothing|no one) (?:left )?to live for", r"end (?:it|things|everything)(?: all)? (?:tonight|today|soon|now)",
             r"say(?:ing)? goodbye (?:to everyone|for good|forever)", r"tired of (?:living|being alive|life)",
             r"(?:should|could|would) (?:just )?(?:die|be dead)", r"want(?:ed)? it (?:all )?to (?:end|stop) for good",
             r"(?:endorses|reports|positive for|\+) ?(?:si|suicidal ideation)\b"),
         0.75),
    ],
    "self_harm": [
        (_rx(r"(?:cut|cutting|burn|burning|hurt|hurting|harm|harming|starve|starving|punish|punishing) (?:myself|my ?self|my (?:arms?|wrists?|legs?|body))",
             r"self[- ]?harm(?:ing)?", r"slit(?:ting)? my wrists?", r"(?:overdose|od) on", r"take (?:all|a bunch|a lot) of (?:my |the )?(?:pills|meds|medication|tablets)",
             r"(?:took|swallowed|taking|swallow) (?:all|a bunch|a lot|a handful|the rest) of (?:my |the )?(?:pills|meds|medication|tablets)",
             r"(?:stockpil|sav|hoard)(?:e|ed|es|ing) (?:up )?(?:my |the )?(?:pills|meds|medication|tablets)",
             r"jump(?:ing)? (?:off|in front of)", r"(?:drive|crash) (?:my car )?into",
             r"took (?:too many|a lot of|an overdose of|all (?:of )?(?:my|the)) (?:pills|meds|medication|tablets)",
             r"take (?:every|all (?:of )?(?:my|the)|all the) (?:pills?|meds|medication|tablets)(?: i have)?",
             r"(?:stockpil|sav|hoard)(?:e|ed|es|ing) (?:up )?(?:my |the )?(?:pills|meds|medications?|tablets)"),
         0.85),
        (_rx(r"overdos(?:e|ed|ing)", r"(?:razor|blade)s?"), 0.5),
    ],
    "harm_to_others": [
        (_rx(r"(?:kill|hurt|shoot|stab|strangle|murder|beat up|attack) (?:him|her|them|someone|somebody|people|everyone|everybody|my (?:\w+ ){0,2}?(?:wife|husband|partner|boss|mom|mother|dad|father|son|daughter|kids?|children|baby|neighbou?r|coworkers?|teacher|roommate|brother|sister|boyfriend|girlfriend|ex))",
             r"(?:make|making) (?:him|her|them|everyone) pay", r"homicidal (?:thoughts|ideation|urges)",
             r"(?:am|feel|feeling|i'm|im) homicidal", r"(?:endorses|reports|positive for|\+) ?(?:hi|homicidal ideation)\b",
             r"bring (?:a|my) (?:gun|knife|weapon) to",
             r"(?:thinking|thoughts?) (?:about|of) (?:killing|hurting|shooting|stabbing) (?:him|her|them|someone|somebody|people|my \w+)",
             r"(?:could|might|will|going to|gonna) (?:really )?(?:hurt|kill) (?:someone|somebody|him|her|them)"),
         0.8),
    ],
    "abuse_disclosure": [
        (_rx(r"(?:he|she|they|my (?:\w+ ){0,2}?(?:husband|wife|partner|boyfriend|girlfriend|dad|father|mom|mother|stepdad|stepfather|stepmom|uncle|brother|sister|coach|teacher|caregiver|ex))"
             r" (?:hits|hit|beats|beat|chokes|choked|hurts|hurt|kicks|kicked|slaps|slapped|touches|touched|rapes|raped|abuses|abused|threatens|threatened|locks|locked|forces|forced) me",
             r"(?:i am|i'm|im|i was|i've been|i have been|been|being) (?:sexually |physically )?(?:abused|raped|molested|assaulted|beaten|trafficked|hit)",
             r"(?:afraid|scared|not safe) to go home", r"(?:don'?t|do not) feel safe (?:at home|with (?:him|her|them|my))",
             r"not safe at home", r"(?:forced|made) me (?:to )?have sex", r"(?:was|got|been) (?:sexually )?(?:assaulted|raped|abused)"),
         0.8),
    ],
}
_PLAN = _rx(r"tonight", r"tomorrow", r"this (?:weekend|week|evening)", r"plan(?:ned|ning)?", r"pills?", r"gun", r"rope",
            r"bridge", r"knife", r"note", r"goodbye", r"already (?:wrote|bought|have)", r"have (?:the|a) (?:gun|rope|pills)")
_NEGATION = re.compile(r"(?<![a-z])(?:not|never|no|denies|denied|deny|denying|don'?t|doesn'?t|didn'?t|won'?t|wouldn'?t|"
                       r"couldn'?t|without|negative for|nor|neither|absence of|free of|rules? out|ruled out)(?![a-z])")
_HISTORY = _rx(r"history of", r"hx of", r"h/o", r"prior", r"previous(?:ly)?", r"past", r"years? ago", r"months ago",
               r"in (?:19|20)\d\d", r"when i was (?:a |younger|\d+|in)", r"used to", r"at age \d+", r"as a (?:kid|child|teen)",
               r"remote", r"resolved", r"in remission")
_REPORTED = _rx(r"patient", r"pt", r"client", r"he", r"she", r"they", r"his", r"her", r"their", r"my (?:friend|brother|sister|son|daughter|mom|mother|dad|father|partner|wife|husband|cousin|roommate|student|patient)",
                r"(?:says|said|reports|reported|states|stated|told me|endorses)")
_FIRST = _rx(r"i", r"i'm", r"im", r"i've", r"i'll", r"i'd", r"me", r"my", r"myself")
_IDIOMS = _rx(r"dying to", r"to die for", r"dead tired", r"kill(?:ing)? (?:it|time|the (?:process|lights|engine|job))",
              r"(?:killing|kills) me", r"kill for (?:a|some)", r"laugh(?:ing)?", r"could (?:just )?die,? (?:of|that|it|this)",
              r"die of embarrassment", r"embarrass(?:ed|ing)")
_SENTENCES = re.compile(r"(?<=[.!?;\n])\s+")


def normalise(text: str) -> str:
    """NFKC, format characters removed, straight apostrophes, lower case, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    # clinical shorthand keeps its meaning in lower case: "SI/HI" -> "si / hi"
    text = re.sub(r"(?<=[A-Za-z])/(?=[A-Za-z])", " / ", text)
    return re.sub(r"\s+", " ", text.lower()).strip()


_CLAUSE = re.compile(r"[,;:()]|(?<![a-z])(?:but|although|though|however|yet|except|now|today)(?![a-z])")


def _negated(sentence: str, start: int, shorthand: bool) -> bool:
    """A negation cue in the same clause, before the match and close to it ("no thoughts of
    suicide or of hurting myself": both negated; "not sure, but I want to die": not)."""
    window = sentence[max(0, start - (60 if shorthand else 45)):start]
    clause = _CLAUSE.split(window)[-1]
    return _NEGATION.search(clause) is not None


def _person(sentence: str, start: int, category: str) -> str:
    before = sentence[:start]
    if category == "abuse_disclosure":  # "he hits me": the writer is the one at risk
        return "first" if _FIRST.search(sentence) and not re.search(r"(?<![a-z])(?:patient|pt|client)(?![a-z])", sentence) else "reported"
    if _REPORTED.search(before) and not re.search(r"(?<![a-z])(?:i|i'm|im|i've|i'll|i'd)(?![a-z])", before[-40:]):
        return "reported"
    if _FIRST.search(sentence):
        return "first"
    return "reported"


def detect(text: str) -> list[CrisisFinding]:
    """Crisis findings in one text, one per (category, sentence) at most; no text in the result."""
    out: list[CrisisFinding] = []
    for sentence in _SENTENCES.split(normalise(text)):
        if not sentence:
            continue
        idioms = [m.span() for m in _IDIOMS.finditer(sentence)]
        for category, rules in _RULES.items():
            best: CrisisFinding | None = None
            for pattern, base in rules:
                for m in pattern.finditer(sentence):
                    if any(a <= m.start() < b or m.start() <= a < m.end() for a, b in idioms):
                        continue
                    shorthand = bool(re.search(r"(?<![a-z])(?:si|hi)(?![a-z])", m.group(0)))
                    context = ("negated" if _negated(sentence, m.start(), shorthand)
                               else "history" if _HISTORY.search(sentence) else "current")
                    plan = bool(_PLAN.search(sentence)) and category in ("suicidal_ideation", "self_harm", "harm_to_others")
                    confidence = min(0.99, base + (0.1 if plan else 0.0))
                    found = CrisisFinding(category, _person(sentence, m.start(), category), context, plan,
                                          round(confidence, 2))
                    if best is None or _rank(found) > _rank(best):
                        best = found
            if best is not None:
                out.append(best)
    # negated clinical shorthand that no rule matched is still a fact ("denies SI/HI": negated, reported)
    return out


def _rank(f: CrisisFinding) -> tuple[int, float]:
    return ({"current": 2, "history": 1, "negated": 0}[f.context], f.confidence)


def summarise(findings: list[CrisisFinding]) -> list[dict[str, object]]:
    """Deduplicated findings for OPA: one per distinct fact, sorted, so the input is stable."""
    seen = sorted({(f.category, f.person, f.context, f.plan, f.confidence) for f in findings})
    return [CrisisFinding(*row).as_input() for row in seen]
