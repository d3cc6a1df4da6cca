//! Check digits of `runtime/redaction/checksums.py` (on ASCII bytes): a run of digits that passes
//! one is almost certainly that kind of number.

/// Luhn mod-10 over ASCII digits (cards; NPI with its 80840 prefix).
pub fn luhn_ok(digits: &[u8]) -> bool {
    let mut total = 0u32;
    for (i, &ch) in digits.iter().rev().enumerate() {
        let mut d = u32::from(ch.wrapping_sub(b'0'));
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        total += d;
    }
    total.is_multiple_of(10)
}

/// An NPI: 10 digits starting 1 or 2 whose Luhn check runs over 80840 + the NPI.
pub fn npi_ok(npi: &[u8]) -> bool {
    if npi.len() != 10 || !npi.iter().all(u8::is_ascii_digit) || !matches!(npi[0], b'1' | b'2') {
        return false;
    }
    let mut full = b"80840".to_vec();
    full.extend_from_slice(npi);
    luhn_ok(&full)
}

/// DEA number: 2 letters + 7 digits; (d1+d3+d5) + 2*(d2+d4+d6) ends in d7.
pub fn dea_ok(dea: &[u8]) -> bool {
    if dea.len() != 9 || !dea[2..].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let d: Vec<u32> = dea[2..].iter().map(|&c| u32::from(c - b'0')).collect();
    (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]
}

/// SSA never issues area 000, 666 or 9xx, group 00 or serial 0000.
pub fn ssn_ok(area: &[u8], group: &[u8], serial: &[u8]) -> bool {
    area != b"000"
        && area != b"666"
        && area.first() != Some(&b'9')
        && group != b"00"
        && serial != b"0000"
}

/// A VIN character's value (`_VIN_MAP`); None for I, O, Q and anything else.
fn vin_value(c: u8) -> Option<u32> {
    Some(match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'H' => u32::from(c - b'A') + 1,
        b'J'..=b'N' => u32::from(c - b'J') + 1,
        b'P' => 7,
        b'R' => 9,
        b'S'..=b'Z' => u32::from(c - b'S') + 2,
        _ => return None,
    })
}

const VIN_WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// North American VIN check digit (position 9).
pub fn vin_ok(vin: &[u8]) -> bool {
    if vin.len() != 17 {
        return false;
    }
    let vin = vin.to_ascii_uppercase();
    let mut total = 0;
    for (&c, &w) in vin.iter().zip(VIN_WEIGHTS.iter()) {
        match vin_value(c) {
            Some(v) => total += v * w,
            None => return false,
        }
    }
    let check = if total % 11 == 10 {
        b'X'
    } else {
        b'0' + (total % 11) as u8
    };
    vin[8] == check
}

/// Payment card: 13-19 digits, a known issuer prefix, and Luhn.
pub fn card_ok(digits: &[u8]) -> bool {
    if !(13..=19).contains(&digits.len()) || !luhn_ok(digits) {
        return false;
    }
    matches!(digits[0], b'3'..=b'6')
        || (b"22".as_slice() <= &digits[..2] && &digits[..2] <= b"27".as_slice())
}
