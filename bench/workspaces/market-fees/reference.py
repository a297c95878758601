"""Hand-written reference components for this workspace: one function per output collection, for checking the
examples (tests/test_bench_workspaces.py). The builder never sees this file."""


def make_stall_fees(stalls):
    return [{"stall_id": s["stall_id"], "fee": max(10.0, 2.5 * s["size_m2"])} for s in stalls]


def make_balances(stalls, stall_fees, payments, market_days):
    fees = {f["stall_id"]: f["fee"] for f in stall_fees}
    days = len({d["day"] for d in market_days})
    paid = {}
    for p in payments:
        paid[p["stall_id"]] = paid.get(p["stall_id"], 0.0) + p["amount"]
    return [{"stall_id": s["stall_id"], "trader": s["trader"],
             "balance": round(paid.get(s["stall_id"], 0.0) - fees[s["stall_id"]] * days, 2)} for s in stalls]


def make_arrears(balances):
    return [{"stall_id": b["stall_id"], "trader": b["trader"], "owed": -b["balance"]} for b in balances if b["balance"] < 0]


def make_row_arrears(stalls, arrears):
    owed = {a["stall_id"]: a["owed"] for a in arrears}
    rows = {}
    for stall in stalls:
        if stall["stall_id"] in owed:
            count, total = rows.get(stall["row"], (0, 0.0))
            rows[stall["row"]] = (count + 1, total + owed[stall["stall_id"]])
    return [{"row": r, "stalls": n, "owed": round(t, 2)} for r, (n, t) in rows.items()]
