"""The public page a letter's QR code leads to: only what is printed on the letter (plate,
route, enterprise, validity) and whether it holds today; never the driver or the riders."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fugong.buses import services
from fugong.buses.choices import LetterStatus
from fugong.buses.models import Letter

UNKNOWN = "unknown"


@require_GET
@never_cache  # a letter can be revoked at any time: never show a stale answer
def verify(request: HttpRequest, token: str) -> HttpResponse:
    letter = (
        Letter.objects.select_related("bus__enterprise", "jurisdiction")
        .filter(token=token, status__in=[LetterStatus.APPROVED, LetterStatus.REVOKED])
        .first()
    )
    if letter is None:
        response = render(request, "buses/verify.html", {"state": UNKNOWN}, status=404)
    else:
        bus = letter.bus
        context = {
            "state": services.letter_state(letter),
            "number": letter.number,
            "enterprise_name": bus.enterprise.name,
            "plate": letter.issued_plate or bus.plate,
            "seats": letter.issued_seats or bus.seats,
            "route": letter.issued_route or bus.route_name,
            "stops": letter.stop_names,
            "registered": not letter.needs_approval,
            "jurisdiction_name": letter.jurisdiction.name,
            "valid_from": letter.valid_from,
            "valid_until": letter.valid_until,
            "revoked_reason": letter.revoked_reason,
        }
        response = render(request, "buses/verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
