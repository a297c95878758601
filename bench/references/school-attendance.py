"""Reference components for examples/school-attendance, written by hand from its statements (bench/references.py)."""


def make_attendance_rates(attendance):
    days, present = {}, {}
    for a in attendance:
        days[a["pupil_id"]] = days.get(a["pupil_id"], 0) + 1
        present[a["pupil_id"]] = present.get(a["pupil_id"], 0) + bool(a["present"])
    return [{"pupil_id": p, "days_recorded": n, "days_present": present[p], "rate_pct": round(100 * present[p] / n, 1)}
            for p, n in days.items()]


def make_home_visits(attendance_rates, pupils):
    rates = {r["pupil_id"]: r["rate_pct"] for r in attendance_rates}
    return [{"pupil_id": p["pupil_id"], "name": p["name"], "rate_pct": rates[p["pupil_id"]]}
            for p in pupils if p["pupil_id"] in rates and rates[p["pupil_id"]] < 80]


def make_class_presence(attendance, pupils):
    classes = {p["pupil_id"]: p["class_name"] for p in pupils}
    counts = {}
    for a in attendance:
        if a["pupil_id"] in classes:
            key = (classes[a["pupil_id"]], a["day"])
            counts[key] = counts.get(key, 0) + bool(a["present"])
    return [{"class_name": c, "day": d, "present": n} for (c, d), n in sorted(counts.items())]


def make_absence_runs(attendance):
    by_pupil = {}
    for a in sorted(attendance, key=lambda a: a["day"]):
        by_pupil.setdefault(a["pupil_id"], []).append(a["present"])
    runs = []
    for pupil, register in by_pupil.items():
        longest = current = 0
        for present in register:
            current = 0 if present else current + 1
            longest = max(longest, current)
        if longest >= 3:
            runs.append({"pupil_id": pupil, "longest_run": longest})
    return runs
