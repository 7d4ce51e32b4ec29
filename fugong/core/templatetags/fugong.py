from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms, template

from fugong.core import registry
from fugong.core.jobs import live_progress
from fugong.core.masking import mask_text

register = template.Library()


@register.filter
def small_control(field):
    """Render a bound field as a small Bootstrap control."""
    widget = field.field.widget
    css = (
        "form-select form-select-sm"
        if isinstance(widget, forms.Select)
        else "form-control form-control-sm"
    )
    return field.as_widget(attrs={"class": css})


@register.simple_tag
def job_progress(job) -> dict:
    """{% job_progress job as p %}: live done/total/percent of a job."""
    done, total = live_progress(job)
    percent = job.percent if job.is_finished else (min(100, done * 100 // total) if total else 0)
    return {"done": done, "total": total, "percent": percent}


@register.filter
def get(mapping: dict, key):
    """``mapping|get:key``: a dict lookup with a variable key."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.simple_tag(takes_context=True)
def personal(context, text, enterprise_id=None) -> str:
    """``{% personal filing.leading_group filing.enterprise_id as shown %}``: the text as typed
    for those who need it (the enterprise's own users, platform admins), otherwise with every
    phone and ID number masked."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is not None and registry.hook("sees_personal_data")(user, enterprise_id=enterprise_id):
        return text or ""
    return mask_text(text or "")


@register.filter
def yuan(value) -> str:
    """``amount|yuan``: an amount with 2 decimals and thousands separators (25,755.00) in
    every language (Django's ``floatformat:"2g"`` groups only where the locale says so, and
    zh-hans says not); empty for None or what is not a number."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return ""
    return f"{amount:,.2f}"
