"""Check digits that turn "a run of digits" into "almost certainly this kind of number"."""

from __future__ import annotations


def luhn_ok(digits: str) -> bool:
    """Luhn mod-10 over a string of digits (cards, IMEI; NPI with its 80840 prefix)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def npi_ok(npi: str) -> bool:
    """An NPI is 10 digits whose Luhn check runs over the card-issuer prefix 80840 + the NPI."""
    return len(npi) == 10 and npi.isdigit() and npi[0] in "12" and luhn_ok("80840" + npi)


def dea_ok(dea: str) -> bool:
    """DEA number: 2 letters + 7 digits; (d1+d3+d5) + 2*(d2+d4+d6) ends in d7."""
    if len(dea) != 9 or not dea[2:].isdigit():
        return False
    d = [int(c) for c in dea[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


def ssn_ok(area: str, group: str, serial: str) -> bool:
    """SSA never issues area 000, 666 or 9xx, group 00 or serial 0000."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


_VIN_MAP = {**{str(i): i for i in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
            **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9,
            **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_ok(vin: str) -> bool:
    """North American VIN check digit (position 9)."""
    vin = vin.upper()
    if len(vin) != 17 or any(c not in _VIN_MAP for c in vin):
        return False
    total = sum(_VIN_MAP[c] * w for c, w in zip(vin, _VIN_WEIGHTS))
    check = "X" if total % 11 == 10 else str(total % 11)
    return vin[8] == check


def card_ok(digits: str) -> bool:
    """Payment card: 13-19 digits, a known issuer prefix, and Luhn."""
    if not 13 <= len(digits) <= 19 or not luhn_ok(digits):
        return False
    return digits[0] in "3456" or "22" <= digits[:2] <= "27"
