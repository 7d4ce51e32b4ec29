"""One process acting on a file SQLite database, for tests/test_busy.py (real concurrent
writers need real processes: each has its own connection, as gunicorn's workers, the
background worker and ``fugong import`` do).

    python tests/sqlite_actor.py hold RELEASE_FILE
        takes the write lock (a transaction that wrote), prints "locked", keeps it until
        RELEASE_FILE exists, then commits.
    python tests/sqlite_actor.py request GO_FILE METHOD PATH [--login USER] [--json] [k=v ...]
        logs USER in (a write, done first), prints "ready", waits for GO_FILE, prints
        "requesting", makes the request with Django's test client and prints one line of
        JSON: {"status": ..., "body": ...}.

The database is DATABASE_URL; DJANGO_SETTINGS_MODULE is config.settings.test.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def say(text: str) -> None:
    print(text, flush=True)


def wait_for(path: str) -> None:
    while not os.path.exists(path):
        time.sleep(0.02)


def hold(release: str) -> None:
    from django.db import transaction

    from fugong.core.models import Job

    with transaction.atomic():
        Job.objects.create(kind="tests.hold", title="holds the write lock")
        say("locked")
        wait_for(release)


def request(go: str, method: str, path: str, rest: list[str]) -> None:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from fugong.accounts.models import User

    setup_test_environment()
    client = Client(raise_request_exception=False)
    as_json = "--json" in rest
    data: dict[str, str] = {}
    args = iter(rest)
    for arg in args:
        if arg == "--login":
            client.force_login(User.objects.get(username=next(args)))
        elif arg != "--json":
            key, _, value = arg.partition("=")
            data[key] = value
    say("ready")
    wait_for(go)
    say("requesting")
    if method == "GET":
        response = client.get(path, data)
    elif as_json:
        response = client.post(path, json.dumps(data), content_type="application/json")
    else:
        response = client.post(path, data)
    say(json.dumps({"status": response.status_code, "body": response.content.decode()[-3000:]}))


def main() -> None:
    import django

    django.setup()
    if sys.argv[1] == "hold":
        hold(sys.argv[2])
    else:
        request(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])


if __name__ == "__main__":
    main()
