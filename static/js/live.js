// Live updates over Socket.IO: progressive enhancement only. Without this file, or
// without JavaScript, every page works and shows the state it had when it loaded.
//
// A page names the rooms it follows with data-live-room (and data-live-last, the id
// of the room's newest event when the page was made). This file loads the socket.io
// client (served from npm's package by the app) only on such pages, joins each room
// asking for what it missed since, and applies events in place:
//   - comment_posted: the comment is fetched over HTTP (with the reader's session, so
//     it shows what this reader may do) and put in its place; if that place is above
//     what the reader is looking at, it waits behind a "Show N new comments" button
//     instead of moving the page;
//   - comment_edited, comment_deleted, comment_hidden: the comment is fetched again;
//   - reactions_changed: the counts are set;
//   - for any event, data.counts sets [data-live-count] numbers, data.refresh fetches
//     the page again and swaps its [data-live-part] parts (never one being edited),
//     and data.announce is read out by the polite live region.
// The server closes a person's sockets when what they may read shrinks (a new role,
// a suspension, signing out elsewhere): the page connects again after a moment and
// rejoins its rooms; a room it may no longer follow refuses, and the page stops
// following it and offers a reload (which shows what the reader may now see).
"use strict";

(() => {
  const script = document.currentScript;
  const clientSrc = script ? script.dataset.socketioSrc : null;
  // Ids remembered per room to drop duplicates (catch-up and live can overlap).
  const SEEN_LIMIT = 500;
  // Spread the fetches of many readers after one event over a short while.
  const FETCH_JITTER_MS = 400;
  const DEFAULT_ROOT_LEVEL = 4;
  // After the server closes the socket, connect again after this (plus jitter, so the
  // pages of many people closed at once do not all come back in the same instant);
  // closed this many times within the window, the page stops and offers a reload.
  const RECONNECT_MS = 1000;
  const RECONNECT_JITTER_MS = 2000;
  const MAX_SERVER_CLOSES = 3;
  const SERVER_CLOSE_WINDOW_MS = 60000;

  const rooms = new Map();
  const newestByKey = new Map();
  const waiting = [];
  const serverCloses = [];
  let socket = null;

  // --- telling people -------------------------------------------------------

  let announceTimer = null;
  const announceQueue = [];

  function announce(text) {
    if (!text) {
      return;
    }
    announceQueue.push(String(text));
    // Gather what arrives together into one message, so a burst is one announcement.
    window.clearTimeout(announceTimer);
    announceTimer = window.setTimeout(() => {
      const region = document.getElementById("live-announcer");
      if (!region) {
        return;
      }
      const unique = [...new Set(announceQueue.splice(0))];
      region.textContent = unique.join(" ");
    }, 700);
  }

  let commentCount = 0;
  let commentTimer = null;

  function announceComment() {
    commentCount += 1;
    window.clearTimeout(commentTimer);
    commentTimer = window.setTimeout(() => {
      announce(commentCount === 1 ? "1 new comment." : `${commentCount} new comments.`);
      commentCount = 0;
    }, 500);
  }

  function offerReload(text) {
    const main = document.getElementById("main");
    if (!main || document.querySelector(".live-reload")) {
      return;
    }
    const notice = document.createElement("div");
    notice.className = "notice live-reload";
    const message = document.createElement("p");
    message.textContent = `${text} `;
    const link = document.createElement("a");
    link.href = window.location.href;
    link.textContent = "Reload the page";
    message.appendChild(link);
    notice.appendChild(message);
    main.prepend(notice);
    announce(text);
  }

  // --- fetching what changed ------------------------------------------------

  function sleep(ms) {
    return new Promise((resolve) => window.setTimeout(resolve, ms));
  }

  async function fetchPage(url) {
    await sleep(Math.random() * FETCH_JITTER_MS);
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
      if (!response.ok) {
        return null;
      }
      return new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (error) {
      return null;
    }
  }

  function sameOriginPath(url) {
    // Only follow links to this site (events carry paths, but never trust them).
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.origin === window.location.origin ? parsed.href : null;
    } catch (error) {
      return null;
    }
  }

  function isBeingEdited(element) {
    const active = document.activeElement;
    if (active && element.contains(active) && active.matches("input, textarea, select")) {
      return true;
    }
    for (const field of element.querySelectorAll("textarea, input, select")) {
      if (field.type === "hidden" || field.type === "submit") {
        continue;
      }
      if ("defaultValue" in field && field.value !== field.defaultValue) {
        return true;
      }
      if ("defaultChecked" in field && field.checked !== field.defaultChecked) {
        return true;
      }
    }
    return false;
  }

  // --- swapping page parts ----------------------------------------------------

  const partsToRefresh = new Set();
  // Parts whose fresh copy is being fetched now; refreshes run one after another, so
  // an older copy never lands after a newer one.
  const partsRefreshing = new Set();
  let refreshQueue = Promise.resolve();
  let refreshTimer = null;

  function refreshComing(part) {
    return partsToRefresh.has(part) || partsRefreshing.has(part);
  }

  function scheduleRefresh(parts) {
    for (const part of [].concat(parts)) {
      if (typeof part === "string" && /^[a-z][a-z0-9_-]*$/.test(part)) {
        partsToRefresh.add(part);
      }
    }
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(() => {
      refreshQueue = refreshQueue.then(refreshParts).catch(() => {});
    }, 150);
  }

  async function refreshParts() {
    const parts = [...partsToRefresh];
    partsToRefresh.clear();
    if (!parts.length) {
      return;
    }
    parts.forEach((part) => partsRefreshing.add(part));
    try {
      await swapParts(parts);
    } finally {
      parts.forEach((part) => partsRefreshing.delete(part));
    }
  }

  async function swapParts(parts) {
    const fresh = await fetchPage(window.location.href);
    if (!fresh) {
      return;
    }
    let kept = false;
    for (const part of parts) {
      for (const old of document.querySelectorAll(`[data-live-part~="${part}"]`)) {
        const replacement = old.id ? fresh.getElementById(old.id) : null;
        if (!replacement) {
          continue;
        }
        if (isBeingEdited(old)) {
          kept = true;
          continue;
        }
        old.replaceWith(document.importNode(replacement, true));
      }
    }
    if (kept) {
      offerReload("Parts of this page have changed while you were writing here.");
    }
  }

  function applyCounts(counts) {
    if (!counts || typeof counts !== "object") {
      return;
    }
    for (const [name, value] of Object.entries(counts)) {
      if (typeof value !== "number") {
        continue;
      }
      for (const element of document.querySelectorAll("[data-live-count]")) {
        if (element.dataset.liveCount === name) {
          element.textContent = String(value);
        }
      }
    }
  }

  // --- comments -------------------------------------------------------------

  function commentsSection() {
    return document.getElementById("comments");
  }

  function threadList() {
    const section = commentsSection();
    return section ? section.querySelector("ol.threads") : null;
  }

  function currentSort(section) {
    const current = section.querySelector(".sort-nav a[aria-current]");
    if (!current) {
      return "oldest";
    }
    return new URL(current.href, window.location.href).searchParams.get("comment_sort") || "oldest";
  }

  function newThreadGoesAtTop(section) {
    return currentSort(section) === "newest";
  }

  function newThreadBelongsHere(section) {
    // Newest first: new threads go on the first page; otherwise on the last.
    if (newThreadGoesAtTop(section)) {
      return !section.querySelector(".pagination a[rel=prev]");
    }
    return !section.querySelector(".pagination a[rel=next]");
  }

  function headingLevel(article) {
    const heading = article ? article.querySelector(".comment-by") : null;
    const match = heading ? /^H([1-6])$/.exec(heading.tagName) : null;
    return match ? Number(match[1]) : null;
  }

  function rootLevel() {
    const list = threadList();
    const first = list ? list.querySelector(":scope > li > article") : null;
    return headingLevel(first) || DEFAULT_ROOT_LEVEL;
  }

  function setHeadingLevel(article, level) {
    // A comment fetched from its thread's own page has that page's heading levels.
    const heading = article.querySelector(".comment-by");
    if (!heading || heading.tagName === `H${level}`) {
      return;
    }
    const replacement = document.createElement(`h${level}`);
    for (const attribute of heading.attributes) {
      replacement.setAttribute(attribute.name, attribute.value);
    }
    replacement.append(...heading.childNodes);
    heading.replaceWith(replacement);
  }

  function commentItem(id) {
    const article = document.getElementById(`comment-${id}`);
    return article ? article.closest("li") : null;
  }

  function insertionPointAbove(data) {
    // Would putting this comment in move what the reader is looking at?
    if (data.parent_id) {
      const parent = commentItem(data.parent_id);
      return parent ? parent.getBoundingClientRect().bottom < 0 : false;
    }
    const list = threadList();
    if (!list) {
      return false;
    }
    const box = list.getBoundingClientRect();
    return newThreadGoesAtTop(commentsSection()) ? box.top < 0 : box.bottom < 0;
  }

  function updateTotals(section, isThread) {
    // "N comments in M threads." is plain text in the section's first paragraph.
    const summary = section.querySelector("p");
    if (!summary) {
      return;
    }
    summary.textContent = summary.textContent.replace(
      /(\d+) comments?\s+in\s+(\d+) threads?/,
      (_, comments, threads) => {
        const c = Number(comments) + 1;
        const t = Number(threads) + (isThread ? 1 : 0);
        return `${c} comment${c === 1 ? "" : "s"} in ${t} thread${t === 1 ? "" : "s"}`;
      },
    );
  }

  // Comments on their way into the page (fetched, not yet in): id -> the insertion.
  const inserting = new Map();

  function insertComment(data) {
    const insertion = insertFetchedComment(data);
    inserting.set(data.comment_id, insertion);
    insertion.finally(() => inserting.delete(data.comment_id)).catch(() => {});
    return insertion;
  }

  async function insertFetchedComment(data) {
    if (document.getElementById(`comment-${data.comment_id}`)) {
      return null;
    }
    const url = sameOriginPath(data.url);
    const fresh = url ? await fetchPage(url) : null;
    const article = fresh ? fresh.getElementById(`comment-${data.comment_id}`) : null;
    const item = article ? article.closest("li") : null;
    if (!item || document.getElementById(`comment-${data.comment_id}`)) {
      return null;
    }
    const node = document.importNode(item, true);
    const before = item.previousElementSibling;
    const beforeId = before ? before.querySelector("article")?.id : null;
    const holder = item.parentElement;
    const ownerArticle = holder?.closest("li")?.querySelector(":scope > article");
    let level = rootLevel();
    if (beforeId && document.getElementById(beforeId)) {
      const sibling = document.getElementById(beforeId).closest("li");
      sibling.after(node);
      level = headingLevel(document.getElementById(beforeId)) || level;
    } else if (holder && holder.classList.contains("comment-replies") && ownerArticle) {
      const owner = commentItem(ownerArticle.id.replace("comment-", ""));
      if (!owner) {
        return null;
      }
      let replies = owner.querySelector(":scope > ol.comment-replies");
      if (!replies) {
        replies = document.importNode(holder, false);
        owner.appendChild(replies);
      }
      replies.prepend(node);
      level = rootLevel() + 1;
    } else {
      const list = threadList();
      if (!list) {
        scheduleRefresh(["status"]);
        return null;
      }
      if (newThreadGoesAtTop(commentsSection())) {
        list.prepend(node);
      } else {
        list.append(node);
      }
    }
    const inserted = document.getElementById(`comment-${data.comment_id}`);
    setHeadingLevel(inserted, data.parent_id ? rootLevel() + 1 : level);
    inserted.classList.add("live-new");
    updateTotals(commentsSection(), !data.parent_id);
    return inserted;
  }

  function showWaiting() {
    const section = commentsSection();
    if (!section) {
      return;
    }
    let bar = section.querySelector(".live-new-comments");
    if (!bar) {
      bar = document.createElement("div");
      bar.className = "live-new-comments";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button";
      button.addEventListener("click", showWaitingComments);
      bar.appendChild(button);
      section.appendChild(bar);
    }
    const n = waiting.length;
    const text = n === 1 ? "Show 1 new comment" : `Show ${n} new comments`;
    bar.querySelector("button").textContent = text;
    announce(n === 1 ? "1 new comment above." : `${n} new comments above.`);
  }

  async function showWaitingComments() {
    const bar = document.querySelector(".live-new-comments");
    const batch = waiting.splice(0);
    let first = null;
    for (const data of batch) {
      const inserted = await insertComment(data);
      first = first || inserted;
    }
    if (bar) {
      bar.remove();
    }
    if (first) {
      // Take the reader to the first of them, as a link to it would.
      first.setAttribute("tabindex", "-1");
      first.scrollIntoView({ block: "start" });
      first.focus({ preventScroll: true });
    }
  }

  async function commentPosted(data) {
    const section = commentsSection();
    if (!section || document.getElementById(`comment-${data.comment_id}`)) {
      return;
    }
    if (data.parent_id && !commentItem(data.parent_id)) {
      // Events come faster than pages are fetched: the parent may be on its way in,
      // held back for the reader to show, or in a refresh of the discussion.
      if (inserting.has(data.parent_id)) {
        await inserting.get(data.parent_id).catch(() => null);
      }
      if (waiting.some((held) => held.comment_id === data.parent_id)) {
        waiting.push(data);
        showWaiting();
        return;
      }
      if (!commentItem(data.parent_id)) {
        if (refreshComing("status")) {
          scheduleRefresh(["status"]); // fetched after the one under way, so it holds this
        }
        return; // otherwise its thread is not on this page
      }
    }
    if (document.getElementById(`comment-${data.comment_id}`)) {
      return;
    }
    if (!data.parent_id && !newThreadBelongsHere(section)) {
      return;
    }
    if (waiting.length || insertionPointAbove(data)) {
      waiting.push(data);
      showWaiting();
      return;
    }
    if (await insertComment(data)) {
      announceComment();
    }
  }

  async function commentChanged(data) {
    const old = document.getElementById(`comment-${data.comment_id}`);
    if (!old || isBeingEdited(old)) {
      return;
    }
    const url = sameOriginPath(data.url);
    const fresh = url ? await fetchPage(url) : null;
    const replacement = fresh ? fresh.getElementById(`comment-${data.comment_id}`) : null;
    const current = document.getElementById(`comment-${data.comment_id}`);
    if (!current) {
      return;
    }
    if (!replacement) {
      // No longer shown to this reader (hidden by a moderator).
      const body = current.querySelector(".comment-body");
      if (body) {
        body.textContent = "This comment is no longer shown.";
      }
      return;
    }
    const node = document.importNode(replacement, true);
    const level = headingLevel(current);
    current.replaceWith(node);
    if (level) {
      setHeadingLevel(node, level);
    }
  }

  function reactionsChanged(data) {
    const article = document.getElementById(`comment-${data.comment_id}`);
    if (!article || !data.counts) {
      return;
    }
    const labels = data.labels || {};
    for (const [kind, count] of Object.entries(data.counts)) {
      if (typeof count !== "number" || !/^[a-z_]+$/.test(kind)) {
        continue;
      }
      const shown = article.querySelector(`.reaction-${kind} .reaction-count`);
      if (shown) {
        shown.textContent = String(count);
      }
      const summary = article.querySelector(".reactions-summary");
      if (summary && typeof labels[kind] === "string") {
        const label = labels[kind].replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        summary.textContent = summary.textContent.replace(
          new RegExp(`(${label}) \\d+`),
          `$1 ${count}`,
        );
      }
    }
  }

  const handlers = {
    comment_posted: commentPosted,
    comment_edited: commentChanged,
    comment_deleted: commentChanged,
    comment_hidden: commentChanged,
    comment_restored: commentChanged,
    reactions_changed: reactionsChanged,
  };

  // --- events and rooms ---------------------------------------------------------

  function remember(state, id) {
    state.seen.add(id);
    if (state.seen.size > SEEN_LIMIT) {
      state.seen.delete(state.seen.values().next().value);
    }
    state.lastId = Math.max(state.lastId || 0, id);
  }

  function apply(name, envelope) {
    if (!envelope || typeof envelope !== "object") {
      return;
    }
    const state = rooms.get(envelope.room);
    if (!state || typeof envelope.id !== "number" || state.seen.has(envelope.id)) {
      return;
    }
    remember(state, envelope.id);
    if (envelope.key) {
      // Coalesced state (a tally, counts): only the newest counts, whatever the order.
      const slot = `${envelope.room}|${envelope.key}`;
      if ((newestByKey.get(slot) || 0) > envelope.id) {
        return;
      }
      newestByKey.set(slot, envelope.id);
    }
    const data = envelope.data && typeof envelope.data === "object" ? envelope.data : {};
    const handler = handlers[name];
    if (handler) {
      Promise.resolve(handler(data, envelope)).catch(() => {});
    }
    applyCounts(data.counts);
    if (data.refresh) {
      scheduleRefresh(data.refresh);
    }
    if (typeof data.announce === "string") {
      announce(data.announce);
    }
    document.dispatchEvent(new CustomEvent("townhall:live", { detail: { name, envelope } }));
  }

  function join(room, state) {
    const request = { room };
    if (typeof state.lastId === "number") {
      request.last_id = state.lastId;
    }
    socket.timeout(10000).emit("join", request, (error, answer) => {
      if (error || !answer) {
        return;
      }
      if (!answer.ok) {
        if (answer.error === "unknown_room") {
          // Not (or no longer) this reader's to follow: stop asking, and say so.
          rooms.delete(room);
          offerReload("This page no longer updates live.");
        }
        return;
      }
      if (answer.reload) {
        offerReload("This page has missed some updates.");
        return;
      }
      // Marks the page as following live events (tests wait for it; CSS may use it).
      document.documentElement.dataset.liveJoined = "on";
      for (const missed of answer.events || []) {
        apply(missed.event, missed);
      }
      if (typeof answer.last_id === "number" && state.lastId === null) {
        state.lastId = answer.last_id;
      }
    });
  }

  function reconnectAfterServerClose() {
    const now = Date.now();
    serverCloses.push(now);
    while (serverCloses.length && now - serverCloses[0] > SERVER_CLOSE_WINDOW_MS) {
      serverCloses.shift();
    }
    if (serverCloses.length > MAX_SERVER_CLOSES || !rooms.size) {
      offerReload("Live updates have stopped on this page.");
      return;
    }
    window.setTimeout(
      () => {
        if (socket && !socket.connected) {
          socket.connect();
        }
      },
      RECONNECT_MS + Math.random() * RECONNECT_JITTER_MS,
    );
  }

  function loadClient() {
    return new Promise((resolve, reject) => {
      if (window.io) {
        resolve(window.io);
        return;
      }
      const tag = document.createElement("script");
      tag.src = clientSrc;
      tag.async = true;
      tag.addEventListener("load", () => resolve(window.io));
      tag.addEventListener("error", reject);
      document.head.appendChild(tag);
    });
  }

  function start() {
    for (const element of document.querySelectorAll("[data-live-room]")) {
      const room = element.dataset.liveRoom;
      const last = element.dataset.liveLast;
      if (room && !rooms.has(room)) {
        rooms.set(room, { lastId: last ? Number(last) : null, seen: new Set() });
      }
    }
    if (!rooms.size || !clientSrc || !window.fetch) {
      return;
    }
    loadClient()
      .then((io) => {
        if (!io) {
          return;
        }
        socket = io({ withCredentials: true });
        // "connect" comes again after every reconnection: join again and catch up.
        socket.on("connect", () => rooms.forEach((state, room) => join(room, state)));
        socket.on("disconnect", (reason) => {
          // The client comes back by itself after a lost connection, but not after
          // the server closed it: that is done when what this reader may read has
          // changed, so connect again and let each room's join decide.
          if (reason === "io server disconnect") {
            reconnectAfterServerClose();
          }
        });
        socket.on("live_error", () => {});
        socket.onAny((name, envelope) => {
          if (name !== "live_error") {
            apply(name, envelope);
          }
        });
        document.documentElement.dataset.live = "on";
      })
      .catch(() => {
        // Without the client the page simply stays as it loaded.
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
