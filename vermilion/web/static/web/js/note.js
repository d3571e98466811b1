/* The note view (templates/web/_note_view.html), on its own page or over a feed: image
   carousel, collect into a board, follow, share, delete, comments and replies. Writes go
   through the JSON API (Vermilion.api); new comments are rendered by the server (an htmx
   fragment) so there is one comment template. Needs explore.js (Vermilion.t, likeButton). */
(function () {
  "use strict";

  const V = () => window.Vermilion;
  const t = (key) => V().t(key);

  /** hls.js, added to the page the first time a video needs it. */
  let hlsLoading = null;
  function loadHls(src) {
    if (window.Hls) return Promise.resolve(window.Hls);
    if (!src) return Promise.reject(new Error("no hls.js"));
    if (!hlsLoading)
      hlsLoading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.onload = () => resolve(window.Hls);
        script.onerror = reject;
        document.head.appendChild(script);
      });
    return hlsLoading;
  }

  document.addEventListener("alpine:init", () => {
    const Alpine = window.Alpine;

    /* A video note: HLS where the browser plays it natively (Safari), else hls.js (loaded
       only when a video needs it), else the MP4. The feed learns from how far it is
       watched: progress_50 once half has played, complete at the end (once each per view). */
    Alpine.data("videoPlayer", () => ({
      hls: null,
      halfway: false,
      done: false,
      init() {
        const video = this.$root;
        const { hls, mp4 } = video.dataset;
        const fallback = () => {
          if (this.hls) this.hls.destroy();
          this.hls = null;
          if (mp4 && video.getAttribute("src") !== mp4) video.src = mp4;
        };
        if (!hls) fallback();
        else if (video.canPlayType("application/vnd.apple.mpegurl")) video.src = hls;
        else
          loadHls(video.dataset.hlsScript).then((Hls) => {
            if (!Hls || !Hls.isSupported()) return fallback();
            // No worker: the page's CSP allows scripts from this site only, not blob: workers.
            this.hls = new Hls({ enableWorker: false, capLevelToPlayerSize: true });
            this.hls.on(Hls.Events.ERROR, (_event, data) => {
              if (data.fatal) fallback();
            });
            this.hls.loadSource(hls);
            this.hls.attachMedia(video);
          }, fallback);
        video.addEventListener("timeupdate", () => {
          if (!this.halfway && video.duration && video.currentTime >= video.duration / 2) {
            this.halfway = true;
            this.signal("progress_50");
          }
        });
        video.addEventListener("ended", () => {
          if (!this.done) {
            this.done = true;
            this.signal("complete");
          }
        });
      },
      destroy() {
        if (this.hls) this.hls.destroy();
      },
      signal(type) {
        const signals = V().signals;
        if (!signals) return;
        const video = this.$root;
        signals.track({ type, note_id: video.dataset.noteId, surface: signals.surfaceOf(video), client_ts: Date.now() });
      },
    }));

    /* Images: arrows, dots, keyboard left/right (when focused) and swiping (pointer events). */
    Alpine.data("carousel", () => ({
      index: 0,
      total: 1,
      startX: null,
      pointerId: null,
      dx: 0,
      init() {
        this.total = parseInt(this.$root.dataset.count, 10) || 1;
        this.render();
      },
      get atStart() {
        return this.index === 0;
      },
      get atEnd() {
        return this.index >= this.total - 1;
      },
      get position() {
        return this.index + 1 + "/" + this.total;
      },
      get status() {
        return t("imageOf").replace("%(n)s", this.index + 1).replace("%(total)s", this.total);
      },
      prev() {
        this.show(this.index - 1);
      },
      next() {
        this.show(this.index + 1);
      },
      go(event) {
        this.show(parseInt(event.currentTarget.dataset.index, 10) || 0);
      },
      show(index) {
        this.index = Math.min(Math.max(index, 0), this.total - 1);
        this.dx = 0;
        this.render();
      },
      render() {
        const track = this.$refs.track;
        if (!track) return;
        track.style.transform = "translateX(calc(" + -100 * this.index + "% + " + this.dx + "px))";
        this.$root.querySelectorAll(".dots button").forEach((dot, i) => {
          dot.setAttribute("aria-current", i === this.index ? "true" : "false");
        });
        track.querySelectorAll(".slide").forEach((slide, i) => {
          slide.setAttribute("aria-hidden", i === this.index ? "false" : "true");
        });
      },
      down(event) {
        if (this.total < 2 || event.button > 0) return;
        this.startX = event.clientX;
        this.pointerId = event.pointerId;
        this.dx = 0;
        this.$refs.track.setPointerCapture(event.pointerId);
        this.$refs.track.classList.add("dragging");
      },
      move(event) {
        if (this.startX === null || event.pointerId !== this.pointerId) return;
        let dx = event.clientX - this.startX;
        if ((this.atStart && dx > 0) || (this.atEnd && dx < 0)) dx /= 3; // resist at the ends
        this.dx = dx;
        this.render();
      },
      up(event) {
        if (this.startX === null || event.pointerId !== this.pointerId) return;
        const threshold = Math.min(80, this.$refs.track.clientWidth * 0.15);
        const dx = this.dx;
        this.cancel();
        if (dx < -threshold) this.next();
        else if (dx > threshold) this.prev();
      },
      cancel() {
        this.startX = null;
        this.pointerId = null;
        this.dx = 0;
        this.$refs.track.classList.remove("dragging");
        this.render();
      },
    }));

    /* Collect: a menu of the viewer's boards (default first), loaded when first opened. */
    Alpine.data("collectMenu", () => ({
      open: false,
      loading: false,
      loaded: false,
      boards: [],
      collected: false,
      n: 0,
      init() {
        this.collected = this.$root.dataset.collected === "1";
        this.n = parseInt(this.$root.dataset.count, 10) || 0;
      },
      get count() {
        return V().compact(this.n);
      },
      async toggleMenu() {
        if (!V().requireSignIn()) return;
        this.open = !this.open;
        if (this.open && !this.loaded) await this.load();
        if (this.open) {
          this.$nextTick(() => {
            const first = this.$root.querySelector("[role^='menuitem']");
            if (first) first.focus();
          });
        }
      },
      async load() {
        this.loading = true;
        const result = await V().api("GET", "/api/v1/boards");
        this.loading = false;
        if (!result.ok) {
          this.open = false;
          V().toast(V().errorMessage(result));
          return;
        }
        this.boards = result.data.items.map((board) => ({
          id: board.id,
          // The default board is created with an English name; show it in the reader's language.
          name: board.is_default && board.name === "Collected" ? t("defaultBoard") : board.name,
          current: false,
        }));
        if (!this.boards.length) this.boards = [{ id: "", name: t("defaultBoard"), current: false }];
        this.loaded = true;
      },
      async choose(event) {
        const boardId = event.currentTarget.dataset.boardId;
        const noteId = this.$root.dataset.noteId;
        this.open = false;
        const result = await V().api("POST", "/api/v1/notes/" + noteId + "/collect", boardId ? { board_id: boardId } : {});
        if (!result.ok) {
          V().toast(V().errorMessage(result));
          return;
        }
        this.collected = true;
        this.n = result.data.collects;
        let name = "";
        this.boards.forEach((board) => {
          board.current = board.id === result.data.board_id || (!board.id && this.boards.length === 1);
          if (board.current) name = board.name;
        });
        V().toast(name ? t("savedTo").replace("%(board)s", name) : t("saved"));
      },
      async uncollect() {
        this.open = false;
        const result = await V().api("DELETE", "/api/v1/notes/" + this.$root.dataset.noteId + "/collect");
        if (!result.ok) {
          V().toast(V().errorMessage(result));
          return;
        }
        this.collected = false;
        this.n = result.data.collects;
        this.boards.forEach((board) => {
          board.current = false;
        });
        V().toast(t("uncollected"));
      },
      close(event) {
        if (!this.open) return;
        this.open = false;
        if (event && event.type === "keydown") {
          event.preventDefault(); // Escape closes the menu, not the overlay around it
          const button = this.$root.querySelector("[data-testid='collect-button']");
          if (button) button.focus();
        }
      },
    }));

    /* Follow or unfollow a person (data-username, data-following). */
    Alpine.data("followButton", () => ({
      following: false,
      busy: false,
      init() {
        this.following = this.$root.dataset.following === "1";
      },
      get label() {
        return this.following ? t("following") : t("follow");
      },
      get style() {
        return this.following ? "ghost" : "";
      },
      async toggle() {
        if (!V().requireSignIn() || this.busy) return;
        this.busy = true;
        const path = "/api/v1/users/" + encodeURIComponent(this.$root.dataset.username) + "/follow";
        const result = await V().api(this.following ? "DELETE" : "POST", path);
        this.busy = false;
        if (!result.ok) {
          V().toast(V().errorMessage(result));
          return;
        }
        const relation = result.data && result.data.viewer;
        this.following = relation ? relation.following : !this.following;
      },
    }));

    /* Copy the note's address (a share, for the feed: people pass on what they like). */
    Alpine.data("shareButton", () => ({
      async share() {
        const url = new URL(this.$root.dataset.url, window.location.origin).href;
        const view = this.$root.closest(".note-view");
        if (view) V().signals.track({ type: "share", note_id: view.dataset.noteId, surface: surfaceOfView(view), client_ts: Date.now() });
        if (await copy(url)) V().toast(t("linkCopied"));
        else V().toast(t("copyFailed") + ": " + url);
      },
    }));

    /* Delete one's own note (or moderate one), after a confirmation. */
    Alpine.data("deleteNote", () => ({
      async remove() {
        if (!window.confirm(t("deleteNoteConfirm"))) return;
        const id = this.$root.dataset.noteId;
        const result = await V().api("DELETE", "/api/v1/notes/" + id);
        if (!result.ok) {
          V().toast(V().errorMessage(result));
          return;
        }
        V().toast(t("noteDeleted"));
        document.querySelectorAll(".card[data-note-id='" + id + "']").forEach((card) => card.remove());
        if (V().overlay && V().overlay.isOpen()) {
          V().overlay.close();
          if (V().layoutAll) V().layoutAll();
        } else {
          window.setTimeout(() => window.location.assign("/"), 600);
        }
      },
    }));

    /* The comment box (with reply mode) and the action bar around it. */
    Alpine.data("commentForm", () => ({
      busy: false,
      replying: false,
      replyName: "",
      parentId: null,
      focusInput() {
        if (!V().requireSignIn()) return;
        if (this.$refs.input) this.$refs.input.focus();
      },
      startReply(event) {
        const detail = event.detail;
        if (detail.noteId !== this.$root.dataset.noteId || !V().requireSignIn()) return;
        this.parentId = detail.commentId;
        this.replyName = detail.name;
        this.replying = true;
        if (this.$refs.input) this.$refs.input.focus();
      },
      cancelReply() {
        this.replying = false;
        this.replyName = "";
        this.parentId = null;
      },
      async submit() {
        const input = this.$refs.input;
        const body = input.value.trim();
        if (!body) {
          V().toast(t("commentEmpty"));
          return;
        }
        if (this.busy) return;
        this.busy = true;
        const noteId = this.$root.dataset.noteId;
        const result = await V().api("POST", "/api/v1/notes/" + noteId + "/comments", { body, parent_id: this.parentId });
        if (!result.ok) {
          this.busy = false;
          V().toast(V().errorMessage(result));
          return;
        }
        input.value = "";
        this.cancelReply();
        const comment = result.data;
        const view = this.$root.closest(".note-view");
        const target = comment.parent_id
          ? view.querySelector("#replies-" + comment.parent_id)
          : view.querySelector("#comment-list-" + noteId);
        if (target) {
          await window.htmx.ajax("GET", "/x/notes/" + noteId + "/comments?only=" + comment.id, {
            target,
            swap: comment.parent_id ? "beforeend" : "afterbegin",
          });
        }
        view.querySelectorAll("[data-comments-empty]").forEach((el) => el.remove());
        window.dispatchEvent(new CustomEvent("vermilion-comment-count", { detail: { noteId, delta: 1 } }));
        const posted = document.getElementById("comment-" + comment.id);
        if (posted) {
          posted.classList.add("just-posted");
          posted.scrollIntoView({ block: "nearest", behavior: "smooth" });
        }
        this.busy = false;
      },
    }));

    /* Reply to and delete one comment. */
    Alpine.data("commentTools", () => ({
      reply() {
        const data = this.$root.dataset;
        window.dispatchEvent(
          new CustomEvent("vermilion-reply", {
            detail: { noteId: data.noteId, commentId: data.commentId, threadId: data.threadId, name: data.name },
          })
        );
      },
      async remove() {
        if (!window.confirm(t("deleteCommentConfirm"))) return;
        const data = this.$root.dataset;
        const result = await V().api("DELETE", "/api/v1/comments/" + data.commentId);
        if (!result.ok) {
          V().toast(V().errorMessage(result));
          return;
        }
        let removed = 1;
        const thread = this.$root.closest(".thread");
        if (data.threadId === data.commentId && thread) {
          // A thread goes with its replies (the note's count drops by all of them).
          removed += parseInt(thread.dataset.replies, 10) || 0;
          thread.remove();
        } else {
          const article = this.$root.closest("article.comment");
          if (thread) thread.dataset.replies = Math.max(0, (parseInt(thread.dataset.replies, 10) || 1) - 1);
          if (article) article.remove();
        }
        window.dispatchEvent(new CustomEvent("vermilion-comment-count", { detail: { noteId: data.noteId, delta: -removed } }));
        V().toast(t("commentDeleted"));
      },
    }));

    /* A comment counter that follows comments added and deleted on the page. */
    Alpine.data("commentCount", () => ({
      n: 0,
      init() {
        this.n = parseInt(this.$root.dataset.count, 10) || 0;
      },
      get count() {
        return V().compact(this.n);
      },
      change(event) {
        if (event.detail.noteId !== this.$root.dataset.noteId) return;
        this.n = Math.max(0, this.n + event.detail.delta);
      },
    }));
  });

  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (e) {
      // Not a secure context (plain http on a LAN address): the older way.
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      let ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (err) {
        ok = false;
      }
      area.remove();
      return ok;
    }
  }

  /* Times in the reader's language and time zone: note times in full, comment times
     relative for the first week ("3 hours ago"). The server's text stays as the fallback. */
  function localiseTimes(root) {
    const lang = document.documentElement.lang || undefined;
    let full;
    let relative;
    try {
      full = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
      relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
    } catch (e) {
      return;
    }
    root.querySelectorAll("time[data-local]").forEach((el) => {
      const when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      el.title = full.format(when);
      if (el.dataset.local !== "relative") {
        el.textContent = full.format(when);
        return;
      }
      const seconds = (when.getTime() - Date.now()) / 1000;
      const steps = [
        [60, "second"],
        [3600, "minute", 60],
        [86400, "hour", 3600],
        [604800, "day", 86400],
      ];
      const step = steps.find((s) => Math.abs(seconds) < s[0]);
      if (!step) {
        el.textContent = new Intl.DateTimeFormat(lang, { dateStyle: "medium" }).format(when);
      } else if (step[1] === "second") {
        el.textContent = relative.format(0, "second");
      } else {
        el.textContent = relative.format(Math.round(seconds / step[2]), step[1]);
      }
    });
  }

  /* A reply posted here and then loaded again with "show more replies": keep the loaded one
     (it sits in its place in the thread). */
  function dropDuplicateComments() {
    document.querySelectorAll("article.comment[data-posted]").forEach((el) => {
      const same = document.querySelectorAll("article.comment[data-comment-id='" + el.dataset.commentId + "']");
      if (same.length > 1) el.remove();
    });
  }

  /* Reading a note, for the feed: a view when it opens (its own page, or over a feed), and
     the time spent on it (dwell) when it closes or the tab goes to the background. Dwell is
     sent per visible stretch, each named <view>-<n> (event_id), so the server adds the
     stretches up and drops repeats. Signals (explore.js) sends nothing for anonymous readers. */
  const MAX_DWELL_MS = 3600000;

  /** Over a feed, a note was found on that feed (the address is already /notes/<id>). */
  function surfaceOfView(view) {
    return (view.closest("#note-overlay") && V().overlay.surface()) || V().signals.surfaceOf(view);
  }
  let reading = null; // {noteId, viewId, surface, part, since (ms, null while hidden), el}

  function endStretch() {
    if (!reading || reading.since === null) return;
    const ms = Math.min(MAX_DWELL_MS, Math.round(performance.now() - reading.since));
    reading.since = null;
    if (ms > 0) {
      V().signals.track({
        type: "dwell",
        note_id: reading.noteId,
        ms,
        surface: reading.surface,
        event_id: reading.viewId + "-" + reading.part,
        client_ts: Date.now(),
      });
      reading.part += 1;
    }
  }

  function stopReading() {
    endStretch();
    reading = null;
  }

  function startReading() {
    const view = document.querySelector(".note-view[data-note-id]");
    if (reading && view === reading.el) return;
    stopReading();
    if (!view) return;
    const surface = surfaceOfView(view);
    reading = {
      noteId: view.dataset.noteId,
      viewId: Date.now().toString(36) + Math.random().toString(36).slice(2, 8),
      surface,
      part: 0,
      since: document.visibilityState === "visible" ? performance.now() : null,
      el: view,
    };
    V().signals.track({ type: "view", note_id: reading.noteId, surface, client_ts: Date.now() });
  }

  document.addEventListener("visibilitychange", () => {
    if (!reading) return;
    if (document.visibilityState === "hidden") {
      endStretch();
      V().signals.flush(true);
    } else if (reading.since === null) {
      reading.since = performance.now();
    }
  });
  window.addEventListener("pagehide", () => {
    endStretch();
    V().signals.flush(true);
  });
  window.addEventListener("vermilion-note-closed", stopReading);

  document.addEventListener("DOMContentLoaded", () => {
    localiseTimes(document);
    startReading();
  });
  document.addEventListener("htmx:afterSettle", () => {
    dropDuplicateComments();
    localiseTimes(document);
    startReading();
  });
})();
