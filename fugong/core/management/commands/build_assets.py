"""Copy front-end files from node_modules (installed by npm from package-lock.json) into
build/static/vendor, which Django serves as our own static files. Never a CDN."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# (source under node_modules or a Python package's static dir, destination under vendor/)
NPM_FILES = [
    ("bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"),
    ("bootstrap/dist/css/bootstrap.min.css.map", "bootstrap/bootstrap.min.css.map"),
    ("bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"),
    ("bootstrap/dist/js/bootstrap.bundle.min.js.map", "bootstrap/bootstrap.bundle.min.js.map"),
    ("bootstrap-icons/font/bootstrap-icons.min.css", "bootstrap-icons/bootstrap-icons.min.css"),
    (
        "bootstrap-icons/font/fonts/bootstrap-icons.woff2",
        "bootstrap-icons/fonts/bootstrap-icons.woff2",
    ),
    (
        "bootstrap-icons/font/fonts/bootstrap-icons.woff",
        "bootstrap-icons/fonts/bootstrap-icons.woff",
    ),
    ("echarts/dist/echarts.min.js", "echarts/echarts.min.js"),
]


class Command(BaseCommand):
    help = "Copy the front-end packages installed by npm into our own static files."
    requires_system_checks = []

    def handle(self, *args, **options) -> None:
        base = Path(settings.BASE_DIR)
        modules = base / "node_modules"
        target = base / "build" / "static" / "vendor"
        missing = [src for src, _ in NPM_FILES if not (modules / src).exists()]
        if missing:
            raise CommandError("Run `npm ci` first; missing: " + ", ".join(missing))
        for src, dest in NPM_FILES:
            out = target / dest
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(modules / src, out)
        self.stdout.write(f"Copied {len(NPM_FILES)} front-end files into {target}.")
