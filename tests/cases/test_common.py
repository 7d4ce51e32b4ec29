"""共性问题 (issue 14 point 5): open requests of several enterprises asking about the same
thing are grouped into one item, shown with its members; an unrelated request and one
enterprise's repeated requests are not; the office turns a group into a policy question;
grouping again keeps what was decided; another town sees none of it."""

from __future__ import annotations

from fugong.cases import common, services
from fugong.cases.models import Category, CommonProblem
from fugong.core.jobs import execute
from fugong.core.testing import world_fixtures
from fugong.resumption.testing import add_cast, build_casts

_built, world = world_fixtures(build_casts, scope="module")

SIMILAR = [
    ("普工招聘困难", "节后返岗员工不足，普工招聘困难，急需对接招聘渠道。"),
    ("招不到普工", "普工招聘渠道少，返岗员工不足，请对接招聘会。"),
    ("普工短缺", "返岗员工不足，普工缺口大，希望组织招聘。"),
]


def raise_for(c, title, text, code="labour"):
    return services.case_raise(
        actor=c.enterprise,
        enterprise=c.enterprise.memberships.get().enterprise,
        category=Category.objects.get(code=code),
        title=title,
        text=text,
    )


def run(user, place):
    job = common.grouping_start(actor=user, place=place)
    return execute(job.pk)


def test_similar_requests_of_several_enterprises_form_one_common_problem(world, client):
    casts = [add_cast(world, "approval", f"common_{i}") for i in range(3)]
    members = [raise_for(c, *ask) for c, ask in zip(casts, SIMILAR, strict=True)]
    raise_for(casts[0], "原材料运输受阻", "货车在卡口滞留无法进厂。", code="logistics")
    raise_for(casts[0], "普工招聘困难", "普工招聘困难，返岗员工不足。")  # the same enterprise
    town_cmd = casts[0].town_cmd
    place = town_cmd.memberships.get().jurisdiction
    job = run(town_cmd, place)
    assert job.status == "succeeded", job.error
    [problem] = CommonProblem.objects.filter(jurisdiction=place)
    ids = set(problem.members.values_list("pk", flat=True))
    assert {m.pk for m in members} <= ids
    assert problem.enterprises == 3 and "普工" in problem.keywords
    # The page shows it with its requests; the office turns it into a policy question.
    client.force_login(town_cmd)
    page = client.get("/cases/common/").content.decode()
    assert 'data-testid="common-problem"' in page and members[0].number in page
    answer = client.post(f"/cases/common/{problem.pk}/", {"state": "policy"})
    problem.refresh_from_db()
    assert problem.state == "open"  # no question: refused with a sentence
    client.post(
        f"/cases/common/{problem.pk}/", {"state": "policy", "question": "普工短缺的用工补贴政策"}
    )
    problem.refresh_from_db()
    assert problem.state == "policy" and problem.decided_by == town_cmd
    # Grouping again keeps the decided group and makes the open ones anew.
    run(town_cmd, place)
    assert CommonProblem.objects.filter(pk=problem.pk, state="policy").exists()
    # Another town's office sees none of it and may not group this town.
    other = world.county["w_t2_cmd"]
    client.force_login(other)
    assert members[0].number not in client.get("/cases/common/").content.decode()
    assert client.post(f"/cases/common/{problem.pk}/", {"state": "dismissed"}).status_code == 404
    assert not common.may_group(other, place)
    assert answer.status_code == 302


def test_words_drop_what_every_request_says():
    assert "企业" not in common.words("我们企业需要协助解决普工招聘问题")
    assert "普工" in common.words("我们企业需要协助解决普工招聘问题")
