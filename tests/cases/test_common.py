"""共性问题 (issue 14 point 5): open requests of several enterprises asking about the same
thing are grouped into one item, shown with its members; an unrelated request and one
enterprise's repeated requests are not; the office turns a group into a policy question;
grouping again keeps what was decided; another town sees none of it. The grouping's
faster comparison (issue 14 speed) finds the groups of scoring every pair."""

from __future__ import annotations

import numpy as np
import pytest

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


# A realistic sample: enterprises write about a dozen problems in their own words, some
# in a title alone, some at length with details of their own, among requests nobody shares.
THEMES = [
    ["普工招聘困难", "返岗员工不足", "急需对接招聘渠道", "节后用工缺口大", "请组织专场招聘会"],
    ["原材料运输受阻", "货车在卡口滞留", "请协助办理通行证", "外地供应商无法送货"],
    ["流动资金紧张", "申请贷款贴息", "银行贷款到期请求延期还款", "停产期间资金缺口大"],
    ["口罩储备不足", "消毒液采购困难", "请协调防疫物资", "测温枪缺货"],
    ["停产期间电费负担重", "申请缓交电费", "基本电费能否减免", "电网报装进度慢"],
    ["咨询社保费减免政策", "社保减免适用条件", "社保缓缴办理流程"],
    ["上游供应商未复工", "关键零部件断供", "芯片交期延长", "请协调配套企业复工"],
    ["外地员工返岗需隔离", "员工宿舍不足", "隔离场所安排", "核酸检测费用"],
    ["出口订单取消", "申请稳岗补贴", "外贸客户延期付款", "海运集装箱紧张"],
    ["复工备案材料审核进度", "复工申请被退回", "备案需要补充哪些材料"],
    ["厂房租金减免", "园区租金能否缓交", "国有厂房租金减免政策"],
    ["环评审批进度慢", "新建车间环评手续", "排污许可证续期"],
]
DETAILS = [
    "影响订单交付",
    "涉及员工三百余人",
    "客户催货",
    "已向街道反映",
    "生产线只开一半",
    "车间停工三天",
    "请尽快协调",
    "损失较大",
    "请安排专人对接",
    "合同违约风险",
]
ONE_OFF = [
    "食堂燃气管道改造审批",
    "专利侵权纠纷咨询",
    "高新技术企业认定材料",
    "消防验收预约",
    "污水管网接入",
    "班车线路调整",
    "商标注册流程",
    "土地证办理进度",
]


def sample(n: int = 900, seed: int = 3) -> list[tuple[int, int, str]]:
    import random

    rng = random.Random(seed)
    items = []
    for pk in range(n):
        if rng.random() < 0.15:
            text = "，".join(rng.sample(ONE_OFF, rng.randint(1, 2)))
        else:
            theme = rng.choice(THEMES)
            said = rng.sample(theme, rng.randint(1, len(theme)))
            text = "，".join(said + rng.sample(DETAILS, rng.randint(0, 4)))
        words = " ".join(sorted(set(common.words(text))))
        items.append((pk, rng.randrange(n // 3), words))
    return items


@pytest.mark.parametrize(
    ("alphabet", "shared"),
    [(255, 64), (200, 16), (100, 4)],
    ids=["codes-of-their-own", "rare-sharing", "most-sharing"],
)
def test_grouping_finds_the_groups_of_comparing_every_pair(monkeypatch, alphabet, shared):
    """The blocked comparison (texts by length, a block of rows at a time, each against
    the lengths that can score the threshold, in one-byte codes, the pairs of two texts
    with shared codes scored again) finds exactly the groups, members and order of scoring
    every pair with the token-sort ratio, and skips pairs doing so. The sample's 226
    characters all get codes of their own; fewer codes make the rare ones share."""
    from rapidfuzz import process

    items = sample()
    texts = {t for _pk, _e, t in items if t}
    compared, again = [], []
    cdist, cpdist = process.cdist, process.cpdist

    def counting(queries, choices, **kwargs):
        compared.append(len(queries) * len(choices))
        return cdist(queries, choices, **kwargs)

    def counting_again(queries, choices, **kwargs):
        scores = cpdist(queries, choices, **kwargs)
        again.append((len(scores), int((scores == 0).sum())))
        return scores

    monkeypatch.setattr(common, "BLOCK", 64)  # many blocks, each with its own lengths
    monkeypatch.setattr(common, "ALPHABET", alphabet)
    monkeypatch.setattr(common, "SHARED", shared)
    expected = common._groups_all_pairs(items)
    monkeypatch.setattr(process, "cdist", counting)
    monkeypatch.setattr(process, "cpdist", counting_again)
    found = common._groups(items)
    assert len(expected) >= 20 and sum(map(len, expected)) >= len(items) // 2
    assert found == expected
    assert len(compared) > 1 and sum(compared) < len(texts) ** 2 * 0.9
    exact = common._narrowed(sorted(texts))[1]
    if alphabet == 255:
        assert exact.all() and not again
    else:  # some pairs were scored again in characters
        assert not exact.all() and sum(n for n, _dropped in again) > 0
    if alphabet == 200:
        assert exact.any()  # texts of both kinds
    if alphabet == 100:  # many shared codes: pairs alike in codes and not in characters
        assert sum(dropped for _n, dropped in again) > 0


def test_a_blocking_that_drops_similar_pairs_is_caught(monkeypatch):
    """The comparison above can fail: blocks that leave out pairs able to score the
    threshold (texts of lengths less far apart) change the groups, and so does taking
    shared codes for the characters without scoring such pairs again."""
    items = sample()
    expected = common._groups_all_pairs(items)
    monkeypatch.setattr(common, "BLOCK", 64)
    with monkeypatch.context() as patched:
        patched.setattr(common, "_lengths_apart", lambda threshold=common.THRESHOLD: 0.75)
        assert common._groups(items) != expected
    monkeypatch.setattr(common, "ALPHABET", 100)
    monkeypatch.setattr(common, "SHARED", 4)
    narrowed = common._narrowed
    monkeypatch.setattr(
        common, "_narrowed", lambda texts: (narrowed(texts)[0], ~np.zeros(len(texts), bool))
    )
    assert common._groups(items) != expected
    monkeypatch.undo()
    assert common._groups(items) == expected


def test_texts_at_the_length_bound_are_still_compared():
    """A text whose characters begin a longer one scores exactly the threshold at the
    widest ratio of lengths that can (3 and 7 characters: 2 x 3 / 10 = 60): its blocks
    still compare them."""
    items = [(1, 1, "甲乙丙"), (2, 2, "甲乙丙丁戊己庚"), (3, 3, "子丑寅卯辰巳午未")]
    assert common._groups(items) == common._groups_all_pairs(items) == [[1, 2]]
