"""The side menu lights one entry: the one whose prefix is the longest the page's path starts
with (the roster at /workforce/ is not lit on /workforce/today/, which has its own entry)."""

from fugong.core.navigation import MenuItem, menu_active

ROSTER = MenuItem("roster", "workforce:roster", "x", prefix="/workforce/")
TODAY = MenuItem("today", "workforce:today", "x", prefix="/workforce/today/")
OTHER = MenuItem("other", "enterprises:list", "x", prefix="/enterprises/")
ITEMS = [ROSTER, TODAY, OTHER]


def test_the_longest_prefix_wins():
    assert menu_active(ITEMS, "/workforce/today/") is TODAY
    assert menu_active(ITEMS, "/workforce/12/pass/") is ROSTER
    assert menu_active(ITEMS, "/enterprises/?q=1") is OTHER


def test_a_prefix_inside_the_path_is_not_a_match():
    assert menu_active(ITEMS, "/api/workforce/") is None
    assert menu_active(ITEMS, "/") is None
