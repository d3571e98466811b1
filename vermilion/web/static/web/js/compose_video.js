/* The composer's video part: a resumable upload (tus, through tus-js-client from npm) and the
   editor with its live preview.

   The preview plays the chosen file itself, from this device, with the edit applied by the
   browser (CSS for the crop, rotation and colour, the playback rate for the speed, positioned
   text, the music's own loop in an <audio>), so nothing waits for the server. The edit list
   it builds is the one the server renders from the original (media/edits.py), which is the
   only judge: the preview mirrors it to help, never to decide.

   compose.js merges this object into its component (getters included). */
(function () {
  "use strict";

  const CHUNK_BYTES = 8 * 1024 * 1024; // a dropped connection loses at most this much
  const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000];
  const MIN_LENGTH_MS = 500;
  const VIDEO_TYPES = /^video\/(mp4|quicktime|webm|x-m4v)$/;
  const VIDEO_NAMES = /\.(mp4|m4v|mov|webm)$/i;
  const CROPS = { original: null, "9:16": [9, 16], "3:4": [3, 4], "1:1": [1, 1] };
  // Mirrors of media/edits.py's FILTERS, as CSS filters (close, not identical).
  const FILTERS = {
    none: "",
    warm: "sepia(0.25) saturate(1.2) hue-rotate(-8deg)",
    cool: "saturate(0.9) hue-rotate(12deg) brightness(1.03)",
    vivid: "saturate(1.5) contrast(1.12)",
    mono: "grayscale(1) contrast(1.15)",
    vintage: "sepia(0.4) contrast(0.9) saturate(0.85)",
    fade: "contrast(0.8) brightness(1.1) saturate(0.75)",
  };
  const TEXT_SIZE = 0.07;

  function luminance(hex) {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }

  function round(value, places) {
    const f = Math.pow(10, places);
    return Math.round(value * f) / f;
  }

  function seconds(ms) {
    const total = Math.max(0, Math.round(ms / 100)) / 10;
    const m = Math.floor(total / 60);
    const s = (total - m * 60).toFixed(1);
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function freshEdit() {
    return {
      duration: 0, width: 0, height: 0, start: 0, end: 0,
      crop: "original", shift: 0.5, rotate: 0, speed: 1, filter: "none",
      texts: [], draft: "", color: "#ffffff", style: "plain",
      music: "", volume: 0.7, mute: false, cover: null,
      time: 0, playing: false,
    };
  }

  let textSeq = 0;
  let dragging = null;

  window.VermilionComposeVideo = {
    ed: freshEdit(),
    music: [],
    cropNames: Object.keys(CROPS),
    filterNames: Object.keys(FILTERS),
    speeds: [0.5, 0.75, 1, 1.5, 2],

    freshVideoEdit() { return freshEdit(); },

    isVideoFile(file) {
      const type = file.type || "";
      return VIDEO_TYPES.test(type) || (!/^image\//.test(type) && VIDEO_NAMES.test(file.name || ""));
    },

    get videoItem() {
      return this.items.length === 1 && this.items[0].kind === "video" ? this.items[0] : null;
    },
    get hasVideo() { return Boolean(this.videoItem); },
    get canAddTile() { return this.canAddMore && !this.hasVideo; },
    tileVideo(item) { return item.kind === "video" && Boolean(item.source) && !item.preview; },
    get videoSource() { return this.videoItem ? this.videoItem.source : ""; },
    get notPlaying() { return !this.ed.playing; },
    get cannotAddText() { return !this.canAddText; },
    get canEditVideo() { return Boolean(this.videoItem && this.videoItem.source); },

    /** A video chosen: the editor opens on the local file while it uploads. */
    startVideo(item, file) {
      item.kind = "video";
      try { item.source = URL.createObjectURL(file); } catch (e) { item.source = ""; }
      item.editSaved = JSON.stringify(this.editPayload(freshEdit()));
      this.ed = freshEdit();
      this.loadMusic();
    },

    /** The resumable upload: tus 1.0 against /api/v1/uploads. A network drop is retried
        from the last byte the server has; choosing the same file again after a reload
        resumes too (tus-js-client keeps the upload's address on this device). */
    uploadVideo(item, file, done) {
      const key = item.key;
      let mediaId = "";
      const upload = new window.tus.Upload(file, {
        endpoint: "/api/v1/uploads",
        chunkSize: CHUNK_BYTES,
        retryDelays: RETRY_DELAYS,
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        metadata: { filename: file.name || "video", filetype: file.type || "" },
        headers: { "X-CSRFToken": window.Vermilion.csrfToken(), Accept: "application/json" },
        onProgress: (sent, total) => {
          const current = this.find(key);
          if (current && total) current.progress = Math.min(99, Math.round((100 * sent) / total));
        },
        onAfterResponse: (req, res) => {
          const id = res.getHeader("Vermilion-Media-Id");
          if (id) mediaId = id;
        },
        onSuccess: () => {
          done(true);
          const current = this.find(key);
          if (!current) return;
          if (!mediaId) {
            this.uploadFailed(current, 0, null);
            return;
          }
          current.id = String(mediaId);
          current.progress = 0;
          current.status = "processing";
          this.saveDraft();
          this.poll(key, 0);
          if (this.waitingToPublish) this.syncVideoEdit();
        },
        onError: (error) => {
          done(false);
          const current = this.find(key);
          if (!current) return;
          const res = error && error.originalResponse;
          let data = null;
          try { data = res ? JSON.parse(res.getBody()) : null; } catch (e) { data = null; }
          this.uploadFailed(current, res ? res.getStatus() : 0, data);
        },
      });
      upload.findPreviousUploads().then((previous) => {
        if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      }, () => upload.start());
      return { abort: () => upload.abort(false) };
    },

    async loadMusic() {
      if (this.music.length) return;
      const result = await window.Vermilion.api("GET", "/api/v1/music");
      if (result.ok && result.data) this.music = result.data.items || [];
    },

    // --- the edit list ------------------------------------------------------------------

    /** What the server is sent: only what differs from the untouched video. */
    editPayload(ed) {
      const edit = {};
      if (ed.duration && (ed.start > 0 || ed.end < ed.duration)) {
        edit.trim = { start_ms: Math.round(ed.start), end_ms: Math.round(ed.end) };
      }
      if (ed.crop !== "original") {
        edit.crop = ed.crop;
        if (ed.shift !== 0.5) edit[this.shiftAxis(ed) === "x" ? "crop_x" : "crop_y"] = round(ed.shift, 3);
      }
      if (ed.rotate) edit.rotate = ed.rotate;
      if (ed.speed !== 1) edit.speed = ed.speed;
      if (ed.filter !== "none") edit.filter = ed.filter;
      if (ed.texts.length) {
        edit.texts = ed.texts.map((t) => ({ text: t.text, x: round(t.x, 3), y: round(t.y, 3), size: t.size, color: t.color, style: t.style }));
      }
      if (ed.music) edit.music = { track: ed.music, volume: round(ed.volume, 2) };
      if (ed.mute) edit.mute = true;
      return { edit, cover_ms: ed.cover === null ? null : Math.round(ed.cover) };
    },

    /** Send the edit if it changed; false while the server renders it (publish waits). */
    async syncVideoEdit() {
      const item = this.videoItem;
      if (!item || !item.id || !item.source) return true;
      const payload = this.editPayload(this.ed);
      const body = JSON.stringify(payload);
      if (body === item.editSaved) return true;
      const result = await window.Vermilion.api("PATCH", "/api/v1/media/" + encodeURIComponent(item.id), payload);
      if (!result.ok) {
        const error = result.data && result.data.error;
        this.errors.media = (error && error.message) || this.t.editFailed;
        this.waitingToPublish = false;
        this.status = "";
        this.focusField("media");
        return false;
      }
      item.editSaved = body;
      item.status = "processing";
      item.progress = 0;
      this.waitingToPublish = true;
      this.status = this.t.rendering;
      this.poll(item.key, 700);
      return false;
    },

    // --- the preview --------------------------------------------------------------------

    get outputSize() {
      const ed = this.ed;
      let w = ed.width || 9;
      let h = ed.height || 16;
      if (ed.rotate === 90 || ed.rotate === 270) [w, h] = [h, w];
      const ratio = CROPS[ed.crop];
      if (ratio) {
        const aspect = ratio[0] / ratio[1];
        if (w / h > aspect) w = h * aspect;
        else h = w / aspect;
      }
      return [w, h];
    },
    shiftAxis(ed) {
      let w = ed.width || 9;
      let h = ed.height || 16;
      if (ed.rotate === 90 || ed.rotate === 270) [w, h] = [h, w];
      const ratio = CROPS[ed.crop];
      return ratio && w / h > ratio[0] / ratio[1] ? "x" : "y";
    },
    get stageStyle() {
      const [w, h] = this.outputSize;
      return "aspect-ratio: " + w.toFixed(2) + " / " + h.toFixed(2);
    },
    get videoStyle() {
      const ed = this.ed;
      const [w, h] = this.outputSize;
      const turned = ed.rotate === 90 || ed.rotate === 270;
      const pos = this.shiftAxis(ed) === "x" ? (ed.shift * 100) + "% 50%" : "50% " + (ed.shift * 100) + "%";
      const size = turned
        ? "width: " + (100 * h / w) + "%; height: " + (100 * w / h) + "%;"
        : "width: 100%; height: 100%;";
      return size + " object-position: " + pos + "; transform: translate(-50%, -50%) rotate(" + ed.rotate + "deg);" +
        " filter: " + (FILTERS[ed.filter] || "none") + ";";
    },
    textStyle(text) {
      const box = text.style === "box";
      const ink = box ? (luminance(text.color) > 0.5 ? "#111" : "#fff") : text.color;
      return "left: " + (text.x * 100) + "%; top: " + (text.y * 100) + "%; --size: " + text.size + "; color: " + ink + ";" +
        (box ? " background: " + text.color + ";" : "");
    },
    textClass(text) { return "video-text" + (text.style === "box" ? " boxed" : ""); },

    videoEl() { return this.$refs.editVideo; },
    musicEl() { return this.$refs.editMusic; },

    videoLoaded() {
      const video = this.videoEl();
      if (!video) return;
      const ed = this.ed;
      const duration = Math.round((video.duration || 0) * 1000);
      if (!duration || !isFinite(duration)) return;
      const fresh = !ed.duration;
      ed.duration = duration;
      ed.width = video.videoWidth;
      ed.height = video.videoHeight;
      if (fresh) {
        ed.start = 0;
        ed.end = duration;
        const item = this.videoItem;
        if (item) item.editSaved = JSON.stringify(this.editPayload(ed));
      }
    },

    togglePlay() {
      const video = this.videoEl();
      if (!video) return;
      if (video.paused) {
        if (video.currentTime * 1000 >= this.ed.end - 50 || video.currentTime * 1000 < this.ed.start) {
          video.currentTime = this.ed.start / 1000;
        }
        video.play().catch(() => {});
      } else {
        video.pause();
      }
    },
    videoPlaying() {
      this.ed.playing = true;
      this.syncMusic();
    },
    videoPaused() {
      this.ed.playing = false;
      const music = this.musicEl();
      if (music) music.pause();
    },
    /** Keep the preview inside the trim, looping, as the rendered video will be. */
    videoTime() {
      const video = this.videoEl();
      if (!video) return;
      const now = video.currentTime * 1000;
      this.ed.time = now;
      if (this.ed.end && now >= this.ed.end) {
        video.currentTime = this.ed.start / 1000;
        this.syncMusic(true);
      }
    },
    syncMusic(restart) {
      const music = this.musicEl();
      const video = this.videoEl();
      if (!music || !video) return;
      if (!this.ed.music || video.paused) {
        music.pause();
        return;
      }
      music.volume = this.ed.volume;
      if (restart) music.currentTime = 0;
      music.play().catch(() => {});
    },
    applyPlayback() {
      const video = this.videoEl();
      if (!video) return;
      video.playbackRate = this.ed.speed;
      video.muted = this.ed.mute;
      this.syncMusic();
    },

    get trimLabel() {
      return seconds(this.ed.start) + " – " + seconds(this.ed.end) + " · " + seconds((this.ed.end - this.ed.start) / this.ed.speed);
    },
    get editedLength() { return Math.max(0, (this.ed.end - this.ed.start) / this.ed.speed); },
    get coverValue() { return this.ed.cover === null ? 0 : this.ed.cover; },
    get coverLabel() { return this.ed.cover === null ? this.t.coverDefault : seconds(this.ed.cover); },

    setStart(event) {
      const ed = this.ed;
      ed.start = Math.max(0, Math.min(Number(event.target.value), ed.end - MIN_LENGTH_MS));
      event.target.value = ed.start;
      this.clampCover();
      const video = this.videoEl();
      if (video) video.currentTime = ed.start / 1000;
    },
    setEnd(event) {
      const ed = this.ed;
      ed.end = Math.min(ed.duration, Math.max(Number(event.target.value), ed.start + MIN_LENGTH_MS));
      event.target.value = ed.end;
      this.clampCover();
      const video = this.videoEl();
      if (video) video.currentTime = Math.max(ed.start, ed.end - 1000) / 1000;
    },
    clampCover() {
      if (this.ed.cover !== null) this.ed.cover = Math.min(this.ed.cover, this.editedLength);
    },
    setCover(event) {
      this.ed.cover = Math.min(Number(event.target.value), this.editedLength);
      const video = this.videoEl();
      if (video) {
        video.pause();
        video.currentTime = (this.ed.start + this.ed.cover * this.ed.speed) / 1000;
      }
    },
    coverFromVideo() {
      const video = this.videoEl();
      if (!video) return;
      const at = (video.currentTime * 1000 - this.ed.start) / this.ed.speed;
      this.ed.cover = Math.max(0, Math.min(Math.round(at), this.editedLength));
    },

    setCrop(name) {
      this.ed.crop = name;
      this.ed.shift = 0.5;
    },
    cropPressed(name) { return this.ed.crop === name ? "true" : "false"; },
    get cropped() { return this.ed.crop !== "original"; },
    setShift(event) { this.ed.shift = Number(event.target.value); },
    rotate() {
      this.ed.rotate = (this.ed.rotate + 90) % 360;
    },
    get rotateLabel() { return this.ed.rotate + "°"; },
    setSpeed(event) {
      this.ed.speed = Number(event.target.value);
      this.clampCover();
      this.applyPlayback();
    },
    speedLabel(speed) { return speed + "×"; },
    isSpeed(speed) { return this.ed.speed === speed; },
    setFilter(name) { this.ed.filter = name; },
    filterPressed(name) { return this.ed.filter === name ? "true" : "false"; },
    filterLabel(name) { return (this.t.filters || {})[name] || name; },
    filterSwatch(name) { return "filter: " + (FILTERS[name] || "none"); },
    cropLabel(name) { return name === "original" ? this.t.cropOriginal : name; },

    setTextDraft(event) { this.ed.draft = event.target.value; },
    setTextColor(event) { this.ed.color = event.target.value; },
    setTextStyle(event) { this.ed.style = event.target.checked ? "box" : "plain"; },
    addText() {
      const text = String(this.ed.draft || "").trim();
      if (!text || this.ed.texts.length >= 5) return;
      textSeq += 1;
      const y = 0.8 - 0.12 * this.ed.texts.length;
      this.ed.texts.push({ key: "t" + textSeq, text, x: 0.5, y: Math.max(0.1, y), size: TEXT_SIZE, color: this.ed.color, style: this.ed.style });
      this.ed.draft = "";
    },
    removeText(index) { this.ed.texts.splice(index, 1); },
    textLabel(text) { return format2(this.t.removeText, text.text); },
    get canAddText() { return this.ed.texts.length < 5 && Boolean(String(this.ed.draft || "").trim()); },

    /** Texts are placed by dragging them on the picture (pointer events: mouse and touch). */
    textDown(event, index) {
      const stage = this.$refs.editStage;
      if (!stage) return;
      event.preventDefault();
      dragging = { index, rect: stage.getBoundingClientRect() };
      event.target.setPointerCapture(event.pointerId);
    },
    textMove(event) {
      if (!dragging) return;
      const { index, rect } = dragging;
      const text = this.ed.texts[index];
      if (!text) return;
      text.x = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
      text.y = Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height));
    },
    textUp() { dragging = null; },
    textKey(event, index) {
      const text = this.ed.texts[index];
      if (!text) return;
      const step = 0.02;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      const move = moves[event.key];
      if (!move) return;
      event.preventDefault();
      text.x = Math.min(1, Math.max(0, text.x + move[0]));
      text.y = Math.min(1, Math.max(0, text.y + move[1]));
    },

    setMusic(event) {
      this.ed.music = event.target.value;
      this.$nextTick(() => this.syncMusic(true));
    },
    setVolume(event) {
      this.ed.volume = Number(event.target.value);
      this.syncMusic();
    },
    get musicUrl() {
      const track = this.music.find((m) => m.slug === this.ed.music);
      return track ? track.url : "";
    },
    musicName(track) { return track.name + " · " + track.mood; },
    setMute(event) {
      this.ed.mute = event.target.checked;
      this.applyPlayback();
    },
  };

  function format2(template, value) {
    return String(template || "%(text)s").replace("%(text)s", value);
  }
})();
