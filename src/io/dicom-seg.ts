// DICOM Segmentation objects (binary SEG, one segment per class) written against a source series and read back.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { InputError, type Raster } from './raster.ts';
import { parseDicomFile } from './dicom.ts';
import { writeAtomic } from './write-atomic.ts';
import { UNLABELED } from '../api/types.ts';

/** The part of dcmjs (no type declarations of its own) this module uses. */
interface Dcmjs {
  data: {
    DicomDict: new (meta: unknown) => { dict: unknown; write(): ArrayBuffer };
    DicomMessage: { readFile(buffer: ArrayBuffer): { dict: unknown; meta: unknown } };
    DicomMetaDictionary: {
      denaturalizeDataset(dataset: Record<string, unknown>): unknown;
      naturalizeDataset(dict: unknown): Record<string, unknown>;
      uid(): string;
    };
  };
}
const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;
const { DicomDict, DicomMessage, DicomMetaDictionary } = dcmjs.data;

export interface SegClass {
  index: number;
  name: string;
  /** '#rrggbb' */
  color: string;
}

export interface SegWriteOptions {
  /** Label value written as no segment at all (default 0); UNLABELED (255) is never a segment either. */
  background?: number;
  /** DICOM SegmentAlgorithmType (default 'MANUAL'; 'AUTOMATIC' for model output). */
  algorithm?: 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC';
  seriesDescription?: string;
}

export interface DicomSegVolume {
  /** slices × rows × columns, in the source series' slice order. */
  labels: Uint8Array;
  rows: number;
  columns: number;
  slices: number;
  /** Segment number → label and colour, as stored. */
  segments: { number: number; label: string; color: string | null }[];
  referencedSeriesInstanceUID: string;
  frameOfReferenceUID: string;
}

const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const SEGWORK_IMPLEMENTATION_UID = '2.25.211315624519416237041620375216376331571';
/** Attributes copied from the source so the SEG files under the same patient and study. */
const PATIENT_STUDY_TAGS: Record<string, string> = {
  PatientName: 'x00100010', PatientID: 'x00100020', PatientBirthDate: 'x00100030', PatientSex: 'x00100040',
  StudyDate: 'x00080020', StudyTime: 'x00080030', StudyID: 'x00200010', AccessionNumber: 'x00080050', ReferringPhysicianName: 'x00080090',
};
const SEGMENT_NUMBER_POINTER = 0x0062000b; // ReferencedSegmentNumber
const SEGMENT_IDENTIFICATION_POINTER = 0x0062000a; // SegmentIdentificationSequence
const IMAGE_POSITION_POINTER = 0x00200032; // ImagePositionPatient
const PLANE_POSITION_POINTER = 0x00209113; // PlanePositionSequence

/**
 * Writes `labels` (slices × rows × columns, the series' slice order) as a binary DICOM SEG that references every
 * source instance, its study and frame of reference. Each class present becomes one segment; a frame is stored
 * for each slice where that segment has pixels.
 */
export async function writeDicomSeg(file: string, seriesRaster: Raster, labels: Uint8Array, classes: SegClass[], options: SegWriteOptions = {}): Promise<void> {
  const meta = await seriesMetadata(seriesRaster);
  const { width: columns, height: rows, slices } = seriesRaster;
  const plane = rows * columns;
  if (labels.length !== plane * slices) throw new RangeError(`${file}: ${labels.length} labels, expected ${slices} slices x ${rows} rows x ${columns} columns`);
  const background = options.background ?? 0;
  const present = new Set<number>();
  for (const v of labels) if (v !== background && v !== UNLABELED) present.add(v);
  const byIndex = new Map(classes.map((c) => [c.index, c]));
  const unnamed = [...present].filter((v) => !byIndex.has(v));
  if (unnamed.length) throw new RangeError(`${file}: label values ${unnamed.join(', ')} have no class to name their segment`);
  const segmentClasses = [...present].sort((a, b) => a - b).map((v) => byIndex.get(v)!);

  // Frames: for each segment, the slices it touches; pixel bits are packed across frames without padding.
  const frames: { segment: number; slice: number; value: number }[] = [];
  segmentClasses.forEach((c, s) => {
    for (let slice = 0; slice < slices; slice++) {
      if (labels.subarray(slice * plane, (slice + 1) * plane).includes(c.index)) frames.push({ segment: s + 1, slice, value: c.index });
    }
  });
  const pixelData = new Uint8Array(Math.ceil((frames.length * plane) / 8));
  frames.forEach(({ slice, value }, f) => {
    const source = labels.subarray(slice * plane, (slice + 1) * plane);
    for (let i = 0; i < plane; i++) if (source[i] === value) pixelData[(f * plane + i) >> 3] |= 1 << ((f * plane + i) & 7);
  });

  const { dataSet } = await parseDicomFile(meta.files[0]);
  const patientStudy = Object.fromEntries(Object.entries(PATIENT_STUDY_TAGS).map(([name, tag]) => [name, dataSet.string(tag) ?? '']));
  const now = new Date().toISOString();
  const sopInstanceUID = DicomMetaDictionary.uid();
  const dimensionUID = DicomMetaDictionary.uid();
  const code = (value: string, scheme: string, meaning: string) => [{ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning }];
  const dataset: Record<string, unknown> = {
    ...patientStudy,
    SOPClassUID: SEGMENTATION_STORAGE,
    SOPInstanceUID: sopInstanceUID,
    StudyInstanceUID: meta.studyInstanceUID,
    SeriesInstanceUID: DicomMetaDictionary.uid(),
    FrameOfReferenceUID: meta.frameOfReferenceUID,
    PositionReferenceIndicator: '',
    Modality: 'SEG',
    SeriesNumber: '300',
    SeriesDescription: options.seriesDescription ?? 'Segwork labels',
    InstanceNumber: '1',
    ContentDate: now.slice(0, 10).replaceAll('-', ''),
    ContentTime: now.slice(11, 19).replaceAll(':', ''),
    ContentLabel: 'SEGWORK',
    ContentDescription: 'Segwork labels',
    ContentCreatorName: '',
    Manufacturer: 'Segwork',
    ManufacturerModelName: 'Segwork',
    DeviceSerialNumber: '1',
    SoftwareVersions: '1',
    ImageType: ['DERIVED', 'PRIMARY'],
    SegmentationType: 'BINARY',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    NumberOfFrames: String(frames.length),
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionUID }],
    DimensionIndexSequence: [
      { DimensionOrganizationUID: dimensionUID, DimensionIndexPointer: SEGMENT_NUMBER_POINTER, FunctionalGroupPointer: SEGMENT_IDENTIFICATION_POINTER, DimensionDescriptionLabel: 'ReferencedSegmentNumber' },
      { DimensionOrganizationUID: dimensionUID, DimensionIndexPointer: IMAGE_POSITION_POINTER, FunctionalGroupPointer: PLANE_POSITION_POINTER, DimensionDescriptionLabel: 'ImagePositionPatient' },
    ],
    ReferencedSeriesSequence: [{
      SeriesInstanceUID: meta.seriesInstanceUID,
      ReferencedInstanceSequence: meta.sopInstanceUIDs.map((uid) => ({ ReferencedSOPClassUID: meta.sopClassUID, ReferencedSOPInstanceUID: uid })),
    }],
    SegmentSequence: segmentClasses.map((c, s) => ({
      SegmentNumber: s + 1,
      SegmentLabel: c.name,
      SegmentAlgorithmType: options.algorithm ?? 'MANUAL',
      ...(options.algorithm && options.algorithm !== 'MANUAL' ? { SegmentAlgorithmName: 'Segwork' } : {}),
      RecommendedDisplayCIELabValue: cieLabOf(c.color),
      SegmentedPropertyCategoryCodeSequence: code('91723000', 'SCT', 'Anatomical Structure'),
      SegmentedPropertyTypeCodeSequence: code('85756007', 'SCT', 'Tissue'),
    })),
    SharedFunctionalGroupsSequence: [{
      PlaneOrientationSequence: [{ ImageOrientationPatient: meta.imageOrientationPatient }],
      PixelMeasuresSequence: [{
        PixelSpacing: meta.pixelSpacing,
        SliceThickness: meta.sliceThickness ?? meta.sliceSpacing ?? 1,
        ...(meta.sliceSpacing ? { SpacingBetweenSlices: meta.sliceSpacing } : {}),
      }],
    }],
    PerFrameFunctionalGroupsSequence: frames.map(({ segment, slice }) => ({
      DerivationImageSequence: [{
        SourceImageSequence: [{
          ReferencedSOPClassUID: meta.sopClassUID,
          ReferencedSOPInstanceUID: meta.sopInstanceUIDs[slice],
          PurposeOfReferenceCodeSequence: code('121322', 'DCM', 'Source image for image processing operation'),
        }],
        DerivationCodeSequence: code('113076', 'DCM', 'Segmentation'),
      }],
      FrameContentSequence: [{ DimensionIndexValues: [segment, slice + 1] }],
      PlanePositionSequence: [{ ImagePositionPatient: meta.imagePositionPatient[slice] }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segment }],
    })),
    PixelData: [pixelData.buffer],
    _vrMap: { PixelData: 'OB' },
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEGMENTATION_STORAGE,
    MediaStorageSOPInstanceUID: sopInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: SEGWORK_IMPLEMENTATION_UID,
    ImplementationVersionName: 'SEGWORK',
  }));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  await writeAtomic(file, new Uint8Array(dict.write()));
}

/**
 * Reads a binary DICOM SEG back to a label volume on its source series' grid: frames are placed by the SOP Instance
 * they reference. Pixel values are segment numbers, or class indices when `classes` names the segments; `background`
 * (default 0) where no segment is; a later segment wins where segments overlap.
 */
export async function readDicomSeg(file: string, seriesRaster: Raster, options: { classes?: SegClass[]; background?: number } = {}): Promise<DicomSegVolume> {
  const meta = await seriesMetadata(seriesRaster);
  let seg: Record<string, unknown>;
  try {
    const bytes = await readFile(file);
    const message = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    seg = DicomMetaDictionary.naturalizeDataset(message.dict);
  } catch (error) {
    throw new InputError(file, `truncated or corrupt DICOM: ${(error as Error).message}`);
  }
  if (seg.SOPClassUID !== SEGMENTATION_STORAGE) throw new InputError(file, `not a DICOM Segmentation (SOP class ${String(seg.SOPClassUID)})`);
  if (seg.SegmentationType !== 'BINARY') throw new InputError(file, `${String(seg.SegmentationType)} segmentation is not supported, only BINARY`);
  const rows = Number(seg.Rows);
  const columns = Number(seg.Columns);
  if (rows !== seriesRaster.height || columns !== seriesRaster.width) {
    throw new InputError(file, `SEG frames are ${columns}x${rows} but ${seriesRaster.path} is ${seriesRaster.width}x${seriesRaster.height}`);
  }
  const frameOfReferenceUID = String(seg.FrameOfReferenceUID ?? '');
  if (meta.frameOfReferenceUID && frameOfReferenceUID && frameOfReferenceUID !== meta.frameOfReferenceUID) {
    throw new InputError(file, `SEG is in frame of reference ${frameOfReferenceUID}, ${seriesRaster.path} in ${meta.frameOfReferenceUID}`);
  }
  const segments = items(seg.SegmentSequence).map((s) => ({
    number: Number(s.SegmentNumber),
    label: String(s.SegmentLabel ?? ''),
    color: colorOfCieLab(s.RecommendedDisplayCIELabValue),
  }));
  const valueOf = new Map<number, number>();
  for (const s of segments) {
    if (!options.classes) valueOf.set(s.number, s.number);
    else {
      const match = options.classes.find((c) => c.name === s.label);
      if (!match) throw new InputError(file, `segment ${s.number} "${s.label}" matches no class (${options.classes.map((c) => c.name).join(', ')})`);
      valueOf.set(s.number, match.index);
    }
  }
  const sliceOf = new Map(meta.sopInstanceUIDs.map((uid, i) => [uid, i]));
  const plane = rows * columns;
  const frames = items(seg.PerFrameFunctionalGroupsSequence);
  const pixelData = new Uint8Array(asArray(seg.PixelData)[0] as ArrayBuffer);
  if (pixelData.length * 8 < frames.length * plane) throw new InputError(file, `pixel data holds ${pixelData.length} bytes, ${frames.length} frames need ${Math.ceil((frames.length * plane) / 8)}`);
  const labels = new Uint8Array(plane * seriesRaster.slices).fill(options.background ?? 0);
  frames.forEach((frame, f) => {
    const segment = Number(items(frame.SegmentIdentificationSequence)[0]?.ReferencedSegmentNumber);
    const source = items(items(frame.DerivationImageSequence)[0]?.SourceImageSequence)[0]?.ReferencedSOPInstanceUID;
    const slice = sliceOf.get(String(source));
    if (slice === undefined) throw new InputError(file, `frame ${f + 1} references instance ${String(source)}, which is not in ${seriesRaster.path}`);
    const value = valueOf.get(segment);
    if (value === undefined) throw new InputError(file, `frame ${f + 1} names segment ${segment}, which the SEG does not describe`);
    const out = labels.subarray(slice * plane, (slice + 1) * plane);
    for (let i = 0; i < plane; i++) {
      const bit = f * plane + i;
      if (pixelData[bit >> 3] & (1 << (bit & 7))) out[i] = value;
    }
  });
  return { labels, rows, columns, slices: seriesRaster.slices, segments, referencedSeriesInstanceUID: String(items(seg.ReferencedSeriesSequence)[0]?.SeriesInstanceUID ?? ''), frameOfReferenceUID };
}

interface SeriesMetadata {
  studyInstanceUID: string;
  seriesInstanceUID: string;
  frameOfReferenceUID: string;
  sopClassUID: string;
  sopInstanceUIDs: string[];
  files: string[];
  imageOrientationPatient: number[];
  imagePositionPatient: number[][];
  pixelSpacing: number[];
  sliceThickness: number | null;
  sliceSpacing: number | null;
}

async function seriesMetadata(raster: Raster): Promise<SeriesMetadata> {
  const meta = raster.metadata as Partial<SeriesMetadata> & { imagePositionPatient?: (number[] | null)[] };
  if (raster.format !== 'dicom') throw new InputError(raster.path, `is ${raster.format}, a DICOM SEG needs a DICOM series as its source`);
  if (meta.sopInstanceUIDs?.length !== raster.slices) throw new InputError(raster.path, 'is a multi-frame DICOM; DICOM SEG output needs a series of single-frame images');
  if (meta.imageOrientationPatient?.length !== 6 || meta.pixelSpacing?.length !== 2 || meta.imagePositionPatient?.some((p) => p?.length !== 3)) {
    throw new InputError(raster.path, 'DICOM series lacks ImageOrientationPatient, ImagePositionPatient or PixelSpacing');
  }
  const series = { ...meta } as SeriesMetadata;
  // Some anonymisers keep the SOP UIDs only in the file meta header (0002,0002/0003); a SEG must still reference them.
  if (!series.sopClassUID || series.sopInstanceUIDs.some((uid) => !uid)) {
    const fileMeta = await Promise.all(series.files.map(async (file, i) => {
      const { dataSet } = await parseDicomFile(file);
      return { sopClassUID: series.sopClassUID || (dataSet.string('x00020002') ?? ''), sopInstanceUID: series.sopInstanceUIDs[i] || (dataSet.string('x00020003') ?? '') };
    }));
    series.sopClassUID = fileMeta[0].sopClassUID;
    series.sopInstanceUIDs = fileMeta.map((m) => m.sopInstanceUID);
    const missing = series.sopInstanceUIDs.findIndex((uid) => !uid);
    if (missing >= 0 || !series.sopClassUID) throw new InputError(series.files[Math.max(missing, 0)], 'has no SOP Class/Instance UID to reference');
  }
  return series;
}

/** The SOP class and instance UIDs a SEG of this series references, one instance per slice. */
export async function referencedInstances(raster: Raster): Promise<{ sopClassUID: string; sopInstanceUIDs: string[] }> {
  const { sopClassUID, sopInstanceUIDs } = await seriesMetadata(raster);
  return { sopClassUID, sopInstanceUIDs };
}

/** dcmjs gives a one-item sequence either as an array or as the item itself. */
function items(value: unknown): Record<string, unknown>[] {
  return value === undefined || value === null ? [] : (asArray(value) as Record<string, unknown>[]);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** '#rrggbb' → DICOM's scaled CIELab (L 0..65535, a and b offset by 128). */
function cieLabOf(hex: string): number[] {
  const [l, a, b] = labOfRgb(rgbOf(hex));
  return [Math.round((l * 65535) / 100), Math.round(((a + 128) * 65535) / 255), Math.round(((b + 128) * 65535) / 255)];
}

function colorOfCieLab(value: unknown): string | null {
  const v = Array.isArray(value) ? value.map(Number) : null;
  if (!v || v.length !== 3) return null;
  const rgb = rgbOfLab([(v[0] * 100) / 65535, (v[1] * 255) / 65535 - 128, (v[2] * 255) / 65535 - 128]);
  return `#${rgb.map((c) => Math.max(0, Math.min(255, Math.round(c))).toString(16).padStart(2, '0')).join('')}`;
}

function rgbOf(hex: string): number[] {
  const match = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!match) throw new RangeError(`class colour ${hex} is not #rrggbb`);
  return [0, 2, 4].map((i) => parseInt(match[1].slice(i, i + 2), 16));
}

// sRGB (D65) ↔ CIELab, the conversion DICOM's RecommendedDisplayCIELabValue expects.
const WHITE = [0.95047, 1, 1.08883];

function labOfRgb(rgb: number[]): number[] {
  const [r, g, b] = rgb.map((c) => { const s = c / 255; return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
  const xyz = [0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b, 0.0193 * r + 0.1192 * g + 0.9505 * b];
  const [fx, fy, fz] = xyz.map((v, i) => { const t = v / WHITE[i]; return t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116; });
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

function rgbOfLab([l, a, b]: number[]): number[] {
  const fy = (l + 16) / 116;
  const f = [fy + a / 500, fy, fy - b / 200];
  const xyz = f.map((v, i) => (v ** 3 > 216 / 24389 ? v ** 3 : (116 * v - 16) / (24389 / 27)) * WHITE[i]);
  const linear = [
    3.2406 * xyz[0] - 1.5372 * xyz[1] - 0.4986 * xyz[2],
    -0.9689 * xyz[0] + 1.8758 * xyz[1] + 0.0415 * xyz[2],
    0.0557 * xyz[0] - 0.204 * xyz[1] + 1.057 * xyz[2],
  ];
  return linear.map((c) => 255 * (c <= 0.0031308 ? 12.92 * c : 1.055 * Math.max(c, 0) ** (1 / 2.4) - 0.055));
}
