"""Regular-expression candidates for each kind of personal identifier, confirmed by a validator.

A detector proposes spans with a cheap pattern, then keeps only those that pass its check (checksum,
issuer prefix, numbering plan, address syntax). Both halves matter: the pattern bounds what is looked at,
the check is what keeps version numbers, dates, prices, ISBNs and hashes out.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

from curation.stages.pii.checksums import (
    DNI_LETTERS,
    card_valid,
    dni_valid,
    iban_valid,
    nif_entity_valid,
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str


# Boundaries: a match may not continue a word, a number, a path or a version string.
_BAD = r"[\w.,/+@-]"  # a character a match may not follow
_NOT_AFTER = r"(?<![\w.,/+@-])"
_BAD_BEFORE = re.compile(_BAD)
_NOT_BEFORE = r"(?![\w@]|[.,/-]\w)"

EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])"
)
# scheme://user:password@host -> the user:password part.
URL_CREDENTIALS = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{1,15}://([^\s/?#@:]+:[^\s/?#@]+)@[\w.-]+")
IBAN = re.compile(r"([A-Z](?<!" + _BAD + r"[A-Z])[A-Z]\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)" + _NOT_BEFORE)
CARD = re.compile(r"\d(?<!" + _BAD + r"\d)(?=(\d{3}(?:[ -]?\d{2,6}){2,4})" + _NOT_BEFORE + ")")
_CARD_GROUPS = {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 1), (4, 4, 5), (4, 4, 4, 2), (4, 4, 4, 3)}
DNI = re.compile(r"(\d(?<!" + _BAD + r"\d)(?:\d{7}|\d\.\d{3}\.\d{3}))[ -]?([A-Za-z])" + _NOT_BEFORE)
NIE = re.compile(r"([XYZ])(?<!" + _BAD + r"[XYZ])[ -]?(\d{7})[ -]?([A-Za-z])" + _NOT_BEFORE)
NIF_ENTITY = re.compile(r"([ABCDEFGHJNPQRSUVW])(?<!" + _BAD + r"[ABCDEFGHJNPQRSUVW])[ -]?(\d{7})[ -]?([0-9A-J])" + _NOT_BEFORE)
NIF_PERSON = re.compile(r"([KLM])(?<!" + _BAD + r"[KLM])[ -]?(\d{7})[ -]?([A-Z])" + _NOT_BEFORE)
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4 = re.compile(r"\d(?<![\w.-]\d)\d{0,2}(?:\.\d{1,3}){3}(?![\w-]|\.\d)")  # octets checked by ipaddress
# 2 to 7 groups and a colon each, then a last group or a dotted quad; the first character is matched
# before the look-behind so that the engine skips ahead to candidates.
IPV6 = re.compile(
    r"([0-9A-Fa-f:](?<![\w:.][0-9A-Fa-f:])(?:(?<=:)|[0-9A-Fa-f]{0,3}:)(?:[0-9A-Fa-f]{0,4}:){1,6}"
    r"(?:[0-9A-Fa-f]{0,4}|" + r"\.".join([_OCTET] * 4) + r"))(?![\w:]|\.\d)"
)
# Phone numbers. International: + or 00, a country code, then digit groups. National: the written
# forms of each region's numbering plan (grouping included), so that a run of digits is not taken for
# a phone because it happens to be valid somewhere. Every candidate is then checked against the
# region's numbering plan (libphonenumber's metadata).
_SEP = r"[ .\-\u00a0]"
# Not a piece of a longer run of digit groups ("92 089 815" holds no phone number "089 815").
_PHONE_END = r"(?![\w@]|[.,/:-]\w|[ .\-\u00a0]\d)"
INTERNATIONAL_PHONE = re.compile(r"((?:\+|00)[1-9]\d{0,2}(?:" + _SEP + r"?\(?\d{1,5}\)?){2,6})" + _PHONE_END)
NATIONAL_PHONE_FORMS = {
    "ES": r"[6789]\d{2}(?:(?:[ .-]?\d{2}){3}|(?:[ .-]?\d{3}){2})",
    "PT": r"[29]\d(?:\d(?:[ .-]?\d{3}){2}|[ .-]?\d{3}[ .-]?\d{4})",
    "BR": r"\(?0?[1-9]\d\)?[ .-]?9?\d{4}[ .-]?\d{4}",
    "FR": r"0[1-9](?:[ .-]?\d{2}){4}",
    "BE": r"0[1-9]\d{0,2}(?:[ ./-]?\d{2,3}){3}",
    "IT": r"(?:0\d{1,3}[ ./-]?\d{2,8}(?:[ .-]?\d{2,4}){0,2}|3\d{2}[ .-]?\d{3}[ .-]?\d{3,4})",
    "DE": r"(?:\(0\d{2,4}\)|0\d{2,4})[ /-]?\d{3,8}(?:[ -]\d{1,5})?",
    "AT": r"(?:\(0\d{1,4}\)|0\d{1,4})[ /-]?\d{3,8}(?:[ -]\d{1,5})?",
    "CH": r"0\d{2}[ .]?\d{3}(?:[ .]?\d{2}){2}",
    "GB": r"(?:\(0\d{2,4}\)|0\d{2,4})[ ]?\d{3,4}[ ]?\d{3,4}",
    "IE": r"(?:\(0\d{1,3}\)|0\d{1,3})[ -]?\d{3}[ -]?\d{3,4}",
    "NL": r"0\d{1,3}[ -]?\d{3}[ -]?\d{2,4}(?:[ -]?\d{2})?",
}
_NATIONAL = {r: re.compile(r"(" + f + r")" + _PHONE_END) for r, f in NATIONAL_PHONE_FORMS.items()}
# Where a national number may start: a digit or "(" that follows no word, number or digit group. The
# regions' forms are tried only there (one scan, instead of one per region).
_PHONE_START_AT = re.compile(r"[\d(](?<!" + _BAD + r"[\d(])(?<!\d[ .\-\u00a0][\d(])")
# Unseparated national numbers ("612345678") are taken only after a word saying it is a phone number.
PHONE_WORDS = re.compile(r"(?i)\b(?:t[eé]l|tlf|tfno|phone|fono|fax|m[oó]vil|mobile?|cell|portable|handy|whats ?app|telf|contact|call|llam|chiama|ligue|appel)\w*\W{0,6}$")
_ZIP4 = re.compile(r"^\d{5}-\d{4}$")  # a US ZIP+4 code after an address
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")

# The kinds of identifier, in priority order: when two spans overlap the earlier kind wins.
KINDS = ("url_credentials", "email", "iban", "card", "dni", "nie", "nif", "ipv6", "ipv4", "phone")

# Document language -> regions whose national phone number format is read in it.
DEFAULT_PHONE_REGIONS = {
    "es": ["ES"], "ca": ["ES"], "gl": ["ES"], "eu": ["ES"], "oc": ["ES", "FR"], "pt": ["PT", "BR"],
    "fr": ["FR", "BE"], "it": ["IT"], "de": ["DE", "AT", "CH"], "en": ["GB", "IE"], "nl": ["NL", "BE"],
}


# File name extensions that are no top-level domain: "unit@instance.service", "name@suffix.journal".
_NOT_TLD = frozenset("conf cfg ini journal service socket target mount timer slice scope device swap automount txt log json yaml yml xml html htm lock bak tmp old png jpg jpeg gif svg pdf tar gz bz2 xz zst deb rpm".split())


def _emails(text: str) -> Iterable[Span]:
    if "@" in text:
        for m in EMAIL.finditer(text):
            if m.group().rsplit(".", 1)[1].lower() not in _NOT_TLD:
                yield Span(m.start(), m.end(), "email")


def _url_credentials(text: str) -> Iterable[Span]:
    if "://" in text and "@" in text:
        for m in URL_CREDENTIALS.finditer(text):
            yield Span(m.start(1), m.end(1), "url_credentials")


def _ibans(text: str) -> Iterable[Span]:
    for m in IBAN.finditer(text):
        if iban_valid(m.group(1).replace(" ", "")):
            yield Span(m.start(1), m.end(1), "iban")


def _cards(text: str) -> Iterable[Span]:
    # Candidates at every start (a lookahead), so that a number just before a card ("2024 4111 ...")
    # does not swallow the card's first digits; a candidate with a number after it ("... 1111 21:51")
    # is tried without its trailing groups.
    for m in CARD.finditer(text):
        raw = text[m.start() : m.end(1)]
        seps = {c for c in raw if not c.isdigit()}
        if len(seps) > 1:
            continue
        groups = re.split(r"[ -]", raw)
        for k in range(len(groups), 0, -1):
            digits = "".join(groups[:k])
            if len(digits) < 13:
                break
            if (k == 1 or tuple(len(g) for g in groups[:k]) in _CARD_GROUPS) and len(digits) <= 19 and card_valid(digits):
                yield Span(m.start(), m.start() + len(digits) + k - 1, "card")
                break


def _spanish_ids(text: str) -> Iterable[Span]:
    for m in DNI.finditer(text):
        if dni_valid(m.group(1).replace(".", ""), m.group(2)):
            yield Span(m.start(), m.end(), "dni")
    for m in NIE.finditer(text):
        if dni_valid(m.group(1) + m.group(2), m.group(3)):
            yield Span(m.start(), m.end(), "nie")
    for m in NIF_ENTITY.finditer(text):
        if nif_entity_valid(m.group(1), m.group(2), m.group(3)):
            yield Span(m.start(), m.end(), "nif")
    for m in NIF_PERSON.finditer(text):
        if DNI_LETTERS[int(m.group(2)) % 23] == m.group(3):
            yield Span(m.start(), m.end(), "nif")


# A dotted quad of small numbers is a section number or a version (6.2.4.1, 4.4.1.1); the addresses this
# leaves out (1.1.1.1, 8.8.8.8, 10.0.0.1) are public resolvers and private networks, not anyone's address.
_SMALL_QUAD = re.compile(r"^(?:(?:[12]?\d|3[01])\.){3}(?:[12]?\d|3[01])$")
_VERSION_WORD = re.compile(r"(?i)\b(?:version|versi[oóò]n[e]?|vers[aã]o|release|policy|v)\W{0,3}$")


def _is_global(address: str) -> bool:
    """Only globally routed unicast addresses can point at someone: loopback, private networks, link-local,
    documentation ranges, multicast, broadcast and netmasks identify no one."""
    ip = ipaddress.ip_address(address)
    return ip.is_global and not ip.is_multicast


def _ipv4(text: str, global_only: bool) -> Iterable[Span]:
    for m in IPV4.finditer(text):
        if any(len(o) > 1 and o[0] == "0" or int(o) > 255 for o in m.group().split(".")):
            continue
        if _SMALL_QUAD.match(m.group()) or _VERSION_WORD.search(text, max(0, m.start() - 12), m.start()):
            continue
        if global_only and not _is_global(m.group()):
            continue
        yield Span(m.start(), m.end(), "ipv4")


def _ipv6(text: str, global_only: bool) -> Iterable[Span]:
    if "::" not in text and text.count(":") < 7:
        return
    for m in IPV6.finditer(text):
        cand = m.group(1)
        groups = [g for g in cand.split(":") if g]
        if len(groups) < 3 or not any(ch.isdigit() for ch in cand):
            continue  # "::1", "a::b", "sparse[::2]"
        if "::" not in cand and all(len(g) <= 2 for g in groups):
            continue  # MAC addresses and DUIDs written as eight hex pairs
        try:
            ipaddress.IPv6Address(cand)
        except ValueError:
            continue
        if global_only and not _is_global(cand):
            continue
        yield Span(m.start(1), m.end(1), "ipv6")


def _phone_ok(raw: str, region: str | None) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(raw, region))
    except phonenumbers.NumberParseException:
        return False


def _phones(text: str, regions: list[str]) -> Iterable[Span]:
    if "+" in text or "00" in text:
        for m in INTERNATIONAL_PHONE.finditer(text):
            raw = m.group(1)
            if m.start() and _BAD_BEFORE.match(text, m.start() - 1):
                continue
            if _phone_ok("+" + raw[2:] if raw.startswith("00") else raw, None):  # 00: the international prefix
                yield Span(m.start(1), m.end(1), "phone")
    if not regions:
        return
    forms = [_NATIONAL[r] for r in regions]
    for start in _PHONE_START_AT.finditer(text):
        for region, form in zip(regions, forms):
            m = form.match(text, start.start())
            if m is None:
                continue
            raw = m.group(1)
            if _ZIP4.match(raw) or _THOUSANDS.match(raw) or sum(c.isdigit() for c in raw) < 8:
                continue
            if raw.isdigit() and not PHONE_WORDS.search(text, max(0, m.start() - 30), m.start()):
                continue
            if _phone_ok(raw, region):
                yield Span(m.start(1), m.end(1), "phone")
                break


def detect(text: str, kinds: Iterable[str] = KINDS, phone_regions: Iterable[str] = (), global_ip_only: bool = True) -> list[Span]:
    """Non-overlapping identifier spans in text order; on overlap the kind earlier in KINDS wins."""
    kinds = set(kinds)
    found: list[Span] = []
    if "url_credentials" in kinds:
        found += _url_credentials(text)
    if "email" in kinds:
        found += _emails(text)
    if "iban" in kinds:
        found += _ibans(text)
    if "card" in kinds:
        found += _cards(text)
    if kinds & {"dni", "nie", "nif"}:
        found += [s for s in _spanish_ids(text) if s.kind in kinds]
    if "ipv6" in kinds:
        found += _ipv6(text, global_ip_only)
    if "ipv4" in kinds:
        found += _ipv4(text, global_ip_only)
    if "phone" in kinds:
        found += _phones(text, list(phone_regions))
    rank = {k: i for i, k in enumerate(KINDS)}
    found.sort(key=lambda s: (rank[s.kind], s.start))
    taken: list[Span] = []
    for s in found:
        if all(s.end <= t.start or s.start >= t.end for t in taken):
            taken.append(s)
    return sorted(taken, key=lambda s: s.start)
