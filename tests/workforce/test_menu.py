"""On a workforce page the side menu lights that page's entry only (it lit the roster too,
whose /workforce/ prefix every workforce page holds)."""

import re

from fugong.core.testing import world_fixtures
from fugong.resumption.testing import build_casts

_built, world = world_fixtures(build_casts, scope="module")


def test_one_entry_is_lit(world, client):
    client.force_login(world.casts["approval"].enterprise)
    for path, label in (("/workforce/today/", "今日打卡"), ("/workforce/", "员工花名册")):
        page = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        lit = re.findall(
            r'class="nav-link text-nowrap active" href="[^"]*"><i [^>]*></i> ([^<]+)<', page
        )
        assert lit == [label], (path, lit)
