import pytest

from text_utils import camel_to_snake, pluralize, slugify, snake_to_camel, truncate


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Hello World", "hello-world"),
        ("  leading and trailing  ", "leading-and-trailing"),
        ("Crème brûlée!", "creme-brulee"),
        ("multiple---dashes__and  spaces", "multiple-dashes-and-spaces"),
        ("", ""),
    ],
)
def test_slugify(raw, expected):
    assert slugify(raw) == expected


def test_slugify_max_length_does_not_end_with_dash():
    assert slugify("one two three", max_length=8) == "one-two"


class TestTruncate:
    def test_short_text_unchanged(self):
        assert truncate("short", 10) == "short"

    def test_breaks_on_word_boundary(self):
        assert truncate("the quick brown fox", 14) == "the quick..."

    def test_custom_placeholder(self):
        assert truncate("abcdefghij", 6, placeholder="~") == "abcde~"

    def test_width_smaller_than_placeholder(self):
        assert truncate("abcdef", 2) == ".."


@pytest.mark.parametrize(
    "camel, snake",
    [("parseHTTPResponse", "parse_http_response"), ("userId", "user_id"), ("simple", "simple")],
)
def test_camel_to_snake(camel, snake):
    assert camel_to_snake(camel) == snake


def test_snake_to_camel_round_trip():
    assert snake_to_camel("user_account_id") == "userAccountId"
    assert snake_to_camel("user_account_id", upper_first=True) == "UserAccountId"


def test_pluralize():
    assert pluralize(1, "file") == "1 file"
    assert pluralize(3, "file") == "3 files"
    assert pluralize(2, "child", "children") == "2 children"
