"""Issue 13, bad input: no log line, audit row, event or message holds an ID number, a phone
or a temperature in clear, through a person's whole day: added on the roster, a pass
requested and checked at the gate, an abnormal check-in on the phone page and by the bulk
API, the 催报 reminder."""

from __future__ import annotations

import json
import logging
import re

from django.utils import timezone
from stdnum.cn import ric

from fugong.core.models import AuditLog
from fugong.core.testing import bearer, issue_token, world_fixtures
from fugong.notifications.models import Event, Message
from fugong.resumption.testing import add_cast, build_casts
from fugong.workforce import checkins, passes, services
from fugong.workforce.choices import Origin, WorkStatus

_built, world = world_fixtures(build_casts, scope="module")
TODAY = timezone.localdate()
BODY = "32010619880808555"
NUMBER = BODY + ric.calc_check_digit(BODY + "0")
OTHER_BODY = "32010619900101666"
OTHER = OTHER_BODY + ric.calc_check_digit(OTHER_BODY + "0")
PHONE = "13851234567"


def test_a_day_of_personal_data_leaves_nothing_in_clear(
    world, client, caplog, django_capture_on_commit_callbacks
):
    c = add_cast(world, "approval", "nothing_clear")
    enterprise = c.enterprise.memberships.get().enterprise
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(c.enterprise)
        client.post(
            "/workforce/new/",
            {
                "name": "陈明",
                "id_number": NUMBER,
                "phone": PHONE,
                "origin": Origin.LOCAL,
                "work_status": WorkStatus.AT_WORK,
            },
        )
        employee = enterprise.employees.get(person__name="陈明")
        services.employee_create(
            actor=c.enterprise,
            enterprise=enterprise,
            name="陈亮",
            id_number=OTHER,
            phone="13951234567",
            origin=Origin.LOCAL,
            work_status=WorkStatus.AT_WORK,
        )
        p = passes.pass_request(actor=c.enterprise, employee=employee)
        client.get("/workforce/gate/", {"code": passes.signed_code(p)})
        checkins.checkin_record(
            actor=c.enterprise, employee=employee, day=TODAY, half=0, temperature="38.4"
        )
        answer = client.post(
            "/api/v1/workforce/checkins",
            json.dumps(
                {
                    "enterprise": enterprise.pk,
                    "items": [
                        {"id_number": OTHER, "day": str(TODAY), "half": 0, "temperature": 39.1}
                    ],
                }
            ),
            content_type="application/json",
            headers=bearer(issue_token(client, c.enterprise.username)),
        )
        assert answer.status_code == 200 and answer.json()["accepted"] == 1, answer.content
        checkins.remind(actor=c.enterprise, enterprise=enterprise, day=TODAY, half=1)
    assert employee.passes.get().status == "revoked"  # the abnormal reading did its work
    secrets = [NUMBER, OTHER, PHONE, "13951234567"]
    written = [caplog.text]
    written += [
        f"{a.before} {a.after} {a.reason} {a.object_repr}"
        for a in AuditLog.objects.filter(at__date__gte=TODAY)
    ]
    written += [json.dumps(e.params, ensure_ascii=False) for e in Event.objects.all()]
    written += [f"{m.params} {m.url}" for m in Message.objects.all()]
    text = "\n".join(written)
    for secret in secrets:
        assert secret not in text, secret
    # a temperature as a number of its own (not inside a time such as 04:13:38.41)
    assert not re.search(r"(?<![\d:.])(38\.4|39\.1)(?![\d])", text)
