#!/usr/bin/env python3
"""Validate a JSON file as an OCDS 1.1 release package with the OCDS project's own validator.

Usage: python3 tests/ocds/validate.py FILE.json

Runs libcoveocds (the library behind the OCDS Data Review Tool) against the official OCDS 1.1.5
schema that is vendored in tests/ocds/schema/1__1__5/ (see the README there), so nothing is fetched
from the network. By default libcoveocds downloads the whole standard repository as a ZIP from
GitHub; here the ZIP is built in memory from the vendored files and handed to it through its
`standard_zip` setting.

Exit 0 with a one-line "OK ..." summary when the document is valid. Exit 1 and print every error
(JSON path + message) when it is not: schema errors and values outside a closed codelist (which
libcoveocds reports apart from the schema errors, although the schema forbids them). Exit 2 when the
file cannot be read or checked at all. libcoveocds' other findings (ocid prefix, additional fields,
open codelist values, deprecated fields, empty fields) are printed as warnings and do not fail.
"""

import csv
import io
import json
import os
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_DIR = os.path.join(HERE, "schema", "1__1__5")
TAG = "1__1__5"
SCHEMA_FILES = (
    "release-package-schema.json",
    "release-schema.json",
    "versioned-release-validation-schema.json",
)


def closed_codelists(release_schema):
    """Code lists for the closed codelists, taken from the `enum` the schema gives each of them.

    libcoveocds skips schema `enum` errors on codelist fields and reports them through the codelist
    CSV files of the standard instead; the vendored schema's enums hold exactly those codes.
    """
    codelists = {}

    def walk(node):
        if isinstance(node, dict):
            if "codelist" in node and not node.get("openCodelist", False):
                enum = node.get("enum") or (node.get("items") or {}).get("enum")
                if enum:
                    codes = codelists.setdefault(node["codelist"], [])
                    codes.extend(c for c in enum if c is not None and c not in codes)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(release_schema)
    return codelists


def standard_zip():
    """The standard repository's layout, as ocdsextensionregistry.ProfileBuilder reads it."""
    buffer = io.BytesIO()
    root = f"standard-{TAG}/"
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(root, "")  # ProfileBuilder takes the first entry as the top folder.
        for name in SCHEMA_FILES:
            with open(os.path.join(SCHEMA_DIR, name), encoding="utf-8") as f:
                archive.writestr(f"{root}schema/{name}", f.read())
        with open(os.path.join(SCHEMA_DIR, "release-schema.json"), encoding="utf-8") as f:
            release_schema = json.load(f)
        for name, codes in sorted(closed_codelists(release_schema).items()):
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["Code"])
            writer.writerows([code] for code in codes)
            archive.writestr(f"{root}schema/codelists/{name}", out.getvalue())
    return buffer.getvalue()


def fmt_path(path):
    if isinstance(path, (list, tuple)):
        path = "/".join(str(p) for p in path)
    return "/" + str(path).lstrip("/") if path not in (None, "") else "/"


def main(argv):
    if len(argv) != 2:
        print("usage: validate.py FILE.json", file=sys.stderr)
        return 2
    filename = argv[1]

    try:
        with open(filename, "rb") as f:
            data = json.loads(f.read())
    except (OSError, ValueError) as e:
        print(f"ERROR {filename}: not readable JSON: {e}")
        return 1
    if not isinstance(data, dict):
        print(f"ERROR {filename}: / is not a JSON object (an OCDS release package is one)")
        return 1

    # Imported late so that a usage or JSON error doesn't need the venv.
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = standard_zip()
    config.config["additional_checks"] = "all"
    config.config["skip_aggregates"] = False

    try:
        # Always "1.1" and a release package: that is what this suite promises to publish.
        result = ocds_json_output(
            "", filename, "1.1", json_data=data, lib_cove_ocds_config=config, record_pkg=False
        )
    except Exception as e:  # noqa: BLE001 - report whatever stopped the validator
        print(f"ERROR {filename}: the validator could not run: {type(e).__name__}: {e}")
        return 2

    errors = []
    for error in result.get("validation_errors", []):
        path = error.get("path") or error.get("field") or ""
        errors.append(f"{fmt_path(path)}: {error.get('description')} [{error.get('type')}]")
    for key, info in sorted(result.get("additional_closed_codelist_values", {}).items()):
        values = ", ".join(repr(v) for v in sorted(map(str, info.get("values", []))))
        errors.append(
            f"{fmt_path(key)}: {values} not in the closed codelist {info.get('codelist')} [codelist]"
        )
    if result.get("json_deref_error"):
        errors.append(f"/: schema could not be dereferenced: {result['json_deref_error']}")

    warnings = []
    conformance = result.get("conformance_errors") or {}
    for bad in conformance.get("ocds_prefixes_bad_format", []):
        ocid, path = (list(bad) + [None, None])[:2] if isinstance(bad, (list, tuple)) else (bad, None)
        warnings.append(f"{fmt_path(path or 'releases/ocid')}: ocid {ocid!r} does not start with an ocds-xxxxxx prefix")
    for key, info in sorted(result.get("additional_open_codelist_values", {}).items()):
        values = ", ".join(repr(v) for v in sorted(map(str, info.get("values", []))))
        warnings.append(f"{fmt_path(key)}: {values} not in the open codelist {info.get('codelist')}")
    for field in result.get("additional_fields", []):
        warnings.append(f"{fmt_path(field.get('path', '') + '/' + field.get('field', ''))}: additional field, not in the schema")
    for field in result.get("deprecated_fields", []):
        why = field.get("explanation") or ["", ""]
        for path in field.get("paths", []) or [""]:
            warnings.append(f"{fmt_path(path + '/' + field.get('field', ''))}: deprecated in OCDS {why[0]}: {why[1]}")
    checks = result.get("additional_checks")
    for check, items in (checks.items() if isinstance(checks, dict) else []):
        for item in items if isinstance(items, list) else [items]:
            where = item.get("json_location", "") if isinstance(item, dict) else item
            warnings.append(f"{fmt_path(where)}: {check}")

    for line in warnings:
        print(f"WARNING {line}")

    releases = data.get("releases")
    count = len(releases) if isinstance(releases, list) else 0
    if errors:
        for line in errors:
            print(f"ERROR {line}")
        print(f"INVALID {filename}: {len(errors)} error(s), {len(warnings)} warning(s) against OCDS {TAG} release-package-schema (libcoveocds)")
        return 1
    print(f"OK {filename}: valid OCDS {TAG} release package, {count} release(s), {len(warnings)} warning(s) (libcoveocds)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
