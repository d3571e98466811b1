/* The composer (/compose): images uploaded one by one with progress, reordered by drag or
   keyboard, text counted like the server counts it, #topic and @mention suggestions, and a
   draft kept on this device until the note is published.

   Everything is written through the JSON API, so the server's rules (limits, formats,
   permissions) are the only rules: this file mirrors them to help, never to decide. */
(function () {
  "use strict";

  const MAX_PARALLEL_UPLOADS = 3;
  const POLL_FIRST_MS = 700;
  const POLL_MAX_MS = 4000;
  const SUGGEST_DELAY_MS = 180;
  const SUGGEST_LIMIT = 8;
  const NOT_READY_RETRIES = 5;
  // The title column holds 200 code points; a grapheme can be several (a family emoji is 7).
  const TITLE_MAX_CODEPOINTS = 200;
  const DRAFT_VERSION = 1;

  // Same shapes as core.text: a topic or mention being typed right before the caret.
  const TAG_TAIL = /(?:^|[^A-Za-z0-9_&/#＃])[#＃]([\p{L}\p{M}\p{N}_]{1,50})$/u;
  const MENTION_TAIL = /(?:^|[^\p{L}\p{N}_@])@([A-Za-z0-9_]{1,30})$/u;
  // core.text.clean drops control characters except newline and tab.
  const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

  const segmenter = typeof Intl !== "undefined" && Intl.Segmenter
    ? new Intl.Segmenter(undefined, { granularity: "grapheme" })
    : null;

  /** User-perceived characters, as the server's grapheme_len counts them. */
  function graphemeLength(text) {
    if (!text) return 0;
    if (!segmenter) return Array.from(text).length;
    return Array.from(segmenter.segment(text)).length;
  }

  /** core.text.clean: NFC, newlines normalised, control characters dropped, trimmed; a
      single line also collapses runs of white space. */
  function clean(text, multiline) {
    let value = String(text || "").normalize("NFC").replace(/\r\n?/g, "\n").replace(CONTROL, "");
    if (!multiline) value = value.split(/\s+/).filter(Boolean).join(" ");
    return value.trim();
  }

  const MIRRORED = ["boxSizing", "width", "paddingTop", "paddingRight", "paddingBottom", "paddingLeft",
    "borderTopWidth", "borderRightWidth", "borderBottomWidth", "borderLeftWidth", "fontFamily", "fontSize",
    "fontWeight", "fontStyle", "letterSpacing", "lineHeight", "textTransform", "wordSpacing", "tabSize", "textIndent"];

  /** Where character ``position`` of a textarea is drawn, relative to the textarea: a hidden
      copy with the same box and font wraps the text the same way, and a marker is measured. */
  function caretOffset(textarea, position) {
    const style = window.getComputedStyle(textarea);
    const mirror = document.createElement("div");
    for (const name of MIRRORED) mirror.style[name] = style[name];
    Object.assign(mirror.style, {
      position: "absolute", visibility: "hidden", top: "0", left: "-9999px", height: "auto",
      whiteSpace: "pre-wrap", overflowWrap: "break-word", overflow: "hidden",
    });
    mirror.textContent = textarea.value.slice(0, position);
    const marker = document.createElement("span");
    marker.textContent = textarea.value.slice(position, position + 1) || ".";
    mirror.appendChild(marker);
    document.body.appendChild(mirror);
    const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    const offset = { top: marker.offsetTop - textarea.scrollTop, left: marker.offsetLeft, lineHeight };
    mirror.remove();
    return offset;
  }

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? values[name] : whole));
  }

  function readJson(id) {
    const el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function errorOf(data) {
    return (data && data.error) || null;
  }

  /** The component with compose_video.js's part merged in (getters stay getters). */
  function withVideo(component) {
    const mixin = window.VermilionComposeVideo;
    if (!mixin) return component;
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(mixin))) {
      if (!(name in component)) Object.defineProperty(component, name, descriptor);
    }
    return component;
  }

  document.addEventListener("alpine:init", () => {
    window.Alpine.data("composer", () => {
      // Per-page state that must not be reactive: files, requests and timers by tile key.
      const files = new Map();
      const requests = new Map();
      const timers = new Map();
      const objectUrls = new Map();
      let keySeq = 0;
      let suggestTimer = null;
      let suggestSeq = 0;
      let suggestRange = null;
      let dragDepth = 0;
      let leaving = false;
      // Elements looked up once: magics like $refs can't be resolved from a removed tile.
      let tilesEl = null;
      let bodyEl = null;
      let filesEl = null;
      let suggestEl = null;

      return withVideo({
        mode: "create",
        username: "",
        noteId: "",
        note: null,
        limits: { title: 20, body: 1000, images: 18 },
        t: {},
        title: "",
        body: "",
        placeName: "",
        lat: null,
        lon: null,
        visibility: "public",
        items: [],
        errors: { title: "", body: "", media: "", place: "", visibility: "" },
        topError: "",
        status: "",
        busy: false,
        waitingToPublish: false,
        notReadyRetries: 0,
        locating: false,
        dragging: false,
        draftSaved: false,
        suggestions: [],
        suggestActive: 0,
        suggestOpen: false,
        suggestAnnouncement: "",

        init() {
          const data = this.$el.dataset;
          tilesEl = this.$refs.tiles;
          bodyEl = this.$refs.body;
          filesEl = this.$refs.files;
          suggestEl = this.$refs.suggest;
          this.mode = data.mode === "edit" ? "edit" : "create";
          this.username = data.username || "";
          this.noteId = data.noteId || "";
          this.limits = Object.assign(this.limits, readJson("compose-limits") || {});
          this.t = readJson("compose-messages") || {};
          this.note = this.mode === "edit" ? readJson("compose-note") : null;
          if (this.note) this.loadNote(this.note);
          this.restoreDraft();
          if (window.Sortable) {
            window.Sortable.create(tilesEl, {
              draggable: ".tile",
              filter: "input, button, label, .tile-error",
              preventOnFilter: false,
              animation: 150,
              delay: 180,
              delayOnTouchOnly: true,
              ghostClass: "tile-ghost",
              chosenClass: "tile-chosen",
              onMove: (evt) => !(evt.related && evt.related.classList.contains("tile-add")),
              onEnd: (evt) => this.sorted(evt),
            });
          }
          // Files dropped just beside the drop zone must not make the browser leave the page.
          for (const type of ["dragover", "drop"]) {
            window.addEventListener(type, (event) => { if (this.hasFiles(event)) event.preventDefault(); });
          }
          window.addEventListener("beforeunload", (event) => {
            if (!leaving && this.items.some((item) => this.isUploading(item))) {
              event.preventDefault();
              event.returnValue = this.t.leaveWhileUploading || "";
            }
          });
        },

        // --- text and counters ----------------------------------------------------------

        get titleCount() { return graphemeLength(clean(this.title, false)); },
        get bodyCount() { return graphemeLength(clean(this.body, true)); },
        get titleOver() {
          const cleaned = clean(this.title, false);
          return graphemeLength(cleaned) > this.limits.title || Array.from(cleaned).length > TITLE_MAX_CODEPOINTS;
        },
        get bodyOver() { return this.bodyCount > this.limits.body; },
        get titleCounter() { return this.titleCount + "/" + this.limits.title; },
        get bodyCounter() { return this.bodyCount + "/" + this.limits.body; },
        get titleCounterClass() { return this.titleOver ? "counter over" : "counter"; },
        get bodyCounterClass() { return this.bodyOver ? "counter over" : "counter"; },
        get titleInvalid() { return this.titleOver || Boolean(this.errors.title) ? "true" : "false"; },
        get bodyInvalid() { return this.bodyOver || Boolean(this.errors.body) ? "true" : "false"; },
        get placeInvalid() { return this.errors.place ? "true" : "false"; },

        changed() {
          this.saveDraft();
        },

        /** Enter in a one-line field never publishes half a note: in the title it moves on
            to the text, in a description it saves it. Publishing takes the button. */
        formEnter(event) {
          const field = event.target;
          if (field.tagName !== "INPUT" || field.type === "file") return;
          if (event.isComposing || event.keyCode === 229) return; // confirming an IME candidate
          event.preventDefault();
          if (field.id === "compose-title") bodyEl.focus();
          else field.dispatchEvent(new Event("change", { bubbles: true }));
        },

        noop() {},

        // --- images ---------------------------------------------------------------------

        get mediaCounter() { return this.items.length + "/" + this.limits.images; },
        get canAddMore() { return this.items.length < this.limits.images; },
        get mediaClass() {
          return "compose-media" + (this.items.length ? " has-items" : "") + (this.dragging ? " dragging" : "");
        },

        find(key) {
          return this.items.find((item) => item.key === key) || null;
        },

        newItem(fields) {
          keySeq += 1;
          return Object.assign({
            key: "m" + keySeq,
            id: "",
            status: "queued",
            progress: 0,
            preview: "",
            thumb: "",
            broken: false,
            alt: "",
            altSaved: "",
            error: "",
            retriable: false,
            kind: "image",
            source: "",
            editSaved: "",
          }, fields);
        },

        isUploading(item) { return item.status === "queued" || item.status === "uploading"; },
        isBusy(item) { return this.isUploading(item) || item.status === "processing"; },
        isLast(index) { return index === this.items.length - 1; },
        statusText(item) {
          if (item.status === "uploading") return this.t.uploading + " " + item.progress + "%";
          if (item.status === "processing" && item.kind === "video") return this.t.processing + " " + item.progress + "%";
          return this.t[item.status] || "";
        },
        imageLabel(index) { return format(this.t.imageN, { n: index + 1 }); },
        altLabel(index) { return format(this.t.altLabel, { n: index + 1 }); },
        moveEarlierLabel(index) { return format(this.t.moveEarlier, { n: index + 1 }); },
        moveLaterLabel(index) { return format(this.t.moveLater, { n: index + 1 }); },
        removeLabel(index) { return format(this.t.remove, { n: index + 1 }); },
        altId(item) { return "compose-alt-" + item.key; },

        filesChosen(event) {
          this.addFiles(event.target.files);
          event.target.value = ""; // choosing the same file again still fires change
        },

        dragEnter(event) {
          if (!this.hasFiles(event)) return;
          event.preventDefault();
          dragDepth += 1;
          this.dragging = true;
        },
        dragOver(event) {
          if (!this.hasFiles(event)) return;
          event.preventDefault();
          event.dataTransfer.dropEffect = "copy";
        },
        dragLeave(event) {
          if (!this.hasFiles(event)) return;
          dragDepth = Math.max(0, dragDepth - 1);
          if (!dragDepth) this.dragging = false;
        },
        drop(event) {
          if (!this.hasFiles(event)) return; // a tile being reordered, not files
          event.preventDefault();
          dragDepth = 0;
          this.dragging = false;
          this.addFiles(event.dataTransfer.files);
        },
        hasFiles(event) {
          const types = event.dataTransfer && event.dataTransfer.types;
          return Boolean(types && Array.prototype.indexOf.call(types, "Files") !== -1);
        },

        addFiles(fileList) {
          const chosen = Array.from(fileList || []);
          if (!chosen.length) return;
          this.errors.media = "";
          const videos = chosen.filter((file) => this.isVideoFile(file));
          if (videos.length) {
            // A video note has exactly one video and no images.
            if (videos.length > 1 || chosen.length > 1 || this.items.length) {
              this.errors.media = this.t.videoAlone;
              return;
            }
            const item = this.newItem({ status: "queued" });
            files.set(item.key, videos[0]);
            this.startVideo(item, videos[0]);
            objectUrls.set(item.key, item.source);
            this.items.push(item);
            this.pump();
            return;
          }
          if (this.hasVideo) {
            this.errors.media = this.t.videoAlone;
            return;
          }
          const room = this.limits.images - this.items.length;
          if (chosen.length > room) {
            this.errors.media = this.t.tooMany;
          }
          for (const file of chosen.slice(0, Math.max(0, room))) {
            const item = this.newItem({ status: "queued" });
            files.set(item.key, file);
            try {
              item.preview = URL.createObjectURL(file);
              objectUrls.set(item.key, item.preview);
            } catch (e) { /* no preview until the server's thumbnail is ready */ }
            this.items.push(item);
          }
          this.pump();
        },

        /** Start queued uploads, a few at a time. */
        pump() {
          let running = this.items.filter((item) => item.status === "uploading").length;
          for (const item of this.items) {
            if (running >= MAX_PARALLEL_UPLOADS) break;
            if (item.status === "queued") {
              running += 1;
              this.upload(item);
            }
          }
        },

        upload(item) {
          const key = item.key;
          const file = files.get(key);
          if (!file) return;
          item.status = "uploading";
          item.progress = 0;
          item.error = "";
          item.retriable = false;
          if (item.kind === "video") {
            requests.set(key, this.uploadVideo(item, file, (finished) => {
              requests.delete(key);
              if (finished) files.delete(key); // kept after a failure: Retry resumes the upload
              this.pump();
            }));
            return;
          }
          const form = new FormData();
          form.append("file", file, file.name || "image");
          const alt = clean(item.alt, true);
          if (alt) form.append("alt_text", alt);
          item.altSaved = item.alt;
          const xhr = new XMLHttpRequest();
          requests.set(key, xhr);
          xhr.open("POST", "/api/v1/media");
          xhr.setRequestHeader("X-CSRFToken", window.Vermilion.csrfToken());
          xhr.setRequestHeader("Accept", "application/json");
          xhr.upload.onprogress = (event) => {
            const current = this.find(key);
            if (current && event.lengthComputable) {
              current.progress = Math.min(99, Math.round((100 * event.loaded) / event.total));
            }
          };
          xhr.onload = () => {
            requests.delete(key);
            const current = this.find(key);
            if (!current) return;
            let data = null;
            try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
            if (xhr.status === 201 && data && data.id) {
              files.delete(key);
              current.id = String(data.id);
              current.progress = 100;
              this.applyMedia(current, data);
              this.saveDraft();
            } else {
              this.uploadFailed(current, xhr.status, data);
            }
            this.pump();
          };
          xhr.onerror = () => {
            requests.delete(key);
            const current = this.find(key);
            if (current) this.uploadFailed(current, 0, null);
            this.pump();
          };
          xhr.send(form);
        },

        uploadFailed(item, status, data) {
          const error = errorOf(data);
          const fallback = {
            0: this.t.network,
            413: this.t.tooLarge,
            415: item.kind === "video" ? this.t.notVideo : this.t.notImage,
            429: this.t.rateLimited,
          }[status] || this.t.uploadFailed;
          item.status = "error";
          item.error = (error && error.message) || fallback;
          // Worth another try: the network, rate limits and server hiccups, not bad files.
          item.retriable = status === 0 || status === 429 || status >= 500;
          this.settle();
        },

        retry(item) {
          if (files.has(item.key)) {
            item.status = "queued";
            item.error = "";
            item.retriable = false;
            this.pump();
          } else if (item.id) {
            item.status = "processing";
            item.error = "";
            item.retriable = false;
            this.poll(item.key, 0);
          }
        },

        /** Take the server's view of a media item: processing (poll again), ready, failed. */
        applyMedia(item, data) {
          item.status = data.status === "ready" || data.status === "failed" ? data.status : "processing";
          if (data.kind === "video") item.kind = "video";
          const urls = data.urls || {};
          item.thumb = urls.thumb || urls.display || urls.poster || "";
          if (item.status === "ready") {
            item.error = "";
            if (!item.preview || item.broken) {
              item.preview = item.thumb;
              item.broken = false;
            }
            if (clean(item.alt, true) !== clean(item.altSaved, true)) this.saveAlt(item);
          } else if (item.status === "failed") {
            item.error = data.error || this.t.uploadFailed;
          } else {
            this.poll(item.key, POLL_FIRST_MS);
          }
          this.settle();
        },

        poll(key, delay, attempt) {
          clearTimeout(timers.get(key));
          const tries = attempt || 0;
          timers.set(key, setTimeout(async () => {
            timers.delete(key);
            const item = this.find(key);
            if (!item || !item.id) return;
            const result = await window.Vermilion.api("GET", "/api/v1/media/" + encodeURIComponent(item.id));
            const current = this.find(key);
            if (!current) return;
            if (result.ok && result.data) {
              const wasProcessing = result.data.status !== "ready" && result.data.status !== "failed";
              if (wasProcessing) {
                current.status = "processing";
                current.progress = result.data.progress || 0;
                this.poll(key, Math.min(POLL_MAX_MS, POLL_FIRST_MS * Math.pow(1.5, tries + 1)), tries + 1);
              } else {
                this.applyMedia(current, result.data);
              }
            } else if (result.status === 404) {
              current.status = "failed";
              current.error = this.t.mediaGone;
              this.settle();
            } else {
              // The network or the server hiccupped: keep asking, more slowly.
              this.poll(key, POLL_MAX_MS, tries + 1);
            }
          }, delay));
        },

        previewFailed(item) {
          if (!item.preview) return;
          item.broken = true;
          item.preview = item.thumb || "";
        },

        setAlt(item, event) {
          item.alt = event.target.value;
          this.saveDraft();
        },

        /** Save a changed description on the server (once the image is uploaded). */
        async saveAlt(item) {
          if (!item.id || item.status !== "ready") return true; // sent later, with the upload or once ready
          const wanted = item.alt;
          if (clean(wanted, true) === clean(item.altSaved, true)) return true;
          const result = await window.Vermilion.api("PATCH", "/api/v1/media/" + encodeURIComponent(item.id), { alt_text: clean(wanted, true) });
          const current = this.find(item.key);
          if (!current) return true;
          if (result.ok) {
            current.altSaved = wanted;
            if (current.error === this.t.altSaveFailed || current.altError) current.error = "";
            current.altError = false;
            return true;
          }
          current.error = window.Vermilion.errorMessage(result) || this.t.altSaveFailed;
          current.altError = true;
          return false;
        },

        moveEarlier(index) { this.move(index, index - 1, "earlier"); },
        moveLater(index) { this.move(index, index + 1, "later"); },

        move(from, to, direction) {
          if (to < 0 || to >= this.items.length) return;
          const [item] = this.items.splice(from, 1);
          this.items.splice(to, 0, item);
          this.status = format(this.t.moved, { n: to + 1, total: this.items.length });
          this.saveDraft();
          // Reordering moves the tile's element, which loses focus: give it back.
          this.$nextTick(() => {
            const tile = tilesEl.querySelector('[data-key="' + item.key + '"]');
            if (!tile) return;
            let button = tile.querySelector('[data-move="' + direction + '"]');
            if (!button || button.disabled) button = tile.querySelector('[data-move="' + (direction === "earlier" ? "later" : "earlier") + '"]');
            if (button && !button.disabled) button.focus();
          });
        },

        /** SortableJS moved a tile in the page: put it back and let Alpine redraw from the array. */
        sorted(evt) {
          const from = evt.oldDraggableIndex;
          const to = evt.newDraggableIndex;
          if (from === undefined || to === undefined || from === to) return;
          const list = evt.from;
          evt.item.remove();
          const tiles = list.querySelectorAll(":scope > .tile");
          list.insertBefore(evt.item, tiles[from] || list.querySelector(":scope > .tile-add"));
          const [item] = this.items.splice(from, 1);
          this.items.splice(to, 0, item);
          this.status = format(this.t.moved, { n: to + 1, total: this.items.length });
          this.saveDraft();
        },

        remove(index) {
          const item = this.items[index];
          if (!item) return;
          const key = item.key;
          const xhr = requests.get(key);
          if (xhr) xhr.abort();
          requests.delete(key);
          clearTimeout(timers.get(key));
          timers.delete(key);
          files.delete(key);
          this.items.splice(index, 1);
          if (item.kind === "video") this.ed = this.freshVideoEdit();
          const url = objectUrls.get(key);
          if (url) {
            URL.revokeObjectURL(url);
            objectUrls.delete(key);
          }
          if (!this.items.some((i) => i.status === "failed" || i.status === "error")) this.errors.media = "";
          this.saveDraft();
          this.pump();
          this.settle();
          this.$nextTick(() => {
            const tiles = tilesEl.querySelectorAll(".tile");
            const next = tiles[Math.min(index, tiles.length - 1)];
            const target = next ? next.querySelector(".tile-remove") : filesEl;
            if (target) target.focus();
          });
        },

        clearMedia() {
          for (const xhr of requests.values()) xhr.abort();
          for (const timer of timers.values()) clearTimeout(timer);
          for (const url of objectUrls.values()) URL.revokeObjectURL(url);
          requests.clear();
          timers.clear();
          objectUrls.clear();
          files.clear();
          this.items = [];
          this.ed = this.freshVideoEdit();
        },

        // --- place ----------------------------------------------------------------------

        get hasCoords() { return this.lat !== null && this.lon !== null; },
        get coordsText() { return this.hasCoords ? "📍 " + this.lat.toFixed(5) + ", " + this.lon.toFixed(5) : ""; },

        locate() {
          this.errors.place = "";
          if (!navigator.geolocation) {
            this.errors.place = this.t.noGeolocation;
            return;
          }
          this.locating = true;
          this.status = this.t.locating;
          navigator.geolocation.getCurrentPosition((position) => {
            this.locating = false;
            this.status = "";
            this.lat = Math.round(position.coords.latitude * 1e5) / 1e5;
            this.lon = Math.round(position.coords.longitude * 1e5) / 1e5;
            this.saveDraft();
          }, () => {
            this.locating = false;
            this.status = "";
            this.errors.place = this.t.locationFailed;
          }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
        },

        clearLocation() {
          this.lat = null;
          this.lon = null;
          this.saveDraft();
        },

        // --- suggestions ----------------------------------------------------------------

        get activeSuggestionId() {
          const active = this.suggestOpen && this.suggestions[this.suggestActive];
          return active ? active.domId : "";
        },
        isActiveSuggestion(index) { return index === this.suggestActive ? "true" : "false"; },

        bodyInput() {
          this.saveDraft();
          this.checkToken();
        },

        /** Look at what is typed right before the caret: a #topic or an @mention? */
        checkToken() {
          const textarea = bodyEl;
          const caret = textarea.selectionStart;
          if (caret !== textarea.selectionEnd) return this.closeSuggestions();
          const before = this.body.slice(0, caret);
          let kind = "tag";
          let match = before.match(TAG_TAIL);
          if (!match) {
            kind = "user";
            match = before.match(MENTION_TAIL);
          }
          if (!match) return this.closeSuggestions();
          const query = match[1];
          const range = { kind, query, start: caret - query.length - 1, end: caret };
          if (suggestRange && suggestRange.kind === kind && suggestRange.query === query) {
            suggestRange = range;
            return;
          }
          suggestRange = range;
          clearTimeout(suggestTimer);
          suggestTimer = setTimeout(() => this.fetchSuggestions(range), SUGGEST_DELAY_MS);
        },

        async fetchSuggestions(range) {
          suggestSeq += 1;
          const seq = suggestSeq;
          const path = (range.kind === "tag" ? "/api/v1/hashtags" : "/api/v1/users")
            + "?prefix=" + encodeURIComponent(range.query) + "&limit=" + SUGGEST_LIMIT;
          const result = await window.Vermilion.api("GET", path);
          if (seq !== suggestSeq || suggestRange !== range) return; // typing moved on
          const items = result.ok && result.data ? result.data.items || [] : [];
          this.suggestions = items.map((entry, i) => (range.kind === "tag"
            ? {
                key: "t:" + entry.name,
                domId: "compose-suggestion-" + i,
                label: "#" + entry.name,
                detail: format(entry.notes_count === 1 ? this.t.note : this.t.notes, { count: entry.notes_count }),
                avatar: "",
                insert: "#" + entry.name + " ",
              }
            : {
                key: "u:" + entry.username,
                domId: "compose-suggestion-" + i,
                label: entry.display_name,
                detail: "@" + entry.username,
                avatar: (entry.avatar && entry.avatar.urls && entry.avatar.urls.thumb) || "",
                insert: "@" + entry.username + " ",
              }));
          this.suggestActive = 0;
          if (this.suggestions.length) this.placeSuggestions(range.start);
          this.suggestOpen = this.suggestions.length > 0;
          this.suggestAnnouncement = this.suggestions.length
            ? format(this.t.suggestions, { count: this.suggestions.length })
            : "";
        },

        /** Open the list just under the word being typed (the keyboard covers the bottom
            of a phone screen, and a long text would push a list below it out of sight). */
        placeSuggestions(position) {
          if (!suggestEl) return;
          const caret = caretOffset(bodyEl, position);
          const fieldWidth = bodyEl.offsetParent ? bodyEl.offsetParent.clientWidth : bodyEl.offsetWidth;
          const width = Math.min(320, fieldWidth);
          const top = bodyEl.offsetTop + Math.max(0, Math.min(caret.top, bodyEl.clientHeight - caret.lineHeight)) + caret.lineHeight + 4;
          const left = Math.max(0, Math.min(bodyEl.offsetLeft + caret.left - 8, fieldWidth - width));
          suggestEl.style.top = top + "px";
          suggestEl.style.left = left + "px";
          suggestEl.style.width = width + "px";
        },

        closeSuggestions() {
          clearTimeout(suggestTimer);
          suggestSeq += 1;
          suggestRange = null;
          this.suggestOpen = false;
          this.suggestions = [];
          this.suggestAnnouncement = "";
        },

        bodyKeydown(event) {
          if (event.isComposing || event.keyCode === 229) return;
          if (!this.suggestOpen || !this.suggestions.length) return;
          const count = this.suggestions.length;
          if (event.key === "ArrowDown") {
            event.preventDefault();
            this.suggestActive = (this.suggestActive + 1) % count;
          } else if (event.key === "ArrowUp") {
            event.preventDefault();
            this.suggestActive = (this.suggestActive - 1 + count) % count;
          } else if (event.key === "Enter" || event.key === "Tab") {
            event.preventDefault();
            this.chooseSuggestion(this.suggestActive);
          } else if (event.key === "Escape") {
            event.preventDefault();
            event.stopPropagation();
            this.closeSuggestions();
          }
        },

        chooseSuggestion(index) {
          const choice = this.suggestions[index];
          const range = suggestRange;
          if (!choice || !range) return;
          const after = this.body.slice(range.end);
          const insert = after.startsWith(" ") ? choice.insert.trimEnd() : choice.insert;
          this.body = this.body.slice(0, range.start) + insert + after;
          const caret = range.start + insert.length + (insert === choice.insert ? 0 : 1);
          this.closeSuggestions();
          this.saveDraft();
          this.$nextTick(() => {
            const textarea = bodyEl;
            textarea.focus();
            textarea.setSelectionRange(caret, caret);
          });
        },

        // --- drafts ---------------------------------------------------------------------

        draftKey() {
          const base = "vermilion:compose:" + this.username;
          return this.mode === "edit" ? base + ":edit:" + this.noteId : base + ":new";
        },

        draftData() {
          return {
            v: DRAFT_VERSION,
            base: this.note ? this.note.updated_at : null,
            title: this.title,
            body: this.body,
            placeName: this.placeName,
            lat: this.lat,
            lon: this.lon,
            visibility: this.visibility,
            media: this.items.filter((item) => item.id).map((item) => ({ id: item.id, alt: item.alt })),
          };
        },

        /** Keep the draft on this device (per person, and per note when editing). */
        saveDraft() {
          const draft = this.draftData();
          const empty = !clean(draft.title, false) && !clean(draft.body, true) && !draft.media.length && !clean(draft.placeName, false);
          try {
            if (empty && this.mode === "create") {
              window.localStorage.removeItem(this.draftKey());
              this.draftSaved = false;
            } else {
              window.localStorage.setItem(this.draftKey(), JSON.stringify(draft));
              this.draftSaved = true;
            }
          } catch (e) {
            this.draftSaved = false; // private mode or storage full: the page still works
          }
        },

        readDraft() {
          try {
            const draft = JSON.parse(window.localStorage.getItem(this.draftKey()) || "null");
            if (!draft || draft.v !== DRAFT_VERSION) return null;
            // An edit draft made against an older version of the note is stale.
            if (this.mode === "edit" && (!this.note || draft.base !== this.note.updated_at)) return null;
            return draft;
          } catch (e) {
            return null;
          }
        },

        restoreDraft() {
          const draft = this.readDraft();
          if (!draft) return;
          this.title = String(draft.title || "");
          this.body = String(draft.body || "");
          this.placeName = String(draft.placeName || "");
          this.lat = typeof draft.lat === "number" ? draft.lat : null;
          this.lon = typeof draft.lon === "number" ? draft.lon : null;
          if (["public", "followers", "private"].includes(draft.visibility)) this.visibility = draft.visibility;
          const known = new Map(this.items.map((item) => [item.id, item]));
          this.clearMedia();
          const restored = [];
          for (const entry of (Array.isArray(draft.media) ? draft.media : []).slice(0, this.limits.images)) {
            const id = String(entry && entry.id || "");
            if (!/^\d+$/.test(id) || restored.some((item) => item.id === id)) continue;
            const from = known.get(id);
            const alt = typeof entry.alt === "string" ? entry.alt : "";
            restored.push(from
              ? Object.assign(from, { alt })
              : this.newItem({ id, status: "processing", alt, altSaved: null }));
          }
          this.items = restored;
          // Fetch each restored image again: previews (urls.thumb) and whether it is ready.
          for (const item of this.items) {
            if (item.altSaved === null) {
              item.altSaved = item.alt;
              this.refetch(item.key);
            } else if (item.status === "processing") {
              this.poll(item.key, 0);
            } else if (item.status === "ready") {
              this.saveAlt(item);
            }
          }
          this.draftSaved = true;
          this.status = this.t.draftRestored;
        },

        async refetch(key) {
          const item = this.find(key);
          if (!item) return;
          const result = await window.Vermilion.api("GET", "/api/v1/media/" + encodeURIComponent(item.id));
          const current = this.find(key);
          if (!current) return;
          if (result.ok && result.data) {
            current.altSaved = result.data.alt_text || "";
            this.applyMedia(current, result.data);
          } else if (result.status === 404) {
            current.status = "failed";
            current.error = this.t.mediaGone;
          } else {
            current.status = "processing";
            this.poll(key, POLL_MAX_MS);
          }
        },

        clearDraft() {
          try { window.localStorage.removeItem(this.draftKey()); } catch (e) { /* nothing kept */ }
          this.draftSaved = false;
        },

        discard() {
          if (!window.confirm(this.t.discardConfirm)) return;
          this.clearDraft();
          this.clearMedia();
          this.clearErrors();
          this.closeSuggestions();
          this.waitingToPublish = false;
          this.status = "";
          if (this.note) {
            this.loadNote(this.note);
          } else {
            this.title = "";
            this.body = "";
            this.placeName = "";
            this.lat = null;
            this.lon = null;
            this.visibility = "public";
          }
        },

        /** Fill the form from the note being edited (the server's json_script). */
        loadNote(note) {
          this.title = note.title || "";
          this.body = note.body || "";
          this.visibility = note.visibility || "public";
          this.placeName = (note.place && note.place.name) || "";
          this.lat = note.place && typeof note.place.lat === "number" ? note.place.lat : null;
          this.lon = note.place && typeof note.place.lon === "number" ? note.place.lon : null;
          this.items = (note.media || []).map((media) => {
            const urls = media.urls || {};
            const thumb = urls.thumb || urls.display || "";
            return this.newItem({
              id: String(media.id),
              status: media.status === "ready" ? "ready" : "processing",
              progress: 100,
              preview: thumb,
              thumb,
              alt: media.alt_text || "",
              altSaved: media.alt_text || "",
            });
          });
          for (const item of this.items) {
            if (item.status === "processing") this.poll(item.key, 0);
          }
        },

        // --- publishing -----------------------------------------------------------------

        get publishDisabled() { return this.busy || this.titleOver || this.bodyOver; },
        get publishLabel() {
          if (this.busy) return this.mode === "edit" ? this.t.saving : this.t.publishing;
          if (this.waitingToPublish) return this.t.waiting;
          return this.mode === "edit" ? this.t.save : this.t.publish;
        },

        clearErrors() {
          this.errors = { title: "", body: "", media: "", place: "", visibility: "" };
          this.topError = "";
        },

        /** The checks the server will make anyway, done first so the message is instant. */
        validate() {
          const errors = { title: "", body: "", media: "", place: "", visibility: "" };
          if (!this.titleCount) errors.title = this.t.titleRequired;
          else if (this.titleOver) errors.title = this.t.titleTooLong;
          if (this.bodyOver) errors.body = this.t.bodyTooLong;
          if (!this.items.length) errors.media = this.t.mediaRequired;
          else if (this.items.some((item) => item.status === "failed" || item.status === "error")) errors.media = this.t.mediaFailed;
          if (this.hasCoords && !clean(this.placeName, false)) errors.place = this.t.placeNameRequired;
          this.errors = errors;
          const first = ["title", "body", "media", "place"].find((name) => errors[name]);
          if (first) this.focusField(first);
          return !first;
        },

        focusField(name) {
          this.$nextTick(() => {
            const target = {
              title: document.getElementById("compose-title"),
              body: document.getElementById("compose-body"),
              media: document.getElementById("compose-media-heading"),
              place: document.getElementById("compose-place"),
              visibility: document.getElementById("compose-visibility"),
              top: document.getElementById("compose-error"),
            }[name];
            if (!target) return;
            target.scrollIntoView({ block: "center", behavior: "smooth" });
            if (name !== "media") target.focus({ preventScroll: true });
          });
        },

        /** Called whenever an image settles: publish if someone pressed Publish meanwhile. */
        settle() {
          if (!this.waitingToPublish) return;
          if (this.items.some((item) => item.status === "failed" || item.status === "error")) {
            this.waitingToPublish = false;
            this.status = "";
            this.errors.media = this.t.mediaFailed;
            this.focusField("media");
            return;
          }
          if (this.items.every((item) => item.status === "ready")) {
            this.waitingToPublish = false;
            this.publish();
          }
        },

        async publish() {
          if (this.busy) return;
          this.clearErrors();
          if (!this.validate()) return;
          if (this.items.some((item) => this.isBusy(item))) {
            this.waitingToPublish = true;
            this.status = this.t.waitingForUploads;
            return;
          }
          this.busy = true;
          if (!(await this.syncVideoEdit())) {
            this.busy = false; // the server renders the edit; publishing goes on once it is ready
            return;
          }
          const alts = await Promise.all(this.items.map((item) => this.saveAlt(item)));
          if (alts.includes(false)) {
            this.busy = false;
            this.errors.media = this.t.altSaveFailed;
            this.focusField("media");
            return;
          }
          const name = clean(this.placeName, false);
          const payload = {
            title: this.title,
            body: this.body,
            media_ids: this.items.map((item) => item.id),
            place: name ? (this.hasCoords ? { name, lat: this.lat, lon: this.lon } : { name }) : null,
            visibility: this.visibility,
          };
          const result = this.mode === "edit"
            ? await window.Vermilion.api("PATCH", "/api/v1/notes/" + encodeURIComponent(this.noteId), payload)
            : await window.Vermilion.api("POST", "/api/v1/notes", payload);
          if (result.ok && result.data && result.data.id) {
            this.clearDraft();
            leaving = true;
            this.status = "";
            window.location.assign("/notes/" + encodeURIComponent(result.data.id));
            return;
          }
          this.busy = false;
          const error = errorOf(result.data);
          if (result.status === 409 && error && error.code === "media_not_ready" && this.notReadyRetries < NOT_READY_RETRIES) {
            // The server is still processing one: wait for it, then publish again by itself.
            this.notReadyRetries += 1;
            this.waitingToPublish = true;
            this.status = this.t.waitingForUploads;
            for (const item of this.items) {
              item.status = "processing";
              this.poll(item.key, POLL_FIRST_MS * this.notReadyRetries);
            }
            return;
          }
          this.status = "";
          this.showServerError(result, error);
        },

        /** Put the server's message next to the field it names, or at the top. */
        showServerError(result, error) {
          const message = (error && error.message) || window.Vermilion.errorMessage(result) || this.t.publishFailed;
          if (result.status === 409 && error && error.code === "media_not_ready") {
            this.errors.media = this.t.notReadyYet;
            this.focusField("media");
            return;
          }
          const field = String((error && error.field) || "");
          const target = field.startsWith("title") ? "title"
            : field.startsWith("body") || field.startsWith("hashtags") ? "body"
            : field.startsWith("media") ? "media"
            : field.startsWith("place") ? "place"
            : field.startsWith("visibility") ? "visibility"
            : "top";
          if (target === "top") this.topError = message;
          else this.errors[target] = message;
          this.focusField(target);
        },
      });
    });
  });
})();
