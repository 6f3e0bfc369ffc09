#!/usr/bin/env python3
"""Checks a Darwin Core Archive the way the tools that read them would, with none of Emend's code.

    check_dwca.py ARCHIVE.zip META_XSD EXPECTED_ROWS

meta.xml must be valid against the TDWG text schema (xmlschema), the archive must open in python-dwca-reader
with EXPECTED_ROWS core rows, each with an id and the terms meta.xml names, and occurrence.txt must not end in a
blank line. Prints one line beginning OK: (exit 0) or FAILED: (exit 1).
"""
import sys
import zipfile

import xmlschema
from dwca.read import DwCAReader


def main(archive, schema, expected):
    with zipfile.ZipFile(archive) as z:
        meta = z.read("meta.xml")
        occurrences = z.read("occurrence.txt")
        names = z.namelist()
    errors = list(xmlschema.XMLSchema(schema).iter_errors(meta))
    if errors:
        return f"meta.xml is not valid against the TDWG text schema: {errors[0]}"
    if occurrences.endswith(b"\n\n") or not occurrences.endswith(b"\n"):
        return "occurrence.txt does not end with exactly one line end"
    for name in ("eml.xml", "citation.txt"):
        if name not in names:
            return f"the archive has no {name}"
    with DwCAReader(archive) as dwca:
        if dwca.descriptor.core.type != "http://rs.tdwg.org/dwc/terms/Occurrence":
            return f"the core is {dwca.descriptor.core.type}, not Occurrence"
        rows = 0
        terms = set(dwca.descriptor.core.terms)
        for row in dwca:
            rows += 1
            if not row.id:
                return f"row {rows} has no id"
            if set(row.data) != terms:
                return f"row {rows} has other terms than meta.xml names"
        if rows != expected:
            return f"{rows} rows, expected {expected}"
        if dwca.metadata is None:
            return "eml.xml did not parse"
    return None


if __name__ == "__main__":
    archive, schema, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
    failure = main(archive, schema, expected)
    if failure:
        print(f"FAILED: {failure}")
        sys.exit(1)
    print(f"OK: {archive} has {expected} occurrence rows, a valid meta.xml and opens in python-dwca-reader")
