// Indicator pages: the dashboard's charts (ECharts, served locally) drawn from the JSON the page embeds
// (#dashboard-data, labels already translated by the server); a click on a bar or point opens the facilities
// behind it. Also Bootstrap tooltips on [data-bs-toggle="tooltip"] (data-autosubmit and data-confirm: portal.js).
(function () {
  "use strict";

  if (window.bootstrap && window.bootstrap.Tooltip) {
    document.querySelectorAll('[data-bs-toggle="tooltip"]').forEach((el) => new window.bootstrap.Tooltip(el));
  }

  const source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const labels = data.labels;
  const charts = [];
  const font = 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
  const palette = ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#d63384", "#198754"];

  function make(id) {
    const el = document.getElementById(id);
    if (!el) return null;
    const chart = window.echarts.init(el, null, { renderer: "canvas" });
    charts.push(chart);
    chart.on("click", (params) => {
      const url = params.data && params.data.url;
      if (url) window.location.assign(url);
    });
    return chart;
  }

  function empty(chart, text) {
    chart.setOption({
      textStyle: { fontFamily: font },
      title: { text: text, left: "center", top: "middle", textStyle: { color: "#6c757d", fontSize: 13, fontWeight: "normal" } },
    });
  }

  const rate = labels.suffix === "%" || labels.suffix === "‰";
  const axisFormat = (value) => {
    if (labels.suffix === "%") return value + "%";
    if (labels.suffix === "‰") return value.toFixed(2);
    return value.toLocaleString();
  };

  // Units side by side: horizontal bars (the units' names read better along the vertical axis).
  const unitsChart = make("chart-units");
  if (unitsChart) {
    const units = data.units.slice().reverse(); // first unit on top
    if (units.every((u) => u.value === null)) {
      empty(unitsChart, labels.noData);
    } else {
      unitsChart.setOption({
        color: palette,
        textStyle: { fontFamily: font },
        grid: { left: 8, right: 56, top: 30, bottom: 8, containLabel: true },
        tooltip: {
          trigger: "item",
          formatter: (p) => p.name + "<br>" + labels.indicator + ": <b>" + p.data.text + "</b>" + (p.data.estimated ? " *" : ""),
        },
        xAxis: { type: "value", axisLabel: { formatter: axisFormat } },
        yAxis: { type: "category", data: units.map((u) => u.name), axisTick: { show: false } },
        series: [{
          type: "bar",
          barMaxWidth: 22,
          data: units.map((u) => ({
            value: u.value,
            url: u.url,
            text: u.text,
            estimated: u.estimated,
            itemStyle: u.url ? {} : { opacity: 0.75 },
          })),
          label: { show: true, position: "right", formatter: (p) => (p.data.value === null ? "—" : p.data.text), fontSize: 11 },
          cursor: "pointer",
          markLine: rate && labels.cityNumber !== null ? {
            symbol: "none",
            label: { formatter: labels.city + " " + labels.cityValue, position: "end", fontSize: 11, color: "#dc3545" },
            lineStyle: { type: "dashed", color: "#dc3545" },
            data: [{ xAxis: labels.cityNumber }],
          } : undefined,
        }],
      });
    }
  }

  // Monthly trend of the city or a unit.
  const trendChart = make("chart-trend");
  if (trendChart) {
    if (data.trend.every((p) => p.value === null)) {
      empty(trendChart, labels.noData);
    } else {
      trendChart.setOption({
        color: palette,
        textStyle: { fontFamily: font },
        grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
        tooltip: {
          trigger: "axis",
          formatter: (items) => {
            const p = items[0];
            return p.name + "<br>" + labels.trendOf + ": <b>" + (p.data.value === null ? labels.noData : p.data.text) + "</b>";
          },
        },
        xAxis: { type: "category", data: data.trend.map((p) => p.period), boundaryGap: false, axisLabel: { hideOverlap: true } },
        yAxis: { type: "value", scale: true, axisLabel: { formatter: axisFormat } },
        series: [{
          type: "line",
          name: labels.indicator,
          connectNulls: false,
          symbolSize: 7,
          cursor: "pointer",
          areaStyle: { opacity: 0.08 },
          data: data.trend.map((p) => ({ value: p.value, url: p.url, text: p.text })),
        }],
      });
    }
  }

  // Target completion of the period's year: one bar per target, per unit and the city.
  const targetsChart = make("chart-targets");
  if (targetsChart) {
    const targets = data.targets;
    const anyValue = targets.series.some((s) => s.values.some((v) => v !== null));
    if (!anyValue) {
      targetsChart.getDom().style.height = "120px";
      targetsChart.resize();
      empty(targetsChart, labels.noTargets);
    } else {
      targetsChart.setOption({
        color: palette,
        textStyle: { fontFamily: font },
        legend: { top: 0, type: "scroll" },
        grid: { left: 8, right: 40, top: 36, bottom: 8, containLabel: true },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          valueFormatter: (v) => (v === null || v === undefined ? labels.noTarget : v + "%"),
        },
        xAxis: { type: "category", data: targets.units, axisLabel: { interval: 0, hideOverlap: true } },
        yAxis: { type: "value", name: labels.completion, nameTextStyle: { align: "left" }, axisLabel: { formatter: "{value}%" } },
        series: targets.series.map((s, index) => ({
          type: "bar",
          name: s.name,
          barMaxWidth: 14,
          cursor: "pointer",
          data: s.values.map((v) => ({ value: v, url: targets.url })),
          markLine: index === 0 ? {
            symbol: "none",
            silent: true,
            label: { formatter: "100%", position: "end" },
            lineStyle: { type: "dashed", color: "#198754" },
            data: [{ yAxis: 100 }],
          } : undefined,
        })),
      });
    }
  }

  let pending = null;
  window.addEventListener("resize", () => {
    clearTimeout(pending);
    pending = setTimeout(() => charts.forEach((chart) => chart.resize()), 100);
  });
})();
