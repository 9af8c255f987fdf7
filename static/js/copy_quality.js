// The Copy quality page's chart: pass rate and unsupported claims per draft across model versions
// (the data comes from the page, json_script "quality-chart-data").
function drawQualityChart() {
  const canvas = document.getElementById("quality-chart");
  const source = document.getElementById("quality-chart-data");
  if (!canvas || !source || !window.Chart || Chart.getChart(canvas)) return;
  const data = JSON.parse(source.textContent);
  const line = (label, values, colour, axis) => ({label, data: values, borderColor: colour, backgroundColor: colour, tension: .2, spanGaps: true, yAxisID: axis});
  new Chart(canvas, {type: "line", data: {labels: data.labels, datasets: [
      line("pass rate, corpus", data.pass_corpus, "#3b5bdb", "rate"), line("pass rate, store", data.pass_store, "#22b8cf", "rate"),
      line("claims/draft, corpus", data.claims_corpus, "#f08c00", "claims"), line("claims/draft, store", data.claims_store, "#e8590c", "claims")]},
    options: {responsive: true, plugins: {legend: {position: "bottom"}},
      scales: {rate: {position: "left", min: 0, max: 1}, claims: {position: "right", beginAtZero: true, grid: {drawOnChartArea: false}}}}});
}
document.addEventListener("DOMContentLoaded", drawQualityChart);
window.addEventListener("load", drawQualityChart);
document.addEventListener("htmx:afterSettle", drawQualityChart);
