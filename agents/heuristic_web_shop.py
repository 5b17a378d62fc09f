"""WebShopHeuristicAgent: a careful shopping assistant for the web shop, with no privileged access.

It reads only what a person would: the shopper's words and the pages of the site. It knows the
shop's public vocabulary (departments, product types, attribute words and option values, the
same words the site shows), parses the request with it, asks the shopper for whatever a
product needs and the request left out (options, a budget when they were vague), searches,
checks candidates on their product pages, and buys the first one that meets every
constraint — the cheapest, best-rated or most-reviewed one when asked for that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from utility_gym.agents.base import Action
from utility_gym.envs.web_shop.vocab import MAX_QUANTITY, TYPE_BY_NAME, ProductType, plural

_LIMIT = re.compile(r"at most (\d+) units of an item per order")

_MONEY = r"\$\s?(\d[\d,]*(?:\.\d+)?)"
_RESULT = re.compile(
    r"^\[(\d+)\] (.+)\n(P\d{6}) · \$([\d,]+\.\d\d) · ([\d.]+) out of 5 \((\d+) reviews?\)$", re.M
)
_BYLINE = re.compile(r"^(P\d{6}) · (.+?) · (.+?) › (.+)$", re.M)
_FEATURES = re.compile(r"^Features: (.+)$", re.M)
_PRICE = re.compile(r"^Price: \$([\d,]+\.\d\d)", re.M)
_OPTION_LINE = re.compile(r"^([a-z]+): ((?:\[\d+\] [^\[]+?\s*)+)$", re.M)
_OPTION_ITEM = re.compile(r"\[(\d+)\] ([^\[]+?)(?=\s*\[|\s*$)")
_NEXT = re.compile(r"\[(\d+)\] Next >")
_NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
}
RELATIVES = {
    "son": "kids'",
    "daughter": "kids'",
    "nephew": "kids'",
    "niece": "kids'",
    "grandson": "kids'",
    "granddaughter": "kids'",
    "kid": "kids'",
    "kids": "kids'",
    "child": "kids'",
    "wife": "women's",
    "mother": "women's",
    "mom": "women's",
    "sister": "women's",
    "aunt": "women's",
    "husband": "men's",
    "father": "men's",
    "dad": "men's",
    "brother": "men's",
    "uncle": "men's",
}
# Brands and product titles are proper names: the agent learns them from how the shopper writes
# them (capitalized) and checks them against what the site shows (a product page's byline, the
# titles of search results); it has no list of the shop's brands.
_CAPS = re.compile(r"[A-Z][\w'&-]*(?:[ ]+(?:&[ ]+)?[A-Z0-9][\w'&-]*)*")
_NOT_NAMES = frozenset(
    "I I'm I'd I'll I've Please Could Can Hi Hello Hey Good Morning The What What's Which If It "
    "It's My Either Otherwise Then Thanks Great We We're Tell Before Let Up Is Would How Do Does "
    "Our Put And".split()
)
_TOTAL = re.compile(r"cost together|come to in total")
_TOTAL_LIMIT = re.compile(r"if the two together are " + _MONEY + r" or less")
_CHEAPER = re.compile(r"which (?:is|one costs) (?:cheaper|less)")
_FALLBACK_LIMIT = re.compile(r"(?:if it's|no more than) " + _MONEY)
_SURVEY = re.compile(r"\$[\d,.]+ at most|\bup to \$")
MAX_SURVEY = 8
_SEPARATORS = (" and ", "together with", " plus ", ", a ", ", an ", ", some ")
VAGUE_BUDGET = (
    "too expensive",
    "spend too much",
    "not too pricey",
    "cheap-ish",
    "reasonable price",
    "affordable",
)
MAX_PAGES = 10
MAX_CHECKS = 24


@dataclass
class Want:
    """One product the shopper wants, as far as the agent understood."""

    type: ProductType
    attributes: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    quantity: int = 1
    budget: float | None = None
    min_price: float | None = None
    brand: str | None = None
    best: str | None = None  # "cheapest" | "rating" | "reviews"
    title: str | None = None  # a product named by its title


class WebShopHeuristicAgent:
    """A rule-based shopping assistant for utility/WebShop-v1 and WebShopBrowser-v1."""

    name = "heuristic"

    def __init__(self) -> None:
        self.reset()

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "domain": "web_shop"}

    def reset(self) -> None:
        self.wants: list[Want] = []
        self.current = 0
        self.page = ""
        self.asked = False
        self.pending_ask: list[str] = []  # slots asked for, answered in the next user turn
        self.vague_budget = False
        self.refuse: str | None = None
        self.queue: list[Action] = []
        self.phase = "start"
        self.candidates: list[dict[str, Any]] = []
        self.checked: set[str] = set()
        self.pages_seen = 0
        self.in_cart = 0
        self.gave_up = False
        self.asked_again = False
        self.limit = MAX_QUANTITY
        # Requests beyond "buy this": a total or a comparison to tell first, a condition, a
        # request that may fit several brands (see _plan).
        self.mode: str | None = None  # "total" | "cheaper" | "fallback" | "survey"
        self.names: list[str] = []  # brands and titles as the shopper wrote them
        self.titles: list[tuple[str, ProductType]] = []  # products to price by their titles
        self.prices: dict[str, tuple[str, float]] = {}  # title -> (product id, price)
        self.pricing: str | None = None  # the title searched last
        self.price_tries = 0
        self.limit_total: float | None = None
        self.fallback_kind: str | None = None
        self.after: Want | None = None  # what to buy once the comparison is told
        self.found: list[dict[str, Any]] = []  # the product found for each want (total mode)
        self.fits: list[dict[str, Any]] = []  # products that fit (survey mode)
        self.opened: dict[str, Any] | None = None  # the search result opened last

    # -- protocol ---------------------------------------------------------------------------------
    def act(self, obs: str, info: dict[str, Any]) -> Action:
        limits = _LIMIT.findall(info.get("policy", ""))
        if limits:  # the last one stated is in force (a revision comes after the original)
            self.limit = int(limits[-1])
        user = self._read(obs, info)
        if self.phase == "start":
            self._understand(user)
            self.phase = "ask"
        elif self.pending_ask and user:
            self._answers(user)
        if self.refuse:
            text, self.refuse = self.refuse, None
            self.phase = "done"
            return text
        if self.phase == "done":
            return {"name": "end_conversation", "arguments": {}}
        if self.phase == "ask":
            question = self._question()
            self.phase = "search"
            if question:
                return question
        if self.queue:
            return self.queue.pop(0)
        if self.mode in ("cheaper", "fallback"):
            step = self._compare_step()
            if step is not None:
                return step
        return self._shop()

    # -- reading ----------------------------------------------------------------------------------
    def _read(self, obs: str, info: dict[str, Any]) -> str:
        user = []
        events = info.get("events")
        if isinstance(events, list) and events:
            for e in events:
                if e.get("role") == "page":
                    self.page = e.get("content", "")
                elif e.get("role") == "user":
                    user.append(e.get("content", ""))
        else:
            for block in re.split(r"\n(?=(?:user|page|error): )", obs):
                if block.startswith("page: "):
                    self.page = block[6:]
                elif block.startswith("user: "):
                    user.append(block[6:])
        return " ".join(user)

    def _understand(self, text: str) -> None:
        """What the shopper wants: the products, and what to tell or check before buying."""
        self.names = _names(text)
        if self._comparison(text):
            return
        low = text.lower()
        if _TOTAL.search(low):  # "how much would the two cost together? If ... or less, buy both"
            self.mode = "total"
            limit = _TOTAL_LIMIT.search(low)
            self.limit_total = _num(limit.group(1)) if limit else None
            only = re.search(r"otherwise just the ([a-z' -]+?)[.!]", low)
            self.fallback_kind = only.group(1) if only else None
            text = text.split("?")[0]
        self._understand_items(text)
        if (
            self.mode is None
            and len(self.wants) == 1
            and _SURVEY.search(low)
            and not (self.wants[0].brand or self.wants[0].title or self.wants[0].best)
        ):
            self.mode = "survey"  # "..., $45 at most": it may fit products of several brands

    def _comparison(self, text: str) -> bool:
        """'Which is cheaper, the A or the B?' or 'the A if it's at most $X, else the B'."""
        titles = _titles(text)
        low = text.lower()
        if len(titles) < 2:
            return False
        limit = _FALLBACK_LIMIT.search(low)
        if _CHEAPER.search(low):
            self.mode = "cheaper"
        elif limit and ("otherwise" in low or "instead" in low):
            self.mode, self.limit_total = "fallback", _num(limit.group(1))
        else:
            return False
        self.titles = titles[:2]
        rest = text
        for title, _ in titles:
            rest = rest.replace(title, " ")
        after = self._want(titles[0][1], rest.lower(), rest, 1)
        after.attributes, after.brand, after.best = [], None, None
        after.budget = after.min_price = None
        self.after = after
        return True

    def _understand_items(self, text: str) -> None:
        low = text.lower()
        kinds = self._types_in(low)
        if not kinds:
            self.wants = []
            return
        quantity = self._quantity(low)
        if quantity > self.limit:
            self.refuse = (
                f"I'm sorry, but I can't do that: the shop allows at most {self.limit} of an item "
                "per order, "
                f"so I can't order {quantity} of them."
            )
            return
        # Several items: each item's words start after the last "and" (or ", a", "plus" ...)
        # before its type.
        parts = [low]
        if len(kinds) > 1:
            cuts = [0]
            for (prev, _), (nxt, _) in zip(kinds, kinds[1:]):
                cut = max(low.rfind(sep, prev, nxt) for sep in _SEPARATORS)
                cuts.append(cut if cut > prev else nxt)
            parts = [low[a:b] for a, b in zip(cuts, [*cuts[1:], len(low)])]
            quantity = 1
        for (_, kind), part in zip(kinds, parts):
            self.wants.append(self._want(kind, part, text, quantity))
        self.vague_budget = any(v in low for v in VAGUE_BUDGET)

    def _types_in(self, low: str) -> list[tuple[int, ProductType]]:
        found: list[tuple[int, ProductType]] = []
        taken: list[tuple[int, int]] = []
        for name in sorted(TYPE_BY_NAME, key=len, reverse=True):
            forms = "|".join(
                re.escape(f) for f in sorted({name, plural(name)}, key=len, reverse=True)
            )
            for m in re.finditer(r"(?<![\w-])(?:" + forms + r")(?![\w-])", low):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                found.append((m.start(), TYPE_BY_NAME[name]))
                break
        return sorted(found, key=lambda x: x[0])

    def _quantity(self, low: str) -> int:
        m = re.search(
            r"\b(\d+|" + "|".join(_NUMBER_WORDS) + r")\s+(?:units|of the|of them|pieces of)\b", low
        )
        if m is None:
            m = re.search(
                r"\b(?:need|buy|order|want|get)\s+(\d+|"
                + "|".join(_NUMBER_WORDS)
                + r")\s+(?!pack\b|bags\b|pieces\b)",
                low,
            )
        if m is None:
            return 1
        word = m.group(1)
        return int(word) if word.isdigit() else _NUMBER_WORDS[word]

    def _want(self, kind: ProductType, part: str, full: str, quantity: int) -> Want:
        w = Want(kind, quantity=quantity)
        for a in sorted(kind.attributes, key=len, reverse=True):
            if re.search(r"(?<![\w-])" + re.escape(a) + r"(?![\w-])", part):
                if not any(a in b for b in w.attributes):
                    w.attributes.append(a)
        if kind.audience:
            for aud in ("men's", "women's", "kids'"):
                if aud in part and not (
                    "women's" in part
                    and aud == "men's"
                    and "men's" not in part.replace("women's", "")
                ):
                    w.attributes.insert(0, aud)
                    break
            else:
                for word, aud in RELATIVES.items():
                    if re.search(rf"\bmy {word}\b", part):
                        w.attributes.insert(0, aud)
                        break
        for name in self.names:
            # A proper name in this item's words that is not a product title: its brand.
            if name.lower() in part and _title_kind(name) is None:
                w.brand = name
                break
        for dim, values in kind.options.items():
            value = self._option_in(dim, values, part)
            if value is not None:
                w.options[dim] = value
        between = re.search(r"between " + _MONEY + r" and " + _MONEY, part)
        if between:
            w.min_price, w.budget = _num(between.group(1)), _num(between.group(2))
        else:
            m = re.search(
                r"(?:under|below|at most|no more than|budget is|less than|up to|for)\s+" + _MONEY,
                part,
            )
            if m:
                w.budget = _num(m.group(1))
        if "cheapest" in part:
            w.best = "cheapest"
        elif "best-rated" in part or "highest-rated" in part or "best rated" in part:
            w.best = "rating"
        elif "most reviews" in part:
            w.best = "reviews"
        for title, title_kind in _titles(full):
            if title_kind is kind and title.lower() in part:
                w.title = title
                break
        return w

    @staticmethod
    def _option_in(dim: str, values: tuple[str, ...], text: str) -> str | None:
        for v in sorted(values, key=len, reverse=True):
            lv = v.lower()
            if dim == "size" and (len(v) <= 3 or v.isdigit()):
                pattern = r"\bsize " + re.escape(lv) + r"(?![\w.])"
            else:
                pattern = r"(?<![\w-])" + re.escape(lv) + r"(?![\w-])"
            if re.search(pattern, text):
                return v
        return None

    def _question(self) -> str | None:
        if self.mode in ("cheaper", "fallback"):
            return None
        if not self.wants:
            return (
                "Sorry, I didn't catch what you'd like to buy. Which product are you looking for?"
            )
        w = self.wants[0]
        if w.title:
            return None
        missing = [d for d in w.type.options if d not in w.options]
        slots = list(missing)
        if self.vague_budget and w.budget is None and not w.best:
            slots.insert(0, "budget")
        if not slots:
            return None
        self.pending_ask = slots
        names = ["budget" if s == "budget" else s for s in slots]
        if len(names) == 1:
            return (
                f"Happy to help! Which {names[0]} would you like?"
                if names[0] != "budget"
                else "Happy to help! What's your budget?"
            )
        return (
            "Happy to help! Could you tell me your "
            + ", ".join(names[:-1])
            + " and "
            + names[-1]
            + "?"
        )

    def _answers(self, text: str) -> None:
        low = text.lower()
        w = self.wants[0] if self.wants else None
        if w is None:
            return
        for slot in self.pending_ask:
            if slot == "brand":
                self._pick_fit(low)
                continue
            if slot == "budget":
                m = re.search(_MONEY, text)
                if m:
                    w.budget = _num(m.group(1))
                continue
            values = w.type.options.get(slot, ())
            value = self._option_in(slot, values, low) or self._bare_value(slot, values, text)
            if value is not None:
                w.options[slot] = value
        self.pending_ask = []

    @staticmethod
    def _bare_value(dim: str, values: tuple[str, ...], text: str) -> str | None:
        # "It's M." / "My size is XL.": a short value said on its own.
        for v in sorted(values, key=len, reverse=True):
            if re.search(r"(?:\bis|\bit's|:|^)\s*" + re.escape(v) + r"(?![\w])", text, re.I):
                return v
        return None

    # -- shopping ---------------------------------------------------------------------------------
    def _shop(self) -> Action:
        if not self.wants or self.current >= len(self.wants):
            return {"name": "end_conversation", "arguments": {}}
        w = self.wants[self.current]
        if self.phase == "search":
            self.phase = "results"
            self.candidates, self.checked, self.pages_seen = [], set(), 0
            return f"search[{self._query(w)}]"
        if self.phase == "results":
            self._collect(w)
            nxt = _NEXT.search(self.page)
            if nxt and self.pages_seen < MAX_PAGES and (w.best is not None or not self._viable(w)):
                self.pages_seen += 1
                return f"click[{nxt.group(1)}]"
            self.phase = "check"
        if self.phase == "check":
            return self._check_next(w)
        if self.phase == "product":
            return self._on_product(w)
        return {"name": "end_conversation", "arguments": {}}

    def _query(self, w: Want) -> str:
        if w.title:
            return w.title.replace("'", "")
        words = [a.replace("'", "") for a in w.attributes] + [w.type.name]
        if w.brand:
            words.insert(0, w.brand)
        return " ".join(words)

    def _collect(self, w: Want) -> None:
        for _eid, title, pid, price, rating, reviews in _RESULT.findall(self.page):
            if any(c["pid"] == pid for c in self.candidates):
                continue
            self.candidates.append(
                {
                    "pid": pid,
                    "title": title,
                    "price": _num(price),
                    "rating": float(rating),
                    "reviews": int(reviews),
                    "order": len(self.candidates),
                }
            )

    def _viable(self, w: Want) -> list[dict[str, Any]]:
        out = []
        for c in self.candidates:
            if c["pid"] in self.checked:
                continue
            if w.budget is not None and c["price"] > w.budget + 1e-9:
                continue
            if w.min_price is not None and c["price"] < w.min_price - 1e-9:
                continue
            if w.title and c["title"].lower() != w.title.lower():
                continue
            out.append(c)
        if w.best == "cheapest":
            out.sort(key=lambda c: (c["price"], c["order"]))
        elif w.best == "rating":
            out.sort(key=lambda c: (-c["rating"], -c["reviews"], c["order"]))
        elif w.best == "reviews":
            out.sort(key=lambda c: (-c["reviews"], c["order"]))
        return out

    def _check_next(self, w: Want) -> Action:
        viable = self._viable(w)
        if self.mode == "survey":  # every product of the kind that fits, not only the first
            viable = [c for c in viable if c["title"].lower().endswith(w.type.name)]
            if not viable or len(self.checked) >= MAX_SURVEY:
                return self._after_survey(w)
        if not viable or len(self.checked) >= MAX_CHECKS:
            self.phase = "done"
            return "I'm sorry, I couldn't find a product that matches everything you asked for."
        c = viable[0]
        self.checked.add(c["pid"])
        self.opened = c
        self.phase = "product"
        if c["pid"] in self.page:
            return f"click[{c['pid']}]"
        # Found on another results page: look it up by its title, then open it.
        self.queue = [f"click[{c['pid']}]"]
        return f"search[{c['title']}]"

    def _on_product(self, w: Want) -> Action:
        page = self.page
        byline = _BYLINE.search(page)
        features = _FEATURES.search(page)
        if byline is None or byline.group(4).strip() != w.type.name:
            self.phase = "check"
            return "back"
        attrs = [a.strip() for a in features.group(1).split(",")] if features else []
        if any(a not in attrs for a in w.attributes) or (w.brand and byline.group(2) != w.brand):
            self.phase = "check"
            return "back"
        if "Out of stock" in page or "Currently unavailable" in page:
            self.phase = "check"
            return "back"
        offered = {
            m.group(1): [v.strip() for _, v in _OPTION_ITEM.findall(m.group(2))]
            for m in _OPTION_LINE.finditer(page)
        }
        if any(v not in offered.get(d, []) for d, v in w.options.items()):
            self.phase = "check"
            return "back"
        if w.quantity > 1 and str(w.quantity) not in offered.get("quantity", []):
            self.phase = "check"
            return "back"
        if self.mode == "total" and self.opened is not None:
            return self._priced(self.opened)
        if self.mode == "survey" and self.opened is not None:
            self.fits.append({**self.opened, "brand": byline.group(2)})
            self.phase = "check"
            return "back"
        missing = [d for d in offered if d != "quantity" and d not in w.options]
        if missing and not self.asked_again:
            # The request left an option of this product open: ask rather than guess.
            self.asked_again = True
            self.pending_ask = missing
            return "Which " + " and ".join(missing) + " would you like?"
        actions: list[Action] = [f"select[{d}: {v}]" for d, v in w.options.items()]
        if w.quantity != 1:
            actions.append(f"select[quantity {w.quantity}]")
        if len(self.wants) == 1:
            actions.append("click[Buy Now]")
        else:
            actions.append("click[Add to Cart]")
            if self.current + 1 == len(self.wants):
                actions += ["click[Proceed to checkout]", "click[Place order]"]
        self.current += 1
        self.phase = "search"
        self.queue = actions[1:]
        return actions[0]

    # -- totals, comparisons, conditions and brands to ask about ----------------------------------
    def _priced(self, c: dict[str, Any]) -> Action:
        """Total mode: note the product found for this item; once all are found, tell the total
        and buy what the shopper's condition says."""
        self.found.append(c)
        self.current += 1
        if self.current < len(self.wants):
            self.phase = "search"
            return self._shop()
        total = round(sum(f["price"] for f in self.found), 2)
        keep = list(range(len(self.wants)))
        if self.limit_total is not None and total > self.limit_total + 1e-9:
            keep = [i for i, w in enumerate(self.wants) if w.type.name == self.fallback_kind] or [0]
        for i, f in enumerate(self.found):
            self.wants[i].title = f["title"]
        self.wants = [self.wants[i] for i in keep]
        self.current, self.phase, self.mode = 0, "search", None
        return f"Together they come to ${total:,.2f}."

    def _compare_step(self) -> Action | None:
        """Price the named products by their search results, then decide what to buy."""
        if self.pricing is not None:
            for _eid, title, pid, price, _rating, _reviews in _RESULT.findall(self.page):
                if title.lower() == self.pricing.lower():
                    self.prices[self.pricing] = (pid, _num(price))
                    break
            self.pricing = None
        todo = [t for t, _ in self.titles if t not in self.prices]
        if self.mode == "fallback" and self.titles[0][0] in self.prices:
            todo = []
        if todo and self.price_tries < 4:
            self.price_tries += 1
            self.pricing = todo[0]
            return f"search[{todo[0].replace(chr(39), '')}]"
        return self._decide()

    def _decide(self) -> Action | None:
        assert self.after is not None
        w = self.after
        self.wants, self.current, self.phase = [w], 0, "search"
        mode, self.mode = self.mode, None
        (a, kind_a), (b, kind_b) = self.titles[:2]
        if mode == "fallback":
            limit = self.limit_total
            over = a in self.prices and limit is not None and self.prices[a][1] > limit
            w.title, w.type = (b, kind_b) if over else (a, kind_a)
            return None
        if a not in self.prices or b not in self.prices:
            w.title, w.type = a, kind_a
            return None
        (cheap, kind), (dear, _) = sorted(self.titles[:2], key=lambda t: self.prices[t[0]][1])
        w.title, w.type = cheap, kind
        low, high = self.prices[cheap][1], self.prices[dear][1]
        return (
            f"The {cheap} is cheaper: ${low:,.2f}, ${high - low:,.2f} less than the {dear} "
            f"at ${high:,.2f}."
        )

    def _after_survey(self, w: Want) -> Action:
        brands = sorted({f["brand"] for f in self.fits})
        if not brands:
            self.phase = "done"
            return "I'm sorry, I couldn't find a product that matches everything you asked for."
        if len(brands) == 1:
            self._pick_fit(brands[0].lower())
            return self._shop()
        self.pending_ask = ["brand"]
        self.mode = "brand"
        return (
            f"I found {len(self.fits)} that fit: from {_join(brands)}. Which brand would you like?"
        )

    def _pick_fit(self, low: str) -> None:
        """The fitting product of the brand the shopper named (the first fit if none)."""
        named = [f for f in self.fits if f["brand"].lower() in low]
        fit = (named or self.fits or [None])[0]
        if fit is None or not self.wants:
            return
        w = self.wants[self.current]
        w.title, w.brand = fit["title"], fit["brand"]
        self.mode, self.phase = None, "search"


# A shopper who says who they are ("Hi, it's Dana Reyes again", "this is Robin Hale."): that
# name is a person's, not a brand's.
_SPEAKER = re.compile(
    r"(?:^|[.!?,]\s*)(?:[Ii]t's|[Tt]his is|[Mm]y name is)\s+([A-Z][a-z'-]+ [A-Z][a-z'-]+)"
    r"(?= again\b|[.,!]| here\b)"
)


def _names(text: str) -> list[str]:
    """Proper names as the shopper wrote them (capitalized words), e.g. brands and titles; not
    the shopper's own name."""
    speakers = set(_SPEAKER.findall(text))
    names = []
    for m in _CAPS.finditer(text):
        words = m.group(0).split()
        if text[: m.start()].rstrip()[-1:] in ("", ".", "!", "?", ":"):
            words = words[1:]  # a sentence's first word is capitalized anyway
        while words and (words[0] in _NOT_NAMES or words[0].isupper()):
            words = words[1:]
        while words and words[-1].isupper():
            words = words[:-1]
        if words and " ".join(words) not in speakers:
            names.append(" ".join(words))
    return names


def _titles(text: str) -> list[tuple[str, ProductType]]:
    """Product titles named as "the <Capitalized Words ending in a product type>"."""
    out = []
    for m in re.finditer(r"\bthe (" + _CAPS.pattern + ")", text):
        kind = _title_kind(m.group(1))
        if kind is not None:
            out.append((m.group(1), kind))
    return out


def _title_kind(name: str) -> ProductType | None:
    low = name.lower()
    for type_name in sorted(TYPE_BY_NAME, key=len, reverse=True):
        if low.endswith(" " + type_name) or low.endswith(" " + plural(type_name)):
            return TYPE_BY_NAME[type_name]
    return None


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _num(text: str) -> float:
    return float(text.replace(",", ""))
