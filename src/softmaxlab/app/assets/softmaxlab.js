// Clientside callbacks: what must not wait for the server (a marker following a slider, the step
// player, cameras that move together). The math mirrors softmaxlab.core: softmax with the max
// subtracted so exp never overflows, and the Jacobian p_i (delta_ij - p_j) / T.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  softmaxlab: {
    // The page's state goes into the URL without a new history entry: control changes and play ticks
    // replace the current entry (a copied URL or a reload still reproduces the view), only navigation pushes.
    writeQuery: function (query) {
      if (!query || typeof query.search !== "string" || query.path !== window.location.pathname) {
        return window.dash_clientside.no_update;  // the user has moved to another page meanwhile
      }
      if (window.location.search !== query.search) {
        window.history.replaceState(window.history.state, "", query.path + query.search + window.location.hash);
      }
      return window.dash_clientside.no_update;
    },

    moveMarker: function (m0, m1, m2, d0, d1, d2, meta) {
      var no = window.dash_clientside.no_update;
      var values = newestValues("surfaces", ["m0", "m1", "m2"], [m0, m1, m2], [d0, d1, d2]);
      m0 = values[0]; m1 = values[1]; m2 = values[2];
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
      // only the marker traces change: redraw them alone (the surfaces stay as drawn), at most once per frame
      drawOncePerFrame("surfaces-marker", function () {
        return redrawData3d(gd, updates.map(function (u) { return u[0]; }), updates.map(function (u) { return u[1]; }),
                            updates.map(function (u) { return u[2]; }), updates.map(function (u) { return u[3]; }),
                            "surfaces-marker");
      });
      return no;
    },

    // Softmax page: redraw the dots, curves and markers at once from the sliders' values; the server's
    // figure (with its titles, entropy and legend text) follows and replaces this one. Mirrors
    // figures.softmax_2d (trace uids exp-i, softmax-i, sweep-i, exp-curve, scaled-curve, current).
    softmaxPreview: function (values, dragged, ids, drawn) {
      var no = window.dash_clientside.no_update;
      var gd = plotDiv("softmax-graph");
      if (!gd || !gd.data || !gd.layout || !drawn || !ids) return no;
      var v = {};
      var names = ids.map(function (id) { return id.name; });
      newestValues("softmax", names, values, dragged || []).forEach(function (value, i) { v[names[i]] = value; });
      var k = v.k, t = v.t;
      if (k !== drawn.k || Math.min(v.sweep, k - 1) !== drawn.sweep) return no;  // new structure: the server draws it
      if (typeof t !== "number" || !(t > 0) || !isFinite(t)) return no;
      var z = [];
      for (var i = 0; i < k; i++) {
        if (typeof v["z" + i] !== "number" || !isFinite(v["z" + i])) return no;
        z.push(v["z" + i]);
      }
      var s = drawn.sweep;
      var p = softmax(z, t);
      var top = Math.max.apply(null, z), low = Math.min.apply(null, z);
      var shift = top / t > 700 ? top : 0;  // as softmax_2d: past float range draw e^((z - max z)/T)
      var h = z.map(function (x) { return Math.exp((x - shift) / t); });
      var total = h.reduce(function (a, b) { return a + b; }, 0);
      var swept = linspace(-6, 6, 241);
      if (swept.indexOf(z[s]) < 0) { swept.push(z[s]); swept.sort(function (a, b) { return a - b; }); }
      var columns = z.map(function () { return []; });
      swept.forEach(function (x) {
        var row = z.slice();
        row[s] = x;
        softmax(row, t).forEach(function (q, j) { columns[j].push(q); });
      });
      var xc = linspace(low - 1.5, top, 200);
      var yc = xc.map(function (x) { return Math.exp((x - shift) / t); });
      // only the traces that move and the ranges that follow them are redrawn; titles, legend text and the
      // annotation wait for the server's figure
      var traces = [], xs = [], ys = [], stems = [];
      var put = function (uid, x, y, stem) {
        var j = gd.data.findIndex(function (trace) { return trace.uid === uid; });
        if (j < 0) return;
        traces.push(j); xs.push(x); ys.push(y);
        stems.push(stem === undefined ? undefined : [stem]);  // undefined: that trace has no stems
      };
      for (i = 0; i < k; i++) {
        put("exp-" + i, [z[i]], [h[i]], h[i]);
        put("softmax-" + i, [z[i]], [p[i]], p[i]);
        put("sweep-" + i, swept, columns[i]);
      }
      put("exp-curve", xc, yc);
      put("scaled-curve", xc, yc.map(function (y) { return y / total; }));
      put("current", rep(z[s], k), p);
      var pad = 0.06 * (top - low + 1);
      var left = [low - 1.5 - pad, top + pad];
      var ranges = {"xaxis.range": left, "xaxis2.range": left, "yaxis.range": [0, 1.08 * Math.max.apply(null, h)],
                    "xaxis3.range": [swept[0], swept[swept.length - 1]]};
      var shapes = gd.layout.shapes && gd.layout.shapes.length ? {0: {x0: z[s], x1: z[s]}} : {};  // the swept z line
      drawOncePerFrame("softmax-preview", function () {
        return redrawData2d(gd, traces, xs, ys, stems, ranges, shapes, "softmax-preview");
      });
      return no;
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

// Plotly as it arrives: 3D scenes at the display's own pixel density, and reacts held for a preview's frame
// (holdReactsForFrame, below). Plotly draws WebGL at 2x by default whatever the display, four times the pixels a
// 1x display shows, and every marker move redraws the whole scene. Plotly is loaded with the first graph, after
// this file: catch its arrival, so that the first plot is configured too.
(function configurePlotlyOnArrival() {
  var ratio = Math.max(1, Math.round(window.devicePixelRatio || 1));
  var configure = function (plotly) {
    if (plotly && typeof plotly.setPlotConfig === "function") plotly.setPlotConfig({plotGlPixelRatio: ratio});
    if (plotly) holdReactsForFrame(plotly);
  };
  if (window.Plotly) { configure(window.Plotly); return; }
  var loaded;
  Object.defineProperty(window, "Plotly", {
    configurable: true, enumerable: true,
    get: function () { return loaded; },
    set: function (plotly) { loaded = plotly; configure(plotly); },
  });
})();

// Redrawing a preview. Plotly.update and Plotly.restyle recompute the whole figure when any x, y or z changes:
// every trace's defaults and calcdata, every axis, the legend and annotations (the Softmax figure: 40-110 ms on
// the reference machine), or every 3D surface's mesh (the Surfaces scene: 65-110 ms). A preview moves the data
// of a few traces only, so these two give plotly just that: the new arrays where plotly keeps them (the input
// trace and its full trace), the moved traces' calcdata from their own module, then plotly's own partial redraw
// (2D: the path an axis-range change takes, as in pan and zoom: the changed axes and the data, no defaults;
// 3D: the trace object's update and one redraw of its scene). They rely on internals of the plotly.js that dash
// ships, checked before use: where anything is not as expected they fall back to Plotly.update / restyle. Either
// way the graph then announces the drawing ("softmaxlab:drawn", detail {key, fast}) to whoever measures it.

// traces: indices into gd.data; xs, ys: their new arrays; stems: each trace's new error_y.arrayminus, or
// undefined; ranges: {"xaxis.range": [a, b], ...}; shapes: {index: {x0: .., x1: ..}}
function redrawData2d(gd, traces, xs, ys, stems, ranges, shapes, key) {
  var fast = patchable2d(gd, traces, stems, shapes);
  var done;
  if (!fast) {
    var layout = Object.assign({}, ranges);
    Object.keys(shapes).forEach(function (i) {
      Object.keys(shapes[i]).forEach(function (name) { layout["shapes[" + i + "]." + name] = shapes[i][name]; });
    });
    done = window.Plotly.update(gd, {x: xs, y: ys, "error_y.arrayminus": stems}, layout, traces);
  } else {
    traces.forEach(function (j, n) {
      var input = gd.data[j], full = gd._fullData[j];
      input.x = full.x = xs[n];
      input.y = full.y = ys[n];
      full._length = Math.min(xs[n].length, ys[n].length);
      if (stems[n] !== undefined) input.error_y.arrayminus = full.error_y.arrayminus = stems[n];
      full._extremes = {};
      var cd = full._module.calc(gd, full);  // as plotly's doCalcdata, for this trace alone
      if (!cd[0].t) cd[0].t = {};
      cd[0].trace = full;
      var bars = full.error_y;
      if (bars && bars.visible) {  // as plotly's errorbars calc: each bar from y - minus to y + plus
        cd.forEach(function (point, i) {
          var minus = Number(bars.arrayminus[i]), plus = Number(bars.array[i]);
          if (isFinite(point.y) && isFinite(minus) && isFinite(plus)) {
            point.ys = point.y - minus;
            point.yh = point.y + plus;
          }
        });
      }
      gd.calcdata[j] = cd;
    });
    Object.keys(shapes).forEach(function (i) {
      Object.keys(shapes[i]).forEach(function (name) {
        gd.layout.shapes[i][name] = gd._fullLayout.shapes[i][name] = shapes[i][name];
      });
    });
    done = window.Plotly.update(gd, {}, ranges);  // ranges only: plotly redraws those axes and all the data
  }
  return Promise.resolve(done).then(function () { announce(gd, key, fast); });
}

function patchable2d(gd, traces, stems, shapes) {
  if (!Array.isArray(gd.calcdata) || !Array.isArray(gd._fullData) || !gd._fullLayout) return false;
  var fullShapes = gd._fullLayout.shapes || [], inputShapes = gd.layout.shapes || [];
  if (!Object.keys(shapes).every(function (i) { return fullShapes[i] && inputShapes[i]; })) return false;
  return traces.every(function (j, n) {
    var full = gd._fullData[j], bars = full && full.error_y;
    if (!full || full.type !== "scatter" || !full._module || typeof full._module.calc !== "function") return false;
    if (!gd.calcdata[j] || gd.data[j].uid !== full.uid) return false;
    if (!bars || !bars.visible) return stems[n] === undefined;
    return bars.type === "data" && !bars.symmetric && bars.array && (stems[n] !== undefined || bars.arrayminus) &&
      gd.data[j].error_y !== undefined;
  });
}

function redrawData3d(gd, traces, xs, ys, zs, key) {
  var scenes = patchable3d(gd, traces, xs, ys, zs);
  var done;
  if (!scenes) {
    done = window.Plotly.restyle(gd, {x: xs, y: ys, z: zs}, traces);
  } else {
    var moved = [];
    traces.forEach(function (j, n) {
      var input = gd.data[j], full = gd._fullData[j];
      input.x = full.x = xs[n];
      input.y = full.y = ys[n];
      input.z = full.z = zs[n];
      full._length = Math.min(xs[n].length, ys[n].length, zs[n].length);
      var object = gd._fullLayout[full.scene]._scene.traces[full.uid];
      object.update(full);
      moved.push(object);
    });
    // gl-plot3d re-renders its hover pick buffers whenever an object is dirty, and reads them back with a
    // readPixels that blocks the page until the (software) GPU is done: about half the main thread's time per
    // move. While the marker moves only the picture is redrawn; the pick buffers follow once it has rested
    // (refreshPicking).
    moved.forEach(function (object) { glParts(object).forEach(function (part) { part.dirty = false; }); });
    scenes.forEach(function (scene) { scene.glplot.redraw(); });
    refreshPicking(key, moved);
    done = gd;
  }
  return Promise.resolve(done).then(function () { announce(gd, key, !!scenes); });
}

// the gl-plot3d objects a plotly scatter3d trace object draws with
function glParts(object) {
  return ["linePlot", "scatterPlot", "errorBars", "textMarkers", "delaunayMesh"].map(function (name) {
    return object[name];
  }).filter(function (part) { return part && typeof part === "object"; });
}

// mark the moved objects dirty once no move has come for a while: the scene's own render loop then redraws them
// with their pick buffers, so hovering finds the marker where it now is
var pickingTimers = {};
function refreshPicking(key, objects) {
  clearTimeout(pickingTimers[key]);
  pickingTimers[key] = setTimeout(function () {
    delete pickingTimers[key];
    objects.forEach(function (object) { glParts(object).forEach(function (part) { part.dirty = true; }); });
  }, 300);
}

// the scenes to redraw, or null: every trace a scatter3d already drawn in its scene, and every new point
// inside the scene's axis ranges as drawn (so the scene's bounds and scale stay as they are)
function patchable3d(gd, traces, xs, ys, zs) {
  if (!Array.isArray(gd._fullData) || !gd._fullLayout) return null;
  var scenes = [];
  var ok = traces.every(function (j, n) {
    var full = gd._fullData[j];
    var holder = full && full.type === "scatter3d" && gd._fullLayout[full.scene];
    var scene = holder && holder._scene;
    var object = scene && scene.traces && scene.traces[full.uid];
    if (!object || typeof object.update !== "function" || !scene.glplot || typeof scene.glplot.redraw !== "function" ||
        !scene.fullSceneLayout || gd.data[j].uid !== full.uid) return false;
    var inside = [["xaxis", xs[n]], ["yaxis", ys[n]], ["zaxis", zs[n]]].every(function (pair) {
      var axis = scene.fullSceneLayout[pair[0]];
      if (!axis || axis.type !== "linear" || !Array.isArray(axis.range)) return false;
      var low = Math.min(axis.range[0], axis.range[1]), high = Math.max(axis.range[0], axis.range[1]);
      return pair[1].every(function (v) { return typeof v === "number" && v >= low && v <= high; });
    });
    if (inside && scenes.indexOf(scene) < 0) scenes.push(scene);
    return inside;
  });
  return ok ? scenes : null;
}

function announce(gd, key, fast) {
  // a figure from the server that comes now waits for the frame that shows this drawing (holdReactsForFrame)
  var frame = new Promise(function (resolve) {
    window.requestAnimationFrame(function () { setTimeout(resolve, 0); });  // after the frame's rendering
  });
  gd.__softmaxlabFrame = frame;
  frame.then(function () { if (gd.__softmaxlabFrame === frame) delete gd.__softmaxlabFrame; });
  gd.dispatchEvent(new CustomEvent("softmaxlab:drawn", {detail: {key: key, fast: fast}}));
}

// The server's figure often comes while a preview's drawing waits for its frame; drawn at once, its Plotly.react
// (50-90 ms for the Softmax figure) would run first and the preview would be seen only with it. So a react of a
// graph whose preview has not been shown yet runs just after that frame.
function holdReactsForFrame(plotly) {
  var react = plotly.react;
  if (typeof react !== "function" || react.softmaxlabHeld) return;
  var held = function (gd) {
    var self = this, args = arguments;
    var div = typeof gd === "string" ? document.getElementById(gd) : gd;
    var frame = div && div.__softmaxlabFrame;
    if (!frame) return react.apply(self, args);
    return frame.then(function () { return react.apply(self, args); });
  };
  held.softmaxlabHeld = true;
  plotly.react = held;
}

// Draw now if nothing was drawn in this animation frame, else keep only the newest drawing for the next frame:
// a burst of slider events (a drag, a held key) draws once per frame, and the first event waits for nothing.
var pendingDraws = {};
function drawOncePerFrame(key, draw) {
  var slot = pendingDraws[key];
  if (slot) { slot.next = draw; return; }  // this frame has drawn: the newest request waits for the next one
  pendingDraws[key] = slot = {next: null};
  var settle = function () {
    window.requestAnimationFrame(function () {
      var next = slot.next;
      if (!next) { delete pendingDraws[key]; return; }
      slot.next = null;
      Promise.resolve(next()).then(settle, settle);
    });
  };
  Promise.resolve(draw()).then(settle, settle);
}

// A slider being dragged has its drag_value ahead of its value (sent where the drag ends): of the two, the one
// that triggered the running clientside callback is the newest. The values of the sliders `names` of `page`.
function newestValues(page, names, values, dragValues) {
  var triggered = ((window.dash_clientside.callback_context || {}).triggered || []).map(function (t) {
    return t.prop_id;
  });
  return names.map(function (name, i) {
    var dragged = triggered.indexOf(JSON.stringify({name: name, page: page}) + ".drag_value") >= 0;
    return dragged && typeof dragValues[i] === "number" ? dragValues[i] : values[i];
  });
}

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

function linspace(a, b, n) {
  // as numpy.linspace: a + j * step, and the last point exactly b
  var step = (b - a) / (n - 1), out = [];
  for (var j = 0; j < n - 1; j++) out.push(j * step + a);
  out.push(b);
  return out;
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
