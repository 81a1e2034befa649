"""Two believable years of a county education bureau's receptions, for trying the app.

Everything goes through LedgerService, like a real clerk and leader would: saved,
submitted with explanations where a rule was broken, approved (a few left waiting,
one returned). Spending falls by about a fifth from last year to this year.

The demo works with users of its own, never an existing one. On a ledger without users it
creates an administrator, a clerk and a leader with the published ``DEMO_PASSWORD``. On a
ledger that has users only a logged-in administrator may run it, and the demo clerk and
leader (named so they clash with no existing user) get a random password shown once.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from ledger.i18n import tr
from ledger.preapproval import Plan, PlannedMeal
from ledger.records import Bureau, LedgerQuery, Meal, Person, Reception, Role, User
from ledger.service import LedgerService, PermissionDenied, WorkflowError
from ledger.text import clean_line, person_key

DEMO_PASSWORD = "demo1234"
ADMIN, CLERK, APPROVER = "管理员", "李会计", "张副局长"

VISITORS: list[tuple[str, str, str, int]] = [
    # visiting unit, activity, activity kind, usual party size
    ("市教育局", "义务教育均衡发展督导检查", "检查指导", 6),
    ("市教育局基础教育科", "春季开学工作检查", "检查指导", 4),
    ("省教育厅督导组", "县域义务教育优质均衡发展评估", "检查指导", 8),
    ("市教育科学研究院", "高三教学视导", "检查指导", 5),
    ("邻县教育局", "集团化办学经验交流", "学习交流", 7),
    ("市财政局教科文科", "教育经费使用情况调研", "考察调研", 3),
    ("市审计局", "教育专项资金审计进点", "执行任务", 5),
    ("市纪委监委驻教育局纪检组", "落实中央八项规定精神监督检查", "检查指导", 4),
    ("县人大教科文卫工委", "学前教育发展情况调研", "考察调研", 6),
    ("市教育局体卫艺科", "中小学体育工作专项调研", "考察调研", 3),
    ("省电化教育馆", "智慧校园建设现场会", "出席会议", 12),
    ("市教育考试院", "中考考务巡视", "执行任务", 4),
    ("对口帮扶县教育局", "教育帮扶工作对接", "学习交流", 9),
    ("市教育局安全科", "校园安全专项检查", "检查指导", 5),
    ("师范大学教育学院", "实习基地建设洽谈", "学习交流", 4),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文斌建国志红海燕春梅"
TITLES = ("科长", "副科长", "督学", "科员", "副处长", "主任", "副主任", "教研员", "处长")
OUR_COMPANIONS = [
    ("王局长", "局长"),
    ("张副局长", "副局长"),
    ("陈主任", "办公室主任"),
    ("刘科长", "基教股股长"),
    ("赵科长", "督导室主任"),
    ("孙校长", "县一中校长"),
    ("周科长", "计财股股长"),
]
VENUES: list[tuple[str, str, int]] = [
    # venue, venue type, weight
    ("局机关食堂", "机关食堂", 45),
    ("县第一中学教工食堂", "学校食堂", 20),
    ("县实验小学食堂", "学校食堂", 12),
    ("县职业中学食堂", "学校食堂", 8),
    ("县政府接待定点饭店", "定点饭店", 14),
    ("金悦大酒店", "高档酒店", 1),
]
MONTH_WEIGHTS = [4, 3, 10, 11, 11, 10, 4, 3, 12, 11, 11, 10]  # school terms and inspection seasons


@dataclass(frozen=True)
class DemoSummary:
    receptions: int
    years: tuple[int, ...]
    users: tuple[str, ...]  # the users the demo created
    password: str  # theirs: DEMO_PASSWORD on a ledger that had no users, else a random one


def _person(rng: random.Random, unit: str) -> Person:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return Person(name, unit, rng.choice(TITLES))


def _free_name(base: str, taken: set[str]) -> str:
    """``base``, or ``base（示例）``, ``base（示例2）``… whichever no user has as name or display name."""
    keys = {person_key(t) for t in taken}  # names compare as the ledger stores them (ledger.text)
    name, n = clean_line(base), 1
    while person_key(name) in keys:
        name = clean_line(base + (tr("（示例）") if n == 1 else tr("（示例{n}）").format(n=n)))
        n += 1
    taken.add(name)
    return name


def _demo_users(service: LedgerService, actor: User | None) -> tuple[dict[str, User], tuple[str, ...], str]:
    """The demo's administrator, clerk and leader; the names created and their password."""
    existing = service.users()
    if actor is None:
        if existing:
            raise PermissionDenied(tr("此账本已有用户：请以管理员身份登录后再生成示例数据"))
        password = DEMO_PASSWORD
        admin = service.add_user(None, ADMIN, ADMIN, {Role.ADMIN}, password)
        created: list[str] = [admin.username]
    else:
        if not actor.has(Role.ADMIN):
            raise PermissionDenied(tr("只有管理员可以生成示例数据"))
        password = secrets.token_urlsafe(9)
        while password.startswith("-"):  # typed after --password, it would read as an option
            password = secrets.token_urlsafe(9)
        admin, created = actor, []
    taken = {u.username for u in existing} | {u.display_name for u in existing} | {admin.username}
    if not service.bureau().name:
        service.update_bureau(
            admin, Bureau(name="XX县教育局", supervision_phone="0000-12345678", posting_days=5)
        )
    users = {"admin": admin}
    for key, base, role in (("clerk", CLERK, Role.CLERK), ("approver", APPROVER, Role.APPROVER)):
        name = _free_name(base, taken)
        users[key] = service.add_user(admin, name, name, {role}, password)
        created.append(name)
    return users, tuple(created), password


def _reception(rng: random.Random, on: date, level: Decimal) -> Reception:
    unit, activity, kind, size = rng.choice(VISITORS)
    guests = max(1, size + rng.randint(-2, 2))
    companions = min(3, max(1, guests // 3 + rng.randint(0, 1))) if guests <= 10 else max(1, guests // 3)
    venue, venue_type, _ = rng.choices(VENUES, weights=[v[2] for v in VENUES])[0]
    diners = guests + companions
    per_head = Decimal(rng.randint(28, 48)) * level
    amount = (per_head * diners).quantize(Decimal("1"))
    letter_no = f"{unit[:2]}函〔{on.year}〕{rng.randint(3, 160)}号"
    phone = ""
    if rng.random() < 0.08:
        letter_no, phone = "", f"{on:%m月%d日}上午{unit}办公室电话通知，记录人：陈主任"
    reception = Reception(
        reception_date=on,
        visiting_unit=unit,
        activity=activity,
        activity_kind=kind,
        letter_no=letter_no,
        letter_title=f"关于开展{activity}的函" if letter_no else "",
        phone_record=phone,
        guest_count=guests,
        guests=tuple(_person(rng, unit) for _ in range(guests)),
        companion_count=companions,
        companions=tuple(Person(n, "XX县教育局", t) for n, t in rng.sample(OUR_COMPANIONS, companions)),
        staff=(Person("李司机", "XX县教育局", "驾驶员"),) if rng.random() < 0.3 else (),
        meals=(Meal(on, "lunch", venue, venue_type, diners, amount),),
        transport=Decimal(rng.choice((0, 0, 0, 60, 120, 180))),
        payment_method=rng.choice(("公务卡", "公务卡", "公务卡", "转账")),
    )
    roll = rng.random()
    explanations: dict[str, str] = {}
    if roll < 0.04:  # one companion too many
        reception = replace(reception, companion_count=companions + 1 if guests <= 10 else guests // 3 + 1)
        explanations["companions_over_cap"] = "分管业务股室负责人临时陪同汇报工作，已按规定说明。"
    elif roll < 0.08:  # the bill ran over the meal cap
        over = Meal(on, "lunch", venue, venue_type, diners, Decimal(50 * diners + rng.randint(20, 160)))
        reception = replace(reception, meals=(over,))
        explanations["meal_over_cap"] = "来访人员临时增加，按实际就餐结算，超标部分已由个人承担。"
    elif roll < 0.10:  # a two-day inspection with a second meal
        second = Meal(on + timedelta(days=1), "lunch", "局机关食堂", "机关食堂", diners, Decimal(40 * diners))
        reception = replace(reception, end_date=on + timedelta(days=1), meals=(*reception.meals, second))
        explanations["too_many_meals"] = "督导检查持续两天，第二天中午在机关食堂安排工作餐。"
    elif roll < 0.11:
        tobacco = Meal(on, "dinner", venue, venue_type, diners, amount, Decimal(rng.randint(120, 380)))
        reception = replace(reception, meals=(tobacco,))
        explanations["tobacco_alcohol"] = "经核实为违规消费，烟酒费用已由个人全额承担并作检讨。"
    if venue_type == "高档酒店":
        explanations["luxury_venue"] = "定点饭店停业装修，临时改在该酒店用餐，已向纪检组报备。"
    if not letter_no and not phone:
        explanations["missing_official_letter"] = "来访单位电话通知，已补登记。"
    if rng.random() < 0.02:
        reception = replace(
            reception, classified=True, classified_reason="涉及考试命题工作，按保密规定不予公开"
        )
    return replace(reception, explanations=explanations)


def _plan_of(reception: Reception, rng: random.Random) -> Plan:
    """The pre-approval a clerk would have written for this reception: 40 yuan a head planned."""
    meals = tuple(
        PlannedMeal(m.date, m.kind, m.venue, m.venue_type, m.diners, Decimal("40.00")) for m in reception.meals
    )
    plan = Plan(
        start_date=reception.reception_date,
        end_date=reception.end_date,
        visiting_unit=reception.visiting_unit,
        activity=reception.activity,
        activity_kind=reception.activity_kind,
        letter_no=reception.letter_no,
        phone_record=reception.phone_record,
        guest_count=reception.guest_count,
        guests=reception.guests,
        companion_count=reception.companion_count,
        companions=reception.companions,
        meals=meals,
        budget=sum((m.amount for m in meals), Decimal("0")) + reception.transport,
    )
    if rng.random() < 0.15:  # a visitor more came than the letter announced
        plan = replace(plan, guest_count=max(1, plan.guest_count - 1), guests=plan.guests[:-1])
    return plan


def _pre_approved(
    service: LedgerService,
    rng: random.Random,
    reception: Reception,
    clerk: User,
    approver: User,
    at: Callable[[date, int], None],
) -> Reception:
    """Record and approve the plan a few days before the reception; start the reception from it."""
    on = reception.reception_date
    at(on - timedelta(days=rng.randint(4, 7)), 10)
    plan = service.submit_plan(clerk, _plan_of(reception, rng))
    at(on - timedelta(days=rng.randint(1, 3)), 16)
    plan = service.approve_plan(approver, plan.id, "同意，严格按标准接待。")  # type: ignore[arg-type]
    return replace(reception, plan_id=plan.id)


def _plans_in_hand(
    service: LedgerService,
    rng: random.Random,
    clerk: User,
    approver: User,
    today: date,
    at: Callable[[date, int], None],
) -> None:
    """Letters just arrived: a plan waiting for the leader, one still a draft, one called off."""
    visits = (
        (VISITORS[2], today + timedelta(days=6), "submit"),
        (VISITORS[4], today + timedelta(days=9), "draft"),
        (VISITORS[7], today + timedelta(days=3), "void"),
    )
    for index, ((unit, activity, kind, size), on, state) in enumerate(visits):
        at(today, 9 + index)
        guests = tuple(_person(rng, unit) for _ in range(size))
        plan = Plan(
            start_date=on,
            visiting_unit=unit,
            activity=activity,
            activity_kind=kind,
            letter_no=f"{unit[:2]}函〔{on.year}〕{170 + index}号",
            guest_count=size,
            guests=guests,
            companion_count=2,
            companions=(Person("王局长", "XX县教育局", "局长"), Person("陈主任", "XX县教育局", "办公室主任")),
            meals=(PlannedMeal(on, "lunch", "局机关食堂", "机关食堂", size + 2, Decimal("40.00")),),
            budget=Decimal(40 * (size + 2)),
        )
        if state == "draft":
            service.save_plan(clerk, plan)
            continue
        plan = service.submit_plan(clerk, plan)
        if state == "void":
            plan = service.withdraw_plan(clerk, plan.id)  # type: ignore[arg-type]
            service.void_plan(clerk, plan.id, "对方来电取消来访")  # type: ignore[arg-type]


def fill_demo(
    service: LedgerService,
    *,
    actor: User | None = None,
    this_year: int | None = None,
    progress: Callable[[int, int], bool] | None = None,
    seed: int = 2025,
) -> DemoSummary:
    """Fill an empty ledger. ``progress(done, total)`` may return False to stop early.

    ``actor`` is the logged-in administrator; without one the ledger must have no users.
    """
    if service.count_and_total(LedgerQuery())[0]:
        raise WorkflowError(tr("示例数据只能生成到空账本中：此账本已有接待记录"))
    users, created, password = _demo_users(service, actor)
    today = date.today()
    this_year = this_year or today.year
    last_day = min(today, date(this_year, 12, 31)) if this_year == today.year else date(this_year, 12, 31)
    rng = random.Random(seed)
    plan: list[tuple[date, Decimal]] = []
    for year, count, level in ((this_year - 1, 150, Decimal("1.00")), (this_year, 145, Decimal("0.76"))):
        for _ in range(count):
            month = rng.choices(range(1, 13), weights=MONTH_WEIGHTS)[0]
            day = rng.randint(1, 28)
            on = date(year, month, day)
            if on.weekday() >= 5:
                on -= timedelta(days=on.weekday() - 4)
            if on <= last_day:
                plan.append((on, level))
    plan.sort()
    clerk, approver = users["clerk"], users["approver"]
    done = 0
    returned_one = False
    real_clock = service.clock
    started = real_clock()
    moment = started

    def at(day: date, hour: int) -> None:
        """Date what the service writes next: the clerk and the leader work after the reception."""
        nonlocal moment
        moment = min(datetime.combine(day, time(hour, rng.randint(0, 59))), started)

    service.clock = lambda: moment
    try:
        for index, (on, level) in enumerate(plan):
            if progress and progress(index, len(plan)) is False:
                break
            reception = _reception(rng, on, level)
            if on.year == this_year and on.month >= 9 and on >= started.date() - timedelta(days=120):
                reception = _pre_approved(service, rng, reception, clerk, approver, at)
            at(on + timedelta(days=rng.randint(0, 1)), rng.randint(14, 17))
            saved = service.save(clerk, reception)
            age = (last_day - on).days
            if age <= 3 and rng.random() < 0.5:
                done += 1
                continue  # still a draft
            at(on + timedelta(days=rng.randint(1, 2)), rng.randint(9, 11))
            submitted = service.submit(clerk, saved)
            at(on + timedelta(days=rng.randint(2, 5)), rng.randint(15, 17))
            if age <= 20 and not returned_one:
                service.return_reception(approver, submitted.id, "请补充公函扫描件后再提交。")  # type: ignore[arg-type]
                returned_one = True
            elif age <= 10 and rng.random() < 0.6:
                pass  # waiting in the leader's queue
            else:
                service.approve(approver, submitted.id, "同意。")  # type: ignore[arg-type]
                posted = moment.date() + timedelta(days=1)  # on the noticeboard the next day
                if posted <= started.date():
                    service.mark_posted(clerk, [submitted.id], posted)  # type: ignore[list-item]
            done += 1
        _plans_in_hand(service, rng, clerk, approver, started.date(), at)
    finally:
        service.clock = real_clock
    if progress:
        progress(len(plan), len(plan))
    years = tuple(sorted({on.year for on, _ in plan}))
    return DemoSummary(done, years, created, password)
