#!/usr/bin/env python3
"""Checks Emend's annotations against the W3C Web Annotation test suite's MUST assertions, and its container at
/annotations/ against the Web Annotation Protocol, on a live `emend serve`.

    python3 Tests/Standards/web_annotation.py .build/debug/emend

The schemas are the W3C's (Tests/Fixtures/web-annotation/test-schemas, from w3c/web-annotation-tests): the
assertions listed by annotations/annotationMusts.test (54), collections/collectionMusts.test and
collections/pages/pageMusts.test, validated with `jsonschema` (draft 4) with `uri` and `date-time` formats checked.
Prints one line per check and ends with `N passed, N failed`; exits 1 on any failure.
"""
import json
import os
import re
import sys

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_server import Checks as BaseChecks, LiveServer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.join(HERE, "..", "Fixtures", "web-annotation", "test-schemas")
MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
LDP = "http://www.w3.org/ns/ldp#"
OA = "http://www.w3.org/ns/oa#"

formats = jsonschema.FormatChecker()


@formats.checks("uri")
def is_uri(value):
    return not isinstance(value, str) or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$", value) is not None


@formats.checks("date-time")
def is_date_time(value):
    pattern = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"
    return not isinstance(value, str) or re.match(pattern, value) is not None


class Assertions:
    """The MUST assertions one `.test` manifest lists, resolved against the suite's definitions."""

    def __init__(self, manifest):
        with open(os.path.join(SCHEMAS, manifest)) as f:
            self.names = json.load(f)["assertions"]
        resources = []
        for name in os.listdir(os.path.join(SCHEMAS, "definitions")):
            with open(os.path.join(SCHEMAS, "definitions", name)) as f:
                resources.append((name, Resource.from_contents(json.load(f), default_specification=DRAFT4)))
        registry = Registry().with_resources(resources)
        self.schemas = []
        for name in self.names:
            with open(os.path.join(SCHEMAS, name)) as f:
                schema = json.load(f)
            validator = jsonschema.Draft4Validator(schema, registry=registry, format_checker=formats)
            self.schemas.append((name, schema, validator))

    def failures(self, document):
        """The assertions the document breaks: (assertion, the suite's error message)."""
        broken = []
        for name, schema, validator in self.schemas:
            valid = validator.is_valid(document)
            if valid != (schema.get("expectedResult", "valid") == "valid"):
                broken.append((name, schema.get("errorMessage", "")))
        return broken


class Checks(BaseChecks):

    def musts(self, assertions, what, document):
        broken = assertions.failures(document)
        self.check(
            f"{what}: {len(assertions.names) - len(broken)}/{len(assertions.names)} MUST assertions", not broken,
            "\n      " + "\n      ".join(f"{name}: {message}" for name, message in broken) + "\n      " + json.dumps(document)[:2000])


def main(binary):
    annotation_musts = Assertions("annotations/annotationMusts.test")
    collection_musts = Assertions("collections/collectionMusts.test")
    page_musts = Assertions("collections/pages/pageMusts.test")
    checks = Checks()
    checks.check("the annotation manifest lists 54 MUST assertions", len(annotation_musts.names) == 54, str(len(annotation_musts.names)))
    # The harness bites: an annotation with both body and bodyValue, and no target, breaks assertions.
    broken = annotation_musts.failures({"@context": "http://www.w3.org/ns/anno.jsonld", "id": "x y", "type": "Annotation",
                                        "body": "http://e.org/b", "bodyValue": "text"})
    checks.check("a broken annotation fails the assertions", len(broken) >= 3, str(broken))

    with LiveServer(binary) as server:
        kew, paris = server.record_ids["occ-1"], server.record_ids["occ-3"]
        # A note created in the container, as a W3C Web Annotation on one term of a record
        created = {
            "@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation", "motivation": "commenting",
            "body": {"type": "TextualBody", "value": "Kew Gardens is in Richmond.", "format": "text/plain"},
            "target": {"type": "SpecificResource", "source": f"{server.url}/api/records/{kew}",
                       "selector": {"type": "FragmentSelector", "conformsTo": "http://tools.ietf.org/rfc/rfc3986",
                                    "value": "term=locality"}},
        }
        status, headers, body = server.request("POST", "/annotations/", created, token=server.contributor)
        checks.check("POST /annotations/ answers 201", status == 201, f"{status} {body[:300]!r}")
        note = json.loads(body)
        location = headers.get("Location")
        checks.check("with Location the note's id", location and location == note.get("id"), f"{location} {note.get('id')}")
        checks.check("with an ETag", bool(headers.get("ETag")))
        checks.check("as application/ld+json with the anno profile", headers.get("Content-Type") == MEDIA_TYPE, headers.get("Content-Type"))
        checks.musts(annotation_musts, "the created note", note)
        status, _, _ = server.request("POST", "/annotations/", created)
        checks.check("POST without a token answers 401", status == 401, str(status))
        elsewhere = dict(created, target="http://example.org/elsewhere")
        status, _, body = server.request("POST", "/annotations/", elsewhere, token=server.contributor)
        checks.check("POST on something not a record answers 400", status == 400, f"{status} {body[:200]!r}")

        # Reading it back: ETag, 304, HEAD, OPTIONS
        status, headers, body = server.request("GET", location)
        checks.check("GET the note answers 200", status == 200 and json.loads(body) == note, f"{status}")
        tag = headers.get("ETag")
        checks.musts(annotation_musts, "the note read back", json.loads(body))
        status, _, _ = server.request("GET", location, headers={"If-None-Match": tag})
        checks.check("If-None-Match with its ETag answers 304", status == 304, str(status))
        status, headers, body = server.request("HEAD", location)
        checks.check("HEAD the note answers 200 with no body", status == 200 and body == b"" and headers.get("ETag") == tag, str(status))
        status, headers, _ = server.request("OPTIONS", location)
        checks.check("OPTIONS the note says Allow", status == 200 and "GET" in headers.get("Allow", ""), f"{status} {headers.get('Allow')}")

        # A note by the record API's short form, and an accepted correction, which reads as an editing annotation
        status, _, body = server.request(
            "POST", f"/api/records/{paris}/annotations", {"motivation": "identifying", "text": "Apis mellifera ligustica"},
            token=server.contributor)
        checks.check("a short-form note is created", status == 201, f"{status} {body[:200]!r}")
        checks.musts(annotation_musts, "the short-form note", json.loads(body))
        status, _, body = server.request(
            "POST", f"/api/records/{kew}/proposals",
            {"baseVersion": 1, "changes": {"locality": "Royal Botanic Gardens, Kew", "decimalLatitude": "51.4787"},
             "rationale": "The label reads so."}, token=server.contributor)
        checks.check("a proposal is filed", status == 201, f"{status} {body[:200]!r}")
        proposal = json.loads(body)["id"]
        status, _, body = server.request("POST", f"/api/proposals/{proposal}/accept", {}, token=server.curator)
        checks.check("the curator accepts it", status == 200, f"{status} {body[:200]!r}")
        version = json.loads(body)["version"]
        edit = server.get_json(f"/annotations/{proposal}")
        checks.musts(annotation_musts, "the accepted correction", edit)
        checks.check("it reads as motivation editing", edit.get("motivation") == "editing", str(edit.get("motivation")))
        checks.check("on the version the acceptance made",
                     edit.get("target", {}).get("source") == f"{server.url}/api/records/{kew}?version={version}", json.dumps(edit.get("target")))
        values = [b.get("value") for b in (edit["body"] if isinstance(edit.get("body"), list) else [edit.get("body")])]
        checks.check("its bodies say what changed", any("locality" in v and "Royal Botanic Gardens, Kew" in v for v in values), str(values))

        for n in range(3):
            server.request("POST", f"/api/records/{paris}/annotations", {"motivation": "commenting", "text": f"note {n}"},
                           token=server.contributor)
        total = 6

        # The container, as each preference asks
        status, headers, body = server.request("GET", "/annotations/")
        checks.check("GET /annotations/ answers 200", status == 200, str(status))
        links = headers.get_all("Link") or []
        checks.check("a BasicContainer by Link", any(f'<{LDP}BasicContainer>; rel="type"' in l for l in links), str(links))
        checks.check("with Allow for GET, HEAD, OPTIONS and POST",
                     all(m in headers.get("Allow", "") for m in ("GET", "HEAD", "OPTIONS", "POST")), str(headers.get("Allow")))
        checks.check("with an ETag and the media type", bool(headers.get("ETag")) and headers.get("Content-Type") == MEDIA_TYPE)
        container = json.loads(body)
        checks.musts(collection_musts, "the container", container)
        checks.musts(page_musts, "the container with its first page", container)
        checks.check(f"total {total}", container.get("total") == total, str(container.get("total")))
        checks.check("descriptions by default", isinstance(container["first"]["items"][0], dict))
        for item in container["first"]["items"]:
            checks.musts(annotation_musts, f"item {item.get('id')}", item)
        status, _, _ = server.request("GET", "/annotations/", headers={"If-None-Match": headers.get("ETag")})
        checks.check("the container answers 304 to its ETag", status == 304, str(status))

        def prefer(iri):
            return {"Prefer": f'return=representation;include="{iri}"'}

        status, headers, body = server.request("GET", "/annotations/", headers=prefer(OA + "PreferContainedIRIs"))
        iris = json.loads(body)
        checks.check("PreferContainedIRIs: items are IRIs", all(isinstance(i, str) for i in iris["first"]["items"]), body[:300])
        checks.check("with Preference-Applied", headers.get("Preference-Applied") == "return=representation", str(headers.get("Preference-Applied")))
        checks.musts(collection_musts, "the container of IRIs", iris)
        checks.musts(page_musts, "the container of IRIs with its first page", iris)
        described = server.get_json("/annotations/", headers=prefer(OA + "PreferContainedDescriptions"))
        checks.check("PreferContainedDescriptions: items are annotations",
                     all(isinstance(i, dict) and i.get("type") == "Annotation" for i in described["first"]["items"]))
        minimal = server.get_json("/annotations/", headers=prefer(LDP + "PreferMinimalContainer"))
        checks.check("PreferMinimalContainer: first is a page's IRI", isinstance(minimal.get("first"), str), json.dumps(minimal)[:300])
        checks.musts(collection_musts, "the minimal container", minimal)

        # Walking the pages, two at a time, from first through next
        for mode in ("descriptions", "iris"):
            headers = prefer(OA + ("PreferContainedIRIs" if mode == "iris" else "PreferContainedDescriptions"))
            first = server.get_json("/annotations/?limit=2", headers=headers)["first"]
            url, seen, pages = first["id"], [], 0
            while url:
                page = server.get_json(url)
                pages += 1
                checks.musts(page_musts, f"{mode} page {pages}", page)
                checks.check(f"{mode} page {pages} is partOf the container with its total",
                             page.get("partOf", {}).get("id") == container["id"] and page["partOf"].get("total") == total)
                checks.check(f"{mode} page {pages} starts at {len(seen)}", page.get("startIndex") == len(seen), str(page.get("startIndex")))
                for item in page["items"]:
                    if mode == "descriptions":
                        checks.musts(annotation_musts, f"page {pages} item {item.get('id')}", item)
                    seen.append(item if isinstance(item, str) else item["id"])
                url = page.get("next")
            checks.check(f"{mode}: the pages hold every item once", len(seen) == total and len(set(seen)) == total, str(seen))
            checks.check(f"{mode}: in {pages} pages of 2", pages == 3, str(pages))
            for iri in seen:
                status, headers, body = server.request("GET", iri)
                checks.check(f"{iri} dereferences", status == 200 and headers.get("Content-Type") == MEDIA_TYPE, str(status))
                if mode == "iris":
                    checks.musts(annotation_musts, f"{iri}", json.loads(body))

        status, headers, _ = server.request("OPTIONS", "/annotations/")
        checks.check("OPTIONS the container says Allow and Accept-Post",
                     status == 200 and "POST" in headers.get("Allow", "") and headers.get("Accept-Post") == MEDIA_TYPE,
                     f"{status} {dict(headers)}")
        status, headers, body = server.request("HEAD", "/annotations/")
        checks.check("HEAD the container answers 200 with no body", status == 200 and body == b"", str(status))
        status, _, body = server.request("GET", "/annotations/no-such-annotation")
        checks.check("an unknown annotation is 404", status == 404, f"{status} {body[:200]!r}")

    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: web_annotation.py PATH/TO/emend")
    sys.exit(main(sys.argv[1]))
