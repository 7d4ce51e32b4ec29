"""No English left in the Chinese UI.

Every page of the site (each URL pattern of config/urls.py and the apps' urls.py, and the Django
admin's index, changelist, add and change pages of every registered model) is opened in zh-hans
as each role that can open it, with its arguments filled from the demo county. The text a user
sees (text nodes, title / placeholder / aria-label / alt / hx-confirm attributes, button values
and option labels) must not hold English: a run of two or more English words is a string that
was never translated. Each form found on those pages is then sent empty, once per role, and the
answer (the form with its errors, or the page it leads to with its message) is checked the same
way. Names such as Excel or API and the codes the site shows are allowed below.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from django.contrib import admin
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

pytestmark = pytest.mark.django_db

# One user per role (demo county, tests/conftest.py).
ROLES = [
    "admin",  # platform administrator (also superuser: the Django admin)
    "county_cmd",  # county command office
    "county_gxj",  # county reviewing office
    "county_rsj",  # county department
    "town01_cmd",  # town command office
    "town01_jmb",  # town reviewing office
    "town01_grid",  # grid chief
    "town01_cadre",  # 包保 cadre
    "town01_park",  # park operator
    "town01_ent1",  # enterprise user
    "town01_emp1",  # employee
]

# URL patterns that are not pages: files, redirects after a POST, the API, machinery.
NOT_PAGES = {
    "healthz": "health check, JSON",
    "javascript-catalog": "JavaScript catalogue",
    "set_language": "language switch, POST only",
    "core:job_download": "file download",
    "enterprises:export": "starts a job, POST",
    "enterprises:bulk": "bulk action, POST only",
    "enterprises:import_errors": "error file download",
    "workforce:import_errors": "error file download",
    "workforce:export": "POST only (starts a job)",
    "cases:step": "POST only",
    "cases:extension_ask": "POST only",
    "cases:extension_decide": "POST only",
    "cases:callback": "POST only",
    "cases:common_decide": "POST only",
    "cases:note": "POST only",
    "cases:visit_photo": "photo",
    "cases:attachment": "file download",
    "enterprises:assignment_remove": "POST only",
    "resumption:notice": "PDF",
    "inspections:draft": "POST only (the checklist's draft)",
    "inspections:step": "POST only",
    "inspections:stop_new": "POST only",
    "inspections:answer_photo": "photo",
    "inspections:draws:publish": "POST only",
    "inspections:draws:record": "JSON",
    "open_draws:record": "JSON",
    "policies:policy_publish": "POST only",
    "policies:policy_withdraw": "POST only",
    "policies:benefit_delete": "POST only",
    "policies:benefit_grant": "POST only (starts a job)",
    "policies:benefit_confirm": "POST only",
    "policies:claim_step": "POST only",
    "policies:match_all": "POST only (starts a job)",
    "policies:claim_file": "file download",
    "vacancies:status": "POST only",
    "vacancies:fill": "POST only",
    "vacancies:import_errors": "error file download",
    "buses:passengers_add": "POST only",
    "buses:passenger_remove": "POST only",
    "buses:batch_step": "POST only",
    "buses:rider_add": "POST only",
    "buses:rider_remove": "POST only",
    "buses:disinfection_add": "POST only",
    "buses:letter_new": "POST only",
    "buses:letter_rule": "POST only",
    "buses:letter_step": "POST only",
    "buses:passengers_export": "file download",
    "buses:ledger_export": "file download",
    "buses:letter_pdf": "PDF",
    "notifications:open": "marks a message read and redirects to what it names",
    "notifications:read_all": "POST only",
    "notifications:robot_test": "POST only",
    "notifications:robot_delete": "POST only",
    "notifications:group_delete": "POST only",
    "notifications:subscription_delete": "POST only",
    "resumption:notice_revoke": "POST only",
    "resumption:submit": "POST only",
    "resumption:action": "POST only",
    "resumption:attach": "POST only",
    "resumption:schedule": "POST only",
    "resumption:resumed": "POST only",
    "resumption:attachment": "file download",
    "resumption:attachment_remove": "POST only",
    "resumption:photo": "file download",
    "resumption:settings_policy": "POST only",
    "resumption:settings_rule": "POST only",
    "reporting:reporting_submit": "POST only",
    "reporting:reporting_reopen": "POST only",
    "reporting:reporting_remind": "POST only",
    "reports:report_template_upload": "POST only",
    "reports:report_template_in_use": "file download",
    "reports:report_template_shipped": "file download",
    "reports:report_template_download": "file download",
    "reports:report_template_active": "POST only",
    "accounts:logout": "POST only",
    "accounts:api_token_revoke": "POST only",
    "accounts:api_tokens_revoke": "POST only",
    "cases:tip_step": "POST only",
    "cases:tip_contact": "POST only",
    "cases:tip_photo": "photo download",
    "tips:done": "the receipt, shown once after a tip is sent",
    "captcha-image": "CAPTCHA picture",
    "captcha-image-2x": "CAPTCHA picture",
    "captcha-audio": "CAPTCHA sound (not used)",
    "captcha-refresh": "CAPTCHA JSON (not used)",
}

# Forms not sent empty: they sign out, switch the language or revoke the tokens in use.
NO_EMPTY_POST = {
    "accounts:logout",
    "accounts:login",
    "set_language",
    "accounts:api_tokens_revoke",
    "accounts:api_token_revoke",
}

# Two or more English words in a row (words of letters, joined by spaces or hyphens).
# A run inside a longer token (a random key such as "x1_ab-Cd_9") is not prose.
ENGLISH_RUN = re.compile(
    r"(?<![A-Za-z0-9_-])[A-Za-z][A-Za-z'’]*(?:[ \t\-]+[A-Za-z][A-Za-z'’]*)+(?![A-Za-z0-9_-])"
)
# English the Chinese UI may show as it is: product names, technical terms, codes.
ALLOWED = [
    re.compile(p)
    for p in (
        r"^(Microsoft )?Excel$",
        r"^(Word|PDF|CSV|XLSX?|DOCX)( (Excel|Word|PDF|CSV|XLSX?|DOCX))*$",
        r"^English$",
        r"^seed-demo$",  # the demo generator, as the actor of its audit rows
        r"^Bearer( token)?$",
        r"^(GB|GB/T)[ -]?\d",
        # A random token (a notice's verification code, an API token's prefix): one "word" with
        # a capital after a small letter inside it, which no English word has.
        r"^(?=\S{6,}$)(?=.*[a-z][A-Z])\S+$",
    )
]
# Elements whose text is code or data, not UI: left out.
SKIP_ELEMENTS = {"script", "style", "code", "kbd", "samp", "pre", "template"}
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "hx-confirm", "label")


def visible_strings(html: str) -> Iterator[str]:
    doc = lxml.html.document_fromstring(html)
    for element in doc.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        inside_skipped = tag in SKIP_ELEMENTS or any(
            isinstance(a.tag, str) and a.tag in SKIP_ELEMENTS for a in element.iterancestors()
        )
        if not inside_skipped:
            if element.text and tag:  # not the text of a comment
                yield element.text
            for name in VISIBLE_ATTRIBUTES:
                if element.get(name):
                    yield element.get(name)
            if tag == "input" and element.get("type") in ("submit", "button", "reset"):
                yield element.get("value") or ""
        # The tail follows the element, so it belongs to the parent.
        parent = element.getparent()
        parent_skipped = parent is not None and (
            parent.tag in SKIP_ELEMENTS
            or any(
                isinstance(a.tag, str) and a.tag in SKIP_ELEMENTS for a in parent.iterancestors()
            )
        )
        if element.tail and not parent_skipped:
            yield element.tail


# Report-template syntax the help text shows ({%p for p in … %}, {{ name }}) is code, not prose.
TEMPLATE_SYNTAX = re.compile(r"\{[%{].*?[%}]\}")


def english_in(html: str) -> list[str]:
    found = []
    for text in visible_strings(html):
        text = TEMPLATE_SYNTAX.sub(" ", " ".join(text.split()))
        for match in ENGLISH_RUN.finditer(text):
            run = match.group(0).strip(" -")
            if len(run.split()) < 2 and "-" not in run:
                continue
            if not any(p.search(run) for p in ALLOWED):
                found.append(run if run == text else f"{run}  [in: {text[:120]}]")
    return found


def test_the_heuristic_finds_english_and_spares_names():
    html = """<html><body><h1>统计设置</h1><label>Note for the level above</label>
        <input placeholder="Search by name"><button title="导出 Excel">导出</button>
        <script>var a = "some code here";</script><code>Authorization: Bearer x</code>
        <option>English</option><!-- END Header --><td>ll1ufilL7un4_ci-CfM_O9fv</td><td>VRUfDoKUmVnREVRHgA-ONByM</td><td>KhAW--pi</td><td>Read-only</td><dd>{%p for p in rows %}</dd><p>上传 Microsoft Excel 文件</p><h2>选择Task Result查看</h2></body></html>"""
    assert [s.split("  [in:")[0] for s in english_in(html)] == [
        "Note for the level above",
        "Search by name",
        "Read-only",
        "Task Result",
    ]


# --- URL patterns and their arguments --------------------------------------------------------


@dataclass
class Pattern:
    name: str
    route: str
    params: list[str] = field(default_factory=list)


def url_patterns(resolver=None, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith(("api/", "admin/")):
                continue  # the API (tests/test_schemathesis.py); the admin, below
            ns = (  # nested: inspections:draws
                f"{namespace}:{entry.namespace}"
                if namespace and entry.namespace
                else (entry.namespace or namespace)
            )
            yield from url_patterns(entry, route, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Pattern(name, route, list(entry.pattern.converters))


class Arguments:
    """The arguments each page takes, filled from the demo county for a given user."""

    def __init__(self, demo_objects):
        self.o = demo_objects

    def for_pattern(self, name: str, user) -> list[dict]:
        o = self.o
        enterprise = o.enterprise_for(user)
        filings = o.filings_for(user)
        if name.startswith("enterprises:") and name.split(":")[1] in (
            "detail",
            "edit",
            "assignments",
        ):
            return [{"pk": enterprise.pk}] if enterprise else []
        if name == "enterprises:override":
            return (
                [{"pk": enterprise.pk, "what": w} for w in ("category", "key")]
                if enterprise
                else []
            )
        if name == "enterprises:preset":
            from fugong.enterprises.views import PRESETS

            return [{"preset": p} for p in PRESETS]
        if name == "enterprises:import":
            return [
                {"pk": b.pk} for b in o.batches if b.created_by_id == user.pk or user.is_superuser
            ]
        if name.startswith("resumption:") and name.split(":")[1] in (
            "detail",
            "edit",
            "acceptance",
        ):
            return [{"pk": f.pk} for f in filings]
        if name == "core:job":
            return [{"pk": j.pk} for j in o.jobs if j.created_by_id == user.pk or user.is_superuser]
        if name == "core:history":
            rows = [("enterprises", "enterprise", enterprise.pk)] if enterprise else []
            rows += [("resumption", "filing", f.pk) for f in filings[:1]]
            rows.append(("accounts", "user", user.pk))
            return [{"app_label": a, "model_name": m, "pk": pk} for a, m, pk in rows]
        if name == "public:verify":
            return [{"token": t} for t in o.notice_tokens]
        if name in ("notifications:robot", "notifications:robot_log"):
            from fugong.notifications.setup import robot_list

            return [{"pk": r.pk} for r in robot_list(user)[:1]]
        if name == "workforce:import":
            return [{"pk": b.pk} for b in o.roster_batches if b.created_by_id == user.pk]
        if name in ("workforce:employee_edit", "workforce:employee_pass"):
            from fugong.workforce.selectors import employee_list

            return [{"pk": e.pk} for e in employee_list(user=user)[:1]]
        if name == "workforce:phone_entry":
            from fugong.workforce.phone_entry import enterprise_code

            return [{"code": enterprise_code(enterprise)}] if enterprise else []
        if name == "cases:detail":
            from fugong.cases.selectors import case_list

            return [{"pk": c.pk} for c in case_list(user)[:1]]
        if name == "cases:visit":
            from fugong.cases.models import Visit
            from fugong.core.scope import scoped

            return [{"pk": v.pk} for v in scoped(Visit.objects.all(), user)[:1]]
        if name == "cases:urge":
            from fugong.cases.models import Urge
            from fugong.core.scope import scoped

            return [{"pk": u.pk} for u in scoped(Urge.objects.all(), user)[:1]]
        if name.startswith("inspections:") and name.split(":")[1] in ("detail", "fill"):
            from fugong.inspections.selectors import inspection_list

            return [{"pk": i.pk} for i in inspection_list(user).order_by("status", "pk")[:2]]
        if name == "inspections:order":
            from fugong.inspections.selectors import order_list

            return [{"pk": o.pk} for o in order_list(user).order_by("pk")[:1]]
        if name == "inspections:stop":
            from fugong.inspections.selectors import stop_list

            return [{"pk": s.pk} for s in stop_list(user).order_by("pk")[:1]]
        if name in ("inspections:draws:detail", "open_draws:detail"):
            from fugong.inspections import draws

            found = (
                draws.published_draws() if name.startswith("open") else draws.draws_in_scope(user)
            )
            return [{"pk": d.pk} for d in found.order_by("pk")[:1]]
        if name in ("policies:policy", "policies:policy_edit", "policies:benefit_new"):
            from fugong.policies.selectors import policy_list

            return [{"pk": p.pk} for p in policy_list(user).order_by("pk")[:2]]
        if name in ("policies:benefit", "policies:benefit_edit"):
            from fugong.policies.models import Benefit
            from fugong.policies.selectors import policy_list

            policies = policy_list(user).values("pk")
            return [
                {"pk": b.pk} for b in Benefit.objects.filter(policy__in=policies).order_by("pk")
            ]
        if name == "policies:claim_new":
            from fugong.policies.models import Benefit

            return [
                {"benefit_pk": b.pk}
                for b in Benefit.objects.filter(automatic=False).order_by("pk")[:2]
            ]
        if name in ("policies:claim", "policies:claim_edit"):
            from fugong.policies.selectors import claim_list

            claims = claim_list(user).order_by("status", "pk")
            if name == "policies:claim_edit":
                claims = claims.filter(status="draft")
                if not claims.exists() and enterprise is not None:
                    draft = _draft_claim(user, enterprise)
                    return [{"pk": draft.pk}] if draft else []
            return [{"pk": c.pk} for c in claims[:3]]
        if name == "policies_public:policy":
            from fugong.policies.selectors import public_policies

            return [{"pk": p.pk} for p in public_policies().order_by("pk")]
        if name == "cases:tip":
            from fugong.cases.tips import tip_list

            return [{"pk": t.pk} for t in tip_list(user)[:1]]
        if name == "notifications:group":
            from fugong.notifications.setup import group_list

            return [{"pk": g.pk} for g in group_list(user)[:1]]
        if name in ("vacancies:detail", "vacancies:edit"):
            from fugong.vacancies.selectors import vacancy_list

            return [{"pk": v.pk} for v in vacancy_list(user).order_by("pk")[:2]]
        if name == "vacancies:import":
            from fugong.core.imports.models import ImportBatch
            from fugong.core.testing import run_import
            from fugong.vacancies.importer import KIND
            from fugong.vacancies.selectors import own_enterprise_ids

            batches = ImportBatch.objects.filter(kind=KIND, created_by=user)
            if not batches.exists() and own_enterprise_ids(user):
                content = "岗位,招聘人数,已招人数\n普工,3,9\n电焊工,2,0\n".encode()
                run_import(KIND, user, content, filename="空岗.csv", confirm=False)
            return [{"pk": b.pk} for b in batches.order_by("pk")[:1]]
        if name == "jobs_public:detail":
            from fugong.vacancies.selectors import board

            return [{"pk": v.pk} for v in board().order_by("pk")[:1]]
        if name in ("buses:batch", "buses:batch_edit"):
            from fugong.buses.selectors import batch_list

            return [{"pk": b.pk} for b in batch_list(user).order_by("status", "pk")[:3]]
        if name in ("buses:bus", "buses:bus_edit", "buses:ledger"):
            from fugong.buses.selectors import bus_list

            return [{"pk": b.pk} for b in bus_list(user).order_by("pk")[:1]]
        if name == "buses:letter":
            from fugong.buses.selectors import letter_list

            return [{"pk": x.pk} for x in letter_list(user).order_by("status", "pk")[:2]]
        if name == "buses_public:verify":
            from fugong.buses.models import Letter

            return [{"token": x.token} for x in Letter.objects.filter(status="approved")[:1]]
        raise LookupError(name)


def _draft_claim(user, enterprise):
    """A claim being filled in by ``user`` for its enterprise, on a benefit open to it."""
    from fugong.core.errors import UserError
    from fugong.policies import services
    from fugong.policies.models import Match

    for match in Match.objects.filter(enterprise=enterprise, benefit__automatic=False):
        try:
            return services.claim_start(actor=user, benefit=match.benefit, enterprise=enterprise)
        except UserError:
            continue
    return None


def roster_batch():
    """A roster file checked for a demo enterprise's user (one good row, one bad)."""
    from fugong.accounts.choices import Role
    from fugong.accounts.models import Membership
    from fugong.workforce.models import Employee
    from tests.workforce.test_roster_import import number, roster_xlsx, run

    enterprise = Employee.objects.order_by("pk").first().enterprise
    member = Membership.objects.filter(role=Role.ENTERPRISE, enterprise=enterprise).first()
    rows = [[1, "页面一", number(901), "", "本地"], [2, "页面二", "123", "", "本地"]]
    return run(member.user, enterprise, roster_xlsx(rows), confirm=False)


class DemoObjects:
    """A few objects of each kind from the demo county, plus an import batch and its jobs."""

    def __init__(self, admin_user):
        from fugong.resumption.models import Notice
        from tests.test_import import good_rows, run, xlsx

        bad = [["", "not-a-code", "", "", "", -1, "", "", "2099-01-01"]]
        self.batches = [run(admin_user, xlsx(good_rows(2) + bad), confirm=False)]
        from fugong.accounts.services import api_token_issue

        api_token_issue(user=admin_user)  # the tokens page lists it
        from fugong.core.models import Job

        self.jobs = list(Job.objects.filter(created_by=admin_user))
        self.notice_tokens = list(Notice.objects.order_by("pk").values_list("token", flat=True)[:1])
        self.roster_batches = [roster_batch()]

    def enterprise_for(self, user):
        from fugong.enterprises.selectors import enterprise_list

        return enterprise_list(user=user).order_by("pk").first()

    def filings_for(self, user):
        """One filing in the user's scope per status: each status shows other parts."""
        from fugong.resumption import selectors

        seen, out = set(), []
        for filing in selectors.filing_list(user=user).order_by("pk"):
            if filing.status not in seen:
                seen.add(filing.status)
                out.append(filing)
        return out


def html_of(response) -> str | None:
    # Pages, and the error pages a role gets where it may not go (403, 404, 405).
    if 300 <= response.status_code < 400 or "text/html" not in response.get("Content-Type", ""):
        return None
    return response.content.decode(response.charset or "utf-8")


def test_every_page_is_chinese(user):
    from fugong.accounts.models import User

    objects = DemoObjects(user("admin"))
    arguments = Arguments(objects)
    patterns = list(url_patterns())
    problems: dict[str, set[str]] = {}
    opened: set[str] = set()

    seen: set[tuple[int, str]] = set()

    def check(label: str, client: Client, url: str) -> None:
        if (id(client), url) in seen:
            return
        seen.add((id(client), url))
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        html = html_of(response)
        if html is None:
            return
        if response.status_code == 200:
            opened.add(label)
            if not label.startswith("admin:"):
                collect_forms(client, url, html)
        for run in english_in(html):
            problems.setdefault(run, set()).add(url)

    # Each form of the site sent empty once per role: the page that answers (the form again
    # with its errors, or where it leads with a message) must be Chinese too.
    forms_to_send: dict[tuple[int, str], tuple[Client, str, bool]] = {}

    def collect_forms(client: Client, url: str, html: str) -> None:
        doc = lxml.html.document_fromstring(html)
        targets = [
            (f.get("action") or url, False)
            for f in doc.iter("form")
            if (f.get("method") or "").lower() == "post"
        ]
        targets += [(el.get("hx-post"), True) for el in doc.xpath("//*[@hx-post]")]
        for action, htmx in targets:
            path = urlsplit(urljoin(url, action)).path
            try:
                match = resolve(path)
            except Resolver404:
                continue
            if match.view_name in NO_EMPTY_POST or path.startswith(("/admin/", "/api/")):
                continue
            forms_to_send.setdefault((id(client), match.view_name), (client, path, htmx))

    anonymous = Client()
    for pattern in patterns:
        if pattern.name in NOT_PAGES:
            continue
        if not pattern.params:
            check(pattern.name, anonymous, reverse(pattern.name))
        elif pattern.name in ("public:verify", "buses_public:verify"):
            for kwargs in arguments.for_pattern(pattern.name, None):
                check(pattern.name, anonymous, reverse(pattern.name, kwargs=kwargs))
    unknown: set[str] = set()
    for username in ROLES:
        person = User.objects.get(username=username)
        client = Client()
        client.force_login(person)
        for pattern in patterns:
            if pattern.name in NOT_PAGES or pattern.name in (
                "public:verify",
                "buses_public:verify",
            ):
                continue
            try:
                filled = arguments.for_pattern(pattern.name, person) if pattern.params else [{}]
            except LookupError:
                unknown.add(pattern.name)
                continue
            for kwargs in filled:
                check(pattern.name, client, reverse(pattern.name, kwargs=kwargs))

    admin_client = Client()
    admin_client.force_login(user("admin"))
    check("admin:index", admin_client, reverse("admin:index"))
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        base = f"admin:{meta.app_label}_{meta.model_name}"
        check(base, admin_client, reverse(f"{base}_changelist"))
        check(base, admin_client, reverse("admin:app_list", args=[meta.app_label]))
        if model_admin.has_add_permission(_request_for(user("admin"))):
            check(base, admin_client, reverse(f"{base}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            check(base, admin_client, reverse(f"{base}_change", args=[first.pk]))

    assert forms_to_send, "no form found on any page: the crawl is broken"
    for client, path, htmx in forms_to_send.values():
        extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = client.post(path, {}, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans", **extra)
        html = html_of(response)
        for run in english_in(html or ""):
            problems.setdefault(run, set()).add(f"POST {path}")

    # API tokens' prefixes are random: one may happen to look like English ("I-WXc-dd").
    from fugong.accounts.models import ApiToken

    prefixes = set(ApiToken.objects.values_list("prefix", flat=True))
    problems = {run: urls for run, urls in problems.items() if run.split()[0] not in prefixes}
    assert not unknown, f"pages whose arguments are not known (add them to Arguments): {unknown}"
    not_opened = {p.name for p in patterns if p.name not in NOT_PAGES} - opened
    assert not not_opened, f"pages no role could open (fill their arguments): {sorted(not_opened)}"
    report = "\n".join(
        f"{run!r} on {', '.join(sorted(urls)[:3])}" for run, urls in sorted(problems.items())
    )
    assert not problems, f"English left in the Chinese UI ({len(problems)} strings):\n{report}"


def _request_for(person):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = person
    return request


# The names makemessages (xgettext) looks for; a string passed to any other name, such as
# gettext_lazy imported "as _lazy", never reaches the catalogue and stays English.
EXTRACTED = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}
TRANSLATION_IMPORT = re.compile(
    r"from django\.utils\.translation import\s*\(?([^)\n]*(?:\n[^)\n]*)*?)\)?\s*$", re.M
)


def test_translated_strings_go_through_names_makemessages_knows():
    from pathlib import Path

    from django.conf import settings

    bad = []
    for path in sorted((Path(settings.BASE_DIR) / "fugong").rglob("*.py")):
        for match in TRANSLATION_IMPORT.finditer(path.read_text()):
            for name in match.group(1).replace("\n", " ").split(","):
                parts = name.split()
                if len(parts) == 3 and parts[1] == "as" and parts[2] not in EXTRACTED:
                    bad.append(f"{path.relative_to(settings.BASE_DIR)}: {' '.join(parts)}")
    assert not bad, "strings under these names are never extracted for translation:\n" + "\n".join(
        bad
    )
