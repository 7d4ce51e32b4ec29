"""Many resumption filings at once, for benchmarks at scale: the demo makes its filings through
the services (versions, events, acceptances, notices), which is right for a few hundred and
far too slow for thousands. ``bulk_filings`` tops the database up to a number of filings with
bulk inserts instead.

The filings look like the ones the services make, as far as lists, the reviewer's queue and
the pipeline can tell: the mode in force in the enterprise's place, a state along that mode's
path (the demo's weights), the rule results of the application, the priority score, the
submission time, the stage time limit in working days, and for every submitted filing its
reviewing offices by the routing table, the first leading (the enterprise is routed to them
too, as on submission), and the files its mode asks for (``policy.required_attachments``; one
stored stand-in file per kind, shared by the rows). They have no versions, events,
acceptances or notices.

Deterministic: the same database and ``seed`` give the same filings. Run it while nobody
else writes filings (it numbers the new rows itself).
"""

from __future__ import annotations

import datetime
import random

from django.core.files.base import ContentFile
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from fugong.accounts.choices import Role
from fugong.accounts.models import Membership
from fugong.core.bulk import insert_rows
from fugong.demo.generator import DemoBuilder
from fugong.enterprises.choices import NEEDS_RESUMPTION
from fugong.enterprises.models import Enterprise
from fugong.enterprises.services import enterprise_routes_bulk_add
from fugong.resumption import checks, policy
from fugong.resumption.choices import VALID, AttachmentKind, Mode, OfficeLevel, Status
from fugong.resumption.demo import (
    ACTOR,
    APPROVAL_PATH,
    COMMITMENT_PATH,
    FILE_NAMES,
    RECORD_PATH,
    application_values,
    ensure_defaults,
    png_bytes,
)
from fugong.resumption.models import APPLICATION_FIELDS, Filing, FilingAttachment
from fugong.resumption.services import add_working_days, priority_score

# How far back the campaign goes: filings were started over the last ``CAMPAIGN_DAYS`` days,
# more of them recently.
CAMPAIGN_DAYS = 21
PATHS = {Mode.APPROVAL: APPROVAL_PATH, Mode.RECORD: RECORD_PATH, Mode.COMMITMENT: COMMITMENT_PATH}
RETURN_REASON = "请补充错峰返岗计划和隔离留观室设置情况。"


class _Names:
    """What ``application_values`` asks of a demo builder: its random source, names, phones."""

    person_name = DemoBuilder.person_name
    phone = DemoBuilder.phone

    def __init__(self, rng: random.Random):
        self.rng = rng


class _Places:
    """The policy, rules and routing of each place, each looked up once."""

    def __init__(self) -> None:
        self.policies: dict[int, policy.Policy] = {}
        self.rules: dict[int, list[policy.RuleSetting]] = {}
        self.router = policy.Router()
        self.routes: dict[tuple, list] = {}

    def policy(self, jurisdiction) -> policy.Policy:
        if jurisdiction.pk not in self.policies:
            self.policies[jurisdiction.pk] = policy.policy_for(jurisdiction)
        return self.policies[jurisdiction.pk]

    def rules_for(self, jurisdiction) -> list[policy.RuleSetting]:
        if jurisdiction.pk not in self.rules:
            self.rules[jurisdiction.pk] = policy.rules_for(jurisdiction)
        return self.rules[jurisdiction.pk]

    def route(self, enterprise, filing) -> list:
        """The routing of ``policy.route``, computed once per distinct outcome: the rows of
        the routing table the filing matches and the places they name (the town, hence its
        county; the village or community when a community-level row matches; the park when a
        park-level row matches)."""
        where = enterprise.jurisdiction
        table = self.router.table(where)
        matched = [r for r in table if policy.rule_matches(r, enterprise, filing)]
        paths = policy.ancestor_paths(where)
        levels = {r.office_level for r in matched}
        key = (
            paths[min(3, len(paths) - 1)],  # the town (its county too)
            tuple(sorted(r.pk for r in matched)),
            paths[min(4, len(paths) - 1)] if OfficeLevel.COMMUNITY in levels else None,
            enterprise.park_id if OfficeLevel.PARK in levels else None,
        )
        if key not in self.routes:
            self.routes[key] = self.router.route(enterprise, filing)
        return self.routes[key]


def _pick(rng: random.Random, path: list[tuple[str, int]]) -> str:
    return rng.choices([s for s, _ in path], weights=[w for _, w in path])[0]


def _between(rng: random.Random, start: datetime.datetime, end: datetime.datetime):
    return start + (end - start) * rng.random() if end > start else start


class _Files:
    """One stored stand-in file per attachment kind, shared by the bulk rows."""

    def __init__(self) -> None:
        self.stored: dict[str, tuple[str, int]] = {}

    def get(self, kind: str) -> tuple[str, int]:
        if kind not in self.stored:
            data = png_bytes(f"bulk {kind}")
            storage = FilingAttachment._meta.get_field("file").storage
            name = storage.save(f"filings/bulk/{kind}.png", ContentFile(data))
            self.stored[kind] = (name, len(data))
        return self.stored[kind]


def bulk_filings(target: int, seed: int) -> int:
    """Add filings until the database holds ``target`` of them; returns how many were added.

    First every enterprise without a filing gets one (those in the "can resume" and "may
    delay" ledgers first; the enterprises of the demo's enterprise users are left for them to
    file); if that is not enough, enterprises get an earlier filing that was rejected or
    withdrawn."""
    need = target - Filing.objects.count()
    if need <= 0:
        return 0
    ensure_defaults()
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    names = _Names(rng)
    places = _Places()
    now = timezone.now()

    demo_users = Membership.objects.filter(role=Role.ENTERPRISE, enterprise__isnull=False)
    eligible = (
        Enterprise.objects.exclude(pk__in=demo_users.values("enterprise_id"))
        .select_related("jurisdiction", "industry", "park__operator")
        .annotate(has_filing=Exists(Filing.objects.filter(enterprise_id=OuterRef("pk"))))
        .order_by("pk")
    )
    eligible = list(eligible)
    first = [e for e in eligible if not e.has_filing and e.ledger in NEEDS_RESUMPTION]
    then = [e for e in eligible if not e.has_filing and e.ledger not in NEEDS_RESUMPTION]
    rng.shuffle(first)
    rng.shuffle(then)
    plan: list[tuple[Enterprise, bool]] = [(e, False) for e in (first + then)[:need]]
    while len(plan) < need and eligible:  # earlier, closed filings
        plan += [(e, True) for e in rng.sample(eligible, min(need - len(plan), len(eligible)))]

    columns = [
        "id", "enterprise_id", "jurisdiction_id", "mode", "status", "revision",
        "versions_count", "submitted_at", "rule_results", "needs_county_approval", "priority",
        "stage_due", "lead_office_id", "missing", "resumed_on", "created_at", "updated_at",
        *APPLICATION_FIELDS,
    ]  # fmt: skip
    rows: list[list] = []
    attachments: list[tuple] = []
    files = _Files()
    routed: list[tuple[int, int]] = []
    enterprise_routes: dict[Enterprise, list] = {}
    with transaction.atomic():
        next_id = (Filing.objects.aggregate(n=Max("pk"))["n"] or 0) + 1
        for enterprise, earlier in plan:
            place = enterprise.jurisdiction
            in_force = places.policy(place)
            mode = in_force.mode
            if earlier:
                created = now - datetime.timedelta(
                    days=rng.uniform(CAMPAIGN_DAYS, 2 * CAMPAIGN_DAYS)
                )
                target_status = (
                    Status.WITHDRAWN
                    if mode == Mode.COMMITMENT or rng.random() < 0.3
                    else Status.REJECTED
                )
            else:
                created = now - datetime.timedelta(days=CAMPAIGN_DAYS * rng.random() ** 2)
                target_status = _pick(rng, PATHS[mode])
            values = application_values(names, enterprise, timezone.localdate(created))
            filing = Filing(enterprise=enterprise, jurisdiction=place, mode=mode, **values)
            submitted_at = None
            if target_status != Status.DRAFT and not (
                target_status == Status.WITHDRAWN and mode == Mode.COMMITMENT
            ):
                submitted_at = min(now, created + datetime.timedelta(hours=rng.uniform(0.2, 48)))
            results = []
            if submitted_at:
                results = checks.evaluate(filing, places.rules_for(place), now=submitted_at)
                if mode != Mode.COMMITMENT and checks.failed(results):
                    # A rule blocks the submission: it stays a draft with the results shown
                    # (an earlier one was withdrawn as it was).
                    target_status = Status.WITHDRAWN if earlier else Status.DRAFT
                    submitted_at = None
            kinds = []
            if submitted_at:  # submitted: it has the files its mode asks for
                kinds = policy.required_attachments(mode, has_commuter_bus=filing.has_commuter_bus)
            offices = places.route(enterprise, filing) if submitted_at else []
            # When the filing entered its present state.
            if not submitted_at:
                entered = _between(rng, created, now) if target_status != Status.DRAFT else created
            elif target_status == Status.SUBMITTED or mode == Mode.COMMITMENT:
                entered = submitted_at
            else:
                entered = _between(rng, submitted_at, now)
            days = in_force.stage_days.get(target_status)
            stage_due = add_working_days(timezone.localdate(entered), int(days)) if days else None
            missing = []
            if target_status == Status.RETURNED:
                missing = [{"text": RETURN_REASON}]
            elif target_status == Status.ACCEPTANCE_FAILED:
                missing = [{"item": 5, "text": "口罩储备", "note": "口罩储备不足3天用量"}]
            resumed_on = None
            if target_status in VALID and rng.random() < 0.5:
                resumed_on = timezone.localdate(_between(rng, entered, now))
            pk = next_id + len(rows)
            rows.append(
                [
                    pk, enterprise.pk, place.pk, mode, target_status,
                    rng.randint(1, 6) if submitted_at else rng.randint(0, 2),
                    1 if submitted_at else 0, submitted_at,
                    results, bool(submitted_at) and checks.escalates(results),
                    priority_score(
                        filing, in_force.weights, results,
                        has_roster=AttachmentKind.ROSTER in kinds,
                    ) if submitted_at else 0,
                    stage_due, offices[0].pk if offices else None, missing, resumed_on,
                    created, entered,
                    *(getattr(filing, name) for name in APPLICATION_FIELDS),
                ]
            )  # fmt: skip
            for kind in kinds:
                name, size = files.get(kind)
                attachments.append(
                    (pk, kind, name, f"{FILE_NAMES[kind]}.png", "png", size, entered)
                )
            routed += [(pk, office.pk) for office in dict.fromkeys(offices)]
            if offices:
                enterprise_routes.setdefault(enterprise, []).extend(offices)
        insert_rows(Filing, columns, rows)
        insert_rows(Filing.routed_offices.through, ["filing_id", "office_id"], routed)
        insert_rows(
            FilingAttachment,
            ["filing_id", "kind", "file", "filename", "content_type", "size", "uploaded_at"],
            attachments,
        )
        if connection.vendor == "postgresql":  # ids given here: move the sequence past them
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Filing]):
                    cursor.execute(sql)
        # As on submission: the enterprise is routed to its filing's offices too.
        enterprise_routes_bulk_add(actor=ACTOR, routes=enterprise_routes, reason="demo filings")
    return len(rows)
