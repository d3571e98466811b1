/* Vermilion web app: shared helpers. No inline scripts anywhere (strict CSP): pages add
   behaviour with Alpine components registered on `alpine:init`, and htmx attributes. */
(function () {
  "use strict";

  function csrfToken() {
    const headers = document.body && document.body.getAttribute("hx-headers");
    if (headers) {
      try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { /* fall through */ }
    }
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  /** Call the JSON API with the session cookie and CSRF token; resolves to {ok, status, data}. */
  async function api(method, path, body) {
    const options = { method, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" } };
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, options);
    } catch (e) {
      return { ok: false, status: 0, data: { error: { code: "network", message: document.documentElement.lang.startsWith("zh") ? "网络连接失败，请重试。" : "Network problem. Please try again." } } };
    }
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (e) { data = null; }
    }
    return { ok: response.ok, status: response.status, data };
  }

  function errorMessage(result) {
    // The API's message is already in the reader's language; this is for a reply without one.
    return (result && result.data && result.data.error && result.data.error.message) ||
      (document.documentElement.lang.startsWith("zh") ? "出了点问题，请重试。" : "Something went wrong.");
  }

  let toastTimer = null;
  function toast(message) {
    const el = document.getElementById("toast");
    if (!el) return;
    el.textContent = message;
    el.classList.add("show");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => el.classList.remove("show"), 2600);
  }

  function requireSignIn() {
    if (document.body.dataset.signedIn === "1") return true;
    window.location.href = "/signin?next=" + encodeURIComponent(window.location.pathname + window.location.search);
    return false;
  }

  /* Masonry: each card spans as many 4px grid rows as its content is tall. Cover images
     carry width/height, so the height is known before they load: no layout shift. */
  function layoutMasonry(grid) {
    const style = getComputedStyle(grid);
    const rowHeight = 4;
    const gap = 0;
    grid.classList.add("laid-out");
    grid.querySelectorAll(":scope > .card").forEach((card) => {
      const inner = card.firstElementChild || card;
      const height = inner.getBoundingClientRect().height;
      card.style.gridRowEnd = "span " + Math.max(1, Math.ceil((height + gap) / (rowHeight + gap)));
    });
    void style;
  }
  function layoutAll() {
    document.querySelectorAll(".masonry").forEach(layoutMasonry);
  }
  let resizeTimer = null;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(layoutAll, 100); });
  document.addEventListener("DOMContentLoaded", layoutAll);
  document.addEventListener("htmx:afterSettle", layoutAll);
  window.addEventListener("load", layoutAll);

  window.Vermilion = { api, csrfToken, errorMessage, toast, requireSignIn, layoutAll };
})();
