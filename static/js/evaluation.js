// Evaluation: each method's metric across runs (a line per method). Drawn on
// load and again after the page refreshes itself while a run is going.
function drawEvaluationChart() {
  const canvas = document.getElementById("evaluation-chart");
  const source = document.getElementById("evaluation-chart-data");
  if (!canvas || !source || !window.Chart || Chart.getChart(canvas)) return;
  const data = JSON.parse(source.textContent);
  const colours = ["#8a94a3", "#22b8cf", "#f08c00", "#7950f2", "#3b5bdb"];
  data.datasets.forEach((set, i) => Object.assign(set, {
    borderColor: colours[i % colours.length], backgroundColor: colours[i % colours.length], tension: .2, spanGaps: true,
  }));
  new Chart(canvas, {type: "line", data, options: {responsive: true, plugins: {legend: {position: "bottom"}},
                                                  scales: {y: {beginAtZero: true}}}});
}
document.addEventListener("DOMContentLoaded", drawEvaluationChart);
window.addEventListener("load", drawEvaluationChart);
document.addEventListener("htmx:afterSettle", drawEvaluationChart);
