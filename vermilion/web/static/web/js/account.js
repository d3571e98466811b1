/* Account pages: the bio counter (user-perceived characters, as the server counts them)
   and the avatar upload (POST /api/v1/media, PATCH /api/v1/me, then wait for processing).
   Alpine components for the CSP build; translated text comes from data-* attributes. */
(function () {
  "use strict";

  const segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

  /** Characters as people see them: an emoji with modifiers or a flag counts once. */
  function graphemeLength(text) {
    if (segmenter) {
      let n = 0;
      for (const _ of segmenter.segment(text)) n += 1; // eslint-disable-line no-unused-vars
      return n;
    }
    return Array.from(text).length;
  }

  const POLL_MS = 1500;
  const POLL_TRIES = 40;

  function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

  document.addEventListener("alpine:init", () => {
    window.Alpine.data("accountCharCounter", () => ({
      max: 0,
      used: 0,
      init() {
        this.max = parseInt(this.$el.dataset.max, 10);
        this.update();
      },
      update() { this.used = graphemeLength(this.$refs.input.value); },
      get text() { return this.used + " / " + this.max; },
      get counterClass() { return this.used > this.max ? "over" : ""; },
    }));

    window.Alpine.data("accountAvatar", () => ({
      mediaId: "",
      preview: "",
      status: "",
      busy: false,
      failed: false,
      labels: {},
      init() {
        const d = this.$el.dataset;
        this.mediaId = d.mediaId || "";
        this.labels = { uploading: d.labelUploading, processing: d.labelProcessing, done: d.labelDone,
          removed: d.labelRemoved, failed: d.labelFailed, slow: d.labelSlow };
        const image = this.$refs.image;
        this.preview = image && image.getAttribute("src") ? image.getAttribute("src") : "";
      },
      get hasAvatar() { return Boolean(this.mediaId); },
      get noPreview() { return !this.preview; },
      get frameClass() { return this.busy ? "is-busy" : ""; },
      async setAvatar(id) {
        return window.Vermilion.api("PATCH", "/api/v1/me", { avatar_media_id: id });
      },
      async pick(event) {
        const file = event.target.files && event.target.files[0];
        event.target.value = "";
        if (!file || this.busy) return;
        const previous = this.mediaId;
        const previousPreview = this.preview;
        this.busy = true;
        this.status = this.labels.uploading;
        this.preview = URL.createObjectURL(file);
        const body = new FormData();
        body.append("file", file);
        let result = await window.Vermilion.api("POST", "/api/v1/media", body);
        if (!result.ok) { this.fail(window.Vermilion.errorMessage(result), previousPreview); return; }
        const media = result.data;
        result = await this.setAvatar(media.id);
        if (!result.ok) { this.fail(window.Vermilion.errorMessage(result), previousPreview); return; }
        this.mediaId = media.id;
        this.status = this.labels.processing;
        const final = await this.waitUntilProcessed(media);
        if (final && final.status === "failed") {
          // Keep the avatar people had rather than a broken image.
          await this.setAvatar(previous || null);
          this.mediaId = previous;
          this.fail(final.error || this.labels.failed, previousPreview);
          return;
        }
        this.busy = false;
        if (final && final.status === "ready") {
          this.preview = final.urls.thumb || final.urls.display || this.preview;
          this.status = this.labels.done;
        } else {
          this.status = this.labels.slow;
        }
      },
      async waitUntilProcessed(media) {
        let current = media;
        for (let i = 0; i < POLL_TRIES && current.status === "processing"; i += 1) {
          await sleep(POLL_MS);
          const result = await window.Vermilion.api("GET", "/api/v1/media/" + media.id);
          if (!result.ok) return null;
          current = result.data;
        }
        return current;
      },
      fail(message, previousPreview) {
        this.busy = false;
        this.preview = previousPreview;
        this.status = message;
        window.Vermilion.toast(message);
      },
      async remove() {
        if (this.busy) return;
        this.busy = true;
        const result = await this.setAvatar(null);
        this.busy = false;
        if (!result.ok) { window.Vermilion.toast(window.Vermilion.errorMessage(result)); return; }
        this.mediaId = "";
        this.preview = "";
        this.status = this.labels.removed;
      },
    }));
  });
})();
