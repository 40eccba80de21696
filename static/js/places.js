// Places: share a position once at check-in, Web Push on this device, nearby mode.
// Progressive enhancement only: without this file every places page still works.
"use strict";

(() => {
  const NEARBY_DEFAULT_SECONDS = 60;

  function setText(element, text) {
    if (element) {
      element.textContent = text;
    }
  }

  function currentPosition() {
    return new Promise((resolve, reject) => {
      navigator.geolocation.getCurrentPosition(resolve, reject, {
        enableHighAccuracy: true,
        timeout: 10000,
        maximumAge: 30000,
      });
    });
  }

  // --- check-in: the position goes with this one form, only when the box is ticked ---

  function enhanceCheckIn(form) {
    const box = form.querySelector("[data-share-position]");
    if (!box || !("geolocation" in navigator)) {
      return;
    }
    box.hidden = false;
    const tick = box.querySelector("input[type=checkbox]");
    let sending = false;
    form.addEventListener("submit", async (event) => {
      if (sending || !tick.checked) {
        return;
      }
      event.preventDefault();
      sending = true;
      try {
        const position = await currentPosition();
        form.querySelector("[data-latitude]").value = position.coords.latitude.toFixed(6);
        form.querySelector("[data-longitude]").value = position.coords.longitude.toFixed(6);
      } catch (error) {
        // Refused or unavailable: check in without a position.
      }
      form.submit();
    });
  }

  // --- JSON requests carry the CSRF token in a header ---------------------------

  async function postJSON(url, token, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error(data.error || `The server answered ${response.status}.`);
    }
    return data;
  }

  // --- Web Push -------------------------------------------------------------------

  function keyBytes(base64url) {
    const padded = base64url.replace(/-/g, "+").replace(/_/g, "/");
    const raw = atob(padded + "=".repeat((4 - (padded.length % 4)) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  async function enhancePush(root) {
    const status = root.querySelector("[data-push-status]");
    const on = root.querySelector("[data-push-on]");
    const off = root.querySelector("[data-push-off]");
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
      return;
    }
    const token = root.dataset.csrf;
    const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    const show = async () => {
      const subscription = await registration.pushManager.getSubscription();
      on.hidden = Boolean(subscription);
      off.hidden = !subscription;
      setText(
        status,
        subscription ? "Push notifications are on for this device." : "Push notifications are off for this device.",
      );
    };
    on.addEventListener("click", async () => {
      try {
        const permission = await Notification.requestPermission();
        if (permission !== "granted") {
          setText(status, "This browser is not allowing notifications from this site.");
          return;
        }
        const key = await (await fetch(root.dataset.pushKeyUrl)).json();
        const subscription = await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(key.key),
        });
        await postJSON(root.dataset.pushSubscribeUrl, token, {
          subscription: subscription.toJSON(),
          device: navigator.userAgent.slice(0, 60),
        });
      } catch (error) {
        setText(status, `Push notifications could not be turned on: ${error.message}`);
        return;
      }
      await show();
    });
    off.addEventListener("click", async () => {
      const subscription = await registration.pushManager.getSubscription();
      if (subscription) {
        await postJSON(root.dataset.pushUnsubscribeUrl, token, { endpoint: subscription.endpoint }).catch(() => {});
        await subscription.unsubscribe();
      }
      await show();
    });
    await show();
  }

  // --- nearby mode: the position goes over the socket, at most once a minute --------

  function loadSocketClient() {
    const live = document.querySelector("script[data-socketio-src]");
    return new Promise((resolve, reject) => {
      if (window.io) {
        resolve(window.io);
        return;
      }
      if (!live) {
        reject(new Error("no socket client"));
        return;
      }
      const tag = document.createElement("script");
      tag.src = live.dataset.socketioSrc;
      tag.async = true;
      tag.addEventListener("load", () => resolve(window.io));
      tag.addEventListener("error", reject);
      document.head.appendChild(tag);
    });
  }

  function enhanceNearby(root) {
    const on = root.querySelector("[data-nearby-on]");
    const off = root.querySelector("[data-nearby-off]");
    const status = root.querySelector("[data-nearby-status]");
    const list = root.querySelector("[data-nearby-items]");
    if (!on || !("geolocation" in navigator)) {
      return;
    }
    const intervalMs = 1000 * (Number(root.dataset.nearbyInterval) || NEARBY_DEFAULT_SECONDS);
    let socket = null;
    let watch = null;
    let latest = null;
    let lastSent = 0;
    let timer = null;
    on.hidden = false;

    function addItems(items) {
      for (const item of items) {
        const li = document.createElement("li");
        const link = document.createElement("a");
        link.href = item.link;
        link.textContent = item.title;
        li.append(link, ` (about ${item.distance_m} metres away)`);
        li.dataset.nearbyKey = item.key;
        list.append(li);
      }
      if (items.length) {
        setText(status, `${items.length} new nearby: ${items.map((i) => i.title).join("; ")}`);
      }
    }

    function send() {
      window.clearTimeout(timer);
      if (!latest || !socket) {
        return;
      }
      const wait = lastSent + intervalMs - Date.now();
      if (wait > 0) {
        timer = window.setTimeout(send, wait);
        return;
      }
      lastSent = Date.now();
      const position = latest;
      latest = null;
      socket.timeout(10000).emit("nearby_position", position, (error, answer) => {
        if (error || !answer) {
          return;
        }
        if (answer.ok === false) {
          setText(status, answer.message);
          return;
        }
        addItems(answer.items || []);
      });
    }

    on.addEventListener("click", async () => {
      try {
        const io = await loadSocketClient();
        socket = socket || io({ withCredentials: true });
      } catch (error) {
        setText(status, "Nearby mode needs live updates, which are not available just now.");
        return;
      }
      watch = navigator.geolocation.watchPosition(
        (position) => {
          latest = {
            latitude: Number(position.coords.latitude.toFixed(5)),
            longitude: Number(position.coords.longitude.toFixed(5)),
          };
          send();
        },
        (error) => {
          // A position that is late or unavailable for a moment is normal on the move;
          // only a refusal turns nearby mode off.
          if (error.code === error.PERMISSION_DENIED) {
            setText(status, "Your browser is not sharing your position, so nearby mode is off.");
          }
        },
        { enableHighAccuracy: true, maximumAge: 15000 },
      );
      on.hidden = true;
      off.hidden = false;
      setText(status, "Nearby mode is on while this page is open.");
    });
    off.addEventListener("click", () => {
      if (watch !== null) {
        navigator.geolocation.clearWatch(watch);
      }
      watch = null;
      latest = null;
      window.clearTimeout(timer);
      on.hidden = false;
      off.hidden = true;
      setText(status, "Nearby mode is off.");
    });
  }

  function start() {
    for (const form of document.querySelectorAll("[data-check-in-form]")) {
      enhanceCheckIn(form);
    }
    const areas = document.querySelector("[data-places-areas]");
    if (areas) {
      enhancePush(areas).catch(() => {});
      enhanceNearby(areas);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
