// Utility Shop: in-page navigation without full reloads, and the page-as-text view for agents.
//
// Links and forms are intercepted: the next page is fetched from the same server and swapped
// into the document, and the history gets an entry, so the back button works. Without this
// script every link and form still works as plain HTML.
//
// window.__shop is the interface of the browser environment (WebShopBrowser-v1):
//   snapshot()       the page as text with numbered elements, by the same rules as page.py
//   act(action)      perform {kind: "click"|"fill"|"search"|"back", uid, text} and resolve with
//                    the snapshot of the page it leads to
(() => {
  "use strict";

  const BLOCK = new Set(["address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "legend", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul"]);
  const SKIP = new Set(["head", "script", "style", "template", "noscript", "title"]);
  const WS = /[ \t\n\r\f]+/g;

  let navSeq = 0;
  let pending = null;
  let lastStatus = 200;
  let depth = (history.state && typeof history.state.depth === "number") ? history.state.depth : 0;
  if (!history.state) history.replaceState({ depth: 0, status: 200 }, "");

  // Inside the browser environment (the __shopFetch binding exists) the page keeps its own
  // history, as single-page apps do: each History API entry costs Chromium about 20 ms of CPU
  // (session history bookkeeping and DevTools events), more than the rest of a step. For a
  // person the browser's own history is used, so the back button works.
  const bridged = () => typeof window.__shopFetch === "function";
  const stack = [location.pathname + location.search];
  const here = () => (bridged() ? stack[stack.length - 1] : location.pathname + location.search);

  const collapse = (s) => s.replace(WS, " ");
  const trim = (s) => s.replace(/^ +| +$/g, "");

  function isInteractive(el, tag) {
    if (tag === "a") return el.hasAttribute("href");
    if (tag === "button") return true;
    if (tag === "input") return (el.getAttribute("type") || "text").toLowerCase() !== "hidden";
    return false;
  }

  function snapshot() {
    const out = [];
    const elements = [];
    const forms = Array.from(document.forms);
    const walk = (node) => {
      for (const child of node.childNodes) {
        if (child.nodeType === 3) { out.push(collapse(child.nodeValue)); continue; }
        if (child.nodeType !== 1) continue;
        const tag = child.tagName.toLowerCase();
        if (SKIP.has(tag)) continue;
        if (tag === "input" && (child.getAttribute("type") || "text").toLowerCase() === "hidden") continue;
        if (isInteractive(child, tag)) {
          const eid = elements.length + 1;
          child.setAttribute("data-uid", String(eid));
          const form = child.form ? forms.indexOf(child.form) : -1;
          if (tag === "a") {
            const label = trim(collapse(child.textContent));
            elements.push({ eid, kind: "link", label, href: child.getAttribute("href"), form: -1, name: "", value: "",
              option: child.getAttribute("data-option") || "", key: child.getAttribute("data-key") || "" });
            out.push(`[${eid}] ${label}`);
          } else if (tag === "button") {
            const label = trim(collapse(child.textContent));
            elements.push({ eid, kind: "button", label, href: "", form, name: child.getAttribute("name") || "",
              value: child.getAttribute("value") || "", option: "", key: "" });
            out.push(`[${eid}] ${label}`);
          } else {
            const label = trim(collapse(child.getAttribute("aria-label") || child.getAttribute("name") || "field"));
            elements.push({ eid, kind: "input", label, href: "", form, name: child.getAttribute("name") || "",
              value: child.value, option: "", key: "" });
            out.push(`[${eid}] ${label}: ${collapse(child.value)}`);
          }
          continue;
        }
        const block = BLOCK.has(tag);
        if (block) out.push("\n");
        walk(child);
        if (block) out.push("\n");
      }
    };
    walk(document.body);
    const text = out.join("").split("\n").map((line) => trim(collapse(line))).filter((line) => line).join("\n");
    const formInfo = forms.map((f) => ({ action: f.getAttribute("action") || here(),
      method: (f.getAttribute("method") || "get").toUpperCase(),
      fields: Array.from(f.elements).filter((e) => e.tagName === "INPUT" && e.name)
        .map((e) => [e.name, e.value, Number(e.getAttribute("data-uid") || 0)]) }));
    return { url: here(), status: lastStatus, text, elements, forms: formInfo, depth: bridged() ? stack.length - 1 : depth };
  }

  // The next page, from the server (fetch) or, inside the browser environment, from the same
  // application called in-process through the __shopFetch binding (no network round trip).
  // The browser environment may hand over the answer to the GET it expects the action to make
  // (computed by the same application); a navigation that asks for anything else ignores it.
  let prefetched = null;

  async function load(url, init) {
    const ahead = prefetched;
    prefetched = null;
    if (ahead && ahead.method === init.method && ahead.url === url && !init.body) {
      return { status: ahead.status, url: new URL(ahead.finalUrl, location.href), html: ahead.html };
    }
    if (typeof window.__shopFetch === "function") {
      const body = init.body ? init.body.toString() : "";
      const r = await window.__shopFetch({ method: init.method, url, body });
      return { status: r.status, url: new URL(r.url, location.href), html: r.html };
    }
    const resp = await fetch(url, Object.assign({ redirect: "follow", credentials: "same-origin" }, init));
    return { status: resp.status, url: new URL(resp.url), html: await resp.text() };
  }

  async function navigate(url, init, push) {
    const seq = ++navSeq;
    let next;
    try {
      next = await load(url, init);
    } catch (err) {
      if (seq === navSeq) lastStatus = 0;
      throw err;
    }
    if (seq !== navSeq) return;
    const doc = new DOMParser().parseFromString(next.html, "text/html");
    document.title = doc.title;
    document.body.replaceWith(document.adoptNode(doc.body));
    lastStatus = next.status;
    const target = next.url.pathname + next.url.search;
    if (bridged()) {
      if (push) stack.push(target);
      else stack[stack.length - 1] = target;
    } else if (push) {
      depth += 1;
      history.pushState({ depth, status: next.status }, "", target);
    }
    window.scrollTo(0, 0);
  }

  function go(url, init, push) {
    pending = navigate(url, init, push);
    return pending;
  }

  document.addEventListener("click", (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = ev.target instanceof Element ? ev.target.closest("a[href]") : null;
    if (!a) return;
    const url = new URL(a.getAttribute("href"), location.href);
    if (url.origin !== location.origin) return;
    ev.preventDefault();
    go(url.pathname + url.search, { method: "GET" }, true);
  });

  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement)) return;
    ev.preventDefault();
    const data = new URLSearchParams(new FormData(form, ev.submitter || null));
    const method = (form.getAttribute("method") || "get").toUpperCase();
    const action = new URL(form.getAttribute("action") || location.href, location.href);
    if (method === "POST") {
      go(action.pathname, { method: "POST", body: data, headers: { "Content-Type": "application/x-www-form-urlencoded" } }, true);
    } else {
      const query = data.toString();
      go(action.pathname + (query ? "?" + query : ""), { method: "GET" }, true);
    }
  });

  let popResolve = null;
  window.addEventListener("popstate", (ev) => {
    depth = (ev.state && typeof ev.state.depth === "number") ? ev.state.depth : 0;
    const done = go(location.pathname + location.search, { method: "GET" }, false);
    if (popResolve) {
      const resolve = popResolve;
      popResolve = null;
      done.then(resolve, resolve);
    }
  });

  const byUid = (uid) => document.querySelector(`[data-uid="${uid}"]`);

  async function act(action) {
    prefetched = action.prefetch || null;
    try {
      return await perform(action);
    } finally {
      prefetched = null;
    }
  }

  async function perform(action) {
    if (action.kind === "back" && bridged()) {
      if (stack.length <= 1) return { error: "there is no previous page to go back to" };
      stack.pop();
      await go(stack[stack.length - 1], { method: "GET" }, false);
      return snapshot();
    }
    if (action.kind === "back") {
      if (depth <= 0) return { error: "there is no previous page to go back to" };
      await new Promise((resolve) => { popResolve = resolve; history.back(); });
      return snapshot();
    }
    const before = navSeq;
    if (action.kind === "submit") {
      const form = document.forms[action.form];
      if (!form) return { error: "the form is gone; the page changed" };
      for (const [uid, text] of action.fills) {
        const field = byUid(uid);
        if (!field) return { error: `element ${uid} is gone; the page changed` };
        field.value = text;
      }
      const submitter = action.submitter ? byUid(action.submitter) : null;
      form.requestSubmit(submitter);
    } else {
      const el = byUid(action.uid);
      if (!el) return { error: `element ${action.uid} is gone; the page changed` };
      if (action.kind === "fill") {
        el.value = action.text;
        el.dispatchEvent(new Event("input", { bubbles: true }));
        return snapshot();
      }
      el.click();
    }
    if (navSeq !== before && pending) await pending;
    return snapshot();
  }

  // JSON strings cross the Playwright bridge much faster than nested objects.
  window.__shop = {
    snapshot,
    act,
    snapshotJSON: () => JSON.stringify(snapshot()),
    visit: (url) => go(url, { method: "GET" }, true),
    actJSON: async (action) => JSON.stringify(await act(action)),
  };
})();
