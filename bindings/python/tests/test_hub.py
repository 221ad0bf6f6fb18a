"""Hub ids end to end against a loopback HuggingFace hub.

A stdlib http.server on 127.0.0.1 (port 0, a daemon thread) serves model folders under the
endpoints huggingface_hub 2.x calls (read from its source): snapshot_download's
``GET /api/models/{repo}/revision/{rev}`` (sha, siblings) and ``GET /api/models/{repo}/tree/{rev}``
(the file list), hf_hub_download's ``HEAD``/``GET /{repo}/resolve/{rev}/{file}`` (X-Repo-Commit,
ETag, Content-Length; X-Error-Code on 404s), and push's ``GET /api/models/{repo}`` (repo_exists),
``POST /api/repos/create``, ``/api/validate-yaml``, ``/api/models/{repo}/preupload/{rev}`` and
``/api/models/{repo}/commit/{rev}`` (ndjson, regular base64 files).

huggingface_hub reads HF_ENDPOINT, HF_HUB_CACHE and HF_HUB_OFFLINE when it is imported, so every
client runs in a fresh subprocess (``_CLIENT`` below) with those variables set, a timeout, and
its results written as JSON/npy files: nothing can hang the suite. Each test gets its own cache.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest

from conftest import model_dir

pytest.importorskip("huggingface_hub")

SHA = "0123456789abcdef0123456789abcdef01234567"
TEXTS = ["hello world", "static embeddings from a loopback hub", "", "Zürich ünïcode ✓"]
CLIENT_TIMEOUT = 120


def _git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Repo:
    """One repo: files at one commit, plus faults to inject."""

    def __init__(self, files: dict[str, bytes], sha: str = SHA) -> None:
        self.files = dict(files)
        self.sha = sha
        self.short_body: set[str] = set()  # GET sends fewer bytes than HEAD announced
        self.garbage: set[str] = set()  # GET and HEAD agree, but the bytes are garbage
        self.vanished: set[str] = set()  # listed in the tree, 404 on resolve
        self.private = False

    def body(self, name: str) -> bytes:
        data = self.files[name]
        if name in self.garbage:
            return bytes((b * 7 + 13) & 0xFF for b in data)
        return data


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.requests: list[str] = []
        self.lock = threading.Lock()

    def add_folder(self, repo_id: str, folder: Path, prefix: str = "", skip: tuple[str, ...] = ()) -> Repo:
        files = {}
        for p in sorted(folder.rglob("*")):
            rel = p.relative_to(folder).as_posix()
            if p.is_file() and rel not in skip:
                files[prefix + rel] = p.read_bytes()
        files[".gitattributes"] = b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
        repo = Repo(files)
        self.repos[repo_id] = repo
        return repo


def make_handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    api = re.compile(r"^/api/models/([^/]+/[^/]+)(?:/(revision|tree|preupload|commit)/(.+))?$")
    resolve = re.compile(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def send(self, code: int, body: bytes = b"", headers: dict[str, str] | None = None,
                 content_type: str = "application/json", length: int | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def send_json(self, obj: object, code: int = 200, headers: dict[str, str] | None = None) -> None:
            self.send(code, json.dumps(obj).encode(), headers)

        def error(self, code: int, error_code: str, message: str) -> None:
            self.send_json({"error": message}, code, {"X-Error-Code": error_code, "X-Error-Message": message})

        def body(self) -> bytes:
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def route(self) -> None:
            url = urlparse(self.path)
            path = unquote(url.path)
            with hub.lock:
                hub.requests.append(f"{self.command} {path}")
            if self.command == "POST" and path == "/api/repos/create":
                return self.create_repo()
            if self.command == "POST" and path == "/api/validate-yaml":
                self.body()
                return self.send_json({"errors": [], "warnings": []})
            m = api.match(path)
            if m:
                return self.api(m.group(1), m.group(2), m.group(3))
            m = resolve.match(path)
            if m and self.command in ("GET", "HEAD"):
                return self.resolve(m.group(1), m.group(2), m.group(3))
            self.error(404, "EntryNotFound", f"no route for {self.command} {path}")

        do_GET = do_HEAD = do_POST = route

        def repo(self, repo_id: str, revision: str | None) -> Repo | None:
            repo = hub.repos.get(repo_id)
            if repo is None:
                self.error(404, "RepoNotFound", f"Repository {repo_id} not found")
                return None
            if revision is not None and revision not in ("main", repo.sha):
                self.error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
                return None
            return repo

        def api(self, repo_id: str, kind: str | None, revision: str | None) -> None:
            if kind == "preupload":
                files = json.loads(self.body())["files"]
                if self.repo(repo_id, None) is None:
                    return
                modes = [{"path": f["path"], "uploadMode": "regular", "shouldIgnore": False} for f in files]
                return self.send_json({"files": modes, "commitOid": hub.repos[repo_id].sha})
            if kind == "commit":
                return self.commit(repo_id)
            repo = self.repo(repo_id, revision)
            if repo is None:
                return
            if kind == "tree":
                entries = [
                    {"type": "file", "path": name, "size": len(data), "oid": _git_blob_sha1(data)}
                    for name, data in sorted(repo.files.items())
                ]
                return self.send_json(entries)
            siblings = [{"rfilename": name} for name in sorted(repo.files)]
            self.send_json({"id": repo_id, "sha": repo.sha, "private": repo.private, "siblings": siblings})

        def resolve(self, repo_id: str, revision: str, name: str) -> None:
            repo = self.repo(repo_id, revision)
            if repo is None:
                return
            if name not in repo.files or name in repo.vanished:
                return self.send(404, b"", {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": repo.sha})
            data = repo.body(name)
            etag = _git_blob_sha1(repo.files[name])
            headers = {"X-Repo-Commit": repo.sha, "ETag": f'"{etag}"', "Accept-Ranges": "bytes"}
            if self.command == "GET" and name in repo.short_body:
                data = data[: len(data) // 2]
            self.send(200, data, headers, content_type="application/octet-stream")

        def create_repo(self) -> None:
            payload = json.loads(self.body())
            repo_id = f"{payload['organization']}/{payload['name']}"
            if repo_id in hub.repos:
                return self.error(409, "RepoExists", "You already created this model repo")
            repo = Repo({".gitattributes": b""}, sha="f" * 40)
            repo.private = payload.get("visibility") == "private" or bool(payload.get("private"))
            hub.repos[repo_id] = repo
            host = self.headers.get("Host")
            self.send_json({"url": f"http://{host}/{repo_id}", "name": repo_id})

        def commit(self, repo_id: str) -> None:
            repo = hub.repos.get(repo_id)
            raw = self.body()
            if repo is None:
                return self.error(404, "RepoNotFound", f"Repository {repo_id} not found")
            for line in raw.splitlines():
                item = json.loads(line)
                if item["key"] == "file":
                    value = item["value"]
                    assert value["encoding"] == "base64"
                    repo.files[value["path"]] = base64.b64decode(value["content"])
                elif item["key"] != "header":
                    return self.error(400, "BadRequest", f"unsupported commit operation {item['key']}")
            repo.sha = hashlib.sha1(repo.sha.encode() + raw).hexdigest()
            host = self.headers.get("Host")
            self.send_json({"commitUrl": f"http://{host}/{repo_id}/commit/{repo.sha}",
                            "commitOid": repo.sha, "pullRequestUrl": None})

    return Handler


@pytest.fixture()
def hub():
    fake = FakeHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# The client, run in a subprocess: `python -c _CLIENT <job.json>`; writes <job.json>.out.json
# (and .npy vectors). Jobs: load with m2v_native / model2vec / the C API (ctypes), resolve, push.
_CLIENT = r'''
import json, os, sys, traceback
import numpy as np
job = json.load(open(sys.argv[1]))
out = {}
try:
    kind = job["kind"]
    if kind == "m2v":
        import m2v_native
        m = m2v_native.StaticModel.from_pretrained(job["id"], **job.get("kwargs", {}))
        np.save(job["npy"], m.encode(job["texts"]))
        out["path"] = m.path
    elif kind == "model2vec":
        import model2vec
        m = model2vec.StaticModel.from_pretrained(job["id"], **job.get("kwargs", {}))
        np.save(job["npy"], np.asarray(m.encode(job["texts"]), dtype=np.float32))
    elif kind == "resolve":
        from m2v_native import hub
        out["path"] = hub.resolve_model(job["id"], **job.get("kwargs", {}))
    elif kind == "push":
        from m2v_native import hub
        hub.push_to_hub(job["folder"], job["repo_id"], **job.get("kwargs", {}))
    elif kind == "c":
        # The C API alone: m2v_model_load(id) resolves the id in libm2v (no Python hub code).
        import ctypes, m2v_native
        lib_path = next(l.split()[-1] for l in open("/proc/self/maps") if "libm2v.so" in l)
        lib = ctypes.CDLL(lib_path)
        lib.m2v_last_error.restype = ctypes.c_char_p
        lib.m2v_model_dim.restype = ctypes.c_size_t
        lib.m2v_model_dim.argtypes = [ctypes.c_void_p]
        lib.m2v_model_free.argtypes = [ctypes.c_void_p]
        model = ctypes.c_void_p()
        st = lib.m2v_model_load(job["id"].encode(), None, ctypes.byref(model))
        if st != 0:
            raise FileNotFoundError(f"status {st}: " + lib.m2v_last_error().decode())
        dim = lib.m2v_model_dim(model)
        raw = [t.encode() for t in job["texts"]]
        n = len(raw)
        texts = (ctypes.c_char_p * n)(*raw)
        lengths = (ctypes.c_size_t * n)(*[len(t) for t in raw])
        vecs = (ctypes.c_float * (n * dim))()
        st = lib.m2v_encode(model, texts, lengths, ctypes.c_size_t(n), None, vecs, ctypes.c_size_t(n * dim))
        lib.m2v_model_free(model)
        if st != 0:
            raise RuntimeError(lib.m2v_last_error().decode())
        np.save(job["npy"], np.frombuffer(vecs, dtype=np.float32).reshape(n, dim))
    out["ok"] = True
except BaseException as e:
    out.update(ok=False, error=type(e).__name__, mro=[c.__name__ for c in type(e).__mro__],
               message=str(e), traceback=traceback.format_exc())
json.dump(out, open(sys.argv[1] + ".out.json", "w"))
'''


class Client:
    def __init__(self, hub: FakeHub, tmp: Path) -> None:
        self.hub, self.tmp, self.n = hub, tmp, 0
        self.cache = tmp / "hf-cache"

    def run(self, kind: str, offline: bool = False, **job: object) -> dict:
        self.n += 1
        job_path = self.tmp / f"job{self.n}.json"
        job = {"kind": kind, "texts": TEXTS, "npy": str(self.tmp / f"vec{self.n}.npy"), **job}
        job_path.write_text(json.dumps(job))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
        env.update(
            HF_ENDPOINT=self.hub.endpoint,
            HF_HUB_CACHE=str(self.cache),
            HF_HOME=str(self.tmp / "hf-home"),  # no stored token, no telemetry files elsewhere
            HF_HUB_DISABLE_TELEMETRY="1",
            HF_HUB_DISABLE_PROGRESS_BARS="1",
            HF_HUB_ETAG_TIMEOUT="5",
            HF_HUB_DOWNLOAD_TIMEOUT="5",
            HF_HUB_DISABLE_XET="1",  # push: the plain preupload + commit path (see README)
            NO_PROXY="127.0.0.1,localhost",
        )
        env.pop("HTTP_PROXY", None), env.pop("HTTPS_PROXY", None), env.pop("ALL_PROXY", None)
        if offline:
            env["HF_HUB_OFFLINE"] = "1"
        subprocess.run([sys.executable, "-c", _CLIENT, str(job_path)], env=env, cwd=self.tmp,
                       timeout=CLIENT_TIMEOUT, check=True)
        out = json.loads(Path(str(job_path) + ".out.json").read_text())
        if out["ok"] and os.path.exists(job["npy"]):
            out["vectors"] = np.load(job["npy"])
        return out


def ok(result: dict) -> dict:
    assert result["ok"], result.get("traceback")
    return result


@pytest.fixture()
def client(hub: FakeHub, tmp_path: Path) -> Client:
    return Client(hub, tmp_path)


@pytest.fixture()
def minilm() -> Path:
    return model_dir("minilm-default")


def test_download_by_id_matches_model2vec_and_loads_offline(hub: FakeHub, client: Client, minilm: Path):
    hub.add_folder("fixture/minilm", minilm)
    ours = ok(client.run("m2v", id="fixture/minilm"))
    snapshot = client.cache / "models--fixture--minilm" / "snapshots" / SHA
    assert Path(ours["path"]) == snapshot
    assert (client.cache / "models--fixture--minilm" / "refs" / "main").read_text() == SHA
    # model2vec's allow_patterns: the model files and README.md, not .gitattributes/modules.json
    assert sorted(p.name for p in snapshot.iterdir()) == ["README.md", "config.json", "model.safetensors",
                                                          "tokenizer.json"]
    gets = [r for r in hub.requests if r.startswith("GET /fixture/minilm/resolve/")]
    assert len(gets) == 4, gets

    ref = ok(client.run("model2vec", id="fixture/minilm"))
    local = ok(client.run("m2v", id=str(minilm)))
    np.testing.assert_array_equal(ours["vectors"], local["vectors"])
    np.testing.assert_allclose(ours["vectors"], ref["vectors"], atol=3e-3, rtol=0)

    # warm cache: a second online load revalidates (HEAD) without downloading again
    n_before = len([r for r in hub.requests if r.startswith("GET /fixture/minilm/resolve/")])
    again = ok(client.run("m2v", id="fixture/minilm"))
    np.testing.assert_array_equal(again["vectors"], ours["vectors"])
    assert len([r for r in hub.requests if r.startswith("GET /fixture/minilm/resolve/")]) == n_before
    # force_download=False: the cached snapshot, no request at all
    n_requests = len(hub.requests)
    cached = ok(client.run("m2v", id="fixture/minilm", kwargs={"force_download": False}))
    assert cached["path"] == ours["path"] and len(hub.requests) == n_requests

    # offline, from Python and from C: the cache only, no request
    off = ok(client.run("m2v", id="fixture/minilm", offline=True))
    np.testing.assert_array_equal(off["vectors"], ours["vectors"])
    c = ok(client.run("c", id="fixture/minilm", offline=True))
    np.testing.assert_array_equal(c["vectors"], ours["vectors"])
    c_sha = ok(client.run("c", id=f"fixture/minilm@{SHA}", offline=True))
    np.testing.assert_array_equal(c_sha["vectors"], ours["vectors"])
    m2v_off = ok(client.run("model2vec", id="fixture/minilm", offline=True))
    np.testing.assert_allclose(m2v_off["vectors"], ref["vectors"], atol=0, rtol=0)
    assert len(hub.requests) == n_requests


def test_subfolder_and_revision(hub: FakeHub, client: Client, minilm: Path):
    hub.add_folder("fixture/nested", minilm, prefix="models/small/")
    ours = ok(client.run("m2v", id="fixture/nested", kwargs={"subfolder": "models/small"}))
    ref = ok(client.run("model2vec", id="fixture/nested", kwargs={"subfolder": "models/small"}))
    assert ours["path"].endswith(f"snapshots/{SHA}/models/small")
    np.testing.assert_allclose(ours["vectors"], ref["vectors"], atol=3e-3, rtol=0)
    by_sha = ok(client.run("resolve", id=f"fixture/nested@{SHA}", kwargs={"subfolder": "models/small"}))
    assert by_sha["path"].endswith(f"snapshots/{SHA}/models/small")
    off = ok(client.run("m2v", id=f"fixture/nested@{SHA}", offline=True, kwargs={"subfolder": "models/small"}))
    np.testing.assert_array_equal(off["vectors"], ours["vectors"])
    bad_rev = client.run("resolve", id="fixture/nested@nope", kwargs={"subfolder": "models/small"})
    assert not bad_rev["ok"] and bad_rev["error"] == "RevisionNotFoundError"


def test_missing_id(hub: FakeHub, client: Client):
    ours = client.run("m2v", id="nobody/nothing")
    ref = client.run("model2vec", id="nobody/nothing")
    assert not ours["ok"] and not ref["ok"]
    assert ours["error"] == ref["error"] == "RepositoryNotFoundError"
    # offline: libm2v's resolver names the cache, the paths tried and how to download
    off = client.run("m2v", id="nobody/nothing", offline=True)
    assert not off["ok"] and off["error"] == "NotFoundError" and "FileNotFoundError" in off["mro"]
    assert str(client.cache / "models--nobody--nothing" / "refs" / "main") in off["message"]
    assert "huggingface-cli download nobody/nothing" in off["message"]
    c = client.run("c", id="nobody/nothing", offline=True)
    assert not c["ok"] and "status 2" in c["message"] and "HF_HUB_CACHE" in c["message"]
    ref_off = client.run("model2vec", id="nobody/nothing", offline=True)
    assert not ref_off["ok"] and "FileNotFoundError" in ref_off["mro"]
    # not an id, not a folder: the loader's own error, no request
    n = len(hub.requests)
    local = client.run("m2v", id="/no/such/folder")
    assert not local["ok"] and local["error"] == "NotFoundError" and "no such model folder" in local["message"]
    assert len(hub.requests) == n


def test_missing_file(hub: FakeHub, client: Client, minilm: Path):
    hub.add_folder("fixture/notokenizer", minilm, skip=("tokenizer.json",))
    ours = client.run("m2v", id="fixture/notokenizer")
    ref = client.run("model2vec", id="fixture/notokenizer")
    assert not ours["ok"] and not ref["ok"]
    assert ref["error"] == "ValueError" and "ValueError" in ours["mro"] and "NotFoundError" in ours["mro"]
    assert ours["message"].startswith(ref["message"].split(" in ")[0])
    assert "missing: tokenizer.json" in ours["message"]
    # listed in the tree but gone from the server: huggingface_hub's error, for both
    repo = hub.add_folder("fixture/vanished", minilm)
    repo.vanished.add("model.safetensors")
    ours = client.run("m2v", id="fixture/vanished")
    ref = client.run("model2vec", id="fixture/vanished")
    assert not ours["ok"] and ours["error"] == ref["error"] == "RemoteEntryNotFoundError"


def test_corrupt_download(hub: FakeHub, client: Client, minilm: Path):
    repo = hub.add_folder("fixture/short", minilm)
    repo.short_body.add("model.safetensors")
    ours = client.run("m2v", id="fixture/short")
    ref = client.run("model2vec", id="fixture/short")
    assert not ours["ok"] and ours["error"] == ref["error"] == "OSError"
    assert "Consistency check failed" in ours["message"]
    assert not list((client.cache / "models--fixture--short" / "blobs").glob("*.incomplete"))
    # bytes that arrive complete but are garbage: libm2v rejects the file, naming it
    repo = hub.add_folder("fixture/garbage", minilm)
    repo.garbage.add("model.safetensors")
    ours = client.run("m2v", id="fixture/garbage")
    assert not ours["ok"] and ours["error"] == "FormatError", ours["message"]
    assert "model.safetensors" in ours["message"]
    repo = hub.add_folder("fixture/badjson", minilm)
    repo.garbage.add("tokenizer.json")
    ours = client.run("m2v", id="fixture/badjson")
    assert not ours["ok"] and ours["error"] == "FormatError" and "tokenizer.json" in ours["message"]


def test_push_to_hub(hub: FakeHub, client: Client, minilm: Path):
    ok(client.run("push", folder=str(minilm), repo_id="me/pushed", kwargs={"private": True}))
    repo = hub.repos["me/pushed"]
    assert repo.private
    for name in ("config.json", "model.safetensors", "tokenizer.json", "README.md"):
        assert repo.files[name] == (minilm / name).read_bytes(), name
    assert any(r == "POST /api/models/me/pushed/commit/main" for r in hub.requests)
    # the pushed repo downloads and encodes as the folder does
    back = ok(client.run("m2v", id="me/pushed"))
    local = ok(client.run("m2v", id=str(minilm)))
    np.testing.assert_array_equal(back["vectors"], local["vectors"])
    # an existing repo is not re-created; subfolder goes to path_in_repo
    n_create = hub.requests.count("POST /api/repos/create")
    ok(client.run("push", folder=str(minilm), repo_id="me/pushed", kwargs={"subfolder": "v2"}))
    assert hub.requests.count("POST /api/repos/create") == n_create
    assert repo.files["v2/model.safetensors"] == (minilm / "model.safetensors").read_bytes()
    # a missing folder: huggingface_hub's ValueError, before any request
    n = len(hub.requests)
    missing = client.run("push", folder=str(client.tmp / "nope"), repo_id="me/other")
    assert not missing["ok"] and missing["error"] == "ValueError" and "is not a directory" in missing["message"]
    assert len(hub.requests) == n
