"""The policies API (/api/v1/policies), filled in by issue 16."""

from ninja import Router

router = Router(tags=["policies"])
