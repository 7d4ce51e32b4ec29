"""The site's URLs with the random draws' pages, for the tests of ``test_draws`` while the app
does not yet include them itself (``fugong/inspections/urls.py``: ``path("draws/",
include("fugong.inspections.draw_urls"))``; ``apps.py``: the public page at
``open/inspections/``). Once both are in, the tests use the site's own URLs and this goes."""

from django.urls import NoReverseMatch, include, path, reverse

from config import urls as site

DRAWS = path("draws/", include("fugong.inspections.draw_urls"))
PUBLIC = path("open/inspections/", include("fugong.inspections.public_urls"))


def _has(name: str) -> bool:
    try:
        reverse(name, urlconf=site)
    except NoReverseMatch:
        return False
    return True


def _with_draws(entry):
    if getattr(entry, "namespace", None) != "inspections" or _has("inspections:draws:list"):
        return entry
    return path("inspections/", include(([*entry.url_patterns, DRAWS], "inspections")))


urlpatterns = [_with_draws(entry) for entry in site.urlpatterns]
if not _has("open_draws:list"):
    urlpatterns.append(PUBLIC)
