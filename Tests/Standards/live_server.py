"""A live `emend serve` for the standards checks: a fresh database of a few specimens, a contributor and a
curator, served on 127.0.0.1 at a free port, stopped at the end.

    with LiveServer(binary) as server:
        server.url, server.contributor, server.curator, server.record_ids
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

SPECIMENS = """occurrenceID,institutionCode,collectionCode,catalogNumber,scientificName,family,country,countryCode,decimalLatitude,decimalLongitude,year,recordedBy,locality
occ-1,NHMUK,BOT,BM001,Quercus robur,Fagaceae,United Kingdom,GB,51.5,-0.12,1901,J. Smith,Kew Gardens
occ-2,NHMUK,BOT,BM002,Quercus petraea,Fagaceae,United Kingdom,GB,52.2,0.12,1925,A. Jones,Cambridge
occ-3,NHMUK,ENT,BM003,Apis mellifera,Apidae,France,FR,48.85,2.35,1950,J. Smith,Paris
occ-4,CNCI,ENT,CN004,Gryon floridanum,Scelionidae,Ghana,GH,,,1972,M. Mensah,Accra
occ-5,CNCI,ENT,CN005,Apis mellifera,Apidae,Ghana,GH,5.6,-0.19,,M. Mensah,Accra
occ-6,NHMUK,BOT,BM006,Fagus sylvatica,Fagaceae,Fiji,FJ,-17.8,179.5,1880,,Taveuni
occ-7,NHMUK,BOT,BM007,Fagus sylvatica,Fagaceae,Fiji,FJ,-16.5,-179.9,1881,,Rabi
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, binary, extra_csv_rows=0):
        self.binary = binary
        self.extra_csv_rows = extra_csv_rows

    def run(self, *arguments):
        done = subprocess.run([self.binary, *arguments, "--db", self.db], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"emend {' '.join(arguments)} failed: {done.stderr or done.stdout}")
        return done.stdout

    def __enter__(self):
        self.folder = tempfile.mkdtemp(prefix="emend-standards-")
        self.db = os.path.join(self.folder, "emend.sqlite")
        csv = os.path.join(self.folder, "specimens.csv")
        rows = SPECIMENS
        for n in range(self.extra_csv_rows):
            rows += f"gen-{n},NHMUK,ZOO,Z{n:05d},Taxon {n % 7},Family {n % 3},Kenya,KE,-1.{n % 90},36.{n % 90},{1900 + n % 100},Collector {n % 5},Site {n}\n"
        with open(csv, "w") as f:
            f.write(rows)
        self.run("import", csv, "--dataset", "specimens")
        self.contributor = self.run("user", "add", "ada", "--role", "contributor").strip().splitlines()[-1]
        self.curator = self.run("user", "add", "kew", "--role", "curator", "--scope", "NHMUK").strip().splitlines()[-1]
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = open(os.path.join(self.folder, "serve.log"), "w")
        self.process = subprocess.Popen(
            [self.binary, "serve", "--db", self.db, "--host", "127.0.0.1", "--port", str(port)],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError("emend serve exited: " + open(self.log.name).read())
                time.sleep(0.1)
        else:
            raise RuntimeError("emend serve did not answer /health in 30 s")
        search = self.get_json("/api/records?limit=1000&sort=catalogNumber")
        self.record_ids = {r["fields"]["occurrenceID"]: r["id"] for r in search["records"]}
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def request(self, method, path, body=None, headers=None, token=None):
        """(status, headers, body bytes); errors are answers too, not exceptions."""
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        request = urllib.request.Request(self.url + path if path.startswith("/") else path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def get_json(self, path, headers=None):
        status, _, body = self.request("GET", path, headers=headers)
        if status != 200:
            raise AssertionError(f"GET {path}: {status} {body[:500]!r}")
        return json.loads(body)


class Checks:
    """Counts and prints each check, for the closing 'N passed, N failed' line."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, what, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok    {what}")
        else:
            self.failed += 1
            print(f"FAIL  {what} {detail}")
