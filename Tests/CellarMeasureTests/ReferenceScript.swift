/// Independent reference for the feature cross-check: scikit-image `regionprops` for the shape
/// features it defines, and plain numpy/scipy re-implementations of CellProfiler's own
/// definitions (quartile interpolation, MAD, edge pixels via `find_boundaries`, centre of mass,
/// Feret diameters on a qhull hull of pixel centres). Prints `label<TAB>column<TAB>value` lines.
let referenceScript = #"""
import json, sys, math
import numpy as np
from skimage.measure import regionprops
from skimage.segmentation import find_boundaries
from scipy.spatial import ConvexHull
from scipy.spatial.distance import pdist

d = sys.argv[1]
meta = json.load(open(f"{d}/meta.json"))
W, H, obj = meta["width"], meta["height"], meta["object"]
lab = np.fromfile(f"{d}/labels.u32", dtype="<u4").reshape(H, W).astype(np.int64)
chans = []
for c in meta["channels"]:
    raw = np.fromfile(f"{d}/{c['file']}", dtype=c["dtype"]).reshape(H, W)
    chans.append((c["name"], raw, float(c["scale"])))
edges = find_boundaries(lab[None], mode="inner")[0]   # as CellProfiler calls it (3-D, z = 1)

def cpq(s, f):
    n = len(s); q = n * f; i = int(math.floor(q)); t = q - i
    return s[i] * (1 - t) + s[i + 1] * t if i < n - 1 else s[i]

def feret_cp(coords):
    pts = np.unique(coords, axis=0).astype(float)
    if len(pts) == 1:
        return 0.0, 0.0
    try:
        v = pts[ConvexHull(pts).vertices]
    except Exception:          # all collinear
        return 0.0, float(pdist(pts).max())
    dmax = float(pdist(v).max())
    w = math.inf
    for i in range(len(v)):
        a, b = v[i], v[(i + 1) % len(v)]
        e = b - a
        dist = np.abs(e[0] * (v[:, 1] - a[1]) - e[1] * (v[:, 0] - a[0])) / math.hypot(*e)
        w = min(w, float(dist.max()))
    return w, dmax

rows = []
for p in regionprops(lab):
    r = {}
    L = p.label
    cy, cx = p.centroid
    r[f"{obj}_Number_Object_Number"] = L
    r[f"{obj}_Location_Center_X"] = cx
    r[f"{obj}_Location_Center_Y"] = cy
    A = "AreaShape"
    P = p.perimeter
    r[f"{obj}_{A}_Area"] = p.area
    r[f"{obj}_{A}_Perimeter"] = P
    r[f"{obj}_{A}_FormFactor"] = 4 * math.pi * p.area / P ** 2 if P > 0 else None
    r[f"{obj}_{A}_Solidity"] = p.solidity
    r[f"{obj}_{A}_ConvexArea"] = p.area_convex
    r[f"{obj}_{A}_Extent"] = p.extent
    r[f"{obj}_{A}_EulerNumber"] = p.euler_number
    r[f"{obj}_{A}_EquivalentDiameter"] = p.equivalent_diameter_area
    r[f"{obj}_{A}_MajorAxisLength"] = p.axis_major_length
    r[f"{obj}_{A}_MinorAxisLength"] = p.axis_minor_length
    r[f"{obj}_{A}_Eccentricity"] = p.eccentricity
    r[f"{obj}_{A}_Orientation"] = p.orientation * (180 / math.pi)
    r[f"{obj}_{A}_Compactness"] = P ** 2 / max(4 * math.pi * p.area, 1)
    fmin, fmax = feret_cp(p.coords)
    r[f"{obj}_{A}_MinFeretDiameter"] = fmin
    r[f"{obj}_{A}_MaxFeretDiameter"] = fmax
    r["skimage_feret_diameter_max"] = p.feret_diameter_max
    r[f"{obj}_{A}_BoundingBoxArea"] = p.area_bbox
    r0, c0, r1, c1 = p.bbox
    r[f"{obj}_{A}_BoundingBoxMinimum_X"] = c0
    r[f"{obj}_{A}_BoundingBoxMinimum_Y"] = r0
    r[f"{obj}_{A}_BoundingBoxMaximum_X"] = c1
    r[f"{obj}_{A}_BoundingBoxMaximum_Y"] = r1
    r[f"{obj}_{A}_Center_X"] = cx
    r[f"{obj}_{A}_Center_Y"] = cy
    yy, xx = p.coords[:, 0], p.coords[:, 1]
    e = edges[yy, xx]
    for name, raw, scale in chans:
        rv = raw[yy, xx]
        v = rv.astype(np.float64) / scale
        I = "Intensity"
        integ_raw = rv.astype(np.float64).sum()
        r[f"{obj}_{I}_IntegratedIntensity_{name}"] = integ_raw / scale
        r[f"{obj}_{I}_MeanIntensity_{name}"] = v.mean()
        r[f"{obj}_{I}_StdIntensity_{name}"] = v.std()
        r[f"{obj}_{I}_MinIntensity_{name}"] = float(rv.min()) / scale
        r[f"{obj}_{I}_MaxIntensity_{name}"] = float(rv.max()) / scale
        s = np.sort(v)
        med = cpq(s, 0.5)
        r[f"{obj}_{I}_MedianIntensity_{name}"] = med
        r[f"{obj}_{I}_LowerQuartileIntensity_{name}"] = cpq(s, 0.25)
        r[f"{obj}_{I}_UpperQuartileIntensity_{name}"] = cpq(s, 0.75)
        r[f"{obj}_{I}_MADIntensity_{name}"] = cpq(np.sort(np.abs(v - med)), 0.5)
        ev = rv[e].astype(np.float64)
        r[f"{obj}_{I}_IntegratedIntensityEdge_{name}"] = ev.sum() / scale
        r[f"{obj}_{I}_MeanIntensityEdge_{name}"] = ev.mean() / scale if len(ev) else None
        tot = rv.astype(np.float64).sum()
        if tot != 0:
            mx = (xx * rv.astype(np.float64)).sum() / tot
            my = (yy * rv.astype(np.float64)).sum() / tot
            r[f"{obj}_{I}_MassDisplacement_{name}"] = math.hypot(cx - mx, cy - my)
            r[f"{obj}_Location_CenterMassIntensity_X_{name}"] = mx
            r[f"{obj}_Location_CenterMassIntensity_Y_{name}"] = my
        else:
            r[f"{obj}_{I}_MassDisplacement_{name}"] = None
            r[f"{obj}_Location_CenterMassIntensity_X_{name}"] = None
            r[f"{obj}_Location_CenterMassIntensity_Y_{name}"] = None
    # scikit-image's own intensity properties on the scaled image, for the record.
    rows.append(r)
for name, raw, scale in chans:
    for p in regionprops(lab, intensity_image=raw.astype(np.float64) / scale):
        row = next(x for x in rows if x[f"{obj}_Number_Object_Number"] == p.label)
        row[f"skimage_intensity_mean_{name}"] = p.intensity_mean
        row[f"skimage_intensity_min_{name}"] = p.intensity_min
        row[f"skimage_intensity_max_{name}"] = p.intensity_max
# One "label<TAB>column<TAB>value" line per value, repr() floats (JSON parsers may round).
for row in rows:
    L = row[f"{obj}_Number_Object_Number"]
    for k, v in row.items():
        print(f"{L}\t{k}\t{'None' if v is None else repr(float(v))}")
"""#
