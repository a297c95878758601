"""Reference components for examples/clinic-vaccines, written by hand from its statements (bench/references.py)."""

import datetime as dt


def _day(text):
    return dt.date.fromisoformat(text)


def make_child_ages(children, clinic_days):
    ages = []
    for day in clinic_days:
        for child in children:
            ages.append({"child_id": child["child_id"], "age_weeks": (_day(day["day"]) - _day(child["born_on"])).days // 7})
    return ages


def make_measles_due(child_ages, children, doses):
    measles = {d["child_id"] for d in doses if d["vaccine"] == "measles"}
    old_enough = {a["child_id"] for a in child_ages if a["age_weeks"] >= 39}
    return [{"child_id": c["child_id"], "name": c["name"]} for c in children
            if c["child_id"] in old_enough and c["child_id"] not in measles]


def make_monthly_doses(clinic_days, doses):
    counts = {}
    for day in clinic_days:
        month = _day(day["day"]).replace(day=1)
        for dose in doses:
            if _day(dose["given_on"]).replace(day=1) == month:
                counts[dose["vaccine"]] = counts.get(dose["vaccine"], 0) + 1
    return [{"vaccine": v, "doses": n} for v, n in counts.items()]


def make_never_vaccinated(children, doses):
    dosed = {d["child_id"] for d in doses}
    return [{"child_id": c["child_id"], "name": c["name"]} for c in children if c["child_id"] not in dosed]
