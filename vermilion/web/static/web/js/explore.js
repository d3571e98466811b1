/* Cards and feeds: the like toggle (notes and comments), and opening a note over the feed.
   Loaded by every page that shows cards or a note (templates/web/_feed_assets.html), before
   Alpine, which picks the components up on `alpine:init`. No inline code anywhere (CSP). */
(function () {
  "use strict";

  /* Interface words come from the page (templates/web/_js_strings.html, translated there). */
  const FALLBACK = {
    linkCopied: "Link copied",
    copyFailed: "Could not copy the link",
    deleteNoteConfirm: "Delete this note? This cannot be undone.",
    noteDeleted: "Note deleted",
    deleteCommentConfirm: "Delete this comment?",
    commentDeleted: "Comment deleted",
    commentEmpty: "Write something first.",
    savedTo: "Saved to %(board)s",
    saved: "Saved",
    uncollected: "Removed from your boards",
    follow: "Follow",
    following: "Following",
    defaultBoard: "Collected",
    imageOf: "Image %(n)s of %(total)s",
    error: "Something went wrong. Please try again.",
  };

  function t(key) {
    const strings = document.getElementById("js-strings");
    return (strings && strings.dataset[key]) || FALLBACK[key] || key;
  }

  /** 12345 -> "12K" / "1.2万": counts as people read them in the page's language. */
  function compact(n) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, {
        notation: "compact",
        maximumFractionDigits: 1,
      }).format(n);
    } catch (e) {
      return String(n);
    }
  }

  document.addEventListener("alpine:init", () => {
    /* A like toggle for a note or a comment: data-path is the API address to POST/DELETE,
       data-liked/data-count the server's state. Optimistic, put right by the answer. Every
       button for the same thing (a card behind the overlay, the note in it) stays in step. */
    window.Alpine.data("likeButton", () => ({
      liked: false,
      n: 0,
      busy: false,
      init() {
        const data = this.$root.dataset;
        this.liked = data.liked === "1";
        this.n = parseInt(data.count, 10) || 0;
      },
      get count() {
        return compact(this.n);
      },
      async toggle() {
        if (!window.Vermilion.requireSignIn() || this.busy) return;
        const path = this.$root.dataset.path;
        const want = !this.liked;
        const before = { liked: this.liked, n: this.n };
        this.busy = true;
        this.liked = want;
        this.n = Math.max(0, this.n + (want ? 1 : -1));
        const result = await window.Vermilion.api(want ? "POST" : "DELETE", path);
        this.busy = false;
        if (result.ok && result.data) {
          window.dispatchEvent(
            new CustomEvent("vermilion-liked", {
              detail: { path, liked: result.data.liked, likes: result.data.likes },
            })
          );
        } else {
          this.liked = before.liked;
          this.n = before.n;
          window.Vermilion.toast(window.Vermilion.errorMessage(result));
        }
      },
      sync(event) {
        if (event.detail.path !== this.$root.dataset.path) return;
        this.liked = event.detail.liked;
        this.n = event.detail.likes;
      },
    }));
  });

  /* --- a note over the feed ------------------------------------------------------------------
     On a wide screen a card opens its note in #note-overlay (templates/web/_overlay.html):
     the note view is fetched with htmx (the page answers HX-Request with just the view) and
     the address becomes /notes/<id>, so it can be shared and reloaded (a direct visit renders
     the whole page). Escape, the close button, a click beside the note or Back close it and
     restore the feed's address. On a phone the link is followed: the note is a page.
     (Done here rather than with hx-push-url because the choice depends on the screen width,
     which CSP-safe htmx attributes cannot express.) */
  const WIDE = window.matchMedia("(min-width: 861px)");
  let opened = null; // {trigger, pushed, title}

  function overlay() {
    return document.getElementById("note-overlay");
  }

  function setBackgroundInert(inert) {
    const box = overlay();
    const outside = [...document.querySelectorAll(".skip, .topbar, .sidenav")];
    if (box && box.parentElement) {
      outside.push(...[...box.parentElement.children].filter((el) => el !== box));
    }
    outside.forEach((el) => {
      if (inert) el.setAttribute("inert", "");
      else el.removeAttribute("inert");
    });
  }

  async function openNote(url, trigger, push) {
    const box = overlay();
    const body = document.getElementById("note-overlay-body");
    if (!opened) {
      opened = { trigger, pushed: false, title: document.title };
    }
    if (push) {
      history.pushState({ vermilionOverlay: url }, "", url);
      opened.pushed = true;
    }
    body.replaceChildren();
    box.hidden = false;
    box.classList.add("loading");
    document.documentElement.classList.add("overlay-open");
    setBackgroundInert(true);
    box.focus({ preventScroll: true });
    await window.htmx.ajax("GET", url, { target: body, swap: "innerHTML" });
    box.classList.remove("loading");
    const view = body.querySelector(".note-view");
    if (!view) {
      // Not ours to show any more (deleted, hidden) or the network failed: let the page say.
      window.location.assign(url);
      return;
    }
    if (view.dataset.title) document.title = view.dataset.title;
  }

  function closeNote(fromHistory) {
    if (!opened) return;
    const state = opened;
    opened = null;
    const box = overlay();
    box.hidden = true;
    document.getElementById("note-overlay-body").replaceChildren();
    document.documentElement.classList.remove("overlay-open");
    setBackgroundInert(false);
    document.title = state.title;
    if (!fromHistory && state.pushed) history.back();
    if (state.trigger && document.contains(state.trigger)) state.trigger.focus({ preventScroll: true });
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-note-link]");
    if (link) {
      const plain = event.button === 0 && !(event.metaKey || event.ctrlKey || event.shiftKey || event.altKey);
      if (!plain || !WIDE.matches || !overlay() || !window.htmx) return;
      event.preventDefault();
      // The focusable title link takes focus back on close (the cover link is not focusable).
      const card = link.closest(".card");
      const trigger = (card && card.querySelector(".title a")) || link;
      openNote(link.getAttribute("href"), trigger, true);
      return;
    }
    const box = overlay();
    if (!opened || !box) return;
    const body = document.getElementById("note-overlay-body");
    if (event.target.closest("[data-overlay-close]") || event.target === box || event.target === body) {
      closeNote(false);
    }
  });

  document.addEventListener("keydown", (event) => {
    if (!opened) return;
    if (event.key === "Escape" && !event.defaultPrevented) {
      event.preventDefault();
      closeNote(false);
    } else if (event.key === "Tab") {
      // Keep keyboard focus inside the dialog.
      const focusable = [...overlay().querySelectorAll("a[href], button:not([disabled]), input, textarea, [tabindex='0']")].filter(
        (el) => el.offsetParent !== null
      );
      if (!focusable.length) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (event.shiftKey && (document.activeElement === first || document.activeElement === overlay())) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  });

  window.addEventListener("popstate", (event) => {
    const state = event.state;
    if (state && state.vermilionOverlay && overlay()) {
      openNote(state.vermilionOverlay, null, false);
      opened.pushed = true; // Forward into an overlay: closing it goes Back again.
    } else if (opened) {
      closeNote(true);
    }
  });

  window.Vermilion = Object.assign(window.Vermilion || {}, {
    t,
    compact,
    overlay: { isOpen: () => opened !== null, close: () => closeNote(false) },
  });
})();
