"""Small string helpers shared across the project."""

import re
import unicodedata

_SLUG_STRIP = re.compile(r"[^\w\s-]")
_SLUG_HYPHENATE = re.compile(r"[-\s_]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def slugify(value: str, max_length: int = 0) -> str:
    """Convert ``value`` to a lowercase, ASCII, hyphen-separated slug."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = _SLUG_STRIP.sub("", value).strip().lower()
    slug = _SLUG_HYPHENATE.sub("-", value).strip("-")
    if max_length and len(slug) > max_length:
        slug = slug[:max_length].rstrip("-")
    return slug


def truncate(text: str, width: int, placeholder: str = "...") -> str:
    """Shorten ``text`` to at most ``width`` characters, breaking on a word."""
    if len(text) <= width:
        return text
    if width <= len(placeholder):
        return placeholder[:width]
    cut = text[: width - len(placeholder)]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip() + placeholder


def camel_to_snake(name: str) -> str:
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def snake_to_camel(name: str, upper_first: bool = False) -> str:
    head, *rest = name.split("_")
    result = head + "".join(part.capitalize() for part in rest)
    return result[:1].upper() + result[1:] if upper_first else result


def pluralize(count: int, singular: str, plural: str | None = None) -> str:
    word = singular if count == 1 else (plural or singular + "s")
    return f"{count} {word}"
