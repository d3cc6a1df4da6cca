"""Small hand-kept word lists: the context cues around names and the common words to never call a name.

The name and place lexicons themselves come from maintained packages (see `lexicons.py`); these
lists only hold what no package gives: which words introduce a person, and which capitalised words
in clinical notes are not people even though a census list contains them.
"""

from __future__ import annotations

TITLES = frozenset("mr mrs ms miss mx dr doctor prof professor nurse rev mister madam sr np pa rn".split())

# A person's name often follows these (any case): "daughter Ana", "seen by Dr. holmes".
ROLE_WORDS = frozenset(
    """patient pt pts daughter son wife husband mother mom mum father dad sister brother spouse partner
    friend neighbor neighbour caregiver guardian grandson granddaughter grandmother grandfather grandma
    grandpa aunt uncle niece nephew cousin fiance fiancee boyfriend girlfriend roommate employer boss
    coworker co-worker colleague supervisor manager therapist physician psychiatrist psychologist counselor
    counsellor clinician attending resident intern provider pcp surgeon cardiologist oncologist
    neurologist pediatrician midwife doula chaplain pharmacist dentist stepson stepdaughter stepmother
    stepfather sibling child twin landlord teacher coach sponsor client resident's""".split()
)
ROLE_BIGRAMS = frozenset(
    """seen by|referred by|accompanied by|signed by|reviewed by|dictated by|discussed with|spoke with|
    spoke to|met with|called by|visited by|cared for by|treated by|examined by|evaluated by|per dr|
    next of|emergency contact|social worker|case manager|nurse practitioner|contact person|
    primary care|care coordinator|legal guardian|health proxy|healthcare proxy|power of""".replace("\n", "").split("|")
)
STRONG_CUES = frozenset("named called name name: names aka alias".split())

# Capitalised words a census list may hold that in a clinical note are rarely a person.
COMMON = frozenset(
    """a an the and or but if of in on at to for from by with without as is was are were be been has had
    have do does did not no yes this that these those he she they we you i it his her their our your my
    me him them us who whom which what when where why how all any some each every both few more most
    other such only own same so than too very can will just should now then there here also may might
    must shall would could one two three four five six seven eight nine ten first second third last next
    new old good bad best better well ill sick major minor chief general mercy hope faith grace joy
    charity patience honor justice liberty unique destiny harmony trinity love chance summer autumn
    winter spring june april august may july march monday tuesday wednesday thursday friday saturday
    sunday day night morning evening noon today tomorrow yesterday week month year mark bill will grant
    rose dawn ray earl guy jack pat sue don gene art king page lane dale glen wood royal sunny precious
    divine miracle angel ivory ruby pearl crystal amber jade coral opal iris lily daisy holly ginger
    olive sage young long brown green white black gray grey red blue golden silver sterling christian
    baby tiny buddy sugar honey sandy rusty champ chip bud sonny major colonel judge bishop pope
    patient doctor nurse chart note notes plan assessment history exam review vitals vital signs labs
    lab imaging impression diagnosis problem problems medications medication meds allergies allergy
    family social surgical past present illness complaint hpi ros pe a/p subjective objective
    disposition discharge admission admit follow followup follow-up return call clinic hospital center
    centre medical health care services service unit ward room floor bed emergency department dept
    icu ed er or pacu nicu picu ccu cardiology neurology oncology psychiatry pediatrics radiology
    surgery medicine internal family behavioral mental primary urgent outpatient inpatient
    telehealth virtual visit encounter consult consultation referral order orders result results
    report reports states stated denies denied endorses endorsed reported notes noted presents presented
    feels felt appears appeared continues continue started start stop stopped took takes taking
    lives living lived alone home house apartment shelter work job school church
    insurance medicare medicaid blue cross shield aetna cigna humana kaiser united anthem
    tylenol lasix norco xanax ambien coumadin lipitor zoloft prozac advil motrin aleve
    parkinson parkinson's alzheimer alzheimer's crohn crohn's hodgkin hodgkin's down graves addison
    addison's cushing cushing's bell bell's foley gram apgar glasgow babinski murphy murphy's
    homan homans kernig brudzinski epley romberg tinel phalen wells heimlich swan ganz holter
    doppler
    north south east west northern southern eastern western upper lower left right bilateral
    street avenue road lane drive court place way county city state town village
    mg ml mcg kg bp hr rr spo2 temp bmi ekg ecg ct mri cbc bmp cmp tsh a1c inr ptt
    dear thanks thank regards sincerely hello hi ok okay please note per re cc bcc fyi
    god lord jesus christ allah buddha
    january february september october november december jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thur thurs fri sat sun
    english spanish french german chinese korean japanese vietnamese arabic russian
    american african asian hispanic latino latina caucasian white european
    max min
    dob dod doa mrn ssn pcp npi dea dx hx rx tx sx fx pmh psh fh sh cc acct dl lmp edd ega
    """.split()
)

# Words before a capitalised run that make it a place rather than a person.
PLACE_CUES = frozenset(
    "in from to at near of lives resides moved relocated born visiting visited traveled travelled "
    "returned toward towards outside around".split()
)

# Names in Faker's locale lists (lexicons.foreign) that are also a single-word drug name or brand in
# `drug-named-entity-recognition` 2.0.9's dictionary (DrugBank, MeSH, NHS, Wikipedia) and not an
# English word: a capitalised "Allegra" in a note is a drug first. Derived from that package, not typed
# to fit a corpus; tests/redaction/test_foreign_names.py re-derives it and fails when it is stale.
NAME_LIST_DRUGS = frozenset(
    """ajan allegra alli armin arvin camila cerna corwin diskin dona fica flovent fras gaba hana hierro
    ismo ivor jalyn jili kalinin kendrick landin laurine maci makena mareen mirna palin saha sarin serina
    soman talen thein titin tobi vals vestin""".split()
)

# A clinical note's own abbreviations for what it measures and how it doses (labs, vitals, frequencies,
# routes) and for its sections ("Neuro:", "Abd:"): before a value they are the value's label ("Na 134",
# "Plt 210", "metoprolol 25 BID"), never a street or a person. Left out on purpose: US state codes ("SC", "PR"), street types ("Sq", "Cr" as in
# Crescent) and single letters ("U Street"), which an address may hold.
CLINICAL_ABBREVIATIONS = frozenset(
    """na cl hco3 bun creat glu wbc hgb hb hct plt plts inr ptt aptt ast alt alp tbili dbili ldh cpk trop
    bnp tsh a1c hba1c ldl hdl trig esr crp pct mag phos abg vbg pco2 po2 sao2 spo2 fio2 peep ef lvef rvsp
    mcv rdw anc egfr gfr cbc bmp cmp hr rr bp sbp dbp map temp wt ht bmi gcs sats o2 bid tid qid qd qod
    qhs qam qpm prn po iv ivp im subq sl ng tab tabs mg mcg meq iu neuro psych resp cardio cv pulm abd ext
    heent msk derm heme onc endo renal gi gu dispo hpi ros pmh psh""".split()
)
