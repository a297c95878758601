"""Hand-written reference components for this workspace: one function per output collection, for checking the
examples (tests/test_bench_workspaces.py). The builder never sees this file."""


def make_high_pressure_visits(visits):
    return [{"mother_id": v["mother_id"], "visited_on": v["visited_on"], "systolic": v["systolic"],
             "diastolic": v["diastolic"]}
            for v in visits if v["systolic"] >= 140 or v["diastolic"] >= 90]


def make_anaemia_visits(visits):
    return [{"mother_id": v["mother_id"], "visited_on": v["visited_on"], "haemoglobin": v["haemoglobin"]}
            for v in visits if v["haemoglobin"] < 11.0]


def make_referrals(mothers, visits, high_pressure_visits, anaemia_visits):
    pressure = {}
    for v in high_pressure_visits:
        pressure[v["mother_id"]] = pressure.get(v["mother_id"], 0) + 1
    latest = {}
    for v in visits:
        if v["mother_id"] not in latest or v["visited_on"] > latest[v["mother_id"]]:
            latest[v["mother_id"]] = v["visited_on"]
    anaemic_last = {a["mother_id"] for a in anaemia_visits if latest.get(a["mother_id"]) == a["visited_on"]}
    referred = []
    for mother in mothers:
        reasons = []
        if pressure.get(mother["mother_id"], 0) >= 2:
            reasons.append("high blood pressure")
        if mother["mother_id"] in anaemic_last:
            reasons.append("anaemia")
        if reasons:
            referred.append({"mother_id": mother["mother_id"], "name": mother["name"], "reason": " and ".join(reasons)})
    return referred


def make_village_pressure(mothers, high_pressure_visits):
    affected = {v["mother_id"] for v in high_pressure_visits}
    villages = {}
    for mother in mothers:
        villages.setdefault(mother["village"], 0)
        villages[mother["village"]] += mother["mother_id"] in affected
    return [{"village": v, "mothers": n} for v, n in villages.items()]
