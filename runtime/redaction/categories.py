"""Which canonical categories each detector policy reports, and how raw detector output maps onto them."""

from __future__ import annotations

from .findings import HIPAA

HIPAA_CATEGORIES: tuple[str, ...] = (
    "NAME", "LOCATION", "DATE", "AGE_OVER_89", "PHONE", "FAX", "EMAIL", "SSN", "MRN", "HEALTH_PLAN_ID",
    "ACCOUNT_NUMBER", "LICENSE_NUMBER", "VEHICLE_ID", "DEVICE_ID", "URL", "IP_ADDRESS", "BIOMETRIC_ID",
    "PHOTO", "OTHER_ID",
)
PII_BASE: tuple[str, ...] = ("NAME", "EMAIL", "PHONE", "SSN", "LOCATION", "IP_ADDRESS")
PII_HEALTHCARE: tuple[str, ...] = ("MRN", "HEALTH_PLAN_ID", "NPI", "DEA")
PII_PCI: tuple[str, ...] = ("CREDIT_CARD", "CVV")
STRUCTURED: tuple[str, ...] = tuple(c for c in HIPAA_CATEGORIES if c not in ("NAME", "LOCATION")) + (
    "NPI", "DEA", "CREDIT_CARD", "CVV",
)

# Raw detector categories that a policy files under another name (a DEA number is a licence to HIPAA).
_HIPAA_MAP = {c: c for c in HIPAA_CATEGORIES} | {
    "NPI": "OTHER_ID", "DEA": "LICENSE_NUMBER", "CREDIT_CARD": "ACCOUNT_NUMBER", "CVV": "ACCOUNT_NUMBER",
}
_PII_MAP = {c: c for c in PII_BASE + PII_HEALTHCARE + PII_PCI} | {"FAX": "PHONE"}

def category_map(policy: str, healthcare_mode: bool = False, pci_mode: bool = False) -> dict[str, str]:
    """raw category -> canonical category for `policy`; a raw category absent here is not reported."""
    if policy == HIPAA:
        return dict(_HIPAA_MAP)
    allowed = set(PII_BASE) | (set(PII_HEALTHCARE) if healthcare_mode else set()) | (set(PII_PCI) if pci_mode else set())
    return {raw: canon for raw, canon in _PII_MAP.items() if canon in allowed}

