#!/usr/bin/env python3
"""Database checks for scripts/test-reliability.sh (standard library only).

  snapshot DB            -> JSON: fields {plate/well/site: cells}, cells, problems
  compare CLEAN DB       -> exits 1 unless DB holds the same fields and cells per field as CLEAN
                            and has no duplicate/orphan rows and integrity_check = ok
  reader DB OUT STOPFILE -> polls field counts until STOPFILE exists; writes JSON to OUT
  readers-verdict DB OUT...  -> checks the readers' logs against the final database
"""
import json, os, sqlite3, subprocess, sys, time


def connect(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    con.execute("PRAGMA busy_timeout = 30000")
    return con


def fields(con):
    rows = con.execute("SELECT plate, well, site, status, cell_count FROM field_info").fetchall()
    return {f"{p}/{w}/{s}": (st, c) for p, w, s, st, c in rows}


def problems(con):
    """Every kind of inconsistency a crash could leave; all counts must be 0."""
    q = {
        "integrity_check_not_ok": "SELECT (SELECT group_concat(integrity_check) FROM pragma_integrity_check) <> 'ok'",
        "foreign_key_violations": "SELECT count(*) FROM pragma_foreign_key_check",
        "cells_without_field": "SELECT count(*) FROM cell WHERE field_id NOT IN (SELECT id FROM field)",
        "masks_without_cell": "SELECT count(*) FROM cell_mask WHERE cell_id NOT IN (SELECT id FROM cell)",
        "cells_without_mask": "SELECT count(*) FROM cell WHERE id NOT IN (SELECT cell_id FROM cell_mask)",
        "images_without_field": "SELECT count(*) FROM image WHERE field_id NOT IN (SELECT id FROM field)",
        "fields_without_image": "SELECT count(*) FROM field WHERE id NOT IN (SELECT field_id FROM image)",
        "wells_without_plate": "SELECT count(*) FROM well WHERE plate_id NOT IN (SELECT id FROM plate)",
        "duplicate_cells": "SELECT count(*) FROM (SELECT 1 FROM cell GROUP BY field_id, object_number HAVING count(*) > 1)",
        "duplicate_fields": "SELECT count(*) FROM (SELECT 1 FROM field GROUP BY well_id, site HAVING count(*) > 1)",
        "cell_count_mismatch": """SELECT count(*) FROM field f WHERE f.status = 'done'
                                  AND f.cell_count <> (SELECT count(*) FROM cell c WHERE c.field_id = f.id)""",
        "failed_fields_with_cells": "SELECT count(*) FROM field f WHERE f.status = 'failed' AND EXISTS (SELECT 1 FROM cell WHERE field_id = f.id)",
    }
    return {name: con.execute(sql).fetchone()[0] for name, sql in q.items()}


def snapshot(db):
    con = connect(db)
    f = fields(con)
    return {"fields": f, "cells": sum(c or 0 for _, c in f.values()), "problems": problems(con)}


def compare(clean_db, db):
    a, b = snapshot(clean_db), snapshot(db)
    bad = {k: v for k, v in b["problems"].items() if v}
    missing = sorted(set(a["fields"]) - set(b["fields"]))
    extra = sorted(set(b["fields"]) - set(a["fields"]))
    differ = sorted(k for k in set(a["fields"]) & set(b["fields"]) if a["fields"][k] != b["fields"][k])
    lost = a["cells"] - b["cells"]
    print(f"  fields {len(b['fields'])}/{len(a['fields'])}, cells {b['cells']}/{a['cells']} (lost {lost}), "
          f"missing {len(missing)}, extra {len(extra)}, different {len(differ)}, problems {bad or 'none'}")
    for k in (missing + extra + differ)[:10]:
        print(f"    {k}: clean {a['fields'].get(k)}, this {b['fields'].get(k)}")
    return 0 if not (bad or missing or extra or differ or lost) else 1


def reader(db, out, stopfile, cellar=None):
    """Polls until stopfile exists. Records errors, decreases of the totals, and for each field
    the smallest cell count ever seen (must equal its final count: fields appear complete)."""
    seen, errors, decreases, polls = {}, [], [], 0
    last_fields = last_cells = 0
    use_counts = cellar is not None
    while not os.path.exists(stopfile):
        try:
            con = connect(db)
            rows = con.execute("SELECT plate || '/' || well || '/' || site, status, cell_count FROM field_info").fetchall()
            total = con.execute("SELECT count(*), coalesce(sum(cell_count), 0) FROM field").fetchone()
            con.close()
            polls += 1
            for key, status, cells in rows:
                if status == "done":
                    seen[key] = min(seen.get(key, cells), cells)
            if total[0] < last_fields or total[1] < last_cells:
                decreases.append([last_fields, last_cells, total[0], total[1]])
            last_fields, last_cells = total
            if use_counts and polls % 5 == 0:  # the query layer's view, when it exists
                r = subprocess.run([cellar, "counts", "--db", db, "--format", "json"], capture_output=True, text=True, timeout=60)
                if r.returncode != 0:
                    errors.append(f"cellar counts exit {r.returncode}: {r.stderr.strip()[:300]}")
                else:
                    json.loads(r.stdout)
        except Exception as e:  # noqa: BLE001 - every error is a finding
            errors.append(repr(e))
        time.sleep(0.02)
    json.dump({"polls": polls, "errors": errors, "decreases": decreases, "min_seen": seen}, open(out, "w"))


def readers_verdict(db, outs):
    final = fields(connect(db))
    bad = 0
    for out in outs:
        r = json.load(open(out))
        short = {k: (v, final.get(k)) for k, v in r["min_seen"].items() if final.get(k, ("", -1))[1] != v}
        print(f"  reader {os.path.basename(out)}: {r['polls']} polls, {len(r['errors'])} errors, "
              f"{len(r['decreases'])} decreases, {len(r['min_seen'])} fields seen, {len(short)} seen with fewer cells than final")
        for e in r["errors"][:5]:
            print(f"    error: {e}")
        for k, v in list(short.items())[:5]:
            print(f"    {k}: min seen {v[0]}, final {v[1]}")
        bad += bool(r["errors"] or r["decreases"] or short or r["polls"] == 0)
    return 1 if bad else 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "snapshot":
        s = snapshot(args[0])
        print(json.dumps({"fields": len(s["fields"]), "cells": s["cells"], "problems": s["problems"]}))
    elif cmd == "compare":
        sys.exit(compare(args[0], args[1]))
    elif cmd == "reader":
        reader(args[0], args[1], args[2], args[3] if len(args) > 3 else None)
    elif cmd == "readers-verdict":
        sys.exit(readers_verdict(args[0], args[1:]))
    else:
        sys.exit(f"unknown command {cmd}")
