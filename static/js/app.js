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

// Home: approvals and rejections per week (bars) with the acceptance rate (line).
function drawAcceptanceChart() {
  const canvas = document.getElementById("acceptance-chart");
  const source = document.getElementById("acceptance-chart-data");
  if (!canvas || !source || !window.Chart || Chart.getChart(canvas)) return;
  const chart = JSON.parse(source.textContent);
  new Chart(canvas, {
    data: {
      labels: chart.labels,
      datasets: [
        {type: "bar", label: "approved", data: chart.approved, stack: "decisions", yAxisID: "y"},
        {type: "bar", label: "rejected", data: chart.rejected, stack: "decisions", yAxisID: "y"},
        {type: "line", label: "acceptance rate %", data: chart.rate, yAxisID: "rate", spanGaps: true},
      ],
    },
    options: {
      responsive: true,
      plugins: {legend: {position: "bottom"}},
      scales: {
        y: {beginAtZero: true, stacked: true, title: {display: true, text: "drafts"}},
        rate: {position: "right", min: 0, max: 100, grid: {drawOnChartArea: false}, title: {display: true, text: "%"}},
      },
    },
  });
}
document.addEventListener("DOMContentLoaded", drawAcceptanceChart);
window.addEventListener("load", drawAcceptanceChart);
