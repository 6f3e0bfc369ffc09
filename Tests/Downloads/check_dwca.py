#!/usr/bin/env python3
"""Checks a Darwin Core Archive the way the tools that read them would, with none of Emend's code.

    check_dwca.py ARCHIVE.zip META_XSD EXPECTED_ROWS

meta.xml must be valid against the TDWG text schema (xmlschema), the archive must open in python-dwca-reader
with EXPECTED_ROWS core rows, each with an id and the terms meta.xml names, every row of its extension files must be
reached from the core row it names, and occurrence.txt must not end in a blank line. Prints one line beginning OK:
(with the number of extension rows; exit 0) or FAILED: (exit 1).
"""
import csv
import io
import sys
import zipfile

import xmlschema
from dwca.read import DwCAReader


class Failed(Exception):
    pass


def main(archive, schema, expected):
    """The number of extension rows; raises Failed saying what is wrong."""
    with zipfile.ZipFile(archive) as z:
        meta = z.read("meta.xml")
        occurrences = z.read("occurrence.txt")
        names = z.namelist()
    errors = list(xmlschema.XMLSchema(schema).iter_errors(meta))
    if errors:
        raise Failed(f"meta.xml is not valid against the TDWG text schema: {errors[0]}")
    if occurrences.endswith(b"\n\n") or not occurrences.endswith(b"\n"):
        raise Failed("occurrence.txt does not end with exactly one line end")
    for name in ("eml.xml", "citation.txt"):
        if name not in names:
            raise Failed(f"the archive has no {name}")
    with DwCAReader(archive) as dwca:
        if dwca.descriptor.core.type != "http://rs.tdwg.org/dwc/terms/Occurrence":
            raise Failed(f"the core is {dwca.descriptor.core.type}, not Occurrence")
        rows = reached = 0
        terms = set(dwca.descriptor.core.terms)
        for row in dwca:
            rows += 1
            reached += len(row.extensions)
            if not row.id:
                raise Failed(f"row {rows} has no id")
            if set(row.data) != terms:
                raise Failed(f"row {rows} has other terms than meta.xml names")
        if rows != expected:
            raise Failed(f"{rows} rows, expected {expected}")
        if dwca.metadata is None:
            raise Failed("eml.xml did not parse")
        with zipfile.ZipFile(archive) as z:
            written = sum(
                len(list(csv.reader(io.StringIO(z.read(e.file_location).decode("utf-8"))))) - e.lines_to_ignore
                for e in dwca.descriptor.extensions)
        if reached != written:
            raise Failed(f"{written} extension rows, of which {reached} are reached from the core rows they name")
    return reached


if __name__ == "__main__":
    archive, schema, expected = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        extension_rows = main(archive, schema, expected)
    except Failed as failure:
        print(f"FAILED: {failure}")
        sys.exit(1)
    print(f"OK: {archive} has {expected} occurrence rows and {extension_rows} extension rows, a valid meta.xml and "
          "opens in python-dwca-reader")
