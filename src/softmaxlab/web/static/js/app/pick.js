// Move a 3D figure's marker with the pointer (mouse, pen or touch): in the page's "move the marker" mode,
// or with shift held, a press on a surface and every move after it put the marker on the surface point
// under the pointer (app/pages/<key>.js `pick` says what that point sets), and the camera does not turn.
//
// The point under the pointer is plotly's own: its 3D hover reports the grid point of the surface there
// (`plotly_hover`). But plotly picks only while no button is held (a held button turns the camera), so
// the press is kept from plotly (a cancelled pointerdown sends no mouse events until the pointer is up,
// and a finger's touch events stop here) and each move is shown to plotly's canvas as a hover, a
// mousemove with no button; no plotly internals.

function canvasAt(div, x, y) {
  const el = document.elementFromPoint(x, y);
  return el && el.tagName === "CANVAS" && div.contains(el) ? el : null;
}

/**
 * Let the pointer move the marker of the 3D figure in `div`. `pick.value(values, point)`: the values that
 * put the marker at `point` ({x, y} in the surfaces' own coordinates); `active()`: whether the page's
 * mode is on (shift+press works without it); `onMove(next)` on every new point. Call once plotly has drawn
 * into `div` (its `on` exists then).
 */
export function moveMarker(div, pick, { values, active, onMove }) {
  let held = null; // the pointer moving the marker
  let last = null; // the grid point it was last moved to

  div.on("plotly_hover", (event) => {
    if (held === null) return;
    // the marker's own dots and stems lie on the surfaces: only a surface's grid point is a place
    const point = (event.points ?? []).find((p) => p.data && p.data.type === "surface");
    // plotly tells the same point again as it redraws the moved marker: once is a move
    if (!point || (last && last.x === point.x && last.y === point.y)) return;
    last = { x: point.x, y: point.y };
    onMove(pick.value(values(), last));
  });

  function hover(event) {
    const canvas = canvasAt(div, event.clientX, event.clientY);
    if (!canvas) return;
    canvas.dispatchEvent(new MouseEvent("mousemove", {
      clientX: event.clientX, clientY: event.clientY, buttons: 0, bubbles: true, cancelable: true, view: window,
    }));
  }

  div.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 || held !== null || !(active() || event.shiftKey)) return;
    if (!canvasAt(div, event.clientX, event.clientY)) return; // the legend, the mode bar: plotly's
    held = event.pointerId;
    last = null;
    event.preventDefault(); // no mousedown, so the camera does not turn
    event.stopPropagation();
    div.setPointerCapture(event.pointerId);
    div.classList.add("moving-marker");
    hover(event); // a press without a move moves the marker too
  }, { capture: true });

  div.addEventListener("pointermove", (event) => {
    if (held === null || event.pointerId !== held) return;
    event.stopPropagation();
    hover(event);
  }, { capture: true });

  const release = (event) => {
    if (held === null || event.pointerId !== held) return;
    held = null;
    div.classList.remove("moving-marker");
  };
  div.addEventListener("pointerup", release, { capture: true });
  div.addEventListener("pointercancel", release, { capture: true });

  // in the mode, a finger moves the marker: the scene's camera and the page's scrolling never see it
  for (const type of ["touchstart", "touchmove"]) {
    div.addEventListener(type, (event) => {
      if (!active() || !event.touches[0] || !canvasAt(div, event.touches[0].clientX, event.touches[0].clientY)) return;
      event.preventDefault();
      event.stopPropagation();
    }, { capture: true, passive: false });
  }
}
