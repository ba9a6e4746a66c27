// Draws the report's charts as inline SVG from the JSON in #report-data.
// Every string from the data is set with textContent or setAttribute, never
// parsed as markup. When done, the <html> element gets
// data-charts-drawn="<number of charts>", which the Chromium test checks.
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var SEVERITIES = ["critical", "high", "medium", "low", "informational"];
  var SEVERITY_LABELS = {
    critical: "Critical",
    high: "High",
    medium: "Medium",
    low: "Low",
    informational: "Informational"
  };
  var SEVERITY_COLORS = {
    critical: "#7f1d1d",
    high: "#dc2626",
    medium: "#f59e0b",
    low: "#2563eb",
    informational: "#6b7280"
  };
  var INK = "#111827";
  var MUTED = "#6b7280";
  var GRID = "#e5e7eb";

  // Same bands as score_class in html/format.rs.
  function scoreColor(score) {
    if (score >= 80) return "#15803d";
    if (score >= 60) return "#b45309";
    return "#b91c1c";
  }

  function node(name, attributes, text) {
    var element = document.createElementNS(SVG_NS, name);
    Object.keys(attributes || {}).forEach(function (key) {
      element.setAttribute(key, String(attributes[key]));
    });
    if (text !== undefined) element.textContent = String(text);
    return element;
  }

  function canvas(container, height) {
    var width = Math.max(320, Math.round(container.clientWidth || 640));
    var svg = node("svg", {
      viewBox: "0 0 " + width + " " + height,
      width: width,
      height: height,
      "class": "chart-svg",
      "font-size": 12
    });
    container.appendChild(svg);
    return { svg: svg, width: width, height: height };
  }

  function empty(container, message) {
    var chart = canvas(container, 40);
    chart.svg.appendChild(node("text", { x: 8, y: 24, fill: MUTED }, message));
  }

  function shorten(text, max) {
    text = String(text);
    return text.length > max ? text.slice(0, max - 1) + "\u2026" : text;
  }

  function day(millis) {
    return new Date(millis).toISOString().slice(0, 10);
  }

  // Posture score over event time: a line with a dot per summary record.
  function drawTrend(container, data) {
    var points = data.headline.trend;
    if (!points.length) return empty(container, "No summary records for this scope.");
    var chart = canvas(container, 240);
    var left = 40, right = 24, top = 22, bottom = 30;
    var plotWidth = chart.width - left - right;
    var plotHeight = chart.height - top - bottom;
    var first = points[0].as_of, last = points[points.length - 1].as_of;
    var span = Math.max(1, last - first);
    // Points keep clear of the axis labels on the left.
    var inset = 14;
    function x(millis) {
      if (points.length === 1) return left + plotWidth / 2;
      return left + inset + ((millis - first) / span) * (plotWidth - 2 * inset);
    }
    function y(score) {
      return top + (1 - Math.max(0, Math.min(100, score)) / 100) * plotHeight;
    }
    [0, 25, 50, 75, 100].forEach(function (tick) {
      chart.svg.appendChild(node("line", { x1: left, x2: chart.width - right, y1: y(tick), y2: y(tick), stroke: GRID }));
      chart.svg.appendChild(node("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", fill: MUTED }, tick));
    });
    var path = points.map(function (point) {
      return x(point.as_of).toFixed(1) + "," + y(point.posture_score).toFixed(1);
    }).join(" ");
    chart.svg.appendChild(node("polyline", { points: path, fill: "none", stroke: "#1e3a8a", "stroke-width": 2.5 }));
    points.forEach(function (point, index) {
      var dot = node("circle", { cx: x(point.as_of), cy: y(point.posture_score), r: 4, fill: scoreColor(point.posture_score) });
      dot.appendChild(node("title", {}, day(point.as_of) + ": " + point.posture_score.toFixed(1)));
      chart.svg.appendChild(dot);
      if (index === 0 || index === points.length - 1) {
        var anchor = points.length === 1 ? "middle" : (index === 0 ? "start" : "end");
        chart.svg.appendChild(node("text", {
          x: x(point.as_of), y: y(point.posture_score) - 10, "text-anchor": anchor,
          "font-weight": 700, fill: INK
        }, point.posture_score.toFixed(1)));
      }
    });
    var labels = points.length === 1 ? [first] : [first, last];
    labels.forEach(function (millis, index) {
      var anchor = points.length === 1 ? "middle" : (index === 0 ? "start" : "end");
      chart.svg.appendChild(node("text", { x: x(millis), y: chart.height - 8, "text-anchor": anchor, fill: MUTED }, day(millis)));
    });
  }

  // Horizontal bars of posture score (0 to 100) per account or owner.
  function drawScopeBars(container, rows) {
    if (!rows.length) return empty(container, "No summary records.");
    var rowHeight = 26;
    var chart = canvas(container, rows.length * rowHeight + 8);
    var labelWidth = Math.min(180, Math.round(chart.width * 0.35));
    var barSpace = chart.width - labelWidth - 50;
    rows.forEach(function (row, index) {
      var top = 4 + index * rowHeight;
      var label = node("text", { x: labelWidth - 8, y: top + 16, "text-anchor": "end", fill: INK }, shorten(row.name, 26));
      label.appendChild(node("title", {}, row.name));
      chart.svg.appendChild(label);
      chart.svg.appendChild(node("rect", { x: labelWidth, y: top + 3, width: barSpace, height: rowHeight - 8, fill: "#f3f4f6" }));
      var width = Math.max(1, (Math.max(0, Math.min(100, row.posture_score)) / 100) * barSpace);
      chart.svg.appendChild(node("rect", { x: labelWidth, y: top + 3, width: width, height: rowHeight - 8, fill: scoreColor(row.posture_score), rx: 2 }));
      chart.svg.appendChild(node("text", { x: labelWidth + width + 6, y: top + 16, fill: INK, "font-weight": 700 }, row.posture_score.toFixed(1)));
    });
  }

  function legend(svg, x, y, entries) {
    entries.forEach(function (entry) {
      svg.appendChild(node("rect", { x: x, y: y - 10, width: 12, height: 12, fill: entry.color, opacity: entry.opacity || 1 }));
      var label = node("text", { x: x + 16, y: y, fill: INK }, entry.label);
      svg.appendChild(label);
      // The rendered width, once the text is in the document; the estimate
      // covers a browser that has not laid it out.
      var width = label.getComputedTextLength ? label.getComputedTextLength() : 0;
      x += 30 + (width || entry.label.length * 8);
    });
  }

  // Vertical bars per severity: open violations, with open anomalies stacked
  // on top in a lighter shade of the same colour.
  function drawSeverity(container, data) {
    var rows = data.findings_by_severity;
    var chart = canvas(container, 240);
    var left = 36, bottom = 28, top = 30;
    var plotHeight = chart.height - top - bottom;
    var max = 1;
    rows.forEach(function (row) { max = Math.max(max, row.open_violations + row.open_anomalies); });
    var slot = (chart.width - left - 10) / rows.length;
    var barWidth = Math.min(60, slot * 0.6);
    legend(chart.svg, left, 14, [
      { label: "open violations", color: "#374151" },
      { label: "open anomalies", color: "#374151", opacity: 0.45 }
    ]);
    chart.svg.appendChild(node("line", { x1: left, x2: chart.width - 10, y1: top + plotHeight, y2: top + plotHeight, stroke: MUTED }));
    rows.forEach(function (row, index) {
      var color = SEVERITY_COLORS[row.severity] || MUTED;
      var x = left + index * slot + (slot - barWidth) / 2;
      var violations = (row.open_violations / max) * plotHeight;
      var anomalies = (row.open_anomalies / max) * plotHeight;
      var base = top + plotHeight;
      chart.svg.appendChild(node("rect", { x: x, y: base - violations, width: barWidth, height: violations, fill: color }));
      chart.svg.appendChild(node("rect", { x: x, y: base - violations - anomalies, width: barWidth, height: anomalies, fill: color, opacity: 0.45 }));
      var total = row.open_violations + row.open_anomalies;
      chart.svg.appendChild(node("text", { x: x + barWidth / 2, y: base - violations - anomalies - 5, "text-anchor": "middle", "font-weight": 700, fill: INK }, total));
      chart.svg.appendChild(node("text", { x: x + barWidth / 2, y: chart.height - 8, "text-anchor": "middle", fill: INK }, row.label));
    });
  }

  // Horizontal bars per control, stacked by severity of the open violations.
  function drawControls(container, data) {
    var rows = data.controls;
    if (!rows.length) return empty(container, "No policy finding maps to a control.");
    var rowHeight = 24;
    var chart = canvas(container, rows.length * rowHeight + 34);
    var labelWidth = Math.min(220, Math.round(chart.width * 0.3));
    var barSpace = chart.width - labelWidth - 50;
    var max = 1;
    rows.forEach(function (row) { max = Math.max(max, row.open_total); });
    legend(chart.svg, labelWidth, 14, SEVERITIES.map(function (severity) {
      return { label: SEVERITY_LABELS[severity], color: SEVERITY_COLORS[severity] };
    }));
    rows.forEach(function (row, index) {
      var top = 26 + index * rowHeight;
      var name = row.framework + " " + row.control;
      var label = node("text", { x: labelWidth - 8, y: top + 15, "text-anchor": "end", fill: INK }, shorten(name, 32));
      label.appendChild(node("title", {}, name));
      chart.svg.appendChild(label);
      var x = labelWidth;
      SEVERITIES.forEach(function (severity) {
        var count = row.open[severity] || 0;
        if (!count) return;
        var width = (count / max) * barSpace;
        var bar = node("rect", { x: x, y: top + 3, width: width, height: rowHeight - 8, fill: SEVERITY_COLORS[severity] });
        bar.appendChild(node("title", {}, SEVERITY_LABELS[severity] + ": " + count));
        chart.svg.appendChild(bar);
        x += width;
      });
      chart.svg.appendChild(node("text", { x: x + 6, y: top + 15, fill: INK, "font-weight": 700 }, row.open_total));
    });
  }

  var source = document.getElementById("report-data");
  if (!source) return;
  var data = JSON.parse(source.textContent);
  var drawers = {
    trend: function (container) { drawTrend(container, data); },
    accounts: function (container) { drawScopeBars(container, data.accounts); },
    owners: function (container) { drawScopeBars(container, data.owners); },
    severity: function (container) { drawSeverity(container, data); },
    controls: function (container) { drawControls(container, data); }
  };
  var drawn = 0;
  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (container) {
    var draw = drawers[container.getAttribute("data-chart")];
    if (!draw) return;
    draw(container);
    container.setAttribute("data-drawn", "true");
    drawn += 1;
  });
  document.documentElement.setAttribute("data-charts-drawn", String(drawn));
})();
