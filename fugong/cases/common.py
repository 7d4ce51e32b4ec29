"""共性问题 (issue 14 point 5): open requests of several enterprises that ask about the same
thing are grouped into one item the command office can turn into a policy question.

A background job (``cases.group``) for one command office's place: each open request's title
and text are cut into words (jieba), common words dropped; within each category, every pair
of distinct word sets is scored (rapidfuzz's token-sort ratio, computed in C++ on all cores a
block of length-sorted rows at a time, skipping the pairs whose lengths alone keep them under
the threshold); the request most like others leads a group of those at or above
``THRESHOLD`` (a star, not a chain), and each group holding at least ``MIN_ENTERPRISES``
enterprises becomes a ``CommonProblem`` with its members and its most frequent words.
Running it again replaces the place's groups not yet decided; decided ones are kept.
"""

from __future__ import annotations

import logging
import re
from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fugong.accounts.models import Jurisdiction
from fugong.cases.choices import OPEN, Status
from fugong.cases.models import Case, Category, CommonProblem
from fugong.core.audit import audited_update
from fugong.core.errors import NotAllowed, UserError
from fugong.core.jobs import JobContext, job_handler, job_start
from fugong.core.scope import scoped, subtree_q

KIND = "cases.group"
THRESHOLD = 60  # token-sort ratio (0-100) of two word sets asking the same thing
MIN_ENTERPRISES = 2
KEYWORDS = 5
# Requests still waiting for an answer, or answered and not yet rated.
GROUPED = (*OPEN, Status.REPLIED)

# Words every request has: they say nothing of what it is about.
STOPWORDS = frozenset(
    [
        "我们",
        "我司",
        "公司",
        "企业",
        "本公司",
        "单位",
        "问题",
        "情况",
        "需要",
        "希望",
        "请求",
        "申请",
        "协助",
        "帮助",
        "解决",
        "相关",
        "部门",
        "政府",
        "能否",
        "是否",
        "如何",
        "怎么",
        "目前",
        "现在",
        "已经",
        "因为",
        "由于",
        "没有",
        "可以",
        "进行",
        "一个",
        "一些",
        "这个",
        "这些",
        "那个",
        "非常",
        "比较",
        "及时",
        "尽快",
        "请问",
        "反映",
        "存在",
        "导致",
        "影响",
        "疫情",
        "期间",
        "复工",
        "复产",
    ]
)
_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z]{2,}$")


def _jieba():
    import jieba

    # jieba logs to stderr through a handler of its own: drop it, so its few lines go
    # through the site's logging (whose handlers mask personal data) like everything else.
    logger = logging.getLogger("jieba")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.propagate = True
    jieba.setLogLevel(logging.WARNING)
    return jieba


def words(text: str) -> list[str]:
    """The words that say what a request is about (two characters or more, no digits or
    punctuation, no common words)."""
    return [w for w in _jieba().lcut(text) if _WORD.match(w) and w not in STOPWORDS]


# Rows of the length-sorted word sets compared at once: bounds the scores held in memory
# (BLOCK x the texts of a category, one byte each).
BLOCK = 2048
# rapidfuzz compares strings of one-byte characters several times faster than Chinese ones
# (a table lookup per character instead of a hash map): the characters of a category are
# given codes 1-255 for the comparison, the most frequent each its own, the rarest sharing
# the last SHARED codes when a category has more than ALPHABET characters.
ALPHABET = 255
SHARED = 64


def _lengths_apart(threshold: float = THRESHOLD) -> float:
    """The least ratio of a shorter to a longer text that can still score ``threshold``.

    The score is 200 x their longest common subsequence / (the sum of their lengths), and
    that subsequence is at most the shorter text, so a pair scores ``threshold`` only if
    shorter / (shorter + longer) >= threshold / 200. One point of slack keeps rounding on
    the safe side: pairs this lets through are scored and dropped as before."""
    share = (threshold - 1) / 200
    return share / (1 - share)


def _narrowed(texts: list[str]):
    """The texts in one-byte codes, and for each whether its characters all have codes of
    their own. A shared code can only lengthen a common subsequence (two characters become
    equal, none unequal), so a pair scores at least as much in codes as in characters; and
    a pair of which one text has only codes of its own scores the same (each of its
    characters equals only itself). Only pairs of two texts with shared codes scoring the
    threshold in codes need scoring again in characters."""
    import numpy as np

    counts = Counter(ch for text in texts for ch in text)
    ranked = [ch for ch, _n in counts.most_common()]
    own = ALPHABET if len(ranked) <= ALPHABET else ALPHABET - SHARED
    codes = {ord(ch): chr(1 + i) for i, ch in enumerate(ranked[:own])}
    codes.update({ord(ch): chr(1 + own + i % SHARED) for i, ch in enumerate(ranked[own:])})
    rare = frozenset(ranked[own:])
    exact = np.fromiter((rare.isdisjoint(t) for t in texts), dtype=bool, count=len(texts))
    return [text.translate(codes) for text in texts], exact


def _like(texts: list[str]):
    """The texts like each text (itself included), as (offsets, indices) of a sparse matrix
    whose rows are the texts in order of length: row p's are ``indices[offsets[p]:offsets[p
    + 1]]`` (text numbers), row p being text ``order[p]``. Returns (order, offsets, indices).

    The texts are sorted by length and compared a block of rows at a time, each block only
    with the texts whose length lets them score ``THRESHOLD`` at all (``_lengths_apart``),
    in one-byte codes (``_narrowed``), the few pairs that need it scored again in
    characters: the same pairs are found as by comparing every pair. The texts are
    canonical (words sorted, one space apart), so the plain ratio of two equals their
    token-sort ratio, without the scorer splitting and sorting the words again for each
    pair."""
    import numpy as np
    from rapidfuzz import fuzz, process

    score = {"scorer": fuzz.ratio, "score_cutoff": THRESHOLD, "dtype": "uint8", "workers": -1}
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    order = np.argsort(lengths, kind="stable").astype(np.int32)  # text numbers, 4 bytes
    ordered = np.array([texts[i] for i in order.tolist()], dtype=object)
    coded, exact = _narrowed(ordered.tolist())
    every_exact = bool(exact.all())
    sorted_lengths = lengths[order]
    apart = _lengths_apart()
    counts = np.zeros(len(texts), dtype=np.int64)
    indices = []
    for start in range(0, len(texts), BLOCK):
        stop = min(start + BLOCK, len(texts))
        first = int(np.searchsorted(sorted_lengths, sorted_lengths[start] * apart, "left"))
        last = int(np.searchsorted(sorted_lengths, sorted_lengths[stop - 1] / apart, "right"))
        scores = process.cdist(coded[start:stop], coded[first:last], **score)
        # Row by row, as the matrix is laid out (one flat pass over booleans is the fastest).
        rows, columns = np.divmod(np.flatnonzero(scores > 0), last - first)
        rows += start
        columns += first
        if not every_exact:  # the pairs of two texts with shared codes, in characters
            again = ~exact[rows] & ~exact[columns]
            rescored = process.cpdist(
                ordered[rows[again]].tolist(), ordered[columns[again]].tolist(), **score
            )
            keep = np.ones(len(rows), dtype=bool)
            keep[again] = rescored > 0
            rows, columns = rows[keep], columns[keep]
        counts[start:stop] = np.bincount(rows - start, minlength=stop - start)
        indices.append(order[columns])
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return order, offsets, np.concatenate(indices)


def _by_words(items: list[tuple[int, int, str]]) -> dict[str, list[int]]:
    """{words: the indexes of the items with them}, items without words left out."""
    same: dict[str, list[int]] = {}
    for index, (_pk, _e, text) in enumerate(items):
        if text:
            same.setdefault(text, []).append(index)
    return same


def _groups(items: list[tuple[int, int, str]]) -> list[list[int]]:
    """``items``: (request id, enterprise id, its words). The groups of request ids asking
    the same thing, each holding ``MIN_ENTERPRISES`` enterprises or more. Requests with the
    same words are compared once. Groups are stars, not chains: the request most like
    others leads its group of those like it (at ``THRESHOLD`` or above), then the next of
    those left, so that A like B and B like C does not put A with C. The groups are those
    of comparing every pair (``_groups_all_pairs``), found in a fraction of the time."""
    import numpy as np

    same = _by_words(items)
    texts = list(same)
    if not texts:
        return []
    order, offsets, indices = _like([" ".join(sorted(t.split())) for t in texts])
    row = np.empty(len(texts), dtype=np.int64)
    row[order] = np.arange(len(texts))
    likes = np.diff(offsets)[row]  # how many texts each text is like, by text
    taken = np.zeros(len(texts), dtype=bool)
    out = []
    # Most alike first; of as alike, the first met (as the stable sort of all pairs did).
    for lead in np.argsort(-likes, kind="stable").tolist():
        if taken[lead]:
            continue
        near = indices[offsets[row[lead]] : offsets[row[lead] + 1]]
        star = np.sort(near[~taken[near]])
        taken[star] = True
        members = [i for t in star.tolist() for i in same[texts[t]]]
        if len({items[i][1] for i in members}) >= MIN_ENTERPRISES:
            out.append([items[i][0] for i in members])
    return out


def _groups_all_pairs(items: list[tuple[int, int, str]]) -> list[list[int]]:
    """``_groups`` as it was: every pair of a category's word sets scored (token-sort
    ratio) in one matrix. What the faster ``_groups`` must equal (tests, ``bench.cases_common
    --check``)."""
    from rapidfuzz import fuzz, process

    same = _by_words(items)
    texts = list(same)
    if not texts:
        return []
    scores = process.cdist(
        texts,
        texts,
        scorer=fuzz.token_sort_ratio,
        score_cutoff=THRESHOLD,
        dtype="uint8",
        workers=-1,
    )
    like = scores > 0  # the diagonal too: each text is like itself
    taken = [False] * len(texts)
    out = []
    for lead in sorted(range(len(texts)), key=lambda t: -int(like[t].sum())):
        if taken[lead]:
            continue
        star = [t for t in like[lead].nonzero()[0].tolist() if not taken[t]]
        for t in star:
            taken[t] = True
        members = [i for t in star for i in same[texts[t]]]
        if len({items[i][1] for i in members}) >= MIN_ENTERPRISES:
            out.append([items[i][0] for i in members])
    return out


def may_group(user, place: Jurisdiction) -> bool:
    from fugong.accounts.selectors import command_jurisdictions

    return any(place.path.startswith(p.path) for p in command_jurisdictions(user))


def grouping_start(*, actor, place: Jurisdiction):
    if not may_group(actor, place):
        raise NotAllowed(_("Only the command office of the place groups its requests."))
    return job_start(
        kind=KIND,
        title=_("Common problems of %(place)s") % {"place": place.name},
        user=actor,
        params={"place": place.pk},
    )


@job_handler(KIND, atomic=False)
def group_requests(ctx: JobContext) -> dict:
    place = Jurisdiction.objects.get(pk=ctx.params["place"])
    if not may_group(ctx.user, place):
        raise NotAllowed(_("Only the command office of the place groups its requests."))
    qs = scoped(
        Case.objects.filter(subtree_q("jurisdiction__path", place.path), status__in=GROUPED),
        ctx.user,
    )
    by_category: dict[int, list[tuple[int, int, str]]] = {}
    for pk, enterprise, category, title, text in qs.values_list(
        "pk", "enterprise_id", "category_id", "title", "text"
    ).iterator(chunk_size=2000):
        by_category.setdefault(category, []).append(
            (pk, enterprise, " ".join(sorted(set(words(f"{title} {text}")))))
        )
    total = sum(len(v) for v in by_category.values())
    ctx.progress(0, total)
    found: list[tuple[int, list[int], list[str]]] = []
    done = 0
    for category, items in by_category.items():
        texts = {pk: t for pk, _e, t in items}
        for members in _groups(items):
            counted = Counter(w for pk in members for w in set(texts[pk].split()))
            found.append((category, members, [w for w, _n in counted.most_common(KEYWORDS)]))
        done += len(items)
        ctx.progress(done)
    enterprises = dict(qs.values_list("pk", "enterprise_id"))
    with transaction.atomic():
        CommonProblem.objects.filter(jurisdiction=place, state=CommonProblem.State.OPEN).delete()
        for category, members, keywords in found:
            problem = CommonProblem.objects.create(
                jurisdiction=place,
                category_id=category,
                keywords=" ".join(keywords)[:200],
                enterprises=len({enterprises[pk] for pk in members}),
            )
            problem.members.set(members)
    ctx.message(
        ngettext(
            "%(n)d common problem found in %(total)d requests.",
            "%(n)d common problems found in %(total)d requests.",
            len(found),
        )
        % {"n": len(found), "total": total}
    )
    return {"requests": total, "groups": len(found)}


def decide(*, actor, problem: CommonProblem, state: str, question: str = "") -> CommonProblem:
    """Turn a common problem into a policy question (with the question), or dismiss it."""
    if not may_group(actor, problem.jurisdiction):
        raise NotAllowed(_("Only the command office of the place decides on it."))
    if state not in (CommonProblem.State.POLICY, CommonProblem.State.DISMISSED):
        raise UserError(_("Turn it into a policy question or dismiss it."), code="state")
    question = (question or "").strip()
    if state == CommonProblem.State.POLICY and not question:
        raise UserError(_("Write the policy question."), code="question")
    return audited_update(
        problem,
        actor=actor,
        state=state,
        question=question[:2000],
        decided_by=actor,
        decided_at=timezone.now(),
    )


def categories() -> dict[int, str]:
    return dict(Category.objects.values_list("pk", "name"))
