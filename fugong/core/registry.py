"""What each app contributes to the shared parts of the site, declared by the app itself.

Core is the bottom layer: it imports no other Fugong app. The pieces that used to be central
lists naming every app (the URL conf, the API's routers, the menu, the home page, the demo
data) read this registry instead, and each app fills it in from its ``AppConfig.ready()``.
Adding an app therefore touches no file of another app.

A few things core needs from the accounts app (whose data scope a user has, which roles, who
may read personal data) are *hooks*: accounts provides them, core calls them. Each hook has
exactly one provider.

Everything here is filled while Django starts (``ready()``) and only read afterwards; a read
before every app is ready raises, so a missing entry cannot pass unnoticed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class UrlEntry:
    """``path(prefix, include(target))`` in the site's URL conf. ``target`` is a module path
    (``"fugong.enterprises.urls"``) or a list of URL patterns."""

    prefix: str
    target: Any
    order: int


@dataclass(frozen=True)
class RouterEntry:
    """``api.add_router(prefix, router)`` on the JSON API; ``router`` may be a dotted path."""

    prefix: str
    router: Any
    order: int


@dataclass(frozen=True)
class MenuItem:
    """One entry of the side menu; ``roles`` None means every signed-in user."""

    label: str | Promise
    url_name: str
    icon: str
    roles: frozenset[str] | None = None
    prefix: str = ""
    order: int = 0

    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class HomeTile:
    """A piece of the home page. ``kind`` "stat" is a small figure in the row of figures at
    the top, "panel" a card below it. ``context(home)`` returns the template's context, or None
    to leave the tile out (``home`` is a :class:`Home`)."""

    name: str
    kind: str
    template: str
    roles: frozenset[str] | None  # None: every role's home
    context: Callable[[Home], dict | None]
    order: int = 0


@dataclass
class Home:
    """What a tile may read: the user, the role whose home is shown and its memberships."""

    user: Any
    role: str | None
    memberships: list = field(default_factory=list)
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def mine(self) -> list:
        return [m for m in self.memberships if m.role == self.role]

    def memo(self, key: str, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per page for the tiles that share it (e.g. the user's roots)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


@dataclass(frozen=True)
class DemoStep:
    """A step of the demo data: ``run(builder)``, after the steps named in ``after``."""

    name: str
    run: Callable[[Any], None]
    after: tuple[str, ...] = ()


@dataclass(frozen=True)
class FastRoute:
    """An API call answered in front of Django in its common case (``fugong.core.fastlane``):
    ``method path`` exactly (no pattern, no query string), a body of at most ``max_body``
    bytes. ``handler(environ, body)`` returns ``(status, payload)``, or None for Django to
    answer the request as it always does."""

    method: str
    path: str
    handler: Callable[[dict, bytes], tuple[int, dict] | None]
    max_body: int = 4096


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting for the user ("my work", 待办): what it is, where to act on it, by
    when (a day, a moment, or None), and whether that time has passed."""

    title: str
    url: str
    due: datetime.date | datetime.datetime | None = None
    overdue: bool = False
    detail: str = ""  # a second line: the state it waits in, the enterprise, the place

    @property
    def due_has_time(self) -> bool:
        """Whether ``due`` is a moment (a report's deadline), not a whole day."""
        return isinstance(self.due, datetime.datetime)


@dataclass(frozen=True)
class WorkSource:
    """A kind of work an app gives its users ("filings to review"), for the roles in
    ``roles``. ``items(user, limit)`` returns the user's items, most urgent first (at most
    ``limit``), and how many there are in all; within the user's data scope, in a few queries
    whatever their number. ``url_name``: the app's own list of them ("see all")."""

    name: str
    label: str | Promise
    roles: frozenset[str]
    items: Callable[[Any, int], tuple[list[WorkItem], int]]
    url_name: str = ""
    order: int = 0


@dataclass(frozen=True)
class EventKind:
    """Something an app tells people about (issue 12): a filing submitted, an acceptance
    assigned, a 催报. ``recipients(subject)`` gives the ids of the users it concerns (by their
    roles, offices, 包保 assignments); the notifications app keeps those who see ``subject`` in
    their data scope and drops the actor. ``title(params)`` is the message in the active
    language; ``url(subject)`` where to act. Raised by the app (``notifications.services.
    event_raise``) or, with ``workflow`` and ``actions``, on each such step of that workflow
    (``transitioned``), where ``targets`` (when given) narrows to the steps ending in them.
    ``params(subject, step)`` are the values the title names (no ID numbers; phones masked).
    A ``mandatory`` event reaches its recipients whatever they muted."""

    code: str
    label: str | Promise
    recipients: Callable[[Any], Iterable[int]]
    title: Callable[[dict], str]
    url: Callable[[Any], str]
    params: Callable[[Any, dict], dict] = lambda subject, step: {}  # noqa: E731
    workflow: str = ""
    actions: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()
    mandatory: bool = False
    health: bool = False  # about someone's health: never sent by SMS
    retry: bool = True  # a failed send is tried again (a robot's test message: once, at once)


_urls: list[UrlEntry] = []
_routers: list[RouterEntry] = []
_menu: list[MenuItem] = []
_tiles: list[HomeTile] = []
_demo_steps: dict[str, DemoStep] = {}
_hooks: dict[str, Callable] = {}
_startup: list[Callable[[Any], None]] = []
_work: dict[str, WorkSource] = {}
_events: dict[str, EventKind] = {}
_top_bar: list[tuple[int, str]] = []
_suspensions: list[Callable[[int], list[str]]] = []
_fast: dict[tuple[str, str], FastRoute] = {}


# -- declaring (from AppConfig.ready) ---------------------------------------------------------
def add_urls(prefix: str, target: Any, *, order: int) -> None:
    _urls.append(UrlEntry(prefix, target, order))


def add_api_router(prefix: str, router: Any, *, order: int) -> None:
    _routers.append(RouterEntry(prefix, router, order))


def add_menu(*items: MenuItem) -> None:
    _menu.extend(items)


def add_home_tile(tile: HomeTile) -> None:
    _tiles.append(tile)


def add_demo_step(name: str, run: Callable[[Any], None], *, after: tuple[str, ...] = ()) -> None:
    if name in _demo_steps:
        raise ValueError(f"demo step {name!r} is declared twice")
    _demo_steps[name] = DemoStep(name, run, after)


def add_work_source(source: WorkSource) -> None:
    if source.name in _work:
        raise ValueError(f"work source {source.name!r} is declared twice")
    _work[source.name] = source


def add_event_kind(kind: EventKind) -> None:
    if kind.code in _events:
        raise ValueError(f"event kind {kind.code!r} is declared twice")
    _events[kind.code] = kind


def add_fast_route(route: FastRoute) -> None:
    key = (route.method, route.path)
    if key in _fast:
        raise ValueError(f"fast route {route.method} {route.path} is declared twice")
    _fast[key] = route


def add_top_bar(template: str, *, order: int) -> None:
    """A template included in the top bar of every page for a signed-in user, beside the
    user's menu (the inbox's unread badge)."""
    _top_bar.append((order, template))


def add_suspension(check: Callable[[int], list[str]]) -> None:
    """Something that suspends an enterprise's permission to work (an order to stop in force):
    ``check(enterprise_id)`` names each, e.g. "责令停业 青溪停业〔2026〕0001号". The public
    page of a resumption notice shows them, so that a checkpoint scanning it knows."""
    _suspensions.append(check)


def provide(hook: str, function: Callable) -> None:
    """Provide the one implementation of ``hook`` (see the names in :data:`HOOKS`)."""
    if hook not in HOOKS:
        raise ValueError(f"unknown hook {hook!r}")
    if hook in _hooks:
        raise ValueError(f"hook {hook!r} already has a provider")
    _hooks[hook] = function


def add_startup_task(task: Callable[[Any], None]) -> None:
    """Something ``fugong serve`` runs once before it starts serving, given the command
    (to write to its output), e.g. enqueueing snapshots missed while the server was down."""
    _startup.append(task)


HOOKS = {
    # build_scope(user) -> DataScope: what the user's memberships let them see.
    "build_scope",
    # user_roles(user) -> set[str] and primary_role(user) -> str | None.
    "user_roles",
    "primary_role",
    # sees_personal_data(user, *, enterprise_id) -> bool.
    "sees_personal_data",
    # authenticate_token(raw) -> the API token row (with .user) or None.
    "authenticate_token",
}


# -- reading (after start-up) -----------------------------------------------------------------
def _ready() -> None:
    if not apps.ready:
        raise RuntimeError("the registry is read before every app is ready")


def urls() -> list[UrlEntry]:
    _ready()
    return sorted(_urls, key=lambda e: e.order)


def api_routers() -> list[RouterEntry]:
    _ready()
    return sorted(_routers, key=lambda e: e.order)


def menu() -> list[MenuItem]:
    return sorted(_menu, key=lambda item: item.order)


def home_tiles(role: str | None) -> list[HomeTile]:
    return sorted((t for t in _tiles if t.roles is None or role in t.roles), key=lambda t: t.order)


def work_sources(roles: set[str]) -> list[WorkSource]:
    """The work sources of any of ``roles``, in their order."""
    return sorted((w for w in _work.values() if w.roles & roles), key=lambda w: w.order)


def event_kinds() -> list[EventKind]:
    return list(_events.values())


def event_kind(code: str) -> EventKind | None:
    return _events.get(code)


def event_kinds_for(workflow: str, action: str, target: str) -> list[EventKind]:
    """The kinds raised by a step ``action`` of ``workflow`` that ended in ``target``."""
    return [
        k
        for k in _events.values()
        if k.workflow == workflow and action in k.actions and (not k.targets or target in k.targets)
    ]


def fast_route(method: str, path: str) -> FastRoute | None:
    """The fast route of this request, if any (read on every request: a dict look-up)."""
    return _fast.get((method, path))


def suspensions(enterprise_id: int) -> list[str]:
    return [text for check in _suspensions for text in check(enterprise_id)]


def top_bar() -> list[str]:
    return [template for _order, template in sorted(_top_bar)]


def demo_steps() -> list[DemoStep]:
    """The declared steps, each after the ones it names (declaration order otherwise)."""
    _ready()
    done: dict[str, DemoStep] = {}
    pending = list(_demo_steps.values())
    while pending:
        step = next((s for s in pending if all(a in done for a in s.after)), None)
        if step is None:
            names = ", ".join(f"{s.name} (after {', '.join(s.after)})" for s in pending)
            raise RuntimeError(f"demo steps wait for steps never declared or in a cycle: {names}")
        done[step.name] = step
        pending.remove(step)
    return list(done.values())


def hook(name: str) -> Callable:
    try:
        return _hooks[name]
    except KeyError:
        raise RuntimeError(f"no app provides the hook {name!r}") from None


def startup_tasks() -> list[Callable[[Any], None]]:
    return list(_startup)
