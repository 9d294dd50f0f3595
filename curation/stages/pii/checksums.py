"""Check digits of the identifiers the PII stage recognises: a candidate whose check digit is wrong is
not reported, which is what keeps random digit strings (prices, counts, hashes) from matching.

- IBAN: ISO 13616 (length per country from the SWIFT IBAN registry; mod-97 of the rearranged number = 1).
- Payment cards: ISO/IEC 7812 Luhn check digit, and an issuer prefix of a card network.
- Spanish DNI / NIE: Real Decreto 1553/2005 control letter (number mod 23); NIF of legal entities
  (formerly CIF): Orden EHA/451/2008 control digit or letter.
"""

from __future__ import annotations

import re

# Country code -> IBAN length (SWIFT IBAN registry).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}


def iban_valid(compact: str) -> bool:
    """`compact`: upper-case, no spaces."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    if not rearranged.isalnum() or not rearranged.isascii():
        return False
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits that make country + digits + bban a valid IBAN."""
    n = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{98 - n % 97:02d}"


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_check_digit(payload: str) -> str:
    for d in "0123456789":
        if luhn_valid(payload + d):
            return d
    raise AssertionError("unreachable")


# Issuer prefixes (IIN ranges) and lengths of the card networks in use in Europe.
_CARD_PREFIX = re.compile(
    r"^(?:4\d{12}(?:\d{3}){0,2}"  # Visa: 13, 16 or 19 digits
    r"|(?:5[1-5]\d{2}|222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720)\d{12}"  # Mastercard: 16
    r"|3[47]\d{13}"  # American Express: 15
    r"|3(?:0[0-5]|[689]\d)\d{11,16}"  # Diners Club: 14-19
    r"|(?:6011|65\d{2}|64[4-9]\d)\d{12,15}"  # Discover: 16-19
    r"|35(?:2[89]|[3-8]\d)\d{12,15}"  # JCB: 16-19
    r"|(?:5[06-9]|6\d)\d{10,17}"  # Maestro: 12-19
    r")$"
)


def card_valid(digits: str) -> bool:
    return bool(_CARD_PREFIX.match(digits)) and luhn_valid(digits)


DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni_valid(number: str, letter: str) -> bool:
    """DNI: 8 digits and a letter; NIE: X/Y/Z (read as 0/1/2) and 7 digits, then the letter."""
    if number[0] in "XYZ":
        number = str("XYZ".index(number[0])) + number[1:]
    return number.isdigit() and DNI_LETTERS[int(number) % 23] == letter.upper()


_NIF_CONTROL_LETTERS = "JABCDEFGHI"


def nif_entity_control(letter: str, digits: str) -> str:
    """The control character(s) a legal entity's NIF may end with for these 7 digits."""
    odd = sum(sum(divmod(2 * int(d), 10)) for d in digits[0::2])
    even = sum(int(d) for d in digits[1::2])
    c = (10 - (odd + even) % 10) % 10
    if letter in "PQRSNW":  # public bodies, foreign entities: a letter
        return _NIF_CONTROL_LETTERS[c]
    if letter in "ABEH":  # companies: a digit
        return str(c)
    return str(c) + _NIF_CONTROL_LETTERS[c]  # the others accept either


def nif_entity_valid(letter: str, digits: str, control: str) -> bool:
    return control.upper() in nif_entity_control(letter.upper(), digits)
