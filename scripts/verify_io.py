#!/usr/bin/python3
"""Check Segwork's decoded values against independent readers: pydicom (DICOM), nibabel (NIfTI), GDAL (GeoTIFF).

For every sample file, compares min/max/mean of decoded values (after rescale, nodata excluded) from
`segwork inspect --json --stats` with the reference reader. Prints one line per file and a summary; exit 1 on any
disagreement. Needs Debian's python3-pydicom, python3-nibabel and python3-gdal (run with /usr/bin/python3).

Usage: /usr/bin/python3 scripts/verify_io.py [DATA_DIR]   (default: ../shared/data next to the repository)
"""
import glob
import json
import math
import os
import subprocess
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(REPO, '..', 'shared', 'data'))
# Relative tolerance on the mean (float32 accumulation in the reference readers); min/max must match to 1e-5.
MEAN_RTOL = 1e-5

INSPECT_JS = """
import { inspectFile } from './src/io/inspect.ts';
const files = JSON.parse(process.argv[1]);
const out = {};
for (const f of files) {
  try { out[f] = await inspectFile(f, { stats: true }); } catch (e) { out[f] = { error: e.message }; }
}
process.stdout.write(JSON.stringify(out));
"""


def segwork_stats(files):
    result = subprocess.run(
        ['node', '--import', 'tsx', '--input-type=module', '-e', INSPECT_JS, json.dumps(files)],
        cwd=REPO, check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def summary(values):
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[~np.isnan(values)]
    return {'min': float(values.min()), 'max': float(values.max()), 'mean': float(values.mean()), 'count': int(values.size)}


def dicom_reference(path):
    import pydicom
    from pydicom.pixel_data_handlers.util import apply_modality_lut
    ds = pydicom.dcmread(path)
    return summary(apply_modality_lut(ds.pixel_array, ds))


def nifti_reference(path):
    import nibabel
    return summary(nibabel.load(path).get_fdata())


def geotiff_reference(path):
    from osgeo import gdal
    gdal.UseExceptions()
    dataset = gdal.Open(path)
    values = []
    for b in range(1, dataset.RasterCount + 1):
        band = dataset.GetRasterBand(b)
        array = band.ReadAsArray().astype(np.float64)
        nodata = band.GetNoDataValue()
        keep = ~np.isnan(array) if nodata is None else (array != nodata) & ~np.isnan(array)
        values.append(array[keep])
    result = summary(np.concatenate(values))
    reference = dataset.GetSpatialRef()
    result['geoTransform'] = list(dataset.GetGeoTransform()) if reference is not None else None
    result['epsg'] = int(reference.GetAuthorityCode(None)) if reference is not None and reference.GetAuthorityCode(None) else None
    return result


def agree(ours, reference):
    if ours['count'] != reference['count']:
        return False
    exact = all(math.isclose(ours[k], reference[k], rel_tol=1e-6, abs_tol=1e-5) for k in ('min', 'max'))
    return exact and math.isclose(ours['mean'], reference['mean'], rel_tol=MEAN_RTOL, abs_tol=1e-6)


def georeference_agrees(ours, reference):
    """GeoTIFF only: same EPSG code and geotransform as GDAL (None when GDAL sees no CRS)."""
    if 'geoTransform' not in reference:
        return True
    if reference['geoTransform'] is None:
        return ours.get('geoTransform') is None
    same_transform = ours.get('geoTransform') is not None and np.allclose(ours['geoTransform'], reference['geoTransform'], rtol=1e-12, atol=1e-9)
    return same_transform and ours.get('epsg') == reference['epsg']


def main():
    if not os.path.isdir(DATA):
        print(f'no data folder at {DATA}; nothing to verify')
        return 0
    cases = []
    cases += [(f, 'pydicom', dicom_reference) for f in sorted(glob.glob(os.path.join(DATA, 'dicom-parser-samples', '*.dcm')))]
    cases += [(f, 'pydicom', dicom_reference) for f in sorted(glob.glob(os.path.join(DATA, 'totalsegmentator-ct-mr', 'example_ct_dicom', '*')))]
    cases += [(f, 'nibabel', nifti_reference) for f in sorted(glob.glob(os.path.join(DATA, 'totalsegmentator-ct-mr', '*.nii.gz')))]
    cases += [(f, 'GDAL', geotiff_reference) for f in sorted(glob.glob(os.path.join(DATA, 'geotiff-reader-samples', '*', '*.tif')))]
    cases += [(f, 'GDAL', geotiff_reference) for f in sorted(glob.glob(os.path.join(DATA, 'spacenet-solaris-samples', '*', '*.tif')))]
    ours_all = segwork_stats([c[0] for c in cases])
    counts = {'agree': 0, 'DISAGREE': 0, 'reference cannot read': 0, 'segwork cannot read': 0, 'neither reads': 0}
    for path, reader, reference_of in cases:
        name = os.path.relpath(path, DATA)
        ours = ours_all[path]
        try:
            reference = reference_of(path)
        except Exception as error:  # the reference lacks a codec, or the file is not an image
            reference = {'error': f'{type(error).__name__}: {str(error).splitlines()[0][:90]}'}
        if 'error' in ours and 'error' in reference:
            status = 'neither reads'
        elif 'error' in reference:
            status = 'reference cannot read'
        elif 'error' in ours:
            status = 'segwork cannot read'
        else:
            status = 'agree' if agree(ours['stats'], reference) and georeference_agrees(ours, reference) else 'DISAGREE'
        counts[status] += 1
        detail = ''
        if status in ('agree', 'DISAGREE', 'reference cannot read'):
            s = ours['stats']
            detail = f"segwork min {s['min']:g} max {s['max']:g} mean {s['mean']:.6g} n {s['count']}"
        if status in ('agree', 'DISAGREE', 'segwork cannot read') and 'error' not in reference:
            detail += f" | {reader} min {reference['min']:g} max {reference['max']:g} mean {reference['mean']:.6g} n {reference['count']}"
            if reference.get('geoTransform'):
                detail += f" | EPSG {ours.get('epsg')} vs {reference['epsg']}, geotransform {'same' if georeference_agrees(ours, reference) else 'DIFFERENT'}"
        if 'error' in reference:
            detail += f' | {reader}: {reference["error"]}'
        if 'error' in ours:
            detail += f' | segwork: {ours["error"][:120]}'
        print(f'{status:22} {name}: {detail}')
    print('\nsummary: ' + ', '.join(f'{k} {v}' for k, v in counts.items()))
    return 1 if counts['DISAGREE'] or counts['segwork cannot read'] else 0


if __name__ == '__main__':
    sys.exit(main())
