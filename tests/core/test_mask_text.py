"""``mask_text`` returns a text with fewer than ten digits as it is, after one search: every
pattern it masks holds ten digits or more. Held equal here to the three substitutions run on
every text, over texts near each pattern's edges."""

from __future__ import annotations

import random

import pytest

from fugong.core.masking import ID_RE, LANDLINE_RE, PHONE_RE, mask_text


def _substituted(text: str) -> str:
    """What mask_text gave before the ten-digit search: the three substitutions."""
    text = ID_RE.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    text = PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
    return LANDLINE_RE.sub(lambda m: m.group(1) + "-" + "*" * len(m.group(2)) + m.group(3), text)


EDGES = [
    "张三 13812345678",
    "电话0571-88886666",
    "010-1234567",  # the shortest landline: ten digits
    "010-123456",  # nine: not a landline
    "身份证110101199003071234",
    "11010119900307123X",
    "１３８１２３４５６７８",
    "+8613812345678",
    "%2B8613812345678",
    "a 138-1234-5678 b",
    "138 1234 5678",
    "基准测试企业12345有限公司",
    "测试路99999号",
    "123456789",
    "1a2b3c4d5e6f7g8h9i0",
    "0571-1234567",
    "",
    "无数字",
]


@pytest.mark.parametrize("text", EDGES)
def test_as_the_substitutions_at_the_edges(text):
    assert mask_text(text) == _substituted(text)


def test_as_the_substitutions_on_random_texts():
    rng = random.Random(11)
    pieces = ["1", "3", "8", "0", "5", "-", " ", "+86", "X", "号", "路", "１", "３", "０", "a"]
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert mask_text(text) == _substituted(text), text


def test_a_name_with_few_digits_is_the_same_object():
    name = "基准测试企业12345有限公司"
    assert mask_text(name) is name
