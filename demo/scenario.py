"""Plausible campaigns to fill branch workbooks with (Scenario, make_scenario, as_sent):
used by the demo inbox and the district-scale benchmark."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from demo.records import (
    LOCAL_OFFSET,
    Absence,
    FillError,
    Grading,
    Meeting,
    Plan,
    Problem,
    Rectification,
    Scenario,
    Talk,
)
from pipeline import contract as C
from pipeline.config import Campaign
from pipeline.people import Member, Roster, evaluated_in_order

TALK_TOPICS = (
    "交流思想和工作情况，听取对支部班子的意见建议",
    "对照“四讲四有”标准相互指出不足，交换改进意见",
    "了解教学教研工作中的困难，征求对“三会一课”的意见",
    "沟通近期思想状况，交流学习六中全会精神的体会",
    "听取对支部组织生活的意见，交流个人查摆的问题",
    "相互提意见：工作作风、发挥先锋模范作用方面的差距",
    "征求对班子成员工作作风的意见，交流整改打算",
    "交流家庭和工作情况，听取对党员日常管理的建议",
)
COMMITTEE_TOPICS = (
    "委员之间交心谈心，相互指出履职中存在的问题",
    "围绕班子问题清单交换意见，把自己摆进去查找不足",
    "相互批评：落实“三会一课”和党员日常管理方面的差距",
    "交流分管工作情况，商议征求意见的汇总和整改思路",
)
PEER_TOPICS = (
    "党员之间相互谈，交流学习体会，互提意见",
    "交流教研工作和思想状况，相互提醒改进",
)
# category → (problem description, rectification item, rectification measure)
TEAM_PROBLEMS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "党性意识和自我要求": (
        ("班子成员政治理论学习抓得不够紧，学习系列讲话精神满足于读原文，联系教研实际不够",
         "加强班子理论学习", "制定年度学习计划，每月开展一次专题学习，书记带头领学并交流心得"),
        ("对照党章党规自我要求不够严格，开展批评和自我批评辣味不足，有怕伤和气的思想",
         "严肃开展批评和自我批评", "组织生活会前逐一谈心，会上点问题、提建议，会后跟踪整改"),
    ),
    "执行上级决定": (
        ("贯彻落实上级党组织部署有时传达多、具体措施少，跟踪督促不够",
         "抓好上级决策部署的落实", "建立任务台账，逐项明确责任人和时间节点，每月通报进展"),
        ("推进“两学一做”学习教育常态化制度化不够平衡，部分安排落实不及时",
         "推进学习教育常态化制度化", "将学习教育纳入支部年度计划，按季度检查落实情况"),
    ),
    "组织生活制度落实（三会一课）": (
        ("“三会一课”有时与业务会议混同，突出政治学习和党性锻炼不够",
         "规范“三会一课”", "支部党员大会、支委会单独召开，党课每季度不少于一次，规范会议记录"),
        ("党课形式较单一，党员参与讨论不充分，组织生活吸引力不强",
         "改进党课和组织生活形式", "结合教研工作开展主题党日和专题研讨，安排党员轮流发言交流"),
    ),
    "党员日常管理": (
        ("对外出培训、退休返聘党员的日常联系和管理不够经常",
         "加强党员日常联系", "建立党员联系制度，支委分片联系党员，每月至少联系一次"),
        ("党费收缴有时靠提醒，党员信息台账更新不及时",
         "规范党费收缴和党员台账", "按月收缴党费并公示，每季度核对更新党员信息"),
    ),
    "谈心谈话中提到的问题": (
        ("党员反映支部活动与教研工作结合不够紧密，针对性不强",
         "推动党建与教研工作融合", "围绕教研重点开展党员示范课、课题攻关等活动"),
        ("青年党员反映支部对其成长关心指导不够，压担子、搭台子不足",
         "加强对青年党员的培养", "为青年党员结对指导老师，安排其承担公开课、课题等任务"),
    ),
}
# aspect → (problem description, commitment measure)
MEMBER_PROBLEMS: dict[str, tuple[tuple[str, str], ...]] = {
    "政治": (
        ("理论学习不够系统，学习六中全会精神停留在面上，联系思想实际不够",
         "每月精读一篇系列讲话，撰写学习笔记，在党小组会上交流"),
        ("政治敏锐性不够强，对网络上的错误言论辨别和抵制不够主动",
         "坚持学习党章党规，关注主流媒体，自觉抵制错误言论"),
    ),
    "执行纪律": (
        ("参加组织生活有时因教学任务请假，组织观念有所淡化",
         "按时参加组织生活，确需请假的事先请假、事后补学"),
        ("对廉洁从教各项规定学习不够深入，有时要求不严",
         "认真学习廉洁从教规定，严格遵守各项纪律要求"),
    ),
    "品德": (
        ("与同事沟通交流不够主动，工作中有时急躁，耐心不够",
         "加强与同事沟通，改进工作方法，做到耐心细致"),
        ("勤俭节约意识有待加强，生活上对自己要求不够严格",
         "严格要求自己，带头勤俭节约，自觉接受监督"),
    ),
    "发挥作用": (
        ("在教研改革中主动担当不够，创新意识不强",
         "主动承担教研改革任务，每学期至少承担一项研究课题或公开课"),
        ("指导青年教师、服务基层学校不够深入，先锋模范作用发挥不明显",
         "结对指导一名青年教师，每学期深入基层学校听课指导不少于十次"),
    ),
}
TEAM_SOURCES = ("自查", "征求意见", "上级指出", "群众反映")
MEMBER_SOURCES = ("自查", "自查", "谈心谈话", "征求意见")
TALK_FORMS = (("当面谈", 85), ("电话", 10), ("视频", 5))
ABSENCE_REASONS = ("外出培训", "因病住院", "出国访学", "借调外单位", "因公出差")


# --- scenario generation --------------------------------------------------------------------


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A date drawn between first and last inclusive (first when the span is empty)."""
    span = max((last - first).days, 0)
    return first + dt.timedelta(days=rng.randint(0, span))


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _deadlines_after(campaign: Campaign) -> list[dt.date]:
    """Plausible 完成时限: quarter ends of the campaign year after the member meeting."""
    meeting = campaign.deadline("member_meeting")
    ends = [dt.date(campaign.year, m, d) for m, d in ((6, 30), (9, 30), (12, 31))]
    return [d for d in ends if d > meeting] or [meeting + dt.timedelta(days=90)]


def _cap_base(campaign: Campaign, members: Sequence[Member]) -> int:
    denominator = campaign.excellent_cap.denominator
    if denominator == "全体党员":
        return len(members)
    if denominator == "测评对象":
        return sum(1 for m in members if m.evaluated)
    return sum(1 for m in members if m.full)


def _vote_weights(campaign: Campaign, grade: str) -> list[tuple[str, int]]:
    excellent, qualified, basic, unqualified = campaign.grades
    if grade == excellent:
        return [(excellent, 70), (qualified, 26), ("", 4)]
    if grade == basic:
        return [(qualified, 33), (basic, 55), (unqualified, 6), ("", 6)]
    return [(excellent, 12), (qualified, 82), (basic, 2), ("", 4)]


def _column(rng: random.Random, campaign: Campaign, grade: str, voters: int) -> list[str]:
    """One member's votes whose plurality is `grade` (votes inform the grading, R-G3)."""
    weights = _vote_weights(campaign, grade)
    for _ in range(200):
        votes = [_weighted(rng, weights) for _ in range(voters)]
        counts = Counter(v for v in votes if v)
        top = counts.get(grade, 0)
        if all(top > n for g, n in counts.items() if g != grade) and top * 2 > voters:
            return votes
    raise RuntimeError("could not draw a consistent ballot column")  # pragma: no cover


def _draw_plan(rng: random.Random, members: Sequence[Member]) -> Plan:
    """The random choices of a branch: at most one absentee, a blank ballot, a 基本合格."""
    ordinary = [m for m in members if m.evaluated and not m.branch_committee
                and not m.general_committee]
    absences: dict[str, Absence] = {}
    if ordinary and rng.random() < 0.35:
        m = rng.choice(ordinary)
        absences[m.name] = Absence(rng.choice(ABSENCE_REASONS))
    basic: list[str] = []
    candidates = [m for m in ordinary if m.name not in absences]
    if candidates and rng.random() < 0.3:
        basic.append(rng.choice(candidates).name)
    return Plan(absences=absences, blank_ballots=1 if rng.random() < 0.2 else 0, basic=basic)


def make_scenario(campaign: Campaign, roster: Roster, branch: str | None, rng: random.Random,
                  plan: Plan | None = None) -> Scenario:
    """A plausible, valid campaign for one branch (branch None or 党总支: the 总支's own)."""
    if branch is None or branch == C.GENERAL_BRANCH:
        return _general_scenario(campaign, roster, rng, plan or Plan())
    members = roster.of_branch(branch)
    if not members:
        raise FillError(f"名册中没有“{branch}”的党员")
    drawn = _draw_plan(rng, members)
    plan = plan or drawn
    absences = dict(plan.absences if plan.absences is not None else drawn.absences or {})
    blank = plan.blank_ballots if plan.blank_ballots is not None else drawn.blank_ballots or 0
    basic = list(plan.basic if plan.basic is not None else drawn.basic or [])
    committee = [m for m in members if m.branch_committee]
    committee.sort(key=lambda m: (not m.secretary, members.index(m)))

    s = Scenario(branch=branch, general=False, absences=absences)
    s.talks = _talks(campaign, rng, members, committee)
    team = _team_problems(campaign, rng)
    s.problems = team + _member_problems(campaign, rng, members, len(team))
    _ballots_and_grades(campaign, rng, s, members, blank, basic)
    owner = committee[0].name if committee else C.BRANCH_SECRETARY
    s.rectifications = _rectifications(campaign, rng, s.problems, committee, owner)
    s.meetings = _meetings(campaign, rng, members, committee, absences)
    s.saved = plan.saved or _saved(campaign, rng)
    s.author = f"{branch}组织委员"
    return s


def _general_scenario(campaign: Campaign, roster: Roster, rng: random.Random,
                      plan: Plan) -> Scenario:
    committee = roster.general_committee()
    s = Scenario(branch=C.GENERAL_BRANCH, general=True)
    s.talks = _talks(campaign, rng, committee, committee)
    s.problems = _team_problems(campaign, rng)
    owner = committee[0].name if committee else C.GENERAL_SECRETARY
    s.rectifications = _rectifications(campaign, rng, s.problems, committee, owner)
    study = campaign.deadline("study")
    total = len(roster.members)
    s.meetings = [
        Meeting("集中学习", study, total, total - rng.randint(0, min(3, total))),
        Meeting("总支委员会", campaign.deadline("committee_meetings"), len(committee),
                len(committee)),
    ]
    s.saved = plan.saved or _saved(campaign, rng)
    s.author = f"{campaign.organisation}办公室"
    return s


def _saved(campaign: Campaign, rng: random.Random) -> dt.datetime:
    day = campaign.deadline("grading") - dt.timedelta(days=rng.randint(0, 3))
    return dt.datetime.combine(day, dt.time(9, 0)) + dt.timedelta(minutes=rng.randint(0, 480))


def _talks(campaign: Campaign, rng: random.Random, members: Sequence[Member],
           committee: Sequence[Member]) -> list[Talk]:
    """R-T1 every committee pair, R-T2 every member with a committee member, a few peer talks."""
    start = (campaign.plan_date or campaign.deadline("self_check")) + dt.timedelta(days=5)
    end = campaign.deadline("talks")
    mid = start + (end - start) / 2
    talks: list[Talk] = []
    for i, a in enumerate(committee):
        for b in committee[i + 1:]:
            talks.append(Talk(a.name, b.name, _day(rng, start, mid), "当面谈",
                              rng.choice(COMMITTEE_TOPICS)))
    names = {m.name for m in committee}
    others = [m for m in members if m.name not in names]
    for m in others:
        if committee:
            # 支部书记要带头谈: the secretary takes about 40% of the talks
            talker = committee[0] if rng.random() < 0.4 else rng.choice(committee)
            talks.append(Talk(talker.name, m.name, _day(rng, start, end),
                              _weighted(rng, TALK_FORMS), rng.choice(TALK_TOPICS)))
    for _ in range(len(others) // 8):
        a, b = rng.sample(others, 2)
        talks.append(Talk(a.name, b.name, _day(rng, mid, end), "当面谈", rng.choice(PEER_TOPICS)))
    talks.sort(key=lambda t: t.date)
    return talks


def _team_problems(campaign: Campaign, rng: random.Random) -> list[Problem]:
    problems: list[Problem] = []
    for category in campaign.branch_problem_categories:
        bank = TEAM_PROBLEMS.get(category) or (
            (f"在“{category}”方面还存在差距，工作标准不够高", f"改进{category}",
             f"对照要求制定{category}方面的具体措施，明确责任人和时限"),)
        count = 2 if len(bank) > 1 and rng.random() < 0.3 else 1
        for text, _, _ in rng.sample(bank, count):
            source = "谈心谈话" if "谈心谈话" in category else rng.choice(TEAM_SOURCES)
            problems.append(Problem(f"Q{len(problems) + 1}", C.TEAM, category, text, source))
    return problems


def _member_problems(campaign: Campaign, rng: random.Random, members: Sequence[Member],
                     n: int) -> list[Problem]:
    """One problem (sometimes two) per evaluated member; codes continue after Q{n}."""
    problems: list[Problem] = []
    for m in members:
        if not m.evaluated:
            continue
        aspects = rng.sample(campaign.member_aspects, 2 if rng.random() < 0.15 else 1)
        for aspect in aspects:
            bank = MEMBER_PROBLEMS.get(aspect) or ((f"在{aspect}方面对照标准还有差距", ""),)
            n += 1
            problems.append(Problem(f"Q{n}", m.name, aspect, rng.choice(bank)[0],
                                    rng.choice(MEMBER_SOURCES)))
    return problems


def _ballots_and_grades(campaign: Campaign, rng: random.Random, s: Scenario,
                        members: Sequence[Member], blank: int, basic: Sequence[str]) -> None:
    excellent, qualified, basic_grade, _ = campaign.grades
    columns = evaluated_in_order(members)
    present = [m for m in columns if m.name not in s.absences]
    voters = sum(1 for m in members if m.name not in s.absences)  # 正式+预备, 出席
    cap = campaign.excellent_cap.cap(_cap_base(campaign, members))
    pool = [m for m in present if m.name not in basic]
    k = min(cap, len(pool), max(1, round(len(present) * 0.22)))
    best = {m.name for m in rng.sample(pool, k)}
    intended = {m.name: excellent if m.name in best else basic_grade if m.name in basic
                else qualified for m in present}

    s.ballot_names = [m.name for m in columns]
    filled = voters - blank
    votes = {m.name: _column(rng, campaign, intended[m.name], filled) if m.name in intended
             else [""] * filled for m in columns}
    ballots = [[votes[n][i] for n in s.ballot_names] for i in range(filled)]
    for _ in range(blank):
        ballots.insert(rng.randint(0, len(ballots)), [""] * len(columns))
    s.ballots = ballots

    first = campaign.deadline("member_meeting") + dt.timedelta(days=3)
    last = campaign.deadline("grading") - dt.timedelta(days=1)
    for m in members:
        absent = s.absences.get(m.name)
        if not m.evaluated:
            why = ("预备党员参加民主评议，不评定等次" if not m.full
                   else "已参加年度民主生活会的党员领导干部，不评定等次")
            s.gradings.append(Grading(m.name, campaign.not_graded, why))
        elif absent and absent.makeup is None:
            s.gradings.append(Grading(m.name, campaign.pending,
                                      f"{absent.reason}，未参加民主评议，待补课后评定"))
        elif absent and absent.makeup is not None:
            day = absent.makeup
            s.gradings.append(Grading(
                m.name, qualified, f"{absent.reason}缺席民主评议，已于{day.month}月{day.day}日补课，"
                "补课后评定", feedback=_day(rng, max(first, day), last)))
        else:
            grade = intended[m.name]
            reason = {excellent: "民主测评优秀票多，工作表现突出，予以表扬",
                      basic_grade: "民主测评基本合格票较多；参加组织生活不够经常，发挥作用不明显，"
                                   "已指出差距、帮助改进"}.get(grade, "")
            s.gradings.append(Grading(m.name, grade, reason, feedback=_day(rng, first, last)))


def _rectifications(campaign: Campaign, rng: random.Random, problems: Sequence[Problem],
                    committee: Sequence[Member], owner: str) -> list[Rectification]:
    """四明确 for every 班子 problem; an 整改承诺 for every member with a problem (R-R4)."""
    rows: list[Rectification] = []
    ends = _deadlines_after(campaign)
    done: set[str] = set()
    for p in problems:
        if p.target == C.TEAM:
            bank = TEAM_PROBLEMS.get(p.category, ())
            item, measure = next(((i, ms) for d, i, ms in bank if d == p.description),
                                 (f"整改{p.category}方面的问题", "明确措施，按期整改，接受党员监督"))
            who = rng.choice([owner, owner, *(m.name for m in committee)])
            rows.append(Rectification(f"Z{len(rows) + 1}", p.code, C.TEAM, item, measure, who,
                                      rng.choice(ends), rng.choice(("推进中", "推进中", "长期坚持"))))
        elif p.target not in done:
            done.add(p.target)
            bank_m = MEMBER_PROBLEMS.get(p.category, ())
            measure = next((ms for d, ms in bank_m if d == p.description),
                           "对照问题逐条整改，接受党员群众监督")
            rows.append(Rectification(f"Z{len(rows) + 1}", p.code, p.target,
                                      f"整改承诺：{p.category}方面", measure, p.target,
                                      ends[-1], rng.choice(("长期坚持", "推进中"))))
    return rows


def _meetings(campaign: Campaign, rng: random.Random, members: Sequence[Member],
              committee: Sequence[Member], absences: Mapping[str, Absence]) -> list[Meeting]:
    n = len(members)
    committee_day = campaign.deadline("committee_meetings")
    meeting = campaign.deadline("member_meeting")
    rows = [
        Meeting("集中学习", campaign.deadline("study"), n, n - rng.randint(0, min(2, n))),
        # 先召开支委会，再参加党总支委员会 (held on the committee deadline, R-M1)
        Meeting("支委会", _day(rng, committee_day - dt.timedelta(days=5),
                            committee_day - dt.timedelta(days=1)), len(committee), len(committee)),
    ]
    groups = list(dict.fromkeys(m.group for m in members))
    for g in groups:
        size = sum(1 for m in members if m.group == g)
        away = sum(1 for m in members if m.group == g and m.name in absences)
        rows.append(Meeting("党小组会", meeting, size, size - away))
    rows.append(Meeting("党员大会", meeting, n, n - len(absences)))
    return rows


# --- deliberate defects (warnings) ------------------------------------------------------------


def add_late_talk(scenario: Scenario, campaign: Campaign, rng: random.Random,
                  days: int = 2) -> Talk:
    """Append a peer talk dated `days` after the talks deadline (R-T4 warning)."""
    names = sorted({t.talkee for t in scenario.talks} | {t.talker for t in scenario.talks})
    a, b = rng.sample(names, 2)
    talk = Talk(a, b, campaign.deadline("talks") + dt.timedelta(days=days), "当面谈",
                "会后补充谈话，交流查摆问题和整改打算")
    scenario.talks.append(talk)
    return talk


def drop_talks_between(scenario: Scenario, a: str, b: str) -> int:
    """Remove every talk between a and b, either direction (an R-T1 warning); the count."""
    keep = [t for t in scenario.talks if {t.talker, t.talkee} != {a, b}]
    removed = len(scenario.talks) - len(keep)
    scenario.talks = keep
    return removed


def with_grade(scenario: Scenario, name: str, grade: str) -> Scenario:
    """A copy whose 组织评定 shows `grade` for `name` (e.g. a mistyped grade)."""
    gradings = [replace(g, grade=grade) if g.name == name else g for g in scenario.gradings]
    return replace(scenario, gradings=gradings)


def local_day(saved: dt.datetime) -> dt.date:
    """The Beijing date of a saved time (naive UTC, as docProps/core.xml stores it)."""
    if saved.tzinfo is not None:
        saved = saved.astimezone(dt.UTC).replace(tzinfo=None)
    return (saved + LOCAL_OFFSET).date()


def as_sent(scenario: Scenario, saved: dt.datetime) -> Scenario:
    """The scenario as the branch had it in a workbook saved at `saved` (naive UTC): a copy
    holding only the talks and meetings held by then (Beijing date) and no 补课 date still in the
    future; everything else as in the final scenario. Which sheets an earlier send has filled
    in at all is fill_workbook's `sheets`."""
    day = local_day(saved)
    absences = {name: replace(a, makeup=a.makeup if a.makeup and a.makeup <= day else None)
                for name, a in scenario.absences.items()}
    return replace(scenario, saved=saved, absences=absences,
                   talks=[t for t in scenario.talks if t.date <= day],
                   meetings=[m for m in scenario.meetings if m.date <= day])


# --- filling ----------------------------------------------------------------------------------
