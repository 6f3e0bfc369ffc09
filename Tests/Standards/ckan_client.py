#!/usr/bin/env python3
"""Reads a live `emend serve` with the real CKAN client from PyPI, `ckanapi`, as scripts written for the Natural
History Museum's data portal do.

    python3 Tests/Standards/ckan_client.py .build/debug/emend

Prints one line per check and ends with `N passed, N failed`; exits 1 on any failure.
"""
import os
import sys

import ckanapi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from live_server import Checks as BaseChecks, LiveServer  # noqa: E402

EXTRA = 2500  # generated records beside the seven specimens, so that paging goes past a page of 1000


class Checks(BaseChecks):

    def raises(self, what, error, call):
        try:
            call()
        except error as raised:
            self.check(what, True)
            return raised
        except Exception as other:  # noqa: BLE001
            self.check(what, False, f"raised {type(other).__name__}: {other}")
            return None
        self.check(what, False, "raised nothing")
        return None


def main(binary):
    checks = Checks()
    with LiveServer(binary, extra_csv_rows=EXTRA) as server:
        for get_only in (False, True):
            how = "GET" if get_only else "POST"
            ckan = ckanapi.RemoteCKAN(server.url, get_only=get_only)
            packages = ckan.action.package_list()
            checks.check(f"{how} package_list", packages == ["specimens"], str(packages))
            package = ckan.action.package_show(id="specimens")
            resource_id = package["resources"][0]["id"]
            checks.check(f"{how} package_show has one datastore resource",
                         package["num_resources"] == 1 and package["resources"][0]["datastore_active"], str(package)[:300])
            checks.check(f"{how} resource_show", ckan.action.resource_show(id=resource_id)["id"] == resource_id)
            checks.check(f"{how} status_show", "datastore" in ckan.action.status_show()["extensions"])

            # GET sends each parameter as text: JSON-valued ones go as JSON text, as CKAN reads them
            filters = '{"country": "Fiji"}' if get_only else {"country": "Fiji"}
            result = ckan.action.datastore_search(resource_id=resource_id, filters=filters, sort="catalogNumber desc")
            checks.check(f"{how} datastore_search with filters and sort",
                         [r["catalogNumber"] for r in result["records"]] == ["BM007", "BM006"] and result["total"] == 2,
                         str(result)[:400])
            result = ckan.action.datastore_search(resource_id=resource_id, q="Quercus", fields="catalogNumber,scientificName")
            checks.check(f"{how} datastore_search by words with fields",
                         sorted(r["catalogNumber"] for r in result["records"]) == ["BM001", "BM002"]
                         and [f["id"] for f in result["fields"]] == ["catalogNumber", "scientificName"], str(result)[:400])
            result = ckan.action.datastore_search(resource_id=resource_id)
            checks.check(f"{how} datastore_search: 100 records by default, and the total",
                         len(result["records"]) == 100 and result["total"] == 7 + EXTRA and result["_links"]["next"],
                         str({k: v for k, v in result.items() if k != "records"})[:400])

            checks.raises(f"{how} an unknown resource is NotFound", ckanapi.NotFound,
                          lambda: ckan.action.datastore_search(resource_id="no-such-resource"))
            error = checks.raises(f"{how} a filter on a term search does not index is a ValidationError", ckanapi.ValidationError,
                                  lambda: ckan.action.datastore_search(
                                      resource_id=resource_id, filters='{"locality": "Kew"}' if get_only else {"locality": "Kew"}))
            checks.check(f"{how} naming the field", error is not None and "filters" in error.error_dict, str(error))
            checks.raises(f"{how} a missing resource_id is a ValidationError", ckanapi.ValidationError,
                          lambda: ckan.action.datastore_search())
            checks.raises(f"{how} an unknown package is NotFound", ckanapi.NotFound, lambda: ckan.action.package_show(id="nope"))

        # Every record once, by offset and by the search-after cursor, a thousand at a time
        ckan = ckanapi.RemoteCKAN(server.url)
        total = 7 + EXTRA
        by_offset, offset = [], 0
        while True:
            page = ckan.action.datastore_search(resource_id="specimens", limit=1000, offset=offset, sort="catalogNumber asc")
            if not page["records"]:
                break
            by_offset += [r["_id"] for r in page["records"]]
            offset += len(page["records"])
        checks.check("offset paging gives every record once",
                     len(by_offset) == total and len(set(by_offset)) == total, f"{len(by_offset)} {len(set(by_offset))}")
        by_after, after, pages = [], None, 0
        while True:
            arguments = {"resource_id": "specimens", "limit": 1000, "sort": "catalogNumber asc", "include_total": False}
            if after:
                arguments["after"] = after
            page = ckan.action.datastore_search(**arguments)
            pages += 1
            by_after += [r["_id"] for r in page["records"]]
            checks.check(f"after page {pages} has no total", "total" not in page)
            after = page.get("after")
            if not after:
                break
        checks.check("after paging gives every record once, in the same order",
                     by_after == by_offset and pages == 3, f"{len(by_after)} in {pages} pages")
        limited = ckan.action.datastore_search(resource_id="specimens", limit=5000)
        checks.check("a limit over 1000 gives 1000", len(limited["records"]) == 1000, str(len(limited["records"])))

    print(f"{checks.passed} passed, {checks.failed} failed")
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: ckan_client.py PATH/TO/emend")
    sys.exit(main(sys.argv[1]))
