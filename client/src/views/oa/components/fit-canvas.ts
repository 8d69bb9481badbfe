import type Canvas from "diagram-js/lib/core/Canvas";

/**
 * Shows the whole diagram when it fits at a readable size; a long approval
 * chain (发文 has a dozen steps in a row) would shrink to unreadable boxes,
 * so below `minScale` the canvas keeps that scale and shows the start, or the
 * `focus` point (the step an instance is at), and the rest is a drag away.
 * `leftMargin` keeps the first shape clear of the designer's palette.
 */
export function fitReadable(
  canvas: Canvas,
  options: { minScale?: number; leftMargin?: number; focus?: { x: number; y: number } } = {},
): void {
  const minScale = options.minScale ?? 0.75;
  canvas.zoom("fit-viewport");
  const box = canvas.viewbox();
  if (box.scale >= minScale || box.inner.width === 0) return;
  const width = box.outer.width / minScale;
  const height = box.outer.height / minScale;
  const x = options.focus ? options.focus.x - width / 2 : box.inner.x - (options.leftMargin ?? 20) / minScale;
  const y = (options.focus?.y ?? box.inner.y + box.inner.height / 2) - height / 2;
  canvas.viewbox({ x, y, width, height });
}
