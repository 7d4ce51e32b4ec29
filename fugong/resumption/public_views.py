"""Public pages (no login): what a QR code on a printed notice leads to. They show only what
is printed on the notice itself, never contact people, phones, staff numbers or files."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fugong.core import registry
from fugong.resumption.models import Notice

VALID = "valid"
REVOKED = "revoked"
SUSPENDED = "suspended"  # valid, but an order to stop is in force (registry.suspensions)
UNKNOWN = "unknown"


@require_GET
@never_cache  # a notice can be revoked at any time: never show a stale answer
def verify(request: HttpRequest, token: str) -> HttpResponse:
    notice = (
        Notice.objects.select_related("filing__enterprise", "jurisdiction")
        .filter(token=token)
        .first()
    )
    if notice is None:
        response = render(request, "resumption/verify.html", {"state": UNKNOWN}, status=404)
    else:
        enterprise = notice.filing.enterprise
        suspended = [] if notice.revoked else registry.suspensions(enterprise.pk)
        context = {
            "state": REVOKED if notice.revoked else SUSPENDED if suspended else VALID,
            "suspensions": suspended,
            # Only public particulars, copied out so the template cannot reach anything else.
            "number": notice.number,
            "enterprise_name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "jurisdiction_name": notice.jurisdiction.name,
            "issued_on": timezone.localtime(notice.issued_at).date(),
            "planned_date": notice.filing.planned_date,
        }
        response = render(request, "resumption/verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
