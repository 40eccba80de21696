// Progressive enhancement for the dialogue: reactions toggle without reloading the page.
// Without this file every reaction button is an ordinary form post, and works the same.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  if (!document.querySelector("form.reactions")) {
    return;
  }
  // Screen readers hear the outcome here; the page itself does not move.
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  document.body.appendChild(status);

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const button = event.submitter;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("reactions")) {
      return;
    }
    if (!button || button.name !== "kind" || button.disabled) {
      return;
    }
    event.preventDefault();
    const data = new FormData(form);
    data.set("kind", button.value);
    button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      const result = await response.json();
      if (!response.ok) {
        status.textContent = result.error || "Your reaction could not be saved.";
        return;
      }
      button.setAttribute("aria-pressed", result.on ? "true" : "false");
      const count = button.querySelector(".reaction-count");
      if (count) {
        count.textContent = String(result.count);
      }
      status.textContent = result.message;
    } catch (error) {
      status.textContent = "Your reaction could not be saved. Check your connection and try again.";
    } finally {
      button.disabled = false;
      button.focus();
    }
  });
});
