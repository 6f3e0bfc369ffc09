#!/usr/bin/env python3
"""Builds Sources/EmendCore/Resources/dwc-terms.csv from the TDWG Darwin Core term list (tdwg/dwc, CC BY 4.0).

Usage: python3 scripts/make-term-registry.py ../shared/data/dwc-terms > Sources/EmendCore/Resources/dwc-terms.csv

Each output row is one name Emend recognises in a header or meta.xml:
  name      the local name as written in the source (e.g. decimalLatitude, DecimalLatitude, Collector)
  iri       the term IRI that name stands for
  status    current | deprecated | superseded
  current   the current term (local name) it maps to; empty when TDWG names no single replacement
  class     the Darwin Core class of the current term (Record-level, Occurrence, Location, ...)
Current terms come from dwc_all_current_properties.csv; older versions are followed forward through the
`replaces` column of term_versions.csv until a current term is reached.
"""
import csv
import sys
from collections import defaultdict

folder = sys.argv[1]
current = {}  # term iri -> (name, class)
for row in csv.DictReader(open(f"{folder}/dwc_all_current_properties.csv", encoding="utf-8")):
    current[row["term_iri"]] = (row["name"], row["class"])

versions = list(csv.DictReader(open(f"{folder}/term_versions.csv", encoding="utf-8")))
term_of_version = {v["iri"]: v["term_iri"] for v in versions}
replaced_by = defaultdict(set)  # version iri -> version iris that replace it
for v in versions:
    for old in filter(None, v["replaces"].split("|")):
        replaced_by[old.strip()].add(v["iri"])


def current_terms(version_iri, seen=()):
    """The current term iris a version leads to by following replacements forward."""
    term = term_of_version.get(version_iri)
    if term in current:
        return {term}
    found = set()
    for newer in replaced_by.get(version_iri, ()):
        if newer not in seen:
            found |= current_terms(newer, seen + (version_iri,))
    return found


rows = {}
for iri, (name, cls) in current.items():
    rows[(name, iri)] = (name, iri, "current", name, cls)
for v in versions:
    term_iri = v["term_iri"]
    if term_iri in current:
        continue
    name = term_iri.rstrip("/").split("/")[-1].split("#")[-1]
    targets = set()
    for w in versions:
        if w["term_iri"] == term_iri:
            targets |= current_terms(w["iri"])
    status = "deprecated" if v["status"] == "deprecated" else "superseded"
    if len(targets) == 1:
        target = current[targets.pop()]
        row = (name, term_iri, status, target[0], target[1])
    else:
        row = (name, term_iri, status, "", "")
    previous = rows.get((name, term_iri))
    if previous is None or (previous[2] == "superseded" and status == "deprecated"):
        rows[(name, term_iri)] = row

out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["name", "iri", "status", "current", "class"])
for key in sorted(rows):
    out.writerow(rows[key])
