// The pure pixel-label module: usable from Node and from the renderer (no DOM, no drawing).
export { LabelMap, UNLABELED } from './label-map.ts';
export { type Rect, union, intersect, isEmpty, contains } from './rect.ts';
export { type Point, paintSegment, segmentBounds } from './brush.ts';
export { floodFill, type ImageSimilarity } from './fill.ts';
export { fillPolygon, scanPolygon, polygonBounds } from './polygon.ts';
export { acceptPrediction, predictionBounds, predictedRegion } from './prediction.ts';
export { applyMorphology, checkMorphologyRequest, MORPHOLOGY_OPERATIONS, RADIUS_OPERATIONS, type MorphologyOperation, type MorphologyRequest, type MorphologyResult } from './morphology.ts';
export { LabelHistory, type LabelDiff } from './history.ts';
export { LabelEditor, TOOLS, type ToolName, type EditorState, type EditorListener } from './editor.ts';
export { bytesToBase64, base64ToBytes } from './base64.ts';
export { encodeRuns, decodeRuns } from './run-length.ts';
export { patchFromMap, applyPatch } from './patch.ts';
export { type IntensityRange, type HuPreset, HU_PRESETS, checkedRange, inRange, paintableMask } from './intensity-range.ts';
export { growFromSeeds, grownOntoUnlabeled, type GrowImage, type GrowBox, type GrowOptions } from './grow-from-seeds.ts';
