"""The demo county's notification set-up (issue 12 point 4): each of the first two towns'
command office has a recipient group (its 专班: the office and the grid chief) that also
receives the filings submitted in the town, and a WeCom group robot, left inactive (its key
is a placeholder: the demo machine reaches no WeCom server), to show the set-up pages."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from fugong.notifications.models import RecipientGroup, RobotKind, RobotWebhook, Subscription

KINDS = ["resumption.filing_submitted", "resumption.notice_issued", "reporting.reminded"]


def build_setup(b) -> None:
    users = get_user_model().objects
    for t, town in enumerate(b.towns[:2], start=1):
        prefix = f"town{t:02d}"
        members = list(users.filter(username__in=[f"{prefix}_cmd", f"{prefix}_grid"]))
        group = RecipientGroup.objects.create(jurisdiction=town, name=f"{town.name}复工复产专班")
        group.members.set(members)
        Subscription.objects.create(
            jurisdiction=town, kind="resumption.filing_submitted", group=group
        )
        RobotWebhook.objects.create(
            jurisdiction=town,
            name=f"{town.name}复工复产工作群（示例，未启用）",
            kind=RobotKind.WECOM,
            key="demo-placeholder-key",
            kinds=KINDS,
            is_active=False,
        )
