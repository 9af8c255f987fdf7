// The review screen's keyboard and small behaviours. Everything here clicks or
// submits the same links and forms a mouse would use, so htmx sends them with
// the CSRF header that base.html puts on <body>. The screen works without it.
(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const pane = () => document.getElementById("review-pane");
  const helpBox = () => document.getElementById("review-help");

  const isTyping = (el) =>
    !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

  function clickIn(selector) {
    const el = $(selector, pane() || document);
    if (!el || el.disabled) return false;
    el.click();
    return true;
  }

  function openRow(which) {
    const rows = document.querySelectorAll("[data-queue-row] a.queue-title");
    if (!rows.length) return;
    (which === "first" ? rows[0] : rows[rows.length - 1]).click();
  }

  function move(direction) {
    // With a draft open: its prev/next links; with none yet: the list's ends.
    if (pane() && pane().dataset.draftId) clickIn(`[data-nav=${direction}]`);
    else openRow(direction === "next" ? "first" : "last");
  }

  function openReject() {
    const details = $("[data-reject]", pane() || document);
    if (!details) return;
    details.open = true;
    const input = $("[data-reject-reason]", details);
    if (input) input.focus();
  }

  function toggleHelp(show) {
    const box = helpBox();
    if (!box) return;
    box.hidden = show === undefined ? !box.hidden : !show;
    if (!box.hidden) $("[data-review-help-close]", box)?.focus();
  }

  function saveEditor() {
    const form = $("[data-editor-form]");
    if (form) htmx.trigger(form, "submit");
  }

  // A key acts on what the reviewer sees, so it waits until the screen has
  // settled: while an action's answer is on its way, or before htmx has wired
  // the content it just swapped in, a key would act on a pane that is about to
  // go (or make a button submit as a plain form). Keys pressed meanwhile run in
  // order once the screen is ready. After a key that opens a text field (e, r),
  // what is typed before the field is there goes into it, not to the commands:
  // "r", then "Wrong facts", must never approve the draft ("a").
  let htmxReady = false;
  let inFlight = 0;
  const pending = [];
  let typingAhead = false;

  const settled = () =>
    htmxReady && inFlight === 0 && !document.querySelector(".htmx-added, .htmx-swapping, .htmx-settling");

  function drain() {
    while (pending.length && settled()) pending.shift()();
    if (!pending.length) typingAhead = false;
  }

  function whenSettled(action) {
    pending.push(action);
    drain();
  }

  function typeInto(key) {
    const field = document.activeElement;
    if (!isTyping(field)) return;
    if (key === "Enter") {
      if (field.tagName === "TEXTAREA") field.setRangeText("\n", field.selectionStart, field.selectionEnd, "end");
      else field.form?.requestSubmit();
    } else if (key === "Backspace") {
      const start = field.selectionStart === field.selectionEnd ? Math.max(0, field.selectionStart - 1) : field.selectionStart;
      field.setRangeText("", start, field.selectionEnd, "end");
    } else {
      field.setRangeText(key, field.selectionStart, field.selectionEnd, "end");
    }
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // The editor's autosave does not hold keys back: actions carry the unsaved text anyway.
  const holdsKeys = (elt) => !elt?.matches?.("[data-editor-form]");

  document.addEventListener("htmx:beforeRequest", (event) => { if (holdsKeys(event.detail.elt)) inFlight += 1; });
  document.addEventListener("htmx:afterRequest", (event) => {
    if (holdsKeys(event.detail.elt)) inFlight = Math.max(0, inFlight - 1);
    setTimeout(drain, 0);
  });
  document.addEventListener("htmx:afterSettle", () => setTimeout(drain, 0));
  document.addEventListener("htmx:load", () => {
    if (!htmxReady) {
      htmxReady = true;
      // Shown only once keys work: a page still loading has no key hint to press.
      document.querySelectorAll("[data-review-help-toggle]").forEach((el) => { el.hidden = false; });
    }
    setTimeout(drain, 0);
  });

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (typingAhead && pending.length && !event.ctrlKey && !event.metaKey && !event.altKey
        && (event.key.length === 1 || event.key === "Enter" || event.key === "Backspace")) {
      event.preventDefault();
      whenSettled(() => typeInto(event.key));
      return;
    }
    if (event.key === "Escape") {
      if (helpBox() && !helpBox().hidden) { toggleHelp(false); return; }
      const details = target.closest?.("details[open]");
      if (details) details.open = false;
      if (isTyping(target)) target.blur();
      return;
    }
    if ((event.ctrlKey || event.metaKey) && (event.key === "Enter" || event.key === "s")
        && target.matches?.("[data-editor]")) {
      event.preventDefault();
      saveEditor();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(target)) return;
    const actions = {
      j: () => move("next"),
      k: () => move("prev"),
      e: focusEditor,
      a: () => clickIn("[data-action=approve]"),
      r: openReject,
      p: () => clickIn("[data-action=publish]"),
      "?": () => toggleHelp(),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    whenSettled(action);
    if (pending.length && (event.key === "e" || event.key === "r")) typingAhead = true;
  });

  function focusEditor() {
    const editor = $("[data-editor]");
    if (!editor) return;
    editor.focus();
    editor.setSelectionRange(editor.value.length, editor.value.length);
  }

  document.addEventListener("click", (event) => {
    const el = event.target.closest("[data-review-help-toggle], [data-review-help-close], [data-take-theirs], [data-keep-mine], [data-select-all], [data-needs-reason]");
    if (!el) return;
    if (el.matches("[data-review-help-toggle]")) toggleHelp();
    else if (el.matches("[data-review-help-close]")) toggleHelp(false);
    else if (el.matches("[data-take-theirs]")) {
      // Their saved text becomes the editor's; the next save starts from their version.
      const theirs = $("[data-theirs]");
      const editor = $("[data-editor]");
      if (theirs && editor) editor.value = theirs.value;
      resolveConflict(el.dataset.version, false);
    } else if (el.matches("[data-keep-mine]")) {
      resolveConflict(el.dataset.version, true);
    } else if (el.matches("[data-select-all]")) {
      document.querySelectorAll("[data-queue-row] input[name=draft]").forEach((box) => { box.checked = el.checked; });
    } else if (el.matches("[data-needs-reason]")) {
      const reason = $("[data-bulk-reason]");
      if (reason && !reason.value.trim()) {
        event.preventDefault();
        event.stopImmediatePropagation();
        reason.focus();
        reason.setCustomValidity("A rejection needs a reason.");
        reason.reportValidity();
        reason.addEventListener("input", () => reason.setCustomValidity(""), { once: true });
      }
    }
  }, true);

  function resolveConflict(version, save) {
    const input = document.getElementById("expected-version");
    if (input) input.value = version;
    $("[data-conflict]")?.remove();
    if (save) saveEditor();
  }

  // A refused save or action (400 with the reason, 409 with both texts) is
  // meant to be shown, not dropped as an error.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 400 || status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt.matches?.("[data-editor-form]")) {
      const state = $("[data-save-state]");
      if (state) state.textContent = "Saving…";
    }
  });

  document.addEventListener("htmx:afterSettle", () => {
    const state = $("[data-save-state]");
    if (state && state.textContent === "Saving…") state.textContent = $("[data-saved]") ? "Saved" : "";
    markCurrentRow();
  });

  // The open draft's row stands out in the list.
  function markCurrentRow() {
    const id = pane()?.dataset.draftId;
    document.querySelectorAll("[data-queue-row]").forEach((row) => {
      row.classList.toggle("current", row.dataset.draftId === id);
    });
  }

  // Flash messages fade after a few seconds; they are also in the history.
  let flashTimer;
  document.addEventListener("htmx:oobAfterSwap", (event) => {
    if (event.detail.target?.id !== "review-flash") return;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { const flash = $("#review-flash [data-flash]"); if (flash) flash.classList.add("fading"); }, 5000);
  });

  document.addEventListener("DOMContentLoaded", markCurrentRow);
})();
