/** dst[c * rows + r] = src[r * cols + c], in cache-sized tiles (the wasm Transpose kernel is several times slower). */
export function transpose2d(src: Float32Array, rows: number, cols: number, dst: Float32Array): void {
  const tile = 32;
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const r1 = Math.min(r0 + tile, rows);
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const c1 = Math.min(c0 + tile, cols);
      for (let r = r0; r < r1; r++) {
        let from = r * cols + c0;
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[from++];
      }
    }
  }
}
