"""The sandbox report templates are rendered in. An uploaded template is untrusted code: Jinja's
SandboxedEnvironment keeps it away from Python internals, and this module keeps it from
hanging or exhausting the server.

Two layers:

- ``LimitedEnvironment`` counts work as the template runs: every loop iteration and every call
  takes a step from a budget (``MAX_STEPS``), and a deadline is checked at each step;
  ``range()`` is capped (``MAX_RANGE``); ``*``, ``**``, ``+`` and ``%`` refuse to build a
  string, list or number larger than ``MAX_SIZE``; the filters that pad to a width
  (``center``, ``indent``, ``format``, ``wordwrap``, ``truncate``) refuse widths beyond it.
  Going over raises ``TemplateLimit`` with a sentence saying what to fix.
- ``run_bounded`` runs a render in a forked child process with a memory cap and a wall-clock
  timeout, for whatever escapes the counting (one large C-level operation). The child is killed
  when time is up.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Callable, Iterable, Iterator

from django.utils.translation import gettext as _
from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

# Loop iterations and calls of one render, together. The shipped templates use a few hundred.
MAX_STEPS = 100_000
# Largest range() a template may ask for.
MAX_RANGE = 10_000
# Longest string or list (and largest number of digits) an operator or filter may build.
MAX_SIZE = 1_000_000
# Seconds one render may take, and memory (MB) the rendering process may add.
MAX_SECONDS = 20
MAX_MEMORY_MB = 512


class TemplateLimit(SecurityError):
    """A template went over a limit; ``message`` says which and what to do."""

    code = "template_limit"


def _size(value) -> int:
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return max(1, math.ceil(value.bit_length() * 0.302))  # decimal digits
    return 0


def _too_large() -> TemplateLimit:
    return TemplateLimit(
        _(
            "it builds a text, list or number larger than %(n)s; print the figures "
            "Fugong provides instead of building long values"
        )
        % {"n": f"{MAX_SIZE:,}"}
    )


class LimitedEnvironment(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *, seconds: float = MAX_SECONDS, **kwargs) -> None:
        kwargs.setdefault("undefined", StrictUndefined)
        super().__init__(**kwargs)
        self.steps = 0
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.globals["range"] = self.limited_range
        self.fugong_loop = self.loop_guard
        for name in ("center", "indent", "format", "wordwrap", "truncate"):
            self.filters[name] = self._bounded_filter(self.filters[name])

    # --- counting -------------------------------------------------------------------------

    def tick(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateLimit(
                _(
                    "its loops would repeat more than %(n)s times; loop over the lists Fugong "
                    "provides, not over long ranges or nested loops"
                )
                % {"n": f"{MAX_STEPS:,}"}
            )
        if time.monotonic() > self.deadline:
            raise TemplateLimit(
                _("it takes longer than %(s)s seconds to fill in; simplify its loops")
                % {"s": self.seconds}
            )

    def loop_guard(self, iterable: Iterable) -> Iterator:
        for item in iterable:
            self.tick()
            yield item

    def limited_range(self, *args: int) -> range:
        rng = range(*args)
        if len(rng) > MAX_RANGE:
            raise TemplateLimit(
                _("range() may count at most %(n)s numbers in a report template")
                % {"n": f"{MAX_RANGE:,}"}
            )
        return rng

    # --- hooks of the sandbox -------------------------------------------------------------

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's signature
        __self.tick()
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context, operator: str, left, right):
        self.tick()
        if operator == "*":
            count, other = (right, left) if isinstance(right, int) else (left, right)
            sequence = isinstance(count, int) and not isinstance(other, int | float)
            if sequence and _size(other) * max(count, 0) > MAX_SIZE:
                raise _too_large()
        elif operator == "**":
            ints = isinstance(left, int) and isinstance(right, int) and right > 0
            if ints and abs(left) > 1 and right * math.log10(abs(left)) > MAX_SIZE:
                raise _too_large()
        elif operator == "+":
            if _size(left) + _size(right) > MAX_SIZE and not isinstance(left, int):
                raise _too_large()
        elif operator == "%" and isinstance(left, str):
            self._check_widths(left)
        result = self.binop_table[operator](left, right)
        if _size(result) > MAX_SIZE:
            raise _too_large()
        return result

    @staticmethod
    def _check_widths(text: str) -> None:
        digits = "".join(ch if ch.isdigit() else " " for ch in text).split()
        if any(len(d) > 6 or int(d) > MAX_SIZE for d in digits):
            raise _too_large()

    def _bounded_filter(self, func: Callable) -> Callable:
        def bounded(*args, **kwargs):
            self.tick()
            for value in list(args[1:]) + list(kwargs.values()):
                if isinstance(value, int) and not isinstance(value, bool) and value > MAX_SIZE:
                    raise _too_large()
                if isinstance(value, str) and _size(value) > MAX_SIZE:
                    raise _too_large()
            if func.__name__ == "do_format" and args and isinstance(args[0], str):
                self._check_widths(args[0])
            result = func(*args, **kwargs)
            if _size(result) > MAX_SIZE:
                raise _too_large()
            return result

        for attr in ("jinja_pass_arg",):  # keep pass_environment / pass_eval_context
            if hasattr(func, attr):
                setattr(bounded, attr, getattr(func, attr))
        bounded.__name__ = func.__name__
        return bounded

    def _generate(self, source, name, filename, defer_init=False):
        """Every ``{% for %}`` iterates through ``loop_guard``, which counts its steps."""
        for loop in source.find_all(nodes.For):
            loop.iter = nodes.Call(
                nodes.EnvironmentAttribute("fugong_loop"), [loop.iter], [], None, None
            )
        return super()._generate(source, name, filename, defer_init=defer_init)


# ------------------------------------------------------------------------ process bounds


def _child(conn, func: Callable, args: tuple, memory_mb: int) -> None:
    try:
        if memory_mb:
            with open("/proc/self/statm") as f:
                pages = int(f.read().split()[0])
            limit = pages * os.sysconf("SC_PAGE_SIZE") + memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        result = ("ok", func(*args))
    except MemoryError:
        result = ("memory", None)
    except BaseException as exc:  # noqa: BLE001 - sent to the parent, raised there
        result = ("error", exc)
    try:
        conn.send(result)
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled
        conn.send(("error", RuntimeError(str(result[1]))))
    conn.close()


class RenderAborted(Exception):
    """The render process ran out of time or memory; ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def run_bounded(
    func: Callable, *args, seconds: float = MAX_SECONDS, memory_mb: int = MAX_MEMORY_MB
):
    """``func(*args)`` in a forked child with at most ``memory_mb`` more memory and
    ``seconds`` of time; its result, or its exception raised here. Where fork is not available
    (not Linux), it runs in this process."""
    if "fork" not in multiprocessing.get_all_start_methods() or not os.path.exists(
        "/proc/self/statm"
    ):
        return func(*args)
    for stream in (sys.stdout, sys.stderr):  # or the child would write their buffers again
        with contextlib.suppress(Exception):
            stream.flush()
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(send, func, args, memory_mb))
    process.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise RenderAborted(
                _("it takes longer than %(s)s seconds to fill in; simplify it") % {"s": seconds}
            )
        try:
            status, value = receive.recv()
        except (EOFError, OSError):
            status, value = "memory", None
    finally:
        receive.close()
        if process.is_alive():
            process.kill()
        process.join(5)
    if status == "memory":
        raise RenderAborted(
            _("it needs more than %(mb)s MB of memory to fill in; simplify it") % {"mb": memory_mb}
        )
    if status == "error":
        raise value
    return value
