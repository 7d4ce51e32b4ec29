"""GB/T 4754-2017 reference data (门类 and 大类), shipped as fugong/enterprises/data/gbt4754_2017.csv."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "gbt4754_2017.csv"


def load_industries(industry_model) -> int:
    """Create the classification in an empty table (the migration passes its historical
    model; the demo generator the current one). Returns how many rows were created."""
    if industry_model.objects.exists():
        return 0
    with DATA.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sections = {
        row["code"]: industry_model.objects.create(
            code=row["code"], name=row["name"], level="section"
        )
        for row in rows
        if row["level"] == "section"
    }
    industry_model.objects.bulk_create(
        industry_model(
            code=row["code"], name=row["name"], level="division", parent=sections[row["parent"]]
        )
        for row in rows
        if row["level"] == "division"
    )
    return len(rows)
