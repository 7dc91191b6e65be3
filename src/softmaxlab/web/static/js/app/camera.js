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

/** Put the eye on every scene of a layout (the scenes of one figure turn together). */
export function applyCamera(layout, text) {
  const eye = cameraOf(text);
  if (!eye) return layout;
  for (const key of Object.keys(layout)) {
    if (/^scene\d*$/.test(key)) layout[key] = { ...layout[key], camera: { ...(layout[key].camera ?? {}), eye } };
  }
  return layout;
}
