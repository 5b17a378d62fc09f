"""The cart, checkout and order pages, and the forms that change the world: buy now, add to and
remove from the cart, place the order.

A form is posted, the shop writes (``shop.py``), and the answer is a redirect to the page that
shows the result: the history only ever holds GET pages. A choice the shop refuses sends the
browser back to the product page (or the cart) with the error in its URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from utility_gym.envs.web_shop.site import shop
from utility_gym.envs.web_shop.site.request import (
    HTTPError,
    Request,
    Response,
    int_field,
    redirect,
)
from utility_gym.envs.web_shop.site.shop import Product, ShopError, money

if TYPE_CHECKING:
    from utility_gym.envs.web_shop.site.app import ShopApp

_CART_ERRORS = {
    "empty": "Your cart is empty.",
    "stock": "Some items are no longer in stock in that quantity.",
    "gone": "That item is no longer in your cart.",
}


def cart(app: ShopApp, r: Request) -> Response:
    lines = [_line(x) for x in shop.cart_lines(r.db)]
    total = sum(x["unit_price"] * x["quantity"] for x in lines)
    error = _CART_ERRORS.get(r.query.get("error", ""), "")
    return app.render(r, "cart.html", page="cart", lines=lines, total=money(total), error=error)


def checkout(app: ShopApp, r: Request) -> Response:
    lines = [_line(x) for x in shop.cart_lines(r.db)]
    if not lines:
        return redirect("/cart?error=empty")
    total = sum(x["unit_price"] * x["quantity"] for x in lines)
    return app.render(r, "checkout.html", page="checkout", lines=lines, total=money(total))


def order(app: ShopApp, r: Request, order_id: str) -> Response:
    placed = shop.get_order(r.db, order_id)
    if placed is None:
        raise HTTPError(404, "There is no such order.")
    lines = [_line(x) for x in placed["items"]]
    return app.render(
        r, "order.html", page="order", order=placed, lines=lines, total=money(placed["total"])
    )


def _line(x: dict[str, Any]) -> dict[str, Any]:
    opts = ", ".join(f"{k} {v}" for k, v in x["options"].items()) or "no options"
    return {**x, "options_text": opts, "amount": money(x["unit_price"] * x["quantity"])}


# -- the forms (POST, then redirect) ----------------------------------------------------------
def buy(r: Request) -> Response:
    p, chosen, qty = _choice(r)
    try:
        order_id = shop.place_order(r.db, [(p, chosen, qty)], shop.now(r.db))
    except ShopError as e:
        return _back_to_product(p, chosen, qty, e.field)
    return redirect(f"/order/{order_id}")


def cart_add(r: Request) -> Response:
    p, chosen, qty = _choice(r)
    try:
        shop.add_to_cart(r.db, p, chosen, qty)
    except ShopError as e:
        return _back_to_product(p, chosen, qty, e.field)
    return redirect("/cart")


def cart_remove(r: Request) -> Response:
    item = int_field(r.form, "item_id", 1, 2**31, default=None, status=400)
    try:
        shop.remove_from_cart(r.db, item)
    except ShopError:
        return redirect("/cart?error=gone")
    return redirect("/cart")


def place_order(r: Request) -> Response:
    if r.method != "POST":
        raise HTTPError(405, "Not allowed here.", [("Allow", "GET, HEAD, POST")])
    try:
        order_id = shop.checkout_cart(r.db, shop.now(r.db))
    except ShopError as e:
        return redirect("/cart?error=" + ("empty" if e.field == "cart" else "stock"))
    return redirect(f"/order/{order_id}")


def _choice(r: Request) -> tuple[Product, dict[str, str], int]:
    """The product, options and quantity a buy or add-to-cart form names (400 if unknown)."""
    pid = r.form.get("product_id", "")
    p = shop.get_product(r.db, pid, r.catalog)
    if p is None:
        raise HTTPError(400, "Unknown product.")
    qty = int_field(r.form, "qty", 1, shop.max_quantity(r.db), default=1, status=400)
    chosen = {}
    for name, value in r.form.items():
        if name in ("product_id", "qty"):
            continue
        if name not in p.options or value not in p.options[name]:
            raise HTTPError(400, f"Unknown option {name[:40]!r} for this product.")
        chosen[name] = value
    return p, chosen, qty


def _back_to_product(p: Product, chosen: dict[str, str], qty: int, error: str) -> Response:
    params = [(d, chosen[d]) for d in p.options if d in chosen]
    if qty != 1:
        params.append(("qty", str(qty)))
    params.append(("error", error))
    return redirect(f"/product/{p.id}?" + urlencode(params))
