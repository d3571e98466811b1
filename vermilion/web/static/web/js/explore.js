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
      // Where the note was found, before the address becomes /notes/<id> (for note.js).
      opened = { trigger, pushed: false, title: document.title, surface: surfaceOf(trigger) };
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
    window.dispatchEvent(new CustomEvent("vermilion-note-closed"));
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

  /* --- what the feed learns from ---------------------------------------------------------------
     Signed-in readers only. Events queue here and go to POST /api/v1/events in batches (at most
     100, the API's limit) every few seconds, and when the page is hidden or left: fetch with
     keepalive, which outlives the page like sendBeacon but can carry the CSRF header. Failures
     are dropped: a lost impression is not worth retrying into a rate limit. note.js adds views,
     dwell and shares through Vermilion.signals.track. */
  const SIGNED_IN = document.body && document.body.dataset.signedIn === "1";
  const FLUSH_MS = 5000;
  const BATCH = 100;
  const queue = [];
  let flushTimer = null;

  function flush(leaving) {
    clearTimeout(flushTimer);
    flushTimer = null;
    while (queue.length) {
      const events = queue.splice(0, BATCH);
      fetch("/api/v1/events", {
        method: "POST",
        credentials: "same-origin",
        keepalive: Boolean(leaving),
        headers: { "Content-Type": "application/json", "X-CSRFToken": window.Vermilion.csrfToken() },
        body: JSON.stringify({ events }),
      }).catch(() => {});
    }
  }

  function track(event) {
    if (!SIGNED_IN) return;
    queue.push(event);
    if (queue.length >= BATCH) flush(false);
    else if (!flushTimer) flushTimer = setTimeout(() => flush(false), FLUSH_MS);
  }

  /** The feed an address shows: discover, channel:<slug>, following, search, tag:<tag> ... */
  function surfaceOfUrl(url) {
    const path = url.pathname;
    const channel = url.searchParams.get("channel");
    let surface = "other";
    if (path === "/") surface = channel ? "channel:" + channel : "discover";
    else if (path === "/following") surface = "following";
    else if (path === "/search") surface = "search";
    else if (path.startsWith("/tags/")) surface = "tag:" + decodeURIComponent(path.slice(6));
    else if (path.startsWith("/u/")) surface = "profile";
    else if (path.startsWith("/boards/")) surface = "board";
    else if (path.startsWith("/notes/")) surface = "note";
    // The API takes letters, digits and : . / - _ (a tag with other signs is just "tag").
    return /^[\p{L}\p{N}_:./-]{0,40}$/u.test(surface) ? surface : surface.split(":")[0];
  }

  /** Where a card or note is being shown: a data-surface on it or around it, else the page.
      A note page reached from a feed of this site (a phone follows card links) counts as
      that feed; reached from elsewhere, it is "note". */
  function surfaceOf(el) {
    const marked = el && el.closest("[data-surface]");
    if (marked) return marked.dataset.surface.slice(0, 40);
    const here = new URL(window.location.href);
    if (here.pathname.startsWith("/notes/") && document.referrer) {
      const from = new URL(document.referrer);
      if (from.origin === here.origin && !from.pathname.startsWith("/notes/")) return surfaceOfUrl(from);
    }
    return surfaceOfUrl(here);
  }

  function sourceOf(el) {
    const card = el && el.closest(".card");
    const source = (card && card.dataset.source) || "";
    return /^[\p{L}\p{N}_:.-]{0,20}$/u.test(source) ? source : "";
  }

  /* Video cards: the short silent preview plays over the poster while most of the card is on
     screen, and stops when it leaves (not at all for people who ask for reduced motion or
     to save data). Tapping opens the note, where the video plays with sound. */
  const QUIET =
    window.matchMedia("(prefers-reduced-motion: reduce)").matches ||
    Boolean(navigator.connection && navigator.connection.saveData);
  const previews =
    !QUIET && "IntersectionObserver" in window
      ? new IntersectionObserver(
          (entries) => {
            for (const entry of entries) {
              const link = entry.target;
              let clip = link.querySelector("video.preview");
              if (entry.isIntersecting && entry.intersectionRatio >= 0.6) {
                if (!clip) {
                  clip = document.createElement("video");
                  Object.assign(clip, { muted: true, loop: true, playsInline: true, preload: "auto" });
                  clip.className = "preview";
                  clip.setAttribute("aria-hidden", "true");
                  clip.src = link.dataset.preview;
                  link.appendChild(clip);
                }
                clip.play().catch(() => {});
              } else if (clip) {
                clip.pause();
              }
            }
          },
          { threshold: [0, 0.6] },
        )
      : null;

  function watchPreviews(root) {
    if (!previews) return;
    root.querySelectorAll(".cover-video[data-preview]").forEach((link) => previews.observe(link));
  }
  document.addEventListener("DOMContentLoaded", () => watchPreviews(document));
  document.addEventListener("htmx:afterSettle", (event) => watchPreviews(event.target));

  /* Impressions: a card counts as seen once at least half of it has been on screen for half a
     second (not while a note covers the feed or the tab is in the background), once per page. */
  const SEEN_RATIO = 0.5;
  const SEEN_MS = 500;
  const seen = new Set();
  const pending = new Map(); // card -> timer
  let observer = null;

  function markSeen(card) {
    pending.delete(card);
    const id = card.dataset.noteId;
    if (!id || seen.has(id) || !document.contains(card)) return;
    if (opened || document.visibilityState !== "visible") {
      pending.set(card, setTimeout(() => markSeen(card), SEEN_MS));
      return;
    }
    seen.add(id);
    observer.unobserve(card);
    track({ type: "impression", note_id: id, surface: surfaceOf(card), source: sourceOf(card), client_ts: Date.now() });
  }

  function observeCards() {
    if (!SIGNED_IN || !("IntersectionObserver" in window)) return;
    if (!observer) {
      observer = new IntersectionObserver(
        (entries) => {
          entries.forEach((entry) => {
            const card = entry.target;
            // (A hair under the threshold: the observer reports a crossing at e.g. 0.4999.)
            if (entry.isIntersecting && entry.intersectionRatio >= SEEN_RATIO - 0.01) {
              if (!pending.has(card)) pending.set(card, setTimeout(() => markSeen(card), SEEN_MS));
            } else if (pending.has(card)) {
              clearTimeout(pending.get(card));
              pending.delete(card);
            }
          });
        },
        { threshold: [0, SEEN_RATIO] }
      );
    }
    document.querySelectorAll(".card[data-note-id]:not([data-observed])").forEach((card) => {
      card.dataset.observed = "1";
      if (!seen.has(card.dataset.noteId)) observer.observe(card);
    });
  }

  document.addEventListener("DOMContentLoaded", observeCards);
  document.addEventListener("htmx:afterSettle", observeCards);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flush(true);
  });
  window.addEventListener("pagehide", () => flush(true));

  /* "Not interested" (the ⋯ menu on a card): hide the note, its author or its topic with a
     hide event, then dim the card with an Undo (DELETE /api/v1/me/hides/<id>). Hiding an
     author dims every card of theirs on the page; undoing restores them all. */
  /** Focus an element Alpine is about to show: x-show reveals on the next animation frame
      (after $nextTick), so wait until it is rendered (a few frames at most). */
  function focusWhenShown(el, tries = 10) {
    if (!el) return;
    if (el.offsetParent !== null || tries <= 0) el.focus();
    else requestAnimationFrame(() => focusWhenShown(el, tries - 1));
  }

  document.addEventListener("alpine:init", () => {
    window.Alpine.data("cardMenu", () => ({
      open: false,
      busy: false,
      dismissed: false,
      scope: "",
      hideId: "",
      get isNote() {
        return this.scope === "note";
      },
      get isAuthor() {
        return this.scope === "author";
      },
      get isTopic() {
        return this.scope === "topic";
      },
      card() {
        return this.$root.closest(".card");
      },
      items() {
        return [...this.$root.querySelectorAll("[role='menuitem']")];
      },
      toggle() {
        this.open = !this.open;
        if (this.open) focusWhenShown(this.items()[0]);
      },
      close() {
        this.open = false;
      },
      escape(event) {
        if (!this.open) return;
        event.preventDefault(); // close the menu, not a note overlay around the feed
        event.stopPropagation();
        this.open = false;
        this.$refs.button.focus();
      },
      move(step) {
        const items = this.items();
        const at = items.indexOf(document.activeElement);
        items[(at + step + items.length) % items.length].focus();
      },
      next() {
        this.move(1);
      },
      prev() {
        this.move(-1);
      },
      async hide(event) {
        if (this.busy) return;
        const scope = event.currentTarget.dataset.scope;
        const card = this.card();
        this.open = false;
        this.busy = true;
        const result = await window.Vermilion.api("POST", "/api/v1/events", {
          events: [{ type: "hide", note_id: card.dataset.noteId, scope, surface: surfaceOf(card), source: sourceOf(card) }],
        });
        this.busy = false;
        const made = result.ok && result.data && result.data.hides[0];
        if (!made) {
          const error = result.ok && result.data && result.data.errors[0];
          window.Vermilion.toast(error ? error.message : window.Vermilion.errorMessage(result));
          this.$refs.button.focus();
          return;
        }
        this.dismiss(scope, made.hide.id);
        focusWhenShown(this.$refs.undo);
        if (scope === "author") {
          window.dispatchEvent(
            new CustomEvent("vermilion-hidden", { detail: { authorId: card.dataset.authorId, hideId: made.hide.id, from: card } })
          );
        }
      },
      dismiss(scope, hideId) {
        this.scope = scope;
        this.hideId = hideId;
        this.dismissed = true;
        const card = this.card();
        card.classList.add("is-dismissed");
        card.querySelectorAll(".cover-link, .title, .author, .like").forEach((el) => el.setAttribute("inert", ""));
        this.$refs.button.setAttribute("inert", "");
      },
      restore() {
        this.dismissed = false;
        this.scope = "";
        this.hideId = "";
        const card = this.card();
        card.classList.remove("is-dismissed");
        card.querySelectorAll("[inert]").forEach((el) => el.removeAttribute("inert"));
      },
      hiddenElsewhere(event) {
        const card = this.card();
        if (event.detail.from === card || this.dismissed || card.dataset.authorId !== event.detail.authorId) return;
        this.dismiss("author", event.detail.hideId);
      },
      unhiddenElsewhere(event) {
        if (this.dismissed && this.hideId === event.detail.hideId) this.restore();
      },
      async undo() {
        if (this.busy || !this.hideId) return;
        this.busy = true;
        const hideId = this.hideId;
        const result = await window.Vermilion.api("DELETE", "/api/v1/me/hides/" + hideId);
        this.busy = false;
        if (!result.ok && result.status !== 404) {
          window.Vermilion.toast(window.Vermilion.errorMessage(result));
          return;
        }
        this.restore();
        window.dispatchEvent(new CustomEvent("vermilion-unhidden", { detail: { hideId } }));
        this.$refs.button.focus();
      },
    }));
  });

  window.Vermilion = Object.assign(window.Vermilion || {}, {
    t,
    compact,
    overlay: { isOpen: () => opened !== null, close: () => closeNote(false), surface: () => opened && opened.surface },
    signals: { track, surfaceOf, sourceOf, flush },
  });
})();
