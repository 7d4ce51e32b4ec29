"""The buses pages: charter batches with their passengers, commuter buses with their stops,
riders, disinfection log and temperature ledger, and the opinion letters with their review.
Views check input, fetch objects in the user's scope (404 otherwise) and call one service; a
refusal is shown beside what was typed, never a 500."""

from __future__ import annotations

import datetime
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from fugong.accounts.models import Jurisdiction, Office
from fugong.accounts.selectors import command_jurisdictions
from fugong.buses import selectors, services
from fugong.buses.choices import BatchStatus, BusStatus, LetterStatus
from fugong.buses.forms import BatchForm, BusForm, DisinfectionForm, LetterForm, RiderForm
from fugong.buses.models import Passenger, Rider
from fugong.buses.workflow import BATCHES, LETTER_TRANSITIONS, LETTERS, is_admin, organises
from fugong.core.errors import UserError
from fugong.core.files import file_response
from fugong.core.ids import parse_id
from fugong.core.masking import mask_id_number, mask_phone
from fugong.core.redirects import step_then_back
from fugong.core.xlsx import XlsxStreamWriter
from fugong.enterprises.io import watermark
from fugong.workforce.choices import Half

PAGE = 30
LEDGER_DAYS = 14  # the ledger page lists the days without disinfection this far back


def _page(request, qs):
    return Paginator(qs, PAGE).get_page(request.GET.get("page"))


def _form_error(form) -> str:
    return _("Correct the fields marked below.") if form.errors else ""


def _tabs(request) -> dict:
    return {
        "enterprise_user": bool(services.organiser_enterprises(request.user)),
        "reviews": bool(selectors.letters_to_review(request.user)),
    }


# --- charter batches ---------------------------------------------------------------------------


def _organisers(user) -> list[tuple[str, str]]:
    return [(f"e:{e.pk}", e.name) for e in services.organiser_enterprises(user)] + [
        (f"o:{o.pk}", o.name) for o in services.organiser_offices(user)
    ]


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.batch_list(request.user)
    mine = services.organiser_enterprises(request.user)
    status = request.GET.get("status", "")
    if status in BatchStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "buses/batches.html",
        {
            "page": _page(request, qs),
            "status": status,
            "statuses": BatchStatus.choices,
            "may_organise": bool(_organisers(request.user)),
            "elsewhere": selectors.rides_elsewhere(request.user)[:50] if mine else [],
            "tab": "batches",
            **_tabs(request),
        },
    )


def _batch_form(request, batch) -> HttpResponse:
    user = request.user
    organisers = _organisers(user) if batch is None else None
    if batch is None and not organisers:
        messages.error(
            request,
            _(
                "Charter buses are organised by enterprises and by transport, HR and command offices."
            ),
        )
        return redirect("buses:batches")
    if batch is not None and not organises(user, batch):
        messages.error(request, _("Only the organiser of this batch may change it."))
        return redirect("buses:batch", batch.pk)
    initial = {}
    if batch is not None:
        initial = {n: getattr(batch, n) for n in services.BATCH_FIELDS} | {
            "revision": batch.revision
        }
    elif organisers:
        initial = {"organiser": organisers[0][0], "subsidy": 0}
    form = BatchForm(request.POST or None, organisers=organisers, initial=initial)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if batch is None:
                    kind, _sep, pk = form.cleaned_data["organiser"].partition(":")
                    organiser = {}
                    if kind == "e":
                        organiser["enterprise"] = next(e for e in services.organiser_enterprises(user) if str(e.pk) == pk)  # fmt: skip
                    else:
                        organiser["office"] = next(o for o in services.organiser_offices(user) if str(o.pk) == pk)  # fmt: skip
                    saved = services.batch_create(actor=user, **organiser, **form.values())
                else:
                    saved = services.batch_update(
                        actor=user, batch=batch, revision=form.cleaned_data.get("revision"),
                        **form.values(),
                    )  # fmt: skip
            except StopIteration:
                error, status = _("Choose who organises the batch."), 400
            except UserError as exc:
                error, status = exc.message, exc.status
            else:
                messages.success(request, _("Batch saved."))
                return redirect("buses:batch", saved.pk)
        else:
            error, status = _form_error(form), 400
    return render(
        request, "buses/batch_form.html", {"form": form, "batch": batch, "error": error},
        status=status,
    )  # fmt: skip


@login_required
def batch_new(request: HttpRequest) -> HttpResponse:
    return _batch_form(request, None)


@login_required
def batch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _batch_form(request, selectors.batch_get(request.user, pk))


def _batch_page(request, batch, *, error: str = "", typed: dict | None = None, status=200):
    user = request.user
    manage = organises(user, batch)
    passengers = list(selectors.passengers_of(user, batch))
    for p in passengers:
        clear = selectors.sees_personal(user, p.enterprise_id)
        number = p.employee.person.id_number
        p.id_shown = number if clear else mask_id_number(number)
    query = request.GET.get("q", "")
    ticked = request.POST.getlist("employee") if request.method == "POST" else []
    found = []
    if manage and batch.status != BatchStatus.CANCELLED:
        found = list(selectors.candidates(batch, query))
        again = {i for i in (parse_id(v) for v in ticked) if i} - {e.pk for e in found}
        if again:  # what the user ticked stays ticked on the page that refuses it
            found += list(
                services.reach(batch).filter(pk__in=again).select_related("person", "enterprise")
            )
    return render(
        request,
        "buses/batch.html",
        {
            "batch": batch,
            "passengers": passengers,
            "manage": manage,
            "actions": BATCHES.available(user, batch) if manage else [],
            "found": found,
            "ticked": ticked,
            "query": query,
            "error": error,
            "typed": typed or {},
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _batch_page(request, selectors.batch_get(request.user, pk))


@login_required
@require_POST
def passengers_add(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(request.user, pk)
    ids = [i for i in (parse_id(v) for v in request.POST.getlist("employee")) if i]
    if not ids:
        return _batch_page(
            request, batch, error=_("Tick the people who ride this batch."), status=400
        )
    try:
        added = services.passengers_add(actor=request.user, batch=batch, employee_ids=ids)
    except UserError as exc:
        return _batch_page(request, batch, error=exc.message, status=exc.status)
    messages.success(request, _("%(n)s passengers added.") % {"n": len(added)})
    return redirect("buses:batch", batch.pk)


@login_required
@require_POST
def passenger_remove(request: HttpRequest, pk: int) -> HttpResponse:
    passenger = (
        Passenger.objects.filter(pk=pk, batch__in=selectors.batch_list(request.user).values("pk"))
        .select_related("batch")
        .first()
    )
    if passenger is None:
        raise Http404
    return step_then_back(
        request,
        lambda: services.passenger_remove(actor=request.user, passenger=passenger),
        _("Passenger removed."),
        redirect("buses:batch", passenger.batch_id),
    )


@login_required
@require_POST
def batch_step(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(request.user, pk)
    action = request.POST.get("action", "")
    reason = (request.POST.get("reason") or "").strip()[:1000]
    arrived_raw = request.POST.get("arrived_on") or ""
    try:
        arrived_on = parse_date(arrived_raw) if arrived_raw else None
    except ValueError:
        arrived_on = None
    typed = {"action": action, "reason": reason, "arrived_on": arrived_raw}
    if arrived_raw and arrived_on is None:
        return _batch_page(request, batch, error=_("Enter the arrival day as 2026-02-10."),
                           typed=typed, status=400)  # fmt: skip
    try:
        services.batch_step(
            actor=request.user, batch=batch, action=action, reason=reason,
            revision=request.POST.get("revision"), arrived_on=arrived_on,
        )  # fmt: skip
    except UserError as exc:
        return _batch_page(request, batch, error=exc.message, typed=typed, status=exc.status)
    messages.success(request, _("Saved."))
    return redirect("buses:batch", batch.pk)


def _xlsx(request, name: str, sheet_name: str, header: list, rows) -> HttpResponse:
    out = io.BytesIO()
    sheet = XlsxStreamWriter(out, sheet_name=sheet_name)
    sheet.append([watermark(request.user)])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.close()
    return file_response(ContentFile(out.getvalue()), kind="xlsx", filename=name)


@login_required
def passengers_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's passengers the user sees, ID numbers masked whoever exports."""
    batch = selectors.batch_get(request.user, pk)
    rows = (
        [i, p.employee.person.name, mask_id_number(p.employee.person.id_number), p.enterprise.name]
        for i, p in enumerate(selectors.passengers_of(request.user, batch), start=1)
    )
    header = [_("No."), pgettext("person", "Name"), _("ID number"), _("Enterprise")]
    title = f"{batch.label} {batch.origin_name} {batch.departs_on:%Y-%m-%d}"
    return _xlsx(request, f"passengers-{batch.pk}.xlsx", title[:31], header, rows)


# --- commuter buses ----------------------------------------------------------------------------


@login_required
def bus_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.bus_list(request.user)
    page = _page(request, qs)
    for bus in page:
        bus.letter = selectors.current_letter(bus)
        bus.letter_state = services.letter_state(bus.letter) if bus.letter else services.NOT_ISSUED
    return render(request, "buses/buses.html", {"page": page, "tab": "buses", **_tabs(request)})


def _bus_form(request, bus) -> HttpResponse:
    user = request.user
    if bus is None:
        enterprises = services.organiser_enterprises(user)
        if len(enterprises) != 1:
            messages.error(request, _("An enterprise's own users register its commuter buses."))
            return redirect("buses:buses")
        enterprise = enterprises[0]
        initial = {"status": BusStatus.ACTIVE}
    else:
        enterprise = bus.enterprise
        if not services.keeps_buses(user, enterprise):
            messages.error(request, _("Only the enterprise's own users keep its commuter buses."))
            return redirect("buses:bus", bus.pk)
        stops = "\n".join(f"{s.name} {s.time:%H:%M}" if s.time else s.name for s in bus.stops.all())
        initial = {
            "plate": bus.plate, "seats": bus.seats, "driver_name": bus.driver_name,
            "driver_phone": bus.driver_phone, "route_name": bus.route_name, "stops": stops,
            "status": bus.status, "revision": bus.revision,
        }  # fmt: skip
    form = BusForm(request.POST or None, initial=initial)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("revision", None)
            try:
                saved = services.bus_save(
                    actor=user, enterprise=enterprise, bus=bus,
                    revision=form.cleaned_data.get("revision"), **data,
                )  # fmt: skip
            except UserError as exc:
                error, status = exc.message, exc.status
            else:
                messages.success(request, _("Bus saved."))
                superseded = getattr(saved, "superseded_letters", [])
                if superseded:
                    messages.warning(
                        request,
                        _(
                            "The plate, seats, route or stops changed, so the letter %(numbers)s "
                            "issued for this bus no longer holds and has been withdrawn (撤销). "
                            "Apply for a new letter."
                        )
                        % {"numbers": "、".join(letter.number for letter in superseded)},
                    )
                return redirect("buses:bus", saved.pk)
        else:
            error, status = _form_error(form), 400
    return render(
        request, "buses/bus_form.html",
        {"form": form, "bus": bus, "enterprise": enterprise, "error": error}, status=status,
    )  # fmt: skip


@login_required
def bus_new(request: HttpRequest) -> HttpResponse:
    return _bus_form(request, None)


@login_required
def bus_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _bus_form(request, selectors.bus_get(request.user, pk))


def _rider_form(bus, data=None):
    on = set(bus.riders.values_list("employee_id", flat=True))
    from fugong.workforce.models import Employee

    employees = [
        (e.pk, e.person.name)
        for e in Employee.objects.filter(enterprise_id=bus.enterprise_id)
        .exclude(pk__in=on)
        .select_related("person")
        .order_by("person__name")[:500]
    ]
    stops = [(s.pk, s.name) for s in bus.stops.all()]
    return RiderForm(data, employees=employees, stops=stops)


def _bus_page(request, bus, *, error="", rider_form=None, disinfection_form=None,
              letter_form=None, status=200) -> HttpResponse:  # fmt: skip
    user = request.user
    keeper = services.keeps_buses(user, bus.enterprise)
    clear = selectors.sees_personal(user, bus.enterprise_id)
    letters = list(bus.letters.select_related("jurisdiction").order_by("-pk"))
    for letter in letters:
        letter.state = services.letter_state(letter)
    return render(
        request,
        "buses/bus.html",
        {
            "bus": bus,
            "keeper": keeper,
            "phone_shown": bus.driver_phone if clear else mask_phone(bus.driver_phone),
            "riders": list(selectors.riders_of(bus)),
            "letters": letters,
            "disinfections": bus.disinfections.order_by("-at")[:20],
            "rider_form": rider_form or (_rider_form(bus) if keeper else None),
            "disinfection_form": disinfection_form or (DisinfectionForm() if keeper else None),
            "letter_form": letter_form or (LetterForm(initial=_letter_days()) if keeper else None),
            "error": error,
        },
        status=status,
    )


def _letter_days() -> dict:
    today = timezone.localdate()
    return {"valid_from": today, "valid_until": today + datetime.timedelta(days=90)}


@login_required
def bus_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _bus_page(request, selectors.bus_get(request.user, pk))


@login_required
@require_POST
def rider_add(request: HttpRequest, pk: int) -> HttpResponse:
    bus = selectors.bus_get(request.user, pk)
    form = _rider_form(bus, request.POST)
    if not form.is_valid():
        return _bus_page(request, bus, error=_form_error(form), rider_form=form, status=400)
    employee = bus.enterprise.employees.filter(pk=form.cleaned_data["employee"]).first()
    stop = bus.stops.filter(pk=parse_id(form.cleaned_data["stop"])).first()
    try:
        if employee is None:
            raise UserError(_("Only the enterprise's own employees ride its bus."))
        services.rider_set(actor=request.user, bus=bus, employee=employee, stop=stop)
    except UserError as exc:
        return _bus_page(request, bus, error=exc.message, rider_form=form, status=exc.status)
    messages.success(request, _("Rider added."))
    return redirect("buses:bus", bus.pk)


@login_required
@require_POST
def rider_remove(request: HttpRequest, pk: int) -> HttpResponse:
    rider = (
        Rider.objects.filter(pk=pk, bus__in=selectors.bus_list(request.user).values("pk"))
        .select_related("bus__enterprise")
        .first()
    )
    if rider is None:
        raise Http404
    return step_then_back(
        request,
        lambda: services.rider_remove(actor=request.user, rider=rider),
        _("Rider removed."),
        redirect("buses:bus", rider.bus_id),
    )


@login_required
@require_POST
def disinfection_add(request: HttpRequest, pk: int) -> HttpResponse:
    bus = selectors.bus_get(request.user, pk)
    form = DisinfectionForm(request.POST)
    if not form.is_valid():
        return _bus_page(request, bus, error=_form_error(form), disinfection_form=form, status=400)
    try:
        services.disinfection_add(actor=request.user, bus=bus, **form.cleaned_data)
    except UserError as exc:
        return _bus_page(request, bus, error=exc.message, disinfection_form=form,
                         status=exc.status)  # fmt: skip
    messages.success(request, _("Disinfection recorded."))
    return redirect("buses:bus", bus.pk)


EARLIEST_DAY = datetime.date(2000, 1, 1)  # the ledger's earliest day (no overflow below it)


def _day(request) -> datetime.date:
    try:
        day = parse_date(request.GET.get("day") or "")
    except ValueError:
        day = None
    today = timezone.localdate()
    # A day out of range (in the future, or before EARLIEST_DAY) is today, as "abc" is.
    return day if day and EARLIEST_DAY <= day <= today else today


@login_required
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    bus = selectors.bus_get(request.user, pk)
    day = _day(request)
    start = day - datetime.timedelta(days=LEDGER_DAYS - 1)
    return render(
        request,
        "buses/ledger.html",
        {
            "bus": bus,
            "ledger": selectors.ledger(request.user, bus, day),
            "halves": Half.choices,
            "undisinfected": selectors.days_without_disinfection(bus, start, day),
            "since": start,
            "previous": day - datetime.timedelta(days=1),
            "next": day + datetime.timedelta(days=1) if day < timezone.localdate() else None,
        },
    )


@login_required
def ledger_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The day's ledger as the page shows it to the user (temperatures only for those who see
    personal data; counts otherwise)."""
    bus = selectors.bus_get(request.user, pk)
    book = selectors.ledger(request.user, bus, _day(request))
    morning, afternoon = (str(label) for _v, label in Half.choices)
    missing, not_yet = _("missing"), _("not yet")

    def cell(c, pending=False):
        if c is None:
            return not_yet if pending else missing
        return f"{c.tenths / 10:.1f}" + (f" ({_('abnormal')})" if c.abnormal else "")

    if book.personal:
        header = [pgettext("person", "Name"), _("Boarding stop"), morning, afternoon]
        rows = ([r.name, r.stop, *(cell(c, p) for c, p in r.cells)] for r in book.rows)
    else:
        header = ["", morning, afternoon]
        rows = [
            [_("Riders"), book.riders, book.riders],
            [_("Checked in"), *book.checked],
            [_("Abnormal"), *book.abnormal],
            [_("Missing"), *book.missing],
        ]
    title = f"{bus.plate} {book.day:%Y-%m-%d}"
    return _xlsx(request, f"ledger-{bus.pk}-{book.day:%Y%m%d}.xlsx", title, header, rows)


# --- letters -----------------------------------------------------------------------------------


@login_required
@require_POST
def letter_new(request: HttpRequest, pk: int) -> HttpResponse:
    bus = selectors.bus_get(request.user, pk)
    form = LetterForm(request.POST)
    if not form.is_valid():
        return _bus_page(request, bus, error=_form_error(form), letter_form=form, status=400)
    try:
        letter = services.letter_create(
            actor=request.user, bus=bus, valid_from=form.cleaned_data["valid_from"],
            valid_until=form.cleaned_data["valid_until"],
        )  # fmt: skip
    except UserError as exc:
        return _bus_page(request, bus, error=exc.message, letter_form=form, status=exc.status)
    return redirect("buses:letter", letter.pk)


def _rule_places(user) -> list[dict]:
    places = list(command_jurisdictions(user))
    if is_admin(user) and not places:
        places = list(
            Jurisdiction.objects.filter(depth__lte=services.TOWN_DEPTH - 1, is_active=True)[:20]
        )
    return [{"place": p, "required": services.approval_required(p)} for p in places]


@login_required
def letter_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.letter_list(request.user).order_by("-pk")
    status = request.GET.get("status", "")
    if status in LetterStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "buses/letters.html",
        {
            "page": _page(request, qs),
            "waiting": selectors.letters_to_review(request.user),
            "status": status,
            "statuses": LetterStatus.choices,
            "rules": _rule_places(request.user),
            "tab": "letters",
            **_tabs(request),
        },
    )


@login_required
@require_POST
def letter_rule(request: HttpRequest) -> HttpResponse:
    place = Jurisdiction.objects.filter(pk=parse_id(request.POST.get("place"))).first()
    if place is None:
        raise Http404
    try:
        services.letter_rule_set(
            actor=request.user, jurisdiction=place,
            approval_required=request.POST.get("approval_required") == "1",
        )  # fmt: skip
    except UserError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Saved. Letters applied for from now on follow it."))
    return redirect("buses:letters")


def _letter_page(request, letter, *, error="", typed=None, status=200) -> HttpResponse:
    user = request.user
    keeper = services.keeps_buses(user, letter.bus.enterprise)
    labels = {t.action: t.label for t in LETTER_TRANSITIONS}
    form = None
    if keeper and letter.status == LetterStatus.DRAFT:
        form = LetterForm(
            request.POST if typed and typed.get("op") == "edit" else None,
            initial={"valid_from": letter.valid_from, "valid_until": letter.valid_until,
                     "revision": letter.revision},
        )  # fmt: skip
    return render(
        request,
        "buses/letter.html",
        {
            "letter": letter,
            "state": services.letter_state(letter),
            "actions": LETTERS.available(user, letter),
            "steps": [
                (s, labels.get(s.action, s.action)) for s in letter.steps.order_by("at", "pk")
            ],
            "form": form,
            "error": error,
            "typed": typed or {},
            "office": Office.objects.filter(pk=letter.office_id).first(),
        },
        status=status,
    )


@login_required
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = selectors.letter_get(request.user, pk)
    if request.method == "POST":
        form = LetterForm(request.POST)
        typed = {"op": "edit"}
        if not form.is_valid():
            return _letter_page(request, letter, error=_form_error(form), typed=typed, status=400)
        try:
            services.letter_update(actor=request.user, letter=letter, **form.cleaned_data)
        except UserError as exc:
            return _letter_page(request, letter, error=exc.message, typed=typed,
                                status=exc.status)  # fmt: skip
        messages.success(request, _("Saved."))
        return redirect("buses:letter", letter.pk)
    return _letter_page(request, letter)


@login_required
@require_POST
def letter_step(request: HttpRequest, pk: int) -> HttpResponse:
    letter = selectors.letter_get(request.user, pk)
    action = request.POST.get("action", "")
    reason = (request.POST.get("reason") or "").strip()[:1000]
    try:
        services.letter_step(
            actor=request.user, letter=letter, action=action, reason=reason,
            revision=request.POST.get("revision"),
        )  # fmt: skip
    except UserError as exc:
        return _letter_page(request, letter, error=exc.message,
                            typed={"action": action, "reason": reason}, status=exc.status)  # fmt: skip
    messages.success(request, _("Saved."))
    return redirect("buses:letter", letter.pk)


@login_required
def letter_download(request: HttpRequest, pk: int) -> HttpResponse:
    letter = selectors.letter_get(request.user, pk)
    if not letter.number:
        raise Http404
    from fugong.buses.letter_pdf import letter_pdf  # reportlab loads for this page only

    url = request.build_absolute_uri(reverse("buses_public:verify", args=[letter.token]))
    pdf = letter_pdf(letter, verify_url=url, stops=letter.stop_names)
    return file_response(ContentFile(pdf), kind="pdf", filename=f"letter-{letter.pk}.pdf")
