#!/usr/bin/env python3
"""Compare two Cellar databases by natural keys (surrogate ids ignored).

Usage: compare_dbs.py A.db B.db

Compared, each sorted by (plate, well row, well col, site[, object number]):
fields (status, cell_count), images (channel, path, bytes, mtime, fingerprint, size, bits),
cells (every feature column, by name: the union of both tables' columns; a column one side
lacks must be NULL on the other), masks (box and RLE bytes). Prints one line per table with
the row count and a SHA-256 of the rows, and exits 1 on the first difference.
Standard library only.
"""
import hashlib
import sqlite3
import sys

KEY = """FROM field f JOIN well w ON w.id = f.well_id JOIN plate p ON p.id = w.plate_id"""


def columns(db, table):
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def rows(db, what, feature_columns):
    if what == "fields":
        sql = f"SELECT p.name, w.row, w.col, f.site, f.status, f.cell_count {KEY} ORDER BY 1, 2, 3, 4"
    elif what == "images":
        sql = (f"SELECT p.name, w.row, w.col, f.site, i.channel, i.path, i.bytes, i.mtime, i.fingerprint, "
               f"i.width, i.height, i.bits FROM image i JOIN field f ON f.id = i.field_id "
               f"JOIN well w ON w.id = f.well_id JOIN plate p ON p.id = w.plate_id ORDER BY 1, 2, 3, 4, 5")
    elif what == "cells":
        have = set(columns(db, "cell"))
        select = ", ".join(f'c."{c}"' if c in have else "NULL" for c in feature_columns)
        sql = (f"SELECT p.name, w.row, w.col, f.site, c.object_number, {select} FROM cell c "
               f"JOIN field f ON f.id = c.field_id JOIN well w ON w.id = f.well_id JOIN plate p ON p.id = w.plate_id "
               f"ORDER BY 1, 2, 3, 4, 5")
    else:
        sql = (f"SELECT p.name, w.row, w.col, f.site, c.object_number, m.x, m.y, m.width, m.height, m.rle "
               f"FROM cell_mask m JOIN cell c ON c.id = m.cell_id JOIN field f ON f.id = c.field_id "
               f"JOIN well w ON w.id = f.well_id JOIN plate p ON p.id = w.plate_id ORDER BY 1, 2, 3, 4, 5")
    return db.execute(sql)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    a = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    b = sqlite3.connect(f"file:{sys.argv[2]}?mode=ro", uri=True)
    skip = {"id", "field_id", "object_number"}
    features = []
    for db in (a, b):
        for c in columns(db, "cell"):
            if c not in skip and c not in features:
                features.append(c)
    ok = True
    for what in ("fields", "images", "cells", "masks"):
        ha, hb = hashlib.sha256(), hashlib.sha256()
        n = 0
        for n, (ra, rb) in enumerate(zip(rows(a, what, features), rows(b, what, features)), 1):
            if ra != rb:
                print(f"{what}: row {n} differs:\n  {sys.argv[1]}: {ra[:8]}\n  {sys.argv[2]}: {rb[:8]}")
                sys.exit(1)
            ha.update(repr(ra).encode())
        na = sum(1 for _ in rows(a, what, features))
        nb = sum(1 for _ in rows(b, what, features))
        if na != nb:
            print(f"{what}: {na} rows in {sys.argv[1]}, {nb} in {sys.argv[2]}")
            ok = False
            continue
        print(f"{what}: {na} rows identical (sha256 {ha.hexdigest()[:16]})")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
