/* Profiles and boards: follow/unfollow, block/unblock, creating and editing boards.
   Alpine components (CSP build: logic lives here, templates only name properties and
   methods). Translated strings come from data-* attributes the templates fill in. */
(function () {
  "use strict";

  document.addEventListener("alpine:init", () => {
    /* Follow button; on a profile header it also keeps the followers count in step. */
    window.Alpine.data("peopleFollow", () => ({
      username: "",
      following: false,
      followers: 0,
      busy: false,
      labels: {},
      init() {
        const d = this.$el.dataset;
        this.username = d.username;
        this.following = d.following === "1";
        this.followers = parseInt(d.followers || "0", 10);
        this.labels = { follow: d.labelFollow, following: d.labelFollowing };
      },
      get label() { return this.following ? this.labels.following : this.labels.follow; },
      get pressed() { return this.following ? "true" : "false"; },
      get followClass() { return this.following ? "is-following" : ""; },
      async toggle() {
        if (this.busy || !window.Vermilion.requireSignIn()) return;
        this.busy = true;
        const method = this.following ? "DELETE" : "POST";
        const path = "/api/v1/users/" + encodeURIComponent(this.username) + "/follow";
        const result = await window.Vermilion.api(method, path);
        this.busy = false;
        if (!result.ok) { window.Vermilion.toast(window.Vermilion.errorMessage(result)); return; }
        this.following = Boolean(result.data.viewer && result.data.viewer.following);
        this.followers = result.data.counts.followers;
      },
    }));

    /* The "more" menu on a profile: block (after a confirmation) or unblock. */
    window.Alpine.data("peopleBlockMenu", () => ({
      open: false,
      busy: false,
      get expanded() { return this.open ? "true" : "false"; },
      toggleMenu() { this.open = !this.open; },
      close() { this.open = false; },
      async send(method, question, done) {
        if (this.busy || !window.Vermilion.requireSignIn()) return;
        if (question && !window.confirm(question)) return;
        this.busy = true;
        const path = "/api/v1/users/" + encodeURIComponent(this.$root.dataset.username) + "/block";
        const result = await window.Vermilion.api(method, path);
        this.busy = false;
        this.open = false;
        if (!result.ok) { window.Vermilion.toast(window.Vermilion.errorMessage(result)); return; }
        window.Vermilion.toast(done);
        // What the page shows depends on the block (notes, buttons): load it afresh.
        window.location.reload();
      },
      block() { const d = this.$root.dataset; this.send("POST", d.confirmBlock, d.doneBlock); },
      unblock() { const d = this.$root.dataset; this.send("DELETE", d.confirmUnblock, d.doneUnblock); },
    }));

    /* "New board" on your boards page. */
    window.Alpine.data("peopleBoardCreate", () => ({
      name: "",
      isPrivate: false,
      busy: false,
      error: "",
      async submit() {
        this.error = "";
        if (!this.name.trim()) { this.error = this.$root.dataset.errorEmpty; return; }
        this.busy = true;
        const result = await window.Vermilion.api("POST", "/api/v1/boards", { name: this.name, is_private: this.isPrivate });
        this.busy = false;
        if (!result.ok) { this.error = window.Vermilion.errorMessage(result); return; }
        window.location.href = "/boards/" + result.data.id;
      },
    }));

    /* Rename, make private or delete one of your boards. */
    window.Alpine.data("peopleBoardEditor", () => ({
      id: "",
      name: "",
      draft: "",
      isPrivate: false,
      editing: false,
      busy: false,
      error: "",
      init() {
        const d = this.$el.dataset;
        this.id = d.boardId;
        this.name = d.name;
        this.draft = d.name;
        this.isPrivate = d.private === "1";
      },
      get viewing() { return !this.editing; },
      edit() { this.draft = this.name; this.error = ""; this.editing = true; },
      cancel() { this.editing = false; },
      async save() {
        this.busy = true;
        this.error = "";
        const result = await window.Vermilion.api("PATCH", "/api/v1/boards/" + this.id, { name: this.draft, is_private: this.isPrivate });
        this.busy = false;
        if (!result.ok) { this.error = window.Vermilion.errorMessage(result); return; }
        window.Vermilion.toast(this.$root.dataset.saved);
        window.location.reload();
      },
      async remove() {
        if (this.busy || !window.confirm(this.$root.dataset.confirmDelete)) return;
        this.busy = true;
        const result = await window.Vermilion.api("DELETE", "/api/v1/boards/" + this.id);
        this.busy = false;
        if (!result.ok) { window.Vermilion.toast(window.Vermilion.errorMessage(result)); return; }
        window.location.href = this.$root.dataset.boardsUrl;
      },
    }));
  });
})();
