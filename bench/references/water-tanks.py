"""Reference components for examples/water-tanks, written by hand from its statements (bench/references.py)."""


def make_latest_levels(levels):
    latest = {}
    for reading in levels:
        seen = latest.get(reading["tank_id"])
        if seen is None or reading["taken_at"] > seen["taken_at"]:
            latest[reading["tank_id"]] = reading
    return list(latest.values())


def make_refill_alerts(latest_levels):
    return [{"tank_id": r["tank_id"], "level_pct": r["level_pct"]} for r in latest_levels if r["level_pct"] < 20]


def make_refill_plan(refill_alerts, tanks):
    by_id = {t["tank_id"]: t for t in tanks}
    return [{"tank_id": a["tank_id"], "village": by_id[a["tank_id"]]["village"],
             "litres_needed": by_id[a["tank_id"]]["capacity_litres"] * (100 - a["level_pct"]) / 100}
            for a in refill_alerts if a["tank_id"] in by_id]


def make_village_refills(refill_alerts, tanks):
    alerted = {a["tank_id"] for a in refill_alerts}
    counts = {}
    for tank in tanks:
        counts[tank["village"]] = counts.get(tank["village"], 0) + (tank["tank_id"] in alerted)
    return [{"village": v, "tanks_to_refill": n} for v, n in counts.items()]
