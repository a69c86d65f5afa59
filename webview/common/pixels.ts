/** Sizes `canvas` to width × height and paints the RGBA bytes on it, one canvas pixel per image pixel (CSS scales it up). */
export function paintPixels(canvas: HTMLCanvasElement, width: number, height: number, rgba: ArrayLike<number>): void {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) return;
  const data = context.createImageData(width, height);
  data.data.set(rgba);
  context.putImageData(data, 0, 0);
}
