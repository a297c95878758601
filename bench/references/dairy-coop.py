"""Reference components for examples/dairy-coop, written by hand from its statements (bench/references.py)."""


def _grade(fat):
    return "A" if fat >= 3.5 else "B" if fat >= 3.0 else "C"


def make_graded_deliveries(deliveries):
    return [{"farmer_id": d["farmer_id"], "delivered_on": d["delivered_on"], "litres": d["litres"],
             "grade": _grade(d["fat_pct"])} for d in deliveries]


def make_payments(graded_deliveries, prices):
    price = {p["grade"]: p["price_per_litre"] for p in prices}
    amounts = {}
    for d in graded_deliveries:
        amounts[d["farmer_id"]] = amounts.get(d["farmer_id"], 0) + d["litres"] * price.get(d["grade"], 0)
    return [{"farmer_id": f, "amount": round(a, 2)} for f, a in amounts.items()]


def make_quality_warnings(graded_deliveries, farmers):
    poor = {}
    for d in graded_deliveries:
        if d["grade"] == "C":
            poor[d["farmer_id"]] = poor.get(d["farmer_id"], 0) + 1
    return [{"farmer_id": f["farmer_id"], "name": f["name"], "c_deliveries": poor[f["farmer_id"]]}
            for f in farmers if poor.get(f["farmer_id"], 0) >= 3]


def make_daily_totals(deliveries):
    totals = {}
    for d in deliveries:
        totals[d["delivered_on"]] = totals.get(d["delivered_on"], 0) + d["litres"]
    return [{"delivered_on": day, "litres": litres} for day, litres in sorted(totals.items())]
