/**
 * The watermark over a borrowed book: the reader's name and the time, drawn
 * once on a small tile that the page overlays repeat (CSS background), so a
 * screenshot of any part of any page says who read it and when.
 */
export function watermarkTile(name: string, at: Date, locale: string): string {
  const time = at.toLocaleString(locale, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
  const canvas = document.createElement("canvas");
  const ratio = window.devicePixelRatio || 1;
  const width = 260;
  const height = 170;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const ctx = canvas.getContext("2d");
  if (!ctx) return "";
  ctx.scale(ratio, ratio);
  ctx.translate(width / 2, height / 2);
  ctx.rotate(-Math.PI / 7);
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillStyle = "rgba(200, 30, 30, 0.16)";
  ctx.font = '600 17px system-ui, "PingFang SC", "Microsoft YaHei", sans-serif';
  ctx.fillText(name, 0, -11);
  ctx.font = '14px system-ui, "PingFang SC", "Microsoft YaHei", sans-serif';
  ctx.fillText(time, 0, 12);
  return canvas.toDataURL("image/png");
}
