"""Reference components for examples/village-shop, written by hand from its statements (bench/references.py)."""


def make_stock_on_hand(stock_counts, sales):
    latest = {}
    for c in stock_counts:
        if c["product_id"] not in latest or c["counted_on"] > latest[c["product_id"]]["counted_on"]:
            latest[c["product_id"]] = c
    return [{"product_id": p, "on_hand": c["quantity"] - sum(s["quantity"] for s in sales
                                                           if s["product_id"] == p and s["sold_on"] > c["counted_on"])}
            for p, c in latest.items()]


def make_reorder_list(stock_on_hand, products):
    on_hand = {s["product_id"]: s["on_hand"] for s in stock_on_hand}
    return [{"product_id": p["product_id"], "name": p["name"], "on_hand": on_hand[p["product_id"]]}
            for p in products if p["product_id"] in on_hand and on_hand[p["product_id"]] <= p["reorder_level"]]


def make_daily_takings(products, sales):
    price = {p["product_id"]: p["unit_price"] for p in products}
    totals = {}
    for s in sales:
        totals[s["sold_on"]] = totals.get(s["sold_on"], 0) + s["quantity"] * price.get(s["product_id"], 0)
    return [{"sold_on": day, "total": round(total, 2)} for day, total in sorted(totals.items())]


def make_best_seller(products, sales):
    units = {p["product_id"]: 0 for p in products}
    for s in sales:
        if s["product_id"] in units:
            units[s["product_id"]] += s["quantity"]
    sold = [p for p in products if units[p["product_id"]] > 0]
    if not sold:
        return []
    best = min(sold, key=lambda p: (-units[p["product_id"]], p["name"]))
    return [{"product_id": best["product_id"], "name": best["name"], "units": units[best["product_id"]]}]
