// How much of a map's local variation is the 2×2 alternating pattern that stride-2 up-sampling can leave behind
// (Odena et al., "Deconvolution and checkerboard artifacts", 2016): the energy of
// D(x, y) = p(x, y) − p(x+1, y) − p(x, y+1) + p(x+1, y+1) over all 2×2 windows, relative to twice the energy of the
// forward differences. A pure ±a checkerboard scores 1 (D² = 16a², the two differences 4a² each); a constant,
// a ramp or a straight horizontal or vertical edge scores 0; a natural map scores between, higher with the pattern.

/** Checkerboard index of a width × height map (row-major); 0 for a map with no variation at all. */
export function checkerboardIndex(map: ArrayLike<number>, width: number, height: number): number {
  const { pattern, gradient } = checkerboardEnergies(map, width, height);
  return gradient === 0 ? 0 : pattern / (2 * gradient);
}

/** The index's two sums, so several maps can be pooled: Σ D², and Σ of both forward differences squared. */
export function checkerboardEnergies(map: ArrayLike<number>, width: number, height: number): { pattern: number; gradient: number } {
  let pattern = 0;
  let gradient = 0;
  for (let y = 0; y + 1 < height; y++) {
    for (let x = 0; x + 1 < width; x++) {
      const i = y * width + x;
      const [a, b, c, d] = [map[i]!, map[i + 1]!, map[i + width]!, map[i + width + 1]!];
      pattern += (a - b - c + d) ** 2;
      gradient += (b - a) ** 2 + (c - a) ** 2;
    }
  }
  return { pattern, gradient };
}
