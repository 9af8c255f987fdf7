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

// "Generate copy for these results" carries the catalog filter the merchant is
// looking at now: htmx filtering updates the address bar, not the link.
document.addEventListener("click", (event) => {
  const link = event.target.closest("[data-generate-from-filters]");
  if (!link) return;
  const url = new URL(link.href, window.location.href);
  const current = new URLSearchParams(window.location.search);
  current.delete("cursor");
  url.search = current.toString();
  link.href = url.toString();
});
