// Progressive enhancement only: every form works without this file.
// Sympathy (공감) without a page reload: the same form, posted with fetch, asking for JSON.
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("[data-support-form]");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button");
  const live = document.querySelector("[data-support-live]");
  button.disabled = true;
  try {
    // getAttribute: form.action would be the <input name="action"> inside the form.
    const response = await fetch(form.getAttribute("action"), {
      method: "POST", body: new FormData(form), headers: { Accept: "application/json" }, credentials: "same-origin",
    });
    // An answer that is not JSON (a proxy's error page, say) is not posted again: the page is
    // reloaded as it now is.
    if (!(response.headers.get("Content-Type") || "").includes("application/json")) {
      window.location.reload();
      return;
    }
    const data = await response.json();  // 409 carries a message too (already supported, closed…)
    const shown = document.querySelector("[data-support-message]");
    if (shown) {
      shown.textContent = data.message || "";
      shown.hidden = !data.message;
      shown.classList.toggle("error", !data.ok);
    }
    if (data.login) {  // signed out meanwhile: sign in, then back to this proposal
      window.location.assign(data.login);
      return;
    }
    if (data.reload) {  // this sympathy moved the proposal on (to review): show the page as it is now,
      // from its top, where the message and the new status are (not where the button was).
      if ("scrollRestoration" in history) history.scrollRestoration = "manual";
      window.scrollTo(0, 0);
      window.location.reload();
      return;
    }
    if (data.count === undefined) {  // refused before the count was read (too many attempts…)
      if (live) live.textContent = data.message || "";
      return;
    }
    const action = form.querySelector("input[name=action]");
    action.value = data.supported ? "withdraw" : "support";
    button.setAttribute("aria-pressed", data.supported ? "true" : "false");
    button.classList.toggle("primary", !data.supported);
    button.classList.toggle("secondary", data.supported);
    // The label stays; aria-pressed (above) and the hint say whether the resident supports it.
    const hint = document.querySelector("[data-support-hint]");
    if (hint) hint.hidden = !data.supported;
    const sr = form.querySelector("[data-support-sr]");
    if (sr) sr.textContent = ", " + data.status_text_so_far;
    // Every place showing the count: the box beside the button and the "Supporters" fact in the header.
    document.querySelectorAll("[data-support-count]").forEach((el) => { el.textContent = data.count_text; });
    document.querySelectorAll("[data-support-word]").forEach((el) => { el.textContent = data.count_word; });
    if (live) live.textContent = data.message + " " + data.status_text;
  } catch (error) {
    form.submit();  // fall back to a normal post
    return;
  } finally {
    button.disabled = false;
  }
});
