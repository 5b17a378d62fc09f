"""Compound requests for the customer-service heuristic: several orders, described variants,
conditions and totals, written against the train templates' wording.

``compound_intent(text)`` recognises such a request; ``Planner.step(agent)`` then returns the
next action: a look-up it still needs, or a proposal whose calls (a *batch*) the agent runs
one by one after the customer's yes, followed by the prepared report. Nothing here reads
anything an agent could not see: the customer's words and tool results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from utility_gym.agents.base import Action, tool_call

_ORDER = re.compile(r"#?\b(W\d{6})\b", re.I)
_ADDRESS = re.compile(r"(\d+ [A-Za-z0-9 .'-]+?),\s*([A-Za-z .'-]+?),\s*([A-Z]{2})\s+(\d{5})")
_AMOUNT = re.compile(r"\$([0-9][0-9,]*(?:\.\d+)?)")
CONFIRM = "Shall I go ahead with these changes? Please reply yes to confirm."


def _money(x: float) -> str:
    return f"${x:,.2f}"


def _name(item: str) -> str:
    return item.split(" (")[0]


@dataclass
class Batch:
    """Calls to make after the customer's yes, then the words that report them."""

    calls: list[dict[str, Any]]
    report: str
    done: int = 0


@dataclass
class Planner:
    """One compound request: its kind and what the customer said it depends on."""

    kind: str
    text: str
    orders: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def step(self, agent: Any) -> Action:
        return getattr(self, f"_{self.kind}")(agent)

    # -- look-ups shared by the plans ----------------------------------------------------------
    @staticmethod
    def _need_details(agent: Any, ids: list[str]) -> Action | None:
        missing = [o for o in ids if o not in agent.orders]
        return tool_call("get_order_details", order_id=missing[0]) if missing else None

    @staticmethod
    def _need_customer(agent: Any) -> Action | None:
        return None if agent.customer is not None else tool_call("get_customer_details")

    # -- "cancel everything unshipped except the X; the rest to my new address" ----------------
    def _cancel_except(self, agent: Any) -> Action:
        need = self._need_customer(agent)
        if need:
            return need
        unshipped = [
            o["id"] for o in agent.customer["orders"] if o["status"] in ("pending", "processing")
        ]
        need = self._need_details(agent, unshipped)
        if need:
            return need
        keep_word = self.details["keep"].lower()
        orders = [agent.orders[o] for o in unshipped]
        keep = [
            o for o in orders if any(keep_word in i["product_name"].lower() for i in o["items"])
        ]
        cancel = [o for o in orders if o["status"] == "pending" and o not in keep]
        move = [o for o in orders if o["status"] == "processing" and o not in keep] + keep
        street, city, state, zip_code = self.details["address"]
        address = f"{street}, {city}, {state} {zip_code}"
        total = round(sum(o["total"] for o in cancel), 2)
        ids = " and ".join(f"#{o['order_id']}" for o in cancel)
        moved = " and ".join(f"#{o['order_id']}" for o in move)
        calls = [
            tool_call("cancel_pending_order", order_id=o["order_id"], reason="no longer needed")
            for o in cancel
        ]
        calls += [
            tool_call(
                "modify_order_address",
                order_id=o["order_id"],
                address1=street,
                city=city,
                state=state,
                zip=zip_code,
            )
            for o in move
        ]
        text = (
            f"I can cancel orders {ids} with the reason 'no longer needed' ({_money(total)} "
            "refunded in "
            f"total), and change the shipping address of {moved} to {address}. {CONFIRM}"
        )
        report = (
            f"Done: {ids} are cancelled, {_money(total)} in total is refunded; "
            f"{moved} will ship to {address}."
        )
        return self._batch(agent, text, calls, report)

    # -- "return the A, the B and the C; over $X as store credit, else to my card" --------------
    def _return_many(self, agent: Any) -> Action:
        if agent.listing is None:
            return tool_call("list_orders", status="delivered")
        wanted = self.details["items"]
        found = {
            w: o["id"]
            for w in wanted
            for o in agent.listing
            if any(_name(i) == w for i in o["items"])
        }
        need = self._need_details(agent, sorted(set(found.values())))
        if need:
            return need
        picks = []
        for w, oid in found.items():
            item = next(
                i
                for i in agent.orders[oid]["items"]
                if i["product_name"] == w and i["status"] == "ordered"
            )
            picks.append((oid, item))
        total = round(sum(i["price"] for _, i in picks), 2)
        credit = total > self.details["threshold"]
        dest = "store_credit" if credit else "original_payment"
        where = "as store credit" if credit else "to the original payment method of each order"
        calls = [
            tool_call(
                "return_delivered_order_items", order_id=oid, item_ids=[i["id"]], refund_to=dest
            )
            for oid, i in picks
        ]
        lines = "; ".join(f"the {i['product_name']} of order #{oid}" for oid, i in picks)
        text = f"I can return {lines}, and refund {_money(total)} in total {where}. {CONFIRM}"
        return self._batch(
            agent,
            text,
            calls,
            f"Done: the items are returned and {_money(total)} is refunded {where}.",
        )

    # -- "the same one but in blue; if that's out of stock, refund / cancel instead" -------------
    def _described(self, agent: Any) -> Action:
        oid = self.orders[0]
        need = self._need_details(agent, [oid])
        if need:
            return need
        order = agent.orders[oid]
        word = self.details["item"].lower()
        item = next(
            (i for i in order["items"] if i["product_name"].lower() == word), order["items"][0]
        )
        if item["product_id"] not in agent.products:
            return tool_call("get_product_details", product_id=item["product_id"])
        variant = _variant_like(
            agent.products[item["product_id"]],
            item["options"],
            self.details["dim"],
            self.details["value"],
        )
        exchange = self.details["fallback"] == "return"
        usable = (
            variant is not None
            and variant["stock"] > 0
            and (not exchange or variant["price"] <= item["price"])
        )
        if usable:
            name = "exchange_delivered_order_items" if exchange else "modify_pending_order_items"
            call = tool_call(
                name, order_id=oid, item_ids=[item["id"]], new_variant_ids=[variant["id"]]
            )
            new_total = round(order["total"] + variant["price"] - item["price"], 2)
            verb = "exchange" if exchange else "modify order #" + oid + ": change"
            text = (
                f"I can {verb} the {item['product_name']} ({item['options']}) in order #{oid} for "
                f"{variant['options']}. {CONFIRM}"
            )
            agent.intent["new_total"] = new_total
            return self._batch(agent, text, [call], None)
        if exchange:
            call = tool_call(
                "return_delivered_order_items",
                order_id=oid,
                item_ids=[item["id"]],
                refund_to="original_payment",
            )
            text = (
                f"That version is out of stock, so I can return the {item['product_name']} of "
                f"order #{oid} "
                f"and refund {_money(item['price'])} to {order['payment']}. {CONFIRM}"
            )
        else:
            call = tool_call("cancel_pending_order", order_id=oid, reason="no longer needed")
            text = (
                f"That version is out of stock, so I can cancel order #{oid} with the reason 'no "
                "longer "
                f"needed' and refund {_money(order['total'])} to {order['payment']}. {CONFIRM}"
            )
        return self._batch(agent, text, [call], None)

    # -- "pay with my gift card as far as it covers; otherwise my PayPal" ----------------------
    def _pay_gift(self, agent: Any) -> Action:
        need = self._need_customer(agent) or self._need_details(agent, self.orders)
        if need:
            return need
        methods = agent.customer["payment_methods"]
        gift = next(m for m in methods if m["kind"] == "gift_card")
        fallback = self.details["fallback"].lower()
        other = next(
            (m for m in methods if m["kind"] != "gift_card" and fallback in m["label"].lower()),
            None,
        )
        balance, calls, parts = gift["balance"], [], []
        for oid in self.orders:
            total = agent.orders[oid]["total"]
            target = gift if balance + 0.005 >= total else other
            if target is None:
                return f"Which payment method should order #{oid} use instead?"
            balance = round(balance - total, 2) if target is gift else balance
            calls.append(
                tool_call(
                    "modify_pending_order_payment", order_id=oid, payment_method_id=target["id"]
                )
            )
            parts.append(f"order #{oid} to {target['label']} ({target['id']})")
        text = f"I can change the payment method of {'; '.join(parts)}. {CONFIRM}"
        return self._batch(
            agent, text, calls, f"Done. Your gift card balance is {_money(balance)}."
        )

    # -- "if it hasn't shipped yet, cancel it; otherwise give me its tracking number" -----------
    def _cancel_or_track(self, agent: Any) -> Action:
        oid = self.orders[0]
        need = self._need_details(agent, [oid])
        if need:
            return need
        order = agent.orders[oid]
        if order["status"] != "pending":
            agent.intent["done"] = True
            tracking = order["tracking_number"]
            status = order["status"]
            return f"Order #{oid} is {status}; its tracking number is {tracking}. {agent._else()}"
        call = tool_call("cancel_pending_order", order_id=oid, reason="no longer needed")
        text = (
            f"Order #{oid} is pending, so I can cancel it with the reason 'no longer needed' and "
            "refund "
            f"{_money(order['total'])} to {order['payment']}. {CONFIRM}"
        )
        return self._batch(agent, text, [call], None)

    def _delay(self, agent: Any) -> Action:
        oid = self.orders[0]
        agent.intent["order_id"] = oid
        need = self._need_details(agent, [oid])
        return need or agent._do_delay(agent.orders[oid])

    def _pending_count(self, agent: Any) -> Action:
        if agent.last_result is None or agent.last_result[0] != "list_orders":
            return tool_call("list_orders", status="pending")
        pending = agent.last_result[1] or []
        agent.intent["done"] = True
        ids = ", ".join("#" + o["id"] for o in pending)
        listed = f": {ids}" if ids else ""
        return f"You have {len(pending)} pending orders now{listed}. {agent._else()}"

    @staticmethod
    def _batch(agent: Any, text: str, calls: list[dict[str, Any]], report: str | None) -> Action:
        agent.pending = Batch(calls, report or "")
        return text


def _variant_like(product: dict, options: str, dim: str, value: str) -> dict | None:
    """The variant with ``dim`` set to ``value`` and every other option as in ``options``."""
    mine = dict(p.split(": ", 1) for p in options.split(", "))
    mine[dim] = value
    for v in product["variants"]:
        if dict(p.split(": ", 1) for p in v["options"].split(", ")) == mine:
            return v
    return None


def compound_intent(text: str) -> Planner | None:
    """The compound request ``text`` makes, in the train templates' words, if any."""
    low = text.lower()
    ids = [m.upper() for m in _ORDER.findall(text)]
    if "haven't shipped yet, except" in low:
        keep = re.search(r"except the one with the (.+?):", text)
        address = _ADDRESS.search(text)
        if keep and address:
            return Planner(
                "cancel_except", text, ids, {"keep": keep.group(1), "address": address.groups()}
            )
    m = re.search(r"return the (.+?) from my recent orders", text)
    amount = _AMOUNT.search(text)  # the threshold; without one this is not the request it knows
    if m and "more than $" in low and amount is not None:
        items = [p.strip() for p in re.split(r", the | and the ", m.group(1))]
        threshold = float(amount.group(1).replace(",", ""))
        return Planner("return_many", text, ids, {"items": items, "threshold": threshold})
    m = re.search(
        r"the (.+?) from order #?W\d+ isn't right\. "
        r"I'd like the same .+? but with (\w+) (.+?) instead",
        text,
    )
    if m and ids:
        return Planner(
            "described",
            text,
            ids[:1],
            {"item": m.group(1), "dim": m.group(2), "value": m.group(3), "fallback": "return"},
        )
    m = re.search(
        r"could you change the (.+?) to (\w+) (.+?)\? If that one is out of stock, cancel", text
    )
    if m and ids:
        return Planner(
            "described",
            text,
            ids[:1],
            {"item": m.group(1), "dim": m.group(2), "value": m.group(3), "fallback": "cancel"},
        )
    m = re.search(r"use my (.+?) instead", text)
    if "with my gift card instead of" in low and m and ids:
        return Planner("pay_gift", text, ids, {"fallback": m.group(1)})
    if "still hasn't arrived" in low and ids:
        return Planner("delay", text, ids[:1])
    if "if it hasn't shipped yet, cancel it" in low and ids:
        return Planner("cancel_or_track", text, ids[-1:])
    if "still pending now" in low:
        return Planner("pending_count", text)
    return None
