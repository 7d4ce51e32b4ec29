"""The registry's pages and API through the shared checks (fugong.core.testing): refusals,
scope, one audit row per write, and list queries that do not grow with the rows. The data is a
small county of its own (fugong.accounts.testing, fugong.enterprises.testing), never the demo's."""

from __future__ import annotations

import pytest

from fugong.accounts.testing import build_county
from fugong.core.testing import (
    Call,
    FixedQueryCount,
    HidesOutsideScope,
    OneAuditRowPerWrite,
    RefusesWithoutRole,
    Write,
    world_fixtures,
)
from fugong.enterprises.testing import add_enterprise, build_registry

pytestmark = pytest.mark.django_db


_built, world = world_fixtures(lambda: build_registry(build_county()))


class TestEnterprisePages(RefusesWithoutRole, HidesOutsideScope, FixedQueryCount):
    def refused_calls(self, w):
        mine = w.enterprises[1][0]
        for username in ("w_t1_jmb", "w_county_rsj"):
            yield Call(w[username], "get", "/enterprises/new/")
            yield Call(w[username], "get", f"/enterprises/{mine.pk}/edit/")
        yield Call(
            w["w_t1_jmb"],
            "post",
            "/enterprises/bulk/",
            {"ids": [mine.pk], "action": "ledger", "ledger": "normal"},
        )

    def hidden_calls(self, w):
        other = w.enterprises[2][0]
        for username in ("w_t1_cmd", "w_t1_jmb", "w_t1_cadre", "w_t1_grid", "w_t1_ent1"):
            yield Call(w[username], "get", f"/enterprises/{other.pk}/")
            yield Call(w[username], "get", f"/history/enterprises/enterprise/{other.pk}/")
        yield Call(w["w_t1_cmd"], "get", f"/enterprises/{other.pk}/edit/")
        yield Call(w["w_t1_cmd"], "get", f"/enterprises/{other.pk}/assignments/")

    def seen_calls(self, w):
        other = w.enterprises[2][0]
        for username in ("w_t2_cmd", "w_t2_jmb", "w_county_cmd", "w_t2_ent1"):
            yield Call(w[username], "get", f"/enterprises/{other.pk}/")
        yield Call(w["w_t2_cmd"], "get", f"/history/enterprises/enterprise/{other.pk}/")
        yield Call(w["w_t2_cmd"], "get", f"/enterprises/{other.pk}/edit/")

    def query_calls(self, w):
        yield Call(w["w_t1_cmd"], "get", "/enterprises/")
        yield Call(w["w_t1_jmb"], "get", "/enterprises/")
        yield Call(w["w_county_cmd"], "get", "/enterprises/?sort=name")

    def grow(self, w):
        for _ in range(3):
            add_enterprise(w.county, 1)

    def test_the_list_names_only_what_is_in_scope(self, client, world):
        client.force_login(world["w_t1_cmd"])
        page = client.get("/enterprises/").content.decode()
        assert all(e.name in page for e in world.enterprises[1])
        assert not any(e.name in page for e in world.enterprises[2])


class TestEnterpriseApi(
    RefusesWithoutRole, HidesOutsideScope, OneAuditRowPerWrite, FixedQueryCount
):
    def refused_calls(self, w):
        mine = w.enterprises[1][0]
        yield Call(w["w_t1_jmb"], "post", "/api/v1/enterprises", {"name": "x"})
        yield Call(w["w_t1_jmb"], "patch", f"/api/v1/enterprises/{mine.pk}", {"employee_count": 3})

    def hidden_calls(self, w):
        other = w.enterprises[2][0]
        for username in ("w_t1_cmd", "w_t1_jmb", "w_t1_ent1"):
            yield Call(w[username], "get", f"/api/v1/enterprises/{other.pk}")
            yield Call(w[username], "get", f"/api/v1/enterprises/{other.pk}/assignments")
        yield Call(w["w_t1_cmd"], "patch", f"/api/v1/enterprises/{other.pk}", {"employee_count": 3})

    def seen_calls(self, w):
        other = w.enterprises[2][0]
        yield Call(w["w_t2_cmd"], "get", f"/api/v1/enterprises/{other.pk}")
        yield Call(w["w_t2_ent1"], "get", f"/api/v1/enterprises/{other.pk}")

    def writes(self, w):
        mine = w.enterprises[1][0]
        me = w["w_t1_cmd"]
        yield Write(
            Call(me, "patch", f"/api/v1/enterprises/{mine.pk}", {"employee_count": 31}),
            model="enterprises.enterprise",
        )
        yield Write(
            Call(
                me,
                "post",
                f"/api/v1/enterprises/{mine.pk}/assignments",
                {"user_id": w["w_t1_grid"].pk, "duty": "liaison", "post": "B"},
            ),
            model="enterprises.assignment",
        )

    def query_calls(self, w):
        yield Call(w["w_t1_cmd"], "get", "/api/v1/enterprises")
        yield Call(w["w_t1_jmb"], "get", "/api/v1/enterprises")

    def grow(self, w):
        for _ in range(3):
            add_enterprise(w.county, 1)


class TestAssignmentPage(OneAuditRowPerWrite):
    def writes(self, w):
        mine = w.enterprises[1][1]
        yield Write(
            Call(
                w["w_t1_cmd"],
                "post",
                f"/enterprises/{mine.pk}/assignments/",
                {"user": "w_t1_cadre", "duty": "liaison", "post": "B"},
            ),
            model="enterprises.assignment",
        )


@pytest.fixture
def filings(world):
    from fugong.resumption.testing import add_filing

    return {town: add_filing(world, world.enterprises[town][0]) for town in (1, 2)}


class TestFilings(RefusesWithoutRole, HidesOutsideScope, OneAuditRowPerWrite, FixedQueryCount):
    @pytest.fixture
    def world(self, world, filings):
        world.filings = filings
        return world

    def refused_calls(self, w):
        other = w.enterprises[1][1]
        yield Call(w["w_t1_jmb"], "post", "/api/v1/filings", {"enterprise_id": other.pk})

    def hidden_calls(self, w):
        theirs = w.filings[2]
        for username in ("w_t1_cmd", "w_t1_jmb", "w_t1_ent1"):
            yield Call(w[username], "get", f"/resumption/{theirs.pk}/")
            yield Call(w[username], "get", f"/api/v1/filings/{theirs.pk}")
        yield Call(w["w_t1_ent1"], "get", f"/resumption/{theirs.pk}/notice.pdf")

    def seen_calls(self, w):
        theirs = w.filings[2]
        for username in ("w_t2_cmd", "w_t2_ent1"):
            yield Call(w[username], "get", f"/resumption/{theirs.pk}/")
            yield Call(w[username], "get", f"/api/v1/filings/{theirs.pk}")

    def writes(self, w):
        mine = w.filings[1]
        yield Write(
            Call(w["w_t1_ent1"], "patch", f"/api/v1/filings/{mine.pk}", {"masks": 500}),
            model="resumption.filing",
        )

    def query_calls(self, w):
        yield Call(w["w_t1_cmd"], "get", "/resumption/")
        yield Call(w["w_t1_cmd"], "get", "/api/v1/filings")

    def grow(self, w):
        from fugong.resumption.testing import add_filing

        for _ in range(3):
            add_filing(w, add_enterprise(w.county, 1))


def _ledger() -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["企业名称", "统一社会信用代码", "辖区代码"])
    book.active.append(["导入测试公司", "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class TestImportBatchesAndJobs(RefusesWithoutRole, HidesOutsideScope):
    """An import batch and a job belong to who started them (town 2's commander here)."""

    @pytest.fixture
    def world(self, world):
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test import Client

        from fugong.core.testing import bearer, issue_token

        client = Client()
        headers = bearer(issue_token(client, "w_t2_cmd"))
        upload = client.post(
            "/api/v1/enterprises/imports",
            {"file": SimpleUploadedFile("a.xlsx", _ledger()), "mode": "all"},
            headers=headers,
        )
        assert upload.status_code == 202, upload.content
        export = client.post("/api/v1/enterprises/exports", headers=headers)
        assert export.status_code == 202, export.content
        world.batch, world.job = upload.json()["id"], export.json()["job_id"]
        return world

    def refused_calls(self, w):
        yield Call(w["w_t1_jmb"], "get", "/enterprises/import/")
        yield Call(w["w_t2_jmb"], "post", f"/api/v1/enterprises/imports/{w.batch}/confirm", {})

    def _urls(self, w):
        yield f"/enterprises/import/{w.batch}/"
        yield f"/api/v1/enterprises/imports/{w.batch}"
        yield f"/jobs/{w.job}/"
        yield f"/api/v1/jobs/{w.job}"

    def hidden_calls(self, w):
        for url in self._urls(w):
            yield Call(w["w_t1_cmd"], "get", url)

    def seen_calls(self, w):
        for url in self._urls(w):
            yield Call(w["w_t2_cmd"], "get", url)


class TestApiTokens(HidesOutsideScope, OneAuditRowPerWrite):
    """A token is its owner's (and the platform admin's) to see and revoke."""

    @pytest.fixture
    def world(self, world):
        from django.test import Client

        from fugong.accounts.models import ApiToken
        from fugong.core.testing import issue_token

        issue_token(Client(), "w_t2_cmd")
        world.token = ApiToken.objects.get(user=world["w_t2_cmd"]).pk
        return world

    def hidden_calls(self, w):
        yield Call(w["w_t1_cmd"], "post", f"/account/tokens/{w.token}/revoke/")
        yield Call(w["w_t1_cmd"], "post", f"/api/v1/tokens/{w.token}/revoke", {})

    def seen_calls(self, w):
        yield Call(w["w_t2_cmd"], "get", "/account/tokens/")
        yield Call(w["w_admin"], "get", "/api/v1/tokens")

    def writes(self, w):
        yield Write(
            Call(w["w_t2_cmd"], "post", f"/api/v1/tokens/{w.token}/revoke", {}),
            model="accounts.apitoken",
        )


class TestSubmissions(RefusesWithoutRole, HidesOutsideScope, OneAuditRowPerWrite):
    """Upward reporting: a town's command office submits its own day, nobody else's."""

    url = "/api/v1/stats/submissions"

    def refused_calls(self, w):
        # The county sees the town but is not its command office.
        yield Call(w["w_county_cmd"], "post", f"{self.url}/submit", {"node": w.county.towns[0].pk})

    def hidden_calls(self, w):
        theirs = w.county.towns[1].pk
        yield Call(w["w_t1_cmd"], "post", f"{self.url}/submit", {"node": theirs})
        yield Call(w["w_t1_cmd"], "get", f"{self.url}?node={theirs}")

    def seen_calls(self, w):
        yield Call(w["w_t2_cmd"], "get", f"{self.url}?node={w.county.towns[1].pk}")
        yield Call(w["w_county_cmd"], "get", f"{self.url}?node={w.county.county.pk}")

    def writes(self, w):
        yield Write(
            Call(w["w_t1_cmd"], "post", f"{self.url}/submit", {"node": w.county.towns[0].pk}),
            model="reporting.submission",
        )


class TestSettingsAndAccountPages(RefusesWithoutRole, FixedQueryCount):
    """The resumption settings are the command offices'; the jurisdiction tree costs the
    same queries however many places it shows."""

    def refused_calls(self, w):
        for username in ("w_t1_jmb", "w_t1_ent1", "w_t1_cadre"):
            yield Call(w[username], "get", "/resumption/settings/")

    def query_calls(self, w):
        yield Call(w["w_t1_cmd"], "get", "/jurisdictions/")

    def grow(self, w):
        from fugong.accounts.choices import Level
        from fugong.accounts.services import jurisdiction_create

        town = w.county.towns[0]
        for n in range(2, 5):
            jurisdiction_create(
                actor="test",
                code=f"{town.code}{200 + n}",
                name=f"新村{n}",
                level=Level.VILLAGE,
                parent=town,
            )
