"""Tiny views, some deliberately wrong, for the tests of fugong.core.testing's checks."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.urls import path

from config.urls import urlpatterns as site
from fugong.core.audit import audited_update

handler403 = "fugong.core.views.error_403"
handler404 = "fugong.core.views.error_404"


def refuses(request):
    raise PermissionDenied


def lets_anyone_in(request, pk=None):
    return HttpResponse("welcome")


def refuses_its_own_way(request):
    return HttpResponseForbidden("no")


def hides(request, pk):
    raise Http404


def writes_once(request):
    audited_update(request.user, actor=request.user, full_name=request.POST["name"])
    return HttpResponse("ok")


def writes_nothing(request):
    return HttpResponse("ok")


def writes_twice(request):
    audited_update(request.user, actor=request.user, full_name=request.POST["name"])
    audited_update(request.user, actor=request.user, full_name=request.POST["name"] + "2")
    return HttpResponse("ok")


def writes_as_someone_else(request):
    audited_update(request.user, actor="someone-else", full_name=request.POST["name"])
    return HttpResponse("ok")


def lists_in_one_query(request):
    names = list(get_user_model().objects.values_list("username", flat=True))
    return JsonResponse(names, safe=False)


def lists_a_query_per_row(request):
    users = get_user_model().objects.all()
    names = [f"{u.username}:{u.memberships.count()}" for u in users]
    return JsonResponse(names, safe=False)


urlpatterns = [
    path("refuses/", refuses),
    path("lets-anyone-in/", lets_anyone_in),
    path("refuses-its-own-way/", refuses_its_own_way),
    path("hides/<int:pk>/", hides),
    path("shows/<int:pk>/", lets_anyone_in),
    path("writes-once/", writes_once),
    path("writes-nothing/", writes_nothing),
    path("writes-twice/", writes_twice),
    path("writes-as-someone-else/", writes_as_someone_else),
    path("lists-in-one-query/", lists_in_one_query),
    path("lists-a-query-per-row/", lists_a_query_per_row),
    *site,  # the error pages link to the site's own pages
]
