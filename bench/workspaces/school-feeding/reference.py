"""Hand-written reference components for this workspace: one function per output collection, for checking the
examples (tests/test_bench_workspaces.py). The builder never sees this file."""


def make_fed_pupils(meals):
    portions = {}
    for meal in meals:
        key = (meal["pupil_id"], meal["served_on"])
        full, half = portions.get(key, (0, 0))
        portions[key] = (full + (meal["portion"] == "full"), half + (meal["portion"] == "half"))
    return [{"pupil_id": p, "served_on": d} for (p, d), (full, half) in portions.items() if full >= 1 or half >= 2]


def make_class_rates(pupils, fed_pupils, meals):
    days = sorted({m["served_on"] for m in meals})
    fed = {(f["pupil_id"], f["served_on"]) for f in fed_pupils}
    classes = {}
    for pupil in pupils:
        classes.setdefault(pupil["class_name"], []).append(pupil["pupil_id"])
    return [{"class_name": name, "served_on": day,
             "fed_pct": round(100 * sum((p, day) in fed for p in members) / len(members), 1)}
            for name, members in classes.items() for day in days]


def make_missed_meals(pupils, fed_pupils, meals):
    days = {m["served_on"] for m in meals}
    fed = {(f["pupil_id"], f["served_on"]) for f in fed_pupils}
    missed = []
    for pupil in pupils:
        count = sum((pupil["pupil_id"], day) not in fed for day in days)
        if count >= 2:
            missed.append({"pupil_id": pupil["pupil_id"], "name": pupil["name"], "days_missed": count})
    return missed


def make_maize_used(meals):
    used = {}
    for meal in meals:
        used[meal["served_on"]] = used.get(meal["served_on"], 0) + (0.2 if meal["portion"] == "full" else 0.1)
    return [{"served_on": day, "kg": round(kg, 2)} for day, kg in used.items()]
