"""A deterministic, realistic year of returned records for the sample district.

    python -m site_builder.sample --out DIR [--seed N] [--content content] [--until YYYY-MM-DD]
        [--roster FILE] [--key FILE] [--subset]

Writes export files exactly as the app does (DIR/sansong-<card>-<stamp>.json) and one 民主测评 CSV.
Registration ~80–97% per department, mostly before the deadline, some late; 0–10 activities per
member; some missing check-outs, a few wrong codes and late records, a few re-exports and one
correction. --subset writes only the first three cards of each department plus the special cases (the
committed sample/exports); --roster and --key write the synthetic roster and the DEMO check-in key.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import uuid
from pathlib import Path

from site_builder import content as content_loader
from site_builder.errors import ContentErrors, SiteBuilderError
from site_builder.ledger import codes
from site_builder.ledger.archive import atomic_write
from site_builder.sample_people import Person, people, roster_csv
from site_builder.model import Content

TZ = dt.timezone(dt.timedelta(hours=8))
PLEDGES = ["每月参加一次党员活动日，做好{title}工作", "认领{title}，每季度至少服务两次，及时反映居民诉求",
           "发挥专业特长，在{title}岗位上为居民办实事", "带头参与{title}，年内帮助解决一件居民关心的事"]
TOPICS = [("楼道照明", "三号楼楼道灯坏了半个月，老人晚上上下楼不便。"), ("停车", "小区门口车辆乱停，消防通道被占。"),
          ("垃圾分类", "分类垃圾桶数量不够，厨余垃圾经常溢出。"), ("助老", "独居老人反映买药不方便，希望有人定期代购。"),
          ("课后看护", "双职工家庭孩子放学后无人看管。"), ("噪音", "夜间广场舞音响声音太大，影响休息。")]
GRADES = (("优秀", 30), ("合格", 60), ("基本合格", 8), ("不合格", 2))


def demo_key(seed: int) -> bytes:
    """The published DEMO check-in key of the sample district: never use it for real activities."""
    return hashlib.sha256(f"sansong sample district DEMO key {seed}".encode()).digest()


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def stamp(day: dt.date, rng: random.Random, start: int = 8, end: int = 20) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randrange(start, end), rng.randrange(60), rng.randrange(60)), TZ)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


class Year:
    """Builds every member's records; one instance per run, all randomness from one seeded Random."""

    def __init__(self, content: Content, seed: int, until: dt.date):
        self.content, self.rng, self.until = content, random.Random(seed), until
        self.key = demo_key(seed)
        self.year = content.site.year
        self.people = people(content, self.rng)
        self.special: set[str] = set()

    def community_for(self, person: Person) -> str:
        weights = []
        for community in self.content.communities.values():
            weight = 3 if community.key else 1
            weights.append(weight + (6 if person.department in community.liaison else 0))
        return self.rng.choices(list(self.content.communities), weights)[0]

    def registration(self, person: Person, community: str) -> dict:
        rng = self.rng
        if rng.random() < 0.88:
            day = dt.date(self.year, 3, 20) + dt.timedelta(days=rng.randrange(51))
        else:
            day = dt.date(self.year, 5, 11) + dt.timedelta(days=rng.randrange(50))
        record = {"id": new_id(rng), "type": "registration", "schema": 1, "created_at": iso(stamp(day, rng)),
                  "card": person.card, "name": person.name, "department": person.department, "branch": person.branch,
                  "community": community, "basis": rng.choice(["居住地", "单位所在地"]),
                  "consent": {"honour_roll": rng.random() < 0.4, "stories": rng.random() < 0.3}}
        if rng.random() < 0.6:
            record["intentions"] = sorted(rng.sample(sorted(self.content.categories), 2))
        return record

    def claim(self, person: Person, community: str, after: dt.datetime) -> dict | None:
        posts = [p for p in self.content.posts.values() if p.community == community]
        if not posts or self.rng.random() > 0.85:
            return None
        chosen = self.rng.sample(posts, min(len(posts), self.rng.choice((1, 1, 2))))
        made = after + dt.timedelta(days=self.rng.randrange(15), minutes=self.rng.randrange(600))
        return {"id": new_id(self.rng), "type": "claim", "schema": 1, "created_at": iso(made), "card": person.card,
                "community": community, "posts": sorted(p.code for p in chosen),
                "pledge": self.rng.choice(PLEDGES).format(title=chosen[0].title)}

    def checkins(self, person: Person, community: str, after: dt.datetime) -> list[dict]:
        candidates = [a for a in self.content.activities.values()
                      if (a.community == community or a.team) and after.date() < a.date <= self.until]
        count = min(len(candidates), self.rng.choices(range(11), (4, 5, 8, 12, 14, 14, 12, 9, 6, 4, 2))[0])
        return [self.checkin(person, activity) for activity in sorted(self.rng.sample(candidates, count), key=lambda a: a.id)]

    def checkin(self, person: Person, activity) -> dict:
        rng = self.rng
        start = dt.datetime.combine(activity.date, activity.start, TZ) + dt.timedelta(minutes=rng.randrange(-10, 15))
        end = dt.datetime.combine(activity.date, activity.end, TZ) + dt.timedelta(minutes=rng.randrange(-15, 20))
        code = codes.code_for(self.key, activity.id) if rng.random() > 0.02 else f"{rng.randrange(10**6):06d}"
        made = start if rng.random() > 0.03 else start + dt.timedelta(days=rng.randrange(16, 30))
        return {"id": new_id(rng), "type": "checkin", "schema": 1, "created_at": iso(made), "card": person.card,
                "activity": activity.id, "code": code, "checked_in_at": iso(start),
                "checked_out_at": None if rng.random() < 0.08 else iso(end)}

    def diaries(self, person: Person, community: str, after: dt.datetime) -> list[dict]:
        found = []
        for _ in range(self.rng.choice((0, 0, 0, 1, 1, 2, 3))):
            day = after.date() + dt.timedelta(days=self.rng.randrange(1, 150))
            if day > self.until:
                continue
            topic, text = self.rng.choice(TOPICS)
            found.append({"id": new_id(self.rng), "type": "diary", "schema": 1, "created_at": iso(stamp(day, self.rng)),
                          "card": person.card, "community": community, "date": day.isoformat(), "topic": topic,
                          "text": text, "action": "已向社区党委反映", "followup": "下次活动日回访"})
        return found

    def member(self, person: Person, rate: float) -> tuple[list[dict], str | None]:
        if self.rng.random() > rate:
            return [], None
        community = self.community_for(person)
        registration = self.registration(person, community)
        registered = dt.datetime.fromisoformat(registration["created_at"])
        records = [registration]
        claim = self.claim(person, community, registered)
        records += [claim] if claim else []
        records += self.checkins(person, community, registered) + self.diaries(person, community, registered)
        records = [r for r in records if dt.datetime.fromisoformat(r["created_at"]).date() <= self.until]
        return sorted(records, key=lambda r: r["created_at"]), community


def export_file(person: Person, device: str, records: list[dict], moment: dt.datetime) -> tuple[str, bytes]:
    document = {"format": "sansong-records", "version": 1, "exported_at": iso(moment), "device": device,
                "app": "sample", "records": records}
    name = f"sansong-{person.card}-{moment.strftime('%Y%m%d-%H%M%S')}.json"
    return name, (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def exports(year: Year, person: Person, records: list[dict]) -> list[tuple[str, bytes]]:
    """One export after the last record; a quarter also exported earlier (re-export with more records
    later); a few sent the same records twice."""
    rng = year.rng
    device = new_id(rng)
    last = dt.datetime.fromisoformat(records[-1]["created_at"]) + dt.timedelta(days=rng.randrange(1, 8))
    moments = [min(last, dt.datetime.combine(year.until, dt.time(23, 59), TZ))]
    if len(records) > 2 and rng.random() < 0.25:
        middle = dt.datetime.fromisoformat(records[len(records) // 2]["created_at"]) + dt.timedelta(hours=2)
        moments.insert(0, min(middle, moments[0] - dt.timedelta(minutes=5)))
    if rng.random() < 0.03:
        moments.append(moments[-1] + dt.timedelta(hours=1))
    files = []
    for moment in moments:
        files.append(export_file(person, device, [r for r in records if r["created_at"] <= iso(moment)], moment))
    return files


def correction(year: Year, records: list[dict]) -> dict | None:
    """A check-out sent after the check-in was exported: a new record that replaces the first."""
    open_checkins = [r for r in records if r["type"] == "checkin" and r["checked_out_at"] is None]
    if not open_checkins:
        return None
    original = open_checkins[0]
    fixed = dict(original, id=new_id(year.rng), replaces=original["id"])
    checked_in = dt.datetime.fromisoformat(original["checked_in_at"])
    fixed["checked_out_at"] = iso(checked_in + dt.timedelta(hours=2))
    fixed["created_at"] = iso(dt.datetime.fromisoformat(original["created_at"]) + dt.timedelta(days=2))
    return fixed


def evaluation_rows(year: Year, members: list[tuple[Person, str, list[dict]]]) -> bytes:
    period = f"{year.year}H1"
    end = iso(dt.datetime(year.year, 6, 30, 23, 59, tzinfo=TZ))
    lines = ["card,period,community,grade,pledge_done,notes,important"]
    for person, community, records in members:
        if not any(r["type"] == "claim" and r["created_at"] <= end for r in records):
            continue
        grade = year.rng.choices([g for g, _ in GRADES], [w for _, w in GRADES])[0]
        done = "已完成" if grade in ("优秀", "合格") else "部分完成"
        important = "是" if grade == "不合格" else ""
        notes = "群众评价好" if grade == "优秀" else ""
        lines.append(f"{person.card},{period},{community},{grade},{done},{notes},{important}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def generate(content: Content, seed: int, until: dt.date, subset: bool) -> dict[str, bytes]:
    """File name -> bytes of every export file (and the 民主测评 CSV) of the sample year."""
    year = Year(content, seed, until)
    rates = {code: year.rng.uniform(0.80, 0.97) for code in sorted(content.departments)}
    files: dict[str, bytes] = {}
    members: list[tuple[Person, str, list[dict]]] = []
    corrected = False
    for person in year.people:
        records, community = year.member(person, rates[person.department])
        if not records or community is None:
            continue
        written = exports(year, person, records)
        special = not person.on_roster or len(written) > 1 and written[-1][0] != written[0][0] and len(written) == 3
        if not corrected and (fixed := correction(year, records)):
            corrected = special = True
            moment = dt.datetime.fromisoformat(fixed["created_at"]) + dt.timedelta(hours=1)
            written.append(export_file(person, json.loads(written[0][1])["device"], records + [fixed], moment))
        if special or _wrong_code(year, records) or not subset or int(person.card[4:]) <= 3:
            files.update(written)
            members.append((person, community, records))
    files[f"民主测评-{year.year}H1.csv"] = evaluation_rows(year, members)
    return files


def _wrong_code(year: Year, records: list[dict]) -> bool:
    """True for the first two members who typed a wrong code (kept in the subset)."""
    wrong = any(r["type"] == "checkin" and not codes.matches(year.key, r["activity"], r["code"]) for r in records)
    if wrong and len(year.special) < 2:
        year.special.add(records[0]["card"])
        return True
    return False


def load_content(content_dir: Path) -> Content:
    """Content as the sample needs it; story problems (e.g. a missing image) do not matter here."""
    loaded, problems = content_loader.load(content_dir, drafts=True, today=dt.date.today())
    if loaded is None:
        raise ContentErrors(problems)
    return loaded


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m site_builder.sample", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, metavar="DIR", help="folder for the export files")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1: the committed sample)")
    p.add_argument("--content", default="content", metavar="DIR")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="last day with records (default: the programme year's 12-31)")
    p.add_argument("--roster", metavar="FILE", help="also write the synthetic roster.csv here")
    p.add_argument("--key", metavar="FILE", help="also write the DEMO check-in key here")
    p.add_argument("--subset", action="store_true", help="only the committed subset (first three cards per department and special cases)")
    args = p.parse_args(argv)
    try:
        content = load_content(Path(args.content))
    except SiteBuilderError as error:
        print(error)
        return 1
    until = dt.date.fromisoformat(args.until) if args.until else dt.date(content.site.year, 12, 31)
    files = generate(content, args.seed, until, args.subset)
    out = Path(args.out)
    for name, data in sorted(files.items()):
        atomic_write(out / name, data)
    if args.roster:
        atomic_write(Path(args.roster), roster_csv(Year(content, args.seed, until).people))
    if args.key:
        atomic_write(Path(args.key), demo_key(args.seed))
    print(f"wrote {len(files)} files to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
