/* The search box in the top bar: suggestions while typing (hashtags, people, popular
   searches, from GET /api/v1/search/suggest), as an ARIA combobox: arrow keys move, Enter
   opens the highlighted suggestion or searches the text, Escape closes. Registered on
   alpine:init (the CSP build of Alpine evaluates no inline code). */
(function () {
  "use strict";

  const DELAY_MS = 150;

  document.addEventListener("alpine:init", () => {
    window.Alpine.data("searchBox", () => {
      let timer = null;
      let seq = 0;
      return {
        q: "",
        open: false,
        items: [],
        active: -1,
        announcement: "",

        init() {
          this.q = this.$refs.input.value || "";
          const strings = this.$el.dataset;
          this.t = { people: strings.tPeople, tags: strings.tTags, searches: strings.tSearches, found: strings.tFound };
        },

        get activeId() {
          return this.open && this.active >= 0 && this.items[this.active] ? this.items[this.active].domId : "";
        },
        get expanded() { return this.open ? "true" : "false"; },
        isActive(index) { return index === this.active ? "true" : "false"; },

        input() {
          this.q = this.$refs.input.value;
          clearTimeout(timer);
          const text = this.q.trim();
          if (!text) return this.close();
          timer = setTimeout(() => this.fetch(text), DELAY_MS);
        },

        async fetch(text) {
          seq += 1;
          const mine = seq;
          const result = await window.Vermilion.api("GET", "/api/v1/search/suggest?q=" + encodeURIComponent(text));
          if (mine !== seq) return; // typing moved on
          const data = result.ok && result.data ? result.data : { hashtags: [], users: [], queries: [] };
          const items = [];
          data.queries.forEach((query) => items.push({ kind: "query", label: query, detail: this.t.searches, href: "/search?q=" + encodeURIComponent(query) }));
          data.hashtags.forEach((tag) => items.push({ kind: "tag", label: "#" + tag.name, detail: String(tag.notes_count), href: "/tags/" + encodeURIComponent(tag.name) }));
          data.users.forEach((user) => items.push({
            kind: "user", label: user.display_name, detail: "@" + user.username, href: "/u/" + encodeURIComponent(user.username),
            avatar: (user.avatar && user.avatar.urls && user.avatar.urls.thumb) || "",
          }));
          items.forEach((item, i) => { item.key = item.kind + ":" + item.label + ":" + i; item.domId = "search-suggestion-" + i; });
          this.items = items;
          this.active = -1;
          this.open = items.length > 0;
          this.announcement = items.length ? this.t.found.replace("%(count)s", items.length) : "";
        },

        close() {
          clearTimeout(timer);
          seq += 1;
          this.open = false;
          this.items = [];
          this.active = -1;
          this.announcement = "";
        },

        keydown(event) {
          if (event.isComposing || event.keyCode === 229) return; // an IME is composing Chinese
          const count = this.items.length;
          if (event.key === "ArrowDown" && count) {
            event.preventDefault();
            this.open = true;
            this.active = (this.active + 1) % count;
          } else if (event.key === "ArrowUp" && count) {
            event.preventDefault();
            this.active = (this.active - 1 + count) % count;
          } else if (event.key === "Escape") {
            this.close();
          } else if (event.key === "Enter" && this.open && this.active >= 0) {
            event.preventDefault();
            this.choose(this.active);
          }
        },

        choose(index) {
          const item = this.items[index];
          if (item) window.location.href = item.href;
        },

        noop() {},
      };
    });
  });
})();
