"""Vacancies on the import engine (``fugong.core.imports``): the 空岗 ledger an enterprise or
the human resources bureau keeps in Excel.

Natural key: **(the enterprise's credit code, the post)**. A row whose enterprise already has
a vacancy (draft or published) of that post updates it; otherwise it adds one. The credit
code column may be left out by an enterprise's own user (the rows are its enterprise's);
the bureau names the enterprise of each row by it, and may only name enterprises in its
place. The engine's key is the post (``key = "post"``): ``load`` returns, for each post of a
chunk, the stored vacancies of that post by enterprise, and ``check`` takes the row's own.
(So the preview's split between new and stored rows is exact for an enterprise's file; for
the bureau's, a post stored at another enterprise of the file counts as stored. The result
after the import is exact.)

Each row is checked by ``services.clean_values``, the rules of the form and the API; new
rows are published at once unless the status column says 草稿.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.errors import UserError
from fugong.core.imports.registry import Committed, Importer, RowCheck
from fugong.core.jobs import JobError
from fugong.core.masking import mask_phone
from fugong.core.tabular import Column
from fugong.vacancies import selectors, services
from fugong.vacancies.choices import Education, VacancyStatus
from fugong.vacancies.models import Vacancy

KIND = "vacancies.vacancy"

COLUMNS: list[Column] = [
    Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "企业信用代码"), kind="code"),
    Column("post", "岗位", ("岗位名称", "招聘岗位", "空缺岗位", "工种", "职位"), required=True),
    Column("headcount", "招聘人数", ("需求人数", "缺工人数", "空岗人数", "人数"), kind="int",
           required=True),
    Column("filled", "已招人数", ("已招聘人数", "已到岗人数", "已录用人数"), kind="int"),
    Column("pay_min", "最低月薪（元）", ("最低月薪", "月薪下限", "最低工资", "薪资下限"), kind="int"),
    Column("pay_max", "最高月薪（元）", ("最高月薪", "月薪上限", "最高工资", "薪资上限"), kind="int"),
    Column("address", "工作地点", ("工作地址", "上班地点")),
    Column("education", "学历要求", ("学历", "文化程度")),
    Column("age_min", "最低年龄", ("年龄下限",), kind="int"),
    Column("age_max", "最高年龄", ("年龄上限",), kind="int"),
    Column("skills", "技能要求", ("岗位要求", "任职要求", "其他要求", "要求")),
    Column("contact_name", "联系人", ("招聘联系人",)),
    Column("contact_phone", "联系电话", ("招聘电话", "联系方式", "电话"), kind="code"),
    Column("expires_on", "截止日期", ("有效期至", "招聘截止日期", "截止时间"), kind="date"),
    Column("status", "状态", ("发布状态", "岗位状态")),
]  # fmt: skip
BY_FIELD = {c.field: c for c in COLUMNS}
VALUES = ("headcount", "filled", "pay_min", "pay_max", "address", "age_min", "age_max",
          "skills", "contact_name", "contact_phone", "expires_on", "post", "education")  # fmt: skip
STATUS_WORDS = {
    "草稿": VacancyStatus.DRAFT, "暂存": VacancyStatus.DRAFT,
    "发布": VacancyStatus.PUBLISHED, "已发布": VacancyStatus.PUBLISHED,
    "招聘中": VacancyStatus.PUBLISHED, "在招": VacancyStatus.PUBLISHED,
    "关闭": VacancyStatus.CLOSED, "已关闭": VacancyStatus.CLOSED,
    "已招满": VacancyStatus.CLOSED, "停止招聘": VacancyStatus.CLOSED,
}  # fmt: skip
EDUCATION_WORDS = {
    "小学": Education.PRIMARY, "初中": Education.JUNIOR, "高中": Education.SENIOR,
    "中专": Education.SENIOR, "职高": Education.SENIOR, "技校": Education.SENIOR,
    "大专": Education.COLLEGE, "专科": Education.COLLEGE, "本科": Education.BACHELOR,
    "硕士": Education.MASTER, "研究生": Education.MASTER, "博士": Education.MASTER,
    "不限": "", "无": "", "无要求": "",
}  # fmt: skip


def _readings(choices, words: dict) -> dict[str, str]:
    texts = {c.value: c.value for c in choices}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts |= {str(c.label).lower(): c.value for c in choices}
    return texts | {k: str(v) for k, v in words.items()}


def joined(messages) -> str:
    """A row's reasons in one sentence: each without its own full stop, joined by a
    semicolon, one full stop at the end (never "。；")."""
    chinese = (translation.get_language() or "").startswith("zh")
    parts = [str(m).strip().rstrip("。.；;") for m in messages]
    parts = [p for p in parts if p]
    if chinese:
        return "；".join(parts) + "。"
    return "; ".join(parts) + "."


class VacancyCheck(RowCheck):
    def __init__(self, user, options: dict | None = None):
        self.user = user
        writable = selectors.writable_enterprises(user)
        self.codes = dict(writable.exclude(credit_code="").values_list("credit_code", "pk"))
        own = selectors.own_enterprise_ids(user)
        self.own = own[0] if len(own) == 1 else None
        self.statuses = _readings(VacancyStatus, STATUS_WORDS)
        self.educations = _readings(Education, EDUCATION_WORDS)
        self.seen: dict[tuple[int, str], int] = {}

    def load(self, keys) -> dict[str, dict[int, dict]]:
        posts = {services.clean_text(k, 61) for k in keys if k}
        stored: dict[str, dict[int, dict]] = {}
        if not posts:
            return stored
        rows = Vacancy.objects.filter(
            post__in=posts,
            enterprise_id__in=list(self.codes.values()) + ([self.own] if self.own else []),
            status__in=[VacancyStatus.DRAFT, VacancyStatus.PUBLISHED],
        ).values("pk", "enterprise_id", "post", "status", *VALUES[:-2], "education")
        for r in rows.order_by("pk"):
            stored.setdefault(r["post"], {}).setdefault(r["enterprise_id"], r)
        return stored

    def check(self, row, existing) -> tuple[dict | None, str]:
        errors: dict[str, str] = dict(row.errors)
        v = row.values

        def fail(field: str, message: str) -> None:
            errors.setdefault(field, f"{BY_FIELD[field].label}：{message}")

        code = str(v.get("credit_code") or "")
        enterprise_id = None
        if code:
            enterprise_id = self.codes.get(code)
            if enterprise_id is None:
                fail("credit_code", _("this enterprise is not one whose vacancies you may post."))
        elif self.own is not None:
            enterprise_id = self.own
        else:
            fail("credit_code", _("name the enterprise of the row by its credit code."))
        post = services.clean_text(v.get("post") or "", 61)
        current = (existing or {}).get(enterprise_id) if enterprise_id else None
        values: dict = {name: v[name] for name in VALUES if name in v and name != "education"}
        values["post"] = post
        text = str(v.get("education") or "").strip()
        if text:
            reading = self.educations.get(text.lower(), self.educations.get(text))
            if reading is None:
                fail("education", _("“%(value)s” is not one of %(choices)s.") % {
                    "value": text[:20], "choices": "、".join(str(c.label) for c in Education)})  # fmt: skip
            else:
                values["education"] = reading
        status = ""
        text = str(v.get("status") or "").strip()
        if text:
            status = self.statuses.get(text.lower(), self.statuses.get(text)) or ""
            if not status:
                fail(
                    "status",
                    _("“%(value)s” is not one of 草稿、发布、关闭.") % {"value": text[:20]},
                )
        if enterprise_id is not None and post:
            pair = (enterprise_id, post)
            if pair in self.seen:
                fail("post", _("the same post of the same enterprise is already in row %(row)d.")
                     % {"row": self.seen[pair]})  # fmt: skip
            else:
                self.seen[pair] = row.number
        if errors:
            return None, joined(errors.values())
        base = Vacancy(**{k: val for k, val in current.items() if k not in ("pk", "enterprise_id", "status")}) if current else None  # fmt: skip
        if current is not None and "expires_on" not in values:
            values.pop("expires_on", None)
        try:
            clean = services.clean_values(values, current=base)
        except UserError as exc:
            return None, exc.message
        out = {name: clean[name] for name in values if name in clean}
        if current is None:
            out = {k: val for k, val in clean.items() if k != "place"}
        out["enterprise_id"] = enterprise_id
        out["pk"] = current["pk"] if current else None
        out["status"] = status
        return out, ""


class VacancyImporter(Importer):
    kind = KIND
    title = gettext_lazy("Import vacancies from Excel")
    columns = COLUMNS
    key = "post"
    url_names = ("vacancies:import_upload", "vacancies:import", "vacancies:import_errors")
    help_template = "vacancies/_import_help.html"
    new_label = gettext_lazy("New vacancies")
    existing_label = gettext_lazy("Vacancies already posted")
    sample_fields = ("post", "headcount", "contact_phone")
    result_label = gettext_lazy("See the vacancies")

    def result_url(self) -> str:
        return reverse("vacancies:list")

    def may_import(self, user) -> bool:
        return selectors.writable_enterprises(user).exists()

    def office_key(self, user) -> str:
        own = selectors.own_enterprise_ids(user)
        return f"enterprise:{own[0]}" if own else f"user:{user.pk}"

    def checker(self, user, options: dict) -> VacancyCheck:
        return VacancyCheck(user, options)

    def sample(self, values: dict) -> dict[str, str]:
        shown = {k: "" if val is None else str(val) for k, val in values.items()}
        shown["contact_phone"] = mask_phone(values.get("contact_phone"))
        return shown

    def before_commit(self, *, actor, options: dict) -> None:
        if not self.may_import(actor):
            raise JobError(_("You may no longer post vacancies; nothing was imported."))

    def commit(
        self, *, actor, rows: list[dict], reason: str, options: dict, all_or_nothing: bool
    ) -> Committed:
        done = Committed()
        writable = set(
            selectors.writable_enterprises(actor)
            .filter(pk__in={r["enterprise_id"] for r in rows})
            .values_list("pk", flat=True)
        )
        new = []
        today_published = VacancyStatus.PUBLISHED
        from django.utils import timezone

        now = timezone.now()
        for row in rows:
            row = dict(row)
            pk, status = row.pop("pk", None), row.pop("status", "")
            if row["enterprise_id"] not in writable:
                done.refused.append(row.get("post", ""))
                continue
            if pk is None:
                status = status or today_published
                row["status"] = status
                row["published_at"] = now if status == today_published else None
                new.append(row)
                continue
            vacancy = Vacancy.objects.filter(pk=pk, enterprise_id=row["enterprise_id"]).first()
            if vacancy is None:
                done.refused.append(row.get("post", ""))
                continue
            fields = {k: val for k, val in row.items() if k in services.EDITABLE}
            before = vacancy.revision
            vacancy = services.vacancy_save(
                actor=actor, vacancy=vacancy, publish=status == today_published, **fields
            )
            if status == VacancyStatus.CLOSED and vacancy.status != VacancyStatus.CLOSED:
                vacancy = services.vacancy_set_status(actor=actor, vacancy=vacancy, status=status)
            if vacancy.revision != before:
                done.updated += 1
            else:
                done.unchanged += 1
        if done.refused and all_or_nothing:
            raise JobError(
                _("Since the check, %(n)s rows name a vacancy or an enterprise you may no longer change, so nothing was imported. Check the file again.")
                % {"n": len(done.refused)}
            )  # fmt: skip
        done.created = services.vacancies_bulk_create(actor=actor, rows=new, reason=reason)
        return done
