// Small behaviours that htmx does not cover. Pages work without them.
document.addEventListener("DOMContentLoaded", () => {
  // Store switcher: go to the chosen store's home.
  document.querySelectorAll("[data-store-switcher] select").forEach((select) => {
    select.addEventListener("change", () => { window.location.href = select.value; });
  });
});

// Buttons with data-confirm ask first (bulk actions, discarding an upload).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
