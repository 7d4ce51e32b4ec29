"""The roster (一人一档) on the import engine (``fugong.core.imports``): a roster xlsx as
enterprises keep it, every row into the enterprise chosen on the form, matched by the ID
number (through its keyed hash: the stored numbers are encrypted), checked by the same rules
as the form (``services.id_number_clean``, one identity per number) and written by
``services.employees_upsert``. The rows set aside between the check and the commit carry the
ID number and the phone encrypted; the stored preview is masked."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fugong.core.bulk import rows_by_keys
from fugong.core.crypto import decrypt, lookup_hasher
from fugong.core.errors import UserError
from fugong.core.imports.registry import Committed, Importer, RowCheck
from fugong.core.jobs import JobError
from fugong.core.masking import mask_id_number, mask_phone
from fugong.core.tabular import Column, TabularError
from fugong.workforce import services
from fugong.workforce.choices import Origin, Transport, WorkStatus
from fugong.workforce.models import Employee, Person

KIND = "workforce.roster"

COLUMNS: list[Column] = [
    Column("name", "姓名", ("员工姓名", "人员姓名", "名字"), required=True),
    Column(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "证件号码", "身份证"),
        kind="code",
        required=True,
    ),
    Column("phone", "手机号", ("手机号码", "联系电话", "电话", "手机", "联系方式"), kind="code"),
    Column("origin", "来源地", ("来源", "来源地类别", "返岗来源地", "人员来源")),
    Column("origin_region", "来源地区代码", ("来源地代码", "来源区划代码"), kind="code"),
    Column("travel_14d", "近14天旅居史", ("旅居史", "14天旅居史", "近14天行程", "途经地")),
    Column("planned_return", "计划返岗日期", ("返岗日期", "预计返岗日期", "返岗时间"), kind="date"),
    Column("transport", "交通方式", ("返程方式", "返岗方式", "出行方式")),
    Column("transit_hours", "途中时长（小时）", ("途中时长", "途中时间", "路途时间"), kind="int"),
    Column("dormitory", "宿舍", ("宿舍号", "宿舍房间", "住宿")),
    Column("work_status", "在岗状态", ("状态", "目前状态", "人员状态", "返岗状态")),
]
BY_FIELD = {c.field: c for c in COLUMNS}

# What offices write in the choice columns, beyond the labels themselves.
SYNONYMS = {
    "origin": {
        "本市": Origin.LOCAL,
        "市内": Origin.CITY,
        "省内": Origin.PROVINCE,
        "外省": Origin.OUT_OF_PROVINCE,
        "省外返回": Origin.OUT_OF_PROVINCE,
        "中高风险地区": Origin.KEY_AREA,
        "疫区": Origin.KEY_AREA,
        "湖北": Origin.KEY_AREA,
    },
    "transport": {
        "自驾车": Transport.CAR,
        "私家车": Transport.CAR,
        "企业包车": Transport.CHARTER_BUS,
        "专车": Transport.CHARTER_BUS,
        "高铁": Transport.TRAIN,
        "动车": Transport.TRAIN,
        "航班": Transport.PLANE,
        "大巴": Transport.COACH,
        "客车": Transport.COACH,
        "其它": Transport.OTHER,
    },
    "work_status": {
        "未到岗": WorkStatus.NOT_RETURNED,
        "隔离观察": WorkStatus.OBSERVING,
        "居家观察": WorkStatus.OBSERVING,
        "已返岗": WorkStatus.AT_WORK,
        "已到岗": WorkStatus.AT_WORK,
        "离职": WorkStatus.LEFT,
    },
}
CHOICES = {"origin": Origin, "transport": Transport, "work_status": WorkStatus}
# What a checked row carries beside its values, for the commit (not shown).
HASHES = frozenset({"id_hash", "phone_hash"})


def _readings() -> dict[str, dict[str, str]]:
    """Each choice column's accepted texts: the values, the Chinese and English labels and
    the synonyms."""
    out: dict[str, dict[str, str]] = {}
    for field, choices in CHOICES.items():
        texts = {c.value: c.value for c in choices}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                texts |= {str(c.label).lower(): c.value for c in choices}
        out[field] = texts | {k: str(v) for k, v in SYNONYMS[field].items()}
    return out


class RosterCheck(RowCheck):
    def __init__(self, user, options: dict | None = None):
        self.user = user
        chosen = (options or {}).get("place")
        self.enterprise = services.roster_enterprises(user).filter(pk=chosen).first()
        if self.enterprise is None:
            raise TabularError(_("Choose the enterprise whose roster this is."))
        self.readings = _readings()
        self.seen: dict[str, int] = {}
        self.hash_id = lookup_hasher(services.ID_PURPOSE)
        self.hash_phone = lookup_hasher(services.PHONE_PURPOSE)
        self.hashes: dict[str, str] = {}  # the chunk's ID numbers -> their hashes
        self.names: dict[str, str] = {}  # id hash -> the name on file (any enterprise)

    def load(self, keys) -> dict[str, dict]:
        """This enterprise's entries of the chunk's ID numbers (by hash), and the names on
        file of those numbers: one query a chunk, two when some of them are on file."""
        numbers = {str(k): services.id_number_text(k) for k in keys}
        self.hashes = {n: self.hash_id(n) for n in set(numbers.values())}
        persons = rows_by_keys(
            Person, "id_hash", list(self.hashes.values()), ["id", "id_hash", "name"]
        )
        self.names = {}
        by_id = {}
        for p in persons:
            self.names[p["id_hash"]] = p["name"]
            by_id[p["id"]] = p["id_hash"]
        if not by_id:
            return {}
        entries = {
            by_id[r["person_id"]]: r
            for r in Employee.objects.filter(
                enterprise=self.enterprise, person_id__in=list(by_id)
            ).values("pk", "person_id")
        }
        return {
            raw: entries[self.hashes[n]] for raw, n in numbers.items() if self.hashes[n] in entries
        }

    def check(self, row, existing: dict | None) -> tuple[dict | None, str]:
        errors: dict[str, str] = dict(row.errors)
        v = row.values
        out: dict = {}

        def fail(field: str, message: str) -> None:
            errors.setdefault(field, f"{BY_FIELD[field].label}：{message}")

        digest = None
        try:
            number = services.id_number_clean(v.get("id_number") or "")
        except UserError as exc:
            fail("id_number", exc.message)
        else:
            if number in self.seen:
                fail(
                    "id_number",
                    _("the same ID number is already in row %(row)d.") % {"row": self.seen[number]},
                )
            else:
                self.seen[number] = row.number
                out["id_number"] = number
                digest = self.hashes.get(number) or self.hash_id(number)
                out["id_hash"] = digest
        name = services.person_name(v.get("name"))
        if not name:
            fail("name", _("the name is empty."))
        out["name"] = name
        on_file = self.names.get(digest) if digest is not None else None
        if on_file is not None and name and on_file != name:
            fail("name", _("this ID number is registered under another name."))
        for field in ("origin", "transport", "work_status"):
            text = str(v.get(field) or "").strip()
            if not text:
                continue
            value = self.readings[field].get(text.lower()) or self.readings[field].get(text)
            if value is None:
                fail(
                    field,
                    _("“%(value)s” is not one of %(choices)s.")
                    % {
                        "value": text[:20],
                        "choices": "、".join(str(c.label) for c in CHOICES[field]),
                    },
                )
            else:
                out[field] = value
        if existing is None and "origin" not in out:
            fail("origin", _("say where the person comes back from."))
        phone = str(v.get("phone") or "")
        if phone:
            if not phone.isdigit() or not 7 <= len(phone) <= 12:
                fail("phone", _("a phone number is 7 to 12 digits."))
            out["phone"] = phone
            out["phone_hash"] = self.hash_phone(phone)
        region = str(v.get("origin_region") or "")
        if region:
            if not (region.isdigit() and len(region) in (2, 4, 6)):
                fail("origin_region", _("a region code has 2, 4 or 6 digits."))
            out["origin_region"] = region
        if v.get("travel_14d"):
            out["travel_14d"] = str(v["travel_14d"])[:300]
        if v.get("planned_return") is not None:
            out["planned_return"] = v["planned_return"]
        hours = v.get("transit_hours")
        if hours is not None:
            if not 0 <= hours <= 240:
                fail("transit_hours", _("between 0 and 240 hours."))
            out["transit_hours"] = hours
        if v.get("dormitory"):
            out["dormitory"] = str(v["dormitory"])[:40]
        if errors:
            return None, "；".join(errors.values())
        return out, ""


class RosterImporter(Importer):
    kind = KIND
    title = gettext_lazy("Import the roster from Excel")
    columns = COLUMNS
    key = "id_number"
    url_names = ("workforce:import_upload", "workforce:import", "workforce:import_errors")
    help_template = "workforce/_import_help.html"
    new_label = gettext_lazy("New on the roster")
    existing_label = gettext_lazy("Already on the roster")
    sample_fields = ("name", "id_number", "origin")
    result_label = gettext_lazy("See the roster")
    place_label = gettext_lazy("Enterprise")
    place_help = gettext_lazy("Every row goes onto this enterprise's roster.")
    place_required = True
    personal_data = True

    def result_url(self) -> str:
        return reverse("workforce:roster")

    def may_import(self, user) -> bool:
        return services.roster_enterprises(user, own_only=True).exists()

    def places(self, user) -> list[tuple[int, str]]:
        return list(
            services.roster_enterprises(user, own_only=True)
            .order_by("name")
            .values_list("pk", "name")
        )

    def office_key(self, user) -> str:
        """The header mappings are the enterprise's (its users share them)."""
        ids = sorted(services.roster_enterprises(user, own_only=True).values_list("pk", flat=True))
        return f"enterprise:{ids[0]}" if ids else f"user:{user.pk}"

    def checker(self, user, options: dict) -> RosterCheck:
        return RosterCheck(user, options)

    def sample(self, values: dict) -> dict[str, str]:
        shown = {k: str(v) for k, v in values.items() if k not in HASHES}
        for field, choices in CHOICES.items():  # the preview reads 本地, not "local"
            if values.get(field):
                shown[field] = str(choices(values[field]).label)
        if "id_number" in shown:
            shown["id_number"] = mask_id_number(shown["id_number"])
        if "phone" in shown:
            shown["phone"] = mask_phone(shown["phone"])
        return shown

    def storable(self, values: dict) -> dict:
        return self.storable_many([values])[0]

    def storable_many(self, rows: list[dict]) -> list[dict]:
        """The ID number and the phone sealed (``id_sealed``, ``phone_sealed``) beside their
        hashes: the commit writes them as they are (``services.employees_upsert``), without
        opening or hashing them again. The key is read once a chunk."""
        seal = services.sealer()
        out = []
        for values in rows:  # check() gives plain values only (text, numbers, days)
            row = dict(values)
            row["id_sealed"] = seal(row.pop("id_number"))
            phone = row.pop("phone", "")
            if phone:
                row["phone_sealed"] = seal(phone)
            out.append(row)
        return out

    def restored(self, stored: dict) -> dict:
        row = dict(stored)
        if "id_hash" not in row:  # set aside by a version before the hashes: in clear again
            for name in ("id_number", "phone"):
                if row.get(name):
                    row[name] = decrypt(row[name])
        return row

    def before_commit(self, *, actor, options: dict) -> None:
        if (
            not services.roster_enterprises(actor, own_only=True)
            .filter(pk=options.get("place"))
            .exists()
        ):
            raise JobError(_("You no longer keep this enterprise's roster; nothing was imported."))

    def commit(
        self, *, actor, rows: list[dict], reason: str, options: dict, all_or_nothing: bool
    ) -> Committed:
        enterprise = services.roster_enterprises(actor, own_only=True).get(pk=options["place"])
        done = services.employees_upsert(
            actor=actor, enterprise=enterprise, rows=rows, reason=reason
        )
        if done.refused and all_or_nothing:
            raise JobError(
                _(
                    "Since the check, %(n)s ID numbers were registered under another name, so "
                    "nothing was imported. Check the file again."
                )
                % {"n": len(done.refused)}
            )
        return done
