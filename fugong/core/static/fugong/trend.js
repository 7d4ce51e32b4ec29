// Draw every element with a data-trend attribute as an ECharts line chart (SVG renderer).
// data-trend names a json_script element holding
//   {days: [...], axes: {units: "…", people: "…", percent: "%"},
//    series: [{name, axis: "units" | "people" | "percent", data: [...]}]}
// Each kind of axis gets its own y axis: units on the left, people and percent on the right.
(function () {
  var SIDES = { units: "left", people: "right", percent: "right" };

  function draw(root) {
    root.querySelectorAll("[data-trend]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.trend);
      if (!source) return;
      var spec = JSON.parse(source.textContent);
      var kinds = [];
      spec.series.forEach(function (s) {
        if (kinds.indexOf(s.axis) < 0) kinds.push(s.axis);
      });
      // Percent sits outside the people axis when both are on the right; containLabel
      // leaves room for the labels of one axis a side, not for the offset one.
      var extra = kinds.indexOf("percent") >= 0 && kinds.indexOf("people") >= 0 ? 56 : 0;
      var yAxis = kinds.map(function (kind) {
        var offset = kind === "percent" ? extra : 0;
        var axis = {
          type: "value",
          name: (spec.axes && spec.axes[kind]) || "",
          position: SIDES[kind] || "left",
          offset: offset,
          splitLine: { show: kind === kinds[0] },
          minInterval: 1,
        };
        if (kind === "percent") {
          axis.min = 0;
          axis.max = 100;
          axis.minInterval = 0;
        }
        return axis;
      });
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 8 + extra, bottom: 8, top: 56, containLabel: true },
        xAxis: { type: "category", data: spec.days, boundaryGap: false },
        yAxis: yAxis,
        series: spec.series.map(function (s) {
          return {
            name: s.name,
            type: "line",
            yAxisIndex: kinds.indexOf(s.axis),
            data: s.data,
            showSymbol: false,
            connectNulls: false,
            lineStyle: s.axis === "percent" ? { type: "dashed" } : undefined,
          };
        }),
      });
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.body && document.body.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
})();
