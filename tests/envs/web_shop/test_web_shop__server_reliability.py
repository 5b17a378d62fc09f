"""The web shop server under hostile and concurrent clients: Unicode digits and fuzzed paths,
queries and forms get 4xx (never 5xx) with every injected string escaped, in the application,
over HTTP and in Chromium; one stalled client does not hold up the others, and is dropped after
the read timeout."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from urllib.parse import quote, urlencode

import gymnasium as gym
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from utility_gym.envs.web_shop.site.app import ShopApp, make_environ
from utility_gym.envs.web_shop.site.server import shop_world, start_server

# Payloads that run script if a page ever shows them unescaped; each would set window.__pwned.
PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=1">',
    "'><svg/onload=window.__pwned=1>",
    "</title><script>window.__pwned=1</script>",
    "javascript:window.__pwned=1",
)
UNICODE_DIGITS = ("²", "²²²", "٣", "١٢", "৪", "𝟙", "Ⅻ", "½", "⁹⁹", "0²")
PATHS = (
    "/",
    "/search",
    "/cart",
    "/checkout",
    "/buy",
    "/cart/add",
    "/cart/remove",
    "/product/P000001",
    "/product/P000001/reviews",
    "/order/O10001",
    "/static/shop.js",
    "/nope",
)
FIELDS = (
    "q",
    "category",
    "min_price",
    "max_price",
    "min_rating",
    "sort",
    "page",
    "qty",
    "item_id",
    "product_id",
    "size",
    "color",
    "error",
)
SCRIPT_TAG = '<script src="/static/shop.js" defer></script>'


@pytest.fixture(scope="module")
def app():
    return ShopApp(shop_world(0, "small"), log=lambda text: None)


def _handle(
    app: ShopApp, method: str, path: str, query: str = "", body: bytes = b""
) -> tuple[int, str]:
    environ = make_environ(method, "/", query, body)
    environ["PATH_INFO"] = path.encode("utf-8", "surrogatepass").decode("latin-1")
    response = app.handle(environ)
    return response.status, response.body.decode("utf-8")


def _assert_safe(status: int, body: str, where: str) -> None:
    assert status < 500, f"{where}: {status}"
    for payload in PAYLOADS:
        assert payload not in body or payload.startswith("javascript:"), (
            f"{where}: unescaped {payload!r}"
        )
    assert body.count("<script") == body.count(SCRIPT_TAG), (
        f"{where}: a script tag the site did not write"
    )
    for attribute in ("onerror=", "onload="):
        assert attribute not in body.replace("&#34;", '"'), (
            f"{where}: an injected {attribute} handler"
        )


@pytest.mark.parametrize("digits", UNICODE_DIGITS)
def test_web_shop__unicode_digits_are_4xx_not_500(app, digits):
    cases = [
        ("GET", f"/product/P{digits}", ""),
        ("GET", f"/product/P{digits * 6}"[:8], ""),
        ("GET", f"/product/P{'0' * (6 - len(digits))}{digits}", ""),
        ("GET", "/search", urlencode({"q": "lamp", "page": digits})),
        ("GET", "/product/P000001", urlencode({"qty": digits})),
        ("GET", "/search", urlencode({"min_price": digits, "min_rating": digits})),
        ("GET", f"/order/O{digits}", ""),
    ]
    for method, path, query in cases:
        status, body = _handle(app, method, path, query)
        assert 400 <= status < 500 or status == 200, (path, query, status)
    for form in (
        {"product_id": "P000001", "qty": digits},
        {"item_id": digits},
        {"product_id": f"P{digits}"},
    ):
        for path in ("/cart/add", "/buy", "/cart/remove"):
            status, _ = _handle(app, "POST", path, body=urlencode(form).encode())
            assert status < 500, (path, form, status)


def test_web_shop__text_env_answers_unicode_digit_clicks_with_an_error():
    env = gym.make("utility/WebShop-v1", size="small")
    try:
        env.reset(seed=0)
        for action in (
            "click[²]",
            "click[٣]",
            "select[²]",
            "click[" + "9" * 5000 + "]",
            "fill[², x]",
        ):
            obs, *_ = env.step(action)
            assert obs.startswith("error:") or "page" in obs, (action, obs[:200])
            assert "ValueError" not in obs and "invalid literal" not in obs, (action, obs[:200])
    finally:
        env.close()


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_value = st.one_of(
    _text, st.sampled_from(PAYLOADS + UNICODE_DIGITS), st.integers(-5, 10**12).map(str)
)
_pairs = st.lists(st.tuples(st.sampled_from(FIELDS) | _text, _value), max_size=6)
_path = st.one_of(
    st.sampled_from(PATHS),
    st.builds(lambda p, t: p + t, st.sampled_from(PATHS), _text),
    st.builds(lambda t: "/product/" + t, _text),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(("GET", "HEAD", "POST", "PUT")), path=_path, query=_pairs, form=_pairs
)
def test_web_shop__fuzzed_paths_queries_and_forms_never_5xx_and_stay_escaped(
    app, method, path, query, form
):
    body = urlencode(form).encode() if method == "POST" else b""
    status, text = _handle(app, method, path, urlencode(query), body)
    _assert_safe(status, text, f"{method} {path!r} {query!r} {form!r}")


def _get(port: int, path: str, timeout: float = 10) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_web_shop__concurrent_clients_are_served_while_one_stalls():
    with start_server(size="small", read_timeout=2) as server:
        stalled = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        stalled.sendall(
            b"GET /search?q=lamp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        )  # ... and never the blank line
        half_body = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        half_body.sendall(
            b"POST /cart/add HTTP/1.1\r\nHost: x\r\nContent-Type: "
            b"application/x-www-form-urlencoded\r\n"
            b"Content-Length: 500\r\n\r\nproduct_id=P0"
        )
        statuses: list[int] = []
        lock = threading.Lock()

        def client(n: int) -> None:
            for path in ("/", f"/search?q=item+{n}", "/product/P000001", "/cart"):
                status = _get(server.port, path, timeout=5)
                with lock:
                    statuses.append(status)

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        elapsed = time.monotonic() - started
        assert statuses == [200] * 32 or sorted(set(statuses)) == [200], statuses
        assert len(statuses) == 32 and elapsed < 2, (
            f"{len(statuses)} answers in {elapsed:.1f} s while two clients stall"
        )
        # The stalled clients are dropped after the read timeout: the server closes their sockets.
        for sock in (stalled, half_body):
            sock.settimeout(10)
            deadline = time.monotonic() + 10
            data = b"x"
            while data and time.monotonic() < deadline:
                data = sock.recv(4096)
            assert data == b"", "a stalled connection was never closed"
            sock.close()


def test_web_shop__oversized_requests_are_refused_with_4xx():
    with start_server(size="small") as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n")
            assert s.recv(200).split(b" ")[1].startswith(b"4")
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(
                b"POST /cart/add HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"
                + b"a" * 1000
            )
            assert s.recv(200).split(b" ")[1].startswith(b"4")


@pytest.mark.usefixtures("chromium")
def test_web_shop__fuzzed_pages_run_no_injected_script_in_chromium():
    import random

    from utility_gym.envs.web_shop.chromium import shared_browser

    rng = random.Random(14)
    urls = []
    for payload in PAYLOADS:
        urls += [
            f"/search?q={quote(payload)}",
            f"/search?q={quote(payload)}&page=²",
            f"/product/{quote(payload)}",
            f"/product/P000001?size={quote(payload)}&color={quote(payload)}",
            f"/product/P000001?qty=²&error={quote(payload)}",
            f"/{quote(payload)}",
            f"/search?category={quote(payload)}&sort={quote(payload)}",
        ]
    for _ in range(20):
        field = rng.choice(FIELDS)
        urls.append(
            f"{rng.choice(PATHS)}?{urlencode({field: rng.choice(PAYLOADS + UNICODE_DIGITS)})}"
        )
    with start_server(size="small") as server:
        context = shared_browser().new_context(java_script_enabled=True)
        try:
            page = context.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            for url in urls:
                response = page.goto(server.url + url, wait_until="load")
                assert response is not None and response.status < 500, (
                    url,
                    response and response.status,
                )
                assert not page.evaluate("Boolean(window.__pwned)"), f"{url}: injected script ran"
                injected = page.evaluate(
                    'document.querySelectorAll(\'script:not([src="/static/shop.js"]), [onerror], '
                    "[onload]').length"
                )
                assert injected == 0, f"{url}: {injected} injected elements in the DOM"
            # A form post with payloads, submitted by the browser itself.
            page.goto(server.url + "/product/P000001", wait_until="load")
            status = page.evaluate(
                """async (p) => (await fetch('/cart/add', {method: 'POST', headers: {'Content-Type':
                'application/x-www-form-urlencoded'},
                body: new URLSearchParams({product_id: 'P000001', qty: '²',
                size: p})})).status""",
                PAYLOADS[0],
            )
            assert status < 500, status
            assert dialogs == []
        finally:
            context.close()
