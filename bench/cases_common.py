"""共性问题 grouping speed (issue 14): 10,000 open requests grouped ≤ 30 s in the background.

    .venv/bin/python -m bench.cases_common                 # 10,000 requests, 10 categories
    .venv/bin/python -m bench.cases_common --skew 1.0      # all in one category (the worst case)
    .venv/bin/python -m bench.cases_common --check         # and the groups of scoring every pair

It times the job's work outside the database, which is where its time goes: cutting each
request's title and text into words (jieba; the dictionary's first load is timed apart) and
grouping each category's word sets (``common._groups``: rapidfuzz's cdist on both cores, a
block of length-sorted rows at a time, and the star grouping). The requests are made up from
sentences of the demo's kind, from ``--enterprises`` enterprises, with ``--skew`` of them in
one category (the worst case is one large category: the pairs grow with its square). Prints
seconds per step, wall and CPU (this process and its threads; the machine is shared), and the
groups. ``--check`` also groups by scoring every pair with the token-sort ratio
(``common._groups_all_pairs``, the way before; slow) and says whether the groups are the same.
"""

from __future__ import annotations

import argparse
import random
import time

PROBLEMS = [
    "普工招聘困难，返岗员工不足，急需对接招聘渠道",
    "原材料运输车辆在卡口滞留，请协助办理通行证",
    "流动资金紧张，申请贷款贴息和延期还款",
    "口罩和消毒液储备不足，请协调防疫物资",
    "停产期间基本电费负担重，申请缓交电费",
    "咨询社保费减免政策的适用条件和办理流程",
    "上游供应商未复工，关键零部件断供",
    "外地员工返岗需隔离，宿舍不足",
    "出口订单取消，申请稳岗补贴",
    "复工备案材料审核进度咨询",
]
# Words of what enterprises write about, three at random in each request: nearly every
# request's words differ, as they do in real ones.
VOCABULARY = [
    "设备",
    "订单",
    "客户",
    "仓库",
    "园区",
    "物流",
    "电费",
    "水费",
    "租金",
    "贷款",
    "银行",
    "担保",
    "员工",
    "宿舍",
    "食堂",
    "通勤",
    "班车",
    "口罩",
    "测温",
    "消毒",
    "隔离",
    "核酸",
    "审批",
    "备案",
    "许可",
    "证照",
    "出口",
    "进口",
    "报关",
    "税费",
    "社保",
    "公积金",
    "补贴",
    "奖励",
    "厂房",
    "土地",
    "规划",
    "环评",
    "安全",
    "消防",
    "检测",
    "认证",
    "技术",
    "研发",
    "专利",
    "人才",
    "培训",
    "工资",
    "加班",
    "合同",
    "纠纷",
    "仲裁",
    "法律",
    "配件",
    "芯片",
    "钢材",
    "塑料",
    "纸箱",
    "包装",
    "冷链",
    "快递",
    "港口",
    "铁路",
    "航空",
    "高速",
    "卡口",
    "通行证",
    "电网",
    "天然气",
    "蒸汽",
    "污水",
]
FILLER = ["目前", "我公司", "本月", "厂区", "车间", "近期", "请尽快", "非常", "希望", "能否"]


def made_up(rng: random.Random, n: int, enterprises: int, skew: float):
    items: dict[int, list[tuple[int, int, str]]] = {}
    for pk in range(n):
        category = 0 if rng.random() < skew else rng.randrange(1, 10)
        base = PROBLEMS[rng.randrange(len(PROBLEMS))]
        extra = "、".join(rng.sample(VOCABULARY, 3))
        text = f"{rng.choice(FILLER)}{base}，涉及{extra}，{rng.choice(FILLER)}{rng.randrange(10, 500)}人。"
        items.setdefault(category, []).append((pk, rng.randrange(enterprises), text))
    return items


def cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--enterprises", type=int, default=3_000)
    parser.add_argument("--skew", type=float, default=0.3)
    parser.add_argument("--check", action="store_true", help="compare with every pair scored")
    args = parser.parse_args()
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from fugong.cases import common

    rng = random.Random(1)
    raw = made_up(rng, args.requests, args.enterprises, args.skew)
    steps = []

    def timed(work):
        wall, used = time.perf_counter(), cpu()
        out = work()
        steps.append((time.perf_counter() - wall, cpu() - used))
        return out

    timed(lambda: common.words("预热"))
    cut = timed(
        lambda: {
            c: [(pk, e, " ".join(sorted(set(common.words(t))))) for pk, e, t in items]
            for c, items in raw.items()
        }
    )
    groups = timed(lambda: [g for items in cut.values() for g in common._groups(items)])
    largest = max(len(v) for v in raw.values())
    (load, load_cpu), (cutting, cutting_cpu), (grouping, grouping_cpu) = steps
    print(
        f"{args.requests} requests, largest category {largest}: jieba's dictionary "
        f"{load:.1f} s, words {cutting:.1f} s, pairs and groups {grouping:.1f} s "
        f"(CPU {grouping_cpu:.1f} s); total {load + cutting + grouping:.1f} s "
        f"(CPU {load_cpu + cutting_cpu + grouping_cpu:.1f} s; target 30 s); {len(groups)} groups"
    )
    if args.check:
        every = timed(
            lambda: [g for items in cut.values() for g in common._groups_all_pairs(items)]
        )
        wall, used = steps[-1]
        same = "the same groups" if every == groups else "OTHER GROUPS"
        print(f"every pair scored: {wall:.1f} s (CPU {used:.1f} s), {len(every)} groups: {same}")


if __name__ == "__main__":
    main()
