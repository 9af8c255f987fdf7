// A model version's loss curve (the data comes from the page, json_script "loss-chart-data").
function drawLossChart() {
  const canvas = document.getElementById("loss-chart");
  const source = document.getElementById("loss-chart-data");
  if (!canvas || !source || !window.Chart || Chart.getChart(canvas)) return;
  const data = JSON.parse(source.textContent);
  new Chart(canvas, {type: "line", data: {labels: data.labels, datasets: [{label: "loss", data: data.losses, borderColor: "#3b5bdb", pointRadius: 0, tension: .2}]},
    options: {responsive: true, plugins: {legend: {display: false}}, scales: {x: {title: {display: true, text: "step"}}}}});
}
document.addEventListener("DOMContentLoaded", drawLossChart);
window.addEventListener("load", drawLossChart);
document.addEventListener("htmx:afterSettle", drawLossChart);
