// Clientside callbacks: what must not wait for the server (a marker following a slider, the step
// player, cameras that move together). The math mirrors softmaxlab.core: softmax with the max
// subtracted so exp never overflows, and the Jacobian p_i (delta_ij - p_j) / T.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  softmaxlab: {
    moveMarker: function (m0, m1, m2, meta) {
      var no = window.dash_clientside.no_update;
      if (!meta || [m0, m1, m2].some(function (v) { return typeof v !== "number" || !isFinite(v); })) return no;
      var gd = plotDiv("surfaces-graph");
      if (!gd || !gd.data) return no;
      var k = meta.classes, t = meta.t;
      var z = [m0, m1, m2].slice(0, k);
      var p = softmax(z, t);
      var x, y;
      if (k === 2) { x = z[0]; y = z[1]; } else {
        // the point of the sum-zero plane: u = z B, B the (3, 2) orthonormal basis
        var b = meta.basis;
        x = z[0] * b[0][0] + z[1] * b[1][0] + z[2] * b[2][0];
        y = z[0] * b[0][1] + z[1] * b[1][1] + z[2] * b[2][1];
      }
      var updates = [];
      gd.data.forEach(function (trace, index) {
        if (trace.uid === "marker") {
          updates.push([index, rep(x, k), rep(y, k), p]);
        } else if (trace.uid === "marker-jacobian") {
          var jz = meta.entries.map(function (e) {
            var i = e[0], j = e[1];
            return p[i] * ((i === j ? 1 : 0) - p[j]) / t;
          });
          updates.push([index, rep(x, jz.length), rep(y, jz.length), jz]);
        }
      });
      if (!updates.length) return no;
      window.Plotly.restyle(gd, {
        x: updates.map(function (u) { return u[1]; }),
        y: updates.map(function (u) { return u[2]; }),
        z: updates.map(function (u) { return u[3]; }),
      }, updates.map(function (u) { return u[0]; }));
      return Date.now();
    },

    advanceStep: function (ticks, value, max) {
      if (typeof max !== "number" || max <= 0) return window.dash_clientside.no_update;
      var stride = Math.max(1, Math.round(max / 60));  // a whole run plays in about 60 frames
      if (typeof value !== "number" || value < 0 || value >= max) return 0;
      return Math.min(max, value + stride);
    },

    linkCameras: function (relayout, id) {
      var no = window.dash_clientside.no_update;
      if (!relayout) return no;
      var moved = Object.keys(relayout).filter(function (key) { return /^scene\d*\.camera$/.test(key); });
      if (moved.length !== 1) return no;  // our own relayout below sets several cameras at once
      var gd = plotDiv(id);
      if (!gd || !gd._fullLayout) return no;
      var camera = relayout[moved[0]];
      var meta = gd.layout && gd.layout.meta && gd.layout.meta.softmaxlab;
      var linked = (meta && meta.linked_scenes) || Object.keys(gd._fullLayout).filter(function (k) {
        return /^scene\d*$/.test(k);
      });
      var source = moved[0].split(".")[0];
      if (linked.indexOf(source) < 0) return no;
      var update = {};
      linked.forEach(function (scene) {
        var current = gd._fullLayout[scene] && gd._fullLayout[scene].camera;
        if (scene !== source && !sameCamera(current, camera)) update[scene + ".camera"] = camera;
      });
      if (Object.keys(update).length) window.Plotly.relayout(gd, update);
      return Date.now();
    },
  },
});

function plotDiv(id) {
  var el = document.getElementById(id);
  return el && (el.classList.contains("js-plotly-plot") ? el : el.querySelector(".js-plotly-plot"));
}

function softmax(z, t) {
  var top = Math.max.apply(null, z);
  var e = z.map(function (v) { return Math.exp((v - top) / t); });
  var s = e.reduce(function (a, b) { return a + b; }, 0);
  return e.map(function (v) { return v / s; });
}

function rep(v, n) {
  var out = [];
  for (var i = 0; i < n; i++) out.push(v);
  return out;
}

function sameCamera(a, b) {
  if (!a || !b) return false;
  return ["eye", "center", "up"].every(function (part) {
    return ["x", "y", "z"].every(function (axis) {
      return a[part] && b[part] && Math.abs(a[part][axis] - b[part][axis]) < 1e-6;
    });
  });
}
