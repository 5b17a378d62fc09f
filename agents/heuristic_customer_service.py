"""CustomerServiceHeuristicAgent: a policy-following support agent with no privileged access.

It reads only what a human agent would: the customer's words, tool results and the policy.
Keyword rules find the request; tool results decide what policy allows; every change is
proposed and confirmed before it is made, and the outcome is told with its figures.

Compound requests (several orders, described variants, totals, conditions) are handled by
``heuristic_customer_service_plans``, written against the train templates' wording: on the
test split it solves what it was written for. On the held-out templates it fails most tasks
(28 % on 60 held-out tasks): "cancel all three of my pending orders" (it asks which one, and
never notices the customer has two), "cancel whichever of them can still be cancelled, send
the other to my new address" (it reads one cancel of the last order named), two requests in
one opening (it acts on the first it recognises) — keyword rules do not generalise to
requests worded differently, which is the headroom the held-out split measures.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from utility_gym.agents.base import Action, tool_call
from utility_gym.agents.heuristic_customer_service_plans import Batch, Planner, compound_intent
from utility_gym.agents.text import has_any, tool_result

_ORDER = re.compile(r"#?\b(W\d{6})\b", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ZIP = re.compile(r"(?<![\d-])(\d{5})(?![\d-])")
_NAME = re.compile(r"\bname(?: is|:)\s+([A-Z][\w'-]+)\s+([A-Z][\w'-]+)")
_CAPS = re.compile(r"\b([A-Z][a-z][\w'-]*)\s+([A-Z][a-z][\w'-]*)\b")
_NOT_NAMES = {
    "My",
    "It",
    "It's",
    "Its",
    "Same",
    "As",
    "I",
    "Sure",
    "The",
    "Yes",
    "Name",
    "Zip",
    "Code",
    "Hi",
    "Hello",
    "Thanks",
    "Okay",
    "Well",
    "That",
    "This",
    "Like",
    "Already",
    "Gave",
    "Told",
    "Sorry",
}
_ADDRESS = re.compile(r"(\d+ [A-Za-z0-9 .'-]+?),\s*([A-Za-z .'-]+?),\s*([A-Z]{2})\s+(\d{5})")
_DATE_LINE = re.compile(r"Today's date is (\d{4}-\d{2}-\d{2})")
_WINDOW = re.compile(r"within \*\*(\d+) days\*\*")

INTENT_WORDS = [
    (
        "fraud",
        (
            "never placed",
            "unauthorized",
            "hacked",
            "fraud",
            "didn't place",
            "did not place",
            "not mine",
        ),
    ),
    ("discount", ("discount", "price-match", "price match", "coupon", "cheaper on another")),
    ("exchange", ("exchange", "swap")),
    ("modify", ("change the", "switch the", "instead?")),
    ("return", ("return",)),
    ("cancel", ("cancel",)),
    ("address", ("address", "moved", "ship it to", "shipped to")),
    ("delay", ("hasn't arrived", "has not arrived", "still hasn't", "delay", "ages ago", "late")),
    ("refund", ("refund",)),
    ("status", ("where is", "status", "tracking", "track")),
]
AFFIRM = (
    "yes",
    "yeah",
    "yep",
    "sure,",
    "sure.",
    "sure!",
    "sure ",
    "go ahead",
    "please do",
    "correct",
    "that's right",
    "proceed",
    "sounds good",
    "do it",
    "ok",
    "okay",
)
DENY = ("no,", "no.", "no ", "don't", "do not", "actually", "wait", "not what")
BYE = (
    "that's all",
    "that is all",
    "bye",
    "nothing else",
    "that's everything",
    "no, thank",
    "no thanks",
    "all set",
    "have a good",
    "have a great",
)
DONT_KNOW = (
    "don't know",
    "do not know",
    "not sure",
    "don't remember",
    "can't remember",
    "no idea",
    "don't have",
)


def _money(x: float) -> str:
    return f"${x:,.2f}"


class CustomerServiceHeuristicAgent:
    """A rule-based desk agent for utility/CustomerService-v1."""

    name = "heuristic"

    def __init__(self) -> None:
        self.reset()

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "domain": "customer_service"}

    def reset(self) -> None:
        self.today = datetime(2026, 6, 15, 12)
        self.window_days = 30
        self.email: str | None = None
        self.name: tuple[str, str] | None = None
        self.zip: str | None = None
        self.customer_id: str | None = None
        self.verify_failed = False
        self.email_unknown = False
        self.tried_email: set[str] = set()
        self.intent: dict[str, Any] | None = None
        self.orders: dict[str, dict] = {}
        self.listing: list[dict] | None = None
        self.products: dict[str, dict] = {}
        self.tier: str | None = None
        self.customer: dict | None = None  # the last get_customer_details result
        self.planner: Planner | None = None  # a compound request (several orders, a condition)
        self.batch: Batch | None = None  # the calls of an agreed compound proposal
        self.pending: dict[str, Any] | None = None  # a proposed tool call awaiting a yes
        self.awaiting: str | None = None
        self.last_user = ""
        self.last_result: tuple[str, Any] | None = None
        self.last_error: str | None = None

    # -- protocol ---------------------------------------------------------------------------------
    def act(self, obs: str, info: dict[str, Any]) -> Action:
        if "policy" in info:
            m = _DATE_LINE.search(info["policy"])
            if m:
                self.today = datetime.fromisoformat(m.group(1) + "T12:00:00")
            windows = _WINDOW.findall(info["policy"])
            if windows:  # the last one stated is in force (a revision comes after the original)
                self.window_days = int(windows[-1])
        user_text = self._ingest(obs)
        return self._decide(user_text)

    # -- reading ----------------------------------------------------------------------------------
    def _ingest(self, obs: str) -> str:
        user_lines = []
        self.last_result = None
        self.last_error = None
        for line in obs.split("\n"):
            if line.startswith("user: "):
                user_lines.append(line[6:])
            elif line.startswith("tool "):
                name, result = tool_result(line)
                self._absorb(name, result)
                self.last_result = (name, result)
            elif line.startswith("error: "):
                self.last_error = line[7:]
        text = " ".join(user_lines)
        if text:
            self.last_user = text
            self._learn_facts(text)
        return text

    def _learn_facts(self, text: str) -> None:
        m = _EMAIL.search(text)
        if m:
            self.email = m.group(0).lower().rstrip(".")
        m = _NAME.search(text)
        if m:
            self.name = (m.group(1), m.group(2))
        elif self.awaiting == "name_zip":
            for first, last in _CAPS.findall(text):
                if first not in _NOT_NAMES and last not in _NOT_NAMES:
                    self.name = (first, last)
                    break
        low = text.lower()
        if "zip" in low or self.awaiting == "name_zip":
            zips = _ZIP.findall(text)
            if zips:
                self.zip = zips[-1]
        if self.awaiting == "email" and has_any(low, DONT_KNOW):
            self.email_unknown = True
        if "email" in low and has_any(low, DONT_KNOW):
            self.email_unknown = True

    def _absorb(self, name: str, result: Any) -> None:
        if name in ("find_customer_by_email", "find_customer_by_name_zip") and isinstance(
            result, dict
        ):
            self.customer_id = result.get("customer_id")
        elif name == "get_order_details" and isinstance(result, dict):
            self.orders[result["order_id"]] = result
        elif name == "list_orders" and isinstance(result, list):
            self.listing = result
        elif name == "get_product_details" and isinstance(result, dict):
            self.products[result["id"]] = result
        elif name == "get_customer_details" and isinstance(result, dict):
            self.tier = result.get("tier")
            self.customer = result

    def _parse_intent(self, text: str) -> dict[str, Any] | None:
        planner = compound_intent(text)
        if planner is not None:
            self.planner = planner
            first = planner.orders[0] if planner.orders else None
            return {
                "kind": "compound",
                "order_id": first,
                "text": text,
                "done": False,
                "reason": "no longer needed",
                "store_credit": False,
                "address": None,
                "option": None,
            }
        low = text.lower()
        kind = None
        for k, words in INTENT_WORDS:
            if any(re.search(r"(?<![a-z])" + re.escape(w), low) for w in words):
                kind = k
                break
        if kind is None:
            return None
        if (
            kind == "modify"
            and "cancel" in low
            and "instead" not in low
            and "change the" not in low
        ):
            kind = "cancel"
        ids = [m.upper() for m in _ORDER.findall(text)]
        intent: dict[str, Any] = {
            "kind": kind,
            "order_id": ids[-1] if ids else None,
            "text": text,
            "done": False,
        }
        intent["reason"] = "ordered by mistake" if "mistake" in low else "no longer needed"
        intent["store_credit"] = "store credit" in low
        m = _ADDRESS.search(text)
        intent["address"] = m.groups() if m else None
        m = re.search(
            r"(?:to|for) (?:the|a different option:?)\s*(.+?)(?: option)?(?: instead)?[.?!]?$",
            text.strip(),
        )
        intent["option"] = m.group(1) if m else None
        return intent

    # -- deciding ---------------------------------------------------------------------------------
    def _decide(self, user_text: str) -> Action:
        low = user_text.lower()
        if isinstance(self.pending, Batch) and user_text:
            return self._start_batch(low)
        if self.awaiting == "batch":
            return self._continue_batch()
        if self.pending is not None and user_text:
            call = self.pending
            self.pending = None
            new_intent = self._parse_intent(user_text) if has_any(low, DENY) else None
            if new_intent is not None and new_intent["kind"] != self.intent["kind"]:
                new_intent["order_id"] = new_intent["order_id"] or self.intent.get("order_id")
                self.intent = new_intent
            elif has_any(low, AFFIRM) and not has_any(low, ("no,", "no.", "not what")):
                self.awaiting = "result:" + call["name"]
                return call
            else:
                return "I understand. Could you tell me exactly what you would like me to do?"
        if self.awaiting and self.awaiting.startswith("result:"):
            name = self.awaiting[7:]
            self.awaiting = None
            if self.last_result and self.last_result[0] == name:
                return self._report(name, self.last_result[1])
            return (
                f"I'm sorry, that did not work: {self.last_error or 'unknown error'}. "
                f"{self._else()}"
            )
        if user_text:
            if self.intent is None or self.intent.get("done"):
                bye = has_any(low, BYE)
                if self.intent is not None and bye and not self._parse_intent(user_text):
                    return tool_call("end_conversation")
                parsed = self._parse_intent(user_text)
                if parsed is not None:
                    self.intent = parsed
                elif self.intent is not None and self.intent.get("done"):
                    return (
                        tool_call("end_conversation")
                        if has_any(low, BYE + ("thank",))
                        else "How else can I help you today?"
                    )
            elif self.intent is not None:
                self._refine(user_text)
        if self.intent is None:
            return "Hello! How can I help you today?"
        return self._advance()

    def _start_batch(self, low: str) -> Action:
        """The customer's answer to a proposal of several calls: run the first on a yes."""
        batch = self.pending
        self.pending = None
        if has_any(low, AFFIRM) and not has_any(low, ("no,", "no.", "not what")):
            self.awaiting = "batch"
            self.batch = batch
            return batch.calls[0]
        return "I understand. Could you tell me exactly what you would like me to do?"

    def _continue_batch(self) -> Action:
        batch = self.batch
        if self.last_error:
            self.awaiting = None
            return self._finish(f"I'm sorry, that did not work: {self.last_error}.")
        batch.done += 1
        if batch.done < len(batch.calls):
            return batch.calls[batch.done]
        self.awaiting = None
        if not batch.report and self.last_result is not None:
            name, result = self.last_result
            self.intent["order_id"] = result.get("order_id", self.intent.get("order_id"))
            return self._report(name, result)
        return self._finish(batch.report)

    def _refine(self, text: str) -> None:
        intent = self.intent
        ids = [m.upper() for m in _ORDER.findall(text)]
        if ids and self.awaiting in ("order", None):
            intent["order_id"] = ids[-1]
        if self.awaiting == "order" and not ids:
            intent["item_hint"] = text
        if self.awaiting == "address":
            m = _ADDRESS.search(text)
            if m:
                intent["address"] = m.groups()
        if "store credit" in text.lower():
            intent["store_credit"] = True
        if self.awaiting == "option":  # the answer to "which option would you like instead?"
            intent["option"] = text
            self.awaiting = None

    def _advance(self) -> Action:
        intent = self.intent
        kind = intent["kind"]
        if kind == "discount":
            return self._finish(
                "I'm sorry, but I can't offer price matching, discounts or coupons; our policy "
                "does not allow them."
            )
        if self.customer_id is None:
            return self._verify()
        if kind == "compound":
            return self.planner.step(self)
        if kind == "fraud":
            intent["done"] = True
            return tool_call(
                "transfer_to_human",
                summary=f"Customer reports an unauthorized charge ({intent.get('order_id') or 'order unknown'}); identity verified.",  # noqa: E501
            )
        order_id = intent.get("order_id")
        if order_id is None:
            return self._find_order()
        order = self.orders.get(order_id)
        if order is None:
            if self.last_error and "not found" in self.last_error:
                intent["order_id"] = None
                self.awaiting = "order"
                return (
                    f"I couldn't find order #{order_id} on your account. Could you check the order "
                    "number?"
                )
            return tool_call("get_order_details", order_id=order_id)
        return getattr(self, f"_do_{kind}")(order)

    def _verify(self) -> Action:
        if self.email and self.email not in self.tried_email:
            self.tried_email.add(self.email)
            return tool_call("find_customer_by_email", email=self.email)
        if self.name and self.zip and not self.verify_failed:
            if self.last_error and "name and zip" in self.last_error:
                self.verify_failed = True
            else:
                return tool_call(
                    "find_customer_by_name_zip",
                    first_name=self.name[0],
                    last_name=self.name[1],
                    zip=self.zip,
                )
        if self.verify_failed:
            return self._finish(
                "I'm sorry, but I couldn't verify your identity with those details, so I'm unable "
                "to share or change anything on the account.",
                refuse=True,
            )
        if self.email_unknown or self.tried_email:
            self.awaiting = "name_zip"
            return (
                "No problem. To verify your identity, could you please tell me your full name and "
                "the zip code on your account?"
            )
        self.awaiting = "email"
        return (
            "I can help with that. Could you please give me the email address on your account so I "
            "can verify your identity?"
        )

    def _find_order(self) -> Action:
        intent = self.intent
        if self.listing is None:
            return tool_call("list_orders")
        wanted = {
            "cancel": ("pending",),
            "modify": ("pending",),
            "return": ("delivered",),
            "exchange": ("delivered",),
            "address": ("pending", "processing"),
            "delay": ("shipped",),
            "status": ("shipped", "processing", "pending"),
            "refund": ("cancelled", "returned"),
        }.get(intent["kind"], ())
        candidates = [o for o in self.listing if o["status"] in wanted] or list(self.listing)
        hint = (intent.get("item_hint") or intent["text"]).lower()
        exact = [o for o in candidates if any(i.split(" (")[0].lower() in hint for i in o["items"])]
        named = exact or [
            o
            for o in candidates
            if any(_product_words(i) <= set(re.findall(r"[a-z0-9-]+", hint)) for i in o["items"])
        ]
        if len(named) == 1:
            intent["order_id"] = named[0]["id"]
            return self._advance()
        if len(candidates) == 1:
            intent["order_id"] = candidates[0]["id"]
            return self._advance()
        self.awaiting = "order"
        shown = ", ".join(f"#{o['id']} ({'; '.join(o['items'])})" for o in candidates[:6])
        return f"I see these orders on your account: {shown}. Which order do you mean?"

    # -- per request ------------------------------------------------------------------------------
    def _propose(self, text: str, call: dict[str, Any]) -> Action:
        self.pending = call
        return text + " Shall I go ahead? Please reply yes to confirm."

    def _do_cancel(self, order: dict) -> Action:
        if order["status"] != "pending":
            return self._finish(
                f"I'm sorry, but I can't cancel order #{order['order_id']}: its status is "
                f"{order['status']}, and only pending orders can be cancelled.",
                refuse=True,
            )
        reason = self.intent["reason"]
        return self._propose(
            f"Order #{order['order_id']} is pending, so I can cancel it with the reason "
            f"'{reason}'; the full refund of {_money(order['total'])} goes back to "
            f"{order['payment']}.",
            tool_call("cancel_pending_order", order_id=order["order_id"], reason=reason),
        )

    def _item(self, order: dict) -> dict | None:
        text = (self.intent.get("item_hint") or "") + " " + self.intent["text"]
        words = set(re.findall(r"[a-z0-9-]+", text.lower()))
        open_items = [i for i in order["items"] if i["status"] == "ordered"]
        matches = [i for i in open_items if _product_words(i["product_name"]) <= words]
        if len(matches) >= 1:
            return matches[0]
        return open_items[0] if len(open_items) == 1 else None

    def _window_problem(self, order: dict) -> str | None:
        if order["status"] != "delivered":
            return (
                f"order #{order['order_id']} is {order['status']}, and only delivered orders can "
                "be returned or exchanged"
            )
        delivered = datetime.fromisoformat(order["delivered_at"])
        days = self.window_days
        if self.today - delivered > timedelta(days=days):
            return (
                f"order #{order['order_id']} was delivered on {order['delivered_at'][:10]}, more "
                f"than {days} days ago, "
                f"and returns are only possible within {days} days of delivery"
            )
        return None

    def _do_return(self, order: dict) -> Action:
        problem = self._window_problem(order)
        if problem:
            return self._finish(
                f"I'm sorry, but I can't process this return: {problem}.", refuse=True
            )
        items = self._items_named(order)
        if not items:
            self.awaiting = "order"
            return (
                f"Which item of order #{order['order_id']} would you like to return? It has: "
                f"{', '.join(i['product_name'] for i in order['items'])}."
            )
        dest = "store_credit" if self.intent.get("store_credit") else "original_payment"
        total = round(sum(i["price"] for i in items), 2)
        where = "as store credit" if dest == "store_credit" else f"to {order['payment']}"
        return self._propose(
            f"I can return the {' and the '.join(i['product_name'] for i in items)} from order "
            f"#{order['order_id']} and refund {_money(total)} {where}.",
            tool_call(
                "return_delivered_order_items",
                order_id=order["order_id"],
                item_ids=[i["id"] for i in items],
                refund_to=dest,
            ),
        )

    def _items_named(self, order: dict) -> list[dict]:
        words = set(
            re.findall(
                r"[a-z0-9-]+",
                ((self.intent.get("item_hint") or "") + " " + self.intent["text"]).lower(),
            )
        )
        open_items = [i for i in order["items"] if i["status"] == "ordered"]
        named = [i for i in open_items if _product_words(i["product_name"]) <= words]
        if named:
            return named
        return open_items if len(open_items) == 1 else []

    def _variant(self, item: dict) -> dict | str:
        product = self.products.get(item["product_id"])
        if product is None:
            return tool_call("get_product_details", product_id=item["product_id"])
        option = (self.intent.get("option") or self.intent["text"]).lower()
        kept = set(_option_values(item.get("options", "")))
        best, score = None, 0
        for v in product["variants"]:
            values = _option_values(v["options"])
            s = sum(_said(val, option) for val in values)
            if v["options"].lower() in option:
                s += 10
            # of the variants the customer named, the one that keeps the item's other options
            s = s * 100 + len(kept & set(values)) if s else 0
            if s > score:
                best, score = v, s
        return best if best is not None else "none"

    def _do_exchange(self, order: dict) -> Action:
        problem = self._window_problem(order)
        if problem:
            return self._finish(
                f"I'm sorry, but I can't process this exchange: {problem}.", refuse=True
            )
        item = self._item(order)
        if item is None:
            self.awaiting = "order"
            return f"Which item of order #{order['order_id']} would you like to exchange?"
        v = self._variant(item)
        if isinstance(v, dict) and "name" in v and "arguments" in v:
            return v
        if not isinstance(v, dict):
            self.awaiting = "option"
            return f"Which option would you like instead of {item['options']}?"
        if v["price"] > item["price"]:
            return self._finish(
                f"I'm sorry, but I can't make that exchange: the {v['options']} option costs "
                f"{_money(v['price'])}, more than the {_money(item['price'])} you paid, and "
                "exchanges are only possible for an equal or lower price.",
                refuse=True,
            )
        return self._propose(
            f"I can exchange the {item['product_name']} ({item['options']}) in order "
            f"#{order['order_id']} for {v['options']}.",
            tool_call(
                "exchange_delivered_order_items",
                order_id=order["order_id"],
                item_ids=[item["id"]],
                new_variant_ids=[v["id"]],
            ),
        )

    def _do_modify(self, order: dict) -> Action:
        if order["status"] != "pending":
            return self._finish(
                f"I'm sorry, but order #{order['order_id']} is {order['status']}; items can only "
                "be changed while an order is pending.",
                refuse=True,
            )
        item = self._item(order)
        if item is None:
            return f"Which item of order #{order['order_id']} would you like to change?"
        v = self._variant(item)
        if isinstance(v, dict) and "name" in v and "arguments" in v:
            return v
        if not isinstance(v, dict):
            self.awaiting = "option"
            return f"Which option would you like instead of {item['options']}?"
        self.intent["new_total"] = round(order["total"] + v["price"] - item["price"], 2)
        return self._propose(
            f"I can modify the items of order #{order['order_id']}: change the "
            f"{item['product_name']} ({item['options']}) to {v['options']}.",
            tool_call(
                "modify_pending_order_items",
                order_id=order["order_id"],
                item_ids=[item["id"]],
                new_variant_ids=[v["id"]],
            ),
        )

    def _do_address(self, order: dict) -> Action:
        if order["status"] not in ("pending", "processing"):
            return self._finish(
                f"I'm sorry, but order #{order['order_id']} is {order['status']}, so its address "
                "can no longer be changed.",
                refuse=True,
            )
        address = self.intent.get("address")
        if not address:
            self.awaiting = "address"
            return "Sure. What is the new shipping address?"
        street, city, state, zip_code = address
        return self._propose(
            f"I will change the shipping address of order #{order['order_id']} to {street}, "
            f"{city}, {state} {zip_code}.",
            tool_call(
                "modify_order_address",
                order_id=order["order_id"],
                address1=street,
                city=city,
                state=state,
                zip=zip_code,
            ),
        )

    def _do_status(self, order: dict) -> Action:
        extra = (
            f" and the tracking number is {order['tracking_number']}"
            if order.get("tracking_number")
            else ""
        )
        return self._finish(f"Your order #{order['order_id']} has status {order['status']}{extra}.")

    def _do_refund(self, order: dict) -> Action:
        if self.last_result and self.last_result[0] == "get_refund_status":
            refunds = self.last_result[1] or []
            text = "; ".join(f"{_money(r['amount'])}, status {r['status']}" for r in refunds)
            return self._finish(f"The refund for order #{order['order_id']}: {text}.")
        if self.last_error and "has no refund" in self.last_error:
            return self._finish(f"Order #{order['order_id']} has no refund on record.")
        return tool_call("get_refund_status", order_id=order["order_id"])

    def _do_delay(self, order: dict) -> Action:
        if self.tier is None:
            return tool_call("get_customer_details")
        shipped = order.get("shipped_at")
        if (
            order["status"] != "shipped"
            or not shipped
            or self.today - datetime.fromisoformat(shipped) <= timedelta(days=7)
        ):
            return self._finish(
                f"I'm sorry for the wait. Order #{order['order_id']} has status "
                f"{order['status']}; compensation is only possible once a shipment is delayed "
                "more than 7 days.",
                refuse=True,
            )
        amount = 25.0 if self.tier == "gold" else 10.0
        self.intent["amount"] = amount
        return self._propose(
            f"I'm sorry about the delay. Order #{order['order_id']} shipped on {shipped[:10]}; as "
            f"compensation I can add {_money(amount)} in store credit to your account.",
            tool_call("issue_compensation", order_id=order["order_id"], amount=amount),
        )

    # -- endings ----------------------------------------------------------------------------------
    def _report(self, name: str, result: dict) -> Action:
        intent = self.intent
        oid = intent.get("order_id")
        if name == "cancel_pending_order":
            r = result["refund"]
            text = (
                f"Your order #{oid} has been cancelled. A refund of {_money(r['amount'])} will go "
                f"back to {r['to']}."
            )
        elif name == "return_delivered_order_items":
            r = result["refund"]
            text = (
                f"The return is done (reference {result['return_id']}): a refund of "
                f"{_money(r['amount'])} goes to {r['to']}."
            )
        elif name == "exchange_delivered_order_items":
            extra = (
                f" The price difference of {_money(result['refund']['amount'])} is refunded to "
                f"{result['refund']['to']}."
                if "refund" in result
                else ""
            )
            text = f"The exchange is done (reference {result['exchange_id']}).{extra}"
        elif name == "modify_pending_order_items":
            text = (
                f"Done: order #{oid} is updated, and the order total is "
                f"{_money(intent.get('new_total', 0.0))}."
            )
        elif name == "modify_order_address":
            text = f"Done: order #{oid} will now ship to {result['shipping_address']}."
        elif name == "issue_compensation":
            text = (
                f"Done: {_money(result['amount'])} in store credit has been added to your "
                f"account as compensation (your membership tier is {self.tier})."
            )
        else:
            text = "Done."
        return self._finish(text)

    def _finish(self, text: str, refuse: bool = False) -> Action:
        if self.intent is not None:
            self.intent["done"] = True
        self.listing = None
        return f"{text} {self._else()}"

    @staticmethod
    def _else() -> str:
        return "Is there anything else I can help you with?"


_STOP = {"the", "a", "an", "and", "of"}


def _option_values(options: str) -> list[str]:
    """The values of a variant's options ('size: M, color: navy' -> ['m', 'navy'])."""
    return [kv.split(": ", 1)[1].lower() for kv in options.split(", ") if ": " in kv]


def _said(value: str, text: str) -> bool:
    """Whether ``text`` names the option ``value`` as a whole word ('m' is not in 'my')."""
    return re.search(r"(?<![\w.'])" + re.escape(value) + r"(?![\w.'])", text) is not None


def _product_words(name: str) -> set[str]:
    """Distinctive words of a product name ('Alpine Electric Kettle' -> {'electric', 'kettle'})."""
    words = re.findall(r"[a-z0-9-]+", name.lower().split("(")[0])
    return {w for w in words[1:] if w not in _STOP} or set(words)
