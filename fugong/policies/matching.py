"""政策找企业: which enterprises each published benefit reaches, kept in ``Match``.

``match_all`` reads once the facts the benefits use of the enterprises of the places that
issued them, sorted by place, and runs each benefit's compiled conditions
(``rules.compile_benefit``) over the enterprises of its own place; then it writes only the
difference with what was matched before (new pairs inserted in bulk, gone pairs deleted,
changed amounts rewritten): a second run that finds nothing changed writes nothing.
``match_enterprise`` does the same for the one enterprise whose data was just saved. Both tell
the enterprise's users of each benefit newly open to them (``events.ELIGIBLE``), once per
enterprise and benefit.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from decimal import Decimal
from operator import itemgetter

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fugong.core.bulk import insert_rows
from fugong.core.scope import subtree_q
from fugong.policies import rules
from fugong.policies.choices import PolicyStatus
from fugong.policies.models import Benefit, Match

CHUNK = 900  # ids per IN (...) (SQLite allows 999 parameters per statement)


def published_benefits(ids: Iterable[int] | None = None):
    """The benefits in force: of published policies not past their last day."""
    qs = (
        Benefit.objects.filter(policy__status=PolicyStatus.PUBLISHED)
        .exclude(policy__valid_until__lt=timezone.localdate())
        .select_related("policy__issuer")
    )
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.order_by("pk")


def _enterprises():
    from fugong.enterprises.models import Enterprise

    return Enterprise.objects.all()


def compiled(benefit: Benefit, names: list[str], *, inside: bool = False) -> rules.Compiled:
    """``inside``: the rows it will read are all of the issuing place (no test of it)."""
    within = None if inside else benefit.policy.issuer.path
    return rules.compile_benefit(
        benefit.conditions, benefit.formula, benefit.cap, names, within=within
    )


def evaluate(
    benefit: Benefit, names: list[str], rows: list[tuple], *, inside: bool = False
) -> dict[int, Decimal | None]:
    """enterprise id -> amount (None: not computable) of the eligible among ``rows``
    (``inside``: all of them are enterprises of the place that issued the benefit)."""
    c = compiled(benefit, names, inside=inside)
    tests = [test for _condition, test in c.tests]
    amount = c.amount
    out: dict[int, Decimal | None] = {}
    for row in rows:
        for test in tests:
            if not test(row):
                break
        else:
            out[row[0]] = amount(row) if amount is not None else None
    return out


def _write(benefit_id: int, found: dict[int, Decimal | None], before: dict) -> list[int]:
    """Make the benefit's matches ``found``; return the enterprises newly matched."""
    now = timezone.now()
    gone = [e for e in before if e not in found]
    changed = [e for e, a in found.items() if e in before and before[e] != a]
    new = [e for e in found if e not in before]
    for i in range(0, len(gone) + len(changed), CHUNK):
        ids = (gone + changed)[i : i + CHUNK]
        Match.objects.filter(benefit_id=benefit_id, enterprise_id__in=ids).delete()
    insert_rows(
        Match,
        ["benefit_id", "enterprise_id", "amount", "matched_at"],
        ((benefit_id, e, found[e], now) for e in changed + new),
    )
    return new


def match_all(
    benefit_ids: Iterable[int] | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    notify: bool = True,
) -> dict[int, int]:
    """Match every published benefit (or those of ``benefit_ids``) against all enterprises.
    Returns benefit id -> number of enterprises eligible."""
    benefits = list(published_benefits(benefit_ids))
    used: set[str] = set()
    for benefit in benefits:
        used |= rules.facts_used(benefit.conditions, benefit.formula)
    # Only the enterprises of the places that issued them can be eligible.
    issuers = sorted({benefit.policy.issuer.path for benefit in benefits})
    places = Q(pk__in=[])
    for i, path in enumerate(issuers):
        if not any(path.startswith(above) for above in issuers[:i]):
            places |= subtree_q("jurisdiction__path", path)
    names, rows = rules.load(_enterprises().filter(places), sorted(used))
    # Sorted by place, the enterprises of a place (its path a prefix of theirs) are one run
    # of rows: each benefit reads only those of the place that issued it.
    place = names.index("jurisdiction__path")
    rows = sorted(rows, key=itemgetter(place))
    paths = [row[place] for row in rows]
    counts: dict[int, int] = {}
    new_pairs: list[tuple[int, int]] = []
    now = timezone.now()
    for n, benefit in enumerate(benefits, 1):
        within = benefit.policy.issuer.path
        run = rows[bisect_left(paths, within) : bisect_left(paths, within + "\U0010ffff")]
        found = evaluate(benefit, names, run, inside=True)
        with transaction.atomic():
            before = dict(
                Match.objects.filter(benefit=benefit).values_list("enterprise_id", "amount")
            )
            new = _write(benefit.pk, found, before)
            Benefit.objects.filter(pk=benefit.pk).update(matched_at=now, matched_count=len(found))
        counts[benefit.pk] = len(found)
        new_pairs += [(benefit.pk, e) for e in new]
        if progress:
            progress(n, len(benefits))
    # Benefits no longer in force (withdrawn, expired) match nothing.
    if benefit_ids is None:
        Match.objects.exclude(benefit__in=published_benefits().values("pk")).delete()
    if notify and new_pairs:
        from fugong.policies.events import tell_eligible

        tell_eligible(new_pairs)
    return counts


def match_enterprise(enterprise_id: int, *, notify: bool = True) -> list[int]:
    """Re-match one enterprise against every published benefit (its data changed). Returns
    the benefits newly open to it."""
    names, rows = rules.load(_enterprises().filter(pk=enterprise_id))
    rows = list(rows)
    new_for: list[int] = []
    with transaction.atomic():
        before = dict(
            Match.objects.filter(enterprise_id=enterprise_id).values_list("benefit_id", "amount")
        )
        for benefit in published_benefits():
            found = evaluate(benefit, names, rows)
            was = {enterprise_id: before[benefit.pk]} if benefit.pk in before else {}
            if found != was:
                new_for += [benefit.pk for _e in _write(benefit.pk, found, was)]
    if notify and new_for:
        from fugong.policies.events import tell_eligible

        tell_eligible([(b, enterprise_id) for b in new_for])
    return new_for


def unmatch(benefit_ids: Iterable[int]) -> int:
    """Forget the matches of benefits no longer published (a policy withdrawn)."""
    deleted, _ = Match.objects.filter(benefit_id__in=list(benefit_ids)).delete()
    Benefit.objects.filter(pk__in=list(benefit_ids)).update(matched_count=0)
    return deleted


def explain(
    benefit: Benefit, enterprise_id: int
) -> tuple[bool, list[rules.Reason], Decimal | None]:
    """For one enterprise: eligible?, each condition met or not, and the amount."""
    names, rows = rules.load(_enterprises().filter(pk=enterprise_id))
    rows = list(rows)
    if not rows:
        return False, [], None
    row = rows[0]
    reasons = rules.explain(benefit.conditions, row, names)
    inside = row[names.index("jurisdiction__path")].startswith(benefit.policy.issuer.path)
    if not inside:
        from django.utils.translation import gettext as _

        reasons.insert(
            0,
            rules.Reason(_("in %(place)s") % {"place": benefit.policy.issuer.name}, _("no"), False),
        )
    c = compiled(benefit, names)
    amount = c.amount(row) if c.amount is not None else None
    return all(r.met for r in reasons), reasons, amount
