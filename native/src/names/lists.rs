//! The hand-kept word lists `names.scan_names` reads (`runtime/redaction/names.py`, `wordlists.py`,
//! `patterns.py`), spelled as the Python spells them. `names_wordlists()` hands them back so
//! `tests/native/test_names.py` holds each equal to its Python twin: a list edited on one side only fails.

use rustc_hash::FxHashSet;
use std::sync::LazyLock;

pub type Words = FxHashSet<&'static str>;

fn words(src: &'static str) -> Words {
    src.split_whitespace().collect()
}

fn union(sets: &[&Words]) -> Words {
    sets.iter().flat_map(|s| s.iter().copied()).collect()
}

pub static TITLES: LazyLock<Words> = LazyLock::new(|| {
    words("mr mrs ms miss mx dr doctor prof professor nurse rev mister madam sr np pa rn")
});

pub static ROLE_WORDS: LazyLock<Words> = LazyLock::new(|| {
    words(
        "patient pt pts daughter son wife husband mother mom mum father dad sister brother spouse partner
    friend neighbor neighbour caregiver guardian grandson granddaughter grandmother grandfather grandma
    grandpa aunt uncle niece nephew cousin fiance fiancee boyfriend girlfriend roommate employer boss
    coworker co-worker colleague supervisor manager therapist physician psychiatrist psychologist counselor
    counsellor clinician attending resident intern provider pcp surgeon cardiologist oncologist
    neurologist pediatrician midwife doula chaplain pharmacist dentist stepson stepdaughter stepmother
    stepfather sibling child twin landlord teacher coach sponsor client resident's",
    )
});

/// As wordlists.py builds it: its source's line breaks are dropped but not the next line's indent, so
/// "    spoke to", "    next of" and "    primary care" keep four leading spaces and never equal
/// "<token> <token>" (their last words still count in `BIGRAM_LAST`).
pub const ROLE_BIGRAMS_SRC: &str = "seen by|referred by|accompanied by|signed by|reviewed by|dictated by|discussed with|spoke with|    spoke to|met with|called by|visited by|cared for by|treated by|examined by|evaluated by|per dr|    next of|emergency contact|social worker|case manager|nurse practitioner|contact person|    primary care|care coordinator|legal guardian|health proxy|healthcare proxy|power of";

/// Role bigrams as (first word, last word): a bigram of three words ("cared for by") can never equal
/// "<token> <token>", and is kept out of the pairs (it still names `BIGRAM_LAST`'s "by").
pub static ROLE_BIGRAM_PAIRS: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    ROLE_BIGRAMS_SRC
        .split('|')
        .filter_map(|b| b.split_once(' '))
        .filter(|(_, b)| !b.contains(' '))
        .collect()
});

pub static ROLE_BIGRAMS: LazyLock<Words> = LazyLock::new(|| ROLE_BIGRAMS_SRC.split('|').collect());

pub static STRONG_CUES: LazyLock<Words> =
    LazyLock::new(|| words("named called name name: names aka alias"));

pub static COMMON: LazyLock<Words> = LazyLock::new(|| {
    words(
        "a an the and or but if of in on at to for from by with without as is was are were be been has had
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
    dob dod doa mrn ssn pcp npi dea dx hx rx tx sx fx pmh psh fh sh cc acct dl lmp edd ega",
    )
});

pub static PLACE_CUES: LazyLock<Words> = LazyLock::new(|| {
    words(
        "in from to at near of lives resides moved relocated born visiting visited traveled travelled \
         returned toward towards outside around",
    )
});

pub const STATE_ABBR: &str = "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR";

pub const STATE_NAMES_RE: &str = "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming";

pub static STATE_TOKENS: LazyLock<Words> = LazyLock::new(|| {
    let mut s: Words = STATE_ABBR.split('|').collect();
    s.extend(
        "Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia \
         Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland Massachusetts \
         Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada New North Ohio Oklahoma \
         Oregon Pennsylvania Rhode South Tennessee Texas Utah Vermont Virginia Washington West \
         Wisconsin Wyoming"
            .split_whitespace(),
    );
    s
});

pub static STATES: LazyLock<Words> = LazyLock::new(|| {
    words(
        "alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho \
    illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota \
    mississippi missouri montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah \
    vermont virginia washington wisconsin wyoming america usa canada mexico",
    )
});

pub static STRONG_PLACE_CUES: LazyLock<Words> =
    LazyLock::new(|| words("lives resides moved relocated born raised hometown"));
pub static TOWN_CUES: LazyLock<Words> =
    LazyLock::new(|| words("in from to near at toward towards outside"));
pub static CREDENTIAL_STATES: LazyLock<Words> =
    LazyLock::new(|| words("MD PA DO DE ME OR IN OK HI"));

pub static SUBJECT_VERBS: LazyLock<Words> = LazyLock::new(|| {
    words(
        "was is has had presented presents reports reported denies denied states stated tolerated declined
    agreed agrees arrived underwent returned remains remained requested refused consented signed died
    came comes will would called expressed verbalized understands understood complains complained
    endorses endorsed admits admitted",
    )
});

pub const VERBISH: &[&str] = &[
    "ed", "ing", "ly", "s", "ous", "ful", "ive", "able", "ible", "ion", "ness", "ment", "less",
    "ory",
];

pub static LOWER_STOP: LazyLock<Words> = LazyLock::new(|| {
    words(
        "seen told made went came gave took felt knew got left ran said aware alive present here there home
    today tonight now again also already still unable able alert stable awake asleep upset fine okay ok
    unknown deceased available absent involved supportive",
    )
});

pub static FAMILY_ROLES: LazyLock<Words> = LazyLock::new(|| {
    words(
        "daughter son wife husband mother mom mum father dad sister brother spouse partner friend neighbor
    neighbour caregiver guardian grandson granddaughter grandmother grandfather grandma grandpa aunt uncle
    niece nephew cousin fiance fiancee boyfriend girlfriend roommate stepson stepdaughter stepmother
    stepfather sibling children kids sons daughters parents siblings brothers sisters grandchildren",
    )
});

/// `wordlists.CLINICAL_ABBREVIATIONS`: a note's labs, vitals, frequencies and routes (clinical.rs and
/// addresses.rs read it too).
pub static CLINICAL_ABBREVIATIONS: LazyLock<Words> = LazyLock::new(|| {
    words(
        "na cl hco3 bun creat glu wbc hgb hb hct plt plts inr ptt aptt ast alt alp tbili dbili ldh cpk trop
    bnp tsh a1c hba1c ldl hdl trig esr crp pct mag phos abg vbg pco2 po2 sao2 spo2 fio2 peep ef lvef rvsp
    mcv rdw anc egfr gfr cbc bmp cmp hr rr bp sbp dbp map temp wt ht bmi gcs sats o2 bid tid qid qd qod
    qhs qam qpm prn po iv ivp im subq sl ng tab tabs mg mcg meq iu neuro psych resp cardio cv pulm abd ext
    heent msk derm heme onc endo renal gi gu dispo hpi ros pmh psh",
    )
});

pub static FACILITY_HEADS: LazyLock<Words> = LazyLock::new(|| {
    words(
        "hospital hospitals clinic clinics infirmary hospice sanatorium sanitarium dept department pharmacy \
         laboratory laboratories healthcare physicians associates",
    )
});

pub const FACILITY_PAIRS_SRC: &str = "medical center|health center|care center|nursing home|rehabilitation center|rehab center|surgery center|cancer center|children's hospital|health system|medical centre|memorial hospital|urgent care|senior living|assisted living|skilled nursing|dialysis center|mental health";

pub static FACILITY_PAIRS: LazyLock<Vec<(&'static str, &'static str)>> = LazyLock::new(|| {
    FACILITY_PAIRS_SRC
        .split('|')
        .map(|p| p.split_once(' ').expect("a facility pair has two words"))
        .collect()
});

pub static FACILITY_END: LazyLock<Words> = LazyLock::new(|| {
    let mut s = FACILITY_HEADS.clone();
    s.extend(FACILITY_PAIRS.iter().map(|(a, _)| *a));
    s
});

/// `_FACILITY_CAP`: the ends capitalised ("Hospital") and in capitals ("HOSPITAL"), owned (built once).
pub static FACILITY_CAP: LazyLock<FxHashSet<String>> = LazyLock::new(|| {
    let mut s = FxHashSet::default();
    for w in FACILITY_END.iter() {
        s.insert(super::capitalize(w));
        s.insert(w.to_ascii_uppercase());
    }
    s
});

pub static NEVER: LazyLock<Words> = LazyLock::new(|| {
    let extra = words(
        "a an the and or but of in on at to for from by with is was are were has had have he she they it his her \
         their this that who which patient doctor nurse",
    );
    union(&[&TITLES, &ROLE_WORDS, &STATES, &extra])
});

pub static FUNCTION: LazyLock<Words> = LazyLock::new(|| {
    words(
        "will may can should would could might must did does do said says also just still then now here there \
         very well ill had has have is was were are be been being not no yes so as at by in on up out",
    )
});

pub static PARTICLES: LazyLock<Words> = LazyLock::new(|| {
    words("van von de der den ten ter da di del della du le la dos das bin ibn al el")
});
pub static CONNECT: LazyLock<Words> =
    LazyLock::new(|| words("de del la las los of on upon el san santa st"));

pub const ENGLISH_SUFFIX: &[&str] = &[
    "ity", "ant", "ent", "ee", "al", "ance", "ence", "ism", "ist", "ize", "ise", "ure", "age",
    "ary", "ery", "ic", "ward", "wise", "ship", "hood", "dom", "ular", "ket", "eak", "ear", "ead",
    "ind", "ont", "ack", "ake", "ook", "oor", "ould", "ight", "ther", "ther", "out", "own", "ime",
    "ine", "ise", "ave", "ove", "ome", "ate", "ide", "ody", "ain", "ish", "ble", "ple", "tle",
    "ge", "ce", "ck", "ss", "nk", "ng", "ft", "pt", "ct", "xt", "rd", "rt", "rk", "rm", "rn", "mp",
    "nt", "nd",
];

pub const DRUG_STEM: &[&str] = &[
    "pril",
    "olol",
    "sartan",
    "statin",
    "mab",
    "nib",
    "azole",
    "cillin",
    "mycin",
    "cycline",
    "floxacin",
    "dipine",
    "prazole",
    "tidine",
    "setron",
    "triptan",
    "afil",
    "gliptin",
    "glitazone",
    "parin",
    "xaban",
    "gatran",
    "lukast",
    "terol",
    "sone",
    "olone",
    "semide",
    "thiazide",
    "formin",
    "glipizide",
    "lamide",
    "barbital",
    "azepam",
    "zolam",
    "oxetine",
    "aline",
    "triptyline",
    "apine",
    "idone",
    "peridol",
    "profen",
    "coxib",
    "vir",
    "navir",
    "tegravir",
    "caine",
    "curium",
    "fentanil",
    "morphone",
    "codone",
    "tropin",
    "mide",
    "zide",
    "osin",
    "ase",
    "emia",
    "itis",
    "osis",
    "ectomy",
    "otomy",
    "plasty",
    "scopy",
    "gram",
    "graphy",
    "pathy",
    "algia",
    "ology",
    "ologist",
    "uria",
    "penia",
    "cytosis",
    "oma",
    "ectasis",
    "megaly",
];

pub static PERSON_VERBS: LazyLock<Words> = LazyLock::new(|| {
    words("lives lived said says shouted told tells wrote writes asked asks works worked moved flew is")
});
pub static MOVE_VERBS: LazyLock<Words> = LazyLock::new(|| {
    words("flew fly flying moved move moving travelled traveled travel drove went go going relocated returned")
});
pub static EPONYMS: LazyLock<Words> = LazyLock::new(|| {
    words(
        "sjogren meniere behcet barre guillain bechterew kussmaul graefe gruneisen hunner lowenstein muller \
         schonlein henoch durer gaucher dejerine roussy tourette tietze loffler kohler gorlin",
    )
});
pub static EPONYM_HEADS: LazyLock<Words> = LazyLock::new(|| {
    words(
        "disease diseases syndrome syndromes sign signs phenomenon palsy test tests maneuver manoeuvre reflex
    criteria score scale classification fracture lesion lesions procedure node nodes tumor tumour type
    pattern law curve triad operation repair method formula equation index stage staging ulcer anomaly
    disorder deformity contracture neuralgia sarcoma lymphoma cell cells body bodies",
    )
});
pub static PLACE_HEADS: LazyLock<Words> =
    LazyLock::new(|| words("university city town village province republic kingdom municipality"));
pub static SAY_CUES: LazyLock<Words> =
    LazyLock::new(|| words("says said asked told me kid hi dear"));
pub static PERSON_VERBS_MORE: LazyLock<Words> =
    LazyLock::new(|| words("began begins spent had just speak speaks sings sang"));
pub static SUBJECT_PERSON_VERBS: LazyLock<Words> = LazyLock::new(|| {
    let mut s = union(&[&PERSON_VERBS, &PERSON_VERBS_MORE, &SUBJECT_VERBS]);
    for w in ["is", "has", "was", "will", "would"] {
        s.remove(w);
    }
    s
});
pub static UNKNOWN_CUES: LazyLock<Words> =
    LazyLock::new(|| words("in at from near visiting outside born lives resides"));
pub static ABBREV_TITLES: LazyLock<Words> =
    LazyLock::new(|| words("mr mrs ms mx dr prof rev sr np pa rn"));

pub static BIGRAM_LAST: LazyLock<Words> = LazyLock::new(|| {
    ROLE_BIGRAMS_SRC
        .split('|')
        .map(|b| b.rsplit_once(' ').map_or(b, |(_, w)| w))
        .collect()
});

pub static CUE_ANY: LazyLock<Words> = LazyLock::new(|| {
    let mut s = union(&[&TITLES, &ROLE_WORDS, &STRONG_CUES, &BIGRAM_LAST]);
    s.insert("is");
    s.insert("me");
    s
});

pub static PREV_CUES: LazyLock<Words> =
    LazyLock::new(|| words("in from near at outside to toward towards"));
pub static DRUGISH_VERBS: LazyLock<Words> = LazyLock::new(|| {
    words("lives lived said says shouted told tells wrote writes asked asks moved flew spent speaks sang sings")
});
pub static R3_LOWER: LazyLock<Words> = LazyLock::new(|| {
    let mut s = words("b c d e f g h j k l m n o p q r s t u v w x y z");
    s.extend(MOVE_VERBS.iter().copied());
    s
});
pub static JOURNEY: LazyLock<Words> =
    LazyLock::new(|| words("flew fly flying travelled traveled travel drove relocated"));
pub static GIVE_VERBS: LazyLock<Words> = LazyLock::new(|| {
    words(
        "gave given give gives giving handed hand hands sent send sends showed shown show shows \
         told tell tells offered offer lent lend paid pay brought bring",
    )
});
pub static THEIR: LazyLock<Words> = LazyLock::new(|| words("his her their"));

pub const TOWN_ENDING: &[&str] = &[
    "bury", "borough", "burgh", "burg", "berg", "ville", "ford", "field", "chester", "mouth",
    "haven", "stad", "stead", "wick", "shire",
];

pub static MED_CUES: LazyLock<Words> = LazyLock::new(|| {
    words(
        "on started start starting restart restarted continue continued continuing take takes taking took
    given give prescribed prescribe increased increase decreased decrease held hold stopped stop
    discontinued discontinue titrated titrate switched changed added add trial tried using uses use
    to of with and or plus mg mcg g ml units",
    )
});

pub static KIN_AFTER: LazyLock<Words> = LazyLock::new(|| {
    let mut s = FAMILY_ROLES.clone();
    s.extend("kid baby widow widower family funeral".split_whitespace());
    s
});
pub static VOCATIVE_NEXT: LazyLock<Words> = LazyLock::new(|| {
    words(
        "can could would will please i you do did are have thank thanks how what where when why we",
    )
});
pub static KIND_HEADS: LazyLock<Words> =
    LazyLock::new(|| words("city town village municipality commune township borough"));
pub static KIND_BEFORE: LazyLock<Words> = LazyLock::new(|| words("home native capital birth"));
pub static KIND_CUES: LazyLock<Words> = LazyLock::new(|| {
    let mut s = KIND_HEADS.clone();
    s.insert("hometown");
    s.insert("of");
    s
});
pub static KIND_NOT: LazyLock<Words> =
    LazyLock::new(|| words("council hall center centre limits manager clerk line square"));

pub const SUFFIX_WORDS: &str = "Alley Aly Allee Anex Annex Anx Arcade Arc Avenue Ave Av Bayou Byu Beach Bch Bend Bnd Bluff Blf Bluffs Blfs \
    Bottom Btm Boulevard Blvd Branch Br Bridge Brg Brook Brk Brooks Brks Burg Bg Burgs Bgs Bypass Byp Camp Cp \
    Canyon Cyn Cape Cpe Causeway Cswy Center Ctr Centre Centers Ctrs Circle Cir Circles Cirs Cliff Clf Cliffs \
    Clfs Club Clb Common Cmn Commons Cmns Corner Cor Corners Cors Course Crse Court Ct Courts Cts Cove Cv Coves \
    Cvs Creek Crk Crescent Cres Crest Crst Crossing Xing Crossroad Xrd Crossroads Xrds Curve Curv Dale Dl Dam Dm \
    Divide Dv Drive Dr Drives Drs Estate Est Estates Ests Expressway Expy Extension Ext Extensions Exts Fall \
    Falls Fls Ferry Fry Field Fld Fields Flds Flat Flt Flats Flts Ford Frd Fords Frds Forest Frst Forge Frg \
    Forges Frgs Fork Frk Forks Frks Fort Ft Freeway Fwy Garden Gdn Gardens Gdns Gateway Gtwy Glen Gln Glens \
    Glns Green Grn Greens Grns Grove Grv Groves Grvs Harbor Hbr Harbour Harbors Hbrs Haven Hvn Heights Hts \
    Highway Hwy Hill Hl Hills Hls Hollow Holw Inlet Inlt Island Is Islands Iss Isle Junction Jct Junctions \
    Jcts Key Ky Keys Kys Knoll Knl Knolls Knls Lake Lk Lakes Lks Land Landing Lndg Lane Ln Light Lgt Lights \
    Lgts Loaf Lf Lock Lck Locks Lcks Lodge Ldg Loop Mall Manor Mnr Manors Mnrs Meadow Mdw Meadows Mdws Mews \
    Mill Ml Mills Mls Mission Msn Motorway Mtwy Mount Mt Mountain Mtn Mountains Mtns Neck Nck Orchard Orch \
    Oval Overpass Opas Park Parks Parkway Pkwy Parkways Pass Passage Psge Path Pike Pine Pne Pines Pnes Place \
    Pl Plain Pln Plains Plns Plaza Plz Point Pt Points Pts Port Prt Ports Prts Prairie Pr Radial Radl Ramp \
    Ranch Rnch Rapid Rpd Rapids Rpds Rest Rst Ridge Rdg Ridges Rdgs River Riv Road Rd Roads Rds Route Rte Row \
    Rue Run Shoal Shl Shoals Shls Shore Shr Shores Shrs Skyway Skwy Spring Spg Springs Spgs Spur Spurs Square \
    Sq Squares Sqs Station Sta Stravenue Stra Stream Strm Street St Streets Sts Summit Smt Terrace Ter \
    Throughway Trwy Trace Trce Track Trak Trafficway Trfy Trail Trl Trailer Trlr Tunnel Tunl Turnpike Tpke \
    Underpass Upas Union Un Unions Uns Valley Vly Valleys Vlys Viaduct Via Vis View Vw Views Vws Village Vlg \
    Villages Vlgs Ville Vl Vista Vst Walk Walks Wall Way Ways Well Wl Wells Wls Close Crossway Esplanade \
    Promenade Quay Wharf";

/// `_STREET_TYPES`: the street suffixes of more than three letters, lower-cased, owned (built once).
pub static STREET_TYPES: LazyLock<FxHashSet<String>> = LazyLock::new(|| {
    SUFFIX_WORDS
        .split_whitespace()
        .filter(|w| w.len() > 3)
        .map(str::to_ascii_lowercase)
        .collect()
});

pub static RUN_CUES: LazyLock<Words> = LazyLock::new(|| words("in from near at outside"));
pub static PLACE_PARTICLES: LazyLock<Words> = LazyLock::new(|| {
    words("de del della di da do dos das du des la le los las nad pod na u v am an der im sur sous")
});
