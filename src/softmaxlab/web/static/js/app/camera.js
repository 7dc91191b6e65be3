// The 3D camera as state: "x,y,z" of the eye in the URL, mirroring softmaxlab.web.pages.camera_of.
import { coerce } from "./state.js";

const NUMBER = { name: "camera", kind: "float", minimum: -100, maximum: 100, choices: [], nullable: false };

/** The eye {x, y, z} written as "x,y,z" (null for ""), or an Error with Python's message. */
export function cameraOf(text) {
  if (text === "") return null;
  const parts = text.split(",");
  if (parts.length !== 3) throw new Error(`camera: expected three numbers x,y,z, got ${parts.length}`);
  const [x, y, z] = parts.map((p) => coerce(NUMBER, p));
  if (x === 0 && y === 0 && z === 0) throw new Error("camera: the eye cannot sit at the centre (0,0,0)");
  return { x, y, z };
}

export function cameraErrors(values) {
  try {
    cameraOf(values.camera);
    return [];
  } catch (e) {
    return [e.message];
  }
}

/** "x,y,z" of an eye, to 3 decimals: short links, and a turn of the scene still lands where it was left. */
export function cameraText(eye) {
  return [eye.x, eye.y, eye.z].map((v) => String(Math.round(v * 1000) / 1000)).join(",");
}

/** Named views for the buttons of a 3D page. */
export const VIEWS = [
  ["default view", ""],
  ["from above", "0,0,2.5"],
  ["from the side", "2.5,0,0.3"],
];

/**
 * How far back the eye moves on a narrow screen: a phone's scene is narrow and short, and the builders'
 * view, made for a wide one, cuts it left and right. The link keeps the wide screen's eye (cameraText of
 * eye / zoom), so a link opens alike on both.
 */
export function screenZoom(width = globalThis.innerWidth ?? 1280) {
  return width < 600 ? 1.7 : 1;
}

const PLOTLY_EYE = { x: 1.25, y: 1.25, z: 1.25 }; // plotly's own, where a figure sets none

/** Put the eye on every scene of a layout (the scenes of one figure turn together), `zoom` times as far. */
export function applyCamera(layout, text, zoom = 1) {
  const eye = cameraOf(text);
  if (!eye && zoom === 1) return layout;
  for (const key of Object.keys(layout)) {
    if (!/^scene\d*$/.test(key)) continue;
    const camera = layout[key].camera ?? {};
    const at = eye ?? camera.eye ?? PLOTLY_EYE;
    layout[key] = { ...layout[key], camera: { ...camera, eye: { x: at.x * zoom, y: at.y * zoom, z: at.z * zoom } } };
  }
  return layout;
}
