"""Valid personal identifiers made up at random, and real text with them planted at known offsets.

Every identifier is valid by its own rules, computed here: IBANs carry their ISO 13616 check digits,
cards a network prefix and Luhn digit, DNI/NIE/NIF their control character, phone numbers are drawn until
libphonenumber's metadata calls them valid for the region and are written in the region's national,
international and E.164 forms (plus unseparated digits after a phone word, the one way the stage reads
bare digits). They are planted between words of real text (curation/data/pii_eval_text.jsonl.gz: Debian
manuals, man pages, licences, code and changelogs), so the text around them is text no one wrote for the
test. Hard negatives (ISBNs with a valid check digit, UUIDs, hashes, versions, dates, prices) are planted
the same way and must come out untouched.
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
import re
import string
import uuid
from dataclasses import dataclass

import phonenumbers

from curation.stages.pii.checksums import (
    DNI_LETTERS,
    IBAN_LENGTHS,
    iban_check_digits,
    luhn_check_digit,
    nif_entity_control,
)

PHONE_REGIONS = ("ES", "PT", "FR", "IT", "DE", "GB")
_TLDS = ("com", "org", "net", "es", "cat", "eus", "fr", "de", "it", "pt", "eu", "co.uk")
# Phone words (any of the stage's) put before unseparated digits, which are read only after one.
_PHONE_WORDS = ("Tel.", "Tel:", "teléfono", "phone:", "móvil", "Telefon", "téléphone", "telefono")


@dataclass(frozen=True)
class Planted:
    kind: str  # a PII kind, or "negative:<what>" for a string that must stay untouched
    value: str
    form: str  # how it was written (compact, grouped, national, ...)
    prefix: str = ""  # context planted before it (a phone word, a URL scheme), not part of the identifier
    suffix: str = ""  # context planted after it (the rest of a URL)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _group(s: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(s[i : i + size] for i in range(0, len(s), size))


def iban(rng: random.Random) -> list[Planted]:
    country = rng.choice(("ES", "PT", "FR", "IT", "DE", "GB", "NL", "BE", "AT", "IE"))
    n = IBAN_LENGTHS[country] - 4
    if country in ("GB", "NL", "IE"):  # these registries start the BBAN with a 4-letter bank code
        bban = "".join(rng.choice(string.ascii_uppercase) for _ in range(4)) + _digits(rng, n - 4)
    elif country == "IT":  # CIN letter first
        bban = rng.choice(string.ascii_uppercase) + _digits(rng, n - 1)
    else:
        bban = _digits(rng, n)
    value = country + iban_check_digits(country, bban) + bban
    return [Planted("iban", value, "compact"), Planted("iban", _group(value), "grouped")]


_CARD_PREFIXES = (("visa", "4", 16), ("mastercard", "51", 16), ("mastercard2", "2221", 16), ("amex", "37", 15), ("discover", "6011", 16), ("maestro", "6759", 16))


def card(rng: random.Random) -> list[Planted]:
    brand, prefix, length = rng.choice(_CARD_PREFIXES)
    if brand == "mastercard":
        prefix = "5" + rng.choice("12345")
    payload = prefix + _digits(rng, length - len(prefix) - 1)
    value = payload + luhn_check_digit(payload)
    grouped = f"{value[:4]} {value[4:10]} {value[10:]}" if length == 15 else _group(value)
    return [Planted("card", value, "compact"), Planted("card", grouped, "grouped"), Planted("card", grouped.replace(" ", "-"), "hyphenated")]


def spanish_ids(rng: random.Random) -> list[Planted]:
    number = _digits(rng, 8)
    letter = DNI_LETTERS[int(number) % 23]
    nie_prefix = rng.choice("XYZ")
    nie_digits = _digits(rng, 7)
    nie_letter = DNI_LETTERS[int(str("XYZ".index(nie_prefix)) + nie_digits) % 23]
    entity = rng.choice("ABEHPQSNW")
    nif_digits = _digits(rng, 7)
    control = nif_entity_control(entity, nif_digits)[0]
    return [
        Planted("dni", number + letter, "compact"),
        Planted("dni", f"{number}-{letter}", "hyphen"),
        Planted("dni", f"{number[:2]}.{number[2:5]}.{number[5:]}-{letter}", "dotted"),
        Planted("nie", f"{nie_prefix}{nie_digits}{nie_letter}", "compact"),
        Planted("nie", f"{nie_prefix}-{nie_digits}-{nie_letter}", "hyphen"),
        Planted("nif", f"{entity}{nif_digits}{control}", "compact"),
    ]


def _valid_phone(rng: random.Random, region: str, kind: int) -> phonenumbers.PhoneNumber:
    example = phonenumbers.example_number_for_type(region, kind)
    national = phonenumbers.national_significant_number(example)  # keeps Italy's leading 0
    keep = max(1, len(national) - 6)
    for _ in range(1000):  # keep the example's leading digits (its area or mobile prefix), draw the rest
        candidate = phonenumbers.parse(national[:keep] + _digits(rng, len(national) - keep), region)
        if phonenumbers.is_valid_number(candidate):
            return candidate
    return example  # never reached for the regions planted here; bounded all the same


def phone(rng: random.Random, national_regions: list[str] | tuple[str, ...] = PHONE_REGIONS) -> list[Planted]:
    """A valid number of one region in every written form; national forms only for `national_regions`."""
    region = rng.choice(national_regions or PHONE_REGIONS)
    kind = rng.choice((phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE))
    num = _valid_phone(rng, region, kind)
    fmt = phonenumbers.PhoneNumberFormat
    national = phonenumbers.format_number(num, fmt.NATIONAL)
    international = phonenumbers.format_number(num, fmt.INTERNATIONAL)
    out = [
        Planted("phone", international, f"international:{region}"),
        Planted("phone", phonenumbers.format_number(num, fmt.E164), f"e164:{region}"),
        Planted("phone", "00" + phonenumbers.format_number(num, fmt.E164)[1:], f"00:{region}"),
    ]
    if national_regions:
        out.append(Planted("phone", national, f"national:{region}"))
        out.append(Planted("phone", re.sub(r"\D", "", national), f"digits:{region}", prefix=rng.choice(_PHONE_WORDS) + " "))
    return out


def email(rng: random.Random, vocabulary: list[str]) -> list[Planted]:
    local = rng.choice(vocabulary) + rng.choice((".", "_", "-", "")) + rng.choice(vocabulary) + rng.choice(("", _digits(rng, 2)))
    return [Planted("email", f"{local}@{rng.choice(vocabulary)}.{rng.choice(_TLDS)}", "plain")]


def ip(rng: random.Random) -> list[Planted]:
    while True:
        v4 = ipaddress.IPv4Address(rng.getrandbits(32))
        if v4.is_global and not v4.is_multicast:
            break
    v6 = ipaddress.IPv6Address((0x2 << 124) | rng.getrandbits(124))  # 2000::/4, global unicast
    while not v6.is_global:
        v6 = ipaddress.IPv6Address((0x2 << 124) | rng.getrandbits(124))
    zeros = ipaddress.IPv6Address(int(v6) & ~(((1 << 48) - 1) << 16))  # groups 5-7 zero: written with "::"
    return [Planted("ipv4", str(v4), "dotted"), Planted("ipv6", v6.exploded, "full"), Planted("ipv6", zeros.compressed, "compressed")]


def url_credentials(rng: random.Random, vocabulary: list[str]) -> list[Planted]:
    user, password = rng.choice(vocabulary), rng.choice(vocabulary) + _digits(rng, 3)
    scheme = rng.choice(("https", "http", "ftp", "postgresql", "mysql", "redis"))
    host = f"{rng.choice(vocabulary)}.{rng.choice(_TLDS)}"
    return [Planted("url_credentials", f"{user}:{password}", scheme, prefix=f"{scheme}://", suffix=f"@{host}/{rng.choice(vocabulary)}")]


def negatives(rng: random.Random) -> list[Planted]:
    """Strings that look like identifiers and are not: each must stay exactly as written."""
    isbn12 = "978" + _digits(rng, 9)
    isbn13 = isbn12 + str((10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(isbn12)) % 10) % 10)
    isbn9 = _digits(rng, 9)
    check10 = (11 - sum((10 - i) * int(d) for i, d in enumerate(isbn9)) % 11) % 11
    isbn10 = isbn9 + ("X" if check10 == 10 else str(check10))
    year, month, day = rng.randint(1950, 2030), rng.randint(1, 12), rng.randint(1, 28)
    blob = bytes(rng.getrandbits(8) for _ in range(32))
    return [
        Planted("negative:isbn", f"ISBN {isbn13[:3]}-{isbn13[3]}-{isbn13[4:8]}-{isbn13[8:12]}-{isbn13[12]}", "isbn13"),
        Planted("negative:isbn", isbn13, "isbn13-compact"),
        Planted("negative:isbn", f"{isbn10[0]}-{isbn10[1:4]}-{isbn10[4:9]}-{isbn10[9]}", "isbn10"),
        Planted("negative:uuid", str(uuid.UUID(bytes=blob[:16])), "uuid"),
        Planted("negative:hash", hashlib.sha1(blob).hexdigest(), "sha1"),
        Planted("negative:hash", hashlib.sha256(blob).hexdigest(), "sha256"),
        # A bare dotted quad of numbers under 256 is an IPv4 address by its syntax; versions are written
        # after a word saying so, and section numbers are small.
        Planted("negative:version", f"{rng.randint(0, 12)}.{rng.randint(0, 40)}.{rng.randint(0, 200)}.{rng.randint(0, 30)}", "4-part", prefix=rng.choice(("version ", "Version ", "versión ", "v"))),
        Planted("negative:section", f"{rng.randint(1, 20)}.{rng.randint(1, 12)}.{rng.randint(1, 9)}.{rng.randint(1, 9)}", "4-part"),
        Planted("negative:version", f"{rng.randint(1, 5)}.{rng.randint(0, 40)}.{rng.randint(0, 99)}-{rng.randint(1, 9)}+deb{rng.randint(9, 13)}u{rng.randint(1, 5)}", "debian"),
        Planted("negative:date", f"{year}-{month:02d}-{day:02d}", "iso"),
        Planted("negative:date", f"{day:02d}/{month:02d}/{year}", "dmy"),
        Planted("negative:date", f"{day:02d}.{month:02d}.{year} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}", "dmy-time"),
        Planted("negative:price", f"{rng.randint(1, 999)}.{rng.randint(0, 999):03d}.{rng.randint(0, 999):03d},{rng.randint(0, 99):02d} €", "eu-thousands"),
        Planted("negative:price", f"${rng.randint(1, 999)},{rng.randint(0, 999):03d}.{rng.randint(0, 99):02d}", "us"),
        # (nine digits grouped 3-3-3 from 600 million up are written like Spanish phone numbers: 983 881 664)
        Planted("negative:number", f"{rng.randint(1, 99)} {rng.randint(0, 999):03d} {rng.randint(0, 999):03d}", "fr-thousands"),
        Planted("negative:timestamp", str(rng.randint(1_000_000_000, 1_900_000_000)), "unix"),
    ]


def make_set(rng: random.Random, vocabulary: list[str], rounds: int, phone_regions: list[str] | tuple[str, ...] = PHONE_REGIONS) -> list[Planted]:
    out: list[Planted] = []
    for _ in range(rounds):
        out += iban(rng) + card(rng) + spanish_ids(rng) + phone(rng, phone_regions) + email(rng, vocabulary) + ip(rng)
        out += url_credentials(rng, vocabulary) + negatives(rng)
    return out


def plant(text: str, items: list[Planted], rng: random.Random) -> tuple[str, list[tuple[int, int, Planted]]]:
    """`text` with each item put between two words (with a space either side); the items' offsets."""
    gaps = [m.start() for m in re.finditer(r"(?<=\w) (?=\w)", text)]
    if not gaps:
        gaps = [len(text)]
    at = sorted(rng.sample(gaps, len(items)) if len(gaps) >= len(items) else [rng.choice(gaps) for _ in items])
    out, spans, pos, shift = [], [], 0, 0
    for cut, item in zip(at, items):
        out.append(text[pos:cut])
        insert = " " + item.prefix + item.value + item.suffix + " "
        start = cut + shift + 1 + len(item.prefix)
        spans.append((start, start + len(item.value), item))
        out.append(insert)
        shift += len(insert)
        pos = cut
    out.append(text[pos:])
    return "".join(out), spans
