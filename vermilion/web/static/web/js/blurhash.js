/* Blurhash placeholders: each cover image with data-blurhash gets a tiny decoded preview as
   its background until the real image has loaded (then the preview is dropped). The
   dominant colour stays underneath for browsers without modules. */
import { decode } from "/static/vendor/blurhash/index.js";

const SIZE = 32;
const canvas = document.createElement("canvas");
canvas.width = SIZE;
canvas.height = SIZE;
const context = canvas.getContext("2d");

function paint(img) {
  if (img.dataset.blurhashDone || img.complete && img.naturalWidth) return;
  img.dataset.blurhashDone = "1";
  try {
    const pixels = decode(img.dataset.blurhash, SIZE, SIZE);
    const data = context.createImageData(SIZE, SIZE);
    data.data.set(pixels);
    context.putImageData(data, 0, 0);
    img.style.backgroundImage = `url(${canvas.toDataURL()})`;
    img.style.backgroundSize = "cover";
    img.addEventListener("load", () => { img.style.backgroundImage = ""; }, { once: true });
  } catch (e) {
    /* an invalid hash keeps the dominant-colour placeholder */
  }
}

function paintAll(root) {
  (root || document).querySelectorAll("img[data-blurhash]").forEach(paint);
}

paintAll();
document.addEventListener("htmx:afterSettle", (event) => paintAll(event.target));
